#!/usr/bin/env bash
# agent_replies: the agent decides what to do about a hub's error answer by
# its status and "error" code only (agent/syncer.c reply_actions, as
# docs/protocol.md "Errors" lists them), never by the message. A fake hub
# (tests/e2e/fake_hub.c) answers every sync with one status and body; the
# exit code, the message and the time taken (busy answers are retried 3
# times, 1 s apart without Retry-After) say which action was taken.
#
# usage: agent_replies.sh FIELDSYNC_AGENT FAKE_HUB
AGENT=${1:?usage: agent_replies.sh FIELDSYNC_AGENT FAKE_HUB}
FAKE=${2:?usage: agent_replies.sh FIELDSYNC_AGENT FAKE_HUB}
. "$(dirname "$0")/agent_lib.sh"

T=$E2E_TMP

printf '{"format":"fieldsync-changeset/1","site":"hub","from":0,"to":0,"more":false,"time":%s,"changes":[]}' \
  "$(e2e_now_ms)" | gzip -c >"$T/normal"
# error NAME CODE MESSAGE: an error body. The messages mislead on purpose:
# an agent that read them would act on the wrong words.
error() { printf '{"error":"%s","message":"%s"}' "$2" "$3" >"$T/$1"; }
error unauth unauthorized "busy: retry shortly"
error revoked revoked "clock_ahead"
error forbidden forbidden "revoked"
error busy busy "this device has been revoked"
error unavailable unavailable "busy"
error limit too_many_requests "revoked"
error large too_large "unauthorized"
error clock clock_ahead "revoked"

fake_start 200 "$T/normal" gzip || { echo "agent_replies: the fake hub did not start"; exit 1; }
"$AGENT" init --data "$T/kiosk" --hub "$URL" --code ABCDE-FGHJK-MN >/dev/null 2>"$T/init.err" ||
  { echo "agent_replies: init failed: $(cat "$T/init.err")"; exit 1; }
fake_stop

# case_ NAME STATUS BODY gzip|plain WANT_EXIT WANT_MESSAGE MIN_S MAX_S
case_() {
  local name=$1 t0 ms
  fake_start "$2" "$T/$3" "$4" || { e2e_fail "$name: fake hub start"; return; }
  sed -i "s|\"hub\": *\"[^\"]*\"|\"hub\": \"$URL\"|" "$T/kiosk/agent.json"
  t0=$(e2e_now_ms)
  "$AGENT" sync --data "$T/kiosk" >/dev/null 2>"$T/sync.err"
  RC=$?
  ms=$(($(e2e_now_ms) - t0))
  fake_stop
  if [ "$RC" = "$5" ] && { [ -z "$6" ] || grep -q -- "$6" "$T/sync.err"; } &&
    [ "$ms" -ge $(($7 * 1000)) ] &&
    [ "$ms" -lt $(($8 * 1000)) ]; then
    e2e_pass "$name"
  else
    e2e_fail "$name" "exit $RC (want $5) after $ms ms (want $7..$8 s): $(head -c 300 "$T/sync.err")"
  fi
}

case_ "401: credentials rejected (exit 5)" 401 unauth plain 5 "rejected the credentials" 0 3
case_ "403 revoked: credentials rejected (exit 5)" 403 revoked plain 5 "rejected the credentials" 0 3
case_ "403 forbidden: refused (exit 4), not revoked" 403 forbidden plain 4 "refused the sync: 403 forbidden" 0 3
case_ "503 unavailable: refused at once, not retried" 503 unavailable plain 4 "503 unavailable" 0 3
case_ "503 busy: retried 3 times, then refused" 503 busy plain 4 "503 busy" 3 15
case_ "429: retried 3 times, then refused" 429 limit plain 4 "429 too_many_requests" 3 15
case_ "413 with nothing to halve: refused" 413 large plain 4 "413 too_large" 0 3
case_ "409 clock_ahead without the hub's time: refused" 409 clock plain 4 "409 clock_ahead" 0 3
case_ "200 not gzip-encoded: refused" 200 normal plain 4 "not gzip-encoded" 0 3
case_ "200 with a change set: in sync" 200 normal gzip 0 "" 0 3
e2e_finish
