/* fieldsync kiosk: worker events for the hub's audit trail, queued here
 * until the hub has them (docs/protocol.md, POST /v1/audit).
 *
 * DATA/audit-queue.jsonl (0600) holds one event a line, {"id", "action",
 * "worker", "at", "contact"}: ids and times only, never what a person
 * typed. Each event is appended and fsync'd before the action it records is
 * reported done (a login, a failed PIN, a contact created, edited or
 * closed). After each sync the agent sends the queue in batches and drops
 * a batch only once the hub answered 200 (agent/syncer.c). Writers take an
 * flock on the file; a drop rewrites it (temporary file, fsync, rename), so
 * a crash leaves either the old queue or the new one. */
#ifndef FIELDSYNC_UI_AUDIT_QUEUE_H
#define FIELDSYNC_UI_AUDIT_QUEUE_H

#include <stddef.h>
#include <stdint.h>

#include "fieldsync/buf.h"
#include "fieldsync/error.h"

#define FS_AUDIT_QUEUE_FILE "audit-queue.jsonl"
/* The queue's cap: past it new events are refused (FS_ELIMIT) and the
 * actions they would record with them, until a sync empties it. About
 * 14,000 events. */
#define FS_AUDIT_QUEUE_MAX_BYTES (2u << 20)
/* One POST: the hub's caps (hub/audit.h), with room for the wrapper. */
#define FS_AUDIT_BATCH_EVENTS 500
#define FS_AUDIT_BATCH_BYTES (60u << 10)

/* Append one event at at_ms: action one of the hub's (worker_login,
 * worker_logout, worker_pin_failed, contact_create, contact_edit,
 * contact_close); worker the session's worker id, or NULL (a failed PIN
 * for a name that is no worker); contact a contact id or NULL. Durable when
 * 0. FS_ELIMIT when the queue is full; FS_EGENERIC on I/O errors. */
int fs_audit_queue_add(const char *dir, const char *action, const char *worker,
                       const char *contact, uint64_t at_ms, fs_err *err);

/* The oldest events as a POST /v1/audit body {"events": [...]} in out
 * (initialised here; the caller frees it), at most FS_AUDIT_BATCH_EVENTS
 * and FS_AUDIT_BATCH_BYTES; *lines: the queue lines it covers (a damaged
 * line, e.g. torn by a crash, is covered and skipped). 0 lines: nothing
 * queued. */
int fs_audit_queue_batch(const char *dir, fs_buf *out, size_t *lines, fs_err *err);

/* Remove the first lines lines (those a batch covered, once the hub took
 * it). */
int fs_audit_queue_drop(const char *dir, size_t lines, fs_err *err);

#endif
