#!/usr/bin/env bash
# Minimisation and subject access (issue 10, item 6), on a real hub and
# kiosks: the agent refuses a person_ref that breaks the deployment's rule
# (exit 1, the rule's message, nothing stored), a bad person_ref_pattern in
# agent.json is refused at start naming the file and line, a configured
# pattern applies; the hub accepts any person_ref of 1..64 bytes in a change
# set (an older kiosk keeps syncing); `fieldsync-hub subject REF` returns
# the contacts whose person_ref is or was REF (current value, a conflict on
# person_ref), with every field's stamp, their conflicts and quarantined
# changes, and nothing of another person's; --out is created 0600 and never
# overwritten; the argument is checked.
# usage: system_subject.sh AGENT HUB   (FIELDSYNC_DB set: the hub on PostgreSQL)
AGENT=${1:?usage: system_subject.sh AGENT HUB}
HUB=${2:?usage: system_subject.sh AGENT HUB}
. "$(dirname "$0")/agent_lib.sh"

NAME="Jane Smith DOB 01/02/1950 NHS 943 476 5919"
RULE="person_ref must be 1–16 letters or digits, no spaces: it is a pseudonymous reference, never a name"

hub_start || { e2e_fail "hub starts"; e2e_finish; exit 1; }
kiosk_init k1 north && kiosk_init k2 north || e2e_fail "init"

# ---- the agent refuses a bad person_ref and stores nothing ----
for bad in "$NAME" "ABCDEFGHIJ1234567" "Zoë42" "JB-0142"; do
  contact_json "$E2E_TMP/bad.json" "$bad" "must not be stored"
  expect_exit 1 "contact add refuses [$bad]" ag k1 contact add "$E2E_TMP/bad.json"
  e2e_expect "... with the rule's message" "fieldsync-agent: contact: not stored: $RULE" \
    "$(cat "$E2E_ERR")"
done
contact_json "$E2E_TMP/bad.json" "" "must not be stored"
expect_exit 1 "contact add refuses an empty person_ref" ag k1 contact add "$E2E_TMP/bad.json"
contact_json "$E2E_TMP/bad.json" "$NAME" "must not be stored"
ag k1 contact add "$E2E_TMP/bad.json" 2>"$E2E_ERR" >/dev/null
grep -q "Jane" "$E2E_ERR" && e2e_fail "the message repeats the value"
ag k1 contact list --all >"$E2E_OUT"
e2e_expect "nothing was stored" "[]" "$(tr -d ' \n' <"$E2E_OUT")"

# ---- a bad pattern in agent.json is refused at start ----
cp "$E2E_TMP/k1/agent.json" "$E2E_TMP/agent.json.good"
python3 - "$E2E_TMP/k1/agent.json" 'charset=A-Z min=9 max=8' <<'EOF'
import json, sys
c = json.load(open(sys.argv[1]))
c["person_ref_pattern"] = sys.argv[2]
open(sys.argv[1], "w").write(json.dumps(c, indent=2, sort_keys=True) + "\n")
EOF
line=$(grep -n '"person_ref_pattern"' "$E2E_TMP/k1/agent.json" | cut -d: -f1)
expect_exit 1 "contact list with a bad pattern" ag k1 contact list
e2e_expect "... names the file, line and fault" \
  "fieldsync-agent: contact: $E2E_TMP/k1/agent.json line $line: \"person_ref_pattern\": person_ref pattern: min=9 is above max=8 (docs/agent.md)" \
  "$(cat "$E2E_ERR")"
expect_exit 1 "run with a bad pattern stops at start" timeout 20 "$AGENT" run --data "$E2E_TMP/k1" --no-ui
grep -q "line $line: \"person_ref_pattern\"" "$E2E_ERR" || e2e_fail "run: names the line" "$(cat "$E2E_ERR")"

