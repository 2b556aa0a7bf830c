/* fieldsync-hub: UTC instants as local times of a named time zone
 * (Europe/London), for exports.
 *
 * Thread-safe and process-free: the zone's TZif file (RFC 8536) from the
 * system's tzdata (/usr/share/zoneinfo) is read into a hub_tz of its own,
 * its rule string (the file's footer, POSIX TZ) parsed, and every lookup
 * works on that copy. Nothing touches the TZ environment variable or
 * libc's global zone state (setenv + tzset + localtime_r is not safe while
 * other threads, the console's workers or libpq, read the environment). */
#ifndef HUB_TZ_H
#define HUB_TZ_H

#include <stdint.h>

#include "fieldsync/error.h"

#define HUB_TZ_NAME_MAX 64

typedef struct hub_tz hub_tz;

/* 1 when name may name a zone: 1 to HUB_TZ_NAME_MAX bytes of
 * [A-Za-z0-9_+-] in parts separated by single '/', no part starting with
 * '.' or '-', not starting with '/'. So it stays under the zone directory. */
int hub_tz_name_is_valid(const char *name);

/* Load the zone name ("UTC" is built in; anything else is read from
 * /usr/share/zoneinfo/NAME, a regular file of at most 256 KiB that is a
 * valid TZif file). *out is the caller's (hub_tz_free). FS_EINVAL naming
 * the zone when the name is invalid, unknown, or its file malformed. */
int hub_tz_load(hub_tz **out, const char *name, fs_err *err);

void hub_tz_free(hub_tz *z);

/* The zone's name as loaded. */
const char *hub_tz_name(const hub_tz *z);

/* The zone's offset from UTC in seconds (east positive) at the UTC
 * instant t (seconds since 1970). */
int32_t hub_tz_offset(const hub_tz *z, int64_t t);

/* A broken-down civil time (proleptic Gregorian). */
typedef struct hub_civil {
	int year, month, day, hour, min, sec;
} hub_civil;

/* Parse "YYYY-MM-DDTHH:MM:SSZ" (the store's UTC form) into *t, seconds
 * since 1970. 0 on success, -1 when s is not exactly that form or not a
 * real date and time. */
int hub_tz_parse_utc(const char *s, int64_t *t);

/* The civil time of the instant t in zone z (NULL: UTC). */
void hub_tz_local(const hub_tz *z, int64_t t, hub_civil *out);

#endif
