#include "fieldsync/devices.h"

#include <ctype.h>
#include <sodium.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "store_internal.h"

#define HASH_LEN 32
#define CODE_CHARS 12
#define SECRET_BYTES 32

static const char crockford[] = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";

static int need_sodium(fs_err *err)
{
	if (sodium_init() < 0)
		return fs_err_set(err, FS_EGENERIC, "devices: libsodium failed to initialise");
	return 0;
}

/* Normalize a typed code: drop hyphens and spaces, upper-case, map the
 * letters people confuse (O->0, I/L->1). Returns 0 or -1 when malformed. */
static int normalize_code(char out[CODE_CHARS + 1], const char *code)
{
	size_t n = 0, i;

	for (i = 0; code[i] != '\0'; i++) {
		char c = (char)toupper((unsigned char)code[i]);

		if (c == '-' || c == ' ')
			continue;
		if (c == 'O')
			c = '0';
		else if (c == 'I' || c == 'L')
			c = '1';
		if (strchr(crockford, c) == NULL || c == '\0' || n >= CODE_CHARS)
			return -1;
		out[n++] = c;
	}
	out[n] = '\0';
	return n == CODE_CHARS ? 0 : -1;
}

static void hash_text(unsigned char out[HASH_LEN], const char *text)
{
	crypto_generichash(out, HASH_LEN, (const unsigned char *)text, strlen(text), NULL, 0);
}

static int run(fs_store *s, sqlite3_stmt **st, const char *sql, fs_err *err)
{
	if (sqlite3_prepare_v2(s->db, sql, -1, st, NULL) != SQLITE_OK)
		return fs_store_sqlite_err(s, err, "devices");
	return 0;
}

int fs_enroll_code_create(fs_store *s, char out_code[FS_ENROLL_CODE_LEN + 1], const char *region,
			  uint64_t ttl_ms, fs_err *err)
{
	unsigned char rnd[CODE_CHARS], h[HASH_LEN];
	char plain[CODE_CHARS + 1];
	sqlite3_stmt *st = NULL;
	uint64_t now = fs_store_now_ms(s);
	int rc, i;

	out_code[0] = '\0';
	if (!fs_name_is_valid(region))
		return fs_err_set(err, FS_EINVAL, "region must match [a-z0-9][a-z0-9-]{0,63}");
	if (ttl_ms == 0 || ttl_ms > 30ull * 24 * 3600 * 1000)
		return fs_err_set(err, FS_EINVAL, "expiry must be between 1 ms and 30 days");
	rc = need_sodium(err);
	if (rc != 0)
		return rc;
	randombytes_buf(rnd, sizeof(rnd));
	for (i = 0; i < CODE_CHARS; i++)
		plain[i] = crockford[rnd[i] & 31];
	plain[CODE_CHARS] = '\0';
	hash_text(h, plain);
	rc = run(s,
		 &st,
		 "INSERT INTO enroll_codes (code_hash, region, created_ms, expires_ms) "
		 "VALUES (?1, ?2, ?3, ?4)",
		 err);
	if (rc != 0)
		return rc;
	sqlite3_bind_blob(st, 1, h, HASH_LEN, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, region, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 3, (sqlite3_int64)now);
	sqlite3_bind_int64(st, 4, (sqlite3_int64)(now + ttl_ms));
	if (sqlite3_step(st) != SQLITE_DONE)
		rc = fs_store_sqlite_err(s, err, "create enrollment code");
	sqlite3_finalize(st);
	if (rc == 0)
		snprintf(out_code, FS_ENROLL_CODE_LEN + 1, "%.5s-%.5s-%.2s", plain, plain + 5,
			 plain + 10);
	sodium_memzero(plain, sizeof(plain));
	return rc;
}

