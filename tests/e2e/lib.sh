# tests/e2e/lib.sh: shared helpers for the end-to-end tests (bash, coreutils,
# curl, gzip; sqlite3 for e2e_store_digest, psql on PostgreSQL). Every name
# starts with e2e_ so it can be sourced next to other helper files.
#
#   . "$(dirname "$0")/lib.sh"      creates $E2E_TMP; at exit every process
#                                   started with e2e_spawn is killed and
#                                   $E2E_TMP removed (E2E_KEEP=1 keeps it)
#
# Processes
#   e2e_spawn LOG CMD...            start CMD in the background, stdout and
#                                   stderr appended to LOG; its pid in E2E_PID
#   e2e_stop PID [SIGNAL] [SECONDS] send SIGNAL (default TERM), wait up to
#                                   SECONDS (default 30) then KILL; returns the
#                                   process's exit status
#   e2e_free_port                   print a TCP port free on 127.0.0.1 now
#                                   (racy; prefer port 0 where a program can
#                                   report the port it bound)
#   e2e_wait_http URL [SECONDS] [CURL_ARGS...]   wait until GET URL answers 200
#
# The hub
#   e2e_hub_start BIN DATA [SERVE_ARGS...]   run BIN serve --data DATA on
#                                   127.0.0.1:0 (unless --listen is given), the
#                                   console on 127.0.0.1:0 (unless --console),
#                                   read the bound port from its log, wait for
#                                   /health. Sets E2E_HUB_PID, E2E_HUB_URL,
#                                   E2E_CONSOLE_URL ("" with --console off),
#                                   E2E_HUB_LOG ($E2E_TMP/hub-N.log)
#   e2e_hub_stop [SIGNAL]           stop that hub; returns its exit status
#   e2e_enroll BIN DATA REGION [NAME]   make a code with BIN enroll and redeem
#                                   it at $E2E_HUB_URL/v1/enroll; sets
#                                   E2E_SITE, E2E_TOKEN
#   e2e_store_digest DB             sha256 of the replicated data and device
#                                   registry of a store, leaving out what
#                                   requests legitimately touch (devices'
#                                   last_sync_ms and last_error, the
#                                   enrollment failure log); DB is DIR/hub.db
#                                   (on PostgreSQL: DIR's schema, through psql)
#
# PostgreSQL: when FIELDSYNC_DB is set (a postgresql:// URI) as this file is
# sourced, the hub's store is in that database: HUB (set it before sourcing)
# is pointed at tests/e2e/pg_hub.sh, which gives every data directory a
# schema of its own (a fresh directory is a fresh store, as with SQLite) and
# runs the hub with FIELDSYNC_DB naming it. The suites run unchanged except
# for what is SQLite's own (the store's files), skipped with e2e_skip_pg.
#   e2e_pg                          true on PostgreSQL
#   e2e_skip_pg NAME REASON         on PostgreSQL: print "skip NAME (PostgreSQL:
#                                   REASON)" and return 0; else return 1, so
#                                   "e2e_skip_pg ... || { sqlite checks; }"
#   e2e_pg_uri DIR                  the URI of data directory DIR's store
#   e2e_store_dump DB               the store as SQL text (sqlite3 .dump; on
#                                   PostgreSQL pg_dump of the whole database)
#   e2e_store_query DB SQL          run SQL (read only) on store DB (DIR/hub.db)
#                                   with sqlite3 or psql: values of a row
#                                   joined by |, one row a line
#
# HTTP
#   e2e_http NAME CURL_ARGS...      run curl; body in $E2E_TMP/NAME.body,
#                                   headers in $E2E_TMP/NAME.headers; prints
#                                   the status code ("000" when no answer)
#   e2e_sync NAME TOKEN FILE [QUERY] [CURL_ARGS...]   POST FILE (a gzip change
#                                   set) to $E2E_HUB_URL/v1/sync?QUERY (default
#                                   cursor=0) with the protocol's headers; prints
#                                   the status. (To send other headers, call
#                                   e2e_http: curl sends a header given twice
#                                   twice.)
#   e2e_json_str FILE KEY           a string value from compact JSON in FILE
#
# Change sets (docs/changeset.md), printed as JSON text
#   e2e_now_ms                      wall clock in ms
#   e2e_hlc [MS]                    an hlc (16 hex digits) at MS (default now)
#   e2e_uuid                        a random lowercase UUID (version 4)
#   e2e_changeset SITE CHANGES [TO] a change set; CHANGES is the text inside
#                                   the "changes" array
#   e2e_contact_change SITE REGION ID FIELD VALUE_JSON [HLC]
#   e2e_response_change SITE ID BODY_JSON [HLC]
#
# Results
#   e2e_pass NAME / e2e_fail NAME [DETAIL]   count and print one result
#   e2e_expect NAME WANT GOT        pass when WANT = GOT
#   e2e_run NAME WANT_EXIT CMD...   run CMD, stdout in $E2E_TMP/out, stderr in
#                                   $E2E_TMP/err; pass when it exits WANT_EXIT
#   e2e_contains NAME FILE PATTERN  pass when FILE matches PATTERN (grep -E)
#   e2e_finish                      print "N passed, M failed"; status 0 when
#                                   nothing failed
set -u

