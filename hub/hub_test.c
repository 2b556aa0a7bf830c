/* Unit tests of the hub's helpers: CSV quoting and the formula guard, durations, numbers,
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

/* Write the cell with fn into buf (NUL-terminated). */
static void csv_write(char *buf, size_t size, void (*fn)(FILE *, const char *, int), const char *in)
{
	FILE *f;

	memset(buf, 0, size);
	f = fmemopen(buf, size - 1, "w");
	fn(f, in, 1);
	fclose(f);
}

static void csv_quotes_every_text_cell(void)
{
	static const struct {
		const char *in, *want;
	} cases[] = {
	    {"plain", "\"plain\""},
	    {"a,b", "\"a,b\""},
	    {"say \"hi\"", "\"say \"\"hi\"\"\""},
	    {"two\nlines", "\"two\nlines\""},
	    {"cr\r", "\"cr\r\""},
	    {"x;z", "\"x;z\""},
	    {"a b\tc", "\"a b\tc\""},
	    {"caf\xc3\xa9", "\"caf\xc3\xa9\""},
	    {"", ""},
	};
	char buf[256];
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		csv_write(buf, sizeof(buf), hub_csv_field, cases[i].in);
		if (strcmp(buf, cases[i].want) != 0)
			fprintf(stderr, "text cell [%s]: got [%s]\n", cases[i].in, buf);
		CHECK(strcmp(buf, cases[i].want) == 0);
	}
	{
		FILE *f = fmemopen(buf, sizeof(buf), "w");

		hub_csv_field(f, "a", 1);
		hub_csv_field(f, NULL, 0);
		hub_csv_number(f, "-3", 0);
		hub_csv_field(f, "b", 0);
		hub_csv_end(f);
		fclose(f);
		CHECK(strcmp(buf, "\"a\",,-3,\"b\"\r\n") == 0);
	}
}

/* The formula rule (csv.h): which text gets a ' and which is left alone. */
static void csv_guards_text_that_could_be_a_formula(void)
{
	static const struct {
		const char *in, *want;
	} cases[] = {
	    /* OWASP's first characters */
	    {"=1+1", "\"'=1+1\""},
	    {"=HYPERLINK(\"http://x\",\"y\")", "\"'=HYPERLINK(\"\"http://x\"\",\"\"y\"\")\""},
	    {"=WEBSERVICE(\"http://127.0.0.1:1/\")",
	     "\"'=WEBSERVICE(\"\"http://127.0.0.1:1/\"\")\""},
	    {"=cmd|' /C calc'!A0", "\"'=cmd|' /C calc'!A0\""},
	    {"+1+1", "\"'+1+1\""},
	    {"-1+1", "\"'-1+1\""},
	    {"-3", "\"'-3\""}, /* a text answer, not a number cell */
	    {"@SUM(1,1)", "\"'@SUM(1,1)\""},
	    {"\t=1+1", "\"'\t=1+1\""},
	    {"\tplain", "\"'\tplain\""},
	    {"\r=1+1", "\"'\r=1+1\""},
	    {"\n=1+1", "\"'\n=1+1\""},
	    /* white space before them (a reader's "trim spaces" removes it) */
	    {" =1+1", "\"' =1+1\""},
	    {"   +1", "\"'   +1\""},
	    {"\v\f-1", "\"'\v\f-1\""},
	    {"\xc2\xa0=1", "\"'\xc2\xa0=1\""},         /* U+00A0 */
	    {"\xe2\x80\x83=1", "\"'\xe2\x80\x83=1\""}, /* U+2003 */
	    {"\xe2\x80\x8b=1", "\"'\xe2\x80\x8b=1\""}, /* U+200B */
	    {"\xe2\x80\xa8=1", "\"'\xe2\x80\xa8=1\""}, /* U+2028 */
	    {"\xe2\x81\x9f=1", "\"'\xe2\x81\x9f=1\""}, /* U+205F */
	    {"\xe3\x80\x80=1", "\"'\xe3\x80\x80=1\""}, /* U+3000 */
	    {"\xef\xbb\xbf=1", "\"'\xef\xbb\xbf=1\""}, /* U+FEFF */
	    /* full-width forms */
	    {"\xef\xbc\x9dSUM(1)", "\"'\xef\xbc\x9dSUM(1)\""}, /* U+FF1D = */
	    {"\xef\xbc\x8bx", "\"'\xef\xbc\x8bx\""},           /* U+FF0B + */
	    {"\xef\xbc\x8dx", "\"'\xef\xbc\x8dx\""},           /* U+FF0D - */
	    {"\xef\xbc\xa0SUM", "\"'\xef\xbc\xa0SUM\""},       /* U+FF20 @ */
	    /* a ' of its own gets one more, so a reader can always strip one */
	    {"'=1+1", "\"''=1+1\""},
	    {"'tis", "\"''tis\""},
	    /* left alone */
	    {"a=1", "\"a=1\""},
	    {"1+1", "\"1+1\""},
	    {"x -1", "\"x -1\""},
	    {"|cmd", "\"|cmd\""}, /* DDE needs a formula start, guarded above */
	    {"   ", "\"   \""},
	    {"\xc2\xa0plain", "\"\xc2\xa0plain\""},
	    {"\xef\xbc\x91", "\"\xef\xbc\x91\""},   /* U+FF11 full-width 1 */
	    {"\xe2\x80\x90x", "\"\xe2\x80\x90x\""}, /* U+2010 hyphen, not a space */
	    {"\xc2", "\"\xc2\""},                   /* a cut-off sequence: no overread */
	    {"\xe2\x80", "\"\xe2\x80\""},
	    {"\xef\xbc", "\"\xef\xbc\""},
	};
	char buf[256];
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		csv_write(buf, sizeof(buf), hub_csv_field, cases[i].in);
		if (strcmp(buf, cases[i].want) != 0)
			fprintf(stderr, "text cell [%s]: got [%s]\n", cases[i].in, buf);
		CHECK(strcmp(buf, cases[i].want) == 0);
		CHECK(hub_csv_text_needs_guard(cases[i].in) == (cases[i].want[1] == '\''));
	}
}

/* Numbers stay number cells (a negative one too); anything that is not a
 * plain number falls back to a guarded text cell. */
static void csv_writes_numbers_bare(void)
{
	static const struct {
		const char *in, *want;
	} cases[] = {
	    {"-3", "-3"},          {"0", "0"},
	    {"2.5", "2.5"},        {"-0.125", "-0.125"},
	    {"1e+300", "1e+300"},  {"-1.5e-07", "-1.5e-07"},
	    {"-1+1", "\"'-1+1\""}, {"=1", "\"'=1\""},
	    {"-", "\"'-\""},       {"1.", "\"1.\""},
	    {"1e", "\"1e\""},      {".5", "\".5\""},
	    {"3 ", "\"3 \""},      {"", ""},
	};
	char buf[256];
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		csv_write(buf, sizeof(buf), hub_csv_number, cases[i].in);
		if (strcmp(buf, cases[i].want) != 0)
			fprintf(stderr, "number cell [%s]: got [%s]\n", cases[i].in, buf);
		CHECK(strcmp(buf, cases[i].want) == 0);
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
	csv_quotes_every_text_cell();
	csv_guards_text_that_could_be_a_formula();
	csv_writes_numbers_bare();
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
