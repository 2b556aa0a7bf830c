/* A stand-in for `fieldsync-agent run` while the UI is not wired into the
 * agent: serves the kiosk UI on a store so the browser tests can run.
 *
 *   ui_host serve --data DIR [--listen A] [--idle-timeout S] [--worker-idle S]
 *                 [--site S --region R] [--publish FILE]... [--person-ref-pattern P]
 *       prints "ui_host: listening on PORT" once serving; SIGTERM ends it.
 *       "Sync now" appends a line to DIR/sync-requests.
 *   ui_host worker add|remove|list ... (agent_cmd_worker)
 *   ui_host legacy-worker NAME --data DIR   (PIN on stdin)
 *       adds a worker as an older agent did, without the 6-digit rule,
 *       so the tests can play a kiosk whose workers have short PINs.
 *
 * Test hook, in this program only: FIELDSYNC_TEST_CLOCK_SKEW_MS (signed,
 * as for the agent) moves the wall clock (CLOCK_REALTIME and time()) of the
 * whole process, as a kiosk whose system clock is wrong sees it; SIGUSR1
 * puts it right (skew 0) and SIGUSR2 moves it a year ahead. The monotonic
 * clocks are not touched.
 *   ui_host dump --data DIR
 *       {"responses": [...], "contacts": [...]} of the store, for checks. */
#include <signal.h>
#include <sodium.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "cmd_worker.h"
#include "fieldsync/questionnaire.h"
#include "fieldsync/records.h"
#include "fieldsync/store.h"
#include "ui.h"
#include "ui_file.h"

static volatile sig_atomic_t stop;

/* ---- the wall clock test hook (see the top) ---- */

#define YEAR_MS (365LL * 24 * 3600 * 1000)
static int64_t start_skew_ms;
static volatile sig_atomic_t clock_fixed, years_ahead;

static int64_t skew_ms(void)
{
	return (clock_fixed ? 0 : start_skew_ms) + (int64_t)years_ahead * YEAR_MS;
}

/* Replaces libc's for this program and the libraries it loads. */
int clock_gettime(clockid_t id, struct timespec *ts)
{
	long rc = syscall(SYS_clock_gettime, id, ts);

	if (rc == 0 && (id == CLOCK_REALTIME || id == CLOCK_REALTIME_COARSE)) {
		int64_t ms = (int64_t)ts->tv_sec * 1000 + ts->tv_nsec / 1000000 + skew_ms();

		ts->tv_sec = (time_t)(ms / 1000);
		ts->tv_nsec = (long)(ms % 1000) * 1000000;
	}
	return rc == 0 ? 0 : -1;
}

time_t time(time_t *out)
{
	struct timespec ts;
	time_t t = clock_gettime(CLOCK_REALTIME, &ts) == 0 ? ts.tv_sec : (time_t)-1;

	if (out != NULL)
		*out = t;
	return t;
}

static void on_clock_signal(int sig)
{
	if (sig == SIGUSR1) {
		clock_fixed = 1;
		years_ahead = 0;
	} else {
		years_ahead++;
	}
}

/* A worker as agents before the 6-digit rule added one. */
static int legacy_worker(const char *name, const char *dir)
{
	char pin[64] = "", hash[crypto_pwhash_STRBYTES];
	fs_err err = {0, ""};
	json_t *doc = NULL;
	int rc;

	if (fgets(pin, sizeof(pin), stdin) == NULL || sodium_init() < 0)
		return fprintf(stderr, "ui_host: legacy-worker: no PIN on stdin\n"), 1;
	pin[strcspn(pin, "\r\n")] = '\0';
	if (crypto_pwhash_str(hash, pin, strlen(pin), crypto_pwhash_OPSLIMIT_INTERACTIVE,
			      crypto_pwhash_MEMLIMIT_INTERACTIVE) != 0)
		return fprintf(stderr, "ui_host: legacy-worker: cannot hash\n"), 1;
	if (ui_file_read(&doc, dir, "workers.json", &err) != 0)
		return fprintf(stderr, "ui_host: legacy-worker: %s\n", err.msg), 1;
	if (doc == NULL)
		doc = json_pack("{s:[]}", "workers");
	json_array_append_new(json_object_get(doc, "workers"),
			      json_pack("{s:s, s:s}", "name", name, "hash", hash));
	rc = ui_file_write(dir, "workers.json", doc, &err);
	json_decref(doc);
	if (rc != 0)
		return fprintf(stderr, "ui_host: legacy-worker: %s\n", err.msg), 1;
	return 0;
}

static void on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

static void sync_requested(void *ctx)
{
	const char *dir = ctx;
	char path[4096];
	FILE *f;

	snprintf(path, sizeof(path), "%s/sync-requests", dir);
	f = fopen(path, "a");
	if (f != NULL) {
		fputs("sync\n", f);
		fclose(f);
	}
}

