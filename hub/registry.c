/* The hub's device registry over the store's registry operations
 * (backend.h fs_registry_ops): the rules are here, the rows in the
 * backend. */
#include "registry.h"
#include "receipts.h"

#include <ctype.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "audit.h"
#include "fieldsync/backend.h"

#define HASH_LEN FS_REGISTRY_HASH_LEN
#define CODE_CHARS 12
#define SECRET_BYTES 32

static const char crockford[] = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";

static int need_sodium(fs_err *err)
{
	if (sodium_init() < 0)
		return fs_err_set(err, FS_EGENERIC, "devices: libsodium failed to initialise");
	return 0;
}

/* Normalize a typed code: drop hyphens and spaces, upper-case, map the
 * letters people confuse (O->0, I/L->1). Returns 0 or -1 when malformed. */
static int normalize_code(char out[CODE_CHARS + 1], const char *code)
{
	size_t n = 0, i;

	for (i = 0; code[i] != '\0'; i++) {
		char c = (char)toupper((unsigned char)code[i]);

		if (c == '-' || c == ' ')
			continue;
		if (c == 'O')
			c = '0';
		else if (c == 'I' || c == 'L')
			c = '1';
		if (strchr(crockford, c) == NULL || c == '\0' || n >= CODE_CHARS)
			return -1;
		out[n++] = c;
	}
	out[n] = '\0';
	return n == CODE_CHARS ? 0 : -1;
}

static void hash_text(unsigned char out[HASH_LEN], const char *text)
{
	crypto_generichash(out, HASH_LEN, (const unsigned char *)text, strlen(text), NULL, 0);
}

/* The registry of a store opened as a hub's (*reg, *b), or FS_EINVAL. */
static int need_registry(fs_store *s, const fs_registry_ops **reg, fs_backend **b, fs_err *err)
{
	*reg = fs_store_registry(s);
	*b = fs_store_backend(s);
	if (*reg == NULL)
		return fs_err_set(err, FS_EINVAL,
				  "devices: this store was not opened as a hub store (no device "
				  "registry)");
	return 0;
}

/* A write transaction of the registry's own: exclusive among the store's
 * writers (as the engine's), though it writes no replicated row, so no
 * change number or clock moves. */
static int txn_begin(fs_store *s, fs_err *err)
{
	return fs_store_ops(s)->begin(fs_store_backend(s), FS_TXN_WRITE, err);
}

static int txn_commit(fs_store *s, fs_err *err)
{
	return fs_store_ops(s)->commit(fs_store_backend(s), err);
}

static void txn_rollback(fs_store *s)
{
	fs_store_ops(s)->rollback(fs_store_backend(s));
}

int hub_enroll_code_create(fs_store *s, char out_code[HUB_ENROLL_CODE_LEN + 1], const char *region,
			  uint64_t ttl_ms, fs_err *err)
{
	return hub_enroll_code_create_as(s, NULL, out_code, region, ttl_ms, err);
}

/* actor, or the CLI's (admin:USER@HOST) when NULL. */
static void actor_or_cli(char out[HUB_AUDIT_ACTOR_MAX + 1], const char *actor)
{
	if (actor != NULL)
		snprintf(out, HUB_AUDIT_ACTOR_MAX + 1, "%s", actor);
	else
		hub_audit_actor_cli(out, HUB_AUDIT_ACTOR_MAX + 1);
}

