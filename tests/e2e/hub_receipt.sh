#!/usr/bin/env bash
# hub_receipt: a person's receipt with the real hub (docs/reciprocity.md
# "Your receipt", docs/protocol.md "POST /v1/receipt"): a kiosk's response
# carries its receipt hash; POST /v1/receipt answers received, then
# withdrawn after a kiosk's withdrawal (the response gone from the hub and
# its exports, which never show the hash), pending for a withdrawal whose
# response has not come, unknown for a hash never seen and for another
# region's, in about the same time; bad requests refused clearly; the
# per-kiosk limit answers 429 with Retry-After; `fieldsync-hub receipt`
# shows and withdraws (audited without the code); no code or hash in the
# hub's log or the audit trail.
#
# usage: hub_receipt.sh FIELDSYNC_HUB
HUB=${1:?usage: hub_receipt.sh FIELDSYNC_HUB}
. "$(dirname "$0")/lib.sh"
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
for tool in curl gzip jq b2sum; do
  command -v "$tool" >/dev/null || { echo "hub_receipt: needs $tool"; exit 1; }
done
unset FIELDSYNC_DATA
T=$E2E_TMP
DATA=$T/hub

# hash CODE: the hash stores keep (receipt.h), as the kiosk computes it.
hash() { printf 'fieldsync-receipt/1\0%s' "$(printf %s "$1" | tr -d - | cut -c1-12)" | b2sum -l 256 | cut -d' ' -f1; }
# Three codes made by the hub's own rule would need the kiosk; these are
# valid codes (the check character is the value mod 37).
C1=0000-0000-0001-1 C2=0000-0000-0002-2 C3=0000-0000-0003-3 C4=0000-0000-0004-4
H1=$(hash $C1) H2=$(hash $C2) H3=$(hash $C3) H4=$(hash $C4)
lookup() { # NAME TOKEN BODY: the status; the reply in $T/NAME.body
  printf '%s' "$3" >"$T/$1.json"
  e2e_http "$1" -H "Authorization: Bearer $2" -H 'Content-Type: application/json' \
    --data-binary @"$T/$1.json" -w '%{http_code} %{time_total}' "$E2E_HUB_URL/v1/receipt" >"$T/$1.code"
  cut -d' ' -f1 "$T/$1.code"
}
status_of() { jq -r .status "$T/$1.body"; }
response() { # SITE ID RECEIPT
  e2e_response_change "$1" "$2" "$(printf '{"questionnaire":"friends-and-family","version":1,"language":"en","mode":"self","started_at":"2026-11-27T10:00:00Z","submitted_at":"2026-11-27T10:01:00Z","answers":{"overall":"good"},"receipt":"%s"}' "$3")"
}
withdrawal() { # SITE HASH
  printf '{"table":"withdrawals","id":"%s","hlc":"%s","site":"%s","withdrawal":{}}' "$2" "$(e2e_hlc)" "$1"
}

e2e_run "publish" 0 "$HUB" publish --data "$DATA" "$ROOT/schema/examples/friends-and-family.json"
e2e_hub_start "$HUB" "$DATA" || exit 1
e2e_enroll "$HUB" "$DATA" north k-north || exit 1
N_SITE=$E2E_SITE N_TOKEN=$E2E_TOKEN
e2e_enroll "$HUB" "$DATA" south k-south || exit 1
S_SITE=$E2E_SITE S_TOKEN=$E2E_TOKEN
R1=$(e2e_uuid) R2=$(e2e_uuid)

e2e_changeset "$N_SITE" "$(response "$N_SITE" "$R1" "$H1"),$(response "$N_SITE" "$R2" "$H2")" 2 | gzip -c >"$T/push.gz"
e2e_expect "a kiosk sends two responses with receipts" 200 "$(e2e_sync push "$N_TOKEN" "$T/push.gz")"

# ---- the lookup ----
e2e_expect "a received response" 200 "$(lookup r1 "$N_TOKEN" "{\"receipt\":\"$H1\"}")"
e2e_expect "... is received" "received friends-and-family 2026-11-27 0" \
  "$(jq -r '[.status, .questionnaire.id, .received_on, (.outcomes|length)] | join(" ")' "$T/r1.body")"
