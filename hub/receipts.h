/* fieldsync-hub: a person's receipt at the hub (docs/reciprocity.md "Your
 * receipt"). The erasure of a withdrawn response happens in the merge
 * (core: erase.c fs_erase_withdrawn); this is what the hub's three doors
 * share: the status reply (POST /v1/receipt, the console's public page,
 * `fieldsync-hub receipt`), a withdrawal made at the hub itself, and the
 * purge of old withdrawals. Nothing here logs a code or a hash. */
#ifndef HUB_RECEIPTS_H
#define HUB_RECEIPTS_H

#include <jansson.h>

#include "fieldsync/changeset.h"
#include "fieldsync/receipt.h"
#include "fieldsync/store.h"

/* The status reply of hash_hex (docs/protocol.md "POST /v1/receipt"):
 * {"status", "questionnaire": {"id", "title"} and "received_on" (received
 * and withdrawn only), "outcomes": []}. region: the asking kiosk's; a
 * receipt held by a kiosk of another region answers "unknown", as one
 * never seen does (NULL: any region, the hub's own doors). A new
 * reference in *out. FS_EINVAL for a bad hash. */
int hub_receipt_status_json(fs_store *s, const char *hash_hex, const char *region, json_t **out,
                            fs_err *err);

/* A withdrawal made at the hub (console, CLI): the withdrawals row as a
 * kiosk writes it, then the erasure of the response holding hash_hex in
 * the same transaction (none yet: pending, erased when it arrives).
 * Audited as actor, without the hash ("receipt_withdraw"). *status gets
 * the status after it. */
int hub_receipt_withdraw(fs_store *s, const char *actor, const char *hash_hex,
                         fs_receipt_status *status, fs_err *err);

/* In the merge's transaction of a device's set (registry.c's hook): an
 * audit entry "receipt_withdrawals" (actor device:SITE, detail
 * {"withdrawals": N}, never a hash) when cs holds any. */
int hub_receipts_audit_set(fs_store *s, const char *site, const fs_changeset *cs, fs_err *err);

/* Delete the withdrawals older than the responses' retention period (0:
 * kept), with what was noted of them; *removed their count. */
int hub_receipts_purge(fs_store *s, long *removed, fs_err *err);

#endif
