/* fieldsync kiosk UI: the HTTP side (ui.h). One libmicrohttpd thread
 * serves the embedded page and hands /api/ requests to ui_api.c; it checks
 * first that the peer is on loopback, that Host names this server and that
 * an API request comes from this server's own page (Origin), so neither a
 * web page elsewhere nor a DNS name rebound to 127.0.0.1 can use the API. */
#include <arpa/inet.h>
#include <errno.h>
#include <microhttpd.h>
#include <sodium.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

#include "assets.h"
#include "fieldsync/buf.h"
#include "http_guard.h"
#include "ui_internal.h"

typedef struct req_ctx {
	fs_buf body;
	int over;      /* body beyond UI_BODY_MAX */
	ui_reply reply; /* status != 0: refused before the body was read */
} req_ctx;

uint64_t ui_mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

int ui_fail(ui_reply *r, int status, const char *error, const char *fmt, ...)
{
	va_list ap;

	json_decref(r->json);
	r->json = NULL;
	r->status = status;
	snprintf(r->error, sizeof(r->error), "%s", error);
	va_start(ap, fmt);
	vsnprintf(r->message, sizeof(r->message), fmt, ap);
	va_end(ap);
	return 0;
}

/* ---- listen address ---- */

typedef struct listen_addr {
	struct sockaddr_storage addr;
	int ipv6, loopback;
	char host[264]; /* as written in a Host header: "127.0.0.1" or "[::1]" */
	unsigned port;
} listen_addr;

static int parse_listen(listen_addr *out, const char *text, fs_err *err)
{
	char host[256];
	const char *colon;
	char *end;
	unsigned long port;
	size_t n;

	memset(out, 0, sizeof(*out));
	if (text[0] == '[') {
		const char *close = strchr(text, ']');

		if (close == NULL || close[1] != ':')
			goto bad;
		n = (size_t)(close - text - 1);
		colon = close + 1;
	} else {
		colon = strrchr(text, ':');
		if (colon == NULL)
			goto bad;
		n = (size_t)(colon - text);
	}
	if (n == 0 || n >= sizeof(host))
		goto bad;
	memcpy(host, text[0] == '[' ? text + 1 : text, n);
	host[n] = '\0';
	port = strtoul(colon + 1, &end, 10);
	if (colon[1] < '0' || colon[1] > '9' || *end != '\0' || port > 65535)
		goto bad;
	out->port = (unsigned)port;
	if (text[0] == '[') {
		struct sockaddr_in6 *a = (struct sockaddr_in6 *)&out->addr;

		if (inet_pton(AF_INET6, host, &a->sin6_addr) != 1)
			goto bad;
		a->sin6_family = AF_INET6;
		a->sin6_port = htons((uint16_t)port);
		out->ipv6 = 1;
		out->loopback = IN6_IS_ADDR_LOOPBACK(&a->sin6_addr);
		snprintf(out->host, sizeof(out->host), "[%s]", host);
	} else {
		struct sockaddr_in *a = (struct sockaddr_in *)&out->addr;

		if (inet_pton(AF_INET, host, &a->sin_addr) != 1)
			goto bad;
		a->sin_family = AF_INET;
		a->sin_port = htons((uint16_t)port);
		out->loopback = (ntohl(a->sin_addr.s_addr) >> 24) == 127;
		snprintf(out->host, sizeof(out->host), "%s", host);
	}
	return 0;
bad:
	return fs_err_set(err, FS_EINVAL,
			  "UI listen address must be IPV4:PORT or [IPV6]:PORT with a numeric "
			  "address and a port from 0 to 65535");
}

/* ---- checks ---- */

