#include "client.h"

#include <arpa/inet.h>
#include <curl/curl.h>
#include <dlfcn.h>
#include <errno.h>
#include <jansson.h>
#include <sodium.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "fieldsync/monotonic.h"
#include "fieldsync/receipt.h"
#include "cli.h"
#include "http_wire.h"

#define CONNECT_TIMEOUT_S 10L
#define TOTAL_TIMEOUT_S   120L
/* A hub that took the request may think for a while before its reply. */
#define LOW_SPEED_BYTES   100L
#define LOW_SPEED_TIME_S  30L
#define STOP_GRACE_MS     5000u
/* A dead link, in seconds rather than LOW_SPEED_TIME_S (docs/agent.md,
 * "Transport"): sent bytes unacknowledged for UNACKED_MAX_MS (TCP_INFO,
 * checked on every progress call, and TCP_USER_TIMEOUT), keepalive
 * probes while waiting for the reply (answered by the hub's kernel while
 * the hub thinks, so a slow hub is not taken for a dead link), and a reply
 * that stops once begun. A live 2G link (600 ms RTT, 3 % loss) retransmits
 * a lost segment within 1-4 s; it takes four losses in a row of one
 * segment to pass 10 s. */
#define UNACKED_MAX_MS    10000u
#define KEEPIDLE_S        3L
#define KEEPINTVL_S       2L
#define KEEPCNT           3
#define REPLY_STALL_MS    8000u

struct agent_client {
	CURL *curl;
	char *hub;
	char *auth_header; /* "Authorization: Bearer ..." or NULL */
	char *ca_file;
	const volatile sig_atomic_t *stop;
	uint64_t stop_seen_ms;
	int body_too_big;
	/* the transfer's progress, for the stall check (on_progress) */
	curl_off_t moved;     /* bytes up and down so far */
	uint64_t moved_ms;    /* when they last grew */
	int reply_begun;      /* a status line came */
	int stalled;          /* aborted: the reply stopped */
	int unacked;          /* aborted: sent bytes unacknowledged too long */
	curl_socket_t fd;     /* the connection's socket (on_socket), or CURL_SOCKET_BAD */
	long timeout_s;       /* total per request (TOTAL_TIMEOUT_S unless set) */
};

void agent_reply_init(agent_reply *r, size_t cap)
{
	memset(r, 0, sizeof(*r));
	fs_buf_init(&r->body, cap);
	r->retry_after = -1;
}

void agent_reply_free(agent_reply *r)
{
	fs_buf_free(&r->body);
}

static void reply_reset(agent_reply *r)
{
	fs_buf body = r->body;

	fs_buf_reset(&body);
	memset(r, 0, sizeof(*r));
	r->body = body;
	r->retry_after = -1;
}

int agent_hub_url_is_valid(const char *url)
{
	size_t i;

	if (strncmp(url, "http://", 7) != 0 && strncmp(url, "https://", 8) != 0)
		return 0;
	if (strlen(url) < 9 || strlen(url) > 900)
		return 0;
	for (i = 0; url[i]; i++)
		if ((unsigned char)url[i] <= ' ' || url[i] == '?' || url[i] == '#' ||
		    (unsigned char)url[i] >= 0x7f)
			return 0;
	return 1;
}

int agent_hub_url_is_loopback(const char *url)
{
	CURLU *u = curl_url();
	char *host = NULL;
	unsigned char a[16];
	size_t n;
	int yes = 0;

	/* curl's own parser, so the host judged is the host curl connects to. */
	if (u == NULL || curl_url_set(u, CURLUPART_URL, url, 0) != CURLUE_OK ||
	    curl_url_get(u, CURLUPART_HOST, &host, 0) != CURLUE_OK || host == NULL)
		goto done;
	n = strlen(host);
	if (strcasecmp(host, "localhost") == 0) {
		yes = 1; /* libcurl resolves "localhost" itself, to loopback only */
	} else if (inet_pton(AF_INET, host, a) == 1) {
		yes = a[0] == 127;
	} else if (n > 2 && host[0] == '[' && host[n - 1] == ']') {
		char inner[64];

		if (n - 2 < sizeof(inner)) {
			memcpy(inner, host + 1, n - 2);
			inner[n - 2] = '\0';
			yes = inet_pton(AF_INET6, inner, a) == 1 &&
			      memcmp(a, "\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\1", 16) == 0;
		}
	}
done:
	curl_free(host);
	curl_url_cleanup(u);
	return yes;
}

