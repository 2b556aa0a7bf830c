#!/usr/bin/env bash
# console_http: the hub console's HTTP rules with curl (docs/console.md):
# Host and Origin checks, the session cookie's attributes, CSRF (missing,
# wrong, another session's, wrong Origin), JSON only, the body cap, logout,
# sessions ended by idle time, absolute time, password change, disable and
# removal, roles, personal API tokens (a token_ok route yes, a cookie-only
# route and POST no, revoked no), login throttling per account and per
# source (127.0.0.2 as a second source), the same answer for an unknown
# name, a burst of logins (503 busy, memory bounded), TLS (a Secure
# cookie, https Origin only), and the audit entries.
#
# usage: console_http.sh FIELDSYNC_HUB
HUB=${1:?usage: console_http.sh FIELDSYNC_HUB}
. "$(dirname "$0")/lib.sh"
for tool in curl python3; do
  command -v "$tool" >/dev/null || { echo "console_http: needs $tool"; exit 1; }
done

T=$E2E_TMP
DATA=$T/hub
PW_ADMIN='the admin password'
PW_ANA='the analyst password'
PW_VIEW='the viewer password'

printf '%s\n' "$PW_ADMIN" | "$HUB" user add boss --role admin --data "$DATA" >/dev/null &&
  printf '%s\n' "$PW_ANA" | "$HUB" user add ana --role analyst --region a --data "$DATA" >/dev/null &&
  printf '%s\n' "$PW_VIEW" | "$HUB" user add vic --role viewer --data "$DATA" >/dev/null ||
  { echo "user add failed"; exit 1; }

# Idle and absolute ends are tested on hubs of their own below.
e2e_hub_start "$HUB" "$DATA" || exit 1
C=$E2E_CONSOLE_URL
HOSTPORT=${C#http://}
[ -n "$C" ] && e2e_pass "the console listens (${C})" || { e2e_fail "the console listens"; exit 1; }

json() { e2e_json_str "$@"; }
# An integer value of compact JSON in FILE.
json_int() { sed -n "s/.*\"$2\":\([0-9]*\).*/\1/p" "$1"; }

# login NAME PASSWORD [CURL_ARGS...] (neither with a quote or backslash):
# status; cookie jar $T/NAME.jar,
# answer $T/login-NAME.body, CSRF token in $T/NAME.csrf
login() {
  local name=$1 pw=$2 st
  shift 2
  st=$(e2e_http "login-$name" -c "$T/$name.jar" -X POST -H "Origin: $C" \
    -H 'Content-Type: application/json' \
    --data "{\"name\":\"$name\",\"password\":\"$pw\"}" \
    "$@" "$C/api/login")
  [ "$st" = 200 ] && json "$T/login-$name.body" csrf >"$T/$name.csrf"
  echo "$st"
}

# as NAME TAG METHOD PATH [BODY] [CURL_ARGS...]: a request with NAME's
# cookie, its CSRF token and Origin on POST; prints the status
as() {
  local name=$1 tag=$2 method=$3 path=$4 body='{}'
  [ -n "${5:-}" ] && body=$5
  shift 4
  [ $# -gt 0 ] && shift
  if [ "$method" = POST ]; then
    e2e_http "$tag" -b "$T/$name.jar" -X POST -H "Origin: $C" -H 'Content-Type: application/json' \
      -H "X-CSRF-Token: $(cat "$T/$name.csrf")" --data "$body" "$@" "$C$path"
  else
    e2e_http "$tag" -b "$T/$name.jar" "$@" "$C$path"
  fi
}

# ---- logging in, the cookie ----
e2e_expect "admin logs in" 200 "$(login boss "$PW_ADMIN")"
cookie=$(grep -i '^set-cookie:' "$T/login-boss.headers" | tr -d '\r')
case "$cookie" in
  *"fs_console="*"; HttpOnly; SameSite=Strict; Path=/"*) e2e_pass "cookie: HttpOnly, SameSite=Strict, Path=/" ;;
  *) e2e_fail "cookie: HttpOnly, SameSite=Strict, Path=/" "$cookie" ;;
esac
case "$cookie" in *Secure*) e2e_fail "no Secure over plain HTTP" "$cookie" ;; *) e2e_pass "no Secure over plain HTTP" ;; esac
grep -qi '^content-security-policy: default-src .none.' "$T/login-boss.headers" &&
  grep -qi '^x-frame-options: DENY' "$T/login-boss.headers" && e2e_pass "security headers on API answers" ||
  e2e_fail "security headers on API answers"
