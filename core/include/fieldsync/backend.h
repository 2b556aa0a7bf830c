/* fieldsync: the storage interface.
 *
 * The engine (records, changes, merge, sync, digest, the clock rule) keeps
 * its data through a backend: a table of operations over rows and values,
 * never change-set JSON. All SQL lives in backend implementations:
 *   - SQLite (core/src/sqlite_*.c), the embedded default of the kiosk and
 *     of a small hub: one file, WAL, synchronous=FULL;
 *   - PostgreSQL (core/src/pg_*.c, library fieldsync_pg, linked only into
 *     the hub), shared by several hub processes.
 * A backend is chosen when a store is opened (fs_store_open_with); the
 * engine reaches it only through these operations.
 *
 * Contract common to every operation:
 *  - returns 0 or a negative fs_error; on error err says what failed
 *    ("write response: disk I/O error"), never with answer values;
 *  - FS_ENOTFOUND only where a comment says so;
 *  - FS_EBUSY when a lock could not be had in time (the caller may retry);
 *  - FS_EIO when the store cannot promise durability any more (lasting);
 *  - strings in input rows are borrowed for the call; strings in output
 *    rows and in rows passed to callbacks are borrowed from the backend,
 *    valid until the callback returns or the next operation on the same
 *    backend handle, whichever comes first (copy what you keep);
 *  - a callback (fs_*_fn) returns 0 to go on, a positive value to stop
 *    early (the operation then returns 0), or a negative fs_error to abort
 *    (returned as is);
 *  - hlc values are 64-bit (48-bit ms + 16-bit counter, below 2^63) and
 *    seq values positive and below 2^63: backends store them in 64-bit
 *    integer columns (BIGINT in PostgreSQL).
 *
 * Transactions: the engine brackets every write in begin(FS_TXN_WRITE) ..
 * commit. A write transaction is exclusive among all writers of the store,
 * whatever process or host they run in (SQLite: BEGIN IMMEDIATE;
 * PostgreSQL: a row lock on the counter row, docs/scaling.md), so the
 * change sequence numbers the engine hands out (meta "seq", read inside
 * the transaction) follow commit order: a reader that saw seq N never
 * later meets a committed change with seq < N it had not seen.
 * commit returns 0 only once the transaction is durable. Reads that must
 * agree with each other (a changes scan, a digest) run in begin(FS_TXN_READ)
 * .. commit: one consistent snapshot. An operation called outside any
 * transaction runs in a transaction of its own. */
#ifndef FIELDSYNC_BACKEND_H
#define FIELDSYNC_BACKEND_H

#include <stddef.h>
#include <stdint.h>

#include "fieldsync/changes.h"
#include "fieldsync/changeset.h"
#include "fieldsync/error.h"
#include "fieldsync/hlc.h"
#include "fieldsync/store.h"
#include "fieldsync/tables.h"

typedef struct fs_backend fs_backend; /* one connection; one thread at a time */

typedef enum fs_txn_kind {
	FS_TXN_READ = 1, /* a consistent snapshot; no writes */
	FS_TXN_WRITE = 2 /* exclusive among all writers of the store */
} fs_txn_kind;

/* Rows. A NULL string column is NULL here (tombstones, "no worker"). */
typedef struct fs_questionnaire_row {
	const char *id;
	int64_t version;
	const char *doc; /* canonical JSON text; NULL for a retired one */
	int deleted;
	fs_hlc hlc;
	const char *site;
	int64_t seq;
} fs_questionnaire_row;

typedef struct fs_response_row {
	const char *id;
	int deleted; /* a tombstone: every content column below is NULL */
	const char *questionnaire;
	int64_t version;
	const char *started_at, *submitted_at; /* RFC 3339 UTC, "…Z" */
	const char *language;
	const char *mode;    /* "self" | "assisted" */
	const char *worker;  /* NULL: none */
	const char *answers; /* canonical JSON object text */
	fs_hlc hlc;
	const char *site;
	int64_t seq;
	/* The person's receipt: the hash (fs_receipt_hash, 64 lowercase hex) of
	 * the code the kiosk showed once, never the code; NULL: none taken
	 * (docs/reciprocity.md "Your receipt"). NULL in a tombstone. */
	const char *receipt;
} fs_response_row;

typedef struct fs_field_row {
	const char *contact_id;
	const char *region; /* the contact's (filled in by reads; ignored by writes) */
	const char *field;
	const char *value;  /* JSON text */
	fs_hlc hlc;
	const char *site;
	fs_hlc prev_hlc;       /* the write this one replaced at its writer */
	const char *prev_site; /* NULL: none (then prev_hlc is 0) */
	int64_t seq;
} fs_field_row;

typedef struct fs_conflict_row {
	const char *id;
	const char *record_table, *record_id, *region, *field;
	const char *winner_value;
	fs_hlc winner_hlc;
	const char *winner_site;
	const char *loser_value;
	fs_hlc loser_hlc;
	const char *loser_site;
	fs_hlc hlc;       /* when it was detected */
	const char *site; /* where it was detected */
	int64_t seq;
} fs_conflict_row;

typedef struct fs_quarantine_row {
	fs_hlc received_hlc;
	const char *from_site, *record_table, *record_id, *reason;
	const char *change; /* the change as received, JSON text */
} fs_quarantine_row;

