/* fieldsync: answers and conditions.
 *
 * Answer validation trusts the document's shape (questionnaire_doc.c
 * checked it when it was published) and is on the hub's hot path (tens of
 * thousands of responses a second), so it allocates nothing: the
 * per-question state lives in a fixed array on the stack, sized by the cap
 * on questions, and answers are looked up with json_object_get.
 *
 * The order of checks, the rule names and every message are part of the
 * contract (docs/questionnaire-format.md): the kiosk's JavaScript does the
 * same and tests/vectors/answers.json holds both to identical results. */
#include <assert.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "questionnaire_internal.h"

/* A JSON number with no fractional part. Whole-valued reals count: JSON
 * does not tell 5 from 5.0, and neither can the kiosk's JavaScript. */
static int is_whole(const json_t *v)
{
	double x;

	if (json_is_integer(v))
		return 1;
	x = json_real_value(v);
	if (x >= 9007199254740992.0 || x <= -9007199254740992.0)
		return 1;
	return x == (double)(long long)x;
}

/* Write x as JavaScript's String(x) does (shortest round trip, the same
 * switch to exponent notation), so messages with limits match the kiosk. */
static void format_number(char out[40], double x)
{
	char tmp[40], digits[20];
	const char *p;
	int k = 0, n, i, prec;
	size_t o = 0;

	if (x == 0 || x != x || x - x != 0) { /* zero, NaN, infinite: unreachable from JSON */
		snprintf(out, 40, "%s",
		         x == 0   ? "0"
		         : x != x ? "NaN"
		         : x > 0  ? "Infinity"
		                  : "-Infinity");
		return;
	}
	if (x < 0) {
		out[o++] = '-';
		x = -x;
	}
	for (prec = 1; prec <= 17; prec++) {
		snprintf(tmp, sizeof(tmp), "%.*e", prec - 1, x);
		if (strtod(tmp, NULL) == x)
			break;
	}
	for (p = tmp; *p != 'e' && *p != '\0'; p++)
		if (is_digit(*p) && k < (int)sizeof(digits) - 1)
			digits[k++] = *p;
	while (k > 1 && digits[k - 1] == '0')
		k--;
	n = (*p == 'e' ? atoi(p + 1) : 0) + 1; /* x = 0.d1d2... * 10^n */
	if (k <= n && n <= 21) {
		for (i = 0; i < n; i++)
			out[o++] = i < k ? digits[i] : '0';
	} else if (n > 0 && n <= 21) {
		for (i = 0; i < k; i++) {
			if (i == n)
				out[o++] = '.';
			out[o++] = digits[i];
		}
	} else if (n > -6 && n <= 0) {
		out[o++] = '0';
		out[o++] = '.';
		for (i = n; i < 0; i++)
			out[o++] = '0';
		for (i = 0; i < k; i++)
			out[o++] = digits[i];
	} else {
		out[o++] = digits[0];
		if (k > 1)
			out[o++] = '.';
		for (i = 1; i < k; i++)
			out[o++] = digits[i];
		o += (size_t)snprintf(out + o, 40 - o, "e%c%d", n - 1 < 0 ? '-' : '+',
		                      n - 1 < 0 ? 1 - n : n - 1);
	}
	out[o] = '\0';
}

/* What answer checks know about questions 0..done-1 of a valid document. */
struct answers_ctx {
	const json_t *questions;
	const json_t *answers; /* an object, or NULL for none */
	size_t done;
	const char *id[MAX_QUESTIONS];
	const json_t *value[MAX_QUESTIONS]; /* the answer as given, or NULL */
	unsigned char type[MAX_QUESTIONS];
	unsigned char shown[MAX_QUESTIONS];
	/* Hash index from id to 1 + question index, built on first use so a
	 * questionnaire without conditions pays nothing for it. */
	size_t nslots, indexed;
	uint16_t slot[INDEX_SLOTS];
};

static uint32_t hash_id(const char *s, size_t n)
{
	uint32_t h = 2166136261u;
	size_t i;

	for (i = 0; i < n; i++)
		h = (h ^ (unsigned char)s[i]) * 16777619u;
	return h;
}

/* Index of the question (among 0..done-1) with id s (n bytes), or -1. */
static long find_question(struct answers_ctx *a, const char *s, size_t n)
{
	size_t mask, k;

	if (a->nslots == 0) {
		size_t total = json_array_size(a->questions);

		a->nslots = 16;
		while (a->nslots < 2 * total)
			a->nslots *= 2;
		memset(a->slot, 0, a->nslots * sizeof(a->slot[0]));
	}
	mask = a->nslots - 1;
	for (; a->indexed < a->done; a->indexed++) {
		const char *id = a->id[a->indexed];

		k = hash_id(id, strlen(id)) & mask;
		while (a->slot[k] != 0)
			k = (k + 1) & mask;
		a->slot[k] = (uint16_t)(a->indexed + 1);
	}
	for (k = hash_id(s, n) & mask; a->slot[k] != 0; k = (k + 1) & mask) {
		const char *id = a->id[a->slot[k] - 1];

		if (strncmp(id, s, n) == 0 && id[n] == '\0')
			return a->slot[k] - 1;
	}
	return -1;
}

