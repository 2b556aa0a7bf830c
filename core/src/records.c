/* Local writes and reads of the replicated records. The merge rules for
 * remote changes are in merge.c; both reach storage through the store's
 * backend (backend.h), with rows.c's conversions. */
#include "fieldsync/records.h"

#include <stdlib.h>
#include <string.h>

#include "fieldsync/backend.h"
#include "fieldsync/questionnaire.h"
#include "fieldsync/seal.h"
#include "rows.h"
#include "store_internal.h"

#define CANON_FLAGS FS_CANON_FLAGS

static int need_identity(fs_store *s, fs_err *err)
{
	if (s->site[0] == '\0')
		return fs_err_set(err, FS_EINVAL,
				  "store has no site identity yet (enroll or set it first)");
	return 0;
}

int fs_questionnaire_publish(fs_store *s, const json_t *doc, fs_err *err)
{
	char *text = NULL;
	const char *id;
	int64_t version;
	int rc, inserted = 0;
	fs_questionnaire_row have, row;

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
	rc = s->ops->questionnaire_get(s->b, id, version, &have, err);
	if (rc == 0) {
		if (have.deleted)
			rc = fs_err_set(err, FS_ECONFLICT,
					"questionnaire %s version %lld was retired and cannot be "
					"published again; publish a new version",
					id, (long long)version);
		else if (have.doc == NULL || strcmp(have.doc, text) != 0)
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
	memset(&row, 0, sizeof(row));
	row.id = id;
	row.version = version;
	row.doc = text;
	row.hlc = fs_txn_tick(s);
	row.site = s->site;
	row.seq = fs_txn_next_seq(s);
	rc = s->ops->questionnaire_insert(s->b, &row, &inserted, err);
	if (rc == 0)
		rc = fs_txn_commit(s, err);
	else
		fs_txn_rollback(s);
cleanup:
	free(text);
	return rc;
}

/* The highest live version of one questionnaire. */
typedef struct latest {
	const char *id;
	int64_t version;
} latest;

static int latest_visit(void *ctx, const fs_questionnaire_row *r)
{
	latest *l = ctx;

	if (!r->deleted && strcmp(r->id, l->id) == 0 && r->version > l->version)
		l->version = r->version;
	return 0;
}

int fs_questionnaire_get(fs_store *s, json_t **out, const char *id, int64_t version, fs_err *err)
{
	fs_questionnaire_row row;
	json_error_t jerr;
	latest l = {id, 0};
	int rc = 0;

	*out = NULL;
	if (version == 0) {
		rc = s->ops->questionnaire_each(s->b, latest_visit, &l, err);
		if (rc != 0)
			return rc;
		if (l.version == 0)
			return fs_err_set(err, FS_ENOTFOUND, "questionnaire %s is not published here",
					  id);
	}
	rc = s->ops->questionnaire_get(s->b, id, version ? version : l.version, &row, err);
	if (rc == 0 && (row.deleted || row.doc == NULL))
		rc = FS_ENOTFOUND;
	if (rc == FS_ENOTFOUND)
		return version ? fs_err_set(err, FS_ENOTFOUND,
					    "questionnaire %s version %lld is not published here",
					    id, (long long)version)
			       : fs_err_set(err, FS_ENOTFOUND,
					    "questionnaire %s is not published here", id);
	if (rc != 0)
		return rc;
	*out = json_loads(row.doc, 0, &jerr);
	if (*out == NULL)
		return fs_err_set(err, FS_EGENERIC, "stored questionnaire %s: %s", id, jerr.text);
	return 0;
}

static int list_visit(void *ctx, const fs_questionnaire_row *r)
{
	json_t *arr = ctx, *doc, *item;

	if (r->deleted || r->doc == NULL)
		return 0;
	doc = json_loads(r->doc, 0, NULL);
	item = json_pack("{s:s, s:I, s:O?}", "id", r->id, "version", (json_int_t)r->version,
			 "title", json_object_get(doc, "title"));
	json_decref(doc);
	if (item == NULL || json_array_append_new(arr, item) != 0)
		return FS_ENOMEM;
	return 0;
}

int fs_questionnaire_list(fs_store *s, json_t **out, fs_err *err)
{
	json_t *arr = json_array();
	int rc;

	*out = NULL;
	if (arr == NULL)
		return fs_err_set(err, FS_ENOMEM, "out of memory");
	rc = s->ops->questionnaire_each(s->b, list_visit, arr, err);
	if (rc == FS_ENOMEM)
		rc = fs_err_set(err, FS_ENOMEM, "list questionnaires: out of memory");
	if (rc != 0) {
		json_decref(arr);
		return rc;
	}
	*out = arr;
	return 0;
}

int fs_response_add(fs_store *s, char out_id[FS_UUID_LEN + 1], const json_t *body, fs_err *err)
{
	json_t *doc = NULL;
	const char *qid;
	char *answers = NULL;
	int rc, inserted = 0;
	fs_response_row row;
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
	memset(&row, 0, sizeof(row));
	rc = fs_rows_response_from_body(&row, body, &answers, err);
	/* Validated in clear; sealed before anything is written (seal.h). */
	if (rc == 0)
		rc = fs_seal_answers(s, doc, &answers, err);
	if (rc != 0)
		goto cleanup;
	row.answers = answers;
	rc = fs_txn_begin(s, err);
	if (rc != 0)
		goto cleanup;
	hlc = fs_txn_tick(s);
	rc = fs_uuid_v7(out_id, fs_hlc_ms(hlc), err);
	if (rc == 0) {
		row.id = out_id;
		row.hlc = hlc;
		row.site = s->site;
		row.seq = fs_txn_next_seq(s);
		rc = s->ops->response_insert(s->b, &row, &inserted, err);
	}
	if (rc == 0 && !inserted)
		rc = fs_err_set(err, FS_EGENERIC, "response id collision; nothing stored");
	if (rc == 0)
		rc = fs_txn_commit(s, err);
	else
		fs_txn_rollback(s);
	if (rc != 0)
		out_id[0] = '\0';
cleanup:
	free(answers);
	json_decref(doc);
	return rc;
}

int fs_response_get(fs_store *s, json_t **out, const char *id, fs_err *err)
{
	fs_response_row row;
	int rc;

	*out = NULL;
	rc = s->ops->response_get(s->b, id, &row, err);
	if (rc == FS_ENOTFOUND)
		return fs_err_set(err, rc, "response %s not found", id);
	if (rc != 0)
		return rc;
	return fs_response_row_json(out, &row, err);
}

typedef struct each_ctx {
	fs_response_fn fn;
	void *ctx;
	int stop; /* what fn returned, passed back as is */
} each_ctx;

static int each_visit(void *ctx, const fs_response_row *r)
{
	each_ctx *e = ctx;
	json_t *j = NULL;
	int rc = fs_response_row_json(&j, r, NULL);

	if (rc != 0)
		return rc;
	e->stop = e->fn(e->ctx, j);
	json_decref(j);
	return e->stop != 0 ? 1 : 0;
}

int fs_response_each(fs_store *s, const char *questionnaire, const char *region,
		     fs_response_fn fn, void *ctx, fs_err *err)
{
	fs_response_filter f = {questionnaire, NULL, region, NULL, 0, 0};
	each_ctx e = {fn, ctx, 0};
	int rc = s->ops->response_each(s->b, &f, each_visit, &e, err);

	if (rc == FS_ENOMEM)
		return fs_err_set(err, FS_ENOMEM, "read responses: out of memory");
	if (rc != 0)
		return rc;
	return e.stop;
}

int fs_response_delete(fs_store *s, const char *id, fs_err *err)
{
	fs_response_row row;
	int changed = 0, rc;

	rc = need_identity(s, err);
	if (rc != 0)
		return rc;
	rc = fs_txn_begin(s, err);
	if (rc != 0)
		return rc;
	rc = s->ops->response_get(s->b, id, &row, err);
	if (rc == FS_ENOTFOUND)
		rc = fs_err_set(err, rc, "response %s not found", id);
	if (rc == 0 && !row.deleted)
		rc = s->ops->response_erase(s->b, id, fs_txn_tick(s), s->site, fs_txn_next_seq(s),
					    &changed, err);
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

/* Write one field as a local edit (rows.h). */
int fs_rows_local_field_put(fs_store *s, const char *id, const char *field, const json_t *value,
			    fs_hlc hlc, int same_too, fs_err *err)
{
	fs_field_copy cur;
	fs_field_row row;
	char *text = json_dumps(value, CANON_FLAGS);
	const char *prev_site = NULL;
	fs_hlc prev_hlc = 0;
	int rc;

	if (text == NULL)
		return fs_err_set(err, FS_ENOMEM, "out of memory");
	rc = fs_rows_field_get(s, &cur, id, field, err);
	if (rc == 0 && cur.found && strcmp(cur.value, text) == 0 && !same_too) {
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
		rc = s->ops->field_version_add(
			s->b, id, fs_rows_field_version_key(id, field, cur.value, cur.hlc, cur.site),
			err);
	if (rc == 0) {
		memset(&row, 0, sizeof(row));
		row.contact_id = id;
		row.field = field;
		row.value = text;
		row.hlc = hlc;
		row.site = s->site;
		row.prev_hlc = prev_hlc;
		row.prev_site = prev_site != NULL && prev_site[0] != '\0' ? prev_site : NULL;
		row.seq = fs_txn_next_seq(s);
		rc = s->ops->field_put(s->b, &row, err);
	}
cleanup:
	fs_rows_field_clear(&cur);
	free(text);
	return rc;
}

/* The deployment's person_ref rule (person_ref.h), for a value this write
 * sets: a new contact's, or one that differs from what the contact holds
 * (rewriting the held value, as the kiosk form does on every save, keeps
 * an older contact editable under a newer rule). */
static int check_person_ref(fs_store *s, const char *id, int creating, const json_t *value,
			    fs_err *err)
{
	fs_field_copy cur;
	char *text;
	int rc, same = 0;

	if (!s->has_person_ref_rule)
		return 0;
	if (!creating) {
		text = json_dumps(value, CANON_FLAGS);
		if (text == NULL)
			return fs_err_set(err, FS_ENOMEM, "out of memory");
		rc = fs_rows_field_get(s, &cur, id, "person_ref", err);
		same = rc == 0 && cur.found && strcmp(cur.value, text) == 0;
		fs_rows_field_clear(&cur);
		free(text);
		if (rc != 0)
			return rc;
	}
	if (same)
		return 0;
	return fs_person_ref_check(&s->person_ref_rule, json_string_value(value),
				   json_string_length(value), err);
}

/* Closing a contact a kiosk made from a person's request to be contacted
 * (worker FS_CONTACT_REQUEST_WORKER) deletes it: nothing of the request is
 * kept once it is done (docs/reciprocity.md). *yes 1 when fields close
 * such a contact id. */
static int closes_request(fs_store *s, const char *id, const json_t *fields, int *yes,
			  fs_err *err)
{
	const char *st = json_string_value(json_object_get(fields, "status"));
	fs_field_copy w = {0};
	int rc;

	*yes = 0;
	if (st == NULL || strcmp(st, "closed") != 0)
		return 0;
	rc = fs_rows_field_get(s, &w, id, "worker", err);
	*yes = rc == 0 && w.found && strcmp(w.value, "\"" FS_CONTACT_REQUEST_WORKER "\"") == 0;
	fs_rows_field_clear(&w);
	return rc;
}

int fs_contact_put(fs_store *s, char out_id[FS_UUID_LEN + 1], const char *id, const char *region,
		   const json_t *fields, fs_err *err)
{
	char have_region[FS_NAME_MAX + 1], idbuf[FS_UUID_LEN + 1];
	const char *key;
	json_t *value, *defaults = NULL;
	int rc, creating = id == NULL, erase = 0;
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
			rc = fs_rows_contact_ensure(s, out_id, region, err);
	} else {
		snprintf(out_id, FS_UUID_LEN + 1, "%s", id);
		rc = s->ops->contact_region(s->b, id, have_region, err);
		if (rc == FS_ENOTFOUND)
			rc = fs_err_set(err, rc, "contact %s not found", id);
		if (rc == 0)
			rc = closes_request(s, id, fields, &erase, err);
	}
	if (creating)
		json_object_foreach(defaults, key, value) {
			if (rc == 0 && json_object_get(fields, key) == NULL)
				rc = fs_rows_local_field_put(s, out_id, key, value, hlc, 0, err);
		}
	json_object_foreach((json_t *)fields, key, value) {
		if (rc == 0 && strcmp(key, "person_ref") == 0)
			rc = check_person_ref(s, out_id, creating, value, err);
		if (rc == 0)
			rc = fs_rows_local_field_put(s, out_id, key, value, hlc, 0, err);
	}
	if (rc == 0 && erase)
		rc = fs_rows_local_field_put(s, out_id, "deleted", json_true(), hlc, 0, err);
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

/* Rows (id, region, field) ordered by id become contact objects, each
 * appended to arr, or handed to fn when there is one. */
typedef struct contacts_ctx {
	json_t *arr, *cur;
	int include_deleted;
	fs_contact_visit_fn fn;
	void *fn_ctx;
	uint64_t status_ms; /* of cur */
	int fn_rc;          /* fn's non-zero code: the backend reads a positive one
	                     * as "stop" and returns 0 */
} contacts_ctx;

static int contact_done(contacts_ctx *c)
{
	int rc = 0;

	if (c->cur != NULL &&
	    (c->include_deleted || !json_is_true(json_object_get(c->cur, "deleted")))) {
		if (c->fn != NULL)
			rc = c->fn_rc = c->fn(c->fn_ctx, c->cur, c->status_ms);
		else
			rc = json_array_append(c->arr, c->cur) != 0 ? FS_ENOMEM : 0;
	}
	json_decref(c->cur);
	c->cur = NULL;
	c->status_ms = 0;
	return rc;
}

static int contact_visit(void *ctx, const char *id, const char *region, const fs_field_row *f)
{
	contacts_ctx *c = ctx;
	json_t *v;

	if (c->cur == NULL || strcmp(json_string_value(json_object_get(c->cur, "id")), id) != 0) {
		int rc = contact_done(c);

		if (rc != 0)
			return rc;
		c->cur = json_pack("{s:s, s:s}", "id", id, "region", region ? region : "");
		if (c->cur == NULL)
			return FS_ENOMEM;
	}
	if (f == NULL)
		return 0;
	if (strcmp(f->field, "status") == 0)
		c->status_ms = fs_hlc_ms(f->hlc);
	v = json_loads(f->value ? f->value : "null", JSON_DECODE_ANY, NULL);
	if (v == NULL || json_object_set_new(c->cur, f->field, v) != 0)
		return FS_ENOMEM;
	return 0;
}

static int query_contacts(fs_store *s, json_t **out, const char *id, const char *region,
			  int include_deleted, fs_err *err)
{
	contacts_ctx c = {json_array(), NULL, include_deleted, NULL, NULL, 0, 0};
	int rc;

	*out = NULL;
	if (c.arr == NULL)
		return fs_err_set(err, FS_ENOMEM, "out of memory");
	rc = s->ops->contact_each(s->b, id, region, contact_visit, &c, err);
	if (rc == 0)
		rc = contact_done(&c);
	json_decref(c.cur);
	if (rc == FS_ENOMEM)
		rc = fs_err_set(err, FS_ENOMEM, "out of memory");
	if (rc != 0) {
		json_decref(c.arr);
		return rc;
	}
	*out = c.arr;
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

int fs_contact_each(fs_store *s, const char *region, fs_contact_visit_fn fn, void *ctx,
		    fs_err *err)
{
	contacts_ctx c = {NULL, NULL, 0, fn, ctx, 0, 0};
	int rc = s->ops->contact_each(s->b, NULL, region, contact_visit, &c, err);

	/* The last contact is handed over once the rows end. */
	if (rc == 0 && c.fn_rc == 0)
		rc = contact_done(&c);
	json_decref(c.cur);
	if (c.fn_rc != 0)
		return c.fn_rc;
	if (rc == FS_ENOMEM)
		rc = fs_err_set(err, FS_ENOMEM, "out of memory");
	return rc;
}

fs_follow_up fs_contact_follow_up(const json_t *contact, const char *today)
{
	const char *date = json_string_value(json_object_get(contact, "follow_up_date"));
	const char *status = json_string_value(json_object_get(contact, "status"));
	int cmp;

	if (date == NULL || today == NULL || (status != NULL && strcmp(status, "closed") == 0) ||
	    json_is_true(json_object_get(contact, "follow_up_done")))
		return FS_FOLLOW_UP_NONE;
	cmp = strcmp(date, today);
	return cmp < 0 ? FS_FOLLOW_UP_OVERDUE : cmp == 0 ? FS_FOLLOW_UP_TODAY : FS_FOLLOW_UP_LATER;
}

const char *fs_follow_up_name(fs_follow_up f)
{
	switch (f) {
	case FS_FOLLOW_UP_OVERDUE:
		return "overdue";
	case FS_FOLLOW_UP_TODAY:
		return "due_today";
	case FS_FOLLOW_UP_LATER:
		return "later";
	default:
		return "none";
	}
}

static int conflict_visit(void *ctx, const fs_conflict_row *r)
{
	json_t *item = fs_rows_conflict_item(r);

	if (item == NULL || json_array_append_new(ctx, item) != 0)
		return FS_ENOMEM;
	return 0;
}

int fs_conflict_list(fs_store *s, json_t **out, long limit, fs_err *err)
{
	json_t *arr = json_array();
	int rc;

	*out = NULL;
	if (arr == NULL)
		return fs_err_set(err, FS_ENOMEM, "out of memory");
	rc = s->ops->conflict_each(s->b, limit, conflict_visit, arr, err);
	if (rc == FS_ENOMEM)
		rc = fs_err_set(err, FS_ENOMEM, "read conflicts: out of memory");
	if (rc != 0) {
		json_decref(arr);
		return rc;
	}
	*out = arr;
	return 0;
}