E2E_TMP=$(mktemp -d "${TMPDIR:-/tmp}/fieldsync-e2e.XXXXXX")
E2E_PIDS=()
E2E_PASSED=0
E2E_FAILED=0
E2E_PID=
E2E_HUB_PID=
E2E_HUB_URL=
E2E_HUB_LOG=
E2E_HUB_COUNT=0
E2E_PG_BASE=
if [ -n "${FIELDSYNC_DB:-}" ]; then
  E2E_PG_BASE=$FIELDSYNC_DB
  E2E_PG_STATE=$E2E_TMP/pg
  mkdir -m 700 "$E2E_PG_STATE"
  export E2E_PG_BASE E2E_PG_STATE
  unset FIELDSYNC_DB # pg_hub.sh sets it per command, per data directory
  if [ -n "${HUB:-}" ]; then
    printf '#!/bin/sh\nexec bash %q %q "$@"\n' \
      "$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/pg_hub.sh" "$(readlink -f "$HUB")" \
      >"$E2E_PG_STATE/fieldsync-hub"
    chmod 700 "$E2E_PG_STATE/fieldsync-hub"
    HUB=$E2E_PG_STATE/fieldsync-hub
  fi
fi

e2e_cleanup() {
  local p
  for p in "${E2E_PIDS[@]}"; do
    if kill -0 "$p" 2>/dev/null; then
      kill -KILL "$p" 2>/dev/null
      wait "$p" 2>/dev/null
    fi
  done
  if [ "${E2E_KEEP:-0}" = 1 ]; then
    echo "kept $E2E_TMP"
  else
    rm -rf "$E2E_TMP"
  fi
}
trap e2e_cleanup EXIT

# ---- results ----

e2e_pass() {
  E2E_PASSED=$((E2E_PASSED + 1))
  echo "ok   $1"
}

e2e_fail() {
  E2E_FAILED=$((E2E_FAILED + 1))
  echo "FAIL $1${2:+: $2}"
}

e2e_expect() {
  if [ "$2" = "$3" ]; then
    e2e_pass "$1"
  else
    e2e_fail "$1" "wanted [$2], got [$3]"
  fi
}

e2e_run() {
  local name=$1 want=$2 got
  shift 2
  "$@" >"$E2E_TMP/out" 2>"$E2E_TMP/err"
  got=$?
  if [ "$got" = "$want" ]; then
    e2e_pass "$name"
  else
    e2e_fail "$name" "exit $got, wanted $want: $(head -c 300 "$E2E_TMP/err")"
  fi
}

e2e_contains() {
  if grep -Eq -- "$3" "$2"; then
    e2e_pass "$1"
  else
    e2e_fail "$1" "no /$3/ in: $(head -c 300 "$2")"
  fi
}

e2e_finish() {
  echo "$E2E_PASSED passed, $E2E_FAILED failed"
  [ "$E2E_FAILED" = 0 ]
}

# ---- processes ----

e2e_spawn() {
  local log=$1
  shift
  "$@" >>"$log" 2>&1 &
  E2E_PID=$!
  E2E_PIDS+=("$E2E_PID")
}

