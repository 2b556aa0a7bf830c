#include <sqlite3.h>
#include <sys/stat.h>

#include "fieldsync/backend.h"
#include "fieldsync/records.h"
#include "fieldsync/store.h"
#include "sqlite_backend.h"
#include "test.h"
#include "testutil.h"

static char dir[64];

static void store_open_creates_private_file(void)
{
	char path[128];
	struct stat st;
	fs_store *s = NULL;
	fs_err e = {0, ""};

	snprintf(path, sizeof(path), "%s/new.db", dir);
	CHECK(fs_store_open(&s, path, &e) == 0);
	CHECK(stat(path, &st) == 0);
	CHECK((st.st_mode & 0777) == 0600);
	CHECK_STR(fs_store_site(s), "");
	fs_store_close(s);
}

/* The page cache of the store's SQLite connection, in KiB. */
static int64_t cache_kib(fs_store *s)
{
	sqlite3_stmt *st = NULL;
	int64_t v = 0;

	if (sqlite3_prepare_v2(fs_store_backend(s)->db, "PRAGMA cache_size", -1, &st, NULL) ==
		    SQLITE_OK &&
	    sqlite3_step(st) == SQLITE_ROW)
		v = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return v < 0 ? -v : v;
}

static void store_cache_size_is_set_and_checked(void)
{
	char path[128];
	fs_store *s = NULL;
	fs_err e = {0, ""};

	fs_store_options o = {NULL, NULL, 0, 64 * 1024};

	snprintf(path, sizeof(path), "%s/cache.db", dir);
	CHECK(fs_store_open_with(&s, path, &o, &e) == 0);
	CHECK(cache_kib(s) == 64 * 1024);
	/* The store still works after tuning. */
	CHECK(fs_store_set_identity(s, "k-cache", "north", &e) == 0);
	fs_store_close(s);
	o.cache_kib = 0; /* the default */
	CHECK(fs_store_open_with(&s, path, &o, &e) == 0);
	CHECK(cache_kib(s) == 2000);
	fs_store_close(s);
	o.cache_kib = -5;
	CHECK(fs_store_open_with(&s, path, &o, &e) == FS_EINVAL);
	CHECK(s == NULL);
	CHECK(strstr(e.msg, "cache size") != NULL);
	o.cache_kib = (int64_t)16 * 1024 * 1024 + 1;
	CHECK(fs_store_open_with(&s, path, &o, &e) == FS_EINVAL);
}

static int user_version(const char *path)
{
	sqlite3 *db = NULL;
	sqlite3_stmt *st = NULL;
	int v = -1;

	sqlite3_open(path, &db);
	sqlite3_prepare_v2(db, "PRAGMA user_version", -1, &st, NULL);
	if (sqlite3_step(st) == SQLITE_ROW)
		v = sqlite3_column_int(st, 0);
	sqlite3_finalize(st);
	sqlite3_close(db);
	return v;
}

static void store_open_migrates_to_current_version(void)
{
	char path[128];
	fs_store *s = NULL;

	snprintf(path, sizeof(path), "%s/mig.db", dir);
	CHECK(fs_store_open(&s, path, NULL) == 0);
	fs_store_close(s);
	CHECK(user_version(path) == fs_store_schema_version());
	CHECK(fs_store_schema_version() >= 1);
	/* Reopening a current store changes nothing. */
	CHECK(fs_store_open(&s, path, NULL) == 0);
	fs_store_close(s);
	CHECK(user_version(path) == fs_store_schema_version());
}

static void store_open_refuses_newer_version_untouched(void)
{
	char path[128], sql[64];
	sqlite3 *db = NULL;
	fs_store *s = NULL;
	fs_err e = {0, ""};
	struct stat before, after;

	snprintf(path, sizeof(path), "%s/newer.db", dir);
	CHECK(fs_store_open(&s, path, NULL) == 0);
	fs_store_close(s);
	sqlite3_open(path, &db);
	snprintf(sql, sizeof(sql), "PRAGMA user_version = %d", fs_store_schema_version() + 1);
	sqlite3_exec(db, sql, NULL, NULL, NULL);
	sqlite3_close(db);
	CHECK(stat(path, &before) == 0);
	CHECK(fs_store_open(&s, path, &e) == FS_EVERSION);
	CHECK(s == NULL);
	CHECK(strstr(e.msg, "newer fieldsync") != NULL);
	CHECK(stat(path, &after) == 0);
	CHECK(before.st_size == after.st_size && before.st_mtime == after.st_mtime);
	CHECK(user_version(path) == fs_store_schema_version() + 1);
}

