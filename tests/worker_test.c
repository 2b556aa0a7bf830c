/* The region's outreach workers (worker.h) in process: a hub (SQLite, or
 * PostgreSQL when a URI is given) and SQLite kiosks of two regions over the
 * in-process transport. The rules (names, PINs, hashes), the hub's writes,
 * region scoping (a kiosk of north never receives south's), removal and
 * adding back (last writer wins, the tombstone replicates), merge in any
 * order and idempotence, a kiosk that sends a worker row (refused, 403), a
 * worker row of another region reaching a kiosk (quarantined, without its
 * hash), a kiosk's store refusing to manage workers, and the decode rules.
 *
 * usage: worker_test DIR [POSTGRESQL-URI] */
#include <libpq-fe.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fieldsync/merge.h"
#include "fieldsync/pg.h"
#include "fieldsync/worker.h"
#include "test.h"
#include "testutil.h"

static const char *dir;
static const char *pg_uri; /* NULL: the hub is SQLite */
static int nstore;

typedef struct net {
	test_clock clk;
	fs_store *hub, *a, *b, *c; /* a, b: north; c: south */
} net;

static int pg_exec_sql(const char *sql)
{
	PGconn *c = PQconnectdb(pg_uri);
	PGresult *r = PQexec(c, sql);
	int ok = PQresultStatus(r) == PGRES_COMMAND_OK;

	if (!ok)
		fprintf(stderr, "%s: %s", sql, PQerrorMessage(c));
	PQclear(r);
	PQfinish(c);
	return ok ? 0 : -1;
}

static fs_store *hub_open(net *n)
{
	fs_store_options o = {NULL, NULL, 1, 0};
	char loc[1024], name[32], sql[64];
	fs_store *s = NULL;
	fs_err e = {0, ""};

	snprintf(name, sizeof(name), "whub%d", nstore);
	if (pg_uri == NULL)
		return test_store(dir, name, NULL, &n->clk);
	snprintf(sql, sizeof(sql), "CREATE SCHEMA %s", name);
	if (pg_exec_sql(sql) != 0)
		exit(2);
	snprintf(loc, sizeof(loc), "%s%soptions=-csearch_path%%3D%s", pg_uri,
		 strchr(pg_uri, '?') ? "&" : "?", name);
	o.backend = &fs_pg_backend;
	o.registry = &fs_pg_registry;
	if (fs_store_open_with(&s, loc, &o, &e) != 0 ||
	    fs_store_set_identity(s, "hub", NULL, &e) != 0) {
		fprintf(stderr, "hub on PostgreSQL: %s\n", e.msg);
		exit(2);
	}
	fs_store_set_wallclock(s, test_clock_read, &n->clk);
	return s;
}

static void net_open(net *n)
{
	char name[32];

	n->clk.ms = 1795770000000ull;
	nstore++;
	n->hub = hub_open(n);
	snprintf(name, sizeof(name), "wa%d", nstore);
	n->a = test_store(dir, name, "north", &n->clk);
	snprintf(name, sizeof(name), "wb%d", nstore);
	n->b = test_store(dir, name, "north", &n->clk);
	snprintf(name, sizeof(name), "wc%d", nstore);
	n->c = test_store(dir, name, "south", &n->clk);
}

static void net_close(net *n)
{
	fs_store_close(n->hub);
	fs_store_close(n->a);
	fs_store_close(n->b);
	fs_store_close(n->c);
}

/* One hash for the tests: hashing costs 64 MiB and a tenth of a second. */
static char hash_246813[FS_WORKER_HASH_MAX + 1], hash_135792[FS_WORKER_HASH_MAX + 1];

static void hashes_ready(void)
{
	fs_err e = {0, ""};

	if (hash_246813[0] == '\0' && (fs_worker_pin_hash(hash_246813, "246813", &e) != 0 ||
				      fs_worker_pin_hash(hash_135792, "135792", &e) != 0)) {
		fprintf(stderr, "hash: %s\n", e.msg);
		exit(2);
	}
}

