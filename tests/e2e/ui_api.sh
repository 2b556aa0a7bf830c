#!/usr/bin/env bash
# The kiosk UI's local API without a browser: loopback/Host/Origin checks,
# JSON errors, no-store, a self response stored through core validation,
# worker PINs (add/list/remove, lockout) and worker-only paths.
# Usage: tests/e2e/ui_api.sh UI_HOST   (tests/ui/ui_host.c)
set -euo pipefail
host_bin=$(realpath "$1")
root=$(cd "$(dirname "$0")/../.." && pwd)
work=$(mktemp -d)
pid=""
cleanup() { [ -n "$pid" ] && kill "$pid" 2>/dev/null; wait 2>/dev/null; rm -rf "$work"; }
trap cleanup EXIT
pass=0 fail=0
check() { # name expected actual
	if [ "$2" = "$3" ]; then pass=$((pass + 1)); else fail=$((fail + 1)); echo "FAIL $1: expected [$2] got [$3]"; fi
}

echo 246813 | "$host_bin" worker add sam --data "$work"
echo 135790 | "$host_bin" worker add ana --data "$work"
"$host_bin" worker remove ana --data "$work"
check "worker list" "sam" "$("$host_bin" worker list --data "$work")"
check "no PIN in workers.json" "0" "$(grep -c 246813 "$work/workers.json" || true)"
check "workers.json mode" "600" "$(stat -c %a "$work/workers.json")"
check "bad PIN refused" "1" "$(echo 12 | "$host_bin" worker add bob --data "$work" 2>/dev/null; echo $?)"

cat >"$work/cr.json" <<'EOF'
{"format": "fieldsync-questionnaire/1", "id": "contact-test", "version": 1, "languages": ["en"],
 "title": {"en": "Your visit"}, "questions": [{"id": "c", "type": "text", "label": {"en": "Tell us"}}],
 "contact_request": {"topics": [{"value": "housing", "label": {"en": "Housing"}}]}}
EOF
"$host_bin" serve --data "$work" --listen 127.0.0.1:0 \
	--publish "$root/schema/examples/friends-and-family.json" --publish "$work/cr.json" >"$work/out" &
pid=$!
for _ in $(seq 50); do grep -q listening "$work/out" 2>/dev/null && break; sleep 0.1; done
port=$(sed -n 's/.*listening on //p' "$work/out")
base="http://127.0.0.1:$port"
json=(-H 'Content-Type: application/json' -H "Origin: $base")
code() { curl -s -o "$work/body" -w '%{http_code}' "$@"; }
# jget FILE a.b.0.c: a value from a JSON file (node is needed by the UI tests anyway)
jget() {
	node -e 'let x = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8"));
		for (const k of process.argv[2].split(".")) x = x[k];
		console.log(typeof x === "object" ? JSON.stringify(x) : String(x));' "$1" "$2"
}

check "page" 200 "$(code "$base/")"
check "no-store" "no-store" "$(curl -sI "$base/app.js" | tr -d '\r' | sed -n 's/^Cache-Control: //Ip')"
check "foreign Host" 403 "$(code -H 'Host: rebind.example' "$base/api/kiosk")"
check "JSON error" "forbidden" "$(jget "$work/body" error)"
check "foreign Origin" 403 "$(code -X POST -H 'Content-Type: application/json' -H 'Origin: http://evil.example' -d '{}' "$base/api/responses")"
check "write without Origin" 403 "$(code -X POST -H 'Content-Type: application/json' -d '{}' "$base/api/responses")"
check "unknown path" 404 "$(code "$base/api/nothing")"
# A message quoting bytes of the URL that are not UTF-8 is still a JSON
# error (once the connection was dropped unanswered).
check "id not UTF-8" 404 "$(code "$base/api/questionnaires/%FF%FEab")"
check "its message" "questionnaire ??ab is not published here" "$(jget "$work/body" message)"
check "media type exact" 415 "$(code -X POST -H 'Content-Type: application/jsonx' -H "Origin: $base" -d '{}' "$base/api/responses")"
check "bad JSON" 400 "$(code -X POST "${json[@]}" -d '{"a":' "$base/api/responses")"
check "invalid answers" 422 "$(code -X POST "${json[@]}" -d '{"questionnaire":"friends-and-family","version":1,"language":"en","elapsed_ms":1000,"answers":{"overall":"excellent"}}' "$base/api/responses")"
check "core message" 'question "overall": is not one of its options' "$(jget "$work/body" message)"
check "rule" "option" "$(jget "$work/body" rule)"
for lang in EN pl xx-1-2-3-4-5-6; do
  check "language $lang refused" 422 "$(code -X POST "${json[@]}" -d "{\"questionnaire\":\"friends-and-family\",\"version\":1,\"language\":\"$lang\",\"elapsed_ms\":1000,\"answers\":{\"overall\":\"good\"}}" "$base/api/responses")"
  check "language $lang rule" "$( [ "$lang" = pl ] && echo language || echo shape)" "$(jget "$work/body" rule)"