int hub_enroll_code_create_as(fs_store *s, const char *who, char out_code[HUB_ENROLL_CODE_LEN + 1],
			      const char *region, uint64_t ttl_ms, fs_err *err)
{
	const fs_registry_ops *reg;
	fs_backend *b;
	unsigned char rnd[CODE_CHARS], h[HASH_LEN];
	char plain[CODE_CHARS + 1], actor[HUB_AUDIT_ACTOR_MAX + 1];
	uint64_t now = fs_store_now_ms(s);
	json_t *detail = NULL;
	int rc, i;

	out_code[0] = '\0';
	if (!fs_name_is_valid(region))
		return fs_err_set(err, FS_EINVAL, "region must match [a-z0-9][a-z0-9-]{0,63}");
	if (ttl_ms == 0 || ttl_ms > 30ull * 24 * 3600 * 1000)
		return fs_err_set(err, FS_EINVAL, "expiry must be between 1 ms and 30 days");
	rc = need_registry(s, &reg, &b, err);
	if (rc == 0)
		rc = need_sodium(err);
	if (rc != 0)
		return rc;
	randombytes_buf(rnd, sizeof(rnd));
	for (i = 0; i < CODE_CHARS; i++)
		plain[i] = crockford[rnd[i] & 31];
	plain[CODE_CHARS] = '\0';
	hash_text(h, plain);
	actor_or_cli(actor, who);
	detail = json_pack("{s:s, s:I, s:I}", "region", region, "expires_ms",
			   (json_int_t)(now + ttl_ms), "ttl_s", (json_int_t)(ttl_ms / 1000));
	rc = detail ? txn_begin(s, err) : fs_err_set(err, FS_ENOMEM, "out of memory");
	if (rc == 0) {
		rc = reg->code_insert(b, h, region, now, now + ttl_ms, err);
		/* The code itself is never audited: only who made one, where for. */
		if (rc == 0)
			rc = hub_audit_add_in(s, actor, "enroll", detail, err);
		if (rc == 0)
			rc = txn_commit(s, err);
		else
			txn_rollback(s);
	}
	json_decref(detail);
	if (rc == 0)
		snprintf(out_code, HUB_ENROLL_CODE_LEN + 1, "%.5s-%.5s-%.2s", plain, plain + 5,
			 plain + 10);
	sodium_memzero(plain, sizeof(plain));
	return rc;
}

static int new_site_id(char out[FS_NAME_MAX + 1])
{
	unsigned char rnd[10];
	int i;

	randombytes_buf(rnd, sizeof(rnd));
	memcpy(out, "k-", 2);
	for (i = 0; i < 10; i++)
		out[2 + i] = (char)tolower((unsigned char)crockford[rnd[i] & 31]);
	out[12] = '\0';
	return 0;
}

/* The audit entry of a redeemed code, in the enrollment's transaction. */
static int audit_redeemed(fs_store *s, const hub_device *d, fs_err *err)
{
	char actor[HUB_AUDIT_ACTOR_MAX + 1];
	json_t *detail = json_pack("{s:s, s:s}", "site", d->site, "region", d->region);
	int rc;

	if (detail == NULL)
		return fs_err_set(err, FS_ENOMEM, "out of memory");
	snprintf(actor, sizeof(actor), "device:%s", d->site);
	rc = hub_audit_add_in(s, actor, "enroll_redeem", detail, err);
	json_decref(detail);
	return rc;
}

