#!/usr/bin/env bash
# The clock rule for responses and the claims a device may make, end to end.
#  - A kiosk whose clock is three years ahead makes a response: its sync is
#    refused (409 clock_ahead), the kiosk corrects itself and re-dates what
#    the hub has not taken, and the hub stores the response dated now.
#  - The kiosk's clock is then set right while the hub is away: the stale
#    offset is not applied (new responses are not dated three years back).
#  - Sent by hand: a response submitted in 2099 is refused like a stamp
#    (409 clock_ahead), one from 1970 is quarantined, one started after it
#    was submitted is refused (422); a tombstone another kiosk sends for a
#    response before it arrives does not suppress it, and once it is there
#    another kiosk's tombstone is refused (403); a forged conflict row is
#    not believed and a believed one gives way to the hub's own.
# usage: system_clock.sh AGENT HUB
AGENT=${1:?usage: system_clock.sh AGENT HUB}
HUB=${2:?usage: system_clock.sh AGENT HUB}
. "$(dirname "$0")/agent_lib.sh"

YEARS3=94608000000 # ms
T=$E2E_TMP

# The submitted_at of response ID in the hub's export ("" when absent).
hub_submitted() {
  hub export responses --format jsonl | grep "\"id\":\"$1\"" |
    sed -n 's/.*"submitted_at":"\([^"]*\)".*/\1/p'
}
# Seconds between a timestamp and now (absolute).
secs_from_now() {
  local t
  t=$(date -u -d "$1" +%s 2>/dev/null) || { echo 999999999; return; }
  echo $(( t > $(date +%s) ? t - $(date +%s) : $(date +%s) - t ))
}
quarantined() { sqlite3 -readonly "$HUB_DIR/hub.db" 'SELECT count(*) FROM quarantine'; }
gz() { printf '%s' "$2" | gzip -c >"$T/$1.gz"; }
answer() { printf '%s %s' "$1" "$(e2e_json_str "$T/$2.body" error)"; }

hub_start || { e2e_fail "hub starts"; e2e_finish; exit 1; }
hub publish "$E2E_EXAMPLES/friends-and-family.json" >/dev/null || e2e_fail "publish"
kiosk_init k north || e2e_fail "init"
check "first sync" ag k sync
answers_json "$T/good.json" "fine"
R="respond --questionnaire friends-and-family --answers $T/good.json"

# ---- three years ahead: refused, corrected, re-dated ----
export FIELDSYNC_TEST_CLOCK_SKEW_MS=$YEARS3
check "respond with the clock three years ahead" ag k $R
id1=$(tr -d '[:space:]' <"$E2E_OUT")
check "sync corrects the clock (409 clock_ahead, then accepted)" ag k sync
sub1=$(hub_submitted "$id1")
[ -n "$sub1" ] && [ "$(secs_from_now "$sub1")" -lt 300 ] &&
  e2e_pass "the hub dates the response now, not three years ahead" ||
  e2e_fail "the hub dates the response now, not three years ahead" "id $id1 submitted_at '$sub1'"
check "status with the correction" ag k status --json
grep -Eq '"clock_offset_ms": -9460[0-9]{7},' "$E2E_OUT" && e2e_pass "the offset is minus three years" ||
  e2e_fail "the offset is minus three years" "$(grep offset "$E2E_OUT")"
check "respond while corrected" ag k $R
id2=$(tr -d '[:space:]' <"$E2E_OUT")
unset FIELDSYNC_TEST_CLOCK_SKEW_MS

# ---- the clock is set right while offline: the old offset is dropped ----
hub_stop
check "status after the clock was set right" ag k status --json
grep -q '"clock_offset_ms": 0,' "$E2E_OUT" && e2e_pass "the stale offset is not applied" ||
  e2e_fail "the stale offset is not applied" "$(grep offset "$E2E_OUT")"
check "respond offline with the clock set right" ag k $R
id3=$(tr -d '[:space:]' <"$E2E_OUT")
hub_start || e2e_fail "hub restarts"
check "sync after the clock was set right" ag k sync
for id in "$id2" "$id3"; do
  sub=$(hub_submitted "$id")
  [ -n "$sub" ] && [ "$(secs_from_now "$sub")" -lt 300 ] &&
    e2e_pass "response ..${id: -6} is dated now at the hub" ||
    e2e_fail "response ..${id: -6} is dated now at the hub" "submitted_at '$sub'"
done
e2e_expect "nothing of the kiosk was quarantined" 0 "$(quarantined)"

# ---- hostile devices: response times ----
e2e_enroll "$HUB" "$HUB_DIR" north d1 || e2e_fail "enroll d1"
D1=$E2E_SITE D1_TOKEN=$E2E_TOKEN
e2e_enroll "$HUB" "$HUB_DIR" north d2 || e2e_fail "enroll d2"
D2=$E2E_SITE D2_TOKEN=$E2E_TOKEN
body() { # STARTED SUBMITTED
  printf '{"questionnaire":"friends-and-family","version":1,"language":"en","mode":"self","started_at":"%s","submitted_at":"%s","answers":{"overall":"good"}}' "$1" "$2"
}
NOW=$(date -u +%Y-%m-%dT%H:%M:%SZ)
BASE=$(e2e_store_digest "$HUB_DIR/hub.db")
gz future "$(e2e_changeset "$D1" "$(e2e_response_change "$D1" "$(e2e_uuid)" "$(body "$NOW" 2099-01-01T00:00:00Z)")")"
st=$(e2e_sync future "$D1_TOKEN" "$T/future.gz")
e2e_expect "submitted in 2099: refused like a stamp" "409 clock_ahead" "$(answer "$st" future)"
grep -aq '"time":' "$T/future.body" && e2e_pass "... with the hub's time" ||
  e2e_fail "... with the hub's time" "$(head -c 300 "$T/future.body" | tr -cd '[:print:]')"