/* The live hash of (region, name) at s, "" when none, "-" when removed. */
static const char *hash_at(fs_store *s, const char *region, const char *name)
{
	static fs_worker w;
	int rc = fs_worker_get(s, &w, region, name, NULL);

	if (rc == FS_ENOTFOUND)
		return "";
	if (rc != 0)
		return "error";
	return w.removed ? "-" : w.pin_hash;
}

static void rules_names_pins_hashes(void)
{
	char h[FS_WORKER_HASH_MAX + 1], odd[256];
	fs_err e = {0, ""};

	hashes_ready();
	CHECK(fs_worker_name_is_valid("sam") && fs_worker_name_is_valid("A.b_c-9"));
	CHECK(!fs_worker_name_is_valid("") && !fs_worker_name_is_valid("a b") &&
	      !fs_worker_name_is_valid("sam/1") && !fs_worker_name_is_valid(NULL));
	memset(odd, 'a', 65);
	odd[65] = '\0';
	CHECK(!fs_worker_name_is_valid(odd));
	odd[64] = '\0';
	CHECK(fs_worker_name_is_valid(odd));
	CHECK(fs_worker_pin_is_valid("1234") && !fs_worker_pin_is_valid("123"));
	CHECK(fs_worker_new_pin_is_valid("123456") && !fs_worker_new_pin_is_valid("12345"));
	CHECK(fs_worker_new_pin_is_valid("123456789012") &&
	      !fs_worker_new_pin_is_valid("1234567890123") && !fs_worker_new_pin_is_valid("12345a"));
	CHECK(fs_worker_pin_hash(h, "12345", &e) == FS_EINVAL && strstr(e.msg, "12345") == NULL);
	CHECK(fs_worker_hash_is_valid(hash_246813));
	CHECK(fs_worker_pin_matches(hash_246813, "246813"));
	CHECK(!fs_worker_pin_matches(hash_246813, "246814"));
	CHECK(!fs_worker_pin_matches("$argon2id$nonsense", "246813"));
	CHECK(!fs_worker_hash_is_valid("246813") && !fs_worker_hash_is_valid(""));
	/* Other parameters (a costlier hash) are refused: one cost for every check. */
	snprintf(odd, sizeof(odd), "%s", hash_246813);
	{
		char *m = strstr(odd, "m=65536");

		CHECK(m != NULL);
		if (m != NULL)
			memcpy(m, "m=99999", 7);
	}
	CHECK(!fs_worker_hash_is_valid(odd));
}

/* Added at the hub: north's kiosks get the worker at their next sync,
 * south's never; the list holds no hash. */
static void hub_add_reaches_its_region_only(void)
{
	net n;
	fs_err e = {0, ""};
	json_t *list = NULL;
	int existed = -1;

	hashes_ready();
	net_open(&n);
	CHECK(fs_worker_set(n.hub, "north", "sam", hash_246813, &existed, &e) == 0 &&
	      existed == 0);
	CHECK(fs_worker_set(n.hub, "south", "ola", hash_135792, &existed, &e) == 0);
	CHECK(test_sync(n.a, n.hub, &e) == 0);
	CHECK(test_sync(n.c, n.hub, &e) == 0);
	CHECK_STR(hash_at(n.a, "north", "sam"), hash_246813);
	CHECK_STR(hash_at(n.a, "south", "ola"), "");
	CHECK_STR(hash_at(n.c, "south", "ola"), hash_135792);
	CHECK_STR(hash_at(n.c, "north", "sam"), "");
	/* Never sent: not merely dropped at the kiosk (nothing quarantined). */
	{
		fs_store_counts k;

		CHECK(fs_store_count(n.a, &k, &e) == 0 && k.quarantined == 0);
		CHECK(fs_store_count(n.c, &k, &e) == 0 && k.quarantined == 0);
	}
	CHECK(fs_worker_list(n.a, &list, NULL, 1, &e) == 0 && json_array_size(list) == 1);
	{
		char *text = json_dumps(list, 0);

		CHECK(text != NULL && strstr(text, "argon2") == NULL);
		free(text);
	}
	json_decref(list);
	CHECK(fs_worker_list(n.hub, &list, "north", 0, &e) == 0 && json_array_size(list) == 1);
	CHECK_STR(json_string_value(json_object_get(json_array_get(list, 0), "name")), "sam");
	json_decref(list);
	CHECK(fs_worker_list(n.hub, &list, NULL, 0, &e) == 0 && json_array_size(list) == 2);
	json_decref(list);
	net_close(&n);
}

