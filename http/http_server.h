/* fieldsync: the HTTP server layer under the hub (hub/server.c) and the
 * kiosk UI (agent/ui/ui_server.c): libmicrohttpd started with the limits
 * below, the slow-client guard (http_guard.h) wired in, libmicrohttpd's log
 * lines trimmed and counted, request bodies collected up to a cap, JSON
 * error replies {"error": CODE, "message": TEXT} (docs/protocol.md).
 *
 * For each request the layer calls the handlers' begin once the request
 * line and headers are in; a request begin answers (x->reply.status set)
 * is answered before its body is read. Otherwise the body is collected:
 * at most x->body_cap bytes are kept; past the cap further bytes are only
 * counted (x->body_over), and a client that sends FS_HTTP_DISCARD_MAX more
 * is cut off without an answer. Then finish answers. done is called when
 * the request ends, answered or not.
 *
 * Before begin the layer answers itself, and closes the connection:
 *  - 400 bad_request to a request framed two ways (http_guard.h,
 *    fs_http_framing_check);
 *  - 503 busy (Retry-After: 1) when more than `connections` are open
 *    (only with busy_extra > 0: libmicrohttpd then holds busy_extra more
 *    connections to answer so, and accepts nothing past those; with
 *    busy_extra 0 it closes a connection past `connections` at accept).
 * A source address may hold `per_source` connections (one more is closed
 * at accept); each request head must come within head_timeout_ms, a body
 * must average FS_HTTP_BODY_MIN_RATE bytes a second over each idle-timeout
 * window, and idle_timeout_s without a byte closes a connection. HTTP/1.1
 * without Host is answered 400 by libmicrohttpd. With TLS only TLS 1.2 and
 * 1.3 are offered. */
#ifndef FIELDSYNC_HTTP_SERVER_H
#define FIELDSYNC_HTTP_SERVER_H

#include <jansson.h>
#include <microhttpd.h>
#include <stddef.h>
#include <stdint.h>

#include "fieldsync/buf.h"
#include "fieldsync/error.h"
#include "http_listen.h"

/* Bytes a second a body must average over each idle-timeout window. */
#define FS_HTTP_BODY_MIN_RATE 100u
/* Past its cap a body is counted and dropped; a client that keeps sending
 * this much more is cut off without an answer. */
#define FS_HTTP_DISCARD_MAX (64u << 20)
/* Extra headers a reply may carry (besides Content-Type, Retry-After,
 * Connection and the server's own, fs_http_opts.headers). */
#define FS_HTTP_HEADERS_MAX 8

typedef struct fs_http_header {
	const char *name, *value;
} fs_http_header;

/* The headers of a server of web pages (the kiosk UI, the hub console),
 * for fs_http_opts.headers: never cached, never sniffed, framed or sent to
 * another site, and a page may load nothing but its server's own files
 * (Content-Security-Policy default-src 'none' with 'self' for scripts,
 * styles, images and fetches; no inline script or style, no form posts). */
extern const fs_http_header fs_http_page_headers[];
extern const size_t fs_http_page_headers_count;

/* A reply as a handler sets it and the layer sends it. */
typedef struct fs_http_reply {
	int status;        /* 0 until set */
	const char *error; /* the error code (static string) or NULL; for the log */
	char *body;        /* owned (malloc): freed once sent; NULL: empty */
	size_t len;
	const void *static_body;  /* instead of body: data that lives for ever */
	const char *content_type; /* static string or NULL */
	unsigned retry_after;     /* Retry-After seconds; 0: none */
	int close;                /* Connection: close */
	/* Names static; values borrowed until the request ends (done). */
	fs_http_header headers[FS_HTTP_HEADERS_MAX];
	size_t nheaders;
} fs_http_reply;

/* Add a header to r (name and value borrowed, see above); -1 when r holds
 * FS_HTTP_HEADERS_MAX already (a programming error: asserted). */
int fs_http_reply_header(fs_http_reply *r, const char *name, const char *value);

/* {"error": code, "message": message} plus the keys of details (borrowed,
 * may be NULL; its "error" and "message" are replaced) as compact JSON
 * text, malloc'd. Bytes of message that are not UTF-8 become '?' (messages
 * may quote truncated names from a request). NULL when out of memory. The
 * message must hold no answers or personal details. */
char *fs_http_error_text(const char *code, const char *message, const json_t *details);

/* An error reply with that JSON body (code static; details borrowed, may
 * be NULL). Out of memory turns it into a plain 500 internal. */
void fs_http_reply_error(fs_http_reply *r, int status, const char *code, const json_t *details,
                         const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 5, 6)))
#endif
    ;

/* A JSON reply; body is stolen (a new reference). Out of memory turns it
 * into a 500 internal. */
void fs_http_reply_json(fs_http_reply *r, int status, json_t *body);

/* Free the body and reset every field; NULL accepted. */
void fs_http_reply_clear(fs_http_reply *r);

