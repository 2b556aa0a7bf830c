/* fieldsync-hub: the --listen address, HOST:PORT or [IPV6]:PORT. */
#ifndef HUB_LISTEN_H
#define HUB_LISTEN_H

#include <sys/socket.h>

#include "fieldsync/error.h"

#define HUB_LISTEN_DEFAULT "127.0.0.1:8420"

typedef struct hub_listen_addr {
	struct sockaddr_storage addr; /* port 0: any free port */
	socklen_t len;
	int ipv6;
	char host[256]; /* as given, without brackets */
} hub_listen_addr;

/* Parse HOST:PORT (a numeric IPv4 address or a host name) or [IPV6]:PORT;
 * PORT is 0 to 65535 (0 picks a free port). FS_EINVAL names the fault. */
int hub_listen_parse(hub_listen_addr *out, const char *text, fs_err *err);

/* 1 when a is a loopback address (127.0.0.0/8, ::1, ::ffff:127.0.0.0/104),
 * reachable from this machine only; 0 otherwise (0.0.0.0 and :: included). */
int hub_listen_is_loopback(const hub_listen_addr *a);

#endif