/* An erased record (schema/004_erasure.sql): no personal data. */
typedef struct fs_erasure_row {
	const char *id;           /* the erased record's id */
	const char *record_table; /* "contacts" | "responses" */
	const char *region;       /* sent to this region's devices; NULL: every region */
	const char *holder;       /* a response: the site that made it; NULL: unknown */
	const char *request;      /* UUIDv7 of the erasure request */
	const char *kind;         /* "admin" | "delete" | "retention" | "withdraw" | "withdrawn" */
	fs_hlc hlc;
	const char *site;
	int64_t seq;
} fs_erasure_row;

/* A conflict's resolution (schema/005_resolutions.sql), made at a hub. */
typedef struct fs_resolution_row {
	const char *id;     /* the conflict's id */
	const char *region; /* the conflict's region */
	const char *chosen; /* "winner" | "loser" | "new" */
	const char *value;  /* the value written, canonical JSON text */
	fs_hlc hlc;         /* also the stamp of the field write */
	const char *site;
	int64_t seq;
} fs_resolution_row;

/* One replicated row of any table, as a changes scan returns it. */
typedef struct fs_row {
	fs_table table;
	int64_t seq;
	union {
		fs_questionnaire_row q;
		fs_response_row r;
		fs_field_row f;
		fs_conflict_row c;
		fs_erasure_row e;
		fs_resolution_row res;
		fs_record_row rec; /* a record table's (tables.h) */
	} u;
} fs_row;

typedef int (*fs_row_fn)(void *ctx, const fs_row *row);
typedef int (*fs_questionnaire_fn)(void *ctx, const fs_questionnaire_row *row);
typedef int (*fs_response_row_fn)(void *ctx, const fs_response_row *row);
/* A contact and one of its fields; field NULL for a contact with none. */
typedef int (*fs_contact_fn)(void *ctx, const char *contact_id, const char *region,
			     const fs_field_row *field);
typedef int (*fs_conflict_fn)(void *ctx, const fs_conflict_row *row);
typedef int (*fs_claim_fn)(void *ctx, const char *site, fs_hlc hlc);
/* Rows a whole-store copy visits (copy.h): meta keys, sync cursors,
 * quarantined changes with their ids, every tombstone claim, contact-field
 * version keys. */
typedef int (*fs_meta_fn)(void *ctx, const char *key, const char *value);
typedef int (*fs_peer_fn)(void *ctx, const char *site, int64_t push, int64_t pull);
typedef int (*fs_quarantine_fn)(void *ctx, int64_t id, const fs_quarantine_row *row);
typedef int (*fs_claim_row_fn)(void *ctx, const char *id, const char *site, fs_hlc hlc);
typedef int (*fs_key_fn)(void *ctx, const char *contact_id, int64_t key);
typedef int (*fs_erasure_fn)(void *ctx, const fs_erasure_row *row);
typedef int (*fs_resolution_fn)(void *ctx, const fs_resolution_row *row);
typedef int (*fs_retention_id_fn)(void *ctx, const char *id); /* retention.h */
typedef int (*fs_record_fn)(void *ctx, const fs_record_row *row); /* tables.h */
/* Hands out the next stamp for a re-stamped row (the engine's clock). */
typedef void (*fs_stamp_fn)(void *ctx, fs_hlc *hlc, int64_t *seq);

/* Which responses response_each visits, in id order. NULL fields do not
 * filter. */
typedef struct fs_response_filter {
	const char *questionnaire;
	const char *site;           /* written by this site */
	const char *region;         /* written by a device of this region (hub) */
	const char *submitted_after; /* submitted_at > this (RFC 3339 text order) */
	int include_deleted;         /* tombstones too */
	int unacknowledged;          /* seq above every peer's push cursor */
} fs_response_filter;

/* A page of responses for the read API (response_page). */
typedef struct fs_response_page {
	const char *questionnaire;
	const char *regions_json; /* ["north","south"]; NULL: every region */
	const char *after;        /* a response id; NULL: from the first */
	const char *since, *until;
	long limit;               /* 1 or more */
} fs_response_page;

/* How a store is opened. */
typedef struct fs_backend_options {
	int create;        /* make a new store where none is (SQLite: a file) */
	int hub;           /* also apply the hub's schema (the device registry) */
	int64_t cache_kib; /* page cache for this handle; 0: the backend's default */
} fs_backend_options;

