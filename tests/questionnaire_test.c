/* Tests for core/src/questionnaire.c.
 *
 * Invalid documents are case files in cases/questionnaire/ (NAME.json and
 * the exact message in NAME.err); answer checks are the shared vectors in
 * vectors/answers.json, which the kiosk's JavaScript must pass as well. */
#include "fieldsync/number_text.h"
#include "fieldsync/questionnaire.h"

#include <dirent.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "test.h"
#include "../core/src/questionnaire_internal.h"

#ifndef FS_TEST_DIR
#error "FS_TEST_DIR must be the absolute path of tests/"
#endif

#define CASE_DIR    FS_TEST_DIR "/cases/questionnaire"
#define EXAMPLE_DIR FS_TEST_DIR "/../schema/examples"
#define VECTORS     FS_TEST_DIR "/vectors/answers.json"
#define DOC_VECTORS FS_TEST_DIR "/vectors/documents.json"

/* New reference, or NULL (reported) when the file is missing or not JSON. */
static json_t *load_json(const char *path)
{
	json_error_t je;
	json_t *v = json_load_file(path, 0, &je);

	if (v == NULL)
		fprintf(stderr, "%s:%d: %s\n", path, je.line, je.text);
	return v;
}

/* The first line of a file, without its newline; 0 or -1. */
static int read_line(char *out, size_t size, const char *path)
{
	FILE *f = fopen(path, "r");
	int ok = f != NULL && fgets(out, (int)size, f) != NULL;

	if (f != NULL)
		fclose(f);
	if (!ok)
		return -1;
	out[strcspn(out, "\n")] = '\0';
	return 0;
}

static int file_exists(const char *path)
{
	FILE *f = fopen(path, "r");

	if (f == NULL)
		return 0;
	fclose(f);
	return 1;
}

static int has_suffix(const char *s, const char *suffix)
{
	size_t n = strlen(s), m = strlen(suffix);

	return n > m && strcmp(s + n - m, suffix) == 0;
}

/* A minimal valid document with one text question; new reference. */
static json_t *small_doc(void)
{
	return json_pack("{s:s, s:s, s:i, s:[s], s:{s:s}, s:[{s:s, s:s, s:{s:s}}]}", "format",
	                 FS_QUESTIONNAIRE_FORMAT, "id", "small", "version", 1, "languages", "en",
	                 "title", "en", "Small", "questions", "id", "q0", "type", "text", "label",
	                 "en", "Question");
}

static json_t *questions_of(json_t *doc)
{
	return json_object_get(doc, "questions");
}

static void validate_message(json_t *doc, int *rc, fs_err *err)
{
	fs_err_clear(err);
	*rc = fs_questionnaire_validate(doc, err);
}

static void questionnaire_validate_accepts_project_examples(void)
{
	DIR *d = opendir(EXAMPLE_DIR);
	struct dirent *e;
	int count = 0, failed = 0;

	CHECK(d != NULL);
	while ((e = readdir(d)) != NULL) {
		char path[1024];
		fs_err err = {0};
		json_t *doc;

		if (!has_suffix(e->d_name, ".json"))
			continue;
		snprintf(path, sizeof(path), "%s/%s", EXAMPLE_DIR, e->d_name);
		doc = load_json(path);
		if (doc == NULL || fs_questionnaire_validate(doc, &err) != 0) {
			fprintf(stderr, "  example %s: %s\n", e->d_name, err.msg);
			failed++;
		}
		json_decref(doc);
		count++;
	}
	closedir(d);
	CHECK(failed == 0);
	CHECK(count >= 3);
}

