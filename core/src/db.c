#include "db.h"

#include <sodium.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "fieldsync/changeset.h"
#include "fieldsync/records.h"

#define SITE_FILTER "(?2 IS NULL OR site = ?2) AND (?3 IS NULL OR site <> ?3)"

const char *const fs_db_sql[FS_STMT_COUNT] = {
	[FS_STMT_META_GET] = "SELECT value FROM meta WHERE key = ?1",
	[FS_STMT_META_PUT] = "INSERT INTO meta (key, value) VALUES (?1, ?2) "
			     "ON CONFLICT (key) DO UPDATE SET value = excluded.value",
	[FS_STMT_FIELD_GET] = "SELECT value, hlc, site, prev_hlc, prev_site FROM contact_fields "
			      "WHERE contact_id = ?1 AND field = ?2",
	[FS_STMT_FIELD_PUT] =
		"INSERT INTO contact_fields (contact_id, field, value, hlc, site, prev_hlc, "
		"prev_site, seq) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8) "
		"ON CONFLICT (contact_id, field) DO UPDATE SET value = excluded.value, "
		"hlc = excluded.hlc, site = excluded.site, prev_hlc = excluded.prev_hlc, "
		"prev_site = excluded.prev_site, seq = excluded.seq "
		"WHERE (excluded.hlc, excluded.site) > (contact_fields.hlc, contact_fields.site)",
	[FS_STMT_FIELD_UPDATE] =
		"UPDATE contact_fields SET value = ?3, hlc = ?4, site = ?5, prev_hlc = ?6, "
		"prev_site = ?7, seq = ?8 "
		"WHERE contact_id = ?1 AND field = ?2 AND (hlc, site) < (?4, ?5)",
	[FS_STMT_CONTACT_INSERT] = "INSERT INTO contacts (id, region) VALUES (?1, ?2) "
				   "ON CONFLICT (id) DO NOTHING",
	[FS_STMT_CONTACT_REGION] = "SELECT region FROM contacts WHERE id = ?1",
	[FS_STMT_RESPONSE_INSERT] =
		"INSERT INTO responses (id, questionnaire_id, questionnaire_version, started_at, "
		"submitted_at, language, mode, worker, answers, deleted, hlc, site, seq) "
		"VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13) "
		"ON CONFLICT (id) DO NOTHING",
	[FS_STMT_RESPONSE_GET] =
		"SELECT questionnaire_id, questionnaire_version, started_at, submitted_at, "
		"language, mode, worker, answers, deleted, hlc, site FROM responses WHERE id = ?1",
	[FS_STMT_RESPONSE_DELETE] =
		"UPDATE responses SET questionnaire_id = NULL, questionnaire_version = NULL, "
		"started_at = NULL, submitted_at = NULL, language = NULL, mode = NULL, "
		"worker = NULL, answers = NULL, deleted = 1, hlc = ?2, site = ?3, seq = ?4 "
		"WHERE id = ?1 AND (deleted = 0 OR (?2, ?3) > (hlc, site))",
	[FS_STMT_QUESTIONNAIRE_INSERT] =
		"INSERT INTO questionnaires (id, version, doc, deleted, hlc, site, seq) "
		"VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7) ON CONFLICT (id, version) DO NOTHING",
	[FS_STMT_QUESTIONNAIRE_GET] =
		"SELECT doc, deleted FROM questionnaires WHERE id = ?1 AND version = ?2",
	[FS_STMT_QUESTIONNAIRE_DELETE] =
		"UPDATE questionnaires SET doc = NULL, deleted = 1, hlc = ?3, site = ?4, seq = ?5 "
		"WHERE id = ?1 AND version = ?2 AND (deleted = 0 OR (?3, ?4) > (hlc, site))",
	[FS_STMT_CONFLICT_INSERT] =
		"INSERT INTO conflicts (id, record_table, record_id, region, field, winner_value, "
		"winner_hlc, winner_site, loser_value, loser_hlc, loser_site, hlc, site, seq) "
		"VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14) "
		"ON CONFLICT (id) DO NOTHING",
	/* A row this store detects, or one its trusted upstream sends, takes
	 * the place of a row of the same id detected elsewhere; a row detected
	 * by the same site is kept as it was. */
	[FS_STMT_CONFLICT_REPLACE] =
		"INSERT INTO conflicts (id, record_table, record_id, region, field, winner_value, "
		"winner_hlc, winner_site, loser_value, loser_hlc, loser_site, hlc, site, seq) "
		"VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14) "
		"ON CONFLICT (id) DO UPDATE SET record_table = excluded.record_table, "
		"record_id = excluded.record_id, region = excluded.region, field = excluded.field, "
		"winner_value = excluded.winner_value, winner_hlc = excluded.winner_hlc, "
		"winner_site = excluded.winner_site, loser_value = excluded.loser_value, "
		"loser_hlc = excluded.loser_hlc, loser_site = excluded.loser_site, "
		"hlc = excluded.hlc, site = excluded.site, seq = excluded.seq "
		"WHERE conflicts.site <> excluded.site",
	[FS_STMT_FIELD_VERSION_ADD] =
		"INSERT INTO contact_field_versions (version_key) VALUES (?1) "
		"ON CONFLICT (version_key) DO NOTHING",
	[FS_STMT_FIELD_VERSION_GET] =
		"SELECT 1 FROM contact_field_versions WHERE version_key = ?1",
	[FS_STMT_QUARANTINE_INSERT] =
		"INSERT INTO quarantine (received_hlc, from_site, record_table, record_id, reason, "
		"change) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
	/* changes.c: rows changed after a cursor, one table each, by seq. */
	[FS_STMT_SCAN_QUESTIONNAIRES] =
		"SELECT seq, id, version, doc, deleted, hlc, site FROM questionnaires "
		"WHERE seq > ?1 AND " SITE_FILTER " ORDER BY seq LIMIT ?4",
	[FS_STMT_SCAN_RESPONSES] =
		"SELECT seq, id, questionnaire_id, questionnaire_version, started_at, submitted_at, "
		"language, mode, worker, answers, deleted, hlc, site FROM responses "
		"WHERE seq > ?1 AND " SITE_FILTER " ORDER BY seq LIMIT ?4",
	[FS_STMT_SCAN_CONTACTS] =
		"SELECT f.seq, f.contact_id, c.region, f.field, f.value, f.hlc, f.site, f.prev_hlc, "
		"f.prev_site FROM contact_fields f JOIN contacts c ON c.id = f.contact_id "
		"WHERE f.seq > ?1 AND (?2 IS NULL OR f.site = ?2) AND (?3 IS NULL OR f.site <> ?3) "
		"AND (?5 IS NULL OR c.region = ?5) ORDER BY f.seq LIMIT ?4",
	[FS_STMT_SCAN_CONFLICTS] =
		"SELECT seq, id, region, record_table, record_id, field, winner_value, winner_hlc, "
		"winner_site, loser_value, loser_hlc, loser_site, hlc, site FROM conflicts "
		"WHERE seq > ?1 AND " SITE_FILTER " AND (?5 IS NULL OR region = ?5) "
		"ORDER BY seq LIMIT ?4",
};