typedef struct fs_backend_ops {
	const char *name; /* "sqlite", "postgresql" */

	/* Open the store at location (SQLite: a file path; PostgreSQL: a
	 * "postgresql://" or "postgres://" URI or a libpq "key=value" string)
	 * and migrate it to the current schema, each migration in one
	 * transaction (schema/NNN_*.sql for SQLite, schema/pg/NNN_*.sql for
	 * PostgreSQL, numbered alike; the version is kept in the store).
	 * FS_EINVAL: not a fieldsync store (left untouched); FS_EVERSION:
	 * written by a newer fieldsync (untouched); FS_EFORBIDDEN: SQLite file
	 * permissions (store.h); FS_EGENERIC: cannot create, open or connect. */
	int (*open)(fs_backend **out, const char *location, const fs_backend_options *opts,
		    fs_err *err);
	void (*close)(fs_backend *b); /* NULL accepted */
	/* Schema version of the open store. */
	int (*schema_version)(fs_backend *b, int *out, fs_err *err);
	/* Is what is committed still durable (SQLite: the files opened are
	 * still at their paths, store.h fs_store_check_files)? 0 or FS_EIO. */
	int (*check_durable)(fs_backend *b, fs_err *err);
	/* Bytes the store takes (SQLite: its file and write-ahead log;
	 * PostgreSQL: pg_database_size of the database), for a metric. */
	int (*size_bytes)(fs_backend *b, int64_t *out, fs_err *err);
	/* Consistency check: the store's own (SQLite: PRAGMA integrity_check)
	 * and the change sequence (every seq held by one row, none above meta
	 * "seq"); FS_EGENERIC with the first problem. */
	int (*check_integrity)(fs_backend *b, fs_err *err);

	int (*begin)(fs_backend *b, fs_txn_kind kind, fs_err *err);
	int (*commit)(fs_backend *b, fs_err *err);
	void (*rollback)(fs_backend *b); /* safe when no transaction is open */

	/* meta: small key/value settings (identity, clock, counters).
	 * *out gets at most len-1 chars; FS_ENOTFOUND when absent. */
	int (*meta_get)(fs_backend *b, const char *key, char *out, size_t len, fs_err *err);
	int (*meta_put)(fs_backend *b, const char *key, const char *value, fs_err *err);

	/* Questionnaires, keyed by (id, version). get: FS_ENOTFOUND.
	 * insert: adds the row unless the key exists (*inserted 0).
	 * retire: makes the row a tombstone (doc NULL) unless it already is
	 * one with a greater (hlc, site); *changed says whether it did.
	 * each: every row in (id, version) order, tombstones included. */
	int (*questionnaire_get)(fs_backend *b, const char *id, int64_t version,
				 fs_questionnaire_row *out, fs_err *err);
	int (*questionnaire_insert)(fs_backend *b, const fs_questionnaire_row *row, int *inserted,
				    fs_err *err);
	int (*questionnaire_retire)(fs_backend *b, const char *id, int64_t version, fs_hlc hlc,
				    const char *site, int64_t seq, int *changed, fs_err *err);
	int (*questionnaire_each)(fs_backend *b, fs_questionnaire_fn fn, void *ctx, fs_err *err);

	/* Responses, keyed by id. get: FS_ENOTFOUND. insert: unless the id
	 * exists (*inserted 0). replace: overwrite the row of row->id (all
	 * columns). erase: make it a tombstone, erasing its content, unless it
	 * already is one with a greater (hlc, site); *changed. redate: set
	 * started_at, submitted_at and seq of one row. each: rows passing
	 * filter, in id order. */
	int (*response_get)(fs_backend *b, const char *id, fs_response_row *out, fs_err *err);
	/* by_receipt: the live response (lowest id) whose receipt column is
	 * receipt (a hash), through the responses_receipt index; FS_ENOTFOUND
	 * when none. */
	int (*response_by_receipt)(fs_backend *b, const char *receipt, fs_response_row *out,
				   fs_err *err);
	int (*response_insert)(fs_backend *b, const fs_response_row *row, int *inserted,
			       fs_err *err);
	int (*response_replace)(fs_backend *b, const fs_response_row *row, fs_err *err);
	int (*response_erase)(fs_backend *b, const char *id, fs_hlc hlc, const char *site,
			      int64_t seq, int *changed, fs_err *err);
	int (*response_redate)(fs_backend *b, const char *id, const char *started_at,
			       const char *submitted_at, int64_t seq, fs_err *err);
	int (*response_each)(fs_backend *b, const fs_response_filter *filter,
			     fs_response_row_fn fn, void *ctx, fs_err *err);
	/* Tombstones received before their response (merge.c): one per
	 * (id, site) keeping the greatest hlc; claims visits them; clear
	 * drops those of id. */
	int (*claim_add)(fs_backend *b, const char *id, const char *site, fs_hlc hlc, fs_err *err);
	int (*claims)(fs_backend *b, const char *id, fs_claim_fn fn, void *ctx, fs_err *err);
	int (*claims_clear)(fs_backend *b, const char *id, fs_err *err);

	/* Contacts and their fields. contact_region: FS_ENOTFOUND when
	 * absent. contact_insert: adds (id, region); FS_ECONFLICT when id
	 * exists. field_get: FS_ENOTFOUND. field_put: upsert that replaces a
	 * stored value only when (hlc, site) is greater. field_update: the
	 * same without adding a row. contact_each: contacts (one, by id, or
	 * all of a region, or all) with each field, in (id, field) order. */
	int (*contact_region)(fs_backend *b, const char *id, char out[FS_NAME_MAX + 1],
			      fs_err *err);
	int (*contact_insert)(fs_backend *b, const char *id, const char *region, fs_err *err);
	int (*field_get)(fs_backend *b, const char *contact_id, const char *field,
			 fs_field_row *out, fs_err *err);
	int (*field_put)(fs_backend *b, const fs_field_row *row, fs_err *err);
	int (*field_update)(fs_backend *b, const fs_field_row *row, fs_err *err);
	int (*contact_each)(fs_backend *b, const char *id, const char *region, fs_contact_fn fn,
			    void *ctx, fs_err *err);
	/* Contact-field values this store held and replaced, as 64-bit keys
	 * (the engine computes them, merge.c) per contact, so that erasing a
	 * contact removes them (record_purge): add is idempotent; held is 1
	 * for (contact_id, key) and for ("", key), a key kept from before
	 * keys were per contact (schema/004_erasure.sql). */
	int (*field_version_add)(fs_backend *b, const char *contact_id, int64_t key, fs_err *err);
	int (*field_version_held)(fs_backend *b, const char *contact_id, int64_t key, int *held,
				  fs_err *err);

	/* Conflicts, keyed by id. replace 0: insert unless the id exists;
	 * replace 1: also overwrite a stored row whose site differs from
	 * row->site. *inserted: a row was added or overwritten. each: newest
	 * first (hlc descending, then id), at most limit (< 0: all). */
	int (*conflict_insert)(fs_backend *b, const fs_conflict_row *row, int replace,
			       int *inserted, fs_err *err);
	int (*conflict_each)(fs_backend *b, long limit, fs_conflict_fn fn, void *ctx, fs_err *err);

	int (*quarantine_insert)(fs_backend *b, const fs_quarantine_row *row, fs_err *err);

	/* Counts for status displays (live questionnaires and responses). */
	int (*counts)(fs_backend *b, fs_store_counts *out, fs_err *err);

	/* Sync cursors per peer (0 when unknown); the setters only move a
	 * cursor forward. */
	int (*peer_get)(fs_backend *b, const char *peer, int64_t *push, int64_t *pull,
			fs_err *err);
	int (*peer_set_push)(fs_backend *b, const char *peer, int64_t seq, fs_err *err);
	int (*peer_set_pull)(fs_backend *b, const char *peer, int64_t seq, fs_err *err);

	/* The replicated rows with seq > cursor that pass filter (tables,
	 * only_site, exclude_site, region for contacts and conflicts), in
	 * ascending seq order across all tables, at most limit rows; fn may
	 * stop early (a byte budget); erasures pass the region filter when
	 * their region is NULL or the filter's, workers only when theirs is the
	 * filter's, questionnaire offers when their target is "*" or the
	 * filter's region. Called inside a FS_TXN_READ. Memory is
	 * bounded by the rows in flight, not by limit. */
	int (*changes_scan)(fs_backend *b, int64_t cursor, const fs_changes_filter *filter,
			    size_t limit, fs_row_fn fn, void *ctx, fs_err *err);

	/* The clock rule (store.h fs_store_clock_adjust), in the caller's
	 * write transaction. max_hlc: the greatest hlc of any row that is
	 * <= limit (0 when none). restamp_own: every row written by site
	 * with hlc > limit, in hlc order, gets the next stamp from fn (hlc and
	 * seq); *count rows. */
	int (*max_hlc)(fs_backend *b, fs_hlc limit, fs_hlc *out, fs_err *err);
	int (*restamp_own)(fs_backend *b, const char *site, fs_hlc limit, fs_stamp_fn fn,
			   void *ctx, long *count, fs_err *err);

	/* A whole-store copy (copy.h, fieldsync-hub migrate): what the
	 * operations above do not visit, and the one write they cannot make
	 * verbatim. Each visits every row in key order (text keys in byte
	 * order, so every backend visits alike), in the caller's transaction
	 * or a snapshot of its own; memory is bounded by a page of rows, not
	 * by the table. The other tables are read with questionnaire_each,
	 * response_each (include_deleted), contact_each and conflict_each
	 * (limit -1), and written verbatim (seq, hlc, site kept) with the
	 * insert, field_put, claim_add, field_version_add, peer_set_* and
	 * meta_put operations into an empty store.
	 * meta_each: every key (the backend's own "hub_schema" too).
	 * peer_each: every peer's cursors, by site. quarantine_each: by id.
	 * quarantine_put: insert row with that id (> 0); FS_ECONFLICT when it
	 * exists; quarantine_insert numbers later rows above every id held.
	 * claim_each: every tombstone claim, by (id, site). field_version_each:
	 * every key, by (contact_id, key ascending). Erasures: erasure_each
	 * (request NULL) and erasure_insert. */
	int (*meta_each)(fs_backend *b, fs_meta_fn fn, void *ctx, fs_err *err);
	int (*peer_each)(fs_backend *b, fs_peer_fn fn, void *ctx, fs_err *err);
	int (*quarantine_each)(fs_backend *b, fs_quarantine_fn fn, void *ctx, fs_err *err);
	int (*quarantine_put)(fs_backend *b, int64_t id, const fs_quarantine_row *row,
			      fs_err *err);
	int (*claim_each)(fs_backend *b, fs_claim_row_fn fn, void *ctx, fs_err *err);
	int (*field_version_each)(fs_backend *b, fs_key_fn fn, void *ctx, fs_err *err);

	/* ---- Replicated erasure (erase.h, schema/004_erasure.sql) ----
	 * erasure_get: the row of record id; FS_ENOTFOUND when none.
	 * erasure_insert: adds the row unless its id has one (*inserted 0).
	 * erasure_each: the rows of one request (request NULL: every row), in
	 * (request, id) order; memory bounded by a page of rows.
	 * record_purge: PHYSICALLY delete everything held about one record, in
	 * the caller's write transaction: table "contacts": the contacts row,
	 * all its contact_fields, the conflicts whose record_id is id, the
	 * quarantined changes whose record_id is id or starts with id + "/"
	 * (its conflicts' ids), its contact_field_versions; table "responses":
	 * the responses row (content or tombstone), its tombstone claims, the
	 * quarantined changes whose record_id is id. *rows_removed (may be
	 * NULL) gets the number of rows deleted (0 when none was held).
	 * FS_EINVAL for another table.
	 * scrub: make the bytes of deleted rows leave the store's files, outside
	 * any transaction. SQLite (secure_delete is on for every connection, so
	 * freed pages are zeroed): PRAGMA wal_checkpoint(TRUNCATE), retried for
	 * up to 5 s while readers hold the log, then FS_EBUSY saying so.
	 * PostgreSQL: VACUUM (FULL) of the tables record_purge deletes from,
	 * then CHECKPOINT when the role may (docs/design.md says what remains:
	 * WAL segments until recycled, base backups and archives). */
	int (*erasure_get)(fs_backend *b, const char *id, fs_erasure_row *out, fs_err *err);
	int (*erasure_insert)(fs_backend *b, const fs_erasure_row *row, int *inserted,
			      fs_err *err);
	int (*erasure_each)(fs_backend *b, const char *request, fs_erasure_fn fn, void *ctx,
			    fs_err *err);
	int (*record_purge)(fs_backend *b, const char *table, const char *id, long *rows_removed,
			    fs_err *err);
	int (*scrub)(fs_backend *b, fs_err *err);

	/* ---- Retention (retention.h), in the caller's write transaction ----
	 * retention_own_responses: delete the responses written by site with
	 * seq <= upto (content rows and tombstones): *removed all, *live the
	 * content rows among them.
	 * retention_closed_contacts: visit, in id order after after ("": from
	 * the start), at most limit contacts whose field "status" is "closed"
	 * or "deleted" is true with that field's hlc < before (requested: whose
	 * "status" is "requested" with that field's hlc < before); site not NULL
	 * leaves out those with a field or a conflict row (record_id) written
	 * by site with seq > upto (not yet acknowledged).
	 * retention_delete_before: delete past retention: table "responses":
	 * content rows with submitted_at < before_text (RFC 3339 text order)
	 * and their tombstone claims; "conflicts": rows detected (hlc) before
	 * before_hlc; "quarantine": rows received (received_hlc) before
	 * before_hlc. *removed rows. FS_EINVAL for another table. */
	int (*retention_own_responses)(fs_backend *b, const char *site, int64_t upto, long *removed,
				       long *live, fs_err *err);
	int (*retention_closed_contacts)(fs_backend *b, int requested, fs_hlc before, const char *site,
					 int64_t upto, const char *after, long limit,
					 fs_retention_id_fn fn, void *ctx, fs_err *err);
	int (*retention_delete_before)(fs_backend *b, const char *table, const char *before_text,
				       fs_hlc before_hlc, long *removed, fs_err *err);

	/* ---- Conflict resolution (resolve.h, schema/005_resolutions.sql) ----
	 * conflict_get: the conflict row of id; FS_ENOTFOUND when none.
	 * resolution_get: the resolution of conflict id; FS_ENOTFOUND when none.
	 * resolution_insert: adds the row unless its id has one (*inserted 0).
	 * resolution_each: every row, by id (a whole-store copy, listings);
	 * memory bounded by a page of rows.
	 * The operations above know the table too: changes_scan sends it
	 * (FS_TABLE_RESOLUTIONS, filtered by region as conflicts are),
	 * record_purge of a contact deletes the resolutions of its conflicts
	 * (id starting with the contact's id + "/"), retention_delete_before
	 * "conflicts" deletes those of the conflicts it deletes (not counted in
	 * *removed), max_hlc and check_integrity count its rows. */
	int (*conflict_get)(fs_backend *b, const char *id, fs_conflict_row *out, fs_err *err);
	int (*resolution_get)(fs_backend *b, const char *id, fs_resolution_row *out, fs_err *err);
	int (*resolution_insert)(fs_backend *b, const fs_resolution_row *row, int *inserted,
				 fs_err *err);
	int (*resolution_each)(fs_backend *b, fs_resolution_fn fn, void *ctx, fs_err *err);

	/* The read API's pages (hub/console/api_responses.c; hub only): at
	 * most q->limit live responses in id order, each with id > q->after
	 * (NULL: from the first), submitted_at >= q->since and < q->until
	 * (NULL: unbounded; RFC 3339 UTC text order), of q->questionnaire
	 * (NULL: any), made by a device whose region is in q->regions_json
	 * (a JSON array text of region names; NULL: any region). One
	 * statement, so memory is bounded by the page. */
	int (*response_page)(fs_backend *b, const fs_response_page *q, fs_response_row_fn fn,
			     void *ctx, fs_err *err);

	/* ---- Record tables (tables.h: workers, questionnaire offers, ...) ----
	 * record_get: the row of t whose key columns are key's; FS_ENOTFOUND
	 * when none (a tombstone is a row). record_put: insert the row, or
	 * replace the stored one only when row's (hlc, site) is greater;
	 * *changed 1 when it did either. record_each: every row of t whose
	 * first key column is first (NULL: every row), tombstones too, in key
	 * order; memory bounded by a page of rows (a whole-store copy reads
	 * it with NULL and writes with record_put). changes_scan sends the
	 * rows (filtered by region when t->scoped), check_integrity counts
	 * them. */
	int (*record_get)(fs_backend *b, const fs_table_desc *t, const fs_record_row *key,
			  fs_record_row *out, fs_err *err);
	int (*record_put)(fs_backend *b, const fs_table_desc *t, const fs_record_row *row,
			  int *changed, fs_err *err);
	int (*record_each)(fs_backend *b, const fs_table_desc *t, const char *first,
			   fs_record_fn fn, void *ctx, fs_err *err);
	/* response_counts: the live (non-tombstone) responses per
	 * (questionnaire, version), one call each, in that order. */
	int (*response_counts)(fs_backend *b,
			       int (*fn)(void *ctx, const char *questionnaire, int64_t version,
					 int64_t count),
			       void *ctx, fs_err *err);

	/* ---- Kiosk moved to another region (region.h) ----
	 * peer_reset_pull: set peer's pull cursor to seq (>= 0) even when that
	 * moves it back, in the caller's write transaction: a kiosk moved to
	 * another region pulls its new region from the start. No row: no-op. */
	int (*peer_reset_pull)(fs_backend *b, const char *peer, int64_t seq, fs_err *err);
} fs_backend_ops;

