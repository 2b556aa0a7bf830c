#!/usr/bin/env bash
# hub_bad_input: a catalogue of malformed and hostile requests sent to a real
# hub with curl. Each must get its documented status and error code
# (docs/protocol.md), and the hub's data must stay byte-for-byte the same
# (e2e_store_digest after every case).
#
# usage: hub_bad_input.sh FIELDSYNC_HUB
HUB=${1:?usage: hub_bad_input.sh FIELDSYNC_HUB}
. "$(dirname "$0")/lib.sh"
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
for tool in curl gzip od "$(e2e_pg && echo psql || echo sqlite3)"; do
  command -v "$tool" >/dev/null || { echo "hub_bad_input: needs $tool"; exit 1; }
done

DATA=$E2E_TMP/hub
DB=$DATA/hub.db
T=$E2E_TMP
CT='Content-Type: application/vnd.fieldsync.changeset+json'
CE='Content-Encoding: gzip'

# gz NAME TEXT: gzip TEXT into $T/NAME.gz.
gz() { printf '%s' "$2" | gzip -c >"$T/$1.gz"; }

# ---- setup: a hub, a questionnaire, devices and some data ----

"$HUB" publish --data "$DATA" "$ROOT/schema/examples/friends-and-family.json" >/dev/null ||
  { echo "publish failed"; exit 1; }
e2e_hub_start "$HUB" "$DATA" || exit 1
e2e_enroll "$HUB" "$DATA" north kiosk-n1 || exit 1
N1=$E2E_SITE N1_TOKEN=$E2E_TOKEN
e2e_enroll "$HUB" "$DATA" north kiosk-n2 || exit 1
N2=$E2E_SITE N2_TOKEN=$E2E_TOKEN
e2e_enroll "$HUB" "$DATA" south kiosk-s1 || exit 1
S1=$E2E_SITE S1_TOKEN=$E2E_TOKEN
e2e_enroll "$HUB" "$DATA" north kiosk-rl || exit 1
RL=$E2E_SITE RL_TOKEN=$E2E_TOKEN
e2e_enroll "$HUB" "$DATA" north kiosk-rv || exit 1
RV=$E2E_SITE RV_TOKEN=$E2E_TOKEN
USED_CODE=$("$HUB" enroll --data "$DATA" --region north)
curl -s -o /dev/null -H 'Content-Type: application/json' -d "{\"code\":\"$USED_CODE\"}" \
  "$E2E_HUB_URL/v1/enroll"
EXPIRED_CODE=$("$HUB" enroll --data "$DATA" --region north --expires 1s)

CN=$(e2e_uuid) # a north contact
CS=$(e2e_uuid) # a south contact
R1=$(e2e_uuid) # a response of N1
SECRET_ANSWER="secret-answer-$RANDOM$RANDOM"
RESPONSE_BODY=$(printf '{"questionnaire":"friends-and-family","version":1,"language":"en","mode":"self","started_at":"2026-11-27T09:12:00Z","submitted_at":"2026-11-27T09:15:30Z","answers":{"overall":"good","why":"%s"}}' "$SECRET_ANSWER")
contact_fields() { # SITE REGION ID
  local f=""
  f+=$(e2e_contact_change "$1" "$2" "$3" person_ref '"AB-12"'),
  f+=$(e2e_contact_change "$1" "$2" "$3" contact_at '"2026-11-27T10:00:00Z"'),
  f+=$(e2e_contact_change "$1" "$2" "$3" channel '"phone"'),
  f+=$(e2e_contact_change "$1" "$2" "$3" worker '"w-amina"')
  printf '%s' "$f"
}
gz seed_n1 "$(e2e_changeset "$N1" "$(contact_fields "$N1" north "$CN"),$(e2e_response_change "$N1" "$R1" "$RESPONSE_BODY")" 5)"
gz seed_s1 "$(e2e_changeset "$S1" "$(contact_fields "$S1" south "$CS")" 4)"
for pair in "$N1_TOKEN seed_n1" "$S1_TOKEN seed_s1"; do
  set -- $pair
  status=$(e2e_sync seed "$1" "$T/$2.gz")
  [ "$status" = 200 ] || { echo "seeding failed: $status $(cat "$T/seed.body")"; exit 1; }
done
for who in "$N2 $N2_TOKEN" "$RL $RL_TOKEN" "$RV $RV_TOKEN"; do
  set -- $who
  gz "empty_$1" "$(e2e_changeset "$1" "" 0)"
  status=$(e2e_sync seed "$2" "$T/empty_$1.gz")
  [ "$status" = 200 ] || { echo "empty sync failed: $status"; exit 1; }
