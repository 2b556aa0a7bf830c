#!/usr/bin/env bash
# The kiosk web UI end to end: a hub and three kiosks (A and B of region
# north, C of south), each running `fieldsync-agent run` with its UI on a
# loopback port. Everything a person enters goes through the UI's JSON API
# as the page sends it (Host and Origin of the kiosk's own server, the
# worker cookie); what arrives is read back at the hub and at the other
# kiosks (their UI API and the agent's commands).
#   1. a self-completed response reaches the hub unchanged, mode self, and
#      no other kiosk;
#   2. a worker logs in with a PIN set by `fieldsync-agent worker add`,
#      records a contact and an assisted response; the contact reaches the
#      hub and B (not C); B's update of it through B's UI reaches A and the hub;
#   3. a follow-up due today recorded at A is listed as due at B;
#   4. responses entered while the hub is down are saved and arrive after
#      it restarts;
#   5. a foreign Origin (or Host) is refused and stores nothing.
# usage: system_ui.sh AGENT HUB
AGENT=${1:?usage: system_ui.sh AGENT HUB}
HUB=${2:?usage: system_ui.sh AGENT HUB}
. "$(dirname "$0")/agent_lib.sh"

QN=friends-and-family
WAIT=25 # seconds any one propagation may take (the kiosks sync every 1 s)

# ---- helpers ----

# jkv FILE PATH: an object's members as sorted "key=value" lines, a
# canonical form for comparing answers whatever the key order or escaping.
jkv() {
  sqlite3 :memory: "SELECT key || '=' || quote(value) FROM json_each(readfile('$1'), '$2') ORDER BY key;"
}

# today (local calendar, as the kiosk's follow-up list reads it) +/- N days
day() { date -d "${1:-0} days" +%F; }

hub_responses() { hub export responses --format jsonl; }
hub_has_response() { hub_responses | grep -qF "$1"; }
hub_contact_line() { hub export contacts --region north --format jsonl | grep -F "\"id\":\"$1\""; }
# hub_contact_has ID TEXT: the hub's copy of contact ID contains TEXT
hub_contact_has() { hub_contact_line "$1" | grep -qF "$2"; }
# cli_contact_has KIOSK ID TEXT: `contact list` at KIOSK shows ID with TEXT
cli_contact_has() { ag "$1" contact list --jsonl | grep -F "\"id\":\"$2\"" | grep -qF "$3"; }
# api_has KIOSK PATH TEXT...: GET PATH at KIOSK answers 200 containing every TEXT
api_has() {
  local k=$1 path=$2 t
  shift 2
  [ "$(api poll "$k" GET "$path")" = 200 ] || return 1
  for t in "$@"; do grep -qF -- "$t" "$E2E_TMP/poll.body" || return 1; done
}
# sync_now KIOSK: the worker's "Sync now" (needs the kiosk's worker session)
sync_now() { [ "$(api syncnow "$1" POST /api/worker/sync '{}')" = 202 ]; }
# response_body MARKER [ASSISTED]: a complete friends-and-family response
response_body() {
  printf '{"questionnaire":"%s","version":1,"language":"cy","elapsed_ms":42000,"assisted":%s,"answers":{"overall":"very_good","why":"%s"}}' \
    "$QN" "${2:-false}" "$1"
}

# ---- setup: the hub, three kiosks, their daemons and UIs ----

hub_start || { e2e_fail "hub starts"; e2e_finish; exit 1; }
hub publish "$E2E_EXAMPLES/$QN.json" >/dev/null || e2e_fail "publish $QN"
kiosk_init a north || e2e_fail "init a"
kiosk_init b north || e2e_fail "init b"
kiosk_init c south || e2e_fail "init c"
for k in a b c; do
  if kiosk_run "$k"; then
    e2e_pass "$k: daemon running, UI on 127.0.0.1:${UI_PORT[$k]}"
  else
    e2e_fail "$k: daemon and UI start" "$(tail -3 "$E2E_TMP/$k.log")"
    e2e_finish
    exit 1
  fi
done
for k in a b c; do
  if wait_for $WAIT api_has "$k" /api/kiosk "\"id\":\"$QN\""; then
    e2e_pass "$k: the UI offers $QN after the first sync"
  else
    e2e_fail "$k: the UI offers $QN" "$(head -c 300 "$E2E_TMP/poll.body")"
  fi