done
check "stored" 201 "$(code -X POST "${json[@]}" -d '{"questionnaire":"friends-and-family","version":1,"language":"cy","elapsed_ms":1000,"answers":{"overall":"good"}}' "$base/api/responses")"
# The reply's only content is the receipt code, shown once; the store
# holds its hash (docs/reciprocity.md "Your receipt"), never the code.
check "no echo" 'true' "$(jget "$work/body" stored)"
receipt=$(jget "$work/body" receipt)
check "receipt code" "yes" "$([[ $receipt =~ ^[0-9A-HJKMNP-TV-Z]{4}-[0-9A-HJKMNP-TV-Z]{4}-[0-9A-HJKMNP-TV-Z]{4}-[0-9A-Z*~$=]$ ]] && echo yes)"
check "only the receipt" 2 "$(node -e 'console.log(Object.keys(JSON.parse(process.argv[1])).length)' "$(cat "$work/body")")"
data=$(printf %s "$receipt" | tr -d - | cut -c1-12)
check "receipt hash stored" "$(printf 'fieldsync-receipt/1\0%s' "$data" | b2sum -l 256 | cut -d' ' -f1)" \
	"$(sqlite3 "file:$work/kiosk.db?mode=ro" "SELECT receipt FROM responses")"
check "no code in any file" 0 "$(grep -rlaF -e "$receipt" -e "$data" "$work" --exclude=body | wc -l)"
check "assisted needs worker" 401 "$(code -X POST "${json[@]}" -d '{"questionnaire":"friends-and-family","version":1,"language":"en","assisted":true,"answers":{"overall":"good"}}' "$base/api/responses")"
check "worker paths locked" 401 "$(code "$base/api/worker/contacts")"
check "wrong PIN" 401 "$(code -X POST "${json[@]}" -d '{"name":"sam","pin":"000000"}' "$base/api/worker/login")"
check "right PIN" 200 "$(code -c "$work/jar" -X POST "${json[@]}" -d '{"name":"sam","pin":"246813"}' "$base/api/worker/login")"
check "contact" 201 "$(code -b "$work/jar" -X POST "${json[@]}" -d '{"person_ref":"P9","contact_at":"2026-01-05T10:00:00Z","channel":"phone"}' "$base/api/worker/contacts")"
check "contact worker" "sam" "$(jget "$work/body" contact.worker)"
check "a worker cannot make a contact requested" 422 "$(code -b "$work/jar" -X POST "${json[@]}" -d '{"person_ref":"P8","contact_at":"2026-01-05T10:00:00Z","channel":"phone","status":"requested"}' "$base/api/worker/contacts")"
check "its message" 'status: "requested" is given only by the kiosk to a person'"'"'s request to be contacted' "$(jget "$work/body" message)"
check "bad contact" 422 "$(code -b "$work/jar" -X POST "${json[@]}" -d '{"person_ref":"P9","contact_at":"soon","channel":"phone"}' "$base/api/worker/contacts")"
check "status" 200 "$(code -b "$work/jar" "$base/api/worker/status")"
check "pending counted" "yes" "$( [ "$(jget "$work/body" pending)" -ge 2 ] && echo yes)"
check "sync now" 202 "$(code -b "$work/jar" -X POST "${json[@]}" -d '{}' "$base/api/worker/sync")"
check "logout" 200 "$(code -b "$work/jar" -X POST "${json[@]}" -d '{}' "$base/api/worker/logout")"
check "locked again" 401 "$(code -b "$work/jar" "$base/api/worker/status")"
for pin in 111111 222222; do code -X POST "${json[@]}" -d "{\"name\":\"sam\",\"pin\":\"$pin\"}" "$base/api/worker/login" >/dev/null; done
check "lockout" 429 "$(code -D "$work/headers" -X POST "${json[@]}" -d '{"name":"sam","pin":"333333"}' "$base/api/worker/login")"
check "Retry-After" "30" "$(tr -d '\r' <"$work/headers" | sed -n 's/^Retry-After: //Ip')"
check "locked even with the right PIN" 429 "$(code -X POST "${json[@]}" -d '{"name":"sam","pin":"246813"}' "$base/api/worker/login")"
# A request to be contacted (docs/reciprocity.md): refused without consent,
# with a topic the questionnaire does not offer, a bad way, no way to reach
# a person who is not coming back, a name of two lines or too long; taken
# durably (0600) with nothing of the questionnaire, and no echo.
cr() { code -X POST "${json[@]}" -d "$1" "$base/api/contact-requests"; }
good='"questionnaire":"contact-test","version":1,"name":"Zed","how":"07700 900123","by":"phone","topic":"housing"'
check "request: no consent" 422 "$(cr "{$good}")"
check "request: consent_required" consent_required "$(jget "$work/body" error)"
check "request: consent false" 422 "$(cr "{$good,\"consent\":false}")"
check "request: topic not offered" 422 "$(cr '{"questionnaire":"friends-and-family","version":1,"name":"Zed","how":"x","by":"phone","topic":"housing","consent":true}')"
check "request: unknown questionnaire" 404 "$(cr '{"questionnaire":"nope","version":1,"name":"Zed","how":"x","by":"phone","topic":"housing","consent":true}')"
check "request: bad way" 422 "$(cr '{"questionnaire":"contact-test","version":1,"name":"Zed","how":"x","by":"fax","topic":"housing","consent":true}')"
check "request: its message names the field, not the value" 'contact request: "by" must be one of phone, text, in_person' "$(jget "$work/body" message)"
check "request: no how for a phone call" 422 "$(cr '{"questionnaire":"contact-test","version":1,"name":"Zed","how":"","by":"phone","topic":"housing","consent":true}')"
check "request: a name of two lines" 422 "$(cr '{"questionnaire":"contact-test","version":1,"name":"Zed\nX","how":"x","by":"phone","topic":"housing","consent":true}')"
check "request: a name too long" 422 "$(cr "{\"questionnaire\":\"contact-test\",\"version\":1,\"name\":\"$(printf 'z%.0s' $(seq 301))\",\"how\":\"x\",\"by\":\"phone\",\"topic\":\"housing\",\"consent\":true}")"
check "request: no file before one is taken" 0 "$(ls "$work" | grep -c '^contact-requests.json$' || true)"
check "request: taken" 201 "$(cr "{$good,\"consent\":true}")"
check "request: no echo" '{"sent":true}' "$(tr -d ' \n' <"$work/body")"
check "request: in person needs no how" 201 "$(cr '{"questionnaire":"contact-test","version":1,"name":"Ann","how":"","by":"in_person","topic":"housing","consent":true}')"
check "request: queue mode" 600 "$(stat -c %a "$work/contact-requests.json")"
check "request: two waiting" 2 "$(jget "$work/contact-requests.json" requests.length)"
check "request: nothing of the questionnaire" 0 "$(grep -c 'contact-test' "$work/contact-requests.json" || true)"
"$host_bin" dump --data "$work" >"$work/dump"
check "one response" 1 "$(jget "$work/dump" responses.length)"
check "mode self" "self" "$(jget "$work/dump" responses.0.mode)"

echo "ui_api: $pass passed, $fail failed"
[ "$fail" = 0 ]
