/* Retention (retention.h) in process, with the clock moved forward: a hub
 * (SQLite, or PostgreSQL when a URI is given) and SQLite kiosks over the
 * in-process transport.
 *  - kiosk: acknowledged responses are deleted (their answers gone from the
 *    store and its write-ahead log), unacknowledged ones stay, a round that
 *    failed before the acknowledgement purges nothing, counts never drop;
 *    contacts closed before the window go, unless an edit is unsent; open
 *    ones and those closed within the window stay; a new kiosk's first
 *    sync brings old closed contacts, which the purge removes;
 *  - hub: periods round-trip, bad ones are refused; purge removes exactly
 *    what is past each period; a contact past its period becomes an
 *    erasure that reaches a kiosk; a stale re-push of a purged response is
 *    refused and counted.
 *
 * usage: retention_test DIR [POSTGRESQL-URI] */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fieldsync/erase.h"
#include "fieldsync/records.h"
#include "fieldsync/retention.h"
#include "test.h"
#include "test_stores.h"

#define DAY FS_MS_PER_DAY

static const char *dir;
static const char *pg_uri; /* NULL: the hub is SQLite */
static int nstore;

typedef struct net {
	test_clock clk;
	fs_store *hub, *a, *b;
	char name_a[32], name_b[32];
} net;

static fs_store *hub_open(net *n)
{
	char name[32];

	snprintf(name, sizeof(name), "rhub%d", nstore);
	return test_store_named(pg_uri, dir, name, "hub", NULL, &n->clk);
}

static void net_open(net *n)
{
	n->clk.ms = 1795770000000ull;
	nstore++;
	n->hub = hub_open(n);
	test_publish(n->hub, NULL);
	snprintf(n->name_a, sizeof(n->name_a), "ra%d", nstore);
	snprintf(n->name_b, sizeof(n->name_b), "rb%d", nstore);
	n->a = test_store(dir, n->name_a, "north", &n->clk);
	n->b = NULL;
	test_sync(n->a, n->hub, NULL);
}

static void net_close(net *n)
{
	fs_store_close(n->hub);
	fs_store_close(n->a);
	fs_store_close(n->b);
}

static int new_contact_by(fs_store *s, char id[FS_UUID_LEN + 1], const char *ref,
			  const char *notes, const char *worker)
{
	json_t *f = json_pack("{s:s, s:s, s:s, s:s, s:s}", "person_ref", ref, "contact_at",
			      "2026-11-27T10:00:00Z", "channel", "phone", "worker", worker, "notes",
			      notes);
	int rc = fs_contact_put(s, id, NULL, NULL, f, NULL);

	json_decref(f);
	return rc;
}

static int new_contact(fs_store *s, char id[FS_UUID_LEN + 1], const char *ref, const char *notes)
{
	return new_contact_by(s, id, ref, notes, "w1");
}

static int edit(fs_store *s, const char *id, const char *field, const char *text)
{
	char out[FS_UUID_LEN + 1];
	json_t *f = json_pack("{s:s}", field, text);
	int rc = fs_contact_put(s, out, id, NULL, f, NULL);

	json_decref(f);
	return rc;
}

static int has_contact(fs_store *s, const char *id)
{
	json_t *c = NULL;
	int rc = fs_contact_get(s, &c, id, NULL);

	json_decref(c);
	return rc == 0;
}

static int has_response(fs_store *s, const char *id)
{
	json_t *r = NULL;
	int rc = fs_response_get(s, &r, id, NULL);

	json_decref(r);
	return rc == 0;
}

static long count_responses(fs_store *s)
{
	fs_store_counts c;

	if (fs_store_count(s, &c, NULL) != 0)
		return -1;
	return c.responses;
}

static int add_response(fs_store *k, char id[FS_UUID_LEN + 1], const char *comment)
{
	json_t *b = test_response(4, comment);
	char at[FS_TIMESTAMP_LEN + 1];
	int rc;

	/* Submitted now by the test's clock. */
	fs_timestamp_format(at, fs_store_now_ms(k));
	json_object_set_new(b, "started_at", json_string(at));
	json_object_set_new(b, "submitted_at", json_string(at));
	rc = fs_response_add(k, id, b, NULL);
	json_decref(b);
	return rc;
}

