/* fieldsync kiosk UI: "you said, we did" updates (docs/reciprocity.md),
 * as this kiosk holds them (core's updates.h: its region's and every
 * region's, received from the hub). */
#ifndef FIELDSYNC_UI_UPDATES_H
#define FIELDSYNC_UI_UPDATES_H

#include "http_server.h"
#include "ui_internal.h"

/* GET /api/updates: {"today", "updates": [{"id", "questionnaire" (or
 * null), "title" {...}, "text" {...}, "image" (null or {"type", "width",
 * "height"})}]}, the updates current by the kiosk's date (starts <= today
 * <= ends), newest first; the page picks each text's language. */
void ui_updates_list(fs_ui *ui, ui_reply *r);

/* GET /api/updates/ID/image: the image's bytes with its Content-Type (the
 * page headers: nosniff, no-store, same-origin). 1 when path is such a
 * request (out then answered, a 404 for no such image), 0 otherwise. */
int ui_updates_image(fs_ui *ui, const char *method, const char *path, fs_http_reply *out);

#endif
