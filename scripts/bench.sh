#!/usr/bin/env bash
# Builds the benchmark (Release, in build/bench) and runs it. The results
# table goes to stdout, progress to stderr. Arguments go to the benchmark:
#   --quick                  small sizes, a smoke run of a few seconds
#   --base N --responses N --contacts N --edits N --dir DIR --only PART --keep
#   --db URI                 the hub store in PostgreSQL (parts 1 and 2, no
#                            ceilings; scripts/bench-pg.sh runs it)
# The prepared hub (about 700 MB at the default sizes) is built once into
# build/bench-data and reused; each run also needs room for two copies of it.
# What the numbers mean: docs/performance.md.
set -euo pipefail
FIELDSYNC_ROOT=$(cd "$(dirname "$0")/.." && pwd)
. "$FIELDSYNC_ROOT/scripts/deps.sh"
fieldsync_install_deps

build="$FIELDSYNC_ROOT/build/bench"
{
  cmake -S "$FIELDSYNC_ROOT" -B "$build" -DCMAKE_BUILD_TYPE=Release -DBUILD_TESTING=OFF
  cmake --build "$build" -j"$(nproc)" --target fieldsync-bench
} >&2
cd "$FIELDSYNC_ROOT"
exec "$build/fieldsync-bench" --dir "$FIELDSYNC_ROOT/build/bench-data" "$@"
