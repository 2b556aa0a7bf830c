/* fieldsync: questionnaire documents and answer validation.
 *
 * Two halves. fs_questionnaire_validate checks a document once, when it is
 * published, and reports the first broken rule with its JSON path. Answer
 * validation then trusts the document's shape and is on the hub's hot path
 * (tens of thousands of responses a second), so it allocates nothing: the
 * per-question state lives in a fixed array on the stack, sized by the cap
 * on questions, and answers are looked up with json_object_get.
 *
 * The order of checks, the rule names and every message are part of the
 * contract (docs/questionnaire-format.md): the kiosk's JavaScript does the
 * same and tests/vectors/answers.json holds both to identical results. */
#include "fieldsync/questionnaire.h"

#include <assert.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Caps, so that no document costs the hub much to hold or evaluate. */
enum {
	MAX_QUESTIONS = 500,
	MAX_OPTIONS = 200,
	MAX_LANGUAGES = 32,
	MAX_TEXT_CHARS = 10000,   /* a label, hint or title, in code points */
	MAX_LENGTH_LIMIT = 10000, /* highest max_length of a text question */
	DEFAULT_MAX_LENGTH = 2000,
	MAX_SCALE_STEPS = 100, /* max - min of a scale */
	MAX_CONDITION_DEPTH = 16,
	MAX_CONDITIONS = 100, /* condition objects in one show_if */
	MAX_IN_VALUES = 200,
	MAX_ID_LEN = 64,
	QUOTE_MAX = 64,    /* source bytes of a quoted schema value in a message */
	INDEX_SLOTS = 1024 /* power of two, at least 2 * MAX_QUESTIONS */
};

/* ---- small helpers ---------------------------------------------------- */

enum qtype { Q_SINGLE, Q_MULTI, Q_TEXT, Q_NUMBER, Q_SCALE, Q_DATE, Q_YES_NO, Q_CONSENT, Q_INFO };

#define QTYPE_COUNT 9
#define T(x)        (1u << (x))
#define ALL_TYPES   (T(QTYPE_COUNT) - 1)
#define ANSWERABLE  (ALL_TYPES & ~T(Q_INFO))

static const char *const type_names[QTYPE_COUNT] = {
    "single_choice", "multi_choice", "text", "number", "scale", "date", "yes_no", "consent", "info",
};

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

/* Returns the type named by s, or -1. */
static int parse_type(const char *s)
{
	int t;

	if (s == NULL)
		return -1;
	for (t = 0; t < QTYPE_COUNT; t++)
		if (strcmp(s, type_names[t]) == 0)
			return t;
	return -1;
}

static int is_lower(char c)
{
	return c >= 'a' && c <= 'z';
}

static int is_digit(char c)
{
	return c >= '0' && c <= '9';
}

static int is_alnum(char c)
{
	return is_lower(c) || is_digit(c) || (c >= 'A' && c <= 'Z');
}

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

