/* fieldsync-hub serve: run the HTTP server until SIGTERM or SIGINT.
 *
 * Stopping: stop accepting connections, let the requests in flight finish
 * (at most --grace seconds; a second signal cuts the wait short), then
 * close every connection and the store. A merge is one transaction, so even
 * a cut request leaves nothing half-written. */
#include "commands.h"

#include <pthread.h>
#include <signal.h>
#include <sodium.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

#include "fieldsync/monotonic.h"
#include "cli.h"
#include "metrics.h"
#include "console/auth.h"
#include "console/server.h"
#include "fieldsync/retention.h"
#include "pool.h"
#include "routes.h"
#include "shared.h"
#include "server.h"

#define PEM_MAX (1u << 20)
/* serve applies the retention periods at start and this often. */
#define HUB_PURGE_INTERVAL_MS (3600u * 1000u)

static const char usage[] =
    "usage: fieldsync-hub serve [--data DIR | --db URI] [--listen HOST:PORT] [options]\n"
    "\n"
    "Serve the sync protocol (docs/protocol.md) over HTTP, or HTTPS with\n"
    "--tls-cert and --tls-key, until SIGTERM or SIGINT. The store is the\n"
    "PostgreSQL database of --db, or else DIR/hub.db, created on first use.\n"
    "One line per request is logged to stderr. The retention periods\n"
    "('fieldsync-hub retention') are applied at start and every hour, and then\n"
    "the shared results that are due are released ('fieldsync-hub release').\n"
    "\n"
    "  --data DIR             data directory (default: $FIELDSYNC_DATA)\n"
    "  --db URI               PostgreSQL store, postgresql://USER@HOST/DB (default:\n"
    "                         $FIELDSYNC_DB); the data directory is then not used;\n"
    "                         several hub processes may serve one database\n"
    "  --listen HOST:PORT     address to listen on (default " HUB_LISTEN_DEFAULT ";\n"
    "                         [::1]:PORT for IPv6; port 0 picks a free port)\n"
    "  --tls-cert FILE        PEM certificate (chain) for HTTPS (TLS 1.2 or later)\n"
    "  --tls-key FILE         PEM private key for HTTPS\n"
    "  --insecure-http        allow plain HTTP on an address other than loopback\n"
    "                         (refused otherwise: tokens and answers would travel\n"
    "                         in clear)\n"
    "  --threads N            worker threads (default 4)\n"
    "  --max-connections N    concurrent connections served; more get 503 busy\n"
    "                         and at most 64 more are held (default 256)\n"
    "  --max-per-source N     connections one client address may hold; more are\n"
    "                         closed unanswered (default 32; kiosks behind one NAT\n"
    "                         share an address)\n"
    "  --head-timeout SECONDS time to send each request head, TLS handshake\n"
    "                         included (default 10)\n"
    "  --timeout SECONDS      idle connection timeout once a head is in; a body\n"
    "                         must also average 100 B/s over each such window\n"
    "                         (default 30)\n"
    "  --rate-limit N         sync requests per device per minute (default 120)\n"
    "  --console ADDR|off     address of the web console (docs/console.md; default\n"
    "                         " CONSOLE_LISTEN_DEFAULT "; 'off': none); HTTPS with the same\n"
    "                         --tls-cert/--tls-key, refused off loopback without them\n"
    "                         (or --insecure-http)\n"
    "  --console-host HOST[:PORT]  the name browsers use for the console when it is\n"
    "                         not ADDR (a DNS name, a TLS proxy's); Host and Origin\n"
    "                         must name one of the two\n"
    "  --console-idle DURATION   a console session ends this long after its last\n"
    "                         request (default and most 30m)\n"
    "  --console-max DURATION    and at the latest this long after login (default\n"
    "                         and most 12h)\n"
    "  --metrics-token FILE   GET /metrics (docs/metrics.md) is answered to loopback\n"
    "                         peers only; with FILE (mode 0600, one token of 16 to\n"
    "                         108 characters) only to requests that send\n"
    "                         'Authorization: Bearer TOKEN', from any address\n"
    "  --grace SECONDS        how long a stop waits for requests in flight (default 30)\n"
    "  -h, --help             show this help\n";

