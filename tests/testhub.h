/* A hub store for the engine tests that run against either backend
 * (erase_test, retention_test, resolve_test): SQLite in a directory, or a
 * schema of its own in a PostgreSQL database (tests/pg/pg_tmp.sh gives a
 * throwaway server). Needs libpq and fieldsync_pg; include it after
 * testutil.h (test_store, test_clock), which may be included only once. */
#ifndef FS_TESTHUB_H
#define FS_TESTHUB_H

#include <libpq-fe.h>

#include "fieldsync/pg.h"

/* Run one statement at the server of uri: 0, or -1 (said on stderr). */
static inline int test_pg_exec(const char *uri, const char *sql)
{
	PGconn *c = PQconnectdb(uri);
	PGresult *r = PQexec(c, sql);
	int ok = PQresultStatus(r) == PGRES_COMMAND_OK;

	if (!ok)
		fprintf(stderr, "%s: %s", sql, PQerrorMessage(c));
	PQclear(r);
	PQfinish(c);
	return ok ? 0 : -1;
}

/* A hub store named name (a [a-z0-9] word, unique in the run) with the
 * given clock: dir/name.db, site name, when pg_uri is NULL; else schema
 * name of pg_uri's database, site "hub". Exits 2 when it cannot. */
static inline fs_store *test_hub_store(const char *dir, const char *pg_uri, const char *name,
				       test_clock *clk)
{
	fs_store_options o = {NULL, NULL, 1, 0};
	char loc[1024], sql[96];
	fs_store *s = NULL;
	fs_err e = {0, ""};

	if (pg_uri == NULL)
		return test_store(dir, name, NULL, clk);
	snprintf(sql, sizeof(sql), "CREATE SCHEMA %s", name);
	if (test_pg_exec(pg_uri, sql) != 0)
		exit(2);
	snprintf(loc, sizeof(loc), "%s%soptions=-csearch_path%%3D%s", pg_uri,
		 strchr(pg_uri, '?') ? "&" : "?", name);
	o.backend = &fs_pg_backend;
	o.registry = &fs_pg_registry;
	if (fs_store_open_with(&s, loc, &o, &e) != 0 ||
	    fs_store_set_identity(s, "hub", NULL, &e) != 0) {
		fprintf(stderr, "hub on PostgreSQL: %s\n", e.msg);
		exit(2);
	}
	fs_store_set_wallclock(s, test_clock_read, clk);
	return s;
}

#endif
