#!/usr/bin/env bash
# Questionnaire offers and retirement end to end: a hub and two kiosks (A
# of region north, B of south), each running `fieldsync-agent run` with
# its UI on a loopback port; what a kiosk lists is its UI's /api/kiosk.
#   1. published with no offer: both list it;
#   2. `offer --region north`: A lists it, B stops listing it after a sync;
#      a person at B who had started it still submits it (201) and the
#      response reaches the hub;
#   3. `offer --withdraw --region north`: A stops listing it after a sync;
#   4. `retire`: listed nowhere, `offer` refused; a response at A (in
#      flight) is stored and merged, none quarantined; `retire --undo`
#      brings back the offers as they were;
#   5. `questionnaires` (table and --json), the audit entries, usage
#      errors, and a device that sends an offer is refused (403).
# usage: system_offers.sh AGENT HUB
AGENT=${1:?usage: system_offers.sh AGENT HUB}
HUB=${2:?usage: system_offers.sh AGENT HUB}
. "$(dirname "$0")/agent_lib.sh"

QN=friends-and-family
WAIT=25 # seconds any one propagation may take (the kiosks sync every 1 s)
declare -A UI_PORT AGENT_PID

jx() { sqlite3 :memory: "SELECT json_extract(readfile('$1'), '$2');"; }

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

# api NAME KIOSK METHOD PATH [BODY]: a request as the kiosk's own page makes it.
api() {
  local name=$1 k=$2 method=$3 path=$4 body=${5-}
  local base=http://127.0.0.1:${UI_PORT[$k]}
  local args=(-X "$method" -H "Origin: $base" -H "Sec-Fetch-Site: same-origin")
  [ -n "$body" ] && args+=(-H 'Content-Type: application/json' --data-binary "$body")
  e2e_http "$name" "${args[@]}" "$base$path"
}

wait_for() {
  local secs=$1 i
  shift
  for ((i = 0; i < secs * 5; i++)); do
    "$@" >/dev/null 2>&1 && return 0
    sleep 0.2
  done
  return 1
}

# lists KIOSK: its welcome screen (/api/kiosk) lists $QN
lists() { [ "$(api poll "$1" GET /api/kiosk)" = 200 ] && grep -qF "\"id\":\"$QN\"" "$E2E_TMP/poll.body"; }
not_lists() { [ "$(api poll "$1" GET /api/kiosk)" = 200 ] && ! grep -qF "\"id\":\"$QN\"" "$E2E_TMP/poll.body"; }
hub_has_response() { hub export responses --format jsonl | grep -qF "$1"; }
response_body() {
  printf '{"questionnaire":"%s","version":1,"language":"en","elapsed_ms":30000,"answers":{"overall":"good","why":"%s"}}' \
    "$QN" "$1"
}
# expect_listing STEP KIOSK lists|not_lists
expect_listing() {
  if wait_for $WAIT "$3" "$2"; then
    e2e_pass "$1: $2 $3 $QN"
  else
    e2e_fail "$1: $2 $3 $QN" "$(head -c 300 "$E2E_TMP/poll.body")"
  fi
}

# ---- setup ----

hub_start || { e2e_fail "hub starts"; e2e_finish; exit 1; }
hub publish "$E2E_EXAMPLES/$QN.json" >/dev/null || e2e_fail "publish $QN"
kiosk_init a north || e2e_fail "init a"
kiosk_init b south || e2e_fail "init b"
for k in a b; do
  kiosk_run "$k" || { e2e_fail "$k: daemon and UI start" "$(tail -3 "$E2E_TMP/$k.log")"; e2e_finish; exit 1; }
done

# ---- 1. no offer: everywhere ----
expect_listing 1 a lists
expect_listing 1 b lists
# The person at B starts now: the page has loaded the questionnaire.
e2e_expect "1: B's page loads $QN" 200 "$(api q0 b GET "/api/questionnaires/$QN")"

# ---- 2. offered to north only ----
e2e_run "2: offer --region north" 0 hub offer "$QN" --region north
e2e_contains "2: offer says so" "$E2E_TMP/out" "^offered $QN in region north$"
expect_listing 2 b not_lists
expect_listing 2 a lists
M1="in flight at B $(e2e_uuid)"
e2e_expect "2: B still stores the response begun before (201)" 201 \
  "$(api r1 b POST /api/responses "$(response_body "$M1")")"
if wait_for $WAIT hub_has_response "$M1"; then
  e2e_pass "2: B's response reaches the hub"
else
  e2e_fail "2: B's response reaches the hub" "$(tail -3 "$E2E_TMP/b.log")"
fi
e2e_run "2: the same offer again" 0 hub offer "$QN" --region north
e2e_contains "2: already offered" "$E2E_TMP/out" "^already offered $QN in region north$"