int agent_hub_transport_check(const char *url, int insecure_http, int *insecure, fs_err *err)
{
	*insecure = 0;
	if (strncmp(url, "https://", 8) == 0 || agent_hub_url_is_loopback(url))
		return 0;
	if (insecure_http) {
		*insecure = 1;
		return 0;
	}
	return fs_err_set(err, FS_EINVAL,
	                  "refusing the hub %.200s: plain http:// to another machine would send "
	                  "the enrollment code, the kiosk's token and every answer across the "
	                  "network unencrypted; use an https:// URL, or accept the risk with "
	                  "init --insecure-http (\"insecure_http\": true in agent.json)",
	                  url);
}

/* libssh2's LIBSSH2_INIT_NO_CRYPTO (libssh2.h). */
#define SSH2_INIT_NO_CRYPTO 0x0001

/* Debian's libcurl links libssh2, whose first libssh2_init (made by
 * curl_global_init) starts OpenSSL's libcrypto, about 2.5 MiB resident, in
 * a process whose TLS is GnuTLS. The agent allows only http and https
 * (CURLOPT_PROTOCOLS_STR), so libssh2 never runs: initialised first here
 * without its crypto, curl's call then only counts. Looked up at run time,
 * so a libcurl without libssh2 needs nothing. */
static void ssh2_init_without_crypto(void)
{
	int (*init)(int) = NULL;
	void *sym = dlsym(RTLD_DEFAULT, "libssh2_init");

	memcpy(&init, &sym, sizeof(init));
	if (init != NULL)
		init(SSH2_INIT_NO_CRYPTO);
}

int agent_client_global_init(fs_err *err)
{
	ssh2_init_without_crypto();
	if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK)
		return fs_err_set(err, FS_EGENERIC, "cannot initialise libcurl");
	return 0;
}

void agent_client_global_cleanup(void)
{
	curl_global_cleanup();
}

int agent_client_new(agent_client **out, const char *hub, const char *token, const char *ca_file,
                     int insecure_http, fs_err *err)
{
	agent_client *c;
	int insecure, rc;

	*out = NULL;
	rc = agent_hub_transport_check(hub, insecure_http, &insecure, err);
	if (rc != 0)
		return rc;
	if (insecure)
		fprintf(stderr,
		        AGENT_PROG
		        ": warning: the hub %.200s is plain http:// to another machine "
		        "(insecure_http): the enrollment code, the token and the answers "
		        "cross the network unencrypted\n",
		        hub);
	c = calloc(1, sizeof(*c));
	if (c == NULL)
		return fs_err_set(err, FS_ENOMEM, "out of memory");
	c->curl = curl_easy_init();
	c->fd = CURL_SOCKET_BAD;
	c->hub = strdup(hub);
	c->ca_file = (ca_file && ca_file[0]) ? strdup(ca_file) : NULL;
	if (token != NULL) {
		size_t n = strlen("Authorization: Bearer ") + strlen(token) + 1;

		c->auth_header = malloc(n);
		if (c->auth_header != NULL)
			snprintf(c->auth_header, n, "Authorization: Bearer %s", token);
	}
	if (c->curl == NULL || c->hub == NULL || (ca_file && ca_file[0] && c->ca_file == NULL) ||
	    (token != NULL && c->auth_header == NULL)) {
		agent_client_free(c);
		return fs_err_set(err, FS_ENOMEM, "out of memory");
	}
	*out = c;
	return 0;
}

void agent_client_free(agent_client *c)
{
	if (c == NULL)
		return;
	if (c->curl != NULL)
		curl_easy_cleanup(c->curl);
	if (c->auth_header != NULL) {
		memset(c->auth_header, 0, strlen(c->auth_header));
		free(c->auth_header);
	}
	free(c->hub);
	free(c->ca_file);
	free(c);
}

void agent_client_set_stop(agent_client *c, const volatile sig_atomic_t *stop)
{
	c->stop = stop;
}

typedef struct transfer {
	agent_client *c;
	agent_reply *r;
} transfer;

