/* fieldsync: outreach workers, their names and PINs (docs/design.md,
 * "Outreach workers"; docs/kiosk.md, "Worker PINs").
 *
 * One rule for names and PINs wherever a worker is made (the hub's
 * `fieldsync-hub worker`, its console, the kiosk's `fieldsync-agent
 * worker` and "Change PIN"), and one hash: libsodium's Argon2id
 * crypto_pwhash_str with the interactive limits. The PIN itself is never
 * stored, logged or sent; only the hash is.
 *
 * The region's workers are a replicated table (schema/006_workers.sql)
 * written only at a hub: fs_worker_set / fs_worker_remove there, sent by the
 * hub to the kiosks of that region only (FS_TABLE_WORKERS in
 * FS_SYNC_HUB_TABLES, never in FS_SYNC_KIOSK_TABLES: a kiosk's set holding
 * one is refused, 403). One row per (region, name), last-writer-wins on
 * (hlc, site); a removal is a tombstone (the name stays, the hash goes),
 * so it replicates and a kiosk stops accepting the PIN after its next sync. */
#ifndef FIELDSYNC_WORKER_H
#define FIELDSYNC_WORKER_H

#include <jansson.h>
#include <stddef.h>

#include "fieldsync/error.h"
#include "fieldsync/hlc.h"
#include "fieldsync/store.h"

#define FS_WORKER_NAME_MAX 64 /* [A-Za-z0-9._-]{1,64}, also the contacts' worker */
#define FS_PIN_MIN 4          /* accepted at entry: workers added before the 6-digit rule */
#define FS_PIN_NEW_MIN 6      /* a new worker's PIN, or a changed one */
#define FS_PIN_MAX 12
#define FS_WORKER_HASH_MAX 127 /* crypto_pwhash_STRBYTES - 1 */

/* 1 when name is 1 to 64 letters, digits, dots, dashes or underscores. */
int fs_worker_name_is_valid(const char *name);
/* 4 to 12 digits: what may be entered. */
int fs_worker_pin_is_valid(const char *pin);
/* 6 to 12 digits: what a new or changed PIN must be. */
int fs_worker_new_pin_is_valid(const char *pin);

/* Hash a new PIN (6 to 12 digits, else FS_EINVAL, the message never
 * quoting it): Argon2id, crypto_pwhash_str, interactive limits (64 MiB,
 * 2 passes). FS_ENOMEM when the memory cannot be had. */
int fs_worker_pin_hash(char out[FS_WORKER_HASH_MAX + 1], const char *pin, fs_err *err);

/* 1 when hash is an Argon2id string of exactly the parameters
 * fs_worker_pin_hash uses: a kiosk checks every hash it receives, so no
 * hub (or forged row) can make one PIN check cost more than another. */
int fs_worker_hash_is_valid(const char *hash);

/* 1 when pin matches hash (crypto_pwhash_str_verify), 0 otherwise, also
 * for a malformed hash. Takes about as long as one hash. */
int fs_worker_pin_matches(const char *hash, const char *pin);

/* A PIN is read with fs_secret_read (secret.h), noun "PIN". */

/* ---- the region's workers, managed at the hub ---- */

typedef struct fs_worker {
	char region[FS_NAME_MAX + 1];
	char name[FS_WORKER_NAME_MAX + 1];
	char pin_hash[FS_WORKER_HASH_MAX + 1]; /* "" when removed */
	int removed;                           /* a tombstone */
	fs_hlc hlc;                            /* its last write: a new PIN changes it */
	char site[FS_NAME_MAX + 1];
} fs_worker;

/* At a hub: add worker name to region with pin_hash (from
 * fs_worker_pin_hash), or give an existing (or removed) one a new hash;
 * *existed (may be NULL) 1 when the name was a live worker there. One
 * write transaction. FS_EINVAL for a bad region, name or hash, or on a
 * kiosk's store (a kiosk cannot manage the region's workers). */
int fs_worker_set(fs_store *hub, const char *region, const char *name, const char *pin_hash,
		  int *existed, fs_err *err);

/* At a hub: remove worker name of region (a tombstone that replicates).
 * FS_ENOTFOUND when it is no live worker there; FS_EINVAL as above. */
int fs_worker_remove(fs_store *hub, const char *region, const char *name, fs_err *err);

/* The row of (region, name), removed or not; FS_ENOTFOUND when the store
 * holds none. */
int fs_worker_get(fs_store *s, fs_worker *out, const char *region, const char *name,
		  fs_err *err);

/* The workers of region (NULL: every region) as a new array of {"region",
 * "name", "removed", "updated_at"} sorted by region then name; removed
 * ones only when with_removed. No hash is ever in it. */
int fs_worker_list(fs_store *s, json_t **out, const char *region, int with_removed,
		   fs_err *err);

#endif
