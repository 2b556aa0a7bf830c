/* Unit tests of the hub's helpers: CSV quoting and the formula guard, durations, numbers,
 * the rate limiter, core error codes to HTTP statuses, where the store is (listen addresses:
 * http/http_test.c). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fieldsync/error.h"

#include "cli.h"
#include "csv.h"
#include "ratelimit.h"
#include "status.h"

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

/* Each core code answers as docs/protocol.md's "Errors" table says, at the
 * step it comes from; what the table does not list is the hub's own 500. */
static void status_maps_each_code_as_documented(void)
{
	static const struct {
		hub_step step;
		int code, status;
		const char *error;
	} want[] = {
	    {HUB_STEP_ENROLL, FS_EINVAL, 400, "bad_request"},
	    {HUB_STEP_ENROLL, FS_ENOTFOUND, 401, "unauthorized"},
	    {HUB_STEP_ENROLL, FS_EFORBIDDEN, 403, "forbidden"},
	    {HUB_STEP_ENROLL, FS_ELIMIT, 429, "too_many_requests"},
	    {HUB_STEP_AUTH, FS_ENOTFOUND, 401, "unauthorized"},
	    {HUB_STEP_AUTH, FS_EFORBIDDEN, 403, "revoked"},
	    {HUB_STEP_CHANGESET, FS_EBADGZIP, 400, "bad_gzip"},
	    {HUB_STEP_CHANGESET, FS_EBADJSON, 400, "bad_json"},
	    {HUB_STEP_CHANGESET, FS_EINVAL, 422, "invalid_changeset"},
	    {HUB_STEP_CHANGESET, FS_EVERSION, 422, "invalid_changeset"},
	    {HUB_STEP_CHANGESET, FS_ETOOBIG, 413, "too_large"},
	    {HUB_STEP_CHANGESET, FS_ENOMEM, 500, "internal"},
	    {HUB_STEP_MERGE, FS_EFORBIDDEN, 403, "forbidden"},
	    {HUB_STEP_MERGE, FS_ECLOCK, 409, "clock_ahead"},
	    {HUB_STEP_MERGE, FS_EINVAL, 500, "internal"},
	    {HUB_STEP_MERGE, FS_EGENERIC, 500, "internal"},
	    {HUB_STEP_STORE, FS_EBUSY, 503, "busy"},
	    {HUB_STEP_MERGE, FS_EBUSY, 503, "busy"},
	    {HUB_STEP_ENROLL, FS_EBUSY, 503, "busy"},
	    {HUB_STEP_STORE, FS_EIO, 503, "unavailable"},
	    {HUB_STEP_MERGE, FS_EIO, 503, "unavailable"},
	    {HUB_STEP_STORE, FS_ENOTFOUND, 500, "internal"},
	    {HUB_STEP_STORE, FS_EFORBIDDEN, 500, "internal"},
	    {HUB_STEP_AUTH, FS_EINVAL, 500, "internal"},
	    {HUB_STEP_STORE, -999, 500, "internal"},
	};
	const hub_status *st;
	size_t i;
	int code, step;

	for (i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
		st = hub_status_of(want[i].step, want[i].code);
		if (st->status != want[i].status || strcmp(st->error, want[i].error) != 0)
			fprintf(stderr, "step %d %s: got %d %s, want %d %s\n", (int)want[i].step,
			        fs_error_name(want[i].code), st->status, st->error, want[i].status,
			        want[i].error);
		CHECK(st->status == want[i].status && strcmp(st->error, want[i].error) == 0);
	}
	/* Retry-After, the hub's time and the challenge where documented. */
	CHECK(hub_status_of(HUB_STEP_ENROLL, FS_ELIMIT)->retry_after == 60);
	CHECK(hub_status_of(HUB_STEP_STORE, FS_EBUSY)->retry_after == 1);
	CHECK(hub_status_of(HUB_STEP_STORE, FS_EIO)->retry_after == 60);
	CHECK(hub_status_of(HUB_STEP_MERGE, FS_ECLOCK)->with_time);
	CHECK(hub_status_of(HUB_STEP_AUTH, FS_ENOTFOUND)->challenge);
	CHECK(!hub_status_of(HUB_STEP_ENROLL, FS_ENOTFOUND)->challenge);
	/* The hub's own failures keep core's message out of the reply. */
	for (step = HUB_STEP_STORE; step <= HUB_STEP_MERGE; step++)
		for (code = FS_EBADJSON; code < 0; code++) {
			st = hub_status_of((hub_step)step, code);
			CHECK(st->status >= 400 && st->status < 600 && st->error != NULL);
			if (st->status >= 500)
				CHECK(st->message != NULL);
		}
}

