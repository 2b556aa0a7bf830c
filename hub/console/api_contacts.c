/* fieldsync-hub console: the Contacts and follow-ups page's API
 * (docs/console.md, "Contacts and follow-ups"): the contacts outreach
 * workers keep at the kiosks, as merged at the hub, read through
 * fs_contact_each and judged by the kiosk's own follow-up rule
 * (records.h fs_contact_follow_up) on today's date in the page's zone.
 *
 *   GET  /api/contacts/summary[?tz=ZONE]            viewer and up: per region
 *        open, overdue, due today, closed in the last 30 days; a viewer's
 *        counts of 1 to k-1 suppressed (hub_results_suppress, the Results
 *        page's rule and k); not audited (no record of a person in it)
 *   GET  /api/contacts?region=&state=&worker=&tz=&offset=&limit=
 *                                                   analysts and admins: a
 *        page (at most CONTACTS_PAGE_MAX) of the contacts, without notes,
 *        and the counts (unsuppressed) from the same pass; audited
 *        (contacts_list: the filters and counts)
 *   GET  /api/contacts/one?id=ID                    analysts and admins: one
 *        contact with every field; audited (contact_view: its id, region)
 *   POST /api/contacts/edit {"id", "notes"?, "status"?, "expect"?}
 *                                                   admins: the notes, and
 *        closing or reopening, written at the hub with fs_contact_put (the
 *        hub's clock; it replicates to the kiosks of the contact's region
 *        like a conflict's resolution); "expect" ({"notes", "status"} as
 *        the page showed them): 409 when the contact changed since; audited
 *        (contact_edit: id, region, the fields written, never their text).
 * A contact or region the user does not see is 404, like one that does not
 * exist, and every list holds only the regions the user sees. Session
 * only (no API tokens). Each read is one pass over the contacts of those
 * regions, one contact in memory at a time plus the page; at most
 * CONTACTS_AT_ONCE at once. Nothing of a contact is logged (ids only go
 * to the audit trail). */
#include <jansson.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "audit.h"
#include "console.h"
#include "fieldsync/erase.h"
#include "fieldsync/records.h"
#include "fieldsync/worker.h"
#include "results.h"
#include "routes.h"
#include "tz.h"

#define CONTACTS_PAGE_DEFAULT 50
#define CONTACTS_PAGE_MAX     200
#define CONTACTS_OFFSET_MAX   1000000
/* Regions one summary holds (regions are made by admins enrolling kiosks). */
#define CONTACTS_REGIONS_MAX 1000
/* "Closed recently" in the summary. */
#define CONTACTS_CLOSED_DAYS 30
#define CONTACTS_AT_ONCE     2
/* id, notes of at most 4,000 bytes escaped (6 bytes a byte at worst),
 * twice with "expect", and the status. */
#define EDIT_BODY_MAX (64u << 10)
#define DAY_MS        (24ull * 3600 * 1000)

static atomic_int contacts_running;

/* The states a list may be filtered by. */
enum state { ST_ANY = 0, ST_OPEN, ST_OVERDUE, ST_TODAY, ST_CLOSED, ST_REQUESTED };

static int is_closed(const json_t *contact)
{
	const char *st = json_string_value(json_object_get(contact, "status"));

	return st != NULL && strcmp(st, "closed") == 0;
}

static const char *arg_text(console_call *c, const char *key)
{
	const char *v = c->arg(c, key);

	return v != NULL && *v != '\0' ? v : NULL;
}

/* A whole number 0..max of key (absent: def) into *out; 0, or -1 with a 400. */
static int arg_count(console_call *c, console_answer *a, const char *key, long def, long max,
                     long *out)
{
	const char *v = arg_text(c, key);
	char *end;
	long n;

	*out = def;
	if (v == NULL)
		return 0;
	n = strtol(v, &end, 10);
	if (*end != '\0' || n < 0 || n > max || v[0] < '0' || v[0] > '9')
		return console_fail(a, 400, "invalid", "%s: must be a whole number from 0 to %ld",
		                    key, max),
		       -1;
	*out = n;
	return 0;
}

