#!/usr/bin/env bash
# bench-2g: a kiosk's day over an emulated 2G link (issue 14), and a push
# cut mid-way on it. A benchmark, not a test; results and what they mean:
# docs/performance.md, "The agent on a Pi: memory and 2G (issue 14)".
#
#   scripts/bench-2g.sh [--seeds N] [--rate BPS] [--delay MS] [--loss P] [--no-cut]
#                       [--agent BIN]   (another fieldsync-agent, e.g. an older build)
#                       [--cut-at S]    (seconds into the cut sync; 6)
#
# Needs root (network namespaces), ip (iproute2), python3 and openssl. The
# machine's own interfaces, loopback included, are not touched: the hub and
# the kiosk each run in a network namespace of their own (fs2g-hub-PID,
# fs2g-kiosk-PID), joined by TUN devices and scripts/link2g.py, which
# applies the link's rate, delay and loss per direction in user space (this
# kernel has no netem). Defaults: 50 kbit/s, 300 ms each way (600 ms RTT),
# 3 % loss each way.
#
# The day (per seed, fresh hub and kiosk): the kiosk is enrolled and has
# synced once (not timed); it then takes 60 responses (friends-and-family,
# with a sentence of free text each) and adds 4 contacts
# (32 changes: `contact add` writes 8 fields), while another kiosk of its
# region, next to the hub, adds 4 contacts (32 changes) the kiosk must pull. The figure is
# the wall time of one `fieldsync-agent sync` over HTTPS: TCP and TLS
# handshakes, every round, push and pull.
#
# The cut (unless --no-cut, first 3 seeds): 300 pending responses of about
# 1 KB of answers each; the link is cut (every packet dropped) 6 s
# (--cut-at) into the sync; the figure is the time from the cut until the agent gives up, then,
# with the link back, what the next sync still sends.
set -euo pipefail
FIELDSYNC_ROOT=$(cd "$(dirname "$0")/.." && pwd)
. "$FIELDSYNC_ROOT/scripts/deps.sh"
fieldsync_install_deps run openssl python3 iproute2

seeds=10 rate=50000 delay=300 loss=0.03 cut=1 agent_bin= cut_at=6
while [ $# -gt 0 ]; do
  case $1 in
    --seeds) seeds=$2; shift 2 ;;
    --rate) rate=$2; shift 2 ;;
    --delay) delay=$2; shift 2 ;;
    --loss) loss=$2; shift 2 ;;
    --no-cut) cut=0; shift ;;
    --agent) agent_bin=$2; shift 2 ;;
    --cut-at) cut_at=$2; shift 2 ;;
    *) echo "bench-2g: unknown option $1 (see the top of $0)" >&2; exit 2 ;;
  esac
done
[ "$(id -u)" = 0 ] || { echo "bench-2g: needs root (ip netns)" >&2; exit 1; }

build="$FIELDSYNC_ROOT/build/bench"
{
  cmake -S "$FIELDSYNC_ROOT" -B "$build" -DCMAKE_BUILD_TYPE=Release -DBUILD_TESTING=OFF
  cmake --build "$build" -j"$(nproc)" --target fieldsync-hub fieldsync-agent
} >&2
HUB=$build/hub/fieldsync-hub
AGENT=${agent_bin:-$build/agent/fieldsync-agent}
Q=$FIELDSYNC_ROOT/schema/examples/friends-and-family.json

W=$(mktemp -d "${FIELDSYNC_BENCH_DIR:-/tmp}/fieldsync-2g.XXXXXX")
NH=fs2g-hub-$$ NK=fs2g-kiosk-$$
LINK_PID= HUB_PID=
HUB_IP=10.222.$(($$ % 250)).1 KIOSK_IP=10.222.$(($$ % 250)).2
PORT=8443

# hub_stop: SIGTERM, then wait until it is gone (it is not our child).
hub_stop() {
  kill "$HUB_PID" 2>/dev/null
  for _ in $(seq 1 300); do kill -0 "$HUB_PID" 2>/dev/null || break; sleep 0.1; done
  HUB_PID=
}

cleanup() {
  set +e
  [ -n "$HUB_PID" ] && hub_stop
  [ -n "$LINK_PID" ] && kill "$LINK_PID" 2>/dev/null && wait "$LINK_PID" 2>/dev/null
  ip netns del "$NH" 2>/dev/null
  ip netns del "$NK" 2>/dev/null || true
  rm -rf "$W"
}
trap cleanup EXIT

