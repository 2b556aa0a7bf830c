/* Tests for core/src/json_scan.c, the bounded pre-scan of change-set JSON:
 * chunks split anywhere give the same result as the whole text; strings,
 * escapes and brackets are told apart; only the elements of the root's
 * "changes" array count against the change cap; and the cost bound stays
 * above what Jansson really allocates (counted with json_set_alloc_funcs,
 * with glibc's malloc overhead) for every shape, so a change of Jansson
 * that breaks the model fails here. */
#include "json_scan.h"

#include <jansson.h>
#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "test.h"

#define NO_CAP ((size_t)-1)

/* ---- helpers ---- */

typedef struct result {
	int rc;
	size_t cost, changes;
	char msg[FS_ERR_MSG_MAX];
} result;

/* Scan text in pieces of the given sizes (the last piece takes the rest;
 * sizes may be NULL for one piece). */
static result scan_pieces(const char *text, size_t len, const size_t *sizes, size_t nsizes,
                          size_t max_changes, size_t max_cost)
{
	fs_json_scan s;
	fs_err err = {0, ""};
	result r;
	size_t off = 0, k = 0;

	fs_json_scan_init(&s, max_changes, max_cost, 100);
	r.rc = 0;
	while (r.rc == 0 && off < len) {
		size_t n = (sizes && k < nsizes) ? sizes[k++] : len - off;

		if (n > len - off)
			n = len - off;
		r.rc = fs_json_scan_feed(&s, text + off, n, &err);
		off += n;
	}
	r.cost = fs_json_scan_cost(&s);
	r.changes = s.changes;
	snprintf(r.msg, sizeof(r.msg), "%s", err.msg);
	return r;
}

static result scan_text(const char *text, size_t max_changes, size_t max_cost)
{
	return scan_pieces(text, strlen(text), NULL, 0, max_changes, max_cost);
}

/* text repeated: pre + n * elem (comma-separated) + post, malloc'd. */
static char *repeat(const char *pre, const char *elem, size_t n, const char *post)
{
	size_t el = strlen(elem), len = strlen(pre) + n * (el + 1) + strlen(post) + 1, i;
	char *out = malloc(len), *p = out;

	if (out == NULL)
		abort();
	p += sprintf(p, "%s", pre);
	for (i = 0; i < n; i++) {
		if (i > 0)
			*p++ = ',';
		memcpy(p, elem, el);
		p += el;
	}
	strcpy(p, post);
	return out;
}

/* ---- Jansson's real allocations ---- */

static size_t live, peak;

static void *counting_malloc(size_t n)
{
	void *p = malloc(n);

	if (p != NULL) {
		live += malloc_usable_size(p) + 8; /* glibc's chunk header */
		if (live > peak)
			peak = live;
	}
	return p;
}

static void counting_free(void *p)
{
	if (p != NULL)
		live -= malloc_usable_size(p) + 8;
	free(p);
}

/* Peak bytes Jansson allocates parsing text as the decoder does. */
static size_t jansson_peak(const char *text, size_t len)
{
	json_error_t je;
	json_t *root;

	live = peak = 0;
	json_set_alloc_funcs(counting_malloc, counting_free);
	root = json_loadb(text, len, JSON_REJECT_DUPLICATES, &je);
	json_decref(root);
	json_set_alloc_funcs(malloc, free);
	return peak;
}

/* ---- tests ---- */

static const char *const samples[] = {
    "{\"format\":\"fieldsync-changeset/1\",\"changes\":[{},{\"a\":[1,2]},\"x\"]}",
    "{\"changes\":[\"]\\\"[\",\"\\\\\",\"{\",\"\\u005d\"],\"k\\\"\":[[]]}",
    "{\"site\":\"changes\",\"changes\":[true,false,null,-1.5e3,0]}",
    "{\"changes\" : [ { \"table\" : \"responses\" , \"v\" : { \"changes\" : [ 1 , 2 ] } } ] }",
    "[[\"changes\"],{\"changes\":[1,2,3]}]",
    "{\"chan\\u0067es\":[1,2,3],\"changesx\":[1],\"change\":[1]}",
    "{\"changes\":[1,2]}]]]{\"changes\":[1,2,3,4]}",
    "{\"a\":\"\\\\\\\"\",\"changes\":[\"\\\\\",1]}",
    "{\"changes\":[[1,2],[3],{\"changes\":[4,5,6]}]}",
};

/* Every split into two pieces, and one byte at a time, gives the same
 * result as the whole text. */