/* Today (YYYY-MM-DD) at now_ms in zone tz (NULL: the hub's local time
 * zone, as the kiosk judges by its own), and the zone's name. 0, or -1
 * with a 400 for an unknown zone. */
static int today_in(console_answer *a, const char *tz, uint64_t now_ms, char today[11],
                    char zone[HUB_TZ_NAME_MAX + 1])
{
	int64_t t = (int64_t)(now_ms / 1000);

	if (tz != NULL) {
		hub_tz *z = NULL;
		hub_civil cv;
		fs_err err = {0, ""};

		if (hub_tz_load(&z, tz, &err) != 0)
			return console_fail(a, 400, "invalid", "tz: %s", err.msg), -1;
		hub_tz_local(z, t, &cv);
		snprintf(today, 11, "%04u-%02u-%02u", (unsigned)cv.year % 10000u,
		         (unsigned)cv.month % 100u, (unsigned)cv.day % 100u);
		snprintf(zone, HUB_TZ_NAME_MAX + 1, "%s", hub_tz_name(z));
		hub_tz_free(z);
	} else {
		time_t tt = (time_t)t;
		struct tm tm;

		if (localtime_r(&tt, &tm) == NULL || strftime(today, 11, "%Y-%m-%d", &tm) != 10)
			return console_fail(a, 500, "internal", "the hub's clock is unreadable"),
			       -1;
		snprintf(zone, HUB_TZ_NAME_MAX + 1, "the hub's");
	}
	return 0;
}

/* The regions one pass reads: the one asked for, each granted, or all. */
typedef struct scan_regions {
	const char *names[CONSOLE_USER_REGIONS_MAX];
	size_t n; /* 0: every region (one pass with NULL) */
} scan_regions;

static void scan_regions_of(scan_regions *r, const console_user *u, const char *region)
{
	size_t i;

	r->n = 0;
	if (region != NULL)
		r->names[r->n++] = region;
	else
		for (i = 0; i < u->nregions && i < CONSOLE_USER_REGIONS_MAX; i++)
			r->names[r->n++] = u->regions[i];
}

/* One pass over the regions of r, fn seeing each contact the user sees. */
static int scan(console_call *c, const scan_regions *r, fs_contact_visit_fn fn, void *ctx,
                fs_err *err)
{
	size_t i;
	int rc = 0;

	if (r->n == 0)
		return fs_contact_each(c->store, NULL, fn, ctx, err);
	for (i = 0; rc == 0 && i < r->n; i++)
		rc = fs_contact_each(c->store, r->names[i], fn, ctx, err);
	return rc;
}

/* The pass's turn: 0, or -1 with a 503 when CONTACTS_AT_ONCE are running. */
static int scan_enter(console_answer *a)
{
	if (atomic_fetch_add(&contacts_running, 1) < CONTACTS_AT_ONCE)
		return 0;
	atomic_fetch_sub(&contacts_running, 1);
	a->retry_after = 2;
	return console_fail(a, 503, "busy", "contacts are being read for others: try again"), -1;
}

static void scan_leave(void)
{
	atomic_fetch_sub(&contacts_running, 1);
}

/* ---- the counts (GET /api/contacts/summary, and with every list) ---- */

enum { N_OVERDUE = 0, N_TODAY, N_LATER, N_CLOSED, N_CELLS };

typedef struct summary_ctx {
	const console_user *user;
	char today[11];
	char zone[HUB_TZ_NAME_MAX + 1];
	uint64_t recent_ms; /* closed at or after this: recently */
	json_t *regions;    /* region -> its N_CELLS counts, an array of integers */
	int rc;
} summary_ctx;

static json_t *region_counts(summary_ctx *s, const char *region)
{
	json_t *row = json_object_get(s->regions, region);

	if (row != NULL)
		return row;
	if (json_object_size(s->regions) >= CONTACTS_REGIONS_MAX)
		return NULL;
	row = json_pack("[iiii]", 0, 0, 0, 0);
	if (row == NULL || json_object_set_new(s->regions, region, row) != 0)
		return NULL;
	return row;
}

