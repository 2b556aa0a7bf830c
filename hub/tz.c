/* Time zones from TZif files, without libc's global zone state (tz.h). */
#include "tz.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define TZ_DIR "/usr/share/zoneinfo/"
#define TZ_FILE_MAX (256 * 1024)
#define TZ_TYPES_MAX 256

/* A POSIX TZ rule date: Jn (1..365, no Feb 29), n (0..365) or Mm.w.d;
 * time: seconds after local midnight (may be negative or past a day). */
typedef struct tz_date {
	char kind; /* 'J', 'N' or 'M' */
	int n, m, w, d;
	int32_t time;
} tz_date;

typedef struct tz_rule {
	int present;
	int32_t std_off, dst_off; /* seconds east of UTC */
	int has_dst;
	tz_date start, end;
} tz_rule;

struct hub_tz {
	char name[HUB_TZ_NAME_MAX + 1];
	size_t n;        /* transitions */
	int64_t *at;     /* UTC instants, ascending */
	uint8_t *idx;    /* type of each transition */
	size_t ntypes;
	int32_t off[TZ_TYPES_MAX];
	tz_rule rule;    /* after the last transition (the file's footer) */
};

int hub_tz_name_is_valid(const char *name)
{
	size_t len = strlen(name), i;
	int part_start = 1;

	if (len == 0 || len > HUB_TZ_NAME_MAX)
		return 0;
	for (i = 0; i < len; i++) {
		char c = name[i];

		if (c == '/') {
			if (part_start)
				return 0; /* leading '/' or "//" */
			part_start = 1;
			continue;
		}
		if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
		      c == '_' || c == '+' || c == '-'))
			return 0;
		if (part_start && c == '-')
			return 0;
		part_start = 0;
	}
	return !part_start; /* no trailing '/' */
}

/* ---- civil dates (Howard Hinnant's algorithms) ---- */

