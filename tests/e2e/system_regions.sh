#!/usr/bin/env bash
# A hub and four kiosks in two regions. Responses and contacts are recorded
# while the hub is down; then everyone syncs, twice, in different orders.
# The hub's export must equal the union of every kiosk's records exactly,
# a region's contacts must be identical on each of its kiosks and absent
# from the other region's, and no kiosk holds another kiosk's responses.
# usage: system_regions.sh AGENT HUB
AGENT=${1:?usage: system_regions.sh AGENT HUB}
HUB=${2:?usage: system_regions.sh AGENT HUB}
. "$(dirname "$0")/agent_lib.sh"

KIOSKS="n1 n2 s1 s2"
region_of() { case $1 in n*) echo north ;; *) echo south ;; esac; }
kiosks_of() { case $1 in north) echo "n1 n2" ;; *) echo "s1 s2" ;; esac; }

hub_start || { e2e_fail "hub starts"; e2e_finish; exit 1; }
hub publish "$E2E_EXAMPLES/friends-and-family.json" >/dev/null || e2e_fail "publish"
for k in $KIOSKS; do
  kiosk_init "$k" "$(region_of "$k")" || e2e_fail "init $k"
  check "$k: first sync" ag "$k" sync
done

# ---- offline: the hub is down ----
hub_stop
for k in $KIOSKS; do
  ok=1
  for i in 1 2 3 4 5; do
    answers_json "$E2E_TMP/a.json" "$k answer $i, café ☕"
    if [ $((i % 2)) = 0 ]; then
      ag "$k" respond --questionnaire friends-and-family --answers "$E2E_TMP/a.json" \
        --mode assisted --worker "w-$k" >/dev/null || ok=0
    else
      ag "$k" respond --questionnaire friends-and-family --answers "$E2E_TMP/a.json" \
        --language cy >/dev/null || ok=0
    fi
  done
  for i in 1 2 3; do
    contact_json "$E2E_TMP/c.json" "${k^^}000$i" "seen by $k"
    ag "$k" contact add "$E2E_TMP/c.json" >"$E2E_TMP/$k.contact$i" || ok=0
  done
  printf '{"follow_up_date": "2026-12-04", "topics": ["housing", "benefits"]}' >"$E2E_TMP/u.json"
  ag "$k" contact update "$(cat "$E2E_TMP/$k.contact1")" "$E2E_TMP/u.json" >/dev/null || ok=0
  [ $ok = 1 ] && e2e_pass "$k: 5 responses and 3 contacts recorded offline" ||
    e2e_fail "$k: offline writes"
  expect_exit 3 "$k: sync while the hub is down is exit 3" ag "$k" sync
done

# What each kiosk recorded, before the syncs: a kiosk deletes its
# responses once the hub has acknowledged them (docs/design.md, "Retention").
for k in $KIOSKS; do ag "$k" responses; done | sort >"$E2E_TMP/kiosk-responses"

# ---- everyone syncs, twice, in different orders ----
hub_start || e2e_fail "hub restarts"
for order in "n1 s1 n2 s2" "s2 n2 s1 n1"; do
  for k in $order; do
    check "$k: sync ($order)" ag "$k" sync
  done
done

# ---- the hub holds exactly the union of the kiosks' responses ----
e2e_expect "no kiosk keeps an acknowledged response" 0 \
  "$(for k in $KIOSKS; do ag "$k" responses; done | wc -l)"
hub export responses --format jsonl | sort >"$E2E_TMP/hub-responses"
e2e_expect "20 responses at the hub" 20 "$(wc -l <"$E2E_TMP/hub-responses")"
e2e_expect "the kiosks show every answer sealed" 20 "$(grep -c '"answers":"sealed"' "$E2E_TMP/kiosk-responses")"
n=0
for k in $KIOSKS; do
  for i in 1 2 3 4 5; do grep -qF "\"why\":\"$k answer $i, café ☕\"" "$E2E_TMP/hub-responses" && n=$((n + 1)); done
