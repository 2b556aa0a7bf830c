/* fieldsync: shared results, the aggregates a hub releases to the kiosks
 * of a region for a questionnaire its admin marked as shared (docs/
 * reciprocity.md "Shared results"; schema/013_shared_results.sql).
 *
 * One row per (questionnaire, region), whole-row last-writer-wins on (hlc,
 * site), written only by a hub (hub/shared.c computes the figures by the
 * rule in hub/results.h, hub_shared_publish) and sent only to the kiosks of
 * the row's region; a kiosk may never send one (403). The row holds the
 * released figures as JSON text, never a response: counts already
 * suppressed and rounded, means only of at least k answers, no free text.
 * Unsharing leaves a tombstone, so the figures leave every kiosk too. */
#ifndef FIELDSYNC_SHARED_RESULTS_H
#define FIELDSYNC_SHARED_RESULTS_H

#include "fieldsync/error.h"
#include "fieldsync/store.h"

/* The largest results text (bytes), so a row stays small on the wire. */
#define FS_SHARED_RESULTS_MAX 16384

/* Whether text is a results text a kiosk may hold: at most
 * FS_SHARED_RESULTS_MAX bytes of one JSON object
 *   {"released": "YYYY-MM-DD", "k": N (5..100), "total": N (a multiple of 5;
 *    null with no questions: shared, but no figures yet, fewer than k),
 *    "questions": [{"id": "...", "type": "single_choice" | "multi_choice" |
 *                   "yes_no" | "scale" | "number",
 *                   "answered": N | null,
 *                   "options": [{"value": "...", "count": N | null}, ...]
 *                     (choice types),
 *                   "mean": X | null (scale and number)}, ...]}
 * where every count is a multiple of 5 (null: fewer than k) and nothing
 * else is present (a free-text answer cannot be carried). The decoder
 * refuses a change whose results break it. */
int fs_shared_results_valid(const char *text);

/* At the hub: release text (fs_shared_results_valid) as the shared
 * results of questionnaire for region, or withdraw them (text NULL: a
 * tombstone, when a live row is there). In the same write transaction,
 * when meta_key is not NULL, the store's meta meta_key is set to
 * meta_value (the hub's note of what the release was made from, so the
 * two cannot disagree). *changed (may be NULL): 1 when a row was written.
 * FS_EINVAL for a bad name or text, or on a kiosk's store. */
int fs_shared_results_put(fs_store *hub, const char *questionnaire, const char *region,
                          const char *text, const char *meta_key, const char *meta_value,
                          int *changed, fs_err *err);

/* At the hub: withdraw the shared results of questionnaire in every
 * region (a tombstone for each live row), and set meta_key as above, in
 * one write transaction. *removed (may be NULL): rows withdrawn. */
int fs_shared_results_remove(fs_store *hub, const char *questionnaire, const char *meta_key,
                             const char *meta_value, int *removed, fs_err *err);

/* The live results text of (questionnaire, region), a new string in *out
 * (free it); FS_ENOTFOUND when there is none or it was withdrawn. */
int fs_shared_results_get(fs_store *s, const char *questionnaire, const char *region,
                          char **out, fs_err *err);

#endif
