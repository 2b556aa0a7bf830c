#!/usr/bin/env bash
# Worker PINs against guessing (issue 7, items 5 and 6): the lockout is per
# worker name and a right PIN of another worker does not clear it; a
# kiosk-wide throttle on failures that a right PIN does not reset and that
# ends by itself; an unknown name answers as slowly as a wrong PIN; logout
# needs the session; new PINs have 6 digits, older short ones still work
# with a warning and can be changed; the lockout runs on the monotonic clock
# (a wall clock a year off changes nothing) and a saved lockout, however
# absurd or old its format, is capped on load.
# Usage: tests/e2e/ui_pin.sh UI_HOST   (tests/ui/ui_host.c)
set -euo pipefail
host_bin=$(realpath "$1")
work=$(mktemp -d)
pids=()
cleanup() {
	for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
	wait 2>/dev/null || true
	rm -rf "$work"
}
trap cleanup EXIT
pass=0 fail=0
check() { # name expected actual
	if [ "$2" = "$3" ]; then pass=$((pass + 1)); else fail=$((fail + 1)); echo "FAIL $1: expected [$2] got [$3]"; fi
}
check_le() { # name max actual: 1 <= actual <= max
	if [[ "$3" =~ ^[0-9]+$ ]] && [ "$3" -ge 1 ] && [ "$3" -le "$2" ]; then pass=$((pass + 1))
	else fail=$((fail + 1)); echo "FAIL $1: expected 1..$2 got [$3]"; fi
}
YEAR_MS=31536000000

# serve DIR [VAR=VALUE...]: start ui_host on DIR; sets $base and $hpid.
serve() {
	local dir=$1; shift
	mkdir -p -m 700 "$dir"
	rm -f "$dir/out" # not the line of an earlier start
	env "$@" "$host_bin" serve --data "$dir" --listen 127.0.0.1:0 >"$dir/out" &
	hpid=$!
	pids+=("$hpid")
	for _ in $(seq 100); do grep -q listening "$dir/out" 2>/dev/null && break; sleep 0.05; done
	base="http://127.0.0.1:$(sed -n 's/.*listening on //p' "$dir/out")"
}
halt() { kill "$1"; wait "$1" 2>/dev/null || true; }
# post BASE PATH JSON [curl args]: prints the status; body in $work/body,
# headers in $work/headers.
post() {
	local b=$1 p=$2 d=$3; shift 3
	curl -s -o "$work/body" -D "$work/headers" -w '%{http_code}' -X POST \
		-H 'Content-Type: application/json' -H "Origin: $b" -d "$d" "$@" "$b$p"
}
login() { post "$1" /api/worker/login "{\"name\":\"$2\",\"pin\":\"$3\"}" "${@:4}"; }
retry_after() { tr -d '\r' <"$work/headers" | sed -n 's/^Retry-After: //Ip'; }
jget() {
	node -e 'let x = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8"));
		for (const k of process.argv[2].split(".")) x = x[k];
		console.log(typeof x === "object" ? JSON.stringify(x) : String(x));' "$1" "$2"
}
add() { echo "$3" | "$host_bin" worker add "$2" --data "$1"; }

# ---- 1. six digits for new PINs; older short PINs work, with a warning ----
d1=$work/k1
mkdir -p -m 700 "$d1"
check "5-digit PIN refused for a new worker" 1 "$(echo 12345 | "$host_bin" worker add bob --data "$d1" 2>"$work/err"; echo $?)"
check "the message says 6" 1 "$(grep -c '6 to 12 digits' "$work/err")"
add "$d1" sam 246813
add "$d1" ana 135790
echo 2468 | "$host_bin" legacy-worker old --data "$d1"
serve "$d1"
b1=$base
check "6-digit PIN: no warning" 200 "$(login "$b1" sam 246813)"
check "no warning for sam" false "$(jget "$work/body" pin_change_required)"
check "short PIN still logs in" 200 "$(login "$b1" old 2468 -c "$work/jar-old")"
check "told to change it" true "$(jget "$work/body" pin_change_required)"
check "me repeats the warning" true "$(curl -s -b "$work/jar-old" "$b1/api/worker/me" | node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>console.log(JSON.parse(s).pin_change_required))')"
check "change to a short PIN refused" 422 "$(post "$b1" /api/worker/pin '{"current":"2468","new":"1234"}' -b "$work/jar-old")"
check "change needs the current PIN" 403 "$(post "$b1" /api/worker/pin '{"current":"0000","new":"975310"}' -b "$work/jar-old")"
check "change without a session" 401 "$(post "$b1" /api/worker/pin '{"current":"2468","new":"975310"}')"
check "change" 200 "$(post "$b1" /api/worker/pin '{"current":"2468","new":"975310"}' -b "$work/jar-old")"
check "old PIN gone" 401 "$(login "$b1" old 2468)"
check "new PIN" 200 "$(login "$b1" old 975310 -c "$work/jar-old")"
check "warning gone" false "$(jget "$work/body" pin_change_required)"