/* Start the counts: today in the page's zone, the regions granted listed
 * even with no contact in them. 0, or -1 with the answer set. */
static int summary_begin(console_call *c, console_answer *a, summary_ctx *s)
{
	uint64_t now = fs_store_now_ms(c->store);
	size_t i;

	memset(s, 0, sizeof(*s));
	s->user = c->user;
	s->regions = json_object();
	if (s->regions == NULL)
		return console_fail(a, 500, "internal", "out of memory"), -1;
	if (today_in(a, arg_text(c, "tz"), now, s->today, s->zone) != 0)
		return -1;
	s->recent_ms =
	    now > CONTACTS_CLOSED_DAYS * DAY_MS ? now - CONTACTS_CLOSED_DAYS * DAY_MS : 0;
	for (i = 0; i < c->user->nregions; i++)
		if (region_counts(s, c->user->regions[i]) == NULL)
			return console_fail(a, 500, "internal", "out of memory"), -1;
	return 0;
}

/* Count a contact the user sees. */
static int summary_count(summary_ctx *s, const json_t *contact, const char *region, fs_follow_up f,
                         uint64_t status_ms)
{
	json_t *row = region_counts(s, region);
	int cell;

	if (row == NULL)
		return s->rc = FS_ETOOBIG;
	if (is_closed(contact)) {
		if (status_ms < s->recent_ms)
			return 0;
		cell = N_CLOSED;
	} else {
		cell = f == FS_FOLLOW_UP_OVERDUE ? N_OVERDUE
		       : f == FS_FOLLOW_UP_TODAY ? N_TODAY
		                                 : N_LATER;
	}
	json_array_set_new(row, (size_t)cell,
	                   json_integer(json_integer_value(json_array_get(row, (size_t)cell)) + 1));
	return 0;
}

static int summary_visit(void *ctx, const json_t *contact, uint64_t status_ms)
{
	summary_ctx *s = ctx;
	const char *region = json_string_value(json_object_get(contact, "region"));

	if (region == NULL || !console_user_sees_region(s->user, region))
		return 0;
	return summary_count(s, contact, region, fs_contact_follow_up(contact, s->today),
	                     status_ms);
}

/* A count as the Results page gives it: {"count": N}, or {"count": null,
 * "suppressed": true}. */
static json_t *cell(int64_t n, int hidden)
{
	return hidden ? json_pack("{s:n, s:b}", "count", "suppressed", 1)
	              : json_pack("{s:I}", "count", (json_int_t)n);
}

/* A region's counts as shown to this user. Open is the total of overdue,
 * due today and later, one distribution under the suppression rule (so a
 * hidden cell cannot be had as open minus the others); closed recently is
 * a count of its own. */
static json_t *region_row(const char *region, const json_t *counts, int suppress, long k)
{
	int64_t open[3], closed = json_integer_value(json_array_get(counts, N_CLOSED));
	unsigned char hidden[3] = {0, 0, 0}, closed_hidden = 0;
	int all = 0;
	size_t i;

	for (i = 0; i < 3; i++)
		open[i] = json_integer_value(json_array_get(counts, i));
	if (suppress) {
		all = hub_results_suppress(hidden, open, 3, k);
		hub_results_suppress(&closed_hidden, &closed, 1, k);
	}
	return json_pack("{s:s, s:o, s:o, s:o, s:o}", "region", region, "open",
	                 cell(open[0] + open[1] + open[2], all), "overdue",
	                 cell(open[0], hidden[0]), "due_today", cell(open[1], hidden[1]),
	                 "closed_recently", cell(closed, closed_hidden));
}

/* The counts as rows by region name (a new array; NULL out of memory). */
static json_t *summary_rows(const summary_ctx *s, int suppress, long k)
{
	json_t *rows = json_array(), *v;
	const char *key;

	if (rows == NULL)
		return NULL;
	json_object_foreach (s->regions, key, v) {
		size_t at = json_array_size(rows);

		while (at > 0 && strcmp(json_string_value(json_object_get(
		                            json_array_get(rows, at - 1), "region")),
		                        key) > 0)
			at--;
		if (json_array_insert_new(rows, at, region_row(key, v, suppress, k)) != 0) {
			json_decref(rows);
			return NULL;
		}
	}
	return rows;
}

