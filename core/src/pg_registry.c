/* The hub's device registry on PostgreSQL (fs_registry_ops; the rules are
 * hub/registry.c's): enrollment codes, failed attempts and devices, shared
 * by every hub process on the database. Hashes go as binary BYTEA
 * parameters. Exactly-once enrollment rests on one conditional UPDATE
 * (used_by IS NULL): under READ COMMITTED a second process's UPDATE waits
 * for the first's row lock, re-reads the row and changes nothing. */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "fieldsync/pg.h"
#include "pg_internal.h"

#define ACCOUNT_COLS "name, hash, role, regions, created_ms, disabled, password_changed_ms"
#define DEVICE_COLS                                                                                \
	"site, name, region, token_hash, enrolled_ms, last_sync_ms, last_error, revoked, "         \
	"agent_version, pending, clock_offset_ms, moved_from, moved_ms"

const char *const fs_pg_registry_sql[PG_STMT_COUNT] = {
    [PG_CODE_INSERT] = "INSERT INTO enroll_codes (code_hash, region, created_ms, expires_ms) "
                       "VALUES ($1, $2, $3, $4) ON CONFLICT (code_hash) DO NOTHING",
    [PG_CODE_GET] = "SELECT region, expires_ms, used_by IS NOT NULL FROM enroll_codes "
                    "WHERE code_hash = $1",
    [PG_CODE_USE] = "UPDATE enroll_codes SET used_by = $2 WHERE code_hash = $1 AND "
                    "used_by IS NULL",
    [PG_FAILURE_ADD] = "INSERT INTO enroll_failures (at_ms) VALUES ($1)",
    [PG_FAILURE_PRUNE] = "DELETE FROM enroll_failures WHERE at_ms < $1",
    [PG_FAILURE_COUNT] = "SELECT count(*) FROM enroll_failures WHERE at_ms >= $1",
    [PG_DEVICE_INSERT] = "INSERT INTO devices (" DEVICE_COLS ") VALUES ($1, $2, $3, $4, $5, "
                         "$6, $7, $8, $9, $10, $11, $12, $13) ON CONFLICT (site) DO NOTHING",
    [PG_DEVICE_GET] = "SELECT " DEVICE_COLS " FROM devices WHERE site = $1",
    [PG_DEVICE_REVOKE] = "UPDATE devices SET revoked = 1 WHERE site = $1",
    [PG_DEVICE_SYNCED] = "UPDATE devices SET last_sync_ms = $2, last_error = NULL "
                         "WHERE site = $1",
    [PG_DEVICE_ERROR] = "UPDATE devices SET last_error = $2 WHERE site = $1",
    [PG_DEVICE_PAGE] = "SELECT " DEVICE_COLS " FROM devices WHERE site > $1 ORDER BY site "
                       "LIMIT $2",
    /* A whole-store copy (copy.h): keyset pages. A hash key goes as the
     * text form the page returned ("\x…"; '' before the first). Failures
     * share times, so a page holds distinct times with their counts. */
    [PG_CODE_PAGE] = "SELECT code_hash, region, created_ms, expires_ms, used_by FROM "
                     "enroll_codes WHERE code_hash > $1::bytea ORDER BY code_hash LIMIT $2",
    [PG_FAILURE_PAGE] = "SELECT at_ms, count(*) FROM enroll_failures WHERE at_ms > $1 "
                        "GROUP BY at_ms ORDER BY at_ms LIMIT $2",
    /* The audit trail: appended under the write lock (the caller's
     * FS_TXN_WRITE), so ids and the chain follow one order across every
     * hub process. */
    [PG_AUDIT_APPEND] = "INSERT INTO audit_log (id, at_ms, actor, action, detail, prev_hash, "
                        "hash) VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (id) DO NOTHING",
    [PG_AUDIT_LAST] = "SELECT id, hash FROM audit_log ORDER BY id DESC LIMIT 1",
    [PG_AUDIT_PAGE] = "SELECT id, at_ms, actor, action, detail, prev_hash, hash FROM audit_log "
                      "WHERE id > $1 AND at_ms >= $2 ORDER BY id LIMIT $3",
    [PG_AUDIT_PRUNE] = "DELETE FROM audit_log WHERE id <= $1",
    /* Console accounts, sessions and API tokens (hub/console/): few rows
     * (the console bounds them), read in one statement. */
    [PG_ACCOUNT_INSERT] = "INSERT INTO admin_users (" ACCOUNT_COLS ") VALUES ($1, $2, $3, $4, "
                          "$5, $6, $7) ON CONFLICT (name) DO NOTHING",
    [PG_ACCOUNT_UPDATE] = "UPDATE admin_users SET hash = $2, role = $3, regions = $4, "
                          "disabled = $5, password_changed_ms = $6 WHERE name = $1",
    [PG_ACCOUNT_GET] = "SELECT " ACCOUNT_COLS " FROM admin_users WHERE name = $1",
    [PG_ACCOUNT_DELETE] = "WITH s AS (DELETE FROM admin_sessions WHERE username = $1), "
                          "t AS (DELETE FROM admin_tokens WHERE username = $1) "
                          "DELETE FROM admin_users WHERE name = $1",
    [PG_ACCOUNT_PAGE] = "SELECT " ACCOUNT_COLS " FROM admin_users ORDER BY name",
    [PG_SESSION_INSERT] = "INSERT INTO admin_sessions (hash, username, created_ms, "
                          "last_seen_ms, expires_ms) VALUES ($1, $2, $3, $4, $5)",
    [PG_SESSION_GET] = "SELECT username, created_ms, last_seen_ms, expires_ms FROM "
                       "admin_sessions WHERE hash = $1",
    [PG_SESSION_TOUCH] = "UPDATE admin_sessions SET last_seen_ms = $2 WHERE hash = $1",
    [PG_SESSION_DELETE] = "DELETE FROM admin_sessions WHERE hash = $1",
    [PG_SESSION_DELETE_USER] = "DELETE FROM admin_sessions WHERE username = $1",
    [PG_SESSION_PRUNE] = "DELETE FROM admin_sessions WHERE expires_ms <= $1 OR "
                         "last_seen_ms < $2",
    [PG_TOKEN_INSERT] = "INSERT INTO admin_tokens (hash, id, username, created_ms) VALUES "
                        "($1, $2, $3, $4)",
    [PG_TOKEN_GET] = "SELECT hash, id, username, created_ms FROM admin_tokens WHERE hash = $1",
    [PG_TOKEN_DELETE] = "DELETE FROM admin_tokens WHERE username = $1 AND id = $2",
    [PG_TOKEN_PAGE] = "SELECT hash, id, username, created_ms FROM admin_tokens WHERE "
                      "$1::text IS NULL OR username = $1 ORDER BY id",
    [PG_RESPONSE_DAYS] = "SELECT substr(r.submitted_at, 1, 10) AS day, d.region, count(*) "
                         "FROM responses r JOIN devices d ON d.site = r.site WHERE "
                         "r.deleted = 0 AND r.submitted_at >= $1 GROUP BY day, d.region "
                         "ORDER BY day, d.region",
    /* kiosk management: a move and what a kiosk reports (hub/registry.c) */
    [PG_DEVICE_RENAME] = "UPDATE devices SET name = $2 WHERE site = $1",
    [PG_RECEIPT_NOTE] = "INSERT INTO receipt_withdrawn (receipt, questionnaire, received_on, "
                        "region) VALUES ($1, $2, $3, $4) ON CONFLICT (receipt) DO NOTHING",
    [PG_RECEIPT_NOTE_GET] = "SELECT questionnaire, received_on, region FROM receipt_withdrawn WHERE "
                            "receipt = $1",
    [PG_RECEIPT_PURGE_NOTES] = "DELETE FROM receipt_withdrawn WHERE receipt IN (SELECT receipt "
                               "FROM withdrawals WHERE hlc < $1)",
    [PG_RECEIPT_PURGE] = "DELETE FROM withdrawals WHERE hlc < $1",
    [PG_RECEIPT_NOTE_PAGE] = "SELECT receipt, questionnaire, received_on, region FROM "
                             "receipt_withdrawn WHERE receipt > $1 ORDER BY receipt LIMIT $2",
    [PG_DEVICE_MOVE] = "UPDATE devices SET region = $2, moved_from = $3, moved_ms = $4 "
                       "WHERE site = $1",
    [PG_DEVICE_PULLED] = "INSERT INTO peers (site, push_cursor) VALUES ($1, $2) ON CONFLICT "
                         "(site) DO UPDATE SET push_cursor = excluded.push_cursor",
    [PG_DEVICE_REPORT] = "UPDATE devices SET agent_version = $2, pending = $3, "
                         "clock_offset_ms = $4 WHERE site = $1",
    [PG_DEVICE_REPORT_MOVED] = "UPDATE devices SET agent_version = $2, pending = $3, "
                               "clock_offset_ms = $4, moved_from = NULL, moved_ms = NULL "
                               "WHERE site = $1",
};