typedef struct serve_opts {
	const char *data, *db, *listen, *cert_file, *key_file, *console, *metrics_token;
	hub_where where;
	hub_server_config server;
	console_config console_cfg;
	hub_limits limits;
	unsigned grace_s;
	int insecure_http;
} serve_opts;

/* The rule for every listener of serve (sync and console), checked
 * before anything is bound so nothing is exposed in clear by mistake: off
 * loopback, TLS or an explicit --insecure-http. 0 or an exit status. */
static int clear_text_check(const serve_opts *o, const char *text, const fs_http_listen_addr *a)
{
	if (o->cert_file == NULL && !o->insecure_http &&
	    !fs_http_is_loopback((const struct sockaddr *)&a->addr))
		return hub_usage_fail("serve",
		                      "%s is not a loopback address: serving it over plain HTTP "
		                      "would send tokens and answers in clear; pass --tls-cert "
		                      "and --tls-key, or --insecure-http (behind a TLS proxy)",
		                      text);
	return 0;
}

/* --console-idle and --console-max: a duration up to max_ms. */
static int console_duration(uint64_t *out, const char *text, const char *name, uint64_t max_ms,
			    const char *max_text)
{
	uint64_t ms;

	if (text == NULL)
		return 0;
	if (hub_duration_parse(&ms, text) != 0 || ms > max_ms)
		return hub_usage_fail("serve", "%s must be a duration up to %s", name, max_text);
	*out = ms;
	return 0;
}

static int parse_args(serve_opts *o, int argc, char **argv)
{
	const char *host = NULL, *idle = NULL, *max = NULL;
	fs_err e = {0, ""};
	int c;

	memset(o, 0, sizeof(*o));
	hub_server_config_default(&o->server);
	hub_limits_default(&o->limits);
	console_config_default(&o->console_cfg);
	o->listen = HUB_LISTEN_DEFAULT;
	o->console = CONSOLE_LISTEN_DEFAULT;
	o->grace_s = 30;
	{
		const hub_opt opts[] = {
		    {.name = "data", .value = &o->data},
		    {.name = "db", .value = &o->db},
		    {.name = "listen", .value = &o->listen},
		    {.name = "tls-cert", .value = &o->cert_file},
		    {.name = "tls-key", .value = &o->key_file},
		    {.name = "insecure-http", .flag = &o->insecure_http},
		    {.name = "max-per-source", .number = &o->server.max_per_source, .min = 1,
		     .max = 100000},
		    {.name = "head-timeout", .number = &o->server.head_timeout_s, .min = 1,
		     .max = 600, .unit = "seconds"},
		    {.name = "threads", .number = &o->server.threads, .min = 1, .max = 256},
		    {.name = "max-connections", .number = &o->server.connection_limit, .min = 1,
		     .max = 100000},
		    {.name = "timeout", .number = &o->server.timeout_s, .min = 1, .max = 3600,
		     .unit = "seconds"},
		    {.name = "rate-limit", .number = &o->limits.rate_per_minute, .min = 1,
		     .max = 1000000},
		    {.name = "grace", .number = &o->grace_s, .min = 0, .max = 3600,
		     .unit = "seconds"},
		    {.name = "console", .value = &o->console},
		    {.name = "console-host", .value = &host},
		    {.name = "console-idle", .value = &idle},
		    {.name = "console-max", .value = &max},
		    {.name = "metrics-token", .value = &o->metrics_token},
		    {0},
		};

		c = hub_args_parse(argc, argv, "serve", usage, opts, NULL, NULL, 0, NULL);
		if (c != 0)
			return c;
	}
	if (host != NULL) {
		if (strlen(host) == 0 || strlen(host) >= sizeof(o->console_cfg.public_host) ||
		    strpbrk(host, "/ \t") != NULL)
			return hub_usage_fail("serve", "--console-host must be HOST or HOST:PORT");
		snprintf(o->console_cfg.public_host, sizeof(o->console_cfg.public_host), "%s", host);
	}
	if ((c = console_duration(&o->console_cfg.session_idle_ms, idle, "--console-idle",
				  CONSOLE_SESSION_IDLE_MS, "30m")) != 0 ||
	    (c = console_duration(&o->console_cfg.session_max_ms, max, "--console-max",
				  CONSOLE_SESSION_MAX_MS, "12h")) != 0)
		return c;
	if ((o->cert_file == NULL) != (o->key_file == NULL))
		return hub_usage_fail("serve", "--tls-cert and --tls-key go together");
	if (fs_http_listen_parse(&o->server.listen, o->listen, 0, &e) != 0)
		return hub_usage_fail("serve", "%s", e.msg);
	if ((c = clear_text_check(o, o->listen, &o->server.listen)) != 0)
		return c;
	if (strcmp(o->console, "off") != 0) {
		if (fs_http_listen_parse(&o->console_cfg.listen, o->console, 0, &e) != 0)
			return hub_usage_fail("serve", "--console: %s", e.msg);
		if ((c = clear_text_check(o, o->console, &o->console_cfg.listen)) != 0)
			return c;
	}
	return hub_where_resolve(&o->where, "serve", o->data, o->db);
}

