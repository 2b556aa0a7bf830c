/* fieldsync-hub console: the Kiosks page's API (docs/console.md "Kiosks").
 * The same registry calls as `fieldsync-hub enroll | devices | rename |
 * move | revoke` (registry.h), each audited there with the console user as
 * actor. Region limits: a user sees and acts on the kiosks of the regions
 * granted only (another region's kiosk is 404, as if it did not exist);
 * enrolling or moving into a region needs that region too. */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "accounts.h"
#include "console.h"
#include "qr.h"
#include "registry.h"
#include "routes.h"

#define KIOSKS_BODY_MAX 2048u
/* The hub's URL as kiosks reach it, remembered from the last enrollment
 * (the console's own address is not the sync listener's). */
#define HUB_URL_KEY "console_kiosk_hub_url"
#define TTL_MIN_S 60u
#define TTL_MAX_S (30u * 24u * 3600u)

/* The request's JSON object with no key but those of allowed (a
 * NULL-terminated list), or NULL with a 400 in a. */
static json_t *body_object(const console_call *c, console_answer *a, const char *const *allowed)
{
	json_t *o = json_loadb(c->body, c->body_len, JSON_REJECT_DUPLICATES, NULL), *v;
	const char *key;
	size_t i;

	if (!json_is_object(o)) {
		json_decref(o);
		console_fail(a, 400, "invalid", "send a JSON object");
		return NULL;
	}
	json_object_foreach (o, key, v) {
		for (i = 0; allowed[i] != NULL && strcmp(allowed[i], key) != 0; i++)
			;
		if (allowed[i] == NULL) {
			console_fail(a, 400, "invalid", "unknown key \"%.40s\"", key);
			json_decref(o);
			return NULL;
		}
	}
	return o;
}

/* A name field of o ([a-z0-9][a-z0-9-]{0,63}), or NULL with a 400 in a. */
static const char *name_field(const json_t *o, const char *key, const char *what,
                              console_answer *a)
{
	const char *v = json_string_value(json_object_get(o, key));

	if (v == NULL || !fs_name_is_valid(v)) {
		console_fail(a, 400, "invalid", "%s must match [a-z0-9][a-z0-9-]{0,63}", what);
		return NULL;
	}
	return v;
}

/* The visible kiosk site as hub_device_list gives it (new reference), or
 * NULL with a 404 (unknown, or of a region the user does not see: the
 * same answer) or an error in a. */
static json_t *visible_kiosk(console_call *c, console_answer *a, const char *site)
{
	json_t *list = NULL, *d, *found = NULL;
	fs_err err = {0, ""};
	size_t i;
	int rc = hub_device_list(c->store, &list, &err);

	if (rc != 0) {
		console_fail_err(a, rc, &err);
		return NULL;
	}
	json_array_foreach (list, i, d)
		if (strcmp(json_string_value(json_object_get(d, "site")), site) == 0 &&
		    console_user_sees_region(c->user,
		                             json_string_value(json_object_get(d, "region"))))
			found = json_incref(d);
	json_decref(list);
	if (found == NULL)
		console_fail(a, 404, "not_found", "no kiosk %s in your regions", site);
	return found;
}

static void hub_url_get(fs_store *s, char *out, size_t len)
{
	if (fs_store_ops(s)->meta_get(fs_store_backend(s), HUB_URL_KEY, out, len, NULL) != 0)
		out[0] = '\0';
}

/* GET /api/kiosks: the kiosks of the user's regions, and the hub URL the
 * last enrollment named. */
