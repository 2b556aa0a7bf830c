/* Tests for core/src/person_ref.c: the shared vectors
 * (vectors/person_ref.json, which agent/ui/www/validate.js must pass too)
 * and the rule where a kiosk writes a person_ref (fs_contact_put). */
#include "fieldsync/person_ref.h"

#include <jansson.h>
#include <stdio.h>
#include <string.h>

#include "fieldsync/records.h"
#include "test.h"
#include "testutil.h"

#define VECTORS FS_TEST_DIR "/vectors/person_ref.json"

static char dir[64];

static json_t *vectors(void)
{
	json_error_t je;
	json_t *v = json_load_file(VECTORS, 0, &je);

	if (v == NULL)
		fprintf(stderr, "%s:%d: %s\n", VECTORS, je.line, je.text);
	return v;
}

/* The message a value refused under pattern is given (from the pattern
 * vectors), or NULL. */
static const char *refusal_of(const json_t *v, const char *pattern)
{
	size_t i;

	for (i = 0; i < json_array_size(json_object_get(v, "patterns")); i++) {
		const json_t *p = json_array_get(json_object_get(v, "patterns"), i);

		if (strcmp(json_string_value(json_object_get(p, "pattern")), pattern) == 0)
			return json_string_value(
			    json_object_get(json_object_get(p, "expect"), "message"));
	}
	return NULL;
}

static void person_ref_default_is_the_vectors_default(void)
{
	json_t *v = vectors();

	CHECK(v != NULL);
	CHECK_STR(json_string_value(json_object_get(v, "default")), FS_PERSON_REF_PATTERN_DEFAULT);
	json_decref(v);
}

static void person_ref_patterns_pass_shared_vectors(void)
{
	json_t *v = vectors(), *pats;
	size_t i, failed = 0;

	CHECK(v != NULL);
	pats = json_object_get(v, "patterns");
	CHECK(json_array_size(pats) >= 20);
	for (i = 0; i < json_array_size(pats); i++) {
		const json_t *p = json_array_get(pats, i), *ex = json_object_get(p, "expect");
		const char *name = json_string_value(json_object_get(p, "name"));
		fs_person_ref_rule rule;
		fs_err e = {0, ""};
		int rc = fs_person_ref_rule_parse(&rule, json_string_value(json_object_get(p, "pattern")),
		                                  &e);
		const char *got = rc == 0 ? rule.message : e.msg;

		if ((rc == 0) != json_is_true(json_object_get(ex, "ok")) ||
		    strcmp(got, json_string_value(json_object_get(ex, "message"))) != 0) {
			fprintf(stderr, "  pattern %s: got %s \"%s\"\n", name, rc == 0 ? "ok" : "error",
			        got);
			failed++;
		}
	}
	printf("     %zu pattern vectors\n", json_array_size(pats));
	json_decref(v);
	CHECK(failed == 0);
}

static void person_ref_values_pass_shared_vectors(void)
{
	json_t *v = vectors(), *vals;
	size_t i, failed = 0;

	CHECK(v != NULL);
	vals = json_object_get(v, "values");
	CHECK(json_array_size(vals) >= 15);
	for (i = 0; i < json_array_size(vals); i++) {
		const json_t *c = json_array_get(vals, i);
		const char *name = json_string_value(json_object_get(c, "name"));
		const char *pattern = json_string_value(json_object_get(c, "pattern"));
		const json_t *value = json_object_get(c, "value");
		fs_person_ref_rule rule;
		fs_err e = {0, ""};
		int rc;

		if (pattern == NULL)
			pattern = FS_PERSON_REF_PATTERN_DEFAULT;
		CHECK(fs_person_ref_rule_parse(&rule, pattern, NULL) == 0);
		rc = fs_person_ref_check(&rule, json_string_value(value), json_string_length(value),
		                         &e);
		if ((rc == 0) != json_is_true(json_object_get(c, "ok")) ||
		    (rc != 0 && strcmp(e.msg, refusal_of(v, pattern)) != 0)) {
			fprintf(stderr, "  value %s: got %d \"%s\"\n", name, rc, e.msg);
			failed++;
		}
		/* The message never repeats the value. */
		if (rc != 0 && json_string_length(value) > 1 &&
		    strstr(e.msg, json_string_value(value)) != NULL) {
			fprintf(stderr, "  value %s: the message quotes it\n", name);
			failed++;
		}
	}
	printf("     %zu value vectors\n", json_array_size(vals));
	json_decref(v);
	CHECK(failed == 0);
}