int hub_enroll_redeem(fs_store *s, hub_device *out, char out_token[HUB_TOKEN_MAX + 1],
		     const char *code, const char *name, fs_err *err)
{
	const fs_registry_ops *reg;
	fs_backend *b;
	unsigned char h[HASH_LEN], token_hash[HASH_LEN], secret[SECRET_BYTES];
	char plain[CODE_CHARS + 1];
	char b64[sodium_base64_ENCODED_LEN(SECRET_BYTES, sodium_base64_VARIANT_URLSAFE_NO_PADDING)];
	uint64_t now = fs_store_now_ms(s), expires = 0;
	fs_device_row row;
	long fails = 0;
	int rc, failed = 0, used = 0, won = 0;

	memset(out, 0, sizeof(*out));
	out_token[0] = '\0';
	if (name != NULL && !fs_name_is_valid(name))
		return fs_err_set(err, FS_EINVAL,
				  "device name must match [a-z0-9][a-z0-9-]{0,63}");
	/* A malformed code cannot match one: no guess, nothing to count. */
	if (code == NULL || normalize_code(plain, code) != 0)
		return fs_err_set(err, FS_EINVAL,
				  "enrollment code must be 12 letters and digits (hyphens optional)");
	rc = need_registry(s, &reg, &b, err);
	if (rc == 0)
		rc = need_sodium(err);
	if (rc != 0)
		return rc;
	rc = txn_begin(s, err);
	if (rc != 0)
		return rc;
	/* Failures in the last minute (older ones are forgotten). */
	rc = reg->failure_count(b, now - 60000, &fails, err);
	if (rc != 0)
		goto done;
	if (fails >= HUB_ENROLL_FAILS_PER_MINUTE) {
		rc = fs_err_set(err, FS_ELIMIT,
				"too many failed enrollment attempts at this hub; wait a minute "
				"and try again");
		goto done;
	}
	failed = 1;
	hash_text(h, plain);
	rc = reg->code_get(b, h, out->region, &expires, &used, err);
	if (rc == FS_ENOTFOUND)
		rc = fs_err_set(err, FS_ENOTFOUND, "enrollment code not recognised");
	else if (rc == 0 && used)
		rc = fs_err_set(err, FS_EFORBIDDEN, "enrollment code was already used");
	else if (rc == 0 && expires < now)
		rc = fs_err_set(err, FS_EFORBIDDEN, "enrollment code has expired");
	/* Count the failure in this transaction, under the write lock the
	 * count was read under: counted after it ended, attempts running at
	 * once (threads, other hub processes) could each read 599 and pass. */
	if ((rc == FS_ENOTFOUND || rc == FS_EFORBIDDEN) &&
	    reg->failure_add(b, now, NULL) == 0 && txn_commit(s, NULL) == 0)
		failed = 0;
	if (rc != 0)
		goto done;
	failed = 0;
	new_site_id(out->site);
	snprintf(out->name, sizeof(out->name), "%s", name ? name : out->site);
	randombytes_buf(secret, sizeof(secret));
	sodium_bin2base64(b64, sizeof(b64), secret, sizeof(secret),
			  sodium_base64_VARIANT_URLSAFE_NO_PADDING);
	snprintf(out_token, HUB_TOKEN_MAX + 1, "%s.%s", out->site, b64);
	hash_text(token_hash, b64);
	memset(&row, 0, sizeof(row));
	row.site = out->site;
	row.name = out->name;
	row.region = out->region;
	row.token_hash = token_hash;
	row.enrolled_ms = now;
	rc = reg->device_insert(b, &row, err);
	if (rc == 0)
		rc = reg->code_use(b, h, out->site, &won, err);
	/* Exactly once: another writer may have used the code since it was
	 * read (a backend shared by several hub processes). */
	if (rc == 0 && !won) {
		failed = 1;
		rc = fs_err_set(err, FS_EFORBIDDEN, "enrollment code was already used");
	}
	if (rc == 0)
		rc = audit_redeemed(s, out, err);
done:
	sodium_memzero(plain, sizeof(plain));
	sodium_memzero(secret, sizeof(secret));
	sodium_memzero(b64, sizeof(b64));
	if (rc != 0) {
		/* Keep the failure count even though the rest rolls back. */
		txn_rollback(s);
		memset(out, 0, sizeof(*out));
		out_token[0] = '\0';
		if (failed && txn_begin(s, NULL) == 0) {
			if (reg->failure_add(b, now, NULL) == 0)
				txn_commit(s, NULL);
			else
				txn_rollback(s);
		}
		return rc;
	}
	return txn_commit(s, err);
}

