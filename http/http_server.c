#include "http_server.h"

#include <assert.h>
#include <errno.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include "fieldsync/monotonic.h"
#include "http_guard.h"
#include "http_wire.h"

/* TLS 1.2 and 1.3 only (GnuTLS priority string). */
#define TLS_PRIORITIES "NORMAL:-VERS-ALL:+VERS-TLS1.3:+VERS-TLS1.2"

struct fs_http_server {
	struct MHD_Daemon *daemon;
	fs_http_guard *guard;
	fs_http_opts opts;
	atomic_uint connections;
	/* Of those, idle between requests: not counted against the limit,
	 * since a client done with one may already have closed it, unseen
	 * until its thread next looks (and a keep-alive one costs nothing
	 * until its next head, which it then counts again). */
	atomic_uint idle;
	atomic_uint in_flight;
	atomic_ullong busy_refused; /* requests answered 503 busy by the layer */
	pthread_mutex_t wake_lock;  /* x->suspended and x->woken */
	MHD_socket quiesced;
	atomic_int starting;
	char start_msg[256]; /* libmicrohttpd's last message while starting */
};

/* ---- replies ---- */

const fs_http_header fs_http_page_headers[] = {
    {MHD_HTTP_HEADER_CACHE_CONTROL, "no-store"},
    {"X-Content-Type-Options", "nosniff"},
    {"Referrer-Policy", "no-referrer"},
    {"X-Frame-Options", "DENY"},
    {"Cross-Origin-Resource-Policy", "same-origin"},
    {"Content-Security-Policy",
     "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; "
     "connect-src 'self'; form-action 'none'; base-uri 'none'; frame-ancestors 'none'"},
};
const size_t fs_http_page_headers_count =
    sizeof(fs_http_page_headers) / sizeof(fs_http_page_headers[0]);

int fs_http_reply_header(fs_http_reply *r, const char *name, const char *value)
{
	assert(r->nheaders < FS_HTTP_HEADERS_MAX);
	if (r->nheaders == FS_HTTP_HEADERS_MAX)
		return -1;
	r->headers[r->nheaders].name = name;
	r->headers[r->nheaders].value = value;
	r->nheaders++;
	return 0;
}

/* Length of the valid UTF-8 sequence at s, or 0. */
static size_t utf8_seq(const unsigned char *s)
{
	size_t n, i;
	unsigned cp;

	if (s[0] < 0x80)
		return 1;
	if (s[0] >= 0xc2 && s[0] <= 0xdf) {
		n = 2;
		cp = s[0] & 0x1f;
	} else if (s[0] >= 0xe0 && s[0] <= 0xef) {
		n = 3;
		cp = s[0] & 0x0f;
	} else if (s[0] >= 0xf0 && s[0] <= 0xf4) {
		n = 4;
		cp = s[0] & 0x07;
	} else {
		return 0;
	}
	for (i = 1; i < n; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		cp = (cp << 6) | (s[i] & 0x3f);
	}
	if ((n == 3 && (cp < 0x800 || (cp >= 0xd800 && cp <= 0xdfff))) ||
	    (n == 4 && (cp < 0x10000 || cp > 0x10ffff)))
		return 0;
	return n;
}

/* Invalid UTF-8 bytes of s become '?', so a JSON string can hold it. */
static void make_utf8(char *s)
{
	unsigned char *p = (unsigned char *)s;

	while (*p != '\0') {
		size_t n = utf8_seq(p);

		if (n == 0) {
			*p++ = '?';
			continue;
		}
		p += n;
	}
}

char *fs_http_error_text(const char *code, const char *message, const json_t *details)
{
	json_t *o = json_is_object(details) ? json_copy((json_t *)details) : json_object();
	char *msg = strdup(message != NULL ? message : "");
	char *text = NULL;

	if (o == NULL || msg == NULL)
		goto cleanup;
	make_utf8(msg);
	if (json_object_set_new(o, "error", json_string(code)) != 0 ||
	    json_object_set_new(o, "message", json_string(msg)) != 0)
		goto cleanup;
	text = json_dumps(o, JSON_COMPACT);
cleanup:
	json_decref(o);
	free(msg);
	return text;
}

