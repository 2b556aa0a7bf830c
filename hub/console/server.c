/* fieldsync-hub console: the listener and the framework of console.h
 * (server.h; docs/console.md). Every request is checked here in this
 * order: Host, then for the API Sec-Fetch-Site and Origin, the route and
 * its method, media type and declared size, the caller (session cookie or
 * API token), CSRF, role; all before the body is read. Login, logout and
 * the session itself are the framework's own routes. */
#include "server.h"

#include <inttypes.h>
#include <microhttpd.h>
#include <sodium.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "fieldsync/monotonic.h"
#include "accounts.h"
#include "audit.h"
#include "cli.h"
#include "auth.h"
#include "console.h"
#include "fieldsync/records.h"
#include "http_server.h"
#include "http_wire.h"
#include "ratelimit.h"
#include "routes.h"
#include "public_receipt.h"
#include "www_assets.h"

/* The hub's request type, for its peer-address text (hub/routes.h). */
#include "../routes.h"

#define BUSY_SLACK 16

struct console_server {
	fs_http_server *http;
	hub_pool *pool;
	console_throttle *throttle;
	console_config cfg;
	int tls;
	char host[300];       /* Host expected: the listen address as written, with port */
	char host_alias[300]; /* "localhost:PORT" on loopback, else "" */
};

/* The framework's own routes. */
enum builtin {
	ROUTE_TABLE = 0,
	ROUTE_LOGIN,
	ROUTE_LOGOUT,
	ROUTE_SESSION,
	ROUTE_RECEIPT_TOKEN, /* the public receipt page (public_receipt.h): no session */
	ROUTE_RECEIPT
};

/* One request. */
typedef struct console_exchange {
	fs_http_exchange *x;
	const console_route *route;
	enum builtin builtin;
	console_user user;
	int authed;
	int by_token;
	fs_session_row session;
	char csrf[CONSOLE_CSRF_LEN + 1];
	char actor[8 + FS_ACCOUNT_NAME_MAX + 1];
	char peer[HUB_PEER_MAX];
	char set_cookie[160];
	char disposition[200];
	console_answer ans;
} console_exchange;

/* ---- answers ---- */

int console_fail(console_answer *a, int status, const char *error, const char *fmt, ...)
{
	va_list ap;

	json_decref(a->json);
	a->json = NULL;
	free(a->body);
	a->body = NULL;
	a->len = 0;
	a->status = status;
	a->error = error;
	va_start(ap, fmt);
	vsnprintf(a->message, sizeof(a->message), fmt, ap);
	va_end(ap);
	return 0;
}

int console_fail_err(console_answer *a, int code, const fs_err *err)
{
	const char *msg = err != NULL && err->msg[0] ? err->msg : fs_error_name(code);

	switch (code) {
	case FS_EINVAL:
	case FS_EBADJSON:
		return console_fail(a, 400, "invalid", "%s", msg);
	case FS_ENOTFOUND:
		return console_fail(a, 404, "not_found", "%s", msg);
	case FS_EFORBIDDEN:
		return console_fail(a, 403, "forbidden", "%s", msg);
	case FS_ECONFLICT:
		return console_fail(a, 409, "conflict", "%s", msg);
	case FS_ETOOBIG:
		return console_fail(a, 413, "too_large", "%s", msg);
	case FS_ELIMIT:
		console_fail(a, 429, "too_many", "%s", msg);
		a->retry_after = 60;
		return 0;
	case FS_EBUSY:
		console_fail(a, 503, FS_WIRE_ERR_BUSY, "%s", msg);
		a->retry_after = 1;
		return 0;
	default:
		/* The hub's own trouble: the detail to the log, not to the page. */
		fprintf(stderr, HUB_PROG ": console: %s\n", msg);
		return console_fail(a, 500, "internal", "the hub could not do that; see its log");
	}
}

json_t *console_body_object(const console_call *c, console_answer *a)
{
	json_t *o = json_loadb(c->body, c->body_len, JSON_REJECT_DUPLICATES, NULL);

	if (!json_is_object(o)) {
		json_decref(o);
		console_fail(a, 400, "invalid", "send a JSON object");
		return NULL;
	}
	return o;
}

