/* Resolving a conflict (resolve.h) in process: a hub (SQLite, or
 * PostgreSQL when a URI is given) and SQLite kiosks over the in-process
 * transport. The resolution's field write and row replicate to the
 * region's kiosks and close the conflict everywhere, not to another
 * region; an edit made before the resolution loses to it (a new conflict),
 * one made after wins; the value is checked like a worker's edit; one
 * transaction with the hook (nothing written when it fails); twice, a
 * field changed since, an erased contact, a kiosk resolving, a kiosk
 * sending a resolution are refused; retention and erasure take the
 * resolutions with their conflicts; a whole-store copy carries them.
 *
 * usage: resolve_test DIR [POSTGRESQL-URI] */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fieldsync/copy.h"
#include "fieldsync/erase.h"
#include "fieldsync/merge.h"
#include "fieldsync/records.h"
#include "fieldsync/resolve.h"
#include "fieldsync/retention.h"
#include "test.h"
#include "test_stores.h"

#define DAY (24ull * 3600 * 1000)

static const char *dir;
static const char *pg_uri; /* NULL: the hub is SQLite */
static int nstore;

typedef struct net {
	test_clock clk;
	fs_store *hub, *a, *b, *c; /* a, b: north; c: south */
} net;

static fs_store *hub_open(net *n)
{
	char name[32];

	snprintf(name, sizeof(name), "hub%d", nstore);
	return test_store_named(pg_uri, dir, name, "hub", NULL, &n->clk);
}

/* e cleared for the next call: the first error set in an fs_err stays. */
static fs_err *E(fs_err *e)
{
	fs_err_clear(e);
	return e;
}

static void net_open(net *n)
{
	char name[32];

	n->clk.ms = 1795770000000ull;
	nstore++;
	n->hub = hub_open(n);
	snprintf(name, sizeof(name), "ka%d", nstore);
	n->a = test_store(dir, name, "north", &n->clk);
	snprintf(name, sizeof(name), "kb%d", nstore);
	n->b = test_store(dir, name, "north", &n->clk);
	snprintf(name, sizeof(name), "kc%d", nstore);
	n->c = test_store(dir, name, "south", &n->clk);
}

static void net_close(net *n)
{
	fs_store_close(n->hub);
	fs_store_close(n->a);
	fs_store_close(n->b);
	fs_store_close(n->c);
}

static void sync_all(net *n)
{
	CHECK(test_sync(n->a, n->hub, NULL) == 0);
	CHECK(test_sync(n->b, n->hub, NULL) == 0);
	CHECK(test_sync(n->a, n->hub, NULL) == 0);
	CHECK(test_sync(n->b, n->hub, NULL) == 0);
	CHECK(test_sync(n->c, n->hub, NULL) == 0);
}

static int edit(fs_store *s, const char *id, const char *field, const char *text)
{
	char out[FS_UUID_LEN + 1];
	json_t *f = json_pack("{s:s}", field, text);
	int rc = fs_contact_put(s, out, id, NULL, f, NULL);

	json_decref(f);
	return rc;
}

/* A contact made at a, at both north kiosks, then a conflict on notes: a
 * writes "ZQA..." and b, 10 ms later, "ZQB..." (the winner), each
 * offline; after the syncs every north store holds it. *cid: its id. */
static void make_conflict(net *n, char id[FS_UUID_LEN + 1], char cid[FS_ID_MAX + 1])
{
	json_t *f = json_pack("{s:s, s:s, s:s, s:s, s:s}", "person_ref", "ZQREF1", "contact_at",
			      "2026-11-27T10:00:00Z", "channel", "phone", "worker", "w1", "notes",
			      "first");
	json_t *list = NULL;

	CHECK(fs_contact_put(n->a, id, NULL, NULL, f, NULL) == 0);
	json_decref(f);
	CHECK(test_sync(n->a, n->hub, NULL) == 0 && test_sync(n->b, n->hub, NULL) == 0);
	n->clk.ms += 1000;
	CHECK(edit(n->a, id, "notes", "ZQA called back") == 0);
	n->clk.ms += 10;
	CHECK(edit(n->b, id, "notes", "ZQB met at the drop-in") == 0);
	n->clk.ms += 1000;
	sync_all(n);
	CHECK(fs_conflict_select(n->hub, NULL, &list, NULL) == 0 && json_array_size(list) == 1);
	snprintf(cid, FS_ID_MAX + 1, "%s",
		 json_string_value(json_object_get(json_array_get(list, 0), "id")));
	json_decref(list);
}

