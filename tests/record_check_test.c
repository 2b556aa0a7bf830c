/* Tests for core/src/record_check.c: the rule of every contact field and
 * the shape of a response body, as tables of values and messages. */
#include "fieldsync/records.h"

#include <stdio.h>
#include <string.h>

#include "test.h"

#define N(a) (sizeof(a) / sizeof((a)[0]))

static const char *const want_fields[] = {
    "person_ref", "contact_at", "channel",        "duration_min",   "topics",
    "support",    "signposted", "follow_up_date", "follow_up_done", "status",
    "worker",     "notes",      "deleted"};

static void contact_fields_follow_the_documented_order(void)
{
	size_t i;

	for (i = 0; i < N(want_fields); i++) {
		CHECK(fs_contact_fields[i] != NULL);
		CHECK_STR(fs_contact_fields[i], want_fields[i]);
		CHECK(strlen(fs_contact_fields[i]) < FS_CONTACT_FIELD_MAX);
	}
	CHECK(fs_contact_fields[N(want_fields)] == NULL);
}

/* One value of one field: JSON text, and the message it must give (NULL:
 * accepted). */
typedef struct field_case {
	const char *field;
	const char *json;
	const char *msg;
} field_case;

#define S64 "\"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\""
#define S65 "\"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\""
#define LIST                                                                                       \
	"[\"a\",\"b\",\"c\",\"d\",\"e\",\"f\",\"g\",\"h\",\"i\",\"j\",\"k\",\"l\",\"m\",\"n\","    \
	"\"o\",\"p\",\"q\",\"r\",\"s\",\"t\""

