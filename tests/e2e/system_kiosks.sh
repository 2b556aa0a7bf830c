#!/usr/bin/env bash
# Kiosk management end to end, real hub and agents (SQLite or, with
# FIELDSYNC_DB, a PostgreSQL hub store):
#  - the status a kiosk reports on sync reaches `fieldsync-hub devices`: its
#    version, its changes not yet sent, its clock offset (a kiosk an hour
#    behind shows -1h, one three years ahead shows it too after the hub
#    corrected it);
#  - hostile status headers (huge, non-ASCII, negative, overlong) are left
#    out or clamped and the sync still succeeds; a header past the hub's
#    request head limit is refused and the hub goes on serving;
#  - rename and move, audited; a moved kiosk ends with only its new region's
#    contacts, an edit of an old-region contact made before it learnt of the
#    move reaches the hub and the old region's other kiosk, and the hub
#    shows the move taken in.
# usage: system_kiosks.sh AGENT HUB
AGENT=${1:?usage: system_kiosks.sh AGENT HUB}
HUB=${2:?usage: system_kiosks.sh AGENT HUB}
. "$(dirname "$0")/agent_lib.sh"

T=$E2E_TMP
command -v jq >/dev/null || { echo "system_kiosks: jq is needed" >&2; exit 1; }

# devices --json field of kiosk NAME (its site), as jq prints it.
dev() { hub devices --json | jq -r --arg s "$(kiosk_site "$1")" ".[] | select(.site == \$s) | .$2"; }
dev_site() { hub devices --json | jq -r --arg s "$1" ".[] | select(.site == \$s) | .$2"; }
within() { local v=$1 want=$2 tol=$3; [ "$v" != null ] && [ $((v > want ? v - want : want - v)) -le "$tol" ]; }
contacts_of() { ag "$1" contact list | jq -r '.[] | "\(.region) \(.person_ref)"' | sort | tr '\n' ' '; }

hub_start || { e2e_fail "hub starts"; e2e_finish; exit 1; }
hub publish "$E2E_EXAMPLES/friends-and-family.json" >/dev/null || e2e_fail "publish"
for k in n1 n2 s1; do
  case $k in n*) r=north ;; *) r=south ;; esac
  kiosk_init "$k" "$r" || e2e_fail "init $k"
done

# ---- status after a sync ----
contact_json "$T/c.json" N0001 "first"
check "n1 adds a contact" ag n1 contact add "$T/c.json"
N0001=$(tr -d '[:space:]' <"$E2E_OUT")
contact_json "$T/c.json" N0002
check "n1 adds a second contact" ag n1 contact add "$T/c.json"
contact_json "$T/c.json" S0001
check "s1 adds a contact" ag s1 contact add "$T/c.json"
ag n1 status --json >"$T/st.json"
before=$(jq -r .pending "$T/st.json")
[ "$before" -gt 0 ] 2>/dev/null && e2e_pass "n1 has $before change(s) pending before its sync" ||
  e2e_fail "n1 has changes pending before its sync" "$(cat "$T/st.json")"
for k in n1 n2 s1; do check "$k syncs" ag "$k" sync; done
e2e_expect "devices: n1's version" "fieldsync-agent/0.1.0" "$(dev n1 agent_version)"
e2e_expect "devices: n1 has nothing pending after its sync" 0 "$(dev n1 pending)"
# Tolerances cover the request's own latency on a loaded machine.
within "$(dev n1 clock_offset_ms)" 0 20000 && e2e_pass "devices: n1's clock is on time" ||
  e2e_fail "devices: n1's clock is on time" "$(dev n1 clock_offset_ms)"
check "devices (table)" hub devices
grep -Eq "^$(kiosk_site n1) +n1 +north +[0-9]{4}-[0-9]{2}-[0-9]{2} [0-9]{2}:[0-9]{2} [A-Z0-9+-]+ +0 +(0s|[+-][0-9]+s) +fieldsync-agent/0.1.0 +- +active$" "$E2E_OUT" &&
  e2e_pass "the table shows last sync in local time, pending, clock, version" ||
  e2e_fail "the table shows last sync in local time, pending, clock, version" "$(cat "$E2E_OUT")"

# A kiosk's clock an hour behind, then three years ahead (409, corrected).
FIELDSYNC_TEST_CLOCK_SKEW_MS=-3600000 ag s1 sync >/dev/null 2>&1 || e2e_fail "s1 syncs an hour behind"
within "$(dev s1 clock_offset_ms)" -3600000 20000 && e2e_pass "devices: s1's clock is an hour behind" ||
  e2e_fail "devices: s1's clock is an hour behind" "$(dev s1 clock_offset_ms)"
hub devices | grep -q "^$(kiosk_site s1) .* -1h " && e2e_pass "the table says -1h" ||
  e2e_fail "the table says -1h" "$(hub devices)"
