/* Private to core/: the store handle, its transaction and its statement
 * cache. Only store.c, db.c and the modules that run transactions use it. */
#ifndef FS_STORE_INTERNAL_H
#define FS_STORE_INTERNAL_H

#include <sqlite3.h>
#include <stdint.h>
#include <sys/types.h>

#include "fieldsync/store.h"

/* Cached prepared statements, prepared on first use. */
enum fs_stmt_id {
	FS_STMT_META_GET,
	FS_STMT_META_PUT,
	FS_STMT_FIELD_GET,
	FS_STMT_FIELD_PUT,
	FS_STMT_FIELD_UPDATE,
	FS_STMT_CONTACT_INSERT,
	FS_STMT_CONTACT_REGION,
	FS_STMT_RESPONSE_INSERT,
	FS_STMT_RESPONSE_GET,
	FS_STMT_RESPONSE_DELETE,
	FS_STMT_QUESTIONNAIRE_INSERT,
	FS_STMT_QUESTIONNAIRE_GET,
	FS_STMT_QUESTIONNAIRE_DELETE,
	FS_STMT_CONFLICT_INSERT,
	FS_STMT_CONFLICT_REPLACE,
	FS_STMT_FIELD_VERSION_ADD,
	FS_STMT_FIELD_VERSION_GET,
	FS_STMT_QUARANTINE_INSERT,
	FS_STMT_SCAN_QUESTIONNAIRES, /* changes.c: one scan per table, in */
	FS_STMT_SCAN_RESPONSES,      /* this order */
	FS_STMT_SCAN_CONTACTS,
	FS_STMT_SCAN_CONFLICTS,
	FS_STMT_COUNT
};

/* Which file a path named when the store was opened (device, inode). */
typedef struct fs_file_id {
	dev_t dev;
	ino_t ino;
	int known;
} fs_file_id;

struct fs_store {
	sqlite3 *db;
	char *path;          /* the database file, as opened */
	fs_file_id db_file;  /* path when opened: a commit is durable only while
	                      * path and its log are still the files opened */
	int slot;            /* entry in store.c's table of open databases, or -1 */
	sqlite3_stmt *stmt[FS_STMT_COUNT];
	char site[FS_NAME_MAX + 1];
	char region[FS_NAME_MAX + 1];
	fs_wallclock_fn wallclock;
	void *wallclock_ctx;
	int64_t offset_ms;   /* persisted in meta "clock_offset_ms" */
	/* The boot clock: mode 0 the system's, 1 boottime(), 2 none. */
	int boottime_mode;
	fs_boottime_fn boottime;
	void *boottime_ctx;
	/* Wall and boot clocks when the offset was learned (meta
	 * "clock_anchor"); has_anchor 0 when not noted (older stores). */
	uint64_t boot_id;     /* the system's, read once */
	int have_boot_id;
	int has_anchor;
	int64_t anchor_wall_ms;
	uint64_t anchor_boot_ms, anchor_boot_id;
	/* Transaction state, valid between fs_txn_begin and commit/rollback. */
	int in_txn;
	int64_t txn_seq;     /* last seq used */
	int64_t txn_seq_start;
	fs_hlc txn_hlc;      /* last timestamp issued or seen */
	fs_hlc txn_hlc_start;
};

/* Prepared statement id (reset and cleared of bindings), or NULL on error
 * with err set. */
sqlite3_stmt *fs_store_stmt(fs_store *s, enum fs_stmt_id id, fs_err *err);

/* Set err from the connection's last SQLite error, prefixed by what. */
int fs_store_sqlite_err(fs_store *s, fs_err *err, const char *what);

/* Begin a write transaction (BEGIN IMMEDIATE) and load the persisted
 * change counter and clock. FS_EBUSY when the lock cannot be had. */
int fs_txn_begin(fs_store *s, fs_err *err);
/* Persist counter and clock if they moved, then COMMIT. On failure the
 * transaction is rolled back. */
int fs_txn_commit(fs_store *s, fs_err *err);
/* Roll back; safe to call when no transaction is open. */
void fs_txn_rollback(fs_store *s);
/* Next change sequence number of this store. */
int64_t fs_txn_next_seq(fs_store *s);
/* A new local timestamp. */
fs_hlc fs_txn_tick(fs_store *s);
/* Note a remote timestamp so later local ones come after it. */
void fs_txn_observe(fs_store *s, fs_hlc h);

/* meta table access inside or outside a transaction. *out is a copy
 * (max len-1 chars); FS_ENOTFOUND when absent. */
int fs_meta_get(fs_store *s, const char *key, char *out, size_t len, fs_err *err);
int fs_meta_put(fs_store *s, const char *key, const char *value, fs_err *err);

/* Run SQL with no result rows. */
int fs_store_exec(fs_store *s, const char *sql, fs_err *err);

#endif
