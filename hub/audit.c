/* The hub's audit trail over the store's registry operations (audit.h):
 * the rules (actors, actions, bounds, the hash chain) are here, the rows in
 * the backend. */
#include "audit.h"

#include <inttypes.h>
#include <pwd.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "fieldsync/backend.h"
#include "fieldsync/sync.h"
#include "fieldsync/uuid.h"

#define HASH_LEN FS_REGISTRY_HASH_LEN
#define ANCHOR_KEY "audit_anchor"
#define DOMAIN "fieldsync audit v1"
/* 2020-01-01T00:00:00Z: no kiosk event is older. */
#define HUB_AUDIT_EVENT_MIN_MS 1577836800000ll

static int need_audit(fs_store *s, const fs_registry_ops **reg, fs_backend **b, fs_err *err)
{
	*reg = fs_store_registry(s);
	*b = fs_store_backend(s);
	if (*reg == NULL || (*reg)->audit_append == NULL)
		return fs_err_set(err, FS_EINVAL,
		                  "audit: this store was not opened as a hub store (no audit trail)");
	if (sodium_init() < 0)
		return fs_err_set(err, FS_EGENERIC, "audit: libsodium failed to initialise");
	return 0;
}

/* ---- the hash chain: one encoding, one place ---- */

static void put_u64(crypto_generichash_state *h, uint64_t v)
{
	unsigned char b[8];
	int i;

	for (i = 0; i < 8; i++)
		b[i] = (unsigned char)(v >> (56 - 8 * i));
	crypto_generichash_update(h, b, sizeof(b));
}

static void put_text(crypto_generichash_state *h, const char *text)
{
	size_t n = strlen(text);

	put_u64(h, (uint64_t)n);
	crypto_generichash_update(h, (const unsigned char *)text, n);
}

/* hash = BLAKE2b-256("fieldsync audit v1" || prev_hash || id || at_ms ||
 * actor || action || detail): integers as 8 bytes big-endian, each text as
 * its length (8 bytes) then its bytes, so no two entries encode alike. */
static void entry_hash(unsigned char out[HASH_LEN], const fs_audit_row *r,
                       const unsigned char prev[HASH_LEN])
{
	crypto_generichash_state h;

	crypto_generichash_init(&h, NULL, 0, HASH_LEN);
	crypto_generichash_update(&h, (const unsigned char *)DOMAIN, sizeof(DOMAIN) - 1);
	crypto_generichash_update(&h, prev, HASH_LEN);
	put_u64(&h, (uint64_t)r->id);
	put_u64(&h, r->at_ms);
	put_text(&h, r->actor);
	put_text(&h, r->action);
	put_text(&h, r->detail);
	crypto_generichash_final(&h, out, HASH_LEN);
}

static void to_hex(char out[2 * HASH_LEN + 1], const unsigned char *hash)
{
	sodium_bin2hex(out, 2 * HASH_LEN + 1, hash, HASH_LEN);
}

/* The anchor a prune left (meta "audit_anchor", "ID HEX"): id 0 and zeros
 * when none. */
static int anchor_get(fs_store *s, int64_t *id, unsigned char hash[HASH_LEN], fs_err *err)
{
	char text[32 + 2 * HASH_LEN];
	char *end = NULL;
	long long v;
	int rc = fs_store_ops(s)->meta_get(fs_store_backend(s), ANCHOR_KEY, text, sizeof(text), err);

	*id = 0;
	memset(hash, 0, HASH_LEN);
	if (rc == FS_ENOTFOUND)
		return 0;
	if (rc != 0)
		return rc;
	v = strtoll(text, &end, 10);
	if (v <= 0 || end == NULL || *end != ' ' ||
	    sodium_hex2bin(hash, HASH_LEN, end + 1, strlen(end + 1), NULL, NULL, NULL) != 0 ||
	    strlen(end + 1) != 2 * HASH_LEN)
		return fs_err_set(err, FS_EGENERIC, "audit: the anchor (meta %s) is malformed",
		                  ANCHOR_KEY);
	*id = v;
	return 0;
}

