/* fieldsync-hub console: the Updates page's API (docs/console.md,
 * "Updates"). "You said, we did" updates (core's updates.h) through the
 * same calls as `fieldsync-hub update` (hub/updates.h), each audited there
 * with the console user as actor.
 *   GET  /api/updates          every role: the live updates of the regions
 *                              the user sees and those for every region
 *   POST /api/updates/add      admin: an update object (updates.h), the
 *                              image as base64 of the file
 *   POST /api/updates/edit     admin: the same with its id; "image": true
 *                              keeps the stored one, null drops it
 *   POST /api/updates/remove   admin: {id}
 * An update of a region the user does not see is answered as if it did
 * not exist (404); one for every region ("*") is published, changed or
 * removed only by a user who sees every region. */
#include <jansson.h>
#include <string.h>

#include "console.h"
#include "fieldsync/records.h"
#include "fieldsync/updates.h"
#include "routes.h"
#include "updates.h"

/* An image file of at most FS_IMAGE_INPUT_MAX bytes as base64, the texts
 * and the rest. */
#define UPDATES_BODY_MAX ((size_t)FS_IMAGE_INPUT_MAX / 3 * 4 + 64 * 1024)

static int sees_target(const console_user *u, const char *target)
{
	return target != NULL && (strcmp(target, FS_UPDATE_EVERYWHERE) == 0
	                              ? u->nregions == 0
	                              : console_user_sees_region(u, target));
}

/* GET /api/updates */
static int list_updates(console_call *c, console_answer *a)
{
	fs_update_filter f = {NULL, NULL, NULL, NULL, 0};
	json_t *rows = NULL, *out, *v;
	fs_err err = {0, ""};
	size_t i;
	int rc = fs_update_list(c->store, &f, &rows, &err);

	if (rc != 0)
		return console_fail_err(a, rc, &err);
	out = json_array();
	json_array_foreach(rows, i, v) {
		const char *t = json_string_value(json_object_get(v, "target"));

		if (out != NULL && (strcmp(t, FS_UPDATE_EVERYWHERE) == 0 ||
		                    console_user_sees_region(c->user, t)))
			json_array_append(out, v);
	}
	json_decref(rows);
	if (out == NULL)
		return console_fail(a, 500, "internal", "out of memory");
	a->json = json_pack("{s:o, s:b, s:b}", "updates", out, "manage",
	                    c->user->role >= CONSOLE_ADMIN, "everywhere", c->user->nregions == 0);
	return 0;
}

/* The stored update id's target (into out), when the user sees it: 0, or
 * the answer set (404 when not visible). */
static int visible(const console_call *c, const char *id, char *out, size_t len,
                   console_answer *a)
{
	fs_update_filter f = {NULL, NULL, NULL, id, 0};
	json_t *rows = NULL;
	fs_err err = {0, ""};
	const char *t;
	int rc;

	if (id == NULL || !fs_name_is_valid(id))
		return console_fail(a, 400, "invalid", "send the update's \"id\""), -1;
	rc = fs_update_list(c->store, &f, &rows, &err);
	if (rc != 0)
		return console_fail_err(a, rc, &err), -1;
	t = json_string_value(json_object_get(json_array_get(rows, 0), "target"));
	rc = t != NULL && sees_target(c->user, t);
	if (rc)
		snprintf(out, len, "%s", t);
	json_decref(rows);
	if (!rc)
		return console_fail(a, 404, "not_found", "no update %s", id), -1;
	return 0;
}

static int put(console_call *c, console_answer *a, int create)
{
	json_t *o = console_body_object(c, a);
	const char *target;
	char id[FS_ID_MAX + 1] = "", have[FS_NAME_MAX + 1];
	fs_err err = {0, ""};
	int rc, changed = 0;

	if (o == NULL)
		return 0;
	target = json_string_value(json_object_get(o, "target"));
	if (!create &&
	    visible(c, json_string_value(json_object_get(o, "id")), have, sizeof(have), a) != 0)
		goto done;
	if (target != NULL && !sees_target(c->user, target)) {
		console_fail(a, 404, "not_found",
		             strcmp(target, FS_UPDATE_EVERYWHERE) == 0
		                 ? "only a user who sees every region publishes to every region"
		                 : "no such region");
		goto done;
	}
	rc = hub_update_put(c->store, c->actor, o, create, id, &changed, &err);
	if (rc != 0)
		console_fail_err(a, rc, &err);
	else
		a->json = json_pack("{s:b, s:s, s:b}", "ok", 1, "id", id, "changed", changed);
done:
	json_decref(o);
	return 0;
}

static int add_update(console_call *c, console_answer *a)
{
	return put(c, a, 1);
}

static int edit_update(console_call *c, console_answer *a)
{
	return put(c, a, 0);
}

/* POST /api/updates/remove {id} */
static int remove_update(console_call *c, console_answer *a)
{
	json_t *o = console_body_object(c, a);
	const char *id = json_string_value(json_object_get(o, "id"));
	char have[FS_NAME_MAX + 1];
	fs_err err = {0, ""};
	int rc;

	if (o != NULL && visible(c, id, have, sizeof(have), a) == 0) {
		rc = hub_update_remove(c->store, c->actor, id, &err);
		if (rc != 0)
			console_fail_err(a, rc, &err);
		else
			a->json = json_pack("{s:b}", "ok", 1);
	}
	json_decref(o);
	return 0;
}

const console_route console_routes_updates[] = {
    {"GET", "/api/updates", CONSOLE_VIEWER, list_updates, 0, 1},
    {"POST", "/api/updates/add", CONSOLE_ADMIN, add_update, UPDATES_BODY_MAX, 0},
    {"POST", "/api/updates/edit", CONSOLE_ADMIN, edit_update, UPDATES_BODY_MAX, 0},
    {"POST", "/api/updates/remove", CONSOLE_ADMIN, remove_update, 1024, 0},
    {0},
};
