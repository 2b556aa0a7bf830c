/* The device registry's rules, on SQLite (no argument) or on PostgreSQL
 * (argument: a server's URI, tests/pg/pg_tmp.sh; each store a schema). */
#include "audit.h"
#include "registry.h"
#include "fieldsync/backend.h"
#include "fieldsync/records.h"
#include "fieldsync/region.h"
#include "fieldsync/sync.h"
#include "test.h"
#include "test_stores.h"

static char dir[64];
static const char *pg_base; /* NULL: SQLite */

static fs_store *reg_store(const char *name, const char *region, test_clock *clk)
{
	return test_store_named(pg_base, dir, name, name, region, clk);
}

static void enroll_code_redeems_once(void)
{
	test_clock clk = {1795770000000ull};
	fs_store *s = reg_store("hub-a", NULL, &clk);
	char code[HUB_ENROLL_CODE_LEN + 1], token[HUB_TOKEN_MAX + 1], lower[HUB_ENROLL_CODE_LEN + 1];
	hub_device d, who;
	fs_err e = {0, ""};
	size_t i;

	CHECK(hub_enroll_code_create(s, code, "north", 3600 * 1000, &e) == 0);
	CHECK(strlen(code) == HUB_ENROLL_CODE_LEN && code[5] == '-' && code[11] == '-');
	/* Typed in lower case without hyphens still works. */
	for (i = 0; i <= strlen(code); i++)
		lower[i] = (char)(code[i] >= 'A' && code[i] <= 'Z' ? code[i] + 32 : code[i]);
	CHECK(hub_enroll_redeem(s, &d, token, lower, "library-1", &e) == 0);
	CHECK_STR(d.region, "north");
	CHECK_STR(d.name, "library-1");
	CHECK(fs_name_is_valid(d.site));
	CHECK(strncmp(token, d.site, strlen(d.site)) == 0);
	CHECK(hub_device_authenticate(s, &who, token, &e) == 0);
	CHECK_STR(who.site, d.site);
	CHECK_STR(who.region, "north");
	CHECK(hub_enroll_redeem(s, &d, token, code, NULL, &e) == FS_EFORBIDDEN);
	CHECK(strstr(e.msg, "already used") != NULL);
	fs_store_close(s);
}

static void enroll_code_expires(void)
{
	test_clock clk = {1795770000000ull};
	fs_store *s = reg_store("hub-b", NULL, &clk);
	char code[HUB_ENROLL_CODE_LEN + 1], token[HUB_TOKEN_MAX + 1];
	hub_device d;
	fs_err e = {0, ""};

	CHECK(hub_enroll_code_create(s, code, "north", 60 * 1000, &e) == 0);
	clk.ms += 61 * 1000;
	CHECK(hub_enroll_redeem(s, &d, token, code, NULL, &e) == FS_EFORBIDDEN);
	CHECK(strstr(e.msg, "expired") != NULL);
	CHECK(token[0] == '\0');
	fs_store_close(s);
}

