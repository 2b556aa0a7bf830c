/* Tests for core/src/buf.c and core/src/gzip.c: the capped buffer and the
 * gzip codec every body from outside goes through. */
#include "fieldsync/buf.h"
#include "fieldsync/gzip.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "test.h"

/* Some compressible but not trivial text of n bytes. */
static char *sample_text(size_t n)
{
	char *p = malloc(n + 1);
	uint32_t x = 12345;
	size_t i;

	if (p == NULL)
		return NULL;
	for (i = 0; i < n; i++) {
		x = x * 1103515245u + 12345u;
		p[i] = "abcdefgh ijklmnop,\n"[(x >> 16) % 19];
	}
	p[n] = '\0';
	return p;
}

/* gzip of text into out (cap 1 MiB); 0 or the error code. */
static int gzip_of(fs_buf *out, const char *text, size_t n)
{
	fs_buf_init(out, 1 << 20);
	return fs_gzip_compress(out, text, n, 6, NULL);
}

/* ---- buf ---- */

static void buf_append_keeps_nul_and_grows(void)
{
	fs_buf b;
	size_t i;

	fs_buf_init(&b, 100000);
	CHECK(b.data == NULL && b.len == 0 && b.alloc == 0);
	for (i = 0; i < 10000; i++)
		CHECK(fs_buf_append(&b, "0123456789", 10) == 0);
	CHECK(b.len == 100000);
	CHECK(b.data[b.len] == '\0');
	CHECK(b.alloc <= b.cap + 1);
	CHECK(memcmp(b.data + 99990, "0123456789", 10) == 0);
	fs_buf_free(&b);
	CHECK(b.data == NULL && b.len == 0);
}

static void buf_refuses_past_cap_unchanged(void)
{
	fs_buf b;

	fs_buf_init(&b, 8);
	CHECK(fs_buf_puts(&b, "12345") == 0);
	CHECK(fs_buf_append(&b, "6789", 4) == FS_ETOOBIG);
	CHECK(b.len == 5);
	CHECK_STR(b.data, "12345");
	CHECK(fs_buf_append(&b, "678", 3) == 0);
	CHECK_STR(b.data, "12345678");
	CHECK(b.alloc == 9);
	CHECK(fs_buf_append(&b, "", 0) == 0);
	CHECK(fs_buf_append(&b, "9", 1) == FS_ETOOBIG);
	CHECK(fs_buf_append(&b, "9", SIZE_MAX) == FS_ETOOBIG);
	fs_buf_free(&b);
}

static void buf_cap_zero_holds_only_nul(void)
{
	fs_buf b;

	fs_buf_init(&b, 0);
	CHECK(fs_buf_append(&b, "", 0) == 0);
	CHECK(b.data != NULL && b.data[0] == '\0' && b.alloc == 1);
	CHECK(fs_buf_append(&b, "x", 1) == FS_ETOOBIG);
	fs_buf_free(&b);
}

static void buf_cap_size_max_does_not_overflow(void)
{
	fs_buf b;

	fs_buf_init(&b, SIZE_MAX);
	CHECK(fs_buf_puts(&b, "hello") == 0);
	CHECK(b.alloc >= 6);
	CHECK_STR(b.data, "hello");
	fs_buf_free(&b);
}

static void buf_reset_keeps_memory(void)
{
	fs_buf b;
	size_t alloc;

	fs_buf_init(&b, 1000);
	fs_buf_reset(&b); /* before any append: harmless */
	CHECK(fs_buf_puts(&b, "something") == 0);
	alloc = b.alloc;
	fs_buf_reset(&b);
	CHECK(b.len == 0 && b.alloc == alloc && b.data[0] == '\0');
	CHECK(fs_buf_puts(&b, "else") == 0);
	CHECK_STR(b.data, "else");
	fs_buf_free(&b);
}

/* ---- gzip ---- */

