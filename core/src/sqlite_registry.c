/* The SQLite backend's device registry (backend.h fs_registry_ops): the
 * tables of schema/hub/, present only in a store opened as a hub's. The
 * rules (codes, tokens, hashing, bounds) are hub/registry.c's. */
#include "sqlite_backend.h"

#include <stdint.h>
#include <stdio.h>
#include <string.h>

static int prepare(fs_backend *b, sqlite3_stmt **st, const char *sql, const char *what, fs_err *err)
{
	fs_sqlite_scratch_reset(b);
	if (sqlite3_prepare_v2(b->db, sql, -1, st, NULL) != SQLITE_OK)
		return fs_sqlite_err(b, err, what);
	return 0;
}

/* Step st to completion and finalize it; *changes gets the rows changed. */
static int finish(fs_backend *b, sqlite3_stmt *st, const char *what, int *changes, fs_err *err)
{
	int rc = sqlite3_step(st) == SQLITE_DONE ? 0 : fs_sqlite_err(b, err, what);

	if (changes != NULL)
		*changes = rc == 0 ? sqlite3_changes(b->db) : 0;
	sqlite3_finalize(st);
	return rc;
}

static int code_insert(fs_backend *b, const unsigned char *hash, const char *region,
                       uint64_t created_ms, uint64_t expires_ms, fs_err *err)
{
	sqlite3_stmt *st = NULL;
	int rc = prepare(b, &st,
	                 "INSERT INTO enroll_codes (code_hash, region, created_ms, expires_ms) "
	                 "VALUES (?1, ?2, ?3, ?4)",
	                 "create enrollment code", err);

	if (rc != 0)
		return rc;
	sqlite3_bind_blob(st, 1, hash, FS_REGISTRY_HASH_LEN, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, region, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 3, (sqlite3_int64)created_ms);
	sqlite3_bind_int64(st, 4, (sqlite3_int64)expires_ms);
	return finish(b, st, "create enrollment code", NULL, err);
}

static int code_get(fs_backend *b, const unsigned char *hash, char region[FS_NAME_MAX + 1],
                    uint64_t *expires_ms, int *used, fs_err *err)
{
	sqlite3_stmt *st = NULL;
	int rc = prepare(
	    b, &st, "SELECT region, expires_ms, used_by FROM enroll_codes WHERE code_hash = ?1",
	    "read enrollment code", err);

	region[0] = '\0';
	*expires_ms = 0;
	*used = 0;
	if (rc != 0)
		return rc;
	sqlite3_bind_blob(st, 1, hash, FS_REGISTRY_HASH_LEN, SQLITE_STATIC);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		const unsigned char *t = sqlite3_column_text(st, 0);

		snprintf(region, FS_NAME_MAX + 1, "%s", t ? (const char *)t : "");
		*expires_ms = (uint64_t)sqlite3_column_int64(st, 1);
		*used = sqlite3_column_type(st, 2) != SQLITE_NULL;
		rc = 0;
	} else if (rc == SQLITE_DONE) {
		rc = FS_ENOTFOUND;
	} else {
		rc = fs_sqlite_err(b, err, "read enrollment code");
	}
	sqlite3_finalize(st);
	return rc;
}

static int code_use(fs_backend *b, const unsigned char *hash, const char *site, int *won,
                    fs_err *err)
{
	sqlite3_stmt *st = NULL;
	int rc = prepare(b, &st,
	                 "UPDATE enroll_codes SET used_by = ?2 WHERE code_hash = ?1 AND "
	                 "used_by IS NULL",
	                 "enroll device", err);

	*won = 0;
	if (rc != 0)
		return rc;
	sqlite3_bind_blob(st, 1, hash, FS_REGISTRY_HASH_LEN, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, site, -1, SQLITE_STATIC);
	return finish(b, st, "enroll device", won, err);
}

static int failure_add(fs_backend *b, uint64_t at_ms, fs_err *err)
{
	sqlite3_stmt *st = NULL;
	int rc = prepare(b, &st, "INSERT INTO enroll_failures (at_ms) VALUES (?1)",
	                 "note enrollment failure", err);

	if (rc != 0)
		return rc;
	sqlite3_bind_int64(st, 1, (sqlite3_int64)at_ms);
	return finish(b, st, "note enrollment failure", NULL, err);
}

static int failure_count(fs_backend *b, uint64_t since_ms, long *out, fs_err *err)
{
	sqlite3_stmt *st = NULL;
	int rc = prepare(b, &st, "DELETE FROM enroll_failures WHERE at_ms < ?1",
	                 "count enrollment failures", err);

	*out = 0;
	if (rc != 0)
		return rc;
	sqlite3_bind_int64(st, 1, (sqlite3_int64)since_ms);
	rc = finish(b, st, "count enrollment failures", NULL, err);
	if (rc == 0)
		rc = prepare(b, &st, "SELECT count(*) FROM enroll_failures",
		             "count enrollment failures", err);
	if (rc != 0)
		return rc;
	if (sqlite3_step(st) == SQLITE_ROW)
		*out = (long)sqlite3_column_int64(st, 0);
	else
		rc = fs_sqlite_err(b, err, "count enrollment failures");
	sqlite3_finalize(st);
	return rc;
}