answers_json "$T/a.json" "fine"
FIELDSYNC_TEST_CLOCK_SKEW_MS=94608000000 ag n2 respond --questionnaire friends-and-family \
  --answers "$T/a.json" >/dev/null || e2e_fail "n2 responds three years ahead"
FIELDSYNC_TEST_CLOCK_SKEW_MS=94608000000 ag n2 sync >/dev/null 2>&1 || e2e_fail "n2 syncs three years ahead"
within "$(dev n2 clock_offset_ms)" 94608000000 20000 && e2e_pass "devices: n2's clock is three years ahead" ||
  e2e_fail "devices: n2's clock is three years ahead" "$(dev n2 clock_offset_ms)"
hub devices | grep -q "^$(kiosk_site n2) .* +1095d " && e2e_pass "the table says +1095d" ||
  e2e_fail "the table says +1095d" "$(hub devices)"

# ---- hostile status headers: by hand, with a device's own token ----
e2e_enroll "$HUB" "$HUB_DIR" north hostile || e2e_fail "enroll a hostile device"
H=$E2E_SITE HT=$E2E_TOKEN
c1=$(e2e_uuid) c2=$(e2e_uuid)
e2e_changeset "$H" "$(e2e_contact_change "$H" north "$c1" person_ref '"N0100"'),$(e2e_contact_change "$H" north "$c2" person_ref '"N0101"')" 2 |
  gzip -c >"$T/two.gz"
e2e_expect "a sync reporting 7 pending with 2 changes in it" 200 \
  "$(e2e_sync st "$HT" "$T/two.gz" cursor=0 -H 'Fieldsync-Pending: 7' -H 'Fieldsync-Agent: fieldsync-agent/7.0')"
e2e_expect "... leaves 5 pending" 5 "$(dev_site "$H" pending)"
grep -qi '^Fieldsync-Region: north' "$T/st.headers" && e2e_pass "the reply names the device's region" ||
  e2e_fail "the reply names the device's region" "$(cat "$T/st.headers")"
e2e_changeset "$H" "" 2 | gzip -c >"$T/empty.gz"
big=$(head -c 6000 /dev/zero | tr '\0' x)
e2e_expect "a 6,000-byte agent version" 200 "$(e2e_sync st "$HT" "$T/empty.gz" cursor=0 -H "Fieldsync-Agent: $big")"
e2e_expect "... is left out" null "$(dev_site "$H" agent_version)"
e2e_expect "a version that is not ASCII, a negative count, an overlong clock" 200 \
  "$(e2e_sync st "$HT" "$T/empty.gz" cursor=0 -H 'Fieldsync-Agent: café' -H 'Fieldsync-Pending: -5' \
    -H 'Fieldsync-Clock: 99999999999999999999' -H 'Fieldsync-Region: ../north')"
e2e_expect "... version left out" null "$(dev_site "$H" agent_version)"
e2e_expect "... pending left out" null "$(dev_site "$H" pending)"
e2e_expect "... clock left out" null "$(dev_site "$H" clock_offset_ms)"
e2e_expect "a clock at 1970 and a huge count" 200 \
  "$(e2e_sync st "$HT" "$T/empty.gz" cursor=0 -H 'Fieldsync-Clock: 0' -H 'Fieldsync-Pending: 999999999999')"
e2e_expect "... the offset is clamped to ten years" -316224000000 "$(dev_site "$H" clock_offset_ms)"
e2e_expect "... the count is clamped" 1000000000 "$(dev_site "$H" pending)"
huge=$(head -c 100000 /dev/zero | tr '\0' x)
st=$(e2e_sync st "$HT" "$T/empty.gz" cursor=0 -H "Fieldsync-Agent: $huge")
[ "$st" != 200 ] && e2e_pass "a 100,000-byte header is refused ($st)" || e2e_fail "a 100,000-byte header is refused"
e2e_expect "the hub goes on serving" 200 "$(e2e_sync st "$HT" "$T/empty.gz" cursor=0)"

# ---- rename ----
N1=$(kiosk_site n1)
check "rename n1" hub rename "$N1" library-north
e2e_expect "devices shows the new name" library-north "$(dev n1 name)"
expect_exit 1 "rename an unknown kiosk" hub rename k-nobody x
expect_exit 2 "rename to a malformed name" hub rename "$N1" "Not A Name"
expect_exit 2 "rename without a name" hub rename "$N1"

# ---- move n1 to south, with an edit of a north contact not yet sent ----
printf '{"notes": "edited before the move was known"}' >"$T/u.json"
check "n1 edits a north contact (not sent)" ag n1 contact update "$N0001" "$T/u.json"
check "move n1 to south" hub move "$N1" south
e2e_expect "devices: n1 is in south" south "$(dev n1 region)"
e2e_expect "devices: n1 is moving from north" north "$(dev n1 moved_from)"
hub devices | grep -q "^$N1 .* moving from north$" && e2e_pass "the table says moving from north" ||
  e2e_fail "the table says moving from north" "$(hub devices)"
