/* fieldsync: a number as a person types it.
 *
 * The one rule for reading a typed number (docs/questionnaire-format.md,
 * "Numbers typed as text"); agent/ui/www/validate.js (FsValidate.readNumber)
 * is its twin and tests/vectors/answers.json holds both to the same results.
 * A value is never guessed: text that could mean two numbers is refused. */
#ifndef FIELDSYNC_NUMBER_TEXT_H
#define FIELDSYNC_NUMBER_TEXT_H

#include <stddef.h>

#include "fieldsync/error.h"

/* Most digits a typed number may have: every such decimal survives the
 * trip through a double unchanged. */
#define FS_NUMBER_TEXT_MAX_DIGITS 15

/* Read the number in text (UTF-8, len bytes, need not end in NUL).
 * Accepted: white space around it; one sign (- + or U+2212); digits 0-9,
 * U+0660-0669 or U+06F0-06F9; one decimal separator with digits after it:
 * "." or U+066B anywhere, "," only where it cannot be a thousands
 * separator (the only separator, once, and not exactly 3 digits after it
 * with digits before it).
 * Refused, with *rule (static, may be NULL) and err naming why:
 *   "type"     not a number written with digits (empty, letters, "5.",
 *              "1e5", two decimal separators, bytes that are not UTF-8)
 *   "grouping" digit grouping: "1,000", "1,234.5", "1 000", U+066C, "1'000"
 *   "digits"   more than FS_NUMBER_TEXT_MAX_DIGITS digits
 * Returns 0 with *value set (never -0), or FS_EINVAL. The message never
 * quotes the text. */
int fs_number_from_text(const char *text, size_t len, double *value, const char **rule,
			fs_err *err);

#endif
