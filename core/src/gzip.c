#include "fieldsync/gzip.h"

#include <limits.h>
#include <string.h>
#include <zlib.h>

/* windowBits 15 + 16 selects the gzip wrapper in zlib. */
#define GZIP_WBITS (15 + 16)

int fs_gzip_compress(fs_buf *out, const void *data, size_t n, int level, fs_err *err)
{
	z_stream zs;
	unsigned char chunk[16384];
	int zrc, rc = 0;

	if (n > UINT_MAX)
		return fs_err_set(err, FS_ETOOBIG, "gzip: input of %zu bytes is too large", n);
	memset(&zs, 0, sizeof(zs));
	if (deflateInit2(&zs, level, Z_DEFLATED, GZIP_WBITS, 8, Z_DEFAULT_STRATEGY) != Z_OK)
		return fs_err_set(err, FS_ENOMEM, "gzip: cannot start compressor");
	zs.next_in = (unsigned char *)data;
	zs.avail_in = (uInt)n;
	do {
		zs.next_out = chunk;
		zs.avail_out = sizeof(chunk);
		zrc = deflate(&zs, Z_FINISH);
		if (zrc == Z_STREAM_ERROR) {
			rc = fs_err_set(err, FS_EGENERIC, "gzip: compressor failed");
			goto cleanup;
		}
		rc = fs_buf_append(out, chunk, sizeof(chunk) - zs.avail_out);
		if (rc == FS_ETOOBIG) {
			fs_err_set(err, rc, "gzip: compressed output passes its cap of %zu bytes",
				   out->cap);
			goto cleanup;
		}
		if (rc != 0) {
			fs_err_set(err, rc, "gzip: out of memory");
			goto cleanup;
		}
	} while (zrc != Z_STREAM_END);
cleanup:
	deflateEnd(&zs);
	return rc;
}

int fs_gzip_inflate_each(const void *data, size_t n, fs_gzip_sink sink, void *ctx, fs_err *err)
{
	z_stream zs;
	unsigned char chunk[16384];
	int zrc, rc = 0;

	if (n > UINT_MAX)
		return fs_err_set(err, FS_ETOOBIG, "gzip: body of %zu bytes is too large", n);
	if (n == 0)
		return fs_err_set(err, FS_EBADGZIP, "gzip: body is empty");
	/* Shorter members than a header and trailer are reported by zlib as
	 * truncated, which is what they are. */
	if (n < 2 || ((const unsigned char *)data)[0] != 0x1f ||
	    ((const unsigned char *)data)[1] != 0x8b)
		return fs_err_set(err, FS_EBADGZIP, "gzip: body is not gzip data (bad magic bytes)");
	memset(&zs, 0, sizeof(zs));
	if (inflateInit2(&zs, GZIP_WBITS) != Z_OK)
		return fs_err_set(err, FS_ENOMEM, "gzip: cannot start decompressor");
	zs.next_in = (unsigned char *)data;
	zs.avail_in = (uInt)n;
	for (;;) {
		zs.next_out = chunk;
		zs.avail_out = sizeof(chunk);
		zrc = inflate(&zs, Z_NO_FLUSH);
		if (zrc != Z_OK && zrc != Z_STREAM_END && zrc != Z_BUF_ERROR) {
			rc = fs_err_set(err, zrc == Z_MEM_ERROR ? FS_ENOMEM : FS_EBADGZIP,
					"gzip: corrupt data at byte %lu (%s)", zs.total_in,
					zs.msg ? zs.msg : "inflate error");
			goto cleanup;
		}
		if (zs.avail_out != sizeof(chunk)) {
			rc = sink(ctx, chunk, sizeof(chunk) - zs.avail_out, err);
			if (rc != 0)
				goto cleanup;
		}
		if (zrc == Z_STREAM_END)
			break;
		if (zrc == Z_BUF_ERROR || (zs.avail_in == 0 && zs.avail_out != 0)) {
			rc = fs_err_set(err, FS_EBADGZIP, "gzip: data is truncated after %lu bytes",
					zs.total_in);
			goto cleanup;
		}
	}
	if (zs.avail_in != 0)
		rc = fs_err_set(err, FS_EBADGZIP, "gzip: %u unexpected bytes after the gzip data",
				zs.avail_in);
cleanup:
	inflateEnd(&zs);
	return rc;
}

static int append_sink(void *ctx, const void *data, size_t n, fs_err *err)
{
	fs_buf *out = ctx;
	int rc = fs_buf_append(out, data, n);

	if (rc == FS_ETOOBIG)
		return fs_err_set(err, rc, "gzip: body inflates past the cap of %zu bytes", out->cap);
	if (rc != 0)
		return fs_err_set(err, rc, "gzip: out of memory");
	return 0;
}

int fs_gzip_inflate(fs_buf *out, const void *data, size_t n, fs_err *err)
{
	return fs_gzip_inflate_each(data, n, append_sink, out, err);
}