static char *notes_of(fs_store *s, const char *id)
{
	json_t *c = NULL;
	char *out = NULL;

	if (fs_contact_get(s, &c, id, NULL) == 0)
		out = json_dumps(json_object_get(c, "notes"), JSON_ENCODE_ANY);
	json_decref(c);
	return out;
}

static int notes_are(fs_store *s, const char *id, const char *want_json)
{
	char *got = notes_of(s, id);
	int ok = got != NULL && strcmp(got, want_json) == 0;

	if (!ok)
		fprintf(stderr, "  notes: got %s, want %s\n", got ? got : "(none)", want_json);
	free(got);
	return ok;
}

static long open_at(fs_store *s)
{
	fs_store_counts c;

	if (fs_store_count(s, &c, NULL) != 0)
		return -1;
	return c.conflicts_open;
}

static int count_res(void *ctx, const fs_resolution_row *r)
{
	(void)r;
	(*(long *)ctx)++;
	return 0;
}

static long resolutions_at(fs_store *s)
{
	long n = 0;

	if (fs_store_ops(s)->resolution_each(fs_store_backend(s), count_res, &n, NULL) != 0)
		return -1;
	return n;
}

typedef struct hook_run {
	int calls;
	int fail;
	fs_resolution seen;
} hook_run;

static int hook(void *ctx, fs_store *s, const fs_resolution *r, fs_err *err)
{
	hook_run *h = ctx;

	(void)s;
	h->calls++;
	h->seen = *r;
	if (h->fail)
		return fs_err_set(err, FS_EGENERIC, "hook failed on purpose");
	return 0;
}

/* allow: only region "south" (a console user limited to it). */
static int south_only(void *ctx, const char *region, fs_err *err)
{
	(*(int *)ctx)++;
	if (strcmp(region, "south") == 0)
		return 0;
	return fs_err_set(err, FS_ENOTFOUND, "not visible");
}

/* allow refuses before anything is looked at or written: the same answer
 * whether the conflict is open, resolved or its contact erased. */
static void allow_refuses_other_regions(void)
{
	net n;
	char id[FS_UUID_LEN + 1], cid[FS_ID_MAX + 1];
	int asked = 0;
	fs_resolve_hooks south = {south_only, NULL, &asked};
	fs_erase_result er;
	fs_err e = {0, ""};

	net_open(&n);
	make_conflict(&n, id, cid);
	CHECK(fs_conflict_resolve(n.hub, cid, FS_RESOLVE_WINNER, NULL, &south, NULL, E(&e)) ==
	      FS_ENOTFOUND);
	CHECK(asked == 1 && strcmp(e.msg, "not visible") == 0 && resolutions_at(n.hub) == 0);
	CHECK(fs_conflict_resolve(n.hub, cid, FS_RESOLVE_WINNER, NULL, NULL, NULL, E(&e)) == 0);
	CHECK(fs_conflict_resolve(n.hub, cid, FS_RESOLVE_WINNER, NULL, &south, NULL, E(&e)) ==
	      FS_ENOTFOUND);
	CHECK(asked == 2 && strcmp(e.msg, "not visible") == 0);
	CHECK(fs_erase_contact(n.hub, id, FS_ERASE_ADMIN, &er, &e) == 0);
	CHECK(fs_conflict_resolve(n.hub, cid, FS_RESOLVE_WINNER, NULL, &south, NULL, E(&e)) ==
	      FS_ENOTFOUND);
	CHECK(asked == 3 && strcmp(e.msg, "not visible") == 0);
	net_close(&n);
}

/* Keep the loser: both kiosks hold it, the conflict is closed at every
 * store; south hears nothing; twice is refused. */