static void scan_split_anywhere_is_the_same(void)
{
	size_t i, cut, ones[4096];

	for (i = 0; i < sizeof(ones) / sizeof(ones[0]); i++)
		ones[i] = 1;
	for (i = 0; i < sizeof(samples) / sizeof(samples[0]); i++) {
		const char *t = samples[i];
		size_t len = strlen(t);
		result whole = scan_text(t, NO_CAP, NO_CAP), part;

		CHECK_MSG(whole.rc == 0, "%s", whole.msg);
		for (cut = 0; cut <= len; cut++) {
			part = scan_pieces(t, len, &cut, 1, NO_CAP, NO_CAP);
			CHECK_MSG(part.rc == 0 && part.cost == whole.cost &&
			              part.changes == whole.changes,
			          "sample %zu cut at %zu: cost %zu/%zu changes %zu/%zu", i, cut,
			          part.cost, whole.cost, part.changes, whole.changes);
		}
		part = scan_pieces(t, len, ones, len, NO_CAP, NO_CAP);
		CHECK(part.cost == whole.cost && part.changes == whole.changes);
	}
}

/* Only the elements of the root's "changes" array count, whatever the
 * strings around it hold. */
static void scan_counts_the_root_changes_only(void)
{
	static const size_t want[] = {3, 4, 5, 1, 0, 0, 2, 2, 3};
	size_t i;

	for (i = 0; i < sizeof(samples) / sizeof(samples[0]); i++) {
		result r = scan_text(samples[i], NO_CAP, NO_CAP);

		CHECK_MSG(r.changes == want[i], "sample %zu: %zu changes, want %zu", i, r.changes,
		          want[i]);
	}
}

static void scan_refuses_past_the_change_cap(void)
{
	char *t = repeat("{\"changes\":[", "{}", 20001, "]}");
	result r = scan_text(t, 20001, NO_CAP);
	size_t upto = strlen("{\"changes\":[") + 20000 * 3 + 1;

	CHECK(r.rc == 0 && r.changes == 20001);
	r = scan_text(t, 20000, NO_CAP);
	CHECK(r.rc == FS_ETOOBIG);
	CHECK_STR(r.msg, "changes: more than the cap of 20000 changes");
	/* Refused where the 20,001st starts, not at the end of the text. */
	r = scan_pieces(t, upto, NULL, 0, 20000, NO_CAP);
	CHECK(r.rc == FS_ETOOBIG);
	r = scan_pieces(t, upto - 1, NULL, 0, 20000, NO_CAP);
	CHECK(r.rc == 0 && r.changes == 20000);
	free(t);
	/* Arrays inside changes, and arrays elsewhere, do not count. */
	t = repeat("{\"x\":[", "0", 50, "],\"changes\":[[0,0,0,0,0,0,0,0]]}");
	r = scan_text(t, 1, NO_CAP);
	CHECK_MSG(r.rc == 0, "%s", r.msg);
	free(t);
}

/* The bound of simple texts is the documented formula. */
static void scan_cost_is_the_model(void)
{
	result r = scan_text("{}", NO_CAP, NO_CAP);

	CHECK(r.cost == FS_JSON_COST_BASE + 2 * FS_JSON_COST_TEXT + FS_JSON_COST_OBJECT);
	r = scan_text("[0,true,\"ab\"]", NO_CAP, NO_CAP);
	CHECK(r.cost == FS_JSON_COST_BASE + 13 * FS_JSON_COST_TEXT + FS_JSON_COST_ARRAY +
	                    3 * FS_JSON_COST_SLOT + FS_JSON_COST_NUMBER + FS_JSON_COST_STRING + 2 +
	                    4 * FS_JSON_COST_TOKEN);
	r = scan_text("{\"key\":{}}", NO_CAP, NO_CAP);
	CHECK(r.cost == FS_JSON_COST_BASE + 10 * FS_JSON_COST_TEXT + 2 * FS_JSON_COST_OBJECT +
	                    FS_JSON_COST_MEMBER + 3 + 3 * FS_JSON_COST_TOKEN);
	/* Each change of the root's array costs the decoder's change too. */
	r = scan_text("{\"changes\":[0]}", NO_CAP, NO_CAP);
	CHECK(r.cost == FS_JSON_COST_BASE + 15 * FS_JSON_COST_TEXT + FS_JSON_COST_OBJECT +
	                    FS_JSON_COST_MEMBER + 7 + FS_JSON_COST_ARRAY + FS_JSON_COST_SLOT +
	                    FS_JSON_COST_NUMBER + 100 + 7 * FS_JSON_COST_TOKEN);
}

static void scan_refuses_past_the_budget(void)
{
	char *t = repeat("{\"changes\":[{\"v\":[", "0", 100000, "]}]}");
	result r = scan_text(t, NO_CAP, NO_CAP);
	size_t need = r.cost;
	char want[200];

	CHECK(need > 100000 * (FS_JSON_COST_SLOT + FS_JSON_COST_NUMBER));
	r = scan_text(t, NO_CAP, need);
	CHECK(r.rc == 0);
	r = scan_text(t, NO_CAP, need - 1);
	CHECK(r.rc == FS_ETOOBIG);
	snprintf(want, sizeof(want),
	         "changeset: decoding would need more than the cap of %zu bytes "
	         "(too many JSON values for its size)",
	         need - 1);
	CHECK_STR(r.msg, want);
	r = scan_text(t, NO_CAP, (size_t)1 << 20);
	CHECK_STR(r.msg, "changeset: decoding would need more than the cap of 1 MiB "
	                 "(too many JSON values for its size)");
	free(t);
}

