#include "reply.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void set_body(hub_reply *r, int status, json_t *body)
{
	char *text = body ? json_dumps(body, JSON_COMPACT) : NULL;

	json_decref(body);
	free(r->body);
	r->body = NULL;
	r->len = 0;
	r->content_type = HUB_JSON_TYPE;
	r->gzip = 0;
	if (text == NULL) {
		static const char oom[] =
		    "{\"error\":\"internal\",\"message\":\"the hub ran out of memory\"}";

		r->status = 500;
		r->error = "internal";
		r->body = strdup(oom);
		r->len = r->body ? strlen(r->body) : 0;
		return;
	}
	r->status = status;
	r->body = text;
	r->len = strlen(text);
}

/* Length of the valid UTF-8 sequence at s, or 0. */
static size_t utf8_seq(const unsigned char *s)
{
	size_t n, i;
	unsigned cp;

	if (s[0] < 0x80)
		return 1;
	if (s[0] >= 0xc2 && s[0] <= 0xdf) {
		n = 2;
		cp = s[0] & 0x1f;
	} else if (s[0] >= 0xe0 && s[0] <= 0xef) {
		n = 3;
		cp = s[0] & 0x0f;
	} else if (s[0] >= 0xf0 && s[0] <= 0xf4) {
		n = 4;
		cp = s[0] & 0x07;
	} else {
		return 0;
	}
	for (i = 1; i < n; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		cp = (cp << 6) | (s[i] & 0x3f);
	}
	if ((n == 3 && (cp < 0x800 || (cp >= 0xd800 && cp <= 0xdfff))) ||
	    (n == 4 && (cp < 0x10000 || cp > 0x10ffff)))
		return 0;
	return n;
}

/* Messages may quote (truncated) names from a request; keep them valid
 * UTF-8 so the JSON body can be built: invalid bytes become '?'. */
static void make_utf8(char *s)
{
	unsigned char *p = (unsigned char *)s;

	while (*p != '\0') {
		size_t n = utf8_seq(p);

		if (n == 0) {
			*p++ = '?';
			continue;
		}
		p += n;
	}
}

void hub_reply_error(hub_reply *r, int status, const char *code, const char *fmt, ...)
{
	char msg[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	make_utf8(msg);
	r->error = code;
	set_body(r, status, json_pack("{s:s, s:s}", "error", code, "message", msg));
}

void hub_reply_json(hub_reply *r, int status, json_t *body)
{
	r->error = NULL;
	set_body(r, status, body);
}

void hub_reply_clear(hub_reply *r)
{
	free(r->body);
	memset(r, 0, sizeof(*r));
}
