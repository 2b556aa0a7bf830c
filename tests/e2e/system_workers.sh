#!/usr/bin/env bash
# The region's outreach workers end to end, real processes: a hub and two
# kiosks (A of region north, C of south) running `fieldsync-agent run` with
# their UIs on loopback ports.
#   1. `fieldsync-hub worker add sam --region north` (PIN on stdin): after
#      A syncs, sam is in A's name list and logs in at A's UI API; C never
#      gets sam (C has synced past it: it has south's ola) and refuses the PIN;
#   2. the contact sam records is sam's: the API sets it and refuses another
#      name sent by a page, on create and on update;
#   3. a local workers.json entry of the same name is ignored (the hub wins);
#   4. `worker add` again resets the PIN: the old one stops working;
#   5. `fieldsync-hub worker remove`: after A syncs, sam's open session is
#      ended at its next request and the PIN is refused;
#   6. a kiosk that sends a worker row in its change set is refused (403)
#      and nothing is stored;
#   7. the CLI: no PIN on the command line, 6..12 digits, list, --json, audit.
# usage: system_workers.sh AGENT HUB
AGENT=${1:?usage: system_workers.sh AGENT HUB}
HUB=${2:?usage: system_workers.sh AGENT HUB}
. "$(dirname "$0")/agent_lib.sh"

WAIT=25 # seconds any one propagation may take (the kiosks sync every 1 s)

# names_have KIOSK NAME: the kiosk's name list (GET /api/worker/names) has NAME
names_have() { [ "$(api names "$1" GET /api/worker/names)" = 200 ] && grep -qF "\"$2\"" "$E2E_TMP/names.body"; }
names_lack() { [ "$(api names "$1" GET /api/worker/names)" = 200 ] && ! grep -qF "\"$2\"" "$E2E_TMP/names.body"; }
login() { api "$1" "$2" POST /api/worker/login "{\"name\":\"$3\",\"pin\":\"$4\"}"; }

hub_start || { e2e_fail "hub starts"; e2e_finish; exit 1; }
kiosk_init a north || e2e_fail "init a"
kiosk_init c south || e2e_fail "init c"
for k in a c; do
  kiosk_run "$k" || { e2e_fail "$k: daemon and UI start" "$(tail -3 "$E2E_TMP/$k.log")"; e2e_finish; exit 1; }
done

# ---- 1. added at the hub, reaching its region only ----

e2e_expect "1: before: sam cannot log in at A" 401 "$(login l0 a sam 246813)"
check "1: worker add sam --region north (PIN on stdin)" \
  sh -c "echo 246813 | \"\$0\" worker --data \"\$1\" add sam --region north" "$HUB" "$HUB_DIR"
check "1: worker add ola --region south" \
  sh -c "echo 135792 | \"\$0\" worker --data \"\$1\" add ola --region south" "$HUB" "$HUB_DIR"
if wait_for $WAIT names_have a sam; then e2e_pass "1: A lists sam after its sync"; else
  e2e_fail "1: A lists sam" "$(cat "$E2E_TMP/names.body")"; fi
e2e_expect "1: sam logs in at A" 200 "$(login l1 a sam 246813)"
e2e_expect "1: as sam" sam "$(jx "$E2E_TMP/l1.body" '$.worker')"
e2e_expect "1: a hub worker is never asked to change a short PIN" 0 \
  "$(jx "$E2E_TMP/l1.body" '$.pin_change_required')"
if wait_for $WAIT names_have c ola; then e2e_pass "1: C has south's ola (synced past sam)"; else
  e2e_fail "1: C lists ola" "$(cat "$E2E_TMP/names.body")"; fi
names_lack c sam && e2e_pass "1: C never lists north's sam" || e2e_fail "1: C never lists sam"
e2e_expect "1: sam cannot log in at C" 401 "$(login l2 c sam 246813)"
names_lack a ola && e2e_pass "1: A never lists south's ola" || e2e_fail "1: A never lists ola"
e2e_expect "1: no hash in A's name list" 0 "$(grep -c argon2 "$E2E_TMP/names.body")"

# ---- 2. the contact's worker is the one logged in ----

NOW=$(date -u +%FT%H:%M:%SZ)
e2e_expect "2: a page cannot record a contact as someone else (422)" 422 \
  "$(api c0 a POST /api/worker/contacts "{\"person_ref\":\"PX1\",\"contact_at\":\"$NOW\",\"channel\":\"phone\",\"worker\":\"mallory\"}")"
e2e_expect "2: contact created (201)" 201 \
  "$(api c1 a POST /api/worker/contacts "{\"person_ref\":\"PX1\",\"contact_at\":\"$NOW\",\"channel\":\"phone\"}")"
CID=$(jx "$E2E_TMP/c1.body" '$.contact.id')
e2e_expect "2: recorded as sam" sam "$(jx "$E2E_TMP/c1.body" '$.contact.worker')"
e2e_expect "2: an update cannot change the worker (422)" 422 \
  "$(api c2 a PUT "/api/worker/contacts/$CID" '{"worker":"mallory","notes":"x"}')"
e2e_expect "2: an update without one keeps sam (200)" 200 \
  "$(api c3 a PUT "/api/worker/contacts/$CID" '{"notes":"second visit"}')"
e2e_expect "2: still sam" sam "$(jx "$E2E_TMP/c3.body" '$.contact.worker')"
e2e_expect "2: change PIN at the kiosk is refused for a hub worker (409)" 409 \
  "$(api p1 a POST /api/worker/pin '{"current":"246813","new":"111222"}')"

# ---- 3. a local entry of the same name is ignored ----

