/* fieldsync-hub: POST /v1/receipt (receipt_routes.h). Nothing of the
 * body (a receipt hash) is logged or kept. */
#include "receipt_routes.h"

#include <pthread.h>
#include <sodium.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "fieldsync/monotonic.h"
#include "http_server.h"
#include "ratelimit.h"
#include "receipts.h"
#include "status.h"

/* The limits of every app in this process (one per serve). */
static pthread_once_t once = PTHREAD_ONCE_INIT;
static hub_ratelimit *per_minute, *per_day, *hub_wide;

static void limits_new(void)
{
	per_minute = hub_ratelimit_new(HUB_RECEIPT_PER_MINUTE, 65536);
	per_day = hub_ratelimit_new_window(HUB_RECEIPT_PER_DAY, 86400000u, 65536);
	hub_wide = hub_ratelimit_new(HUB_RECEIPT_HUB_PER_MINUTE, 1);
}

static int over(hub_reply *r, unsigned wait, int limit, const char *what)
{
	if (wait == 0)
		return 0;
	hub_reply_error(r, 429, "too_many_requests", "over %d receipt lookups %s; retry in %u s",
	                limit, what, wait);
	r->retry_after = wait;
	return 1;
}

void hub_receipt_begin(hub_request *req, hub_reply *r)
{
	uint64_t now = fs_monotonic_ms();

	pthread_once(&once, limits_new);
	if (per_minute == NULL || per_day == NULL || hub_wide == NULL) {
		hub_reply_error(r, 503, "busy", "the hub is out of memory; retry shortly");
		r->retry_after = 5;
		return;
	}
	if (over(r, hub_ratelimit_hit(hub_wide, "*", now), HUB_RECEIPT_HUB_PER_MINUTE,
	         "a minute at this hub") ||
	    over(r, hub_ratelimit_hit(per_minute, req->device.site, now), HUB_RECEIPT_PER_MINUTE,
	         "a minute from this kiosk") ||
	    over(r, hub_ratelimit_hit(per_day, req->device.site, now), HUB_RECEIPT_PER_DAY,
	         "a day from this kiosk"))
		return;
	if (req->nquery != 0 || req->query_overflow) {
		hub_reply_error(r, 400, "bad_request", "/v1/receipt takes no query parameters");
		return;
	}
	if (!fs_http_media_type_is(req->content_type, "application/json") ||
	    (req->content_encoding != NULL && strcasecmp(req->content_encoding, "identity") != 0)) {
		hub_reply_error(r, 415, "unsupported_media_type",
		                "send {\"receipt\": HASH} as Content-Type: application/json, not "
		                "encoded");
		return;
	}
	req->body_cap = HUB_RECEIPT_BODY_MAX;
}

/* Wait until start + HUB_RECEIPT_FLOOR_MS. */
static void floor_wait(uint64_t start)
{
	uint64_t now = fs_monotonic_ms();
	struct timespec ts;

	if (now >= start + HUB_RECEIPT_FLOOR_MS)
		return;
	ts.tv_sec = 0;
	ts.tv_nsec = (long)(start + HUB_RECEIPT_FLOOR_MS - now) * 1000000L;
	nanosleep(&ts, NULL);
}

void hub_receipt_finish(hub_pool *pool, hub_request *req, hub_reply *r)
{
	uint64_t start = fs_monotonic_ms();
	json_error_t jerr;
	json_t *body = NULL, *reply = NULL;
	const char *hash;
	fs_store *s = NULL;
	fs_err e = {0, ""};
	int rc;

	if (req->body_over) {
		hub_reply_error(r, 413, "too_large", "the body is over the cap of %d bytes",
		                HUB_RECEIPT_BODY_MAX);
		return;
	}
	body = json_loadb(req->body.data ? req->body.data : "", req->body.len,
	                  JSON_REJECT_DUPLICATES, &jerr);
	hash = json_string_value(json_object_get(body, "receipt"));
	if (!json_is_object(body) || json_object_size(body) != 1 || hash == NULL ||
	    !fs_receipt_hash_valid(hash, json_string_length(json_object_get(body, "receipt")))) {
		hub_reply_error(r, 400, "bad_request",
		                "send {\"receipt\": HASH}, HASH being 64 lowercase hex digits");
		goto cleanup;
	}
	rc = hub_pool_get(pool, &s, &e);
	if (rc == 0) {
		rc = hub_receipt_status_json(s, hash, req->device.region, &reply, &e);
		hub_pool_put(pool, s);
	}
	floor_wait(start);
	if (rc != 0) {
		hub_reply_error(r, rc == FS_EBUSY ? 503 : 500, rc == FS_EBUSY ? "busy" : "internal",
		                "%s", rc == FS_EBUSY ? "the hub's store is busy; retry shortly"
		                                     : "the receipt could not be looked up");
		/* The message names no hash (receipt_store.c never puts it in one). */
		fprintf(stderr, "fieldsync-hub: receipt lookup: %s\n", e.msg);
		goto cleanup;
	}
	hub_reply_json(r, 200, reply);
	reply = NULL;
cleanup:
	if (req->body.data != NULL)
		sodium_memzero(req->body.data, req->body.len);
	json_decref(body);
	json_decref(reply);
}