e2e_expect "... with the questionnaire's title" "true" "$(jq '.questionnaire.title | type == "object"' "$T/r1.body")"
# What came of it: updates linked to its questionnaire for its region (or
# every region) that start on or after the day it reached the hub.
upd() { # ID TARGET STARTS
  printf '{"id":"%s","target":"%s","questionnaire":"friends-and-family","title":{"en":"Title %s"},"text":{"en":"Text"},"starts":"%s","ends":"2027-12-31"}' "$1" "$2" "$1" "$3" >"$T/$1.upd"
  "$HUB" update add "$T/$1.upd" --data "$DATA" >/dev/null 2>&1
}
upd after-north north 2026-12-01; upd after-all '*' 2026-11-27; upd before-north north 2026-11-20
upd after-south south 2026-12-01
e2e_expect "updates published" 200 "$(lookup r1u "$N_TOKEN" "{\"receipt\":\"$H1\"}")"
e2e_expect "... listed as its outcomes: its region's and every region's, from its day on" \
  "update 2026-12-01 Title after-north|update 2026-11-27 Title after-all" \
  "$(jq -r '[.outcomes[] | [.kind, .on, .title.en] | join(" ")] | join("|")' "$T/r1u.body")"
e2e_expect "a hash never seen" 200 "$(lookup never "$N_TOKEN" "{\"receipt\":\"$H4\"}")"
e2e_expect "... is unknown, and nothing more" '{"status":"unknown","outcomes":[]}' "$(jq -c . "$T/never.body")"
e2e_expect "another region's kiosk asking" 200 "$(lookup other "$S_TOKEN" "{\"receipt\":\"$H1\"}")"
e2e_expect "... gets the same unknown" "$(jq -c . "$T/never.body")" "$(jq -c . "$T/other.body")"
t_known=$(cut -d' ' -f2 "$T/r1.code") t_unknown=$(cut -d' ' -f2 "$T/never.code")
e2e_expect "known and unknown take about the same time (a floor of 50 ms)" yes \
  "$(awk -v a="$t_known" -v b="$t_unknown" 'BEGIN { d = a - b; if (d < 0) d = -d; print (a >= 0.045 && b >= 0.045 && d < 0.04) ? "yes" : "no: " a " " b }')"

e2e_expect "no token" 401 "$(e2e_http noauth -H 'Content-Type: application/json' -d "{\"receipt\":\"$H1\"}" "$E2E_HUB_URL/v1/receipt")"
e2e_expect "GET" 405 "$(e2e_http get -H "Authorization: Bearer $N_TOKEN" "$E2E_HUB_URL/v1/receipt")"
e2e_expect "not a hash" 400 "$(lookup bad "$N_TOKEN" '{"receipt":"0000-0000-0001-1"}')"
e2e_contains "... saying what to send" "$T/bad.body" '64 lowercase hex'
e2e_expect "an extra key" 400 "$(lookup bad2 "$S_TOKEN" "{\"receipt\":\"$H1\",\"site\":\"x\"}")"
e2e_expect "plain text" 415 "$(e2e_http text -H "Authorization: Bearer $S_TOKEN" -H 'Content-Type: text/plain' -d x "$E2E_HUB_URL/v1/receipt")"

# ---- withdrawals ----
e2e_changeset "$S_SITE" "$(withdrawal "$S_SITE" "$H1"),$(withdrawal "$S_SITE" "$H3")" 2 | gzip -c >"$T/w.gz"
e2e_expect "another kiosk sends two withdrawals" 200 "$(e2e_sync w "$S_TOKEN" "$T/w.gz")"
"$HUB" audit --data "$DATA" --json >"$T/audit.jsonl"
e2e_expect "... audited as the kiosk's, counted" "device:$S_SITE 2" \
  "$(jq -r 'select(.action == "receipt_withdrawals") | .actor + " " + (.detail.withdrawals|tostring)' "$T/audit.jsonl")"
lookup w1 "$N_TOKEN" "{\"receipt\":\"$H1\"}" >/dev/null
e2e_expect "the withdrawn one" "withdrawn friends-and-family 2026-11-27" \
  "$(jq -r '[.status, .questionnaire.id, .received_on] | join(" ")' "$T/w1.body")"
lookup w3 "$S_TOKEN" "{\"receipt\":\"$H3\"}" >/dev/null
e2e_expect "a withdrawal whose response has not come: pending" pending "$(status_of w3)"
e2e_expect "... asked from its response's region: unknown yet" unknown \
  "$(lookup w3n "$N_TOKEN" "{\"receipt\":\"$H3\"}" >/dev/null; status_of w3n)"
"$HUB" export --data "$DATA" responses --format jsonl >"$T/export.jsonl" 2>"$T/err"
e2e_expect "the export" 0 $?
e2e_expect "... no longer holds the withdrawn response" 0 "$(grep -c "$R1" "$T/export.jsonl")"
e2e_expect "... holds the other" 1 "$(grep -c "$R2" "$T/export.jsonl")"
e2e_expect "... never a receipt" 0 "$(grep -c -e receipt -e "$H2" "$T/export.jsonl")"
"$HUB" erasures --data "$DATA" >"$T/erasures" 2>&1
e2e_contains "the erasure is of kind withdrawn" "$T/erasures" 'withdrawn'
e2e_changeset "$N_SITE" "$(withdrawal "$N_SITE" "$(printf '%064x' 7)")" 1 | gzip -c >"$T/w2.gz"
e2e_expect "a hash never seen, withdrawn" 200 "$(e2e_sync w2 "$N_TOKEN" "$T/w2.gz")"