/* One request as the handlers see it. */
typedef struct fs_http_exchange {
	struct MHD_Connection *conn; /* for header, cookie and argument lookups */
	const char *method, *path;   /* path without the query */
	const struct sockaddr *peer; /* the client's address; NULL unknown */
	void *app;                   /* the handlers' own state (set by begin, freed by done) */
	size_t body_cap;             /* set by begin: bytes of body kept at most */
	fs_buf body;                 /* what was kept */
	int body_over;               /* more than body_cap arrived (and was dropped) */
	uint64_t bytes_in;           /* body bytes received, kept or not */
	uint64_t start_ms;           /* monotonic, when the head was in */
	fs_http_reply reply;
	int sent; /* the reply was queued (its status is reply.status) */
	/* The layer's (fs_http_suspend). */
	struct fs_http_server *srv;
	int suspend, waiting, suspended, woken;
} fs_http_exchange;

/* From finish (or resumed): answer later, without holding this thread,
 * which goes on serving its other connections (and noticing their
 * closes) meanwhile. The handler must then call fs_http_resume(x) exactly
 * once, from any thread, after which the layer calls handlers.resumed on
 * the connection's thread to set the reply. A suspended exchange counts
 * in fs_http_server_in_flight; it does not time out. */
void fs_http_suspend(fs_http_exchange *x);
void fs_http_resume(fs_http_exchange *x);

/* The value of a request header, NULL when absent (borrowed, valid for
 * the request). */
const char *fs_http_header_get(const fs_http_exchange *x, const char *name);

/* Milliseconds since x's head was in (for a log line). */
uint64_t fs_http_elapsed_ms(const fs_http_exchange *x);

/* Does a Content-Type header name this media type (parameters after ';'
 * allowed)? 1 or 0 (also for NULL). */
int fs_http_media_type_is(const char *header, const char *want);

typedef struct fs_http_handlers {
	void (*begin)(void *cls, fs_http_exchange *x);
	void (*finish)(void *cls, fs_http_exchange *x);
	/* After fs_http_resume; may be NULL when no handler suspends. */
	void (*resumed)(void *cls, fs_http_exchange *x);
	/* completed: 1 when the reply went out in full. May be NULL. */
	void (*done)(void *cls, fs_http_exchange *x, int completed);
} fs_http_handlers;

typedef struct fs_http_opts {
	const fs_http_listen_addr *listen; /* borrowed for the call */
	const char *log_prefix;            /* starts its log lines: "fieldsync-hub: http" (borrowed,
	                                    * must outlive the server) */
	const char *in_use_hint;           /* after "the port is in use " when the port is taken
	                                    * (borrowed for the call) */
	unsigned threads;                  /* worker threads; 0: one internal thread */
	unsigned connections;              /* served at once */
	unsigned busy_extra;               /* held beyond to answer 503 busy; 0: none */
	unsigned per_source;               /* connections per client address */
	unsigned head_timeout_ms;          /* to receive each request head */
	unsigned idle_timeout_s;           /* idle connection timeout, and the body rate window */
	const char *tls_cert_pem;          /* PEM text (borrowed, must outlive the server); NULL:
	                                    * plain HTTP */
	const char *tls_key_pem;
	/* Added to every reply, the layer's own included (borrowed, must
	 * outlive the server); may be NULL. */
	const fs_http_header *headers;
	size_t nheaders;
	fs_http_handlers handlers;
	void *cls; /* passed to the handlers */
} fs_http_opts;

typedef struct fs_http_server fs_http_server;

/* Start serving. FS_EGENERIC when the address cannot be bound ("cannot
 * listen on HOST:PORT: ...", with in_use_hint for a taken port), TLS is not
 * available or no thread starts; FS_ENOMEM. *out is ended with
 * fs_http_server_stop. */
int fs_http_server_start(fs_http_server **out, const fs_http_opts *opts, fs_err *err);

/* The port actually bound (useful with port 0). */
unsigned fs_http_server_port(const fs_http_server *srv);

/* Stop accepting new connections; open ones are still served. */
void fs_http_server_quiesce(fs_http_server *srv);

/* Requests received and not yet ended. */
unsigned fs_http_server_in_flight(fs_http_server *srv);

/* Connection counts for a metric (docs/metrics.md). */
typedef struct fs_http_stats {
	unsigned open;             /* connections open now */
	unsigned long long busy_refused; /* requests answered 503 busy (over
	                                  * `connections`) since the start */
} fs_http_stats;

void fs_http_server_stats(fs_http_server *srv, fs_http_stats *out);

/* Stop: close every connection and join the threads (a handler that is
 * running finishes first). Every suspended exchange must have been
 * resumed first (libmicrohttpd aborts otherwise). Frees srv; NULL
 * accepted. */
void fs_http_server_stop(fs_http_server *srv);

#endif
