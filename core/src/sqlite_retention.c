/* The SQLite backend's retention operations (backend.h "Retention",
 * retention.h): which rows are past retention and their deletion. The
 * rules (windows, periods, what counts as acknowledged) are the engine's
 * (retention.c); these statements only select and delete. Not cached: they
 * run once a sync or once an hour. */
#include <string.h>

#include "retention_backend.h"
#include "sqlite_backend.h"

/* A contact's closing field: "status" is "closed" or "deleted" is true
 * (values are canonical JSON text). */
#define CLOSED_FIELD                                                                        \
	"((f.field = 'status' AND f.value = '\"closed\"') OR "                              \
	"(f.field = 'deleted' AND f.value = 'true'))"
/* A request to be contacted that no worker took yet. */
#define REQUESTED_FIELD "(f.field = 'status' AND f.value = '\"requested\"')"
/* The contacts with a field matching FIELD before ?2, after ?1, none of
 * ?3's writes unacknowledged (seq > ?4), at most ?5. */
#define CONTACTS_PAST(FIELD)                                                                \
	"SELECT c.id FROM contacts c WHERE c.id > ?1 "                                      \
	"AND EXISTS (SELECT 1 FROM contact_fields f WHERE f.contact_id = c.id AND " FIELD   \
	" AND f.hlc < ?2) "                                                                 \
	"AND (?3 IS NULL OR (NOT EXISTS (SELECT 1 FROM contact_fields f "                   \
	"WHERE f.contact_id = c.id AND f.site = ?3 AND f.seq > ?4) "                        \
	"AND NOT EXISTS (SELECT 1 FROM conflicts k "                                        \
	"WHERE k.record_id = c.id AND k.site = ?3 AND k.seq > ?4))) "                       \
	"ORDER BY c.id LIMIT ?5"

static int prepare(fs_backend *b, const char *sql, sqlite3_stmt **st, const char *what,
                   fs_err *err)
{
	fs_sqlite_scratch_reset(b);
	if (sqlite3_prepare_v2(b->db, sql, -1, st, NULL) != SQLITE_OK)
		return fs_sqlite_err(b, err, what);
	return 0;
}

/* Run a bound DELETE to completion; *removed += rows deleted. */
static int delete_done(fs_backend *b, sqlite3_stmt *st, long *removed, const char *what,
                       fs_err *err)
{
	int rc = fs_sqlite_step_done(b, st, what, err);

	if (rc == 0 && removed != NULL)
		*removed += (long)sqlite3_changes(b->db);
	sqlite3_finalize(st);
	return rc;
}

int fs_sqlite_retention_own_responses(fs_backend *b, const char *site, int64_t upto,
                                      long *removed, long *live, fs_err *err)
{
	sqlite3_stmt *st = NULL;
	int rc;

	*removed = 0;
	*live = 0;
	rc = prepare(b,
	             "SELECT count(*) FROM responses WHERE site = ?1 AND seq <= ?2 AND deleted = 0",
	             &st, "count acknowledged responses", err);
	if (rc != 0)
		return rc;
	sqlite3_bind_text(st, 1, site, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, upto);
	if (sqlite3_step(st) == SQLITE_ROW)
		*live = (long)sqlite3_column_int64(st, 0);
	else
		rc = fs_sqlite_err(b, err, "count acknowledged responses");
	sqlite3_finalize(st);
	if (rc != 0)
		return rc;
	rc = prepare(b, "DELETE FROM responses WHERE site = ?1 AND seq <= ?2", &st,
	             "delete acknowledged responses", err);
	if (rc != 0)
		return rc;
	sqlite3_bind_text(st, 1, site, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, upto);
	return delete_done(b, st, removed, "delete acknowledged responses", err);
}

int fs_sqlite_retention_closed_contacts(fs_backend *b, int requested, fs_hlc before,
                                        const char *site, int64_t upto, const char *after,
                                        long limit, fs_retention_id_fn fn, void *ctx,
                                        fs_err *err)
{
	static const char closed[] = CONTACTS_PAST(CLOSED_FIELD);
	static const char req[] = CONTACTS_PAST(REQUESTED_FIELD);
	sqlite3_stmt *st = NULL;
	int rc = prepare(b, requested ? req : closed, &st, "find closed contacts", err), step;

	if (rc != 0)
		return rc;
	sqlite3_bind_text(st, 1, after, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, (sqlite3_int64)before);
	fs_sqlite_bind_text(st, 3, site);
	sqlite3_bind_int64(st, 4, upto);
	sqlite3_bind_int64(st, 5, limit);
	while ((step = sqlite3_step(st)) == SQLITE_ROW) {
		rc = fn(ctx, (const char *)sqlite3_column_text(st, 0));
		if (rc != 0)
			break;
	}
	if (rc == 0 && step != SQLITE_DONE)
		rc = fs_sqlite_err(b, err, "find closed contacts");
	sqlite3_finalize(st);
	return rc > 0 ? 0 : rc;
}

int fs_sqlite_retention_delete_before(fs_backend *b, const char *table, const char *before_text,
                                      fs_hlc before_hlc, long *removed, fs_err *err)
{
	sqlite3_stmt *st = NULL;
	int rc;

	*removed = 0;
	if (strcmp(table, "responses") == 0) {
		/* Claims first: they are found through the rows deleted next. */
		rc = prepare(b,
		             "DELETE FROM response_tombstone_claims WHERE id IN (SELECT id FROM "
		             "responses WHERE deleted = 0 AND submitted_at < ?1)",
		             &st, "delete expired responses", err);
		if (rc == 0) {
			sqlite3_bind_text(st, 1, before_text, -1, SQLITE_STATIC);
			rc = delete_done(b, st, NULL, "delete expired responses", err);
		}
		if (rc == 0)
			rc = prepare(b,
			             "DELETE FROM responses WHERE deleted = 0 AND submitted_at < ?1",
			             &st, "delete expired responses", err);
		if (rc == 0) {
			sqlite3_bind_text(st, 1, before_text, -1, SQLITE_STATIC);
			rc = delete_done(b, st, removed, "delete expired responses", err);
		}
		return rc;
	}
	if (strcmp(table, "conflicts") == 0) {
		/* Their resolutions first: they are found through the rows
		 * deleted next. */
		rc = prepare(b,
		             "DELETE FROM resolutions WHERE id IN (SELECT id FROM conflicts WHERE "
		             "hlc < ?1)",
		             &st, "delete expired conflicts", err);
		if (rc == 0) {
			sqlite3_bind_int64(st, 1, (sqlite3_int64)before_hlc);
			rc = delete_done(b, st, NULL, "delete expired conflicts", err);
		}
		if (rc == 0)
			rc = prepare(b, "DELETE FROM conflicts WHERE hlc < ?1", &st,
			             "delete expired conflicts", err);
	} else if (strcmp(table, "quarantine") == 0)
		rc = prepare(b, "DELETE FROM quarantine WHERE received_hlc < ?1", &st,
		             "delete expired quarantine", err);
	else
		return fs_err_set(err, FS_EINVAL, "store: retention: no table %s", table);
	if (rc != 0)
		return rc;
	sqlite3_bind_int64(st, 1, (sqlite3_int64)before_hlc);
	return delete_done(b, st, removed, "delete expired rows", err);
}