static void clear_answer(console_answer *a)
{
	json_decref(a->json);
	free(a->body);
	memset(a, 0, sizeof(*a));
}

/* The answer, handed to the layer. */
static void pass_answer(console_exchange *e, fs_http_reply *out)
{
	console_answer *a = &e->ans;

	if (a->status == 0)
		a->status = 200;
	if (a->status >= 400 || (a->json == NULL && a->body == NULL)) {
		fs_http_reply_error(out, a->status >= 400 ? a->status : 500,
		                    a->error != NULL ? a->error : "internal", NULL, "%s",
		                    a->message[0] ? a->message : "no answer");
	} else if (a->json != NULL) {
		fs_http_reply_json(out, a->status, a->json);
		a->json = NULL;
	} else {
		free(out->body);
		out->status = a->status;
		out->body = a->body;
		out->len = a->len;
		out->content_type = a->content_type != NULL ? a->content_type
		                                            : "application/octet-stream";
		a->body = NULL;
	}
	out->retry_after = a->retry_after;
	if (e->set_cookie[0] != '\0')
		fs_http_reply_header(out, MHD_HTTP_HEADER_SET_COOKIE, e->set_cookie);
	if (a->filename[0] != '\0' && out->status < 400) {
		snprintf(e->disposition, sizeof(e->disposition), "attachment; filename=\"%s\"",
		         a->filename);
		fs_http_reply_header(out, "Content-Disposition", e->disposition);
	}
	if (out->status == 401)
		fs_http_reply_header(out, MHD_HTTP_HEADER_WWW_AUTHENTICATE,
		                     "Bearer realm=\"fieldsync console\"");
}

/* ---- logging ---- */

static void log_text(char *out, size_t len, const char *in)
{
	size_t i;

	if (in == NULL)
		in = "-";
	for (i = 0; in[i] != '\0' && i + 1 < len; i++)
		out[i] = (in[i] > 0x20 && in[i] < 0x7f) ? in[i] : '?';
	out[i] = '\0';
}

static void log_request(const fs_http_exchange *x, const console_exchange *e)
{
	char when[FS_TIMESTAMP_LEN + 1], method[16], path[128];

	if (strncmp(x->path, "/api/", 5) != 0 && strncmp(x->path, "/v1/", 4) != 0 &&
	    (!x->sent || x->reply.status < 400))
		return; /* pages and their files: only their errors */
	fs_timestamp_format(when, console_now_ms());
	log_text(method, sizeof(method), x->method);
	log_text(path, sizeof(path), x->path);
	fprintf(stderr, "%s console %s %s %s %d %" PRIu64 "ms%s%s\n", when, method, path,
	        e != NULL && e->authed ? e->user.name : "-", x->sent ? x->reply.status : 0,
	        fs_http_elapsed_ms(x), x->reply.error ? " error=" : "",
	        x->reply.error ? x->reply.error : "");
}

/* ---- checks ---- */

static int host_is_ours(const console_server *srv, const char *host)
{
	return host != NULL &&
	       (strcasecmp(host, srv->host) == 0 ||
	        (srv->host_alias[0] != '\0' && strcasecmp(host, srv->host_alias) == 0) ||
	        (srv->cfg.public_host[0] != '\0' && strcasecmp(host, srv->cfg.public_host) == 0));
}

/* Sec-Fetch-Site, when sent, must be same-origin (or none: typed in);
 * Origin, when sent, must be this console; a POST must send Origin. */
static int origin_is_ours(const console_server *srv, const fs_http_exchange *x, int post)
{
	const char *origin = fs_http_header_get(x, "Origin");
	const char *site = fs_http_header_get(x, "Sec-Fetch-Site");

	if (site != NULL && strcmp(site, "same-origin") != 0 && strcmp(site, "none") != 0)
		return 0;
	if (origin == NULL)
		return !post;
	if (strncmp(origin, "https://", 8) == 0)
		return host_is_ours(srv, origin + 8);
	if (strncmp(origin, "http://", 7) == 0)
		return !srv->tls && host_is_ours(srv, origin + 7);
	return 0;
}

