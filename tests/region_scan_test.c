/* Region-scoped change reading (issue 14; docs/design.md, "Change
 * tracking"): on a hub (SQLite, or PostgreSQL when a URI is given) holding
 * contacts, workers and offers of many regions, a region's read, whole and
 * cut into small batches that resume from each other's cursor, gives
 * exactly the changes of a full read that belong to the region (its own
 * rows, every-region rows and unscoped ones), in the same order, and ends
 * at the store's counter. On SQLite, each scoped scan with a region bound
 * is planned as a range of the (region, seq) indexes of
 * schema/011_region_seq.sql, not a walk of every region's writes.
 *
 * usage: region_scan_test DIR [POSTGRESQL-URI] */
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fieldsync/changes.h"
#include "fieldsync/offers.h"
#include "fieldsync/records.h"
#include "fieldsync/tables.h"
#include "fieldsync/worker.h"
#include "sqlite_backend.h"
#include "test.h"
#include "test_stores.h"

#define NREGIONS 30

static const char *dir;
static const char *pg_uri; /* NULL: the hub is SQLite */

/* A change as text: everything a kiosk receives of it. */
static char *change_text(const fs_change *c)
{
	char *v = c->value ? json_dumps(c->value, JSON_COMPACT | JSON_SORT_KEYS | JSON_ENCODE_ANY)
	                   : NULL;
	size_t n = 512 + (v ? strlen(v) : 0);
	char *out = malloc(n);

	snprintf(out, n, "%d|%s|%lld|%llu|%s|%d|%s|%s|%llu|%s|%s", (int)c->table, c->id,
	         (long long)c->version, (unsigned long long)c->hlc, c->site, c->deleted, c->region,
	         c->field, (unsigned long long)c->prev_hlc, c->prev_site, v ? v : "-");
	free(v);
	return out;
}

static void filled_hub(fs_store **out)
{
	static test_clock clk = {1795770000000ull};
	char hash[FS_WORKER_HASH_MAX + 1], region[16], name[16];
	fs_store *hub = test_store_named(pg_uri, dir, "hub", "hub", NULL, &clk);
	fs_err e = {0, ""};
	int round, r;

	*out = hub;
	CHECK(test_publish(hub, NULL) == 0);
	CHECK_MSG(fs_worker_pin_hash(hash, "482193", &e) == 0, "%s", e.msg);
	/* Rounds over the regions, so each region's rows are spread across
	 * the sequence between other regions'. */
	for (round = 0; round < 3; round++)
		for (r = 0; r < NREGIONS; r++) {
			char id[FS_UUID_LEN + 1];
			json_t *f = json_pack("{s:s, s:s, s:s, s:s, s:s}", "person_ref", "ZQX", "worker", "w1", "contact_at",
			                     "2026-11-27T10:00:00Z", "channel", "phone", "notes", "ZQNOTE");

			clk.ms += 10;
			snprintf(region, sizeof(region), "r%02d", r);
			CHECK_MSG(fs_contact_put(hub, id, NULL, region, f, &e) == 0, "%s", e.msg);
			json_decref(f);
			if (round == 0) {
				CHECK_MSG(fs_offer_set(hub, "visit", region, 1, NULL, &e) == 0, "%s",
				          e.msg);
				snprintf(name, sizeof(name), "w%d", r);
				CHECK_MSG(fs_worker_set(hub, region, name, hash, NULL, &e) == 0, "%s",
				          e.msg);
			}
			if (round == 1 && r % 10 == 0)
				CHECK_MSG(fs_offer_set(hub, "visit", NULL, r % 20 == 0, NULL, &e) == 0,
				          "%s", e.msg);
		}
}

/* The full read, kept to the changes region would receive. */
static void reference(fs_store *hub, const char *region, char **out, size_t cap, size_t *count)
{
	fs_changeset all;
	fs_err e = {0, ""};
	size_t i, n = 0;

	*count = 0;
	CHECK_MSG(fs_changes_read(hub, &all, 0, NULL, 100000, SIZE_MAX, &e) == 0, "%s", e.msg);
	CHECK(!all.more);
	for (i = 0; i < all.count && n < cap; i++) {
		const fs_change *c = &all.changes[i];

		if (c->region[0] == '\0' || strcmp(c->region, region) == 0)
			out[n++] = change_text(c);
	}
	fs_changeset_free(&all);
	*count = n;
}

