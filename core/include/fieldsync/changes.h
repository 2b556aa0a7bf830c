/* fieldsync: reading what changed, for a peer.
 *
 * Every replicated row carries the store's change sequence number (seq) of
 * its last change, so "changes after cursor C" is an index range scan, and
 * repeated edits of one field before a sync are sent once, with the last
 * value. A sender advances a peer's cursor only when the peer acknowledges
 * (fs_store_peer_ack); resending after a lost acknowledgement is harmless
 * because merging is idempotent. */
#ifndef FIELDSYNC_CHANGES_H
#define FIELDSYNC_CHANGES_H

#include <stddef.h>
#include <stdint.h>

#include "fieldsync/changeset.h"
#include "fieldsync/store.h"

typedef struct fs_changes_filter {
	unsigned tables;          /* FS_TABLE_* bits; 0 means all */
	const char *only_site;    /* only writes made by this site (NULL: any) */
	const char *exclude_site; /* leave out writes made by this site */
	const char *region;       /* contacts and conflicts of this region only */
} fs_changes_filter;

/* Read, in seq order, the changes after cursor that pass filter: at most
 * max_changes, and stopping once about max_bytes of JSON are collected (at
 * least one change is always returned when there is one). out (initialised
 * here) gets from = cursor, to = the cursor to acknowledge, more = whether
 * changes remain, time = the store's clock, site = this store. Reads one
 * consistent snapshot. */
int fs_changes_read(fs_store *s, fs_changeset *out, int64_t cursor, const fs_changes_filter *filter,
		    size_t max_changes, size_t max_bytes, fs_err *err);

#endif
