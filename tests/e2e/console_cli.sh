#!/usr/bin/env bash
# console_cli: `fieldsync-hub user` (docs/console.md, "Accounts and roles"):
# add, list, change, passwd, disable, enable, remove, token; bad names,
# roles, regions and passwords refused with nothing stored; the password
# read from stdin only and never stored in clear; the last enabled admin
# kept; every change audited.
#
# usage: console_cli.sh FIELDSYNC_HUB
HUB=${1:?usage: console_cli.sh FIELDSYNC_HUB}
. "$(dirname "$0")/lib.sh"

T=$E2E_TMP
DATA=$T/hub
u() { "$HUB" user "$@" --data "$DATA"; }
pw() { printf '%s\n' "$1"; }

e2e_run "no action: usage" 2 u
e2e_run "unknown action: usage" 2 u frobnicate x
e2e_run "add without --role: usage" 2 sh -c "printf 'p%.0s' \$(seq 12) | \"\$0\" user add ana --data \"\$1\"" "$HUB" "$DATA"
e2e_run "a bad role: usage" 2 u add ana --role root
e2e_run "no password option exists" 2 u add ana --role admin --password secret
e2e_run "list on an empty hub" 0 u list
e2e_contains "  ... says how to add the first admin" "$T/out" "user add NAME --role admin"

pw 'short' | u add ana --role admin >"$T/out" 2>"$T/err"
e2e_expect "a password under 12 bytes: refused" 1 $?
e2e_contains "  ... says why" "$T/err" "12 to 256 bytes"
pw "$(printf 'x%.0s' $(seq 257))" | u add ana --role admin >"$T/out" 2>"$T/err"
e2e_expect "a password over 256 bytes: refused" 1 $?
: | u add ana --role admin >"$T/out" 2>"$T/err"
e2e_expect "no password on stdin: refused" 1 $?
pw 'long enough pass' | u add 'Ana' --role admin >"$T/out" 2>"$T/err"
e2e_expect "an upper-case name: refused" 1 $?
pw 'long enough pass' | u add "$(printf 'a%.0s' $(seq 65))" --role admin >"$T/out" 2>"$T/err"
e2e_expect "a 65-character name: refused" 1 $?
pw 'long enough pass' | u add ana --role admin --region 'North!' >"$T/out" 2>"$T/err"
e2e_expect "a bad region: refused" 1 $?
pw 'long enough pass' | u add ana --role admin --region a --region a >"$T/out" 2>"$T/err"
e2e_expect "a region twice: refused" 1 $?
e2e_run "nothing stored by the refusals" 0 u list --json
e2e_expect "  ... an empty list" "[]" "$(tr -d ' \n' <"$T/out")"

pw 'the first admin pw' | u add ana --role admin >"$T/out" 2>"$T/err"
e2e_expect "add the first admin" 0 $?
pw 'an analyst password' | u add bob.k_1-x --role analyst --region north --region east >"$T/out" 2>"$T/err"
e2e_expect "add an analyst of two regions" 0 $?
pw 'another password' | u add ana --role viewer >"$T/out" 2>"$T/err"
e2e_expect "add an existing name: refused" 1 $?
e2e_contains "  ... says it exists" "$T/err" "exists"
e2e_run "list --json" 0 u list --json
python3 - "$T/out" <<'EOF' && e2e_pass "list --json: names, roles, regions, times" || e2e_fail "list --json: names, roles, regions, times"
import json, sys
users = {u["name"]: u for u in json.load(open(sys.argv[1]))}
assert set(users) == {"ana", "bob.k_1-x"}, users
assert users["ana"]["role"] == "admin" and users["ana"]["regions"] == []
b = users["bob.k_1-x"]
assert b["role"] == "analyst" and b["regions"] == ["north", "east"] and not b["disabled"]
assert b["created"].endswith("Z") and b["tokens"] == []
EOF
e2e_run "list as a table" 0 u list
e2e_contains "  ... shows the regions" "$T/out" "bob.k_1-x +analyst +enabled .* north,east"

