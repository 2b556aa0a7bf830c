/* Local writes and reads of the replicated records. The merge rules for
 * remote changes are in merge.c; both write through db.c. */
#include "fieldsync/records.h"

#include <stdlib.h>
#include <string.h>

#include "db.h"
#include "fieldsync/backend.h"
#include "fieldsync/questionnaire.h"
#include "store_internal.h"

#define CANON_FLAGS (JSON_COMPACT | JSON_SORT_KEYS | JSON_ENCODE_ANY)

static int need_identity(fs_store *s, fs_err *err)
{
	if (s->site[0] == '\0')
		return fs_err_set(err, FS_EINVAL,
				  "store has no site identity yet (enroll or set it first)");
	return 0;
}

int fs_questionnaire_publish(fs_store *s, const json_t *doc, fs_err *err)
{
	char *text = NULL, *have = NULL;
	const char *id;
	int64_t version;
	int rc, deleted = 0, inserted = 0;

	rc = need_identity(s, err);
	if (rc != 0)
		return rc;
	rc = fs_questionnaire_validate(doc, err);
	if (rc != 0)
		return rc;
	id = json_string_value(json_object_get(doc, "id"));
	version = json_integer_value(json_object_get(doc, "version"));
	text = json_dumps(doc, CANON_FLAGS);
	if (text == NULL)
		return fs_err_set(err, FS_ENOMEM, "out of memory");
	rc = fs_txn_begin(s, err);
	if (rc != 0)
		goto cleanup;
	rc = fs_db_questionnaire_get(s, &have, &deleted, id, version, err);
	if (rc == 0) {
		if (deleted)
			rc = fs_err_set(err, FS_ECONFLICT,
					"questionnaire %s version %lld was retired and cannot be "
					"published again; publish a new version",
					id, (long long)version);
		else if (strcmp(have, text) != 0)
			rc = fs_err_set(err, FS_ECONFLICT,
					"questionnaire %s version %lld is already published with "
					"other content; publish a new version",
					id, (long long)version);
		fs_txn_rollback(s);
		goto cleanup;
	}
	if (rc != FS_ENOTFOUND) {
		fs_txn_rollback(s);
		goto cleanup;
	}
	rc = fs_db_questionnaire_insert(s, &inserted, id, version, text, 0, fs_txn_tick(s),
					s->site, fs_txn_next_seq(s), err);
	if (rc == 0)
		rc = fs_txn_commit(s, err);
	else
		fs_txn_rollback(s);
cleanup:
	free(text);
	free(have);
	return rc;
}

int fs_questionnaire_get(fs_store *s, json_t **out, const char *id, int64_t version, fs_err *err)
{
	sqlite3_stmt *st = NULL;
	json_error_t jerr;
	int rc;

	*out = NULL;
	if (sqlite3_prepare_v2(s->db,
			       "SELECT doc FROM questionnaires WHERE id = ?1 AND deleted = 0 AND "
			       "(?2 = 0 OR version = ?2) ORDER BY version DESC LIMIT 1",
			       -1, &st, NULL) != SQLITE_OK)
		return fs_store_sqlite_err(s, err, "read questionnaire");
	sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, version);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		*out = json_loads((const char *)sqlite3_column_text(st, 0), 0, &jerr);
		rc = *out ? 0 : fs_err_set(err, FS_EGENERIC, "stored questionnaire %s: %s", id,
					   jerr.text);
	} else if (rc == SQLITE_DONE) {
		rc = version ? fs_err_set(err, FS_ENOTFOUND,
					  "questionnaire %s version %lld is not published here", id,
					  (long long)version)
			     : fs_err_set(err, FS_ENOTFOUND,
					  "questionnaire %s is not published here", id);
	} else {
		rc = fs_store_sqlite_err(s, err, "read questionnaire");
	}
	sqlite3_finalize(st);
	return rc;
}

