/* fieldsync: the sync steps between a kiosk and its hub, as policy over
 * changes.h and merge.h. Transport is the caller's business (HTTP in
 * agent/ and hub/, function calls in tests and the demo).
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

#include "fieldsync/changes.h"
#include "fieldsync/merge.h"

/* Tables a kiosk may write at the hub, and tables the hub sends down. */
#define FS_SYNC_KIOSK_TABLES (FS_TABLE_RESPONSES | FS_TABLE_CONTACTS | FS_TABLE_CONFLICTS)
#define FS_SYNC_HUB_TABLES (FS_TABLE_QUESTIONNAIRES | FS_TABLE_CONTACTS | FS_TABLE_CONFLICTS)

/* How far ahead of the hub's clock a kiosk's stamps may be (5 minutes). */
#define FS_SYNC_MAX_FUTURE_MS (5 * 60 * 1000)

/* The kiosk's own writes not yet acknowledged by hub_site. */
int fs_sync_kiosk_outgoing(fs_store *kiosk, fs_changeset *out, const char *hub_site,
			   size_t max_changes, size_t max_bytes, fs_err *err);

/* How many of the kiosk's own writes hub_site has not acknowledged: what
 * fs_sync_kiosk_outgoing would send, counted in batches (bounded memory).
 * The one count behind `fieldsync-agent status` and the kiosk UI's status. */
int fs_sync_kiosk_pending(fs_store *kiosk, const char *hub_site, long *out, fs_err *err);

/* Merge a device's change set at the hub: the device may only send its
 * own writes, of FS_SYNC_KIOSK_TABLES, for its region; stamps more than
 * FS_SYNC_MAX_FUTURE_MS ahead are refused (FS_ECLOCK). */
int fs_sync_hub_receive(fs_store *hub, const fs_changeset *cs, const char *device_site,
			const char *device_region, fs_merge_result *res, fs_err *err);

/* What the hub sends a device after cursor: questionnaires, its region's
 * contacts and conflicts; never responses, never the device's own writes. */
int fs_sync_hub_outgoing(fs_store *hub, fs_changeset *out, const char *device_site,
			 const char *device_region, int64_t cursor, size_t max_changes,
			 size_t max_bytes, fs_err *err);

/* Merge the hub's reply at the kiosk, recording the hub's cursor. */
int fs_sync_kiosk_receive(fs_store *kiosk, const fs_changeset *cs, const char *hub_site,
			  fs_merge_result *res, fs_err *err);

#endif
