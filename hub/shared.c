/* fieldsync-hub: shared results (shared.h): marking, the figures of a
 * region, and the release. The privacy rule itself is hub_shared_publish
 * and hub_shared_release_due (results.c); this file only applies them. */
#include "shared.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "audit.h"
#include "fieldsync/backend.h"
#include "fieldsync/questionnaire.h"
#include "fieldsync/shared_results.h"
#include "registry.h"
#include "results.h"

#define META_MAX 256 /* a meta key or value here */

static int meta_get(fs_store *s, const char *key, char *out, size_t len, fs_err *err)
{
	return fs_store_ops(s)->meta_get(fs_store_backend(s), key, out, len, err);
}

/* A stored whole number (FS_ENOTFOUND when absent). */
static int meta_long(fs_store *s, const char *key, long *out, fs_err *err)
{
	char text[META_MAX], *end;
	int rc = meta_get(s, key, text, sizeof(text), err);

	*out = 0;
	if (rc != 0)
		return rc;
	*out = strtol(text, &end, 10);
	if (*end != '\0' || text[0] == '\0' || *out < 0)
		return fs_err_set(err, FS_EGENERIC, "store meta %s is damaged", key);
	return 0;
}

static int id_ok(const char *id, fs_err *err)
{
	if (id == NULL || !fs_name_is_valid(id))
		return fs_err_set(err, FS_EINVAL,
		                  "questionnaire id must match [a-z0-9][a-z0-9-]{0,63}");
	return 0;
}

int hub_shared_k(fs_store *s, const char *questionnaire, long *k, fs_err *err)
{
	char key[META_MAX];
	int rc = id_ok(questionnaire, err);

	*k = 0;
	if (rc != 0)
		return rc;
	snprintf(key, sizeof(key), HUB_SHARED_K_META "%s", questionnaire);
	rc = meta_long(s, key, k, err);
	return rc == FS_ENOTFOUND ? 0 : rc;
}

int hub_shared_set(fs_store *s, const char *actor, const char *questionnaire, long k,
                   fs_err *err)
{
	const fs_backend_ops *ops = fs_store_ops(s);
	fs_backend *b = fs_store_backend(s);
	char key[META_MAX], text[32];
	json_t *doc = NULL, *d = NULL;
	long was = 0;
	int rc = id_ok(questionnaire, err);

	if (rc != 0)
		return rc;
	if (k == 0)
		k = HUB_SHARED_K_DEFAULT;
	if (k < HUB_SHARED_K_MIN || k > HUB_RESULTS_K_MAX)
		return fs_err_set(err, FS_EINVAL, "k must be a whole number from %d to %d",
		                  HUB_SHARED_K_MIN, HUB_RESULTS_K_MAX);
	rc = fs_questionnaire_get(s, &doc, questionnaire, 0, err);
	json_decref(doc);
	if (rc != 0)
		return rc;
	snprintf(key, sizeof(key), HUB_SHARED_K_META "%s", questionnaire);
	snprintf(text, sizeof(text), "%ld", k);
	rc = ops->begin(b, FS_TXN_WRITE, err);
	if (rc != 0)
		return rc;
	rc = meta_long(s, key, &was, err);
	if (rc == FS_ENOTFOUND)
		rc = 0;
	if (rc == 0)
		rc = ops->meta_put(b, key, text, err);
	if (rc == 0) {
		d = json_pack("{s:s, s:i, s:i}", "questionnaire", questionnaire, "k", (int)k, "was",
		              (int)was);
		rc = d != NULL ? hub_audit_add_in(s, actor, "share", d, err)
		               : fs_err_set(err, FS_ENOMEM, "out of memory");
	}
	json_decref(d);
	if (rc == 0)
		return ops->commit(b, err);
	ops->rollback(b);
	return rc;
}

int hub_shared_unset(fs_store *s, const char *actor, const char *questionnaire, int *withdrawn,
                     fs_err *err)
{
	char key[META_MAX];
	long k = 0;
	int n = 0, rc = hub_shared_k(s, questionnaire, &k, err);
	json_t *d;

	if (withdrawn != NULL)
		*withdrawn = 0;
	if (rc == 0 && k == 0)
		rc = fs_err_set(err, FS_ENOTFOUND, "questionnaire %s is not shared", questionnaire);
	if (rc != 0)
		return rc;
	snprintf(key, sizeof(key), HUB_SHARED_K_META "%s", questionnaire);
	rc = fs_shared_results_remove(s, questionnaire, key, "0", &n, err);
	if (rc != 0)
		return rc;
	if (withdrawn != NULL)
		*withdrawn = n;
	d = json_pack("{s:s, s:i}", "questionnaire", questionnaire, "withdrawn", n);
	rc = d != NULL ? hub_audit_add(s, actor, "unshare", d, err)
	               : fs_err_set(err, FS_ENOMEM, "out of memory");
	json_decref(d);
	return rc;
}

