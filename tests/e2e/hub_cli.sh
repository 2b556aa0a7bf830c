#!/usr/bin/env bash
# hub_cli: the fieldsync-hub commands as an admin uses them: --help, the data
# directory, publish, enroll, devices, revoke, export (CSV and JSON Lines),
# serve's argument errors, graceful stop on SIGTERM/SIGINT with a request in
# flight, the log format, IPv6 and (when openssl is there) HTTPS.
#
# usage: hub_cli.sh FIELDSYNC_HUB
HUB=${1:?usage: hub_cli.sh FIELDSYNC_HUB}
. "$(dirname "$0")/lib.sh"
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
for tool in curl gzip od base64; do
  command -v "$tool" >/dev/null || { echo "hub_cli: needs $tool"; exit 1; }
done
unset FIELDSYNC_DATA
T=$E2E_TMP
DATA=$T/hub

# run NAME WANT_EXIT CMD...: CMD's stdout in $T/out, stderr in $T/err.
run() { e2e_run "$@"; }

# one_line NAME: stderr is one line starting "fieldsync-hub: ".
one_line() {
  if [ "$(wc -l <"$T/err")" = 1 ] && grep -q '^fieldsync-hub: ' "$T/err"; then
    e2e_pass "$1"
  else
    e2e_fail "$1" "$(cat "$T/err")"
  fi
}

# contains NAME FILE PATTERN (grep -E)
contains() { e2e_contains "$@"; }

# ---- help and arguments ----
run "--help" 0 "$HUB" --help
contains "--help lists the commands" "$T/out" 'serve .*enroll|commands:'
for cmd in serve enroll devices revoke publish export; do
  run "$cmd --help" 0 "$HUB" "$cmd" --help
  contains "$cmd --help shows its usage" "$T/out" "^usage: fieldsync-hub $cmd"
done
run "no command" 2 "$HUB"
run "unknown command" 2 "$HUB" frobnicate
one_line "unknown command: one line"
run "unknown option" 2 "$HUB" devices --data "$DATA" --frob
one_line "unknown option: one line"
run "no data directory" 2 "$HUB" devices
one_line "no data directory: one line"
contains "no data directory: says how to give one" "$T/err" 'FIELDSYNC_DATA'

# ---- the data directory ----
run "FIELDSYNC_DATA is the default" 0 env FIELDSYNC_DATA="$T/env/nested" "$HUB" devices
e2e_skip_pg "the store's file and directory modes" "no file in the data directory" || {
  e2e_expect "the data directory is created 0700" 700 "$(stat -c %a "$T/env/nested")"
  e2e_expect "the store is created 0600" 600 "$(stat -c %a "$T/env/nested/hub.db")"
}
contains "devices on an empty hub prints the header" "$T/out" '^SITE +NAME +REGION +LAST SYNC +PENDING +CLOCK +VERSION +LAST ERROR +STATUS'
e2e_skip_pg "a file that is not a store" "no file in the data directory (hub_db_pg: a database that is not a store)" || {
  printf 'not a database' >"$T/bad.db.dir" && mkdir -p "$T/notdb" && cp "$T/bad.db.dir" "$T/notdb/hub.db"
  run "a file that is not a store" 1 "$HUB" devices --data "$T/notdb"
  one_line "a file that is not a store: one line"
}

# ---- publish ----
Q=$T/cli-test.json
cat >"$Q" <<'EOF'
{"format": "fieldsync-questionnaire/1", "id": "cli-test", "version": 1, "languages": ["en"],
 "title": {"en": "CLI test"},
 "questions": [
  {"id": "intro", "type": "info", "label": {"en": "Hello"}},
  {"id": "choice", "type": "single_choice", "required": true, "label": {"en": "One"},
   "options": [{"value": "a", "label": {"en": "A"}}, {"value": "b", "label": {"en": "B"}}]},
  {"id": "many", "type": "multi_choice", "label": {"en": "Many"},
   "options": [{"value": "x", "label": {"en": "X"}}, {"value": "y", "label": {"en": "Y"}},
               {"value": "z", "label": {"en": "Z"}}]},
  {"id": "yes", "type": "yes_no", "label": {"en": "Yes?"}},
  {"id": "num", "type": "number", "label": {"en": "Number"}},
  {"id": "note", "type": "text", "multiline": true, "label": {"en": "Note"}}
 ]}
