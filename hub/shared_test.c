/* Shared results at the hub (hub/shared.h) on a SQLite hub store (no
 * argument) or on PostgreSQL (argument: a server's URI, tests/pg/
 * pg_tmp.sh; each store a schema): marking and k, the release rule
 * (nothing from fewer than k responses, counts suppressed with the
 * complement then rounded to base 5, means only of at least k answers,
 * free text never, no new release until k new responses, regions apart),
 * a dry run writing nothing, and unsharing leaving tombstones that a new
 * share does not undo before k more responses. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "audit.h"
#include "fieldsync/backend.h"
#include "fieldsync/records.h"
#include "fieldsync/shared_results.h"
#include "results.h"
#include "shared.h"
#include "test.h"
#include "test_stores.h"

static char dir[64];
static const char *pg_base; /* NULL: SQLite */

static const char *const doc =
    "{\"format\": \"fieldsync-questionnaire/1\", \"id\": \"survey\", \"version\": 1,"
    " \"languages\": [\"en\"], \"title\": {\"en\": \"Survey\"},"
    " \"questions\": ["
    "  {\"id\": \"visit\", \"type\": \"single_choice\", \"label\": {\"en\": \"Visit\"},"
    "   \"options\": [{\"value\": \"good\", \"label\": {\"en\": \"Good\"}},"
    "                 {\"value\": \"ok\", \"label\": {\"en\": \"OK\"}},"
    "                 {\"value\": \"bad\", \"label\": {\"en\": \"Bad\"}}]},"
    "  {\"id\": \"why\", \"type\": \"text\", \"label\": {\"en\": \"Why?\"}},"
    "  {\"id\": \"topics\", \"type\": \"multi_choice\", \"label\": {\"en\": \"Topics\"},"
    "   \"options\": [{\"value\": \"food\", \"label\": {\"en\": \"Food\"}},"
    "                 {\"value\": \"fuel\", \"label\": {\"en\": \"Fuel\"}}]},"
    "  {\"id\": \"score\", \"type\": \"scale\", \"min\": 0, \"max\": 10, \"label\": {\"en\": \"Score\"}},"
    "  {\"id\": \"age\", \"type\": \"number\", \"label\": {\"en\": \"Age\"}}]}";

static int64_t next_seq = 1;

static void device(fs_store *s, const char *site, const char *region)
{
	unsigned char hash[FS_REGISTRY_HASH_LEN];
	fs_device_row d = {site, site, region, hash, 1, 0, NULL, 0};
	fs_err e = {0, ""};

	memset(hash, site[0], sizeof(hash));
	hash[1] = (unsigned char)site[strlen(site) - 1];
	CHECK(fs_store_registry(s)->device_insert(fs_store_backend(s), &d, &e) == 0);
}

/* n responses from site, each with answers. */
static void responses(fs_store *s, const char *site, int n, const char *answers)
{
	const fs_backend_ops *ops = fs_store_ops(s);
	fs_err e = {0, ""};
	int i, inserted;

	CHECK(ops->begin(fs_store_backend(s), FS_TXN_WRITE, &e) == 0);
	for (i = 0; i < n; i++) {
		char id[FS_UUID_LEN + 1];
		fs_response_row r;

		snprintf(id, sizeof(id), "01900000-0000-7000-8000-%012llx",
		         (unsigned long long)next_seq);
		memset(&r, 0, sizeof(r));
		r.id = id;
		r.questionnaire = "survey";
		r.version = 1;
		r.started_at = r.submitted_at = "2026-12-01T10:00:00Z";
		r.language = "en";
		r.mode = "self";
		r.answers = answers;
		r.hlc = fs_hlc_make(1795770000000ull + (uint64_t)next_seq, 0);
		r.site = site;
		r.seq = next_seq++;
		inserted = 0;
		CHECK(ops->response_insert(fs_store_backend(s), &r, &inserted, &e) == 0 && inserted);
	}
	CHECK(ops->commit(fs_store_backend(s), &e) == 0);
}

static fs_store *store(const char *name)
{
	fs_store *s = test_store_named(pg_base, dir, name, "hub", NULL, NULL);
	json_t *d = json_loads(doc, 0, NULL);
	fs_err e = {0, ""};

	if (d == NULL || fs_questionnaire_publish(s, d, &e) != 0) {
		fprintf(stderr, "publish: %s\n", e.msg);
		exit(2);
	}
	json_decref(d);
	device(s, "n1", "north");
	device(s, "s1", "south");
	return s;
}

