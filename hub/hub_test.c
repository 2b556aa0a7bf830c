/* Unit tests of the hub's helpers: CSV quoting and the formula guard, durations, numbers,
 * the rate limiter, core error codes to HTTP statuses, where the store is (listen addresses:
 * http/http_test.c). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/stat.h>
#include <unistd.h>
#include <fcntl.h>

#include "fieldsync/error.h"

#include "cli.h"
#include "csv.h"
#include "metrics.h"
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

/* Every code the status table answers is one of the refusal reasons the
 * metrics count (status.h hub_error_codes), each reason once. */
static void status_codes_are_in_the_reason_list(void)
{
	size_t i, j;
	int code, step;

	for (step = HUB_STEP_STORE; step <= HUB_STEP_MERGE; step++)
		for (code = FS_EBADJSON; code <= 0; code++)
			CHECK(hub_error_index(hub_status_of((hub_step)step, code)->error) <
			      HUB_ERROR_COUNT);
	for (i = 0; i < HUB_ERROR_COUNT; i++) {
		CHECK(hub_error_index(hub_error_codes[i]) == i);
		for (j = i + 1; j < HUB_ERROR_COUNT; j++)
			CHECK(strcmp(hub_error_codes[i], hub_error_codes[j]) != 0);
	}
	CHECK(hub_error_index("no_such_code") == HUB_ERROR_COUNT);
	CHECK(hub_error_index(NULL) == HUB_ERROR_COUNT);
}

static struct sockaddr_storage addr_of(const char *ip)
{
	struct sockaddr_storage ss;
	struct sockaddr_in *a4 = (struct sockaddr_in *)&ss;
	struct sockaddr_in6 *a6 = (struct sockaddr_in6 *)&ss;

	memset(&ss, 0, sizeof(ss));
	if (inet_pton(AF_INET, ip, &a4->sin_addr) == 1) {
		a4->sin_family = AF_INET;
	} else {
		CHECK(inet_pton(AF_INET6, ip, &a6->sin6_addr) == 1);
		a6->sin6_family = AF_INET6;
	}
	return ss;
}

/* GET /metrics: loopback peers only without a token (others see a 404);
 * with one, every peer must send it, loopback too. */
static void metrics_access_is_loopback_or_the_token(void)
{
	static const char *const local[] = {"127.0.0.1", "127.9.8.7", "::1", "::ffff:127.0.0.1"};
	static const char *const remote[] = {"10.0.0.1", "192.168.1.2", "2001:db8::1",
	                                     "::ffff:10.0.0.1", "0.0.0.0", "::"};
	hub_metrics *m = hub_metrics_new();
	struct sockaddr_storage ss;
	fs_err e = {0, ""};
	size_t i;

	CHECK(m != NULL);
	for (i = 0; i < sizeof(local) / sizeof(local[0]); i++) {
		ss = addr_of(local[i]);
		CHECK(hub_metrics_check(m, (struct sockaddr *)&ss, NULL) == HUB_METRICS_ALLOW);
	}
	for (i = 0; i < sizeof(remote) / sizeof(remote[0]); i++) {
		ss = addr_of(remote[i]);
		CHECK(hub_metrics_check(m, (struct sockaddr *)&ss, NULL) == HUB_METRICS_HIDDEN);
		CHECK(hub_metrics_check(m, (struct sockaddr *)&ss, "anything-at-all-here") ==
		      HUB_METRICS_HIDDEN);
	}
	CHECK(hub_metrics_check(m, NULL, NULL) == HUB_METRICS_HIDDEN);
	CHECK(hub_metrics_set_token(m, "short", &e) == FS_EINVAL);
	CHECK(hub_metrics_set_token(m, "has a space in it ok", &e) == FS_EINVAL);
	CHECK(hub_metrics_set_token(m, "0123456789abcdef0123", &e) == 0);
	ss = addr_of("10.0.0.1");
	CHECK(hub_metrics_check(m, (struct sockaddr *)&ss, "0123456789abcdef0123") ==
	      HUB_METRICS_ALLOW);
	CHECK(hub_metrics_check(m, (struct sockaddr *)&ss, "0123456789abcdef0124") ==
	      HUB_METRICS_UNAUTHORIZED);
	CHECK(hub_metrics_check(m, (struct sockaddr *)&ss, "0123456789abcdef012") ==
	      HUB_METRICS_UNAUTHORIZED);
	CHECK(hub_metrics_check(m, (struct sockaddr *)&ss, NULL) == HUB_METRICS_UNAUTHORIZED);
	ss = addr_of("127.0.0.1");
	CHECK(hub_metrics_check(m, (struct sockaddr *)&ss, NULL) == HUB_METRICS_UNAUTHORIZED);
	CHECK(hub_metrics_check(m, (struct sockaddr *)&ss, "0123456789abcdef0123") ==
	      HUB_METRICS_ALLOW);
	hub_metrics_free(m);
}

