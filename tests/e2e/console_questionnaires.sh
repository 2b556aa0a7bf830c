#!/usr/bin/env bash
# console_questionnaires: the Questionnaires API of the hub console with
# curl (docs/console.md, "Questionnaires"): validation answers every fault
# with its JSON path (a quoted key holding ": " too) and changes nothing;
# the body cap (1 MiB, 413); publish, offer, retire as an admin, audited
# with the console user; who may do what (a viewer and an analyst list
# without response counts and may not change anything, an admin of one
# region offers only there and may not retire); a bad request changes
# nothing.
#
# usage: console_questionnaires.sh FIELDSYNC_HUB
HUB=${1:?usage: console_questionnaires.sh FIELDSYNC_HUB}
. "$(dirname "$0")/lib.sh"
for tool in curl python3; do
  command -v "$tool" >/dev/null || { echo "console_questionnaires: needs $tool"; exit 1; }
done

T=$E2E_TMP
DATA=$T/hub
EX=$(cd "$(dirname "$0")/../.." && pwd)/schema/examples
QN=friends-and-family
for u in "boss admin" "rad admin a" "ana analyst a" "vic viewer"; do
  set -- $u
  printf 'the %s password\n' "$1" | "$HUB" user add "$1" --role "$2" ${3:+--region "$3"} \
    --data "$DATA" >/dev/null || { echo "user add $1 failed"; exit 1; }
done
e2e_hub_start "$HUB" "$DATA" || exit 1
C=$E2E_CONSOLE_URL

login() {
  local st
  st=$(e2e_http "login-$1" -c "$T/$1.jar" -X POST -H "Origin: $C" -H 'Content-Type: application/json' \
    --data "{\"name\":\"$1\",\"password\":\"the $1 password\"}" "$C/api/login")
  [ "$st" = 200 ] && e2e_json_str "$T/login-$1.body" csrf >"$T/$1.csrf"
  echo "$st"
}
# as NAME TAG METHOD PATH [BODY-FILE]: prints the status
as() {
  if [ "$3" = POST ]; then
    e2e_http "$2" -b "$T/$1.jar" -X POST -H "Origin: $C" -H 'Content-Type: application/json' \
      -H "X-CSRF-Token: $(cat "$T/$1.csrf")" --data-binary @"$5" "$C$4"
  else
    e2e_http "$2" -b "$T/$1.jar" "$C$4"
  fi
}
# py EXPR FILE: a value of the JSON in FILE (python3), printed
py() { python3 -c "import json,sys; d=json.load(open(sys.argv[1])); print($1)" "$2"; }
# wrap FILE OUT: {"text": FILE's text}, as the page sends a file
wrap() { python3 -c 'import json,sys; json.dump({"text": open(sys.argv[1]).read()}, open(sys.argv[2], "w"))' "$1" "$2"; }
count_store() { e2e_store_query "$DATA/hub.db" "$1"; }

for u in boss rad ana vic; do e2e_expect "$u logs in" 200 "$(login $u)"; done

# ---- validation: paths, nothing stored ----
python3 - "$EX/$QN.json" "$T" <<'PYEOF'
import json, sys
src, t = sys.argv[1], sys.argv[2]
good = json.load(open(src))
d = json.loads(json.dumps(good)); d["title"]["a: b"] = "x"
json.dump(d, open(t + "/quoted.json", "w"))
d = json.loads(json.dumps(good)); d["questions"][1]["show_if"] = {"question": "overall", "in": ["nope"]}
json.dump(d, open(t + "/cond.json", "w"))
open(t + "/dupe.json", "w").write('{"format": "fieldsync-questionnaire/1", "id": "x", "id": "y"}')
PYEOF
wrap "$EX/$QN.json" "$T/good.body"
wrap "$T/quoted.json" "$T/quoted.body"
wrap "$T/cond.json" "$T/cond.body"
wrap "$T/dupe.json" "$T/dupe.body"
e2e_expect "validate a good document: 200" 200 "$(as boss v1 POST /api/questionnaires/validate "$T/good.body")"
e2e_expect "valid" True "$(py 'd["valid"]' "$T/v1.body")"
e2e_expect "its id" "$QN" "$(py 'd["questionnaire"]["id"]' "$T/v1.body")"
e2e_expect "the document itself as the body works too" 200 \
  "$(as boss v1b POST /api/questionnaires/validate "$EX/$QN.json")"
e2e_expect "a quoted key: 200" 200 "$(as boss v2 POST /api/questionnaires/validate "$T/quoted.body")"
e2e_expect "the path keeps its quoted key" 'title["a: b"]' "$(py 'd["errors"][0]["path"]' "$T/v2.body")"
e2e_expect "the rule" 'is not one of the languages' "$(py 'd["errors"][0]["message"]' "$T/v2.body")"
as boss v3 POST /api/questionnaires/validate "$T/cond.body" >/dev/null
e2e_expect "a condition's operand: its path" 'questions[1].show_if.in[0]' "$(py 'd["errors"][0]["path"]' "$T/v3.body")"
as boss v4 POST /api/questionnaires/validate "$T/dupe.body" >/dev/null
e2e_expect "a duplicate key in the file is seen" document "$(py 'd["errors"][0]["path"]' "$T/v4.body")"
e2e_contains "and named" "$T/v4.body" "duplicate"
e2e_expect "nothing published by validating" 0 "$(count_store 'SELECT count(*) FROM questionnaires')"
python3 -c 'import json; json.dump({"text": " " * (1 << 20)}, open("'"$T"'/big.body", "w"))'
e2e_expect "a body past 1 MiB: 413" 413 "$(as boss v5 POST /api/questionnaires/validate "$T/big.body")"
e2e_expect "an analyst may not validate" 403 "$(as ana v6 POST /api/questionnaires/validate "$T/good.body")"

