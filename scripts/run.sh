#!/usr/bin/env bash
# Runs fieldsync on this machine: a hub and one kiosk agent on loopback.
#  - builds fieldsync into build/release, installing first the Debian packages
#    building and running need (scripts/deps.sh: not the test tools);
#  - starts fieldsync-hub on 127.0.0.1:8420 with its data in DATA/hub and
#    publishes the example questionnaires (schema/examples);
#  - enrolls a kiosk of region "north" and runs fieldsync-agent with its
#    data in DATA/kiosk, serving the kiosk web UI on 127.0.0.1:8080;
#  - prints what to do next, stays in the foreground until Ctrl-C, then
#    stops both cleanly. The data is kept for the next run.
# DATA is the first argument, else $FIELDSYNC_DATA, else
# ${XDG_DATA_HOME:-~/.local/share}/fieldsync-demo: outside the source tree.
# Ports: FIELDSYNC_HUB_PORT (8420), FIELDSYNC_UI_PORT (8080).
# FIELDSYNC_BIN=DIR uses the programs DIR/hub/fieldsync-hub and
# DIR/agent/fieldsync-agent of an existing build instead of building.
set -euo pipefail
FIELDSYNC_ROOT=$(cd "$(dirname "$0")/.." && pwd)
. "$FIELDSYNC_ROOT/scripts/deps.sh"

case "${1:-}" in
-h|--help) sed -n '2,15p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
esac
DATA=${1:-${FIELDSYNC_DATA:-${XDG_DATA_HOME:-$HOME/.local/share}/fieldsync-demo}}
HUB_PORT=${FIELDSYNC_HUB_PORT:-8420}
UI_PORT=${FIELDSYNC_UI_PORT:-8080}

fieldsync_install_deps run
if [ -n "${FIELDSYNC_BIN:-}" ]; then
  BIN=$FIELDSYNC_BIN
else
  fieldsync_build "$FIELDSYNC_ROOT/build/release" >/dev/null
  BIN=$FIELDSYNC_ROOT/build/release
fi
HUB=$BIN/hub/fieldsync-hub
AGENT=$BIN/agent/fieldsync-agent

mkdir -p "$DATA" && chmod 700 "$DATA"
DATA=$(cd "$DATA" && pwd)
for q in "$FIELDSYNC_ROOT"/schema/examples/*.json; do
  "$HUB" publish --data "$DATA/hub" "$q"
done

pids=()
stop() {
  trap - INT TERM EXIT
  [ ${#pids[@]} -gt 0 ] && kill -TERM "${pids[@]}" 2>/dev/null || true
  wait 2>/dev/null || true
  echo "fieldsync: stopped. Data is kept in $DATA"
}
trap stop INT TERM EXIT

"$HUB" serve --data "$DATA/hub" --listen "127.0.0.1:$HUB_PORT" 2>>"$DATA/hub.log" &
pids+=($!)
for _ in $(seq 50); do
  curl -fsS "http://127.0.0.1:$HUB_PORT/health" >/dev/null 2>&1 && break
  sleep 0.1
done
curl -fsS "http://127.0.0.1:$HUB_PORT/health" >/dev/null || {
  echo "fieldsync: the hub did not start; see $DATA/hub.log" >&2; exit 1; }

if [ ! -f "$DATA/kiosk/agent.json" ]; then
  code=$("$HUB" enroll --data "$DATA/hub" --region north --expires 1h)
  "$AGENT" init --data "$DATA/kiosk" --hub "http://127.0.0.1:$HUB_PORT" --code "$code" --name demo-kiosk
fi
"$AGENT" sync --data "$DATA/kiosk"
"$AGENT" run --data "$DATA/kiosk" --sync-interval 30 --ui-listen "127.0.0.1:$UI_PORT" \
  2>>"$DATA/kiosk.log" &
pids+=($!)
# The agent exits at once when it cannot serve the UI (the port is taken).
sleep 0.5
kill -0 "${pids[1]}" 2>/dev/null || {
  echo "fieldsync: the kiosk did not start:" >&2; tail -n 3 "$DATA/kiosk.log" >&2; exit 1; }

# Chromium refuses to run as root (its sandbox needs an ordinary user).
url="http://127.0.0.1:$UI_PORT/"
browser="chromium --kiosk --incognito --user-data-dir=\"\$(mktemp -d)\" $url"
if [ "$(id -u)" -ne 0 ]; then
  open_kiosk="$browser"
elif [ -n "${SUDO_USER:-}" ] && [ "$SUDO_USER" != root ]; then
  open_kiosk="sudo -u $SUDO_USER sh -c '$browser'
      (Chromium does not run as root: this starts it as $SUDO_USER)"
else
  open_kiosk="$url in a browser run by an ordinary user,
      e.g. as that user: $browser
      (Chromium does not run as root: its sandbox needs an ordinary user)"
fi
command -v chromium >/dev/null || open_kiosk="$open_kiosk
      (Chromium is not installed: apt-get install chromium)"
next=$((UI_PORT + 1))
cat <<MSG

fieldsync is running (Ctrl-C stops it):
  hub    http://127.0.0.1:$HUB_PORT   data $DATA/hub   log $DATA/hub.log
  kiosk  $url   data $DATA/kiosk log $DATA/kiosk.log

What to do next:
  - open the kiosk:
      $open_kiosk
  - add a worker for worker mode (PIN 6 to 12 digits, on standard input):
      echo 246813 | $AGENT worker add amina --data $DATA/kiosk
  - answer from the command line:
      echo '{"overall":"good"}' | $AGENT respond --data $DATA/kiosk --questionnaire friends-and-family --answers -
  - kiosk status:
      $AGENT status --data $DATA/kiosk
  - see what reached the hub:
      $HUB export --data $DATA/hub responses --format jsonl
  - enroll another kiosk (its own data directory and UI port):
      code=\$($HUB enroll --data $DATA/hub --region north) && $AGENT init --data $DATA/kiosk-2 --hub http://127.0.0.1:$HUB_PORT --code "\$code" --name kiosk-2
      $AGENT run --data $DATA/kiosk-2 --ui-listen 127.0.0.1:$next
MSG
wait
