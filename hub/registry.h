/* fieldsync-hub: the device registry, a hub module over the store's
 * backend: enrollment codes, device identities and bearer tokens
 * (libsodium). A kiosk's engine has none of it.
 *
 * Enrollment: an admin creates a one-time code for a region; a kiosk
 * exchanges it once for its identity, a site id and a long random bearer
 * token. Codes and tokens are stored only as BLAKE2b hashes and compared in
 * constant time. Failed code attempts are bounded per store (the hub also
 * limits them per client address, hub/routes.c).
 * Storage: the registry operations of the store's backend (backend.h
 * fs_registry_ops; SQLite tables in schema/hub/), present only in a store
 * opened as a hub's (fs_store_open_with, hub 1): on any other store these
 * calls give FS_EINVAL. */
#ifndef HUB_REGISTRY_H
#define HUB_REGISTRY_H

#include <jansson.h>
#include <stdint.h>

#include "fieldsync/changeset.h"
#include "fieldsync/error.h"
#include "fieldsync/store.h"

/* "ABCDE-FGHJK-MN": 12 characters of Crockford base32 = 60 bits. */
#define HUB_ENROLL_CODE_LEN 14
/* "<site>.<43 chars base64url of 32 random bytes>" */
#define HUB_TOKEN_MAX (FS_NAME_MAX + 1 + 43)
/* Failed enrollment attempts (well-formed codes that are unknown, expired
 * or used) allowed per store in any 60 s: the hub-wide guessing bound. At
 * most 600 x 525,600 = 3.2e8 guesses a year against 2^60 = 1.15e18 codes:
 * with N codes live all year, P(any guess hits) <= 2.7e-10 x N
 * (docs/protocol.md). */
#define HUB_ENROLL_FAILS_PER_MINUTE 600

typedef struct hub_device {
	char site[FS_NAME_MAX + 1];
	char region[FS_NAME_MAX + 1];
	char name[FS_NAME_MAX + 1];
	int revoked;
	/* A move the kiosk has not yet taken in (hub_device_move): the region
	 * it still holds; "" when none. */
	char moved_from[FS_NAME_MAX + 1];
	uint64_t moved_ms;
} hub_device;

/* How long after a move the hub still takes the kiosk's edits of the
 * region it was moved out of, while the kiosk has not reported the new
 * one: 30 days (docs/protocol.md "Moving a kiosk"). */
#define HUB_MOVE_GRACE_MS (30ull * 24 * 3600 * 1000)

/* What a kiosk reports about itself on sync (docs/protocol.md "Kiosk
 * status"), bounded: display only, never trusted for anything else. */
#define HUB_AGENT_VERSION_MAX 64            /* bytes, printable ASCII */
#define HUB_PENDING_MAX 1000000000LL        /* reported counts are clamped here */
#define HUB_CLOCK_OFFSET_MAX_MS (10LL * 366 * 24 * 3600 * 1000) /* +-10 years */

typedef struct hub_kiosk_status {
	char agent_version[HUB_AGENT_VERSION_MAX + 1]; /* "" not reported */
	int64_t pending;                               /* -1 not reported */
	int64_t clock_offset_ms;                       /* kiosk minus hub */
	int has_clock_offset;
	char region[FS_NAME_MAX + 1]; /* the region the kiosk says it holds; "" none */
} hub_kiosk_status;

/* Read the status headers of a sync request (each NULL when absent):
 * Fieldsync-Agent (1 to HUB_AGENT_VERSION_MAX printable ASCII bytes),
 * Fieldsync-Pending (a decimal count, clamped to HUB_PENDING_MAX),
 * Fieldsync-Clock (the kiosk's wall clock, decimal ms since 1970, at most
 * 15 digits: the offset from hub_now_ms, clamped to
 * +-HUB_CLOCK_OFFSET_MAX_MS), Fieldsync-Region (a region name). A value
 * that breaks its rule is left out (as if not sent); the sync goes on. */
void hub_kiosk_status_parse(hub_kiosk_status *out, const char *agent, const char *pending,
			    const char *clock, const char *region, uint64_t hub_now_ms);

/* The merge's on_commit hook for a device's set with its status: ctx is
 * a hub_sync_note. Notes the sync (as hub_device_synced) and stores the
 * status: pending is what the kiosk reported less the changes of this
 * set (it counts them too), at least 0. When the device has a move
 * pending and reported its new region, the move is done (moved_from
 * cleared, the hub's record of what it pulled set to pull). */
typedef struct hub_sync_note {
	const hub_device *device;
	const hub_kiosk_status *status;
	int64_t pull; /* the cursor the kiosk sent, -1 when none */
} hub_sync_note;
int hub_device_synced_status(void *ctx, fs_store *s, const fs_changeset *cs, fs_err *err);

/* The second region a device's writes are allowed in at now_ms (NULL:
 * none): the region it was moved out of, while it has not reported the new
 * one and for at most HUB_MOVE_GRACE_MS after the move. */
const char *hub_device_grace_region(const hub_device *d, const hub_kiosk_status *st,
				    uint64_t now_ms);

