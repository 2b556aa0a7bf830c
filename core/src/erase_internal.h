/* Private to core/: the erasure steps merge.c runs inside its own write
 * transaction (erase.c). */
#ifndef FS_ERASE_INTERNAL_H
#define FS_ERASE_INTERNAL_H

#include "store_internal.h"

/* Meta key counting the erasure rows this store ever recorded: a merge
 * skips the per-change erasure lookup while it is absent or 0. */
#define FS_ERASE_META_COUNT "erasures"

/* Does the store hold any erasure row? In the caller's transaction. */
int fs_erase_any(fs_store *s, int *any, fs_err *err);

/* In the caller's write transaction: record row (row->seq is set here,
 * row->hlc and row->site are the caller's) unless row->id is erased
 * already (*inserted 0), count it, and purge the record
 * (*rows_removed, may be NULL). */
int fs_erase_record(fs_store *s, fs_erasure_row *row, int *inserted, long *rows_removed,
		    fs_err *err);

/* At a hub, in the write transaction merging a device's set cs (sync.c):
 * every response holding a receipt that is withdrawn here (a withdrawal of
 * this set, or an earlier one when the response is in this set) is erased,
 * kind "withdrawn", and the receipt's questionnaire and day noted
 * (registry receipt_note); a response of cs that did not stay (quarantined)
 * is erased by its id. *erased: the responses erased. No scrub: the hub
 * scrubs with its retention run, as for a worker's delete. */
int fs_erase_withdrawn(fs_store *s, const fs_changeset *cs, long *erased, fs_err *err);

/* The same for one withdrawn hash (a withdrawal made at the hub itself). */
int fs_erase_withdrawn_hash(fs_store *s, const char *hash, long *erased, fs_err *err);

/* A new request id (UUIDv7) at this store's clock. */
int fs_erase_request_id(fs_store *s, char out[FS_UUID_LEN + 1], fs_err *err);

#endif