typedef struct list_ctx {
	json_t *out;
	int failed;
} list_ctx;

static int list_one(void *ctx, const char *key, const char *value)
{
	list_ctx *l = ctx;
	size_t n = strlen(HUB_SHARED_K_META);
	char *end;
	long k;

	if (strncmp(key, HUB_SHARED_K_META, n) != 0 || !fs_name_is_valid(key + n))
		return 0;
	k = strtol(value, &end, 10);
	if (*end == '\0' && k > 0 &&
	    json_object_set_new(l->out, key + n, json_integer((json_int_t)k)) != 0)
		l->failed = 1;
	return 0;
}

int hub_shared_list(fs_store *s, json_t **out, fs_err *err)
{
	list_ctx l = {json_object(), 0};
	int rc;

	*out = NULL;
	if (l.out == NULL)
		return fs_err_set(err, FS_ENOMEM, "out of memory");
	rc = fs_store_ops(s)->meta_each(fs_store_backend(s), list_one, &l, err);
	if (rc == 0 && l.failed)
		rc = fs_err_set(err, FS_ENOMEM, "out of memory");
	if (rc != 0) {
		json_decref(l.out);
		return rc;
	}
	*out = l.out;
	return 0;
}

/* ---- the figures ---- */

static json_int_t count_of(const json_t *cell)
{
	return json_integer_value(json_object_get(cell, "count"));
}

/* One count released alone (a distribution of one cell): rounded, or
 * null below k. */
static json_t *one(int64_t n, long k)
{
	int64_t out;

	if (hub_shared_publish(&out, &n, 1, k) || out < 0)
		return json_null();
	return json_integer((json_int_t)out);
}

/* A choice question's options: single choice and yes/no as one
 * distribution with those who did not answer it (so a hidden option cannot
 * be had from the total); each multi-choice option as (chose, did not,
 * did not answer). */
static json_t *options(const json_t *q, int multi, int64_t total, int64_t answered, long k)
{
	const json_t *opts = json_object_get(q, "options"), *o;
	size_t n = json_array_size(opts), i;
	int64_t *cells = calloc(n + 1, sizeof(*cells)), *out = calloc(n + 1, sizeof(*out));
	json_t *arr = json_array();

	if (cells == NULL || out == NULL || arr == NULL) {
		free(cells);
		free(out);
		json_decref(arr);
		return NULL;
	}
	json_array_foreach (opts, i, o)
		cells[i] = count_of(o);
	cells[n] = total - answered;
	if (!multi)
		hub_shared_publish(out, cells, n + 1, k);
	json_array_foreach (opts, i, o) {
		if (multi) {
			int64_t three[3] = {cells[i], answered - cells[i], total - answered}, r[3];

			hub_shared_publish(r, three, 3, k);
			out[i] = r[0];
		}
		json_array_append_new(arr,
		                      json_pack("{s:O, s:o}", "value", json_object_get(o, "value"),
		                                "count", out[i] < 0 ? json_null()
		                                                    : json_integer((json_int_t)out[i])));
	}
	free(cells);
	free(out);
	return arr;
}

static json_t *question(const json_t *q, int64_t total, long k)
{
	const char *type = json_string_value(json_object_get(q, "type"));
	int64_t answered = count_of(json_object_get(q, "answered"));
	int choice, multi, number;
	json_t *o;

	if (type == NULL)
		return NULL;
	multi = strcmp(type, "multi_choice") == 0;
	choice = multi || strcmp(type, "single_choice") == 0 || strcmp(type, "yes_no") == 0;
	number = strcmp(type, "scale") == 0 || strcmp(type, "number") == 0;
	if (!choice && !number) /* free text, dates, consent, info: never shared */
		return NULL;
	o = json_pack("{s:O, s:s, s:o}", "id", json_object_get(q, "id"), "type", type, "answered",
	              answered >= k ? one(answered, k) : json_null());
	if (o == NULL)
		return NULL;
	if (choice) {
		json_t *arr = answered >= k ? options(q, multi, total, answered, k) : json_array();

		json_object_set_new(o, "options", arr != NULL ? arr : json_array());
	} else {
		const json_t *stats = json_object_get(q, "stats");
		double mean = json_number_value(json_object_get(stats, "mean"));
		int64_t n = count_of(stats);

		/* A mean only of at least k answers, to one decimal. */
		json_object_set_new(o, "mean", n >= k && answered >= k && json_is_number(json_object_get(
		                                                             stats, "mean"))
		                                   ? json_real(round(mean * 10.0) / 10.0)
		                                   : json_null());
	}
	return o;
}