/* Create a one-time enrollment code for region, valid ttl_ms from now.
 * out_code is upper case with hyphens; entry ignores case, hyphens and
 * spaces, and reads O as 0 and I/L as 1 (Crockford). Audited in the same
 * transaction (audit.h): action "enroll", actor hub_audit_actor_cli,
 * detail region, expires_ms, ttl_s (never the code). */
int hub_enroll_code_create(fs_store *s, char out_code[HUB_ENROLL_CODE_LEN + 1], const char *region,
			  uint64_t ttl_ms, fs_err *err);

/* Redeem a code once: creates the device (name: a label for admins,
 * [a-z0-9][a-z0-9-]{0,63}, or NULL) and returns its identity and token.
 * Errors: FS_ENOTFOUND (unknown code), FS_EFORBIDDEN (expired or already
 * used), FS_ELIMIT (HUB_ENROLL_FAILS_PER_MINUTE failures in the last 60 s;
 * nothing was checked, try later), FS_EINVAL (malformed code or name).
 * Each FS_ENOTFOUND and FS_EFORBIDDEN is recorded (one write transaction)
 * and counts toward the bound; FS_EINVAL and FS_ELIMIT write nothing.
 * A success is audited in its transaction: "enroll_redeem" by
 * "device:SITE", detail site and region. */
int hub_enroll_redeem(fs_store *s, hub_device *out, char out_token[HUB_TOKEN_MAX + 1],
		     const char *code, const char *name, fs_err *err);

/* Who holds this bearer token? FS_ENOTFOUND for a malformed, unknown or
 * wrong token (all alike, in constant time for the secret part);
 * FS_EFORBIDDEN when the device was revoked. */
int hub_device_authenticate(fs_store *s, hub_device *out, const char *token, fs_err *err);

/* Revoke a device: its token stops working at its next request.
 * FS_ENOTFOUND for an unknown site. Audited in the same transaction:
 * "revoke" by hub_audit_actor_cli, detail site. */
int hub_device_revoke(fs_store *s, const char *site, fs_err *err);

/* The same by actor (NULL: hub_audit_actor_cli), for the console. */
int hub_device_revoke_as(fs_store *s, const char *actor, const char *site, fs_err *err);
int hub_enroll_code_create_as(fs_store *s, const char *actor,
			      char out_code[HUB_ENROLL_CODE_LEN + 1], const char *region,
			      uint64_t ttl_ms, fs_err *err);

/* Give device site a new name (its label for admins,
 * [a-z0-9][a-z0-9-]{0,63}). FS_EINVAL (malformed), FS_ENOTFOUND (unknown
 * site). Audited in its transaction: "rename" by actor (NULL:
 * hub_audit_actor_cli), detail site, name, from (the old name). */
int hub_device_rename(fs_store *s, const char *actor, const char *site, const char *name,
		      fs_err *err);

/* Move device site to region: from now on its writes are authorized, and
 * what it is sent chosen, by the new region; its next sync reply says the
 * region, and the kiosk then pushes what it has pending, drops the old
 * region's contacts and pulls the new region from the start
 * (fieldsync/region.h). Until it reports the new region (at most
 * HUB_MOVE_GRACE_MS) its edits of the old region's contacts are still
 * taken, so none made before it learnt of the move is lost. The hub's
 * record of what it pulled (erasure confirmations) starts again at 0.
 * FS_EINVAL (malformed region), FS_ENOTFOUND (unknown site),
 * FS_EFORBIDDEN (revoked). Moving to the region it is in changes nothing
 * and is not audited (*moved 0). Audited in its transaction: "move" by
 * actor (NULL: hub_audit_actor_cli), detail site, region, from. */
int hub_device_move(fs_store *s, const char *actor, const char *site, const char *region,
		    int *moved, fs_err *err);

/* Record a sync outcome for a device: error NULL is a successful sync at
 * the store's clock (last_sync, last error cleared), otherwise the error
 * code is kept as its last error. No-op for a site that is not a device.
 * Runs in the caller's transaction when one is open: the merge notes a
 * device's sync in the commit of its change set (hub_device_synced). The
 * one place the devices' sync bookkeeping is written. */
int hub_device_note_sync(fs_store *s, const char *site, const char *error, fs_err *err);

/* The merge's on_commit hook (merge.h fs_merge_hook) for a device's set:
 * ctx is the device's site (const char *); notes its successful sync in
 * the merge's transaction (hub_device_note_sync, error NULL). */
int hub_device_synced(void *ctx, fs_store *s, const fs_changeset *cs, fs_err *err);

/* All devices as an array of {"site", "name", "region", "enrolled",
 * "last_sync", "last_error", "revoked", "agent_version", "pending",
 * "clock_offset_ms", "moved_from", "moved"} (times as RFC 3339 UTC or null;
 * the kiosk's reports null when not reported; "last_sync_ms" too, for
 * local-time display). */
int hub_device_list(fs_store *s, json_t **out, fs_err *err);

#endif
