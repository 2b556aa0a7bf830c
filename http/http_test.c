/* Unit tests of http/: the listen address parser and the loopback rule,
 * and the server layer on 127.0.0.1, port 0: body cap, JSON errors (with
 * bytes that are not UTF-8), framing, busy (a connection idle between
 * requests not counted), the server's own headers, a taken port, a reply
 * made later (fs_http_suspend) while the thread serves others. Raw sockets, so malformed requests can be sent. */
#include <arpa/inet.h>
#include <jansson.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "http_listen.h"
#include "http_server.h"
#include "http_wire.h"

static int failures;

#define CHECK(cond)                                                                                \
	do {                                                                                       \
		if (!(cond)) {                                                                     \
			fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, #cond);   \
			failures++;                                                                \
		}                                                                                  \
	} while (0)

/* ---- listen addresses ---- */

static void listen_parse_accepts_ipv4_ipv6_names(void)
{
	fs_http_listen_addr a;
	fs_err e = {0, ""};
	char text[300];

	CHECK(fs_http_listen_parse(&a, "127.0.0.1:8420", 0, &e) == 0 && !a.ipv6);
	CHECK(strcmp(a.host, "127.0.0.1") == 0 && a.port == 8420);
	CHECK(fs_http_listen_parse(&a, "[::1]:0", 0, &e) == 0 && a.ipv6 && a.port == 0);
	CHECK(strcmp(a.host, "::1") == 0);
	fs_http_listen_format(text, sizeof(text), &a, 8080);
	CHECK(strcmp(text, "[::1]:8080") == 0);
	CHECK(fs_http_listen_parse(&a, "0.0.0.0:65535", 0, &e) == 0 && a.port == 65535);
	CHECK(fs_http_listen_parse(&a, "localhost:8420", 0, &e) == 0);
	fs_http_listen_format(text, sizeof(text), &a, 1);
	CHECK(strcmp(text, "localhost:1") == 0);
}

static void listen_parse_refuses_malformed(void)
{
	static const char *const bad[] = {
	    "127.0.0.1",    "127.0.0.1:65536",  "127.0.0.1:-1",   ":8420",
	    "::1:8420",     "[::1]8420",        "[127.0.0.1]:80", "127.0.0.1:",
	    "127.0.0.1:8x", "[::1]:",           "127.0.0.1:+80",  "[]:80",
	    "[::1",         "127.0.0.1:000080",
	};
	fs_http_listen_addr a;
	fs_err e = {0, ""};
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		fs_err_clear(&e);
		CHECK(fs_http_listen_parse(&a, bad[i], 0, &e) == FS_EINVAL);
		/* The message names the text given. */
		CHECK(strstr(e.msg, bad[i]) != NULL);
	}
}

static void listen_parse_numeric_refuses_names(void)
{
	fs_http_listen_addr a;
	fs_err e = {0, ""};

	CHECK(fs_http_listen_parse(&a, "127.0.0.1:8080", FS_HTTP_LISTEN_NUMERIC, &e) == 0);
	CHECK(fs_http_listen_parse(&a, "[::1]:8080", FS_HTTP_LISTEN_NUMERIC, &e) == 0 && a.ipv6);
	CHECK(fs_http_listen_parse(&a, "localhost:8080", FS_HTTP_LISTEN_NUMERIC, &e) == FS_EINVAL);
	CHECK(strstr(e.msg, "numeric") != NULL);
}

static void loopback_rule(void)
{
	static const struct {
		const char *text;
		int loopback;
	} cases[] = {
	    {"127.0.0.1:1", 1},          {"127.255.0.9:1", 1},       {"[::1]:1", 1},
	    {"[::ffff:127.0.0.2]:1", 1}, {"0.0.0.0:1", 0},           {"[::]:1", 0},
	    {"10.0.0.1:1", 0},           {"[::ffff:10.0.0.1]:1", 0}, {"128.0.0.1:1", 0},
	};
	fs_http_listen_addr a;
	fs_err e = {0, ""};
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		CHECK(fs_http_listen_parse(&a, cases[i].text, 0, &e) == 0);
		CHECK(fs_http_is_loopback((const struct sockaddr *)&a.addr) == cases[i].loopback);
	}
	CHECK(fs_http_is_loopback(NULL) == 0);
}

