/* fieldsync-hub console: its HTTP listener, started and stopped by
 * `fieldsync-hub serve` (hub/serve.c) beside the sync server, on the same
 * store pool (docs/console.md, "Serving").
 *
 * The shared layer (http/http_server.h) with the console's values:
 * CONSOLE_THREADS worker threads, CONSOLE_CONNECTIONS connections (503
 * busy past them), CONSOLE_PER_SOURCE per client address, each request
 * head within CONSOLE_HEAD_TIMEOUT_S, CONSOLE_IDLE_TIMEOUT_S idle; the
 * same security headers and CSP as the kiosk UI (fs_http_page_headers).
 * Pages are embedded in the binary (hub/console/www/, cmake/embed_www.cmake)
 * and read with GET; the API is console.h's. One log line per API request
 * to stderr: time, method, path, user or "-", status, milliseconds, error
 * (never a body, a password, a cookie or a token). */
#ifndef HUB_CONSOLE_SERVER_H
#define HUB_CONSOLE_SERVER_H

#include <stdint.h>

#include "fieldsync/error.h"
#include "http_listen.h"
#include "pool.h"

#define CONSOLE_LISTEN_DEFAULT "127.0.0.1:8421"
#define CONSOLE_THREADS 4u
#define CONSOLE_CONNECTIONS 64u
#define CONSOLE_PER_SOURCE 16u
#define CONSOLE_HEAD_TIMEOUT_S 10u
#define CONSOLE_IDLE_TIMEOUT_S 30u
#define CONSOLE_LOGIN_BODY_MAX 4096u /* POST /api/login and /api/logout */

typedef struct console_config {
	fs_http_listen_addr listen;
	const char *tls_cert_pem; /* PEM text (borrowed, must outlive the server); NULL:
	                           * plain HTTP (loopback, or behind a TLS proxy) */
	const char *tls_key_pem;
	/* HOST[:PORT] browsers use to reach the console when it is not the
	 * listen address (a DNS name, a proxy's); "" none. Host and Origin
	 * must name the listen address or this. */
	char public_host[256];
	uint64_t session_idle_ms; /* CONSOLE_SESSION_IDLE_MS unless shorter */
	uint64_t session_max_ms;  /* CONSOLE_SESSION_MAX_MS unless shorter */
} console_config;

/* CONSOLE_LISTEN_DEFAULT, no TLS, the default session times. */
void console_config_default(console_config *out);

typedef struct console_server console_server;

/* Start the console on pool (borrowed; must outlive the server).
 * FS_EGENERIC when the address cannot be bound, naming why; FS_ENOMEM. */
int console_server_start(console_server **out, const console_config *cfg, hub_pool *pool,
                         fs_err *err);

/* The port actually bound (useful with port 0). */
unsigned console_server_port(const console_server *srv);

/* Stop accepting connections; open ones are still served. */
void console_server_quiesce(console_server *srv);

/* Requests received and not yet ended. */
unsigned console_server_in_flight(console_server *srv);

/* Close every connection, join the threads, free srv (NULL accepted). */
void console_server_stop(console_server *srv);

#endif
