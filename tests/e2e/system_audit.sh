#!/usr/bin/env bash
# Worker events from a real kiosk reach the hub's audit trail: a worker logs
# in at a kiosk's UI, a PIN fails, a contact is created, edited and closed,
# the worker logs out. Each event is in the kiosk's queue (0600) before the
# UI answers, even with the hub down; after a sync the hub's trail has them
# as worker:ID@SITE (the kiosk's authenticated site), the queue is emptied,
# and neither the queue nor the trail ever holds the PIN, the person_ref or
# the notes. A name typed at the PIN prompt that is no worker is not kept.
# usage: system_audit.sh AGENT HUB
AGENT=${1:?usage: system_audit.sh AGENT HUB}
HUB=${2:?usage: system_audit.sh AGENT HUB}
. "$(dirname "$0")/agent_lib.sh"
command -v jq >/dev/null || { echo "system_audit: needs jq"; exit 1; }

QUEUE=$E2E_TMP/a/audit-queue.jsonl
declare -A UI_PORT AGENT_PID

# kiosk_run NAME: the daemon with its UI on a free port; waits for the UI.
kiosk_run() {
  local k=$1 port try i
  for try in 1 2 3 4 5; do
    port=$(e2e_free_port)
    e2e_spawn "$E2E_TMP/$k.log" "$AGENT" run --data "$E2E_TMP/$k" --sync-interval 1 \
      --max-backoff 2 --ui-listen "127.0.0.1:$port"
    AGENT_PID[$k]=$E2E_PID
    UI_PORT[$k]=$port
    for ((i = 0; i < 200; i++)); do
      kill -0 "${AGENT_PID[$k]}" 2>/dev/null || break
      [ "$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$port/api/kiosk")" = 200 ] &&
        return 0
      sleep 0.05
    done
    e2e_stop "${AGENT_PID[$k]}" KILL 5
  done
  return 1
}
# api NAME KIOSK METHOD PATH [BODY]: as the kiosk's own page sends it.
api() {
  local name=$1 k=$2 method=$3 path=$4 body=${5-}
  local base=http://127.0.0.1:${UI_PORT[$k]}
  local args=(-X "$method" -H "Origin: $base" -H "Sec-Fetch-Site: same-origin"
    -b "$E2E_TMP/$k.jar" -c "$E2E_TMP/$k.jar")
  [ -n "$body" ] && args+=(-H 'Content-Type: application/json' --data-binary "$body")
  e2e_http "$name" "${args[@]}" "$base$path"
}
wait_for() {
  local secs=$1 i
  shift
  for ((i = 0; i < secs * 5; i++)); do "$@" && return 0; sleep 0.2; done
  return 1
}
queued() { [ -f "$QUEUE" ] && wc -l <"$QUEUE" || echo 0; }
trail() { hub audit --json >"$E2E_TMP/trail.jsonl" 2>/dev/null; }
trail_has() { trail && [ "$(jq -c "select(.action == \"$1\")" "$E2E_TMP/trail.jsonl" | wc -l)" -ge "${2:-1}" ]; }

hub_start || { e2e_fail "hub starts"; e2e_finish; exit 1; }
kiosk_init a north || e2e_fail "init a"
SITE=$(kiosk_site a)
echo 246813 | ag a worker add sam >/dev/null 2>"$E2E_ERR" || e2e_fail "worker add" "$(cat "$E2E_ERR")"
kiosk_run a || { e2e_fail "a: daemon and UI start" "$(tail -3 "$E2E_TMP/a.log")"; e2e_finish; exit 1; }

# ---- with the hub down: each event is queued before the UI answers ----
hub_stop
e2e_expect "a wrong PIN is refused" 401 "$(api w1 a POST /api/worker/login '{"name":"sam","pin":"246913"}')"
e2e_expect "... and queued at once" 1 "$(queued)"
e2e_expect "... naming the worker" '"sam"' "$(jq -c .worker "$QUEUE")"
e2e_expect "the queue is the owner's only" 600 "$(stat -c %a "$QUEUE")"
e2e_expect "a PIN for a name that is no worker" 401 "$(api w2 a POST /api/worker/login '{"name":"Jane Smith","pin":"111111"}')"
e2e_expect "... queued without the name typed" "null" "$(tail -n 1 "$QUEUE" | jq -c .worker)"
e2e_expect "login" 200 "$(api w3 a POST /api/worker/login '{"name":"sam","pin":"246813"}')"
e2e_expect "... queued" worker_login "$(tail -n 1 "$QUEUE" | jq -r .action)"
REF="P$(e2e_uuid | tr -d '-' | cut -c1-8)"
NOTE="Jane worries about rent arrears"
e2e_expect "a contact created" 201 "$(api c1 a POST /api/worker/contacts \
  "{\"person_ref\":\"$REF\",\"contact_at\":\"$(date -u +%FT%H:%M:%SZ)\",\"channel\":\"in_person\",\"duration_min\":15,\"topics\":[\"housing\"],\"notes\":\"$NOTE\"}")"
CID=$(jq -r .contact.id "$E2E_TMP/c1.body")
e2e_expect "... queued with its id" "contact_create $CID" "$(tail -n 1 "$QUEUE" | jq -r '.action + " " + .contact')"
e2e_expect "a contact edited" 200 "$(api c2 a PUT "/api/worker/contacts/$CID" '{"duration_min":20}')"
e2e_expect "a contact closed" 200 "$(api c3 a PUT "/api/worker/contacts/$CID" '{"status":"closed"}')"
e2e_expect "logout" 200 "$(api out a POST /api/worker/logout '{}')"
e2e_expect "seven events queued while the hub was down" 7 "$(queued)"
for secret in 246813 246913 111111 "$REF" rent "Jane Smith"; do
  grep -qF -- "$secret" "$QUEUE" && e2e_fail "the queue holds \"$secret\"" || e2e_pass "the queue never holds \"$secret\""
done

# ---- the hub back: the next sync delivers them ----
hub_start || e2e_fail "hub restarts"
if wait_for 30 trail_has worker_logout; then e2e_pass "the events reach the hub's trail"; else
  e2e_fail "the events reach the hub's trail" "$(tail -5 "$E2E_TMP/a.log")"
fi
wait_for 10 sh -c "[ ! -s '$QUEUE' ]" && e2e_pass "the queue is emptied after the hub took them" ||
  e2e_fail "the queue is emptied" "$(queued) lines left"
e2e_expect "each as the worker at this kiosk" \
  "worker:sam@$SITE worker_pin_failed|device:$SITE worker_pin_failed|worker:sam@$SITE worker_login|worker:sam@$SITE contact_create|worker:sam@$SITE contact_edit|worker:sam@$SITE contact_close|worker:sam@$SITE worker_logout" \
  "$(jq -r 'select(.actor | test("^(worker|device):")) | select(.action != "enroll_redeem") | .actor + " " + .action' "$E2E_TMP/trail.jsonl" | paste -sd '|')"
e2e_expect "the contact events name it by id" "$CID $CID $CID" \
  "$(jq -r 'select(.action | startswith("contact_")) | .detail.contact' "$E2E_TMP/trail.jsonl" | paste -sd ' ')"
for secret in 246813 246913 111111 "$REF" rent "Jane Smith"; do
  grep -qF -- "$secret" "$E2E_TMP/trail.jsonl" && e2e_fail "the trail holds \"$secret\"" || e2e_pass "the trail never holds \"$secret\""
done
run_verify() { hub audit --verify >"$E2E_OUT" 2>"$E2E_ERR"; }
run_verify && e2e_pass "the trail verifies" || e2e_fail "the trail verifies" "$(cat "$E2E_ERR")"
e2e_stop "${AGENT_PID[a]}"
e2e_finish
