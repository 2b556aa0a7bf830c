#!/usr/bin/env bash
# hub_export: the export options of docs/hub.md through a real hub on
# loopback, the files opened in LibreOffice headless. Two kiosks (regions
# north and south) push responses to two versions of a questionnaire in
# English and Urdu and contacts with topics ["food;fuel","debt"]; then:
# CSV: a multi_choice question and the topics as one 0/1 column per option
# (empty when unanswered), --multi json, --bom (LibreOffice reads the first
# header as "id"), --labels in Urdu and by default English, --tz
# Europe/London (12:00Z on 2026-07-01 is 13:00, 10:01Z in November stays
# 10:01; the header names the zone), the formula guard, --region.
# XLSX: refused to a terminal, 0600, an existing file refused, a sheet per
# version and a Codebook, typed cells read back by LibreOffice (a number is a
# float, a date a date, yes_no a boolean, text a string even when it is
# =1+1, never a formula) and in the file's XML (python zipfile), every
# questionnaire without --questionnaire, no temporary directory left.
#
# usage: hub_export.sh FIELDSYNC_HUB     (exit 77: no soffice or python3)
HUB=${1:?usage: hub_export.sh FIELDSYNC_HUB}
. "$(dirname "$0")/lib.sh"
SOFFICE=$(command -v soffice || command -v libreoffice) || {
  echo "skip: no soffice (Debian package libreoffice-calc-nogui, scripts/deps.sh)"
  exit 77
}
command -v python3 >/dev/null || { echo "skip: no python3"; exit 77; }
unset FIELDSYNC_DATA
T=$E2E_TMP
DATA=$T/hub
export TMPDIR=$T/tmp
mkdir -m 700 "$TMPDIR"

cat >"$T/q1.json" <<'EOF'
{"format": "fieldsync-questionnaire/1", "id": "exp", "version": 1, "languages": ["en", "ur"],
 "title": {"en": "Export test", "ur": "ٹیسٹ"},
 "questions": [
  {"id": "num", "type": "number", "label": {"en": "Number", "ur": "نمبر"}},
  {"id": "day", "type": "date", "label": {"en": "Day"}},
  {"id": "ok", "type": "yes_no", "label": {"en": "OK?"}},
  {"id": "fruit", "type": "single_choice", "label": {"en": "Fruit", "ur": "پھل"},
   "options": [{"value": "apple", "label": {"en": "Apple", "ur": "سیب"}},
               {"value": "pear", "label": {"en": "Pear"}}]},
  {"id": "needs", "type": "multi_choice", "label": {"en": "Needs"},
   "options": [{"value": "food", "label": {"en": "Food", "ur": "کھانا"}},
               {"value": "fuel", "label": {"en": "Fuel"}},
               {"value": "debt", "label": {"en": "Debt"}}]},
  {"id": "note", "type": "text", "label": {"en": "Note"}}
 ]}
EOF
sed -e 's/"version": 1/"version": 2/' \
  -e 's/{"value": "debt", "label": {"en": "Debt"}}/{"value": "debt", "label": {"en": "Debt"}}, {"value": "rent", "label": {"en": "Rent"}}/' \
  "$T/q1.json" >"$T/q2.json"
cat >"$T/other.json" <<'EOF'
{"format": "fieldsync-questionnaire/1", "id": "a-questionnaire-with-a-very-long-id-indeed", "version": 1,
 "languages": ["en"], "title": {"en": "Other"},
 "questions": [{"id": "x", "type": "number", "label": {"en": "X"}}]}
EOF
for f in q1 q2 other; do "$HUB" publish --data "$DATA" "$T/$f.json" >/dev/null || exit 1; done
e2e_hub_start "$HUB" "$DATA" || exit 1
e2e_enroll "$HUB" "$DATA" north kiosk-n || exit 1
N=$E2E_SITE N_TOKEN=$E2E_TOKEN
e2e_enroll "$HUB" "$DATA" south kiosk-s || exit 1
S=$E2E_SITE S_TOKEN=$E2E_TOKEN