/* Set r's body to text (owned, JSON); NULL (out of memory) makes r a 500. */
static void set_json_body(fs_http_reply *r, int status, char *text)
{
	static const char oom[] =
	    "{\"error\":\"internal\",\"message\":\"the server ran out of memory\"}";

	free(r->body);
	r->body = text;
	r->static_body = NULL;
	r->content_type = FS_WIRE_JSON_TYPE;
	r->status = status;
	if (text == NULL) {
		r->status = 500;
		r->error = "internal";
		r->static_body = oom;
		r->len = sizeof(oom) - 1;
		return;
	}
	r->len = strlen(text);
}

void fs_http_reply_error(fs_http_reply *r, int status, const char *code, const json_t *details,
                         const char *fmt, ...)
{
	char msg[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	r->error = code;
	set_json_body(r, status, fs_http_error_text(code, msg, details));
}

void fs_http_reply_json(fs_http_reply *r, int status, json_t *body)
{
	char *text = body != NULL ? json_dumps(body, JSON_COMPACT) : NULL;

	json_decref(body);
	r->error = NULL;
	set_json_body(r, status, text);
}

void fs_http_reply_clear(fs_http_reply *r)
{
	if (r == NULL)
		return;
	free(r->body);
	memset(r, 0, sizeof(*r));
}

/* ---- requests ---- */

const char *fs_http_header_get(const fs_http_exchange *x, const char *name)
{
	return MHD_lookup_connection_value(x->conn, MHD_HEADER_KIND, name);
}

uint64_t fs_http_elapsed_ms(const fs_http_exchange *x)
{
	return fs_monotonic_ms() - x->start_ms;
}

int fs_http_media_type_is(const char *header, const char *want)
{
	size_t n = strlen(want);

	if (header == NULL)
		return 0;
	while (*header == ' ' || *header == '\t')
		header++;
	if (strncasecmp(header, want, n) != 0)
		return 0;
	header += n;
	while (*header == ' ' || *header == '\t')
		header++;
	return *header == '\0' || *header == ';';
}

static enum MHD_Result send_reply(fs_http_server *srv, fs_http_exchange *x)
{
	fs_http_reply *r = &x->reply;
	struct MHD_Response *resp;
	enum MHD_Result ret;
	char num[24];
	size_t i;

	if (r->status == 0) /* a handler that answered nothing */
		fs_http_reply_error(r, 500, "internal", NULL, "the request was not answered");
	if (r->static_body != NULL)
		resp = MHD_create_response_from_buffer(r->len, (void *)r->static_body,
		                                       MHD_RESPMEM_PERSISTENT);
	else
		resp = MHD_create_response_from_buffer(r->len, r->body, MHD_RESPMEM_MUST_FREE);
	if (resp == NULL)
		return MHD_NO;
	if (r->static_body == NULL)
		r->body = NULL; /* libmicrohttpd frees it */
	for (i = 0; i < srv->opts.nheaders; i++)
		MHD_add_response_header(resp, srv->opts.headers[i].name,
		                        srv->opts.headers[i].value);
	if (r->content_type != NULL)
		MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, r->content_type);
	for (i = 0; i < r->nheaders; i++)
		MHD_add_response_header(resp, r->headers[i].name, r->headers[i].value);
	if (r->retry_after != 0) {
		snprintf(num, sizeof(num), "%u", r->retry_after);
		MHD_add_response_header(resp, MHD_HTTP_HEADER_RETRY_AFTER, num);
	}
	if (r->close)
		MHD_add_response_header(resp, MHD_HTTP_HEADER_CONNECTION, "close");
	ret = MHD_queue_response(x->conn, (unsigned)r->status, resp);
	/* Answered: what is left is the kernel's, so the connection no longer
	 * counts against the limit (its request's end is noticed later). */
	if (fs_http_guard_answered(srv->guard, x->conn))
		atomic_fetch_add(&srv->idle, 1);
	MHD_destroy_response(resp);
	x->sent = 1;
	return ret;
}

/* Connections counted against the limit (signed: the two counters are
 * read one after the other while others move them). */
