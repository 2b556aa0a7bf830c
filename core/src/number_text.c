/* fieldsync: a number as a person types it (fieldsync/number_text.h).
 *
 * The text is read code point by code point into classes (digit, decimal
 * point, comma, grouping space, sign), then the few shapes that are one
 * number and nothing else are accepted. The value is the digits as an
 * integer (at most 15 digits: exact in a double) divided by an exact power
 * of ten, so it is the correctly rounded double of the decimal written,
 * the same as JavaScript's Number() of it, without strtod and its locale. */
#include "fieldsync/number_text.h"

#include <stdint.h>

enum { C_DIGIT, C_POINT, C_COMMA, C_GROUP, C_SIGN, C_SPACE, C_OTHER };

/* Next code point of s[*i..len), advancing *i; -1 when not UTF-8. */
static long next_code_point(const unsigned char *s, size_t len, size_t *i)
{
	unsigned char c = s[*i];
	size_t n, k;
	long cp, min;

	if (c < 0x80) {
		*i += 1;
		return c;
	}
	if (c >= 0xC2 && c <= 0xDF) {
		n = 1;
		cp = c & 0x1F;
		min = 0x80;
	} else if (c >= 0xE0 && c <= 0xEF) {
		n = 2;
		cp = c & 0x0F;
		min = 0x800;
	} else if (c >= 0xF0 && c <= 0xF4) {
		n = 3;
		cp = c & 0x07;
		min = 0x10000;
	} else {
		return -1;
	}
	if (len - *i <= n)
		return -1;
	for (k = 1; k <= n; k++) {
		if ((s[*i + k] & 0xC0) != 0x80)
			return -1;
		cp = (cp << 6) | (s[*i + k] & 0x3F);
	}
	if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
		return -1;
	*i += n + 1;
	return cp;
}

/* The class of code point cp; *digit gets a digit's value. */
static int classify(long cp, int *digit)
{
	if (cp >= '0' && cp <= '9') {
		*digit = (int)(cp - '0');
		return C_DIGIT;
	}
	if (cp >= 0x0660 && cp <= 0x0669) { /* Arabic-Indic */
		*digit = (int)(cp - 0x0660);
		return C_DIGIT;
	}
	if (cp >= 0x06F0 && cp <= 0x06F9) { /* Extended (Persian, Urdu) */
		*digit = (int)(cp - 0x06F0);
		return C_DIGIT;
	}
	switch (cp) {
	case '.':
	case 0x066B: /* Arabic decimal separator */
		return C_POINT;
	case ',':
		return C_COMMA;
	case 0x066C: /* Arabic thousands separator */
	case '\'':
	case 0x2019: /* Swiss grouping apostrophes */
		return C_GROUP;
	case '-':
	case '+':
	case 0x2212: /* minus sign */
		return C_SIGN;
	case ' ':
	case '\t':
	case '\n':
	case '\r':
	case 0x00A0: /* no-break space */
	case 0x2009: /* thin space */
	case 0x202F: /* narrow no-break space */
		return C_SPACE;
	default:
		return C_OTHER;
	}
}

static int refuse(const char **rule, fs_err *err, const char *name)
{
	if (rule != NULL)
		*rule = name;
	if (name[0] == 't')
		return fs_err_set(err, FS_EINVAL,
				  "must be a number written with digits, such as 12 or 2.5");
	if (name[0] == 'g')
		return fs_err_set(err, FS_EINVAL,
				  "must be written without digit grouping (1000, not 1,000 or "
				  "1 000)");
	return fs_err_set(err, FS_EINVAL, "must have at most %d digits",
			  FS_NUMBER_TEXT_MAX_DIGITS);
}

int fs_number_from_text(const char *text, size_t len, double *value, const char **rule,
			fs_err *err)
{
	static const double pow10[FS_NUMBER_TEXT_MAX_DIGITS + 1] = {
	    1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15};
	const unsigned char *s = (const unsigned char *)text;
	size_t i = 0;
	int negative = 0, stray = 0, space = 0;
	int points = 0, commas = 0, groups = 0;
	int digits = 0, before_comma = 0, after_sep = 0, last = -1;
	int64_t mantissa = 0;
	double v;

	if (rule != NULL)
		*rule = NULL;
	if (text == NULL)
		len = 0;
	while (i < len) {
		int d = 0, c;
		long cp = next_code_point(s, len, &i);

		if (cp < 0)
			return refuse(rule, err, "type");
		c = classify(cp, &d);
		if (c == C_SPACE) {
			space = last != -1; /* leading white space is ignored */
			continue;
		}
		if (space) {
			/* White space inside: between digits it groups them;
			 * anywhere else it is not part of a number. */
			if (c == C_DIGIT && last == C_DIGIT)
				groups++;
			else
				stray = 1;
			space = 0;
		}
		switch (c) {
		case C_SIGN:
			if (last != -1)
				stray = 1;
			negative = cp != '+';
			break;
		case C_DIGIT:
			if (digits < FS_NUMBER_TEXT_MAX_DIGITS)
				mantissa = mantissa * 10 + d;
			digits++;
			after_sep++;
			break;
		case C_POINT:
			points++;
			after_sep = 0;
			break;
		case C_COMMA:
			if (points)
				stray = 1; /* a comma after the point */
			commas++;
			before_comma = digits;
			after_sep = 0;
			break;
		case C_GROUP:
			if (last != C_DIGIT)
				stray = 1;
			groups++;
			break;
		default:
			stray = 1;
		}
		last = c;
	}
	if (stray || digits == 0 || points > 1)
		return refuse(rule, err, "type");
	if (groups || commas > 1 || (commas == 1 && points == 1))
		return refuse(rule, err, "grouping");
	if (last != C_DIGIT) /* "5." or "5,": a separator with nothing after it */
		return refuse(rule, err, "type");
	if (commas == 1 && after_sep == 3 && before_comma > 0)
		return refuse(rule, err, "grouping"); /* "1,000" could be 1000 */
	if (digits > FS_NUMBER_TEXT_MAX_DIGITS)
		return refuse(rule, err, "digits");
	/* after_sep counts the digits after the one decimal separator. */
	v = (double)mantissa / pow10[points || commas ? after_sep : 0];
	if (negative && v != 0)
		v = -v;
	*value = v;
	return 0;
}
