/* Outreach workers (worker.h): the name and PIN rules, the hash, and the
 * hub's writes of the replicated table (backend.h worker_*). */
#include "fieldsync/worker.h"

#include <sodium.h>
#include <stdio.h>
#include <string.h>

#include "fieldsync/records.h"
#include "store_internal.h"

#define OPSLIMIT crypto_pwhash_OPSLIMIT_INTERACTIVE
#define MEMLIMIT crypto_pwhash_MEMLIMIT_INTERACTIVE
#define ARGON2ID_PREFIX "$argon2id$"

int fs_worker_name_is_valid(const char *name)
{
	size_t i, n = name != NULL ? strlen(name) : 0;

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

static int pin_digits(const char *pin, size_t min)
{
	size_t i, n = pin != NULL ? strlen(pin) : 0;

	if (n < min || n > FS_PIN_MAX)
		return 0;
	for (i = 0; i < n; i++)
		if (pin[i] < '0' || pin[i] > '9')
			return 0;
	return 1;
}

int fs_worker_pin_is_valid(const char *pin)
{
	return pin_digits(pin, FS_PIN_MIN);
}

int fs_worker_new_pin_is_valid(const char *pin)
{
	return pin_digits(pin, FS_PIN_NEW_MIN);
}

int fs_worker_pin_hash(char out[FS_WORKER_HASH_MAX + 1], const char *pin, fs_err *err)
{
	char hash[crypto_pwhash_STRBYTES];

	out[0] = '\0';
	if (!fs_worker_new_pin_is_valid(pin))
		return fs_err_set(err, FS_EINVAL, "a PIN must be %d to %d digits", FS_PIN_NEW_MIN,
				  FS_PIN_MAX);
	if (sodium_init() < 0)
		return fs_err_set(err, FS_EGENERIC, "libsodium failed to initialise");
	if (crypto_pwhash_str(hash, pin, strlen(pin), OPSLIMIT, MEMLIMIT) != 0)
		return fs_err_set(err, FS_ENOMEM, "not enough memory to hash the PIN");
	snprintf(out, FS_WORKER_HASH_MAX + 1, "%s", hash);
	sodium_memzero(hash, sizeof(hash));
	return 0;
}

int fs_worker_hash_is_valid(const char *hash)
{
	size_t i, n = hash != NULL ? strlen(hash) : 0;

	if (n <= strlen(ARGON2ID_PREFIX) || n > FS_WORKER_HASH_MAX ||
	    strncmp(hash, ARGON2ID_PREFIX, strlen(ARGON2ID_PREFIX)) != 0)
		return 0;
	for (i = 0; i < n; i++)
		if (hash[i] < 0x21 || hash[i] > 0x7e)
			return 0;
	/* 0: a valid string of exactly these parameters (1: others, -1: not one). */
	return crypto_pwhash_str_needs_rehash(hash, OPSLIMIT, MEMLIMIT) == 0;
}

int fs_worker_pin_matches(const char *hash, const char *pin)
{
	if (sodium_init() < 0 || !fs_worker_hash_is_valid(hash) || pin == NULL)
		return 0;
	return crypto_pwhash_str_verify(hash, pin, strlen(pin)) == 0;
}

/* ---- the replicated table ---- */

#define WORKERS fs_table_desc_of(FS_TABLE_WORKERS)

static void copy_row(fs_worker *out, const fs_record_row *r)
{
	const char *hash = r->col[FS_WORKER_PIN_HASH].text;

	memset(out, 0, sizeof(*out));
	snprintf(out->region, sizeof(out->region), "%s", r->col[FS_WORKER_REGION].text);
	snprintf(out->name, sizeof(out->name), "%s", r->col[FS_WORKER_NAME].text);
	snprintf(out->pin_hash, sizeof(out->pin_hash), "%s", !r->deleted && hash ? hash : "");
	out->removed = r->deleted;
	out->hlc = r->hlc;
	snprintf(out->site, sizeof(out->site), "%s", r->site ? r->site : "");
}

int fs_worker_get(fs_store *s, fs_worker *out, const char *region, const char *name,
		  fs_err *err)
{
	fs_record_row key = {{{region, 0}, {name, 0}}, 0, 0, NULL, 0}, r;
	int rc;

	memset(out, 0, sizeof(*out));
	rc = s->ops->record_get(s->b, WORKERS, &key, &r, err);
	if (rc == 0)
		copy_row(out, &r);
	return rc;
}

static int hub_only(fs_store *s, const char *region, const char *name, fs_err *err)
{
	if (s->region[0] != '\0')
		return fs_err_set(err, FS_EINVAL,
				  "outreach workers are managed at the hub, not on a kiosk");
	if (!fs_name_is_valid(region))
		return fs_err_set(err, FS_EINVAL, "region must match [a-z0-9][a-z0-9-]{0,63}");
	if (!fs_worker_name_is_valid(name))
		return fs_err_set(err, FS_EINVAL,
				  "worker name must be 1 to %d letters, digits, dots, dashes or "
				  "underscores",
				  FS_WORKER_NAME_MAX);
	return 0;
}

/* Write (region, name) as live with pin_hash, or as a tombstone (NULL). */
static int put(fs_store *s, const char *region, const char *name, const char *pin_hash,
	       int *was_live, fs_err *err)
{
	fs_record_row have, row = {{{region, 0}, {name, 0}, {pin_hash, 0}}, 0, 0, NULL, 0};
	int rc, changed = 0;

	*was_live = 0;
	rc = fs_txn_begin(s, err);
	if (rc != 0)
		return rc;
	rc = s->ops->record_get(s->b, WORKERS, &row, &have, err);
	if (rc == 0)
		*was_live = !have.deleted;
	if (rc == FS_ENOTFOUND)
		rc = 0;
	if (rc == 0 && pin_hash == NULL && !*was_live)
		rc = fs_err_set(err, FS_ENOTFOUND, "no worker \"%s\" in region %s", name, region);
	if (rc == 0) {
		row.deleted = pin_hash == NULL;
		row.hlc = fs_txn_tick(s);
		row.site = s->site;
		row.seq = fs_txn_next_seq(s);
		rc = s->ops->record_put(s->b, WORKERS, &row, &changed, err);
	}
	if (rc == 0 && !changed)
		rc = fs_err_set(err, FS_ECONFLICT,
				"worker \"%s\": a later write is stored; try again", name);
	if (rc == 0)
		rc = fs_txn_commit(s, err);
	else
		fs_txn_rollback(s);
	return rc;
}

int fs_worker_set(fs_store *hub, const char *region, const char *name, const char *pin_hash,
		  int *existed, fs_err *err)
{
	int live = 0, rc = hub_only(hub, region, name, err);

	if (existed != NULL)
		*existed = 0;
	if (rc != 0)
		return rc;
	if (!fs_worker_hash_is_valid(pin_hash))
		return fs_err_set(err, FS_EINVAL,
				  "the PIN hash is not an Argon2id string of the interactive "
				  "limits (make it with fs_worker_pin_hash)");
	rc = put(hub, region, name, pin_hash, &live, err);
	if (rc == 0 && existed != NULL)
		*existed = live;
	return rc;
}

int fs_worker_remove(fs_store *hub, const char *region, const char *name, fs_err *err)
{
	int live = 0, rc = hub_only(hub, region, name, err);

	if (rc != 0)
		return rc;
	return put(hub, region, name, NULL, &live, err);
}

typedef struct list_ctx {
	json_t *out;
	int with_removed;
} list_ctx;

static int list_one(void *ctx, const fs_record_row *r)
{
	list_ctx *l = ctx;
	char when[FS_TIMESTAMP_LEN + 1];

	if (r->deleted && !l->with_removed)
		return 0;
	fs_timestamp_format(when, fs_hlc_ms(r->hlc));
	return json_array_append_new(l->out, json_pack("{s:s, s:s, s:b, s:s}", "region",
						       r->col[FS_WORKER_REGION].text, "name",
						       r->col[FS_WORKER_NAME].text, "removed",
						       r->deleted, "updated_at", when)) != 0
		       ? FS_ENOMEM
		       : 0;
}

int fs_worker_list(fs_store *s, json_t **out, const char *region, int with_removed,
		   fs_err *err)
{
	list_ctx l = {json_array(), with_removed};
	int rc;

	*out = NULL;
	if (l.out == NULL)
		return fs_err_set(err, FS_ENOMEM, "out of memory");
	rc = s->ops->record_each(s->b, WORKERS, region, list_one, &l, err);
	if (rc == FS_ENOMEM)
		fs_err_set(err, FS_ENOMEM, "workers: out of memory");
	if (rc != 0) {
		json_decref(l.out);
		return rc;
	}
	*out = l.out;
	return 0;
}