static int route_matches(const console_route *r, const char *path)
{
	size_t n = strlen(r->path);

	if (n > 0 && r->path[n - 1] == '/')
		return strncmp(path, r->path, n) == 0 && path[n] != '\0';
	return strcmp(path, r->path) == 0;
}

/* The route of method and path: 0, 404 (no such path) or 405. */
static int find_route(console_exchange *e, const char *method, const char *path)
{
	const console_route *const *t;
	const console_route *r;
	int path_seen = 0;

	if (strcmp(path, "/api/login") == 0 || strcmp(path, "/api/logout") == 0) {
		e->builtin = path[5] == 'l' && path[8] == 'i' ? ROUTE_LOGIN : ROUTE_LOGOUT;
		return strcmp(method, "POST") == 0 ? 0 : 405;
	}
	if (strcmp(path, "/api/session") == 0) {
		e->builtin = ROUTE_SESSION;
		return strcmp(method, "GET") == 0 ? 0 : 405;
	}
	if (strcmp(path, "/api/receipt") == 0 || strcmp(path, "/api/receipt/token") == 0) {
		e->builtin = path[12] == '\0' ? ROUTE_RECEIPT : ROUTE_RECEIPT_TOKEN;
		return strcmp(method, e->builtin == ROUTE_RECEIPT ? "POST" : "GET") == 0 ? 0 : 405;
	}
	for (t = console_route_tables; *t != NULL; t++)
		for (r = *t; r->method != NULL; r++) {
			if (!route_matches(r, path))
				continue;
			path_seen = 1;
			if (strcmp(r->method, method) == 0) {
				e->route = r;
				return 0;
			}
		}
	return path_seen ? 405 : 404;
}

/* "Bearer <token>": the token, or NULL. */
static const char *bearer(const char *header)
{
	if (header == NULL || strncasecmp(header, "Bearer ", 7) != 0)
		return NULL;
	header += 7;
	while (*header == ' ')
		header++;
	return header;
}

/* Load the user of name into e (re-read on every request: a change of
 * role or regions, a disable or a removal counts at once). */
static int load_user(console_exchange *e, fs_store *s, const char *name, fs_err *err)
{
	int disabled = 1, rc = console_account_user(s, name, &e->user, &disabled, err);

	if (rc == 0 && disabled)
		rc = FS_ENOTFOUND;
	if (rc == 0) {
		e->authed = 1;
		snprintf(e->actor, sizeof(e->actor), "console:%s", e->user.name);
	}
	return rc;
}

/* Who is calling: the API token (token_ok GET routes) or the session
 * cookie. Fills e->ans when refused. */
static void authenticate(console_server *srv, console_exchange *e, fs_store *s)
{
	fs_http_exchange *x = e->x;
	const char *auth = fs_http_header_get(x, MHD_HTTP_HEADER_AUTHORIZATION);
	const char *cookie = MHD_lookup_connection_value(x->conn, MHD_COOKIE_KIND, CONSOLE_COOKIE);
	char user[FS_ACCOUNT_NAME_MAX + 1];
	fs_err err = {0, ""};
	int rc, touch = 0;

	if (auth != NULL) {
		const char *token = bearer(auth);

		if (e->route == NULL || !e->route->token_ok || strcmp(x->method, "GET") != 0) {
			console_fail(&e->ans, 401, "unauthenticated",
			             "this takes a console session, not an API token");
			return;
		}
		rc = token != NULL ? console_token_owner(s, token, user, &err) : FS_ENOTFOUND;
		if (rc == 0)
			rc = load_user(e, s, user, &err);
		if (rc == FS_ENOTFOUND)
			console_fail(&e->ans, 401, "unauthenticated", "unknown or revoked API token");
		else if (rc != 0)
			console_fail_err(&e->ans, rc, &err);
		e->by_token = rc == 0;
		return;
	}
	rc = console_session_find(s, cookie, srv->cfg.session_idle_ms, &e->session, e->csrf, &touch,
	                          &err);
	if (rc == 0) {
		rc = load_user(e, s, e->session.user, &err);
		if (rc == FS_ENOTFOUND) /* removed or disabled since */
			(void)console_session_end(s, cookie, NULL);
	}
	if (rc == 0 && touch) {
		hub_pool_write_lock(srv->pool);
		(void)console_session_touch(s, &e->session, NULL);
		hub_pool_write_unlock(srv->pool);
	}
	if (rc == FS_ENOTFOUND)
		console_fail(&e->ans, 401, "unauthenticated", "log in first (no session, or it ended)");
	else if (rc != 0)
		console_fail_err(&e->ans, rc, &err);
}

