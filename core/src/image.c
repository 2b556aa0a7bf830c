/* The images of updates (image.h): a bounded walk of a PNG's chunks or a
 * JPEG's segments that keeps only what decoding needs. Every length read
 * from the input is checked against what is left before it is used; the
 * output is at most the input's size. */
#include "fieldsync/image.h"

#include <stdint.h>
#include <string.h>
#include <zlib.h>

typedef struct walk {
	const unsigned char *in;
	size_t n;
	fs_buf *out;
	size_t start; /* out->len when we began */
	fs_image_info info;
	fs_err *err;
} walk;

static uint32_t be32(const unsigned char *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static unsigned be16(const unsigned char *p)
{
	return (unsigned)p[0] << 8 | p[1];
}

static int emit(walk *w, const unsigned char *p, size_t len)
{
	int rc = fs_buf_append(w->out, p, len);

	if (rc == FS_ETOOBIG)
		return fs_err_set(w->err, FS_ETOOBIG, "image: the cleaned image is over %u bytes",
		                  FS_IMAGE_MAX);
	if (rc != 0)
		return fs_err_set(w->err, FS_ENOMEM, "image: out of memory");
	if (w->out->len - w->start > FS_IMAGE_MAX)
		return fs_err_set(w->err, FS_ETOOBIG, "image: the cleaned image is over %u bytes",
		                  FS_IMAGE_MAX);
	return 0;
}

static int side_ok(walk *w, const char *what, size_t at, uint32_t width, uint32_t height)
{
	if (width == 0 || height == 0)
		return fs_err_set(w->err, FS_EINVAL, "%s at byte %zu: width and height must not be 0",
		                  what, at);
	if (width > FS_IMAGE_SIDE_MAX || height > FS_IMAGE_SIDE_MAX)
		return fs_err_set(w->err, FS_ETOOBIG,
		                  "%s at byte %zu: %lux%lu pixels, over %u pixels a side", what, at,
		                  (unsigned long)width, (unsigned long)height, FS_IMAGE_SIDE_MAX);
	w->info.width = width;
	w->info.height = height;
	return 0;
}

/* ---- PNG ---- */

static const unsigned char png_sig[8] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};

/* The bytes of the filtered rows IHDR describes (Adam7 passes when
 * interlaced): what the IDAT stream must inflate to, exactly. */
static uint64_t png_raw_size(uint32_t width, uint32_t height, unsigned bits_per_pixel,
                             int interlaced)
{
	static const unsigned x0[7] = {0, 4, 0, 2, 0, 1, 0}, y0[7] = {0, 0, 4, 0, 2, 0, 1};
	static const unsigned dx[7] = {8, 8, 4, 4, 2, 2, 1}, dy[7] = {8, 8, 8, 4, 4, 2, 2};
	uint64_t total = 0, pw, ph;
	int p;

	if (!interlaced)
		return (uint64_t)height * (1 + ((uint64_t)width * bits_per_pixel + 7) / 8);
	for (p = 0; p < 7; p++) {
		pw = width > x0[p] ? (width - x0[p] + dx[p] - 1) / dx[p] : 0;
		ph = height > y0[p] ? (height - y0[p] + dy[p] - 1) / dy[p] : 0;
		if (pw > 0 && ph > 0)
			total += ph * (1 + (pw * bits_per_pixel + 7) / 8);
	}
	return total;
}

typedef struct png_state {
	int ihdr, plte, trns, idat, idat_done, iend;
	unsigned colour, depth, palette;
	uint64_t expect, got;
	z_stream z;
	int z_open, z_end;
} png_state;