/* Step a write statement to completion. */
static int step_done(fs_store *s, sqlite3_stmt *st, const char *what, fs_err *err)
{
	int rc = sqlite3_step(st);

	sqlite3_reset(st);
	if (rc != SQLITE_DONE)
		return fs_store_sqlite_err(s, err, what);
	return 0;
}

static void copy_text(char *out, size_t len, const unsigned char *text)
{
	if (text == NULL) {
		out[0] = '\0';
		return;
	}
	strncpy(out, (const char *)text, len - 1);
	out[len - 1] = '\0';
}

static char *dup_text(const unsigned char *text)
{
	return text ? strdup((const char *)text) : NULL;
}

void fs_db_field_clear(fs_db_field *f)
{
	free(f->value);
	memset(f, 0, sizeof(*f));
}

int fs_db_field_get(fs_store *s, fs_db_field *out, const char *contact_id, const char *field,
		    fs_err *err)
{
	sqlite3_stmt *st = fs_store_stmt(s, FS_STMT_FIELD_GET, err);
	int rc;

	memset(out, 0, sizeof(*out));
	if (st == NULL)
		return FS_EGENERIC;
	sqlite3_bind_text(st, 1, contact_id, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, field, -1, SQLITE_STATIC);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		out->found = 1;
		out->value = dup_text(sqlite3_column_text(st, 0));
		out->hlc = (fs_hlc)sqlite3_column_int64(st, 1);
		copy_text(out->site, sizeof(out->site), sqlite3_column_text(st, 2));
		out->prev_hlc = (fs_hlc)sqlite3_column_int64(st, 3);
		copy_text(out->prev_site, sizeof(out->prev_site), sqlite3_column_text(st, 4));
		sqlite3_reset(st);
		if (out->value == NULL)
			return fs_err_set(err, FS_ENOMEM, "store: out of memory");
		return 0;
	}
	sqlite3_reset(st);
	if (rc != SQLITE_DONE)
		return fs_store_sqlite_err(s, err, "read contact field");
	return 0;
}

static int field_write(fs_store *s, enum fs_stmt_id id, const char *contact_id,
		       const char *field, const char *value, fs_hlc hlc, const char *site,
		       fs_hlc prev_hlc, const char *prev_site, int64_t seq, fs_err *err)
{
	sqlite3_stmt *st = fs_store_stmt(s, id, err);

	if (st == NULL)
		return FS_EGENERIC;
	sqlite3_bind_text(st, 1, contact_id, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, field, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, value, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 4, (sqlite3_int64)hlc);
	sqlite3_bind_text(st, 5, site, -1, SQLITE_STATIC);
	if (prev_site != NULL && prev_site[0] != '\0') {
		sqlite3_bind_int64(st, 6, (sqlite3_int64)prev_hlc);
		sqlite3_bind_text(st, 7, prev_site, -1, SQLITE_STATIC);
	}
	sqlite3_bind_int64(st, 8, seq);
	return step_done(s, st, "write contact field", err);
}