now_ms() { date +%s%3N; }
hx() { ip netns exec "$NH" "$@"; }
kx() { ip netns exec "$NK" "$@"; }

# The certificate the kiosk pins with --ca-file: the hub's address as SAN.
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 2 \
  -subj "/CN=$HUB_IP" -addext "subjectAltName=IP:$HUB_IP" \
  -keyout "$W/key.pem" -out "$W/cert.pem" 2>/dev/null

ip netns add "$NH"
ip netns add "$NK"
for ns in "$NH" "$NK"; do
  ip -n "$ns" link set lo up
  ip -n "$ns" tuntap add dev tun2g mode tun
done
ip -n "$NH" addr add "$HUB_IP/24" dev tun2g
ip -n "$NK" addr add "$KIOSK_IP/24" dev tun2g
ip -n "$NH" link set tun2g up
ip -n "$NK" link set tun2g up

# setup SEED: the link, a fresh hub, kiosk k (across the link) and kiosk
# b (next to the hub), both in region north and synced once.
setup() {
  local seed=$1 code up=0
  PORT=$((8400 + seed)) # a port of its own: the last hub may still be closing
  [ -n "$HUB_PID" ] && hub_stop
  [ -n "$LINK_PID" ] && { kill "$LINK_PID"; wait "$LINK_PID" 2>/dev/null || true; }
  rm -rf "$W/hub" "$W/k" "$W/b"
  python3 "$FIELDSYNC_ROOT/scripts/link2g.py" "$NK" tun2g "$NH" tun2g "$rate" "$delay" "$loss" \
    "$seed" 2>>"$W/link.log" &
  LINK_PID=$!
  "$HUB" publish --data "$W/hub" "$Q" >/dev/null
  # `ip netns exec` runs the hub as its child: the hub's own pid, from the
  # shell it replaces, is the one to stop.
  rm -f "$W/hub.pid"
  hx sh -c 'echo $$ >"$0"; exec "$@"' "$W/hub.pid" "$HUB" serve --data "$W/hub" \
    --listen "$HUB_IP:$PORT" --tls-cert "$W/cert.pem" --tls-key "$W/key.pem" 2>>"$W/hub.log" &
  for _ in $(seq 1 50); do [ -s "$W/hub.pid" ] && break; sleep 0.1; done
  HUB_PID=$(cat "$W/hub.pid")
  for _ in $(seq 1 100); do
    hx curl -s --cacert "$W/cert.pem" "https://$HUB_IP:$PORT/health" >/dev/null && { up=1; break; }
    sleep 0.1
  done
  [ "$up" = 1 ] && kill -0 "$HUB_PID" ||
    { echo "bench-2g: the hub did not start: $(tail -3 "$W/hub.log")" >&2; exit 1; }
  code=$("$HUB" enroll --data "$W/hub" --region north)
  kx "$AGENT" init --data "$W/k" --hub "https://$HUB_IP:$PORT" --code "$code" \
    --ca-file "$W/cert.pem" --name k >/dev/null
  code=$("$HUB" enroll --data "$W/hub" --region north)
  hx "$AGENT" init --data "$W/b" --hub "https://$HUB_IP:$PORT" --code "$code" \
    --ca-file "$W/cert.pem" --name b >/dev/null
  kx "$AGENT" sync --data "$W/k" >/dev/null
  hx "$AGENT" sync --data "$W/b" >/dev/null
}

contact() { # DIR N PREFIX
  local i
  for ((i = 1; i <= $2; i++)); do
    printf '{"person_ref": "%s%03d", "contact_at": "2026-11-27T10:00:00Z", "channel": "phone", "worker": "w-day", "notes": "called back about support %d"}\n' \
      "$3" "$i" "$i" >"$W/c.json"
    "$AGENT" contact add --data "$1" "$W/c.json" >/dev/null
  done
}

respond() { # DIR N BYTES_OF_TEXT
  local i text
  for ((i = 1; i <= $2; i++)); do
    text=$(head -c "$3" /dev/urandom | base64 -w0 | head -c "$3")
    printf '{"overall": "good", "why": "day answer %d %s"}\n' "$i" "$text" >"$W/a.json"
    "$AGENT" respond --data "$1" --questionnaire friends-and-family --answers "$W/a.json" >/dev/null
  done
}

