/* fieldsync: who may send what, apart from the merge rules.
 *
 * A policy names what one sender may write. The merge (merge.h) asks it
 * about the set and every change before anything is written, and again
 * about a record stored here that a change touches (its owner or region as
 * stored may differ from what the change says). A refusal is FS_EFORBIDDEN
 * and refuses the whole set, naming the first offending change. The hub's
 * policy for a device is made in sync.c (fs_sync_hub_receive). */
#ifndef FIELDSYNC_AUTHORIZE_H
#define FIELDSYNC_AUTHORIZE_H

#include <stddef.h>

#include "fieldsync/changeset.h"

typedef struct fs_authz {
	/* The sender: the set and every change in it must be its own (NULL:
	 * any site); a response it did not make it may neither send nor
	 * delete. */
	const char *site;
	/* Tables it may write (fs_table bits; 0: any). */
	unsigned tables;
	/* Contacts, conflicts and resolutions only of this region, also as
	 * stored here: a
	 * contact created in another region stays there (NULL: any). */
	const char *region;
	/* A second region whose contacts and conflicts are allowed too (NULL:
	 * none): the hub's grace for a kiosk moved out of it that has not yet
	 * taken in the move (docs/protocol.md "Moving a kiosk"). */
	const char *also_region;
} fs_authz;

/* The set's sender (cs->site) is a->site. a NULL allows everything, as
 * do the checks below. */
int fs_authorize_set(const fs_authz *a, const fs_changeset *cs, fs_err *err);

/* Change index of a set, as sent: its site, table and region. */
int fs_authorize_change(const fs_authz *a, size_t index, const fs_change *c, fs_err *err);

/* A change about a response stored here as owner's (a forgery or a
 * foreign tombstone when owner is not the sender). Allowed (0) when the
 * policy does not judge owners; the merge then quarantines the change. */
int fs_authorize_response(const fs_authz *a, size_t index, const fs_change *c, const char *owner,
			  fs_err *err);

/* A contact change (or a conflict, about contact) when the contact is
 * stored here in stored_region; NULL: in another region than the
 * change's. */
int fs_authorize_contact(const fs_authz *a, size_t index, const fs_change *c, const char *contact,
			 const char *stored_region, fs_err *err);

#endif
