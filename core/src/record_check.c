/* The shapes of replicated records: contact field values and response
 * bodies. Local writes (records.c) and change set decoding (changeset.c)
 * both check through here, so a kiosk and the hub refuse the same values
 * with the same message. Messages name the field or key and the rule; they
 * never quote a value, since values are personal data. */
#include "fieldsync/records.h"

#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "fieldsync/questionnaire.h"
#include "fieldsync/receipt.h"

const char *const fs_contact_fields[] = {
    "person_ref",     "contact_at", "channel",    "duration_min",
    "topics",         "support",    "signposted", "follow_up_date",
    "follow_up_done", "status",     "worker",     "notes",
    "deleted",        NULL};

/* Strings from outside may carry NUL characters when built through the
 * API with a length; none of ours may. */
static int string_has_nul(const json_t *v)
{
	return strlen(json_string_value(v)) != json_string_length(v);
}

/* Is v a string without NUL of min..max bytes? */
static int is_string_len(const json_t *v, size_t min, size_t max)
{
	size_t n;

	if (!json_is_string(v) || string_has_nul(v))
		return 0;
	n = json_string_length(v);
	return n >= min && n <= max;
}

/* Is v a string equal to one of the NULL-terminated words? */
static int is_one_of(const json_t *v, const char *const *words)
{
	size_t i;

	if (!json_is_string(v) || string_has_nul(v))
		return 0;
	for (i = 0; words[i] != NULL; i++)
		if (strcmp(json_string_value(v), words[i]) == 0)
			return 1;
	return 0;
}

static int digits(const char *s, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (s[i] < '0' || s[i] > '9')
			return 0;
	return 1;
}

static int two_digits(const char *s)
{
	return (s[0] - '0') * 10 + (s[1] - '0');
}

int fs_timestamp_is_valid(const char *s)
{
	char date[11];

	/* YYYY-MM-DDTHH:MM:SSZ; no leap seconds (no clock we read makes them). */
	if (strlen(s) != 20 || s[10] != 'T' || s[13] != ':' || s[16] != ':' || s[19] != 'Z')
		return 0;
	if (!digits(s + 11, 2) || !digits(s + 14, 2) || !digits(s + 17, 2))
		return 0;
	if (two_digits(s + 11) > 23 || two_digits(s + 14) > 59 || two_digits(s + 17) > 59)
		return 0;
	memcpy(date, s, 10);
	date[10] = '\0';
	return fs_date_is_valid(date);
}

/* H. Hinnant's days_from_civil, so no libc time zone state is involved. */
int64_t fs_days_from_civil(int64_t y, unsigned m, unsigned d)
{
	int64_t era;
	unsigned yoe, doy, doe;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = (unsigned)(y - era * 400);
	doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + (int64_t)doe - 719468;
}

int fs_timestamp_to_ms(const char *s, uint64_t *out)
{
	int64_t days, secs;

	*out = 0;
	if (s == NULL || !fs_timestamp_is_valid(s))
		return FS_EINVAL;
	days = fs_days_from_civil((int64_t)(s[0] - '0') * 1000 + (s[1] - '0') * 100 +
				       (s[2] - '0') * 10 + (s[3] - '0'),
			       (unsigned)two_digits(s + 5), (unsigned)two_digits(s + 8));
	secs = days * 86400 + two_digits(s + 11) * 3600 + two_digits(s + 14) * 60 +
	       two_digits(s + 17);
	if (secs < 0)
		return FS_EINVAL;
	*out = (uint64_t)secs * 1000u;
	return 0;
}

