/* Private to the PostgreSQL backend (library fieldsync_pg): the connection
 * handle, its prepared statements, parameters and errors, shared by
 * pg_conn.c (connection, transactions), pg_schema.c (migrations),
 * pg_backend.c (the data operations) and pg_registry.c (the hub's device
 * registry). */
#ifndef FS_PG_INTERNAL_H
#define FS_PG_INTERNAL_H

#include <libpq-fe.h>
#include <stdint.h>

#include "fieldsync/backend.h"
#include "fieldsync/pg.h"

/* Every prepared statement of the backend, prepared on a connection the
 * first time it is used there (and again after a reconnect). Texts in
 * pg_backend.c and pg_registry.c. */
enum pg_stmt_id {
	PG_META_GET,
	PG_META_PUT,
	PG_WRITE_LOCK,
	PG_Q_GET,
	PG_Q_INSERT,
	PG_Q_RETIRE,
	PG_Q_PAGE,
	PG_R_GET,
	PG_R_BY_RECEIPT,
	PG_R_INSERT,
	PG_R_REPLACE,
	PG_R_ERASE,
	PG_R_REDATE,
	PG_R_PAGE,
	PG_R_PAGE_HUB, /* the same with the region filter (needs devices) */
	PG_CLAIM_ADD,
	PG_CLAIMS,
	PG_CLAIMS_CLEAR,
	PG_CONTACT_REGION,
	PG_CONTACT_INSERT,
	PG_F_GET,
	PG_F_PUT,
	PG_F_UPDATE,
	PG_CONTACT_ONE,
	PG_CONTACT_PAGE,
	PG_CONTACT_PAGE_REGION,
	PG_FV_ADD,
	PG_FV_HELD,
	PG_C_INSERT,
	PG_C_REPLACE,
	PG_C_PAGE,
	PG_QUARANTINE_INSERT,
	PG_COUNTS,
	PG_PEER_GET,
	PG_PEER_PUSH,
	PG_PEER_PULL,
	PG_SCAN_Q,
	PG_SCAN_R,
	PG_SCAN_F,
	PG_SCAN_C,
	PG_MAX_HLC,
	PG_OWN_ROWS,
	PG_RESTAMP_Q,
	PG_RESTAMP_R,
	PG_RESTAMP_F,
	PG_RESTAMP_C,
	PG_RESTAMP_W,
	PG_CODE_INSERT,
	PG_CODE_GET,
	PG_CODE_USE,
	PG_FAILURE_ADD,
	PG_FAILURE_PRUNE,
	PG_FAILURE_COUNT,
	PG_DEVICE_INSERT,
	PG_DEVICE_GET,
	PG_DEVICE_REVOKE,
	PG_DEVICE_SYNCED,
	PG_DEVICE_ERROR,
	PG_DEVICE_PAGE,
	PG_META_PAGE, /* a whole-store copy (copy.h) */
	PG_PEER_PAGE,
	PG_QUARANTINE_PAGE,
	PG_QUARANTINE_PUT,
	PG_QUARANTINE_RENUMBER,
	PG_CLAIM_PAGE,
	PG_FV_PAGE,
	PG_CODE_PAGE,
	PG_FAILURE_PAGE,
	PG_E_GET, /* replicated erasure */
	PG_E_INSERT,
	PG_E_PAGE,
	PG_SCAN_E,
	PG_PURGE_FIELDS,
	PG_PURGE_CONTACT,
	PG_PURGE_CONFLICTS,
	PG_PURGE_QUARANTINE_CONTACT,
	PG_PURGE_VERSIONS,
	PG_PURGE_RESPONSE,
	PG_PURGE_CLAIMS,
	PG_PURGE_QUARANTINE_RESPONSE,
	PG_AUDIT_APPEND, /* the audit trail (hub/audit.c) */
	PG_AUDIT_LAST,
	PG_AUDIT_PAGE,
	PG_AUDIT_PRUNE,
	PG_C_GET, /* conflict resolution */
	PG_V_GET,
	PG_V_INSERT,
	PG_V_PAGE,
	PG_SCAN_V,
	PG_PURGE_RESOLUTIONS,
	PG_ACCOUNT_INSERT, /* console accounts (hub/console/) */
	PG_ACCOUNT_UPDATE,
	PG_ACCOUNT_GET,
	PG_ACCOUNT_DELETE,
	PG_ACCOUNT_PAGE,
	PG_SESSION_INSERT,
	PG_SESSION_GET,
	PG_SESSION_TOUCH,
	PG_SESSION_DELETE,
	PG_SESSION_DELETE_USER,
	PG_SESSION_PRUNE,
	PG_TOKEN_INSERT,
	PG_TOKEN_GET,
	PG_TOKEN_DELETE,
	PG_TOKEN_PAGE,
	PG_RESPONSE_DAYS,
	/* the read API's pages (exports) */
	PG_R_API_PAGE,
	PG_PEER_RESET_PULL, /* a kiosk moved to another region (region.h) */
	PG_DEVICE_RENAME,   /* kiosk management (hub/registry.c) */
	PG_DEVICE_MOVE,
	PG_DEVICE_PULLED,
	PG_DEVICE_REPORT,
	PG_DEVICE_REPORT_MOVED,
	PG_RECEIPT_NOTE, /* receipts (schema/pg/hub/005_receipts.sql) */
	PG_RECEIPT_NOTE_GET,
	PG_RECEIPT_PURGE_NOTES,
	PG_RECEIPT_PURGE,
	PG_RECEIPT_NOTE_PAGE,
	PG_RECORDS, /* the record tables' (tables.h), FS_RSQL_KINDS each */
	PG_STMT_COUNT = PG_RECORDS + FS_RECORDS_MAX * FS_RSQL_KINDS
};

