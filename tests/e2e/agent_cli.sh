#!/usr/bin/env bash
# fieldsync-agent's command line: --help, one-line errors and exit codes,
# enrollment and its files, plain http:// only to this machine unless
# --insecure-http, respond and contact commands (validation stores nothing),
# status, and the sync exit codes: hub unreachable 3, credentials rejected 5.
# usage: agent_cli.sh AGENT [HUB]   (the parts needing a hub are skipped
# without one)
AGENT=${1:?usage: agent_cli.sh AGENT [HUB]}
HUB=${2:-}
. "$(dirname "$0")/agent_lib.sh"

one_line_error() { # the last command printed exactly one line, prefixed
  [ "$(wc -l <"$E2E_ERR")" = 1 ] && grep -q '^fieldsync-agent: ' "$E2E_ERR"
}

# ---- without a hub ----
check "help" "$AGENT" --help
grep -q "exit codes" "$E2E_OUT" && grep -q "credentials rejected" "$E2E_OUT" ||
  e2e_fail "help lists the exit codes"
for cmd in init sync run status questionnaires respond responses contact worker; do
  check "$cmd --help" "$AGENT" "$cmd" --help
  grep -q "usage: fieldsync-agent $cmd" "$E2E_OUT" || e2e_fail "$cmd --help prints its usage"
done
expect_exit 1 "no command" "$AGENT"
one_line_error || e2e_fail "no command: one-line error"
expect_exit 1 "unknown command" "$AGENT" frobnicate
one_line_error || e2e_fail "unknown command: one-line error"
expect_exit 1 "unknown option" "$AGENT" status --frob
grep -q "unknown option --frob" "$E2E_ERR" || e2e_fail "unknown option named"
expect_exit 1 "option without its value" "$AGENT" run --data "$E2E_TMP/x" --sync-interval
expect_exit 1 "bad sync interval" "$AGENT" run --data "$E2E_TMP/x" --sync-interval 0
expect_exit 1 "no data directory" env -u FIELDSYNC_DATA "$AGENT" status
grep -q "FIELDSYNC_DATA" "$E2E_ERR" || e2e_fail "no data directory: message names FIELDSYNC_DATA"
expect_exit 1 "status of an uninitialised directory" "$AGENT" status --data "$E2E_TMP/none"
grep -q "not initialised" "$E2E_ERR" || e2e_fail "status: says not initialised"
expect_exit 1 "init: --hub must be a URL" "$AGENT" init --data "$E2E_TMP/x" --hub ftp://x --code A
expect_exit 1 "init: --code required" "$AGENT" init --data "$E2E_TMP/x" --hub http://127.0.0.1:1
expect_exit 1 "init: bad --name" "$AGENT" init --data "$E2E_TMP/x" --hub http://127.0.0.1:1 \
  --code A --name "Bad Name"
closed=$(e2e_free_port)
expect_exit 3 "init: hub unreachable is exit 3" "$AGENT" init --data "$E2E_TMP/x" \
  --hub "http://127.0.0.1:$closed" --code ABCDE-FGHJK-MN
one_line_error || e2e_fail "init unreachable: one-line error"

# ---- transport: plain http:// only to this machine unless --insecure-http ----
# (other addresses are documentation ranges, refused before any connection;
# a proxy on a closed loopback port catches any request an agent that
# regressed would send, so nothing ever leaves this machine)
noleak() { env -u no_proxy -u NO_PROXY http_proxy="http://127.0.0.1:$closed" \
  https_proxy="http://127.0.0.1:$closed" all_proxy="http://127.0.0.1:$closed" "$@"; }
expect_exit 1 "init refuses an http:// hub on another machine" noleak "$AGENT" init \
  --data "$E2E_TMP/insecure" --hub http://192.0.2.1:1 --code ABCDE-FGHJK-MN
one_line_error || e2e_fail "init http refused: one-line error"
grep -q "the enrollment code, the kiosk's token and every answer across the network unencrypted" \
  "$E2E_ERR" && grep -q -- "--insecure-http" "$E2E_ERR" ||
  e2e_fail "init http refused: names the risk and --insecure-http" "$(cat "$E2E_ERR")"
