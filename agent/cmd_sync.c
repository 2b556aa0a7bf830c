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

#define SYNC_BUSY_RETRIES 3

static void sync_usage(void)
{
	printf("usage: " AGENT_PROG " sync --data DIR\n"
	       "\n"
	       "Push this kiosk's changes to the hub and pull what it should receive, in\n"
	       "batches, until neither side has more. A cut connection loses nothing:\n"
	       "running sync again resends at most the unacknowledged batch.\n"
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
	       "                           [--max-backoff SECONDS]\n"
	       "\n"
	       "The kiosk daemon: syncs at start, every --sync-interval seconds (default 60)\n"
	       "and within about a second of new local data. While the hub is unreachable it\n"
	       "retries with exponential backoff and jitter, up to --max-backoff seconds\n"
	       "(default 600), and keeps working offline. One log line per sync on stderr.\n"
	       "SIGTERM or SIGINT stops it after the current step (exit 0).\n");
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
		rc = agent_client_new(c, k->cfg.hub, token, k->cfg.ca_file, &e);
	memset(token, 0, sizeof(token));
	if (rc != 0) {
		agent_kiosk_close(k);
		return agent_fail_err(cmd, &e);
	}
	return AGENT_EXIT_OK;
}

int agent_cmd_sync(int argc, char **argv, const char *data)
{
	static const struct option longopts[] = {{"data", required_argument, NULL, 'd'},
						 {"help", no_argument, NULL, 'h'},
						 {NULL, 0, NULL, 0}};
	agent_sync_opts so = {SYNC_BUSY_RETRIES, NULL};
	agent_sync_report r;
	agent_kiosk k;
	agent_client *c = NULL;
	int ch, exit;

	optind = 0;
	opterr = 0;
	while ((ch = getopt_long(argc, argv, ":h", longopts, NULL)) != -1) {
		switch (ch) {
		case 'd': data = optarg; break;
		case 'h': sync_usage(); return AGENT_EXIT_OK;
		default: return agent_bad_option("sync", ch, optopt, argv, optind);
		}
	}
	if (optind < argc)
		return agent_usage_error("sync", "unexpected argument %s", argv[optind]);
	exit = open_all(&k, &c, "sync", data);
	if (exit != AGENT_EXIT_OK)
		return exit;
	exit = agent_sync_recorded(k.dir, k.store, c, &so, &r);
	if (exit == AGENT_EXIT_OK)
		printf("in sync: sent %ld, received %ld change(s) in %d round(s)\n", r.sent,
		       r.received, r.rounds);
	else
		agent_fail(exit, "sync: %s", r.message);
	agent_client_free(c);
	agent_kiosk_close(&k);
	return exit;
}

int agent_cmd_run(int argc, char **argv, const char *data)
{
	static const struct option longopts[] = {{"data", required_argument, NULL, 'd'},
						 {"sync-interval", required_argument, NULL, 'i'},
						 {"max-backoff", required_argument, NULL, 'b'},
						 {"help", no_argument, NULL, 'h'},
						 {NULL, 0, NULL, 0}};
	agent_daemon_opts o = {60, 600};
	agent_kiosk k;
	agent_client *c = NULL;
	uint64_t v;
	int ch, exit;

	optind = 0;
	opterr = 0;
	while ((ch = getopt_long(argc, argv, ":h", longopts, NULL)) != -1) {
		switch (ch) {
		case 'd': data = optarg; break;
		case 'i':
			if (agent_parse_uint(&v, optarg, 86400) != 0 || v == 0)
				return agent_usage_error("run",
							 "--sync-interval must be 1..86400 seconds");
			o.sync_interval_s = (unsigned)v;
			break;
		case 'b':
			if (agent_parse_uint(&v, optarg, 86400) != 0 || v == 0)
				return agent_usage_error("run",
							 "--max-backoff must be 1..86400 seconds");
			o.max_backoff_s = (unsigned)v;
			break;
		case 'h': run_usage(); return AGENT_EXIT_OK;
		default: return agent_bad_option("run", ch, optopt, argv, optind);
		}
	}
	if (optind < argc)
		return agent_usage_error("run", "unexpected argument %s", argv[optind]);
	exit = open_all(&k, &c, "run", data);
	if (exit != AGENT_EXIT_OK)
		return exit;
	exit = agent_daemon_run(&k, c, &o);
	agent_client_free(c);
	agent_kiosk_close(&k);
	return exit;
}