static void gzip_round_trip_sizes(void)
{
	static const size_t sizes[] = {0, 1, 17, 16384, 16385, 100000, 1000003};
	size_t i;

	for (i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		char *text = sample_text(sizes[i]);
		fs_buf gz, back;
		fs_err err = {0};
		int rc;

		CHECK(text != NULL);
		CHECK(gzip_of(&gz, text, sizes[i]) == 0);
		CHECK((unsigned char)gz.data[0] == 0x1f && (unsigned char)gz.data[1] == 0x8b);
		fs_buf_init(&back, sizes[i]);
		rc = fs_gzip_inflate(&back, gz.data, gz.len, &err);
		CHECK_MSG(rc == 0, "size %zu: %s", sizes[i], err.msg);
		CHECK(back.len == sizes[i]);
		CHECK(sizes[i] == 0 || memcmp(back.data, text, sizes[i]) == 0);
		fs_buf_free(&gz);
		fs_buf_free(&back);
		free(text);
	}
}

/* Output of exactly the cap fits; one byte less refuses. */
static void gzip_inflate_cap_is_exact(void)
{
	char *text = sample_text(50000);
	fs_buf gz, back;
	fs_err err = {0};

	CHECK(text != NULL);
	CHECK(gzip_of(&gz, text, 50000) == 0);
	fs_buf_init(&back, 50000);
	CHECK(fs_gzip_inflate(&back, gz.data, gz.len, &err) == 0);
	fs_buf_free(&back);
	fs_buf_init(&back, 49999);
	CHECK(fs_gzip_inflate(&back, gz.data, gz.len, &err) == FS_ETOOBIG);
	CHECK_STR(err.msg, "gzip: body inflates past the cap of 49999 bytes");
	CHECK(back.alloc <= back.cap + 1);
	fs_buf_free(&back);
	fs_buf_free(&gz);
	free(text);
}

/* 100 MB of zeros in about 100 KB: inflation stops at the cap and never
 * holds more than the cap in memory. */
static void gzip_inflate_refuses_bomb_within_cap(void)
{
	static unsigned char zeros[65536];
	unsigned char chunk[16384];
	const size_t total = (size_t)100 * 1000 * 1000, cap = (size_t)1 << 20;
	size_t fed = 0;
	z_stream zs;
	fs_buf bomb, out;
	fs_err err = {0};
	int zrc;

	fs_buf_init(&bomb, 1 << 20);
	memset(&zs, 0, sizeof(zs));
	CHECK(deflateInit2(&zs, 9, Z_DEFLATED, 15 + 16, 9, Z_DEFAULT_STRATEGY) == Z_OK);
	do {
		size_t n = total - fed < sizeof(zeros) ? total - fed : sizeof(zeros);

		zs.next_in = zeros;
		zs.avail_in = (uInt)n;
		fed += n;
		do {
			zs.next_out = chunk;
			zs.avail_out = sizeof(chunk);
			zrc = deflate(&zs, fed == total ? Z_FINISH : Z_NO_FLUSH);
			if (fs_buf_append(&bomb, chunk, sizeof(chunk) - zs.avail_out) != 0)
				zrc = Z_STREAM_ERROR;
		} while (zs.avail_out == 0 && zrc != Z_STREAM_ERROR);
	} while (fed < total && zrc != Z_STREAM_ERROR);
	deflateEnd(&zs);
	CHECK(zrc == Z_STREAM_END);
	CHECK(bomb.len < 200 * 1000);

	fs_buf_init(&out, cap);
	CHECK(fs_gzip_inflate(&out, bomb.data, bomb.len, &err) == FS_ETOOBIG);
	CHECK_STR(err.msg, "gzip: body inflates past the cap of 1048576 bytes");
	CHECK(out.alloc <= cap + 1);
	fs_buf_free(&out);
	fs_buf_free(&bomb);
}

static void gzip_inflate_refuses_truncated(void)
{
	char *text = sample_text(40000);
	size_t cuts[4], i;
	fs_buf gz;

	CHECK(text != NULL);
	CHECK(gzip_of(&gz, text, 40000) == 0);
	cuts[0] = gz.len - 1; /* trailer incomplete */
	cuts[1] = gz.len - 8; /* no trailer */
	cuts[2] = gz.len / 2; /* mid-stream */
	cuts[3] = 10;         /* header only */
	for (i = 0; i < 4; i++) {
		fs_buf back;
		fs_err err = {0};

		fs_buf_init(&back, 1 << 20);
		CHECK_MSG(fs_gzip_inflate(&back, gz.data, cuts[i], &err) == FS_EBADGZIP, "cut %zu",
		          cuts[i]);
		CHECK_MSG(strncmp(err.msg, "gzip: data is truncated after ", 30) == 0, "%s",
		          err.msg);
		fs_buf_free(&back);
	}
	fs_buf_free(&gz);
	free(text);
}

