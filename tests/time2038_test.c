/* Dates after 19 January 2038 03:14:07 UTC, where a 32-bit time_t ends.
 * On a 64-bit target this always held; it is here for 32-bit ARM (armhf),
 * where the build asks glibc for a 64-bit time_t (CMakeLists.txt) and
 * scripts/cross.sh armhf runs this under qemu-user. A build with a 32-bit
 * time_t fails the libc checks below (gmtime_r of 2040, the system clock
 * read through struct timespec) and the device list. */
#include <sys/stat.h>
#include <time.h>

#include "fieldsync/records.h"
#include "test.h"
#include "testutil.h"

static char dir[64];

/* 2040-06-01T12:00:00Z and the first second a 32-bit time_t cannot hold. */
#define MS_2040 2222164800000ull
#define S_2038  2147483648ll

static void time_t_is_64_bit(void)
{
	struct timespec ts = {0, 0};

	CHECK(sizeof(time_t) == 8);
	CHECK(sizeof(off_t) == 8);
	CHECK(sizeof(((struct stat *)0)->st_mtime) == 8);
	/* The wall clock is read through struct timespec. */
	CHECK(clock_gettime(CLOCK_REALTIME, &ts) == 0 && ts.tv_sec > 1700000000);
}

static void libc_converts_dates_after_2038(void)
{
	time_t t = (time_t)(MS_2040 / 1000);
	struct tm tm;
	char text[32];

	CHECK((long long)t > S_2038);
	CHECK(gmtime_r(&t, &tm) != NULL);
	CHECK(strftime(text, sizeof(text), "%Y-%m-%dT%H:%M:%SZ", &tm) == 20);
	CHECK_STR(text, "2040-06-01T12:00:00Z");
	CHECK((long long)timegm(&tm) == (long long)t);
}

static void timestamps_convert_after_2038(void)
{
	char out[FS_TIMESTAMP_LEN + 1];
	uint64_t ms = 0;

	CHECK(fs_timestamp_to_ms("2038-01-19T03:14:08Z", &ms) == 0);
	CHECK(ms == (uint64_t)S_2038 * 1000);
	CHECK(fs_timestamp_to_ms("2040-06-01T12:00:00Z", &ms) == 0 && ms == MS_2040);
	fs_timestamp_format(out, MS_2040);
	CHECK_STR(out, "2040-06-01T12:00:00Z");
	/* Past an unsigned 32-bit second count too. */
	CHECK(fs_timestamp_to_ms("2106-02-07T06:28:16Z", &ms) == 0 && ms == 4294967296000ull);
	fs_timestamp_format(out, ms);
	CHECK_STR(out, "2106-02-07T06:28:16Z");
}

/* A kiosk whose clock says 2040 saves a response, which survives closing
 * the store, syncs to a hub at 2040 and reads back the same there; the
 * clocks (HLC) stay in 2040 (the hub's device list in 2040:
 * hub/registry_test.c). */
static void response_and_clock_after_2038_round_trip(void)
{
	test_clock clk = {MS_2040};
	fs_store *k = test_store(dir, "k2040", "north", &clk);
	fs_store *h = test_store(dir, "hub2040", NULL, &clk);
	json_t *b = test_response(5, "In 2040"), *got = NULL;
	char id[FS_UUID_LEN + 1];
	fs_hlc last = 0;
	fs_err e = {0, ""};

	json_object_set_new(b, "started_at", json_string("2040-06-01T11:58:30Z"));
	json_object_set_new(b, "submitted_at", json_string("2040-06-01T11:59:59Z"));
	CHECK_MSG(test_publish(h, &e) == 0, "%s", e.msg);
	CHECK_MSG(test_publish(k, &e) == 0, "%s", e.msg);
	CHECK_MSG(fs_response_add(k, id, b, &e) == 0, "%s", e.msg);
	CHECK(fs_store_clock_last(k, &last, &e) == 0);
	CHECK(fs_hlc_ms(last) >= MS_2040);
	fs_store_close(k);

	k = test_store(dir, "k2040", "north", &clk);
	CHECK(fs_store_clock_last(k, &last, &e) == 0);
	CHECK(fs_hlc_ms(last) >= MS_2040 && fs_hlc_ms(last) < MS_2040 + 60000);
	CHECK(fs_response_get(k, &got, id, &e) == 0);
	CHECK_STR(json_string_value(json_object_get(got, "submitted_at")), "2040-06-01T11:59:59Z");
	CHECK_STR(json_string_value(json_object_get(got, "started_at")), "2040-06-01T11:58:30Z");
	json_decref(got);
	got = NULL;

	clk.ms += 60000;
	CHECK_MSG(test_sync(k, h, &e) == 0, "%s", e.msg);
	CHECK_MSG(fs_response_get(h, &got, id, &e) == 0, "%s", e.msg);
	CHECK_STR(json_string_value(json_object_get(got, "submitted_at")), "2040-06-01T11:59:59Z");
	CHECK(json_equal(json_object_get(got, "answers"), json_object_get(b, "answers")));
	CHECK(fs_store_clock_last(h, &last, &e) == 0);
	CHECK(fs_hlc_ms(last) >= MS_2040);

	json_decref(got);
	json_decref(b);
	fs_store_close(h);
	fs_store_close(k);
}

int main(void)
{
	test_tmpdir(dir);
	RUN(time_t_is_64_bit);
	RUN(libc_converts_dates_after_2038);
	RUN(timestamps_convert_after_2038);
	RUN(response_and_clock_after_2038_round_trip);
	test_rmdir(dir);
	return TEST_DONE();
}
