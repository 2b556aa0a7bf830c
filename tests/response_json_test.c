/* core/src/response_json.c: response bodies assembled by writers and
 * stored rows shown to readers. */
#include <jansson.h>

#include "fieldsync/backend.h"
#include "fieldsync/records.h"
#include "test.h"

static const char *const doc_text =
    "{\"format\": \"fieldsync-questionnaire/1\", \"id\": \"visit\", \"version\": 3,"
    " \"languages\": [\"cy\", \"en\"], \"title\": {\"cy\": \"Ymweliad\"},"
    " \"questions\": [{\"id\": \"overall\", \"type\": \"yes_no\", \"label\": {\"cy\": \"Da?\"}}]}";

static void response_body_new_self_defaults_to_first_language(void)
{
	json_t *doc = json_loads(doc_text, 0, NULL), *answers = json_pack("{s:b}", "overall", 1);
	json_t *b = fs_response_body_new(doc, NULL, NULL, 1795770000000ull, 1795770065999ull,
	                                 answers);
	fs_err e = {0, ""};

	CHECK(b != NULL);
	CHECK_STR(json_string_value(json_object_get(b, "questionnaire")), "visit");
	CHECK(json_integer_value(json_object_get(b, "version")) == 3);
	CHECK_STR(json_string_value(json_object_get(b, "language")), "cy");
	CHECK_STR(json_string_value(json_object_get(b, "mode")), "self");
	CHECK(json_object_get(b, "worker") == NULL);
	CHECK_STR(json_string_value(json_object_get(b, "started_at")), "2026-11-27T09:00:00Z");
	CHECK_STR(json_string_value(json_object_get(b, "submitted_at")), "2026-11-27T09:01:05Z");
	CHECK(json_object_get(b, "answers") == answers); /* borrowed: a new reference */
	CHECK(json_object_size(b) == 7);
	CHECK_MSG(fs_response_validate(doc, b, NULL, &e) == 0, "%s", e.msg);
	json_decref(b);
	json_decref(answers);
	json_decref(doc);
}

static void response_body_new_assisted_names_the_worker(void)
{
	json_t *doc = json_loads(doc_text, 0, NULL), *answers = json_object();
	json_t *b = fs_response_body_new(doc, "en", "w-amina", 1795770065000ull, 1795770000000ull,
	                                 answers);
	fs_err e = {0, ""};

	CHECK(b != NULL);
	CHECK_STR(json_string_value(json_object_get(b, "mode")), "assisted");
	CHECK_STR(json_string_value(json_object_get(b, "worker")), "w-amina");
	CHECK_STR(json_string_value(json_object_get(b, "language")), "en");
	/* Started after submitted cannot be stored: it is clamped. */
	CHECK_STR(json_string_value(json_object_get(b, "started_at")),
	          json_string_value(json_object_get(b, "submitted_at")));
	CHECK_MSG(fs_response_validate(doc, b, NULL, &e) == 0, "%s", e.msg);
	json_decref(b);
	json_decref(answers);
	json_decref(doc);
}

static fs_response_row row_of(const char *worker)
{
	fs_response_row r;

	memset(&r, 0, sizeof(r));
	r.id = "0190f3a0-1c2b-7d4e-8f00-123456789abc";
	r.site = "kiosk-a1";
	r.questionnaire = "visit";
	r.version = 3;
	r.started_at = "2026-11-27T09:12:00Z";
	r.submitted_at = "2026-11-27T09:15:30Z";
	r.language = "cy";
	r.mode = worker != NULL ? "assisted" : "self";
	r.worker = worker;
	r.answers = "{\"overall\":true}";
	return r;
}

static void response_row_json_worker_only_when_there_is_one(void)
{
	fs_response_row r = row_of(NULL);
	json_t *o = NULL, *want;
	fs_err e = {0, ""};

	CHECK(fs_response_row_json(&o, &r, &e) == 0);
	want = json_loads("{\"id\": \"0190f3a0-1c2b-7d4e-8f00-123456789abc\", \"site\": "
	                  "\"kiosk-a1\", \"questionnaire\": \"visit\", \"version\": 3, "
	                  "\"language\": \"cy\", \"mode\": \"self\", \"started_at\": "
	                  "\"2026-11-27T09:12:00Z\", \"submitted_at\": \"2026-11-27T09:15:30Z\", "
	                  "\"answers\": {\"overall\": true}}",
	                  0, NULL);
	CHECK(json_equal(o, want));
	json_decref(o);
	r = row_of("w-amina");
	CHECK(fs_response_row_json(&o, &r, &e) == 0);
	CHECK_STR(json_string_value(json_object_get(o, "worker")), "w-amina");
	json_object_del(o, "worker");
	json_object_set_new(o, "mode", json_string("self"));
	CHECK(json_equal(o, want));
	json_decref(o);
	json_decref(want);
}

static void response_row_body_is_a_valid_body(void)
{
	fs_response_row r = row_of(NULL);
	json_t *o = NULL;
	fs_err e = {0, ""};

	CHECK(fs_response_row_body(&o, &r, &e) == 0);
	CHECK(json_object_size(o) == 7 && json_object_get(o, "id") == NULL);
	CHECK_MSG(fs_response_check_shape(o, &e) == 0, "%s", e.msg);
	json_decref(o);
	r = row_of("w-amina");
	CHECK(fs_response_row_body(&o, &r, &e) == 0);
	CHECK(json_object_size(o) == 8);
	CHECK_MSG(fs_response_check_shape(o, &e) == 0, "%s", e.msg);
	json_decref(o);
}

static void response_row_json_tombstone_and_damage(void)
{
	fs_response_row r;
	json_t *o = NULL;
	fs_err e = {0, ""};

	memset(&r, 0, sizeof(r));
	r.id = "0190f3a0-1c2b-7d4e-8f00-123456789abc";
	r.site = "kiosk-a1";
	r.deleted = 1;
	CHECK(fs_response_row_json(&o, &r, &e) == 0);
	CHECK(json_object_size(o) == 3 && json_is_true(json_object_get(o, "deleted")));
	json_decref(o);
	r = row_of(NULL);
	r.answers = "{\"overall\":";
	CHECK(fs_response_row_json(&o, &r, &e) == FS_EGENERIC);
	CHECK(o == NULL);
	CHECK(strstr(e.msg, "0190f3a0-1c2b-7d4e-8f00-123456789abc") != NULL);
}

int main(void)
{
	RUN(response_body_new_self_defaults_to_first_language);
	RUN(response_body_new_assisted_names_the_worker);
	RUN(response_row_json_worker_only_when_there_is_one);
	RUN(response_row_body_is_a_valid_body);
	RUN(response_row_json_tombstone_and_damage);
	return TEST_DONE();
}