int hub_shared_render(char **out, const json_t *results, long k, const char *today,
                      fs_err *err)
{
	int64_t total = count_of(json_object_get(results, "total"));
	const json_t *q;
	json_t *doc, *qs;
	size_t i;

	*out = NULL;
	if (k < HUB_SHARED_K_MIN)
		k = HUB_SHARED_K_MIN;
	qs = json_array();
	doc = json_pack("{s:s, s:i, s:o, s:o}", "released", today, "k", (int)k, "total",
	                one(total, k), "questions", qs);
	if (doc == NULL)
		return fs_err_set(err, FS_ENOMEM, "out of memory");
	json_array_foreach (json_object_get(results, "questions"), i, q) {
		json_t *o = question(q, total, k);

		if (o != NULL)
			json_array_append_new(qs, o);
	}
	*out = json_dumps(doc, JSON_COMPACT | JSON_REAL_PRECISION(6));
	json_decref(doc);
	if (*out == NULL)
		return fs_err_set(err, FS_ENOMEM, "out of memory");
	if (strlen(*out) > FS_SHARED_RESULTS_MAX) {
		free(*out);
		*out = NULL;
		return fs_err_set(err, FS_ETOOBIG,
		                  "the shared results would be over %d bytes: share a questionnaire "
		                  "with fewer choice questions",
		                  FS_SHARED_RESULTS_MAX);
	}
	if (!fs_shared_results_valid(*out)) {
		free(*out);
		*out = NULL;
		return fs_err_set(err, FS_EGENERIC, "shared results: the figures made do not check");
	}
	return 0;
}

/* ---- the release ---- */

static void today_utc(fs_store *s, char out[11])
{
	time_t t = (time_t)(fs_store_now_ms(s) / 1000);
	struct tm tm;

	gmtime_r(&t, &tm);
	strftime(out, 11, "%Y-%m-%d", &tm);
}

/* The regions with kiosks (any device ever enrolled), each once. */
static int regions_of(fs_store *s, json_t **out, fs_err *err)
{
	json_t *devices = NULL, *d, *seen;
	size_t i;
	int rc = hub_device_list(s, &devices, err);

	*out = NULL;
	if (rc != 0)
		return rc;
	seen = json_object();
	json_array_foreach (devices, i, d) {
		const char *r = json_string_value(json_object_get(d, "region"));

		if (seen != NULL && r != NULL && fs_name_is_valid(r))
			json_object_set_new(seen, r, json_true());
	}
	json_decref(devices);
	if (seen == NULL)
		return fs_err_set(err, FS_ENOMEM, "out of memory");
	*out = seen;
	return 0;
}

/* The row of a shared questionnaire with no figures yet, unless the
 * region's kiosks hold one already. */
static int placeholder(fs_store *s, const char *id, const char *region, long k,
                       const char *today, fs_err *err)
{
	char *have = NULL, *text;
	json_t *doc;
	int rc = fs_shared_results_get(s, id, region, &have, err);

	free(have);
	if (rc != FS_ENOTFOUND)
		return rc;
	memset(err, 0, sizeof(*err));
	doc = json_pack("{s:s, s:i, s:n, s:[]}", "released", today, "k",
	                (int)(k < HUB_SHARED_K_MIN ? HUB_SHARED_K_MIN : k), "total", "questions");
	text = doc != NULL ? json_dumps(doc, JSON_COMPACT) : NULL;
	json_decref(doc);
	if (text == NULL)
		return fs_err_set(err, FS_ENOMEM, "out of memory");
	rc = fs_shared_results_put(s, id, region, text, NULL, NULL, NULL, err);
	free(text);
	return rc;
}

