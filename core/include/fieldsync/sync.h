/* fieldsync: the sync steps between a kiosk and its hub, as policy over
 * changes.h and merge.h (the hub's policy for a device, authorize.h, and
 * the bookkeeping hooks are made here). Transport is the caller's
 * business: the kiosk's side of a round is fs_sync_round over a transport
 * callback (libcurl in agent/, fs_sync_local in tests, the demo and the
 * engine benchmark); the hub's side is called by hub/routes.c.
 *
 * One round: the kiosk sends its own writes after the hub's acknowledged
 * cursor (fs_sync_kiosk_outgoing); the hub merges them as that device
 * (fs_sync_hub_receive) and, only after that committed, acknowledges
 * cs->to; the hub sends what the device should receive after the device's
 * pull cursor (fs_sync_hub_outgoing); the kiosk records the
 * acknowledgement (fs_store_peer_ack) and merges the reply, storing the
 * hub's cursor in the same transaction (fs_sync_kiosk_receive). Any step
 * can be cut and retried: merges are idempotent and cursors only move
 * after commits. */
#ifndef FIELDSYNC_SYNC_H
#define FIELDSYNC_SYNC_H

#include <stddef.h>
#include <stdint.h>

#include "fieldsync/changes.h"
#include "fieldsync/merge.h"
#include "fieldsync/tables.h"

/* Tables a kiosk may write at the hub, and tables the hub sends down
 * (each table's flow, tables.h). */
#define FS_SYNC_KIOSK_TABLES fs_tables_flowing(FS_FLOW_UP)
#define FS_SYNC_HUB_TABLES   fs_tables_flowing(FS_FLOW_DOWN)

/* How far ahead of the hub's clock a kiosk's stamps may be (5 minutes). */
#define FS_SYNC_MAX_FUTURE_MS (5 * 60 * 1000)

/* The peer name a kiosk's store keeps its hub's cursors under. */
#define FS_SYNC_HUB_PEER "hub"

/* The kiosk's own writes not yet acknowledged by hub_site. */
int fs_sync_kiosk_outgoing(fs_store *kiosk, fs_changeset *out, const char *hub_site,
			   size_t max_changes, size_t max_bytes, fs_err *err);

/* How many of the kiosk's own writes hub_site has not acknowledged: what
 * fs_sync_kiosk_outgoing would send, counted without reading the values.
 * The one count behind `fieldsync-agent status` and the kiosk UI's status. */
int fs_sync_kiosk_pending(fs_store *kiosk, const char *hub_site, long *out, fs_err *err);

/* Merge a device's change set at the hub: the device may only send its
 * own writes, of FS_SYNC_KIOSK_TABLES, for its region; stamps more than
 * FS_SYNC_MAX_FUTURE_MS ahead are refused (FS_ECLOCK). */
int fs_sync_hub_receive(fs_store *hub, const fs_changeset *cs, const char *device_site,
			const char *device_region, fs_merge_result *res, fs_err *err);
/* The same with the hub's bookkeeping: on_commit(on_commit_ctx, ...) runs
 * in the merge's transaction, after the changes, so it commits with them
 * (one fsync a sync). The hub passes its device registry's note of the
 * device's sync (hub/registry.h hub_device_synced); the engine knows no
 * registry. pull_cursor is the device's pull cursor as it sent it (the
 * hub's changes it has committed); when >= 0 it is recorded, in the same
 * transaction, as the device's push cursor at the hub (never past the
 * hub's own counter, never backwards): an erasure row E is confirmed by
 * the device once that cursor is >= E.seq (fieldsync-hub erasures). */
int fs_sync_hub_receive_noted(fs_store *hub, const fs_changeset *cs, const char *device_site,
			      const char *device_region, int64_t pull_cursor,
			      fs_merge_hook on_commit, void *on_commit_ctx, fs_merge_result *res,
			      fs_err *err);

/* fs_sync_hub_receive_noted for a device moved out of also_region that
 * has not yet taken in the move: its contacts and conflicts of also_region
 * are allowed as of device_region (NULL: none, as _noted). */
int fs_sync_hub_receive_moved(fs_store *hub, const fs_changeset *cs, const char *device_site,
			      const char *device_region, const char *also_region,
			      int64_t pull_cursor, fs_merge_hook on_commit, void *on_commit_ctx,
			      fs_merge_result *res, fs_err *err);

/* What the hub sends a device after cursor: questionnaires, its region's
 * contacts, conflicts, resolutions and workers, the erasures of its region
 * and of every region, the questionnaire offers to every region ("*") and
 * to its region; never responses, never the device's own writes. */
int fs_sync_hub_outgoing(fs_store *hub, fs_changeset *out, const char *device_site,
			 const char *device_region, int64_t cursor, size_t max_changes,
			 size_t max_bytes, fs_err *err);

/* Merge the hub's reply at the kiosk, recording the hub's cursor. */
int fs_sync_kiosk_receive(fs_store *kiosk, const fs_changeset *cs, const char *hub_site,
			  fs_merge_result *res, fs_err *err);

/* ---- the kiosk's round, over any transport ---- */

