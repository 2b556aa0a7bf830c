#!/usr/bin/env bash
# Retention end to end (real hub, real agent over loopback;
# docs/design.md, "Retention"):
#  - a kiosk's responses stay while the hub has not acknowledged them (a
#    sync that fails purges nothing) and are deleted after the sync that
#    does: `responses` no longer lists them, `status` still counts them, and
#    no byte of their answers is left in kiosk.db, -wal or -shm (grep -a);
#  - with agent.json "closed_contact_days": 0 a closed contact is purged
#    after the next sync, an open one stays; a bad value is refused with a
#    clear error;
#  - `fieldsync-hub retention` shows the defaults, --set stores periods
#    (shown again by a new process), bad settings are refused (exit 2);
#    `fieldsync-hub purge` runs; `serve` applies the periods at start (a
#    contact closed two days ago, by a kiosk whose clock is two days behind,
#    with contacts=1: erased at the hub and, by its erasure, at the kiosk).
# The periods with a clock moved forward are tests/retention_test.c.
# usage: system_retention.sh AGENT HUB
AGENT=${1:?usage: system_retention.sh AGENT HUB}
HUB=${2:?usage: system_retention.sh AGENT HUB}
. "$(dirname "$0")/agent_lib.sh"

Q=friends-and-family

kiosk_files_hold() { # kiosk text: does any file of its store hold text?
  local f
  for f in "$E2E_TMP/$1/kiosk.db" "$E2E_TMP/$1/kiosk.db-wal" "$E2E_TMP/$1/kiosk.db-shm"; do
    [ -f "$f" ] && grep -aq "$2" "$f" && return 0
  done
  return 1
}
status_field() { # kiosk field: the number in `status --json`
  ag "$1" status --json | tr -d ' \n' | sed -n "s/.*\"$2\":\([0-9]*\).*/\1/p"
}

hub_start || { e2e_fail "hub starts"; e2e_finish; exit 1; }
hub publish "$E2E_EXAMPLES/$Q.json" >/dev/null || e2e_fail "publish"
kiosk_init a north || e2e_fail "init"
check "a: first sync" ag a sync

# ---- responses ----
answers_json "$E2E_TMP/ans1.json" "ZQRETAINE2EONE fine"
answers_json "$E2E_TMP/ans2.json" "ZQRETAINE2ETWO fine"
r1=$(ag a respond --questionnaire $Q --answers "$E2E_TMP/ans1.json") || e2e_fail "respond"
# The answers are sealed (never in clear at the kiosk): the search looks
# for the response's id, which the row holds in clear.
kiosk_files_hold a "$r1" && e2e_pass "the search finds a held response" ||
  e2e_fail "the search finds a held response"
kiosk_files_hold a ZQRETAINE2EONE && e2e_fail "the answers are sealed at the kiosk" ||
  e2e_pass "the answers are sealed at the kiosk"
hub_stop
expect_exit 3 "a: sync fails, the hub is down" ag a sync
ag a responses >"$E2E_TMP/list1"
grep -q "$r1" "$E2E_TMP/list1" && e2e_pass "a failed sync purges nothing" ||
  e2e_fail "a failed sync purges nothing"
hub_start || e2e_fail "hub restarts"
check "a: sync" ag a sync
ag a responses >"$E2E_TMP/list2"
grep -q "$r1" "$E2E_TMP/list2" && e2e_fail "the acknowledged response is gone from the kiosk" ||
  e2e_pass "the acknowledged response is gone from the kiosk"
hub export responses --questionnaire $Q --format jsonl | grep -q ZQRETAINE2EONE &&
  e2e_pass "the hub holds it" || e2e_fail "the hub holds it"
kiosk_files_hold a "$r1" && e2e_fail "no byte of it in kiosk.db, -wal, -shm" ||
  e2e_pass "no byte of it in kiosk.db, -wal, -shm"
e2e_expect "status still counts it" 1 "$(status_field a responses)"
hub_stop
r2=$(ag a respond --questionnaire $Q --answers "$E2E_TMP/ans2.json") || e2e_fail "respond offline"
expect_exit 3 "a: sync fails again" ag a sync
ag a responses | grep -q "$r2" && e2e_pass "an unacknowledged response stays" ||
  e2e_fail "an unacknowledged response stays"