static void enroll_failures_are_rate_limited(void)
{
	test_clock clk = {1795770000000ull};
	fs_store *s = reg_store("hub-c", NULL, &clk);
	char code[HUB_ENROLL_CODE_LEN + 1], token[HUB_TOKEN_MAX + 1];
	hub_device d;
	fs_err e = {0, ""};
	int i;

	CHECK(hub_enroll_code_create(s, code, "north", 3600 * 1000, &e) == 0);
	/* Malformed codes cannot match one: they are refused and not counted. */
	for (i = 0; i < HUB_ENROLL_FAILS_PER_MINUTE + 10; i++) {
		fs_err_clear(&e);
		CHECK(hub_enroll_redeem(s, &d, token, "not a code", NULL, &e) == FS_EINVAL);
	}
	/* Well-formed wrong codes count, in a sliding minute: half now... */
	for (i = 0; i < HUB_ENROLL_FAILS_PER_MINUTE; i++) {
		if (i == HUB_ENROLL_FAILS_PER_MINUTE / 2)
			clk.ms += 30 * 1000; /* ...half 30 s later */
		fs_err_clear(&e);
		CHECK(hub_enroll_redeem(s, &d, token, "AAAAA-AAAAA-AA", NULL, &e) == FS_ENOTFOUND);
	}
	fs_err_clear(&e);
	/* Even the right code waits now, and the refusal is not counted. */
	CHECK(hub_enroll_redeem(s, &d, token, code, NULL, &e) == FS_ELIMIT);
	CHECK(strstr(e.msg, "too many failed enrollment attempts") != NULL);
	/* 31 s on, the first half has aged out: room for more attempts. */
	clk.ms += 31 * 1000;
	fs_err_clear(&e);
	CHECK(hub_enroll_redeem(s, &d, token, code, NULL, &e) == 0);
	for (i = 0; i < HUB_ENROLL_FAILS_PER_MINUTE / 2; i++) {
		fs_err_clear(&e);
		CHECK(hub_enroll_redeem(s, &d, token, code, NULL, &e) == FS_EFORBIDDEN);
	}
	fs_err_clear(&e);
	CHECK(hub_enroll_redeem(s, &d, token, "BBBBB-BBBBB-BB", NULL, &e) == FS_ELIMIT);
	fs_err_clear(&e);
	CHECK(hub_enroll_redeem(s, &d, token, "not a code", NULL, &e) == FS_EINVAL);
	fs_store_close(s);
}

static void device_authenticate_refuses_wrong_and_revoked(void)
{
	fs_store *s = reg_store("hub-d", NULL, NULL);
	char code[HUB_ENROLL_CODE_LEN + 1], token[HUB_TOKEN_MAX + 1], bad[HUB_TOKEN_MAX + 1];
	hub_device d, who;
	fs_err e = {0, ""};
	json_t *list = NULL;

	CHECK(hub_enroll_code_create(s, code, "south", 3600 * 1000, &e) == 0);
	CHECK(hub_enroll_redeem(s, &d, token, code, NULL, &e) == 0);
	memcpy(bad, token, sizeof(bad));
	bad[strlen(bad) - 1] = bad[strlen(bad) - 1] == 'A' ? 'B' : 'A';
	CHECK(hub_device_authenticate(s, &who, bad, &e) == FS_ENOTFOUND);
	fs_err_clear(&e);
	CHECK(hub_device_authenticate(s, &who, "", &e) == FS_ENOTFOUND);
	fs_err_clear(&e);
	CHECK(hub_device_authenticate(s, &who, "k-nobody.xxx", &e) == FS_ENOTFOUND);
	fs_err_clear(&e);
	CHECK(hub_device_revoke(s, d.site, &e) == 0);
	CHECK(hub_device_authenticate(s, &who, token, &e) == FS_EFORBIDDEN);
	fs_err_clear(&e);
	CHECK(hub_device_revoke(s, "k-nobody", &e) == FS_ENOTFOUND);
	CHECK(hub_device_note_sync(s, d.site, NULL, NULL) == 0);
	CHECK(hub_device_list(s, &list, NULL) == 0);
	CHECK(json_array_size(list) == 1);
	CHECK(json_is_true(json_object_get(json_array_get(list, 0), "revoked")));
	CHECK(json_is_string(json_object_get(json_array_get(list, 0), "last_sync")));
	json_decref(list);
	fs_store_close(s);
}

/* A device's merged sync records its last sync and clears its last error
 * in the merge's commit: the hub's hook (hub_device_synced, through
 * hub_device_note_sync, the one writer), not the engine's doing. */
