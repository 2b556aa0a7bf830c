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
	hub_ratelimit *rl = hub_ratelimit_new(3, 65536);
	char key[32];
	int i;

	CHECK(rl != NULL);
	CHECK(hub_ratelimit_hit(rl, "k-a", 1000) == 0);
	CHECK(hub_ratelimit_hit(rl, "k-a", 1001) == 0);
	CHECK(hub_ratelimit_hit(rl, "k-a", 1002) == 0);
	CHECK(hub_ratelimit_hit(rl, "k-a", 1003) == 60);
	CHECK(hub_ratelimit_hit(rl, "k-b", 1004) == 0); /* keys are independent */
	CHECK(hub_ratelimit_hit(rl, "k-a", 60500) == 1);
	CHECK(hub_ratelimit_hit(rl, "k-a", 61000) == 0); /* a new window */
	CHECK(hub_ratelimit_keys(rl) == 2);              /* k-b's window is open still */
	CHECK(hub_ratelimit_hit(rl, "k-a", 61004) == 0);
	CHECK(hub_ratelimit_keys(rl) == 1); /* k-b's has ended */
	for (i = 0; i < 5000; i++) {        /* expired keys go: memory follows the last minute */
		snprintf(key, sizeof(key), "k-%d", i);
		CHECK(hub_ratelimit_hit(rl, key, 200000 + (uint64_t)i * 100) == 0);
	}
	CHECK(hub_ratelimit_keys(rl) == 600);
	hub_ratelimit_free(rl);
}

static void ratelimit_refund_takes_back_one_event(void)
{
	hub_ratelimit *rl = hub_ratelimit_new(2, 16);

	CHECK(rl != NULL);
	CHECK(hub_ratelimit_hit(rl, "10.0.0.1", 1000) == 0);
	CHECK(hub_ratelimit_hit(rl, "10.0.0.1", 1001) == 0);
	CHECK(hub_ratelimit_hit(rl, "10.0.0.1", 1002) != 0);
	hub_ratelimit_refund(rl, "10.0.0.1", 1003);
	CHECK(hub_ratelimit_hit(rl, "10.0.0.1", 1004) == 0);
	CHECK(hub_ratelimit_hit(rl, "10.0.0.1", 1005) != 0);
	hub_ratelimit_refund(rl, "10.0.0.9", 1006); /* unknown: nothing happens */
	CHECK(hub_ratelimit_keys(rl) == 1);
	hub_ratelimit_free(rl);
}

static void ratelimit_full_table_forgets_the_oldest_key(void)
{
	hub_ratelimit *rl = hub_ratelimit_new(1, 100);
	char key[32];
	int i;

	CHECK(rl != NULL);
	for (i = 0; i < 100; i++) {
		snprintf(key, sizeof(key), "src-%d", i);
		CHECK(hub_ratelimit_hit(rl, key, 1000 + (uint64_t)i) == 0);
	}
	CHECK(hub_ratelimit_hit(rl, "src-50", 2000) != 0);
	CHECK(hub_ratelimit_hit(rl, "src-0", 2001) != 0);
	/* 10,000 new keys within the window: the table stays at its cap, new
	 * keys are never refused, and the keys seen last are still limited. */
	for (i = 0; i < 10000; i++) {
		snprintf(key, sizeof(key), "new-%d", i);
		CHECK(hub_ratelimit_hit(rl, key, 3000 + (uint64_t)i) == 0);
		CHECK(hub_ratelimit_keys(rl) <= 100);
	}
	CHECK(hub_ratelimit_keys(rl) == 100);
	CHECK(hub_ratelimit_hit(rl, "new-9999", 20000) != 0);
	CHECK(hub_ratelimit_hit(rl, "new-9900", 20001) != 0);
	CHECK(hub_ratelimit_hit(rl, "src-0", 20002) == 0); /* forgotten: counted afresh */
	hub_ratelimit_free(rl);
}

static void ratelimit_long_keys_are_truncated(void)
{
	hub_ratelimit *rl = hub_ratelimit_new(1, 4);
	char a[200], b[200];

	CHECK(rl != NULL);
	memset(a, 'x', sizeof(a) - 1);
	a[sizeof(a) - 1] = '\0';
	memcpy(b, a, sizeof(b));
	b[150] = 'y'; /* differs only past HUB_RATE_KEY_MAX */
	CHECK(hub_ratelimit_hit(rl, a, 1000) == 0);
	CHECK(hub_ratelimit_hit(rl, b, 1001) != 0);
	hub_ratelimit_free(rl);
}

static void ratelimit_source_is_an_ipv4_address_or_an_ipv6_64(void)
{
	char k[64];

	hub_ratelimit_source(k, sizeof(k), "127.0.0.2");
	CHECK(strcmp(k, "127.0.0.2") == 0);
	hub_ratelimit_source(k, sizeof(k), "2001:db8:1:2:aaaa:bbbb:cccc:dddd");
	CHECK(strcmp(k, "2001:db8:1:2::/64") == 0);
	hub_ratelimit_source(k, sizeof(k), "2001:db8:1:2::1");
	CHECK(strcmp(k, "2001:db8:1:2::/64") == 0); /* the same /64, the same source */
	hub_ratelimit_source(k, sizeof(k), "2001:db8:1:3::1");
	CHECK(strcmp(k, "2001:db8:1:3::/64") == 0);
	hub_ratelimit_source(k, sizeof(k), "::1");
	CHECK(strcmp(k, "::/64") == 0);
	hub_ratelimit_source(k, sizeof(k), "::ffff:192.0.2.7");
	CHECK(strcmp(k, "192.0.2.7") == 0); /* IPv4 on a dual-stack socket */
	hub_ratelimit_source(k, sizeof(k), "");
	CHECK(strcmp(k, "unknown") == 0);
	hub_ratelimit_source(k, sizeof(k), "fe80::1%eth0");
	CHECK(strcmp(k, "unknown") == 0);
}

int main(void)
{
	csv_quotes_only_when_needed();
	duration_parse_accepts_suffixes();
	uint_parse_checks_range();
	listen_parse_accepts_ipv4_ipv6_names();
	ratelimit_refuses_past_the_limit_until_the_window_ends();
	ratelimit_refund_takes_back_one_event();
	ratelimit_full_table_forgets_the_oldest_key();
	ratelimit_long_keys_are_truncated();
	ratelimit_source_is_an_ipv4_address_or_an_ipv6_64();
	if (failures != 0) {
		fprintf(stderr, "hub_unit_test: %d check(s) failed\n", failures);
		return 1;
	}
	printf("hub_unit_test: all checks passed\n");
	return 0;
}
