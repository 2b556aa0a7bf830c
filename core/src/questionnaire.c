/* fieldsync: the words both halves of questionnaire checking use: question
 * types, ids, option values and dates. The halves are document validation
 * (questionnaire_doc.c) and answers and conditions (questionnaire_answers.c);
 * texts and languages are in questionnaire_text.c. */
#include <string.h>

#include "questionnaire_internal.h"

const char *const fs_qn_type_names[QTYPE_COUNT] = {
    "single_choice", "multi_choice", "text", "number", "scale", "date", "yes_no", "consent", "info",
};

/* Returns the type named by s, or -1. */
int fs_qn_parse_type(const char *s)
{
	int t;

	if (s == NULL)
		return -1;
	for (t = 0; t < QTYPE_COUNT; t++)
		if (strcmp(s, fs_qn_type_names[t]) == 0)
			return t;
	return -1;
}

/* [a-z][a-z0-9_]{0,63} */
int fs_qn_is_question_id(const char *s, size_t n)
{
	size_t i;

	if (n < 1 || n > MAX_ID_LEN || !is_lower(s[0]))
		return 0;
	for (i = 1; i < n; i++)
		if (!(is_lower(s[i]) || is_digit(s[i]) || s[i] == '_'))
			return 0;
	return 1;
}

/* Index of the option of q whose value is s (n bytes), or -1. */
long fs_qn_option_index(const json_t *q, const char *s, size_t n)
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

int fs_qn_date_is_valid(const char *s, size_t n)
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
	return s != NULL && fs_qn_date_is_valid(s, strlen(s));
}
