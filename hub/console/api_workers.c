/* fieldsync-hub console: the Outreach workers page's API (docs/console.md,
 * "Outreach workers"). The regions' workers (core's worker.h) through the
 * same calls as `fieldsync-hub worker` (hub/worker.h), each audited there
 * with the console user as actor.
 *   GET  /api/workers[?region=R]   analysts and admins: names and regions of
 *                                  the regions they see (admins also when
 *                                  each last changed); never a hash
 *   POST /api/workers/add          admin: {region, name, pin, pin_again}
 *   POST /api/workers/pin          admin: {region, name, pin, pin_again}, a reset
 *   POST /api/workers/remove       admin: {region, name}
 * A region the user does not see is answered as if it held no worker
 * (list: 404 for ?region=, add, reset and remove: 404), so a user limited
 * to one region learns nothing of another. PINs are wiped from memory once
 * hashed and never logged or echoed. */
#include <jansson.h>
#include <sodium.h>
#include <string.h>

#include "console.h"
#include "fieldsync/worker.h"
#include "routes.h"
#include "worker.h"

#define WORKERS_BODY_MAX 1024u

/* The request's JSON object (new reference), or NULL with a 400 in a. */
static json_t *body_object(const console_call *c, console_answer *a)
{
	json_t *o = json_loadb(c->body, c->body_len, JSON_REJECT_DUPLICATES, NULL);

	if (!json_is_object(o)) {
		json_decref(o);
		console_fail(a, 400, "invalid", "send a JSON object");
		return NULL;
	}
	return o;
}

/* Wipe every string member of o (the PINs) before it is released. */
static void wipe_strings(json_t *o)
{
	const char *k;
	json_t *v;

	json_object_foreach(o, k, v)
		if (json_is_string(v))
			sodium_memzero((char *)json_string_value(v), json_string_length(v));
}

/* GET /api/workers: the workers of the regions the user sees. */
static int list_workers(console_call *c, console_answer *a)
{
	const char *region = c->arg(c, "region");
	json_t *rows = NULL, *out = NULL, *v;
	fs_err err = {0, ""};
	size_t i;
	int rc;

	if (region != NULL && !console_user_sees_region(c->user, region))
		return console_fail(a, 404, "not_found", "no such region");
	rc = fs_worker_list(c->store, &rows, region, 0, &err);
	if (rc != 0)
		return console_fail_err(a, rc, &err);
	out = json_array();
	json_array_foreach(rows, i, v) {
		const char *r = json_string_value(json_object_get(v, "region"));

		if (out == NULL || !console_user_sees_region(c->user, r))
			continue;
		/* Analysts: names within their regions, nothing more. */
		if (c->user->role >= CONSOLE_ADMIN)
			json_array_append_new(out, json_pack("{s:s, s:O, s:O}", "region", r, "name",
							     json_object_get(v, "name"), "updated_at",
							     json_object_get(v, "updated_at")));
		else
			json_array_append_new(out, json_pack("{s:s, s:O}", "region", r, "name",
							     json_object_get(v, "name")));
	}
	json_decref(rows);
	if (out == NULL)
		return console_fail(a, 500, "internal", "out of memory");
	a->json = json_pack("{s:o, s:b}", "workers", out, "manage", c->user->role >= CONSOLE_ADMIN);
	return 0;
}

/* region and name of o, the region one the user sees: 0, or the answer set. */
static int target(const console_call *c, const json_t *o, const char **region, const char **name,
		  console_answer *a)
{
	*region = json_string_value(json_object_get(o, "region"));
	*name = json_string_value(json_object_get(o, "name"));
	if (*region == NULL || *name == NULL)
		return console_fail(a, 400, "invalid", "send the worker's \"region\" and \"name\""), -1;
	if (!fs_name_is_valid(*region))
		return console_fail(a, 400, "invalid", "region must match [a-z0-9][a-z0-9-]{0,63}"), -1;
	if (!fs_worker_name_is_valid(*name))
		return console_fail(a, 400, "invalid",
				    "name must be 1 to %d letters, digits, dots, dashes or "
				    "underscores",
				    FS_WORKER_NAME_MAX),
		       -1;
	if (!console_user_sees_region(c->user, *region))
		return console_fail(a, 404, "not_found", "no such region"), -1;
	return 0;
}

