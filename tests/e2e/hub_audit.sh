#!/usr/bin/env bash
# hub_audit: the audit trail with the real hub: publish, enroll (made and
# redeemed), export and revoke each leave one entry with the right actor and
# no personal data; exports are created 0600; POST /v1/audit refuses bad
# bodies clearly and appends nothing, and appends a kiosk's worker events
# under the authenticated site; `audit --since/--json/--verify`; a trail
# changed behind the hub's back fails --verify naming the entry.
#
# usage: hub_audit.sh FIELDSYNC_HUB
HUB=${1:?usage: hub_audit.sh FIELDSYNC_HUB}
. "$(dirname "$0")/lib.sh"
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
for tool in curl gzip jq; do
  command -v "$tool" >/dev/null || { echo "hub_audit: needs $tool"; exit 1; }
done
unset FIELDSYNC_DATA
T=$E2E_TMP
DATA=$T/hub
ADMIN="admin:$(id -un | tr -c 'A-Za-z0-9._\n-' _)@"

run() { e2e_run "$@"; }
contains() { e2e_contains "$@"; }
lacks() { # NAME FILE PATTERN: FILE does not match
  if grep -aqE -- "$3" "$2"; then e2e_fail "$1" "$(grep -aE -- "$3" "$2" | head -3)"; else e2e_pass "$1"; fi
}
# The trail as JSON Lines in $T/audit.jsonl; its entry count printed.
trail() {
  "$HUB" audit --data "$DATA" --json >"$T/audit.jsonl" || { echo "audit failed" >&2; return 1; }
  wc -l <"$T/audit.jsonl"
}
# last ACTION: the last entry of that action, as JSON.
last() { jq -c "select(.action == \"$1\")" "$T/audit.jsonl" | tail -n 1; }
# sql SQL: change the store behind the hub's back.
sql() {
  if e2e_pg; then
    psql -qAtX -v ON_ERROR_STOP=1 "$(e2e_pg_uri "$DATA")" -c "$1"
  else
    sqlite3 "$DATA/hub.db" "$1"
  fi
}

run "audit --help" 0 "$HUB" audit --help
contains "... shows its usage" "$T/out" '^usage: fieldsync-hub audit'
run "audit --since nonsense" 2 "$HUB" audit --data "$DATA" --since yesterday
run "audit on a new hub" 0 "$HUB" audit --data "$DATA"
e2e_expect "... prints nothing" "" "$(cat "$T/out")"

# ---- publish ----
run "publish" 0 "$HUB" publish --data "$DATA" "$ROOT/schema/examples/friends-and-family.json"
e2e_expect "publish leaves one entry" 1 "$(trail)"
e2e_expect "... by the admin at this host" "$ADMIN$(hostname | tr -c 'A-Za-z0-9._\n-' _)" \
  "$(last publish | jq -r .actor)"
e2e_expect "... naming the questionnaire and version" '{"questionnaire":"friends-and-family","version":1}' \
  "$(last publish | jq -c .detail)"
run "publish the same again" 0 "$HUB" publish --data "$DATA" "$ROOT/schema/examples/friends-and-family.json"
e2e_expect "... a no-op leaves no entry" 1 "$(trail)"

# ---- enroll: the code made, then redeemed ----
run "enroll" 0 "$HUB" enroll --data "$DATA" --region north
CODE=$(cat "$T/out")
e2e_expect "enroll leaves one entry" 2 "$(trail)"
e2e_expect "... with its region and lifetime" 'north 86400' "$(last enroll | jq -r '.detail.region + " " + (.detail.ttl_s|tostring)')"
lacks "... and never the code" "$T/audit.jsonl" "${CODE//-/-?}"
e2e_hub_start "$HUB" "$DATA" || exit 1
body=$(printf '{"code":"%s","name":"kiosk-n1"}' "$CODE")
e2e_expect "a kiosk redeems the code" 200 \
  "$(e2e_http enroll -H 'Content-Type: application/json' -d "$body" "$E2E_HUB_URL/v1/enroll")"
