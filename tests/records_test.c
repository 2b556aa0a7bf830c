#include "fieldsync/changes.h"
#include "fieldsync/records.h"
#include "test.h"
#include "testutil.h"

static char dir[64];

static long count_responses(fs_store *s)
{
	fs_store_counts n;

	fs_store_count(s, &n, NULL);
	return n.responses;
}

static void questionnaire_publish_is_idempotent_and_immutable(void)
{
	fs_store *s = test_store(dir, "hub1", NULL, NULL);
	json_t *doc = json_loads(test_questionnaire, 0, NULL), *got = NULL;
	fs_err e = {0, ""};

	CHECK(fs_questionnaire_publish(s, doc, &e) == 0);
	CHECK(fs_questionnaire_publish(s, doc, &e) == 0);
	CHECK(fs_questionnaire_get(s, &got, "visit", 0, &e) == 0);
	CHECK(json_equal(got, doc));
	json_decref(got);
	json_object_set_new(doc, "title", json_pack("{s:s}", "en", "Changed"));
	CHECK(fs_questionnaire_publish(s, doc, &e) == FS_ECONFLICT);
	CHECK(strstr(e.msg, "already published") != NULL);
	json_decref(doc);
	fs_store_close(s);
}

static void questionnaire_publish_rejects_invalid_with_path(void)
{
	fs_store *s = test_store(dir, "hub2", NULL, NULL);
	json_t *doc = json_loads(test_questionnaire, 0, NULL), *list = NULL;
	fs_err e = {0, ""};

	json_object_set_new(json_array_get(json_object_get(doc, "questions"), 1), "type",
			    json_string("slider"));
	CHECK(fs_questionnaire_publish(s, doc, &e) == FS_EINVAL);
	CHECK_MSG(strstr(e.msg, "questions[1]") != NULL, "message: %s", e.msg);
	CHECK(fs_questionnaire_list(s, &list, NULL) == 0);
	CHECK(json_array_size(list) == 0);
	json_decref(list);
	json_decref(doc);
	fs_store_close(s);
}

static void response_add_stores_and_reads_back(void)
{
	fs_store *s = test_store(dir, "k-resp", "north", NULL);
	json_t *b = test_response(4, "Lovely staff"), *got = NULL;
	char id[FS_UUID_LEN + 1];

	CHECK(test_publish(s, NULL) == 0);
	CHECK(fs_response_add(s, id, b, NULL) == 0);
	CHECK(fs_uuid_is_valid(id));
	CHECK(fs_response_get(s, &got, id, NULL) == 0);
	CHECK(json_equal(json_object_get(got, "answers"), json_object_get(b, "answers")));
	CHECK_STR(json_string_value(json_object_get(got, "site")), "k-resp");
	json_decref(got);
	json_decref(b);
	fs_store_close(s);
}

static void response_add_refuses_invalid_and_stores_nothing(void)
{
	fs_store *s = test_store(dir, "k-bad", "north", NULL);
	json_t *b = test_response(9, NULL);
	char id[FS_UUID_LEN + 1];
	fs_err e = {0, ""};

	CHECK(test_publish(s, NULL) == 0);
	CHECK(fs_response_add(s, id, b, &e) == FS_EINVAL);
	CHECK_MSG(strstr(e.msg, "overall") != NULL, "message: %s", e.msg);
	CHECK(id[0] == '\0');
	/* Consent declined ends the questionnaire: nothing is stored. */
	json_decref(b);
	b = test_response(3, NULL);
	json_object_set_new(json_object_get(b, "answers"), "consent", json_false());
	fs_err_clear(&e);
	CHECK(fs_response_add(s, id, b, &e) == FS_EINVAL);
	json_decref(b);
	/* Unknown questionnaire. */
	b = test_response(3, NULL);
	json_object_set_new(b, "questionnaire", json_string("nope"));
	fs_err_clear(&e);
	CHECK(fs_response_add(s, id, b, &e) == FS_ENOTFOUND);
	json_decref(b);
	/* Bad shape. */
	b = test_response(3, NULL);
	json_object_set_new(b, "mode", json_string("robot"));
	fs_err_clear(&e);
	CHECK(fs_response_add(s, id, b, &e) == FS_EINVAL);
	CHECK_MSG(strstr(e.msg, "mode") != NULL, "message: %s", e.msg);
	json_decref(b);
	CHECK(count_responses(s) == 0);
	fs_store_close(s);
}

/* A response's language must be one of its questionnaire's languages,
 * written exactly as listed: nothing else is stored (issue 9). */
