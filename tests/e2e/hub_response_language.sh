#!/usr/bin/env bash
# hub_response_language: a response's language must be one of its
# questionnaire's (issue 9). Through a real hub: a response in a well-formed
# tag the questionnaire does not offer is quarantined (200, acknowledged, not
# merged, not exported); one whose language is not a tag at all is refused
# with the whole set (422 invalid_changeset); one in an offered language is
# merged. friends-and-family offers ["en", "cy"].
#
# usage: hub_response_language.sh FIELDSYNC_HUB
HUB=${1:?usage: hub_response_language.sh FIELDSYNC_HUB}
. "$(dirname "$0")/lib.sh"
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
for tool in curl gzip sqlite3; do
  command -v "$tool" >/dev/null || { echo "hub_response_language: needs $tool"; exit 1; }
done

DATA=$E2E_TMP/hub
DB=$DATA/hub.db
T=$E2E_TMP

"$HUB" publish --data "$DATA" "$ROOT/schema/examples/friends-and-family.json" >/dev/null ||
  { echo "publish failed"; exit 1; }
e2e_hub_start "$HUB" "$DATA" || exit 1
e2e_enroll "$HUB" "$DATA" north kiosk-n1 || exit 1
SITE=$E2E_SITE TOKEN=$E2E_TOKEN

body() { # LANGUAGE
  printf '{"questionnaire":"friends-and-family","version":1,"language":"%s","mode":"self","started_at":"2026-11-27T09:12:00Z","submitted_at":"2026-11-27T09:15:30Z","answers":{"overall":"good"}}' "$1"
}
SEQ=0
# push NAME LANGUAGE: one response in LANGUAGE as a change set of its own;
# the status in $status, the response's id in $ID.
push() {
  SEQ=$((SEQ + 1))
  ID=$(e2e_uuid)
  e2e_changeset "$SITE" "$(e2e_response_change "$SITE" "$ID" "$(body "$2")")" "$SEQ" |
    gzip -c >"$T/$1.gz"
  status=$(e2e_sync "$1" "$TOKEN" "$T/$1.gz")
}
count() { sqlite3 -readonly "$DB" "$1"; }

for lang in pl en-GB ur; do
  push "lang_$lang" "$lang"
  e2e_expect "$lang (a tag, not offered): accepted" 200 "$status"
  e2e_expect "$lang: acknowledged" "$SEQ" \
    "$(tr -d '\r' <"$T/lang_$lang.headers" | sed -n 's/^Fieldsync-Ack: //Ip')"
  e2e_expect "$lang: not merged" 0 "$(count "SELECT count(*) FROM responses WHERE id = '$ID'")"
  e2e_expect "$lang: quarantined with the reason" 1 \
    "$(count "SELECT count(*) FROM quarantine WHERE record_id = '$ID' AND reason LIKE '%language%\"$lang\"%'")"
done

for lang in EN abcdefgh xx-1-2-3-4-5-6 en_GB; do
  push "bad_$lang" "$lang"
  e2e_expect "$lang (not a tag): refused" 422 "$status"
  e2e_expect "$lang: error code" invalid_changeset "$(e2e_json_str "$T/bad_$lang.body" error)"
  grep -q 'key \\"language\\"' "$T/bad_$lang.body" ||
    e2e_fail "$lang: message names the key" "$(head -c 300 "$T/bad_$lang.body")"
  e2e_expect "$lang: nothing stored" 0 "$(count "SELECT count(*) FROM responses WHERE id = '$ID'")"
done

for lang in en cy; do
  push "ok_$lang" "$lang"
  e2e_expect "$lang (offered): merged" "200 1" \
    "$status $(count "SELECT count(*) FROM responses WHERE id = '$ID' AND language = '$lang'")"
done

"$HUB" export --data "$DATA" responses --format jsonl >"$T/export.jsonl" ||
  e2e_fail "export"
e2e_expect "export holds only the offered languages" "cy en" \
  "$(sed -n 's/.*"language":"\([^"]*\)".*/\1/p' "$T/export.jsonl" | sort | tr '\n' ' ' | sed 's/ $//')"

e2e_finish
