#!/usr/bin/env bash
# fieldsync-hub migrate: a SQLite hub with three enrolled kiosks that synced
# is stopped, copied into PostgreSQL and started there (--db); the same
# kiosks sync on with their tokens and cursors: nothing is sent or received
# again, new responses and contact changes arrive exactly once. digest
# prints the same lines for both stores. A target that is not empty and a
# source another process is writing are refused.
# usage: hub_migrate.sh AGENT HUB   (FIELDSYNC_PG_URI: a PostgreSQL server's
#                                    maintenance database, tests/pg/pg_tmp.sh)
AGENT=${1:?usage: hub_migrate.sh AGENT HUB}
HUB=${2:?usage: hub_migrate.sh AGENT HUB}
PG=${FIELDSYNC_PG_URI:?hub_migrate.sh: FIELDSYNC_PG_URI not set (run through tests/pg/pg_tmp.sh)}
unset FIELDSYNC_DB # the SQLite hub first
. "$(dirname "$0")/agent_lib.sh"

# A schema of the server as a store location.
schema_uri() {
  psql -qAtX -v ON_ERROR_STOP=1 "$PG" -c "CREATE SCHEMA $1" >/dev/null || return 1
  printf '%s?options=-csearch_path%%3D%s' "$PG" "$1"
}
# "in sync: sent N, received M ..." of one sync of kiosk $1, as "N M".
sync_counts() {
  ag "$1" sync | sed -n 's/^in sync: sent \([0-9]*\), received \([0-9]*\) .*/\1 \2/p'
}
respond() {
  answers_json "$E2E_TMP/a.json" "$1 answer $2"
  ag "$1" respond --questionnaire friends-and-family --answers "$E2E_TMP/a.json" >/dev/null
}

# ---- a SQLite hub, kiosks in two regions, everything synced ----
hub_start || { e2e_fail "hub starts"; e2e_finish; exit 1; }
hub publish "$E2E_EXAMPLES/friends-and-family.json" >/dev/null || e2e_fail "publish"
for k in n1 n2 s1; do
  case $k in n*) r=north ;; *) r=south ;; esac
  kiosk_init "$k" "$r" || e2e_fail "init $k"
  sync_until_clean "$k" || e2e_fail "first sync $k"
done
ok=1
for i in 1 2 3; do respond n1 "$i" || ok=0; respond s1 "$i" || ok=0; done
contact_json "$E2E_TMP/c.json" N10001 "seen by n1"
ag n1 contact add "$E2E_TMP/c.json" >"$E2E_TMP/n1.contact" || ok=0
[ $ok = 1 ] && e2e_pass "6 responses and a contact recorded" || e2e_fail "records"
for round in 1 2; do for k in n1 s1 n2; do sync_until_clean "$k" || e2e_fail "sync $k"; done; done
for k in n1 n2 s1; do
  e2e_expect "$k in sync before the move" "0 0" "$(sync_counts "$k")"
done
hub revoke "$(kiosk_site s1)" >/dev/null || e2e_fail "revoke s1"
hub_stop

# ---- digest ----
check "digest of the SQLite store" hub digest
cp "$E2E_OUT" "$E2E_TMP/digest.sqlite"
grep -q '^digest [0-9a-f]\{16\}$' "$E2E_TMP/digest.sqlite" && grep -q '^responses  *6 ' "$E2E_TMP/digest.sqlite" &&
  grep -q '^devices  *3 ' "$E2E_TMP/digest.sqlite" && e2e_pass "digest prints the digest and counts" ||
  e2e_fail "digest output" "$(head -c 400 "$E2E_TMP/digest.sqlite")"
expect_exit 1 "digest of a missing store fails" "$HUB" digest --data "$E2E_TMP/nowhere"
expect_exit 2 "digest --db of a non-URI is a usage error" "$HUB" digest --db /tmp/x

# ---- refusals ----
expect_exit 2 "migrate without --to is a usage error" "$HUB" migrate --from "$HUB_DIR/hub.db"
expect_exit 1 "migrate of a kiosk's store is refused" \
  "$HUB" migrate --from "$E2E_TMP/n1/kiosk.db" --to "$E2E_TMP/copy.db"
grep -q 'not a hub store' "$E2E_ERR" && e2e_pass "and says so" || e2e_fail "kiosk message" "$(cat "$E2E_ERR")"
e2e_expect "the kiosk's store gets no hub tables" 0 \
  "$(sqlite3 -readonly "$E2E_TMP/n1/kiosk.db" "SELECT count(*) FROM sqlite_master WHERE name = 'devices'")"
expect_exit 1 "migrate of a missing file fails" "$HUB" migrate --from "$E2E_TMP/none.db" --to "$E2E_TMP/copy.db"
check "migrate into a new SQLite file" "$HUB" migrate --from "$HUB_DIR/hub.db" --to "$E2E_TMP/copy.db"
sed 1d "$E2E_OUT" >"$E2E_TMP/digest.copy"
cmp -s "$E2E_TMP/digest.sqlite" "$E2E_TMP/digest.copy" && e2e_pass "the SQLite copy prints the same digest" ||
  e2e_fail "SQLite copy digest" "$(diff "$E2E_TMP/digest.sqlite" "$E2E_TMP/digest.copy" | head -4)"