static void store_open_refuses_non_database(void)
{
	char path[128];
	fs_store *s = NULL;
	fs_err e = {0, ""};
	FILE *f;

	snprintf(path, sizeof(path), "%s/junk.db", dir);
	f = fopen(path, "w");
	CHECK(f != NULL);
	fputs("this is not a database, just some text that is long enough to matter....", f);
	fclose(f);
	CHECK(fs_store_open(&s, path, &e) != 0);
	CHECK(s == NULL);
	CHECK(strstr(e.msg, "junk.db") != NULL);
}

static void store_identity_is_set_once(void)
{
	fs_store *s = test_store(dir, NULL, NULL, NULL);
	fs_err e = {0, ""};

	CHECK(fs_store_set_identity(s, "Kiosk 1", "north", &e) == FS_EINVAL);
	fs_err_clear(&e);
	CHECK(fs_store_set_identity(s, "-kiosk", "north", &e) == FS_EINVAL);
	fs_err_clear(&e);
	CHECK(fs_store_set_identity(s, "kiosk-1", "north", &e) == 0);
	CHECK(fs_store_set_identity(s, "kiosk-1", "north", &e) == 0);
	CHECK(fs_store_set_identity(s, "kiosk-2", "north", &e) == FS_ECONFLICT);
	CHECK_STR(fs_store_site(s), "kiosk-1");
	CHECK_STR(fs_store_region(s), "north");
	fs_store_close(s);
}

static void clock_is_monotonic_across_restart_with_clock_back(void)
{
	test_clock clk = {1800000000000ull};
	fs_store *s = test_store(dir, "k-restart", "north", &clk);
	json_t *f = json_pack("{s:s, s:s, s:s, s:s}", "person_ref", "AB-1", "contact_at",
			      "2026-11-27T10:00:00Z", "channel", "phone", "worker", "w1");
	char id[FS_UUID_LEN + 1];
	fs_hlc first = 0, second = 0, third = 0;

	CHECK(fs_contact_put(s, id, NULL, NULL, f, NULL) == 0);
	CHECK(fs_store_clock_last(s, &first, NULL) == 0);
	CHECK(fs_hlc_ms(first) == clk.ms);
	fs_store_close(s);
	/* A Pi without RTC boots with an older time. */
	clk.ms -= 3600 * 1000;
	s = test_store(dir, "k-restart", "north", &clk);
	CHECK(fs_contact_put(s, id, id, NULL, f, NULL) == 0); /* same values: no write */
	json_object_set_new(f, "notes", json_string("x"));
	CHECK(fs_contact_put(s, id, id, NULL, f, NULL) == 0);
	CHECK(fs_store_clock_last(s, &second, NULL) == 0);
	CHECK(second > first);
	json_object_set_new(f, "notes", json_string("y"));
	CHECK(fs_contact_put(s, id, id, NULL, f, NULL) == 0);
	CHECK(fs_store_clock_last(s, &third, NULL) == 0);
	CHECK(third > second);
	json_decref(f);
	fs_store_close(s);
}

/* A boot clock the test moves. */
typedef struct test_boot {
	uint64_t ms, id;
} test_boot;

static int test_boot_read(void *ctx, uint64_t *ms, uint64_t *id)
{
	*ms = ((test_boot *)ctx)->ms;
	*id = ((test_boot *)ctx)->id;
	return 0;
}

static fs_store *clock_store(const char *name, test_clock *clk, test_boot *boot)
{
	fs_store *s = test_store(dir, name, "north", clk);

	fs_store_set_boottime(s, test_boot_read, boot);
	return s;
}