static void keep_loser_replicates(void)
{
	net n;
	char id[FS_UUID_LEN + 1], cid[FS_ID_MAX + 1];
	hook_run h = {0, 0, {{0}}};
	fs_resolve_hooks hk = {NULL, hook, &h};
	fs_resolution r;
	fs_err e = {0, ""};
	json_t *list = NULL, *item, *side;
	fs_hlc wh = 0, lh = 0;

	net_open(&n);
	make_conflict(&n, id, cid);
	CHECK(open_at(n.hub) == 1 && open_at(n.a) == 1 && open_at(n.b) == 1);
	CHECK(fs_conflict_select(n.hub, NULL, &list, NULL) == 0);
	item = json_array_get(list, 0);
	CHECK(json_is_null(json_object_get(item, "resolution")));
	side = json_object_get(item, "current");
	CHECK(strcmp(json_string_value(json_object_get(side, "value")), "ZQB met at the drop-in") == 0);
	fs_hlc_parse(&wh, json_string_value(json_object_get(json_object_get(item, "winner"), "hlc")),
		     NULL);
	fs_hlc_parse(&lh, json_string_value(json_object_get(json_object_get(item, "loser"), "hlc")),
		     NULL);
	json_decref(list);

	CHECK_MSG(fs_conflict_resolve(n.hub, cid, FS_RESOLVE_LOSER, NULL, &hk, &r, E(&e)) == 0,
		  "%s", e.msg);
	CHECK(h.calls == 1 && strcmp(h.seen.conflict, cid) == 0 && h.seen.chosen == FS_RESOLVE_LOSER);
	CHECK(strcmp(r.contact, id) == 0 && strcmp(r.field, "notes") == 0 &&
	      strcmp(r.region, "north") == 0 && strcmp(r.site, fs_store_site(n.hub)) == 0);
	CHECK(r.hlc > wh && r.hlc > lh);
	CHECK(notes_are(n.hub, id, "\"ZQA called back\""));
	CHECK(open_at(n.hub) == 0 && resolutions_at(n.hub) == 1);

	/* Twice: refused, saying how it was resolved; nothing more written. */
	CHECK(fs_conflict_resolve(n.hub, cid, FS_RESOLVE_WINNER, NULL, &hk, NULL, E(&e)) ==
	      FS_ECONFLICT);
	CHECK(strstr(e.msg, "already resolved (kept the loser") != NULL);
	CHECK(h.calls == 1 && notes_are(n.hub, id, "\"ZQA called back\""));

	sync_all(&n);
	CHECK(notes_are(n.a, id, "\"ZQA called back\"") && notes_are(n.b, id, "\"ZQA called back\""));
	CHECK(open_at(n.a) == 0 && open_at(n.b) == 0 && resolutions_at(n.a) == 1 &&
	      resolutions_at(n.b) == 1);
	/* The kiosk's own listing says how. */
	CHECK(fs_conflict_select(n.a, NULL, &list, NULL) == 0 && json_array_size(list) == 1);
	item = json_object_get(json_array_get(list, 0), "resolution");
	CHECK(strcmp(json_string_value(json_object_get(item, "chosen")), "loser") == 0 &&
	      strcmp(json_string_value(json_object_get(item, "value")), "ZQA called back") == 0);
	json_decref(list);
	{
		fs_conflict_filter open = {1, NULL, -1}, south = {0, "south", -1};

		CHECK(fs_conflict_select(n.a, &open, &list, NULL) == 0 && json_array_size(list) == 0);
		json_decref(list);
		CHECK(fs_conflict_select(n.hub, &south, &list, NULL) == 0 &&
		      json_array_size(list) == 0);
		json_decref(list);
	}
	/* South: no conflict, no resolution. */
	CHECK(resolutions_at(n.c) == 0 && open_at(n.c) == 0);
	net_close(&n);
}

/* b's edit made offline before the resolution loses to it and is a new
 * conflict; a's edit after it wins, with no conflict. A new value. */