response() { # SITE ID VERSION SUBMITTED ANSWERS
  e2e_response_change "$1" "$2" "$(printf '{"questionnaire":"exp","version":%s,"language":"ur","mode":"self","started_at":"%s","submitted_at":"%s","answers":%s}' "$3" "$4" "$4" "$5")"
}
contact() { # SITE REGION ID TOPICS_JSON
  printf '%s,%s,%s,%s,%s' "$(e2e_contact_change "$1" "$2" "$3" person_ref '"P-1"')" \
    "$(e2e_contact_change "$1" "$2" "$3" contact_at '"2026-07-01T12:00:00Z"')" \
    "$(e2e_contact_change "$1" "$2" "$3" channel '"phone"')" \
    "$(e2e_contact_change "$1" "$2" "$3" worker '"w-test"')" \
    "$(e2e_contact_change "$1" "$2" "$3" topics "$4")"
}
R1=$(e2e_uuid) R2=$(e2e_uuid) R3=$(e2e_uuid) C1=$(e2e_uuid) C2=$(e2e_uuid)
changes=$(response "$N" "$R1" 1 2026-07-01T12:00:00Z '{"num":42,"day":"2026-06-30","ok":true,"fruit":"apple","needs":["food","debt"],"note":"=1+1"}')
changes+=,$(response "$N" "$R2" 1 2026-11-27T10:01:00Z '{"num":-3.5,"ok":false,"fruit":"pear"}')
changes+=,$(contact "$N" north "$C1" '["food;fuel","debt"]')
# Notes with control characters (not allowed in XML 1.0) and a literal
# _x0041_ (OOXML's escape form): an XLSX must still open, the text kept.
changes+=,$(e2e_contact_change "$N" north "$C1" notes '"bell\u0007 unit\u001f _x0041_ end"')
e2e_changeset "$N" "$changes" 8 | gzip -c >"$T/n.gz"
e2e_expect "kiosk north pushes two responses and a contact" 200 "$(e2e_sync n "$N_TOKEN" "$T/n.gz")"
changes=$(response "$S" "$R3" 2 2026-11-27T10:01:00Z '{"num":7,"needs":["rent"]}')
changes+=,$(contact "$S" south "$C2" '["south-secret"]')
e2e_changeset "$S" "$changes" 6 | gzip -c >"$T/s.gz"
e2e_expect "kiosk south pushes a response and a contact" 200 "$(e2e_sync s "$S_TOKEN" "$T/s.gz")"
e2e_expect "nothing was quarantined" 0 "$(e2e_store_query "$DATA/hub.db" 'SELECT count(*) FROM quarantine')"

ex() { # NAME FILE ARGS...: export into FILE
  local name=$1 file=$2
  shift 2
  if "$HUB" export --data "$DATA" "$@" >"$T/$file" 2>"$T/err"; then return 0; fi
  e2e_fail "$name" "$(cat "$T/err")"
  return 1
}
row() { grep -F "$1" "$T/$2" | tr -d '\r'; }

# ---- CSV ----
ex "export responses" plain.csv responses --questionnaire exp
e2e_expect "CSV: the header, needs one column per option (v2's rent too), no zone" \
  '"id","site","questionnaire","version","language","mode","worker","started_at","submitted_at","num","day","ok","fruit","needs__food","needs__fuel","needs__debt","needs__rent","note"' \
  "$(head -1 "$T/plain.csv" | tr -d '\r')"
e2e_expect "... no byte-order mark by default" '"id"' "$(head -c 4 "$T/plain.csv")"
e2e_expect "... chosen 1, not chosen 0" \
  "\"$R1\",\"$N\",\"exp\",1,\"ur\",\"self\",,\"2026-07-01T12:00:00Z\",\"2026-07-01T12:00:00Z\",42,\"2026-06-30\",\"true\",\"apple\",1,0,1,0,\"'=1+1\"" \
  "$(row "$R1" plain.csv)"
e2e_expect "... unanswered: empty cells" \
  "\"$R2\",\"$N\",\"exp\",1,\"ur\",\"self\",,\"2026-11-27T10:01:00Z\",\"2026-11-27T10:01:00Z\",-3.5,,\"false\",\"pear\",,,,," \
  "$(row "$R2" plain.csv)"
ex "export with labels in Urdu and Europe/London" ur.csv responses --questionnaire exp \
  --labels --language ur --tz Europe/London --bom
e2e_expect "CSV --bom: starts with EF BB BF" "efbbbf" "$(head -c 3 "$T/ur.csv" | od -An -tx1 | tr -d ' \n')"
e2e_contains "CSV --tz: the header names the zone" "$T/ur.csv" \
  '"started_at \(Europe/London\)","submitted_at \(Europe/London\)"'
e2e_contains "... 12:00Z in July is 13:00 in London; the Urdu label of apple" "$T/ur.csv" \
  "^\"$R1\",.*,\"2026-07-01 13:00:00\",42,\"2026-06-30\",\"true\",\"سیب\",1,0,1,0,"