/* Count failures in the last minute (and forget older ones). */
static int recent_failures(fs_store *s, uint64_t now, long *out, fs_err *err)
{
	sqlite3_stmt *st = NULL;
	int rc = run(s, &st, "DELETE FROM enroll_failures WHERE at_ms < ?1", err);

	if (rc != 0)
		return rc;
	sqlite3_bind_int64(st, 1, (sqlite3_int64)(now - 60000));
	sqlite3_step(st);
	sqlite3_finalize(st);
	rc = run(s, &st, "SELECT count(*) FROM enroll_failures", err);
	if (rc != 0)
		return rc;
	*out = sqlite3_step(st) == SQLITE_ROW ? (long)sqlite3_column_int64(st, 0) : 0;
	sqlite3_finalize(st);
	return 0;
}

static void note_failure(fs_store *s, uint64_t now)
{
	sqlite3_stmt *st = NULL;

	if (sqlite3_prepare_v2(s->db, "INSERT INTO enroll_failures (at_ms) VALUES (?1)", -1, &st,
			       NULL) == SQLITE_OK) {
		sqlite3_bind_int64(st, 1, (sqlite3_int64)now);
		sqlite3_step(st);
	}
	sqlite3_finalize(st);
}

static int new_site_id(char out[FS_NAME_MAX + 1])
{
	unsigned char rnd[10];
	int i;

	randombytes_buf(rnd, sizeof(rnd));
	memcpy(out, "k-", 2);
	for (i = 0; i < 10; i++)
		out[2 + i] = (char)tolower((unsigned char)crockford[rnd[i] & 31]);
	out[12] = '\0';
	return 0;
}

int fs_enroll_redeem(fs_store *s, fs_device *out, char out_token[FS_TOKEN_MAX + 1],
		     const char *code, const char *name, fs_err *err)
{
	unsigned char h[HASH_LEN], secret[SECRET_BYTES];
	char plain[CODE_CHARS + 1], b64[64];
	sqlite3_stmt *st = NULL;
	uint64_t now = fs_store_now_ms(s);
	long fails = 0;
	int rc, failed = 0;

	memset(out, 0, sizeof(*out));
	out_token[0] = '\0';
	if (name != NULL && !fs_name_is_valid(name))
		return fs_err_set(err, FS_EINVAL,
				  "device name must match [a-z0-9][a-z0-9-]{0,63}");
	/* A malformed code cannot match one: no guess, nothing to count. */
	if (code == NULL || normalize_code(plain, code) != 0)
		return fs_err_set(err, FS_EINVAL,
				  "enrollment code must be 12 letters and digits (hyphens optional)");
	rc = need_sodium(err);
	if (rc != 0)
		return rc;
	rc = fs_txn_begin(s, err);
	if (rc != 0)
		return rc;
	rc = recent_failures(s, now, &fails, err);
	if (rc != 0)
		goto done;
	if (fails >= FS_ENROLL_FAILS_PER_MINUTE) {
		rc = fs_err_set(err, FS_ELIMIT,
				"too many failed enrollment attempts at this hub; wait a minute "
				"and try again");
		goto done;
	}
	failed = 1;
	hash_text(h, plain);
	rc = run(s, &st, "SELECT region, expires_ms, used_by FROM enroll_codes WHERE code_hash = ?1",
		 err);
	if (rc != 0)
		goto done;
	sqlite3_bind_blob(st, 1, h, HASH_LEN, SQLITE_STATIC);
	if (sqlite3_step(st) != SQLITE_ROW) {
		rc = fs_err_set(err, FS_ENOTFOUND, "enrollment code not recognised");
	} else if (sqlite3_column_type(st, 2) != SQLITE_NULL) {
		rc = fs_err_set(err, FS_EFORBIDDEN, "enrollment code was already used");
	} else if ((uint64_t)sqlite3_column_int64(st, 1) < now) {
		rc = fs_err_set(err, FS_EFORBIDDEN, "enrollment code has expired");
	} else {
		snprintf(out->region, sizeof(out->region), "%s",
			 (const char *)sqlite3_column_text(st, 0));
	}
	sqlite3_finalize(st);
	st = NULL;
	if (rc != 0)
		goto done;
	failed = 0;
	new_site_id(out->site);
	snprintf(out->name, sizeof(out->name), "%s", name ? name : out->site);
	randombytes_buf(secret, sizeof(secret));
	sodium_bin2base64(b64, sizeof(b64), secret, sizeof(secret),
			  sodium_base64_VARIANT_URLSAFE_NO_PADDING);
	snprintf(out_token, FS_TOKEN_MAX + 1, "%s.%s", out->site, b64);
	hash_text(h, b64);
	rc = run(s, &st,
		 "INSERT INTO devices (site, name, region, token_hash, enrolled_ms) "
		 "VALUES (?1, ?2, ?3, ?4, ?5)",
		 err);
	if (rc != 0)
		goto done;
	sqlite3_bind_text(st, 1, out->site, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, out->name, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, out->region, -1, SQLITE_STATIC);
	sqlite3_bind_blob(st, 4, h, HASH_LEN, SQLITE_STATIC);
	sqlite3_bind_int64(st, 5, (sqlite3_int64)now);
	if (sqlite3_step(st) != SQLITE_DONE)
		rc = fs_store_sqlite_err(s, err, "enroll device");
	sqlite3_finalize(st);
	st = NULL;
	if (rc != 0)
		goto done;
	hash_text(h, plain);
	rc = run(s, &st, "UPDATE enroll_codes SET used_by = ?2 WHERE code_hash = ?1", err);
	if (rc == 0) {
		sqlite3_bind_blob(st, 1, h, HASH_LEN, SQLITE_STATIC);
		sqlite3_bind_text(st, 2, out->site, -1, SQLITE_STATIC);
		if (sqlite3_step(st) != SQLITE_DONE)
			rc = fs_store_sqlite_err(s, err, "enroll device");
		sqlite3_finalize(st);
	}
done:
	sodium_memzero(plain, sizeof(plain));
	sodium_memzero(secret, sizeof(secret));
	sodium_memzero(b64, sizeof(b64));
	if (rc != 0) {
		/* Keep the failure count even though the rest rolls back. */
		fs_txn_rollback(s);
		out_token[0] = '\0';
		if (failed && fs_txn_begin(s, NULL) == 0) {
			note_failure(s, now);
			fs_txn_commit(s, NULL);
		}
		return rc;
	}
	return fs_txn_commit(s, err);
}