/* The API checks before the body (console.h): fills e->ans when refused,
 * else sets x->body_cap. */
static void admit_api(console_server *srv, console_exchange *e)
{
	fs_http_exchange *x = e->x;
	int post = strcmp(x->method, "POST") == 0, status;
	const char *length = fs_http_header_get(x, MHD_HTTP_HEADER_CONTENT_LENGTH);
	size_t cap;
	fs_store *s = NULL;
	fs_err err = {0, ""};

	if (!origin_is_ours(srv, x, post)) {
		console_fail(&e->ans, 403, "forbidden", "cross-site request refused");
		return;
	}
	status = find_route(e, x->method, x->path);
	if (status == 404) {
		console_fail(&e->ans, 404, "not_found", "no such console call");
		return;
	}
	if (status == 405) {
		console_fail(&e->ans, 405, "method_not_allowed", "not with %s", x->method);
		return;
	}
	cap = e->builtin == ROUTE_LOGIN || e->builtin == ROUTE_LOGOUT ? CONSOLE_LOGIN_BODY_MAX
	      : e->builtin == ROUTE_RECEIPT                           ? CONSOLE_RECEIPT_BODY_MAX
	      : e->route != NULL                                      ? e->route->body_cap
	                                                              : 0;
	if (post && !fs_http_media_type_is(fs_http_header_get(x, MHD_HTTP_HEADER_CONTENT_TYPE),
	                                   FS_WIRE_JSON_TYPE)) {
		console_fail(&e->ans, 415, "unsupported_media_type",
		             "send Content-Type: " FS_WIRE_JSON_TYPE);
		return;
	}
	if (length != NULL && strtoull(length, NULL, 10) > cap) {
		console_fail(&e->ans, 413, "too_large", "body over %zu bytes", cap);
		return;
	}
	x->body_cap = cap;
	if (e->builtin == ROUTE_LOGIN)
		return; /* checked with the body: throttle, password */
	if (e->builtin == ROUTE_RECEIPT || e->builtin == ROUTE_RECEIPT_TOKEN)
		return; /* public: the form token and the limits are checked with the body */
	if (hub_pool_get(srv->pool, &s, &err) != 0) {
		console_fail_err(&e->ans, FS_EGENERIC, &err);
		return;
	}
	authenticate(srv, e, s);
	hub_pool_put(srv->pool, s);
	if (e->ans.status != 0)
		return;
	if (post && !e->by_token &&
	    !console_csrf_equal(fs_http_header_get(x, "X-CSRF-Token"), e->csrf)) {
		console_fail(&e->ans, 403, "csrf",
		             "missing or wrong X-CSRF-Token (reload the page and try again)");
		return;
	}
	if (e->route != NULL && e->user.role < e->route->min_role)
		console_fail(&e->ans, 403, "forbidden", "this needs the %s role",
		             console_role_name(e->route->min_role));
}

/* ---- pages ---- */