int hub_device_authenticate(fs_store *s, hub_device *out, const char *token, fs_err *err)
{
	const fs_registry_ops *reg;
	fs_backend *b;
	unsigned char h[HASH_LEN];
	const char *dot;
	char site[FS_NAME_MAX + 1];
	fs_device_row row;
	int rc, ok = 0;

	memset(out, 0, sizeof(*out));
	rc = need_registry(s, &reg, &b, err);
	if (rc == 0)
		rc = need_sodium(err);
	if (rc != 0)
		return rc;
	dot = token ? strchr(token, '.') : NULL;
	if (dot == NULL || dot == token || (size_t)(dot - token) > FS_NAME_MAX ||
	    strlen(dot + 1) != 43)
		return fs_err_set(err, FS_ENOTFOUND, "credentials not recognised");
	memcpy(site, token, (size_t)(dot - token));
	site[dot - token] = '\0';
	hash_text(h, dot + 1);
	rc = reg->device_get(b, site, &row, err);
	if (rc != 0 && rc != FS_ENOTFOUND)
		return rc;
	if (rc == 0) {
		ok = sodium_memcmp(h, row.token_hash, HASH_LEN) == 0;
		if (ok) {
			snprintf(out->site, sizeof(out->site), "%s", site);
			snprintf(out->region, sizeof(out->region), "%s", row.region ? row.region : "");
			snprintf(out->name, sizeof(out->name), "%s", row.name ? row.name : "");
			out->revoked = row.revoked;
			snprintf(out->moved_from, sizeof(out->moved_from), "%s",
				 row.moved_from ? row.moved_from : "");
			out->moved_ms = row.moved_from ? row.moved_ms : 0;
		}
	}
	if (!ok)
		return fs_err_set(err, FS_ENOTFOUND, "credentials not recognised");
	if (out->revoked)
		return fs_err_set(err, FS_EFORBIDDEN, "device %s has been revoked", out->site);
	return 0;
}

int hub_device_revoke(fs_store *s, const char *site, fs_err *err)
{
	return hub_device_revoke_as(s, NULL, site, err);
}

int hub_device_revoke_as(fs_store *s, const char *who, const char *site, fs_err *err)
{
	const fs_registry_ops *reg;
	fs_backend *b;
	char actor[HUB_AUDIT_ACTOR_MAX + 1];
	json_t *detail = NULL;
	int rc = need_registry(s, &reg, &b, err);

	if (rc == 0 && (detail = json_pack("{s:s}", "site", site)) == NULL)
		rc = fs_err_set(err, FS_ENOMEM, "out of memory");
	if (rc == 0)
		rc = txn_begin(s, err);
	if (rc != 0) {
		json_decref(detail);
		return rc;
	}
	actor_or_cli(actor, who);
	rc = reg->device_revoke(b, site, err);
	if (rc == FS_ENOTFOUND)
		rc = fs_err_set(err, FS_ENOTFOUND, "no device with site id %s", site);
	if (rc == 0)
		rc = hub_audit_add_in(s, actor, "revoke", detail, err);
	json_decref(detail);
	if (rc != 0) {
		txn_rollback(s);
		return rc;
	}
	return txn_commit(s, err);
}

int hub_device_note_sync(fs_store *s, const char *site, const char *error, fs_err *err)
{
	const fs_registry_ops *reg;
	fs_backend *b;
	int rc = need_registry(s, &reg, &b, err);

	if (rc != 0)
		return rc;
	return reg->device_note(b, site, error, error ? 0 : fs_store_now_ms(s), err);
}

int hub_device_synced(void *ctx, fs_store *s, const fs_changeset *cs, fs_err *err)
{
	(void)cs;
	return hub_device_note_sync(s, ctx, NULL, err);
}

/* ---- kiosk management: rename, move, the status a kiosk reports ---- */

