/* fieldsync: hybrid logical clock.
 *
 * A timestamp is 48 bits of milliseconds since 1970 and a 16-bit counter,
 * packed into one 64-bit integer (ms << 16 | counter) so that integer order
 * is timestamp order. Together with the site id it totally orders writes:
 * (hlc, site) is compared first by hlc, then by site bytes.
 * The clock state itself is persisted by the store (see store.h); these are
 * the pure rules. */
#ifndef FIELDSYNC_HLC_H
#define FIELDSYNC_HLC_H

#include <stdint.h>

#include "fieldsync/error.h"

typedef uint64_t fs_hlc;

/* Milliseconds are kept below 2^47 so a packed value fits a signed 64-bit
 * SQL integer (that is the year 6429). */
#define FS_HLC_MS_MAX ((UINT64_C(1) << 47) - 1)
#define FS_HLC_TEXT_LEN 16 /* 16 lowercase hex digits */

static inline fs_hlc fs_hlc_make(uint64_t ms, uint16_t counter)
{
	return (ms << 16) | counter;
}
static inline uint64_t fs_hlc_ms(fs_hlc h)
{
	return h >> 16;
}
static inline uint16_t fs_hlc_counter(fs_hlc h)
{
	return (uint16_t)(h & 0xffff);
}

/* The next local timestamp after last, given physical time now_ms: strictly
 * greater than last, and at least now_ms when the physical clock is ahead.
 * When the counter is exhausted the millisecond part moves on by one. */
fs_hlc fs_hlc_tick(fs_hlc last, uint64_t now_ms);

/* Write h as 16 lowercase hex digits plus NUL into out (17 bytes). */
void fs_hlc_format(char out[FS_HLC_TEXT_LEN + 1], fs_hlc h);

/* Parse exactly 16 hex digits (lowercase) with ms <= FS_HLC_MS_MAX.
 * Returns 0 or FS_EINVAL (err names the problem, not the caller's field). */
int fs_hlc_parse(fs_hlc *out, const char *s, fs_err *err);

/* Compare (a, site_a) with (b, site_b) in the total order used by every
 * merge: <0, 0 or >0. */
int fs_hlc_site_cmp(fs_hlc a, const char *site_a, fs_hlc b, const char *site_b);

#endif