static void before_loses_after_wins(void)
{
	net n;
	char id[FS_UUID_LEN + 1], cid[FS_ID_MAX + 1], cid2[FS_ID_MAX + 1];
	fs_conflict_filter open = {1, NULL, -1};
	json_t *list = NULL, *v;
	fs_err e = {0, ""};

	net_open(&n);
	make_conflict(&n, id, cid);
	CHECK(edit(n.b, id, "notes", "ZQLATE before") == 0);
	n.clk.ms += 10;
	CHECK(fs_conflict_resolve(n.hub, cid, FS_RESOLVE_WINNER, NULL, NULL, NULL, E(&e)) == 0);
	sync_all(&n);
	CHECK(notes_are(n.hub, id, "\"ZQB met at the drop-in\""));
	CHECK(notes_are(n.a, id, "\"ZQB met at the drop-in\"") &&
	      notes_are(n.b, id, "\"ZQB met at the drop-in\""));
	CHECK(fs_conflict_select(n.hub, &open, &list, NULL) == 0 && json_array_size(list) == 1);
	snprintf(cid2, sizeof(cid2), "%s",
		 json_string_value(json_object_get(json_array_get(list, 0), "id")));
	CHECK(strcmp(cid2, cid) != 0);
	CHECK(strcmp(json_string_value(json_object_get(
			     json_object_get(json_array_get(list, 0), "loser"), "value")),
		     "ZQLATE before") == 0);
	json_decref(list);
	CHECK(open_at(n.a) == 1 && open_at(n.b) == 1);

	v = json_string("ZQNEW both");
	CHECK_MSG(fs_conflict_resolve(n.hub, cid2, FS_RESOLVE_NEW, v, NULL, NULL, E(&e)) == 0,
		  "%s", e.msg);
	json_decref(v);
	sync_all(&n);
	CHECK(notes_are(n.a, id, "\"ZQNEW both\"") && notes_are(n.b, id, "\"ZQNEW both\""));
	CHECK(open_at(n.a) == 0 && open_at(n.b) == 0 && open_at(n.hub) == 0);

	/* After the resolution: a's edit wins everywhere, no conflict. */
	n.clk.ms += 1000;
	CHECK(edit(n.a, id, "notes", "ZQAFTER") == 0);
	sync_all(&n);
	CHECK(notes_are(n.hub, id, "\"ZQAFTER\"") && notes_are(n.b, id, "\"ZQAFTER\""));
	CHECK(open_at(n.hub) == 0 && open_at(n.a) == 0 && open_at(n.b) == 0);
	net_close(&n);
}

/* The value is checked like a worker's edit, before anything is written;
 * a failing hook rolls everything back. */
static void refusals_write_nothing(void)
{
	net n;
	char id[FS_UUID_LEN + 1], cid[FS_ID_MAX + 1], other[FS_ID_MAX + 1];
	hook_run h = {0, 1, {{0}}};
	fs_resolve_hooks hk = {NULL, hook, &h};
	fs_err e = {0, ""};
	json_t *num = json_integer(12), *text = json_string("ZQNEWVALUE");

	net_open(&n);
	make_conflict(&n, id, cid);
	CHECK(fs_conflict_resolve(n.hub, cid, FS_RESOLVE_NEW, num, NULL, NULL, E(&e)) ==
	      FS_EINVAL);
	CHECK(strstr(e.msg, "field \"notes\"") != NULL);
	CHECK(fs_conflict_resolve(n.hub, cid, FS_RESOLVE_NEW, NULL, NULL, NULL, E(&e)) ==
	      FS_EINVAL);
	CHECK(fs_conflict_resolve(n.hub, cid, FS_RESOLVE_WINNER, text, NULL, NULL, E(&e)) ==
	      FS_EINVAL);
	CHECK(fs_conflict_resolve(n.hub, "nonsense", FS_RESOLVE_WINNER, NULL, NULL, NULL,
				  &e) == FS_EINVAL);
	snprintf(other, sizeof(other), "%s", cid);
	memcpy(strrchr(other, '/') + 1, "kx", 3);
	CHECK(fs_conflict_resolve(n.hub, other, FS_RESOLVE_WINNER, NULL, NULL, NULL, E(&e)) ==
	      FS_ENOTFOUND);
	CHECK_MSG(strstr(e.msg, "no conflict") != NULL, "%s", e.msg);
	/* A kiosk cannot resolve. */
	CHECK(fs_conflict_resolve(n.a, cid, FS_RESOLVE_WINNER, NULL, NULL, NULL, E(&e)) ==
	      FS_EINVAL);
	CHECK(strstr(e.msg, "at the hub only") != NULL);
	/* The hook fails: no field write, no row, nothing for the kiosks. */
	CHECK(fs_conflict_resolve(n.hub, cid, FS_RESOLVE_NEW, text, &hk, NULL, E(&e)) ==
	      FS_EGENERIC);
	CHECK(h.calls == 1 && strstr(e.msg, "on purpose") != NULL);
	CHECK(resolutions_at(n.hub) == 0 && open_at(n.hub) == 1);
	CHECK(notes_are(n.hub, id, "\"ZQB met at the drop-in\""));
	CHECK(test_sync(n.a, n.hub, NULL) == 0);
	CHECK(notes_are(n.a, id, "\"ZQB met at the drop-in\"") && open_at(n.a) == 1);
	/* And the same resolution then goes through. */
	h.fail = 0;
	CHECK(fs_conflict_resolve(n.hub, cid, FS_RESOLVE_NEW, text, &hk, NULL, E(&e)) == 0);
	CHECK(h.calls == 2 && notes_are(n.hub, id, "\"ZQNEWVALUE\""));
	json_decref(num);
	json_decref(text);
	net_close(&n);
}

