#include "syncer.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "fieldsync/monotonic.h"
#include "audit_queue.h"
#include "contact_requests.h"
#include "cli.h"
#include "fieldsync/changes.h"
#include "fieldsync/gzip.h"
#include "fieldsync/region.h"
#include "fieldsync/seal.h"
#include "fieldsync/retention.h"
#include "fieldsync/sync.h"
#include "http_wire.h"

#define BUSY_WAIT_MAX_S   30

static int report(agent_sync_report *r, int exit, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 3, 4)))
#endif
    ;

static int report(agent_sync_report *r, int exit, const char *fmt, ...)
{
	va_list ap;

	r->exit = exit;
	va_start(ap, fmt);
	vsnprintf(r->message, sizeof(r->message), fmt, ap);
	va_end(ap);
	return exit;
}

static int stopped(const agent_sync_opts *o)
{
	return o->stop != NULL && *o->stop;
}

/* Sleep seconds, waking early when asked to stop. */
static void wait_seconds(long seconds, const agent_sync_opts *o)
{
	uint64_t end = fs_monotonic_ms() + (uint64_t)seconds * 1000u;

	while (!stopped(o) && fs_monotonic_ms() < end) {
		struct timespec ts = {0, 100 * 1000 * 1000};

		nanosleep(&ts, NULL);
	}
}

/* Bring the store's clock offset to the hub's time without rewriting any
 * stamp: the allowance passed to fs_store_clock_adjust is widened to cover
 * the greatest stamp held, so nothing counts as "beyond" it. Stamps the hub
 * accepted stay as they are; new ones follow the corrected clock as soon as
 * it passes the last stamp (the clock never goes back). Best effort. */
static void correct_clock(fs_store *s, uint64_t hub_time, uint64_t rtt_ms)
{
	uint64_t hub_now = hub_time + rtt_ms / 2, local = fs_store_now_ms(s), allowance, last_ms;
	fs_hlc last = 0;
	fs_err e = {0, ""};

	if (hub_time == 0 ||
	    (local > hub_now ? local - hub_now : hub_now - local) <= AGENT_CLOCK_TOLERANCE_MS)
		return;
	if (fs_store_clock_last(s, &last, &e) != 0)
		return;
	allowance = FS_SYNC_MAX_FUTURE_MS;
	last_ms = fs_hlc_ms(last);
	if (last_ms + 1 > hub_now + allowance / 2)
		allowance = 2 * (last_ms + 1 - hub_now);
	fs_store_clock_adjust(s, hub_now, allowance, NULL, &e);
}

/* What the agent does about a hub's error answer. */
typedef enum reply_action {
	REPLY_REFUSED = 0, /* give up: exit AGENT_EXIT_REFUSED */
	REPLY_AUTH,        /* credentials rejected: exit AGENT_EXIT_AUTH */
	REPLY_CLOCK,       /* adopt the hub's time (the body's "time"), once */
	REPLY_SMALLER,     /* halve the batch and repeat */
	REPLY_BUSY         /* wait as the hub asks and repeat (busy_retries) */
} reply_action;

/* One table, by status and the body's "error" code (NULL: any), as
 * docs/protocol.md "Errors" lists them; never by the message, which is
 * only shown. "unavailable" (503) waits for an operator: refused. */
static const struct {
	long status;
	const char *error;
	reply_action action;
} reply_actions[] = {
    {401, NULL, REPLY_AUTH},    {403, FS_WIRE_ERR_REVOKED, REPLY_AUTH}, {409, FS_WIRE_ERR_CLOCK_AHEAD, REPLY_CLOCK},
    {413, NULL, REPLY_SMALLER}, {429, NULL, REPLY_BUSY},      {503, FS_WIRE_ERR_BUSY, REPLY_BUSY},
};

static reply_action action_of(const agent_reply *rep)
{
	size_t i;

	for (i = 0; i < sizeof(reply_actions) / sizeof(reply_actions[0]); i++)
		if (reply_actions[i].status == rep->status &&
		    (reply_actions[i].error == NULL ||
		     strcmp(reply_actions[i].error, rep->error) == 0))
			return reply_actions[i].action;
	return REPLY_REFUSED;
}