int fs_device_authenticate(fs_store *s, fs_device *out, const char *token, fs_err *err)
{
	unsigned char h[HASH_LEN];
	const char *dot;
	char site[FS_NAME_MAX + 1];
	sqlite3_stmt *st = NULL;
	int rc, ok = 0;

	memset(out, 0, sizeof(*out));
	rc = need_sodium(err);
	if (rc != 0)
		return rc;
	dot = token ? strchr(token, '.') : NULL;
	if (dot == NULL || dot == token || (size_t)(dot - token) > FS_NAME_MAX ||
	    strlen(dot + 1) != 43)
		return fs_err_set(err, FS_ENOTFOUND, "credentials not recognised");
	memcpy(site, token, (size_t)(dot - token));
	site[dot - token] = '\0';
	hash_text(h, dot + 1);
	rc = run(s, &st,
		 "SELECT token_hash, region, name, revoked FROM devices WHERE site = ?1", err);
	if (rc != 0)
		return rc;
	sqlite3_bind_text(st, 1, site, -1, SQLITE_STATIC);
	if (sqlite3_step(st) == SQLITE_ROW && sqlite3_column_bytes(st, 0) == HASH_LEN) {
		ok = sodium_memcmp(h, sqlite3_column_blob(st, 0), HASH_LEN) == 0;
		if (ok) {
			snprintf(out->site, sizeof(out->site), "%s", site);
			snprintf(out->region, sizeof(out->region), "%s",
				 (const char *)sqlite3_column_text(st, 1));
			snprintf(out->name, sizeof(out->name), "%s",
				 (const char *)sqlite3_column_text(st, 2));
			out->revoked = sqlite3_column_int(st, 3);
		}
	}
	sqlite3_finalize(st);
	if (!ok)
		return fs_err_set(err, FS_ENOTFOUND, "credentials not recognised");
	if (out->revoked)
		return fs_err_set(err, FS_EFORBIDDEN, "device %s has been revoked", out->site);
	return 0;
}

