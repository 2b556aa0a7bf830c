/* fieldsync-hub: the HTTP server (libmicrohttpd) around the endpoints of
 * routes.h.
 *
 * An internal pool of worker threads (epoll where available) serves the
 * connections; handlers run on the worker that owns the connection. The
 * libmicrohttpd setup, the slow-client rules, body collection and the
 * replies the server makes itself are the shared layer's
 * (http/http_server.h); here they get the hub's values:
 *  - a source address may hold `max_per_source` connections;
 *  - each request head (and the TLS handshake) must arrive within
 *    `head_timeout_s`; after it `timeout_s` without a byte closes the
 *    connection, and so does a body averaging under 100 bytes a second
 *    over a `timeout_s` window;
 *  - past `connection_limit` open connections a request is answered 503
 *    busy (Retry-After: 1) and its connection closed; the server holds
 *    at most 64 more; past those it accepts nothing until a slot frees
 *    (new connections wait in the kernel's listen queue);
 *  - bodies are collected up to the route's cap: a declared Content-Length
 *    over it is answered 413 before any byte is read (routes.c), and past
 *    the cap further bytes are only counted, never kept;
 *  - a request framed two ways is answered 400 bad_request and its
 *    connection closed.
 * With TLS only TLS 1.2 and 1.3 are offered.
 *
 * One line per request goes to stderr: time, method, path (with only the
 * cursor of the query), device site or "-", status, body bytes in and out,
 * milliseconds, error code. Bodies, tokens and answers are never logged;
 * connections cut or refused are counted in one summary line a minute. */
#ifndef HUB_SERVER_H
#define HUB_SERVER_H

#include "fieldsync/error.h"
#include "http_listen.h"
#include "routes.h"

#define HUB_LISTEN_DEFAULT "127.0.0.1:8420"

typedef struct hub_server_config {
	fs_http_listen_addr listen;
	unsigned threads;          /* worker threads */
	unsigned connection_limit; /* concurrent connections served */
	unsigned max_per_source;   /* connections per client address */
	unsigned head_timeout_s;   /* to receive each request head */
	unsigned timeout_s;        /* idle connection timeout */
	const char *tls_cert_pem;  /* PEM text (borrowed, must outlive the
	                            * server); NULL for plain HTTP */
	const char *tls_key_pem;
} hub_server_config;

/* 4 threads, 256 connections, 32 per source, 10 s for a head, 30 s idle,
 * no TLS, HUB_LISTEN_DEFAULT. */
void hub_server_config_default(hub_server_config *out);

typedef struct hub_server hub_server;

/* Start serving app (borrowed; must outlive the server). FS_EGENERIC when
 * the address cannot be bound or TLS is not available, naming why. */
int hub_server_start(hub_server **out, const hub_server_config *cfg, hub_app *app, fs_err *err);

/* The port actually bound (useful with port 0). */
unsigned hub_server_port(const hub_server *srv);

/* Stop accepting new connections; open ones are still served. */
void hub_server_quiesce(hub_server *srv);

/* Requests received and not yet completed. */
unsigned hub_server_in_flight(hub_server *srv);

/* Stop: close every connection and join the workers (a handler that is
 * running finishes first). Frees srv; NULL accepted. */
void hub_server_stop(hub_server *srv);

#endif
