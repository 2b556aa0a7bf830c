/* fieldsync kiosk UI: worker PINs (Argon2id) and the guard (workers.h). */
#include "workers.h"

#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "ui_file.h"

#define WORKERS_FILE "workers.json"
#define GUARD_FILE "pin-guard.json"

/* workers.json as an object with a "workers" array (new reference). */
static int load_workers(json_t **out, const char *dir, fs_err *err)
{
	json_t *doc = NULL;
	int rc = ui_file_read(&doc, dir, WORKERS_FILE, err);

	if (rc != 0)
		return rc;
	if (doc == NULL)
		doc = json_pack("{s:[]}", "workers");
	if (doc == NULL)
		return fs_err_set(err, FS_ENOMEM, "out of memory");
	if (!json_is_array(json_object_get(doc, "workers"))) {
		json_decref(doc);
		return fs_err_set(err, FS_EINVAL, WORKERS_FILE ": \"workers\" must be an array");
	}
	*out = doc;
	return 0;
}

/* Index of name in the workers array, or -1. */
static long find_worker(const json_t *workers, const char *name)
{
	size_t i;

	for (i = 0; i < json_array_size(workers); i++) {
		const char *n = json_string_value(json_object_get(json_array_get(workers, i), "name"));

		if (n != NULL && strcmp(n, name) == 0)
			return (long)i;
	}
	return -1;
}

static int sodium_ready(fs_err *err)
{
	if (sodium_init() < 0)
		return fs_err_set(err, FS_EGENERIC, "libsodium failed to initialise");
	return 0;
}

int fs_workers_add(const char *dir, const char *name, const char *pin, fs_err *err)
{
	char hash[FS_WORKER_HASH_MAX + 1];
	json_t *doc = NULL, *workers, *entry;
	long at;
	int rc;

	if (!fs_worker_name_is_valid(name))
		return fs_err_set(err, FS_EINVAL, "worker name must be 1 to %d letters, digits, "
				  "dots, dashes or underscores", FS_WORKER_NAME_MAX);
	if ((rc = fs_worker_pin_hash(hash, pin, err)) != 0)
		return rc;
	if ((rc = load_workers(&doc, dir, err)) != 0)
		goto cleanup;
	workers = json_object_get(doc, "workers");
	entry = json_pack("{s:s, s:s}", "name", name, "hash", hash);
	at = find_worker(workers, name);
	if (entry == NULL ||
	    (at >= 0 ? json_array_set_new(workers, (size_t)at, entry)
		     : json_array_append_new(workers, entry)) != 0) {
		rc = fs_err_set(err, FS_ENOMEM, "out of memory");
		goto cleanup;
	}
	rc = ui_file_write(dir, WORKERS_FILE, doc, err);
cleanup:
	sodium_memzero(hash, sizeof(hash));
	json_decref(doc);
	return rc;
}

int fs_workers_remove(const char *dir, const char *name, fs_err *err)
{
	json_t *doc = NULL;
	long at;
	int rc;

	if ((rc = load_workers(&doc, dir, err)) != 0)
		return rc;
	at = find_worker(json_object_get(doc, "workers"), name);
	if (at < 0)
		rc = fs_err_set(err, FS_ENOTFOUND, "no worker \"%.64s\"", name);
	else if (json_array_remove(json_object_get(doc, "workers"), (size_t)at) != 0)
		rc = fs_err_set(err, FS_EGENERIC, "cannot remove the worker");
	else
		rc = ui_file_write(dir, WORKERS_FILE, doc, err);
	json_decref(doc);
	return rc;
}

static int by_string(const void *a, const void *b)
{
	return strcmp(json_string_value(*(json_t *const *)a), json_string_value(*(json_t *const *)b));
}

int fs_workers_list(json_t **out, const char *dir, fs_err *err)
{
	json_t *doc = NULL, *names = NULL, *w, *items[1024];
	size_t i, n = 0;
	int rc;

	*out = NULL;
	if ((rc = load_workers(&doc, dir, err)) != 0)
		return rc;
	json_array_foreach(json_object_get(doc, "workers"), i, w) {
		if (json_is_string(json_object_get(w, "name")) && n < 1024)
			items[n++] = json_object_get(w, "name");
	}
	qsort(items, n, sizeof(items[0]), by_string);
	names = json_array();
	for (i = 0; names != NULL && i < n; i++)
		json_array_append(names, items[i]);
	json_decref(doc);
	if (names == NULL)
		return fs_err_set(err, FS_ENOMEM, "out of memory");
	*out = names;
	return 0;
}

