/* `sync` (one sync to completion) and `run` (the daemon): argument parsing
 * and wiring; the work is in syncer.c and daemon.c. */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "client.h"
#include "commands.h"
#include "config.h"
#include "daemon.h"
#include "syncer.h"
#include "ui.h"

#define SYNC_BUSY_RETRIES 3

static void sync_usage(void)
{
	printf("usage: " AGENT_PROG " sync --data DIR\n"
	       "\n"
	       "Push this kiosk's changes to the hub and pull what it should receive, in\n"
	       "batches, until neither side has more. A cut connection loses nothing:\n"
	       "running sync again resends at most the unacknowledged batch.\n"
	       "A revoked kiosk whose hub answers with a wipe order signed by the key pinned\n"
	       "at init erases every file in DIR and says so (exit 5); an unsigned or\n"
	       "wrongly signed one erases nothing (docs/kiosk.md).\n"
	       "\n"
	       "exit codes:\n"
	       "  0  in sync with the hub\n"
	       "  1  usage or local error (not initialised, store, files)\n"
	       "  3  hub unreachable (connection refused or cut, timeout, TLS failure)\n"
	       "  4  refused by the hub (an error reply other than credentials)\n"
	       "  5  credentials rejected (unknown token, device revoked)\n");
}

static void run_usage(void)
{
	printf("usage: " AGENT_PROG " run --data DIR [--sync-interval SECONDS]\n"
	       "             [--max-backoff SECONDS] [--ui-listen HOST:PORT | --no-ui]\n"
	       "             [--ui-idle-timeout SECONDS] [--ui-worker-idle SECONDS]\n"
	       "\n"
	       "The kiosk daemon: syncs at start, every --sync-interval seconds (default 60)\n"
	       "and within about a second of new local data. While the hub is unreachable it\n"
	       "retries with exponential backoff and jitter, up to --max-backoff seconds\n"
	       "(default 600), and keeps working offline. One log line per sync on stderr.\n"
	       "It also serves the kiosk's web UI (docs/kiosk.md) on --ui-listen "
	       "(default\n" FS_UI_LISTEN_DEFAULT
	       ", loopback only; port 0 picks one) unless --no-ui;\n"
	       "--ui-idle-timeout (default 90) wipes an abandoned questionnaire,\n"
	       "--ui-worker-idle (default 120) locks worker mode. The UI's port also\n"
	       "answers GET /metrics (sync state, Prometheus text; docs/metrics.md).\n"
	       "SIGTERM or SIGINT stops it after the current step (exit 0). A signed wipe\n"
	       "order (see sync --help) stops it, erases DIR and exits 5.\n");
}

/* The kiosk, its token and a client for its hub. */
static int open_all(agent_kiosk *k, agent_client **c, const char *cmd, const char *data)
{
	char token[AGENT_TOKEN_MAX + 1];
	fs_err e = {0, ""};
	int rc;

	*c = NULL;
	if (agent_kiosk_open(k, data, &e) != 0)
		return agent_fail_err(cmd, &e);
	rc = agent_token_load(token, k->dir, &e);
	if (rc == 0)
		rc = agent_client_new(c, k->cfg.hub, token, k->cfg.ca_file, k->cfg.insecure_http,
		                      &e);
	memset(token, 0, sizeof(token));
	if (rc != 0) {
		agent_kiosk_close(k);
		return agent_fail_err(cmd, &e);
	}
	return AGENT_EXIT_OK;
}

int agent_cmd_sync(int argc, char **argv, const char *data)
{
	agent_sync_opts so = {SYNC_BUSY_RETRIES, NULL};
	agent_sync_report r;
	agent_kiosk k;
	agent_client *c = NULL;
	int exit;

	exit = agent_parse_simple(argc, argv, "sync", sync_usage, &data, NULL);
	if (exit >= 0)
		return exit;
	exit = open_all(&k, &c, "sync", data);
	if (exit != AGENT_EXIT_OK)
		return exit;
	exit = agent_sync_recorded(k.dir, k.store, c, &so, &r);
	if (r.wipe) {
		fs_err e = {0, ""};

		if (agent_kiosk_wipe(&k, &e) != 0)
			agent_fail(exit, "sync: revoked, but the erasure was incomplete: %s", e.msg);
		agent_fail(exit, "sync: " AGENT_WIPED_MESSAGE);
	} else if (exit == AGENT_EXIT_OK)
		printf("in sync: sent %ld, received %ld change(s) in %d round(s)\n", r.sent,
		       r.received, r.rounds);
	else
		agent_fail(exit, "sync: %s", r.message);
	agent_client_free(c);
	agent_kiosk_close(&k);
	return exit;
}