/* A new PIN, a removal and adding back, each a later write that replaces
 * the row at every kiosk of the region, whether it synced in between or not. */
static void remove_and_add_back_last_writer_wins(void)
{
	net n;
	fs_err e = {0, ""};
	int existed = -1;

	hashes_ready();
	net_open(&n);
	CHECK(fs_worker_set(n.hub, "north", "sam", hash_246813, NULL, &e) == 0);
	CHECK(test_sync(n.a, n.hub, &e) == 0);
	CHECK(fs_worker_set(n.hub, "north", "sam", hash_135792, &existed, &e) == 0 &&
	      existed == 1);
	n.clk.ms += 1000;
	CHECK(test_sync(n.a, n.hub, &e) == 0);
	CHECK_STR(hash_at(n.a, "north", "sam"), hash_135792);
	CHECK(fs_worker_remove(n.hub, "north", "sam", &e) == 0);
	CHECK(fs_worker_remove(n.hub, "north", "sam", &e) == FS_ENOTFOUND);
	CHECK(fs_worker_remove(n.hub, "north", "nobody", &e) == FS_ENOTFOUND);
	CHECK(test_sync(n.a, n.hub, &e) == 0);
	CHECK_STR(hash_at(n.a, "north", "sam"), "-");
	/* B never synced: it gets the tombstone only (the rows are by seq). */
	CHECK(test_sync(n.b, n.hub, &e) == 0);
	CHECK_STR(hash_at(n.b, "north", "sam"), "-");
	CHECK(fs_worker_set(n.hub, "north", "sam", hash_246813, &existed, &e) == 0 &&
	      existed == 0);
	CHECK(test_sync(n.a, n.hub, &e) == 0 && test_sync(n.b, n.hub, &e) == 0);
	CHECK_STR(hash_at(n.a, "north", "sam"), hash_246813);
	CHECK_STR(hash_at(n.b, "north", "sam"), hash_246813);
	CHECK(test_digest(n.a, "north") == test_digest(n.b, "north"));
	net_close(&n);
}

/* The hub's worker changes merged at a kiosk in every order, and twice:
 * the greatest (hlc, site) stands. */
static void merge_any_order_idempotent(void)
{
	net n;
	fs_changeset all, rev;
	fs_merge_result r;
	fs_err e = {0, ""};
	size_t i;

	hashes_ready();
	net_open(&n);
	CHECK(fs_worker_set(n.hub, "north", "sam", hash_246813, NULL, &e) == 0);
	n.clk.ms += 10;
	CHECK(fs_worker_remove(n.hub, "north", "sam", &e) == 0);
	n.clk.ms += 10;
	CHECK(fs_worker_set(n.hub, "north", "kim", hash_246813, NULL, &e) == 0);
	n.clk.ms += 10;
	CHECK(fs_worker_set(n.hub, "north", "kim", hash_135792, NULL, &e) == 0);
	/* Every version, as separate changes (a hub's scan sends the last only). */
	fs_changeset_init(&all);
	fs_changeset_init(&rev);
	{
		fs_changes_filter f = {FS_TABLE_WORKERS, NULL, NULL, "north"};

		CHECK(fs_changes_read(n.hub, &all, 0, &f, 100, 1 << 20, &e) == 0 && all.count == 2);
	}
	/* An older write of kim, in front: it must lose to the newer one. */
	snprintf(rev.site, sizeof(rev.site), "%s", all.site);
	for (i = all.count; i-- > 0;) {
		fs_change c = all.changes[i];

		c.value = c.value ? json_incref(c.value) : NULL;
		CHECK(fs_changeset_add(&rev, &c, &e) == 0);
	}
	{
		fs_change old = all.changes[1];

		old.hlc -= 5;
		old.value = json_pack("{s:s}", "pin_hash", hash_246813);
		CHECK(fs_changeset_add(&rev, &old, &e) == 0);
	}
	CHECK(fs_merge_apply(n.a, &rev, NULL, &r, &e) == 0 && r.applied == 2 && r.unchanged == 1);
	CHECK(fs_merge_apply(n.a, &all, NULL, &r, &e) == 0 && r.applied == 0 && r.unchanged == 2);
	CHECK_STR(hash_at(n.a, "north", "sam"), "-");
	CHECK_STR(hash_at(n.a, "north", "kim"), hash_135792);
	/* The same hlc and site with another hash: quarantined, not applied. */
	{
		fs_changeset one;
		fs_change c = all.changes[1];

		fs_changeset_init(&one);
		snprintf(one.site, sizeof(one.site), "%s", all.site);
		c.value = json_pack("{s:s}", "pin_hash", hash_246813);
		CHECK(fs_changeset_add(&one, &c, &e) == 0);
		CHECK(fs_merge_apply(n.a, &one, NULL, &r, &e) == 0 && r.quarantined == 1);
		CHECK_STR(hash_at(n.a, "north", "kim"), hash_135792);
		fs_changeset_free(&one);
	}
	fs_changeset_free(&all);
	fs_changeset_free(&rev);
	net_close(&n);
}

