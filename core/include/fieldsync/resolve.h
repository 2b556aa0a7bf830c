/* fieldsync: resolving a conflict (docs/design.md, "Resolving a conflict").
 *
 * A conflict (merge.h) records that two kiosks changed one field of a
 * contact without either seeing the other's value: per-field
 * last-writer-wins kept one (the winner), the other (the loser) is kept in
 * the conflict row for review. Resolving it, at the hub only, is two
 * writes in one transaction:
 *  - the value chosen (the winner's, the loser's, or a new one) as an
 *    ordinary contact-field write of the hub, stamped with a fresh hub hlc
 *    (greater than both sides, which the hub's clock has seen), so per-field
 *    LWW makes it win at every replica; an edit a kiosk makes after it wins
 *    by the same rules (and is a new conflict when concurrent);
 *  - a resolution row (schema/005_resolutions.sql: the conflict's id,
 *    region, what was chosen, the value, the same stamp), replicated hub ->
 *    the kiosks of the conflict's region (a kiosk may never send one:
 *    authorize.h, 403 at the hub), which closes the conflict at every store.
 * A resolution goes with its conflict: retention deletes both, erasing the
 * contact purges both. */
#ifndef FIELDSYNC_RESOLVE_H
#define FIELDSYNC_RESOLVE_H

#include <jansson.h>

#include "fieldsync/changeset.h"
#include "fieldsync/store.h"

typedef enum fs_resolve_choice {
	FS_RESOLVE_WINNER = 1, /* keep the value last-writer-wins kept */
	FS_RESOLVE_LOSER = 2,  /* keep the value it replaced */
	FS_RESOLVE_NEW = 3     /* write another value */
} fs_resolve_choice;

/* "winner", "loser", "new"; NULL for another number. */
const char *fs_resolve_choice_name(fs_resolve_choice c);
/* The choice named text; FS_EINVAL for another word. */
int fs_resolve_choice_parse(const char *text, fs_resolve_choice *out);

/* What a resolution made. */
typedef struct fs_resolution {
	char conflict[FS_ID_MAX + 1];
	char contact[FS_UUID_LEN + 1];
	char field[FS_CONTACT_FIELD_MAX];
	char region[FS_NAME_MAX + 1];
	fs_resolve_choice chosen;
	fs_hlc hlc;                 /* of the resolution and of its field write */
	char site[FS_NAME_MAX + 1]; /* the hub */
} fs_resolution;

/* What the caller adds to a resolution, all in its write transaction
 * (every member may be NULL):
 *  - allow: called once the conflict (or its contact's erasure) is found,
 *    with its region, before anything else is looked at: 0 goes on; an
 *    error refuses (a console user limited to other regions gets
 *    FS_ENOTFOUND, as if there were no such conflict, so nothing of it is
 *    told);
 *  - before_commit: after the writes (the hub's audit entry, hub/audit.h
 *    hub_audit_add_in): 0 commits, an error rolls everything back.
 * Either's error is returned as is. */
typedef struct fs_resolve_hooks {
	int (*allow)(void *ctx, const char *region, fs_err *err);
	int (*before_commit)(void *ctx, fs_store *s, const struct fs_resolution *r, fs_err *err);
	void *ctx;
} fs_resolve_hooks;

/* Resolve conflict conflict_id at hub (a store with no region of its own)
 * by choice; value (borrowed) is the new value for FS_RESOLVE_NEW, NULL
 * otherwise, and must be one the field may hold (the rules of a worker's
 * edit: records.h fs_contact_field_check, and the store's person_ref rule
 * when it has one). One write transaction: the field write, the resolution
 * row, the hooks (may be NULL). out (may be NULL) gets what was made.
 * FS_EINVAL: malformed id, a value where none belongs or none where one
 * does, a value the field may not hold, "deleted" set to true (erase the
 * contact instead), or not a hub's store. FS_ENOTFOUND: no such conflict
 * here (the message says when its contact was erased). FS_ECONFLICT: it is
 * already resolved (the message says how and when), or the field was
 * changed after the conflict by a write that is neither side (keeping a
 * side would overwrite that newer value unseen; write a new value).
 * FS_EBUSY from the store. */
int fs_conflict_resolve(fs_store *hub, const char *conflict_id, fs_resolve_choice choice,
			const json_t *value, const fs_resolve_hooks *hooks, fs_resolution *out,
			fs_err *err);

/* Which conflicts fs_conflict_select lists. */
typedef struct fs_conflict_filter {
	int open_only;      /* only those not resolved */
	const char *region; /* only this region's (NULL: every region) */
	long limit;         /* at most this many after the filters (< 0: all) */
} fs_conflict_filter;

/* The conflicts held here, newest detected first, as an array of the
 * objects of fs_conflict_list (records.h) with three more keys:
 * "detected": the detection's hlc as 16 hex digits, "resolution": null
 * while open, else {"chosen", "value", "hlc", "site"}; "current": the
 * field as held here now, {"value", "hlc", "site"}, null when not held
 * (a kiosk that purged the contact). One read snapshot; memory grows with
 * the conflicts held (retention bounds them: 90 days by default). */
int fs_conflict_select(fs_store *s, const fs_conflict_filter *filter, json_t **out,
		       fs_err *err);

#endif
