/* fieldsync: the replicated records and the local writes a kiosk or hub
 * makes to them. Every write runs in one transaction that also records its
 * timestamp, site and change sequence number (see docs/design.md).
 *
 * JSON values passed in are borrowed; values returned through **out are new
 * references the caller releases with json_decref. */
#ifndef FIELDSYNC_RECORDS_H
#define FIELDSYNC_RECORDS_H

#include <jansson.h>
#include <stdint.h>

#include "fieldsync/error.h"
#include "fieldsync/questionnaire.h"
#include "fieldsync/store.h"
#include "fieldsync/uuid.h"

/* ---- record shapes (shared by local writes and change set decoding) ---- */

/* Contact fields, each replicated with its own clock. */
#define FS_CONTACT_FIELD_MAX 24 /* longest field name + 1 */
extern const char *const fs_contact_fields[]; /* NULL-terminated */

/* Check one contact field value (borrowed). null clears a field (except
 * follow_up_done, status and deleted, which are never null).
 * Returns 0 or FS_EINVAL with a message naming the field and the rule,
 * never quoting the value. */
int fs_contact_field_check(const char *field, const json_t *value, fs_err *err);

/* Check the shape of a response body: {"questionnaire", "version",
 * "language", "mode" ("self" or "assisted"), "worker" (required when
 * assisted, else null or absent), "started_at", "submitted_at" (RFC 3339 UTC
 * "YYYY-MM-DDTHH:MM:SSZ", started_at not after submitted_at), "answers"
 * (object)}. No other keys.
 * Returns 0 or FS_EINVAL naming the key. */
int fs_response_check_shape(const json_t *body, fs_err *err);

/* The one check of a response against its questionnaire, applied by every
 * writer (fs_response_add, so the agent's `respond` and the kiosk UI) and
 * by the merge (an invalid response is quarantined there). doc (borrowed)
 * is the published document of the body's questionnaire and version;
 * looking it up is the caller's (FS_ENOTFOUND when it is not held). In
 * order: the shape (fs_response_check_shape); doc is that questionnaire
 * and version; the language is one of doc's languages, written exactly as
 * listed; the answers (fs_answers_validate, "today" by fs_response_today).
 * Returns 0 or FS_EINVAL; fault (may be NULL) as fs_answers_validate, or
 * question "" and rule "shape" or "language" for a fault of the body. */
int fs_response_validate(const json_t *doc, const json_t *body, fs_answer_fault *fault,
                         fs_err *err);

/* "today" in a response's date limits: the date of its submitted_at (a
 * valid UTC timestamp), YYYY-MM-DD. Kiosk and hub judge a response by the
 * day it was submitted, whenever it arrives. */
void fs_response_today(char out[11], const char *submitted_at);

/* Is s "YYYY-MM-DDTHH:MM:SSZ" with a real date and time? 1 or 0. */
int fs_timestamp_is_valid(const char *s);

/* Days from 1970-01-01 to the date y-m-d (proleptic Gregorian; negative
 * before 1970). m is 1..12, d 1..31. */
int64_t fs_days_from_civil(int64_t y, unsigned m, unsigned d);

/* Such a timestamp as ms since 1970 (0, or FS_EINVAL when s is not valid
 * or before 1970), and ms as one (whole seconds, rounded down). */
#define FS_TIMESTAMP_LEN 20
int fs_timestamp_to_ms(const char *s, uint64_t *out);
void fs_timestamp_format(char out[FS_TIMESTAMP_LEN + 1], uint64_t ms);

/* ---- questionnaires ---- */

/* Validate and publish a questionnaire version (borrowed doc). Publishing
 * the same (id, version) with the same content again is a no-op; with other
 * content it is refused with FS_ECONFLICT. FS_EINVAL names the JSON path and
 * the rule. */
int fs_questionnaire_publish(fs_store *s, const json_t *doc, fs_err *err);

/* The document of (id, version), or of the highest published version when
 * version is 0. FS_ENOTFOUND when absent or retired. */
int fs_questionnaire_get(fs_store *s, json_t **out, const char *id, int64_t version, fs_err *err);

/* All published, non-retired questionnaires: an array of
 * {"id", "version", "title"} objects, by id then version. */
int fs_questionnaire_list(fs_store *s, json_t **out, fs_err *err);

/* ---- responses ---- */

/* Store a response (borrowed body, see fs_response_check_shape) made at
 * this site. Its answers are validated against the stored questionnaire
 * (FS_ENOTFOUND if not stored here) with today's date from the store clock.
 * On success out_id holds the new response id (UUIDv7) and the response is
 * durable (the transaction committed with synchronous=FULL). */
int fs_response_add(fs_store *s, char out_id[FS_UUID_LEN + 1], const json_t *body, fs_err *err);

/* The response body with "id" and "site" added, or {"id", "site",
 * "deleted": true} for a deleted one. FS_ENOTFOUND when unknown. */
int fs_response_get(fs_store *s, json_t **out, const char *id, fs_err *err);

/* Call fn for each stored, non-deleted response (as fs_response_get gives
 * it; borrowed for the call), by id, streaming so memory stays bounded.
 * questionnaire (NULL: all) filters by questionnaire id; region (NULL: all)
 * keeps responses made by devices of that region (hub: the devices table).
 * fn returns 0 to go on, non-zero to stop (returned as is). */
