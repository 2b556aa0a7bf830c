/* Replicated erasure (erase.h) in process: a hub (SQLite, or PostgreSQL
 * when a URI is given) and SQLite kiosks over the in-process transport.
 * The merge rules in every order (an erasure then a stale edit, a stale
 * edit then the erasure, an erasure reaching a kiosk with an unsent edit),
 * a kiosk that sends an erasure (refused), a worker's delete, a person_ref
 * (current and former values), a response, idempotence, the confirmation
 * cursor, and the bytes: after an erasure no kiosk file (store and
 * write-ahead log) holds the erased strings.
 *
 * usage: erase_test DIR [POSTGRESQL-URI] */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fieldsync/erase.h"
#include "fieldsync/merge.h"
#include "fieldsync/records.h"
#include "test.h"
#include "test_stores.h"

static const char *dir;
static const char *pg_uri; /* NULL: the hub is SQLite */
static int nstore;

typedef struct net {
	test_clock clk;
	fs_store *hub, *a, *b, *c; /* a, b: north; c: south */
	char name_a[32], name_b[32], name_c[32];
} net;

static fs_store *hub_open(net *n)
{
	char name[32];

	snprintf(name, sizeof(name), "hub%d", nstore);
	return test_store_named(pg_uri, dir, name, "hub", NULL, &n->clk);
}

static void net_open(net *n)
{
	n->clk.ms = 1795770000000ull;
	nstore++;
	n->hub = hub_open(n);
	test_publish(n->hub, NULL);
	snprintf(n->name_a, sizeof(n->name_a), "ka%d", nstore);
	snprintf(n->name_b, sizeof(n->name_b), "kb%d", nstore);
	snprintf(n->name_c, sizeof(n->name_c), "kc%d", nstore);
	n->a = test_store(dir, n->name_a, "north", &n->clk);
	n->b = test_store(dir, n->name_b, "north", &n->clk);
	n->c = test_store(dir, n->name_c, "south", &n->clk);
	test_sync(n->a, n->hub, NULL);
	test_sync(n->b, n->hub, NULL);
	test_sync(n->c, n->hub, NULL);
}

static void net_close(net *n)
{
	fs_store_close(n->hub);
	fs_store_close(n->a);
	fs_store_close(n->b);
	fs_store_close(n->c);
}

/* A contact with a distinctive person_ref and notes, at s. */
static int new_contact(fs_store *s, char id[FS_UUID_LEN + 1], const char *ref, const char *notes)
{
	json_t *f = json_pack("{s:s, s:s, s:s, s:s, s:s}", "person_ref", ref, "contact_at",
			      "2026-11-27T10:00:00Z", "channel", "phone", "worker", "w1", "notes",
			      notes);
	int rc = fs_contact_put(s, id, NULL, NULL, f, NULL);

	json_decref(f);
	return rc;
}