/* The hub's device registry (hub/registry.c holds its rules: codes,
 * tokens, hashing, bounds); a backend opened with opts->hub provides
 * these. Hashes are BLAKE2b-256 (FS_REGISTRY_HASH_LEN bytes). */
#define FS_REGISTRY_HASH_LEN 32

typedef struct fs_device_row {
	const char *site, *name, *region;
	const unsigned char *token_hash; /* FS_REGISTRY_HASH_LEN bytes */
	uint64_t enrolled_ms;
	uint64_t last_sync_ms; /* 0: never */
	const char *last_error; /* NULL: none */
	int revoked;
	/* Kiosk management (schema/hub/004_kiosks.sql): what the kiosk last
	 * reported (display only), and a move not yet taken in by it. */
	const char *agent_version; /* NULL: not reported */
	int64_t pending;           /* -1: not reported */
	int64_t clock_offset_ms;   /* kiosk minus hub; valid when has_clock_offset */
	int has_clock_offset;
	const char *moved_from; /* NULL: no move pending */
	uint64_t moved_ms;      /* when it was moved; 0 when moved_from is NULL */
} fs_device_row;

/* What a device's successful sync reported (device_report). */
typedef struct fs_device_report {
	const char *agent_version; /* NULL: not reported */
	int64_t pending;           /* -1: not reported */
	int64_t clock_offset_ms;
	int has_clock_offset;
	/* The kiosk reported the region it is in now: the move is taken in
	 * (moved_from cleared) and the hub's record of what the device pulled
	 * becomes pull, as sent (it pulls its new region from the start). */
	int move_done;
	int64_t pull;
} fs_device_report;

