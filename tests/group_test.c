/* Group commit (store.h fs_store_group_begin; hub/writer.h): several
 * kiosks' change sets merged in one transaction on a hub (SQLite, or
 * PostgreSQL when a URI is given). A set whose merge fails is undone alone
 * and the others are kept; the change counter has no gap or repeat (the
 * integrity check's sequence rule); a group rolled back, or not committed,
 * saves nothing; what a group committed is there after the store is
 * opened again.
 *
 * usage: group_test DIR [POSTGRESQL-URI] */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fieldsync/changes.h"
#include "fieldsync/records.h"
#include "fieldsync/sync.h"
#include "test.h"
#include "test_stores.h"

#define KIOSKS 4

static const char *dir;
static const char *pg_uri; /* NULL: the hub is SQLite */
static test_clock clk = {1795770000000ull};

/* Kiosk i's set: one new contact of region r1. */
static void kiosk_set(int i, fs_changeset *out)
{
	char name[16], id[FS_UUID_LEN + 1];
	fs_store *k;
	fs_err e = {0, ""};
	json_t *f = json_pack("{s:s, s:s, s:s, s:s}", "person_ref", "ZQX", "worker", "w1",
	                      "contact_at", "2026-11-27T10:00:00Z", "channel", "phone");

	snprintf(name, sizeof(name), "k%d", i);
	k = test_store_named(pg_uri, dir, name, name, "r1", &clk);
	clk.ms += 10;
	CHECK_MSG(fs_contact_put(k, id, NULL, NULL, f, &e) == 0, "%s", e.msg);
	CHECK_MSG(fs_changes_read(k, out, 0, NULL, 1000, SIZE_MAX, &e) == 0, "%s", e.msg);
	CHECK(out->count > 0);
	json_decref(f);
	fs_store_close(k);
}

static int refuse(void *ctx, fs_store *s, const fs_changeset *cs, fs_err *err)
{
	(void)ctx, (void)s, (void)cs;
	return fs_err_set(err, FS_EGENERIC, "refused by the test");
}

static int receive(fs_store *hub, int i, const fs_changeset *cs, fs_merge_hook hook)
{
	char site[16];
	fs_merge_result res;
	fs_err e = {0, ""};

	snprintf(site, sizeof(site), "k%d", i);
	return fs_sync_hub_receive_noted(hub, cs, site, "r1", -1, hook, NULL, &res, &e);
}

/* Changes at the hub written by kiosk i. */
static size_t from_kiosk(fs_store *hub, int i)
{
	char site[16];
	fs_changeset all;
	fs_err e = {0, ""};
	size_t n = 0, j;

	snprintf(site, sizeof(site), "k%d", i);
	if (fs_changes_read(hub, &all, 0, NULL, 100000, SIZE_MAX, &e) != 0) {
		fprintf(stderr, "read: %s\n", e.msg);
		return (size_t)-1;
	}
	for (j = 0; j < all.count; j++)
		n += strcmp(all.changes[j].site, site) == 0;
	fs_changeset_free(&all);
	return n;
}

static void parts_undone_alone(void)
{
	fs_changeset cs[KIOSKS];
	fs_store *hub = test_store_named(pg_uri, dir, "hub", "hub", NULL, &clk);
	int64_t seq_before = 0, seq_after = 0;
	fs_err e = {0, ""};
	int i;

	for (i = 0; i < KIOSKS; i++)
		kiosk_set(i, &cs[i]);
	CHECK(fs_store_seq(hub, &seq_before, NULL) == 0);

	/* Kiosk 1's merge fails after writing its changes: only it is undone. */
	CHECK_MSG(fs_store_group_begin(hub, &e) == 0, "%s", e.msg);
	CHECK(receive(hub, 0, &cs[0], NULL) == 0);
	CHECK(receive(hub, 1, &cs[1], refuse) != 0);
	CHECK(receive(hub, 2, &cs[2], NULL) == 0);
	CHECK_MSG(fs_store_group_commit(hub, &e) == 0, "%s", e.msg);
	CHECK(from_kiosk(hub, 0) == cs[0].count);
	CHECK(from_kiosk(hub, 1) == 0);
	CHECK(from_kiosk(hub, 2) == cs[2].count);
	/* One seq per change kept, none lost to the undone part. */
	CHECK(fs_store_seq(hub, &seq_after, NULL) == 0);
	CHECK(seq_after == seq_before + (int64_t)(cs[0].count + cs[2].count));
	CHECK_MSG(fs_store_check_integrity(hub, &e) == 0, "%s", e.msg);

	/* A group rolled back saves nothing, and the counter stays. */
	CHECK_MSG(fs_store_group_begin(hub, &e) == 0, "%s", e.msg);
	CHECK(receive(hub, 1, &cs[1], NULL) == 0);
	CHECK(receive(hub, 3, &cs[3], NULL) == 0);
	fs_store_group_rollback(hub);
	CHECK(from_kiosk(hub, 1) == 0);
	CHECK(from_kiosk(hub, 3) == 0);
	CHECK(fs_store_seq(hub, &seq_before, NULL) == 0);
	CHECK(seq_before == seq_after);

	/* Committed, it is there when the store is opened again; a resend of
	 * a set the group already holds changes nothing. */
	CHECK_MSG(fs_store_group_begin(hub, &e) == 0, "%s", e.msg);
	CHECK(receive(hub, 1, &cs[1], NULL) == 0);
	CHECK(receive(hub, 3, &cs[3], NULL) == 0);
	CHECK(receive(hub, 3, &cs[3], NULL) == 0);
	CHECK_MSG(fs_store_group_commit(hub, &e) == 0, "%s", e.msg);
	fs_store_close(hub);
	hub = test_store_named(pg_uri, dir, "hub", "hub", NULL, &clk);
	for (i = 0; i < KIOSKS; i++)
		CHECK(from_kiosk(hub, i) == cs[i].count);
	CHECK(fs_store_seq(hub, &seq_after, NULL) == 0);
	CHECK(seq_after == seq_before + (int64_t)(cs[1].count + cs[3].count));
	CHECK_MSG(fs_store_check_integrity(hub, &e) == 0, "%s", e.msg);

	/* Misuse is an error, not a half-open transaction. */
	CHECK(fs_store_group_commit(hub, &e) != 0);
	CHECK_MSG(fs_store_group_begin(hub, &e) == 0, "%s", e.msg);
	CHECK(fs_store_group_begin(hub, &e) != 0);
	fs_store_group_rollback(hub);
	CHECK(receive(hub, 0, &cs[0], NULL) == 0); /* a plain merge works after */
	for (i = 0; i < KIOSKS; i++)
		fs_changeset_free(&cs[i]);
	fs_store_close(hub);
}

int main(int argc, char **argv)
{
	if (argc < 2 || argc > 3) {
		fprintf(stderr, "usage: group_test DIR [POSTGRESQL-URI]\n");
		return 2;
	}
	dir = argv[1];
	pg_uri = argc == 3 ? argv[2] : NULL;
	RUN(parts_undone_alone);
	return TEST_DONE();
}
