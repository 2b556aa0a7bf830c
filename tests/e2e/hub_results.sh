#!/usr/bin/env bash
# hub_results: fieldsync-hub results through a real hub. Kiosks of two
# regions sync responses (two languages, both modes, a show_if question,
# free text); the command counts them per day and per question, filters by
# region, site, dates, language and mode, lists free text newest first (and
# audits that as results_text), suppresses small numbers with --suppress
# (null and "suppressed" in JSON, "fewer than k" in text, no free text), and
# --set-k is checked and audited. Run on SQLite and (hub_results_pg) on
# PostgreSQL.
#
# usage: hub_results.sh FIELDSYNC_HUB
HUB=${1:?usage: hub_results.sh FIELDSYNC_HUB}
. "$(dirname "$0")/lib.sh"
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
for tool in curl gzip jq; do
  command -v "$tool" >/dev/null || { echo "hub_results: needs $tool"; exit 1; }
done
unset FIELDSYNC_DATA
T=$E2E_TMP
DATA=$T/hub

"$HUB" publish --data "$DATA" "$ROOT/schema/examples/friends-and-family.json" >/dev/null ||
  { echo "publish failed"; exit 1; }
e2e_hub_start "$HUB" "$DATA" || exit 1
e2e_enroll "$HUB" "$DATA" north kiosk-n1 || exit 1
N1=$E2E_SITE N1_TOKEN=$E2E_TOKEN
e2e_enroll "$HUB" "$DATA" south kiosk-s1 || exit 1
S1=$E2E_SITE S1_TOKEN=$E2E_TOKEN

# Two days in the recent past, at noon UTC (the same day in London).
DAY1=$(date -u -d '3 days ago' +%F)
DAY2=$(date -u -d '2 days ago' +%F)

# body DAY LANGUAGE MODE ANSWERS
body() {
  local worker=
  [ "$3" = assisted ] && worker=',"worker":"w-1"'
  printf '{"questionnaire":"friends-and-family","version":1,"language":"%s","mode":"%s"%s,"started_at":"%sT12:00:00Z","submitted_at":"%sT12:05:00Z","answers":%s}' \
    "$2" "$3" "$worker" "$1" "$1" "$4"
}
declare -A SEQ=()
# push SITE TOKEN BODY: one response in a change set of its own
push() {
  local n=$(( ${SEQ[$1]:-0} + 1 )) status
  SEQ[$1]=$n
  e2e_changeset "$1" "$(e2e_response_change "$1" "$(e2e_uuid)" "$3")" "$n" | gzip -c >"$T/push.gz"
  status=$(e2e_sync push "$2" "$T/push.gz")
  [ "$status" = 200 ] || e2e_fail "push $1 $n" "status $status: $(head -c 300 "$T/push.body")"
}

for i in 1 2 3 4 5 6; do
  push "$N1" "$N1_TOKEN" "$(body "$DAY1" en self '{"overall":"very_good"}')"
done
push "$N1" "$N1_TOKEN" "$(body "$DAY2" cy assisted '{"overall":"poor","why":"Aros yn rhy hir","follow_up":true}')"
push "$N1" "$N1_TOKEN" "$(body "$DAY2" en self '{"overall":"good","why":"Friendly staff"}')"
push "$S1" "$S1_TOKEN" "$(body "$DAY2" en self '{"overall":"good"}')"
push "$S1" "$S1_TOKEN" "$(body "$DAY2" en self '{"overall":"neither"}')"

run() { e2e_run "$@"; }
json() { "$HUB" results --data "$DATA" --questionnaire friends-and-family --json "$@" >"$T/r.json"; }
q() { jq -c "$1" "$T/r.json"; }
option() { q ".questions[] | select(.id == \"$1\") | .options[] | select(.value == \"$2\") | .count"; }
state() { q ".questions[] | select(.id == \"$1\") | .$2.count"; }

# ---- arguments ----
run "results --help" 0 "$HUB" results --help
e2e_contains "--help shows the usage" "$T/out" '^usage: fieldsync-hub results'
e2e_contains "--help names --suppress" "$T/out" 'fewer than k'
run "no questionnaire" 2 "$HUB" results --data "$DATA"
e2e_contains "no questionnaire: says so" "$T/err" 'questionnaire'
run "bad date" 1 "$HUB" results --data "$DATA" --questionnaire friends-and-family --from 2026-02-30
e2e_contains "bad date: names from" "$T/err" 'from: must be a real date'
run "bad mode" 1 "$HUB" results --data "$DATA" --questionnaire friends-and-family --mode kiosk
run "bad tz" 1 "$HUB" results --data "$DATA" --questionnaire friends-and-family --tz Mars/Olympus
run "unknown questionnaire" 1 "$HUB" results --data "$DATA" --questionnaire nothing
e2e_contains "unknown questionnaire: says so" "$T/err" 'not published here'
run "--set-k 1 refused" 2 "$HUB" results --data "$DATA" --set-k 1
run "--set-k with --questionnaire refused" 2 "$HUB" results --data "$DATA" --set-k 5 --questionnaire friends-and-family

# ---- the counts ----
json
e2e_expect "total" 10 "$(q .total.count)"
e2e_expect "days: two, with their counts" "[\"$DAY1\",6],[\"$DAY2\",4]" \
  "$(q '[.days[] | [.day, .count]]' | sed 's/^\[//; s/\]$//')"
