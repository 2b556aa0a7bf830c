/* fieldsync: gzip (RFC 1952) in and out, with a hard cap on inflation so a
 * small hostile body cannot expand into gigabytes: inflation stops as soon
 * as the output would pass the cap, using at most cap bytes of memory. */
#ifndef FIELDSYNC_GZIP_H
#define FIELDSYNC_GZIP_H

#include <stddef.h>

#include "fieldsync/buf.h"
#include "fieldsync/error.h"

/* Compress n bytes of data as one gzip member, appended to out.
 * Returns 0, FS_ETOOBIG (out's cap), FS_ENOMEM or FS_EGENERIC. */
int fs_gzip_compress(fs_buf *out, const void *data, size_t n, int level, fs_err *err);

/* Inflate a gzip body into out (whose cap is the inflation cap). The input
 * must be exactly one complete gzip member: truncated data, trailing bytes
 * and CRC or length mismatches are refused. Returns 0, FS_EBADGZIP (not
 * gzip, corrupt or truncated), FS_ETOOBIG (inflates past out->cap) or
 * FS_ENOMEM. On error out may hold partial data; the caller discards it. */
int fs_gzip_inflate(fs_buf *out, const void *data, size_t n, fs_err *err);

/* Receives inflated data in order, in pieces of at most 16 KiB; returns 0
 * to go on, or a negative fs_error code (with err set) to stop. */
typedef int (*fs_gzip_sink)(void *ctx, const void *data, size_t n, fs_err *err);

/* Inflate like fs_gzip_inflate, but hand the output to sink piece by piece
 * as it is inflated, so the consumer can refuse (a cap, a pre-scan) before
 * the rest is inflated. The checks of the gzip data are the same; a code
 * the sink returns is returned unchanged (its ctx can record that it was
 * the sink that stopped). */
int fs_gzip_inflate_each(const void *data, size_t n, fs_gzip_sink sink, void *ctx, fs_err *err);

#endif