int fs_questionnaire_list(fs_store *s, json_t **out, fs_err *err)
{
	sqlite3_stmt *st = NULL;
	json_t *arr = json_array();
	int rc;

	*out = NULL;
	if (arr == NULL)
		return fs_err_set(err, FS_ENOMEM, "out of memory");
	if (sqlite3_prepare_v2(s->db,
			       "SELECT id, version, doc FROM questionnaires WHERE deleted = 0 "
			       "ORDER BY id, version",
			       -1, &st, NULL) != SQLITE_OK) {
		json_decref(arr);
		return fs_store_sqlite_err(s, err, "list questionnaires");
	}
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		json_t *doc = json_loads((const char *)sqlite3_column_text(st, 2), 0, NULL);
		json_t *item = json_pack("{s:s, s:I, s:O?}", "id", sqlite3_column_text(st, 0),
					 "version", (json_int_t)sqlite3_column_int64(st, 1),
					 "title", json_object_get(doc, "title"));

		json_decref(doc);
		if (item == NULL || json_array_append_new(arr, item) != 0) {
			rc = SQLITE_NOMEM;
			break;
		}
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE) {
		json_decref(arr);
		return fs_err_set(err, FS_EGENERIC, "list questionnaires: %s",
				  rc == SQLITE_NOMEM ? "out of memory" : sqlite3_errmsg(s->db));
	}
	*out = arr;
	return 0;
}

int fs_response_add(fs_store *s, char out_id[FS_UUID_LEN + 1], const json_t *body, fs_err *err)
{
	json_t *doc = NULL;
	const char *qid;
	int rc, inserted = 0;
	fs_hlc hlc;

	out_id[0] = '\0';
	rc = need_identity(s, err);
	if (rc != 0)
		return rc;
	rc = fs_response_check_shape(body, err);
	if (rc != 0)
		return rc;
	qid = json_string_value(json_object_get(body, "questionnaire"));
	rc = fs_questionnaire_get(s, &doc, qid,
				  json_integer_value(json_object_get(body, "version")), err);
	if (rc != 0)
		return rc;
	rc = fs_response_validate(doc, body, NULL, err);
	if (rc != 0)
		goto cleanup;
	rc = fs_txn_begin(s, err);
	if (rc != 0)
		goto cleanup;
	hlc = fs_txn_tick(s);
	rc = fs_uuid_v7(out_id, fs_hlc_ms(hlc), err);
	if (rc == 0)
		rc = fs_db_response_insert(s, &inserted, out_id, body, 0, hlc, s->site,
					   fs_txn_next_seq(s), err);
	if (rc == 0 && !inserted)
		rc = fs_err_set(err, FS_EGENERIC, "response id collision; nothing stored");
	if (rc == 0)
		rc = fs_txn_commit(s, err);
	else
		fs_txn_rollback(s);
	if (rc != 0)
		out_id[0] = '\0';
cleanup:
	json_decref(doc);
	return rc;
}

int fs_response_get(fs_store *s, json_t **out, const char *id, fs_err *err)
{
	json_t *body = NULL;
	char site[FS_NAME_MAX + 1];
	int deleted = 0, rc;
	fs_hlc hlc;

	*out = NULL;
	rc = fs_db_response_get(s, &body, &deleted, &hlc, site, id, err);
	if (rc == FS_ENOTFOUND)
		return fs_err_set(err, rc, "response %s not found", id);
	if (rc != 0)
		return rc;
	if (body == NULL)
		body = json_pack("{s:b}", "deleted", 1);
	if (body == NULL || json_object_set_new(body, "id", json_string(id)) != 0 ||
	    json_object_set_new(body, "site", json_string(site)) != 0) {
		json_decref(body);
		return fs_err_set(err, FS_ENOMEM, "out of memory");
	}
	*out = body;
	return 0;
}

int fs_response_each(fs_store *s, const char *questionnaire, const char *region,
		     fs_response_fn fn, void *ctx, fs_err *err)
{
	sqlite3_stmt *st = NULL;
	int rc;

	if (sqlite3_prepare_v2(s->db,
			       "SELECT r.id, r.site, r.questionnaire_id, r.questionnaire_version, "
			       "r.started_at, r.submitted_at, r.language, r.mode, r.worker, "
			       "r.answers FROM responses r WHERE r.deleted = 0 "
			       "AND (?1 IS NULL OR r.questionnaire_id = ?1) AND (?2 IS NULL OR "
			       "r.site IN (SELECT site FROM devices WHERE region = ?2)) "
			       "ORDER BY r.id",
			       -1, &st, NULL) != SQLITE_OK)
		return fs_store_sqlite_err(s, err, "read responses");
	if (questionnaire)
		sqlite3_bind_text(st, 1, questionnaire, -1, SQLITE_STATIC);
	if (region)
		sqlite3_bind_text(st, 2, region, -1, SQLITE_STATIC);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		fs_response_row row;
		json_t *r = NULL;
		int stop;

		memset(&row, 0, sizeof(row));
		row.id = (const char *)sqlite3_column_text(st, 0);
		row.site = (const char *)sqlite3_column_text(st, 1);
		row.questionnaire = (const char *)sqlite3_column_text(st, 2);
		row.version = sqlite3_column_int64(st, 3);
		row.started_at = (const char *)sqlite3_column_text(st, 4);
		row.submitted_at = (const char *)sqlite3_column_text(st, 5);
		row.language = (const char *)sqlite3_column_text(st, 6);
		row.mode = (const char *)sqlite3_column_text(st, 7);
		row.worker = (const char *)sqlite3_column_text(st, 8);
		row.answers = (const char *)sqlite3_column_text(st, 9);
		rc = fs_response_row_json(&r, &row, err);
		if (rc != 0) {
			sqlite3_finalize(st);
			return rc;
		}
		stop = fn(ctx, r);
		json_decref(r);
		if (stop != 0) {
			sqlite3_finalize(st);
			return stop;
		}
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE)
		return fs_err_set(err, FS_EGENERIC, "read responses failed");
	return 0;
}

