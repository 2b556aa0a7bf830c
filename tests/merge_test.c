#include "fieldsync/merge.h"
#include "fieldsync/records.h"
#include "test.h"
#include "testutil.h"

static char dir[64];
static int nstore;

/* A hub and n kiosks of region north, questionnaire published and synced. */
typedef struct net {
	test_clock clk;
	fs_store *hub, *k[3];
} net;

static void net_open(net *n)
{
	char name[32];
	int i;

	n->clk.ms = 1795770000000ull;
	nstore++;
	snprintf(name, sizeof(name), "hub%d", nstore);
	n->hub = test_store(dir, name, NULL, &n->clk);
	test_publish(n->hub, NULL);
	for (i = 0; i < 3; i++) {
		snprintf(name, sizeof(name), "k%d-%d", nstore, i);
		n->k[i] = test_store(dir, name, "north", &n->clk);
		test_sync(n->k[i], n->hub, NULL);
	}
}

static void net_close(net *n)
{
	int i;

	fs_store_close(n->hub);
	for (i = 0; i < 3; i++)
		fs_store_close(n->k[i]);
}

static json_t *new_contact_fields(void)
{
	return json_pack("{s:s, s:s, s:s, s:s}", "person_ref", "JB-1", "contact_at",
			 "2026-11-27T10:00:00Z", "channel", "phone", "worker", "w1");
}

static int edit(fs_store *s, const char *id, const char *field, json_t *value)
{
	char out[FS_UUID_LEN + 1];
	json_t *f = json_object();
	int rc;

	json_object_set_new(f, field, value);
	rc = fs_contact_put(s, out, id, NULL, f, NULL);
	json_decref(f);
	return rc;
}

static long conflicts_at(fs_store *s)
{
	fs_store_counts c;

	fs_store_count(s, &c, NULL);
	return c.conflicts;
}

static void merge_is_idempotent(void)
{
	net n;
	fs_changeset up, rx;
	fs_merge_result r;
	json_t *b = test_response(3, NULL), *f = new_contact_fields();
	char id[FS_UUID_LEN + 1];
	uint64_t d1;

	net_open(&n);
	CHECK(fs_response_add(n.k[0], id, b, NULL) == 0);
	CHECK(fs_contact_put(n.k[0], id, NULL, NULL, f, NULL) == 0);
	CHECK(fs_sync_kiosk_outgoing(n.k[0], &up, "x", 100, 1 << 20, NULL) == 0);
	CHECK(test_transfer(&rx, &up, NULL) == 0);
	CHECK(fs_sync_hub_receive(n.hub, &rx, fs_store_site(n.k[0]), "north", &r, NULL) == 0);
	CHECK(r.applied == (long)rx.count);
	d1 = test_digest(n.hub, NULL);
	CHECK(fs_sync_hub_receive(n.hub, &rx, fs_store_site(n.k[0]), "north", &r, NULL) == 0);
	CHECK(r.applied == 0 && r.unchanged == (long)rx.count);
	CHECK(test_digest(n.hub, NULL) == d1);
	fs_changeset_free(&up);
	fs_changeset_free(&rx);
	json_decref(b);
	json_decref(f);
	net_close(&n);
}