done
api_has a /api/kiosk >/dev/null
e2e_expect "a: /api/kiosk names region north" north "$(jx "$E2E_TMP/poll.body" '$.region')"
e2e_expect "a: /api/kiosk names A's site" "$(kiosk_site a)" "$(jx "$E2E_TMP/poll.body" '$.site')"

# ---- 1. a self-completed response ----

M1="self at A $(e2e_uuid), café ☕ \\\"quoted\\\" ünïcödé"
e2e_expect "1: POST /api/responses is 201" 201 "$(api r1 a POST /api/responses "$(response_body "$M1")")"
# The reply: stored, and the person's receipt code (receipt.h), nothing else.
stored_reply() { sed -E 's/"receipt":"[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z*~$=]"/"receipt":"CODE"/' "$1"; }
e2e_expect "1: the reply says stored, with a receipt code, nothing else" '{"stored":true,"receipt":"CODE"}' "$(stored_reply "$E2E_TMP/r1.body")"
# The text as stored: JSON-decoded (\" becomes ").
M1_TEXT=${M1//\\\"/\"}
if wait_for $WAIT hub_has_response "${M1%%,*}"; then
  e2e_pass "1: the response reaches the hub after A syncs"
else
  e2e_fail "1: the response reaches the hub" "$(tail -3 "$E2E_TMP/a.log")"
fi
hub_responses | grep -F "${M1%%,*}" >"$E2E_TMP/r1.hub"
e2e_expect "1: exactly one copy at the hub" 1 "$(wc -l <"$E2E_TMP/r1.hub")"
printf '{"overall":"very_good","why":"%s"}' "$M1" >"$E2E_TMP/r1.sent"
e2e_expect "1: answers identical at the hub" "$(jkv "$E2E_TMP/r1.sent" '$')" \
  "$(jkv "$E2E_TMP/r1.hub" '$.answers')"
e2e_expect "1: the free text survives exactly" "$M1_TEXT" "$(jx "$E2E_TMP/r1.hub" '$.answers.why')"
e2e_expect "1: mode self" self "$(jx "$E2E_TMP/r1.hub" '$.mode')"
e2e_expect "1: no worker" "" "$(jx "$E2E_TMP/r1.hub" '$.worker')"
e2e_expect "1: language cy" cy "$(jx "$E2E_TMP/r1.hub" '$.language')"
e2e_expect "1: site A" "$(kiosk_site a)" "$(jx "$E2E_TMP/r1.hub" '$.site')"
started=$(jx "$E2E_TMP/r1.hub" '$.started_at')
submitted=$(jx "$E2E_TMP/r1.hub" '$.submitted_at')
e2e_expect "1: started_at = submitted_at - elapsed_ms" 42 \
  "$(($(date -d "$submitted" +%s) - $(date -d "$started" +%s)))"
# Acknowledged, so A deleted its copy (docs/design.md, "Retention"; A's
# answers were sealed anyway: only the hub can read them).
R1ID=$(jx "$E2E_TMP/r1.hub" '$.id')
e2e_expect "1: A keeps no copy once the hub has it" 0 "$(ag a responses | grep -cF "\"id\":\"$R1ID\"")"
e2e_expect "1: A cannot show the text" 0 "$(ag a responses | grep -cF "${M1%%,*}")"
for k in b c; do
  n=$(ag "$k" responses | grep -cF "\"id\":\"$R1ID\"")
  e2e_expect "1: the response is not at $k" 0 "$n"
done

# ---- 2. worker mode: login, a contact, an assisted response ----

echo 246813 | ag a worker add sam >/dev/null 2>"$E2E_ERR" || e2e_fail "2: worker add sam at a" "$(cat "$E2E_ERR")"
echo 975319 | ag b worker add kim >/dev/null 2>"$E2E_ERR" || e2e_fail "2: worker add kim at b" "$(cat "$E2E_ERR")"
e2e_expect "2: the PIN is not in workers.json" 0 "$(grep -c 246813 "$E2E_TMP/a/workers.json")"
e2e_expect "2: worker paths locked before login" 401 "$(api w0 a GET /api/worker/contacts)"
e2e_expect "2: wrong PIN refused" 401 "$(api w1 a POST /api/worker/login '{"name":"sam","pin":"246913"}')"
e2e_expect "2: login at A" 200 "$(api w2 a POST /api/worker/login '{"name":"sam","pin":"246813"}')"
e2e_expect "2: logged in as sam" sam "$(jx "$E2E_TMP/w2.body" '$.worker')"
e2e_expect "2: login at B" 200 "$(api w3 b POST /api/worker/login '{"name":"kim","pin":"975319"}')"
A_COOKIE=$(awk '$6 == "fs_worker" { print $7 }' "$E2E_TMP/a.jar")
e2e_expect "2: A's session cookie is set" 64 "${#A_COOKIE}"
e2e_expect "2: A's worker cookie does not open B" 401 \
  "$(e2e_http w4 -H "Origin: http://127.0.0.1:${UI_PORT[b]}" -H "Cookie: fs_worker=$A_COOKIE" \
    "http://127.0.0.1:${UI_PORT[b]}/api/worker/me")"
