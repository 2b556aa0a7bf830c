#include "server.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "fieldsync/records.h"
#include "http_server.h"
#include "http_wire.h"
#include "metrics.h"

/* Connections beyond the served limit that still get a 503 answer. */
#define BUSY_SLACK 64

struct hub_server {
	fs_http_server *http;
	hub_app *app;
};

/* One request as the routes see it, and the headers of its reply. */
typedef struct hub_exchange {
	hub_request req;
	hub_reply reply;
	char ack[24];
} hub_exchange;

void hub_server_config_default(hub_server_config *out)
{
	fs_err ignored = {0, ""};

	memset(out, 0, sizeof(*out));
	fs_http_listen_parse(&out->listen, HUB_LISTEN_DEFAULT, 0, &ignored);
	out->threads = 4;
	out->connection_limit = 256;
	out->max_per_source = 32;
	out->head_timeout_s = 10;
	out->timeout_s = 30;
}

/* ---- logging ---- */

/* Copy text for the log: printable ASCII only, truncated. */
static void log_text(char *out, size_t len, const char *in)
{
	size_t i;

	if (in == NULL)
		in = "-";
	for (i = 0; in[i] != '\0' && i + 1 < len; i++)
		out[i] = (in[i] > 0x20 && in[i] < 0x7f) ? in[i] : '?';
	out[i] = '\0';
	if (in[i] != '\0' && len > 4)
		memcpy(out + len - 4, "...", 4);
}

/* h is NULL when the request was answered before the routes saw it. */
static void log_request(const fs_http_exchange *x, const hub_exchange *h, int completed)
{
	char when[FS_TIMESTAMP_LEN + 1], method[16], path[128], status[8];
	const char *site = h != NULL && h->req.device.site[0] ? h->req.device.site : "-";
	size_t n;

	fs_timestamp_format(when, (uint64_t)time(NULL) * 1000u);
	log_text(method, sizeof(method), x->method);
	log_text(path, sizeof(path) - 32, x->path);
	n = strlen(path);
	if (h != NULL && h->req.has_cursor)
		snprintf(path + n, sizeof(path) - n, "?cursor=%" PRId64, h->req.cursor);
	if (x->sent)
		snprintf(status, sizeof(status), "%d", x->reply.status);
	else
		snprintf(status, sizeof(status), "-");
	fprintf(stderr, "%s %s %s %s %s in=%" PRIu64 " out=%zu %" PRIu64 "ms%s%s%s\n", when, method,
	        path, site, status, x->bytes_in, x->sent ? x->reply.len : 0,
	        fs_http_elapsed_ms(x), x->reply.error ? " error=" : "",
	        x->reply.error ? x->reply.error : "", completed ? "" : " (connection closed early)");
}

/* ---- requests ---- */

static enum MHD_Result collect_query(void *cls, enum MHD_ValueKind kind, const char *key,
                                     const char *value)
{
	hub_request *req = cls;

	(void)kind;
	if (req->nquery == HUB_QUERY_MAX) {
		req->query_overflow = 1;
		return MHD_NO;
	}
	req->query[req->nquery].key = key;
	req->query[req->nquery].value = value;
	req->nquery++;
	return MHD_YES;
}

/* The routes' reply, handed to the shared layer to send. */
static void pass_reply(hub_exchange *h, fs_http_reply *out)
{
	hub_reply *r = &h->reply;

	out->status = r->status;
	out->error = r->error;
	free(out->body);
	out->body = r->body;
	out->len = r->len;
	r->body = NULL;
	out->content_type = r->content_type;
	out->retry_after = r->retry_after;
	if (r->gzip)
		fs_http_reply_header(out, MHD_HTTP_HEADER_CONTENT_ENCODING,
		                     FS_WIRE_CHANGESET_ENCODING);
	if (r->has_ack) {
		snprintf(h->ack, sizeof(h->ack), "%" PRId64, r->ack);
		fs_http_reply_header(out, FS_WIRE_ACK_HEADER, h->ack);
	}
	if (r->allow != NULL)
		fs_http_reply_header(out, MHD_HTTP_HEADER_ALLOW, r->allow);
	if (r->bearer_challenge)
		fs_http_reply_header(out, MHD_HTTP_HEADER_WWW_AUTHENTICATE,
		                     "Bearer realm=\"fieldsync\"");
	if (r->no_store)
		fs_http_reply_header(out, MHD_HTTP_HEADER_CACHE_CONTROL, "no-store");
	if (r->seal_key[0] != '\0')
		fs_http_reply_header(out, FS_WIRE_SEAL_KEY_HEADER, r->seal_key);
	if (r->region[0] != '\0')
		fs_http_reply_header(out, FS_WIRE_REGION_HEADER, r->region);
}