static size_t on_body(char *data, size_t size, size_t nmemb, void *ctx)
{
	transfer *t = ctx;
	size_t n = size * nmemb;

	if (fs_buf_append(&t->r->body, data, n) != 0) {
		t->c->body_too_big = 1;
		return 0; /* makes curl abort with CURLE_WRITE_ERROR */
	}
	return n;
}

/* Does header line h (not NUL-terminated, n bytes) have name? Then *value
 * points at its trimmed value of *vlen bytes. */
static int header_is(const char *h, size_t n, const char *name, const char **value, size_t *vlen)
{
	size_t k = strlen(name);

	if (n <= k || h[k] != ':' || strncasecmp(h, name, k) != 0)
		return 0;
	h += k + 1;
	n -= k + 1;
	while (n > 0 && (*h == ' ' || *h == '\t')) {
		h++;
		n--;
	}
	while (n > 0 && (h[n - 1] == '\r' || h[n - 1] == '\n' || h[n - 1] == ' '))
		n--;
	*value = h;
	*vlen = n;
	return 1;
}

static int parse_i64(int64_t *out, const char *v, size_t n)
{
	char text[24];
	uint64_t x;

	if (n == 0 || n >= sizeof(text))
		return -1;
	memcpy(text, v, n);
	text[n] = '\0';
	if (agent_parse_uint(&x, text, INT64_MAX) != 0)
		return -1;
	*out = (int64_t)x;
	return 0;
}

static size_t on_header(char *data, size_t size, size_t nmemb, void *ctx)
{
	transfer *t = ctx;
	size_t n = size * nmemb;
	const char *v;
	size_t vlen;
	int64_t x;

	t->c->moved_ms = fs_monotonic_ms();
	if (n >= 5 && strncmp(data, "HTTP/", 5) == 0) {
		t->c->reply_begun = 1;
		/* A new response (after a 1xx): forget earlier headers. */
		t->r->gzip = 0;
		t->r->has_ack = 0;
		t->r->retry_after = -1;
		t->r->seal_key[0] = '\0';
		t->r->region[0] = '\0';
	} else if (header_is(data, n, FS_WIRE_REGION_HEADER, &v, &vlen)) {
		if (vlen < sizeof(t->r->region)) {
			memcpy(t->r->region, v, vlen);
			t->r->region[vlen] = '\0';
		}
	} else if (header_is(data, n, FS_WIRE_SEAL_KEY_HEADER, &v, &vlen)) {
		if (vlen < sizeof(t->r->seal_key)) {
			memcpy(t->r->seal_key, v, vlen);
			t->r->seal_key[vlen] = '\0';
		}
	} else if (header_is(data, n, FS_WIRE_ACK_HEADER, &v, &vlen)) {
		if (parse_i64(&x, v, vlen) == 0) {
			t->r->has_ack = 1;
			t->r->ack = x;
		}
	} else if (header_is(data, n, "Content-Encoding", &v, &vlen)) {
		t->r->gzip = vlen == strlen(FS_WIRE_CHANGESET_ENCODING) &&
		             strncasecmp(v, FS_WIRE_CHANGESET_ENCODING, vlen) == 0;
	} else if (header_is(data, n, "Retry-After", &v, &vlen)) {
		if (parse_i64(&x, v, vlen) == 0)
			t->r->retry_after = x > 86400 ? 86400 : (long)x;
	}
	return n;
}

/* Bytes sent and no acknowledgement for UNACKED_MAX_MS: the link is down.
 * TCP_USER_TIMEOUT alone acts only when a retransmission timer fires, and
 * behind a deep 2G queue the first one can come 20 s late. Linux only. */
static int link_silent(agent_client *c)
{
#if defined(TCP_INFO)
	struct tcp_info ti;
	socklen_t n = sizeof(ti);

	/* Not CURLINFO_ACTIVESOCKET: libcurl tells it only between transfers. */
	if (c->fd == CURL_SOCKET_BAD)
		return 0;
	memset(&ti, 0, sizeof(ti));
	if (getsockopt(c->fd, IPPROTO_TCP, TCP_INFO, &ti, &n) != 0)
		return 0;
	/* Before the handshake's end the timestamps mean nothing (the
	 * connect timeout covers that part). */
	return ti.tcpi_state == TCP_ESTABLISHED && ti.tcpi_unacked > 0 &&
	       ti.tcpi_last_ack_recv > UNACKED_MAX_MS;
#else
	(void)c;
	return 0;
#endif
}

