/* fieldsync-hub console: the contract every console feature codes against
 * (docs/console.md). The console is served by `fieldsync-hub serve` on its
 * own listener (--console ADDR) on the shared HTTP layer
 * (http/http_server.h); its pages are embedded from hub/console/www/.
 *
 * A feature puts its routes in hub/console/api_FEATURE.c as
 *     const console_route console_routes_FEATURE[] = {..., {0}};
 * declared in one line of hub/console/routes.h and listed in one line of
 * the table in hub/console/routes.c (api_*.c files are built by a glob in
 * hub/CMakeLists.txt). Route paths start with /api/ or /v1/admin/.
 *
 * Before a handler runs the framework (hub/console/server.c) has checked:
 *  - Host names this console (DNS rebinding), Sec-Fetch-Site and Origin
 *    (every POST must carry a same-origin Origin);
 *  - the caller: the session cookie (fs_console), or for a token_ok GET
 *    route a personal API token (Authorization: Bearer fsu_...); the
 *    user's role and regions are read from the store on every request;
 *  - for POST with a session: the X-CSRF-Token header equals the
 *    session's token, and Content-Type is application/json;
 *  - the role (min_role) and the body size (body_cap; 413 past it).
 * POST handlers run under the hub's writer lock (hub/pool.h), so they may
 * write; a GET handler writes nothing but its audit entry (hub_audit_add,
 * a transaction of its own). A handler checks region limits itself with
 * console_user_sees_region: every list filtered, every single record not
 * visible answered 404 (so an analyst of one region learns nothing of
 * another), and writes its own audit entry (actor c->actor) for every
 * change and every export.
 *
 * Names beyond the contract (added, nothing renamed): console_role_name,
 * console_role_parse, console_body_object; console_answer.retry_after;
 * console_call.peer. */
#ifndef HUB_CONSOLE_H
#define HUB_CONSOLE_H

#include <jansson.h>
#include <stddef.h>

#include "fieldsync/changeset.h"
#include "fieldsync/error.h"
#include "fieldsync/store.h"

typedef enum { CONSOLE_VIEWER = 1, CONSOLE_ANALYST = 2, CONSOLE_ADMIN = 3 } console_role;

/* At most this many regions per user (more: FS_EINVAL when set). */
#define CONSOLE_USER_REGIONS_MAX 16

typedef struct console_user {
	char name[65]; /* [a-z0-9._-]{1,64} */
	console_role role;
	size_t nregions; /* 0: every region */
	char regions[16][FS_NAME_MAX + 1];
} console_user;

/* 1 when u may see data of region (always for nregions 0). */
int console_user_sees_region(const console_user *u, const char *region);

/* "viewer", "analyst", "admin" ("?" for anything else). */
const char *console_role_name(console_role r);
/* The role of a name above: 0, or FS_EINVAL. */
int console_role_parse(console_role *out, const char *text);

typedef struct console_call {
	const console_user *user; /* authenticated; never NULL in a handler */
	fs_store *store;          /* the hub's store, for this request */
	const char *method, *path; /* path without the query */
	const char *(*arg)(const struct console_call *c, const char *key); /* query arg or NULL */
	const char *body;
	size_t body_len;   /* request body (POST), NUL-terminated */
	const char *actor; /* "console:NAME", for hub_audit_add */
	void *server;      /* private */
	const char *peer;  /* the client's address as text ("" unknown); for audit details */
} console_call;

typedef struct console_answer {
	int status;               /* 200 unless set */
	json_t *json;             /* owned: sent as application/json; or */
	char *body;               /* owned (malloc): sent with content_type */
	size_t len;
	const char *content_type; /* static */
	char filename[128];       /* non-empty: Content-Disposition: attachment */
	const char *error;        /* set by console_fail */
	char message[256];
	unsigned retry_after; /* Retry-After seconds; 0: none */
} console_answer;

/* Make a an error answer ({"error": error, "message": ...}; error a static
 * string such as "not_found"); drops any json or body set. Returns 0 so a
 * handler can `return console_fail(...)`. */
int console_fail(console_answer *a, int status, const char *error, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 4, 5)))
#endif
    ;

/* status from an fs_error code (FS_EINVAL 400, FS_ENOTFOUND 404, FS_EFORBIDDEN 403,
 * FS_ECONFLICT 409, FS_ETOOBIG 413, FS_ELIMIT 429, FS_EBUSY 503, others 500),
 * with err's message (500s: a fixed message; err's goes to the log). */
int console_fail_err(console_answer *a, int code, const fs_err *err);

/* The request body (POST) as a JSON object, a new reference; NULL, with a
 * 400 "invalid" answer in a, when it is not one. */
json_t *console_body_object(const console_call *c, console_answer *a);

/* Returns 0 with a set (status 200 when a->status is left 0), or a
 * negative fs_error: then a->status, if set, is answered, else 500. */
typedef int (*console_handler)(console_call *c, console_answer *a);

typedef struct console_route {
	const char *method; /* "GET" or "POST" */
	const char *path;   /* exact path, e.g. "/api/conflicts"; or a prefix ending in '/' */
	console_role min_role;
	console_handler fn;
	size_t body_cap; /* bytes; 0: no body */
	int token_ok;    /* 1: a user's API token may call it (no cookie, no CSRF) */
} console_route;

#endif
