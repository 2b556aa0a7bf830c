/* Contacts as the hub console reads and writes them, in process: a hub
 * (SQLite, or PostgreSQL when a URI is given) and SQLite kiosks of north
 * and south over the in-process transport. fs_contact_each visits every
 * contact of a region (or all) once, by id, as fs_contact_get gives it,
 * deleted ones left out, with the time its status was written, and stops
 * at the visitor's code; fs_contact_follow_up is the kiosk's rule (open,
 * not done, by date against today); a notes and status write at the hub
 * (fs_contact_put, the hub's clock) reaches the kiosks of the contact's
 * region and not another region's, the other fields unchanged.
 *
 * usage: contacts_test DIR [POSTGRESQL-URI] */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fieldsync/records.h"
#include "test.h"
#include "test_stores.h"

static const char *dir;
static const char *pg_uri; /* NULL: the hub is SQLite */
static int nstore;

typedef struct net {
	test_clock clk;
	fs_store *hub, *a, *b, *c; /* a, b: north; c: south */
} net;

static void net_open(net *n)
{
	char name[32];

	n->clk.ms = 1795770000000ull;
	nstore++;
	snprintf(name, sizeof(name), "chub%d", nstore);
	n->hub = test_store_named(pg_uri, dir, name, "hub", NULL, &n->clk);
	snprintf(name, sizeof(name), "cka%d", nstore);
	n->a = test_store(dir, name, "north", &n->clk);
	snprintf(name, sizeof(name), "ckb%d", nstore);
	n->b = test_store(dir, name, "north", &n->clk);
	snprintf(name, sizeof(name), "ckc%d", nstore);
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
	CHECK(test_sync(n->c, n->hub, NULL) == 0);
	CHECK(test_sync(n->b, n->hub, NULL) == 0);
	CHECK(test_sync(n->a, n->hub, NULL) == 0);
}

static void add(fs_store *s, char id[FS_UUID_LEN + 1], const char *ref, const char *extra_json)
{
	json_t *f = json_pack("{s:s, s:s, s:s, s:s, s:s}", "person_ref", ref, "contact_at",
	                      "2026-11-27T10:00:00Z", "channel", "phone", "worker", "w1", "notes",
	                      "ZQNOTE first");
	json_t *extra = json_loads(extra_json, 0, NULL);
	fs_err e = {0, ""};

	CHECK(f != NULL && extra != NULL && json_object_update(f, extra) == 0);
	CHECK_MSG(fs_contact_put(s, id, NULL, NULL, f, &e) == 0, "%s", e.msg);
	json_decref(f);
	json_decref(extra);
}

typedef struct seen {
	json_t *ids;        /* in visit order */
	uint64_t status[8]; /* status_ms of each */
	int stop_after;     /* 0: never */
	int bad;            /* contacts visited without their fields */
} seen;

static int visit(void *ctx, const json_t *contact, uint64_t status_ms)
{
	seen *s = ctx;
	size_t i = json_array_size(s->ids);

	json_array_append(s->ids, json_object_get(contact, "id"));
	if (i < 8)
		s->status[i] = status_ms;
	/* As fs_contact_get gives it: the fields are there. */
	if (!json_is_string(json_object_get(contact, "person_ref")) ||
	    !json_is_string(json_object_get(contact, "region")))
		s->bad++;
	if (s->stop_after > 0 && (int)json_array_size(s->ids) == s->stop_after)
		return 42;
	return 0;
}

static void each_visits_once_by_id(void)
{
	net n;
	char x[FS_UUID_LEN + 1], y[FS_UUID_LEN + 1], z[FS_UUID_LEN + 1], gone[FS_UUID_LEN + 1];
	seen s = {json_array(), {0}, 0, 0};
	json_t *list = NULL;
	fs_err e = {0, ""};
	size_t i;

	net_open(&n);
	add(n.a, x, "ZQX", "{}");
	n.clk.ms += 1000;
	add(n.a, y, "ZQY", "{\"status\": \"closed\"}");
	n.clk.ms += 1000;
	add(n.c, z, "ZQZ", "{}");
	add(n.a, gone, "ZQGONE", "{}");
	CHECK(fs_contact_delete(n.a, gone, NULL) == 0);
	sync_all(&n);

	/* All regions, as fs_contact_list orders them. */
	CHECK_MSG(fs_contact_each(n.hub, NULL, visit, &s, &e) == 0, "%s", e.msg);
	CHECK(fs_contact_list(n.hub, &list, NULL, 0, NULL) == 0);
	CHECK(json_array_size(s.ids) == 3 && json_array_size(list) == 3 && s.bad == 0);
	for (i = 0; i < json_array_size(list); i++)
		CHECK(json_equal(json_array_get(s.ids, i),
		                 json_object_get(json_array_get(list, i), "id")));
	json_decref(list);
	/* The status times: when each was written at its kiosk. */
	for (i = 0; i < 3; i++) {
		const char *id = json_string_value(json_array_get(s.ids, i));
		uint64_t want = strcmp(id, x) == 0   ? 1795770000000ull
		                : strcmp(id, y) == 0 ? 1795770001000ull
		                                     : 1795770002000ull;

		CHECK_MSG(s.status[i] == want, "status of %s at %llu, want %llu", id,
		          (unsigned long long)s.status[i], (unsigned long long)want);
	}

	/* One region. */
	json_array_clear(s.ids);
	CHECK(fs_contact_each(n.hub, "south", visit, &s, NULL) == 0);
	CHECK(json_array_size(s.ids) == 1 &&
	      strcmp(json_string_value(json_array_get(s.ids, 0)), z) == 0);
	json_array_clear(s.ids);
	CHECK(fs_contact_each(n.hub, "east", visit, &s, NULL) == 0 && json_array_size(s.ids) == 0);

	/* The visitor's code stops the pass and is returned as is. */
	json_array_clear(s.ids);
	s.stop_after = 1;
	CHECK(fs_contact_each(n.hub, NULL, visit, &s, NULL) == 42 && json_array_size(s.ids) == 1);
	json_array_clear(s.ids);
	s.stop_after = 3;
	CHECK(fs_contact_each(n.hub, NULL, visit, &s, NULL) == 42 && json_array_size(s.ids) == 3);
	json_decref(s.ids);
	net_close(&n);
}

