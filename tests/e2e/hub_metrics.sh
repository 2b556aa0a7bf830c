#!/usr/bin/env bash
# GET /metrics end to end (docs/metrics.md): a real hub and a kiosk daemon
# with its UI on loopback.
#   1. both answer the Prometheus text format 0.0.4: every line a HELP or
#      TYPE comment or "name{labels} value" of a declared family, names
#      prefixed fieldsync_hub_ / fieldsync_agent_;
#   2. the hub's counters move after a sync (syncs, merged changes by table,
#      the latency histogram) and after refused requests (by reason, the
#      reasons being exactly docs/protocol.md's error codes), a sync the
#      HTTP layer answers busy included;
#   3. no label or value carries a site id, a kiosk name, a region or an
#      answer;
#   4. the agent's pending changes, last sync age and attempts by result
#      (a hub that is down counts as unreachable);
#   5. a peer off loopback is answered 404 (through this machine's own
#      non-loopback address, when it has one; the kiosk UI listens on
#      loopback only, and its peer check is the one every UI request has);
#   6. --metrics-token: refused unless the file is 0600; with it every
#      request must carry the token, loopback too; a wrong one is 401.
# On PostgreSQL too (FIELDSYNC_DB): the store size is the database's.
# usage: hub_metrics.sh AGENT HUB
AGENT=${1:?usage: hub_metrics.sh AGENT HUB}
HUB=${2:?usage: hub_metrics.sh AGENT HUB}
. "$(dirname "$0")/agent_lib.sh"

QN=friends-and-family
MARK=metrics-answer-$RANDOM$RANDOM

# valid FILE PREFIX: every line of FILE is a comment or a sample of a
# family declared (HELP then TYPE) before it, all named PREFIX...
valid() {
  awk -v prefix="$2" '
    function fail(why) { printf "line %d: %s: %s\n", NR, why, $0; bad = 1; exit 1 }
    /^# HELP / {
      if (index($3, prefix) != 1) fail("family not prefixed")
      help[$3] = 1; next
    }
    /^# TYPE / {
      if (!help[$3]) fail("TYPE before HELP")
      if ($4 != "counter" && $4 != "gauge" && $4 != "histogram") fail("unknown type")
      type[$3] = $4; next
    }
    /^#/ { fail("unknown comment") }
    {
      if ($0 !~ /^[a-zA-Z_:][a-zA-Z0-9_:]*(\{[a-zA-Z_][a-zA-Z0-9_]*="[^"\\]*"(,[a-zA-Z_][a-zA-Z0-9_]*="[^"\\]*")*\})? (-?[0-9]+(\.[0-9]+)?([eE][-+]?[0-9]+)?|\+Inf|NaN)$/)
        fail("not name{labels} value")
      name = $0; sub(/[{ ].*/, "", name)
      fam = name
      if (!(fam in type)) { sub(/_(bucket|sum|count)$/, "", fam); if (type[fam] != "histogram") fail("sample of no family") }
      n++
    }
    END { if (!bad && n == 0) { print "no samples"; exit 1 } }' "$1"
}

# value FILE SAMPLE: the value of the sample written exactly SAMPLE
value() { awk -v s="$2" '$1 == s { print $2; found = 1 } END { if (!found) print "absent" }' "$1"; }

# plus1 N: N + 1, or "n/a" when N is not a count (an absent sample)
plus1() { if [[ $1 =~ ^[0-9]+$ ]]; then echo $(($1 + 1)); else echo n/a; fi; }

scrape() { # scrape NAME URL [CURL_ARGS...]: prints the status
  local name=$1 url=$2
  shift 2
  e2e_http "$name" "$@" "$url"
}

# ---- setup ----

hub_start || { e2e_fail "hub starts"; e2e_finish; exit 1; }
hub publish "$E2E_EXAMPLES/$QN.json" >/dev/null || e2e_fail "publish $QN"
kiosk_init k north || e2e_fail "init k"
SITE=$(kiosk_site k)
kiosk_run k || { e2e_fail "daemon and UI start" "$(tail -3 "$E2E_TMP/k.log")"; e2e_finish; exit 1; }
UI=http://127.0.0.1:${UI_PORT[k]}