int fs_response_delete(fs_store *s, const char *id, fs_err *err)
{
	json_t *body = NULL;
	char site[FS_NAME_MAX + 1];
	int deleted = 0, changed = 0, rc;
	fs_hlc hlc;

	rc = need_identity(s, err);
	if (rc != 0)
		return rc;
	rc = fs_txn_begin(s, err);
	if (rc != 0)
		return rc;
	rc = fs_db_response_get(s, &body, &deleted, &hlc, site, id, err);
	json_decref(body);
	if (rc == FS_ENOTFOUND)
		rc = fs_err_set(err, rc, "response %s not found", id);
	if (rc == 0 && !deleted)
		rc = fs_db_response_delete(s, &changed, id, fs_txn_tick(s), s->site,
					   fs_txn_next_seq(s), err);
	if (rc == 0)
		return fs_txn_commit(s, err);
	fs_txn_rollback(s);
	return rc;
}

static const char *const contact_required[] = {"person_ref", "contact_at", "channel", "worker",
					       NULL};

static int is_contact_field(const char *name)
{
	size_t i;

	for (i = 0; fs_contact_fields[i] != NULL; i++)
		if (strcmp(fs_contact_fields[i], name) == 0)
			return 1;
	return 0;
}

/* Write one field as a local edit: the new value replaces what this site
 * holds; its prev says which write that was, so receivers can tell a
 * sequential edit from a concurrent one (merge.c). */
static int put_local_field(fs_store *s, const char *id, const char *field, const json_t *value,
			   fs_hlc hlc, fs_err *err)
{
	fs_db_field cur;
	char *text = json_dumps(value, CANON_FLAGS);
	const char *prev_site = NULL;
	fs_hlc prev_hlc = 0;
	int rc;

	if (text == NULL)
		return fs_err_set(err, FS_ENOMEM, "out of memory");
	rc = fs_db_field_get(s, &cur, id, field, err);
	if (rc == 0 && cur.found && strcmp(cur.value, text) == 0) {
		/* Same value: nothing to send, no clock to move. */
		goto cleanup;
	}
	if (rc == 0 && cur.found) {
		/* Our own earlier write is not a separate version for others: keep
		 * the write it replaced, so coalesced edits are one edit. */
		if (strcmp(cur.site, s->site) == 0) {
			prev_hlc = cur.prev_hlc;
			prev_site = cur.prev_site;
		} else {
			prev_hlc = cur.hlc;
			prev_site = cur.site;
		}
	}
	/* At a hub the replaced value stays recognisable: a device's conflict
	 * row may name it later (merge.c verifies such rows against it). */
	if (rc == 0 && cur.found && s->region[0] == '\0')
		rc = fs_db_field_version_add(s, id, field, cur.value, cur.hlc, cur.site, err);
	if (rc == 0)
		rc = fs_db_field_put(s, id, field, text, hlc, s->site, prev_hlc, prev_site,
				     fs_txn_next_seq(s), err);
cleanup:
	fs_db_field_clear(&cur);
	free(text);
	return rc;
}