done
"$HUB" revoke --data "$DATA" "$RV" >/dev/null || { echo "revoke failed"; exit 1; }
sleep 1.2 # let EXPIRED_CODE expire

BASE=$(e2e_store_digest "$DB")
[ -n "$BASE" ] || { echo "cannot digest the store"; exit 1; }
[ "$(e2e_store_query "$DB" 'SELECT count(*) FROM responses')" = 1 ] ||
  { echo "the seed response was not merged"; exit 1; }

# check NAME STATUS WANT_STATUS WANT_ERROR: the answer in $T/case.* and the data.
check() {
  local name=$1 got=$2 want=$3 code=$4 err digest
  err=$(e2e_json_str "$T/case.body" error)
  digest=$(e2e_store_digest "$DB")
  if [ "$got" != "$want" ] || [ "$err" != "$code" ]; then
    e2e_fail "$name" "wanted $want $code, got $got $err: $(head -c 300 "$T/case.body")"
  elif [ -z "$(e2e_json_str "$T/case.body" message)" ]; then
    e2e_fail "$name" "no message in $(head -c 300 "$T/case.body")"
  elif [ "$digest" != "$BASE" ]; then
    e2e_fail "$name" "the hub's data changed"
    BASE=$digest
  else
    e2e_pass "$name ($want $code)"
  fi
}

# bad NAME STATUS ERROR CURL_ARGS...
bad() {
  local name=$1 want=$2 code=$3
  shift 3
  check "$name" "$(e2e_http case "$@")" "$want" "$code"
}

# bad_sync NAME STATUS ERROR TOKEN FILE [QUERY] [CURL_ARGS...]
bad_sync() {
  local name=$1 want=$2 code=$3
  shift 3
  check "$name" "$(e2e_sync case "$@")" "$want" "$code"
}

# bad_set NAME STATUS ERROR JSON: a change set from N1.
bad_set() {
  gz set "$4"
  bad_sync "$1" "$2" "$3" "$N1_TOKEN" "$T/set.gz"
}

S=$E2E_HUB_URL/v1/sync
EMPTY=$T/empty_n1.gz
gz empty_n1 "$(e2e_changeset "$N1" "" 0)"
NOW=$(e2e_now_ms)
H=$(e2e_hlc "$NOW")
NEW=$(e2e_uuid)

# ---- rate limit first, while the setup's window is still open ----
ok=0
for ((i = 0; i < 125; i++)); do
  status=$(e2e_sync case "$RL_TOKEN" "$T/empty_$RL.gz")
  [ "$status" = 200 ] || break
  ok=$((ok + 1))
done
if [ "$ok" -ge 119 ] && [ "$ok" -le 120 ] && grep -qi '^Retry-After: [0-9]' "$T/case.headers"; then
  check "too many requests after $ok" "$status" 429 too_many_requests
else
  e2e_fail "too many requests" "$ok requests passed, then $status"
fi

# ---- routing and methods ----
bad "unknown path" 404 not_found "$E2E_HUB_URL/v1/nope"
bad "root path" 404 not_found "$E2E_HUB_URL/"
bad "sync path with a trailing slash" 404 not_found -X POST "$S/"
bad "GET on the sync endpoint" 405 method_not_allowed "$S"
if grep -qi '^Allow: POST' "$T/case.headers"; then e2e_pass "405 names the allowed method"; else e2e_fail "405 names the allowed method"; fi
bad "PUT on the sync endpoint" 405 method_not_allowed -X PUT --data-binary @"$EMPTY" "$S"
bad "POST on /health" 405 method_not_allowed -X POST "$E2E_HUB_URL/health"
bad "GET on the enroll endpoint" 405 method_not_allowed "$E2E_HUB_URL/v1/enroll"

# ---- credentials ----
bad "no token" 401 unauthorized -H "$CT" -H "$CE" --data-binary @"$EMPTY" "$S?cursor=0"
bad "wrong token" 401 unauthorized -H "Authorization: Bearer $N1.AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA" \
  -H "$CT" -H "$CE" --data-binary @"$EMPTY" "$S?cursor=0"
bad "token of an unknown site" 401 unauthorized -H "Authorization: Bearer k-nobody.${N1_TOKEN#*.}" \
  -H "$CT" -H "$CE" --data-binary @"$EMPTY" "$S?cursor=0"
bad "basic auth instead of a bearer token" 401 unauthorized -H "Authorization: Basic Zm9vOmJhcg==" \
  -H "$CT" -H "$CE" --data-binary @"$EMPTY" "$S?cursor=0"
