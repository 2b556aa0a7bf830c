/* Private to the SQLite backend (core/src/sqlite_*.c): its connection
 * handle, statement cache and helpers. The engine never includes this. */
#ifndef FS_SQLITE_BACKEND_H
#define FS_SQLITE_BACKEND_H

#include <sqlite3.h>
#include <stddef.h>
#include <sys/types.h>

#include "fieldsync/backend.h"

/* Cached prepared statements, prepared on first use. */
enum fs_sql_id {
	FS_SQL_META_GET,
	FS_SQL_META_PUT,
	FS_SQL_FIELD_GET,
	FS_SQL_FIELD_PUT,
	FS_SQL_FIELD_UPDATE,
	FS_SQL_CONTACT_INSERT,
	FS_SQL_CONTACT_REGION,
	FS_SQL_RESPONSE_INSERT,
	FS_SQL_RESPONSE_GET,
	FS_SQL_RESPONSE_BY_RECEIPT,
	FS_SQL_RESPONSE_ERASE,
	FS_SQL_RESPONSE_REPLACE,
	FS_SQL_QUESTIONNAIRE_INSERT,
	FS_SQL_QUESTIONNAIRE_GET,
	FS_SQL_QUESTIONNAIRE_RETIRE,
	FS_SQL_CONFLICT_INSERT,
	FS_SQL_CONFLICT_REPLACE,
	FS_SQL_FIELD_VERSION_ADD,
	FS_SQL_FIELD_VERSION_GET,
	FS_SQL_QUARANTINE_INSERT,
	FS_SQL_PEER_GET,
	FS_SQL_PEER_SET_PUSH,
	FS_SQL_PEER_SET_PULL,
	FS_SQL_CLAIM_ADD,
	FS_SQL_CLAIMS,
	FS_SQL_CLAIMS_CLEAR,
	FS_SQL_SCAN_QUESTIONNAIRES, /* changes_scan: one scan per table, in */
	FS_SQL_SCAN_RESPONSES,      /* this order */
	FS_SQL_SCAN_CONTACTS,
	FS_SQL_SCAN_CONFLICTS,
	FS_SQL_DEVICE_GET, /* sqlite_registry.c */
	FS_SQL_DEVICE_SYNCED,
	FS_SQL_ERASURE_GET, /* replicated erasure */
	FS_SQL_ERASURE_INSERT,
	FS_SQL_SCAN_ERASURES,
	FS_SQL_CONFLICT_GET, /* conflict resolution */
	FS_SQL_RESOLUTION_GET,
	FS_SQL_RESOLUTION_INSERT,
	FS_SQL_SCAN_RESOLUTIONS,
	FS_SQL_RECORDS, /* the record tables' (tables.h), FS_RSQL_KINDS each */
	FS_SQL_COUNT = FS_SQL_RECORDS + FS_RECORDS_MAX * FS_RSQL_KINDS
};

/* How long a statement waits for another connection's lock (ms). */
#define FS_SQLITE_BUSY_TIMEOUT_MS 10000

/* Which file a path named when the store was opened (device, inode). */
typedef struct fs_file_id {
	dev_t dev;
	ino_t ino;
	int known;
} fs_file_id;

struct fs_backend {
	sqlite3 *db;
	char *path;         /* the database file, as opened */
	fs_file_id db_file; /* path when opened: a commit is durable only while
	                     * path and its log are still the files opened */
	int slot;           /* entry in sqlite_store.c's table of open databases, or -1 */
	int hub;            /* opened with the hub's schema */
	int txn;            /* 0, FS_TXN_READ or FS_TXN_WRITE */
	sqlite3_stmt *stmt[FS_SQL_COUNT];
	/* Copies of the strings of the last row a get operation returned
	 * (valid until the next operation; backend.h). */
	char *scratch;
	size_t scratch_cap, scratch_used;
	unsigned char hash[FS_REGISTRY_HASH_LEN]; /* a device row's token hash */
};

/* Prepared statement id (reset and cleared of bindings), or NULL on error
 * with err set. */
sqlite3_stmt *fs_sqlite_stmt(fs_backend *b, enum fs_sql_id id, fs_err *err);

/* Set err from the connection's last SQLite error, prefixed by what;
 * returns the fs_error (FS_EBUSY for a lock, FS_ENOMEM, else FS_EGENERIC). */
int fs_sqlite_err(fs_backend *b, fs_err *err, const char *what);

/* Run SQL with no result rows. */
int fs_sqlite_exec(fs_backend *b, const char *sql, fs_err *err);

/* Step a write statement to completion; 0 or the error. */
int fs_sqlite_step_done(fs_backend *b, sqlite3_stmt *st, const char *what, fs_err *err);

/* Forget the last row's copies (each operation starts with this), and copy
 * a column's text into the scratch space: NULL for SQL NULL. Copies made
 * for one row stay valid together: fs_sqlite_keep_row sizes the space for
 * every text column of the current row first. */
void fs_sqlite_scratch_reset(fs_backend *b);
int fs_sqlite_keep_row(fs_backend *b, sqlite3_stmt *st, fs_err *err);
const char *fs_sqlite_keep(fs_backend *b, sqlite3_stmt *st, int col);

/* Step a bound statement and copy the first column of its row into out
 * (at most len-1 chars), then reset it: 0, FS_ENOTFOUND when no row, or
 * the error, prefixed by what. */
int fs_sqlite_get_text(fs_backend *b, sqlite3_stmt *st, char *out, size_t len, const char *what,
                       fs_err *err);

/* Bind text, or NULL for a NULL pointer. */
void fs_sqlite_bind_text(sqlite3_stmt *st, int i, const char *text);

/* The directory part of path ("." when there is none). */
void fs_sqlite_dir_of(char *out, size_t len, const char *path);

/* The SQL of each cached statement (sqlite_backend.c, sqlite_registry.c). */
extern const char *const fs_sqlite_sql[FS_SQL_COUNT];

/* The store's operations (sqlite_store.c): open, close, transactions,
 * meta, checks. */
int fs_sqlite_open(fs_backend **out, const char *location, const fs_backend_options *opts,
                   fs_err *err);
void fs_sqlite_close(fs_backend *b);
int fs_sqlite_schema_version(fs_backend *b, int *out, fs_err *err);
int fs_sqlite_check_durable(fs_backend *b, fs_err *err);
int fs_sqlite_size_bytes(fs_backend *b, int64_t *out, fs_err *err);
int fs_sqlite_check_integrity(fs_backend *b, fs_err *err);
int fs_sqlite_begin(fs_backend *b, fs_txn_kind kind, fs_err *err);
int fs_sqlite_commit(fs_backend *b, fs_err *err);
void fs_sqlite_rollback(fs_backend *b);
int fs_sqlite_meta_get(fs_backend *b, const char *key, char *out, size_t len, fs_err *err);
int fs_sqlite_meta_put(fs_backend *b, const char *key, const char *value, fs_err *err);

#endif