/* The offset learned from the hub applies while the wall clock runs with
 * the boot clock; slow drift is fine; a step of the wall clock or a reboot
 * drops it, in every handle of the store. */
static void clock_offset_is_dropped_after_a_jump_or_reboot(void)
{
	const uint64_t year = 365ull * 24 * 3600 * 1000;
	test_clock clk = {1795770000000ull + 3 * year};
	test_boot boot = {5000, 42};
	uint64_t truth = 1795770000000ull;
	fs_store *s = clock_store("k-jump", &clk, &boot), *other;

	CHECK(fs_store_clock_adjust(s, truth, 300000, NULL, NULL) == 0);
	CHECK(fs_store_now_ms(s) == truth);
	/* Both clocks run; the wall drifts 30 s against the boot clock. */
	clk.ms += 3600000 + 30000;
	boot.ms += 3600000;
	truth += 3600000;
	CHECK(fs_store_now_ms(s) == truth + 30000);
	/* A second handle (the UI's) sees the same. */
	other = clock_store("k-jump", &clk, &boot);
	CHECK(fs_store_now_ms(other) == truth + 30000);
	CHECK(fs_store_clock_offset(other) == -(int64_t)(3 * year));
	/* The wall clock is set right: the offset is not applied any more. */
	clk.ms = truth;
	CHECK(fs_store_now_ms(s) == truth);
	CHECK(fs_store_now_ms(other) == truth);
	CHECK(fs_store_clock_offset(s) == 0);
	/* ...and comes back with the wrong clock it corrects. */
	clk.ms = truth + 3 * year;
	CHECK(fs_store_now_ms(s) == truth);
	/* A reboot: a new boot id, the boot clock from zero. */
	boot.id = 43;
	boot.ms = 20000;
	CHECK(fs_store_now_ms(s) == clk.ms);
	CHECK(fs_store_clock_offset(other) == 0);
	/* Learned again in this boot: applies again. */
	CHECK(fs_store_clock_adjust(s, truth, 300000, NULL, NULL) == 0);
	CHECK(fs_store_now_ms(other) == truth);
	/* Without a boot clock (or in a store from before the rule) the
	 * offset always applies. */
	fs_store_set_wallclock(other, test_clock_read, &clk);
	clk.ms = truth;
	CHECK(fs_store_now_ms(other) == truth - 3 * year);
	fs_store_close(other);
	fs_store_close(s);
}

static void peer_cursors_only_move_forward(void)
{
	fs_store *s = test_store(dir, "k-peer", "north", NULL);
	int64_t push = -1, pull = -1;

	CHECK(fs_store_peer_cursors(s, "hub", &push, &pull, NULL) == 0);
	CHECK(push == 0 && pull == 0);
	CHECK(fs_store_peer_ack(s, "hub", 10, NULL) == 0);
	CHECK(fs_store_peer_ack(s, "hub", 5, NULL) == 0);
	CHECK(fs_store_peer_cursors(s, "hub", &push, &pull, NULL) == 0);
	CHECK(push == 10);
	fs_store_close(s);
}

static void store_integrity_check_passes(void)
{
	fs_store *s = test_store(dir, "k-int", "north", NULL);

	CHECK(fs_store_check_integrity(s, NULL) == 0);
	fs_store_close(s);
}

/* Run sql on path's own connection; the first column of its first row as
 * an integer (-1 when it fails or has no row). */
static long query_long(const char *path, const char *sql)
{
	sqlite3 *db = NULL;
	sqlite3_stmt *st = NULL;
	long v = -1;

	if (sqlite3_open(path, &db) == SQLITE_OK &&
	    sqlite3_prepare_v2(db, sql, -1, &st, NULL) == SQLITE_OK &&
	    sqlite3_step(st) == SQLITE_ROW)
		v = (long)sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	sqlite3_close(db);
	return v;
}

/* Run a write on path's own connection; the rows it changed (-1: failed). */
static long exec_changes(const char *path, const char *sql)
{
	sqlite3 *db = NULL;
	long n = -1;

	if (sqlite3_open(path, &db) == SQLITE_OK &&
	    sqlite3_exec(db, sql, NULL, NULL, NULL) == SQLITE_OK)
		n = sqlite3_changes(db);
	sqlite3_close(db);
	return n;
}

