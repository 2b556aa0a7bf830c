/* fieldsync: questionnaire document validation.
 *
 * fs_questionnaire_validate checks a document once, when it is published,
 * and reports the first broken rule with its JSON path. Answer validation
 * (questionnaire_answers.c) then trusts the document's shape.
 *
 * The order of checks and every message are part of the contract
 * (docs/questionnaire-format.md, "Documents"). */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "questionnaire_internal.h"

/* The keys a question may have and the types each applies to. */
static const struct {
	const char *key;
	unsigned types;
} question_keys[] = {
    {"id", ALL_TYPES},
    {"type", ALL_TYPES},
    {"label", ALL_TYPES},
    {"hint", ALL_TYPES},
    {"show_if", ALL_TYPES},
    {"required", ANSWERABLE},
    {"options", T(Q_SINGLE) | T(Q_MULTI)},
    {"min", T(Q_NUMBER) | T(Q_SCALE) | T(Q_MULTI) | T(Q_DATE)},
    {"max", T(Q_NUMBER) | T(Q_SCALE) | T(Q_MULTI) | T(Q_DATE)},
    {"min_label", T(Q_SCALE)},
    {"max_label", T(Q_SCALE)},
    {"integer", T(Q_NUMBER)},
    {"max_length", T(Q_TEXT)},
    {"multiline", T(Q_TEXT)},
};

/* [a-z0-9][a-z0-9-]{0,63} */
static int is_doc_id(const char *s, size_t n)
{
	size_t i;

	if (n < 1 || n > MAX_ID_LEN || !(is_lower(s[0]) || is_digit(s[0])))
		return 0;
	for (i = 1; i < n; i++)
		if (!(is_lower(s[i]) || is_digit(s[i]) || s[i] == '-'))
			return 0;
	return 1;
}

/* [a-z0-9_]{1,64} */
static int is_option_value(const char *s, size_t n)
{
	size_t i;

	if (n < 1 || n > MAX_ID_LEN)
		return 0;
	for (i = 0; i < n; i++)
		if (!(is_lower(s[i]) || is_digit(s[i]) || s[i] == '_'))
			return 0;
	return 1;
}

/* Write s (n bytes, from a document) as a JSON string literal, escaped so
 * the message stays one printable line and cut after QUOTE_MAX bytes. */
#define QUOTE_BUF (QUOTE_MAX * 6 + 8)
static const char *quote(char out[QUOTE_BUF], const char *s, size_t n)
{
	size_t i, o = 0, cut = n;

	if (cut > QUOTE_MAX) {
		cut = QUOTE_MAX;
		while (cut > 0 && ((unsigned char)s[cut] & 0xc0) == 0x80)
			cut--;
	}
	out[o++] = '"';
	for (i = 0; i < cut; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c == '"' || c == '\\') {
			out[o++] = '\\';
			out[o++] = (char)c;
		} else if (c == '\n' || c == '\r' || c == '\t') {
			out[o++] = '\\';
			out[o++] = c == '\n' ? 'n' : c == '\r' ? 'r' : 't';
		} else if (c < 0x20 || c == 0x7f) {
			o += (size_t)snprintf(out + o, QUOTE_BUF - o, "\\u%04x", c);
		} else {
			out[o++] = (char)c;
		}
	}
	if (cut < n) {
		memcpy(out + o, "...", 3);
		o += 3;
	}
	out[o++] = '"';
	out[o] = '\0';
	return out;
}

static const char *quote_json(char out[QUOTE_BUF], const json_t *v)
{
	return quote(out, json_string_value(v), json_string_length(v));
}

/* A JSON path such as questions[2].options[1].value, built as the checks
 * descend; push returns a mark to pop back to. */
struct path {
	char buf[384];
	size_t len;
};