static int list_kiosks(console_call *c, console_answer *a)
{
	json_t *list = NULL, *out = json_array(), *d;
	char url[1024];
	fs_err err = {0, ""};
	size_t i;
	int rc = out ? hub_device_list(c->store, &list, &err) : fs_err_set(&err, FS_ENOMEM, "out of memory");

	if (rc != 0) {
		json_decref(out);
		return console_fail_err(a, rc, &err);
	}
	json_array_foreach (list, i, d)
		if (console_user_sees_region(c->user, json_string_value(json_object_get(d, "region"))) &&
		    json_array_append(out, d) != 0)
			rc = fs_err_set(&err, FS_ENOMEM, "out of memory");
	json_decref(list);
	if (rc != 0) {
		json_decref(out);
		return console_fail_err(a, rc, &err);
	}
	hub_url_get(c->store, url, sizeof(url));
	a->json = json_pack("{s:o, s:s, s:I}", "kiosks", out, "hub_url", url, "now_ms",
	                    (json_int_t)console_now_ms());
	return 0;
}

/* POST /api/kiosks/enroll {"region", "ttl" (seconds, default 24 h),
 * "hub_url" (optional)}: a one-time code, its enrollment URI, the QR code
 * of it (SVG) and the kiosk's command. Audited by the registry ("enroll",
 * never the code). */
static int enroll(console_call *c, console_answer *a)
{
	static const char *const keys[] = {"region", "ttl", "hub_url", NULL};
	json_t *o = body_object(c, a, keys), *ttl_v;
	const char *region = o ? name_field(o, "region", "region", a) : NULL, *hub_url;
	char code[HUB_ENROLL_CODE_LEN + 1], uri[FS_QR_TEXT_MAX], url[1024], command[1400];
	char *svg = NULL;
	size_t svg_len = 0;
	json_int_t ttl = 24 * 3600;
	fs_err err = {0, ""};
	int rc;

	if (region == NULL)
		goto cleanup;
	if (!console_user_sees_region(c->user, region)) {
		console_fail(a, 403, "forbidden", "you may not enroll kiosks of region %s", region);
		goto cleanup;
	}
	ttl_v = json_object_get(o, "ttl");
	if (ttl_v != NULL) {
		if (!json_is_integer(ttl_v) || json_integer_value(ttl_v) < TTL_MIN_S ||
		    json_integer_value(ttl_v) > TTL_MAX_S) {
			console_fail(a, 400, "invalid", "ttl must be whole seconds from %u to %u (30 days)",
			             TTL_MIN_S, TTL_MAX_S);
			goto cleanup;
		}
		ttl = json_integer_value(ttl_v);
	}
	hub_url = json_string_value(json_object_get(o, "hub_url"));
	if (json_object_get(o, "hub_url") != NULL && hub_url == NULL) {
		console_fail(a, 400, "invalid", "hub_url must be a string");
		goto cleanup;
	}
	if (hub_url != NULL && hub_url[0] != '\0' &&
	    fs_qr_enroll_uri(uri, sizeof(uri), "ABCDE-FGHJK-MN", hub_url, &err) != 0) {
		console_fail(a, 400, "invalid", "hub_url: %s", err.msg);
		goto cleanup;
	}
	rc = hub_enroll_code_create_as(c->store, c->actor, code, region, (uint64_t)ttl * 1000u, &err);
	if (rc != 0) {
		console_fail_err(a, rc, &err);
		goto cleanup;
	}
	/* Remembered for the next one (a setting, not audited: no data). */
	if (hub_url != NULL)
		fs_store_ops(c->store)->meta_put(fs_store_backend(c->store), HUB_URL_KEY, hub_url, NULL);
	snprintf(url, sizeof(url), "%s", hub_url ? hub_url : "");
	if (fs_qr_enroll_uri(uri, sizeof(uri), code, url[0] ? url : NULL, &err) != 0 ||
	    fs_qr_svg(uri, "QR code of the enrollment code", &svg, &svg_len, &err) != 0) {
		console_fail_err(a, FS_EGENERIC, &err);
		goto cleanup;
	}
	snprintf(command, sizeof(command),
	         "fieldsync-agent init --data /var/lib/fieldsync --hub %s --code %s --name NAME",
	         url[0] ? url : "URL-OF-THIS-HUB", code);
	a->json = json_pack("{s:s, s:s, s:s, s:s, s:s, s:I, s:o}", "code", code, "region", region,
	                    "uri", uri, "qr_svg", svg, "command", command, "ttl", ttl, "expires",
	                    console_time_json(console_now_ms() + (uint64_t)ttl * 1000u));
	if (a->json == NULL)
		console_fail(a, 500, "internal", "out of memory");
cleanup:
	free(svg);
	json_decref(o);
	return 0;
}