static int need_hub(fs_backend *b, fs_err *err)
{
	if (!b->hub)
		return fs_err_set(err, FS_EINVAL,
		                  "store: the device registry needs a store opened as a hub");
	return 0;
}

static int code_insert(fs_backend *b, const unsigned char *hash, const char *region,
                       uint64_t created_ms, uint64_t expires_ms, fs_err *err)
{
	pg_params p = {0};
	int added = 0, rc = need_hub(b, err);

	if (rc != 0)
		return rc;
	pg_p_bytes(&p, hash, FS_REGISTRY_HASH_LEN);
	pg_p_text(&p, region);
	pg_p_i64(&p, (int64_t)created_ms);
	pg_p_i64(&p, (int64_t)expires_ms);
	rc = pg_write(b, PG_CODE_INSERT, &p, &added, "create enrollment code", err);
	if (rc == 0 && !added)
		rc = fs_err_set(err, FS_ECONFLICT, "store: create enrollment code: it exists");
	return rc;
}

static int code_get(fs_backend *b, const unsigned char *hash, char region[FS_NAME_MAX + 1],
                    uint64_t *expires_ms, int *used, fs_err *err)
{
	pg_params p = {0};
	PGresult *res = NULL;
	int rc = need_hub(b, err);

	if (rc != 0)
		return rc;
	pg_p_bytes(&p, hash, FS_REGISTRY_HASH_LEN);
	rc = pg_run(b, PG_CODE_GET, &p, &res, "read enrollment code", err);
	if (rc == 0 && PQntuples(res) == 0)
		rc = FS_ENOTFOUND;
	if (rc == 0) {
		snprintf(region, FS_NAME_MAX + 1, "%s", PQgetvalue(res, 0, 0));
		*expires_ms = (uint64_t)pg_i64(res, 0, 1);
		*used = strcmp(PQgetvalue(res, 0, 2), "t") == 0;
	}
	PQclear(res);
	return rc;
}

