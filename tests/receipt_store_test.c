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

/* 1 live, 0 a tombstone or erased, -1 not there. */
static int response_live(fs_store *s, const char *id)
{
	fs_response_row r;
	int rc = fs_store_ops(s)->response_get(fs_store_backend(s), id, &r, NULL);

	return rc == FS_ENOTFOUND ? -1 : rc != 0 ? -2 : !r.deleted;
}

static int erased_at(fs_store *s, const char *id, char kind[16])
{
	fs_erasure_row e;
	int rc = fs_store_ops(s)->erasure_get(fs_store_backend(s), id, &e, NULL);

	if (rc == 0 && kind != NULL)
		snprintf(kind, 16, "%s", e.kind ? e.kind : "");
	return rc == 0;
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


static fs_receipt_status state_of(fs_store *hub, const char *hash)
{
	fs_receipt_state st;

	if (fs_receipt_state_get(hub, hash, &st, NULL) != 0)
		return (fs_receipt_status)-1;
	return st.status;
}

/* The response first, then its withdrawal from another kiosk: erased at
 * the hub (kind withdrawn) and at the kiosk that made it; twice changes
 * nothing. */
static void withdrawal_after_its_response(void)
{
	char hash[FS_RECEIPT_HASH_HEX + 1], other[FS_RECEIPT_HASH_HEX + 1];
	char id[FS_UUID_LEN + 1], keep[FS_UUID_LEN + 1], kind[16] = "";
	fs_receipt_state st;
	net t;

	net_open(&t);
	new_hash(hash);
	new_hash(other);
	CHECK(respond(t.k, hash, id) == 0 && respond(t.k, other, keep) == 0);
	CHECK(test_sync(t.k, t.hub, NULL) == 0);
	CHECK(fs_receipt_state_get(t.hub, hash, &st, NULL) == 0);
	CHECK(st.status == FS_RECEIPT_RECEIVED && st.version == 1);
	CHECK_STR(st.questionnaire, "visit");
	CHECK_STR(st.on, "2026-11-27");
	CHECK(fs_receipt_withdraw(t.k2, hash, NULL) == 0);
	CHECK(test_sync(t.k2, t.hub, NULL) == 0);
	CHECK(response_live(t.hub, id) == -1 && erased_at(t.hub, id, kind));
	CHECK_STR(kind, FS_ERASE_WITHDRAWN);
	CHECK(response_live(t.hub, keep) == 1);
	CHECK(fs_receipt_state_get(t.hub, hash, &st, NULL) == 0);
	CHECK(st.status == FS_RECEIPT_WITHDRAWN && st.version == 0);
	CHECK_STR(st.questionnaire, "visit");
	CHECK_STR(st.on, "2026-11-27");
	/* Its kiosk gets the erasure. */
	CHECK(test_sync(t.k, t.hub, NULL) == 0);
	CHECK(response_live(t.k, id) == -1 && erased_at(t.k, id, NULL));
	CHECK(response_live(t.k, keep) == 1);
	/* Twice, from the first kiosk too: nothing more. */
	CHECK(fs_receipt_withdraw(t.k, hash, NULL) == 0 && fs_receipt_withdraw(t.k2, hash, NULL) == 0);
	CHECK(test_sync(t.k, t.hub, NULL) == 0 && test_sync(t.k2, t.hub, NULL) == 0);
	CHECK(state_of(t.hub, hash) == FS_RECEIPT_WITHDRAWN);
	CHECK(response_live(t.hub, keep) == 1);
	net_close(&t);
}

/* The withdrawal first (the person withdrew at a kiosk whose response had
 * not been sent yet, or at another kiosk): pending, then the response is
 * erased as it arrives, and its kiosk gets the erasure. */
static void withdrawal_before_its_response(void)
{
	char hash[FS_RECEIPT_HASH_HEX + 1], id[FS_UUID_LEN + 1];
	fs_merge_result res;
	fs_changeset cs;
	net t;

	net_open(&t);
	new_hash(hash);
	CHECK(respond(t.k, hash, id) == 0);
	CHECK(fs_receipt_withdraw(t.k2, hash, NULL) == 0);
	CHECK(test_sync(t.k2, t.hub, NULL) == 0);
	CHECK(state_of(t.hub, hash) == FS_RECEIPT_PENDING);
	CHECK(fs_sync_kiosk_outgoing(t.k, &cs, "hub", 100, 1 << 20, NULL) == 0);
	CHECK(test_sync(t.k, t.hub, NULL) == 0);
	CHECK(response_live(t.hub, id) == -1 && erased_at(t.hub, id, NULL));
	CHECK(state_of(t.hub, hash) == FS_RECEIPT_WITHDRAWN);
	CHECK(test_sync(t.k, t.hub, NULL) == 0);
	CHECK(response_live(t.k, id) == -1);
	/* Sent again (a kiosk restored from a backup): dropped. */
	CHECK(fs_sync_hub_receive(t.hub, &cs, fs_store_site(t.k), "north", &res, NULL) == 0);
	CHECK(res.erased_dropped == 1 && response_live(t.hub, id) == -1);
	fs_changeset_free(&cs);
	net_close(&t);
}

/* A hash no response holds: pending (kept, for the retention period) and
 * nothing else touched; one never seen: unknown. */
static void unknown_hash(void)
{
	char hash[FS_RECEIPT_HASH_HEX + 1], never[FS_RECEIPT_HASH_HEX + 1], id[FS_UUID_LEN + 1];
	fs_err e = {0, ""};
	net t;

	net_open(&t);
	new_hash(hash);
	new_hash(never);
	CHECK(respond(t.k, NULL, id) == 0); /* one without a receipt */
	CHECK(fs_receipt_withdraw(t.k2, hash, NULL) == 0);
	CHECK(test_sync(t.k, t.hub, NULL) == 0 && test_sync(t.k2, t.hub, NULL) == 0);
	CHECK(state_of(t.hub, hash) == FS_RECEIPT_PENDING);
	CHECK(state_of(t.hub, never) == FS_RECEIPT_UNKNOWN);
	CHECK(response_live(t.hub, id) == 1);
	CHECK(fs_receipt_state_get(t.hub, "xyz", &(fs_receipt_state){0}, &e) == FS_EINVAL);
	CHECK(fs_receipt_state_get(t.k, hash, &(fs_receipt_state){0}, &e) == FS_EINVAL);
	net_close(&t);
}

/* A hostile kiosk sends 10,000 withdrawals in one set: refused whole
 * (FS_ETOOBIG), nothing merged; 100 go through. */
static void hostile_set_is_refused(void)
{
	fs_changeset cs;
	fs_merge_result res;
	fs_err e = {0, ""};
	char hash[FS_RECEIPT_HASH_HEX + 1];
	size_t i;
	net t;
	fs_changeset one;

	net_open(&t);
	snprintf(hash, sizeof(hash), "%064x", 0);
	CHECK(fs_receipt_withdraw(t.k, hash, NULL) == 0);
	CHECK(fs_sync_kiosk_outgoing(t.k, &one, "hub", 10, 1 << 20, &e) == 0 && one.count == 1);
	fs_changeset_init(&cs);
	snprintf(cs.site, sizeof(cs.site), "%s", one.site);
	for (i = 0; i < 10000; i++) {
		fs_change c = one.changes[0];

		snprintf(c.id, sizeof(c.id), "%064zx", i);
		c.hlc += i;
		c.value = json_object(); /* stolen by the set */
		CHECK(fs_changeset_add(&cs, &c, &e) == 0);
	}
	fs_changeset_free(&one);
	CHECK(fs_sync_hub_receive(t.hub, &cs, fs_store_site(t.k), "north", &res, &e) == FS_ETOOBIG);
	CHECK(strstr(e.msg, "10000 withdrawals in one change set, over the cap of 100") != NULL);
	CHECK(withdrawals_at(t.hub) == 0);
	cs.count = FS_RECEIPT_WITHDRAWALS_PER_SET;
	CHECK(fs_sync_hub_receive(t.hub, &cs, fs_store_site(t.k), "north", &res, &e) == 0);
	CHECK(withdrawals_at(t.hub) == FS_RECEIPT_WITHDRAWALS_PER_SET);
	cs.count = 10000;
	fs_changeset_free(&cs);
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
	RUN(withdrawal_after_its_response);
	RUN(withdrawal_before_its_response);
	RUN(unknown_hash);
	RUN(hostile_set_is_refused);
	return TEST_DONE();
}
