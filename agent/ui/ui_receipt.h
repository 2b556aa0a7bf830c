/* fieldsync kiosk UI: a person's receipt code (docs/kiosk.md "Receipt
 * codes", docs/reciprocity.md "Your receipt").
 *
 *   POST /api/receipt/qr {"code"}          the QR code of a code just made,
 *                                          {"svg"} (never a GET: the code
 *                                          stays out of every URL and log)
 *   POST /api/receipt {"code", "action": "status"}
 *        asks the hub (POST /v1/receipt, through fs_ui_opts.receipt_lookup)
 *        on a thread of its own, so the screen's other requests never wait
 *        for it: 202 {"status": "looking"} until the answer is in (the
 *        page asks again with the same code), then 200 with the hub's
 *        status ("received", "withdrawn", "pending", "unknown") and what it
 *        said of the questionnaire and outcomes, or {"status": "offline"}
 *        when the hub cannot be reached within UI_RECEIPT_WAIT_MS
 *   POST /api/receipt {"code", "action": "withdraw"}
 *        fs_receipt_withdraw: durable on return, sent at the next sync;
 *        200 {"withdrawn": true}
 *
 * The code is read with fs_receipt_parse (422 "bad_code" with its message
 * and a "reason" the page words in the person's language: "short",
 * "long" or "mistyped") and only its hash is kept, and only while its
 * lookup runs or waits to be read. The screen has one guard against
 * guessing (fieldsync/lockout.h): malformed codes, codes the hub does not
 * know and withdrawals the hub has not just confirmed each count as a
 * failure; after UI_RECEIPT_FREE_TRIES in a row every receipt request is
 * refused (429, Retry-After) for UI_RECEIPT_LOCK_BASE_S, doubling up to
 * UI_RECEIPT_LOCK_MAX_S. A code the hub knows ends the run. The guard
 * lives in memory: a kiosk's screen cannot restart its agent. */
#ifndef FIELDSYNC_UI_RECEIPT_H
#define FIELDSYNC_UI_RECEIPT_H

#include <jansson.h>
#include <stddef.h>

#include "fieldsync/error.h"
#include "ui_internal.h"

#define UI_RECEIPT_FREE_TRIES 5
#define UI_RECEIPT_LOCK_BASE_S 30
#define UI_RECEIPT_LOCK_MAX_S 900
/* The page is told "offline" when the hub has not answered by then; the
 * client's own timeout is at most 10 s (agent/client.h). */
#define UI_RECEIPT_WAIT_MS 11000u
/* An answer not read by the page within this is dropped with its hash. */
#define UI_RECEIPT_KEEP_MS 60000u
/* A withdrawal right after the hub confirmed the code does not count as a
 * guess for this long. */
#define UI_RECEIPT_CONFIRMED_MS 600000u

typedef struct ui_receipts ui_receipts;

/* The receipt state of one screen; lookup may be NULL (no hub: every status
 * is "offline"). FS_ENOMEM. Freed by ui_receipts_free, which waits for a
 * lookup in flight (at most the client's timeout). */
int ui_receipts_new(ui_receipts **out, fs_ui_receipt_fn lookup, void *ctx, fs_err *err);
void ui_receipts_free(ui_receipts *rs);

/* POST /api/receipt and /api/receipt/qr (rest: "" or "/qr"). */
void ui_receipt_api(fs_ui *ui, const ui_request *rq, const char *rest, ui_reply *r);

/* The page's view of what the hub answered (exposed for tests): for
 * status 200 a body of the contract's shape (docs/protocol.md
 * "POST /v1/receipt") becomes a new object with only the fields the page
 * shows, checked and bounded; anything else, or a body that does not
 * parse, is NULL (the page then says the hub cannot be reached). */
json_t *ui_receipt_view(long http_status, const char *body, size_t n);

/* Why a typed code was refused, for the page's words: "short", "long" or
 * "mistyped" (a character not used by codes, or the check disagrees). */
const char *ui_receipt_reason(const char *typed);

#endif
