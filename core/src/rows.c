#include "rows.h"

#include <sodium.h>
#include <stdlib.h>
#include <string.h>

static const char *opt_text(const json_t *obj, const char *key)
{
	return json_string_value(json_object_get(obj, key)); /* NULL unless a string */
}

int fs_rows_response_from_body(fs_response_row *row, const json_t *body, char **answers,
                               fs_err *err)
{
	*answers = json_dumps(json_object_get(body, "answers"), FS_CANON_FLAGS);
	if (*answers == NULL)
		return fs_err_set(err, FS_ENOMEM, "store: out of memory");
	row->questionnaire = opt_text(body, "questionnaire");
	row->version = json_integer_value(json_object_get(body, "version"));
	row->started_at = opt_text(body, "started_at");
	row->submitted_at = opt_text(body, "submitted_at");
	row->language = opt_text(body, "language");
	row->mode = opt_text(body, "mode");
	row->worker = opt_text(body, "worker");
	row->receipt = opt_text(body, "receipt");
	row->answers = *answers;
	return 0;
}

json_t *fs_rows_conflict_side(const char *value_text, fs_hlc hlc, const char *site)
{
	char h[FS_HLC_TEXT_LEN + 1];
	json_t *v = value_text ? json_loads(value_text, JSON_DECODE_ANY, NULL) : json_null();

	fs_hlc_format(h, hlc);
	if (v == NULL)
		return NULL;
	return json_pack("{s:o, s:s, s:s}", "value", v, "hlc", h, "site", site ? site : "");
}

json_t *fs_rows_conflict_item(const fs_conflict_row *r)
{
	return json_pack(
	    "{s:s, s:s, s:s, s:s, s:s, s:o, s:o, s:s}", "id", r->id, "table",
	    r->record_table ? r->record_table : "", "record", r->record_id ? r->record_id : "",
	    "region", r->region ? r->region : "", "field", r->field ? r->field : "", "winner",
	    fs_rows_conflict_side(r->winner_value, r->winner_hlc, r->winner_site), "loser",
	    fs_rows_conflict_side(r->loser_value, r->loser_hlc, r->loser_site), "detected_by",
	    r->site ? r->site : "");
}

json_t *fs_rows_conflict_body(const fs_conflict_row *r)
{
	return json_pack(
	    "{s:s, s:s, s:s, s:o, s:o}", "table", r->record_table ? r->record_table : "", "record",
	    r->record_id ? r->record_id : "", "field", r->field ? r->field : "", "winner",
	    fs_rows_conflict_side(r->winner_value, r->winner_hlc, r->winner_site), "loser",
	    fs_rows_conflict_side(r->loser_value, r->loser_hlc, r->loser_site));
}

static json_t *text_or_null(const char *text)
{
	return text != NULL ? json_string(text) : json_null();
}

json_t *fs_rows_erasure_body(const fs_erasure_row *e)
{
	return json_pack("{s:s, s:o, s:o, s:s, s:s}", "table",
	                 e->record_table ? e->record_table : "", "region", text_or_null(e->region),
	                 "holder", text_or_null(e->holder), "request", e->request ? e->request : "",
	                 "kind", e->kind ? e->kind : "");
}

json_t *fs_rows_resolution_body(const fs_resolution_row *r)
{
	json_t *v = r->value ? json_loads(r->value, JSON_DECODE_ANY, NULL) : NULL;

	if (v == NULL)
		return NULL;
	return json_pack("{s:s, s:o}", "chosen", r->chosen ? r->chosen : "", "value", v);
}

/* One side's value text (canonical), hlc and site. */
static int side_columns(const json_t *side, char **value, fs_hlc *hlc, const char **site)
{
	*hlc = 0;
	fs_hlc_parse(hlc, json_string_value(json_object_get(side, "hlc")), NULL);
	*site = json_string_value(json_object_get(side, "site"));
	*value = json_dumps(json_object_get(side, "value"), FS_CANON_FLAGS);
	return *value != NULL ? 0 : FS_ENOMEM;
}

int fs_rows_conflict_from_body(fs_conflict_row *row, const json_t *body, char **winner,
                               char **loser, fs_err *err)
{
	*winner = NULL;
	*loser = NULL;
	row->record_table = opt_text(body, "table");
	row->record_id = opt_text(body, "record");
	row->field = opt_text(body, "field");
	if (side_columns(json_object_get(body, "winner"), winner, &row->winner_hlc,
	                 &row->winner_site) != 0 ||
	    side_columns(json_object_get(body, "loser"), loser, &row->loser_hlc,
	                 &row->loser_site) != 0) {
		free(*winner);
		free(*loser);
		*winner = *loser = NULL;
		return fs_err_set(err, FS_ENOMEM, "store: out of memory");
	}
	row->winner_value = *winner;
	row->loser_value = *loser;
	return 0;
}