# ---- a configured pattern applies ----
python3 - "$E2E_TMP/k1/agent.json" 'charset=A-Z0-9- min=4 max=10' <<'EOF'
import json, sys
c = json.load(open(sys.argv[1]))
c["person_ref_pattern"] = sys.argv[2]
open(sys.argv[1], "w").write(json.dumps(c, indent=2, sort_keys=True) + "\n")
EOF
contact_json "$E2E_TMP/c.json" "JB-0142" "pattern with a dash"
check "the configured pattern allows a dash" ag k1 contact add "$E2E_TMP/c.json"
DASH=$(cat "$E2E_OUT")
contact_json "$E2E_TMP/c.json" "jb01" ""
expect_exit 1 "... and refuses small letters" ag k1 contact add "$E2E_TMP/c.json"
grep -q "person_ref must be 4–10 capital letters, digits or the character -" "$E2E_ERR" ||
  e2e_fail "... with its own message" "$(cat "$E2E_ERR")"
cp "$E2E_TMP/agent.json.good" "$E2E_TMP/k1/agent.json"

# ---- a person's records at the hub, from real syncs ----
contact_json "$E2E_TMP/c.json" "AA0001" "note-of-A-first-visit"
A1=$(ag k1 contact add "$E2E_TMP/c.json") || e2e_fail "add A1"
contact_json "$E2E_TMP/c.json" "BB0002" "note-of-B-secret"
B1=$(ag k1 contact add "$E2E_TMP/c.json") || e2e_fail "add B1"
contact_json "$E2E_TMP/c.json" "AA0001" "note-of-A-at-k2"
A2=$(ag k2 contact add "$E2E_TMP/c.json") || e2e_fail "add A2"
contact_json "$E2E_TMP/c.json" "CC0003" "note-of-C"
C=$(ag k1 contact add "$E2E_TMP/c.json") || e2e_fail "add C"
for k in k1 k2 k1; do check "$k: sync" ag "$k" sync; done
# C's person_ref changed at both kiosks while the hub is down: one of the
# two values loses; AA0001 was C's person_ref on one side.
hub_stop
printf '{"person_ref": "AA0001"}' >"$E2E_TMP/u1.json"
printf '{"person_ref": "DD0004"}' >"$E2E_TMP/u2.json"
check "k1 changes C's person_ref" ag k1 contact update "$C" "$E2E_TMP/u1.json"
sleep 0.05
check "k2 changes it too" ag k2 contact update "$C" "$E2E_TMP/u2.json"
# And B's notes, for a conflict of another person.
printf '{"notes": "B-conflict-secret-1"}' >"$E2E_TMP/b1.json"
printf '{"notes": "B-conflict-secret-2"}' >"$E2E_TMP/b2.json"
check "k1 edits B" ag k1 contact update "$B1" "$E2E_TMP/b1.json"
sleep 0.05
check "k2 edits B too" ag k2 contact update "$B1" "$E2E_TMP/b2.json"
hub_start || e2e_fail "hub restarts"
for k in k1 k2 k1 k2; do check "$k: sync" ag "$k" sync; done

# A device of the region sends raw change sets: a contact of A, then a
# different value with the same stamp (quarantined), and a person_ref the
# kiosks' rule would refuse (the hub keeps the format rule: accepted).
e2e_enroll "$HUB" "$HUB_DIR" north raw || e2e_fail "enroll raw"
Q=$(e2e_uuid)
QB=$(e2e_uuid)
QO=$(e2e_uuid)
DASHREF=$(e2e_uuid)
H=$(e2e_hlc)
ch() { e2e_contact_change "$E2E_SITE" north "$1" "$2" "$3" "$H"; }
e2e_changeset "$E2E_SITE" "$(ch "$Q" person_ref '"AA0001"'),$(ch "$Q" contact_at '"2026-11-27T10:00:00Z"'),$(ch "$Q" channel '"phone"'),$(ch "$Q" worker '"w-raw"'),$(ch "$Q" notes '"q-first"'),$(ch "$DASHREF" person_ref '"JB-9 old kiosk"'),$(ch "$DASHREF" contact_at '"2026-11-27T10:00:00Z"'),$(ch "$DASHREF" channel '"phone"'),$(ch "$DASHREF" worker '"w-raw"'),$(ch "$QB" person_ref '"BB0002"'),$(ch "$QB" contact_at '"2026-11-27T10:00:00Z"'),$(ch "$QB" channel '"phone"'),$(ch "$QB" worker '"w-raw"'),$(ch "$QB" notes '"qb-first"'),$(ch "$QO" person_ref '"EE0005"'),$(ch "$QO" contact_at '"2026-11-27T10:00:00Z"'),$(ch "$QO" channel '"phone"'),$(ch "$QO" worker '"w-raw"')" 9 |
  gzip -c >"$E2E_TMP/raw1.gz"
