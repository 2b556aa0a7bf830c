/* fieldsync-hub: store handles for the server's worker threads.
 *
 * An fs_store handle is used by one thread at a time, so each request
 * borrows one for the duration of a synchronous step (hub_pool_get /
 * hub_pool_put); handles are opened on demand and kept for reuse (with
 * PostgreSQL each handle is a connection). SQLite has one writer (and
 * PostgreSQL one at a time across processes, docs/scaling.md): every write
 * the server makes (merge, device notes, enrollment) runs under the pool's
 * writer lock, so writers queue here instead of spinning on the store's
 * lock timeout, while reads proceed in parallel on other handles. */
#ifndef HUB_POOL_H
#define HUB_POOL_H

#include "cli.h"
#include "fieldsync/error.h"
#include "fieldsync/store.h"

typedef struct hub_pool hub_pool;

/* Open the hub store at where (see hub_store_open; where is copied) and
 * keep that first handle. *out is freed with hub_pool_close. */
int hub_pool_open(hub_pool **out, const hub_where *where, fs_err *err);

/* Close every handle; all must have been returned. NULL accepted. */
void hub_pool_close(hub_pool *p);

/* Borrow a handle (opening one if none is idle). FS_EGENERIC/FS_ENOMEM. */
int hub_pool_get(hub_pool *p, fs_store **out, fs_err *err);

/* Return a borrowed handle. */
void hub_pool_put(hub_pool *p, fs_store *s);

/* The writer lock. */
void hub_pool_write_lock(hub_pool *p);
void hub_pool_write_unlock(hub_pool *p);

#endif