# ---- 3. withdrawn from north ----
e2e_run "3: offer --withdraw --region north" 0 hub offer "$QN" --region north --withdraw
expect_listing 3 a not_lists
expect_listing 3 b not_lists

# ---- 4. retired ----
e2e_run "4: offer --all" 0 hub offer "$QN" --all
expect_listing 4 a lists
expect_listing 4 b lists
e2e_expect "4: A's page loads $QN" 200 "$(api q1 a GET "/api/questionnaires/$QN")"
e2e_run "4: retire" 0 hub retire "$QN"
e2e_contains "4: retire says so" "$E2E_TMP/out" "^retired $QN$"
expect_listing 4 a not_lists
expect_listing 4 b not_lists
e2e_run "4: offer refused while retired" 1 hub offer "$QN" --region north
e2e_contains "4: the refusal says retired" "$E2E_TMP/err" "retired"
M2="in flight at A after retirement $(e2e_uuid)"
e2e_expect "4: A stores a response to the retired questionnaire (201)" 201 \
  "$(api r2 a POST /api/responses "$(response_body "$M2")")"
if wait_for $WAIT hub_has_response "$M2"; then
  e2e_pass "4: the response to the retired questionnaire is merged at the hub"
else
  e2e_fail "4: the response to the retired questionnaire is merged" "$(tail -3 "$E2E_TMP/a.log")"
fi
e2e_expect "4: nothing quarantined at the hub" 0 \
  "$(e2e_store_query "$HUB_DIR/hub.db" "SELECT count(*) FROM quarantine")"
e2e_run "4: retire --undo" 0 hub retire "$QN" --undo
expect_listing 4 a lists
expect_listing 4 b lists

# ---- 5. the list, the audit trail, usage, a device's offer ----
e2e_run "5: questionnaires" 0 hub questionnaires
e2e_contains "5: the table has a row for $QN" "$E2E_TMP/out" "^$QN +1 +en,cy +everywhere +no +2$"
e2e_run "5: questionnaires --json" 0 hub questionnaires --json
tr -d ' \n' <"$E2E_TMP/out" >"$E2E_TMP/list.json"
e2e_expect "5: --json id" "$QN" "$(jx "$E2E_TMP/list.json" '$[0].id')"
e2e_expect "5: --json title in the default language" "Tell us about your visit" \
  "$(sqlite3 :memory: "SELECT json_extract(readfile('$E2E_TMP/out'), '\$[0].title');")"
e2e_expect "5: --json responses" 2 "$(jx "$E2E_TMP/list.json" '$[0].responses')"
e2e_expect "5: --json retired" 0 "$(jx "$E2E_TMP/list.json" '$[0].retired')"
e2e_expect "5: --json everywhere" 1 "$(jx "$E2E_TMP/list.json" '$[0].offers.everywhere')"
hub audit --json >"$E2E_TMP/audit.jsonl"
for action in offer withdraw retire unretire; do
  e2e_contains "5: audited: $action" "$E2E_TMP/audit.jsonl" "\"action\":\"$action\",\"actor\":\"admin:"
done
e2e_contains "5: the withdraw entry names the region" "$E2E_TMP/audit.jsonl" \
  "\"action\":\"withdraw\".*\"detail\":\\{\"questionnaire\":\"$QN\",\"region\":\"north\"\\}"
e2e_run "5: offer needs --region or --all" 2 hub offer "$QN"
e2e_run "5: not both" 2 hub offer "$QN" --region north --all
e2e_run "5: a bad region" 2 hub offer "$QN" --region North
e2e_run "5: an unknown questionnaire" 1 hub offer nope --all
e2e_contains "5: it names it" "$E2E_TMP/err" "nope"
e2e_run "5: retire needs an id" 2 hub retire

e2e_enroll "$HUB" "$HUB_DIR" north rogue || e2e_fail "5: enroll a device"
e2e_changeset "$E2E_SITE" \
  "{\"table\":\"questionnaire_offers\",\"id\":\"$QN\",\"hlc\":\"$(e2e_hlc)\",\"site\":\"$E2E_SITE\",\"offer\":{\"target\":\"*\",\"offered\":false,\"retired\":true}}" |
  gzip >"$E2E_TMP/offer.gz"
e2e_expect "5: a device's offer is refused (403)" 403 "$(e2e_sync rogue "$E2E_TOKEN" "$E2E_TMP/offer.gz")"
e2e_contains "5: it says why" "$E2E_TMP/rogue.body" "may not write questionnaire_offers"
expect_listing 5 a lists

for k in a b; do e2e_stop "${AGENT_PID[$k]}" TERM 10 >/dev/null; done
e2e_finish
