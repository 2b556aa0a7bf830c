#include "http_guard.h"

#include <errno.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <time.h>

#include "fieldsync/monotonic.h"

/* How often the reaper looks: a slow connection lives at most this much
 * past its deadline. */
#define REAP_TICK_MS 250
/* At most one summary line per this long. */
#define REPORT_EVERY_MS 60000

/* One connection libmicrohttpd has open (its socket_context). */
typedef struct guard_conn {
	struct guard_conn *prev, *next;
	MHD_socket fd;
	uint64_t deadline_ms; /* monotonic; 0 while a request is handled */
	/* While a body is read: the end of the current rate window and the
	 * bytes received in it; window_end_ms 0 otherwise. */
	uint64_t window_end_ms, window_bytes;
	int cut; /* shut down already */
	int idle; /* between requests: one ended, no head of the next yet */
} guard_conn;

struct fs_http_guard {
	pthread_mutex_t lock;
	pthread_cond_t wake;
	pthread_t reaper;
	int stopping;
	fs_http_guard_limits limits;
	const char *log_prefix;
	guard_conn *head; /* every tracked connection */
	/* Counted since the last summary line. */
	unsigned long cut, slow_body, refused, tls_failed, incomplete;
	uint64_t last_report_ms; /* 0: never reported */
	uint64_t started_ms;
};

/* Print the counts that are not zero on one line and reset them. Called
 * with g->lock held. */
static void report(fs_http_guard *g, uint64_t now)
{
	uint64_t since = g->last_report_ms != 0 ? g->last_report_ms : g->started_ms;
	char line[512];
	size_t n = 0;
	const char *sep = "";

#define REPORT_ITEM(count, ...)                                                              \
	do {                                                                                 \
		if ((count) != 0 && n < sizeof(line)) {                                      \
			n += (size_t)snprintf(line + n, sizeof(line) - n, "%s%lu ", sep, count); \
			if (n < sizeof(line))                                                \
				n += (size_t)snprintf(line + n, sizeof(line) - n, __VA_ARGS__);  \
			sep = ", ";                                                          \
		}                                                                            \
	} while (0)
	REPORT_ITEM(g->cut, "connection(s) closed for not sending a request head within %g s",
	            g->limits.head_timeout_ms / 1000.0);
	REPORT_ITEM(g->slow_body, "closed for a body slower than %u B/s",
	            g->limits.body_min_rate);
	REPORT_ITEM(g->refused, "refused at the connection limits");
	REPORT_ITEM(g->tls_failed, "failed the TLS handshake");
	REPORT_ITEM(g->incomplete, "ended with a request incomplete (those cut included)");
#undef REPORT_ITEM
	if (n == 0)
		return;
	fprintf(stderr, "%s: in the last %llu s: %s\n", g->log_prefix,
	        (unsigned long long)((now - since + 999) / 1000), line);
	g->cut = 0;
	g->slow_body = 0;
	g->refused = 0;
	g->tls_failed = 0;
	g->incomplete = 0;
	g->last_report_ms = now;
}

static void *reap(void *arg)
{
	fs_http_guard *g = arg;
	struct timespec until;
	guard_conn *e;
	uint64_t now;

	pthread_mutex_lock(&g->lock);
	while (!g->stopping) {
		clock_gettime(CLOCK_MONOTONIC, &until);
		until.tv_nsec += REAP_TICK_MS * 1000000L;
		if (until.tv_nsec >= 1000000000L) {
			until.tv_sec++;
			until.tv_nsec -= 1000000000L;
		}
		if (pthread_cond_timedwait(&g->wake, &g->lock, &until) == 0 && g->stopping)
			break;
		now = fs_monotonic_ms();
		for (e = g->head; e != NULL; e = e->next) {
			if (e->cut)
				continue;
			if (e->deadline_ms != 0 && now >= e->deadline_ms) {
				g->cut++;
			} else if (e->window_end_ms != 0 && now >= e->window_end_ms) {
				if (e->window_bytes * 1000u >=
				    (uint64_t)g->limits.body_min_rate * g->limits.body_window_ms) {
					e->window_end_ms = now + g->limits.body_window_ms;
					e->window_bytes = 0;
					continue;
				}
				g->slow_body++;
			} else {
				continue;
			}
			/* Still in the list, so libmicrohttpd has not closed the
			 * socket yet (see http_guard.h): e->fd is this connection's. */
			shutdown(e->fd, SHUT_RDWR);
			e->cut = 1;
		}
		if (g->last_report_ms == 0 || now - g->last_report_ms >= REPORT_EVERY_MS)
			report(g, now);
	}
	pthread_mutex_unlock(&g->lock);
	return NULL;
}