void fs_timestamp_format(char out[FS_TIMESTAMP_LEN + 1], uint64_t ms)
{
	int64_t z = (int64_t)(ms / 1000u / 86400u) + 719468, era, y;
	unsigned doe, yoe, doy, mp, d, m, sod = (unsigned)(ms / 1000u % 86400u);
	char buf[48];

	/* civil_from_days, the inverse of days_from_civil. */
	era = (z >= 0 ? z : z - 146096) / 146097;
	doe = (unsigned)(z - era * 146097);
	yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	y = (int64_t)yoe + era * 400;
	doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	mp = (5 * doy + 2) / 153;
	d = doy - (153 * mp + 2) / 5 + 1;
	m = mp < 10 ? mp + 3 : mp - 9;
	y += m <= 2;
	if (y > 9999)
		y = 9999;
	snprintf(buf, sizeof(buf), "%04d-%02u-%02uT%02u:%02u:%02uZ", (int)y, m % 100, d % 100,
		 sod / 3600 % 100, sod / 60 % 60, sod % 60);
	memcpy(out, buf, FS_TIMESTAMP_LEN);
	out[FS_TIMESTAMP_LEN] = '\0';
}

static int is_timestamp(const json_t *v)
{
	return json_is_string(v) && !string_has_nul(v) &&
	       fs_timestamp_is_valid(json_string_value(v));
}

/* A list field: null, or an array of at most 20 distinct strings of
 * 1..max_len bytes. */
static int check_list(const char *field, const json_t *v, size_t max_len, fs_err *err)
{
	size_t i, j, n;

	if (json_is_null(v))
		return 0;
	if (!json_is_array(v))
		return fs_err_set(err, FS_EINVAL,
		                  "field \"%s\" must be an array of strings or null", field);
	n = json_array_size(v);
	if (n > 20)
		return fs_err_set(err, FS_EINVAL, "field \"%s\" must have at most 20 entries",
		                  field);
	for (i = 0; i < n; i++) {
		const json_t *e = json_array_get(v, i);

		if (!is_string_len(e, 1, max_len))
			return fs_err_set(
			    err, FS_EINVAL,
			    "field \"%s\" entry %zu must be a string of 1 to %zu bytes", field, i,
			    max_len);
		/* n <= 20: comparing pairs is cheaper than any set. */
		for (j = 0; j < i; j++)
			if (json_equal(e, json_array_get(v, j)))
				return fs_err_set(err, FS_EINVAL,
				                  "field \"%s\" entry %zu repeats entry %zu", field,
				                  i, j);
	}
	return 0;
}

static int check_text(const char *field, const json_t *v, size_t min, size_t max, int nullable,
                      fs_err *err)
{
	if (nullable && json_is_null(v))
		return 0;
	if (is_string_len(v, min, max))
		return 0;
	if (json_is_string(v) && string_has_nul(v))
		return fs_err_set(err, FS_EINVAL, "field \"%s\" must not contain NUL characters",
		                  field);
	if (min == 0)
		return fs_err_set(err, FS_EINVAL,
		                  "field \"%s\" must be a string of at most %zu bytes%s", field,
		                  max, nullable ? " or null" : "");
	return fs_err_set(err, FS_EINVAL, "field \"%s\" must be a string of %zu to %zu bytes%s",
	                  field, min, max, nullable ? " or null" : "");
}