static int code_use(fs_backend *b, const unsigned char *hash, const char *site, int *won,
                    fs_err *err)
{
	pg_params p = {0};
	int rc = need_hub(b, err);

	*won = 0;
	if (rc != 0)
		return rc;
	pg_p_bytes(&p, hash, FS_REGISTRY_HASH_LEN);
	pg_p_text(&p, site);
	return pg_write(b, PG_CODE_USE, &p, won, "use enrollment code", err);
}

static int failure_add(fs_backend *b, uint64_t at_ms, fs_err *err)
{
	pg_params p = {0};
	int rc = need_hub(b, err);

	if (rc != 0)
		return rc;
	pg_p_i64(&p, (int64_t)at_ms);
	return pg_write(b, PG_FAILURE_ADD, &p, NULL, "note failed enrollment", err);
}

static int failure_count(fs_backend *b, uint64_t since_ms, long *out, fs_err *err)
{
	pg_params p = {0};
	PGresult *res = NULL;
	int rc = need_hub(b, err);

	*out = 0;
	if (rc != 0)
		return rc;
	pg_p_i64(&p, (int64_t)since_ms);
	rc = pg_run(b, PG_FAILURE_PRUNE, &p, NULL, "count failed enrollments", err);
	if (rc == 0)
		rc = pg_run(b, PG_FAILURE_COUNT, &p, &res, "count failed enrollments", err);
	if (rc == 0)
		*out = (long)pg_i64(res, 0, 0);
	PQclear(res);
	return rc;
}

static int device_insert(fs_backend *b, const fs_device_row *row, fs_err *err)
{
	pg_params p = {0};
	int added = 0, rc = need_hub(b, err);

	if (rc != 0)
		return rc;
	pg_p_text(&p, row->site);
	pg_p_text(&p, row->name);
	pg_p_text(&p, row->region);
	pg_p_bytes(&p, row->token_hash, FS_REGISTRY_HASH_LEN);
	pg_p_i64(&p, (int64_t)row->enrolled_ms);
	if (row->last_sync_ms != 0)
		pg_p_i64(&p, (int64_t)row->last_sync_ms);
	else
		pg_p_text(&p, NULL);
	pg_p_text(&p, row->last_error);
	pg_p_i64(&p, row->revoked ? 1 : 0);
	pg_p_text(&p, row->agent_version);
	if (row->pending >= 0)
		pg_p_i64(&p, row->pending);
	else
		pg_p_text(&p, NULL);
	if (row->has_clock_offset)
		pg_p_i64(&p, row->clock_offset_ms);
	else
		pg_p_text(&p, NULL);
	pg_p_text(&p, row->moved_from);
	if (row->moved_from != NULL)
		pg_p_i64(&p, (int64_t)row->moved_ms);
	else
		pg_p_text(&p, NULL);
	rc = pg_write(b, PG_DEVICE_INSERT, &p, &added, "enroll device", err);
	if (rc == 0 && !added)
		rc = fs_err_set(err, FS_ECONFLICT, "store: device %s exists", row->site);
	return rc;
}

/* A device row from res (DEVICE_COLS); the token hash into hash. */
static int read_device(fs_device_row *d, unsigned char hash[FS_REGISTRY_HASH_LEN],
                       const PGresult *res, int r, fs_err *err)
{
	d->site = pg_text(res, r, 0);
	d->name = pg_text(res, r, 1);
	d->region = pg_text(res, r, 2);
	if (pg_bytes(hash, FS_REGISTRY_HASH_LEN, res, r, 3) != 0)
		return fs_err_set(err, FS_EGENERIC, "store: device %s: token hash is not %d bytes",
		                  d->site, FS_REGISTRY_HASH_LEN);
	d->token_hash = hash;
	d->enrolled_ms = (uint64_t)pg_i64(res, r, 4);
	d->last_sync_ms = (uint64_t)pg_i64(res, r, 5);
	d->last_error = pg_text(res, r, 6);
	d->revoked = pg_i64(res, r, 7) != 0;
	d->agent_version = pg_text(res, r, 8);
	d->pending = PQgetisnull(res, r, 9) ? -1 : pg_i64(res, r, 9);
	d->has_clock_offset = !PQgetisnull(res, r, 10);
	d->clock_offset_ms = d->has_clock_offset ? pg_i64(res, r, 10) : 0;
	d->moved_from = pg_text(res, r, 11);
	d->moved_ms = d->moved_from ? (uint64_t)pg_i64(res, r, 12) : 0;
	return 0;
}

static int device_get(fs_backend *b, const char *site, fs_device_row *out, fs_err *err)
{
	pg_params p = {0};
	PGresult *res = NULL;
	int rc = need_hub(b, err);

	memset(out, 0, sizeof(*out));
	if (rc != 0)
		return rc;
	pg_p_text(&p, site);
	rc = pg_run(b, PG_DEVICE_GET, &p, &res, "read device", err);
	if (rc == 0 && PQntuples(res) == 0)
		rc = FS_ENOTFOUND;
	if (rc == 0)
		rc = read_device(out, b->hash, res, 0, err);
	if (rc == 0)
		pg_hold(b, res);
	else
		PQclear(res);
	return rc;
}

static int device_revoke(fs_backend *b, const char *site, fs_err *err)
{
	pg_params p = {0};
	int changed = 0, rc = need_hub(b, err);

	if (rc != 0)
		return rc;
	pg_p_text(&p, site);
	rc = pg_write(b, PG_DEVICE_REVOKE, &p, &changed, "revoke device", err);
	if (rc == 0 && !changed)
		rc = fs_err_set(err, FS_ENOTFOUND, "no device with site id %s", site);
	return rc;
}

