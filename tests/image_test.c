/* The images of updates (image.h): PNGs and JPEGs made here byte by byte,
 * cleaned (metadata dropped, what decoding needs kept, the result its own
 * cleaned copy), and hostile ones refused with a message naming the byte:
 * truncated files, oversized and zero dimensions, wrong CRCs, chunk and
 * segment lengths past the end, a deflate stream longer or shorter than
 * the rows, unknown critical chunks, arithmetic JPEGs, random bytes. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "fieldsync/image.h"
#include "test.h"

typedef struct bytes {
	unsigned char d[1 << 20];
	size_t n;
} bytes;

static bytes a, b;

static void put(bytes *x, const void *p, size_t n)
{
	memcpy(x->d + x->n, p, n);
	x->n += n;
}

static void put32(bytes *x, uint32_t v)
{
	unsigned char p[4] = {(unsigned char)(v >> 24), (unsigned char)(v >> 16),
	                      (unsigned char)(v >> 8), (unsigned char)v};
	put(x, p, 4);
}

static void chunk(bytes *x, const char *type, const void *data, uint32_t len)
{
	uLong crc = crc32(0L, Z_NULL, 0);

	put32(x, len);
	put(x, type, 4);
	if (len)
		put(x, data, len);
	crc = crc32(crc, (const unsigned char *)type, 4);
	crc = crc32(crc, data, len);
	put32(x, (uint32_t)crc);
}

/* An RGB PNG of w x h (8 bits), its rows all grey, with a tEXt before
 * the image data and a tIME after when meta; rows_extra adds (or, when
 * negative, removes) bytes of the inflated stream. */
static void png(bytes *x, uint32_t w, uint32_t h, int meta, long rows_extra)
{
	static const unsigned char sig[8] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};
	unsigned char ihdr[13], *raw, *z;
	size_t rawn = (size_t)h * (1 + (size_t)w * 3);
	uLongf zn;

	x->n = 0;
	put(x, sig, 8);
	ihdr[0] = (unsigned char)(w >> 24), ihdr[1] = (unsigned char)(w >> 16);
	ihdr[2] = (unsigned char)(w >> 8), ihdr[3] = (unsigned char)w;
	ihdr[4] = (unsigned char)(h >> 24), ihdr[5] = (unsigned char)(h >> 16);
	ihdr[6] = (unsigned char)(h >> 8), ihdr[7] = (unsigned char)h;
	ihdr[8] = 8, ihdr[9] = 2, ihdr[10] = 0, ihdr[11] = 0, ihdr[12] = 0;
	chunk(x, "IHDR", ihdr, 13);
	if (meta)
		chunk(x, "tEXt", "Author\0Ann Example, 12 High St", 30);
	rawn = (size_t)((long)rawn + rows_extra);
	raw = calloc(rawn + 1, 1);
	memset(raw, 0x80, rawn);
	zn = compressBound(rawn);
	z = malloc(zn);
	compress(z, &zn, raw, rawn);
	/* The stream in two IDATs, as encoders split it. */
	chunk(x, "IDAT", z, (uint32_t)(zn / 2));
	chunk(x, "IDAT", z + zn / 2, (uint32_t)(zn - zn / 2));
	if (meta)
		chunk(x, "tIME", "\x07\xea\x0c\x02\x10\x00\x00", 7);
	chunk(x, "IEND", "", 0);
	free(raw);
	free(z);
}

static int clean(const bytes *in, fs_buf *out, fs_image_info *info, fs_err *e)
{
	memset(e, 0, sizeof(*e));
	fs_buf_reset(out);
	return fs_image_clean(in->d, in->n, out, info, e);
}

static int has(const unsigned char *p, size_t n, const char *s)
{
	size_t k = strlen(s), i;

	for (i = 0; i + k <= n; i++)
		if (memcmp(p + i, s, k) == 0)
			return 1;
	return 0;
}