/* The hub refused or failed for good: report its answer. */
static int refused(agent_sync_report *r, const agent_reply *rep)
{
	const char *msg = rep->message[0] ? rep->message : "no details";

	if (action_of(rep) == REPLY_AUTH)
		return report(r, AGENT_EXIT_AUTH, "hub rejected the credentials: %ld %s: %s",
		              rep->status, rep->error[0] ? rep->error : "unauthorized", msg);
	r->retry_after = rep->retry_after;
	return report(r, AGENT_EXIT_REFUSED, "hub refused the sync: %ld %s: %s", rep->status,
	              rep->error[0] ? rep->error : "error", msg);
}

/* 403 revoked: wipe only on an order signed with the pinned hub key, so a
 * forged reply (a fake hub, a proxy) cannot erase what is not yet sent. */
static void revoked(fs_store *s, agent_sync_report *r, const agent_reply *rep)
{
	fs_err e = {0, ""};

	if (rep->wipe[0] != '\0' && fs_seal_verify_wipe(s, rep->wipe, &e) == 0) {
		r->wipe = 1;
		report(r, AGENT_EXIT_AUTH, AGENT_WIPED_MESSAGE);
		return;
	}
	report(r, AGENT_EXIT_AUTH, "hub rejected the credentials: %ld %s: %s; %s, so this kiosk's data is kept",
	       rep->status, rep->error, rep->message[0] ? rep->message : "no details",
	       rep->wipe[0] == '\0' ? "no wipe order came"
	                             : "the wipe order does not verify with the hub key pinned at "
	                               "enrollment");
}

/* What one sync carries from round to round. */
typedef struct sync_run {
	fs_store *s;
	agent_client *c;
	const agent_sync_opts *o;
	agent_sync_report *r;
	agent_reply rep;
	int answered;          /* the hub answered the last push (rep holds it) */
	uint64_t rtt_ms;       /* of the last push */
	fs_sync_limits limits; /* push batch limits: adapted to the link, halved on 413 */
	size_t up_cap;         /* the most up_bytes may grow to (lowered by a 413) */
	int more;              /* either side has more after this round */
	int again;             /* repeat the round (clock fixed, hub busy, smaller batch) */
	int clock_fixed;       /* the one clock correction after 409 was made */
	int busy_left;         /* retries left for 429 and 503 */
	char hub_region[FS_NAME_MAX + 1]; /* Fieldsync-Region of the last 200, "" none */
} sync_run;

/* The hub answered with an error: decide whether to repeat the round. */
static void on_error_reply(sync_run *x, size_t pushed)
{
	const agent_reply *rep = &x->rep;
	reply_action act = action_of(rep);
	fs_err e = {0, ""};
	long n = 0;

	if (act == REPLY_CLOCK && rep->hub_time > 0 && !x->clock_fixed) {
		/* Our stamps are too far ahead: adopt the hub's clock, which
		 * re-stamps our unacknowledged writes, and try once more. */
		x->clock_fixed = 1;
		if (fs_store_clock_adjust(x->s, rep->hub_time, FS_SYNC_MAX_FUTURE_MS, &n, &e) !=
		    0) {
			report(x->r, AGENT_EXIT_LOCAL, "correcting the clock: %s", e.msg);
			return;
		}
		x->r->restamped += n;
		x->again = 1;
	} else if (act == REPLY_SMALLER && pushed > 1) {
		/* A hub with smaller limits than ours: send smaller batches. */
		x->limits.up_changes = pushed / 2;
		x->limits.up_bytes = x->limits.up_bytes / 2 > 1024 ? x->limits.up_bytes / 2 : 1024;
		x->up_cap = x->limits.up_bytes;
		x->again = 1;
	} else if (act == REPLY_BUSY && x->busy_left > 0) {
		/* Busy passes in seconds; "unavailable" waits for an operator. */
		long wait = rep->retry_after < 0 ? 1 : rep->retry_after;

		x->busy_left--;
		wait_seconds(wait > BUSY_WAIT_MAX_S ? BUSY_WAIT_MAX_S : wait, x->o);
		x->again = 1;
	} else if (rep->status == 403 && strcmp(rep->error, FS_WIRE_ERR_REVOKED) == 0) {
		revoked(x->s, x->r, rep);
	} else {
		refused(x->r, rep);
	}
}

