#!/usr/bin/env bash
# The hub keeps serving a kiosk while one source floods it with slow
# connections (slowloris): 500 connections from 127.0.0.2, each sending the
# start of a request head and then one header byte every 5 s (reconnecting
# when closed), while a real kiosk (`fieldsync-agent sync`, from 127.0.0.1)
# syncs once a second for 30 s.
#   - at least 95 % of the kiosk's syncs succeed;
#   - the flooding source never holds more than the per-source limit (32);
#   - no slow connection lives much past the head deadline (10 s);
#   - the hub logs a summary of what it cut and refused;
#   - past --max-connections a completed request head is answered 503 busy
#     with Retry-After and Connection: close; past the hard limit (64 more)
#     a connection waits in the listen queue until a slot frees;
#   - a body trickled after a complete head is cut for its rate.
# usage: hub_slowloris.sh AGENT HUB SLOWFLOOD
#   SLOWLORIS_SOURCE=127.0.0.1 floods from the kiosk's own address instead
#   (what kiosks behind one NAT see; not part of the ctest run).
AGENT=${1:?usage: hub_slowloris.sh AGENT HUB SLOWFLOOD}
HUB=${2:?usage: hub_slowloris.sh AGENT HUB SLOWFLOOD}
FLOOD=${3:?usage: hub_slowloris.sh AGENT HUB SLOWFLOOD}
. "$(dirname "$0")/agent_lib.sh"

SOURCE=${SLOWLORIS_SOURCE:-127.0.0.2}
CONNECTIONS=500
SECONDS_SYNCING=30
ulimit -n 4096 2>/dev/null || ulimit -n "$(ulimit -Hn)"