int fs_db_field_put(fs_store *s, const char *contact_id, const char *field, const char *value,
		    fs_hlc hlc, const char *site, fs_hlc prev_hlc, const char *prev_site, int64_t seq,
		    fs_err *err)
{
	return field_write(s, FS_STMT_FIELD_PUT, contact_id, field, value, hlc, site, prev_hlc,
			   prev_site, seq, err);
}

int fs_db_field_update(fs_store *s, const char *contact_id, const char *field, const char *value,
		       fs_hlc hlc, const char *site, fs_hlc prev_hlc, const char *prev_site,
		       int64_t seq, fs_err *err)
{
	return field_write(s, FS_STMT_FIELD_UPDATE, contact_id, field, value, hlc, site, prev_hlc,
			   prev_site, seq, err);
}

int fs_db_contact_region(fs_store *s, char out[FS_NAME_MAX + 1], const char *id, fs_err *err)
{
	sqlite3_stmt *st = fs_store_stmt(s, FS_STMT_CONTACT_REGION, err);
	int rc;

	if (st == NULL)
		return FS_EGENERIC;
	sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		copy_text(out, FS_NAME_MAX + 1, sqlite3_column_text(st, 0));
		sqlite3_reset(st);
		return 0;
	}
	sqlite3_reset(st);
	if (rc != SQLITE_DONE)
		return fs_store_sqlite_err(s, err, "read contact");
	return FS_ENOTFOUND;
}

int fs_db_contact_ensure(fs_store *s, const char *id, const char *region, fs_err *err)
{
	sqlite3_stmt *st;
	char have[FS_NAME_MAX + 1];
	int rc;

	/* Usually the contact exists: one read. Insert only when absent (the
	 * insert still tolerates a row that appeared meanwhile). */
	rc = fs_db_contact_region(s, have, id, err);
	if (rc == FS_ENOTFOUND) {
		st = fs_store_stmt(s, FS_STMT_CONTACT_INSERT, err);
		if (st == NULL)
			return FS_EGENERIC;
		sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 2, region, -1, SQLITE_STATIC);
		rc = step_done(s, st, "write contact", err);
		if (rc != 0 || sqlite3_changes(s->db) == 1)
			return rc;
		rc = fs_db_contact_region(s, have, id, err);
	}
	if (rc != 0)
		return rc;
	if (strcmp(have, region) != 0)
		return fs_err_set(err, FS_ECONFLICT,
				  "contact %s belongs to region %s, not %s", id, have, region);
	return 0;
}

static void bind_opt_text(sqlite3_stmt *st, int i, const json_t *v)
{
	if (json_is_string(v))
		sqlite3_bind_text(st, i, json_string_value(v), -1, SQLITE_TRANSIENT);
}

/* Bind a response body to parameters 2-9 of the insert and replace
 * statements (in that order); *answers gets the serialized answers, which
 * the caller frees after the step. FS_ENOMEM. */
static int bind_response_body(sqlite3_stmt *st, const json_t *body, char **answers, fs_err *err)
{
	*answers = json_dumps(json_object_get(body, "answers"),
			      JSON_COMPACT | JSON_SORT_KEYS | JSON_ENCODE_ANY);
	if (*answers == NULL)
		return fs_err_set(err, FS_ENOMEM, "store: out of memory");
	bind_opt_text(st, 2, json_object_get(body, "questionnaire"));
	sqlite3_bind_int64(st, 3, json_integer_value(json_object_get(body, "version")));
	bind_opt_text(st, 4, json_object_get(body, "started_at"));
	bind_opt_text(st, 5, json_object_get(body, "submitted_at"));
	bind_opt_text(st, 6, json_object_get(body, "language"));
	bind_opt_text(st, 7, json_object_get(body, "mode"));
	bind_opt_text(st, 8, json_object_get(body, "worker"));
	sqlite3_bind_text(st, 9, *answers, -1, SQLITE_STATIC);
	return 0;
}

int fs_db_response_insert(fs_store *s, int *inserted, const char *id, const json_t *body,
			  int deleted, fs_hlc hlc, const char *site, int64_t seq, fs_err *err)
{
	sqlite3_stmt *st = fs_store_stmt(s, FS_STMT_RESPONSE_INSERT, err);
	char *answers = NULL;
	int rc;

	*inserted = 0;
	if (st == NULL)
		return FS_EGENERIC;
	sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
	if (body != NULL && bind_response_body(st, body, &answers, err) != 0)
		return FS_ENOMEM;
	sqlite3_bind_int(st, 10, deleted ? 1 : 0);
	sqlite3_bind_int64(st, 11, (sqlite3_int64)hlc);
	sqlite3_bind_text(st, 12, site, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 13, seq);
	rc = step_done(s, st, "write response", err);
	free(answers);
	if (rc == 0)
		*inserted = sqlite3_changes(s->db) == 1;
	return rc;
}

