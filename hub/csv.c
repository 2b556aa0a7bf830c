#include "csv.h"

#include <string.h>

/* The length in bytes of the white-space character at s, 0 when s does not
 * start with one. Besides ASCII: the Unicode spaces (no-break, the
 * U+2000 block, zero-width, line and paragraph separators, ideographic,
 * BOM) that a reader's "trim spaces" or a cleaning script may remove, which
 * would bring a formula character to the front. */
static size_t space_len(const unsigned char *s)
{
	if (*s == ' ' || (*s >= '\t' && *s <= '\r'))
		return 1;
	if (s[0] == 0xc2 && s[1] == 0xa0) /* U+00A0 */
		return 2;
	if (s[0] == 0xe2 && s[1] == 0x80 &&
	    ((s[2] >= 0x80 && s[2] <= 0x8b) || s[2] == 0xa8 || s[2] == 0xa9 ||
	     s[2] == 0xaf)) /* U+2000-U+200B, U+2028, U+2029, U+202F */
		return 3;
	if (s[0] == 0xe2 && s[1] == 0x81 && s[2] == 0x9f) /* U+205F */
		return 3;
	if (s[0] == 0xe3 && s[1] == 0x80 && s[2] == 0x80) /* U+3000 */
		return 3;
	if (s[0] == 0xef && s[1] == 0xbb && s[2] == 0xbf) /* U+FEFF */
		return 3;
	return 0;
}

/* Whether s starts with a character that begins a formula in some
 * spreadsheet (= everywhere; + - @ in Excel and others), or with its
 * full-width form, which input methods and text normalisation (NFKC) fold
 * to the ASCII one. */
static int formula_start(const unsigned char *s)
{
	if (*s == '=' || *s == '+' || *s == '-' || *s == '@')
		return 1;
	return s[0] == 0xef && s[1] == 0xbc &&
	       (s[2] == 0x9d || s[2] == 0x8b || s[2] == 0x8d || s[2] == 0xa0);
}

int hub_csv_text_needs_guard(const char *text)
{
	const unsigned char *s = (const unsigned char *)text;
	size_t n;

	if (*s == '\'' || *s == '\t' || *s == '\r' || *s == '\n')
		return 1;
	while ((n = space_len(s)) > 0)
		s += n;
	return formula_start(s);
}

void hub_csv_field(FILE *f, const char *s, int first)
{
	if (!first)
		fputc(',', f);
	if (s == NULL || *s == '\0')
		return;
	fputc('"', f);
	if (hub_csv_text_needs_guard(s))
		fputc('\'', f);
	for (; *s != '\0'; s++) {
		if (*s == '"')
			fputc('"', f);
		fputc(*s, f);
	}
	fputc('"', f);
}

static size_t digits(const char *s)
{
	return strspn(s, "0123456789");
}

/* -?digits[.digits][(e|E)[+-]digits], nothing else. */
static int is_plain_number(const char *s)
{
	size_t n;

	if (*s == '-')
		s++;
	if ((n = digits(s)) == 0)
		return 0;
	s += n;
	if (*s == '.') {
		if ((n = digits(++s)) == 0)
			return 0;
		s += n;
	}
	if (*s == 'e' || *s == 'E') {
		s++;
		if (*s == '+' || *s == '-')
			s++;
		if ((n = digits(s)) == 0)
			return 0;
		s += n;
	}
	return *s == '\0';
}

void hub_csv_number(FILE *f, const char *s, int first)
{
	if (s == NULL || !is_plain_number(s)) {
		hub_csv_field(f, s, first);
		return;
	}
	if (!first)
		fputc(',', f);
	fputs(s, f);
}

void hub_csv_end(FILE *f)
{
	fputs("\r\n", f);
}
