/* fieldsync-agent: the kiosk daemon (`run`).
 *
 * One poll() loop over its event sources: a wake-up pipe (signals, and the
 * kiosk web UI's "sync now" from the UI's own thread) and two timers
 * (periodic sync, the local-change check); another source is one more
 * pollfd in agent_daemon_run. The UI writes to the store through its own
 * handle; its writes are noticed by the change-counter check like any
 * other. The loop syncs at start,
 * every sync_interval_s after a successful sync, and within AGENT_LOCAL_POLL_MS of a new local
 * write (the store's change counter moved). While syncs fail it backs off exponentially with jitter
 * up to max_backoff_s and keeps working offline indefinitely. SIGTERM or SIGINT ends it after the
 * current step (a transfer still running 5 s later is abandoned, which the protocol makes safe).
 * One log line per sync to stderr, never personal data. */
#ifndef FIELDSYNC_AGENT_DAEMON_H
#define FIELDSYNC_AGENT_DAEMON_H

#include "client.h"
#include "config.h"
#include "ui.h"

#define AGENT_LOCAL_POLL_MS   1000u
#define AGENT_BACKOFF_BASE_MS 2000u

typedef struct agent_daemon_opts {
	unsigned sync_interval_s; /* seconds between syncs while all is well */
	unsigned max_backoff_s;   /* longest wait between failed attempts */
	/* The kiosk web UI (agent/ui, docs/kiosk.md) to serve on its own
	 * thread, or NULL for none. Its "sync now" wakes the loop. Borrowed;
	 * sync_now and sync_ctx are filled in here. */
	fs_ui_opts *ui;
} agent_daemon_opts;

/* Run until SIGTERM or SIGINT. Returns AGENT_EXIT_OK after a signal, or
 * AGENT_EXIT_LOCAL when the loop itself cannot run. */
int agent_daemon_run(agent_kiosk *k, agent_client *c, const agent_daemon_opts *opts);

#endif