done
e2e_expect "the hub has every answer in clear" 20 "$n"
if sed 's/"answers":{[^}]*}/"answers":"sealed"/' "$E2E_TMP/hub-responses" | sort |
  cmp -s "$E2E_TMP/kiosk-responses" -; then
  e2e_pass "hub responses = union of the kiosks' responses, byte for byte but the sealed answers"
else
  e2e_fail "hub responses = union of the kiosks' responses" \
    "$(diff "$E2E_TMP/kiosk-responses" "$E2E_TMP/hub-responses" | head -5)"
fi
dups=$(sed 's/.*"id":"\([^"]*\)".*/\1/' "$E2E_TMP/hub-responses" | sort | uniq -d | wc -l)
e2e_expect "no response twice" 0 "$dups"
for k in $KIOSKS; do
  site=$(kiosk_site "$k")
  others=$(ag "$k" responses | grep -vc "\"site\":\"$site\"")
  e2e_expect "$k holds only its own responses" 0 "$others"
done

# ---- contacts: identical within a region, absent from the other ----
for r in north south; do
  hub export contacts --region "$r" --format jsonl >"$E2E_TMP/hub-$r"
  e2e_expect "$r: 6 contacts at the hub" 6 "$(wc -l <"$E2E_TMP/hub-$r")"
  for k in $(kiosks_of "$r"); do
    ag "$k" contact list --jsonl >"$E2E_TMP/$k-contacts"
    if cmp -s "$E2E_TMP/hub-$r" "$E2E_TMP/$k-contacts"; then
      e2e_pass "$k: the region's contacts, identical to the hub's"
    else
      e2e_fail "$k: the region's contacts" \
        "$(diff "$E2E_TMP/hub-$r" "$E2E_TMP/$k-contacts" | head -5)"
    fi
  done
done
leaked=0
for k in s1 s2; do
  for n in n1 n2; do
    for i in 1 2 3; do
      id=$(cat "$E2E_TMP/$n.contact$i")
      grep -q "$id" "$E2E_TMP/$k-contacts" && leaked=1
      ag "$k" contact show "$id" >/dev/null 2>&1 && leaked=1
    done
  done
done
grep -q north "$E2E_TMP/s1-contacts" "$E2E_TMP/s2-contacts" && leaked=1
grep -q south "$E2E_TMP/n1-contacts" "$E2E_TMP/n2-contacts" && leaked=1
e2e_expect "no contact crosses regions" 0 "$leaked"
e2e_expect "12 contacts at the hub in all" 12 "$(hub export contacts --format jsonl | wc -l)"

# ---- an online edit of another kiosk's contact reaches the whole region ----
printf '{"status": "closed", "notes": null}' >"$E2E_TMP/close.json"
check "n2 closes a contact n1 created" ag n2 contact update "$(cat "$E2E_TMP/n1.contact2")" \
  "$E2E_TMP/close.json"
check "n2: sync" ag n2 sync
check "n1: sync" ag n1 sync
ag n1 contact list --jsonl >"$E2E_TMP/n1-after"
ag n2 contact list --jsonl >"$E2E_TMP/n2-after"
hub export contacts --region north --format jsonl >"$E2E_TMP/hub-after"
if cmp -s "$E2E_TMP/n1-after" "$E2E_TMP/n2-after" && cmp -s "$E2E_TMP/n1-after" "$E2E_TMP/hub-after" &&
  grep "$(cat "$E2E_TMP/n1.contact2")" "$E2E_TMP/n1-after" | grep -q '"status":"closed"'; then
  e2e_pass "the edit is everywhere in the region"
else
  e2e_fail "the edit is everywhere in the region"
fi

for k in $KIOSKS; do
  ag "$k" status --json >"$E2E_TMP/status"
  grep -q '"pending": 0' "$E2E_TMP/status" && grep -q '"quarantined": 0' "$E2E_TMP/status" &&
    grep -q '"conflicts": 0' "$E2E_TMP/status" ||
    e2e_fail "$k: nothing pending, quarantined or in conflict"
done
e2e_finish