check "move again to the same region" hub move "$N1" south
grep -q "already in region south" "$E2E_OUT" && e2e_pass "... changes nothing" || e2e_fail "... changes nothing" "$(cat "$E2E_OUT")"
expect_exit 1 "move an unknown kiosk" hub move k-nobody south
expect_exit 2 "move to a malformed region" hub move "$N1" "South!"
check "n1 syncs after the move" ag n1 sync
grep -q "moved to region south" "$E2E_ERR" && e2e_pass "n1 says it was moved" ||
  e2e_fail "n1 says it was moved" "$(cat "$E2E_ERR")"
e2e_expect "n1 holds only south's contacts" "south S0001 " "$(contacts_of n1)"
e2e_expect "n1's status names region south" south "$(ag n1 status --json | jq -r .region)"
e2e_expect "n1's agent.json names region south" south "$(jq -r .region "$T/n1/agent.json")"
e2e_expect "devices: the move is taken in" null "$(dev n1 moved_from)"
e2e_expect "devices: n1 has nothing pending" 0 "$(dev n1 pending)"
hub export contacts --format jsonl >"$T/contacts.jsonl"
grep "\"id\":\"$N0001\"" "$T/contacts.jsonl" | grep -q "edited before the move was known" &&
  e2e_pass "the hub has the edit n1 made before it learnt of the move" ||
  e2e_fail "the hub has the edit n1 made before it learnt of the move" "$(grep "$N0001" "$T/contacts.jsonl")"
check "n2 syncs" ag n2 sync
ag n2 contact show "$N0001" | grep -q "edited before the move was known" &&
  e2e_pass "north's other kiosk gets the edit" || e2e_fail "north's other kiosk gets the edit"
contact_json "$T/c.json" S0002 "by n1 in south"
check "n1 adds a south contact" ag n1 contact add "$T/c.json"
check "n1 syncs in south" ag n1 sync
check "s1 syncs" ag s1 sync
ag s1 contact list | jq -r '.[].person_ref' | grep -q '^S0002$' && e2e_pass "s1 gets n1's new south contact" ||
  e2e_fail "s1 gets n1's new south contact"
e2e_expect "n1 still holds only south's contacts" "south S0001 south S0002 " "$(contacts_of n1)"

# ---- audited ----
hub audit --json >"$T/audit.jsonl"
jq -se --arg s "$N1" 'any(.[]; .action == "rename" and .detail.site == $s and .detail.name == "library-north")' \
  "$T/audit.jsonl" >/dev/null && e2e_pass "the rename is audited" || e2e_fail "the rename is audited"
jq -se --arg s "$N1" 'any(.[]; .action == "move" and .detail.site == $s and .detail.region == "south" and .detail.from == "north")' \
  "$T/audit.jsonl" >/dev/null && e2e_pass "the move is audited" || e2e_fail "the move is audited"
e2e_expect "one move audited (the no-op is not)" 1 "$(jq -c 'select(.action == "move")' "$T/audit.jsonl" | wc -l)"

# ---- enrollment from the QR code: what a camera reads is what init takes ----
check "enroll with a QR code" hub enroll --region south --qr "$T/code.svg" --hub-url "$HUB_URL"
code=$(tr -d '[:space:]' <"$E2E_OUT")
e2e_expect "the QR file is private" 600 "$(stat -c %a "$T/code.svg")"
expect_exit 1 "an existing QR file is not replaced" hub enroll --region south --qr "$T/code.svg"
expect_exit 2 "a hub URL that is not http(s)" hub enroll --region south --qr "$T/c2.svg" --hub-url ftp://x
if rsvg-convert -w 400 -h 400 -o "$T/code.png" "$T/code.svg" &&
  uri=$(zbarimg --quiet --raw "$T/code.png" 2>/dev/null); then
  e2e_expect "the QR code reads as the enrollment URI" "fieldsync-enroll:$code?hub=$(printf %s "$HUB_URL" |
    sed 's/:/%3A/g; s/\//%2F/g')" "$uri"
  check "init --enroll with what the camera read" "$AGENT" init --data "$T/q1" --enroll "$uri" --name q1
  check "the kiosk enrolled from the QR code syncs" ag q1 sync
  e2e_expect "devices lists it in south" south "$(dev q1 region)"
else
  e2e_fail "rsvg-convert and zbarimg read the QR code (librsvg2-bin, zbar-tools)"
fi
expect_exit 1 "init --enroll with another scheme" "$AGENT" init --data "$T/q2" --enroll "http://x"
expect_exit 1 "init --enroll and --code" "$AGENT" init --data "$T/q2" --enroll "fieldsync-enroll:ABC" --code ABC --hub "$HUB_URL"

hub_stop
e2e_finish
