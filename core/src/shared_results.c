/* Shared results (shared_results.h): the shape check the decoder applies,
 * and the hub's writes. Storage through the backend (backend.h); the merge
 * of rows from the hub is merge.c's (merge_record, tables.h). */
#include "fieldsync/shared_results.h"

#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "fieldsync/backend.h"
#include "fieldsync/questionnaire.h"
#include "store_internal.h"

#define SHARED fs_table_desc_of(FS_TABLE_SHARED_RESULTS)

/* ---- the shape ---- */

/* A released count: a multiple of 5 (rounded at the hub), or null for
 * "fewer than k" when nullable. */
static int count_ok(const json_t *v, int nullable)
{
	json_int_t n;

	if (json_is_null(v))
		return nullable;
	if (!json_is_integer(v))
		return 0;
	n = json_integer_value(v);
	return n >= 0 && n <= 1000000000 && n % 5 == 0;
}

/* Only these keys; every one of required present. */
static int keys_ok(const json_t *o, const char *const *allowed, const char *const *required)
{
	const char *key;
	const json_t *v;
	size_t i;

	if (!json_is_object(o))
		return 0;
	json_object_foreach ((json_t *)o, key, v) {
		for (i = 0; allowed[i] != NULL && strcmp(allowed[i], key) != 0; i++)
			;
		if (allowed[i] == NULL)
			return 0;
	}
	for (i = 0; required[i] != NULL; i++)
		if (json_object_get(o, required[i]) == NULL)
			return 0;
	return 1;
}

static int name_ok(const json_t *v, size_t max)
{
	const char *s = json_string_value(v);
	size_t i, n;

	if (s == NULL || (n = strlen(s)) == 0 || n > max)
		return 0;
	for (i = 0; i < n; i++)
		if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= '0' && s[i] <= '9') || s[i] == '_'))
			return 0;
	return 1;
}

static int option_ok(const json_t *o)
{
	static const char *const keys[] = {"value", "count", NULL};

	return keys_ok(o, keys, keys) && name_ok(json_object_get(o, "value"), 64) &&
	       count_ok(json_object_get(o, "count"), 1);
}

static int question_ok(const json_t *q)
{
	static const char *const allowed[] = {"id", "type", "answered", "options", "mean", NULL};
	static const char *const required[] = {"id", "type", "answered", NULL};
	const char *type = json_string_value(json_object_get(q, "type"));
	const json_t *opts, *mean, *o;
	int choice, number;
	size_t i;

	if (!keys_ok(q, allowed, required) || type == NULL ||
	    !name_ok(json_object_get(q, "id"), 64) ||
	    !count_ok(json_object_get(q, "answered"), 1))
		return 0;
	choice = strcmp(type, "single_choice") == 0 || strcmp(type, "multi_choice") == 0 ||
	         strcmp(type, "yes_no") == 0;
	number = strcmp(type, "scale") == 0 || strcmp(type, "number") == 0;
	opts = json_object_get(q, "options");
	mean = json_object_get(q, "mean");
	if (choice) {
		if (mean != NULL || !json_is_array(opts))
			return 0;
		json_array_foreach (opts, i, o)
			if (!option_ok(o))
				return 0;
		return 1;
	}
	return number && opts == NULL && mean != NULL && (json_is_null(mean) || json_is_number(mean));
}

int fs_shared_results_valid(const char *text)
{
	static const char *const keys[] = {"released", "k", "total", "questions", NULL};
	json_t *doc, *qs, *q;
	json_int_t k;
	size_t i;
	int ok;

	if (text == NULL || strlen(text) > FS_SHARED_RESULTS_MAX)
		return 0;
	doc = json_loads(text, JSON_REJECT_DUPLICATES, NULL);
	qs = json_object_get(doc, "questions");
	k = json_integer_value(json_object_get(doc, "k"));
	ok = keys_ok(doc, keys, keys) &&
	     json_is_string(json_object_get(doc, "released")) &&
	     fs_date_is_valid(json_string_value(json_object_get(doc, "released"))) &&
	     json_is_integer(json_object_get(doc, "k")) && k >= 5 && k <= 100 &&
	     json_is_array(qs) &&
	     /* total null: shared, no figures yet (fewer than k responses) */
	     count_ok(json_object_get(doc, "total"), json_array_size(qs) == 0);
	json_array_foreach (qs, i, q)
		if (ok && !question_ok(q))
			ok = 0;
	json_decref(doc);
	return ok;
}

/* ---- the hub's writes ---- */

static int hub_only(fs_store *s, const char *questionnaire, const char *region, fs_err *err)
{
	if (s->region[0] != '\0')
		return fs_err_set(err, FS_EINVAL, "shared results are released at the hub, not on a kiosk");
	if (s->site[0] == '\0')
		return fs_err_set(err, FS_EINVAL, "store has no site identity yet");
	if (questionnaire == NULL || !fs_name_is_valid(questionnaire))
		return fs_err_set(err, FS_EINVAL,
		                  "questionnaire id must match [a-z0-9][a-z0-9-]{0,63}");
	if (region != NULL && !fs_name_is_valid(region))
		return fs_err_set(err, FS_EINVAL, "region must match [a-z0-9][a-z0-9-]{0,63}");
	return 0;
}

/* Write (questionnaire, region) as text, or a tombstone (NULL) when a live
 * row is there; inside the caller's transaction. */