/* What this kiosk tells the hub about itself on every sync
 * (docs/protocol.md "Kiosk status"): its version, its changes not yet
 * acknowledged (those in this request included), its wall clock as the
 * system has it (without the offset learnt from the hub, so the hub sees
 * how far this machine's clock is off), and the region whose data it
 * holds (a move is taken in once that is the hub's). */
typedef struct status_lines {
	char agent[64], pending[48], clock[48], region[FS_NAME_MAX + 32];
	const char *lines[5];
} status_lines;

static void status_headers(fs_store *s, status_lines *h)
{
	long pending = 0;
	size_t n = 0;
	int64_t wall = (int64_t)fs_store_now_ms(s) - fs_store_clock_offset(s);

	snprintf(h->agent, sizeof(h->agent), FS_WIRE_AGENT_HEADER ": " AGENT_PROG "/" AGENT_VERSION);
	h->lines[n++] = h->agent;
	if (fs_sync_kiosk_pending(s, FS_SYNC_HUB_PEER, &pending, NULL) == 0) {
		snprintf(h->pending, sizeof(h->pending), FS_WIRE_PENDING_HEADER ": %ld", pending);
		h->lines[n++] = h->pending;
	}
	snprintf(h->clock, sizeof(h->clock), FS_WIRE_CLOCK_HEADER ": %lld",
	         (long long)(wall > 0 ? wall : 0));
	h->lines[n++] = h->clock;
	if (fs_store_region(s)[0] != '\0') {
		snprintf(h->region, sizeof(h->region), FS_WIRE_REGION_HEADER ": %s",
		         fs_store_region(s));
		h->lines[n++] = h->region;
	}
	h->lines[n] = NULL;
}

/* The round's transport (fs_sync_transport): POST the push to /v1/sync
 * with the pull cursor. A 200 with a gzip body is the hub's answer; any
 * other status is left in x->rep for on_error_reply. */
static int post_sync(void *ctx, int64_t pull, const void *body, size_t len, fs_sync_answer *answer,
                     fs_err *err)
{
	sync_run *x = ctx;
	char path[64];
	status_lines hdr;
	uint64_t t0 = fs_monotonic_ms();
	int rc;

	snprintf(path, sizeof(path), "/v1/sync?cursor=%" PRId64, pull);
	status_headers(x->s, &hdr);
	rc = agent_client_post_with(x->c, &x->rep, path, FS_WIRE_CHANGESET_TYPE, 1, body, len,
	                            hdr.lines, err);
	x->rtt_ms = fs_monotonic_ms() - t0;
	if (rc != 0)
		return rc;
	if (x->rep.status != 200) {
		x->answered = 1;
		return fs_err_set(err, FS_EGENERIC, "hub answered %ld", x->rep.status);
	}
	if (!x->rep.gzip)
		return fs_err_set(err, FS_EINVAL, "hub reply is not gzip-encoded");
	snprintf(x->hub_region, sizeof(x->hub_region), "%s",
	         fs_name_is_valid(x->rep.region) ? x->rep.region : "");
	/* A rotated seal key, signed with the pinned hub key (seal.h). */
	if (x->rep.seal_key[0] != '\0') {
		fs_err ke = {0, ""};
		int changed = 0, krc = fs_seal_adopt_key(x->s, x->rep.seal_key, &changed, &ke);

		if (krc != 0 && krc != FS_ENOTFOUND)
			agent_fail(0, "warning: the hub's seal key is not adopted: %s", ke.msg);
	}
	answer->has_ack = x->rep.has_ack;
	answer->ack = x->rep.ack;
	answer->body = x->rep.body.data;
	answer->len = x->rep.body.len;
	return 0;
}

/* The next push batch from how long this one's round took: doubled while
 * well under the target, cut in proportion above it, never above cap
 * (syncer.h). */