static int anchor_put(fs_store *s, int64_t id, const unsigned char hash[HASH_LEN], fs_err *err)
{
	char text[32 + 2 * HASH_LEN], hex[2 * HASH_LEN + 1];

	to_hex(hex, hash);
	snprintf(text, sizeof(text), "%" PRId64 " %s", id, hex);
	return fs_store_ops(s)->meta_put(fs_store_backend(s), ANCHOR_KEY, text, err);
}

/* The head the next entry chains to: the last entry, else the anchor. */
static int head_get(fs_store *s, int64_t *id, unsigned char hash[HASH_LEN], fs_err *err)
{
	int rc = fs_store_registry(s)->audit_last(fs_store_backend(s), id, hash, err);

	if (rc == FS_ENOTFOUND)
		return anchor_get(s, id, hash, err);
	return rc;
}

/* ---- appending ---- */

int hub_audit_action_is_valid(const char *text)
{
	size_t n = text ? strlen(text) : 0;

	return n >= 1 && n <= HUB_AUDIT_ACTION_MAX && strspn(text, "abcdefghijklmnopqrstuvwxyz_") == n;
}

/* Printable ASCII, no space, a known kind before the colon. */
static int actor_is_valid(const char *text)
{
	static const char *const kinds[] = {"admin:", "device:", "worker:", "hub:", "console:"};
	size_t n = text ? strlen(text) : 0, i;
	int known = 0;

	if (n == 0 || n > HUB_AUDIT_ACTOR_MAX)
		return 0;
	for (i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++)
		if (strncmp(text, kinds[i], strlen(kinds[i])) == 0 && n > strlen(kinds[i]))
			known = 1;
	for (i = 0; i < n; i++)
		if (text[i] <= ' ' || text[i] > '~')
			return 0;
	return known;
}

int hub_audit_add_in(fs_store *hub, const char *actor, const char *action,
                     const json_t *detail, fs_err *err)
{
	const fs_registry_ops *reg;
	fs_backend *b;
	unsigned char prev[HASH_LEN], hash[HASH_LEN];
	fs_audit_row row;
	char *text = NULL;
	int64_t last = 0;
	int rc = need_audit(hub, &reg, &b, err);

	if (rc != 0)
		return rc;
	if (!actor_is_valid(actor))
		return fs_err_set(err, FS_EINVAL,
		                  "audit: actor must be admin:, device:, worker:, hub: or console: and "
		                  "printable ASCII, at most %d bytes",
		                  HUB_AUDIT_ACTOR_MAX);
	if (!hub_audit_action_is_valid(action))
		return fs_err_set(err, FS_EINVAL, "audit: action must be [a-z_], 1 to %d",
		                  HUB_AUDIT_ACTION_MAX);
	if (detail != NULL && !json_is_object(detail))
		return fs_err_set(err, FS_EINVAL, "audit: the detail must be a JSON object");
	text = detail ? json_dumps(detail, JSON_COMPACT | JSON_SORT_KEYS) : strdup("{}");
	if (text == NULL)
		return fs_err_set(err, FS_ENOMEM, "audit: out of memory");
	if (strlen(text) > HUB_AUDIT_DETAIL_MAX) {
		rc = fs_err_set(err, FS_EINVAL, "audit: the detail is over %d bytes",
		                HUB_AUDIT_DETAIL_MAX);
		goto cleanup;
	}
	rc = head_get(hub, &last, prev, err);
	if (rc != 0)
		goto cleanup;
	memset(&row, 0, sizeof(row));
	row.id = last + 1;
	row.at_ms = fs_store_now_ms(hub);
	row.actor = actor;
	row.action = action;
	row.detail = text;
	entry_hash(hash, &row, prev);
	row.prev_hash = prev;
	row.hash = hash;
	rc = reg->audit_append(b, &row, err);
cleanup:
	free(text);
	return rc;
}

int hub_audit_add(fs_store *hub, const char *actor, const char *action, const json_t *detail,
                  fs_err *err)
{
	const fs_backend_ops *ops = fs_store_ops(hub);
	int rc = ops->begin(fs_store_backend(hub), FS_TXN_WRITE, err);

	if (rc != 0)
		return rc;
	rc = hub_audit_add_in(hub, actor, action, detail, err);
	if (rc == 0)
		return ops->commit(fs_store_backend(hub), err);
	ops->rollback(fs_store_backend(hub));
	return rc;
}