static long busy(fs_http_server *srv)
{
	long open = (long)atomic_load(&srv->connections);

	return open - (long)atomic_load(&srv->idle);
}

/* First call for a request: the head is in, no body read yet. */
static enum MHD_Result begin_request(fs_http_server *srv, fs_http_exchange *x)
{
	const union MHD_ConnectionInfo *ci =
	    MHD_get_connection_info(x->conn, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
	char why[96];

	if (fs_http_guard_head_done(srv->guard, x->conn))
		atomic_fetch_sub(&srv->idle, 1);
	x->peer = ci != NULL ? ci->client_addr : NULL;
	if (fs_http_framing_check(x->conn, why, sizeof(why)) != 0) {
		/* Read another way by a proxy in front, the body could hide a
		 * second request: answer and close, reading nothing more. */
		fs_http_reply_error(&x->reply, 400, "bad_request", NULL, "%s", why);
		x->reply.close = 1;
	} else if (srv->opts.busy_extra > 0 && busy(srv) > (long)srv->opts.connections) {
		atomic_fetch_add_explicit(&srv->busy_refused, 1, memory_order_relaxed);
		fs_http_reply_error(&x->reply, 503, FS_WIRE_ERR_BUSY, NULL,
		                    "too many connections; retry shortly");
		x->reply.retry_after = 1;
		x->reply.close = 1;
	} else {
		srv->opts.handlers.begin(srv->opts.cls, x);
	}
	if (x->reply.status != 0) {
		fs_http_guard_body_done(srv->guard, x->conn); /* not read */
		return send_reply(srv, x);
	}
	fs_buf_init(&x->body, x->body_cap);
	return MHD_YES;
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *c, const char *url,
                                  const char *method, const char *version, const char *upload_data,
                                  size_t *upload_data_size, void **con_cls)
{
	fs_http_server *srv = cls;
	fs_http_exchange *x = *con_cls;

	(void)version;
	if (x == NULL) {
		x = calloc(1, sizeof(*x));
		if (x == NULL)
			return MHD_NO;
		x->conn = c;
		x->srv = srv;
		x->method = method;
		x->path = url;
		x->start_ms = fs_monotonic_ms();
		*con_cls = x;
		atomic_fetch_add(&srv->in_flight, 1);
		return begin_request(srv, x);
	}
	if (*upload_data_size > 0) {
		fs_http_guard_body(srv->guard, c, *upload_data_size);
		x->bytes_in += *upload_data_size;
		if (!x->sent && !x->body_over) {
			int rc = fs_buf_append(&x->body, upload_data, *upload_data_size);

			if (rc == FS_ETOOBIG) {
				x->body_over = 1;
				fs_buf_free(&x->body);
			} else if (rc != 0) {
				return MHD_NO;
			}
		}
		*upload_data_size = 0;
		if ((x->sent || x->body_over) &&
		    x->bytes_in > (uint64_t)x->body_cap + FS_HTTP_DISCARD_MAX)
			return MHD_NO;
		return MHD_YES;
	}
	if (x->sent)
		return MHD_YES;
	if (x->waiting) {
		/* Called again after fs_http_resume. */
		x->waiting = 0;
		srv->opts.handlers.resumed(srv->opts.cls, x);
	} else {
		fs_http_guard_body_done(srv->guard, c);
		srv->opts.handlers.finish(srv->opts.cls, x);
	}
	while (x->suspend) {
		x->suspend = 0;
		pthread_mutex_lock(&srv->wake_lock);
		if (!x->woken) {
			MHD_suspend_connection(c);
			x->suspended = 1;
			x->waiting = 1;
			pthread_mutex_unlock(&srv->wake_lock);
			return MHD_YES;
		}
		/* Resumed before it could be suspended. */
		x->woken = 0;
		pthread_mutex_unlock(&srv->wake_lock);
		srv->opts.handlers.resumed(srv->opts.cls, x);
	}
	return send_reply(srv, x);
}

void fs_http_suspend(fs_http_exchange *x)
{
	assert(x->srv->opts.handlers.resumed != NULL);
	x->suspend = 1;
}

void fs_http_resume(fs_http_exchange *x)
{
	fs_http_server *srv = x->srv;

	pthread_mutex_lock(&srv->wake_lock);
	if (x->suspended) {
		x->suspended = 0;
		MHD_resume_connection(x->conn);
	} else {
		x->woken = 1;
	}
	pthread_mutex_unlock(&srv->wake_lock);
}

static void on_completed(void *cls, struct MHD_Connection *c, void **con_cls,
                         enum MHD_RequestTerminationCode toe)
{
	fs_http_server *srv = cls;
	fs_http_exchange *x = *con_cls;

