/* fieldsync-hub: an HTTP reply as the routes build it and the server sends
 * it: status, body and the few headers the protocol uses. Error replies
 * carry {"error": CODE, "message": TEXT} (docs/protocol.md). */
#ifndef HUB_REPLY_H
#define HUB_REPLY_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "http_wire.h"

/* The wire's content types (http/http_wire.h), by the hub's names. */
#define HUB_JSON_TYPE      FS_WIRE_JSON_TYPE
#define HUB_CHANGESET_TYPE FS_WIRE_CHANGESET_TYPE

typedef struct hub_reply {
	int status;        /* 0 until a reply is set */
	const char *error; /* error code (static string) or NULL */
	char *body;        /* owned (malloc), may be NULL */
	size_t len;
	const char *content_type; /* static string or NULL */
	int gzip;                 /* Content-Encoding: gzip */
	int has_ack;
	int64_t ack;          /* Fieldsync-Ack */
	const char *allow;    /* Allow (405) */
	unsigned retry_after; /* Retry-After seconds, 0: none */
	int bearer_challenge; /* WWW-Authenticate: Bearer (401) */
	int no_store;         /* Cache-Control: no-store */
	/* Fieldsync-Seal-Key (sync replies): "KEYID:BASE64:SIGNATURE", the
	 * hub's current seal key signed with its signing key; "" for none. */
	char seal_key[160]; /* 61 + 1 + 88 and the NUL */
	/* Fieldsync-Region (sync replies): the device's region; "" for none. */
	char region[65];
} hub_reply;

/* An error reply with a JSON body (http/http_server.h,
 * fs_http_reply_error); code is a static string. The message must not
 * hold answers or personal details. */
void hub_reply_error(hub_reply *r, int status, const char *code, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 4, 5)))
#endif
    ;

/* A JSON reply; body is stolen (a new reference). Out of memory turns it
 * into a 500. */
void hub_reply_json(hub_reply *r, int status, json_t *body);

/* Free the body and reset every field. */
void hub_reply_clear(hub_reply *r);

#endif
