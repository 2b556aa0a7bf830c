#!/usr/bin/env bash
# fieldsync-hub backup and restore: kiosks save and sync in a loop while
# backup runs several times against the running hub; every sync succeeds,
# and every copy is a whole hub store (integrity check, mode 0600) whose
# digest lines are those 'digest' prints of it. A backup restored into a
# new data directory is served, and the kiosks sync on with it. Refused:
# an existing file or store, a store in use, a truncated or damaged file, an
# SQLite file that is not a fieldsync hub store, a newer schema, a wrong
# digest, a backup directory others may read. With FIELDSYNC_DB (through
# tests/pg/pg_tmp.sh) the hub's store is on PostgreSQL: the backup is then
# a snapshot copied into a SQLite file, restored into an empty database.
# usage: hub_backup.sh AGENT HUB
AGENT=${1:?usage: hub_backup.sh AGENT HUB}
HUB=${2:?usage: hub_backup.sh AGENT HUB}
HUB_BIN=$(readlink -f "$HUB") # the real binary, for the backup files
. "$(dirname "$0")/agent_lib.sh"

respond() {
  answers_json "$E2E_TMP/a-$1.json" "$1 answer $2"
  ag "$1" respond --questionnaire friends-and-family --answers "$E2E_TMP/a-$1.json" >/dev/null
}
# "in sync: sent N, received M ..." of one sync of kiosk $1, as "N M".
sync_counts() {
  ag "$1" sync | sed -n 's/^in sync: sent \([0-9]*\), received \([0-9]*\) .*/\1 \2/p'
}
# The digest lines of the SQLite hub store file $1 (a backup), read by the
# real binary from a directory of its own.
file_digest() {
  local d=$E2E_TMP/digest-of-$(basename "$1")
  rm -rf "$d" && mkdir -m 700 "$d" && cp "$1" "$d/hub.db" && chmod 600 "$d/hub.db" &&
    env -u FIELDSYNC_DB "$HUB_BIN" digest --data "$d"
}
sha() { sha256sum "$1" | cut -d' ' -f1; }

# ---- a hub and three kiosks ----
hub_start || { e2e_fail "hub starts"; e2e_finish; exit 1; }
hub publish "$E2E_EXAMPLES/friends-and-family.json" >/dev/null || e2e_fail "publish"
for k in n1 n2 s1; do
  case $k in n*) r=north ;; *) r=south ;; esac
  kiosk_init "$k" "$r" || e2e_fail "init $k"
  sync_until_clean "$k" || e2e_fail "first sync $k"
done
contact_json "$E2E_TMP/c.json" N10001 "seen by n1"
ag n1 contact add "$E2E_TMP/c.json" >/dev/null || e2e_fail "contact"

# ---- backups while the kiosks save and sync ----
# Each loop saves a response and syncs until told to stop; any failure is
# written down.
sync_loop() {
  local k=$1 i=0
  while [ ! -e "$E2E_TMP/stop" ]; do
    i=$((i + 1))
    respond "$k" "loop $i" || echo "$k: respond $i failed" >>"$E2E_TMP/failures"
    ag "$k" sync >/dev/null 2>>"$E2E_TMP/loop-$k.err" || echo "$k: sync $i failed" >>"$E2E_TMP/failures"
  done
  echo "$i" >"$E2E_TMP/rounds-$k"
}
: >"$E2E_TMP/failures"
sync_loop n1 &
loop1=$!
sync_loop s1 &
loop2=$!
mkdir -m 700 "$E2E_TMP/backups"
B=$E2E_TMP/backups
sleep 1
ok=1 same=1 modes=1
for b in 1 2 3 4 5; do
  if ! hub backup --to "$B/b$b.db" >"$B/b$b.out" 2>"$B/b$b.err"; then
    ok=0
    echo "backup $b: $(cat "$B/b$b.err")" >&2
    continue
  fi
  [ "$(stat -c %a "$B/b$b.db")" = 600 ] || modes=0
  [ "$(sqlite3 -readonly "$B/b$b.db" 'PRAGMA integrity_check')" = ok ] || ok=0
  # The lines printed are those digest prints of the file.
  sed 1d "$B/b$b.out" >"$B/b$b.lines"
  file_digest "$B/b$b.db" >"$B/b$b.digest" && cmp -s "$B/b$b.lines" "$B/b$b.digest" || {
    same=0
    diff "$B/b$b.lines" "$B/b$b.digest" | head -4 >&2
  }
  sleep 0.5