static int set_text(json_t *obj, const char *key, const unsigned char *text)
{
	if (text == NULL)
		return 0;
	return json_object_set_new(obj, key, json_string((const char *)text));
}

int fs_db_response_get(fs_store *s, json_t **body, int *deleted, fs_hlc *hlc,
		       char site[FS_NAME_MAX + 1], const char *id, fs_err *err)
{
	sqlite3_stmt *st = fs_store_stmt(s, FS_STMT_RESPONSE_GET, err);
	json_t *b = NULL, *answers;
	int rc;

	*body = NULL;
	if (st == NULL)
		return FS_EGENERIC;
	sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
	rc = sqlite3_step(st);
	if (rc != SQLITE_ROW) {
		sqlite3_reset(st);
		if (rc == SQLITE_DONE)
			return FS_ENOTFOUND;
		return fs_store_sqlite_err(s, err, "read response");
	}
	*deleted = sqlite3_column_int(st, 8);
	*hlc = (fs_hlc)sqlite3_column_int64(st, 9);
	copy_text(site, FS_NAME_MAX + 1, sqlite3_column_text(st, 10));
	if (!*deleted) {
		b = json_object();
		answers = json_loads((const char *)sqlite3_column_text(st, 7), JSON_DECODE_ANY,
				     NULL);
		if (b == NULL || answers == NULL ||
		    set_text(b, "questionnaire", sqlite3_column_text(st, 0)) != 0 ||
		    json_object_set_new(b, "version", json_integer(sqlite3_column_int64(st, 1))) ||
		    set_text(b, "started_at", sqlite3_column_text(st, 2)) != 0 ||
		    set_text(b, "submitted_at", sqlite3_column_text(st, 3)) != 0 ||
		    set_text(b, "language", sqlite3_column_text(st, 4)) != 0 ||
		    set_text(b, "mode", sqlite3_column_text(st, 5)) != 0 ||
		    set_text(b, "worker", sqlite3_column_text(st, 6)) != 0 ||
		    json_object_set_new(b, "answers", answers) != 0) {
			json_decref(b);
			sqlite3_reset(st);
			return fs_err_set(err, FS_ENOMEM, "store: cannot read response %s", id);
		}
	}
	sqlite3_reset(st);
	*body = b;
	return 0;
}

int fs_db_response_delete(fs_store *s, int *changed, const char *id, fs_hlc hlc, const char *site,
			  int64_t seq, fs_err *err)
{
	sqlite3_stmt *st = fs_store_stmt(s, FS_STMT_RESPONSE_DELETE, err);
	int rc;

	*changed = 0;
	if (st == NULL)
		return FS_EGENERIC;
	sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, (sqlite3_int64)hlc);
	sqlite3_bind_text(st, 3, site, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 4, seq);
	rc = step_done(s, st, "delete response", err);
	if (rc == 0)
		*changed = sqlite3_changes(s->db) == 1;
	return rc;
}

int fs_db_questionnaire_insert(fs_store *s, int *inserted, const char *id, int64_t version,
			       const char *doc_text, int deleted, fs_hlc hlc, const char *site,
			       int64_t seq, fs_err *err)
{
	sqlite3_stmt *st = fs_store_stmt(s, FS_STMT_QUESTIONNAIRE_INSERT, err);
	int rc;

	*inserted = 0;
	if (st == NULL)
		return FS_EGENERIC;
	sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, version);
	if (doc_text != NULL)
		sqlite3_bind_text(st, 3, doc_text, -1, SQLITE_STATIC);
	sqlite3_bind_int(st, 4, deleted ? 1 : 0);
	sqlite3_bind_int64(st, 5, (sqlite3_int64)hlc);
	sqlite3_bind_text(st, 6, site, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 7, seq);
	rc = step_done(s, st, "write questionnaire", err);
	if (rc == 0)
		*inserted = sqlite3_changes(s->db) == 1;
	return rc;
}

int fs_db_questionnaire_get(fs_store *s, char **doc_text, int *deleted, const char *id,
			    int64_t version, fs_err *err)
{
	sqlite3_stmt *st = fs_store_stmt(s, FS_STMT_QUESTIONNAIRE_GET, err);
	int rc;

	*doc_text = NULL;
	if (st == NULL)
		return FS_EGENERIC;
	sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, version);
	rc = sqlite3_step(st);
	if (rc != SQLITE_ROW) {
		sqlite3_reset(st);
		if (rc == SQLITE_DONE)
			return FS_ENOTFOUND;
		return fs_store_sqlite_err(s, err, "read questionnaire");
	}
	*deleted = sqlite3_column_int(st, 1);
	if (!*deleted) {
		*doc_text = dup_text(sqlite3_column_text(st, 0));
		if (*doc_text == NULL) {
			sqlite3_reset(st);
			return fs_err_set(err, FS_ENOMEM, "store: out of memory");
		}
	}
	sqlite3_reset(st);
	return 0;
}