static void same_as_full_read_filtered(void)
{
	enum { CAP = 4096 };
	fs_store *hub = NULL;
	static char *want[CAP];
	int64_t store_seq = 0;
	fs_err e = {0, ""};
	int r;

	filled_hub(&hub);
	CHECK(fs_store_seq(hub, &store_seq, NULL) == 0);
	for (r = 0; r < NREGIONS; r += 7) {
		fs_changes_filter f = {0, NULL, NULL, NULL};
		char region[16];
		size_t n, got = 0, i, batches = 0;
		int64_t cursor = 0;
		int more = 1;

		snprintf(region, sizeof(region), "r%02d", r);
		f.region = region;
		reference(hub, region, want, CAP, &n);
		CHECK(n > 3 * 2 + 1); /* its contacts' fields, its worker, offers */
		/* Small batches, cut by count and by size, each resuming at the
		 * cursor the last one returned. */
		while (more) {
			fs_changeset b;

			CHECK_MSG(fs_changes_read(hub, &b, cursor, &f, 5, 900, &e) == 0, "%s", e.msg);
			CHECK(b.from == cursor && b.to >= cursor);
			for (i = 0; i < b.count; i++) {
				char *t = change_text(&b.changes[i]);

				CHECK_MSG(got < n && strcmp(t, want[got]) == 0, "region %s change %zu: %s",
				          region, got, t);
				got++;
				free(t);
			}
			cursor = b.to;
			more = b.more;
			batches++;
			fs_changeset_free(&b);
			CHECK(batches < 10000);
		}
		CHECK_MSG(got == n, "region %s: %zu of %zu changes", region, got, n);
		CHECK(cursor == store_seq);
		CHECK(batches > 2);
		for (i = 0; i < n; i++)
			free(want[i]);
	}
	fs_store_close(hub);
}

/* What SQLite plans for a scan statement with a region bound. */
static void plan_of(sqlite3 *db, const char *sql, char *out, size_t len)
{
	char q[4096];
	sqlite3_stmt *st = NULL;

	out[0] = '\0';
	snprintf(q, sizeof(q), "EXPLAIN QUERY PLAN %s", sql);
	CHECK_MSG(sqlite3_prepare_v2(db, q, -1, &st, NULL) == SQLITE_OK, "%s", sqlite3_errmsg(db));
	sqlite3_bind_text(st, 5, "r01", -1, SQLITE_STATIC);
	while (sqlite3_step(st) == SQLITE_ROW) {
		size_t used = strlen(out);

		snprintf(out + used, len - used, "%s; ", (const char *)sqlite3_column_text(st, 3));
	}
	sqlite3_finalize(st);
}

static void scans_use_region_seq_indexes(void)
{
	static const struct {
		const char *sql, *want;
	} own[] = {
	    {NULL, "contacts_region"},
	    {NULL, "conflicts_region_seq (region=? AND seq>?)"},
	    {NULL, "erasures_region_seq (region=? AND seq>?)"},
	    {NULL, "resolutions_region_seq (region=? AND seq>?)"},
	};
	const char *sqls[] = {fs_sqlite_sql[FS_SQL_SCAN_CONTACTS], fs_sqlite_sql[FS_SQL_SCAN_CONFLICTS],
	                      fs_sqlite_sql[FS_SQL_SCAN_ERASURES],
	                      fs_sqlite_sql[FS_SQL_SCAN_RESOLUTIONS]};
	char path[512], plan[4096], rec[FS_RECORD_SQL_MAX];
	sqlite3 *db = NULL;
	size_t i;

	if (pg_uri != NULL)
		return;
	snprintf(path, sizeof(path), "%s/hub.db", dir);
	CHECK(sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL) == SQLITE_OK);
	for (i = 0; i < sizeof(sqls) / sizeof(sqls[0]); i++) {
		plan_of(db, sqls[i], plan, sizeof(plan));
		CHECK_MSG(strstr(plan, own[i].want) != NULL, "plan %s", plan);
	}
	fs_record_sql(rec, fs_table_desc_of(FS_TABLE_WORKERS), FS_RSQL_SCAN, 1);
	plan_of(db, rec, plan, sizeof(plan));
	CHECK_MSG(strstr(plan, "workers_region_seq (region=? AND seq>?)") != NULL, "plan %s", plan);
	fs_record_sql(rec, fs_table_desc_of(FS_TABLE_OFFERS), FS_RSQL_SCAN, 1);
	plan_of(db, rec, plan, sizeof(plan));
	CHECK_MSG(strstr(plan, "questionnaire_offers_target_seq (target=? AND seq>?)") != NULL,
	          "plan %s", plan);
	sqlite3_close(db);
}

int main(int argc, char **argv)
{
	if (argc < 2 || argc > 3) {
		fprintf(stderr, "usage: region_scan_test DIR [POSTGRESQL-URI]\n");
		return 2;
	}
	dir = argv[1];
	pg_uri = argc == 3 ? argv[2] : NULL;
	RUN(same_as_full_read_filtered);
	RUN(scans_use_region_seq_indexes);
	return TEST_DONE();
}