# ---- the admin's command ----
e2e_run "receipt --help" 0 "$HUB" receipt --help
e2e_contains "... says a lost code cannot be found" "$T/out" 'lost code cannot be found'
e2e_run "receipt CODE (typed loosely)" 0 "$HUB" receipt --data "$DATA" "oooo oooo ooo2 2"
e2e_contains "... received" "$T/out" '^received: questionnaire friends-and-family'
e2e_run "a mistyped code" 2 "$HUB" receipt --data "$DATA" 0000-0000-0002-3
e2e_contains "... refused before any lookup" "$T/err" 'does not check out'
printf '%s\n' "$C2" >"$T/code"
e2e_run "receipt --withdraw, the code on stdin" 0 sh -c "exec \"\$0\" receipt --data \"\$1\" --withdraw <\"\$2\"" "$HUB" "$DATA" "$T/code"
e2e_contains "... withdrawn" "$T/out" '^withdrawn: the response is erased here'
e2e_contains "... and says so" "$T/out" '^withdrawn: questionnaire'
"$HUB" export --data "$DATA" responses --format jsonl >"$T/export2.jsonl"
e2e_expect "... gone from the export" 0 "$(grep -c "$R2" "$T/export2.jsonl")"
"$HUB" audit --data "$DATA" --json >"$T/audit.jsonl"
e2e_expect "the withdrawal is audited" 1 "$(jq -c 'select(.action == "receipt_withdraw")' "$T/audit.jsonl" | wc -l)"

# ---- the limits ----
for i in 1 2 3 4 5 6 7 8; do lookup lim "$S_TOKEN" "{\"receipt\":\"$H4\"}" >/dev/null; done
e2e_expect "the 11th lookup a minute from one kiosk" 429 "$(lookup lim "$S_TOKEN" "{\"receipt\":\"$H4\"}")"
e2e_contains "... with Retry-After" "$T/lim.headers" '^Retry-After: [0-9]'
e2e_contains "... saying which limit" "$T/lim.body" '10 receipt lookups a minute from this kiosk'
e2e_expect "... another kiosk still gets answers" 200 "$(lookup fine "$N_TOKEN" "{\"receipt\":\"$H4\"}")"

# ---- a withdrawal whose response never came: kept for the responses'
# period, then purged ----
HOLD=$(printf '%064x' 9)
printf '{"table":"withdrawals","id":"%s","hlc":"%s","site":"%s","withdrawal":{}}' "$HOLD" \
  "$(e2e_hlc $(( $(e2e_now_ms) - 3 * 86400000 )))" "$N_SITE" >"$T/old.json"
e2e_changeset "$N_SITE" "$(cat "$T/old.json")" 1 | gzip -c >"$T/old.gz"
e2e_expect "a withdrawal made three days ago" 200 "$(e2e_sync old "$N_TOKEN" "$T/old.gz")"
e2e_expect "... is pending" pending "$(lookup old1 "$N_TOKEN" "{\"receipt\":\"$HOLD\"}" >/dev/null; status_of old1)"
e2e_run "responses kept 7 days" 0 "$HUB" retention --data "$DATA" --set responses=7
e2e_run "purge" 0 "$HUB" purge --data "$DATA"
e2e_expect "... keeps it" pending "$(lookup old2 "$N_TOKEN" "{\"receipt\":\"$HOLD\"}" >/dev/null; status_of old2)"
e2e_run "responses kept 2 days" 0 "$HUB" retention --data "$DATA" --set responses=2
e2e_run "purge" 0 "$HUB" purge --data "$DATA"
e2e_expect "... forgets it" unknown "$(lookup old3 "$N_TOKEN" "{\"receipt\":\"$HOLD\"}" >/dev/null; status_of old3)"
"$HUB" audit --data "$DATA" --json >"$T/audit.jsonl"
e2e_expect "... and says so in the audit trail" 1 \
  "$(jq -c 'select(.action == "retention_purge") | .detail.withdrawals' "$T/audit.jsonl" | tail -n 1)"

# ---- nothing of a code or a hash kept in clear ----
for h in "$H1" "$H2" "$H3" "$C1" "$C2" "${C2//-/}"; do
  e2e_expect "no ${h:0:8}… in the hub's log" 0 "$(grep -c -- "$h" "$E2E_HUB_LOG")"
  e2e_expect "no ${h:0:8}… in the audit trail" 0 "$(grep -c -- "$h" "$T/audit.jsonl")"
done
e2e_finish
