/* fieldsync-hub console: the Results page's API (docs/console.md,
 * "Results"), over hub_results_compute (hub/results.h), the same figures
 * `fieldsync-hub results` prints.
 *
 *   GET  /api/results?questionnaire=ID[&region=&site=&from=&to=&language=
 *        &mode=&labels=&tz=&text_question=&text_offset=&text_limit=]
 *                                                          viewer and up
 *   GET  /api/results/questionnaires                       viewer and up
 *   POST /api/results/settings {"k": N}                    admins; audited
 *
 * Who sees what: a viewer always gets the suppressed view and no free
 * text; an analyst or admin the counts and the free text (whose listing is
 * audited, results_text). A user limited to regions counts only responses
 * of kiosks of those regions, "all" included; a region or site outside
 * them is answered 404 exactly as one that does not exist, so nothing of
 * another region can be learnt. */
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "audit.h"
#include "console.h"
#include "fieldsync/backend.h"
#include "fieldsync/records.h"
#include "results.h"
#include "routes.h"

#define SETTINGS_BODY_MAX 256u
/* Results read every response of a questionnaire (about 1.5 s per 100,000
 * here): at most this many at once in a process, the rest 503 with
 * Retry-After, so that viewers reloading a page cannot take every core. */
#define RESULTS_AT_ONCE 2

static atomic_int results_running;

/* A query argument as a whole number from 0 to max into *out; 0, or 1
 * after a 400 was set in a. */
static int arg_count(console_call *c, console_answer *a, const char *key, long max, long *out)
{
	const char *v = c->arg(c, key);
	char *end;
	long n;

	*out = 0;
	if (v == NULL || *v == '\0')
		return 0;
	n = strtol(v, &end, 10);
	if (*end != '\0' || n < 0 || n > max || v[0] == '-' || v[0] == '+' || v[0] == ' ') {
		console_fail(a, 400, "invalid", "%s: must be a whole number from 0 to %ld", key, max);
		return 1;
	}
	*out = n;
	return 0;
}

/* An optional text argument: NULL when absent or empty. */
static const char *arg_text(console_call *c, const char *key)
{
	const char *v = c->arg(c, key);

	return v != NULL && *v != '\0' ? v : NULL;
}

static int not_found(console_answer *a, const char *what)
{
	return console_fail(a, 404, "not_found", "no such %s", what);
}

/* GET /api/results */
static int results_get(console_call *c, console_answer *a)
{
	const console_user *u = c->user;
	const char *regions[HUB_RESULTS_REGIONS_MAX];
	const char *region = arg_text(c, "region");
	char site_region[FS_NAME_MAX + 1];
	hub_results_filter f;
	hub_results_opts o;
	json_t *res = NULL;
	fs_err err = {0, ""};
	size_t i;
	int rc;

	memset(&f, 0, sizeof(f));
	memset(&o, 0, sizeof(o));
	f.questionnaire = arg_text(c, "questionnaire");
	f.site = arg_text(c, "site");
	f.from = arg_text(c, "from");
	f.to = arg_text(c, "to");
	f.language = arg_text(c, "language");
	f.mode = arg_text(c, "mode");
	f.regions = regions;
	o.tz = arg_text(c, "tz");
	o.language = arg_text(c, "labels");
	o.text_question = arg_text(c, "text_question");
	o.suppress = u->role == CONSOLE_VIEWER;
	o.text = u->role >= CONSOLE_ANALYST;
	if (arg_count(c, a, "text_offset", HUB_RESULTS_TEXT_MAX, &o.text_offset) ||
	    arg_count(c, a, "text_limit", HUB_RESULTS_TEXT_MAX, &o.text_limit))
		return 0;
	if (f.questionnaire == NULL)
		return console_fail(a, 400, "invalid", "questionnaire: say which questionnaire");
	if (region != NULL && !fs_name_is_valid(region))
		return console_fail(a, 400, "invalid", "region: must match [a-z0-9][a-z0-9-]{0,63}");
	if (f.site != NULL && !fs_name_is_valid(f.site))
		return console_fail(a, 400, "invalid", "site: must match [a-z0-9][a-z0-9-]{0,63}");
	/* A region or a kiosk the user may not see is one that is not there. */
	if (region != NULL && !console_user_sees_region(u, region))
		return not_found(a, "region");
	if (f.site != NULL) {
		fs_device_row d;

		rc = fs_store_registry(c->store)->device_get(fs_store_backend(c->store), f.site, &d,
		                                              &err);
		if (rc == FS_ENOTFOUND)
			return not_found(a, "kiosk");
		if (rc != 0)
			return console_fail_err(a, rc, &err);
		snprintf(site_region, sizeof(site_region), "%s", d.region ? d.region : "");
		if (!console_user_sees_region(u, site_region))
			return not_found(a, "kiosk");
	}
	if (region != NULL) {
		regions[f.nregions++] = region;
	} else {
		for (i = 0; i < u->nregions && i < HUB_RESULTS_REGIONS_MAX; i++)
			regions[f.nregions++] = u->regions[i];
	}
	if (atomic_fetch_add(&results_running, 1) >= RESULTS_AT_ONCE) {
		atomic_fetch_sub(&results_running, 1);
		a->retry_after = 2;
		return console_fail(a, 503, "busy", "results are being computed for others: try again");
	}
	rc = hub_results_k_get(c->store, &o.k, &err);
	if (rc == 0)
		rc = hub_results_compute(&res, c->store, &f, &o, &err);
	atomic_fetch_sub(&results_running, 1);
	if (rc == 0)
		rc = hub_results_audit_text(c->store, c->actor, res, &err);
	if (rc != 0) {
		json_decref(res);
		return console_fail_err(a, rc, &err);
	}
	a->json = res;
	return 0;
}