synced() {
  [ "$(scrape st "$UI/metrics")" = 200 ] &&
    [ "$(value "$E2E_TMP/st.body" fieldsync_agent_pending_changes)" = 0 ] &&
    [ "$(value "$E2E_TMP/st.body" fieldsync_agent_last_sync_timestamp_seconds)" != 0 ]
}
wait_for 30 synced || e2e_fail "the kiosk's first sync"

# ---- 1. the hub's text ----

e2e_expect "hub: GET /metrics from loopback" 200 "$(scrape h0 "$HUB_URL/metrics")"
if grep -qi '^content-type: text/plain; version=0.0.4' "$E2E_TMP/h0.headers"; then
  e2e_pass "hub: Content-Type text/plain; version=0.0.4"
else
  e2e_fail "hub: Content-Type" "$(grep -i content-type "$E2E_TMP/h0.headers")"
fi
if out=$(valid "$E2E_TMP/h0.body" fieldsync_hub_); then
  e2e_pass "hub: every line parses ($(grep -vc '^#' "$E2E_TMP/h0.body") samples)"
else
  e2e_fail "hub: the text parses" "$out"
fi
for f in build_info start_time_seconds syncs_total sync_duration_seconds merged_changes_total \
  merge_outcomes_total refusals_total open_connections connections_busy_total store_size_bytes; do
  grep -q "^# TYPE fieldsync_hub_$f " "$E2E_TMP/h0.body" || e2e_fail "hub: family $f" "absent"
done
size=$(value "$E2E_TMP/h0.body" fieldsync_hub_store_size_bytes)
if e2e_pg; then
  [ "$size" != absent ] && [ "$size" -gt 1000000 ] && e2e_pass "hub: store size on PostgreSQL: $size B" ||
    e2e_fail "hub: store size on PostgreSQL" "$size"
else
  file=$(stat -c %s "$HUB_DIR/hub.db")
  [ "$size" != absent ] && [ "$size" -ge "$file" ] && e2e_pass "hub: store size $size B >= hub.db's $file" ||
    e2e_fail "hub: store size" "$size, hub.db $file"
fi
[ "$(value "$E2E_TMP/h0.body" fieldsync_hub_open_connections)" -ge 1 ] 2>/dev/null &&
  e2e_pass "hub: the scrape's own connection is open" || e2e_fail "hub: open connections"

# The refusal reasons are docs/protocol.md's error codes, and "other".
want=$( (sed -n '/^## Status codes/,/^## /s/^| [0-9]* | `\([a-z_]*\)` .*/\1/p' "$E2E_ROOT/docs/protocol.md"; echo other) | sort -u)
got=$(sed -n 's/^fieldsync_hub_refusals_total{reason="\([a-z_]*\)"} .*/\1/p' "$E2E_TMP/h0.body" | sort -u)
e2e_expect "hub: the refusal reasons are docs/protocol.md's error codes" "$want" "$got"

# ---- 2. counters move ----

ok0=$(value "$E2E_TMP/h0.body" 'fieldsync_hub_syncs_total{result="ok"}')
resp0=$(value "$E2E_TMP/h0.body" 'fieldsync_hub_merged_changes_total{table="responses"}')
count0=$(value "$E2E_TMP/h0.body" fieldsync_hub_sync_duration_seconds_count)
unauth0=$(value "$E2E_TMP/h0.body" 'fieldsync_hub_refusals_total{reason="unauthorized"}')
nf0=$(value "$E2E_TMP/h0.body" 'fieldsync_hub_refusals_total{reason="not_found"}')
refused0=$(value "$E2E_TMP/h0.body" 'fieldsync_hub_syncs_total{result="refused"}')
[ "$ok0" -ge 1 ] 2>/dev/null && e2e_pass "hub: the kiosk's syncs counted ok ($ok0)" ||
  e2e_fail "hub: syncs ok after the first sync" "$ok0"

