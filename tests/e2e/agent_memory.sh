#!/usr/bin/env bash
# agent_memory: a hostile hub (tests/e2e/fake_hub.c) answers `fieldsync-agent
# sync` with small bodies that inflate to millions of tiny JSON values, or
# with a large JSON error body. The agent must refuse each (non-zero exit, a
# message saying why) with its peak RSS (GNU time's maximum resident set
# size, from wait4) at most 64 MiB above that of a sync with a normal
# reply: a kiosk is a 1 GiB Raspberry Pi.
#
# usage: agent_memory.sh FIELDSYNC_AGENT FAKE_HUB
AGENT=${1:?usage: agent_memory.sh FIELDSYNC_AGENT FAKE_HUB}
FAKE=${2:?usage: agent_memory.sh FIELDSYNC_AGENT FAKE_HUB}
. "$(dirname "$0")/agent_lib.sh"
for tool in gzip yes head tr /usr/bin/time; do
  command -v "$tool" >/dev/null || { echo "agent_memory: needs $tool (Debian: time)"; exit 1; }
done

T=$E2E_TMP
MIB=$((1024 * 1024))
LIMIT_KB=$((64 * 1024))

# body NAME SIZE HEAD ELEM TAIL [plain]: as in hub_memory.sh.
body() {
  local name=$1 size=$2 head=$3 elem=$4 tail=$5 n
  n=$(((size - ${#head} - ${#tail} - ${#elem}) / (${#elem} + 1)))
  if [ "${6:-}" = plain ]; then
    { printf '%s%s' "$head" "$elem"; yes ",$elem" | head -n "$n" | tr -d '\n'; printf '%s' "$tail"; } >"$T/$name"
  else
    { printf '%s%s' "$head" "$elem"; yes ",$elem" | head -n "$n" | tr -d '\n'; printf '%s' "$tail"; } |
      gzip -c >"$T/$name"
  fi
}
HEAD=$(printf '{"format":"fieldsync-changeset/1","site":"hub","from":0,"to":1,"more":false,"time":%s,"changes":[' \
  "$(e2e_now_ms)")
printf '{"format":"fieldsync-changeset/1","site":"hub","from":0,"to":0,"more":false,"time":%s,"changes":[]}' \
  "$(e2e_now_ms)" | gzip -c >"$T/normal"
body obj32 $((32 * MIB - 16)) "$HEAD" '{}' ']}'
body arr32 $((32 * MIB - 16)) "$HEAD" '[]' ']}'
body zero32 $((32 * MIB - 16)) "$HEAD" '0' ']}'
body obj8 $((8 * MIB - 16)) "$HEAD" '{}' ']}'
body budget $((8 * MIB - 16)) "$HEAD"'{"table":"contacts","value":[' '0' ']}]}'
# Not gzip, as a 500 error: the agent reads the message of error bodies.
body error $((8 * MIB - 1024)) '{"error":"x","message":"y","junk":[' '{}' ']}' plain

# One kiosk, enrolled with the fake hub (which makes up an identity).
fake_start 200 "$T/normal" gzip || { echo "agent_memory: the fake hub did not start"; exit 1; }
"$AGENT" init --data "$T/kiosk" --hub "$URL" --code ABCDE-FGHJK-MN >/dev/null 2>"$T/init.err" ||
  { echo "agent_memory: init failed: $(cat "$T/init.err")"; exit 1; }
fake_stop

# sync_peak: run one sync against $URL; sets RC, PEAK (kB) and leaves the
# agent's stderr in $T/sync.err.
sync_peak() {
  sed -i "s|\"hub\": *\"[^\"]*\"|\"hub\": \"$URL\"|" "$T/kiosk/agent.json"
  /usr/bin/time -o "$T/time" -f %M "$AGENT" sync --data "$T/kiosk" >/dev/null 2>"$T/sync.err"
  RC=$?
  PEAK=$(tail -n 1 "$T/time")
}

fake_start 200 "$T/normal" gzip || exit 1
sync_peak
e2e_expect "a normal reply is taken" 0 "$RC"
[ "$RC" = 0 ] || cat "$T/sync.err" >&2
BASE=$PEAK
fake_stop
printf '  a normal sync: agent peak RSS %s kB\n' "$BASE"

# case NAME STATUS BODY gzip|plain WANT_MESSAGE
case_() {
  local name=$1
  fake_start "$2" "$T/$3" "$4" || { e2e_fail "$name: fake hub start"; return; }
  sync_peak
  fake_stop
  printf '  %s: exit %s, peak RSS %s kB (+%s MiB): %s\n' "$name" "$RC" "$PEAK" \
    "$(((PEAK - BASE) / 1024))" "$(head -c 160 "$T/sync.err")"
  if [ "$RC" != 0 ] && grep -q -- "$5" "$T/sync.err"; then
    e2e_pass "$name: refused"
  else
    e2e_fail "$name: refused" "exit $RC: $(head -c 300 "$T/sync.err")"
  fi
  if [ $((PEAK - BASE)) -lt $LIMIT_KB ]; then
    e2e_pass "$name: peak RSS within 64 MiB of a normal sync"
  else
    e2e_fail "$name: peak RSS within 64 MiB of a normal sync" "+$(((PEAK - BASE) / 1024)) MiB"
  fi
}

case_ "reply {} to 32 MiB" 200 obj32 gzip "changes: more than the cap of 20000 changes"
case_ "reply [] to 32 MiB" 200 arr32 gzip "changes: more than the cap of 20000 changes"
case_ "reply 0 to 32 MiB" 200 zero32 gzip "changes: more than the cap of 20000 changes"
case_ "reply {} to 8 MiB" 200 obj8 gzip "changes: more than the cap of 20000 changes"
case_ "reply over the decode budget" 200 budget gzip "decoding would need more than"
case_ "error body of 8 MiB of {}" 500 error plain "500"
e2e_finish
