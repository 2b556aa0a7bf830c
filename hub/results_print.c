/* fieldsync-hub: results (results.h) as text for a person to read: the
 * JSON hub_results_compute made, so the text and --json never differ. */
#include <jansson.h>
#include <stdio.h>
#include <string.h>

#include "results.h"

static void print_cell(FILE *out, const json_t *c, long k)
{
	if (json_is_true(json_object_get(c, "suppressed")))
		fprintf(out, "fewer than %ld", k);
	else
		fprintf(out, "%" JSON_INTEGER_FORMAT, json_integer_value(json_object_get(c, "count")));
}

static void print_number(FILE *out, const json_t *v)
{
	if (json_is_integer(v))
		fprintf(out, "%" JSON_INTEGER_FORMAT, json_integer_value(v));
	else if (json_is_real(v))
		fprintf(out, "%.4g", json_real_value(v));
	else
		fputs("-", out);
}

static void print_rows(FILE *out, const json_t *rows, const char *key, long k)
{
	const json_t *r;
	size_t i;

	json_array_foreach (rows, i, r) {
		const json_t *name = json_object_get(r, key);

		fputs("    ", out);
		if (json_is_string(name))
			fprintf(out, "%-32s ", json_string_value(name));
		else {
			print_number(out, name);
			fputs("\t", out);
		}
		if (json_is_string(json_object_get(r, "value")) && strcmp(key, "label") == 0)
			fprintf(out, "(%s) ", json_string_value(json_object_get(r, "value")));
		print_cell(out, r, k);
		fputc('\n', out);
	}
}

void hub_results_print(FILE *out, const json_t *res)
{
	const json_t *sup = json_object_get(res, "suppression"), *f = json_object_get(res, "filters");
	long k = (long)json_integer_value(json_object_get(sup, "k"));
	const json_t *v, *q, *day;
	const char *key;
	size_t i;
	int any = 0;

	fprintf(out, "Results of %s \"%s\" (versions", json_string_value(json_object_get(res, "questionnaire")),
	        json_string_value(json_object_get(res, "title")));
	json_array_foreach (json_object_get(res, "versions"), i, v)
		fprintf(out, "%s%" JSON_INTEGER_FORMAT, i ? ", " : " ", json_integer_value(v));
	fprintf(out, "), labels in %s, days in %s\n", json_string_value(json_object_get(res, "language")),
	        json_string_value(json_object_get(res, "time_zone")));
	fputs("Filters:", out);
	json_object_foreach ((json_t *)f, key, v) {
		if (json_is_string(v)) {
			fprintf(out, " %s %s;", key, json_string_value(v));
			any = 1;
		} else if (json_array_size(v) > 0) {
			fprintf(out, " %s", key);
			json_array_foreach (v, i, day)
				fprintf(out, "%s%s", i ? "," : " ", json_string_value(day));
			fputc(';', out);
			any = 1;
		}
	}
	fputs(any ? "\n" : " none\n", out);
	if (json_is_true(json_object_get(sup, "applied")))
		fprintf(out, "Small numbers suppressed: a count from 1 to %ld shows as \"fewer than "
		             "%ld\"\n", k - 1, k);
	fputs("Responses: ", out);
	print_cell(out, json_object_get(res, "total"), k);
	fputs("\n\nResponses per day\n", out);
	print_rows(out, json_object_get(res, "days"), "day", k);
	json_array_foreach (json_object_get(res, "questions"), i, q) {
		const json_t *rows, *stats, *texts;
		size_t s;

		fprintf(out, "\n%s (%s): %s\n", json_string_value(json_object_get(q, "id")),
		        json_string_value(json_object_get(q, "type")),
		        json_string_value(json_object_get(q, "label")));
		if ((rows = json_object_get(q, "options")) != NULL)
			print_rows(out, rows, "label", k);
		if ((rows = json_object_get(q, "values")) != NULL) {
			if (json_is_null(rows))
				fprintf(out, "    (more than %d distinct values: not listed)\n",
				        HUB_RESULTS_VALUES_MAX);
			print_rows(out, rows, "value", k);
		}
		if ((rows = json_object_get(q, "months")) != NULL)
			print_rows(out, rows, "month", k);
		stats = json_object_get(q, "stats");
		if (json_is_object(stats)) {
			fputs("    mean ", out);
			print_number(out, json_object_get(stats, "mean"));
			fputs(json_is_true(json_object_get(stats, "median_exact")) ? ", median "
			                                                           : ", median about ",
			      out);
			print_number(out, json_object_get(stats, "median"));
			if (json_object_get(stats, "min") != NULL) {
				fputs(", min ", out);
				print_number(out, json_object_get(stats, "min"));
				fputs(", max ", out);
				print_number(out, json_object_get(stats, "max"));
			}
			fputc('\n', out);
		}
		fputs("    answered ", out);
		print_cell(out, json_object_get(q, "answered"), k);
		fputs("; not answered: skipped by its condition ", out);
		print_cell(out, json_object_get(q, "skipped"), k);
		fputs(", left blank ", out);
		print_cell(out, json_object_get(q, "blank"), k);
		fputs(", not in its version ", out);
		print_cell(out, json_object_get(q, "not_asked"), k);
		if (json_integer_value(json_object_get(json_object_get(q, "other"), "count")) > 0 ||
		    json_is_true(json_object_get(json_object_get(q, "other"), "suppressed"))) {
			fputs(", of another type ", out);
			print_cell(out, json_object_get(q, "other"), k);
		}
		fputc('\n', out);
		texts = json_object_get(q, "texts");
		json_array_foreach (json_object_get(texts, "items"), s, v)
			fprintf(out, "    %s  %s\n",
			        json_string_value(json_object_get(v, "submitted_at")),
			        json_string_value(json_object_get(v, "answer")));
		if (json_is_true(json_object_get(texts, "more")))
			fputs("    (more answers: --text-offset)\n", out);
	}
}