static int device_note(fs_backend *b, const char *site, const char *error, uint64_t now_ms,
                       fs_err *err)
{
	pg_params p = {0};
	int rc = need_hub(b, err);

	if (rc != 0)
		return rc;
	pg_p_text(&p, site);
	if (error != NULL)
		pg_p_text(&p, error);
	else
		pg_p_i64(&p, (int64_t)now_ms);
	return pg_write(b, error ? PG_DEVICE_ERROR : PG_DEVICE_SYNCED, &p, NULL, "note sync", err);
}

static int device_each(fs_backend *b, fs_device_fn fn, void *ctx, fs_err *err)
{
	PGresult *prev = NULL; /* the last page: the next one starts after its last row */
	int own, stop = 0, rc = need_hub(b, err);

	if (rc != 0)
		return rc;
	rc = pg_own_begin(b, &own, err);
	while (rc == 0 && !stop) {
		unsigned char hash[FS_REGISTRY_HASH_LEN];
		pg_params p = {0};
		PGresult *res = NULL;
		fs_device_row d;
		int r, n;

		pg_p_text(&p, prev ? PQgetvalue(prev, PQntuples(prev) - 1, 0) : "");
		pg_p_i64(&p, PG_PAGE_ROWS);
		rc = pg_run(b, PG_DEVICE_PAGE, &p, &res, "read devices", err);
		PQclear(prev);
		prev = res;
		if (rc != 0)
			break;
		n = PQntuples(res);
		for (r = 0; r < n && !stop && rc == 0; r++) {
			rc = read_device(&d, hash, res, r, err);
			if (rc == 0) {
				int v = fn(ctx, &d);

				stop = v != 0;
				rc = v < 0 ? v : 0;
			}
		}
		if (n < PG_PAGE_ROWS)
			break;
	}
	PQclear(prev);
	return pg_own_end(b, own, rc, err);
}

/* ---- a whole-store copy (copy.h) ---- */

typedef struct copy_walk {
	void *fn;
	void *ctx;
} copy_walk;

static void after_code(pg_params *p, const PGresult *prev, int last)
{
	pg_p_text(p, last >= 0 ? PQgetvalue(prev, last, 0) : "");
}

static int code_row(const PGresult *res, int r, void *ctx, int *stop, fs_err *err)
{
	copy_walk *w = ctx;
	unsigned char hash[FS_REGISTRY_HASH_LEN];
	fs_code_row c;
	int v;

	if (pg_bytes(hash, FS_REGISTRY_HASH_LEN, res, r, 0) != 0)
		return fs_err_set(err, FS_EGENERIC,
		                  "store: an enrollment code's hash is not %d bytes",
		                  FS_REGISTRY_HASH_LEN);
	c.hash = hash;
	c.region = pg_text(res, r, 1);
	c.created_ms = (uint64_t)pg_i64(res, r, 2);
	c.expires_ms = (uint64_t)pg_i64(res, r, 3);
	c.used_by = pg_text(res, r, 4);
	v = ((fs_code_fn)w->fn)(w->ctx, &c);
	*stop = v != 0;
	return v < 0 ? v : 0;
}

static int code_each(fs_backend *b, fs_code_fn fn, void *ctx, fs_err *err)
{
	copy_walk w = {(void *)fn, ctx};
	int rc = need_hub(b, err);

	if (rc != 0)
		return rc;
	return pg_page_each(b, PG_CODE_PAGE, after_code, code_row, &w, "list enrollment codes",
	                    err);
}

static void after_time(pg_params *p, const PGresult *prev, int last)
{
	pg_p_i64(p, last >= 0 ? pg_i64(prev, last, 0) : -1);
}

static int failure_row(const PGresult *res, int r, void *ctx, int *stop, fs_err *err)
{
	copy_walk *w = ctx;
	int64_t i, n = pg_i64(res, r, 1);
	int v = 0;

	(void)err;
	for (i = 0; i < n && v == 0; i++)
		v = ((fs_failure_fn)w->fn)(w->ctx, (uint64_t)pg_i64(res, r, 0));
	*stop = v != 0;
	return v < 0 ? v : 0;
}

static int failure_each(fs_backend *b, fs_failure_fn fn, void *ctx, fs_err *err)
{
	copy_walk w = {(void *)fn, ctx};
	int rc = need_hub(b, err);

	if (rc != 0)
		return rc;
	return pg_page_each(b, PG_FAILURE_PAGE, after_time, failure_row, &w,
	                    "list enrollment failures", err);
}

/* ---- the audit trail (hub/audit.c) ---- */

static int need_write(fs_backend *b, const char *what, fs_err *err)
{
	int rc = need_hub(b, err);

	if (rc == 0 && b->txn != FS_TXN_WRITE)
		rc = fs_err_set(err, FS_EINVAL, "store: %s needs a write transaction", what);
	return rc;
}

static int audit_append(fs_backend *b, const fs_audit_row *row, fs_err *err)
{
	pg_params p = {0};
	int added = 0, rc = need_write(b, "append to the audit trail", err);

	if (rc != 0)
		return rc;
	pg_p_i64(&p, row->id);
	pg_p_i64(&p, (int64_t)row->at_ms);
	pg_p_text(&p, row->actor);
	pg_p_text(&p, row->action);
	pg_p_text(&p, row->detail);
	pg_p_bytes(&p, row->prev_hash, FS_REGISTRY_HASH_LEN);
	pg_p_bytes(&p, row->hash, FS_REGISTRY_HASH_LEN);
	rc = pg_write(b, PG_AUDIT_APPEND, &p, &added, "append to the audit trail", err);
	if (rc == 0 && !added)
		rc = fs_err_set(err, FS_ECONFLICT, "store: audit entry %lld exists",
		                (long long)row->id);
	return rc;
}

