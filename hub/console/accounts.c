/* fieldsync-hub console: accounts and API tokens (accounts.h). */
#include "accounts.h"

#include <pthread.h>
#include <sodium.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "audit.h"
#include "fieldsync/records.h"

/* ---- names, roles, regions ---- */

int console_name_is_valid(const char *name)
{
	size_t i, n = strlen(name);

	if (n < 1 || n > FS_ACCOUNT_NAME_MAX)
		return 0;
	for (i = 0; i < n; i++) {
		char c = name[i];

		if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' || c == '_' ||
		      c == '-'))
			return 0;
	}
	return 1;
}

const char *console_role_name(console_role r)
{
	switch (r) {
	case CONSOLE_VIEWER:
		return "viewer";
	case CONSOLE_ANALYST:
		return "analyst";
	case CONSOLE_ADMIN:
		return "admin";
	}
	return "?";
}

int console_role_parse(console_role *out, const char *text)
{
	console_role r;

	for (r = CONSOLE_VIEWER; r <= CONSOLE_ADMIN; r++)
		if (text != NULL && strcmp(text, console_role_name(r)) == 0) {
			*out = r;
			return 0;
		}
	return FS_EINVAL;
}

int console_user_sees_region(const console_user *u, const char *region)
{
	size_t i;

	if (u->nregions == 0)
		return 1;
	for (i = 0; i < u->nregions; i++)
		if (region != NULL && strcmp(u->regions[i], region) == 0)
			return 1;
	return 0;
}

int console_regions_check(const json_t *regions, fs_err *err)
{
	size_t i, j;
	json_t *v;

	if (regions == NULL)
		return 0;
	if (!json_is_array(regions))
		return fs_err_set(err, FS_EINVAL, "regions must be a list of region names");
	if (json_array_size(regions) > CONSOLE_USER_REGIONS_MAX)
		return fs_err_set(err, FS_EINVAL, "at most %d regions per user",
		                  CONSOLE_USER_REGIONS_MAX);
	json_array_foreach(regions, i, v) {
		const char *r = json_string_value(v);

		if (r == NULL || !fs_name_is_valid(r))
			return fs_err_set(err, FS_EINVAL,
			                  "region %zu must match [a-z0-9][a-z0-9-]{0,63}", i + 1);
		for (j = 0; j < i; j++)
			if (strcmp(json_string_value(json_array_get(regions, j)), r) == 0)
				return fs_err_set(err, FS_EINVAL, "region %s is given twice", r);
	}
	return 0;
}

/* ---- time ---- */

uint64_t console_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

json_t *console_time_json(uint64_t ms)
{
	char text[FS_TIMESTAMP_LEN + 1];

	if (ms == 0)
		return json_null();
	fs_timestamp_format(text, ms);
	return json_string(text);
}

/* ---- hashing ---- */

static atomic_int hashes_running;

int console_hash_begin(fs_err *err)
{
	if (atomic_fetch_add(&hashes_running, 1) >= CONSOLE_HASHES_AT_ONCE) {
		atomic_fetch_sub(&hashes_running, 1);
		return fs_err_set(err, FS_EBUSY,
		                  "the console is busy checking other passwords; try again in a "
		                  "moment");
	}
	return 0;
}

void console_hash_end(void)
{
	atomic_fetch_sub(&hashes_running, 1);
}

static int sodium_ready(fs_err *err)
{
	if (sodium_init() < 0)
		return fs_err_set(err, FS_EGENERIC, "libsodium failed to initialise");
	return 0;
}

static int password_ok(const char *password, fs_err *err)
{
	size_t n = password != NULL ? strlen(password) : 0;

	if (n < CONSOLE_PASSWORD_MIN || n > CONSOLE_PASSWORD_MAX)
		return fs_err_set(err, FS_EINVAL, "a password must be %d to %d bytes long",
		                  CONSOLE_PASSWORD_MIN, CONSOLE_PASSWORD_MAX);
	return 0;
}

int console_password_hash(char out[FS_ACCOUNT_HASH_MAX + 1], const char *password, fs_err *err)
{
	char hash[crypto_pwhash_STRBYTES];
	int rc = password_ok(password, err);

	out[0] = '\0';
	if (rc == 0)
		rc = sodium_ready(err);
	if (rc == 0)
		rc = console_hash_begin(err);
	if (rc != 0)
		return rc;
	if (crypto_pwhash_str(hash, password, strlen(password), crypto_pwhash_OPSLIMIT_INTERACTIVE,
	                      crypto_pwhash_MEMLIMIT_INTERACTIVE) != 0)
		rc = fs_err_set(err, FS_ENOMEM, "not enough memory to hash the password");
	console_hash_end();
	if (rc == 0)
		snprintf(out, FS_ACCOUNT_HASH_MAX + 1, "%s", hash);
	sodium_memzero(hash, sizeof(hash));
	return rc;
}

