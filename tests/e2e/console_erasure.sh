#!/usr/bin/env bash
# console_erasure: the Erasure and Audit log API of the hub console with
# curl (docs/console.md, "Erasure and audit"), on SQLite and PostgreSQL:
# analysts and viewers get 403; a start without the confirm word, with a
# bad target, id or key, or over the body cap is refused and erases
# nothing; an admin of one region erases a response and a person_ref of
# that region only (another region's contact, an unknown id, a person_ref
# of another region or of no one: the same 404), sees only the requests of
# their region and no audit log; an admin of every region erases a contact
# (gone from the store's bytes), again (already), an unknown id (every
# region); the list with each kiosk; the audit log's filters, pages and
# verification; the person_ref in no answer, entry or log.
#
# usage: console_erasure.sh FIELDSYNC_HUB
HUB=${1:?usage: console_erasure.sh FIELDSYNC_HUB}
. "$(dirname "$0")/lib.sh"
for tool in curl gzip python3; do
  command -v "$tool" >/dev/null || { echo "console_erasure: needs $tool"; exit 1; }
done

T=$E2E_TMP
DATA=$T/hub
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
for u in "boss admin" "nad admin north" "ana analyst" "vic viewer"; do
  set -- $u
  printf 'the %s password\n' "$1" | "$HUB" user add "$1" --role "$2" ${3:+--region "$3"} \
    --data "$DATA" >/dev/null || { echo "user add $1 failed"; exit 1; }
done
"$HUB" publish --data "$DATA" "$ROOT/schema/examples/friends-and-family.json" >/dev/null ||
  { echo "publish failed"; exit 1; }
e2e_hub_start "$HUB" "$DATA" || exit 1
C=$E2E_CONSOLE_URL

login() {
  local st
  st=$(e2e_http "login-$1" -c "$T/$1.jar" -X POST -H "Origin: $C" -H 'Content-Type: application/json' \
    --data "{\"name\":\"$1\",\"password\":\"the $1 password\"}" "$C/api/login")
  [ "$st" = 200 ] && e2e_json_str "$T/login-$1.body" csrf >"$T/$1.csrf"
  echo "$st"
}
# as NAME TAG METHOD PATH [BODY]: prints the status
as() {
  if [ "$3" = POST ]; then
    e2e_http "$2" -b "$T/$1.jar" -X POST -H "Origin: $C" -H 'Content-Type: application/json' \
      -H "X-CSRF-Token: $(cat "$T/$1.csrf")" --data-binary "$5" "$C$4"
  else
    e2e_http "$2" -b "$T/$1.jar" "$C$4"
  fi
}
# py EXPR TAG: a value of the JSON answer TAG (python3), printed
py() { python3 -c "import json,sys; d=json.load(open(sys.argv[1])); print($1)" "$T/$2.body"; }
start() { # NAME TAG TARGET ID: erase, confirmed
  as "$1" "$2" POST /api/erasures/start "{\"target\":\"$3\",\"id\":\"$4\",\"confirm\":\"ERASE\"}"
}
contacts() { e2e_store_query "$DATA/hub.db" "SELECT count(*) FROM contacts WHERE id = '$1'"; }

for u in boss nad ana vic; do e2e_expect "$u logs in" 200 "$(login $u)"; done

# ---- two kiosks, north and south, with contacts and a response ----
e2e_enroll "$HUB" "$DATA" north library-n || exit 1
SN=$E2E_SITE TN=$E2E_TOKEN
e2e_enroll "$HUB" "$DATA" south library-s || exit 1
SS=$E2E_SITE TS=$E2E_TOKEN
CN=$(e2e_uuid) CP=$(e2e_uuid) CS=$(e2e_uuid) R=$(e2e_uuid) NOBODY=$(e2e_uuid)
resp='{"questionnaire":"friends-and-family","version":1,"language":"en","mode":"self","started_at":"2026-11-27T10:00:00Z","submitted_at":"2026-11-27T10:01:00Z","answers":{"overall":"good","why":"ZQANSWERCE"}}'
changes="$(e2e_contact_change "$SN" north "$CN" person_ref '"ZQREFNORTH"'),$(e2e_contact_change "$SN" north "$CN" notes '"ZQNOTENORTH"'),$(e2e_contact_change "$SN" north "$CP" person_ref '"ZQPERSONCE"'),$(e2e_response_change "$SN" "$R" "$resp")"
e2e_changeset "$SN" "$changes" 4 | gzip -c >"$T/n.gz"
e2e_expect "the north kiosk pushes" 200 "$(e2e_sync pn "$TN" "$T/n.gz")"
e2e_changeset "$SS" "$(e2e_contact_change "$SS" south "$CS" person_ref '"ZQREFSOUTH"')" 1 | gzip -c >"$T/s.gz"
e2e_expect "the south kiosk pushes" 200 "$(e2e_sync ps "$TS" "$T/s.gz")"