static int audit_last(fs_backend *b, int64_t *id, unsigned char hash[FS_REGISTRY_HASH_LEN],
                      fs_err *err)
{
	PGresult *res = NULL;
	int rc = need_hub(b, err);

	*id = 0;
	memset(hash, 0, FS_REGISTRY_HASH_LEN);
	if (rc == 0)
		rc = pg_run(b, PG_AUDIT_LAST, NULL, &res, "read the audit trail", err);
	if (rc == 0 && PQntuples(res) == 0)
		rc = FS_ENOTFOUND;
	if (rc == 0) {
		*id = pg_i64(res, 0, 0);
		if (pg_bytes(hash, FS_REGISTRY_HASH_LEN, res, 0, 1) != 0)
			rc = fs_err_set(err, FS_EGENERIC,
			                "store: audit entry %lld: its hash is not %d bytes",
			                (long long)*id, FS_REGISTRY_HASH_LEN);
	}
	PQclear(res);
	return rc;
}

static int audit_each(fs_backend *b, int64_t after_id, uint64_t since_ms, fs_audit_fn fn,
                      void *ctx, fs_err *err)
{
	int own, stop = 0, rc = need_hub(b, err);
	int64_t after = after_id;

	if (rc != 0)
		return rc;
	rc = pg_own_begin(b, &own, err);
	while (rc == 0 && !stop) {
		unsigned char prev_hash[FS_REGISTRY_HASH_LEN], hash[FS_REGISTRY_HASH_LEN];
		pg_params p = {0};
		PGresult *res = NULL;
		fs_audit_row a;
		int r, n;

		pg_p_i64(&p, after);
		pg_p_i64(&p, since_ms > INT64_MAX ? INT64_MAX : (int64_t)since_ms);
		pg_p_i64(&p, PG_PAGE_ROWS);
		rc = pg_run(b, PG_AUDIT_PAGE, &p, &res, "read the audit trail", err);
		if (rc != 0)
			break;
		n = PQntuples(res);
		for (r = 0; r < n && !stop && rc == 0; r++) {
			a.id = pg_i64(res, r, 0);
			a.at_ms = (uint64_t)pg_i64(res, r, 1);
			a.actor = pg_text(res, r, 2);
			a.action = pg_text(res, r, 3);
			a.detail = pg_text(res, r, 4);
			a.prev_hash = prev_hash;
			a.hash = hash;
			after = a.id;
			if (pg_bytes(prev_hash, sizeof(prev_hash), res, r, 5) != 0 ||
			    pg_bytes(hash, sizeof(hash), res, r, 6) != 0) {
				rc = fs_err_set(err, FS_EGENERIC,
				                "store: audit entry %lld: a hash is not %d bytes",
				                (long long)a.id, FS_REGISTRY_HASH_LEN);
			} else {
				int v = fn(ctx, &a);

				stop = v != 0;
				rc = v < 0 ? v : 0;
			}
		}
		PQclear(res);
		if (n < PG_PAGE_ROWS)
			break;
	}
	return pg_own_end(b, own, rc, err);
}

static int audit_prune(fs_backend *b, int64_t through_id, long *removed, fs_err *err)
{
	pg_params p = {0};
	PGresult *res = NULL;
	int rc = need_write(b, "prune the audit trail", err);

	*removed = 0;
	if (rc != 0)
		return rc;
	pg_p_i64(&p, through_id);
	rc = pg_run(b, PG_AUDIT_PRUNE, &p, &res, "prune the audit trail", err);
	if (rc == 0)
		*removed = pg_changed(res);
	PQclear(res);
	return rc;
}

/* ---- console accounts, sessions, API tokens ---- */

static void copy_text(char *out, size_t len, const PGresult *res, int r, int c)
{
	const char *t = pg_text(res, r, c);

	snprintf(out, len, "%s", t != NULL ? t : "");
}

static void read_account(fs_account_row *a, const PGresult *res, int r)
{
	memset(a, 0, sizeof(*a));
	copy_text(a->name, sizeof(a->name), res, r, 0);
	copy_text(a->hash, sizeof(a->hash), res, r, 1);
	a->role = (int)pg_i64(res, r, 2);
	copy_text(a->regions, sizeof(a->regions), res, r, 3);
	a->created_ms = (uint64_t)pg_i64(res, r, 4);
	a->disabled = pg_i64(res, r, 5) != 0;
	a->password_changed_ms = (uint64_t)pg_i64(res, r, 6);
}

static int account_insert(fs_backend *b, const fs_account_row *row, fs_err *err)
{
	pg_params p = {0};
	int added = 0, rc = need_hub(b, err);

	if (rc != 0)
		return rc;
	pg_p_text(&p, row->name);
	pg_p_text(&p, row->hash);
	pg_p_i64(&p, row->role);
	pg_p_text(&p, row->regions);
	pg_p_i64(&p, (int64_t)row->created_ms);
	pg_p_i64(&p, row->disabled ? 1 : 0);
	pg_p_i64(&p, (int64_t)row->password_changed_ms);
	rc = pg_write(b, PG_ACCOUNT_INSERT, &p, &added, "add console user", err);
	if (rc == 0 && !added)
		rc = fs_err_set(err, FS_ECONFLICT, "store: console user %s exists", row->name);
	return rc;
}