/* Every NAME.json in cases/questionnaire is refused with NAME.err. */
static void questionnaire_validate_rejects_case_files(void)
{
	DIR *d = opendir(CASE_DIR);
	struct dirent *e;
	int count = 0, failed = 0;

	CHECK(d != NULL);
	while ((e = readdir(d)) != NULL) {
		char path[1024], want[FS_ERR_MSG_MAX + 2];
		size_t n = strlen(e->d_name);
		fs_err err = {0};
		json_t *doc;
		int rc;

		if (!has_suffix(e->d_name, ".json") && !has_suffix(e->d_name, ".err"))
			continue;
		if (has_suffix(e->d_name, ".err")) { /* each .err needs its .json */
			snprintf(path, sizeof(path), "%s/%.*s.json", CASE_DIR, (int)(n - 4),
			         e->d_name);
			if (!file_exists(path)) {
				fprintf(stderr, "  case %s: no .json beside it\n", e->d_name);
				failed++;
			}
			continue;
		}
		snprintf(path, sizeof(path), "%s/%.*s.err", CASE_DIR, (int)(n - 5), e->d_name);
		if (read_line(want, sizeof(want), path) != 0) {
			fprintf(stderr, "  case %s: no .err beside it\n", e->d_name);
			failed++;
			continue;
		}
		snprintf(path, sizeof(path), "%s/%s", CASE_DIR, e->d_name);
		doc = load_json(path);
		if (doc == NULL) {
			failed++;
			continue;
		}
		rc = fs_questionnaire_validate(doc, &err);
		if (rc != FS_EINVAL || strcmp(err.msg, want) != 0) {
			fprintf(stderr, "  case %s:\n    got:  %d %s\n    want: %s\n", e->d_name,
			        rc, err.msg, want);
			failed++;
		}
		json_decref(doc);
		count++;
	}
	closedir(d);
	printf("     %d questionnaire cases\n", count);
	CHECK(failed == 0);
	CHECK(count >= 30);
}

static void questionnaire_validate_rejects_later_condition_target(void)
{
	json_t *doc = small_doc();
	fs_err err = {0};
	int rc;

	json_array_append_new(
	    questions_of(doc),
	    json_pack("{s:s, s:s, s:{s:s}}", "id", "q1", "type", "yes_no", "label", "en", "Later"));
	json_object_set_new(json_array_get(questions_of(doc), 0), "show_if",
	                    json_pack("{s:s, s:b}", "question", "q1", "equals", 1));
	validate_message(doc, &rc, &err);
	json_decref(doc);
	CHECK(rc == FS_EINVAL);
	CHECK_STR(err.msg, "questions[0].show_if.question: \"q1\" is not an earlier question");
}

static void questionnaire_validate_caps_questions(void)
{
	json_t *doc = small_doc();
	fs_err err = {0};
	char id[16];
	int i, rc;

	for (i = 1; i < 500; i++) {
		snprintf(id, sizeof(id), "q%d", i);
		json_array_append_new(questions_of(doc),
		                      json_pack("{s:s, s:s, s:{s:s}}", "id", id, "type", "yes_no",
		                                "label", "en", "Question"));
	}
	validate_message(doc, &rc, &err);
	if (rc != 0)
		fprintf(stderr, "  %s\n", err.msg);
	CHECK(rc == 0);
	json_array_append_new(questions_of(doc), json_pack("{s:s, s:s, s:{s:s}}", "id", "q500",
	                                                   "type", "yes_no", "label", "en", "Q"));
	validate_message(doc, &rc, &err);
	json_decref(doc);
	CHECK(rc == FS_EINVAL);
	CHECK_STR(err.msg, "questions: must be an array of 1 to 500 questions");
}

static void questionnaire_validate_caps_options(void)
{
	json_t *doc = small_doc(), *q = json_array_get(questions_of(doc), 0), *opts = json_array();
	fs_err err = {0};
	char value[16];
	int i, rc;

	json_object_set_new(q, "type", json_string("multi_choice"));
	json_object_set_new(q, "options", opts);
	for (i = 0; i < 200; i++) {
		snprintf(value, sizeof(value), "v%d", i);
		json_array_append_new(
		    opts, json_pack("{s:s, s:{s:s}}", "value", value, "label", "en", value));
	}
	json_object_set_new(q, "max", json_integer(200));
	validate_message(doc, &rc, &err);
	if (rc != 0)
		fprintf(stderr, "  %s\n", err.msg);
	CHECK(rc == 0);
	json_array_append_new(opts,
	                      json_pack("{s:s, s:{s:s}}", "value", "v200", "label", "en", "x"));
	validate_message(doc, &rc, &err);
	json_decref(doc);
	CHECK(rc == FS_EINVAL);
	CHECK_STR(err.msg, "questions[0].options: must be an array of 1 to 200 options");
}

