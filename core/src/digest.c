/* Canonical digest and counts of a store's replicated content, for
 * comparing replicas (tests, admins) and for status displays. */
#include <string.h>

#include "store_internal.h"

#define FNV_OFFSET UINT64_C(14695981039346656037)
#define FNV_PRIME UINT64_C(1099511628211)

static void fnv(uint64_t *h, const void *data, size_t n)
{
	const unsigned char *p = data;
	size_t i;

	for (i = 0; i < n; i++) {
		*h ^= p[i];
		*h *= FNV_PRIME;
	}
}

/* Hash every column of every row; a 0x1f separator and a NULL marker keep
 * ("ab","c") and ("a","bc") apart. */
static int hash_query(fs_store *s, uint64_t *h, const char *sql, const char *param, fs_err *err)
{
	sqlite3_stmt *st = NULL;
	int rc, i, n;

	if (sqlite3_prepare_v2(s->db, sql, -1, &st, NULL) != SQLITE_OK)
		return fs_store_sqlite_err(s, err, "digest");
	if (param != NULL)
		sqlite3_bind_text(st, 1, param, -1, SQLITE_STATIC);
	n = sqlite3_column_count(st);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		for (i = 0; i < n; i++) {
			if (sqlite3_column_type(st, i) == SQLITE_NULL) {
				fnv(h, "\x1e", 1);
			} else {
				const unsigned char *t = sqlite3_column_text(st, i);

				fnv(h, t, (size_t)sqlite3_column_bytes(st, i));
			}
			fnv(h, "\x1f", 1);
		}
		fnv(h, "\n", 1);
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE)
		return fs_store_sqlite_err(s, err, "digest");
	return 0;
}

int fs_store_digest(fs_store *s, const fs_digest_scope *scope, uint64_t *out, fs_err *err)
{
	uint64_t h = FNV_OFFSET;
	int rc = fs_store_exec(s, "BEGIN", err);

	if (rc != 0)
		return rc;
	if (scope->include_questionnaires)
		rc = hash_query(s, &h,
				"SELECT 'q', id, version, doc, deleted, hlc, site FROM questionnaires "
				"ORDER BY id, version",
				NULL, err);
	if (rc == 0 && scope->include_responses)
		rc = hash_query(s, &h,
				"SELECT 'r', id, questionnaire_id, questionnaire_version, "
				"started_at, submitted_at, language, mode, worker, answers, deleted, "
				"hlc, site FROM responses WHERE ?1 IS NULL OR site = ?1 ORDER BY id",
				scope->responses_site, err);
	if (rc == 0 && scope->include_contacts)
		rc = hash_query(s, &h,
				"SELECT 'c', c.id, c.region, f.field, f.value, f.hlc, f.site, "
				"f.prev_hlc, f.prev_site FROM contacts c JOIN contact_fields f ON "
				"f.contact_id = c.id WHERE ?1 IS NULL OR c.region = ?1 "
				"ORDER BY c.id, f.field",
				scope->contacts_region, err);
	sqlite3_exec(s->db, "COMMIT", NULL, NULL, NULL);
	if (rc == 0)
		*out = h;
	return rc;
}

static int count_rows(fs_store *s, long *out, const char *sql, fs_err *err)
{
	sqlite3_stmt *st = NULL;
	int rc = 0;

	if (sqlite3_prepare_v2(s->db, sql, -1, &st, NULL) != SQLITE_OK)
		return fs_store_sqlite_err(s, err, "count");
	if (sqlite3_step(st) == SQLITE_ROW)
		*out = (long)sqlite3_column_int64(st, 0);
	else
		rc = fs_store_sqlite_err(s, err, "count");
	sqlite3_finalize(st);
	return rc;
}

int fs_store_count(fs_store *s, fs_store_counts *out, fs_err *err)
{
	int rc;

	memset(out, 0, sizeof(*out));
	rc = count_rows(s, &out->questionnaires,
			"SELECT count(*) FROM questionnaires WHERE deleted = 0", err);
	if (rc == 0)
		rc = count_rows(s, &out->responses,
				"SELECT count(*) FROM responses WHERE deleted = 0", err);
	if (rc == 0)
		rc = count_rows(s, &out->contacts, "SELECT count(*) FROM contacts", err);
	if (rc == 0)
		rc = count_rows(s, &out->conflicts, "SELECT count(*) FROM conflicts", err);
	if (rc == 0)
		rc = count_rows(s, &out->quarantined, "SELECT count(*) FROM quarantine", err);
	return rc;
}