int fs_db_questionnaire_delete(fs_store *s, int *changed, const char *id, int64_t version,
			       fs_hlc hlc, const char *site, int64_t seq, fs_err *err)
{
	sqlite3_stmt *st = fs_store_stmt(s, FS_STMT_QUESTIONNAIRE_DELETE, err);
	int rc;

	*changed = 0;
	if (st == NULL)
		return FS_EGENERIC;
	sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, version);
	sqlite3_bind_int64(st, 3, (sqlite3_int64)hlc);
	sqlite3_bind_text(st, 4, site, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 5, seq);
	rc = step_done(s, st, "retire questionnaire", err);
	if (rc == 0)
		*changed = sqlite3_changes(s->db) == 1;
	return rc;
}

static int bind_side(sqlite3_stmt *st, int i, const json_t *side, char **text)
{
	fs_hlc h = 0;

	*text = json_dumps(json_object_get(side, "value"), JSON_COMPACT | JSON_SORT_KEYS |
								  JSON_ENCODE_ANY);
	if (*text == NULL)
		return FS_ENOMEM;
	fs_hlc_parse(&h, json_string_value(json_object_get(side, "hlc")), NULL);
	sqlite3_bind_text(st, i, *text, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, i + 1, (sqlite3_int64)h);
	bind_opt_text(st, i + 2, json_object_get(side, "site"));
	return 0;
}

int fs_db_conflict_insert(fs_store *s, int *inserted, int replace, const char *id,
			  const char *region, const json_t *body, fs_hlc hlc, const char *site,
			  int64_t seq, fs_err *err)
{
	sqlite3_stmt *st =
		fs_store_stmt(s, replace ? FS_STMT_CONFLICT_REPLACE : FS_STMT_CONFLICT_INSERT, err);
	char *wv = NULL, *lv = NULL;
	int rc;

	*inserted = 0;
	if (st == NULL)
		return FS_EGENERIC;
	sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
	bind_opt_text(st, 2, json_object_get(body, "table"));
	bind_opt_text(st, 3, json_object_get(body, "record"));
	sqlite3_bind_text(st, 4, region, -1, SQLITE_STATIC);
	bind_opt_text(st, 5, json_object_get(body, "field"));
	if (bind_side(st, 6, json_object_get(body, "winner"), &wv) != 0 ||
	    bind_side(st, 9, json_object_get(body, "loser"), &lv) != 0) {
		rc = fs_err_set(err, FS_ENOMEM, "store: out of memory");
		sqlite3_reset(st);
		goto cleanup;
	}
	sqlite3_bind_int64(st, 12, (sqlite3_int64)hlc);
	sqlite3_bind_text(st, 13, site, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 14, seq);
	rc = step_done(s, st, "write conflict", err);
	if (rc == 0)
		*inserted = sqlite3_changes(s->db) == 1;
cleanup:
	free(wv);
	free(lv);
	return rc;
}

int fs_db_quarantine_insert(fs_store *s, const char *from_site, const char *table,
			    const char *record_id, const char *reason, const char *change_json,
			    fs_hlc received, fs_err *err)
{
	sqlite3_stmt *st = fs_store_stmt(s, FS_STMT_QUARANTINE_INSERT, err);

	if (st == NULL)
		return FS_EGENERIC;
	sqlite3_bind_int64(st, 1, (sqlite3_int64)received);
	sqlite3_bind_text(st, 2, from_site, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, table, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 4, record_id, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 5, reason, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 6, change_json, -1, SQLITE_STATIC);
	return step_done(s, st, "write quarantine", err);
}

int fs_db_peer_get(fs_store *s, const char *peer, int64_t *push, int64_t *pull, fs_err *err)
{
	sqlite3_stmt *st = NULL;
	int rc = 0;

	*push = 0;
	*pull = 0;
	if (sqlite3_prepare_v2(s->db, "SELECT push_cursor, pull_cursor FROM peers WHERE site = ?1",
			       -1, &st, NULL) != SQLITE_OK)
		return fs_store_sqlite_err(s, err, "read peer");
	sqlite3_bind_text(st, 1, peer, -1, SQLITE_STATIC);
	switch (sqlite3_step(st)) {
	case SQLITE_ROW:
		*push = sqlite3_column_int64(st, 0);
		*pull = sqlite3_column_int64(st, 1);
		break;
	case SQLITE_DONE:
		break;
	default:
		rc = fs_store_sqlite_err(s, err, "read peer");
	}
	sqlite3_finalize(st);
	return rc;
}

static int peer_set(fs_store *s, const char *sql, const char *peer, int64_t seq, fs_err *err)
{
	sqlite3_stmt *st = NULL;
	int rc;

	if (sqlite3_prepare_v2(s->db, sql, -1, &st, NULL) != SQLITE_OK)
		return fs_store_sqlite_err(s, err, "write peer");
	sqlite3_bind_text(st, 1, peer, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, seq);
	rc = sqlite3_step(st) == SQLITE_DONE ? 0 : fs_store_sqlite_err(s, err, "write peer");
	sqlite3_finalize(st);
	return rc;
}