static void merge_commutes(void)
{
	net n;
	fs_store *h1, *h2;
	fs_changeset a, b;
	json_t *f = new_contact_fields();
	char id[FS_UUID_LEN + 1], out[FS_UUID_LEN + 1];
	fs_merge_opts o = {0};

	net_open(&n);
	CHECK(fs_contact_put(n.k[0], id, NULL, NULL, f, NULL) == 0);
	CHECK(test_sync(n.k[0], n.hub, NULL) == 0);
	CHECK(test_sync(n.k[1], n.hub, NULL) == 0);
	n.clk.ms += 1000;
	CHECK(edit(n.k[0], id, "notes", json_string("from k0")) == 0);
	CHECK(edit(n.k[0], id, "status", json_string("closed")) == 0);
	CHECK(edit(n.k[1], id, "notes", json_string("from k1")) == 0);
	CHECK(fs_contact_put(n.k[1], out, NULL, NULL, f, NULL) == 0);
	CHECK(fs_sync_kiosk_outgoing(n.k[0], &a, "h", 100, 1 << 20, NULL) == 0);
	CHECK(fs_sync_kiosk_outgoing(n.k[1], &b, "h", 100, 1 << 20, NULL) == 0);
	h1 = test_store(dir, "hub-order-ab", NULL, &n.clk);
	h2 = test_store(dir, "hub-order-ba", NULL, &n.clk);
	CHECK(fs_merge_apply(h1, &a, &o, NULL, NULL) == 0);
	CHECK(fs_merge_apply(h1, &b, &o, NULL, NULL) == 0);
	CHECK(fs_merge_apply(h2, &b, &o, NULL, NULL) == 0);
	CHECK(fs_merge_apply(h2, &a, &o, NULL, NULL) == 0);
	CHECK(test_digest(h1, "north") == test_digest(h2, "north"));
	CHECK(conflicts_at(h1) == 1 && conflicts_at(h2) == 1);
	fs_changeset_free(&a);
	fs_changeset_free(&b);
	fs_store_close(h1);
	fs_store_close(h2);
	json_decref(f);
	net_close(&n);
}

static void concurrent_edit_records_conflict_sequential_does_not(void)
{
	net n;
	json_t *f = new_contact_fields(), *list = NULL, *c;
	char id[FS_UUID_LEN + 1];
	int i;

	net_open(&n);
	CHECK(fs_contact_put(n.k[0], id, NULL, NULL, f, NULL) == 0);
	for (i = 0; i < 2; i++)
		CHECK(test_sync(n.k[i], n.hub, NULL) == 0);
	/* Sequential: k1 edits after seeing k0's value. */
	CHECK(edit(n.k[1], id, "notes", json_string("first")) == 0);
	CHECK(test_sync(n.k[1], n.hub, NULL) == 0);
	CHECK(test_sync(n.k[0], n.hub, NULL) == 0);
	CHECK(edit(n.k[0], id, "notes", json_string("second")) == 0);
	CHECK(edit(n.k[0], id, "notes", json_string("second, corrected")) == 0);
	CHECK(test_sync(n.k[0], n.hub, NULL) == 0);
	CHECK(test_sync(n.k[1], n.hub, NULL) == 0);
	CHECK(conflicts_at(n.hub) == 0 && conflicts_at(n.k[1]) == 0);
	/* Concurrent: both edit offline. */
	n.clk.ms += 5000;
	CHECK(edit(n.k[0], id, "notes", json_string("k0 offline")) == 0);
	n.clk.ms += 5000;
	CHECK(edit(n.k[1], id, "notes", json_string("k1 offline")) == 0);
	for (i = 0; i < 2; i++) {
		CHECK(test_sync(n.k[0], n.hub, NULL) == 0);
		CHECK(test_sync(n.k[1], n.hub, NULL) == 0);
	}
	CHECK(test_digest(n.k[0], "north") == test_digest(n.hub, "north"));
	CHECK(test_digest(n.k[1], "north") == test_digest(n.hub, "north"));
	CHECK(fs_conflict_list(n.hub, &list, 10, NULL) == 0);
	CHECK(json_array_size(list) == 1);
	c = json_array_get(list, 0);
	CHECK_STR(json_string_value(json_object_get(c, "field")), "notes");
	CHECK_STR(json_string_value(json_object_get(json_object_get(c, "winner"), "value")),
		  "k1 offline");
	CHECK_STR(json_string_value(json_object_get(json_object_get(c, "loser"), "value")),
		  "k0 offline");
	json_decref(list);
	json_decref(f);
	net_close(&n);
}

