/* fieldsync: what the hub's HTTP server (hub/server.c) and the kiosk UI's
 * (agent/ui/ui_server.c) share against slow and malformed clients. Both
 * run libmicrohttpd.
 *
 * libmicrohttpd bounds the connections in total (MHD_OPTION_CONNECTION_
 * LIMIT) and per source address (MHD_OPTION_PER_IP_CONNECTION_LIMIT, checked
 * at accept: a connection over it is closed at once). Its timeout is an
 * idle timeout that restarts with every byte, so a client sending one
 * header byte every few seconds would hold its slot for ever. The guard
 * adds a deadline for the request head: a connection must deliver each
 * complete request head (request line and headers; for the first request
 * also the TLS handshake) within head_timeout_ms of being accepted or of
 * the end of its previous request. Once the head is in, a body must keep
 * coming at body_min_rate bytes a second on average over each window of
 * body_window_ms (a body trickled a byte at a time would otherwise hold
 * the slot as long). A reaper thread shuts down (shutdown(2), SHUT_RDWR)
 * the connections that break either; libmicrohttpd then closes them as
 * closed by the peer. Sending the reply is bounded by libmicrohttpd's idle
 * timeout only.
 *
 * Safety of the shutdown: the reaper only touches a connection's socket
 * while holding the guard's mutex and while the connection is in the
 * guard's list; libmicrohttpd (0.9.75, daemon.c MHD_cleanup_connections and
 * new_connection_process_) calls the CLOSED notification, which removes it
 * from the list under the same mutex, before it closes the socket. So the
 * descriptor shut down is always still that connection's, never a reused
 * number.
 *
 * It also counts what it cut and what libmicrohttpd refused at its limits,
 * and logs one summary line a minute at most instead of a line per
 * connection (a flood must not flood the log). */
#ifndef FIELDSYNC_HTTP_GUARD_H
#define FIELDSYNC_HTTP_GUARD_H

#include <microhttpd.h>
#include <stddef.h>

#include "fieldsync/error.h"

typedef struct fs_http_guard fs_http_guard;

typedef struct fs_http_guard_limits {
	unsigned head_timeout_ms; /* to send each request head (at least 1) */
	unsigned body_window_ms;  /* 0: no rule for bodies */
	unsigned body_min_rate;   /* bytes per second, on average over a window */
} fs_http_guard_limits;

/* Start a guard (and its reaper thread) with those limits (copied).
 * log_prefix starts its log lines on stderr ("fieldsync-hub: http");
 * borrowed, must outlive the guard. FS_ENOMEM or FS_EGENERIC (no thread).
 * *out is freed with fs_http_guard_free. */
int fs_http_guard_new(fs_http_guard **out, const fs_http_guard_limits *limits,
                      const char *log_prefix, fs_err *err);

/* Stop the reaper and free the guard; NULL accepted. Call it after
 * MHD_stop_daemon: libmicrohttpd notifies the closing connections while
 * it stops. */
void fs_http_guard_free(fs_http_guard *g);

/* Forward every MHD_OPTION_NOTIFY_CONNECTION call: STARTED starts the
 * connection's head deadline, CLOSED forgets it. A connection that cannot
 * be tracked (out of memory) is shut down at once. Returns 1 when CLOSED
 * ends a connection that was idle between requests (see
 * fs_http_guard_request_done), else 0. */
int fs_http_guard_connection(fs_http_guard *g, struct MHD_Connection *c, void **socket_context,
                              enum MHD_ConnectionNotificationCode toe);

/* The request head of c is complete (the first call of the access handler
 * for a request): its deadline is lifted and the body rate is watched.
 * Returns 1 when c was idle between requests until now, else 0. */
int fs_http_guard_head_done(fs_http_guard *g, struct MHD_Connection *c);

/* n more body bytes arrived on c. */
void fs_http_guard_body(fs_http_guard *g, struct MHD_Connection *c, size_t n);

/* The body of the request on c is in, or will not be read (a reply was
 * queued before it): nothing is watched until the request ends. */
void fs_http_guard_body_done(fs_http_guard *g, struct MHD_Connection *c);

/* The request on c ended (MHD_OPTION_NOTIFY_COMPLETED): the next request
 * head on the connection has head_timeout_ms from now, and c is idle
 * between requests (a client that is done with it may have closed it
 * already, unseen until its thread looks). Returns 1 when c became idle
 * (it was not), else 0. */
int fs_http_guard_request_done(fs_http_guard *g, struct MHD_Connection *c);

/* A reply to the request on c was queued: c counts as idle between
 * requests from now (as fs_http_guard_request_done). Returns 1 when c
 * became idle, else 0. */
int fs_http_guard_answered(fs_http_guard *g, struct MHD_Connection *c);

/* A libmicrohttpd log message: returns 1 when the guard counts it instead
 * (a connection refused at a connection limit, a failed TLS handshake, a
 * connection ended with its request incomplete), 0 when the caller should
 * log it. */
int fs_http_guard_log_filter(fs_http_guard *g, const char *msg);

/* Check the message framing of the request on c, once its head is in:
 * 0, or -1 with why filled in when it has more than one Content-Length,
 * both Content-Length and Transfer-Encoding, or a Transfer-Encoding other
 * than exactly one "chunked". Such a request may be read differently by a
 * proxy in front (request smuggling): answer it 400 and close the
 * connection. */
int fs_http_framing_check(struct MHD_Connection *c, char *why, size_t why_len);

#endif
