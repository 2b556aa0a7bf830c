#!/usr/bin/env bash
# The SD card wear benchmark (not a test; issue 12): what a kiosk writes to
# its disk per saved response and per sync. A real fieldsync-hub and a real
# `fieldsync-agent run` on loopback; responses are saved through the kiosk
# UI's JSON API exactly as its page posts them (POST /api/responses), syncs
# asked for with the worker's "Sync now" (POST /api/worker/sync). Measured
# on the agent process: /proc/PID/io write_bytes (page-cache pages the
# process dirtied, which is what reaches the disk), the system calls that
# write and fsync (strace, by file), and the store files' sizes. Prints
# markdown tables on stdout, progress on stderr. Results and what they
# mean: docs/performance.md, "SD card wear (issue 12)".
#
#   scripts/bench-wear.sh                      5 runs (about 2 minutes)
#   scripts/bench-wear.sh --runs 3 --offline 100 --online 20 --idle 5
#   scripts/bench-wear.sh --bin build/dev      use that build's programs
#
# Per run, one hub and one kiosk, the agent started with --sync-interval
# 3600 --max-backoff 3600 so that it syncs only when the benchmark says:
#   online   --online responses, each followed by the sync it sets off
#            (the agent syncs within a second of a new local change): a
#            kiosk in normal use;
#   idle     --idle syncs with nothing to send ("Sync now");
#   offline  the hub stopped: --offline responses saved, no sync;
#   backlog  the hub back: one sync sending those responses.
#
# The kiosk's data goes under $FIELDSYNC_BENCH_DIR (default build/bench-wear
# in the source tree), which must be on a real disk: on tmpfs write_bytes
# is always 0. The agent's log goes to /dev/shm when there is one (on a
# kiosk it goes to the journal, another process), so its lines are not
# counted.
set -euo pipefail
FIELDSYNC_ROOT=$(cd "$(dirname "$0")/.." && pwd)
. "$FIELDSYNC_ROOT/scripts/deps.sh"

runs=5 offline=100 online=20 idle=5 bin=""
while [ $# -gt 0 ]; do
  case $1 in
    --runs) runs=$2; shift 2 ;;
    --offline) offline=$2; shift 2 ;;
    --online) online=$2; shift 2 ;;
    --idle) idle=$2; shift 2 ;;
    --bin) bin=$(realpath "$2"); shift 2 ;;
    -h|--help) sed -n '2,30p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "bench-wear: unknown option $1 (--help)" >&2; exit 2 ;;
  esac
done
for n in "$runs" "$offline" "$online" "$idle"; do
  [[ $n =~ ^[1-9][0-9]{0,4}$ ]] || { echo "bench-wear: counts are 1 to 99999, not '$n'" >&2; exit 2; }
done

# Building needs the build's packages; running a build's programs (--bin)
# only these two tools, so nothing is installed then.
if [ -z "$bin" ]; then
  fieldsync_install_deps run sqlite3 strace
  bin="$FIELDSYNC_ROOT/build/bench"
  {
    cmake -S "$FIELDSYNC_ROOT" -B "$bin" -DCMAKE_BUILD_TYPE=Release -DBUILD_TESTING=OFF
    cmake --build "$bin" -j"$(nproc)" --target fieldsync-hub fieldsync-agent
  } >&2
fi
for c in sqlite3 strace curl; do
  command -v "$c" >/dev/null || { echo "bench-wear: needs $c (apt-get install $c)" >&2; exit 1; }
done
AGENT=$bin/agent/fieldsync-agent
HUB=$bin/hub/fieldsync-hub
[ -x "$AGENT" ] && [ -x "$HUB" ] || { echo "bench-wear: no programs in $bin" >&2; exit 1; }

base=${FIELDSYNC_BENCH_DIR:-$FIELDSYNC_ROOT/build/bench-wear}
mkdir -p "$base"
fstype=$(df --output=fstype "$base" | tail -1)
case $fstype in
  tmpfs|ramfs) echo "bench-wear: $base is on $fstype, where write_bytes is always 0; set FIELDSYNC_BENCH_DIR to a directory on a disk" >&2; exit 1 ;;
esac
export TMPDIR=$base
. "$FIELDSYNC_ROOT/tests/e2e/agent_lib.sh"
KIOSK_LOG_DIR=$E2E_TMP
if [ -d /dev/shm ] && [ -w /dev/shm ]; then
  KIOSK_LOG_DIR=$(mktemp -d /dev/shm/fieldsync-wear.XXXXXX)