static void conflict_seen_at_two_replicas_is_recorded_once(void)
{
	net n;
	json_t *f = new_contact_fields();
	char id[FS_UUID_LEN + 1];

	net_open(&n);
	CHECK(fs_contact_put(n.k[0], id, NULL, NULL, f, NULL) == 0);
	CHECK(test_sync(n.k[0], n.hub, NULL) == 0);
	CHECK(test_sync(n.k[1], n.hub, NULL) == 0);
	/* k0 writes first (older), k1 later and syncs first; k0 then pulls k1's
	 * value, which beats its own unsent one: the conflict is recorded at k0
	 * and travels to the hub. */
	CHECK(edit(n.k[0], id, "notes", json_string("older")) == 0);
	n.clk.ms += 1000;
	CHECK(edit(n.k[1], id, "notes", json_string("newer")) == 0);
	CHECK(test_sync(n.k[1], n.hub, NULL) == 0);
	CHECK(test_sync(n.k[0], n.hub, NULL) == 0);
	CHECK(test_sync(n.k[0], n.hub, NULL) == 0);
	CHECK(conflicts_at(n.hub) == 1);
	json_decref(f);
	net_close(&n);
}

static void equal_concurrent_writes_reach_third_replica(void)
{
	net n;
	json_t *f = new_contact_fields();
	char id[FS_UUID_LEN + 1];
	int i;

	net_open(&n);
	CHECK(fs_contact_put(n.k[0], id, NULL, NULL, f, NULL) == 0);
	for (i = 0; i < 3; i++)
		CHECK(test_sync(n.k[i], n.hub, NULL) == 0);
	CHECK(edit(n.k[0], id, "status", json_string("closed")) == 0);
	n.clk.ms += 10;
	CHECK(edit(n.k[1], id, "status", json_string("closed")) == 0);
	CHECK(test_sync(n.k[0], n.hub, NULL) == 0);
	CHECK(test_sync(n.k[2], n.hub, NULL) == 0);
	CHECK(test_sync(n.k[1], n.hub, NULL) == 0);
	for (i = 0; i < 3; i++)
		CHECK(test_sync(n.k[i], n.hub, NULL) == 0);
	for (i = 0; i < 3; i++)
		CHECK_MSG(test_digest(n.k[i], "north") == test_digest(n.hub, "north"),
			  "kiosk %d differs", i);
	CHECK(conflicts_at(n.hub) == 0); /* equal values lose nothing */
	json_decref(f);
	net_close(&n);
}

static void concurrent_deletes_converge(void)
{
	net n;
	json_t *f = new_contact_fields(), *list = NULL;
	char id[FS_UUID_LEN + 1];
	int i;

	net_open(&n);
	CHECK(fs_contact_put(n.k[0], id, NULL, NULL, f, NULL) == 0);
	for (i = 0; i < 3; i++)
		CHECK(test_sync(n.k[i], n.hub, NULL) == 0);
	CHECK(fs_contact_delete(n.k[0], id, NULL) == 0);
	n.clk.ms += 3;
	CHECK(fs_contact_delete(n.k[1], id, NULL) == 0);
	for (i = 0; i < 6; i++)
		CHECK(test_sync(n.k[i % 3], n.hub, NULL) == 0);
	for (i = 0; i < 3; i++) {
		CHECK(test_digest(n.k[i], "north") == test_digest(n.hub, "north"));
		CHECK(fs_contact_list(n.k[i], &list, "north", 0, NULL) == 0);
		CHECK(json_array_size(list) == 0);
		json_decref(list);
	}
	json_decref(f);
	net_close(&n);
}

static void immutable_response_changed_is_quarantined(void)
{
	net n;
	fs_changeset up;
	fs_merge_result r;
	json_t *b = test_response(3, "kept"), *got = NULL;
	char id[FS_UUID_LEN + 1];
	fs_store_counts c;

	net_open(&n);
	CHECK(fs_response_add(n.k[0], id, b, NULL) == 0);
	CHECK(fs_sync_kiosk_outgoing(n.k[0], &up, "h", 100, 1 << 20, NULL) == 0);
	CHECK(fs_sync_hub_receive(n.hub, &up, fs_store_site(n.k[0]), "north", &r, NULL) == 0);
	json_object_set_new(json_object_get(up.changes[0].value, "answers"), "overall",
			    json_integer(5));
	CHECK(fs_sync_hub_receive(n.hub, &up, fs_store_site(n.k[0]), "north", &r, NULL) == 0);
	CHECK(r.quarantined == 1 && r.applied == 0);
	CHECK(fs_response_get(n.hub, &got, id, NULL) == 0);
	CHECK(json_integer_value(json_object_get(json_object_get(got, "answers"), "overall")) ==
	      3);
	CHECK(fs_store_count(n.hub, &c, NULL) == 0);
	CHECK(c.quarantined == 1 && c.responses == 1);
	json_decref(got);
	fs_changeset_free(&up);
	json_decref(b);
	net_close(&n);
}