# ---- 2. logout needs the session ----
check "logout without the cookie" 401 "$(post "$b1" /api/worker/logout '{}')"
check "logout with a wrong cookie" 401 "$(post "$b1" /api/worker/logout '{}' -b "fs_worker=$(printf '0%.0s' $(seq 64))")"
check "session still open" 200 "$(curl -s -o /dev/null -w '%{http_code}' -b "$work/jar-old" "$b1/api/worker/me")"
check "logout with the cookie" 200 "$(post "$b1" /api/worker/logout '{}' -b "$work/jar-old")"
check "session closed" 401 "$(curl -s -o /dev/null -w '%{http_code}' -b "$work/jar-old" "$b1/api/worker/me")"

# ---- 3. brute force with a right PIN of one's own in between ----
seq_sam="" seq_ana=""
for guess in 000001 000002 000003 000004 000005 000006; do
	seq_ana+="$(login "$b1" ana 135790) "
	seq_sam+="$(login "$b1" sam $guess) "
done
check "ana's right PINs still work" "200 200 200 200 200 200 " "$seq_ana"
check "sam locked after 3 wrong PINs" "401 401 429 429 429 429 " "$seq_sam"
check "sam's right PIN waits too" 429 "$(login "$b1" sam 246813)"
check_le "sam's lock is 30 s" 30 "$(retry_after)"
seq_nobody=""
for guess in 000001 000002 000003 000004; do seq_nobody+="$(login "$b1" nobody $guess) "; done
check "an unknown name locks the same way" "401 401 429 429 " "$seq_nobody"
check "no PIN or wall-clock deadline saved" 0 "$(grep -cE '246813|135790|locked_until' "$d1/pin-guard.json" || true)"

