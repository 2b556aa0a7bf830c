#!/usr/bin/env bash
# hub_auth: credentials and authorization at a real hub: missing, wrong and
# revoked credentials, expired and reused enrollment codes, rate-limited
# enrollment attempts, a device writing as another site or region, and what
# each device receives (its region's contacts only, never responses, never
# its own writes).
#
# usage: hub_auth.sh FIELDSYNC_HUB
HUB=${1:?usage: hub_auth.sh FIELDSYNC_HUB}
. "$(dirname "$0")/lib.sh"
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
for tool in curl gzip od "$(e2e_pg && echo psql || echo sqlite3)"; do
  command -v "$tool" >/dev/null || { echo "hub_auth: needs $tool"; exit 1; }
done

DATA=$E2E_TMP/hub
DB=$DATA/hub.db
T=$E2E_TMP
EJ='Content-Type: application/json'

gz() { printf '%s' "$2" | gzip -c >"$T/$1.gz"; }

# reply NAME: the gunzipped body of the last e2e_sync NAME.
reply() { gzip -dc <"$T/$1.body"; }

# status_error NAME: "STATUS ERROR" of an answer kept as NAME.
answer() { printf '%s %s' "$1" "$(e2e_json_str "$T/$2.body" error)"; }

"$HUB" publish --data "$DATA" "$ROOT/schema/examples/friends-and-family.json" >/dev/null ||
  { echo "publish failed"; exit 1; }
e2e_hub_start "$HUB" "$DATA" || exit 1
E=$E2E_HUB_URL/v1/enroll

# ---- enrollment ----
CODE=$("$HUB" enroll --data "$DATA" --region north)
if [[ $CODE =~ ^[0-9A-Z]{5}-[0-9A-Z]{5}-[0-9A-Z]{2}$ ]]; then
  e2e_pass "an enrollment code is 12 Crockford characters"
else
  e2e_fail "an enrollment code is 12 Crockford characters" "$CODE"
