#!/usr/bin/env bash
# hub_enroll_flood: one client flooding POST /v1/enroll with wrong codes
# cannot keep other kiosks from enrolling (docs/protocol.md, enrollment
# limits). A real hub on 127.0.0.1; the clients are other loopback source
# addresses (curl --interface 127.0.0.N), nothing else is contacted.
#
# 1. Source 127.0.0.2 sends wrong codes at 20 a second for 18 s while 15
#    valid enrollments are made from 127.0.0.1, one a second: all 15
#    succeed; the flooder gets exactly 10 answers (401) and 429 with
#    Retry-After for the rest, and only those 10 reach the store.
# 2. The hub-wide bound: 60 more sources with 10 wrong codes each; the store
#    takes exactly 600 failed attempts in the minute, then every source,
#    even one with a valid code, gets 429 until the minute has passed.
#
# usage: hub_enroll_flood.sh FIELDSYNC_HUB
HUB=${1:?usage: hub_enroll_flood.sh FIELDSYNC_HUB}
. "$(dirname "$0")/lib.sh"
for tool in curl sqlite3; do
  command -v "$tool" >/dev/null || { echo "hub_enroll_flood: needs $tool"; exit 1; }
done

DATA=$E2E_TMP/hub
DB=$DATA/hub.db
T=$E2E_TMP
EJ='Content-Type: application/json'
PER_SOURCE=10    # hub_limits.enroll_fails_per_source
HUB_WIDE=600     # HUB_ENROLL_FAILS_PER_MINUTE (hub/registry.h)
FLOOD_RATE=20    # requests per second from the flooder
FLOOD_SECONDS=18
VALID=15

e2e_hub_start "$HUB" "$DATA" || exit 1
E=$E2E_HUB_URL/v1/enroll
st=$(curl -s -o /dev/null -w '%{http_code}' --interface 127.0.0.2 "$E2E_HUB_URL/health")
if [ "$st" != 200 ]; then
  e2e_fail "the hub is reachable from 127.0.0.2" "status $st"
  e2e_finish
  exit 1
fi
for ((i = 1; i <= VALID; i++)); do
  CODES[i]=$("$HUB" enroll --data "$DATA" --region north) || { echo "enroll failed"; exit 1; }
done

# failures: rows of the store's failed-attempt log (every one a store write)
failures() { sqlite3 -readonly "$DB" 'SELECT count(*) FROM enroll_failures'; }

# flood_config FILE SOURCE N TAG: a curl config of N well-formed wrong codes
# from SOURCE, each printing its status.
flood_config() {
  local file=$1 src=$2 n=$3 tag=$4 i
  : >"$file"
  for ((i = 1; i <= n; i++)); do
    printf 'url = "%s"\ninterface = "%s"\nheader = "%s"\ndata = "{\\"code\\":\\"ZZZZZ-%s-%02d\\"}"\nsilent\noutput = "/dev/null"\nmax-time = 10\nwrite-out = "%%{http_code}\\n"\n' \
      "$E" "$src" "$EJ" "$tag" "$((i % 100))" >>"$file"
    [ "$i" -lt "$n" ] && echo next >>"$file"
  done
}

count() { grep -c "^$1\$" "$2"; }

# ---- 1. one source floods, others enroll ----
START=$(date +%s)
flood_config "$T/flood.cfg" 127.0.0.2 $((FLOOD_RATE * FLOOD_SECONDS)) ZZZZZ
FLOOD_T0=$(e2e_now_ms)
(curl --rate "$FLOOD_RATE/s" -K "$T/flood.cfg" >"$T/flood.codes" 2>"$T/flood.err"
  echo $(($(e2e_now_ms) - FLOOD_T0)) >"$T/flood.ms") &
FLOOD=$!
E2E_PIDS+=("$FLOOD")
# Start enrolling once the flooder is past its limit.
for ((i = 0; i < 100; i++)); do
  [ "$(wc -l <"$T/flood.codes")" -ge $((PER_SOURCE + 5)) ] && break
  sleep 0.1
done
ok=0
: >"$T/valid.codes"
for ((i = 1; i <= VALID; i++)); do
  st=$(curl -s -o "$T/valid.body" -w '%{http_code}' --max-time 10 --interface 127.0.0.1 \
    -H "$EJ" -d "{\"code\":\"${CODES[i]}\",\"name\":\"flood-kiosk-$i\"}" "$E")
  echo "$st" >>"$T/valid.codes"
  [ "$st" = 200 ] && ok=$((ok + 1))
  sleep 1
