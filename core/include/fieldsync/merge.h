/* fieldsync: applying a remote change set.
 *
 * The whole set is applied in one transaction or not at all. Rules
 * (docs/design.md):
 *  - contacts: per-field last-writer-wins on (hlc, site), a total order, so
 *    every replica keeps the same value whatever the order of arrival;
 *    merging is idempotent, commutative and associative. When the two writes
 *    were concurrent (neither writer had seen the other's value) the loser is
 *    recorded in the conflicts table.
 *  - responses, questionnaires: immutable; the same record arriving again
 *    is a no-op; with other content it is quarantined, never overwritten.
 *    A tombstone (delete) wins over content.
 *  - a response whose answers fail validation, or whose questionnaire is
 *    unknown here, is quarantined (kept, not merged), never lost.
 *  - a response may be sent or deleted only by its own site; a tombstone
 *    that arrives before its response is held per site and only the
 *    response's own site's counts once the content arrives.
 *  - conflicts: a device's conflict row is a claim, believed only when it
 *    could have been derived from writes this store holds or held (else
 *    quarantined); a conflict this hub derives replaces a claim of the
 *    same id; a kiosk takes the hub's version of a conflict. */
#ifndef FIELDSYNC_MERGE_H
#define FIELDSYNC_MERGE_H

#include <stdint.h>

#include "fieldsync/changeset.h"
#include "fieldsync/store.h"

/* The earliest started_at and submitted_at a hub takes for a response
 * (2020-01-01T00:00:00Z); earlier ones are quarantined (docs/design.md). */
#define FS_RESPONSE_EPOCH_MS UINT64_C(1577836800000)

typedef struct fs_merge_opts {
	/* Refuse the set (FS_ECLOCK) when a change is stamped, or a response
	 * started or submitted, more than this many ms ahead of this store's
	 * clock; 0 turns the check off. With it set a response started or
	 * submitted before FS_RESPONSE_EPOCH_MS is quarantined. The hub sets
	 * it; a kiosk trusts the hub's stamps. */
	uint64_t max_future_ms;
	/* Authorization (FS_EFORBIDDEN, whole set refused, naming the first
	 * offending change): every change must be made by author_site (NULL: any
	 * site), be in allowed_tables (0: any), and contacts and conflicts must
	 * be of region (NULL: any), also as stored here (a contact created in
	 * another region stays there). With author_site set, a response may be
	 * deleted only by the site that made it. */
	const char *author_site;
	unsigned allowed_tables;
	const char *region;
	/* When set, cs->to is recorded as this peer's pull cursor in the same
	 * transaction. With author_site set, a registered device's last sync
	 * time (devices.h) is also recorded in it. */
	const char *peer;
} fs_merge_opts;

typedef struct fs_merge_result {
	long applied;     /* changes that changed this store */
	long unchanged;   /* already known, or lost to a newer write */
	long conflicts;   /* concurrent overwrites recorded here */
	long quarantined; /* refused records kept in quarantine */
} fs_merge_result;

/* Apply cs (decoded and checked by fs_changeset_decode) to s. opts and out
 * may be NULL. Returns 0, FS_ECLOCK, FS_EFORBIDDEN, FS_EBUSY or
 * FS_EGENERIC; on error nothing was applied. */
int fs_merge_apply(fs_store *s, const fs_changeset *cs, const fs_merge_opts *opts,
		   fs_merge_result *out, fs_err *err);

#endif
