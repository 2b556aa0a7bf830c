# tests/e2e/agent_lib.sh: helpers for the agent and system end-to-end tests,
# on top of lib.sh (bash, curl, gzip and coreutils only). Set AGENT (the
# fieldsync-agent binary) and, for tests with a hub, HUB (fieldsync-hub),
# then source this file.
#
#   check NAME CMD...          pass when CMD exits 0
#   expect_exit CODE NAME CMD...   pass when CMD exits CODE
#                              (both leave CMD's output in $E2E_OUT, $E2E_ERR)
#   hub_start                  start the hub on data $HUB_DIR: the first time
#                              on a free port, later on the same one (kiosks
#                              keep the URL); sets HUB_URL
#   hub_stop / hub_kill        SIGTERM / SIGKILL it
#   hub CMD ARGS...            an admin command on $HUB_DIR
#   kiosk_init NAME REGION     enroll a kiosk whose data is $E2E_TMP/NAME
#   ag NAME CMD ARGS...        run the agent on kiosk NAME
#   kiosk_site NAME            its site id
#   sync_until_clean NAME      sync, retrying while the hub restarts
#   contact_json FILE REF [NOTES] / answers_json FILE TEXT   input files
#   fake_start STATUS FILE gzip|plain   the fake hub (tests/e2e/fake_hub.c,
#                              binary $FAKE) on a free port; sets URL
#   fake_stop                  stop it
#   kiosk_run NAME             `agent run` of kiosk NAME with its UI on a free
#                              port (UI_PORT[NAME], AGENT_PID[NAME])
#   api NAME KIOSK METHOD PATH [BODY] [CURL_ARGS...]   a request to KIOSK's UI
#                              as its page makes it; prints the status
#   wait_for SECONDS CMD...    poll CMD until it succeeds
#   jx FILE PATH               a value from the JSON in FILE
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

E2E_OUT=$E2E_TMP/.out
E2E_ERR=$E2E_TMP/.err
HUB_DIR=$E2E_TMP/hub
HUB_URL=
HUB_LISTEN=
E2E_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
E2E_EXAMPLES=$E2E_ROOT/schema/examples

check() {
  local name=$1
  shift
  if "$@" >"$E2E_OUT" 2>"$E2E_ERR"; then
    e2e_pass "$name"
  else
    e2e_fail "$name" "$(head -c 400 "$E2E_ERR")"
  fi
}

expect_exit() {
  local want=$1 name=$2 got
  shift 2
  "$@" >"$E2E_OUT" 2>"$E2E_ERR"
  got=$?
  if [ "$got" = "$want" ]; then
    e2e_pass "$name"
  else
    e2e_fail "$name" "exit $got, wanted $want: $(head -c 400 "$E2E_ERR")"
  fi
}