static const field_case field_cases[] = {
    {"person_ref", "\"AB-1234\"", NULL},
    {"person_ref", S64, NULL},
    {"person_ref", "\"\\u00e9\"", NULL},
    {"person_ref", S65, "field \"person_ref\" must be a string of 1 to 64 bytes"},
    {"person_ref", "\"\"", "field \"person_ref\" must be a string of 1 to 64 bytes"},
    {"person_ref", "12", "field \"person_ref\" must be a string of 1 to 64 bytes"},
    {"person_ref", "null", "field \"person_ref\" cannot be null"},

    {"contact_at", "\"2026-11-27T09:12:00Z\"", NULL},
    {"contact_at", "\"2024-02-29T23:59:59Z\"", NULL},
    {"contact_at", "\"2025-02-29T10:00:00Z\"",
     "field \"contact_at\" must be a UTC time YYYY-MM-DDTHH:MM:SSZ"},
    {"contact_at", "\"2026-11-27T24:00:00Z\"",
     "field \"contact_at\" must be a UTC time YYYY-MM-DDTHH:MM:SSZ"},
    {"contact_at", "\"2026-11-27T09:60:00Z\"",
     "field \"contact_at\" must be a UTC time YYYY-MM-DDTHH:MM:SSZ"},
    {"contact_at", "\"2026-11-27T09:12:00\"",
     "field \"contact_at\" must be a UTC time YYYY-MM-DDTHH:MM:SSZ"},
    {"contact_at", "\"2026-11-27 09:12:00Z\"",
     "field \"contact_at\" must be a UTC time YYYY-MM-DDTHH:MM:SSZ"},
    {"contact_at", "\"2026-11-27T09:12:00.5Z\"",
     "field \"contact_at\" must be a UTC time YYYY-MM-DDTHH:MM:SSZ"},
    {"contact_at", "\"2026-11-27\"",
     "field \"contact_at\" must be a UTC time YYYY-MM-DDTHH:MM:SSZ"},
    {"contact_at", "1795770000", "field \"contact_at\" must be a UTC time YYYY-MM-DDTHH:MM:SSZ"},
    {"contact_at", "null", "field \"contact_at\" cannot be null"},

    {"channel", "\"in_person\"", NULL},
    {"channel", "\"phone\"", NULL},
    {"channel", "\"video\"", NULL},
    {"channel", "\"text\"", NULL},
    {"channel", "\"group\"", NULL},
    {"channel", "\"Phone\"",
     "field \"channel\" must be one of in_person, phone, video, text, group"},
    {"channel", "\"email\"",
     "field \"channel\" must be one of in_person, phone, video, text, group"},
    {"channel", "[\"phone\"]",
     "field \"channel\" must be one of in_person, phone, video, text, group"},
    {"channel", "null", "field \"channel\" cannot be null"},

    {"duration_min", "0", NULL},
    {"duration_min", "1440", NULL},
    {"duration_min", "null", NULL},
    {"duration_min", "1441", "field \"duration_min\" must be an integer from 0 to 1440 or null"},
    {"duration_min", "-1", "field \"duration_min\" must be an integer from 0 to 1440 or null"},
    {"duration_min", "30.0", "field \"duration_min\" must be an integer from 0 to 1440 or null"},
    {"duration_min", "\"30\"", "field \"duration_min\" must be an integer from 0 to 1440 or null"},

    {"topics", "null", NULL},
    {"topics", "[]", NULL},
    {"topics", "[\"housing\", \"money\"]", NULL},
    {"topics", LIST "]", NULL},
    {"topics", "[" S64 "]", NULL},
    {"topics", LIST ",\"u\"]", "field \"topics\" must have at most 20 entries"},
    {"topics", "[\"housing\", \"housing\"]", "field \"topics\" entry 1 repeats entry 0"},
    {"topics", "[\"a\", \"\"]", "field \"topics\" entry 1 must be a string of 1 to 64 bytes"},
    {"topics", "[" S65 "]", "field \"topics\" entry 0 must be a string of 1 to 64 bytes"},
    {"topics", "[1]", "field \"topics\" entry 0 must be a string of 1 to 64 bytes"},
    {"topics", "\"housing\"", "field \"topics\" must be an array of strings or null"},

    {"support", "null", NULL},
    {"support", "\"\"", NULL},
    {"support", "\"Listened; gave food bank details\"", NULL},
    {"support", "false", "field \"support\" must be a string of at most 4000 bytes or null"},

    {"signposted", "null", NULL},
    {"signposted", "[\"Citizens Advice\"]", NULL},
    {"signposted", "[\"x\", \"x\"]", "field \"signposted\" entry 1 repeats entry 0"},
    {"signposted", "{}", "field \"signposted\" must be an array of strings or null"},

    {"follow_up_date", "\"2026-12-01\"", NULL},
    {"follow_up_date", "null", NULL},
    {"follow_up_date", "\"2026-12-32\"",
     "field \"follow_up_date\" must be a date YYYY-MM-DD or null"},
    {"follow_up_date", "\"2026-12-01T00:00:00Z\"",
     "field \"follow_up_date\" must be a date YYYY-MM-DD or null"},
    {"follow_up_date", "\"01/12/2026\"",
     "field \"follow_up_date\" must be a date YYYY-MM-DD or null"},

    {"follow_up_done", "true", NULL},
    {"follow_up_done", "false", NULL},
    {"follow_up_done", "1", "field \"follow_up_done\" must be true or false"},
    {"follow_up_done", "null", "field \"follow_up_done\" cannot be null"},

    {"status", "\"open\"", NULL},
    {"status", "\"closed\"", NULL},
    {"status", "\"requested\"", NULL},
    {"status", "\"done\"", "field \"status\" must be one of open, closed, requested"},
    {"status", "null", "field \"status\" cannot be null"},

    {"worker", "\"w-amina\"", NULL},
    {"worker", "\"\"", "field \"worker\" must be a string of 1 to 64 bytes"},
    {"worker", "null", "field \"worker\" cannot be null"},

    {"notes", "null", NULL},
    {"notes", "\"Prefers a call after 5pm\"", NULL},
    {"notes", "[\"a\"]", "field \"notes\" must be a string of at most 4000 bytes or null"},

    {"deleted", "true", NULL},
    {"deleted", "false", NULL},
    {"deleted", "\"yes\"", "field \"deleted\" must be true or false"},
    {"deleted", "null", "field \"deleted\" cannot be null"},

    {"email", "\"a@example.org\"", "unknown contact field \"email\""},
};

static void contact_field_check_table(void)
{
	size_t i;

	for (i = 0; i < N(field_cases); i++) {
		const field_case *c = &field_cases[i];
		json_t *v = json_loads(c->json, JSON_DECODE_ANY, NULL);
		fs_err err = {0};
		int rc;

		CHECK_MSG(v != NULL, "case %zu: bad JSON in the test", i);
		rc = fs_contact_field_check(c->field, v, &err);
		json_decref(v);
		if (c->msg == NULL) {
			CHECK_MSG(rc == 0, "%s = %s refused: %s", c->field, c->json, err.msg);
		} else {
			CHECK_MSG(rc == FS_EINVAL, "%s = %s accepted", c->field, c->json);
			CHECK_STR(err.msg, c->msg);
		}
	}
}

