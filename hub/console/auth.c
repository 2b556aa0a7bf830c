/* fieldsync-hub console: sessions, CSRF and the login throttle (auth.h). */
#include "auth.h"

#include <pthread.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "accounts.h"
#include "ratelimit.h"

/* ---- sessions ---- */

static const char csrf_label[] = "fieldsync console csrf v1";

static void session_hash(unsigned char out[FS_REGISTRY_HASH_LEN], const unsigned char id[32])
{
	crypto_generichash(out, FS_REGISTRY_HASH_LEN, id, 32, NULL, 0);
}

static void csrf_of(char out[CONSOLE_CSRF_LEN + 1], const unsigned char id[32])
{
	unsigned char mac[32];

	crypto_generichash(mac, sizeof(mac), (const unsigned char *)csrf_label,
	                   sizeof(csrf_label) - 1, id, 32);
	sodium_bin2hex(out, CONSOLE_CSRF_LEN + 1, mac, sizeof(mac));
}

static int registry(fs_store *s, const fs_registry_ops **reg, fs_err *err)
{
	*reg = fs_store_registry(s);
	if (*reg == NULL)
		return fs_err_set(err, FS_EINVAL, "sessions: this store was not opened as a hub's");
	if (sodium_init() < 0)
		return fs_err_set(err, FS_EGENERIC, "libsodium failed to initialise");
	return 0;
}

int console_session_start(fs_store *s, const char *user, uint64_t max_ms,
                          char id[CONSOLE_SESSION_ID_LEN + 1], char csrf[CONSOLE_CSRF_LEN + 1],
                          fs_err *err)
{
	const fs_registry_ops *reg;
	unsigned char raw[32];
	fs_session_row row;
	uint64_t now = console_now_ms();
	int rc = registry(s, &reg, err);

	id[0] = csrf[0] = '\0';
	if (rc != 0)
		return rc;
	memset(&row, 0, sizeof(row));
	randombytes_buf(raw, sizeof(raw));
	session_hash(row.hash, raw);
	snprintf(row.user, sizeof(row.user), "%s", user);
	row.created_ms = row.last_seen_ms = now;
	row.expires_ms = now + max_ms;
	/* Sessions past their absolute end go here; idle ones when next
	 * presented (and with the absolute end at the latest). */
	rc = reg->session_prune(fs_store_backend(s), now, 0, err);
	if (rc == 0)
		rc = reg->session_insert(fs_store_backend(s), &row, err);
	if (rc == 0) {
		sodium_bin2base64(id, CONSOLE_SESSION_ID_LEN + 1, raw, sizeof(raw),
		                  sodium_base64_VARIANT_URLSAFE_NO_PADDING);
		csrf_of(csrf, raw);
	}
	sodium_memzero(raw, sizeof(raw));
	return rc;
}

/* The raw id of a cookie value: 0, or -1 when it is not 43 base64url
 * characters. */
static int cookie_id(unsigned char raw[32], const char *cookie)
{
	size_t len = 0;

	if (cookie == NULL || strlen(cookie) != CONSOLE_SESSION_ID_LEN)
		return -1;
	if (sodium_base642bin(raw, 32, cookie, CONSOLE_SESSION_ID_LEN, NULL, &len, NULL,
	                      sodium_base64_VARIANT_URLSAFE_NO_PADDING) != 0 ||
	    len != 32)
		return -1;
	return 0;
}

int console_session_find(fs_store *s, const char *cookie, uint64_t idle_ms, fs_session_row *out,
                         char csrf[CONSOLE_CSRF_LEN + 1], int *touch, fs_err *err)
{
	const fs_registry_ops *reg;
	unsigned char raw[32], h[FS_REGISTRY_HASH_LEN];
	uint64_t now = console_now_ms();
	int rc = registry(s, &reg, err);

	memset(out, 0, sizeof(*out));
	csrf[0] = '\0';
	*touch = 0;
	if (rc != 0)
		return rc;
	if (cookie_id(raw, cookie) != 0)
		return FS_ENOTFOUND;
	session_hash(h, raw);
	rc = reg->session_get(fs_store_backend(s), h, out, err);
	if (rc == 0 && (now >= out->expires_ms || now >= out->last_seen_ms + idle_ms)) {
		(void)reg->session_delete(fs_store_backend(s), h, NULL);
		rc = FS_ENOTFOUND;
	}
	if (rc == 0) {
		csrf_of(csrf, raw);
		*touch = now >= out->last_seen_ms + CONSOLE_SESSION_TOUCH_MS;
	}
	sodium_memzero(raw, sizeof(raw));
	return rc;
}

int console_session_touch(fs_store *s, const fs_session_row *row, fs_err *err)
{
	const fs_registry_ops *reg;
	int rc = registry(s, &reg, err);

	if (rc != 0)
		return rc;
	return reg->session_touch(fs_store_backend(s), row->hash, console_now_ms(), err);
}

int console_session_end(fs_store *s, const char *cookie, fs_err *err)
{
	const fs_registry_ops *reg;
	unsigned char raw[32], h[FS_REGISTRY_HASH_LEN];
	int rc = registry(s, &reg, err);

	if (rc != 0 || cookie_id(raw, cookie) != 0)
		return rc;
	session_hash(h, raw);
	sodium_memzero(raw, sizeof(raw));
	return reg->session_delete(fs_store_backend(s), h, err);
}

int console_csrf_equal(const char *sent, const char *want)
{
	if (sent == NULL || strlen(sent) != CONSOLE_CSRF_LEN || strlen(want) != CONSOLE_CSRF_LEN)
		return 0;
	return sodium_memcmp(sent, want, CONSOLE_CSRF_LEN) == 0;
}