e2e_expect "GET /api/session" 200 "$(as boss session GET /api/session)"
e2e_expect "the session names the user" boss "$(json "$T/session.body" user)"
e2e_expect "the session's role" admin "$(json "$T/session.body" role)"
e2e_expect "unknown name: same answer as a wrong password" \
  "401 login_failed" "$(login nobody "whatever password") $(e2e_json_str "$T/login-nobody.body" error)"
e2e_expect "wrong password" "401 login_failed" \
  "$(login vic "not the password") $(e2e_json_str "$T/login-vic.body" error)"
e2e_expect "no cookie: 401" 401 "$(e2e_http nocookie "$C/api/overview")"
e2e_expect "a made-up cookie: 401" 401 \
  "$(e2e_http badcookie -b 'fs_console=AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA' "$C/api/overview")"

# ---- Host and Origin ----
e2e_expect "Host of another name: 403 (DNS rebinding)" 403 \
  "$(e2e_http host -b "$T/boss.jar" -H 'Host: evil.example:80' "$C/api/session")"
e2e_expect "the page with another Host: 403" 403 "$(e2e_http host2 -H 'Host: evil.example' "$C/")"
e2e_expect "localhost:PORT is this console (past the Host check: 401, not 403)" 401 \
  "$(e2e_http host3 -H "Host: localhost:${HOSTPORT##*:}" "$C/api/session")"
e2e_expect "a cross-site fetch (Sec-Fetch-Site): 403" 403 \
  "$(as boss xsite GET /api/overview '' -H 'Sec-Fetch-Site: cross-site')"
e2e_expect "the page loads" 200 "$(e2e_http page "$C/")"
e2e_expect "the pages' script" 200 "$(e2e_http pagesjs "$C/pages.js")"
grep -q "page('overview'" "$T/pagesjs.body" && grep -q "page('users'" "$T/pagesjs.body" &&
  e2e_pass "pages.js joins every page-*.js" || e2e_fail "pages.js joins every page-*.js"
e2e_expect "POST to a page: 405" 405 "$(e2e_http pagepost -X POST "$C/index.html")"

# ---- CSRF, Origin, media type, body cap ----
ADD='{"name":"eve","role":"viewer","password":"eve password 12"}'
e2e_expect "POST without X-CSRF-Token: 403" 403 \
  "$(e2e_http nocsrf -b "$T/boss.jar" -X POST -H "Origin: $C" -H 'Content-Type: application/json' --data "$ADD" "$C/api/users/add")"
e2e_expect "  ... error csrf" csrf "$(e2e_json_str "$T/nocsrf.body" error)"
e2e_expect "POST with a wrong X-CSRF-Token: 403" 403 \
  "$(e2e_http badcsrf -b "$T/boss.jar" -X POST -H "Origin: $C" -H 'Content-Type: application/json' \
    -H "X-CSRF-Token: $(printf '0%.0s' $(seq 64))" --data "$ADD" "$C/api/users/add")"
e2e_expect "POST without Origin: 403" 403 \
  "$(e2e_http noorigin -b "$T/boss.jar" -X POST -H 'Content-Type: application/json' \
    -H "X-CSRF-Token: $(cat "$T/boss.csrf")" --data "$ADD" "$C/api/users/add")"
e2e_expect "POST with another Origin: 403" 403 \
  "$(e2e_http evilorigin -b "$T/boss.jar" -X POST -H 'Origin: http://evil.example' -H 'Content-Type: application/json' \
    -H "X-CSRF-Token: $(cat "$T/boss.csrf")" --data "$ADD" "$C/api/users/add")"
e2e_expect "POST with Origin of this console over https: 403 (plain HTTP here)" 403 \
  "$(e2e_http httpsorigin -b "$T/boss.jar" -X POST -H "Origin: https://evil.example" -H 'Content-Type: application/json' \
    -H "X-CSRF-Token: $(cat "$T/boss.csrf")" --data "$ADD" "$C/api/users/add")"
e2e_expect "POST as a form (text/plain): 415" 415 \
  "$(e2e_http form -b "$T/boss.jar" -X POST -H "Origin: $C" -H 'Content-Type: text/plain' \
    -H "X-CSRF-Token: $(cat "$T/boss.csrf")" --data "$ADD" "$C/api/users/add")"
e2e_expect "POST that is not JSON: 400" 400 "$(as boss notjson POST /api/users/add '{"name":')"
big=$(python3 -c 'print("{\"name\":\"" + "x" * 5000 + "\"}")')
e2e_expect "POST over the route's cap (4 KiB): 413" 413 "$(as boss big POST /api/users/add "$big")"
e2e_expect "login body over 4 KiB: 413" 413 \
  "$(e2e_http biglogin -X POST -H "Origin: $C" -H 'Content-Type: application/json' --data "$big" "$C/api/login")"