static void device_sync_is_noted_by_the_merge(void)
{
	test_clock clk = {1795770000000ull};
	fs_store *s = reg_store("hub-m", NULL, &clk);
	char code[HUB_ENROLL_CODE_LEN + 1], token[HUB_TOKEN_MAX + 1];
	fs_changeset cs;
	hub_device d;
	json_t *list = NULL;

	CHECK(hub_enroll_code_create(s, code, "south", 3600 * 1000, NULL) == 0);
	CHECK(hub_enroll_redeem(s, &d, token, code, NULL, NULL) == 0);
	CHECK(hub_device_note_sync(s, d.site, "invalid_changeset", NULL) == 0);
	clk.ms += 60000;
	fs_changeset_init(&cs);
	snprintf(cs.site, sizeof(cs.site), "%s", d.site);
	CHECK(fs_sync_hub_receive_noted(s, &cs, d.site, "south", -1, hub_device_synced, d.site, NULL,
				  NULL) == 0);
	CHECK(hub_device_list(s, &list, NULL) == 0);
	CHECK_STR(json_string_value(json_object_get(json_array_get(list, 0), "last_sync")),
		  "2026-11-27T09:01:00Z");
	CHECK(json_is_null(json_object_get(json_array_get(list, 0), "last_error")));
	json_decref(list);
	fs_store_close(s);
}

/* The registry is the hub's: a kiosk's store has none to write to. */
static void kiosk_store_has_no_registry(void)
{
	fs_store *s = reg_store("k-nohub", "north", NULL);
	char code[HUB_ENROLL_CODE_LEN + 1], token[HUB_TOKEN_MAX + 1];
	hub_device d;
	json_t *list = NULL;
	fs_err e = {0, ""};

	CHECK(hub_enroll_code_create(s, code, "north", 60000, &e) == FS_EINVAL);
	CHECK(strstr(e.msg, "not opened as a hub store") != NULL);
	CHECK(hub_enroll_redeem(s, &d, token, "ABCDE-FGHJK-MN", NULL, &e) == FS_EINVAL);
	CHECK(hub_device_list(s, &list, &e) == FS_EINVAL);
	CHECK(list == NULL);
	fs_store_close(s);
}

/* The device list formats times through time_t and gmtime_r: a hub whose
 * clock says 2040 lists 2040. */
static void device_times_after_2038(void)
{
	test_clock clk = {2222164800000ull + 60000}; /* 2040-06-01T12:01:00Z */
	fs_store *h = reg_store("hub2040", NULL, &clk);
	char code[HUB_ENROLL_CODE_LEN + 1], token[HUB_TOKEN_MAX + 1];
	hub_device d;
	json_t *list = NULL, *dev;
	fs_err e = {0, ""};

	CHECK(hub_enroll_code_create(h, code, "north", 3600 * 1000, &e) == 0);
	CHECK(hub_enroll_redeem(h, &d, token, code, "kiosk-2040", &e) == 0);
	CHECK(hub_device_note_sync(h, d.site, NULL, &e) == 0);
	CHECK(hub_device_list(h, &list, &e) == 0);
	CHECK(json_array_size(list) == 1);
	dev = json_array_get(list, 0);
	CHECK_STR(json_string_value(json_object_get(dev, "enrolled")), "2040-06-01T12:01:00Z");
	CHECK_STR(json_string_value(json_object_get(dev, "last_sync")), "2040-06-01T12:01:00Z");
	json_decref(list);
	fs_store_close(h);
}

/* Two handles on one store (two hub processes): a code still redeems
 * once, and a device enrolled through one authenticates through the
 * other. */
static void code_redeems_once_across_handles(void)
{
	fs_store *a = reg_store("hub-x", NULL, NULL), *b = reg_store("hub-x", NULL, NULL);
	char code[HUB_ENROLL_CODE_LEN + 1], token[HUB_TOKEN_MAX + 1], token2[HUB_TOKEN_MAX + 1];
	hub_device d, who;
	fs_err e = {0, ""};

	CHECK(hub_enroll_code_create(a, code, "east", 3600 * 1000, &e) == 0);
	CHECK(hub_enroll_redeem(b, &d, token, code, "kiosk-b", &e) == 0);
	CHECK(hub_enroll_redeem(a, &who, token2, code, "kiosk-a", &e) == FS_EFORBIDDEN);
	CHECK(strstr(e.msg, "already used") != NULL && token2[0] == '\0');
	CHECK(hub_device_authenticate(a, &who, token, &e) == 0);
	CHECK_STR(who.site, d.site);
	CHECK_STR(who.name, "kiosk-b");
	fs_store_close(a);
	fs_store_close(b);
}