/* The released figures of region (NULL when none), a new reference. */
static json_t *held(fs_store *s, const char *region)
{
	char *text = NULL;
	json_t *out = NULL;
	fs_err e = {0, ""};

	if (fs_shared_results_get(s, "survey", region, &text, &e) == 0)
		out = json_loads(text, 0, NULL);
	free(text);
	return out;
}

static const json_t *q_of(const json_t *res, const char *id)
{
	const json_t *q;
	size_t i;

	json_array_foreach (json_object_get(res, "questions"), i, q)
		if (strcmp(json_string_value(json_object_get(q, "id")), id) == 0)
			return q;
	return NULL;
}

/* An option's released count; -1 null; -2 absent. */
static long long opt(const json_t *res, const char *q, const char *value)
{
	const json_t *o;
	size_t i;

	json_array_foreach (json_object_get(q_of(res, q), "options"), i, o)
		if (strcmp(json_string_value(json_object_get(o, "value")), value) == 0)
			return json_is_null(json_object_get(o, "count"))
			           ? -1
			           : json_integer_value(json_object_get(o, "count"));
	return -2;
}

/* Shared, no figures yet: a row with total null and no questions. */
static int no_figures(fs_store *s, const char *region)
{
	json_t *r = held(s, region);
	int ok = r != NULL && json_is_null(json_object_get(r, "total")) &&
	         json_array_size(json_object_get(r, "questions")) == 0;

	json_decref(r);
	return ok;
}

static int release(fs_store *s, int write)
{
	fs_err e = {0, ""};
	json_t *report = NULL;
	int rc = hub_shared_release(s, "admin:test@host", write, &report, &e);

	if (rc != 0)
		fprintf(stderr, "release: %s\n", e.msg);
	json_decref(report);
	return rc;
}

static void marking_and_k(void)
{
	fs_store *s = store("mark");
	fs_err e = {0, ""};
	json_t *list = NULL;
	long k = -1;

	CHECK(hub_shared_k(s, "survey", &k, &e) == 0 && k == 0);
	CHECK(hub_shared_set(s, "admin:t@h", "survey", 4, &e) == FS_EINVAL);
	memset(&e, 0, sizeof(e));
	CHECK(hub_shared_set(s, "admin:t@h", "survey", 101, &e) == FS_EINVAL);
	memset(&e, 0, sizeof(e));
	CHECK(hub_shared_set(s, "admin:t@h", "nope", 10, &e) == FS_ENOTFOUND);
	memset(&e, 0, sizeof(e));
	CHECK(hub_shared_set(s, "admin:t@h", "survey", 0, &e) == 0);
	CHECK(hub_shared_k(s, "survey", &k, &e) == 0 && k == HUB_SHARED_K_DEFAULT);
	CHECK(hub_shared_set(s, "admin:t@h", "survey", 20, &e) == 0);
	CHECK(hub_shared_k(s, "survey", &k, &e) == 0 && k == 20);
	CHECK(hub_shared_list(s, &list, &e) == 0);
	CHECK(json_object_size(list) == 1 &&
	      json_integer_value(json_object_get(list, "survey")) == 20);
	json_decref(list);
	CHECK(hub_shared_unset(s, "admin:t@h", "survey", NULL, &e) == 0);
	CHECK(hub_shared_k(s, "survey", &k, &e) == 0 && k == 0);
	CHECK(hub_shared_list(s, &list, &e) == 0 && json_object_size(list) == 0);
	json_decref(list);
	CHECK(hub_shared_unset(s, "admin:t@h", "survey", NULL, &e) == FS_ENOTFOUND);
	fs_store_close(s);
}

#define GOOD_FOOD "{\"visit\": \"good\", \"topics\": [\"food\"], \"score\": 8, \"why\": \"SECRET-TEXT\"}"
#define OK_FUEL   "{\"visit\": \"ok\", \"topics\": [\"fuel\"], \"score\": 5}"
#define BAD       "{\"visit\": \"bad\", \"score\": 1, \"age\": 40}"

