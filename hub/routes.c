#include "routes.h"

#include <arpa/inet.h>
#include <inttypes.h>
#include <netinet/in.h>
#include <pthread.h>
#include <sodium.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <time.h>

#include "fieldsync/monotonic.h"
#include "audit.h"
#include "fieldsync/gzip.h"
#include "fieldsync/sync.h"
#include "http_metrics.h"
#include "http_server.h"
#include "http_wire.h"
#include "keys.h"
#include "metrics.h"
#include "ratelimit.h"
#include "receipt_routes.h"
#include "status.h"

#ifndef FIELDSYNC_VERSION
#define FIELDSYNC_VERSION "0"
#endif

/* Cap on a packed reply: a batch is about reply_bytes of JSON, but one
 * change may be as large as a value may be (a questionnaire document). */
#define REPLY_GZIP_MAX (64u << 20)
/* Devices tracked by the sync rate limit (they are authenticated, so only
 * enrolled devices can take a slot). */
#define SYNC_RATE_KEYS (1u << 20)

struct hub_app {
	hub_pool *pool;
	hub_ratelimit *rate;        /* sync requests per device */
	hub_ratelimit *enroll_rate; /* failed enrollment attempts per source */
	hub_limits limits;
	/* Once the store's hub-wide bound on failed enrollment attempts is
	 * reached, refuse attempts here (monotonic ms) before their body is
	 * read, so a distributed flood costs no store writes. */
	_Atomic uint64_t enroll_blocked_until;
	/* The hub's public keys (keys.h), reread every KEYS_REFRESH_MS so a
	 * `seal-key rotate` reaches kiosks without a restart. */
	pthread_mutex_t keys_lock;
	hub_keys_public keys;
	uint64_t keys_read_ms; /* monotonic; 0: never */
	hub_metrics *metrics;
};

#define KEYS_REFRESH_MS 10000u

void hub_limits_default(hub_limits *out)
{
	/* A kiosk's push is at most ~0.8 MiB of JSON before gzip; every
	 * connection may buffer this much before it is decoded. */
	out->max_body = 2u << 20;
	out->max_enroll_body = 16u << 10;
	fs_codec_limits_default(&out->codec);
	out->reply_changes = 5000;
	out->reply_bytes = 1u << 20;
	out->rate_per_minute = 120;
	out->enroll_fails_per_source = 10;
	out->enroll_sources = 65536;
}


static uint64_t wall_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

/* A copy of the hub's public keys, made on first use; 0 or an error. held:
 * the caller's store handle, or NULL (one is taken from the pool: never
 * while holding one, so a full pool cannot deadlock). */
static int hub_keys_copy(hub_app *app, fs_store *held, hub_keys_public *out, fs_err *err)
{
	fs_store *s = held;
	uint64_t now = fs_monotonic_ms();
	int rc = 0;

	pthread_mutex_lock(&app->keys_lock);
	if (app->keys_read_ms == 0 || now - app->keys_read_ms >= KEYS_REFRESH_MS) {
		if (s == NULL)
			rc = hub_pool_get(app->pool, &s, err);
		if (rc == 0) {
			hub_pool_write_lock(app->pool);
			rc = hub_keys_public_get(s, &app->keys, err);
			hub_pool_write_unlock(app->pool);
			if (held == NULL)
				hub_pool_put(app->pool, s);
		}
		if (rc == 0)
			app->keys_read_ms = now ? now : 1;
	}
	if (rc == 0)
		*out = app->keys;
	pthread_mutex_unlock(&app->keys_lock);
	return rc;
}

static int hub_keys_ready(hub_app *app, fs_err *err)
{
	hub_keys_public k;

	return hub_keys_copy(app, NULL, &k, err);
}