static int peer_is_loopback(struct MHD_Connection *c)
{
	const union MHD_ConnectionInfo *info =
		MHD_get_connection_info(c, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
	const struct sockaddr *sa = info != NULL ? info->client_addr : NULL;

	if (sa == NULL)
		return 0;
	if (sa->sa_family == AF_INET)
		return (ntohl(((const struct sockaddr_in *)sa)->sin_addr.s_addr) >> 24) == 127;
	if (sa->sa_family == AF_INET6) {
		const struct in6_addr *a = &((const struct sockaddr_in6 *)sa)->sin6_addr;

		return IN6_IS_ADDR_LOOPBACK(a) ||
		       (IN6_IS_ADDR_V4MAPPED(a) && a->s6_addr[12] == 127);
	}
	return 0;
}

static int host_is_ours(const fs_ui *ui, const char *host)
{
	return host != NULL && (strcmp(host, ui->host) == 0 ||
				(ui->host_alias[0] != '\0' && strcmp(host, ui->host_alias) == 0));
}

/* Origin, when sent, must be this server; a request that changes
 * something must send it (browsers do for every POST and PUT). */
static int origin_is_ours(const fs_ui *ui, struct MHD_Connection *c, const char *method)
{
	const char *origin = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Origin");
	const char *site = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Sec-Fetch-Site");
	int safe = strcmp(method, "GET") == 0 || strcmp(method, "HEAD") == 0;

	if (site != NULL && strcmp(site, "same-origin") != 0 && strcmp(site, "none") != 0)
		return 0;
	if (origin == NULL)
		return safe;
	if (strncmp(origin, "http://", 7) != 0)
		return 0;
	return host_is_ours(ui, origin + 7);
}

/* ---- replies ---- */

static void common_headers(struct MHD_Response *resp)
{
	MHD_add_response_header(resp, MHD_HTTP_HEADER_CACHE_CONTROL, "no-store");
	MHD_add_response_header(resp, "X-Content-Type-Options", "nosniff");
	MHD_add_response_header(resp, "Referrer-Policy", "no-referrer");
	MHD_add_response_header(resp, "X-Frame-Options", "DENY");
	MHD_add_response_header(resp, "Cross-Origin-Resource-Policy", "same-origin");
	MHD_add_response_header(resp, "Content-Security-Policy",
				"default-src 'none'; script-src 'self'; style-src 'self'; "
				"img-src 'self'; connect-src 'self'; form-action 'none'; "
				"base-uri 'none'; frame-ancestors 'none'");
}

static enum MHD_Result send_json(struct MHD_Connection *c, ui_reply *r)
{
	struct MHD_Response *resp;
	enum MHD_Result ret;
	char *text;
	char num[24];

	if (r->status >= 400 || r->json == NULL) {
		/* {"error", "message"} plus any details the handler left. */
		if (!json_is_object(r->json)) {
			json_decref(r->json);
			r->json = json_object();
		}
		if (r->json == NULL ||
		    json_object_set_new(r->json, "error",
					json_string(r->error[0] ? r->error : "internal")) != 0 ||
		    json_object_set_new(r->json, "message", json_string(r->message)) != 0)
			return MHD_NO;
	}
	text = r->json != NULL ? json_dumps(r->json, JSON_COMPACT) : NULL;
	if (text == NULL)
		return MHD_NO;
	resp = MHD_create_response_from_buffer(strlen(text), text, MHD_RESPMEM_MUST_FREE);
	if (resp == NULL) {
		free(text);
		return MHD_NO;
	}
	common_headers(resp);
	MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, "application/json");
	if (r->retry_after > 0) {
		snprintf(num, sizeof(num), "%u", r->retry_after);
		MHD_add_response_header(resp, MHD_HTTP_HEADER_RETRY_AFTER, num);
	}
	if (r->set_cookie[0] != '\0')
		MHD_add_response_header(resp, MHD_HTTP_HEADER_SET_COOKIE, r->set_cookie);
	if (r->status == 405)
		MHD_add_response_header(resp, MHD_HTTP_HEADER_ALLOW, "GET, HEAD");
	if (r->close)
		MHD_add_response_header(resp, MHD_HTTP_HEADER_CONNECTION, "close");
	ret = MHD_queue_response(c, (unsigned)r->status, resp);
	MHD_destroy_response(resp);
	return ret;
}

static enum MHD_Result send_asset(struct MHD_Connection *c, const char *path)
{
	struct MHD_Response *resp;
	enum MHD_Result ret;
	size_t i;

