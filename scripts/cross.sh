#!/usr/bin/env bash
# Cross-builds fieldsync for a Raspberry Pi and runs its tests under qemu-user.
#   scripts/cross.sh ARCH      ARCH: arm64 (64-bit Raspberry Pi OS / Debian)
#                                    armhf (32-bit Raspberry Pi OS / Debian)
#  - installs what it needs (scripts/deps.sh, purpose cross-ARCH): Debian's
#    cross compiler, the ARCH libraries from Debian multiarch (adds the dpkg
#    architecture ARCH), qemu-user-static;
#  - builds a Release build (-O3) with warnings as errors into build/cross-ARCH
#    with cmake/toolchain-*.cmake;
#  - runs under qemu-user the unit tests (ctest label "cross", and hub_unit),
#    the fuzz case replays, the demo and the engine's convergence test, with
#    fewer schedules than natively:
#    FIELDSYNC_CROSS_SCHEDULES (default 100) and FIELDSYNC_CROSS_FORGE_SCHEDULES
#    (default 20). The end-to-end tests (shell scripts, browsers) and the
#    crash test are not run here.
# The programs are in build/cross-ARCH/{hub,agent}/ (docs/deploy.md).
set -euo pipefail
FIELDSYNC_ROOT=$(cd "$(dirname "$0")/.." && pwd)
. "$FIELDSYNC_ROOT/scripts/deps.sh"

case "${1:-}" in
arm64) toolchain=toolchain-aarch64-linux-gnu.cmake ;;
armhf) toolchain=toolchain-arm-linux-gnueabihf.cmake ;;
-h|--help) sed -n '2,16p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
*) echo "usage: scripts/cross.sh arm64|armhf" >&2; exit 2 ;;
esac
arch=$1
dir=$FIELDSYNC_ROOT/build/cross-$arch

fieldsync_install_deps "cross-$arch"
start=$(date +%s)
echo "== cross build $arch: Release, warnings as errors ($dir)"
cmake -S "$FIELDSYNC_ROOT" -B "$dir" -DCMAKE_BUILD_TYPE=Release -DFIELDSYNC_WERROR=ON \
  -DCMAKE_TOOLCHAIN_FILE="$FIELDSYNC_ROOT/cmake/$toolchain" >/dev/null
cmake --build "$dir" -j"$(nproc)"
built=$(date +%s)
echo "== tests under qemu-user ($arch)"
(cd "$dir" && FIELDSYNC_SCHEDULES=${FIELDSYNC_CROSS_SCHEDULES:-100} \
  FIELDSYNC_FORGE_SCHEDULES=${FIELDSYNC_CROSS_FORGE_SCHEDULES:-20} \
  ctest --output-on-failure -j"$(nproc)" -L cross &&
  ctest --output-on-failure -R '^hub_unit$')
done_at=$(date +%s)
echo "== $arch: build $((built - start)) s, tests under qemu $((done_at - built)) s"
