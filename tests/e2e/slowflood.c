/* slowflood: a slow-client flood for the HTTP servers' tests
 * (tests/e2e/hub_slowloris.sh, system_ui_slowloris.sh, hub_transport.sh). Loopback only.
 *
 *   slowflood --connect IPV4:PORT [--source IPV4] [--connections N]
 *             [--interval S] [--duration S] [--reconnect-ms MS] [--head TEXT]
 *
 * Opens N connections from --source (default 127.0.0.1) to --connect, sends
 * the start of a request head (default "GET /health HTTP/1.1\r\nHost:
 * x\r\n"; "" sends nothing, as a client that never starts its TLS
 * handshake) and then one more header byte on each connection every S
 * seconds (default 10; 0: never), for --duration seconds (default 30) or
 * until SIGTERM.
 * A connection the server closes is opened again after --reconnect-ms
 * (default 1000; -1: never), as an attacker would. Prints "slowflood:
 * ready" once the first round of connects is done, then at the end one
 * line of key=value counts:
 *   held_end   connections open at the end (the server has not closed them)
 *   held_max   the most open at once that had been open for a second or
 *              more (sampled every 100 ms; a connection the server closes
 *              at once is not held)
 *   opened     connects that succeeded
 *   closed     connections the server closed (or reset)
 *   longest_ms the longest any connection stayed open before the server
 *              closed it
 * Both addresses must be in 127.0.0.0/8: this tool is for this machine. */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define MAX_CONNECTIONS 20000

enum slot_state { SLOT_IDLE, SLOT_CONNECTING, SLOT_OPEN };

typedef struct slot {
	int fd;
	enum slot_state state;
	uint64_t opened_ms;  /* when the connect completed */
	uint64_t retry_ms;   /* SLOT_IDLE: when to connect again */
} slot;

static volatile sig_atomic_t stop;

static void on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

static uint64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

static int die(const char *msg)
{
	fprintf(stderr, "slowflood: %s\n", msg);
	return 2;
}

static int parse_loopback(struct sockaddr_in *out, const char *host, unsigned port)
{
	memset(out, 0, sizeof(*out));
	out->sin_family = AF_INET;
	out->sin_port = htons((uint16_t)port);
	if (inet_pton(AF_INET, host, &out->sin_addr) != 1)
		return -1;
	return (ntohl(out->sin_addr.s_addr) >> 24) == 127 ? 0 : -1;
}

static void slot_close(slot *s, uint64_t now, long reconnect_ms)
{
	close(s->fd);
	s->fd = -1;
	s->state = SLOT_IDLE;
	s->retry_ms = reconnect_ms < 0 ? UINT64_MAX : now + (uint64_t)reconnect_ms;
}

static void slot_connect(slot *s, const struct sockaddr_in *src, const struct sockaddr_in *dst,
                         uint64_t now, long reconnect_ms)
{
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);

	s->fd = fd;
	if (fd < 0 || bind(fd, (const struct sockaddr *)src, sizeof(*src)) != 0) {
		if (fd >= 0)
			slot_close(s, now, reconnect_ms < 0 ? 1000 : reconnect_ms);
		else
			s->retry_ms = now + 1000;
		return;
	}
	if (connect(fd, (const struct sockaddr *)dst, sizeof(*dst)) != 0 && errno != EINPROGRESS) {
		slot_close(s, now, reconnect_ms < 0 ? 1000 : reconnect_ms);
		return;
	}
	s->state = SLOT_CONNECTING;
}

