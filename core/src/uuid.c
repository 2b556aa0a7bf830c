#include "fieldsync/uuid.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/random.h>

int fs_uuid_v7(char out[FS_UUID_LEN + 1], uint64_t ms, fs_err *err)
{
	unsigned char b[16];
	ssize_t got;
	int i;

	do {
		got = getrandom(b + 6, 10, 0);
	} while (got < 0 && errno == EINTR);
	if (got != 10)
		return fs_err_set(err, FS_EGENERIC, "uuid: no randomness from the kernel");
	for (i = 0; i < 6; i++)
		b[i] = (unsigned char)(ms >> (40 - 8 * i));
	b[6] = (unsigned char)(0x70 | (b[6] & 0x0f)); /* version 7 */
	b[8] = (unsigned char)(0x80 | (b[8] & 0x3f)); /* RFC variant */
	snprintf(out, FS_UUID_LEN + 1,
		 "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x", b[0],
		 b[1], b[2], b[3], b[4], b[5], b[6], b[7], b[8], b[9], b[10], b[11], b[12], b[13],
		 b[14], b[15]);
	return 0;
}

int fs_uuid_is_valid(const char *s)
{
	size_t i;

	for (i = 0; i < FS_UUID_LEN; i++) {
		char c = s[i];

		if (i == 8 || i == 13 || i == 18 || i == 23) {
			if (c != '-')
				return 0;
		} else if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) {
			return 0;
		}
	}
	return s[FS_UUID_LEN] == '\0';
}