static void png_metadata_dropped(void)
{
	fs_buf out;
	fs_image_info info;
	fs_err e;

	fs_buf_init(&out, FS_IMAGE_MAX);
	png(&a, 40, 30, 1, 0);
	CHECK_MSG(clean(&a, &out, &info, &e) == 0, "%s", e.msg);
	CHECK(info.type == FS_IMAGE_PNG && info.width == 40 && info.height == 30);
	CHECK(has(a.d, a.n, "Ann Example") && !has((unsigned char *)out.data, out.len, "Ann Example"));
	CHECK(!has((unsigned char *)out.data, out.len, "tIME"));
	CHECK(has((unsigned char *)out.data, out.len, "IDAT") && out.len < a.n);
	/* The same image made without metadata is what cleaning gives. */
	png(&b, 40, 30, 0, 0);
	CHECK(out.len == b.n && memcmp(out.data, b.d, b.n) == 0);
	CHECK(fs_image_is_clean(b.d, b.n, NULL) && !fs_image_is_clean(a.d, a.n, NULL));
	CHECK_STR(fs_image_mime(info.type), "image/png");
	fs_buf_free(&out);
}

static void refused(const bytes *in, int code, const char *msg_part)
{
	fs_buf out;
	fs_err e;

	fs_buf_init(&out, FS_IMAGE_MAX);
	CHECK_MSG(clean(in, &out, NULL, &e) == code, "code %d: %s", e.code, e.msg);
	CHECK_MSG(strstr(e.msg, msg_part) != NULL, "message: %s", e.msg);
	CHECK(out.len == 0);
	CHECK(!fs_image_is_clean(in->d, in->n, NULL));
	fs_buf_free(&out);
}

/* 1 when no proper prefix of x is accepted (a truncated file). */
static int no_prefix_accepted(const bytes *x)
{
	fs_buf out;
	size_t n;
	int ok = 1;

	fs_buf_init(&out, FS_IMAGE_MAX);
	for (n = 0; ok && n < x->n; n++) {
		fs_err e = {0, ""};

		fs_buf_reset(&out);
		ok = fs_image_clean(x->d, n, &out, NULL, &e) != 0;
		if (!ok)
			fprintf(stderr, "accepted %zu of %zu bytes\n", n, x->n);
	}
	fs_buf_free(&out);
	return ok;
}

static void png_hostile(void)
{

	/* Truncated anywhere: never accepted. */
	png(&b, 16, 16, 0, 0);
	CHECK(no_prefix_accepted(&b));
	memcpy(&a, &b, sizeof(a));
	a.n -= 12;
	refused(&a, FS_EINVAL, "truncated at byte");
	/* A wrong CRC (one bit of IHDR's data). */
	memcpy(&a, &b, sizeof(a));
	a.d[8 + 8 + 3] ^= 1;
	refused(&a, FS_EINVAL, "byte 8: CRC does not match");
	/* A chunk length far past the end (and past 2^31). */
	memcpy(&a, &b, sizeof(a));
	a.d[33] = 0xff, a.d[34] = 0xff, a.d[35] = 0xff, a.d[36] = 0xf0;
	refused(&a, FS_EINVAL, "byte 33 says 4294967280 bytes");
	/* Oversized and empty dimensions. */
	png(&a, 2049, 1, 0, 0);
	refused(&a, FS_ETOOBIG, "2049x1 pixels, over 2048");
	png(&a, 1, 0, 0, 0);
	refused(&a, FS_EINVAL, "must not be 0");
	/* A huge image whose stream is tiny: the rows do not match. */
	png(&a, 2048, 2048, 0, -(long)(2048 * (1 + 2048 * 3)) + 10);
	refused(&a, FS_EINVAL, "shorter than IHDR says");
	/* More data than the rows: stopped as soon as it passes them. */
	png(&a, 8, 8, 0, 4096);
	refused(&a, FS_EINVAL, "longer than the 8x8 pixels");
	/* An unknown critical chunk. */
	png(&a, 4, 4, 0, 0);
	a.n -= 12;
	chunk(&a, "ZZZZ", "x", 1);
	chunk(&a, "IEND", "", 0);
	refused(&a, FS_EINVAL, "critical type");
	/* The first chunk is not IHDR. */
	b.n = 8;
	memcpy(b.d, a.d, 8);
	chunk(&b, "tEXt", "a\0b", 3);
	refused(&b, FS_EINVAL, "first chunk must be IHDR");
	/* Not an image at all. */
	memcpy(a.d, "GIF89a....", 10);
	a.n = 10;
	refused(&a, FS_EINVAL, "not a PNG or JPEG");
}