int hub_app_new(hub_app **out, hub_pool *pool, const hub_limits *limits, fs_err *err)
{
	hub_app *app = calloc(1, sizeof(*app));

	*out = NULL;
	if (app == NULL)
		return fs_err_set(err, FS_ENOMEM, "out of memory");
	app->rate = hub_ratelimit_new(limits->rate_per_minute, SYNC_RATE_KEYS);
	app->enroll_rate =
	    hub_ratelimit_new(limits->enroll_fails_per_source, limits->enroll_sources);
	app->metrics = hub_metrics_new();
	if (app->rate == NULL || app->enroll_rate == NULL || app->metrics == NULL) {
		hub_app_free(app);
		return fs_err_set(err, FS_ENOMEM, "out of memory");
	}
	if (sodium_init() < 0) {
		hub_app_free(app);
		return fs_err_set(err, FS_EGENERIC, "libsodium failed to initialise");
	}
	app->pool = pool;
	app->limits = *limits;
	pthread_mutex_init(&app->keys_lock, NULL);
	/* The keys are made on the hub's first use (keys.h), here. */
	if (hub_keys_ready(app, err) != 0) {
		hub_app_free(app);
		return -1;
	}
	*out = app;
	return 0;
}

void hub_app_free(hub_app *app)
{
	if (app == NULL)
		return;
	hub_ratelimit_free(app->rate);
	hub_ratelimit_free(app->enroll_rate);
	hub_metrics_free(app->metrics);
	if (app->pool != NULL)
		pthread_mutex_destroy(&app->keys_lock);
	free(app);
}

hub_metrics *hub_app_metrics(hub_app *app)
{
	return app->metrics;
}

void hub_request_set_peer(hub_request *req, const struct sockaddr *addr)
{
	struct sockaddr_in a4;
	struct sockaddr_in6 a6;

	req->peer[0] = '\0';
	req->peer_addr = addr;
	if (addr == NULL)
		return;
	if (addr->sa_family == AF_INET) {
		memcpy(&a4, addr, sizeof(a4));
		if (inet_ntop(AF_INET, &a4.sin_addr, req->peer, sizeof(req->peer)) == NULL)
			req->peer[0] = '\0';
	} else if (addr->sa_family == AF_INET6) {
		memcpy(&a6, addr, sizeof(a6));
		if (inet_ntop(AF_INET6, &a6.sin6_addr, req->peer, sizeof(req->peer)) == NULL)
			req->peer[0] = '\0';
	}
}

/* ---- shared checks ---- */

/* Refuse a declared Content-Length over cap before reading anything. */
static int declared_too_large(const hub_request *req, size_t cap, hub_reply *r)
{
	unsigned long long n;
	char *end;

	if (req->content_length == NULL)
		return 0;
	n = strtoull(req->content_length, &end, 10);
	if (*end != '\0' || n <= cap)
		return 0;
	hub_reply_error(r, 413, "too_large", "request body of %llu bytes is over the cap of %zu", n,
	                cap);
	return 1;
}

/* Answer a core call's failure at step as the status table says. s (may
 * be NULL) gives the hub's time where the answer carries it. */
static void answer_error(hub_reply *r, hub_step step, int rc, const fs_err *e, fs_store *s)
{
	const hub_status *st = hub_status_of(step, rc);
	const char *msg = st->message ? st->message : e->msg;

	if (st->log != NULL)
		fprintf(stderr, "fieldsync-hub: %s: %s\n", st->log, e->msg[0] ? e->msg : "unknown");
	if (st->with_time && s != NULL) {
		hub_reply_json(r, st->status,
		               json_pack("{s:s, s:s, s:I}", "error", st->error, "message", msg,
		                         "time", (json_int_t)fs_store_now_ms(s)));
		if (r->status == st->status)
			r->error = st->error;
	} else {
		hub_reply_error(r, st->status, st->error, "%s", msg);
	}
	r->retry_after = st->retry_after;
	r->bearer_challenge = st->challenge;
}

/* Record a refused request's error code as the device's last error. */
static void note_refusal(hub_app *app, const hub_request *req, const hub_reply *r)
{
	fs_store *s = NULL;

	if (req->device.site[0] == '\0' || r->status < 400 || r->error == NULL ||
	    r->status == 429 || hub_pool_get(app->pool, &s, NULL) != 0)
		return;
	hub_pool_write_lock(app->pool);
	hub_device_note_sync(s, req->device.site, r->error, NULL);
	hub_pool_write_unlock(app->pool);
	hub_pool_put(app->pool, s);
}

/* ---- GET /health ---- */

