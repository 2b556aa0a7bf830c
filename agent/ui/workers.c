/* fieldsync kiosk UI: worker PINs (Argon2id) and the lockout (workers.h). */
#include "workers.h"

#include <sodium.h>
#include <stdlib.h>
#include <string.h>

#include "ui_file.h"

#define WORKERS_FILE "workers.json"
#define GUARD_FILE "pin-guard.json"

int fs_worker_name_is_valid(const char *name)
{
	size_t i, n = strlen(name);

	if (n < 1 || n > FS_WORKER_NAME_MAX)
		return 0;
	for (i = 0; i < n; i++) {
		char c = name[i];

		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		      c == '.' || c == '_' || c == '-'))
			return 0;
	}
	return 1;
}

int fs_worker_pin_is_valid(const char *pin)
{
	size_t i, n = strlen(pin);

	if (n < FS_PIN_MIN || n > FS_PIN_MAX)
		return 0;
	for (i = 0; i < n; i++)
		if (pin[i] < '0' || pin[i] > '9')
			return 0;
	return 1;
}

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
	char hash[crypto_pwhash_STRBYTES];
	json_t *doc = NULL, *workers, *entry;
	long at;
	int rc;

	if (!fs_worker_name_is_valid(name))
		return fs_err_set(err, FS_EINVAL, "worker name must be 1 to %d letters, digits, "
				  "dots, dashes or underscores", FS_WORKER_NAME_MAX);
	if (!fs_worker_pin_is_valid(pin))
		return fs_err_set(err, FS_EINVAL, "a PIN must be %d to %d digits", FS_PIN_MIN,
				  FS_PIN_MAX);
	if ((rc = sodium_ready(err)) != 0)
		return rc;
	if (crypto_pwhash_str(hash, pin, strlen(pin), crypto_pwhash_OPSLIMIT_INTERACTIVE,
			      crypto_pwhash_MEMLIMIT_INTERACTIVE) != 0)
		return fs_err_set(err, FS_ENOMEM, "not enough memory to hash the PIN");
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

int fs_workers_verify(const char *dir, const char *name, const char *pin, fs_err *err)
{
	json_t *doc = NULL;
	const char *hash;
	long at;
	int rc;

	if ((rc = sodium_ready(err)) != 0)
		return rc;
	if ((rc = load_workers(&doc, dir, err)) != 0)
		return rc;
	at = find_worker(json_object_get(doc, "workers"), name);
	hash = at < 0 ? NULL
		      : json_string_value(json_object_get(
				json_array_get(json_object_get(doc, "workers"), (size_t)at), "hash"));
	if (hash == NULL || !fs_worker_pin_is_valid(pin) ||
	    crypto_pwhash_str_verify(hash, pin, strlen(pin)) != 0)
		rc = fs_err_set(err, FS_EFORBIDDEN, "wrong worker name or PIN");
	json_decref(doc);
	return rc;
}

int fs_pin_guard_load(fs_pin_guard *out, const char *dir, fs_err *err)
{
	json_t *doc = NULL;
	int rc = ui_file_read(&doc, dir, GUARD_FILE, err);

	memset(out, 0, sizeof(*out));
	if (rc != 0 || doc == NULL)
		return rc;
	out->failures = (unsigned)json_integer_value(json_object_get(doc, "failures"));
	out->locked_until_ms = (uint64_t)json_integer_value(json_object_get(doc, "locked_until_ms"));
	json_decref(doc);
	return 0;
}

static int guard_save(const fs_pin_guard *g, const char *dir, fs_err *err)
{
	json_t *doc = json_pack("{s:I, s:I}", "failures", (json_int_t)g->failures,
				"locked_until_ms", (json_int_t)g->locked_until_ms);
	int rc;

	if (doc == NULL)
		return fs_err_set(err, FS_ENOMEM, "out of memory");
	rc = ui_file_write(dir, GUARD_FILE, doc, err);
	json_decref(doc);
	return rc;
}

unsigned fs_pin_guard_wait_s(const fs_pin_guard *g, uint64_t now_ms)
{
	if (g->locked_until_ms <= now_ms)
		return 0;
	return (unsigned)((g->locked_until_ms - now_ms + 999) / 1000);
}

int fs_pin_guard_failed(fs_pin_guard *g, const char *dir, uint64_t now_ms, fs_err *err)
{
	g->failures++;
	if (g->failures >= FS_PIN_FREE_TRIES) {
		unsigned shift = g->failures - FS_PIN_FREE_TRIES;
		uint64_t lock_s = shift >= 7 ? FS_PIN_LOCK_MAX_S : (uint64_t)FS_PIN_LOCK_BASE_S << shift;

		if (lock_s > FS_PIN_LOCK_MAX_S)
			lock_s = FS_PIN_LOCK_MAX_S;
		g->locked_until_ms = now_ms + lock_s * 1000;
	}
	return guard_save(g, dir, err);
}

int fs_pin_guard_passed(fs_pin_guard *g, const char *dir, fs_err *err)
{
	if (g->failures == 0 && g->locked_until_ms == 0)
		return 0;
	memset(g, 0, sizeof(*g));
	return guard_save(g, dir, err);
}
