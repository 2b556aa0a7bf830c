/* fieldsync: replicated erasure (docs/design.md, "Erasure").
 *
 * Erasing a record removes its content PHYSICALLY at this store (the
 * record, its field values, its conflicts, its quarantined changes, its
 * replaced-value keys: backend.h record_purge) and leaves an erasure row
 * (schema/004_erasure.sql) that holds no personal data. The row replicates
 * from the hub to every kiosk that may hold the record (the contact's
 * region; a response's device's region, or every region when unknown),
 * which purges the record in the merge that brings it; at every store a
 * later change to an erased record is dropped (merge.h erased_dropped), so
 * a stale edit from an offline kiosk never brings it back. After the commit
 * the store's files are scrubbed (backend.h scrub): the bytes are gone from
 * the SQLite file and its write-ahead log.
 *
 * One call is one request: one UUIDv7, one write transaction for all its
 * records, then one scrub. Erasing a record already erased is a no-op
 * (counted in already); erasing an id never seen records the erasure, so
 * the record is refused if it arrives later. */
#ifndef FIELDSYNC_ERASE_H
#define FIELDSYNC_ERASE_H

#include <stddef.h>

#include "fieldsync/store.h"
#include "fieldsync/uuid.h"

/* Erasure kinds: who asked. */
#define FS_ERASE_ADMIN "admin"         /* fieldsync-hub erase */
#define FS_ERASE_DELETE "delete"       /* a worker deleted the contact at a kiosk */
#define FS_ERASE_RETENTION "retention" /* purged by a retention period */
#define FS_ERASE_WITHDRAW "withdraw"   /* consent withdrawn */
#define FS_ERASE_WITHDRAWN "withdrawn" /* the person withdrew it by receipt (receipt.h) */

/* 1 when kind is one of the five above. */
int fs_erasure_kind_is_valid(const char *kind);

typedef struct fs_erase_result {
	char request[FS_UUID_LEN + 1]; /* the request's id ("" when nothing was recorded) */
	long records;                  /* erasure rows recorded by this request */
	long already;                  /* targets that were erased before (no-op) */
	long rows_removed;             /* rows physically deleted here */
	int scrubbed;                  /* 1: the files were scrubbed after the commit */
} fs_erase_result;

/* Erase contact contact_id (a UUID) at hub: kind is one of the kinds above.
 * The erasure goes to the contact's region, or every region when the
 * contact is not held here. FS_EINVAL for a malformed id or kind; FS_EBUSY
 * from the store or from the scrub (the erasure is then committed and only
 * the scrub must be repeated: out->scrubbed 0). */
int fs_erase_contact(fs_store *hub, const char *contact_id, const char *kind,
		     fs_erase_result *out, fs_err *err);

/* The same for n contacts (ids[0..n-1], n >= 1) in one request: one
 * transaction, one scrub (retention purging many at once). FS_EINVAL for
 * a malformed id, naming it; nothing is erased then. */
int fs_erase_contacts(fs_store *hub, const char *const *ids, size_t n, const char *kind,
		      fs_erase_result *out, fs_err *err);

/* Erase response response_id. region and holder (may be NULL): the region
 * and site of the device that made it, when known; a response held here
 * gives its own site as holder. With no region given, a hub store looks
 * the holder up in its device registry; still none: the erasure is sent
 * to every region. */
int fs_erase_response(fs_store *hub, const char *response_id, const char *region,
		      const char *holder, const char *kind, fs_erase_result *out, fs_err *err);

/* Erase every contact whose person_ref is or was ref: the current value of
 * its person_ref field, either side of a conflict about that field, the
 * value a resolution of such a conflict wrote (resolve.h), or a
 * quarantined contact change of that field with that value. All of them in
 * one request; out->records 0 (and no request) when none is found. ref is
 * never written to logs or messages. */
int fs_erase_person(fs_store *hub, const char *person_ref, const char *kind,
		    fs_erase_result *out, fs_err *err);

/* What one request names. */
typedef enum {
	FS_ERASE_CONTACT = 1, /* a contact, by id */
	FS_ERASE_RESPONSE,    /* a response, by id */
	FS_ERASE_PERSON       /* every contact of a person_ref */
} fs_erase_target;

/* A caller's say over one record a request would erase: table
 * ("contacts" or "responses"), its id, the region its erasure goes to
 * (NULL: every region) and already (1: erased before; region is then the
 * erasure row's). 0 lets it go on; an error ends the request, nothing
 * written, with that error (and err as fn set it). */
typedef int (*fs_erase_check_fn)(void *ctx, const char *table, const char *id,
				 const char *region, int already, fs_err *err);

/* fs_erase_contact, fs_erase_response (no region or holder given) or
 * fs_erase_person of what, as target says, with check (may be NULL)
 * called for each record found, in the request's transaction, before
 * anything is written (a region-limited admin's console: hub/erase.h). */
int fs_erase_checked(fs_store *hub, fs_erase_target target, const char *what, const char *kind,
		     fs_erase_check_fn check, void *ctx, fs_erase_result *out, fs_err *err);

/* Scrub the store's files now (backend.h scrub); for callers that purge
 * by other means (retention). */
int fs_store_scrub(fs_store *s, fs_err *err);

#endif