/* Labels are capped in characters (code points), not bytes. */
static void questionnaire_validate_caps_text_length(void)
{
	json_t *doc = small_doc(),
	       *label = json_object_get(json_array_get(questions_of(doc), 0), "label");
	char *s = malloc(3 * 10001 + 1);
	fs_err err = {0};
	int i, rc;

	CHECK(s != NULL);
	for (i = 0; i < 10000; i++)
		memcpy(s + 3 * i, "\xe2\x82\xac", 3); /* the euro sign */
	s[3 * 10000] = '\0';
	json_object_set_new(label, "en", json_string(s));
	validate_message(doc, &rc, &err);
	if (rc != 0)
		fprintf(stderr, "  %s\n", err.msg);
	memcpy(s + 3 * 10000, "\xe2\x82\xac", 4);
	json_object_set_new(label, "en", json_string(s));
	free(s);
	CHECK(rc == 0);
	validate_message(doc, &rc, &err);
	json_decref(doc);
	CHECK(rc == FS_EINVAL);
	CHECK_STR(err.msg, "questions[0].label.en: must be at most 10000 characters");
}

static void questionnaire_validate_accepts_conditions_16_deep(void)
{
	json_t *doc = small_doc(), *cond;
	fs_err err = {0};
	int i, rc;

	cond = json_pack("{s:s, s:b}", "question", "q0", "answered", 1);
	for (i = 1; i < 16; i++)
		cond = json_pack("{s:o}", "not", cond);
	json_array_append_new(questions_of(doc),
	                      json_pack("{s:s, s:s, s:{s:s}, s:o}", "id", "q1", "type", "info",
	                                "label", "en", "Deep", "show_if", cond));
	validate_message(doc, &rc, &err);
	json_decref(doc);
	if (rc != 0)
		fprintf(stderr, "  %s\n", err.msg);
	CHECK(rc == 0);
}

/* An inner message is never overwritten, and err and fault may be NULL. */
static void questionnaire_validate_keeps_first_error(void)
{
	json_t *doc = json_array(), *ok = small_doc(), *answers = json_object();
	fs_err err = {0};
	fs_answer_fault fault;

	fs_err_set(&err, FS_ENOTFOUND, "earlier message");
	CHECK(fs_questionnaire_validate(doc, &err) == FS_EINVAL);
	CHECK_STR(err.msg, "earlier message");
	CHECK(err.code == FS_ENOTFOUND);
	CHECK(fs_questionnaire_validate(doc, NULL) == FS_EINVAL);
	CHECK(fs_questionnaire_validate(ok, NULL) == 0);
	json_object_set_new(answers, "q0", json_string(" untrimmed"));
	CHECK(fs_answers_validate(ok, answers, "2024-01-01", NULL, NULL) == FS_EINVAL);
	CHECK(fs_answers_validate(ok, answers, "2024-01-01", &fault, &err) == FS_EINVAL);
	CHECK_STR(err.msg, "earlier message");
	CHECK_STR(fault.rule, "not_trimmed");
	CHECK_STR(fault.question, "q0");
	json_decref(doc);
	json_decref(ok);
	json_decref(answers);
}

static void date_is_valid_checks_calendar(void)
{
	static const struct {
		const char *s;
		int valid;
	} table[] = {
	    {"2024-02-29", 1}, {"2023-02-29", 0}, {"2000-02-29", 1}, {"1900-02-29", 0},
	    {"2024-12-31", 1}, {"2024-04-31", 0}, {"2024-13-01", 0}, {"2024-00-10", 0},
	    {"2024-01-00", 0}, {"0001-01-01", 1}, {"0000-01-01", 0}, {"9999-12-31", 1},
	    {"2024-1-01", 0},  {"2024-01-1", 0},  {"2024/01/01", 0}, {"2024-01-01 ", 0},
	    {"+024-01-01", 0}, {"", 0},           {"today", 0},
	};
	size_t i;

	for (i = 0; i < sizeof(table) / sizeof(table[0]); i++)
		CHECK_MSG(fs_date_is_valid(table[i].s) == table[i].valid, "%s", table[i].s);
	CHECK(fs_date_is_valid(NULL) == 0);
}

