#!/usr/bin/env bash
# hub_db: the hub on PostgreSQL through --db and FIELDSYNC_DB: every command
# reaches the database, --data is then not used (nothing is created there),
# a value that is not a PostgreSQL URI is refused without being repeated, and
# the password of the URI never appears in any output, log or --help. Run
# through tests/pg/pg_tmp.sh run (FIELDSYNC_PG_URI: a throwaway server whose
# random password tests can look for).
#
# usage: hub_db.sh FIELDSYNC_HUB
HUB=${1:?usage: hub_db.sh FIELDSYNC_HUB}
URI=${FIELDSYNC_PG_URI:?hub_db: run through tests/pg/pg_tmp.sh run}
unset FIELDSYNC_DB FIELDSYNC_DATA
. "$(dirname "$0")/lib.sh"
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
T=$E2E_TMP
PW=${URI#postgresql://*:}
PW=${PW%%@*}
if [ -z "$PW" ] || [ "$PW" = "$URI" ]; then echo "hub_db: no password in the URI"; exit 1; fi
ALL=$T/all-output # every output of every command, for the password check
: >"$ALL"

run() { e2e_run "$@"; cat "$T/out" "$T/err" >>"$ALL"; }
contains() { e2e_contains "$@"; }

# ---- --help ----
run "--help" 0 "$HUB" --help
contains "--help names --db and FIELDSYNC_DB" "$T/out" 'db URI.*FIELDSYNC_DB'
for cmd in serve enroll devices revoke publish export; do
  run "$cmd --help" 0 "$HUB" "$cmd" --help
  contains "$cmd --help names --db" "$T/out" '--db URI .*PostgreSQL'
done

# ---- refused values ----
run "--db that is not a URI" 2 "$HUB" devices --db "/tmp/hub.db"
contains "... says what --db must be" "$T/err" '--db must be a postgresql:// or postgres:// URI'
run "FIELDSYNC_DB that is not a URI" 2 env FIELDSYNC_DB="host=x password=sekrit-$PW" "$HUB" devices
contains "... names FIELDSYNC_DB" "$T/err" '^fieldsync-hub: FIELDSYNC_DB must be'
if grep -q sekrit "$T/err"; then e2e_fail "... and does not repeat it"; else e2e_pass "... and does not repeat it"; fi
PORT=$(e2e_free_port)
run "a database that does not answer" 1 "$HUB" devices --db "postgresql://fieldsync:$PW@127.0.0.1:$PORT/postgres"
contains "... names host, port and database" "$T/err" "^fieldsync-hub: store: cannot connect to PostgreSQL at 127.0.0.1:$PORT/postgres"
# libpq's own parse errors quote the URI, password and all.
for bad in "postgresql://fieldsync:$PW@[::1/postgres" "postgresql://fieldsync:$PW%zz@127.0.0.1/postgres" \
  "postgresql://fieldsync:$PW@127.0.0.1:$PORT/postgres?bogus=$PW"; do
  run "a malformed URI: ${bad//$PW/PASSWORD}" 1 "$HUB" devices --db "$bad"
done
contains "... says it cannot be parsed" "$T/err" 'URI cannot be parsed'
run "a wrong password" 1 "$HUB" devices --db "postgresql://fieldsync:wrong-$PW@${URI#*@}"
contains "... says authentication failed" "$T/err" 'authentication failed'

psql -qAtX -v ON_ERROR_STOP=1 "$URI" -c 'CREATE SCHEMA other; CREATE TABLE other.payroll (id int)' ||
  e2e_fail "create a database of another application"
run "a database that is not a fieldsync store" 1 "$HUB" devices --db "$URI?options=-csearch_path%3Dother"
contains "... is refused" "$T/err" 'not a fieldsync store'
e2e_expect "... untouched" "payroll" "$(psql -qAtX "$URI" -c "SELECT string_agg(tablename, ',') FROM pg_tables WHERE schemaname = 'other'")"

# ---- every command on the database ----
DATA=$T/unused
run "publish --db" 0 "$HUB" publish --db "$URI" --data "$DATA" "$ROOT/schema/examples/friends-and-family.json"
e2e_expect "--data is not created with --db" no "$([ -e "$DATA" ] && echo yes || echo no)"
export FIELDSYNC_DB=$URI
e2e_hub_start "$HUB" "$DATA" || { e2e_fail "serve on FIELDSYNC_DB"; e2e_finish; exit 1; }
cat "$E2E_HUB_LOG" >>"$ALL"
contains "serve logs the database without its password" "$E2E_HUB_LOG" \
  "listening on http://127.0.0.1:[0-9]+ \(database postgresql://fieldsync@127.0.0.1:[0-9]+/postgres\)"
e2e_enroll "$HUB" "$DATA" north kiosk-n1 || exit 1
N1=$E2E_SITE N1_TOKEN=$E2E_TOKEN
C=$(e2e_uuid)
e2e_changeset "$N1" "$(e2e_contact_change "$N1" north "$C" person_ref '"PG-1"')" 1 | gzip -c >"$T/n1.gz"
e2e_expect "a kiosk syncs with the hub on PostgreSQL" 200 "$(e2e_sync n1 "$N1_TOKEN" "$T/n1.gz")"
run "devices (FIELDSYNC_DB)" 0 "$HUB" devices
contains "... lists the kiosk with its last sync" "$T/out" "^$N1 +kiosk-n1 +north +[0-9-]+ [0-9:]+ [A-Z+0-9-]+ +- +- +- +- +active"
run "export contacts" 0 "$HUB" export contacts --format jsonl
contains "... has the merged contact" "$T/out" "\"id\": ?\"$C\".*PG-1"
run "--db wins over FIELDSYNC_DB" 1 "$HUB" devices --db "postgresql://fieldsync:$PW@127.0.0.1:$PORT/postgres"
run "revoke --db" 0 "$HUB" revoke --db "$URI" "$N1"
e2e_expect "the revoked kiosk is refused" 403 "$(e2e_sync n1b "$N1_TOKEN" "$T/n1.gz")"
e2e_expect "--data is still not created" no "$([ -e "$DATA" ] && echo yes || echo no)"
e2e_hub_stop
cat "$E2E_HUB_LOG" >>"$ALL"

# ---- connections: one per worker thread at most ----
e2e_hub_start "$HUB" "$DATA" --threads 2 || { e2e_fail "serve --threads 2"; e2e_finish; exit 1; }
cat "$E2E_HUB_LOG" >>"$ALL"
e2e_enroll "$HUB" "$DATA" north kiosk-n2 || exit 1
N2=$E2E_SITE N2_TOKEN=$E2E_TOKEN
e2e_changeset "$N2" "$(e2e_contact_change "$N2" north "$(e2e_uuid)" person_ref '"PG-2"')" 1 | gzip -c >"$T/n2.gz"
pids=()
for i in $(seq 1 12); do
  e2e_sync "par$i" "$N2_TOKEN" "$T/n2.gz" >"$T/par$i.status" &
  pids+=($!)
done
wait "${pids[@]}"
e2e_expect "12 syncs in parallel on 2 threads all answered 200" "$(printf "200 %.0s" $(seq 1 12))" "$(for i in $(seq 1 12); do printf "%s " "$(cat "$T/par$i.status")"; done)"
# One connection per worker thread plus the merge writer's (hub/writer.h).
e2e_expect "... over at most 3 connections" yes "$(n=$(psql -qAtX "$URI" -c "SELECT count(*) FROM pg_stat_activity WHERE backend_type = 'client backend' AND pid <> pg_backend_pid()"); [ "$n" -ge 1 ] && [ "$n" -le 3 ] && echo yes || echo "no: $n")"
e2e_hub_stop
cat "$E2E_HUB_LOG" >>"$ALL"

# ---- without a database: the SQLite file, as before ----
unset FIELDSYNC_DB
run "without --db: the SQLite file in --data" 0 "$HUB" devices --data "$T/sqlite"
e2e_expect "... hub.db is created" yes "$([ -f "$T/sqlite/hub.db" ] && echo yes || echo no)"

if grep -qF -- "$PW" "$ALL"; then
  e2e_fail "the password appears in no output or log" "$(grep -F -- "$PW" "$ALL" | head -c 300)"
else
  e2e_pass "the password appears in no output or log"
fi
e2e_finish
