/* fieldsync kiosk UI: the HTTP side (ui.h), on the shared server layer
 * (http/http_server.h). One libmicrohttpd thread serves the embedded page
 * and hands /api/ requests to ui_api.c; it checks first that the peer is on
 * loopback, that Host names this server and that an API request comes from
 * this server's own page (Origin), so neither a web page elsewhere nor a
 * DNS name rebound to 127.0.0.1 can use the API. */
#include <microhttpd.h>
#include <sodium.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "assets.h"
#include "fieldsync/backend.h"
#include "http_listen.h"
#include "http_metrics.h"
#include "ui_updates.h"
#include "http_server.h"
#include "http_wire.h"
#include "fieldsync/retention.h"
#include "ui_internal.h"
#include "ui_receipt.h"

/* One request's reply as the API handlers build it. */
typedef struct ui_exchange {
	ui_reply reply; /* status != 0: refused before the body was read */
} ui_exchange;

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

/* ---- checks ---- */

static int host_is_ours(const fs_ui *ui, const char *host)
{
	return host != NULL && (strcmp(host, ui->host) == 0 ||
				(ui->host_alias[0] != '\0' && strcmp(host, ui->host_alias) == 0));
}

/* Origin, when sent, must be this server; a request that changes
 * something must send it (browsers do for every POST and PUT). */