/* Strings a person typed must never reach a message. */
static int message_quotes_answer(const char *msg, const json_t *v)
{
	size_t i;

	if (json_is_array(v)) {
		for (i = 0; i < json_array_size(v); i++)
			if (message_quotes_answer(msg, json_array_get(v, i)))
				return 1;
		return 0;
	}
	return json_is_string(v) && json_string_length(v) >= 3 &&
	       strstr(msg, json_string_value(v)) != NULL;
}

/* The questionnaire of a vector: inline, or the id of a project example.
 * New reference. */
static json_t *vector_questionnaire(const json_t *q)
{
	char path[1024];

	if (!json_is_string(q))
		return json_incref((json_t *)q);
	snprintf(path, sizeof(path), "%s/%s.json", EXAMPLE_DIR, json_string_value(q));
	return load_json(path);
}

/* A number_text vector: fs_number_from_text must give the value, or the
 * rule and message. Returns 0 when it does. */
static int run_number_vector(const json_t *v)
{
	const char *name = json_string_value(json_object_get(v, "name"));
	const json_t *text = json_object_get(v, "number_text");
	const json_t *expect = json_object_get(v, "expect");
	const char *rule = NULL;
	fs_err err = {0};
	double value = 0;
	int rc = fs_number_from_text(json_string_value(text), json_string_length(text), &value,
	                             &rule, &err);

	if (json_is_true(json_object_get(expect, "ok"))) {
		double want = json_number_value(json_object_get(expect, "value"));

		if (rc != 0 || value != want || (want == 0 && signbit(value))) {
			fprintf(stderr, "  vector %s: got %d %.17g (%s), want %.17g\n", name, rc,
			        value, err.msg, want);
			return 1;
		}
		return 0;
	}
	if (rc != FS_EINVAL || rule == NULL ||
	    strcmp(rule, json_string_value(json_object_get(expect, "rule"))) != 0 ||
	    strcmp(err.msg, json_string_value(json_object_get(expect, "message"))) != 0) {
		fprintf(stderr, "  vector %s: got %d [%s] %s\n", name, rc, rule ? rule : "",
		        err.msg);
		return 1;
	}
	return 0;
}

/* One vector; returns 0 when the implementation agrees with it. */
static int run_vector(const json_t *v)
{
	const char *name = json_string_value(json_object_get(v, "name"));
	const json_t *answers = json_object_get(v, "answers");
	const json_t *expect = json_object_get(v, "expect");
	const json_t *shown = json_object_get(v, "shown");
	json_t *doc;
	fs_answer_fault fault;
	fs_err err = {0};
	size_t i, k = 0;
	int rc, bad = 0;

	if (json_object_get(v, "number_text") != NULL)
		return run_number_vector(v);
	doc = vector_questionnaire(json_object_get(v, "questionnaire"));
	if (doc == NULL || fs_questionnaire_validate(doc, &err) != 0) {
		fprintf(stderr, "  vector %s: questionnaire invalid: %s\n", name, err.msg);
		json_decref(doc);
		return 1;
	}
	rc = fs_answers_validate(doc, answers, json_string_value(json_object_get(v, "today")),
	                         &fault, &err);
	if (json_is_true(json_object_get(expect, "ok"))) {
		if (rc != 0) {
			fprintf(stderr, "  vector %s: refused: %s (%s)\n", name, err.msg,
			        fault.rule);
			bad = 1;
		}
	} else {
		const char *q = json_string_value(json_object_get(expect, "question"));
		const char *rule = json_string_value(json_object_get(expect, "rule"));
		const char *msg = json_string_value(json_object_get(expect, "message"));

		if (rc != FS_EINVAL || strcmp(fault.question, q) != 0 ||
		    strcmp(fault.rule, rule) != 0 || strcmp(err.msg, msg) != 0) {
			fprintf(stderr,
			        "  vector %s:\n    got:  %d [%s] [%s] %s\n    want: [%s] [%s] %s\n",
			        name, rc, fault.question, fault.rule, err.msg, q, rule, msg);
			bad = 1;
		}
		if (json_is_object(answers)) {
			const char *key;
			json_t *a;

			json_object_foreach((json_t *)answers, key, a)
			{
				if (message_quotes_answer(err.msg, a)) {
					fprintf(stderr, "  vector %s: message quotes an answer\n",
					        name);
					bad = 1;
				}
			}
		}
	}
	if (shown != NULL) {
		const json_t *qs = json_object_get(doc, "questions");

		for (i = 0; i < json_array_size(qs); i++) {
			const char *id =
			    json_string_value(json_object_get(json_array_get(qs, i), "id"));
			int want = k < json_array_size(shown) &&
			           strcmp(json_string_value(json_array_get(shown, k)), id) == 0;

			k += (size_t)want;
			if (fs_question_is_shown(doc, i, answers) != want) {
				fprintf(stderr, "  vector %s: question %s should %sbe shown\n",
				        name, id, want ? "" : "not ");
				bad = 1;
			}
		}
		if (k != json_array_size(shown)) {
			fprintf(stderr, "  vector %s: \"shown\" is not in question order\n", name);
			bad = 1;
		}
	}
	json_decref(doc);
	return bad;
}

