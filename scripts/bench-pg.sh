#!/usr/bin/env bash
# The storage backends benchmark (not a test): the hub on SQLite beside the
# hub on PostgreSQL with 1, 2 and 4 hub processes on one database, with 200
# and 1,000 simulated kiosks syncing at once; then the merge rates per
# backend. Starts a throwaway PostgreSQL itself (tests/pg/pg_tmp.sh), builds
# Release (in build/bench), prints markdown on stdout, progress on stderr.
# What the numbers mean, and the results on the reference machine:
# docs/performance.md, "Storage backends: SQLite and PostgreSQL hubs".
#
#   scripts/bench-pg.sh            the full run (a few minutes)
#   scripts/bench-pg.sh --quick    a smoke run of well under a minute
#
# Each load run gets a fresh hub: a new data directory under
# $FIELDSYNC_BENCH_DIR (default /tmp) for SQLite, a new database for
# PostgreSQL. The throwaway server keeps its data under $TMPDIR (default
# /tmp): keep both on the disk you mean to measure. Run it on a quiet
# machine: each row shows the 1-minute load average when it started and the
# CPU other processes took meanwhile.
set -euo pipefail
FIELDSYNC_ROOT=$(cd "$(dirname "$0")/.." && pwd)
. "$FIELDSYNC_ROOT/scripts/deps.sh"
fieldsync_install_deps time

quick=0
for a in "$@"; do
  case $a in
    --quick) quick=1 ;;
    -h | --help) sed -n '2,18p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "bench-pg: unknown option $a (see --help)" >&2; exit 2 ;;
  esac
done

build="$FIELDSYNC_ROOT/build/bench"
{
  cmake -S "$FIELDSYNC_ROOT" -B "$build" -DCMAKE_BUILD_TYPE=Release -DBUILD_TESTING=OFF
  cmake --build "$build" -j"$(nproc)" --target fieldsync-hub fieldsync-agent \
    fieldsync-hub-bench fieldsync-bench
} >&2

# Sizes: syncs per kiosk at each kiosk count, and the merge benchmark's.
small=200 large=1000 r_small=10 r_large=4
merge=(--base 20000 --contacts 10000 --responses 20000 --edits 20000)
if [ "$quick" = 1 ]; then
  small=20 large=100 r_small=3 r_large=2
  merge=(--base 5000 --contacts 500 --responses 2000 --edits 2000)
fi
# 1,000 kiosks at once each hold a connection: above the hub's default of
# 256 concurrent connections (more get 503 busy), and a descriptor each in
# the load generator (it raises its soft limit, and stops if the hard one
# is short).
conns=$((large + 100))