[ -e "$E2E_TMP/insecure" ] && e2e_fail "init http refused: before creating DIR"
for url in "http://localhost:$closed" "http://127.0.0.2:$closed" "http://[::1]:$closed" \
  "http://LocalHost:$closed/"; do
  expect_exit 3 "init: $url is this machine (connects, finds nothing)" "$AGENT" init \
    --data "$E2E_TMP/lo" --hub "$url" --code ABCDE-FGHJK-MN
done
for url in "http://127.0.0.1:$closed@192.0.2.1:1" "http://hub.localhost:1" "http://[2001:db8::1]:1" \
  "http://198.51.100.127:1"; do
  expect_exit 1 "init: $url is another machine" noleak "$AGENT" init --data "$E2E_TMP/far0" \
    --hub "$url" --code ABCDE-FGHJK-MN
done

if [ -z "$HUB" ]; then
  echo "no hub given: skipping the tests that need one"
  e2e_finish
  exit
fi

# ---- enrollment ----
hub_start || { e2e_fail "hub starts"; e2e_finish; exit 1; }
hub publish "$E2E_EXAMPLES/friends-and-family.json" >/dev/null || e2e_fail "publish"
expect_exit 5 "init: unknown code is exit 5" "$AGENT" init --data "$E2E_TMP/k" --hub "$HUB_URL" \
  --code ABCDE-FGHJK-MN
code=$(hub enroll --region north)
check "init" "$AGENT" init --data "$E2E_TMP/k" --hub "$HUB_URL/" --code "$code" --name kiosk-one
K=$E2E_TMP/k
token=$(cat "$K/token")
[ -n "$token" ] || e2e_fail "token file written"
grep -qF -- "$token" "$E2E_OUT" "$E2E_ERR" && e2e_fail "init printed the token"
[ "$(stat -c %a "$K/token")" = 600 ] && e2e_pass "token file is 0600" || e2e_fail "token file is 0600"
[ "$(stat -c %a "$K")" = 700 ] && e2e_pass "data directory is 0700" || e2e_fail "data directory is 0700"
[ "$(stat -c %a "$K/agent.json")" = 600 ] && e2e_pass "agent.json is 0600" || e2e_fail "agent.json is 0600"
[ "$(stat -c %a "$K/kiosk.db")" = 600 ] && e2e_pass "kiosk.db is 0600" || e2e_fail "kiosk.db is 0600"
grep -q "\"hub\": \"$HUB_URL\"" "$K/agent.json" || e2e_fail "agent.json keeps the hub URL without a trailing slash"
expect_exit 1 "init twice is refused" "$AGENT" init --data "$K" --hub "$HUB_URL" --code "$code"
grep -q "already initialised" "$E2E_ERR" || e2e_fail "init twice: says already initialised"
expect_exit 5 "a used code is exit 5" "$AGENT" init --data "$E2E_TMP/k2" --hub "$HUB_URL" --code "$code"

# ---- transport: an http:// hub on another machine, played on loopback ----
# libcurl resolves every *.localhost name to loopback itself, but the
# agent's rule counts only the name localhost as this machine: so
# hub.localhost is "another machine" while every packet stays here.
FAR=http://hub.localhost:${HUB_URL##*:}
reqs() { grep -c " $1" "$E2E_HUB_LOG"; }
code=$(hub enroll --region north)
n=$(reqs /v1/enroll)
expect_exit 1 "init refuses $FAR without --insecure-http" "$AGENT" init --data "$E2E_TMP/far" \
  --hub "$FAR" --code "$code"
e2e_expect "... before any connection" "$n" "$(reqs /v1/enroll)"
check "init accepts it with --insecure-http" "$AGENT" init --data "$E2E_TMP/far" --hub "$FAR" \
  --code "$code" --insecure-http
grep -q "warning: .*unencrypted" "$E2E_ERR" || e2e_fail "... with a warning" "$(cat "$E2E_ERR")"
grep -q '"insecure_http": true' "$E2E_TMP/far/agent.json" ||
  e2e_fail "... kept in agent.json" "$(cat "$E2E_TMP/far/agent.json")"