static int png_ihdr(walk *w, png_state *st, const unsigned char *d, uint32_t len, size_t at)
{
	static const unsigned channels[7] = {1, 0, 3, 1, 2, 0, 4};
	unsigned depth, colour, ok;
	int rc;

	if (len != 13)
		return fs_err_set(w->err, FS_EINVAL, "PNG: IHDR at byte %zu must be 13 bytes", at);
	rc = side_ok(w, "PNG: IHDR", at, be32(d), be32(d + 4));
	if (rc != 0)
		return rc;
	depth = d[8];
	colour = d[9];
	switch (colour) {
	case 0: ok = depth == 1 || depth == 2 || depth == 4 || depth == 8 || depth == 16; break;
	case 3: ok = depth == 1 || depth == 2 || depth == 4 || depth == 8; break;
	case 2: case 4: case 6: ok = depth == 8 || depth == 16; break;
	default: ok = 0;
	}
	if (!ok)
		return fs_err_set(w->err, FS_EINVAL,
		                  "PNG: IHDR at byte %zu: colour type %u with bit depth %u is not a "
		                  "PNG's",
		                  at, colour, depth);
	if (d[10] != 0 || d[11] != 0 || d[12] > 1)
		return fs_err_set(w->err, FS_EINVAL,
		                  "PNG: IHDR at byte %zu: unknown compression, filter or interlace "
		                  "method",
		                  at);
	st->colour = colour;
	st->depth = depth;
	st->expect = png_raw_size(w->info.width, w->info.height, channels[colour] * depth, d[12]);
	return 0;
}

/* Inflate an IDAT's data into a scratch window, counting. */
static int png_idat(walk *w, png_state *st, const unsigned char *d, uint32_t len, size_t at)
{
	unsigned char scratch[32768];
	int zrc;

	if (!st->z_open) {
		memset(&st->z, 0, sizeof(st->z));
		if (inflateInit(&st->z) != Z_OK)
			return fs_err_set(w->err, FS_ENOMEM, "PNG: out of memory");
		st->z_open = 1;
	}
	if (st->z_end) {
		if (len == 0)
			return 0;
		return fs_err_set(w->err, FS_EINVAL,
		                  "PNG: IDAT at byte %zu: data after the end of the image stream", at);
	}
	st->z.next_in = (unsigned char *)d;
	st->z.avail_in = len;
	while (st->z.avail_in > 0 && !st->z_end) {
		st->z.next_out = scratch;
		st->z.avail_out = sizeof(scratch);
		zrc = inflate(&st->z, Z_NO_FLUSH);
		if (zrc != Z_OK && zrc != Z_STREAM_END && zrc != Z_BUF_ERROR)
			return fs_err_set(w->err, FS_EINVAL,
			                  "PNG: IDAT at byte %zu: the image stream is broken", at);
		st->got += sizeof(scratch) - st->z.avail_out;
		if (st->got > st->expect)
			return fs_err_set(w->err, FS_EINVAL,
			                  "PNG: IDAT at byte %zu: the image stream is longer than the "
			                  "%lux%lu pixels IHDR says",
			                  at, (unsigned long)w->info.width,
			                  (unsigned long)w->info.height);
		if (zrc == Z_STREAM_END)
			st->z_end = 1;
		else if (zrc == Z_BUF_ERROR && st->z.avail_out != 0)
			break; /* needs the next IDAT */
	}
	if (st->z_end && st->z.avail_in > 0)
		return fs_err_set(w->err, FS_EINVAL,
		                  "PNG: IDAT at byte %zu: data after the end of the image stream", at);
	return 0;
}