/* Equality of a condition operand and an answer: strings by bytes,
 * numbers by value (5 equals 5.0, as in JavaScript), booleans. */
static int same_value(const json_t *answer, const json_t *v)
{
	if (json_is_number(answer) && json_is_number(v))
		return json_number_value(answer) == json_number_value(v);
	if (json_is_string(answer) && json_is_string(v))
		return json_string_length(answer) == json_string_length(v) &&
		       memcmp(json_string_value(answer), json_string_value(v),
		              json_string_length(v)) == 0;
	if (json_is_boolean(answer) && json_is_boolean(v))
		return json_is_true(answer) == json_is_true(v);
	return 0;
}

/* Evaluate a condition of a valid document. A comparison naming a skipped
 * question is false whatever its operator. */
static int eval(struct answers_ctx *a, const json_t *cond)
{
	const json_t *qv = NULL, *arg = NULL, *ans;
	const char *op = NULL;
	void *it;
	size_t i, n;
	long j;

	for (it = json_object_iter(iterable(cond)); it != NULL;
	     it = json_object_iter_next(iterable(cond), it)) {
		const char *key = json_object_iter_key(it);

		if (strcmp(key, "question") == 0) {
			qv = json_object_iter_value(it);
		} else {
			op = key;
			arg = json_object_iter_value(it);
		}
	}
	if (op == NULL)
		return 0;
	n = json_array_size(arg);
	if (qv == NULL) {
		if (strcmp(op, "not") == 0)
			return !eval(a, arg);
		if (strcmp(op, "all") == 0) {
			for (i = 0; i < n; i++)
				if (!eval(a, json_array_get(arg, i)))
					return 0;
			return 1;
		}
		for (i = 0; i < n; i++) /* any */
			if (eval(a, json_array_get(arg, i)))
				return 1;
		return 0;
	}
	j = find_question(a, json_string_value(qv), json_string_length(qv));
	if (j < 0 || !a->shown[j])
		return 0;
	ans = json_is_null(a->value[j]) ? NULL : a->value[j]; /* null: not answered */
	if (strcmp(op, "answered") == 0)
		return (ans != NULL) == json_is_true(arg);
	if (ans == NULL)
		return 0;
	switch (op[0]) {
	case 'e': /* equals */
		return same_value(ans, arg);
	case 'g': /* gte */
		return json_is_number(ans) && json_number_value(ans) >= json_number_value(arg);
	case 'l': /* lte */
		return json_is_number(ans) && json_number_value(ans) <= json_number_value(arg);
	default:
		break;
	}
	if (strcmp(op, "in") == 0) {
		for (i = 0; i < n; i++)
			if (same_value(ans, json_array_get(arg, i)))
				return 1;
		return 0;
	}
	for (i = 0; i < json_array_size(ans); i++) /* includes */
		if (same_value(json_array_get(ans, i), arg))
			return 1;
	return 0;
}

static void ctx_init(struct answers_ctx *a, const json_t *doc, const json_t *answers)
{
	a->questions = json_object_get(doc, "questions");
	a->answers = json_is_object(answers) ? answers : NULL;
	a->done = 0;
	a->nslots = 0;
	a->indexed = 0;
}

/* Fill in question a->done: its id, type, answer and whether it is shown. */
static const json_t *ctx_step(struct answers_ctx *a)
{
	size_t i = a->done;
	const json_t *q = json_array_get(a->questions, i), *cond, *v;
	int type = fs_qn_parse_type(json_string_value(json_object_get(q, "type")));

	a->id[i] = json_string_value(json_object_get(q, "id"));
	a->type[i] = (unsigned char)(type < 0 ? Q_INFO : type);
	v = a->answers != NULL && a->id[i] != NULL ? json_object_get(a->answers, a->id[i]) : NULL;
	a->value[i] = v;
	cond = json_object_get(q, "show_if");
	a->shown[i] = (unsigned char)(cond == NULL || eval(a, cond));
	a->done++;
	return q;
}

int fs_question_is_shown(const json_t *doc, size_t i, const json_t *answers)
{
	struct answers_ctx a;
	size_t n;

	ctx_init(&a, doc, answers);
	n = json_array_size(a.questions);
	if (i >= n || n > MAX_QUESTIONS)
		return 0;
	while (a.done <= i)
		ctx_step(&a);
	return a.shown[i];
}