/* ---- checking ---- */

typedef struct verify_run {
	int64_t id; /* the last entry checked (the anchor's before the first) */
	unsigned char hash[HASH_LEN];
	long count;
	fs_err *err;
} verify_run;

static int verify_entry(void *ctx, const fs_audit_row *r)
{
	verify_run *v = ctx;
	unsigned char want[HASH_LEN];

	if (r->id != v->id + 1)
		return fs_err_set(v->err, FS_EGENERIC,
		                  "audit entry %" PRId64 ": expected entry %" PRId64
		                  " here (entries removed or reordered)",
		                  r->id, v->id + 1);
	if (sodium_memcmp(r->prev_hash, v->hash, HASH_LEN) != 0)
		return fs_err_set(v->err, FS_EGENERIC,
		                  "audit entry %" PRId64 ": its previous hash is not entry %" PRId64
		                  "'s (an entry before it was removed or changed)",
		                  r->id, v->id);
	entry_hash(want, r, v->hash);
	if (sodium_memcmp(want, r->hash, HASH_LEN) != 0)
		return fs_err_set(v->err, FS_EGENERIC,
		                  "audit entry %" PRId64 ": its content does not match its hash "
		                  "(changed after it was written)",
		                  r->id);
	v->id = r->id;
	memcpy(v->hash, r->hash, HASH_LEN);
	v->count++;
	return 0;
}

/* The chain from the anchor, in the caller's snapshot. */
static int verify_chain(fs_store *s, verify_run *v, fs_err *err)
{
	const fs_registry_ops *reg = fs_store_registry(s);
	int rc = anchor_get(s, &v->id, v->hash, err);

	v->count = 0;
	v->err = err;
	if (rc == 0)
		rc = reg->audit_each(fs_store_backend(s), 0, 0, verify_entry, v, err);
	return rc;
}

int hub_audit_verify(fs_store *hub, long *entries, fs_err *err)
{
	const fs_registry_ops *reg;
	fs_backend *b;
	verify_run v;
	int rc = need_audit(hub, &reg, &b, err);

	*entries = 0;
	if (rc != 0)
		return rc;
	rc = fs_store_ops(hub)->begin(b, FS_TXN_READ, err);
	if (rc != 0)
		return rc;
	rc = verify_chain(hub, &v, err);
	fs_store_ops(hub)->rollback(b);
	*entries = v.count;
	return rc;
}

int hub_audit_head(fs_store *hub, int64_t *id, char hex[65], fs_err *err)
{
	const fs_registry_ops *reg;
	fs_backend *b;
	unsigned char hash[HASH_LEN];
	int rc = need_audit(hub, &reg, &b, err);

	*id = 0;
	memset(hash, 0, sizeof(hash));
	if (rc == 0)
		rc = head_get(hub, id, hash, err);
	to_hex(hex, hash);
	return rc;
}

/* ---- pruning ---- */

typedef struct prune_run {
	uint64_t before_ms;
	int64_t through; /* the last entry to remove (0: none) */
	unsigned char hash[HASH_LEN];
} prune_run;

static int prune_scan(void *ctx, const fs_audit_row *r)
{
	prune_run *p = ctx;

	if (r->at_ms >= p->before_ms)
		return 1;
	p->through = r->id;
	memcpy(p->hash, r->hash, HASH_LEN);
	return 0;
}