/* ---- the server layer ---- */

#define TEST_CAP 16

static void test_begin(void *cls, fs_http_exchange *x)
{
	(void)cls;
	if (strcmp(x->path, "/refuse") == 0) {
		json_t *details = json_pack("{s:s}", "question", "q1");

		/* A message quoting bytes that are not UTF-8. */
		fs_http_reply_error(&x->reply, 403, "forbidden", details, "no \xff\xfe%s", "here");
		json_decref(details);
		return;
	}
	x->body_cap = TEST_CAP;
}

static void *resume_later(void *arg)
{
	struct timespec t = {0, 300 * 1000 * 1000};

	nanosleep(&t, NULL);
	fs_http_resume(arg);
	return NULL;
}

static void test_resumed(void *cls, fs_http_exchange *x)
{
	(void)cls;
	fs_http_reply_json(&x->reply, 200, json_pack("{s:b}", "later", 1));
}

static void test_finish(void *cls, fs_http_exchange *x)
{
	pthread_t t;

	(void)cls;
	if (strcmp(x->path, "/later") == 0) {
		/* Answered from another thread in 300 ms. */
		fs_http_suspend(x);
		if (pthread_create(&t, NULL, resume_later, x) == 0)
			pthread_detach(t);
		return;
	}
	if (strcmp(x->path, "/soon") == 0) {
		/* Resumed before the layer could suspend it. */
		fs_http_suspend(x);
		fs_http_resume(x);
		return;
	}
	if (x->body_over) {
		fs_http_reply_error(&x->reply, 413, "too_large", NULL, "body over %u bytes",
		                    TEST_CAP);
		return;
	}
	fs_http_reply_json(&x->reply, 200,
	                   json_pack("{s:I, s:I}", "kept", (json_int_t)x->body.len, "in",
	                             (json_int_t)x->bytes_in));
}

static const fs_http_header test_headers[] = {{"X-Test", "always"}};

static int start_server(fs_http_server **srv, unsigned connections, unsigned busy_extra)
{
	fs_http_listen_addr la;
	fs_http_opts o;
	fs_err e = {0, ""};

	if (fs_http_listen_parse(&la, "127.0.0.1:0", FS_HTTP_LISTEN_NUMERIC, &e) != 0)
		return -1;
	memset(&o, 0, sizeof(o));
	o.listen = &la;
	o.log_prefix = "http_test";
	o.in_use_hint = "(test hint)";
	o.connections = connections;
	o.busy_extra = busy_extra;
	o.per_source = 16;
	o.head_timeout_ms = 5000;
	o.idle_timeout_s = 10;
	o.headers = test_headers;
	o.nheaders = 1;
	o.handlers.begin = test_begin;
	o.handlers.finish = test_finish;
	o.handlers.resumed = test_resumed;
	if (fs_http_server_start(srv, &o, &e) != 0) {
		fprintf(stderr, "http_test: %s\n", e.msg);
		return -1;
	}
	return 0;
}

static int connect_to(unsigned port)
{
	struct sockaddr_in a;
	int fd = socket(AF_INET, SOCK_STREAM, 0);

	memset(&a, 0, sizeof(a));
	a.sin_family = AF_INET;
	a.sin_port = htons((uint16_t)port);
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (fd < 0 || connect(fd, (struct sockaddr *)&a, sizeof(a)) != 0) {
		if (fd >= 0)
			close(fd);
		return -1;
	}
	return fd;
}

/* Send req and then filler bytes of 'x' on a new connection, and read the
 * reply until the server closes it or 5 s pass. The reply text
 * (NUL-terminated, "" when none came) goes into out. */