e2e_expect "overall: very_good" 6 "$(option overall very_good)"
e2e_expect "overall: good" 2 "$(option overall good)"
e2e_expect "overall: dont_know" 0 "$(option overall dont_know)"
e2e_expect "follow_up: skipped by its condition" 9 "$(state follow_up skipped)"
e2e_expect "follow_up: yes" 1 "$(option follow_up true)"
e2e_expect "why: answered / left blank" "2 8" "$(state why answered) $(state why blank)"
e2e_expect "why: free text newest first (by time, then id)" 2 \
  "$(q '.questions[] | select(.id == "why") | .texts.items | length')"
e2e_expect "no suppression asked" false "$(q .suppression.applied)"

# ---- filters ----
json --region south
e2e_expect "--region south" 2 "$(q .total.count)"
json --region south --region north
e2e_expect "--region south --region north" 10 "$(q .total.count)"
json --site "$N1"
e2e_expect "--site" 8 "$(q .total.count)"
json --from "$DAY2" --to "$DAY2"
e2e_expect "--from --to (inclusive)" 4 "$(q .total.count)"
json --to "$DAY1"
e2e_expect "--to" 6 "$(q .total.count)"
json --language cy --labels cy
e2e_expect "--language cy" 1 "$(q .total.count)"
e2e_expect "--labels cy: the Welsh label" '"Da iawn"' \
  "$(q '.questions[0].options[] | select(.value == "very_good") | .label')"
json --mode assisted
e2e_expect "--mode assisted" 1 "$(q .total.count)"
json --tz UTC
e2e_expect "--tz UTC" '"UTC"' "$(q .time_zone)"

# ---- text for a person, and the audit of free text ----
"$HUB" audit --data "$DATA" --json >"$T/audit0.jsonl"
before=$(grep -c results_text "$T/audit0.jsonl")
run "text output" 0 "$HUB" results --data "$DATA" --questionnaire friends-and-family
e2e_contains "text: the total" "$T/out" '^Responses: 10$'
e2e_contains "text: an option with its count" "$T/out" 'Very good .*\(very_good\) 6$'
e2e_contains "text: free text listed" "$T/out" 'Friendly staff'
e2e_contains "text: not answered, by why" "$T/out" 'skipped by its condition 9'
"$HUB" audit --data "$DATA" --json >"$T/audit1.jsonl"
e2e_expect "free text listed: one results_text audit entry more" $((before + 1)) \
  "$(grep -c results_text "$T/audit1.jsonl")"
grep results_text "$T/audit1.jsonl" | tail -n 1 | grep -q 'Friendly' &&
  e2e_fail "the audit entry holds no answer"
run "--no-text" 0 "$HUB" results --data "$DATA" --questionnaire friends-and-family --no-text
grep -q 'Friendly staff' "$T/out" && e2e_fail "--no-text lists no free text"
"$HUB" audit --data "$DATA" --json >"$T/audit2.jsonl"
e2e_expect "aggregates alone: not audited" $((before + 1)) "$(grep -c results_text "$T/audit2.jsonl")"

# ---- suppression ----
json --suppress
e2e_expect "suppressed: applied, k 5" "true 5" "$(q .suppression.applied) $(q .suppression.k)"
e2e_expect "suppressed: total shown" 10 "$(q .total.count)"
e2e_expect "suppressed: 6 shown" 6 "$(option overall very_good)"
e2e_expect "suppressed: 2 is null and flagged" "null true" \
  "$(option overall good) $(q '.questions[0].options[] | select(.value == "good") | .suppressed')"
e2e_expect "suppressed: zero shown" 0 "$(option overall dont_know)"
e2e_expect "suppressed: no free text" null "$(q '.questions[] | select(.id == "why") | .texts')"
e2e_expect "suppressed: the day of 4 hidden" "null" "$(q ".days[] | select(.day == \"$DAY2\") | .count")"
# 6 on DAY1, 4 on DAY2: the 4 is hidden and so, secondly, is the 6
e2e_expect "suppressed: and the day of 6 with it (secondary)" "null" \
  "$(q ".days[] | select(.day == \"$DAY1\") | .count")"
json --suppress --region south
e2e_expect "suppressed: a total under k hidden" "null true" "$(q .total.count) $(q .total.suppressed)"
e2e_expect "suppressed: its questions hidden whole" true "$(q '.questions[0].suppressed')"
run "suppressed text" 0 "$HUB" results --data "$DATA" --questionnaire friends-and-family --suppress
e2e_contains "suppressed text: fewer than 5" "$T/out" 'Good .*\(good\) fewer than 5$'
grep -q 'Friendly staff' "$T/out" && e2e_fail "suppressed text lists no free text"

# ---- k ----
run "--set-k 3" 0 "$HUB" results --data "$DATA" --set-k 3
e2e_contains "--set-k says what it was" "$T/out" '^k is 3 \(was 5\)$'
json --suppress
e2e_expect "k 3: 4 shown" 4 "$(q ".days[] | select(.day == \"$DAY2\") | .count")"
e2e_expect "k 3: in the JSON" 3 "$(q .suppression.k)"
"$HUB" audit --data "$DATA" --json >"$T/audit3.jsonl"
e2e_contains "--set-k audited as results_k" "$T/audit3.jsonl" '"results_k"'
e2e_contains "... with k and what it was" "$T/audit3.jsonl" '"k": ?3.*"was": ?5|"was": ?5.*"k": ?3'

[ -n "${E2E_SHOW:-}" ] && "$HUB" results --data "$DATA" --questionnaire friends-and-family --suppress --labels cy >&2
e2e_hub_stop
e2e_finish