/* Does the file at path (or its -wal or -shm) hold text? */
static int file_holds(const char *path, const char *text)
{
	static const char *const ext[] = {"", "-wal", "-shm"};
	char p[512];
	int k, found = 0;

	for (k = 0; k < 3 && !found; k++) {
		FILE *f;
		char *buf;
		long len;

		snprintf(p, sizeof(p), "%s%s", path, ext[k]);
		f = fopen(p, "rb");
		if (f == NULL)
			continue;
		fseek(f, 0, SEEK_END);
		len = ftell(f);
		fseek(f, 0, SEEK_SET);
		buf = malloc((size_t)len + 1);
		if (buf != NULL && fread(buf, 1, (size_t)len, f) == (size_t)len)
			found = memmem(buf, (size_t)len, text, strlen(text)) != NULL;
		free(buf);
		fclose(f);
	}
	return found;
}

static int kiosk_holds(const char *name, const char *text)
{
	char path[256];

	snprintf(path, sizeof(path), "%s/%s.db", dir, name);
	return file_holds(path, text);
}

static int purge(net *n, fs_store *k, long days, fs_retention_kiosk_result *r)
{
	fs_err e = {0, ""};
	int rc = fs_retention_kiosk_purge(k, fs_store_site(n->hub), days,
					  FS_RETENTION_REQUEST_DAYS_DEFAULT, r, &e);

	if (rc != 0)
		fprintf(stderr, "purge: %s\n", e.msg);
	return rc;
}

static int fail_transport(void *ctx, int64_t pull, const void *body, size_t len,
			  fs_sync_answer *answer, fs_err *err)
{
	(void)ctx;
	(void)pull;
	(void)body;
	(void)len;
	(void)answer;
	return fs_err_set(err, FS_EGENERIC, "the network is down");
}

/* Acknowledged responses go, with their bytes; the rest stay; counts hold. */
static void kiosk_acknowledged_responses(void)
{
	net n;
	char r1[FS_UUID_LEN + 1], r2[FS_UUID_LEN + 1], r3[FS_UUID_LEN + 1];
	fs_retention_kiosk_result r;
	fs_sync_result res;
	fs_err e = {0, ""};

	net_open(&n);
	CHECK(add_response(n.a, r1, "ZQKEEPSAKE1") == 0 && add_response(n.a, r2, "ZQKEEPSAKE2") == 0);
	CHECK(count_responses(n.a) == 2);
	/* Nothing acknowledged yet: nothing goes. */
	CHECK(purge(&n, n.a, 30, &r) == 0 && r.responses == 0 && has_response(n.a, r1));
	/* A round that fails before the hub's acknowledgement purges nothing. */
	CHECK(fs_sync_round(n.a, fs_store_site(n.hub), fail_transport, NULL, NULL, &res, &e) != 0);
	CHECK(purge(&n, n.a, 30, &r) == 0 && r.responses == 0);
	CHECK(has_response(n.a, r1) && has_response(n.a, r2) && count_responses(n.a) == 2);
	CHECK_MSG(test_sync(n.a, n.hub, &e) == 0, "%s", e.msg);
	CHECK(add_response(n.a, r3, "ZQKEEPSAKE3") == 0); /* after the sync: unacknowledged */
	CHECK(purge(&n, n.a, 30, &r) == 0);
	CHECK_MSG(r.responses == 2 && r.scrubbed == 1, "removed %ld", r.responses);
	CHECK(!has_response(n.a, r1) && !has_response(n.a, r2) && has_response(n.a, r3));
	CHECK(has_response(n.hub, r1) && has_response(n.hub, r2));
	CHECK_MSG(count_responses(n.a) == 3, "kiosk counts %ld", count_responses(n.a));
	CHECK(!kiosk_holds(n.name_a, "ZQKEEPSAKE1") && !kiosk_holds(n.name_a, "ZQKEEPSAKE2"));
	CHECK(kiosk_holds(n.name_a, "ZQKEEPSAKE3"));
	/* Idempotent; the third goes after its own sync. */
	CHECK(purge(&n, n.a, 30, &r) == 0 && r.responses == 0 && count_responses(n.a) == 3);
	CHECK(test_sync(n.a, n.hub, NULL) == 0 && purge(&n, n.a, 30, &r) == 0 && r.responses == 1);
	CHECK(!has_response(n.a, r3) && count_responses(n.a) == 3 && count_responses(n.hub) == 3);
	net_close(&n);
}