e2e_expect "status counts both" 2 "$(status_field a responses)"
e2e_expect "status: one pending" 1 "$(status_field a pending)"
hub_start || e2e_fail "hub restarts"
check "a: sync" ag a sync
e2e_expect "status: both counted after the purge" 2 "$(status_field a responses)"
e2e_expect "status: nothing pending" 0 "$(status_field a pending)"
kiosk_files_hold a "$r2" && e2e_fail "the second is gone from the files too" ||
  e2e_pass "the second is gone from the files too"

# ---- contacts ----
contact_json "$E2E_TMP/c1.json" ZQCLOSEDREF "ZQCLOSEDE2E notes"
contact_json "$E2E_TMP/c2.json" ZQOPENREF "ZQOPENE2E notes"
closed=$(ag a contact add "$E2E_TMP/c1.json") && open=$(ag a contact add "$E2E_TMP/c2.json") ||
  e2e_fail "contact add"
printf '{"status": "closed"}\n' >"$E2E_TMP/close.json"
check "close one" ag a contact update "$closed" "$E2E_TMP/close.json"
check "a: sync" ag a sync
check "closed within the default 30 days: kept" ag a contact show "$closed"
cp "$E2E_TMP/a/agent.json" "$E2E_TMP/agent.json.orig"
sed -i 's/^{$/{\n  "closed_contact_days": -1,/' "$E2E_TMP/a/agent.json"
expect_exit 1 "closed_contact_days -1 is refused" ag a status
grep -q 'closed_contact_days.*whole number of days from 0 to 36500' "$E2E_ERR" &&
  e2e_pass "with a clear error" || e2e_fail "with a clear error" "$(cat "$E2E_ERR")"
sed -i 's/"closed_contact_days": -1/"closed_contact_days": "ten"/' "$E2E_TMP/a/agent.json"
expect_exit 1 "closed_contact_days \"ten\" is refused" ag a status
sed -i 's/"closed_contact_days": "ten"/"closed_contact_days": 0/' "$E2E_TMP/a/agent.json"
sleep 0.1
check "a: sync (window 0)" ag a sync
expect_exit 1 "the closed contact is purged" ag a contact show "$closed"
check "the open one stays" ag a contact show "$open"
kiosk_files_hold a ZQOPENE2E && e2e_pass "the search finds the open one's notes" ||
  e2e_fail "the search finds the open one's notes"
kiosk_files_hold a ZQCLOSEDE2E && e2e_fail "no byte of the closed contact's notes left" ||
  e2e_pass "no byte of the closed contact's notes left"
hub export contacts --format jsonl | grep -q ZQCLOSEDE2E &&
  e2e_pass "the hub keeps it (only the kiosk's copy went)" ||
  e2e_fail "the hub keeps it (only the kiosk's copy went)"

# ---- serve applies the periods at start: a contact closed two days ago
# (kiosk b's clock two days behind) is erased everywhere ----
kiosk_init b north || e2e_fail "init b"
contact_json "$E2E_TMP/c3.json" ZQAGEDREF "ZQAGEDE2E notes"
aged=$(FIELDSYNC_TEST_CLOCK_SKEW_MS=-172800000 ag b contact add "$E2E_TMP/c3.json") &&
  FIELDSYNC_TEST_CLOCK_SKEW_MS=-172800000 ag b contact update "$aged" "$E2E_TMP/close.json" \
    >/dev/null || e2e_fail "b: an aged closed contact"
check "b: sync" ag b sync
check "the hub holds it" hub export contacts --format jsonl
grep -q ZQAGEDE2E "$E2E_OUT" || e2e_fail "the hub holds it (content)"
check "contacts kept 1 day" hub retention --set contacts=1
hub_stop
hub_start || e2e_fail "hub restarts"
for i in $(seq 1 100); do # the purge runs just after the server starts
  grep -q 'retention: purged' "$E2E_HUB_LOG" && break
  sleep 0.1