/* Brackets that do not match end the scan: Jansson stops there too, so
 * nothing after them is counted. */
static void scan_stops_at_mismatched_brackets(void)
{
	result a = scan_text("{\"changes\":[1]}", NO_CAP, NO_CAP);
	result b = scan_text("{\"changes\":[1]}]", NO_CAP, NO_CAP);
	char *t = repeat("{\"changes\":[1]}]{\"changes\":[", "{}", 1000, "]}");
	result c = scan_text(t, 10, NO_CAP);

	CHECK(b.cost == a.cost + FS_JSON_COST_TEXT);
	CHECK(c.rc == 0 && c.changes == 1);
	free(t);
	c = scan_text("{\"changes\":[1}", NO_CAP, NO_CAP);
	CHECK(c.rc == 0 && c.changes == 1);
}

/* Past the tracked depth every value is costed as member and element. */
static void scan_deep_nesting_stays_bounded(void)
{
	size_t d = FS_JSON_SCAN_DEPTH + 100, i;
	char *t = malloc(2 * d + 8);
	result r;

	for (i = 0; i < d; i++)
		t[i] = (i % 2) ? '[' : '{';
	t[d] = '\0';
	r = scan_text(t, NO_CAP, NO_CAP);
	CHECK(r.rc == 0);
	CHECK(r.cost > d * FS_JSON_COST_ARRAY);
	free(t);
}

/* The bound is above what Jansson allocates, for every shape. */
static void scan_bound_holds_for_jansson(void)
{
	static const char *const elems[] = {
	    "{}", "[]", "0", "1.5", "true", "\"\"", "\"abcdefgh\"", "{\"k\":0}", "[0]",
	    "{\"a\":1,\"b\":[2],\"c\":\"x\"}", "[[[[[[[[0]]]]]]]]", "\"\\u00e9\\\"\\\\\"", "-12345678",
	    "{\"table\":\"contacts\",\"id\":\"0190f3a0-1c2b-7d4e-8f00-123456789abc\","
	    "\"hlc\":\"0196b2a1c3d60007\",\"site\":\"kiosk-a1\",\"region\":\"north\","
	    "\"field\":\"channel\",\"value\":\"phone\"}"};
	static const size_t counts[] = {1, 7, 8, 9, 1000, 70000};
	size_t e, k;

	for (e = 0; e < sizeof(elems) / sizeof(elems[0]); e++) {
		for (k = 0; k < sizeof(counts) / sizeof(counts[0]); k++) {
			char *t = repeat("{\"format\":\"x\",\"changes\":[", elems[e], counts[k], "]}");
			size_t len = strlen(t), real = jansson_peak(t, len);
			result r = scan_text(t, NO_CAP, NO_CAP);

			/* The model's text and base terms are for the decoder's own
			 * buffers: compare the tree part only. */
			CHECK_MSG(real <= r.cost - FS_JSON_COST_BASE - FS_JSON_COST_TEXT * len,
			          "%s x %zu: Jansson %zu, bound %zu", elems[e], counts[k], real,
			          r.cost - FS_JSON_COST_BASE - FS_JSON_COST_TEXT * len);
			free(t);
		}
	}
	{
		/* One object with many keys; one long string. */
		size_t n = 50000, i, len;
		char *t = malloc(n * 16 + 16), *p = t, *s;
		result r;

		p += sprintf(p, "{");
		for (i = 0; i < n; i++)
			p += sprintf(p, "%s\"k%zu\":0", i ? "," : "", i);
		sprintf(p, "}");
		len = strlen(t);
		r = scan_text(t, NO_CAP, NO_CAP);
		CHECK(jansson_peak(t, len) <= r.cost - FS_JSON_COST_BASE - FS_JSON_COST_TEXT * len);
		s = malloc(1000010);
		strcpy(s, "[\"");
		memset(s + 2, 'x', 1000000);
		strcpy(s + 1000002, "\"]");
		len = strlen(s);
		r = scan_text(s, NO_CAP, NO_CAP);
		CHECK(jansson_peak(s, len) <= r.cost - FS_JSON_COST_BASE - FS_JSON_COST_TEXT * len);
		free(s);
		free(t);
	}
}

int main(void)
{
	RUN(scan_split_anywhere_is_the_same);
	RUN(scan_counts_the_root_changes_only);
	RUN(scan_refuses_past_the_change_cap);
	RUN(scan_cost_is_the_model);
	RUN(scan_refuses_past_the_budget);
	RUN(scan_stops_at_mismatched_brackets);
	RUN(scan_deep_nesting_stays_bounded);
	RUN(scan_bound_holds_for_jansson);
	return TEST_DONE();
}
