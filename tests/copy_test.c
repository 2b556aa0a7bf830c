/* fs_store_copy and fs_store_census (copy.h): a hub store with every table
 * populated (tombstones, conflicts, quarantine, claims, field versions,
 * peers, the registry) copied SQLite to SQLite and, given a PostgreSQL
 * URI, SQLite to PostgreSQL:
 *   copy_test DIR [URI]
 * A target that is not empty is refused untouched; a copy that fails
 * midway (progress aborting, a failing or a silently dropping target
 * operation) leaves the target empty, and copying again then succeeds. */
#include <libpq-fe.h>
#include <stdint.h>
#include <time.h>
#include <unistd.h>

#include "fieldsync/copy.h"
#include "fieldsync/pg.h"
#include "fieldsync/tables.h"
#include "test.h"

static const char *dir;    /* SQLite stores */
static const char *pg_uri; /* NULL: SQLite only */
static char pg_db[400];    /* the database of this run's PostgreSQL stores */
static int store_count;

static int pg_sql(const char *uri, const char *sql)
{
	PGconn *c = PQconnectdb(uri);
	PGresult *r = PQexec(c, sql);
	int ok = PQresultStatus(r) == PGRES_COMMAND_OK;

	if (!ok)
		fprintf(stderr, "%s: %s", sql, PQerrorMessage(c));
	PQclear(r);
	PQfinish(c);
	return ok ? 0 : -1;
}

/* A new location: a file in dir, or a schema of pg_db. */
static void new_location(char *out, size_t len, int pg)
{
	char sql[128], schema[32];

	store_count++;
	if (!pg) {
		snprintf(out, len, "%s/store-%d.db", dir, store_count);
		return;
	}
	if (pg_db[0] == '\0') {
		const char *slash = strrchr(pg_uri, '/');
		char db[32];

		snprintf(db, sizeof(db), "fscopy_%d", (int)getpid());
		snprintf(sql, sizeof(sql), "CREATE DATABASE %s ENCODING 'UTF8' TEMPLATE template0",
		         db);
		if (slash == NULL || pg_sql(pg_uri, sql) != 0)
			abort();
		snprintf(pg_db, sizeof(pg_db), "%.*s/%s", (int)(slash - pg_uri), pg_uri, db);
	}
	snprintf(schema, sizeof(schema), "s%d", store_count);
	snprintf(sql, sizeof(sql), "CREATE SCHEMA %s", schema);
	if (pg_sql(pg_db, sql) != 0)
		abort();
	snprintf(out, len, "%s?options=-csearch_path%%3D%s", pg_db, schema);
}

static fs_store *open_store(const char *loc, int pg, const fs_backend_ops *ops)
{
	fs_store_options o = {NULL, NULL, 1, 0};
	fs_store *s = NULL;
	fs_err e = {0, ""};

	o.backend = ops ? ops : pg ? &fs_pg_backend : &fs_sqlite_backend;
	o.registry = pg ? &fs_pg_registry : &fs_sqlite_registry;
	if (fs_store_open_with(&s, loc, &o, &e) != 0) {
		fprintf(stderr, "open %s: %s\n", loc, e.msg);
		return NULL;
	}
	return s;
}

static fs_store *new_store(int pg, char *loc, size_t len, const fs_backend_ops *ops)
{
	new_location(loc, len, pg);
	return open_store(loc, pg, ops);
}

/* ---- the source: every table, written verbatim through the backend ---- */

#ifndef RESPONSES
#define RESPONSES 2500 /* more than two progress batches */
#endif