static void on_begin(void *cls, fs_http_exchange *x)
{
	hub_server *srv = cls;
	hub_exchange *h = calloc(1, sizeof(*h));
	hub_request *req;

	if (h == NULL) {
		fs_http_reply_error(&x->reply, 500, "internal", NULL, "the hub ran out of memory");
		return;
	}
	x->app = h;
	req = &h->req;
	hub_request_set_peer(req, x->peer);
	req->method = x->method;
	req->path = x->path;
	req->content_type = fs_http_header_get(x, MHD_HTTP_HEADER_CONTENT_TYPE);
	req->content_encoding = fs_http_header_get(x, MHD_HTTP_HEADER_CONTENT_ENCODING);
	req->authorization = fs_http_header_get(x, MHD_HTTP_HEADER_AUTHORIZATION);
	req->content_length = fs_http_header_get(x, MHD_HTTP_HEADER_CONTENT_LENGTH);
	req->fs_agent = fs_http_header_get(x, FS_WIRE_AGENT_HEADER);
	req->fs_pending = fs_http_header_get(x, FS_WIRE_PENDING_HEADER);
	req->fs_clock = fs_http_header_get(x, FS_WIRE_CLOCK_HEADER);
	req->fs_region = fs_http_header_get(x, FS_WIRE_REGION_HEADER);
	MHD_get_connection_values(x->conn, MHD_GET_ARGUMENT_KIND, collect_query, req);
	hub_app_begin(srv->app, req, &h->reply);
	if (h->reply.status != 0)
		pass_reply(h, &x->reply);
	else
		x->body_cap = req->body_cap;
}

static void wake(void *ctx)
{
	fs_http_resume(ctx);
}

static void on_finish(void *cls, fs_http_exchange *x)
{
	hub_server *srv = cls;
	hub_exchange *h = x->app;

	/* The routes own the body from here. */
	h->req.body = x->body;
	fs_buf_init(&x->body, 0);
	h->req.body_over = x->body_over;
	h->req.bytes_in = x->bytes_in;
	h->req.wake = wake;
	h->req.wake_ctx = x;
	hub_app_finish(srv->app, &h->req, &h->reply);
	if (h->req.pending)
		fs_http_suspend(x);
	else
		pass_reply(h, &x->reply);
}

static void on_resumed(void *cls, fs_http_exchange *x)
{
	hub_server *srv = cls;
	hub_exchange *h = x->app;

	hub_app_resume(srv->app, &h->req, &h->reply);
	pass_reply(h, &x->reply);
}

static void on_done(void *cls, fs_http_exchange *x, int completed)
{
	hub_server *srv = cls;
	hub_exchange *h = x->app;

	log_request(x, h, completed);
	/* A sync the layer answered itself (busy) never reached the routes. */
	hub_metrics_request(hub_app_metrics(srv->app),
	                    h != NULL ? h->req.route == HUB_ROUTE_SYNC
	                              : strcmp(x->path, "/v1/sync") == 0 &&
	                                    strcmp(x->method, "POST") == 0,
	                    x->sent ? x->reply.status : 0, x->reply.error,
	                    fs_http_elapsed_ms(x));
	if (h == NULL)
		return;
	fs_buf_free(&h->req.body);
	hub_reply_clear(&h->reply);
	free(h);
	x->app = NULL;
}

/* ---- lifecycle ---- */

int hub_server_start(hub_server **out, const hub_server_config *cfg, hub_app *app, fs_err *err)
{
	fs_http_opts opts;
	hub_server *srv;
	int rc;

	*out = NULL;
	srv = calloc(1, sizeof(*srv));
	if (srv == NULL)
		return fs_err_set(err, FS_ENOMEM, "out of memory");
	srv->app = app;
	memset(&opts, 0, sizeof(opts));
	opts.listen = &cfg->listen;
	opts.log_prefix = "fieldsync-hub: http";
	opts.in_use_hint = "(by another fieldsync-hub or another program): stop it, or choose "
	                   "another port with --listen";
	opts.threads = cfg->threads;
	opts.connections = cfg->connection_limit;
	opts.busy_extra = BUSY_SLACK;
	opts.per_source = cfg->max_per_source;
	opts.head_timeout_ms = cfg->head_timeout_s * 1000u;
	opts.idle_timeout_s = cfg->timeout_s;
	opts.tls_cert_pem = cfg->tls_cert_pem;
	opts.tls_key_pem = cfg->tls_key_pem;
	opts.handlers.begin = on_begin;
	opts.handlers.finish = on_finish;
	opts.handlers.resumed = on_resumed;
	opts.handlers.done = on_done;
	opts.cls = srv;
	rc = fs_http_server_start(&srv->http, &opts, err);
	if (rc != 0) {
		free(srv);
		return rc;
	}
	hub_metrics_set_server(hub_app_metrics(app), srv->http);
	*out = srv;
	return 0;
}

unsigned hub_server_port(const hub_server *srv)
{
	return fs_http_server_port(srv->http);
}

void hub_server_quiesce(hub_server *srv)
{
	fs_http_server_quiesce(srv->http);
}

unsigned hub_server_in_flight(hub_server *srv)
{
	return fs_http_server_in_flight(srv->http);
}

void hub_server_stop(hub_server *srv)
{
	if (srv == NULL)
		return;
	fs_http_server_stop(srv->http);
	hub_metrics_set_server(hub_app_metrics(srv->app), NULL);
	free(srv);
}