static int exchange(unsigned port, const char *req, size_t req_len, uint64_t filler, char *out,
                    size_t len)
{
	static char xs[65536];
	int fd = connect_to(port);
	size_t got = 0, sent = 0;
	ssize_t n = 1;

	out[0] = '\0';
	if (fd < 0)
		return -1;
	memset(xs, 'x', sizeof(xs));
	while (sent < req_len && n > 0) {
		n = send(fd, req + sent, req_len - sent, MSG_NOSIGNAL);
		sent += n > 0 ? (size_t)n : 0;
	}
	/* The server may answer and close early: stop sending then. */
	while (filler > 0 && n > 0) {
		n = send(fd, xs, filler < sizeof(xs) ? (size_t)filler : sizeof(xs), MSG_NOSIGNAL);
		filler -= n > 0 ? (uint64_t)n : 0;
	}
	for (;;) {
		struct pollfd p = {fd, POLLIN, 0};

		if (got + 1 >= len || poll(&p, 1, 5000) <= 0)
			break;
		n = recv(fd, out + got, len - 1 - got, 0);
		if (n <= 0)
			break;
		got += (size_t)n;
	}
	out[got] = '\0';
	close(fd);
	return 0;
}

/* Send req (len bytes) and check the reply's status; the JSON body (a new
 * reference, NULL when none) and the reply's text in reply. */
static json_t *request(unsigned port, const char *req, size_t len, int want_status, char *reply,
                       size_t reply_len)
{
	const char *b;
	int status = 0;

	CHECK(exchange(port, req, len, 0, reply, reply_len) == 0);
	sscanf(reply, "HTTP/1.1 %d", &status);
	CHECK(status == want_status);
	b = strstr(reply, "\r\n\r\n");
	return b != NULL ? json_loads(b + 4, 0, NULL) : NULL;
}

static int has_header(const char *reply, const char *line)
{
	const char *end = strstr(reply, "\r\n\r\n");
	const char *at = strstr(reply, line);

	return at != NULL && end != NULL && at < end;
}

/* Is b's key the string want? */
static int key_is(const json_t *b, const char *key, const char *want)
{
	const char *v = json_string_value(json_object_get(b, key));

	return v != NULL && strcmp(v, want) == 0;
}

static void server_keeps_a_body_under_its_cap(unsigned port)
{
	static const char req[] = "POST /echo HTTP/1.1\r\nHost: t\r\nConnection: close\r\n"
	                          "Content-Length: 10\r\n\r\n0123456789";
	char reply[4096];
	json_t *b = request(port, req, sizeof(req) - 1, 200, reply, sizeof(reply));

	CHECK(has_header(reply, "Content-Type: " FS_WIRE_JSON_TYPE "\r\n"));
	CHECK(has_header(reply, "X-Test: always\r\n"));
	CHECK(json_integer_value(json_object_get(b, "kept")) == 10);
	json_decref(b);
}

static void server_counts_a_body_over_its_cap_and_keeps_none(unsigned port)
{
	char req[512], reply[4096];
	json_t *b;
	int n = snprintf(req, sizeof(req),
	                 "POST /echo HTTP/1.1\r\nHost: t\r\nConnection: close\r\n"
	                 "Content-Length: %d\r\n\r\n",
	                 TEST_CAP + 1);

	memset(req + n, 'x', TEST_CAP + 1);
	b = request(port, req, (size_t)n + TEST_CAP + 1, 413, reply, sizeof(reply));
	CHECK(has_header(reply, "Content-Type: " FS_WIRE_JSON_TYPE "\r\n"));
	CHECK(key_is(b, "error", "too_large"));
	CHECK(key_is(b, "message", "body over 16 bytes"));
	json_decref(b);
}

/* Past the cap bytes are only counted; FS_HTTP_DISCARD_MAX more and the
 * client is cut off unanswered, so a refused upload cannot run for ever. */