static int account_update(fs_backend *b, const fs_account_row *row, fs_err *err)
{
	pg_params p = {0};
	int changed = 0, rc = need_hub(b, err);

	if (rc != 0)
		return rc;
	pg_p_text(&p, row->name);
	pg_p_text(&p, row->hash);
	pg_p_i64(&p, row->role);
	pg_p_text(&p, row->regions);
	pg_p_i64(&p, row->disabled ? 1 : 0);
	pg_p_i64(&p, (int64_t)row->password_changed_ms);
	rc = pg_write(b, PG_ACCOUNT_UPDATE, &p, &changed, "change console user", err);
	return rc == 0 && !changed ? FS_ENOTFOUND : rc;
}

static int account_get(fs_backend *b, const char *name, fs_account_row *out, fs_err *err)
{
	pg_params p = {0};
	PGresult *res = NULL;
	int rc = need_hub(b, err);

	memset(out, 0, sizeof(*out));
	if (rc != 0)
		return rc;
	pg_p_text(&p, name);
	rc = pg_run(b, PG_ACCOUNT_GET, &p, &res, "read console user", err);
	if (rc == 0 && PQntuples(res) == 0)
		rc = FS_ENOTFOUND;
	if (rc == 0)
		read_account(out, res, 0);
	PQclear(res);
	return rc;
}

/* Run a statement of one text parameter; *changed: a row changed. */
static int run_text(fs_backend *b, enum pg_stmt_id id, const char *text, const char *what,
                    int *changed, fs_err *err)
{
	pg_params p = {0};
	int rc = need_hub(b, err);

	if (rc != 0)
		return rc;
	pg_p_text(&p, text);
	return pg_write(b, id, &p, changed, what, err);
}

static int run_hash(fs_backend *b, enum pg_stmt_id id, const unsigned char *hash, const char *what,
                    fs_err *err)
{
	pg_params p = {0};
	int rc = need_hub(b, err);

	if (rc != 0)
		return rc;
	pg_p_bytes(&p, hash, FS_REGISTRY_HASH_LEN);
	return pg_write(b, id, &p, NULL, what, err);
}

static int account_delete(fs_backend *b, const char *name, fs_err *err)
{
	int changed = 0,
	    rc = run_text(b, PG_ACCOUNT_DELETE, name, "remove console user", &changed, err);

	return rc == 0 && !changed ? FS_ENOTFOUND : rc;
}

static int account_each(fs_backend *b, fs_account_fn fn, void *ctx, fs_err *err)
{
	PGresult *res = NULL;
	int r, n, rc = need_hub(b, err);

	if (rc == 0)
		rc = pg_run(b, PG_ACCOUNT_PAGE, NULL, &res, "list console users", err);
	n = rc == 0 ? PQntuples(res) : 0;
	for (r = 0; r < n; r++) {
		fs_account_row a;
		int v;

		read_account(&a, res, r);
		v = fn(ctx, &a);
		if (v != 0) {
			rc = v < 0 ? v : 0;
			break;
		}
	}
	PQclear(res);
	return rc;
}

static int session_insert(fs_backend *b, const fs_session_row *row, fs_err *err)
{
	pg_params p = {0};
	int rc = need_hub(b, err);

	if (rc != 0)
		return rc;
	pg_p_bytes(&p, row->hash, FS_REGISTRY_HASH_LEN);
	pg_p_text(&p, row->user);
	pg_p_i64(&p, (int64_t)row->created_ms);
	pg_p_i64(&p, (int64_t)row->last_seen_ms);
	pg_p_i64(&p, (int64_t)row->expires_ms);
	return pg_write(b, PG_SESSION_INSERT, &p, NULL, "start console session", err);
}

static int session_get(fs_backend *b, const unsigned char *hash, fs_session_row *out,
                       fs_err *err)
{
	pg_params p = {0};
	PGresult *res = NULL;
	int rc = need_hub(b, err);

	memset(out, 0, sizeof(*out));
	if (rc != 0)
		return rc;
	pg_p_bytes(&p, hash, FS_REGISTRY_HASH_LEN);
	rc = pg_run(b, PG_SESSION_GET, &p, &res, "read console session", err);
	if (rc == 0 && PQntuples(res) == 0)
		rc = FS_ENOTFOUND;
	if (rc == 0) {
		memcpy(out->hash, hash, FS_REGISTRY_HASH_LEN);
		copy_text(out->user, sizeof(out->user), res, 0, 0);
		out->created_ms = (uint64_t)pg_i64(res, 0, 1);
		out->last_seen_ms = (uint64_t)pg_i64(res, 0, 2);
		out->expires_ms = (uint64_t)pg_i64(res, 0, 3);
	}
	PQclear(res);
	return rc;
}

static int session_touch(fs_backend *b, const unsigned char *hash, uint64_t last_seen_ms,
                         fs_err *err)
{
	pg_params p = {0};
	int rc = need_hub(b, err);

	if (rc != 0)
		return rc;
	pg_p_bytes(&p, hash, FS_REGISTRY_HASH_LEN);
	pg_p_i64(&p, (int64_t)last_seen_ms);
	return pg_write(b, PG_SESSION_TOUCH, &p, NULL, "note console session", err);
}

static int session_delete(fs_backend *b, const unsigned char *hash, fs_err *err)
{
	return run_hash(b, PG_SESSION_DELETE, hash, "end console session", err);
}

static int session_delete_user(fs_backend *b, const char *user, fs_err *err)
{
	return run_text(b, PG_SESSION_DELETE_USER, user, "end console sessions", NULL, err);
}

static int session_prune(fs_backend *b, uint64_t now_ms, uint64_t idle_before_ms, fs_err *err)
{
	pg_params p = {0};
	int rc = need_hub(b, err);

	if (rc != 0)
		return rc;
	pg_p_i64(&p, (int64_t)now_ms);
	pg_p_i64(&p, (int64_t)idle_before_ms);
	return pg_write(b, PG_SESSION_PRUNE, &p, NULL, "end console sessions", err);
}