/* The hash an unknown name is checked against: the same cost, of a
 * random secret no password matches. Made once. */
static char dummy_hash[crypto_pwhash_STRBYTES];
static pthread_once_t dummy_once = PTHREAD_ONCE_INIT;

static void dummy_make(void)
{
	unsigned char secret[32];

	if (sodium_init() < 0)
		return;
	randombytes_buf(secret, sizeof(secret));
	if (crypto_pwhash_str(dummy_hash, (const char *)secret, sizeof(secret),
	                      crypto_pwhash_OPSLIMIT_INTERACTIVE,
	                      crypto_pwhash_MEMLIMIT_INTERACTIVE) != 0)
		dummy_hash[0] = '\0';
	sodium_memzero(secret, sizeof(secret));
}

int console_password_verify(const char *hash, const char *password)
{
	size_t n = password != NULL ? strlen(password) : 0;
	int right;

	pthread_once(&dummy_once, dummy_make);
	if (password == NULL)
		password = "";
	/* Always one verification of the same cost, so that the time taken
	 * tells nothing of whether the name exists. */
	if (hash == NULL || hash[0] == '\0' || n > CONSOLE_PASSWORD_MAX) {
		if (dummy_hash[0] != '\0' &&
		    crypto_pwhash_str_verify(dummy_hash, password, n > CONSOLE_PASSWORD_MAX ? 0 : n) == 0)
			return 0; /* never: no password matches the dummy's secret */
		return 0;
	}
	right = crypto_pwhash_str_verify(hash, password, n) == 0;
	return right;
}

/* ---- the store ---- */

typedef struct txn {
	fs_store *s;
	const fs_registry_ops *reg;
	fs_backend *b;
} txn;

static int need_registry(txn *t, fs_store *s, fs_err *err)
{
	t->s = s;
	t->reg = fs_store_registry(s);
	t->b = fs_store_backend(s);
	if (t->reg == NULL)
		return fs_err_set(err, FS_EINVAL,
		                  "accounts: this store was not opened as a hub store");
	return 0;
}

static int txn_begin(txn *t, fs_err *err)
{
	return fs_store_ops(t->s)->begin(t->b, FS_TXN_WRITE, err);
}

/* Commit when rc is 0, else roll back; returns the outcome. */
static int txn_end(txn *t, int rc, fs_err *err)
{
	if (rc == 0)
		return fs_store_ops(t->s)->commit(t->b, err);
	fs_store_ops(t->s)->rollback(t->b);
	return rc;
}

static int not_found(fs_err *err, const char *name)
{
	return fs_err_set(err, FS_ENOTFOUND, "no console user %.64s", name);
}

/* Open a write transaction on s and read name's row in it: 0 with the
 * transaction open (end it with txn_end), or an error with none open
 * (FS_ENOTFOUND naming the user). */
static int begin_with(txn *t, fs_store *s, const char *name, fs_account_row *row, fs_err *err)
{
	int rc = need_registry(t, s, err);

	memset(row, 0, sizeof(*row));
	if (rc == 0)
		rc = txn_begin(t, err);
	if (rc != 0)
		return rc;
	rc = t->reg->account_get(t->b, name, row, err);
	if (rc == FS_ENOTFOUND)
		rc = not_found(err, name);
	if (rc != 0)
		txn_end(t, rc, err);
	return rc;
}

typedef struct admin_count {
	long admins;   /* enabled admins */
	long accounts; /* all */
} admin_count;

static int count_row(void *ctx, const fs_account_row *row)
{
	admin_count *c = ctx;

	c->accounts++;
	if (row->role == CONSOLE_ADMIN && !row->disabled)
		c->admins++;
	return 0;
}

static int count_accounts(txn *t, admin_count *out, fs_err *err)
{
	memset(out, 0, sizeof(*out));
	return t->reg->account_each(t->b, count_row, out, err);
}

/* In the transaction: would taking away row's admin rights leave no
 * enabled admin? */