int main(int argc, char **argv)
{
	const char *connect_to = NULL, *source = "127.0.0.1";
	const char *head = "GET /health HTTP/1.1\r\nHost: x\r\n";
	long n = 500, interval_s = 10, duration_s = 30, reconnect_ms = 1000;
	struct sockaddr_in src, dst;
	struct rlimit rl;
	struct pollfd *pfd;
	slot *slots;
	uint64_t start, end, next_byte, next_sample, longest = 0;
	unsigned long opened = 0, closed = 0;
	long held, held_max = 0, i;
	int ready = 0;

	for (i = 1; i < argc; i++) {
		const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;

		if (v == NULL)
			return die("every option takes a value");
		i++;
		if (strcmp(a, "--connect") == 0)
			connect_to = v;
		else if (strcmp(a, "--source") == 0)
			source = v;
		else if (strcmp(a, "--connections") == 0)
			n = strtol(v, NULL, 10);
		else if (strcmp(a, "--interval") == 0)
			interval_s = strtol(v, NULL, 10);
		else if (strcmp(a, "--duration") == 0)
			duration_s = strtol(v, NULL, 10);
		else if (strcmp(a, "--reconnect-ms") == 0)
			reconnect_ms = strtol(v, NULL, 10);
		else if (strcmp(a, "--head") == 0)
			head = v;
		else
			return die("unknown option (see the comment at the top of slowflood.c)");
	}
	if (connect_to == NULL)
		return die("--connect IPV4:PORT is required");
	{
		char host[64];
		const char *colon = strrchr(connect_to, ':');
		size_t len = colon != NULL ? (size_t)(colon - connect_to) : 0;

		if (colon == NULL || len == 0 || len >= sizeof(host))
			return die("--connect must be IPV4:PORT");
		memcpy(host, connect_to, len);
		host[len] = '\0';
		if (parse_loopback(&dst, host, (unsigned)strtoul(colon + 1, NULL, 10)) != 0 ||
		    dst.sin_port == 0)
			return die("--connect must be a 127.0.0.0/8 address with a port");
	}
	if (parse_loopback(&src, source, 0) != 0)
		return die("--source must be a 127.0.0.0/8 address");
	if (n < 1 || n > MAX_CONNECTIONS || interval_s < 0 || duration_s < 1 || duration_s > 600)
		return die("--connections 1..20000, --interval >= 0, --duration 1..600");

	/* One descriptor per connection, and a few for stdio. */
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < (rlim_t)n + 16) {
		rl.rlim_cur = rl.rlim_max < (rlim_t)n + 16 ? rl.rlim_max : (rlim_t)n + 16;
		setrlimit(RLIMIT_NOFILE, &rl);
	}
	slots = calloc((size_t)n, sizeof(*slots));
	pfd = calloc((size_t)n, sizeof(*pfd));
	if (slots == NULL || pfd == NULL)
		return die("out of memory");

	signal(SIGTERM, on_signal);
	signal(SIGINT, on_signal);
	start = now_ms();
	end = start + (uint64_t)duration_s * 1000u;
	next_byte = start + (uint64_t)interval_s * 1000u;
	next_sample = start;
	for (i = 0; i < n; i++)
		slot_connect(&slots[i], &src, &dst, start, reconnect_ms);

	for (;;) {
		uint64_t now = now_ms();
		long pending = 0;

		if (now >= end || stop)
			break;
		for (i = 0; i < n; i++) {
			slot *s = &slots[i];

			if (s->state == SLOT_IDLE && now >= s->retry_ms)
				slot_connect(s, &src, &dst, now, reconnect_ms);
			pfd[i].fd = s->state == SLOT_IDLE ? -1 : s->fd;
			pfd[i].events = s->state == SLOT_CONNECTING ? POLLOUT : POLLIN;
			pfd[i].revents = 0;
			pending += s->state == SLOT_CONNECTING;
		}
		if (!ready && pending == 0) {
			ready = 1;
			printf("slowflood: ready\n");
			fflush(stdout);
		}
		if (poll(pfd, (nfds_t)n, 100) < 0 && errno != EINTR)
			return die("poll failed");
		now = now_ms();
		for (i = 0; i < n; i++) {
			slot *s = &slots[i];
			char buf[4096];
			int soerr = 0;
			socklen_t len = sizeof(soerr);

			if (s->state == SLOT_IDLE || pfd[i].revents == 0)
				continue;
			if (s->state == SLOT_CONNECTING) {
				if (getsockopt(s->fd, SOL_SOCKET, SO_ERROR, &soerr, &len) != 0 ||
				    soerr != 0) {
					slot_close(s, now, reconnect_ms < 0 ? 1000 : reconnect_ms);
					continue;
				}
				s->state = SLOT_OPEN;
				s->opened_ms = now;
				opened++;
				if (head[0] != '\0' &&
				    send(s->fd, head, strlen(head), MSG_NOSIGNAL) < 0) {
					closed++;
					slot_close(s, now, reconnect_ms);
				}
				continue;
			}
			/* Open: anything readable is the server answering or closing. */
			{
				ssize_t got = recv(s->fd, buf, sizeof(buf), 0);

				if (got > 0 && !(pfd[i].revents & (POLLHUP | POLLERR)))
					continue;
				if (got < 0 && (errno == EAGAIN || errno == EINTR))
					continue;
			}
			closed++;
			if (now - s->opened_ms > longest)
				longest = now - s->opened_ms;
			slot_close(s, now, reconnect_ms);
		}
		if (interval_s > 0 && now >= next_byte) {
			next_byte = now + (uint64_t)interval_s * 1000u;
			for (i = 0; i < n; i++) {
				slot *s = &slots[i];

				if (s->state == SLOT_OPEN && send(s->fd, "X", 1, MSG_NOSIGNAL) < 0) {
					closed++;
					if (now - s->opened_ms > longest)
						longest = now - s->opened_ms;
					slot_close(s, now, reconnect_ms);
				}
			}
		}
		if (now >= next_sample) {
			next_sample = now + 100;
			for (held = 0, i = 0; i < n; i++)
				held += slots[i].state == SLOT_OPEN &&
				        now - slots[i].opened_ms >= 1000;
			if (held > held_max)
				held_max = held;
		}
	}
	for (held = 0, i = 0; i < n; i++)
		held += slots[i].state == SLOT_OPEN;
	printf("slowflood: connections=%ld held_end=%ld held_max=%ld opened=%lu closed=%lu "
	       "longest_ms=%llu\n",
	       n, held, held_max, opened, closed, (unsigned long long)longest);
	for (i = 0; i < n; i++)
		if (slots[i].fd >= 0 && slots[i].state != SLOT_IDLE)
			close(slots[i].fd);
	free(slots);
	free(pfd);
	return 0;
}