/* Contacts: closed before the window go unless an edit is unsent. */
static void kiosk_closed_contacts(void)
{
	net n;
	char old[FS_UUID_LEN + 1], pend[FS_UUID_LEN + 1], open[FS_UUID_LEN + 1],
	    recent[FS_UUID_LEN + 1];
	fs_retention_kiosk_result r;
	fs_err e = {0, ""};

	net_open(&n);
	CHECK(new_contact(n.a, old, "ZQOLD1", "ZQNOTEOLD") == 0 && edit(n.a, old, "status", "closed") == 0);
	CHECK(new_contact(n.a, pend, "ZQPEND1", "ZQNOTEPEND") == 0 &&
	      edit(n.a, pend, "status", "closed") == 0);
	CHECK(new_contact(n.a, open, "ZQOPEN1", "ZQNOTEOPEN") == 0);
	CHECK(test_sync(n.a, n.hub, NULL) == 0);
	/* Within the window: nothing goes. */
	n.clk.ms += 29 * DAY;
	CHECK(purge(&n, n.a, 30, &r) == 0 && r.contacts == 0);
	n.clk.ms += 2 * DAY;
	CHECK(new_contact(n.a, recent, "ZQRECENT1", "ZQNOTERECENT") == 0 &&
	      edit(n.a, recent, "status", "closed") == 0);
	CHECK(edit(n.a, pend, "notes", "ZQNOTEPEND2") == 0); /* unsent */
	CHECK(purge(&n, n.a, 30, &r) == 0);
	CHECK_MSG(r.contacts == 1 && r.scrubbed == 1, "purged %ld", r.contacts);
	CHECK(!has_contact(n.a, old) && has_contact(n.a, pend) && has_contact(n.a, open) &&
	      has_contact(n.a, recent));
	CHECK(has_contact(n.hub, old)); /* only the kiosk's copy went */
	CHECK(!kiosk_holds(n.name_a, "ZQNOTEOLD") && kiosk_holds(n.name_a, "ZQNOTEOPEN"));
	/* Once the edit is acknowledged it goes too. */
	CHECK_MSG(test_sync(n.a, n.hub, &e) == 0, "%s", e.msg);
	CHECK(purge(&n, n.a, 30, &r) == 0 && r.contacts == 1 && !has_contact(n.a, pend));
	/* Window 0: every closed one goes now. */
	n.clk.ms += 1000;
	CHECK(purge(&n, n.a, 0, &r) == 0 && r.contacts == 1 && !has_contact(n.a, recent));
	CHECK(has_contact(n.a, open));
	/* A bad window is refused. */
	CHECK(fs_retention_kiosk_purge(n.a, "hub", -1, 90, &r, &e) == FS_EINVAL);
	CHECK(fs_retention_kiosk_purge(n.a, "hub", FS_RETENTION_DAYS_MAX + 1, 90, &r, &e) ==
	      FS_EINVAL);
	fs_err_clear(&e);
	CHECK(fs_retention_kiosk_purge(n.a, "hub", 30, -1, &r, &e) == FS_EINVAL &&
	      strstr(e.msg, "contact_request_days") != NULL);
	/* A new kiosk's first sync brings the hub's old closed contacts; the
	 * purge after it removes them. */
	n.b = test_store(dir, n.name_b, "north", &n.clk);
	CHECK(test_sync(n.b, n.hub, NULL) == 0 && has_contact(n.b, old) && has_contact(n.b, open));
	CHECK(purge(&n, n.b, 30, &r) == 0 && r.contacts == 2);
	CHECK(!has_contact(n.b, old) && !has_contact(n.b, pend) && has_contact(n.b, open));
	/* The hub reopens one: it comes back to the kiosk. */
	CHECK(edit(n.hub, old, "status", "open") == 0);
	CHECK(test_sync(n.b, n.hub, NULL) == 0 && has_contact(n.b, old));
	net_close(&n);
}

