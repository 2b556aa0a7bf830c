/* Private to core/: the store handle (a backend connection and the
 * engine's state: identity, clocks, the open transaction's counters) and
 * the transaction calls the engine modules use. No storage types here: the
 * engine reaches storage only through s->ops (backend.h). */
#ifndef FS_STORE_INTERNAL_H
#define FS_STORE_INTERNAL_H

#include <stdint.h>

#include "fieldsync/backend.h"
#include "fieldsync/person_ref.h"
#include "fieldsync/store.h"

struct fs_store {
	const fs_backend_ops *ops;
	fs_backend *b;
	const fs_registry_ops *reg; /* NULL unless opened as a hub */
	char site[FS_NAME_MAX + 1];
	char region[FS_NAME_MAX + 1];
	fs_wallclock_fn wallclock;
	void *wallclock_ctx;
	int64_t offset_ms; /* persisted in meta "clock_offset_ms" */
	/* The boot clock: mode 0 the system's, 1 boottime(), 2 none. */
	int boottime_mode;
	fs_boottime_fn boottime;
	void *boottime_ctx;
	/* Wall and boot clocks when the offset was learned (meta
	 * "clock_anchor"); has_anchor 0 when not noted (older stores). */
	uint64_t boot_id; /* the system's, read once */
	int have_boot_id;
	int has_anchor;
	int64_t anchor_wall_ms;
	uint64_t anchor_boot_ms, anchor_boot_id;
	/* Transaction state, valid between fs_txn_begin and commit/rollback. */
	int in_txn;    /* 0, FS_TXN_READ or FS_TXN_WRITE */
	int64_t txn_seq; /* last seq used */
	int64_t txn_seq_start;
	fs_hlc txn_hlc; /* last timestamp issued or seen */
	fs_hlc txn_hlc_start;
	/* A group (fs_store_group_begin): one backend transaction holding
	 * several fs_txn_begin..commit parts, each a savepoint; the counter
	 * and clock as the group began. */
	int group;
	int64_t group_seq_start;
	fs_hlc group_hlc_start;
	/* The deployment's person_ref rule for local writes (person_ref.h). */
	int has_person_ref_rule;
	fs_person_ref_rule person_ref_rule;
};

/* Begin a write transaction (exclusive among all writers) and load the
 * persisted change counter and clock. FS_EBUSY when the lock cannot be
 * had. */
int fs_txn_begin(fs_store *s, fs_err *err);
/* Persist counter and clock if they moved, then commit (durable when 0).
 * On failure the transaction is rolled back. */
int fs_txn_commit(fs_store *s, fs_err *err);
/* Roll back; safe to call when no transaction is open. */
void fs_txn_rollback(fs_store *s);
/* A read transaction: one consistent snapshot until fs_txn_read_end. */
int fs_txn_read_begin(fs_store *s, fs_err *err);
void fs_txn_read_end(fs_store *s);
/* Next change sequence number of this store. */
int64_t fs_txn_next_seq(fs_store *s);
/* A new local timestamp. */
fs_hlc fs_txn_tick(fs_store *s);
/* Note a remote timestamp so later local ones come after it. */
void fs_txn_observe(fs_store *s, fs_hlc h);

#endif