bad "truncated token" 401 unauthorized -H "Authorization: Bearer ${N1_TOKEN:0:30}" \
  -H "$CT" -H "$CE" --data-binary @"$EMPTY" "$S?cursor=0"
gz empty_rv "$(e2e_changeset "$RV" "" 0)"
bad_sync "revoked device" 403 revoked "$RV_TOKEN" "$T/empty_rv.gz"

# ---- headers and query ----
AUTH="Authorization: Bearer $N1_TOKEN"
bad "wrong content type" 415 unsupported_media_type -H "$AUTH" -H 'Content-Type: application/json' -H "$CE" --data-binary @"$EMPTY" "$S?cursor=0"
bad "no content type" 415 unsupported_media_type -H "$AUTH" -H 'Content-Type:' -H "$CE" --data-binary @"$EMPTY" "$S?cursor=0"
bad "missing content-encoding" 415 unsupported_media_type -H "$AUTH" -H "$CT" --data-binary @"$EMPTY" "$S?cursor=0"
bad "content-encoding br" 415 unsupported_media_type -H "$AUTH" -H "$CT" -H 'Content-Encoding: br' --data-binary @"$EMPTY" "$S?cursor=0"
bad_sync "cursor not a number" 400 bad_request "$N1_TOKEN" "$EMPTY" cursor=abc
bad_sync "negative cursor" 400 bad_request "$N1_TOKEN" "$EMPTY" cursor=-1
bad_sync "cursor past 2^63" 400 bad_request "$N1_TOKEN" "$EMPTY" cursor=99999999999999999999
bad_sync "cursor twice" 400 bad_request "$N1_TOKEN" "$EMPTY" 'cursor=1&cursor=2'
bad_sync "cursor without a value" 400 bad_request "$N1_TOKEN" "$EMPTY" cursor
bad_sync "asking for another region" 400 bad_request "$N1_TOKEN" "$EMPTY" 'cursor=0&region=south'

# ---- size limits ----
head -c $((9 * 1024 * 1024)) /dev/zero >"$T/nine_mib"
bad_sync "body over 2 MiB" 413 too_large "$N1_TOKEN" "$T/nine_mib"
bad_sync "chunked body over 2 MiB" 413 too_large "$N1_TOKEN" "$T/nine_mib" cursor=0 -H 'Transfer-Encoding: chunked'
head -c 200M /dev/zero | gzip -c >"$T/bomb.gz"
bad_sync "gzip bomb (200 MiB of zeros)" 413 too_large "$N1_TOKEN" "$T/bomb.gz"
printf '%s' "$(e2e_changeset "$N1" "$(e2e_contact_change "$N1" north "$NEW" notes "\"$(head -c 300000 /dev/zero | tr '\0' 'x')\"")")" | gzip -c >"$T/huge.gz"
bad_sync "a 300 KiB string" 413 too_large "$N1_TOKEN" "$T/huge.gz"
{
  printf '{"format":"fieldsync-changeset/1","site":"%s","from":0,"to":1,"more":false,"time":0,"changes":[' "$N1"
  one=$(e2e_contact_change "$N1" north "$NEW" notes '"n"' "$H")
  for ((i = 0; i < 20000; i++)); do printf '%s,' "$one"; done
  printf '%s]}' "$one"
} | gzip -c >"$T/many.gz"
bad_sync "20,001 changes" 413 too_large "$N1_TOKEN" "$T/many.gz"

# ---- gzip ----
gz good "$(e2e_changeset "$N1" "" 0)"
head -c $(($(stat -c %s "$T/good.gz") - 6)) "$T/good.gz" >"$T/truncated.gz"
bad_sync "truncated gzip" 400 bad_gzip "$N1_TOKEN" "$T/truncated.gz"
printf '%s' "$(e2e_changeset "$N1" "" 0)" >"$T/plain.json"
bad_sync "not gzip" 400 bad_gzip "$N1_TOKEN" "$T/plain.json"
{ cat "$T/good.gz"; printf 'junk'; } >"$T/trailing.gz"
bad_sync "bytes after the gzip member" 400 bad_gzip "$N1_TOKEN" "$T/trailing.gz"
cat "$T/good.gz" "$T/good.gz" >"$T/two.gz"
bad_sync "two gzip members" 400 bad_gzip "$N1_TOKEN" "$T/two.gz"
: >"$T/nothing"
bad_sync "empty body" 400 bad_gzip "$N1_TOKEN" "$T/nothing"
cp "$T/good.gz" "$T/corrupt.gz"
printf '\xff\xff\xff\xff' | dd of="$T/corrupt.gz" bs=1 seek=12 conv=notrunc 2>/dev/null
bad_sync "corrupt deflate data" 400 bad_gzip "$N1_TOKEN" "$T/corrupt.gz"