fi
# lib.sh's cleanup, without -e (a killed process's wait status is not 0).
trap 'set +e; e2e_cleanup; [ "$KIOSK_LOG_DIR" = "$E2E_TMP" ] || rm -rf "$KIOSK_LOG_DIR"' EXIT

say() { echo "bench-wear: $*" >&2; }
die() {
  say "$*"
  [ -n "${k:-}" ] && [ -f "$KIOSK_LOG_DIR/$k.log" ] && tail -5 "$KIOSK_LOG_DIR/$k.log" >&2
  exit 1
}

# The responses: the example questionnaires' questions, answered as a
# person at the kiosk would (free text of a typical length), alternating.
response() { # N
  local n=$1 why
  if [ $((n % 2)) = 0 ]; then
    why="The staff were kind and explained everything; waiting was long (visit $n)."
    printf '{"questionnaire":"friends-and-family","version":1,"language":"en","elapsed_ms":%d,"assisted":false,"answers":{"overall":"good","why":"%s"}}' \
      $((30000 + n * 37 % 40000)) "$why"
  else
    printf '{"questionnaire":"personal-wellbeing","version":2,"language":"en","elapsed_ms":%d,"assisted":false,"answers":{"consent":true,"life_satisfaction":%d,"worthwhile":7,"happy_yesterday":6,"anxious_yesterday":%d,"support_wanted":["peer_support","money_advice"],"age":%d}}' \
      $((60000 + n * 53 % 60000)) $((n % 5)) $((n % 11)) $((18 + n % 60))
  fi
}

state() { jx "$E2E_TMP/$k/state.json" "\$.$1"; }
io_write() { awk '$1 == "write_bytes:" { print $2 }' "/proc/$pid/io"; }
io_cancel() { awk '$1 == "cancelled_write_bytes:" { print $2 }' "/proc/$pid/io"; }
size() { stat -c %s "$1" 2>/dev/null || echo 0; }

# mark NAME: the counters now, as "NAME time write_bytes cancelled db wal".
mark() {
  echo "$1 $(date +%s.%N) $(io_write) $(io_cancel) $(size "$E2E_TMP/$k/kiosk.db") $(size "$E2E_TMP/$k/kiosk.db-wal")" >>"$marks"
}

# wait_state KEY OLD: until state.json's KEY is above OLD (a sync ended).
wait_state() {
  local i v
  for ((i = 0; i < 600; i++)); do
    v=$(state "$1" 2>/dev/null || true)
    [ -n "$v" ] && [ "$v" -gt "$2" ] && return 0
    sleep 0.05
  done
  return 1
}

save() { # N
  [ "$(api save "$k" POST /api/responses "$(response "$1")")" = 201 ] ||
    die "response $1 not stored: $(cat "$E2E_TMP/save.body")"
}

sync_now() {
  local before
  before=$(state last_sync_ms)
  [ "$(api syncnow "$k" POST /api/worker/sync '{}')" = 202 ] || die "sync now refused"
  wait_state last_sync_ms "$before" || die "no sync after Sync now"
}

run_once() {
  local r=$1 i before spid
  k=k$r
  HUB_DIR=$E2E_TMP/hub$r
  HUB_LISTEN=
  marks=$E2E_TMP/marks$r
  trace=$E2E_TMP/trace$r
  : >"$marks"
  hub_start || die "the hub does not start"
  hub publish "$E2E_EXAMPLES/friends-and-family.json" >/dev/null
  hub publish "$E2E_EXAMPLES/personal-wellbeing.json" >/dev/null
  kiosk_init "$k" north || die "init failed"
  echo 246813 | ag "$k" worker add sam >/dev/null
  kiosk_run "$k" --sync-interval 3600 --max-backoff 3600 || die "the agent does not start"
  pid=${AGENT_PID[$k]}
  wait_state last_sync_ms 0 || die "no first sync"
  [ "$(api login "$k" POST /api/worker/login '{"name":"sam","pin":"246813"}')" = 200 ] || die "login"
  # Warm up: the login's audit event and the first response's sync.
  before=$(state last_sync_ms)
  save 0
  wait_state last_sync_ms "$before" || die "no sync after a response"

  strace -f -ttt -y -e trace=fsync,fdatasync,write,pwrite64,pwritev,pwritev2 \
    -p "$pid" -o "$trace" 2>/dev/null &
  spid=$!
  for ((i = 0; i < 100; i++)); do
    [ "$(awk '$1 == "TracerPid:" { print $2 }' "/proc/$pid/status")" != 0 ] && break
    sleep 0.05
  done
  sleep 0.3 # strace attaches to the other threads after the first

  say "run $r: online ($online responses, each with its sync)"
  mark online0
  for ((i = 1; i <= online; i++)); do
    before=$(state last_sync_ms)
    save "$i"
    wait_state last_sync_ms "$before" || die "no sync after response $i"
  done
  mark online1

  say "run $r: idle ($idle syncs)"
  mark idle0
  for ((i = 1; i <= idle; i++)); do sync_now; done
  mark idle1

  say "run $r: offline ($offline responses)"
  hub_stop
  before=$(state last_attempt_ms)
  save 100000 # its sync fails; the agent then waits --max-backoff
  wait_state last_attempt_ms "$before" || die "no sync attempt offline"
  sleep 0.2
  mark offline0
  for ((i = 1; i <= offline; i++)); do save $((100000 + i)); done
  mark offline1

  say "run $r: backlog (one sync of $((offline + 1)) responses)"
  hub_start || die "the hub does not restart"
  mark backlog0
  sync_now
  mark backlog1
  [ "$(api st "$k" GET /api/worker/status)" = 200 ] && [ "$(jx "$E2E_TMP/st.body" '$.pending')" = 0 ] ||
    die "responses still pending after the backlog sync"

  kill -INT "$spid" 2>/dev/null
  wait "$spid" 2>/dev/null || true
  e2e_stop "$pid"
  hub_stop
}