# ---- 4. unknown name vs wrong PIN: the same time ----
d2=$work/k2
mkdir -p -m 700 "$d2"
for i in 0 1 2 3 4; do add "$d2" "t$i" "24681$i"; done
serve "$d2"
b2=$base
login "$b2" t0 246810 >/dev/null # warm up (page cache, hash memory): a right PIN
t_unknown=() t_wrong=()
for r in 1 2; do
	for i in 0 1 2 3 4; do
		t_unknown+=("$(curl -s -o /dev/null -w '%{time_total}' -X POST -H 'Content-Type: application/json' \
			-H "Origin: $b2" -d "{\"name\":\"u$i\",\"pin\":\"99999$r\"}" "$b2/api/worker/login")")
		t_wrong+=("$(curl -s -o /dev/null -w '%{time_total}' -X POST -H 'Content-Type: application/json' \
			-H "Origin: $b2" -d "{\"name\":\"t$i\",\"pin\":\"99999$r\"}" "$b2/api/worker/login")")
	done
done
timing=$(printf '%s\n' "${t_unknown[@]}" | awk '{s+=$1} END {printf "%.1f", 1000*s/NR}')
timing="$timing $(printf '%s\n' "${t_wrong[@]}" | awk '{s+=$1} END {printf "%.1f", 1000*s/NR}')"
echo "ui_pin: mean of ${#t_unknown[@]} tries each: unknown name ${timing% *} ms, wrong PIN ${timing#* } ms"
check "unknown name and wrong PIN within 25 %" yes "$(echo "$timing" | awk '{d=$1-$2; if (d<0) d=-d; m=($1>$2)?$1:$2; print (m>0 && d/m<0.25) ? "yes" : "no"}')"

# ---- 5. the kiosk-wide throttle: 20 failures, then one per 6 s ----
# The 20 failures above: the next attempt waits, even with a right PIN.
check "kiosk throttle" 429 "$(login "$b2" t0 246810)"
ra=$(retry_after)
check_le "throttle wait at most 6 s" 6 "$ra"
sleep "${ra:-0}"
check "right PIN after the wait" 200 "$(login "$b2" t0 246810)"
check "one failure allowed" 401 "$(login "$b2" z1 000000)"
check "a right PIN did not reset the throttle" 429 "$(login "$b2" z2 000000)"
halt "$hpid"

# ---- 6. the wall clock does not drive the lockout ----
d3=$work/k3
mkdir -p -m 700 "$d3"
add "$d3" sam 246813
add "$d3" ana 135790
serve "$d3" FIELDSYNC_TEST_CLOCK_SKEW_MS=$YEAR_MS # the clock a year ahead
for guess in 000001 000002 000003; do login "$base" sam $guess >/dev/null; done
check "locked with the clock a year ahead" 429 "$(login "$base" sam 246813)"
kill -USR1 "$hpid" # the clock is put right
sleep 0.2
check "still locked after the clock is fixed" 429 "$(login "$base" sam 246813)"
check_le "for the lock's own 30 s, not a year" 30 "$(retry_after)"
halt "$hpid"
serve "$d3" # restarted with the right clock
b3=$base h3=$hpid
check "a restart keeps the lock" 429 "$(login "$b3" sam 246813)"
check_le "for at most 30 s" 30 "$(retry_after)"
t_sam=$(date +%s)
d3b=$work/k3b
mkdir -p -m 700 "$d3b"
add "$d3b" ana 135790
serve "$d3b"
for guess in 000001 000002 000003; do login "$base" ana $guess >/dev/null; done
kill -USR2 "$hpid" # now the clock jumps a year ahead
sleep 0.2
check "a clock jumping ahead does not end a lock" 429 "$(login "$base" ana 135790)"
check_le "ana's lock is 30 s" 30 "$(retry_after)"
halt "$hpid"

# ---- 7. a saved lockout is capped on load ----
d4=$work/k4
mkdir -p -m 700 "$d4"
add "$d4" sam 246813
add "$d4" ana 135790
cat >"$d4/pin-guard.json" <<EOF
{"version": 2, "kiosk_backlog_ms": -5,
 "names": [{"name": "sam", "known": true, "failures": 4000000000, "lock_ms": 9000000000000000000},
           {"name": "../x", "failures": 9, "lock_ms": 1000}, {"name": "ana", "failures": "x", "lock_ms": -1}]}
EOF
serve "$d4"
check "absurd saved lock" 429 "$(login "$base" sam 246813)"
check_le "capped at 600 s" 600 "$(retry_after)"
check "other names unaffected" 200 "$(login "$base" ana 135790)"
halt "$hpid"
d5=$work/k5
mkdir -p -m 700 "$d5"
add "$d5" sam 246813
echo "{\"failures\": 7, \"locked_until_ms\": $(( $(date +%s%3N) + YEAR_MS ))}" >"$d5/pin-guard.json"
serve "$d5"
check "old-format lock a year ahead" 429 "$(login "$base" sam 246813)"
check_le "capped at 600 s" 600 "$(retry_after)"
halt "$hpid"
d6=$work/k6
mkdir -p -m 700 "$d6"
add "$d6" sam 246813
echo "{\"failures\": 7, \"locked_until_ms\": $(( $(date +%s%3N) - 1000 ))}" >"$d6/pin-guard.json"
serve "$d6"
check "old-format lock that has ended" 200 "$(login "$base" sam 246813)"
halt "$hpid"
echo '{"names": "x", "kiosk_backlog_ms": "y", "version": 2}' >"$d6/pin-guard.json"
serve "$d6"
check "wrong types in the file" 200 "$(login "$base" sam 246813)"
halt "$hpid"

# ---- 6, end: the lock ends by the monotonic clock ----
left=$(( t_sam + 31 - $(date +%s) ))
[ "$left" -gt 0 ] && sleep "$left"
check "sam's lock ended after 30 s" 200 "$(login "$b3" sam 246813)"
halt "$h3"

echo "ui_pin: $pass passed, $fail failed"
[ "$fail" = 0 ]
