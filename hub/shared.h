/* fieldsync-hub: shared results (docs/reciprocity.md "Shared results").
 * An admin marks a questionnaire as shared, with its k; a release then
 * computes, per region, the figures kiosks may show (hub_results_compute,
 * then the one rule hub_shared_publish: suppression with the complement,
 * base-5 rounding; means only of at least k answers; no free text) and
 * writes them as that region's row of the replicated table shared_results
 * (fieldsync/shared_results.h), which reaches the region's kiosks only.
 * A region's figures are replaced only when at least k responses arrived
 * since its last release (hub_shared_release_due). `fieldsync-hub share`,
 * `fieldsync-hub release`, `serve` (hourly) and the console's
 * Questionnaires page call these.
 *
 * Where the hub keeps its side (the store's meta, not replicated, copied
 * with the store by `migrate` and `backup`): "shared_k:QUESTIONNAIRE" is
 * its k while shared, "0" once unshared; "shared_n:QUESTIONNAIRE:REGION" is
 * the exact number of responses the region's last release was made from.
 * That number never leaves the hub, and is kept after unsharing, so
 * sharing again cannot release a difference of fewer than k responses. */
#ifndef HUB_SHARED_H
#define HUB_SHARED_H

#include <jansson.h>

#include "fieldsync/error.h"
#include "fieldsync/store.h"
#include "results.h" /* HUB_SHARED_K_MIN, HUB_SHARED_K_DEFAULT, HUB_RESULTS_K_MAX */

#define HUB_SHARED_K_META "shared_k:"
#define HUB_SHARED_N_META "shared_n:"

/* Mark questionnaire (published here: FS_ENOTFOUND) as shared with k
 * (HUB_SHARED_K_MIN..HUB_RESULTS_K_MAX; 0: HUB_SHARED_K_DEFAULT; else
 * FS_EINVAL), audited "share" ({questionnaire, k, was}) by actor, in one
 * transaction. Nothing reaches a kiosk before the next release. */
int hub_shared_set(fs_store *s, const char *actor, const char *questionnaire, long k,
                   fs_err *err);

/* Unmark it: every region's row becomes a tombstone (the kiosks drop the
 * figures at their next sync) and it is no longer released; audited
 * "unshare" ({questionnaire, withdrawn}). *withdrawn (may be NULL): rows.
 * FS_ENOTFOUND when it was not shared. */
int hub_shared_unset(fs_store *s, const char *actor, const char *questionnaire, int *withdrawn,
                     fs_err *err);

/* Its k while shared, 0 when not. */
int hub_shared_k(fs_store *s, const char *questionnaire, long *k, fs_err *err);

/* The shared questionnaires as a new object {"ID": k, ...}. */
int hub_shared_list(fs_store *s, json_t **out, fs_err *err);

/* The figures of one region as hub_shared_release writes them (a new
 * string, fs_shared_results_valid), from results (hub_results_compute's,
 * unsuppressed, of that region), k and today (YYYY-MM-DD). FS_ETOOBIG
 * beyond FS_SHARED_RESULTS_MAX. */
int hub_shared_render(char **out, const json_t *results, long k, const char *today,
                      fs_err *err);

/* A release: for every shared questionnaire and every region with kiosks,
 * the region's figures when due. write 0: nothing is written, the report
 * says what would be. *report (may be NULL): a new array of
 * {"questionnaire", "region", "responses" (exact, for the admin),
 * "since" (at the last release, null: none), "k", "released" (bool),
 * "reason" ("released", "unchanged", "fewer than k responses", "fewer
 * than k new responses since the last release"), "error" (when one
 * region failed; the others go on)}. Each release is audited
 * "shared_release" ({questionnaire, region, total}: the rounded total). */
int hub_shared_release(fs_store *s, const char *actor, int write, json_t **report, fs_err *err);

#endif