static void adapt_batch(fs_sync_limits *l, uint64_t round_ms, size_t cap)
{
	uint64_t bytes = l->up_bytes;

	if (round_ms < AGENT_ROUND_TARGET_MS / 2)
		bytes *= 2;
	else if (round_ms > AGENT_ROUND_TARGET_MS)
		bytes = bytes * AGENT_ROUND_TARGET_MS / round_ms;
	if (bytes < AGENT_UP_MIN_BYTES)
		bytes = AGENT_UP_MIN_BYTES;
	if (bytes > cap)
		bytes = cap;
	l->up_bytes = (size_t)bytes;
}

/* One round trip (fs_sync_round over post_sync), classified. */
static int one_round(sync_run *x)
{
	agent_sync_report *r = x->r;
	fs_sync_result res;
	fs_err e = {0, ""};
	int rc;

	x->more = 0;
	x->again = 0;
	x->answered = 0;
	rc = fs_sync_round(x->s, FS_SYNC_HUB_PEER, post_sync, x, &x->limits, &res, &e);
	r->sent += res.sent;
	if (rc == 0) {
		if (res.pushed > 0)
			adapt_batch(&x->limits, x->rtt_ms, x->up_cap);
		r->rounds++;
		r->received += res.received;
		r->conflicts += res.merged.conflicts;
		r->quarantined += res.merged.quarantined;
		x->more = res.more;
		correct_clock(x->s, res.hub_time_ms, x->rtt_ms);
	} else if (res.fault == FS_SYNC_FAULT_TRANSPORT && x->answered) {
		on_error_reply(x, res.pushed);
	} else if (res.fault == FS_SYNC_FAULT_TRANSPORT) {
		/* No answer (or not one this agent can read). */
		report(r,
		       rc == FS_ETOOBIG || rc == FS_EINVAL ? AGENT_EXIT_REFUSED
		                                           : AGENT_EXIT_UNREACHABLE,
		       "%s", e.msg);
	} else if (res.fault == FS_SYNC_FAULT_HUB) {
		report(r, AGENT_EXIT_REFUSED, "hub reply refused: %s", e.msg);
	} else {
		report(r, AGENT_EXIT_LOCAL, "this kiosk's store: %s", e.msg);
	}
	return r->exit;
}

int agent_sync_run(fs_store *s, agent_client *c, const agent_sync_opts *opts,
                   agent_sync_report *out)
{
	static const agent_sync_opts none = {0, NULL};
	sync_run x;

	memset(out, 0, sizeof(*out));
	out->retry_after = -1;
	memset(&x, 0, sizeof(x));
	x.s = s;
	x.c = c;
	x.o = opts ? opts : &none;
	x.r = out;
	fs_sync_limits_default(&x.limits);
	x.limits.up_changes = AGENT_UP_MAX_CHANGES;
	x.limits.up_bytes = AGENT_UP_START_BYTES;
	x.up_cap = AGENT_UP_MAX_BYTES;
	x.limits.up_gzip_max = AGENT_UP_MAX_GZIP;
	x.busy_left = x.o->busy_retries;
	x.more = 1;
	agent_reply_init(&x.rep, AGENT_REPLY_MAX);
	agent_client_set_stop(c, x.o->stop);
	while (x.more || x.again) {
		if (stopped(x.o)) {
			report(out, AGENT_EXIT_UNREACHABLE, "stopped before the sync finished");
			break;
		}
		if (one_round(&x) != 0)
			break;
	}
	agent_reply_free(&x.rep);
	snprintf(out->hub_region, sizeof(out->hub_region), "%s", x.hub_region);
	return out->exit;
}

/* The hub moved this kiosk to another region (fieldsync/region.h): after
 * a sync that pushed everything pending, the other regions' contacts go,
 * the pull cursor goes back to 0, and once nothing of the old region is
 * left the new region is this kiosk's (store and agent.json). 1 when the
 * store's region changed or its pull cursor was reset (sync again to pull
 * the new region), 0 otherwise. Failures are warned about: the next sync
 * tries again. */