static int png_chunk(walk *w, png_state *st, const unsigned char *type, const unsigned char *d,
                     uint32_t len, size_t at, int *keep)
{
	char name[5];

	memcpy(name, type, 4);
	name[4] = '\0';
	*keep = 0;
	if (!st->ihdr && strcmp(name, "IHDR") != 0)
		return fs_err_set(w->err, FS_EINVAL, "PNG: the first chunk must be IHDR, not at byte %zu",
		                  at);
	if (st->idat && !st->idat_done && strcmp(name, "IDAT") != 0)
		st->idat_done = 1;
	if (strcmp(name, "IHDR") == 0) {
		if (st->ihdr)
			return fs_err_set(w->err, FS_EINVAL, "PNG: a second IHDR at byte %zu", at);
		st->ihdr = *keep = 1;
		return png_ihdr(w, st, d, len, at);
	}
	if (strcmp(name, "PLTE") == 0) {
		if (st->plte || st->idat || st->trns)
			return fs_err_set(w->err, FS_EINVAL, "PNG: PLTE at byte %zu is out of place", at);
		if (len == 0 || len % 3 != 0 || len / 3 > (1u << (st->colour == 3 ? st->depth : 8)))
			return fs_err_set(w->err, FS_EINVAL,
			                  "PNG: PLTE at byte %zu has a wrong length", at);
		if (st->colour == 0 || st->colour == 4)
			return fs_err_set(w->err, FS_EINVAL,
			                  "PNG: PLTE at byte %zu in a greyscale image", at);
		st->plte = *keep = 1;
		st->palette = len / 3;
		return 0;
	}
	if (strcmp(name, "tRNS") == 0) {
		unsigned want = st->colour == 0 ? 2 : st->colour == 2 ? 6 : 0;

		if (st->trns || st->idat || (st->colour == 3 && !st->plte))
			return fs_err_set(w->err, FS_EINVAL, "PNG: tRNS at byte %zu is out of place", at);
		if (st->colour == 4 || st->colour == 6 ||
		    (st->colour == 3 ? len > st->palette : len != want))
			return fs_err_set(w->err, FS_EINVAL,
			                  "PNG: tRNS at byte %zu does not fit the colour type", at);
		st->trns = *keep = 1;
		return 0;
	}
	if (strcmp(name, "IDAT") == 0) {
		if (st->idat_done)
			return fs_err_set(w->err, FS_EINVAL,
			                  "PNG: IDAT at byte %zu: IDAT chunks must follow each other", at);
		if (st->colour == 3 && !st->plte)
			return fs_err_set(w->err, FS_EINVAL,
			                  "PNG: IDAT at byte %zu before the PLTE a palette image needs",
			                  at);
		st->idat = *keep = 1;
		return png_idat(w, st, d, len, at);
	}
	if (strcmp(name, "IEND") == 0) {
		if (len != 0)
			return fs_err_set(w->err, FS_EINVAL, "PNG: IEND at byte %zu must be empty", at);
		if (!st->idat || !st->z_end || st->got != st->expect)
			return fs_err_set(w->err, FS_EINVAL,
			                  "PNG: IEND at byte %zu: the image stream is %s", at,
			                  !st->idat ? "missing" : "shorter than IHDR says");
		st->iend = *keep = 1;
		return 0;
	}
	if (!(type[0] & 0x20))
		return fs_err_set(w->err, FS_EINVAL,
		                  "PNG: chunk at byte %zu is of a critical type this reader does not "
		                  "know",
		                  at);
	return 0; /* ancillary: text, EXIF, time, colour profiles... dropped */
}

static int png_clean(walk *w)
{
	png_state st;
	size_t pos = 8;
	int rc = 0, keep, i;

	memset(&st, 0, sizeof(st));
	w->info.type = FS_IMAGE_PNG;
	rc = emit(w, png_sig, sizeof(png_sig));
	while (rc == 0 && !st.iend) {
		const unsigned char *c = w->in + pos;
		uint32_t len;

		if (w->n - pos < 12) {
			rc = fs_err_set(w->err, FS_EINVAL, "PNG: truncated at byte %zu (no IEND)", pos);
			break;
		}
		len = be32(c);
		if (len > 0x7fffffffu || len > w->n - pos - 12) {
			rc = fs_err_set(w->err, FS_EINVAL,
			                "PNG: chunk at byte %zu says %lu bytes, more than the file holds",
			                pos, (unsigned long)len);
			break;
		}
		for (i = 4; i < 8; i++)
			if (!((c[i] >= 'A' && c[i] <= 'Z') || (c[i] >= 'a' && c[i] <= 'z')))
				break;
		if (i < 8) {
			rc = fs_err_set(w->err, FS_EINVAL, "PNG: chunk at byte %zu has a bad type", pos);
			break;
		}
		if ((uint32_t)crc32(crc32(0L, Z_NULL, 0), c + 4, 4 + len) != be32(c + 8 + len)) {
			rc = fs_err_set(w->err, FS_EINVAL, "PNG: chunk at byte %zu: CRC does not match",
			                pos);
			break;
		}
		rc = png_chunk(w, &st, c + 4, c + 8, len, pos, &keep);
		if (rc == 0 && keep)
			rc = emit(w, c, (size_t)len + 12);
		pos += (size_t)len + 12;
	}
	if (st.z_open)
		inflateEnd(&st.z);
	return rc; /* bytes after IEND are dropped */
}