e2e_expect "... and nothing applied" "$BASE" "$(e2e_store_digest "$HUB_DIR/hub.db")"
old=$(e2e_uuid)
gz past "$(e2e_changeset "$D1" "$(e2e_response_change "$D1" "$old" "$(body 1970-01-01T00:00:10Z 1970-01-01T00:00:20Z)")")"
st=$(e2e_sync past "$D1_TOKEN" "$T/past.gz")
e2e_expect "submitted in 1970: taken but not merged" "200 " "$(answer "$st" past)"
e2e_expect "... kept in quarantine" 1 "$(quarantined)"
[ -z "$(hub_submitted "$old")" ] && e2e_pass "... and not exported" || e2e_fail "... and not exported"
gz order "$(e2e_changeset "$D1" "$(e2e_response_change "$D1" "$(e2e_uuid)" "$(body "$NOW" 2026-11-27T09:00:00Z)")")"
st=$(e2e_sync order "$D1_TOKEN" "$T/order.gz")
e2e_expect "started after submitted: refused" "422 invalid_changeset" "$(answer "$st" order)"
grep -aq 'started_at' "$T/order.body" && e2e_pass "... naming started_at" ||
  e2e_fail "... naming started_at" "$(head -c 300 "$T/order.body" | tr -cd '[:print:]')"

# ---- hostile devices: a tombstone sent before the response ----
rid=$(e2e_uuid)
gz del "$(e2e_changeset "$D2" "$(printf '{"table":"responses","id":"%s","hlc":"%s","site":"%s","deleted":true}' "$rid" "$(e2e_hlc)" "$D2")")"
st=$(e2e_sync del "$D2_TOKEN" "$T/del.gz")
e2e_expect "another kiosk's tombstone before the response: taken" "200 " "$(answer "$st" del)"
gz own "$(e2e_changeset "$D1" "$(e2e_response_change "$D1" "$rid" "$(body "$NOW" "$NOW")")")"
st=$(e2e_sync own "$D1_TOKEN" "$T/own.gz")
e2e_expect "the owner's push" "200 " "$(answer "$st" own)"
[ -n "$(hub_submitted "$rid")" ] && e2e_pass "... stores the response" ||
  e2e_fail "... stores the response" "the forged tombstone suppressed it"
e2e_expect "... and keeps the forged tombstone in quarantine" 2 "$(quarantined)"
st=$(e2e_sync del2 "$D2_TOKEN" "$T/del.gz")
e2e_expect "another kiosk's tombstone of a stored response" "403 forbidden" "$(answer "$st" del2)"

# ---- hostile devices: conflict rows ----
cid=$(e2e_uuid)
H1=$(e2e_hlc)
gz c1 "$(e2e_changeset "$D1" "$(e2e_contact_change "$D1" north "$cid" person_ref '"AB-1"' "$H1"),$(e2e_contact_change "$D1" north "$cid" notes '"the real notes"' "$H1")")"
st=$(e2e_sync c1 "$D1_TOKEN" "$T/c1.gz")
e2e_expect "d1 writes a contact" "200 " "$(answer "$st" c1)"
H2=$(printf '%016x' $((16#$H1 + 1)))
claim() { # LOSER_VALUE
  printf '{"table":"conflicts","id":"%s/notes/%s/%s","hlc":"%s","site":"%s","region":"north","conflict":{"table":"contacts","record":"%s","field":"notes","winner":{"value":"forged","hlc":"%s","site":"%s"},"loser":{"value":%s,"hlc":"%s","site":"%s"}}}' \
    "$cid" "$H1" "$D1" "$(e2e_hlc)" "$D2" "$cid" "$H2" "$D2" "$1" "$H1" "$D1"
}
gz forged "$(e2e_changeset "$D2" "$(claim '"made up"')")"
st=$(e2e_sync forged "$D2_TOKEN" "$T/forged.gz")
e2e_expect "a conflict row with a made-up loser value" "200 " "$(answer "$st" forged)"
e2e_expect "... is not believed (quarantined)" 3 "$(quarantined)"
e2e_expect "... and lists no conflict" 0 "$(hub export conflicts --format jsonl | wc -l)"
gz believed "$(e2e_changeset "$D2" "$(claim '"the real notes"')")"
st=$(e2e_sync believed "$D2_TOKEN" "$T/believed.gz")
e2e_expect "a conflict row true to what the hub holds is taken" "200 1" \
  "$(answer "$st" believed | cut -c1-4)$(hub export conflicts --format jsonl | wc -l)"
sleep 0.01
gz c2 "$(e2e_changeset "$D2" "$(e2e_contact_change "$D2" north "$cid" notes '"a concurrent edit"')")"
st=$(e2e_sync c2 "$D2_TOKEN" "$T/c2.gz")
e2e_expect "a concurrent write" "200 " "$(answer "$st" c2)"
c=$(hub export conflicts --format jsonl)
e2e_expect "one conflict" 1 "$(wc -l <<<"$c")"
grep -q '"a concurrent edit"' <<<"$c" && grep -q '"the real notes"' <<<"$c" && ! grep -q forged <<<"$c" &&
  e2e_pass "the hub's own conflict replaced the claim" || e2e_fail "the hub's own conflict replaced the claim" "$c"
e2e_finish
