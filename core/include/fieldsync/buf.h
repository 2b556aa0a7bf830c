/* fieldsync: one growable byte buffer with a hard size cap, for everything
 * read from outside (bodies, inflated data) and everything encoded.
 * The buffer always keeps a NUL after its data so text can be read as a
 * C string. */
#ifndef FIELDSYNC_BUF_H
#define FIELDSYNC_BUF_H

#include <stddef.h>

#include "fieldsync/error.h"

typedef struct fs_buf {
	char *data;    /* owned; NULL until the first append */
	size_t len;    /* bytes used, not counting the trailing NUL */
	size_t alloc;  /* bytes allocated */
	size_t cap;    /* hard cap on len; appends beyond it fail with FS_ETOOBIG */
} fs_buf;

/* Start an empty buffer that may grow to cap bytes. Allocates nothing. */
void fs_buf_init(fs_buf *b, size_t cap);

/* Append n bytes. Returns 0, FS_ETOOBIG (over cap; b unchanged) or FS_ENOMEM. */
int fs_buf_append(fs_buf *b, const void *data, size_t n);

/* Append a NUL-terminated string. Same errors as fs_buf_append. */
int fs_buf_puts(fs_buf *b, const char *s);

/* Forget the contents, keep the memory. */
void fs_buf_reset(fs_buf *b);

/* Free the memory; b may be reused after fs_buf_init. */
void fs_buf_free(fs_buf *b);

#endif
