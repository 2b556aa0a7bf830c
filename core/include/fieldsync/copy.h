/* fieldsync: copying a whole store into an empty one (fieldsync-hub
 * migrate: a SQLite hub into PostgreSQL), and a census of every table to
 * prove two stores hold the same rows.
 *
 * Every row of every table is copied verbatim: seq, hlc, site and ids
 * kept, and meta with the change counter ("seq") and the clock ("hlc"), so
 * the cursors kiosks hold stay valid against the copy. The backend's own
 * schema bookkeeping (meta "hub_schema") is the target's. The columns that
 * hold nothing are not copied: conflicts' "resolved" column is never set
 * (always 0; a resolution is a row of its own, resolve.h). */
#ifndef FIELDSYNC_COPY_H
#define FIELDSYNC_COPY_H

#include <stdint.h>

#include "fieldsync/error.h"
#include "fieldsync/store.h"

/* The tables a census counts and hashes, in this order. */
typedef enum fs_census_table {
	FS_CENSUS_META,           /* keys but "hub_schema"; "seq" always (0 when absent) */
	FS_CENSUS_QUESTIONNAIRES, /* tombstones too */
	FS_CENSUS_RESPONSES,      /* tombstones too */
	FS_CENSUS_CONTACTS,
	FS_CENSUS_CONTACT_FIELDS,
	FS_CENSUS_CONFLICTS,
	FS_CENSUS_QUARANTINE,
	FS_CENSUS_CLAIMS,         /* response tombstone claims */
	FS_CENSUS_FIELD_VERSIONS, /* contact-field version keys */
	FS_CENSUS_PEERS,
	FS_CENSUS_ERASURES, /* replicated erasure rows (erase.h) */
	FS_CENSUS_OFFERS,   /* questionnaire offers (offers.h) */
	FS_CENSUS_RESOLUTIONS, /* conflict resolutions (resolve.h) */
	FS_CENSUS_WORKERS,  /* the regions' outreach workers (worker.h), tombstones too */
	FS_CENSUS_WITHDRAWALS, /* withdrawals by receipt (receipt.h) */
	FS_CENSUS_DEVICES, /* the device registry: a store opened as a hub's */
	FS_CENSUS_CODES,
	FS_CENSUS_FAILURES,
	FS_CENSUS_AUDIT, /* the audit trail (hub/audit.c), a hub's too */
	FS_CENSUS_RECEIPT_NOTES, /* withdrawn receipts' notes (schema/hub/005_receipts.sql) */
	FS_CENSUS_COUNT
} fs_census_table;

/* Rows and a 64-bit hash (FNV-1a over every column of every row, seq and
 * ids included, in key order) per table, read in one snapshot. Not
 * cryptographic: it shows a copy is whole, not that nobody tampered. */
typedef struct fs_census {
	int64_t rows[FS_CENSUS_COUNT];
	uint64_t hash[FS_CENSUS_COUNT];
	int registry; /* the registry's tables were counted (opened as a hub) */
	int64_t seq;  /* the change counter (meta "seq") */
} fs_census;

/* The table's name as printed ("meta", "questionnaires", ... "failures"). */
const char *fs_census_name(fs_census_table t);

/* Census of s in one read snapshot. */
int fs_store_census(fs_store *s, fs_census *out, fs_err *err);

/* 1 when both stores hold the same rows (every count and hash equal); the
 * registry is compared only when both counted it. *first (may be NULL)
 * gets the first table that differs. */
int fs_census_equal(const fs_census *a, const fs_census *b, fs_census_table *first);

/* Called after every FS_COPY_BATCH rows of a table and at its end with
 * the rows copied of it so far; a negative fs_error aborts the copy
 * (returned as is), 0 goes on. */
#define FS_COPY_BATCH 1000
typedef int (*fs_copy_progress_fn)(void *ctx, fs_census_table table, int64_t rows);

/* What a copy did: the census both stores agreed on and their digest
 * (fs_store_digest, every record). */
typedef struct fs_copy_result {
	fs_census census;
	uint64_t digest;
} fs_copy_result;

/* Copy every row of from into to, which must be empty (no row in any
 * table, no meta but the backend's own, counter 0): FS_ECONFLICT
 * otherwise, to untouched. Both must be opened alike (as a hub's or not).
 *
 * from is read in one snapshot (its census, then every table streamed
 * through the backend's each operations: memory is bounded by a page of
 * rows, not by the store). to is written in one write transaction; before
 * it commits, its census (read inside that transaction) must equal
 * from's, else it is rolled back. So a copy that fails anywhere (an
 * error, progress aborting, a mismatch) leaves to as it was, empty, and
 * can simply be run again. After the commit, fs_store_digest of both
 * (every record) must be equal: FS_EGENERIC otherwise, saying that to now
 * holds a copy that differs (from was written meanwhile: hold its write
 * lock for the copy, see fieldsync-hub migrate).
 *
 * Writers of from are not stopped here; a copy of a live store is of one
 * snapshot. Only a store opened on its own (not shared with other threads)
 * is accepted. */
int fs_store_copy(fs_store *from, fs_store *to, fs_copy_progress_fn progress, void *ctx,
                  fs_copy_result *out, fs_err *err);

/* The same for a copy of a store in use (fieldsync-hub backup of a
 * PostgreSQL hub): the copy is of from's one snapshot, verified inside it
 * as above, and from is not compared again after the commit (its writers
 * went on). out->digest is the copy's. */
int fs_store_copy_snapshot(fs_store *from, fs_store *to, fs_copy_progress_fn progress,
                           void *ctx, fs_copy_result *out, fs_err *err);

#endif