/* A kiosk may never send a worker row (the whole set is refused, 403 at
 * the hub); a kiosk's store cannot manage workers; a row of another region
 * that reaches a kiosk is quarantined without its hash. */
static void kiosk_cannot_write_workers(void)
{
	net n;
	fs_changeset cs, rx;
	fs_change c;
	fs_merge_result r;
	fs_err e = {0, ""};
	fs_store_counts counts;

	hashes_ready();
	net_open(&n);
	CHECK(fs_worker_set(n.a, "north", "sam", hash_246813, NULL, &e) == FS_EINVAL);
	CHECK(strstr(e.msg, "managed at the hub") != NULL);
	CHECK(fs_worker_remove(n.a, "north", "sam", &e) == FS_EINVAL);
	CHECK(fs_worker_set(n.hub, "North", "sam", hash_246813, NULL, &e) == FS_EINVAL);
	CHECK(fs_worker_set(n.hub, "north", "s m", hash_246813, NULL, &e) == FS_EINVAL);
	CHECK(fs_worker_set(n.hub, "north", "sam", "246813", NULL, &e) == FS_EINVAL);

	fs_changeset_init(&cs);
	snprintf(cs.site, sizeof(cs.site), "%s", fs_store_site(n.a));
	memset(&c, 0, sizeof(c));
	c.table = FS_TABLE_WORKERS;
	snprintf(c.id, sizeof(c.id), "mallory");
	snprintf(c.region, sizeof(c.region), "north");
	snprintf(c.site, sizeof(c.site), "%s", fs_store_site(n.a));
	c.hlc = fs_hlc_make(n.clk.ms, 0);
	c.value = json_pack("{s:s}", "pin_hash", hash_246813);
	CHECK(fs_changeset_add(&cs, &c, &e) == 0);
	CHECK(test_transfer(&rx, &cs, &e) == 0 && rx.count == 1);
	memset(&e, 0, sizeof(e));
	CHECK(fs_sync_hub_receive(n.hub, &rx, fs_store_site(n.a), "north", NULL, &e) ==
	      FS_EFORBIDDEN);
	CHECK_MSG(strstr(e.msg, "may not write workers") != NULL, "%s", e.msg);
	CHECK_STR(hash_at(n.hub, "north", "mallory"), "");
	fs_changeset_free(&rx);

	/* As if a hub sent south's worker to a north kiosk. */
	snprintf(cs.site, sizeof(cs.site), "hub");
	snprintf(cs.changes[0].site, sizeof(cs.changes[0].site), "hub");
	snprintf(cs.changes[0].region, sizeof(cs.changes[0].region), "south");
	CHECK(fs_merge_apply(n.a, &cs, NULL, &r, &e) == 0 && r.quarantined == 1 && r.applied == 0);
	CHECK_STR(hash_at(n.a, "south", "mallory"), "");
	CHECK(fs_store_count(n.a, &counts, &e) == 0 && counts.quarantined == 1);
	fs_changeset_free(&cs);
	net_close(&n);
}

