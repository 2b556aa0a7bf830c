#!/usr/bin/env bash
# hub_read_api: GET /v1/admin/responses on the console listener of a real
# hub on loopback (docs/console.md, "Read API"). Two kiosks (regions a and
# b) push responses; accounts made with `fieldsync-hub user add`, tokens
# with `user token`. An analyst of region a pages through exactly region
# a's responses (limit 2, by the next cursor, in id order, each with its
# region) and never b's, whether asked for region b or not (403 for b and
# for a region that does not exist, alike); an admin sees both; since and
# until filter submitted_at; no token 401, a viewer 403, bad arguments 400
# naming them; the token is refused on the cookie-only download route;
# downloads (GET /api/export) with a session: CSV with a BOM and XLSX,
# only region a, region b refused; every page and download is audited as
# an export with its filters and rows and no
# answer. SQLite, or PostgreSQL with FIELDSYNC_DB (hub_read_api_pg).
#
# usage: hub_read_api.sh FIELDSYNC_HUB
HUB=${1:?usage: hub_read_api.sh FIELDSYNC_HUB}
. "$(dirname "$0")/lib.sh"
command -v python3 >/dev/null || { echo "skip: no python3"; exit 77; }
unset FIELDSYNC_DATA
T=$E2E_TMP
DATA=$T/hub

cat >"$T/q.json" <<'EOF'
{"format": "fieldsync-questionnaire/1", "id": "api", "version": 1, "languages": ["en"],
 "title": {"en": "API test"},
 "questions": [{"id": "note", "type": "text", "label": {"en": "Note"}},
               {"id": "num", "type": "number", "label": {"en": "N"}}]}
EOF
"$HUB" publish --data "$DATA" "$T/q.json" >/dev/null || exit 1
for u in "ana analyst --region a" "root admin" "vera viewer"; do
  set -- $u
  name=$1 role=$2
  shift 2
  printf 'a long enough password\n' | "$HUB" user add "$name" --role "$role" "$@" --data "$DATA" \
    >/dev/null 2>"$T/err" || { cat "$T/err"; exit 1; }
done
ANA=$("$HUB" user token ana --data "$DATA" 2>/dev/null)
ROOT=$("$HUB" user token root --data "$DATA" 2>/dev/null)
VERA=$("$HUB" user token vera --data "$DATA" 2>/dev/null)
[[ $ANA == fsu_* && $ROOT == fsu_* && $VERA == fsu_* ]] || { echo "no tokens"; exit 1; }

e2e_hub_start "$HUB" "$DATA" --console 127.0.0.1:0 || exit 1
CPORT=
for _ in $(seq 100); do
  CPORT=$(sed -n 's/.*console on http:\/\/127\.0\.0\.1:\([0-9]*\).*/\1/p' "$E2E_HUB_LOG" | head -1)
  [ -n "$CPORT" ] && break
  sleep 0.05
done
[ -n "$CPORT" ] || { echo "no console port in the log"; cat "$E2E_HUB_LOG"; exit 1; }
API=http://127.0.0.1:$CPORT/v1/admin/responses
e2e_enroll "$HUB" "$DATA" a kiosk-a || exit 1
A=$E2E_SITE A_TOKEN=$E2E_TOKEN
e2e_enroll "$HUB" "$DATA" b kiosk-b || exit 1
B=$E2E_SITE B_TOKEN=$E2E_TOKEN

response() { # SITE ID SUBMITTED NOTE
  e2e_response_change "$1" "$2" "$(printf '{"questionnaire":"api","version":1,"language":"en","mode":"self","started_at":"%s","submitted_at":"%s","answers":{"note":"%s","num":1}}' "$3" "$3" "$4")"
}
AIDS=() changes=
for i in 1 2 3 4 5; do
  id=$(e2e_uuid) AIDS+=("$id")
  changes+=${changes:+,}$(response "$A" "$id" "2026-07-0${i}T12:00:00Z" "secret-answer-a$i")
done
e2e_changeset "$A" "$changes" 5 | gzip -c >"$T/a.gz"
e2e_expect "kiosk a pushes 5 responses" 200 "$(e2e_sync a "$A_TOKEN" "$T/a.gz")"
changes=
for i in 1 2 3; do
  changes+=${changes:+,}$(response "$B" "$(e2e_uuid)" "2026-07-0${i}T12:00:00Z" "secret-answer-b$i")
done
e2e_changeset "$B" "$changes" 3 | gzip -c >"$T/b.gz"
e2e_expect "kiosk b pushes 3 responses" 200 "$(e2e_sync b "$B_TOKEN" "$T/b.gz")"