/* Every connection is a descriptor: raise the soft limit on open files
 * (often 1024) towards the hard one so the connection limits, not EMFILE,
 * decide. Warns when even the hard limit is short. */
static void raise_open_files(const hub_server_config *cfg)
{
	/* the connections, 64 held beyond them, the store, logs, epoll... */
	rlim_t need = (rlim_t)cfg->connection_limit + 64 + 64;
	struct rlimit rl;

	if (getrlimit(RLIMIT_NOFILE, &rl) != 0 || rl.rlim_cur >= need)
		return;
	rl.rlim_cur = rl.rlim_max == RLIM_INFINITY || rl.rlim_max > need ? need : rl.rlim_max;
	setrlimit(RLIMIT_NOFILE, &rl);
	if (rl.rlim_cur < need)
		fprintf(stderr,
		        HUB_PROG ": warning: --max-connections %u needs %llu open files; the limit "
		        "is %llu (ulimit -n)\n",
		        cfg->connection_limit, (unsigned long long)need,
		        (unsigned long long)rl.rlim_cur);
}

/* Wait for requests in flight to finish, up to grace_s; a second signal
 * stops waiting. */
static void drain(hub_server *srv, const sigset_t *signals, unsigned grace_s)
{
	uint64_t deadline = fs_monotonic_ms() + (uint64_t)grace_s * 1000;
	struct timespec tick = {0, 20 * 1000 * 1000};
	unsigned n;

	while ((n = hub_server_in_flight(srv)) > 0) {
		if (fs_monotonic_ms() >= deadline) {
			fprintf(stderr,
			        HUB_PROG ": %u request(s) still in flight after %u s; closing\n", n,
			        grace_s);
			return;
		}
		if (sigtimedwait(signals, NULL, &tick) > 0) {
			fprintf(stderr, HUB_PROG ": second signal; closing %u request(s) now\n", n);
			return;
		}
	}
}

/* Retention (fieldsync/retention.h): apply the periods now, on a pool
 * handle under the writer lock. A failure is logged; the next hour retries. */
