/* Private to core/: the engine's conversions between the records' JSON
 * (change sets, records.h) and the backend's rows (backend.h), and the
 * contact-field helpers merge.c and records.c share. One place for each
 * shape: a response row as a body, a conflict row as a change value. */
#ifndef FS_ROWS_H
#define FS_ROWS_H

#include <jansson.h>

#include "store_internal.h"

/* Canonical JSON text: what the store keeps and compares. */
#define FS_CANON_FLAGS (JSON_COMPACT | JSON_SORT_KEYS | JSON_ENCODE_ANY)

/* The content columns of a response row from a body (borrowed; see
 * fs_response_check_shape): strings point into body, worker NULL when
 * absent or null; *answers gets the canonical answers text, which the
 * caller frees. id, deleted, hlc, site and seq are left to the caller.
 * FS_ENOMEM. */
int fs_rows_response_from_body(fs_response_row *row, const json_t *body, char **answers,
                               fs_err *err);

/* One side of a conflict, {"value", "hlc", "site"}; NULL: out of memory. */
json_t *fs_rows_conflict_side(const char *value_text, fs_hlc hlc, const char *site);

/* A conflict as records.h fs_conflict_list lists it: {"id", "table",
 * "record", "region", "field", "winner", "loser", "detected_by"}. NULL:
 * out of memory. */
json_t *fs_rows_conflict_item(const fs_conflict_row *r);

/* A conflict row's content as in a change set: {"table", "record",
 * "field", "winner", "loser"}. NULL: out of memory. */
json_t *fs_rows_conflict_body(const fs_conflict_row *r);

/* The columns of a conflict row from a change's value (borrowed): *winner
 * and *loser get the canonical value texts, which the caller frees. id,
 * region, hlc, site and seq are left to the caller. FS_ENOMEM. */
int fs_rows_conflict_from_body(fs_conflict_row *row, const json_t *body, char **winner,
                               char **loser, fs_err *err);

/* An erasure row's content as in a change set: {"table", "region",
 * "holder", "request", "kind"}, region and holder null when NULL. NULL:
 * out of memory. */
json_t *fs_rows_erasure_body(const fs_erasure_row *e);

/* A resolution row's content as in a change set: {"chosen", "value"}.
 * NULL: out of memory (or a stored value that is not JSON). */
json_t *fs_rows_resolution_body(const fs_resolution_row *r);

/* A contact field copied out of the backend, kept across operations. */
typedef struct fs_field_copy {
	int found;
	char *value; /* malloc'd JSON text */
	fs_hlc hlc;
	char site[FS_NAME_MAX + 1];
	fs_hlc prev_hlc;
	char prev_site[FS_NAME_MAX + 1]; /* "" when none */
} fs_field_copy;

/* found 0 when the field is not stored. */
int fs_rows_field_get(fs_store *s, fs_field_copy *out, const char *contact_id, const char *field,
                      fs_err *err);
void fs_rows_field_clear(fs_field_copy *f);

/* The key under which a replaced contact-field write is remembered
 * (field_version_add): the first 8 bytes of BLAKE2b over contact, field,
 * hlc, site and canonical value, separated so that no two different writes
 * run together. */
int64_t fs_rows_field_version_key(const char *contact_id, const char *field, const char *value,
                                  fs_hlc hlc, const char *site);

/* Write one field of contact id as a local edit of this store, stamped
 * hlc, in the caller's write transaction: the new value replaces what this
 * site holds; its prev says which write that was (this site's own earlier
 * write keeps the prev of that write: coalesced edits are one edit), so
 * receivers can tell a sequential edit from a concurrent one (merge.c). At
 * a hub the replaced value's key is kept (field_version_add). The same
 * value as held writes nothing unless same_too (a resolution's write must
 * carry its newer stamp to every replica). */
int fs_rows_local_field_put(fs_store *s, const char *id, const char *field, const json_t *value,
                            fs_hlc hlc, int same_too, fs_err *err);

/* Ensure the contact row exists in region. FS_ECONFLICT (message naming
 * both regions) when it exists in another. */
int fs_rows_contact_ensure(fs_store *s, const char *id, const char *region, fs_err *err);

/* Keep a refused change (as received, JSON text) for review, stamped now. */
int fs_rows_quarantine(fs_store *s, const char *from_site, const char *table, const char *id,
                       const char *reason, const char *change, fs_err *err);

/* The stored response as its body (new reference; NULL for a tombstone),
 * whether it is one, its (hlc, site). FS_ENOTFOUND when absent. */
int fs_rows_response_have(fs_store *s, const char *id, json_t **body, int *deleted, fs_hlc *hlc,
                          char site[FS_NAME_MAX + 1], fs_err *err);

/* Write a response row: content from body (borrowed), or a tombstone when
 * body is NULL; replace 0 inserts (*inserted, may be NULL), 1 overwrites. */
int fs_rows_response_put(fs_store *s, int replace, int *inserted, const char *id,
                         const json_t *body, fs_hlc hlc, const char *site, int64_t seq,
                         fs_err *err);

/* The tombstone claims on response id as an array of [site, hlc] (new
 * reference, empty when none). */
int fs_rows_response_claims(fs_store *s, json_t **out, const char *id, fs_err *err);

#endif
