/* fieldsync: milliseconds of the monotonic clock, for timeouts and
 * durations (never stored: it restarts at boot). */
#ifndef FIELDSYNC_MONOTONIC_H
#define FIELDSYNC_MONOTONIC_H

#include <stdint.h>
#include <time.h>

static inline uint64_t fs_monotonic_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

#endif
