/* fieldsync-hub: what the hub answers for a core error code, in one table
 * (docs/protocol.md "Errors"). The routes decide by the code and by the
 * step of the request that failed, never by the text of core's message,
 * which is for people and may change. */
#ifndef HUB_STATUS_H
#define HUB_STATUS_H

#include <stddef.h>

/* The step of a request that a core call failed in: one code can mean
 * different things at two steps (FS_EFORBIDDEN is a used enrollment code,
 * a revoked device or a change the device may not make). */
typedef enum hub_step {
	HUB_STEP_STORE = 1, /* reaching the store (any route, GET /health) */
	HUB_STEP_ENROLL,    /* redeeming an enrollment code */
	HUB_STEP_AUTH,      /* checking a bearer token */
	HUB_STEP_CHANGESET, /* unpacking a pushed change set */
	HUB_STEP_MERGE      /* merging it and reading the reply */
} hub_step;

typedef struct hub_status {
	int status;           /* HTTP status */
	const char *error;    /* the error body's "error" code */
	const char *message;  /* sent instead of core's message; NULL: core's is
	                       * sent (core messages name no personal data) */
	unsigned retry_after; /* Retry-After seconds, 0: none */
	const char *log;      /* the hub's own trouble: core's message goes to
	                       * stderr after this label, not to the client */
	int with_time;        /* the body also has "time", the hub's clock in
	                       * ms, so a kiosk can correct its own */
	int challenge;        /* WWW-Authenticate: Bearer */
} hub_status;

/* The answer for code (a negative fs_error) at step; never NULL. A code
 * the table does not list at that step is the hub's own failure: 500
 * "internal", nothing applied. */
const hub_status *hub_status_of(hub_step step, int code);

/* Every error code the sync listener answers, the "error" of its error
 * bodies (docs/protocol.md "Status codes", which lists the same): the
 * reasons its refusals are counted by (metrics.h). hub_error_index gives a
 * code's place in the list, or HUB_ERROR_COUNT for one it does not hold
 * (counted as "other"). */
#define HUB_ERROR_COUNT 16
extern const char *const hub_error_codes[HUB_ERROR_COUNT];
size_t hub_error_index(const char *code);

#endif