/* The rule on a contact written as JSON (-1 when it is not JSON). */
static int due(const char *json, const char *today)
{
	json_t *c = json_loads(json, 0, NULL);
	int f = c != NULL ? (int)fs_contact_follow_up(c, today) : -1;

	json_decref(c);
	return f;
}

static void follow_up_rule(void)
{
	const char *t = "2026-12-02";

	CHECK(due("{\"follow_up_date\": \"2026-12-01\", \"status\": \"open\"}", t) ==
	      FS_FOLLOW_UP_OVERDUE);
	CHECK(due("{\"follow_up_date\": \"2025-12-30\"}", t) == FS_FOLLOW_UP_OVERDUE);
	CHECK(due("{\"follow_up_date\": \"2026-12-02\", \"follow_up_done\": false}", t) ==
	      FS_FOLLOW_UP_TODAY);
	CHECK(due("{\"follow_up_date\": \"2026-12-03\"}", t) == FS_FOLLOW_UP_LATER);
	/* Done, closed, or no date: none. */
	CHECK(due("{\"follow_up_date\": \"2026-12-01\", \"follow_up_done\": true}", t) ==
	      FS_FOLLOW_UP_NONE);
	CHECK(due("{\"follow_up_date\": \"2026-12-01\", \"status\": \"closed\"}", t) ==
	      FS_FOLLOW_UP_NONE);
	CHECK(due("{\"follow_up_date\": null}", t) == FS_FOLLOW_UP_NONE);
	CHECK(due("{}", t) == FS_FOLLOW_UP_NONE);
	CHECK(due("{\"follow_up_date\": \"2026-12-01\"}", NULL) == FS_FOLLOW_UP_NONE);
}

static void hub_edit_reaches_region(void)
{
	net n;
	char id[FS_UUID_LEN + 1], out[FS_UUID_LEN + 1];
	json_t *f = json_pack("{s:s, s:s}", "notes", "ZQHUB called back", "status", "closed");
	json_t *at = NULL;
	fs_err e = {0, ""};

	net_open(&n);
	add(n.a, id, "ZQREF", "{\"support\": \"ZQSUPPORT\"}");
	sync_all(&n);
	n.clk.ms += 5000;
	CHECK_MSG(fs_contact_put(n.hub, out, id, NULL, f, &e) == 0, "%s", e.msg);
	json_decref(f);
	sync_all(&n);
	CHECK(fs_contact_get(n.b, &at, id, NULL) == 0);
	CHECK(at != NULL &&
	      strcmp(json_string_value(json_object_get(at, "notes")), "ZQHUB called back") == 0 &&
	      strcmp(json_string_value(json_object_get(at, "status")), "closed") == 0 &&
	      strcmp(json_string_value(json_object_get(at, "support")), "ZQSUPPORT") == 0 &&
	      strcmp(json_string_value(json_object_get(at, "region")), "north") == 0);
	json_decref(at);
	at = NULL;
	CHECK(fs_contact_get(n.a, &at, id, NULL) == 0);
	CHECK(at != NULL &&
	      strcmp(json_string_value(json_object_get(at, "notes")), "ZQHUB called back") == 0);
	json_decref(at);
	at = NULL;
	CHECK(fs_contact_get(n.c, &at, id, NULL) == FS_ENOTFOUND);
	net_close(&n);
}

int main(int argc, char **argv)
{
	if (argc < 2 || argc > 3) {
		fprintf(stderr, "usage: contacts_test DIR [POSTGRESQL-URI]\n");
		return 2;
	}
	dir = argv[1];
	pg_uri = argc == 3 ? argv[2] : NULL;
	RUN(each_visits_once_by_id);
	RUN(follow_up_rule);
	RUN(hub_edit_reaches_region);
	return TEST_DONE();
}
