#!/usr/bin/env bash
# agent_link: the agent on a bad link (issue 14; docs/agent.md "Transport").
#  1. A hub that stops mid-reply (tests/e2e/fake_hub.c gzip-stall: half the
#     body, then nothing, the connection open) is given up within seconds
#     (REPLY_STALL_MS, 8 s), not after the 30 s low-speed limit.
#  2. On a slow link (tests/e2e/link_proxy.py, 16 KB/s towards the hub) the
#     push goes in small batches, so a cut mid-push costs one small batch:
#     the batches acknowledged before the cut stay acknowledged, and the next
#     sync sends only the rest; the hub then holds every response once.
#     After the cut the proxy resets every connection (the link is down), so
#     libcurl's one retry of a request cut on a reused connection fails too.
#
# usage: agent_link.sh FIELDSYNC_AGENT FIELDSYNC_HUB FAKE_HUB
AGENT=${1:?usage: agent_link.sh FIELDSYNC_AGENT FIELDSYNC_HUB FAKE_HUB}
HUB=${2:?usage: agent_link.sh FIELDSYNC_AGENT FIELDSYNC_HUB FAKE_HUB}
FAKE=${3:?usage: agent_link.sh FIELDSYNC_AGENT FIELDSYNC_HUB FAKE_HUB}
. "$(dirname "$0")/agent_lib.sh"
command -v python3 >/dev/null || { echo "agent_link: needs python3"; exit 1; }

T=$E2E_TMP

# ---- 1. a reply that stops ----
printf '{"format":"fieldsync-changeset/1","site":"hub","from":0,"to":0,"more":false,"time":%s,"changes":[]}' \
  "$(e2e_now_ms)" | gzip -c >"$T/normal"
fake_start 200 "$T/normal" gzip || { echo "agent_link: the fake hub did not start"; exit 1; }
"$AGENT" init --data "$T/stall" --hub "$URL" --code ABCDE-FGHJK-MN >/dev/null 2>"$T/init.err" ||
  { echo "agent_link: init failed: $(cat "$T/init.err")"; exit 1; }
fake_stop
fake_start 200 "$T/normal" gzip-stall || { e2e_fail "fake hub (stall) start"; e2e_finish; exit 1; }
sed -i "s|\"hub\": *\"[^\"]*\"|\"hub\": \"$URL\"|" "$T/stall/agent.json"
t0=$(e2e_now_ms)
"$AGENT" sync --data "$T/stall" >/dev/null 2>"$T/stall.err"
rc=$?
ms=$(($(e2e_now_ms) - t0))
fake_stop
if [ "$rc" = 3 ] && grep -q "the reply stopped" "$T/stall.err" && [ "$ms" -ge 7000 ] &&
  [ "$ms" -lt 15000 ]; then
  e2e_pass "a reply stopped mid-way is given up in $ms ms (8 s of silence), exit 3"
else
  e2e_fail "a reply stopped mid-way is given up within 15 s" \
    "exit $rc after $ms ms: $(head -c 300 "$T/stall.err")"
fi

# ---- 2. a slow link, cut mid-push ----
N=150
hub_start || { e2e_fail "hub starts"; e2e_finish; exit 1; }
hub publish "$E2E_EXAMPLES/friends-and-family.json" >/dev/null || e2e_fail "publish"
kiosk_init k1 north && ag k1 sync >/dev/null || e2e_fail "init k1"
# Answers gzip cannot shrink much, about 1.3 KB each: 200 KB to push.
for ((i = 1; i <= N; i++)); do
  answers_json "$T/a.json" "$i $(head -c 700 /dev/urandom | base64 -w0)"
  ag k1 respond --questionnaire friends-and-family --answers "$T/a.json" >/dev/null ||
    e2e_fail "respond $i"
done
HUB_PORT=${HUB_URL##*:}
# proxy RATE CUT_AFTER: start the proxy in front of the hub; sets PROXY_PID.
proxy() {
  rm -f "$T/proxy.port"
  : >"$T/proxy.log"
  e2e_spawn "$T/proxy.err" python3 "$(dirname "$0")/link_proxy.py" "$T/proxy.port" "$HUB_PORT" \
    "$1" "$2" "$T/proxy.log"
  PROXY_PID=$E2E_PID
  wait_for 10 test -s "$T/proxy.port"
  sed -i "s|\"hub\": *\"[^\"]*\"|\"hub\": \"http://127.0.0.1:$(cat "$T/proxy.port")\"|" \
    "$T/k1/agent.json"
}
# Cut after 60 KB of the kiosk's bytes (of about 115 KB; gzip packs the
# answers to about 750 B each): in the second batch.
proxy 16000 60000
ag k1 sync >"$T/cut.out" 2>"$T/cut.err"
rc=$?
e2e_stop "$PROXY_PID"
[ "$rc" = 3 ] && e2e_pass "the cut sync fails as unreachable" ||
  e2e_fail "the cut sync fails as unreachable" "exit $rc: $(head -c 300 "$T/cut.err") $(cat "$T/cut.out" "$T/proxy.log")"
ag k1 status --json >"$T/status.json"
left=$(jx "$T/status.json" '$.pending')
if [ -n "$left" ] && [ "$left" -gt 0 ] && [ "$left" -lt $((N * 3 / 4)) ]; then
  e2e_pass "batches acknowledged before the cut stay so: $left of $N left"
else
  e2e_fail "batches acknowledged before the cut stay so" "$left of $N left"
fi
proxy 16000 0
ag k1 sync >"$T/resume.out" 2>"$T/resume.err" || e2e_fail "resume" "$(head -c 300 "$T/resume.err")"
e2e_stop "$PROXY_PID"
sent=$(sed -n 's/^in sync: sent \([0-9]*\),.*/\1/p' "$T/resume.out")
[ "$sent" = "$left" ] && e2e_pass "the next sync sends only the $left left" ||
  e2e_fail "the next sync sends only the $left left" "sent '$sent': $(cat "$T/resume.out")"
rounds=$(sed -n 's/.* in \([0-9]*\) round(s).*/\1/p' "$T/resume.out")
[ -n "$rounds" ] && [ "$rounds" -ge 2 ] && e2e_pass "in small batches on a slow link: $rounds rounds" ||
  e2e_fail "in small batches on a slow link" "$(cat "$T/resume.out")"
held=$(hub export responses --format jsonl 2>/dev/null | wc -l)
[ "$held" = "$N" ] && e2e_pass "the hub holds the $N responses, once each" ||
  e2e_fail "the hub holds the $N responses, once each" "$held"
hub_stop
e2e_finish
