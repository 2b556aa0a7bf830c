/* fieldsync kiosk UI: the page's files, embedded at build time from
 * agent/ui/www/ (cmake/embed_www.cmake). */
#ifndef FIELDSYNC_UI_ASSETS_H
#define FIELDSYNC_UI_ASSETS_H

#include <stddef.h>

typedef struct ui_asset {
	const char *path;         /* "/app.js" */
	const char *content_type;
	const unsigned char *data;
	size_t len;
} ui_asset;

extern const ui_asset ui_assets[];  /* ends with path NULL */
extern const unsigned long ui_assets_total_bytes;

#endif