/* POST /api/kiosks/rename {"site", "name"} */
static int rename_kiosk(console_call *c, console_answer *a)
{
	static const char *const keys[] = {"site", "name", NULL};
	json_t *o = body_object(c, a, keys), *k = NULL;
	const char *site = o ? name_field(o, "site", "site", a) : NULL;
	const char *name = site ? name_field(o, "name", "the name", a) : NULL;
	fs_err err = {0, ""};
	int rc;

	if (name != NULL && (k = visible_kiosk(c, a, site)) != NULL) {
		rc = hub_device_rename(c->store, c->actor, site, name, &err);
		if (rc != 0)
			console_fail_err(a, rc, &err);
		else
			a->json = json_pack("{s:b, s:s, s:s}", "ok", 1, "site", site, "name", name);
	}
	json_decref(k);
	json_decref(o);
	return 0;
}

/* POST /api/kiosks/move {"site", "region"}: both the kiosk's region and
 * the new one must be the user's. */
static int move_kiosk(console_call *c, console_answer *a)
{
	static const char *const keys[] = {"site", "region", NULL};
	json_t *o = body_object(c, a, keys), *k = NULL;
	const char *site = o ? name_field(o, "site", "site", a) : NULL;
	const char *region = site ? name_field(o, "region", "region", a) : NULL;
	fs_err err = {0, ""};
	int rc, moved = 0;

	if (region != NULL && (k = visible_kiosk(c, a, site)) != NULL) {
		if (!console_user_sees_region(c->user, region)) {
			console_fail(a, 403, "forbidden", "you may not move kiosks into region %s", region);
		} else {
			rc = hub_device_move(c->store, c->actor, site, region, &moved, &err);
			if (rc != 0)
				console_fail_err(a, rc, &err);
			else
				a->json = json_pack("{s:b, s:s, s:s, s:b}", "ok", 1, "site", site, "region",
				                    region, "moved", moved);
		}
	}
	json_decref(k);
	json_decref(o);
	return 0;
}

/* POST /api/kiosks/revoke {"site"}: the kiosk erases itself at its next
 * sync (the signed wipe order, docs/kiosk.md). */
static int revoke_kiosk(console_call *c, console_answer *a)
{
	static const char *const keys[] = {"site", NULL};
	json_t *o = body_object(c, a, keys), *k = NULL;
	const char *site = o ? name_field(o, "site", "site", a) : NULL;
	fs_err err = {0, ""};
	int rc;

	if (site != NULL && (k = visible_kiosk(c, a, site)) != NULL) {
		if (json_is_true(json_object_get(k, "revoked"))) {
			console_fail(a, 409, "conflict", "kiosk %s is already revoked", site);
		} else {
			rc = hub_device_revoke_as(c->store, c->actor, site, &err);
			if (rc != 0)
				console_fail_err(a, rc, &err);
			else
				a->json = json_pack("{s:b, s:s}", "ok", 1, "site", site);
		}
	}
	json_decref(k);
	json_decref(o);
	return 0;
}

const console_route console_routes_kiosks[] = {
    {"GET", "/api/kiosks", CONSOLE_VIEWER, list_kiosks, 0, 0},
    {"POST", "/api/kiosks/enroll", CONSOLE_ADMIN, enroll, KIOSKS_BODY_MAX, 0},
    {"POST", "/api/kiosks/rename", CONSOLE_ADMIN, rename_kiosk, KIOSKS_BODY_MAX, 0},
    {"POST", "/api/kiosks/move", CONSOLE_ADMIN, move_kiosk, KIOSKS_BODY_MAX, 0},
    {"POST", "/api/kiosks/revoke", CONSOLE_ADMIN, revoke_kiosk, KIOSKS_BODY_MAX, 0},
    {0},
};
