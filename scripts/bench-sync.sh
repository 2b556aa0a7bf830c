#!/usr/bin/env bash
# The sync benchmark (not a test): a real fieldsync-hub on loopback, 200
# simulated kiosks syncing over HTTP at once, and fieldsync-agent's memory
# while it syncs 100,000 pending changes. Builds Release (in build/bench),
# prints markdown tables on stdout, progress on stderr. What the numbers
# mean, and the results on the reference machine: docs/performance-sync.md.
#
#   scripts/bench-sync.sh                 the full run (about 1.5 minutes)
#   scripts/bench-sync.sh --quick         a smoke run of a few seconds
#   scripts/bench-sync.sh --no-variants   the main tables only
#   scripts/bench-sync.sh --rounds 40 ... other options go to the benchmark
#                                         (fieldsync-hub-bench --help)
#
# The hub's store goes under $FIELDSYNC_BENCH_DIR (default /tmp), which must
# be on the disk you want to measure: the hub commits with synchronous=FULL,
# and on tmpfs fsync costs nothing. Run it on a quiet machine: the table
# shows how much CPU other processes took meanwhile. The hub store is SQLite
# unless FIELDSYNC_DB names a PostgreSQL database (as for the hub itself);
# SQLite beside PostgreSQL with several hub processes: scripts/bench-pg.sh.
set -euo pipefail
FIELDSYNC_ROOT=$(cd "$(dirname "$0")/.." && pwd)
. "$FIELDSYNC_ROOT/scripts/deps.sh"
fieldsync_install_deps time

quick=0
variants=1
args=()
for a in "$@"; do
  case $a in
    --quick) quick=1 ;;
    --no-variants) variants=0 ;;
    *) args+=("$a") ;;
  esac
done

build="$FIELDSYNC_ROOT/build/bench"
{
  cmake -S "$FIELDSYNC_ROOT" -B "$build" -DCMAKE_BUILD_TYPE=Release -DBUILD_TESTING=OFF
  cmake --build "$build" -j"$(nproc)" --target fieldsync-hub fieldsync-agent fieldsync-hub-bench
} >&2

bench=("$build/fieldsync-hub-bench" --hub "$build/hub/fieldsync-hub"
  --agent "$build/agent/fieldsync-agent"
  --questionnaire "$FIELDSYNC_ROOT/schema/examples/friends-and-family.json")
size=()
[ "$quick" = 1 ] && size=(--kiosks 40 --rounds 5 --paced 3 --solo 20 --pending 0,2000,10000)
base=${FIELDSYNC_BENCH_DIR:-/tmp}
dir() { mktemp -d "$base/fieldsync-sync-bench.XXXXXX"; }

echo "## Sync benchmark, $(date -u +%Y-%m-%dT%H:%M:%SZ), commit $(git -C "$FIELDSYNC_ROOT" rev-parse --short HEAD 2>/dev/null || echo '?')"
echo
echo "Hub store filesystem: $(findmnt -no SOURCE,FSTYPE,OPTIONS -T "$base" 2>/dev/null || echo '?')"
echo
status=0
d=$(dir)
rmdir "$d"
"${bench[@]}" --dir "$d" "${size[@]}" "${args[@]}" || status=$?

if [ "$variants" = 1 ]; then
  # What each cost is worth: the saturated load again with one thing changed.
  echo
  echo "### Variants: the saturated load with one thing changed"
  echo
  echo "| variant | syncs/s | merged changes/s | latency p50 / p90 / p99 (ms) | hub CPU ms/sync | hub cores busy | load generator cores busy | other processes | disk flushes/sync | hub KiB written/sync | errors |"
  echo "|---|---:|---:|---|---:|---:|---:|---:|---:|---:|---:|"
  vsize=(--solo 0 --paced 0)
  [ "$quick" = 1 ] && vsize+=(--kiosks 40 --rounds 5)
  row() {
    local label=$1 d
    shift
    d=$(dir)
    rmdir "$d"
    "${bench[@]}" --dir "$d" "${vsize[@]}" --row "$label" "$@" 2>>"$base/fieldsync-sync-bench-variants.log" ||
      status=1
  }
  : >"$base/fieldsync-sync-bench-variants.log"
  row "as above (store on disk, new connection per sync)"
  shm=
  if [ -d /dev/shm ] && [ -w /dev/shm ]; then
    shm=$(mktemp -u /dev/shm/fieldsync-sync-bench.XXXXXX)
    row "store on tmpfs: fsync is free" --hub-dir "$shm"
  fi
  row "connection reused between syncs" --keepalive
  row "responses only (--edits 0): no contact edits to fan out" --edits 0
  if [ -n "${shm:-}" ]; then
    row "responses only, store on tmpfs" --edits 0 \
      --hub-dir "$(mktemp -u /dev/shm/fieldsync-sync-bench.XXXXXX)"
  fi
  echo
  [ "$status" = 0 ] && rm -f "$base/fieldsync-sync-bench-variants.log" ||
    echo "(variant logs: $base/fieldsync-sync-bench-variants.log)"
fi
exit "$status"
