/* libFuzzer target for change set decoding, the hub's widest door.
 *
 * Every input goes through fs_changeset_unpack (as a gzip body) and
 * fs_changeset_decode (as JSON text). Besides the sanitizers' findings it
 * checks these properties: a refused set is empty and has a message; an
 * accepted set re-encodes to text that decodes and re-encodes to the very
 * same bytes; the pre-scan (core/src/json_scan.c) gives the same result
 * when the text is split in two anywhere; and its bound is above what
 * Jansson really allocates for the text.
 *
 * Build with clang and -DFIELDSYNC_FUZZ=ON -DFIELDSYNC_SANITIZE=ON (target
 * changeset_fuzz), then from the repository root:
 *   mkdir -p /tmp/corpus && ./changeset_fuzz -max_total_time=60 \
 *     -dict=tests/fuzz/changeset.dict /tmp/corpus tests/cases/changeset
 * New inputs go to the first directory only, so the case files stay as they
 * are. Gzipped copies of the case files make a useful extra seed corpus. */
#include <jansson.h>
#include <malloc.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fieldsync/changeset.h"
#include "json_scan.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void fail(const char *what, const char *msg)
{
	fprintf(stderr, "changeset_fuzz: %s: %s\n", what, msg);
	abort();
}

static void check_refused(int rc, const fs_changeset *cs, const fs_err *err)
{
	if (rc >= 0 || err->code != rc || err->msg[0] == '\0')
		fail("refused without a matching message", err->msg);
	if (cs->count != 0 || cs->changes != NULL)
		fail("refused set is not empty", err->msg);
}

/* encode(cs) must decode, and encode again to the same bytes. */
static void check_round_trip(const fs_changeset *cs)
{
	fs_changeset again;
	fs_buf one, two;
	fs_err err = {0};

	fs_buf_init(&one, SIZE_MAX / 2);
	fs_buf_init(&two, SIZE_MAX / 2);
	if (fs_changeset_encode(&one, cs, &err) != 0)
		fail("cannot encode an accepted set", err.msg);
	/* Default limits: re-encoding may lengthen the text (1e2 is 100.0). */
	if (fs_changeset_decode(&again, one.data, one.len, NULL, &err) != 0)
		fail("own encoding refused", err.msg);
	if (again.count != cs->count)
		fail("change count differs", "");
	if (fs_changeset_encode(&two, &again, &err) != 0)
		fail("cannot encode again", err.msg);
	if (one.len != two.len || memcmp(one.data, two.data, one.len) != 0)
		fail("encoding is not stable", "");
	fs_changeset_free(&again);
	fs_buf_free(&one);
	fs_buf_free(&two);
}

static size_t live, peak;

static void *counting_malloc(size_t n)
{
	void *p = malloc(n);

	if (p != NULL) {
		live += malloc_usable_size(p);
		if (live > peak)
			peak = live;
	}
	return p;
}

static void counting_free(void *p)
{
	if (p != NULL)
		live -= malloc_usable_size(p);
	free(p);
}

/* Split anywhere, same scan; and the bound holds for Jansson's tree. */
static void check_scan(const uint8_t *data, size_t size)
{
	const char *text = (const char *)data;
	size_t cut = size ? data[0] % (size + 1) : 0;
	fs_json_scan whole, split;
	fs_err err = {0};
	json_error_t je;
	json_t *root;
	int a, b;

	fs_json_scan_init(&whole, (size_t)-1, (size_t)-1, sizeof(fs_change));
	fs_json_scan_init(&split, (size_t)-1, (size_t)-1, sizeof(fs_change));
	a = fs_json_scan_feed(&whole, text, size, &err);
	b = fs_json_scan_feed(&split, text, cut, &err);
	if (b == 0)
		b = fs_json_scan_feed(&split, text + cut, size - cut, &err);
	if (a != 0 || b != 0 || fs_json_scan_cost(&whole) != fs_json_scan_cost(&split) ||
	    whole.changes != split.changes)
		fail("scan differs when split", err.msg);
	live = peak = 0;
	json_set_alloc_funcs(counting_malloc, counting_free);
	root = json_loadb(text, size, JSON_REJECT_DUPLICATES, &je);
	json_decref(root);
	json_set_alloc_funcs(malloc, free);
	if (peak > fs_json_scan_cost(&whole) - FS_JSON_COST_TEXT * size)
		fail("Jansson allocated more than the scan's bound", "");
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	fs_codec_limits limits;
	fs_changeset cs;
	fs_err err = {0};
	int rc;

	fs_codec_limits_default(&limits);
	limits.max_inflated = (size_t)4 << 20; /* keep each run quick */
	limits.max_changes = 1000;

	rc = fs_changeset_unpack(&cs, data, size, &limits, &err);
	if (rc != 0)
		check_refused(rc, &cs, &err);
	else
		check_round_trip(&cs);
	fs_changeset_free(&cs);

	fs_err_clear(&err);
	rc = fs_changeset_decode(&cs, (const char *)data, size, &limits, &err);
	if (rc != 0)
		check_refused(rc, &cs, &err);
	else
		check_round_trip(&cs);
	fs_changeset_free(&cs);

	check_scan(data, size);
	return 0;
}
