#!/usr/bin/env bash
# Runs fieldsync. At this stage: the engine demo (two kiosks of one region
# and a hub, offline edits on each, change sets exchanged, merged result
# printed). Stores go in a temporary directory unless FIELDSYNC_DATA is set.
set -euo pipefail
FIELDSYNC_ROOT=$(cd "$(dirname "$0")/.." && pwd)
. "$FIELDSYNC_ROOT/scripts/deps.sh"
fieldsync_install_deps
fieldsync_build "$FIELDSYNC_ROOT/build/release" >/dev/null
exec "$FIELDSYNC_ROOT/build/release/fieldsync-demo" "$@"