SITE=$(e2e_json_str "$T/enroll.body" site)
TOKEN=$(e2e_json_str "$T/enroll.body" token)
e2e_expect "the redeemed code leaves one entry" 3 "$(trail)"
e2e_expect "... by the device" "device:$SITE" "$(last enroll_redeem | jq -r .actor)"
lacks "... without its token" "$T/audit.jsonl" "${TOKEN#*.}"

# ---- personal data in the store: never in the trail ----
CID=$(e2e_uuid) RID=$(e2e_uuid)
REF=JaneSmith1957 NOTE='Jane told us about her housing worry'
changes="$(e2e_contact_change "$SITE" north "$CID" person_ref "\"$REF\""),$(e2e_contact_change "$SITE" north "$CID" notes "\"$NOTE\""),$(e2e_response_change "$SITE" "$RID" "$(printf '{"questionnaire":"friends-and-family","version":1,"language":"en","mode":"self","started_at":"2026-11-27T10:00:00Z","submitted_at":"2026-11-27T10:01:00Z","answers":{"overall":"good","why":"%s"}}' "$NOTE")")"
e2e_changeset "$SITE" "$changes" 3 | gzip -c >"$T/push.gz"
e2e_expect "the kiosk pushes a contact and a response" 200 "$(e2e_sync push "$TOKEN" "$T/push.gz")"

# ---- export: audited with its filters and rows; 0600 ----
umask 022
"$HUB" export --data "$DATA" contacts --region north >"$T/contacts.csv"
e2e_expect "export to a redirected stdout" 0 $?
e2e_expect "... the file is made 0600" 600 "$(stat -c %a "$T/contacts.csv")"
contains "... and holds the contact" "$T/contacts.csv" "$REF"
e2e_expect "export leaves one entry" 4 "$(trail)"
e2e_expect "... with its filters and rows" '{"format":"csv","output":"stdout","region":"north","rows":1,"table":"contacts"}' \
  "$(last export | jq -c .detail)"
umask 000
run "export --output" 0 "$HUB" export --data "$DATA" responses --format jsonl --output "$T/responses.jsonl"
umask 022
e2e_expect "... creates the file 0600 whatever the umask" 600 "$(stat -c %a "$T/responses.jsonl")"
contains "... holding the response" "$T/responses.jsonl" "$RID"
e2e_expect "... one entry, the output not named" '{"format":"jsonl","output":"file","rows":1,"table":"responses"}' \
  "$(trail >/dev/null; last export | jq -c .detail)"
run "export --output to an existing file" 1 "$HUB" export --data "$DATA" contacts --output "$T/responses.jsonl"
contains "... is refused" "$T/err" 'never overwrites'
contains "... leaving it as it was" "$T/responses.jsonl" "$RID"
e2e_expect "... and is not audited" 5 "$(trail)"