/* The hash an unknown name is checked against: same parameters as
 * fs_workers_add, of a random secret nobody kept, so no PIN can match it
 * (and a match would be refused anyway). A constant, because making one
 * at start took Argon2id's 64 MiB at every start of the UI, eight times
 * the rest of the agent (docs/performance.md, issue 14). Made afresh, once,
 * only if libsodium's interactive parameters ever differ from these. */
static const char dummy_fixed[crypto_pwhash_STRBYTES] =
    "$argon2id$v=19$m=65536,t=2,p=1$BMPljkgQUHD2oVx98S5rGA$"
    "+DSdXOdmgRlTpyLBVj8gmt0JZ8bmw0dJJeEBFD+sT+w";
static char dummy_hash[crypto_pwhash_STRBYTES];

static int dummy_ready(fs_err *err)
{
	unsigned char secret[32];
	int rc = 0;

	if (dummy_hash[0] != '\0')
		return 0;
	if (crypto_pwhash_str_needs_rehash(dummy_fixed, crypto_pwhash_OPSLIMIT_INTERACTIVE,
					   crypto_pwhash_MEMLIMIT_INTERACTIVE) == 0) {
		snprintf(dummy_hash, sizeof(dummy_hash), "%s", dummy_fixed);
		return 0;
	}
	randombytes_buf(secret, sizeof(secret));
	if (crypto_pwhash_str(dummy_hash, (const char *)secret, sizeof(secret),
			      crypto_pwhash_OPSLIMIT_INTERACTIVE,
			      crypto_pwhash_MEMLIMIT_INTERACTIVE) != 0) {
		dummy_hash[0] = '\0';
		rc = fs_err_set(err, FS_ENOMEM, "not enough memory to hash a PIN");
	}
	sodium_memzero(secret, sizeof(secret));
	return rc;
}

int fs_workers_find(fs_worker_found *out, fs_store *store, const char *dir, const char *name,
		    fs_err *err)
{
	json_t *doc = NULL;
	const char *hash;
	fs_worker w;
	long at;
	int rc;

	memset(out, 0, sizeof(*out));
	if (!fs_worker_name_is_valid(name))
		return 0;
	if (store != NULL && fs_store_region(store)[0] != '\0') {
		rc = fs_worker_get(store, &w, fs_store_region(store), name, err);
		if (rc == 0) {
			/* The hub's row decides, removed or not. */
			if (!w.removed) {
				out->source = FS_WORKER_CENTRAL;
				out->hlc = w.hlc;
				snprintf(out->hash, sizeof(out->hash), "%s", w.pin_hash);
			}
			return 0;
		}
		if (rc != FS_ENOTFOUND)
			return rc;
	}
	if ((rc = load_workers(&doc, dir, err)) != 0)
		return rc;
	at = find_worker(json_object_get(doc, "workers"), name);
	hash = at < 0 ? NULL
		      : json_string_value(json_object_get(
				json_array_get(json_object_get(doc, "workers"), (size_t)at), "hash"));
	if (hash != NULL && strlen(hash) <= FS_WORKER_HASH_MAX) {
		out->source = FS_WORKER_LOCAL;
		snprintf(out->hash, sizeof(out->hash), "%s", hash);
	}
	json_decref(doc);
	return 0;
}

static int add_central(void *ctx, const char *name)
{
	return json_array_append_new(ctx, json_string(name)) != 0 ? FS_ENOMEM : 0;
}

int fs_workers_names(json_t **out, fs_store *store, const char *dir, fs_err *err)
{
	json_t *local = NULL, *central = NULL, *names = NULL, *v, *cv, *items[2048];
	size_t i, n = 0;
	int rc;

	*out = NULL;
	if ((rc = fs_workers_list(&local, dir, err)) != 0)
		return rc;
	if (store != NULL && fs_store_region(store)[0] != '\0')
		rc = fs_worker_list(store, &central, fs_store_region(store), 1, err);
	names = json_array();
	if (rc == 0 && names == NULL)
		rc = fs_err_set(err, FS_ENOMEM, "out of memory");
	/* The hub's live names; a local name only when the hub has none of it. */
	json_array_foreach(central, i, v) {
		if (rc == 0 && !json_is_true(json_object_get(v, "removed")))
			rc = add_central(names, json_string_value(json_object_get(v, "name")));
	}
	json_array_foreach(local, i, v) {
		size_t k;
		int held = 0;

		json_array_foreach(central, k, cv)
			if (strcmp(json_string_value(json_object_get(cv, "name")),
				   json_string_value(v)) == 0)
				held = 1;
		if (rc == 0 && !held)
			rc = add_central(names, json_string_value(v));
	}
	json_decref(local);
	json_decref(central);
	if (rc != 0) {
		json_decref(names);
		return rc == FS_ENOMEM ? fs_err_set(err, FS_ENOMEM, "out of memory") : rc;
	}
	json_array_foreach(names, i, v) {
		if (n < sizeof(items) / sizeof(items[0]))
			items[n++] = v;
	}
	qsort(items, n, sizeof(items[0]), by_string);
	*out = json_array();
	for (i = 0; *out != NULL && i < n; i++)
		json_array_append(*out, items[i]);
	json_decref(names);
	if (*out == NULL)
		return fs_err_set(err, FS_ENOMEM, "out of memory");
	return 0;
}

