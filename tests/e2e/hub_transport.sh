#!/usr/bin/env bash
# The hub's transport defaults and HTTP strictness:
#   1. plain HTTP on an address other than loopback is refused before
#      anything is bound, unless --insecure-http (then a warning at every
#      start); loopback addresses need nothing;
#   2. with TLS, TLS 1.1 is refused and TLS 1.2 and 1.3 are served; a TLS
#      handshake that never starts is cut at the head deadline;
#   3. requests framed two ways (two Content-Length headers, Content-Length
#      and Transfer-Encoding, a Transfer-Encoding other than chunked) are
#      answered 400 bad_request and the connection closed, so nothing
#      smuggled behind them is served; HTTP/1.1 without Host is 400.
# usage: hub_transport.sh HUB SLOWFLOOD
HUB=${1:?usage: hub_transport.sh HUB SLOWFLOOD}
FLOOD=${2:?usage: hub_transport.sh HUB SLOWFLOOD}
. "$(dirname "$0")/lib.sh"

DATA=$E2E_TMP/hub
T=$E2E_TMP

# ---- 1. plain HTTP and the listen address ----
timeout 10 "$HUB" serve --data "$DATA" --listen 0.0.0.0:0 >"$T/out" 2>"$T/err"
e2e_expect "plain HTTP on 0.0.0.0: refused with the usage status" 2 $?
grep -q '0.0.0.0:0 is not a loopback address' "$T/err" && e2e_pass "the refusal says why" ||
  e2e_fail "the refusal says why" "$(cat "$T/err")"
grep -q 'listening' "$T/err" && e2e_fail "nothing is bound" || e2e_pass "nothing is bound"
timeout 10 "$HUB" serve --data "$DATA" --listen '[::]:0' >"$T/out" 2>"$T/err"
e2e_expect "plain HTTP on [::]: refused" 2 $?

for i in 1 2; do
  e2e_hub_start "$HUB" "$DATA" --listen 0.0.0.0:0 --insecure-http || exit 1
  grep -q 'warning: --insecure-http: serving plain HTTP on 0.0.0.0:0' "$E2E_HUB_LOG" &&
    e2e_pass "--insecure-http: start $i warns" || e2e_fail "--insecure-http: start $i warns"
  port=${E2E_HUB_URL##*:}
  e2e_expect "--insecure-http: served (start $i)" 200 \
    "$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$port/health")"
  e2e_hub_stop
done
for listen in 127.0.0.1:0 127.0.0.2:0 localhost:0; do
  if e2e_hub_start "$HUB" "$DATA" --listen "$listen"; then
    e2e_pass "loopback $listen: served without --insecure-http"
    grep -q warning "$E2E_HUB_LOG" && e2e_fail "loopback $listen: no warning" ||
      e2e_pass "loopback $listen: no warning"
    e2e_hub_stop
  else
    e2e_fail "loopback $listen: served without --insecure-http"
  fi
done
if e2e_hub_start "$HUB" "$DATA" --listen '[::1]:0' 2>/dev/null; then
  e2e_pass "loopback [::1]: served"
  e2e_hub_stop
else
  echo "skip [::1]: not available here"
fi

