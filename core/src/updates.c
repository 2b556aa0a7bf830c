/* "You said, we did" updates (updates.h): the column rules, the hub's
 * writes and the reads a console and a kiosk list by. Storage through the
 * backend (backend.h); the merge of rows from the hub is merge.c's
 * (merge_record, tables.h). */
#include "fieldsync/updates.h"

#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fieldsync/backend.h"
#include "fieldsync/questionnaire.h"
#include "fieldsync/records.h"
#include "fieldsync/tables.h"
#include "fieldsync/uuid.h"
#include "questionnaire_internal.h"
#include "store_internal.h"

#define UPDATES fs_table_desc_of(FS_TABLE_UPDATES)
#define B64     sodium_base64_VARIANT_ORIGINAL

/* ---- column rules ---- */

/* s has no control character, but for line breaks when lines. */
static int plain_text(const char *s, int lines)
{
	for (; *s != '\0'; s++)
		if ((unsigned char)*s < 0x20 && !(lines && *s == '\n'))
			return 0;
		else if (*s == 0x7f)
			return 0;
	return 1;
}

/* A texts object as text (updates.h), each value 1..max_chars characters;
 * a new reference, or NULL when it breaks the rules. "{}" is an empty
 * object (a removed row's). */
static json_t *texts_parse(const char *text, size_t max_bytes, size_t max_chars, int lines)
{
	json_t *o;
	const char *tag, *key2;
	json_t *v, *v2;
	size_t n = text ? strlen(text) : 0;
	int ok = 1;

	if (text == NULL || n > max_bytes)
		return NULL;
	o = json_loadb(text, n, JSON_REJECT_DUPLICATES, NULL);
	if (!json_is_object(o) || json_object_size(o) > FS_UPDATE_LANGUAGES_MAX) {
		json_decref(o);
		return NULL;
	}
	json_object_foreach(o, tag, v)
	{
		const char *s = json_string_value(v);
		size_t len = json_string_length(v);

		if (!fs_language_tag_is_valid(tag, strlen(tag)) || s == NULL || len == 0 ||
		    strlen(s) != len || fs_qn_utf8_count(s, len) > max_chars || !plain_text(s, lines))
			ok = 0;
		json_object_foreach(o, key2, v2)
		{
			if (key2 == tag)
				break;
			if (fs_qn_same_tag(key2, tag))
				ok = 0;
		}
		if (!ok)
			break;
	}
	(void)v2;
	if (!ok) {
		json_decref(o);
		return NULL;
	}
	return o;
}

static int texts_valid(const char *text, size_t max_bytes, size_t max_chars, int lines)
{
	json_t *o = texts_parse(text, max_bytes, max_chars, lines);

	json_decref(o);
	return o != NULL;
}

int fs_update_title_is_valid(const char *json_text)
{
	return texts_valid(json_text, FS_UPDATE_TITLE_BYTES, FS_UPDATE_TITLE_CHARS, 0);
}

int fs_update_text_is_valid(const char *json_text)
{
	return texts_valid(json_text, FS_UPDATE_TEXT_BYTES, FS_UPDATE_TEXT_CHARS, 1);
}

/* Decode standard padded base64 of at most max bytes into out. */
static int b64_decode(const char *b64, size_t max, fs_buf *out)
{
	size_t n = strlen(b64), got = 0;
	const char *end = NULL;
	unsigned char *bin;
	int rc;

	if (n == 0 || n / 4 * 3 > max + 2)
		return FS_ETOOBIG;
	bin = malloc(n / 4 * 3 + 3);
	if (bin == NULL)
		return FS_ENOMEM;
	rc = sodium_base642bin(bin, n / 4 * 3 + 3, b64, n, NULL, &got, &end, B64) != 0 ||
	             end != b64 + n || got > max
	         ? FS_EINVAL
	         : fs_buf_append(out, bin, got);
	free(bin);
	return rc;
}

int fs_update_image_is_valid(const char *b64)
{
	fs_buf bin;
	int ok;

	if (b64[0] == '\0')
		return 1;
	fs_buf_init(&bin, FS_IMAGE_MAX);
	ok = b64_decode(b64, FS_IMAGE_MAX, &bin) == 0 &&
	     fs_image_is_clean((const unsigned char *)bin.data, bin.len, NULL);
	fs_buf_free(&bin);
	return ok;
}

