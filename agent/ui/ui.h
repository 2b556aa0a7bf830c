/* fieldsync-agent: the kiosk web UI (docs/kiosk.md).
 *
 * A libmicrohttpd server that serves the page (assets embedded in the
 * binary from agent/ui/www/ at build time) and the local JSON API it uses.
 * It runs on its own thread, started by fs_ui_start and ended by
 * fs_ui_stop, and answers one request at a time: the store handle it opens
 * (DATA/kiosk.db, its own, so the daemon's sync never waits for it) is only
 * ever used by that thread.
 *
 * Only loopback peers are served, and only when the Host header names this
 * server (no DNS rebinding) and, for the API, any Origin is this server's
 * own (no cross-site requests). GET /metrics gives the sync state in the
 * Prometheus text format (docs/metrics.md), numbers only. Errors are {"error", "message"} as the hub's.
 * Nothing it logs or sends in a URL contains answers or contact details. */
#ifndef FIELDSYNC_AGENT_UI_H
#define FIELDSYNC_AGENT_UI_H

#include <stdint.h>

#include "fieldsync/buf.h"
#include "fieldsync/error.h"

#define FS_UI_LISTEN_DEFAULT "127.0.0.1:8080"
#define FS_UI_IDLE_DEFAULT_S 90    /* a service user's page is wiped after this */
#define FS_UI_WORKER_IDLE_DEFAULT_S 120 /* worker mode locks after this */

typedef struct fs_ui fs_ui;

/* Called on the UI thread when a worker asks for a sync now. It must not
 * block: the daemon writes a byte to a pipe its poll() loop watches. */
typedef void (*fs_ui_sync_fn)(void *ctx);

/* Called on the UI thread for GET /metrics (docs/metrics.md): append the
 * caller's own families (the daemon's sync counts) in the Prometheus text
 * format (http/http_metrics.h) to out; 0 or the fs_buf error. It must not
 * block. */
typedef int (*fs_ui_metrics_fn)(void *ctx, fs_buf *out);

/* Called on a thread of the UI's own (not the UI thread, and never two at
 * once) to ask the hub for a receipt's status (POST /v1/receipt,
 * docs/protocol.md) by its hash (64 hex): 0 when the hub answered, with
 * its status in *http_status and its body, malloc'd and NUL-terminated,
 * in *reply_json (the caller frees it); non-zero when no answer came
 * (offline, timeout: at most 10 s). */
typedef int (*fs_ui_receipt_fn)(void *ctx, const char *hash_hex, char **reply_json,
                                long *http_status, fs_err *err);

typedef struct fs_ui_opts {
	/* "HOST:PORT" with a numeric IPv4 address or [IPv6]; port 0 picks a
	 * free one (fs_ui_port). NULL: FS_UI_LISTEN_DEFAULT. */
	const char *listen;
	/* The agent's DATA directory: kiosk.db (the store), state.json (sync
	 * status, read only), workers.json (worker PINs, see workers.h) and
	 * ui.json (the questionnaires this kiosk offers), both written here. */
	const char *data_dir;
	/* The store to open; NULL: DATA/kiosk.db. */
	const char *store_path;
	unsigned idle_timeout_s;   /* 0: FS_UI_IDLE_DEFAULT_S */
	unsigned worker_idle_s;    /* 0: FS_UI_WORKER_IDLE_DEFAULT_S */
	fs_ui_sync_fn sync_now;    /* may be NULL: "sync now" is then refused */
	/* The deployment's person_ref pattern (person_ref.h; agent.json
	 * "person_ref_pattern"): contacts written here follow it and the page
	 * checks it first. NULL: FS_PERSON_REF_PATTERN_DEFAULT. */
	const char *person_ref_pattern;
	void *sync_ctx;
	fs_ui_metrics_fn metrics; /* may be NULL: the UI's own metrics only */
	void *metrics_ctx;
	/* Requests to be contacted (contact_requests.h): each waits a delay
	 * drawn from [min, max] seconds (agent.json "contact_request_delay_s";
	 * both 0: released at the next sync), and the consent the person
	 * gives states contact_request_days (0: FS_RETENTION_REQUEST_DAYS_DEFAULT). */
	long request_delay_min_s, request_delay_max_s;
	unsigned contact_request_days;
	int64_t store_cache_kib; /* the store's page cache (fs_store_options); 0: SQLite's */
	/* Receipt lookups at the hub (ui_receipt.h); NULL: none (the page
	 * says the hub cannot be reached; withdrawals still work). */
	fs_ui_receipt_fn receipt_lookup;
	void *receipt_ctx;
} fs_ui_opts;

/* Open the store and start serving on a thread of its own. Returns 0 or
 * FS_EINVAL (bad listen address or person_ref pattern), FS_EGENERIC (store, socket in use...)
 * with the message in err. *out is ended with fs_ui_stop. */
int fs_ui_start(fs_ui **out, const fs_ui_opts *opts, fs_err *err);

/* The port served (useful with port 0). */
unsigned fs_ui_port(const fs_ui *ui);

/* Stop serving (requests in flight finish first), close the store and
 * free ui. NULL is accepted. */
void fs_ui_stop(fs_ui *ui);

#endif