int fs_db_peer_set_push(fs_store *s, const char *peer, int64_t seq, fs_err *err)
{
	return peer_set(s,
			"INSERT INTO peers (site, push_cursor) VALUES (?1, ?2) ON CONFLICT (site) "
			"DO UPDATE SET push_cursor = excluded.push_cursor "
			"WHERE excluded.push_cursor > peers.push_cursor",
			peer, seq, err);
}

int fs_db_peer_set_pull(fs_store *s, const char *peer, int64_t seq, fs_err *err)
{
	return peer_set(s,
			"INSERT INTO peers (site, pull_cursor) VALUES (?1, ?2) ON CONFLICT (site) "
			"DO UPDATE SET pull_cursor = excluded.pull_cursor "
			"WHERE excluded.pull_cursor > peers.pull_cursor",
			peer, seq, err);
}

static const char *const hlc_tables[] = {"questionnaires", "responses", "contact_fields",
					 "conflicts"};

int fs_db_max_hlc(fs_store *s, fs_hlc limit, fs_hlc *out, fs_err *err)
{
	size_t i;

	*out = 0;
	for (i = 0; i < sizeof(hlc_tables) / sizeof(hlc_tables[0]); i++) {
		char sql[128];
		sqlite3_stmt *st = NULL;

		snprintf(sql, sizeof(sql), "SELECT max(hlc) FROM %s WHERE hlc <= ?1",
			 hlc_tables[i]);
		if (sqlite3_prepare_v2(s->db, sql, -1, &st, NULL) != SQLITE_OK)
			return fs_store_sqlite_err(s, err, "read clock");
		sqlite3_bind_int64(st, 1, (sqlite3_int64)limit);
		if (sqlite3_step(st) == SQLITE_ROW && (fs_hlc)sqlite3_column_int64(st, 0) > *out)
			*out = (fs_hlc)sqlite3_column_int64(st, 0);
		sqlite3_finalize(st);
	}
	return 0;
}

int fs_db_restamp_own(fs_store *s, fs_hlc limit, long *count, fs_err *err)
{
	size_t i;
	int rc = 0;

	*count = 0;
	for (i = 0; i < sizeof(hlc_tables) / sizeof(hlc_tables[0]) && rc == 0; i++) {
		char sql[160];
		sqlite3_stmt *sel = NULL, *upd = NULL;

		/* rowid exists on every table here; order keeps their relative order. */
		snprintf(sql, sizeof(sql),
			 "SELECT rowid FROM %s WHERE site = ?1 AND hlc > ?2 ORDER BY hlc",
			 hlc_tables[i]);
		if (sqlite3_prepare_v2(s->db, sql, -1, &sel, NULL) != SQLITE_OK)
			return fs_store_sqlite_err(s, err, "restamp");
		snprintf(sql, sizeof(sql), "UPDATE %s SET hlc = ?1, seq = ?2 WHERE rowid = ?3",
			 hlc_tables[i]);
		if (sqlite3_prepare_v2(s->db, sql, -1, &upd, NULL) != SQLITE_OK) {
			sqlite3_finalize(sel);
			return fs_store_sqlite_err(s, err, "restamp");
		}
		sqlite3_bind_text(sel, 1, s->site, -1, SQLITE_STATIC);
		sqlite3_bind_int64(sel, 2, (sqlite3_int64)limit);
		while (sqlite3_step(sel) == SQLITE_ROW) {
			sqlite3_bind_int64(upd, 1, (sqlite3_int64)fs_txn_tick(s));
			sqlite3_bind_int64(upd, 2, fs_txn_next_seq(s));
			sqlite3_bind_int64(upd, 3, sqlite3_column_int64(sel, 0));
			if (sqlite3_step(upd) != SQLITE_DONE) {
				rc = fs_store_sqlite_err(s, err, "restamp");
				break;
			}
			sqlite3_reset(upd);
			(*count)++;
		}
		sqlite3_finalize(sel);
		sqlite3_finalize(upd);
	}
	return rc;
}

/* The key of a held contact-field write: the first 8 bytes of BLAKE2b
 * over contact, field, hlc, site and canonical value, separated so that no
 * two different writes run together. */
static sqlite3_int64 version_key(const char *contact_id, const char *field, const char *value,
				 fs_hlc hlc, const char *site)
{
	crypto_generichash_state st;
	unsigned char out[16], h[8];
	sqlite3_int64 k = 0;
	size_t i;

	for (i = 0; i < 8; i++)
		h[i] = (unsigned char)(hlc >> (56 - 8 * i));
	crypto_generichash_init(&st, NULL, 0, sizeof(out));
	crypto_generichash_update(&st, (const unsigned char *)contact_id, strlen(contact_id) + 1);
	crypto_generichash_update(&st, (const unsigned char *)field, strlen(field) + 1);
	crypto_generichash_update(&st, h, sizeof(h));
	crypto_generichash_update(&st, (const unsigned char *)site, strlen(site) + 1);
	crypto_generichash_update(&st, (const unsigned char *)value, strlen(value));
	crypto_generichash_final(&st, out, sizeof(out));
	memcpy(&k, out, sizeof(k));
	return k;
}