int fs_contact_field_check(const char *field, const json_t *value, fs_err *err)
{
	static const char *const channels[] = {"in_person", "phone", "video",
	                                       "text",      "group", NULL};
	/* "requested": made by a kiosk for a person who asked to be
	 * contacted (docs/reciprocity.md), until a worker takes it. */
	static const char *const statuses[] = {"open", "closed", "requested", NULL};

	if (value == NULL)
		return fs_err_set(err, FS_EINVAL, "field \"%.40s\" has no value", field);
	if (json_is_null(value) &&
	    (strcmp(field, "person_ref") == 0 || strcmp(field, "contact_at") == 0 ||
	     strcmp(field, "channel") == 0 || strcmp(field, "worker") == 0 ||
	     strcmp(field, "follow_up_done") == 0 || strcmp(field, "status") == 0 ||
	     strcmp(field, "deleted") == 0))
		return fs_err_set(err, FS_EINVAL, "field \"%s\" cannot be null", field);

	if (strcmp(field, "person_ref") == 0 || strcmp(field, "worker") == 0)
		return check_text(field, value, 1, 64, 0, err);
	if (strcmp(field, "support") == 0 || strcmp(field, "notes") == 0)
		return check_text(field, value, 0, 4000, 1, err);
	if (strcmp(field, "topics") == 0)
		return check_list(field, value, 64, err);
	if (strcmp(field, "signposted") == 0)
		return check_list(field, value, 200, err);
	if (strcmp(field, "contact_at") == 0) {
		if (!is_timestamp(value))
			return fs_err_set(err, FS_EINVAL,
			                  "field \"%s\" must be a UTC time YYYY-MM-DDTHH:MM:SSZ",
			                  field);
		return 0;
	}
	if (strcmp(field, "channel") == 0) {
		if (!is_one_of(value, channels))
			return fs_err_set(err, FS_EINVAL,
			                  "field \"%s\" must be one of in_person, phone, video, "
			                  "text, group",
			                  field);
		return 0;
	}
	if (strcmp(field, "duration_min") == 0) {
		if (json_is_null(value) ||
		    (json_is_integer(value) && json_integer_value(value) >= 0 &&
		     json_integer_value(value) <= 1440))
			return 0;
		return fs_err_set(err, FS_EINVAL,
		                  "field \"%s\" must be an integer from 0 to 1440 or null", field);
	}
	if (strcmp(field, "follow_up_date") == 0) {
		if (json_is_null(value) || (json_is_string(value) && !string_has_nul(value) &&
		                            fs_date_is_valid(json_string_value(value))))
			return 0;
		return fs_err_set(err, FS_EINVAL, "field \"%s\" must be a date YYYY-MM-DD or null",
		                  field);
	}
	if (strcmp(field, "follow_up_done") == 0 || strcmp(field, "deleted") == 0) {
		if (!json_is_boolean(value))
			return fs_err_set(err, FS_EINVAL, "field \"%s\" must be true or false",
			                  field);
		return 0;
	}
	if (strcmp(field, "status") == 0) {
		if (!is_one_of(value, statuses))
			return fs_err_set(err, FS_EINVAL,
			                  "field \"%s\" must be one of open, closed, requested",
			                  field);
		return 0;
	}
	return fs_err_set(err, FS_EINVAL, "unknown contact field \"%.40s\"", field);
}