static void the_release_rule(void)
{
	fs_store *s = store("rule");
	fs_err e = {0, ""};
	char *text = NULL;
	json_t *r;

	CHECK(hub_shared_set(s, "admin:t@h", "survey", 10, &e) == 0);
	/* 9 in north: fewer than k, nothing released */
	responses(s, "n1", 7, GOOD_FOOD);
	responses(s, "n1", 2, OK_FUEL);
	CHECK(release(s, 0) == 0); /* a dry run writes nothing */
	CHECK((r = held(s, "north")) == NULL);
	CHECK(release(s, 1) == 0);
	/* shared, no figures: total null, no questions */
	CHECK(no_figures(s, "north"));

	/* the 10th: released, rounded; "ok" (2) and "bad" (1) hidden, and
	 * "good" hidden too so that neither is the total minus the others */
	responses(s, "n1", 1, BAD);
	CHECK(release(s, 0) == 0); /* a dry run writes nothing */
	CHECK(no_figures(s, "north"));
	CHECK(release(s, 1) == 0);
	CHECK((r = held(s, "north")) != NULL);
	CHECK(json_integer_value(json_object_get(r, "total")) == 10);
	CHECK(json_integer_value(json_object_get(r, "k")) == 10);
	CHECK(opt(r, "visit", "ok") == -1 && opt(r, "visit", "bad") == -1);
	CHECK(opt(r, "visit", "good") == -1);
	/* the scale: 10 answers, mean (7*8 + 2*5 + 1)/10 = 6.7 */
	CHECK(json_real_value(json_object_get(q_of(r, "score"), "mean")) == 6.7);
	/* the number: one answer: no mean */
	CHECK(json_is_null(json_object_get(q_of(r, "age"), "mean")));
	CHECK(json_is_null(json_object_get(q_of(r, "age"), "answered")));
	/* free text never */
	CHECK(q_of(r, "why") == NULL);
	text = json_dumps(r, 0);
	CHECK(strstr(text, "SECRET-TEXT") == NULL);
	free(text);
	json_decref(r);
	/* south has no responses: no figures */
	CHECK(no_figures(s, "south"));

	/* 9 more (19): fewer than k new, the figures stay as they were */
	responses(s, "n1", 9, GOOD_FOOD);
	CHECK(release(s, 1) == 0);
	r = held(s, "north");
	CHECK(json_integer_value(json_object_get(r, "total")) == 10);
	json_decref(r);

	/* one more (20 = 10 + 10): a new release, base 5: good 16 -> 15,
	 * ok 2 and bad 2 hidden */
	responses(s, "n1", 1, BAD);
	CHECK(release(s, 1) == 0);
	r = held(s, "north");
	CHECK(json_integer_value(json_object_get(r, "total")) == 20);
	CHECK(opt(r, "visit", "good") == 15);
	CHECK(opt(r, "visit", "ok") == -1 && opt(r, "visit", "bad") == -1);
	/* multi-choice food: 16 of 18 answered (chose, not, no answer):
	 * 16 -> 15; fuel 2 hidden */
	CHECK(opt(r, "topics", "food") == 15 && opt(r, "topics", "fuel") == -1);
	CHECK(json_integer_value(json_object_get(q_of(r, "topics"), "answered")) == 20);
	json_decref(r);

	/* Unshared: a tombstone; shared again, no release before k new ones
	 * since the last (the count of that release is kept). */
	CHECK(hub_shared_unset(s, "admin:t@h", "survey", NULL, &e) == 0);
	CHECK(held(s, "north") == NULL);
	CHECK(release(s, 1) == 0);
	CHECK(held(s, "north") == NULL);
	CHECK(hub_shared_set(s, "admin:t@h", "survey", 10, &e) == 0);
	responses(s, "n1", 3, GOOD_FOOD);
	CHECK(release(s, 1) == 0);
	CHECK(no_figures(s, "north"));
	responses(s, "n1", 7, GOOD_FOOD);
	CHECK(release(s, 1) == 0);
	r = held(s, "north");
	CHECK(r != NULL && json_integer_value(json_object_get(r, "total")) == 30);
	json_decref(r);
	fs_store_close(s);
}

int main(int argc, char **argv)
{
	if (argc > 1)
		pg_base = argv[1];
	test_tmpdir(dir);
	RUN(marking_and_k);
	RUN(the_release_rule);
	test_rmdir(dir);
	return TEST_DONE();
}
