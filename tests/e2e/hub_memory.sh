#!/usr/bin/env bash
# hub_memory: small gzip bodies that inflate to millions of tiny JSON values
# (issue 7: `{"changes":[{},{},...]}` inflating to just under 32 MiB made the
# hub's RSS peak at 2.5 GiB before it answered 413). Each is sent by an
# enrolled device to a real hub on loopback, alone and three at once; each
# must be refused with 413 and the hub's peak RSS (VmHWM) may rise at most
# 64 MiB above what it was after one normal sync. The store stays the same.
# A fresh hub (same data) for every case, so one case's peak and the memory
# the allocator keeps do not hide another's.
#
# usage: hub_memory.sh FIELDSYNC_HUB
HUB=${1:?usage: hub_memory.sh FIELDSYNC_HUB}
. "$(dirname "$0")/lib.sh"
for tool in curl gzip sqlite3 yes head tr; do
  command -v "$tool" >/dev/null || { echo "hub_memory: needs $tool"; exit 1; }
done

DATA=$E2E_TMP/hub
DB=$DATA/hub.db
T=$E2E_TMP
LIMIT_KB=$((64 * 1024))
# Under AddressSanitizer every allocation has redzones and freed memory is
# quarantined: the case that builds a tree is not measured there.
SANITIZED=0
ldd "$HUB" 2>/dev/null | grep -q 'libasan' && SANITIZED=1
MIB=$((1024 * 1024))

vmhwm() { sed -n 's/^VmHWM:[[:space:]]*\([0-9]*\) kB/\1/p' "/proc/$E2E_HUB_PID/status"; }

e2e_hub_start "$HUB" "$DATA" || exit 1
e2e_enroll "$HUB" "$DATA" north kiosk-m1 || exit 1
SITE=$E2E_SITE TOKEN=$E2E_TOKEN
e2e_changeset "$SITE" "$(e2e_contact_change "$SITE" north "$(e2e_uuid)" channel '"phone"')" 1 |
  gzip -c >"$T/normal.gz"
e2e_expect "a normal sync is accepted" 200 "$(e2e_sync normal "$TOKEN" "$T/normal.gz")"
DIGEST=$(e2e_store_digest "$DB")
e2e_hub_stop

# body NAME SIZE HEAD ELEM TAIL: HEAD, then ELEM comma-separated, then
# TAIL, SIZE bytes in all (within a few bytes), gzipped into $T/NAME.gz.
body() {
  local name=$1 size=$2 head=$3 elem=$4 tail=$5 n
  n=$(((size - ${#head} - ${#tail} - ${#elem}) / (${#elem} + 1)))
  { printf '%s%s' "$head" "$elem"; yes ",$elem" | head -n "$n" | tr -d '\n'; printf '%s' "$tail"; } |
    gzip -c >"$T/$name.gz"
}
HEAD=$(printf '{"format":"fieldsync-changeset/1","site":"%s","from":0,"to":1,"more":false,"time":%s,"changes":[' \
  "$SITE" "$(e2e_now_ms)")
RESP=$(printf '{"table":"responses","id":"%s","hlc":"%s","site":"%s","response":[' \
  "$(e2e_uuid)" "$(e2e_hlc)" "$SITE")
# The report's bodies: just under the old 32 MiB inflation cap...
body obj32 $((32 * MIB - 16)) "$HEAD" '{}' ']}'
body arr32 $((32 * MIB - 16)) "$HEAD" '[]' ']}'
body zero32 $((32 * MIB - 16)) "$HEAD" '0' ']}'
# ...and just under the current 8 MiB one, which the inflation cap alone
# does not stop.
body obj8 $((8 * MIB - 16)) "$HEAD" '{}' ']}'
body arr8 $((8 * MIB - 16)) "$HEAD" '[]' ']}'
body zero8 $((8 * MIB - 16)) "$HEAD" '0' ']}'
# One change whose value is millions of zeros: under the change cap, over
# the decode budget (48 MiB).
body budget $((8 * MIB - 16)) "$HEAD$RESP" '0' ']}]}'
# Just under the budget: the pre-scan lets it through, Jansson builds the
# tree, and the value cap refuses it. The worst a request may cost.
body edge $((1500 * 1024)) "$HEAD$RESP" '0' ']}]}'
for f in obj32 obj8 budget edge; do
  printf '  %s: %s bytes of gzip\n' "$f" "$(stat -c %s "$T/$f.gz")"
done

# case [--tree] NAME BODY...: a fresh hub, one normal sync, then the bodies
# at once (--tree: the tree is built, so not measured under ASan).
case_() {
  local tree=0 name base peak i status pids=()
  [ "$1" = --tree ] && { tree=1; shift; }
  name=$1
  shift
  e2e_hub_start "$HUB" "$DATA" || { e2e_fail "$name: hub start"; return; }
  e2e_sync "normal-$name" "$TOKEN" "$T/normal.gz" >/dev/null
  base=$(vmhwm)
  i=0
  for b in "$@"; do
    i=$((i + 1))
    e2e_sync "$name-$i" "$TOKEN" "$T/$b.gz" >"$T/$name-$i.status" &
    pids+=($!)
  done
  for p in "${pids[@]}"; do wait "$p"; done
  peak=$(vmhwm)
  for ((i = 1; i <= $#; i++)); do
    status=$(cat "$T/$name-$i.status")
    e2e_expect "$name: body $i refused with 413" 413 "$status"
    [ "$status" = 413 ] || head -c 300 "$T/$name-$i.body" >&2
  done
  printf '  %s: hub VmHWM %s kB after a normal sync, %s kB after (+%s MiB): %s\n' "$name" \
    "$base" "$peak" "$(((peak - base) / 1024))" "$(head -c 120 "$T/$name-1.body")"
  if [ $tree = 1 ] && [ $SANITIZED = 1 ]; then
    echo "  (peak RSS not checked: the hub is built with AddressSanitizer)"
  elif [ $((peak - base)) -lt $LIMIT_KB ]; then
    e2e_pass "$name: peak RSS within 64 MiB of idle"
  else
    e2e_fail "$name: peak RSS within 64 MiB of idle" "+$(((peak - base) / 1024)) MiB"
  fi
  e2e_expect "$name: health after" 200 "$(curl -s -o /dev/null -w '%{http_code}' "$E2E_HUB_URL/health")"
  e2e_hub_stop
  e2e_expect "$name: store unchanged" "$DIGEST" "$(e2e_store_digest "$DB")"
}

case_ "{} to 32 MiB" obj32
case_ "[] to 32 MiB" arr32
case_ "0 to 32 MiB" zero32
case_ "three to 32 MiB at once" obj32 arr32 zero32
case_ "{} to 8 MiB" obj8
case_ "[] to 8 MiB" arr8
case_ "0 to 8 MiB" zero8
case_ "three to 8 MiB at once" obj8 arr8 zero8
case_ "one value over the decode budget" budget
case_ --tree "one value just under the decode budget" edge
e2e_finish