int hub_audit_prune(fs_store *hub, uint64_t before_ms, long *removed, fs_err *err)
{
	const fs_registry_ops *reg;
	const fs_backend_ops *ops = fs_store_ops(hub);
	fs_backend *b;
	char actor[HUB_AUDIT_ACTOR_MAX + 1];
	prune_run p;
	json_t *detail = NULL;
	int rc = need_audit(hub, &reg, &b, err);

	*removed = 0;
	if (rc != 0)
		return rc;
	memset(&p, 0, sizeof(p));
	p.before_ms = before_ms;
	hub_audit_actor_cli(actor, sizeof(actor));
	rc = ops->begin(b, FS_TXN_WRITE, err);
	if (rc != 0)
		return rc;
	/* What is removed is a prefix of the chain: stop at the first entry
	 * not older than before_ms (the clock may have stepped back). */
	rc = reg->audit_each(b, 0, 0, prune_scan, &p, err);
	if (rc == 0 && p.through == 0)
		goto done;
	if (rc == 0)
		rc = reg->audit_prune(b, p.through, removed, err);
	if (rc == 0)
		rc = anchor_put(hub, p.through, p.hash, err);
	if (rc == 0) {
		detail = json_pack("{s:I, s:I, s:I}", "removed", (json_int_t)*removed, "through",
		                   (json_int_t)p.through, "before_ms", (json_int_t)before_ms);
		rc = detail ? hub_audit_add_in(hub, actor, "audit_prune", detail, err)
		            : fs_err_set(err, FS_ENOMEM, "audit: out of memory");
	}
done:
	json_decref(detail);
	if (rc != 0) {
		ops->rollback(b);
		*removed = 0;
		return rc;
	}
	return ops->commit(b, err);
}

/* ---- reading ---- */

