/* The deployment's person_ref rule (person_ref.h). The pattern language is
 * deliberately tiny so that agent/ui/www/validate.js reads it the same;
 * the messages are built here and there by the same steps, and
 * tests/vectors/person_ref.json holds both to them. */
#include "fieldsync/person_ref.h"

#include <stdio.h>
#include <string.h>

#include "store_internal.h"

#define FIRST_PRINTABLE 0x21 /* '!' */
#define LAST_PRINTABLE  0x7e /* '~' */

static int printable(unsigned char c)
{
	return c >= FIRST_PRINTABLE && c <= LAST_PRINTABLE;
}

/* A length bound: 1..FS_PERSON_REF_LEN_MAX in decimal, no sign, no
 * leading zero. */
static int read_bound(unsigned *out, const char *s, size_t n)
{
	unsigned v = 0;
	size_t i;

	if (n == 0 || n > 2 || s[0] == '0')
		return -1;
	for (i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		v = v * 10 + (unsigned)(s[i] - '0');
	}
	if (v < 1 || v > FS_PERSON_REF_LEN_MAX)
		return -1;
	*out = v;
	return 0;
}

static int read_charset(fs_person_ref_rule *r, const char *s, size_t n, fs_err *err)
{
	size_t i = 0;

	if (n == 0)
		return fs_err_set(err, FS_EINVAL, "person_ref pattern: charset= needs characters");
	while (i < n) {
		unsigned char a = (unsigned char)s[i], b;

		if (!printable(a))
			return fs_err_set(err, FS_EINVAL,
			                  "person_ref pattern: charset= takes printable ASCII "
			                  "characters only");
		/* "-" of its own, first or last; X-Y a range. */
		if (i + 2 < n + 0 && s[i + 1] == '-' && a != '-') {
			b = (unsigned char)s[i + 2];
			if (!printable(b))
				return fs_err_set(err, FS_EINVAL,
				                  "person_ref pattern: charset= takes printable "
				                  "ASCII characters only");
			if (b < a)
				return fs_err_set(err, FS_EINVAL,
				                  "person_ref pattern: charset= range %c-%c is "
				                  "backwards",
				                  a, b);
			for (; a <= b; a++)
				r->allowed[a] = 1;
			i += 3;
			continue;
		}
		if (a == '-' && i != 0 && i != n - 1)
			return fs_err_set(err, FS_EINVAL,
			                  "person_ref pattern: charset= takes \"-\" of its own "
			                  "only first or last");
		r->allowed[a] = 1;
		i++;
	}
	return 0;
}

static int full(const fs_person_ref_rule *r, char from, char to)
{
	char c;

	for (c = from; c <= to; c++)
		if (!r->allowed[(unsigned char)c])
			return 0;
	return 1;
}

/* The words for the allowed characters: "letters or digits", "capital
 * letters, digits or the characters - _", as validate.js builds them. */
static void describe(char *out, size_t len, const fs_person_ref_rule *r)
{
	unsigned char rest[128];
	const char *words[4];
	char chars[200];
	size_t nwords = 0, nchars = 0, runs = 0, i;
	int upper = full(r, 'A', 'Z'), lower = full(r, 'a', 'z'), digit = full(r, '0', '9');
	unsigned c;

	memcpy(rest, r->allowed, sizeof(rest));
	if (upper && lower)
		words[nwords++] = "letters";
	else if (upper)
		words[nwords++] = "capital letters";
	else if (lower)
		words[nwords++] = "small letters";
	if (digit)
		words[nwords++] = "digits";
	for (c = 0; c < 128; c++)
		if ((upper && c >= 'A' && c <= 'Z') || (lower && c >= 'a' && c <= 'z') ||
		    (digit && c >= '0' && c <= '9'))
			rest[c] = 0;
	chars[0] = '\0';
	for (c = FIRST_PRINTABLE; c <= LAST_PRINTABLE; c++) {
		unsigned end = c;
		int n;

		if (!rest[c])
			continue;
		while (end + 1 <= LAST_PRINTABLE && rest[end + 1])
			end++;
		if (end - c >= 2)
			n = snprintf(chars + nchars, sizeof(chars) - nchars, "%s%c-%c",
			             runs ? " " : "", c, end), runs += 2;
		else if (end > c)
			n = snprintf(chars + nchars, sizeof(chars) - nchars, "%s%c %c",
			             runs ? " " : "", c, end), runs += 2;
		else
			n = snprintf(chars + nchars, sizeof(chars) - nchars, "%s%c",
			             runs ? " " : "", c), runs += 1;
		if (n > 0)
			nchars += (size_t)n;
		c = end;
	}
	if (runs > 0)
		words[nwords++] = runs == 1 ? "the character " : "the characters ";
	out[0] = '\0';
	for (i = 0; i < nwords; i++) {
		size_t used = strlen(out);

		snprintf(out + used, len - used, "%s%s%s",
		         i == 0 ? "" : i + 1 == nwords ? " or " : ", ", words[i],
		         runs > 0 && i + 1 == nwords ? chars : "");
	}
}

