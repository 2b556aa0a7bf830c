/* fieldsync: one error convention for the whole library.
 *
 * Every fallible call returns 0 on success or a negative fs_error code and,
 * when the caller passes an fs_err, fills in a human message that names the
 * thing that was wrong (a question id, a JSON path, a change index...).
 * Messages never contain answer values or personal details.
 * The first error set wins: outer layers add nothing over an inner message. */
#ifndef FIELDSYNC_ERROR_H
#define FIELDSYNC_ERROR_H

#include <stddef.h>

typedef enum fs_error {
	FS_OK = 0,
	FS_EGENERIC = -1,   /* unexpected failure (I/O, SQLite, out of memory) */
	FS_EINVAL = -2,     /* input malformed or breaking a rule */
	FS_ENOTFOUND = -3,  /* the named thing does not exist */
	FS_ECONFLICT = -4,  /* clashes with what is stored (immutable record) */
	FS_ETOOBIG = -5,    /* over a size or count cap */
	FS_EVERSION = -6,   /* written by a newer fieldsync, or unknown format */
	FS_ECLOCK = -7,     /* a timestamp too far ahead of this store's clock */
	FS_EFORBIDDEN = -8, /* the sender may not make this change */
	FS_ENOMEM = -9,     /* allocation failed */
	FS_EBUSY = -10,     /* store locked by another writer for too long */
	FS_ELIMIT = -11,    /* too many attempts; try again later */
	FS_EIO = -12,       /* the store's files were removed or replaced while
	                     * open: a write may not be durable */
	FS_EBADGZIP = -13,  /* not one complete gzip member (empty, bad magic,
	                     * corrupt, truncated, trailing bytes) */
	FS_EBADJSON = -14   /* not JSON text: syntax, invalid UTF-8, NUL,
	                     * duplicate keys, empty */
} fs_error;

/* Which code means what to a caller that must tell input faults apart (the
 * hub's HTTP statuses, hub/routes.c): a body that is not gzip is
 * FS_EBADGZIP, gzip that is not JSON FS_EBADJSON, JSON that breaks the
 * change set format FS_EINVAL (FS_EVERSION for an unknown format version,
 * FS_ETOOBIG for a cap), a change the sender may not make FS_EFORBIDDEN, a
 * stamp ahead of the clock FS_ECLOCK. Callers decide by code, never by the
 * message, which is for people and may change. */

#define FS_ERR_MSG_MAX 512

/* Error details: the code and a message. Zero-initialise before use. */
typedef struct fs_err {
	int code;
	char msg[FS_ERR_MSG_MAX];
} fs_err;

/* Set err (may be NULL) unless it already holds an error; returns code.
 * printf-style. */
int fs_err_set(fs_err *err, int code, const char *fmt, ...)
#if defined(__GNUC__)
	__attribute__((format(printf, 3, 4)))
#endif
	;

/* Reset err to "no error". */
void fs_err_clear(fs_err *err);

/* Short stable name of a code, such as "EINVAL". Never NULL. */
const char *fs_error_name(int code);

#endif