EOF
run "publish" 0 "$HUB" publish --data "$DATA" "$Q"
e2e_expect "publish says what it published" "published cli-test version 1" "$(cat "$T/out")"
run "publish the same again" 0 "$HUB" publish --data "$DATA" "$Q"
e2e_expect "... is already published" "already published cli-test version 1" "$(cat "$T/out")"
sed 's/"CLI test"/"Changed"/' "$Q" >"$T/changed.json"
run "publish other content as the same version" 1 "$HUB" publish --data "$DATA" "$T/changed.json"
one_line "... refused in one line"
contains "... saying why" "$T/err" 'refused: .*already published with other content'
sed 's/"type": "yes_no"/"type": "maybe"/' "$Q" >"$T/invalid.json"
run "publish an invalid questionnaire" 1 "$HUB" publish --data "$DATA" "$T/invalid.json"
contains "... naming the JSON path" "$T/err" 'questions\[3\]\.type'
# the kiosk's words a questionnaire carries are checked at publish too
sed 's/"title": {"en": "CLI test"},/"title": {"en": "CLI test"}, "ui_strings": {"en": {"progress": "Question {n}"}},/' "$Q" >"$T/words.json"
run "publish a questionnaire whose kiosk words lack a placeholder" 1 "$HUB" publish --data "$DATA" "$T/words.json"
contains "... naming the JSON path" "$T/err" 'ui_strings\.en\.progress: must contain \{n\} and \{total\} once each'
sed 's/"title": {"en": "CLI test"},/"title": {"en": "CLI test"}, "stems": [{"text": {"en": "Over the last 2 weeks"}, "questions": ["choice", "nope"]}],/' "$Q" >"$T/stems.json"
run "publish a questionnaire whose stem names no question" 1 "$HUB" publish --data "$DATA" "$T/stems.json"
contains "... naming the JSON path" "$T/err" 'stems\[0\]\.questions\[1\]: "nope" is not a question'
sed 's/"title": {"en": "CLI test"},/"title": {"en": "CLI test"}, "closing": {"en": "Call 116 123"}, "stems": [{"text": {"en": "Over the last 2 weeks"}, "questions": ["choice"]}], "ui_strings": {"en": {"start": "Begin"}},/; s/"version": 1/"version": 2/' "$Q" >"$T/kiosk-texts.json"
run "publish closing, stems and ui_strings" 0 "$HUB" publish --data "$DATA" "$T/kiosk-texts.json"
printf '{"format": "fieldsync-questionnaire/1",\n "id": "x",\n "version": }\n' >"$T/broken.json"
run "publish broken JSON" 1 "$HUB" publish --data "$DATA" "$T/broken.json"
contains "... with line and column" "$T/err" 'broken\.json:3:[0-9]+: '
printf '{"id": "a", "id": "b"}' >"$T/dup.json"
run "publish duplicate keys" 1 "$HUB" publish --data "$DATA" "$T/dup.json"
run "publish a missing file" 1 "$HUB" publish --data "$DATA" "$T/nope.json"
one_line "... one line"
run "publish without a file" 2 "$HUB" publish --data "$DATA"
run "publish the examples" 0 "$HUB" publish --data "$DATA" "$ROOT/schema/examples/friends-and-family.json"

# ---- enroll ----
run "enroll" 0 "$HUB" enroll --data "$DATA" --region north
contains "enroll prints only the code" "$T/out" '^[0-9A-Z]{5}-[0-9A-Z]{5}-[0-9A-Z]{2}$'
e2e_expect "... on one line" 1 "$(wc -l <"$T/out")"
run "enroll --expires 90m" 0 "$HUB" enroll --data "$DATA" --region north --expires 90m
run "enroll --expires 2d" 0 "$HUB" enroll --data "$DATA" --region south --expires 2d
run "enroll --expires nonsense" 2 "$HUB" enroll --data "$DATA" --region north --expires soon
run "enroll --expires beyond 30 days" 1 "$HUB" enroll --data "$DATA" --region north --expires 31d
one_line "... one line"
run "enroll without --region" 2 "$HUB" enroll --data "$DATA"
run "enroll a malformed region" 2 "$HUB" enroll --data "$DATA" --region North_1