/* ---- kiosk management ---- */

/* What a kiosk says about itself is bounded and, when it breaks a rule,
 * left out: never a reason to refuse the sync. */
static void kiosk_status_is_bounded(void)
{
	const uint64_t now = 1795770000000ull;
	char huge[200];
	hub_kiosk_status st;

	hub_kiosk_status_parse(&st, "fieldsync-agent/0.1.0", "12", "1795770005000", "south", now);
	CHECK_STR(st.agent_version, "fieldsync-agent/0.1.0");
	CHECK(st.pending == 12);
	CHECK(st.has_clock_offset && st.clock_offset_ms == 5000);
	CHECK_STR(st.region, "south");
	memset(huge, 'a', sizeof(huge) - 1);
	huge[sizeof(huge) - 1] = '\0';
	hub_kiosk_status_parse(&st, huge, "-5", "-1", "South", now);
	CHECK_STR(st.agent_version, "");
	CHECK(st.pending == -1 && !st.has_clock_offset);
	CHECK_STR(st.region, "");
	huge[HUB_AGENT_VERSION_MAX] = '\0';
	hub_kiosk_status_parse(&st, huge, "99999999999999", "1.5", "-south", now);
	CHECK(strlen(st.agent_version) == HUB_AGENT_VERSION_MAX);
	CHECK(st.pending == -1 && !st.has_clock_offset);
	CHECK_STR(st.region, "");
	hub_kiosk_status_parse(&st, "caf\xc3\xa9", "999999999999", "0", NULL, now);
	CHECK_STR(st.agent_version, "");
	CHECK(st.pending == HUB_PENDING_MAX);
	CHECK(st.has_clock_offset && st.clock_offset_ms == -HUB_CLOCK_OFFSET_MAX_MS);
	hub_kiosk_status_parse(&st, "a\tb", "", "999999999999999", NULL, now);
	CHECK_STR(st.agent_version, "");
	CHECK(st.pending == -1);
	CHECK(st.has_clock_offset && st.clock_offset_ms == HUB_CLOCK_OFFSET_MAX_MS);
	hub_kiosk_status_parse(&st, NULL, NULL, NULL, NULL, now);
	CHECK(st.agent_version[0] == '\0' && st.pending == -1 && !st.has_clock_offset);
}

static int collect_action(void *ctx, const json_t *entry)
{
	const char *a = json_string_value(json_object_get(entry, "action"));

	if (a != NULL && strlen(ctx) + strlen(a) + 2 < 256) {
		strcat(ctx, a);
		strcat(ctx, " ");
	}
	return 0;
}

static json_t *only_device(fs_store *s)
{
	static json_t *list;

	json_decref(list);
	list = NULL;
	if (s == NULL)
		return NULL;
	if (hub_device_list(s, &list, NULL) != 0 || json_array_size(list) != 1) {
		fprintf(stderr, "%s:%d: the hub does not list one device\n", __FILE__, __LINE__);
		exit(1);
	}
	return json_array_get(list, 0);
}

static int64_t device_pulled(fs_store *s, const char *site)
{
	int64_t push = -1, pull = -1;

	if (fs_store_ops(s)->peer_get(fs_store_backend(s), site, &push, &pull, NULL) != 0)
		return -1;
	return push;
}

/* A move: authorization follows the new region, with a grace for the old
 * one until the kiosk reports the new region (or 30 days); the status a
 * sync reports; rename; all audited. */