int fs_contact_put(fs_store *s, char out_id[FS_UUID_LEN + 1], const char *id, const char *region,
		   const json_t *fields, fs_err *err)
{
	char have_region[FS_NAME_MAX + 1], idbuf[FS_UUID_LEN + 1];
	const char *key;
	json_t *value, *defaults = NULL;
	int rc, creating = id == NULL;
	size_t i;
	fs_hlc hlc;

	/* id may be out_id itself. */
	if (id != NULL && strlen(id) <= FS_UUID_LEN) {
		memcpy(idbuf, id, strlen(id) + 1);
		id = idbuf;
	}
	out_id[0] = '\0';
	rc = need_identity(s, err);
	if (rc != 0)
		return rc;
	if (!json_is_object(fields))
		return fs_err_set(err, FS_EINVAL, "contact: fields must be a JSON object");
	json_object_foreach((json_t *)fields, key, value) {
		if (!is_contact_field(key))
			return fs_err_set(err, FS_EINVAL, "contact: unknown field \"%.40s\"", key);
		rc = fs_contact_field_check(key, value, err);
		if (rc != 0)
			return rc;
	}
	if (creating) {
		if (region == NULL)
			region = s->region;
		if (!fs_name_is_valid(region))
			return fs_err_set(err, FS_EINVAL,
					  "contact: a region is needed to create a contact");
		for (i = 0; contact_required[i] != NULL; i++)
			if (json_object_get(fields, contact_required[i]) == NULL)
				return fs_err_set(err, FS_EINVAL,
						  "contact: field \"%s\" is required for a new "
						  "contact",
						  contact_required[i]);
		defaults = json_pack("{s:s, s:b, s:b}", "status", "open", "follow_up_done", 0,
				     "deleted", 0);
		if (defaults == NULL)
			return fs_err_set(err, FS_ENOMEM, "out of memory");
	} else if (!fs_uuid_is_valid(id)) {
		return fs_err_set(err, FS_EINVAL, "contact: id must be a lowercase UUID");
	}
	rc = fs_txn_begin(s, err);
	if (rc != 0)
		goto cleanup;
	hlc = fs_txn_tick(s);
	if (creating) {
		rc = fs_uuid_v7(out_id, fs_hlc_ms(hlc), err);
		if (rc == 0)
			rc = fs_db_contact_ensure(s, out_id, region, err);
	} else {
		snprintf(out_id, FS_UUID_LEN + 1, "%s", id);
		rc = fs_db_contact_region(s, have_region, id, err);
		if (rc == FS_ENOTFOUND)
			rc = fs_err_set(err, rc, "contact %s not found", id);
	}
	if (creating)
		json_object_foreach(defaults, key, value) {
			if (rc == 0 && json_object_get(fields, key) == NULL)
				rc = put_local_field(s, out_id, key, value, hlc, err);
		}
	json_object_foreach((json_t *)fields, key, value) {
		if (rc == 0)
			rc = put_local_field(s, out_id, key, value, hlc, err);
	}
	if (rc == 0)
		rc = fs_txn_commit(s, err);
	else
		fs_txn_rollback(s);
	if (rc != 0)
		out_id[0] = '\0';
cleanup:
	json_decref(defaults);
	return rc;
}

int fs_contact_delete(fs_store *s, const char *id, fs_err *err)
{
	char out_id[FS_UUID_LEN + 1];
	json_t *f = json_pack("{s:b}", "deleted", 1);
	int rc;

	if (f == NULL)
		return fs_err_set(err, FS_ENOMEM, "out of memory");
	rc = fs_contact_put(s, out_id, id, NULL, f, err);
	json_decref(f);
	return rc;
}

/* Rows (id, region, field, value) ordered by id become contact objects. */
static int collect_contacts(fs_store *s, sqlite3_stmt *st, json_t *arr, int include_deleted,
			    fs_err *err)
{
	json_t *cur = NULL;
	int rc;

	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		const char *id = (const char *)sqlite3_column_text(st, 0);
		json_t *v;

		if (cur == NULL || strcmp(json_string_value(json_object_get(cur, "id")), id) != 0) {
			if (cur != NULL && (include_deleted ||
					    !json_is_true(json_object_get(cur, "deleted"))))
				json_array_append(arr, cur);
			json_decref(cur);
			cur = json_pack("{s:s, s:s}", "id", id, "region",
					(const char *)sqlite3_column_text(st, 1));
			if (cur == NULL)
				return fs_err_set(err, FS_ENOMEM, "out of memory");
		}
		if (sqlite3_column_type(st, 2) == SQLITE_NULL)
			continue;
		v = json_loads((const char *)sqlite3_column_text(st, 3), JSON_DECODE_ANY, NULL);
		if (v == NULL ||
		    json_object_set_new(cur, (const char *)sqlite3_column_text(st, 2), v) != 0) {
			json_decref(cur);
			return fs_err_set(err, FS_ENOMEM, "out of memory");
		}
	}
	if (cur != NULL && (include_deleted || !json_is_true(json_object_get(cur, "deleted"))))
		json_array_append(arr, cur);
	json_decref(cur);
	if (rc != SQLITE_DONE)
		return fs_store_sqlite_err(s, err, "read contacts");
	return 0;
}