int fs_http_guard_new(fs_http_guard **out, const fs_http_guard_limits *limits,
                      const char *log_prefix, fs_err *err)
{
	fs_http_guard *g;
	pthread_condattr_t attr;
	int rc;

	*out = NULL;
	g = calloc(1, sizeof(*g));
	if (g == NULL)
		return fs_err_set(err, FS_ENOMEM, "out of memory");
	g->limits = *limits;
	if (g->limits.head_timeout_ms == 0)
		g->limits.head_timeout_ms = 1;
	if (g->limits.body_window_ms == 0)
		g->limits.body_min_rate = 0;
	g->log_prefix = log_prefix;
	g->started_ms = fs_monotonic_ms();
	pthread_mutex_init(&g->lock, NULL);
	pthread_condattr_init(&attr);
	pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
	pthread_cond_init(&g->wake, &attr);
	pthread_condattr_destroy(&attr);
	rc = pthread_create(&g->reaper, NULL, reap, g);
	if (rc != 0) {
		pthread_cond_destroy(&g->wake);
		pthread_mutex_destroy(&g->lock);
		free(g);
		return fs_err_set(err, FS_EGENERIC, "cannot start the connection reaper: %s",
		                  strerror(rc));
	}
	*out = g;
	return 0;
}

void fs_http_guard_free(fs_http_guard *g)
{
	guard_conn *e, *next;

	if (g == NULL)
		return;
	pthread_mutex_lock(&g->lock);
	g->stopping = 1;
	pthread_cond_signal(&g->wake);
	pthread_mutex_unlock(&g->lock);
	pthread_join(g->reaper, NULL);
	report(g, fs_monotonic_ms());
	/* Normally empty: libmicrohttpd has closed every connection. */
	for (e = g->head; e != NULL; e = next) {
		next = e->next;
		free(e);
	}
	pthread_cond_destroy(&g->wake);
	pthread_mutex_destroy(&g->lock);
	free(g);
}

int fs_http_guard_connection(fs_http_guard *g, struct MHD_Connection *c, void **socket_context,
                             enum MHD_ConnectionNotificationCode toe)
{
	guard_conn *e = *socket_context;
	int idle;

	if (toe == MHD_CONNECTION_NOTIFY_STARTED) {
		const union MHD_ConnectionInfo *info =
		    MHD_get_connection_info(c, MHD_CONNECTION_INFO_CONNECTION_FD);

		if (info == NULL)
			return 0;
		e = calloc(1, sizeof(*e));
		if (e == NULL) {
			/* Untracked, it would have no deadline: refuse it. The
			 * socket is open for the length of this callback. */
			shutdown(info->connect_fd, SHUT_RDWR);
			return 0;
		}
		e->fd = info->connect_fd;
		pthread_mutex_lock(&g->lock);
		e->deadline_ms = fs_monotonic_ms() + g->limits.head_timeout_ms;
		e->next = g->head;
		if (g->head != NULL)
			g->head->prev = e;
		g->head = e;
		pthread_mutex_unlock(&g->lock);
		*socket_context = e;
		return 0;
	}
	/* MHD_CONNECTION_NOTIFY_CLOSED: the socket is closed after this
	 * returns, so the entry leaves the list first. */
	if (e == NULL)
		return 0;
	pthread_mutex_lock(&g->lock);
	idle = e->idle;
	if (e->prev != NULL)
		e->prev->next = e->next;
	else
		g->head = e->next;
	if (e->next != NULL)
		e->next->prev = e->prev;
	pthread_mutex_unlock(&g->lock);
	free(e);
	*socket_context = NULL;
	return idle;
}

static guard_conn *entry_of(struct MHD_Connection *c)
{
	const union MHD_ConnectionInfo *info =
	    MHD_get_connection_info(c, MHD_CONNECTION_INFO_SOCKET_CONTEXT);

	return info != NULL ? info->socket_context : NULL;
}

int fs_http_guard_head_done(fs_http_guard *g, struct MHD_Connection *c)
{
	guard_conn *e = entry_of(c);
	int was;

	if (e == NULL)
		return 0;
	pthread_mutex_lock(&g->lock);
	was = e->idle;
	e->idle = 0;
	e->deadline_ms = 0;
	if (g->limits.body_min_rate > 0) {
		e->window_end_ms = fs_monotonic_ms() + g->limits.body_window_ms;
		e->window_bytes = 0;
	}
	pthread_mutex_unlock(&g->lock);
	return was;
}

