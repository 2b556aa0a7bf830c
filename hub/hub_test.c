/* Unit tests of the hub's helpers: CSV quoting, durations, numbers,
 * listen addresses, the rate limiter. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "csv.h"
#include "listen.h"
#include "ratelimit.h"

static int failures;

#define CHECK(cond)                                                                                \
	do {                                                                                       \
		if (!(cond)) {                                                                     \
			fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, #cond);   \
			failures++;                                                                \
		}                                                                                  \
	} while (0)

static void csv_quotes_only_when_needed(void)
{
	static const struct {
		const char *in, *want;
	} cases[] = {
	    {"plain", "plain"},
	    {"a,b", "\"a,b\""},
	    {"say \"hi\"", "\"say \"\"hi\"\"\""},
	    {"two\nlines", "\"two\nlines\""},
	    {"cr\r", "\"cr\r\""},
	    {"caf\xc3\xa9", "caf\xc3\xa9"},
	    {"", ""},
	};
	char buf[256];
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		FILE *f;

		memset(buf, 0, sizeof(buf));
		f = fmemopen(buf, sizeof(buf), "w");

		hub_csv_field(f, cases[i].in, 1);
		fclose(f);
		CHECK(strcmp(buf, cases[i].want) == 0);
	}
	{
		FILE *f = fmemopen(buf, sizeof(buf), "w");

		hub_csv_field(f, "a", 1);
		hub_csv_field(f, NULL, 0);
		hub_csv_field(f, "b", 0);
		hub_csv_end(f);
		fclose(f);
		CHECK(strcmp(buf, "a,,b\r\n") == 0);
	}
}

static void duration_parse_accepts_suffixes(void)
{
	uint64_t ms;

	CHECK(hub_duration_parse(&ms, "90s") == 0 && ms == 90000);
	CHECK(hub_duration_parse(&ms, "15m") == 0 && ms == 900000);
	CHECK(hub_duration_parse(&ms, "24h") == 0 && ms == 86400000);
	CHECK(hub_duration_parse(&ms, "7d") == 0 && ms == 604800000);
	CHECK(hub_duration_parse(&ms, "30") == 0 && ms == 30000);
	CHECK(hub_duration_parse(&ms, "") != 0);
	CHECK(hub_duration_parse(&ms, "0h") != 0);
	CHECK(hub_duration_parse(&ms, "h") != 0);
	CHECK(hub_duration_parse(&ms, "5x") != 0);
	CHECK(hub_duration_parse(&ms, "5hh") != 0);
	CHECK(hub_duration_parse(&ms, "-5m") != 0);
	CHECK(hub_duration_parse(&ms, "99999999999999999999d") != 0);
}

static void uint_parse_checks_range(void)
{
	unsigned n;

	CHECK(hub_uint_parse(&n, "4", 1, 10) == 0 && n == 4);
	CHECK(hub_uint_parse(&n, "0", 1, 10) != 0);
	CHECK(hub_uint_parse(&n, "11", 1, 10) != 0);
	CHECK(hub_uint_parse(&n, "", 0, 10) != 0);
	CHECK(hub_uint_parse(&n, "3a", 0, 10) != 0);
	CHECK(hub_uint_parse(&n, "99999999999999999999", 0, 10) != 0);
}

static void listen_parse_accepts_ipv4_ipv6_names(void)
{
	hub_listen_addr a;
	fs_err e = {0, ""};

	CHECK(hub_listen_parse(&a, "127.0.0.1:8420", &e) == 0 && !a.ipv6);
	CHECK(strcmp(a.host, "127.0.0.1") == 0);
	CHECK(hub_listen_parse(&a, "[::1]:0", &e) == 0 && a.ipv6);
	CHECK(strcmp(a.host, "::1") == 0);
	CHECK(hub_listen_parse(&a, "0.0.0.0:65535", &e) == 0);
	CHECK(hub_listen_parse(&a, "127.0.0.1", &e) == FS_EINVAL);
	CHECK(hub_listen_parse(&a, "127.0.0.1:65536", &e) == FS_EINVAL);
	CHECK(hub_listen_parse(&a, "127.0.0.1:-1", &e) == FS_EINVAL);
	CHECK(hub_listen_parse(&a, ":8420", &e) == FS_EINVAL);
	CHECK(hub_listen_parse(&a, "::1:8420", &e) == FS_EINVAL);
	CHECK(hub_listen_parse(&a, "[::1]8420", &e) == FS_EINVAL);
	CHECK(hub_listen_parse(&a, "[127.0.0.1]:80", &e) == FS_EINVAL);
}

static void ratelimit_refuses_past_the_limit_until_the_window_ends(void)
{
	hub_ratelimit *rl = hub_ratelimit_new(3);
	char key[32];
	int i;

	CHECK(rl != NULL);
	CHECK(hub_ratelimit_hit(rl, "k-a", 1000) == 0);
	CHECK(hub_ratelimit_hit(rl, "k-a", 1001) == 0);
	CHECK(hub_ratelimit_hit(rl, "k-a", 1002) == 0);
	CHECK(hub_ratelimit_hit(rl, "k-a", 1003) == 60);
	CHECK(hub_ratelimit_hit(rl, "k-a", 60500) == 1);
	CHECK(hub_ratelimit_hit(rl, "k-b", 1004) == 0);  /* keys are independent */
	CHECK(hub_ratelimit_hit(rl, "k-a", 61000) == 0); /* a new window */
	for (i = 0; i < 5000; i++) {                     /* pruning keeps memory bounded */
		snprintf(key, sizeof(key), "k-%d", i);
		CHECK(hub_ratelimit_hit(rl, key, 200000 + (uint64_t)i * 100) == 0);
	}
	hub_ratelimit_free(rl);
}

int main(void)
{
	csv_quotes_only_when_needed();
	duration_parse_accepts_suffixes();
	uint_parse_checks_range();
	listen_parse_accepts_ipv4_ipv6_names();
	ratelimit_refuses_past_the_limit_until_the_window_ends();
	if (failures != 0) {
		fprintf(stderr, "hub_unit_test: %d check(s) failed\n", failures);
		return 1;
	}
	printf("hub_unit_test: all checks passed\n");
	return 0;
}
