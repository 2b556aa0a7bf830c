/* fieldsync: "you said, we did" updates (docs/reciprocity.md; schema/
 * 012_updates.sql; docs/changeset.md "Updates").
 *
 * A hub's admin publishes short updates, each a title and a text in one or
 * more languages, for one region or every region ("*"), optionally linked
 * to a questionnaire, shown by a kiosk from its starts date to its ends
 * date (the kiosk's clock, inclusive), optionally with an image. They are
 * a replicated record table (tables.h) written only at a hub and sent to
 * the kiosks of the row's region ("*": every kiosk); a kiosk may never
 * send one (403).
 *
 * A removal is a write too: the row keeps its id and target, its content
 * goes (title and text "{}", no image, no questionnaire) and "removed" is
 * true. (The engine's "deleted" tombstones keep only the key, and a kiosk
 * receives a row by its target, a value column that may say "*": a
 * tombstone would never reach the region's kiosks.) For the same reason an
 * update's target never changes: remove it and publish a new one.
 *
 * Texts: an object from language tag (questionnaire-format.md's rule, at
 * most FS_UPDATE_LANGUAGES_MAX, unique ignoring case) to a non-empty
 * string, stored as compact JSON text in the order given; the first
 * language is the update's default, which a kiosk shows when the person's
 * language (or its base language) is not there. The text has exactly the
 * title's languages. Titles are one line of at most FS_UPDATE_TITLE_CHARS
 * characters, texts at most FS_UPDATE_TEXT_CHARS characters with line
 * breaks; no other control characters. The column texts are at most
 * FS_UPDATE_TITLE_BYTES and FS_UPDATE_TEXT_BYTES bytes, so that with an
 * image at its cap (base64) a change's body stays within the change set's
 * 256 KiB value cap. The image is a cleaned PNG or JPEG (image.h) as
 * standard base64, in the row. */
#ifndef FIELDSYNC_UPDATES_H
#define FIELDSYNC_UPDATES_H

#include <jansson.h>

#include "fieldsync/buf.h"
#include "fieldsync/error.h"
#include "fieldsync/image.h"
#include "fieldsync/store.h"

#define FS_UPDATE_EVERYWHERE    "*"
#define FS_UPDATE_TITLE_CHARS   120
#define FS_UPDATE_TEXT_CHARS    1000
#define FS_UPDATE_LANGUAGES_MAX 32
#define FS_UPDATE_TITLE_BYTES   4096
#define FS_UPDATE_TEXT_BYTES    16384

/* The column rules (tables.c uses them; 1 when valid). */
int fs_update_title_is_valid(const char *json_text); /* "{}" too: a removed row's */
int fs_update_text_is_valid(const char *json_text);
int fs_update_image_is_valid(const char *b64);       /* "" or a clean image's base64 */
struct fs_record_row;
/* The rule across columns (tables.h .check): the column broken, or -1. */
int fs_update_row_check(const struct fs_record_row *r);

/* At a hub: publish (create 1) or replace (create 0) an update from u, an
 * object of
 *   "id"            optional at create (a new UUID), required to edit;
 *                   [a-z0-9][a-z0-9-]{0,63}
 *   "target"        "*" or a region name; an edit may not change it
 *   "questionnaire" optional: the id of a questionnaire published here
 *   "title", "text" objects from language tag to text (the rules above)
 *   "starts", "ends" "YYYY-MM-DD", starts <= ends
 *   "image"         optional: the image file's bytes as base64 (cleaned
 *                   here, image.h); to edit, true keeps the stored image
 * and no other key. The new id is copied to id (FS_ID_MAX + 1 bytes).
 * One write transaction; an edit that changes nothing writes nothing
 * (*changed, may be NULL, says). FS_EINVAL with the key and the rule;
 * FS_ETOOBIG for an image over its caps; FS_ENOTFOUND to edit an id that
 * is not a live update, or for an unpublished questionnaire; FS_ECONFLICT
 * to create an id that exists or to change a target; FS_EINVAL on a
 * kiosk's store. */
int fs_update_put(fs_store *hub, const json_t *u, int create, char *id, int *changed,
                  fs_err *err);

/* At a hub: remove update id (the removal replicates). FS_ENOTFOUND when
 * it is not a live update. */
int fs_update_remove(fs_store *hub, const char *id, fs_err *err);

typedef struct fs_update_filter {
	const char *region;        /* NULL: every row; else the region's and "*" rows */
	const char *today;         /* NULL: any date; else starts <= today <= ends */
	const char *questionnaire; /* NULL: any; else linked to it */
	const char *id;            /* NULL: any; else that one */
	int with_removed;
} fs_update_filter;

/* The updates that pass f as a new array of {"id", "target",
 * "questionnaire" (null when none), "title" {...}, "text" {...}, "starts",
 * "ends", "image" (null or {"type", "width", "height", "bytes"}),
 * "removed", "updated_at"}, newest starts first, then by id. */
int fs_update_list(fs_store *s, const fs_update_filter *f, json_t **out, fs_err *err);

/* The image of live update id, its bytes appended to out (cap at least
 * FS_IMAGE_MAX), its type in info. FS_ENOTFOUND when there is no such
 * update or it has no image. */
int fs_update_image(fs_store *s, const char *id, fs_buf *out, fs_image_info *info, fs_err *err);

#endif
