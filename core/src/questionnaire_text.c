/* fieldsync: texts and languages of questionnaires. One language-tag rule
 * for a document's languages and a response's language; UTF-8 counting and
 * white space exactly as the kiosk's JavaScript sees them, so that "at most
 * N characters", "trimmed" and "blank" mean the same on both sides. */
#include <stdint.h>
#include <string.h>

#include "questionnaire_internal.h"

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

int fs_qn_same_tag(const char *a, const char *b)
{
	for (; *a != '\0' && *b != '\0'; a++, b++) {
		char x = (*a >= 'A' && *a <= 'Z') ? (char)(*a + 32) : *a;
		char y = (*b >= 'A' && *b <= 'Z') ? (char)(*b + 32) : *b;

		if (x != y)
			return 0;
	}
	return *a == *b;
}

size_t fs_qn_utf8_count(const char *s, size_t n)
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

int fs_qn_starts_with_space(const char *s, size_t n)
{
	uint32_t cp;

	return n > 0 && (utf8_decode(s, n, &cp), is_space(cp));
}

int fs_qn_ends_with_space(const char *s, size_t n)
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

int fs_qn_is_blank(const char *s, size_t n)
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
