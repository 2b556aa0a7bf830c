/* Shared results, the replicated table (shared_results.h), in process: a
 * hub (SQLite, or PostgreSQL when a URI is given) and SQLite kiosks of two
 * regions over the in-process transport. The shape a results text must
 * have (counts multiples of 5, nothing but the released keys: no free
 * text), the hub's writes reaching the row's region's kiosks only, the
 * tombstone of unsharing removing the figures from them, a kiosk's store
 * refusing to write, a kiosk sending a row (refused, 403), and the wire
 * form round-tripping (the decoder refusing a bad text).
 *
 * usage: shared_results_test DIR [POSTGRESQL-URI] */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fieldsync/merge.h"
#include "fieldsync/shared_results.h"
#include "test.h"
#include "test_stores.h"

static const char *dir;
static const char *pg_uri; /* NULL: the hub is SQLite */
static int nstore;

typedef struct net {
	test_clock clk;
	fs_store *hub, *a, *c; /* a: north; c: south */
} net;

static void net_open(net *n)
{
	char name[32];

	n->clk.ms = 1795770000000ull;
	nstore++;
	snprintf(name, sizeof(name), "shub%d", nstore);
	n->hub = test_store_named(pg_uri, dir, name, "hub", NULL, &n->clk);
	snprintf(name, sizeof(name), "sa%d", nstore);
	n->a = test_store(dir, name, "north", &n->clk);
	snprintf(name, sizeof(name), "sc%d", nstore);
	n->c = test_store(dir, name, "south", &n->clk);
}

static void net_close(net *n)
{
	fs_store_close(n->hub);
	fs_store_close(n->a);
	fs_store_close(n->c);
}

#define GOOD                                                                                   \
	"{\"released\":\"2026-12-02\",\"k\":10,\"total\":55,\"questions\":["                      \
	"{\"id\":\"visit\",\"type\":\"single_choice\",\"answered\":55,\"options\":["             \
	"{\"value\":\"good\",\"count\":30},{\"value\":\"bad\",\"count\":null}]},"                \
	"{\"id\":\"score\",\"type\":\"scale\",\"answered\":50,\"mean\":6.2},"                     \
	"{\"id\":\"age\",\"type\":\"number\",\"answered\":null,\"mean\":null}]}"

/* The text held at s for (north or south), "" when none. */
static const char *held(fs_store *s, const char *region)
{
	static char out[FS_SHARED_RESULTS_MAX + 1];
	fs_err e = {0, ""};
	char *t = NULL;

	out[0] = '\0';
	if (fs_shared_results_get(s, "survey", region, &t, &e) == 0)
		snprintf(out, sizeof(out), "%s", t);
	free(t);
	return out;
}

static void shape(void)
{
	static const char *const bad[] = {
	    /* a count not rounded to 5 */
	    "{\"released\":\"2026-12-02\",\"k\":10,\"total\":57,\"questions\":[]}",
	    /* k below 5 */
	    "{\"released\":\"2026-12-02\",\"k\":3,\"total\":55,\"questions\":[]}",
	    /* a free-text answer cannot be carried: no such key, no such type */
	    "{\"released\":\"2026-12-02\",\"k\":10,\"total\":55,\"questions\":[{\"id\":\"why\","
	    "\"type\":\"text\",\"answered\":10,\"texts\":[\"closed early\"]}]}",
	    "{\"released\":\"2026-12-02\",\"k\":10,\"total\":55,\"questions\":[{\"id\":\"why\","
	    "\"type\":\"text\",\"answered\":10}]}",
	    "{\"released\":\"2026-12-02\",\"k\":10,\"total\":55,\"questions\":[],\"note\":\"x\"}",
	    /* an option count of 3 */
	    "{\"released\":\"2026-12-02\",\"k\":10,\"total\":55,\"questions\":[{\"id\":\"visit\","
	    "\"type\":\"single_choice\",\"answered\":55,\"options\":[{\"value\":\"good\","
	    "\"count\":3}]}]}",
	    /* a mean on a choice question, options on a scale */
	    "{\"released\":\"2026-12-02\",\"k\":10,\"total\":55,\"questions\":[{\"id\":\"visit\","
	    "\"type\":\"single_choice\",\"answered\":55,\"options\":[],\"mean\":2}]}",
	    "{\"released\":\"2026-12-02\",\"k\":10,\"total\":55,\"questions\":[{\"id\":\"s\","
	    "\"type\":\"scale\",\"answered\":55,\"options\":[],\"mean\":2}]}",
	    "{\"released\":\"2026-13-02\",\"k\":10,\"total\":55,\"questions\":[]}",
	    "{\"released\":\"2026-12-02\",\"k\":10,\"total\":55,\"total\":60,\"questions\":[]}",
	    "[]",
	    "not json",
	};
	char *big;
	size_t i;

	CHECK(fs_shared_results_valid(GOOD));
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		CHECK_MSG(!fs_shared_results_valid(bad[i]), "case %zu", i);
	CHECK(!fs_shared_results_valid(NULL));
	/* bounded */
	big = malloc(FS_SHARED_RESULTS_MAX + 64);
	snprintf(big, FS_SHARED_RESULTS_MAX + 64,
	         "{\"released\":\"2026-12-02\",\"k\":10,\"total\":55,\"questions\":[]%*s}",
	         FS_SHARED_RESULTS_MAX, "");
	CHECK(!fs_shared_results_valid(big));
	free(big);
}

