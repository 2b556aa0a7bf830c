/* fieldsync: questionnaire documents and answer validation.
 *
 * The contract is docs/questionnaire-format.md (schema/questionnaire.schema.json).
 * One section per file: languages (core/src/questionnaire_text.c),
 * documents (questionnaire_doc.c), answers and conditions
 * (questionnaire_answers.c), dates (questionnaire.c, the words both use).
 * The same checks run on the kiosk and at the hub, so both refuse the same
 * things with the same message. Messages name the JSON path or question id
 * and the rule broken; they never quote an answer given by a person. */
#ifndef FIELDSYNC_QUESTIONNAIRE_H
#define FIELDSYNC_QUESTIONNAIRE_H

#include <jansson.h>
#include <stddef.h>

#include "fieldsync/error.h"

#define FS_QUESTIONNAIRE_FORMAT "fieldsync-questionnaire/1"

/* ---- languages ---- */

/* The one language-tag rule (a BCP 47 tag as far as fieldsync needs one),
 * for a questionnaire's languages and a response's language alike. The
 * longest tag it admits is FS_LANGUAGE_TAG_MAX bytes. */
#define FS_LANGUAGE_TAG_PATTERN "[a-z]{2,3}(-[A-Za-z0-9]{1,8}){0,4}"
#define FS_LANGUAGE_TAG_MAX     39

/* Does s (n bytes) match FS_LANGUAGE_TAG_PATTERN? 1 or 0 (NULL: 0). */
int fs_language_tag_is_valid(const char *s, size_t n);

/* Does doc (borrowed, valid) offer lang, written exactly as one of its
 * "languages"? 1 or 0. ("en-GB" and "en-gb" are one language in a
 * document, which lists it once; a response names it as listed.) */
int fs_questionnaire_offers_language(const json_t *doc, const char *lang);

/* ---- documents ---- */

/* Check a questionnaire document (borrowed) against every rule of the
 * format. Returns 0 or FS_EINVAL with a message such as
 *   questions[2].options[1].value: "Bad" does not match [a-z0-9_]{1,64}
 * (JSON path first, then the rule). */
int fs_questionnaire_validate(const json_t *doc, fs_err *err);

/* ---- answers and conditions ---- */

/* Where an answers check failed: the question id ("" when the fault is not
 * about one question) and a short stable rule name such as "required",
 * "max", "option", "type", "unknown", "not_shown", "consent_declined". */
typedef struct fs_answer_fault {
	char question[72];
	char rule[32];
} fs_answer_fault;

/* Check an answers object (borrowed) against a questionnaire document that
 * already passed fs_questionnaire_validate. today is "YYYY-MM-DD", used for
 * date limits written as "today". Conditions are evaluated in question
 * order; skipped and info questions must be absent; every shown required
 * question must be present. A required consent answered false is refused
 * with rule "consent_declined" (nothing is to be stored).
 * Returns 0 or FS_EINVAL; fault (may be NULL) says where, err the message,
 * for example: question "age": must be at most 120 */
int fs_answers_validate(const json_t *doc, const json_t *answers, const char *today,
			fs_answer_fault *fault, fs_err *err);

/* Is question index i of doc shown, given the answers so far? Evaluates
 * show_if with the rule that a condition on a skipped question is false.
 * doc must be valid. Returns 1 (shown) or 0. */
int fs_question_is_shown(const json_t *doc, size_t i, const json_t *answers);

/* ---- dates ---- */

/* Is s a real calendar date written YYYY-MM-DD? Returns 1 or 0. */
int fs_date_is_valid(const char *s);

#endif
