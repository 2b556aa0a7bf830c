/* Questionnaires at the hub (questionnaires.h): publish, offer, retire
 * and the list, audited, for the CLI and the console alike. */
#include "questionnaires.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "audit.h"
#include "fieldsync/offers.h"
#include "fieldsync/questionnaire.h"
#include "fieldsync/records.h"

/* The JSON path at the start of a validation message ("questions[2].
 * options[1].value: ..."): identifiers, ".", "[N]" and ["key"] with its
 * escapes, up to the first ':' outside a quoted key. Its length, or 0. */
static size_t path_len(const char *m)
{
	size_t i = 0;

	while (m[i] != '\0' && m[i] != ':') {
		if (m[i] == '[' && m[i + 1] == '"') {
			for (i += 2; m[i] != '\0' && m[i] != '"'; i++)
				if (m[i] == '\\' && m[i + 1] != '\0')
					i++;
			if (m[i] == '\0')
				return 0;
		}
		i++;
	}
	return m[i] == ':' && m[i + 1] == ' ' ? i : 0;
}

static json_t *problem(const char *path, size_t plen, const char *message)
{
	return json_pack("{s:s%, s:s}", "path", path, plen, "message", message);
}

int hub_questionnaire_check(const char *text, size_t len, json_t **doc, json_t **problems,
                            fs_err *err)
{
	json_error_t je;
	json_t *d, *list = json_array(), *p = NULL;
	fs_err verr = {0, ""};
	char msg[FS_ERR_MSG_MAX + 64];
	size_t n;

	if (doc != NULL)
		*doc = NULL;
	*problems = NULL;
	if (list == NULL)
		return fs_err_set(err, FS_ENOMEM, "questionnaire: out of memory");
	d = json_loadb(text, len, JSON_REJECT_DUPLICATES, &je);
	if (d == NULL) {
		snprintf(msg, sizeof(msg), "not valid JSON at line %d column %d: %s", je.line,
		         je.column, je.text);
		p = problem("document", 8, msg);
	} else if (fs_questionnaire_validate(d, &verr) != 0) {
		n = path_len(verr.msg);
		p = n > 0 ? problem(verr.msg, n, verr.msg + n + 2) : problem("document", 8, verr.msg);
	}
	if ((d == NULL || verr.code != 0) &&
	    (p == NULL || json_array_append_new(list, p) != 0)) {
		json_decref(d);
		json_decref(list);
		return fs_err_set(err, FS_ENOMEM, "questionnaire: out of memory");
	}
	if (doc != NULL)
		*doc = d;
	else
		json_decref(d);
	*problems = list;
	return 0;
}

/* ---- publish ---- */

/* The audit entry of a publish (id and version; never the document), in a
 * transaction of its own before the engine's (records.h). A valid new
 * document only: a refused one changes nothing. error: the fs_error of a
 * publish that failed after its entry, 0 otherwise. */
static int audit_publish(fs_store *s, const char *actor, const json_t *doc, const char *action,
                         int error, fs_err *err)
{
	json_t *detail;
	int rc;

	if (error == 0 && fs_questionnaire_validate(doc, NULL) != 0)
		return 0;
	detail = json_pack("{s:O, s:O}", "questionnaire", json_object_get(doc, "id"), "version",
	                   json_object_get(doc, "version"));
	if (detail != NULL && error != 0)
		json_object_set_new(detail, "error", json_integer(error));
	if (detail == NULL)
		return fs_err_set(err, FS_ENOMEM, "out of memory");
	rc = hub_audit_add(s, actor, action, detail, err);
	json_decref(detail);
	return rc;
}

int hub_questionnaire_publish(fs_store *s, const char *actor, const json_t *doc, int *existed,
                              fs_err *err)
{
	const char *id = json_string_value(json_object_get(doc, "id"));
	json_int_t version = json_integer_value(json_object_get(doc, "version"));
	json_t *have = NULL;
	int rc;

	*existed = id != NULL && version > 0 &&
	           fs_questionnaire_get(s, &have, id, (int64_t)version, NULL) == 0;
	json_decref(have);
	rc = *existed ? 0 : audit_publish(s, actor, doc, "publish", 0, err);
	if (rc == 0)
		rc = fs_questionnaire_publish(s, doc, err);
	/* Logged before it was made, a publish that then failed says so. */
	if (rc != 0 && !*existed && strncmp(err->msg, "audit:", 6) != 0)
		audit_publish(s, actor, doc, "publish_failed", rc, NULL);
	return rc;
}

/* ---- offers and retirement ---- */

static int audit_change(fs_store *s, const char *actor, const char *action, const char *id,
                        const char *region, fs_err *err)
{
	json_t *detail = region != NULL ? json_pack("{s:s, s:s}", "questionnaire", id, "region",
	                                            region)
	                                : json_pack("{s:s}", "questionnaire", id);
	fs_err aerr = {0, ""};
	int rc;

	if (detail == NULL)
		return fs_err_set(err, FS_ENOMEM, "out of memory");
	rc = hub_audit_add(s, actor, action, detail, &aerr);
	json_decref(detail);
	if (rc != 0)
		return fs_err_set(err, rc, "%s of questionnaire %s is made, but not in the audit "
		                  "trail: %s", action, id, aerr.msg);
	return 0;
}