api w5 b GET /api/worker/me >/dev/null
e2e_expect "2: B still in worker mode for kim" kim "$(jx "$E2E_TMP/w5.body" '$.worker')"

REF="P$(e2e_uuid | cut -c1-8)"
e2e_expect "2: contact created at A (201)" 201 "$(api c1 a POST /api/worker/contacts \
  "{\"person_ref\":\"$REF\",\"contact_at\":\"$(date -u +%FT%H:%M:%SZ)\",\"channel\":\"in_person\",\"duration_min\":15,\"topics\":[\"housing\"],\"notes\":\"first visit, café\"}")"
CID=$(jx "$E2E_TMP/c1.body" '$.contact.id')
e2e_expect "2: the contact records the worker" sam "$(jx "$E2E_TMP/c1.body" '$.contact.worker')"
e2e_expect "2: the contact is open" open "$(jx "$E2E_TMP/c1.body" '$.contact.status')"
e2e_expect "2: the contact is in A's region" north "$(jx "$E2E_TMP/c1.body" '$.contact.region')"

M2="assisted at A $(e2e_uuid)"
e2e_expect "2: assisted response stored (201)" 201 \
  "$(api r2 a POST /api/responses "$(response_body "$M2" true)")"
e2e_expect "2: assisted without worker mode refused (401)" 401 \
  "$(api r2x c POST /api/responses "$(response_body "assisted at C" true)")"

if wait_for $WAIT hub_contact_has "$CID" "$REF"; then
  e2e_pass "2: the contact reaches the hub"
else
  e2e_fail "2: the contact reaches the hub" "$(tail -3 "$E2E_TMP/a.log")"
fi
hub_contact_line "$CID" >"$E2E_TMP/c1.hub"
e2e_expect "2: the hub's contact: worker sam" sam "$(jx "$E2E_TMP/c1.hub" '$.worker')"
e2e_expect "2: the hub's contact: notes" "first visit, café" "$(jx "$E2E_TMP/c1.hub" '$.notes')"
e2e_expect "2: the hub's contact: region north" north "$(jx "$E2E_TMP/c1.hub" '$.region')"

if wait_for $WAIT hub_has_response "$M2"; then
  e2e_pass "2: the assisted response reaches the hub"
else
  e2e_fail "2: the assisted response reaches the hub"
fi
hub_responses | grep -F "$M2" >"$E2E_TMP/r2.hub"
e2e_expect "2: mode assisted" assisted "$(jx "$E2E_TMP/r2.hub" '$.mode')"
e2e_expect "2: the worker is recorded" sam "$(jx "$E2E_TMP/r2.hub" '$.worker')"

sync_now b || e2e_fail "2: sync now at B (202)"
if wait_for $WAIT api_has b /api/worker/contacts "\"id\":\"$CID\"" "$REF"; then
  e2e_pass "2: B's UI lists the contact"
else
  e2e_fail "2: B's UI lists the contact" "$(head -c 300 "$E2E_TMP/poll.body")"
fi
if wait_for 5 cli_contact_has b "$CID" "$REF"; then
  e2e_pass "2: \`contact list\` at B shows the contact"
else
  e2e_fail "2: \`contact list\` at B shows the contact"
fi
# C has synced since (it syncs every second): give it two more rounds.
c_syncs() { grep -c 'sync ok' "$E2E_TMP/c.log"; }
c_synced_since() { [ "$(c_syncs)" -ge "$1" ]; }
wait_for 10 c_synced_since $(($(c_syncs) + 2)) || e2e_fail "2: C keeps syncing"
e2e_expect "2: the contact is not at C (contact list)" 0 \
  "$(ag c contact list --all --jsonl | grep -cF -e "$CID" -e "$REF")"