static void answers_validate_passes_shared_vectors(void)
{
	json_t *vectors = load_json(VECTORS);
	size_t i;
	int failed = 0;

	CHECK(json_is_array(vectors));
	for (i = 0; i < json_array_size(vectors); i++)
		failed += run_vector(json_array_get(vectors, i));
	printf("     %zu answer vectors\n", json_array_size(vectors));
	CHECK(json_array_size(vectors) >= 40);
	json_decref(vectors);
	CHECK(failed == 0);
}

/* Work on a multi_choice answer is bounded by the options, not the input. */
static void answers_validate_bounds_huge_multi_choice(void)
{
	json_t *doc = small_doc(), *q = json_array_get(questions_of(doc), 0);
	json_t *answers = json_object(), *list = json_array();
	fs_answer_fault fault;
	int i;

	json_object_set_new(q, "type", json_string("multi_choice"));
	json_object_set_new(q, "options",
	                    json_pack("[{s:s, s:{s:s}}]", "value", "only", "label", "en", "Only"));
	for (i = 0; i < 200000; i++)
		json_array_append_new(list, json_string("only"));
	json_object_set_new(answers, "q0", list);
	CHECK(fs_questionnaire_validate(doc, NULL) == 0);
	CHECK(fs_answers_validate(doc, answers, "2024-01-01", &fault, NULL) == FS_EINVAL);
	CHECK_STR(fault.rule, "duplicate");
	json_decref(doc);
	json_decref(answers);
}

/* What JSON cannot carry: bytes that are not UTF-8, a NUL, no text. */
static void number_from_text_refuses_bad_bytes(void)
{
	const char *rule = NULL;
	double v = 99;

	CHECK(fs_number_from_text("\xff" "1", 2, &v, &rule, NULL) == FS_EINVAL);
	CHECK_STR(rule, "type");
	CHECK(fs_number_from_text("1\xd9", 2, &v, &rule, NULL) == FS_EINVAL); /* cut short */
	CHECK(fs_number_from_text("\xc0\xb1", 2, &v, &rule, NULL) == FS_EINVAL); /* overlong */
	CHECK(fs_number_from_text("1\0" "2", 3, &v, &rule, NULL) == FS_EINVAL);
	CHECK(fs_number_from_text(NULL, 5, &v, &rule, NULL) == FS_EINVAL);
	CHECK(v == 99);
	CHECK(fs_number_from_text("12", 1, &v, NULL, NULL) == 0); /* len, not NUL, ends it */
	CHECK(v == 1);
}