static void device_move_rename_and_status(void)
{
	test_clock clk = {1795770000000ull};
	fs_store *h = reg_store("hub-mv", NULL, &clk), *k;
	char code[HUB_ENROLL_CODE_LEN + 1], token[HUB_TOKEN_MAX + 1], id[FS_UUID_LEN + 1];
	char actions[256] = "";
	hub_device d, who;
	hub_kiosk_status st;
	hub_sync_note note;
	fs_changeset cs;
	fs_err e = {0, ""};
	json_t *f, *dev;
	int moved = 0;

	CHECK(hub_enroll_code_create(h, code, "north", 3600 * 1000, &e) == 0);
	CHECK(hub_enroll_redeem(h, &d, token, code, "kiosk-1", &e) == 0);
	k = reg_store(d.site, "north", &clk);
	f = json_pack("{s:s, s:s, s:s, s:s}", "person_ref", "N0001", "contact_at",
		      "2026-11-27T10:00:00Z", "channel", "phone", "worker", "w-1");
	CHECK(fs_contact_put(k, id, NULL, NULL, f, &e) == 0);
	json_decref(f);
	fs_changeset_init(&cs);
	CHECK(fs_sync_kiosk_outgoing(k, &cs, FS_SYNC_HUB_PEER, 100, 1u << 20, &e) == 0);
	CHECK(cs.count > 0);

	/* The status of a sync: pending less this set's changes. */
	hub_kiosk_status_parse(&st, "fieldsync-agent/9.9", NULL, "1795769880000", "north",
			       clk.ms);
	st.pending = (int64_t)cs.count + 2;
	note.device = &d;
	note.status = &st;
	note.pull = 0;
	CHECK(fs_sync_hub_receive_moved(h, &cs, d.site, "north", NULL, 0, hub_device_synced_status,
					&note, NULL, &e) == 0);
	CHECK(fs_store_peer_ack(k, FS_SYNC_HUB_PEER, cs.to, &e) == 0);
	fs_changeset_free(&cs);
	dev = only_device(h);
	CHECK(json_integer_value(json_object_get(dev, "pending")) == 2);
	CHECK(json_integer_value(json_object_get(dev, "clock_offset_ms")) == -120000);
	CHECK_STR(json_string_value(json_object_get(dev, "agent_version")), "fieldsync-agent/9.9");
	CHECK(json_is_null(json_object_get(dev, "moved_from")));

	/* Rename. */
	CHECK(hub_device_rename(h, NULL, d.site, "Bad Name", &e) == FS_EINVAL);
	CHECK(hub_device_rename(h, NULL, "k-nobody", "x", &e) == FS_ENOTFOUND);
	CHECK(hub_device_rename(h, "admin:ann@test", d.site, "library-2", &e) == 0 || !fprintf(stderr, "%s\n", e.msg));
	CHECK_STR(json_string_value(json_object_get(only_device(h), "name")), "library-2");

	/* Move: the old region is kept until the kiosk reports the new one. */
	CHECK(fs_store_ops(h)->peer_set_push(fs_store_backend(h), d.site, 1, &e) == 0);
	CHECK(hub_device_move(h, NULL, d.site, "Bad", &moved, &e) == FS_EINVAL);
	CHECK(hub_device_move(h, NULL, "k-nobody", "south", &moved, &e) == FS_ENOTFOUND);
	CHECK(hub_device_move(h, NULL, d.site, "north", &moved, &e) == 0 && !moved);
	CHECK(hub_device_move(h, "admin:ann@test", d.site, "south", &moved, &e) == 0 && moved);
	CHECK(device_pulled(h, d.site) == 0);
	CHECK(hub_device_authenticate(h, &who, token, &e) == 0);
	CHECK_STR(who.region, "south");
	CHECK_STR(who.moved_from, "north");
	CHECK(who.moved_ms == clk.ms);
	dev = only_device(h);
	CHECK_STR(json_string_value(json_object_get(dev, "moved_from")), "north");
	CHECK_STR(json_string_value(json_object_get(dev, "region")), "south");
	hub_kiosk_status_parse(&st, NULL, NULL, NULL, "north", clk.ms);
	CHECK_STR(hub_device_grace_region(&who, &st, clk.ms), "north");
	CHECK(hub_device_grace_region(&who, &st, clk.ms + HUB_MOVE_GRACE_MS + 1) == NULL);

	/* An edit of the north contact made before the kiosk knew: refused
	 * without the grace, taken with it. */
	f = json_pack("{s:s}", "notes", "edited before the move was known");
	CHECK(fs_contact_put(k, id, id, NULL, f, &e) == 0);
	json_decref(f);
	fs_changeset_init(&cs);
	CHECK(fs_sync_kiosk_outgoing(k, &cs, FS_SYNC_HUB_PEER, 100, 1u << 20, &e) == 0);
	CHECK(cs.count >= 1);
	CHECK(fs_sync_hub_receive_moved(h, &cs, who.site, who.region, NULL, 0, NULL, NULL, NULL,
					&e) == FS_EFORBIDDEN);
	fs_err_clear(&e);
	note.device = &who;
	note.pull = 7;
	CHECK(fs_sync_hub_receive_moved(h, &cs, who.site, who.region,
					hub_device_grace_region(&who, &st, clk.ms), 7,
					hub_device_synced_status, &note, NULL, &e) == 0);
	fs_changeset_free(&cs);
	/* Not taken in yet: still moving. */
	CHECK(json_is_string(json_object_get(only_device(h), "moved_from")));
	/* The kiosk reports the new region: the move is done, and what it
	 * pulled is what it says (it starts again from 0). */
	hub_kiosk_status_parse(&st, NULL, NULL, NULL, "south", clk.ms);
	CHECK(hub_device_grace_region(&who, &st, clk.ms) == NULL);
	note.pull = 0;
	fs_changeset_init(&cs);
	snprintf(cs.site, sizeof(cs.site), "%s", who.site);
	CHECK(fs_sync_hub_receive_moved(h, &cs, who.site, who.region, NULL, 0,
					hub_device_synced_status, &note, NULL, &e) == 0);
	CHECK(json_is_null(json_object_get(only_device(h), "moved_from")));
	CHECK(device_pulled(h, who.site) == 0);
	CHECK(hub_device_authenticate(h, &who, token, &e) == 0 && who.moved_from[0] == '\0');

	/* Moved and moved back before the kiosk noticed: nothing to take in. */
	CHECK(hub_device_move(h, NULL, d.site, "east", &moved, &e) == 0 && moved);
	CHECK(hub_device_move(h, NULL, d.site, "west", &moved, &e) == 0 && moved);
	CHECK_STR(json_string_value(json_object_get(only_device(h), "moved_from")), "south");
	CHECK(hub_device_move(h, NULL, d.site, "south", &moved, &e) == 0 && moved);
	CHECK(json_is_null(json_object_get(only_device(h), "moved_from")));
	CHECK(hub_device_revoke(h, d.site, &e) == 0);
	CHECK(hub_device_move(h, NULL, d.site, "north", &moved, &e) == FS_EFORBIDDEN);

	CHECK(hub_audit_each(h, 0, collect_action, actions, &e) == 0);
	CHECK(strstr(actions, "rename move move move move revoke") != NULL);
	only_device(NULL);
	fs_store_close(k);
	fs_store_close(h);
}

