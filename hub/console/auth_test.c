/* The console's guards without HTTP (auth.h, accounts.h, fieldsync/
 * lockout.h): the login lock schedule and its bounded table, the per-source
 * bucket, sessions on a hub store (idle and absolute ends, a malformed or
 * unknown cookie, CSRF), passwords (bounds, the dummy hash), the hash
 * slots. */
#include <string.h>

#include "accounts.h"
#include "auth.h"
#include "fieldsync/lockout.h"
#include "test.h"
#include "testutil.h"

static char dir[64];

static void lockout_schedule_doubles_to_the_cap(void)
{
	console_throttle *t = console_throttle_new();
	unsigned wait = 0, lock = 0, i;
	uint64_t now = 1000;
	/* 30 s after the 5th, then 60, 120, 240, 480, 900 (the cap), 900... */
	static const unsigned want[] = {0, 0, 0, 0, 30, 60, 120, 240, 480, 900, 900, 900};

	CHECK(t != NULL);
	for (i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
		CHECK(console_throttle_admit(t, "ana", "10.0.0.1", now, &wait) == CONSOLE_LOGIN_GO);
		console_throttle_done(t, "ana", "10.0.0.1", 1, 0, 0, now, &lock);
		CHECK_MSG(lock == want[i], "failure %u: lock %u s, want %u", i + 1, lock, want[i]);
		if (lock > 0) {
			CHECK(console_throttle_admit(t, "ana", "10.0.0.2", now + lock * 1000u - 1, &wait) ==
			      CONSOLE_LOGIN_LOCKED);
			CHECK(wait == 1);
			now += lock * 1000u;
		}
		now += 1;
	}
	/* A right password (once admitted) forgets the count. */
	CHECK(console_throttle_admit(t, "ana", "10.0.0.3", now, &wait) == CONSOLE_LOGIN_GO);
	console_throttle_done(t, "ana", "10.0.0.3", 1, 1, 0, now, &lock);
	CHECK(console_throttle_names(t) == 0);
	console_throttle_done(t, "ana", "10.0.0.3", 1, 0, 0, now, &lock);
	CHECK(lock == 0);
	console_throttle_free(t);
}

/* A flood of made-up names keeps the table at its bound and never frees a
 * real account's lock. */
static void lockout_table_is_bounded_and_keeps_accounts(void)
{
	console_throttle *t = console_throttle_new();
	unsigned wait = 0, lock = 0, i;
	char name[32], src[32];
	uint64_t now = 5000;

	CHECK(t != NULL);
	for (i = 0; i < CONSOLE_LOGIN_FREE_TRIES; i++)
		console_throttle_done(t, "boss", "10.1.0.1", 1, 0, 0, now, &lock);
	CHECK(lock == CONSOLE_LOGIN_LOCK_BASE_S);
	for (i = 0; i < 20000; i++) {
		snprintf(name, sizeof(name), "made-up-%u", i);
		snprintf(src, sizeof(src), "10.2.%u.%u", i / 256, i % 256);
		console_throttle_done(t, name, src, 0, 0, 0, now + 1 + i, &lock);
	}
	CHECK(console_throttle_names(t) <= CONSOLE_THROTTLE_NAMES);
	CHECK(console_throttle_names(t) <= CONSOLE_THROTTLE_UNKNOWN + 1);
	CHECK(console_throttle_admit(t, "boss", "10.9.9.9", now + 1000, &wait) ==
	      CONSOLE_LOGIN_LOCKED);
	/* Real accounts fill the table: the oldest is forgotten, never more. */
	for (i = 0; i < 3 * CONSOLE_THROTTLE_NAMES; i++) {
		snprintf(name, sizeof(name), "acct-%u", i);
		console_throttle_done(t, name, "10.3.0.1", 1, 0, 0, now + 30000 + i, &lock);
	}
	CHECK(console_throttle_names(t) == CONSOLE_THROTTLE_NAMES);
	console_throttle_free(t);
}

static void source_bucket_counts_failures_only(void)
{
	console_throttle *t = console_throttle_new();
	unsigned wait = 0, lock = 0, i;
	char name[32];
	uint64_t now = 9000;

	CHECK(t != NULL);
	/* Right ones (and ones not checked: busy) are given back. */
	for (i = 0; i < 3 * CONSOLE_LOGIN_PER_SOURCE; i++) {
		CHECK(console_throttle_admit(t, "vic", "192.0.2.1", now, &wait) == CONSOLE_LOGIN_GO);
		console_throttle_done(t, "vic", "192.0.2.1", 1, i % 2, i % 2 == 0, now, &lock);
	}
	for (i = 0; i < CONSOLE_LOGIN_PER_SOURCE; i++) {
		snprintf(name, sizeof(name), "guess-%u", i);
		CHECK(console_throttle_admit(t, name, "192.0.2.1", now, &wait) == CONSOLE_LOGIN_GO);
		console_throttle_done(t, name, "192.0.2.1", 0, 0, 0, now, &lock);
	}
	CHECK(console_throttle_admit(t, "vic", "192.0.2.1", now, &wait) == CONSOLE_LOGIN_THROTTLED);
	CHECK(wait >= 1 && wait <= 60);
	CHECK(console_throttle_admit(t, "vic", "192.0.2.2", now, &wait) == CONSOLE_LOGIN_GO);
	CHECK(console_throttle_admit(t, "vic", "192.0.2.1", now + 60000, &wait) == CONSOLE_LOGIN_GO);
	console_throttle_free(t);
}