# The password is stored as an Argon2id string, never in clear.
dump=$(e2e_store_dump "$DATA/hub.db")
case "$dump" in *"the first admin pw"*|*"an analyst password"*) e2e_fail "no password in clear in the store" ;;
  *) e2e_pass "no password in clear in the store" ;; esac
e2e_expect "stored as Argon2id" 1 "$(e2e_store_query "$DATA/hub.db" "SELECT count(*) FROM admin_users WHERE name = 'ana' AND hash LIKE '\$argon2id\$%'")"

# The last enabled admin.
e2e_run "remove the last admin: refused" 1 u remove ana
e2e_contains "  ... says why" "$T/err" "last enabled admin"
e2e_run "disable the last admin: refused" 1 u disable ana
e2e_run "demote the last admin: refused" 1 u change ana --role analyst
e2e_run "make bob an admin" 0 u change bob.k_1-x --role admin
e2e_run "  ... then ana may be demoted" 0 u change ana --role viewer --region south
e2e_run "  ... and bob (now the last) may not" 1 u change bob.k_1-x --role viewer
e2e_run "change --all-regions" 0 u change ana --role viewer --all-regions
u list --json | python3 -c 'import json,sys; u=[x for x in json.load(sys.stdin) if x["name"]=="ana"][0]; assert u["regions"]==[] and u["role"]=="viewer"' &&
  e2e_pass "  ... every region again" || e2e_fail "  ... every region again"
e2e_run "disable ana" 0 u disable ana
e2e_run "enable ana" 0 u enable ana
e2e_run "passwd of nobody: refused" 1 sh -c "printf 'a long password\n' | \"\$0\" user passwd nobody --data \"\$1\"" "$HUB" "$DATA"
pw 'a changed password' | u passwd ana >"$T/out" 2>"$T/err"
e2e_expect "passwd" 0 $?

# Tokens.
e2e_run "token" 0 u token ana
TOKEN=$(cat "$T/out")
case "$TOKEN" in fsu_???????????????????????????????????????????) e2e_pass "  ... fsu_ and 43 characters, alone on stdout" ;;
  *) e2e_fail "  ... fsu_ and 43 characters, alone on stdout" "$TOKEN" ;; esac
e2e_contains "  ... says how to send it" "$T/err" "Authorization: Bearer"
case "$(e2e_store_dump "$DATA/hub.db")" in *"${TOKEN#fsu_}"*) e2e_fail "  ... stored as a hash only" ;;
  *) e2e_pass "  ... stored as a hash only" ;; esac
e2e_expect "  ... one token row" 1 "$(e2e_store_query "$DATA/hub.db" "SELECT count(*) FROM admin_tokens")"
ID=$(u list --json | python3 -c 'import json,sys; print([x for x in json.load(sys.stdin) if x["name"]=="ana"][0]["tokens"][0]["id"])')
for i in 2 3 4 5 6 7 8 9 10; do u token ana >/dev/null 2>&1; done
e2e_run "an 11th token: refused" 1 u token ana
e2e_contains "  ... says revoke one" "$T/err" "revoke one first"
e2e_run "revoke a token" 0 u token ana --revoke "$ID"
e2e_run "revoke it again: not found" 1 u token ana --revoke "$ID"
e2e_run "remove ana" 0 u remove ana
e2e_run "remove ana again: not found" 1 u remove ana
e2e_expect "  ... her tokens went with her" 0 \
  "$(e2e_store_query "$DATA/hub.db" "SELECT count(*) FROM admin_tokens WHERE username = 'ana'")"

# The audit trail: every change, no password, no token.
"$HUB" audit --data "$DATA" >"$T/audit.txt"
for a in user_add user_change user_disable user_enable user_passwd token_create token_revoke user_remove; do
  grep -Eq "admin:[^ ]+ +$a " "$T/audit.txt" && e2e_pass "audited: $a" || e2e_fail "audited: $a"
done
grep -q "first admin pw\|changed password\|$TOKEN" "$T/audit.txt" && e2e_fail "no secret in the audit" ||
  e2e_pass "no secret in the audit"
e2e_run "the audit chain verifies" 0 "$HUB" audit --verify --data "$DATA"

e2e_finish
