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
 *  - a response is deleted only by its own site: a tombstone that arrives
 *    before its response is held per site and only the response's own
 *    site's counts once the content arrives; a change about another site's
 *    response is refused when the policy says so (authorize.h), else
 *    quarantined.
 *  - conflicts: a device's conflict row is a claim, believed only when it
 *    could have been derived from writes this store holds or held (else
 *    quarantined); a conflict this hub derives replaces a claim of the
 *    same id; a kiosk takes the hub's version of a conflict.
 *  - resolutions (resolve.h): from a trusted upstream only (a device's is
 *    refused, FS_EFORBIDDEN); the first of a conflict stands; dropped like
 *    a conflict when its contact is erased here.
 *  - erasures (erase.h): a change to a record this store holds an erasure
 *    of (a contact field, a conflict about that contact or its resolution,
 *    a response or its tombstone) is dropped: not stored, not quarantined (that would keep
 *    the personal data), counted in erased_dropped; the rest of the set
 *    merges. An incoming erasure (the hub's, at a kiosk) is recorded and
 *    its record purged in the merge's transaction, local unsent edits
 *    included, and the store's files are scrubbed after the commit. At a
 *    hub merging a device's set, a contact whose "deleted" field becomes
 *    true is erased (kind "delete") in the same transaction. */
#ifndef FIELDSYNC_MERGE_H
#define FIELDSYNC_MERGE_H

#include <stdint.h>

#include "fieldsync/authorize.h"
#include "fieldsync/changeset.h"
#include "fieldsync/store.h"

/* The earliest started_at and submitted_at a hub takes for a response
 * (2020-01-01T00:00:00Z); earlier ones are quarantined (docs/design.md). */
#define FS_RESPONSE_EPOCH_MS UINT64_C(1577836800000)

/* A step run inside the merge's transaction, after the changes are
 * applied and before the commit, so its writes commit with them or not at
 * all (sync.c records the pull cursor at a kiosk and the device's last
 * sync at a hub this way). 0 or an error, which rolls the merge back. */
typedef int (*fs_merge_hook)(void *ctx, fs_store *s, const fs_changeset *cs, fs_err *err);

typedef struct fs_merge_opts {
	/* Refuse the set (FS_ECLOCK) when a change is stamped, or a response
	 * started or submitted, more than this many ms ahead of this store's
	 * clock; 0 turns the check off. With it set a response started or
	 * submitted before FS_RESPONSE_EPOCH_MS is quarantined. The hub sets
	 * it; a kiosk trusts the hub's stamps. */
	uint64_t max_future_ms;
	/* The device whose set this is, when its conflict rows are claims to
	 * verify against the writes this store holds, and a conflict this
	 * store derives replaces a claim of the same id (a hub merging a
	 * kiosk's set). NULL: a trusted upstream, whose conflict rows replace
	 * the ones stored (a kiosk merging the hub's). */
	const char *device;
	/* Who may send what (authorize.h): asked about the set and each change
	 * before anything is written, and about stored records changes touch;
	 * a refusal (FS_EFORBIDDEN) refuses the whole set. NULL: anything. */
	const fs_authz *authz;
	/* Run in the transaction before the commit (NULL: nothing). */
	fs_merge_hook on_commit;
	void *on_commit_ctx;
} fs_merge_opts;

typedef struct fs_merge_result {
	long applied;     /* changes that changed this store */
	long unchanged;   /* already known, or lost to a newer write */
	long conflicts;   /* concurrent overwrites recorded here */
	long quarantined; /* refused records kept in quarantine */
	long erased_dropped; /* changes to erased records, dropped */
	long erased;         /* records erased here by this merge */
	int scrub_failed;    /* the scrub after the commit failed (the merge stands;
	                      * erased bytes may remain in the files until the
	                      * next scrub) */
} fs_merge_result;

/* Apply cs (decoded and checked by fs_changeset_decode) to s. opts and out
 * may be NULL. Returns 0, FS_ECLOCK, FS_EFORBIDDEN, FS_EBUSY or
 * FS_EGENERIC; on error nothing was applied. */
int fs_merge_apply(fs_store *s, const fs_changeset *cs, const fs_merge_opts *opts,
		   fs_merge_result *out, fs_err *err);

#endif
