/* fieldsync-hub: the HTTP endpoints (docs/protocol.md): GET /health,
 * POST /v1/enroll, POST /v1/sync, POST /v1/audit, GET /metrics (metrics.h),
 * independent of the HTTP library.
 *
 * The server calls hub_app_begin once the request line and headers are in:
 * routing, method, credentials, rate limit, media types and declared size
 * are checked there, so a refused request is answered before its body is
 * read. Otherwise the server collects the body (at most req->body_cap
 * bytes; past that it only counts) and calls hub_app_finish. */
#ifndef HUB_ROUTES_H
#define HUB_ROUTES_H

#include <stddef.h>
#include <stdint.h>

#include "fieldsync/buf.h"
#include "fieldsync/changeset.h"
#include "registry.h"
#include "pool.h"
#include "reply.h"

typedef struct hub_limits {
	size_t max_body;                  /* sync request body (gzip), bytes */
	size_t max_enroll_body;           /* enrollment request body, bytes */
	fs_codec_limits codec;            /* inflated size, changes per set, value size */
	size_t reply_changes;             /* changes per reply batch */
	size_t reply_bytes;               /* about this much JSON per reply batch */
	unsigned rate_per_minute;         /* sync requests per device per minute */
	unsigned enroll_fails_per_source; /* failed enrollments per source per minute */
	size_t enroll_sources;            /* sources tracked at once (memory cap) */
} hub_limits;

/* 2 MiB, 16 KiB, the codec defaults (8 MiB, 20,000, 256 KiB, 48 MiB), 5,000
 * changes / 1 MiB per reply, 120 requests per minute, 10 failed
 * enrollment attempts per source per minute, 65,536 sources. The hub-wide
 * bound on failed enrollments is the store's (HUB_ENROLL_FAILS_PER_MINUTE). */
void hub_limits_default(hub_limits *out);

typedef struct hub_app hub_app;

/* The endpoints over pool (borrowed; must outlive the app). */
int hub_app_new(hub_app **out, hub_pool *pool, const hub_limits *limits, fs_err *err);
void hub_app_free(hub_app *app);

/* The app's counters and GET /metrics rule (metrics.h); never NULL. */
struct hub_metrics *hub_app_metrics(hub_app *app);

typedef enum hub_route {
	HUB_ROUTE_NONE = 0,
	HUB_ROUTE_HEALTH,
	HUB_ROUTE_ENROLL,
	HUB_ROUTE_SYNC,
	HUB_ROUTE_AUDIT, /* POST /v1/audit: worker events (audit.h) */
	HUB_ROUTE_METRICS, /* GET /metrics (metrics.h) */
	HUB_ROUTE_RECEIPT  /* POST /v1/receipt (receipt_routes.h) */
} hub_route;

#define HUB_QUERY_MAX 8

typedef struct hub_query_arg {
	const char *key, *value; /* value NULL for "?key" without "=" */
} hub_query_arg;

/* A client address as text (hub_request.peer). */
#define HUB_PEER_MAX 64

typedef struct hub_request {
	/* Set by the server before hub_app_begin; borrowed, valid for the
	 * whole request; NULL when the header is absent. */
	const char *method, *path;
	const char *content_type, *content_encoding, *authorization;
	const char *content_length;
	/* Kiosk status (sync; docs/protocol.md "Kiosk status"): untrusted. */
	const char *fs_agent, *fs_pending, *fs_clock, *fs_region;
	hub_query_arg query[HUB_QUERY_MAX];
	size_t nquery;
	int query_overflow;      /* more than HUB_QUERY_MAX arguments */
	char peer[HUB_PEER_MAX]; /* client IP address (hub_request_set_peer); "" unknown */
	const struct sockaddr *peer_addr; /* the same, borrowed; NULL unknown */

	/* Set by hub_app_begin. */
	hub_route route;
	size_t body_cap;
	hub_device device; /* the authenticated device; site "" when none */
	int64_t cursor;
	int has_cursor;
	char source[HUB_PEER_MAX]; /* enrollment: the throttled source (IPv4, IPv6 /64) */
	int enroll_counted;        /* enrollment: counted against source */
	hub_kiosk_status status;   /* sync: what the kiosk reported, bounded */

	/* Kept by the server while the body arrives. */
	fs_buf body;       /* at most body_cap bytes */
	int body_over;     /* more than body_cap arrived (and was dropped) */
	uint64_t bytes_in; /* body bytes received, kept or not */
} hub_request;

struct sockaddr;

/* Fill req->peer from the connection's address (NULL or a family other
 * than IPv4 and IPv6: ""), and req->peer_addr (borrowed: valid for the
 * request). */
void hub_request_set_peer(hub_request *req, const struct sockaddr *addr);

/* Header stage. Sets reply (status != 0) when the request is answered
 * now; otherwise sets route and body_cap and the server reads the body. */
void hub_app_begin(hub_app *app, hub_request *req, hub_reply *reply);

/* The body is in (req->body, req->body_over): answer the request. */
void hub_app_finish(hub_app *app, hub_request *req, hub_reply *reply);

#endif
