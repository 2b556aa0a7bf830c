/* fieldsync: the images of "you said, we did" updates (docs/reciprocity.md,
 * docs/security.md "Update images").
 *
 * An image is a PNG or a baseline/progressive JPEG, at most FS_IMAGE_SIDE_MAX
 * pixels a side and FS_IMAGE_MAX bytes once cleaned. fs_image_clean walks it
 * with a bounded parser and writes a copy holding only what decoding needs:
 *   PNG   the signature, then IHDR, PLTE, tRNS, IDAT and IEND, every chunk's
 *         CRC checked, the IDAT stream inflated (and thrown away) to check
 *         it yields exactly the rows IHDR says; every other chunk (tEXt,
 *         zTXt, iTXt, eXIf, tIME, iCCP, ...) dropped; an unknown critical
 *         chunk refused;
 *   JPEG  SOI, then DQT, DHT, DRI, one SOF0/SOF1/SOF2, the scans (SOS and
 *         their entropy-coded data) and EOI; every APPn but an Adobe APP14
 *         (which says how to read the colours) and every COM dropped, bytes
 *         after EOI dropped; arithmetic, lossless and hierarchical JPEGs,
 *         and DNL, refused.
 * A cleaned image is its own cleaned copy (fs_image_is_clean), which is how
 * a kiosk checks what a hub sends it. Nothing is decoded to pixels: the
 * kiosk's browser does that, from bytes whose structure and size are known. */
#ifndef FIELDSYNC_IMAGE_H
#define FIELDSYNC_IMAGE_H

#include <stddef.h>

#include "fieldsync/buf.h"
#include "fieldsync/error.h"

#define FS_IMAGE_MAX       (160u * 1024u) /* bytes once cleaned: fits a change's value cap as base64 */
#define FS_IMAGE_INPUT_MAX (1024u * 1024u) /* bytes given to fs_image_clean */
#define FS_IMAGE_SIDE_MAX  2048u          /* pixels, width and height */

typedef enum fs_image_type { FS_IMAGE_NONE, FS_IMAGE_PNG, FS_IMAGE_JPEG } fs_image_type;

typedef struct fs_image_info {
	fs_image_type type;
	unsigned width, height;
} fs_image_info;

/* Check in (n bytes, at most FS_IMAGE_INPUT_MAX) and append its cleaned copy
 * (at most FS_IMAGE_MAX bytes) to out; info (may be NULL) gets its type and
 * size. 0, or FS_EINVAL with a message saying what is wrong and at which
 * byte offset (FS_ETOOBIG for a size over a cap), out then unchanged in
 * length; FS_ENOMEM. Time and memory are linear in n; the inflate check
 * uses a fixed 32 KiB window. */
int fs_image_clean(const unsigned char *in, size_t n, fs_buf *out, fs_image_info *info,
                   fs_err *err);

/* 1 when in is a valid image equal to its cleaned copy, else 0. */
int fs_image_is_clean(const unsigned char *in, size_t n, fs_image_info *info);

/* The Content-Type of a type ("image/png", "image/jpeg"), NULL for none. */
const char *fs_image_mime(fs_image_type type);

#endif
