#!/bin/bash
# The manual pages in docs/man/ say what the programs' --help says
# (scripts/manpages.sh regenerates them), and render without warnings.
# Usage: man_pages.sh HUB_BIN AGENT_BIN
set -uo pipefail
. "$(dirname "$0")/lib.sh"
root=$(cd "$(dirname "$0")/../.." && pwd)
bash "$root/scripts/manpages.sh" "$1" "$2" "$E2E_TMP/man"
for p in fieldsync-hub fieldsync-agent; do
  e2e_expect "docs/man/$p.1 is what scripts/manpages.sh writes from --help" "" \
    "$(diff "$root/docs/man/$p.1" "$E2E_TMP/man/$p.1" | head -5)"
done
for p in fieldsync-hub fieldsync-agent fieldsync-kiosk; do
  w=$(MANWIDTH=80 man --warnings -l "$root/docs/man/$p.1" 2>&1 >/dev/null)
  e2e_expect "$p.1 renders without warnings" "" "$w"
  e2e_expect "$p.1 has a NAME line" 1 \
    "$(MANWIDTH=80 man -l "$root/docs/man/$p.1" 2>/dev/null | tr -s ' ' | grep -c "^ $p - ")"
done
e2e_finish
