/* fieldsync: what the questionnaire files share (private to core).
 *
 * core/src/questionnaire.c          types, ids, options, dates: the words
 *                                   both halves use
 * core/src/questionnaire_text.c     texts and languages: language tags,
 *                                   UTF-8, white space as JavaScript sees it
 * core/src/questionnaire_doc.c      document validation (fs_questionnaire_validate)
 * core/src/questionnaire_answers.c  answers and conditions (fs_answers_validate,
 *                                   fs_question_is_shown)
 *
 * The contract is docs/questionnaire-format.md. */
#ifndef FIELDSYNC_QUESTIONNAIRE_INTERNAL_H
#define FIELDSYNC_QUESTIONNAIRE_INTERNAL_H

#include <stddef.h>
#include <stdint.h>

#include "fieldsync/questionnaire.h"

/* Caps, so that no document costs the hub much to hold or evaluate. */
enum {
	MAX_QUESTIONS = 500,
	MAX_OPTIONS = 200,
	MAX_CONTACT_TOPICS = 20, /* contact_request.topics: the contact field's cap */
	MAX_LANGUAGES = 32,
	MAX_TEXT_CHARS = 10000,   /* a label, hint or title, in code points */
	MAX_LENGTH_LIMIT = 10000, /* highest max_length of a text question */
	DEFAULT_MAX_LENGTH = 2000,
	MAX_SCALE_STEPS = 100, /* max - min of a scale */
	MAX_CONDITION_DEPTH = 16,
	MAX_CONDITIONS = 100, /* condition objects in one show_if */
	MAX_IN_VALUES = 200,
	MAX_STEMS = 100,          /* entries of "stems" */
	MAX_UI_STRING_CHARS = 500, /* one of the kiosk's words in ui_strings */
	MAX_ID_LEN = 64,
	QUOTE_MAX = 64,    /* source bytes of a quoted schema value in a message */
	INDEX_SLOTS = 1024 /* power of two, at least 2 * MAX_QUESTIONS */
};

enum qtype { Q_SINGLE, Q_MULTI, Q_TEXT, Q_NUMBER, Q_SCALE, Q_DATE, Q_YES_NO, Q_CONSENT, Q_INFO };

#define QTYPE_COUNT 9
#define T(x)        (1u << (x))
#define ALL_TYPES   (T(QTYPE_COUNT) - 1)
#define ANSWERABLE  (ALL_TYPES & ~T(Q_INFO))

/* The type names, indexed by enum qtype. */
extern const char *const fs_qn_type_names[QTYPE_COUNT];

/* Returns the type named by s, or -1. */
int fs_qn_parse_type(const char *s);

static inline int is_lower(char c)
{
	return c >= 'a' && c <= 'z';
}

static inline int is_digit(char c)
{
	return c >= '0' && c <= '9';
}

static inline int is_alnum(char c)
{
	return is_lower(c) || is_digit(c) || (c >= 'A' && c <= 'Z');
}

/* Jansson's iterators take a non-const object though they do not change it. */
static inline json_t *iterable(const json_t *v)
{
	return (json_t *)v;
}

/* [a-z][a-z0-9_]{0,63}: a question id. */
int fs_qn_is_question_id(const char *s, size_t n);

/* Index of the option of question q whose value is s (n bytes), or -1. */
long fs_qn_option_index(const json_t *q, const char *s, size_t n);

/* Is s (n bytes) a real calendar date written YYYY-MM-DD? */
int fs_qn_date_is_valid(const char *s, size_t n);

/* ---- texts (questionnaire_text.c) ---- */

/* Language tags equal ignoring ASCII case. */
int fs_qn_same_tag(const char *a, const char *b);

/* Code points in s (n bytes of UTF-8, as Jansson guarantees). */
size_t fs_qn_utf8_count(const char *s, size_t n);

/* White space at the start / at the end / only white space (n may be 0),
 * white space being what JavaScript's String.prototype.trim() removes. */
int fs_qn_starts_with_space(const char *s, size_t n);
int fs_qn_ends_with_space(const char *s, size_t n);
int fs_qn_is_blank(const char *s, size_t n);

/* The kiosk's words a questionnaire may carry ("ui_strings"): the
 * space-separated placeholders of key, "" for none, NULL when key is not
 * one of them; how many there are, and the i-th name (NULL past the end). */
const char *fs_qn_ui_string_placeholders(const char *key);
size_t fs_qn_ui_string_count(void);
const char *fs_qn_ui_string_key(size_t i);

/* Does s (n bytes) hold every placeholder {name} of the space-separated
 * `names` exactly once and no other '{' or '}'? 1 or 0. */
int fs_qn_ui_string_placeholders_ok(const char *s, size_t n, const char *names);

#endif