/* A JPEG's structure (the decoder is the browser's; the walk checks the
 * structure): SOI, an EXIF APP1, a COM, DQT, SOF0 of w x h, DHT, SOS and
 * entropy data holding a stuffed 0xFF00 and a restart marker, EOI. */
static void jpeg(bytes *x, unsigned w, unsigned h, unsigned sof, int meta)
{
	unsigned char dqt[67] = {0}, sofs[11], dht[21] = {0}, sos[8] = {1, 1, 0, 0, 63, 0};
	unsigned char data[] = {0x12, 0x34, 0xff, 0x00, 0x56, 0xff, 0xd0, 0x78};

	x->n = 0;
	put(x, "\xff\xd8", 2);
	if (meta) {
		put(x, "\xff\xe1\x00\x1c" "Exif\0\0GPS 51.5N 0.1W here", 2 + 28);
		put(x, "\xff\xfe\x00\x0e" "camera owner", 2 + 14);
	}
	put(x, "\xff\xdb\x00\x43", 4);
	put(x, dqt, 65);
	sofs[0] = 8, sofs[1] = (unsigned char)(h >> 8), sofs[2] = (unsigned char)h;
	sofs[3] = (unsigned char)(w >> 8), sofs[4] = (unsigned char)w, sofs[5] = 1;
	sofs[6] = 1, sofs[7] = 0x11, sofs[8] = 0;
	put(x, (unsigned char[]){0xff, (unsigned char)sof, 0x00, 0x0b}, 4);
	put(x, sofs, 9);
	put(x, "\xff\xc4\x00\x14", 4);
	put(x, dht, 18);
	put(x, "\xff\xda\x00\x08", 4);
	put(x, sos, 6);
	put(x, data, sizeof(data));
	put(x, "\xff\xd9", 2);
	if (meta)
		put(x, "PK\x03\x04 trailing zip", 17);
}

static void jpeg_metadata_dropped(void)
{
	fs_buf out;
	fs_image_info info;
	fs_err e;

	fs_buf_init(&out, FS_IMAGE_MAX);
	jpeg(&a, 640, 480, 0xc0, 1);
	CHECK_MSG(clean(&a, &out, &info, &e) == 0, "%s", e.msg);
	CHECK(info.type == FS_IMAGE_JPEG && info.width == 640 && info.height == 480);
	CHECK(!has((unsigned char *)out.data, out.len, "GPS") &&
	      !has((unsigned char *)out.data, out.len, "camera") &&
	      !has((unsigned char *)out.data, out.len, "PK"));
	jpeg(&b, 640, 480, 0xc0, 0);
	CHECK(out.len == b.n && memcmp(out.data, b.d, b.n) == 0);
	CHECK(fs_image_is_clean(b.d, b.n, NULL) && !fs_image_is_clean(a.d, a.n, NULL));
	CHECK_STR(fs_image_mime(info.type), "image/jpeg");
	/* Progressive is accepted too. */
	jpeg(&b, 64, 64, 0xc2, 0);
	CHECK(fs_image_is_clean(b.d, b.n, NULL));
	fs_buf_free(&out);
}