/* The text has exactly the title's languages, the title at least one. */
static int texts_match(const char *title, const char *text)
{
	json_t *a = json_loads(title, 0, NULL), *b = json_loads(text, 0, NULL), *v;
	const char *tag;
	int ok = json_object_size(a) > 0 && json_object_size(a) == json_object_size(b);

	json_object_foreach(a, tag, v)
	{
		if (json_object_get(b, tag) == NULL)
			ok = 0;
	}
	json_decref(a);
	json_decref(b);
	return ok;
}

int fs_update_row_check(const struct fs_record_row *r)
{
	const char *title = r->col[FS_UPDATE_TITLE].text, *text = r->col[FS_UPDATE_TEXT].text;

	if (r->col[FS_UPDATE_REMOVED].num) {
		if (strcmp(title, "{}") != 0)
			return FS_UPDATE_TITLE;
		if (strcmp(text, "{}") != 0)
			return FS_UPDATE_TEXT;
		if (r->col[FS_UPDATE_IMAGE].text[0] != '\0')
			return FS_UPDATE_IMAGE;
		if (r->col[FS_UPDATE_QUESTIONNAIRE].text[0] != '\0')
			return FS_UPDATE_QUESTIONNAIRE;
		return -1;
	}
	if (strcmp(title, "{}") == 0)
		return FS_UPDATE_TITLE;
	if (!texts_match(title, text))
		return FS_UPDATE_TEXT;
	if (strcmp(r->col[FS_UPDATE_STARTS].text, r->col[FS_UPDATE_ENDS].text) > 0)
		return FS_UPDATE_ENDS;
	return -1;
}

/* ---- the hub's writes ---- */

/* A row as read, copied (a backend lends its strings only until the next
 * operation). */
typedef struct update_row {
	char *col[FS_UPDATE_REMOVED];
	int removed;
	fs_hlc hlc;
} update_row;

static void row_free(update_row *u)
{
	int i;

	for (i = 0; i < FS_UPDATE_REMOVED; i++)
		free(u->col[i]);
	memset(u, 0, sizeof(*u));
}

static int copy_row(void *ctx, const fs_record_row *r)
{
	update_row *out = ctx;
	int i;

	if (out->col[0] != NULL) /* a second target: the hub never writes one */
		return 0;
	for (i = 0; i < FS_UPDATE_REMOVED; i++)
		if ((out->col[i] = strdup(r->col[i].text ? r->col[i].text : "")) == NULL)
			return FS_ENOMEM;
	out->removed = (int)r->col[FS_UPDATE_REMOVED].num;
	out->hlc = r->hlc;
	return 0;
}

/* The row of id (the key is (id, target); one target per id). */
static int row_get(fs_store *s, const char *id, update_row *out, fs_err *err)
{
	int rc;

	memset(out, 0, sizeof(*out));
	rc = s->ops->record_each(s->b, UPDATES, id, copy_row, out, err);
	if (rc == FS_ENOMEM)
		rc = fs_err_set(err, FS_ENOMEM, "updates: out of memory");
	if (rc == 0 && out->col[FS_UPDATE_REMOVED - 1] == NULL)
		rc = FS_ENOTFOUND;
	if (rc != 0)
		row_free(out);
	return rc;
}

static int hub_only(fs_store *s, fs_err *err)
{
	if (s->region[0] != '\0')
		return fs_err_set(err, FS_EINVAL, "updates are published at the hub, not on a kiosk");
	if (s->site[0] == '\0')
		return fs_err_set(err, FS_EINVAL, "store has no site identity yet");
	return 0;
}

/* Write row (its columns set) with a new stamp; one transaction open. */
static int write_row(fs_store *s, fs_record_row *row, fs_err *err)
{
	int changed = 0, rc;

	row->hlc = fs_txn_tick(s);
	row->site = s->site;
	row->seq = fs_txn_next_seq(s);
	rc = s->ops->record_put(s->b, UPDATES, row, &changed, err);
	if (rc == 0 && !changed)
		rc = fs_err_set(err, FS_ECONFLICT, "update %s: a later write is stored; try again",
		                row->col[FS_UPDATE_ID].text);
	return rc;
}

