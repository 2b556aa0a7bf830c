#!/usr/bin/env bash
# Replicated erasure end to end (real hub, real agents over loopback): two
# kiosks of a region hold a contact with a distinctive person_ref and notes;
# kiosk B is offline with an unsent edit of the notes; `fieldsync-hub erase
# --contact` removes it at the hub; A syncs and confirms; B syncs later (its
# stale edit is dropped, the erasure applied); `fieldsync-hub erasures`
# shows A then B confirmed; a kiosk enrolled afterwards never receives it;
# `erase --person-ref` erases every contact of a person at once; a response
# is erased by id. Then no store file, write-ahead log, shared-memory file
# or export on any replica contains any erased string (grep -a), and the
# hub's log and the commands' output never show the person_ref. On
# PostgreSQL: no query finds them, and the tables' data files
# (pg_relation_filepath) do not contain them after the scrub; what pg_wal
# still holds is printed, not failed (docs/design.md, "Erasure").
# usage: system_erase.sh AGENT HUB
AGENT=${1:?usage: system_erase.sh AGENT HUB}
HUB=${2:?usage: system_erase.sh AGENT HUB}
. "$(dirname "$0")/agent_lib.sh"

Q=friends-and-family
ERASED="ZQREFE2E ZQNOTESE2E ZQSTALEE2E ZQPERSONE2E ZQPNOTEA ZQPNOTEB ZQANSWERE2E"
KEPT=ZQKEPTE2E

state_of() { # request site: the device's state in `erasures --json`
  hub erasures --json | tr -d '\n ' |
    grep -o "\"request\":\"$1\"[^]]*" | grep -o "\"site\":\"$2\",\"region\":\"[a-z0-9-]*\",\"state\":\"[a-z_]*\"" |
    sed 's/.*"state":"\([a-z_]*\)"/\1/'
}
request_of() { sed -n 's/^erasure request \([0-9a-f-]*\):.*/\1/p' "$E2E_OUT"; }

hub_start || { e2e_fail "hub starts"; e2e_finish; exit 1; }
expect_exit 2 "erase needs a target" hub erase
expect_exit 2 "erase takes one target" hub erase --contact 0190a000-0000-7000-8000-000000000001 \
  --response 0190a000-0000-7000-8000-000000000002
expect_exit 2 "erase refuses a malformed id" hub erase --contact not-an-id
hub publish "$E2E_EXAMPLES/$Q.json" >/dev/null || e2e_fail "publish"
kiosk_init a north && kiosk_init b north || e2e_fail "init"
contact_json "$E2E_TMP/c.json" ZQREFE2E "ZQNOTESE2E about housing"
id=$(ag a contact add "$E2E_TMP/c.json") || e2e_fail "contact add"
contact_json "$E2E_TMP/k.json" ZQKEPT "$KEPT"
kept=$(ag a contact add "$E2E_TMP/k.json") || e2e_fail "contact add (kept)"
check "a: sync" ag a sync
check "b: sync" ag b sync
check "b holds the contact" ag b contact show "$id"

# ---- b offline with a pending edit; the hub erases ----
hub_stop
printf '{"notes": "ZQSTALEE2E called back"}' >"$E2E_TMP/b.json"
check "b edits offline" ag b contact update "$id" "$E2E_TMP/b.json"
hub_start || e2e_fail "hub restarts"
hub export contacts --format jsonl >"$E2E_TMP/before.jsonl"
grep -q ZQREFE2E "$E2E_TMP/before.jsonl" && e2e_pass "the hub held the contact" ||
  e2e_fail "the hub held the contact"
check "erase --contact" hub erase --contact "$id"
req1=$(request_of)
grep -q "1 record(s) erased" "$E2E_OUT" && e2e_pass "erase prints the request and counts" ||
  e2e_fail "erase prints the request and counts" "$(cat "$E2E_OUT")"
