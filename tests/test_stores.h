/* Helpers of the tests that run on either backend: a named store is the
 * SQLite file DIR/NAME.db, or, when the test was given a PostgreSQL server
 * (pg_base: its URI, tests/pg/pg_tmp.sh), the schema NAME in it, made on
 * first use, so each store of a test is separate on one server. */
#ifndef FS_TEST_STORES_H
#define FS_TEST_STORES_H

#include <sqlite3.h>

#include "testutil.h"

#ifdef FIELDSYNC_HAVE_POSTGRESQL
#include <libpq-fe.h>

#include "fieldsync/pg.h"

/* Run sql on the server at uri; exits 2 when it fails. */
static inline void test_pg_exec(const char *uri, const char *sql)
{
	PGconn *c = PQconnectdb(uri);
	PGresult *r = PQexec(c, sql);

	if (PQresultStatus(r) != PGRES_COMMAND_OK) {
		fprintf(stderr, "%s: %s", sql, PQerrorMessage(c));
		exit(2);
	}
	PQclear(r);
	PQfinish(c);
}
#endif

/* The location of store name: DIR/name.db, or pg_base with its search path
 * set to the schema name ('-' read as '_'), which is made if missing. */
static inline void test_location(char *out, size_t len, const char *pg_base, const char *dir,
				 const char *name)
{
	char schema[80], sql[160];
	size_t i;

	if (pg_base == NULL) {
		snprintf(out, len, "%s/%s.db", dir, name);
		return;
	}
#ifdef FIELDSYNC_HAVE_POSTGRESQL
	snprintf(schema, sizeof(schema), "%s", name);
	for (i = 0; schema[i] != '\0'; i++)
		if (schema[i] == '-')
			schema[i] = '_';
	snprintf(sql, sizeof(sql), "CREATE SCHEMA IF NOT EXISTS %s", schema);
	test_pg_exec(pg_base, sql);
	snprintf(out, len, "%s%soptions=-csearch_path%%3D%s", pg_base,
		 strchr(pg_base, '?') ? "&" : "?", schema);
#else
	(void)schema, (void)sql, (void)i;
	fprintf(stderr, "this build has no PostgreSQL backend\n");
	exit(2);
#endif
}

/* Open store name (test_location) as site in region; a store without a
 * region is a hub's, with the device registry. The identity is set when
 * the store has none yet (a store opened again keeps its own); clk may be
 * NULL. Exits 2 on failure. */
static inline fs_store *test_store_named(const char *pg_base, const char *dir, const char *name,
					 const char *site, const char *region, test_clock *clk)
{
	fs_store_options opts = {NULL, NULL, region == NULL, 0};
	char loc[1024];
	fs_store *s = NULL;
	fs_err e = {0, ""};

	test_location(loc, sizeof(loc), pg_base, dir, name);
#ifdef FIELDSYNC_HAVE_POSTGRESQL
	if (pg_base != NULL) {
		opts.backend = &fs_pg_backend;
		opts.registry = &fs_pg_registry;
	}
#endif
	if (fs_store_open_with(&s, loc, &opts, &e) != 0 ||
	    (fs_store_site(s)[0] == '\0' && fs_store_set_identity(s, site, region, &e) != 0)) {
		fprintf(stderr, "store %s: %s\n", name, e.msg);
		exit(2);
	}
	if (clk)
		fs_store_set_wallclock(s, test_clock_read, clk);
	return s;
}

/* Run sql on store name behind the engine's back (a tamperer, a test's
 * look at rows); exits 2 when it fails. */
static inline void test_store_sql(const char *pg_base, const char *dir, const char *name,
				  const char *sql)
{
	char loc[1024], *msg = NULL;
	sqlite3 *db = NULL;

	test_location(loc, sizeof(loc), pg_base, dir, name);
	if (pg_base != NULL) {
#ifdef FIELDSYNC_HAVE_POSTGRESQL
		test_pg_exec(loc, sql);
#endif
		return;
	}
	if (sqlite3_open(loc, &db) != SQLITE_OK || sqlite3_exec(db, sql, NULL, NULL, &msg) != 0) {
		fprintf(stderr, "%s: %s\n", sql, msg ? msg : sqlite3_errmsg(db));
		exit(2);
	}
	sqlite3_close(db);
}

/* A hub (on pg_base when given) with the test questionnaire published and
 * SQLite kiosks of regions north and south, synced once: the stores
 * PREFIXhubK, PREFIXknK and PREFIXksK. Exits 2 on failure. */
typedef struct test_region_net {
	test_clock clk;
	fs_store *hub, *n, *s; /* kiosks of north and south */
} test_region_net;

/* Sync both kiosks a second later; exits 2 on failure. */
static inline void test_region_net_sync(test_region_net *t)
{
	t->clk.ms += 1000;
	if (test_sync(t->n, t->hub, NULL) != 0 || test_sync(t->s, t->hub, NULL) != 0) {
		fprintf(stderr, "test_region_net_sync failed\n");
		exit(2);
	}
}

static inline void test_region_net_open(test_region_net *t, const char *pg_base, const char *dir,
					const char *prefix, int k)
{
	char name[48];

	t->clk.ms = 1795770000000ull;
	snprintf(name, sizeof(name), "%shub%d", prefix, k);
	t->hub = test_store_named(pg_base, dir, name, "hub", NULL, &t->clk);
	if (test_publish(t->hub, NULL) != 0)
		exit(2);
	snprintf(name, sizeof(name), "%skn%d", prefix, k);
	t->n = test_store(dir, name, "north", &t->clk);
	snprintf(name, sizeof(name), "%sks%d", prefix, k);
	t->s = test_store(dir, name, "south", &t->clk);
	t->clk.ms -= 1000;
	test_region_net_sync(t);
}

static inline void test_region_net_close(test_region_net *t)
{
	fs_store_close(t->hub);
	fs_store_close(t->n);
	fs_store_close(t->s);
}

#endif
