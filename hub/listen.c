#include "listen.h"

#include <arpa/inet.h>
#include <netdb.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int hub_listen_parse(hub_listen_addr *out, const char *text, fs_err *err)
{
	struct addrinfo hints, *res = NULL;
	const char *colon, *port;
	size_t hostlen;
	int rc, bracket = text[0] == '[';
	long p;
	char *end;

	memset(out, 0, sizeof(*out));
	if (bracket) {
		const char *close = strchr(text, ']');

		if (close == NULL || close[1] != ':')
			return fs_err_set(err, FS_EINVAL, "listen address %s: expected [IPV6]:PORT",
			                  text);
		colon = close + 1;
		hostlen = (size_t)(close - text - 1);
		memcpy(out->host, text + 1, hostlen < sizeof(out->host) ? hostlen : 0);
	} else {
		colon = strrchr(text, ':');
		if (colon == NULL || strchr(text, ':') != colon)
			return fs_err_set(err, FS_EINVAL,
			                  "listen address %s: expected HOST:PORT or [IPV6]:PORT",
			                  text);
		hostlen = (size_t)(colon - text);
		memcpy(out->host, text, hostlen < sizeof(out->host) ? hostlen : 0);
	}
	if (hostlen == 0 || hostlen >= sizeof(out->host))
		return fs_err_set(err, FS_EINVAL, "listen address %s: missing or overlong host",
		                  text);
	out->host[hostlen] = '\0';
	port = colon + 1;
	p = strtol(port, &end, 10);
	if (port[0] < '0' || port[0] > '9' || *end != '\0' || p < 0 || p > 65535 || end - port > 5)
		return fs_err_set(err, FS_EINVAL, "listen address %s: port must be 0 to 65535",
		                  text);
	memset(&hints, 0, sizeof(hints));
	hints.ai_family = bracket ? AF_INET6 : AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV | (bracket ? AI_NUMERICHOST : 0);
	rc = getaddrinfo(out->host, port, &hints, &res);
	if (rc != 0 || res == NULL)
		return fs_err_set(err, FS_EINVAL, "listen address %s: %s", text,
		                  rc != 0 ? gai_strerror(rc) : "no address");
	memcpy(&out->addr, res->ai_addr, res->ai_addrlen);
	out->len = res->ai_addrlen;
	out->ipv6 = res->ai_family == AF_INET6;
	freeaddrinfo(res);
	return 0;
}

int hub_listen_is_loopback(const hub_listen_addr *a)
{
	if (a->addr.ss_family == AF_INET) {
		const struct sockaddr_in *in = (const struct sockaddr_in *)&a->addr;

		return (ntohl(in->sin_addr.s_addr) >> 24) == 127;
	}
	if (a->addr.ss_family == AF_INET6) {
		const struct in6_addr *in6 = &((const struct sockaddr_in6 *)&a->addr)->sin6_addr;

		return IN6_IS_ADDR_LOOPBACK(in6) ||
		       (IN6_IS_ADDR_V4MAPPED(in6) && in6->s6_addr[12] == 127);
	}
	return 0;
}