done
wait "$FLOOD"
sent=$(wc -l <"$T/flood.codes")
f401=$(count 401 "$T/flood.codes")
f429=$(count 429 "$T/flood.codes")
echo "flood from 127.0.0.2: $sent sent in $(cat "$T/flood.ms") ms, $f401 answered 401, $f429 answered 429;" \
  "valid enrollments from 127.0.0.1: $ok of $VALID succeeded ($(sort "$T/valid.codes" | uniq -c | tr -s ' \n' ' '))"
e2e_expect "every valid enrollment from another source succeeds during the flood" "$VALID" "$ok"
e2e_expect "the flooder sent its requests" $((FLOOD_RATE * FLOOD_SECONDS)) "$sent"
e2e_expect "the flooder's attempts are checked $PER_SOURCE times a minute" "$PER_SOURCE" "$f401"
e2e_expect "the rest of the flood is refused with 429" $((sent - PER_SOURCE)) "$f429"
e2e_expect "refused attempts never reach the store" "$PER_SOURCE" "$(failures)"
st=$(e2e_http fl -H "$EJ" --interface 127.0.0.2 -d '{"code":"ZZZZZ-ZZZZZ-ZZ"}' "$E")
e2e_expect "the flooder is told too_many_requests" "429 too_many_requests" "$st $(e2e_json_str "$T/fl.body" error)"
if grep -qi '^Retry-After: [1-9][0-9]*' "$T/fl.headers"; then
  e2e_pass "... with Retry-After"
else
  e2e_fail "... with Retry-After" "$(cat "$T/fl.headers")"
fi
grep -q 'from this address' "$T/fl.body" && e2e_pass "... naming its address as the cause" ||
  e2e_fail "... naming its address as the cause" "$(cat "$T/fl.body")"
st=$(e2e_http other -H "$EJ" --interface 127.0.0.3 -d '{"code":"ZZZZZ-ZZZZZ-ZZ"}' "$E")
e2e_expect "a wrong code from another source is still checked" "401 unauthorized" "$st $(e2e_json_str "$T/other.body" error)"
e2e_expect "the store holds the enrolled kiosks" "$VALID" \
  "$(sqlite3 -readonly "$DB" "SELECT count(*) FROM devices WHERE name LIKE 'flood-kiosk-%'")"

# ---- 2. the hub-wide bound ----
have=$(failures)
: >"$T/wide.codes"
for ((s = 10; s < 70; s += 6)); do # 60 sources, 6 at a time
  pids=()
  for ((k = s; k < s + 6; k++)); do
    flood_config "$T/wide-$k.cfg" "127.0.0.$k" "$PER_SOURCE" "W$(printf '%04d' "$k")"
    curl -K "$T/wide-$k.cfg" >"$T/wide-$k.codes" 2>/dev/null &
    pids+=("$!")
    E2E_PIDS+=("$!")
  done
  wait "${pids[@]}" # not a bare wait: the hub is a background job too
done
cat "$T"/wide-*.codes >"$T/wide.codes"
w401=$(count 401 "$T/wide.codes")
w429=$(count 429 "$T/wide.codes")
echo "hub-wide: $((60 * PER_SOURCE)) wrong codes from 60 sources: $w401 answered 401, $w429 answered 429" \
  "($have failures already counted)"
e2e_expect "the hub-wide bound lets exactly $HUB_WIDE failures through in a minute" "$HUB_WIDE" $((have + w401))
e2e_expect "... and refuses the rest" $((60 * PER_SOURCE - w401)) "$w429"
e2e_expect "... the store holds $HUB_WIDE failures" "$HUB_WIDE" "$(failures)"
LATE=$("$HUB" enroll --data "$DATA" --region north)
st=$(e2e_http late -H "$EJ" --interface 127.0.0.1 -d "{\"code\":\"$LATE\"}" "$E")
e2e_expect "past the hub-wide bound even a valid code waits" "429 too_many_requests" "$st $(e2e_json_str "$T/late.body" error)"
grep -q 'at this hub' "$T/late.body" && e2e_pass "... told the limit is hub-wide" ||
  e2e_fail "... told the limit is hub-wide" "$(cat "$T/late.body")"
grep -qi '^Retry-After: [1-9][0-9]*' "$T/late.headers" && e2e_pass "... with Retry-After" ||
  e2e_fail "... with Retry-After"
e2e_expect "the hub-wide refusal writes nothing" "$HUB_WIDE" "$(failures)"

e2e_hub_stop
e2e_expect "the hub stops cleanly" 0 $?
echo "took $(($(date +%s) - START)) s"
e2e_finish
