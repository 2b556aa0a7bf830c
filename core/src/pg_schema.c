/* Migrations of a PostgreSQL store: schema/pg/NNN_*.sql, embedded at build
 * time, applied in number order, each in one transaction together with its
 * row in fieldsync_schema (the versions applied). A file named NNN_hub*.sql
 * is the hub's (the device registry) and is applied only when a hub opens
 * the store, so a store opened otherwise carries no hub tables until then.
 *
 * Every step holds a transaction-level advisory lock, so processes
 * migrating the same database at once take turns: the second finds the
 * version the first committed and applies nothing twice. A database with
 * a higher version than this build knows is refused untouched (FS_EVERSION),
 * one with tables but without fieldsync_schema too (FS_EINVAL). Tables are
 * made in the session's current schema (the first of search_path). While
 * migrating, statements have no time limit and the lock is waited for up to
 * 10 minutes (then FS_EBUSY). */
#include <stdio.h>
#include <string.h>

#include "pg_internal.h"

/* pg_advisory_xact_lock key of migrations: "fieldsyn" in ASCII. */
#define MIGRATE_LOCK "6669656c6473796e"

static int is_hub_only(const char *name)
{
	return strncmp(name + 3, "_hub", 4) == 0;
}

/* The versions applied (applied[v] for 1 <= v <= count) and the highest,
 * in the caller's transaction. *has 0 when the database is empty. */
static int read_state(fs_backend *b, int create, unsigned char *applied, int *has, int *max,
		      fs_err *err)
{
	PGresult *res = PQexec(b->conn,
			       "SELECT current_schema(), "
			       "EXISTS (SELECT 1 FROM pg_catalog.pg_tables WHERE schemaname = "
			       "current_schema() AND tablename = 'fieldsync_schema'), "
			       "(SELECT count(*) FROM pg_catalog.pg_class c JOIN "
			       "pg_catalog.pg_namespace n ON n.oid = c.relnamespace WHERE "
			       "n.nspname = current_schema() AND c.relkind IN ('r','p','v','m','f'))");
	int rc = 0, r;

	*has = 0;
	*max = 0;
	if (PQresultStatus(res) != PGRES_TUPLES_OK || PQntuples(res) != 1) {
		rc = pg_error(b, res, "read schema version", err);
		goto cleanup;
	}
	if (PQgetisnull(res, 0, 0)) {
		rc = fs_err_set(err, FS_EINVAL,
				"store: PostgreSQL database %s: no schema of search_path exists to "
				"hold fieldsync's tables",
				b->where);
		goto cleanup;
	}
	if (strcmp(PQgetvalue(res, 0, 1), "t") != 0) {
		if (strcmp(PQgetvalue(res, 0, 2), "0") != 0)
			rc = fs_err_set(err, FS_EINVAL,
					"store: PostgreSQL database %s (schema %s) has tables but is "
					"not a fieldsync store; not touching it",
					b->where, PQgetvalue(res, 0, 0));
		else if (!create)
			rc = fs_err_set(err, FS_EINVAL,
					"store: PostgreSQL database %s (schema %s) holds no fieldsync "
					"store",
					b->where, PQgetvalue(res, 0, 0));
		goto cleanup;
	}
	*has = 1;
	PQclear(res);
	res = PQexec(b->conn, "SELECT version FROM fieldsync_schema ORDER BY version");
	if (PQresultStatus(res) != PGRES_TUPLES_OK) {
		rc = pg_error(b, res, "read schema version", err);
		goto cleanup;
	}
	for (r = 0; r < PQntuples(res); r++) {
		int v = (int)pg_i64(res, r, 0);

		if (v > *max)
			*max = v;
		if (v >= 1 && v <= fs_pg_schema_migration_count)
			applied[v] = 1;
	}
	if (*max > fs_pg_schema_migration_count)
		rc = fs_err_set(err, FS_EVERSION,
				"store: PostgreSQL database %s has schema version %d, written by a "
				"newer fieldsync (this one knows up to %d); not touching it",
				b->where, *max, fs_pg_schema_migration_count);
cleanup:
	PQclear(res);
	return rc;
}

int pg_schema_migrate(fs_backend *b, int create, int hub, fs_err *err)
{
	int step, rc = 0;

	/* One migration per round; one more round finds nothing to do. */
	for (step = 0; step <= fs_pg_schema_migration_count; step++) {
		unsigned char applied[64] = {0};
		char sql[96];
		int has, max, v, next = 0;

		if (fs_pg_schema_migration_count >= (int)sizeof(applied))
			return fs_err_set(err, FS_EGENERIC, "store: too many migrations");
		/* A migration of a large database may take long, and so may
		 * another process's that this one waits for: no statement limit,
		 * and up to 10 minutes for the lock. */
		rc = pg_exec(b,
			     "BEGIN ISOLATION LEVEL READ COMMITTED; SET LOCAL statement_timeout = 0; "
			     "SET LOCAL lock_timeout = '10min'",
			     "migrate", err);
		if (rc != 0) {
			PQclear(PQexec(b->conn, "ROLLBACK"));
			return rc;
		}
		rc = pg_exec(b, "SELECT pg_advisory_xact_lock(x'" MIGRATE_LOCK "'::bigint)",
			     "migrate", err);
		if (rc == 0)
			rc = read_state(b, create, applied, &has, &max, err);
		for (v = 1; rc == 0 && v <= fs_pg_schema_migration_count && next == 0; v++)
			if (!applied[v] && (hub || !is_hub_only(fs_pg_schema_migration_names[v - 1])))
				next = v;
		if (rc != 0 || next == 0) {
			PQclear(PQexec(b->conn, "ROLLBACK"));
			return rc;
		}
		rc = pg_exec(b, fs_pg_schema_migrations[next - 1], "migrate", err);
		snprintf(sql, sizeof(sql), "INSERT INTO fieldsync_schema (version) VALUES (%d)", next);
		if (rc == 0)
			rc = pg_exec(b, sql, "migrate", err);
		if (rc == 0)
			rc = pg_exec(b, "COMMIT", "migrate", err);
		if (rc != 0) {
			PQclear(PQexec(b->conn, "ROLLBACK"));
			if (err != NULL && strstr(err->msg, fs_pg_schema_migration_names[next - 1]) == NULL) {
				size_t used = strlen(err->msg);

				snprintf(err->msg + used, sizeof(err->msg) - used, " (schema/pg/%s)",
					 fs_pg_schema_migration_names[next - 1]);
			}
			return rc;
		}
	}
	return fs_err_set(err, FS_EGENERIC, "store: migrations did not finish");
}

int pg_schema_version(fs_backend *b, int *out, fs_err *err)
{
	PGresult *res = PQexec(b->conn, "SELECT coalesce(max(version), 0) FROM fieldsync_schema");
	int rc = 0;

	*out = 0;
	if (PQresultStatus(res) != PGRES_TUPLES_OK || PQntuples(res) != 1)
		rc = pg_error(b, res, "read schema version", err);
	else
		*out = (int)pg_i64(res, 0, 0);
	PQclear(res);
	return rc;
}