static int token_insert(fs_backend *b, const fs_api_token_row *row, fs_err *err)
{
	pg_params p = {0};
	int rc = need_hub(b, err);

	if (rc != 0)
		return rc;
	pg_p_bytes(&p, row->hash, FS_REGISTRY_HASH_LEN);
	pg_p_text(&p, row->id);
	pg_p_text(&p, row->user);
	pg_p_i64(&p, (int64_t)row->created_ms);
	return pg_write(b, PG_TOKEN_INSERT, &p, NULL, "create API token", err);
}

static void read_token(fs_api_token_row *t, const PGresult *res, int r)
{
	memset(t, 0, sizeof(*t));
	(void)pg_bytes(t->hash, FS_REGISTRY_HASH_LEN, res, r, 0);
	copy_text(t->id, sizeof(t->id), res, r, 1);
	copy_text(t->user, sizeof(t->user), res, r, 2);
	t->created_ms = (uint64_t)pg_i64(res, r, 3);
}

static int token_get(fs_backend *b, const unsigned char *hash, fs_api_token_row *out,
                     fs_err *err)
{
	pg_params p = {0};
	PGresult *res = NULL;
	int rc = need_hub(b, err);

	memset(out, 0, sizeof(*out));
	if (rc != 0)
		return rc;
	pg_p_bytes(&p, hash, FS_REGISTRY_HASH_LEN);
	rc = pg_run(b, PG_TOKEN_GET, &p, &res, "read API token", err);
	if (rc == 0 && PQntuples(res) == 0)
		rc = FS_ENOTFOUND;
	if (rc == 0)
		read_token(out, res, 0);
	PQclear(res);
	return rc;
}

static int token_delete(fs_backend *b, const char *user, const char *id, fs_err *err)
{
	pg_params p = {0};
	int changed = 0, rc = need_hub(b, err);

	if (rc != 0)
		return rc;
	pg_p_text(&p, user);
	pg_p_text(&p, id);
	rc = pg_write(b, PG_TOKEN_DELETE, &p, &changed, "revoke API token", err);
	return rc == 0 && !changed ? FS_ENOTFOUND : rc;
}

static int token_each(fs_backend *b, const char *user, fs_api_token_fn fn, void *ctx,
                      fs_err *err)
{
	pg_params p = {0};
	PGresult *res = NULL;
	int r, n, rc = need_hub(b, err);

	pg_p_text(&p, user);
	if (rc == 0)
		rc = pg_run(b, PG_TOKEN_PAGE, &p, &res, "list API tokens", err);
	n = rc == 0 ? PQntuples(res) : 0;
	for (r = 0; r < n; r++) {
		fs_api_token_row t;
		int v;

		read_token(&t, res, r);
		v = fn(ctx, &t);
		if (v != 0) {
			rc = v < 0 ? v : 0;
			break;
		}
	}
	PQclear(res);
	return rc;
}

static int response_days(fs_backend *b, const char *since_day, fs_response_day_fn fn, void *ctx,
                         fs_err *err)
{
	pg_params p = {0};
	PGresult *res = NULL;
	int r, n, rc = need_hub(b, err);

	pg_p_text(&p, since_day);
	if (rc == 0)
		rc = pg_run(b, PG_RESPONSE_DAYS, &p, &res, "count responses per day", err);
	n = rc == 0 ? PQntuples(res) : 0;
	for (r = 0; r < n; r++) {
		const char *day = pg_text(res, r, 0), *region = pg_text(res, r, 1);
		int v = fn(ctx, day != NULL ? day : "", region != NULL ? region : "",
		           (long)pg_i64(res, r, 2));

		if (v != 0) {
			rc = v < 0 ? v : 0;
			break;
		}
	}
	PQclear(res);
	return rc;
}

/* ---- kiosk management (hub/registry.c) ---- */

static int device_rename(fs_backend *b, const char *site, const char *name, fs_err *err)
{
	pg_params p = {0};
	int changed = 0, rc = need_hub(b, err);

	if (rc != 0)
		return rc;
	pg_p_text(&p, site);
	pg_p_text(&p, name);
	rc = pg_write(b, PG_DEVICE_RENAME, &p, &changed, "rename device", err);
	return rc == 0 && !changed ? FS_ENOTFOUND : rc;
}

/* The hub's record of what device site pulled (its peers push cursor). */
static int set_device_pulled(fs_backend *b, const char *site, int64_t pull, fs_err *err)
{
	pg_params p = {0};

	pg_p_text(&p, site);
	pg_p_i64(&p, pull);
	return pg_write(b, PG_DEVICE_PULLED, &p, NULL, "move device", err);
}

static int device_move(fs_backend *b, const char *site, const char *region,
                       const char *moved_from, uint64_t moved_ms, fs_err *err)
{
	pg_params p = {0};
	int changed = 0, rc = need_hub(b, err);

	if (rc != 0)
		return rc;
	pg_p_text(&p, site);
	pg_p_text(&p, region);
	pg_p_text(&p, moved_from);
	if (moved_from != NULL)
		pg_p_i64(&p, (int64_t)moved_ms);
	else
		pg_p_text(&p, NULL);
	/* Both in the caller's write transaction (registry.c opens one). */
	rc = pg_write(b, PG_DEVICE_MOVE, &p, &changed, "move device", err);
	if (rc == 0 && !changed)
		rc = FS_ENOTFOUND;
	if (rc == 0)
		rc = set_device_pulled(b, site, 0, err);
	return rc;
}