check "3: a local sam with another PIN at A" sh -c "echo 999888 | \"\$0\" worker add sam --data \"\$1\"" \
  "$AGENT" "$E2E_TMP/a"
e2e_expect "3: the local PIN does not open the hub's sam" 401 "$(login l3 a sam 999888)"
e2e_expect "3: sam's session goes on" 200 "$(api me3 a GET /api/worker/me)"

# ---- 4. a new PIN at the hub ----

check "4: worker add sam again resets the PIN" \
  sh -c "echo 864213 | \"\$0\" worker --data \"\$1\" add sam --region north" "$HUB" "$HUB_DIR"
grep -q 'PIN reset' "$E2E_OUT" && e2e_pass "4: says PIN reset" || e2e_fail "4: says PIN reset" "$(cat "$E2E_OUT")"
old_refused() { [ "$(api me4 a GET /api/worker/me)" = 401 ]; }
if wait_for $WAIT old_refused; then e2e_pass "4: the open session ends once A has the new PIN"; else
  e2e_fail "4: the session ends after a PIN reset"; fi
e2e_expect "4: the old PIN is refused" 401 "$(login l4 a sam 246813)"
e2e_expect "4: the new PIN works" 200 "$(login l5 a sam 864213)"

# ---- 5. removed at the hub ----

e2e_expect "5: sam in worker mode" 200 "$(api me5 a GET /api/worker/me)"
check "5: worker remove sam --region north" "$HUB" worker --data "$HUB_DIR" remove sam --region north
if wait_for $WAIT names_lack a sam; then e2e_pass "5: A no longer lists sam"; else
  e2e_fail "5: A drops sam" "$(cat "$E2E_TMP/names.body")"; fi
e2e_expect "5: sam's open session ends at its next request" 401 "$(api me6 a GET /api/worker/contacts)"
e2e_expect "5: sam's PIN is refused" 401 "$(login l6 a sam 864213)"
e2e_expect "5: the local entry of that name does not bring sam back" 401 "$(login l7 a sam 999888)"
expect_exit 1 "5: removing again fails" "$HUB" worker --data "$HUB_DIR" remove sam --region north

# ---- 6. a kiosk may not send a worker row ----

SITE=$(kiosk_site a)
TOKEN=$(cat "$E2E_TMP/a/token")
HASH='$argon2id$v=19$m=65536,t=2,p=1$c2FsdHNhbHRzYWx0c2FsdA$0000000000000000000000000000000000000000000'
CHANGE=$(printf '{"table":"workers","id":"mallory","hlc":"%s","site":"%s","region":"north","worker":{"pin_hash":"%s"}}' \
  "$(e2e_hlc)" "$SITE" "$HASH")
e2e_changeset "$SITE" "$CHANGE" | gzip >"$E2E_TMP/forged.gz"
E2E_HUB_URL=$HUB_URL
code=$(e2e_sync forged "$TOKEN" "$E2E_TMP/forged.gz")
if [ "$code" = 422 ]; then
  # A hash that does not verify as Argon2id is refused before authorization;
  # a real one is needed to reach the 403.
  HASH=$(grep -o '"hash": *"[^"]*"' "$E2E_TMP/a/workers.json" | head -1 | sed 's/.*: *"\(.*\)"/\1/')
  CHANGE=$(printf '{"table":"workers","id":"mallory","hlc":"%s","site":"%s","region":"north","worker":{"pin_hash":"%s"}}' \
    "$(e2e_hlc)" "$SITE" "$HASH")
  e2e_changeset "$SITE" "$CHANGE" | gzip >"$E2E_TMP/forged.gz"
  code=$(e2e_sync forged "$TOKEN" "$E2E_TMP/forged.gz")
fi
e2e_expect "6: a kiosk's worker row is refused" 403 "$code"
grep -q 'may not write workers' "$E2E_TMP/forged.body" && e2e_pass "6: the refusal says why" ||
  e2e_fail "6: the refusal says why" "$(cat "$E2E_TMP/forged.body")"
hub worker list --json >"$E2E_OUT"
e2e_expect "6: nothing stored at the hub" 0 "$(grep -c mallory "$E2E_OUT")"

# ---- 7. the CLI ----

expect_exit 1 "7: a 5-digit PIN is refused" sh -c "echo 12345 | \"\$0\" worker --data \"\$1\" add kim --region north" "$HUB" "$HUB_DIR"
expect_exit 2 "7: add needs --region" sh -c "echo 123456 | \"\$0\" worker --data \"\$1\" add kim" "$HUB" "$HUB_DIR"
expect_exit 2 "7: a PIN cannot be given as an argument" "$HUB" worker --data "$HUB_DIR" add kim 123456 --region north
expect_exit 2 "7: a bad region is refused" "$HUB" worker --data "$HUB_DIR" list --region North
hub worker list >"$E2E_OUT"
e2e_expect "7: list shows the live workers only" "ola" "$(awk 'NR > 1 { print $2 }' "$E2E_OUT" | tr '\n' ' ' | sed 's/ $//')"
hub worker list --region south --json >"$E2E_OUT"
e2e_expect "7: --json" ola "$(jx "$E2E_OUT" '$[0].name')"
hub audit >"$E2E_OUT"
e2e_expect "7: audited: 2 worker_add" 2 "$(grep -c ' worker_add ' "$E2E_OUT")"
e2e_expect "7: audited: 1 worker_pin_reset" 1 "$(grep -c ' worker_pin_reset ' "$E2E_OUT")"
e2e_expect "7: audited: 1 worker_remove" 1 "$(grep -c ' worker_remove ' "$E2E_OUT")"
e2e_expect "7: no PIN in the audit trail" 0 "$(grep -c -e 246813 -e 864213 "$E2E_OUT")"

e2e_finish