static json_t *new_contact(const char *ref)
{
	return json_pack("{s:s, s:s, s:s, s:s}", "person_ref", ref, "contact_at",
	                 "2026-11-27T10:00:00Z", "channel", "phone", "worker", "w1");
}

/* A kiosk store given the default rule refuses a name, stores nothing,
 * and still lets an older contact (written before the rule) be edited
 * with its value resent, as the kiosk form does. */
static void contact_put_follows_the_store_rule(void)
{
	fs_store *s = test_store(dir, "k-p1", "north", NULL);
	fs_person_ref_rule rule;
	json_t *f = new_contact("Jane Smith DOB 01/02/1950 NHS 943 476 5919"), *list = NULL, *upd;
	char id[FS_UUID_LEN + 1], old[FS_UUID_LEN + 1];
	fs_err e = {0, ""};

	/* Before a rule: only the change-set bound. */
	json_t *legacy = new_contact("JB-1");

	CHECK(fs_contact_put(s, old, NULL, NULL, legacy, NULL) == 0);
	json_decref(legacy);
	CHECK(fs_person_ref_rule_parse(&rule, FS_PERSON_REF_PATTERN_DEFAULT, NULL) == 0);
	fs_store_set_person_ref_rule(s, &rule);

	CHECK(fs_contact_put(s, id, NULL, NULL, f, &e) == FS_EINVAL);
	CHECK_STR(e.msg, rule.message);
	CHECK(strstr(e.msg, "Jane") == NULL);
	CHECK(id[0] == '\0');
	CHECK(fs_contact_list(s, &list, NULL, 1, NULL) == 0);
	CHECK(json_array_size(list) == 1);
	json_decref(list);
	json_decref(f);

	/* Changing a person_ref to a bad value is refused with nothing written. */
	upd = json_pack("{s:s, s:s}", "notes", "rang back", "person_ref", "JB 1");
	fs_err_clear(&e);
	CHECK(fs_contact_put(s, id, old, NULL, upd, &e) == FS_EINVAL);
	CHECK_STR(e.msg, rule.message);
	json_decref(upd);
	CHECK(fs_contact_get(s, &list, old, NULL) == 0);
	CHECK(json_object_get(list, "notes") == NULL);
	json_decref(list);

	/* The held value resent with an edit is not a new write of it. */
	upd = json_pack("{s:s, s:s}", "notes", "rang back", "person_ref", "JB-1");
	CHECK(fs_contact_put(s, id, old, NULL, upd, NULL) == 0);
	json_decref(upd);
	/* A good value is accepted. */
	f = new_contact("JB0142");
	CHECK(fs_contact_put(s, id, NULL, NULL, f, NULL) == 0);
	json_decref(f);

	/* Removing the rule brings back the change-set bound only. */
	fs_store_set_person_ref_rule(s, NULL);
	f = new_contact("AB-2");
	CHECK(fs_contact_put(s, id, NULL, NULL, f, NULL) == 0);
	json_decref(f);
	fs_store_close(s);
}

int main(void)
{
	test_tmpdir(dir);
	RUN(person_ref_default_is_the_vectors_default);
	RUN(person_ref_patterns_pass_shared_vectors);
	RUN(person_ref_values_pass_shared_vectors);
	RUN(contact_put_follows_the_store_rule);
	test_rmdir(dir);
	return TEST_DONE();
}
