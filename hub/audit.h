/* fieldsync-hub: the audit trail, a hub module over the store's registry
 * operations (backend.h fs_registry_ops, table audit_log of schema/hub/).
 *
 * One entry per admin action (publish, enroll, revoke, export, migrate,
 * and those other commands add) and per worker event a kiosk reports
 * (POST /v1/audit): id (1, 2, ... in append order), time (the store's
 * clock, ms), actor, action, detail. The detail is a small JSON object of
 * ids, counts and filters: callers never put answers, notes, person_ref,
 * enrollment codes, tokens or any text a person typed in it.
 *
 * Hash chain: each entry's hash is BLAKE2b-256 over the previous entry's
 * hash and this entry's columns (audit.c, entry_hash, says how), the first
 * entry's previous hash being 32 zero bytes, or after a prune the anchor
 * (meta "audit_anchor": the last removed entry's id and hash). So an
 * entry removed, reordered or changed in place breaks the chain at that
 * entry, which hub_audit_verify names. Anyone who can write the store can
 * also rewrite the whole chain from the changed entry on: keep the head
 * (hub_audit_head, printed by `fieldsync-hub audit --verify`) somewhere
 * else to detect that too. */
#ifndef HUB_AUDIT_H
#define HUB_AUDIT_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "fieldsync/error.h"
#include "fieldsync/store.h"

/* Bounds of what one entry holds (FS_EINVAL beyond them). */
#define HUB_AUDIT_ACTOR_MAX 160  /* bytes of actor */
#define HUB_AUDIT_ACTION_MAX 32  /* [a-z_], 1 to 32 */
#define HUB_AUDIT_DETAIL_MAX 2048 /* bytes of the detail as compact JSON */

/* Append one entry: actor ("admin:USER@HOST", "device:SITE",
 * "worker:ID@SITE", "hub:..." or "console:NAME", a console user
 * (hub/console/); printable ASCII without spaces), action
 * ([a-z_]), detail (borrowed; a JSON object, or NULL for {}).
 * hub_audit_add runs in a write transaction of its own: call it with no
 * transaction open on hub. hub_audit_add_in runs in the caller's write
 * transaction (begun with fs_store_ops(hub)->begin(FS_TXN_WRITE)), so the
 * entry commits, or not, with the action it records. FS_EINVAL for a
 * malformed actor, action or detail (nothing written); FS_EBUSY when the
 * write lock could not be had; other errors as the store's. */
int hub_audit_add(fs_store *hub, const char *actor, const char *action, const json_t *detail,
                  fs_err *err);
int hub_audit_add_in(fs_store *hub, const char *actor, const char *action,
                     const json_t *detail, fs_err *err);

/* Check the whole chain in one snapshot: ids consecutive from the
 * anchor's (or 1), each entry's previous hash the one before's and its own
 * hash recomputed. *entries: how many were checked. FS_EGENERIC naming
 * the first broken entry ("audit entry 7: ..."). */
int hub_audit_verify(fs_store *hub, long *entries, fs_err *err);

/* The chain's head: the last entry's id and hash as 64 hex digits (the
 * anchor's after a prune that left nothing; id 0 and 64 zeros when the
 * trail never held an entry). */
int hub_audit_head(fs_store *hub, int64_t *id, char hex[65], fs_err *err);

/* Remove the oldest entries, those before before_ms (stopping at the first
 * entry at or after it, so what stays is one unbroken chain), in one write
 * transaction of its own that also records the anchor and appends an
 * "audit_prune" entry (actor hub_audit_actor_cli; detail: removed, through
 * id, before). *removed: entries removed (0 writes nothing). */
int hub_audit_prune(fs_store *hub, uint64_t before_ms, long *removed, fs_err *err);

/* Visit the entries at or after since_ms, by id, as JSON objects {"id",
 * "at" (RFC 3339 UTC with ms), "at_ms", "actor", "action", "detail",
 * "hash" (hex)} (borrowed for the call). fn returns 0 to go on. */
typedef int (*hub_audit_fn)(void *ctx, const json_t *entry);
int hub_audit_each(fs_store *hub, uint64_t since_ms, hub_audit_fn fn, void *ctx, fs_err *err);

/* Which entries hub_audit_list visits; 0 and NULL fields do not filter. */
typedef struct hub_audit_filter {
	uint64_t since_ms;  /* at or after */
	uint64_t until_ms;  /* before */
	const char *action; /* exactly this action */
	const char *actor;  /* an actor holding this text ("console:", "alice") */
	int64_t before_id;  /* ids below it: the next page, newest first */
} hub_audit_filter;

/* At most this many entries in one page (hub_audit_list limit). */
#define HUB_AUDIT_PAGE_MAX 1000

/* The entries that match f, as hub_audit_each gives them, the one listing
 * of `fieldsync-hub audit` and the console's Audit log. limit 0: every one,
 * oldest first, streamed; limit 1 to HUB_AUDIT_PAGE_MAX: the newest limit
 * of them (in memory), newest first when newest_first, else oldest first,
 * *more (may be NULL) 1 when older ones match too. FS_EINVAL for a
 * malformed filter (an action not [a-z_], an actor over
 * HUB_AUDIT_ACTOR_MAX bytes, a limit over the page) or newest_first
 * without a limit. */
int hub_audit_list(fs_store *hub, const hub_audit_filter *f, size_t limit, int newest_first,
                   hub_audit_fn fn, void *ctx, int *more, fs_err *err);

/* The actor of an admin command run here: "admin:USER@HOST", USER the
 * effective Unix user's name (its uid when it has none) and HOST this
 * machine's name, each cut to characters an actor may hold. */
void hub_audit_actor_cli(char *out, size_t len);

/* Worker events a kiosk reports (POST /v1/audit, docs/protocol.md): body
 * (len bytes) is {"events": [{"id", "action", "worker", "at", "contact"}]}:
 * at most HUB_AUDIT_EVENTS_MAX events; id a UUID the kiosk gave the event;
 * action one of worker_login, worker_logout, worker_pin_failed,
 * contact_create, contact_edit, contact_close; worker the session's worker
 * id ([A-Za-z0-9._-]{1,64}), absent only for a failed PIN of a name that is
 * no worker; at the kiosk's time in ms, from 2020 to FS_SYNC_MAX_FUTURE_MS
 * past the hub's clock; contact a UUID, present exactly for the contact
 * actions. No other key. Every event is checked before any is written, then
 * all are appended in one write transaction of their own, each as actor
 * "worker:ID@SITE" (or "device:SITE" without a worker), site the
 * authenticated device's, never the body's; detail {"event", "kiosk_at",
 * "contact"?}. FS_EINVAL naming the first bad event and what is wrong with
 * it (nothing written). *added: the entries appended. */
#define HUB_AUDIT_EVENTS_MAX 500
#define HUB_AUDIT_BODY_MAX (64u << 10)
int hub_audit_worker_events(fs_store *hub, const char *site, const char *body, size_t len,
                            long *added, fs_err *err);

/* Is text a valid action name ([a-z_], 1 to HUB_AUDIT_ACTION_MAX)? */
int hub_audit_action_is_valid(const char *text);

#endif