static int on_progress(void *ctx, curl_off_t dltotal, curl_off_t dlnow, curl_off_t ultotal,
                       curl_off_t ulnow)
{
	agent_client *c = ctx;
	uint64_t now = fs_monotonic_ms();

	(void)dltotal;
	(void)ultotal;
	if (dlnow + ulnow != c->moved) {
		c->moved = dlnow + ulnow;
		c->moved_ms = now;
	}
		/* Once the reply has begun the hub has it all ready: silence then is
	 * a dead link or hub, not thinking. */
	if (c->reply_begun && now - c->moved_ms > REPLY_STALL_MS) {
		c->stalled = 1;
		return 1;
	}
	if (link_silent(c)) {
		c->unacked = 1;
		return 1;
	}
	if (c->stop == NULL || !*c->stop)
		return 0;
	if (c->stop_seen_ms == 0)
		c->stop_seen_ms = fs_monotonic_ms();
	return fs_monotonic_ms() - c->stop_seen_ms > STOP_GRACE_MS;
}

/* The dead-link limits libcurl has no option for (Linux TCP; best effort:
 * elsewhere the keepalive and stall checks remain). */
static int on_socket(void *ctx, curl_socket_t fd, curlsocktype purpose)
{
	agent_client *c = ctx;
	unsigned timeout = UNACKED_MAX_MS;
	int count = KEEPCNT;

	if (purpose != CURLSOCKTYPE_IPCXN)
		return CURL_SOCKOPT_OK;
	c->fd = fd;
#ifdef TCP_USER_TIMEOUT
	setsockopt(fd, IPPROTO_TCP, TCP_USER_TIMEOUT, &timeout, sizeof(timeout));
#endif
	setsockopt(fd, IPPROTO_TCP, TCP_KEEPCNT, &count, sizeof(count));
	(void)timeout;
	return CURL_SOCKOPT_OK;
}

/* libcurl closes a connection's socket: forget it (link_silent). */
static int on_close(void *ctx, curl_socket_t fd)
{
	agent_client *c = ctx;

	if (c->fd == fd)
		c->fd = CURL_SOCKET_BAD;
	return close(fd);
}

/* Copy s into out, dropping control characters, at most len - 1 bytes. */
static void copy_clean(char *out, size_t len, const char *s)
{
	size_t i = 0;

	for (; s && *s && i + 1 < len; s++)
		out[i++] = ((unsigned char)*s < 0x20 || *s == 0x7f) ? ' ' : *s;
	out[i] = '\0';
}

#define ERROR_BODY_MAX (64u << 10)

/* Read {"error", "message", "time"} from a JSON error body, if it is one. */
static void parse_error_body(agent_reply *r)
{
	json_t *o;
	json_int_t t;

	/* The hub's error bodies are a few hundred bytes; a large one is not
	 * parsed, since Jansson's tree may cost a hundred times the text. */
	if (r->body.len == 0 || r->gzip || r->body.len > ERROR_BODY_MAX)
		return;
	o = json_loadb(r->body.data, r->body.len, 0, NULL);
	if (!json_is_object(o)) {
		json_decref(o);
		return;
	}
	copy_clean(r->error, sizeof(r->error), json_string_value(json_object_get(o, "error")));
	copy_clean(r->message, sizeof(r->message),
	           json_string_value(json_object_get(o, "message")));
	copy_clean(r->wipe, sizeof(r->wipe), json_string_value(json_object_get(o, "wipe")));
	t = json_integer_value(json_object_get(o, "time"));
	r->hub_time = t > 0 ? (uint64_t)t : 0;
	json_decref(o);
}

static int add_header(struct curl_slist **list, const char *header)
{
	struct curl_slist *n = curl_slist_append(*list, header);

	if (n == NULL)
		return -1;
	*list = n;
	return 0;
}