/* A pass's error as the answer (0 for the handler to return). */
static int scan_fail(console_answer *a, int rc, fs_err *err)
{
	if (rc == FS_ETOOBIG)
		fs_err_set(err, rc, "more than %d regions hold contacts", CONTACTS_REGIONS_MAX);
	return console_fail_err(a, rc, err);
}

static int summary_get(console_call *c, console_answer *a)
{
	int suppress = c->user->role == CONSOLE_VIEWER;
	json_t *rows = NULL;
	summary_ctx s;
	scan_regions r;
	fs_err err = {0, ""};
	long k = 0;
	int rc;

	if (summary_begin(c, a, &s) != 0)
		goto done;
	rc = hub_results_k_get(c->store, &k, &err);
	if (rc != 0) {
		console_fail_err(a, rc, &err);
		goto done;
	}
	scan_regions_of(&r, c->user, NULL);
	if (scan_enter(a) != 0)
		goto done;
	rc = scan(c, &r, summary_visit, &s, &err);
	scan_leave();
	if (rc != 0) {
		scan_fail(a, rc, &err);
		goto done;
	}
	rows = summary_rows(&s, suppress, k);
	if (rows != NULL)
		a->json = json_pack("{s:s, s:s, s:b, s:I, s:i, s:o}", "today", s.today, "time_zone",
		                    s.zone, "suppressed", suppress, "k", (json_int_t)k,
		                    "closed_days", CONTACTS_CLOSED_DAYS, "regions", rows);
	if (a->json == NULL)
		console_fail(a, 500, "internal", "out of memory");
done:
	json_decref(s.regions);
	return 0;
}

/* ---- GET /api/contacts ---- */

/* What a list shows of a contact: never notes, support or what was
 * signposted (the single contact's view has them). */
static const char *const list_fields[] = {"person_ref",     "contact_at",     "channel", "worker",
                                          "follow_up_date", "follow_up_done", "status",  NULL};

typedef struct list_ctx {
	summary_ctx sum; /* the counts of every region the user sees, the same pass */
	const char *region, *worker;
	enum state state;
	long offset, limit;
	long total; /* contacts that match */
	json_t *page;
	int rc;
} list_ctx;

static int list_matches(const list_ctx *l, const json_t *contact, const char *region,
                        fs_follow_up f)
{
	const char *w = json_string_value(json_object_get(contact, "worker"));

	if (l->region != NULL && strcmp(region, l->region) != 0)
		return 0;
	if (l->worker != NULL && (w == NULL || strcmp(w, l->worker) != 0))
		return 0;
	switch (l->state) {
	case ST_OPEN:
		return !is_closed(contact);
	case ST_CLOSED:
		return is_closed(contact);
	case ST_OVERDUE:
		return f == FS_FOLLOW_UP_OVERDUE;
	case ST_TODAY:
		return f == FS_FOLLOW_UP_TODAY;
	case ST_REQUESTED:
		return json_is_string(json_object_get(contact, "status")) &&
		       strcmp(json_string_value(json_object_get(contact, "status")), "requested") == 0;
	default:
		return 1;
	}
}

static json_t *list_item(const json_t *contact, fs_follow_up f, uint64_t status_ms)
{
	char at[FS_TIMESTAMP_LEN + 1];
	json_t *o =
	    json_pack("{s:O, s:O, s:s}", "id", json_object_get(contact, "id"), "region",
	              json_object_get(contact, "region"), "follow_up", fs_follow_up_name(f));
	size_t i;

	if (o == NULL)
		return NULL;
	for (i = 0; list_fields[i] != NULL; i++) {
		json_t *v = json_object_get(contact, list_fields[i]);

		if (json_object_set_new(o, list_fields[i],
		                        v != NULL ? json_incref(v) : json_null()) != 0)
			goto fail;
	}
	fs_timestamp_format(at, status_ms);
	if (json_object_set_new(o, "status_at", status_ms > 0 ? json_string(at) : json_null()) != 0)
		goto fail;
	return o;
fail:
	json_decref(o);
	return NULL;
}

