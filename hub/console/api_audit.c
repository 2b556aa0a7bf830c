/* fieldsync-hub console: the Audit log page's API (docs/console.md,
 * "Erasure and audit"), for admins of every region only (entries are not
 * all of one region: logins, users, exports of several regions), through
 * the same calls as `fieldsync-hub audit` (hub/audit.h):
 *   GET /api/audit?action=A&actor=TEXT&since=MS&until=MS&before=ID&limit=N
 *       a page of the entries that match, newest first (hub_audit_list);
 *   GET /api/audit/verify   the chain's check (hub_audit_verify,
 *       hub_audit_head, as `audit --verify`): it reads the whole trail, so
 *       the page asks for it apart and shows the entries first. */
#include <jansson.h>
#include <string.h>

#include "audit.h"
#include "console.h"
#include "routes.h"

#define AUDIT_PAGE_DEFAULT 50
#define AUDIT_PAGE_MAX     200

/* A decimal of at most 15 digits (ms and ids): 0, or -1. */
static int parse_u64(const char *text, uint64_t *out)
{
	size_t n = strlen(text), i;
	uint64_t v = 0;

	if (n == 0 || n > 15)
		return -1;
	for (i = 0; i < n; i++) {
		if (text[i] < '0' || text[i] > '9')
			return -1;
		v = v * 10 + (uint64_t)(text[i] - '0');
	}
	*out = v;
	return 0;
}

static int take(void *ctx, const json_t *entry)
{
	return json_array_append((json_t *)ctx, (json_t *)entry) == 0 ? 0 : FS_ENOMEM;
}

/* The chain's check, as an object: {"ok", "entries", "head_id", "head"}
 * or {"ok": false, "error"}. */
static json_t *verification(fs_store *s)
{
	fs_err err = {0, ""};
	char head[65];
	int64_t id = 0;
	long entries = 0;
	int rc = hub_audit_verify(s, &entries, &err);

	if (rc == 0)
		rc = hub_audit_head(s, &id, head, &err);
	if (rc != 0)
		return json_pack("{s:b, s:I, s:s}", "ok", 0, "entries", (json_int_t)entries,
		                 "error", err.msg);
	return json_pack("{s:b, s:I, s:I, s:s}", "ok", 1, "entries", (json_int_t)entries, "head_id",
	                 (json_int_t)id, "head", head);
}

#define EVERY_REGION_ONLY                                                                          \
	"the audit log is for admins of every region: its entries are not all of one region"

/* GET /api/audit/verify */
static int verify_audit(console_call *c, console_answer *a)
{
	if (c->user->nregions > 0)
		return console_fail(a, 403, "forbidden", EVERY_REGION_ONLY);
	a->json = verification(c->store);
	return a->json != NULL ? 0 : FS_ENOMEM;
}

/* GET /api/audit */
static int list_audit(console_call *c, console_answer *a)
{
	const char *action = c->arg(c, "action"), *actor = c->arg(c, "actor");
	const char *keys[] = {"since", "until", "before", "limit"};
	uint64_t v[4] = {0, 0, 0, AUDIT_PAGE_DEFAULT};
	hub_audit_filter f = {0, 0, NULL, NULL, 0};
	json_t *entries, *last;
	fs_err err = {0, ""};
	int more = 0, rc;
	size_t i;

	if (c->user->nregions > 0)
		return console_fail(a, 403, "forbidden", EVERY_REGION_ONLY);
	for (i = 0; i < 4; i++) {
		const char *t = c->arg(c, keys[i]);

		if (t != NULL && t[0] != '\0' && parse_u64(t, &v[i]) != 0)
			return console_fail(a, 400, "invalid", "%s must be a whole number",
			                    keys[i]);
	}
	if (v[3] < 1 || v[3] > AUDIT_PAGE_MAX)
		return console_fail(a, 400, "invalid", "limit must be 1 to %d", AUDIT_PAGE_MAX);
	f.since_ms = v[0];
	f.until_ms = v[1];
	f.before_id = (int64_t)v[2];
	f.action = action != NULL && action[0] != '\0' ? action : NULL;
	f.actor = actor != NULL && actor[0] != '\0' ? actor : NULL;
	entries = json_array();
	if (entries == NULL)
		return FS_ENOMEM;
	rc = hub_audit_list(c->store, &f, (size_t)v[3], 1, take, entries, &more, &err);
	if (rc != 0) {
		json_decref(entries);
		return console_fail_err(a, rc, &err);
	}
	last = json_array_get(entries, json_array_size(entries) - 1);
	a->json =
	    json_pack("{s:o, s:b, s:I, s:i}", "entries", entries, "more", more, "next_before",
	              (json_int_t)(more ? json_integer_value(json_object_get(last, "id")) : 0),
	              "limit", (int)v[3]);
	return a->json != NULL ? 0 : FS_ENOMEM;
}

const console_route console_routes_audit[] = {
    {"GET", "/api/audit", CONSOLE_ADMIN, list_audit, 0, 0},
    {"GET", "/api/audit/verify", CONSOLE_ADMIN, verify_audit, 0, 0},
    {0},
};
