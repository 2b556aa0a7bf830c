#include "fieldsync/sync.h"

#include <stdint.h>
#include <string.h>

#include "erase_internal.h"
#include "fieldsync/backend.h"
#include "fieldsync/receipt.h"
#include "fieldsync/seal.h"
#include "fieldsync/retention.h"
#include "store_internal.h"

/* The bookkeeping of a sync, written in the merge's transaction (merge.h
 * fs_merge_hook) so it commits with the changes: one fsync a sync. */
typedef struct sync_note {
	const char *site; /* the hub (a kiosk's note) */
} sync_note;

/* At a kiosk: the hub's changes are in up to cs->to. */
static int note_pull_cursor(void *ctx, fs_store *s, const fs_changeset *cs, fs_err *err)
{
	const sync_note *n = ctx;

	return fs_store_ops(s)->peer_set_pull(fs_store_backend(s), n->site, cs->to, err);
}

int fs_sync_kiosk_outgoing(fs_store *kiosk, fs_changeset *out, const char *hub_site,
			   size_t max_changes, size_t max_bytes, fs_err *err)
{
	fs_changes_filter f = {FS_SYNC_KIOSK_TABLES, fs_store_site(kiosk), NULL, NULL};
	int64_t push = 0, pull = 0;
	int rc = fs_store_peer_cursors(kiosk, hub_site, &push, &pull, err);

	if (rc != 0) {
		fs_changeset_init(out);
		return rc;
	}
	return fs_changes_read(kiosk, out, push, &f, max_changes, max_bytes, err);
}

int fs_sync_hub_receive(fs_store *hub, const fs_changeset *cs, const char *device_site,
			const char *device_region, fs_merge_result *res, fs_err *err)
{
	return fs_sync_hub_receive_noted(hub, cs, device_site, device_region, -1, NULL, NULL, res,
					 err);
}

/* At a hub: what the device has committed of the hub's changes (its pull
 * cursor), then the caller's own note. */
typedef struct hub_note {
	const char *device;
	int64_t pull;
	fs_merge_hook next;
	void *next_ctx;
} hub_note;

static int note_device_cursor(void *ctx, fs_store *s, const fs_changeset *cs, fs_err *err)
{
	const hub_note *n = ctx;
	int64_t seq = 0;
	int rc = 0;

	if (n->pull > 0) {
		/* The counter as committed before this merge: the device cannot
		 * claim more than the hub ever had. */
		rc = fs_store_seq(s, &seq, err);
		if (rc == 0)
			rc = fs_store_ops(s)->peer_set_push(fs_store_backend(s), n->device,
							    n->pull < seq ? n->pull : seq, err);
	}
	if (rc == 0 && n->next != NULL)
		rc = n->next(n->next_ctx, s, cs, err);
	return rc;
}

/* At a hub: the device's bookkeeping, then the count of responses left
 * out as past retention, in the merge's transaction. */
typedef struct refused_note {
	fs_merge_hook next;
	void *next_ctx;
	long dropped;
} refused_note;

static int note_refused(void *ctx, fs_store *s, const fs_changeset *cs, fs_err *err)
{
	refused_note *n = ctx;
	long withdrawn = 0;
	int rc = n->next(n->next_ctx, s, cs, err);

	if (rc == 0)
		rc = fs_retention_note_refused(s, n->dropped, err);
	/* Withdrawals by receipt erase their responses in this transaction,
	 * whichever of the two came first (receipt.h). */
	return rc == 0 ? fs_erase_withdrawn(s, cs, &withdrawn, err) : rc;
}

/* A kiosk writes a withdrawal only when a person gives a code: more than
 * FS_RECEIPT_WITHDRAWALS_PER_SET in one set is refused before anything is
 * merged (FS_ETOOBIG: 413, and the kiosk sends smaller batches). */
static int withdrawals_capped(const fs_changeset *cs, fs_err *err)
{
	size_t i, n = 0;

	for (i = 0; i < cs->count; i++)
		n += cs->changes[i].table == FS_TABLE_WITHDRAWALS;
	if (n > FS_RECEIPT_WITHDRAWALS_PER_SET)
		return fs_err_set(err, FS_ETOOBIG,
				  "changes: %zu withdrawals in one change set, over the cap of %d; "
				  "send them in smaller sets",
				  n, FS_RECEIPT_WITHDRAWALS_PER_SET);
	return 0;
}

int fs_sync_hub_receive_noted(fs_store *hub, const fs_changeset *cs, const char *device_site,
			      const char *device_region, int64_t pull_cursor,
			      fs_merge_hook on_commit, void *on_commit_ctx, fs_merge_result *res,
			      fs_err *err)
{
	return fs_sync_hub_receive_moved(hub, cs, device_site, device_region, NULL, pull_cursor,
					 on_commit, on_commit_ctx, res, err);
}