static int query_contacts(fs_store *s, json_t **out, const char *id, const char *region,
			  int include_deleted, fs_err *err)
{
	sqlite3_stmt *st = NULL;
	json_t *arr = json_array();
	int rc;

	*out = NULL;
	if (arr == NULL)
		return fs_err_set(err, FS_ENOMEM, "out of memory");
	if (sqlite3_prepare_v2(s->db,
			       "SELECT c.id, c.region, f.field, f.value FROM contacts c "
			       "LEFT JOIN contact_fields f ON f.contact_id = c.id "
			       "WHERE (?1 IS NULL OR c.id = ?1) AND (?2 IS NULL OR c.region = ?2) "
			       "ORDER BY c.id, f.field",
			       -1, &st, NULL) != SQLITE_OK) {
		json_decref(arr);
		return fs_store_sqlite_err(s, err, "read contacts");
	}
	if (id != NULL)
		sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
	if (region != NULL)
		sqlite3_bind_text(st, 2, region, -1, SQLITE_STATIC);
	rc = collect_contacts(s, st, arr, include_deleted, err);
	sqlite3_finalize(st);
	if (rc != 0) {
		json_decref(arr);
		return rc;
	}
	*out = arr;
	return 0;
}

int fs_contact_get(fs_store *s, json_t **out, const char *id, fs_err *err)
{
	json_t *arr = NULL;
	int rc = query_contacts(s, &arr, id, NULL, 1, err);

	*out = NULL;
	if (rc != 0)
		return rc;
	if (json_array_size(arr) == 0) {
		json_decref(arr);
		return fs_err_set(err, FS_ENOTFOUND, "contact %s not found", id);
	}
	*out = json_incref(json_array_get(arr, 0));
	json_decref(arr);
	return 0;
}

int fs_contact_list(fs_store *s, json_t **out, const char *region, int include_deleted,
		    fs_err *err)
{
	return query_contacts(s, out, NULL, region, include_deleted, err);
}

static json_t *conflict_side(sqlite3_stmt *st, int col)
{
	char hlc[FS_HLC_TEXT_LEN + 1];

	fs_hlc_format(hlc, (fs_hlc)sqlite3_column_int64(st, col + 1));
	return json_pack("{s:o?, s:s, s:s}", "value",
			 json_loads((const char *)sqlite3_column_text(st, col), JSON_DECODE_ANY,
				    NULL),
			 "hlc", hlc, "site", (const char *)sqlite3_column_text(st, col + 2));
}

int fs_conflict_list(fs_store *s, json_t **out, long limit, fs_err *err)
{
	sqlite3_stmt *st = NULL;
	json_t *arr = json_array();
	int rc;

	*out = NULL;
	if (arr == NULL)
		return fs_err_set(err, FS_ENOMEM, "out of memory");
	if (sqlite3_prepare_v2(s->db,
			       "SELECT id, record_table, record_id, region, field, winner_value, "
			       "winner_hlc, winner_site, loser_value, loser_hlc, loser_site, site "
			       "FROM conflicts ORDER BY hlc DESC, id LIMIT ?1",
			       -1, &st, NULL) != SQLITE_OK) {
		json_decref(arr);
		return fs_store_sqlite_err(s, err, "read conflicts");
	}
	sqlite3_bind_int64(st, 1, limit);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		json_t *item = json_pack(
			"{s:s, s:s, s:s, s:s, s:s, s:o, s:o, s:s}", "id",
			(const char *)sqlite3_column_text(st, 0), "table",
			(const char *)sqlite3_column_text(st, 1), "record",
			(const char *)sqlite3_column_text(st, 2), "region",
			(const char *)sqlite3_column_text(st, 3), "field",
			(const char *)sqlite3_column_text(st, 4), "winner", conflict_side(st, 5),
			"loser", conflict_side(st, 8), "detected_by",
			(const char *)sqlite3_column_text(st, 11));

		if (item == NULL || json_array_append_new(arr, item) != 0) {
			rc = SQLITE_NOMEM;
			break;
		}
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE) {
		json_decref(arr);
		return fs_err_set(err, FS_EGENERIC, "read conflicts failed");
	}
	*out = arr;
	return 0;
}
