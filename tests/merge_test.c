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

/* A hub that holds the questionnaire quarantines a response in a language
 * the questionnaire does not offer, like any other invalid response. */
static void response_in_language_not_offered_is_quarantined(void)
{
	static const char *const refused[] = {"pl", "cy", "en-GB"};
	net n;
	fs_changeset up;
	fs_merge_result r;
	fs_store_counts c;
	json_t *b = test_response(3, NULL);
	char id[FS_UUID_LEN + 1];
	size_t i;

	net_open(&n);
	CHECK(fs_response_add(n.k[0], id, b, NULL) == 0);
	CHECK(fs_sync_kiosk_outgoing(n.k[0], &up, "h", 100, 1 << 20, NULL) == 0);
	for (i = 0; i < sizeof(refused) / sizeof(refused[0]); i++) {
		json_object_set_new(up.changes[0].value, "language", json_string(refused[i]));
		CHECK(fs_sync_hub_receive(n.hub, &up, fs_store_site(n.k[0]), "north", &r, NULL) ==
		      0);
		CHECK_MSG(r.quarantined == 1 && r.applied == 0, "language %s: applied %ld",
			  refused[i], r.applied);
	}
	CHECK(fs_store_count(n.hub, &c, NULL) == 0);
	CHECK(c.responses == 0 && c.quarantined == 3);
	json_object_set_new(up.changes[0].value, "language", json_string("en"));
	CHECK(fs_sync_hub_receive(n.hub, &up, fs_store_site(n.k[0]), "north", &r, NULL) == 0);
	CHECK(r.applied == 1);
	fs_changeset_free(&up);
	json_decref(b);
	net_close(&n);
}