static void asset_reply(fs_http_exchange *x, console_exchange *e)
{
	const char *path = x->path;
	size_t i;

	if (strcmp(x->method, "GET") != 0 && strcmp(x->method, "HEAD") != 0) {
		console_fail(&e->ans, 405, "method_not_allowed", "pages are read with GET");
		pass_answer(e, &x->reply);
		fs_http_reply_header(&x->reply, MHD_HTTP_HEADER_ALLOW, "GET, HEAD");
		return;
	}
	if (strcmp(path, "/") == 0)
		path = "/index.html";
	else if (strcmp(path, "/favicon.ico") == 0)
		path = "/favicon.svg";
	else if (strcmp(path, "/receipt") == 0)
		path = "/receipt.html"; /* the public receipt page (public_receipt.h) */
	for (i = 0; console_assets[i].path != NULL; i++) {
		if (strcmp(console_assets[i].path, path) != 0)
			continue;
		x->reply.status = 200;
		x->reply.static_body = console_assets[i].data;
		x->reply.len = console_assets[i].len;
		x->reply.content_type = console_assets[i].content_type;
		return;
	}
	console_fail(&e->ans, 404, "not_found", "no such page");
	pass_answer(e, &x->reply);
}

/* ---- the framework's own routes ---- */

static json_t *session_json(const console_exchange *e, uint64_t idle_ms)
{
	json_t *regions = json_array();
	size_t i;

	for (i = 0; regions != NULL && i < e->user.nregions; i++)
		json_array_append_new(regions, json_string(e->user.regions[i]));
	return json_pack("{s:s, s:s, s:o, s:s, s:I, s:o}", "user", e->user.name, "role",
	                 console_role_name(e->user.role), "regions", regions, "csrf", e->csrf,
	                 "idle_timeout_s", (json_int_t)(idle_ms / 1000), "expires",
	                 console_time_json(e->session.expires_ms));
}

/* Audit a login event; a failure to write it is logged, not answered. */
static void audit_login(fs_store *s, const char *actor, const char *action, const char *peer)
{
	fs_err err = {0, ""};
	json_t *detail = json_pack("{s:s}", "source", peer[0] ? peer : "unknown");

	if (hub_audit_add(s, actor, action, detail, &err) != 0)
		fprintf(stderr, HUB_PROG ": console: audit %s: %s\n", action, err.msg);
	json_decref(detail);
}

