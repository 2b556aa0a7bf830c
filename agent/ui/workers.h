/* fieldsync kiosk UI: outreach workers' PINs and the guard against guessing.
 *
 * A kiosk knows two kinds of worker (docs/kiosk.md, "Outreach workers"):
 * - the region's, managed at the hub (`fieldsync-hub worker`, the console)
 *   and received with every sync into the store's workers table (core's
 *   worker.h), hashes made at the hub;
 * - its own, in DATA/workers.json, {"workers": [{"name", "hash"}]}, edited
 *   by `fieldsync-agent worker add|remove|list`.
 * The hub wins: a name the hub holds for this kiosk's region, live or
 * removed, is decided by the hub's row alone and a local entry of that name
 * is ignored (so a worker removed at the hub cannot go on with an old local
 * PIN). Hashes are Argon2id strings from libsodium's crypto_pwhash_str
 * (core's fs_worker_pin_hash; the PIN itself is never stored). Both are
 * read on every PIN entry and every worker request, so changes need no
 * restart and a removal ends an open session at its next request.
 *
 * The guard (docs/kiosk.md, "Worker PINs"):
 * - per name: after FS_PIN_FREE_TRIES wrong PINs in a row for one name,
 *   that name is locked for FS_PIN_LOCK_BASE_S, doubling with each further
 *   wrong PIN up to FS_PIN_LOCK_MAX_S. Only that name's right PIN resets
 *   its count. Names that are no worker are counted the same way, so the
 *   answers do not tell which names exist.
 * - kiosk-wide: failures of any name draw on a bucket of FS_PIN_KIOSK_BURST
 *   that refills one every FS_PIN_KIOSK_EVERY_S; when it is empty every
 *   attempt waits (at most FS_PIN_KIOSK_EVERY_S once the failures stop). A
 *   right PIN takes nothing from it and gives nothing back.
 * Both run on the monotonic clock (fs_pin_clock_ms), never the wall
 * clock. DATA/pin-guard.json keeps them across restarts as durations still
 * to run, capped on load at FS_PIN_LOCK_MAX_S, so neither a restart, a
 * wrong system clock nor a hostile or stale file can end or stretch a lock. */
#ifndef FIELDSYNC_UI_WORKERS_H
#define FIELDSYNC_UI_WORKERS_H

#include <jansson.h>
#include <stdint.h>

#include "fieldsync/error.h"
#include "fieldsync/store.h"
#include "fieldsync/worker.h" /* the name and PIN rules, the hash */
#include "fieldsync/lockout.h"

#define FS_PIN_FREE_TRIES 3
#define FS_PIN_LOCK_BASE_S 30
#define FS_PIN_LOCK_MAX_S 600      /* no lock, saved or not, is longer */
#define FS_PIN_KIOSK_BURST 20
#define FS_PIN_KIOSK_EVERY_S 6     /* 10 failures a minute once the burst is spent */
#define FS_PIN_GUARD_NAMES 256     /* names tracked, of which at most... */
#define FS_PIN_GUARD_UNKNOWN 64    /* ...this many that are no worker */

/* Add a local worker (DATA/workers.json), or set a new PIN for an existing
 * one. FS_EINVAL for a bad name or a PIN that is not 6 to 12 digits (the
 * message never quotes it). */
int fs_workers_add(const char *dir, const char *name, const char *pin, fs_err *err);

/* FS_ENOTFOUND when there is no such worker. */
int fs_workers_remove(const char *dir, const char *name, fs_err *err);

/* The local workers' names, sorted: *out is a new array of strings. */
int fs_workers_list(json_t **out, const char *dir, fs_err *err);

/* Where a worker's PIN comes from. */
enum fs_worker_source {
	FS_WORKER_NONE = 0, /* no worker of that name (or removed at the hub) */
	FS_WORKER_LOCAL,    /* DATA/workers.json */
	FS_WORKER_CENTRAL   /* the region's, from the hub */
};