/* The token file: 0600 and one token, or refused naming the file. */
static void metrics_token_file_is_checked(void)
{
	char path[] = "/tmp/hub_test_token.XXXXXX", tok[HUB_TOKEN_MAX + 1];
	fs_err e = {0, ""};
	int fd = mkstemp(path);

	CHECK(fd >= 0);
	CHECK(write(fd, "0123456789abcdef0123\n", 21) == 21);
	close(fd);
	CHECK(chmod(path, 0600) == 0);
	CHECK(hub_metrics_token_load(tok, path, &e) == 0 && strcmp(tok, "0123456789abcdef0123") == 0);
	CHECK(chmod(path, 0640) == 0);
	CHECK(hub_metrics_token_load(tok, path, &e) == FS_EINVAL && strstr(e.msg, path) != NULL);
	CHECK(chmod(path, 0600) == 0);
	fd = open(path, O_WRONLY | O_TRUNC);
	CHECK(fd >= 0 && write(fd, "two tokens-here-0123\n", 21) == 21);
	close(fd);
	CHECK(hub_metrics_token_load(tok, path, &e) == FS_EINVAL);
	unlink(path);
	CHECK(hub_metrics_token_load(tok, path, &e) == FS_ENOTFOUND);
}

/* Every line of the text is a comment or "name{labels} value", the
 * histogram's buckets grow, and counts land where they belong. */
static void metrics_text_parses(void)
{
	hub_metrics *m = hub_metrics_new();
	fs_changeset cs;
	fs_change ch[3];
	static const char *const want[] = {
	    "fieldsync_hub_syncs_total{result=\"ok\"} 2\n",
	    "fieldsync_hub_syncs_total{result=\"refused\"} 1\n",
	    "fieldsync_hub_syncs_total{result=\"incomplete\"} 1\n",
	    "fieldsync_hub_refusals_total{reason=\"unauthorized\"} 1\n",
	    "fieldsync_hub_refusals_total{reason=\"not_found\"} 1\n",
	    "fieldsync_hub_refusals_total{reason=\"other\"} 1\n",
	    "fieldsync_hub_sync_duration_seconds_bucket{le=\"0.005\"} 2\n",
	    "fieldsync_hub_sync_duration_seconds_bucket{le=\"5\"} 2\n",
	    "fieldsync_hub_sync_duration_seconds_bucket{le=\"10\"} 3\n",
	    "fieldsync_hub_sync_duration_seconds_bucket{le=\"+Inf\"} 3\n",
	    "fieldsync_hub_sync_duration_seconds_count 3\n",
	    "fieldsync_hub_sync_duration_seconds_sum 7.004\n",
	    "fieldsync_hub_merged_changes_total{table=\"responses\"} 2\n",
	    "fieldsync_hub_merged_changes_total{table=\"contacts\"} 1\n",
	    "fieldsync_hub_merge_outcomes_total{outcome=\"applied\"} 2\n",
	    "fieldsync_hub_store_size_bytes 4096\n",
	    "fieldsync_hub_build_info{version=\"1.2.3\"} 1\n",
	};
	fs_merge_result res = {2, 1, 0, 0, 0, 0, 0};
	fs_buf b;
	size_t i;
	char *line, *save = NULL;
	int lines = 0;

	memset(ch, 0, sizeof(ch));
	ch[0].table = FS_TABLE_RESPONSES;
	ch[1].table = FS_TABLE_RESPONSES;
	ch[2].table = FS_TABLE_CONTACTS;
	fs_changeset_init(&cs);
	cs.changes = ch;
	cs.count = 3;
	hub_metrics_request(m, 1, 200, NULL, 3);
	hub_metrics_request(m, 1, 200, NULL, 7000);
	hub_metrics_request(m, 1, 401, "unauthorized", 1);
	hub_metrics_request(m, 0, 404, "not_found", 0);
	hub_metrics_request(m, 0, 400, "made_up_code", 0);
	hub_metrics_request(m, 1, 0, NULL, 0);
	hub_metrics_merged(m, &cs, &res);
	fs_buf_init(&b, 1u << 20);
	CHECK(hub_metrics_render(m, &b, 4096, "1.2.3") == 0);
	for (i = 0; i < sizeof(want) / sizeof(want[0]); i++)
		if (strstr(b.data, want[i]) == NULL) {
			fprintf(stderr, "missing: %s", want[i]);
			failures++;
		}
	for (line = strtok_r(b.data, "\n", &save); line != NULL; line = strtok_r(NULL, "\n", &save)) {
		char name[128], rest[256];

		lines++;
		if (line[0] == '#') {
			CHECK(strncmp(line, "# HELP fieldsync_hub_", 21) == 0 ||
			      strncmp(line, "# TYPE fieldsync_hub_", 21) == 0);
			continue;
		}
		CHECK(sscanf(line, "%127[a-z_]%255s", name, rest) >= 1);
		CHECK(strncmp(name, "fieldsync_hub_", 14) == 0);
	}
	CHECK(lines > 40);
	fs_buf_free(&b);
	/* Without a store size the family is left out. */
	fs_buf_init(&b, 1u << 20);
	CHECK(hub_metrics_render(m, &b, -1, "1") == 0 && strstr(b.data, "store_size") == NULL);
	fs_buf_free(&b);
	hub_metrics_free(m);
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
	status_codes_are_in_the_reason_list();
	metrics_access_is_loopback_or_the_token();
	metrics_token_file_is_checked();
	metrics_text_parses();
	where_prefers_the_database_and_hides_its_password();
	if (failures != 0) {
		fprintf(stderr, "hub_unit_test: %d check(s) failed\n", failures);
		return 1;
	}
	printf("hub_unit_test: all checks passed\n");
	return 0;
}