static void health_finish(hub_app *app, hub_reply *r)
{
	fs_store *s = NULL;
	fs_err e = {0, ""};
	uint64_t now;
	int rc = hub_pool_get(app->pool, &s, &e);

	if (rc == 0)
		rc = fs_store_check_files(s, &e);
	if (rc != 0) {
		hub_pool_put(app->pool, s);
		answer_error(r, HUB_STEP_STORE, rc, &e, NULL);
		return;
	}
	now = fs_store_now_ms(s);
	hub_pool_put(app->pool, s);
	hub_reply_json(r, 200,
	               json_pack("{s:s, s:I, s:s}", "status", "ok", "time", (json_int_t)now,
	                         "version", FIELDSYNC_VERSION));
	r->no_store = 1;
}

/* ---- POST /v1/enroll ---- */

/* The enrollment throttle, at the header stage so a refused attempt costs
 * no body, no parsing and no store access. Refused (429) while the
 * hub-wide bound is reached, or when the request's source has had
 * enroll_fails_per_source failed attempts in its current minute. Otherwise
 * the attempt is counted against the source now, so parallel attempts
 * cannot overrun the limit, and enroll_finish takes it back unless the
 * attempt failed. */
static int enroll_admit(hub_app *app, hub_request *req, hub_reply *r)
{
	uint64_t now = fs_monotonic_ms(), until = atomic_load(&app->enroll_blocked_until);
	unsigned wait;

	if (now < until) {
		wait = (unsigned)((until - now + 999) / 1000);
		hub_reply_error(r, 429, "too_many_requests",
		                "too many failed enrollment attempts at this hub (%d a minute); "
		                "retry in %u s",
		                HUB_ENROLL_FAILS_PER_MINUTE, wait);
		r->retry_after = wait;
		return -1;
	}
	hub_ratelimit_source(req->source, sizeof(req->source), req->peer);
	wait = hub_ratelimit_hit(app->enroll_rate, req->source, now);
	if (wait != 0) {
		hub_reply_error(r, 429, "too_many_requests",
		                "too many failed enrollment attempts from this address (%u a "
		                "minute); retry in %u s",
		                app->limits.enroll_fails_per_source, wait);
		r->retry_after = wait;
		return -1;
	}
	req->enroll_counted = 1;
	return 0;
}

static void enroll_begin(hub_app *app, hub_request *req, hub_reply *r)
{
	if (!fs_http_media_type_is(req->content_type, HUB_JSON_TYPE)) {
		hub_reply_error(r, 415, "unsupported_media_type",
		                "send the enrollment body as Content-Type: " HUB_JSON_TYPE);
		return;
	}
	if (req->content_encoding != NULL && strcasecmp(req->content_encoding, "identity") != 0) {
		hub_reply_error(r, 415, "unsupported_media_type",
		                "the enrollment body must not be encoded");
		return;
	}
	if (declared_too_large(req, app->limits.max_enroll_body, r))
		return;
	if (enroll_admit(app, req, r) != 0)
		return;
	req->body_cap = app->limits.max_enroll_body;
}

/* Parse {"code": CODE, "name": NAME?}; 0 or -1 with the reply set. */
static int enroll_parse(const hub_request *req, json_t **out, const char **code, const char **name,
                        hub_reply *r)
{
	json_error_t je;
	json_t *body, *v;
	const char *key;

	*out = NULL;
	body = json_loadb(req->body.data ? req->body.data : "", req->body.len,
	                  JSON_REJECT_DUPLICATES, &je);
	if (body == NULL) {
		hub_reply_error(r, 400, "bad_request", "enrollment body: line %d column %d: %s",
		                je.line, je.column, je.text);
		return -1;
	}
	if (!json_is_object(body)) {
		hub_reply_error(r, 400, "bad_request", "enrollment body must be a JSON object");
		goto fail;
	}
	json_object_foreach (body, key, v) {
		if (strcmp(key, "code") != 0 && strcmp(key, "name") != 0) {
			hub_reply_error(r, 400, "bad_request",
			                "enrollment body: unknown key \"%.40s\"", key);
			goto fail;
		}
	}
	*code = json_string_value(json_object_get(body, "code"));
	if (*code == NULL) {
		hub_reply_error(r, 400, "bad_request",
		                "enrollment body: \"code\" must be a string");
		goto fail;
	}
	v = json_object_get(body, "name");
	*name = json_string_value(v);
	if (v != NULL && !json_is_null(v) && *name == NULL) {
		hub_reply_error(r, 400, "bad_request",
		                "enrollment body: \"name\" must be a string");
		goto fail;
	}
	*out = body;
	return 0;
fail:
	json_decref(body);
	return -1;
}