# ---- serve: argument errors ----
run "serve with a bad --listen" 2 "$HUB" serve --data "$DATA" --listen nowhere
one_line "... one line"
run "serve with a bad port" 2 "$HUB" serve --data "$DATA" --listen 127.0.0.1:99999
run "serve with --threads 0" 2 "$HUB" serve --data "$DATA" --threads 0
run "serve with a certificate and no key" 2 "$HUB" serve --data "$DATA" --tls-cert "$Q"
run "serve with a missing certificate" 1 "$HUB" serve --data "$DATA" --listen 127.0.0.1:0 \
  --tls-cert "$T/none.pem" --tls-key "$T/none.pem"
one_line "... one line"

# ---- serve, with two regions' data ----
e2e_hub_start "$HUB" "$DATA" || exit 1
PORT=${E2E_HUB_URL##*:}
run "serve on a port in use" 1 "$HUB" serve --data "$DATA" --listen "127.0.0.1:$PORT"
one_line "... one line"
e2e_enroll "$HUB" "$DATA" north kiosk-n1 || exit 1
N1=$E2E_SITE N1_TOKEN=$E2E_TOKEN
e2e_enroll "$HUB" "$DATA" south kiosk-s1 || exit 1
S1=$E2E_SITE S1_TOKEN=$E2E_TOKEN
RN=$(e2e_uuid) RS=$(e2e_uuid) CN=$(e2e_uuid) CS=$(e2e_uuid)
NOTE=$'Long wait, "slow"\nbut kind staff \xc3\xa9'
NOTE_JSON='Long wait, \"slow\"\nbut kind staff é'
BODY_N=$(printf '{"questionnaire":"cli-test","version":1,"language":"en","mode":"assisted","worker":"w-amina","started_at":"2026-11-27T09:12:00Z","submitted_at":"2026-11-27T09:15:30Z","answers":{"choice":"a","many":["x","z"],"yes":true,"num":2.5,"note":"%s"}}' "$NOTE_JSON")
BODY_S='{"questionnaire":"cli-test","version":1,"language":"en","mode":"self","started_at":"2026-11-27T10:00:00Z","submitted_at":"2026-11-27T10:01:00Z","answers":{"choice":"b","yes":false,"num":7}}'
contact() { # SITE REGION ID REF
  printf '%s,%s,%s,%s,%s' "$(e2e_contact_change "$1" "$2" "$3" person_ref "\"$4\"")" \
    "$(e2e_contact_change "$1" "$2" "$3" contact_at '"2026-11-27T10:00:00Z"')" \
    "$(e2e_contact_change "$1" "$2" "$3" channel '"phone"')" \
    "$(e2e_contact_change "$1" "$2" "$3" worker '"w-test"')" \
    "$(e2e_contact_change "$1" "$2" "$3" topics '["housing","money"]')"
}
e2e_changeset "$N1" "$(e2e_response_change "$N1" "$RN" "$BODY_N"),$(contact "$N1" north "$CN" NA-1)" 6 | gzip -c >"$T/n1.gz"
e2e_changeset "$S1" "$(e2e_response_change "$S1" "$RS" "$BODY_S"),$(contact "$S1" south "$CS" SB-2)" 6 | gzip -c >"$T/s1.gz"
e2e_expect "north pushes a response and a contact" 200 "$(e2e_sync n1 "$N1_TOKEN" "$T/n1.gz")"
e2e_expect "south pushes a response and a contact" 200 "$(e2e_sync s1 "$S1_TOKEN" "$T/s1.gz")"

