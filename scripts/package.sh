#!/usr/bin/env bash
# Builds the Debian packages fieldsync-hub and fieldsync-agent.
#   scripts/package.sh [ARCH]   ARCH: this machine's (default, e.g. amd64),
#                               arm64 or armhf (cross-built)
#  - installs what it needs (scripts/deps.sh, purpose package; and
#    cross-ARCH for a cross build);
#  - builds from a copy of the source tree (not build/ or .git) with
#    dpkg-buildpackage and debhelper (debian/): Debian's build flags (-O2,
#    hardening=+all), warnings as errors; ARCH other than this machine's
#    with cmake/toolchain-*.cmake;
#    Depends come from the programs' shared libraries (dh_shlibdeps);
#  - checks the packages with lintian and fails on any error;
#  - for this machine's architecture, runs tests/e2e/packages.sh: installs
#    the packages in a throwaway overlay of / (nothing on this system
#    changes), starts the services as their users, syncs a kiosk to the
#    hub, removes and purges them. FIELDSYNC_SKIP_PACKAGE_TEST=1 skips it.
# The packages are left in build/package/ARCH/ (FIELDSYNC_PACKAGE_OUT=DIR:
# in DIR/ARCH/; docs/deploy.md). ctest runs this as the test "packages".
set -euo pipefail
FIELDSYNC_ROOT=$(cd "$(dirname "$0")/.." && pwd)
. "$FIELDSYNC_ROOT/scripts/deps.sh"

native=$(dpkg --print-architecture)
arch=${1:-$native}
case $arch in
-h|--help) sed -n '2,18p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
"$native"|arm64|armhf) ;;
*) echo "usage: scripts/package.sh [$native|arm64|armhf]" >&2; exit 2 ;;
esac

fieldsync_install_deps package
cross=()
if [ "$arch" != "$native" ]; then
  fieldsync_install_deps "cross-$arch"
  # -d: the build dependencies are the cross-ARCH list (the ARCH libraries
  # with the native tools), which dpkg-checkbuilddeps cannot express without
  # :native annotations in debian/control.
  cross=(-a "$arch" -d)
fi

version=$(dpkg-parsechangelog -l "$FIELDSYNC_ROOT/debian/changelog" -S Version)
out=${FIELDSYNC_PACKAGE_OUT:-$FIELDSYNC_ROOT/build/package}/$arch
src=$out/src/fieldsync-$version
start=$(date +%s)
rm -rf "$out"
mkdir -p "$src"
(cd "$FIELDSYNC_ROOT" && tar --exclude=./build --exclude=./.git -cf - .) | tar -xf - -C "$src"
echo "== dpkg-buildpackage $arch ($out)"
(cd "$src" && DEB_BUILD_OPTIONS="nocheck parallel=$(nproc)" \
  dpkg-buildpackage -b -us -uc "${cross[@]}" >"$out/build.log" 2>&1) || {
  tail -40 "$out/build.log" >&2
  echo "fieldsync: dpkg-buildpackage failed; the whole log: $out/build.log" >&2
  exit 1
}
mv "$out"/src/*.deb "$out"/src/*.changes "$out"/src/*.buildinfo "$out"/
rm -rf "$out/src"
built=$(date +%s)

echo "== lintian $arch"
lintian --fail-on error --info "$out"/*.changes | tee "$out/lintian.log"
echo "lintian: $(grep -c '^E:' "$out/lintian.log" || true) errors, $(grep -c '^W:' "$out/lintian.log" || true) warnings (full list: $out/lintian.log)"
for deb in "$out"/*.deb; do
  echo "$(basename "$deb"): $(dpkg-deb -f "$deb" Depends)"
done

if [ "$arch" = "$native" ] && [ "${FIELDSYNC_SKIP_PACKAGE_TEST:-0}" != 1 ]; then
  echo "== tests/e2e/packages.sh"
  "$FIELDSYNC_ROOT/tests/e2e/packages.sh" "$out"
fi
echo "== $arch: packages built in $((built - start)) s, in $out"