int hub_device_rename(fs_store *s, const char *who, const char *site, const char *name,
		      fs_err *err)
{
	const fs_registry_ops *reg;
	fs_backend *b;
	fs_device_row row;
	char actor[HUB_AUDIT_ACTOR_MAX + 1], old[FS_NAME_MAX + 1];
	json_t *detail = NULL;
	int rc;

	if (!fs_name_is_valid(site))
		return fs_err_set(err, FS_EINVAL, "site id must match [a-z0-9][a-z0-9-]{0,63}");
	if (!fs_name_is_valid(name))
		return fs_err_set(err, FS_EINVAL, "device name must match [a-z0-9][a-z0-9-]{0,63}");
	rc = need_registry(s, &reg, &b, err);
	if (rc == 0)
		rc = txn_begin(s, err);
	if (rc != 0)
		return rc;
	rc = reg->device_get(b, site, &row, err);
	if (rc == FS_ENOTFOUND)
		rc = fs_err_set(err, FS_ENOTFOUND, "no device with site id %s", site);
	if (rc == 0) {
		snprintf(old, sizeof(old), "%s", row.name ? row.name : "");
		rc = reg->device_rename(b, site, name, err);
		if (rc == FS_ENOTFOUND)
			rc = fs_err_set(err, FS_ENOTFOUND, "no device with site id %s", site);
	}
	if (rc == 0 && (detail = json_pack("{s:s, s:s, s:s}", "site", site, "name", name, "from",
					   old)) == NULL)
		rc = fs_err_set(err, FS_ENOMEM, "out of memory");
	if (rc == 0) {
		actor_or_cli(actor, who);
		rc = hub_audit_add_in(s, actor, "rename", detail, err);
	}
	json_decref(detail);
	if (rc != 0) {
		txn_rollback(s);
		return rc;
	}
	return txn_commit(s, err);
}

int hub_device_move(fs_store *s, const char *who, const char *site, const char *region,
		    int *moved, fs_err *err)
{
	const fs_registry_ops *reg;
	fs_backend *b;
	fs_device_row row;
	char actor[HUB_AUDIT_ACTOR_MAX + 1], old[FS_NAME_MAX + 1], held[FS_NAME_MAX + 1];
	const char *moved_from;
	json_t *detail = NULL;
	int rc;

	*moved = 0;
	if (!fs_name_is_valid(site))
		return fs_err_set(err, FS_EINVAL, "site id must match [a-z0-9][a-z0-9-]{0,63}");
	if (!fs_name_is_valid(region))
		return fs_err_set(err, FS_EINVAL, "region must match [a-z0-9][a-z0-9-]{0,63}");
	rc = need_registry(s, &reg, &b, err);
	if (rc == 0)
		rc = txn_begin(s, err);
	if (rc != 0)
		return rc;
	rc = reg->device_get(b, site, &row, err);
	if (rc == FS_ENOTFOUND)
		rc = fs_err_set(err, FS_ENOTFOUND, "no device with site id %s", site);
	else if (rc == 0 && row.revoked)
		rc = fs_err_set(err, FS_EFORBIDDEN, "device %s is revoked; enroll a new one", site);
	if (rc != 0 || strcmp(row.region ? row.region : "", region) == 0) {
		txn_rollback(s);
		return rc;
	}
	snprintf(old, sizeof(old), "%s", row.region ? row.region : "");
	/* The region the kiosk still holds: the one it was in before an
	 * earlier move it has not yet taken in, else the one it is in now.
	 * Moved back there, it has nothing to take in. */
	snprintf(held, sizeof(held), "%s", row.moved_from ? row.moved_from : old);
	moved_from = strcmp(held, region) == 0 ? NULL : held;
	rc = reg->device_move(b, site, region, moved_from, fs_store_now_ms(s), err);
	if (rc == 0 && (detail = json_pack("{s:s, s:s, s:s}", "site", site, "region", region,
					   "from", old)) == NULL)
		rc = fs_err_set(err, FS_ENOMEM, "out of memory");
	if (rc == 0) {
		actor_or_cli(actor, who);
		rc = hub_audit_add_in(s, actor, "move", detail, err);
	}
	json_decref(detail);
	if (rc != 0) {
		txn_rollback(s);
		return rc;
	}
	rc = txn_commit(s, err);
	*moved = rc == 0;
	return rc;
}