/* The kiosk UI's receipt lookups (ui.h, fs_ui_receipt_fn), on the UI's
 * lookup thread: a client of their own, so the daemon's, busy with a
 * sync, is never shared between threads. */
static int receipt_lookup(void *ctx, const char *hash_hex, char **reply_json, long *http_status,
                          fs_err *err)
{
	const agent_kiosk *k = ctx;
	char token[AGENT_TOKEN_MAX + 1];
	agent_client *c = NULL;
	int rc;

	rc = agent_token_load(token, k->dir, err);
	if (rc == 0)
		rc = agent_client_new(&c, k->cfg.hub, token, k->cfg.ca_file, k->cfg.insecure_http, err);
	memset(token, 0, sizeof(token));
	if (rc == 0)
		rc = agent_client_receipt(c, hash_hex, reply_json, http_status, err);
	agent_client_free(c);
	return rc;
}

/* A number of seconds 1..86400 for option name, or a usage error. */
static int seconds_arg(unsigned *out, const char *name, const char *text)
{
	uint64_t v;

	if (agent_parse_uint(&v, text, 86400) != 0 || v == 0)
		return agent_usage_error("run", "%s must be 1..86400 seconds", name);
	*out = (unsigned)v;
	return 0;
}

int agent_cmd_run(int argc, char **argv, const char *data)
{
	static const struct option longopts[] = {{"data", required_argument, NULL, 'd'},
	                                         {"sync-interval", required_argument, NULL, 'i'},
	                                         {"max-backoff", required_argument, NULL, 'b'},
	                                         {"ui-listen", required_argument, NULL, 'l'},
	                                         {"no-ui", no_argument, NULL, 'n'},
	                                         {"ui-idle-timeout", required_argument, NULL, 't'},
	                                         {"ui-worker-idle", required_argument, NULL, 'w'},
	                                         {"help", no_argument, NULL, 'h'},
	                                         {NULL, 0, NULL, 0}};
	fs_ui_opts ui;
	agent_daemon_opts o = {60, 600, &ui};
	agent_kiosk k;
	agent_client *c = NULL;
	int ch, exit = 0;

	memset(&ui, 0, sizeof(ui));
	optind = 0;
	opterr = 0;
	while (exit == 0 && (ch = getopt_long(argc, argv, ":h", longopts, NULL)) != -1) {
		switch (ch) {
		case 'd':
			data = optarg;
			break;
		case 'i':
			exit = seconds_arg(&o.sync_interval_s, "--sync-interval", optarg);
			break;
		case 'b':
			exit = seconds_arg(&o.max_backoff_s, "--max-backoff", optarg);
			break;
		case 'l':
			ui.listen = optarg;
			break;
		case 'n':
			o.ui = NULL;
			break;
		case 't':
			exit = seconds_arg(&ui.idle_timeout_s, "--ui-idle-timeout", optarg);
			break;
		case 'w':
			exit = seconds_arg(&ui.worker_idle_s, "--ui-worker-idle", optarg);
			break;
		case 'h':
			run_usage();
			return AGENT_EXIT_OK;
		default:
			return agent_bad_option("run", ch, optopt, argv, optind);
		}
	}
	if (exit != 0)
		return exit;
	if (optind < argc)
		return agent_usage_error("run", "unexpected argument %s", argv[optind]);
	if (o.ui == NULL && (ui.listen || ui.idle_timeout_s || ui.worker_idle_s))
		return agent_usage_error("run", "--no-ui goes with no other --ui- option");
	exit = open_all(&k, &c, "run", data);
	if (exit != AGENT_EXIT_OK)
		return exit;
	ui.person_ref_pattern = k.cfg.person_ref_pattern;
	ui.request_delay_min_s = k.cfg.request_delay_min_s;
	ui.request_delay_max_s = k.cfg.request_delay_max_s;
	ui.contact_request_days = (unsigned)k.cfg.contact_request_days;
	ui.store_cache_kib = AGENT_STORE_CACHE_KIB;
	ui.receipt_lookup = receipt_lookup;
	ui.receipt_ctx = &k;
	exit = agent_daemon_run(&k, c, &o);
	agent_client_free(c);
	agent_kiosk_close(&k);
	return exit;
}
