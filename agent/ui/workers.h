/* fieldsync kiosk UI: outreach workers' PINs and the PIN lockout.
 *
 * DATA/workers.json holds {"workers": [{"name", "hash"}]}, each hash an
 * Argon2id string from libsodium's crypto_pwhash_str (the PIN itself is
 * never stored). `fieldsync-agent worker add|remove|list` edits it; the UI
 * reads it on every PIN entry, so changes need no restart.
 *
 * DATA/pin-guard.json holds the lockout: after FS_PIN_FREE_TRIES wrong PINs
 * in a row, entry is locked for FS_PIN_LOCK_BASE_S, doubling with each
 * further wrong PIN up to FS_PIN_LOCK_MAX_S; a right PIN resets it. It is a
 * file so that restarting the kiosk does not reset the count. */
#ifndef FIELDSYNC_UI_WORKERS_H
#define FIELDSYNC_UI_WORKERS_H

#include <jansson.h>
#include <stdint.h>

#include "fieldsync/error.h"

#define FS_WORKER_NAME_MAX 64 /* [A-Za-z0-9._-]{1,64}, also the contacts' worker */
#define FS_PIN_MIN 4          /* PINs are 4 to 12 digits */
#define FS_PIN_MAX 12
#define FS_PIN_FREE_TRIES 3
#define FS_PIN_LOCK_BASE_S 30
#define FS_PIN_LOCK_MAX_S 3600

int fs_worker_name_is_valid(const char *name);
int fs_worker_pin_is_valid(const char *pin);

/* Add a worker, or set a new PIN for an existing one. FS_EINVAL for a bad
 * name or PIN (the message never quotes the PIN). */
int fs_workers_add(const char *dir, const char *name, const char *pin, fs_err *err);

/* FS_ENOTFOUND when there is no such worker. */
int fs_workers_remove(const char *dir, const char *name, fs_err *err);

/* The workers' names, sorted: *out is a new array of strings. */
int fs_workers_list(json_t **out, const char *dir, fs_err *err);

/* Check a PIN: 0 when right, FS_EFORBIDDEN when the worker is unknown or
 * the PIN wrong (one message for both). Takes about as long as hashing. */
int fs_workers_verify(const char *dir, const char *name, const char *pin, fs_err *err);

/* The lockout, kept in DATA/pin-guard.json. */
typedef struct fs_pin_guard {
	unsigned failures;        /* wrong PINs in a row */
	uint64_t locked_until_ms; /* wall clock; 0 when not locked */
} fs_pin_guard;

int fs_pin_guard_load(fs_pin_guard *out, const char *dir, fs_err *err);

/* Seconds until entry is allowed again (0: allowed now). */
unsigned fs_pin_guard_wait_s(const fs_pin_guard *g, uint64_t now_ms);

/* Record a wrong PIN (locking when due) or a right one, and save. */
int fs_pin_guard_failed(fs_pin_guard *g, const char *dir, uint64_t now_ms, fs_err *err);
int fs_pin_guard_passed(fs_pin_guard *g, const char *dir, fs_err *err);

#endif