static void enroll_finish(hub_app *app, hub_request *req, hub_reply *r)
{
	char token[HUB_TOKEN_MAX + 1] = "";
	const char *code = NULL, *name = NULL;
	json_t *body = NULL;
	fs_store *s = NULL;
	hub_keys_public keys;
	hub_device dev;
	fs_err e = {0, ""};
	int rc;

	if (req->body_over) {
		hub_reply_error(r, 413, "too_large", "enrollment body is over the cap of %zu bytes",
		                app->limits.max_enroll_body);
		goto cleanup;
	}
	if (enroll_parse(req, &body, &code, &name, r) != 0)
		goto cleanup;
	rc = hub_pool_get(app->pool, &s, &e);
	if (rc != 0) {
		answer_error(r, HUB_STEP_STORE, rc, &e, NULL);
		goto cleanup;
	}
	/* The keys the kiosk pins (docs/protocol.md), read before the code
	 * is spent. */
	rc = hub_keys_copy(app, s, &keys, &e);
	if (rc != 0) {
		answer_error(r, HUB_STEP_STORE, rc, &e, NULL);
		hub_pool_put(app->pool, s);
		goto cleanup;
	}
	hub_pool_write_lock(app->pool);
	rc = hub_enroll_redeem(s, &dev, token, code, name, &e);
	hub_pool_write_unlock(app->pool);
	if (rc == 0) {
		snprintf(req->device.site, sizeof(req->device.site), "%s", dev.site);
		hub_reply_json(r, 200,
		               json_pack("{s:s, s:s, s:s, s:I, s:s, s:s}", "site", dev.site,
		                         "region", dev.region, "token", token, "time",
		                         (json_int_t)fs_store_now_ms(s), "seal_key", keys.seal,
		                         "sign_key", keys.sign));
		r->no_store = 1;
	} else {
		answer_error(r, HUB_STEP_ENROLL, rc, &e, s);
	}
	/* The hub-wide bound is reached: refuse attempts unread until then. */
	if (rc == FS_ELIMIT && r->status == 429)
		atomic_store(&app->enroll_blocked_until,
		             fs_monotonic_ms() + (uint64_t)r->retry_after * 1000u);
	hub_pool_put(app->pool, s);
cleanup:
	/* Only failures count against the source: not a success, not an
	 * attempt the hub-wide bound refused unseen, not the hub's own error. */
	if (req->enroll_counted && (r->status == 200 || r->status == 429 || r->status >= 500))
		hub_ratelimit_refund(app->enroll_rate, req->source, fs_monotonic_ms());
	sodium_memzero(token, sizeof(token));
	json_decref(body);
}

/* ---- POST /v1/sync ---- */

/* "Bearer <token>": the token, or NULL. */
static const char *bearer_token(const char *header, char out[HUB_TOKEN_MAX + 2])
{
	size_t n;

	if (header == NULL || strncasecmp(header, "Bearer ", 7) != 0)
		return NULL;
	header += 7;
	while (*header == ' ')
		header++;
	n = strlen(header);
	while (n > 0 && (header[n - 1] == ' ' || header[n - 1] == '\t'))
		n--;
	if (n == 0 || n > HUB_TOKEN_MAX)
		return NULL;
	memcpy(out, header, n);
	out[n] = '\0';
	return out;
}

/* 403 revoked to a revoked device that presented its own token, with the
 * signed wipe order (docs/protocol.md): the kiosk erases its data once the
 * signature verifies with the key it pinned at enrollment. Without a
 * signature (the store failed) the reply is the plain 403. */
