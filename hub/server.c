#include "server.h"

#include <arpa/inet.h>
#include <errno.h>
#include <inttypes.h>
#include <microhttpd.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "http_guard.h"

/* Connections beyond the served limit that still get a 503 answer. */
#define BUSY_SLACK 64
/* After the head, a body must average this many bytes a second over each
 * idle-timeout window (the agent's own floor for the hub's replies). */
#define BODY_MIN_RATE 100
/* TLS 1.2 and 1.3 only (GnuTLS priority string). */
#define TLS_PRIORITIES "NORMAL:-VERS-ALL:+VERS-TLS1.3:+VERS-TLS1.2"
/* Past its cap a body is counted and dropped; a client that keeps sending
 * this much more is cut off without an answer. */
#define DISCARD_MAX (64u << 20)

struct hub_server {
	struct MHD_Daemon *daemon;
	fs_http_guard *guard;
	hub_app *app;
	unsigned soft_limit;
	atomic_uint connections;
	atomic_uint in_flight;
	MHD_socket quiesced;
	atomic_int starting;
	char start_msg[256]; /* libmicrohttpd's last message while starting */
};

/* One request: what the routes see, the reply, and what the log says. */
typedef struct req_ctx {
	hub_request req;
	hub_reply reply;
	uint64_t start_ms;
	int queued;
	int close;  /* answer with Connection: close */
	int status;
	const char *error;
	size_t bytes_out;
} req_ctx;

void hub_server_config_default(hub_server_config *out)
{
	fs_err ignored = {0, ""};

	memset(out, 0, sizeof(*out));
	hub_listen_parse(&out->listen, HUB_LISTEN_DEFAULT, &ignored);
	out->threads = 4;
	out->connection_limit = 256;
	out->max_per_source = 32;
	out->head_timeout_s = 10;
	out->timeout_s = 30;
}

static uint64_t monotonic_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000u + (uint64_t)(ts.tv_nsec / 1000000);
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

static void log_request(const req_ctx *x, enum MHD_RequestTerminationCode toe)
{
	char when[32], method[16], path[128], status[8];
	time_t now = time(NULL);
	struct tm tm;
	size_t n;
	const char *site = x->req.device.site[0] ? x->req.device.site : "-";

	gmtime_r(&now, &tm);
	strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%SZ", &tm);
	log_text(method, sizeof(method), x->req.method);
	log_text(path, sizeof(path) - 32, x->req.path);
	n = strlen(path);
	if (x->req.has_cursor)
		snprintf(path + n, sizeof(path) - n, "?cursor=%" PRId64, x->req.cursor);
	if (x->status != 0)
		snprintf(status, sizeof(status), "%d", x->status);
	else
		snprintf(status, sizeof(status), "-");
	fprintf(stderr, "%s %s %s %s %s in=%" PRIu64 " out=%zu %" PRIu64 "ms%s%s%s\n", when, method,
	        path, site, status, x->req.bytes_in, x->bytes_out, monotonic_ms() - x->start_ms,
	        x->error ? " error=" : "", x->error ? x->error : "",
	        toe == MHD_REQUEST_TERMINATED_COMPLETED_OK ? "" : " (connection closed early)");
}