static int put_row(fs_store *s, const char *questionnaire, const char *region, const char *text,
                   int *wrote, fs_err *err)
{
	fs_record_row have, row = {{{questionnaire, 0}, {region, 0}, {text, 0}}, 0, 0, NULL, 0};
	int changed = 0, live = 0, rc = s->ops->record_get(s->b, SHARED, &row, &have, err);

	if (rc == 0)
		live = !have.deleted;
	else if (rc == FS_ENOTFOUND)
		rc = 0;
	if (rc != 0 || (text == NULL && !live))
		return rc;
	if (text != NULL && live && have.col[FS_SHARED_RESULTS].text != NULL &&
	    strcmp(have.col[FS_SHARED_RESULTS].text, text) == 0)
		return 0;
	row.deleted = text == NULL;
	row.hlc = fs_txn_tick(s);
	row.site = s->site;
	row.seq = fs_txn_next_seq(s);
	rc = s->ops->record_put(s->b, SHARED, &row, &changed, err);
	if (rc == 0 && !changed)
		rc = fs_err_set(err, FS_ECONFLICT,
		                "shared results of %s for %s: a later write is stored; try again",
		                questionnaire, region);
	if (rc == 0)
		(*wrote)++;
	return rc;
}

static int finish(fs_store *s, int rc, const char *meta_key, const char *meta_value, fs_err *err)
{
	if (rc == 0 && meta_key != NULL)
		rc = s->ops->meta_put(s->b, meta_key, meta_value ? meta_value : "", err);
	if (rc == 0)
		return fs_txn_commit(s, err);
	fs_txn_rollback(s);
	return rc;
}

int fs_shared_results_put(fs_store *hub, const char *questionnaire, const char *region,
                          const char *text, const char *meta_key, const char *meta_value,
                          int *changed, fs_err *err)
{
	int wrote = 0, rc = hub_only(hub, questionnaire, region, err);

	if (changed != NULL)
		*changed = 0;
	if (rc == 0 && region == NULL)
		rc = fs_err_set(err, FS_EINVAL, "shared results: no region");
	if (rc == 0 && text != NULL && !fs_shared_results_valid(text))
		rc = fs_err_set(err, FS_EINVAL,
		                "shared results of %s for %s: not a results text (shared_results.h)",
		                questionnaire, region);
	if (rc != 0)
		return rc;
	rc = fs_txn_begin(hub, err);
	if (rc != 0)
		return rc;
	rc = put_row(hub, questionnaire, region, text, &wrote, err);
	rc = finish(hub, rc, meta_key, meta_value, err);
	if (rc == 0 && changed != NULL)
		*changed = wrote;
	return rc;
}

/* The regions of a questionnaire's live rows, collected first: the writes
 * may not run inside the backend's walk. */
static int collect_live(void *ctx, const fs_record_row *r)
{
	if (r->deleted)
		return 0;
	return json_array_append_new(ctx, json_string(r->col[FS_SHARED_REGION].text)) == 0
	           ? 0
	           : FS_ENOMEM;
}

int fs_shared_results_remove(fs_store *hub, const char *questionnaire, const char *meta_key,
                             const char *meta_value, int *removed, fs_err *err)
{
	json_t *live = json_array();
	int wrote = 0, rc = hub_only(hub, questionnaire, NULL, err);
	size_t i;

	if (removed != NULL)
		*removed = 0;
	if (rc == 0 && live == NULL)
		rc = fs_err_set(err, FS_ENOMEM, "shared results: out of memory");
	if (rc == 0)
		rc = fs_txn_begin(hub, err);
	if (rc != 0) {
		json_decref(live);
		return rc;
	}
	rc = hub->ops->record_each(hub->b, SHARED, questionnaire, collect_live, live, err);
	if (rc == FS_ENOMEM)
		rc = fs_err_set(err, FS_ENOMEM, "shared results: out of memory");
	for (i = 0; rc == 0 && i < json_array_size(live); i++)
		rc = put_row(hub, questionnaire, json_string_value(json_array_get(live, i)), NULL,
		             &wrote, err);
	json_decref(live);
	rc = finish(hub, rc, meta_key, meta_value, err);
	if (rc == 0 && removed != NULL)
		*removed = wrote;
	return rc;
}

int fs_shared_results_get(fs_store *s, const char *questionnaire, const char *region,
                          char **out, fs_err *err)
{
	fs_record_row key = {{{questionnaire, 0}, {region, 0}}, 0, 0, NULL, 0}, row;
	int rc;

	*out = NULL;
	if (questionnaire == NULL || !fs_name_is_valid(questionnaire) || region == NULL ||
	    !fs_name_is_valid(region))
		return fs_err_set(err, FS_EINVAL, "shared results: a questionnaire id and a region");
	rc = s->ops->record_get(s->b, SHARED, &key, &row, err);
	if (rc == 0 && (row.deleted || row.col[FS_SHARED_RESULTS].text == NULL))
		rc = fs_err_set(err, FS_ENOTFOUND, "no shared results of %s for %s", questionnaire,
		                region);
	if (rc == 0 && (*out = strdup(row.col[FS_SHARED_RESULTS].text)) == NULL)
		rc = fs_err_set(err, FS_ENOMEM, "out of memory");
	return rc;
}
