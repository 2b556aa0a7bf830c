/* fieldsync-hub: the merge writer (issue 14 item 3, docs/design.md "Group
 * commit").
 *
 * Every kiosk's change set is merged by one thread of the server, which
 * takes the sets that arrived while it committed the last group and
 * merges them in one store transaction: each set in a savepoint of its
 * own (a set refused, say a forged claim, is undone alone), then one
 * commit, so one fsync serves every set of the group. A set's merge is
 * reported to its request only once the group is durable (or failed,
 * when none of it is saved and every kiosk of the group resends). */
#ifndef HUB_WRITER_H
#define HUB_WRITER_H

#include "fieldsync/changeset.h"
#include "fieldsync/merge.h"
#include "pool.h"
#include "registry.h"

/* Change sets merged in one transaction at most: bounds the work a
 * failed commit makes every kiosk of the group redo. */
#define HUB_WRITER_GROUP_MAX 64

typedef struct hub_writer hub_writer;

typedef struct hub_merge_job {
	/* In: a decoded set from an authenticated device. */
	const fs_changeset *cs;
	const hub_device *device;
	const hub_kiosk_status *status;
	int64_t cursor; /* the pull cursor the kiosk sent, -1 when none */
	/* hub_writer_submit: called once the job is done, on the writer's
	 * thread (or the caller's, when the writer is stopping). */
	void (*on_done)(void *ctx);
	void *ctx;
	/* Out, once hub_writer_merge returns. */
	int rc;
	fs_err err;
	fs_merge_result res;
	size_t group; /* sets in the transaction it was committed in */
	/* The writer's. */
	int done;
	struct hub_merge_job *next;
} hub_merge_job;

/* Start the writer thread on a handle of pool (borrowed until stop). */
int hub_writer_start(hub_writer **out, hub_pool *pool, fs_err *err);

/* Queue job: job->on_done(job->ctx) is called when its group is
 * committed or failed (job->rc 0: durable). The job and what it points to
 * must stay until then. */
void hub_writer_submit(hub_writer *w, hub_merge_job *job);

/* hub_writer_submit, waiting for the job. */
void hub_writer_merge(hub_writer *w, hub_merge_job *job);

/* Finish the queued sets and end the thread; later sets fail at once
 * (FS_EBUSY, "the hub is stopping"). NULL accepted. */
void hub_writer_drain(hub_writer *w);

/* hub_writer_drain, then free. NULL accepted. */
void hub_writer_stop(hub_writer *w);

#endif