hub_start() {
  local i
  if [ -z "$HUB_LISTEN" ]; then
    e2e_hub_start "$HUB" "$HUB_DIR" || return 1
    HUB_URL=$E2E_HUB_URL
    HUB_LISTEN=${HUB_URL#http://}
    return 0
  fi
  # The same port again; binding may fail for a moment after a SIGKILL.
  for i in 1 2 3 4 5 6 7 8 9 10; do
    e2e_hub_start "$HUB" "$HUB_DIR" --listen "$HUB_LISTEN" 2>/dev/null && return 0
    e2e_hub_stop KILL
    sleep 0.5
  done
  echo "hub_start: cannot restart the hub on $HUB_LISTEN" >&2
  return 1
}

hub_stop() { e2e_hub_stop TERM; }
hub_kill() {
  # Reaped inside the braces, so bash's "Killed" notice goes to /dev/null.
  [ -n "$E2E_HUB_PID" ] || return 0
  { kill -KILL "$E2E_HUB_PID" && wait "$E2E_HUB_PID"; } 2>/dev/null
  E2E_HUB_PID=
}
hub() { "$HUB" "$1" --data "$HUB_DIR" "${@:2}"; }

kiosk_init() {
  local code
  code=$(hub enroll --region "$2") || return 1
  "$AGENT" init --data "$E2E_TMP/$1" --hub "$HUB_URL" --code "$code" --name "$1" >/dev/null
}

ag() { "$AGENT" "$2" --data "$E2E_TMP/$1" "${@:3}"; }

kiosk_site() { sed -n 's/^ *"site": "\(.*\)",*$/\1/p' "$E2E_TMP/$1/agent.json"; }

sync_until_clean() {
  local i
  for i in $(seq 1 20); do
    ag "$1" sync >/dev/null 2>>"$E2E_TMP/sync.log" && return 0
    sleep 0.3
  done
  return 1
}

contact_json() {
  printf '{"person_ref": "%s", "contact_at": "2026-11-27T10:00:00Z", "channel": "phone", "worker": "w-test"%s}\n' \
    "$2" "${3:+, \"notes\": \"$3\"}" >"$1"
}

answers_json() {
  printf '{"overall": "good", "why": "%s"}\n' "$2" >"$1"
}

FAKE_PID=
fake_start() {
  local i
  rm -f "$E2E_TMP/port"
  e2e_spawn "$E2E_TMP/fake.log" "$FAKE" "$E2E_TMP/port" "$@"
  FAKE_PID=$E2E_PID
  for ((i = 0; i < 200; i++)); do
    [ -s "$E2E_TMP/port" ] && grep -q '^[0-9]*$' "$E2E_TMP/port" && break
    sleep 0.05
  done
  URL=http://127.0.0.1:$(cat "$E2E_TMP/port")
  e2e_wait_http "$URL/health" 10
}
fake_stop() { e2e_stop "$FAKE_PID"; }

# ---- the kiosk UI's API (system_ui.sh, system_workers.sh) ----

declare -A UI_PORT AGENT_PID

# jx FILE PATH: a value from the JSON in FILE (sqlite's JSON functions; a
# string comes out decoded, an object or array as compact JSON).
jx() { sqlite3 :memory: "SELECT json_extract(readfile('$1'), '$2');"; }
# kiosk_run NAME: start the daemon with its UI on a free port (another one
# if that port was taken in the meantime); waits until the UI answers.
# KIOSK_RUN_ARGS: more options for `run` (words).
kiosk_run() {
  local k=$1 port try i
  for try in 1 2 3 4 5; do
    port=$(e2e_free_port)
    # shellcheck disable=SC2086 # KIOSK_RUN_ARGS: more options, split
    e2e_spawn "$E2E_TMP/$k.log" "$AGENT" run --data "$E2E_TMP/$k" --sync-interval 1 \
      --max-backoff 2 --ui-listen "127.0.0.1:$port" ${KIOSK_RUN_ARGS-}
    AGENT_PID[$k]=$E2E_PID
    UI_PORT[$k]=$port
    for ((i = 0; i < 200; i++)); do
      kill -0 "${AGENT_PID[$k]}" 2>/dev/null || break
      [ "$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$port/api/kiosk")" = 200 ] &&
        return 0
      sleep 0.05
    done
    e2e_stop "${AGENT_PID[$k]}" KILL 5
  done
  return 1
}

# api NAME KIOSK METHOD PATH [BODY] [CURL_ARGS...]: a request to KIOSK's UI
# as its own page makes it (curl sends Host 127.0.0.1:PORT from the URL;
# Origin and Sec-Fetch-Site as a browser does; the kiosk's worker cookie).
# ORIGIN=... / FETCH_SITE=... in the environment replace those two headers
# (curl would send a header given twice twice, which no browser does).
# Body in $E2E_TMP/NAME.body; prints the status.
api() {
  local name=$1 k=$2 method=$3 path=$4 body=${5-}
  local base=http://127.0.0.1:${UI_PORT[$k]}
  shift 4
  [ $# -gt 0 ] && shift
  local args=(-X "$method" -H "Origin: ${ORIGIN-$base}"
    -H "Sec-Fetch-Site: ${FETCH_SITE-same-origin}" -b "$E2E_TMP/$k.jar" -c "$E2E_TMP/$k.jar")
  [ -n "$body" ] && args+=(-H 'Content-Type: application/json' --data-binary "$body")
  e2e_http "$name" "${args[@]}" "$@" "$base$path"
}

# wait_for SECONDS CMD...: poll CMD every 0.2 s until it succeeds.
wait_for() {
  local secs=$1 i
  shift
  for ((i = 0; i < secs * 5; i++)); do
    "$@" >/dev/null 2>&1 && return 0
    sleep 0.2
  done
  return 1
}
