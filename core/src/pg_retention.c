/* The PostgreSQL backend's retention operations (backend.h "Retention",
 * retention.h): the same statements as sqlite_retention.c. Run unprepared
 * (once a sync or once an hour), always in the engine's write transaction,
 * which holds the store's write lock (pg_conn.c), so two hub processes
 * purging at once take turns and the second finds nothing left. */
#include <string.h>

#include "pg_internal.h"
#include "retention_backend.h"

#define CLOSED_FIELD                                                                        \
	"((f.field = 'status' AND f.value = '\"closed\"') OR "                              \
	"(f.field = 'deleted' AND f.value = 'true'))"
#define REQUESTED_FIELD "(f.field = 'status' AND f.value = '\"requested\"')"
/* As sqlite_retention.c's CONTACTS_PAST. */
#define CONTACTS_PAST(FIELD)                                                                \
	"SELECT c.id FROM contacts c WHERE c.id COLLATE \"C\" > $1 "                        \
	"AND EXISTS (SELECT 1 FROM contact_fields f WHERE f.contact_id = c.id AND " FIELD   \
	" AND f.hlc < $2) "                                                                 \
	"AND ($3::text IS NULL OR (NOT EXISTS (SELECT 1 FROM contact_fields f "             \
	"WHERE f.contact_id = c.id AND f.site = $3 AND f.seq > $4) "                        \
	"AND NOT EXISTS (SELECT 1 FROM conflicts k "                                        \
	"WHERE k.record_id = c.id AND k.site = $3 AND k.seq > $4))) "                       \
	"ORDER BY c.id COLLATE \"C\" LIMIT $5"

/* One statement with parameters; *out (may be NULL) gets the result. */
static int run(fs_backend *b, const char *sql, const pg_params *p, PGresult **out,
               const char *what, fs_err *err)
{
	PGresult *res = PQexecParams(b->conn, sql, p->n, NULL, p->value, p->length, p->format, 0);
	int rc;

	if (out != NULL)
		*out = NULL;
	if (PQresultStatus(res) != PGRES_COMMAND_OK && PQresultStatus(res) != PGRES_TUPLES_OK) {
		rc = pg_error(b, res, what, err);
		PQclear(res);
		return rc;
	}
	if (out != NULL)
		*out = res;
	else
		PQclear(res);
	return 0;
}

/* A DELETE; *removed += the rows it deleted (removed may be NULL). */
static int delete_rows(fs_backend *b, const char *sql, const pg_params *p, long *removed,
                       const char *what, fs_err *err)
{
	PGresult *res = NULL;
	int rc = run(b, sql, p, &res, what, err);

	if (rc == 0 && removed != NULL)
		*removed += pg_changed(res);
	PQclear(res);
	return rc;
}

int fs_pg_retention_own_responses(fs_backend *b, const char *site, int64_t upto, long *removed,
                                  long *live, fs_err *err)
{
	pg_params p = {0};
	PGresult *res = NULL;
	int rc;

	*removed = 0;
	*live = 0;
	pg_p_text(&p, site);
	pg_p_i64(&p, upto);
	rc = run(b, "SELECT count(*) FROM responses WHERE site = $1 AND seq <= $2 AND deleted = 0",
	         &p, &res, "count acknowledged responses", err);
	if (rc != 0)
		return rc;
	*live = (long)pg_i64(res, 0, 0);
	PQclear(res);
	return delete_rows(b, "DELETE FROM responses WHERE site = $1 AND seq <= $2", &p, removed,
	                   "delete acknowledged responses", err);
}

int fs_pg_retention_closed_contacts(fs_backend *b, int requested, fs_hlc before, const char *site,
                                    int64_t upto, const char *after, long limit,
                                    fs_retention_id_fn fn, void *ctx, fs_err *err)
{
	static const char closed[] = CONTACTS_PAST(CLOSED_FIELD);
	static const char req[] = CONTACTS_PAST(REQUESTED_FIELD);
	const char *sql = requested ? req : closed;
	pg_params p = {0};
	PGresult *res = NULL;
	int rc, r, n;

	pg_p_text(&p, after);
	pg_p_i64(&p, (int64_t)before);
	pg_p_text(&p, site);
	pg_p_i64(&p, upto);
	pg_p_i64(&p, limit);
	rc = run(b, sql, &p, &res, "find closed contacts", err);
	if (rc != 0)
		return rc;
	n = PQntuples(res);
	for (r = 0; r < n && rc == 0; r++)
		rc = fn(ctx, pg_text(res, r, 0));
	PQclear(res);
	return rc > 0 ? 0 : rc;
}

int fs_pg_retention_delete_before(fs_backend *b, const char *table, const char *before_text,
                                  fs_hlc before_hlc, long *removed, fs_err *err)
{
	pg_params p = {0};
	int rc;

	*removed = 0;
	if (strcmp(table, "responses") == 0) {
		pg_p_text(&p, before_text);
		rc = delete_rows(b,
		                 "DELETE FROM response_tombstone_claims WHERE id IN (SELECT id FROM "
		                 "responses WHERE deleted = 0 AND submitted_at COLLATE \"C\" < $1)",
		                 &p, NULL, "delete expired responses", err);
		if (rc == 0)
			rc = delete_rows(b,
			                 "DELETE FROM responses WHERE deleted = 0 AND submitted_at COLLATE \"C\" < $1",
			                 &p, removed, "delete expired responses", err);
		return rc;
	}
	pg_p_i64(&p, (int64_t)before_hlc);
	if (strcmp(table, "conflicts") == 0) {
		/* Their resolutions first: found through the rows deleted next. */
		rc = delete_rows(b,
		                 "DELETE FROM resolutions WHERE id IN (SELECT id FROM conflicts "
		                 "WHERE hlc < $1)",
		                 &p, NULL, "delete expired conflicts", err);
		if (rc == 0)
			rc = delete_rows(b, "DELETE FROM conflicts WHERE hlc < $1", &p, removed,
			                 "delete expired conflicts", err);
		return rc;
	}
	if (strcmp(table, "quarantine") == 0)
		return delete_rows(b, "DELETE FROM quarantine WHERE received_hlc < $1", &p, removed,
		                   "delete expired quarantine", err);
	return fs_err_set(err, FS_EINVAL, "store: retention: no table %s", table);
}
