/* fieldsync-hub console: the Overview page's API. The kiosks of the
 * regions the user sees, each as the device registry lists it
 * (hub_device_list: every column it gives passes through, so a column
 * added there reaches the page) plus "stale" (not seen for the configured
 * time); and the responses submitted on each of the last 30 UTC days from
 * kiosks of those regions. The staleness setting is hub meta
 * "console_stale_after_s" (default 24 h), changed by admins. */
#include <inttypes.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "accounts.h"
#include "audit.h"
#include "console.h"
#include "registry.h"
#include "routes.h"

#define STALE_KEY "console_stale_after_s"
#define STALE_DEFAULT_S (24u * 3600u)
#define STALE_MIN_S 60u
#define STALE_MAX_S (90u * 24u * 3600u)
#define OVERVIEW_DAYS 30
#define SETTINGS_BODY_MAX 1024u

/* "YYYY-MM-DDTHH:MM:SSZ" of ms, as hub_device_list writes times. */
static void iso_utc(char out[32], uint64_t ms)
{
	time_t t = (time_t)(ms / 1000);
	struct tm tm;

	gmtime_r(&t, &tm);
	strftime(out, 32, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

static unsigned stale_after_s(fs_store *s)
{
	char text[32];
	unsigned long v;
	char *end;

	if (fs_store_ops(s)->meta_get(fs_store_backend(s), STALE_KEY, text, sizeof(text), NULL) != 0)
		return STALE_DEFAULT_S;
	v = strtoul(text, &end, 10);
	if (*end != '\0' || v < STALE_MIN_S || v > STALE_MAX_S)
		return STALE_DEFAULT_S;
	return (unsigned)v;
}

typedef struct days_ctx {
	const console_user *user;
	json_t *days; /* day -> count (integer) */
} days_ctx;

static int day_row(void *ctx, const char *day, const char *region, long count)
{
	days_ctx *d = ctx;
	json_t *n;

	if (!console_user_sees_region(d->user, region))
		return 0;
	n = json_object_get(d->days, day);
	if (n == NULL)
		return 0; /* outside the window (a malformed submitted_at) */
	json_integer_set(n, json_integer_value(n) + count);
	return 0;
}

/* GET /api/overview */
static int overview(console_call *c, console_answer *a)
{
	json_t *devices = NULL, *kiosks = json_array(), *days = json_object(), *list = json_array();
	json_t *d;
	const fs_registry_ops *reg = fs_store_registry(c->store);
	uint64_t now = console_now_ms();
	unsigned stale = stale_after_s(c->store);
	char threshold[32], first[32], nowtext[32];
	days_ctx dc = {c->user, days};
	fs_err err = {0, ""};
	size_t i;
	int rc = 0;

	if (kiosks == NULL || days == NULL || list == NULL)
		rc = fs_err_set(&err, FS_ENOMEM, "out of memory");
	if (rc == 0)
		rc = hub_device_list(c->store, &devices, &err);
	iso_utc(threshold, now - (uint64_t)stale * 1000u);
	iso_utc(nowtext, now);
	json_array_foreach(devices, i, d) {
		const char *last = json_string_value(json_object_get(d, "last_sync"));

		if (rc != 0 || !console_user_sees_region(c->user,
		                                         json_string_value(json_object_get(d, "region"))))
			continue;
		/* Both times are the same UTC form: their text orders as they do. */
		json_object_set_new(d, "stale", json_boolean(!json_is_true(json_object_get(d, "revoked")) &&
		                                             (last == NULL || strcmp(last, threshold) < 0)));
		if (json_array_append(kiosks, d) != 0)
			rc = fs_err_set(&err, FS_ENOMEM, "out of memory");
	}
	for (i = 0; rc == 0 && i < OVERVIEW_DAYS; i++) {
		char day[32];

		iso_utc(day, now - (uint64_t)(OVERVIEW_DAYS - 1 - i) * 86400000u);
		day[10] = '\0';
		if (i == 0)
			snprintf(first, sizeof(first), "%s", day);
		if (json_object_set_new(days, day, json_integer(0)) != 0)
			rc = fs_err_set(&err, FS_ENOMEM, "out of memory");
	}
	if (rc == 0)
		rc = reg->response_days(fs_store_backend(c->store), first, day_row, &dc, &err);
	for (i = 0; rc == 0 && i < OVERVIEW_DAYS; i++) {
		char day[32];

		iso_utc(day, now - (uint64_t)(OVERVIEW_DAYS - 1 - i) * 86400000u);
		day[10] = '\0';
		json_array_append_new(list, json_pack("{s:s, s:O}", "day", day, "responses",
		                                      json_object_get(days, day)));
	}
	json_decref(devices);
	json_decref(days);
	if (rc != 0) {
		json_decref(kiosks);
		json_decref(list);
		return console_fail_err(a, rc, &err);
	}
	a->json = json_pack("{s:s, s:I, s:o, s:o}", "now", nowtext, "stale_after_s",
	                    (json_int_t)stale, "kiosks", kiosks, "days", list);
	return 0;
}

/* POST /api/overview/settings {"stale_after_s"}: admins; audited. */
static int settings(console_call *c, console_answer *a)
{
	json_t *o = console_body_object(c, a);
	json_t *v = json_object_get(o, "stale_after_s"), *detail = NULL;
	fs_backend *b = fs_store_backend(c->store);
	const fs_backend_ops *ops = fs_store_ops(c->store);
	fs_err err = {0, ""};
	json_int_t value = json_integer_value(v);
	char text[32];
	int rc;

	if (o == NULL)
		return 0;
	if (!json_is_integer(v) || json_integer_value(v) < STALE_MIN_S ||
	    json_integer_value(v) > STALE_MAX_S) {
		json_decref(o);
		return console_fail(a, 400, "invalid",
		                    "stale_after_s must be a whole number of seconds, %u to %u",
		                    STALE_MIN_S, STALE_MAX_S);
	}
	snprintf(text, sizeof(text), "%" JSON_INTEGER_FORMAT, value);
	detail = json_pack("{s:s, s:I}", "setting", STALE_KEY, "value", value);
	rc = detail != NULL ? ops->begin(b, FS_TXN_WRITE, &err) : FS_ENOMEM;
	if (rc == 0) {
		rc = ops->meta_put(b, STALE_KEY, text, &err);
		if (rc == 0)
			rc = hub_audit_add_in(c->store, c->actor, "console_setting", detail, &err);
		if (rc == 0)
			rc = ops->commit(b, &err);
		else
			ops->rollback(b);
	}
	json_decref(detail);
	json_decref(o);
	if (rc != 0)
		return console_fail_err(a, rc, &err);
	a->json = json_pack("{s:I}", "stale_after_s", value);
	return 0;
}

const console_route console_routes_overview[] = {
    {"GET", "/api/overview", CONSOLE_VIEWER, overview, 0, 1},
    {"POST", "/api/overview/settings", CONSOLE_ADMIN, settings, SETTINGS_BODY_MAX, 0},
    {0},
};