typedef int (*fs_device_fn)(void *ctx, const fs_device_row *row);

/* An enrollment code as stored (code_each). */
typedef struct fs_code_row {
	const unsigned char *hash; /* FS_REGISTRY_HASH_LEN bytes */
	const char *region;
	uint64_t created_ms, expires_ms;
	const char *used_by; /* NULL while unused */
} fs_code_row;

typedef int (*fs_code_fn)(void *ctx, const fs_code_row *row);
typedef int (*fs_failure_fn)(void *ctx, uint64_t at_ms);
/* A withdrawn receipt's note (receipt_note): region NULL when unknown. */
typedef int (*fs_receipt_note_fn)(void *ctx, const char *receipt, const char *questionnaire,
				  const char *on, const char *region);

/* An audit trail entry as stored (hub/audit.c holds the rules: actors,
 * actions, the hash chain). Hashes are FS_REGISTRY_HASH_LEN bytes. */
typedef struct fs_audit_row {
	int64_t id; /* 1, 2, ... in append order */
	uint64_t at_ms;
	const char *actor, *action;
	const char *detail; /* JSON object text */
	const unsigned char *prev_hash, *hash;
} fs_audit_row;

typedef int (*fs_audit_fn)(void *ctx, const fs_audit_row *row);

/* Console accounts, sessions and API tokens (hub/console/accounts.c and
 * auth.c hold the rules: names, roles, hashing, timeouts). Rows are plain
 * values with their own buffers, in and out. */
