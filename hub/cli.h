/* fieldsync-hub: helpers shared by the subcommands: one-line errors, the
 * data directory and its store, durations, whole files. */
#ifndef HUB_CLI_H
#define HUB_CLI_H

#include <stddef.h>
#include <stdint.h>

#include "fieldsync/buf.h"
#include "fieldsync/error.h"
#include "fieldsync/store.h"

#define HUB_PROG "fieldsync-hub"

/* Exit statuses of every subcommand. */
#define HUB_EXIT_OK    0
#define HUB_EXIT_FAIL  1 /* the command failed */
#define HUB_EXIT_USAGE 2 /* bad arguments */

/* The store file inside the data directory. */
#define HUB_STORE_FILE "hub.db"
/* The hub's site id. */
#define HUB_SITE "hub"

/* Print "fieldsync-hub: <message>" on one line to stderr; returns
 * HUB_EXIT_FAIL so commands can `return hub_fail(...)`. */
int hub_fail(const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 1, 2)))
#endif
    ;

/* The same for bad arguments: adds a hint to run CMD --help and returns
 * HUB_EXIT_USAGE. */
int hub_usage_fail(const char *cmd, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;

/* The data directory: opt (the --data value) or else $FIELDSYNC_DATA;
 * NULL when neither is set (or set to ""). Borrowed. */
const char *hub_data_dir(const char *opt);

/* Open the hub store DIR/hub.db: the directory is created (mode 0700, with
 * missing parents) and the store created with site id "hub" on first use.
 * FS_ECONFLICT when the file is some other site's store. *out is closed
 * with fs_store_close. */
int hub_store_open(fs_store **out, const char *dir, fs_err *err);
/* The same with a page cache of cache_kib KiB for the handle (0: the
 * default; fs_store_options.cache_kib). The store is opened as a hub's:
 * with the device registry (backend.h). */
int hub_store_open_cached(fs_store **out, const char *dir, int64_t cache_kib, fs_err *err);

/* Parse a duration such as "90s", "15m", "24h", "7d" (a bare number is
 * seconds) into ms. 0 or -1 (malformed, zero, or over 10 years). */
int hub_duration_parse(uint64_t *out_ms, const char *text);

/* Parse a decimal integer from min to max; 0 or -1. */
int hub_uint_parse(unsigned *out, const char *text, unsigned min, unsigned max);

/* Read the whole file at path into out (initialised here with cap).
 * FS_ENOTFOUND, FS_ETOOBIG or FS_EGENERIC with a message naming path.
 * The caller frees out with fs_buf_free in every case. */
int hub_file_read(fs_buf *out, const char *path, size_t cap, fs_err *err);

#endif
