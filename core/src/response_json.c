/* fieldsync: a response as JSON, both ways it is made: a body assembled
 * from what a writer knows (the agent's `respond`, the kiosk UI), and a
 * stored row (fs_response_row, backend.h) turned into its body (what a
 * change set carries) and into the object every reader shows
 * (fs_response_each, so `fieldsync-agent responses` and `fieldsync-hub
 * export responses`).
 *
 * One rule for "worker" in every output: present only when the response
 * has one (mode assisted), never null: the same as in change sets
 * (docs/changeset.md). "receipt" likewise, but only in the body a change
 * set carries: no reader's object shows it (docs/reciprocity.md). */
#include <stdio.h>
#include <string.h>

#include "fieldsync/backend.h"
#include "fieldsync/records.h"

json_t *fs_response_body_new(const json_t *doc, const char *language, const char *worker,
                             uint64_t started_ms, uint64_t submitted_ms, const json_t *answers)
{
	char started[FS_TIMESTAMP_LEN + 1], submitted[FS_TIMESTAMP_LEN + 1];
	json_t *body;

	if (language == NULL)
		language = json_string_value(json_array_get(json_object_get(doc, "languages"), 0));
	if (started_ms > submitted_ms)
		started_ms = submitted_ms;
	fs_timestamp_format(started, started_ms);
	fs_timestamp_format(submitted, submitted_ms);
	body = json_pack("{s:O?, s:O?, s:s?, s:s, s:s, s:s, s:O}", "questionnaire",
	                 json_object_get(doc, "id"), "version", json_object_get(doc, "version"),
	                 "language", language, "mode", worker != NULL ? "assisted" : "self",
	                 "started_at", started, "submitted_at", submitted, "answers", answers);
	if (body != NULL && worker != NULL &&
	    json_object_set_new(body, "worker", json_string(worker)) != 0) {
		json_decref(body);
		return NULL;
	}
	return body;
}

/* A string column that may be NULL (a damaged row) as JSON: absent keys
 * would make a reader's "required" check fail far from the cause. */
static json_t *text_or_null(const char *s)
{
	return s != NULL ? json_string(s) : json_null();
}

int fs_response_row_body(json_t **out, const fs_response_row *row, fs_err *err)
{
	json_error_t jerr;
	json_t *o, *answers;

	*out = NULL;
	answers = json_loads(row->answers != NULL ? row->answers : "", 0, &jerr);
	if (answers == NULL)
		return fs_err_set(err, FS_EGENERIC, "stored response %s: answers are not JSON: %s",
		                  row->id, jerr.text);
	o = json_pack("{s:o, s:I, s:o, s:o, s:o, s:o, s:o}", "questionnaire",
	              text_or_null(row->questionnaire), "version", (json_int_t)row->version,
	              "language", text_or_null(row->language), "mode", text_or_null(row->mode),
	              "started_at", text_or_null(row->started_at), "submitted_at",
	              text_or_null(row->submitted_at), "answers", answers);
	if (o != NULL && ((row->worker != NULL &&
	                   json_object_set_new(o, "worker", json_string(row->worker)) != 0) ||
	                  (row->receipt != NULL &&
	                   json_object_set_new(o, "receipt", json_string(row->receipt)) != 0))) {
		json_decref(o);
		o = NULL;
	}
	if (o == NULL)
		return fs_err_set(err, FS_ENOMEM, "response %s: out of memory", row->id);
	*out = o;
	return 0;
}

int fs_response_row_json(json_t **out, const fs_response_row *row, fs_err *err)
{
	json_t *o = NULL;
	int rc;

	*out = NULL;
	if (row->deleted) {
		o = json_pack("{s:s, s:s, s:b}", "id", row->id, "site", row->site, "deleted", 1);
	} else {
		rc = fs_response_row_body(&o, row, err);
		if (rc != 0)
			return rc;
		json_object_del(o, "receipt"); /* never shown to a reader */
		if (json_object_set_new(o, "id", json_string(row->id)) != 0 ||
		    json_object_set_new(o, "site", json_string(row->site)) != 0) {
			json_decref(o);
			o = NULL;
		}
	}
	if (o == NULL)
		return fs_err_set(err, FS_ENOMEM, "response %s: out of memory", row->id);
	*out = o;
	return 0;
}
