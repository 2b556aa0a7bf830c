/* fieldsync-hub: POST /v1/receipt, a person's receipt status for a kiosk
 * (docs/protocol.md "POST /v1/receipt"; receipts.h). routes.c
 * authenticates the device, then calls these. */
#ifndef HUB_RECEIPT_ROUTES_H
#define HUB_RECEIPT_ROUTES_H

#include "pool.h"
#include "routes.h"

/* Lookups per kiosk (a minute, a day) and for the whole hub (a minute):
 * past them 429 with Retry-After. */
#define HUB_RECEIPT_PER_MINUTE     10
#define HUB_RECEIPT_PER_DAY        100
#define HUB_RECEIPT_HUB_PER_MINUTE 600
/* The body: {"receipt": "<64 hex>"}, at most this many bytes. */
#define HUB_RECEIPT_BODY_MAX 256
/* Every answer takes at least this long, so a known receipt and an
 * unknown one cannot be told apart by the time they take. */
#define HUB_RECEIPT_FLOOR_MS 50

/* Header stage, after authentication: rate limits, media type, size. */
void hub_receipt_begin(hub_request *req, hub_reply *r);
/* Body stage: the status reply (receipts.h hub_receipt_status_json). */
void hub_receipt_finish(hub_pool *pool, hub_request *req, hub_reply *r);

#endif