	if (strcmp(path, "/") == 0)
		path = "/index.html";
	else if (strcmp(path, "/favicon.ico") == 0) /* asked for by browsers without a link */
		path = "/favicon.svg";
	for (i = 0; ui_assets[i].path != NULL; i++) {
		if (strcmp(ui_assets[i].path, path) != 0)
			continue;
		resp = MHD_create_response_from_buffer(ui_assets[i].len, (void *)ui_assets[i].data,
						       MHD_RESPMEM_PERSISTENT);
		if (resp == NULL)
			return MHD_NO;
		common_headers(resp);
		MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE,
					ui_assets[i].content_type);
		ret = MHD_queue_response(c, MHD_HTTP_OK, resp);
		MHD_destroy_response(resp);
		return ret;
	}
	{
		ui_reply r = {0};

		ui_fail(&r, 404, "not_found", "no such page");
		ret = send_json(c, &r);
		json_decref(r.json);
		return ret;
	}
}

/* ---- requests ---- */

/* Checks done before the body is read: fills x->reply when refused. */
static void admit(fs_ui *ui, struct MHD_Connection *c, req_ctx *x, const char *url,
		  const char *method)
{
	const char *host = MHD_lookup_connection_value(c, MHD_HEADER_KIND, MHD_HTTP_HEADER_HOST);
	const char *type;
	char why[96];

	if (fs_http_framing_check(c, why, sizeof(why)) != 0) {
		/* A body framed two ways could hide a second request. */
		ui_fail(&x->reply, 400, "bad_request", "%s", why);
		x->reply.close = 1;
		return;
	}
	if (!peer_is_loopback(c)) {
		ui_fail(&x->reply, 403, "forbidden", "the kiosk UI answers this machine only");
		return;
	}
	if (!host_is_ours(ui, host)) {
		ui_fail(&x->reply, 403, "forbidden", "Host must be %s", ui->host);
		return;
	}
	if (strncmp(url, "/api/", 5) != 0) {
		if (strcmp(method, "GET") != 0 && strcmp(method, "HEAD") != 0)
			ui_fail(&x->reply, 405, "method_not_allowed", "pages are read with GET");
		return;
	}
	if (!origin_is_ours(ui, c, method)) {
		ui_fail(&x->reply, 403, "forbidden", "cross-site request refused");
		return;
	}
	type = MHD_lookup_connection_value(c, MHD_HEADER_KIND, MHD_HTTP_HEADER_CONTENT_TYPE);
	if (strcmp(method, "POST") == 0 || strcmp(method, "PUT") == 0) {
		if (type == NULL || strncmp(type, "application/json", 16) != 0)
			ui_fail(&x->reply, 415, "unsupported_media_type",
				"send Content-Type: application/json");
	}
}

static void finish_api(fs_ui *ui, struct MHD_Connection *c, req_ctx *x, const char *url,
		       const char *method)
{
	json_t *body = NULL;
	json_error_t jerr;
	ui_request rq;

	if (x->over) {
		ui_fail(&x->reply, 413, "too_large", "body over %u bytes", UI_BODY_MAX);
		return;
	}
	if (x->body.len > 0) {
		body = json_loadb(x->body.data, x->body.len, JSON_REJECT_DUPLICATES, &jerr);
		if (body == NULL) {
			ui_fail(&x->reply, 400, "bad_json", "body is not JSON (line %d, column %d)",
				jerr.line, jerr.column);
			return;
		}
	}
	rq.method = method;
	rq.path = url;
	rq.cookie = MHD_lookup_connection_value(c, MHD_COOKIE_KIND, "fs_worker");
	rq.body = body;
	ui_api_handle(ui, &rq, &x->reply);
	json_decref(body);
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *c, const char *url,
				  const char *method, const char *version,
				  const char *upload_data, size_t *upload_data_size,
				  void **con_cls)
{
	fs_ui *ui = cls;
	req_ctx *x = *con_cls;

	(void)version;
	if (x == NULL) {
		x = calloc(1, sizeof(*x));
		if (x == NULL)
			return MHD_NO;
		fs_buf_init(&x->body, UI_BODY_MAX);
		*con_cls = x;
		fs_http_guard_head_done(ui->http_guard, c);
		admit(ui, c, x, url, method);
		if (x->reply.status != 0) {
			fs_http_guard_body_done(ui->http_guard, c); /* not read */
			return send_json(c, &x->reply);
		}
		return MHD_YES;
	}
	if (x->reply.status != 0) { /* refused: drop what is sent */
		*upload_data_size = 0;
		return MHD_YES;
	}
	if (*upload_data_size > 0) {
		fs_http_guard_body(ui->http_guard, c, *upload_data_size);
		if (!x->over && fs_buf_append(&x->body, upload_data, *upload_data_size) != 0) {
			x->over = 1;
			fs_buf_free(&x->body);
		}
		*upload_data_size = 0;
		return MHD_YES;
	}
	fs_http_guard_body_done(ui->http_guard, c);
	if (strncmp(url, "/api/", 5) != 0)
		return send_asset(c, url);
	finish_api(ui, c, x, url, method);
	return send_json(c, &x->reply);
}

