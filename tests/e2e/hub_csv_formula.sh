#!/usr/bin/env bash
# hub_csv_formula: text that kiosks send (answers, contact notes, the values
# of a conflict) never opens as a live formula when an admin opens the CSV
# export in a spreadsheet. A real hub on loopback merges responses and
# contacts carrying =HYPERLINK(...), =WEBSERVICE(...), =1+1, +1+1, -1+1,
# @SUM(...), a tab, CR or LF first, leading spaces, full-width = and
# separators inside the text; the three CSV exports are opened by
# LibreOffice headless (soffice --convert-to fods, flat XML) three ways: its
# defaults, with "remove spaces" and "detect special numbers" on, and with
# comma, semicolon, tab and space all as separators. No cell may hold a
# formula; every hostile text must read as the text with one ' before it; a
# benign text and a negative number in a number column must be unchanged.
# JSON Lines must stay as stored.
#
# usage: hub_csv_formula.sh FIELDSYNC_HUB     (exit 77: no soffice here)
HUB=${1:?usage: hub_csv_formula.sh FIELDSYNC_HUB}
. "$(dirname "$0")/lib.sh"
SOFFICE=$(command -v soffice || command -v libreoffice) || {
  echo "skip: no soffice (Debian package libreoffice-calc-nogui, scripts/deps.sh)"
  exit 77
}
command -v timeout >/dev/null || { echo "hub_csv_formula: needs timeout"; exit 1; }
unset FIELDSYNC_DATA
T=$E2E_TMP
DATA=$T/hub

# ---- the payloads ----
# Each: the JSON string text as a kiosk sends it, then the cell text
# LibreOffice must show, in the notation of fods_cells below (\t a tab, \n a
# line break; LibreOffice makes a CR a line break). Each is unique so that
# its cell can be found by its text. A third argument "contacts": a text
# answer may not start with white space (the hub quarantines it), so that
# payload goes into contact notes only.
JSON=() WANT=() ONLY=()
add() { JSON+=("$1"); WANT+=("$2"); ONLY+=("${3:-}"); }
add '=HYPERLINK(\"http://x\",\"y\")' "'=HYPERLINK(\"http://x\",\"y\")"
add '=WEBSERVICE(\"http://127.0.0.1:1/\")' "'=WEBSERVICE(\"http://127.0.0.1:1/\")"
add "=cmd|' /C calc'!A0" "'=cmd|' /C calc'!A0"
add '=1+1' "'=1+1"
add '+2+2' "'+2+2"
add '-3+3' "'-3+3"
add '@SUM(4,4)' "'@SUM(4,4)"
add '\t=5+5' "'\\t=5+5" contacts
add '\r=6+6' "'\\n=6+6" contacts
add '\n=7+7' "'\\n=7+7" contacts
add ' =8+8' "' =8+8" contacts
add '\u00a0=9+9' "'"$'\xc2\xa0'"=9+9" contacts    # U+00A0 no-break space
add '\uff1d10+10' "'"$'\xef\xbc\x9d'"10+10"       # U+FF1D full-width =
add "'=11+11" "''=11+11"
add '-12' "'-12"
add 'a;=13+13' 'a;=13+13'
add 'b =14+14' 'b =14+14'
add 'c,=15+15' 'c,=15+15'
add 'd\t=16+16' 'd\t=16+16'
BENIGN='Kind staff, thank you'

# ---- a hub with a questionnaire, two kiosks of one region ----
cat >"$T/q.json" <<'EOF'
{"format": "fieldsync-questionnaire/1", "id": "csv-test", "version": 1, "languages": ["en"],
 "title": {"en": "CSV test"},
 "questions": [
  {"id": "note", "type": "text", "multiline": true, "label": {"en": "Note"}},
  {"id": "num", "type": "number", "label": {"en": "Number"}}
 ]}
EOF
"$HUB" publish --data "$DATA" "$T/q.json" >/dev/null || exit 1
e2e_hub_start "$HUB" "$DATA" || exit 1
e2e_enroll "$HUB" "$DATA" north kiosk-a || exit 1
A=$E2E_SITE A_TOKEN=$E2E_TOKEN
e2e_enroll "$HUB" "$DATA" north kiosk-b || exit 1
B=$E2E_SITE B_TOKEN=$E2E_TOKEN