# ---- roles ----
for u in ana vic; do
  e2e_expect "$u: GET /api/erasures 403" 403 "$(as $u l-$u GET /api/erasures)"
  e2e_expect "$u: start 403" 403 "$(start $u s-$u contact "$CN")"
  e2e_expect "$u: GET /api/audit 403" 403 "$(as $u a-$u GET /api/audit)"
  e2e_expect "$u: GET /api/audit/verify 403" 403 "$(as $u v-$u GET /api/audit/verify)"
done

# ---- refused bodies: nothing erased ----
e2e_expect "no confirm: 400" 400 "$(as boss b1 POST /api/erasures/start "{\"target\":\"contact\",\"id\":\"$CN\"}")"
e2e_expect "... error confirm" confirm "$(py 'd["error"]' b1)"
e2e_expect "a wrong word: 400" 400 "$(as boss b2 POST /api/erasures/start "{\"target\":\"contact\",\"id\":\"$CN\",\"confirm\":\"erase\"}")"
e2e_expect "an unknown key: 400" 400 "$(as boss b3 POST /api/erasures/start "{\"target\":\"contact\",\"id\":\"$CN\",\"confirm\":\"ERASE\",\"region\":\"x\"}")"
e2e_expect "a bad target: 400" 400 "$(start boss b4 site "$CN")"
e2e_expect "an id not a UUID: 400" 400 "$(start boss b5 contact NOT-A-UUID)"
e2e_expect "an empty person_ref: 400" 400 "$(start boss b6 person_ref '')"
big=$(head -c 3000 /dev/zero | tr '\0' x)
e2e_expect "a body over 2 KiB: 413" 413 "$(start boss b7 person_ref "$big")"
e2e_expect "not JSON: 400" 400 "$(as boss b8 POST /api/erasures/start 'nope')"
e2e_expect "... the contact is still there" 1 "$(contacts "$CN")"

# ---- an admin of north ----
e2e_expect "north admin: south's contact 404" 404 "$(start nad n1 contact "$CS")"
e2e_expect "north admin: an id the hub never held 404" 404 "$(start nad n2 contact "$NOBODY")"
e2e_expect "north admin: south's person_ref 404" 404 "$(start nad n3 person_ref ZQREFSOUTH)"
e2e_expect "north admin: a person_ref of no one 404" 404 "$(start nad n4 person_ref ZQNOONE)"
e2e_expect "... all with one message" 1 "$(python3 -c 'import json,sys; print(len({json.load(open(f))["message"] for f in sys.argv[1:]}))' "$T"/n[1-4].body)"
e2e_expect "... south keeps its contact" 1 "$(contacts "$CS")"
e2e_expect "north admin: north's response 200" 200 "$(start nad n5 response "$R")"
e2e_expect "... one record" 1 "$(py 'd["records"]' n5)"
e2e_expect "north admin: north's person_ref 200" 200 "$(start nad n6 person_ref ZQPERSONCE)"
e2e_expect "... its contact gone" 0 "$(contacts "$CP")"
e2e_expect "north admin: no audit log (403)" 403 "$(as nad n7 GET /api/audit)"
e2e_expect "... nor its check" 403 "$(as nad n8 GET /api/audit/verify)"