/* Periods round-trip; bad ones are refused with what was wrong. */
static void hub_settings(void)
{
	net n;
	fs_retention_settings s;
	fs_retention_table t[2] = {FS_RETENTION_RESPONSES, FS_RETENTION_AUDIT};
	long d[2] = {100, 0}, days = 0, bad = -5;
	fs_retention_table tt;
	fs_err e = {0, ""};

	net_open(&n);
	CHECK(fs_retention_get(n.hub, &s, &e) == 0);
	CHECK(s.days[FS_RETENTION_RESPONSES] == 730 && s.days[FS_RETENTION_CONTACTS] == 365 &&
	      s.days[FS_RETENTION_CONFLICTS] == 90 && s.days[FS_RETENTION_QUARANTINE] == 30 &&
	      s.days[FS_RETENTION_AUDIT] == 2190 && s.days[FS_RETENTION_CONTACT_REQUESTS] == 90);
	CHECK(fs_retention_parse("contact_requests=14", &tt, &days, &e) == 0 &&
	      tt == FS_RETENTION_CONTACT_REQUESTS && days == 14);
	CHECK(strcmp(fs_retention_table_name(FS_RETENTION_CONTACT_REQUESTS), "contact_requests") == 0);
	CHECK(fs_retention_set(n.hub, t, d, 2, &e) == 0 && fs_retention_get(n.hub, &s, &e) == 0);
	CHECK(s.days[FS_RETENTION_RESPONSES] == 100 && s.days[FS_RETENTION_AUDIT] == 0 &&
	      s.days[FS_RETENTION_CONTACTS] == 365);
	CHECK(fs_retention_set(n.hub, t, &bad, 1, &e) == FS_EINVAL);
	fs_err_clear(&e);
	CHECK(fs_retention_get(n.hub, &s, &e) == 0 && s.days[FS_RETENTION_RESPONSES] == 100);
	CHECK(fs_retention_parse("conflicts=7", &tt, &days, &e) == 0 &&
	      tt == FS_RETENTION_CONFLICTS && days == 7);
	fs_err_clear(&e);
	CHECK(fs_retention_parse("responses=-1", &tt, &days, &e) == FS_EINVAL &&
	      strstr(e.msg, "negative") != NULL);
	fs_err_clear(&e);
	CHECK(fs_retention_parse("nonsense=1", &tt, &days, &e) == FS_EINVAL &&
	      strstr(e.msg, "unknown table \"nonsense\"") != NULL);
	fs_err_clear(&e);
	CHECK(fs_retention_parse("responses=12x", &tt, &days, &e) == FS_EINVAL &&
	      strstr(e.msg, "not a whole number") != NULL);
	fs_err_clear(&e);
	CHECK(fs_retention_parse("responses=", &tt, &days, &e) == FS_EINVAL);
	fs_err_clear(&e);
	CHECK(fs_retention_parse("responses=36501", &tt, &days, &e) == FS_EINVAL);
	fs_err_clear(&e);
	CHECK(fs_retention_parse("responses", &tt, &days, &e) == FS_EINVAL &&
	      strstr(e.msg, "TABLE=DAYS") != NULL);
	net_close(&n);
}

static void add_quarantine(fs_store *hub, const char *id, uint64_t ms)
{
	fs_quarantine_row q = {fs_hlc_make(ms, 0), "ra", "responses", id, "test", "{\"x\":1}"};
	fs_err e = {0, ""};

	CHECK_MSG(fs_store_ops(hub)->quarantine_insert(fs_store_backend(hub), &q, &e) == 0, "%s",
		  e.msg);
}

