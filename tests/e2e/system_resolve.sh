#!/usr/bin/env bash
# Resolving a conflict, end to end with real processes: two kiosks of a
# region change one field of a contact offline -> a conflict at the hub ->
# `fieldsync-hub resolve` -> both kiosks sync -> both hold the chosen value
# and the conflict is closed at every store (their own conflict counts too).
# An edit a kiosk made offline before the resolution loses to it and is a
# new conflict; that one is resolved with a new value. A kiosk's edit after
# the resolution wins as usual. A kiosk of another region receives nothing;
# a kiosk may not send a resolution (403); resolving twice, a bad value and
# a conflict of an erased contact are refused. Hub on SQLite, or on
# PostgreSQL with FIELDSYNC_DB set (system_resolve_pg).
# usage: system_resolve.sh AGENT HUB
AGENT=${1:?usage: system_resolve.sh AGENT HUB}
HUB=${2:?usage: system_resolve.sh AGENT HUB}
. "$(dirname "$0")/agent_lib.sh"
export TZ=Europe/London

open_count() { ag "$1" status --json | sed -n 's/.*"conflicts_open": \([0-9]*\).*/\1/p'; }
all_count() { ag "$1" status --json | sed -n 's/.*"conflicts": \([0-9]*\).*/\1/p'; }
# The id of the first open conflict at the hub.
open_id() { hub conflicts --open --json | sed -n 's/^    "id": "\(.*\)",$/\1/p' | head -n 1; }
notes_at() { ag "$1" contact show "$id" | sed -n 's/.*"notes": *"\([^"]*\)".*/\1/p'; }

hub_start || { e2e_fail "hub starts"; e2e_finish; exit 1; }
kiosk_init library-a north && kiosk_init library-b north && kiosk_init surgery-s south ||
  e2e_fail "init"
contact_json "$E2E_TMP/c.json" "JB0142" "first visit"
id=$(ag library-a contact add "$E2E_TMP/c.json") || e2e_fail "contact add"
check "a: sync" ag library-a sync
check "b: sync" ag library-b sync

# ---- both kiosks change the notes while the hub is down ----
hub_stop
printf '{"notes": "ZQA called back"}' >"$E2E_TMP/a.json"
printf '{"notes": "ZQB met at the drop-in"}' >"$E2E_TMP/b.json"
check "a edits offline" ag library-a contact update "$id" "$E2E_TMP/a.json"
sleep 0.05 # b's write is the later one: it wins
check "b edits offline" ag library-b contact update "$id" "$E2E_TMP/b.json"
hub_start || e2e_fail "hub restarts"
for k in library-a library-b library-a library-b surgery-s; do check "$k: sync" ag "$k" sync; done

# ---- listed in plain words ----
hub conflicts >"$E2E_TMP/list.txt" 2>&1
cid=$(open_id)
[ -n "$cid" ] && e2e_pass "one open conflict at the hub" || e2e_fail "one open conflict" "$(cat "$E2E_TMP/list.txt")"
if grep -q "^$cid  open$" "$E2E_TMP/list.txt" &&
  grep -q "kept: *ZQB met at the drop-in  (library-b, 20[0-9-]*T[0-9:]*[+-][0-9][0-9]:[0-9][0-9])" "$E2E_TMP/list.txt" &&
  grep -q "replaced: ZQA called back  (library-a, " "$E2E_TMP/list.txt" &&
  grep -q "contact $id, field notes, region north; detected " "$E2E_TMP/list.txt"; then
  e2e_pass "conflicts: both values as text, kiosk names, local times with offset"
else
  e2e_fail "conflicts: both values as text, kiosk names, local times" "$(cat "$E2E_TMP/list.txt")"
