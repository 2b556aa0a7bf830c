/* fieldsync-hub: helpers shared by the subcommands: one-line errors, the
 * data directory and its store, durations, whole files. */
#ifndef HUB_CLI_H
#define HUB_CLI_H

#include <stddef.h>
#include <stdint.h>

#include "fieldsync/backend.h"
#include "fieldsync/buf.h"
#include "fieldsync/error.h"
#include "fieldsync/store.h"

#define HUB_PROG "fieldsync-hub"

/* Exit statuses of every subcommand. */
#define HUB_EXIT_OK    0
#define HUB_EXIT_FAIL  1 /* the command failed */
#define HUB_EXIT_USAGE 2 /* bad arguments */

/* The store file inside the data directory. */
#define HUB_STORE_FILE "hub.db"
/* The hub's site id. */
#define HUB_SITE "hub"

/* Print "fieldsync-hub: <message>" on one line to stderr; returns
 * HUB_EXIT_FAIL so commands can `return hub_fail(...)`. */
int hub_fail(const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 1, 2)))
#endif
    ;

/* The same for bad arguments: adds a hint to run CMD --help and returns
 * HUB_EXIT_USAGE. */
int hub_usage_fail(const char *cmd, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;

/* The end of a command that printed its result: HUB_EXIT_OK once stdout
 * is flushed without error, else hub_fail("cannot write the output"). */
int hub_finish_output(void);

/* Where a hub command's store is: a PostgreSQL database when db is set,
 * else the SQLite file HUB_STORE_FILE in the data directory. */
typedef struct hub_where {
	const char *db;   /* a postgresql:// or postgres:// URI, or NULL */
	const char *data; /* the data directory (SQLite); NULL with db */
} hub_where;

/* Resolve the --db and --data values of command cmd (either NULL when not
 * given): db is db_opt, else $FIELDSYNC_DB; with no db, data is data_opt,
 * else $FIELDSYNC_DATA ("" counts as unset). With a database, --data is
 * not used (the hub keeps nothing else in a data directory). 0, or an exit
 * status after a usage error: db not a PostgreSQL URI (its text is not
 * repeated: it may hold a password), or neither a database nor a data
 * directory. */
int hub_where_resolve(hub_where *w, const char *cmd, const char *data_opt, const char *db_opt);

/* The store's name for messages and logs: "database postgresql://USER@HOST:
 * PORT/DB" (never the password or other parameters) or "data DIR". */
void hub_where_describe(const hub_where *w, char *out, size_t len);

/* mkdir -p of a data directory, mode 0700 for every directory created. */
int hub_make_dirs(const char *dir, fs_err *err);

/* Open the hub store at w: PostgreSQL (fs_pg_backend with its registry) or
 * DIR/hub.db (the directory is created, mode 0700, with missing parents),
 * as a hub's (with the device registry), created with site id "hub" on
 * first use. FS_ECONFLICT when it is some other site's store. *out is
 * closed with fs_store_close. */
int hub_store_open(fs_store **out, const hub_where *w, fs_err *err);

/* Does location name a PostgreSQL database ("postgresql://…",
 * "postgres://…")? Also in builds without PostgreSQL. */
int hub_location_is_pg(const char *location);
/* The one choice of backend: PostgreSQL's (store and registry) in o for a
 * PostgreSQL location, SQLite's (o untouched) otherwise. FS_EINVAL when
 * this build was made without PostgreSQL. */
int hub_location_backend(fs_store_options *o, const char *location, fs_err *err);
/* The same with a page cache of cache_kib KiB for the handle (0: the
 * default; fs_store_options.cache_kib; PostgreSQL checks its range only). */
int hub_store_open_cached(fs_store **out, const hub_where *w, int64_t cache_kib, fs_err *err);

/* One option of a command, besides --data, --db and --help (hub_args_parse).
 * Exactly one of value, flag, each and number is set. */
typedef struct hub_opt {
	const char *name;   /* the long option without "--"; NULL ends a list */
	const char **value; /* takes a value: set to it (the last given wins) */
	int *flag;          /* takes none: set to 1 */
	/* takes a value, each one given passed in turn (a repeatable option);
	 * returns 0 or an exit status */
	int (*each)(void *ctx, const char *cmd, const char *value);
	void *ctx;
	/* takes a decimal number from min to max (hub_uint_parse), else the
	 * usage error "--NAME must be MIN to MAX[ unit]" */
	unsigned *number;
	unsigned min, max;
	const char *unit; /* e.g. "seconds"; may be NULL */
} hub_opt;

#define HUB_OPTS_MAX 24

/* The one option parser of the subcommands: argv (argv[0] the command) is
 * read against opts and --help (usage printed to stdout); with where, also
 * --data and --db, resolved by hub_where_resolve. Up to max_pos positional
 * arguments go to pos[] and their count to *npos (both may be NULL when
 * max_pos is 0); the command checks a missing one itself, so its message
 * can say what to give. 0, -1 after --help, or an exit status after a
 * usage error (an unknown option, one without its value, one argument too
 * many). */
int hub_args_parse(int argc, char **argv, const char *cmd, const char *usage,
		   const hub_opt *opts, hub_where *where, const char **pos, int max_pos,
		   int *npos);

/* The options of all[0..n-1] that names lists (their long names, separated
 * by spaces), into out, ended by {0}: for a file of commands that share one
 * set of option fields but each take only some. */
void hub_opts_pick(hub_opt out[HUB_OPTS_MAX + 1], const hub_opt *all, size_t n,
		   const char *names);

/* Parse a duration such as "90s", "15m", "24h", "7d" (a bare number is
 * seconds) into ms. 0 or -1 (malformed, zero, or over 10 years). */
int hub_duration_parse(uint64_t *out_ms, const char *text);

/* Parse a decimal integer from min to max; 0 or -1. */
int hub_uint_parse(unsigned *out, const char *text, unsigned min, unsigned max);

/* Read the whole file at path into out (initialised here with cap).
 * FS_ENOTFOUND, FS_ETOOBIG or FS_EGENERIC with a message naming path.
 * The caller frees out with fs_buf_free in every case. */
int hub_file_read(fs_buf *out, const char *path, size_t cap, fs_err *err);

#endif