/* The kiosk's side of a move (region.h): the other regions' contacts go,
 * except one with an edit not yet acknowledged, and the pull cursor goes
 * back to 0; the region becomes the new one once nothing else is left. */
static void kiosk_adopts_a_move(void)
{
	fs_store *k = reg_store("k-adopt", "north", NULL);
	/* Another handle on the same store (the kiosk UI's, beside the sync's). */
	fs_store *ui = reg_store("k-adopt", "north", NULL);
	char n1[FS_UUID_LEN + 1], n2[FS_UUID_LEN + 1], s1[FS_UUID_LEN + 1], s2[FS_UUID_LEN + 1];
	fs_region_result res;
	json_t *f, *list = NULL;
	int64_t seq = 0, push = 0, pull = 0;
	fs_err e = {0, ""};

	f = json_pack("{s:s, s:s, s:s, s:s}", "person_ref", "N0001", "contact_at",
		      "2026-11-27T10:00:00Z", "channel", "phone", "worker", "w-1");
	CHECK(fs_contact_put(k, n1, NULL, NULL, f, &e) == 0);
	CHECK(fs_contact_put(k, n2, NULL, NULL, f, &e) == 0);
	CHECK(fs_contact_put(k, s1, NULL, "south", f, &e) == 0);
	json_decref(f);
	CHECK(fs_store_seq(k, &seq, &e) == 0);
	CHECK(fs_store_peer_ack(k, FS_SYNC_HUB_PEER, seq, &e) == 0);
	CHECK(fs_store_ops(k)->peer_set_pull(fs_store_backend(k), FS_SYNC_HUB_PEER, 42, &e) == 0);
	f = json_pack("{s:s}", "notes", "not sent yet");
	CHECK(fs_contact_put(k, n2, n2, NULL, f, &e) == 0);
	json_decref(f);

	CHECK(fs_region_adopt(k, FS_SYNC_HUB_PEER, "Bad", &res, &e) == FS_EINVAL);
	CHECK(fs_region_adopt(k, FS_SYNC_HUB_PEER, "south", &res, &e) == 0);
	CHECK(res.purged == 1 && res.kept == 1 && res.reset && !res.done);
	CHECK_STR(fs_store_region(k), "north");
	CHECK(fs_store_ops(k)->peer_get(fs_store_backend(k), FS_SYNC_HUB_PEER, &push, &pull, &e) ==
	      0);
	CHECK(pull == 0 && push == seq);
	CHECK(fs_contact_get(k, &f, n1, &e) == FS_ENOTFOUND);
	CHECK(fs_contact_get(k, &f, n2, &e) == 0);
	json_decref(f);

	/* Sent: it goes too, and the store is of region south. */
	CHECK(fs_store_seq(k, &seq, &e) == 0);
	CHECK(fs_store_peer_ack(k, FS_SYNC_HUB_PEER, seq, &e) == 0);
	CHECK(fs_store_ops(k)->peer_set_pull(fs_store_backend(k), FS_SYNC_HUB_PEER, 5, &e) == 0);
	CHECK(fs_region_adopt(k, FS_SYNC_HUB_PEER, "south", &res, &e) == 0);
	CHECK(res.purged == 1 && res.kept == 0 && !res.reset && res.done);
	CHECK_STR(fs_store_region(k), "south");
	CHECK(fs_store_ops(k)->peer_get(fs_store_backend(k), FS_SYNC_HUB_PEER, &push, &pull, &e) ==
	      0);
	CHECK(pull == 5); /* not reset twice for one move */
	CHECK(fs_contact_list(k, &list, NULL, 1, &e) == 0);
	CHECK(json_array_size(list) == 1);
	CHECK_STR(json_string_value(json_object_get(json_array_get(list, 0), "id")), s1);
	json_decref(list);
	CHECK(fs_region_adopt(k, FS_SYNC_HUB_PEER, "south", &res, &e) == 0);
	CHECK(res.done && res.purged == 0 && !res.reset);
	/* The other handle sees the new region at once, and writes in it. */
	CHECK_STR(fs_store_region(ui), "south");
	f = json_pack("{s:s, s:s, s:s, s:s}", "person_ref", "S0002", "contact_at",
		      "2026-11-27T10:00:00Z", "channel", "phone", "worker", "w-1");
	CHECK(fs_contact_put(ui, s2, NULL, NULL, f, &e) == 0);
	json_decref(f);
	CHECK(fs_contact_get(k, &f, s2, &e) == 0);
	CHECK_STR(json_string_value(json_object_get(f, "region")), "south");
	json_decref(f);
	fs_store_close(ui);
	fs_store_close(k);
}

int main(int argc, char **argv)
{
	if (argc > 1)
		pg_base = argv[1];
	test_tmpdir(dir);
	RUN(enroll_code_redeems_once);
	RUN(enroll_code_expires);
	RUN(enroll_failures_are_rate_limited);
	RUN(device_authenticate_refuses_wrong_and_revoked);
	RUN(device_sync_is_noted_by_the_merge);
	RUN(kiosk_store_has_no_registry);
	RUN(device_times_after_2038);
	RUN(code_redeems_once_across_handles);
	RUN(kiosk_status_is_bounded);
	RUN(device_move_rename_and_status);
	RUN(kiosk_adopts_a_move);
	test_rmdir(dir);
	return TEST_DONE();
}