static int device_insert(fs_backend *b, const fs_device_row *row, fs_err *err)
{
	sqlite3_stmt *st = NULL;
	int changes = 0, rc = prepare(b, &st,
	                              "INSERT INTO devices (site, name, region, token_hash, "
	                              "enrolled_ms, last_sync_ms, last_error, revoked, "
	                              "agent_version, pending, clock_offset_ms, moved_from, "
	                              "moved_ms) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, "
	                              "?11, ?12, ?13) ON CONFLICT (site) DO NOTHING",
	                              "enroll device", err);

	if (rc != 0)
		return rc;
	sqlite3_bind_text(st, 1, row->site, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, row->name, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, row->region, -1, SQLITE_STATIC);
	sqlite3_bind_blob(st, 4, row->token_hash, FS_REGISTRY_HASH_LEN, SQLITE_STATIC);
	sqlite3_bind_int64(st, 5, (sqlite3_int64)row->enrolled_ms);
	if (row->last_sync_ms != 0)
		sqlite3_bind_int64(st, 6, (sqlite3_int64)row->last_sync_ms);
	fs_sqlite_bind_text(st, 7, row->last_error);
	sqlite3_bind_int(st, 8, row->revoked ? 1 : 0);
	fs_sqlite_bind_text(st, 9, row->agent_version);
	if (row->pending >= 0)
		sqlite3_bind_int64(st, 10, row->pending);
	if (row->has_clock_offset)
		sqlite3_bind_int64(st, 11, row->clock_offset_ms);
	fs_sqlite_bind_text(st, 12, row->moved_from);
	if (row->moved_from != NULL)
		sqlite3_bind_int64(st, 13, (sqlite3_int64)row->moved_ms);
	rc = finish(b, st, "enroll device", &changes, err);
	if (rc == 0 && changes != 1)
		return fs_err_set(err, FS_ECONFLICT, "store: device %s exists", row->site);
	return rc;
}

/* site, name, region, token_hash, enrolled_ms, last_sync_ms, last_error,
 * revoked, agent_version, pending, clock_offset_ms, moved_from, moved_ms;
 * text is fs_sqlite_keep (a returned row) or borrowed. */
static void read_device(fs_backend *b, sqlite3_stmt *st, int keep, fs_device_row *r)
{
	const void *hash = sqlite3_column_blob(st, 3);
	int i;

	memset(b->hash, 0, sizeof(b->hash));
	if (hash != NULL && sqlite3_column_bytes(st, 3) == FS_REGISTRY_HASH_LEN)
		memcpy(b->hash, hash, FS_REGISTRY_HASH_LEN);
	r->token_hash = b->hash;
	for (i = 0; i < 3; i++) {
		const char *t =
		    keep ? fs_sqlite_keep(b, st, i) : (const char *)sqlite3_column_text(st, i);

		if (i == 0)
			r->site = t;
		else if (i == 1)
			r->name = t;
		else
			r->region = t;
	}
	r->enrolled_ms = (uint64_t)sqlite3_column_int64(st, 4);
	r->last_sync_ms = (uint64_t)sqlite3_column_int64(st, 5); /* NULL reads as 0 */
	r->last_error = keep ? fs_sqlite_keep(b, st, 6) : (const char *)sqlite3_column_text(st, 6);
	r->revoked = sqlite3_column_int(st, 7);
	r->agent_version =
	    keep ? fs_sqlite_keep(b, st, 8) : (const char *)sqlite3_column_text(st, 8);
	r->pending = sqlite3_column_type(st, 9) == SQLITE_NULL ? -1 : sqlite3_column_int64(st, 9);
	r->has_clock_offset = sqlite3_column_type(st, 10) != SQLITE_NULL;
	r->clock_offset_ms = r->has_clock_offset ? sqlite3_column_int64(st, 10) : 0;
	r->moved_from =
	    keep ? fs_sqlite_keep(b, st, 11) : (const char *)sqlite3_column_text(st, 11);
	r->moved_ms = r->moved_from ? (uint64_t)sqlite3_column_int64(st, 12) : 0;
}

static int device_get(fs_backend *b, const char *site, fs_device_row *out, fs_err *err)
{
	sqlite3_stmt *st = fs_sqlite_stmt(b, FS_SQL_DEVICE_GET, err);
	int rc;

	fs_sqlite_scratch_reset(b);
	memset(out, 0, sizeof(*out));
	if (st == NULL)
		return FS_EGENERIC;
	sqlite3_bind_text(st, 1, site, -1, SQLITE_STATIC);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		rc = fs_sqlite_keep_row(b, st, err);
		if (rc == 0)
			read_device(b, st, 1, out);
	} else {
		rc = rc == SQLITE_DONE ? FS_ENOTFOUND : fs_sqlite_err(b, err, "read device");
	}
	sqlite3_reset(st);
	return rc;
}

static int device_revoke(fs_backend *b, const char *site, fs_err *err)
{
	sqlite3_stmt *st = NULL;
	int changes = 0, rc = prepare(b, &st, "UPDATE devices SET revoked = 1 WHERE site = ?1",
	                              "revoke device", err);

	if (rc != 0)
		return rc;
	sqlite3_bind_text(st, 1, site, -1, SQLITE_STATIC);
	rc = finish(b, st, "revoke device", &changes, err);
	if (rc == 0 && changes == 0)
		return FS_ENOTFOUND;
	return rc;
}

