#include "ratelimit.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#define BUCKETS  1024
#define PRUNE_AT 4096 /* entries; expired windows are dropped past this */

typedef struct entry {
	struct entry *next;
	uint64_t window_start;
	unsigned count;
	char key[];
} entry;

struct hub_ratelimit {
	pthread_mutex_t lock;
	unsigned per_minute;
	size_t entries;
	entry *bucket[BUCKETS];
};

hub_ratelimit *hub_ratelimit_new(unsigned per_minute)
{
	hub_ratelimit *rl = calloc(1, sizeof(*rl));

	if (rl == NULL)
		return NULL;
	pthread_mutex_init(&rl->lock, NULL);
	rl->per_minute = per_minute;
	return rl;
}

void hub_ratelimit_free(hub_ratelimit *rl)
{
	size_t i;

	if (rl == NULL)
		return;
	for (i = 0; i < BUCKETS; i++) {
		entry *e = rl->bucket[i], *next;

		for (; e != NULL; e = next) {
			next = e->next;
			free(e);
		}
	}
	pthread_mutex_destroy(&rl->lock);
	free(rl);
}

static size_t hash(const char *s)
{
	uint64_t h = 1469598103934665603ull; /* FNV-1a */

	for (; *s != '\0'; s++)
		h = (h ^ (unsigned char)*s) * 1099511628211ull;
	return (size_t)(h % BUCKETS);
}

static void prune(hub_ratelimit *rl, uint64_t now_ms)
{
	size_t i;

	for (i = 0; i < BUCKETS; i++) {
		entry **pp = &rl->bucket[i];

		while (*pp != NULL) {
			entry *e = *pp;

			if (now_ms - e->window_start >= HUB_RATE_WINDOW_MS) {
				*pp = e->next;
				free(e);
				rl->entries--;
			} else {
				pp = &e->next;
			}
		}
	}
}

unsigned hub_ratelimit_hit(hub_ratelimit *rl, const char *key, uint64_t now_ms)
{
	size_t b = hash(key), len;
	unsigned wait = 0;
	entry *e;

	pthread_mutex_lock(&rl->lock);
	for (e = rl->bucket[b]; e != NULL; e = e->next)
		if (strcmp(e->key, key) == 0)
			break;
	if (e == NULL) {
		if (rl->entries >= PRUNE_AT)
			prune(rl, now_ms);
		len = strlen(key);
		e = malloc(sizeof(*e) + len + 1);
		if (e == NULL)
			goto done;
		memcpy(e->key, key, len + 1);
		e->window_start = now_ms;
		e->count = 0;
		e->next = rl->bucket[b];
		rl->bucket[b] = e;
		rl->entries++;
	}
	if (now_ms - e->window_start >= HUB_RATE_WINDOW_MS) {
		e->window_start = now_ms;
		e->count = 0;
	}
	if (e->count >= rl->per_minute) {
		uint64_t left = HUB_RATE_WINDOW_MS - (now_ms - e->window_start);

		wait = (unsigned)((left + 999) / 1000);
		if (wait == 0)
			wait = 1;
	} else {
		e->count++;
	}
done:
	pthread_mutex_unlock(&rl->lock);
	return wait;
}