e2e_stop() {
  local pid=$1 sig=${2:-TERM} secs=${3:-30} i status
  kill -"$sig" "$pid" 2>/dev/null
  for ((i = 0; i < secs * 20; i++)); do
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.05
  done
  kill -0 "$pid" 2>/dev/null && kill -KILL "$pid" 2>/dev/null
  wait "$pid" 2>/dev/null
  status=$?
  return $status
}

e2e_free_port() {
  local p
  while :; do
    p=$((20000 + RANDOM % 40000))
    if ! (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null; then
      echo "$p"
      return 0
    fi
  done
}

e2e_wait_http() {
  local url=$1 secs=${2:-10} i
  shift 2 2>/dev/null || shift $#
  for ((i = 0; i < secs * 20; i++)); do
    [ "$(curl -s -o /dev/null -w '%{http_code}' "$@" "$url")" = 200 ] && return 0
    sleep 0.05
  done
  return 1
}

# ---- the hub ----

e2e_hub_start() {
  local bin=$1 data=$2 i port= scheme=http host=127.0.0.1 listen=(--listen 127.0.0.1:0)
  local console=(--console 127.0.0.1:0)
  shift 2
  case " $* " in *" --listen "*) listen=() ;; esac
  # The console on a free port too (its default, 8421, is one for all).
  case " $* " in *" --console "*) console=() ;; esac
  case " $* " in *" --tls-cert "*) scheme=https ;; esac
  E2E_HUB_COUNT=$((E2E_HUB_COUNT + 1))
  E2E_HUB_LOG=$E2E_TMP/hub-$E2E_HUB_COUNT.log
  : >"$E2E_HUB_LOG"
  e2e_spawn "$E2E_HUB_LOG" "$bin" serve --data "$data" "${listen[@]}" "${console[@]}" "$@"
  E2E_HUB_PID=$E2E_PID
  for ((i = 0; i < 400; i++)); do
    port=$(sed -n 's/.*listening on https\{0,1\}:\/\/.*:\([0-9]*\) (.*/\1/p' "$E2E_HUB_LOG")
    [ -n "$port" ] && break
    kill -0 "$E2E_HUB_PID" 2>/dev/null || break
    sleep 0.05
  done
  if [ -z "$port" ]; then
    echo "e2e_hub_start: the hub did not start; its log:" >&2
    cat "$E2E_HUB_LOG" >&2
    return 1
  fi
  host=$(sed -n 's/.*listening on https\{0,1\}:\/\/\(.*\):[0-9]* (.*/\1/p' "$E2E_HUB_LOG")
  E2E_HUB_URL=$scheme://$host:$port
  # "console on http://127.0.0.1:PORT/" (none with --console off)
  E2E_CONSOLE_URL=$(sed -n 's/.*console on \(https\{0,1\}:\/\/[^/]*\)\/$/\1/p' "$E2E_HUB_LOG")
  [ "$scheme" = https ] && return 0 # the caller knows which CA to trust
  e2e_wait_http "$E2E_HUB_URL/health" 20 -g
}

e2e_hub_stop() {
  local pid=$E2E_HUB_PID
  E2E_HUB_PID=
  [ -n "$pid" ] || return 0
  e2e_stop "$pid" "${1:-TERM}"
}

e2e_enroll() {
  local bin=$1 data=$2 region=$3 name=${4:-} code body status
  code=$("$bin" enroll --data "$data" --region "$region") || return 1
  if [ -n "$name" ]; then
    body=$(printf '{"code":"%s","name":"%s"}' "$code" "$name")
  else
    body=$(printf '{"code":"%s"}' "$code")
  fi
  status=$(e2e_http enroll -H 'Content-Type: application/json' -d "$body" "$E2E_HUB_URL/v1/enroll")
  [ "$status" = 200 ] || { echo "e2e_enroll: status $status" >&2; return 1; }
  E2E_SITE=$(e2e_json_str "$E2E_TMP/enroll.body" site)
  E2E_TOKEN=$(e2e_json_str "$E2E_TMP/enroll.body" token)
}

e2e_pg() { [ -n "$E2E_PG_BASE" ]; }

e2e_skip_pg() {
  e2e_pg || return 1
  echo "skip $1 (PostgreSQL: $2)"
}