static void response_add_refuses_language_not_offered(void)
{
	static const char *const refused[] = {"EN", "Cy", "abcdefgh", "xx-1-2-3-4-5-6", "pl",
					      "en-GB", "en ", ""};
	fs_store *s = test_store(dir, "k-lang", "north", NULL);
	json_t *doc = json_loads(test_questionnaire, 0, NULL), *b;
	char id[FS_UUID_LEN + 1];
	fs_err e = {0, ""};
	size_t i;

	json_object_set_new(doc, "languages", json_pack("[s, s]", "en", "cy"));
	CHECK(fs_questionnaire_publish(s, doc, &e) == 0);
	for (i = 0; i < sizeof(refused) / sizeof(refused[0]); i++) {
		b = test_response(3, NULL);
		json_object_set_new(b, "language", json_string(refused[i]));
		fs_err_clear(&e);
		CHECK_MSG(fs_response_add(s, id, b, &e) == FS_EINVAL, "language \"%s\" stored",
			  refused[i]);
		CHECK_MSG(strstr(e.msg, "language") != NULL, "message: %s", e.msg);
		CHECK(id[0] == '\0');
		json_decref(b);
	}
	CHECK(count_responses(s) == 0);
	b = test_response(3, NULL);
	json_object_set_new(b, "language", json_string("cy"));
	CHECK(fs_response_add(s, id, b, &e) == 0);
	CHECK(count_responses(s) == 1);
	json_decref(b);
	json_decref(doc);
	fs_store_close(s);
}

static void response_delete_leaves_tombstone(void)
{
	fs_store *s = test_store(dir, "k-del", "north", NULL);
	json_t *b = test_response(2, "private words"), *got = NULL;
	char id[FS_UUID_LEN + 1];
	fs_err e = {0, ""};

	CHECK(test_publish(s, NULL) == 0);
	CHECK(fs_response_add(s, id, b, NULL) == 0);
	CHECK(fs_response_delete(s, id, NULL) == 0);
	CHECK(fs_response_delete(s, id, NULL) == 0);
	CHECK(fs_response_get(s, &got, id, NULL) == 0);
	CHECK(json_is_true(json_object_get(got, "deleted")));
	CHECK(json_object_get(got, "answers") == NULL);
	json_decref(got);
	CHECK(fs_response_delete(s, "0192f3a4-b5c6-7000-8000-000000000000", &e) == FS_ENOTFOUND);
	json_decref(b);
	fs_store_close(s);
}

static int count_each(void *ctx, const json_t *r)
{
	(*(int *)ctx)++;
	return json_object_get(r, "answers") == NULL;
}

static void response_each_streams_all_live(void)
{
	fs_store *s = test_store(dir, "k-each", "north", NULL);
	json_t *b = test_response(2, NULL);
	char id[FS_UUID_LEN + 1];
	int i, n = 0;

	CHECK(test_publish(s, NULL) == 0);
	for (i = 0; i < 5; i++)
		CHECK(fs_response_add(s, id, b, NULL) == 0);
	CHECK(fs_response_delete(s, id, NULL) == 0);
	CHECK(fs_response_each(s, "visit", NULL, count_each, &n, NULL) == 0);
	CHECK(n == 4);
	n = 0;
	CHECK(fs_response_each(s, "other", NULL, count_each, &n, NULL) == 0);
	CHECK(n == 0);
	json_decref(b);
	fs_store_close(s);
}

/* One response row -> JSON rule for every reader: fs_response_get and
 * fs_response_each give the same object, with "worker" only when there is
 * one (issue 9: each gave "worker": null, get left it out). */
static int keep_first(void *ctx, const json_t *r)
{
	*(json_t **)ctx = json_incref((json_t *)r);
	return 1;
}

static void response_get_and_each_agree_on_worker(void)
{
	fs_store *s = test_store(dir, "k-agree", "north", NULL);
	json_t *b = test_response(2, NULL), *got = NULL, *each = NULL;
	char id[FS_UUID_LEN + 1];
	int pass;

	CHECK(test_publish(s, NULL) == 0);
	for (pass = 0; pass < 2; pass++) {
		if (pass == 1) {
			json_object_set_new(b, "mode", json_string("assisted"));
			json_object_set_new(b, "worker", json_string("w-amina"));
			CHECK(fs_response_delete(s, id, NULL) == 0);
		}
		CHECK(fs_response_add(s, id, b, NULL) == 0);
		CHECK(fs_response_get(s, &got, id, NULL) == 0);
		CHECK(fs_response_each(s, NULL, NULL, keep_first, &each, NULL) == 1);
		CHECK_MSG(json_equal(got, each), "get %s\neach %s", json_dumps(got, JSON_SORT_KEYS),
			  json_dumps(each, JSON_SORT_KEYS));
		CHECK((json_object_get(each, "worker") != NULL) == (pass == 1));
		json_decref(got);
		json_decref(each);
		got = each = NULL;
	}
	json_decref(b);
	fs_store_close(s);
}