/* ---- JPEG ---- */

static int jpeg_scan_data(walk *w, size_t *pos)
{
	size_t i = *pos, start = i;

	/* Entropy-coded data: 0xFF is followed by 0x00 (a stuffed byte) or a
	 * restart marker inside it; any other marker ends it. */
	while (i < w->n) {
		if (w->in[i] != 0xff) {
			i++;
			continue;
		}
		if (i + 1 >= w->n)
			break;
		if (w->in[i + 1] == 0x00 || (w->in[i + 1] >= 0xd0 && w->in[i + 1] <= 0xd7)) {
			i += 2;
			continue;
		}
		*pos = i;
		return emit(w, w->in + start, i - start);
	}
	return fs_err_set(w->err, FS_EINVAL, "JPEG: truncated in the scan from byte %zu (no EOI)",
	                  start);
}

static int jpeg_sof(walk *w, const unsigned char *s, unsigned len, size_t at)
{
	unsigned nc;

	if (len < 8)
		return fs_err_set(w->err, FS_EINVAL, "JPEG: SOF at byte %zu is too short", at);
	nc = s[9];
	if (len != 8 + 3 * nc || (nc != 1 && nc != 3 && nc != 4))
		return fs_err_set(w->err, FS_EINVAL,
		                  "JPEG: SOF at byte %zu: 1, 3 or 4 components of 3 bytes each", at);
	if (s[4] != 8)
		return fs_err_set(w->err, FS_EINVAL, "JPEG: SOF at byte %zu: only 8-bit samples", at);
	return side_ok(w, "JPEG: SOF", at, be16(s + 7), be16(s + 5));
}