# A throwaway PostgreSQL, stopped when this script ends however it ends.
out=$(FIELDSYNC_PG_TTL=${FIELDSYNC_PG_TTL:-3600} "$FIELDSYNC_ROOT/tests/pg/pg_tmp.sh" start $$)
pg_dir=${out%% *}
pg_uri=${out#* }
trap '"$FIELDSYNC_ROOT/tests/pg/pg_tmp.sh" stop "$pg_dir"' EXIT
# pg_tmp.sh starts a test server with shared_buffers=16MB on its command
# line; restart it with Debian's default (128MB), the least a hub's database
# would have, and otherwise the same options.
as_pg() {
  if [ "$(id -u)" -eq 0 ]; then
    local u
    u=$(stat -c %U "$pg_dir")
    setpriv --reuid="$u" --regid="$(id -g "$u")" --init-groups -- "$@"
  else
    "$@"
  fi
}
pg_bin=$(pg_config --bindir 2>/dev/null || true)
[ -x "$pg_bin/pg_ctl" ] ||
  pg_bin=$(dirname "$(find /usr/lib/postgresql -name pg_ctl -type f | sort -V | tail -1)")
as_pg "$pg_bin/pg_ctl" -D "$pg_dir/data" -l "$pg_dir/server.log" -w -t 30 \
  -o "-c listen_addresses=127.0.0.1 -p $(cat "$pg_dir/port") -k $pg_dir -c max_connections=60 -c shared_buffers=128MB" \
  restart >/dev/null
fresh_db() { # the URI of a new empty database (run in $(...): no counter)
  local name
  name=fieldsync_bench_$(date +%s%N)
  psql -qAtX -v ON_ERROR_STOP=1 "$pg_uri" -c "CREATE DATABASE $name" >/dev/null
  echo "${pg_uri%/postgres}/$name"
}

base=${FIELDSYNC_BENCH_DIR:-/tmp}
dir() { local d; d=$(mktemp -d "$base/fieldsync-pg-bench.XXXXXX"); rmdir "$d"; echo "$d"; }
log="$base/fieldsync-pg-bench.log"
: >"$log"
hub_bench=("$build/fieldsync-hub-bench" --hub "$build/hub/fieldsync-hub"
  --agent "$build/agent/fieldsync-agent"
  --questionnaire "$FIELDSYNC_ROOT/schema/examples/friends-and-family.json"
  --only load --solo 0 --paced 0 --max-connections "$conns")
status=0

echo "## Storage backends benchmark, $(date -u +%Y-%m-%dT%H:%M:%SZ), commit $(git -C "$FIELDSYNC_ROOT" rev-parse --short HEAD 2>/dev/null || echo '?')"
echo
echo "- machine: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ //'), $(nproc) CPUs shared by the hub process(es), PostgreSQL and the load generator; load average at the start: $(cut -d' ' -f1-3 /proc/loadavg)"
echo "- $(psql -qAtX "$pg_uri" -c "SELECT 'PostgreSQL ' || current_setting('server_version') || ', shared_buffers ' || current_setting('shared_buffers') || ', synchronous_commit ' || current_setting('synchronous_commit') || ', fsync ' || current_setting('fsync') || ', max_connections ' || current_setting('max_connections')"), data in $pg_dir ($(findmnt -no FSTYPE -T "$pg_dir" 2>/dev/null || echo '?'))"
echo "- SQLite hub store under $base ($(findmnt -no SOURCE,FSTYPE -T "$base" 2>/dev/null || echo '?')); open files: ulimit -n $(ulimit -n) (hard $(ulimit -Hn)); hub serve --max-connections $conns, other settings the hub's defaults"
echo "- each sync: a new TCP connection, a gzip push of 10 new responses + 5 contact field writes, the reply pulled and unpacked; all kiosks at once, back to back"
echo
echo "### Syncs over HTTP"
echo
echo "| store | hub processes | kiosks x syncs each | **syncs/s** | merged changes/s | **latency p50 / p99** / max (ms) | errors | hub CPU: cores busy (ms/sync) | PostgreSQL CPU: cores busy (ms/sync) | load generator: cores busy | other processes | load average at start |"
echo "|---|---:|---|---:|---:|---|---:|---:|---:|---:|---:|---:|"
waits=()
run() { # label kiosks rounds [args...]
  local label=$1 kiosks=$2 rounds=$3 out
  shift 3
  echo "bench-pg: $label $*, $kiosks kiosks x $rounds; $(uptime)" >&2
  echo "== $label $*, $kiosks kiosks; $(uptime)" >>"$log"
  out=$("${hub_bench[@]}" --dir "$(dir)" --kiosks "$kiosks" --rounds "$rounds" \
    --backend-row "$label" "$@" 2>>"$log") || { status=1; echo "bench-pg: $label failed (see $log)" >&2; }
  grep -v '^waits: ' <<<"$out" || true
  if grep -q '^waits: ' <<<"$out"; then
    waits+=("- $label $*, $kiosks kiosks: $(sed -n 's/^waits: //p' <<<"$out")")
  fi
}
for k in "$small" "$large"; do
  r=$r_small
  [ "$k" = "$large" ] && r=$r_large
  FIELDSYNC_DB='' run "SQLite" "$k" "$r" # empty: unset, the SQLite default
  for p in 1 2 4; do
    FIELDSYNC_DB=$(fresh_db) run "PostgreSQL" "$k" "$r" --hub-processes "$p"
  done
done
echo
echo "What the hubs' PostgreSQL backends were doing (pg_stat_activity every 20 ms during each run; \"running\": on a CPU or waiting for one; \"Lock:transactionid\": waiting for the write lock; \"IO:WAL*\": a commit's WAL write or flush; \"idle in transaction\": between statements of an open transaction, the hub process working or its next statement on the way):"
echo
printf '%s\n' "${waits[@]}"
echo

echo "### Merge rates (fieldsync-bench, no HTTP)"
echo
data=$(dir)
mkdir -m 700 "$data"
echo "#### SQLite"
echo
echo '```'
echo "bench-pg: merge rates, SQLite; $(uptime)" >&2
"$build/fieldsync-bench" --dir "$data" "${merge[@]}" 2>>"$log" || status=1
echo '```'
echo
echo "#### PostgreSQL"
echo
echo '```'
echo "bench-pg: merge rates, PostgreSQL; $(uptime)" >&2
"$build/fieldsync-bench" --dir "$data" "${merge[@]}" --db "$(fresh_db)" 2>>"$log" || status=1
echo '```'
rm -rf "$data"
echo
echo "Load average at the end: $(cut -d' ' -f1-3 /proc/loadavg)"
[ "$status" = 0 ] && rm -f "$log" || echo "(logs: $log)"
exit "$status"