# ---- JSON ----
bad_set "invalid JSON" 400 bad_json '{"format": "fieldsync-changeset/1", "site": '
bad_set "gzip of nothing" 400 bad_json ''
bad_set "invalid UTF-8" 400 bad_json "$(e2e_changeset "$N1" "$(e2e_contact_change "$N1" north "$NEW" notes $'"caf\xe9"')")"
bad_set "NUL escape in a string" 400 bad_json "$(e2e_changeset "$N1" "$(e2e_contact_change "$N1" north "$NEW" notes '"a\u0000b"')")"
printf '{"format":"fieldsync-changeset/1","site":"%s"\0}' "$N1" | gzip -c >"$T/nul.gz"
bad_sync "raw NUL byte" 400 bad_json "$N1_TOKEN" "$T/nul.gz"
bad_set "duplicate keys" 400 bad_json "$(e2e_changeset "$N1" "" 0 | sed 's/"more":false/"more":false,"more":true/')"
bad_set "nesting 3000 deep" 400 bad_json "$(printf '%*s' 3000 '' | tr ' ' '[')$(printf '%*s' 3000 '' | tr ' ' ']')"
bad_set "text after the document" 400 bad_json "$(e2e_changeset "$N1" "" 0) {}"

# ---- the change set format ----
bad_set "a JSON array" 422 invalid_changeset '[]'
bad_set "unknown format" 422 invalid_changeset "$(e2e_changeset "$N1" "" 0 | sed 's/changeset\/1/changeset\/2/')"
bad_set "from of the wrong type" 422 invalid_changeset "$(e2e_changeset "$N1" "" 0 | sed 's/"from":0/"from":"0"/')"
bad_set "from after to" 422 invalid_changeset "$(e2e_changeset "$N1" "" 0 | sed 's/"from":0/"from":9/')"
bad_set "unknown top-level key" 422 invalid_changeset "$(e2e_changeset "$N1" "" 0 | sed 's/"more":false/"more":false,"extra":1/')"
bad_set "unknown table" 422 invalid_changeset "$(e2e_changeset "$N1" "$(e2e_contact_change "$N1" north "$NEW" notes '"x"' | sed 's/"table":"contacts"/"table":"users"/')")"
bad_set "unknown contact field" 422 invalid_changeset "$(e2e_changeset "$N1" "$(e2e_contact_change "$N1" north "$NEW" favourite '"x"')")"
bad_set "unknown key in a change" 422 invalid_changeset "$(e2e_changeset "$N1" "$(e2e_contact_change "$N1" north "$NEW" notes '"x"' | sed 's/^{/{"admin":true,/')")"
bad_set "malformed uuid" 422 invalid_changeset "$(e2e_changeset "$N1" "$(e2e_contact_change "$N1" north "not-a-uuid" notes '"x"')")"
bad_set "malformed hlc" 422 invalid_changeset "$(e2e_changeset "$N1" "$(e2e_contact_change "$N1" north "$NEW" notes '"x"' XYZ)")"
bad_set "value of the wrong type" 422 invalid_changeset "$(e2e_changeset "$N1" "$(e2e_contact_change "$N1" north "$NEW" duration_min '"ten"')")"
bad_set "value outside its enum" 422 invalid_changeset "$(e2e_changeset "$N1" "$(e2e_contact_change "$N1" north "$NEW" channel '"pigeon"')")"
bad_set "person_ref over 64 bytes" 422 invalid_changeset "$(e2e_changeset "$N1" "$(e2e_contact_change "$N1" north "$NEW" person_ref "\"$(printf '%*s' 100 '' | tr ' ' 'p')\"")")"
bad_set "response with a bad mode" 422 invalid_changeset "$(e2e_changeset "$N1" "$(e2e_response_change "$N1" "$NEW" "${RESPONSE_BODY/\"self\"/\"robot\"}")")"
bad_set "malformed site id" 422 invalid_changeset "$(e2e_changeset "Kiosk_1" "" 0)"

