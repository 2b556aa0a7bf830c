/* fieldsync-hub console: the Erasure page's API (docs/console.md, "Erasure
 * and audit"), admins only, through the same calls as `fieldsync-hub erase`
 * and `erasures` (hub/erase.h):
 *   GET  /api/erasures   the newest ERASURES_SHOWN requests with each
 *        kiosk's confirmation; a region-limited admin sees only those whose
 *        records all went to regions they see;
 *   POST /api/erasures/start {"target": "contact"|"response"|"person_ref",
 *        "id", "confirm": "ERASE"}   erase; audited as console:NAME. A
 *        region-limited admin erases only records of regions they see: one
 *        of another region, of no known region (an id the hub does not
 *        hold, a response of an unknown kiosk) or a person_ref none of whose
 *        contacts is theirs is answered 404 alike, so they learn nothing of
 *        other regions. The person_ref is never echoed. */
#include <jansson.h>
#include <string.h>

#include "console.h"
#include "erase.h"
#include "routes.h"

/* A person_ref escaped as JSON at worst (\uXXXX) and the other keys. */
#define ERASE_BODY_MAX (8u * HUB_ERASE_PERSON_REF_MAX)
/* Requests listed at most (newest first); the CLI lists them all. */
#define ERASURES_SHOWN 200
/* The word the confirmation step has the admin type. */
#define ERASE_CONFIRM "ERASE"

static int sees(void *ctx, const char *region)
{
	const console_user *u = ctx;

	return region != NULL ? console_user_sees_region(u, region) : u->nregions == 0;
}

/* GET /api/erasures */
static int list_erasures(console_call *c, console_answer *a)
{
	json_t *list = NULL;
	fs_err err = {0, ""};
	int more = 0, rc;

	rc = hub_erasures_list(c->store, sees, (void *)c->user, ERASURES_SHOWN, &list, &more, &err);
	if (rc != 0)
		return console_fail_err(a, rc, &err);
	a->json = json_pack("{s:o, s:b, s:i}", "erasures", list, "more", more, "shown_max",
	                    ERASURES_SHOWN);
	return a->json != NULL ? 0 : FS_ENOMEM;
}

/* The same answer for a record of another region, of no known region, and
 * (for a region-limited admin) a person_ref with no contact at all. */
#define NOT_YOURS                                                                                  \
	"no such record in the regions you may see (an admin of every region can erase it)"

static int in_my_regions(void *ctx, const char *table, const char *id, const char *region,
                         int already, fs_err *err)
{
	(void)table;
	(void)id;
	(void)already;
	if (sees(ctx, region))
		return 0;
	return fs_err_set(err, FS_ENOTFOUND, NOT_YOURS);
}

/* POST /api/erasures/start */
static int start_erasure(console_call *c, console_answer *a)
{
	json_t *o = console_body_object(c, a), *v;
	const char *target = json_string_value(json_object_get(o, "target"));
	const char *id = json_string_value(json_object_get(o, "id"));
	const char *confirm = json_string_value(json_object_get(o, "confirm"));
	const char *key;
	fs_erase_target by = FS_ERASE_CONTACT;
	fs_erase_result res;
	fs_err err = {0, ""};
	int limited = c->user->nregions > 0, rc;

	if (o == NULL)
		return 0;
	json_object_foreach (o, key, v)
		if (strcmp(key, "target") != 0 && strcmp(key, "id") != 0 &&
		    strcmp(key, "confirm") != 0) {
			console_fail(a, 400, "invalid", "unknown key \"%.40s\"", key);
			goto done;
		}
	if (target != NULL && strcmp(target, "contact") == 0)
		by = FS_ERASE_CONTACT;
	else if (target != NULL && strcmp(target, "response") == 0)
		by = FS_ERASE_RESPONSE;
	else if (target != NULL && strcmp(target, "person_ref") == 0)
		by = FS_ERASE_PERSON;
	else {
		console_fail(a, 400, "invalid",
		             "send \"target\": \"contact\", \"response\" or \"person_ref\"");
		goto done;
	}
	if (confirm == NULL || strcmp(confirm, ERASE_CONFIRM) != 0) {
		console_fail(a, 400, "confirm",
		             "an erasure cannot be undone: send \"confirm\": \"" ERASE_CONFIRM
		             "\"");
		goto done;
	}
	rc = hub_erase_start(c->store, c->actor, by, id, limited ? in_my_regions : NULL,
	                     (void *)c->user, &res, &err);
	if (rc != 0 && res.request[0] != '\0') {
		/* Recorded: the kiosks will erase it; the hub must scrub again
		 * (or the audit entry is missing). */
		console_fail(a, rc == FS_EBUSY ? 503 : 500, "incomplete", "%s", err.msg);
		goto done;
	}
	if (rc != 0) {
		console_fail_err(a, rc, &err);
		goto done;
	}
	if (limited && res.request[0] == '\0' && res.already == 0) {
		console_fail(a, 404, "not_found", NOT_YOURS);
		goto done;
	}
	a->json = json_pack("{s:b, s:s?, s:I, s:I, s:I}", "ok", 1, "request",
	                    res.request[0] != '\0' ? res.request : NULL, "records",
	                    (json_int_t)res.records, "already", (json_int_t)res.already,
	                    "rows_removed", (json_int_t)res.rows_removed);
	rc = a->json != NULL ? 0 : FS_ENOMEM;
	json_decref(o);
	return rc;
done:
	json_decref(o);
	return 0;
}

const console_route console_routes_erasure[] = {
    {"GET", "/api/erasures", CONSOLE_ADMIN, list_erasures, 0, 0},
    {"POST", "/api/erasures/start", CONSOLE_ADMIN, start_erasure, ERASE_BODY_MAX, 0},
    {0},
};
