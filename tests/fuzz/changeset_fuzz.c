/* libFuzzer target for change set decoding, the hub's widest door.
 *
 * Every input goes through fs_changeset_unpack (as a gzip body) and
 * fs_changeset_decode (as JSON text). Besides the sanitizers' findings it
 * checks two properties: a refused set is empty and has a message, and an
 * accepted set re-encodes to text that decodes and re-encodes to the very
 * same bytes.
 *
 * Build with clang and -DFIELDSYNC_FUZZ=ON -DFIELDSYNC_SANITIZE=ON (target
 * changeset_fuzz), then from the repository root:
 *   mkdir -p /tmp/corpus && ./changeset_fuzz -max_total_time=60 \
 *     -dict=tests/fuzz/changeset.dict /tmp/corpus tests/cases/changeset
 * New inputs go to the first directory only, so the case files stay as they
 * are. Gzipped copies of the case files make a useful extra seed corpus. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fieldsync/changeset.h"

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
	return 0;
}
