#include "fieldsync/hlc.h"

#include <stdio.h>
#include <string.h>

fs_hlc fs_hlc_tick(fs_hlc last, uint64_t now_ms)
{
	uint64_t ms = fs_hlc_ms(last);

	if (now_ms > FS_HLC_MS_MAX)
		now_ms = FS_HLC_MS_MAX;
	if (now_ms > ms)
		return fs_hlc_make(now_ms, 0);
	if (fs_hlc_counter(last) == 0xffff)
		return fs_hlc_make(ms + 1, 0);
	return last + 1;
}

void fs_hlc_format(char out[FS_HLC_TEXT_LEN + 1], fs_hlc h)
{
	snprintf(out, FS_HLC_TEXT_LEN + 1, "%016llx", (unsigned long long)h);
}

int fs_hlc_parse(fs_hlc *out, const char *s, fs_err *err)
{
	fs_hlc v = 0;
	size_t i;

	for (i = 0; i < FS_HLC_TEXT_LEN; i++) {
		char c = s[i];
		int d;

		if (c >= '0' && c <= '9')
			d = c - '0';
		else if (c >= 'a' && c <= 'f')
			d = c - 'a' + 10;
		else
			return fs_err_set(err, FS_EINVAL,
					  "hlc must be 16 lowercase hex digits");
		v = (v << 4) | (fs_hlc)d;
	}
	if (s[FS_HLC_TEXT_LEN] != '\0')
		return fs_err_set(err, FS_EINVAL, "hlc must be 16 lowercase hex digits");
	if (fs_hlc_ms(v) > FS_HLC_MS_MAX)
		return fs_err_set(err, FS_EINVAL, "hlc is beyond the year 6429");
	*out = v;
	return 0;
}

int fs_hlc_site_cmp(fs_hlc a, const char *site_a, fs_hlc b, const char *site_b)
{
	if (a != b)
		return a < b ? -1 : 1;
	return strcmp(site_a, site_b);
}