/* A decimal number of at most max_digits digits, nothing else: 0 or -1. */
static int decimal(const char *t, size_t max_digits, uint64_t *out)
{
	size_t n = t ? strlen(t) : 0, i;

	*out = 0;
	if (n == 0 || n > max_digits)
		return -1;
	for (i = 0; i < n; i++) {
		if (t[i] < '0' || t[i] > '9')
			return -1;
		*out = *out * 10 + (uint64_t)(t[i] - '0');
	}
	return 0;
}

void hub_kiosk_status_parse(hub_kiosk_status *out, const char *agent, const char *pending,
			    const char *clock, const char *region, uint64_t hub_now_ms)
{
	uint64_t v;
	size_t n, i;

	memset(out, 0, sizeof(*out));
	out->pending = -1;
	n = agent ? strlen(agent) : 0;
	for (i = 0; i < n && agent[i] >= 0x20 && agent[i] <= 0x7e; i++)
		;
	if (n > 0 && n <= HUB_AGENT_VERSION_MAX && i == n)
		memcpy(out->agent_version, agent, n + 1);
	/* 12 digits: well past the clamp, and no overflow on the way. */
	if (decimal(pending, 12, &v) == 0)
		out->pending = v > (uint64_t)HUB_PENDING_MAX ? HUB_PENDING_MAX : (int64_t)v;
	if (decimal(clock, 15, &v) == 0) {
		int64_t d = (int64_t)v - (int64_t)hub_now_ms;

		if (d > HUB_CLOCK_OFFSET_MAX_MS)
			d = HUB_CLOCK_OFFSET_MAX_MS;
		if (d < -HUB_CLOCK_OFFSET_MAX_MS)
			d = -HUB_CLOCK_OFFSET_MAX_MS;
		out->clock_offset_ms = d;
		out->has_clock_offset = 1;
	}
	if (region != NULL && fs_name_is_valid(region))
		snprintf(out->region, sizeof(out->region), "%s", region);
}

const char *hub_device_grace_region(const hub_device *d, const hub_kiosk_status *st,
				    uint64_t now_ms)
{
	if (d->moved_from[0] == '\0' || (st != NULL && strcmp(st->region, d->region) == 0))
		return NULL;
	if (now_ms > d->moved_ms && now_ms - d->moved_ms > HUB_MOVE_GRACE_MS)
		return NULL;
	return d->moved_from;
}

int hub_device_synced_status(void *ctx, fs_store *s, const fs_changeset *cs, fs_err *err)
{
	const hub_sync_note *n = ctx;
	const hub_kiosk_status *st = n->status;
	const fs_registry_ops *reg;
	fs_backend *b;
	fs_device_report r;
	int rc = hub_device_note_sync(s, n->device->site, NULL, err);

	if (rc == 0) /* withdrawals by receipt, counted (receipts.h) */
		rc = hub_receipts_audit_set(s, n->device->site, cs, err);
	if (rc == 0)
		rc = need_registry(s, &reg, &b, err);
	if (rc != 0)
		return rc;
	memset(&r, 0, sizeof(r));
	r.agent_version = st->agent_version[0] ? st->agent_version : NULL;
	r.pending = st->pending;
	/* The kiosk counts the changes of this request too: what is left. */
	if (r.pending >= 0)
		r.pending = (size_t)r.pending > cs->count ? r.pending - (int64_t)cs->count : 0;
	r.clock_offset_ms = st->clock_offset_ms;
	r.has_clock_offset = st->has_clock_offset;
	r.move_done = n->device->moved_from[0] != '\0' && strcmp(st->region, n->device->region) == 0;
	r.pull = n->pull;
	return reg->device_report(b, n->device->site, &r, err);
}