int fs_rows_field_get(fs_store *s, fs_field_copy *out, const char *contact_id, const char *field,
                      fs_err *err)
{
	fs_field_row r;
	int rc;

	memset(out, 0, sizeof(*out));
	rc = s->ops->field_get(s->b, contact_id, field, &r, err);
	if (rc == FS_ENOTFOUND)
		return 0;
	if (rc != 0)
		return rc;
	out->value = strdup(r.value ? r.value : "null");
	if (out->value == NULL)
		return fs_err_set(err, FS_ENOMEM, "store: out of memory");
	out->found = 1;
	out->hlc = r.hlc;
	snprintf(out->site, sizeof(out->site), "%s", r.site ? r.site : "");
	if (r.prev_site != NULL) {
		out->prev_hlc = r.prev_hlc;
		snprintf(out->prev_site, sizeof(out->prev_site), "%s", r.prev_site);
	}
	return 0;
}

void fs_rows_field_clear(fs_field_copy *f)
{
	free(f->value);
	memset(f, 0, sizeof(*f));
}

int64_t fs_rows_field_version_key(const char *contact_id, const char *field, const char *value,
                                  fs_hlc hlc, const char *site)
{
	crypto_generichash_state st;
	unsigned char out[16], h[8];
	int64_t k = 0;
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
	memcpy(&k, out, sizeof(k)); /* as stores written before keep them */
	return k;
}

int fs_rows_contact_ensure(fs_store *s, const char *id, const char *region, fs_err *err)
{
	char have[FS_NAME_MAX + 1];
	fs_err inner = {0, ""};
	int rc;

	/* Usually the contact exists: one read. Insert only when absent (a
	 * row that appeared meanwhile is read again). */
	rc = s->ops->contact_region(s->b, id, have, err);
	if (rc == FS_ENOTFOUND) {
		rc = s->ops->contact_insert(s->b, id, region, &inner);
		if (rc == 0)
			return 0;
		if (rc != FS_ECONFLICT)
			return fs_err_set(err, rc, "%s", inner.msg);
		rc = s->ops->contact_region(s->b, id, have, err);
	}
	if (rc != 0)
		return rc;
	if (strcmp(have, region) != 0)
		return fs_err_set(err, FS_ECONFLICT, "contact %s belongs to region %s, not %s", id,
		                  have, region);
	return 0;
}

int fs_rows_quarantine(fs_store *s, const char *from_site, const char *table, const char *id,
                       const char *reason, const char *change, fs_err *err)
{
	fs_quarantine_row q = {fs_txn_tick(s), from_site, table, id, reason, change};

	return s->ops->quarantine_insert(s->b, &q, err);
}

int fs_rows_response_have(fs_store *s, const char *id, json_t **body, int *deleted, fs_hlc *hlc,
                          char site[FS_NAME_MAX + 1], fs_err *err)
{
	fs_response_row r;
	int rc = s->ops->response_get(s->b, id, &r, err);

	*body = NULL;
	if (rc != 0)
		return rc;
	*deleted = r.deleted;
	*hlc = r.hlc;
	snprintf(site, FS_NAME_MAX + 1, "%s", r.site ? r.site : "");
	return r.deleted ? 0 : fs_response_row_body(body, &r, err);
}

int fs_rows_response_put(fs_store *s, int replace, int *inserted, const char *id,
                         const json_t *body, fs_hlc hlc, const char *site, int64_t seq, fs_err *err)
{
	fs_response_row r;
	char *answers = NULL;
	int rc = 0, dummy = 0;

	memset(&r, 0, sizeof(r));
	if (body != NULL)
		rc = fs_rows_response_from_body(&r, body, &answers, err);
	if (rc != 0)
		return rc;
	r.id = id;
	r.deleted = body == NULL;
	r.hlc = hlc;
	r.site = site;
	r.seq = seq;
	if (replace)
		rc = s->ops->response_replace(s->b, &r, err);
	else
		rc = s->ops->response_insert(s->b, &r, inserted ? inserted : &dummy, err);
	free(answers);
	return rc;
}

static int claim_collect(void *ctx, const char *site, fs_hlc hlc)
{
	return json_array_append_new(ctx, json_pack("[s, I]", site, (json_int_t)hlc)) != 0
	           ? FS_ENOMEM
	           : 0;
}

int fs_rows_response_claims(fs_store *s, json_t **out, const char *id, fs_err *err)
{
	json_t *arr = json_array();
	int rc;

	*out = NULL;
	if (arr == NULL)
		return fs_err_set(err, FS_ENOMEM, "store: out of memory");
	rc = s->ops->claims(s->b, id, claim_collect, arr, err);
	if (rc == FS_ENOMEM)
		rc = fs_err_set(err, FS_ENOMEM, "store: read tombstone claims: out of memory");
	if (rc != 0) {
		json_decref(arr);
		return rc;
	}
	*out = arr;
	return 0;
}