static int last_admin_check(txn *t, const fs_account_row *row, const char *what, fs_err *err)
{
	admin_count c;
	int rc;

	if (row->role != CONSOLE_ADMIN || row->disabled)
		return 0;
	rc = count_accounts(t, &c, err);
	if (rc == 0 && c.admins <= 1)
		rc = fs_err_set(err, FS_EFORBIDDEN,
		                "%s is the last enabled admin: %s would leave nobody to manage the "
		                "console (add another admin first)",
		                row->name, what);
	return rc;
}

static json_t *regions_or_empty(const json_t *regions)
{
	return regions != NULL ? json_deep_copy(regions) : json_array();
}

/* regions as the stored text into out. */
static int regions_text(char out[FS_ACCOUNT_REGIONS_MAX + 1], const json_t *regions, fs_err *err)
{
	json_t *r = regions_or_empty(regions);
	char *text = r != NULL ? json_dumps(r, JSON_COMPACT) : NULL;
	int rc = 0;

	if (text == NULL)
		rc = fs_err_set(err, FS_ENOMEM, "out of memory");
	else if (strlen(text) > FS_ACCOUNT_REGIONS_MAX)
		rc = fs_err_set(err, FS_EINVAL, "the regions are too long");
	else
		snprintf(out, FS_ACCOUNT_REGIONS_MAX + 1, "%s", text);
	free(text);
	json_decref(r);
	return rc;
}

/* Append an audit entry in t's transaction: action with detail (stolen). */
static int audit(txn *t, const char *actor, const char *action, json_t *detail, fs_err *err)
{
	int rc;

	if (detail == NULL)
		return fs_err_set(err, FS_ENOMEM, "out of memory");
	rc = hub_audit_add_in(t->s, actor, action, detail, err);
	json_decref(detail);
	return rc;
}

int console_account_add(fs_store *s, const char *actor, const char *name, console_role role,
                        const json_t *regions, const char *password, fs_err *err)
{
	fs_account_row row;
	admin_count c;
	txn t;
	int rc;

	memset(&row, 0, sizeof(row));
	if (!console_name_is_valid(name))
		return fs_err_set(err, FS_EINVAL,
		                  "a user name must be 1 to %d of a-z, 0-9, '.', '_' and '-'",
		                  FS_ACCOUNT_NAME_MAX);
	if (role < CONSOLE_VIEWER || role > CONSOLE_ADMIN)
		return fs_err_set(err, FS_EINVAL, "role must be viewer, analyst or admin");
	if ((rc = console_regions_check(regions, err)) != 0 ||
	    (rc = regions_text(row.regions, regions, err)) != 0 ||
	    (rc = need_registry(&t, s, err)) != 0)
		return rc;
	/* Hashed before the transaction: the write lock is not held for it. */
	rc = console_password_hash(row.hash, password, err);
	if (rc != 0)
		return rc;
	snprintf(row.name, sizeof(row.name), "%s", name);
	row.role = (int)role;
	row.created_ms = row.password_changed_ms = fs_store_now_ms(s);
	rc = txn_begin(&t, err);
	if (rc != 0)
		goto cleanup;
	rc = count_accounts(&t, &c, err);
	if (rc == 0 && c.accounts >= CONSOLE_USERS_MAX)
		rc = fs_err_set(err, FS_ELIMIT, "the hub has %d console users already",
		                CONSOLE_USERS_MAX);
	if (rc == 0)
		rc = t.reg->account_insert(t.b, &row, err);
	if (rc == FS_ECONFLICT)
		rc = fs_err_set(err, FS_ECONFLICT, "console user %s exists", name);
	if (rc == 0)
		rc = audit(&t, actor, "user_add",
		           json_pack("{s:s, s:s, s:o}", "user", name, "role", console_role_name(role),
		                     "regions", regions_or_empty(regions)),
		           err);
	rc = txn_end(&t, rc, err);
cleanup:
	sodium_memzero(row.hash, sizeof(row.hash));
	return rc;
}

int console_account_remove(fs_store *s, const char *actor, const char *name, fs_err *err)
{
	fs_account_row row;
	txn t;
	int rc = begin_with(&t, s, name, &row, err);

	if (rc != 0)
		return rc;
	rc = last_admin_check(&t, &row, "removing it", err);
	if (rc == 0)
		rc = t.reg->account_delete(t.b, name, err);
	if (rc == 0)
		rc = audit(&t, actor, "user_remove", json_pack("{s:s}", "user", name), err);
	sodium_memzero(row.hash, sizeof(row.hash));
	return txn_end(&t, rc, err);
}