int hub_questionnaire_offer(fs_store *s, const char *actor, const char *id, const char *region,
                            int offered, int *changed, fs_err *err)
{
	int ch = 0, rc = fs_offer_set(s, id, region, offered, &ch, err);

	if (changed != NULL)
		*changed = ch;
	if (rc == 0 && ch)
		rc = audit_change(s, actor, offered ? "offer" : "withdraw", id,
		                  region != NULL ? region : FS_OFFER_EVERYWHERE, err);
	return rc;
}

int hub_questionnaire_retire(fs_store *s, const char *actor, const char *id, int retired,
                             int *changed, fs_err *err)
{
	int ch = 0, rc = fs_offer_retire(s, id, retired, &ch, err);

	if (changed != NULL)
		*changed = ch;
	if (rc == 0 && ch)
		rc = audit_change(s, actor, retired ? "retire" : "unretire", id, NULL, err);
	return rc;
}

/* ---- the list ---- */

/* doc's title in its default language (the first of its languages). */
static const char *default_title(const json_t *doc)
{
	const char *lang = json_string_value(json_array_get(json_object_get(doc, "languages"), 0));
	const json_t *title = json_object_get(doc, "title");

	return lang != NULL ? json_string_value(json_object_get(title, lang)) : NULL;
}

static int add_version(json_t *entry, const json_t *doc, json_int_t version, json_int_t count)
{
	json_t *v = json_pack("{s:I, s:s?, s:O, s:I}", "version", version, "title",
	                      default_title(doc), "languages", json_object_get(doc, "languages"),
	                      "responses", count);

	if (v == NULL || json_array_append_new(json_object_get(entry, "versions"), v) != 0)
		return FS_ENOMEM;
	json_object_set_new(entry, "latest", json_integer(version));
	json_object_set(entry, "languages", json_object_get(doc, "languages"));
	json_object_set_new(entry, "title", default_title(doc) ? json_string(default_title(doc))
	                                                         : json_null());
	json_object_set_new(entry, "responses",
	                    json_integer(json_integer_value(json_object_get(entry, "responses")) +
	                                 count));
	return 0;
}

/* Close an entry: its offers, and retired from them. */
static int finish_entry(fs_store *s, json_t *entry, fs_err *err)
{
	json_t *offers = NULL;
	int rc = fs_offer_describe(s, json_string_value(json_object_get(entry, "id")), &offers, err);

	if (rc != 0)
		return rc;
	json_object_set(entry, "retired", json_object_get(offers, "retired"));
	json_object_set_new(entry, "offers", offers);
	return 0;
}

int hub_questionnaire_list(fs_store *s, json_t **out, fs_err *err)
{
	json_t *list = NULL, *counts = NULL, *res = json_array(), *entry = NULL, *q, *doc;
	size_t i;
	int rc;

	*out = NULL;
	if (res == NULL)
		return fs_err_set(err, FS_ENOMEM, "questionnaires: out of memory");
	rc = fs_questionnaire_list(s, &list, err);
	if (rc == 0)
		rc = fs_offer_response_counts(s, &counts, err);
	/* The list is by id then version: one entry per id, versions rising. */
	json_array_foreach (list, i, q) {
		const char *id = json_string_value(json_object_get(q, "id"));
		json_int_t version = json_integer_value(json_object_get(q, "version"));
		char key[24];

		if (rc != 0)
			break;
		if (entry == NULL ||
		    strcmp(json_string_value(json_object_get(entry, "id")), id) != 0) {
			if (entry != NULL && (rc = finish_entry(s, entry, err)) != 0)
				break;
			entry = json_pack("{s:s, s:n, s:[], s:I, s:[], s:I}", "id", id, "title",
			                  "languages", "latest", version, "versions", "responses",
			                  (json_int_t)0);
			if (entry == NULL || json_array_append_new(res, entry) != 0) {
				rc = fs_err_set(err, FS_ENOMEM, "questionnaires: out of memory");
				break;
			}
		}
		rc = fs_questionnaire_get(s, &doc, id, (int64_t)version, err);
		if (rc != 0)
			break;
		snprintf(key, sizeof(key), "%lld", (long long)version);
		if (add_version(entry, doc, version,
		                json_integer_value(json_object_get(json_object_get(counts, id), key))) !=
		    0)
			rc = fs_err_set(err, FS_ENOMEM, "questionnaires: out of memory");
		json_decref(doc);
	}
	if (rc == 0 && entry != NULL)
		rc = finish_entry(s, entry, err);
	json_decref(list);
	json_decref(counts);
	if (rc != 0) {
		json_decref(res);
		return rc;
	}
	*out = res;
	return 0;
}

static void join_names(char *out, size_t len, const json_t *names)
{
	size_t i, used = strlen(out);
	const json_t *n;

	json_array_foreach (names, i, n) {
		int w = snprintf(out + used, len - used, "%s%s", i > 0 ? ", " : "",
		                 json_string_value(n));

		if (w < 0 || (size_t)w >= len - used)
			return;
		used += (size_t)w;
	}
}

void hub_questionnaire_offer_text(const json_t *entry, char *out, size_t len)
{
	const json_t *offers = json_object_get(entry, "offers");
	const json_t *regions = json_object_get(offers, "regions");
	const json_t *withdrawn = json_object_get(offers, "withdrawn");

	out[0] = '\0';
	if (json_is_true(json_object_get(offers, "everywhere"))) {
		snprintf(out, len, "%s", json_array_size(withdrawn) > 0 ? "everywhere but " : "everywhere");
		join_names(out, len, withdrawn);
	} else if (json_array_size(regions) > 0) {
		join_names(out, len, regions);
	} else {
		snprintf(out, len, "nowhere");
	}
}