check "sync accepts the choice kept" ag far sync
grep -q "warning: .*unencrypted" "$E2E_ERR" || e2e_fail "sync warns" "$(cat "$E2E_ERR")"
sed -i '/"insecure_http"/d' "$E2E_TMP/far/agent.json"
n=$(reqs /v1/sync)
expect_exit 1 "sync refuses it with a config that lacks the choice" ag far sync
grep -q "kiosk's token and every answer" "$E2E_ERR" || e2e_fail "... naming the risk" "$(cat "$E2E_ERR")"
expect_exit 1 "run refuses it too" timeout 20 "$AGENT" run --data "$E2E_TMP/far" --no-ui
e2e_expect "... before any connection" "$n" "$(reqs /v1/sync)"
# A real other address through a proxy on loopback (the hub, which answers
# 404 to a proxy request): nothing leaves this machine.
px() { env -u no_proxy -u NO_PROXY -u all_proxy -u ALL_PROXY http_proxy="$HUB_URL" "$@"; }
n=$(reqs http://192.0.2.1:1/)
expect_exit 1 "init refuses http://192.0.2.1:1 (through a proxy)" px "$AGENT" init \
  --data "$E2E_TMP/px" --hub http://192.0.2.1:1 --code "$code"
e2e_expect "... sending nothing" "$n" "$(reqs http://192.0.2.1:1/)"
expect_exit 4 "with --insecure-http it sends the enrollment (404 from the proxy)" px "$AGENT" \
  init --data "$E2E_TMP/px" --hub http://192.0.2.1:1 --code "$code" --insecure-http
grep -q "warning: .*unencrypted" "$E2E_ERR" || e2e_fail "... with a warning" "$(cat "$E2E_ERR")"
e2e_expect "... and the request went out" $((n + 1)) "$(reqs http://192.0.2.1:1/)"

# ---- sync and questionnaires ----
check "first sync" ag k sync
check "FIELDSYNC_DATA instead of --data" env FIELDSYNC_DATA="$K" "$AGENT" status
grep -q "^region: *north" "$E2E_OUT" || e2e_fail "status shows the region"
check "questionnaires" ag k questionnaires
grep -q "^friends-and-family	1	" "$E2E_OUT" || e2e_fail "questionnaires lists friends-and-family"
check "questionnaires --json" ag k questionnaires --json
grep -q '"id": "friends-and-family"' "$E2E_OUT" || e2e_fail "questionnaires --json"

# ---- respond: every refusal stores nothing ----
printf '{"why": "no overall"}' >"$E2E_TMP/missing.json"
printf '{"overall": "good", "nope": 1}' >"$E2E_TMP/unknown.json"
printf '{"overall": "superb"}' >"$E2E_TMP/option.json"
printf '{"overall": ' >"$E2E_TMP/broken.json"
printf '["good"]' >"$E2E_TMP/array.json"
answers_json "$E2E_TMP/good.json" "fine thanks"
R="respond --questionnaire friends-and-family --answers"
expect_exit 1 "respond: required answer missing" ag k $R "$E2E_TMP/missing.json"
grep -q 'overall' "$E2E_ERR" || e2e_fail "respond: message names the question"
expect_exit 1 "respond: unknown question" ag k $R "$E2E_TMP/unknown.json"
expect_exit 1 "respond: not an option" ag k $R "$E2E_TMP/option.json"
grep -q superb "$E2E_ERR" && e2e_fail "respond: message quotes the answer"
expect_exit 1 "respond: broken JSON" ag k $R "$E2E_TMP/broken.json"
grep -q "line 1" "$E2E_ERR" || e2e_fail "respond: broken JSON names the position"
expect_exit 1 "respond: answers not an object" ag k $R "$E2E_TMP/array.json"
expect_exit 1 "respond: missing file" ag k $R "$E2E_TMP/nothing.json"
expect_exit 1 "respond: unknown questionnaire" ag k respond --questionnaire nope --answers "$E2E_TMP/good.json"
expect_exit 1 "respond: unknown version" ag k $R "$E2E_TMP/good.json" --version 9
expect_exit 1 "respond: bad mode" ag k $R "$E2E_TMP/good.json" --mode other
expect_exit 1 "respond: assisted needs a worker" ag k $R "$E2E_TMP/good.json" --mode assisted
expect_exit 1 "respond: bad language" ag k $R "$E2E_TMP/good.json" --language "not a tag"
for lang in EN abcdefgh xx-1-2-3-4-5-6 pl; do
  expect_exit 1 "respond: language $lang not offered" ag k $R "$E2E_TMP/good.json" --language "$lang"
  grep -q 'language' "$E2E_ERR" || e2e_fail "respond: language $lang: message names the language"
done
check "status after refusals" ag k status --json
grep -q '"responses": 0' "$E2E_OUT" && grep -q '"pending": 0' "$E2E_OUT" ||
  e2e_fail "refused responses stored nothing"
check "respond from a file" ag k $R "$E2E_TMP/good.json"
grep -Eq '^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[0-9a-f]{4}-[0-9a-f]{12}$' "$E2E_OUT" ||
  e2e_fail "respond prints a UUIDv7"
check "respond from stdin, assisted, Welsh" bash -c "echo '{\"overall\": \"poor\", \"follow_up\": true}' |
  '$AGENT' respond --data '$K' --questionnaire friends-and-family --answers - --mode assisted \
  --worker w-amina --language cy"

check "responses" ag k responses
e2e_expect "responses: two lines" 2 "$(wc -l <"$E2E_OUT")"
e2e_expect "responses: worker only on the assisted one" '1 "worker":"w-amina"' \
  "$(grep -c '"worker"' "$E2E_OUT") $(grep -o '"worker":"[^"]*"' "$E2E_OUT")"
e2e_expect "responses: the assisted one in Welsh" 1 "$(grep -c '"language":"cy","mode":"assisted"' "$E2E_OUT")"
# ---- contacts ----
contact_json "$E2E_TMP/c1.json" "AB0001" "first meeting"
printf '{"person_ref": "AB-2", "contact_at": "2026-11-27T10:00:00Z", "channel": "fax", "worker": "w"}' \
  >"$E2E_TMP/badchannel.json"
printf '{"person_ref": "AB-3"}' >"$E2E_TMP/incomplete.json"
expect_exit 1 "contact add: bad channel" ag k contact add "$E2E_TMP/badchannel.json"
grep -q channel "$E2E_ERR" || e2e_fail "contact add: message names the field"
expect_exit 1 "contact add: required fields missing" ag k contact add "$E2E_TMP/incomplete.json"
expect_exit 1 "contact add: no file given" ag k contact add
expect_exit 1 "contact: unknown subcommand" ag k contact frob
check "contact list is empty" ag k contact list
[ "$(tr -d ' \n' <"$E2E_OUT")" = "[]" ] || e2e_fail "refused contacts stored nothing"
check "contact add" ag k contact add "$E2E_TMP/c1.json"
cid=$(cat "$E2E_OUT")
printf '{"notes": "called back", "follow_up_done": true}' >"$E2E_TMP/upd.json"
check "contact update" ag k contact update "$cid" "$E2E_TMP/upd.json"
check "contact show" ag k contact show "$cid"
grep -q '"notes": "called back"' "$E2E_OUT" && grep -q '"person_ref": "AB0001"' "$E2E_OUT" ||
  e2e_fail "contact show has the updated and the kept fields"
printf '{"channel": "fax"}' >"$E2E_TMP/badupd.json"
expect_exit 1 "contact update: bad value" ag k contact update "$cid" "$E2E_TMP/badupd.json"
expect_exit 1 "contact update: unknown id" ag k contact update 01234567-89ab-7def-8123-456789abcdef \
  "$E2E_TMP/upd.json"
expect_exit 1 "contact show: unknown id" ag k contact show 01234567-89ab-7def-8123-456789abcdef
check "contact list" ag k contact list
grep -q "\"id\": \"$cid\"" "$E2E_OUT" || e2e_fail "contact list has the contact"
check "contact add from stdin" bash -c "'$AGENT' contact add - --data '$K' <'$E2E_TMP/c1.json'"
cid2=$(cat "$E2E_OUT")
check "contact delete" ag k contact delete "$cid2"
check "contact list leaves deleted out" ag k contact list --jsonl
[ "$(wc -l <"$E2E_OUT")" = 1 ] || e2e_fail "contact list --jsonl: one line per contact"
check "contact list --all" ag k contact list --all --jsonl
[ "$(wc -l <"$E2E_OUT")" = 2 ] && grep -q '"deleted":true' "$E2E_OUT" ||
  e2e_fail "contact list --all includes the deleted contact"

# ---- status and sync ----
check "status --json" ag k status --json
for key in site region hub pending last_sync last_error clock_offset_ms; do
  grep -q "\"$key\"" "$E2E_OUT" || e2e_fail "status --json has $key"
done
grep -Eq '"pending": [1-9]' "$E2E_OUT" || e2e_fail "status counts pending changes"
check "sync" ag k sync
check "status after sync" ag k status --json
grep -q '"pending": 0' "$E2E_OUT" || e2e_fail "nothing pending after sync"
grep -q '"last_sync": "20' "$E2E_OUT" || e2e_fail "last sync recorded"

# ---- the clock: a kiosk 10 minutes ahead is corrected by the hub ----
export FIELDSYNC_TEST_CLOCK_SKEW_MS=600000
check "respond with the clock 10 min ahead" ag k $R "$E2E_TMP/good.json"
check "sync corrects the clock (409 clock_ahead, then accepted)" ag k sync
check "status after the clock correction" ag k status --json
grep -Eq '"clock_offset_ms": -(59[0-9]|60[0-9])[0-9]{3},' "$E2E_OUT" ||
  e2e_fail "the offset is about -10 min: $(grep offset "$E2E_OUT")"
grep -q '"pending": 0' "$E2E_OUT" || e2e_fail "the re-stamped response was sent"
unset FIELDSYNC_TEST_CLOCK_SKEW_MS

# ---- exit codes of sync ----
hub_stop
expect_exit 3 "sync: hub down is exit 3" ag k sync
one_line_error || e2e_fail "sync unreachable: one-line error"
check "status after a failed sync" ag k status
grep -q "last error: .*unreachable" "$E2E_OUT" || e2e_fail "status shows the last error"
hub_start || e2e_fail "hub restarts"
chmod 644 "$K/token"
expect_exit 1 "sync refuses a token readable by others" ag k sync
chmod 600 "$K/token"
cp "$K/token" "$E2E_TMP/token.saved"
printf '%s\n' "${token%?}x" >"$K/token"
chmod 600 "$K/token"
expect_exit 5 "sync: wrong token is exit 5" ag k sync
cp "$E2E_TMP/token.saved" "$K/token"
check "sync with the token back" ag k sync
hub revoke "$(kiosk_site k)" >/dev/null || e2e_fail "revoke"
expect_exit 5 "sync: revoked device is exit 5" ag k sync
grep -q revoked "$E2E_ERR" || e2e_fail "revoked: message says so"

# ---- HTTPS: TLS verification on, --ca-file trusts a private CA ----
if command -v openssl >/dev/null &&
  openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 2 \
    -subj /CN=127.0.0.1 -addext subjectAltName=IP:127.0.0.1 \
    -keyout "$E2E_TMP/key.pem" -out "$E2E_TMP/cert.pem" >/dev/null 2>&1; then
  hub_stop
  if e2e_hub_start "$HUB" "$HUB_DIR" --tls-cert "$E2E_TMP/cert.pem" --tls-key "$E2E_TMP/key.pem"; then
    code=$(hub enroll --region north)
    expect_exit 3 "HTTPS: an untrusted certificate is refused (exit 3)" \
      "$AGENT" init --data "$E2E_TMP/tls" --hub "$E2E_HUB_URL" --code "$code"
    grep -q "TLS" "$E2E_ERR" || e2e_fail "HTTPS: the message says TLS" "$(cat "$E2E_ERR")"
    check "HTTPS: init with --ca-file" "$AGENT" init --data "$E2E_TMP/tls" --hub "$E2E_HUB_URL" \
      --code "$code" --ca-file "$E2E_TMP/cert.pem"
    check "HTTPS: sync" ag tls sync
    check "HTTPS: questionnaires arrived" ag tls questionnaires
    grep -q friends-and-family "$E2E_OUT" || e2e_fail "HTTPS: questionnaires arrived"
    e2e_hub_stop
  else
    e2e_fail "HTTPS: hub starts"
  fi
else
  echo "skip HTTPS: no openssl to make a test certificate"
fi

# ---- the token never leaves its file ----
if grep -rqF -- "$token" "$K/agent.json" "$K/state.json" "$E2E_TMP"/hub-*.log 2>/dev/null; then
  e2e_fail "the token appears outside its file"
else
  e2e_pass "the token appears nowhere else"
fi
e2e_finish