static int die(const char *what, const fs_err *err)
{
	fprintf(stderr, "ui_host: %s: %s\n", what, err->msg);
	return 1;
}

static int collect(void *ctx, const json_t *response)
{
	return json_array_append((json_t *)ctx, (json_t *)response);
}

static int dump(const char *dir)
{
	char path[4096];
	fs_err err = {0, ""};
	fs_store *s = NULL;
	json_t *responses = json_array(), *contacts = NULL, *out;

	snprintf(path, sizeof(path), "%s/kiosk.db", dir);
	if (fs_store_open(&s, path, &err) != 0 ||
	    fs_response_each(s, NULL, NULL, collect, responses, &err) != 0 ||
	    fs_contact_list(s, &contacts, NULL, 1, &err) != 0)
		return die("dump", &err);
	out = json_pack("{s:o, s:o}", "responses", responses, "contacts", contacts);
	json_dumpf(out, stdout, JSON_SORT_KEYS | JSON_INDENT(1));
	putchar('\n');
	json_decref(out);
	fs_store_close(s);
	return 0;
}

int main(int argc, char **argv)
{
	fs_ui_opts o = {0};
	const char *site = "k-test", *region = "north", *publish[16];
	char path[4096];
	int npublish = 0, i;
	fs_err err = {0, ""};
	fs_store *s = NULL;
	fs_ui *ui = NULL;

	if (getenv("FIELDSYNC_TEST_CLOCK_SKEW_MS") != NULL)
		start_skew_ms = strtoll(getenv("FIELDSYNC_TEST_CLOCK_SKEW_MS"), NULL, 10);
	if (argc == 5 && strcmp(argv[1], "legacy-worker") == 0 && strcmp(argv[3], "--data") == 0)
		return legacy_worker(argv[2], argv[4]);
	if (argc >= 2 && strcmp(argv[1], "worker") == 0)
		return agent_cmd_worker(argc - 1, argv + 1, NULL);
	if (argc == 4 && strcmp(argv[1], "dump") == 0 && strcmp(argv[2], "--data") == 0)
		return dump(argv[3]);
	if (argc < 2 || strcmp(argv[1], "serve") != 0) {
		fprintf(stderr, "usage: ui_host serve|worker|dump ... (see tests/ui/ui_host.c)\n");
		return 1;
	}
	for (i = 2; i + 1 < argc; i += 2) {
		if (strcmp(argv[i], "--data") == 0)
			o.data_dir = argv[i + 1];
		else if (strcmp(argv[i], "--listen") == 0)
			o.listen = argv[i + 1];
		else if (strcmp(argv[i], "--idle-timeout") == 0)
			o.idle_timeout_s = (unsigned)atoi(argv[i + 1]);
		else if (strcmp(argv[i], "--worker-idle") == 0)
			o.worker_idle_s = (unsigned)atoi(argv[i + 1]);
		else if (strcmp(argv[i], "--site") == 0)
			site = argv[i + 1];
		else if (strcmp(argv[i], "--region") == 0)
			region = argv[i + 1];
		else if (strcmp(argv[i], "--person-ref-pattern") == 0)
			o.person_ref_pattern = argv[i + 1];
		else if (strcmp(argv[i], "--publish") == 0 && npublish < 16)
			publish[npublish++] = argv[i + 1];
		else
			return fprintf(stderr, "ui_host: bad option %s\n", argv[i]), 1;
	}
	if (i != argc || o.data_dir == NULL)
		return fprintf(stderr, "ui_host: serve needs --data DIR\n"), 1;
	snprintf(path, sizeof(path), "%s/kiosk.db", o.data_dir);
	if (fs_store_open(&s, path, &err) != 0 || fs_store_set_identity(s, site, region, &err) != 0)
		return die("store", &err);
	for (i = 0; i < npublish; i++) {
		json_error_t jerr;
		json_t *doc = json_load_file(publish[i], JSON_REJECT_DUPLICATES, &jerr);

		if (doc == NULL)
			return fprintf(stderr, "ui_host: %s: %s\n", publish[i], jerr.text), 1;
		if (fs_questionnaire_publish(s, doc, &err) != 0)
			return die(publish[i], &err);
		json_decref(doc);
	}
	fs_store_close(s);
	o.sync_now = sync_requested;
	o.sync_ctx = (void *)o.data_dir;
	signal(SIGTERM, on_signal);
	signal(SIGINT, on_signal);
	signal(SIGUSR1, on_clock_signal);
	signal(SIGUSR2, on_clock_signal);
	if (fs_ui_start(&ui, &o, &err) != 0)
		return die("ui", &err);
	printf("ui_host: listening on %u\n", fs_ui_port(ui));
	fflush(stdout);
	while (!stop)
		pause();
	fs_ui_stop(ui);
	return 0;
}
