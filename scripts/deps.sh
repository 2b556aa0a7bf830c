#!/usr/bin/env bash
# Installs the Debian packages fieldsync needs, if missing: one list per
# purpose, here and nowhere else.
#   fieldsync_install_deps run [PKG...]    build and run (scripts/run.sh)
#   fieldsync_install_deps [test] [PKG...] build and every test (scripts/test.sh)
#   fieldsync_install_deps cross-ARCH      cross build for ARCH (arm64, armhf)
#                                          and qemu-user (scripts/cross.sh)
#   fieldsync_install_deps package         Debian packages (scripts/package.sh)
# Sourced by the other scripts; runs apt-get as root, else through sudo.
set -euo pipefail

# Build and run: the compiler, CMake, the libraries' headers; curl is how
# scripts/run.sh sees that the hub is up.
# libpq-dev: the hub's PostgreSQL backend (library fieldsync_pg; the hub
# then runs with libpq5). libxlsxwriter-dev: the hub's XLSX exports;
# libqrencode-dev: QR codes (qr/: the console's enrollment codes, the
# kiosk's receipt codes). libcurl4-gnutls-dev:
# libcurl's GnuTLS flavour, the TLS of libmicrohttpd, so the agent carries one
# TLS stack (issue 14; the OpenSSL flavour cost 2.4 MiB more).
FIELDSYNC_RUN_PACKAGES=(build-essential cmake pkg-config gzip curl
  libsqlite3-dev zlib1g-dev libjansson-dev libcurl4-gnutls-dev libmicrohttpd-dev libsodium-dev
  libpq-dev libxlsxwriter-dev libqrencode-dev)
# The tests need everything above and:
FIELDSYNC_TEST_PACKAGES=("${FIELDSYNC_RUN_PACKAGES[@]}")
# The hub's end-to-end tests (tests/e2e/hub_*.sh): curl, the sqlite3 shell
# (store digests), openssl (a test certificate for HTTPS).
FIELDSYNC_TEST_PACKAGES+=(sqlite3 openssl)
# The PostgreSQL backend's tests start a throwaway server from Debian's
# postgresql package (tests/pg/pg_tmp.sh: initdb, pg_ctl).
FIELDSYNC_TEST_PACKAGES+=(postgresql)
# QR codes read back as a camera would (qr/qr_test.c,
# tests/e2e/system_kiosks.sh): rsvg-convert draws the SVG, zbarimg decodes it.
FIELDSYNC_TEST_PACKAGES+=(librsvg2-bin zbar-tools)
# GNU time: the agent's peak RSS in tests/e2e/agent_memory.sh.
FIELDSYNC_TEST_PACKAGES+=(time)
# The kiosk web UI's browser tests: Debian's Chromium, and a font with the
# letters of Urdu (right-to-left questionnaires).
FIELDSYNC_TEST_PACKAGES+=(chromium fonts-noto-core)
# The CSV export test (tests/e2e/hub_csv_formula.sh) opens the exports in
# LibreOffice Calc headless (soffice) and checks that no formula survives.
FIELDSYNC_TEST_PACKAGES+=(libreoffice-calc-nogui)
# The kiosk UI's JavaScript tests: Node.js may come from elsewhere than
# Debian (its npm bundled), so these are looked for as commands.
FIELDSYNC_TEST_COMMANDS=(node:nodejs npm:npm)
# Cross builds (scripts/cross.sh ARCH): Debian's cross compiler, the target's
# libraries from Debian multiarch (dpkg --add-architecture ARCH), and
# qemu-user to run the target's tests here.
# No libpq-dev: a cross build leaves the PostgreSQL backend out (CMakeLists.txt).
FIELDSYNC_CROSS_LIBS=(libsqlite3-dev zlib1g-dev libjansson-dev libcurl4-gnutls-dev
  libmicrohttpd-dev libsodium-dev libxlsxwriter-dev libqrencode-dev)
# Debian packages (scripts/package.sh): the build's packages and
# dpkg-buildpackage with debhelper (dh_installsystemd, dh_installsysusers,
# dh_shlibdeps), lintian to check them, fakeroot for the .deb's root-owned
# files. ctest runs scripts/package.sh too (test "packages").
FIELDSYNC_PACKAGE_TOOLS=(dpkg-dev debhelper fakeroot lintian)
FIELDSYNC_PACKAGE_PACKAGES=("${FIELDSYNC_RUN_PACKAGES[@]}" "${FIELDSYNC_PACKAGE_TOOLS[@]}")
FIELDSYNC_TEST_PACKAGES+=("${FIELDSYNC_PACKAGE_TOOLS[@]}")
declare -A FIELDSYNC_CROSS_COMPILER=([arm64]=gcc-aarch64-linux-gnu [armhf]=gcc-arm-linux-gnueabihf)

fieldsync_install_deps() {
  local purpose=test arch="" missing=() wanted=() p c
  case "${1:-}" in
  run|test|package) purpose=$1; shift ;;
  cross-*) purpose=cross; arch=${1#cross-}; shift ;;
  esac
  case $purpose in
  run) wanted=("${FIELDSYNC_RUN_PACKAGES[@]}") ;;
  package) wanted=("${FIELDSYNC_PACKAGE_PACKAGES[@]}") ;;
  test) wanted=("${FIELDSYNC_TEST_PACKAGES[@]}")
    for c in "${FIELDSYNC_TEST_COMMANDS[@]}"; do
      command -v "${c%%:*}" >/dev/null || missing+=("${c#*:}")
    done ;;
  cross)
    [ -n "${FIELDSYNC_CROSS_COMPILER[$arch]:-}" ] || {
      echo "fieldsync: no cross build for '$arch' (arm64 or armhf)" >&2; return 1; }
    wanted=(build-essential cmake pkg-config qemu-user-static "${FIELDSYNC_CROSS_COMPILER[$arch]}"
      "libc6-dev-$arch-cross")
    for p in "${FIELDSYNC_CROSS_LIBS[@]}"; do wanted+=("$p:$arch"); done ;;
  esac
  for p in "${wanted[@]}" "$@"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  echo "fieldsync: installing missing packages: ${missing[*]}" >&2
  local sudo=()
  if [ "$(id -u)" -ne 0 ]; then
    command -v sudo >/dev/null || { echo "fieldsync: need root or sudo to install ${missing[*]}" >&2; return 1; }
    sudo=(sudo)
  fi
  if [ "$purpose" = cross ] && ! dpkg --print-foreign-architectures | grep -qx "$arch"; then
    echo "fieldsync: adding the Debian architecture $arch (dpkg --add-architecture)" >&2
    "${sudo[@]}" dpkg --add-architecture "$arch"
  fi
  "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get update -qq
  "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}"
}

# fieldsync_build DIR [cmake options...]: configure and build into DIR.
fieldsync_build() {
  local dir=$1; shift
  cmake -S "$FIELDSYNC_ROOT" -B "$dir" -DCMAKE_BUILD_TYPE=RelWithDebInfo "$@" >/dev/null
  cmake --build "$dir" -j"$(nproc)"
}