static int device_note(fs_backend *b, const char *site, const char *error, uint64_t now_ms,
                       fs_err *err)
{
	sqlite3_stmt *st;
	int rc;

	if (error == NULL) {
		/* Every sync of every device: a cached statement. */
		fs_sqlite_scratch_reset(b);
		st = fs_sqlite_stmt(b, FS_SQL_DEVICE_SYNCED, err);
		if (st == NULL)
			return FS_EGENERIC;
		sqlite3_bind_text(st, 1, site, -1, SQLITE_STATIC);
		sqlite3_bind_int64(st, 2, (sqlite3_int64)now_ms);
		return fs_sqlite_step_done(b, st, "note sync", err);
	}
	rc =
	    prepare(b, &st, "UPDATE devices SET last_error = ?2 WHERE site = ?1", "note sync", err);
	if (rc != 0)
		return rc;
	sqlite3_bind_text(st, 1, site, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, error, -1, SQLITE_STATIC);
	return finish(b, st, "note sync", NULL, err);
}

static int device_each(fs_backend *b, fs_device_fn fn, void *ctx, fs_err *err)
{
	sqlite3_stmt *st = NULL;
	int rc = prepare(b, &st,
	                 "SELECT site, name, region, token_hash, enrolled_ms, last_sync_ms, "
	                 "last_error, revoked, agent_version, pending, clock_offset_ms, "
	                 "moved_from, moved_ms FROM devices ORDER BY site",
	                 "list devices", err),
	    stop = 0;

	if (rc != 0)
		return rc;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		fs_device_row r;

		read_device(b, st, 0, &r);
		stop = fn(ctx, &r);
		if (stop != 0)
			break;
	}
	if (stop == 0 && rc != SQLITE_DONE)
		stop = fs_sqlite_err(b, err, "list devices");
	sqlite3_finalize(st);
	return stop < 0 ? stop : 0;
}

/* ---- a whole-store copy (copy.h) ---- */

/* Visit the rows of sql with row (a callback's verdict: 0 on, positive
 * stop, negative abort), finalize. */
static int each_sql(fs_backend *b, const char *sql, const char *what,
                    int (*row)(sqlite3_stmt *st, void *ctx, fs_err *err), void *ctx, fs_err *err)
{
	sqlite3_stmt *st = NULL;
	int rc = prepare(b, &st, sql, what, err), stop = 0;

	if (rc != 0)
		return rc;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW && (stop = row(st, ctx, err)) == 0)
		;
	if (stop == 0 && rc != SQLITE_DONE)
		stop = fs_sqlite_err(b, err, what);
	sqlite3_finalize(st);
	return stop < 0 ? stop : 0;
}

typedef struct copy_walk {
	void *fn;
	void *ctx;
} copy_walk;

static int code_row(sqlite3_stmt *st, void *ctx, fs_err *err)
{
	copy_walk *w = ctx;
	fs_code_row r;

	if (sqlite3_column_bytes(st, 0) != FS_REGISTRY_HASH_LEN)
		return fs_err_set(err, FS_EGENERIC,
		                  "store: an enrollment code's hash is not %d bytes",
		                  FS_REGISTRY_HASH_LEN);
	r.hash = sqlite3_column_blob(st, 0);
	r.region = (const char *)sqlite3_column_text(st, 1);
	r.created_ms = (uint64_t)sqlite3_column_int64(st, 2);
	r.expires_ms = (uint64_t)sqlite3_column_int64(st, 3);
	r.used_by = (const char *)sqlite3_column_text(st, 4);
	return ((fs_code_fn)w->fn)(w->ctx, &r);
}

static int code_each(fs_backend *b, fs_code_fn fn, void *ctx, fs_err *err)
{
	copy_walk w = {(void *)fn, ctx};

	return each_sql(b,
	                "SELECT code_hash, region, created_ms, expires_ms, used_by FROM "
	                "enroll_codes ORDER BY code_hash",
	                "list enrollment codes", code_row, &w, err);
}

static int failure_row(sqlite3_stmt *st, void *ctx, fs_err *err)
{
	copy_walk *w = ctx;

	(void)err;
	return ((fs_failure_fn)w->fn)(w->ctx, (uint64_t)sqlite3_column_int64(st, 0));
}

static int failure_each(fs_backend *b, fs_failure_fn fn, void *ctx, fs_err *err)
{
	copy_walk w = {(void *)fn, ctx};

	return each_sql(b, "SELECT at_ms FROM enroll_failures ORDER BY at_ms",
	                "list enrollment failures", failure_row, &w, err);
}

/* ---- the audit trail (hub/audit.c) ---- */

static int need_write(fs_backend *b, const char *what, fs_err *err)
{
	if (b->txn != FS_TXN_WRITE)
		return fs_err_set(err, FS_EINVAL, "store: %s needs a write transaction", what);
	return 0;
}