static const char *const put_keys[] = {"id",     "target", "questionnaire", "title", "text",
                                       "starts", "ends",   "image",         NULL};

/* The texts of key as compact JSON text (a new string), or NULL after
 * setting err. */
static char *texts_of(const json_t *u, const char *key, size_t max_bytes, size_t max_chars,
                      int lines, fs_err *err)
{
	const json_t *v = json_object_get(u, key);
	char *text = json_is_object(v) ? json_dumps(v, JSON_COMPACT) : NULL;
	json_t *back = texts_parse(text, max_bytes, max_chars, lines);

	if (back == NULL || json_object_size(back) == 0) {
		fs_err_set(err, FS_EINVAL,
		           "%s: must be an object from language tag (%s) to a non-empty text of at "
		           "most %zu characters%s, at most %d languages and %zu bytes as JSON",
		           key, FS_LANGUAGE_TAG_PATTERN, max_chars, lines ? "" : " on one line",
		           FS_UPDATE_LANGUAGES_MAX, max_bytes);
		free(text);
		text = NULL;
	}
	json_decref(back);
	return text;
}

static const char *text_key(const json_t *u, const char *key)
{
	const json_t *v = json_object_get(u, key);

	return json_is_string(v) && strlen(json_string_value(v)) == json_string_length(v)
	           ? json_string_value(v)
	           : NULL;
}

/* The image of u: "" (none), the stored one (keep: true on an edit), or
 * the cleaned copy of the given bytes; a new string in *out. */
static int image_of(const json_t *u, const update_row *have, char **out, fs_err *err)
{
	const json_t *v = json_object_get(u, "image");
	fs_buf raw, clean;
	size_t len;
	int rc;

	*out = NULL;
	if (v == NULL || json_is_null(v) || (json_is_string(v) && json_string_length(v) == 0))
		return (*out = strdup("")) ? 0 : fs_err_set(err, FS_ENOMEM, "out of memory");
	if (json_is_true(v)) {
		if (have == NULL)
			return fs_err_set(err, FS_EINVAL, "image: true (keep) is only for an edit");
		return (*out = strdup(have->col[FS_UPDATE_IMAGE])) ? 0
		                                                   : fs_err_set(err, FS_ENOMEM,
		                                                                "out of memory");
	}
	if (text_key(u, "image") == NULL)
		return fs_err_set(err, FS_EINVAL,
		                  "image: must be the image file as base64, true (keep) or null");
	fs_buf_init(&raw, FS_IMAGE_INPUT_MAX);
	fs_buf_init(&clean, FS_IMAGE_MAX);
	rc = b64_decode(json_string_value(v), FS_IMAGE_INPUT_MAX, &raw);
	if (rc == FS_ETOOBIG)
		fs_err_set(err, rc, "image: over the cap of %u bytes", FS_IMAGE_INPUT_MAX);
	else if (rc != 0)
		fs_err_set(err, rc, "image: must be standard base64");
	if (rc == 0)
		rc = fs_image_clean((const unsigned char *)raw.data, raw.len, &clean, NULL, err);
	if (rc == 0) {
		len = sodium_base64_encoded_len(clean.len, B64);
		if ((*out = malloc(len)) == NULL)
			rc = fs_err_set(err, FS_ENOMEM, "out of memory");
		else
			sodium_bin2base64(*out, len, (const unsigned char *)clean.data, clean.len, B64);
	}
	fs_buf_free(&raw);
	fs_buf_free(&clean);
	return rc;
}