static void add_conflict(fs_store *hub, const char *id, uint64_t ms)
{
	fs_conflict_row c = {id,    "contacts", id, "north", "notes", "\"a\"", fs_hlc_make(ms, 2), "hub",
			     "\"b\"", fs_hlc_make(ms, 1), "ra", fs_hlc_make(ms, 3), "hub", 0};
	fs_err e = {0, ""};
	int ins = 0;

	CHECK_MSG(fs_store_ops(hub)->conflict_insert(fs_store_backend(hub), &c, 0, &ins, &e) == 0 &&
		      ins == 1,
		  "%s", e.msg);
}

static long hub_counts(fs_store *s, int what)
{
	fs_store_counts c;

	if (fs_store_count(s, &c, NULL) != 0)
		return -1;
	return what == 0 ? c.responses : what == 1 ? c.contacts : what == 2 ? c.conflicts
									    : c.quarantined;
}

static long refused_count(fs_store *hub)
{
	char v[32];

	if (fs_store_ops(hub)->meta_get(fs_store_backend(hub), "retention_responses_refused", v,
					sizeof(v), NULL) != 0)
		return 0;
	return strtol(v, NULL, 10);
}

/* With the clock moved forward, purge removes exactly what is past each
 * period; a closed contact past its period is erased at every kiosk. */
static void hub_purge(void)
{
	net n;
	fs_retention_table t[4] = {FS_RETENTION_QUARANTINE, FS_RETENTION_CONFLICTS,
				   FS_RETENTION_CONTACTS, FS_RETENTION_RESPONSES};
	long d[4] = {3, 5, 7, 10};
	char r1[FS_UUID_LEN + 1], r2[FS_UUID_LEN + 1], c1[FS_UUID_LEN + 1], c2[FS_UUID_LEN + 1],
	    late[FS_UUID_LEN + 1], stale[FS_UUID_LEN + 1];
	fs_retention_hub_result r;
	fs_retention_kiosk_result kr;
	uint64_t t0;
	fs_err e = {0, ""};

	net_open(&n);
	t0 = n.clk.ms;
	CHECK(fs_retention_set(n.hub, t, d, 4, &e) == 0);
	/* Kiosk b: a response at t0, then offline until day 11. */
	n.b = test_store(dir, n.name_b, "north", &n.clk);
	CHECK(test_sync(n.b, n.hub, NULL) == 0 && add_response(n.b, stale, "ZQSTALE") == 0);
	CHECK(add_response(n.a, r1, "ZQHUBR1") == 0);
	CHECK(new_contact(n.a, c1, "ZQHUBC1", "ZQHUBNOTE1") == 0 && edit(n.a, c1, "status", "closed") == 0);
	CHECK(new_contact(n.a, c2, "ZQHUBC2", "ZQHUBNOTE2") == 0); /* open */
	CHECK(test_sync(n.a, n.hub, NULL) == 0);
	add_quarantine(n.hub, "q-old", t0);
	add_quarantine(n.hub, "q-new", t0 + 2 * DAY);
	add_conflict(n.hub, c2, t0);
	/* A second response a day later: past its period one day after r1. */
	n.clk.ms = t0 + DAY;
	CHECK(add_response(n.a, r2, "ZQHUBR2") == 0 && test_sync(n.a, n.hub, NULL) == 0);
	CHECK(hub_counts(n.hub, 0) == 2 && hub_counts(n.hub, 3) == 2 && hub_counts(n.hub, 2) == 1);

	n.clk.ms = t0 + 3 * DAY - 1000; /* nothing is past its period */
	CHECK(fs_retention_hub_purge(n.hub, &r, &e) == 0 && r.quarantine == 0 && r.conflicts == 0 &&
	      r.contacts == 0 && r.responses == 0);
	n.clk.ms = t0 + 3 * DAY + 1000; /* q-old */
	CHECK_MSG(fs_retention_hub_purge(n.hub, &r, &e) == 0, "%s", e.msg);
	CHECK(r.quarantine == 1 && r.conflicts == 0 && r.contacts == 0 && r.responses == 0);
	CHECK(hub_counts(n.hub, 3) == 1);
	n.clk.ms = t0 + 5 * DAY + 1000; /* and the conflict, q-new */
	CHECK(fs_retention_hub_purge(n.hub, &r, &e) == 0 && r.quarantine == 1 && r.conflicts == 1 &&
	      r.contacts == 0 && r.responses == 0);
	n.clk.ms = t0 + 7 * DAY + 1000; /* and the closed contact */
	CHECK(fs_retention_hub_purge(n.hub, &r, &e) == 0 && r.contacts == 1 && r.responses == 0);
	CHECK(!has_contact(n.hub, c1) && has_contact(n.hub, c2));
	/* The erasure reaches the kiosk, which drops its copy. */
	CHECK(has_contact(n.a, c1) && test_sync(n.a, n.hub, NULL) == 0 && !has_contact(n.a, c1));
	CHECK(has_contact(n.a, c2) && !kiosk_holds(n.name_a, "ZQHUBNOTE1"));
	n.clk.ms = t0 + 10 * DAY + 1000; /* r1 */
	CHECK(fs_retention_hub_purge(n.hub, &r, &e) == 0 && r.responses == 1);
	CHECK(!has_response(n.hub, r1) && has_response(n.hub, r2));
	n.clk.ms = t0 + 11 * DAY + 1000; /* r2 */
	CHECK(fs_retention_hub_purge(n.hub, &r, &e) == 0 && r.responses == 1 && !has_response(n.hub, r2));
	CHECK(fs_retention_hub_purge(n.hub, &r, &e) == 0 && r.responses + r.contacts + r.conflicts +
	      r.quarantine == 0);
	/* A kiosk offline all along re-pushes a response from before the
	 * horizon: refused and counted, never stored; a recent one merges. */
	{
		CHECK(add_response(n.b, late, "ZQLATE") == 0);
		CHECK_MSG(test_sync(n.b, n.hub, &e) == 0, "%s", e.msg);
		CHECK(!has_response(n.hub, stale) && has_response(n.hub, late));
		CHECK_MSG(refused_count(n.hub) == 1, "refused %ld", refused_count(n.hub));
		CHECK(purge(&n, n.b, 30, &kr) == 0 && kr.responses == 2);
	}
	net_close(&n);
}

