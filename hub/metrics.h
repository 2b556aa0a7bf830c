/* fieldsync-hub: GET /metrics on the sync listener, in the Prometheus
 * text format (docs/metrics.md; http/http_metrics.h writes the lines).
 *
 * The counts are this process's, since it started: several hub processes
 * serving one PostgreSQL store (docs/scaling.md) are scraped one by one and
 * summed by the reader; only the store's size is the shared store's.
 * Counting is lock-free (C11 atomics, relaxed: each count is exact, a
 * scrape may see one count a request ahead of another), so the sync path
 * takes no lock for it. Labels are the code's own names (results, refusal
 * reasons, tables), never a site id, kiosk name, region or anything a
 * request carried.
 *
 * Who may read it: without a token, loopback peers only; any other peer
 * is answered 404 as for a path that does not exist. With a token
 * (serve --metrics-token FILE), every request must carry it as
 * "Authorization: Bearer TOKEN" (compared in constant time), loopback ones
 * too: a TLS proxy on the same machine makes remote requests look local. */
#ifndef HUB_METRICS_H
#define HUB_METRICS_H

#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include "fieldsync/buf.h"
#include "fieldsync/changeset.h"
#include "fieldsync/error.h"
#include "fieldsync/merge.h"
#include "registry.h"

struct fs_http_server;

/* A metrics token: 16 to HUB_TOKEN_MAX characters, printable ASCII
 * without spaces. */
#define HUB_METRICS_TOKEN_MIN 16

typedef struct hub_metrics hub_metrics;

/* NULL when out of memory. Free with hub_metrics_free (NULL accepted). */
hub_metrics *hub_metrics_new(void);
void hub_metrics_free(hub_metrics *m);

/* Require token (copied; NULL: none, loopback peers only). FS_EINVAL when
 * it is not a valid token. */
int hub_metrics_set_token(hub_metrics *m, const char *token, fs_err *err);

/* Read a token file: a regular file of mode 0600 or stricter (refused
 * when group or others may read it, like the agent's token file), one
 * token, a trailing newline allowed. FS_EINVAL, FS_ENOTFOUND or
 * FS_EGENERIC naming path. out has HUB_TOKEN_MAX + 1 bytes. */
int hub_metrics_token_load(char *out, const char *path, fs_err *err);

/* The server whose connections are counted (borrowed; NULL: none). */
void hub_metrics_set_server(hub_metrics *m, struct fs_http_server *http);

typedef enum hub_metrics_access {
	HUB_METRICS_ALLOW = 0,
	HUB_METRICS_HIDDEN,      /* answer 404 not_found, as for no such path */
	HUB_METRICS_UNAUTHORIZED /* a token is required: 401 unauthorized */
} hub_metrics_access;

/* May a request from peer (NULL: unknown) with this bearer token (NULL:
 * none or malformed) read the metrics? */
hub_metrics_access hub_metrics_check(const hub_metrics *m, const struct sockaddr *peer,
                                     const char *bearer);

/* A request ended (server.c, once per request, whoever answered it).
 * sync: it was a POST /v1/sync; status 0: no reply went out; error: the
 * reply's error code or NULL; ms: from its head to its end. */
void hub_metrics_request(hub_metrics *m, int sync, int status, const char *error, uint64_t ms);

/* A push the hub committed: cs's changes by table, res's outcomes. */
void hub_metrics_merged(hub_metrics *m, const fs_changeset *cs, const fs_merge_result *res);

/* The exposition text appended to out; store_bytes < 0 leaves the store
 * size out (it could not be read). 0 or the fs_buf error. */
int hub_metrics_render(hub_metrics *m, fs_buf *out, int64_t store_bytes, const char *version);

#endif