printf '{"overall": "good", "why": "%s"}\n' "$MARK" >"$E2E_TMP/a.json"
ag k respond --questionnaire "$QN" --answers "$E2E_TMP/a.json" >/dev/null || e2e_fail "respond"
pushed() {
  [ "$(scrape h1 "$HUB_URL/metrics")" = 200 ] &&
    [ "$(value "$E2E_TMP/h1.body" 'fieldsync_hub_merged_changes_total{table="responses"}')" -gt "$resp0" ]
}
if wait_for 30 pushed; then
  e2e_pass "hub: merged responses went up after the kiosk's push"
else
  e2e_fail "hub: merged responses after a push" "$(grep merged_changes "$E2E_TMP/h1.body")"
fi
ok1=$(value "$E2E_TMP/h1.body" 'fieldsync_hub_syncs_total{result="ok"}')
count1=$(value "$E2E_TMP/h1.body" fieldsync_hub_sync_duration_seconds_count)
inf1=$(value "$E2E_TMP/h1.body" 'fieldsync_hub_sync_duration_seconds_bucket{le="+Inf"}')
[ "$ok1" -gt "$ok0" ] && e2e_pass "hub: syncs ok went up ($ok0 -> $ok1)" || e2e_fail "hub: syncs ok" "$ok0 -> $ok1"
[ "$count1" -gt "$count0" ] && [ "$inf1" = "$count1" ] &&
  e2e_pass "hub: the latency histogram counts them (+Inf bucket = count)" ||
  e2e_fail "hub: latency histogram" "count $count0 -> $count1, +Inf $inf1"
# Buckets never decrease.
awk '/^fieldsync_hub_sync_duration_seconds_bucket/ { if ($2 < last) bad = 1; last = $2 } END { exit bad }' \
  "$E2E_TMP/h1.body" && e2e_pass "hub: histogram buckets are cumulative" || e2e_fail "hub: cumulative buckets"

e2e_expect "a sync without credentials is refused" 401 \
  "$(e2e_http r1 -X POST -H 'Content-Type: application/vnd.fieldsync.changeset+json' \
    -H 'Content-Encoding: gzip' --data-binary x "$HUB_URL/v1/sync")"
e2e_expect "an unknown path is 404" 404 "$(e2e_http r2 "$HUB_URL/no-such-path")"
scrape h2 "$HUB_URL/metrics" >/dev/null
e2e_expect "hub: refusals unauthorized +1" "$(plus1 "$unauth0")" \
  "$(value "$E2E_TMP/h2.body" 'fieldsync_hub_refusals_total{reason="unauthorized"}')"
e2e_expect "hub: refusals not_found +1" "$(plus1 "$nf0")" \
  "$(value "$E2E_TMP/h2.body" 'fieldsync_hub_refusals_total{reason="not_found"}')"
e2e_expect "hub: syncs refused +1" "$(plus1 "$refused0")" \
  "$(value "$E2E_TMP/h2.body" 'fieldsync_hub_syncs_total{result="refused"}')"
e2e_expect "hub: no refusal outside the list of reasons" 0 \
  "$(value "$E2E_TMP/h2.body" 'fieldsync_hub_refusals_total{reason="other"}')"
e2e_expect "hub: POST /metrics is 405" 405 "$(e2e_http r3 -X POST "$HUB_URL/metrics")"

# ---- 4. the agent's text ----

e2e_expect "agent: GET /metrics from loopback" 200 "$(scrape a1 "$UI/metrics")"
grep -qi '^content-type: text/plain; version=0.0.4' "$E2E_TMP/a1.headers" &&
  e2e_pass "agent: Content-Type text/plain; version=0.0.4" || e2e_fail "agent: Content-Type"
grep -qi '^content-security-policy:' "$E2E_TMP/a1.headers" &&
  e2e_pass "agent: the UI's security headers stay on /metrics" || e2e_fail "agent: security headers"
