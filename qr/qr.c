/* QR codes as SVG and the enrollment URI (qr.h). */
#include "qr.h"

#include <qrencode.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fieldsync/buf.h"

static int is_unreserved(unsigned char c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
	       c == '-' || c == '.' || c == '_' || c == '~';
}

int fs_qr_enroll_uri(char *out, size_t len, const char *code, const char *hub_url, fs_err *err)
{
	size_t n = 0, i;
	int w;

	out[0] = '\0';
	if (code == NULL || code[0] == '\0' || strlen(code) > 64 ||
	    strspn(code, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-") !=
	        strlen(code))
		return fs_err_set(err, FS_EINVAL, "QR: the code must be letters, digits and hyphens");
	w = snprintf(out, len, "fieldsync-enroll:%s", code);
	if (w < 0 || (size_t)w >= len)
		return fs_err_set(err, FS_EINVAL, "QR: the enrollment URI does not fit");
	n = (size_t)w;
	if (hub_url == NULL || hub_url[0] == '\0')
		return 0;
	if ((strncmp(hub_url, "http://", 7) != 0 && strncmp(hub_url, "https://", 8) != 0) ||
	    strlen(hub_url) > 1000) {
		out[0] = '\0';
		return fs_err_set(err, FS_EINVAL,
		                  "QR: the hub URL must be http:// or https://, at most 1000 bytes");
	}
	for (i = 0; hub_url[i] != '\0'; i++)
		if ((unsigned char)hub_url[i] <= ' ' || (unsigned char)hub_url[i] > '~') {
			out[0] = '\0';
			return fs_err_set(err, FS_EINVAL, "QR: the hub URL must be printable ASCII");
		}
	if (n + 5 >= len) {
		out[0] = '\0';
		return fs_err_set(err, FS_EINVAL, "QR: the enrollment URI does not fit");
	}
	memcpy(out + n, "?hub=", 6);
	n += 5;
	for (i = 0; hub_url[i] != '\0'; i++) {
		unsigned char c = (unsigned char)hub_url[i];

		if (n + 4 >= len) {
			out[0] = '\0';
			return fs_err_set(err, FS_EINVAL, "QR: the enrollment URI does not fit");
		}
		if (is_unreserved(c))
			out[n++] = (char)c;
		else
			n += (size_t)snprintf(out + n, len - n, "%%%02X", c);
	}
	out[n] = '\0';
	return 0;
}

/* Append a short formatted piece (at most 255 bytes). */
static int buf_printf(fs_buf *b, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;

static int buf_printf(fs_buf *b, const char *fmt, ...)
{
	char piece[256];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(piece, sizeof(piece), fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= sizeof(piece))
		return FS_EINVAL;
	return fs_buf_append(b, piece, (size_t)n);
}

int fs_qr_svg(const char *text, const char *label, char **out, size_t *len, fs_err *err)
{
	QRcode *q;
	fs_buf b;
	int x, y, size, rc = 0;
	const char *t = label ? label : "QR code";
	size_t i;

	*out = NULL;
	*len = 0;
	if (text == NULL || text[0] == '\0' || strlen(text) > FS_QR_TEXT_MAX)
		return fs_err_set(err, FS_EINVAL, "QR: the text must be 1 to %d bytes",
		                  FS_QR_TEXT_MAX);
	/* 8-bit mode, case kept: the URI's query is case-sensitive. */
	q = QRcode_encodeString8bit(text, 0, QR_ECLEVEL_M);
	if (q == NULL)
		return fs_err_set(err, FS_ENOMEM, "QR: libqrencode could not encode the text");
	size = q->width + 2 * FS_QR_QUIET;
	fs_buf_init(&b, 1u << 20);
	rc = buf_printf(&b,
	                   "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 %d %d\" "
	                   "shape-rendering=\"crispEdges\" role=\"img\"><title>",
	                   size, size);
	/* The label is ours (no markup), but escape it anyway. */
	for (i = 0; rc == 0 && t[i] != '\0'; i++) {
		if (t[i] == '<')
			rc = buf_printf(&b, "&lt;");
		else if (t[i] == '&')
			rc = buf_printf(&b, "&amp;");
		else if (t[i] == '"')
			rc = buf_printf(&b, "&quot;");
		else
			rc = fs_buf_append(&b, &t[i], 1);
	}
	if (rc == 0)
		rc = buf_printf(&b,
		                   "</title><rect width=\"%d\" height=\"%d\" fill=\"#fff\"/>"
		                   "<path fill=\"#000\" d=\"",
		                   size, size);
	/* Each row's runs of dark modules as one rectangle each. */
	for (y = 0; rc == 0 && y < q->width; y++)
		for (x = 0; rc == 0 && x < q->width;) {
			int run = 0;

			while (x + run < q->width && (q->data[y * q->width + x + run] & 1))
				run++;
			if (run == 0) {
				x++;
				continue;
			}
			rc = buf_printf(&b, "M%d %dh%dv1h-%dz", x + FS_QR_QUIET, y + FS_QR_QUIET,
			                   run, run);
			x += run;
		}
	if (rc == 0)
		rc = buf_printf(&b, "\"/></svg>\n");
	if (rc == 0)
		rc = fs_buf_append(&b, "", 1); /* NUL-terminated */
	QRcode_free(q);
	if (rc != 0) {
		fs_buf_free(&b);
		return fs_err_set(err, FS_ENOMEM, "QR: out of memory drawing the code");
	}
	*out = b.data;
	*len = b.len - 1;
	return 0;
}
