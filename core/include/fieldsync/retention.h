/* fieldsync: retention (docs/design.md, "Retention").
 *
 * A kiosk keeps what it still needs: its own responses until the hub has
 * acknowledged them (then only their count, meta "responses_sent"), its
 * region's open contacts and those closed within a window the deployment
 * configures (agent.json "closed_contact_days"). A hub keeps each table for
 * a period the admin sets (days; 0 keeps forever), in the store's meta, so
 * every hub process of a shared store applies the same periods.
 *
 * "Now" is the store's clock (fs_store_now_ms: the wall clock plus the
 * offset learned from the hub), never raw time(), so tests move it with
 * fs_store_set_wallclock. Every purge is idempotent and runs in one write
 * transaction; after a purge that removed something the store's files are
 * scrubbed (erase.h fs_store_scrub), so the bytes leave the files. */
#ifndef FIELDSYNC_RETENTION_H
#define FIELDSYNC_RETENTION_H

#include <stdint.h>

#include "fieldsync/changeset.h"
#include "fieldsync/error.h"
#include "fieldsync/store.h"

#define FS_MS_PER_DAY 86400000ull

/* ---- the kiosk ---- */

/* closed_contact_days: default, and the largest accepted (100 years). */
#define FS_RETENTION_CLOSED_DAYS_DEFAULT 30
#define FS_RETENTION_DAYS_MAX 36500
/* contact_request_days (agent.json) and the hub's contact_requests: how
 * long a request to be contacted that no worker took is kept. */
#define FS_RETENTION_REQUEST_DAYS_DEFAULT 90

typedef struct fs_retention_kiosk_result {
	long responses;     /* own responses (and tombstones) removed: acknowledged */
	long contacts;      /* contacts removed: closed or deleted before the window,
	                     * or still "requested" past request_days */
	long contacts_kept; /* closed before the window but with an unsent write: kept */
	int scrubbed;       /* the files were scrubbed after the commit */
} fs_retention_kiosk_result;

/* At a kiosk, after a sync: physically delete this kiosk's own responses
 * that hub_peer acknowledged (seq <= its push cursor), adding the live ones
 * to meta "responses_sent" in the same transaction (fs_store_count counts
 * them, so the numbers shown never drop); and every contact whose "status"
 * is "closed" or whose "deleted" is true with that field's hlc more than
 * closed_days before now (0: every closed one), unless one of its fields or
 * conflict rows is a write of this kiosk not yet acknowledged (it is kept
 * until the hub has it), with its fields and conflict rows (backend.h
 * record_purge); and by the same rules every contact whose "status" is
 * still "requested" by a write more than request_days before now (0: keep;
 * the hub erases them by its own period). One write transaction; a scrub
 * after it when anything was removed. A contact purged here is only this
 * kiosk's copy: the hub keeps it, and a later edit from the hub brings the
 * edited fields back. FS_EINVAL: closed_days or request_days outside
 * 0..FS_RETENTION_DAYS_MAX. */
int fs_retention_kiosk_purge(fs_store *kiosk, const char *hub_peer, long closed_days,
			     long request_days, fs_retention_kiosk_result *out, fs_err *err);

/* Responses this kiosk sent and then deleted (meta "responses_sent");
 * fs_store_count adds them to its responses, so a kiosk's counts never
 * drop when acknowledged responses go. 0 when none. */
long fs_retention_responses_sent(fs_store *s);

/* ---- the hub ---- */

typedef enum fs_retention_table {
	FS_RETENTION_RESPONSES = 0, /* by submitted_at */
	FS_RETENTION_CONTACTS,      /* by the hlc of "status": "closed" */
	FS_RETENTION_CONFLICTS,     /* by detection hlc */
	FS_RETENTION_QUARANTINE,    /* by received_hlc */
	FS_RETENTION_AUDIT,         /* the audit log (applied by hub/audit.c) */
	FS_RETENTION_CONTACT_REQUESTS, /* contacts still "requested": by that field's hlc */
	FS_RETENTION_TABLES
} fs_retention_table;

/* Periods in days, by table; 0 keeps forever. */
typedef struct fs_retention_settings {
	long days[FS_RETENTION_TABLES];
} fs_retention_settings;

/* The table's name ("responses"), and back: -1 for an unknown name. */
const char *fs_retention_table_name(fs_retention_table t);
int fs_retention_table_parse(const char *name);

/* The documented defaults: responses 730, contacts 365, conflicts 90,
 * quarantine 30, audit 2190, contact_requests 90 days. */
void fs_retention_defaults(fs_retention_settings *out);

/* Parse one "TABLE=DAYS" (a CLI argument): FS_EINVAL naming what is wrong
 * (no "=", an unknown table, DAYS not a whole number of days in
 * 0..FS_RETENTION_DAYS_MAX). */
int fs_retention_parse(const char *arg, fs_retention_table *table, long *days, fs_err *err);

/* The hub's periods: the stored ones (meta "retention_TABLE_days"), the
 * defaults where none is stored. FS_EINVAL when a stored value is bad. */
int fs_retention_get(fs_store *hub, fs_retention_settings *out, fs_err *err);

/* Store n periods (tables[i] = days[i]) in one write transaction; FS_EINVAL
 * for a table or a number of days out of range (nothing stored). */
int fs_retention_set(fs_store *hub, const fs_retention_table *tables, const long *days, int n,
		     fs_err *err);

/* The horizon of table: records older than this (ms since 1970, by the
 * store's clock) are past retention; 0 when the period is 0 (forever). */
int fs_retention_horizon(fs_store *hub, fs_retention_table table, uint64_t *before_ms,
			 fs_err *err);

typedef struct fs_retention_hub_result {
	long responses, contacts, conflicts, quarantine; /* records removed */
	long contact_requests; /* requested contacts nobody took, erased */
	uint64_t audit_before_ms; /* audit entries before this may go (0: keep) */
	int scrubbed;
} fs_retention_hub_result;

/* Apply the periods now: responses submitted before their horizon, their
 * tombstone claims and conflict rows are deleted; conflicts detected and
 * quarantined changes received before theirs are deleted (one write
 * transaction, then a scrub when anything went, and on SQLite always); contacts whose status
 * became "closed" before their horizon are erased, kind "retention"
 * (erase.h fs_erase_contacts, in batches: an erasure record each, which
 * replicates, so every kiosk drops its copy), and so are contacts whose
 * status is still "requested" (a person's request to be contacted that no
 * worker took, docs/reciprocity.md) by a write before the contact_requests
 * horizon. Idempotent: several hub
 * processes may run it at once. The audit log is not touched here
 * (out->audit_before_ms is for hub/audit.c). */
int fs_retention_hub_purge(fs_store *hub, fs_retention_hub_result *out, fs_err *err);

/* The hub's merge of a device's set (sync.c): a response submitted and
 * stamped before the responses horizon would bring back what retention
 * removed (a stale re-push), so it is left out (one with an old date but a
 * recent stamp goes to the merge, whose clock rule judges it). *view is cs without those (its change array
 * borrowed from cs, or a new one when something was left out: release with
 * fs_retention_view_free, never fs_changeset_free); *dropped counts them.
 * fs_retention_note_refused adds n to meta "retention_responses_refused",
 * in the caller's transaction. */
int fs_retention_filter_responses(fs_store *hub, const fs_changeset *cs, fs_changeset *view,
				  long *dropped, fs_err *err);
void fs_retention_view_free(fs_changeset *view);
int fs_retention_note_refused(fs_store *hub, long n, fs_err *err);

#endif