/* The field changed after the conflict by a write that is neither side:
 * keeping a side is refused (it would overwrite that value unseen); a new
 * value is not. */
static void changed_since(void)
{
	net n;
	char id[FS_UUID_LEN + 1], cid[FS_ID_MAX + 1];
	json_t *v = json_string("ZQNEWER");
	fs_err e = {0, ""};

	net_open(&n);
	make_conflict(&n, id, cid);
	n.clk.ms += 1000;
	CHECK(edit(n.a, id, "notes", "ZQTHIRD") == 0 && test_sync(n.a, n.hub, NULL) == 0);
	CHECK(notes_are(n.hub, id, "\"ZQTHIRD\""));
	CHECK(fs_conflict_resolve(n.hub, cid, FS_RESOLVE_WINNER, NULL, NULL, NULL, E(&e)) ==
	      FS_ECONFLICT);
	CHECK(strstr(e.msg, "changed after the conflict") != NULL);
	CHECK(fs_conflict_resolve(n.hub, cid, FS_RESOLVE_LOSER, NULL, NULL, NULL, E(&e)) ==
	      FS_ECONFLICT);
	CHECK(notes_are(n.hub, id, "\"ZQTHIRD\"") && resolutions_at(n.hub) == 0);
	CHECK(fs_conflict_resolve(n.hub, cid, FS_RESOLVE_NEW, v, NULL, NULL, E(&e)) == 0);
	CHECK(notes_are(n.hub, id, "\"ZQNEWER\""));
	json_decref(v);
	net_close(&n);
}

/* A kiosk may never send a resolution: the whole set is refused (403). */
static void kiosk_sending_resolution_is_refused(void)
{
	net n;
	char id[FS_UUID_LEN + 1], cid[FS_ID_MAX + 1];
	fs_changeset cs, rx;
	fs_change c;
	fs_err e = {0, ""};

	net_open(&n);
	make_conflict(&n, id, cid);
	fs_changeset_init(&cs);
	snprintf(cs.site, sizeof(cs.site), "%s", fs_store_site(n.a));
	memset(&c, 0, sizeof(c));
	c.table = FS_TABLE_RESOLUTIONS;
	snprintf(c.id, sizeof(c.id), "%s", cid);
	snprintf(c.site, sizeof(c.site), "%s", fs_store_site(n.a));
	snprintf(c.region, sizeof(c.region), "north");
	c.hlc = fs_hlc_make(n.clk.ms, 0);
	c.value = json_pack("{s:s, s:s}", "chosen", "new", "value", "ZQFORGED");
	CHECK(fs_changeset_add(&cs, &c, &e) == 0);
	CHECK(test_transfer(&rx, &cs, &e) == 0 && rx.count == 1);
	CHECK(fs_sync_hub_receive(n.hub, &rx, fs_store_site(n.a), "north", NULL, &e) ==
	      FS_EFORBIDDEN);
	CHECK(strstr(e.msg, "may not write resolutions") != NULL);
	CHECK(resolutions_at(n.hub) == 0 && open_at(n.hub) == 1);
	/* Nor from a trusted upstream once the contact is erased there: the
	 * resolution of an erased contact is dropped. */
	{
		fs_erase_result er;
		fs_merge_result m;

		CHECK(fs_erase_contact(n.hub, id, FS_ERASE_ADMIN, &er, &e) == 0);
		CHECK(test_sync(n.b, n.hub, NULL) == 0);
		snprintf(rx.site, sizeof(rx.site), "hub");
		snprintf(rx.changes[0].site, sizeof(rx.changes[0].site), "hub");
		CHECK(fs_sync_kiosk_receive(n.b, &rx, "hub", &m, &e) == 0);
		CHECK(m.erased_dropped == 1 && m.applied == 0 && resolutions_at(n.b) == 0);
	}
	fs_changeset_free(&cs);
	fs_changeset_free(&rx);
	net_close(&n);
}

