/* fieldsync-hub console: the Questionnaires page's API, through the same
 * calls as `fieldsync-hub publish`, `offer`, `retire` and `questionnaires`
 * (hub/questionnaires.h), each change audited there with the console user
 * as actor.
 *   GET  /api/questionnaires            the list (a picker's too)
 *   POST /api/questionnaires/validate   body: a document; its faults
 *   POST /api/questionnaires/publish    body: a document (422 "PATH: RULE")
 *   POST /api/questionnaires/offer      {"id", "region" (null: all), "offered"}
 *   POST /api/questionnaires/retire     {"id", "retired"}
 *   POST /api/questionnaires/share      {"id", "shared", "k"} (hub/shared.h)
 * The body of validate and publish is the document itself, or {"text":
 * the document's text} (exactly that key; what the page sends: the file
 * as read, so a duplicate key or a number's spelling reaches the
 * validator as written). Validation never changes the store; a body is at most
 * HUB_QUESTIONNAIRE_UPLOAD_MAX bytes (413 past it, by the framework). */
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "console.h"
#include "questionnaires.h"
#include "registry.h"
#include "routes.h"
#include "shared.h"

#define SMALL_BODY_MAX 1024u

/* Keep only the names u may see in the array arr (in place). */
static void filter_regions(json_t *arr, const console_user *u)
{
	size_t i = 0;

	while (i < json_array_size(arr)) {
		if (console_user_sees_region(u, json_string_value(json_array_get(arr, i))))
			i++;
		else
			json_array_remove(arr, i);
	}
}

/* The regions that have an enrolled kiosk, visible to u, sorted. */
static json_t *kiosk_regions(console_call *c)
{
	json_t *devices = NULL, *seen = json_object(), *out = json_array(), *d;
	const char *name;
	fs_err err = {0, ""};
	size_t i;
	void *tmp;

	if (hub_device_list(c->store, &devices, &err) == 0)
		json_array_foreach (devices, i, d) {
			name = json_string_value(json_object_get(d, "region"));
			if (name != NULL && !json_is_true(json_object_get(d, "revoked")) &&
			    console_user_sees_region(c->user, name))
				json_object_set_new(seen, name, json_true());
		}
	json_object_foreach_safe (seen, tmp, name, d)
		json_array_append_new(out, json_string(name));
	json_decref(devices);
	json_decref(seen);
	return out;
}

static int by_text(const void *a, const void *b)
{
	return strcmp(json_string_value(*(json_t *const *)a), json_string_value(*(json_t *const *)b));
}

/* GET /api/questionnaires: {"questionnaires": [...], "regions": [...]}.
 * Response counts only for an admin of every region (they are data of
 * every region); offers name only the regions the user sees. */
static int list_questionnaires(console_call *c, console_answer *a)
{
	json_t *list = NULL, *q, *v, *regions;
	fs_err err = {0, ""};
	int counts = c->user->role == CONSOLE_ADMIN && c->user->nregions == 0;
	size_t i, j, n;
	json_t *shared = NULL;
	int rc = hub_questionnaire_list(c->store, &list, &err);

	if (rc == 0)
		rc = hub_shared_list(c->store, &shared, &err);
	if (rc != 0) {
		json_decref(list);
		return console_fail_err(a, rc, &err);
	}
	json_array_foreach (list, i, q) {
		/* shared results: {"k"} while shared, else null */
		json_t *k = json_object_get(shared, json_string_value(json_object_get(q, "id")));

		json_object_set_new(q, "shared", k != NULL ? json_pack("{s:O}", "k", k) : json_null());
		filter_regions(json_object_get(json_object_get(q, "offers"), "regions"), c->user);
		filter_regions(json_object_get(json_object_get(q, "offers"), "withdrawn"), c->user);
		if (counts)
			continue;
		json_object_del(q, "responses");
		json_array_foreach (json_object_get(q, "versions"), j, v)
			json_object_del(v, "responses");
	}
	json_decref(shared);
	regions = kiosk_regions(c);
	n = json_array_size(regions);
	if (n > 1) {
		json_t **items = malloc(n * sizeof(*items));

		if (items != NULL) {
			for (i = 0; i < n; i++)
				items[i] = json_incref(json_array_get(regions, i));
			qsort(items, n, sizeof(*items), by_text);
			json_array_clear(regions);
			for (i = 0; i < n; i++)
				json_array_append_new(regions, items[i]);
			free(items);
		}
	}
	a->json = json_pack("{s:o, s:o}", "questionnaires", list, "regions", regions);
	return a->json != NULL ? 0 : console_fail(a, 500, "internal", "out of memory");
}