#define FS_ACCOUNT_NAME_MAX 64
#define FS_ACCOUNT_HASH_MAX 127     /* an Argon2id string (crypto_pwhash_STRBYTES - 1) */
#define FS_ACCOUNT_REGIONS_MAX 1200 /* the regions as a JSON array of names */
#define FS_ACCOUNT_TOKEN_ID_MAX 16

typedef struct fs_account_row {
	char name[FS_ACCOUNT_NAME_MAX + 1];
	char hash[FS_ACCOUNT_HASH_MAX + 1];
	int role;                                  /* 1 viewer, 2 analyst, 3 admin */
	char regions[FS_ACCOUNT_REGIONS_MAX + 1]; /* "[]": every region */
	uint64_t created_ms;
	int disabled;
	uint64_t password_changed_ms;
} fs_account_row;

typedef struct fs_session_row {
	unsigned char hash[FS_REGISTRY_HASH_LEN]; /* of the session id; the id is never stored */
	char user[FS_ACCOUNT_NAME_MAX + 1];
	uint64_t created_ms, last_seen_ms, expires_ms;
} fs_session_row;

typedef struct fs_api_token_row {
	unsigned char hash[FS_REGISTRY_HASH_LEN]; /* of the whole token */
	char id[FS_ACCOUNT_TOKEN_ID_MAX + 1];     /* public, to list and revoke it */
	char user[FS_ACCOUNT_NAME_MAX + 1];
	uint64_t created_ms;
} fs_api_token_row;