static int keep_each(void *ctx, const json_t *r)
{
	json_t **out = ctx;

	*out = json_deep_copy(r);
	return 0;
}

/* A response reads back alike whichever way it is read: fs_response_get,
 * fs_response_each, and as a change (its body, without id and site); no
 * worker is an absent key in each. */
static void response_reads_agree(void)
{
	fs_store *s = test_store(dir, "k-reads", "north", NULL);
	json_t *b = test_response(3, "Kind"), *got = NULL, *each = NULL, *body;
	char id[FS_UUID_LEN + 1];
	fs_changeset cs;

	CHECK(test_publish(s, NULL) == 0);
	json_object_del(b, "worker");
	CHECK(fs_response_add(s, id, b, NULL) == 0);
	CHECK(fs_response_get(s, &got, id, NULL) == 0);
	CHECK(fs_response_each(s, NULL, NULL, keep_each, &each, NULL) == 0);
	CHECK(json_equal(got, each));
	CHECK(json_object_get(got, "worker") == NULL);
	CHECK(fs_changes_read(s, &cs, 0, NULL, 10, 1 << 20, NULL) == 0);
	CHECK(cs.count == 2); /* the questionnaire and the response */
	body = json_deep_copy(got);
	json_object_del(body, "id");
	json_object_del(body, "site");
	CHECK(cs.count == 2 && json_equal(cs.changes[1].value, body));
	fs_changeset_free(&cs);
	json_decref(body);
	json_decref(each);
	json_decref(got);
	json_decref(b);
	fs_store_close(s);
}

static void contact_put_creates_with_defaults(void)
{
	fs_store *s = test_store(dir, "k-c1", "north", NULL);
	json_t *f = json_pack("{s:s, s:s, s:s, s:s}", "person_ref", "JB-1", "contact_at",
			      "2026-11-27T10:00:00Z", "channel", "phone", "worker", "w1");
	json_t *got = NULL;
	char id[FS_UUID_LEN + 1];

	CHECK(fs_contact_put(s, id, NULL, NULL, f, NULL) == 0);
	CHECK(fs_contact_get(s, &got, id, NULL) == 0);
	CHECK_STR(json_string_value(json_object_get(got, "status")), "open");
	CHECK_STR(json_string_value(json_object_get(got, "region")), "north");
	CHECK(json_is_false(json_object_get(got, "follow_up_done")));
	json_decref(got);
	json_decref(f);
	fs_store_close(s);
}

static void contact_put_refuses_bad_field_and_changes_nothing(void)
{
	fs_store *s = test_store(dir, "k-c2", "north", NULL);
	json_t *f = json_pack("{s:s, s:s, s:s, s:s}", "person_ref", "JB-1", "contact_at",
			      "2026-11-27T10:00:00Z", "channel", "phone", "worker", "w1");
	json_t *before = NULL, *after = NULL, *upd;
	char id[FS_UUID_LEN + 1], id2[FS_UUID_LEN + 1];
	fs_err e = {0, ""};

	CHECK(fs_contact_put(s, id, NULL, NULL, f, NULL) == 0);
	CHECK(fs_contact_get(s, &before, id, NULL) == 0);
	/* One good field and one bad: nothing is written. */
	upd = json_pack("{s:s, s:s}", "notes", "ok", "channel", "carrier-pigeon");
	CHECK(fs_contact_put(s, id2, id, NULL, upd, &e) == FS_EINVAL);
	CHECK_MSG(strstr(e.msg, "channel") != NULL, "message: %s", e.msg);
	json_decref(upd);
	upd = json_pack("{s:s}", "favourite_colour", "blue");
	fs_err_clear(&e);
	CHECK(fs_contact_put(s, id2, id, NULL, upd, &e) == FS_EINVAL);
	CHECK(strstr(e.msg, "unknown field") != NULL);
	json_decref(upd);
	CHECK(fs_contact_get(s, &after, id, NULL) == 0);
	CHECK(json_equal(before, after));
	/* A new contact needs its required fields. */
	json_object_del(f, "worker");
	fs_err_clear(&e);
	CHECK(fs_contact_put(s, id2, NULL, NULL, f, &e) == FS_EINVAL);
	CHECK(strstr(e.msg, "worker") != NULL);
	/* Updating an unknown contact. */
	upd = json_pack("{s:s}", "notes", "x");
	fs_err_clear(&e);
	CHECK(fs_contact_put(s, id2, "0192f3a4-b5c6-7000-8000-000000000000", NULL, upd, &e) ==
	      FS_ENOTFOUND);
	json_decref(upd);
	json_decref(before);
	json_decref(after);
	json_decref(f);
	fs_store_close(s);
}