static int populate(fs_store *s, fs_err *e)
{
	const fs_backend_ops *o = fs_store_ops(s);
	const fs_registry_ops *reg = fs_store_registry(s);
	fs_backend *b = fs_store_backend(s);
	fs_questionnaire_row q1 = {"q1", 1, "{\"id\":\"q1\"}", 0, 10, "hub", 1};
	fs_questionnaire_row q2 = {"q2", 1, NULL, 1, 11, "hub", 2};
	fs_field_row f1 = {"c1", NULL, "name", "\"Ann\"", 20, "k-1", 15, "hub", 3};
	fs_field_row f2 = {"c1", NULL, "phone", "\"0161\"", 21, "k-2", 0, NULL, 4};
	fs_conflict_row c = {
	    "c1/name/19/k-2", "contacts", "c1",  "north", "name", "\"Ann\"", 20, "k-1",
	    "\"Anne\"",       19,         "k-2", 22,      "hub",  5};
	fs_quarantine_row qr = {30, "k-2", "responses", "r-x", "answers invalid", "{\"a\":1}"};
	fs_device_row d = {"k-1", "library", "north", NULL, 1000, 0, NULL, 0};
	unsigned char h1[FS_REGISTRY_HASH_LEN], h2[FS_REGISTRY_HASH_LEN];
	char id[40], seq[24];
	int i, ins, rc = fs_store_set_identity(s, "hub", NULL, e);

	memset(h1, 0x11, sizeof(h1));
	memset(h2, 0x00, sizeof(h2));
	if (rc == 0)
		rc = o->begin(b, FS_TXN_WRITE, e);
	if (rc == 0)
		rc = o->questionnaire_insert(b, &q1, &ins, e);
	if (rc == 0)
		rc = o->questionnaire_insert(b, &q2, &ins, e);
	if (rc == 0)
		rc = o->contact_insert(b, "c1", "north", e);
	if (rc == 0)
		rc = o->contact_insert(b, "c2", "south", e); /* a contact without fields */
	if (rc == 0)
		rc = o->field_put(b, &f1, e);
	if (rc == 0)
		rc = o->field_put(b, &f2, e);
	if (rc == 0)
		rc = o->conflict_insert(b, &c, 0, &ins, e);
	for (i = 0; rc == 0 && i < RESPONSES; i++) {
		fs_response_row r = {id,
		                     0,
		                     "q1",
		                     1,
		                     "2026-01-01T10:00:00Z",
		                     "2026-01-01T10:05:00Z",
		                     "en",
		                     "assisted",
		                     "w1",
		                     "{\"a\":1}",
		                     (fs_hlc)(100 + i),
		                     "k-1",
		                     10 + i};

		snprintf(id, sizeof(id), "0190a000-0000-7000-8000-%012d", i);
		if (i % 7 == 0)
			r.worker = NULL;
		if (i % 10 == 5) /* one with a receipt: its hash copied too */
			r.receipt = "f114349ad47745d44a13f9dca87c73bef16fb4f295022c991534e7415731dc1c";
		if (i % 10 == 3) { /* a tombstone */
			r.deleted = 1;
			r.questionnaire = r.started_at = r.submitted_at = r.language = r.mode =
			    r.worker = r.answers = NULL;
		}
		rc = o->response_insert(b, &r, &ins, e);
	}
	if (rc == 0)
		rc = o->quarantine_insert(b, &qr, e);
	if (rc == 0)
		rc = o->quarantine_put(b, 9, &qr, e);
	if (rc == 0)
		rc = o->claim_add(b, "0190a000-0000-7000-8000-999999999999", "k-1", 40, e);
	if (rc == 0)
		rc = o->claim_add(b, "0190a000-0000-7000-8000-999999999999", "k-2", 41, e);
	if (rc == 0)
		rc = o->field_version_add(b, "0190a000-0000-7000-8000-000000000001", -42, e);
	if (rc == 0)
		rc = o->field_version_add(b, "", 4242, e);
	if (rc == 0)
		rc = o->peer_set_push(b, "k-1", 900, e);
	if (rc == 0)
		rc = o->peer_set_pull(b, "k-1", 77, e);
	if (rc == 0)
		rc = o->peer_set_pull(b, "k-2", 5, e);
	snprintf(seq, sizeof(seq), "%d", 10 + RESPONSES + 100);
	if (rc == 0)
		rc = o->meta_put(b, "seq", seq, e);
	if (rc == 0)
		rc = o->meta_put(b, "hlc", "987654321", e);
	if (rc == 0)
		rc = o->meta_put(b, "clock_offset_ms", "-1500", e);
	d.token_hash = h1;
	if (rc == 0)
		rc = reg->device_insert(b, &d, e);
	d.site = "k-2";
	d.token_hash = h2;
	d.revoked = 1;
	d.last_sync_ms = 5000;
	d.last_error = "push refused";
	if (rc == 0)
		rc = reg->device_insert(b, &d, e);
	if (rc == 0)
		rc = reg->code_insert(b, h1, "north", 100, 200, e);
	if (rc == 0)
		rc = reg->code_insert(b, h2, "south", 100, 300, e);
	if (rc == 0)
		rc = reg->code_use(b, h1, "k-1", &ins, e);
	for (i = 0; rc == 0 && i < 3; i++)
		rc = reg->failure_add(b, 7000 + (uint64_t)(i / 2), e);
	/* A withdrawal and the note of its erased response (receipt.h). */
	if (rc == 0) {
		const char *hash = "0000000000000000000000000000000000000000000000000000000000000007";
		fs_record_row w = {{{hash, 0}}, 0, 33, "k-2", 10 + RESPONSES + 50};

		rc = o->record_put(b, fs_table_desc_of(FS_TABLE_WITHDRAWALS), &w, &ins, e);
		if (rc == 0)
			rc = reg->receipt_note(b, hash, "q1", "2026-01-01", "north", e);
	}
	if (rc == 0)
		return o->commit(b, e);
	o->rollback(b);
	return rc;
}