check "a: sync" ag a sync
check "a: sync again (confirms)" ag a sync
expect_exit 1 "a no longer holds it" ag a contact show "$id"
e2e_expect "erasures: a confirmed" confirmed "$(state_of "$req1" "$(kiosk_site a)")"
e2e_expect "erasures: b pending" pending "$(state_of "$req1" "$(kiosk_site b)")"
check "b: sync (stale edit dropped, erasure applied)" ag b sync
check "b: sync again (confirms)" ag b sync
expect_exit 1 "b no longer holds it" ag b contact show "$id"
ag b status --json >"$E2E_TMP/b.status"
grep -q '"pending": *0' "$E2E_TMP/b.status" && e2e_pass "b has nothing pending" ||
  e2e_fail "b has nothing pending" "$(head -c 300 "$E2E_TMP/b.status")"
e2e_expect "erasures: b confirmed" confirmed "$(state_of "$req1" "$(kiosk_site b)")"
hub export contacts --format jsonl >"$E2E_TMP/after.jsonl"
grep -q ZQ "$E2E_TMP/after.jsonl" && ! grep -q ZQREFE2E "$E2E_TMP/after.jsonl" &&
  e2e_pass "the hub exports the kept contact only" ||
  e2e_fail "the hub exports the kept contact only" "$(head -c 300 "$E2E_TMP/after.jsonl")"
check "erasing it again is a no-op" hub erase --contact "$id"
grep -q "already erased" "$E2E_OUT" && e2e_pass "it says so" || e2e_fail "it says so" "$(cat "$E2E_OUT")"

# ---- a kiosk enrolled afterwards ----
kiosk_init d north || e2e_fail "init d"
check "d: sync" ag d sync
expect_exit 1 "d never receives it" ag d contact show "$id"
check "d receives the kept contact" ag d contact show "$kept"
e2e_expect "erasures: d never held it" never_held "$(state_of "$req1" "$(kiosk_site d)")"

# ---- everything about a person ----
contact_json "$E2E_TMP/p1.json" ZQPERSONE2E "ZQPNOTEA first"
contact_json "$E2E_TMP/p2.json" ZQPERSONE2E "ZQPNOTEB second"
p1=$(ag a contact add "$E2E_TMP/p1.json") && p2=$(ag b contact add "$E2E_TMP/p2.json") ||
  e2e_fail "person contacts"
for k in a b a d; do check "$k: sync" ag "$k" sync; done
check "erase --person-ref" hub erase --person-ref ZQPERSONE2E
grep -q "2 record(s) erased" "$E2E_OUT" && e2e_pass "both contacts of the person" ||
  e2e_fail "both contacts of the person" "$(cat "$E2E_OUT")"
grep -q ZQPERSONE2E "$E2E_OUT" "$E2E_ERR" && e2e_fail "the output never shows the person_ref" ||
  e2e_pass "the output never shows the person_ref"
for k in a b d; do check "$k: sync" ag "$k" sync; done
for k in a b d; do
  expect_exit 1 "$k: the person's first contact is gone" ag "$k" contact show "$p1"
  expect_exit 1 "$k: the person's second contact is gone" ag "$k" contact show "$p2"
done

# ---- a response by id ----
answers_json "$E2E_TMP/ans.json" "ZQANSWERE2E was fine"
rid=$(ag a respond --questionnaire $Q --answers "$E2E_TMP/ans.json") || e2e_fail "respond"
check "a: sync the response" ag a sync
hub export responses --questionnaire $Q --format jsonl | grep -q ZQANSWERE2E &&
  e2e_pass "the hub held the response" || e2e_fail "the hub held the response"
check "erase --response" hub erase --response "$rid"
req3=$(request_of)
check "a: sync" ag a sync
check "a: sync again" ag a sync
e2e_expect "erasures: a confirmed the response" confirmed "$(state_of "$req3" "$(kiosk_site a)")"
hub erasures >"$E2E_TMP/erasures.txt"
e2e_expect "erasures lists three requests" 3 "$(grep -c '^[0-9a-f]\{8\}-' "$E2E_TMP/erasures.txt")"

check "revoke b" hub revoke "$(kiosk_site b)"
e2e_expect "erasures: b listed as revoked" revoked "$(state_of "$req1" "$(kiosk_site b)")"

