#include "http_listen.h"

#include <arpa/inet.h>
#include <netdb.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int fs_http_listen_parse(fs_http_listen_addr *out, const char *text, unsigned flags, fs_err *err)
{
	struct addrinfo hints, *res = NULL;
	const char *colon, *port;
	size_t hostlen;
	int rc, bracket = text[0] == '[', numeric = (flags & FS_HTTP_LISTEN_NUMERIC) != 0;
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
			                  "listen address %s: expected %s:PORT or [IPV6]:PORT",
			                  text, numeric ? "IPV4" : "HOST");
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
	hints.ai_family = bracket ? AF_INET6 : numeric ? AF_INET : AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV | (bracket || numeric ? AI_NUMERICHOST : 0);
	rc = getaddrinfo(out->host, port, &hints, &res);
	if (rc == EAI_NONAME && numeric)
		return fs_err_set(err, FS_EINVAL,
		                  "listen address %s: the address must be numeric (IPV4:PORT or "
		                  "[IPV6]:PORT)",
		                  text);
	if (rc != 0 || res == NULL)
		return fs_err_set(err, FS_EINVAL, "listen address %s: %s", text,
		                  rc != 0 ? gai_strerror(rc) : "no address");
	memcpy(&out->addr, res->ai_addr, res->ai_addrlen);
	out->len = res->ai_addrlen;
	out->ipv6 = res->ai_family == AF_INET6;
	out->port = (unsigned)p;
	freeaddrinfo(res);
	return 0;
}

int fs_http_is_loopback(const struct sockaddr *sa)
{
	if (sa == NULL)
		return 0;
	if (sa->sa_family == AF_INET) {
		const struct sockaddr_in *in = (const struct sockaddr_in *)sa;

		return (ntohl(in->sin_addr.s_addr) >> 24) == 127;
	}
	if (sa->sa_family == AF_INET6) {
		const struct in6_addr *in6 = &((const struct sockaddr_in6 *)sa)->sin6_addr;

		return IN6_IS_ADDR_LOOPBACK(in6) ||
		       (IN6_IS_ADDR_V4MAPPED(in6) && in6->s6_addr[12] == 127);
	}
	return 0;
}

void fs_http_listen_format(char *out, size_t len, const fs_http_listen_addr *a, unsigned port)
{
	snprintf(out, len, "%s%s%s:%u", a->ipv6 ? "[" : "", a->host, a->ipv6 ? "]" : "", port);
}