e2e_expect "nothing was added by the refused POSTs" "" "$("$HUB" user list --data "$DATA" | grep -w eve)"
e2e_expect "with token and Origin: added" 200 "$(as boss add POST /api/users/add "$ADD")"
e2e_expect "another session's CSRF token: 403" 200 "$(login vic "$PW_VIEW")"
e2e_expect "  ... refused" 403 \
  "$(e2e_http othercsrf -b "$T/boss.jar" -X POST -H "Origin: $C" -H 'Content-Type: application/json' \
    -H "X-CSRF-Token: $(cat "$T/vic.csrf")" --data '{"name":"eve"}' "$C/api/users/remove")"

# ---- roles ----
e2e_expect "a viewer cannot list users: 403" 403 "$(as vic vlist GET /api/users)"
e2e_expect "a viewer cannot add one: 403" 403 "$(as vic vadd POST /api/users/add '{"name":"x1","role":"admin","password":"xxxxxxxxxxxx"}')"
e2e_expect "a viewer reads the overview" 200 "$(as vic vov GET /api/overview)"
e2e_expect "unknown route: 404" 404 "$(as boss nope GET /api/nothing-here)"
e2e_expect "wrong method: 405" 405 "$(as boss method GET /api/users/add)"
e2e_expect "the last admin cannot be demoted" 403 \
  "$(as boss demote POST /api/users/change '{"name":"boss","role":"viewer"}')"

# ---- the overview's setting ----
e2e_expect "the stale-after default: 24 h" 86400 "$(as vic ov0 GET /api/overview >/dev/null; json_int "$T/ov0.body" stale_after_s)"
e2e_expect "a viewer may not change it" 403 "$(as vic set1 POST /api/overview/settings '{"stale_after_s":3600}')"
e2e_expect "an admin: out of range refused" 400 "$(as boss set2 POST /api/overview/settings '{"stale_after_s":5}')"
e2e_expect "an admin sets 2 h" 200 "$(as boss set3 POST /api/overview/settings '{"stale_after_s":7200}')"
e2e_expect "  ... answered" 7200 "$(json_int "$T/set3.body" stale_after_s)"
e2e_expect "  ... the overview says so" 7200 "$(as vic ov1 GET /api/overview >/dev/null; json_int "$T/ov1.body" stale_after_s)"

# ---- API tokens ----
TOKEN=$("$HUB" user token ana --data "$DATA" 2>/dev/null)
case "$TOKEN" in fsu_???????????????????????????????????????????) e2e_pass "user token prints fsu_ and 43 characters" ;;
  *) e2e_fail "user token prints fsu_ and 43 characters" "$TOKEN" ;; esac
e2e_expect "token on a token_ok route (GET /api/overview)" 200 \
  "$(e2e_http tok -H "Authorization: Bearer $TOKEN" "$C/api/overview")"
e2e_expect "token on a cookie-only route (GET /api/session/tokens): 401" 401 \
  "$(e2e_http tok2 -H "Authorization: Bearer $TOKEN" "$C/api/session/tokens")"
e2e_expect "token on POST: 401" 401 \
  "$(e2e_http tok3 -X POST -H "Origin: $C" -H 'Content-Type: application/json' -H "Authorization: Bearer $TOKEN" \
    --data '{}' "$C/api/session/token")"
e2e_expect "a wrong token: 401" 401 \
  "$(e2e_http tok4 -H "Authorization: Bearer fsu_$(printf 'A%.0s' $(seq 43))" "$C/api/overview")"
ID=$("$HUB" user list --json --data "$DATA" | python3 -c 'import json,sys; print([u for u in json.load(sys.stdin) if u["name"]=="ana"][0]["tokens"][0]["id"])')
"$HUB" user token ana --revoke "$ID" --data "$DATA" >/dev/null
e2e_expect "a revoked token: 401" 401 "$(e2e_http tok5 -H "Authorization: Bearer $TOKEN" "$C/api/overview")"

# ---- sessions ending ----
e2e_expect "logout" 200 "$(as vic logout POST /api/logout)"
e2e_expect "after logout the cookie is refused" 401 "$(as vic afterlogout GET /api/session)"
grep -qi '^set-cookie: fs_console=; Max-Age=0' "$T/logout.headers" && e2e_pass "logout clears the cookie" ||
  e2e_fail "logout clears the cookie" "$(cat "$T/logout.headers")"