int console_account_change(fs_store *s, const char *actor, const char *name, console_role role,
                           const json_t *regions, fs_err *err)
{
	fs_account_row row;
	json_t *detail;
	txn t;
	int rc;

	if (role < CONSOLE_VIEWER || role > CONSOLE_ADMIN)
		return fs_err_set(err, FS_EINVAL, "role must be viewer, analyst or admin");
	if ((rc = console_regions_check(regions, err)) != 0 ||
	    (rc = begin_with(&t, s, name, &row, err)) != 0)
		return rc;
	if (role != CONSOLE_ADMIN)
		rc = last_admin_check(&t, &row, "making it another role", err);
	if (rc == 0 && regions != NULL)
		rc = regions_text(row.regions, regions, err);
	if (rc == 0) {
		row.role = (int)role;
		rc = t.reg->account_update(t.b, &row, err);
	}
	if (rc == 0) {
		detail = json_pack("{s:s, s:s}", "user", name, "role", console_role_name(role));
		if (detail != NULL && regions != NULL)
			json_object_set_new(detail, "regions", json_deep_copy(regions));
		rc = audit(&t, actor, "user_change", detail, err);
	}
	sodium_memzero(row.hash, sizeof(row.hash));
	return txn_end(&t, rc, err);
}

int console_account_disable(fs_store *s, const char *actor, const char *name, int disabled,
                            fs_err *err)
{
	fs_account_row row;
	txn t;
	int rc = begin_with(&t, s, name, &row, err);

	if (rc != 0)
		return rc;
	if (disabled)
		rc = last_admin_check(&t, &row, "disabling it", err);
	if (rc == 0) {
		row.disabled = disabled != 0;
		rc = t.reg->account_update(t.b, &row, err);
	}
	if (rc == 0 && disabled)
		rc = t.reg->session_delete_user(t.b, name, err);
	if (rc == 0)
		rc = audit(&t, actor, disabled ? "user_disable" : "user_enable",
		           json_pack("{s:s}", "user", name), err);
	sodium_memzero(row.hash, sizeof(row.hash));
	return txn_end(&t, rc, err);
}

int console_account_passwd(fs_store *s, const char *actor, const char *name,
                           const char *password, fs_err *err)
{
	char hash[FS_ACCOUNT_HASH_MAX + 1];
	fs_account_row row;
	txn t;
	int rc = need_registry(&t, s, err);

	memset(&row, 0, sizeof(row));
	if (rc == 0)
		rc = console_password_hash(hash, password, err);
	if (rc != 0)
		return rc;
	rc = begin_with(&t, s, name, &row, err);
	if (rc != 0)
		goto cleanup;
	snprintf(row.hash, sizeof(row.hash), "%s", hash);
	row.password_changed_ms = fs_store_now_ms(s);
	rc = t.reg->account_update(t.b, &row, err);
	/* Whoever held a session with the old password holds none now. */
	if (rc == 0)
		rc = t.reg->session_delete_user(t.b, name, err);
	if (rc == 0)
		rc = audit(&t, actor, "user_passwd", json_pack("{s:s}", "user", name), err);
	rc = txn_end(&t, rc, err);
cleanup:
	sodium_memzero(hash, sizeof(hash));
	sodium_memzero(row.hash, sizeof(row.hash));
	return rc;
}

typedef struct list_ctx {
	json_t *users;  /* array */
	json_t *byname; /* name -> the user's "tokens" array (borrowed) */
} list_ctx;

static int list_row(void *ctx, const fs_account_row *row)
{
	list_ctx *l = ctx;
	json_t *regions = json_loads(row->regions, 0, NULL), *tokens = json_array();
	json_t *u = json_pack("{s:s, s:s, s:o, s:o, s:b, s:o, s:o}", "name", row->name, "role",
	                      console_role_name((console_role)row->role), "regions",
	                      json_is_array(regions) ? json_incref(regions) : json_array(),
	                      "created", console_time_json(row->created_ms), "disabled",
	                      row->disabled, "password_changed",
	                      console_time_json(row->password_changed_ms), "tokens",
	                      json_incref(tokens));

	json_decref(regions);
	if (u == NULL || json_array_append_new(l->users, u) != 0 ||
	    json_object_set(l->byname, row->name, tokens) != 0) {
		json_decref(tokens);
		return FS_ENOMEM;
	}
	json_decref(tokens);
	return 0;
}