# phase_row RUN PHASE COUNT: one line of numbers for the phase of a run,
# per COUNT (responses or syncs): write_bytes, cancelled, fsyncs, bytes
# written by write/pwrite to the database, the WAL and other files, the
# files' growth.
phase_row() {
  local r=$1 p=$2 n=$3
  awk -v p="$p" -v n="$n" -v trace="$E2E_TMP/trace$r" '
    $1 == p "0" { t0 = $2; w0 = $3; c0 = $4; d0 = $5; l0 = $6 }
    $1 == p "1" { t1 = $2; w1 = $3; c1 = $4; d1 = $5; l1 = $6 }
    END {
      while ((getline line < trace) > 0) {
        split(line, f, " ")
        t = f[2]
        if (t < t0 || t > t1) continue
        if (line ~ / (fsync|fdatasync)\(/) { fs++; continue }
        if (line !~ / (write|pwrite64|pwritev|pwritev2)\(/) continue
        if (line ~ /socket:|pipe:|\/dev\/null/) continue
        m = match(line, /= [0-9]+$/)
        if (!m) continue
        b = substr(line, RSTART + 2) + 0
        if (line ~ /kiosk\.db-wal>/) wal += b
        else if (line ~ /kiosk\.db>/) db += b
        else other += b
      }
      printf "%.0f %.0f %.2f %.0f %.0f %.0f %.0f %.0f\n", (w1 - w0) / n, (c1 - c0) / n, fs / n,
        db / n, wal / n, other / n, (d1 - d0) / n, l1
    }' "$E2E_TMP/marks$r"
}

for ((r = 1; r <= runs; r++)); do run_once "$r"; done

# stats COLUMN FILE: "median (min–max)" of a column of numbers.
stats() {
  sort -n -k"$1" "$2" | awk -v c="$1" '{ v[NR] = $c } END {
    m = NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2
    fmt = (m == int(m) && v[1] == int(v[1]) && v[NR] == int(v[NR])) ? "%d (%d–%d)" : "%.2f (%.2f–%.2f)"
    printf fmt, m, v[1], v[NR] }'
}

echo "## SD card wear: $runs runs, $(uname -m), $fstype at $base"
echo
echo "Per unit of each phase: median (min–max) over the runs. write_bytes and"
echo "cancelled from /proc/PID/io; fsyncs and the bytes written to each file from"
echo "strace (write/pwrite system calls); db growth is kiosk.db's size change."
echo
echo "| phase | per | write_bytes | cancelled | fsync+fdatasync | to kiosk.db | to kiosk.db-wal | to other files | db growth | WAL size at end |"
echo "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|"
for spec in "online:response (with its sync):$online" "idle:idle sync:$idle" \
  "offline:response (no sync):$offline" "backlog:sync of $((offline + 1)) responses:1"; do
  IFS=: read -r p label n <<<"$spec"
  : >"$E2E_TMP/rows"
  for ((r = 1; r <= runs; r++)); do phase_row "$r" "$p" "$n" >>"$E2E_TMP/rows"; done
  row="| $p | $label"
  for c in 1 2 3 4 5 6 7 8; do row="$row | $(stats "$c" "$E2E_TMP/rows")"; done
  echo "$row |"
done