fi
hub conflicts --json >"$E2E_TMP/list.json"
grep -q "\"summary\": \"Two kiosks changed notes of contact $id while offline: 'ZQA called back' at library-a on [0-9]* [A-Z][a-z]* [0-9:]*, 'ZQB met at the drop-in' at library-b on [0-9]* [A-Z][a-z]* [0-9:]*. Kept: 'ZQB met at the drop-in'.\"" "$E2E_TMP/list.json" &&
  e2e_pass "conflicts --json: the summary sentence" ||
  e2e_fail "conflicts --json: the summary sentence" "$(grep summary "$E2E_TMP/list.json")"
e2e_expect "conflicts --region south: none" "no conflicts in region south" "$(hub conflicts --region south)"
e2e_expect "a holds it open" 1 "$(open_count library-a)"
e2e_expect "b holds it open" 1 "$(open_count library-b)"

# ---- refused before anything is written ----
expect_exit 2 "resolve: neither --keep nor --value" hub resolve "$cid"
expect_exit 2 "resolve: --keep both" hub resolve "$cid" --keep both
expect_exit 2 "resolve: --value not JSON" hub resolve "$cid" --value 'not json'
expect_exit 2 "resolve: not a conflict id" hub resolve "$id" --keep winner
expect_exit 1 "resolve: a number for notes" hub resolve "$cid" --value 12
grep -q 'field "notes"' "$E2E_ERR" && e2e_pass "the bad value's message names the field" ||
  e2e_fail "the bad value's message names the field" "$(cat "$E2E_ERR")"
expect_exit 1 "resolve: an unknown conflict" hub resolve "${cid%/*}/library-x" --keep winner
grep -q "no conflict" "$E2E_ERR" && e2e_pass "unknown: says so" || e2e_fail "unknown: says so" "$(cat "$E2E_ERR")"

# ---- b edits again offline, then the hub resolves: keep a's value ----
hub_stop
printf '{"notes": "ZQLATE b before the resolution"}' >"$E2E_TMP/late.json"
check "b edits offline before the resolution" ag library-b contact update "$id" "$E2E_TMP/late.json"
sleep 0.05
check "resolve --keep loser" hub resolve "$cid" --keep loser
grep -q "resolved: kept the replaced value; the kiosks of region north" "$E2E_OUT" &&
  e2e_pass "resolve says what it did" || e2e_fail "resolve says what it did" "$(cat "$E2E_OUT")"
expect_exit 1 "resolving twice is refused" hub resolve "$cid" --keep winner
grep -q "already resolved (kept the loser" "$E2E_ERR" && e2e_pass "twice: says already resolved" ||
  e2e_fail "twice: says already resolved" "$(cat "$E2E_ERR")"
hub audit --json 2>/dev/null | grep -c '"action": *"conflict_resolve"' >"$E2E_TMP/n" || true
e2e_expect "one audit entry" 1 "$(cat "$E2E_TMP/n")"
hub audit --json 2>/dev/null | grep conflict_resolve | grep -q ZQA &&
  e2e_fail "the audit entry holds no value" || e2e_pass "the audit entry holds no value"
hub_start || e2e_fail "hub restarts"
for k in library-a library-b library-a library-b surgery-s; do check "$k: sync" ag "$k" sync; done
e2e_expect "a holds the chosen value" "ZQA called back" "$(notes_at library-a)"
e2e_expect "b holds the chosen value (its earlier edit lost)" "ZQA called back" "$(notes_at library-b)"
hub export contacts --region north --format jsonl | grep -q '"notes":"ZQA called back"' &&
  e2e_pass "the hub holds the chosen value" || e2e_fail "the hub holds the chosen value"

# ---- the first conflict is closed everywhere; b's late edit is a new one ----
hub conflicts --json >"$E2E_TMP/after.json"
grep -q '"state": "resolved"' "$E2E_TMP/after.json" && e2e_pass "the hub lists it resolved" ||
  e2e_fail "the hub lists it resolved"
cid2=$(open_id)
[ -n "$cid2" ] && [ "$cid2" != "$cid" ] && e2e_pass "b's earlier edit is a new open conflict" ||
  e2e_fail "b's earlier edit is a new open conflict" "$(hub conflicts 2>&1)"