static void revoked_reply(hub_app *app, const hub_device *dev, hub_reply *r)
{
	char sig[FS_SIGN_SIG_B64_MAX + 1] = "";
	fs_store *s = NULL;
	fs_err e = {0, ""};
	const hub_status *st = hub_status_of(HUB_STEP_AUTH, FS_EFORBIDDEN);

	if (hub_pool_get(app->pool, &s, &e) == 0)
		hub_keys_sign_wipe(s, dev->site, sig, &e);
	hub_pool_put(app->pool, s);
	if (sig[0] == '\0') {
		fprintf(stderr, "fieldsync-hub: wipe order for %s not signed: %s\n", dev->site,
		        e.msg);
		answer_error(r, HUB_STEP_AUTH, FS_EFORBIDDEN, &e, NULL);
		return;
	}
	hub_reply_json(r, st->status,
	               json_pack("{s:s, s:s, s:s}", "error", st->error, "message", st->message,
	                         "wipe", sig));
	if (r->status == st->status)
		r->error = st->error;
}

static int authenticate(hub_app *app, hub_request *req, hub_reply *r)
{
	char buf[HUB_TOKEN_MAX + 2];
	const char *token = bearer_token(req->authorization, buf);
	fs_store *s = NULL;
	hub_device dev;
	fs_err e = {0, ""};
	int rc;

	memset(&dev, 0, sizeof(dev));
	if (token == NULL) {
		hub_reply_error(r, 401, "unauthorized",
		                req->authorization ? "malformed credentials: expected "
		                                     "Authorization: Bearer <token>"
		                                   : "missing credentials: send Authorization: "
		                                     "Bearer <token>");
		r->bearer_challenge = 1;
		return -1;
	}
	rc = hub_pool_get(app->pool, &s, &e);
	if (rc == 0) {
		rc = hub_device_authenticate(s, &dev, token, &e);
		hub_pool_put(app->pool, s);
	}
	sodium_memzero(buf, sizeof(buf));
	if (rc == FS_EFORBIDDEN && dev.site[0] != '\0') {
		revoked_reply(app, &dev, r);
		return -1;
	}
	if (rc != 0) {
		answer_error(r, HUB_STEP_AUTH, rc, &e, NULL);
		return -1;
	}
	req->device = dev;
	return 0;
}

/* The query: only "cursor", once, a decimal integer >= 0. */
static int parse_query(hub_request *req, hub_reply *r)
{
	size_t i;

	if (req->query_overflow) {
		hub_reply_error(r, 400, "bad_request", "too many query parameters");
		return -1;
	}
	for (i = 0; i < req->nquery; i++) {
		const char *v = req->query[i].value;
		int64_t n = 0;
		size_t k;

		if (strcmp(req->query[i].key, "cursor") != 0) {
			hub_reply_error(r, 400, "bad_request",
			                "unknown query parameter \"%.40s\"; only cursor is allowed",
			                req->query[i].key);
			return -1;
		}
		if (req->has_cursor) {
			hub_reply_error(r, 400, "bad_request", "cursor is given more than once");
			return -1;
		}
		for (k = 0; v != NULL && v[k] >= '0' && v[k] <= '9'; k++) {
			if (n > (INT64_MAX - (v[k] - '0')) / 10)
				break;
			n = n * 10 + (v[k] - '0');
		}
		if (v == NULL || k == 0 || v[k] != '\0') {
			hub_reply_error(r, 400, "bad_request",
			                "cursor must be a decimal integer from 0 to %" PRId64,
			                INT64_MAX);
			return -1;
		}
		req->cursor = n;
		req->has_cursor = 1;
	}
	return 0;
}

static void sync_begin(hub_app *app, hub_request *req, hub_reply *r)
{
	unsigned wait;

	if (authenticate(app, req, r) != 0)
		return;
	wait = hub_ratelimit_hit(app->rate, req->device.site, fs_monotonic_ms());
	if (wait != 0) {
		hub_reply_error(r, 429, "too_many_requests",
		                "over %u requests per minute from this device; retry in %u s",
		                app->limits.rate_per_minute, wait);
		r->retry_after = wait;
		return;
	}
	if (parse_query(req, r) != 0)
		return;
	/* The kiosk's clock is compared with the hub's as the head arrives
	 * (the body's upload time is not the kiosk's offset). */
	hub_kiosk_status_parse(&req->status, req->fs_agent, req->fs_pending, req->fs_clock,
	                       req->fs_region, wall_ms());
	if (!fs_http_media_type_is(req->content_type, HUB_CHANGESET_TYPE)) {
		hub_reply_error(r, 415, "unsupported_media_type",
		                "send the change set as Content-Type: " HUB_CHANGESET_TYPE);
		return;
	}
	if (req->content_encoding == NULL || strcasecmp(req->content_encoding, FS_WIRE_CHANGESET_ENCODING) != 0) {
		hub_reply_error(r, 415, "unsupported_media_type",
		                "send the change set with Content-Encoding: gzip");
		return;
	}
	if (declared_too_large(req, app->limits.max_body, r))
		return;
	req->body_cap = app->limits.max_body;
}