static void server_cuts_a_body_far_over_its_cap(unsigned port)
{
	uint64_t body = TEST_CAP + (uint64_t)FS_HTTP_DISCARD_MAX + (1u << 20);
	char req[512], reply[4096];
	int n = snprintf(req, sizeof(req),
	                 "POST /echo HTTP/1.1\r\nHost: t\r\nConnection: close\r\n"
	                 "Content-Length: %llu\r\n\r\n",
	                 (unsigned long long)body);

	CHECK(exchange(port, req, (size_t)n, body, reply, sizeof(reply)) == 0);
	CHECK(reply[0] == '\0');
}

static void server_error_is_json_even_with_bytes_not_utf8(unsigned port)
{
	static const char req[] = "GET /refuse HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n";
	char reply[4096];
	json_t *b = request(port, req, sizeof(req) - 1, 403, reply, sizeof(reply));
	const char *text = strstr(reply, "\r\n\r\n");

	/* Details first, then error and message; bad bytes as '?'. */
	CHECK(text != NULL &&
	      strcmp(text + 4,
	             "{\"question\":\"q1\",\"error\":\"forbidden\",\"message\":\"no ??here\"}") ==
	          0);
	json_decref(b);
}

static void server_refuses_a_body_framed_two_ways(unsigned port)
{
	static const char req[] = "POST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: 3\r\n"
	                          "Content-Length: 3\r\n\r\nabc";
	char reply[4096];
	json_t *b = request(port, req, sizeof(req) - 1, 400, reply, sizeof(reply));

	CHECK(has_header(reply, "Connection: close\r\n"));
	CHECK(has_header(reply, "X-Test: always\r\n")); /* the server's own headers too */
	CHECK(key_is(b, "error", "bad_request"));
	json_decref(b);
}

static uint64_t now_ms(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (uint64_t)t.tv_sec * 1000u + (uint64_t)t.tv_nsec / 1000000u;
}

/* Read from fd until text appears or 5 s pass; 1 when it did. */
static int read_until(int fd, const char *text, char *out, size_t len)
{
	size_t got = 0;

	out[0] = '\0';
	while (strstr(out, text) == NULL && got + 1 < len) {
		struct pollfd p = {fd, POLLIN, 0};
		ssize_t n;

		if (poll(&p, 1, 5000) <= 0)
			break;
		n = recv(fd, out + got, len - 1 - got, 0);
		if (n <= 0)
			break;
		got += (size_t)n;
		out[got] = '\0';
	}
	return strstr(out, text) != NULL;
}

static void server_does_not_count_a_connection_between_requests(void)
{
	static const char keep[] = "GET /echo HTTP/1.1\r\nHost: t\r\n\r\n";
	static const char req[] = "GET /echo HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n";
	fs_http_server *srv = NULL;
	char reply[4096];
	int held;

	CHECK(start_server(&srv, 1, 4) == 0);
	if (srv == NULL)
		return;
	/* A connection answered and kept open (keep-alive, or a client that
	 * closed it unseen yet): another request is still served. */
	held = connect_to(fs_http_server_port(srv));
	CHECK(held >= 0 && send(held, keep, sizeof(keep) - 1, MSG_NOSIGNAL) > 0);
	CHECK(read_until(held, "\"in\":0}", reply, sizeof(reply)));
	json_decref(request(fs_http_server_port(srv), req, sizeof(req) - 1, 200, reply,
	                    sizeof(reply)));
	/* Its next request is served too. */
	CHECK(send(held, keep, sizeof(keep) - 1, MSG_NOSIGNAL) > 0);
	CHECK(read_until(held, "\"in\":0}", reply, sizeof(reply)));
	if (held >= 0)
		close(held);
	fs_http_server_stop(srv);
}

