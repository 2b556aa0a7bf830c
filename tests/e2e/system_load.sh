#!/usr/bin/env bash
# Load: KIOSKS (default 200) kiosks in four regions sync concurrently with
# one hub, each a real fieldsync-agent process: every sync ends in sync
# (exit 0, no errors), the hub holds exactly every response recorded, and
# every kiosk ends up with its region's contacts, identical to the hub's.
# usage: system_load.sh AGENT HUB   (FIELDSYNC_LOAD_KIOSKS=N to change KIOSKS)
AGENT=${1:?usage: system_load.sh AGENT HUB}
HUB=${2:?usage: system_load.sh AGENT HUB}
. "$(dirname "$0")/agent_lib.sh"

N=${FIELDSYNC_LOAD_KIOSKS:-200}
WAVE=25
REGIONS=(r0 r1 r2 r3)

# in_waves FN: run FN I for every kiosk I, WAVE at a time; prints failures.
in_waves() {
  local fn=$1 i j pids failed=0
  for ((i = 1; i <= N; i += WAVE)); do
    pids=()
    for ((j = i; j < i + WAVE && j <= N; j++)); do
      "$fn" "$j" &
      pids+=($!)
    done
    for p in "${pids[@]}"; do
      wait "$p" || failed=$((failed + 1))
    done
  done
  echo "$failed"
}

# all_sync NAME: start every kiosk's sync at once; pass when all exit 0.
all_sync() {
  local i pids=() failed=0 t0=$SECONDS
  for ((i = 1; i <= N; i++)); do
    "$AGENT" sync --data "$E2E_TMP/k$i" >/dev/null 2>>"$E2E_TMP/load-errors" &
    pids+=($!)
  done
  for ((i = 0; i < N; i++)); do
    wait "${pids[i]}" || failed=$((failed + 1))
  done
  e2e_expect "$1: $N concurrent syncs, all in sync ($((SECONDS - t0)) s)" 0 "$failed"
}

# Codes are made in advance, as an admin would for a batch of kiosks.
enroll_one() {
  "$AGENT" init --data "$E2E_TMP/k$1" --hub "$HUB_URL" --code "$(cat "$E2E_TMP/k$1.code")" \
    >/dev/null
}
record_one() {
  local k=k$1 i
  for i in 1 2; do
    answers_json "$E2E_TMP/$k.a" "kiosk $1 answer $i"
    ag "$k" respond --questionnaire friends-and-family --answers "$E2E_TMP/$k.a" \
      >>"$E2E_TMP/$k.ids" || return 1
  done
  contact_json "$E2E_TMP/$k.c" "LD$1" "kiosk $1"
  ag "$k" contact add "$E2E_TMP/$k.c" >/dev/null
}
compare_one() {
  ag "k$1" contact list --jsonl | cmp -s - "$E2E_TMP/hub-${REGIONS[$1 % 4]}"
}

# All kiosks connect from 127.0.0.1, as kiosks behind one NAT share an
# address: the hub's per-source limit (32 by default) is lifted (a closed
# connection still counts until the hub has reaped it).
e2e_hub_start "$HUB" "$HUB_DIR" --max-per-source 100000 ||
  { e2e_fail "hub starts"; e2e_finish; exit 1; }
HUB_URL=$E2E_HUB_URL
hub publish "$E2E_EXAMPLES/friends-and-family.json" >/dev/null || e2e_fail "publish"
for ((i = 1; i <= N; i++)); do
  hub enroll --region "${REGIONS[i % 4]}" >"$E2E_TMP/k$i.code" || e2e_fail "enroll code $i"
done
e2e_expect "$N kiosks enrolled" 0 "$(in_waves enroll_one)"
all_sync "first sync"
e2e_expect "each kiosk records 2 responses and a contact" 0 "$(in_waves record_one)"
all_sync "push"
all_sync "pull the region's contacts"
[ -s "$E2E_TMP/load-errors" ] && e2e_fail "agent errors" "$(sort "$E2E_TMP/load-errors" | uniq -c | head -5)"

cat "$E2E_TMP"/k*.ids | sort >"$E2E_TMP/expected-ids"
hub export responses --format jsonl | sed 's/.*"id":"\([^"]*\)".*/\1/' | sort >"$E2E_TMP/hub-ids"
e2e_expect "$((2 * N)) responses at the hub" $((2 * N)) "$(wc -l <"$E2E_TMP/hub-ids")"
cmp -s "$E2E_TMP/expected-ids" "$E2E_TMP/hub-ids" && e2e_pass "nothing lost: every recorded id" ||
  e2e_fail "nothing lost" "$(diff "$E2E_TMP/expected-ids" "$E2E_TMP/hub-ids" | head -3)"
total=0
for r in "${REGIONS[@]}"; do
  hub export contacts --region "$r" --format jsonl >"$E2E_TMP/hub-$r"
  total=$((total + $(wc -l <"$E2E_TMP/hub-$r")))
done
e2e_expect "$N contacts at the hub" "$N" "$total"
e2e_expect "every kiosk holds its region's contacts, identical to the hub's" 0 \
  "$(in_waves compare_one)"
e2e_finish