typedef int (*fs_response_fn)(void *ctx, const json_t *response);
int fs_response_each(fs_store *s, const char *questionnaire, const char *region,
		     fs_response_fn fn, void *ctx, fs_err *err);

/* ---- responses as JSON (core/src/response_json.c) ---- */

/* A response body (new reference; NULL when out of memory) for answers
 * (borrowed) to doc (borrowed, a valid published document): its id and
 * version, language (NULL: doc's first language), mode "assisted" with
 * worker when worker is given, else "self" without one, started_at and
 * submitted_at written from ms (UTC, whole seconds; started no later than
 * submitted). Every writer builds its body here; fs_response_add then
 * checks it (fs_response_validate). */
json_t *fs_response_body_new(const json_t *doc, const char *language, const char *worker,
                             uint64_t started_ms, uint64_t submitted_ms, const json_t *answers);

/* A stored, live response row (backend.h) as its body: the keys of
 * fs_response_check_shape, "worker" only when there is one (never null),
 * as a change set carries it. *out is a new reference. FS_ENOMEM;
 * FS_EGENERIC when the stored answers are not JSON. */
struct fs_response_row;
int fs_response_row_body(json_t **out, const struct fs_response_row *row, fs_err *err);

/* A stored response row as the object every reader is given: its body
 * with "id" and "site" added, or {"id", "site", "deleted": true} for a
 * tombstone. Errors as fs_response_row_body. */
int fs_response_row_json(json_t **out, const struct fs_response_row *row, fs_err *err);

/* Delete a response: its content is erased and a tombstone replicates the
 * delete. FS_ENOTFOUND when unknown. Deleting twice is a no-op. */
int fs_response_delete(fs_store *s, const char *id, fs_err *err);

/* ---- contacts ---- */

/* The "worker" of a contact a kiosk makes from a person's request to be
 * contacted (status "requested", docs/reciprocity.md): no worker name can
 * be it (worker.h: letters, digits, ".", "_", "-"). Closing such a
 * contact deletes it (fs_contact_put writes "deleted" too; the hub erases
 * it, kind delete, when it merges the delete). */
#define FS_CONTACT_REQUEST_WORKER "(kiosk)"

/* Create (id NULL: a new UUIDv7 is written to out_id) or update (id given,
 * copied to out_id) a contact with the fields of the borrowed object. A new
 * contact belongs to region (NULL: the store's region) and needs at least
 * person_ref, contact_at, channel and worker; status defaults to "open" and
 * follow_up_done to false. Each field written gets its own timestamp.
 * Setting "status" to "closed" on a contact whose worker is
 * FS_CONTACT_REQUEST_WORKER also sets "deleted" (same stamp).
 * FS_EINVAL names the first bad field; FS_ENOTFOUND for an unknown id. */
int fs_contact_put(fs_store *s, char out_id[FS_UUID_LEN + 1], const char *id, const char *region,
		   const json_t *fields, fs_err *err);

/* Mark a contact deleted (a tombstone that replicates). */
int fs_contact_delete(fs_store *s, const char *id, fs_err *err);

/* A contact as {"id", "region", field: value, ...}; deleted contacts have
 * "deleted": true. FS_ENOTFOUND when unknown. */
int fs_contact_get(fs_store *s, json_t **out, const char *id, fs_err *err);

/* Contacts of a region (NULL: all) as an array like fs_contact_get, by id.
 * Deleted ones are left out unless include_deleted. */
int fs_contact_list(fs_store *s, json_t **out, const char *region, int include_deleted,
		    fs_err *err);

/* Call fn for each contact of region (NULL: all), deleted ones left out,
 * by id, one at a time (contact as fs_contact_get gives it, borrowed for
 * the call), so memory stays bounded; status_ms: the time (ms) of the
 * write that set its status (0 when it has none). fn returns 0 to go on,
 * non-zero to stop (returned as is). */
typedef int (*fs_contact_visit_fn)(void *ctx, const json_t *contact, uint64_t status_ms);
int fs_contact_each(fs_store *s, const char *region, fs_contact_visit_fn fn, void *ctx,
		    fs_err *err);

/* Where a contact's follow-up stands on the date today (YYYY-MM-DD, the
 * local date where it is shown). The one rule of kiosk and hub: an open
 * contact (status not "closed") whose follow-up is not done and whose
 * follow_up_date is before today is overdue, on today due today, after it
 * later; any other contact (closed, done, or no date) has none. */
typedef enum fs_follow_up {
	FS_FOLLOW_UP_NONE = 0,
	FS_FOLLOW_UP_LATER,
	FS_FOLLOW_UP_TODAY,
	FS_FOLLOW_UP_OVERDUE
} fs_follow_up;
fs_follow_up fs_contact_follow_up(const json_t *contact, const char *today);
/* Its name as the kiosk's and the console's APIs give it: "none", "later",
 * "due_today", "overdue". */
const char *fs_follow_up_name(fs_follow_up f);

/* Recorded conflicts (newest first), at most limit, as an array of
 * {"id", "table", "record", "region", "field", "winner": {"value", "hlc",
 * "site"}, "loser": {...}, "detected_by"}. */
int fs_conflict_list(fs_store *s, json_t **out, long limit, fs_err *err);

#endif
