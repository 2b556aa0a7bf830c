/* fieldsync-hub: "you said, we did" updates, the audited writes that
 * `fieldsync-hub update` and the console's Updates page share (core's
 * updates.h does the rules and the store). */
#ifndef HUB_UPDATES_H
#define HUB_UPDATES_H

#include <jansson.h>

#include "fieldsync/error.h"
#include "fieldsync/store.h"

/* fs_update_put, then an audit entry as actor (update_add, or update_edit
 * when something changed) naming the id, target and dates, never the
 * texts. id gets the update's id (FS_ID_MAX + 1 bytes). */
int hub_update_put(fs_store *hub, const char *actor, const json_t *u, int create, char *id,
                   int *changed, fs_err *err);

/* fs_update_remove, then the audit entry update_remove. */
int hub_update_remove(fs_store *hub, const char *actor, const char *id, fs_err *err);

#endif
