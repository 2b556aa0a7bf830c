#!/usr/bin/env bash
# fieldsync-hub share and release (docs/hub.md "share", "release";
# docs/reciprocity.md "Shared results") against a running hub: the
# arguments, nothing released from fewer than k responses, the release
# reaching the region's kiosks only (a pull of each), rounded counts and no
# free text on the wire, the dry run, and --off leaving a tombstone that
# reaches the kiosk. With FIELDSYNC_DB the store is PostgreSQL.
HUB=${1:?usage: hub_shared.sh FIELDSYNC_HUB}
. "$(dirname "$0")/lib.sh"
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
for tool in curl gzip jq; do
  command -v "$tool" >/dev/null || { echo "hub_shared: needs $tool"; exit 1; }
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
DAY=$(date -u -d '1 day ago' +%F)

body() {
  printf '{"questionnaire":"friends-and-family","version":1,"language":"en","mode":"self","started_at":"%sT12:00:00Z","submitted_at":"%sT12:05:00Z","answers":%s}' \
    "$DAY" "$DAY" "$1"
}
declare -A SEQ=()
push() { # push SITE TOKEN ANSWERS
  local n=$(( ${SEQ[$1]:-0} + 1 )) status
  SEQ[$1]=$n
  e2e_changeset "$1" "$(e2e_response_change "$1" "$(e2e_uuid)" "$(body "$3")")" "$n" | gzip -c >"$T/push.gz"
  status=$(e2e_sync push "$2" "$T/push.gz")
  [ "$status" = 200 ] || e2e_fail "push $1 $n" "status $status: $(head -c 300 "$T/push.body")"
}
# pull NAME SITE TOKEN: everything the hub sends the kiosk, gunzipped into $T/NAME.json
pull() {
  e2e_changeset "$2" "" "${SEQ[$2]:-0}" | gzip -c >"$T/empty.gz"
  e2e_expect "$1: pull" 200 "$(e2e_sync "$1" "$3" "$T/empty.gz")"
  gzip -dc <"$T/$1.body" >"$T/$1.json"
}
shared() { jq -c '[.changes[] | select(.table == "shared_results")]' "$T/$1.json"; }
run() { e2e_run "$@"; }

# ---- arguments ----
run "share --help" 0 "$HUB" share --help
e2e_contains "--help names k" "$T/out" 'fewer than k'
run "release --help" 0 "$HUB" release --help
run "no questionnaire" 2 "$HUB" share --data "$DATA"
run "k below 5" 2 "$HUB" share --data "$DATA" friends-and-family --k 4
run "k above 100" 2 "$HUB" share --data "$DATA" friends-and-family --k 101
run "--k with --off" 2 "$HUB" share --data "$DATA" friends-and-family --k 10 --off
run "bad id" 2 "$HUB" share --data "$DATA" 'Friends!'
run "unknown questionnaire" 1 "$HUB" share --data "$DATA" nothing
run "--off when not shared" 1 "$HUB" share --data "$DATA" friends-and-family --off
e2e_contains "--off when not shared: says so" "$T/err" 'not shared'

# ---- nothing from fewer than k ----
for i in 1 2 3 4 5 6 7; do push "$N1" "$N1_TOKEN" '{"overall":"very_good","why":"SECRET-WHY"}'; done
push "$N1" "$N1_TOKEN" '{"overall":"poor"}'
push "$N1" "$N1_TOKEN" '{"overall":"good"}'
push "$S1" "$S1_TOKEN" '{"overall":"good"}'
run "share with k 10" 0 "$HUB" share --data "$DATA" friends-and-family --k 10
e2e_contains "share says k" "$T/out" 'k=10'
run "share --list" 0 "$HUB" share --data "$DATA" --list --json
e2e_contains "listed with its k" "$T/out" '"friends-and-family": 10'
run "release --now with 9" 0 "$HUB" release --data "$DATA" --now
e2e_contains "9 north: fewer than k" "$T/out" 'north.*9 response.*fewer than k responses'
pull n0 "$N1" "$N1_TOKEN"
figures() { jq -c '[.changes[] | select(.table == "shared_results") | .shared.results | fromjson | select(.total != null)]' "$T/$1.json"; }
[ "$(figures n0)" = "[]" ] && e2e_pass "no figures sent from 9 responses" || e2e_fail "no figures sent from 9 responses" "$(shared n0)"
[ "$(jq -r '.changes[] | select(.table == "shared_results") | .shared.results | fromjson | .total' "$T/n0.json")" = null ] &&
  e2e_pass "north's kiosk learns it is shared, with no figures" || e2e_fail "north's kiosk learns it is shared, with no figures" "$(shared n0)"

