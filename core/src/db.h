/* Private to core/: the storage adapter. Every SQL statement on the data
 * tables is here, written in SQL that SQLite and PostgreSQL both speak
 * (INSERT ... ON CONFLICT DO UPDATE ... WHERE, row-value comparison), so a
 * second backend replaces this file and store.c, not the merge rules. The
 * rules themselves (who wins, what is a conflict) live in merge.c and
 * records.c; the WHERE clauses here only repeat last-writer-wins as a
 * safety net. */
#ifndef FS_DB_H
#define FS_DB_H

#include <jansson.h>

#include "store_internal.h"

extern const char *const fs_db_sql[FS_STMT_COUNT];

/* A contact field as stored. value is a malloc'd copy of the JSON text. */
typedef struct fs_db_field {
	int found;
	char *value;
	fs_hlc hlc;
	char site[FS_NAME_MAX + 1];
	fs_hlc prev_hlc;
	char prev_site[FS_NAME_MAX + 1];
} fs_db_field;

void fs_db_field_clear(fs_db_field *f);
int fs_db_field_get(fs_store *s, fs_db_field *out, const char *contact_id, const char *field,
		    fs_err *err);
/* Upsert; replaces the stored value only when (hlc, site) is greater. */
int fs_db_field_put(fs_store *s, const char *contact_id, const char *field, const char *value,
		    fs_hlc hlc, const char *site, fs_hlc prev_hlc, const char *prev_site, int64_t seq,
		    fs_err *err);
/* Replace a stored field (found by fs_db_field_get) only when (hlc, site)
 * is greater than the stored one; no row is added. */
int fs_db_field_update(fs_store *s, const char *contact_id, const char *field, const char *value,
		       fs_hlc hlc, const char *site, fs_hlc prev_hlc, const char *prev_site,
		       int64_t seq, fs_err *err);
/* Ensure the contact row exists. FS_ECONFLICT when it exists in another
 * region; FS_ENOTFOUND from fs_db_contact_region when absent. */
int fs_db_contact_ensure(fs_store *s, const char *id, const char *region, fs_err *err);
int fs_db_contact_region(fs_store *s, char out[FS_NAME_MAX + 1], const char *id, fs_err *err);

/* Immutable records. body NULL with deleted set inserts a tombstone.
 * *inserted says whether a row was added (0: the id already existed). */
int fs_db_response_insert(fs_store *s, int *inserted, const char *id, const json_t *body,
			  int deleted, fs_hlc hlc, const char *site, int64_t seq, fs_err *err);
/* The stored response as its body object (new reference) or NULL for a
 * tombstone; FS_ENOTFOUND when absent. */
int fs_db_response_get(fs_store *s, json_t **body, int *deleted, fs_hlc *hlc,
		       char site[FS_NAME_MAX + 1], const char *id, fs_err *err);
/* Turn a row into a tombstone (erasing its content) unless it already is
 * one with a greater (hlc, site). *changed says whether it did. */
int fs_db_response_delete(fs_store *s, int *changed, const char *id, fs_hlc hlc, const char *site,
			  int64_t seq, fs_err *err);

int fs_db_questionnaire_insert(fs_store *s, int *inserted, const char *id, int64_t version,
			       const char *doc_text, int deleted, fs_hlc hlc, const char *site,
			       int64_t seq, fs_err *err);
/* doc_text is a malloc'd copy (NULL for a tombstone). */
int fs_db_questionnaire_get(fs_store *s, char **doc_text, int *deleted, const char *id,
			    int64_t version, fs_err *err);
int fs_db_questionnaire_delete(fs_store *s, int *changed, const char *id, int64_t version,
			       fs_hlc hlc, const char *site, int64_t seq, fs_err *err);

/* Conflict body as in the change set (borrowed). replace 0: insert or keep
 * the stored row; replace 1: a stored row of the same id detected by
 * another site than site is replaced. *inserted: a row was added or
 * replaced. */
int fs_db_conflict_insert(fs_store *s, int *inserted, int replace, const char *id,
			  const char *region, const json_t *body, fs_hlc hlc, const char *site,
			  int64_t seq, fs_err *err);

/* Contact-field values this store held and replaced (value: canonical
 * JSON text; only a 64-bit hash of the write is kept). add: note one before
 * it is replaced. held: *held is 1 when exactly that (contact, field, hlc,
 * site, value) was noted. */
int fs_db_field_version_add(fs_store *s, const char *contact_id, const char *field,
			    const char *value, fs_hlc hlc, const char *site, fs_err *err);
int fs_db_field_version_held(fs_store *s, int *held, const char *contact_id, const char *field,
			     const char *value, fs_hlc hlc, const char *site, fs_err *err);

/* Tombstones of responses received before the response (merge.c): add one
 * per (id, site), keeping the greatest hlc; *out is an array of
 * [site, hlc] (new reference, empty when none); clear drops them all. */
int fs_db_response_claim_add(fs_store *s, const char *id, const char *site, fs_hlc hlc,
			     fs_err *err);
int fs_db_response_claims(fs_store *s, json_t **out, const char *id, fs_err *err);
int fs_db_response_claims_clear(fs_store *s, const char *id, fs_err *err);
/* Overwrite a stored response row: with body (borrowed), or a tombstone
 * when body is NULL. */
int fs_db_response_replace(fs_store *s, const char *id, const json_t *body, fs_hlc hlc,
			   const char *site, int64_t seq, fs_err *err);

int fs_db_quarantine_insert(fs_store *s, const char *from_site, const char *table,
			    const char *record_id, const char *reason, const char *change_json,
			    fs_hlc received, fs_err *err);

int fs_db_peer_get(fs_store *s, const char *peer, int64_t *push, int64_t *pull, fs_err *err);
/* Cursors only move forward. */
int fs_db_peer_set_push(fs_store *s, const char *peer, int64_t seq, fs_err *err);
int fs_db_peer_set_pull(fs_store *s, const char *peer, int64_t seq, fs_err *err);

/* Clock repair (store.c): the greatest hlc held that is <= limit, and
 * re-stamping of this site's own rows above limit. Inside a transaction. */
int fs_db_max_hlc(fs_store *s, fs_hlc limit, fs_hlc *out, fs_err *err);
int fs_db_restamp_own(fs_store *s, fs_hlc limit, long *count, fs_err *err);
/* Shift started_at and submitted_at by delta_ms (whole seconds), but
 * submitted to no later than latest_ms (keeping the time taken), for this
 * site's own responses submitted after the timestamp after and beyond
 * every peer's push cursor (acknowledged by nobody); new seq each. */
int fs_db_redate_own_responses(fs_store *s, const char *after, int64_t delta_ms,
			       uint64_t latest_ms, long *count, fs_err *err);

#endif