typedef int (*fs_account_fn)(void *ctx, const fs_account_row *row);
typedef int (*fs_api_token_fn)(void *ctx, const fs_api_token_row *row);
/* Responses submitted on one UTC day ("YYYY-MM-DD") from kiosks of one
 * region (the device registry's region of the response's site). */
typedef int (*fs_response_day_fn)(void *ctx, const char *day, const char *region, long count);

typedef struct fs_registry_ops {
	/* Enrollment codes by hash. code_get: FS_ENOTFOUND; *used_by NULL
	 * while unused. code_use: marks an unused code used by site; *won 1
	 * only for the one caller that did (exactly once, across processes). */
	int (*code_insert)(fs_backend *b, const unsigned char *hash, const char *region,
			   uint64_t created_ms, uint64_t expires_ms, fs_err *err);
	int (*code_get)(fs_backend *b, const unsigned char *hash, char region[FS_NAME_MAX + 1],
			uint64_t *expires_ms, int *used, fs_err *err);
	int (*code_use)(fs_backend *b, const unsigned char *hash, const char *site, int *won,
			fs_err *err);
	/* Failed enrollment attempts, shared by every hub process: add one
	 * at at_ms; count those at or after since_ms, dropping older ones. */
	int (*failure_add)(fs_backend *b, uint64_t at_ms, fs_err *err);
	int (*failure_count)(fs_backend *b, uint64_t since_ms, long *out, fs_err *err);
	/* Devices by site. device_insert: FS_ECONFLICT when the site exists.
	 * device_get: FS_ENOTFOUND. device_revoke: FS_ENOTFOUND. device_note:
	 * error NULL records a sync at now_ms and clears the last error;
	 * otherwise records error; no-op for an unknown site. each: by site. */
	int (*device_insert)(fs_backend *b, const fs_device_row *row, fs_err *err);
	int (*device_get)(fs_backend *b, const char *site, fs_device_row *out, fs_err *err);
	int (*device_revoke)(fs_backend *b, const char *site, fs_err *err);
	int (*device_note)(fs_backend *b, const char *site, const char *error, uint64_t now_ms,
			   fs_err *err);
	int (*device_each)(fs_backend *b, fs_device_fn fn, void *ctx, fs_err *err);
	/* A whole-store copy (copy.h): every code by hash (byte order), every
	 * failed attempt by time, without pruning. Written verbatim with
	 * code_insert then code_use (used_by), failure_add, device_insert. */
	int (*code_each)(fs_backend *b, fs_code_fn fn, void *ctx, fs_err *err);
	int (*failure_each)(fs_backend *b, fs_failure_fn fn, void *ctx, fs_err *err);

	/* ---- the audit trail (hub/audit.c) ----
	 * audit_append: insert row verbatim, in the caller's FS_TXN_WRITE
	 * (FS_EINVAL outside one: the chain's order rests on the write lock);
	 * FS_ECONFLICT when row->id exists. audit_last: the greatest id and
	 * its hash; FS_ENOTFOUND when the table is empty. audit_each: entries
	 * with id > after_id and at_ms >= since_ms, by id (a whole-store copy
	 * uses 0, 0). audit_prune: removes the entries with id <= through_id,
	 * in the caller's FS_TXN_WRITE; *removed. */
	int (*audit_append)(fs_backend *b, const fs_audit_row *row, fs_err *err);
	int (*audit_last)(fs_backend *b, int64_t *id, unsigned char hash[FS_REGISTRY_HASH_LEN],
			  fs_err *err);
	int (*audit_each)(fs_backend *b, int64_t after_id, uint64_t since_ms, fs_audit_fn fn,
			  void *ctx, fs_err *err);
	int (*audit_prune)(fs_backend *b, int64_t through_id, long *removed, fs_err *err);

	/* ---- console accounts (hub/console/accounts.c, auth.c) ----
	 * account_insert: FS_ECONFLICT when the name exists. account_update:
	 * every column but name and created_ms; FS_ENOTFOUND. account_get:
	 * FS_ENOTFOUND. account_delete: the account, its sessions and its
	 * tokens; FS_ENOTFOUND. account_each: by name.
	 * session_get: FS_ENOTFOUND. session_touch, session_delete: no-op when
	 * absent. session_delete_user: every session of user. session_prune:
	 * removes sessions with expires_ms <= now_ms or last_seen_ms <
	 * idle_before_ms. token_get: FS_ENOTFOUND. token_delete: user's token
	 * id; FS_ENOTFOUND. token_each: user's tokens (every token for user
	 * NULL), by id. response_days: non-deleted responses with submitted_at
	 * on or after since_day, counted per day and region of the submitting
	 * kiosk (responses of sites that are no device are not counted), by
	 * day then region. */
	int (*account_insert)(fs_backend *b, const fs_account_row *row, fs_err *err);
	int (*account_update)(fs_backend *b, const fs_account_row *row, fs_err *err);
	int (*account_get)(fs_backend *b, const char *name, fs_account_row *out, fs_err *err);
	int (*account_delete)(fs_backend *b, const char *name, fs_err *err);
	int (*account_each)(fs_backend *b, fs_account_fn fn, void *ctx, fs_err *err);
	int (*session_insert)(fs_backend *b, const fs_session_row *row, fs_err *err);
	int (*session_get)(fs_backend *b, const unsigned char *hash, fs_session_row *out,
			   fs_err *err);
	int (*session_touch)(fs_backend *b, const unsigned char *hash, uint64_t last_seen_ms,
			     fs_err *err);
	int (*session_delete)(fs_backend *b, const unsigned char *hash, fs_err *err);
	int (*session_delete_user)(fs_backend *b, const char *user, fs_err *err);
	int (*session_prune)(fs_backend *b, uint64_t now_ms, uint64_t idle_before_ms, fs_err *err);
	int (*token_insert)(fs_backend *b, const fs_api_token_row *row, fs_err *err);
	int (*token_get)(fs_backend *b, const unsigned char *hash, fs_api_token_row *out,
			 fs_err *err);
	int (*token_delete)(fs_backend *b, const char *user, const char *id, fs_err *err);
	int (*token_each)(fs_backend *b, const char *user, fs_api_token_fn fn, void *ctx,
			  fs_err *err);
	int (*response_days)(fs_backend *b, const char *since_day, fs_response_day_fn fn, void *ctx,
			     fs_err *err);

	/* ---- kiosk management (hub/registry.c: rename, move, status) ----
	 * device_rename: FS_ENOTFOUND for an unknown site.
	 * device_move: set region, moved_from (NULL: none) and moved_ms as
	 * given (registry.c decides them), and put the hub's record of what
	 * the device pulled (its peers push cursor) back to 0. FS_ENOTFOUND
	 * for an unknown site.
	 * device_report: store r's status columns (NULL / -1 / no offset
	 * clears them); with r->move_done also clear moved_from and moved_ms
	 * and set the device's peers push cursor to r->pull. No-op for an
	 * unknown site. All three in the caller's transaction when one is
	 * open. */
	int (*device_rename)(fs_backend *b, const char *site, const char *name, fs_err *err);
	int (*device_move)(fs_backend *b, const char *site, const char *region,
			   const char *moved_from, uint64_t moved_ms, fs_err *err);
	int (*device_report)(fs_backend *b, const char *site, const fs_device_report *r,
			     fs_err *err);
	/* Receipts (schema/hub/005_receipts.sql). receipt_note: keep, for
	 * receipt hash receipt, the questionnaire, day (YYYY-MM-DD) and
	 * region (NULL: unknown) of the response erased by its withdrawal (the
	 * first note stands); receipt_note_get gives region "" for unknown.
	 * receipt_note_get: FS_ENOTFOUND. receipt_purge: delete the
	 * withdrawals stamped before before (and their notes); *removed the
	 * withdrawals deleted. All in the caller's transaction when one is
	 * open. */
	int (*receipt_note)(fs_backend *b, const char *receipt, const char *questionnaire,
			    const char *on, const char *region, fs_err *err);
	int (*receipt_note_get)(fs_backend *b, const char *receipt,
				char questionnaire[FS_NAME_MAX + 1], char on[11],
				char region[FS_NAME_MAX + 1], fs_err *err);
	int (*receipt_purge)(fs_backend *b, fs_hlc before, long *removed, fs_err *err);
	/* Every note by receipt (a whole-store copy). */
	int (*receipt_note_each)(fs_backend *b, fs_receipt_note_fn fn, void *ctx, fs_err *err);
} fs_registry_ops;