e2e_expect "the hub accepts an older kiosk's person_ref" 200 "$(e2e_sync raw1 "$E2E_TOKEN" "$E2E_TMP/raw1.gz")"
e2e_changeset "$E2E_SITE" "$(ch "$Q" notes '"q-second-quarantined"'),$(ch "$QB" notes '"qb-secret-quarantined"'),$(ch "$QO" person_ref '"AA0001"')" 10 | gzip -c >"$E2E_TMP/raw2.gz"
e2e_expect "a clashing change is acknowledged" 200 "$(e2e_sync raw2 "$E2E_TOKEN" "$E2E_TMP/raw2.gz" "cursor=0")"

# ---- fieldsync-hub subject ----
check "subject AA0001" hub subject AA0001
cp "$E2E_OUT" "$E2E_TMP/subject.json"
python3 - "$E2E_TMP/subject.json" "$A1" "$A2" "$C" "$Q" "$B1" "$QO" >"$E2E_TMP/py.out" 2>&1 <<'EOF'
import json, sys
doc = json.load(open(sys.argv[1]))
a1, a2, c, q, b1, qo = sys.argv[2:]
fails = []
def want(cond, what):
    if not cond:
        fails.append(what)
want(doc["format"] == "fieldsync-subject/1" and doc["person_ref"] == "AA0001", "head")
ids = sorted(x["id"] for x in doc["contacts"])
want(ids == sorted([a1, a2, c, q, qo]), "contacts are A1, A2, C, Q, QO: %s" % ids)
by = {x["id"]: x for x in doc["contacts"]}
want("conflict" in by.get(c, {}).get("matched", []), "C matched by its conflict")
want(by.get(a1, {}).get("matched") == ["person_ref"], "A1 matched by its person_ref")
want(by.get(qo, {}).get("matched") == ["quarantine"], "QO matched by its quarantined change")
want(by.get(qo, {}).get("fields", {}).get("person_ref", {}).get("value") == "EE0005", "QO as held")
for x in doc["contacts"]:
    for f, v in x["fields"].items():
        want(len(v["hlc"]) == 16 and v["at"].endswith("Z") and v["site"] and "value" in v,
             "field %s of %s has its stamp" % (f, x["id"]))
want(by.get(a1, {}).get("fields", {}).get("notes", {}).get("value") == "note-of-A-first-visit", "A1 notes")
confl = [x for x in doc["conflicts"] if x["contact"] == c and x["field"] == "person_ref"]
want(len(confl) == 1 and sorted([confl[0]["winner"]["value"], confl[0]["loser"]["value"]]) == ["AA0001", "DD0004"],
     "C's person_ref conflict with both values: %s" % doc["conflicts"])
qs = [x for x in doc["quarantined"] if x["contact"] == q]
want(len(qs) == 1 and qs[0]["value"] == "q-second-quarantined" and qs[0]["reason"] and qs[0]["table"] == "contacts",
     "Q's quarantined change: %s" % doc["quarantined"])
want([x["value"] for x in doc["quarantined"] if x["contact"] == qo] == ["AA0001"], "QO's quarantined change")
want(all(x["contact"] in (a1, a2, c, q, qo) for x in doc["conflicts"] + doc["quarantined"]), "only A's conflicts and quarantine")
want(any(x["what"] == "responses" for x in doc["not_included"]), "responses named as not included")
print("\n".join(fails) if fails else "ok")
EOF
e2e_expect "the subject document holds A's records" ok "$(cat "$E2E_TMP/py.out")"
for other in BB0002 note-of-B-secret B-conflict-secret qb- "$B1" "$QB" "$DASH" "JB-9 old kiosk"; do
  grep -qF -- "$other" "$E2E_TMP/subject.json" && e2e_fail "nothing of another person: [$other] found"
done
grep -qF -e BB0002 -e note-of-B -e B-conflict -e qb- -e "$B1" -e "$QB" -e "JB-9" "$E2E_TMP/subject.json" ||
  e2e_pass "nothing of another person"

