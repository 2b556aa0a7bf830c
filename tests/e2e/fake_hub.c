/* fake_hub: a stand-in for fieldsync-hub that answers every sync with a
 * given body, to test how the agent treats a hostile hub (tests/e2e/
 * agent_memory.sh). Loopback only, port 0.
 *
 * usage: fake_hub PORT_FILE STATUS BODY_FILE gzip|plain|gzip-stall
 *   POST /v1/enroll   200 with a made-up site, region and token
 *   GET  /health      200
 *   POST /v1/sync     STATUS with BODY_FILE as the body (Content-Encoding:
 *                     gzip when asked), Fieldsync-Ack set to the `to` of the
 *                     change set received, so the agent takes the reply;
 *                     gzip-stall: gzip, but only the first half of the body
 *                     is sent, then nothing (the connection stays open: a
 *                     hub or link that died mid-reply, agent_link.sh)
 * The bound port is written to PORT_FILE; it runs until SIGTERM. */
#include <arpa/inet.h>
#include <inttypes.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "fieldsync/changeset.h"

static char *body;
static size_t body_len;
static unsigned status;
static int gzip_body, stall_body;
static volatile sig_atomic_t stop;

typedef struct upload {
	fs_buf data;
} upload;

static void on_term(int sig)
{
	(void)sig;
	stop = 1;
}

static uint64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static enum MHD_Result send_text(struct MHD_Connection *c, unsigned code, const char *text)
{
	struct MHD_Response *r =
	    MHD_create_response_from_buffer(strlen(text), (void *)text, MHD_RESPMEM_MUST_COPY);
	enum MHD_Result rc;

	MHD_add_response_header(r, "Content-Type", "application/json");
	rc = MHD_queue_response(c, code, r);
	MHD_destroy_response(r);
	return rc;
}

/* gzip-stall: half of the body, then nothing until SIGTERM. */
static ssize_t read_then_stall(void *cls, uint64_t pos, char *buf, size_t max)
{
	size_t half = body_len / 2;

	(void)cls;
	if (pos < half) {
		size_t n = half - (size_t)pos < max ? half - (size_t)pos : max;

		memcpy(buf, body + pos, n);
		return (ssize_t)n;
	}
	if (stop)
		return MHD_CONTENT_READER_END_WITH_ERROR;
	usleep(100 * 1000); /* no data yet: MHD asks again */
	return 0;
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *c, const char *url,
                                  const char *method, const char *version,
                                  const char *data, size_t *size, void **ctx)
{
	upload *u = *ctx;
	struct MHD_Response *r;
	fs_changeset cs;
	char text[256], ack[32];
	enum MHD_Result rc;
	int64_t to = 0;

	(void)cls;
	(void)version;
	if (u == NULL) {
		u = calloc(1, sizeof(*u));
		if (u == NULL)
			return MHD_NO;
		fs_buf_init(&u->data, 8u << 20);
		*ctx = u;
		return MHD_YES;
	}
	if (*size != 0) {
		fs_buf_append(&u->data, data, *size);
		*size = 0;
		return MHD_YES;
	}
	if (strcmp(url, "/health") == 0) {
		snprintf(text, sizeof(text), "{\"status\":\"ok\",\"time\":%" PRIu64 ",\"version\":\"0\"}",
		         now_ms());
		return send_text(c, 200, text);
	}
	if (strcmp(method, "POST") == 0 && strcmp(url, "/v1/enroll") == 0) {
		snprintf(text, sizeof(text),
		         "{\"site\":\"k-fakehub0001\",\"region\":\"north\","
		         "\"token\":\"k-fakehub0001.secret\",\"time\":%" PRIu64 "}",
		         now_ms());
		return send_text(c, 200, text);
	}
	if (strcmp(method, "POST") != 0 || strcmp(url, "/v1/sync") != 0)
		return send_text(c, 404, "{\"error\":\"not_found\",\"message\":\"no such endpoint\"}");
	if (fs_changeset_unpack(&cs, u->data.data, u->data.len, NULL, NULL) == 0) {
		to = cs.to;
		fs_changeset_free(&cs);
	}
	if (stall_body)
		r = MHD_create_response_from_callback(body_len, 1024, read_then_stall, NULL, NULL);
	else
		r = MHD_create_response_from_buffer(body_len, body, MHD_RESPMEM_PERSISTENT);
	MHD_add_response_header(r, "Content-Type", "application/vnd.fieldsync.changeset+json");
	if (gzip_body)
		MHD_add_response_header(r, "Content-Encoding", "gzip");
	snprintf(ack, sizeof(ack), "%" PRId64, to);
	MHD_add_response_header(r, "Fieldsync-Ack", ack);
	rc = MHD_queue_response(c, status, r);
	MHD_destroy_response(r);
	return rc;
}

static void on_done(void *cls, struct MHD_Connection *c, void **ctx,
                    enum MHD_RequestTerminationCode code)
{
	upload *u = *ctx;

	(void)cls;
	(void)c;
	(void)code;
	if (u != NULL) {
		fs_buf_free(&u->data);
		free(u);
	}
	*ctx = NULL;
}

int main(int argc, char **argv)
{
	struct sockaddr_in addr;
	struct MHD_Daemon *d;
	const union MHD_DaemonInfo *info;
	FILE *f;
	long n;

	if (argc != 5) {
		fprintf(stderr, "usage: fake_hub PORT_FILE STATUS BODY_FILE gzip|plain|gzip-stall\n");
		return 2;
	}
	status = (unsigned)atoi(argv[2]);
	stall_body = strcmp(argv[4], "gzip-stall") == 0;
	gzip_body = stall_body || strcmp(argv[4], "gzip") == 0;
	f = fopen(argv[3], "rb");
	if (f == NULL || fseek(f, 0, SEEK_END) != 0 || (n = ftell(f)) < 0 ||
	    fseek(f, 0, SEEK_SET) != 0 || (body = malloc((size_t)n + 1)) == NULL ||
	    fread(body, 1, (size_t)n, f) != (size_t)n) {
		fprintf(stderr, "fake_hub: cannot read %s\n", argv[3]);
		return 1;
	}
	fclose(f);
	body_len = (size_t)n;
	memset(&addr, 0, sizeof(addr));
	addr.sin_family = AF_INET;
	addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	d = MHD_start_daemon(MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_ERROR_LOG, 0, NULL, NULL,
	                     on_request, NULL, MHD_OPTION_SOCK_ADDR, &addr,
	                     MHD_OPTION_NOTIFY_COMPLETED, on_done, NULL, MHD_OPTION_END);
	if (d == NULL) {
		fprintf(stderr, "fake_hub: cannot listen\n");
		return 1;
	}
	info = MHD_get_daemon_info(d, MHD_DAEMON_INFO_BIND_PORT);
	f = fopen(argv[1], "w");
	if (info == NULL || f == NULL) {
		fprintf(stderr, "fake_hub: cannot write the port\n");
		return 1;
	}
	fprintf(f, "%u\n", (unsigned)info->port);
	fclose(f);
	signal(SIGTERM, on_term);
	signal(SIGINT, on_term);
	while (!stop)
		pause();
	MHD_stop_daemon(d);
	free(body);
	return 0;
}