static int audit_append(fs_backend *b, const fs_audit_row *row, fs_err *err)
{
	sqlite3_stmt *st = NULL;
	int changes = 0, rc = need_write(b, "append to the audit trail", err);

	if (rc == 0)
		rc = prepare(b, &st,
		             "INSERT INTO audit_log (id, at_ms, actor, action, detail, prev_hash, "
		             "hash) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7) ON CONFLICT (id) DO NOTHING",
		             "append to the audit trail", err);
	if (rc != 0)
		return rc;
	sqlite3_bind_int64(st, 1, row->id);
	sqlite3_bind_int64(st, 2, (sqlite3_int64)row->at_ms);
	sqlite3_bind_text(st, 3, row->actor, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 4, row->action, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 5, row->detail, -1, SQLITE_STATIC);
	sqlite3_bind_blob(st, 6, row->prev_hash, FS_REGISTRY_HASH_LEN, SQLITE_STATIC);
	sqlite3_bind_blob(st, 7, row->hash, FS_REGISTRY_HASH_LEN, SQLITE_STATIC);
	rc = finish(b, st, "append to the audit trail", &changes, err);
	if (rc == 0 && changes != 1)
		return fs_err_set(err, FS_ECONFLICT, "store: audit entry %lld exists",
		                  (long long)row->id);
	return rc;
}

static int audit_last(fs_backend *b, int64_t *id, unsigned char hash[FS_REGISTRY_HASH_LEN],
                      fs_err *err)
{
	sqlite3_stmt *st = NULL;
	int rc = prepare(b, &st, "SELECT id, hash FROM audit_log ORDER BY id DESC LIMIT 1",
	                 "read the audit trail", err);

	*id = 0;
	memset(hash, 0, FS_REGISTRY_HASH_LEN);
	if (rc != 0)
		return rc;
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		*id = sqlite3_column_int64(st, 0);
		rc = 0;
		if (sqlite3_column_bytes(st, 1) == FS_REGISTRY_HASH_LEN)
			memcpy(hash, sqlite3_column_blob(st, 1), FS_REGISTRY_HASH_LEN);
		else
			rc = fs_err_set(err, FS_EGENERIC,
			                "store: audit entry %lld: its hash is not %d bytes",
			                (long long)*id, FS_REGISTRY_HASH_LEN);
	} else if (rc == SQLITE_DONE) {
		rc = FS_ENOTFOUND;
	} else {
		rc = fs_sqlite_err(b, err, "read the audit trail");
	}
	sqlite3_finalize(st);
	return rc;
}

/* A hash column: its bytes, or a zero-length marker the chain check
 * rejects (NULL when not 32 bytes). */
static const unsigned char *hash_col(sqlite3_stmt *st, int col)
{
	if (sqlite3_column_bytes(st, col) != FS_REGISTRY_HASH_LEN)
		return NULL;
	return sqlite3_column_blob(st, col);
}

static int audit_row(sqlite3_stmt *st, void *ctx, fs_err *err)
{
	copy_walk *w = ctx;
	fs_audit_row r;

	(void)err;
	r.id = sqlite3_column_int64(st, 0);
	r.at_ms = (uint64_t)sqlite3_column_int64(st, 1);
	r.actor = (const char *)sqlite3_column_text(st, 2);
	r.action = (const char *)sqlite3_column_text(st, 3);
	r.detail = (const char *)sqlite3_column_text(st, 4);
	r.prev_hash = hash_col(st, 5);
	r.hash = hash_col(st, 6);
	if (r.actor == NULL || r.action == NULL || r.detail == NULL || r.prev_hash == NULL ||
	    r.hash == NULL)
		return fs_err_set(err, FS_EGENERIC,
		                  "store: audit entry %lld: a column is missing or malformed",
		                  (long long)r.id);
	return ((fs_audit_fn)w->fn)(w->ctx, &r);
}

static int audit_each(fs_backend *b, int64_t after_id, uint64_t since_ms, fs_audit_fn fn,
                      void *ctx, fs_err *err)
{
	copy_walk w = {(void *)fn, ctx};
	char sql[256];

	/* Integers in the text: each_sql binds nothing. */
	snprintf(sql, sizeof(sql),
	         "SELECT id, at_ms, actor, action, detail, prev_hash, hash FROM audit_log "
	         "WHERE id > %lld AND at_ms >= %lld ORDER BY id",
	         (long long)after_id,
	         (long long)(since_ms > INT64_MAX ? INT64_MAX : (int64_t)since_ms));
	return each_sql(b, sql, "read the audit trail", audit_row, &w, err);
}

static int audit_prune(fs_backend *b, int64_t through_id, long *removed, fs_err *err)
{
	sqlite3_stmt *st = NULL;
	int changes = 0, rc = need_write(b, "prune the audit trail", err);

	*removed = 0;
	if (rc == 0)
		rc = prepare(b, &st, "DELETE FROM audit_log WHERE id <= ?1",
		             "prune the audit trail", err);
	if (rc != 0)
		return rc;
	sqlite3_bind_int64(st, 1, through_id);
	rc = finish(b, st, "prune the audit trail", &changes, err);
	*removed = changes;
	return rc;
}

/* ---- console accounts, sessions, API tokens ---- */

#define ACCOUNT_COLS "name, hash, role, regions, created_ms, disabled, password_changed_ms"

static void col_copy(char *out, size_t len, sqlite3_stmt *st, int col)
{
	const unsigned char *t = sqlite3_column_text(st, col);

	snprintf(out, len, "%s", t != NULL ? (const char *)t : "");
}