static void question_is_shown_handles_edges(void)
{
	json_t *doc = small_doc();

	CHECK(fs_question_is_shown(doc, 0, NULL) == 1);
	CHECK(fs_question_is_shown(doc, 1, NULL) == 0);
	json_decref(doc);
}

/* The one language-tag rule, as documents and responses both use it. */
static void language_tag_rule_and_offered_languages(void)
{
	static const struct {
		const char *tag;
		int ok;
	} cases[] = {
	    {"en", 1},           {"cy", 1},          {"pa-Guru", 1},       {"zh-Hant-TW", 1},
	    {"xx-1-2-3-4", 1},   {"abc-abcdefgh-12345678-ABCDEFGH-1234567a", 1},
	    {"EN", 0},           {"En", 0},          {"e", 0},             {"abcd", 0},
	    {"abcdefgh", 0},     {"xx-1-2-3-4-5-6", 0}, {"en-", 0},        {"en--GB", 0},
	    {"en_GB", 0},        {"en-123456789", 0}, {"", 0},
	};
	json_t *doc = json_pack("{s:[s, s, s]}", "languages", "en", "cy", "pa-Guru");
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		CHECK_MSG(fs_language_tag_is_valid(cases[i].tag, strlen(cases[i].tag)) ==
		              cases[i].ok,
		          "\"%s\"", cases[i].tag);
	CHECK(!fs_language_tag_is_valid(NULL, 0));
	CHECK(strlen(cases[5].tag) == FS_LANGUAGE_TAG_MAX);
	CHECK(fs_questionnaire_offers_language(doc, "cy"));
	CHECK(fs_questionnaire_offers_language(doc, "pa-Guru"));
	CHECK(!fs_questionnaire_offers_language(doc, "pa-guru")); /* written as listed */
	CHECK(!fs_questionnaire_offers_language(doc, "EN"));
	CHECK(!fs_questionnaire_offers_language(doc, "pl"));
	CHECK(!fs_questionnaire_offers_language(doc, NULL));
	json_decref(doc);
}

/* The shared document vectors (vectors/documents.json: the kiosk's words,
 * closing and stems), which validate.js's checkKioskTexts must pass too:
 * fs_questionnaire_validate accepts or gives the exact message. */
static void questionnaire_validate_passes_document_vectors(void)
{
	json_t *vectors = load_json(DOC_VECTORS);
	size_t i;
	int failed = 0, every = 0;

	CHECK(json_is_array(vectors));
	for (i = 0; i < json_array_size(vectors); i++) {
		const json_t *v = json_array_get(vectors, i);
		const char *name = json_string_value(json_object_get(v, "name"));
		const json_t *expect = json_object_get(v, "expect");
		fs_err err = {0};
		int rc = fs_questionnaire_validate(json_object_get(v, "document"), &err);

		if (json_is_true(json_object_get(expect, "ok"))) {
			if (rc != 0) {
				fprintf(stderr, "  vector %s: refused: %s\n", name, err.msg);
				failed++;
			}
		} else {
			const char *want = json_string_value(json_object_get(expect, "message"));

			if (rc != FS_EINVAL || strcmp(err.msg, want) != 0) {
				fprintf(stderr, "  vector %s:\n    got:  %d %s\n    want: %s\n",
				        name, rc, err.msg, want);
				failed++;
			}
		}
		/* The case of every kiosk word names exactly this list. */
		if (strcmp(name, "every kiosk string, each with its placeholders") == 0) {
			const json_t *tab = json_object_get(
			    json_object_get(json_object_get(v, "document"), "ui_strings"), "pl");
			size_t k;

			every = 1;
			CHECK(json_object_size(tab) == fs_qn_ui_string_count());
			for (k = 0; k < fs_qn_ui_string_count(); k++)
				if (json_object_get(tab, fs_qn_ui_string_key(k)) == NULL) {
					fprintf(stderr, "  vector %s lacks %s\n", name,
					        fs_qn_ui_string_key(k));
					failed++;
				}
		}
	}
	printf("     %zu document vectors\n", json_array_size(vectors));
	CHECK(failed == 0);
	CHECK(every);
	CHECK(json_array_size(vectors) >= 30);
	json_decref(vectors);
}