e2e_contains "... 10:01Z in November is 10:01; pear has no Urdu label: English" "$T/ur.csv" \
  "^\"$R2\",.*,\"2026-11-27 10:01:00\",-3.5,,\"false\",\"Pear\","
ex "export with labels" en.csv responses --questionnaire exp --labels
e2e_contains "CSV --labels: the default language's label" "$T/en.csv" "^\"$R1\",.*,\"Apple\",1,0,1,0,"
ex "export with lists as JSON" json.csv responses --questionnaire exp --multi json
e2e_contains "CSV --multi json: one needs column with the list" "$T/json.csv" \
  "^\"$R1\",.*,\"apple\",\"\[\"\"food\"\",\"\"debt\"\"\]\",\"'=1\+1\""
ex "export of north" north.csv responses --questionnaire exp --region north
e2e_expect "CSV --region north: only north's responses" "2 0" \
  "$(grep -c "\"$N\"" "$T/north.csv") $(grep -c "\"$S\"" "$T/north.csv")"
ex "export contacts" contacts.csv contacts --bom --tz Europe/London
e2e_contains "CSV contacts: a column per topic, ; inside a value kept" "$T/contacts.csv" \
  '"duration_min","topics__debt","topics__food;fuel","topics__south-secret","support"'
e2e_contains "... the contact has both topics, contact_at in London time" "$T/contacts.csv" \
  "^\"$C1\",\"north\",\"P-1\",\"2026-07-01 13:00:00\",\"phone\",,1,1,0,"
ex "export contacts of north" contacts-n.csv contacts --region north
e2e_expect "CSV contacts --region north: no column names a south topic" 0 \
  "$(grep -c south-secret "$T/contacts-n.csv")"
e2e_run "JSON Lines takes no labels" 2 "$HUB" export --data "$DATA" responses --format jsonl --labels
e2e_run "--tz of an unknown zone" 2 "$HUB" export --data "$DATA" contacts --tz Mars/Base
e2e_contains "... named" "$T/err" "unknown time zone Mars/Base"
e2e_run "--tz with a path" 2 "$HUB" export --data "$DATA" contacts --tz ../../etc/passwd
e2e_run "--language without --labels" 2 "$HUB" export --data "$DATA" responses --questionnaire exp --language ur
e2e_run "--bom for XLSX" 2 "$HUB" export --data "$DATA" responses --format xlsx --bom --output "$T/no.xlsx"

"$HUB" audit --data "$DATA" --json >"$T/audit.jsonl"
e2e_contains "the audit entry names the options given" "$T/audit.jsonl" \
  '"bom":true,"format":"csv","labels":true,"language":"ur","output":"stdout","questionnaire":"exp","rows":3,"table":"responses","tz":"Europe/London"'
e2e_expect "... and no answer" 0 "$(grep -c 'سیب\|1+1' "$T/audit.jsonl")"

# ---- XLSX ----
if command -v script >/dev/null; then
  script -qec "$HUB export --data $DATA responses --format xlsx" /dev/null >"$T/tty.out" 2>&1
  e2e_contains "XLSX to a terminal is refused" "$T/tty.out" "cannot go to a terminal"
fi
umask 022
e2e_run "export responses as XLSX" 0 "$HUB" export --data "$DATA" responses --questionnaire exp \
  --format xlsx --output "$T/exp.xlsx" --tz Europe/London --labels --language ur
e2e_expect "... the file is 0600" 600 "$(stat -c %a "$T/exp.xlsx")"
e2e_run "... an existing file is refused" 1 "$HUB" export --data "$DATA" responses --format xlsx \
  --output "$T/exp.xlsx"
e2e_run "export every questionnaire as XLSX to a redirected stdout" 0 sh -c \
  "\"$HUB\" export --data \"$DATA\" responses --format xlsx >\"$T/all.xlsx\""
e2e_expect "... made 0600" 600 "$(stat -c %a "$T/all.xlsx")"
e2e_run "export contacts as XLSX" 0 "$HUB" export --data "$DATA" contacts --format xlsx \
  --output "$T/contacts.xlsx"
e2e_expect "no temporary directory is left" "" "$(ls -A "$TMPDIR")"

