/* libFuzzer target for core/src/questionnaire.c.
 *
 * The input is a questionnaire document followed by an answers object, as
 * two JSON texts back to back. The document is checked; when it passes,
 * the answers are checked against it and every question's show_if is
 * evaluated, which must never crash, leak or read out of bounds.
 *
 *   clang -g -O1 -fsanitize=fuzzer,address,undefined -Icore/include \
 *     core/src/error.c core/src/questionnaire.c tests/fuzz/questionnaire_fuzz.c \
 *     -ljansson -o questionnaire_fuzz
 *   ./questionnaire_fuzz -max_total_time=60 CORPUS_DIR schema/examples */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "fieldsync/questionnaire.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	json_t *doc = NULL, *answers = NULL;
	json_error_t je;
	fs_answer_fault fault;
	fs_err err = {0};
	size_t i, used;

	doc = json_loadb((const char *)data, size, JSON_DISABLE_EOF_CHECK, &je);
	if (doc == NULL)
		goto cleanup;
	if (fs_questionnaire_validate(doc, &err) != 0) {
		/* A message is one printable line and never empty. */
		if (err.msg[0] == '\0' || strchr(err.msg, '\n') != NULL)
			__builtin_trap();
		goto cleanup;
	}
	used = (size_t)je.position;
	if (used > size)
		goto cleanup;
	answers = json_loadb((const char *)data + used, size - used, 0, &je);
	if (answers == NULL)
		answers = json_object();
	fs_err_clear(&err);
	if (fs_answers_validate(doc, answers, "2024-02-29", &fault, &err) != 0 &&
	    (fault.rule[0] == '\0' || err.msg[0] == '\0'))
		__builtin_trap();
	for (i = 0; i < json_array_size(json_object_get(doc, "questions")); i++)
		fs_question_is_shown(doc, i, answers);

cleanup:
	json_decref(answers);
	json_decref(doc);
	return 0;
}
