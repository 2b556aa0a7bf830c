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
} hub_device;

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
 * "last_sync", "last_error", "revoked"} (times as RFC 3339 UTC or null). */
int hub_device_list(fs_store *s, json_t **out, fs_err *err);

#endif
