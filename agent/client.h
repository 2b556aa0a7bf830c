/* fieldsync-agent: the HTTP transport to the hub (libcurl), nothing else.
 *
 * Connect timeout 10 s, total 120 s, abort below 100 B/s for 30 s, TLS
 * verification always on (a private CA through ca_file), no redirects,
 * http and https only. Bodies are sent and read as they are: the caller
 * gzips and gunzips (docs/protocol.md), so curl never decodes a reply and
 * the inflation cap stays ours. A reply body is read into a capped fs_buf.
 * One connection is kept open across requests of one client. */
#ifndef FIELDSYNC_AGENT_CLIENT_H
#define FIELDSYNC_AGENT_CLIENT_H

#include <signal.h>
#include <stddef.h>
#include <stdint.h>

#include "fieldsync/buf.h"
#include "fieldsync/error.h"

typedef struct agent_client agent_client;

/* What the hub answered. */
typedef struct agent_reply {
	long status; /* HTTP status */
	fs_buf body; /* raw body (still gzip when gzip is set), capped */
	int gzip;    /* Content-Encoding: gzip */
	int has_ack; /* Fieldsync-Ack present and a valid number */
	int64_t ack;
	long retry_after;  /* Retry-After in seconds; -1 when absent */
	char error[48];    /* "error" of a JSON error body, "" otherwise */
	char message[256]; /* its "message" (control characters removed) */
	uint64_t hub_time; /* its "time" (409 clock_ahead); 0 when absent */
	char wipe[96];     /* its "wipe" (403 revoked: the signed wipe order), "" */
	char seal_key[160]; /* Fieldsync-Seal-Key, "" when absent or too long */
	char region[65];    /* Fieldsync-Region, "" when absent or too long */
} agent_reply;

/* An empty reply whose body may grow to cap bytes. */
void agent_reply_init(agent_reply *r, size_t cap);
void agent_reply_free(agent_reply *r);

/* Is url an http:// or https:// URL we can use as the hub's base? 1 or 0. */
int agent_hub_url_is_valid(const char *url);

/* Does url's host name this machine: the name localhost, an address in
 * 127.0.0.0/8, or [::1]? 1 or 0 (also for a URL curl cannot parse). */
int agent_hub_url_is_loopback(const char *url);

/* The transport rule, before any network use: an https:// hub, or an
 * http:// hub on this machine (agent_hub_url_is_loopback), or any http://
 * hub when insecure_http is set, i.e. the user accepted that the
 * enrollment code, the token and the answers cross the network unencrypted
 * (*insecure is then set for a non-loopback http:// hub). Otherwise
 * FS_EINVAL naming the risk and the way out. */
int agent_hub_transport_check(const char *url, int insecure_http, int *insecure, fs_err *err);

/* A client for the hub at base URL hub (no trailing slash). token (may be
 * NULL: no Authorization header) and ca_file (NULL or "": system CAs) are
 * copied. Refuses a hub that agent_hub_transport_check refuses
 * (FS_EINVAL); allows it with insecure_http, with a warning on stderr.
 * Freed with agent_client_free (NULL accepted). */
int agent_client_new(agent_client **out, const char *hub, const char *token, const char *ca_file,
                     int insecure_http, fs_err *err);
void agent_client_free(agent_client *c);

/* When *stop becomes non-zero, a transfer still running 5 s later is
 * abandoned (safe: the protocol resends). stop may be NULL. */
void agent_client_set_stop(agent_client *c, const volatile sig_atomic_t *stop);

/* POST n bytes of body to the hub's path (with query), as content_type,
 * with Content-Encoding: gzip when gzip is set. Returns 0 when the hub
 * answered, whatever the status (in out, reset here); FS_EGENERIC when no
 * complete answer came (connection refused, timeout, cut, TLS failure:
 * the message says which); FS_ETOOBIG when the reply passed out's cap. */
int agent_client_post(agent_client *c, agent_reply *out, const char *path, const char *content_type,
                      int gzip, const void *body, size_t n, fs_err *err);

/* agent_client_post with extra request header lines ("Name: value"),
 * extra NULL-terminated (NULL: none). */
int agent_client_post_with(agent_client *c, agent_reply *out, const char *path,
                           const char *content_type, int gzip, const void *body, size_t n,
                           const char *const *extra, fs_err *err);

/* The total time of each later request, in seconds (0: the default, 120;
 * the connect timeout is never longer). */
void agent_client_set_timeout(agent_client *c, long seconds);

/* A person's receipt status from the hub (POST /v1/receipt,
 * docs/protocol.md): hash_hex (fs_receipt_hash) sent with c's token (a
 * client made as for a sync: agent_token_load, agent_client_new), within
 * AGENT_RECEIPT_TIMEOUT_S. Returns 0 when the hub answered, whatever the
 * status: *http_status gets it and *reply_json the body as text (free()),
 * e.g. 200 {"status": "received", ...}, or 429 over the lookup limits
 * (Retry-After). FS_EGENERIC when the hub could not be reached (offline:
 * the message says why), FS_EINVAL for a bad hash. Logs nothing. */
#define AGENT_RECEIPT_TIMEOUT_S 10L
#define AGENT_RECEIPT_REPLY_MAX (16 * 1024)
int agent_client_receipt(agent_client *c, const char *hash_hex, char **reply_json,
                         long *http_status, fs_err *err);

/* Global libcurl setup and teardown, once per process. */
int agent_client_global_init(fs_err *err);
void agent_client_global_cleanup(void);

#endif