int fs_workers_verify(fs_store *store, const char *dir, const char *name, const char *pin,
		      fs_worker_found *found, fs_err *err)
{
	fs_worker_found f;
	const char *hash;
	int rc, right;

	if (found != NULL)
		memset(found, 0, sizeof(*found));
	if ((rc = sodium_ready(err)) != 0 || (rc = dummy_ready(err)) != 0)
		return rc;
	if ((rc = fs_workers_find(&f, store, dir, name, err)) != 0)
		return rc;
	if (found != NULL)
		*found = f;
	/* Always one verification, so that the time taken tells nothing. */
	hash = f.source != FS_WORKER_NONE && fs_worker_pin_is_valid(pin) ? f.hash : dummy_hash;
	right = crypto_pwhash_str_verify(hash, pin, strlen(pin)) == 0 && hash != dummy_hash;
	sodium_memzero(f.hash, sizeof(f.hash));
	if (!right)
		return fs_err_set(err, FS_EFORBIDDEN, "wrong worker name or PIN");
	return 0;
}

/* ---- the guard ---- */

#define GUARD_VERSION 2
#define FAILURES_MAX 1000u /* enough to stay at the longest lock */
#define EVERY_MS ((uint64_t)FS_PIN_KIOSK_EVERY_S * 1000u)
#define LOCK_MAX_MS ((uint64_t)FS_PIN_LOCK_MAX_S * 1000u)
/* The bucket lets an attempt through while its schedule runs at most this
 * far ahead of now (GCRA: BURST - 1 refills). */
#define KIOSK_SLACK_MS ((uint64_t)(FS_PIN_KIOSK_BURST - 1) * EVERY_MS)

uint64_t fs_pin_clock_ms(void)
{
	struct timespec ts;

	if (clock_gettime(CLOCK_BOOTTIME, &ts) != 0)
		clock_gettime(CLOCK_MONOTONIC, &ts);
	/* +1 s so that 0 can mean "never". */
	return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u + 1000u;
}

static unsigned ceil_s(uint64_t ms)
{
	return (unsigned)((ms + 999) / 1000);
}

/* A duration read from the file: non-negative integer milliseconds, at most
 * max; anything else counts as 0. */
static uint64_t saved_ms(const json_t *v, uint64_t max)
{
	json_int_t n;

	if (json_is_real(v)) /* 9e18 and the like */
		return json_real_value(v) > 0 ? max : 0;
	if (!json_is_integer(v) || (n = json_integer_value(v)) <= 0)
		return 0;
	return (uint64_t)n > max ? max : (uint64_t)n;
}

/* The per-name rule (fieldsync/lockout.h, the console's too) with the
 * kiosk's numbers. */
static const fs_lockout_rule pin_rule = {FS_PIN_FREE_TRIES, FS_PIN_LOCK_BASE_S, FS_PIN_LOCK_MAX_S,
					 FS_PIN_GUARD_NAMES, FS_PIN_GUARD_UNKNOWN};

static fs_pin_name *find_name(fs_pin_guard *g, const char *name)
{
	return fs_lockout_find(g->names, g->count, name);
}

static void drop_name(fs_pin_guard *g, fs_pin_name *e)
{
	fs_lockout_drop(g->names, &g->count, e);
}

/* A new entry for name; unknown names can never push a worker's count out
 * (fs_lockout_add). */
static fs_pin_name *add_name(fs_pin_guard *g, const char *name, int known)
{
	return fs_lockout_add(g->names, &g->count, &pin_rule, name, known);
}

static int guard_save(const fs_pin_guard *g, const char *dir, uint64_t now, fs_err *err)
{
	json_t *doc = NULL, *names = json_array();
	unsigned i;
	int rc;

	for (i = 0; names != NULL && i < g->count; i++) {
		const fs_pin_name *e = &g->names[i];
		uint64_t left = e->locked_until > now ? e->locked_until - now : 0;

		if (json_array_append_new(names, json_pack("{s:s, s:b, s:I, s:I}", "name", e->name,
							   "known", e->known, "failures",
							   (json_int_t)e->failures, "lock_ms",
							   (json_int_t)left)) != 0) {
			json_decref(names);
			names = NULL;
		}
	}
	if (names != NULL)
		doc = json_pack("{s:i, s:I, s:o}", "version", GUARD_VERSION, "kiosk_backlog_ms",
				(json_int_t)(g->kiosk_tat > now ? g->kiosk_tat - now : 0), "names",
				names);
	if (doc == NULL)
		return fs_err_set(err, FS_ENOMEM, "out of memory");
	rc = ui_file_write(dir, GUARD_FILE, doc, err);
	json_decref(doc);
	return rc;
}

