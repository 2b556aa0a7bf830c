#!/usr/bin/env bash
# The kiosk UI keeps answering its screen while a local process floods it
# with slow connections: 500 connections from 127.0.0.2, each sending the
# start of a request head and then one header byte every 2 s (reconnecting
# when closed), while the page's API (GET /api/kiosk, from 127.0.0.1 as the
# kiosk's browser) is asked every 0.5 s for 25 s.
#   - at least 95 % of those requests are answered 200 within 5 s;
#   - the flooding source never holds more than 16 connections;
#   - no slow connection lives much past the UI's 5 s head deadline;
#   - a request framed two ways is answered 400 and its connection closed.
# usage: system_ui_slowloris.sh AGENT HUB SLOWFLOOD
AGENT=${1:?usage: system_ui_slowloris.sh AGENT HUB SLOWFLOOD}
HUB=${2:?usage: system_ui_slowloris.sh AGENT HUB SLOWFLOOD}
FLOOD=${3:?usage: system_ui_slowloris.sh AGENT HUB SLOWFLOOD}
. "$(dirname "$0")/agent_lib.sh"

CONNECTIONS=500
SECONDS_ASKING=25
ulimit -n 4096 2>/dev/null || ulimit -n "$(ulimit -Hn)"

hub_start || { e2e_fail "hub starts"; e2e_finish; exit 1; }
kiosk_init k north || { e2e_fail "kiosk enrolls"; e2e_finish; exit 1; }

ui_port=
for try in 1 2 3 4 5; do
  ui_port=$(e2e_free_port)
  e2e_spawn "$E2E_TMP/k.log" "$AGENT" run --data "$E2E_TMP/k" --sync-interval 1 \
    --ui-listen "127.0.0.1:$ui_port"
  AGENT_PID=$E2E_PID
  e2e_wait_http "http://127.0.0.1:$ui_port/api/kiosk" 10 && break
  e2e_stop "$AGENT_PID" KILL 5
  ui_port=
done
[ -n "$ui_port" ] || { e2e_fail "kiosk UI starts" "$(tail -3 "$E2E_TMP/k.log")"; e2e_finish; exit 1; }
e2e_pass "kiosk UI on 127.0.0.1:$ui_port"

e2e_spawn "$E2E_TMP/flood.out" "$FLOOD" --connect "127.0.0.1:$ui_port" --source 127.0.0.2 \
  --connections $CONNECTIONS --interval 2 --duration $((SECONDS_ASKING + 15))
FLOOD_PID=$E2E_PID
for ((i = 0; i < 100; i++)); do
  grep -q 'slowflood: ready' "$E2E_TMP/flood.out" && break
  sleep 0.1
done
sleep 1

# One request every 0.5 s for SECONDS_ASKING s (each bounded to 5 s; the
# next starts when it ends).
ok=0 attempts=0 t0=$(date +%s%N)
stop_at=$((t0 + SECONDS_ASKING * 1000000000))
while [ "$(date +%s%N)" -lt "$stop_at" ]; do
  attempts=$((attempts + 1))
  st=$(curl -s -m 5 -o /dev/null -w '%{http_code}' "http://127.0.0.1:$ui_port/api/kiosk")
  [ "$st" = 200 ] && ok=$((ok + 1))
  next=$((t0 + attempts * 500000000))
  now=$(date +%s%N)
  [ "$now" -lt "$next" ] && sleep "$(printf '0.%09d' $((next - now)))"
done
echo "UI requests during the flood: $ok of $attempts answered 200 ($((ok * 100 / attempts)) %)"
[ $((ok * 100)) -ge $((attempts * 95)) ] && e2e_pass "at least 95 % of the UI requests succeed" ||
  e2e_fail "at least 95 % of the UI requests succeed" "$ok of $attempts"

kill -TERM "$FLOOD_PID"
wait "$FLOOD_PID"
report=$(grep 'connections=' "$E2E_TMP/flood.out")
echo "$report"
val() { sed -n "s/.* $1=\([0-9]*\).*/\1/p" <<<"$report"; }
held_max=$(val held_max)
[ -n "$held_max" ] && [ "$held_max" -le 16 ] && e2e_pass "the source holds at most 16 connections" ||
  e2e_fail "the source holds at most 16 connections" "held_max=$held_max"
longest=$(val longest_ms)
[ -n "$longest" ] && [ "$longest" -ge 4000 ] && [ "$longest" -le 7000 ] &&
  e2e_pass "slow connections are cut at the 5 s head deadline" ||
  e2e_fail "slow connections are cut at the 5 s head deadline" "longest_ms=$longest"
lines=$(grep -c 'ui:' "$E2E_TMP/k.log")
[ "$lines" -le 10 ] && e2e_pass "the flood does not flood the log ($lines lines)" ||
  e2e_fail "the flood does not flood the log" "$lines lines"
st=$(curl -s -m 5 -o /dev/null -w '%{http_code}' "http://127.0.0.1:$ui_port/api/kiosk")
e2e_expect "the UI answers after the flood" 200 "$st"
# A request framed two ways (two Content-Length headers; Content-Length and
# chunked, with a second request behind): 400 bad_request, connection closed.
raw() {
  timeout 5 bash -c 'exec 3<>"/dev/tcp/127.0.0.1/$1" || exit 9; cat <&3 & sleep 0.1
    printf "$2" >&3 2>/dev/null; wait $!' _ "$ui_port" "$2" >"$E2E_TMP/$1.raw" 2>/dev/null
  [ $? = 124 ] && echo open || echo closed
}
statuses() { grep -ao 'HTTP/1\.[01] [0-9][0-9][0-9]' "$E2E_TMP/$1.raw" | cut -d' ' -f2 | tr '\n' ' '; }
req="POST /api/responses HTTP/1.1\r\nHost: 127.0.0.1:$ui_port\r\nOrigin: http://127.0.0.1:$ui_port\r\nContent-Type: application/json\r\n"
st=$(raw dup_cl "${req}Content-Length: 2\r\nContent-Length: 30\r\n\r\n{}")
e2e_expect "UI: two Content-Length: 400, connection closed" "400 closed" "$(statuses dup_cl)$st"
grep -q '"error":"bad_request"' "$E2E_TMP/dup_cl.raw" && e2e_pass "UI: two Content-Length: bad_request" ||
  e2e_fail "UI: two Content-Length: bad_request" "$(tail -c 200 "$E2E_TMP/dup_cl.raw")"
st=$(raw smuggle "${req}Content-Length: 48\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\nGET /api/kiosk HTTP/1.1\r\nHost: 127.0.0.1:$ui_port\r\n\r\n")
e2e_expect "UI: Content-Length and chunked: one answer, 400, closed" "400 closed" "$(statuses smuggle)$st"

e2e_stop "$AGENT_PID"
e2e_expect "the agent stops cleanly" 0 $?

e2e_finish