static int device_report(fs_backend *b, const char *site, const fs_device_report *r,
                         fs_err *err)
{
	pg_params p = {0};
	int changed = 0, rc = need_hub(b, err);

	if (rc != 0)
		return rc;
	pg_p_text(&p, site);
	pg_p_text(&p, r->agent_version);
	if (r->pending >= 0)
		pg_p_i64(&p, r->pending);
	else
		pg_p_text(&p, NULL);
	if (r->has_clock_offset)
		pg_p_i64(&p, r->clock_offset_ms);
	else
		pg_p_text(&p, NULL);
	rc = pg_write(b, r->move_done ? PG_DEVICE_REPORT_MOVED : PG_DEVICE_REPORT, &p, &changed,
	              "note kiosk status", err);
	if (rc == 0 && changed && r->move_done)
		rc = set_device_pulled(b, site, r->pull < 0 ? 0 : r->pull, err);
	return rc;
}

/* ---- receipts (schema/pg/hub/005_receipts.sql) ---- */

static int receipt_note(fs_backend *b, const char *receipt, const char *questionnaire,
                        const char *on, const char *region, fs_err *err)
{
	pg_params p = {0};
	int rc = need_hub(b, err);

	if (rc != 0)
		return rc;
	pg_p_text(&p, receipt);
	pg_p_text(&p, questionnaire);
	pg_p_text(&p, on);
	pg_p_text(&p, region);
	return pg_write(b, PG_RECEIPT_NOTE, &p, NULL, "note receipt", err);
}

static int receipt_note_get(fs_backend *b, const char *receipt,
                            char questionnaire[FS_NAME_MAX + 1], char on[11],
                            char region[FS_NAME_MAX + 1], fs_err *err)
{
	pg_params p = {0};
	PGresult *res = NULL;
	int rc = need_hub(b, err);

	questionnaire[0] = on[0] = region[0] = '\0';
	if (rc != 0)
		return rc;
	pg_p_text(&p, receipt);
	rc = pg_run(b, PG_RECEIPT_NOTE_GET, &p, &res, "read receipt", err);
	if (rc == 0 && PQntuples(res) == 0)
		rc = FS_ENOTFOUND;
	if (rc == 0) {
		snprintf(questionnaire, FS_NAME_MAX + 1, "%s", PQgetvalue(res, 0, 0));
		snprintf(on, 11, "%s", PQgetvalue(res, 0, 1));
		snprintf(region, FS_NAME_MAX + 1, "%s", PQgetvalue(res, 0, 2));
	}
	PQclear(res);
	return rc;
}

static int receipt_purge(fs_backend *b, fs_hlc before, long *removed, fs_err *err)
{
	pg_params p = {0};
	PGresult *res = NULL;
	int rc = need_hub(b, err);

	*removed = 0;
	if (rc != 0)
		return rc;
	pg_p_i64(&p, (int64_t)before);
	rc = pg_write(b, PG_RECEIPT_PURGE_NOTES, &p, NULL, "purge receipts", err);
	if (rc == 0)
		rc = pg_run(b, PG_RECEIPT_PURGE, &p, &res, "purge receipts", err);
	if (rc == 0)
		*removed = pg_changed(res);
	PQclear(res);
	return rc;
}

static void after_receipt(pg_params *p, const PGresult *prev, int last)
{
	pg_p_text(p, last >= 0 ? PQgetvalue(prev, last, 0) : "");
}

static int note_row(const PGresult *res, int r, void *ctx, int *stop, fs_err *err)
{
	copy_walk *w = ctx;
	int v;

	(void)err;
	v = ((fs_receipt_note_fn)w->fn)(w->ctx, pg_text(res, r, 0), pg_text(res, r, 1),
	                                pg_text(res, r, 2), pg_text(res, r, 3));
	*stop = v != 0;
	return v < 0 ? v : 0;
}

static int receipt_note_each(fs_backend *b, fs_receipt_note_fn fn, void *ctx, fs_err *err)
{
	copy_walk w = {(void *)fn, ctx};
	int rc = need_hub(b, err);

	if (rc != 0)
		return rc;
	return pg_page_each(b, PG_RECEIPT_NOTE_PAGE, after_receipt, note_row, &w, "list receipts",
	                    err);
}

const fs_registry_ops fs_pg_registry = {
    .code_insert = code_insert,
    .code_get = code_get,
    .code_use = code_use,
    .failure_add = failure_add,
    .failure_count = failure_count,
    .device_insert = device_insert,
    .device_get = device_get,
    .device_revoke = device_revoke,
    .device_note = device_note,
    .device_each = device_each,
    .code_each = code_each,
    .failure_each = failure_each,
    /* the audit trail */
    .audit_append = audit_append,
    .audit_last = audit_last,
    .audit_each = audit_each,
    .audit_prune = audit_prune,
    /* console accounts */
    .account_insert = account_insert,
    .account_update = account_update,
    .account_get = account_get,
    .account_delete = account_delete,
    .account_each = account_each,
    .session_insert = session_insert,
    .session_get = session_get,
    .session_touch = session_touch,
    .session_delete = session_delete,
    .session_delete_user = session_delete_user,
    .session_prune = session_prune,
    .token_insert = token_insert,
    .token_get = token_get,
    .token_delete = token_delete,
    .token_each = token_each,
    .response_days = response_days,
    /* kiosk management */
    .device_rename = device_rename,
    .device_move = device_move,
    .device_report = device_report,
    .receipt_note = receipt_note,
    .receipt_note_get = receipt_note_get,
    .receipt_purge = receipt_purge,
    .receipt_note_each = receipt_note_each,
};
