#!/usr/bin/env bash
# scripts/run.sh as a new user meets it, with the programs of this build
# (FIELDSYNC_BIN) on free loopback ports:
#   1. its data goes to ~/.local/share/fieldsync-demo (HOME is a temporary
#      directory here), not into the source tree;
#   2. the hub and the kiosk UI answer; the kiosk command it prints says why
#      not when run as root (Chromium refuses root) or is a chromium command;
#   3. the printed `worker add` command works and says what it did, and
#      `worker remove` too;
#   4. the printed "enroll another kiosk" commands enroll a second kiosk and
#      run it on the next UI port; `fieldsync-hub enroll` at a terminal shows
#      the matching `fieldsync-agent init` command (stderr), not in a pipe;
#   5. a third kiosk on the second kiosk's UI port is refused with a message
#      naming the port and --ui-listen, not "Failed to bind to port 0";
#   6. TERM stops run.sh, the hub and the kiosk, and it says where the data is.
# Usage: run_script.sh BUILD_DIR (holding hub/fieldsync-hub, agent/fieldsync-agent)
. "$(dirname "$0")/lib.sh"
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
BUILD=$(cd "$1" && pwd)
AGENT=$BUILD/agent/fieldsync-agent

export HOME=$E2E_TMP/home
unset FIELDSYNC_DATA XDG_DATA_HOME
mkdir -p "$HOME"
DATA=$HOME/.local/share/fieldsync-demo
HUB_PORT=$(e2e_free_port)
UI_PORT=$(e2e_free_port)
# The second kiosk takes UI_PORT + 1: that one must be free too.
port_busy() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
while [ "$UI_PORT" = "$HUB_PORT" ] || [ $((UI_PORT + 1)) = "$HUB_PORT" ] || [ "$UI_PORT" -ge 65535 ] ||
  port_busy $((UI_PORT + 1)); do
  UI_PORT=$(e2e_free_port)
done
LOG=$E2E_TMP/run.log
MARK=$E2E_TMP/start-mark
touch "$MARK"
sleep 1 # file times in whole seconds on some file systems

# Started from the source tree, as a new user would.
cd "$ROOT"
FIELDSYNC_BIN=$BUILD FIELDSYNC_HUB_PORT=$HUB_PORT FIELDSYNC_UI_PORT=$UI_PORT \
  e2e_spawn "$LOG" bash scripts/run.sh
RUN_PID=$E2E_PID
cd "$E2E_TMP"
for _ in $(seq 600); do
  grep -q '^What to do next' "$LOG" 2>/dev/null && break
  kill -0 "$RUN_PID" 2>/dev/null || break
  sleep 0.1
done
if ! grep -q '^What to do next' "$LOG"; then
  e2e_fail "run.sh starts" "$(tail -n 20 "$LOG")"
  e2e_stop "$RUN_PID" TERM 20
  e2e_finish
  exit 1
fi
e2e_pass "run.sh starts"

# 1. Where the data is.
e2e_expect "1: kiosk data in ~/.local/share/fieldsync-demo" yes \
  "$([ -f "$DATA/kiosk/agent.json" ] && echo yes || echo no)"
e2e_expect "1: the data directory is private" 700 "$(stat -c %a "$DATA")"
e2e_expect "1: nothing written into the source tree (outside build/)" "" \
  "$(find "$ROOT" \( -path "$ROOT/build" -o -path "$ROOT/.git" -o -path "$ROOT/node_modules" \) -prune -o -newer "$MARK" -print)"

# 2. Both answer; the browser command.
e2e_expect "2: hub answers" 0 "$(e2e_wait_http "http://127.0.0.1:$HUB_PORT/health" 10; echo $?)"
e2e_expect "2: kiosk UI answers" 0 "$(e2e_wait_http "http://127.0.0.1:$UI_PORT/" 10; echo $?)"
kiosk_cmd=$(sed -n '/open the kiosk:/{n;p;n;p;n;p}' "$LOG")
if [ "$(id -u)" = 0 ] && [ -z "${SUDO_USER:-}" ]; then
  e2e_expect "2: as root, the kiosk command says why Chromium is not started as root" yes \
    "$(grep -q 'Chromium does not run as root' <<<"$kiosk_cmd" && echo yes || echo no)"
else
  e2e_expect "2: the kiosk command opens the kiosk URL in kiosk mode" yes \
    "$(grep -q -- "chromium --kiosk --incognito .*http://127.0.0.1:$UI_PORT/" <<<"$kiosk_cmd" &&
      echo yes || echo no)"