static void contact_list_filters_region_and_deleted(void)
{
	fs_store *s = test_store(dir, "hub3", NULL, NULL);
	json_t *f = json_pack("{s:s, s:s, s:s, s:s}", "person_ref", "JB-1", "contact_at",
			      "2026-11-27T10:00:00Z", "channel", "phone", "worker", "w1");
	json_t *list = NULL;
	char a[FS_UUID_LEN + 1], b[FS_UUID_LEN + 1], c[FS_UUID_LEN + 1];

	CHECK(fs_contact_put(s, a, NULL, "north", f, NULL) == 0);
	CHECK(fs_contact_put(s, b, NULL, "north", f, NULL) == 0);
	CHECK(fs_contact_put(s, c, NULL, "south", f, NULL) == 0);
	CHECK(fs_contact_delete(s, b, NULL) == 0);
	CHECK(fs_contact_list(s, &list, "north", 0, NULL) == 0);
	CHECK(json_array_size(list) == 1);
	json_decref(list);
	CHECK(fs_contact_list(s, &list, "north", 1, NULL) == 0);
	CHECK(json_array_size(list) == 2);
	json_decref(list);
	CHECK(fs_contact_list(s, &list, NULL, 0, NULL) == 0);
	CHECK(json_array_size(list) == 2);
	json_decref(list);
	json_decref(f);
	fs_store_close(s);
}

static void timestamps_convert_both_ways(void)
{
	char out[FS_TIMESTAMP_LEN + 1];
	uint64_t ms = 1;
	int64_t sec;

	CHECK(fs_timestamp_to_ms("1970-01-01T00:00:00Z", &ms) == 0 && ms == 0);
	CHECK(fs_timestamp_to_ms("2026-11-27T09:00:00Z", &ms) == 0 && ms == 1795770000000ull);
	CHECK(fs_timestamp_to_ms("2099-01-01T00:00:00Z", &ms) == 0 && ms == 4070908800000ull);
	CHECK(fs_timestamp_to_ms("2000-02-29T23:59:59Z", &ms) == 0 && ms == 951868799000ull);
	CHECK(fs_timestamp_to_ms("2026-02-29T00:00:00Z", &ms) == FS_EINVAL);
	CHECK(fs_timestamp_to_ms("2026-11-27 09:00:00Z", &ms) == FS_EINVAL);
	CHECK(fs_timestamp_to_ms(NULL, &ms) == FS_EINVAL);
	fs_timestamp_format(out, 1795770000999ull);
	CHECK_STR(out, "2026-11-27T09:00:00Z");
	fs_timestamp_format(out, 951868799000ull);
	CHECK_STR(out, "2000-02-29T23:59:59Z");
	/* Round trips over four centuries, at a step that visits every day
	 * of the year and every second of the day over time. */
	for (sec = 0; sec < 13569465600; sec += 86400 * 7 + 3607) {
		fs_timestamp_format(out, (uint64_t)sec * 1000u);
		CHECK_MSG(fs_timestamp_to_ms(out, &ms) == 0 && ms == (uint64_t)sec * 1000u,
			  "%lld -> %s", (long long)sec, out);
	}
}

static void response_started_after_submitted_is_refused(void)
{
	fs_store *s = test_store(dir, "k-order", "north", NULL);
	json_t *b = test_response(3, NULL);
	char id[FS_UUID_LEN + 1];
	fs_err e = {0, ""};

	CHECK(test_publish(s, NULL) == 0);
	json_object_set_new(b, "started_at", json_string("2026-11-27T09:01:01Z"));
	CHECK(fs_response_add(s, id, b, &e) == FS_EINVAL);
	CHECK_MSG(strstr(e.msg, "started_at") != NULL, "%s", e.msg);
	json_object_set_new(b, "started_at", json_string("2026-11-27T09:01:00Z"));
	CHECK(fs_response_add(s, id, b, NULL) == 0);
	json_decref(b);
	fs_store_close(s);
}

int main(void)
{
	test_tmpdir(dir);
	RUN(questionnaire_publish_is_idempotent_and_immutable);
	RUN(questionnaire_publish_rejects_invalid_with_path);
	RUN(response_add_stores_and_reads_back);
	RUN(response_add_refuses_invalid_and_stores_nothing);
	RUN(response_add_refuses_language_not_offered);
	RUN(response_delete_leaves_tombstone);
	RUN(response_each_streams_all_live);
	RUN(response_get_and_each_agree_on_worker);
	RUN(response_reads_agree);
	RUN(contact_put_creates_with_defaults);
	RUN(contact_put_refuses_bad_field_and_changes_nothing);
	RUN(contact_list_filters_region_and_deleted);
	RUN(timestamps_convert_both_ways);
	RUN(response_started_after_submitted_is_refused);
	test_rmdir(dir);
	return TEST_DONE();
}
