/* fieldsync-hub console: the Conflicts page's API (docs/console.md,
 * "Conflicts"), through the same calls as `fieldsync-hub conflicts` and
 * `resolve` (hub/conflicts.h):
 *   GET  /api/conflicts?open=1&region=R   analysts and admins, each
 *        conflict in plain words (hub_conflicts_describe), only those of
 *        the regions the user sees;
 *   POST /api/conflicts/resolve {"id", "keep": "winner"|"loser"} or
 *        {"id", "value": JSON}   admins only (a region-limited admin only
 *        within those regions: another region's conflict is 404, like one
 *        that does not exist), audited as console:NAME in the resolution's
 *        transaction. */
#include <jansson.h>
#include <string.h>

#include "conflicts.h"
#include "console.h"
#include "fieldsync/records.h"
#include "routes.h"

/* The body: an id (at most FS_ID_MAX), and a value of at most 4,000
 * bytes (notes) escaped as JSON (\uXXXX: 6 bytes a byte at worst). */
#define RESOLVE_BODY_MAX (32u << 10)

/* GET /api/conflicts */
static int list_conflicts(console_call *c, console_answer *a)
{
	const char *open = c->arg(c, "open"), *region = c->arg(c, "region");
	fs_conflict_filter f = {0, NULL, -1};
	json_t *list = NULL, *kept, *item;
	fs_err err = {0, ""};
	size_t i;
	int rc;

	if (open != NULL && strcmp(open, "1") != 0 && strcmp(open, "0") != 0)
		return console_fail(a, 400, "invalid", "open must be 1 or 0");
	if (region != NULL && region[0] != '\0' && !fs_name_is_valid(region))
		return console_fail(a, 400, "invalid", "region is not a region name");
	f.open_only = open != NULL && strcmp(open, "1") == 0;
	f.region = region != NULL && region[0] != '\0' ? region : NULL;
	rc = hub_conflicts_describe(c->store, &f, &list, &err);
	if (rc != 0)
		return console_fail_err(a, rc, &err);
	kept = json_array();
	if (kept == NULL) {
		json_decref(list);
		return FS_ENOMEM;
	}
	json_array_foreach (list, i, item)
		if (console_user_sees_region(c->user,
		                             json_string_value(json_object_get(item, "region"))) &&
		    json_array_append(kept, item) != 0) {
			json_decref(list);
			json_decref(kept);
			return FS_ENOMEM;
		}
	json_decref(list);
	a->json = json_pack("{s:o, s:b}", "conflicts", kept, "can_resolve",
	                    c->user->role >= CONSOLE_ADMIN);
	return a->json != NULL ? 0 : FS_ENOMEM;
}

/* A conflict of a region the user does not see is "not found". */
static int user_sees(void *ctx, const char *region, fs_err *err)
{
	const console_call *c = ctx;

	if (console_user_sees_region(c->user, region))
		return 0;
	return fs_err_set(err, FS_ENOTFOUND, "resolve: no such conflict here");
}

/* POST /api/conflicts/resolve */
static int resolve_conflict(console_call *c, console_answer *a)
{
	json_t *o = json_loadb(c->body, c->body_len, JSON_REJECT_DUPLICATES, NULL), *value, *v;
	const char *id, *keep, *key;
	fs_resolve_choice choice = FS_RESOLVE_NEW;
	fs_resolution r;
	fs_err err = {0, ""};
	int rc;

	if (!json_is_object(o)) {
		json_decref(o);
		return console_fail(a, 400, "invalid", "send a JSON object");
	}
	json_object_foreach (o, key, v)
		if (strcmp(key, "id") != 0 && strcmp(key, "keep") != 0 && strcmp(key, "value") != 0) {
			json_decref(o);
			return console_fail(a, 400, "invalid", "unknown key \"%.40s\"", key);
		}
	id = json_string_value(json_object_get(o, "id"));
	keep = json_string_value(json_object_get(o, "keep"));
	value = json_object_get(o, "value");
	if (id == NULL) {
		json_decref(o);
		return console_fail(a, 400, "invalid", "send the conflict's \"id\"");
	}
	if ((json_object_get(o, "keep") != NULL) == (value != NULL) ||
	    (json_object_get(o, "keep") != NULL &&
	     (keep == NULL || fs_resolve_choice_parse(keep, &choice) != 0 ||
	      choice == FS_RESOLVE_NEW))) {
		json_decref(o);
		return console_fail(a, 400, "invalid",
		                    "send \"keep\": \"winner\" or \"loser\", or a new \"value\"");
	}
	rc = hub_conflict_resolve(c->store, c->actor, id, choice, value, user_sees, c, &r, &err);
	json_decref(o);
	if (rc != 0)
		return console_fail_err(a, rc, &err);
	a->json = json_pack("{s:b, s:s, s:s, s:s}", "ok", 1, "id", r.conflict, "chosen",
	                    fs_resolve_choice_name(r.chosen), "region", r.region);
	return a->json != NULL ? 0 : FS_ENOMEM;
}

const console_route console_routes_conflicts[] = {
    {"GET", "/api/conflicts", CONSOLE_ANALYST, list_conflicts, 0, 0},
    {"POST", "/api/conflicts/resolve", CONSOLE_ADMIN, resolve_conflict, RESOLVE_BODY_MAX, 0},
    {0},
};