static void read_account(sqlite3_stmt *st, fs_account_row *r)
{
	memset(r, 0, sizeof(*r));
	col_copy(r->name, sizeof(r->name), st, 0);
	col_copy(r->hash, sizeof(r->hash), st, 1);
	r->role = sqlite3_column_int(st, 2);
	col_copy(r->regions, sizeof(r->regions), st, 3);
	r->created_ms = (uint64_t)sqlite3_column_int64(st, 4);
	r->disabled = sqlite3_column_int(st, 5);
	r->password_changed_ms = (uint64_t)sqlite3_column_int64(st, 6);
}

static void bind_account(sqlite3_stmt *st, const fs_account_row *row)
{
	sqlite3_bind_text(st, 1, row->name, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, row->hash, -1, SQLITE_STATIC);
	sqlite3_bind_int(st, 3, row->role);
	sqlite3_bind_text(st, 4, row->regions, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 5, (sqlite3_int64)row->created_ms);
	sqlite3_bind_int(st, 6, row->disabled ? 1 : 0);
	sqlite3_bind_int64(st, 7, (sqlite3_int64)row->password_changed_ms);
}

static int account_insert(fs_backend *b, const fs_account_row *row, fs_err *err)
{
	sqlite3_stmt *st = NULL;
	int changes = 0, rc = prepare(b, &st,
	                              "INSERT INTO admin_users (" ACCOUNT_COLS ") VALUES (?1, ?2, "
	                              "?3, ?4, ?5, ?6, ?7) ON CONFLICT (name) DO NOTHING",
	                              "add console user", err);

	if (rc != 0)
		return rc;
	bind_account(st, row);
	rc = finish(b, st, "add console user", &changes, err);
	if (rc == 0 && changes != 1)
		return fs_err_set(err, FS_ECONFLICT, "store: console user %s exists", row->name);
	return rc;
}

static int account_update(fs_backend *b, const fs_account_row *row, fs_err *err)
{
	sqlite3_stmt *st = NULL;
	int changes = 0, rc = prepare(b, &st,
	                              "UPDATE admin_users SET hash = ?2, role = ?3, regions = ?4, "
	                              "disabled = ?6, password_changed_ms = ?7 WHERE name = ?1",
	                              "change console user", err);

	if (rc != 0)
		return rc;
	bind_account(st, row);
	rc = finish(b, st, "change console user", &changes, err);
	if (rc == 0 && changes != 1)
		return FS_ENOTFOUND;
	return rc;
}

static int account_get(fs_backend *b, const char *name, fs_account_row *out, fs_err *err)
{
	sqlite3_stmt *st = NULL;
	int rc = prepare(b, &st, "SELECT " ACCOUNT_COLS " FROM admin_users WHERE name = ?1",
	                 "read console user", err);

	memset(out, 0, sizeof(*out));
	if (rc != 0)
		return rc;
	sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		read_account(st, out);
		rc = 0;
	} else if (rc == SQLITE_DONE) {
		rc = FS_ENOTFOUND;
	} else {
		rc = fs_sqlite_err(b, err, "read console user");
	}
	sqlite3_finalize(st);
	return rc;
}

/* Run sql with one text parameter; *changes rows changed. */
static int exec_text(fs_backend *b, const char *sql, const char *text, const char *what,
                     int *changes, fs_err *err)
{
	sqlite3_stmt *st = NULL;
	int rc = prepare(b, &st, sql, what, err);

	if (rc != 0)
		return rc;
	sqlite3_bind_text(st, 1, text, -1, SQLITE_STATIC);
	return finish(b, st, what, changes, err);
}

static int exec_hash(fs_backend *b, const char *sql, const unsigned char *hash, const char *what,
                     fs_err *err)
{
	sqlite3_stmt *st = NULL;
	int rc = prepare(b, &st, sql, what, err);

	if (rc != 0)
		return rc;
	sqlite3_bind_blob(st, 1, hash, FS_REGISTRY_HASH_LEN, SQLITE_STATIC);
	return finish(b, st, what, NULL, err);
}

static int account_delete(fs_backend *b, const char *name, fs_err *err)
{
	int changes = 0,
	    rc = exec_text(b, "DELETE FROM admin_users WHERE name = ?1", name,
	                   "remove console user", &changes, err);

	if (rc == 0 && changes != 1)
		return FS_ENOTFOUND;
	if (rc == 0)
		rc = exec_text(b, "DELETE FROM admin_sessions WHERE username = ?1", name,
		               "remove console user", NULL, err);
	if (rc == 0)
		rc = exec_text(b, "DELETE FROM admin_tokens WHERE username = ?1", name,
		               "remove console user", NULL, err);
	return rc;
}

static int account_row(sqlite3_stmt *st, void *ctx, fs_err *err)
{
	copy_walk *w = ctx;
	fs_account_row r;

	(void)err;
	read_account(st, &r);
	return ((fs_account_fn)w->fn)(w->ctx, &r);
}

static int account_each(fs_backend *b, fs_account_fn fn, void *ctx, fs_err *err)
{
	copy_walk w = {(void *)fn, ctx};

	return each_sql(b, "SELECT " ACCOUNT_COLS " FROM admin_users ORDER BY name",
	                "list console users", account_row, &w, err);
}