/* Inflate and decode the body into cs; 0 or -1 with the reply set. The
 * codec's pre-scan refuses a body whose decoding would pass the caps
 * before any JSON tree is built (docs/changeset.md "Limits"). */
static int sync_decode(hub_app *app, hub_request *req, fs_changeset *cs, hub_reply *r)
{
	fs_err e = {0, ""};
	int rc;

	fs_changeset_init(cs);
	if (req->body_over) {
		hub_reply_error(r, 413, "too_large", "request body is over the cap of %zu bytes",
		                app->limits.max_body);
		return -1;
	}
	rc = fs_changeset_unpack(cs, req->body.data, req->body.len, &app->limits.codec, &e);
	fs_buf_free(&req->body);
	if (rc == 0)
		return 0;
	answer_error(r, HUB_STEP_CHANGESET, rc, &e, NULL);
	return -1;
}

/* Merge cs as the device, under the writer lock; 0 or -1 with the reply
 * set. The device's sync is noted in the same critical section. */
static int sync_merge(hub_app *app, fs_store *s, const hub_request *req, const fs_changeset *cs,
                      hub_reply *r)
{
	fs_merge_result res;
	fs_err e = {0, ""};
	hub_sync_note note = {&req->device, &req->status, req->has_cursor ? req->cursor : -1};
	int rc;

	hub_pool_write_lock(app->pool);
	/* Just after a move, its edits of the old region are still taken
	 * (registry.h hub_device_move). */
	rc = fs_sync_hub_receive_moved(
	    s, cs, req->device.site, req->device.region,
	    hub_device_grace_region(&req->device, &req->status, fs_store_now_ms(s)),
	    req->has_cursor ? req->cursor : -1, hub_device_synced_status, &note, &res, &e);
	hub_pool_write_unlock(app->pool);
	if (rc == 0) {
		hub_metrics_merged(app->metrics, cs, &res);
		return 0;
	}
	answer_error(r, HUB_STEP_MERGE, rc, &e, s);
	return -1;
}

static void sync_finish(hub_app *app, hub_request *req, hub_reply *r)
{
	fs_changeset in, out;
	fs_store *s = NULL;
	hub_keys_public keys;
	fs_buf packed;
	fs_err e = {0, ""};
	int rc;

	fs_changeset_init(&out);
	fs_buf_init(&packed, REPLY_GZIP_MAX);
	if (sync_decode(app, req, &in, r) != 0)
		goto cleanup;
	rc = hub_pool_get(app->pool, &s, &e);
	if (rc != 0) {
		answer_error(r, HUB_STEP_STORE, rc, &e, NULL);
		goto cleanup;
	}
	if (sync_merge(app, s, req, &in, r) != 0)
		goto cleanup;
	/* Committed: from here the push is acknowledged even if reading the
	 * reply fails (the kiosk then resends it; merging is idempotent). */
	rc = fs_sync_hub_outgoing(s, &out, req->device.site, req->device.region, req->cursor,
	                          app->limits.reply_changes, app->limits.reply_bytes, &e);
	if (rc == 0)
		rc = fs_changeset_pack(&packed, &out, &e);
	if (rc != 0) {
		answer_error(r, HUB_STEP_MERGE, rc, &e, s);
		goto cleanup;
	}
	r->status = 200;
	r->body = packed.data;
	r->len = packed.len;
	packed.data = NULL;
	r->content_type = HUB_CHANGESET_TYPE;
	r->gzip = 1;
	r->has_ack = 1;
	r->ack = in.to;
	r->no_store = 1;
	/* The device's region: a moved kiosk learns it here. */
	snprintf(r->region, sizeof(r->region), "%s", req->device.region);
	/* The current seal key, signed: a kiosk adopts a rotated key. */
	if (hub_keys_copy(app, s, &keys, &e) == 0)
		snprintf(r->seal_key, sizeof(r->seal_key), "%s:%s", keys.seal, keys.seal_sig);
cleanup:
	hub_pool_put(app->pool, s);
	fs_buf_free(&packed);
	fs_changeset_free(&out);
	fs_changeset_free(&in);
}

