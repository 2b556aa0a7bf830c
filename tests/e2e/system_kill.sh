#!/usr/bin/env bash
# SIGKILL of the agent and of the hub at random moments during sync, for
# ROUNDS rounds (default 60, at least 50): nothing is lost, nothing is
# duplicated, and after restarts everything converges (the hub holds exactly
# the responses the kiosks recorded, every replica the same contacts, nothing
# pending, nothing quarantined).
# usage: system_kill.sh AGENT HUB   (FIELDSYNC_KILL_ROUNDS=N to change ROUNDS)
AGENT=${1:?usage: system_kill.sh AGENT HUB}
HUB=${2:?usage: system_kill.sh AGENT HUB}
. "$(dirname "$0")/agent_lib.sh"

ROUNDS=${FIELDSYNC_KILL_ROUNDS:-60}
KIOSKS=(k1 k2 k3)
EXPECTED=$E2E_TMP/expected-responses
: >"$EXPECTED"

hub_start || { e2e_fail "hub starts"; e2e_finish; exit 1; }
hub publish "$E2E_EXAMPLES/friends-and-family.json" >/dev/null || e2e_fail "publish"
for k in "${KIOSKS[@]}"; do
  kiosk_init "$k" north && ag "$k" sync >/dev/null || e2e_fail "init $k"
done
contact_json "$E2E_TMP/c.json" "KS0001" "shared"
shared=$(ag k1 contact add "$E2E_TMP/c.json")
for k in "${KIOSKS[@]}"; do
  ag "$k" sync >/dev/null || e2e_fail "$k: sync the shared contact"
done

long=$(printf 'x%.0s' $(seq 1 900))
write_errors=0
agent_kills=0
hub_kills=0
for ((r = 1; r <= ROUNDS; r++)); do
  k=${KIOSKS[r % 3]}
  # Local work while nothing runs: never killed, so all of it must arrive.
  for i in 1 2 3 4 5 6 7 8; do
    answers_json "$E2E_TMP/a.json" "round $r answer $i $long"
    ag "$k" respond --questionnaire friends-and-family --answers "$E2E_TMP/a.json" \
      >>"$EXPECTED" || write_errors=$((write_errors + 1))
  done
  contact_json "$E2E_TMP/c.json" "KS$r" "round $r"
  ag "$k" contact add "$E2E_TMP/c.json" >/dev/null || write_errors=$((write_errors + 1))
  if [ "$r" = 1 ]; then
    # Over 2,000 changes: this sync needs several batches.
    for i in $(seq 1 300); do
      contact_json "$E2E_TMP/c.json" "KB$i" "bulk $i"
      ag "$k" contact add "$E2E_TMP/c.json" >/dev/null || write_errors=$((write_errors + 1))
    done
  fi
  printf '{"notes": "round %d at %s", "duration_min": %d}' "$r" "$k" "$r" >"$E2E_TMP/u.json"
  ag "$k" contact update "$shared" "$E2E_TMP/u.json" >/dev/null ||
    write_errors=$((write_errors + 1))

  # A sync, and a SIGKILL somewhere in it: the agent, the hub or both.
  "$AGENT" sync --data "$E2E_TMP/$k" >/dev/null 2>&1 &
  sync_pid=$!
  sleep "0.0$((RANDOM % 2))$((RANDOM % 10))" # 0 to 19 ms: a sync takes about 15
  {
    case $((RANDOM % 3)) in
      0) kill -KILL "$sync_pid" && agent_kills=$((agent_kills + 1)) ;;
      1) hub_kill; hub_kills=$((hub_kills + 1)) ;;
      2) kill -KILL "$sync_pid" && agent_kills=$((agent_kills + 1))
         hub_kill; hub_kills=$((hub_kills + 1)) ;;
    esac
    wait "$sync_pid"
  } 2>/dev/null
  [ -n "$E2E_HUB_PID" ] || hub_start || { e2e_fail "hub restarts (round $r)"; break; }