static int session_insert(fs_backend *b, const fs_session_row *row, fs_err *err)
{
	sqlite3_stmt *st = NULL;
	int rc = prepare(b, &st,
	                 "INSERT INTO admin_sessions (hash, username, created_ms, last_seen_ms, "
	                 "expires_ms) VALUES (?1, ?2, ?3, ?4, ?5)",
	                 "start console session", err);

	if (rc != 0)
		return rc;
	sqlite3_bind_blob(st, 1, row->hash, FS_REGISTRY_HASH_LEN, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, row->user, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 3, (sqlite3_int64)row->created_ms);
	sqlite3_bind_int64(st, 4, (sqlite3_int64)row->last_seen_ms);
	sqlite3_bind_int64(st, 5, (sqlite3_int64)row->expires_ms);
	return finish(b, st, "start console session", NULL, err);
}

static int session_get(fs_backend *b, const unsigned char *hash, fs_session_row *out,
                       fs_err *err)
{
	sqlite3_stmt *st = NULL;
	int rc = prepare(b, &st,
	                 "SELECT username, created_ms, last_seen_ms, expires_ms FROM "
	                 "admin_sessions WHERE hash = ?1",
	                 "read console session", err);

	memset(out, 0, sizeof(*out));
	if (rc != 0)
		return rc;
	sqlite3_bind_blob(st, 1, hash, FS_REGISTRY_HASH_LEN, SQLITE_STATIC);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		memcpy(out->hash, hash, FS_REGISTRY_HASH_LEN);
		col_copy(out->user, sizeof(out->user), st, 0);
		out->created_ms = (uint64_t)sqlite3_column_int64(st, 1);
		out->last_seen_ms = (uint64_t)sqlite3_column_int64(st, 2);
		out->expires_ms = (uint64_t)sqlite3_column_int64(st, 3);
		rc = 0;
	} else if (rc == SQLITE_DONE) {
		rc = FS_ENOTFOUND;
	} else {
		rc = fs_sqlite_err(b, err, "read console session");
	}
	sqlite3_finalize(st);
	return rc;
}

static int session_touch(fs_backend *b, const unsigned char *hash, uint64_t last_seen_ms,
                         fs_err *err)
{
	sqlite3_stmt *st = NULL;
	int rc = prepare(b, &st, "UPDATE admin_sessions SET last_seen_ms = ?2 WHERE hash = ?1",
	                 "note console session", err);

	if (rc != 0)
		return rc;
	sqlite3_bind_blob(st, 1, hash, FS_REGISTRY_HASH_LEN, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, (sqlite3_int64)last_seen_ms);
	return finish(b, st, "note console session", NULL, err);
}

static int session_delete(fs_backend *b, const unsigned char *hash, fs_err *err)
{
	return exec_hash(b, "DELETE FROM admin_sessions WHERE hash = ?1", hash,
	                 "end console session", err);
}

static int session_delete_user(fs_backend *b, const char *user, fs_err *err)
{
	return exec_text(b, "DELETE FROM admin_sessions WHERE username = ?1", user,
	                 "end console sessions", NULL, err);
}

static int session_prune(fs_backend *b, uint64_t now_ms, uint64_t idle_before_ms, fs_err *err)
{
	sqlite3_stmt *st = NULL;
	int rc = prepare(b, &st,
	                 "DELETE FROM admin_sessions WHERE expires_ms <= ?1 OR last_seen_ms < ?2",
	                 "end console sessions", err);

	if (rc != 0)
		return rc;
	sqlite3_bind_int64(st, 1, (sqlite3_int64)now_ms);
	sqlite3_bind_int64(st, 2, (sqlite3_int64)idle_before_ms);
	return finish(b, st, "end console sessions", NULL, err);
}

static int token_insert(fs_backend *b, const fs_api_token_row *row, fs_err *err)
{
	sqlite3_stmt *st = NULL;
	int rc = prepare(b, &st,
	                 "INSERT INTO admin_tokens (hash, id, username, created_ms) VALUES (?1, "
	                 "?2, ?3, ?4)",
	                 "create API token", err);

	if (rc != 0)
		return rc;
	sqlite3_bind_blob(st, 1, row->hash, FS_REGISTRY_HASH_LEN, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, row->id, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, row->user, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 4, (sqlite3_int64)row->created_ms);
	return finish(b, st, "create API token", NULL, err);
}

static void read_token(sqlite3_stmt *st, fs_api_token_row *r)
{
	memset(r, 0, sizeof(*r));
	if (sqlite3_column_bytes(st, 0) == FS_REGISTRY_HASH_LEN)
		memcpy(r->hash, sqlite3_column_blob(st, 0), FS_REGISTRY_HASH_LEN);
	col_copy(r->id, sizeof(r->id), st, 1);
	col_copy(r->user, sizeof(r->user), st, 2);
	r->created_ms = (uint64_t)sqlite3_column_int64(st, 3);
}

static int token_get(fs_backend *b, const unsigned char *hash, fs_api_token_row *out,
                     fs_err *err)
{
	sqlite3_stmt *st = NULL;
	int rc = prepare(b, &st,
	                 "SELECT hash, id, username, created_ms FROM admin_tokens WHERE hash = ?1",
	                 "read API token", err);

	memset(out, 0, sizeof(*out));
	if (rc != 0)
		return rc;
	sqlite3_bind_blob(st, 1, hash, FS_REGISTRY_HASH_LEN, SQLITE_STATIC);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		read_token(st, out);
		rc = 0;
	} else if (rc == SQLITE_DONE) {
		rc = FS_ENOTFOUND;
	} else {
		rc = fs_sqlite_err(b, err, "read API token");
	}
	sqlite3_finalize(st);
	return rc;
}

