#include "daemon.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>
#include <unistd.h>

#include "fieldsync/monotonic.h"
#include "cli.h"
#include "fieldsync/records.h"
#include "http_metrics.h"
#include "syncer.h"

/* Signal and wake-up state: the one place a global is unavoidable. The
 * pipe wakes poll(); the flags say why. */
static volatile sig_atomic_t stop_requested;
static atomic_int sync_requested;
static int signal_pipe[2] = {-1, -1};

/* The UI's "sync now", called on the UI's thread: never blocks. */
static void request_sync(void *ctx)
{
	char b = 's';

	(void)ctx;
	atomic_store(&sync_requested, 1);
	if (signal_pipe[1] >= 0 && write(signal_pipe[1], &b, 1) < 0) {
		/* The pipe is full: a wake-up is already pending. */
	}
}

static void on_signal(int sig)
{
	int saved = errno;
	char b = (char)sig;

	stop_requested = 1;
	if (signal_pipe[1] >= 0 && write(signal_pipe[1], &b, 1) < 0) {
		/* The pipe is full: a wake-up is already pending. */
	}
	errno = saved;
}

static int signals_install(fs_err *err)
{
	struct sigaction sa;

	if (pipe2(signal_pipe, O_CLOEXEC | O_NONBLOCK) != 0)
		return fs_err_set(err, FS_EGENERIC, "cannot create a pipe: %s", strerror(errno));
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	sa.sa_flags = 0; /* no SA_RESTART: a blocking wait returns on a signal */
	if (sigaction(SIGTERM, &sa, NULL) != 0 || sigaction(SIGINT, &sa, NULL) != 0)
		return fs_err_set(err, FS_EGENERIC, "cannot install signal handlers");
	return 0;
}

static void signals_remove(void)
{
	signal(SIGTERM, SIG_DFL);
	signal(SIGINT, SIG_DFL);
	if (signal_pipe[0] >= 0)
		close(signal_pipe[0]);
	if (signal_pipe[1] >= 0)
		close(signal_pipe[1]);
	signal_pipe[0] = signal_pipe[1] = -1;
}

static void log_line(const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 1, 2)))
#endif
    ;

static void log_line(const char *fmt, ...)
{
	char when[21];
	va_list ap;

	fs_timestamp_format(when, agent_wall_ms());
	fprintf(stderr, "%s " AGENT_PROG ": ", when);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	fflush(stderr);
}

static uint64_t random_below(uint64_t n)
{
	uint64_t r = 0;

	if (n == 0)
		return 0;
	if (getrandom(&r, sizeof(r), GRND_NONBLOCK) != (ssize_t)sizeof(r))
		r = fs_monotonic_ms() * 6364136223846793005u + (uint64_t)getpid();
	return r % n;
}

/* Wait after the n-th failure in a row: the base doubled n-1 times, capped,
 * then "equal jitter" (between half and all of it) so that kiosks that lost
 * the hub together do not come back together. */
static uint64_t backoff_ms(unsigned failures, uint64_t cap_ms)
{
	uint64_t d = AGENT_BACKOFF_BASE_MS;
	unsigned i;

	for (i = 1; i < failures && d < cap_ms; i++)
		d *= 2;
	if (d > cap_ms)
		d = cap_ms;
	return d / 2 + random_below(d / 2 + 1);
}

/* A sync's outcome, by its exit class: the label of the UI's metric
 * (docs/metrics.md) and the log's words. The last row takes any other. */
static const struct {
	int exit;
	const char *label, *name;
} outcomes[] = {
    {AGENT_EXIT_OK, "ok", "in sync"},
    {AGENT_EXIT_UNREACHABLE, "unreachable", "hub unreachable"},
    {AGENT_EXIT_REFUSED, "refused", "refused by the hub"},
    {AGENT_EXIT_AUTH, "auth", "credentials rejected"},
    {AGENT_EXIT_LOCAL, "local", "local error"},
};
#define OUTCOMES (sizeof(outcomes) / sizeof(outcomes[0]))

/* Sync attempts by outcome since the start, read by the UI's thread. */
static atomic_ullong attempts[OUTCOMES];
static uint64_t started_s;

static size_t outcome_of(int exit)
{
	size_t i;

	for (i = 0; i + 1 < OUTCOMES && outcomes[i].exit != exit; i++)
		;
	return i;
}

static const char *outcome_name(int exit)
{
	return outcomes[outcome_of(exit)].name;
}

/* The daemon's part of GET /metrics (ui.h fs_ui_metrics_fn). */
static int daemon_metrics(void *ctx, fs_buf *out)
{
	const char *labels[OUTCOMES];
	uint64_t counts[OUTCOMES];
	char version[64];
	size_t i;
	int rc;

	(void)ctx;
	for (i = 0; i < OUTCOMES; i++) {
		labels[i] = outcomes[i].label;
		counts[i] = atomic_load_explicit(&attempts[i], memory_order_relaxed);
	}
	rc = fs_metrics_family(out, "fieldsync_agent_sync_attempts_total", "counter",
	                       "Sync attempts this agent process made, by result: ok, or why "
	                       "it failed (unreachable, refused, auth, local).");
	if (rc == 0)
		rc = fs_metrics_by_label(out, "fieldsync_agent_sync_attempts_total", "result",
		                         labels, counts, OUTCOMES);
	if (rc == 0)
		rc = fs_metrics_one(out, "fieldsync_agent_start_time_seconds", "gauge",
		                    "When this agent process started, seconds since 1970 (UTC).",
		                    NULL, (int64_t)started_s);
	snprintf(version, sizeof(version), "version=\"%s\"", AGENT_VERSION);
	if (rc == 0)
		rc = fs_metrics_one(out, "fieldsync_agent_build_info", "gauge",
		                    "Always 1; the version of this fieldsync-agent in its label.",
		                    version, 1);
	return rc;
}