e2e_pg_uri() {
  bash "$(dirname "${BASH_SOURCE[0]}")/pg_hub.sh" --uri "$1"
}

e2e_store_dump() {
  if e2e_pg; then
    pg_dump --no-owner "$E2E_PG_BASE"
  else
    sqlite3 -readonly "$1" .dump
  fi
}

e2e_store_query() {
  local uri
  if e2e_pg; then
    uri=$(e2e_pg_uri "$(dirname "$1")") || return 1
    psql -qAtX -v ON_ERROR_STOP=1 "$uri" -c "$2"
  else
    sqlite3 -readonly "$1" "$2"
  fi
}

# The tables e2e_store_digest reads, alike on both backends.
E2E_DIGEST_SQL="SELECT * FROM meta ORDER BY key;
SELECT * FROM questionnaires ORDER BY id, version;
SELECT * FROM responses ORDER BY id;
SELECT * FROM contacts ORDER BY id;
SELECT * FROM contact_fields ORDER BY contact_id, field;
SELECT * FROM conflicts ORDER BY id;
SELECT * FROM quarantine ORDER BY id;
SELECT * FROM peers ORDER BY site;
SELECT site, name, region, token_hash, enrolled_ms, revoked FROM devices ORDER BY site;
SELECT * FROM enroll_codes ORDER BY code_hash;"

e2e_store_digest() {
  local db=$1 uri text
  if e2e_pg; then
    uri=$(e2e_pg_uri "$(dirname "$db")") &&
      text=$(printf '%s\n' "$E2E_DIGEST_SQL" | psql -qAtX -v ON_ERROR_STOP=1 "$uri")
  else
    text=$(printf '%s\n' "$E2E_DIGEST_SQL" | sqlite3 -readonly -cmd '.mode quote' "$db")
  fi || {
    # Never a digest that could match another: the comparison fails.
    echo "e2e_store_digest: cannot read the store of $db" >&2
    echo "unreadable-$RANDOM$RANDOM"
    return 1
  }
  printf '%s\n' "$text" | sha256sum | cut -d' ' -f1
}

# ---- HTTP ----

e2e_http() {
  local name=$1
  shift
  curl -s -g -o "$E2E_TMP/$name.body" -D "$E2E_TMP/$name.headers" -w '%{http_code}' "$@"
}

e2e_sync() {
  local name=$1 token=$2 file=$3 query=${4-cursor=0}
  shift 3
  [ $# -gt 0 ] && shift
  e2e_http "$name" -H "Authorization: Bearer $token" \
    -H 'Content-Type: application/vnd.fieldsync.changeset+json' -H 'Content-Encoding: gzip' \
    --data-binary @"$file" "$@" "$E2E_HUB_URL/v1/sync${query:+?$query}"
}

e2e_json_str() {
  sed -n "s/.*\"$2\": *\"\\([^\"]*\\)\".*/\\1/p" "$1" | head -n 1
}

# ---- change sets ----

e2e_now_ms() { date +%s%3N; }

e2e_hlc() { printf '%016x' $(( ${1:-$(e2e_now_ms)} << 16 )); }

e2e_uuid() {
  local h
  h=$(od -An -N16 -tx1 /dev/urandom | tr -d ' \n')
  printf '%s-%s-4%s-8%s-%s\n' "${h:0:8}" "${h:8:4}" "${h:13:3}" "${h:17:3}" "${h:20:12}"
}

e2e_changeset() {
  printf '{"format":"fieldsync-changeset/1","site":"%s","from":0,"to":%s,"more":false,"time":%s,"changes":[%s]}' \
    "$1" "${3:-1}" "$(e2e_now_ms)" "$2"
}

e2e_contact_change() {
  printf '{"table":"contacts","id":"%s","hlc":"%s","site":"%s","region":"%s","field":"%s","value":%s}' \
    "$3" "${6:-$(e2e_hlc)}" "$1" "$2" "$4" "$5"
}

e2e_response_change() {
  printf '{"table":"responses","id":"%s","hlc":"%s","site":"%s","response":%s}' \
    "$2" "${4:-$(e2e_hlc)}" "$1" "$3"
}