static int token_delete(fs_backend *b, const char *user, const char *id, fs_err *err)
{
	sqlite3_stmt *st = NULL;
	int changes = 0, rc = prepare(b, &st,
	                              "DELETE FROM admin_tokens WHERE username = ?1 AND id = ?2",
	                              "revoke API token", err);

	if (rc != 0)
		return rc;
	sqlite3_bind_text(st, 1, user, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, id, -1, SQLITE_STATIC);
	rc = finish(b, st, "revoke API token", &changes, err);
	if (rc == 0 && changes != 1)
		return FS_ENOTFOUND;
	return rc;
}

static int token_row(sqlite3_stmt *st, void *ctx, fs_err *err)
{
	copy_walk *w = ctx;
	fs_api_token_row r;

	(void)err;
	read_token(st, &r);
	return ((fs_api_token_fn)w->fn)(w->ctx, &r);
}

static int token_each(fs_backend *b, const char *user, fs_api_token_fn fn, void *ctx,
                      fs_err *err)
{
	copy_walk w = {(void *)fn, ctx};
	sqlite3_stmt *st = NULL;
	int rc, stop = 0;

	rc = prepare(b, &st,
	             "SELECT hash, id, username, created_ms FROM admin_tokens WHERE ?1 IS NULL OR "
	             "username = ?1 ORDER BY id",
	             "list API tokens", err);
	if (rc != 0)
		return rc;
	fs_sqlite_bind_text(st, 1, user);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW && (stop = token_row(st, &w, err)) == 0)
		;
	if (stop == 0 && rc != SQLITE_DONE)
		stop = fs_sqlite_err(b, err, "list API tokens");
	sqlite3_finalize(st);
	return stop < 0 ? stop : 0;
}

static int response_days(fs_backend *b, const char *since_day, fs_response_day_fn fn, void *ctx,
                         fs_err *err)
{
	sqlite3_stmt *st = NULL;
	int rc, stop = 0;

	rc = prepare(b, &st,
	             "SELECT substr(r.submitted_at, 1, 10) AS day, d.region, count(*) FROM "
	             "responses r JOIN devices d ON d.site = r.site WHERE r.deleted = 0 AND "
	             "r.submitted_at >= ?1 GROUP BY day, d.region ORDER BY day, d.region",
	             "count responses per day", err);
	if (rc != 0)
		return rc;
	sqlite3_bind_text(st, 1, since_day, -1, SQLITE_STATIC);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		const char *day = (const char *)sqlite3_column_text(st, 0);
		const char *region = (const char *)sqlite3_column_text(st, 1);

		stop = fn(ctx, day != NULL ? day : "", region != NULL ? region : "",
		          (long)sqlite3_column_int64(st, 2));
		if (stop != 0)
			break;
	}
	if (stop == 0 && rc != SQLITE_DONE)
		stop = fs_sqlite_err(b, err, "count responses per day");
	sqlite3_finalize(st);
	return stop < 0 ? stop : 0;
}

/* ---- kiosk management (hub/registry.c) ---- */

static int device_rename(fs_backend *b, const char *site, const char *name, fs_err *err)
{
	sqlite3_stmt *st = NULL;
	int changes = 0, rc = prepare(b, &st, "UPDATE devices SET name = ?2 WHERE site = ?1",
	                              "rename device", err);

	if (rc != 0)
		return rc;
	sqlite3_bind_text(st, 1, site, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, name, -1, SQLITE_STATIC);
	rc = finish(b, st, "rename device", &changes, err);
	return rc == 0 && changes == 0 ? FS_ENOTFOUND : rc;
}

/* The hub's record of what device site pulled (its peers push cursor). */
static int set_device_pulled(fs_backend *b, const char *site, int64_t pull, fs_err *err)
{
	sqlite3_stmt *st = NULL;
	int rc = prepare(b, &st,
	                 "INSERT INTO peers (site, push_cursor) VALUES (?1, ?2) ON CONFLICT (site) "
	                 "DO UPDATE SET push_cursor = excluded.push_cursor",
	                 "move device", err);

	if (rc != 0)
		return rc;
	sqlite3_bind_text(st, 1, site, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, pull);
	return finish(b, st, "move device", NULL, err);
}

static int device_move(fs_backend *b, const char *site, const char *region,
                       const char *moved_from, uint64_t moved_ms, fs_err *err)
{
	sqlite3_stmt *st = NULL;
	int changes = 0, rc = prepare(b, &st,
	                              "UPDATE devices SET region = ?2, moved_from = ?3, moved_ms = "
	                              "?4 WHERE site = ?1",
	                              "move device", err);

	if (rc != 0)
		return rc;
	sqlite3_bind_text(st, 1, site, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, region, -1, SQLITE_STATIC);
	fs_sqlite_bind_text(st, 3, moved_from);
	if (moved_from != NULL)
		sqlite3_bind_int64(st, 4, (sqlite3_int64)moved_ms);
	rc = finish(b, st, "move device", &changes, err);
	if (rc == 0 && changes == 0)
		return FS_ENOTFOUND;
	return rc == 0 ? set_device_pulled(b, site, 0, err) : rc;
}