/* ---- POST /v1/audit: worker events a kiosk recorded (audit.h) ---- */

static void audit_begin(hub_app *app, hub_request *req, hub_reply *r)
{
	unsigned wait;

	if (authenticate(app, req, r) != 0)
		return;
	/* The device's sync budget: a kiosk posts its events after a sync. */
	wait = hub_ratelimit_hit(app->rate, req->device.site, fs_monotonic_ms());
	if (wait != 0) {
		hub_reply_error(r, 429, "too_many_requests",
		                "over %u requests per minute from this device; retry in %u s",
		                app->limits.rate_per_minute, wait);
		r->retry_after = wait;
		return;
	}
	if (req->nquery != 0 || req->query_overflow) {
		hub_reply_error(r, 400, "bad_request", "/v1/audit takes no query parameters");
		return;
	}
	if (!fs_http_media_type_is(req->content_type, "application/json")) {
		hub_reply_error(r, 415, "unsupported_media_type",
		                "send the events as Content-Type: application/json");
		return;
	}
	if (req->content_encoding != NULL && strcasecmp(req->content_encoding, "identity") != 0) {
		hub_reply_error(r, 415, "unsupported_media_type",
		                "send the events as plain JSON, without Content-Encoding");
		return;
	}
	if (declared_too_large(req, HUB_AUDIT_BODY_MAX, r))
		return;
	req->body_cap = HUB_AUDIT_BODY_MAX;
}

static void audit_finish(hub_app *app, hub_request *req, hub_reply *r)
{
	fs_store *s = NULL;
	fs_err e = {0, ""};
	long added = 0;
	int rc;

	if (req->body_over) {
		hub_reply_error(r, 413, "too_large", "audit body is over the cap of %u bytes",
		                HUB_AUDIT_BODY_MAX);
		return;
	}
	rc = hub_pool_get(app->pool, &s, &e);
	if (rc != 0) {
		answer_error(r, HUB_STEP_STORE, rc, &e, NULL);
		return;
	}
	hub_pool_write_lock(app->pool);
	rc = hub_audit_worker_events(s, req->device.site, req->body.data ? req->body.data : "",
	                             req->body.len, &added, &e);
	hub_pool_write_unlock(app->pool);
	if (rc == 0)
		hub_reply_json(r, 200, json_pack("{s:I}", "added", (json_int_t)added));
	else if (rc == FS_EINVAL)
		hub_reply_error(r, 400, "bad_request", "%s", e.msg);
	else
		answer_error(r, HUB_STEP_STORE, rc, &e, s);
	hub_pool_put(app->pool, s);
}

/* ---- GET /metrics (metrics.h) ---- */

/* Before the method is looked at: a peer that may not read the metrics
 * learns nothing, not even that the path exists. */
static int metrics_admit(hub_app *app, const hub_request *req, hub_reply *r)
{
	char buf[HUB_TOKEN_MAX + 2];
	hub_metrics_access a = hub_metrics_check(app->metrics, req->peer_addr,
	                                         bearer_token(req->authorization, buf));

	sodium_memzero(buf, sizeof(buf));
	if (a == HUB_METRICS_HIDDEN) {
		hub_reply_error(r, 404, "not_found", "no such endpoint");
		return -1;
	}
	if (a == HUB_METRICS_UNAUTHORIZED) {
		hub_reply_error(r, 401, "unauthorized",
		                "send the metrics token: Authorization: Bearer <token>");
		r->bearer_challenge = 1;
		return -1;
	}
	return 0;
}