grep -q "ZQLATE b before the resolution" <<<"$(hub conflicts --open)" &&
  e2e_pass "the new conflict holds b's value" || e2e_fail "the new conflict holds b's value"
for k in library-a library-b; do
  e2e_expect "$k: the first conflict closed, the new one open" 1 "$(open_count "$k")"
done

# ---- resolve the new one with a new value ----
check "resolve --value" hub resolve "$cid2" --value '"ZQNEW both visits noted"'
for k in library-a library-b library-a library-b surgery-s; do check "$k: sync" ag "$k" sync; done
for k in library-a library-b; do
  e2e_expect "$k: the new value" "ZQNEW both visits noted" "$(notes_at "$k")"
  e2e_expect "$k: no open conflict" 0 "$(open_count "$k")"
  e2e_expect "$k: both conflicts still listed" 2 "$(all_count "$k")"
done
e2e_expect "the hub: no open conflict" "no open conflicts" "$(hub conflicts --open)"
grep -q "Resolved on .* wrote 'ZQNEW both visits noted'" <<<"$(hub conflicts --json)" &&
  e2e_pass "the summary says what was written" || e2e_fail "the summary says what was written"

# ---- a kiosk's edit after the resolution wins as usual, no conflict ----
printf '{"notes": "ZQAFTER a third call"}' >"$E2E_TMP/after.json"
check "a edits after the resolution" ag library-a contact update "$id" "$E2E_TMP/after.json"
for k in library-a library-b; do check "$k: sync" ag "$k" sync; done
e2e_expect "b holds a's later edit" "ZQAFTER a third call" "$(notes_at library-b)"
e2e_expect "still no open conflict" "no open conflicts" "$(hub conflicts --open)"

# ---- the other region received nothing ----
e2e_expect "south: no conflict" 0 "$(all_count surgery-s)"
if grep -a -r -q -e ZQNEW -e ZQA -e ZQB "$E2E_TMP/surgery-s"; then
  e2e_fail "south's files hold nothing of the north's contact"
else
  e2e_pass "south's files hold nothing of the north's contact"
fi

# ---- a kiosk may never send a resolution (403) ----
if e2e_enroll "$HUB" "$HUB_DIR" north forger; then
  change=$(printf '{"table":"resolutions","id":"%s","hlc":"%s","site":"%s","region":"north","resolution":{"chosen":"new","value":"ZQFORGED"}}' \
    "$cid2" "$(e2e_hlc)" "$E2E_SITE")
  e2e_changeset "$E2E_SITE" "$change" | gzip >"$E2E_TMP/forged.gz"
  e2e_expect "a kiosk's resolution is refused: 403" 403 "$(e2e_sync forged "$E2E_TOKEN" "$E2E_TMP/forged.gz")"
  grep -q "may not write resolutions" "$E2E_TMP/forged.body" &&
    e2e_pass "403 names the table" || e2e_fail "403 names the table" "$(head -c 300 "$E2E_TMP/forged.body")"
  hub conflicts --json | grep -q ZQFORGED && e2e_fail "nothing of it stored" || e2e_pass "nothing of it stored"
else
  e2e_fail "enroll the forger"
fi

# ---- an erased contact's conflicts cannot be resolved ----
check "erase the contact" hub erase --contact "$id"
expect_exit 1 "resolve after erasure is refused" hub resolve "$cid2" --value '"x"'
grep -q "was erased" "$E2E_ERR" && e2e_pass "erased: says so" || e2e_fail "erased: says so" "$(cat "$E2E_ERR")"
for k in library-a library-b; do check "$k: sync" ag "$k" sync; done
for k in library-a library-b; do
  e2e_expect "$k: the conflicts went with the contact" 0 "$(all_count "$k")"
done
e2e_expect "the hub holds none" "no conflicts" "$(hub conflicts)"
e2e_finish