/* A title (a text object) in English where it has it, else its first
 * language's; a string as it is. */
static const char *title_text(const json_t *title)
{
	const char *key, *first = NULL;
	json_t *v;

	if (json_is_string(title))
		return json_string_value(title);
	if (json_is_string(json_object_get(title, "en")))
		return json_string_value(json_object_get(title, "en"));
	json_object_foreach ((json_t *)title, key, v)
		if (first == NULL && json_is_string(v))
			first = json_string_value(v);
	return first != NULL ? first : "";
}

/* GET /api/results/questionnaires: the published questionnaires, each
 * with its versions and newest title, for the page's picker. */
static int questionnaires(console_call *c, console_answer *a)
{
	json_t *list = NULL, *out = json_array(), *item, *last = NULL;
	fs_err err = {0, ""};
	size_t i;
	int rc = fs_questionnaire_list(c->store, &list, &err);

	if (rc == 0 && out == NULL)
		rc = fs_err_set(&err, FS_ENOMEM, "out of memory");
	json_array_foreach (list, i, item) {
		const char *id = json_string_value(json_object_get(item, "id"));

		if (rc != 0)
			break;
		if (last == NULL ||
		    strcmp(json_string_value(json_object_get(last, "id")), id) != 0) {
			last = json_pack("{s:s, s:[]}", "id", id, "versions");
			if (last == NULL || json_array_append_new(out, last) != 0) {
				rc = fs_err_set(&err, FS_ENOMEM, "out of memory");
				break;
			}
		}
		/* by id then version: the last seen is the newest */
		json_array_append(json_object_get(last, "versions"), json_object_get(item, "version"));
		json_object_set_new(last, "title", json_string(title_text(json_object_get(item, "title"))));
	}
	json_decref(list);
	if (rc != 0) {
		json_decref(out);
		return console_fail_err(a, rc, &err);
	}
	a->json = json_pack("{s:o}", "questionnaires", out);
	return a->json != NULL ? 0 : FS_ENOMEM;
}

/* POST /api/results/settings {"k": N}: admins; audited (results_k). */
static int settings(console_call *c, console_answer *a)
{
	json_t *body = json_loadb(c->body, c->body_len, JSON_REJECT_DUPLICATES, NULL);
	json_t *k = json_object_get(body, "k");
	fs_err err = {0, ""};
	long was = 0;
	int rc;

	if (!json_is_object(body) || json_object_size(body) != 1 || !json_is_integer(k) ||
	    json_integer_value(k) < HUB_RESULTS_K_MIN || json_integer_value(k) > HUB_RESULTS_K_MAX) {
		json_decref(body);
		return console_fail(a, 400, "invalid", "k: must be a whole number from %d to %d",
		                    HUB_RESULTS_K_MIN, HUB_RESULTS_K_MAX);
	}
	rc = hub_results_k_get(c->store, &was, &err);
	if (rc == 0)
		rc = hub_results_k_set(c->store, (long)json_integer_value(k), c->actor, &err);
	if (rc == 0)
		a->json = json_pack("{s:I, s:I}", "k", json_integer_value(k), "was", (json_int_t)was);
	json_decref(body);
	if (rc != 0)
		return console_fail_err(a, rc, &err);
	return 0;
}

const console_route console_routes_results[] = {
    {"GET", "/api/results", CONSOLE_VIEWER, results_get, 0, 1},
    {"GET", "/api/results/questionnaires", CONSOLE_VIEWER, questionnaires, 0, 1},
    {"POST", "/api/results/settings", CONSOLE_ADMIN, settings, SETTINGS_BODY_MAX, 0},
    {0},
};