/* Add (reset 0) or reset the PIN of (reset 1) a worker; the PIN typed twice. */
static int set_pin(console_call *c, console_answer *a, int reset)
{
	json_t *o = body_object(c, a);
	const char *region, *name, *pin, *again;
	fs_worker have;
	fs_err err = {0, ""};
	int rc, existed = 0, live;

	if (o == NULL || target(c, o, &region, &name, a) != 0)
		goto cleanup;
	pin = json_string_value(json_object_get(o, "pin"));
	again = json_string_value(json_object_get(o, "pin_again"));
	if (pin == NULL || again == NULL) {
		console_fail(a, 400, "invalid", "send the PIN twice, \"pin\" and \"pin_again\"");
		goto cleanup;
	}
	if (strcmp(pin, again) != 0) {
		console_fail(a, 400, "pins_differ", "the two PINs are not the same");
		goto cleanup;
	}
	if (!fs_worker_new_pin_is_valid(pin)) {
		console_fail(a, 400, "invalid_pin", "a PIN must be %d to %d digits", FS_PIN_NEW_MIN,
			     FS_PIN_MAX);
		goto cleanup;
	}
	rc = fs_worker_get(c->store, &have, region, name, &err);
	if (rc != 0 && rc != FS_ENOTFOUND) {
		console_fail_err(a, rc, &err);
		goto cleanup;
	}
	live = rc == 0 && !have.removed;
	sodium_memzero(have.pin_hash, sizeof(have.pin_hash));
	if (reset && !live) {
		console_fail(a, 404, "not_found", "no worker %s in region %s", name, region);
		goto cleanup;
	}
	if (!reset && live) {
		console_fail(a, 409, "exists",
			     "worker %s of region %s exists: reset their PIN instead", name, region);
		goto cleanup;
	}
	rc = hub_worker_set(c->store, c->actor, region, name, pin, &existed, &err);
	if (rc != 0)
		console_fail_err(a, rc, &err);
	else
		a->json = json_pack("{s:b, s:s}", "ok", 1, "change", existed ? "pin_reset" : "added");
cleanup:
	if (o != NULL)
		wipe_strings(o);
	json_decref(o);
	return 0;
}

static int add_worker(console_call *c, console_answer *a)
{
	return set_pin(c, a, 0);
}

static int reset_pin(console_call *c, console_answer *a)
{
	return set_pin(c, a, 1);
}

/* POST /api/workers/remove {region, name} */
static int remove_worker(console_call *c, console_answer *a)
{
	json_t *o = body_object(c, a);
	const char *region, *name;
	fs_err err = {0, ""};
	int rc;

	if (o != NULL && target(c, o, &region, &name, a) == 0) {
		rc = hub_worker_remove(c->store, c->actor, region, name, &err);
		if (rc != 0)
			console_fail_err(a, rc, &err);
		else
			a->json = json_pack("{s:b}", "ok", 1);
	}
	json_decref(o);
	return 0;
}

const console_route console_routes_workers[] = {
    {"GET", "/api/workers", CONSOLE_ANALYST, list_workers, 0, 1},
    {"POST", "/api/workers/add", CONSOLE_ADMIN, add_worker, WORKERS_BODY_MAX, 0},
    {"POST", "/api/workers/pin", CONSOLE_ADMIN, reset_pin, WORKERS_BODY_MAX, 0},
    {"POST", "/api/workers/remove", CONSOLE_ADMIN, remove_worker, WORKERS_BODY_MAX, 0},
    {0},
};