static int device_report(fs_backend *b, const char *site, const fs_device_report *r,
                         fs_err *err)
{
	sqlite3_stmt *st = NULL;
	int changes = 0,
	    rc = prepare(b, &st,
	                 r->move_done ? "UPDATE devices SET agent_version = ?2, pending = ?3, "
	                                "clock_offset_ms = ?4, moved_from = NULL, moved_ms = NULL "
	                                "WHERE site = ?1"
	                              : "UPDATE devices SET agent_version = ?2, pending = ?3, "
	                                "clock_offset_ms = ?4 WHERE site = ?1",
	                 "note kiosk status", err);

	if (rc != 0)
		return rc;
	sqlite3_bind_text(st, 1, site, -1, SQLITE_STATIC);
	fs_sqlite_bind_text(st, 2, r->agent_version);
	if (r->pending >= 0)
		sqlite3_bind_int64(st, 3, r->pending);
	if (r->has_clock_offset)
		sqlite3_bind_int64(st, 4, r->clock_offset_ms);
	rc = finish(b, st, "note kiosk status", &changes, err);
	if (rc == 0 && changes == 1 && r->move_done)
		rc = set_device_pulled(b, site, r->pull < 0 ? 0 : r->pull, err);
	return rc;
}

/* ---- receipts (schema/hub/005_receipts.sql) ---- */

static int receipt_note(fs_backend *b, const char *receipt, const char *questionnaire,
                        const char *on, const char *region, fs_err *err)
{
	sqlite3_stmt *st = NULL;
	int rc = prepare(b, &st,
	                 "INSERT INTO receipt_withdrawn (receipt, questionnaire, received_on, region) "
	                 "VALUES (?1, ?2, ?3, ?4) ON CONFLICT (receipt) DO NOTHING",
	                 "note receipt", err);

	if (rc != 0)
		return rc;
	sqlite3_bind_text(st, 1, receipt, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, questionnaire, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, on, -1, SQLITE_STATIC);
	fs_sqlite_bind_text(st, 4, region);
	return finish(b, st, "note receipt", NULL, err);
}

static int receipt_note_get(fs_backend *b, const char *receipt,
                            char questionnaire[FS_NAME_MAX + 1], char on[11],
                            char region[FS_NAME_MAX + 1], fs_err *err)
{
	sqlite3_stmt *st = NULL;
	int rc = prepare(b, &st,
	                 "SELECT questionnaire, received_on, region FROM receipt_withdrawn WHERE "
	                 "receipt = ?1",
	                 "read receipt", err);

	questionnaire[0] = on[0] = region[0] = '\0';
	if (rc != 0)
		return rc;
	sqlite3_bind_text(st, 1, receipt, -1, SQLITE_STATIC);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		snprintf(questionnaire, FS_NAME_MAX + 1, "%s",
		         (const char *)sqlite3_column_text(st, 0));
		snprintf(on, 11, "%s", (const char *)sqlite3_column_text(st, 1));
		if (sqlite3_column_text(st, 2) != NULL)
			snprintf(region, FS_NAME_MAX + 1, "%s",
			         (const char *)sqlite3_column_text(st, 2));
		rc = 0;
	} else {
		rc = rc == SQLITE_DONE ? FS_ENOTFOUND : fs_sqlite_err(b, err, "read receipt");
	}
	sqlite3_finalize(st);
	return rc;
}

static int receipt_purge(fs_backend *b, fs_hlc before, long *removed, fs_err *err)
{
	sqlite3_stmt *st = NULL;
	int changes = 0, rc = prepare(b, &st,
	                              "DELETE FROM receipt_withdrawn WHERE receipt IN (SELECT "
	                              "receipt FROM withdrawals WHERE hlc < ?1)",
	                              "purge receipts", err);

	*removed = 0;
	if (rc != 0)
		return rc;
	sqlite3_bind_int64(st, 1, (sqlite3_int64)before);
	rc = finish(b, st, "purge receipts", NULL, err);
	if (rc == 0)
		rc = prepare(b, &st, "DELETE FROM withdrawals WHERE hlc < ?1", "purge receipts", err);
	if (rc != 0)
		return rc;
	sqlite3_bind_int64(st, 1, (sqlite3_int64)before);
	rc = finish(b, st, "purge receipts", &changes, err);
	*removed = changes;
	return rc;
}

static int note_row(sqlite3_stmt *st, void *ctx, fs_err *err)
{
	copy_walk *w = ctx;

	(void)err;
	return ((fs_receipt_note_fn)w->fn)(w->ctx, (const char *)sqlite3_column_text(st, 0),
	                                   (const char *)sqlite3_column_text(st, 1),
	                                   (const char *)sqlite3_column_text(st, 2),
	                                   (const char *)sqlite3_column_text(st, 3));
}

static int receipt_note_each(fs_backend *b, fs_receipt_note_fn fn, void *ctx, fs_err *err)
{
	copy_walk w = {(void *)fn, ctx};

	return each_sql(b,
	                "SELECT receipt, questionnaire, received_on, region FROM receipt_withdrawn "
	                "ORDER BY receipt",
	                "list receipts", note_row, &w, err);
}

const fs_registry_ops fs_sqlite_registry = {
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