static void gzip_inflate_refuses_trailing_bytes(void)
{
	fs_buf gz, back;
	fs_err err = {0};
	size_t one;

	CHECK(gzip_of(&gz, "hello", 5) == 0);
	one = gz.len;
	CHECK(fs_buf_append(&gz, "x", 1) == 0);
	fs_buf_init(&back, 1000);
	CHECK(fs_gzip_inflate(&back, gz.data, gz.len, &err) == FS_EBADGZIP);
	CHECK_STR(err.msg, "gzip: 1 unexpected bytes after the gzip data");
	/* A second member is trailing data too: one set is one member. */
	gz.len = one;
	CHECK(fs_gzip_compress(&gz, "world", 5, 6, NULL) == 0);
	fs_buf_reset(&back);
	fs_err_clear(&err);
	CHECK(fs_gzip_inflate(&back, gz.data, gz.len, &err) == FS_EBADGZIP);
	CHECK(strstr(err.msg, "unexpected bytes after the gzip data") != NULL);
	fs_buf_free(&gz);
	fs_buf_free(&back);
}

static void gzip_inflate_refuses_bad_magic(void)
{
	fs_buf gz, back;
	fs_err err = {0};

	CHECK(gzip_of(&gz, "hello", 5) == 0);
	gz.data[1] = 0x8c;
	fs_buf_init(&back, 1000);
	CHECK(fs_gzip_inflate(&back, gz.data, gz.len, &err) == FS_EBADGZIP);
	CHECK_STR(err.msg, "gzip: body is not gzip data (bad magic bytes)");
	fs_err_clear(&err);
	CHECK(fs_gzip_inflate(&back, "{\"format\":1}", 12, &err) == FS_EBADGZIP);
	CHECK_STR(err.msg, "gzip: body is not gzip data (bad magic bytes)");
	fs_err_clear(&err);
	CHECK(fs_gzip_inflate(&back, "\x1f", 1, &err) == FS_EBADGZIP);
	CHECK_STR(err.msg, "gzip: body is not gzip data (bad magic bytes)");
	fs_buf_free(&gz);
	fs_buf_free(&back);
}

static void gzip_inflate_refuses_bad_crc_and_length(void)
{
	fs_buf gz, back;
	fs_err err = {0};

	CHECK(gzip_of(&gz, "hello, world", 12) == 0);
	fs_buf_init(&back, 1000);
	gz.data[gz.len - 8] ^= 0x01; /* CRC-32 */
	CHECK(fs_gzip_inflate(&back, gz.data, gz.len, &err) == FS_EBADGZIP);
	CHECK_MSG(strstr(err.msg, "incorrect data check") != NULL, "%s", err.msg);
	gz.data[gz.len - 8] ^= 0x01;
	gz.data[gz.len - 4] ^= 0x01; /* ISIZE */
	fs_buf_reset(&back);
	fs_err_clear(&err);
	CHECK(fs_gzip_inflate(&back, gz.data, gz.len, &err) == FS_EBADGZIP);
	CHECK_MSG(strstr(err.msg, "incorrect length check") != NULL, "%s", err.msg);
	gz.data[gz.len - 4] ^= 0x01;
	fs_buf_reset(&back);
	fs_err_clear(&err);
	CHECK(fs_gzip_inflate(&back, gz.data, gz.len, &err) == 0);
	CHECK_STR(back.data, "hello, world");
	fs_buf_free(&gz);
	fs_buf_free(&back);
}

static void gzip_inflate_refuses_corrupt_stream(void)
{
	char *text = sample_text(20000);
	fs_buf gz, back;
	fs_err err = {0};
	int rc;

	CHECK(text != NULL);
	CHECK(gzip_of(&gz, text, 20000) == 0);
	memset(gz.data + 10, 0xff, 16); /* an invalid block header */
	fs_buf_init(&back, 1 << 20);
	rc = fs_gzip_inflate(&back, gz.data, gz.len, &err);
	CHECK(rc == FS_EBADGZIP);
	CHECK_MSG(strncmp(err.msg, "gzip: corrupt data at byte ", 27) == 0, "%s", err.msg);
	fs_buf_free(&gz);
	fs_buf_free(&back);
	free(text);
}