static int64_t days_from_civil(int64_t y, int m, int d)
{
	int64_t era, yoe, doy, doe;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = y - era * 400;
	doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

static void civil_from_days(int64_t z, int *y, int *m, int *d)
{
	int64_t era, doe, yoe, doy, mp;

	z += 719468;
	era = (z >= 0 ? z : z - 146096) / 146097;
	doe = z - era * 146097;
	yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	mp = (5 * doy + 2) / 153;
	*d = (int)(doy - (153 * mp + 2) / 5 + 1);
	*m = (int)(mp < 10 ? mp + 3 : mp - 9);
	*y = (int)(yoe + era * 400 + (*m <= 2));
}

static int is_leap(int64_t y)
{
	return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

static int month_days(int64_t y, int m)
{
	static const int days[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};

	return m == 2 && is_leap(y) ? 29 : days[m - 1];
}

static int64_t floor_div(int64_t a, int64_t b)
{
	return a / b - (a % b != 0 && (a < 0) != (b < 0));
}

/* ---- the POSIX TZ rule (RFC 8536 section 3.3, POSIX 8.3) ---- */

static const char *parse_name(const char *s)
{
	const char *start = s;

	if (*s == '<') {
		while (*++s != '\0' && *s != '>')
			;
		return *s == '>' && s - start >= 4 ? s + 1 : NULL;
	}
	while ((*s >= 'A' && *s <= 'Z') || (*s >= 'a' && *s <= 'z'))
		s++;
	return s - start >= 3 ? s : NULL;
}

/* [+-]hh[:mm[:ss]], hours up to 167 (RFC 8536 extends POSIX's 24). */
static const char *parse_hms(const char *s, int32_t *out)
{
	int sign = 1, part = 0;
	int32_t v[3] = {0, 0, 0};

	if (*s == '+' || *s == '-')
		sign = *s++ == '-' ? -1 : 1;
	for (;;) {
		int digits = 0;

		if (*s < '0' || *s > '9')
			return NULL;
		while (*s >= '0' && *s <= '9' && digits < 3) {
			v[part] = v[part] * 10 + (*s++ - '0');
			digits++;
		}
		if ((part == 0 && v[0] > 167) || (part > 0 && v[part] > 59))
			return NULL;
		if (*s != ':' || part == 2)
			break;
		s++;
		part++;
	}
	*out = sign * (v[0] * 3600 + v[1] * 60 + v[2]);
	return s;
}

static const char *parse_int(const char *s, int lo, int hi, int *out)
{
	int v = 0, digits = 0;

	while (*s >= '0' && *s <= '9' && digits < 4) {
		v = v * 10 + (*s++ - '0');
		digits++;
	}
	if (digits == 0 || v < lo || v > hi)
		return NULL;
	*out = v;
	return s;
}

static const char *parse_date(const char *s, tz_date *d)
{
	memset(d, 0, sizeof(*d));
	d->time = 7200;
	if (*s == 'J') {
		d->kind = 'J';
		s = parse_int(s + 1, 1, 365, &d->n);
	} else if (*s == 'M') {
		d->kind = 'M';
		s = parse_int(s + 1, 1, 12, &d->m);
		if (s != NULL && *s == '.')
			s = parse_int(s + 1, 1, 5, &d->w);
		else
			s = NULL;
		if (s != NULL && *s == '.')
			s = parse_int(s + 1, 0, 6, &d->d);
		else
			s = NULL;
	} else {
		d->kind = 'N';
		s = parse_int(s, 0, 365, &d->n);
	}
	if (s != NULL && *s == '/')
		s = parse_hms(s + 1, &d->time);
	return s;
}

static int parse_rule(const char *s, tz_rule *r)
{
	int32_t off;

	memset(r, 0, sizeof(*r));
	if ((s = parse_name(s)) == NULL || (s = parse_hms(s, &off)) == NULL)
		return -1;
	r->std_off = -off;
	r->present = 1;
	if (*s == '\0')
		return 0;
	if ((s = parse_name(s)) == NULL)
		return -1;
	r->has_dst = 1;
	r->dst_off = r->std_off + 3600;
	if (*s != ',' && *s != '\0') {
		if ((s = parse_hms(s, &off)) == NULL)
			return -1;
		r->dst_off = -off;
	}
	if (*s == '\0') {
		/* No dates: POSIX leaves them to the implementation; the US
		 * rules, as glibc and tzcode assume. */
		r->start = (tz_date){'M', 0, 3, 2, 0, 7200};
		r->end = (tz_date){'M', 0, 11, 1, 0, 7200};
		return 0;
	}
	if (*s != ',' || (s = parse_date(s + 1, &r->start)) == NULL || *s != ',' ||
	    (s = parse_date(s + 1, &r->end)) == NULL)
		return -1;
	return *s == '\0' ? 0 : -1;
}

/* The day (days since 1970) a rule date falls on in year y. */
static int64_t rule_day(const tz_date *d, int64_t y)
{
	int64_t jan1 = days_from_civil(y, 1, 1), first;
	int day, wday1;

	switch (d->kind) {
	case 'J': /* 1..365, Feb 29 never counted */
		return jan1 + d->n - 1 + (is_leap(y) && d->n >= 60);
	case 'N':
		return jan1 + d->n;
	default:
		first = days_from_civil(y, d->m, 1);
		wday1 = (int)((first % 7 + 7 + 4) % 7); /* 1970-01-01 was a Thursday */
		day = 1 + (d->d - wday1 + 7) % 7 + 7 * (d->w - 1);
		while (day > month_days(y, d->m))
			day -= 7;
		return first + day - 1;
	}
}

static int32_t rule_offset(const tz_rule *r, int64_t t)
{
	int y, m, d;
	int64_t start, end;

	if (!r->has_dst)
		return r->std_off;
	civil_from_days(floor_div(t + r->std_off, 86400), &y, &m, &d);
	/* A transition's local time is in the offset in force before it. */
	start = rule_day(&r->start, y) * 86400 + r->start.time - r->std_off;
	end = rule_day(&r->end, y) * 86400 + r->end.time - r->dst_off;
	if (start < end)
		return t >= start && t < end ? r->dst_off : r->std_off;
	return t >= end && t < start ? r->std_off : r->dst_off;
}

/* ---- TZif ---- */

static uint32_t be32(const unsigned char *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static int64_t be64(const unsigned char *p)
{
	return (int64_t)((uint64_t)be32(p) << 32 | be32(p + 4));
}

static int parse_tzif(hub_tz *z, const unsigned char *p, size_t len)
{
	uint32_t cnt[6];
	size_t i, tsize = 4, off, block;
	char footer[128];

	if (len < 44 || memcmp(p, "TZif", 4) != 0)
		return -1;
	for (i = 0; i < 6; i++)
		cnt[i] = be32(p + 20 + 4 * i);
	/* isutcnt, isstdcnt, leapcnt, timecnt, typecnt, charcnt */
	if (p[4] >= '2') {
		block = (size_t)cnt[3] * 5 + (size_t)cnt[4] * 6 + cnt[5] + (size_t)cnt[2] * 8 +
		        cnt[1] + cnt[0];
		if (44 + block + 44 > len)
			return -1;
		p += 44 + block;
		len -= 44 + block;
		if (memcmp(p, "TZif", 4) != 0)
			return -1;
		for (i = 0; i < 6; i++)
			cnt[i] = be32(p + 20 + 4 * i);
		tsize = 8;
	}
	if (cnt[4] == 0 || cnt[4] > TZ_TYPES_MAX || cnt[3] > TZ_FILE_MAX)
		return -1;
	block = (size_t)cnt[3] * (tsize + 1) + (size_t)cnt[4] * 6 + cnt[5] +
	        (size_t)cnt[2] * (tsize + 4) + cnt[1] + cnt[0];
	if (44 + block > len)
		return -1;
	z->n = cnt[3];
	z->ntypes = cnt[4];
	z->at = calloc(z->n + 1, sizeof(*z->at));
	z->idx = calloc(z->n + 1, 1);
	if (z->at == NULL || z->idx == NULL)
		return FS_ENOMEM;
	off = 44;
	for (i = 0; i < z->n; i++, off += tsize) {
		z->at[i] = tsize == 8 ? be64(p + off) : (int32_t)be32(p + off);
		if (i > 0 && z->at[i] <= z->at[i - 1])
			return -1;
	}
	for (i = 0; i < z->n; i++, off++) {
		z->idx[i] = p[off];
		if (z->idx[i] >= z->ntypes)
			return -1;
	}
	for (i = 0; i < z->ntypes; i++, off += 6) {
		int32_t o = (int32_t)be32(p + off);

		if (o < -89999 || o > 93599)
			return -1;
		z->off[i] = o;
	}
	if (tsize == 4)
		return 0;
	off += cnt[5] + (size_t)cnt[2] * 12 + cnt[1] + cnt[0];
	/* The footer: "\n" TZ-string "\n"; an empty string means none. */
	if (off >= len || p[off] != '\n')
		return -1;
	for (i = 0; off + 1 + i < len && p[off + 1 + i] != '\n'; i++)
		if (i + 1 >= sizeof(footer))
			return -1;
	if (off + 1 + i >= len)
		return -1;
	memcpy(footer, p + off + 1, i);
	footer[i] = '\0';
	if (i > 0 && parse_rule(footer, &z->rule) != 0)
		return -1;
	return 0;
}

static int read_file(const char *path, unsigned char **data, size_t *len)
{
	struct stat st;
	ssize_t got;
	size_t have = 0;
	int fd = open(path, O_RDONLY | O_CLOEXEC), rc = -1;

	*data = NULL;
	if (fd < 0)
		return -1;
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) || st.st_size > TZ_FILE_MAX)
		goto cleanup;
	*data = malloc((size_t)st.st_size + 1);
	if (*data == NULL)
		goto cleanup;
	while (have < (size_t)st.st_size &&
	       ((got = read(fd, *data + have, (size_t)st.st_size - have)) > 0 ||
	        (got < 0 && errno == EINTR)))
		if (got > 0)
			have += (size_t)got;
	if (have == (size_t)st.st_size) {
		*len = have;
		rc = 0;
	}
cleanup:
	close(fd);
	if (rc != 0) {
		free(*data);
		*data = NULL;
	}
	return rc;
}

int hub_tz_load(hub_tz **out, const char *name, fs_err *err)
{
	char path[sizeof(TZ_DIR) + HUB_TZ_NAME_MAX];
	unsigned char *data = NULL;
	size_t len = 0;
	hub_tz *z;
	int rc;

	*out = NULL;
	if (!hub_tz_name_is_valid(name))
		return fs_err_set(err, FS_EINVAL,
		                  "time zone must be a name such as Europe/London or UTC "
		                  "([A-Za-z0-9_+-] parts separated by /, at most %d bytes)",
		                  HUB_TZ_NAME_MAX);
	z = calloc(1, sizeof(*z));
	if (z == NULL)
		return fs_err_set(err, FS_ENOMEM, "out of memory");
	strcpy(z->name, name);
	if (strcmp(name, "UTC") == 0) {
		z->ntypes = 1; /* offset 0, no transitions */
		*out = z;
		return 0;
	}
	snprintf(path, sizeof(path), "%s%s", TZ_DIR, name);
	if (read_file(path, &data, &len) != 0) {
		hub_tz_free(z);
		return fs_err_set(err, FS_EINVAL, "unknown time zone %s (no file %s)", name, path);
	}
	rc = parse_tzif(z, data, len);
	free(data);
	if (rc != 0) {
		hub_tz_free(z);
		if (rc == FS_ENOMEM)
			return fs_err_set(err, rc, "out of memory");
		return fs_err_set(err, FS_EINVAL, "time zone %s: %s is not a valid TZif file",
		                  name, path);
	}
	*out = z;
	return 0;
}

void hub_tz_free(hub_tz *z)
{
	if (z == NULL)
		return;
	free(z->at);
	free(z->idx);
	free(z);
}

const char *hub_tz_name(const hub_tz *z)
{
	return z->name;
}

int32_t hub_tz_offset(const hub_tz *z, int64_t t)
{
	size_t lo = 0, hi;

	if (z == NULL)
		return 0;
	if (z->n == 0)
		return z->rule.present ? rule_offset(&z->rule, t) : z->off[0];
	if (t < z->at[0])
		return z->off[0]; /* RFC 8536: before the first, type 0 */
	if (t >= z->at[z->n - 1] && z->rule.present)
		return rule_offset(&z->rule, t);
	hi = z->n;
	while (hi - lo > 1) { /* at[lo] <= t < at[hi] */
		size_t mid = lo + (hi - lo) / 2;

		if (z->at[mid] <= t)
			lo = mid;
		else
			hi = mid;
	}
	return z->off[z->idx[lo]];
}

static int two(const char *s, int *v)
{
	if (s[0] < '0' || s[0] > '9' || s[1] < '0' || s[1] > '9')
		return -1;
	*v = (s[0] - '0') * 10 + (s[1] - '0');
	return 0;
}

int hub_tz_parse_utc(const char *s, int64_t *t)
{
	int c1, c2, mo, d, h, mi, se;

	if (strlen(s) != 20 || s[4] != '-' || s[7] != '-' || s[10] != 'T' || s[13] != ':' ||
	    s[16] != ':' || s[19] != 'Z' || two(s, &c1) || two(s + 2, &c2) || two(s + 5, &mo) ||
	    two(s + 8, &d) || two(s + 11, &h) || two(s + 14, &mi) || two(s + 17, &se))
		return -1;
	if (mo < 1 || mo > 12 || d < 1 || d > month_days(c1 * 100 + c2, mo) || h > 23 || mi > 59 ||
	    se > 59)
		return -1;
	*t = days_from_civil(c1 * 100 + c2, mo, d) * 86400 + h * 3600 + mi * 60 + se;
	return 0;
}

void hub_tz_local(const hub_tz *z, int64_t t, hub_civil *out)
{
	int64_t local = t + hub_tz_offset(z, t), secs;

	civil_from_days(floor_div(local, 86400), &out->year, &out->month, &out->day);
	secs = local - floor_div(local, 86400) * 86400;
	out->hour = (int)(secs / 3600);
	out->min = (int)(secs / 60 % 60);
	out->sec = (int)(secs % 60);
}