static int census_empty(fs_store *s)
{
	fs_census c;
	fs_err e = {0, ""};
	int i;

	if (fs_store_census(s, &c, &e) != 0 || c.rows[FS_CENSUS_META] != 1 || c.seq != 0)
		return 0;
	for (i = FS_CENSUS_META + 1; i < FS_CENSUS_COUNT; i++)
		if (c.rows[i] != 0)
			return 0;
	return 1;
}

/* ---- progress ---- */

typedef struct progress {
	int calls;
	int64_t last_rows[FS_CENSUS_COUNT];
	int abort_at; /* a table: fail with FS_EIO when it reports */
} progress;

static int on_progress(void *ctx, fs_census_table t, int64_t rows)
{
	progress *p = ctx;

	p->calls++;
	p->last_rows[t] = rows;
	if (p->abort_at >= 0 && (int)t == p->abort_at)
		return FS_EIO;
	return 0;
}

/* ---- targets whose operations fail or drop rows ---- */

static fs_backend_ops failing_ops, dropping_ops;
static int claims_written;

static int claim_add_fails(fs_backend *b, const char *id, const char *site, fs_hlc hlc, fs_err *err)
{
	(void)b;
	(void)id;
	(void)site;
	(void)hlc;
	return fs_err_set(err, FS_EGENERIC, "store: write tombstone claim: disk full (injected)");
}

/* Says it wrote the claim, writes nothing after the first. */
static int claim_add_drops(fs_backend *b, const char *id, const char *site, fs_hlc hlc, fs_err *err)
{
	if (claims_written++ > 0)
		return 0;
	return fs_sqlite_backend.claim_add(b, id, site, hlc, err);
}

/* ---- the tests ---- */