static void gzip_inflate_refuses_empty(void)
{
	fs_buf back;
	fs_err err = {0};

	fs_buf_init(&back, 1000);
	CHECK(fs_gzip_inflate(&back, "", 0, &err) == FS_EBADGZIP);
	CHECK_STR(err.msg, "gzip: body is empty");
	fs_buf_free(&back);
}

/* A sink that collects, and stops with FS_ETOOBIG after stop_after bytes. */
typedef struct collector {
	fs_buf all;
	size_t calls, biggest, stop_after;
} collector;

static int collect(void *ctx, const void *data, size_t n, fs_err *err)
{
	collector *c = ctx;

	c->calls++;
	if (n > c->biggest)
		c->biggest = n;
	if (fs_buf_append(&c->all, data, n) != 0)
		return fs_err_set(err, FS_ENOMEM, "collector: out of memory");
	if (c->all.len > c->stop_after)
		return fs_err_set(err, FS_ETOOBIG, "collector: enough");
	return 0;
}

/* The output arrives in order, in pieces of at most 16 KiB; a sink's
 * error stops inflation at once and comes back unchanged. */
static void gzip_inflate_each_streams_and_stops(void)
{
	size_t n = 300000;
	char *text = sample_text(n);
	collector c;
	fs_buf gz;
	fs_err err = {0};

	CHECK(text != NULL);
	CHECK(gzip_of(&gz, text, n) == 0);
	memset(&c, 0, sizeof(c));
	fs_buf_init(&c.all, SIZE_MAX / 2);
	c.stop_after = SIZE_MAX;
	CHECK(fs_gzip_inflate_each(gz.data, gz.len, collect, &c, &err) == 0);
	CHECK(c.all.len == n && memcmp(c.all.data, text, n) == 0);
	CHECK(c.calls >= n / 16384 && c.biggest <= 16384);
	fs_buf_free(&c.all);

	memset(&c, 0, sizeof(c));
	fs_buf_init(&c.all, SIZE_MAX / 2);
	c.stop_after = 20000;
	CHECK(fs_gzip_inflate_each(gz.data, gz.len, collect, &c, &err) == FS_ETOOBIG);
	CHECK_STR(err.msg, "collector: enough");
	CHECK(c.calls == 2 && c.all.len <= 2 * 16384);
	fs_buf_free(&c.all);

	/* Faults of the gzip data are the same as fs_gzip_inflate's. */
	memset(&c, 0, sizeof(c));
	fs_buf_init(&c.all, SIZE_MAX / 2);
	c.stop_after = SIZE_MAX;
	fs_err_clear(&err);
	CHECK(fs_gzip_inflate_each(gz.data, gz.len - 4, collect, &c, &err) == FS_EBADGZIP);
	CHECK(strncmp(err.msg, "gzip: data is truncated", 23) == 0);
	fs_buf_free(&c.all);
	fs_buf_free(&gz);
	free(text);
}

static void gzip_compress_respects_output_cap(void)
{
	char *text = sample_text(100000);
	fs_buf gz;
	fs_err err = {0};

	CHECK(text != NULL);
	fs_buf_init(&gz, 1000);
	CHECK(fs_gzip_compress(&gz, text, 100000, 6, &err) == FS_ETOOBIG);
	CHECK_STR(err.msg, "gzip: compressed output passes its cap of 1000 bytes");
	CHECK(gz.alloc <= gz.cap + 1);
	fs_buf_free(&gz);
	free(text);
}

int main(void)
{
	RUN(buf_append_keeps_nul_and_grows);
	RUN(buf_refuses_past_cap_unchanged);
	RUN(buf_cap_zero_holds_only_nul);
	RUN(buf_cap_size_max_does_not_overflow);
	RUN(buf_reset_keeps_memory);
	RUN(gzip_round_trip_sizes);
	RUN(gzip_inflate_cap_is_exact);
	RUN(gzip_inflate_refuses_bomb_within_cap);
	RUN(gzip_inflate_refuses_truncated);
	RUN(gzip_inflate_refuses_trailing_bytes);
	RUN(gzip_inflate_refuses_bad_magic);
	RUN(gzip_inflate_refuses_bad_crc_and_length);
	RUN(gzip_inflate_refuses_corrupt_stream);
	RUN(gzip_inflate_refuses_empty);
	RUN(gzip_compress_respects_output_cap);
	RUN(gzip_inflate_each_streams_and_stops);
	return TEST_DONE();
}
