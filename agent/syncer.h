/* fieldsync-agent: one sync with the hub, push and pull until nothing is
 * left (docs/agent.md, docs/protocol.md).
 *
 * A round is core's fs_sync_round over libcurl (post_sync in syncer.c):
 * read this kiosk's own changes after the push cursor (at most
 * AGENT_UP_MAX_CHANGES / AGENT_UP_MAX_BYTES, so memory stays bounded however
 * much is pending), gzip them and POST them with the pull cursor; on 200
 * with Fieldsync-Ack equal to the batch's `to`, move the push cursor
 * (fs_store_peer_ack), then merge the reply, which stores the new pull
 * cursor in the same transaction (fs_sync_kiosk_receive). Rounds repeat
 * while either side says `more`. A cut anywhere resends at most the
 * unacknowledged batch and refetches at most the uncommitted reply.
 *
 * Batch size adapts to the link: a sync starts at AGENT_UP_START_BYTES and,
 * after each round that pushed, doubles while it took under half of
 * AGENT_ROUND_TARGET_MS, or shrinks in proportion when it took longer,
 * between AGENT_UP_MIN_BYTES and AGENT_UP_MAX_BYTES. On a LAN that is the
 * maximum after three rounds; on 2G (50 kbit/s) a batch stays at a few
 * seconds of airtime, so a cut costs at most that.
 *
 * Clock: a 409 clock_ahead reply carries the hub's time; the kiosk runs
 * fs_store_clock_adjust (offset corrected, unacknowledged stamps beyond the
 * allowance re-stamped) and retries once. After every 200 whose `time`
 * differs from the kiosk's clock by more than AGENT_CLOCK_TOLERANCE_MS the
 * offset is corrected too, with an allowance chosen so that no stamp is
 * rewritten (stamps the hub already accepted must stay as they are). */
#ifndef FIELDSYNC_AGENT_SYNCER_H
#define FIELDSYNC_AGENT_SYNCER_H

#include <signal.h>

#include "client.h"
#include "config.h"
#include "fieldsync/store.h"

/* The kiosk's name for its hub in the peers table (cursors). */

#define AGENT_UP_MAX_CHANGES     2000
#define AGENT_UP_MAX_BYTES       (512u << 10)
#define AGENT_UP_START_BYTES     (64u << 10)
#define AGENT_UP_MIN_BYTES       (8u << 10)
#define AGENT_ROUND_TARGET_MS    3000u
#define AGENT_UP_MAX_GZIP        (2u << 20)  /* the hub's body limit */
#define AGENT_REPLY_MAX          (8u << 20)  /* raw reply body: the codec's inflation cap,
                                             * which a gzip of it cannot pass */
#define AGENT_CLOCK_TOLERANCE_MS 2000u

typedef struct agent_sync_report {
	int exit;                      /* enum agent_exit: 0 when in sync */
	int rounds;                    /* round trips that got a 200 */
	long sent;                     /* own changes acknowledged by the hub */
	long received;                 /* changes received from the hub */
	long conflicts, quarantined;   /* recorded here while merging replies */
	long restamped;                /* own stamps rewritten after clock_ahead */
	long retry_after;              /* seconds the hub asked to wait; -1: none */
	/* The hub answered 403 revoked with a wipe order whose signature
	 * verifies with the key pinned at enrollment: the caller must erase
	 * this kiosk's data (agent_kiosk_wipe) and stop. A revoked reply
	 * without a valid signature sets no wipe (the data is kept). */
	int wipe;
	char message[AGENT_ERROR_MAX]; /* why, when exit != 0 */
	char hub_region[FS_NAME_MAX + 1]; /* the region the hub's last reply named, "" */
} agent_sync_report;

typedef struct agent_sync_opts {
	/* Retries of a 429 or 503 reply within one sync, waiting as the hub
	 * asks (capped at 30 s). The daemon passes 0 and backs off itself. */
	int busy_retries;
	/* Checked between rounds and while waiting: when set, the sync stops
	 * (exit AGENT_EXIT_UNREACHABLE, "stopped"). May be NULL. */
	const volatile sig_atomic_t *stop;
} agent_sync_opts;

/* Sync store s with the hub through client c. Always fills *out; returns
 * out->exit. */
int agent_sync_run(fs_store *s, agent_client *c, const agent_sync_opts *opts,
                   agent_sync_report *out);

/* Erase every file of this kiosk: close the store, then overwrite with
 * zeros, fsync and unlink each regular file in DATA (kiosk.db and its
 * -wal, -shm and -journal, token, agent.json, state.json, sync.lock, the
 * kiosk UI's ui.json, workers.json and pin-guard.json, and any leftover
 * temporary file), then fsync DATA. Symbolic links are removed, never
 * followed. On flash storage an overwrite may not reach the cells that held
 * the data (wear levelling): docs/kiosk.md says what protects more. 0, or
 * FS_EIO naming the first file that could not be erased (the others are
 * still erased). */
int agent_kiosk_wipe(agent_kiosk *k, fs_err *err);

#define AGENT_WIPED_MESSAGE "this kiosk was revoked and its data erased"

/* agent_sync_run under DATA/sync.lock, then the outcome recorded in
 * DATA/state.json (last sync or last error). */
int agent_sync_recorded(const char *dir, fs_store *s, agent_client *c, const agent_sync_opts *opts,
                        agent_sync_report *out);

#endif
