/* fieldsync-hub: the regions' outreach workers (core's worker.h), as the
 * CLI (`fieldsync-hub worker`) and the console do them: one path each for
 * adding (or a new PIN) and removing, each audited. */
#ifndef HUB_WORKER_H
#define HUB_WORKER_H

#include "fieldsync/store.h"

/* Hash pin (6 to 12 digits) and set it for worker name of region: added,
 * or a new PIN (*existed 1, may be NULL); then the audit entry as actor
 * ("worker_add" or "worker_pin_reset", detail {region, name}; never the
 * PIN or its hash). The worker reaches the region's kiosks at their next
 * sync. Errors as fs_worker_pin_hash and fs_worker_set. */
int hub_worker_set(fs_store *hub, const char *actor, const char *region, const char *name,
		   const char *pin, int *existed, fs_err *err);

/* Remove worker name of region (FS_ENOTFOUND when no live worker), then the
 * audit entry "worker_remove" as actor. Kiosks of the region refuse the PIN
 * after their next sync and end the worker's open session there. */
int hub_worker_remove(fs_store *hub, const char *actor, const char *region, const char *name,
		      fs_err *err);

#endif