/* [a-z][a-z0-9_]{0,63} */
static int is_question_id(const char *s, size_t n)
{
	size_t i;

	if (n < 1 || n > MAX_ID_LEN || !is_lower(s[0]))
		return 0;
	for (i = 1; i < n; i++)
		if (!(is_lower(s[i]) || is_digit(s[i]) || s[i] == '_'))
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

/* The one language-tag rule, for a document's languages and a response's
 * language (record_check.c). */
int fs_language_tag_is_valid(const char *s, size_t n)
{
	size_t i = 0, run, subtags = 0;

	if (s == NULL || n > FS_LANGUAGE_TAG_MAX)
		return 0;
	while (i < n && is_lower(s[i]))
		i++;
	if (i < 2 || i > 3)
		return 0;
	while (i < n) {
		if (s[i] != '-' || ++subtags > 4)
			return 0;
		i++;
		for (run = 0; i < n && is_alnum(s[i]); i++)
			run++;
		if (run < 1 || run > 8)
			return 0;
	}
	return 1;
}

int fs_questionnaire_offers_language(const json_t *doc, const char *lang)
{
	const json_t *langs = json_object_get(doc, "languages");
	size_t i;

	for (i = 0; lang != NULL && i < json_array_size(langs); i++)
		if (json_is_string(json_array_get(langs, i)) &&
		    strcmp(json_string_value(json_array_get(langs, i)), lang) == 0)
			return 1;
	return 0;
}

static int same_tag(const char *a, const char *b)
{
	for (; *a != '\0' && *b != '\0'; a++, b++) {
		char x = (*a >= 'A' && *a <= 'Z') ? (char)(*a + 32) : *a;
		char y = (*b >= 'A' && *b <= 'Z') ? (char)(*b + 32) : *b;

		if (x != y)
			return 0;
	}
	return *a == *b;
}

static int date_is_valid_n(const char *s, size_t n)
{
	static const int days[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
	int year, month, day, dim;
	size_t i;

	if (n != 10 || s[4] != '-' || s[7] != '-')
		return 0;
	for (i = 0; i < 10; i++)
		if (i != 4 && i != 7 && !is_digit(s[i]))
			return 0;
	year = (s[0] - '0') * 1000 + (s[1] - '0') * 100 + (s[2] - '0') * 10 + (s[3] - '0');
	month = (s[5] - '0') * 10 + (s[6] - '0');
	day = (s[8] - '0') * 10 + (s[9] - '0');
	if (year < 1 || month < 1 || month > 12 || day < 1)
		return 0;
	dim = days[month - 1];
	if (month == 2 && ((year % 4 == 0 && year % 100 != 0) || year % 400 == 0))
		dim = 29;
	return day <= dim;
}

int fs_date_is_valid(const char *s)
{
	return s != NULL && date_is_valid_n(s, strlen(s));
}

static size_t utf8_count(const char *s, size_t n)
{
	size_t i, count = 0;

	for (i = 0; i < n; i++)
		if (((unsigned char)s[i] & 0xc0) != 0x80)
			count++;
	return count;
}

/* Decode the code point at s[0..n), which Jansson guarantees is UTF-8.
 * Returns its length in bytes (at least 1) and stores it in *cp. */
static size_t utf8_decode(const char *s, size_t n, uint32_t *cp)
{
	unsigned char c = (unsigned char)s[0];
	size_t len, i;
	uint32_t v;

	if (c < 0x80) {
		*cp = c;
		return 1;
	}
	if (c >= 0xf0) {
		len = 4;
		v = c & 0x07;
	} else if (c >= 0xe0) {
		len = 3;
		v = c & 0x0f;
	} else {
		len = 2;
		v = c & 0x1f;
	}
	if (len > n) {
		*cp = 0xfffd;
		return 1;
	}
	for (i = 1; i < len; i++)
		v = (v << 6) | ((unsigned char)s[i] & 0x3f);
	*cp = v;
	return len;
}

/* White space as JavaScript's String.prototype.trim() sees it, so that the
 * kiosk and the hub agree on what "trimmed" means. */
static int is_space(uint32_t cp)
{
	return (cp >= 0x09 && cp <= 0x0d) || cp == 0x20 || cp == 0xa0 || cp == 0x1680 ||
	       (cp >= 0x2000 && cp <= 0x200a) || cp == 0x2028 || cp == 0x2029 || cp == 0x202f ||
	       cp == 0x205f || cp == 0x3000 || cp == 0xfeff;
}

static int starts_with_space(const char *s, size_t n)
{
	uint32_t cp;

	return n > 0 && (utf8_decode(s, n, &cp), is_space(cp));
}

static int ends_with_space(const char *s, size_t n)
{
	size_t i = n;
	uint32_t cp;

	if (n == 0)
		return 0;
	while (i > 0 && n - i < 4 && ((unsigned char)s[i - 1] & 0xc0) == 0x80)
		i--;
	if (i > 0)
		i--;
	utf8_decode(s + i, n - i, &cp);
	return is_space(cp);
}

static int is_blank(const char *s, size_t n)
{
	size_t i = 0;
	uint32_t cp;

	while (i < n) {
		i += utf8_decode(s + i, n - i, &cp);
		if (!is_space(cp))
			return 0;
	}
	return 1;
}

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

/* Jansson's iterators take a non-const object though they do not change it. */
static json_t *iterable(const json_t *v)
{
	return (json_t *)v;
}

/* ---- questionnaire documents -------------------------------------------- */

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
		if (!json_is_string(v) || is_blank(json_string_value(v), n))
			return doc_fail(c, "must be a non-empty string");
		if (n > MAX_TEXT_CHARS && utf8_count(json_string_value(v), n) > MAX_TEXT_CHARS)
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
			if (same_tag(json_string_value(tag),
			             json_string_value(json_array_get(langs, j))))
				return doc_fail(c, "%s is already used by languages[%zu]",
				                quote_json(q, tag), j);
		path_pop(&c->path, mark);
	}
	path_pop(&c->path, 0);
	c->languages = langs;
	return 0;
}