static int jpeg_clean(walk *w)
{
	static const unsigned char soi[2] = {0xff, 0xd8}, eoi[2] = {0xff, 0xd9};
	size_t pos = 2;
	int rc, sof = 0, scans = 0;

	w->info.type = FS_IMAGE_JPEG;
	rc = emit(w, soi, 2);
	while (rc == 0) {
		const unsigned char *s;
		unsigned m, len;
		size_t at;

		if (pos >= w->n || w->in[pos] != 0xff)
			return pos >= w->n ? fs_err_set(w->err, FS_EINVAL,
			                                "JPEG: truncated at byte %zu (no EOI)", pos)
			                   : fs_err_set(w->err, FS_EINVAL,
			                                "JPEG: byte %zu should start a marker", pos);
		while (pos < w->n && w->in[pos] == 0xff)
			pos++; /* fill bytes */
		if (pos >= w->n)
			return fs_err_set(w->err, FS_EINVAL, "JPEG: truncated at byte %zu (no EOI)", pos);
		at = pos - 1;
		s = w->in + at;
		m = w->in[pos++];
		if (m == 0xd9) {
			if (scans == 0)
				return fs_err_set(w->err, FS_EINVAL, "JPEG: EOI at byte %zu before any scan",
				                  at);
			return emit(w, eoi, 2); /* bytes after EOI are dropped */
		}
		if (m == 0x00 || m == 0x01 || m == 0xd8 || (m >= 0xd0 && m <= 0xd7))
			return fs_err_set(w->err, FS_EINVAL, "JPEG: marker 0x%02X at byte %zu is out of place",
			                  m, at);
		if (w->n - pos < 2 || (len = be16(w->in + pos)) < 2 || len > w->n - pos)
			return fs_err_set(w->err, FS_EINVAL,
			                  "JPEG: segment 0x%02X at byte %zu is longer than the file", m, at);
		pos += len;
		if (m >= 0xe0 && m <= 0xef) { /* APPn: EXIF, XMP, ICC, JFIF... */
			if (m == 0xee && len >= 7 && memcmp(s + 4, "Adobe", 5) == 0)
				rc = emit(w, s, (size_t)len + 2);
			continue;
		}
		if (m == 0xfe) /* COM */
			continue;
		if (m == 0xdb || m == 0xc4 || m == 0xdd) { /* DQT, DHT, DRI */
			if (m == 0xdd && len != 4)
				return fs_err_set(w->err, FS_EINVAL, "JPEG: DRI at byte %zu must be 4 bytes",
				                  at);
			rc = emit(w, s, (size_t)len + 2);
			continue;
		}
		if (m == 0xc0 || m == 0xc1 || m == 0xc2) {
			if (sof++ || scans)
				return fs_err_set(w->err, FS_EINVAL, "JPEG: a second SOF at byte %zu", at);
			rc = jpeg_sof(w, s, len, at);
			if (rc == 0)
				rc = emit(w, s, (size_t)len + 2);
			continue;
		}
		if (m == 0xda) { /* SOS */
			unsigned ns = len >= 3 ? s[4] : 0;

			if (!sof)
				return fs_err_set(w->err, FS_EINVAL, "JPEG: SOS at byte %zu before SOF", at);
			if (ns < 1 || ns > 4 || len != 6 + 2 * ns)
				return fs_err_set(w->err, FS_EINVAL, "JPEG: SOS at byte %zu has a bad length",
				                  at);
			scans++;
			rc = emit(w, s, (size_t)len + 2);
			if (rc == 0)
				rc = jpeg_scan_data(w, &pos);
			continue;
		}
		if ((m >= 0xc3 && m <= 0xcf) || m == 0xdc || m == 0xde || m == 0xdf)
			return fs_err_set(w->err, FS_EINVAL,
			                  "JPEG: marker 0x%02X at byte %zu: only baseline and progressive "
			                  "JPEGs (SOF0, SOF1, SOF2) are accepted",
			                  m, at);
		return fs_err_set(w->err, FS_EINVAL, "JPEG: unknown marker 0x%02X at byte %zu", m, at);
	}
	return rc;
}

int fs_image_clean(const unsigned char *in, size_t n, fs_buf *out, fs_image_info *info,
                   fs_err *err)
{
	walk w;
	int rc;

	memset(&w, 0, sizeof(w));
	w.in = in;
	w.n = n;
	w.out = out;
	w.start = out->len;
	w.err = err;
	if (info != NULL)
		memset(info, 0, sizeof(*info));
	if (in == NULL || n == 0)
		return fs_err_set(err, FS_EINVAL, "image: empty");
	if (n > FS_IMAGE_INPUT_MAX)
		return fs_err_set(err, FS_ETOOBIG, "image: %zu bytes, over the cap of %u", n,
		                  FS_IMAGE_INPUT_MAX);
	if (n >= 8 && memcmp(in, png_sig, 8) == 0)
		rc = png_clean(&w);
	else if (n >= 3 && in[0] == 0xff && in[1] == 0xd8 && in[2] == 0xff)
		rc = jpeg_clean(&w);
	else
		rc = fs_err_set(err, FS_EINVAL, "image: not a PNG or JPEG file");
	if (rc != 0) {
		out->len = w.start;
		if (out->data != NULL)
			out->data[w.start] = '\0';
		return rc;
	}
	if (info != NULL)
		*info = w.info;
	return 0;
}

int fs_image_is_clean(const unsigned char *in, size_t n, fs_image_info *info)
{
	fs_buf b;
	int ok;

	if (n > FS_IMAGE_MAX)
		return 0;
	fs_buf_init(&b, FS_IMAGE_MAX);
	ok = fs_image_clean(in, n, &b, info, NULL) == 0 && b.len == n && memcmp(b.data, in, n) == 0;
	fs_buf_free(&b);
	return ok;
}

const char *fs_image_mime(fs_image_type type)
{
	return type == FS_IMAGE_PNG ? "image/png" : type == FS_IMAGE_JPEG ? "image/jpeg" : NULL;
}