static void purge_now(hub_pool *pool)
{
	fs_retention_hub_result r;
	fs_store *s = NULL;
	fs_err e = {0, ""};
	long audit_removed = 0;
	int rc;

	if (hub_pool_get(pool, &s, &e) != 0) {
		fprintf(stderr, HUB_PROG ": warning: retention purge: %s\n", e.msg);
		return;
	}
	hub_pool_write_lock(pool);
	rc = hub_retention_apply(s, "hub:retention", &r, &audit_removed, &e);
	hub_pool_write_unlock(pool);
	hub_pool_put(pool, s);
	if (rc != 0)
		fprintf(stderr, HUB_PROG ": warning: retention purge: %s\n", e.msg);
	else if (r.responses + r.contacts + r.conflicts + r.quarantine + r.contact_requests +
	             audit_removed > 0)
		fprintf(stderr,
		        HUB_PROG ": retention: purged %ld response(s), %ld contact(s) erased, %ld "
		        "conflict(s), %ld quarantined change(s), %ld audit entries, %ld contact "
		        "request(s) erased\n",
		        r.responses, r.contacts, r.conflicts, r.quarantine, audit_removed,
		        r.contact_requests);
	fflush(stderr);
}

/* Shared results (shared.h): release what is due, on a pool handle under
 * the writer lock, after the purge (so an erased response is not counted).
 * A failure is logged; the next hour retries. */
static void release_now(hub_pool *pool)
{
	json_t *report = NULL, *item;
	fs_store *s = NULL;
	fs_err e = {0, ""};
	size_t i, released = 0;
	int rc;

	if (hub_pool_get(pool, &s, &e) != 0) {
		fprintf(stderr, HUB_PROG ": warning: shared results release: %s\n", e.msg);
		return;
	}
	hub_pool_write_lock(pool);
	rc = hub_shared_release(s, "hub:shared", 1, &report, &e);
	hub_pool_write_unlock(pool);
	hub_pool_put(pool, s);
	json_array_foreach (report, i, item)
		released += json_is_true(json_object_get(item, "released")) &&
		            strcmp(json_string_value(json_object_get(item, "reason")), "released") == 0;
	json_decref(report);
	if (rc != 0)
		fprintf(stderr, HUB_PROG ": warning: shared results release: %s\n", e.msg);
	else if (released > 0)
		fprintf(stderr, HUB_PROG ": shared results: released for %zu region(s)\n", released);
	fflush(stderr);
}

/* Wait for a stop signal, applying retention at start and every hour. */
static int wait_purging(hub_pool *pool, const sigset_t *signals)
{
	uint64_t next = 0;
	int sig;

	for (;;) {
		struct timespec tick = {60, 0};

		if (fs_monotonic_ms() >= next) {
			purge_now(pool);
			release_now(pool);
			next = fs_monotonic_ms() + HUB_PURGE_INTERVAL_MS;
		}
		sig = sigtimedwait(signals, NULL, &tick);
		if (sig > 0)
			return sig;
	}
}