/* Index of the option of q whose value is s (n bytes), or -1. */
static long option_index(const json_t *q, const char *s, size_t n)
{
	const json_t *opts = json_object_get(q, "options");
	size_t i;

	for (i = 0; i < json_array_size(opts); i++) {
		const json_t *v = json_object_get(json_array_get(opts, i), "value");

		if (json_string_length(v) == n && memcmp(json_string_value(v), s, n) == 0)
			return (long)i;
	}
	return -1;
}

static int check_options(struct doc_check *c, const json_t *q, int type)
{
	static const char *const keys[] = {"value", "label", NULL};
	const json_t *opts = json_object_get(q, "options");
	char qv[QUOTE_BUF];
	size_t i, n = json_array_size(opts), m0 = path_key(&c->path, "options");
	int rc;

	if (opts == NULL)
		return doc_fail(c, "is required for type \"%s\"", type_names[type]);
	if (!json_is_array(opts) || n < 1 || n > MAX_OPTIONS)
		return doc_fail(c, "must be an array of 1 to %d options", MAX_OPTIONS);
	for (i = 0; i < n; i++) {
		const json_t *o = json_array_get(opts, i), *v;
		size_t m1 = path_index(&c->path, i), m2;
		long j;

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
		j = option_index(q, json_string_value(v), json_string_length(v));
		if (j >= 0 && (size_t)j < i)
			return doc_fail(c, "%s is already used by options[%ld]", quote_json(qv, v),
			                j);
		path_pop(&c->path, m2);
		if ((rc = check_text_key(c, o, "label", 1)) != 0)
			return rc;
		path_pop(&c->path, m1);
	}
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
			     !date_is_valid_n(json_string_value(v), json_string_length(v))))
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
		if (option_index(target, json_string_value(v), json_string_length(v)) < 0)
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
		    date_is_valid_n(json_string_value(v), json_string_length(v)))
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
	ttype = parse_type(json_string_value(json_object_get(target, "type")));
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
			                q1, type_names[ttype]);
		return json_is_number(arg) ? 0 : doc_fail(c, "must be a number");
	}
	if (strcmp(op, "includes") == 0) {
		if (ttype != Q_MULTI)
			return doc_fail(c, "applies only to multi_choice questions; %s is %s", q1,
			                type_names[ttype]);
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
	if (!is_question_id(json_string_value(v), json_string_length(v)))
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
	type = parse_type(json_string_value(v));
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
			return doc_fail(c, "does not apply to type \"%s\"", type_names[type]);
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

int fs_questionnaire_validate(const json_t *doc, fs_err *err)
{
	static const char *const keys[] = {"format", "id",    "version",   "languages",
	                                   "title",  "intro", "questions", NULL};
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
	    (rc = check_text_key(&c, doc, "intro", 0)) != 0)
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
	return 0;
}

/* ---- answers ------------------------------------------------------------ */

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
	int type = parse_type(json_string_value(json_object_get(q, "type")));

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
		o = option_index(q, json_string_value(e), json_string_length(e));
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
	if (starts_with_space(s, n) || ends_with_space(s, n)) {
		if (is_blank(s, n))
			return FAIL("empty", "must not be empty");
		return FAIL("not_trimmed", "must not start or end with white space");
	}
	if (n > max && utf8_count(s, n) > max)
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
	if (!date_is_valid_n(s, json_string_length(v)))
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
		if (option_index(q, json_string_value(v), json_string_length(v)) < 0)
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

		if (!is_question_id(key, n) || find_question(a, key, n) >= 0)
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