# ---- publish, list ----
e2e_expect "an analyst may not publish" 403 "$(as ana p0 POST /api/questionnaires/publish "$T/good.body")"
e2e_expect "publish an invalid one: 422" 422 "$(as boss p1 POST /api/questionnaires/publish "$T/quoted.body")"
e2e_expect "with its fault" 'title["a: b"]: is not one of the languages' "$(py 'd["message"]' "$T/p1.body")"
e2e_expect "publish: 200" 200 "$(as boss p2 POST /api/questionnaires/publish "$T/good.body")"
e2e_expect "published" False "$(py 'd["already"]' "$T/p2.body")"
e2e_expect "again: already" True "$(as boss p3 POST /api/questionnaires/publish "$T/good.body" >/dev/null; py 'd["already"]' "$T/p3.body")"
e2e_expect "the list" 200 "$(as boss l1 GET /api/questionnaires)"
e2e_expect "the list: id" "$QN" "$(py 'd["questionnaires"][0]["id"]' "$T/l1.body")"
e2e_expect "the list: title in the default language" "Tell us about your visit" "$(py 'd["questionnaires"][0]["title"]' "$T/l1.body")"
e2e_expect "the list: versions" "[1]" "$(py '[v["version"] for v in d["questionnaires"][0]["versions"]]' "$T/l1.body")"
e2e_expect "an admin of every region sees counts" 0 "$(py 'd["questionnaires"][0]["responses"]' "$T/l1.body")"
for u in ana vic rad; do
  e2e_expect "$u may list" 200 "$(as $u l-$u GET /api/questionnaires)"
  e2e_expect "$u sees no response counts" False "$(py '"responses" in d["questionnaires"][0]' "$T/l-$u.body")"
done

# ---- offers and retirement, who may ----
printf '{"id":"%s","region":"a","offered":true}' "$QN" >"$T/offer-a.json"
printf '{"id":"%s","region":"b","offered":true}' "$QN" >"$T/offer-b.json"
printf '{"id":"%s","region":null,"offered":false}' "$QN" >"$T/withdraw-all.json"
printf '{"id":"%s","retired":true}' "$QN" >"$T/retire.json"
printf '{"id":"%s","region":"a","offered":"yes"}' "$QN" >"$T/bad-offer.json"
printf '{"id":"nope","region":"a","offered":true}' >"$T/unknown.json"
e2e_expect "a viewer may not offer" 403 "$(as vic o0 POST /api/questionnaires/offer "$T/offer-a.json")"
e2e_expect "an admin of region a offers in a" 200 "$(as rad o1 POST /api/questionnaires/offer "$T/offer-a.json")"
e2e_expect "it changed" True "$(py 'd["changed"]' "$T/o1.body")"
e2e_expect "not in b" 403 "$(as rad o2 POST /api/questionnaires/offer "$T/offer-b.json")"
e2e_expect "nor everywhere" 403 "$(as rad o3 POST /api/questionnaires/offer "$T/withdraw-all.json")"
e2e_expect "nor retire" 403 "$(as rad o4 POST /api/questionnaires/retire "$T/retire.json")"
e2e_expect "a malformed offer: 400" 400 "$(as boss o5 POST /api/questionnaires/offer "$T/bad-offer.json")"
e2e_expect "an unknown questionnaire: 404" 404 "$(as boss o6 POST /api/questionnaires/offer "$T/unknown.json")"
e2e_expect "offers stored: a and *" 2 "$(count_store 'SELECT count(*) FROM questionnaire_offers')"
e2e_expect "an admin retires" 200 "$(as boss o7 POST /api/questionnaires/retire "$T/retire.json")"
as boss l2 GET /api/questionnaires >/dev/null
e2e_expect "the list says retired" True "$(py 'd["questionnaires"][0]["retired"]' "$T/l2.body")"
e2e_expect "the list names region a" "['a']" "$(py 'd["questionnaires"][0]["offers"]["regions"]' "$T/l2.body")"
"$HUB" audit --data "$DATA" --json >"$T/audit.jsonl"
e2e_contains "publish audited as the console user" "$T/audit.jsonl" '"action":"publish","actor":"console:boss"'
e2e_contains "offer audited as the console user" "$T/audit.jsonl" '"action":"offer","actor":"console:rad"'
e2e_contains "retire audited as the console user" "$T/audit.jsonl" '"action":"retire","actor":"console:boss"'
e2e_expect "one publish entry (no entry for the no-op)" 1 "$(grep -c '"action":"publish"' "$T/audit.jsonl")"

e2e_hub_stop >/dev/null
e2e_finish
