/* fieldsync kiosk UI: the small JSON files it keeps in the DATA directory
 * (workers.json, pin-guard.json, ui.json), read with a size cap and written
 * atomically (temporary file, fsync, rename, fsync of the directory) with
 * mode 0600, like the agent's own files. */
#ifndef FIELDSYNC_UI_FILE_H
#define FIELDSYNC_UI_FILE_H

#include <jansson.h>

#include "fieldsync/error.h"

#define UI_FILE_MAX (1u << 20)

/* Read DIR/NAME as a JSON object. A missing file gives *out = NULL and 0.
 * FS_EINVAL when it is not a JSON object (the message names the file,
 * never its content). *out is a new reference. */
int ui_file_read(json_t **out, const char *dir, const char *name, fs_err *err);

/* Write v (borrowed) to DIR/NAME atomically, mode 0600. */
int ui_file_write(const char *dir, const char *name, const json_t *v, fs_err *err);

#endif