int fs_device_revoke(fs_store *s, const char *site, fs_err *err)
{
	sqlite3_stmt *st = NULL;
	int rc = run(s, &st, "UPDATE devices SET revoked = 1 WHERE site = ?1", err);

	if (rc != 0)
		return rc;
	sqlite3_bind_text(st, 1, site, -1, SQLITE_STATIC);
	if (sqlite3_step(st) != SQLITE_DONE)
		rc = fs_store_sqlite_err(s, err, "revoke device");
	else if (sqlite3_changes(s->db) == 0)
		rc = fs_err_set(err, FS_ENOTFOUND, "no device with site id %s", site);
	sqlite3_finalize(st);
	return rc;
}

int fs_device_note_sync(fs_store *s, const char *site, const char *error, fs_err *err)
{
	sqlite3_stmt *st = NULL;
	int rc = run(s, &st,
		     error ? "UPDATE devices SET last_error = ?2 WHERE site = ?1"
			   : "UPDATE devices SET last_sync_ms = ?3, last_error = NULL "
			     "WHERE site = ?1",
		     err);

	if (rc != 0)
		return rc;
	sqlite3_bind_text(st, 1, site, -1, SQLITE_STATIC);
	if (error)
		sqlite3_bind_text(st, 2, error, -1, SQLITE_STATIC);
	else
		sqlite3_bind_int64(st, 3, (sqlite3_int64)fs_store_now_ms(s));
	if (sqlite3_step(st) != SQLITE_DONE)
		rc = fs_store_sqlite_err(s, err, "note sync");
	sqlite3_finalize(st);
	return rc;
}

static json_t *time_or_null(sqlite3_stmt *st, int col)
{
	char text[32];
	time_t t;
	struct tm tm;

	if (sqlite3_column_type(st, col) == SQLITE_NULL)
		return json_null();
	t = (time_t)(sqlite3_column_int64(st, col) / 1000);
	gmtime_r(&t, &tm);
	strftime(text, sizeof(text), "%Y-%m-%dT%H:%M:%SZ", &tm);
	return json_string(text);
}

int fs_device_list(fs_store *s, json_t **out, fs_err *err)
{
	sqlite3_stmt *st = NULL;
	json_t *arr = json_array();
	int rc;

	*out = NULL;
	if (arr == NULL)
		return fs_err_set(err, FS_ENOMEM, "out of memory");
	rc = run(s, &st,
		 "SELECT site, name, region, enrolled_ms, last_sync_ms, last_error, revoked "
		 "FROM devices ORDER BY region, name, site",
		 err);
	if (rc != 0) {
		json_decref(arr);
		return rc;
	}
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		json_t *d = json_pack("{s:s, s:s, s:s, s:o, s:o, s:s?, s:b}", "site",
				      (const char *)sqlite3_column_text(st, 0), "name",
				      (const char *)sqlite3_column_text(st, 1), "region",
				      (const char *)sqlite3_column_text(st, 2), "enrolled",
				      time_or_null(st, 3), "last_sync", time_or_null(st, 4),
				      "last_error", (const char *)sqlite3_column_text(st, 5),
				      "revoked", sqlite3_column_int(st, 6));

		if (d == NULL || json_array_append_new(arr, d) != 0) {
			rc = SQLITE_NOMEM;
			break;
		}
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE) {
		json_decref(arr);
		return fs_err_set(err, FS_EGENERIC, "list devices failed");
	}
	*out = arr;
	return 0;
}
