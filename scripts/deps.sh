#!/usr/bin/env bash
# Installs the Debian packages fieldsync needs to build and test, if missing.
# Sourced by the other scripts; runs apt-get as root, else through sudo.
set -euo pipefail

FIELDSYNC_PACKAGES=(build-essential cmake pkg-config gzip
  libsqlite3-dev zlib1g-dev libjansson-dev libcurl4-openssl-dev libmicrohttpd-dev libsodium-dev)
# The hub's end-to-end tests (tests/e2e/hub_*.sh): curl, the sqlite3 shell
# (store digests), openssl (a test certificate for HTTPS).
FIELDSYNC_PACKAGES+=(curl sqlite3 openssl)
# GNU time: the agent's peak RSS in tests/e2e/agent_memory.sh.
FIELDSYNC_PACKAGES+=(time)
# The kiosk web UI's browser tests: Debian's Chromium, and a font with the
# letters of Urdu (right-to-left questionnaires).
FIELDSYNC_PACKAGES+=(chromium fonts-noto-core)
# The CSV export test (tests/e2e/hub_csv_formula.sh) opens the exports in
# LibreOffice Calc headless (soffice) and checks that no formula survives.
FIELDSYNC_PACKAGES+=(libreoffice-calc-nogui)

fieldsync_install_deps() {
  local missing=() p
  for p in "${FIELDSYNC_PACKAGES[@]}" "$@"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
  done
  # Node.js may come from elsewhere than Debian (its npm bundled): look for
  # the commands, not the packages.
  command -v node >/dev/null || missing+=(nodejs)
  command -v npm >/dev/null || missing+=(npm)
  [ ${#missing[@]} -eq 0 ] && return 0
  echo "fieldsync: installing missing packages: ${missing[*]}" >&2
  local sudo=()
  if [ "$(id -u)" -ne 0 ]; then
    command -v sudo >/dev/null || { echo "fieldsync: need root or sudo to install ${missing[*]}" >&2; return 1; }
    sudo=(sudo)
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