# ---- devices and revoke ----
run "devices" 0 "$HUB" devices --data "$DATA"
contains "devices shows the kiosk with its name and region" "$T/out" "^$N1 +kiosk-n1 +north +[0-9-]+ [0-9:]+ [A-Z+0-9-]+ +- +- +- +- +active"
run "devices --json" 0 "$HUB" devices --data "$DATA" --json
contains "devices --json has the fields" "$T/out" '"last_error": null'
run "revoke an unknown site" 1 "$HUB" revoke --data "$DATA" k-nobody
one_line "... one line"
run "revoke a malformed site" 2 "$HUB" revoke --data "$DATA" 'Bad Site'
run "revoke without a site" 2 "$HUB" revoke --data "$DATA"
run "revoke" 0 "$HUB" revoke --data "$DATA" "$S1"
e2e_expect "revoke says so" "revoked $S1" "$(cat "$T/out")"
run "devices after revoking" 0 "$HUB" devices --data "$DATA"
contains "... shows it revoked" "$T/out" "^$S1 .* revoked$"

# ---- export ----
run "export responses as CSV" 0 "$HUB" export --data "$DATA" responses --questionnaire cli-test
{
  printf '"id","site","questionnaire","version","language","mode","worker","started_at","submitted_at","choice","many__x","many__y","many__z","yes","num","note"\r\n'
  rows=("$(printf '"%s","%s","cli-test",1,"en","assisted","w-amina","2026-11-27T09:12:00Z","2026-11-27T09:15:30Z","a",1,0,1,"true",2.5,"Long wait, ""slow""\nbut kind staff \xc3\xa9"\r\n' "$RN" "$N1")"
        "$(printf '"%s","%s","cli-test",1,"en","self",,"2026-11-27T10:00:00Z","2026-11-27T10:01:00Z","b",,,,"false",7,\r\n' "$RS" "$S1")")
  # by id
  if [[ $RN < $RS ]]; then printf '%s\n%s\n' "${rows[0]}" "${rows[1]}"; else printf '%s\n%s\n' "${rows[1]}" "${rows[0]}"; fi
} >"$T/want.csv"
# $(...) dropped the trailing newlines; printf '%s\n' put them back.
if cmp -s "$T/want.csv" "$T/out"; then
  e2e_pass "... is RFC 4180 with one column per question, a multi_choice one per option"
else
  e2e_fail "... is RFC 4180 with one column per question, a multi_choice one per option" "$(diff <(od -c "$T/want.csv") <(od -c "$T/out") | head -20)"
fi
run "export responses of one region" 0 "$HUB" export --data "$DATA" responses --questionnaire cli-test --region north
e2e_expect "... only that region's kiosks" "1 0" "$(grep -c "$RN" "$T/out") $(grep -c "$RS" "$T/out")"
run "export responses as JSON Lines" 0 "$HUB" export --data "$DATA" responses --format jsonl
e2e_expect "... one object per line" 2 "$(wc -l <"$T/out")"
contains "... with sorted keys and the answers" "$T/out" '^\{"answers":\{"choice":"a","many":\["x","z"\],"note":"Long wait, \\"slow\\"\\nbut kind staff é","num":2.5,"yes":true\},"id":'
run "export responses as CSV without --questionnaire" 2 "$HUB" export --data "$DATA" responses
one_line "... one line"
run "export an unknown questionnaire" 1 "$HUB" export --data "$DATA" responses --questionnaire nope
run "export of a questionnaire without responses" 0 "$HUB" export --data "$DATA" responses --questionnaire friends-and-family
e2e_expect "... is the header" '"id","site","questionnaire","version","language","mode","worker","started_at","submitted_at","overall","why","follow_up"' "$(tr -d '\r' <"$T/out")"
run "export contacts" 0 "$HUB" export --data "$DATA" contacts
e2e_expect "... header" '"id","region","person_ref","contact_at","channel","duration_min","topics__housing","topics__money","support","signposted","follow_up_date","follow_up_done","status","worker","notes"' "$(head -1 "$T/out" | tr -d '\r')"
contains "... a contact with a column per topic" "$T/out" "^\"$CN\",\"north\",\"NA-1\",\"2026-11-27T10:00:00Z\",\"phone\",,1,1,,,,,,\"w-test\","
run "export contacts with lists as JSON" 0 "$HUB" export --data "$DATA" contacts --multi json
contains "... the topics in one cell" "$T/out" "^\"$CN\",\"north\",\"NA-1\",\"2026-11-27T10:00:00Z\",\"phone\",,\"\[\"\"housing\"\",\"\"money\"\"\]\",,,,,,\"w-test\","
run "export contacts of a region" 0 "$HUB" export --data "$DATA" contacts --region south --format jsonl
e2e_expect "... only that region" "1 1" "$(wc -l <"$T/out") $(grep -c "\"id\":\"$CS\"" "$T/out")"
run "export conflicts" 0 "$HUB" export --data "$DATA" conflicts
contains "... header" "$T/out" '^"id","table","record","region","field","winner_value"'
run "export something else" 2 "$HUB" export --data "$DATA" people
run "export in another format" 2 "$HUB" export --data "$DATA" contacts --format xml
run "export contacts by questionnaire" 2 "$HUB" export --data "$DATA" contacts --questionnaire cli-test

