/* Questionnaire offers and retirement (offers.h) in process: a hub
 * (SQLite, or PostgreSQL when a URI is given) and SQLite kiosks of regions
 * north and south over the in-process transport. What each kiosk lists
 * after offers to one region, to all, withdrawals and retirement; the
 * rows a kiosk receives (its region's and "*" only); a kiosk sending an
 * offer (refused, 403); and responses to a retired or withdrawn
 * questionnaire, saved before and after the kiosk learned it, stored at
 * the kiosk and merged at the hub, none quarantined.
 *
 * usage: offers_test DIR [POSTGRESQL-URI] */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fieldsync/backend.h"
#include "fieldsync/merge.h"
#include "fieldsync/offers.h"
#include "fieldsync/records.h"
#include "test.h"
#include "test_stores.h"

static const char *dir;
static const char *pg_uri; /* NULL: the hub is SQLite */
static int nstore;

typedef test_region_net net;

static void net_open(net *t)
{
	test_region_net_open(t, pg_uri, dir, "", ++nstore);
}

#define net_sync  test_region_net_sync
#define net_close test_region_net_close

static int listed(fs_store *k)
{
	int yes = -1;

	if (fs_offer_listed(k, "visit", fs_store_region(k), &yes, NULL) != 0)
		return -1;
	return yes;
}

static int count_row(void *ctx, const fs_record_row *r)
{
	(void)r;
	(*(int *)ctx)++;
	return 0;
}

static int rows_at(fs_store *s)
{
	int n = 0;

	fs_store_ops(s)->record_each(fs_store_backend(s), fs_table_desc_of(FS_TABLE_OFFERS), NULL,
	                            count_row, &n, NULL);
	return n;
}

static long quarantined(fs_store *s)
{
	fs_store_counts c;

	memset(&c, 0, sizeof(c));
	fs_store_count(s, &c, NULL);
	return c.quarantined;
}

/* No row: offered everywhere (a deployment from before offers). */
static void no_offer_is_everywhere(void)
{
	net t;
	json_t *d = NULL;

	net_open(&t);
	CHECK(listed(t.n) == 1 && listed(t.s) == 1 && rows_at(t.n) == 0);
	CHECK(fs_offer_describe(t.hub, "visit", &d, NULL) == 0);
	CHECK(json_is_true(json_object_get(d, "everywhere")) &&
	      json_is_false(json_object_get(d, "retired")));
	json_decref(d);
	net_close(&t);
}

/* An offer to north narrows "everywhere" to north; south's kiosk gets the
 * "*" row only, never north's. */
static void offer_to_one_region(void)
{
	net t;
	json_t *d = NULL;
	int ch = -1;

	net_open(&t);
	CHECK(fs_offer_set(t.hub, "visit", "north", 1, &ch, NULL) == 0 && ch == 1);
	CHECK(fs_offer_set(t.hub, "visit", "north", 1, &ch, NULL) == 0 && ch == 0);
	net_sync(&t);
	CHECK(listed(t.n) == 1 && listed(t.s) == 0);
	CHECK(rows_at(t.n) == 2 && rows_at(t.s) == 1);
	CHECK(fs_offer_describe(t.hub, "visit", &d, NULL) == 0);
	CHECK(json_is_false(json_object_get(d, "everywhere")));
	CHECK_STR(json_string_value(json_array_get(json_object_get(d, "regions"), 0)), "north");
	json_decref(d);
	/* Withdrawn from north: north stops listing it at its next sync. */
	CHECK(fs_offer_set(t.hub, "visit", "north", 0, &ch, NULL) == 0 && ch == 1);
	CHECK(listed(t.n) == 1);
	net_sync(&t);
	CHECK(listed(t.n) == 0 && listed(t.s) == 0);
	/* Offered everywhere again: every region row follows. */
	CHECK(fs_offer_set(t.hub, "visit", NULL, 1, &ch, NULL) == 0 && ch == 1);
	net_sync(&t);
	CHECK(listed(t.n) == 1 && listed(t.s) == 1);
	net_close(&t);
}