int hub_cmd_serve(int argc, char **argv)
{
	serve_opts o;
	fs_buf cert, key;
	hub_pool *pool = NULL;
	hub_app *app = NULL;
	hub_server *srv = NULL;
	console_server *console = NULL;
	sigset_t signals;
	fs_err e = {0, ""};
	char where[300], store[600], metrics_token[HUB_TOKEN_MAX + 1] = "";
	int rc, sig, status = HUB_EXIT_FAIL;

	fs_buf_init(&cert, PEM_MAX);
	fs_buf_init(&key, PEM_MAX);
	rc = parse_args(&o, argc, argv);
	if (rc != 0)
		return rc < 0 ? HUB_EXIT_OK : rc;
	if (o.cert_file != NULL) {
		if (hub_file_read(&cert, o.cert_file, PEM_MAX, &e) != 0 ||
		    hub_file_read(&key, o.key_file, PEM_MAX, &e) != 0) {
			hub_fail("%s", e.msg);
			goto cleanup;
		}
		o.server.tls_cert_pem = cert.data;
		o.server.tls_key_pem = key.data;
		o.console_cfg.tls_cert_pem = cert.data;
		o.console_cfg.tls_key_pem = key.data;
	}
	if (o.metrics_token != NULL &&
	    hub_metrics_token_load(metrics_token, o.metrics_token, &e) != 0) {
		hub_fail("--metrics-token: %s", e.msg);
		goto cleanup;
	}
	/* Signals are taken synchronously by this thread (sigwait); block them
	 * before any thread starts so the workers inherit the mask. */
	sigemptyset(&signals);
	sigaddset(&signals, SIGTERM);
	sigaddset(&signals, SIGINT);
	pthread_sigmask(SIG_BLOCK, &signals, NULL);
	signal(SIGPIPE, SIG_IGN);
	raise_open_files(&o.server);
	if (o.cert_file == NULL &&
	    !fs_http_is_loopback((const struct sockaddr *)&o.server.listen.addr))
		fprintf(stderr,
		        HUB_PROG ": warning: --insecure-http: serving plain HTTP on %s; tokens, "
		        "enrollment codes and answers travel in clear unless a TLS proxy is in "
		        "front\n",
		        o.listen);

	if (o.cert_file == NULL && strcmp(o.console, "off") != 0 &&
	    !fs_http_is_loopback((const struct sockaddr *)&o.console_cfg.listen.addr))
		fprintf(stderr,
		        HUB_PROG ": warning: --insecure-http: the console on %s is plain HTTP; "
		        "passwords and session cookies travel in clear unless a TLS proxy is in "
		        "front\n",
		        o.console);

	if (strcmp(o.console, "off") != 0 && o.console_cfg.public_host[0] == '\0' &&
	    (strcmp(o.console_cfg.listen.host, "0.0.0.0") == 0 ||
	     strcmp(o.console_cfg.listen.host, "::") == 0))
		fprintf(stderr,
		        HUB_PROG ": warning: the console on %s answers only requests naming that "
		        "address in Host; give the name browsers use with --console-host\n",
		        o.console);

	if (hub_pool_open(&pool, &o.where, &e) != 0 || hub_app_new(&app, pool, &o.limits, &e) != 0 ||
	    hub_metrics_set_token(hub_app_metrics(app), metrics_token[0] ? metrics_token : NULL,
	                          &e) != 0 ||
	    hub_server_start(&srv, &o.server, app, &e) != 0) {
		hub_fail("%s", e.msg);
		goto cleanup;
	}
	if (strcmp(o.console, "off") != 0 &&
	    console_server_start(&console, &o.console_cfg, pool, &e) != 0) {
		hub_fail("%s", e.msg);
		goto cleanup;
	}
	fs_http_listen_format(where, sizeof(where), &o.server.listen, hub_server_port(srv));
	hub_where_describe(&o.where, store, sizeof(store));
	fprintf(stderr, HUB_PROG ": listening on %s://%s (%s)\n", o.cert_file ? "https" : "http",
	        where, store);
	if (console != NULL) {
		fs_http_listen_format(where, sizeof(where), &o.console_cfg.listen,
		                      console_server_port(console));
		fprintf(stderr, HUB_PROG ": console on %s://%s/\n", o.cert_file ? "https" : "http",
		        where);
	}
	fflush(stderr);
	sig = wait_purging(pool, &signals);
	fprintf(stderr, HUB_PROG ": %s received; finishing %u request(s) in flight\n",
	        sig == SIGTERM ? "SIGTERM" : "SIGINT", hub_server_in_flight(srv));
	hub_server_quiesce(srv);
	if (console != NULL)
		console_server_quiesce(console);
	drain(srv, &signals, o.grace_s);
	/* No sync may stay waiting for a merge when the server stops. */
	hub_app_stop_writer(app);
	console_server_stop(console);
	console = NULL;
	hub_server_stop(srv);
	srv = NULL;
	fprintf(stderr, HUB_PROG ": stopped\n");
	status = HUB_EXIT_OK;
cleanup:
	console_server_stop(console);
	hub_app_stop_writer(app);
	hub_server_stop(srv);
	hub_app_free(app);
	hub_pool_close(pool);
	sodium_memzero(metrics_token, sizeof(metrics_token));
	if (key.data != NULL)
		sodium_memzero(key.data, key.len);
	fs_buf_free(&key);
	fs_buf_free(&cert);
	return status;
}