int fs_sync_hub_receive_moved(fs_store *hub, const fs_changeset *cs, const char *device_site,
			      const char *device_region, const char *also_region,
			      int64_t pull_cursor, fs_merge_hook on_commit, void *on_commit_ctx,
			      fs_merge_result *res, fs_err *err)
{
	/* A device may only send its own writes of the kiosk tables, for its
	 * region (and, just after a move, the region it was moved out of);
	 * its conflict rows are claims the hub verifies. */
	fs_authz authz = {device_site, FS_SYNC_KIOSK_TABLES, device_region, also_region};
	hub_note note = {device_site, pull_cursor, on_commit, on_commit_ctx};
	refused_note refused = {note_device_cursor, &note, 0};
	fs_merge_opts o = {FS_SYNC_MAX_FUTURE_MS, device_site, &authz, note_refused, &refused};
	fs_changeset view;
	int rc;

	rc = withdrawals_capped(cs, err);
	if (rc != 0)
		return rc;
	/* Responses older than the hub's retention stay out (retention.h). */
	rc = fs_retention_filter_responses(hub, cs, &view, &refused.dropped, err);
	if (rc == 0)
		rc = fs_seal_merge(hub, &view, &o, res, err); /* sealed answers opened first (seal.h) */
	fs_retention_view_free(&view);
	return rc;
}

int fs_sync_hub_outgoing(fs_store *hub, fs_changeset *out, const char *device_site,
			 const char *device_region, int64_t cursor, size_t max_changes,
			 size_t max_bytes, fs_err *err)
{
	fs_changes_filter f = {FS_SYNC_HUB_TABLES, NULL, device_site, device_region};

	return fs_changes_read(hub, out, cursor, &f, max_changes, max_bytes, err);
}

int fs_sync_kiosk_receive(fs_store *kiosk, const fs_changeset *cs, const char *hub_site,
			  fs_merge_result *res, fs_err *err)
{
	/* The hub is trusted, but sends only the hub tables. */
	fs_authz authz = {NULL, FS_SYNC_HUB_TABLES, NULL, NULL};
	sync_note note = {hub_site};
	fs_merge_opts o = {0, NULL, &authz, note_pull_cursor, &note};

	return fs_merge_apply(kiosk, cs, &o, res, err);
}

void fs_sync_limits_default(fs_sync_limits *out)
{
	out->up_changes = 2000;
	out->up_bytes = 512u << 10;
	out->up_gzip_max = 2u << 20;
	fs_codec_limits_default(&out->down);
}

int fs_sync_reply_unpack(fs_changeset *out, const fs_sync_answer *answer, int64_t pull,
			 const fs_codec_limits *limits, fs_err *err)
{
	int rc = fs_changeset_unpack(out, answer->body, answer->len, limits, err);

	if (rc != 0)
		return rc;
	if (out->from != pull) {
		rc = fs_err_set(err, FS_EINVAL,
				"it covers changes after %lld, asked after %lld",
				(long long)out->from, (long long)pull);
		fs_changeset_free(out);
	}
	return rc;
}

int fs_sync_answer_check(const fs_sync_answer *answer, int64_t pushed_to, fs_err *err)
{
	if (answer->has_ack && answer->ack == pushed_to)
		return 0;
	if (!answer->has_ack)
		return fs_err_set(err, FS_EINVAL, "no acknowledgement of the push (expected %lld)",
				  (long long)pushed_to);
	return fs_err_set(err, FS_EINVAL, "acknowledgement %lld does not match the push (%lld)",
			  (long long)answer->ack, (long long)pushed_to);
}

/* The round's failure: the fault and the code (err already set). */
static int round_failed(fs_sync_result *out, fs_sync_fault fault, int rc)
{
	out->fault = fault;
	return rc;
}