check "subject BB0002" hub subject BB0002
grep -qF "$B1" "$E2E_OUT" && grep -q B-conflict-secret-1 "$E2E_OUT" && grep -q qb-secret-quarantined "$E2E_OUT" &&
  ! grep -qF "$A1" "$E2E_OUT" && ! grep -q "note-of-A" "$E2E_OUT" && ! grep -q "q-second" "$E2E_OUT" &&
  ! grep -qF "$QO" "$E2E_OUT" &&
  e2e_pass "B's document holds B only" || e2e_fail "B's document holds B only" "$(cat "$E2E_OUT")"
check "subject EE0005" hub subject EE0005
grep -qF "$QO" "$E2E_OUT" && grep -q '"matched":\["person_ref"\]' "$E2E_OUT" &&
  e2e_pass "... holds the contact QO by its person_ref" || e2e_fail "... holds QO" "$(cat "$E2E_OUT")"
check "an unknown person_ref" hub subject ZZ9999
python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); sys.exit(0 if d["contacts"]==[] and d["conflicts"]==[] and d["quarantined"]==[] else 1)' "$E2E_OUT" &&
  e2e_pass "... is an empty document" || e2e_fail "... is an empty document" "$(cat "$E2E_OUT")"
check "the older kiosk's person_ref is found as is" hub subject "JB-9 old kiosk"
grep -qF "$DASHREF" "$E2E_OUT" || e2e_fail "... its contact is in it"

# ---- --out: a new file, 0600, never overwritten ----
(umask 000 && "$HUB" subject --data "$HUB_DIR" AA0001 --out "$E2E_TMP/out.json") >"$E2E_OUT" 2>"$E2E_ERR" ||
  e2e_fail "subject --out" "$(cat "$E2E_ERR")"
e2e_expect "--out is created 0600 (umask 000)" 600 "$(stat -c %a "$E2E_TMP/out.json")"
cmp -s <(python3 -m json.tool "$E2E_TMP/out.json" | grep -v generated_at) \
  <(python3 -m json.tool "$E2E_TMP/subject.json" | grep -v generated_at) &&
  e2e_pass "--out holds the same document" || e2e_fail "--out holds the same document"
grep -q "5 contacts, 1 conflicts, 2 quarantined changes written to" "$E2E_ERR" ||
  e2e_fail "--out: a summary on stderr" "$(cat "$E2E_ERR")"
grep -q AA0001 "$E2E_ERR" && e2e_fail "--out: the summary does not repeat the person_ref"
before=$(sha256sum <"$E2E_TMP/out.json")
expect_exit 1 "--out refuses an existing file" hub subject BB0002 --out "$E2E_TMP/out.json"
grep -q "exists: not overwritten" "$E2E_ERR" || e2e_fail "... says so" "$(cat "$E2E_ERR")"
e2e_expect "... and leaves it alone" "$before" "$(sha256sum <"$E2E_TMP/out.json")"
ln -s "$E2E_TMP/nowhere" "$E2E_TMP/link.json"
expect_exit 1 "--out refuses a symbolic link" hub subject AA0001 --out "$E2E_TMP/link.json"
[ -e "$E2E_TMP/nowhere" ] && e2e_fail "... and writes nothing through it"

# ---- the argument ----
expect_exit 2 "no PERSON_REF" hub subject
expect_exit 2 "an empty PERSON_REF" hub subject ""
grep -q "PERSON_REF must be 1 to 64 bytes of UTF-8 without control characters" "$E2E_ERR" ||
  e2e_fail "... says what is wrong" "$(cat "$E2E_ERR")"
expect_exit 2 "a control character" hub subject "$(printf 'AA\t0001')"
expect_exit 2 "an escape sequence" hub subject "$(printf 'AA\033[2J')"
expect_exit 2 "65 bytes" hub subject "$(printf '%065d' 1)"
expect_exit 2 "not UTF-8" hub subject "$(printf 'AA\xff')"
expect_exit 2 "two PERSON_REFs" hub subject AA0001 BB0002
check "64 bytes" hub subject "$(printf '%064d' 1)"
if e2e_pg; then
  [ ! -e "$HUB_DIR/hub.db" ] && e2e_pass "the hub's store was PostgreSQL" ||
    e2e_fail "the hub's store was PostgreSQL"
fi

e2e_finish