/* Open a store over a backend: opts NULL or opts->backend NULL is SQLite
 * with location a file path (fs_store_open is this with defaults). hub 1
 * also opens the registry (registry ops of the same backend). Errors as
 * fs_store_open and fs_backend_ops.open. */
typedef struct fs_store_options {
	const fs_backend_ops *backend;
	const fs_registry_ops *registry;
	int hub;
	/* Page cache of this handle in KiB, 0 for the backend's default
	 * (SQLite: 2,000 KiB, PRAGMA cache_size = -kib; memory is taken as
	 * pages are read, for as long as the handle is open). A hub, whose
	 * merges touch pages all over a large store, uses a large one.
	 * FS_EINVAL unless 0 <= cache_kib <= 16 GiB in KiB. */
	int64_t cache_kib;
} fs_store_options;
int fs_store_open_with(fs_store **out, const char *location, const fs_store_options *opts,
		       fs_err *err);

/* The SQLite backend (always built). */
extern const fs_backend_ops fs_sqlite_backend;
extern const fs_registry_ops fs_sqlite_registry;

/* The store's backend and connection, for hub modules over the backend
 * (the device registry). The registry ops of the store's backend, or NULL
 * when it was not opened as a hub. */
const fs_backend_ops *fs_store_ops(const fs_store *s);
fs_backend *fs_store_backend(const fs_store *s);
const fs_registry_ops *fs_store_registry(const fs_store *s);

#endif
