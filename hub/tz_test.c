/* hub/tz.c against glibc: for zones with every kind of rule (DST north and
 * south, negative DST, half and quarter hours, none), instants from 1901 to
 * 2099 (the files' transitions and, past 2037, their footer rules) give the
 * same offset as localtime_r with TZ set. This test is single-threaded, so
 * setenv is safe here; tz.c exists so that the hub never needs it. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "tz.h"

static int failures;

#define CHECK(cond)                                                                                \
	do {                                                                                       \
		if (!(cond)) {                                                                     \
			fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, #cond);   \
			failures++;                                                                \
		}                                                                                  \
	} while (0)

static void offsets_match_libc(void)
{
	static const char *const zones[] = {
	    "UTC",           "Europe/London",    "Europe/Dublin",    "America/New_York",
	    "Australia/Sydney", "Asia/Kolkata",  "America/St_Johns", "Asia/Kathmandu",
	    "Pacific/Chatham", "America/Sao_Paulo", "Africa/Casablanca", "Asia/Karachi",
	    "Europe/Lisbon",  "Pacific/Auckland", "America/Santiago", "Antarctica/Troll",
	};
	size_t i;

	for (i = 0; i < sizeof(zones) / sizeof(zones[0]); i++) {
		hub_tz *z = NULL;
		fs_err e = {0, ""};
		int64_t t;
		long bad = 0, checked = 0;

		if (hub_tz_load(&z, zones[i], &e) != 0) {
			fprintf(stderr, "tz_test: %s: %s\n", zones[i], e.msg);
			failures++;
			continue;
		}
		setenv("TZ", zones[i], 1);
		tzset();
		/* Every 7 h 13 min 17 s: every phase of the day over the years. */
		for (t = -2145916800LL; t < 4102444800LL; t += 26017) {
			time_t tt = (time_t)t;
			struct tm tm;
			hub_civil c;

			if (localtime_r(&tt, &tm) == NULL)
				continue;
			checked++;
			hub_tz_local(z, t, &c);
			if (hub_tz_offset(z, t) != tm.tm_gmtoff || c.year != tm.tm_year + 1900 ||
			    c.month != tm.tm_mon + 1 || c.day != tm.tm_mday || c.hour != tm.tm_hour ||
			    c.min != tm.tm_min || c.sec != tm.tm_sec) {
				if (bad++ < 3)
					fprintf(stderr,
					        "tz_test: %s at %lld: offset %d, libc %ld\n",
					        zones[i], (long long)t, (int)hub_tz_offset(z, t),
					        (long)tm.tm_gmtoff);
			}
		}
		CHECK(checked > 200000);
		CHECK(bad == 0);
		hub_tz_free(z);
	}
	unsetenv("TZ");
}

static void london_in_summer(void)
{
	hub_tz *z = NULL;
	fs_err e = {0, ""};
	int64_t t = 0;
	hub_civil c;

	CHECK(hub_tz_load(&z, "Europe/London", &e) == 0);
	CHECK(hub_tz_parse_utc("2026-07-01T12:00:00Z", &t) == 0);
	hub_tz_local(z, t, &c);
	CHECK(c.year == 2026 && c.month == 7 && c.day == 1 && c.hour == 13 && c.min == 0);
	CHECK(hub_tz_parse_utc("2026-01-01T12:00:00Z", &t) == 0);
	hub_tz_local(z, t, &c);
	CHECK(c.hour == 12);
	/* 2090: past the file's transitions, the footer's rule. */
	CHECK(hub_tz_parse_utc("2090-07-01T23:30:00Z", &t) == 0);
	hub_tz_local(z, t, &c);
	CHECK(c.month == 7 && c.day == 2 && c.hour == 0 && c.min == 30);
	hub_tz_free(z);
}

static void names_and_times_are_checked(void)
{
	static const char *const bad_names[] = {
	    "", "/etc/passwd", "../etc/passwd", "Europe/../../etc/passwd", "Europe//London",
	    "Europe/London/", ".hidden", "Europe/.x", "-x", "a b", "Europe/London\n",
	    "0123456789012345678901234567890123456789012345678901234567890123456789",
	};
	static const char *const bad_times[] = {
	    "2026-07-01T12:00:00", "2026-07-01 12:00:00Z", "2026-02-30T12:00:00Z",
	    "2026-07-01T24:00:00Z", "2026-13-01T12:00:00Z", "2026-07-01T12:00:00+01:00", "",
	};
	size_t i;
	hub_tz *z = NULL;
	fs_err e = {0, ""};
	int64_t t;

	for (i = 0; i < sizeof(bad_names) / sizeof(bad_names[0]); i++) {
		CHECK(!hub_tz_name_is_valid(bad_names[i]));
		CHECK(hub_tz_load(&z, bad_names[i], &e) == FS_EINVAL && z == NULL);
	}
	e = (fs_err){0, ""};
	CHECK(hub_tz_load(&z, "Mars/Olympus_Mons", &e) == FS_EINVAL);
	CHECK(strstr(e.msg, "unknown time zone Mars/Olympus_Mons") != NULL);
	/* A directory of the zone tree is not a zone. */
	CHECK(hub_tz_load(&z, "Europe", &e) == FS_EINVAL);
	for (i = 0; i < sizeof(bad_times) / sizeof(bad_times[0]); i++)
		CHECK(hub_tz_parse_utc(bad_times[i], &t) != 0);
	CHECK(hub_tz_parse_utc("2024-02-29T00:00:00Z", &t) == 0 && t == 1709164800);
}

int main(void)
{
	offsets_match_libc();
	london_in_summer();
	names_and_times_are_checked();
	if (failures != 0) {
		fprintf(stderr, "tz_test: %d check(s) failed\n", failures);
		return 1;
	}
	printf("tz_test: all checks passed\n");
	return 0;
}