static const char hub_tables[] = "SELECT count(*) FROM sqlite_master WHERE name IN "
				 "('devices', 'enroll_codes', 'enroll_failures')";

static void kiosk_store_has_no_hub_tables(void)
{
	char path[128];
	fs_store *s = NULL;
	fs_err e = {0, ""};

	snprintf(path, sizeof(path), "%s/kiosk-nohub.db", dir);
	CHECK(fs_store_open(&s, path, &e) == 0);
	CHECK(fs_store_registry(s) == NULL);
	fs_store_close(s);
	CHECK(query_long(path, hub_tables) == 0);
	CHECK(query_long(path, "SELECT count(*) FROM meta WHERE key = 'hub_schema'") == 0);
}

static void hub_store_gets_the_registry_schema(void)
{
	fs_store_options hub = {NULL, NULL, 1, 0};
	char path[128];
	fs_store *s = NULL;
	fs_err e = {0, ""};

	snprintf(path, sizeof(path), "%s/hub-schema.db", dir);
	CHECK(fs_store_open_with(&s, path, &hub, &e) == 0);
	CHECK(fs_store_registry(s) == &fs_sqlite_registry);
	CHECK(fs_store_ops(s) == &fs_sqlite_backend);
	fs_store_close(s);
	CHECK(query_long(path, hub_tables) == 3);
	CHECK(query_long(path, "SELECT value FROM meta WHERE key = 'hub_schema'") == 5); /* 001 registry, 002 audit trail, 003 console accounts, 004 kiosks, 005 receipts */
	CHECK(user_version(path) == fs_store_schema_version());
	/* Reopening changes nothing; a hub schema from a newer fieldsync is
	 * refused untouched. */
	CHECK(fs_store_open_with(&s, path, &hub, &e) == 0);
	fs_store_close(s);
	CHECK(exec_changes(path, "UPDATE meta SET value = '99' WHERE key = 'hub_schema'") == 1);
	CHECK(fs_store_open_with(&s, path, &hub, &e) == FS_EVERSION);
	CHECK(s == NULL);
	CHECK(strstr(e.msg, "hub schema version 99") != NULL);
	CHECK(query_long(path, "SELECT value FROM meta WHERE key = 'hub_schema'") == 99);
}

/* The engine works through whatever ops table it is given (here a copy of
 * SQLite's under another name); a hub needs that backend's registry. */
static void store_opens_over_given_backend(void)
{
	fs_backend_ops other = fs_sqlite_backend;
	fs_store_options o = {&other, NULL, 1, 0};
	char path[128], id[FS_UUID_LEN + 1];
	fs_store *s = NULL;
	json_t *f;
	fs_err e = {0, ""};

	other.name = "other";
	snprintf(path, sizeof(path), "%s/other.db", dir);
	CHECK(fs_store_open_with(&s, path, &o, &e) == FS_EINVAL);
	CHECK(s == NULL);
	CHECK(strstr(e.msg, "the other backend was given no device registry") != NULL);
	o.hub = 0;
	CHECK(fs_store_open_with(&s, path, &o, &e) == 0);
	CHECK(fs_store_ops(s) == &other);
	CHECK(fs_store_registry(s) == NULL);
	CHECK(fs_store_set_identity(s, "k-other", "north", &e) == 0);
	f = json_pack("{s:s, s:s, s:s, s:s}", "person_ref", "P-2", "contact_at",
		      "2026-11-27T09:00:00Z", "channel", "phone", "worker", "w1");
	CHECK(fs_contact_put(s, id, NULL, NULL, f, &e) == 0);
	json_decref(f);
	fs_store_close(s);
	o.backend = NULL; /* the default: SQLite, the same file */
	CHECK(fs_store_open_with(&s, path, &o, &e) == 0);
	CHECK(fs_store_ops(s) == &fs_sqlite_backend);
	CHECK(fs_contact_get(s, &f, id, &e) == 0);
	CHECK_STR(json_string_value(json_object_get(f, "person_ref")), "P-2");
	json_decref(f);
	fs_store_close(s);
}