e2e_expect "ana logs in" 200 "$(login ana "$PW_ANA")"
printf '%s\n' 'a new analyst password' | "$HUB" user passwd ana --data "$DATA" >/dev/null
e2e_expect "a password change ends the session" 401 "$(as ana afterpasswd GET /api/session)"
e2e_expect "ana logs in again" 200 "$(login ana 'a new analyst password')"
"$HUB" user disable ana --data "$DATA" >/dev/null
e2e_expect "disabling ends the session" 401 "$(as ana afterdisable GET /api/session)"
e2e_expect "a disabled account cannot log in (same answer)" 401 "$(login ana 'a new analyst password')"
"$HUB" user enable ana --data "$DATA" >/dev/null
e2e_expect "enabled again: logs in" 200 "$(login ana 'a new analyst password')"
e2e_expect "eve logs in" 200 "$(login eve 'eve password 12')"
e2e_expect "the admin removes eve in the console" 200 "$(as boss rm POST /api/users/remove '{"name":"eve"}')"
e2e_expect "a removed user's session is refused" 401 "$(as eve afterremove GET /api/session)"
e2e_expect "a role change counts at the next request" 200 \
  "$(as boss promote POST /api/users/change '{"name":"ana","role":"admin"}')"
e2e_expect "  ... ana lists users now" 200 "$(as ana anaadmin GET /api/users)"

# ---- throttling per account ----
for i in 1 2 3 4; do login boss "wrong $i" >/dev/null; done
e2e_expect "5th wrong password: still 401" 401 "$(login boss 'wrong 5')"
grep -q 'locked for 30 s' "$T/login-boss.body" && e2e_pass "  ... and says the name is locked for 30 s" ||
  e2e_fail "  ... and says the name is locked for 30 s" "$(cat "$T/login-boss.body")"
e2e_expect "locked: even the right password is refused" "429 locked" \
  "$(login boss "$PW_ADMIN") $(e2e_json_str "$T/login-boss.body" error)"
grep -qi '^retry-after: [0-9]' "$T/login-boss.headers" && e2e_pass "  ... with Retry-After" || e2e_fail "  ... with Retry-After"
e2e_expect "locked from another source too" 429 "$(login boss "$PW_ADMIN" --interface 127.0.0.2)"
e2e_expect "another account is not locked" 200 "$(login vic "$PW_VIEW")"
e2e_expect "an unknown name locks alike" "401 401 401 401 401 429" \
  "$(for i in 1 2 3 4 5 6; do printf '%s ' "$(login ghost "wrong $i" --interface 127.0.0.2)"; done | sed 's/ $//')"

# ---- throttling per source ----
# From 127.0.0.3: 20 attempts a minute that are not right, each a new name.
codes=$(for i in $(seq 1 21); do printf '%s ' "$(login "nobody$i" 'wrong password' --interface 127.0.0.3)"; done)
e2e_expect "per source: 20 failures answered, the 21st refused" \
  "$(printf '401 %.0s' $(seq 20))429" "$(echo "$codes" | sed 's/ $//')"
e2e_expect "  ... error too_many" too_many "$(e2e_json_str "$T/login-nobody21.body" error)"
e2e_expect "  ... the right password from there waits too" 429 "$(login vic "$PW_VIEW" --interface 127.0.0.3)"
e2e_expect "  ... another source is not throttled" 200 "$(login vic "$PW_VIEW")"

# ---- at most 2 hashes at once: a burst is answered, some 503 busy ----
pid=$E2E_HUB_PID
burst=()
for i in $(seq 1 12); do
  curl -s -o /dev/null -w '%{http_code}\n' --interface 127.0.0.4 -X POST -H "Origin: $C" \
    -H 'Content-Type: application/json' --data "{\"name\":\"burst$i\",\"password\":\"wrong password\"}" \
    "$C/api/login" >"$T/burst.$i" &
  burst+=($!)
done
wait "${burst[@]}"
codes=$(cat "$T"/burst.* | sort | uniq -c | awk '{printf "%s:%s ", $2, $1}')
echo "console_http: 12 logins at once: $codes; hub peak RSS $(awk '/VmHWM/{print $2, $3}' "/proc/$pid/status")"
case "$codes" in *503:*) e2e_pass "a burst of logins: some answered 503 busy" ;;
  *) e2e_fail "a burst of logins: some answered 503 busy" "$codes" ;; esac
e2e_expect "  ... every one answered 401 or 503" "" "$(cat "$T"/burst.* | grep -vE '^(401|503)$')"

