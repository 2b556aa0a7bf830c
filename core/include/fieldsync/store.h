/* fieldsync: the store, one SQLite file per kiosk or hub by default, or
 * another backend (backend.h, fs_store_open_with: a hub's PostgreSQL).
 *
 * The SQLite store is opened in WAL mode with synchronous=FULL (a kiosk loses power without
 * warning; a response reported saved must survive), foreign keys on and a
 * busy timeout. A new kiosk store has 1 KiB pages, a hub's SQLite's default
 * 4 KiB: every page a commit touches is written whole, to the log and again
 * at the checkpoint, and smaller pages wear a kiosk's SD card less
 * (docs/performance.md, "SD card wear"); an existing store keeps its page
 * size. The schema lives in schema/NNN_name.sql, applied as
 * forward-only migrations tracked by PRAGMA user_version, each in one
 * transaction. A store written by a newer fieldsync is refused untouched.
 *
 * A store handle is used by one thread at a time. Several processes may
 * open the same file: every write takes SQLite's write lock first and reads
 * the persisted clock and change counter inside it. */
#ifndef FIELDSYNC_STORE_H
#define FIELDSYNC_STORE_H

#include <stdint.h>

#include "fieldsync/error.h"
#include "fieldsync/hlc.h"

typedef struct fs_store fs_store;

/* Wall clock in ms since 1970; replaceable so tests can move time. */
typedef uint64_t (*fs_wallclock_fn)(void *ctx);

/* Time since boot in ms (CLOCK_BOOTTIME: never set, runs through suspend,
 * slewed like the wall clock but never stepped) and an identity of the
 * current boot; 0, or -1 when unknown. Replaceable for tests. */
typedef int (*fs_boottime_fn)(void *ctx, uint64_t *since_boot_ms, uint64_t *boot_id);

/* How far the wall clock may move against the boot clock since the offset
 * was learned before the offset is taken to be stale (docs/design.md). */
#define FS_CLOCK_JUMP_MS 60000

/* Site ids and region names: [a-z0-9][a-z0-9-]{0,63}. */
#define FS_NAME_MAX 64

/* Highest schema version this build knows. */
int fs_store_schema_version(void);

/* Open the SQLite store at path and migrate it to the current schema (the
 * kiosk's schema; a hub opens with fs_store_open_with, hub 1, which also
 * applies the device registry's, and may give it a page cache of its own
 * size, fs_store_options.cache_kib). Where no
 * file is, a new store is made (mode 0600, complete before it appears at
 * path). A file that exists is never reused as a new store. Errors:
 *  - FS_EINVAL: the file is not a fieldsync store (empty, not SQLite, an
 *    SQLite database without fieldsync's schema); it is left untouched;
 *  - FS_EFORBIDDEN: the file may be read by others (any group or other
 *    permission bit) or its directory may be listed or written by anyone
 *    (other read or write); see fs_store_permissions_overridden;
 *  - FS_EVERSION: written by a newer fieldsync; file untouched;
 *  - FS_EGENERIC: cannot create or open.
 * *out is freed with fs_store_close. */
int fs_store_open(fs_store **out, const char *path, fs_err *err);

/* 1 when FIELDSYNC_ALLOW_OPEN_PERMISSIONS=1 in the environment: stores and
 * data directories others may read are then opened anyway. Programs warn
 * when it is set. */
int fs_store_permissions_overridden(void);

/* Are the store's database file and write-ahead log still the files that
 * were opened? Every commit checks this before it reports success; a file
 * deleted or replaced under a running program would otherwise take the
 * commits made since with it. 0, or FS_EIO (lasting: every later commit
 * fails too, until the program is restarted and the operator has looked). */
int fs_store_check_files(fs_store *s, fs_err *err);

/* The bytes the store takes (SQLite: the database file and its
 * write-ahead log; PostgreSQL: the whole database, pg_database_size) into
 * *out; 0 or an error. */
int fs_store_size_bytes(fs_store *s, int64_t *out, fs_err *err);

/* Group commit: several writes (merges, each its own fs_txn_begin ..
 * commit inside the engine) committed as one transaction, so their cost
 * of making it durable (an fsync) is paid once. Between begin and commit
 * every write's commit keeps it only provisionally (a savepoint), and a
 * write that fails is undone alone, the others kept; nothing of the group
 * is durable, so nothing may be acknowledged, until fs_store_group_commit
 * returns 0. Its failure (or fs_store_group_rollback) loses every write
 * of the group. Reads outside the group's writes see the group's
 * provisional writes on this handle only. */
int fs_store_group_begin(fs_store *s, fs_err *err);
int fs_store_group_commit(fs_store *s, fs_err *err);
void fs_store_group_rollback(fs_store *s);

/* Close; NULL is accepted. */
void fs_store_close(fs_store *s);