/* A hub store made when every store got the registry from migration 2:
 * opened as a hub now, its tables and rows stay as they were. */
static void older_hub_store_keeps_its_registry(void)
{
	fs_store_options hub = {NULL, NULL, 1, 0};
	char path[128];
	fs_store *s = NULL;
	fs_err e = {0, ""};
	sqlite3 *db = NULL;

	snprintf(path, sizeof(path), "%s/hub-old.db", dir);
	CHECK(fs_store_open(&s, path, &e) == 0);
	fs_store_close(s);
	CHECK(sqlite3_open(path, &db) == SQLITE_OK);
	CHECK(sqlite3_exec(db,
			   "CREATE TABLE devices (site TEXT PRIMARY KEY, name TEXT NOT NULL, "
			   "region TEXT NOT NULL, token_hash BLOB NOT NULL, enrolled_ms INTEGER "
			   "NOT NULL, last_sync_ms INTEGER, last_error TEXT, revoked INTEGER NOT "
			   "NULL DEFAULT 0); INSERT INTO devices (site, name, region, token_hash, "
			   "enrolled_ms) VALUES ('k-old', 'old', 'north', zeroblob(32), 1);",
			   NULL, NULL, NULL) == SQLITE_OK);
	sqlite3_close(db);
	CHECK(fs_store_open_with(&s, path, &hub, &e) == 0);
	fs_store_close(s);
	CHECK(query_long(path, "SELECT count(*) FROM devices WHERE site = 'k-old'") == 1);
	CHECK(query_long(path, hub_tables) == 3);
}

/* The check also sees a broken change sequence: a seq held twice, or one
 * above the counter (changes after a cursor would skip or repeat rows). */
static void store_integrity_check_sees_the_sequence(void)
{
	char path[128], id[FS_UUID_LEN + 1];
	fs_store *s = test_store(dir, "k-seq", "north", NULL);
	json_t *f = json_pack("{s:s, s:s, s:s, s:s}", "person_ref", "P-1", "contact_at",
			      "2026-11-27T09:00:00Z", "channel", "phone", "worker", "w1");
	fs_err e = {0, ""};

	snprintf(path, sizeof(path), "%s/k-seq.db", dir);
	CHECK(fs_contact_put(s, id, NULL, NULL, f, &e) == 0);
	json_decref(f);
	CHECK(fs_store_check_integrity(s, &e) == 0);
	CHECK(exec_changes(path, "UPDATE contact_fields SET seq = 1") > 1);
	CHECK(fs_store_check_integrity(s, &e) == FS_EGENERIC);
	CHECK(strstr(e.msg, "change sequence number 1 is held by more than one row") != NULL);
	fs_err_clear(&e);
	CHECK(exec_changes(path, "UPDATE contact_fields SET seq = 1000 + rowid") > 1);
	CHECK(fs_store_check_integrity(s, &e) == FS_EGENERIC);
	CHECK(strstr(e.msg, "above the counter") != NULL);
	fs_store_close(s);
}

int main(void)
{
	test_tmpdir(dir);
	RUN(store_open_creates_private_file);
	RUN(store_open_migrates_to_current_version);
	RUN(store_cache_size_is_set_and_checked);
	RUN(store_open_refuses_newer_version_untouched);
	RUN(store_open_refuses_non_database);
	RUN(store_identity_is_set_once);
	RUN(clock_is_monotonic_across_restart_with_clock_back);
	RUN(clock_offset_is_dropped_after_a_jump_or_reboot);
	RUN(peer_cursors_only_move_forward);
	RUN(store_integrity_check_passes);
	RUN(store_integrity_check_sees_the_sequence);
	RUN(kiosk_store_has_no_hub_tables);
	RUN(hub_store_gets_the_registry_schema);
	RUN(older_hub_store_keeps_its_registry);
	RUN(store_opens_over_given_backend);
	test_rmdir(dir);
	return TEST_DONE();
}
