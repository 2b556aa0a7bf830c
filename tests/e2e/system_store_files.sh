#!/usr/bin/env bash
# The stores' files: a write-ahead log deleted under a running hub is
# noticed before the next acknowledgement (503 unavailable, logged, nothing
# acknowledged, so after a crash the kiosk still has and resends every
# response); a file that exists but is not a store (empty, foreign) is
# refused with a clear message and left as it was; a store or data directory
# others may read is refused unless FIELDSYNC_ALLOW_OPEN_PERMISSIONS=1.
# usage: system_store_files.sh AGENT HUB
AGENT=${1:?usage: system_store_files.sh AGENT HUB}
HUB=${2:?usage: system_store_files.sh AGENT HUB}
. "$(dirname "$0")/agent_lib.sh"

Q=friends-and-family
respond_n() { # kiosk count tag
  local i
  for ((i = 0; i < $2; i++)); do
    answers_json "$E2E_TMP/a.json" "$3 $i"
    ag "$1" respond --questionnaire $Q --answers "$E2E_TMP/a.json" >/dev/null || return 1
  done
}
hub_count() { hub export responses --questionnaire $Q --format jsonl | grep -c '"id"'; }

# ---- the hub's log deleted under it ----
hub_start || { e2e_fail "hub starts"; e2e_finish; exit 1; }
hub publish "$E2E_EXAMPLES/$Q.json" >/dev/null || e2e_fail "publish"
kiosk_init k north || e2e_fail "kiosk init"
check "kiosk syncs" ag k sync
respond_n k 5 before || e2e_fail "respond before"
check "5 responses synced" ag k sync
e2e_expect "hub has 5" 5 "$(hub_count)"
# What is committed before the deletion is in the main file (as after any
# checkpoint); only the log goes.
sqlite3 "$HUB_DIR/hub.db" 'PRAGMA wal_checkpoint(TRUNCATE);' >/dev/null
rm -f "$HUB_DIR/hub.db-wal"
respond_n k 7 after || e2e_fail "respond after"
expect_exit 4 "sync after the log is deleted is refused" ag k sync
grep -q 'unavailable' "$E2E_ERR" && e2e_pass "the agent is told: unavailable" ||
  e2e_fail "the agent is told: unavailable" "$(head -c 300 "$E2E_ERR")"
grep -q 'store not durable' "$E2E_HUB_LOG" && e2e_pass "the hub logs it" ||
  e2e_fail "the hub logs it" "$(tail -n 3 "$E2E_HUB_LOG")"
e2e_expect "health answers 503" 503 "$(curl -s -o /dev/null -w '%{http_code}' "$HUB_URL/health")"
ag k status --json >"$E2E_TMP/status.json" 2>/dev/null
grep -q '"pending": *7' "$E2E_TMP/status.json" && e2e_pass "the kiosk still has 7 pending" ||
  e2e_fail "the kiosk still has 7 pending" "$(head -c 300 "$E2E_TMP/status.json")"
hub_kill
hub_start || e2e_fail "hub restarts"
check "after restart the kiosk resends" sync_until_clean k
e2e_expect "hub has all 12 responses" 12 "$(hub_count)"
hub_stop

# ---- files that are not stores ----
mkdir -m 700 "$E2E_TMP/empty"
: >"$E2E_TMP/empty/hub.db"
chmod 600 "$E2E_TMP/empty/hub.db"
expect_exit 1 "hub refuses an empty hub.db" "$HUB" devices --data "$E2E_TMP/empty"
grep -q 'is empty' "$E2E_ERR" && e2e_pass "it says the file is empty" ||
  e2e_fail "it says the file is empty" "$(head -c 300 "$E2E_ERR")"
e2e_expect "the empty file is left alone" 0 "$(stat -c %s "$E2E_TMP/empty/hub.db")"
cp "$E2E_TMP/k/kiosk.db" "$E2E_TMP/kiosk.db.saved"
: >"$E2E_TMP/k/kiosk.db"
rm -f "$E2E_TMP/k/kiosk.db-wal" "$E2E_TMP/k/kiosk.db-shm"
expect_exit 1 "agent refuses an empty kiosk.db" ag k status
grep -q 'is empty' "$E2E_ERR" && e2e_pass "the agent says the file is empty" ||
  e2e_fail "the agent says the file is empty" "$(head -c 300 "$E2E_ERR")"
cp "$E2E_TMP/kiosk.db.saved" "$E2E_TMP/k/kiosk.db"
chmod 600 "$E2E_TMP/k/kiosk.db"

# ---- permissions ----
check "hub opens its private store" hub devices
chmod 644 "$HUB_DIR/hub.db"
expect_exit 1 "hub refuses a world-readable hub.db" hub devices
grep -q 'chmod 600' "$E2E_ERR" && e2e_pass "it says how to fix it" ||
  e2e_fail "it says how to fix it" "$(head -c 300 "$E2E_ERR")"
FIELDSYNC_ALLOW_OPEN_PERMISSIONS=1 hub devices >"$E2E_OUT" 2>"$E2E_ERR" &&
  grep -q 'warning: FIELDSYNC_ALLOW_OPEN_PERMISSIONS' "$E2E_ERR" &&
  e2e_pass "the override opens it, with a warning" ||
  e2e_fail "the override opens it, with a warning" "$(head -c 300 "$E2E_ERR")"
chmod 600 "$HUB_DIR/hub.db"
chmod 755 "$E2E_TMP/k"
expect_exit 1 "agent refuses a world-listable data directory" ag k status
grep -q 'chmod 700' "$E2E_ERR" && e2e_pass "it says how to fix the directory" ||
  e2e_fail "it says how to fix the directory" "$(head -c 300 "$E2E_ERR")"
chmod 700 "$E2E_TMP/k"
check "agent opens it again" ag k status
e2e_finish