static size_t path_add(struct path *p, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;

static size_t path_add(struct path *p, const char *fmt, ...)
{
	size_t mark = p->len, room = sizeof(p->buf) - p->len;
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(p->buf + p->len, room, fmt, ap);
	va_end(ap);
	if (n > 0)
		p->len += (size_t)n < room ? (size_t)n : room - 1;
	return mark;
}

static size_t path_key(struct path *p, const char *key)
{
	const char *dot = p->len > 0 ? "." : "";
	size_t i, n = strlen(key);
	char q[QUOTE_BUF];

	for (i = 0; i < n; i++)
		if (!(is_alnum(key[i]) || key[i] == '_' || key[i] == '-'))
			break;
	if (n > 0 && n <= MAX_ID_LEN && i == n)
		return path_add(p, "%s%s", dot, key);
	return path_add(p, "[%s]", quote(q, key, n));
}

static size_t path_index(struct path *p, size_t i)
{
	return path_add(p, "[%zu]", i);
}

static void path_pop(struct path *p, size_t mark)
{
	p->len = mark;
	p->buf[mark] = '\0';
}

struct doc_check {
	const json_t *languages; /* valid once checked */
	const json_t *questions;
	size_t conditions; /* condition objects seen in the current show_if */
	struct path path;
	fs_err *err;
};

static int doc_fail(struct doc_check *c, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;

/* Report "PATH: RULE" for the current path. Returns FS_EINVAL. */
static int doc_fail(struct doc_check *c, const char *fmt, ...)
{
	char rule[FS_ERR_MSG_MAX];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(rule, sizeof(rule), fmt, ap);
	va_end(ap);
	return fs_err_set(c->err, FS_EINVAL, "%s: %s", c->path.len > 0 ? c->path.buf : "document",
	                  rule);
}

/* Fail on the first key of obj (in document order) that is not in keys. */
static int check_known_keys(struct doc_check *c, const json_t *obj, const char *const *keys)
{
	const char *key;
	json_t *v;
	size_t i;

	json_object_foreach(iterable(obj), key, v)
	{
		for (i = 0; keys[i] != NULL; i++)
			if (strcmp(key, keys[i]) == 0)
				break;
		if (keys[i] == NULL) {
			path_key(&c->path, key);
			return doc_fail(c, "unknown key");
		}
	}
	return 0;
}

/* A text: an object from listed language tag to a non-empty string, with
 * the default language present. The path points at the text. */
static int check_text(struct doc_check *c, const json_t *text)
{
	const json_t *def = json_array_get(c->languages, 0);
	char q[QUOTE_BUF];
	const char *key;
	json_t *v;
	size_t i, n, mark;

	if (!json_is_object(text))
		return doc_fail(c, "must be an object from language tag to text");
	if (json_object_get(text, json_string_value(def)) == NULL)
		return doc_fail(c, "has no text in the default language %s", quote_json(q, def));
	json_object_foreach(iterable(text), key, v)
	{
		mark = path_key(&c->path, key);
		for (i = 0; i < json_array_size(c->languages); i++)
			if (strcmp(key, json_string_value(json_array_get(c->languages, i))) == 0)
				break;
		if (i == json_array_size(c->languages))
			return doc_fail(c, "is not one of the languages");
		n = json_string_length(v);
		if (!json_is_string(v) || fs_qn_is_blank(json_string_value(v), n))
			return doc_fail(c, "must be a non-empty string");
		if (n > MAX_TEXT_CHARS && fs_qn_utf8_count(json_string_value(v), n) > MAX_TEXT_CHARS)
			return doc_fail(c, "must be at most %d characters", MAX_TEXT_CHARS);
		path_pop(&c->path, mark);
	}
	return 0;
}

/* Check obj[key] as a text if present; required says whether it must be. */
static int check_text_key(struct doc_check *c, const json_t *obj, const char *key, int required)
{
	const json_t *v = json_object_get(obj, key);
	size_t mark;
	int rc;

	if (v == NULL && !required)
		return 0;
	mark = path_key(&c->path, key);
	rc = v == NULL ? doc_fail(c, "is required") : check_text(c, v);
	path_pop(&c->path, mark);
	return rc;
}

static int check_bool_key(struct doc_check *c, const json_t *obj, const char *key)
{
	const json_t *v = json_object_get(obj, key);
	size_t mark;

	if (v == NULL || json_is_boolean(v))
		return 0;
	mark = path_key(&c->path, key);
	doc_fail(c, "must be true or false");
	path_pop(&c->path, mark);
	return FS_EINVAL;
}

static int check_languages(struct doc_check *c, const json_t *doc)
{
	const json_t *langs = json_object_get(doc, "languages");
	char q[QUOTE_BUF];
	size_t i, j, n;

	path_key(&c->path, "languages");
	if (langs == NULL)
		return doc_fail(c, "is required");
	n = json_array_size(langs);
	if (!json_is_array(langs) || n < 1 || n > MAX_LANGUAGES)
		return doc_fail(c, "must be an array of 1 to %d language tags", MAX_LANGUAGES);
	for (i = 0; i < n; i++) {
		const json_t *tag = json_array_get(langs, i);
		size_t mark = path_index(&c->path, i);

		if (!json_is_string(tag))
			return doc_fail(c, "must be a string");
		if (!fs_language_tag_is_valid(json_string_value(tag), json_string_length(tag)))
			return doc_fail(c, "%s does not match " FS_LANGUAGE_TAG_PATTERN,
			                quote_json(q, tag));
		for (j = 0; j < i; j++)
			if (fs_qn_same_tag(json_string_value(tag),
			             json_string_value(json_array_get(langs, j))))
				return doc_fail(c, "%s is already used by languages[%zu]",
				                quote_json(q, tag), j);
		path_pop(&c->path, mark);
	}
	path_pop(&c->path, 0);
	c->languages = langs;
	return 0;
}

/* A list of {"value", "label"} (a question's options, the topics of a
 * contact request), the path at the list: 1 to max entries, each value
 * [a-z0-9_]{1,64} and used once, each label a text. noun names the
 * entries in messages. */
static int check_value_list(struct doc_check *c, const json_t *list, const char *noun, int max)
{
	static const char *const keys[] = {"value", "label", NULL};
	char qv[QUOTE_BUF];
	size_t i, j, n = json_array_size(list);
	int rc;

	if (!json_is_array(list) || n < 1 || n > (size_t)max)
		return doc_fail(c, "must be an array of 1 to %d %s", max, noun);
	for (i = 0; i < n; i++) {
		const json_t *o = json_array_get(list, i), *v;
		size_t m1 = path_index(&c->path, i), m2;

		if (!json_is_object(o))
			return doc_fail(c, "must be an object");
		if ((rc = check_known_keys(c, o, keys)) != 0)
			return rc;
		v = json_object_get(o, "value");
		m2 = path_key(&c->path, "value");
		if (v == NULL)
			return doc_fail(c, "is required");
		if (!json_is_string(v))
			return doc_fail(c, "must be a string");
		if (!is_option_value(json_string_value(v), json_string_length(v)))
			return doc_fail(c, "%s does not match [a-z0-9_]{1,64}", quote_json(qv, v));
		for (j = 0; j < i; j++)
			if (json_equal(v, json_object_get(json_array_get(list, j), "value")))
				return doc_fail(c, "%s is already used by %s[%zu]", quote_json(qv, v),
				                noun, j);
		path_pop(&c->path, m2);
		if ((rc = check_text_key(c, o, "label", 1)) != 0)
			return rc;
		path_pop(&c->path, m1);
	}
	return 0;
}

static int check_options(struct doc_check *c, const json_t *q, int type)
{
	const json_t *opts = json_object_get(q, "options");
	size_t m0 = path_key(&c->path, "options");
	int rc;

	if (opts == NULL)
		return doc_fail(c, "is required for type \"%s\"", fs_qn_type_names[type]);
	if ((rc = check_value_list(c, opts, "options", MAX_OPTIONS)) != 0)
		return rc;
	path_pop(&c->path, m0);
	return 0;
}

/* min and max of a question whose type uses them. */
static int check_limits(struct doc_check *c, const json_t *q, int type)
{
	static const char *const names[2] = {"min", "max"};
	const json_t *lim[2];
	size_t nopts = json_array_size(json_object_get(q, "options"));
	char q1[QUOTE_BUF];
	int k;

	size_t mark;

	for (k = 0; k < 2; k++) {
		const json_t *v = lim[k] = json_object_get(q, names[k]);

		if (v == NULL && type != Q_SCALE)
			continue;
		mark = path_key(&c->path, names[k]);
		if (v == NULL)
			return doc_fail(c, "is required for type \"scale\"");
		switch (type) {
		case Q_NUMBER:
			if (!json_is_number(v))
				return doc_fail(c, "must be a number");
			break;
		case Q_SCALE:
			if (!json_is_integer(v))
				return doc_fail(c, "must be an integer");
			break;
		case Q_MULTI:
			if (!json_is_integer(v) || json_integer_value(v) < k ||
			    json_integer_value(v) > (json_int_t)nopts)
				return doc_fail(c, "must be an integer from %d to %zu", k, nopts);
			break;
		case Q_DATE:
			if (!json_is_string(v) ||
			    (strcmp(json_string_value(v), "today") != 0 &&
			     !fs_qn_date_is_valid(json_string_value(v), json_string_length(v))))
				return doc_fail(c,
				                "must be a date written YYYY-MM-DD, or \"today\"");
			break;
		}
		path_pop(&c->path, mark);
	}
	if (lim[0] == NULL || lim[1] == NULL)
		return 0;
	mark = path_key(&c->path, "max");
	if (type == Q_DATE) {
		const char *lo = json_string_value(lim[0]), *hi = json_string_value(lim[1]);

		if (strcmp(lo, "today") != 0 && strcmp(hi, "today") != 0 && strcmp(hi, lo) < 0)
			return doc_fail(c, "must not be earlier than min %s",
			                quote_json(q1, lim[0]));
	} else if (json_number_value(lim[1]) < json_number_value(lim[0])) {
		return doc_fail(c, "must not be less than min");
	} else if (type == Q_SCALE &&
	           json_number_value(lim[1]) - json_number_value(lim[0]) > MAX_SCALE_STEPS) {
		return doc_fail(c, "must be at most %d more than min", MAX_SCALE_STEPS);
	}
	path_pop(&c->path, mark);
	return 0;
}

/* Condition operands must fit the answer of the question they compare with
 * (target, of type ttype and id tid). The path points at the operand. */
static int check_operand(struct doc_check *c, const json_t *v, const json_t *target, int ttype,
                         const char *tid)
{
	char q1[QUOTE_BUF], q2[QUOTE_BUF];

	quote(q2, tid, strlen(tid));
	switch (ttype) {
	case Q_SINGLE:
	case Q_MULTI:
		if (!json_is_string(v))
			return doc_fail(c, "must be an option value of %s", q2);
		if (fs_qn_option_index(target, json_string_value(v), json_string_length(v)) < 0)
			return doc_fail(c, "%s is not an option of %s", quote_json(q1, v), q2);
		return 0;
	case Q_TEXT:
		return json_is_string(v) ? 0 : doc_fail(c, "must be a string");
	case Q_NUMBER:
		return json_is_number(v) ? 0 : doc_fail(c, "must be a number");
	case Q_SCALE:
		return json_is_integer(v) ? 0 : doc_fail(c, "must be an integer");
	case Q_DATE:
		if (json_is_string(v) &&
		    fs_qn_date_is_valid(json_string_value(v), json_string_length(v)))
			return 0;
		return doc_fail(c, "must be a date written YYYY-MM-DD");
	default:
		return json_is_boolean(v) ? 0 : doc_fail(c, "must be true or false");
	}
}

/* {"question": Q, OP: ARG}: Q an earlier, answerable question, ARG fit for
 * OP and for Q's type. qi is the index of the question being checked. */
static int check_comparison(struct doc_check *c, const json_t *cond, size_t qi, const char *op)
{
	const json_t *qv = json_object_get(cond, "question"), *arg = json_object_get(cond, op);
	const json_t *target = NULL;
	const char *tid;
	char q1[QUOTE_BUF];
	size_t i, n, mark = path_key(&c->path, "question");
	int ttype;

	if (!json_is_string(qv))
		return doc_fail(c, "must be a string");
	for (i = 0; i < json_array_size(c->questions); i++) {
		const json_t *id = json_object_get(json_array_get(c->questions, i), "id");

		if (json_is_string(id) && json_equal(id, qv))
			break;
	}
	if (i == json_array_size(c->questions))
		return doc_fail(c, "%s is not a question in this questionnaire",
		                quote_json(q1, qv));
	if (i >= qi)
		return doc_fail(c, "%s is not an earlier question", quote_json(q1, qv));
	target = json_array_get(c->questions, i);
	tid = json_string_value(qv);
	ttype = fs_qn_parse_type(json_string_value(json_object_get(target, "type")));
	if (ttype == Q_INFO)
		return doc_fail(c, "%s is an info question and has no answer", quote_json(q1, qv));
	path_pop(&c->path, mark);

	path_key(&c->path, op);
	quote(q1, tid, strlen(tid));
	if (strcmp(op, "answered") == 0)
		return json_is_boolean(arg) ? 0 : doc_fail(c, "must be true or false");
	if (strcmp(op, "gte") == 0 || strcmp(op, "lte") == 0) {
		if (ttype != Q_NUMBER && ttype != Q_SCALE)
			return doc_fail(c, "applies only to number and scale questions; %s is %s",
			                q1, fs_qn_type_names[ttype]);
		return json_is_number(arg) ? 0 : doc_fail(c, "must be a number");
	}
	if (strcmp(op, "includes") == 0) {
		if (ttype != Q_MULTI)
			return doc_fail(c, "applies only to multi_choice questions; %s is %s", q1,
			                fs_qn_type_names[ttype]);
		return check_operand(c, arg, target, ttype, tid);
	}
	if (ttype == Q_MULTI)
		return doc_fail(c, "does not apply to multi_choice questions; use \"includes\"");
	if (strcmp(op, "equals") == 0)
		return check_operand(c, arg, target, ttype, tid);
	n = json_array_size(arg);
	if (!json_is_array(arg) || n < 1 || n > MAX_IN_VALUES)
		return doc_fail(c, "must be an array of 1 to %d values", MAX_IN_VALUES);
	for (i = 0; i < n; i++) {
		size_t m = path_index(&c->path, i);
		int rc = check_operand(c, json_array_get(arg, i), target, ttype, tid);

		if (rc != 0)
			return rc;
		path_pop(&c->path, m);
	}
	return 0;
}

static const char *const condition_forms[] = {"all", "any", "not", "question", NULL};
static int in_list(const char *key, const char *const *list)
{
	size_t i;

	for (i = 0; list[i] != NULL; i++)
		if (strcmp(key, list[i]) == 0)
			return 1;
	return 0;
}

/* One condition object, at depth (1 for show_if itself), on question qi. */
static int check_condition(struct doc_check *c, const json_t *cond, size_t qi, int depth)
{
	static const char *const keys[] = {"all",      "any", "not", "question", "equals", "in",
	                                   "answered", "gte", "lte", "includes", NULL};
	const char *form = NULL, *op = NULL, *key;
	json_t *v;
	size_t i, n;
	int rc;

	if (depth > MAX_CONDITION_DEPTH)
		return doc_fail(c, "conditions are nested more than %d deep", MAX_CONDITION_DEPTH);
	if (++c->conditions > MAX_CONDITIONS)
		return doc_fail(c, "a show_if may have at most %d conditions", MAX_CONDITIONS);
	if (!json_is_object(cond))
		return doc_fail(c, "must be a condition object");
	if ((rc = check_known_keys(c, cond, keys)) != 0)
		return rc;
	json_object_foreach(iterable(cond), key, v)
	{
		if (form == NULL && in_list(key, condition_forms))
			form = key;
	}
	if (form == NULL)
		return doc_fail(c, "needs \"question\", \"all\", \"any\" or \"not\"");
	json_object_foreach(iterable(cond), key, v)
	{
		const char *beside = NULL;

		if (strcmp(key, form) == 0)
			continue;
		if (strcmp(form, "question") != 0 || in_list(key, condition_forms))
			beside = form;
		else if (op != NULL)
			beside = op;
		else
			op = key;
		if (beside != NULL) {
			path_key(&c->path, key);
			return doc_fail(c, "not allowed beside \"%s\"", beside);
		}
	}
	if (strcmp(form, "question") == 0) {
		if (op == NULL)
			return doc_fail(c, "needs one of equals, in, answered, gte, lte, includes");
		return check_comparison(c, cond, qi, op);
	}
	v = json_object_get(cond, form);
	path_key(&c->path, form);
	if (strcmp(form, "not") == 0)
		return check_condition(c, v, qi, depth + 1);
	n = json_array_size(v);
	if (!json_is_array(v) || n < 1)
		return doc_fail(c, "must be a non-empty array of conditions");
	for (i = 0; i < n; i++) {
		size_t mark = path_index(&c->path, i);

		if ((rc = check_condition(c, json_array_get(v, i), qi, depth + 1)) != 0)
			return rc;
		path_pop(&c->path, mark);
	}
	return 0;
}

static int check_question(struct doc_check *c, size_t qi)
{
	const json_t *q = json_array_get(c->questions, qi), *v;
	const char *key;
	json_t *kv;
	char q1[QUOTE_BUF];
	size_t i, base = c->path.len; /* the path of the question */
	int type, rc;

	if (!json_is_object(q))
		return doc_fail(c, "must be an object");

	path_key(&c->path, "id");
	v = json_object_get(q, "id");
	if (v == NULL)
		return doc_fail(c, "is required");
	if (!json_is_string(v))
		return doc_fail(c, "must be a string");
	if (!fs_qn_is_question_id(json_string_value(v), json_string_length(v)))
		return doc_fail(c, "%s does not match [a-z][a-z0-9_]{0,63}", quote_json(q1, v));
	for (i = 0; i < qi; i++)
		if (json_equal(v, json_object_get(json_array_get(c->questions, i), "id")))
			return doc_fail(c, "%s is already used by questions[%zu]",
			                quote_json(q1, v), i);
	path_pop(&c->path, base);

	path_key(&c->path, "type");
	v = json_object_get(q, "type");
	if (v == NULL)
		return doc_fail(c, "is required");
	if (!json_is_string(v))
		return doc_fail(c, "must be a string");
	type = fs_qn_parse_type(json_string_value(v));
	if (type < 0)
		return doc_fail(c,
		                "%s is not one of single_choice, multi_choice, text, number, "
		                "scale, date, yes_no, consent, info",
		                quote_json(q1, v));
	path_pop(&c->path, base);

	json_object_foreach(iterable(q), key, kv)
	{
		for (i = 0; i < sizeof(question_keys) / sizeof(question_keys[0]); i++)
			if (strcmp(key, question_keys[i].key) == 0)
				break;
		if (i == sizeof(question_keys) / sizeof(question_keys[0])) {
			path_key(&c->path, key);
			return doc_fail(c, "unknown key");
		}
		if (!(question_keys[i].types & T(type))) {
			path_key(&c->path, key);
			return doc_fail(c, "does not apply to type \"%s\"", fs_qn_type_names[type]);
		}
	}

	if ((rc = check_text_key(c, q, "label", 1)) != 0 ||
	    (rc = check_text_key(c, q, "hint", 0)) != 0 ||
	    (rc = check_bool_key(c, q, "required")) != 0)
		return rc;
	if ((type == Q_SINGLE || type == Q_MULTI) && (rc = check_options(c, q, type)) != 0)
		return rc;
	if ((type == Q_NUMBER || type == Q_SCALE || type == Q_MULTI || type == Q_DATE) &&
	    (rc = check_limits(c, q, type)) != 0)
		return rc;
	if ((rc = check_text_key(c, q, "min_label", 0)) != 0 ||
	    (rc = check_text_key(c, q, "max_label", 0)) != 0 ||
	    (rc = check_bool_key(c, q, "integer")) != 0)
		return rc;
	v = json_object_get(q, "max_length");
	if (v != NULL && (!json_is_integer(v) || json_integer_value(v) < 1 ||
	                  json_integer_value(v) > MAX_LENGTH_LIMIT)) {
		path_key(&c->path, "max_length");
		return doc_fail(c, "must be an integer from 1 to %d", MAX_LENGTH_LIMIT);
	}
	if ((rc = check_bool_key(c, q, "multiline")) != 0)
		return rc;
	v = json_object_get(q, "show_if");
	if (v != NULL) {
		path_key(&c->path, "show_if");
		c->conditions = 0;
		if ((rc = check_condition(c, v, qi, 1)) != 0)
			return rc;
		path_pop(&c->path, base);
	}
	return 0;
}

/* "stems": [{"text": TEXT, "questions": [ID, ...]}, ...]: a text shown on
 * each question listed (the "Over the last 2 weeks, how often..." of a
 * group of items). Each id names a question of the document, in at most
 * one stem. */
static int check_stems(struct doc_check *c, const json_t *doc)
{
	static const char *const keys[] = {"text", "questions", NULL};
	const json_t *stems = json_object_get(doc, "stems");
	char q1[QUOTE_BUF];
	size_t i, j, k, n = json_array_size(stems), m0;
	int rc;

	if (stems == NULL)
		return 0;
	m0 = path_key(&c->path, "stems");
	if (!json_is_array(stems) || n < 1 || n > MAX_STEMS)
		return doc_fail(c, "must be an array of 1 to %d stems", MAX_STEMS);
	for (i = 0; i < n; i++) {
		const json_t *st = json_array_get(stems, i), *ids;
		size_t m1 = path_index(&c->path, i), m2, nids;

		if (!json_is_object(st))
			return doc_fail(c, "must be an object");
		if ((rc = check_known_keys(c, st, keys)) != 0 ||
		    (rc = check_text_key(c, st, "text", 1)) != 0)
			return rc;
		ids = json_object_get(st, "questions");
		nids = json_array_size(ids);
		m2 = path_key(&c->path, "questions");
		if (ids == NULL)
			return doc_fail(c, "is required");
		if (!json_is_array(ids) || nids < 1 || nids > MAX_QUESTIONS)
			return doc_fail(c, "must be an array of 1 to %d question ids",
			                MAX_QUESTIONS);
		for (j = 0; j < nids; j++) {
			const json_t *id = json_array_get(ids, j);
			size_t m3 = path_index(&c->path, j);

			if (!json_is_string(id))
				return doc_fail(c, "must be a string");
			for (k = 0; k < json_array_size(c->questions); k++)
				if (json_equal(id, json_object_get(
				                       json_array_get(c->questions, k), "id")))
					break;
			if (k == json_array_size(c->questions))
				return doc_fail(c, "%s is not a question in this questionnaire",
				                quote_json(q1, id));
			/* in an earlier stem, or earlier in this one */
			for (k = 0; k <= i; k++) {
				const json_t *other =
				    json_object_get(json_array_get(stems, k), "questions");
				size_t l, end = k < i ? json_array_size(other) : j;

				for (l = 0; l < end; l++)
					if (json_equal(id, json_array_get(other, l)))
						return doc_fail(c,
						                "%s already has a stem "
						                "(stems[%zu].questions[%zu])",
						                quote_json(q1, id), k, l);
			}
			path_pop(&c->path, m3);
		}
		path_pop(&c->path, m1);
		(void)m2;
	}
	path_pop(&c->path, m0);
	return 0;
}

/* "ui_strings": {LANG: {NAME: STRING, ...}, ...}: the kiosk's own words
 * for a language of the document (fs_qn_ui_string_placeholders names
 * them), each a non-blank string of at most MAX_UI_STRING_CHARS
 * characters holding its placeholders exactly once and no other brace. A
 * word not given is the kiosk's own, else English. */
static int check_ui_strings(struct doc_check *c, const json_t *doc)
{
	const json_t *all = json_object_get(doc, "ui_strings");
	const char *lang, *key;
	json_t *tab, *v;
	size_t i, m0;

	if (all == NULL)
		return 0;
	m0 = path_key(&c->path, "ui_strings");
	if (!json_is_object(all))
		return doc_fail(c, "must be an object from language tag to the kiosk's words");
	json_object_foreach(iterable(all), lang, tab)
	{
		size_t m1 = path_key(&c->path, lang);

		for (i = 0; i < json_array_size(c->languages); i++)
			if (strcmp(lang, json_string_value(json_array_get(c->languages, i))) == 0)
				break;
		if (i == json_array_size(c->languages))
			return doc_fail(c, "is not one of the languages");
		if (!json_is_object(tab))
			return doc_fail(c, "must be an object from name to text");
		json_object_foreach(tab, key, v)
		{
			const char *names = fs_qn_ui_string_placeholders(key);
			size_t m2 = path_key(&c->path, key), n = json_string_length(v);

			if (names == NULL)
				return doc_fail(c, "is not one of the kiosk's words");
			if (!json_is_string(v) || fs_qn_is_blank(json_string_value(v), n))
				return doc_fail(c, "must be a non-empty string");
			if (n > MAX_UI_STRING_CHARS &&
			    fs_qn_utf8_count(json_string_value(v), n) > MAX_UI_STRING_CHARS)
				return doc_fail(c, "must be at most %d characters",
				                MAX_UI_STRING_CHARS);
			if (!fs_qn_ui_string_placeholders_ok(json_string_value(v), n, names)) {
				char list[128];
				size_t o = 0, w, count = 0, k = 0;
				const char *p;

				if (*names == '\0')
					return doc_fail(c, "must not contain { or }");
				for (p = names; *p != '\0'; p += strspn(p, " "))
					count++, p += strcspn(p, " ");
				for (p = names; *p != '\0'; p += strspn(p, " "), k++) {
					w = strcspn(p, " ");
					o += (size_t)snprintf(list + o, sizeof(list) - o, "%s{%.*s}",
					                      k == 0 ? "" : k + 1 == count ? " and " : ", ",
					                      (int)w, p);
					p += w;
				}
				return doc_fail(c, "must contain %s once each and no other { or }",
				                list);
			}
			path_pop(&c->path, m2);
		}
		path_pop(&c->path, m1);
	}
	path_pop(&c->path, m0);
	return 0;
}

/* "contact_request": {"topics": [{"value", "label"}, ...]}: the kiosk
 * offers, after submit, a separate request to be contacted about one of
 * these topics (docs/reciprocity.md). A topic's value goes into the
 * contact's "topics" field (record_check.c: entries of 1 to 64 bytes, at
 * most 20), so values are option values and at most MAX_CONTACT_TOPICS. */
static int check_contact_request(struct doc_check *c, const json_t *doc)
{
	static const char *const keys[] = {"topics", NULL};
	const json_t *cr = json_object_get(doc, "contact_request"), *topics;
	size_t m0, m1;
	int rc;

	if (cr == NULL)
		return 0;
	m0 = path_key(&c->path, "contact_request");
	if (!json_is_object(cr))
		return doc_fail(c, "must be an object");
	if ((rc = check_known_keys(c, cr, keys)) != 0)
		return rc;
	topics = json_object_get(cr, "topics");
	m1 = path_key(&c->path, "topics");
	if (topics == NULL)
		return doc_fail(c, "is required");
	if ((rc = check_value_list(c, topics, "topics", MAX_CONTACT_TOPICS)) != 0)
		return rc;
	path_pop(&c->path, m1);
	path_pop(&c->path, m0);
	return 0;
}

int fs_questionnaire_validate(const json_t *doc, fs_err *err)
{
	static const char *const keys[] = {"format",    "id",    "version", "languages",
	                                   "title",     "intro", "closing", "questions",
	                                   "stems",     "ui_strings", "contact_request", NULL};
	struct doc_check c;
	const json_t *v;
	char q[QUOTE_BUF];
	size_t i, n;
	int rc;

	memset(&c, 0, sizeof(c));
	c.err = err;
	if (!json_is_object(doc))
		return doc_fail(&c, "must be a JSON object");

	path_key(&c.path, "format");
	v = json_object_get(doc, "format");
	if (v == NULL)
		return doc_fail(&c, "is required");
	if (!json_is_string(v) || strcmp(json_string_value(v), FS_QUESTIONNAIRE_FORMAT) != 0 ||
	    json_string_length(v) != strlen(FS_QUESTIONNAIRE_FORMAT))
		return doc_fail(&c, "must be \"" FS_QUESTIONNAIRE_FORMAT "\"");
	path_pop(&c.path, 0);

	if ((rc = check_known_keys(&c, doc, keys)) != 0)
		return rc;

	path_key(&c.path, "id");
	v = json_object_get(doc, "id");
	if (v == NULL)
		return doc_fail(&c, "is required");
	if (!json_is_string(v))
		return doc_fail(&c, "must be a string");
	if (!is_doc_id(json_string_value(v), json_string_length(v)))
		return doc_fail(&c, "%s does not match [a-z0-9][a-z0-9-]{0,63}", quote_json(q, v));
	path_pop(&c.path, 0);

	path_key(&c.path, "version");
	v = json_object_get(doc, "version");
	if (v == NULL)
		return doc_fail(&c, "is required");
	if (!json_is_integer(v) || json_integer_value(v) < 1)
		return doc_fail(&c, "must be an integer of at least 1");
	path_pop(&c.path, 0);

	if ((rc = check_languages(&c, doc)) != 0 ||
	    (rc = check_text_key(&c, doc, "title", 1)) != 0 ||
	    (rc = check_text_key(&c, doc, "intro", 0)) != 0 ||
	    (rc = check_text_key(&c, doc, "closing", 0)) != 0)
		return rc;

	path_key(&c.path, "questions");
	v = json_object_get(doc, "questions");
	if (v == NULL)
		return doc_fail(&c, "is required");
	n = json_array_size(v);
	if (!json_is_array(v) || n < 1 || n > MAX_QUESTIONS)
		return doc_fail(&c, "must be an array of 1 to %d questions", MAX_QUESTIONS);
	c.questions = v;
	for (i = 0; i < n; i++) {
		size_t mark = path_index(&c.path, i);

		if ((rc = check_question(&c, i)) != 0)
			return rc;
		path_pop(&c.path, mark);
	}
	path_pop(&c.path, 0);
	if ((rc = check_stems(&c, doc)) != 0 || (rc = check_ui_strings(&c, doc)) != 0 ||
	    (rc = check_contact_request(&c, doc)) != 0)
		return rc;
	return 0;
}
