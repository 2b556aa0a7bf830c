#include "writer.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "fieldsync/store.h"
#include "fieldsync/sync.h"

struct hub_writer {
	hub_pool *pool;
	pthread_t thread;
	pthread_mutex_t lock;
	pthread_cond_t work; /* a job queued, or stop */
	pthread_cond_t done; /* a group finished */
	hub_merge_job *head, *tail;
	int stop;
	int joined;
};

static void merge_one(fs_store *s, hub_merge_job *j)
{
	hub_sync_note note = {j->device, j->status, j->cursor};

	/* Just after a move, its edits of the old region are still taken
	 * (registry.h hub_device_move). */
	j->rc = fs_sync_hub_receive_moved(
	    s, j->cs, j->device->site, j->device->region,
	    hub_device_grace_region(j->device, j->status, fs_store_now_ms(s)), j->cursor,
	    hub_device_synced_status, &note, &j->res, &j->err);
}

/* Merge and commit one group; every job's rc says whether it is durable. */
static void run_group(hub_writer *w, fs_store *s, hub_merge_job *jobs, size_t n)
{
	hub_merge_job *j;
	fs_err e = {0, ""};
	int rc;

	hub_pool_write_lock(w->pool);
	if (n == 1) {
		/* Alone: the merge's own transaction, no savepoint to pay. */
		merge_one(s, jobs);
		hub_pool_write_unlock(w->pool);
		return;
	}
	rc = fs_store_group_begin(s, &e);
	for (j = jobs; rc == 0 && j != NULL; j = j->next)
		merge_one(s, j);
	if (rc == 0)
		rc = fs_store_group_commit(s, &e);
	hub_pool_write_unlock(w->pool);
	if (rc == 0)
		return;
	/* Nothing of the group is saved: every set fails, and is resent. */
	for (j = jobs; j != NULL; j = j->next)
		if (j->rc == 0) {
			j->rc = rc;
			j->err = e;
		}
}

static void *writer_main(void *arg)
{
	hub_writer *w = arg;
	fs_store *s = NULL;
	fs_err e = {0, ""};
	int have = hub_pool_get(w->pool, &s, &e);

	pthread_mutex_lock(&w->lock);
	for (;;) {
		hub_merge_job *jobs, *j, *last;
		size_t n = 1;

		while (w->head == NULL && !w->stop)
			pthread_cond_wait(&w->work, &w->lock);
		if (w->head == NULL)
			break;
		/* Take what is queued, up to the group's bound. */
		jobs = last = w->head;
		while (last->next != NULL && n < HUB_WRITER_GROUP_MAX) {
			last = last->next;
			n++;
		}
		w->head = last->next;
		if (w->head == NULL)
			w->tail = NULL;
		last->next = NULL;
		pthread_mutex_unlock(&w->lock);
		if (have != 0) {
			/* No handle (a database down when the writer began):
			 * try again for each group. */
			have = hub_pool_get(w->pool, &s, &e);
		}
		if (have == 0) {
			run_group(w, s, jobs, n);
		} else {
			for (j = jobs; j != NULL; j = j->next) {
				j->rc = have;
				j->err = e;
			}
		}
		pthread_mutex_lock(&w->lock);
		for (j = jobs; j != NULL; j = j->next) {
			j->group = n;
			j->done = 1;
		}
		pthread_cond_broadcast(&w->done);
		pthread_mutex_unlock(&w->lock);
		/* After done is set: a job's owner may free it in on_done. */
		while (jobs != NULL) {
			j = jobs;
			jobs = j->next;
			if (j->on_done != NULL)
				j->on_done(j->ctx);
		}
		pthread_mutex_lock(&w->lock);
	}
	pthread_mutex_unlock(&w->lock);
	if (have == 0)
		hub_pool_put(w->pool, s);
	return NULL;
}

int hub_writer_start(hub_writer **out, hub_pool *pool, fs_err *err)
{
	hub_writer *w = calloc(1, sizeof(*w));

	*out = NULL;
	if (w == NULL)
		return fs_err_set(err, FS_ENOMEM, "out of memory");
	w->pool = pool;
	pthread_mutex_init(&w->lock, NULL);
	pthread_cond_init(&w->work, NULL);
	pthread_cond_init(&w->done, NULL);
	if (pthread_create(&w->thread, NULL, writer_main, w) != 0) {
		pthread_cond_destroy(&w->done);
		pthread_cond_destroy(&w->work);
		pthread_mutex_destroy(&w->lock);
		free(w);
		return fs_err_set(err, FS_EGENERIC, "cannot start the merge writer thread");
	}
	*out = w;
	return 0;
}

void hub_writer_submit(hub_writer *w, hub_merge_job *job)
{
	job->rc = 0;
	job->err.code = 0;
	job->err.msg[0] = '\0';
	memset(&job->res, 0, sizeof(job->res));
	job->done = 0;
	job->next = NULL;
	pthread_mutex_lock(&w->lock);
	if (w->stop) {
		pthread_mutex_unlock(&w->lock);
		job->rc = fs_err_set(&job->err, FS_EBUSY, "the hub is stopping; retry shortly");
		job->done = 1;
		if (job->on_done != NULL)
			job->on_done(job->ctx);
		return;
	}
	if (w->tail != NULL)
		w->tail->next = job;
	else
		w->head = job;
	w->tail = job;
	pthread_cond_signal(&w->work);
	pthread_mutex_unlock(&w->lock);
}

void hub_writer_merge(hub_writer *w, hub_merge_job *job)
{
	job->on_done = NULL;
	hub_writer_submit(w, job);
	pthread_mutex_lock(&w->lock);
	while (!job->done)
		pthread_cond_wait(&w->done, &w->lock);
	pthread_mutex_unlock(&w->lock);
}

void hub_writer_drain(hub_writer *w)
{
	if (w == NULL || w->joined)
		return;
	pthread_mutex_lock(&w->lock);
	w->stop = 1;
	pthread_cond_signal(&w->work);
	pthread_mutex_unlock(&w->lock);
	pthread_join(w->thread, NULL);
	w->joined = 1;
}

void hub_writer_stop(hub_writer *w)
{
	if (w == NULL)
		return;
	hub_writer_drain(w);
	pthread_cond_destroy(&w->done);
	pthread_cond_destroy(&w->work);
	pthread_mutex_destroy(&w->lock);
	free(w);
}
