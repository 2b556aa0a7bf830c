/* fieldsync: a listen address, HOST:PORT or [IPV6]:PORT, as the hub's
 * --listen and the kiosk UI's --ui-listen take it, and the loopback rule
 * both apply (the hub refuses plain HTTP off loopback; the UI serves
 * loopback peers only). */
#ifndef FIELDSYNC_HTTP_LISTEN_H
#define FIELDSYNC_HTTP_LISTEN_H

#include <stddef.h>
#include <sys/socket.h>

#include "fieldsync/error.h"

/* fs_http_listen_parse flags: a numeric address only, no host name (the
 * kiosk UI, whose Host check compares the address as written). */
#define FS_HTTP_LISTEN_NUMERIC 1u

typedef struct fs_http_listen_addr {
	struct sockaddr_storage addr; /* port 0: any free port */
	socklen_t len;
	int ipv6;
	unsigned port;
	char host[256]; /* as given, without brackets */
} fs_http_listen_addr;

/* Parse HOST:PORT (a numeric IPv4 address or, without
 * FS_HTTP_LISTEN_NUMERIC, a host name, resolved here) or [IPV6]:PORT;
 * PORT is 0 to 65535 in at most 5 digits (0 picks a free port).
 * FS_EINVAL names the text and what is wrong with it. */
int fs_http_listen_parse(fs_http_listen_addr *out, const char *text, unsigned flags, fs_err *err);

/* 1 when sa is a loopback address (127.0.0.0/8, ::1, ::ffff:127.0.0.0/104),
 * reachable from this machine only; 0 otherwise (0.0.0.0, :: and NULL
 * included). */
int fs_http_is_loopback(const struct sockaddr *sa);

/* The address as a client writes it, with port: "127.0.0.1:8420",
 * "[::1]:8080", "hub.example:443" (truncated to len). */
void fs_http_listen_format(char *out, size_t len, const fs_http_listen_addr *a, unsigned port);

#endif