# The XML of the workbook: sheet names and cell types.
python3 - "$T/exp.xlsx" "$T/all.xlsx" "$R1" >"$T/xml.out" 2>&1 <<'EOF'
import re, sys, zipfile
z = zipfile.ZipFile(sys.argv[1])
wb = z.read("xl/workbook.xml").decode()
print("sheets", re.findall(r'<sheet name="([^"]*)"', wb))
s1 = z.read("xl/worksheets/sheet1.xml").decode()
print("formulas", s1.count("<f>") + s1.count("<f "))
print("inline", "=1+1" in s1 and 't="inlineStr"' in s1)
row = [r for r in re.findall(r'<row r="[0-9]+">.*?</row>', s1) if sys.argv[3] in r][0]
print("bool", bool(re.search(r'<c r="L[0-9]+" t="b"><v>1</v></c>', row)))
print("num", bool(re.search(r'<c r="J[0-9]+"><v>42</v></c>', row)))
z = zipfile.ZipFile(sys.argv[2])
print("all", re.findall(r'<sheet name="([^"]*)"', z.read("xl/workbook.xml").decode()))
EOF
e2e_expect "XLSX: a sheet per version and a Codebook" \
  "sheets ['exp v1', 'exp v2', 'Codebook']" "$(grep '^sheets' "$T/xml.out")"
e2e_expect "... no formula in the XML" "formulas 0" "$(grep '^formulas' "$T/xml.out")"
e2e_expect "... =1+1 an inline string" "inline True" "$(grep '^inline' "$T/xml.out")"
e2e_expect "... yes_no a boolean cell" "bool True" "$(grep '^bool' "$T/xml.out")"
e2e_expect "... 42 a number cell" "num True" "$(grep '^num' "$T/xml.out")"
e2e_expect "XLSX without --questionnaire: every questionnaire, names of 31 characters at most" \
  "all ['a-questionnaire-with-a-very- v1', 'exp v1', 'exp v2', 'Codebook']" "$(grep '^all' "$T/xml.out")"

# ---- LibreOffice reads them ----
# One soffice run for the workbooks (flat ODF: every sheet with its cells'
# types and values), one for the CSV files with the UTF-8 import filter.
soffice_run() { # NAME INFILTER FILES...
  local name=$1 filter=$2 start=$SECONDS
  shift 2
  mkdir -p "$T/home"
  if timeout -k 5 100 env HOME="$T/home" "$SOFFICE" --headless --norestore --nolockcheck \
    "-env:UserInstallation=file://$T/lo" --convert-to fods ${filter:+--infilter="$filter"} \
    --outdir "$T/$name" "$@" >"$T/soffice-$name.log" 2>&1; then
    e2e_pass "LibreOffice opens the $name files ($((SECONDS - start)) s)"
  else
    e2e_fail "LibreOffice opens the $name files" "$(tail -5 "$T/soffice-$name.log")"
  fi
}
soffice_run xlsx "" "$T/exp.xlsx" "$T/contacts.xlsx"
soffice_run csv 'CSV:44,34,76,1' "$T/ur.csv" "$T/contacts.csv"

# fods_dump FILE: "SHEET<TAB>ROW<TAB>COL<TAB>TYPE<TAB>VALUE<TAB>TEXT<TAB>FORMULA" per cell.
fods_dump() { python3 "$(dirname "$0")/fods_dump.py" "$1"; }
cell() { # CELLS SHEET ROW COL: "TYPE VALUE TEXT"
  awk -F'\t' -v s="$2" -v r="$3" -v c="$4" '$1 == s && $2 == r && $3 == c { print $4 " " $5 " " $6 }' "$1"
}
for f in xlsx/exp xlsx/contacts csv/ur csv/contacts; do
  [ -s "$T/$f.fods" ] && fods_dump "$T/$f.fods" >"$T/$f.cells"