/* Withdrawn from south only: "everywhere but south". */
static void withdraw_from_one_region(void)
{
	net t;
	int ch = -1;

	net_open(&t);
	CHECK(fs_offer_set(t.hub, "visit", "south", 0, &ch, NULL) == 0 && ch == 1);
	net_sync(&t);
	CHECK(listed(t.n) == 1 && listed(t.s) == 0);
	CHECK(fs_offer_set(t.hub, "visit", NULL, 0, &ch, NULL) == 0 && ch == 1);
	net_sync(&t);
	CHECK(listed(t.n) == 0 && listed(t.s) == 0);
	net_close(&t);
}

static void bad_input_is_refused(void)
{
	net t;
	fs_err e = {0, ""};

	net_open(&t);
	CHECK(fs_offer_set(t.hub, "nope", "north", 1, NULL, &e) == FS_ENOTFOUND);
	CHECK(strstr(e.msg, "nope") != NULL);
	CHECK(fs_offer_set(t.hub, "visit", "North!", 1, NULL, &e) == FS_EINVAL);
	CHECK(fs_offer_retire(t.hub, "Bad Id", 1, NULL, &e) == FS_EINVAL);
	CHECK(rows_at(t.hub) == 0);
	net_close(&t);
}

/* A kiosk may never send an offer: the whole set is refused (403). */
static void kiosk_sending_offer_is_refused(void)
{
	net t;
	fs_changeset cs, rx;
	fs_change c;
	fs_err e = {0, ""};

	net_open(&t);
	fs_changeset_init(&cs);
	snprintf(cs.site, sizeof(cs.site), "%s", fs_store_site(t.n));
	memset(&c, 0, sizeof(c));
	c.table = FS_TABLE_OFFERS;
	snprintf(c.id, sizeof(c.id), "visit");
	snprintf(c.site, sizeof(c.site), "%s", fs_store_site(t.n));
	c.hlc = fs_hlc_make(t.clk.ms, 0);
	c.value = json_pack("{s:s, s:b, s:b}", "target", "*", "offered", 0, "retired", 1);
	CHECK(fs_changeset_add(&cs, &c, &e) == 0);
	CHECK(test_transfer(&rx, &cs, &e) == 0 && rx.count == 1);
	CHECK(fs_sync_hub_receive(t.hub, &rx, fs_store_site(t.n), "north", NULL, &e) ==
	      FS_EFORBIDDEN);
	CHECK(strstr(e.msg, "may not write questionnaire_offers") != NULL);
	CHECK(rows_at(t.hub) == 0);
	fs_changeset_free(&cs);
	fs_changeset_free(&rx);
	net_close(&t);
}

/* Retired: listed nowhere, but never a lost answer. A response saved
 * before the kiosk learned it (unsent), and one saved after (a person who
 * was half way through), are both stored at the kiosk and merged at the
 * hub; bringing it back restores the offers as they were. */
static void retired_still_takes_responses(void)
{
	net t;
	char id1[FS_UUID_LEN + 1], id2[FS_UUID_LEN + 1];
	json_t *b1 = test_response(4, NULL), *b2 = test_response(2, NULL), *got = NULL;
	fs_err e = {0, ""};
	int ch = -1;

	net_open(&t);
	CHECK(fs_offer_set(t.hub, "visit", "north", 1, NULL, NULL) == 0);
	net_sync(&t);
	CHECK(fs_response_add(t.n, id1, b1, &e) == 0);
	CHECK(fs_offer_retire(t.hub, "visit", 1, &ch, NULL) == 0 && ch == 1);
	CHECK(fs_offer_retire(t.hub, "visit", 1, &ch, NULL) == 0 && ch == 0);
	CHECK(fs_offer_set(t.hub, "visit", "south", 1, NULL, &e) == FS_ECONFLICT);
	net_sync(&t);
	CHECK(listed(t.n) == 0 && listed(t.s) == 0);
	CHECK_MSG(fs_response_add(t.n, id2, b2, &e) == 0, "%s", e.msg);
	net_sync(&t);
	CHECK(fs_response_get(t.hub, &got, id1, NULL) == 0);
	json_decref(got);
	got = NULL;
	CHECK(fs_response_get(t.hub, &got, id2, NULL) == 0);
	json_decref(got);
	CHECK(quarantined(t.hub) == 0 && quarantined(t.n) == 0);
	/* The documents stay at every store. */
	got = NULL;
	CHECK(fs_questionnaire_get(t.s, &got, "visit", 1, NULL) == 0);
	json_decref(got);
	CHECK(fs_offer_retire(t.hub, "visit", 0, &ch, NULL) == 0 && ch == 1);
	net_sync(&t);
	CHECK(listed(t.n) == 1 && listed(t.s) == 0);
	json_decref(b1);
	json_decref(b2);
	net_close(&t);
}