/* Released for north: north's kiosk gets it, south's does not; unsharing
 * (a tombstone) removes it from north's kiosk at its next sync. */
static void reaches_its_region_only_and_unsharing_removes(void)
{
	net n;
	fs_err e = {0, ""};
	char v[64];
	int changed = 0, removed = 0;

	net_open(&n);
	CHECK(fs_shared_results_put(n.hub, "survey", "north", GOOD, "shared_n:survey:north", "57",
	                            &changed, &e) == 0 &&
	      changed == 1);
	CHECK(fs_store_ops(n.hub)->meta_get(fs_store_backend(n.hub), "shared_n:survey:north", v,
	                                    sizeof(v), &e) == 0);
	CHECK_STR(v, "57");
	/* the same text again writes nothing */
	CHECK(fs_shared_results_put(n.hub, "survey", "north", GOOD, NULL, NULL, &changed, &e) == 0 &&
	      changed == 0);
	CHECK(test_sync(n.a, n.hub, &e) == 0);
	CHECK(test_sync(n.c, n.hub, &e) == 0);
	CHECK_STR(held(n.a, "north"), GOOD);
	CHECK_STR(held(n.c, "north"), "");
	CHECK_STR(held(n.c, "south"), "");

	CHECK(fs_shared_results_remove(n.hub, "survey", "shared_k:survey", "0", &removed, &e) == 0);
	CHECK(removed == 1);
	CHECK_STR(held(n.hub, "north"), "");
	CHECK(test_sync(n.a, n.hub, &e) == 0);
	CHECK_STR(held(n.a, "north"), "");
	/* removing again writes nothing */
	CHECK(fs_shared_results_remove(n.hub, "survey", NULL, NULL, &removed, &e) == 0 &&
	      removed == 0);
	/* and it can be released again */
	CHECK(fs_shared_results_put(n.hub, "survey", "north", GOOD, NULL, NULL, &changed, &e) == 0 &&
	      changed == 1);
	CHECK(test_sync(n.a, n.hub, &e) == 0);
	CHECK_STR(held(n.a, "north"), GOOD);
	net_close(&n);
}

static void refusals(void)
{
	net n;
	fs_changeset cs, rx;
	fs_change c;
	fs_err e = {0, ""};

	net_open(&n);
	CHECK(fs_shared_results_put(n.a, "survey", "north", GOOD, NULL, NULL, NULL, &e) == FS_EINVAL);
	CHECK(strstr(e.msg, "at the hub") != NULL);
	memset(&e, 0, sizeof(e));
	CHECK(fs_shared_results_put(n.hub, "survey", "north", "{}", NULL, NULL, NULL, &e) ==
	      FS_EINVAL);
	memset(&e, 0, sizeof(e));
	CHECK(fs_shared_results_put(n.hub, "Survey", "north", GOOD, NULL, NULL, NULL, &e) ==
	      FS_EINVAL);
	memset(&e, 0, sizeof(e));
	CHECK(fs_shared_results_put(n.hub, "survey", NULL, GOOD, NULL, NULL, NULL, &e) == FS_EINVAL);

	/* A kiosk sending a row: 403. */
	fs_changeset_init(&cs);
	snprintf(cs.site, sizeof(cs.site), "%s", fs_store_site(n.a));
	memset(&c, 0, sizeof(c));
	c.table = FS_TABLE_SHARED_RESULTS;
	snprintf(c.id, sizeof(c.id), "survey");
	snprintf(c.region, sizeof(c.region), "north");
	snprintf(c.site, sizeof(c.site), "%s", fs_store_site(n.a));
	c.hlc = fs_hlc_make(n.clk.ms, 0);
	c.value = json_pack("{s:s}", "results", GOOD);
	CHECK(fs_changeset_add(&cs, &c, &e) == 0);
	CHECK(test_transfer(&rx, &cs, &e) == 0 && rx.count == 1);
	memset(&e, 0, sizeof(e));
	CHECK(fs_sync_hub_receive(n.hub, &rx, fs_store_site(n.a), "north", NULL, &e) ==
	      FS_EFORBIDDEN);
	CHECK_STR(held(n.hub, "north"), "");
	fs_changeset_free(&rx);
	fs_changeset_free(&cs);
	net_close(&n);
}

