/* fieldsync: a kiosk moved to another region by its hub
 * (`fieldsync-hub move`, docs/protocol.md "Moving a kiosk").
 *
 * The hub says the device's region in every sync reply. When it is not
 * the store's, the kiosk adopts it after a sync in which it pushed
 * everything it had pending: the other regions' contacts (their fields,
 * conflicts, quarantined changes and version keys) leave its store, its
 * pull cursor goes back to 0 so that the next sync pulls the new region
 * from the start, and once nothing of another region is left the store's
 * region becomes the new one (which the kiosk then reports to the hub, and
 * which ends the hub's acceptance of its edits to the old region). A
 * contact with a write of this kiosk the hub has not acknowledged is kept
 * until a later sync has pushed it: an edit made before the kiosk learnt
 * of the move is never dropped. */
#ifndef FIELDSYNC_REGION_H
#define FIELDSYNC_REGION_H

#include "fieldsync/error.h"
#include "fieldsync/store.h"

typedef struct fs_region_result {
	long purged; /* contacts removed */
	long kept;   /* of another region, kept: a write of this kiosk unacknowledged */
	int reset;   /* the pull cursor went back to 0 (the first step of this move) */
	int done;    /* nothing of another region is left: the store's region is region */
} fs_region_result;

/* Adopt region (the hub's word for this device) for a kiosk store whose
 * cursors for its hub are kept under peer. One write transaction; safe to
 * repeat after a cut (meta "region_next" remembers the move). A store
 * already of region with no move under way does nothing (done 1).
 * FS_EINVAL for a malformed region or a store without a region (a hub's). */
int fs_region_adopt(fs_store *s, const char *peer, const char *region, fs_region_result *res,
		    fs_err *err);

#endif