static void on_completed(void *cls, struct MHD_Connection *c, void **con_cls,
			 enum MHD_RequestTerminationCode toe)
{
	fs_ui *ui = cls;
	req_ctx *x = *con_cls;

	(void)toe;
	fs_http_guard_request_done(ui->http_guard, c);
	if (x == NULL)
		return;
	fs_buf_free(&x->body);
	json_decref(x->reply.json);
	free(x);
	*con_cls = NULL;
}

static void on_connection(void *cls, struct MHD_Connection *c, void **socket_context,
			  enum MHD_ConnectionNotificationCode toe)
{
	fs_ui *ui = cls;

	fs_http_guard_connection(ui->http_guard, c, socket_context, toe);
}

/* Why the bind in MHD_start_daemon failed, for fs_ui_start's message: set by
 * on_mhd_log in the thread that starts the daemon, read there after. */
static _Thread_local char ui_bind_error[160];

__attribute__((format(printf, 2, 0))) static void on_mhd_log(void *cls, const char *fmt,
							      va_list ap)
{
	fs_ui *ui = cls;
	char msg[256];
	size_t n;

	vsnprintf(msg, sizeof(msg), fmt, ap);
	n = strlen(msg);
	while (n > 0 && (msg[n - 1] == '\n' || msg[n - 1] == '\r'))
		msg[--n] = '\0';
	/* libmicrohttpd names port 0 when given a socket address: fs_ui_start
	 * reports the failure with the address instead (same thread). */
	if (strncmp(msg, "Failed to bind to port ", 23) == 0) {
		const char *why = strstr(msg, ": ");

		snprintf(ui_bind_error, sizeof(ui_bind_error), "%s", why != NULL ? why + 2 : msg);
		return;
	}
	if (ui->http_guard != NULL && fs_http_guard_log_filter(ui->http_guard, msg))
		return;
	fprintf(stderr, "fieldsync-agent: ui: %s\n", msg);
}

/* ---- lifecycle ---- */