int fs_sync_round(fs_store *kiosk, const char *hub_site, fs_sync_transport send, void *ctx,
		  const fs_sync_limits *limits, fs_sync_result *out, fs_err *err)
{
	fs_sync_limits defaults;
	fs_changeset up, down;
	fs_sync_answer answer = {0, 0, NULL, 0};
	fs_buf gz;
	int64_t push = 0, pull = 0;
	int rc;

	memset(out, 0, sizeof(*out));
	if (limits == NULL) {
		fs_sync_limits_default(&defaults);
		limits = &defaults;
	}
	fs_changeset_init(&up);
	fs_changeset_init(&down);
	fs_buf_init(&gz, limits->up_gzip_max);
	rc = fs_store_peer_cursors(kiosk, hub_site, &push, &pull, err);
	if (rc == 0)
		rc = fs_sync_kiosk_outgoing(kiosk, &up, hub_site, limits->up_changes,
					    limits->up_bytes, err);
	if (rc != 0) {
		round_failed(out, FS_SYNC_FAULT_LOCAL, rc);
		goto cleanup;
	}
	out->pushed = up.count;
	rc = fs_changeset_pack(&gz, &up, err);
	if (rc != 0) {
		round_failed(out, FS_SYNC_FAULT_LOCAL, rc);
		goto cleanup;
	}
	rc = send(ctx, pull, gz.data, gz.len, &answer, err);
	if (rc != 0) {
		round_failed(out, FS_SYNC_FAULT_TRANSPORT, rc);
		goto cleanup;
	}
	rc = fs_sync_answer_check(&answer, up.to, err);
	if (rc != 0) {
		round_failed(out, FS_SYNC_FAULT_HUB, rc);
		goto cleanup;
	}
	/* The hub committed the push: only now may the push cursor move. */
	if (up.to > push) {
		rc = fs_store_peer_ack(kiosk, hub_site, up.to, err);
		if (rc != 0) {
			round_failed(out, FS_SYNC_FAULT_LOCAL, rc);
			goto cleanup;
		}
	}
	out->sent = (long)up.count;
	rc = fs_sync_reply_unpack(&down, &answer, pull, &limits->down, err);
	if (rc != 0) {
		round_failed(out, FS_SYNC_FAULT_HUB, rc);
		goto cleanup;
	}
	/* An empty reply that moves no cursor costs no write. */
	if (down.count > 0 || down.to != pull) {
		rc = fs_sync_kiosk_receive(kiosk, &down, hub_site, &out->merged, err);
		if (rc != 0) {
			round_failed(out, FS_SYNC_FAULT_LOCAL, rc);
			goto cleanup;
		}
	}
	out->received = (long)down.count;
	out->more = up.more || down.more;
	out->hub_time_ms = down.time_ms;
cleanup:
	fs_changeset_free(&down);
	fs_changeset_free(&up);
	fs_buf_free(&gz);
	return rc;
}

void fs_sync_local_init(fs_sync_local *t, fs_sync_limits *lim, fs_store *hub,
			const char *device_site, const char *device_region, size_t batch_changes,
			size_t batch_bytes)
{
	memset(t, 0, sizeof(*t));
	t->hub = hub;
	t->device_site = device_site;
	t->device_region = device_region;
	t->reply_changes = batch_changes;
	t->reply_bytes = batch_bytes;
	fs_codec_limits_default(&t->codec);
	fs_buf_init(&t->reply, SIZE_MAX / 2);
	fs_sync_limits_default(lim);
	lim->up_changes = batch_changes;
	lim->up_bytes = batch_bytes;
}

int fs_sync_local_send(void *ctx, int64_t pull, const void *body, size_t len,
		       fs_sync_answer *answer, fs_err *err)
{
	fs_sync_local *t = ctx;
	fs_changeset in, out;
	int rc;

	fs_changeset_init(&out);
	t->bytes_up += len;
	rc = fs_changeset_unpack(&in, body, len, &t->codec, err);
	if (rc == 0)
		rc = fs_sync_hub_receive_noted(t->hub, &in, t->device_site, t->device_region, pull,
					       NULL, NULL, &t->merged, err);
	if (rc == 0)
		rc = fs_sync_hub_outgoing(t->hub, &out, t->device_site, t->device_region, pull,
					  t->reply_changes, t->reply_bytes, err);
	fs_buf_reset(&t->reply);
	if (rc == 0)
		rc = fs_changeset_pack(&t->reply, &out, err);
	if (rc == 0) {
		t->bytes_down += t->reply.len;
		answer->has_ack = 1;
		answer->ack = in.to;
		answer->body = t->reply.data;
		answer->len = t->reply.len;
	}
	fs_changeset_free(&in);
	fs_changeset_free(&out);
	return rc;
}

void fs_sync_local_free(fs_sync_local *t)
{
	if (t != NULL)
		fs_buf_free(&t->reply);
}

/* Counts rows; nothing of them is decoded or kept. */
static int count_row(void *ctx, const fs_row *row)
{
	(void)row;
	(*(long *)ctx)++;
	return 0;
}

int fs_sync_kiosk_pending(fs_store *kiosk, const char *hub_site, long *out, fs_err *err)
{
	fs_changes_filter f = {FS_SYNC_KIOSK_TABLES, fs_store_site(kiosk), NULL, NULL};
	int64_t push = 0, pull = 0;
	int rc;

	*out = 0;
	rc = fs_store_peer_cursors(kiosk, hub_site, &push, &pull, err);
	if (rc != 0)
		return rc;
	/* Asked on every round (the Fieldsync-Pending header): a count, not
	 * a read, so that it costs neither the values' JSON nor their memory
	 * (reading them made a push of 100,000 changes quadratic). */
	rc = fs_txn_read_begin(kiosk, err);
	if (rc != 0)
		return rc;
	rc = fs_store_ops(kiosk)->changes_scan(fs_store_backend(kiosk), push, &f, SIZE_MAX,
					       count_row, out, err);
	fs_txn_read_end(kiosk);
	return rc;
}