done
: >"$E2E_TMP/stop"
wait "$loop1" "$loop2"
[ $ok = 1 ] && e2e_pass "5 backups while kiosks sync, each passing its integrity check" ||
  e2e_fail "backups during syncs"
[ $same = 1 ] && e2e_pass "each backup's digest lines are those digest prints of the copy" ||
  e2e_fail "backup digests"
[ $modes = 1 ] && e2e_pass "each backup file is 0600" || e2e_fail "backup modes"
e2e_expect "no save or sync failed during the backups" "" "$(cat "$E2E_TMP/failures")"
r1=$(cat "$E2E_TMP/rounds-n1") r2=$(cat "$E2E_TMP/rounds-s1")
[ "$r1" -ge 3 ] && [ "$r2" -ge 3 ] && e2e_pass "the kiosks synced meanwhile ($r1 and $r2 rounds)" ||
  e2e_fail "too few sync rounds during the backups" "$r1 $r2"
grep -q '^backed up .* to .*/b1.db: integrity ok$' "$B/b1.out" && e2e_pass "backup says what it did" ||
  e2e_fail "backup output" "$(head -2 "$B/b1.out")"
# The copies are of different moments: later ones hold more responses.
first=$(awk '$1 == "responses" {print $2}' "$B/b1.lines")
last=$(awk '$1 == "responses" {print $2}' "$B/b5.lines")
[ -n "$first" ] && [ "$last" -gt "$first" ] && e2e_pass "later backups hold more responses ($first, $last)" ||
  e2e_fail "backup moments" "$first $last"
hub audit >"$E2E_TMP/audit"
e2e_expect "each backup is in the live store's audit trail" 5 "$(grep -c ' backup ' "$E2E_TMP/audit")"
e2e_expect "a copy holds the earlier backups' entries, not its own" "0 4" \
  "$(sqlite3 -readonly "$B/b1.db" "SELECT count(*) FROM audit_log WHERE action = 'backup'") $(
    sqlite3 -readonly "$B/b5.db" "SELECT count(*) FROM audit_log WHERE action = 'backup'")"
e2e_expect "a backup is one file: no -wal beside it" "" "$(ls "$B" | grep -e '-wal$' -e '-shm$' -e '\.tmp-')"

# ---- backup refusals ----
expect_exit 1 "a backup onto an existing file is refused" hub backup --to "$B/b1.db"
grep -q 'exists; pass --force' "$E2E_ERR" && e2e_pass "and says so" || e2e_fail "exists message" "$(cat "$E2E_ERR")"
e2e_expect "the existing file is untouched" "$(cat "$B/b1.digest")" "$(file_digest "$B/b1.db")"
mkdir -m 777 "$E2E_TMP/open"
expect_exit 1 "a backup into a directory others may list is refused" hub backup --to "$E2E_TMP/open/b.db"
e2e_expect "and nothing is left there" "" "$(ls -A "$E2E_TMP/open")"
expect_exit 2 "backup without --to is a usage error" hub backup
if ! e2e_pg; then
  expect_exit 1 "a backup into the data directory is refused, even with --force" \
    hub backup --to "$HUB_DIR/hub.db-wal" --force
  grep -q 'is the data directory' "$E2E_ERR" && e2e_pass "and says so" || e2e_fail "data dir message" "$(cat "$E2E_ERR")"
fi
e2e_pg || expect_exit 1 "a backup of a missing store fails" "$HUB" backup --data "$E2E_TMP/none" --to "$B/none.db"

# ---- the last backup, everything synced, then the hub is lost ----
for k in n1 n2 s1; do sync_until_clean "$k" || e2e_fail "sync $k"; done
for k in n1 n2 s1; do e2e_expect "$k in sync before the last backup" "0 0" "$(sync_counts "$k")"; done
check "backup --force replaces a file" hub backup --to "$B/b1.db" --force
sed 1d "$E2E_OUT" >"$B/final.lines"
final_digest=$(sed -n 's/^digest //p' "$B/final.lines")
cp -p "$B/b1.db" "$B/final.db"
before=$(sha "$B/final.db")
responses=$(awk '$1 == "responses" {print $2}' "$B/final.lines")