# ---- the 10th: released to north only ----
push "$N1" "$N1_TOKEN" '{"overall":"very_good"}'
run "release (dry run)" 0 "$HUB" release --data "$DATA"
e2e_contains "dry run: due" "$T/out" 'north.*10 response.*due'
e2e_contains "dry run: says nothing written" "$T/out" 'nothing written'
pull n1 "$N1" "$N1_TOKEN"
[ "$(figures n1)" = "[]" ] && e2e_pass "a dry run writes nothing" || e2e_fail "a dry run writes nothing"
run "release --now" 0 "$HUB" release --data "$DATA" --now
e2e_contains "north released" "$T/out" 'north.*released'
pull n2 "$N1" "$N1_TOKEN"
pull s2 "$S1" "$S1_TOKEN"
R=$(jq -r '[.changes[] | select(.table == "shared_results")] | last | .shared.results' "$T/n2.json")
[ -n "$R" ] && e2e_pass "north's kiosk receives the figures" || e2e_fail "north's kiosk receives the figures" "$(shared n2)"
[ "$(figures s2)" = "[]" ] && e2e_pass "south's kiosk receives no figures" || e2e_fail "south's kiosk receives no figures" "$(shared s2)"
jq -e '.changes[] | select(.table == "shared_results" and .region != "south")' "$T/s2.json" >/dev/null &&
  e2e_fail "south's kiosk receives no other region's row" || e2e_pass "south's kiosk receives no other region's row"
[ "$(jq -r .total <<<"$R")" = 10 ] && e2e_pass "the total" || e2e_fail "the total" "$R"
opt() { jq -c ".questions[] | select(.id == \"overall\") | .options[] | select(.value == \"$1\") | .count" <<<"$R"; }
[ "$(opt very_good)" = null ] && e2e_pass "8 very good (below k) is hidden" || e2e_fail "8 very good (below k) is hidden" "$R"
[ "$(opt neither)" = 0 ] && e2e_pass "0 is shown as 0" || e2e_fail "0 is shown as 0" "$R"
[ "$(jq -c '.questions[] | select(.id == "overall") | .options[] | select(.value == "poor") | .count' <<<"$R")" = null ] &&
  e2e_pass "1 poor is hidden" || e2e_fail "1 poor is hidden" "$R"
grep -q SECRET-WHY "$T/n2.json" && e2e_fail "free text never leaves the hub" || e2e_pass "free text never leaves the hub"
jq -e '.questions[] | select(.id == "why")' <<<"$R" >/dev/null && e2e_fail "no free-text question" || e2e_pass "no free-text question"
"$HUB" audit --data "$DATA" --json >"$T/audit.jsonl" 2>/dev/null
e2e_contains "the release is audited" "$T/audit.jsonl" '"shared_release"'
e2e_contains "the share is audited" "$T/audit.jsonl" '"share"'

# ---- no new release before k new ----
push "$N1" "$N1_TOKEN" '{"overall":"poor"}'
run "release --now with 1 new" 0 "$HUB" release --data "$DATA" --now
e2e_contains "1 new: not yet" "$T/out" 'fewer than k new responses'
for i in 1 2 3 4 5 6 7 8 9; do push "$N1" "$N1_TOKEN" '{"overall":"very_good"}'; done
run "release --now with 10 new" 0 "$HUB" release --data "$DATA" --now
e2e_contains "10 new: released" "$T/out" 'north.*20 response.*10 at the last release.*released'
pull n4 "$N1" "$N1_TOKEN"
R=$(jq -r '[.changes[] | select(.table == "shared_results")] | last | .shared.results' "$T/n4.json")
[ "$(opt very_good)" = 15 ] && e2e_pass "17 very good rounds to 15" || e2e_fail "17 very good rounds to 15" "$R"
[ "$(opt poor)" = null ] && [ "$(opt good)" = null ] && e2e_pass "2 poor and 1 good stay hidden" ||
  e2e_fail "2 poor and 1 good stay hidden" "$R"
[ "$(jq -r .total <<<"$R")" = 20 ] && e2e_pass "the new total" || e2e_fail "the new total" "$R"

# ---- --off: a tombstone reaches the kiosk ----
run "share --off" 0 "$HUB" share --data "$DATA" friends-and-family --off
e2e_contains "--off says withdrawn" "$T/out" '2 region'
pull n3 "$N1" "$N1_TOKEN"
[ "$(jq -c '[.changes[] | select(.table == "shared_results") | .deleted] | last' "$T/n3.json")" = "true" ] &&
  e2e_pass "unsharing sends a tombstone" || e2e_fail "unsharing sends a tombstone" "$(shared n3)"
e2e_contains "the unshare is audited" <("$HUB" audit --data "$DATA" --json 2>/dev/null) '"unshare"'

# ---- serve releases at start (and hourly) ----
run "share again" 0 "$HUB" share --data "$DATA" friends-and-family --k 10
e2e_hub_stop
e2e_hub_start "$HUB" "$DATA" || exit 1
pull n5 "$N1" "$N1_TOKEN"
[ "$(jq -c '[.changes[] | select(.table == "shared_results")] | last | .shared.results | fromjson | .total' "$T/n5.json" 2>/dev/null)" = null ] &&
  e2e_pass "serve's release at start: shared again, no figures before k new responses" ||
  e2e_fail "serve's release at start: shared again, no figures before k new responses" "$(shared n5)"

e2e_hub_stop
e2e_finish