static int take_in_move(const char *dir, fs_store *s, const char *hub_region)
{
	fs_region_result res;
	agent_config cfg;
	fs_err e = {0, ""};
	char was[FS_NAME_MAX + 1];

	if (hub_region[0] == '\0')
		return 0;
	snprintf(was, sizeof(was), "%s", fs_store_region(s));
	if (fs_region_adopt(s, FS_SYNC_HUB_PEER, hub_region, &res, &e) != 0) {
		agent_fail(0, "warning: moving to region %s: %s", hub_region, e.msg);
		return 0;
	}
	if (res.purged > 0 || res.kept > 0 || res.reset)
		agent_fail(0, "moved to region %s by the hub: %ld contact(s) of region %s removed%s",
		           hub_region, res.purged, was,
		           res.kept > 0 ? "; some with changes not yet sent are kept until sent"
		                        : "");
	if (res.done && strcmp(was, hub_region) != 0) {
		if (agent_config_load(&cfg, dir, &e) == 0) {
			snprintf(cfg.region, sizeof(cfg.region), "%s", hub_region);
			fs_err_clear(&e);
			if (agent_config_save(&cfg, dir, &e) != 0)
				agent_fail(0, "warning: %s", e.msg);
		}
		return 1;
	}
	return res.reset;
}

/* The worker events queued for the hub's audit trail (audit_queue.h),
 * batch by batch, each dropped only after the hub's 200. A failure leaves
 * the rest queued for the next sync (a warning; the sync itself stands). */
static void send_audit_events(const char *dir, agent_client *c)
{
	agent_reply rep;
	fs_buf body;
	fs_err e = {0, ""};
	size_t lines = 0;
	int batches;

	agent_reply_init(&rep, 4096);
	for (batches = 0; batches < 64; batches++) {
		fs_err_clear(&e);
		if (fs_audit_queue_batch(dir, &body, &lines, &e) != 0 || lines == 0) {
			fs_buf_free(&body);
			break;
		}
		if (agent_client_post(c, &rep, "/v1/audit", "application/json", 0, body.data,
		                      body.len, &e) != 0 ||
		    rep.status != 200) {
			if (e.msg[0] == '\0')
				fs_err_set(&e, FS_EGENERIC, "the hub answered %ld %s", rep.status,
				           rep.message);
			fs_buf_free(&body);
			break;
		}
		fs_buf_free(&body);
		if (fs_audit_queue_drop(dir, lines, &e) != 0)
			break;
	}
	if (e.msg[0] != '\0')
		agent_fail(0, "warning: worker events for the hub's audit trail stay queued: %s",
		           e.msg);
	agent_reply_free(&rep);
}

/* After a sync that reached the hub: what the kiosk no longer needs goes
 * (retention.h: acknowledged responses, contacts closed before the
 * window), under the sync lock. A failure is only warned about: the sync
 * stands, and the next one purges again. */
static void purge(const char *dir, fs_store *s)
{
	agent_config cfg;
	fs_retention_kiosk_result res;
	fs_err e = {0, ""};

	if (agent_config_load(&cfg, dir, &e) != 0 ||
	    fs_retention_kiosk_purge(s, FS_SYNC_HUB_PEER, cfg.closed_contact_days,
	                             cfg.contact_request_days, &res, &e) != 0)
		agent_fail(0, "warning: retention: %s", e.msg);
}

/* Before a sync: the requests to be contacted whose time has come become
 * contacts (contact_requests.h), so this sync sends them. A failure is
 * only warned about (the requests stay queued); the message names no
 * person. */
static void release_requests(const char *dir, fs_store *s)
{
	agent_config cfg;
	fs_err e = {0, ""};
	long released = 0, dropped = 0;

	if (agent_config_load(&cfg, dir, &e) != 0 ||
	    fs_contact_requests_release(dir, s, &cfg.person_ref_rule, &released, &dropped, &e) != 0)
		agent_fail(0, "warning: requests to be contacted stay queued: %s", e.msg);
	if (dropped > 0)
		agent_fail(0, "warning: %ld damaged request(s) to be contacted dropped", dropped);
}