# ---- the audit trail ----
"$HUB" audit --data "$DATA" >"$T/audit.txt"
for a in "console:boss +console_login" "console:boss +user_add" "console:boss +user_remove" \
  "console:vic +console_logout" "console:unknown +console_login_failed" "console:boss +console_login_failed" \
  "console:boss +console_setting" \
  "admin:.* +token_create" "admin:.* +user_passwd"; do
  grep -Eq "$a" "$T/audit.txt" && e2e_pass "audited: $a" || e2e_fail "audited: $a"
done
grep -q 'wrong 1\|the admin password\|nobody1' "$T/audit.txt" && e2e_fail "no password or typed name in the audit" ||
  e2e_pass "no password or typed name in the audit"
grep -q "$PW_ADMIN\|wrong 5" "$E2E_HUB_LOG" && e2e_fail "no password in the log" || e2e_pass "no password in the log"
e2e_hub_stop

# ---- the idle end ----
e2e_hub_start "$HUB" "$DATA" --console-idle 3s || exit 1
C=$E2E_CONSOLE_URL
e2e_expect "login (--console-idle 3s)" 200 "$(login vic "$PW_VIEW")"
e2e_expect "requests 1 s apart for 4 s: kept" "200 200 200 200" \
  "$(for i in 1 2 3 4; do sleep 1; printf '%s ' "$(as vic keep$i GET /api/session)"; done | sed 's/ $//')"
sleep 4
e2e_expect "idle 4 s: refused" 401 "$(as vic idle GET /api/session)"
e2e_hub_stop

# ---- the absolute end ----
e2e_hub_start "$HUB" "$DATA" --console-max 5s || exit 1
C=$E2E_CONSOLE_URL
e2e_expect "login (--console-max 5s)" 200 "$(login vic "$PW_VIEW")"
start=$(date +%s%N)
e2e_expect "used every second: kept" "200 200" \
  "$(for i in 1 2; do sleep 1; printf '%s ' "$(as vic max$i GET /api/session)"; done | sed 's/ $//')"
while [ $(( ($(date +%s%N) - start) / 1000000 )) -lt 5500 ]; do
  as vic maxing GET /api/session >/dev/null
  sleep 0.5
done
e2e_expect "past 5 s from login: refused however busy" 401 "$(as vic maxed GET /api/session)"
e2e_hub_stop

# ---- over TLS: the cookie is Secure, only an https Origin ----
if command -v openssl >/dev/null && openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 \
  -nodes -days 2 -subj /CN=127.0.0.1 -addext subjectAltName=IP:127.0.0.1 \
  -keyout "$T/key.pem" -out "$T/cert.pem" >/dev/null 2>&1; then
  e2e_hub_start "$HUB" "$DATA" --tls-cert "$T/cert.pem" --tls-key "$T/key.pem" || exit 1
  C=$E2E_CONSOLE_URL
  case "$C" in https://*) e2e_pass "TLS: the console is https ($C)" ;; *) e2e_fail "TLS: the console is https" "$C" ;; esac
  e2e_expect "TLS: login" 200 "$(login vic "$PW_VIEW" --cacert "$T/cert.pem")"
  grep -i '^set-cookie:' "$T/login-vic.headers" | grep -q '; Secure' && e2e_pass "TLS: the cookie is Secure" ||
    e2e_fail "TLS: the cookie is Secure" "$(grep -i '^set-cookie:' "$T/login-vic.headers")"
  e2e_expect "TLS: a plain-http Origin of the same host: 403" 403 \
    "$(e2e_http tlsorigin --cacert "$T/cert.pem" -X POST -H "Origin: http://${C#https://}" \
      -H 'Content-Type: application/json' --data '{"name":"vic","password":"x"}' "$C/api/login")"
  e2e_hub_stop
else
  echo "skip TLS: no openssl or it cannot make a test certificate"
fi

# ---- serve's options ----
e2e_run "a console off loopback without TLS: refused" 2 "$HUB" serve --data "$DATA" --console 0.0.0.0:0
grep -q '0.0.0.0:0 is not a loopback address' "$T/err" && e2e_pass "  ... says why" || e2e_fail "  ... says why" "$(cat "$T/err")"
e2e_run "--console-idle over 30m: refused" 2 "$HUB" serve --data "$DATA" --console-idle 2h
e2e_hub_start "$HUB" "$DATA" --console off || exit 1
e2e_expect "--console off: no console" "" "$E2E_CONSOLE_URL"
e2e_hub_stop

e2e_finish