static int list_token(void *ctx, const fs_api_token_row *row)
{
	list_ctx *l = ctx;
	json_t *tokens = json_object_get(l->byname, row->user);

	if (tokens == NULL)
		return 0;
	return json_array_append_new(tokens, json_pack("{s:s, s:o}", "id", row->id, "created",
	                                               console_time_json(row->created_ms))) == 0
	           ? 0
	           : FS_ENOMEM;
}

int console_account_list(fs_store *s, json_t **out, fs_err *err)
{
	list_ctx l = {json_array(), json_object()};
	txn t;
	int rc = need_registry(&t, s, err);

	*out = NULL;
	if (rc == 0 && (l.users == NULL || l.byname == NULL))
		rc = fs_err_set(err, FS_ENOMEM, "out of memory");
	if (rc == 0)
		rc = fs_store_ops(s)->begin(t.b, FS_TXN_READ, err);
	if (rc == 0) {
		rc = t.reg->account_each(t.b, list_row, &l, err);
		if (rc == 0)
			rc = t.reg->token_each(t.b, NULL, list_token, &l, err);
		if (rc == FS_ENOMEM)
			rc = fs_err_set(err, FS_ENOMEM, "out of memory");
		if (rc == 0)
			rc = fs_store_ops(s)->commit(t.b, err);
		else
			fs_store_ops(s)->rollback(t.b);
	}
	json_decref(l.byname);
	if (rc != 0) {
		json_decref(l.users);
		return rc;
	}
	*out = l.users;
	return 0;
}

int console_account_get(fs_store *s, const char *name, fs_account_row *out, fs_err *err)
{
	txn t;
	int rc = need_registry(&t, s, err);

	memset(out, 0, sizeof(*out));
	if (rc == 0 && !console_name_is_valid(name))
		return not_found(err, name);
	if (rc == 0)
		rc = t.reg->account_get(t.b, name, out, err);
	if (rc == FS_ENOTFOUND)
		rc = not_found(err, name);
	return rc;
}

int console_account_user(fs_store *s, const char *name, console_user *out, int *disabled,
                         fs_err *err)
{
	fs_account_row row;
	json_t *regions, *v;
	size_t i;
	int rc = console_account_get(s, name, &row, err);

	memset(out, 0, sizeof(*out));
	*disabled = 1;
	sodium_memzero(row.hash, sizeof(row.hash));
	if (rc != 0)
		return rc;
	regions = json_loads(row.regions, 0, NULL);
	if (!json_is_array(regions) || json_array_size(regions) > CONSOLE_USER_REGIONS_MAX ||
	    row.role < CONSOLE_VIEWER || row.role > CONSOLE_ADMIN) {
		json_decref(regions);
		return fs_err_set(err, FS_EGENERIC, "console user %s: role or regions unreadable",
		                  name);
	}
	snprintf(out->name, sizeof(out->name), "%s", row.name);
	out->role = (console_role)row.role;
	json_array_foreach(regions, i, v)
		snprintf(out->regions[out->nregions++], FS_NAME_MAX + 1, "%s",
		         json_string_value(v) != NULL ? json_string_value(v) : "");
	json_decref(regions);
	*disabled = row.disabled;
	return 0;
}

/* ---- API tokens ---- */

static void token_hash(unsigned char out[FS_REGISTRY_HASH_LEN], const char *token)
{
	crypto_generichash(out, FS_REGISTRY_HASH_LEN, (const unsigned char *)token, strlen(token),
	                   NULL, 0);
}

typedef struct token_count {
	const char *user;
	long n;
} token_count;

static int count_token(void *ctx, const fs_api_token_row *row)
{
	token_count *c = ctx;

	(void)row;
	c->n++;
	return 0;
}