response() { # SITE NOTE_JSON NUM
  e2e_response_change "$1" "$(e2e_uuid)" "$(printf '{"questionnaire":"csv-test","version":1,"language":"en","mode":"self","started_at":"2026-11-27T10:00:00Z","submitted_at":"2026-11-27T10:01:00Z","answers":{"note":"%s","num":%s}}' "$2" "$3")"
}
contact() { # SITE ID NOTES_JSON [HLC]
  printf '%s,%s,%s,%s,%s' "$(e2e_contact_change "$1" north "$2" person_ref '"P-1"' "${4:-}")" \
    "$(e2e_contact_change "$1" north "$2" contact_at '"2026-11-27T10:00:00Z"' "${4:-}")" \
    "$(e2e_contact_change "$1" north "$2" channel '"phone"' "${4:-}")" \
    "$(e2e_contact_change "$1" north "$2" worker '"w-test"' "${4:-}")" \
    "$(e2e_contact_change "$1" north "$2" notes "\"$3\"" "${4:-}")"
}
changes=$(response "$A" "$BENIGN" -3) count=1
for i in "${!JSON[@]}"; do
  changes+=,$(contact "$A" "$(e2e_uuid)" "${JSON[$i]}") count=$((count + 5))
  [ -z "${ONLY[$i]}" ] && changes+=,$(response "$A" "${JSON[$i]}" 1) count=$((count + 1))
done
# The same contact's notes written by both kiosks, neither knowing the
# other's: the hub records a conflict holding both texts.
CC=$(e2e_uuid) NOW=$(e2e_now_ms)
changes+=,$(contact "$A" "$CC" '=HYPERLINK(\"http://x\",\"conflict\")' "$(e2e_hlc "$NOW")")
e2e_changeset "$A" "$changes" $((count + 5)) | gzip -c >"$T/a.gz"
e2e_expect "kiosk a pushes responses and contacts" 200 "$(e2e_sync a "$A_TOKEN" "$T/a.gz")"
e2e_changeset "$B" "$(contact "$B" "$CC" '@SUM(17,17)' "$(e2e_hlc $((NOW + 1000)))")" 5 | gzip -c >"$T/b.gz"
e2e_expect "kiosk b writes the same contact's notes" 200 "$(e2e_sync b "$B_TOKEN" "$T/b.gz")"

# ---- export ----
for what in responses contacts conflicts; do
  args=()
  [ "$what" = responses ] && args=(--questionnaire csv-test)
  "$HUB" export --data "$DATA" "$what" "${args[@]}" >"$T/$what.csv" 2>"$T/err" ||
    e2e_fail "export $what as CSV" "$(cat "$T/err")"
done
e2e_expect "the hub recorded the conflict" 1 "$(grep -c "$CC" "$T/conflicts.csv")"
e2e_expect "no response was quarantined" 0 "$(sqlite3 "$DATA/hub.db" 'SELECT count(*) FROM quarantine')"
grep -qF "\"'=1+1\"" "$T/responses.csv" && e2e_pass "the CSV holds \"'=1+1\" for =1+1" ||
  e2e_fail "the CSV holds \"'=1+1\" for =1+1" "$(grep -F '1+1' "$T/responses.csv" | head -3)"
grep -q $',-3\r$' "$T/responses.csv" && e2e_pass "... and -3 in the number column bare" ||
  e2e_fail "... and -3 in the number column bare" "$(grep -F "$BENIGN" "$T/responses.csv")"
"$HUB" export --data "$DATA" responses --format jsonl >"$T/responses.jsonl"
grep -qF '"note":"=1+1","num":1}' "$T/responses.jsonl" && e2e_pass "JSON Lines holds the text as stored" ||
  e2e_fail "JSON Lines holds the text as stored" "$(grep -F '1+1' "$T/responses.jsonl" | head -2)"

