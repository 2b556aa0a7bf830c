#!/usr/bin/env bash
# cmake --install of this build into a temporary prefix (and with DESTDIR):
# the programs in bin/ and running from there, the example questionnaires
# and format schemas in share/fieldsync/, the docs in share/doc/fieldsync/;
# nothing else (no demo, benchmark or test program). Then an installed hub
# publishes an installed example questionnaire.
# Usage: install_rules.sh BUILD_DIR
. "$(dirname "$0")/lib.sh"
BUILD=$1
P=$E2E_TMP/prefix

cmake --install "$BUILD" --prefix "$P" >"$E2E_TMP/install.log" 2>&1
e2e_expect "cmake --install succeeds" 0 $?
for f in bin/fieldsync-hub bin/fieldsync-agent; do
  e2e_expect "$f is installed and executable" yes "$([ -x "$P/$f" ] && echo yes || echo no)"
done
e2e_expect "installed fieldsync-agent runs" 0 "$("$P/bin/fieldsync-agent" --help >/dev/null 2>&1; echo $?)"
e2e_expect "installed fieldsync-hub runs" 0 "$("$P/bin/fieldsync-hub" --help >/dev/null 2>&1; echo $?)"
for f in share/fieldsync/examples/friends-and-family.json share/fieldsync/schema/changeset.schema.json \
  share/fieldsync/schema/questionnaire.schema.json share/doc/fieldsync/README.md \
  share/doc/fieldsync/kiosk.md share/doc/fieldsync/deploy.md share/doc/fieldsync/protocol.md \
  share/man/man1/fieldsync-hub.1 share/man/man1/fieldsync-agent.1 share/man/man1/fieldsync-kiosk.1; do
  e2e_expect "$f is installed" yes "$([ -f "$P/$f" ] && echo yes || echo no)"
done
e2e_expect "only bin/ and share/ (no library, header or test)" "bin share" \
  "$(cd "$P" && ls | tr '\n' ' ' | sed 's/ $//')"
e2e_expect "only the two programs in bin/" "fieldsync-agent fieldsync-hub" \
  "$(cd "$P/bin" && ls | tr '\n' ' ' | sed 's/ $//')"
mkdir -m 700 "$E2E_TMP/hubdata"
"$P/bin/fieldsync-hub" publish --data "$E2E_TMP/hubdata" \
  "$P/share/fieldsync/examples/friends-and-family.json" >"$E2E_TMP/publish.out" 2>&1
e2e_expect "the installed hub publishes an installed example" 0 $?

DESTDIR=$E2E_TMP/dest cmake --install "$BUILD" --prefix /usr >"$E2E_TMP/install2.log" 2>&1
e2e_expect "DESTDIR install puts the programs under DESTDIR/usr/bin" yes \
  "$([ -x "$E2E_TMP/dest/usr/bin/fieldsync-agent" ] && echo yes || echo no)"
e2e_expect "cmake --install --component agent: only the agent and its manual pages" \
  "bin/fieldsync-agent share/man/man1/fieldsync-agent.1 share/man/man1/fieldsync-kiosk.1" \
  "$(cmake --install "$BUILD" --prefix "$E2E_TMP/agent-only" --component agent >/dev/null 2>&1;
     cd "$E2E_TMP/agent-only" && find . -type f | sed 's|^\./||' | sort | tr '\n' ' ' | sed 's/ $//')"
e2e_finish