	if (fs_http_guard_request_done(srv->guard, c))
		atomic_fetch_add(&srv->idle, 1);
	if (x == NULL)
		return;
	if (srv->opts.handlers.done != NULL)
		srv->opts.handlers.done(srv->opts.cls, x,
		                        toe == MHD_REQUEST_TERMINATED_COMPLETED_OK);
	fs_buf_free(&x->body);
	fs_http_reply_clear(&x->reply);
	free(x);
	*con_cls = NULL;
	atomic_fetch_sub(&srv->in_flight, 1);
}

static void on_connection(void *cls, struct MHD_Connection *c, void **socket_context,
                          enum MHD_ConnectionNotificationCode toe)
{
	fs_http_server *srv = cls;

	/* Counted before the guard forgets it: idle, then open. */
	if (fs_http_guard_connection(srv->guard, c, socket_context, toe))
		atomic_fetch_sub(&srv->idle, 1);
	if (toe == MHD_CONNECTION_NOTIFY_STARTED)
		atomic_fetch_add(&srv->connections, 1);
	else
		atomic_fetch_sub(&srv->connections, 1);
}

/* libmicrohttpd's messages, one line each: kept for the start's error
 * message while starting, counted by the guard when they are about a
 * client cut or refused, otherwise logged. */
__attribute__((format(printf, 2, 0))) static void on_mhd_log(void *cls, const char *fmt, va_list ap)
{
	fs_http_server *srv = cls;
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
	fprintf(stderr, "%s: %s\n", srv->opts.log_prefix, msg);
}

/* ---- lifecycle ---- */

/* Why the daemon did not start, naming the address as given. A bind
 * failure reads "Failed to bind to port 0: <reason>" from libmicrohttpd
 * (the port it names is its own parameter, not ours): keep the reason. */
static int start_failure(fs_err *err, const fs_http_opts *o, const char *mhd_msg)
{
	const char *reason = mhd_msg[0] ? mhd_msg : "libmicrohttpd failed to start";
	const char *colon = strrchr(reason, ':');
	char where[300];

	fs_http_listen_format(where, sizeof(where), o->listen, o->listen->port);
	if (strncmp(reason, "Failed to bind", 14) == 0 && colon != NULL)
		reason = colon + 2;
	if (strcmp(reason, strerror(EADDRINUSE)) == 0)
		return fs_err_set(err, FS_EGENERIC, "cannot listen on %s: the port is in use %s",
		                  where, o->in_use_hint != NULL ? o->in_use_hint : "");
	return fs_err_set(err, FS_EGENERIC, "cannot listen on %s: %s", where, reason);
}

int fs_http_server_start(fs_http_server **out, const fs_http_opts *opts, fs_err *err)
{
	struct MHD_OptionItem extra[5] = {{MHD_OPTION_END, 0, NULL}};
	fs_http_guard_limits limits = {opts->head_timeout_ms, opts->idle_timeout_s * 1000u,
	                               FS_HTTP_BODY_MIN_RATE};
	unsigned int flags = MHD_USE_AUTO_INTERNAL_THREAD | MHD_USE_ITC | MHD_USE_ERROR_LOG |
	                     (opts->handlers.resumed != NULL ? MHD_ALLOW_SUSPEND_RESUME : 0);
	fs_http_server *srv;
	size_t n = 0;
	int rc;

	*out = NULL;
	if (opts->tls_cert_pem != NULL) {
		if (MHD_is_feature_supported(MHD_FEATURE_TLS) != MHD_YES)
			return fs_err_set(err, FS_EGENERIC,
			                  "this libmicrohttpd was built without TLS support");
		flags |= MHD_USE_TLS;
		extra[n++] = (struct MHD_OptionItem){MHD_OPTION_HTTPS_MEM_CERT, 0,
		                                     (void *)opts->tls_cert_pem};
		extra[n++] =
		    (struct MHD_OptionItem){MHD_OPTION_HTTPS_MEM_KEY, 0, (void *)opts->tls_key_pem};
		extra[n++] =
		    (struct MHD_OptionItem){MHD_OPTION_HTTPS_PRIORITIES, 0, (void *)TLS_PRIORITIES};
	}
	if (opts->threads > 0)
		extra[n++] = (struct MHD_OptionItem){MHD_OPTION_THREAD_POOL_SIZE,
		                                     (intptr_t)opts->threads, NULL};
	extra[n] = (struct MHD_OptionItem){MHD_OPTION_END, 0, NULL};
	if (opts->listen->ipv6)
		flags |= MHD_USE_IPv6;
	srv = calloc(1, sizeof(*srv));
	if (srv == NULL)
		return fs_err_set(err, FS_ENOMEM, "out of memory");
	srv->opts = *opts;
	srv->opts.listen = NULL; /* borrowed for this call only */
	srv->opts.in_use_hint = NULL;
	srv->quiesced = MHD_INVALID_SOCKET;
	pthread_mutex_init(&srv->wake_lock, NULL);
	rc = fs_http_guard_new(&srv->guard, &limits, opts->log_prefix, err);
	if (rc != 0) {
		pthread_mutex_destroy(&srv->wake_lock);
		free(srv);
		return rc;
	}
	atomic_store(&srv->starting, 1);
	srv->daemon = MHD_start_daemon(
	    flags, 0, NULL, NULL, on_request, srv, MHD_OPTION_SOCK_ADDR,
	    (const struct sockaddr *)&opts->listen->addr, MHD_OPTION_CONNECTION_LIMIT,
	    (unsigned int)(opts->connections + opts->busy_extra),
	    MHD_OPTION_PER_IP_CONNECTION_LIMIT, (unsigned int)opts->per_source,
	    MHD_OPTION_CONNECTION_TIMEOUT, (unsigned int)opts->idle_timeout_s,
	    MHD_OPTION_STRICT_FOR_CLIENT, 1, MHD_OPTION_NOTIFY_COMPLETED, on_completed, srv,
	    MHD_OPTION_NOTIFY_CONNECTION, on_connection, srv, MHD_OPTION_EXTERNAL_LOGGER,
	    on_mhd_log, srv, MHD_OPTION_ARRAY, extra, MHD_OPTION_END);
	atomic_store(&srv->starting, 0);
	if (srv->daemon == NULL) {
		rc = start_failure(err, opts, srv->start_msg);
		fs_http_guard_free(srv->guard);
		pthread_mutex_destroy(&srv->wake_lock);
		free(srv);
		return rc;
	}
	*out = srv;
	return 0;
}

unsigned fs_http_server_port(const fs_http_server *srv)
{
	const union MHD_DaemonInfo *info =
	    MHD_get_daemon_info(srv->daemon, MHD_DAEMON_INFO_BIND_PORT);

	return info != NULL ? info->port : 0;
}

void fs_http_server_quiesce(fs_http_server *srv)
{
	if (srv->quiesced == MHD_INVALID_SOCKET)
		srv->quiesced = MHD_quiesce_daemon(srv->daemon);
}

unsigned fs_http_server_in_flight(fs_http_server *srv)
{
	return atomic_load(&srv->in_flight);
}

void fs_http_server_stats(fs_http_server *srv, fs_http_stats *out)
{
	out->open = atomic_load_explicit(&srv->connections, memory_order_relaxed);
	out->busy_refused = atomic_load_explicit(&srv->busy_refused, memory_order_relaxed);
}

void fs_http_server_stop(fs_http_server *srv)
{
	if (srv == NULL)
		return;
	MHD_stop_daemon(srv->daemon);
	fs_http_guard_free(srv->guard); /* after the daemon: it notifies closes */
	if (srv->quiesced != MHD_INVALID_SOCKET)
		close(srv->quiesced);
	pthread_mutex_destroy(&srv->wake_lock);
	free(srv);
}