static void passwords_bounds_and_dummy(void)
{
	char hash[FS_ACCOUNT_HASH_MAX + 1], big[CONSOLE_PASSWORD_MAX + 2];
	fs_err e = {0, ""};

	CHECK(console_password_hash(hash, "short", &e) == FS_EINVAL);
	memset(big, 'x', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	fs_err_clear(&e);
	CHECK(console_password_hash(hash, big, &e) == FS_EINVAL);
	fs_err_clear(&e);
	CHECK(console_password_hash(hash, "twelve bytes", &e) == 0);
	CHECK(strncmp(hash, "$argon2id$", 10) == 0);
	CHECK(console_password_verify(hash, "twelve bytes") == 1);
	CHECK(console_password_verify(hash, "twelve byteS") == 0);
	CHECK(console_password_verify(NULL, "twelve bytes") == 0);
	CHECK(console_password_verify("", "") == 0);
	CHECK(console_password_verify(hash, big) == 0);
}

static void hash_slots_are_bounded(void)
{
	fs_err e = {0, ""};
	int i;

	for (i = 0; i < CONSOLE_HASHES_AT_ONCE; i++)
		CHECK(console_hash_begin(&e) == 0);
	CHECK(console_hash_begin(&e) == FS_EBUSY);
	console_hash_end();
	fs_err_clear(&e);
	CHECK(console_hash_begin(&e) == 0);
	for (i = 0; i < CONSOLE_HASHES_AT_ONCE; i++)
		console_hash_end();
}

static void sessions_end_and_refuse_bad_cookies(void)
{
	fs_store *s = test_store(dir, "hub-sessions", NULL, NULL);
	char id[CONSOLE_SESSION_ID_LEN + 1], csrf[CONSOLE_CSRF_LEN + 1], again[CONSOLE_CSRF_LEN + 1];
	char other[CONSOLE_SESSION_ID_LEN + 1], ocsrf[CONSOLE_CSRF_LEN + 1], bad[64];
	fs_session_row row;
	fs_err e = {0, ""};
	int touch = 0;

	CHECK(console_session_start(s, "ana", 60000, id, csrf, &e) == 0);
	CHECK(strlen(id) == CONSOLE_SESSION_ID_LEN && strlen(csrf) == CONSOLE_CSRF_LEN);
	CHECK(console_session_find(s, id, 60000, &row, again, &touch, &e) == 0);
	CHECK_STR(row.user, "ana");
	CHECK(console_csrf_equal(again, csrf));
	CHECK(!console_csrf_equal(NULL, csrf) && !console_csrf_equal("", csrf));
	CHECK(console_session_start(s, "ana", 60000, other, ocsrf, &e) == 0);
	CHECK(strcmp(other, id) != 0 && !console_csrf_equal(ocsrf, csrf));
	/* Malformed and unknown cookies alike. */
	CHECK(console_session_find(s, NULL, 60000, &row, again, &touch, &e) == FS_ENOTFOUND);
	CHECK(console_session_find(s, "x", 60000, &row, again, &touch, &e) == FS_ENOTFOUND);
	memcpy(bad, id, sizeof(id));
	bad[0] = bad[0] == 'A' ? 'B' : 'A';
	CHECK(console_session_find(s, bad, 60000, &row, again, &touch, &e) == FS_ENOTFOUND);
	bad[0] = '*';
	CHECK(console_session_find(s, bad, 60000, &row, again, &touch, &e) == FS_ENOTFOUND);
	/* Idle 0 ms allowed: it ended at once, and is deleted. */
	CHECK(console_session_find(s, id, 0, &row, again, &touch, &e) == FS_ENOTFOUND);
	CHECK(console_session_find(s, id, 60000, &row, again, &touch, &e) == FS_ENOTFOUND);
	/* Logout. */
	CHECK(console_session_end(s, other, &e) == 0);
	CHECK(console_session_find(s, other, 60000, &row, again, &touch, &e) == FS_ENOTFOUND);
	/* The absolute end (max 0 ms: ended at once). */
	CHECK(console_session_start(s, "ana", 0, id, csrf, &e) == 0);
	CHECK(console_session_find(s, id, 60000, &row, again, &touch, &e) == FS_ENOTFOUND);
	fs_store_close(s);
}

int main(void)
{
	test_tmpdir(dir);
	RUN(lockout_schedule_doubles_to_the_cap);
	RUN(lockout_table_is_bounded_and_keeps_accounts);
	RUN(source_bucket_counts_failures_only);
	RUN(passwords_bounds_and_dummy);
	RUN(hash_slots_are_bounded);
	RUN(sessions_end_and_refuse_bad_cookies);
	test_rmdir(dir);
	return TEST_DONE();
}