int fs_person_ref_rule_parse(fs_person_ref_rule *out, const char *pattern, fs_err *err)
{
	const char *p = pattern;
	char desc[260], count[16];
	int have_charset = 0, have_min = 0, have_max = 0, rc;

	memset(out, 0, sizeof(*out));
	out->min = 1;
	out->max = 16;
	if (pattern == NULL || strlen(pattern) > FS_PERSON_REF_PATTERN_MAX)
		return fs_err_set(err, FS_EINVAL, "person_ref pattern: longer than %d bytes",
		                  FS_PERSON_REF_PATTERN_MAX);
	for (;;) {
		const char *item, *eq;
		size_t n, klen;

		while (*p == ' ')
			p++;
		if (*p == '\0')
			break;
		item = p;
		while (*p != ' ' && *p != '\0')
			p++;
		n = (size_t)(p - item);
		eq = memchr(item, '=', n);
		klen = eq ? (size_t)(eq - item) : n;
		if (eq != NULL && klen == 7 && memcmp(item, "charset", 7) == 0) {
			if (have_charset++)
				return fs_err_set(err, FS_EINVAL,
				                  "person_ref pattern: charset= given twice");
			rc = read_charset(out, eq + 1, n - 8, err);
			if (rc != 0)
				return rc;
		} else if (eq != NULL && klen == 3 &&
		           (memcmp(item, "min", 3) == 0 || memcmp(item, "max", 3) == 0)) {
			int is_min = item[1] == 'i';

			if (is_min ? have_min++ : have_max++)
				return fs_err_set(err, FS_EINVAL, "person_ref pattern: %s= given twice",
				                  is_min ? "min" : "max");
			if (read_bound(is_min ? &out->min : &out->max, eq + 1, n - 4) != 0)
				return fs_err_set(err, FS_EINVAL,
				                  "person_ref pattern: %s= must be a whole number "
				                  "from 1 to %d",
				                  is_min ? "min" : "max", FS_PERSON_REF_LEN_MAX);
		} else {
			for (n = 0; item + n < p && n < 40; n++)
				if (!printable((unsigned char)item[n]))
					return fs_err_set(err, FS_EINVAL,
					                  "person_ref pattern: only printable ASCII "
					                  "items separated by spaces");
			return fs_err_set(err, FS_EINVAL,
			                  "person_ref pattern: unknown item \"%.*s\" (items are "
			                  "charset=, min= and max=)",
			                  (int)n, item);
		}
	}
	if (!have_charset)
		return fs_err_set(err, FS_EINVAL, "person_ref pattern: charset= is required");
	if (out->min > out->max)
		return fs_err_set(err, FS_EINVAL, "person_ref pattern: min=%u is above max=%u",
		                  out->min, out->max);
	describe(desc, sizeof(desc), out);
	if (out->min == out->max)
		snprintf(count, sizeof(count), "%u", out->min);
	else
		snprintf(count, sizeof(count), "%u\xe2\x80\x93%u", out->min, out->max);
	snprintf(out->message, sizeof(out->message),
	         "person_ref must be %s %s, no spaces: it is a pseudonymous reference, never a "
	         "name",
	         count, desc);
	return 0;
}

int fs_person_ref_check(const fs_person_ref_rule *rule, const char *value, size_t len,
                        fs_err *err)
{
	size_t i;

	if (len < rule->min || len > rule->max)
		return fs_err_set(err, FS_EINVAL, "%s", rule->message);
	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)value[i];

		if (c >= 128 || !rule->allowed[c])
			return fs_err_set(err, FS_EINVAL, "%s", rule->message);
	}
	return 0;
}

void fs_store_set_person_ref_rule(fs_store *s, const fs_person_ref_rule *rule)
{
	s->has_person_ref_rule = rule != NULL;
	if (rule != NULL)
		s->person_ref_rule = *rule;
}