typedef struct fs_worker_found {
	enum fs_worker_source source;
	fs_hlc hlc; /* central: the row's last write (a new PIN or a removal changes it) */
	char hash[FS_WORKER_HASH_MAX + 1];
} fs_worker_found;

/* Who name is at this kiosk: the hub's row of (the store's region, name)
 * when there is one (live: central; removed: none), else workers.json.
 * store may be NULL (workers.json only). */
int fs_workers_find(fs_worker_found *out, fs_store *store, const char *dir, const char *name,
		    fs_err *err);

/* Every name that may log in here, the hub's and the local ones, sorted
 * and without repeats: *out is a new array of strings. */
int fs_workers_names(json_t **out, fs_store *store, const char *dir, fs_err *err);

/* Check a PIN: 0 when right, FS_EFORBIDDEN when the worker is unknown or
 * the PIN wrong (one message for both). An unknown name or a malformed PIN
 * is checked against a dummy hash of the same parameters, so every answer
 * takes about as long as one hash. *found (may be NULL) says who name is
 * (fs_workers_find). */
int fs_workers_verify(fs_store *store, const char *dir, const char *name, const char *pin,
		      fs_worker_found *found, fs_err *err);

/* ---- the guard ---- */

/* A name's wrong PINs in a row, lock (fs_pin_clock_ms) and whether it was
 * a worker: fieldsync/lockout.h's entry, the rule shared with the hub
 * console's passwords. */
typedef fs_lockout_name fs_pin_name;

typedef struct fs_pin_guard {
	fs_pin_name names[FS_PIN_GUARD_NAMES];
	unsigned count;
	uint64_t kiosk_tat; /* the bucket as a schedule (GCRA): refills are due until then */
} fs_pin_guard;

/* Milliseconds on CLOCK_BOOTTIME: monotonic, counts suspend, and the wall
 * clock being set does not move it. */
uint64_t fs_pin_clock_ms(void);

/* Load DATA/pin-guard.json (missing: nothing locked), clamping every value
 * (a lock to FS_PIN_LOCK_MAX_S, names to valid ones, counts to the table).
 * A file of the older format (one kiosk-wide count and a wall-clock
 * deadline) becomes a kiosk-wide wait of what was left, at most
 * FS_PIN_LOCK_MAX_S. Also prepares the dummy hash, so the first unknown
 * name costs no more than a wrong PIN. FS_EINVAL when the file is not JSON. */
int fs_pin_guard_load(fs_pin_guard *out, const char *dir, fs_err *err);

enum fs_pin_outcome {
	FS_PIN_RIGHT,     /* a right PIN: the name's count is reset */
	FS_PIN_WRONG,     /* counted; wait_s > 0 when it has just locked the name */
	FS_PIN_LOCKED,    /* the name is locked: not checked, not counted */
	FS_PIN_THROTTLED  /* the kiosk-wide bucket is empty: not checked */
};

typedef struct fs_pin_result {
	enum fs_pin_outcome outcome;
	unsigned wait_s;  /* seconds until the next attempt may be made */
	int short_pin;    /* RIGHT, and shorter than FS_PIN_NEW_MIN: ask to change */
	fs_worker_found who; /* RIGHT: whose PIN it was (the session keeps it) */
} fs_pin_result;

/* One PIN entry through the guard at now_ms (fs_pin_clock_ms): refuse it
 * when throttled or locked, else check it with fs_workers_verify (the
 * hub's workers of store's region, then workers.json; store may be NULL)
 * and count the outcome, saving pin-guard.json when it changed (a failure
 * to save leaves the guard in memory in force). Returns 0 with *res, or an
 * error reading workers.json or the store (nothing counted). */
int fs_pin_guard_check(fs_pin_guard *g, fs_store *store, const char *dir, const char *name,
		       const char *pin, uint64_t now_ms, fs_pin_result *res, fs_err *err);

#endif