# ---- open the CSV in LibreOffice ----
# fods_cells FILE: one line per non-empty cell, "TYPE FORMULA TEXT": the
# office:value-type, F when the cell holds a formula (- otherwise), and its
# text with \t for a tab and \n between paragraphs.
fods_cells() {
  local line tag type formula body
  tr -d '\n' <"$1" | sed 's#<table:table-cell#\n&#g' | grep '^<table:table-cell' |
    while IFS= read -r line; do
      tag=${line%%>*}
      [[ $tag == */ ]] && continue
      type=none formula=-
      [[ $tag =~ office:value-type=\"([a-z]+)\" ]] && type=${BASH_REMATCH[1]}
      [[ $tag == *table:formula=* ]] && formula=F
      body=${line#*>}
      body=${body%%</table:table-cell>*}
      printf '%s %s %s\n' "$type" "$formula" "$(sed -E -e 's#^ +##; s# +$##' \
        -e 's#<text:p/>#<text:p></text:p>#g' -e 's#</text:p> *<text:p>#\\n#g' \
        -e 's#<text:tab/>#\\t#g' -e 's#<text:line-break/>#\\n#g' -e 's#<text:s/># #g' \
        -e 's#<text:s text:c="([0-9]+)"/>#[\1 spaces]#g' -e 's#<[^>]*>##g' \
        -e "s#&quot;#\"#g; s#&apos;#'#g; s#&lt;#<#g; s#&gt;#>#g; s#&amp;#\\&#g" <<<"$body")"
    done
}

# soffice_open NAME FILTER: convert the three exports to fods with that CSV
# import filter, in a private profile, within 100 s.
soffice_open() {
  local start=$SECONDS
  mkdir -p "$T/home"
  if timeout -k 5 100 env HOME="$T/home" "$SOFFICE" --headless --norestore --nolockcheck \
    "-env:UserInstallation=file://$T/lo" --convert-to fods --infilter="$2" \
    --outdir "$T/$1" "$T/responses.csv" "$T/contacts.csv" "$T/conflicts.csv" \
    >"$T/soffice-$1.log" 2>&1 && [ -s "$T/$1/conflicts.fods" ]; then
    e2e_pass "$1: LibreOffice opens the three exports ($((SECONDS - start)) s)"
  else
    e2e_fail "$1: LibreOffice opens the three exports" "$(tail -5 "$T/soffice-$1.log")"
    return 1
  fi
  for what in responses contacts conflicts; do
    fods_cells "$T/$1/$what.fods" >"$T/$1/$what.cells"
  done
}

check_reading() { # NAME
  local n=$1 i f got want cells
  cells=("$T/$n/responses.cells" "$T/$n/contacts.cells")
  got=$(cat "$T/$n"/*.cells | grep -c '^[a-z]* F ')
  e2e_expect "$n: no cell of any export holds a formula" 0 "$got"
  [ "$got" = 0 ] || cat "$T/$n"/*.cells | grep '^[a-z]* F ' | head -5
  for i in "${!WANT[@]}"; do
    for f in "${cells[@]}"; do
      [ -n "${ONLY[$i]}" ] && [[ $f != *contacts* ]] && continue
      if grep -qxF -- "string - ${WANT[$i]}" "$f"; then
        e2e_pass "$n: $(basename "$f" .cells): ${JSON[$i]} reads as the text ${WANT[$i]}"
      else
        e2e_fail "$n: $(basename "$f" .cells): ${JSON[$i]} reads as the text ${WANT[$i]}" \
          "$(grep -F -- "${WANT[$i]:2:4}" "$f" | head -2 | tr '\n' '|')"
      fi
    done
  done
  for want in "'=HYPERLINK(\"http://x\",\"conflict\")" "'@SUM(17,17)"; do
    grep -qxF -- "string - $want" "$T/$n/conflicts.cells" &&
      e2e_pass "$n: conflicts: $want reads as text" ||
      e2e_fail "$n: conflicts: $want reads as text" "$(grep -F SUM "$T/$n/conflicts.cells")"
  done
  e2e_expect "$n: a benign text is unchanged" 1 "$(grep -cxF "string - $BENIGN" "${cells[0]}")"
  e2e_expect "$n: -3 in the number column is the number -3" 1 \
    "$(grep -cxF 'float - -3' "${cells[0]}")"
  grep -q 'office:value-type="float" office:value="-3"' "$T/$n/responses.fods" &&
    e2e_pass "$n: ... with the value -3" || e2e_fail "$n: ... with the value -3"
}

# CSV import filter: separators, text delimiter ", UTF-8 (76), from line 1,
# column formats, language, quoted as text, detect special numbers, -, -,
# remove spaces, -, evaluate formulas.
soffice_open defaults 'CSV:44,34,76,1' && check_reading defaults
soffice_open trim 'CSV:44,34,76,1,,1033,false,true,false,false,true,-1,true' && check_reading trim
soffice_open separators 'CSV:44/59/9/32,34,76,1,,1033,false,true,false,false,false,-1,true' &&
  check_reading separators
"$SOFFICE" --version 2>/dev/null | head -1
e2e_finish