expect_exit 1 "migrate onto an existing file is refused" \
  "$HUB" migrate --from "$HUB_DIR/hub.db" --to "$E2E_TMP/copy.db"
busy=$(schema_uri busy) || e2e_fail "schema busy"
# Another process holds the source's write lock: refused after the wait.
mkfifo "$E2E_TMP/lock.in"
sqlite3 "$HUB_DIR/hub.db" <"$E2E_TMP/lock.in" >/dev/null 2>&1 &
lock_pid=$!
exec 8>"$E2E_TMP/lock.in"
echo "BEGIN IMMEDIATE; INSERT INTO meta (key, value) VALUES ('x', 'y');" >&8
sleep 0.5
expect_exit 1 "migrate while another process writes the source is refused" \
  "$HUB" migrate --from "$HUB_DIR/hub.db" --to "$busy"
grep -q 'being written by another process' "$E2E_ERR" && e2e_pass "and says so" ||
  e2e_fail "busy message" "$(cat "$E2E_ERR")"
echo "ROLLBACK;" >&8
exec 8>&-
wait "$lock_pid"
e2e_expect "the refused target is left as it was" 0 \
  "$(psql -qAtX "$PG" -c "SELECT count(*) FROM pg_tables WHERE schemaname = 'busy'")"

# ---- the move ----
uri=$(schema_uri moved) || e2e_fail "schema moved"
check "migrate into PostgreSQL" "$HUB" migrate --from "$HUB_DIR/hub.db" --to "$uri"
grep -q '^migrated .* to database postgresql://fieldsync@127.0.0.1:[0-9]*/postgres: verified$' "$E2E_OUT" &&
  e2e_pass "migrate says what it verified, no password" || e2e_fail "migrate output" "$(head -3 "$E2E_OUT")"
grep -q "$(printf '%s' "$PG" | sed 's/.*:\([^@]*\)@.*/\1/')" "$E2E_OUT" "$E2E_ERR" &&
  e2e_fail "the password is printed"
sed 1d "$E2E_OUT" >"$E2E_TMP/digest.migrate"
check "digest of the PostgreSQL store" "$HUB" digest --db "$uri"
# The copy's audit trail holds one entry more: the migrate itself.
grep -v '^audit ' "$E2E_OUT" >"$E2E_TMP/digest.pg"
audit_rows() { awk '$1 == "audit" {print $2}' "$1"; }
e2e_expect "the copy's audit trail has the migrate's entry" $(($(audit_rows "$E2E_TMP/digest.sqlite") + 1)) \
  "$(audit_rows "$E2E_OUT")"
grep -v '^audit ' "$E2E_TMP/digest.sqlite" >"$E2E_TMP/digest.sqlite.rest"
cmp -s "$E2E_TMP/digest.sqlite.rest" "$E2E_TMP/digest.pg" && cmp -s "$E2E_TMP/digest.sqlite" "$E2E_TMP/digest.migrate" &&
  e2e_pass "digest, counts and every table's hash equal on both stores" ||
  e2e_fail "digests differ" "$(diff "$E2E_TMP/digest.sqlite.rest" "$E2E_TMP/digest.pg" | head -6)"
expect_exit 1 "migrate into a store that is not empty is refused" \
  "$HUB" migrate --from "$HUB_DIR/hub.db" --to "$uri"
grep -q 'not empty' "$E2E_ERR" && e2e_pass "and says so" || e2e_fail "not-empty message" "$(cat "$E2E_ERR")"

# ---- the hub on PostgreSQL: the same kiosks sync on ----
e2e_hub_start "$HUB" "$HUB_DIR" --listen "$HUB_LISTEN" --db "$uri" || e2e_fail "hub starts on PostgreSQL"
for k in n1 n2; do
  e2e_expect "$k: nothing sent or received again" "0 0" "$(sync_counts "$k")"
done
expect_exit 5 "s1 is still revoked" ag s1 sync
respond n1 4 && respond n1 5 || e2e_fail "respond after the move"
printf '{"follow_up_date": "2026-12-04"}' >"$E2E_TMP/u.json"
ag n1 contact update "$(cat "$E2E_TMP/n1.contact")" "$E2E_TMP/u.json" >/dev/null || e2e_fail "update"
e2e_expect "n1 sends its 2 new responses and 1 contact change, once" "3 0" "$(sync_counts n1)"
e2e_expect "n2 receives the contact change, once" "0 1" "$(sync_counts n2)"
e2e_expect "then both are in sync" "0 0 0 0" "$(sync_counts n1) $(sync_counts n2)"
"$HUB" export responses --db "$uri" --format jsonl | sort >"$E2E_TMP/hub-responses"
e2e_expect "8 responses at the hub" 8 "$(wc -l <"$E2E_TMP/hub-responses")"
dups=$(sed 's/.*"id":"\([^"]*\)".*/\1/' "$E2E_TMP/hub-responses" | sort | uniq -d | wc -l)
e2e_expect "no response twice" 0 "$dups"
"$HUB" devices --db "$uri" >"$E2E_TMP/devices" || e2e_fail "devices"
e2e_expect "three devices, one revoked" 3 "$(grep -c -e north -e south "$E2E_TMP/devices")"
e2e_hub_stop
e2e_finish
