#include "reply.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "http_server.h"

/* Take the status, code and JSON body the shared layer made into r. */
static void take(hub_reply *r, fs_http_reply *made)
{
	free(r->body);
	r->status = made->status;
	r->error = made->error;
	r->content_type = made->content_type;
	r->gzip = 0;
	if (made->body != NULL) {
		r->body = made->body;
		r->len = made->len;
		made->body = NULL;
	} else { /* the layer's static out-of-memory reply */
		r->body = strndup(made->static_body, made->len);
		r->len = r->body != NULL ? made->len : 0;
	}
	fs_http_reply_clear(made);
}

void hub_reply_error(hub_reply *r, int status, const char *code, const char *fmt, ...)
{
	fs_http_reply made = {0};
	char msg[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	fs_http_reply_error(&made, status, code, NULL, "%s", msg);
	take(r, &made);
}

void hub_reply_json(hub_reply *r, int status, json_t *body)
{
	fs_http_reply made = {0};

	fs_http_reply_json(&made, status, body);
	take(r, &made);
}

void hub_reply_clear(hub_reply *r)
{
	free(r->body);
	memset(r, 0, sizeof(*r));
}