e2e_expect "2: not in C's store at all" 0 \
  "$(sqlite3 -readonly "$E2E_TMP/c/kiosk.db" "SELECT count(*) FROM contacts WHERE id = '$CID';")"
R2ID=$(hub_responses | grep -F "$M2" | sed 's/.*"id":"\([^"]*\)".*/\1/')
e2e_expect "2: the responses are not at B" 0 "$(ag b responses | grep -cF -e "\"id\":\"${R2ID:-none}\"" -e "\"id\":\"$R1ID\"")"

# B updates the contact through its UI.
e2e_expect "2: update at B (200)" 200 \
  "$(api u1 b PUT "/api/worker/contacts/$CID" '{"notes":"updated at B","duration_min":40,"support":"listening"}')"
e2e_expect "2: the update is B's reply" "updated at B" "$(jx "$E2E_TMP/u1.body" '$.contact.notes')"
e2e_expect "2: an update keeps the creator's worker" sam "$(jx "$E2E_TMP/u1.body" '$.contact.worker')"
sync_now a || e2e_fail "2: sync now at A (202)"
if wait_for $WAIT api_has a "/api/worker/contacts/$CID" "updated at B" '"duration_min":40'; then
  e2e_pass "2: B's update reaches A (A's UI)"
else
  e2e_fail "2: B's update reaches A" "$(head -c 300 "$E2E_TMP/poll.body")"
fi
if wait_for 5 cli_contact_has a "$CID" "updated at B"; then
  e2e_pass "2: B's update reaches A (\`contact list\`)"
else
  e2e_fail "2: B's update reaches A (\`contact list\`)"
fi
if wait_for $WAIT hub_contact_has "$CID" "updated at B"; then
  e2e_pass "2: B's update reaches the hub"
else
  e2e_fail "2: B's update reaches the hub"
fi
hub_contact_line "$CID" >"$E2E_TMP/u1.hub"
e2e_expect "2: the hub's duration is B's" 40 "$(jx "$E2E_TMP/u1.hub" '$.duration_min')"
e2e_expect "2: the hub's support is B's" listening "$(jx "$E2E_TMP/u1.hub" '$.support')"
e2e_expect "2: the hub keeps A's topics" '["housing"]' "$(jx "$E2E_TMP/u1.hub" '$.topics')"
e2e_expect "2: the hub keeps A's person_ref" "$REF" "$(jx "$E2E_TMP/u1.hub" '$.person_ref')"
# Settled: the region's contacts are the same at A, B and the hub.
settled() {
  hub export contacts --region north --format jsonl >"$E2E_TMP/north.hub"
  ag a contact list --jsonl | cmp -s - "$E2E_TMP/north.hub" &&
    ag b contact list --jsonl | cmp -s - "$E2E_TMP/north.hub"
}
if wait_for $WAIT settled; then
  e2e_pass "2: A, B and the hub hold the same north contacts"
else
  e2e_fail "2: A, B and the hub hold the same north contacts"
fi
e2e_expect "2: no conflict recorded" 0 "$(hub export conflicts --format jsonl | wc -l)"

# ---- 3. follow-ups due today, region-wide ----

fu() { # NAME REF DATE: a contact with a follow-up at A; prints its id
  api "$1" a POST /api/worker/contacts \
    "{\"person_ref\":\"$2\",\"contact_at\":\"$(date -u +%FT%H:%M:%SZ)\",\"channel\":\"phone\",\"follow_up_date\":\"$3\"}" >/dev/null
  jx "$E2E_TMP/$1.body" '$.contact.id'
}
F_TODAY=$(fu f1 "FUTODAY" "$(day 0)")
F_LATE=$(fu f2 "FULATE" "$(day -3)")
F_LATER=$(fu f3 "FULATER" "$(day 2)")
[ -n "$F_TODAY" ] && [ -n "$F_LATE" ] && [ -n "$F_LATER" ] &&
  e2e_pass "3: three follow-up contacts created at A" ||
  e2e_fail "3: follow-up contacts created at A" "$(cat "$E2E_TMP/f1.body")"
sync_now b
if wait_for $WAIT api_has b /api/worker/followups "\"id\":\"$F_TODAY\"" "\"id\":\"$F_LATE\""; then
  e2e_pass "3: B's follow-ups due list the ones due today and overdue at A"
else
  e2e_fail "3: B's follow-ups due" "$(head -c 400 "$E2E_TMP/poll.body")"