/* A request to be contacted (status "requested", docs/reciprocity.md)
 * that no worker took is erased, kind retention, once its period from the
 * request's release has passed, at the hub and so at every kiosk; one a
 * worker took (status open) is an ordinary contact and stays, and so does
 * a request within its period. The kiosk drops its own copy by its own
 * period, never before the hub has it. The closed-contacts rule never
 * takes a request. */
static void hub_requested_contacts(void)
{
	net n;
	fs_retention_table t[2] = {FS_RETENTION_CONTACTS, FS_RETENTION_CONTACT_REQUESTS};
	long d[2] = {1, 90};
	char req[FS_UUID_LEN + 1], taken[FS_UUID_LEN + 1], later[FS_UUID_LEN + 1];
	fs_retention_hub_result r;
	fs_retention_kiosk_result kr;
	fs_erasure_row er;
	uint64_t t0;
	fs_err e = {0, ""};

	net_open(&n);
	t0 = n.clk.ms;
	CHECK(fs_retention_set(n.hub, t, d, 2, &e) == 0);
	CHECK(new_contact_by(n.a, req, "ZQREQ1", "ZQREQNOTE1", FS_CONTACT_REQUEST_WORKER) == 0 &&
	      edit(n.a, req, "status", "requested") == 0);
	CHECK(new_contact_by(n.a, taken, "ZQREQ2", "ZQREQNOTE2", FS_CONTACT_REQUEST_WORKER) == 0 &&
	      edit(n.a, taken, "status", "requested") == 0);
	CHECK_MSG(test_sync(n.a, n.hub, &e) == 0, "%s", e.msg);
	n.clk.ms = t0 + DAY;
	CHECK(edit(n.hub, taken, "status", "open") == 0); /* a worker took it */
	CHECK(new_contact(n.a, later, "ZQREQ3", "ZQREQNOTE3") == 0 &&
	      edit(n.a, later, "status", "requested") == 0);
	CHECK(test_sync(n.a, n.hub, NULL) == 0);
	/* Past the closed contacts' period, within the requests': all stay. */
	n.clk.ms = t0 + 90 * DAY - 1000;
	CHECK_MSG(fs_retention_hub_purge(n.hub, &r, &e) == 0, "%s", e.msg);
	CHECK_MSG(r.contacts == 0 && r.contact_requests == 0, "%ld %ld", r.contacts,
		  r.contact_requests);
	CHECK(has_contact(n.hub, req) && has_contact(n.hub, taken) && has_contact(n.hub, later));
	/* The first request's period is over: erased, kind retention. */
	n.clk.ms = t0 + 90 * DAY + 1000;
	CHECK_MSG(fs_retention_hub_purge(n.hub, &r, &e) == 0, "%s", e.msg);
	CHECK_MSG(r.contact_requests == 1 && r.contacts == 0, "%ld", r.contact_requests);
	CHECK(!has_contact(n.hub, req) && has_contact(n.hub, taken) && has_contact(n.hub, later));
	CHECK(fs_store_ops(n.hub)->erasure_get(fs_store_backend(n.hub), req, &er, &e) == 0 &&
	      strcmp(er.kind, "retention") == 0);
	CHECK(test_sync(n.a, n.hub, NULL) == 0 && !has_contact(n.a, req) &&
	      !kiosk_holds(n.name_a, "ZQREQNOTE1"));
	/* The kiosk's own purge, by its own period: the later request's copy
	 * goes once past it (acknowledged), the taken one stays. */
	n.clk.ms = t0 + 91 * DAY + 1000;
	CHECK(fs_retention_kiosk_purge(n.a, fs_store_site(n.hub), 30, 0, &kr, &e) == 0 &&
	      kr.contacts == 0); /* 0 keeps them */
	CHECK(edit(n.a, later, "notes", "ZQREQNOTE4") == 0); /* unsent: kept */
	CHECK(fs_retention_kiosk_purge(n.a, fs_store_site(n.hub), 30, 90, &kr, &e) == 0 &&
	      kr.contacts == 0 && has_contact(n.a, later));
	CHECK(test_sync(n.a, n.hub, NULL) == 0);
	CHECK(fs_retention_kiosk_purge(n.a, fs_store_site(n.hub), 30, 90, &kr, &e) == 0);
	CHECK_MSG(kr.contacts == 1 && !has_contact(n.a, later) && has_contact(n.a, taken),
		  "purged %ld", kr.contacts);
	CHECK(has_contact(n.hub, later)); /* only the kiosk's copy */
	/* Done: closing the taken request deletes it, and the hub erases it
	 * (kind delete) when it merges that; an ordinary contact closed stays. */
	CHECK(edit(n.a, taken, "status", "closed") == 0);
	{
		json_t *c = NULL;

		CHECK(fs_contact_get(n.a, &c, taken, NULL) == 0 &&
		      json_is_true(json_object_get(c, "deleted")));
		json_decref(c);
	}
	CHECK_MSG(test_sync(n.a, n.hub, &e) == 0, "%s", e.msg);
	CHECK(!has_contact(n.hub, taken));
	CHECK(fs_store_ops(n.hub)->erasure_get(fs_store_backend(n.hub), taken, &er, &e) == 0 &&
	      strcmp(er.kind, "delete") == 0);
	{
		char plain[FS_UUID_LEN + 1];
		json_t *c = NULL;

		CHECK(new_contact(n.a, plain, "ZQREQ5", "ZQREQNOTE5") == 0 &&
		      edit(n.a, plain, "status", "closed") == 0);
		CHECK(fs_contact_get(n.a, &c, plain, NULL) == 0 &&
		      !json_is_true(json_object_get(c, "deleted")));
		json_decref(c);
	}
	net_close(&n);
}

int main(int argc, char **argv)
{
	if (argc < 2 || argc > 3) {
		fprintf(stderr, "usage: retention_test DIR [POSTGRESQL-URI]\n");
		return 2;
	}
	dir = argv[1];
	pg_uri = argc == 3 ? argv[2] : NULL;
	if (pg_uri == NULL) {
		RUN(kiosk_acknowledged_responses);
		RUN(kiosk_closed_contacts);
	}
	RUN(hub_settings);
	RUN(hub_purge);
	RUN(hub_requested_contacts);
	return TEST_DONE();
}