/* --db, then $FIELDSYNC_DB, then the data directory; a database's name
 * never shows its password, not even one given as a parameter. */
static void where_prefers_the_database_and_hides_its_password(void)
{
	hub_where w;
	char text[300];

	unsetenv("FIELDSYNC_DB");
	unsetenv("FIELDSYNC_DATA");
	CHECK(hub_where_resolve(&w, "devices", "/srv/hub", NULL) == 0);
	CHECK(w.db == NULL && strcmp(w.data, "/srv/hub") == 0);
	hub_where_describe(&w, text, sizeof(text));
	CHECK(strcmp(text, "data /srv/hub") == 0);
	setenv("FIELDSYNC_DB", "postgres://env@db/one", 1);
#ifndef FIELDSYNC_HAVE_POSTGRESQL
	/* A build without PostgreSQL (cross builds) refuses every database. */
	fprintf(stderr, "(a usage error expected:)\n");
	CHECK(hub_where_resolve(&w, "devices", "/srv/hub", NULL) == HUB_EXIT_USAGE);
	unsetenv("FIELDSYNC_DB");
#else
	CHECK(hub_where_resolve(&w, "devices", "/srv/hub", NULL) == 0);
	CHECK(w.data == NULL && strcmp(w.db, "postgres://env@db/one") == 0);
	CHECK(hub_where_resolve(&w, "devices", NULL,
	                        "postgresql://hub:s3cret@db.example.org:6432/fs?password=p2&"
	                        "sslmode=verify-full") == 0);
	hub_where_describe(&w, text, sizeof(text));
	CHECK(strcmp(text, "database postgresql://hub@db.example.org:6432/fs") == 0);
	CHECK(strstr(text, "s3cret") == NULL && strstr(text, "p2") == NULL);
	hub_where_describe(&(hub_where){"postgresql://hub:s3cret@[::1/fs", NULL}, text,
	                   sizeof(text));
	CHECK(strstr(text, "s3cret") == NULL);
	fprintf(stderr, "(two usage errors expected:)\n");
	CHECK(hub_where_resolve(&w, "devices", NULL, "host=db password=s3cret") == HUB_EXIT_USAGE);
	unsetenv("FIELDSYNC_DB");
#endif
	CHECK(hub_where_resolve(&w, "devices", NULL, NULL) == HUB_EXIT_USAGE);
}

int main(void)
{
	csv_quotes_every_text_cell();
	csv_guards_text_that_could_be_a_formula();
	csv_writes_numbers_bare();
	duration_parse_accepts_suffixes();
	uint_parse_checks_range();
	ratelimit_refuses_past_the_limit_until_the_window_ends();
	ratelimit_refund_takes_back_one_event();
	ratelimit_full_table_forgets_the_oldest_key();
	ratelimit_long_keys_are_truncated();
	ratelimit_source_is_an_ipv4_address_or_an_ipv6_64();
	status_maps_each_code_as_documented();
	where_prefers_the_database_and_hides_its_password();
	if (failures != 0) {
		fprintf(stderr, "hub_unit_test: %d check(s) failed\n", failures);
		return 1;
	}
	printf("hub_unit_test: all checks passed\n");
	return 0;
}
