/* fieldsync kiosk UI: what the server (ui_server.c) and the API handlers
 * (ui_api.c) share. Everything here is used on the UI thread only. */
#ifndef FIELDSYNC_UI_INTERNAL_H
#define FIELDSYNC_UI_INTERNAL_H

#include <jansson.h>
#include <limits.h>
#include <stdint.h>

#include "fieldsync/error.h"
#include "fieldsync/person_ref.h"
#include "fieldsync/store.h"
#include "ui.h"
#include "workers.h"

#define UI_BODY_MAX (256u << 10)
/* Connections: in all, per source address, the time a connection has to
 * send each request head and the idle timeout once it has (docs/kiosk.md,
 * "Serving"); a body must average FS_HTTP_BODY_MIN_RATE over each
 * idle-timeout window (http/http_server.h). A kiosk has one screen: its
 * browser needs a handful. */
#define UI_MAX_CONNECTIONS 64u
#define UI_MAX_PER_SOURCE 16u
#define UI_HEAD_TIMEOUT_MS 5000u
#define UI_IDLE_TIMEOUT_S 30u
#define UI_TOKEN_HEX 64

/* The one worker session of this screen (a kiosk has one screen). */
typedef struct ui_session {
	char token[UI_TOKEN_HEX + 1]; /* "" when nobody is in worker mode */
	char worker[FS_WORKER_NAME_MAX + 1];
	fs_worker_found who;          /* whose PIN opened it (hash wiped): checked again at
	                               * every request, so a removal or a new PIN at the hub
	                               * ends the session once synced */
	uint64_t last_seen_ms;        /* monotonic */
	int pin_short;                /* the PIN is shorter than FS_PIN_NEW_MIN: ask to change */
} ui_session;

struct fs_ui {
	struct fs_http_server *http; /* libmicrohttpd and the slow-client guard */
	fs_store *store;
	char dir[PATH_MAX];
	char host[300];       /* Host header expected: "127.0.0.1:8080" */
	char host_alias[300]; /* "localhost:8080" on a loopback address, else "" */
	unsigned port;
	unsigned idle_timeout_s, worker_idle_s;
	fs_ui_sync_fn sync_now;
	void *sync_ctx;
	fs_ui_metrics_fn metrics;
	void *metrics_ctx;
	ui_session session;
	fs_pin_guard guard;
	char person_ref_pattern[FS_PERSON_REF_PATTERN_MAX + 1]; /* sent to the page */
	long request_delay_min_s, request_delay_max_s; /* fs_ui_opts */
	unsigned contact_request_days;
	struct ui_receipts *receipts; /* ui_receipt.h */
};

typedef struct ui_request {
	const char *method;
	const char *path;    /* URL path, no query */
	const char *cookie;  /* the fs_worker cookie's value, or NULL */
	const json_t *body;  /* parsed JSON body (borrowed) or NULL */
} ui_request;

typedef struct ui_reply {
	int status;
	json_t *json;                /* owned; the body when status < 400 */
	char error[40];              /* error code when status >= 400 */
	char message[FS_ERR_MSG_MAX];
	unsigned retry_after;        /* seconds; 0: no header */
	char set_cookie[200];        /* "" : no header */
	int close;                   /* send Connection: close */
} ui_reply;

/* Set an error reply; returns 0 so handlers can `return ui_fail(...)`. */
int ui_fail(ui_reply *r, int status, const char *error, const char *fmt, ...)
#if defined(__GNUC__)
	__attribute__((format(printf, 4, 5)))
#endif
	;

/* GET /metrics (docs/metrics.md): the kiosk's sync state, then the
 * daemon's counts (ui->metrics), appended to out. 0, or an error in err. */
int ui_metrics_text(fs_ui *ui, fs_buf *out, fs_err *err);

/* Give the store the person_ref rule of pattern (NULL: the default) and
 * keep its text for GET /api/kiosk. FS_EINVAL for a bad pattern. */
int ui_person_ref_rule(fs_ui *ui, const char *pattern, fs_err *err);

/* Answer an /api/ request (the server checked peer, Host and Origin). */
void ui_api_handle(fs_ui *ui, const ui_request *rq, ui_reply *out);
/* GET /api/results[/ID] (ui_results.c); rest: what follows /api/results. */
void ui_api_results(fs_ui *ui, const char *rest, ui_reply *out);


#endif