if out=$(valid "$E2E_TMP/a1.body" fieldsync_agent_); then
  e2e_pass "agent: every line parses ($(grep -vc '^#' "$E2E_TMP/a1.body") samples)"
else
  e2e_fail "agent: the text parses" "$out"
fi
e2e_expect "agent: nothing pending" 0 "$(value "$E2E_TMP/a1.body" fieldsync_agent_pending_changes)"
age=$(value "$E2E_TMP/a1.body" fieldsync_agent_last_sync_age_seconds)
[ "$age" != absent ] && [ "$age" -le 30 ] && e2e_pass "agent: last sync age ${age}s" ||
  e2e_fail "agent: last sync age" "$age"
okk=$(value "$E2E_TMP/a1.body" 'fieldsync_agent_sync_attempts_total{result="ok"}')
[ "$okk" -ge 2 ] 2>/dev/null && e2e_pass "agent: sync attempts ok ($okk)" || e2e_fail "agent: attempts ok" "$okk"
[ "$(value "$E2E_TMP/a1.body" fieldsync_agent_store_size_bytes)" -ge "$(stat -c %s "$E2E_TMP/k/kiosk.db")" ] &&
  e2e_pass "agent: store size" || e2e_fail "agent: store size"
e2e_expect "agent: a foreign Host is refused" 403 \
  "$(e2e_http a2 -H 'Host: evil.example:80' "$UI/metrics")"
e2e_expect "agent: POST /metrics is 405" 405 "$(e2e_http a3 -X POST "$UI/metrics")"

# ---- 3. nothing personal ----

for f in h2 a1; do
  for s in "$SITE" north "$MARK" '"k"'; do
    if grep -qF -- "$s" "$E2E_TMP/$f.body"; then
      e2e_fail "$f: the metrics name no site, region, kiosk or answer" "found $s"
    fi
  done
done
e2e_pass "the metrics name no site id, region, kiosk name or answer"

# ---- 4b. the hub down: attempts counted unreachable ----

hub_stop
unreachable() {
  [ "$(scrape a4 "$UI/metrics")" = 200 ] &&
    [ "$(value "$E2E_TMP/a4.body" 'fieldsync_agent_sync_attempts_total{result="unreachable"}')" -ge 1 ]
}
ag k respond --questionnaire "$QN" --answers "$E2E_TMP/a.json" >/dev/null || e2e_fail "respond offline"
if wait_for 30 unreachable; then
  e2e_pass "agent: attempts while the hub is down count as unreachable"
else
  e2e_fail "agent: unreachable attempts" "$(grep attempts "$E2E_TMP/a4.body")"
fi
p=$(value "$E2E_TMP/a4.body" fieldsync_agent_pending_changes)
[ "$p" -ge 1 ] 2>/dev/null && e2e_pass "agent: the offline response is pending ($p)" || e2e_fail "agent: pending" "$p"

# ---- 6. the token ----

TOKEN=metrics-$(head -c 24 /dev/urandom | od -An -tx1 | tr -d ' \n')
printf '%s\n' "$TOKEN" >"$E2E_TMP/token"
chmod 644 "$E2E_TMP/token"
"$HUB" serve --data "$HUB_DIR" --listen 127.0.0.1:0 --console off --metrics-token "$E2E_TMP/token" \
  >"$E2E_OUT" 2>"$E2E_ERR" &
pid=$!
for ((i = 0; i < 200; i++)); do kill -0 $pid 2>/dev/null || break; sleep 0.05; done
if ! kill -0 $pid 2>/dev/null && grep -q "0600" "$E2E_ERR"; then
  e2e_pass "a token file others may read is refused"
else
  kill $pid 2>/dev/null
  e2e_fail "a token file others may read is refused" "$(head -c 300 "$E2E_ERR")"
fi
wait $pid 2>/dev/null
chmod 600 "$E2E_TMP/token"
if e2e_hub_start "$HUB" "$HUB_DIR" --listen "$HUB_LISTEN" --metrics-token "$E2E_TMP/token"; then
  e2e_pass "the hub starts with a 0600 token file"