# ---- POST /v1/audit: worker events ----
post() { # NAME BODY [CURL_ARGS...]: the status
  local name=$1 body=$2
  shift 2
  printf '%s' "$body" >"$T/$name.json"
  e2e_http "$name" -H "Authorization: Bearer $TOKEN" -H 'Content-Type: application/json' \
    --data-binary @"$T/$name.json" "$@" "$E2E_HUB_URL/v1/audit"
}
NOW=$(e2e_now_ms)
ev() { # ACTION WORKER [CONTACT] [AT]
  printf '{"id":"%s","action":"%s"%s,"at":%s%s}' "$(e2e_uuid)" "$1" \
    "${2:+,\"worker\":\"$2\"}" "${4:-$NOW}" "${3:+,\"contact\":\"$3\"}"
}
bad() { # NAME BODY PATTERN
  e2e_expect "/v1/audit refuses $1" 400 "$(post bad "$2")"
  contains "... saying why" "$T/bad.body" "$3"
}
bad "a body that is not JSON" 'nope' 'not valid JSON'
bad "another shape" '[1]' 'must be \{\\"events\\"'
bad "an unknown action" "{\"events\":[$(ev worker_dance w-amina)]}" 'event 0: action must be'
bad "a worker id that is free text" "{\"events\":[$(ev worker_login 'Jane Smith')]}" 'event 0: worker must be'
bad "a login with no worker" "{\"events\":[$(ev worker_login '')]}" 'needs the session'
bad "a contact edit without its contact" "{\"events\":[$(ev contact_edit w-amina)]}" 'needs contact, a UUID'
bad "a contact that is not a UUID" "{\"events\":[$(ev contact_edit w-amina not-a-uuid)]}" 'needs contact, a UUID'
bad "a time in the future" "{\"events\":[$(ev worker_login w-amina '' $((NOW + 3600000)))]}" 'at must be'
bad "a time before 2020" "{\"events\":[$(ev worker_login w-amina '' 1000)]}" 'at must be'
bad "a site in the body" "{\"events\":[{\"id\":\"$(e2e_uuid)\",\"action\":\"worker_login\",\"worker\":\"w-amina\",\"at\":$NOW,\"site\":\"k-other\"}]}" 'unknown key'
bad "a free-text note" "{\"events\":[{\"id\":\"$(e2e_uuid)\",\"action\":\"contact_edit\",\"worker\":\"w-amina\",\"at\":$NOW,\"contact\":\"$CID\",\"notes\":\"$NOTE\"}]}" 'unknown key'
bad "a good event after a bad one" "{\"events\":[$(ev worker_login w-amina),$(ev worker_login 'no way')]}" 'event 1: worker'
many=$(for i in $(seq 501); do ev worker_login w-amina; printf ,; done)
bad "over 500 events" "{\"events\":[${many%,}]}" 'at most 500'
big=$(head -c 70000 /dev/zero | tr '\0' x)
e2e_expect "/v1/audit refuses a body over 64 KiB" 413 "$(post big "{\"events\":[],\"x\":\"$big\"}")"
e2e_expect "/v1/audit needs a token" 401 "$(e2e_http noauth -H 'Content-Type: application/json' -d '{"events":[]}' "$E2E_HUB_URL/v1/audit")"
e2e_expect "/v1/audit needs JSON" 415 "$(e2e_http type -H "Authorization: Bearer $TOKEN" -H 'Content-Type: text/plain' -d '{"events":[]}' "$E2E_HUB_URL/v1/audit")"
e2e_expect "/v1/audit takes no Content-Encoding" 415 "$(post enc '{"events":[]}' -H 'Content-Encoding: gzip')"
e2e_expect "... nothing of it was appended" 5 "$(trail)"
good="{\"events\":[$(ev worker_login w-amina),$(ev worker_pin_failed ''),$(ev contact_edit w-amina "$CID")]}"
e2e_expect "/v1/audit takes a kiosk's events" 200 "$(post good "$good")"
e2e_expect "... saying how many" 3 "$(jq .added "$T/good.body")"
e2e_expect "... appended under the authenticated site" \
  "worker:w-amina@$SITE worker_login|device:$SITE worker_pin_failed|worker:w-amina@$SITE contact_edit" \
  "$(trail >/dev/null; jq -r '.actor + " " + .action' "$T/audit.jsonl" | tail -n 3 | paste -sd '|')"
e2e_expect "... the contact by id" "$CID" "$(last contact_edit | jq -r .detail.contact)"

# ---- revoke ----
run "revoke" 0 "$HUB" revoke --data "$DATA" "$SITE"
e2e_expect "revoke leaves one entry" 9 "$(trail)"
e2e_expect "... naming the site" "{\"site\":\"$SITE\"}" "$(last revoke | jq -c .detail)"
e2e_expect "a revoked kiosk cannot post events" 403 "$(post revoked "{\"events\":[$(ev worker_login w-amina)]}")"
e2e_hub_stop