hub_start || { e2e_fail "hub starts"; e2e_finish; exit 1; }
kiosk_init k north || { e2e_fail "kiosk enrolls"; e2e_finish; exit 1; }
check "kiosk: first sync before the flood" ag k sync
port=${HUB_URL##*:}

# ---- the flood ----
e2e_spawn "$E2E_TMP/flood.out" "$FLOOD" --connect "127.0.0.1:$port" --source "$SOURCE" \
  --connections $CONNECTIONS --interval 5 --duration $((SECONDS_SYNCING + 20))
FLOOD_PID=$E2E_PID
for ((i = 0; i < 100; i++)); do
  grep -q 'slowflood: ready' "$E2E_TMP/flood.out" && break
  sleep 0.1
done
sleep 2 # let the flood take every slot it can

# One sync a second for SECONDS_SYNCING s (a sync that hangs is killed
# after 10 s and counts as failed; the next starts when it ends).
ok=0 attempts=0 t0=$(date +%s%N)
stop_at=$((t0 + SECONDS_SYNCING * 1000000000))
while [ "$(date +%s%N)" -lt "$stop_at" ]; do
  attempts=$((attempts + 1))
  if timeout -s KILL 10 "$AGENT" sync --data "$E2E_TMP/k" >/dev/null 2>>"$E2E_TMP/sync.log"; then
    ok=$((ok + 1))
  fi
  next=$((t0 + attempts * 1000000000))
  now=$(date +%s%N)
  [ "$now" -lt "$next" ] && sleep "$(printf '0.%09d' $((next - now)))"
done
echo "kiosk syncs during the flood from $SOURCE: $ok of $attempts succeeded ($((ok * 100 / attempts)) %)"
[ $((ok * 100)) -ge $((attempts * 95)) ] && e2e_pass "at least 95 % of the kiosk's syncs succeed" ||
  e2e_fail "at least 95 % of the kiosk's syncs succeed" "$ok of $attempts; $(tail -2 "$E2E_TMP/sync.log")"

kill -TERM "$FLOOD_PID"
wait "$FLOOD_PID"
report=$(grep 'connections=' "$E2E_TMP/flood.out")
echo "$report"
val() { sed -n "s/.* $1=\([0-9]*\).*/\1/p" <<<"$report"; }
if [ "$SOURCE" != 127.0.0.1 ]; then
  held_max=$(val held_max)
  [ -n "$held_max" ] && [ "$held_max" -le 32 ] && e2e_pass "the source holds at most 32 connections" ||
    e2e_fail "the source holds at most 32 connections" "held_max=$held_max"
fi
longest=$(val longest_ms)
[ -n "$longest" ] && [ "$longest" -ge 9000 ] && [ "$longest" -le 12000 ] &&
  e2e_pass "slow connections are cut at the 10 s head deadline" ||
  e2e_fail "slow connections are cut at the 10 s head deadline" "longest_ms=$longest"
check "kiosk: sync after the flood" ag k sync
hub_stop
e2e_expect "the hub stops cleanly" 0 $?
# (the last summary is written as the hub stops)
if grep -q "http: in the last .* [1-9][0-9]* connection(s) closed for not sending a request head within 10 s" "$E2E_HUB_LOG"; then
  e2e_pass "the hub logs the connections it cut"
else
  e2e_fail "the hub logs the connections it cut" "$(grep 'http:' "$E2E_HUB_LOG" | tail -2)"
fi
lines=$(grep -c 'http:' "$E2E_HUB_LOG")
[ "$lines" -le 10 ] && e2e_pass "the flood does not flood the log ($lines lines)" ||
  e2e_fail "the flood does not flood the log" "$lines lines"

# ---- between --max-connections and the hard limit: 503 busy, then close ----
e2e_hub_start "$HUB" "$HUB_DIR" --max-connections 4 || { e2e_fail "hub restarts"; e2e_finish; exit 1; }
port=${E2E_HUB_URL##*:}
e2e_spawn "$E2E_TMP/flood2.out" "$FLOOD" --connect "127.0.0.1:$port" --source 127.0.0.3 \
  --connections 8 --interval 1 --duration 6 --reconnect-ms -1
for ((i = 0; i < 100; i++)); do
  grep -q 'slowflood: ready' "$E2E_TMP/flood2.out" && break
  sleep 0.1
done
sleep 0.5
st=$(e2e_http busy "$E2E_HUB_URL/health")
e2e_expect "over --max-connections: 503" 503 "$st"
grep -q '"error": *"busy"' "$E2E_TMP/busy.body" && e2e_pass "503 body names busy" ||
  e2e_fail "503 body names busy" "$(cat "$E2E_TMP/busy.body")"
grep -qi '^Retry-After: 1' "$E2E_TMP/busy.headers" && e2e_pass "503 has Retry-After" ||
  e2e_fail "503 has Retry-After"
grep -qi '^Connection: close' "$E2E_TMP/busy.headers" && e2e_pass "503 closes the connection" ||
  e2e_fail "503 closes the connection" "$(tr -d '\r' <"$E2E_TMP/busy.headers" | tr '\n' '|')"
e2e_hub_stop

# ---- past the hard limit: not accepted until a slot frees ----
# One worker, --max-connections 1: the hard limit is 1 + 64. 70 slow
# connections fill it; a request then waits in the listen queue, unanswered,
# until the head deadline (3 s) frees the slots; then it is answered.
e2e_hub_start "$HUB" "$HUB_DIR" --threads 1 --max-connections 1 --max-per-source 1000 \
  --head-timeout 3 || { e2e_fail "hub restarts"; e2e_finish; exit 1; }
port=${E2E_HUB_URL##*:}
e2e_spawn "$E2E_TMP/flood4.out" "$FLOOD" --connect "127.0.0.1:$port" --source 127.0.0.3 \
  --connections 70 --interval 1 --duration 8 --reconnect-ms -1
for ((i = 0; i < 100; i++)); do
  grep -q 'slowflood: ready' "$E2E_TMP/flood4.out" && break
  sleep 0.1
done
t1=$(date +%s%N)
st=$(curl -s -m 10 -o /dev/null -w '%{http_code}' "$E2E_HUB_URL/health")
waited=$((($(date +%s%N) - t1) / 1000000))
echo "past the hard limit: answered $st after $waited ms"
case "$st" in 200 | 503) e2e_pass "past the hard limit: answered once slots free ($st)" ;;
*) e2e_fail "past the hard limit: answered once slots free" "status $st" ;; esac
[ "$waited" -ge 1500 ] && [ "$waited" -le 5000 ] &&
  e2e_pass "past the hard limit: it waited for the head deadline" ||
  e2e_fail "past the hard limit: it waited for the head deadline" "$waited ms"
e2e_hub_stop

# ---- a body trickled after a complete head: cut for its rate ----
# Under 100 B/s on average over a --timeout window (3 s here) closes the
# connection, though a byte comes every second (the idle timeout alone
# would never fire).
e2e_hub_start "$HUB" "$HUB_DIR" --timeout 3 || { e2e_fail "hub restarts"; e2e_finish; exit 1; }
port=${E2E_HUB_URL##*:}
"$FLOOD" --connect "127.0.0.1:$port" --source 127.0.0.3 --connections 4 --interval 1 \
  --duration 9 --reconnect-ms -1 --head "$(printf 'POST /v1/enroll HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 10000\r\n\r\n{')" \
  >"$E2E_TMP/flood3.out"
report=$(grep 'connections=' "$E2E_TMP/flood3.out")
longest=$(val longest_ms)
[ "$(val closed)" = 4 ] && [ "$longest" -ge 2500 ] && [ "$longest" -le 4500 ] &&
  e2e_pass "a trickled body is cut at the end of its first 3 s window" ||
  e2e_fail "a trickled body is cut at the end of its first 3 s window" "$report"
e2e_hub_stop
grep -q 'http: in the last .* 4 closed for a body slower than 100 B/s' "$E2E_HUB_LOG" &&
  e2e_pass "the hub logs the slow bodies it cut" ||
  e2e_fail "the hub logs the slow bodies it cut" "$(grep 'http:' "$E2E_HUB_LOG" | tail -2)"

e2e_finish
