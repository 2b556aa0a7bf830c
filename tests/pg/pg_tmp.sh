#!/usr/bin/env bash
# A throwaway PostgreSQL for tests: initdb in a temporary directory, the
# server on a random free loopback port (127.0.0.1 only) with its Unix
# socket in that directory, password authentication over TCP.
#   pg_tmp.sh run CMD [ARG...]   start, run CMD with FIELDSYNC_PG_URI set to
#                                the maintenance database's URI, stop; exits
#                                with CMD's status
#   pg_tmp.sh start [OWNER]      start; prints "DIR URI"; the server stops
#                                by itself when process OWNER ends (default:
#                                the parent; pass $$ from a script)
#   pg_tmp.sh stop DIR           stop and remove DIR
# Either way the server is stopped at the latest after FIELDSYNC_PG_TTL
# seconds (default 900), and within 2 s of its owner (run's shell, start's
# caller) ending however it ends, even by SIGKILL: a watchdog in a session of
# its own sees to it.
# Works as root (CI on a fresh machine): initdb refuses root, so the server
# runs as the postgres user of Debian's package (or nobody) in a directory it
# owns. Needs Debian's postgresql package (scripts/deps.sh, test). Exits 77
# (skip) when no PostgreSQL server is installed.
set -euo pipefail
SELF=$(readlink -f "$0")

die() { echo "pg_tmp: $*" >&2; exit 1; }

pg_bindir() {
	local d
	if command -v pg_config >/dev/null && d=$(pg_config --bindir 2>/dev/null) &&
		[ -x "$d/initdb" ]; then
		echo "$d"; return 0
	fi
	for d in $(printf '%s\n' /usr/lib/postgresql/*/bin | sort -V -r); do
		[ -x "$d/initdb" ] && { echo "$d"; return 0; }
	done
	return 1
}

# as_owner CMD...: run CMD as the server's user.
as_owner() {
	if [ "$(id -u)" -eq 0 ]; then
		setpriv --reuid="$PG_USER" --regid="$(id -g "$PG_USER")" --init-groups -- "$@"
	else
		"$@"
	fi
}

free_port() {
	local p
	for _ in $(seq 1 50); do
		p=$((20000 + RANDOM % 40000))
		# Nothing listening there on loopback (TCP).
		if ! (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null; then
			echo "$p"; return 0
		fi
	done
	return 1
}

pg_start() {
	local bin dir port pw
	bin=$(pg_bindir) || { echo "pg_tmp: no PostgreSQL server (initdb) installed" >&2; [ "${FIELDSYNC_REQUIRE_PG:-}" = 1 ] && exit 1; exit 77; }
	PG_USER=$(id -un)
	if [ "$(id -u)" -eq 0 ]; then
		PG_USER=postgres
		id postgres >/dev/null 2>&1 || PG_USER=nobody
	fi
	dir=$(mktemp -d "${TMPDIR:-/tmp}/fieldsync-pg.XXXXXX")
	chmod 700 "$dir"
	[ "$(id -u)" -eq 0 ] && chown "$PG_USER" "$dir"
	# A random password, so that tests can check it is never printed.
	pw=$(head -c 18 /dev/urandom | od -An -tx1 | tr -d ' \n')
	printf '%s\n' "$pw" >"$dir/pw"
	chmod 600 "$dir/pw"
	[ "$(id -u)" -eq 0 ] && chown "$PG_USER" "$dir/pw"
	as_owner timeout 120 "$bin/initdb" -D "$dir/data" -U fieldsync --pwfile="$dir/pw" -E UTF8 --locale=C \
		--auth-local=trust --auth-host=scram-sha-256 >"$dir/initdb.log" 2>&1 ||
		{ cat "$dir/initdb.log" >&2; rm -rf "$dir"; die "initdb failed"; }
	for _ in 1 2 3 4 5; do
		port=$(free_port) || { rm -rf "$dir"; die "no free port"; }
		if as_owner "$bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 30 \
			-o "-c listen_addresses=127.0.0.1 -p $port -k $dir -c max_connections=60 \
			    -c shared_buffers=16MB" start >/dev/null 2>&1; then
			echo "$port" >"$dir/port"
			echo "$dir postgresql://fieldsync:$pw@127.0.0.1:$port/postgres"
			return 0
		fi
	done
	cat "$dir/server.log" >&2 || true
	rm -rf "$dir"
	die "the server did not start"
}

# watchdog DIR OWNER TTL: stop the server of DIR once OWNER is gone or TTL
# seconds have passed; return at once when DIR is removed (stopped).
watchdog() {
	local dir=$1 owner=$2 ttl=$3 waited=0
	while [ "$waited" -lt "$ttl" ]; do
		[ -d "$dir/data" ] || return 0
		kill -0 "$owner" 2>/dev/null || break
		sleep 2
		waited=$((waited + 2))
	done
	pg_stop "$dir"
}

start_watchdog() {
	setsid -f bash "$SELF" watchdog "$1" "$2" "${FIELDSYNC_PG_TTL:-900}" >/dev/null 2>&1 </dev/null
}

pg_stop() {
	local dir=$1 bin
	[ -d "$dir/data" ] || return 0
	bin=$(pg_bindir) || return 0
	PG_USER=$(stat -c %U "$dir")
	as_owner "$bin/pg_ctl" -D "$dir/data" -m immediate -w -t 20 stop >/dev/null 2>&1 || true
	rm -rf "$dir"
}

case "${1:-}" in
run)
	shift
	[ $# -gt 0 ] || die "usage: pg_tmp.sh run CMD [ARG...]"
	out=$(pg_start) || exit $?
	PG_DIR=${out%% *}
	PG_URI=${out#* }
	start_watchdog "$PG_DIR" $$
	trap 'pg_stop "$PG_DIR"' EXIT
	trap 'exit 143' INT TERM
	set +e
	FIELDSYNC_PG_URI=$PG_URI "$@"
	rc=$?
	exit $rc
	;;
start)
	out=$(pg_start) || exit $?
	start_watchdog "${out%% *}" "${2:-$PPID}"
	echo "$out"
	;;
watchdog)
	watchdog "$2" "$3" "$4"
	;;
stop)
	[ -n "${2:-}" ] || die "usage: pg_tmp.sh stop DIR"
	case $2 in "${TMPDIR:-/tmp}"/fieldsync-pg.*) ;; *) die "not a pg_tmp directory: $2" ;; esac
	pg_stop "$2"
	;;
*)
	sed -n '2,20p' "$0" | sed 's/^# \{0,1\}//'
	exit 2
	;;
esac