static void do_login(console_server *srv, console_exchange *e, fs_store *s)
{
	fs_http_exchange *x = e->x;
	json_t *body = json_loadb(x->body.data != NULL ? x->body.data : "", x->body.len,
	                          JSON_REJECT_DUPLICATES, NULL);
	const char *name = json_string_value(json_object_get(body, "name"));
	const char *password = json_string_value(json_object_get(body, "password"));
	char source[HUB_PEER_MAX], id[CONSOLE_SESSION_ID_LEN + 1];
	fs_account_row row;
	fs_err err = {0, ""};
	unsigned wait = 0, lock = 0;
	uint64_t now = fs_monotonic_ms();
	int known = 0, right = 0, rc;
	enum console_login_gate gate;

	memset(&row, 0, sizeof(row));
	if (name == NULL || password == NULL || name[0] == '\0') {
		console_fail(&e->ans, 400, "invalid", "send {\"name\": ..., \"password\": ...}");
		goto cleanup;
	}
	hub_ratelimit_source(source, sizeof(source), e->peer);
	gate = console_throttle_admit(srv->throttle, name, source, now, &wait);
	if (gate != CONSOLE_LOGIN_GO) {
		console_fail(&e->ans, 429, gate == CONSOLE_LOGIN_LOCKED ? "locked" : "too_many",
		             gate == CONSOLE_LOGIN_LOCKED
		                 ? "too many failed logins for this name; try again in %u s"
		                 : "too many failed logins from this address; try again in %u s",
		             wait);
		e->ans.retry_after = wait;
		goto cleanup;
	}
	if (console_hash_begin(&err) != 0) {
		console_throttle_done(srv->throttle, name, source, 0, 0, 1, now, &lock);
		console_fail_err(&e->ans, FS_EBUSY, &err);
		goto cleanup;
	}
	rc = console_name_is_valid(name) ? console_account_get(s, name, &row, &err) : FS_ENOTFOUND;
	if (rc != 0 && rc != FS_ENOTFOUND) {
		console_hash_end();
		console_throttle_done(srv->throttle, name, source, 0, 0, 1, now, &lock);
		console_fail_err(&e->ans, rc, &err);
		goto cleanup;
	}
	known = rc == 0;
	/* One verification whatever the name, against a dummy hash for none,
	 * and the same answer for a disabled account. */
	right = console_password_verify(known ? row.hash : NULL, password) && !row.disabled;
	console_hash_end();
	console_throttle_done(srv->throttle, name, source, known, right, 0, now, &lock);
	if (!right) {
		char actor[8 + FS_ACCOUNT_NAME_MAX + 1];

		/* A name that is no account is not written down: it may be a
		 * password typed in the wrong field. */
		snprintf(actor, sizeof(actor), "console:%s", known ? row.name : "unknown");
		hub_pool_write_lock(srv->pool);
		audit_login(s, actor, "console_login_failed", e->peer);
		hub_pool_write_unlock(srv->pool);
		console_fail(&e->ans, 401, "login_failed", "wrong name or password");
		if (lock > 0)
			snprintf(e->ans.message, sizeof(e->ans.message),
			         "wrong name or password; this name is locked for %u s", lock);
		goto cleanup;
	}
	hub_pool_write_lock(srv->pool);
	rc = console_session_start(s, row.name, srv->cfg.session_max_ms, id, e->csrf, &err);
	if (rc == 0)
		rc = load_user(e, s, row.name, &err);
	if (rc == 0) {
		fs_session_row found;
		int touch;
		char csrf[CONSOLE_CSRF_LEN + 1];

		if (console_session_find(s, id, srv->cfg.session_idle_ms, &found, csrf, &touch,
		                         &err) == 0)
			e->session = found;
		audit_login(s, e->actor, "console_login", e->peer);
	}
	hub_pool_write_unlock(srv->pool);
	if (rc != 0) {
		console_fail_err(&e->ans, rc, &err);
		goto cleanup;
	}
	snprintf(e->set_cookie, sizeof(e->set_cookie),
	         CONSOLE_COOKIE "=%s; HttpOnly; SameSite=Strict; Path=/%s", id,
	         srv->tls ? "; Secure" : "");
	e->ans.json = session_json(e, srv->cfg.session_idle_ms);
	sodium_memzero(id, sizeof(id));
cleanup:
	sodium_memzero(row.hash, sizeof(row.hash));
	if (password != NULL)
		sodium_memzero((char *)password, strlen(password));
	if (x->body.data != NULL)
		sodium_memzero(x->body.data, x->body.len);
	json_decref(body);
}

static void do_logout(console_server *srv, console_exchange *e, fs_store *s)
{
	const char *cookie =
	    MHD_lookup_connection_value(e->x->conn, MHD_COOKIE_KIND, CONSOLE_COOKIE);
	fs_err err = {0, ""};
	int rc;

	hub_pool_write_lock(srv->pool);
	rc = console_session_end(s, cookie, &err);
	if (rc == 0)
		audit_login(s, e->actor, "console_logout", e->peer);
	hub_pool_write_unlock(srv->pool);
	if (rc != 0) {
		console_fail_err(&e->ans, rc, &err);
		return;
	}
	snprintf(e->set_cookie, sizeof(e->set_cookie),
	         CONSOLE_COOKIE "=; Max-Age=0; HttpOnly; SameSite=Strict; Path=/%s",
	         srv->tls ? "; Secure" : "");
	e->ans.json = json_pack("{s:b}", "logged_out", 1);
}

/* ---- the layer's handlers ---- */

static const char *call_arg(const console_call *c, const char *key)
{
	const console_exchange *e = c->server;

	return MHD_lookup_connection_value(e->x->conn, MHD_GET_ARGUMENT_KIND, key);
}