extern const char *const fs_pg_backend_sql[PG_STMT_COUNT];  /* pg_backend.c */
extern const char *const fs_pg_registry_sql[PG_STMT_COUNT]; /* pg_registry.c */

struct fs_backend {
	PGconn *conn;
	int hub;         /* opened with the registry (opts->hub) */
	fs_txn_kind txn; /* the open transaction, 0 when none */
	PGresult *held;  /* result whose strings a get operation lent out */
	unsigned char prepared[PG_STMT_COUNT];
	unsigned char hash[FS_REGISTRY_HASH_LEN]; /* device_get's token hash */
	char where[160]; /* "host:port/db" for messages (never the password) */
};

/* Rows per page of a multi-row read: memory is bounded by this many rows
 * (of each table, in changes_scan), whatever the table holds. */
#define PG_PAGE_ROWS 256

/* Statement parameters: text (NULL is SQL NULL), 64-bit integers (sent as
 * decimal text) and binary BYTEA values. */
#define PG_PARAMS_MAX 16
typedef struct pg_params {
	int n;
	const char *value[PG_PARAMS_MAX];
	int length[PG_PARAMS_MAX];
	int format[PG_PARAMS_MAX];
	char num[PG_PARAMS_MAX][24];
} pg_params;

void pg_p_text(pg_params *p, const char *text);
void pg_p_i64(pg_params *p, int64_t v);
void pg_p_bytes(pg_params *p, const unsigned char *data, int len);

/* Run a prepared statement (preparing it on first use). *out (may be NULL:
 * cleared here) gets the result, freed by the caller with PQclear. Errors
 * are mapped by pg_error; what names the operation ("write response"). */
int pg_run(fs_backend *b, enum pg_stmt_id id, const pg_params *p, PGresult **out, const char *what,
           fs_err *err);
/* Rows a write statement changed (PQcmdTuples). */
long pg_changed(const PGresult *res);
/* pg_run for a write statement; *changed (may be NULL): it changed a row. */
int pg_write(fs_backend *b, enum pg_stmt_id id, const pg_params *p, int *changed, const char *what,
             fs_err *err);
/* Run SQL without parameters (simple protocol; several statements). */
int pg_exec(fs_backend *b, const char *sql, const char *what, fs_err *err);

/* Set err from a failed result (res may be NULL): serialization failure,
 * deadlock, lock or statement timeout give FS_EBUSY; a lost connection
 * FS_EGENERIC saying so; anything else FS_EGENERIC with the server's
 * primary message and SQLSTATE, never its DETAIL (which may quote values). */
int pg_error(fs_backend *b, const PGresult *res, const char *what, fs_err *err);

/* Column readers: NULL for SQL NULL; integers 0 for NULL. */
const char *pg_text(const PGresult *res, int row, int col);
int64_t pg_i64(const PGresult *res, int row, int col);
/* A BYTEA column (text format "\x…") into out; 0 or -1 when not len bytes. */
int pg_bytes(unsigned char *out, size_t len, const PGresult *res, int row, int col);

/* Keep res as the result whose strings the caller borrows (until the next
 * get operation on b or close). */
void pg_hold(fs_backend *b, PGresult *res);

/* A transaction for a multi-statement read when the caller has none
 * (REPEATABLE READ READ ONLY, one snapshot): *own says whether one was
 * begun; pg_own_end commits (rc 0) or rolls back. */
int pg_own_begin(fs_backend *b, int *own, fs_err *err);
int pg_own_end(fs_backend *b, int own, int rc, fs_err *err);

/* Visit every row of a keyset-paged statement (pg_backend.c), in the
 * caller's transaction or a snapshot of its own: params adds the page's
 * key parameters after the last row of the previous page (prev NULL for
 * the first), then the page size is added as the last parameter; row
 * handles row r (a callback's verdict, as verdict() in pg_backend.c). */
typedef void (*pg_page_params_fn)(pg_params *p, const PGresult *prev, int last);
typedef int (*pg_page_row_fn)(const PGresult *res, int r, void *ctx, int *stop, fs_err *err);
int pg_page_each(fs_backend *b, enum pg_stmt_id id, pg_page_params_fn params, pg_page_row_fn row,
                 void *ctx, const char *what, fs_err *err);

/* Migrations (pg_schema.c): bring the database to this build's schema. */
int pg_schema_migrate(fs_backend *b, int create, int hub, fs_err *err);
int pg_schema_version(fs_backend *b, int *out, fs_err *err);
/* Embedded schema/pg/NNN_*.sql and schema/pg/hub/NNN_*.sql
 * (cmake/embed_sql.cmake). */
extern const char *const fs_pg_schema_migrations[];
extern const int fs_pg_schema_migration_count;
extern const char *const fs_pg_schema_hub_migrations[];
extern const int fs_pg_schema_hub_migration_count;

/* Connection (pg_conn.c). */
int pg_connect(fs_backend **out, const char *location, fs_err *err);
void pg_disconnect(fs_backend *b);
int pg_begin(fs_backend *b, fs_txn_kind kind, fs_err *err);
int pg_commit(fs_backend *b, fs_err *err);
void pg_rollback(fs_backend *b);

#endif
