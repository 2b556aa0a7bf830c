/* Helpers shared by the engine tests: temporary stores and a settable
 * wall clock. */
#ifndef FS_TESTUTIL_H
#define FS_TESTUTIL_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fieldsync/backend.h"
#include "fieldsync/store.h"

typedef struct test_clock {
	uint64_t ms;
} test_clock;

static inline uint64_t test_clock_read(void *ctx)
{
	return ((test_clock *)ctx)->ms;
}

/* A fresh temporary directory (removed with test_rmdir). */
static inline void test_tmpdir(char out[64])
{
	const char *base = access("/dev/shm", W_OK) == 0 ? "/dev/shm" : "/tmp";

	snprintf(out, 64, "%s/fstest-XXXXXX", base);
	if (mkdtemp(out) == NULL) {
		perror("mkdtemp");
		exit(2);
	}
}

static inline void test_rmdir(const char *dir)
{
	char cmd[128];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	if (system(cmd) != 0)
		fprintf(stderr, "warning: could not remove %s\n", dir);
}

/* Open dir/site.db with that identity and the given clock (may be NULL).
 * A store without a region is a hub's: opened with the device registry. */
static inline fs_store *test_store(const char *dir, const char *site, const char *region,
				   test_clock *clk)
{
	fs_store_options opts = {NULL, NULL, region == NULL, 0};
	char path[256];
	fs_store *s = NULL;
	fs_err e = {0, ""};

	snprintf(path, sizeof(path), "%s/%s.db", dir, site);
	if (fs_store_open_with(&s, path, &opts, &e) != 0 ||
	    (site && fs_store_set_identity(s, site, region, &e) != 0)) {
		fprintf(stderr, "test_store %s: %s\n", path, e.msg);
		exit(2);
	}
	if (clk)
		fs_store_set_wallclock(s, test_clock_read, clk);
	return s;
}

#endif

#include "fieldsync/sync.h"

/* Carry a change set over the "wire" (gzip JSON) as a peer would. */
static inline int test_transfer(fs_changeset *out, const fs_changeset *in, fs_err *e)
{
	fs_codec_limits lim;
	fs_buf gz;
	int rc;

	fs_codec_limits_default(&lim);
	fs_buf_init(&gz, 64u << 20);
	rc = fs_changeset_pack(&gz, in, e);
	if (rc == 0)
		rc = fs_changeset_unpack(out, gz.data, gz.len, &lim, e);
	else
		fs_changeset_init(out);
	fs_buf_free(&gz);
	return rc;
}

/* Reliable sync rounds of a kiosk with the hub until nothing is left:
 * the kiosk's round (fs_sync_round) over the in-process transport, in
 * batches of 50 changes or 64 KiB each way. */
static inline int test_sync(fs_store *kiosk, fs_store *hub, fs_err *e)
{
	fs_sync_local t;
	fs_sync_limits lim;
	fs_sync_result res;
	int more = 1, rc = 0;

	fs_sync_local_init(&t, &lim, hub, fs_store_site(kiosk), fs_store_region(kiosk), 50,
			   64 << 10);
	while (more && rc == 0) {
		rc = fs_sync_round(kiosk, fs_store_site(hub), fs_sync_local_send, &t, &lim, &res, e);
		more = res.more;
	}
	fs_sync_local_free(&t);
	return rc;
}

static const char *const test_questionnaire =
	"{\"format\": \"fieldsync-questionnaire/1\", \"id\": \"visit\", \"version\": 1,"
	" \"languages\": [\"en\"], \"title\": {\"en\": \"Your visit\"},"
	" \"questions\": ["
	"  {\"id\": \"consent\", \"type\": \"consent\", \"required\": true,"
	"   \"label\": {\"en\": \"Do you agree?\"}},"
	"  {\"id\": \"overall\", \"type\": \"scale\", \"min\": 1, \"max\": 5, \"required\": true,"
	"   \"label\": {\"en\": \"How was it?\"}},"
	"  {\"id\": \"comment\", \"type\": \"text\", \"label\": {\"en\": \"Anything else?\"}}]}";

/* A response body for test_questionnaire, made in the first minute of the
 * tests' usual clock (1795770000000 ms, 2026-11-27T09:00:00Z). */
static inline json_t *test_response(int overall, const char *comment)
{
	json_t *b = json_pack("{s:s, s:i, s:s, s:s, s:s, s:s, s:{s:b, s:i}}", "questionnaire",
			      "visit", "version", 1, "language", "en", "mode", "self",
			      "started_at", "2026-11-27T09:00:00Z", "submitted_at",
			      "2026-11-27T09:01:00Z", "answers", "consent", 1, "overall", overall);

	if (comment)
		json_object_set_new(json_object_get(b, "answers"), "comment", json_string(comment));
	return b;
}

static inline int test_publish(fs_store *hub, fs_err *e)
{
	json_t *doc = json_loads(test_questionnaire, 0, NULL);
	int rc = fs_questionnaire_publish(hub, doc, e);

	json_decref(doc);
	return rc;
}

static inline uint64_t test_digest(fs_store *s, const char *region)
{
	fs_digest_scope scope = {NULL, region, 0, 1, 1};
	uint64_t d = 0;

	if (fs_store_digest(s, &scope, &d, NULL) != 0)
		return 0;
	return d;
}