done
e2e_expect "local writes all succeeded" 0 "$write_errors"
echo "     $ROUNDS rounds: $agent_kills agents and $hub_kills hubs killed"
[ $((agent_kills * 4)) -ge "$ROUNDS" ] && [ $((hub_kills * 4)) -ge "$ROUNDS" ] &&
  e2e_pass "agents killed mid-sync and hubs killed, each in a quarter of the rounds or more" ||
  e2e_fail "enough kills landed" "$agent_kills agents, $hub_kills hubs in $ROUNDS rounds"

# ---- after the storm: everyone syncs until clean, twice around ----
for pass in 1 2; do
  for k in "${KIOSKS[@]}"; do
    sync_until_clean "$k" || e2e_fail "$k: sync after the kills (pass $pass)"
  done
done

sort "$EXPECTED" >"$E2E_TMP/expected-ids"
hub export responses --format jsonl | sed 's/.*"id":"\([^"]*\)".*/\1/' | sort >"$E2E_TMP/hub-ids"
e2e_expect "the hub has every response" "$(wc -l <"$E2E_TMP/expected-ids")" \
  "$(wc -l <"$E2E_TMP/hub-ids")"
if cmp -s "$E2E_TMP/expected-ids" "$E2E_TMP/hub-ids"; then
  e2e_pass "nothing lost, nothing extra: hub response ids = recorded ids"
else
  e2e_fail "hub response ids = recorded ids" \
    "$(diff "$E2E_TMP/expected-ids" "$E2E_TMP/hub-ids" | head -5)"
fi
e2e_expect "nothing duplicated" 0 "$(uniq -d "$E2E_TMP/hub-ids" | wc -l)"
e2e_expect "no kiosk keeps an acknowledged response" 0 \
  "$(for k in "${KIOSKS[@]}"; do ag "$k" responses; done | wc -l)"
# The kiosks seal their answers (and drop what the hub acknowledged), so
# the answers are checked at the hub: every one written, exactly once.
hub export responses --format jsonl >"$E2E_TMP/hub-responses"
for ((r = 1; r <= ROUNDS; r++)); do
  for i in 1 2 3 4 5 6 7 8; do echo "round $r answer $i "; done
done >"$E2E_TMP/expected-answers"
grep -o 'round [0-9]* answer [0-9]* ' "$E2E_TMP/hub-responses" | sort >"$E2E_TMP/hub-answers"
sort "$E2E_TMP/expected-answers" | cmp -s - "$E2E_TMP/hub-answers" &&
  e2e_pass "the hub holds every answer written, each once, in clear" ||
  e2e_fail "the hub holds every answer written, each once, in clear" \
    "$(sort "$E2E_TMP/expected-answers" | diff - "$E2E_TMP/hub-answers" | head -5)"

hub export contacts --region north --format jsonl >"$E2E_TMP/hub-contacts"
e2e_expect "every contact at the hub" $((ROUNDS + 301)) "$(wc -l <"$E2E_TMP/hub-contacts")"
for k in "${KIOSKS[@]}"; do
  ag "$k" contact list --jsonl >"$E2E_TMP/$k-contacts"
  cmp -s "$E2E_TMP/hub-contacts" "$E2E_TMP/$k-contacts" &&
    e2e_pass "$k converged with the hub" ||
    e2e_fail "$k converged with the hub" "$(diff "$E2E_TMP/hub-contacts" "$E2E_TMP/$k-contacts" | head -4)"
  ag "$k" status --json >"$E2E_TMP/status"
  grep -q '"pending": 0' "$E2E_TMP/status" && grep -q '"quarantined": 0' "$E2E_TMP/status" &&
    e2e_pass "$k: nothing pending, nothing quarantined" ||
    e2e_fail "$k: nothing pending, nothing quarantined" "$(cat "$E2E_TMP/status")"
done
grep "\"id\":\"$shared\"" "$E2E_TMP/hub-contacts" | grep -q "\"duration_min\":$ROUNDS," &&
  e2e_pass "the shared contact holds the last round's edit" ||
  e2e_fail "the shared contact holds the last round's edit"
e2e_finish