# ---- a kiosk may never send an erasure (403, nothing erased) ----
if e2e_enroll "$HUB" "$HUB_DIR" north forger; then
  change=$(printf '{"table":"erasures","id":"%s","hlc":"%s","site":"%s","erasure":{"table":"contacts","region":"north","holder":null,"request":"%s","kind":"admin"}}' \
    "$kept" "$(e2e_hlc)" "$E2E_SITE" "$(e2e_uuid)")
  e2e_changeset "$E2E_SITE" "$change" | gzip >"$E2E_TMP/forged.gz"
  e2e_expect "a kiosk's erasure is refused: 403" 403 "$(e2e_sync forged "$E2E_TOKEN" "$E2E_TMP/forged.gz")"
  hub export contacts --format jsonl | grep -q "$kept" && e2e_pass "the hub still holds that contact" ||
    e2e_fail "the hub still holds that contact"
else
  e2e_fail "enroll a second device"
fi

# ---- the bytes: exports, then every file of every replica ----
mkdir -m 700 "$E2E_TMP/exports"
hub export contacts --format jsonl >"$E2E_TMP/exports/contacts.jsonl"
hub export contacts >"$E2E_TMP/exports/contacts.csv"
hub export conflicts --format jsonl >"$E2E_TMP/exports/conflicts.jsonl"
hub export responses --questionnaire $Q --format jsonl >"$E2E_TMP/exports/responses.jsonl"
hub export responses --questionnaire $Q >"$E2E_TMP/exports/responses.csv"
grep -q "$KEPT" "$E2E_TMP/exports/contacts.jsonl" && e2e_pass "the search can find a kept string" ||
  e2e_fail "the search can find a kept string"
hub_stop
places="$E2E_TMP/a $E2E_TMP/b $E2E_TMP/d $E2E_TMP/exports"
e2e_pg || places="$places $HUB_DIR"
found=
for s in $ERASED; do
  hits=$(find $places -type f -print0 | xargs -0 grep -a -l -- "$s" 2>/dev/null)
  [ -n "$hits" ] && found="$found $s in: $hits;"
done
[ -z "$found" ] && e2e_pass "no store, log, shm or export holds an erased string" ||
  e2e_fail "no store, log, shm or export holds an erased string" "$found"
ls "$E2E_TMP"/a/*-wal "$E2E_TMP"/b/*-wal >/dev/null 2>&1 &&
  echo "note: kiosk write-ahead logs present (searched)"
grep -q ZQPERSONE2E "$E2E_TMP"/hub-*.log && e2e_fail "the hub's log never shows the person_ref" ||
  e2e_pass "the hub's log never shows the person_ref"

if e2e_pg; then
  uri=$(e2e_pg_uri "$HUB_DIR")
  n=$(psql -qAtX "$uri" -c "SELECT count(*) FROM (SELECT value AS t FROM contact_fields UNION ALL
    SELECT winner_value || loser_value FROM conflicts UNION ALL SELECT change FROM quarantine
    UNION ALL SELECT coalesce(answers, '') FROM responses) x WHERE t LIKE '%ZQ%E2E%'
    AND t NOT LIKE '%$KEPT%'")
  e2e_expect "PostgreSQL: no query returns an erased string" 0 "$n"
  datadir=$(psql -qAtX "$uri" -c "SHOW data_directory" 2>/dev/null)
  if [ -n "$datadir" ] && [ -r "$datadir" ]; then
    files=
    for t in contacts contact_fields conflicts quarantine responses contact_field_versions \
      response_tombstone_claims; do
      files="$files $datadir/$(psql -qAtX "$uri" -c "SELECT pg_relation_filepath('$t')")"
    done
    found=
    for s in $ERASED; do
      hits=$(ls $files* 2>/dev/null | xargs grep -a -l -- "$s" 2>/dev/null)
      [ -n "$hits" ] && found="$found $s in: $hits;"
    done
    [ -z "$found" ] && e2e_pass "PostgreSQL: the tables' data files hold no erased string" ||
      e2e_fail "PostgreSQL: the tables' data files hold no erased string" "$found"
    wal=$(for s in $ERASED; do grep -a -l -r -- "$s" "$datadir/pg_wal" 2>/dev/null; done | sort -u | wc -l)
    echo "note: PostgreSQL pg_wal segments still holding an erased string: $wal (until recycled)"
  else
    echo "skip PostgreSQL data files (data_directory not readable here)"
  fi
fi
e2e_finish