int fs_update_put(fs_store *s, const json_t *u, int create, char *id_out, int *changed,
                  fs_err *err)
{
	const char *key, *id, *target, *qid, *starts, *ends;
	char new_id[FS_UUID_LEN + 1], *title = NULL, *text = NULL, *image = NULL;
	update_row have = {{NULL}, 0, 0};
	fs_record_row row;
	json_t *v, *doc = NULL;
	int rc, i, k, same = 0;

	if (changed != NULL)
		*changed = 0;
	rc = hub_only(s, err);
	if (rc != 0)
		return rc;
	if (!json_is_object(u))
		return fs_err_set(err, FS_EINVAL, "an update must be a JSON object");
	json_object_foreach((json_t *)u, key, v)
	{
		for (k = 0; put_keys[k] != NULL && strcmp(put_keys[k], key) != 0; k++)
			;
		if (put_keys[k] == NULL)
			return fs_err_set(err, FS_EINVAL, "unknown key \"%.40s\"", key);
	}
	id = text_key(u, "id");
	if (json_object_get(u, "id") != NULL && (id == NULL || !fs_name_is_valid(id)))
		return fs_err_set(err, FS_EINVAL, "id: must match [a-z0-9][a-z0-9-]{0,63}");
	if (!create && id == NULL)
		return fs_err_set(err, FS_EINVAL, "id: required to edit an update");
	target = text_key(u, "target");
	if (target == NULL || !(strcmp(target, FS_UPDATE_EVERYWHERE) == 0 || fs_name_is_valid(target)))
		return fs_err_set(err, FS_EINVAL,
		                  "target: must be \"*\" (every region) or a region name "
		                  "[a-z0-9][a-z0-9-]{0,63}");
	qid = json_is_null(json_object_get(u, "questionnaire")) ? "" : text_key(u, "questionnaire");
	if (qid == NULL)
		qid = json_object_get(u, "questionnaire") == NULL ? "" : "!";
	if (qid[0] != '\0' && !fs_name_is_valid(qid))
		return fs_err_set(err, FS_EINVAL,
		                  "questionnaire: must be a questionnaire id or null");
	starts = text_key(u, "starts");
	ends = text_key(u, "ends");
	if (starts == NULL || !fs_date_is_valid(starts))
		return fs_err_set(err, FS_EINVAL, "starts: must be a date YYYY-MM-DD");
	if (ends == NULL || !fs_date_is_valid(ends) || strcmp(starts, ends) > 0)
		return fs_err_set(err, FS_EINVAL, "ends: must be a date YYYY-MM-DD, not before starts");
	if (qid[0] != '\0') {
		rc = fs_questionnaire_get(s, &doc, qid, 0, err);
		json_decref(doc);
		if (rc != 0)
			return rc;
	}
	title = texts_of(u, "title", FS_UPDATE_TITLE_BYTES, FS_UPDATE_TITLE_CHARS, 0, err);
	text = title ? texts_of(u, "text", FS_UPDATE_TEXT_BYTES, FS_UPDATE_TEXT_CHARS, 1, err) : NULL;
	rc = text == NULL ? FS_EINVAL : 0;
	if (rc == 0 && !texts_match(title, text))
		rc = fs_err_set(err, FS_EINVAL, "text: must have exactly the title's languages");
	if (rc == 0)
		rc = fs_txn_begin(s, err);
	if (rc != 0)
		goto out;
	if (id == NULL) {
		rc = fs_uuid_v7(new_id, fs_store_now_ms(s), err);
		id = new_id;
	}
	if (rc == 0) {
		rc = row_get(s, id, &have, err);
		if (rc == FS_ENOTFOUND) {
			if (err != NULL)
				memset(err, 0, sizeof(*err));
			rc = create ? 0
			            : fs_err_set(err, FS_ENOTFOUND, "no update \"%s\" is published", id);
		} else if (rc == 0 && create) {
			rc = fs_err_set(err, FS_ECONFLICT, "update \"%s\" exists%s; choose another id",
			                id, have.removed ? " (removed)" : "");
		} else if (rc == 0 && have.removed) {
			rc = fs_err_set(err, FS_ENOTFOUND, "update \"%s\" was removed", id);
		} else if (rc == 0 && strcmp(have.col[FS_UPDATE_TARGET], target) != 0) {
			rc = fs_err_set(err, FS_ECONFLICT,
			                "target: an update's region cannot change (%s); remove it and "
			                "publish a new one",
			                have.col[FS_UPDATE_TARGET]);
		}
	}
	if (rc == 0)
		rc = image_of(u, create ? NULL : &have, &image, err);
	if (rc == 0) {
		memset(&row, 0, sizeof(row));
		row.col[FS_UPDATE_ID].text = id;
		row.col[FS_UPDATE_TARGET].text = target;
		row.col[FS_UPDATE_QUESTIONNAIRE].text = qid;
		row.col[FS_UPDATE_TITLE].text = title;
		row.col[FS_UPDATE_TEXT].text = text;
		row.col[FS_UPDATE_STARTS].text = starts;
		row.col[FS_UPDATE_ENDS].text = ends;
		row.col[FS_UPDATE_IMAGE].text = image;
		same = !create;
		for (i = 0; same && i < FS_UPDATE_REMOVED; i++)
			same = strcmp(have.col[i], row.col[i].text) == 0;
		if (!same)
			rc = write_row(s, &row, err);
	}
	if (rc == 0 && !same)
		rc = fs_txn_commit(s, err);
	else
		fs_txn_rollback(s);
	if (rc == 0) {
		if (id_out != NULL)
			snprintf(id_out, FS_ID_MAX + 1, "%s", id);
		if (changed != NULL)
			*changed = !same;
	}
out:
	row_free(&have);
	free(title);
	free(text);
	free(image);
	return rc;
}