typedef struct daemon_state {
	agent_kiosk *k;
	agent_client *client;
	const agent_daemon_opts *opts;
	uint64_t next_sync_ms;  /* monotonic */
	uint64_t next_check_ms; /* next look at the store's change counter */
	int64_t seq_after_sync; /* the change counter after the last good sync */
	unsigned failures;      /* failed syncs in a row */
	int wipe;               /* a verified wipe order came: erase and stop */
} daemon_state;

static void do_sync(daemon_state *d)
{
	agent_sync_opts so = {0, &stop_requested};
	agent_sync_report r;
	uint64_t t0 = fs_monotonic_ms(), wait;
	fs_err e = {0, ""};

	agent_sync_recorded(d->k->dir, d->k->store, d->client, &so, &r);
	atomic_fetch_add_explicit(&attempts[outcome_of(r.exit)], 1, memory_order_relaxed);
	if (r.wipe) {
		/* Stop at once; the data is erased once the UI has stopped. */
		d->wipe = 1;
		stop_requested = 1;
		return;
	}
	if (stop_requested && r.exit != AGENT_EXIT_OK) {
		log_line("sync interrupted by shutdown");
		return;
	}
	if (r.exit == AGENT_EXIT_OK) {
		d->failures = 0;
		d->next_sync_ms = fs_monotonic_ms() + (uint64_t)d->opts->sync_interval_s * 1000u;
		if (fs_store_seq(d->k->store, &d->seq_after_sync, &e) != 0)
			d->seq_after_sync = -1;
		log_line("sync ok: sent %ld, received %ld change(s) in %d round(s), %llu ms%s",
		         r.sent, r.received, r.rounds, (unsigned long long)(fs_monotonic_ms() - t0),
		         r.restamped ? " (clock corrected)" : "");
		return;
	}
	d->failures++;
	if (r.exit == AGENT_EXIT_AUTH)
		wait = (uint64_t)d->opts->max_backoff_s * 1000u;
	else
		wait = backoff_ms(d->failures, (uint64_t)d->opts->max_backoff_s * 1000u);
	if (r.retry_after > 0 && (uint64_t)r.retry_after * 1000u > wait)
		wait = (uint64_t)r.retry_after * 1000u;
	d->next_sync_ms = fs_monotonic_ms() + wait;
	log_line("sync failed (%s): %s; next attempt in %llu s", outcome_name(r.exit), r.message,
	         (unsigned long long)((wait + 999) / 1000));
}

/* Has anything been written locally since the last good sync? Only asked
 * while syncs succeed: a failing hub is left to the backoff. */
static int local_change_pending(daemon_state *d)
{
	int64_t seq = 0;
	fs_err e = {0, ""};

	if (d->failures > 0 || d->seq_after_sync < 0)
		return 0;
	if (fs_store_seq(d->k->store, &seq, &e) != 0)
		return 0;
	return seq != d->seq_after_sync;
}

int agent_daemon_run(agent_kiosk *k, agent_client *c, const agent_daemon_opts *opts)
{
	daemon_state d = {k, c, opts, 0, 0, -1, 0, 0};
	fs_ui *ui = NULL;
	fs_err e = {0, ""};

	stop_requested = 0;
	atomic_store(&sync_requested, 0);
	started_s = (uint64_t)time(NULL);
	if (signals_install(&e) != 0) {
		signals_remove();
		return agent_fail_err("run", &e);
	}
	if (opts->ui != NULL) {
		opts->ui->data_dir = k->dir;
		opts->ui->sync_now = request_sync;
		opts->ui->sync_ctx = NULL;
		opts->ui->metrics = daemon_metrics;
		opts->ui->metrics_ctx = NULL;
		if (fs_ui_start(&ui, opts->ui, &e) != 0) {
			signals_remove();
			return agent_fail_err("run: kiosk UI", &e);
		}
	}
	log_line("running: site %s, region %s, hub %s, sync every %u s", k->cfg.site, k->cfg.region,
	         k->cfg.hub, opts->sync_interval_s);
	if (ui != NULL)
		log_line("kiosk UI on port %u", fs_ui_port(ui));
	d.next_sync_ms = fs_monotonic_ms();
	while (!stop_requested) {
		struct pollfd fds[1];
		uint64_t now = fs_monotonic_ms(), until;
		char drain[64];

		if (atomic_exchange(&sync_requested, 0))
			d.next_sync_ms = now; /* asked for by a worker: now, backoff or not */
		if (now >= d.next_sync_ms) {
			do_sync(&d);
			continue;
		}
		if (now >= d.next_check_ms) {
			d.next_check_ms = now + AGENT_LOCAL_POLL_MS;
			if (local_change_pending(&d)) {
				do_sync(&d);
				continue;
			}
		}
		/* Event sources: the wake-up pipe and the timers. */
		until = d.next_sync_ms < d.next_check_ms ? d.next_sync_ms : d.next_check_ms;
		fds[0] = (struct pollfd){signal_pipe[0], POLLIN, 0};
		if (poll(fds, 1, (int)(until - now)) > 0 && (fds[0].revents & POLLIN))
			while (read(signal_pipe[0], drain, sizeof(drain)) > 0)
				;
	}
	log_line("stopping");
	fs_ui_stop(ui);
	signals_remove();
	if (d.wipe) {
		if (agent_kiosk_wipe(k, &e) != 0)
			log_line("erasing this kiosk's data was incomplete: %s", e.msg);
		log_line(AGENT_WIPED_MESSAGE);
		return AGENT_EXIT_AUTH;
	}
	return AGENT_EXIT_OK;
}
