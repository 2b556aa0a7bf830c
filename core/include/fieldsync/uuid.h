/* fieldsync: time-ordered UUIDs (RFC 9562 version 7) for records created
 * on a kiosk, so new rows land at the end of the B-tree. */
#ifndef FIELDSYNC_UUID_H
#define FIELDSYNC_UUID_H

#include <stdint.h>

#include "fieldsync/error.h"

#define FS_UUID_LEN 36

/* Write a new v7 UUID for time ms (lowercase, hyphenated, NUL-terminated)
 * into out. Randomness comes from the kernel (getrandom). Returns 0 or
 * FS_EGENERIC when no randomness is available. */
int fs_uuid_v7(char out[FS_UUID_LEN + 1], uint64_t ms, fs_err *err);

/* Is s a lowercase hyphenated UUID (any version)? Returns 1 or 0. */
int fs_uuid_is_valid(const char *s);

#endif