fi
cp "$E2E_TMP/poll.body" "$E2E_TMP/fu.b"
e2e_expect "3: B's today is the local date" "$(day 0)" "$(jx "$E2E_TMP/fu.b" '$.today')"
e2e_expect "3: not the one due later" 0 "$(grep -cF "$F_LATER" "$E2E_TMP/fu.b")"
e2e_expect "3: overdue first" "$F_LATE" "$(jx "$E2E_TMP/fu.b" '$.due[0].id')"
e2e_expect "3: today's is not overdue" 0 \
  "$(sqlite3 :memory: "SELECT json_extract(value, '\$.overdue') FROM json_each(readfile('$E2E_TMP/fu.b'), '\$.due') WHERE json_extract(value, '\$.id') = '$F_TODAY';")"
e2e_expect "3: the overdue one is marked" 1 \
  "$(sqlite3 :memory: "SELECT json_extract(value, '\$.overdue') FROM json_each(readfile('$E2E_TMP/fu.b'), '\$.due') WHERE json_extract(value, '\$.id') = '$F_LATE';")"
# Done at B: gone from A's list.
api fd b PUT "/api/worker/contacts/$F_TODAY" '{"follow_up_done":true}' >/dev/null
sync_now a
gone_at_a() { api_has a /api/worker/followups "\"id\":\"$F_LATE\"" && ! grep -qF "$F_TODAY" "$E2E_TMP/poll.body"; }
if wait_for $WAIT gone_at_a; then
  e2e_pass "3: marked done at B, no longer due at A"
else
  e2e_fail "3: marked done at B, no longer due at A" "$(head -c 400 "$E2E_TMP/poll.body")"
fi

# ---- 4. offline: the hub is stopped ----

hub_stop
api st0 a GET /api/worker/status >/dev/null
pending0=$(jx "$E2E_TMP/st0.body" '$.pending')
OFF=()
ok=1
before_off=$(ag a responses | wc -l)
for i in 1 2 3; do
  OFF+=("offline $i at A $(e2e_uuid)")
  [ "$(api off$i a POST /api/responses "$(response_body "${OFF[-1]}")")" = 201 ] || ok=0
  [ "$(stored_reply "$E2E_TMP/off$i.body")" = '{"stored":true,"receipt":"CODE"}' ] || ok=0
done
[ $ok = 1 ] && e2e_pass "4: three responses saved while the hub is down" ||
  e2e_fail "4: responses saved while the hub is down" "$(cat "$E2E_TMP/off1.body")"
# Sealed at A: counted there, their text checked at the hub below.
e2e_expect "4: all three are in A's store" $((before_off + 3)) "$(ag a responses | wc -l)"
unreachable() {
  sync_now a
  api st1 a GET /api/worker/status >/dev/null
  [ "$(jx "$E2E_TMP/st1.body" '$.hub_reachable')" = 0 ]
}
if wait_for $WAIT unreachable; then
  e2e_pass "4: A's status says the hub is unreachable"
else
  e2e_fail "4: A's status says the hub is unreachable" "$(cat "$E2E_TMP/st1.body")"
fi
e2e_expect "4: three more changes pending" $((pending0 + 3)) "$(jx "$E2E_TMP/st1.body" '$.pending')"
n=0
for m in "${OFF[@]}"; do hub_has_response "$m" && n=$((n + 1)); done
e2e_expect "4: none at the hub yet" 0 "$n"

hub_start || e2e_fail "4: the hub restarts"
all_arrived() {
  local m
  hub_responses >"$E2E_TMP/hub-now"
  for m in "${OFF[@]}"; do grep -qF "$m" "$E2E_TMP/hub-now" || return 1; done
}
if wait_for $WAIT all_arrived; then
  e2e_pass "4: after the restart all three arrive"
else
  e2e_fail "4: after the restart all three arrive" "$(tail -3 "$E2E_TMP/a.log")"
fi
n=0
for m in "${OFF[@]}"; do n=$((n + $(grep -cF "$m" "$E2E_TMP/hub-now"))); done
e2e_expect "4: each exactly once" 3 "$n"
nothing_pending() {
  api st2 a GET /api/worker/status >/dev/null
  [ "$(jx "$E2E_TMP/st2.body" '$.pending')" = 0 ] && [ "$(jx "$E2E_TMP/st2.body" '$.hub_reachable')" = 1 ]
}
if wait_for $WAIT nothing_pending; then
  e2e_pass "4: A's status: nothing pending, hub reachable"
