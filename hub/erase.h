/* fieldsync-hub: starting an erasure and listing erasures with their
 * kiosks' confirmations, the one place of these rules for `fieldsync-hub
 * erase | erasures` (erase.c) and the console's Erasure page
 * (console/api_erasure.c). */
#ifndef HUB_ERASE_H
#define HUB_ERASE_H

#include <jansson.h>
#include <stddef.h>

#include "fieldsync/erase.h"
#include "fieldsync/error.h"
#include "fieldsync/store.h"

/* Is what a valid name of a target (a lowercase UUID for a contact or a
 * response; a person_ref not empty, at most HUB_ERASE_PERSON_REF_MAX bytes:
 * a stored one is at most 64 characters, core/src/record_check.c)? 0, or
 * FS_EINVAL saying what is wrong (never echoing what). */
#define HUB_ERASE_PERSON_REF_MAX 256
int hub_erase_target_check(fs_erase_target target, const char *what, fs_err *err);

/* Erase what (fs_erase_checked, kind admin; check may be NULL), then
 * append the audit entry "erase" as actor: the request id, the counts and
 * the record id named, never the person_ref ({"by": "person_ref"}).
 * Returns 0 when all is done. Otherwise: res->request "" when nothing was
 * recorded (err says why: a bad target, the check's error, the store's);
 * res->request set when the erasure is recorded but its scrub or its audit
 * entry failed (err says which; starting it again does the scrub). */
int hub_erase_start(fs_store *s, const char *actor, fs_erase_target target, const char *what,
                    fs_erase_check_fn check, void *ctx, fs_erase_result *res, fs_err *err);

/* 1 when the caller sees region (NULL: records sent to every region). */
typedef int (*hub_region_fn)(void *ctx, const char *region);

/* The erasure requests, oldest first, as a JSON array of {"request",
 * "kind", "time" (RFC 3339 UTC), "records", "contacts", "responses",
 * "devices": [{"site", "name", "region", "state"}]}: the kiosks that may
 * hold its records (those of the records' regions; every kiosk for a record
 * sent to every region), state "confirmed" (it has committed the erasure),
 * "pending", "never_held" (enrolled after the request) or "revoked".
 * sees (may be NULL: every request): a request is listed only when the
 * caller sees every region its records went to (none went to every
 * region). limit (0: no limit): only the newest limit requests listed;
 * *more (may be NULL) 1 when older ones were left out. */
int hub_erasures_list(fs_store *s, hub_region_fn sees, void *ctx, size_t limit, json_t **out,
                      int *more, fs_err *err);

#endif