static void copy_is_whole(int pg)
{
	char sloc[512], tloc[512];
	fs_store *src = new_store(0, sloc, sizeof(sloc), NULL);
	fs_store *dst = new_store(pg, tloc, sizeof(tloc), NULL), *again = NULL;
	fs_copy_result res;
	fs_census a, b;
	progress p = {0, {0}, -1};
	fs_err e = {0, ""};
	int64_t s1 = 0, s2 = 0, push = 0, pull = 0;
	fs_hlc h1 = 0, h2 = 0;
	struct timespec t0, t1;
	int i;

	CHECK(src != NULL && dst != NULL);
	CHECK_MSG(populate(src, &e) == 0, "%s", e.msg);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	CHECK_MSG(fs_store_copy(src, dst, on_progress, &p, &res, &e) == 0, "%s", e.msg);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	printf("     copy to %s: %d responses and the rest in %.2f s (verified)\n",
	       pg ? "PostgreSQL" : "SQLite", RESPONSES,
	       (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9);
	CHECK(res.census.rows[FS_CENSUS_RESPONSES] == RESPONSES);
	CHECK(p.last_rows[FS_CENSUS_RESPONSES] == RESPONSES && p.calls > 13);
	CHECK(res.census.rows[FS_CENSUS_QUESTIONNAIRES] == 2 &&
	      res.census.rows[FS_CENSUS_CONTACTS] == 2 &&
	      res.census.rows[FS_CENSUS_CONTACT_FIELDS] == 2 &&
	      res.census.rows[FS_CENSUS_CONFLICTS] == 1 &&
	      res.census.rows[FS_CENSUS_QUARANTINE] == 2 &&
	      res.census.rows[FS_CENSUS_CLAIMS] == 2 &&
	      res.census.rows[FS_CENSUS_FIELD_VERSIONS] == 2 &&
	      res.census.rows[FS_CENSUS_PEERS] == 2 && res.census.rows[FS_CENSUS_DEVICES] == 2 &&
	      res.census.rows[FS_CENSUS_CODES] == 2 && res.census.rows[FS_CENSUS_FAILURES] == 3 &&
	      res.census.rows[FS_CENSUS_WITHDRAWALS] == 1 &&
	      res.census.rows[FS_CENSUS_RECEIPT_NOTES] == 1);
	/* Counter, clock and identity as the source's: kiosks' cursors hold. */
	CHECK(fs_store_seq(src, &s1, &e) == 0 && fs_store_seq(dst, &s2, &e) == 0 && s1 == s2 &&
	      s1 == 10 + RESPONSES + 100);
	CHECK(fs_store_clock_last(src, &h1, &e) == 0 && fs_store_clock_last(dst, &h2, &e) == 0 &&
	      h1 == h2 && h1 == 987654321);
	CHECK_STR(fs_store_site(dst), "hub");
	CHECK(fs_store_peer_cursors(dst, "k-1", &push, &pull, &e) == 0 && push == 900 &&
	      pull == 77);
	/* A fresh handle on the copy counts the same as the source. */
	fs_store_close(dst);
	again = open_store(tloc, pg, NULL);
	CHECK(again != NULL);
	CHECK(fs_store_census(src, &a, &e) == 0 && fs_store_census(again, &b, &e) == 0);
	CHECK(b.registry && fs_census_equal(&a, &b, NULL));
	for (i = 0; i < FS_CENSUS_COUNT; i++)
		CHECK(a.rows[i] == b.rows[i] && a.hash[i] == b.hash[i]);
	/* The copy keeps numbering quarantine above the ids it was given. */
	{
		fs_quarantine_row qr = {31, "k-1", "responses", "r-y", "late", "{}"};

		CHECK(fs_store_ops(again)->quarantine_insert(fs_store_backend(again), &qr, &e) ==
		      0);
		CHECK(fs_store_census(again, &b, &e) == 0 && b.rows[FS_CENSUS_QUARANTINE] == 3);
	}
	fs_store_close(again);
	fs_store_close(src);
}

static void copy_sqlite_to_sqlite(void)
{
	copy_is_whole(0);
}

static void copy_sqlite_to_postgresql(void)
{
	copy_is_whole(1);
}

/* The census sees a change in any table: one claim's hlc. */
static void census_sees_every_table(void)
{
	char loc[512];
	fs_store *s = new_store(0, loc, sizeof(loc), NULL);
	fs_census a, b;
	fs_census_table first = FS_CENSUS_META;
	fs_err e = {0, ""};

	CHECK(s != NULL);
	CHECK_MSG(populate(s, &e) == 0, "%s", e.msg);
	CHECK(fs_store_census(s, &a, &e) == 0);
	CHECK(fs_store_ops(s)->claim_add(
	          fs_store_backend(s), "0190a000-0000-7000-8000-999999999999", "k-1", 45, &e) == 0);
	CHECK(fs_store_census(s, &b, &e) == 0);
	CHECK(!fs_census_equal(&a, &b, &first) && first == FS_CENSUS_CLAIMS);
	CHECK(a.rows[FS_CENSUS_CLAIMS] == b.rows[FS_CENSUS_CLAIMS]);
	fs_store_close(s);
}

static void target_not_empty_is_refused(int pg)
{
	char sloc[512], tloc[512];
	fs_store *src = new_store(0, sloc, sizeof(sloc), NULL);
	fs_store *dst = new_store(pg, tloc, sizeof(tloc), NULL);
	fs_copy_result res;
	fs_census before, after;
	fs_err e = {0, ""};

	CHECK(src != NULL && dst != NULL);
	CHECK_MSG(populate(src, &e) == 0, "%s", e.msg);
	/* Only an identity: not empty. */
	CHECK(fs_store_set_identity(dst, "hub", NULL, &e) == 0);
	CHECK(fs_store_census(dst, &before, &e) == 0);
	CHECK(fs_store_copy(src, dst, NULL, NULL, &res, &e) == FS_ECONFLICT);
	CHECK(strstr(e.msg, "not empty") != NULL && strstr(e.msg, "meta") != NULL);
	CHECK(fs_store_census(dst, &after, &e) == 0 && fs_census_equal(&before, &after, NULL));
	fs_store_close(dst);
	/* A full copy cannot be copied over. */
	dst = new_store(pg, tloc, sizeof(tloc), NULL);
	CHECK(dst != NULL);
	CHECK(fs_store_copy(src, dst, NULL, NULL, &res, &e) == 0);
	CHECK(fs_store_copy(src, dst, NULL, NULL, &res, &e) == FS_ECONFLICT);
	fs_store_close(dst);
	fs_store_close(src);
}

static void not_empty_sqlite(void)
{
	target_not_empty_is_refused(0);
}

static void not_empty_postgresql(void)
{
	target_not_empty_is_refused(1);
}

/* A copy failing midway leaves nothing: progress aborting (late, in the
 * registry), a target operation failing, a target that drops rows
 * silently (the census catches it). Then a copy into it succeeds. */
static void failure_leaves_no_half_copy(int pg)
{
	char sloc[512], tloc[512];
	fs_store *src = new_store(0, sloc, sizeof(sloc), NULL), *dst;
	fs_copy_result res;
	progress p = {0, {0}, FS_CENSUS_CODES};
	fs_err e = {0, ""};
	int rc;

	CHECK(src != NULL);
	CHECK_MSG(populate(src, &e) == 0, "%s", e.msg);
	dst = new_store(pg, tloc, sizeof(tloc), NULL);
	CHECK(dst != NULL);
	CHECK(fs_store_copy(src, dst, on_progress, &p, &res, &e) == FS_EIO);
	CHECK(p.last_rows[FS_CENSUS_RESPONSES] == RESPONSES); /* well under way */
	CHECK(census_empty(dst));
	p.abort_at = -1;
	fs_err_clear(&e);
	CHECK_MSG(fs_store_copy(src, dst, on_progress, &p, &res, &e) == 0, "%s", e.msg);
	CHECK(!census_empty(dst));
	fs_store_close(dst);

	if (!pg) { /* wrapped SQLite operations */
		failing_ops = fs_sqlite_backend;
		failing_ops.claim_add = claim_add_fails;
		dst = new_store(0, tloc, sizeof(tloc), &failing_ops);
		CHECK(dst != NULL);
		fs_err_clear(&e);
		CHECK(fs_store_copy(src, dst, NULL, NULL, &res, &e) == FS_EGENERIC);
		CHECK(strstr(e.msg, "injected") != NULL);
		CHECK(census_empty(dst));
		fs_store_close(dst);

		dropping_ops = fs_sqlite_backend;
		dropping_ops.claim_add = claim_add_drops;
		claims_written = 0;
		dst = new_store(0, tloc, sizeof(tloc), &dropping_ops);
		CHECK(dst != NULL);
		fs_err_clear(&e);
		rc = fs_store_copy(src, dst, NULL, NULL, &res, &e);
		CHECK_MSG(rc == FS_EGENERIC && strstr(e.msg, "claims table differs") != NULL,
		          "%d %s", rc, e.msg);
		CHECK(census_empty(dst));
		fs_store_close(dst);
		dst = open_store(tloc, 0, NULL); /* the same file, working operations */
		CHECK(dst != NULL);
		CHECK(census_empty(dst));
		fs_err_clear(&e);
		CHECK_MSG(fs_store_copy(src, dst, NULL, NULL, &res, &e) == 0, "%s", e.msg);
		fs_store_close(dst);
	}
	fs_store_close(src);
}

static void failure_sqlite(void)
{
	failure_leaves_no_half_copy(0);
}

static void failure_postgresql(void)
{
	failure_leaves_no_half_copy(1);
}

/* A writer of the source during the copy (progress, once responses are
 * under way, writes a questionnaire through a second handle): copy fails
 * after the commit, saying the source changed; the snapshot copy succeeds
 * and holds the state from before the write. */
typedef struct writer {
	const char *loc;
	int wrote; /* questionnaires written, one per copy */
	int done;  /* written during this copy */
} writer;

static int write_during_copy(void *ctx, fs_census_table t, int64_t rows)
{
	writer *w = ctx;
	char id[16];
	fs_questionnaire_row q = {id, 1, "{}", 0, 999999, "hub", 999999};
	fs_store *s;
	fs_err e = {0, ""};
	int ins = 0, rc;

	(void)rows;
	if (w->done || t != FS_CENSUS_RESPONSES)
		return 0;
	snprintf(id, sizeof(id), "q9-%d", w->wrote);
	s = open_store(w->loc, 0, NULL);
	if (s == NULL)
		return FS_EGENERIC;
	rc = fs_store_ops(s)->begin(fs_store_backend(s), FS_TXN_WRITE, &e);
	if (rc == 0)
		rc = fs_store_ops(s)->questionnaire_insert(fs_store_backend(s), &q, &ins, &e);
	if (rc == 0)
		rc = fs_store_ops(s)->commit(fs_store_backend(s), &e);
	fs_store_close(s);
	w->done = rc == 0 && ins;
	w->wrote += w->done;
	return rc;
}

static void copy_of_a_store_in_use(int pg)
{
	static const fs_digest_scope everything = {NULL, NULL, 1, 1, 1};
	char sloc[512], tloc[512];
	fs_store *src = new_store(0, sloc, sizeof(sloc), NULL), *dst;
	writer w = {sloc, 0, 0};
	fs_copy_result res;
	fs_census before, copy;
	uint64_t d_before = 0, d_after = 0;
	fs_err e = {0, ""};
	int rc;

	CHECK(src != NULL);
	CHECK_MSG(populate(src, &e) == 0, "%s", e.msg);
	dst = new_store(pg, tloc, sizeof(tloc), NULL);
	CHECK(dst != NULL);
	rc = fs_store_copy(src, dst, write_during_copy, &w, &res, &e);
	CHECK_MSG(w.done && rc == FS_EGENERIC && strstr(e.msg, "source changed") != NULL, "%d %s",
	          rc, e.msg);
	fs_store_close(dst);

	CHECK(fs_store_census(src, &before, &e) == 0);
	CHECK(fs_store_digest(src, &everything, &d_before, &e) == 0);
	dst = new_store(pg, tloc, sizeof(tloc), NULL);
	CHECK(dst != NULL);
	w.done = 0;
	fs_err_clear(&e);
	rc = fs_store_copy_snapshot(src, dst, write_during_copy, &w, &res, &e);
	CHECK_MSG(w.done && rc == 0, "%d %s", rc, e.msg);
	/* The copy is the state when it began, the source has moved on. */
	CHECK(res.digest == d_before);
	CHECK(fs_store_digest(src, &everything, &d_after, &e) == 0 && d_after != d_before);
	CHECK(fs_store_census(dst, &copy, &e) == 0 && fs_census_equal(&before, &copy, NULL));
	fs_store_close(dst);
	fs_store_close(src);
}

static void copy_in_use_sqlite(void)
{
	copy_of_a_store_in_use(0);
}

static void copy_in_use_postgresql(void)
{
	copy_of_a_store_in_use(1);
}

/* Source and target must both be hub stores, or neither. */
static void mismatched_kinds_refused(void)
{
	char sloc[512], tloc[512];
	fs_store *src = new_store(0, sloc, sizeof(sloc), NULL), *dst = NULL;
	fs_copy_result res;
	fs_err e = {0, ""};

	CHECK(src != NULL);
	new_location(tloc, sizeof(tloc), 0);
	CHECK(fs_store_open(&dst, tloc, &e) == 0);
	CHECK(fs_store_copy(src, dst, NULL, NULL, &res, &e) == FS_EINVAL);
	CHECK(fs_store_copy(src, src, NULL, NULL, &res, &e) == FS_EINVAL);
	fs_store_close(dst);
	fs_store_close(src);
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		fprintf(stderr, "usage: copy_test DIR [POSTGRESQL-URI]\n");
		return 2;
	}
	dir = argv[1];
	pg_uri = argc > 2 && argv[2][0] != '\0' ? argv[2] : NULL;
	RUN(copy_sqlite_to_sqlite);
	RUN(census_sees_every_table);
	RUN(not_empty_sqlite);
	RUN(failure_sqlite);
	RUN(mismatched_kinds_refused);
	RUN(copy_in_use_sqlite);
	if (pg_uri != NULL) {
		RUN(copy_in_use_postgresql);
		RUN(copy_sqlite_to_postgresql);
		RUN(not_empty_postgresql);
		RUN(failure_postgresql);
	}
	return TEST_DONE();
}