/* What a transport brought back for one push. */
typedef struct fs_sync_answer {
	int has_ack;      /* the hub acknowledged the push, */
	int64_t ack;      /* up to this seq: must be the pushed set's `to` */
	const void *body; /* the hub's reply, a packed change set; owned by the
	                   * transport, valid until the round returns */
	size_t len;
} fs_sync_answer;

/* Deliver one push (a packed change set) to the hub with the kiosk's pull
 * cursor and fill *answer with what came back. 0 when the hub took it;
 * otherwise a negative code with err set (unreachable, refused, ...): the
 * round returns it as it is, having recorded nothing. */
typedef int (*fs_sync_transport)(void *ctx, int64_t pull, const void *body, size_t len,
				 fs_sync_answer *answer, fs_err *err);

typedef struct fs_sync_limits {
	size_t up_changes, up_bytes; /* one push: fs_sync_kiosk_outgoing's caps */
	size_t up_gzip_max;          /* the packed push (the hub's body limit) */
	fs_codec_limits down;        /* unpacking the reply */
} fs_sync_limits;

/* Whose fault a failed round was. */
typedef enum fs_sync_fault {
	FS_SYNC_FAULT_NONE = 0,
	FS_SYNC_FAULT_LOCAL,     /* this store: reading, packing, recording, merging */
	FS_SYNC_FAULT_TRANSPORT, /* the transport's code, as it returned it */
	FS_SYNC_FAULT_HUB        /* the hub's answer: no matching acknowledgement, or
	                          * a reply that is not a change set of the range asked */
} fs_sync_fault;

typedef struct fs_sync_result {
	size_t pushed;         /* changes in the push, acknowledged or not */
	long sent;             /* own changes the hub acknowledged */
	long received;         /* changes in the hub's reply */
	fs_merge_result merged;
	int more;              /* either side has more after this round */
	uint64_t hub_time_ms;  /* the hub's clock in its reply (0: none) */
	fs_sync_fault fault;   /* when the round failed */
} fs_sync_result;

/* One round at the kiosk: read its own writes after the push cursor
 * (fs_sync_kiosk_outgoing, limits->up_*), pack them, send them through
 * send with the pull cursor; when the answer acknowledges exactly the
 * set's `to`, record that (fs_store_peer_ack), then unpack the reply
 * (fs_sync_reply_unpack) and merge it (fs_sync_kiosk_receive, which moves
 * the pull cursor in the same transaction). Any step may fail and the
 * round be repeated: nothing is recorded before what it records is true.
 * *out is always filled; out->fault says whose the error was. */
int fs_sync_round(fs_store *kiosk, const char *hub_site, fs_sync_transport send, void *ctx,
		  const fs_sync_limits *limits, fs_sync_result *out, fs_err *err);

/* The default limits: the agent's (2,000 changes or 512 KiB per push, 2
 * MiB packed, the codec's defaults for the reply). */
void fs_sync_limits_default(fs_sync_limits *out);

/* A transport to a hub store in this process (tests, the demo, the
 * engine benchmark): the push is unpacked and merged as the device
 * (fs_sync_hub_receive), the reply read after the pull cursor
 * (fs_sync_hub_outgoing) and packed, as the hub does over HTTP. */
typedef struct fs_sync_local {
	fs_store *hub;
	const char *device_site, *device_region; /* the kiosk as the hub knows it */
	size_t reply_changes, reply_bytes;       /* per reply (the hub's 5,000, 1 MiB) */
	fs_codec_limits codec;                   /* unpacking the push */
	fs_merge_result merged;                  /* of the last push at the hub */
	uint64_t bytes_up, bytes_down;           /* packed bytes carried so far */
	fs_buf reply;                            /* the last reply (owned) */
} fs_sync_local;

/* Set up t for hub and the kiosk device_site of device_region (borrowed),
 * and *lim for the kiosk's rounds over it: at most batch_changes changes or
 * about batch_bytes bytes of JSON a set, each way. */
void fs_sync_local_init(fs_sync_local *t, fs_sync_limits *lim, fs_store *hub,
			const char *device_site, const char *device_region, size_t batch_changes,
			size_t batch_bytes);
/* An fs_sync_transport; ctx is an fs_sync_local. */
int fs_sync_local_send(void *ctx, int64_t pull, const void *body, size_t len,
		       fs_sync_answer *answer, fs_err *err);
void fs_sync_local_free(fs_sync_local *t);

/* The reply half of a round, for a caller that keeps no store (the hub
 * benchmark's simulated kiosks) and for fs_sync_round. The answer must
 * acknowledge exactly the pushed set's `to` (else FS_EINVAL): */
int fs_sync_answer_check(const fs_sync_answer *answer, int64_t pushed_to, fs_err *err);

/* and its reply, unpacked into out, must cover the changes after pull:
 * FS_EBADGZIP, FS_EBADJSON, FS_EINVAL (also for another range),
 * FS_EVERSION, FS_ETOOBIG. */
int fs_sync_reply_unpack(fs_changeset *out, const fs_sync_answer *answer, int64_t pull,
			 const fs_codec_limits *limits, fs_err *err);

#endif
