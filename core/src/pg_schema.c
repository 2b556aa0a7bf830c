/* Migrations of a PostgreSQL store: schema/pg/NNN_*.sql, numbered as
 * SQLite's schema/, embedded at build time, applied in number order, each in
 * one transaction together with its row in fieldsync_schema (the versions
 * applied). The hub's own schema (the device registry, schema/pg/hub/) is
 * applied only when a hub opens the store, its version in meta
 * "hub_schema" as on SQLite: a store opened otherwise carries no hub tables.
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
#include <stdlib.h>
#include <string.h>

#include "pg_internal.h"

/* pg_advisory_xact_lock key of migrations: "fieldsyn" in ASCII. */
#define MIGRATE_LOCK "6669656c6473796e"

/* The store's version (the highest in fieldsync_schema), in the caller's
 * transaction. *has 0 when the database is empty (and create allows it). */
static int read_version(fs_backend *b, int create, int *has, int *version, fs_err *err)
{
	PGresult *res =
	    PQexec(b->conn, "SELECT current_schema(), "
	                    "EXISTS (SELECT 1 FROM pg_catalog.pg_tables WHERE schemaname = "
	                    "current_schema() AND tablename = 'fieldsync_schema'), "
	                    "(SELECT count(*) FROM pg_catalog.pg_class c JOIN "
	                    "pg_catalog.pg_namespace n ON n.oid = c.relnamespace WHERE "
	                    "n.nspname = current_schema() AND c.relkind IN ('r','p','v','m','f'))");
	int rc = 0;

	*has = 0;
	*version = 0;
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
			rc = fs_err_set(
			    err, FS_EINVAL,
			    "store: PostgreSQL database %s (schema %s) has tables but is "
			    "not a fieldsync store; not touching it",
			    b->where, PQgetvalue(res, 0, 0));
		else if (!create)
			rc = fs_err_set(
			    err, FS_EINVAL,
			    "store: PostgreSQL database %s (schema %s) holds no fieldsync "
			    "store",
			    b->where, PQgetvalue(res, 0, 0));
		goto cleanup;
	}
	*has = 1;
	PQclear(res);
	res = PQexec(b->conn, "SELECT coalesce(max(version), 0) FROM fieldsync_schema");
	if (PQresultStatus(res) != PGRES_TUPLES_OK || PQntuples(res) != 1) {
		rc = pg_error(b, res, "read schema version", err);
		goto cleanup;
	}
	*version = (int)pg_i64(res, 0, 0);
	if (*version > fs_pg_schema_migration_count)
		rc = fs_err_set(err, FS_EVERSION,
		                "store: PostgreSQL database %s has schema version %d, written by a "
		                "newer fieldsync (this one knows up to %d); not touching it",
		                b->where, *version, fs_pg_schema_migration_count);
cleanup:
	PQclear(res);
	return rc;
}

/* The hub schema's version (meta "hub_schema", 0 when absent). */
static int read_hub_version(fs_backend *b, int *version, fs_err *err)
{
	PGresult *res = PQexec(b->conn, "SELECT value FROM meta WHERE key = 'hub_schema'");
	int rc = 0;

	*version = 0;
	if (PQresultStatus(res) != PGRES_TUPLES_OK)
		rc = pg_error(b, res, "read hub schema version", err);
	else if (PQntuples(res) == 1)
		*version = atoi(PQgetvalue(res, 0, 0));
	PQclear(res);
	if (rc == 0 && *version > fs_pg_schema_hub_migration_count)
		rc = fs_err_set(err, FS_EVERSION,
		                "store: PostgreSQL database %s has hub schema version %d, written "
		                "by a newer fieldsync (this one knows up to %d); not touching it",
		                b->where, *version, fs_pg_schema_hub_migration_count);
	return rc;
}

int pg_schema_migrate(fs_backend *b, int create, int hub, fs_err *err)
{
	int step, rc = 0;

	/* One migration per round; one more round finds nothing to do. */
	for (step = 0; step <= fs_pg_schema_migration_count + fs_pg_schema_hub_migration_count;
	     step++) {
		const char *sql = NULL, *file = NULL, *track = "";
		char note[128];
		int has, version = 0, hub_version = 0, number = 0;

		/* A migration of a large database may take long, and so may
		 * another process's that this one waits for: no statement limit,
		 * and up to 10 minutes for the lock. */
		rc = pg_exec(
		    b,
		    "BEGIN ISOLATION LEVEL READ COMMITTED; SET LOCAL statement_timeout = 0; "
		    "SET LOCAL lock_timeout = '10min'",
		    "migrate", err);
		if (rc == 0)
			rc = pg_exec(b, "SELECT pg_advisory_xact_lock(x'" MIGRATE_LOCK "'::bigint)",
			             "migrate", err);
		if (rc == 0)
			rc = read_version(b, create, &has, &version, err);
		/* The store's own migrations first, then (a hub) the hub's. */
		if (rc == 0 && version < fs_pg_schema_migration_count) {
			sql = fs_pg_schema_migrations[version];
			snprintf(note, sizeof(note),
			         "INSERT INTO fieldsync_schema (version) VALUES (%d)", version + 1);
			file = "schema/pg";
			number = version + 1;
		} else if (rc == 0 && hub) {
			rc = read_hub_version(b, &hub_version, err);
			if (rc == 0 && hub_version < fs_pg_schema_hub_migration_count) {
				sql = fs_pg_schema_hub_migrations[hub_version];
				snprintf(
				    note, sizeof(note),
				    "INSERT INTO meta (key, value) VALUES ('hub_schema', '%d') "
				    "ON CONFLICT (key) DO UPDATE SET value = excluded.value",
				    hub_version + 1);
				file = "schema/pg/hub";
				track = "hub ";
				number = hub_version + 1;
			}
		}
		if (rc != 0 || sql == NULL) {
			PQclear(PQexec(b->conn, "ROLLBACK"));
			return rc;
		}
		rc = pg_exec(b, sql, "migrate", err);
		if (rc == 0)
			rc = pg_exec(b, note, "migrate", err);
		if (rc == 0)
			rc = pg_exec(b, "COMMIT", "migrate", err);
		if (rc != 0) {
			PQclear(PQexec(b->conn, "ROLLBACK"));
			if (err != NULL) {
				size_t used = strlen(err->msg);

				snprintf(err->msg + used, sizeof(err->msg) - used,
				         " (%smigration %d of %s/)", track, number, file);
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
