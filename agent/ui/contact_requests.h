/* fieldsync kiosk: requests to be contacted, held until released
 * (docs/reciprocity.md, "Asking to be contacted").
 *
 * A person who asked to be contacted leaves a name, how to reach them, a
 * way (phone, text, in person) and a topic. The kiosk does not make the
 * contact then: the request waits in DATA/contact-requests.json (0600,
 * written atomically and fsync'd before the page is told "sent") until a
 * release time drawn uniformly from the configured window, and the first
 * sync at or after that time (agent/syncer.c, under the sync lock) makes it
 * a contact of the kiosk's region with status "requested" and deletes the
 * entry. So the contact's stamps (its id, hlc, contact_at) are those of
 * the release, not of the response the person gave. An entry holds the
 * release time and what the person typed, nothing of the response (no
 * id, questionnaire, version, language or time of the visit). Writers take
 * an flock on DATA/contact-requests.lock. Nothing here is ever logged. */
#ifndef FIELDSYNC_UI_CONTACT_REQUESTS_H
#define FIELDSYNC_UI_CONTACT_REQUESTS_H

#include <stdint.h>

#include "fieldsync/error.h"
#include "fieldsync/person_ref.h"
#include "fieldsync/store.h"

#define FS_CONTACT_REQUESTS_FILE "contact-requests.json"
/* Requests waiting at most (FS_ELIMIT past it): a kiosk that never syncs
 * still holds a bounded file, which stays under ui_file's UI_FILE_MAX
 * (1 MiB) even at the longest fields, every byte escaped (about 2.4 KiB an
 * entry). */
#define FS_CONTACT_REQUESTS_MAX 300
/* What a person may type, in bytes: a name (or what to call them) and how
 * to reach them. The page caps them at 100 and 200 characters (UTF-16
 * units, at most 3 bytes each); with the topic the notes stay far below
 * their 4000 bytes (record_check.c). */
#define FS_CONTACT_REQUEST_NAME_MAX 300
#define FS_CONTACT_REQUEST_HOW_MAX 600

typedef struct fs_contact_request {
	const char *name;        /* 1..FS_CONTACT_REQUEST_NAME_MAX bytes, one line */
	const char *how;         /* 0..FS_CONTACT_REQUEST_HOW_MAX (empty: "in_person") */
	const char *by;          /* a contact channel: "phone", "text", "in_person" */
	const char *topic;       /* a topic value of the questionnaire's contact_request */
	const char *topic_label; /* its label, for the worker (at most 200 bytes) */
} fs_contact_request;

/* Check r: FS_EINVAL naming the field and the rule, never the value. */
int fs_contact_request_check(const fs_contact_request *r, fs_err *err);

/* Queue r for release at release_ms (wall clock of the store, ms).
 * Durable when 0. FS_ELIMIT when FS_CONTACT_REQUESTS_MAX wait already. */
int fs_contact_request_add(const char *dir, const fs_contact_request *r, uint64_t release_ms,
                           fs_err *err);

/* A release time: now plus a delay drawn uniformly from [min_s, max_s]
 * seconds (libsodium's randombytes_uniform). */
uint64_t fs_contact_request_release_at(uint64_t now_ms, long min_s, long max_s);

/* Make every request due at now (the store's clock) a contact of the
 * store's region: status "requested", worker FS_CONTACT_REQUEST_WORKER,
 * channel its way, topics [topic], follow_up_date the local date of the
 * release, contact_at now, a person_ref drawn at random from rule's
 * characters, and the name, how to reach them and the topic in "notes";
 * then drop them from the file. *released: how many. A damaged entry is
 * dropped (counted in *dropped). A crash between the contacts and the
 * file's rewrite makes them again at the next release (a duplicate, never
 * a loss). */
int fs_contact_requests_release(const char *dir, fs_store *s, const fs_person_ref_rule *rule,
                                long *released, long *dropped, fs_err *err);

#endif