s_of() { awk -v ms="$1" 'BEGIN { printf "%.2f", ms / 1000 }'; }
median() { sort -n | awk '{a[NR]=$1} END {if (NR%2) print a[(NR+1)/2]; else printf "%.0f\n", (a[NR/2]+a[NR/2+1])/2}'; }

echo "## 2G benchmark, $(date -u +%Y-%m-%dT%H:%M:%SZ), commit $(git -C "$FIELDSYNC_ROOT" rev-parse --short HEAD 2>/dev/null || echo '?')"
echo
echo "Agent: $AGENT ($(ldd "$AGENT" | grep -o 'libcurl[^ ]*' | head -1))"
echo
echo "Link (scripts/link2g.py, each way): $((rate / 1000)) kbit/s, ${delay} ms, loss $loss; HTTPS; load average $(cut -d' ' -f1-3 /proc/loadavg)"
echo
echo "| seed | day: wall | rounds | sent | received |"
echo "|---:|---:|---:|---:|---:|"
: >"$W/day.ms"
for ((s = 1; s <= seeds; s++)); do
  setup "$s"
  respond "$W/k" 60 60
  contact "$W/k" 4 KD
  contact "$W/b" 4 KB
  hx "$AGENT" sync --data "$W/b" >/dev/null
  t0=$(now_ms)
  kx "$AGENT" sync --data "$W/k" >"$W/day.out" 2>"$W/day.err" || {
    echo "bench-2g: the day's sync failed (seed $s): $(cat "$W/day.err")" >&2; exit 1; }
  ms=$(($(now_ms) - t0))
  echo "$ms" >>"$W/day.ms"
  read -r sent received rounds < <(sed -n 's/^in sync: sent \([0-9]*\), received \([0-9]*\) change(s) in \([0-9]*\) round(s).*/\1 \2 \3/p' "$W/day.out")
  printf '| %d | %.2f s | %s | %s | %s |\n' "$s" "$(s_of "$ms")" "$rounds" "$sent" "$received"
done
med=$(median <"$W/day.ms")
min=$(sort -n "$W/day.ms" | head -1)
max=$(sort -n "$W/day.ms" | tail -1)
echo
printf '**Day over 2G: median %.2f s** (min %.2f, max %.2f) of %d seeds.\n' \
  "$(s_of "$med")" "$(s_of "$min")" "$(s_of "$max")" "$seeds"

if [ "$cut" = 1 ]; then
  echo
  echo "| seed | pending | cut after | given up after the cut | message | acknowledged before the cut | next sync sent | its wall |"
  echo "|---:|---:|---:|---:|---|---:|---:|---:|"
  for ((s = 1; s <= (seeds < 3 ? seeds : 3); s++)); do
    setup "$((100 + s))"
    respond "$W/k" 300 700
    kx "$AGENT" sync --data "$W/k" >"$W/cut.out" 2>"$W/cut.err" &
    apid=$!
    sleep "$cut_at"
    kill -USR1 "$LINK_PID"
    tc=$(now_ms)
    wait "$apid" && rc=0 || rc=$?
    gave=$(($(now_ms) - tc))
    kill -USR2 "$LINK_PID"
    left=$(kx "$AGENT" status --data "$W/k" --json | python3 -c 'import json,sys; print(json.load(sys.stdin)["pending"])')
    t0=$(now_ms)
    kx "$AGENT" sync --data "$W/k" >"$W/resume.out" 2>"$W/resume.err" || true
    rms=$(($(now_ms) - t0))
    rsent=$(sed -n 's/^in sync: sent \([0-9]*\),.*/\1/p' "$W/resume.out")
    printf '| %d | 300 | %s s | %.1f s (exit %s) | %s | %d | %s | %.1f s |\n' "$((100 + s))" "$cut_at" \
      "$(s_of "$gave")" "$rc" "$(sed 's/.*sync: //' "$W/cut.err" | head -c 80)" \
      "$((300 - left))" "${rsent:-?}" "$(s_of "$rms")"
  done
fi
echo
tail -n 3 "$W/link.log" | sed 's/^/    /'