fi

# 3. worker add as printed, and remove.
add_cmd=$(sed -n '/add a worker/{n;p}' "$LOG")
out=$(bash -c "$add_cmd" 2>&1)
e2e_expect "3: worker add says what it did" "worker amina added: they can enter worker mode on this kiosk's screen with their PIN" "$out"
out=$(echo 135790 | "$AGENT" worker add amina --data "$DATA/kiosk" 2>&1)
e2e_expect "3: worker add on an existing worker says the PIN changed" "worker amina: PIN changed" "$out"
e2e_expect "3: worker list has amina" amina "$("$AGENT" worker list --data "$DATA/kiosk")"
out=$("$AGENT" worker remove amina --data "$DATA/kiosk" 2>&1)
e2e_expect "3: worker remove says what it did" "worker amina removed from this kiosk" "$out"

# 4. Enroll and run another kiosk as printed.
enroll_cmd=$(sed -n '/enroll another kiosk/{n;p}' "$LOG")
run2_cmd=$(sed -n '/enroll another kiosk/{n;n;p}' "$LOG")
out=$(bash -c "$enroll_cmd" 2>&1)
e2e_expect "4: the printed enroll + init commands enroll a second kiosk" yes \
  "$(grep -q '^enrolled as site' <<<"$out" && echo yes || echo "no: $out")"
e2e_spawn "$E2E_TMP/kiosk2.log" bash -c "exec $run2_cmd"
K2_PID=$E2E_PID
e2e_expect "4: the second kiosk serves its UI on the next port" 0 \
  "$(e2e_wait_http "http://127.0.0.1:$((UI_PORT + 1))/" 10; echo $?)"

# fieldsync-hub enroll at a terminal names the kiosk's init command on
# stderr; for a script, stdout is the code alone and stderr stays empty.
HUB=$BUILD/hub/fieldsync-hub
out=$(script -qec "$HUB enroll --data $DATA/hub --region north --expires 2h" /dev/null </dev/null | tr -d '\r')
e2e_expect "4: enroll at a terminal prints the matching init command" yes \
  "$(grep -Eq -- '^  fieldsync-agent init --data DIR --hub URL-OF-THIS-HUB --code [0-9A-Z-]{14} --name NAME$' <<<"$out" &&
    grep -q 'within 2h' <<<"$out" && echo yes || echo "no: $out")"
"$HUB" enroll --data "$DATA/hub" --region north >"$E2E_TMP/code.out" 2>"$E2E_TMP/code.err"
e2e_expect "4: enroll into a pipe: stderr empty" "" "$(cat "$E2E_TMP/code.err")"

# 5. A third kiosk on the same UI port.
code=$("$HUB" enroll --data "$DATA/hub" --region north)
"$AGENT" init --data "$E2E_TMP/kiosk-3" --hub "http://127.0.0.1:$HUB_PORT" --code "$code" \
  --name kiosk-3 >/dev/null
status=0
timeout 20 "$AGENT" run --data "$E2E_TMP/kiosk-3" --ui-listen "127.0.0.1:$((UI_PORT + 1))" \
  >"$E2E_TMP/k3.out" 2>&1 || status=$?
e2e_expect "5: a kiosk on a taken UI port exits with status 1" 1 "$status"
e2e_expect "5: ... naming the port and --ui-listen" yes \
  "$(grep -q "cannot listen on 127.0.0.1:$((UI_PORT + 1)): the port is in use .*--ui-listen 127.0.0.1:PORT" \
    "$E2E_TMP/k3.out" && echo yes || echo "no: $(cat "$E2E_TMP/k3.out")")"
e2e_expect "5: ... without \"Failed to bind to port 0\"" no \
  "$(grep -q 'port 0' "$E2E_TMP/k3.out" && echo yes || echo no)"
e2e_stop "$K2_PID" TERM 20

# 6. Stop.
e2e_stop "$RUN_PID" TERM 30
e2e_expect "6: run.sh says where the data is kept" yes \
  "$(grep -q "fieldsync: stopped. Data is kept in $DATA" "$LOG" && echo yes || echo no)"
e2e_expect "6: the hub stopped" 000 \
  "$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$HUB_PORT/health")"
e2e_expect "6: the kiosk stopped" 000 \
  "$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$UI_PORT/")"
e2e_finish