static json_t *time_or_null(uint64_t ms)
{
	char text[32];
	time_t t;
	struct tm tm;

	if (ms == 0)
		return json_null();
	t = (time_t)(ms / 1000);
	gmtime_r(&t, &tm);
	strftime(text, sizeof(text), "%Y-%m-%dT%H:%M:%SZ", &tm);
	return json_string(text);
}

static json_t *int_or_null(int has, int64_t v)
{
	return has ? json_integer((json_int_t)v) : json_null();
}

static int device_collect(void *ctx, const fs_device_row *r)
{
	json_t *d = json_pack("{s:s, s:s, s:s, s:o, s:o, s:o, s:s?, s:b}", "site", r->site, "name",
			      r->name ? r->name : "", "region", r->region ? r->region : "",
			      "enrolled", time_or_null(r->enrolled_ms), "last_sync",
			      time_or_null(r->last_sync_ms), "last_sync_ms",
			      int_or_null(r->last_sync_ms != 0, (int64_t)r->last_sync_ms),
			      "last_error", r->last_error, "revoked", r->revoked);

	if (d == NULL)
		return FS_ENOMEM;
	if (json_object_set_new(d, "agent_version",
				r->agent_version ? json_string(r->agent_version) : json_null()) != 0 ||
	    json_object_set_new(d, "pending", int_or_null(r->pending >= 0, r->pending)) != 0 ||
	    json_object_set_new(d, "clock_offset_ms",
				int_or_null(r->has_clock_offset, r->clock_offset_ms)) != 0 ||
	    json_object_set_new(d, "moved_from",
				r->moved_from ? json_string(r->moved_from) : json_null()) != 0 ||
	    json_object_set_new(d, "moved", time_or_null(r->moved_from ? r->moved_ms : 0)) != 0 ||
	    json_array_append_new(ctx, d) != 0) {
		json_decref(d);
		return FS_ENOMEM;
	}
	return 0;
}

static const char *key_text(const json_t *d, const char *key)
{
	const char *t = json_string_value(json_object_get(d, key));

	return t ? t : "";
}

/* Listed by region, then name, then site: how an admin looks for one. */
static int device_order(const void *a, const void *b)
{
	const json_t *x = *(json_t *const *)a, *y = *(json_t *const *)b;
	int c = strcmp(key_text(x, "region"), key_text(y, "region"));

	if (c == 0)
		c = strcmp(key_text(x, "name"), key_text(y, "name"));
	if (c == 0)
		c = strcmp(key_text(x, "site"), key_text(y, "site"));
	return c;
}

int hub_device_list(fs_store *s, json_t **out, fs_err *err)
{
	const fs_registry_ops *reg;
	fs_backend *b;
	json_t *all = json_array(), *arr = json_array(), **items = NULL;
	size_t i, n;
	int rc = need_registry(s, &reg, &b, err);

	*out = NULL;
	if (rc == 0 && (all == NULL || arr == NULL))
		rc = fs_err_set(err, FS_ENOMEM, "out of memory");
	if (rc == 0)
		rc = reg->device_each(b, device_collect, all, err);
	if (rc == FS_ENOMEM)
		rc = fs_err_set(err, FS_ENOMEM, "list devices: out of memory");
	n = json_array_size(all);
	if (rc == 0 && n > 0 && (items = malloc(n * sizeof(*items))) == NULL)
		rc = fs_err_set(err, FS_ENOMEM, "out of memory");
	if (rc == 0) {
		for (i = 0; i < n; i++)
			items[i] = json_array_get(all, i);
		if (n > 0)
			qsort(items, n, sizeof(*items), device_order);
		for (i = 0; i < n && rc == 0; i++)
			if (json_array_append(arr, items[i]) != 0)
				rc = fs_err_set(err, FS_ENOMEM, "out of memory");
	}
	free(items);
	json_decref(all);
	if (rc != 0) {
		json_decref(arr);
		return rc;
	}
	*out = arr;
	return 0;
}