/* An erased contact's conflicts cannot be resolved; erasing a contact
 * takes the resolutions of its conflicts, at the hub and the kiosks. */
static void erasure_takes_resolutions(void)
{
	net n;
	char id[FS_UUID_LEN + 1], cid[FS_ID_MAX + 1];
	fs_erase_result er;
	fs_err e = {0, ""};

	net_open(&n);
	make_conflict(&n, id, cid);
	CHECK(fs_conflict_resolve(n.hub, cid, FS_RESOLVE_LOSER, NULL, NULL, NULL, E(&e)) == 0);
	sync_all(&n);
	CHECK(resolutions_at(n.a) == 1 && resolutions_at(n.b) == 1);
	CHECK(fs_erase_contact(n.hub, id, FS_ERASE_ADMIN, &er, &e) == 0);
	CHECK(resolutions_at(n.hub) == 0);
	CHECK(fs_conflict_resolve(n.hub, cid, FS_RESOLVE_WINNER, NULL, NULL, NULL, E(&e)) ==
	      FS_ENOTFOUND);
	CHECK(strstr(e.msg, "was erased") != NULL);
	sync_all(&n);
	CHECK(resolutions_at(n.a) == 0 && resolutions_at(n.b) == 0);
	net_close(&n);
}

/* Retention deletes a resolution with its conflict; a whole-store copy
 * carries resolutions verbatim. */
static void retention_and_copy(void)
{
	net n;
	char id[FS_UUID_LEN + 1], cid[FS_ID_MAX + 1], path[256];
	fs_retention_table t[1] = {FS_RETENTION_CONFLICTS};
	long d[1] = {3};
	fs_retention_hub_result rr;
	fs_copy_result cr;
	fs_store *copy;
	fs_err e = {0, ""};

	net_open(&n);
	make_conflict(&n, id, cid);
	CHECK(fs_conflict_resolve(n.hub, cid, FS_RESOLVE_LOSER, NULL, NULL, NULL, E(&e)) == 0);
	{
		fs_store_options o = {NULL, NULL, 1, 0};

		snprintf(path, sizeof(path), "%s/copy%d.db", dir, nstore);
		CHECK_MSG(fs_store_open_with(&copy, path, &o, &e) == 0, "%s", e.msg);
	}
	CHECK_MSG(fs_store_copy(n.hub, copy, NULL, NULL, &cr, &e) == 0, "%s", e.msg);
	CHECK(cr.census.rows[FS_CENSUS_RESOLUTIONS] == 1 && resolutions_at(copy) == 1);
	fs_store_close(copy);

	CHECK(fs_retention_set(n.hub, t, d, 1, &e) == 0);
	n.clk.ms += 3 * DAY + 60000;
	CHECK_MSG(fs_retention_hub_purge(n.hub, &rr, &e) == 0, "%s", e.msg);
	CHECK(rr.conflicts == 1 && resolutions_at(n.hub) == 0 && open_at(n.hub) == 0);
	net_close(&n);
}

int main(int argc, char **argv)
{
	if (argc < 2 || argc > 3) {
		fprintf(stderr, "usage: resolve_test DIR [POSTGRESQL-URI]\n");
		return 2;
	}
	dir = argv[1];
	pg_uri = argc == 3 ? argv[2] : NULL;
	RUN(keep_loser_replicates);
	RUN(before_loses_after_wins);
	RUN(refusals_write_nothing);
	RUN(changed_since);
	RUN(kiosk_sending_resolution_is_refused);
	RUN(erasure_takes_resolutions);
	RUN(retention_and_copy);
	RUN(allow_refuses_other_regions);
	return TEST_DONE();
}