/* A document's fault as the answer: 422 {"error": "invalid_questionnaire",
 * "message": "PATH: RULE"} (an error answer carries one message; the
 * validate route gives the faults as a list). */
static int fail_invalid(console_answer *a, json_t *problems)
{
	json_t *first = json_array_get(problems, 0);

	return console_fail(a, 422, "invalid_questionnaire", "%s: %s",
	                    json_string_value(json_object_get(first, "path")),
	                    json_string_value(json_object_get(first, "message")));
}

/* hub_questionnaire_check of the request's document (see above). */
static int check_body(const console_call *c, json_t **doc, json_t **problems, fs_err *err)
{
	json_t *outer = json_loadb(c->body, c->body_len, 0, NULL);
	json_t *t = json_object_get(outer, "text");
	int rc;

	if (json_is_string(t) && json_object_size(outer) == 1)
		rc = hub_questionnaire_check(json_string_value(t), json_string_length(t), doc, problems,
		                             err);
	else
		rc = hub_questionnaire_check(c->body, c->body_len, doc, problems, err);
	json_decref(outer);
	return rc;
}

/* POST /api/questionnaires/validate: {"valid", "errors", "questionnaire":
 * {"id", "version", "title", "languages"} when valid}. Changes nothing. */
static int validate_questionnaire(console_call *c, console_answer *a)
{
	json_t *doc = NULL, *problems = NULL;
	fs_err err = {0, ""};
	int rc = check_body(c, &doc, &problems, &err);

	if (rc != 0)
		return console_fail_err(a, rc, &err);
	a->json = json_pack("{s:b, s:o}", "valid", json_array_size(problems) == 0, "errors",
	                    problems);
	if (a->json != NULL && json_array_size(problems) == 0)
		json_object_set_new(a->json, "questionnaire",
		                    json_pack("{s:O, s:O, s:O, s:O}", "id", json_object_get(doc, "id"),
		                              "version", json_object_get(doc, "version"), "title",
		                              json_object_get(doc, "title"), "languages",
		                              json_object_get(doc, "languages")));
	json_decref(doc);
	return a->json != NULL ? 0 : console_fail(a, 500, "internal", "out of memory");
}

/* POST /api/questionnaires/publish: {"published": true, "already": bool,
 * "id", "version"}, or 422 with the faults. */
static int publish_questionnaire(console_call *c, console_answer *a)
{
	json_t *doc = NULL, *problems = NULL;
	fs_err err = {0, ""};
	int existed = 0, rc = check_body(c, &doc, &problems, &err);

	if (rc != 0)
		return console_fail_err(a, rc, &err);
	if (json_array_size(problems) > 0) {
		rc = fail_invalid(a, problems);
		goto cleanup;
	}
	rc = hub_questionnaire_publish(c->store, c->actor, doc, &existed, &err);
	if (rc != 0) {
		rc = console_fail_err(a, rc, &err);
		goto cleanup;
	}
	a->json = json_pack("{s:b, s:b, s:O, s:O}", "published", 1, "already", existed, "id",
	                    json_object_get(doc, "id"), "version", json_object_get(doc, "version"));
	rc = a->json != NULL ? 0 : console_fail(a, 500, "internal", "out of memory");
cleanup:
	json_decref(problems);
	json_decref(doc);
	return rc;
}

/* The request's small JSON object with a string "id" (new reference), or
 * NULL with a 400 in a. */
static json_t *id_body(const console_call *c, console_answer *a)
{
	json_t *o = json_loadb(c->body, c->body_len, JSON_REJECT_DUPLICATES, NULL);

	if (!json_is_object(o) || !json_is_string(json_object_get(o, "id"))) {
		json_decref(o);
		console_fail(a, 400, "invalid", "send a JSON object with the questionnaire's \"id\"");
		return NULL;
	}
	return o;
}

/* POST /api/questionnaires/offer {"id", "region": NAME or null (every
 * region), "offered": bool}: {"changed"}. An admin limited to regions may
 * offer only in those, never to every region. */
static int offer_questionnaire(console_call *c, console_answer *a)
{
	json_t *o = id_body(c, a), *region;
	fs_err err = {0, ""};
	int changed = 0, rc;

	if (o == NULL)
		return 0;
	region = json_object_get(o, "region");
	if ((region != NULL && !json_is_null(region) && !json_is_string(region)) ||
	    !json_is_boolean(json_object_get(o, "offered"))) {
		json_decref(o);
		return console_fail(a, 400, "invalid",
		                    "send \"region\" (a name, or null for every region) and "
		                    "\"offered\": true or false");
	}
	if (json_is_string(region) ? !console_user_sees_region(c->user, json_string_value(region))
	                           : c->user->nregions > 0) {
		json_decref(o);
		return console_fail(a, 403, "forbidden", "that region is not one of yours");
	}
	rc = hub_questionnaire_offer(c->store, c->actor, json_string_value(json_object_get(o, "id")),
	                             json_string_value(region),
	                             json_is_true(json_object_get(o, "offered")), &changed, &err);
	json_decref(o);
	if (rc != 0)
		return console_fail_err(a, rc, &err);
	a->json = json_pack("{s:b}", "changed", changed);
	return 0;
}

