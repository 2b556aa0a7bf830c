#include "pool.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

#define MAX_IDLE 64
/* Page cache per store handle: a hub's merges touch pages all over a large
 * file (docs/performance.md); the hub machine is not a Pi. */
#define HUB_CACHE_KIB (64 * 1024)

struct hub_pool {
	pthread_mutex_t lock;
	pthread_mutex_t writer;
	char *db, *data; /* the store's hub_where, owned */
	fs_store *idle[MAX_IDLE];
	size_t nidle;
};

/* Open a hub store handle with the hub's tuning (PostgreSQL: one more
 * connection, kept while the handle is idle in the pool). */
static int open_tuned(fs_store **out, const hub_where *w, fs_err *err)
{
	return hub_store_open_cached(out, w, HUB_CACHE_KIB, err);
}

static char *dup_or_null(const char *text, int *failed)
{
	char *copy;

	if (text == NULL)
		return NULL;
	copy = strdup(text);
	if (copy == NULL)
		*failed = 1;
	return copy;
}

int hub_pool_open(hub_pool **out, const hub_where *where, fs_err *err)
{
	hub_pool *p = NULL;
	fs_store *s = NULL;
	int rc, failed = 0;

	*out = NULL;
	rc = open_tuned(&s, where, err);
	if (rc != 0)
		return rc;
	p = calloc(1, sizeof(*p));
	if (p != NULL) {
		p->db = dup_or_null(where->db, &failed);
		p->data = dup_or_null(where->data, &failed);
	}
	if (p == NULL || failed) {
		if (p != NULL) {
			free(p->db);
			free(p->data);
		}
		free(p);
		fs_store_close(s);
		return fs_err_set(err, FS_ENOMEM, "out of memory");
	}
	pthread_mutex_init(&p->lock, NULL);
	pthread_mutex_init(&p->writer, NULL);
	p->idle[p->nidle++] = s;
	*out = p;
	return 0;
}

void hub_pool_close(hub_pool *p)
{
	size_t i;

	if (p == NULL)
		return;
	for (i = 0; i < p->nidle; i++)
		fs_store_close(p->idle[i]);
	pthread_mutex_destroy(&p->lock);
	pthread_mutex_destroy(&p->writer);
	free(p->db);
	free(p->data);
	free(p);
}

int hub_pool_get(hub_pool *p, fs_store **out, fs_err *err)
{
	fs_store *s = NULL;
	hub_where w;

	pthread_mutex_lock(&p->lock);
	if (p->nidle > 0)
		s = p->idle[--p->nidle];
	pthread_mutex_unlock(&p->lock);
	if (s != NULL) {
		*out = s;
		return 0;
	}
	/* The identity was set when the pool opened, so this only opens. */
	w.db = p->db;
	w.data = p->data;
	return open_tuned(out, &w, err);
}

void hub_pool_put(hub_pool *p, fs_store *s)
{
	if (s == NULL)
		return;
	pthread_mutex_lock(&p->lock);
	if (p->nidle < MAX_IDLE) {
		p->idle[p->nidle++] = s;
		s = NULL;
	}
	pthread_mutex_unlock(&p->lock);
	fs_store_close(s);
}

void hub_pool_write_lock(hub_pool *p)
{
	pthread_mutex_lock(&p->writer);
}

void hub_pool_write_unlock(hub_pool *p)
{
	pthread_mutex_unlock(&p->writer);
}