static int release_one(fs_store *s, const char *actor, int write, const char *id,
                       const char *region, long k, const char *today, json_t *item,
                       fs_err *err)
{
	const char *rv[1] = {region};
	hub_results_filter f = {id, rv, 1, NULL, NULL, NULL, NULL, NULL};
	hub_results_opts o = {"UTC", NULL, 0, k, 0, 0, 0, NULL};
	char key[META_MAX], value[32], *text = NULL;
	json_t *res = NULL, *d;
	int64_t now;
	long before = 0;
	int prev, due, rc, changed = 0;
	const char *reason;

	snprintf(key, sizeof(key), HUB_SHARED_N_META "%s:%s", id, region);
	rc = meta_long(s, key, &before, err);
	prev = rc == 0;
	if (rc == FS_ENOTFOUND)
		rc = 0;
	if (rc == 0)
		rc = hub_results_compute(&res, s, &f, &o, err);
	if (rc == FS_ENOTFOUND) { /* not published here: nothing to share */
		rc = 0;
		now = 0;
	} else {
		now = count_of(json_object_get(res, "total"));
	}
	if (rc != 0)
		goto done;
	due = hub_shared_release_due(prev, before, now, k);
	json_object_set_new(item, "responses", json_integer((json_int_t)now));
	json_object_set_new(item, "since", prev ? json_integer(before) : json_null());
	if (!due) {
		reason = now < (k < HUB_SHARED_K_MIN ? HUB_SHARED_K_MIN : k)
		             ? "fewer than k responses"
		             : "fewer than k new responses since the last release";
		json_object_set_new(item, "reason", json_string(reason));
		/* No figures at the kiosks yet (never released, or shared again
		 * after unsharing): a row with none, so they can say "not
		 * enough answers yet". It tells no more than that. */
		if (write)
			rc = placeholder(s, id, region, k, today, err);
		goto done;
	}
	rc = hub_shared_render(&text, res, k, today, err);
	if (rc != 0)
		goto done;
	if (!write) {
		json_object_set_new(item, "reason", json_string("due"));
		goto done;
	}
	snprintf(value, sizeof(value), "%lld", (long long)now);
	rc = fs_shared_results_put(s, id, region, text, key, value, &changed, err);
	if (rc != 0)
		goto done;
	json_object_set_new(item, "released", json_true());
	json_object_set_new(item, "reason", json_string(changed ? "released" : "unchanged"));
	if (changed) {
		d = json_pack("{s:s, s:s, s:o}", "questionnaire", id, "region", region, "total",
		              one(now, k));
		rc = d != NULL ? hub_audit_add(s, actor, "shared_release", d, err)
		               : fs_err_set(err, FS_ENOMEM, "out of memory");
		json_decref(d);
	}
done:
	free(text);
	json_decref(res);
	return rc;
}

int hub_shared_release(fs_store *s, const char *actor, int write, json_t **report, fs_err *err)
{
	json_t *shared = NULL, *regions = NULL, *out = json_array(), *kv;
	const char *id, *region;
	char today[11];
	int rc, failed = 0;

	if (report != NULL)
		*report = NULL;
	if (out == NULL)
		return fs_err_set(err, FS_ENOMEM, "out of memory");
	today_utc(s, today);
	rc = hub_shared_list(s, &shared, err);
	if (rc == 0)
		rc = regions_of(s, &regions, err);
	json_object_foreach (shared, id, kv) {
		json_t *ignored;

		json_object_foreach (regions, region, ignored) {
			fs_err e = {0, ""};
			json_t *item = json_pack("{s:s, s:s, s:I, s:b}", "questionnaire", id, "region",
			                         region, "k", json_integer_value(kv), "released", 0);

			if (rc != 0 || item == NULL)
				break;
			if (release_one(s, actor, write, id, region, (long)json_integer_value(kv), today,
			                item, &e) != 0) {
				json_object_set_new(item, "error", json_string(e.msg));
				if (!failed)
					fs_err_set(err, e.code ? e.code : FS_EGENERIC, "%s", e.msg);
				failed = 1;
			}
			json_array_append_new(out, item);
		}
	}
	json_decref(shared);
	json_decref(regions);
	if (rc == 0 && report != NULL)
		*report = out;
	else
		json_decref(out);
	return rc != 0 ? rc : failed ? (err != NULL && err->code != 0 ? err->code : FS_EGENERIC) : 0;
}