int agent_sync_recorded(const char *dir, fs_store *s, agent_client *c, const agent_sync_opts *opts,
                        agent_sync_report *out)
{
	agent_state st;
	fs_err e = {0, ""};
	int fd = -1;
	uint64_t now;

	if (agent_sync_lock(&fd, dir, opts ? opts->stop : NULL, &e) != 0) {
		memset(out, 0, sizeof(*out));
		out->retry_after = -1;
		return report(out, e.code == FS_EBUSY ? AGENT_EXIT_UNREACHABLE : AGENT_EXIT_LOCAL,
		              "%s", e.msg);
	}
	release_requests(dir, s);
	agent_sync_run(s, c, opts, out);
	/* Moved by the hub: take it in, then pull the new region (once). */
	if (out->exit == AGENT_EXIT_OK && !out->wipe && take_in_move(dir, s, out->hub_region)) {
		agent_sync_report first = *out;

		agent_sync_run(s, c, opts, out);
		out->sent += first.sent;
		out->received += first.received;
		out->rounds += first.rounds;
		if (out->exit == AGENT_EXIT_OK)
			take_in_move(dir, s, out->hub_region);
	}
	if (out->wipe) {
		/* Nothing more is written here: the caller erases DATA. */
		agent_sync_unlock(fd);
		return out->exit;
	}
	if (out->rounds > 0)
		purge(dir, s);
	if (out->exit == AGENT_EXIT_OK)
		send_audit_events(dir, c);
	now = agent_wall_ms();
	if (agent_state_load(&st, dir, &e) != 0)
		memset(&st, 0, sizeof(st)); /* a damaged state file is rewritten */
	st.last_attempt = now;
	if (out->exit == AGENT_EXIT_OK) {
		st.last_sync = now;
		st.last_sent = out->sent;
		st.last_received = out->received;
	} else {
		st.last_error_at = now;
		st.last_error_exit = out->exit;
		snprintf(st.last_error, sizeof(st.last_error), "%s", out->message);
	}
	fs_err_clear(&e);
	if (agent_state_save(&st, dir, &e) != 0)
		agent_fail(0, "warning: %s", e.msg);
	agent_sync_unlock(fd);
	return out->exit;
}

/* Overwrite a regular file with zeros and fsync it (not following links). */
static int zero_file(int dfd, const char *name)
{
	static const char zeros[8192];
	struct stat st;
	off_t left;
	int fd = openat(dfd, name, O_WRONLY | O_NOFOLLOW | O_CLOEXEC), rc = 0;

	if (fd < 0)
		return errno == ELOOP ? 0 : -1;
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
		close(fd);
		return -1;
	}
	for (left = st.st_size; left > 0 && rc == 0;) {
		ssize_t n = write(fd, zeros, left < (off_t)sizeof(zeros) ? (size_t)left : sizeof(zeros));

		if (n <= 0)
			rc = -1;
		else
			left -= n;
	}
	if (fsync(fd) != 0)
		rc = -1;
	close(fd);
	return rc;
}

int agent_kiosk_wipe(agent_kiosk *k, fs_err *err)
{
	DIR *d;
	struct dirent *de;
	int dfd, rc = 0;

	agent_kiosk_close(k);
	d = opendir(k->dir);
	if (d == NULL)
		return fs_err_set(err, FS_EIO, "cannot open %s to erase it: %s", k->dir,
		                  strerror(errno));
	dfd = dirfd(d);
	while ((de = readdir(d)) != NULL) {
		struct stat st;

		if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
			continue;
		if (fstatat(dfd, de->d_name, &st, AT_SYMLINK_NOFOLLOW) != 0)
			continue;
		if (!S_ISREG(st.st_mode) && !S_ISLNK(st.st_mode))
			continue;
		if ((S_ISREG(st.st_mode) && zero_file(dfd, de->d_name) != 0) ||
		    unlinkat(dfd, de->d_name, 0) != 0) {
			if (rc == 0)
				rc = fs_err_set(err, FS_EIO, "cannot erase %s/%s: %s", k->dir,
				                de->d_name, strerror(errno));
			unlinkat(dfd, de->d_name, 0);
		}
	}
	fsync(dfd);
	closedir(d);
	return rc;
}