static int list_visit(void *ctx, const json_t *contact, uint64_t status_ms)
{
	list_ctx *l = ctx;
	const char *region = json_string_value(json_object_get(contact, "region"));
	fs_follow_up f;
	int rc;

	if (region == NULL || !console_user_sees_region(l->sum.user, region))
		return 0;
	f = fs_contact_follow_up(contact, l->sum.today);
	rc = summary_count(&l->sum, contact, region, f, status_ms);
	if (rc != 0 || !list_matches(l, contact, region, f))
		return rc;
	if (l->total++ < l->offset || (long)json_array_size(l->page) >= l->limit)
		return 0;
	if (json_array_append_new(l->page, list_item(contact, f, status_ms)) != 0)
		return l->rc = FS_ENOMEM;
	return 0;
}

static int state_parse(const char *text, enum state *out)
{
	static const char *const names[] = {"", "open", "overdue", "due_today", "closed", "requested", NULL};
	size_t i;

	*out = ST_ANY;
	if (text == NULL)
		return 0;
	for (i = 1; names[i] != NULL; i++)
		if (strcmp(text, names[i]) == 0) {
			*out = (enum state)i;
			return 0;
		}
	return -1;
}

static int list_get(console_call *c, console_answer *a)
{
	const console_user *u = c->user;
	const char *state = arg_text(c, "state");
	list_ctx l;
	scan_regions r;
	json_t *detail = NULL, *rows = NULL;
	fs_err err = {0, ""};
	int rc;

	memset(&l, 0, sizeof(l));
	l.region = arg_text(c, "region");
	l.worker = arg_text(c, "worker");
	if (l.region != NULL && !fs_name_is_valid(l.region))
		return console_fail(a, 400, "invalid",
		                    "region: must match [a-z0-9][a-z0-9-]{0,63}");
	if (state_parse(state, &l.state) != 0)
		return console_fail(a, 400, "invalid",
		                    "state: must be open, overdue, due_today, requested or closed");
	if (l.worker != NULL && !fs_worker_name_is_valid(l.worker))
		return console_fail(a, 400, "invalid", "worker: not a worker's name");
	if (arg_count(c, a, "offset", 0, CONTACTS_OFFSET_MAX, &l.offset) != 0 ||
	    arg_count(c, a, "limit", CONTACTS_PAGE_DEFAULT, CONTACTS_PAGE_MAX, &l.limit) != 0)
		return 0;
	/* A region the user may not see is one that is not there. */
	if (l.region != NULL && !console_user_sees_region(u, l.region))
		return console_fail(a, 404, "not_found", "no such region");
	if (summary_begin(c, a, &l.sum) != 0)
		goto done;
	l.page = json_array();
	if (l.page == NULL) {
		console_fail(a, 500, "internal", "out of memory");
		goto done;
	}
	/* Every region the user sees, for the counts beside the page. */
	scan_regions_of(&r, u, NULL);
	if (scan_enter(a) != 0)
		goto done;
	rc = scan(c, &r, list_visit, &l, &err);
	scan_leave();
	if (rc != 0) {
		scan_fail(a, rc, &err);
		goto done;
	}
	/* Listing contacts is access to personal data: audited, with the
	 * filters and counts only (whether a worker was named, not the name). */
	detail = json_pack("{s:s?, s:s?, s:b, s:I, s:I, s:I}", "region", l.region, "state", state,
	                   "by_worker", l.worker != NULL, "offset", (json_int_t)l.offset, "listed",
	                   (json_int_t)json_array_size(l.page), "total", (json_int_t)l.total);
	rc = detail != NULL ? hub_audit_add(c->store, c->actor, "contacts_list", detail, &err)
	                    : fs_err_set(&err, FS_ENOMEM, "out of memory");
	if (rc != 0) {
		console_fail_err(a, rc, &err);
		goto done;
	}
	/* The counts unsuppressed: whoever lists contacts sees them anyway. */
	rows = summary_rows(&l.sum, 0, 0);
	if (rows != NULL)
		a->json = json_pack("{s:s, s:s, s:I, s:I, s:I, s:O, s:b, s:{s:b, s:i, s:o}}",
		                    "today", l.sum.today, "time_zone", l.sum.zone, "offset",
		                    (json_int_t)l.offset, "limit", (json_int_t)l.limit, "total",
		                    (json_int_t)l.total, "contacts", l.page, "can_edit",
		                    u->role >= CONSOLE_ADMIN, "summary", "suppressed", 0,
		                    "closed_days", CONTACTS_CLOSED_DAYS, "regions", rows);
	if (a->json == NULL)
		console_fail(a, 500, "internal", "out of memory");
done:
	json_decref(detail);
	json_decref(l.page);
	json_decref(l.sum.regions);
	return 0;
}