get() { # NAME TOKEN QUERY: status; body in $T/NAME.body
  e2e_http "$1" -H "Authorization: Bearer $2" "$API?$3"
}
# pages TOKEN QUERY: every page by the next cursor; prints "ID REGION" lines
# and, last, "pages N".
pages() {
  local after= n=0 st
  while :; do
    st=$(get page "$1" "$2${after:+&after=$after}")
    [ "$st" = 200 ] || { echo "status $st $(cat "$T/page.body")"; return 1; }
    n=$((n + 1))
    python3 -c 'import json,sys; d=json.load(open(sys.argv[1]))
for r in d["responses"]: print(r["id"], r["region"], r["answers"]["note"])' "$T/page.body"
    after=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["next"] or "")' "$T/page.body")
    [ -n "$after" ] || break
    [ $n -lt 20 ] || { echo "too many pages"; return 1; }
  done
  echo "pages $n"
}

# ---- an analyst of region a ----
pages "$ANA" "questionnaire=api&limit=2" >"$T/ana.txt"
e2e_expect "analyst of a: 3 pages of at most 2" "pages 3" "$(tail -1 "$T/ana.txt")"
e2e_expect "... exactly region a's 5 responses, in id order" \
  "$(printf '%s\n' "${AIDS[@]}" | sort | tr '\n' ' ')" "$(grep -v '^pages' "$T/ana.txt" | cut -d' ' -f1 | tr '\n' ' ')"
e2e_expect "... each of region a, none of b" "5 0" \
  "$(grep -c ' a secret-answer-a' "$T/ana.txt") $(grep -c 'secret-answer-b' "$T/ana.txt")"
e2e_expect "analyst of a asking for region b: 403" 403 "$(get ab "$ANA" "region=b")"
e2e_contains "... no row" "$T/ab.body" '"error": *"forbidden"'
e2e_expect "... and a region that does not exist: the same 403" 403 "$(get az "$ANA" "region=zz")"
e2e_expect "... the same message shape" "$(sed 's/region b/region X/' "$T/ab.body")" "$(sed 's/region zz/region X/' "$T/az.body")"
e2e_expect "analyst of a, region a: 200" 200 "$(get aa "$ANA" "region=a&limit=1000")"
e2e_expect "... 5 responses, next null" "5 None" "$(python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); print(len(d["responses"]), d["next"])' "$T/aa.body")"

# ---- an admin ----
pages "$ROOT" "limit=3" >"$T/root.txt"
e2e_expect "admin: all 8 responses in 3 pages" "8 pages 3" "$(grep -vc '^pages' "$T/root.txt") $(tail -1 "$T/root.txt")"
e2e_expect "... sorted by id" "$(grep -v '^pages' "$T/root.txt" | cut -d' ' -f1 | sort | tr '\n' ' ')" \
  "$(grep -v '^pages' "$T/root.txt" | cut -d' ' -f1 | tr '\n' ' ')"
e2e_expect "admin, region b: 3" 200 "$(get rb "$ROOT" "region=b")"
e2e_expect "... 3 of b" 3 "$(grep -o '"region": *"b"' "$T/rb.body" | wc -l)"
e2e_expect "admin, since 2026-07-02 until 2026-07-04: 4 (a2 a3 b2 b3)" 200 \
  "$(get since "$ROOT" "since=2026-07-02&until=2026-07-04")"
e2e_expect "... 4" 4 "$(python3 -c 'import json,sys; print(len(json.load(open(sys.argv[1]))["responses"]))' "$T/since.body")"
e2e_expect "admin, since 2026-07-05T12:00:00Z: 1" 1 \
  "$(get s2 "$ROOT" "since=2026-07-05T12:00:00Z" >/dev/null; python3 -c 'import json,sys; print(len(json.load(open(sys.argv[1]))["responses"]))' "$T/s2.body")"
e2e_expect "another questionnaire: none" '[]' \
  "$(get other "$ROOT" "questionnaire=nope" >/dev/null; python3 -c 'import json,sys; print(json.dumps(json.load(open(sys.argv[1]))["responses"]))' "$T/other.body")"

# ---- refusals ----
e2e_expect "no token: 401" 401 "$(e2e_http none "$API")"
e2e_expect "a revoked or unknown token: 401" 401 "$(get bad fsu_notatoken "")"
e2e_expect "a viewer: 403" 403 "$(get vera "$VERA" "")"
for q in limit=0 limit=1001 limit=x after=nope since=yesterday until=2026-13-01 questionnaire=Bad region=Bad; do
  e2e_expect "$q: 400" 400 "$(get bad "$ROOT" "$q")"
