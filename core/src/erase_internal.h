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

/* A new request id (UUIDv7) at this store's clock. */
int fs_erase_request_id(fs_store *s, char out[FS_UUID_LEN + 1], fs_err *err);

#endif