void fs_http_guard_body(fs_http_guard *g, struct MHD_Connection *c, size_t n)
{
	guard_conn *e = entry_of(c);

	if (e == NULL)
		return;
	pthread_mutex_lock(&g->lock);
	e->window_bytes += n;
	pthread_mutex_unlock(&g->lock);
}

void fs_http_guard_body_done(fs_http_guard *g, struct MHD_Connection *c)
{
	guard_conn *e = entry_of(c);

	if (e == NULL)
		return;
	pthread_mutex_lock(&g->lock);
	e->window_end_ms = 0;
	pthread_mutex_unlock(&g->lock);
}

/* Mark c idle between requests (and, when deadline, start the next
 * head's deadline); 1 when it became idle. */
static int mark_idle(fs_http_guard *g, struct MHD_Connection *c, int deadline)
{
	guard_conn *e = entry_of(c);
	int became;

	if (e == NULL)
		return 0;
	pthread_mutex_lock(&g->lock);
	if (deadline) {
		e->deadline_ms = fs_monotonic_ms() + g->limits.head_timeout_ms;
		e->window_end_ms = 0;
	}
	became = !e->idle;
	e->idle = 1;
	pthread_mutex_unlock(&g->lock);
	return became;
}

int fs_http_guard_request_done(fs_http_guard *g, struct MHD_Connection *c)
{
	return mark_idle(g, c, 1);
}

int fs_http_guard_answered(fs_http_guard *g, struct MHD_Connection *c)
{
	return mark_idle(g, c, 0);
}

int fs_http_guard_log_filter(fs_http_guard *g, const char *msg)
{
	/* libmicrohttpd 0.9.75's messages for a connection refused at the
	 * total or per-source limit (daemon.c, new_connection_prepare_), for
	 * any failed TLS handshake (connection_https.c,
	 * MHD_run_tls_handshake_), and for one that ends mid-request, a cut
	 * one included (connection.c, MHD_connection_handle_read). */
	static const char *const incomplete[] = {
	    "Connection was closed by remote side with incomplete",
	    "Connection socket is closed when reading request",
	    "Socket has been disconnected when reading request",
	};
	static const char refused[] = "Server reached connection limit";
	static const char tls_failed[] = "Error: received handshake message out of context";
	unsigned long *count = NULL;
	size_t i;

	if (strncmp(msg, refused, sizeof(refused) - 1) == 0)
		count = &g->refused;
	else if (strncmp(msg, tls_failed, sizeof(tls_failed) - 1) == 0)
		count = &g->tls_failed;
	for (i = 0; count == NULL && i < sizeof(incomplete) / sizeof(incomplete[0]); i++)
		if (strncmp(msg, incomplete[i], strlen(incomplete[i])) == 0)
			count = &g->incomplete;
	if (count == NULL)
		return 0;
	pthread_mutex_lock(&g->lock);
	(*count)++;
	pthread_mutex_unlock(&g->lock);
	return 1;
}

/* ---- framing ---- */

typedef struct framing {
	unsigned content_length, transfer_encoding;
	int chunked; /* the (last) Transfer-Encoding is exactly "chunked" */
} framing;

static enum MHD_Result count_framing(void *cls, enum MHD_ValueKind kind, const char *key,
                                     const char *value)
{
	framing *f = cls;

	(void)kind;
	if (strcasecmp(key, MHD_HTTP_HEADER_CONTENT_LENGTH) == 0) {
		f->content_length++;
	} else if (strcasecmp(key, MHD_HTTP_HEADER_TRANSFER_ENCODING) == 0) {
		f->transfer_encoding++;
		f->chunked = value != NULL && strcasecmp(value, "chunked") == 0;
	}
	return MHD_YES;
}

int fs_http_framing_check(struct MHD_Connection *c, char *why, size_t why_len)
{
	framing f = {0, 0, 0};

	MHD_get_connection_values(c, MHD_HEADER_KIND, count_framing, &f);
	if (f.content_length > 1)
		snprintf(why, why_len, "more than one Content-Length header");
	else if (f.content_length > 0 && f.transfer_encoding > 0)
		snprintf(why, why_len, "both Content-Length and Transfer-Encoding");
	else if (f.transfer_encoding > 1 || (f.transfer_encoding == 1 && !f.chunked))
		snprintf(why, why_len, "Transfer-Encoding must be one \"chunked\"");
	else
		return 0;
	return -1;
}

