/* fieldsync-hub: the HTTP server (libmicrohttpd) around the endpoints of
 * routes.h.
 *
 * An internal pool of worker threads (epoll where available) serves the
 * connections; handlers run on the worker that owns the connection.
 * Bodies are collected up to the route's cap: a declared Content-Length
 * over it is answered 413 before any byte is read, and past the cap
 * further bytes are only counted, never kept. Past `connection_limit`
 * concurrent connections a request is answered 503 busy (up to a hard
 * limit of 64 more, beyond which connections are closed unanswered). Idle
 * connections close after `timeout_s`. One line per request goes to
 * stderr: time, method, path (with only the cursor of the query), device
 * site or "-", status, body bytes in and out, milliseconds, error code.
 * Bodies, tokens and answers are never logged. */
#ifndef HUB_SERVER_H
#define HUB_SERVER_H

#include "fieldsync/error.h"
#include "listen.h"
#include "routes.h"

typedef struct hub_server_config {
	hub_listen_addr listen;
	unsigned threads;          /* worker threads */
	unsigned connection_limit; /* concurrent connections served */
	unsigned timeout_s;        /* idle connection timeout */
	const char *tls_cert_pem;  /* PEM text (borrowed, must outlive the
	                            * server); NULL for plain HTTP */
	const char *tls_key_pem;
} hub_server_config;

/* 4 threads, 256 connections, 30 s, no TLS, HUB_LISTEN_DEFAULT. */
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