__attribute__((format(printf, 2, 0))) static void on_mhd_log(void *cls, const char *fmt, va_list ap)
{
	hub_server *srv = cls;
	char msg[256];
	size_t n;

	vsnprintf(msg, sizeof(msg), fmt, ap);
	n = strlen(msg);
	while (n > 0 && (msg[n - 1] == '\n' || msg[n - 1] == '\r'))
		msg[--n] = '\0';
	if (atomic_load(&srv->starting)) {
		snprintf(srv->start_msg, sizeof(srv->start_msg), "%s", msg);
		return;
	}
	if (srv->guard != NULL && fs_http_guard_log_filter(srv->guard, msg))
		return;
	fprintf(stderr, "fieldsync-hub: http: %s\n", msg);
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

static const char *header(struct MHD_Connection *c, const char *name)
{
	return MHD_lookup_connection_value(c, MHD_HEADER_KIND, name);
}

static enum MHD_Result send_reply(struct MHD_Connection *c, req_ctx *x)
{
	hub_reply *r = &x->reply;
	struct MHD_Response *resp;
	enum MHD_Result ret;
	char num[32];

	resp = MHD_create_response_from_buffer(r->len, r->body, MHD_RESPMEM_MUST_FREE);
	if (resp == NULL)
		return MHD_NO;
	r->body = NULL; /* libmicrohttpd frees it */
	if (r->content_type != NULL)
		MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, r->content_type);
	if (r->gzip)
		MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_ENCODING, "gzip");
	if (r->has_ack) {
		snprintf(num, sizeof(num), "%" PRId64, r->ack);
		MHD_add_response_header(resp, "Fieldsync-Ack", num);
	}
	if (r->allow != NULL)
		MHD_add_response_header(resp, MHD_HTTP_HEADER_ALLOW, r->allow);
	if (r->retry_after != 0) {
		snprintf(num, sizeof(num), "%u", r->retry_after);
		MHD_add_response_header(resp, MHD_HTTP_HEADER_RETRY_AFTER, num);
	}
	if (r->bearer_challenge)
		MHD_add_response_header(resp, MHD_HTTP_HEADER_WWW_AUTHENTICATE,
		                        "Bearer realm=\"fieldsync\"");
	if (r->no_store)
		MHD_add_response_header(resp, MHD_HTTP_HEADER_CACHE_CONTROL, "no-store");
	if (x->close)
		MHD_add_response_header(resp, MHD_HTTP_HEADER_CONNECTION, "close");
	ret = MHD_queue_response(c, (unsigned)r->status, resp);
	MHD_destroy_response(resp);
	x->queued = 1;
	x->status = r->status;
	x->error = r->error;
	x->bytes_out = r->len;
	return ret;
}

