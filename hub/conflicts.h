/* fieldsync-hub: conflicts in plain words, and their resolution by an
 * admin (core: fieldsync/resolve.h). The one place that says a conflict
 * for people: `fieldsync-hub conflicts`, the console's Conflicts page
 * (hub/console/api_conflicts.c) and any export that wants the words call
 * hub_conflicts_describe. */
#ifndef HUB_CONFLICTS_H
#define HUB_CONFLICTS_H

#include <jansson.h>

#include "fieldsync/resolve.h"

/* The conflicts of fs_conflict_select(filter) (newest first), each object
 * with, besides its keys there:
 *   "state": "open" | "resolved"; "contact": the contact's id;
 *   "detected_at": local time, ISO 8601 with offset; "detected_by_name";
 *   in "winner", "loser" and "current" (when not null): "text" (the value
 *   as text: a string as is, true/false as yes/no, a list joined with
 *   ", ", null as "(empty)"), "at" (local ISO 8601), "kiosk" (the device's
 *   name in the registry; "the hub" for the hub; the site id when unknown);
 *   in "resolution" (when not null): "text", "at", "by" (name);
 *   "summary": one sentence, e.g. "Two kiosks changed notes of contact C
 *   while offline: 'X' at kiosk-a on 2 Dec 10:04, 'Y' at kiosk-b on 2 Dec
 *   10:06. Kept: 'Y'." and how it was resolved.
 * Times are in the process's local time zone (TZ). Names come from the
 * store's device registry when it has one (a hub's). */
int hub_conflicts_describe(fs_store *s, const fs_conflict_filter *filter, json_t **out,
                           fs_err *err);

/* Resolve conflict id as actor ("admin:USER@HOST", "console:NAME"), the
 * audit entry ("conflict_resolve": conflict, contact, field, region,
 * chosen; never a value) in the resolution's transaction. allow (may be
 * NULL): fs_resolve_hooks.allow, the caller's region limit. Errors as
 * fs_conflict_resolve and hub_audit_add_in. */
int hub_conflict_resolve(fs_store *s, const char *actor, const char *id,
                         fs_resolve_choice choice, const json_t *value,
                         int (*allow)(void *ctx, const char *region, fs_err *err),
                         void *allow_ctx, fs_resolution *out, fs_err *err);

#endif