static void server_answers_later_while_serving_others(void)
{
	static const char later[] = "GET /later HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n";
	static const char soon[] = "GET /soon HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n";
	static const char req[] = "GET /echo HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n";
	fs_http_server *srv = NULL;
	char reply[4096];
	uint64_t t0;
	json_t *b;
	int fd;

	/* One thread for every connection. */
	CHECK(start_server(&srv, 8, 0) == 0);
	if (srv == NULL)
		return;
	fd = connect_to(fs_http_server_port(srv));
	t0 = now_ms();
	CHECK(fd >= 0 && send(fd, later, sizeof(later) - 1, MSG_NOSIGNAL) > 0);
	usleep(50 * 1000);
	json_decref(request(fs_http_server_port(srv), req, sizeof(req) - 1, 200, reply,
	                    sizeof(reply)));
	CHECK(now_ms() - t0 < 250); /* not behind /later */
	CHECK(fs_http_server_in_flight(srv) == 1);
	CHECK(read_until(fd, "\"later\":true}", reply, sizeof(reply)));
	CHECK(strncmp(reply, "HTTP/1.1 200", 12) == 0);
	CHECK(now_ms() - t0 >= 300);
	if (fd >= 0)
		close(fd);
	b = request(fs_http_server_port(srv), soon, sizeof(soon) - 1, 200, reply, sizeof(reply));
	CHECK(json_is_true(json_object_get(b, "later")));
	json_decref(b);
	fs_http_server_stop(srv);
}

static void server_answers_busy_past_its_connections(void)
{
	static const char req[] = "GET /echo HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n";
	fs_http_server *srv = NULL;
	char reply[4096];
	json_t *b;
	int held;

	CHECK(start_server(&srv, 1, 4) == 0);
	if (srv == NULL)
		return;
	/* One connection open and idle: a second one is over the limit. */
	held = connect_to(fs_http_server_port(srv));
	CHECK(held >= 0);
	usleep(200 * 1000);
	b = request(fs_http_server_port(srv), req, sizeof(req) - 1, 503, reply, sizeof(reply));
	CHECK(has_header(reply, "Retry-After: 1\r\n"));
	CHECK(key_is(b, "error", "busy"));
	json_decref(b);
	if (held >= 0)
		close(held);
	fs_http_server_stop(srv);
}

static void server_names_a_taken_port(unsigned port)
{
	fs_http_listen_addr la;
	fs_http_opts o;
	fs_http_server *srv = NULL;
	fs_err e = {0, ""};
	char text[64], want[128];

	snprintf(text, sizeof(text), "127.0.0.1:%u", port);
	CHECK(fs_http_listen_parse(&la, text, 0, &e) == 0);
	memset(&o, 0, sizeof(o));
	o.listen = &la;
	o.log_prefix = "http_test";
	o.in_use_hint = "(test hint)";
	o.connections = 4;
	o.per_source = 4;
	o.head_timeout_ms = 1000;
	o.idle_timeout_s = 1;
	o.handlers.begin = test_begin;
	o.handlers.finish = test_finish;
	o.handlers.resumed = test_resumed;
	CHECK(fs_http_server_start(&srv, &o, &e) == FS_EGENERIC && srv == NULL);
	snprintf(want, sizeof(want), "cannot listen on %s: the port is in use (test hint)", text);
	CHECK(strcmp(e.msg, want) == 0);
}

int main(void)
{
	fs_http_server *srv = NULL;

	listen_parse_accepts_ipv4_ipv6_names();
	listen_parse_refuses_malformed();
	listen_parse_numeric_refuses_names();
	loopback_rule();
	CHECK(start_server(&srv, 8, 0) == 0);
	if (srv != NULL) {
		unsigned port = fs_http_server_port(srv);

		server_keeps_a_body_under_its_cap(port);
		server_counts_a_body_over_its_cap_and_keeps_none(port);
		server_cuts_a_body_far_over_its_cap(port);
		server_error_is_json_even_with_bytes_not_utf8(port);
		server_refuses_a_body_framed_two_ways(port);
		server_names_a_taken_port(port);
		fs_http_server_stop(srv);
	}
	server_answers_busy_past_its_connections();
	server_does_not_count_a_connection_between_requests();
	server_answers_later_while_serving_others();
	if (failures != 0) {
		fprintf(stderr, "http_test: %d check(s) failed\n", failures);
		return 1;
	}
	printf("http_test: all passed\n");
	return 0;
}