/* Length limits counted in bytes of UTF-8, at the exact boundary. */
static void contact_field_check_text_limits_in_bytes(void)
{
	static const struct {
		const char *field;
		size_t max;
		const char *msg;
	} limits[] = {
	    {"support", 4000, "field \"support\" must be a string of at most 4000 bytes or null"},
	    {"notes", 4000, "field \"notes\" must be a string of at most 4000 bytes or null"},
	    {"signposted", 200, "field \"signposted\" entry 0 must be a string of 1 to 200 bytes"},
	};
	char text[4002];
	size_t i;

	for (i = 0; i < N(limits); i++) {
		size_t n;

		for (n = limits[i].max; n <= limits[i].max + 1; n++) {
			json_t *v;
			fs_err err = {0};
			int rc;

			/* Two-byte characters: max/2 characters are max bytes. */
			memset(text, 0, sizeof(text));
			for (size_t k = 0; k + 1 < n; k += 2)
				memcpy(text + k, "\xc3\xa9", 2);
			if (n % 2)
				text[n - 1] = 'x';
			v = json_string(text);
			if (strcmp(limits[i].field, "signposted") == 0)
				v = json_pack("[o]", v);
			CHECK(v != NULL);
			rc = fs_contact_field_check(limits[i].field, v, &err);
			json_decref(v);
			if (n <= limits[i].max) {
				CHECK_MSG(rc == 0, "%s at %zu bytes: %s", limits[i].field, n,
				          err.msg);
			} else {
				CHECK(rc == FS_EINVAL);
				CHECK_STR(err.msg, limits[i].msg);
			}
		}
	}
}

static void contact_field_check_refuses_nul(void)
{
	json_t *v = json_stringn("ab\0cd", 5);
	fs_err err = {0};

	CHECK(v != NULL);
	CHECK(fs_contact_field_check("notes", v, &err) == FS_EINVAL);
	CHECK_STR(err.msg, "field \"notes\" must not contain NUL characters");
	fs_err_clear(&err);
	CHECK(fs_contact_field_check("channel", v, &err) == FS_EINVAL);
	json_decref(v);
	v = json_pack("[s]", "ok");
	json_array_append_new(v, json_stringn("x\0y", 3));
	fs_err_clear(&err);
	CHECK(fs_contact_field_check("topics", v, &err) == FS_EINVAL);
	CHECK_STR(err.msg, "field \"topics\" entry 1 must be a string of 1 to 64 bytes");
	json_decref(v);
}

static void timestamp_is_valid_table(void)
{
	static const struct {
		const char *s;
		int ok;
	} cases[] = {
	    {"2026-11-27T09:12:00Z", 1},
	    {"2000-02-29T00:00:00Z", 1},
	    {"1900-02-29T00:00:00Z", 0},
	    {"2026-04-31T00:00:00Z", 0},
	    {"2026-00-10T00:00:00Z", 0},
	    {"2026-11-27T23:59:59Z", 1},
	    {"2026-11-27T23:59:60Z", 0},
	    {"2026-11-27t09:12:00Z", 0},
	    {"2026-11-27T09:12:00z", 0},
	    {"2026-11-27T9:12:00Z", 0},
	    {"2026-11-27T09:12:0aZ", 0},
	    {"2026-11-27T09:12:00Z ", 0},
	    {"", 0},
	    {"2026-11-27T-1:12:00Z", 0},
	};
	size_t i;

	for (i = 0; i < N(cases); i++)
		CHECK_MSG(fs_timestamp_is_valid(cases[i].s) == cases[i].ok, "\"%s\"", cases[i].s);
}

/* One change to a valid response body: key set to json (NULL: removed),
 * and the message (NULL: accepted). */
typedef struct shape_case {
	const char *key;
	const char *json;
	const char *msg;
} shape_case;