int fs_update_remove(fs_store *s, const char *id, fs_err *err)
{
	update_row have;
	fs_record_row row;
	int rc = hub_only(s, err);

	if (rc != 0)
		return rc;
	if (id == NULL || !fs_name_is_valid(id))
		return fs_err_set(err, FS_EINVAL, "id: must match [a-z0-9][a-z0-9-]{0,63}");
	rc = fs_txn_begin(s, err);
	if (rc != 0)
		return rc;
	rc = row_get(s, id, &have, err);
	if (rc == FS_ENOTFOUND || (rc == 0 && have.removed)) {
		if (err != NULL)
			memset(err, 0, sizeof(*err));
		rc = fs_err_set(err, FS_ENOTFOUND, "no update \"%s\" is published", id);
	}
	if (rc == 0) {
		memset(&row, 0, sizeof(row));
		row.col[FS_UPDATE_ID].text = id;
		row.col[FS_UPDATE_TARGET].text = have.col[FS_UPDATE_TARGET];
		row.col[FS_UPDATE_QUESTIONNAIRE].text = "";
		row.col[FS_UPDATE_TITLE].text = "{}";
		row.col[FS_UPDATE_TEXT].text = "{}";
		row.col[FS_UPDATE_STARTS].text = have.col[FS_UPDATE_STARTS];
		row.col[FS_UPDATE_ENDS].text = have.col[FS_UPDATE_ENDS];
		row.col[FS_UPDATE_IMAGE].text = "";
		row.col[FS_UPDATE_REMOVED].num = 1;
		rc = write_row(s, &row, err);
	}
	if (rc == 0)
		rc = fs_txn_commit(s, err);
	else
		fs_txn_rollback(s);
	row_free(&have);
	return rc;
}

/* ---- reads ---- */

typedef struct list_ctx {
	const fs_update_filter *f;
	json_t *out;
} list_ctx;

static json_t *image_info(const char *b64)
{
	fs_buf bin;
	fs_image_info info;
	json_t *v = json_null();

	if (b64[0] == '\0')
		return v;
	fs_buf_init(&bin, FS_IMAGE_MAX);
	if (b64_decode(b64, FS_IMAGE_MAX, &bin) == 0 &&
	    fs_image_is_clean((const unsigned char *)bin.data, bin.len, &info))
		v = json_pack("{s:s, s:i, s:i, s:I}", "type", fs_image_mime(info.type), "width",
		              (int)info.width, "height", (int)info.height, "bytes",
		              (json_int_t)bin.len);
	fs_buf_free(&bin);
	return v;
}