# ---- an admin of every region ----
e2e_expect "erase a contact: 200" 200 "$(start boss e1 contact "$CN")"
e2e_expect "... a request and one record" "True 1" "$(py 'bool(d["request"]), d["records"]' e1 | tr -d '(),')"
e2e_expect "... gone from the store" 0 "$(contacts "$CN")"
e2e_store_dump "$DATA/hub.db" >"$T/dump.sql"
if grep -aq ZQNOTENORTH "$T/dump.sql"; then e2e_fail "... its notes in no table"; else e2e_pass "... its notes in no table"; fi
e2e_expect "again: 200" 200 "$(start boss e2 contact "$CN")"
e2e_expect "... already, no request" "None 1" "$(py 'd["request"], d["already"]' e2 | tr -d "(),'")"
e2e_expect "an id the hub never held: 200" 200 "$(start boss e3 contact "$NOBODY")"

# ---- the list ----
e2e_expect "the list: 200" 200 "$(as boss l1 GET /api/erasures)"
e2e_expect "... four requests" 4 "$(py 'len(d["erasures"])' l1)"
e2e_expect "... the every-region one names both kiosks" "library-n library-s" \
  "$(py '" ".join(sorted(x["name"] for x in d["erasures"][-1]["devices"]))' l1)"
e2e_expect "... north's contact: the north kiosk, pending" "library-n:pending" \
  "$(py '" ".join(x["name"] + ":" + x["state"] for x in d["erasures"][2]["devices"])' l1)"
e2e_expect "the north admin's list: 200" 200 "$(as nad l2 GET /api/erasures)"
e2e_expect "... only north's three" 3 "$(py 'len(d["erasures"])' l2)"
e2e_expect "... no south kiosk" "" "$(py '" ".join(x["name"] for r in d["erasures"] for x in r["devices"] if x["region"] != "north")' l2)"

# ---- the audit log ----
e2e_expect "audit: 200" 200 "$(as boss a1 GET '/api/audit?action=erase')"
e2e_expect "... the four erasures, newest first" "boss boss nad nad" \
  "$(py '" ".join(e["actor"].split(":")[1] for e in d["entries"])' a1)"
e2e_expect "the check: 200" 200 "$(as boss v1 GET /api/audit/verify)"
e2e_expect "... the chain verified, every entry" "True $("$HUB" audit --data "$DATA" --json | wc -l)" \
  "$(py 'd["ok"], d["entries"]' v1 | tr -d '(),')"
e2e_expect "... by person_ref, never the ref" person_ref "$(py 'd["entries"][2]["detail"]["by"]' a1)"
e2e_expect "actor filter" 2 "$(as boss a2 GET '/api/audit?actor=console:nad&action=erase' >/dev/null; py 'len(d["entries"])' a2)"
as boss a3 GET '/api/audit?action=erase&limit=1' >/dev/null
e2e_expect "a page of one: more" "True" "$(py 'd["more"]' a3)"
next=$(py 'd["next_before"]' a3)
e2e_expect "the next page: 200" 200 "$(as boss a4 GET "/api/audit?action=erase&limit=1&before=$next")"
e2e_expect "... the entry before" "$(py 'd["entries"][1]["id"]' a1)" "$(py 'd["entries"][0]["id"]' a4)"
now=$(e2e_now_ms)
e2e_expect "until before them all: none" 0 "$(as boss a5 GET "/api/audit?action=erase&until=1600000000000" >/dev/null; py 'len(d["entries"])' a5)"
e2e_expect "since now+1 h: none" 0 "$(as boss a6 GET "/api/audit?since=$((now + 3600000))" >/dev/null; py 'len(d["entries"])' a6)"
for q in limit=0 limit=201 action=Bad since=abc before=-1 "actor=$(head -c 200 /dev/zero | tr '\0' a)"; do
  e2e_expect "audit ?$q: 400" 400 "$(as boss aq GET "/api/audit?$q")"
done

# ---- the person_ref nowhere ----
"$HUB" audit --data "$DATA" --json >"$T/audit.jsonl"
for f in "$T/audit.jsonl" "$E2E_HUB_LOG" "$T"/l1.body "$T"/l2.body "$T"/a1.body "$T"/n6.body; do
  if grep -aq 'ZQPERSONCE\|ZQREFSOUTH\|ZQNOONE' "$f"; then e2e_fail "no person_ref in $(basename "$f")"; else e2e_pass "no person_ref in $(basename "$f")"; fi
done
e2e_finish