else
  e2e_fail "4: A's status: nothing pending, hub reachable" "$(cat "$E2E_TMP/st2.body")"
fi

# ---- 5. foreign Origin and Host ----

# Counted, not listed: A deletes what the hub acknowledged (retention).
a_count() { ag a status --json | tr -d ' \n' | sed -n 's/.*"responses":\([0-9]*\).*/\1/p'; }
before_a=$(a_count)
before_hub=$(hub_responses | wc -l)
M5="foreign $(e2e_uuid)"
e2e_expect "5: POST with a foreign Origin is 403" 403 \
  "$(ORIGIN="http://evil.example" api x1 a POST /api/responses "$(response_body "$M5")")"
e2e_expect "5: the refusal is a JSON error" forbidden "$(jx "$E2E_TMP/x1.body" '$.error')"
e2e_expect "5: B's page may not post to A (Origin of B's UI)" 403 \
  "$(ORIGIN="http://127.0.0.1:${UI_PORT[b]}" api x2 a POST /api/responses "$(response_body "$M5")")"
e2e_expect "5: Origin null is 403" 403 \
  "$(ORIGIN=null api x2n a POST /api/responses "$(response_body "$M5")")"
e2e_expect "5: Origin with another scheme is 403" 403 \
  "$(ORIGIN="https://127.0.0.1:${UI_PORT[a]}" api x3 a POST /api/responses "$(response_body "$M5")")"
e2e_expect "5: Sec-Fetch-Site cross-site is 403" 403 \
  "$(FETCH_SITE="cross-site" api x4 a POST /api/responses "$(response_body "$M5")")"
e2e_expect "5: a POST without Origin is 403" 403 \
  "$(e2e_http x5 -X POST -H 'Content-Type: application/json' --data-binary "$(response_body "$M5")" \
    "http://127.0.0.1:${UI_PORT[a]}/api/responses")"
e2e_expect "5: a rebound Host name is 403" 403 \
  "$(api x6 a POST /api/responses "$(response_body "$M5")" -H 'Host: kiosk.evil.example')"
e2e_expect "5: a foreign Origin may not edit a contact, even with the cookie" 403 \
  "$(ORIGIN="http://evil.example" api x7 a PUT "/api/worker/contacts/$CID" '{"notes":"evil"}')"
e2e_expect "5: nor create one" 403 \
  "$(ORIGIN="http://evil.example" api x8 a POST /api/worker/contacts "{\"person_ref\":\"EVIL-1\",\"contact_at\":\"2026-01-05T10:00:00Z\",\"channel\":\"phone\"}")"
e2e_expect "5: nor read the contacts" 403 \
  "$(ORIGIN="http://evil.example" api x9 a GET /api/worker/contacts '')"
e2e_expect "5: nor ask for a sync" 403 \
  "$(ORIGIN="http://evil.example" api x10 a POST /api/worker/sync '{}')"
e2e_expect "5: the same request from the page itself works" 201 \
  "$(api x11 a POST /api/responses "$(response_body "own page $(e2e_uuid)")")"
e2e_expect "5: A stored only the page's response" $((before_a + 1)) "$(a_count)"
e2e_expect "5: nothing foreign at A" 0 "$(ag a responses | grep -cF "$M5")"
e2e_expect "5: the contact was not edited" 0 "$(ag a contact list --all --jsonl | grep -cF -e evil -e EVIL-1)"
sync_now a
hub_holds() { [ "$(hub_responses | wc -l)" -ge "$1" ]; }
wait_for $WAIT hub_holds $((before_hub + 1))
e2e_expect "5: the hub got only the page's response" $((before_hub + 1)) "$(hub_responses | wc -l)"
e2e_expect "5: nothing foreign at the hub" 0 "$(hub_responses | grep -cF "$M5")"

# ---- the end: every daemon stops cleanly ----

for k in a b c; do
  e2e_stop "${AGENT_PID[$k]}" TERM 15
  e2e_expect "$k: SIGTERM stops the daemon with exit 0" 0 "$?"
done
for k in a b c; do
  grep -q 'sync failed (local error)\|refused by the hub\|credentials rejected' "$E2E_TMP/$k.log" &&
    e2e_fail "$k: no sync refused or failing locally" "$(grep -m1 'sync failed' "$E2E_TMP/$k.log")"
done
e2e_finish