done
e2e_contains "... naming the argument" "$T/bad.body" 'region must match'
e2e_expect "the token on the download route: refused" 1 \
  "$(st=$(e2e_http dl -H "Authorization: Bearer $ROOT" "http://127.0.0.1:$CPORT/api/export?kind=contacts"); case $st in 401|403) echo 1 ;; *) echo "$st" ;; esac)"

# ---- downloads with a session (GET /api/export) ----
CON=http://127.0.0.1:$CPORT
e2e_expect "ana logs in" 200 "$(e2e_http login -c "$T/jar" -H "Origin: $CON" -H 'Content-Type: application/json' \
  -d '{"name":"ana","password":"a long enough password"}' "$CON/api/login")"
dl() { e2e_http "$1" -b "$T/jar" "$CON/api/export?$2"; }
e2e_expect "ana downloads the responses as CSV" 200 "$(dl csv 'kind=responses&questionnaire=api&format=csv')"
e2e_expect "... with a BOM, region a's 5 rows, none of b" "efbbbf 5 0" \
  "$(head -c 3 "$T/csv.body" | od -An -tx1 | tr -d ' \n') $(grep -c secret-answer-a "$T/csv.body") $(grep -c secret-answer-b "$T/csv.body")"
e2e_contains "... as an attachment" "$T/csv.headers" '^Content-Disposition: attachment; filename="responses-api.csv"'
e2e_expect "ana downloads every questionnaire as XLSX" 200 "$(dl xlsx 'kind=responses&format=xlsx&tz=Europe/London')"
e2e_expect "... a zip holding none of b" "PK 0" "$(head -c 2 "$T/xlsx.body") $(unzip -p "$T/xlsx.body" 2>/dev/null | grep -c secret-answer-b)"
# Downloads at once, from the console's worker threads: each whole.
pids=()
for i in 1 2 3 4; do
  curl -s -m 60 -b "$T/jar" -o "$T/par$i.xlsx" "$CON/api/export?kind=responses&format=xlsx&tz=Europe/London" &
  pids+=($!)
  curl -s -m 60 -b "$T/jar" -o "$T/par$i.csv" "$CON/api/export?kind=responses&questionnaire=api&format=csv&tz=Europe/London" &
  pids+=($!)
done
wait "${pids[@]}" # not the hub's process
ok=0
for i in 1 2 3 4; do
  unzip -tq "$T/par$i.xlsx" >/dev/null 2>&1 && cmp -s "$T/par$i.csv" "$T/par1.csv" && ok=$((ok + 1))
done
e2e_expect "4 XLSX and 4 CSV downloads at once: each a whole file" 4 "$ok"
e2e_expect "... the CSV with London times" 5 "$(grep -c '"2026-07-0[1-5] 13:00:00"' "$T/par1.csv")"
e2e_expect "... of region b: 403" 403 "$(dl b 'kind=responses&questionnaire=api&format=csv&region=b')"
e2e_expect "... CSV of every questionnaire: 400" 400 "$(dl noq 'kind=responses&format=csv')"
e2e_expect "... an unknown time zone: 400" 400 "$(dl tz 'kind=contacts&tz=Mars/Base')"

# ---- the audit trail ----
"$HUB" audit --data "$DATA" --json >"$T/audit.jsonl"
e2e_expect "every page and download is an export entry of console:ana or console:root" 1 \
  "$(python3 - "$T/audit.jsonl" <<'EOF'
import json, sys
rows = [json.loads(l) for l in open(sys.argv[1])]
ex = [r for r in rows if r.get("action") == "export" and (r.get("detail") or {}).get("format") == "api"]
ana = [r for r in ex if r["actor"] == "console:ana" and r["detail"].get("questionnaire") == "api"]
ok = len(ana) >= 3 and sum(r["detail"]["rows"] for r in ana if r["detail"].get("limit") == 2) == 5
dl = [r for r in rows if r.get("action") == "export" and (r.get("detail") or {}).get("output") == "download"]
ok = ok and len(dl) == 10 and all(r["actor"] == "console:ana" for r in dl) and dl[0]["detail"]["rows"] == 5 and dl[0]["detail"]["bom"]
print(1 if ok else json.dumps(ex + dl)[:600])
EOF
)"
e2e_expect "... no answer in the audit trail" 0 "$(grep -c secret-answer "$T/audit.jsonl")"
e2e_hub_stop TERM
e2e_expect "the hub stops cleanly (no sanitizer report in its log)" 0 \
  "$(grep -c 'Sanitizer' "$E2E_HUB_LOG")"
e2e_finish
