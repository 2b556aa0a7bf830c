#!/usr/bin/env bash
# pg_hub.sh: fieldsync-hub on PostgreSQL for the end-to-end suites, written so
# that a suite that names a data directory per hub store runs unchanged.
# lib.sh points HUB here when FIELDSYNC_DB is set (E2E_PG_BASE: that URI):
#
#   pg_hub.sh REAL_HUB ARGS...
#
# runs REAL_HUB ARGS with FIELDSYNC_DB set to the same database with
# search_path set to a schema of its own for each data directory (--data DIR,
# --data=DIR or $FIELDSYNC_DATA), created on first use: a fresh directory is a
# fresh, empty store, and one directory is one store, as with SQLite. With no
# data directory, or with --db given, REAL_HUB runs as it is (without
# FIELDSYNC_DB: the SQLite behaviour of a command given no store).
#   pg_hub.sh --uri DIR     print the URI of DIR's schema (e2e_store_digest)
set -u

# The schema of data directory $1: a name from its absolute path.
pg_schema() {
  printf 'e2e_%s' "$(readlink -m "$1" | sha256sum | cut -c1-16)"
}

# The URI of data directory $1's schema, the schema created on first use
# (under a lock: hub commands of one suite may start together).
pg_uri() {
  local schema sep='?' state=${E2E_PG_STATE:?pg_hub: E2E_PG_STATE not set}
  schema=$(pg_schema "$1")
  case $E2E_PG_BASE in *\?*) sep='&' ;; esac
  if [ ! -e "$state/$schema" ]; then
    (
      flock 9
      if [ ! -e "$state/$schema" ]; then
        psql -qAtX -v ON_ERROR_STOP=1 "$E2E_PG_BASE" -c "CREATE SCHEMA IF NOT EXISTS $schema" \
          >/dev/null && : >"$state/$schema"
      fi
    ) 9>"$state/lock" || return 1
    [ -e "$state/$schema" ] || { echo "pg_hub: cannot create schema $schema" >&2; return 1; }
  fi
  printf '%s%soptions=-csearch_path%%3D%s' "$E2E_PG_BASE" "$sep" "$schema"
}

if [ "${1:-}" = --uri ]; then
  pg_uri "${2:?usage: pg_hub.sh --uri DIR}"
  exit
fi

real=${1:?usage: pg_hub.sh REAL_HUB ARGS...}
shift
data=${FIELDSYNC_DATA:-}
prev=
for a in "$@"; do
  case $prev in --data) data=$a ;; esac
  case $a in --data=*) data=${a#--data=} ;; --db | --db=*) exec env -u FIELDSYNC_DB "$real" "$@" ;; esac
  prev=$a
done
[ -n "$data" ] || exec env -u FIELDSYNC_DB "$real" "$@"
uri=$(pg_uri "$data") || exit 1
FIELDSYNC_DB=$uri exec "$real" "$@"
