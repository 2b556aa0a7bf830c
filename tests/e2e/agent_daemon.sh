#!/usr/bin/env bash
# The kiosk daemon (`fieldsync-agent run`): syncs at start and soon after new
# local data, backs off while the hub is down and catches up when it is back,
# serves the kiosk web UI (a response entered there reaches the hub; a
# worker's "sync now" syncs at once), logs one line per sync without
# personal data, stops cleanly on SIGTERM.
# usage: agent_daemon.sh AGENT HUB
AGENT=${1:?usage: agent_daemon.sh AGENT HUB}
HUB=${2:?usage: agent_daemon.sh AGENT HUB}
. "$(dirname "$0")/agent_lib.sh"

LOG=$E2E_TMP/run.log

# wait_for SECONDS CMD...: poll CMD every 0.1 s until it succeeds.
wait_for() {
  local end=$((SECONDS + $1))
  shift
  while [ $SECONDS -le $end ]; do
    "$@" >/dev/null 2>&1 && return 0
    sleep 0.1
  done
  return 1
}
hub_has_response() { hub export responses --format jsonl | grep -q "\"$1\""; }
log_count() { grep -c "$1" "$LOG"; }

hub_start || { e2e_fail "hub starts"; e2e_finish; exit 1; }
hub publish "$E2E_EXAMPLES/friends-and-family.json" >/dev/null || e2e_fail "publish"
kiosk_init k north || e2e_fail "init"

echo 246813 | ag k worker add sam >/dev/null 2>&1 || e2e_fail "worker add"
"$AGENT" run --data "$E2E_TMP/k" --sync-interval 300 --max-backoff 3 --ui-listen 127.0.0.1:0 \
  2>"$LOG" &
RUN_PID=$!
E2E_PIDS+=("$RUN_PID")
wait_for 10 grep -q "sync ok" "$LOG" && e2e_pass "syncs at start" || e2e_fail "syncs at start"
check "the questionnaire arrived" ag k questionnaires
grep -q friends-and-family "$E2E_OUT" || e2e_fail "the questionnaire arrived"

# New local data is sent within a few seconds, long before the interval.
answers_json "$E2E_TMP/a.json" "secret-answer-text"
id1=$(ag k respond --questionnaire friends-and-family --answers "$E2E_TMP/a.json")
contact_json "$E2E_TMP/c.json" "SECRETREF1" "secret-note-text"
ag k contact add "$E2E_TMP/c.json" >/dev/null || e2e_fail "contact add while running"
wait_for 5 hub_has_response "$id1" && e2e_pass "new data synced within seconds" ||
  e2e_fail "new data synced within seconds"

# The kiosk web UI, served by the daemon.
wait_for 5 grep -q "kiosk UI on port" "$LOG" || e2e_fail "the UI starts"
UI=http://127.0.0.1:$(sed -n 's/.*kiosk UI on port \([0-9]*\).*/\1/p' "$LOG")
JSON=(-H 'Content-Type: application/json' -H "Origin: $UI")
e2e_expect "the UI page is served" 200 "$(curl -s -o /dev/null -w '%{http_code}' "$UI/")"
e2e_expect "a response through the UI" 201 "$(curl -s -o /dev/null -w '%{http_code}' \
  -X POST "${JSON[@]}" -d '{"questionnaire": "friends-and-family", "version": 1,
  "language": "en", "elapsed_ms": 5000, "answers": {"overall": "poor", "why": "secret-ui-text"}}' \
  "$UI/api/responses")"
ui_response() { hub export responses --format jsonl | grep -q "secret-ui-text"; }
wait_for 5 ui_response && e2e_pass "the UI's response reaches the hub" ||
  e2e_fail "the UI's response reaches the hub"
e2e_expect "worker login" 200 "$(curl -s -o /dev/null -w '%{http_code}' -c "$E2E_TMP/jar" \
  -X POST "${JSON[@]}" -d '{"name": "sam", "pin": "246813"}' "$UI/api/worker/login")"
before=$(log_count "sync ok")
e2e_expect "sync now" 202 "$(curl -s -o /dev/null -w '%{http_code}' -b "$E2E_TMP/jar" \
  -X POST "${JSON[@]}" -d '{}' "$UI/api/worker/sync")"
synced_again() { [ "$(log_count "sync ok")" -gt "$before" ]; }
wait_for 3 synced_again && e2e_pass "sync now syncs at once" || e2e_fail "sync now syncs at once"

# Hub down: the daemon backs off and keeps the kiosk working offline.
hub_stop
id2=$(ag k respond --questionnaire friends-and-family --answers "$E2E_TMP/a.json") ||
  e2e_fail "respond while the hub is down"
wait_for 10 grep -q "sync failed (hub unreachable)" "$LOG" && e2e_pass "logs the failed sync" ||
  e2e_fail "logs the failed sync"
sleep 4
failed=$(log_count "sync failed")
[ "$failed" -ge 2 ] && [ "$failed" -le 8 ] && e2e_pass "retries with backoff ($failed attempts)" ||
  e2e_fail "retries with backoff: $failed attempts in about 5 s"
hub_start || e2e_fail "hub restarts"
wait_for 10 hub_has_response "$id2" && e2e_pass "catches up when the hub is back" ||
  e2e_fail "catches up when the hub is back"
kill -0 "$RUN_PID" 2>/dev/null && e2e_pass "still running" || e2e_fail "still running"

# Logs: one line per sync, never personal data or the token.
if grep -qE "secret|SECRET|$(cat "$E2E_TMP/k/token")" "$LOG"; then
  e2e_fail "the log holds personal data or the token"
else
  e2e_pass "the log holds no personal data"
fi
other=$(grep -vcE "sync ok|sync failed|running:|kiosk UI on port|stopping" "$LOG")
[ "$other" = 0 ] && e2e_pass "only sync lines in the log" || e2e_fail "unexpected log lines: $(cat "$LOG")"

# SIGTERM: a clean stop, exit 0.
kill -TERM "$RUN_PID"
t0=$SECONDS
wait "$RUN_PID"
rc=$?
[ "$rc" = 0 ] && e2e_pass "SIGTERM: exit 0" || e2e_fail "SIGTERM: exit $rc"
[ $((SECONDS - t0)) -le 6 ] && e2e_pass "SIGTERM: stops promptly" || e2e_fail "SIGTERM: took $((SECONDS - t0)) s"
tail -1 "$LOG" | grep -q stopping || e2e_fail "SIGTERM: logs the stop"
check "status after the daemon" ag k status --json
grep -q '"pending": 0' "$E2E_OUT" || e2e_fail "nothing pending after the daemon"
e2e_finish