/* POST /api/questionnaires/retire {"id", "retired": bool}: {"changed"}.
 * Every region's: an admin of every region only. */
static int retire_questionnaire(console_call *c, console_answer *a)
{
	json_t *o = id_body(c, a);
	fs_err err = {0, ""};
	int changed = 0, rc;

	if (o == NULL)
		return 0;
	if (!json_is_boolean(json_object_get(o, "retired"))) {
		json_decref(o);
		return console_fail(a, 400, "invalid", "send \"retired\": true or false");
	}
	if (c->user->nregions > 0) {
		json_decref(o);
		return console_fail(a, 403, "forbidden",
		                    "retiring reaches every region: an admin of every region does it");
	}
	rc = hub_questionnaire_retire(c->store, c->actor, json_string_value(json_object_get(o, "id")),
	                              json_is_true(json_object_get(o, "retired")), &changed, &err);
	json_decref(o);
	if (rc != 0)
		return console_fail_err(a, rc, &err);
	a->json = json_pack("{s:b}", "changed", changed);
	return 0;
}

/* POST /api/questionnaires/share {"id", "shared": bool, "k": 5..100
 * (optional; 10 when absent)}: {"shared", "k", "withdrawn"}. The figures
 * reach every region's kiosks: an admin of every region only. Audited
 * (share, unshare) with the console user as actor. */
static int share_questionnaire(console_call *c, console_answer *a)
{
	json_t *o = id_body(c, a), *k;
	const char *id;
	fs_err err = {0, ""};
	long kv = 0;
	int withdrawn = 0, rc;

	if (o == NULL)
		return 0;
	k = json_object_get(o, "k");
	if (!json_is_boolean(json_object_get(o, "shared")) ||
	    (k != NULL && !json_is_null(k) &&
	     (!json_is_integer(k) || json_integer_value(k) < HUB_SHARED_K_MIN ||
	      json_integer_value(k) > HUB_RESULTS_K_MAX))) {
		json_decref(o);
		return console_fail(a, 400, "invalid",
		                    "send \"shared\": true or false, and \"k\": a whole number from 5 "
		                    "to 100");
	}
	if (c->user->nregions > 0) {
		json_decref(o);
		return console_fail(a, 403, "forbidden",
		                    "shared results reach every region: an admin of every region "
		                    "shares them");
	}
	id = json_string_value(json_object_get(o, "id"));
	kv = json_is_integer(k) ? (long)json_integer_value(k) : 0;
	rc = json_is_true(json_object_get(o, "shared"))
	         ? hub_shared_set(c->store, c->actor, id, kv, &err)
	         : hub_shared_unset(c->store, c->actor, id, &withdrawn, &err);
	if (rc == 0)
		rc = hub_shared_k(c->store, id, &kv, &err);
	json_decref(o);
	if (rc != 0)
		return console_fail_err(a, rc, &err);
	a->json = json_pack("{s:b, s:i, s:i}", "shared", kv > 0, "k", (int)kv, "withdrawn",
	                    withdrawn);
	return 0;
}

const console_route console_routes_questionnaires[] = {
    {"GET", "/api/questionnaires", CONSOLE_VIEWER, list_questionnaires, 0, 1},
    {"POST", "/api/questionnaires/validate", CONSOLE_ADMIN, validate_questionnaire,
     HUB_QUESTIONNAIRE_UPLOAD_MAX, 0},
    {"POST", "/api/questionnaires/publish", CONSOLE_ADMIN, publish_questionnaire,
     HUB_QUESTIONNAIRE_UPLOAD_MAX, 0},
    {"POST", "/api/questionnaires/offer", CONSOLE_ADMIN, offer_questionnaire, SMALL_BODY_MAX, 0},
    {"POST", "/api/questionnaires/retire", CONSOLE_ADMIN, retire_questionnaire, SMALL_BODY_MAX,
     0},
    {"POST", "/api/questionnaires/share", CONSOLE_ADMIN, share_questionnaire, SMALL_BODY_MAX, 0},
    {0},
};