int fs_ui_start(fs_ui **out, const fs_ui_opts *opts, fs_err *err)
{
	char path[PATH_MAX];
	listen_addr la;
	fs_ui *ui = NULL;
	const union MHD_DaemonInfo *info;
	unsigned flags = MHD_USE_AUTO_INTERNAL_THREAD | MHD_USE_ITC | MHD_USE_ERROR_LOG;
	const fs_http_guard_limits guard_limits = {UI_HEAD_TIMEOUT_MS, UI_IDLE_TIMEOUT_S * 1000u,
						   UI_BODY_MIN_RATE};
	int rc, n;

	*out = NULL;
	if (sodium_init() < 0)
		return fs_err_set(err, FS_EGENERIC, "libsodium failed to initialise");
	rc = parse_listen(&la, opts->listen != NULL ? opts->listen : FS_UI_LISTEN_DEFAULT, err);
	if (rc != 0)
		return rc;
	if (opts->data_dir == NULL || strlen(opts->data_dir) >= sizeof(ui->dir))
		return fs_err_set(err, FS_EINVAL, "UI needs the data directory");
	ui = calloc(1, sizeof(*ui));
	if (ui == NULL)
		return fs_err_set(err, FS_ENOMEM, "out of memory");
	snprintf(ui->dir, sizeof(ui->dir), "%s", opts->data_dir);
	ui->idle_timeout_s = opts->idle_timeout_s ? opts->idle_timeout_s : FS_UI_IDLE_DEFAULT_S;
	ui->worker_idle_s = opts->worker_idle_s ? opts->worker_idle_s : FS_UI_WORKER_IDLE_DEFAULT_S;
	ui->sync_now = opts->sync_now;
	ui->sync_ctx = opts->sync_ctx;
	n = snprintf(path, sizeof(path), "%s/kiosk.db", opts->data_dir);
	if (n < 0 || n >= (int)sizeof(path)) {
		rc = fs_err_set(err, FS_EINVAL, "data directory path too long");
		goto fail;
	}
	rc = fs_store_open(&ui->store, opts->store_path ? opts->store_path : path, err);
	if (rc != 0)
		goto fail;
	rc = fs_pin_guard_load(&ui->guard, ui->dir, err);
	if (rc != 0)
		goto fail;
	if (la.ipv6)
		flags |= MHD_USE_IPv6;
	rc = fs_http_guard_new(&ui->http_guard, &guard_limits, "fieldsync-agent: ui", err);
	if (rc != 0)
		goto fail;
	/* One internal thread: requests are served one at a time, so the store
	 * handle and the session never see two threads. */
	ui_bind_error[0] = '\0';
	ui->daemon = MHD_start_daemon(flags, 0, NULL, NULL, on_request, ui,
				      MHD_OPTION_EXTERNAL_LOGGER, on_mhd_log, ui,
				      MHD_OPTION_SOCK_ADDR, (const struct sockaddr *)&la.addr,
				      MHD_OPTION_CONNECTION_LIMIT, UI_MAX_CONNECTIONS,
				      MHD_OPTION_PER_IP_CONNECTION_LIMIT, UI_MAX_PER_SOURCE,
				      MHD_OPTION_CONNECTION_TIMEOUT, UI_IDLE_TIMEOUT_S,
				      MHD_OPTION_STRICT_FOR_CLIENT, 1,
				      MHD_OPTION_NOTIFY_CONNECTION, on_connection, ui,
				      MHD_OPTION_NOTIFY_COMPLETED, on_completed, ui, MHD_OPTION_END);
	if (ui->daemon == NULL) {
		const char *where = opts->listen != NULL ? opts->listen : FS_UI_LISTEN_DEFAULT;

		if (strcmp(ui_bind_error, strerror(EADDRINUSE)) == 0)
			rc = fs_err_set(err, FS_EGENERIC,
					"cannot listen on %s: the port is in use (by another "
					"fieldsync-agent on this machine, or another program): give "
					"each kiosk its own port with --ui-listen %s:PORT",
					where, la.host);
		else
			rc = fs_err_set(err, FS_EGENERIC, "cannot listen on %s: %s", where,
					ui_bind_error[0] ? ui_bind_error : "libmicrohttpd failed to start");
		goto fail;
	}
	info = MHD_get_daemon_info(ui->daemon, MHD_DAEMON_INFO_BIND_PORT);
	ui->port = info != NULL ? info->port : la.port;
	snprintf(ui->host, sizeof(ui->host), "%s:%u", la.host, ui->port);
	if (la.loopback)
		snprintf(ui->host_alias, sizeof(ui->host_alias), "localhost:%u", ui->port);
	*out = ui;
	return 0;
fail:
	fs_http_guard_free(ui->http_guard);
	fs_store_close(ui->store);
	free(ui);
	return rc;
}

unsigned fs_ui_port(const fs_ui *ui)
{
	return ui->port;
}

void fs_ui_stop(fs_ui *ui)
{
	if (ui == NULL)
		return;
	MHD_stop_daemon(ui->daemon);
	fs_http_guard_free(ui->http_guard); /* after the daemon: it notifies closes */
	fs_store_close(ui->store);
	free(ui);
}