static int answer_fail(fs_answer_fault *fault, fs_err *err, const char *question, const char *rule,
                       const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 5, 6)))
#endif
    ;

/* Record a fault on question (NULL: on the answers as a whole) and the
 * message `question "ID": RULE TEXT` or `answers: RULE TEXT`. */
static int answer_fail(fs_answer_fault *fault, fs_err *err, const char *question, const char *rule,
                       const char *fmt, ...)
{
	char text[FS_ERR_MSG_MAX];
	va_list ap;

	if (fault != NULL) {
		snprintf(fault->question, sizeof(fault->question), "%s",
		         question != NULL ? question : "");
		snprintf(fault->rule, sizeof(fault->rule), "%s", rule);
	}
	va_start(ap, fmt);
	vsnprintf(text, sizeof(text), fmt, ap);
	va_end(ap);
	if (question == NULL)
		return fs_err_set(err, FS_EINVAL, "answers: %s", text);
	return fs_err_set(err, FS_EINVAL, "question \"%s\": %s", question, text);
}

#define FAIL(rule, ...) answer_fail(fault, err, id, rule, __VA_ARGS__)

static int check_range(const json_t *q, const json_t *v, const char *id, fs_answer_fault *fault,
                       fs_err *err)
{
	const json_t *lo = json_object_get(q, "min"), *hi = json_object_get(q, "max");
	double x = json_number_value(v);
	char num[40];

	if (lo != NULL && x < json_number_value(lo)) {
		format_number(num, json_number_value(lo));
		return FAIL("min", "must be at least %s", num);
	}
	if (hi != NULL && x > json_number_value(hi)) {
		format_number(num, json_number_value(hi));
		return FAIL("max", "must be at most %s", num);
	}
	return 0;
}

static int check_multi(const json_t *q, const json_t *v, const char *id, fs_answer_fault *fault,
                       fs_err *err)
{
	unsigned char chosen[MAX_OPTIONS];
	const json_t *lo = json_object_get(q, "min"), *hi = json_object_get(q, "max");
	size_t i, n = json_array_size(v);
	json_int_t lim;

	if (!json_is_array(v))
		return FAIL("type", "must be a list of option values");
	if (n == 0)
		return FAIL("empty", "must include at least one option");
	memset(chosen, 0, sizeof(chosen));
	/* Stops within options + 1 elements: past that one must repeat. */
	for (i = 0; i < n; i++) {
		const json_t *e = json_array_get(v, i);
		long o;

		if (!json_is_string(e))
			return FAIL("type", "must be a list of option values");
		o = fs_qn_option_index(q, json_string_value(e), json_string_length(e));
		if (o < 0)
			return FAIL("option", "includes a value that is not one of its options");
		if (chosen[o])
			return FAIL("duplicate", "includes the same option more than once");
		chosen[o] = 1;
	}
	lim = json_integer_value(lo);
	if (lo != NULL && (json_int_t)n < lim)
		return FAIL("min", "must include at least %lld option%s", (long long)lim,
		            lim == 1 ? "" : "s");
	lim = json_integer_value(hi);
	if (hi != NULL && (json_int_t)n > lim)
		return FAIL("max", "must include at most %lld option%s", (long long)lim,
		            lim == 1 ? "" : "s");
	return 0;
}

static int check_text_answer(const json_t *q, const json_t *v, const char *id,
                             fs_answer_fault *fault, fs_err *err)
{
	const json_t *ml = json_object_get(q, "max_length");
	size_t n = json_string_length(v);
	size_t max = ml != NULL ? (size_t)json_integer_value(ml) : DEFAULT_MAX_LENGTH;
	const char *s = json_string_value(v);

	if (!json_is_string(v))
		return FAIL("type", "must be a string");
	if (n == 0)
		return FAIL("empty", "must not be empty");
	if (fs_qn_starts_with_space(s, n) || fs_qn_ends_with_space(s, n)) {
		if (fs_qn_is_blank(s, n))
			return FAIL("empty", "must not be empty");
		return FAIL("not_trimmed", "must not start or end with white space");
	}
	if (n > max && fs_qn_utf8_count(s, n) > max)
		return FAIL("max_length", "must be at most %zu characters", max);
	return 0;
}

