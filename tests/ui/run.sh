#!/usr/bin/env bash
# Browser tests of the kiosk UI: tests/ui/run.sh UI_HOST [ARTIFACT_DIR [TEST.js...]]
# (the test files: vectors.test.js and kiosk.test.js unless given)
# UI_HOST serves the UI on a store (tests/ui/ui_host.c, or later the agent).
# Needs Debian's chromium (installed here when missing, as root or with
# sudo) and node with npm (playwright-core and axe-core come from
# package-lock.json via npm ci). Screenshots go to ARTIFACT_DIR.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
host_bin=$(realpath "$1")
artifacts=$(realpath -m "${2:-$PWD/ui-artifacts}")
export UI_HOST="$host_bin" UI_ARTIFACTS="$artifacts"
export CHROMIUM="${CHROMIUM:-/usr/bin/chromium}"

# Chromium, and Noto fonts so Urdu screenshots show real glyphs (as a
# kiosk set up by docs/kiosk.md does).
need=()
[ -x "$CHROMIUM" ] || need+=(chromium)
[ -f /usr/share/fonts/truetype/noto/NotoNastaliqUrdu-Regular.ttf ] || need+=(fonts-noto-core)
if [ ${#need[@]} -gt 0 ]; then
	echo "ui tests: installing ${need[*]} from Debian" >&2
	if [ "$(id -u)" = 0 ]; then
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need[@]}" || true
	elif command -v sudo >/dev/null; then
		sudo apt-get update -qq && sudo DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need[@]}" || true
	fi
fi
if [ ! -x "$CHROMIUM" ]; then
	echo "ui tests: no chromium at $CHROMIUM and cannot install it" >&2
	exit 1
fi
# npm ci only when the lock changed since the last install.
stamp="$here/node_modules/.fieldsync-lock"
if [ ! -f "$stamp" ] || ! cmp -s "$here/package-lock.json" "$stamp"; then
	(cd "$here" && npm ci --no-audit --no-fund --loglevel=error)
	cp "$here/package-lock.json" "$stamp"
fi
mkdir -p "$artifacts"
cd "$here"
shift $(($# < 2 ? $# : 2))
[ $# -gt 0 ] || set -- vectors.test.js kiosk.test.js
exec node --test --test-concurrency=1 "$@"