static void invalid_answers_are_quarantined_not_lost(void)
{
	net n;
	fs_changeset up;
	fs_merge_result r;
	json_t *b = test_response(3, NULL);
	char id[FS_UUID_LEN + 1];

	net_open(&n);
	CHECK(fs_response_add(n.k[0], id, b, NULL) == 0);
	CHECK(fs_sync_kiosk_outgoing(n.k[0], &up, "h", 100, 1 << 20, NULL) == 0);
	json_object_set_new(json_object_get(up.changes[0].value, "answers"), "overall",
			    json_integer(50));
	CHECK(fs_sync_hub_receive(n.hub, &up, fs_store_site(n.k[0]), "north", &r, NULL) == 0);
	CHECK(r.quarantined == 1 && r.applied == 0);
	fs_changeset_free(&up);
	json_decref(b);
	net_close(&n);
}

static void unauthorized_change_refuses_whole_set(void)
{
	net n;
	fs_changeset up;
	json_t *b = test_response(3, NULL), *f = new_contact_fields();
	char id[FS_UUID_LEN + 1];
	uint64_t before;
	fs_err e = {0, ""};

	net_open(&n);
	CHECK(fs_response_add(n.k[0], id, b, NULL) == 0);
	CHECK(fs_contact_put(n.k[0], id, NULL, NULL, f, NULL) == 0);
	CHECK(fs_sync_kiosk_outgoing(n.k[0], &up, "h", 100, 1 << 20, NULL) == 0);
	CHECK(up.count >= 3);
	before = test_digest(n.hub, NULL);
	/* Sent by another device: forged authorship. */
	CHECK(fs_sync_hub_receive(n.hub, &up, fs_store_site(n.k[1]), "north", NULL, &e) ==
	      FS_EFORBIDDEN);
	CHECK_MSG(strstr(e.msg, "changes[0]") != NULL, "message: %s", e.msg);
	/* Another region. */
	fs_err_clear(&e);
	CHECK(fs_sync_hub_receive(n.hub, &up, fs_store_site(n.k[0]), "south", NULL, &e) ==
	      FS_EFORBIDDEN);
	CHECK(strstr(e.msg, "region") != NULL);
	CHECK(test_digest(n.hub, NULL) == before);
	fs_changeset_free(&up);
	json_decref(b);
	json_decref(f);
	net_close(&n);
}

static void kiosk_years_ahead_is_refused_then_corrected(void)
{
	net n;
	test_clock wrong = {0};
	fs_store *k;
	json_t *f = new_contact_fields(), *got = NULL;
	char id[FS_UUID_LEN + 1];
	fs_err e = {0, ""};
	long restamped = 0;
	fs_hlc last = 0;

	net_open(&n);
	wrong.ms = n.clk.ms + 3ull * 365 * 24 * 3600 * 1000; /* three years ahead */
	k = test_store(dir, "k-future", "north", &wrong);
	CHECK(test_sync(k, n.hub, NULL) == 0); /* pulling works */
	CHECK(fs_contact_put(k, id, NULL, NULL, f, NULL) == 0);
	CHECK(test_sync(k, n.hub, &e) == FS_ECLOCK);
	CHECK_MSG(strstr(e.msg, "clock") != NULL, "message: %s", e.msg);
	/* The hub reports its time; the kiosk corrects itself and re-stamps
	 * what nobody acknowledged. */
	CHECK(fs_store_clock_adjust(k, n.clk.ms, FS_SYNC_MAX_FUTURE_MS, &restamped, NULL) == 0);
	CHECK(restamped >= 4);
	CHECK(fs_store_clock_last(k, &last, NULL) == 0);
	CHECK(fs_hlc_ms(last) <= n.clk.ms + FS_SYNC_MAX_FUTURE_MS);
	fs_err_clear(&e);
	CHECK_MSG(test_sync(k, n.hub, &e) == 0, "%s", e.msg);
	/* A later edit elsewhere wins: the kiosk does not win every merge. */
	CHECK(test_sync(n.k[0], n.hub, NULL) == 0);
	n.clk.ms += 60000;
	CHECK(edit(n.k[0], id, "notes", json_string("later, elsewhere")) == 0);
	CHECK(test_sync(n.k[0], n.hub, NULL) == 0);
	wrong.ms += 60000;
	CHECK(test_sync(k, n.hub, NULL) == 0);
	CHECK(fs_contact_get(k, &got, id, NULL) == 0);
	CHECK_STR(json_string_value(json_object_get(got, "notes")), "later, elsewhere");
	json_decref(got);
	json_decref(f);
	fs_store_close(k);
	net_close(&n);
}