/* ---- the throttle ---- */

#define FAILURES_MAX 1000u
#define LOCK_MAX_MS ((uint64_t)CONSOLE_LOGIN_LOCK_MAX_S * 1000u)

typedef struct name_entry {
	char name[FS_ACCOUNT_NAME_MAX + 1];
	unsigned failures;     /* wrong passwords in a row */
	uint64_t locked_until; /* monotonic ms; 0: not locked */
	uint64_t last_failure; /* the oldest is forgotten first */
	int known;             /* an account at its last failure */
} name_entry;

struct console_throttle {
	pthread_mutex_t lock;
	name_entry names[CONSOLE_THROTTLE_NAMES];
	unsigned count;
	hub_ratelimit *sources;
};

console_throttle *console_throttle_new(void)
{
	console_throttle *t = calloc(1, sizeof(*t));

	if (t == NULL)
		return NULL;
	t->sources = hub_ratelimit_new(CONSOLE_LOGIN_PER_SOURCE, CONSOLE_THROTTLE_SOURCES);
	if (t->sources == NULL) {
		free(t);
		return NULL;
	}
	pthread_mutex_init(&t->lock, NULL);
	return t;
}

void console_throttle_free(console_throttle *t)
{
	if (t == NULL)
		return;
	hub_ratelimit_free(t->sources);
	pthread_mutex_destroy(&t->lock);
	free(t);
}

/* The tracked entry of name (a name cut to the longest account name is
 * tracked as cut: longer ones are no account anyway). */
static name_entry *find_name(console_throttle *t, const char *name)
{
	unsigned i;

	for (i = 0; i < t->count; i++)
		if (strncmp(t->names[i].name, name, FS_ACCOUNT_NAME_MAX) == 0)
			return &t->names[i];
	return NULL;
}

static void drop_name(console_throttle *t, name_entry *e)
{
	unsigned at = (unsigned)(e - t->names);

	memmove(e, e + 1, (t->count - at - 1) * sizeof(*e));
	t->count--;
}

/* A new entry for name. When the table is full, or name is no account and
 * CONSOLE_THROTTLE_UNKNOWN such names are held, the entry whose last
 * failure is oldest among those no account (among all when every entry is
 * an account) is forgotten: made-up names never push out an account's. */
static name_entry *add_name(console_throttle *t, const char *name, int known)
{
	name_entry *victim = NULL, *e;
	unsigned i, unknown = 0;

	for (i = 0; i < t->count; i++) {
		e = &t->names[i];
		if (!e->known) {
			unknown++;
			if (victim == NULL || victim->known || e->last_failure < victim->last_failure)
				victim = e;
		} else if (victim == NULL ||
		           (victim->known && e->last_failure < victim->last_failure)) {
			victim = e;
		}
	}
	if (t->count == CONSOLE_THROTTLE_NAMES ||
	    (!known && unknown >= CONSOLE_THROTTLE_UNKNOWN && victim != NULL && !victim->known))
		drop_name(t, victim);
	e = &t->names[t->count++];
	memset(e, 0, sizeof(*e));
	snprintf(e->name, sizeof(e->name), "%.*s", FS_ACCOUNT_NAME_MAX, name);
	e->known = known;
	return e;
}

static unsigned ceil_s(uint64_t ms)
{
	return (unsigned)((ms + 999) / 1000);
}

enum console_login_gate console_throttle_admit(console_throttle *t, const char *name,
                                               const char *source, uint64_t now_ms,
                                               unsigned *wait_s)
{
	name_entry *e;
	unsigned wait;

	*wait_s = 0;
	pthread_mutex_lock(&t->lock);
	e = find_name(t, name);
	if (e != NULL && e->locked_until > now_ms) {
		*wait_s = ceil_s(e->locked_until - now_ms);
		pthread_mutex_unlock(&t->lock);
		return CONSOLE_LOGIN_LOCKED;
	}
	pthread_mutex_unlock(&t->lock);
	wait = hub_ratelimit_hit(t->sources, source, now_ms);
	if (wait != 0) {
		*wait_s = wait;
		return CONSOLE_LOGIN_THROTTLED;
	}
	return CONSOLE_LOGIN_GO;
}

void console_throttle_done(console_throttle *t, const char *name, const char *source, int known,
                           int right, int not_checked, uint64_t now_ms, unsigned *lock_s)
{
	name_entry *e;

	*lock_s = 0;
	if (right || not_checked)
		hub_ratelimit_refund(t->sources, source, now_ms);
	if (not_checked)
		return;
	pthread_mutex_lock(&t->lock);
	e = find_name(t, name);
	if (right) {
		if (e != NULL)
			drop_name(t, e);
		pthread_mutex_unlock(&t->lock);
		return;
	}
	if (e == NULL)
		e = add_name(t, name, known);
	e->known = known;
	e->last_failure = now_ms;
	if (e->failures < FAILURES_MAX)
		e->failures++;
	if (e->failures >= CONSOLE_LOGIN_FREE_TRIES) {
		unsigned shift = e->failures - CONSOLE_LOGIN_FREE_TRIES;
		uint64_t lock = shift >= 10 ? LOCK_MAX_MS
		                            : (uint64_t)CONSOLE_LOGIN_LOCK_BASE_S * 1000u << shift;

		if (lock > LOCK_MAX_MS)
			lock = LOCK_MAX_MS;
		e->locked_until = now_ms + lock;
		*lock_s = ceil_s(lock);
	}
	pthread_mutex_unlock(&t->lock);
}

unsigned console_throttle_names(console_throttle *t)
{
	unsigned n;

	pthread_mutex_lock(&t->lock);
	n = t->count;
	pthread_mutex_unlock(&t->lock);
	return n;
}