done
X=$T/xlsx/exp.cells
if [ -s "$X" ]; then
  # LibreOffice holds an XLSX boolean as =TRUE() or =FALSE() with a
  # boolean format: those, and nothing else.
  e2e_expect "LibreOffice, XLSX: no cell holds a formula but true/false" 0 \
    "$(awk -F'\t' '$7 != "-" && $7 != "of:=TRUE()" && $7 != "of:=FALSE()"' "$T"/xlsx/*.cells | wc -l)"
  e2e_expect "... the header names the zone" "string  submitted_at (Europe/London)" "$(cell "$X" 'exp v1' 0 8)"
  r1=$(awk -F'\t' -v id="$R1" '$1 == "exp v1" && $3 == 0 && $6 == id { print $2 }' "$X")
  e2e_expect "... version a float" "float 1 1" "$(cell "$X" 'exp v1' "$r1" 3)"
  e2e_expect "... submitted_at a date, 13:00 in London" "date 2026-07-01T13:00:00 2026-07-01 13:00:00" \
    "$(cell "$X" 'exp v1' "$r1" 8)"
  e2e_expect "... num the number 42" "float 42 42" "$(cell "$X" 'exp v1' "$r1" 9)"
  e2e_expect "... day a date" "date 2026-06-30 2026-06-30" "$(cell "$X" 'exp v1' "$r1" 10)"
  e2e_expect "... ok the boolean TRUE" "float 1 TRUE of:=TRUE()" "$(cell "$X" 'exp v1' "$r1" 11) $(awk -F'\t' -v r="$r1" '$1 == "exp v1" && $2 == r && $3 == 11 { print $7 }' "$X")"
  e2e_expect "... fruit its Urdu label" "string  سیب" "$(cell "$X" 'exp v1' "$r1" 12)"
  e2e_expect "... needs__food 1, needs__fuel 0" "float 1 1|float 0 0" \
    "$(cell "$X" 'exp v1' "$r1" 13)|$(cell "$X" 'exp v1' "$r1" 14)"
  e2e_expect "... =1+1 the text =1+1, not a formula" "string  =1+1" "$(cell "$X" 'exp v1' "$r1" 16)"
  e2e_expect "... v2's sheet has rent" "string  needs__rent" "$(cell "$X" 'exp v2' 0 16)"
  e2e_expect "... south's response with rent 1" "float 1 1" "$(cell "$X" 'exp v2' 1 16)"
  e2e_contains "... the Codebook holds the Urdu label of food and its column" "$X" \
    $'^Codebook\t[0-9]+\t6\tstring\t\tکھانا'
  e2e_contains "... and needs__food" "$X" $'^Codebook\t[0-9]+\t7\tstring\t\tneeds__food'
fi
X=$T/xlsx/contacts.cells
if [ -s "$X" ]; then
  c1=$(awk -F'\t' -v id="$C1" '$3 == 0 && $6 == id { print $2 }' "$X")
  e2e_expect "LibreOffice, XLSX contacts: contact_at a date in UTC" "date 2026-07-01T12:00:00 2026-07-01 12:00:00" \
    "$(cell "$X" Contacts "$c1" 3)"
  e2e_expect "... topics__food;fuel 1" "string  topics__food;fuel|float 1 1" \
    "$(cell "$X" Contacts 0 7)|$(cell "$X" Contacts "$c1" 7)"
  notes=$(awk -F'\t' -v r="$c1" '$1 == "Contacts" && $2 == r && $6 ~ /^bell/ { print $6 }' "$X")
  # XML 1.0 cannot hold U+0007 or U+001F: libxlsxwriter writes them as
  # _x0007_ and _x001F_, which LibreOffice reads and drops (Excel shows
  # them); the rest of the text is whole.
  e2e_expect "... notes with control characters: the workbook opens, the text whole" \
    "bell unit _x0041_ end" "$notes"
  e2e_expect "... its XML well-formed" ok "$(python3 -c 'import sys, zipfile, xml.etree.ElementTree as ET
z = zipfile.ZipFile(sys.argv[1]); [ET.fromstring(z.read(n)) for n in z.namelist() if n.endswith(".xml")]; print("ok")' "$T/contacts.xlsx" 2>&1 | tail -1)"
fi
X=$T/csv/ur.cells
if [ -s "$X" ]; then
  e2e_expect "LibreOffice, CSV with a BOM: the first header is id" "string  id" "$(cell "$X" ur 0 0)"
  r1=$(awk -F'\t' -v id="$R1" '$3 == 0 && $6 == id { print $2 }' "$X")
  e2e_expect "... 13:00 in London" "13:00:00" "$(cell "$X" ur "$r1" 8 | grep -o '13:00:00' | head -1)"
  e2e_expect "... the Urdu label" "string  سیب" "$(cell "$X" ur "$r1" 12)"
  e2e_expect "... needs__food the number 1" "float 1 1" "$(cell "$X" ur "$r1" 13)"
  e2e_expect "... =1+1 reads as the text '=1+1" "string  '=1+1" "$(cell "$X" ur "$r1" 17)"
  e2e_expect "... no formula" 0 "$(awk -F'\t' '$7 != "-"' "$T"/csv/*.cells | wc -l)"
fi
X=$T/csv/contacts.cells
if [ -s "$X" ]; then
  e2e_expect "LibreOffice, contacts CSV: topics__food;fuel one column" "string  topics__food;fuel" "$(cell "$X" contacts 0 7)"
fi
e2e_finish