int fs_response_check_shape(const json_t *body, fs_err *err)
{
	static const char *const keys[] = {"questionnaire", "version", "language",
	                                   "mode",          "worker",  "started_at",
	                                   "submitted_at",  "answers", "receipt", NULL};
	static const char *const modes[] = {"self", "assisted", NULL};
	const char *key;
	const json_t *v, *worker;
	size_t i;

	if (!json_is_object(body))
		return fs_err_set(err, FS_EINVAL, "response must be a JSON object");
	json_object_foreach((json_t *)body, key, v)
	{
		for (i = 0; keys[i] != NULL; i++)
			if (strcmp(key, keys[i]) == 0)
				break;
		if (keys[i] == NULL)
			return fs_err_set(err, FS_EINVAL, "response has unknown key \"%.40s\"",
			                  key);
	}
	for (i = 0; keys[i] != NULL; i++)
		if (strcmp(keys[i], "worker") != 0 && strcmp(keys[i], "receipt") != 0 &&
		    json_object_get(body, keys[i]) == NULL)
			return fs_err_set(err, FS_EINVAL, "key \"%s\" is required", keys[i]);

	v = json_object_get(body, "questionnaire");
	if (!json_is_string(v) || string_has_nul(v) || !fs_name_is_valid(json_string_value(v)))
		return fs_err_set(err, FS_EINVAL,
		                  "key \"questionnaire\" must match [a-z0-9][a-z0-9-]{0,63}");
	v = json_object_get(body, "version");
	if (!json_is_integer(v) || json_integer_value(v) < 1)
		return fs_err_set(err, FS_EINVAL,
		                  "key \"version\" must be an integer of at least 1");
	v = json_object_get(body, "language");
	if (!json_is_string(v) || !fs_language_tag_is_valid(json_string_value(v), json_string_length(v)))
		return fs_err_set(err, FS_EINVAL,
		                  "key \"language\" must be a language tag such as en or pa-Guru");
	v = json_object_get(body, "mode");
	if (!is_one_of(v, modes))
		return fs_err_set(err, FS_EINVAL, "key \"mode\" must be one of self, assisted");
	worker = json_object_get(body, "worker");
	if (strcmp(json_string_value(v), "assisted") == 0) {
		if (worker == NULL || json_is_null(worker))
			return fs_err_set(err, FS_EINVAL,
			                  "key \"worker\" is required when mode is assisted");
		if (!is_string_len(worker, 1, 64))
			return fs_err_set(err, FS_EINVAL,
			                  "key \"worker\" must be a string of 1 to 64 bytes");
	} else if (worker != NULL && !json_is_null(worker)) {
		return fs_err_set(err, FS_EINVAL,
		                  "key \"worker\" must be absent or null when mode is self");
	}
	if (!is_timestamp(json_object_get(body, "started_at")))
		return fs_err_set(err, FS_EINVAL,
		                  "key \"started_at\" must be a UTC time YYYY-MM-DDTHH:MM:SSZ");
	if (!is_timestamp(json_object_get(body, "submitted_at")))
		return fs_err_set(err, FS_EINVAL,
		                  "key \"submitted_at\" must be a UTC time YYYY-MM-DDTHH:MM:SSZ");
	/* Fixed-width UTC times compare as text. */
	if (strcmp(json_string_value(json_object_get(body, "started_at")),
	           json_string_value(json_object_get(body, "submitted_at"))) > 0)
		return fs_err_set(err, FS_EINVAL,
		                  "key \"started_at\" must not be after \"submitted_at\"");
	if (!json_is_object(json_object_get(body, "answers")))
		return fs_err_set(err, FS_EINVAL, "key \"answers\" must be an object");
	v = json_object_get(body, "receipt");
	if (v != NULL && (!json_is_string(v) || !fs_receipt_hash_valid(json_string_value(v),
	                                                                  json_string_length(v))))
		return fs_err_set(err, FS_EINVAL,
		                  "key \"receipt\" must be absent or a receipt hash: 64 lowercase "
		                  "hex digits");
	return 0;
}

void fs_response_today(char out[11], const char *submitted_at)
{
	memcpy(out, submitted_at, 10);
	out[10] = '\0';
}

/* Set fault (may be NULL) for a fault that is not about one answer. */
static int body_fault(fs_answer_fault *fault, const char *rule, int rc)
{
	if (fault != NULL) {
		fault->question[0] = '\0';
		snprintf(fault->rule, sizeof(fault->rule), "%s", rule);
	}
	return rc;
}

int fs_response_validate(const json_t *doc, const json_t *body, fs_answer_fault *fault,
                         fs_err *err)
{
	const char *qid, *lang;
	json_int_t version;
	char today[11];
	int rc;

	rc = fs_response_check_shape(body, err);
	if (rc != 0)
		return body_fault(fault, "shape", rc);
	qid = json_string_value(json_object_get(body, "questionnaire"));
	version = json_integer_value(json_object_get(body, "version"));
	if (!json_is_string(json_object_get(doc, "id")) ||
	    strcmp(json_string_value(json_object_get(doc, "id")), qid) != 0 ||
	    json_integer_value(json_object_get(doc, "version")) != version)
		return body_fault(fault, "shape",
		                  fs_err_set(err, FS_EINVAL,
		                             "response: the document given is not questionnaire "
		                             "%s version %lld",
		                             qid, (long long)version));
	/* The shape check made it a tag: safe to quote. */
	lang = json_string_value(json_object_get(body, "language"));
	if (!fs_questionnaire_offers_language(doc, lang))
		return body_fault(fault, "language",
		                  fs_err_set(err, FS_EINVAL,
		                             "key \"language\": \"%s\" is not one of the languages of "
		                             "questionnaire %s version %lld",
		                             lang, qid, (long long)version));
	fs_response_today(today, json_string_value(json_object_get(body, "submitted_at")));
	return fs_answers_validate(doc, json_object_get(body, "answers"), today, fault, err);
}
