#include "ratelimit.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct entry {
	struct entry *next;          /* hash chain */
	struct entry *older, *newer; /* all entries by window start */
	uint64_t window_start;
	size_t bucket;
	unsigned count;
	char key[];
} entry;

struct hub_ratelimit {
	pthread_mutex_t lock;
	unsigned per_minute; /* events per window */
	uint64_t window_ms;
	size_t max_keys, entries, nbuckets; /* nbuckets: a power of two */
	entry *oldest, *newest;
	entry **bucket;
};

hub_ratelimit *hub_ratelimit_new(unsigned per_minute, size_t max_keys)
{
	return hub_ratelimit_new_window(per_minute, HUB_RATE_WINDOW_MS, max_keys);
}

hub_ratelimit *hub_ratelimit_new_window(unsigned per_window, uint64_t window_ms, size_t max_keys)
{
	hub_ratelimit *rl;
	unsigned per_minute = per_window;
	size_t n = 64;

	if (per_minute == 0 || max_keys == 0 || window_ms == 0)
		return NULL;
	/* About four keys per chain when full; 64 Ki buckets (512 KiB) at most. */
	while (n < max_keys / 4 && n < (64u << 10))
		n <<= 1;
	rl = calloc(1, sizeof(*rl));
	if (rl == NULL)
		return NULL;
	rl->bucket = calloc(n, sizeof(*rl->bucket));
	if (rl->bucket == NULL) {
		free(rl);
		return NULL;
	}
	pthread_mutex_init(&rl->lock, NULL);
	rl->per_minute = per_minute;
	rl->window_ms = window_ms;
	rl->max_keys = max_keys;
	rl->nbuckets = n;
	return rl;
}

void hub_ratelimit_free(hub_ratelimit *rl)
{
	entry *e, *next;

	if (rl == NULL)
		return;
	for (e = rl->oldest; e != NULL; e = next) {
		next = e->newer;
		free(e);
	}
	pthread_mutex_destroy(&rl->lock);
	free(rl->bucket);
	free(rl);
}

static size_t hash(const hub_ratelimit *rl, const char *s, size_t len)
{
	uint64_t h = 1469598103934665603ull; /* FNV-1a */
	size_t i;

	for (i = 0; i < len; i++)
		h = (h ^ (unsigned char)s[i]) * 1099511628211ull;
	return (size_t)(h ^ (h >> 32)) & (rl->nbuckets - 1);
}

static void drop(hub_ratelimit *rl, entry *e)
{
	entry **pp = &rl->bucket[e->bucket];

	while (*pp != e)
		pp = &(*pp)->next;
	*pp = e->next;
	if (e->older != NULL)
		e->older->newer = e->newer;
	else
		rl->oldest = e->newer;
	if (e->newer != NULL)
		e->newer->older = e->older;
	else
		rl->newest = e->older;
	rl->entries--;
	free(e);
}

static uint64_t age(uint64_t now_ms, const entry *e)
{
	return now_ms > e->window_start ? now_ms - e->window_start : 0;
}

/* Drop the keys whose window has ended: they are the oldest ones. */
static void expire(hub_ratelimit *rl, uint64_t now_ms)
{
	while (rl->oldest != NULL && age(now_ms, rl->oldest) >= rl->window_ms)
		drop(rl, rl->oldest);
}

static entry *find(hub_ratelimit *rl, const char *key, size_t len, size_t b)
{
	entry *e;

	for (e = rl->bucket[b]; e != NULL; e = e->next)
		if (strncmp(e->key, key, len) == 0 && e->key[len] == '\0')
			return e;
	return NULL;
}

unsigned hub_ratelimit_hit(hub_ratelimit *rl, const char *key, uint64_t now_ms)
{
	size_t len = strnlen(key, HUB_RATE_KEY_MAX), b = hash(rl, key, len);
	unsigned wait = 0;
	entry *e;

	pthread_mutex_lock(&rl->lock);
	expire(rl, now_ms);
	e = find(rl, key, len, b);
	if (e == NULL) {
		if (rl->entries >= rl->max_keys)
			drop(rl, rl->oldest);
		e = malloc(sizeof(*e) + len + 1);
		if (e == NULL)
			goto done;
		memcpy(e->key, key, len);
		e->key[len] = '\0';
		/* Threads read the clock before taking the lock, so now_ms may
		 * trail the newest window by a moment: start no earlier than it,
		 * which keeps the list in window order. */
		e->window_start = now_ms;
		if (rl->newest != NULL && rl->newest->window_start > now_ms)
			e->window_start = rl->newest->window_start;
		e->count = 0;
		e->bucket = b;
		e->next = rl->bucket[b];
		rl->bucket[b] = e;
		e->older = rl->newest;
		e->newer = NULL;
		if (rl->newest != NULL)
			rl->newest->newer = e;
		else
			rl->oldest = e;
		rl->newest = e;
		rl->entries++;
	}
	if (e->count >= rl->per_minute) {
		uint64_t left = rl->window_ms - age(now_ms, e);

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

void hub_ratelimit_refund(hub_ratelimit *rl, const char *key, uint64_t now_ms)
{
	size_t len = strnlen(key, HUB_RATE_KEY_MAX), b = hash(rl, key, len);
	entry *e;

	pthread_mutex_lock(&rl->lock);
	expire(rl, now_ms);
	e = find(rl, key, len, b);
	if (e != NULL && e->count > 0)
		e->count--;
	pthread_mutex_unlock(&rl->lock);
}

size_t hub_ratelimit_keys(hub_ratelimit *rl)
{
	size_t n;

	pthread_mutex_lock(&rl->lock);
	n = rl->entries;
	pthread_mutex_unlock(&rl->lock);
	return n;
}

void hub_ratelimit_source(char *out, size_t len, const char *peer)
{
	struct in6_addr a6;
	struct in_addr a4;
	char text[INET6_ADDRSTRLEN];

	if (inet_pton(AF_INET, peer, &a4) == 1 &&
	    inet_ntop(AF_INET, &a4, out, (socklen_t)len) != NULL)
		return;
	if (inet_pton(AF_INET6, peer, &a6) == 1) {
		if (IN6_IS_ADDR_V4MAPPED(&a6)) {
			memcpy(&a4, &a6.s6_addr[12], sizeof(a4));
			if (inet_ntop(AF_INET, &a4, out, (socklen_t)len) != NULL)
				return;
		} else {
			memset(&a6.s6_addr[8], 0, 8);
			if (inet_ntop(AF_INET6, &a6, text, sizeof(text)) != NULL &&
			    (size_t)snprintf(out, len, "%s/64", text) < len)
				return;
		}
	}
	snprintf(out, len, "unknown");
}
