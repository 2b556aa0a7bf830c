#include "syncer.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "cli.h"
#include "fieldsync/changes.h"
#include "fieldsync/gzip.h"
#include "fieldsync/sync.h"
#include "http_wire.h"

#define BUSY_WAIT_MAX_S   30
#define PENDING_BATCH     5000

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
	uint64_t end = agent_mono_ms() + (uint64_t)seconds * 1000u;

	while (!stopped(o) && agent_mono_ms() < end) {
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

/* The hub refused or failed: classify its answer. */
static int refused(agent_sync_report *r, const agent_reply *rep)
{
	const char *msg = rep->message[0] ? rep->message : "no details";

	if (rep->status == 401 || (rep->status == 403 && strcmp(rep->error, "revoked") == 0))
		return report(r, AGENT_EXIT_AUTH, "hub rejected the credentials: %ld %s: %s",
		              rep->status, rep->error[0] ? rep->error : "unauthorized", msg);
	r->retry_after = rep->retry_after;
	return report(r, AGENT_EXIT_REFUSED, "hub refused the sync: %ld %s: %s", rep->status,
	              rep->error[0] ? rep->error : "error", msg);
}

/* Check and merge a 200 reply to the batch up. *more gets the reply's. */
static int take_reply(fs_store *s, const fs_changeset *up, int64_t push, int64_t pull,
                      const agent_reply *rep, uint64_t rtt_ms, int *more, agent_sync_report *r)
{
	fs_codec_limits lim;
	fs_changeset down;
	fs_merge_result res = {0, 0, 0, 0};
	fs_err e = {0, ""};
	int rc;

	if (!rep->has_ack || rep->ack != up->to)
		return report(r, AGENT_EXIT_REFUSED,
		              "hub reply without a matching Fieldsync-Ack (expected %" PRId64 ")",
		              up->to);
	/* The hub committed our batch: only now may the push cursor move. */
	if (up->to > push && fs_store_peer_ack(s, AGENT_HUB_PEER, up->to, &e) != 0)
		return report(r, AGENT_EXIT_LOCAL, "recording the acknowledgement: %s", e.msg);
	r->sent += (long)up->count;
	if (!rep->gzip)
		return report(r, AGENT_EXIT_REFUSED, "hub reply is not gzip-encoded");
	fs_codec_limits_default(&lim);
	rc = fs_changeset_unpack(&down, rep->body.data, rep->body.len, &lim, &e);
	if (rc != 0)
		return report(r, AGENT_EXIT_REFUSED, "hub reply refused: %s", e.msg);
	if (down.from != pull) {
		report(r, AGENT_EXIT_REFUSED,
		       "hub reply covers changes after %" PRId64 ", asked after %" PRId64,
		       down.from, pull);
		fs_changeset_free(&down);
		return r->exit;
	}
	if (down.count > 0 || down.to != pull) {
		rc = fs_sync_kiosk_receive(s, &down, AGENT_HUB_PEER, &res, &e);
		if (rc != 0) {
			report(r, AGENT_EXIT_LOCAL, "merging the hub's changes: %s", e.msg);
			fs_changeset_free(&down);
			return r->exit;
		}
	}
	r->received += (long)down.count;
	r->conflicts += res.conflicts;
	r->quarantined += res.quarantined;
	*more = down.more;
	correct_clock(s, down.time_ms, rtt_ms);
	fs_changeset_free(&down);
	return 0;
}

/* What one sync carries from round to round. */
typedef struct sync_run {
	fs_store *s;
	agent_client *c;
	const agent_sync_opts *o;
	agent_sync_report *r;
	agent_reply rep;
	size_t up_changes, up_bytes; /* batch limits; halved on 413 */
	int more;                    /* either side has more after this round */
	int again;                   /* repeat the round (clock fixed, hub busy, smaller batch) */
	int clock_fixed;             /* the one clock correction after 409 was made */
	int busy_left;               /* retries left for 429 and 503 */
} sync_run;

/* The hub answered with an error: decide whether to repeat the round. */
static void on_error_reply(sync_run *x, const fs_changeset *up)
{
	const agent_reply *rep = &x->rep;
	fs_err e = {0, ""};
	long n = 0;

	if (rep->status == 409 && strcmp(rep->error, "clock_ahead") == 0 && rep->hub_time > 0 &&
	    !x->clock_fixed) {
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
	} else if (rep->status == 413 && up->count > 1) {
		/* A hub with smaller limits than ours: send smaller batches. */
		x->up_changes = up->count / 2;
		x->up_bytes = x->up_bytes / 2 > 1024 ? x->up_bytes / 2 : 1024;
		x->again = 1;
	} else if ((rep->status == 429 || (rep->status == 503 && strcmp(rep->error, "busy") == 0)) &&
	           x->busy_left > 0) {
		/* Busy passes in seconds; "unavailable" waits for an operator. */
		long wait = rep->retry_after < 0 ? 1 : rep->retry_after;

		x->busy_left--;
		wait_seconds(wait > BUSY_WAIT_MAX_S ? BUSY_WAIT_MAX_S : wait, x->o);
		x->again = 1;
	} else {
		refused(x->r, rep);
	}
}

/* One round trip: push a batch with the pull cursor, take the reply. */
static int one_round(sync_run *x)
{
	agent_sync_report *r = x->r;
	fs_changeset up;
	fs_buf gz;
	fs_err e = {0, ""};
	int64_t push = 0, pull = 0;
	char path[64];
	uint64_t t0;
	int rc, down_more = 0;

	x->more = 0;
	x->again = 0;
	if (fs_store_peer_cursors(x->s, AGENT_HUB_PEER, &push, &pull, &e) != 0)
		return report(r, AGENT_EXIT_LOCAL, "reading sync cursors: %s", e.msg);
	rc = fs_sync_kiosk_outgoing(x->s, &up, AGENT_HUB_PEER, x->up_changes, x->up_bytes, &e);
	if (rc != 0)
		return report(r, AGENT_EXIT_LOCAL, "reading local changes: %s", e.msg);
	fs_buf_init(&gz, AGENT_UP_MAX_GZIP);
	rc = fs_changeset_pack(&gz, &up, &e);
	if (rc != 0) {
		report(r, AGENT_EXIT_LOCAL, "packing local changes: %s", e.msg);
		goto cleanup;
	}
	snprintf(path, sizeof(path), "/v1/sync?cursor=%" PRId64, pull);
	t0 = agent_mono_ms();
	rc = agent_client_post(x->c, &x->rep, path, FS_WIRE_CHANGESET_TYPE, 1, gz.data, gz.len, &e);
	if (rc != 0) {
		report(r, rc == FS_ETOOBIG ? AGENT_EXIT_REFUSED : AGENT_EXIT_UNREACHABLE, "%s",
		       e.msg);
	} else if (x->rep.status != 200) {
		on_error_reply(x, &up);
	} else if (take_reply(x->s, &up, push, pull, &x->rep, agent_mono_ms() - t0, &down_more,
	                      r) == 0) {
		r->rounds++;
		x->more = up.more || down_more;
	}
cleanup:
	fs_changeset_free(&up);
	fs_buf_free(&gz);
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
	x.up_changes = AGENT_UP_MAX_CHANGES;
	x.up_bytes = AGENT_UP_MAX_BYTES;
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
	return out->exit;
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
	agent_sync_run(s, c, opts, out);
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

int agent_pending_count(fs_store *s, long *out, fs_err *err)
{
	fs_changes_filter f = {FS_SYNC_KIOSK_TABLES, fs_store_site(s), NULL, NULL};
	int64_t push = 0, pull = 0, cursor;
	int rc, more = 1;

	*out = 0;
	rc = fs_store_peer_cursors(s, AGENT_HUB_PEER, &push, &pull, err);
	cursor = push;
	while (rc == 0 && more) {
		fs_changeset cs;

		rc = fs_changes_read(s, &cs, cursor, &f, PENDING_BATCH, SIZE_MAX, err);
		if (rc != 0)
			break;
		*out += (long)cs.count;
		more = cs.more;
		cursor = cs.to;
		fs_changeset_free(&cs);
	}
	return rc;
}