static void jpeg_hostile(void)
{
	jpeg(&b, 32, 32, 0xc0, 0);
	CHECK(no_prefix_accepted(&b));
	jpeg(&a, 4096, 10, 0xc0, 0);
	refused(&a, FS_ETOOBIG, "4096x10 pixels");
	jpeg(&a, 10, 0, 0xc0, 0); /* height from a DNL segment */
	refused(&a, FS_EINVAL, "must not be 0");
	jpeg(&a, 10, 10, 0xc9, 0); /* arithmetic coding */
	refused(&a, FS_EINVAL, "only baseline and progressive");
	/* A segment length past the end. */
	jpeg(&a, 10, 10, 0xc0, 0);
	a.d[4] = 0xff, a.d[5] = 0xff;
	refused(&a, FS_EINVAL, "longer than the file");
	/* No SOF before the scan. */
	a.n = 0;
	put(&a, "\xff\xd8\xff\xda\x00\x08\x01\x01\x00\x00\x3f\x00\x11\xff\xd9", 15);
	refused(&a, FS_EINVAL, "SOS at byte 2 before SOF");
	/* EOI with no scan. */
	a.n = 0;
	put(&a, "\xff\xd8\xff\xd9", 4);
	refused(&a, FS_EINVAL, "before any scan");
}

/* Random bytes behind each signature: never a crash, never accepted
 * unless clean (run under the sanitizer build too). */
static void random_bytes(void)
{
	unsigned seed = 12345;
	int i;
	size_t k;

	for (i = 0; i < 2000; i++) {
		fs_buf out;
		fs_err e = {0, ""};

		if (i % 2)
			png(&a, 8, 8, 1, 0);
		else
			jpeg(&a, 8, 8, 0xc0, 1);
		for (k = 0; k < 4; k++) {
			seed = seed * 1103515245u + 12345u;
			a.d[8 + (seed >> 8) % (a.n - 8)] = (unsigned char)(seed >> 20);
		}
		fs_buf_init(&out, FS_IMAGE_MAX);
		if (fs_image_clean(a.d, a.n, &out, NULL, &e) == 0)
			CHECK(fs_image_is_clean((unsigned char *)out.data, out.len, NULL));
		fs_buf_free(&out);
	}
}

static void size_caps(void)
{
	fs_buf out;
	fs_err e;

	/* Noise compresses to about its size: over the output cap. */
	fs_buf_init(&out, FS_IMAGE_INPUT_MAX);
	png(&a, 400, 400, 0, 0);
	CHECK(clean(&a, &out, NULL, &e) == 0);
	a.n = FS_IMAGE_INPUT_MAX + 1;
	refused(&a, FS_ETOOBIG, "over the cap of 1048576");
	fs_buf_free(&out);
}

static void big_cleaned_refused(void)
{
	fs_buf out;
	fs_err e;
	unsigned seed = 7;
	size_t i;

	/* A JPEG whose scan is 200 KiB: over FS_IMAGE_MAX once cleaned. */
	jpeg(&a, 2000, 2000, 0xc0, 0);
	a.n -= 2 + 8;
	for (i = 0; i < 200 * 1024; i++) {
		seed = seed * 1103515245u + 12345u;
		a.d[a.n++] = (unsigned char)((seed >> 16) % 0xfe);
	}
	put(&a, "\xff\xd9", 2);
	fs_buf_init(&out, FS_IMAGE_INPUT_MAX);
	CHECK(clean(&a, &out, NULL, &e) == FS_ETOOBIG);
	CHECK_MSG(strstr(e.msg, "over 163840 bytes") != NULL, "%s", e.msg);
	CHECK(out.len == 0);
	fs_buf_free(&out);
}

int main(void)
{
	RUN(png_metadata_dropped);
	RUN(png_hostile);
	RUN(jpeg_metadata_dropped);
	RUN(jpeg_hostile);
	RUN(random_bytes);
	RUN(size_caps);
	RUN(big_cleaned_refused);
	return TEST_DONE();
}