static void call_route(console_server *srv, console_exchange *e, fs_store *s)
{
	fs_http_exchange *x = e->x;
	int post = strcmp(x->method, "POST") == 0, rc;
	console_call c;
	json_error_t jerr;
	char *text;

	if (x->body.len > 0) {
		json_t *check = json_loadb(x->body.data, x->body.len, JSON_REJECT_DUPLICATES, &jerr);

		if (check == NULL) {
			console_fail(&e->ans, 400, "bad_json", "body is not JSON (line %d, column %d)",
			             jerr.line, jerr.column);
			return;
		}
		json_decref(check);
	}
	/* The body as a NUL-terminated text of its own. */
	text = malloc(x->body.len + 1);
	if (text == NULL) {
		console_fail(&e->ans, 500, "internal", "out of memory");
		return;
	}
	if (x->body.len > 0)
		memcpy(text, x->body.data, x->body.len);
	text[x->body.len] = '\0';
	memset(&c, 0, sizeof(c));
	c.user = &e->user;
	c.store = s;
	c.method = x->method;
	c.path = x->path;
	c.arg = call_arg;
	c.body = text;
	c.body_len = x->body.len;
	c.actor = e->actor;
	c.server = e;
	c.peer = e->peer;
	if (post)
		hub_pool_write_lock(srv->pool);
	rc = e->route->fn(&c, &e->ans);
	if (post)
		hub_pool_write_unlock(srv->pool);
	if (rc != 0 && e->ans.status == 0)
		console_fail(&e->ans, 500, "internal", "the hub could not do that; see its log");
	/* Bodies may hold passwords: nothing of them is left behind. */
	sodium_memzero(text, x->body.len);
	free(text);
	if (x->body.data != NULL)
		sodium_memzero(x->body.data, x->body.len);
}

/* The public receipt page's call, under the writer lock (a withdrawal). */
static void receipt_call(console_server *srv, console_exchange *e, fs_store *s)
{
	fs_http_exchange *x = e->x;

	hub_pool_write_lock(srv->pool);
	console_receipt_call(s, e->peer, fs_http_header_get(x, "X-CSRF-Token"),
	                     x->body.data ? x->body.data : "", x->body.len, &e->ans);
	hub_pool_write_unlock(srv->pool);
	if (x->body.data != NULL)
		sodium_memzero(x->body.data, x->body.len);
}

static void on_begin(void *cls, fs_http_exchange *x)
{
	console_server *srv = cls;
	console_exchange *e = calloc(1, sizeof(*e));
	hub_request peer;

	if (e == NULL) {
		fs_http_reply_error(&x->reply, 500, "internal", NULL, "out of memory");
		return;
	}
	x->app = e;
	e->x = x;
	hub_request_set_peer(&peer, x->peer);
	snprintf(e->peer, sizeof(e->peer), "%s", peer.peer);
	if (!host_is_ours(srv, fs_http_header_get(x, MHD_HTTP_HEADER_HOST))) {
		console_fail(&e->ans, 403, "forbidden", "Host must be %s", srv->host);
	} else if (strncmp(x->path, "/api/", 5) != 0 && strncmp(x->path, "/v1/admin/", 10) != 0) {
		asset_reply(x, e);
		return;
	} else {
		admit_api(srv, e);
	}
	if (e->ans.status != 0)
		pass_answer(e, &x->reply);
}

static void on_finish(void *cls, fs_http_exchange *x)
{
	console_server *srv = cls;
	console_exchange *e = x->app;
	fs_store *s = NULL;
	fs_err err = {0, ""};

	if (x->body_over) {
		console_fail(&e->ans, 413, "too_large", "body over %zu bytes", x->body_cap);
	} else if (hub_pool_get(srv->pool, &s, &err) != 0) {
		console_fail_err(&e->ans, FS_EGENERIC, &err);
	} else {
		if (e->builtin == ROUTE_LOGIN)
			do_login(srv, e, s);
		else if (e->builtin == ROUTE_LOGOUT)
			do_logout(srv, e, s);
		else if (e->builtin == ROUTE_SESSION)
			e->ans.json = session_json(e, srv->cfg.session_idle_ms);
		else if (e->builtin == ROUTE_RECEIPT_TOKEN)
			console_receipt_token(e->peer, &e->ans);
		else if (e->builtin == ROUTE_RECEIPT)
			receipt_call(srv, e, s);
		else
			call_route(srv, e, s);
		hub_pool_put(srv->pool, s);
	}
	pass_answer(e, &x->reply);
}