/* One entry as JSON (audit.h hub_audit_each); NULL when out of memory. */
static json_t *entry_json(const fs_audit_row *r)
{
	char at[40], hex[2 * HASH_LEN + 1];
	time_t t = (time_t)(r->at_ms / 1000);
	struct tm tm;
	json_t *detail = json_loads(r->detail, JSON_REJECT_DUPLICATES, NULL);

	gmtime_r(&t, &tm);
	strftime(at, sizeof(at), "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(at + strlen(at), sizeof(at) - strlen(at), ".%03uZ", (unsigned)(r->at_ms % 1000));
	to_hex(hex, r->hash);
	/* A detail that is not JSON (changed by hand) shows as its text. */
	if (detail == NULL)
		detail = json_string(r->detail);
	return json_pack("{s:I, s:s, s:I, s:s, s:s, s:o, s:s}", "id", (json_int_t)r->id, "at", at,
	                 "at_ms", (json_int_t)r->at_ms, "actor", r->actor, "action", r->action,
	                 "detail", detail, "hash", hex);
}

/* What one scan of the trail keeps: entries below `below` (0: all) that
 * match f, passed to fn (keep 0) or the newest keep of them in a ring. */
typedef struct list_run {
	const hub_audit_filter *f;
	int64_t below;
	size_t keep;
	json_t **ring; /* ring[(first + i) % keep], i < n, oldest first */
	size_t first, n;
	hub_audit_fn fn;
	void *ctx;
	fs_err *err;
} list_run;

static int list_row(void *ctx, const fs_audit_row *r)
{
	list_run *l = ctx;
	const hub_audit_filter *f = l->f;
	json_t *entry;
	int rc;

	if (l->below > 0 && r->id >= l->below)
		return 1; /* by id: nothing later is below it */
	if ((f->until_ms > 0 && r->at_ms >= f->until_ms) ||
	    (f->action != NULL && strcmp(r->action, f->action) != 0) ||
	    (f->actor != NULL && strstr(r->actor, f->actor) == NULL))
		return 0;
	entry = entry_json(r);
	if (entry == NULL)
		return fs_err_set(l->err, FS_ENOMEM, "audit: out of memory");
	if (l->keep == 0) {
		rc = l->fn(l->ctx, entry);
		json_decref(entry);
		return rc;
	}
	if (l->n == l->keep) {
		json_decref(l->ring[l->first]);
		l->ring[l->first] = entry;
		l->first = (l->first + 1) % l->keep;
		return 0;
	}
	l->ring[(l->first + l->n++) % l->keep] = entry;
	return 0;
}

int hub_audit_each(fs_store *hub, uint64_t since_ms, hub_audit_fn fn, void *ctx, fs_err *err)
{
	const hub_audit_filter none = {since_ms, 0, NULL, NULL, 0};

	return hub_audit_list(hub, &none, 0, 0, fn, ctx, NULL, err);
}

/* The newest limit (+ 1, to know of more) matches, newest first, into
 * got: the trail read backwards in windows of ids that double, so a page
 * of recent entries reads about a page of rows, however long the trail. */
static int list_newest(fs_store *hub, list_run *l, size_t limit, json_t *got, fs_err *err)
{
	const fs_registry_ops *reg = fs_store_registry(hub);
	unsigned char hash[HASH_LEN];
	int64_t last = 0, hi, lo, span = 4 * (int64_t)limit < 512 ? 512 : 4 * (int64_t)limit;
	size_t i;
	int rc = reg->audit_last(fs_store_backend(hub), &last, hash, err);

	if (rc == FS_ENOTFOUND)
		return 0;
	if (rc != 0)
		return rc;
	hi = l->f->before_id > 0 && l->f->before_id <= last ? l->f->before_id : last + 1;
	while (rc == 0 && hi > 1 && json_array_size(got) <= limit) {
		lo = hi - 1 > span ? hi - 1 - span : 0; /* ids lo+1 .. hi-1 */
		l->below = hi;
		l->keep = limit + 1 - json_array_size(got);
		l->first = l->n = 0;
		rc = reg->audit_each(fs_store_backend(hub), lo, l->f->since_ms, list_row, l, err);
		for (i = l->n; i > 0; i--) {
			json_t *e = l->ring[(l->first + i - 1) % l->keep];

			if (rc == 0 && json_array_append(got, e) != 0)
				rc = fs_err_set(err, FS_ENOMEM, "audit: out of memory");
			json_decref(e);
		}
		l->n = 0;
		hi = lo + 1;
		span = span < INT64_MAX / 2 ? 2 * span : span;
	}
	return rc;
}

int hub_audit_list(fs_store *hub, const hub_audit_filter *f, size_t limit, int newest_first,
                   hub_audit_fn fn, void *ctx, int *more, fs_err *err)
{
	const hub_audit_filter none = {0, 0, NULL, NULL, 0};
	const fs_registry_ops *reg;
	fs_backend *b;
	list_run l;
	json_t *got = NULL;
	size_t i, n;
	int rc = need_audit(hub, &reg, &b, err);

	if (more != NULL)
		*more = 0;
	if (rc != 0)
		return rc;
	if (f == NULL)
		f = &none;
	if (f->action != NULL && !hub_audit_action_is_valid(f->action))
		return fs_err_set(err, FS_EINVAL, "audit: an action is [a-z_], 1 to %d",
		                  HUB_AUDIT_ACTION_MAX);
	if (f->actor != NULL && strlen(f->actor) > HUB_AUDIT_ACTOR_MAX)
		return fs_err_set(err, FS_EINVAL, "audit: an actor is at most %d bytes",
		                  HUB_AUDIT_ACTOR_MAX);
	if (limit > HUB_AUDIT_PAGE_MAX || (newest_first && limit == 0))
		return fs_err_set(err, FS_EINVAL, "audit: a page holds 1 to %d entries",
		                  HUB_AUDIT_PAGE_MAX);
	memset(&l, 0, sizeof(l));
	l.f = f;
	l.fn = fn;
	l.ctx = ctx;
	l.err = err;
	if (limit == 0) {
		l.below = f->before_id;
		return reg->audit_each(b, 0, f->since_ms, list_row, &l, err);
	}
	got = json_array();
	l.ring = calloc(limit + 1, sizeof(*l.ring));
	if (got == NULL || l.ring == NULL) {
		json_decref(got);
		free(l.ring);
		return fs_err_set(err, FS_ENOMEM, "audit: out of memory");
	}
	rc = list_newest(hub, &l, limit, got, err);
	free(l.ring);
	n = json_array_size(got) > limit ? limit : json_array_size(got);
	for (i = 0; i < n && rc == 0; i++)
		rc = fn(ctx, json_array_get(got, newest_first ? i : n - 1 - i));
	if (rc == 0 && more != NULL)
		*more = json_array_size(got) > limit;
	json_decref(got);
	return rc;
}

/* ---- worker events from kiosks (POST /v1/audit) ---- */

static const char *const worker_actions[] = {"worker_login",   "worker_logout",
                                             "worker_pin_failed", "contact_create",
                                             "contact_edit",   "contact_close"};

static int worker_action_known(const char *a, int *contact)
{
	size_t i;

	for (i = 0; i < sizeof(worker_actions) / sizeof(worker_actions[0]); i++)
		if (strcmp(a, worker_actions[i]) == 0) {
			*contact = strncmp(a, "contact_", 8) == 0;
			return 1;
		}
	return 0;
}

/* The kiosk's worker-name rule (agent/ui/workers.h, FS_WORKER_NAME_MAX). */
static int worker_id_is_valid(const char *id)
{
	size_t n = strlen(id);

	return n >= 1 && n <= 64 &&
	       strspn(id, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-") == n;
}

/* One event: 0, or FS_EINVAL with what is wrong (event i). */
static int event_check(const json_t *ev, size_t i, uint64_t now_ms, fs_err *err)
{
	static const char *const keys[] = {"id", "action", "worker", "at", "contact"};
	const char *key, *action, *worker, *contact, *id;
	const json_t *v, *at;
	size_t k;
	int wants_contact = 0;

	if (!json_is_object(ev))
		return fs_err_set(err, FS_EINVAL, "event %zu is not an object", i);
	json_object_foreach ((json_t *)ev, key, v) {
		for (k = 0; k < sizeof(keys) / sizeof(keys[0]); k++)
			if (strcmp(key, keys[k]) == 0)
				break;
		(void)v;
		if (k == sizeof(keys) / sizeof(keys[0]))
			return fs_err_set(err, FS_EINVAL,
			                  "event %zu: unknown key (allowed: id, action, worker, at, "
			                  "contact)",
			                  i);
	}
	id = json_string_value(json_object_get(ev, "id"));
	if (id == NULL || !fs_uuid_is_valid(id))
		return fs_err_set(err, FS_EINVAL, "event %zu: id must be a UUID", i);
	action = json_string_value(json_object_get(ev, "action"));
	if (action == NULL || !worker_action_known(action, &wants_contact))
		return fs_err_set(err, FS_EINVAL,
		                  "event %zu: action must be worker_login, worker_logout, "
		                  "worker_pin_failed, contact_create, contact_edit or contact_close",
		                  i);
	v = json_object_get(ev, "worker");
	worker = json_string_value(v);
	if (v != NULL && (worker == NULL || !worker_id_is_valid(worker)))
		return fs_err_set(err, FS_EINVAL,
		                  "event %zu: worker must be a worker id, [A-Za-z0-9._-]{1,64}", i);
	if (v == NULL && strcmp(action, "worker_pin_failed") != 0)
		return fs_err_set(err, FS_EINVAL, "event %zu: %s needs the session's worker", i,
		                  action);
	at = json_object_get(ev, "at");
	if (!json_is_integer(at) || json_integer_value(at) < HUB_AUDIT_EVENT_MIN_MS ||
	    (uint64_t)json_integer_value(at) > now_ms + FS_SYNC_MAX_FUTURE_MS)
		return fs_err_set(err, FS_EINVAL,
		                  "event %zu: at must be the kiosk's time in ms, from 2020 to %d s "
		                  "past the hub's clock",
		                  i, FS_SYNC_MAX_FUTURE_MS / 1000);
	v = json_object_get(ev, "contact");
	contact = json_string_value(v);
	if (wants_contact && (contact == NULL || !fs_uuid_is_valid(contact)))
		return fs_err_set(err, FS_EINVAL, "event %zu: %s needs contact, a UUID", i, action);
	if (!wants_contact && v != NULL)
		return fs_err_set(err, FS_EINVAL, "event %zu: %s takes no contact", i, action);
	return 0;
}

static int event_append(fs_store *hub, const char *site, const json_t *ev, fs_err *err)
{
	char actor[HUB_AUDIT_ACTOR_MAX + 1];
	const char *worker = json_string_value(json_object_get(ev, "worker"));
	json_t *d = json_pack("{s:O, s:O, s:O?}", "event", json_object_get(ev, "id"), "kiosk_at",
	                      json_object_get(ev, "at"), "contact", json_object_get(ev, "contact"));
	int rc;

	if (d == NULL)
		return fs_err_set(err, FS_ENOMEM, "audit: out of memory");
	if (worker != NULL)
		snprintf(actor, sizeof(actor), "worker:%s@%s", worker, site);
	else
		snprintf(actor, sizeof(actor), "device:%s", site);
	rc = hub_audit_add_in(hub, actor, json_string_value(json_object_get(ev, "action")), d, err);
	json_decref(d);
	return rc;
}

int hub_audit_worker_events(fs_store *hub, const char *site, const char *body, size_t len,
                            long *added, fs_err *err)
{
	const fs_backend_ops *ops = fs_store_ops(hub);
	const fs_registry_ops *reg;
	fs_backend *b;
	json_error_t je;
	json_t *doc = NULL;
	const json_t *events, *ev;
	uint64_t now = fs_store_now_ms(hub);
	size_t i;
	int rc = need_audit(hub, &reg, &b, err);

	*added = 0;
	if (rc != 0)
		return rc;
	if (len > HUB_AUDIT_BODY_MAX)
		return fs_err_set(err, FS_EINVAL, "the body is over %u bytes", HUB_AUDIT_BODY_MAX);
	doc = json_loadb(body, len, JSON_REJECT_DUPLICATES, &je);
	if (doc == NULL)
		return fs_err_set(err, FS_EINVAL, "not valid JSON at line %d, column %d: %s", je.line,
		                  je.column, je.text);
	events = json_object_get(doc, "events");
	if (!json_is_object(doc) || json_object_size(doc) != 1 || !json_is_array(events)) {
		rc = fs_err_set(err, FS_EINVAL, "the body must be {\"events\": [...]} and nothing else");
		goto cleanup;
	}
	if (json_array_size(events) > HUB_AUDIT_EVENTS_MAX) {
		rc = fs_err_set(err, FS_EINVAL, "%zu events; at most %d in one request",
		                json_array_size(events), HUB_AUDIT_EVENTS_MAX);
		goto cleanup;
	}
	json_array_foreach (events, i, ev)
		if ((rc = event_check(ev, i, now, err)) != 0)
			goto cleanup;
	rc = ops->begin(b, FS_TXN_WRITE, err);
	if (rc != 0)
		goto cleanup;
	json_array_foreach (events, i, ev)
		if ((rc = event_append(hub, site, ev, err)) != 0)
			break;
	if (rc == 0)
		rc = ops->commit(b, err);
	else
		ops->rollback(b);
	if (rc == 0)
		*added = (long)json_array_size(events);
cleanup:
	json_decref(doc);
	return rc;
}

/* ---- actors ---- */

/* Append text to out, keeping [A-Za-z0-9._-] and writing '_' for the rest. */
static void append_clean(char *out, size_t len, const char *text)
{
	size_t n = strlen(out), i;

	for (i = 0; text[i] != '\0' && n + 1 < len && i < 64; i++) {
		unsigned char c = (unsigned char)text[i];

		out[n++] = (char)((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		                          (c >= '0' && c <= '9') || c == '.' || c == '_' || c == '-'
		                      ? c
		                      : '_');
	}
	out[n] = '\0';
}

void hub_audit_actor_cli(char *out, size_t len)
{
	char host[256] = "", uid[24];
	struct passwd pw, *found = NULL;
	char buf[1024];

	if (len == 0)
		return;
	snprintf(out, len, "admin:");
	if (getpwuid_r(geteuid(), &pw, buf, sizeof(buf), &found) == 0 && found != NULL &&
	    found->pw_name[0] != '\0') {
		append_clean(out, len, found->pw_name);
	} else {
		snprintf(uid, sizeof(uid), "uid%u", (unsigned)geteuid());
		append_clean(out, len, uid);
	}
	if (strlen(out) + 1 < len)
		strcat(out, "@");
	if (gethostname(host, sizeof(host) - 1) != 0 || host[0] == '\0')
		snprintf(host, sizeof(host), "localhost");
	append_clean(out, len, host);
}
