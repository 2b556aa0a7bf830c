#!/bin/bash
# scripts/manpages.sh HUB_BIN AGENT_BIN OUTDIR
# Writes the manual pages fieldsync-hub.1 and fieldsync-agent.1 into OUTDIR
# from the programs' own --help (the top-level text and every command's), so
# a page says exactly what the program says. The pages are kept in
# docs/man/ (packages and cross builds cannot run the programs); the ctest
# "man_pages" regenerates them and fails when they differ:
#   scripts/manpages.sh build/dev/hub/fieldsync-hub \
#     build/dev/agent/fieldsync-agent docs/man
# fieldsync-kiosk.1 (a shell launcher) is written by hand.
set -euo pipefail
[ $# -eq 3 ] || { echo "usage: scripts/manpages.sh HUB_BIN AGENT_BIN OUTDIR" >&2; exit 2; }
hub=$1 agent=$2 out=$3
mkdir -p "$out"

# Text as roff: backslashes escaped, a leading . or ' neutralised, shown
# as written (no filling: the --help texts are laid out already).
roff_text() {
  sed -e 's/\\/\\e/g' -e "s/^\\([.']\\)/\\\\\\&\\1/"
}

# The commands a program's top-level --help lists: the first word of each
# line indented by two spaces under "commands:".
commands_of() {
  awk '/^commands:/ {on = 1; next} on && /^[^ ]/ {on = 0} on && /^  [a-z]/ {print $1}'
}

page() {
  local bin=$1 name=$2 summary=$3 file=$4 top cmd
  top=$("$bin" --help)
  {
    printf '.TH %s 1 "" "fieldsync" "fieldsync manual"\n' "${name^^}"
    printf '.SH NAME\n%s \\- %s\n' "$name" "$summary"
    printf '.SH SYNOPSIS\n.nf\n'
    printf '%s\n' "$top" | sed -n '1p' | sed 's/^usage: //' | roff_text
    printf '.fi\n.SH DESCRIPTION\n.nf\n'
    printf '%s\n' "$top" | sed '1d' | roff_text
    printf '.fi\n.SH COMMANDS\n'
    for cmd in $(printf '%s\n' "$top" | commands_of); do
      printf '.SS %s\n.nf\n' "$cmd"
      "$bin" "$cmd" --help | roff_text
      printf '.fi\n'
    done
    printf '.SH SEE ALSO\n'
    printf '%s\n' "$5" | roff_text
  } >"$file"
}

page "$hub" fieldsync-hub "the fieldsync hub: merges the kiosks' change sets" \
  "$out/fieldsync-hub.1" \
  "fieldsync-agent(1); /usr/share/doc/fieldsync-hub/hub.md, protocol.md, security.md, deploy.md"
page "$agent" fieldsync-agent "the fieldsync kiosk agent: the kiosk's store, its web UI and its sync" \
  "$out/fieldsync-agent.1" \
  "fieldsync-hub(1), fieldsync-kiosk(1); /usr/share/doc/fieldsync-agent/agent.md, kiosk.md, security.md, deploy.md"