# ---- the log ----
contains "the log has one line per request" "$E2E_HUB_LOG" \
  "^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:]{8}Z POST /v1/sync\?cursor=0 $N1 200 in=[0-9]+ out=[0-9]+ [0-9]+ms$"
contains "... and '-' for no device" "$E2E_HUB_LOG" '^[0-9T:-]+Z GET /health - 200 in=0 out=[0-9]+ [0-9]+ms$'
if grep -q -- "${N1_TOKEN#*.}" "$E2E_HUB_LOG" || grep -q 'kind staff' "$E2E_HUB_LOG"; then
  e2e_fail "the log holds no tokens or answers"
else
  e2e_pass "the log holds no tokens or answers"
fi

# ---- graceful stop with a request in flight ----
BIG=$(e2e_uuid)
e2e_changeset "$N1" "$(e2e_contact_change "$N1" north "$BIG" notes "\"$(head -c 2990 /dev/urandom | base64 -w0)\""),$(e2e_contact_change "$N1" north "$BIG" support "\"$(head -c 2990 /dev/urandom | base64 -w0)\"")" 8 | gzip -c >"$T/slow.gz"
e2e_spawn "$T/slow.status" curl -s -o "$T/slow.body" -w '%{http_code}' --limit-rate 2K \
  -H "Authorization: Bearer $N1_TOKEN" -H 'Content-Type: application/vnd.fieldsync.changeset+json' \
  -H 'Content-Encoding: gzip' --data-binary @"$T/slow.gz" "$E2E_HUB_URL/v1/sync?cursor=0"
CURL_PID=$E2E_PID
sleep 1
HUB_LOG=$E2E_HUB_LOG
e2e_hub_stop TERM
e2e_expect "SIGTERM: the hub exits 0" 0 $?
wait "$CURL_PID" 2>/dev/null
e2e_expect "... after finishing the request in flight" 200 "$(cat "$T/slow.status")"
contains "... which it waited for" "$HUB_LOG" 'SIGTERM received; finishing 1 request'
contains "... and says it stopped" "$HUB_LOG" 'stopped$'
e2e_expect "... and the request was merged" 2 "$(grep -c "$BIG" <("$HUB" export --data "$DATA" contacts --format jsonl; "$HUB" export --data "$DATA" contacts))"
st=$(curl -s -o /dev/null -w '%{http_code}' "$E2E_HUB_URL/health")
e2e_expect "... and no longer listens" 000 "$st"

e2e_hub_start "$HUB" "$DATA" || exit 1
e2e_hub_stop INT
e2e_expect "SIGINT: the hub exits 0" 0 $?

# ---- serve's limits ----
e2e_hub_start "$HUB" "$DATA" --max-connections 1 --rate-limit 2 || exit 1
e2e_spawn "$T/held.status" curl -s -o /dev/null -w '%{http_code}' --limit-rate 2K \
  -H "Authorization: Bearer $N1_TOKEN" -H 'Content-Type: application/vnd.fieldsync.changeset+json' \
  -H 'Content-Encoding: gzip' --data-binary @"$T/slow.gz" "$E2E_HUB_URL/v1/sync?cursor=0"