/* Retiring a questionnaire never offered anywhere in particular, then
 * bringing it back: everywhere again. Counts per version. */
static void retire_undo_and_counts(void)
{
	net t;
	char id[FS_UUID_LEN + 1];
	json_t *b = test_response(3, NULL), *counts = NULL;

	net_open(&t);
	CHECK(fs_offer_retire(t.hub, "visit", 1, NULL, NULL) == 0);
	net_sync(&t);
	CHECK(listed(t.n) == 0 && listed(t.s) == 0);
	CHECK(fs_response_add(t.s, id, b, NULL) == 0);
	CHECK(fs_offer_retire(t.hub, "visit", 0, NULL, NULL) == 0);
	net_sync(&t);
	CHECK(listed(t.n) == 1 && listed(t.s) == 1);
	CHECK(fs_offer_response_counts(t.hub, &counts, NULL) == 0);
	CHECK(json_integer_value(json_object_get(json_object_get(counts, "visit"), "1")) == 1);
	json_decref(counts);
	json_decref(b);
	net_close(&t);
}

/* Rows from the hub merge last-writer-wins whatever the order of arrival:
 * an older write arriving after a newer one changes nothing; the same
 * stamp with other content is quarantined, not picked by value. */
static void merge_is_last_writer_wins(void)
{
	net t;
	fs_changeset cs;
	fs_change c;
	fs_merge_result res;
	fs_err e = {0, ""};
	int i;
	static const int offered[] = {0, 1, 1};
	static const uint64_t at[] = {2000, 1000, 2000};

	net_open(&t);
	fs_changeset_init(&cs);
	snprintf(cs.site, sizeof(cs.site), "hub");
	for (i = 0; i < 3; i++) {
		memset(&c, 0, sizeof(c));
		c.table = FS_TABLE_OFFERS;
		snprintf(c.id, sizeof(c.id), "visit");
		snprintf(c.site, sizeof(c.site), "hub");
		snprintf(c.region, sizeof(c.region), "north");
		c.hlc = fs_hlc_make(t.clk.ms + at[i], 0);
		c.value = json_pack("{s:s, s:b, s:b}", "target", "north", "offered", offered[i],
				    "retired", 0);
		CHECK(fs_changeset_add(&cs, &c, &e) == 0);
	}
	t.clk.ms += 5000;
	CHECK_MSG(fs_sync_kiosk_receive(t.n, &cs, "hub", &res, &e) == 0, "%s", e.msg);
	CHECK(res.applied == 1 && res.unchanged == 1 && res.quarantined == 1);
	CHECK(listed(t.n) == 0);
	fs_changeset_free(&cs);
	net_close(&t);
}

int main(int argc, char **argv)
{
	if (argc < 2 || argc > 3) {
		fprintf(stderr, "usage: offers_test DIR [POSTGRESQL-URI]\n");
		return 2;
	}
	dir = argv[1];
	pg_uri = argc == 3 ? argv[2] : NULL;
	RUN(no_offer_is_everywhere);
	RUN(offer_to_one_region);
	RUN(withdraw_from_one_region);
	RUN(bad_input_is_refused);
	RUN(kiosk_sending_offer_is_refused);
	RUN(retired_still_takes_responses);
	RUN(retire_undo_and_counts);
	RUN(merge_is_last_writer_wins);
	return TEST_DONE();
}
