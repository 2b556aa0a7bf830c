/* QR codes drawn as SVG (libqrencode), shared by the hub and the kiosk:
 * the hub's enrollment codes (the console and `fieldsync-hub enroll --qr`)
 * and the kiosk's receipt codes (agent/ui/ui_receipt.c, docs/kiosk.md).
 *
 * An enrollment code's QR code (docs/protocol.md "Enrollment QR code")
 * encodes the URI
 *   fieldsync-enroll:CODE?hub=URL
 * (URL percent-encoded), or fieldsync-enroll:CODE when the hub's URL as
 * kiosks reach it is not known. `fieldsync-agent init --enroll URI` takes
 * it in place of --hub and --code, so a kiosk's setup screen, or a person
 * with a scanner, enrolls with what the code says. */
#ifndef FS_QR_H
#define FS_QR_H

#include <stddef.h>

#include "fieldsync/error.h"

/* Longest text drawn (bytes): a URI with a hub URL of up to 1000 bytes. */
#define FS_QR_TEXT_MAX 1100
/* Modules of quiet zone around the symbol (ISO/IEC 18004 asks for 4). */
#define FS_QR_QUIET 4

/* text as an SVG document, malloc'd into *out (*len bytes, NUL-terminated):
 * error correction level M, 8-bit mode, the smallest version that holds
 * it, FS_QR_QUIET modules of white around it, one path of the dark
 * modules in a viewBox of one unit per module (scalable without blur;
 * shape-rendering crispEdges), with role="img" and a <title> of label
 * (NULL: "QR code") for screen readers. FS_EINVAL for empty text or text
 * over FS_QR_TEXT_MAX; FS_ENOMEM. */
int fs_qr_svg(const char *text, const char *label, char **out, size_t *len, fs_err *err);

/* The enrollment URI of code for the hub at hub_url (NULL or "": none)
 * into out (len bytes). FS_EINVAL when it does not fit or a part is
 * malformed (code: letters, digits and hyphens; hub_url: http:// or
 * https://, printable ASCII). */
int fs_qr_enroll_uri(char *out, size_t len, const char *code, const char *hub_url, fs_err *err);

#endif
