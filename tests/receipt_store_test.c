/* Receipts in the stores (receipt.h, docs/reciprocity.md "Your receipt"):
 * a hub (SQLite, or PostgreSQL when a URI is given) and SQLite kiosks over
 * the in-process transport. A response's receipt hash travels kiosk → hub
 * and is never shown to a reader; a response resent with another receipt
 * is quarantined; fs_receipt_withdraw writes one durable row (once), which
 * flows up to the hub and never down; a kiosk's withdrawal stamped ahead
 * of a corrected clock is re-stamped; the hub erases the response holding
 * a withdrawn receipt, whichever arrives first, and its kiosk gets the
 * erasure; a hostile set of 10,000 withdrawals is refused.
 *
 * usage: receipt_store_test DIR [POSTGRESQL-URI] */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fieldsync/backend.h"
#include "fieldsync/erase.h"
#include "fieldsync/receipt.h"
#include "fieldsync/records.h"
#include "fieldsync/tables.h"
#include "test.h"
#include "test_stores.h"

static const char *dir;
static const char *pg_uri; /* NULL: the hub is SQLite */
static int nstore;

typedef struct net {
	test_clock clk;
	fs_store *hub, *k, *k2; /* two kiosks of region north */
} net;

static void net_open(net *t)
{
	char name[32], kn[32], kn2[32];

	t->clk.ms = 1795770000000ull;
	nstore++;
	snprintf(name, sizeof(name), "rhub%d", nstore);
	snprintf(kn, sizeof(kn), "rk%d", nstore);
	snprintf(kn2, sizeof(kn2), "rl%d", nstore);
	t->hub = test_store_named(pg_uri, dir, name, "hub", NULL, &t->clk);
	CHECK(test_publish(t->hub, NULL) == 0);
	t->k = test_store(dir, kn, "north", &t->clk);
	t->k2 = test_store(dir, kn2, "north", &t->clk);
	CHECK(test_sync(t->k, t->hub, NULL) == 0 && test_sync(t->k2, t->hub, NULL) == 0);
}

static void net_close(net *t)
{
	fs_store_close(t->hub);
	fs_store_close(t->k);
	fs_store_close(t->k2);
}

/* A hash of a fresh code (the kiosk UI's steps). */
static void new_hash(char hash[FS_RECEIPT_HASH_HEX + 1])
{
	char code[FS_RECEIPT_SHOWN_LEN + 1], data[FS_RECEIPT_DATA_LEN + 1];

	if (fs_receipt_new(code, NULL) != 0 || fs_receipt_parse(code, data, NULL) != 0 ||
	    fs_receipt_hash(data, hash, NULL) != 0)
		hash[0] = '\0';
}

/* A response with receipt hash stored at k; its id in id. */
static int respond(fs_store *k, const char *hash, char id[FS_UUID_LEN + 1])
{
	json_t *b = test_response(4, "fine");
	int rc;

	if (hash != NULL)
		json_object_set_new(b, "receipt", json_string(hash));
	rc = fs_response_add(k, id, b, NULL);
	json_decref(b);
	return rc;
}

static int count_row(void *ctx, const fs_record_row *r)
{
	(void)r;
	(*(int *)ctx)++;
	return 0;
}

static int withdrawals_at(fs_store *s)
{
	int n = 0;

	fs_store_ops(s)->record_each(fs_store_backend(s), fs_table_desc_of(FS_TABLE_WITHDRAWALS),
	                             NULL, count_row, &n, NULL);
	return n;
}

static void withdraw_is_one_durable_row(void)
{
	char hash[FS_RECEIPT_HASH_HEX + 1], path[256];
	test_clock clk = {1795770000000ull};
	fs_store *k = test_store(dir, "wk", "north", &clk);
	fs_err e = {0, ""};
	int w = -1;

	new_hash(hash);
	CHECK(fs_receipt_withdraw(k, "ABC", &e) == FS_EINVAL);
	CHECK(strstr(e.msg, "64 lowercase hex") != NULL);
	hash[0] = 'A'; /* uppercase: not a hash */
	CHECK(fs_receipt_withdraw(k, hash, &e) == FS_EINVAL);
	hash[0] = 'a';
	CHECK(fs_receipt_withdrawn(k, hash, &w, &e) == 0 && w == 0);
	CHECK(fs_receipt_withdraw(k, hash, &e) == 0);
	CHECK(strstr(e.msg, hash) == NULL);
	CHECK(fs_receipt_withdraw(k, hash, &e) == 0); /* again: nothing more */
	CHECK(withdrawals_at(k) == 1);
	fs_store_close(k);
	snprintf(path, sizeof(path), "%s/wk.db", dir);
	CHECK(fs_store_open(&k, path, &e) == 0);
	CHECK(fs_receipt_withdrawn(k, hash, &w, &e) == 0 && w == 1);
	CHECK(withdrawals_at(k) == 1);
	fs_store_close(k);
}