/* First call for a request: headers are in, no body read yet. */
static enum MHD_Result begin_request(hub_server *srv, struct MHD_Connection *c, req_ctx *x,
                                     const char *url, const char *method)
{
	hub_request *req = &x->req;
	const union MHD_ConnectionInfo *ci =
	    MHD_get_connection_info(c, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
	char why[96];

	fs_http_guard_head_done(srv->guard, c);
	hub_request_set_peer(req, ci != NULL ? ci->client_addr : NULL);
	req->method = method;
	req->path = url;
	req->content_type = header(c, MHD_HTTP_HEADER_CONTENT_TYPE);
	req->content_encoding = header(c, MHD_HTTP_HEADER_CONTENT_ENCODING);
	req->authorization = header(c, MHD_HTTP_HEADER_AUTHORIZATION);
	req->content_length = header(c, MHD_HTTP_HEADER_CONTENT_LENGTH);
	MHD_get_connection_values(c, MHD_GET_ARGUMENT_KIND, collect_query, req);
	if (fs_http_framing_check(c, why, sizeof(why)) != 0) {
		/* Read another way by a proxy in front, the body could hide a
		 * second request: answer and close, reading nothing more. */
		hub_reply_error(&x->reply, 400, "bad_request", "%s", why);
		x->close = 1;
	} else if (atomic_load(&srv->connections) > srv->soft_limit) {
		hub_reply_error(&x->reply, 503, "busy", "too many connections; retry shortly");
		x->reply.retry_after = 1;
		x->close = 1;
	} else {
		hub_app_begin(srv->app, req, &x->reply);
	}
	if (x->reply.status != 0) {
		fs_http_guard_body_done(srv->guard, c); /* not read */
		return send_reply(c, x);
	}
	fs_buf_init(&req->body, req->body_cap);
	return MHD_YES;
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *c, const char *url,
                                  const char *method, const char *version, const char *upload_data,
                                  size_t *upload_data_size, void **con_cls)
{
	hub_server *srv = cls;
	req_ctx *x = *con_cls;

	(void)version;
	if (x == NULL) {
		x = calloc(1, sizeof(*x));
		if (x == NULL)
			return MHD_NO;
		x->start_ms = monotonic_ms();
		*con_cls = x;
		atomic_fetch_add(&srv->in_flight, 1);
		return begin_request(srv, c, x, url, method);
	}
	if (*upload_data_size > 0) {
		hub_request *req = &x->req;

		fs_http_guard_body(srv->guard, c, *upload_data_size);
		req->bytes_in += *upload_data_size;
		if (!x->queued && !req->body_over) {
			int rc = fs_buf_append(&req->body, upload_data, *upload_data_size);

			if (rc == FS_ETOOBIG) {
				req->body_over = 1;
				fs_buf_free(&req->body);
			} else if (rc != 0) {
				return MHD_NO;
			}
		}
		*upload_data_size = 0;
		if (req->body_over && req->bytes_in - req->body_cap > DISCARD_MAX)
			return MHD_NO;
		return MHD_YES;
	}
	fs_http_guard_body_done(srv->guard, c);
	if (x->queued)
		return MHD_YES;
	hub_app_finish(srv->app, &x->req, &x->reply);
	return send_reply(c, x);
}

static void on_completed(void *cls, struct MHD_Connection *c, void **con_cls,
                         enum MHD_RequestTerminationCode toe)
{
	hub_server *srv = cls;
	req_ctx *x = *con_cls;

	fs_http_guard_request_done(srv->guard, c);
	if (x == NULL)
		return;
	log_request(x, toe);
	fs_buf_free(&x->req.body);
	hub_reply_clear(&x->reply);
	free(x);
	*con_cls = NULL;
	atomic_fetch_sub(&srv->in_flight, 1);
}

static void on_connection(void *cls, struct MHD_Connection *c, void **socket_context,
                          enum MHD_ConnectionNotificationCode toe)
{
	hub_server *srv = cls;

	fs_http_guard_connection(srv->guard, c, socket_context, toe);
	if (toe == MHD_CONNECTION_NOTIFY_STARTED)
		atomic_fetch_add(&srv->connections, 1);
	else
		atomic_fetch_sub(&srv->connections, 1);
}

/* ---- lifecycle ---- */

/* Why the daemon did not start, naming the address as given. A bind
 * failure reads "Failed to bind to port 0: <reason>" from libmicrohttpd
 * (the port it names is its own parameter, not ours): keep the reason. */
static void start_failure(fs_err *err, const hub_listen_addr *l, const char *mhd_msg)
{
	const struct sockaddr *sa = (const struct sockaddr *)&l->addr;
	const char *reason = mhd_msg[0] ? mhd_msg : "libmicrohttpd failed to start";
	const char *colon = strrchr(reason, ':');
	unsigned port = sa->sa_family == AF_INET6
	                    ? ntohs(((const struct sockaddr_in6 *)sa)->sin6_port)
	                    : ntohs(((const struct sockaddr_in *)sa)->sin_port);

	if (strncmp(reason, "Failed to bind", 14) == 0 && colon != NULL)
		reason = colon + 2;
	if (strcmp(reason, strerror(EADDRINUSE)) == 0)
		fs_err_set(err, FS_EGENERIC,
		           "cannot listen on %s%s%s:%u: the port is in use (by another fieldsync-hub "
		           "or another program): stop it, or choose another port with --listen",
		           l->ipv6 ? "[" : "", l->host, l->ipv6 ? "]" : "", port);
	else
		fs_err_set(err, FS_EGENERIC, "cannot listen on %s%s%s:%u: %s", l->ipv6 ? "[" : "",
		           l->host, l->ipv6 ? "]" : "", port, reason);
}

int hub_server_start(hub_server **out, const hub_server_config *cfg, hub_app *app, fs_err *err)
{
	struct MHD_OptionItem tls[4] = {{MHD_OPTION_END, 0, NULL}};
	fs_http_guard_limits limits = {cfg->head_timeout_s * 1000u, cfg->timeout_s * 1000u,
	                               BODY_MIN_RATE};
	unsigned int flags = MHD_USE_AUTO_INTERNAL_THREAD | MHD_USE_ITC | MHD_USE_ERROR_LOG;
	hub_server *srv;

	*out = NULL;
	if (cfg->tls_cert_pem != NULL) {
		if (MHD_is_feature_supported(MHD_FEATURE_TLS) != MHD_YES)
			return fs_err_set(err, FS_EGENERIC,
			                  "this libmicrohttpd was built without TLS support");
		flags |= MHD_USE_TLS;
		tls[0] = (struct MHD_OptionItem){MHD_OPTION_HTTPS_MEM_CERT, 0,
		                                 (void *)cfg->tls_cert_pem};
		tls[1] =
		    (struct MHD_OptionItem){MHD_OPTION_HTTPS_MEM_KEY, 0, (void *)cfg->tls_key_pem};
		tls[2] = (struct MHD_OptionItem){MHD_OPTION_HTTPS_PRIORITIES, 0,
		                                 (void *)TLS_PRIORITIES};
		tls[3] = (struct MHD_OptionItem){MHD_OPTION_END, 0, NULL};
	}
	if (cfg->listen.ipv6)
		flags |= MHD_USE_IPv6;
	srv = calloc(1, sizeof(*srv));
	if (srv == NULL)
		return fs_err_set(err, FS_ENOMEM, "out of memory");
	srv->app = app;
	srv->soft_limit = cfg->connection_limit;
	srv->quiesced = MHD_INVALID_SOCKET;
	if (fs_http_guard_new(&srv->guard, &limits, "fieldsync-hub: http", err) != 0) {
		free(srv);
		return FS_EGENERIC;
	}
	atomic_store(&srv->starting, 1);
	srv->daemon = MHD_start_daemon(
	    flags, 0, NULL, NULL, on_request, srv, MHD_OPTION_SOCK_ADDR,
	    (const struct sockaddr *)&cfg->listen.addr, MHD_OPTION_THREAD_POOL_SIZE,
	    (unsigned int)cfg->threads, MHD_OPTION_CONNECTION_LIMIT,
	    (unsigned int)(cfg->connection_limit + BUSY_SLACK), MHD_OPTION_PER_IP_CONNECTION_LIMIT,
	    (unsigned int)cfg->max_per_source, MHD_OPTION_CONNECTION_TIMEOUT,
	    (unsigned int)cfg->timeout_s, MHD_OPTION_STRICT_FOR_CLIENT, 1,
	    MHD_OPTION_NOTIFY_COMPLETED, on_completed, srv,
	    MHD_OPTION_NOTIFY_CONNECTION, on_connection, srv, MHD_OPTION_EXTERNAL_LOGGER,
	    on_mhd_log, srv, MHD_OPTION_ARRAY, tls, MHD_OPTION_END);
	atomic_store(&srv->starting, 0);
	if (srv->daemon == NULL) {
		start_failure(err, &cfg->listen, srv->start_msg);
		fs_http_guard_free(srv->guard);
		free(srv);
		return FS_EGENERIC;
	}
	*out = srv;
	return 0;
}

unsigned hub_server_port(const hub_server *srv)
{
	const union MHD_DaemonInfo *info =
	    MHD_get_daemon_info(srv->daemon, MHD_DAEMON_INFO_BIND_PORT);

	return info != NULL ? info->port : 0;
}

void hub_server_quiesce(hub_server *srv)
{
	if (srv->quiesced == MHD_INVALID_SOCKET)
		srv->quiesced = MHD_quiesce_daemon(srv->daemon);
}

unsigned hub_server_in_flight(hub_server *srv)
{
	return atomic_load(&srv->in_flight);
}

void hub_server_stop(hub_server *srv)
{
	if (srv == NULL)
		return;
	MHD_stop_daemon(srv->daemon);
	fs_http_guard_free(srv->guard); /* after the daemon: it notifies closes */
	if (srv->quiesced != MHD_INVALID_SOCKET)
		close(srv->quiesced);
	free(srv);
}