/* ---- one contact ---- */

/* The contact id, one the user sees, into *out (a new reference): 0, or
 * -1 with the answer set (404 for one of a region not seen). */
static int visible_contact(console_call *c, console_answer *a, const char *id, json_t **out)
{
	fs_err err = {0, ""};
	int rc;

	*out = NULL;
	if (id == NULL || !fs_uuid_is_valid(id))
		return console_fail(a, 400, "invalid", "id: must be a contact's id (a UUID)"), -1;
	rc = fs_contact_get(c->store, out, id, &err);
	if (rc == FS_ENOTFOUND ||
	    (rc == 0 && (json_is_true(json_object_get(*out, "deleted")) ||
	                 !console_user_sees_region(
	                     c->user, json_string_value(json_object_get(*out, "region")))))) {
		json_decref(*out);
		*out = NULL;
		return console_fail(a, 404, "not_found", "no such contact"), -1;
	}
	if (rc != 0)
		return console_fail_err(a, rc, &err), -1;
	return 0;
}

static int audit_contact(console_call *c, const char *action, const json_t *contact, json_t *fields,
                         fs_err *err)
{
	json_t *d = json_pack("{s:O, s:O, s:o*}", "contact", json_object_get(contact, "id"),
	                      "region", json_object_get(contact, "region"), "fields", fields);
	int rc;

	if (d == NULL)
		return fs_err_set(err, FS_ENOMEM, "audit entry: out of memory");
	rc = hub_audit_add(c->store, c->actor, action, d, err);
	json_decref(d);
	return rc;
}

/* GET /api/contacts/one?id=ID[&tz=ZONE] */
static int one_get(console_call *c, console_answer *a)
{
	char today[11], zone[HUB_TZ_NAME_MAX + 1];
	json_t *contact = NULL;
	fs_err err = {0, ""};
	int rc;

	if (visible_contact(c, a, arg_text(c, "id"), &contact) != 0)
		return 0;
	if (today_in(a, arg_text(c, "tz"), fs_store_now_ms(c->store), today, zone) != 0) {
		json_decref(contact);
		return 0;
	}
	rc = audit_contact(c, "contact_view", contact, NULL, &err);
	if (rc != 0) {
		json_decref(contact);
		return console_fail_err(a, rc, &err);
	}
	json_object_del(contact, "deleted");
	json_object_set_new(contact, "follow_up",
	                    json_string(fs_follow_up_name(fs_contact_follow_up(contact, today))));
	a->json = json_pack("{s:o, s:s, s:s, s:b}", "contact", contact, "today", today, "time_zone",
	                    zone, "can_edit", c->user->role >= CONSOLE_ADMIN);
	return a->json != NULL ? 0 : FS_ENOMEM;
}

/* 1 when fields close contact, a person's request to be contacted. */
static int closes_request(const json_t *contact, const json_t *fields)
{
	const char *st = json_string_value(json_object_get(fields, "status"));
	const char *w = json_string_value(json_object_get(contact, "worker"));

	return st != NULL && strcmp(st, "closed") == 0 && w != NULL &&
	       strcmp(w, FS_CONTACT_REQUEST_WORKER) == 0;
}