fi
LOWER=$(tr 'A-Z' 'a-z' <<<"${CODE//-/}")
st=$(e2e_http en -H "$EJ" -d "{\"code\":\"$LOWER\",\"name\":\"kiosk-n1\"}" "$E")
e2e_expect "a code typed in lower case without hyphens works" 200 "$st"
N1=$(e2e_json_str "$T/en.body" site)
N1_TOKEN=$(e2e_json_str "$T/en.body" token)
e2e_expect "the reply names the region" north "$(e2e_json_str "$T/en.body" region)"
SECRET=${N1_TOKEN#*.}
e2e_expect "the token is the site and 32 random bytes" "$N1 43" "${N1_TOKEN%%.*} ${#SECRET}"
if grep -qi '^Cache-Control: no-store' "$T/en.headers"; then e2e_pass "the token reply is not cached"; else e2e_fail "the token reply is not cached"; fi
st=$(e2e_http en2 -H "$EJ" -d "{\"code\":\"$CODE\"}" "$E")
e2e_expect "a used code is refused" "403 forbidden" "$(answer "$st" en2)"
grep -q 'already used' "$T/en2.body" && e2e_pass "... saying it was used" || e2e_fail "... saying it was used" "$(cat "$T/en2.body")"

EXPIRING=$("$HUB" enroll --data "$DATA" --region north --expires 1s)
e2e_enroll "$HUB" "$DATA" north kiosk-n2 || exit 1
N2=$E2E_SITE N2_TOKEN=$E2E_TOKEN
e2e_enroll "$HUB" "$DATA" south kiosk-s1 || exit 1
S1=$E2E_SITE S1_TOKEN=$E2E_TOKEN
sleep 1.5
st=$(e2e_http en3 -H "$EJ" -d "{\"code\":\"$EXPIRING\"}" "$E")
e2e_expect "an expired code is refused" "403 forbidden" "$(answer "$st" en3)"
grep -q 'expired' "$T/en3.body" && e2e_pass "... saying it expired" || e2e_fail "... saying it expired" "$(cat "$T/en3.body")"

# The store's text, and with SQLite its files too (free pages, the WAL).
e2e_skip_pg "secrets in the store's files" "the server's files; its dump is searched" || true
store_text() { e2e_store_dump "$DB"; e2e_pg || cat "$DATA"/hub.db*; }
if store_text | grep -qa -- "$SECRET"; then
  e2e_fail "tokens are stored only as hashes"
else
  e2e_pass "tokens are stored only as hashes"
fi
if store_text | grep -qa -- "${CODE//-/}"; then
  e2e_fail "enrollment codes are stored only as hashes"
else
  e2e_pass "enrollment codes are stored only as hashes"
fi

# ---- credentials ----
gz n1_empty "$(e2e_changeset "$N1" "" 0)"
st=$(e2e_http c1 -H 'Content-Type: application/vnd.fieldsync.changeset+json' -H 'Content-Encoding: gzip' \
  --data-binary @"$T/n1_empty.gz" "$E2E_HUB_URL/v1/sync?cursor=0")
e2e_expect "no token" "401 unauthorized" "$(answer "$st" c1)"
grep -qi '^WWW-Authenticate: Bearer' "$T/c1.headers" && e2e_pass "401 asks for a bearer token" || e2e_fail "401 asks for a bearer token"
st=$(e2e_sync c2 "$N1.AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA" "$T/n1_empty.gz")
e2e_expect "wrong token" "401 unauthorized" "$(answer "$st" c2)"
st=$(e2e_sync c3 "$N2.$SECRET" "$T/n1_empty.gz")
e2e_expect "one device's secret with another's site" "401 unauthorized" "$(answer "$st" c3)"
st=$(e2e_sync c4 "$N1_TOKEN" "$T/n1_empty.gz")
e2e_expect "the right token" 200 "$st"

# ---- data from three kiosks of two regions ----
CN1=$(e2e_uuid) CN2=$(e2e_uuid) CS=$(e2e_uuid) R1=$(e2e_uuid)
contact() { # SITE REGION ID REF
  local f
  f=$(e2e_contact_change "$1" "$2" "$3" person_ref "\"$4\""),
  f+=$(e2e_contact_change "$1" "$2" "$3" contact_at '"2026-11-27T10:00:00Z"'),
  f+=$(e2e_contact_change "$1" "$2" "$3" channel '"phone"'),
  f+=$(e2e_contact_change "$1" "$2" "$3" worker '"w-test"')
  printf '%s' "$f"
}
RESPONSE='{"questionnaire":"friends-and-family","version":1,"language":"en","mode":"self","started_at":"2026-11-27T09:12:00Z","submitted_at":"2026-11-27T09:15:30Z","answers":{"overall":"good"}}'
gz n1_push "$(e2e_changeset "$N1" "$(contact "$N1" north "$CN1" N1-REF),$(e2e_response_change "$N1" "$R1" "$RESPONSE")" 5)"
gz n2_push "$(e2e_changeset "$N2" "$(contact "$N2" north "$CN2" N2-REF)" 4)"
gz s1_push "$(e2e_changeset "$S1" "$(contact "$S1" south "$CS" S1-REF)" 4)"
st=$(e2e_sync p1 "$N1_TOKEN" "$T/n1_push.gz")
e2e_expect "north kiosk 1 pushes a contact and a response" 200 "$st"
grep -qi '^Fieldsync-Ack: 5' "$T/p1.headers" && e2e_pass "the push is acknowledged" || e2e_fail "the push is acknowledged" "$(cat "$T/p1.headers")"
e2e_expect "north kiosk 2 pushes a contact" 200 "$(e2e_sync p2 "$N2_TOKEN" "$T/n2_push.gz")"
e2e_expect "south kiosk pushes a contact" 200 "$(e2e_sync p3 "$S1_TOKEN" "$T/s1_push.gz")"

gz n2_empty "$(e2e_changeset "$N2" "" 4)"
gz s1_empty "$(e2e_changeset "$S1" "" 4)"
e2e_expect "north kiosk 2 pulls" 200 "$(e2e_sync d2 "$N2_TOKEN" "$T/n2_empty.gz")"
e2e_expect "south kiosk pulls" 200 "$(e2e_sync d3 "$S1_TOKEN" "$T/s1_empty.gz")"
e2e_expect "north kiosk 1 pulls" 200 "$(e2e_sync d1 "$N1_TOKEN" "$T/n1_empty.gz")"
has() { reply "$1" | grep -q -- "$2"; }
has d2 "$CN1" && e2e_pass "a kiosk receives its region's contacts" || e2e_fail "a kiosk receives its region's contacts"
has d2 friends-and-family && e2e_pass "a kiosk receives the questionnaires" || e2e_fail "a kiosk receives the questionnaires"
has d2 "$CN2" && e2e_fail "a kiosk's own writes are not echoed" || e2e_pass "a kiosk's own writes are not echoed"
has d2 "$CS" && e2e_fail "north never receives south's contacts" || e2e_pass "north never receives south's contacts"
has d1 "$CS" && e2e_fail "north kiosk 1 never receives south's contacts" || e2e_pass "north kiosk 1 never receives south's contacts"
has d3 "$CN1" || has d3 "$CN2" && e2e_fail "south never receives north's contacts" || e2e_pass "south never receives north's contacts"
has d2 "$R1" && e2e_fail "responses never go down" || e2e_pass "responses never go down"
has d2 '"site":"hub"' && e2e_pass "the reply comes from the hub" || e2e_fail "the reply comes from the hub"

# Asking for another region: the query has no such parameter.
st=$(e2e_sync r1 "$N1_TOKEN" "$T/n1_empty.gz" 'cursor=0&region=south')
e2e_expect "a device asking for another region is refused" "400 bad_request" "$(answer "$st" r1)"

# ---- writing as someone else ----
BASE=$(e2e_store_digest "$DB")
H=$(e2e_hlc)
gz as_n2 "$(e2e_changeset "$N2" "$(e2e_contact_change "$N2" north "$CN2" notes '"x"')")"
st=$(e2e_sync w1 "$N1_TOKEN" "$T/as_n2.gz")
e2e_expect "a change set in another site's name" "403 forbidden" "$(answer "$st" w1)"
gz forged "$(e2e_changeset "$N1" "$(e2e_contact_change "$N1" north "$CN1" notes '"ok"'),$(e2e_contact_change "$N2" north "$CN2" notes '"x"')")"
st=$(e2e_sync w2 "$N1_TOKEN" "$T/forged.gz")
e2e_expect "a change authored by another site" "403 forbidden" "$(answer "$st" w2)"
grep -q 'changes\[1\]' "$T/w2.body" && e2e_pass "... naming the offending change" || e2e_fail "... naming the offending change" "$(cat "$T/w2.body")"
gz south "$(e2e_changeset "$N1" "$(e2e_contact_change "$N1" south "$CS" notes '"x"')")"
st=$(e2e_sync w3 "$N1_TOKEN" "$T/south.gz")
e2e_expect "writing a contact of another region" "403 forbidden" "$(answer "$st" w3)"
gz claim "$(e2e_changeset "$N1" "$(e2e_contact_change "$N1" north "$CS" notes '"x"')")"
st=$(e2e_sync w4 "$N1_TOKEN" "$T/claim.gz")
e2e_expect "another region's contact claimed for ours" "403 forbidden" "$(answer "$st" w4)"
gz del "$(e2e_changeset "$N2" "$(printf '{"table":"responses","id":"%s","hlc":"%s","site":"%s","deleted":true}' "$R1" "$H" "$N2")")"
st=$(e2e_sync w5 "$N2_TOKEN" "$T/del.gz")
e2e_expect "deleting another kiosk's response" "403 forbidden" "$(answer "$st" w5)"
gz q "$(e2e_changeset "$N1" "$(printf '{"table":"questionnaires","id":"x","version":1,"hlc":"%s","site":"%s","deleted":true}' "$H" "$N1")")"
st=$(e2e_sync w6 "$N1_TOKEN" "$T/q.gz")
e2e_expect "a kiosk publishing a questionnaire" "403 forbidden" "$(answer "$st" w6)"
e2e_expect "nothing of a refused set was applied" "$BASE" "$(e2e_store_digest "$DB")"
e2e_expect "the data is intact" "1|3" "$(e2e_store_query "$DB" 'SELECT (SELECT count(*) FROM responses WHERE deleted = 0), (SELECT count(*) FROM contacts)')"

# ---- revocation ----
e2e_expect "north kiosk 2 syncs before revocation" 200 "$(e2e_sync v1 "$N2_TOKEN" "$T/n2_empty.gz")"
"$HUB" revoke --data "$DATA" "$N2" >/dev/null
e2e_expect "revoke while the hub runs" 0 $?
st=$(e2e_sync v2 "$N2_TOKEN" "$T/n2_empty.gz")
e2e_expect "a revoked device is refused at its next request" "403 revoked" "$(answer "$st" v2)"
e2e_expect "other devices are unaffected" 200 "$(e2e_sync v3 "$N1_TOKEN" "$T/n1_empty.gz")"
"$HUB" devices --data "$DATA" --json >"$T/devices.json"
grep -A12 "\"site\": \"$N2\"" "$T/devices.json" | grep -q '"revoked": true' &&
  e2e_pass "devices lists the revocation" || e2e_fail "devices lists the revocation" "$(cat "$T/devices.json")"

# ---- rate-limited enrollment attempts (last: it blocks this source for a minute) ----
LAST=$("$HUB" enroll --data "$DATA" --region north)
fails=0
for i in 1 2 3 4 5 6 7 8 9 10 11 12; do
  st=$(e2e_http rl -H "$EJ" -d "{\"code\":\"ZZZZZ-ZZZZZ-Z$((i % 10))\"}" "$E")
  [ "$st" = 401 ] || break
  fails=$((fails + 1))
done
# 10 failures a minute per source address: the used and the expired code above
# were 2 (tests/e2e/hub_enroll_flood.sh tests the limits under a flood).
e2e_expect "failed enrollment attempts are limited" "8 429 too_many_requests" "$fails $(answer "$st" rl)"
grep -qi '^Retry-After: [0-9]' "$T/rl.headers" && e2e_pass "... with Retry-After" || e2e_fail "... with Retry-After"
st=$(e2e_http rl2 -H "$EJ" -d "{\"code\":\"$LAST\"}" "$E")
e2e_expect "even a valid code from that source waits out the limit" "429 too_many_requests" "$(answer "$st" rl2)"

e2e_hub_stop
e2e_expect "the hub stops cleanly" 0 $?
e2e_finish