static int edit(fs_store *s, const char *id, const char *field, const char *text)
{
	char out[FS_UUID_LEN + 1];
	json_t *f = json_pack("{s:s}", field, text);
	int rc;

	rc = fs_contact_put(s, out, id, NULL, f, NULL);
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

static long pending(fs_store *k)
{
	long n = -1;

	fs_sync_kiosk_pending(k, "hub", &n, NULL);
	return n;
}

static int count_erasure(void *ctx, const fs_erasure_row *r)
{
	(void)r;
	(*(long *)ctx)++;
	return 0;
}

static long erasures_at(fs_store *s)
{
	long n = 0;

	fs_store_ops(s)->erasure_each(fs_store_backend(s), NULL, count_erasure, &n, NULL);
	return n;
}

/* Does the file at path (and its -wal) hold text? -1 when unreadable. */
static int file_holds(const char *path, const char *text)
{
	char p[512];
	int k, found = 0;

	for (k = 0; k < 2 && !found; k++) {
		FILE *f;
		char *buf;
		long len;

		snprintf(p, sizeof(p), "%s%s", path, k ? "-wal" : "");
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

/* The order of the issue: kiosk B offline with an unsent edit of the
 * notes; the hub erases; A syncs; B syncs later: its stale edit is dropped
 * at the hub and the erasure removes the contact and the edit at B. */
static void erasure_then_stale_edit(void)
{
	net n;
	char id[FS_UUID_LEN + 1];
	fs_erase_result r;
	fs_sync_local t;
	fs_sync_limits lim;
	fs_sync_result res;
	fs_err e = {0, ""};
	int64_t push = 0, pull = 0;

	net_open(&n);
	CHECK(new_contact(n.a, id, "ZQREFALPHA1", "ZQNOTEALPHA") == 0);
	CHECK(test_sync(n.a, n.hub, NULL) == 0 && test_sync(n.b, n.hub, NULL) == 0);
	CHECK(has_contact(n.b, id));
	CHECK(edit(n.b, id, "notes", "ZQSTALEEDIT") == 0 && pending(n.b) == 1);
	CHECK(kiosk_holds(n.name_b, "ZQSTALEEDIT"));

	CHECK_MSG(fs_erase_contact(n.hub, id, FS_ERASE_ADMIN, &r, &e) == 0, "%s", e.msg);
	CHECK(r.records == 1 && r.already == 0 && r.rows_removed >= 6 && r.scrubbed == 1);
	CHECK(fs_uuid_is_valid(r.request));
	CHECK(!has_contact(n.hub, id));
	CHECK(erasures_at(n.hub) == 1);

	CHECK(test_sync(n.a, n.hub, NULL) == 0);
	CHECK(!has_contact(n.a, id) && erasures_at(n.a) == 1);
	/* B: one round by hand, to see what the hub did with the stale edit. */
	fs_sync_local_init(&t, &lim, n.hub, fs_store_site(n.b), "north", 50, 64 << 10);
	CHECK(fs_sync_round(n.b, "hub", fs_sync_local_send, &t, &lim, &res, &e) == 0);
	CHECK(t.merged.erased_dropped == 1 && t.merged.applied == 0 && t.merged.quarantined == 0);
	CHECK(res.merged.erased == 1 && res.merged.scrub_failed == 0);
	fs_sync_local_free(&t);
	CHECK(!has_contact(n.b, id) && pending(n.b) == 0);
	CHECK(!has_contact(n.hub, id));
	/* South never held it and never hears of it. */
	CHECK(test_sync(n.c, n.hub, NULL) == 0 && erasures_at(n.c) == 0);
	/* Confirmation: the pull cursor A sends next is recorded at the hub. */
	CHECK(test_sync(n.a, n.hub, NULL) == 0);
	CHECK(fs_store_peer_cursors(n.hub, fs_store_site(n.a), &push, &pull, NULL) == 0);
	CHECK(push > 0);
	/* Nothing of it is left in the kiosks' files. */
	CHECK(!kiosk_holds(n.name_a, "ZQREFALPHA1") && !kiosk_holds(n.name_a, "ZQNOTEALPHA"));
	CHECK(!kiosk_holds(n.name_b, "ZQREFALPHA1") && !kiosk_holds(n.name_b, "ZQNOTEALPHA") &&
	      !kiosk_holds(n.name_b, "ZQSTALEEDIT"));
	/* Erasing again does nothing. */
	CHECK(fs_erase_contact(n.hub, id, FS_ERASE_ADMIN, &r, &e) == 0);
	CHECK(r.records == 0 && r.already == 1 && r.request[0] == '\0');
	net_close(&n);
}

/* The stale edit reaches the hub first, then the erasure; a delayed copy
 * of the same push arriving after the erasure is dropped too. */
static void stale_edit_then_erasure(void)
{
	net n;
	char id[FS_UUID_LEN + 1];
	fs_changeset up, rx;
	fs_merge_result m;
	fs_erase_result r;
	fs_err e = {0, ""};

	net_open(&n);
	CHECK(new_contact(n.a, id, "ZQREFBETA2", "ZQNOTEBETA") == 0);
	CHECK(test_sync(n.a, n.hub, NULL) == 0 && test_sync(n.b, n.hub, NULL) == 0);
	CHECK(edit(n.b, id, "notes", "ZQLATEEDIT") == 0);
	CHECK(fs_sync_kiosk_outgoing(n.b, &up, "hub", 100, 1 << 20, NULL) == 0 && up.count == 1);
	CHECK(test_transfer(&rx, &up, NULL) == 0);
	CHECK(test_sync(n.b, n.hub, NULL) == 0);
	CHECK(fs_erase_contact(n.hub, id, FS_ERASE_ADMIN, &r, &e) == 0 && r.records == 1);
	CHECK(fs_sync_hub_receive(n.hub, &rx, fs_store_site(n.b), "north", &m, &e) == 0);
	CHECK(m.erased_dropped == 1 && m.applied == 0 && m.quarantined == 0);
	CHECK(!has_contact(n.hub, id));
	CHECK(test_sync(n.b, n.hub, NULL) == 0 && !has_contact(n.b, id));
	CHECK(test_sync(n.a, n.hub, NULL) == 0 && !has_contact(n.a, id));
	fs_changeset_free(&up);
	fs_changeset_free(&rx);
	net_close(&n);
}

/* The erasure reaches B before B could push its edit (the push was lost):
 * the unsent edit goes with the contact and is never pushed. */
static void erasure_reaches_kiosk_with_pending_edit(void)
{
	net n;
	char id[FS_UUID_LEN + 1];
	fs_changeset down, rx;
	fs_merge_result m;
	fs_erase_result r;
	int64_t push = 0, pull = 0;

	net_open(&n);
	CHECK(new_contact(n.a, id, "ZQREFGAMMA3", "ZQNOTEGAMMA") == 0);
	CHECK(test_sync(n.a, n.hub, NULL) == 0 && test_sync(n.b, n.hub, NULL) == 0);
	CHECK(edit(n.b, id, "notes", "ZQUNSENTEDIT") == 0 && pending(n.b) == 1);
	CHECK(fs_erase_contact(n.hub, id, FS_ERASE_ADMIN, &r, NULL) == 0);
	CHECK(fs_store_peer_cursors(n.b, "hub", &push, &pull, NULL) == 0);
	CHECK(fs_sync_hub_outgoing(n.hub, &down, fs_store_site(n.b), "north", pull, 100, 1 << 20,
				   NULL) == 0);
	CHECK(test_transfer(&rx, &down, NULL) == 0);
	CHECK(fs_sync_kiosk_receive(n.b, &rx, "hub", &m, NULL) == 0);
	CHECK(m.erased == 1);
	CHECK(!has_contact(n.b, id) && pending(n.b) == 0);
	CHECK(!kiosk_holds(n.name_b, "ZQUNSENTEDIT") && !kiosk_holds(n.name_b, "ZQREFGAMMA3"));
	/* The same erasure again (a duplicated reply) changes nothing. */
	CHECK(fs_sync_kiosk_receive(n.b, &rx, "hub", &m, NULL) == 0 && m.erased == 0);
	/* A contact change for it from the hub (a delayed older reply) is
	 * dropped at the kiosk too. */
	CHECK(test_sync(n.b, n.hub, NULL) == 0 && !has_contact(n.b, id));
	fs_changeset_free(&down);
	fs_changeset_free(&rx);
	net_close(&n);
}

/* A kiosk may never send an erasure: the whole set is refused. */
static void kiosk_sending_erasure_is_refused(void)
{
	net n;
	char id[FS_UUID_LEN + 1];
	fs_changeset cs, rx;
	fs_change c;
	fs_err e = {0, ""};

	net_open(&n);
	CHECK(new_contact(n.a, id, "ZQREFDELTA4", "ZQNOTEDELTA") == 0);
	CHECK(test_sync(n.a, n.hub, NULL) == 0);
	fs_changeset_init(&cs);
	snprintf(cs.site, sizeof(cs.site), "%s", fs_store_site(n.a));
	memset(&c, 0, sizeof(c));
	c.table = FS_TABLE_ERASURES;
	snprintf(c.id, sizeof(c.id), "%s", id);
	snprintf(c.site, sizeof(c.site), "%s", fs_store_site(n.a));
	c.hlc = fs_hlc_make(n.clk.ms, 0);
	c.value = json_pack("{s:s, s:s, s:n, s:s, s:s}", "table", "contacts", "region", "north",
			    "holder", "request", "0190a000-0000-7000-8000-000000000001", "kind",
			    "admin");
	CHECK(fs_changeset_add(&cs, &c, &e) == 0);
	CHECK(test_transfer(&rx, &cs, &e) == 0 && rx.count == 1);
	CHECK(fs_sync_hub_receive(n.hub, &rx, fs_store_site(n.a), "north", NULL, &e) ==
	      FS_EFORBIDDEN);
	CHECK(strstr(e.msg, "may not write erasures") != NULL);
	CHECK(has_contact(n.hub, id) && erasures_at(n.hub) == 0);
	fs_changeset_free(&cs);
	fs_changeset_free(&rx);
	net_close(&n);
}

/* A worker deletes a contact at A: the hub erases it in the merge (kind
 * delete), A gets the erasure back in the same round, B at its next. */
static void worker_delete_is_erased_at_hub(void)
{
	net n;
	char id[FS_UUID_LEN + 1];

	net_open(&n);
	CHECK(new_contact(n.a, id, "ZQREFEPS5", "ZQNOTEEPS") == 0);
	CHECK(test_sync(n.a, n.hub, NULL) == 0 && test_sync(n.b, n.hub, NULL) == 0);
	CHECK(fs_contact_delete(n.a, id, NULL) == 0);
	CHECK(has_contact(n.a, id)); /* a tombstone at the kiosk until the erasure */
	CHECK(test_sync(n.a, n.hub, NULL) == 0);
	CHECK(!has_contact(n.hub, id) && erasures_at(n.hub) == 1);
	CHECK(!has_contact(n.a, id));
	CHECK(test_sync(n.b, n.hub, NULL) == 0 && !has_contact(n.b, id));
	CHECK(!kiosk_holds(n.name_b, "ZQNOTEEPS") && !kiosk_holds(n.name_a, "ZQNOTEEPS"));
	net_close(&n);
}

/* Every contact whose person_ref is or was the ref: one current, one that
 * lost it in a conflict; another person's stays. */
static void person_ref_current_and_former(void)
{
	net n;
	char x[FS_UUID_LEN + 1], y[FS_UUID_LEN + 1], z[FS_UUID_LEN + 1];
	fs_erase_result r;
	fs_err e = {0, ""};
	fs_store_counts cnt;

	net_open(&n);
	CHECK(new_contact(n.a, x, "ZQPERSON6", "ZQNOTEX") == 0);
	CHECK(new_contact(n.a, y, "ZQOTHER6", "ZQNOTEY") == 0);
	CHECK(new_contact(n.a, z, "ZQKEEP6", "ZQNOTEZ") == 0);
	CHECK(test_sync(n.a, n.hub, NULL) == 0 && test_sync(n.b, n.hub, NULL) == 0);
	/* Concurrent: A sets y's ref to ZQPERSON6, B to ZQLATER6 (later). */
	CHECK(edit(n.a, y, "person_ref", "ZQPERSON6") == 0);
	n.clk.ms += 1000;
	CHECK(edit(n.b, y, "person_ref", "ZQLATER6") == 0);
	CHECK(test_sync(n.a, n.hub, NULL) == 0 && test_sync(n.b, n.hub, NULL) == 0);
	CHECK(fs_store_count(n.hub, &cnt, NULL) == 0 && cnt.conflicts >= 1);
	CHECK_MSG(fs_erase_person(n.hub, "ZQPERSON6", FS_ERASE_ADMIN, &r, &e) == 0, "%s", e.msg);
	CHECK_MSG(r.records == 2, "%ld records", r.records);
	CHECK(!has_contact(n.hub, x) && !has_contact(n.hub, y) && has_contact(n.hub, z));
	CHECK(fs_store_count(n.hub, &cnt, NULL) == 0 && cnt.conflicts == 0);
	CHECK(test_sync(n.a, n.hub, NULL) == 0 && test_sync(n.b, n.hub, NULL) == 0);
	CHECK(!has_contact(n.a, x) && !has_contact(n.a, y) && has_contact(n.a, z));
	CHECK(!has_contact(n.b, y));
	CHECK(!kiosk_holds(n.name_a, "ZQPERSON6") && !kiosk_holds(n.name_b, "ZQPERSON6"));
	CHECK(!kiosk_holds(n.name_b, "ZQLATER6"));
	CHECK(kiosk_holds(n.name_a, "ZQKEEP6"));
	/* Nobody by that ref any more: nothing to do, no request. */
	CHECK(fs_erase_person(n.hub, "ZQPERSON6", FS_ERASE_ADMIN, &r, &e) == 0);
	CHECK(r.records == 0 && r.request[0] == '\0');
	net_close(&n);
}

/* A response erased by id: gone at the hub and at the kiosk that made it
 * (its region unknown here: the erasure goes to every region). */
static void response_erased_by_id(void)
{
	net n;
	char id[FS_UUID_LEN + 1];
	json_t *body = test_response(4, "ZQRESPONSE7");
	json_t *got = NULL;
	fs_erase_result r;
	fs_err e = {0, ""};

	net_open(&n);
	CHECK(fs_response_add(n.a, id, body, &e) == 0);
	json_decref(body);
	CHECK(test_sync(n.a, n.hub, NULL) == 0);
	CHECK(fs_response_get(n.hub, &got, id, NULL) == 0);
	json_decref(got);
	CHECK(fs_erase_response(n.hub, id, NULL, NULL, FS_ERASE_ADMIN, &r, &e) == 0);
	CHECK(r.records == 1);
	CHECK(fs_response_get(n.hub, &got, id, NULL) == FS_ENOTFOUND);
	CHECK(test_sync(n.a, n.hub, NULL) == 0);
	CHECK(fs_response_get(n.a, &got, id, NULL) == FS_ENOTFOUND);
	CHECK(!kiosk_holds(n.name_a, "ZQRESPONSE7"));
	CHECK(test_sync(n.c, n.hub, NULL) == 0 && erasures_at(n.c) == 1);
	net_close(&n);
}

/* An id never seen is erased all the same: the record is refused when it
 * arrives later. */
static void unknown_id_blocks_later_arrival(void)
{
	net n;
	char id[FS_UUID_LEN + 1];
	fs_erase_result r;
	fs_merge_result m;
	fs_changeset up, rx;

	net_open(&n);
	CHECK(new_contact(n.a, id, "ZQREFLATE8", "ZQNOTELATE") == 0);
	CHECK(fs_erase_contact(n.hub, id, FS_ERASE_WITHDRAW, &r, NULL) == 0 && r.records == 1);
	CHECK(fs_sync_kiosk_outgoing(n.a, &up, "hub", 100, 1 << 20, NULL) == 0);
	CHECK(test_transfer(&rx, &up, NULL) == 0);
	CHECK(fs_sync_hub_receive(n.hub, &rx, fs_store_site(n.a), "north", &m, NULL) == 0);
	CHECK(m.erased_dropped == (long)rx.count && m.applied == 0);
	CHECK(!has_contact(n.hub, id));
	CHECK(fs_erase_contact(n.hub, id, "nonsense", &r, NULL) == FS_EINVAL);
	CHECK(fs_erase_contact(n.hub, "not-a-uuid", FS_ERASE_ADMIN, &r, NULL) == FS_EINVAL);
	fs_changeset_free(&up);
	fs_changeset_free(&rx);
	net_close(&n);
}

/* fs_erase_checked: the check sees each record and its region before
 * anything is written; a refusal erases nothing, records nothing. */
typedef struct seen {
	int calls, refuse;
	char region[32];
} seen;

static int check_region(void *ctx, const char *table, const char *id, const char *region,
			int already, fs_err *err)
{
	seen *s = ctx;

	(void)id;
	s->calls++;
	snprintf(s->region, sizeof(s->region), "%s:%s:%d", table, region ? region : "*", already);
	return s->refuse ? fs_err_set(err, FS_ENOTFOUND, "not yours") : 0;
}

static void checked_erasure(void)
{
	net n;
	char id[FS_UUID_LEN + 1];
	fs_erase_result r;
	fs_err e = {0, ""};
	seen s = {0, 1, ""};

	net_open(&n);
	CHECK(new_contact(n.a, id, "ZQCHECKED9", "ZQNOTECHECK") == 0);
	CHECK(test_sync(n.a, n.hub, NULL) == 0);
	CHECK(fs_erase_checked(n.hub, FS_ERASE_PERSON, "ZQCHECKED9", FS_ERASE_ADMIN, check_region,
			       &s, &r, &e) == FS_ENOTFOUND);
	CHECK(s.calls == 1 && strcmp(s.region, "contacts:north:0") == 0);
	CHECK(r.request[0] == '\0' && r.records == 0 && has_contact(n.hub, id));
	s.refuse = 0;
	CHECK_MSG(fs_erase_checked(n.hub, FS_ERASE_CONTACT, id, FS_ERASE_ADMIN, check_region, &s,
				   &r, &e) == 0, "%s", e.msg);
	CHECK(r.records == 1 && !has_contact(n.hub, id));
	CHECK(fs_erase_checked(n.hub, FS_ERASE_CONTACT, id, FS_ERASE_ADMIN, check_region, &s, &r,
			       &e) == 0);
	CHECK(r.already == 1 && strcmp(s.region, "contacts:north:1") == 0);
	CHECK(fs_erase_checked(n.hub, FS_ERASE_RESPONSE, "nope", FS_ERASE_ADMIN, NULL, NULL, &r,
			       &e) == FS_EINVAL);
	net_close(&n);
}

/* Several contacts in one request (retention): one transaction, one
 * request id, a repeated id counted as already erased; a malformed id
 * erases nothing. */
static void several_contacts_one_request(void)
{
	net n;
	char x[FS_UUID_LEN + 1], y[FS_UUID_LEN + 1];
	const char *ids[3], *bad[2];
	fs_erase_result r;
	fs_err e = {0, ""};

	net_open(&n);
	CHECK(new_contact(n.a, x, "ZQMANY9A", "ZQNOTE9A") == 0);
	CHECK(new_contact(n.a, y, "ZQMANY9B", "ZQNOTE9B") == 0);
	CHECK(test_sync(n.a, n.hub, NULL) == 0);
	bad[0] = x;
	bad[1] = "nonsense";
	CHECK(fs_erase_contacts(n.hub, bad, 2, FS_ERASE_RETENTION, &r, &e) == FS_EINVAL);
	CHECK(has_contact(n.hub, x) && erasures_at(n.hub) == 0);
	ids[0] = x;
	ids[1] = y;
	ids[2] = x;
	CHECK_MSG(fs_erase_contacts(n.hub, ids, 3, FS_ERASE_RETENTION, &r, &e) == 0, "%s", e.msg);
	CHECK(r.records == 2 && r.already == 1 && r.scrubbed == 1 && fs_uuid_is_valid(r.request));
	CHECK(!has_contact(n.hub, x) && !has_contact(n.hub, y) && erasures_at(n.hub) == 2);
	CHECK(test_sync(n.a, n.hub, NULL) == 0 && !has_contact(n.a, x) && !has_contact(n.a, y));
	CHECK(!kiosk_holds(n.name_a, "ZQNOTE9A") && !kiosk_holds(n.name_a, "ZQNOTE9B"));
	net_close(&n);
}

int main(int argc, char **argv)
{
	if (argc < 2 || argc > 3) {
		fprintf(stderr, "usage: erase_test DIR [POSTGRESQL-URI]\n");
		return 2;
	}
	dir = argv[1];
	pg_uri = argc == 3 ? argv[2] : NULL;
	RUN(erasure_then_stale_edit);
	RUN(stale_edit_then_erasure);
	RUN(erasure_reaches_kiosk_with_pending_edit);
	RUN(kiosk_sending_erasure_is_refused);
	RUN(worker_delete_is_erased_at_hub);
	RUN(person_ref_current_and_former);
	RUN(response_erased_by_id);
	RUN(unknown_id_blocks_later_arrival);
	RUN(several_contacts_one_request);
	RUN(checked_erasure);
	return TEST_DONE();
}