int console_token_create(fs_store *s, const char *actor, const char *name,
                         char out[CONSOLE_TOKEN_LEN + 1], char id[FS_ACCOUNT_TOKEN_ID_MAX + 1],
                         fs_err *err)
{
	unsigned char secret[32], rid[6];
	fs_api_token_row row;
	fs_account_row acct;
	token_count c = {name, 0};
	char b64[44];
	txn t;
	int rc = need_registry(&t, s, err);

	out[0] = id[0] = '\0';
	memset(&row, 0, sizeof(row));
	if (rc == 0)
		rc = sodium_ready(err);
	if (rc != 0)
		return rc;
	randombytes_buf(secret, sizeof(secret));
	randombytes_buf(rid, sizeof(rid));
	sodium_bin2base64(b64, sizeof(b64), secret, sizeof(secret),
	                  sodium_base64_VARIANT_URLSAFE_NO_PADDING);
	memcpy(out, CONSOLE_TOKEN_PREFIX, 4);
	memcpy(out + 4, b64, 43);
	out[CONSOLE_TOKEN_LEN] = '\0';
	sodium_bin2hex(row.id, sizeof(row.id), rid, sizeof(rid));
	token_hash(row.hash, out);
	snprintf(row.user, sizeof(row.user), "%s", name);
	row.created_ms = fs_store_now_ms(s);
	rc = txn_begin(&t, err);
	if (rc != 0)
		goto cleanup;
	rc = t.reg->account_get(t.b, name, &acct, err);
	sodium_memzero(acct.hash, sizeof(acct.hash));
	if (rc == FS_ENOTFOUND)
		rc = not_found(err, name);
	if (rc == 0 && acct.disabled)
		rc = fs_err_set(err, FS_EFORBIDDEN, "console user %s is disabled", name);
	if (rc == 0)
		rc = t.reg->token_each(t.b, name, count_token, &c, err);
	if (rc == 0 && c.n >= CONSOLE_TOKENS_PER_USER)
		rc = fs_err_set(err, FS_ELIMIT,
		                "%s has %d API tokens already: revoke one first", name,
		                CONSOLE_TOKENS_PER_USER);
	if (rc == 0)
		rc = t.reg->token_insert(t.b, &row, err);
	if (rc == 0)
		rc = audit(&t, actor, "token_create", json_pack("{s:s, s:s}", "user", name, "token",
		                                                row.id),
		           err);
	rc = txn_end(&t, rc, err);
cleanup:
	sodium_memzero(secret, sizeof(secret));
	sodium_memzero(b64, sizeof(b64));
	if (rc != 0)
		sodium_memzero(out, CONSOLE_TOKEN_LEN + 1);
	else
		snprintf(id, FS_ACCOUNT_TOKEN_ID_MAX + 1, "%s", row.id);
	return rc;
}

int console_token_revoke(fs_store *s, const char *actor, const char *name, const char *id,
                         fs_err *err)
{
	txn t;
	int rc = need_registry(&t, s, err);

	if (rc == 0)
		rc = txn_begin(&t, err);
	if (rc != 0)
		return rc;
	rc = t.reg->token_delete(t.b, name, id, err);
	if (rc == FS_ENOTFOUND)
		rc = fs_err_set(err, FS_ENOTFOUND, "%.64s has no API token %.16s", name, id);
	if (rc == 0)
		rc = audit(&t, actor, "token_revoke", json_pack("{s:s, s:s}", "user", name, "token",
		                                                id),
		           err);
	return txn_end(&t, rc, err);
}

int console_token_owner(fs_store *s, const char *token, char user[FS_ACCOUNT_NAME_MAX + 1],
                        fs_err *err)
{
	unsigned char h[FS_REGISTRY_HASH_LEN];
	fs_api_token_row row;
	txn t;
	size_t i;
	int rc = need_registry(&t, s, err);

	user[0] = '\0';
	if (rc != 0)
		return rc;
	if (strlen(token) != CONSOLE_TOKEN_LEN ||
	    strncmp(token, CONSOLE_TOKEN_PREFIX, strlen(CONSOLE_TOKEN_PREFIX)) != 0)
		return fs_err_set(err, FS_ENOTFOUND, "unknown API token");
	for (i = strlen(CONSOLE_TOKEN_PREFIX); i < CONSOLE_TOKEN_LEN; i++) {
		char ch = token[i];

		if (!((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
		      (ch >= '0' && ch <= '9') || ch == '-' || ch == '_'))
			return fs_err_set(err, FS_ENOTFOUND, "unknown API token");
	}
	if ((rc = sodium_ready(err)) != 0)
		return rc;
	/* Looked up by its hash: the secret itself is never compared. */
	token_hash(h, token);
	rc = t.reg->token_get(t.b, h, &row, err);
	if (rc == FS_ENOTFOUND)
		return fs_err_set(err, FS_ENOTFOUND, "unknown API token");
	if (rc == 0)
		snprintf(user, FS_ACCOUNT_NAME_MAX + 1, "%s", row.user);
	return rc;
}