# ---- authorization ----
bad_set "change set from another site" 403 forbidden "$(e2e_changeset "$N2" "" 0)"
bad_set "a change made by another site" 403 forbidden "$(e2e_changeset "$N1" "$(e2e_contact_change "$N2" north "$NEW" notes '"x"')")"
bad_set "a contact of another region" 403 forbidden "$(e2e_changeset "$N1" "$(e2e_contact_change "$N1" south "$NEW" notes '"x"')")"
bad_set "another region's contact claimed as ours" 403 forbidden "$(e2e_changeset "$N1" "$(e2e_contact_change "$N1" north "$CS" notes '"x"')")"
bad_set "a questionnaire from a kiosk" 403 forbidden "$(e2e_changeset "$N1" "$(printf '{"table":"questionnaires","id":"friends-and-family","version":2,"hlc":"%s","site":"%s","deleted":true}' "$H" "$N1")")"
gz tomb "$(e2e_changeset "$N2" "$(printf '{"table":"responses","id":"%s","hlc":"%s","site":"%s","deleted":true}' "$R1" "$H" "$N2")")"
bad_sync "deleting another site's response" 403 forbidden "$N2_TOKEN" "$T/tomb.gz"
gz steal "$(e2e_changeset "$N2" "$(e2e_response_change "$N2" "$R1" "${RESPONSE_BODY/good/poor}")")"
bad_sync "overwriting another site's response" 403 forbidden "$N2_TOKEN" "$T/steal.gz"
LOSER=$(e2e_hlc $((NOW - 1000)))
CONFLICT=$(printf '{"table":"conflicts","id":"%s/notes/%s/%s","hlc":"%s","site":"%s","region":"north","conflict":{"table":"contacts","record":"%s","field":"notes","winner":{"value":"a","hlc":"%s","site":"%s"},"loser":{"value":"b","hlc":"%s","site":"%s"}}}' \
  "$CS" "$LOSER" "$N1" "$H" "$N1" "$CS" "$H" "$S1" "$LOSER" "$N1")
bad_set "a conflict about another region's contact" 403 forbidden "$(e2e_changeset "$N1" "$CONFLICT")"
bad_set "forbidden change after good ones" 403 forbidden "$(e2e_changeset "$N1" "$(e2e_contact_change "$N1" north "$NEW" notes '"x"'),$(e2e_contact_change "$N1" south "$NEW" notes '"y"')")"

# ---- clock ----
bad_set "clock a day ahead" 409 clock_ahead "$(e2e_changeset "$N1" "$(e2e_contact_change "$N1" north "$NEW" notes '"x"' "$(e2e_hlc $((NOW + 86400000)))")")"
if grep -q '"time":[0-9]' "$T/case.body"; then e2e_pass "clock_ahead carries the hub's time"; else e2e_fail "clock_ahead carries the hub's time" "$(cat "$T/case.body")"; fi

# ---- enrollment ----
EJ='Content-Type: application/json'
E=$E2E_HUB_URL/v1/enroll
bad "replayed enrollment code" 403 forbidden -H "$EJ" -d "{\"code\":\"$USED_CODE\"}" "$E"
bad "expired enrollment code" 403 forbidden -H "$EJ" -d "{\"code\":\"$EXPIRED_CODE\"}" "$E"
bad "unknown enrollment code" 401 unauthorized -H "$EJ" -d '{"code":"00000-00000-00"}' "$E"
bad "malformed enrollment code" 400 bad_request -H "$EJ" -d '{"code":"ABC"}' "$E"
bad "enrollment body not JSON" 400 bad_request -H "$EJ" -d 'code=ABC' "$E"
bad "enrollment body with an unknown key" 400 bad_request -H "$EJ" -d '{"code":"00000-00000-00","region":"south"}' "$E"
bad "enrollment code of the wrong type" 400 bad_request -H "$EJ" -d '{"code":12345}' "$E"
bad "enrollment with a bad device name" 400 bad_request -H "$EJ" -d '{"code":"00000-00000-00","name":"Bad Name!"}' "$E"
bad "enrollment as a form" 415 unsupported_media_type -d '{"code":"00000-00000-00"}' "$E"
head -c 20000 /dev/zero | tr '\0' ' ' >"$T/spaces"
bad "enrollment body over 16 KiB" 413 too_large -H "$EJ" --data-binary @"$T/spaces" "$E"

# ---- what the log never holds ----
if grep -q -- "${N1_TOKEN#*.}" "$E2E_HUB_LOG" || grep -q -- "$SECRET_ANSWER" "$E2E_HUB_LOG"; then
  e2e_fail "the log holds no tokens or answers"
else
  e2e_pass "the log holds no tokens or answers"
fi
if grep -q "POST /v1/sync?cursor=0 $N1 " "$E2E_HUB_LOG"; then
  e2e_pass "one log line per request with the device"
else
  e2e_fail "one log line per request with the device" "$(tail -3 "$E2E_HUB_LOG")"
fi
e2e_expect "the hub still answers" 200 "$(e2e_sync case "$N1_TOKEN" "$EMPTY")"
e2e_hub_stop
e2e_expect "the hub stops cleanly" 0 $?
e2e_finish