static int check_date(const json_t *q, const json_t *v, const char *today, const char *id,
                      fs_answer_fault *fault, fs_err *err)
{
	const char *lo = json_string_value(json_object_get(q, "min"));
	const char *hi = json_string_value(json_object_get(q, "max"));
	const char *s = json_string_value(v);

	if (!json_is_string(v))
		return FAIL("type", "must be a date written YYYY-MM-DD");
	if (!fs_qn_date_is_valid(s, json_string_length(v)))
		return FAIL("date", "must be a real calendar date written YYYY-MM-DD");
	if (lo != NULL && strcmp(s, strcmp(lo, "today") == 0 ? today : lo) < 0)
		return FAIL("min", "must not be earlier than %s", lo);
	if (hi != NULL && strcmp(s, strcmp(hi, "today") == 0 ? today : hi) > 0)
		return FAIL("max", "must not be later than %s", hi);
	return 0;
}

/* The answer v given to shown question q of type type. */
static int check_answer(const json_t *q, int type, const json_t *v, const char *today,
                        const char *id, fs_answer_fault *fault, fs_err *err)
{
	switch (type) {
	case Q_SINGLE:
		if (!json_is_string(v))
			return FAIL("type", "must be an option value");
		if (fs_qn_option_index(q, json_string_value(v), json_string_length(v)) < 0)
			return FAIL("option", "is not one of its options");
		return 0;
	case Q_MULTI:
		return check_multi(q, v, id, fault, err);
	case Q_TEXT:
		return check_text_answer(q, v, id, fault, err);
	case Q_NUMBER:
		if (!json_is_number(v))
			return FAIL("type", "must be a number");
		if (json_is_true(json_object_get(q, "integer")) && !is_whole(v))
			return FAIL("integer", "must be a whole number");
		return check_range(q, v, id, fault, err);
	case Q_SCALE:
		if (!json_is_number(v))
			return FAIL("type", "must be a number");
		if (!is_whole(v))
			return FAIL("integer", "must be a whole number");
		return check_range(q, v, id, fault, err);
	case Q_DATE:
		return check_date(q, v, today, id, fault, err);
	default: /* yes_no, consent */
		if (!json_is_boolean(v))
			return FAIL("type", "must be true or false");
		if (type == Q_CONSENT && json_is_false(v) &&
		    json_is_true(json_object_get(q, "required")))
			return FAIL("consent_declined",
			            "consent was not given, so nothing may be stored");
		return 0;
	}
}

#undef FAIL

/* The answers hold a key that names no question: report the first such
 * key in byte order among those shaped like a question id, so the result
 * does not depend on the order of keys (JavaScript reorders some). */
static int unknown_answer(struct answers_ctx *a, fs_answer_fault *fault, fs_err *err)
{
	const char *key, *first = NULL;
	json_t *v;

	json_object_foreach(iterable(a->answers), key, v)
	{
		size_t n = strlen(key);

		if (!fs_qn_is_question_id(key, n) || find_question(a, key, n) >= 0)
			continue;
		if (first == NULL || strcmp(key, first) < 0)
			first = key;
	}
	if (first == NULL)
		return answer_fail(fault, err, NULL, "unknown",
		                   "has a key that is not a question of this questionnaire");
	answer_fail(fault, err, NULL, "unknown", "\"%s\" is not a question of this questionnaire",
	            first);
	if (fault != NULL)
		snprintf(fault->question, sizeof(fault->question), "%s", first);
	return FS_EINVAL;
}

int fs_answers_validate(const json_t *doc, const json_t *answers, const char *today,
                        fs_answer_fault *fault, fs_err *err)
{
	struct answers_ctx a;
	size_t i, n, given = 0;
	int rc;

	assert(today != NULL && fs_date_is_valid(today));
	if (fault != NULL) {
		fault->question[0] = '\0';
		fault->rule[0] = '\0';
	}
	if (!json_is_object(answers))
		return answer_fail(fault, err, NULL, "type", "must be a JSON object");
	ctx_init(&a, doc, answers);
	n = json_array_size(a.questions);
	if (n > MAX_QUESTIONS) /* not a valid document */
		return fs_err_set(err, FS_EINVAL,
		                  "questions: must be an array of 1 to %d questions",
		                  MAX_QUESTIONS);
	for (i = 0; i < n; i++) {
		const json_t *q = ctx_step(&a);
		const json_t *v = a.value[i];
		const char *id = a.id[i];

		if (v == NULL) {
			if (a.shown[i] && a.type[i] != Q_INFO &&
			    json_is_true(json_object_get(q, "required")))
				return answer_fail(fault, err, id, "required", "is required");
			continue;
		}
		given++;
		if (a.type[i] == Q_INFO)
			return answer_fail(fault, err, id, "not_shown",
			                   "is information only and takes no answer");
		if (!a.shown[i])
			return answer_fail(fault, err, id, "not_shown",
			                   "is not shown, so it takes no answer");
		rc = check_answer(q, a.type[i], v, today, id, fault, err);
		if (rc != 0)
			return rc;
	}
	if (given != json_object_size(answers))
		return unknown_answer(&a, fault, err);
	return 0;
}

