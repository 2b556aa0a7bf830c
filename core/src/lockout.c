/* fieldsync: the guard against guessing, by name (lockout.h). */
#include "fieldsync/lockout.h"

#include <stdio.h>
#include <string.h>

/* Enough failures to stay at the longest lock. */
#define FAILURES_MAX 1000u

fs_lockout_name *fs_lockout_find(fs_lockout_name *names, unsigned count, const char *name)
{
	unsigned i;

	for (i = 0; i < count; i++)
		if (strncmp(names[i].name, name, FS_LOCKOUT_NAME_MAX) == 0)
			return &names[i];
	return NULL;
}

void fs_lockout_drop(fs_lockout_name *names, unsigned *count, fs_lockout_name *e)
{
	unsigned at = (unsigned)(e - names);

	memmove(e, e + 1, (*count - at - 1) * sizeof(*e));
	(*count)--;
}

fs_lockout_name *fs_lockout_add(fs_lockout_name *names, unsigned *count,
                                const fs_lockout_rule *rule, const char *name, int known)
{
	fs_lockout_name *victim = NULL, *e;
	unsigned i, unknown = 0;

	for (i = 0; i < *count; i++) {
		e = &names[i];
		if (!e->known) {
			unknown++;
			if (victim == NULL || victim->known || e->last_failure < victim->last_failure)
				victim = e;
		} else if (victim == NULL ||
		           (victim->known && e->last_failure < victim->last_failure)) {
			victim = e;
		}
	}
	if (*count >= rule->names ||
	    (!known && unknown >= rule->unknown && victim != NULL && !victim->known))
		fs_lockout_drop(names, count, victim);
	e = &names[(*count)++];
	memset(e, 0, sizeof(*e));
	snprintf(e->name, sizeof(e->name), "%.*s", FS_LOCKOUT_NAME_MAX, name);
	e->known = known;
	return e;
}

uint64_t fs_lockout_fail(fs_lockout_name *e, const fs_lockout_rule *rule, int known,
                         uint64_t now_ms)
{
	uint64_t max = (uint64_t)rule->lock_max_s * 1000u, lock;
	unsigned shift;

	e->known = known;
	e->last_failure = now_ms;
	if (e->failures < FAILURES_MAX)
		e->failures++;
	if (e->failures < rule->free_tries)
		return 0;
	shift = e->failures - rule->free_tries;
	lock = shift >= 20 ? max : (uint64_t)rule->lock_base_s * 1000u << shift;
	if (lock > max)
		lock = max;
	e->locked_until = now_ms + lock;
	return lock;
}