# ---- restore refusals ----
R=$E2E_TMP/restored
if e2e_pg; then
  expect_exit 1 "a restore into the running hub's database is refused" \
    hub restore --from "$B/final.db"
  grep -q 'not empty' "$E2E_ERR" && e2e_pass "and says so" || e2e_fail "not-empty message" "$(cat "$E2E_ERR")"
  expect_exit 2 "--force is refused for a database" hub restore --from "$B/final.db" --force
else
  expect_exit 1 "a restore over the running hub's store is refused, even with --force" \
    hub restore --from "$B/final.db" --force
  grep -q 'open in another process' "$E2E_ERR" && e2e_pass "and says so" ||
    e2e_fail "in-use message" "$(cat "$E2E_ERR")"
  e2e_expect "the running hub's data directory holds no restore leftovers" "" \
    "$(ls "$HUB_DIR" | grep -e restore -e replaced)"
fi
head -c 8192 "$B/final.db" >"$B/truncated.db"
cp "$B/final.db" "$B/damaged.db"
# Pages 3 to 10 overwritten with noise.
head -c 32768 /dev/urandom | dd of="$B/damaged.db" bs=4096 seek=2 conv=notrunc status=none
sqlite3 "$B/other.db" "CREATE TABLE t (a); INSERT INTO t VALUES (1);"
cp "$B/final.db" "$B/newer.db"
sqlite3 "$B/newer.db" "PRAGMA user_version = 999"
cp "$B/final.db" "$B/newer-hub.db"
sqlite3 "$B/newer-hub.db" "UPDATE meta SET value = '999' WHERE key = 'hub_schema'"
chmod 600 "$B"/*.db
for bad in truncated damaged other newer newer-hub; do
  expect_exit 1 "restore of a $bad file is refused" "$HUB" restore --from "$B/$bad.db" --data "$R-$bad"
  echo "    ($(cat "$E2E_ERR"))"
  e2e_expect "and no store is made of it" "" "$(ls "$R-$bad" 2>/dev/null | grep -v '^$')"
done
expect_exit 1 "restore of a newer schema says why" "$HUB" restore --from "$B/newer.db" --data "$R-newer"
grep -q 'newer fieldsync' "$E2E_ERR" && e2e_pass "a newer schema is named" || e2e_fail "newer message" "$(cat "$E2E_ERR")"
expect_exit 1 "restore of a non-fieldsync SQLite file says why" "$HUB" restore --from "$B/other.db" --data "$R-other"
grep -q 'not a fieldsync store' "$E2E_ERR" && e2e_pass "a foreign file is named" || e2e_fail "other message" "$(cat "$E2E_ERR")"
expect_exit 1 "restore of a kiosk's store is refused" "$HUB" restore --from "$E2E_TMP/n2/kiosk.db" --data "$R-kiosk"
grep -q 'not a hub store' "$E2E_ERR" && e2e_pass "and says so" || e2e_fail "kiosk message" "$(cat "$E2E_ERR")"
expect_exit 1 "restore with another digest is refused" \
  "$HUB" restore --from "$B/final.db" --digest 0123456789abcdef --data "$R-digest"
expect_exit 2 "a malformed --digest is a usage error" \
  "$HUB" restore --from "$B/final.db" --digest xyz --data "$R-digest"
expect_exit 1 "restore of a missing file fails" "$HUB" restore --from "$B/none.db" --data "$R-none"
e2e_expect "the backup file was never changed" "$before" "$(sha "$B/final.db")"
hub_stop

# ---- restore into a new data directory, serve it, the kiosks sync on ----
check "restore into a new data directory" "$HUB" restore --from "$B/final.db" --digest "$final_digest" --data "$R"
grep -q "^restored .*final.db to .*: integrity ok$" "$E2E_OUT" && e2e_pass "restore says what it did" ||
  e2e_fail "restore output" "$(head -2 "$E2E_OUT")"
e2e_expect "the restored store has the backup's digest" "$final_digest" "$(sed -n 's/^digest //p' "$E2E_OUT")"
e2e_expect "and every table as it was, but the restore's audit entry" \
  "$(grep -v '^audit ' "$B/final.lines")" "$(sed 1d "$E2E_OUT" | grep -v '^audit ')"
e2e_expect "the backup file was not changed by the restore" "$before" "$(sha "$B/final.db")"
e2e_pg || e2e_expect "the restored store is 0600" 600 "$(stat -c %a "$R/hub.db")"
e2e_hub_start "$HUB" "$R" --listen "$HUB_LISTEN" || e2e_fail "the hub starts on the restored store"
for k in n1 n2 s1; do e2e_expect "$k: nothing to send or receive again" "0 0" "$(sync_counts "$k")"; done
respond n1 after && respond s1 after || e2e_fail "respond after the restore"
e2e_expect "n1 sends its new response" "1 0" "$(sync_counts n1)"
e2e_expect "s1 sends its new response" "1 0" "$(sync_counts s1)"
e2e_expect "the restored hub holds every response once" $((responses + 2)) \
  "$("$HUB" export responses --data "$R" --format jsonl | wc -l)"
"$HUB" audit --data "$R" >"$E2E_TMP/audit.restored"
e2e_expect "the restore is in the restored store's audit trail" 1 "$(grep -c ' restore ' "$E2E_TMP/audit.restored")"
if ! e2e_pg; then
  expect_exit 1 "a restore over the serving restored store is refused" \
    "$HUB" restore --from "$B/final.db" --data "$R" --force
fi
e2e_hub_stop
if e2e_pg; then
  expect_exit 1 "a restore into a store that is not empty is refused" "$HUB" restore --from "$B/final.db" --data "$R"
else
  expect_exit 1 "a restore over an existing store is refused without --force" \
    "$HUB" restore --from "$B/final.db" --data "$R"
  grep -q 'exists; pass --force' "$E2E_ERR" && e2e_pass "and says so" || e2e_fail "exists message" "$(cat "$E2E_ERR")"
  old=$(sha "$R/hub.db")
  check "with --force it is replaced" "$HUB" restore --from "$B/final.db" --data "$R" --force
  aside=$(sed -n 's/^the store it replaced is kept as //p' "$E2E_OUT")
  [ -n "$aside" ] && [ "$(sha "$aside")" = "$old" ] && e2e_pass "and the replaced store is kept beside it" ||
    e2e_fail "the replaced store" "$aside"
  e2e_expect "the replaced store is 0600" 600 "$(stat -c %a "$aside")"
  e2e_expect "the store is the backup's again" "$responses" \
    "$("$HUB" export responses --data "$R" --format jsonl | wc -l)"
fi

# ---- an older backup: the change counter ----
# The kiosks have pulled changes numbered up to the last hub's counter. A
# hub restored from an early backup (b2) numbers its new changes from that
# backup's counter: without --raise-counter a contact n1 adds now is
# numbered below n2's cursor and n2 never receives it; with it, n2 does.
new_contact() { # KIOSK PERSON_REF DATA: add a contact at KIOSK, serve DATA, sync both
  contact_json "$E2E_TMP/c-$2.json" "$2" "added after the restore"
  ag "$1" contact add "$E2E_TMP/c-$2.json" >/dev/null || e2e_fail "contact $2"
  e2e_hub_start "$HUB" "$3" --listen "$HUB_LISTEN" || e2e_fail "the hub starts on $3"
  sync_until_clean "$1" && sync_until_clean n2 || e2e_fail "syncs with $3"
  e2e_hub_stop
}
expect_exit 2 "--raise-counter 0 is a usage error" "$HUB" restore --from "$B/b2.db" --raise-counter 0 --data "$R-zero"
check "restore of an early backup, counter as it was" "$HUB" restore --from "$B/b2.db" --data "$R-old"
seq_old=$(sed -n 's/^seq //p' "$E2E_OUT")
new_contact n1 N20001 "$R-old"
e2e_expect "without --raise-counter n2 misses n1's new contact" 0 \
  "$(ag n2 contact list --jsonl | grep -c N20001)"
check "restore of an early backup with --raise-counter" \
  "$HUB" restore --from "$B/b2.db" --raise-counter 1000000 --data "$R-raised"
e2e_expect "the counter is raised by that much" $((seq_old + 1000000)) "$(sed -n 's/^seq //p' "$E2E_OUT")"
e2e_expect "the digest is the backup's" "$(sed -n 's/^digest //p' "$B/b2.lines")" "$(sed -n 's/^digest //p' "$E2E_OUT")"
"$HUB" audit --data "$R-raised" | grep -q ' restore .*"counter_raised_by":1000000' &&
  e2e_pass "the raise is in the restore's audit entry" || e2e_fail "raise audit entry"
new_contact n1 N20002 "$R-raised"
e2e_expect "with it n2 receives n1's new contact" 1 "$(ag n2 contact list --jsonl | grep -c N20002)"
e2e_finish