static const shape_case shape_cases[] = {
    {"worker", "\"w-amina\"", NULL},
    {"language", "\"cy\"", NULL},
    {"language", "\"pa-Guru\"", NULL},
    {"language", "\"zh-Hant-TW\"", NULL},
    {"language", "\"en-GB-x-kiosk1\"", NULL},
    /* The questionnaire's rule (one rule): the longest tag, 39 bytes. */
    {"language", "\"abc-abcdefgh-12345678-ABCDEFGH-1234567a\"", NULL},
    {"language", "\"abc-abcdefgh-12345678-ABCDEFGH-1234567a-b\"", "key \"language\" must be a language tag such as en or pa-Guru"},
    {"language", "\"abcdefgh-12345678-12345678-12345678\"", "key \"language\" must be a language tag such as en or pa-Guru"},
    {"language", "\"EN\"", "key \"language\" must be a language tag such as en or pa-Guru"},
    {"language", "\"En\"", "key \"language\" must be a language tag such as en or pa-Guru"},
    {"language", "\"abcd\"", "key \"language\" must be a language tag such as en or pa-Guru"},
    {"language", "\"abcdefgh\"", "key \"language\" must be a language tag such as en or pa-Guru"},
    {"language", "\"xx-1-2-3-4-5-6\"", "key \"language\" must be a language tag such as en or pa-Guru"},
    {"language", "\"xx-1-2-3-4\"", NULL},
    {"language", "\"e\"", "key \"language\" must be a language tag such as en or pa-Guru"},
    {"language", "\"abcdefghi\"", "key \"language\" must be a language tag such as en or pa-Guru"},
    {"language", "\"en-\"", "key \"language\" must be a language tag such as en or pa-Guru"},
    {"language", "\"en--GB\"", "key \"language\" must be a language tag such as en or pa-Guru"},
    {"language", "\"en_GB\"", "key \"language\" must be a language tag such as en or pa-Guru"},
    {"language", "\"e1\"", "key \"language\" must be a language tag such as en or pa-Guru"},
    {"language", "\"en-123456789\"",
     "key \"language\" must be a language tag such as en or pa-Guru"},
    {"language", "null", "key \"language\" must be a language tag such as en or pa-Guru"},
    {"language", NULL, "key \"language\" is required"},
    {"questionnaire", "\"Visit\"", "key \"questionnaire\" must match [a-z0-9][a-z0-9-]{0,63}"},
    {"questionnaire", NULL, "key \"questionnaire\" is required"},
    {"version", "0", "key \"version\" must be an integer of at least 1"},
    {"version", "1.0", "key \"version\" must be an integer of at least 1"},
    {"version", "\"1\"", "key \"version\" must be an integer of at least 1"},
    {"mode", "\"Self\"", "key \"mode\" must be one of self, assisted"},
    {"mode", NULL, "key \"mode\" is required"},
    {"worker", NULL, "key \"worker\" is required when mode is assisted"},
    {"worker", "null", "key \"worker\" is required when mode is assisted"},
    {"worker", "\"\"", "key \"worker\" must be a string of 1 to 64 bytes"},
    {"worker", "7", "key \"worker\" must be a string of 1 to 64 bytes"},
    {"started_at", "\"2026-11-27T09:12:00+00:00\"",
     "key \"started_at\" must be a UTC time YYYY-MM-DDTHH:MM:SSZ"},
    {"submitted_at", NULL, "key \"submitted_at\" is required"},
    {"submitted_at", "\"yesterday\"",
     "key \"submitted_at\" must be a UTC time YYYY-MM-DDTHH:MM:SSZ"},
    {"answers", "[]", "key \"answers\" must be an object"},
    {"answers", "{}", NULL},
    {"answers", NULL, "key \"answers\" is required"},
    {"id", "\"0190f3a0-1c2b-7d4e-8f00-123456789abc\"", "response has unknown key \"id\""},
    {"name", "\"A Person\"", "response has unknown key \"name\""},
};

static json_t *valid_body(void)
{
	return json_pack("{s:s, s:i, s:s, s:s, s:s, s:s, s:s, s:{s:s}}", "questionnaire", "visit",
	                 "version", 1, "language", "en", "mode", "assisted", "worker", "w-amina",
	                 "started_at", "2026-11-27T09:12:00Z", "submitted_at",
	                 "2026-11-27T09:15:30Z", "answers", "overall", "good");
}

static void response_check_shape_table(void)
{
	size_t i;

	for (i = 0; i < N(shape_cases); i++) {
		const shape_case *c = &shape_cases[i];
		json_t *body = valid_body();
		fs_err err = {0};
		int rc;

		if (c->json == NULL)
			json_object_del(body, c->key);
		else
			json_object_set_new(body, c->key,
			                    json_loads(c->json, JSON_DECODE_ANY, NULL));
		rc = fs_response_check_shape(body, &err);
		json_decref(body);
		if (c->msg == NULL) {
			CHECK_MSG(rc == 0, "%s = %s refused: %s", c->key, c->json, err.msg);
		} else {
			CHECK_MSG(rc == FS_EINVAL, "%s = %s accepted", c->key,
			          c->json ? c->json : "(removed)");
			CHECK_STR(err.msg, c->msg);
		}
	}
}

static void response_check_shape_self_mode(void)
{
	json_t *body = valid_body();
	fs_err err = {0};

	json_object_set_new(body, "mode", json_string("self"));
	CHECK(fs_response_check_shape(body, &err) == FS_EINVAL);
	CHECK_STR(err.msg, "key \"worker\" must be absent or null when mode is self");
	json_object_set_new(body, "worker", json_null());
	CHECK(fs_response_check_shape(body, NULL) == 0);
	json_object_del(body, "worker");
	CHECK(fs_response_check_shape(body, NULL) == 0);
	json_decref(body);
}

static void response_check_shape_not_object(void)
{
	json_t *v = json_string("hello");
	fs_err err = {0};

	CHECK(fs_response_check_shape(v, &err) == FS_EINVAL);
	CHECK_STR(err.msg, "response must be a JSON object");
	json_decref(v);
}

int main(void)
{
	RUN(contact_fields_follow_the_documented_order);
	RUN(contact_field_check_table);
	RUN(contact_field_check_text_limits_in_bytes);
	RUN(contact_field_check_refuses_nul);
	RUN(timestamp_is_valid_table);
	RUN(response_check_shape_table);
	RUN(response_check_shape_self_mode);
	RUN(response_check_shape_not_object);
	return TEST_DONE();
}
