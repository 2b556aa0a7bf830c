#!/usr/bin/env bash
# Runs fieldsync on this machine: a hub and one kiosk agent on loopback.
#  - builds fieldsync (installing missing Debian packages first);
#  - starts fieldsync-hub on 127.0.0.1:8420 with its data in DATA/hub and
#    publishes the example questionnaires (schema/examples);
#  - enrolls a kiosk of region "north" and runs fieldsync-agent with its
#    data in DATA/kiosk, serving the kiosk web UI on 127.0.0.1:8080;
#  - stays in the foreground until Ctrl-C, then stops both cleanly.
# DATA is $FIELDSYNC_DATA or the first argument, default ./fieldsync-data.
# Ports: FIELDSYNC_HUB_PORT (8420), FIELDSYNC_UI_PORT (8080).
set -euo pipefail
FIELDSYNC_ROOT=$(cd "$(dirname "$0")/.." && pwd)
. "$FIELDSYNC_ROOT/scripts/deps.sh"

case "${1:-}" in
-h|--help) sed -n '2,11p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
esac
DATA=${1:-${FIELDSYNC_DATA:-$PWD/fieldsync-data}}
HUB_PORT=${FIELDSYNC_HUB_PORT:-8420}
UI_PORT=${FIELDSYNC_UI_PORT:-8080}

fieldsync_install_deps run
fieldsync_build "$FIELDSYNC_ROOT/build/release" >/dev/null
BIN=$FIELDSYNC_ROOT/build/release
HUB=$BIN/hub/fieldsync-hub
AGENT=$BIN/agent/fieldsync-agent

mkdir -p "$DATA" && chmod 700 "$DATA"
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

cat <<MSG

fieldsync is running (Ctrl-C stops it):
  hub    http://127.0.0.1:$HUB_PORT   data $DATA/hub   log $DATA/hub.log
  kiosk  http://127.0.0.1:$UI_PORT    data $DATA/kiosk log $DATA/kiosk.log

What to do next:
  - open the kiosk in a browser:   chromium --kiosk http://127.0.0.1:$UI_PORT/
  - add a worker for worker mode:  echo 2468 | $AGENT worker add amina --data $DATA/kiosk
  - answer from the command line:  echo '{"overall":"good"}' | \\
      $AGENT respond --data $DATA/kiosk --questionnaire friends-and-family --answers -
  - kiosk status:                  $AGENT status --data $DATA/kiosk
  - see what reached the hub:      $HUB export --data $DATA/hub responses --format jsonl
  - enroll another kiosk:          $HUB enroll --data $DATA/hub --region north
MSG
wait