static void metrics_finish(hub_app *app, hub_reply *r)
{
	fs_store *s = NULL;
	fs_err e = {0, ""};
	int64_t size = -1;
	fs_buf text;
	int rc;

	if (hub_pool_get(app->pool, &s, &e) == 0 && fs_store_size_bytes(s, &size, &e) != 0)
		size = -1;
	hub_pool_put(app->pool, s);
	if (size < 0)
		fprintf(stderr, "fieldsync-hub: metrics: store size left out: %s\n",
		        e.msg[0] ? e.msg : "unknown");
	fs_buf_init(&text, FS_METRICS_MAX);
	rc = hub_metrics_render(app->metrics, &text, size, FIELDSYNC_VERSION);
	if (rc != 0) {
		fs_buf_free(&text);
		hub_reply_error(r, 500, "internal", "the metrics could not be written");
		return;
	}
	r->status = 200;
	r->body = text.data;
	r->len = text.len;
	r->content_type = FS_METRICS_CONTENT_TYPE;
	r->no_store = 1;
}

/* ---- dispatch ---- */

static const struct {
	const char *path;
	hub_route route;
	const char *allow; /* methods, comma-separated, for 405 */
} routes[] = {
    {"/health", HUB_ROUTE_HEALTH, "GET, HEAD"},
    {"/v1/enroll", HUB_ROUTE_ENROLL, "POST"},
    {"/v1/sync", HUB_ROUTE_SYNC, "POST"},
    {"/v1/audit", HUB_ROUTE_AUDIT, "POST"},
    {"/metrics", HUB_ROUTE_METRICS, "GET"},
    {"/v1/receipt", HUB_ROUTE_RECEIPT, "POST"}, /* receipt_routes.c */
};

static int method_allowed(const char *method, hub_route route)
{
	if (route == HUB_ROUTE_HEALTH)
		return strcmp(method, "GET") == 0 || strcmp(method, "HEAD") == 0;
	if (route == HUB_ROUTE_METRICS)
		return strcmp(method, "GET") == 0;
	return strcmp(method, "POST") == 0;
}

void hub_app_begin(hub_app *app, hub_request *req, hub_reply *r)
{
	size_t i;

	for (i = 0; i < sizeof(routes) / sizeof(routes[0]); i++)
		if (strcmp(req->path, routes[i].path) == 0)
			break;
	if (i == sizeof(routes) / sizeof(routes[0])) {
		hub_reply_error(r, 404, "not_found", "no such endpoint");
		return;
	}
	if (routes[i].route == HUB_ROUTE_METRICS && metrics_admit(app, req, r) != 0)
		return;
	if (!method_allowed(req->method, routes[i].route)) {
		hub_reply_error(r, 405, "method_not_allowed", "use %s for %s", routes[i].allow,
		                routes[i].path);
		r->allow = routes[i].allow;
		return;
	}
	req->route = routes[i].route;
	req->body_cap = 0;
	switch (req->route) {
	case HUB_ROUTE_ENROLL:
		enroll_begin(app, req, r);
		break;
	case HUB_ROUTE_SYNC:
		sync_begin(app, req, r);
		break;
	case HUB_ROUTE_AUDIT:
		audit_begin(app, req, r);
		break;
	case HUB_ROUTE_RECEIPT:
		if (authenticate(app, req, r) == 0)
			hub_receipt_begin(req, r);
		break;
	default:
		break;
	}
	if (r->status != 0)
		note_refusal(app, req, r);
}

void hub_app_finish(hub_app *app, hub_request *req, hub_reply *r)
{
	switch (req->route) {
	case HUB_ROUTE_HEALTH:
		health_finish(app, r);
		break;
	case HUB_ROUTE_ENROLL:
		enroll_finish(app, req, r);
		break;
	case HUB_ROUTE_SYNC:
		sync_finish(app, req, r);
		break;
	case HUB_ROUTE_AUDIT:
		audit_finish(app, req, r);
		break;
	case HUB_ROUTE_METRICS:
		metrics_finish(app, r);
		break;
	case HUB_ROUTE_RECEIPT:
		hub_receipt_finish(app->pool, req, r);
		break;
	default:
		hub_reply_error(r, 404, "not_found", "no such endpoint");
		break;
	}
	if (req->route == HUB_ROUTE_SYNC && r->status != 0)
		note_refusal(app, req, r);
}