# ---- reading and checking the trail ----
lacks "the trail never holds the person_ref" "$T/audit.jsonl" "$REF"
lacks "... nor the notes or answers" "$T/audit.jsonl" 'housing worry'
run "audit as text" 0 "$HUB" audit --data "$DATA"
e2e_expect "... one line per entry" 9 "$(wc -l <"$T/out")"
contains "... id, time, actor, action, detail" "$T/out" "^3 +[0-9-]{10}T[0-9:.]{12}Z  device:$SITE  enroll_redeem  \{\"region\":\"north\",\"site\":\"$SITE\"\}$"
since=$(jq -r 'select(.id == 9) | .at' "$T/audit.jsonl")
run "audit --since RFC 3339" 0 "$HUB" audit --data "$DATA" --since "$since" --json
e2e_expect "... only entries at or after it" "9" "$(jq -r .id "$T/out" | paste -sd ' ')"
run "audit --since ms" 0 "$HUB" audit --data "$DATA" --since "$(jq -r 'select(.id == 5) | .at_ms' "$T/audit.jsonl")"
e2e_expect "... the same in ms" 5 "$(wc -l <"$T/out")"
# The filters and pages the console's Audit log shares (hub_audit_list).
run "audit --until" 0 "$HUB" audit --data "$DATA" --until "$(jq -r 'select(.id == 5) | .at_ms' "$T/audit.jsonl")" --json
e2e_expect "... only entries before it" "$(jq -r "select(.at_ms < $(jq -r 'select(.id == 5) | .at_ms' "$T/audit.jsonl")) | .id" "$T/audit.jsonl" | paste -sd ' ')" \
  "$(jq -r .id "$T/out" | paste -sd ' ')"
run "audit --action" 0 "$HUB" audit --data "$DATA" --action worker_login --json
e2e_expect "... only that action" "worker_login" "$(jq -r .action "$T/out" | sort -u)"
run "audit --actor (part of it)" 0 "$HUB" audit --data "$DATA" --actor "device:" --json
e2e_expect "... only those actors" "device:$SITE" "$(jq -r .actor "$T/out" | sort -u)"
run "audit --last 3" 0 "$HUB" audit --data "$DATA" --last 3 --json
e2e_expect "... the newest three, oldest first" "7 8 9" "$(jq -r .id "$T/out" | paste -sd ' ')"
run "audit --last 2 --actor worker:" 0 "$HUB" audit --data "$DATA" --last 2 --actor worker: --json
e2e_expect "... of the matching ones" "contact_edit" "$(jq -r .action "$T/out" | tail -n 1)"
run "audit --last 0" 2 "$HUB" audit --data "$DATA" --last 0
run "audit --action Bad" 2 "$HUB" audit --data "$DATA" --action 'Bad action'
run "audit --verify --last 3" 2 "$HUB" audit --data "$DATA" --verify --last 3
run "audit --verify" 0 "$HUB" audit --data "$DATA" --verify
contains "... counts the entries and prints the head" "$T/out" '^audit trail verified: 9 entries, head 9 [0-9a-f]{64}$'
sql "UPDATE audit_log SET detail = '{\"site\":\"k-someone-else\"}' WHERE id = 7" >/dev/null
run "audit --verify after an entry was changed by hand" 1 "$HUB" audit --data "$DATA" --verify
contains "... names it" "$T/err" 'audit entry 7: its content does not match'
sql "DELETE FROM audit_log WHERE id = 7" >/dev/null
run "audit --verify after an entry was deleted by hand" 1 "$HUB" audit --data "$DATA" --verify
contains "... names where" "$T/err" 'audit entry 8: expected entry 7'

# ---- migrate carries the trail (SQLite to SQLite here; hub_migrate_pg for PostgreSQL) ----
e2e_skip_pg "migrate copies the trail" "migrate reads a SQLite file" || {
  sql "DELETE FROM audit_log WHERE id > 6" >/dev/null
  run "migrate" 0 "$HUB" migrate --from "$DATA/hub.db" --to "$T/copy.db"
  contains "... counts the trail" "$T/out" '^audit +6 '
  mkdir -m 700 "$T/copy" && mv "$T/copy.db" "$T/copy/hub.db"
  run "the copy verifies, with the migrate entry" 0 "$HUB" audit --data "$T/copy" --verify
  contains "... 7 entries" "$T/out" 'verified: 7 entries'
  run "... by the admin" 0 "$HUB" audit --data "$T/copy" --json
  contains "... naming what was copied" "$T/out" '"action":"migrate".*"to":"sqlite"'
}
e2e_finish