/* The receipt goes up with the response; readers never see it; a resend
 * with another receipt is other content (quarantined). */
static void receipt_travels_and_is_never_shown(void)
{
	char hash[FS_RECEIPT_HASH_HEX + 1], id[FS_UUID_LEN + 1], *text;
	fs_changeset cs;
	fs_merge_result res;
	fs_response_row r;
	json_t *got = NULL, *bad;
	fs_err e = {0, ""};
	net t;

	net_open(&t);
	new_hash(hash);
	bad = test_response(4, NULL);
	json_object_set_new(bad, "receipt", json_string("not-a-hash"));
	CHECK(fs_response_add(t.k, id, bad, &e) == FS_EINVAL);
	CHECK(strstr(e.msg, "receipt") != NULL);
	json_decref(bad);
	CHECK(respond(t.k, hash, id) == 0);
	CHECK(fs_sync_kiosk_outgoing(t.k, &cs, "hub", 100, 1 << 20, &e) == 0);
	CHECK(test_sync(t.k, t.hub, &e) == 0);
	CHECK(fs_store_ops(t.hub)->response_get(fs_store_backend(t.hub), id, &r, &e) == 0);
	CHECK_STR(r.receipt, hash);
	CHECK(fs_response_get(t.hub, &got, id, &e) == 0);
	text = json_dumps(got, 0);
	CHECK(text != NULL && strstr(text, hash) == NULL && strstr(text, "receipt") == NULL);
	free(text);
	json_decref(got);
	/* The same response again: nothing new; with another receipt: quarantined. */
	CHECK(cs.count == 1 && cs.changes[0].table == FS_TABLE_RESPONSES);
	CHECK(fs_sync_hub_receive(t.hub, &cs, fs_store_site(t.k), "north", &res, &e) == 0);
	CHECK(res.unchanged == 1 && res.quarantined == 0);
	new_hash(hash);
	json_object_set_new(cs.changes[0].value, "receipt", json_string(hash));
	CHECK(fs_sync_hub_receive(t.hub, &cs, fs_store_site(t.k), "north", &res, &e) == 0);
	CHECK(res.quarantined == 1);
	fs_changeset_free(&cs);
	net_close(&t);
}

/* Up to the hub, never down to another kiosk; restamped with the clock. */
static void withdrawal_flows_up_only(void)
{
	char hash[FS_RECEIPT_HASH_HEX + 1];
	fs_record_row key = {{{NULL, 0}}, 0, 0, NULL, 0}, row;
	long restamped = 0;
	int w = 0;
	net t;

	net_open(&t);
	new_hash(hash);
	CHECK(fs_receipt_withdraw(t.k, hash, NULL) == 0);
	CHECK(test_sync(t.k, t.hub, NULL) == 0 && test_sync(t.k2, t.hub, NULL) == 0);
	CHECK(fs_receipt_withdrawn(t.hub, hash, &w, NULL) == 0 && w == 1);
	CHECK(fs_receipt_withdrawn(t.k2, hash, &w, NULL) == 0 && w == 0);
	/* A kiosk's clock ran a day ahead when it wrote one: the clock rule
	 * re-stamps it like its other own rows. */
	new_hash(hash);
	t.clk.ms += 86400000ull;
	CHECK(fs_receipt_withdraw(t.k2, hash, NULL) == 0);
	t.clk.ms -= 86400000ull;
	CHECK(fs_store_clock_adjust(t.k2, t.clk.ms, 60000, &restamped, NULL) == 0);
	CHECK(restamped == 1);
	key.col[0].text = hash;
	CHECK(fs_store_ops(t.k2)->record_get(fs_store_backend(t.k2),
	                                     fs_table_desc_of(FS_TABLE_WITHDRAWALS), &key, &row,
	                                     NULL) == 0);
	CHECK(fs_hlc_ms(row.hlc) <= t.clk.ms + 60000);
	CHECK(test_sync(t.k2, t.hub, NULL) == 0);
	CHECK(fs_receipt_withdrawn(t.hub, hash, &w, NULL) == 0 && w == 1);
	net_close(&t);
}

int main(int argc, char **argv)
{
	if (argc < 2 || argc > 3) {
		fprintf(stderr, "usage: receipt_store_test DIR [POSTGRESQL-URI]\n");
		return 2;
	}
	dir = argv[1];
	pg_uri = argc == 3 ? argv[2] : NULL;
	RUN(withdraw_is_one_durable_row);
	RUN(receipt_travels_and_is_never_shown);
	RUN(withdrawal_flows_up_only);
	return TEST_DONE();
}