/* ui_strings, closing and stems are bounded: a language table can only
 * hold the kiosk's words (so at most fs_qn_ui_string_count() strings),
 * and the placeholder rule refuses what could be read two ways. */
static void questionnaire_validate_bounds_kiosk_words(void)
{
	json_t *doc = small_doc(), *tab = json_object();
	fs_err err = {0};
	int rc;

	CHECK(fs_qn_ui_string_count() < 200);
	CHECK(fs_qn_ui_string_placeholders("pin_change") == NULL);
	CHECK(strcmp(fs_qn_ui_string_placeholders("progress"), "n total") == 0);
	CHECK(fs_qn_ui_string_placeholders_ok("{n} of {total}", 14, "n total"));
	CHECK(fs_qn_ui_string_placeholders_ok("{total}: {n}", 12, "n total"));
	CHECK(!fs_qn_ui_string_placeholders_ok("{n} of {n}", 10, "n total"));
	CHECK(!fs_qn_ui_string_placeholders_ok("{n}{", 4, "n"));
	CHECK(!fs_qn_ui_string_placeholders_ok("{{n}}", 5, "n"));
	CHECK(!fs_qn_ui_string_placeholders_ok("{}", 2, ""));
	CHECK(fs_qn_ui_string_placeholders_ok("plain", 5, ""));
	json_object_set_new(tab, "start", json_string("Start"));
	json_object_set_new(doc, "ui_strings",
	                    json_pack("{s:o}", "en", tab));
	validate_message(doc, &rc, &err);
	CHECK(rc == 0);
	json_object_set_new(tab, "start", json_string("Start {n}"));
	validate_message(doc, &rc, &err);
	CHECK(rc == FS_EINVAL);
	CHECK(strcmp(err.msg, "ui_strings.en.start: must not contain { or }") == 0);
	json_decref(doc);
}

/* contact_request (docs/questionnaire-format.md): topics as options, at
 * most 20 (the contact's "topics" field cap); the faults are the case
 * files contact_request_*. */
static void questionnaire_validate_contact_request(void)
{
	json_t *doc = small_doc(), *topics = json_array();
	fs_err err = {0};
	int rc, i;

	json_object_set_new(doc, "contact_request", json_pack("{s:O}", "topics", topics));
	json_array_append_new(json_object_get(json_object_get(doc, "contact_request"), "topics"),
	                      json_pack("{s:s, s:{s:s}}", "value", "housing", "label", "en",
	                                "Housing"));
	validate_message(doc, &rc, &err);
	CHECK_MSG(rc == 0, "%s", err.msg);
	for (i = 1; i < 20; i++) {
		char v[16];

		snprintf(v, sizeof(v), "t%d", i);
		json_array_append_new(
		    json_object_get(json_object_get(doc, "contact_request"), "topics"),
		    json_pack("{s:s, s:{s:s}}", "value", v, "label", "en", "T"));
	}
	validate_message(doc, &rc, &err);
	CHECK_MSG(rc == 0, "%s", err.msg);
	json_decref(topics);
	json_decref(doc);
}

int main(void)
{
	RUN(language_tag_rule_and_offered_languages);
	RUN(questionnaire_validate_accepts_project_examples);
	RUN(questionnaire_validate_rejects_case_files);
	RUN(questionnaire_validate_rejects_later_condition_target);
	RUN(questionnaire_validate_caps_questions);
	RUN(questionnaire_validate_caps_options);
	RUN(questionnaire_validate_caps_text_length);
	RUN(questionnaire_validate_accepts_conditions_16_deep);
	RUN(questionnaire_validate_keeps_first_error);
	RUN(date_is_valid_checks_calendar);
	RUN(answers_validate_passes_shared_vectors);
	RUN(questionnaire_validate_passes_document_vectors);
	RUN(questionnaire_validate_bounds_kiosk_words);
	RUN(questionnaire_validate_contact_request);
	RUN(answers_validate_bounds_huge_multi_choice);
	RUN(question_is_shown_handles_edges);
	RUN(number_from_text_refuses_bad_bytes);
	return TEST_DONE();
}