/* The wire form: a worker change decodes only with a valid name, region
 * and hash (or a tombstone), and round-trips. */
static void decode_rules(void)
{
	static const char *const bad[] = {
	    "{\"table\":\"workers\",\"id\":\"s m\",\"hlc\":\"0000000000010000\",\"site\":\"hub\","
	    "\"region\":\"north\",\"deleted\":true}",
	    "{\"table\":\"workers\",\"id\":\"sam\",\"hlc\":\"0000000000010000\",\"site\":\"hub\","
	    "\"deleted\":true}",
	    "{\"table\":\"workers\",\"id\":\"sam\",\"hlc\":\"0000000000010000\",\"site\":\"hub\","
	    "\"region\":\"north\"}",
	    "{\"table\":\"workers\",\"id\":\"sam\",\"hlc\":\"0000000000010000\",\"site\":\"hub\","
	    "\"region\":\"north\",\"worker\":{\"pin_hash\":\"246813\"}}",
	    "{\"table\":\"workers\",\"id\":\"sam\",\"hlc\":\"0000000000010000\",\"site\":\"hub\","
	    "\"region\":\"north\",\"worker\":{\"pin_hash\":\"x\",\"pin\":\"246813\"}}",
	    "{\"table\":\"workers\",\"id\":\"sam\",\"hlc\":\"0000000000010000\",\"site\":\"hub\","
	    "\"region\":\"north\",\"deleted\":true,\"field\":\"x\"}",
	};
	char text[1024];
	fs_changeset cs;
	fs_err e = {0, ""};
	fs_codec_limits lim;
	size_t i;

	hashes_ready();
	fs_codec_limits_default(&lim);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		snprintf(text, sizeof(text),
			 "{\"format\":\"fieldsync-changeset/1\",\"site\":\"hub\",\"from\":0,\"to\":1,"
			 "\"more\":false,\"time\":0,\"changes\":[%s]}",
			 bad[i]);
		CHECK_MSG(fs_changeset_decode(&cs, text, strlen(text), &lim, &e) == FS_EINVAL,
			  "case %zu", i);
	}
	snprintf(text, sizeof(text),
		 "{\"format\":\"fieldsync-changeset/1\",\"site\":\"hub\",\"from\":0,\"to\":1,"
		 "\"more\":false,\"time\":0,\"changes\":[{\"table\":\"workers\",\"id\":\"sam\","
		 "\"hlc\":\"0000000000010000\",\"site\":\"hub\",\"region\":\"north\","
		 "\"worker\":{\"pin_hash\":\"%s\"}}]}",
		 hash_246813);
	CHECK(fs_changeset_decode(&cs, text, strlen(text), &lim, &e) == 0 && cs.count == 1);
	CHECK(cs.changes[0].table == FS_TABLE_WORKERS && !cs.changes[0].deleted);
	CHECK_STR(cs.changes[0].region, "north");
	CHECK_STR(cs.changes[0].id, "sam");
	{
		fs_buf out;

		fs_buf_init(&out, 1 << 20);
		CHECK(fs_changeset_encode(&out, &cs, &e) == 0);
		CHECK(out.len == strlen(text) && memcmp(out.data, text, out.len) == 0);
		fs_buf_free(&out);
	}
	fs_changeset_free(&cs);
}

int main(int argc, char **argv)
{
	if (argc < 2 || argc > 3) {
		fprintf(stderr, "usage: worker_test DIR [POSTGRESQL-URI]\n");
		return 2;
	}
	dir = argv[1];
	pg_uri = argc == 3 ? argv[2] : NULL;
	RUN(rules_names_pins_hashes);
	RUN(hub_add_reaches_its_region_only);
	RUN(remove_and_add_back_last_writer_wins);
	RUN(merge_any_order_idempotent);
	RUN(kiosk_cannot_write_workers);
	RUN(decode_rules);
	return TEST_DONE();
}