static int origin_is_ours(const fs_ui *ui, const fs_http_exchange *x, const char *method)
{
	const char *origin = fs_http_header_get(x, "Origin");
	const char *site = fs_http_header_get(x, "Sec-Fetch-Site");
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

/* The handlers' reply, handed to the layer to send: errors as
 * {"error", "message"} plus any details the handler left. */
static void pass_reply(ui_exchange *u, fs_http_reply *out)
{
	ui_reply *r = &u->reply;

	if (r->status >= 400 || r->json == NULL) {
		fs_http_reply_error(out, r->status, r->error[0] ? r->error : "internal", r->json, "%s",
		                    r->message);
	} else {
		fs_http_reply_json(out, r->status, r->json);
		r->json = NULL;
	}
	out->retry_after = r->retry_after;
	out->close = r->close;
	if (r->set_cookie[0] != '\0')
		fs_http_reply_header(out, MHD_HTTP_HEADER_SET_COOKIE, r->set_cookie);
	if (out->status == 405)
		fs_http_reply_header(out, MHD_HTTP_HEADER_ALLOW, "GET, HEAD");
}

static void asset_reply(ui_exchange *u, fs_http_reply *out, const char *path)
{
	size_t i;

	if (strcmp(path, "/") == 0)
		path = "/index.html";
	else if (strcmp(path, "/favicon.ico") == 0) /* asked for by browsers without a link */
		path = "/favicon.svg";
	for (i = 0; ui_assets[i].path != NULL; i++) {
		if (strcmp(ui_assets[i].path, path) != 0)
			continue;
		out->status = 200;
		out->static_body = ui_assets[i].data;
		out->len = ui_assets[i].len;
		out->content_type = ui_assets[i].content_type;
		return;
	}
	ui_fail(&u->reply, 404, "not_found", "no such page");
	pass_reply(u, out);
}

/* GET /metrics: text, not JSON; the page headers stay (a text reply
 * needs none of what they forbid). */
static void metrics_reply(fs_ui *ui, ui_exchange *u, fs_http_reply *out)
{
	fs_err err = {0, ""};
	fs_buf text;

	fs_buf_init(&text, FS_METRICS_MAX);
	if (ui_metrics_text(ui, &text, &err) != 0) {
		fs_buf_free(&text);
		ui_fail(&u->reply, 500, "internal", "metrics: %s", err.msg);
		pass_reply(u, out);
		return;
	}
	out->status = 200;
	out->body = text.data;
	out->len = text.len;
	out->content_type = FS_METRICS_CONTENT_TYPE;
}

/* ---- requests ---- */

/* Checks done before the body is read: fills u->reply when refused. */
static void admit(fs_ui *ui, const fs_http_exchange *x, ui_exchange *u)
{
	const char *host = fs_http_header_get(x, MHD_HTTP_HEADER_HOST);
	const char *method = x->method;

	if (!fs_http_is_loopback(x->peer)) {
		ui_fail(&u->reply, 403, "forbidden", "the kiosk UI answers this machine only");
		return;
	}
	if (!host_is_ours(ui, host)) {
		ui_fail(&u->reply, 403, "forbidden", "Host must be %s", ui->host);
		return;
	}
	if (strncmp(x->path, "/api/", 5) != 0) {
		if (strcmp(method, "GET") != 0 && strcmp(method, "HEAD") != 0)
			ui_fail(&u->reply, 405, "method_not_allowed", "pages are read with GET");
		return;
	}
	if (!origin_is_ours(ui, x, method)) {
		ui_fail(&u->reply, 403, "forbidden", "cross-site request refused");
		return;
	}
	if ((strcmp(method, "POST") == 0 || strcmp(method, "PUT") == 0) &&
	    !fs_http_media_type_is(fs_http_header_get(x, MHD_HTTP_HEADER_CONTENT_TYPE),
	                           FS_WIRE_JSON_TYPE))
		ui_fail(&u->reply, 415, "unsupported_media_type",
		        "send Content-Type: " FS_WIRE_JSON_TYPE);
}

static void on_begin(void *cls, fs_http_exchange *x)
{
	ui_exchange *u = calloc(1, sizeof(*u));

	if (u == NULL) {
		fs_http_reply_error(&x->reply, 500, "internal", NULL, "out of memory");
		return;
	}
	x->app = u;
	admit(cls, x, u);
	if (u->reply.status != 0)
		pass_reply(u, &x->reply);
	else
		x->body_cap = UI_BODY_MAX;
}

static void on_finish(void *cls, fs_http_exchange *x)
{
	fs_ui *ui = cls;
	ui_exchange *u = x->app;
	json_t *body = NULL;
	json_error_t jerr;
	ui_request rq;

	if (strcmp(x->path, "/metrics") == 0) {
		metrics_reply(ui, u, &x->reply);
		return;
	}
	if (strncmp(x->path, "/api/", 5) != 0) {
		asset_reply(u, &x->reply, x->path);
		return;
	}
	if (ui_updates_image(ui, x->method, x->path, &x->reply)) /* binary: ui_updates.c */
		return;
	if (x->body_over) {
		ui_fail(&u->reply, 413, "too_large", "body over %u bytes", UI_BODY_MAX);
	} else if (x->body.len > 0 &&
	           (body = json_loadb(x->body.data, x->body.len, JSON_REJECT_DUPLICATES, &jerr)) ==
	               NULL) {
		ui_fail(&u->reply, 400, "bad_json", "body is not JSON (line %d, column %d)",
		        jerr.line, jerr.column);
	} else {
		rq.method = x->method;
		rq.path = x->path;
		rq.cookie = MHD_lookup_connection_value(x->conn, MHD_COOKIE_KIND, "fs_worker");
		rq.body = body;
		ui_api_handle(ui, &rq, &u->reply);
		json_decref(body);
	}
	pass_reply(u, &x->reply);
}

static void on_done(void *cls, fs_http_exchange *x, int completed)
{
	ui_exchange *u = x->app;

	(void)cls;
	(void)completed;
	if (u == NULL)
		return;
	json_decref(u->reply.json);
	free(u);
	x->app = NULL;
}

/* ---- lifecycle ---- */

int fs_ui_start(fs_ui **out, const fs_ui_opts *opts, fs_err *err)
{
	char path[PATH_MAX], hint[400];
	fs_http_listen_addr la;
	fs_http_opts http;
	fs_store_options store_opts = {NULL, NULL, 0, 0};
	fs_ui *ui = NULL;
	int rc, n;

	*out = NULL;
	if (sodium_init() < 0)
		return fs_err_set(err, FS_EGENERIC, "libsodium failed to initialise");
	rc = fs_http_listen_parse(&la, opts->listen != NULL ? opts->listen : FS_UI_LISTEN_DEFAULT,
	                          FS_HTTP_LISTEN_NUMERIC, err);
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
	ui->request_delay_min_s = opts->request_delay_min_s;
	ui->request_delay_max_s = opts->request_delay_max_s;
	ui->contact_request_days = opts->contact_request_days ? opts->contact_request_days
	                                                      : FS_RETENTION_REQUEST_DAYS_DEFAULT;
	ui->sync_ctx = opts->sync_ctx;
	ui->metrics = opts->metrics;
	ui->metrics_ctx = opts->metrics_ctx;
	n = snprintf(path, sizeof(path), "%s/kiosk.db", opts->data_dir);
	if (n < 0 || n >= (int)sizeof(path)) {
		rc = fs_err_set(err, FS_EINVAL, "data directory path too long");
		goto fail;
	}
	store_opts.cache_kib = opts->store_cache_kib;
	rc = fs_store_open_with(&ui->store, opts->store_path ? opts->store_path : path,
	                        &store_opts, err);
	if (rc == 0)
		rc = ui_person_ref_rule(ui, opts->person_ref_pattern, err);
	if (rc != 0)
		goto fail;
	rc = fs_pin_guard_load(&ui->guard, ui->dir, err);
	if (rc == 0)
		rc = ui_receipts_new(&ui->receipts, opts->receipt_lookup, opts->receipt_ctx, err);
	if (rc != 0)
		goto fail;
	snprintf(hint, sizeof(hint),
	         "(by another fieldsync-agent on this machine, or another program): give each "
	         "kiosk its own port with --ui-listen %s%s%s:PORT",
	         la.ipv6 ? "[" : "", la.host, la.ipv6 ? "]" : "");
	memset(&http, 0, sizeof(http));
	http.listen = &la;
	http.log_prefix = "fieldsync-agent: ui";
	http.in_use_hint = hint;
	/* One internal thread: requests are served one at a time, so the store
	 * handle and the session never see two threads. */
	http.threads = 0;
	http.connections = UI_MAX_CONNECTIONS;
	http.per_source = UI_MAX_PER_SOURCE;
	http.head_timeout_ms = UI_HEAD_TIMEOUT_MS;
	http.idle_timeout_s = UI_IDLE_TIMEOUT_S;
	/* On every reply, the layer's own included (http_server.h). */
	http.headers = fs_http_page_headers;
	http.nheaders = fs_http_page_headers_count;
	http.handlers.begin = on_begin;
	http.handlers.finish = on_finish;
	http.handlers.done = on_done;
	http.cls = ui;
	rc = fs_http_server_start(&ui->http, &http, err);
	if (rc != 0)
		goto fail;
	ui->port = fs_http_server_port(ui->http);
	if (ui->port == 0)
		ui->port = la.port;
	fs_http_listen_format(ui->host, sizeof(ui->host), &la, ui->port);
	if (fs_http_is_loopback((const struct sockaddr *)&la.addr))
		snprintf(ui->host_alias, sizeof(ui->host_alias), "localhost:%u", ui->port);
	*out = ui;
	return 0;
fail:
	ui_receipts_free(ui->receipts);
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
	fs_http_server_stop(ui->http);
	ui_receipts_free(ui->receipts);
	fs_store_close(ui->store);
	free(ui);
}
