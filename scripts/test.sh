#!/usr/bin/env bash
# Runs every fieldsync test: builds twice (warnings as errors; then also
# with address+undefined sanitizers) and runs ctest in each build; then the
# 64-bit ARM (Raspberry Pi) Release build and its unit and convergence tests
# under qemu-user (scripts/cross.sh arm64, about 2 minutes with its
# installs; armhf only by hand: scripts/cross.sh armhf).
# The sanitizer build skips the tests labelled browser (they test the pages'
# JavaScript, which sanitizers do not see; the C servers behind them run
# sanitized in the curl end-to-end tests) and package (it builds packages of
# its own, unsanitized), and runs FIELDSYNC_SANITIZE_SCHEDULES (default 250)
# convergence schedules: the same code paths, a quarter of the schedules.
# Environment: FIELDSYNC_SCHEDULES (convergence schedules, default 1000),
# FIELDSYNC_SKIP_SANITIZE=1 to skip the sanitizer build, FIELDSYNC_SKIP_CROSS=1
# to skip the arm64 build.
set -euo pipefail
FIELDSYNC_ROOT=$(cd "$(dirname "$0")/.." && pwd)
. "$FIELDSYNC_ROOT/scripts/deps.sh"
fieldsync_install_deps test
# The test install brings PostgreSQL: its tests must run, not skip.
export FIELDSYNC_REQUIRE_PG=1

jobs=$(nproc)
echo "== build: warnings as errors"
fieldsync_build "$FIELDSYNC_ROOT/build/werror" -DFIELDSYNC_WERROR=ON
echo "== tests: warnings-as-errors build"
(cd "$FIELDSYNC_ROOT/build/werror" && ctest --output-on-failure -j"$jobs")

if [ "${FIELDSYNC_SKIP_SANITIZE:-0}" != 1 ]; then
  echo "== build: address+undefined sanitizers"
  fieldsync_build "$FIELDSYNC_ROOT/build/sanitize" -DFIELDSYNC_WERROR=ON -DFIELDSYNC_SANITIZE=ON
  echo "== tests: sanitizer build"
  (cd "$FIELDSYNC_ROOT/build/sanitize" && \
    ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
    FIELDSYNC_SCHEDULES=${FIELDSYNC_SANITIZE_SCHEDULES:-250} \
    FIELDSYNC_FORGE_SCHEDULES=${FIELDSYNC_SANITIZE_FORGE_SCHEDULES:-50} \
    ctest --output-on-failure -j"$jobs" -LE '^(browser|package)$')
fi
if [ "${FIELDSYNC_SKIP_CROSS:-0}" != 1 ]; then
  bash "$FIELDSYNC_ROOT/scripts/cross.sh" arm64
fi
echo "== all tests passed"