int fs_db_field_version_add(fs_store *s, const char *contact_id, const char *field,
			    const char *value, fs_hlc hlc, const char *site, fs_err *err)
{
	sqlite3_stmt *st = fs_store_stmt(s, FS_STMT_FIELD_VERSION_ADD, err);

	if (st == NULL)
		return FS_EGENERIC;
	sqlite3_bind_int64(st, 1, version_key(contact_id, field, value, hlc, site));
	return step_done(s, st, "write field version", err);
}

int fs_db_field_version_held(fs_store *s, int *held, const char *contact_id, const char *field,
			     const char *value, fs_hlc hlc, const char *site, fs_err *err)
{
	sqlite3_stmt *st = fs_store_stmt(s, FS_STMT_FIELD_VERSION_GET, err);
	int rc;

	*held = 0;
	if (st == NULL)
		return FS_EGENERIC;
	sqlite3_bind_int64(st, 1, version_key(contact_id, field, value, hlc, site));
	rc = sqlite3_step(st);
	*held = rc == SQLITE_ROW;
	sqlite3_reset(st);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return fs_store_sqlite_err(s, err, "read field version");
	return 0;
}

/* One-off statement with text/integer parameters: "t" binds a string, "i"
 * an int64 (passed as long long). Steps to completion. */
static int exec_params(fs_store *s, const char *what, const char *sql, const char *types, ...)
{
	sqlite3_stmt *st = NULL;
	va_list ap;
	int i, rc;

	if (sqlite3_prepare_v2(s->db, sql, -1, &st, NULL) != SQLITE_OK)
		return FS_EGENERIC;
	va_start(ap, types);
	for (i = 0; types[i] != '\0'; i++) {
		if (types[i] == 't')
			sqlite3_bind_text(st, i + 1, va_arg(ap, const char *), -1, SQLITE_TRANSIENT);
		else
			sqlite3_bind_int64(st, i + 1, (sqlite3_int64)va_arg(ap, long long));
	}
	va_end(ap);
	rc = sqlite3_step(st);
	sqlite3_finalize(st);
	(void)what;
	return rc == SQLITE_DONE ? 0 : FS_EGENERIC;
}

int fs_db_response_claim_add(fs_store *s, const char *id, const char *site, fs_hlc hlc,
			     fs_err *err)
{
	if (exec_params(s, "claim",
			"INSERT INTO response_tombstone_claims (id, site, hlc) VALUES (?1, ?2, ?3) "
			"ON CONFLICT (id, site) DO UPDATE SET hlc = excluded.hlc "
			"WHERE excluded.hlc > response_tombstone_claims.hlc",
			"tti", id, site, (long long)hlc) != 0)
		return fs_store_sqlite_err(s, err, "write tombstone claim");
	return 0;
}

int fs_db_response_claims(fs_store *s, json_t **out, const char *id, fs_err *err)
{
	sqlite3_stmt *st = NULL;
	json_t *arr = json_array();
	int rc;

	*out = NULL;
	if (arr == NULL)
		return fs_err_set(err, FS_ENOMEM, "store: out of memory");
	if (sqlite3_prepare_v2(s->db,
			       "SELECT site, hlc FROM response_tombstone_claims WHERE id = ?1 "
			       "ORDER BY site",
			       -1, &st, NULL) != SQLITE_OK) {
		json_decref(arr);
		return fs_store_sqlite_err(s, err, "read tombstone claims");
	}
	sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW)
		if (json_array_append_new(arr, json_pack("[s, I]", sqlite3_column_text(st, 0),
							 (json_int_t)sqlite3_column_int64(st, 1))) !=
		    0) {
			rc = SQLITE_NOMEM;
			break;
		}
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE) {
		json_decref(arr);
		return fs_err_set(err, FS_EGENERIC, "store: read tombstone claims failed");
	}
	*out = arr;
	return 0;
}

int fs_db_response_claims_clear(fs_store *s, const char *id, fs_err *err)
{
	if (exec_params(s, "claims", "DELETE FROM response_tombstone_claims WHERE id = ?1", "t",
			id) != 0)
		return fs_store_sqlite_err(s, err, "clear tombstone claims");
	return 0;
}

int fs_db_response_replace(fs_store *s, const char *id, const json_t *body, fs_hlc hlc,
			   const char *site, int64_t seq, fs_err *err)
{
	sqlite3_stmt *st = NULL;
	char *answers = NULL;
	int rc;

	if (sqlite3_prepare_v2(s->db,
			       "UPDATE responses SET questionnaire_id = ?2, questionnaire_version = ?3, "
			       "started_at = ?4, submitted_at = ?5, language = ?6, mode = ?7, "
			       "worker = ?8, answers = ?9, deleted = ?10, hlc = ?11, site = ?12, "
			       "seq = ?13 WHERE id = ?1",
			       -1, &st, NULL) != SQLITE_OK)
		return fs_store_sqlite_err(s, err, "replace response");
	sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
	if (body != NULL && bind_response_body(st, body, &answers, err) != 0) {
		sqlite3_finalize(st);
		return FS_ENOMEM;
	}
	sqlite3_bind_int(st, 10, body == NULL);
	sqlite3_bind_int64(st, 11, (sqlite3_int64)hlc);
	sqlite3_bind_text(st, 12, site, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 13, seq);
	rc = sqlite3_step(st) == SQLITE_DONE ? 0 : fs_store_sqlite_err(s, err, "replace response");
	sqlite3_finalize(st);
	free(answers);
	return rc;
}