HELD_PID=$E2E_PID
sleep 0.5
st=$(e2e_http busy "$E2E_HUB_URL/health")
e2e_expect "--max-connections: one more connection is told to retry" "503 busy" "$st $(e2e_json_str "$T/busy.body" error)"
grep -qi '^Retry-After: 1' "$T/busy.headers" && e2e_pass "... with Retry-After" || e2e_fail "... with Retry-After"
wait "$HELD_PID" 2>/dev/null
e2e_expect "... while the held request completes" 200 "$(cat "$T/held.status")"
gz_empty=$T/n1_empty.gz
e2e_changeset "$N1" "" 0 | gzip -c >"$gz_empty"
st=$(e2e_sync rl "$N1_TOKEN" "$gz_empty") # the held request was the first of this minute
e2e_expect "--rate-limit 2: the second request passes" 200 "$st"
st=$(e2e_sync rl "$N1_TOKEN" "$gz_empty")
e2e_expect "... the third is refused" "429 too_many_requests" "$st $(e2e_json_str "$T/rl.body" error)"
e2e_hub_stop

# ---- IPv6 ----
if e2e_hub_start "$HUB" "$DATA" --listen '[::1]:0' 2>/dev/null; then
  contains "IPv6: listening on [::1]" "$E2E_HUB_LOG" 'listening on http://\[::1\]:[0-9]+'
  e2e_expect "IPv6: /health" 200 "$(curl -s -g -o /dev/null -w '%{http_code}' "$E2E_HUB_URL/health")"
  e2e_hub_stop
else
  echo "skip IPv6: [::1] is not available here"
fi

# ---- HTTPS ----
if command -v openssl >/dev/null; then
  if openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 2 \
    -subj /CN=127.0.0.1 -addext subjectAltName=IP:127.0.0.1 \
    -keyout "$T/key.pem" -out "$T/cert.pem" >/dev/null 2>&1; then
    e2e_hub_start "$HUB" "$DATA" --tls-cert "$T/cert.pem" --tls-key "$T/key.pem" || exit 1
    contains "HTTPS: listening on https" "$E2E_HUB_LOG" 'listening on https://127\.0\.0\.1:'
    if e2e_wait_http "$E2E_HUB_URL/health" 20 --cacert "$T/cert.pem"; then
      e2e_pass "HTTPS: /health with the certificate trusted"
    else
      e2e_fail "HTTPS: /health with the certificate trusted" "$(tail -3 "$E2E_HUB_LOG")"
    fi
    st=$(curl -s -o /dev/null -w '%{http_code}' "$E2E_HUB_URL/health")
    e2e_expect "HTTPS: an untrusted certificate is refused by curl" 000 "$st"
    st=$(e2e_http tls --cacert "$T/cert.pem" -H "Authorization: Bearer $N1_TOKEN" \
      -H 'Content-Type: application/vnd.fieldsync.changeset+json' -H 'Content-Encoding: gzip' \
      --data-binary @"$T/n1.gz" "$E2E_HUB_URL/v1/sync?cursor=0")
    e2e_expect "HTTPS: sync" 200 "$st"
    st=$(curl -s -o /dev/null -w '%{http_code}' "http://${E2E_HUB_URL#https://}/health")
    [ "$st" != 200 ] && e2e_pass "HTTPS: plain HTTP is not served" || e2e_fail "HTTPS: plain HTTP is not served"
    e2e_hub_stop
    e2e_expect "HTTPS: the hub stops cleanly" 0 $?
  else
    echo "skip HTTPS: openssl cannot make a test certificate"
  fi
else
  echo "skip HTTPS: no openssl"
fi

# ---- a second hub on a port in use: a message naming the address ----
e2e_hub_start "$HUB" "$DATA" || exit 1
mkdir -m 700 "$T/second"
"$HUB" serve --data "$T/second" --listen "${E2E_HUB_URL#http://}" >"$T/second.out" 2>&1
e2e_expect "a taken port: exit 1" 1 $?
grep -q "cannot listen on ${E2E_HUB_URL#http://}: the port is in use" "$T/second.out" &&
  ! grep -q "port 0" "$T/second.out" && e2e_pass "a taken port: says which, not \"port 0\"" ||
  e2e_fail "a taken port: says which, not \"port 0\"" "$(cat "$T/second.out")"
e2e_hub_stop

e2e_finish