static void kiosk_years_behind_catches_up(void)
{
	net n;
	test_clock old = {1000}; /* 1970: a Pi that never had the time */
	fs_store *k;
	json_t *f = new_contact_fields();
	char id[FS_UUID_LEN + 1];
	fs_hlc last = 0;

	net_open(&n);
	k = test_store(dir, "k-past", "north", &old);
	CHECK(test_sync(k, n.hub, NULL) == 0);
	/* Receiving the hub's stamps moves its clock forward. */
	CHECK(fs_contact_put(k, id, NULL, NULL, f, NULL) == 0);
	CHECK(fs_store_clock_last(k, &last, NULL) == 0);
	CHECK(fs_hlc_ms(last) >= n.clk.ms - 1000);
	CHECK(test_sync(k, n.hub, NULL) == 0);
	json_decref(f);
	fs_store_close(k);
	net_close(&n);
}

static void changes_read_batches_and_resumes(void)
{
	net n;
	json_t *f = new_contact_fields();
	char id[FS_UUID_LEN + 1];
	int64_t cursor = 0;
	size_t total = 0, batches = 0;
	int i, more = 1;

	net_open(&n);
	for (i = 0; i < 20; i++)
		CHECK(fs_contact_put(n.k[0], id, NULL, NULL, f, NULL) == 0);
	while (more) {
		fs_changeset cs;

		CHECK(fs_changes_read(n.k[0], &cs, cursor, NULL, 7, 1 << 20, NULL) == 0);
		CHECK(cs.from == cursor && cs.to >= cursor);
		CHECK(cs.count <= 7);
		total += cs.count;
		batches++;
		cursor = cs.to;
		more = cs.more;
		fs_changeset_free(&cs);
	}
	/* 20 contacts of 7 fields each, and the questionnaire. */
	CHECK_MSG(total == 20 * 7 + 1, "total %zu", total);
	CHECK(batches >= 20);
	/* A tiny byte budget still makes progress, one change at a time. */
	{
		fs_changeset cs;

		CHECK(fs_changes_read(n.k[0], &cs, 0, NULL, 100, 1, NULL) == 0);
		CHECK(cs.count == 1 && cs.more);
		fs_changeset_free(&cs);
	}
	json_decref(f);
	net_close(&n);
}

int main(void)
{
	test_tmpdir(dir);
	RUN(merge_is_idempotent);
	RUN(merge_commutes);
	RUN(concurrent_edit_records_conflict_sequential_does_not);
	RUN(conflict_seen_at_two_replicas_is_recorded_once);
	RUN(equal_concurrent_writes_reach_third_replica);
	RUN(concurrent_deletes_converge);
	RUN(immutable_response_changed_is_quarantined);
	RUN(invalid_answers_are_quarantined_not_lost);
	RUN(unauthorized_change_refuses_whole_set);
	RUN(kiosk_years_ahead_is_refused_then_corrected);
	RUN(kiosk_years_behind_catches_up);
	RUN(changes_read_batches_and_resumes);
	test_rmdir(dir);
	return TEST_DONE();
}
