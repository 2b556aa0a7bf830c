/* fieldsync: which regions offer a questionnaire, and its retirement
 * (docs/design.md, "Questionnaire offers"; schema/007_offers.sql).
 *
 * A hub writes one row per (questionnaire, target), target "*" (every
 * region) or a region name, each last-writer-wins on (hlc, site); the hub
 * sends the "*" rows to every kiosk and a region's rows to that region's
 * kiosks; a kiosk may never send one (403). The rule a kiosk of region R
 * applies (fs_offer_listed):
 *   - the "*" row says retired: not listed anywhere;
 *   - else R's row, when there is one, says whether it is offered;
 *   - else the "*" row, when there is one;
 *   - else (no row: a deployment from before offers) it is offered.
 * Offers and retirement only decide what a kiosk LISTS for a person to
 * start. They never refuse a response: the documents stay at every store
 * (a retired questionnaire is not a tombstone), so a person already half
 * way through one, or a response saved but not yet synced, is still
 * stored by the kiosk and merged by the hub. Offers name a questionnaire
 * id, every version of it (a kiosk lists the highest). */
#ifndef FIELDSYNC_OFFERS_H
#define FIELDSYNC_OFFERS_H

#include <jansson.h>

#include "fieldsync/error.h"
#include "fieldsync/store.h"

#define FS_OFFER_EVERYWHERE "*"

/* Offer (offered 1) or withdraw (0) questionnaire id, which must be
 * published here (FS_ENOTFOUND), in region (a region name), or everywhere
 * (region NULL: the "*" row and every region row of id are written).
 * Offering or withdrawing in one region when id has no "*" row yet also
 * writes one, so that the kiosks of other regions learn it too: an offer
 * to R narrows "everywhere" to the regions named ("*" withdrawn), a
 * withdrawal from R makes it "everywhere but R" ("*" offered). A row
 * already saying so is not written again. One write transaction; *changed
 * (may be NULL) is 1 when a row was written. FS_EINVAL for a bad region
 * name; FS_ECONFLICT when id is retired (fs_offer_retire 0 first). */
int fs_offer_set(fs_store *s, const char *id, const char *region, int offered, int *changed,
                 fs_err *err);

/* Retire (retired 1) questionnaire id, every version, or bring it back
 * (0): the "*" row's retired flag (its offered flag and the region rows
 * are kept, so bringing it back restores the offers as they were). id
 * must be published here (FS_ENOTFOUND). *changed as fs_offer_set. */
int fs_offer_retire(fs_store *s, const char *id, int retired, int *changed, fs_err *err);

/* Whether a kiosk of region (NULL or "": the "*" row only) lists
 * questionnaire id: *listed 1 or 0, by the rule above. */
int fs_offer_listed(fs_store *s, const char *id, const char *region, int *listed, fs_err *err);

/* The offers of id as {"everywhere": bool (the "*" row, or true without
 * one), "retired": bool, "regions": [names offered], "withdrawn": [names
 * withdrawn]}, names in byte order; a new reference in *out. */
int fs_offer_describe(fs_store *s, const char *id, json_t **out, fs_err *err);

/* Live responses per questionnaire version held here: {"ID": {"VERSION":
 * count, ...}, ...} (a new reference in *out); tombstones not counted. */
int fs_offer_response_counts(fs_store *s, json_t **out, fs_err *err);

#endif