/* Set this store's identity: its site id and, for a kiosk, its region
 * (NULL for a hub). Allowed once; setting the same values again is a no-op,
 * other values give FS_ECONFLICT. FS_EINVAL for a malformed name. */
int fs_store_set_identity(fs_store *s, const char *site, const char *region, fs_err *err);

/* This store's site id and region; "" when not set. Borrowed. */
const char *fs_store_site(const fs_store *s);
const char *fs_store_region(const fs_store *s);

/* Is name a valid site or region name? 1 or 0. */
int fs_name_is_valid(const char *name);

/* Replace the wall clock (tests). fn NULL restores the system clock. A
 * replaced wall clock has no relation to this machine's boot clock, so it
 * also turns the boot clock off (the offset then always applies) until
 * fs_store_set_boottime is called. */
void fs_store_set_wallclock(fs_store *s, fs_wallclock_fn fn, void *ctx);

/* Replace the boot clock (tests); fn NULL: the system's (CLOCK_BOOTTIME and
 * /proc/sys/kernel/random/boot_id), the default. */
void fs_store_set_boottime(fs_store *s, fs_boottime_fn fn, void *ctx);

/* Physical time used for new timestamps and response times: wall clock
 * plus the persisted offset learned from the hub, while that offset still
 * describes this wall clock: it is dropped (not applied) after a reboot or
 * once the wall clock has moved more than FS_CLOCK_JUMP_MS against the boot
 * clock since the offset was learned (someone or NTP set the clock). */
uint64_t fs_store_now_ms(fs_store *s);

/* The last timestamp issued or seen by this store (persisted). */
int fs_store_clock_last(fs_store *s, fs_hlc *out, fs_err *err);

/* Offset (ms) added to the wall clock now: the persisted one, or 0 when it
 * was dropped as above; see docs/design.md. */
int64_t fs_store_clock_offset(const fs_store *s);

/* The clock rule for a site whose clock is wrong. Given a trusted time
 * (the hub's, in ms) and the drift allowed ahead of it:
 *  - the store's offset becomes trusted_ms - wall clock;
 *  - this site's own records stamped beyond trusted_ms + max_future_ms can
 *    only be unacknowledged (the hub refuses them), so they are re-stamped
 *    with new timestamps and re-queued for sending;
 *  - the persisted clock comes back to at most trusted_ms + max_future_ms;
 *  - this site's own responses that no peer acknowledged and that were
 *    submitted beyond trusted_ms + max_future_ms / 2 are re-dated: their
 *    started_at and submitted_at move by the correction (trusted time minus
 *    this store's time before it), so they say when they really happened,
 *    and to no later than trusted_ms (a clock set right before the
 *    correction leaves dates the offset does not explain);
 *  - the wall and boot clocks are noted, so the offset is dropped if the
 *    wall clock is later set or the machine reboots (fs_store_now_ms).
 * All in one transaction. *restamped (may be NULL) gets the count of
 * re-stamped records (a re-dated response is always among them). */
int fs_store_clock_adjust(fs_store *s, uint64_t trusted_ms, uint64_t max_future_ms,
			  long *restamped, fs_err *err);

/* The highest change sequence number used so far (0 for a new store). */
int fs_store_seq(fs_store *s, int64_t *out, fs_err *err);

/* Sync cursors for a peer (0 when unknown). See schema/001_init.sql. */
int fs_store_peer_cursors(fs_store *s, const char *peer, int64_t *push_cursor,
			  int64_t *pull_cursor, fs_err *err);
/* Record that peer acknowledged our changes up to seq (never moves back). */
int fs_store_peer_ack(fs_store *s, const char *peer, int64_t seq, fs_err *err);

/* Counts for status displays. */
typedef struct fs_store_counts {
	long questionnaires, responses, contacts, conflicts, quarantined;
	long conflicts_open; /* conflicts with no resolution (resolve.h) */
} fs_store_counts;
int fs_store_count(fs_store *s, fs_store_counts *out, fs_err *err);

/* What a digest covers: responses of one site only (NULL: all), contacts
 * and conflicts of one region only (NULL: all). */
typedef struct fs_digest_scope {
	const char *responses_site;
	const char *contacts_region;
	int include_responses;
	int include_contacts;
	int include_questionnaires;
} fs_digest_scope;

/* A canonical 64-bit digest (FNV-1a, not cryptographic) of the replicated
 * content in scope: every record, field value and winning (hlc, site), in
 * key order, so two replicas holding the same data give the same digest. */
int fs_store_digest(fs_store *s, const fs_digest_scope *scope, uint64_t *out, fs_err *err);

/* Check the store: the backend's own check (SQLite: PRAGMA
 * integrity_check) and the change sequence (every seq held by one row,
 * none above the counter); 0, or FS_EGENERIC with the first problem. */
int fs_store_check_integrity(fs_store *s, fs_err *err);

#endif
