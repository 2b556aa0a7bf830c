/* fieldsync-hub console: the pages' files, embedded at build time from
 * hub/console/www/ (cmake/embed_www.cmake, PREFIX console): every file
 * as itself, but page-*.js joined into /pages.js and page-*.css into
 * /pages.css. */
#ifndef HUB_CONSOLE_WWW_ASSETS_H
#define HUB_CONSOLE_WWW_ASSETS_H

#include <stddef.h>

typedef struct console_asset {
	const char *path; /* "/console.js" */
	const char *content_type;
	const unsigned char *data;
	size_t len;
} console_asset;

extern const console_asset console_assets[]; /* ends with path NULL */
extern const unsigned long console_assets_total_bytes;

#endif