# ---- 2. TLS ----
if command -v openssl >/dev/null &&
  openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 2 \
    -subj /CN=127.0.0.1 -addext subjectAltName=IP:127.0.0.1 \
    -keyout "$T/key.pem" -out "$T/cert.pem" >/dev/null 2>&1; then
  # 0.0.0.0 is allowed with TLS; the head deadline is 2 s here.
  e2e_hub_start "$HUB" "$DATA" --listen 0.0.0.0:0 --tls-cert "$T/cert.pem" \
    --tls-key "$T/key.pem" --head-timeout 2 || exit 1
  port=${E2E_HUB_URL##*:}
  grep -q warning "$E2E_HUB_LOG" && e2e_fail "TLS on 0.0.0.0: no warning" ||
    e2e_pass "TLS on 0.0.0.0: no warning"
  e2e_wait_http "https://127.0.0.1:$port/health" 10 --cacert "$T/cert.pem" &&
    e2e_pass "TLS: /health" || e2e_fail "TLS: /health" "$(tail -3 "$E2E_HUB_LOG")"
  # s_client VERSION: "ok" when a session with that version is set up
  s_client() {
    timeout 10 openssl s_client -connect "127.0.0.1:$port" "$@" -CAfile "$T/cert.pem" \
      </dev/null >"$T/s_client.out" 2>&1
    grep -qE '^ *Protocol *: *TLSv1\.[0-9]|^New, TLSv1\.[0-9]' "$T/s_client.out" &&
      ! grep -q 'Cipher is (NONE)' "$T/s_client.out" && echo ok || echo refused
  }
  e2e_expect "TLS 1.1 is refused" refused "$(s_client -tls1_1 -cipher DEFAULT@SECLEVEL=0)"
  e2e_expect "TLS 1.0 is refused" refused "$(s_client -tls1 -cipher DEFAULT@SECLEVEL=0)"
  e2e_expect "TLS 1.2 is served" ok "$(s_client -tls1_2)"
  e2e_expect "TLS 1.3 is served" ok "$(s_client -tls1_3)"
  # Connections that never start their handshake: cut at the 2 s deadline.
  "$FLOOD" --connect "127.0.0.1:$port" --source 127.0.0.4 --connections 3 --head '' \
    --interval 0 --reconnect-ms -1 --duration 6 >"$T/tlsflood.out"
  report=$(grep 'connections=' "$T/tlsflood.out")
  longest=$(sed -n 's/.* longest_ms=\([0-9]*\).*/\1/p' <<<"$report")
  closed=$(sed -n 's/.* closed=\([0-9]*\).*/\1/p' <<<"$report")
  [ "$closed" = 3 ] && [ "$longest" -ge 1500 ] && [ "$longest" -le 3500 ] &&
    e2e_pass "TLS: a handshake not started is cut at the head deadline" ||
    e2e_fail "TLS: a handshake not started is cut at the head deadline" "$report"
  # Handshakes that fail, many of them: counted, not logged one by one.
  "$FLOOD" --connect "127.0.0.1:$port" --source 127.0.0.5 --connections 20 --interval 1 \
    --duration 2 --reconnect-ms 100 >/dev/null
  e2e_hub_stop
  e2e_expect "TLS: the hub stops cleanly" 0 $?
  grep -qE 'http: in the last .* [0-9]{2,} failed the TLS handshake' "$E2E_HUB_LOG" &&
    e2e_pass "TLS: failed handshakes are counted in the log summary" ||
    e2e_fail "TLS: failed handshakes are counted in the log summary" "$(grep 'http:' "$E2E_HUB_LOG" | tail -2)"
  lines=$(grep -c 'http:' "$E2E_HUB_LOG")
  [ "$lines" -le 3 ] && e2e_pass "TLS: failed handshakes do not flood the log ($lines lines)" ||
    e2e_fail "TLS: failed handshakes do not flood the log" "$lines lines"
else
  echo "skip TLS: openssl cannot make a test certificate"
fi

# ---- 3. framing ----
e2e_hub_start "$HUB" "$DATA" || exit 1
port=${E2E_HUB_URL##*:}
# raw NAME TEXT: send TEXT (printf escapes) on one connection, read until the
# hub closes it (at most 5 s); the answer in $T/NAME.raw, "closed" or "open".
# The reader starts first: the hub closes with the rest of TEXT unread, so
# the kernel resets the connection, and what was not read by then is lost.
raw() {
  timeout 5 bash -c 'exec 3<>"/dev/tcp/127.0.0.1/$1" || exit 9; cat <&3 & sleep 0.1
    printf "$2" >&3 2>/dev/null; wait $!' _ "$port" "$2" >"$T/$1.raw" 2>/dev/null
  [ $? = 124 ] && echo open || echo closed
}
statuses() { grep -ao 'HTTP/1\.[01] [0-9][0-9][0-9]' "$T/$1.raw" | cut -d' ' -f2 | tr '\n' ' '; }

st=$(raw pipelined 'GET /health HTTP/1.1\r\nHost: x\r\n\r\nGET /health HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n')
e2e_expect "control: two pipelined requests, two answers" "200 200 " "$(statuses pipelined)"

st=$(raw dup_cl 'POST /v1/enroll HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 2\r\nContent-Length: 40\r\n\r\n{}')
e2e_expect "two Content-Length: 400" "400 " "$(statuses dup_cl)"
grep -q '"error": *"bad_request"' "$T/dup_cl.raw" && e2e_pass "two Content-Length: bad_request" ||
  e2e_fail "two Content-Length: bad_request" "$(head -c 300 "$T/dup_cl.raw")"
e2e_expect "two Content-Length: connection closed" closed "$st"

# A body of 0-chunk by chunked reading, or 45 bytes by Content-Length: behind
# it, a second request a proxy would not have seen.
st=$(raw smuggle 'POST /v1/enroll HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 45\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\nGET /health HTTP/1.1\r\nHost: x\r\n\r\n')
e2e_expect "Content-Length and chunked: one answer, 400" "400 " "$(statuses smuggle)"
grep -q 'Connection: close' "$T/smuggle.raw" && e2e_pass "Content-Length and chunked: Connection: close" ||
  e2e_fail "Content-Length and chunked: Connection: close"
e2e_expect "Content-Length and chunked: connection closed" closed "$st"

st=$(raw te_gzip 'POST /v1/enroll HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nTransfer-Encoding: gzip\r\n\r\n')
e2e_expect "Transfer-Encoding gzip: 400" "400 " "$(statuses te_gzip)"
e2e_expect "Transfer-Encoding gzip: connection closed" closed "$st"

st=$(raw te_twice 'POST /v1/enroll HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n')
e2e_expect "Transfer-Encoding twice: 400" "400 " "$(statuses te_twice)"

st=$(raw chunked_ok 'POST /v1/enroll HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n2\r\n{}\r\n0\r\n\r\n')
e2e_expect "control: a chunked body alone is read (400 for the body, not the framing)" \
  "400 " "$(statuses chunked_ok)"
! grep -qE 'more than one Content-Length|both Content-Length|Transfer-Encoding must' \
  "$T/chunked_ok.raw" && e2e_pass "control: chunked alone is not a framing error" ||
  e2e_fail "control: chunked alone is not a framing error" "$(tail -c 200 "$T/chunked_ok.raw")"

st=$(raw no_host 'GET /health HTTP/1.1\r\n\r\n')
e2e_expect "HTTP/1.1 without Host: 400" 400 "$(statuses no_host | cut -d' ' -f1)"

e2e_hub_stop
e2e_expect "the hub stops cleanly" 0 $?
e2e_finish