/* fs_sync_kiosk_pending counts what fs_sync_kiosk_outgoing would send. */
static void kiosk_pending_counts_unacknowledged_own_writes(void)
{
	net n;
	json_t *b = test_response(3, NULL);
	char id[FS_UUID_LEN + 1];
	long pending = -1;
	int i;

	net_open(&n);
	CHECK(fs_sync_kiosk_pending(n.k[0], fs_store_site(n.hub), &pending, NULL) == 0);
	CHECK(pending == 0); /* questionnaires received are not its own */
	for (i = 0; i < 3; i++)
		CHECK(fs_response_add(n.k[0], id, b, NULL) == 0);
	CHECK(fs_response_delete(n.k[0], id, NULL) == 0); /* the same row again */
	CHECK(fs_sync_kiosk_pending(n.k[0], fs_store_site(n.hub), &pending, NULL) == 0);
	CHECK_MSG(pending == 3, "pending %ld", pending);
	CHECK(fs_sync_kiosk_pending(n.k[0], "another-hub", &pending, NULL) == 0);
	CHECK(pending == 3);
	CHECK(test_sync(n.k[0], n.hub, NULL) == 0);
	CHECK(fs_sync_kiosk_pending(n.k[0], fs_store_site(n.hub), &pending, NULL) == 0);
	CHECK(pending == 0);
	CHECK(fs_sync_kiosk_pending(n.k[1], fs_store_site(n.hub), &pending, NULL) == 0);
	CHECK(pending == 0); /* k0's response is not k1's to send */
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

/* The authorization policy and the commit hook are the merge's options
 * (authorize.h, merge.h): an empty set in another device's name is
 * refused, the hub's set may not carry responses to a kiosk, and a hook
 * that fails takes the whole merge back with it. */
static void empty_set_in_another_sites_name_is_refused(void)
{
	net n;
	fs_changeset cs;
	fs_err e = {0, ""};

	net_open(&n);
	fs_changeset_init(&cs);
	snprintf(cs.site, sizeof(cs.site), "%s", fs_store_site(n.k[1]));
	CHECK(fs_sync_hub_receive(n.hub, &cs, fs_store_site(n.k[0]), "north", NULL, &e) ==
	      FS_EFORBIDDEN);
	CHECK_MSG(strncmp(e.msg, "site: the change set is from ", 29) == 0, "%s", e.msg);
	snprintf(cs.site, sizeof(cs.site), "%s", fs_store_site(n.k[0]));
	CHECK(fs_sync_hub_receive(n.hub, &cs, fs_store_site(n.k[0]), "north", NULL, NULL) == 0);
	net_close(&n);
}

static void kiosk_refuses_responses_from_the_hub(void)
{
	net n;
	fs_changeset up;
	json_t *b = test_response(3, NULL);
	char id[FS_UUID_LEN + 1];
	uint64_t before;
	fs_err e = {0, ""};

	net_open(&n);
	CHECK(fs_response_add(n.k[0], id, b, NULL) == 0);
	CHECK(fs_sync_kiosk_outgoing(n.k[0], &up, "h", 100, 1 << 20, NULL) == 0);
	before = test_digest(n.k[1], NULL);
	CHECK(fs_sync_kiosk_receive(n.k[1], &up, "hub", NULL, &e) == FS_EFORBIDDEN);
	CHECK_MSG(strstr(e.msg, "may not write responses") != NULL, "%s", e.msg);
	CHECK(test_digest(n.k[1], NULL) == before);
	fs_changeset_free(&up);
	json_decref(b);
	net_close(&n);
}

typedef struct hook_probe {
	int calls, rc;
	int64_t to;
} hook_probe;

static int probe_hook(void *ctx, fs_store *s, const fs_changeset *cs, fs_err *err)
{
	hook_probe *p = ctx;

	(void)s;
	p->calls++;
	p->to = cs->to;
	return p->rc == 0 ? 0 : fs_err_set(err, p->rc, "hook refused");
}

static void failing_commit_hook_rolls_the_merge_back(void)
{
	net n;
	fs_changeset up;
	json_t *f = new_contact_fields();
	char id[FS_UUID_LEN + 1];
	hook_probe probe = {0, FS_EGENERIC, 0};
	fs_merge_opts o = {0};
	fs_merge_result r;
	uint64_t before;
	fs_err e = {0, ""};

	net_open(&n);
	CHECK(fs_contact_put(n.k[0], id, NULL, NULL, f, NULL) == 0);
	CHECK(fs_sync_kiosk_outgoing(n.k[0], &up, "h", 100, 1 << 20, NULL) == 0);
	before = test_digest(n.hub, NULL);
	o.on_commit = probe_hook;
	o.on_commit_ctx = &probe;
	CHECK(fs_merge_apply(n.hub, &up, &o, &r, &e) == FS_EGENERIC);
	CHECK_STR(e.msg, "hook refused");
	CHECK(probe.calls == 1 && probe.to == up.to);
	CHECK(test_digest(n.hub, NULL) == before);
	probe.rc = 0;
	CHECK(fs_merge_apply(n.hub, &up, &o, &r, NULL) == 0);
	CHECK(probe.calls == 2 && r.applied > 0 && test_digest(n.hub, NULL) != before);
	fs_changeset_free(&up);
	json_decref(f);
	net_close(&n);
}

/* The kiosk's round (fs_sync_round): a transport's refusal records
 * nothing; an answer that acknowledges another seq moves no cursor; a
 * reply of another range is refused after the acknowledgement is kept. */
typedef struct round_probe {
	fs_sync_local local;
	int mode; /* 0 pass, 1 refuse, 2 wrong ack, 3 wrong range */
	fs_buf forged;
} round_probe;

static int probe_send(void *ctx, int64_t pull, const void *body, size_t len, fs_sync_answer *a,
                      fs_err *err)
{
	round_probe *p = ctx;
	fs_changeset other;
	int rc;

	if (p->mode == 1)
		return fs_err_set(err, FS_EBUSY, "transport refused");
	rc = fs_sync_local_send(&p->local, pull, body, len, a, err);
	if (rc == 0 && p->mode == 2)
		a->ack += 1;
	if (rc == 0 && p->mode == 3) {
		fs_changeset_init(&other);
		snprintf(other.site, sizeof(other.site), "hub");
		other.from = other.to = pull + 7;
		fs_buf_init(&p->forged, 1 << 20);
		rc = fs_changeset_pack(&p->forged, &other, err);
		a->body = p->forged.data;
		a->len = p->forged.len;
	}
	return rc;
}

static void sync_round_records_only_what_is_true(void)
{
	net n;
	round_probe p;
	fs_sync_limits lim;
	fs_sync_result res;
	json_t *f = new_contact_fields();
	char id[FS_UUID_LEN + 1];
	int64_t push = -1, pull = -1;
	fs_err e = {0, ""};

	net_open(&n);
	memset(&p, 0, sizeof(p));
	CHECK(fs_contact_put(n.k[0], id, NULL, NULL, f, NULL) == 0);
	fs_sync_local_init(&p.local, &lim, n.hub, fs_store_site(n.k[0]), "north", 5000, 1 << 20);
	p.mode = 1;
	CHECK(fs_sync_round(n.k[0], "hub", probe_send, &p, &lim, &res, &e) == FS_EBUSY);
	CHECK(res.fault == FS_SYNC_FAULT_TRANSPORT && res.pushed > 0 && res.sent == 0);
	CHECK_STR(e.msg, "transport refused");
	CHECK(fs_store_peer_cursors(n.k[0], "hub", &push, &pull, NULL) == 0 && push == 0);
	p.mode = 2;
	fs_err_clear(&e);
	CHECK(fs_sync_round(n.k[0], "hub", probe_send, &p, &lim, &res, &e) == FS_EINVAL);
	CHECK_MSG(res.fault == FS_SYNC_FAULT_HUB && res.sent == 0, "%s", e.msg);
	CHECK(fs_store_peer_cursors(n.k[0], "hub", &push, &pull, NULL) == 0 && push == 0);
	p.mode = 3;
	fs_err_clear(&e);
	CHECK(fs_sync_round(n.k[0], "hub", probe_send, &p, &lim, &res, &e) == FS_EINVAL);
	CHECK_MSG(res.fault == FS_SYNC_FAULT_HUB && res.sent == (long)res.pushed, "%s", e.msg);
	CHECK_MSG(strstr(e.msg, "covers changes after 7") != NULL, "%s", e.msg);
	CHECK(fs_store_peer_cursors(n.k[0], "hub", &push, &pull, NULL) == 0 && push > 0 &&
	      pull == 0);
	fs_buf_free(&p.forged);
	p.mode = 0;
	CHECK(fs_sync_round(n.k[0], "hub", probe_send, &p, &lim, &res, NULL) == 0);
	CHECK(res.fault == FS_SYNC_FAULT_NONE && res.pushed == 0 && !res.more);
	CHECK(test_digest(n.hub, "north") == test_digest(n.k[0], "north"));
	fs_sync_local_free(&p.local);
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

/* ---- claims a device sends: conflicts and tombstones ---- */

/* The (hlc) of kiosk k's own last write of field of contact id. */
static fs_hlc own_write_hlc(fs_store *k, const char *id, const char *field)
{
	fs_changeset cs;
	fs_hlc h = 0;
	size_t i;

	if (fs_sync_kiosk_outgoing(k, &cs, "nobody", 10000, 1 << 24, NULL) != 0)
		return 0;
	for (i = 0; i < cs.count; i++)
		if (cs.changes[i].table == FS_TABLE_CONTACTS && strcmp(cs.changes[i].id, id) == 0 &&
		    strcmp(cs.changes[i].field, field) == 0)
			h = cs.changes[i].hlc;
	fs_changeset_free(&cs);
	return h;
}

/* Send one hand-made change as device site of north, over the wire. */
static int send_change(fs_store *hub, const char *site, fs_change *c, fs_merge_result *r,
		       fs_err *e)
{
	fs_changeset cs, rx;
	int rc;

	fs_changeset_init(&cs);
	snprintf(cs.site, sizeof(cs.site), "%s", site);
	cs.from = 0;
	cs.to = 1;
	cs.time_ms = fs_store_now_ms(hub);
	rc = fs_changeset_add(&cs, c, e);
	if (rc == 0)
		rc = test_transfer(&rx, &cs, e);
	if (rc == 0)
		rc = fs_sync_hub_receive(hub, &rx, site, "north", r, e);
	fs_changeset_free(&cs);
	fs_changeset_free(&rx);
	return rc;
}

static json_t *side_of(json_t *value, fs_hlc h, const char *site)
{
	char t[FS_HLC_TEXT_LEN + 1];

	fs_hlc_format(t, h);
	return json_pack("{s:o, s:s, s:s}", "value", value, "hlc", t, "site", site);
}

/* A conflicts change as device sender would send it. */
static fs_change conflict_claim(const char *sender, const char *record, const char *field,
				json_t *winner, json_t *loser, fs_hlc now)
{
	fs_change c;
	fs_hlc lh = 0;

	memset(&c, 0, sizeof(c));
	c.table = FS_TABLE_CONFLICTS;
	fs_hlc_parse(&lh, json_string_value(json_object_get(loser, "hlc")), NULL);
	fs_conflict_id(c.id, record, field, lh, json_string_value(json_object_get(loser, "site")));
	snprintf(c.region, sizeof(c.region), "north");
	snprintf(c.site, sizeof(c.site), "%s", sender);
	c.hlc = now;
	c.value = json_pack("{s:s, s:s, s:s, s:o, s:o}", "table", "contacts", "record", record,
			    "field", field, "winner", winner, "loser", loser);
	return c;
}

static const json_t *conflict_with_id(const json_t *list, const char *id)
{
	size_t i;

	for (i = 0; i < json_array_size(list); i++)
		if (strcmp(json_string_value(json_object_get(json_array_get(list, i), "id")), id) ==
		    0)
			return json_array_get(list, i);
	return NULL;
}

static const char *side_value(const json_t *conflict, const char *side)
{
	return json_string_value(json_object_get(json_object_get(conflict, side), "value"));
}

/* The attack: a kiosk sends a conflict under the id a real future
 * conflict will get, with made-up values. A claim naming a write the hub
 * holds with another value is not believed (quarantined); a claim that is
 * believed gives way to the conflict the hub derives itself. */
static void forged_conflict_claim_does_not_hide_real_conflict(void)
{
	net n;
	json_t *f = new_contact_fields(), *list = NULL;
	char id[FS_UUID_LEN + 1];
	const char *k0 = NULL, *k2 = NULL;
	const json_t *got;
	fs_merge_result r;
	fs_change c;
	fs_err e = {0, ""};
	fs_hlc w0;
	int i;

	net_open(&n);
	k0 = fs_store_site(n.k[0]);
	k2 = fs_store_site(n.k[2]);
	CHECK(fs_contact_put(n.k[0], id, NULL, NULL, f, NULL) == 0);
	for (i = 0; i < 3; i++)
		CHECK(test_sync(n.k[i], n.hub, NULL) == 0);
	/* Offline, concurrent: k0 first, k1 a second later. */
	n.clk.ms += 1000;
	CHECK(edit(n.k[0], id, "notes", json_string("k0 offline")) == 0);
	n.clk.ms += 1000;
	CHECK(edit(n.k[1], id, "notes", json_string("k1 offline")) == 0);
	CHECK(test_sync(n.k[0], n.hub, NULL) == 0); /* k0's value is current, visible */
	CHECK(test_sync(n.k[2], n.hub, NULL) == 0);
	w0 = own_write_hlc(n.k[0], id, "notes");
	CHECK(w0 != 0);
	/* Made-up loser value under the real future id: not believed. */
	c = conflict_claim(k2, id, "notes", side_of(json_string("mine"), w0 + 5, k2),
			   side_of(json_string("made up"), w0, k0), fs_hlc_make(n.clk.ms, 0));
	CHECK_MSG(send_change(n.hub, k2, &c, &r, &e) == 0, "%s", e.msg);
	CHECK_MSG(r.quarantined == 1 && r.applied == 0, "quarantined %ld applied %ld",
		  r.quarantined, r.applied);
	CHECK(conflicts_at(n.hub) == 0);
	/* With the true loser value it is believed (the winner is k2's own)... */
	c = conflict_claim(k2, id, "notes", side_of(json_string("mine"), w0 + 5, k2),
			   side_of(json_string("k0 offline"), w0, k0), fs_hlc_make(n.clk.ms, 0));
	CHECK(send_change(n.hub, k2, &c, &r, NULL) == 0);
	CHECK(r.applied == 1 && conflicts_at(n.hub) == 1);
	/* ...until the hub derives the real one, which takes its place. */
	CHECK(test_sync(n.k[1], n.hub, NULL) == 0);
	CHECK(fs_conflict_list(n.hub, &list, 10, NULL) == 0);
	CHECK(json_array_size(list) == 1);
	got = conflict_with_id(list, c.id);
	CHECK(got != NULL);
	CHECK_STR(side_value(got, "loser"), "k0 offline");
	CHECK_STR(side_value(got, "winner"), "k1 offline");
	CHECK_STR(json_string_value(json_object_get(got, "detected_by")), fs_store_site(n.hub));
	json_decref(list);
	/* The region gets the hub's version, the forger included. */
	for (i = 0; i < 3; i++) {
		CHECK(test_sync(n.k[i], n.hub, NULL) == 0);
		CHECK(fs_conflict_list(n.k[i], &list, 10, NULL) == 0);
		got = conflict_with_id(list, c.id);
		CHECK_MSG(got != NULL && strcmp(side_value(got, "winner"), "k1 offline") == 0,
			  "kiosk %d", i);
		json_decref(list);
	}
	json_decref(f);
	net_close(&n);
}

/* Claims about contacts that exist nowhere, sites that made no such write,
 * or writes of one site, are not believed; about another region's contact
 * they are refused. */
static void conflict_claims_about_unknown_writes_are_not_believed(void)
{
	net n;
	json_t *f = new_contact_fields();
	char id[FS_UUID_LEN + 1], south[FS_UUID_LEN + 1];
	const char *k2;
	fs_merge_result r;
	fs_change c;
	fs_err e = {0, ""};
	fs_hlc now, w;
	uint64_t before;

	net_open(&n);
	k2 = fs_store_site(n.k[2]);
	CHECK(fs_contact_put(n.k[0], id, NULL, NULL, f, NULL) == 0);
	CHECK(test_sync(n.k[0], n.hub, NULL) == 0);
	CHECK(test_sync(n.k[2], n.hub, NULL) == 0);
	w = own_write_hlc(n.k[0], id, "channel");
	now = fs_hlc_make(n.clk.ms, 0);
	before = test_digest(n.hub, NULL);
	/* A contact that exists nowhere. */
	c = conflict_claim(k2, "01900000-0000-7000-8000-000000000001", "notes",
			   side_of(json_string("a"), now, "kiosk-ghost"),
			   side_of(json_string("b"), now - 1, k2), now);
	CHECK(send_change(n.hub, k2, &c, &r, NULL) == 0);
	CHECK(r.quarantined == 1 && r.applied == 0);
	/* A winner from a site that never made that write. */
	c = conflict_claim(k2, id, "notes", side_of(json_string("a"), now, "kiosk-ghost"),
			   side_of(json_string("b"), now - 1, k2), now);
	CHECK(send_change(n.hub, k2, &c, &r, NULL) == 0);
	CHECK(r.quarantined == 1 && r.applied == 0);
	/* k0's real write, but with a value it never had. */
	c = conflict_claim(k2, id, "channel", side_of(json_string("video"), w + 9, k2),
			   side_of(json_string("text"), w, fs_store_site(n.k[0])), now);
	CHECK(send_change(n.hub, k2, &c, &r, NULL) == 0);
	CHECK(r.quarantined == 1 && r.applied == 0);
	/* Both sides the sender's own. */
	c = conflict_claim(k2, id, "notes", side_of(json_string("a"), now, k2),
			   side_of(json_string("b"), now - 1, k2), now);
	CHECK(send_change(n.hub, k2, &c, &r, NULL) == 0);
	CHECK(r.quarantined == 1 && r.applied == 0);
	/* The loser is the later write. */
	c = conflict_claim(k2, id, "channel", side_of(json_string("phone"), w, fs_store_site(n.k[0])),
			   side_of(json_string("video"), w + 9, k2), now);
	CHECK(send_change(n.hub, k2, &c, &r, NULL) == 0);
	CHECK(r.quarantined == 1 && r.applied == 0);
	CHECK(conflicts_at(n.hub) == 0);
	CHECK(test_digest(n.hub, NULL) == before);
	/* Another region's contact: refused, nothing applied. */
	CHECK(fs_contact_put(n.hub, south, NULL, "south", f, NULL) == 0);
	c = conflict_claim(k2, south, "notes", side_of(json_string("a"), now, k2),
			   side_of(json_string("b"), now - 1, "kiosk-ghost"), now);
	CHECK(send_change(n.hub, k2, &c, NULL, &e) == FS_EFORBIDDEN);
	CHECK_MSG(strstr(e.msg, "region") != NULL, "%s", e.msg);
	json_decref(f);
	net_close(&n);
}

/* A claim may name a write the hub no longer holds as current: believed
 * when the hub held exactly that write, value included. */
static void conflict_claim_about_a_replaced_write_is_checked_against_it(void)
{
	net n;
	json_t *f = new_contact_fields();
	char id[FS_UUID_LEN + 1];
	const char *k0, *k2;
	fs_merge_result r;
	fs_change c;
	fs_hlc w1, now;

	net_open(&n);
	k0 = fs_store_site(n.k[0]);
	k2 = fs_store_site(n.k[2]);
	CHECK(fs_contact_put(n.k[0], id, NULL, NULL, f, NULL) == 0);
	n.clk.ms += 1000;
	CHECK(edit(n.k[0], id, "notes", json_string("first")) == 0);
	CHECK(test_sync(n.k[0], n.hub, NULL) == 0);
	w1 = own_write_hlc(n.k[0], id, "notes");
	n.clk.ms += 1000;
	CHECK(edit(n.k[0], id, "notes", json_string("second")) == 0);
	CHECK(test_sync(n.k[0], n.hub, NULL) == 0); /* "first" is replaced at the hub */
	CHECK(test_sync(n.k[2], n.hub, NULL) == 0);
	now = fs_hlc_make(n.clk.ms, 0);
	c = conflict_claim(k2, id, "notes", side_of(json_string("mine"), w1 + 3, k2),
			   side_of(json_string("not it"), w1, k0), now);
	CHECK(send_change(n.hub, k2, &c, &r, NULL) == 0);
	CHECK(r.quarantined == 1 && r.applied == 0);
	c = conflict_claim(k2, id, "notes", side_of(json_string("mine"), w1 + 3, k2),
			   side_of(json_string("first"), w1, k0), now);
	CHECK(send_change(n.hub, k2, &c, &r, NULL) == 0);
	CHECK_MSG(r.applied == 1 && r.quarantined == 0, "applied %ld quarantined %ld", r.applied,
		  r.quarantined);
	json_decref(f);
	net_close(&n);
}

static fs_change response_tombstone(const char *site, const char *id, fs_hlc h)
{
	fs_change c;

	memset(&c, 0, sizeof(c));
	c.table = FS_TABLE_RESPONSES;
	snprintf(c.id, sizeof(c.id), "%s", id);
	snprintf(c.site, sizeof(c.site), "%s", site);
	c.hlc = h;
	c.deleted = 1;
	return c;
}

/* A kiosk that learned a response id tombstones it before the response
 * reaches the hub: the owner's push still stores the response, the forged
 * tombstone is kept in quarantine, and tombstoning it again is refused. */
static void forged_advance_tombstone_does_not_suppress_owner(void)
{
	net n;
	json_t *b = test_response(3, NULL), *got = NULL;
	char id[FS_UUID_LEN + 1];
	fs_changeset up, late;
	fs_merge_result r;
	fs_change c;
	fs_store_counts counts;
	fs_err e = {0, ""};

	net_open(&n);
	CHECK(fs_response_add(n.k[0], id, b, NULL) == 0);
	CHECK(fs_sync_kiosk_outgoing(n.k[0], &up, "h", 100, 1 << 20, NULL) == 0);
	CHECK(test_transfer(&late, &up, NULL) == 0);
	fs_changeset_free(&up);
	c = response_tombstone(fs_store_site(n.k[1]), id, fs_hlc_make(n.clk.ms, 0));
	CHECK(send_change(n.hub, fs_store_site(n.k[1]), &c, &r, NULL) == 0);
	CHECK(test_sync(n.k[0], n.hub, NULL) == 0);
	CHECK(fs_response_get(n.hub, &got, id, NULL) == 0);
	CHECK_MSG(json_object_get(got, "deleted") == NULL, "the owner's response was dropped");
	CHECK(json_integer_value(json_object_get(json_object_get(got, "answers"), "overall")) ==
	      3);
	CHECK_STR(json_string_value(json_object_get(got, "site")), fs_store_site(n.k[0]));
	json_decref(got);
	CHECK(fs_store_count(n.hub, &counts, NULL) == 0);
	CHECK(counts.quarantined == 1 && counts.responses == 1);
	/* Now the response is here: another site's tombstone is refused. */
	c = response_tombstone(fs_store_site(n.k[1]), id, fs_hlc_make(n.clk.ms, 0) + 1);
	CHECK(send_change(n.hub, fs_store_site(n.k[1]), &c, NULL, &e) == FS_EFORBIDDEN);
	CHECK_MSG(strstr(e.msg, id) != NULL, "%s", e.msg);
	/* The owner may delete it. */
	CHECK(fs_response_delete(n.k[0], id, NULL) == 0);
	CHECK(test_sync(n.k[0], n.hub, NULL) == 0);
	CHECK(fs_response_get(n.hub, &got, id, NULL) == 0);
	CHECK(json_is_true(json_object_get(got, "deleted")));
	json_decref(got);
	/* Another tombstone of the erased response changes nothing, and a
	 * late copy of the content does not bring it back. */
	c = response_tombstone(fs_store_site(n.k[1]), id, fs_hlc_make(n.clk.ms, 0) + 9);
	CHECK(send_change(n.hub, fs_store_site(n.k[1]), &c, NULL, NULL) == 0);
	CHECK(fs_sync_hub_receive(n.hub, &late, fs_store_site(n.k[0]), "north", &r, NULL) == 0);
	CHECK(fs_response_get(n.hub, &got, id, NULL) == 0);
	CHECK(json_is_true(json_object_get(got, "deleted")));
	CHECK(json_object_get(got, "answers") == NULL);
	json_decref(got);
	fs_changeset_free(&late);
	json_decref(b);
	net_close(&n);
}

/* The owner deleted its response before sending it, and another kiosk
 * forged a tombstone first: the owner's tombstone is taken (not refused),
 * and a late copy of the content does not bring the response back. */
static void owner_advance_tombstone_stands_beside_forged_one(void)
{
	net n;
	json_t *b = test_response(3, NULL), *got = NULL;
	char id[FS_UUID_LEN + 1];
	fs_changeset up, late;
	fs_merge_result r;
	fs_change c;
	fs_store_counts counts;
	fs_err e = {0, ""};

	net_open(&n);
	CHECK(fs_response_add(n.k[0], id, b, NULL) == 0);
	CHECK(fs_sync_kiosk_outgoing(n.k[0], &up, "h", 100, 1 << 20, NULL) == 0);
	CHECK(test_transfer(&late, &up, NULL) == 0);
	fs_changeset_free(&up);
	CHECK(fs_response_delete(n.k[0], id, NULL) == 0);
	c = response_tombstone(fs_store_site(n.k[1]), id, fs_hlc_make(n.clk.ms, 0));
	CHECK(send_change(n.hub, fs_store_site(n.k[1]), &c, &r, NULL) == 0);
	CHECK_MSG(test_sync(n.k[0], n.hub, &e) == 0, "%s", e.msg);
	CHECK(fs_sync_hub_receive(n.hub, &late, fs_store_site(n.k[0]), "north", &r, NULL) == 0);
	CHECK(fs_response_get(n.hub, &got, id, NULL) == 0);
	CHECK(json_is_true(json_object_get(got, "deleted")));
	CHECK(json_object_get(got, "answers") == NULL);
	json_decref(got);
	CHECK(fs_store_count(n.hub, &counts, NULL) == 0);
	CHECK(counts.quarantined == 1);
	fs_changeset_free(&late);
	json_decref(b);
	net_close(&n);
}

/* ---- the clock rule for a response's own times ---- */

static json_t *response_at(uint64_t started_ms, uint64_t submitted_ms)
{
	json_t *b = test_response(3, NULL);
	char t[FS_TIMESTAMP_LEN + 1];

	fs_timestamp_format(t, started_ms);
	json_object_set_new(b, "started_at", json_string(t));
	fs_timestamp_format(t, submitted_ms);
	json_object_set_new(b, "submitted_at", json_string(t));
	return b;
}

static uint64_t submitted_ms(fs_store *s, const char *id)
{
	json_t *got = NULL;
	uint64_t t = 0;

	if (fs_response_get(s, &got, id, NULL) == 0)
		fs_timestamp_to_ms(json_string_value(json_object_get(got, "submitted_at")), &t);
	json_decref(got);
	return t;
}

static uint64_t ms_apart(uint64_t a, uint64_t b)
{
	return a > b ? a - b : b - a;
}

static void response_times_follow_the_clock_rule(void)
{
	net n;
	fs_store *k;
	json_t *b;
	char id[FS_UUID_LEN + 1];
	fs_changeset up, rx;
	fs_merge_result r;
	fs_err e = {0, ""};
	uint64_t before;

	net_open(&n);
	/* 2099: refused as a clock ahead, whole set, like a stamp. */
	k = test_store(dir, "k-2099", "north", &n.clk);
	CHECK(test_sync(k, n.hub, NULL) == 0);
	b = response_at(4070908800000ull, 4070908800000ull); /* 2099-01-01 */
	CHECK(fs_response_add(k, id, b, NULL) == 0);
	json_decref(b);
	before = test_digest(n.hub, NULL);
	CHECK(test_sync(k, n.hub, &e) == FS_ECLOCK);
	CHECK_MSG(strstr(e.msg, "response.started_at: ") != NULL && strstr(e.msg, "ahead"), "%s",
		  e.msg);
	CHECK(test_digest(n.hub, NULL) == before);
	fs_store_close(k);
	/* 1970: before the questionnaire was published; kept in quarantine. */
	k = test_store(dir, "k-1970", "north", &n.clk);
	CHECK(test_sync(k, n.hub, NULL) == 0);
	b = response_at(10000, 20000);
	CHECK(fs_response_add(k, id, b, NULL) == 0);
	json_decref(b);
	CHECK(fs_sync_kiosk_outgoing(k, &up, "h", 100, 1 << 20, NULL) == 0);
	CHECK(fs_sync_hub_receive(n.hub, &up, fs_store_site(k), "north", &r, NULL) == 0);
	CHECK(r.quarantined == 1 && r.applied == 0);
	CHECK(fs_response_get(n.hub, &b, id, NULL) == FS_ENOTFOUND);
	/* Started after submitted: refused at the kiosk and on the wire. */
	json_object_set_new(up.changes[0].value, "started_at",
			    json_string("1970-01-01T00:01:00Z"));
	fs_err_clear(&e);
	CHECK(test_transfer(&rx, &up, &e) == FS_EINVAL);
	CHECK_MSG(strstr(e.msg, "started_at") != NULL, "%s", e.msg);
	fs_changeset_free(&up);
	b = response_at(n.clk.ms + 1000, n.clk.ms);
	CHECK(fs_response_add(k, id, b, NULL) == FS_EINVAL);
	json_decref(b);
	fs_store_close(k);
	net_close(&n);
}

/* A boot clock the test moves: ms since boot and a boot identity. */
typedef struct test_boot {
	uint64_t ms, id;
} test_boot;

static int test_boot_read(void *ctx, uint64_t *ms, uint64_t *id)
{
	*ms = ((test_boot *)ctx)->ms;
	*id = ((test_boot *)ctx)->id;
	return 0;
}

/* A kiosk three years ahead: the corrected kiosk re-dates what the hub did
 * not take; and once its clock is set right while offline, the stale
 * offset is not applied any more. */
static void corrected_kiosk_redates_and_drops_stale_offset(void)
{
	net n;
	test_clock wrong = {0};
	test_boot boot = {3600000, 7};
	fs_store *k;
	json_t *b;
	char early[FS_UUID_LEN + 1], id[FS_UUID_LEN + 1], late[FS_UUID_LEN + 1];
	const uint64_t years3 = 3ull * 365 * 24 * 3600 * 1000;
	uint64_t t;

	net_open(&n);
	wrong.ms = n.clk.ms;
	k = test_store(dir, "k-redate", "north", &wrong);
	fs_store_set_boottime(k, test_boot_read, &boot);
	CHECK(test_sync(k, n.hub, NULL) == 0);
	b = response_at(fs_store_now_ms(k) - 30000, fs_store_now_ms(k));
	CHECK(fs_response_add(k, early, b, NULL) == 0);
	json_decref(b);
	CHECK(test_sync(k, n.hub, NULL) == 0); /* acknowledged */
	/* The clock jumps three years ahead; a response is made. */
	wrong.ms += years3;
	boot.ms += 1000;
	b = response_at(fs_store_now_ms(k) - 30000, fs_store_now_ms(k));
	CHECK(fs_response_add(k, id, b, NULL) == 0);
	json_decref(b);
	CHECK(test_sync(k, n.hub, NULL) == FS_ECLOCK);
	CHECK(fs_store_clock_adjust(k, n.clk.ms, FS_SYNC_MAX_FUTURE_MS, NULL, NULL) == 0);
	t = submitted_ms(k, id);
	CHECK_MSG(ms_apart(t, n.clk.ms) <= 2000, "re-dated to %llu, hub at %llu",
		  (unsigned long long)t, (unsigned long long)n.clk.ms);
	CHECK(ms_apart(submitted_ms(k, early), n.clk.ms) <= 2000); /* untouched */
	CHECK(test_sync(k, n.hub, NULL) == 0);
	CHECK(ms_apart(submitted_ms(n.hub, id), n.clk.ms) <= 2000);
	/* Ten minutes on, the offset still applies. */
	n.clk.ms += 600000;
	wrong.ms += 600000;
	boot.ms += 600000;
	CHECK(ms_apart(fs_store_now_ms(k), n.clk.ms) <= 1000);
	/* Someone sets the clock right while offline: no offset any more. */
	wrong.ms = n.clk.ms;
	CHECK_MSG(ms_apart(fs_store_now_ms(k), n.clk.ms) <= 1000, "now %llu, true %llu",
		  (unsigned long long)fs_store_now_ms(k), (unsigned long long)n.clk.ms);
	CHECK(fs_store_clock_offset(k) == 0);
	b = response_at(fs_store_now_ms(k) - 30000, fs_store_now_ms(k));
	CHECK(fs_response_add(k, late, b, NULL) == 0);
	json_decref(b);
	CHECK(test_sync(k, n.hub, NULL) == 0);
	CHECK(ms_apart(submitted_ms(n.hub, late), n.clk.ms) <= 2000);
	fs_store_close(k);
	net_close(&n);
}

/* The kiosk made a response while three years ahead, then its clock was
 * set right before it could sync: the correction explains nothing, so the
 * response is dated at the hub's time, and the kiosk is not stuck behind
 * a 409 for good. */
static void response_dated_ahead_by_a_clock_since_fixed_is_not_stuck(void)
{
	net n;
	test_clock wrong = {0};
	fs_store *k;
	json_t *b;
	char id[FS_UUID_LEN + 1];
	fs_err e = {0, ""};

	net_open(&n);
	wrong.ms = n.clk.ms;
	k = test_store(dir, "k-fixed", "north", &wrong);
	CHECK(test_sync(k, n.hub, NULL) == 0);
	wrong.ms += 3ull * 365 * 24 * 3600 * 1000;
	b = response_at(fs_store_now_ms(k) - 45000, fs_store_now_ms(k));
	CHECK(fs_response_add(k, id, b, NULL) == 0);
	json_decref(b);
	wrong.ms = n.clk.ms + 1000;
	CHECK(test_sync(k, n.hub, NULL) == FS_ECLOCK);
	CHECK(fs_store_clock_adjust(k, n.clk.ms, FS_SYNC_MAX_FUTURE_MS, NULL, NULL) == 0);
	CHECK_MSG(test_sync(k, n.hub, &e) == 0, "%s", e.msg);
	CHECK(ms_apart(submitted_ms(n.hub, id), n.clk.ms) <= 1000);
	CHECK(fs_response_get(n.hub, &b, id, NULL) == 0);
	CHECK(fs_timestamp_to_ms(json_string_value(json_object_get(b, "started_at")), &wrong.ms) ==
	      0);
	CHECK(ms_apart(wrong.ms, n.clk.ms - 45000) <= 1000); /* the time taken is kept */
	json_decref(b);
	fs_store_close(k);
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
	RUN(response_in_language_not_offered_is_quarantined);
	RUN(kiosk_pending_counts_unacknowledged_own_writes);
	RUN(unauthorized_change_refuses_whole_set);
	RUN(kiosk_years_ahead_is_refused_then_corrected);
	RUN(kiosk_years_behind_catches_up);
	RUN(changes_read_batches_and_resumes);
	RUN(forged_conflict_claim_does_not_hide_real_conflict);
	RUN(conflict_claims_about_unknown_writes_are_not_believed);
	RUN(conflict_claim_about_a_replaced_write_is_checked_against_it);
	RUN(forged_advance_tombstone_does_not_suppress_owner);
	RUN(owner_advance_tombstone_stands_beside_forged_one);
	RUN(response_times_follow_the_clock_rule);
	RUN(corrected_kiosk_redates_and_drops_stale_offset);
	RUN(response_dated_ahead_by_a_clock_since_fixed_is_not_stuck);
	RUN(empty_set_in_another_sites_name_is_refused);
	RUN(kiosk_refuses_responses_from_the_hub);
	RUN(failing_commit_hook_rolls_the_merge_back);
	RUN(sync_round_records_only_what_is_true);
	test_rmdir(dir);
	return TEST_DONE();
}