/* A response's times moved by delta_ms; when even then submitted would be
 * after latest_ms (the clock had been set right before the correction, so
 * the offset does not explain the date), submitted becomes latest_ms: it
 * happened no later than that. The time between start and submission is
 * kept. 0 or FS_EINVAL. */
static int redate(char started[FS_TIMESTAMP_LEN + 1], char submitted[FS_TIMESTAMP_LEN + 1],
		  const unsigned char *old_started, const unsigned char *old_submitted,
		  int64_t delta_ms, uint64_t latest_ms)
{
	uint64_t a, b;
	int64_t sub, took;

	if (old_started == NULL || old_submitted == NULL ||
	    fs_timestamp_to_ms((const char *)old_started, &a) != 0 ||
	    fs_timestamp_to_ms((const char *)old_submitted, &b) != 0)
		return FS_EINVAL;
	took = b >= a ? (int64_t)(b - a) : 0;
	sub = (int64_t)b + delta_ms;
	if (sub > (int64_t)latest_ms)
		sub = (int64_t)latest_ms;
	if (sub < took)
		sub = took;
	fs_timestamp_format(submitted, (uint64_t)sub);
	fs_timestamp_format(started, (uint64_t)(sub - took));
	return 0;
}

int fs_db_redate_own_responses(fs_store *s, const char *after, int64_t delta_ms,
			       uint64_t latest_ms, long *count, fs_err *err)
{
	typedef struct redate_row {
		char id[FS_ID_MAX + 1];
		char started[FS_TIMESTAMP_LEN + 1], submitted[FS_TIMESTAMP_LEN + 1];
	} redate_row;
	sqlite3_stmt *sel = NULL, *upd = NULL;
	redate_row *list = NULL, *grown;
	size_t n = 0, cap = 0, i;
	int rc = 0;

	*count = 0;
	if (sqlite3_prepare_v2(s->db,
			       "SELECT id, started_at, submitted_at FROM responses WHERE site = ?1 "
			       "AND deleted = 0 AND submitted_at > ?2 AND seq > "
			       "(SELECT coalesce(max(push_cursor), 0) FROM peers)",
			       -1, &sel, NULL) != SQLITE_OK ||
	    sqlite3_prepare_v2(s->db,
			       "UPDATE responses SET started_at = ?1, submitted_at = ?2, seq = ?3 "
			       "WHERE id = ?4",
			       -1, &upd, NULL) != SQLITE_OK) {
		rc = fs_store_sqlite_err(s, err, "re-date responses");
		goto cleanup;
	}
	sqlite3_bind_text(sel, 1, s->site, -1, SQLITE_STATIC);
	sqlite3_bind_text(sel, 2, after, -1, SQLITE_STATIC);
	/* Read first, then write: the update moves rows in the seq index the
	 * scan may be using. */
	while ((rc = sqlite3_step(sel)) == SQLITE_ROW) {
		if (n == cap) {
			cap = cap ? 2 * cap : 64;
			grown = realloc(list, cap * sizeof(*list));
			if (grown == NULL) {
				rc = fs_err_set(err, FS_ENOMEM, "re-date responses: out of memory");
				goto cleanup;
			}
			list = grown;
		}
		copy_text(list[n].id, sizeof(list[n].id), sqlite3_column_text(sel, 0));
		if (redate(list[n].started, list[n].submitted, sqlite3_column_text(sel, 1),
			   sqlite3_column_text(sel, 2), delta_ms, latest_ms) == 0)
			n++;
	}
	if (rc != SQLITE_DONE) {
		rc = fs_store_sqlite_err(s, err, "re-date responses");
		goto cleanup;
	}
	rc = 0;
	sqlite3_reset(sel);
	for (i = 0; i < n; i++) {
		sqlite3_bind_text(upd, 1, list[i].started, -1, SQLITE_STATIC);
		sqlite3_bind_text(upd, 2, list[i].submitted, -1, SQLITE_STATIC);
		sqlite3_bind_int64(upd, 3, fs_txn_next_seq(s));
		sqlite3_bind_text(upd, 4, list[i].id, -1, SQLITE_STATIC);
		if (sqlite3_step(upd) != SQLITE_DONE) {
			rc = fs_store_sqlite_err(s, err, "re-date responses");
			break;
		}
		sqlite3_reset(upd);
		(*count)++;
	}
cleanup:
	free(list);
	sqlite3_finalize(sel);
	sqlite3_finalize(upd);
	return rc;
}
