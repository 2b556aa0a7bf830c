/* The device registry's rules, on SQLite (no argument) or on PostgreSQL
 * (argument: a server's URI, tests/pg/pg_tmp.sh; each store a schema). */
#include "registry.h"
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
	test_rmdir(dir);
	return TEST_DONE();
}