static const char *net_reason(CURLcode code)
{
	switch (code) {
	case CURLE_COULDNT_RESOLVE_HOST:
		return "cannot resolve the hub's host name";
	case CURLE_COULDNT_CONNECT:
		return "cannot connect";
	case CURLE_OPERATION_TIMEDOUT:
		return "timed out";
	case CURLE_SEND_ERROR:
		return "connection lost while sending";
	case CURLE_RECV_ERROR:
		return "connection lost while receiving";
	case CURLE_GOT_NOTHING:
		return "connection closed without a reply";
	case CURLE_PARTIAL_FILE:
		return "reply cut short";
	case CURLE_PEER_FAILED_VERIFICATION:
		return "TLS: the hub's certificate is not trusted";
	case CURLE_SSL_CONNECT_ERROR:
		return "TLS handshake failed";
	case CURLE_ABORTED_BY_CALLBACK:
		return "stopped";
	default:
		return curl_easy_strerror(code);
	}
}

int agent_client_post(agent_client *c, agent_reply *out, const char *path, const char *content_type,
                      int gzip, const void *body, size_t n, fs_err *err)
{
	return agent_client_post_with(c, out, path, content_type, gzip, body, n, NULL, err);
}

int agent_client_post_with(agent_client *c, agent_reply *out, const char *path,
                           const char *content_type, int gzip, const void *body, size_t n,
                           const char *const *extra, fs_err *err)
{
	struct curl_slist *headers = NULL;
	char url[1200], ctype[128];
	transfer t = {c, out};
	CURLcode code;
	CURL *cu = c->curl;
	int rc = 0;

	reply_reset(out);
	c->body_too_big = 0;
	c->stop_seen_ms = 0;
	c->moved = 0;
	c->moved_ms = fs_monotonic_ms();
	c->reply_begun = 0;
	c->stalled = 0;
	c->unacked = 0;
	if (snprintf(url, sizeof(url), "%s%s", c->hub, path) >= (int)sizeof(url))
		return fs_err_set(err, FS_EINVAL, "hub URL too long");
	snprintf(ctype, sizeof(ctype), "Content-Type: %s", content_type);
	/* Accept-Encoding is asked for by hand, so curl hands us the gzip
	 * bytes untouched and the inflation cap stays ours. */
	if (add_header(&headers, ctype) != 0 || add_header(&headers, "Expect:") != 0 ||
	    add_header(&headers, "Accept-Encoding: " FS_WIRE_CHANGESET_ENCODING) != 0 ||
	    (gzip && add_header(&headers, "Content-Encoding: " FS_WIRE_CHANGESET_ENCODING) != 0) ||
	    (c->auth_header && add_header(&headers, c->auth_header) != 0)) {
		curl_slist_free_all(headers);
		return fs_err_set(err, FS_ENOMEM, "out of memory");
	}
	for (; extra != NULL && *extra != NULL; extra++)
		if (add_header(&headers, *extra) != 0) {
			curl_slist_free_all(headers);
			return fs_err_set(err, FS_ENOMEM, "out of memory");
		}

	curl_easy_reset(cu);
	curl_easy_setopt(cu, CURLOPT_URL, url);
	curl_easy_setopt(cu, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(cu, CURLOPT_FOLLOWLOCATION, 0L);
	curl_easy_setopt(cu, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(cu, CURLOPT_TIMEOUT, c->timeout_s > 0 ? c->timeout_s : TOTAL_TIMEOUT_S);
	curl_easy_setopt(cu, CURLOPT_CONNECTTIMEOUT,
	                 c->timeout_s > 0 && c->timeout_s < CONNECT_TIMEOUT_S ? c->timeout_s
	                                                                     : CONNECT_TIMEOUT_S);
	curl_easy_setopt(cu, CURLOPT_LOW_SPEED_LIMIT, LOW_SPEED_BYTES);
	curl_easy_setopt(cu, CURLOPT_LOW_SPEED_TIME, LOW_SPEED_TIME_S);
	curl_easy_setopt(cu, CURLOPT_TCP_KEEPALIVE, 1L);
	curl_easy_setopt(cu, CURLOPT_TCP_KEEPIDLE, KEEPIDLE_S);
	curl_easy_setopt(cu, CURLOPT_TCP_KEEPINTVL, KEEPINTVL_S);
	curl_easy_setopt(cu, CURLOPT_SOCKOPTFUNCTION, on_socket);
	curl_easy_setopt(cu, CURLOPT_SOCKOPTDATA, c);
	curl_easy_setopt(cu, CURLOPT_CLOSESOCKETFUNCTION, on_close);
	curl_easy_setopt(cu, CURLOPT_CLOSESOCKETDATA, c);
	curl_easy_setopt(cu, CURLOPT_SSL_VERIFYPEER, 1L);
	curl_easy_setopt(cu, CURLOPT_SSL_VERIFYHOST, 2L);
	if (c->ca_file != NULL)
		curl_easy_setopt(cu, CURLOPT_CAINFO, c->ca_file);
	curl_easy_setopt(cu, CURLOPT_USERAGENT, AGENT_PROG "/" AGENT_VERSION);
	curl_easy_setopt(cu, CURLOPT_HTTPHEADER, headers);
	curl_easy_setopt(cu, CURLOPT_POST, 1L);
	curl_easy_setopt(cu, CURLOPT_POSTFIELDS, body);
	curl_easy_setopt(cu, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)n);
	curl_easy_setopt(cu, CURLOPT_WRITEFUNCTION, on_body);
	curl_easy_setopt(cu, CURLOPT_WRITEDATA, &t);
	curl_easy_setopt(cu, CURLOPT_HEADERFUNCTION, on_header);
	curl_easy_setopt(cu, CURLOPT_HEADERDATA, &t);
	curl_easy_setopt(cu, CURLOPT_NOPROGRESS, 0L);
	curl_easy_setopt(cu, CURLOPT_XFERINFOFUNCTION, on_progress);
	curl_easy_setopt(cu, CURLOPT_XFERINFODATA, c);

	code = curl_easy_perform(cu);
	if (c->unacked) {
		rc = fs_err_set(err, FS_EGENERIC,
		                "hub unreachable: nothing acknowledged for %u s (the link is down)",
		                UNACKED_MAX_MS / 1000u);
	} else if (c->stalled) {
		rc = fs_err_set(err, FS_EGENERIC, "hub unreachable: the reply stopped (nothing for %u s)",
		                REPLY_STALL_MS / 1000u);
	} else if (c->body_too_big) {
		rc = fs_err_set(err, FS_ETOOBIG, "hub reply larger than %zu bytes", out->body.cap);
	} else if (code != CURLE_OK) {
		rc = fs_err_set(err, FS_EGENERIC, "hub unreachable: %s", net_reason(code));
	} else {
		curl_easy_getinfo(cu, CURLINFO_RESPONSE_CODE, &out->status);
		if (out->status != 200)
			parse_error_body(out);
	}
	curl_easy_setopt(cu, CURLOPT_HTTPHEADER, NULL);
	curl_slist_free_all(headers);
	return rc;
}

void agent_client_set_timeout(agent_client *c, long seconds)
{
	c->timeout_s = seconds;
}

int agent_client_receipt(agent_client *c, const char *hash_hex, char **reply_json,
                         long *http_status, fs_err *err)
{
	char body[FS_RECEIPT_HASH_HEX + 16];
	long was = c->timeout_s;
	agent_reply r;
	int rc;

	*reply_json = NULL;
	*http_status = 0;
	if (hash_hex == NULL || !fs_receipt_hash_valid(hash_hex, strlen(hash_hex)))
		return fs_err_set(err, FS_EINVAL, "receipt: not a receipt hash (64 lowercase hex)");
	c->timeout_s = AGENT_RECEIPT_TIMEOUT_S;
	snprintf(body, sizeof(body), "{\"receipt\":\"%s\"}", hash_hex);
	agent_reply_init(&r, AGENT_RECEIPT_REPLY_MAX);
	rc = agent_client_post(c, &r, "/v1/receipt", FS_WIRE_JSON_TYPE, 0, body, strlen(body), err);
	c->timeout_s = was;
	if (rc == 0) {
		*http_status = r.status;
		*reply_json = malloc(r.body.len + 1);
		if (*reply_json == NULL) {
			rc = fs_err_set(err, FS_ENOMEM, "out of memory");
		} else {
			memcpy(*reply_json, r.body.data, r.body.len);
			(*reply_json)[r.body.len] = '\0';
		}
	}
	sodium_memzero(body, sizeof(body));
	agent_reply_free(&r);
	return rc;
}