static int list_one(void *ctx, const fs_record_row *r)
{
	list_ctx *l = ctx;
	const fs_update_filter *f = l->f;
	const char *qid = r->col[FS_UPDATE_QUESTIONNAIRE].text;
	char when[FS_TIMESTAMP_LEN + 1];
	json_t *e;

	if ((r->col[FS_UPDATE_REMOVED].num && !f->with_removed) ||
	    !fs_record_in_region(UPDATES, r, f->region) ||
	    (f->today && (strcmp(r->col[FS_UPDATE_STARTS].text, f->today) > 0 ||
	                  strcmp(r->col[FS_UPDATE_ENDS].text, f->today) < 0)) ||
	    (f->questionnaire && strcmp(qid, f->questionnaire) != 0) ||
	    (f->id && strcmp(r->col[FS_UPDATE_ID].text, f->id) != 0))
		return 0;
	fs_timestamp_format(when, fs_hlc_ms(r->hlc));
	e = json_pack("{s:s, s:s, s:o, s:o, s:o, s:s, s:s, s:o, s:b, s:s}", "id",
	              r->col[FS_UPDATE_ID].text, "target", r->col[FS_UPDATE_TARGET].text,
	              "questionnaire", qid[0] ? json_string(qid) : json_null(), "title",
	              json_loads(r->col[FS_UPDATE_TITLE].text, 0, NULL), "text",
	              json_loads(r->col[FS_UPDATE_TEXT].text, 0, NULL), "starts",
	              r->col[FS_UPDATE_STARTS].text, "ends", r->col[FS_UPDATE_ENDS].text, "image",
	              image_info(r->col[FS_UPDATE_IMAGE].text), "removed",
	              (int)r->col[FS_UPDATE_REMOVED].num, "updated_at", when);
	return json_array_append_new(l->out, e) == 0 ? 0 : FS_ENOMEM;
}

/* Newest starts first, then by id. */
static int newest_first(const void *a, const void *b)
{
	const json_t *x = *(json_t *const *)a, *y = *(json_t *const *)b;
	int c = strcmp(json_string_value(json_object_get(y, "starts")),
	               json_string_value(json_object_get(x, "starts")));

	return c ? c
	         : strcmp(json_string_value(json_object_get(x, "id")),
	                  json_string_value(json_object_get(y, "id")));
}

int fs_update_list(fs_store *s, const fs_update_filter *f, json_t **out, fs_err *err)
{
	static const fs_update_filter all = {NULL, NULL, NULL, NULL, 1};
	list_ctx l = {f ? f : &all, json_array()};
	json_t **v = NULL, *sorted;
	size_t i, n;
	int rc;

	*out = NULL;
	if (l.out == NULL)
		return fs_err_set(err, FS_ENOMEM, "updates: out of memory");
	rc = s->ops->record_each(s->b, UPDATES, l.f->id, list_one, &l, err);
	n = json_array_size(l.out);
	if (rc == 0 && n > 0 && (v = malloc(n * sizeof(*v))) == NULL)
		rc = FS_ENOMEM;
	if (rc == FS_ENOMEM)
		fs_err_set(err, FS_ENOMEM, "updates: out of memory");
	if (rc != 0) {
		json_decref(l.out);
		return rc;
	}
	for (i = 0; i < n; i++)
		v[i] = json_array_get(l.out, i);
	if (n > 1) /* v is NULL when there is none */
		qsort(v, n, sizeof(*v), newest_first);
	sorted = json_array();
	for (i = 0; sorted != NULL && i < n; i++)
		if (json_array_append(sorted, v[i]) != 0) {
			json_decref(sorted);
			sorted = NULL;
		}
	free(v);
	json_decref(l.out);
	if (sorted == NULL)
		return fs_err_set(err, FS_ENOMEM, "updates: out of memory");
	*out = sorted;
	return 0;
}

int fs_update_image(fs_store *s, const char *id, fs_buf *out, fs_image_info *info, fs_err *err)
{
	update_row have;
	size_t start = out->len;
	int rc;

	if (id == NULL || !fs_name_is_valid(id))
		return fs_err_set(err, FS_ENOTFOUND, "no such update");
	rc = row_get(s, id, &have, err);
	if (rc == 0 && (have.removed || have.col[FS_UPDATE_IMAGE][0] == '\0'))
		rc = fs_err_set(err, FS_ENOTFOUND, "update %s has no image", id);
	if (rc == 0)
		rc = b64_decode(have.col[FS_UPDATE_IMAGE], FS_IMAGE_MAX, out) == 0 &&
		             fs_image_is_clean((const unsigned char *)out->data + start,
		                               out->len - start, info)
		         ? 0
		         : fs_err_set(err, FS_EINVAL, "update %s: its image cannot be read", id);
	row_free(&have);
	return rc;
}