/* The older format: {"failures", "locked_until_ms"}, one kiosk-wide lock
 * until a wall-clock time. What was left of it, read once against the wall
 * clock and capped, becomes a kiosk-wide wait; the count is dropped (it
 * named nobody). */
static void load_old(fs_pin_guard *g, const json_t *doc, uint64_t now)
{
	struct timespec ts;
	uint64_t wall, until = saved_ms(json_object_get(doc, "locked_until_ms"), UINT64_MAX / 2);

	clock_gettime(CLOCK_REALTIME, &ts);
	wall = (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
	if (until > wall)
		g->kiosk_tat = now + KIOSK_SLACK_MS + (until - wall > LOCK_MAX_MS ? LOCK_MAX_MS
										  : until - wall);
}

int fs_pin_guard_load(fs_pin_guard *out, const char *dir, fs_err *err)
{
	json_t *doc = NULL, *names, *v;
	uint64_t now = fs_pin_clock_ms();
	size_t i;
	int rc;

	memset(out, 0, sizeof(*out));
	if ((rc = sodium_ready(err)) != 0 || (rc = dummy_ready(err)) != 0)
		return rc;
	if ((rc = ui_file_read(&doc, dir, GUARD_FILE, err)) != 0 || doc == NULL)
		return rc;
	if (json_integer_value(json_object_get(doc, "version")) != GUARD_VERSION) {
		load_old(out, doc, now);
		json_decref(doc);
		return 0;
	}
	out->kiosk_tat = now + saved_ms(json_object_get(doc, "kiosk_backlog_ms"),
					KIOSK_SLACK_MS + LOCK_MAX_MS);
	names = json_object_get(doc, "names");
	json_array_foreach(names, i, v) {
		const char *name = json_string_value(json_object_get(v, "name"));
		int known = json_is_true(json_object_get(v, "known"));
		uint64_t lock = saved_ms(json_object_get(v, "lock_ms"), LOCK_MAX_MS);
		uint64_t failures = saved_ms(json_object_get(v, "failures"), FAILURES_MAX);
		fs_pin_name *e;

		if (name == NULL || !fs_worker_name_is_valid(name) || failures == 0 ||
		    find_name(out, name) != NULL)
			continue;
		e = add_name(out, name, known);
		e->failures = (unsigned)failures;
		e->locked_until = lock > 0 ? now + lock : 0;
	}
	json_decref(doc);
	return 0;
}

int fs_pin_guard_check(fs_pin_guard *g, fs_store *store, const char *dir, const char *name,
		       const char *pin, uint64_t now, fs_pin_result *res, fs_err *err)
{
	fs_err serr = {0, ""};
	fs_pin_name *e = NULL;
	fs_worker_found who;
	int rc, known = 0, valid_name = fs_worker_name_is_valid(name);

	memset(res, 0, sizeof(*res));
	if (g->kiosk_tat > now + KIOSK_SLACK_MS) {
		res->outcome = FS_PIN_THROTTLED;
		res->wait_s = ceil_s(g->kiosk_tat - now - KIOSK_SLACK_MS);
		return 0;
	}
	if (valid_name)
		e = find_name(g, name);
	if (e != NULL && e->locked_until > now) {
		res->outcome = FS_PIN_LOCKED;
		res->wait_s = ceil_s(e->locked_until - now);
		return 0;
	}
	rc = fs_workers_verify(store, dir, name, pin, &who, err);
	known = who.source != FS_WORKER_NONE;
	if (rc == 0) {
		res->outcome = FS_PIN_RIGHT;
		res->who = who;
		res->who.hash[0] = '\0';
		res->short_pin = strlen(pin) < FS_PIN_NEW_MIN;
		if (e != NULL) {
			drop_name(g, e);
			(void)guard_save(g, dir, now, &serr);
		}
		return 0;
	}
	if (rc != FS_EFORBIDDEN)
		return rc;
	res->outcome = FS_PIN_WRONG;
	g->kiosk_tat = (g->kiosk_tat > now ? g->kiosk_tat : now) + EVERY_MS;
	if (valid_name) {
		uint64_t lock;

		if (e == NULL)
			e = add_name(g, name, known);
		lock = fs_lockout_fail(e, &pin_rule, known, now);
		if (lock > 0)
			res->wait_s = ceil_s(lock);
	}
	(void)guard_save(g, dir, now, &serr);
	return 0;
}
