/* fieldsync-hub console: the public receipt page's calls (GET /receipt,
 * docs/console.md "Your receipt"; docs/reciprocity.md). No login: a
 * person with a receipt code looks up what happened to their response and
 * may withdraw it. server.c routes the two calls here without a session:
 *   GET  /api/receipt/token  a form token for the page (X-CSRF-Token)
 *   POST /api/receipt        {"code", "action": "status"|"withdraw"}
 * Both limited per source address (a minute, a day) and for the whole
 * hub; the code is never logged, audited or kept (only its hash is
 * looked up). */
#ifndef HUB_CONSOLE_PUBLIC_RECEIPT_H
#define HUB_CONSOLE_PUBLIC_RECEIPT_H

#include <stddef.h>

#include "console.h"

#define CONSOLE_RECEIPT_BODY_MAX 512
#define CONSOLE_RECEIPT_PER_MINUTE 10  /* per source address */
#define CONSOLE_RECEIPT_PER_DAY 100    /* per source address */
#define CONSOLE_RECEIPT_HUB_PER_MINUTE 600

void console_receipt_token(const char *peer, console_answer *a);
/* Under the hub's writer lock (a withdrawal writes). */
void console_receipt_call(fs_store *s, const char *peer, const char *token, const char *body,
                          size_t len, console_answer *a);

#endif
