/* fieldsync: the guard against guessing a secret name by name, shared by
 * the kiosk's worker PINs (agent/ui/workers.c) and the hub console's
 * passwords (hub/console/auth.c): one rule, two sets of numbers.
 *
 * A table of names, each with its failures in a row: after free_tries
 * failures a name is locked for lock_base_s seconds, doubling with each
 * further failure up to lock_max_s; the caller forgets a name (a right
 * secret) with fs_lockout_drop. The table holds at most `names` entries,
 * of which at most `unknown` for names that are no account: past either,
 * the entry whose last failure is oldest among those no account (among
 * all when every entry is an account) is forgotten, so made-up names
 * never push out a real one's count. Times are a monotonic clock in ms,
 * 0 meaning never. Not thread-safe: the caller locks. */
#ifndef FIELDSYNC_LOCKOUT_H
#define FIELDSYNC_LOCKOUT_H

#include <stdint.h>

#define FS_LOCKOUT_NAME_MAX 64 /* longer names are tracked cut to this */

typedef struct fs_lockout_rule {
	unsigned free_tries;  /* failures in a row before the first lock (>= 1) */
	unsigned lock_base_s; /* the first lock */
	unsigned lock_max_s;  /* no lock is longer */
	unsigned names;       /* entries the table holds (its array's length) */
	unsigned unknown;     /* of which at most this many no account */
} fs_lockout_rule;

typedef struct fs_lockout_name {
	char name[FS_LOCKOUT_NAME_MAX + 1];
	unsigned failures;     /* in a row */
	uint64_t locked_until; /* 0: not locked */
	uint64_t last_failure; /* the oldest is forgotten first */
	int known;             /* an account at its last failure */
} fs_lockout_name;

/* The entry of name among the count entries of names, or NULL. */
fs_lockout_name *fs_lockout_find(fs_lockout_name *names, unsigned count, const char *name);

/* Forget entry e (one of names' *count). */
void fs_lockout_drop(fs_lockout_name *names, unsigned *count, fs_lockout_name *e);

/* A new entry for name (no failures), making room by the rule above. */
fs_lockout_name *fs_lockout_add(fs_lockout_name *names, unsigned *count,
                                const fs_lockout_rule *rule, const char *name, int known);

/* Count one failure of e at now_ms: returns the lock it starts in ms (0 for
 * none) and sets e->locked_until. */
uint64_t fs_lockout_fail(fs_lockout_name *e, const fs_lockout_rule *rule, int known,
                         uint64_t now_ms);

#endif
