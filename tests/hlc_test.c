#include "fieldsync/hlc.h"
#include "fieldsync/uuid.h"
#include "test.h"

static void hlc_tick_follows_physical_time(void)
{
	fs_hlc h = fs_hlc_tick(0, 1000);

	CHECK(fs_hlc_ms(h) == 1000 && fs_hlc_counter(h) == 0);
	h = fs_hlc_tick(h, 2000);
	CHECK(fs_hlc_ms(h) == 2000 && fs_hlc_counter(h) == 0);
}

static void hlc_tick_is_monotonic_when_clock_goes_back(void)
{
	fs_hlc h = fs_hlc_make(5000, 7);
	fs_hlc n = fs_hlc_tick(h, 1000);

	CHECK(n > h);
	CHECK(fs_hlc_ms(n) == 5000 && fs_hlc_counter(n) == 8);
	n = fs_hlc_tick(n, 5000);
	CHECK(fs_hlc_counter(n) == 9);
}

static void hlc_tick_counter_overflow_moves_ms(void)
{
	fs_hlc h = fs_hlc_make(5000, 0xffff);
	fs_hlc n = fs_hlc_tick(h, 10);

	CHECK(n > h);
	CHECK(fs_hlc_ms(n) == 5001 && fs_hlc_counter(n) == 0);
}

static void hlc_format_parse_round_trip(void)
{
	char text[FS_HLC_TEXT_LEN + 1];
	fs_hlc h = fs_hlc_make(1795770000123ull, 42), back = 0;

	fs_hlc_format(text, h);
	CHECK(strlen(text) == 16);
	CHECK(fs_hlc_parse(&back, text, NULL) == 0);
	CHECK(back == h);
}

static void hlc_parse_rejects_malformed(void)
{
	static const char *const bad[] = {"", "0", "0123456789abcde", "0123456789abcdef0",
					  "0123456789ABCDEF", "0123456789abcdeg",
					  "ffffffffffffffff", " 123456789abcdef"};
	fs_hlc h;
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		fs_err e = {0, ""};

		CHECK_MSG(fs_hlc_parse(&h, bad[i], &e) == FS_EINVAL, "accepted '%s'", bad[i]);
		CHECK(e.msg[0] != '\0');
	}
}

static void hlc_site_cmp_is_total(void)
{
	CHECK(fs_hlc_site_cmp(1, "b", 2, "a") < 0);
	CHECK(fs_hlc_site_cmp(2, "a", 2, "b") < 0);
	CHECK(fs_hlc_site_cmp(2, "b", 2, "b") == 0);
	CHECK(fs_hlc_site_cmp(3, "a", 2, "z") > 0);
}

static void uuid_v7_is_time_ordered_and_valid(void)
{
	char a[FS_UUID_LEN + 1], b[FS_UUID_LEN + 1];

	CHECK(fs_uuid_v7(a, 1000, NULL) == 0);
	CHECK(fs_uuid_v7(b, 1001, NULL) == 0);
	CHECK(fs_uuid_is_valid(a) && fs_uuid_is_valid(b));
	CHECK(a[14] == '7');
	CHECK(strchr("89ab", a[19]) != NULL);
	CHECK(strcmp(a, b) < 0);
	CHECK(!fs_uuid_is_valid("0192f3a4-b5c6-7000-8000-00000000000"));
	CHECK(!fs_uuid_is_valid("0192F3A4-B5C6-7000-8000-000000000000"));
	CHECK(!fs_uuid_is_valid("0192f3a4b5c6-7000-8000-0000000000000"));
}

int main(void)
{
	RUN(hlc_tick_follows_physical_time);
	RUN(hlc_tick_is_monotonic_when_clock_goes_back);
	RUN(hlc_tick_counter_overflow_moves_ms);
	RUN(hlc_format_parse_round_trip);
	RUN(hlc_parse_rejects_malformed);
	RUN(hlc_site_cmp_is_total);
	RUN(uuid_v7_is_time_ordered_and_valid);
	return TEST_DONE();
}