static void on_done(void *cls, fs_http_exchange *x, int completed)
{
	console_exchange *e = x->app;

	(void)cls;
	(void)completed;
	log_request(x, e);
	if (e == NULL)
		return;
	clear_answer(&e->ans);
	sodium_memzero(e->csrf, sizeof(e->csrf));
	free(e);
	x->app = NULL;
}

/* ---- lifecycle ---- */

void console_config_default(console_config *out)
{
	fs_err ignored = {0, ""};

	memset(out, 0, sizeof(*out));
	fs_http_listen_parse(&out->listen, CONSOLE_LISTEN_DEFAULT, 0, &ignored);
	out->session_idle_ms = CONSOLE_SESSION_IDLE_MS;
	out->session_max_ms = CONSOLE_SESSION_MAX_MS;
}

int console_server_start(console_server **out, const console_config *cfg, hub_pool *pool,
                         fs_err *err)
{
	fs_http_opts opts;
	console_server *srv;
	unsigned port;
	int rc;

	*out = NULL;
	if (sodium_init() < 0)
		return fs_err_set(err, FS_EGENERIC, "libsodium failed to initialise");
	srv = calloc(1, sizeof(*srv));
	if (srv == NULL)
		return fs_err_set(err, FS_ENOMEM, "out of memory");
	srv->pool = pool;
	srv->cfg = *cfg;
	srv->tls = cfg->tls_cert_pem != NULL;
	if (srv->cfg.session_idle_ms == 0 || srv->cfg.session_idle_ms > CONSOLE_SESSION_IDLE_MS)
		srv->cfg.session_idle_ms = CONSOLE_SESSION_IDLE_MS;
	if (srv->cfg.session_max_ms == 0 || srv->cfg.session_max_ms > CONSOLE_SESSION_MAX_MS)
		srv->cfg.session_max_ms = CONSOLE_SESSION_MAX_MS;
	srv->throttle = console_throttle_new();
	if (srv->throttle == NULL) {
		free(srv);
		return fs_err_set(err, FS_ENOMEM, "out of memory");
	}
	memset(&opts, 0, sizeof(opts));
	opts.listen = &cfg->listen;
	opts.log_prefix = "fieldsync-hub: console";
	opts.in_use_hint = "(by another fieldsync-hub or another program): stop it, or choose "
	                   "another port with --console";
	opts.threads = CONSOLE_THREADS;
	opts.connections = CONSOLE_CONNECTIONS;
	opts.busy_extra = BUSY_SLACK;
	opts.per_source = CONSOLE_PER_SOURCE;
	opts.head_timeout_ms = CONSOLE_HEAD_TIMEOUT_S * 1000u;
	opts.idle_timeout_s = CONSOLE_IDLE_TIMEOUT_S;
	opts.tls_cert_pem = cfg->tls_cert_pem;
	opts.tls_key_pem = cfg->tls_key_pem;
	opts.headers = fs_http_page_headers;
	opts.nheaders = fs_http_page_headers_count;
	opts.handlers.begin = on_begin;
	opts.handlers.finish = on_finish;
	opts.handlers.done = on_done;
	opts.cls = srv;
	rc = fs_http_server_start(&srv->http, &opts, err);
	if (rc != 0) {
		console_throttle_free(srv->throttle);
		free(srv);
		return rc;
	}
	port = fs_http_server_port(srv->http);
	if (port == 0)
		port = cfg->listen.port;
	fs_http_listen_format(srv->host, sizeof(srv->host), &cfg->listen, port);
	if (fs_http_is_loopback((const struct sockaddr *)&cfg->listen.addr))
		snprintf(srv->host_alias, sizeof(srv->host_alias), "localhost:%u", port);
	*out = srv;
	return 0;
}

unsigned console_server_port(const console_server *srv)
{
	return fs_http_server_port(srv->http);
}

void console_server_quiesce(console_server *srv)
{
	fs_http_server_quiesce(srv->http);
}

unsigned console_server_in_flight(console_server *srv)
{
	return fs_http_server_in_flight(srv->http);
}

void console_server_stop(console_server *srv)
{
	if (srv == NULL)
		return;
	fs_http_server_stop(srv->http);
	console_throttle_free(srv->throttle);
	free(srv);
}