else
  e2e_fail "the hub starts with --metrics-token"
fi
e2e_expect "token: loopback without it is 401" 401 "$(scrape t1 "$HUB_URL/metrics")"
grep -qi '^www-authenticate: bearer' "$E2E_TMP/t1.headers" && e2e_pass "token: WWW-Authenticate: Bearer" ||
  e2e_fail "token: challenge"
e2e_expect "token: a wrong one is 401" 401 \
  "$(scrape t2 "$HUB_URL/metrics" -H "Authorization: Bearer ${TOKEN}x")"
e2e_expect "token: the right one is 200" 200 \
  "$(scrape t3 "$HUB_URL/metrics" -H "Authorization: Bearer $TOKEN")"
valid "$E2E_TMP/t3.body" fieldsync_hub_ >/dev/null && e2e_pass "token: the text parses" || e2e_fail "token: text"
if grep -qF "$TOKEN" "$E2E_HUB_LOG"; then e2e_fail "the token is never logged"; else e2e_pass "the token is never logged"; fi
wait_for 30 synced && e2e_pass "the kiosk syncs again after the hub's restart" || e2e_fail "resync"
hub_stop

# ---- 2b. past --max-connections: answered busy by the HTTP layer ----

if e2e_hub_start "$HUB" "$HUB_DIR" --console off --max-connections 1; then
  port=${E2E_HUB_URL##*:}
  exec 3<>"/dev/tcp/127.0.0.1/$port" # holds the one connection served
  # Until the hub has accepted it, a sync is served (401): try again.
  for ((i = 0; i < 50; i++)); do
    st=$(e2e_http b1 -X POST -H 'Content-Type: application/vnd.fieldsync.changeset+json' \
      -H 'Content-Encoding: gzip' --data-binary x "$E2E_HUB_URL/v1/sync")
    [ "$st" = 503 ] && break
    sleep 0.1
  done
  e2e_expect "busy: a sync past --max-connections is 503" 503 "$st"
  exec 3<&-
  busy() { [ "$(scrape b2 "$E2E_HUB_URL/metrics")" = 200 ]; }
  wait_for 10 busy || e2e_fail "busy: scrape after the connection closed"
  e2e_expect "busy: connections_busy_total" 1 "$(value "$E2E_TMP/b2.body" fieldsync_hub_connections_busy_total)"
  e2e_expect "busy: refusals busy" 1 "$(value "$E2E_TMP/b2.body" 'fieldsync_hub_refusals_total{reason="busy"}')"
  e2e_expect "busy: the sync counts as failed" 1 "$(value "$E2E_TMP/b2.body" 'fieldsync_hub_syncs_total{result="failed"}')"
  hub_stop
else
  e2e_fail "hub with --max-connections 1"
fi

# ---- 5. off loopback ----

# This machine's own non-loopback address: a connection to it comes from it.
ADDR=$(ip -4 -o addr show scope global 2>/dev/null | awk '{ sub(/\/.*/, "", $4); print $4; exit }')
if [ -z "$ADDR" ]; then
  echo "skip off-loopback peer (no non-loopback IPv4 address here; hub_unit covers the rule)"
elif e2e_hub_start "$HUB" "$HUB_DIR" --listen "$ADDR:0" --insecure-http --console off; then
  e2e_expect "off loopback: /metrics is 404 (as for no such path)" 404 "$(scrape o1 "$E2E_HUB_URL/metrics")"
  e2e_expect "off loopback: the 404 is the unknown path's" "$(cat "$E2E_TMP/r2.body")" "$(cat "$E2E_TMP/o1.body")"
  e2e_expect "off loopback: POST /metrics is 404 too" 404 "$(scrape o2 "$E2E_HUB_URL/metrics" -X POST)"
  hub_stop
else
  e2e_fail "hub on $ADDR"
fi

e2e_stop "${AGENT_PID[k]}"
e2e_finish