done
grep -q 'retention: purged 0 response(s), 1 contact(s) erased' "$E2E_HUB_LOG" &&
  e2e_pass "serve erases it at start, and says so" ||
  e2e_fail "serve erases it at start, and says so" "$(tail -3 "$E2E_HUB_LOG")"
hub export contacts --format jsonl | grep -q ZQAGEDE2E &&
  e2e_fail "the hub no longer holds it" || e2e_pass "the hub no longer holds it"
check "b: sync" ag b sync
expect_exit 1 "b no longer holds it (the erasure reached it)" ag b contact show "$aged"
hub erasures >"$E2E_TMP/erasures.txt"
grep -q retention "$E2E_TMP/erasures.txt" && e2e_pass "erasures lists it, kind retention" ||
  e2e_fail "erasures lists it, kind retention" "$(cat "$E2E_TMP/erasures.txt")"
check "contacts back to 365" hub retention --set contacts=365

# ---- the hub's periods ----
check "retention shows the defaults" hub retention
grep -q '^responses *730 days$' "$E2E_OUT" && grep -q '^contacts *365 days$' "$E2E_OUT" &&
  grep -q '^conflicts *90 days$' "$E2E_OUT" && grep -q '^quarantine *30 days$' "$E2E_OUT" &&
  grep -q '^audit *2190 days$' "$E2E_OUT" && e2e_pass "the five defaults" ||
  e2e_fail "the five defaults" "$(cat "$E2E_OUT")"
check "retention --set" hub retention --set responses=400 --set audit=0
check "retention again" hub retention
grep -q '^responses *400 days$' "$E2E_OUT" && grep -q '^audit *forever$' "$E2E_OUT" &&
  e2e_pass "the periods round-trip" || e2e_fail "the periods round-trip" "$(cat "$E2E_OUT")"
expect_exit 2 "negative days refused" hub retention --set responses=-1
grep -q "must not be negative" "$E2E_ERR" && e2e_pass "saying so" || e2e_fail "saying so" "$(cat "$E2E_ERR")"
expect_exit 2 "unknown table refused" hub retention --set answers=10
grep -q 'unknown table "answers"' "$E2E_ERR" && e2e_pass "naming it" || e2e_fail "naming it" "$(cat "$E2E_ERR")"
expect_exit 2 "a non-number refused" hub retention --set conflicts=10d
expect_exit 2 "TABLE=DAYS required" hub retention --set conflicts
expect_exit 2 "purge takes no --set" hub purge --set conflicts=1
check "a refused --set stored nothing" hub retention
grep -q '^conflicts *90 days$' "$E2E_OUT" && e2e_pass "conflicts still 90" ||
  e2e_fail "conflicts still 90" "$(cat "$E2E_OUT")"
check "purge" hub purge
grep -q '^purged: 0 response(s), 0 contact(s) erased, 0 conflict(s), 0 quarantined change(s), 0 audit entries, 0 contact request(s) erased$' \
  "$E2E_OUT" && e2e_pass "nothing is past its period" || e2e_fail "nothing is past its period" "$(cat "$E2E_OUT")"
check "audit" hub audit --json
grep -q '"action":"retention_set","actor":"admin:[^"]*","at":"[^"]*","at_ms":[0-9]*,"detail":{"audit":0,"responses":400}' \
  "$E2E_OUT" && e2e_pass "a change of periods is audited with its tables and days" ||
  e2e_fail "a change of periods is audited with its tables and days" "$(grep retention "$E2E_OUT")"
e2e_expect "a refused --set is not audited" 3 "$(grep -c '"action":"retention_set"' "$E2E_OUT")"
grep -q '"action":"retention_purge"' "$E2E_OUT" && e2e_pass "the purge that erased a contact is audited" ||
  e2e_fail "the purge that erased a contact is audited"
hub_stop
hub_start || e2e_fail "hub restarts"
sleep 0.5
hub_stop
grep -q 'retention' "$E2E_HUB_LOG" && e2e_fail "serve logs no purge when nothing went" ||
  e2e_pass "serve logs no purge when nothing went"
e2e_finish