/* The wire form: decodes only with a valid text (or a tombstone), and
 * round-trips byte for byte. */
static void wire(void)
{
	static const char *const bad[] = {
	    "{\"table\":\"shared_results\",\"id\":\"survey\",\"hlc\":\"0000000000010000\","
	    "\"site\":\"hub\",\"region\":\"north\",\"shared\":{\"results\":\"{}\"}}",
	    "{\"table\":\"shared_results\",\"id\":\"survey\",\"hlc\":\"0000000000010000\","
	    "\"site\":\"hub\",\"shared\":{\"results\":\"x\"}}",
	    "{\"table\":\"shared_results\",\"id\":\"survey\",\"hlc\":\"0000000000010000\","
	    "\"site\":\"hub\",\"region\":\"north\"}",
	    "{\"table\":\"shared_results\",\"id\":\"survey\",\"hlc\":\"0000000000010000\","
	    "\"site\":\"hub\",\"region\":\"north\",\"shared\":{\"results\":\"x\",\"texts\":\"y\"}}",
	};
	char text[4096], *quoted;
	json_t *s;
	fs_changeset cs;
	fs_err e = {0, ""};
	fs_codec_limits lim;
	fs_buf out;
	size_t i;

	fs_codec_limits_default(&lim);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		snprintf(text, sizeof(text),
		         "{\"format\":\"fieldsync-changeset/1\",\"site\":\"hub\",\"from\":0,\"to\":1,"
		         "\"more\":false,\"time\":0,\"changes\":[%s]}",
		         bad[i]);
		CHECK_MSG(fs_changeset_decode(&cs, text, strlen(text), &lim, &e) == FS_EINVAL,
		          "case %zu", i);
	}
	s = json_string(GOOD);
	quoted = json_dumps(s, JSON_ENCODE_ANY);
	json_decref(s);
	snprintf(text, sizeof(text),
	         "{\"format\":\"fieldsync-changeset/1\",\"site\":\"hub\",\"from\":0,\"to\":2,"
	         "\"more\":false,\"time\":0,\"changes\":[{\"table\":\"shared_results\","
	         "\"id\":\"survey\",\"hlc\":\"0000000000010000\",\"site\":\"hub\","
	         "\"region\":\"north\",\"shared\":{\"results\":%s}},{\"table\":\"shared_results\","
	         "\"id\":\"survey\",\"hlc\":\"0000000000010001\",\"site\":\"hub\","
	         "\"region\":\"south\",\"deleted\":true}]}",
	         quoted);
	free(quoted);
	memset(&e, 0, sizeof(e));
	CHECK_MSG(fs_changeset_decode(&cs, text, strlen(text), &lim, &e) == 0 && cs.count == 2,
	          "%s", e.msg);
	CHECK(cs.changes[0].table == FS_TABLE_SHARED_RESULTS && !cs.changes[0].deleted);
	CHECK(cs.changes[1].deleted);
	CHECK_STR(cs.changes[0].region, "north");
	fs_buf_init(&out, 1 << 20);
	CHECK(fs_changeset_encode(&out, &cs, &e) == 0);
	CHECK(out.len == strlen(text) && memcmp(out.data, text, out.len) == 0);
	fs_buf_free(&out);
	fs_changeset_free(&cs);
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		fprintf(stderr, "usage: shared_results_test DIR [POSTGRESQL-URI]\n");
		return 2;
	}
	dir = argv[1];
	pg_uri = argc > 2 ? argv[2] : NULL;
	RUN(shape);
	RUN(reaches_its_region_only_and_unsharing_removes);
	RUN(refusals);
	RUN(wire);
	return TEST_DONE();
}
