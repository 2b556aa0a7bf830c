#!/usr/bin/env bash
# The same contact edited at two kiosks while offline: after syncing, every
# replica (both kiosks and the hub) holds the same contact, non-overlapping
# edits are both kept, the later write of the field both changed wins, and
# the concurrent overwrite is listed at the hub (export conflicts) once, with
# both values, and reaches the region's kiosks but not another region.
# usage: system_conflict.sh AGENT HUB
AGENT=${1:?usage: system_conflict.sh AGENT HUB}
HUB=${2:?usage: system_conflict.sh AGENT HUB}
. "$(dirname "$0")/agent_lib.sh"

hub_start || { e2e_fail "hub starts"; e2e_finish; exit 1; }
hub publish "$E2E_EXAMPLES/friends-and-family.json" >/dev/null || e2e_fail "publish"
kiosk_init a north && kiosk_init b north && kiosk_init s south || e2e_fail "init"
contact_json "$E2E_TMP/c.json" "JB0142" "first visit"
id=$(ag a contact add "$E2E_TMP/c.json") || e2e_fail "contact add"
check "a: sync" ag a sync
check "b: sync" ag b sync
check "b has the contact" ag b contact show "$id"

# ---- both kiosks edit it while the hub is down ----
hub_stop
printf '{"notes": "called back, referred to housing advice", "status": "closed"}' >"$E2E_TMP/a.json"
printf '{"notes": "met at the library drop-in", "follow_up_done": true}' >"$E2E_TMP/b.json"
check "a edits offline" ag a contact update "$id" "$E2E_TMP/a.json"
sleep 0.05 # b's write is the later one
check "b edits offline" ag b contact update "$id" "$E2E_TMP/b.json"
hub_start || e2e_fail "hub restarts"
for k in a b a b s; do
  check "$k: sync" ag "$k" sync
done

# ---- every replica agrees ----
ag a contact list --jsonl >"$E2E_TMP/a.list"
ag b contact list --jsonl >"$E2E_TMP/b.list"
hub export contacts --region north --format jsonl >"$E2E_TMP/hub.list"
if cmp -s "$E2E_TMP/a.list" "$E2E_TMP/b.list" && cmp -s "$E2E_TMP/a.list" "$E2E_TMP/hub.list"; then
  e2e_pass "kiosks and hub hold the same contact"
else
  e2e_fail "kiosks and hub hold the same contact" \
    "$(diff "$E2E_TMP/a.list" "$E2E_TMP/b.list"; diff "$E2E_TMP/a.list" "$E2E_TMP/hub.list")"
fi
line=$(cat "$E2E_TMP/hub.list")
grep -q '"notes":"met at the library drop-in"' <<<"$line" && e2e_pass "the later write wins" ||
  e2e_fail "the later write wins" "$line"
grep -q '"status":"closed"' <<<"$line" && grep -q '"follow_up_done":true' <<<"$line" &&
  e2e_pass "edits of different fields are both kept" ||
  e2e_fail "edits of different fields are both kept" "$line"

# ---- the conflict is listed at the hub, once, with both values ----
hub export conflicts --format jsonl >"$E2E_TMP/conflicts"
e2e_expect "one conflict at the hub" 1 "$(wc -l <"$E2E_TMP/conflicts")"
c=$(cat "$E2E_TMP/conflicts")
if grep -q "\"record\":\"$id\"" <<<"$c" && grep -q '"field":"notes"' <<<"$c" &&
  grep -q "called back, referred to housing advice" <<<"$c" &&
  grep -q "met at the library drop-in" <<<"$c" &&
  grep -q "\"site\":\"$(kiosk_site a)\"" <<<"$c" && grep -q "\"site\":\"$(kiosk_site b)\"" <<<"$c"; then
  e2e_pass "the conflict names the contact, the field and both sides"
else
  e2e_fail "the conflict names the contact, the field and both sides" "$c"
fi
hub export conflicts --region south --format jsonl >"$E2E_TMP/south-conflicts"
e2e_expect "no conflict listed for the other region" 0 "$(wc -l <"$E2E_TMP/south-conflicts")"
for k in a b; do
  ag "$k" status --json >"$E2E_TMP/status"
  grep -q '"conflicts": 1' "$E2E_TMP/status" && e2e_pass "$k holds the conflict" ||
    e2e_fail "$k holds the conflict" "$(grep conflicts "$E2E_TMP/status")"
done
ag s status --json >"$E2E_TMP/status"
grep -q '"conflicts": 0' "$E2E_TMP/status" && grep -q '"contacts": 0' "$E2E_TMP/status" &&
  e2e_pass "the other region sees neither" || e2e_fail "the other region sees neither"
e2e_finish