/* POST /api/contacts/edit */
static int edit_post(console_call *c, console_answer *a)
{
	json_t *o = console_body_object(c, a), *contact = NULL, *fields = NULL, *names = NULL;
	json_t *expect, *v;
	char out_id[FS_UUID_LEN + 1];
	const char *key;
	fs_err err = {0, ""};
	int rc = 0;

	if (o == NULL)
		return 0;
	json_object_foreach (o, key, v)
		if (strcmp(key, "id") != 0 && strcmp(key, "notes") != 0 &&
		    strcmp(key, "status") != 0 && strcmp(key, "expect") != 0) {
			console_fail(a, 400, "invalid",
			             "unknown key \"%.40s\": only notes and status are edited here",
			             key);
			goto done;
		}
	expect = json_object_get(o, "expect");
	if (expect != NULL && !json_is_object(expect)) {
		console_fail(a, 400, "invalid", "expect: an object of the values you saw");
		goto done;
	}
	fields = json_object();
	names = json_array();
	if (fields == NULL || names == NULL) {
		rc = FS_ENOMEM;
		goto done;
	}
	/* The values are checked by fs_contact_put, with messages that never
	 * quote them. */
	if ((v = json_object_get(o, "notes")) != NULL) {
		json_object_set(fields, "notes", v);
		json_array_append_new(names, json_string("notes"));
	}
	if ((v = json_object_get(o, "status")) != NULL) {
		json_object_set(fields, "status", v);
		json_array_append_new(names, json_string("status"));
	}
	if (json_object_size(fields) == 0) {
		console_fail(a, 400, "invalid", "send \"notes\" or \"status\" to change");
		goto done;
	}
	if (visible_contact(c, a, json_string_value(json_object_get(o, "id")), &contact) != 0)
		goto done;
	json_object_foreach (expect, key, v) {
		json_t *have = json_object_get(contact, key);

		if (strcmp(key, "notes") != 0 && strcmp(key, "status") != 0) {
			console_fail(a, 400, "invalid", "expect: only notes and status");
			goto done;
		}
		if (!json_equal(have != NULL ? have : json_null(), v)) {
			console_fail(a, 409, "changed",
			             "the contact's %s changed since you opened it (a kiosk's edit "
			             "arrived): open it again",
			             key);
			goto done;
		}
	}
	/* POST handlers hold the hub's writer lock: nothing merged between
	 * the check above and this write. */
	rc = fs_contact_put(c->store, out_id, json_string_value(json_object_get(contact, "id")),
	                    NULL, fields, &err);
	if (rc == 0)
		rc = audit_contact(c, "contact_edit", contact, json_incref(names), &err);
	/* Closing a person's request to be contacted deletes it (fs_contact_put
	 * marked it "deleted"); at the hub that is an erasure, as when a
	 * kiosk's set brings the same close (merge.c erase_if_deleted). */
	if (rc == 0 && closes_request(contact, fields)) {
		fs_erase_result res;

		rc = fs_erase_contact(c->store, out_id, FS_ERASE_DELETE, &res, &err);
	}
	if (rc != 0) {
		console_fail_err(a, rc, &err);
		rc = 0;
		goto done;
	}
	a->json = json_pack("{s:b, s:s, s:O}", "ok", 1, "id", out_id, "fields", names);
	if (a->json == NULL)
		rc = FS_ENOMEM;
done:
	json_decref(o);
	json_decref(contact);
	json_decref(fields);
	json_decref(names);
	return rc;
}

const console_route console_routes_contacts[] = {
    /* Session only, as the Conflicts page: API tokens are for the read
     * API of responses (docs/console.md). */
    {"GET", "/api/contacts/summary", CONSOLE_VIEWER, summary_get, 0, 0},
    {"GET", "/api/contacts/one", CONSOLE_ANALYST, one_get, 0, 0},
    {"GET", "/api/contacts", CONSOLE_ANALYST, list_get, 0, 0},
    {"POST", "/api/contacts/edit", CONSOLE_ADMIN, edit_post, EDIT_BODY_MAX, 0},
    {0},
};
