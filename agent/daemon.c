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
#include <unistd.h>

#include "cli.h"
#include "fieldsync/records.h"
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
		r = agent_mono_ms() * 6364136223846793005u + (uint64_t)getpid();
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

static const char *outcome_name(int exit)
{
	switch (exit) {
	case AGENT_EXIT_UNREACHABLE:
		return "hub unreachable";
	case AGENT_EXIT_REFUSED:
		return "refused by the hub";
	case AGENT_EXIT_AUTH:
		return "credentials rejected";
	default:
		return "local error";
	}
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
	uint64_t t0 = agent_mono_ms(), wait;
	fs_err e = {0, ""};

	agent_sync_recorded(d->k->dir, d->k->store, d->client, &so, &r);
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
		d->next_sync_ms = agent_mono_ms() + (uint64_t)d->opts->sync_interval_s * 1000u;
		if (fs_store_seq(d->k->store, &d->seq_after_sync, &e) != 0)
			d->seq_after_sync = -1;
		log_line("sync ok: sent %ld, received %ld change(s) in %d round(s), %llu ms%s",
		         r.sent, r.received, r.rounds, (unsigned long long)(agent_mono_ms() - t0),
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
	d->next_sync_ms = agent_mono_ms() + wait;
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
	if (signals_install(&e) != 0) {
		signals_remove();
		return agent_fail_err("run", &e);
	}
	if (opts->ui != NULL) {
		opts->ui->data_dir = k->dir;
		opts->ui->sync_now = request_sync;
		opts->ui->sync_ctx = NULL;
		if (fs_ui_start(&ui, opts->ui, &e) != 0) {
			signals_remove();
			return agent_fail_err("run: kiosk UI", &e);
		}
	}
	log_line("running: site %s, region %s, hub %s, sync every %u s", k->cfg.site, k->cfg.region,
	         k->cfg.hub, opts->sync_interval_s);
	if (ui != NULL)
		log_line("kiosk UI on port %u", fs_ui_port(ui));
	d.next_sync_ms = agent_mono_ms();
	while (!stop_requested) {
		struct pollfd fds[1];
		uint64_t now = agent_mono_ms(), until;
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
