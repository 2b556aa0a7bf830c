/* Conformance test of a storage backend (backend.h): every operation of an
 * fs_backend_ops and of its fs_registry_ops, with rows and values, run
 * against one backend named on the command line:
 *   backend_test sqlite DIR          stores are files in DIR
 *   backend_test postgresql URI      URI of a maintenance database; each
 *                                    store is a new database made there
 * plus the race that proves the change sequence follows commit order
 * across processes (seq_follows_commit_order). */
#include <libpq-fe.h>
#include <sqlite3.h>
#include <stdint.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "fieldsync/backend.h"
#include "fieldsync/pg.h"
#include "pg_internal.h" /* the session settings of a PostgreSQL handle */
#include "test.h"

/* FS_TEST_SQLITE: the build has the SQLite backend (tests/CMakeLists.txt
 * sees core/src/sqlite_backend.c). */

static const fs_backend_ops *ops;
static const fs_registry_ops *reg;
static int is_pg;
static const char *base; /* SQLite: a directory; PostgreSQL: a URI */
static int store_count;

/* ---- stores ---- */

/* base with its database name replaced by db (a URI's path). */
static void pg_uri_with_db(char *out, size_t len, const char *db)
{
	const char *q = strchr(base, '?');
	const char *end = q ? q : base + strlen(base);
	const char *slash = end;
	const char *hosts = strstr(base, "://");

	while (slash > base && *slash != '/')
		slash--;
	if (hosts == NULL || slash <= hosts + 2)
		slash = end; /* no database in the URI: add one */
	snprintf(out, len, "%.*s/%s%s", (int)(slash - base), base, db, q ? q : "");
}

static int pg_sql(const char *uri, const char *sql)
{
	PGconn *c = PQconnectdb(uri);
	PGresult *r;
	int ok;

	if (PQstatus(c) != CONNECTION_OK) {
		fprintf(stderr, "connect: %s", PQerrorMessage(c));
		PQfinish(c);
		return -1;
	}
	r = PQexec(c, sql);
	ok = PQresultStatus(r) == PGRES_COMMAND_OK || PQresultStatus(r) == PGRES_TUPLES_OK;
	if (!ok)
		fprintf(stderr, "%s: %s", sql, PQerrorMessage(c));
	PQclear(r);
	PQfinish(c);
	return ok ? 0 : -1;
}

/* The first value of a query's first row, or "" (static buffer). */
static const char *pg_value(const char *uri, const char *sql)
{
	static char out[256];
	PGconn *c = PQconnectdb(uri);
	PGresult *r = PQexec(c, sql);

	out[0] = '\0';
	if (PQresultStatus(r) == PGRES_TUPLES_OK && PQntuples(r) > 0)
		snprintf(out, sizeof(out), "%s", PQgetvalue(r, 0, 0));
	PQclear(r);
	PQfinish(c);
	return out;
}

/* PostgreSQL: the stores of this run are schemas of one database made for
 * it (a schema is made in no time; a database copies a template). */
static char pg_db[512];
static char pg_schema[64]; /* the last store's */

/* The location of store schema in pg_db, with more server settings (each
 * "%20-cname%3Dvalue", URI-encoded) in libpq's options. */
static void pg_location(char *out, size_t len, const char *schema, const char *extra)
{
	snprintf(out, len, "%s%soptions=-csearch_path%%3D%s%s", pg_db,
	         strchr(pg_db, '?') ? "&" : "?", schema, extra);
}

/* A location where no store is yet. */
static void new_location(char *out, size_t len)
{
	char sql[128];

	store_count++;
	if (!is_pg) {
		snprintf(out, len, "%s/store-%d.db", base, store_count);
		return;
	}
	if (pg_db[0] == '\0') {
		char db[32];

		snprintf(db, sizeof(db), "fsbt_%d", (int)getpid());
		snprintf(sql, sizeof(sql), "CREATE DATABASE %s ENCODING 'UTF8' TEMPLATE template0",
		         db);
		if (pg_sql(base, sql) != 0)
			abort();
		pg_uri_with_db(pg_db, sizeof(pg_db), db);
	}
	snprintf(pg_schema, sizeof(pg_schema), "s%d", store_count);
	snprintf(sql, sizeof(sql), "CREATE SCHEMA %s", pg_schema);
	if (pg_sql(pg_db, sql) != 0)
		abort();
	pg_location(out, len, pg_schema, "");
}

static fs_backend *open_at(const char *loc, int hub)
{
	fs_backend_options o = {1, hub, 0};
	fs_backend *b = NULL;
	fs_err e = {0, ""};

	if (ops->open(&b, loc, &o, &e) != 0) {
		fprintf(stderr, "open %s: %s\n", ops->name, e.msg);
		return NULL;
	}
	return b;
}

static fs_backend *fresh(int hub, char *loc, size_t len)
{
	char here[512];

	if (loc == NULL) {
		loc = here;
		len = sizeof(here);
	}
	new_location(loc, len);
	return open_at(loc, hub);
}

/* ---- collecting rows from callbacks ---- */

#define MAXSEEN 4096
typedef struct seen {
	int n;
	char key[MAXSEEN][96];
	int64_t seq[MAXSEEN];
	int table[MAXSEEN];
	int stop_after; /* return 1 after this many (0: never) */
	int fail_after; /* return FS_EINVAL after this many (0: never) */
} seen;

static int seen_add(seen *s, const char *key, int64_t seq, int table)
{
	if (s->n < MAXSEEN) {
		snprintf(s->key[s->n], sizeof(s->key[0]), "%s", key);
		s->seq[s->n] = seq;
		s->table[s->n] = table;
	}
	s->n++;
	if (s->fail_after && s->n >= s->fail_after)
		return FS_EINVAL;
	return s->stop_after && s->n >= s->stop_after;
}

static int on_q(void *ctx, const fs_questionnaire_row *q)
{
	char k[96];

	snprintf(k, sizeof(k), "%s/%lld%s", q->id, (long long)q->version, q->doc ? "" : "-");
	return seen_add(ctx, k, q->seq, FS_TABLE_QUESTIONNAIRES);
}

static int on_r(void *ctx, const fs_response_row *r)
{
	return seen_add(ctx, r->id, r->seq, FS_TABLE_RESPONSES);
}

static int on_contact(void *ctx, const char *id, const char *region, const fs_field_row *f)
{
	char k[96];

	snprintf(k, sizeof(k), "%s@%s:%s=%s", id, region, f ? f->field : "-", f ? f->value : "-");
	return seen_add(ctx, k, f ? f->seq : 0, FS_TABLE_CONTACTS);
}

static int on_conflict(void *ctx, const fs_conflict_row *c)
{
	return seen_add(ctx, c->id, c->seq, FS_TABLE_CONFLICTS);
}

static int on_claim(void *ctx, const char *site, fs_hlc hlc)
{
	char k[96];

	snprintf(k, sizeof(k), "%s:%llu", site, (unsigned long long)hlc);
	return seen_add(ctx, k, 0, 0);
}

static int on_row(void *ctx, const fs_row *row)
{
	char k[96];

	switch (row->table) {
	case FS_TABLE_QUESTIONNAIRES:
		snprintf(k, sizeof(k), "q:%s", row->u.q.id);
		break;
	case FS_TABLE_RESPONSES:
		snprintf(k, sizeof(k), "r:%s", row->u.r.id);
		break;
	case FS_TABLE_CONTACTS:
		snprintf(k, sizeof(k), "f:%s/%s@%s", row->u.f.contact_id, row->u.f.field,
		         row->u.f.region);
		break;
	case FS_TABLE_CONFLICTS:
		snprintf(k, sizeof(k), "c:%s", row->u.c.id);
		break;
	case FS_TABLE_ERASURES:
		snprintf(k, sizeof(k), "e:%s@%s", row->u.e.id,
		         row->u.e.region ? row->u.e.region : "*");
		break;
	case FS_TABLE_RESOLUTIONS:
		snprintf(k, sizeof(k), "v:%.80s@%s", row->u.res.id, row->u.res.region);
		break;
	case FS_TABLE_WORKERS:
		snprintf(k, sizeof(k), "w:%s@%s%s", row->u.rec.col[FS_WORKER_NAME].text,
		         row->u.rec.col[FS_WORKER_REGION].text, row->u.rec.deleted ? "-" : "");
		break;
	case FS_TABLE_OFFERS:
		snprintf(k, sizeof(k), "o:%s@%s", row->u.rec.col[FS_OFFER_QUESTIONNAIRE].text,
		         row->u.rec.col[FS_OFFER_TARGET].text);
		break;
	default:
		break;
	}
	return seen_add(ctx, k, row->seq, (int)row->table);
}

static int on_device(void *ctx, const fs_device_row *d)
{
	return seen_add(ctx, d->site, (int64_t)d->last_sync_ms, d->revoked);
}

/* ---- row builders ---- */

static fs_questionnaire_row qrow(const char *id, int64_t version, fs_hlc hlc, const char *site,
                                 int64_t seq)
{
	fs_questionnaire_row q = {id, version, "{\"id\":1}", 0, hlc, site, seq};

	return q;
}

static fs_response_row rrow(const char *id, const char *site, int64_t seq)
{
	fs_response_row r = {id,
	                     0,
	                     "q1",
	                     1,
	                     "2026-01-01T10:00:00Z",
	                     "2026-01-01T10:05:00Z",
	                     "en",
	                     "self",
	                     NULL,
	                     "{\"a\":1}",
	                     100,
	                     site,
	                     seq};

	return r;
}

static fs_field_row frow(const char *contact, const char *field, const char *value, fs_hlc hlc,
                         const char *site, int64_t seq)
{
	fs_field_row f = {contact, NULL, field, value, hlc, site, 0, NULL, seq};

	return f;
}

static fs_conflict_row crow(const char *id, const char *region, fs_hlc hlc, const char *site,
                            int64_t seq)
{
	fs_conflict_row c = {id,  "contacts", "k1", region, "phone", "\"1\"", 10,
	                     "a", "\"2\"",    9,    "b",    hlc,     site,    seq};

	return c;
}

/* ---- tests ---- */

static void open_refuses_foreign_and_newer(void)
{
	char loc[512], sql[128];
	fs_backend_options o = {1, 1, 0};
	fs_backend *b = NULL;
	fs_err e = {0, ""};
	int v = 0, rc;

	/* A store that is not fieldsync's, left as it was. */
	new_location(loc, sizeof(loc));
	if (is_pg) {
		CHECK(pg_sql(loc, "CREATE TABLE other (x int); INSERT INTO other VALUES (7)") == 0);
	} else {
		sqlite3 *db = NULL;

		CHECK(sqlite3_open(loc, &db) == SQLITE_OK);
		CHECK(sqlite3_exec(db, "CREATE TABLE other (x int); INSERT INTO other VALUES (7)",
		                   NULL, NULL, NULL) == SQLITE_OK);
		sqlite3_close(db);
		CHECK(chmod(loc, 0600) == 0); /* refused for what it is, not its mode */
	}
	rc = ops->open(&b, loc, &o, &e);
	CHECK_MSG(rc == FS_EINVAL, "%d %s", rc, e.msg);
	CHECK(b == NULL);
	if (is_pg) {
		CHECK_STR(
		    pg_value(loc,
		             "SELECT count(*) FROM pg_tables WHERE schemaname = current_schema()"),
		    "1");
		CHECK(strstr(e.msg, "not a fieldsync store") != NULL);
	}

	/* A store of a newer fieldsync: refused untouched. */
	b = fresh(1, loc, sizeof(loc));
	CHECK(b != NULL);
	CHECK(ops->schema_version(b, &v, &e) == 0);
	CHECK(v >= 3);
	ops->close(b);
	b = NULL;
	snprintf(sql, sizeof(sql),
	         is_pg ? "INSERT INTO fieldsync_schema (version) VALUES (%d)"
	               : "PRAGMA user_version = %d",
	         v + 1);
	if (is_pg) {
		CHECK(pg_sql(loc, sql) == 0);
	} else {
		sqlite3 *db = NULL;

		CHECK(sqlite3_open(loc, &db) == SQLITE_OK);
		CHECK(sqlite3_exec(db, sql, NULL, NULL, NULL) == SQLITE_OK);
		sqlite3_close(db);
	}
	memset(&e, 0, sizeof(e));
	rc = ops->open(&b, loc, &o, &e);
	CHECK_MSG(rc == FS_EVERSION, "%d %s", rc, e.msg);
	CHECK(b == NULL);
	if (is_pg) {
		char want[16];

		snprintf(want, sizeof(want), "%d", v + 1);
		CHECK_STR(pg_value(loc, "SELECT max(version) FROM fieldsync_schema"), want);
	}

	/* A hub schema (meta "hub_schema") of a newer fieldsync: refused for
	 * a hub, untouched. */
	b = fresh(1, loc, sizeof(loc));
	CHECK(b != NULL);
	CHECK(ops->meta_put(b, "hub_schema", "99", &e) == 0);
	ops->close(b);
	b = NULL;
	memset(&e, 0, sizeof(e));
	rc = ops->open(&b, loc, &o, &e);
	CHECK_MSG(rc == FS_EVERSION, "%d %s", rc, e.msg);
	CHECK(b == NULL);
	b = open_at(loc, 1);
	CHECK(b == NULL);
	b = open_at(loc, 0);
	CHECK(b != NULL);
	{
		char out[8];

		CHECK(ops->meta_get(b, "hub_schema", out, sizeof(out), &e) == 0);
		CHECK_STR(out, "99");
	}
	ops->close(b);
}

/* Several processes opening one new store at once: each succeeds and the
 * migrations are applied once. */
static void concurrent_open_migrates_once(void)
{
	char loc[512];
	fs_backend *b;
	fs_err e = {0, ""};
	int i, status, ok = 0, v = 0;
	pid_t pid[4];

	new_location(loc, sizeof(loc));
	for (i = 0; i < 4; i++) {
		pid[i] = fork();
		if (pid[i] == 0) {
			fs_backend *c = open_at(loc, 1);

			if (c == NULL)
				_exit(1);
			ops->close(c);
			_exit(0);
		}
	}
	for (i = 0; i < 4; i++)
		if (waitpid(pid[i], &status, 0) == pid[i] && WIFEXITED(status) &&
		    WEXITSTATUS(status) == 0)
			ok++;
	CHECK(ok == 4);
	b = open_at(loc, 1);
	CHECK(b != NULL);
	CHECK(ops->schema_version(b, &v, &e) == 0 && v >= 3);
	ops->close(b);
	if (is_pg)
		CHECK_STR(pg_value(loc,
		                   "SELECT count(*) = count(DISTINCT version) AND count(*) = max(version) "
		                   "FROM fieldsync_schema"),
		          "t");
}

static void meta_get_put(void)
{
	fs_backend *b = fresh(0, NULL, 0);
	fs_err e = {0, ""};
	char out[8];

	CHECK(b != NULL);
	CHECK(ops->meta_get(b, "site", out, sizeof(out), &e) == FS_ENOTFOUND);
	CHECK(ops->meta_put(b, "site", "hub-1", &e) == 0);
	CHECK(ops->meta_get(b, "site", out, sizeof(out), &e) == 0);
	CHECK_STR(out, "hub-1");
	CHECK(ops->meta_put(b, "site", "a-much-longer-value", &e) == 0);
	CHECK(ops->meta_get(b, "site", out, sizeof(out), &e) == 0);
	CHECK_STR(out, "a-much-"); /* at most len-1 chars */
	ops->close(b);
}

static void questionnaires_insert_retire_each(void)
{
	fs_backend *b = fresh(0, NULL, 0);
	fs_questionnaire_row q = qrow("q1", 1, 100, "s", 1), got;
	fs_err e = {0, ""};
	seen s = {0};
	int ins = -1, ch = -1, i;
	char id[32];

	CHECK(b != NULL);
	CHECK(ops->questionnaire_insert(b, &q, &ins, &e) == 0 && ins == 1);
	q.doc = "{\"other\":1}";
	CHECK(ops->questionnaire_insert(b, &q, &ins, &e) == 0 && ins == 0);
	CHECK(ops->questionnaire_get(b, "q1", 1, &got, &e) == 0);
	CHECK_STR(got.doc, "{\"id\":1}");
	CHECK(got.hlc == 100 && got.seq == 1 && got.deleted == 0);
	CHECK_STR(got.site, "s");
	CHECK(ops->questionnaire_get(b, "q1", 2, &got, &e) == FS_ENOTFOUND);
	/* A live one is retired whatever its stamp; a tombstone only by a
	 * greater (hlc, site). */
	CHECK(ops->questionnaire_retire(b, "q1", 1, 50, "s", 2, &ch, &e) == 0 && ch == 1);
	CHECK(ops->questionnaire_get(b, "q1", 1, &got, &e) == 0);
	CHECK(got.doc == NULL && got.deleted == 1 && got.hlc == 50 && got.seq == 2);
	CHECK(ops->questionnaire_retire(b, "q1", 1, 40, "z", 3, &ch, &e) == 0 && ch == 0);
	CHECK(ops->questionnaire_retire(b, "q1", 1, 50, "r", 3, &ch, &e) == 0 && ch == 0);
	CHECK(ops->questionnaire_retire(b, "q1", 1, 50, "t", 3, &ch, &e) == 0 && ch == 1);
	CHECK(ops->questionnaire_retire(b, "nope", 1, 50, "t", 4, &ch, &e) == 0 && ch == 0);
	/* Order (id, version), bytes not locale: "B" < "a" < "a-b" < "ab";
	 * versions as numbers; more rows than a page. */
	for (i = 0; i < 300; i++) {
		snprintf(id, sizeof(id), "p%03d", i);
		q = qrow(id, 1, 100, "s", 10 + i);
		CHECK(ops->questionnaire_insert(b, &q, &ins, &e) == 0 && ins == 1);
	}
	q = qrow("ab", 10, 1, "s", 400);
	CHECK(ops->questionnaire_insert(b, &q, &ins, &e) == 0);
	q = qrow("ab", 9, 1, "s", 401);
	CHECK(ops->questionnaire_insert(b, &q, &ins, &e) == 0);
	q = qrow("a-b", 1, 1, "s", 402);
	CHECK(ops->questionnaire_insert(b, &q, &ins, &e) == 0);
	q = qrow("B", 1, 1, "s", 403);
	CHECK(ops->questionnaire_insert(b, &q, &ins, &e) == 0);
	CHECK(ops->questionnaire_each(b, on_q, &s, &e) == 0);
	CHECK(s.n == 305);
	CHECK_STR(s.key[0], "B/1");
	CHECK_STR(s.key[1], "a-b/1");
	CHECK_STR(s.key[2], "ab/9");
	CHECK_STR(s.key[3], "ab/10");
	CHECK_STR(s.key[4], "p000/1");
	CHECK_STR(s.key[303], "p299/1");
	CHECK_STR(s.key[304], "q1/1-");
	/* Early stop returns 0; an error from the callback comes back as is. */
	memset(&s, 0, sizeof(s));
	s.stop_after = 2;
	CHECK(ops->questionnaire_each(b, on_q, &s, &e) == 0 && s.n == 2);
	memset(&s, 0, sizeof(s));
	s.fail_after = 260;
	CHECK(ops->questionnaire_each(b, on_q, &s, &e) == FS_EINVAL && s.n == 260);
	ops->close(b);
}

static void responses_insert_replace_erase_redate(void)
{
	fs_backend *b = fresh(0, NULL, 0);
	fs_response_row r = rrow("r1", "k1", 1), got;
	fs_err e = {0, ""};
	int ins = -1, ch = -1;

	CHECK(b != NULL);
	CHECK(ops->response_get(b, "r1", &got, &e) == FS_ENOTFOUND);
	CHECK(ops->response_insert(b, &r, &ins, &e) == 0 && ins == 1);
	r.answers = "{\"a\":2}";
	CHECK(ops->response_insert(b, &r, &ins, &e) == 0 && ins == 0);
	CHECK(ops->response_get(b, "r1", &got, &e) == 0);
	CHECK_STR(got.answers, "{\"a\":1}");
	CHECK_STR(got.questionnaire, "q1");
	CHECK(got.version == 1 && got.worker == NULL && got.deleted == 0);
	CHECK_STR(got.language, "en");
	CHECK_STR(got.mode, "self");
	CHECK_STR(got.started_at, "2026-01-01T10:00:00Z");
	CHECK(got.hlc == 100 && got.seq == 1);
	/* replace: every column. */
	r.worker = "w-1";
	r.mode = "assisted";
	r.hlc = 200;
	r.site = "k2";
	r.seq = 5;
	CHECK(ops->response_replace(b, &r, &e) == 0);
	CHECK(ops->response_get(b, "r1", &got, &e) == 0);
	CHECK_STR(got.worker, "w-1");
	CHECK_STR(got.mode, "assisted");
	CHECK_STR(got.answers, "{\"a\":2}");
	CHECK(got.hlc == 200 && got.seq == 5);
	CHECK_STR(got.site, "k2");
	/* redate: the two times and seq only. */
	CHECK(ops->response_redate(b, "r1", "2026-02-01T00:00:00Z", "2026-02-01T00:01:00Z", 6,
	                           &e) == 0);
	CHECK(ops->response_get(b, "r1", &got, &e) == 0);
	CHECK_STR(got.submitted_at, "2026-02-01T00:01:00Z");
	CHECK(got.seq == 6 && got.hlc == 200);
	/* erase: content gone; a tombstone yields only to a greater stamp. */
	CHECK(ops->response_erase(b, "r1", 150, "k1", 7, &ch, &e) == 0 && ch == 1);
	CHECK(ops->response_get(b, "r1", &got, &e) == 0);
	CHECK(got.deleted == 1 && got.answers == NULL && got.questionnaire == NULL &&
	      got.started_at == NULL && got.worker == NULL && got.hlc == 150 && got.seq == 7);
	CHECK(ops->response_erase(b, "r1", 140, "k9", 8, &ch, &e) == 0 && ch == 0);
	CHECK(ops->response_erase(b, "r1", 150, "k2", 8, &ch, &e) == 0 && ch == 1);
	CHECK(ops->response_erase(b, "none", 150, "k2", 9, &ch, &e) == 0 && ch == 0);
	/* A tombstone inserted as such. */
	memset(&r, 0, sizeof(r));
	r.id = "r2";
	r.deleted = 1;
	r.hlc = 5;
	r.site = "k1";
	r.seq = 10;
	CHECK(ops->response_insert(b, &r, &ins, &e) == 0 && ins == 1);
	CHECK(ops->response_get(b, "r2", &got, &e) == 0);
	CHECK(got.deleted == 1 && got.answers == NULL);
	ops->close(b);
}

static void responses_each_filters(void)
{
	fs_backend *b = fresh(1, NULL, 0);
	fs_response_filter f;
	fs_response_row r;
	fs_err e = {0, ""};
	seen s;
	char id[32];
	int ins, ch, i;
	unsigned char hash[FS_REGISTRY_HASH_LEN] = {1};
	fs_device_row d = {"k2", "kiosk two", "north", hash, 1000, 0, NULL, 0};

	CHECK(b != NULL);
	for (i = 0; i < 300; i++) {
		snprintf(id, sizeof(id), "r%03d", i);
		r = rrow(id, i % 3 == 0 ? "k1" : "k2", i + 1);
		r.questionnaire = i % 2 ? "q1" : "q2";
		r.submitted_at = i < 100 ? "2026-01-01T10:00:00Z" : "2026-03-01T10:00:00Z";
		CHECK(ops->response_insert(b, &r, &ins, &e) == 0 && ins == 1);
	}
	CHECK(ops->response_erase(b, "r001", 500, "k2", 301, &ch, &e) == 0 && ch == 1);
	memset(&f, 0, sizeof(f));
	memset(&s, 0, sizeof(s));
	CHECK(ops->response_each(b, &f, on_r, &s, &e) == 0);
	CHECK(s.n == 299);
	CHECK_STR(s.key[0], "r000");
	CHECK_STR(s.key[1], "r002");
	CHECK_STR(s.key[298], "r299");
	f.include_deleted = 1;
	memset(&s, 0, sizeof(s));
	CHECK(ops->response_each(b, &f, on_r, &s, &e) == 0 && s.n == 300);
	f.include_deleted = 0;
	f.questionnaire = "q2";
	memset(&s, 0, sizeof(s));
	CHECK(ops->response_each(b, &f, on_r, &s, &e) == 0 && s.n == 150);
	f.questionnaire = NULL;
	f.site = "k1";
	memset(&s, 0, sizeof(s));
	CHECK(ops->response_each(b, &f, on_r, &s, &e) == 0 && s.n == 100);
	f.site = NULL;
	f.submitted_after = "2026-02-01T00:00:00Z";
	memset(&s, 0, sizeof(s));
	CHECK(ops->response_each(b, &f, on_r, &s, &e) == 0 && s.n == 200);
	CHECK_STR(s.key[0], "r100");
	f.submitted_after = NULL;
	/* unacknowledged: seq above every peer's push cursor. */
	CHECK(ops->peer_set_push(b, "hub", 250, &e) == 0);
	CHECK(ops->peer_set_push(b, "other", 100, &e) == 0);
	f.unacknowledged = 1;
	memset(&s, 0, sizeof(s));
	CHECK(ops->response_each(b, &f, on_r, &s, &e) == 0);
	CHECK(s.n == 50 && s.seq[0] == 251);
	f.unacknowledged = 0;
	/* region: written by a device of that region. */
	CHECK(reg->device_insert(b, &d, &e) == 0);
	f.region = "north";
	memset(&s, 0, sizeof(s));
	CHECK(ops->response_each(b, &f, on_r, &s, &e) == 0 && s.n == 199);
	f.region = "south";
	memset(&s, 0, sizeof(s));
	CHECK(ops->response_each(b, &f, on_r, &s, &e) == 0 && s.n == 0);
	ops->close(b);
}

static void claims_keep_greatest_per_site(void)
{
	fs_backend *b = fresh(0, NULL, 0);
	fs_err e = {0, ""};
	seen s = {0};

	CHECK(b != NULL);
	CHECK(ops->claim_add(b, "r1", "k2", 10, &e) == 0);
	CHECK(ops->claim_add(b, "r1", "k2", 5, &e) == 0);
	CHECK(ops->claim_add(b, "r1", "k1", 7, &e) == 0);
	CHECK(ops->claim_add(b, "r2", "k1", 9, &e) == 0);
	CHECK(ops->claims(b, "r1", on_claim, &s, &e) == 0);
	CHECK(s.n == 2);
	CHECK_STR(s.key[0], "k1:7");
	CHECK_STR(s.key[1], "k2:10");
	CHECK(ops->claims_clear(b, "r1", &e) == 0);
	memset(&s, 0, sizeof(s));
	CHECK(ops->claims(b, "r1", on_claim, &s, &e) == 0 && s.n == 0);
	CHECK(ops->claims(b, "r2", on_claim, &s, &e) == 0 && s.n == 1);
	ops->close(b);
}

static void contacts_and_fields_last_writer_wins(void)
{
	fs_backend *b = fresh(0, NULL, 0);
	fs_field_row f, got;
	fs_err e = {0, ""};
	char region[FS_NAME_MAX + 1];
	seen s = {0};

	CHECK(b != NULL);
	CHECK(ops->contact_region(b, "c1", region, &e) == FS_ENOTFOUND);
	CHECK(ops->contact_insert(b, "c1", "north", &e) == 0);
	CHECK(ops->contact_insert(b, "c1", "south", &e) == FS_ECONFLICT);
	CHECK(ops->contact_region(b, "c1", region, &e) == 0);
	CHECK_STR(region, "north");
	CHECK(ops->contact_insert(b, "c0", "south", &e) == 0);
	CHECK(ops->contact_insert(b, "c2", "north", &e) == 0);
	CHECK(ops->field_get(b, "c1", "phone", &got, &e) == FS_ENOTFOUND);
	f = frow("c1", "phone", "\"111\"", 100, "k1", 1);
	CHECK(ops->field_put(b, &f, &e) == 0);
	CHECK(ops->field_get(b, "c1", "phone", &got, &e) == 0);
	CHECK_STR(got.value, "\"111\"");
	CHECK_STR(got.region, "north");
	CHECK_STR(got.contact_id, "c1");
	CHECK(got.prev_site == NULL && got.prev_hlc == 0 && got.hlc == 100 && got.seq == 1);
	/* An older write loses; the same hlc is decided by site. */
	f = frow("c1", "phone", "\"old\"", 99, "k9", 2);
	CHECK(ops->field_put(b, &f, &e) == 0);
	f = frow("c1", "phone", "\"k0\"", 100, "k0", 3);
	CHECK(ops->field_put(b, &f, &e) == 0);
	CHECK(ops->field_get(b, "c1", "phone", &got, &e) == 0);
	CHECK_STR(got.value, "\"111\"");
	f = frow("c1", "phone", "\"k2\"", 100, "k2", 4);
	f.prev_hlc = 100;
	f.prev_site = "k1";
	CHECK(ops->field_put(b, &f, &e) == 0);
	CHECK(ops->field_get(b, "c1", "phone", &got, &e) == 0);
	CHECK_STR(got.value, "\"k2\"");
	CHECK_STR(got.prev_site, "k1");
	CHECK(got.prev_hlc == 100 && got.seq == 4);
	/* update: the same guard, never a new row. */
	f = frow("c1", "phone", "\"up\"", 50, "k1", 5);
	CHECK(ops->field_update(b, &f, &e) == 0);
	CHECK(ops->field_get(b, "c1", "phone", &got, &e) == 0);
	CHECK_STR(got.value, "\"k2\"");
	f = frow("c1", "phone", "\"up\"", 101, "k1", 6);
	CHECK(ops->field_update(b, &f, &e) == 0);
	CHECK(ops->field_get(b, "c1", "phone", &got, &e) == 0);
	CHECK_STR(got.value, "\"up\"");
	CHECK(got.prev_site == NULL && got.seq == 6);
	f = frow("c1", "email", "\"e\"", 101, "k1", 7);
	CHECK(ops->field_update(b, &f, &e) == 0);
	CHECK(ops->field_get(b, "c1", "email", &got, &e) == FS_ENOTFOUND);
	f = frow("c1", "address", "\"a\"", 102, "k1", 8);
	CHECK(ops->field_put(b, &f, &e) == 0);
	f = frow("c0", "phone", "\"0\"", 103, "k1", 9);
	CHECK(ops->field_put(b, &f, &e) == 0);
	/* each: (id, field) order; a contact without fields once, field NULL. */
	CHECK(ops->contact_each(b, NULL, NULL, on_contact, &s, &e) == 0);
	CHECK(s.n == 4);
	CHECK_STR(s.key[0], "c0@south:phone=\"0\"");
	CHECK_STR(s.key[1], "c1@north:address=\"a\"");
	CHECK_STR(s.key[2], "c1@north:phone=\"up\"");
	CHECK_STR(s.key[3], "c2@north:-=-");
	memset(&s, 0, sizeof(s));
	CHECK(ops->contact_each(b, NULL, "north", on_contact, &s, &e) == 0 && s.n == 3);
	memset(&s, 0, sizeof(s));
	CHECK(ops->contact_each(b, "c1", NULL, on_contact, &s, &e) == 0 && s.n == 2);
	memset(&s, 0, sizeof(s));
	CHECK(ops->contact_each(b, "zz", NULL, on_contact, &s, &e) == 0 && s.n == 0);
	/* Field versions: idempotent add, exact lookup. */
	{
		int held = -1;

		CHECK(ops->field_version_add(b, "c1", -42, &e) == 0);
		CHECK(ops->field_version_add(b, "c1", -42, &e) == 0);
		CHECK(ops->field_version_held(b, "c1", -42, &held, &e) == 0 && held == 1);
		CHECK(ops->field_version_held(b, "c2", -42, &held, &e) == 0 && held == 0);
		CHECK(ops->field_version_held(b, "c1", 42, &held, &e) == 0 && held == 0);
		/* A key from before keys were per contact counts for any. */
		CHECK(ops->field_version_add(b, "", 77, &e) == 0);
		CHECK(ops->field_version_held(b, "c2", 77, &held, &e) == 0 && held == 1);
	}
	ops->close(b);
}

/* contact_each over more contacts than a page, each with fields. */
static void contacts_each_pages(void)
{
	fs_backend *b = fresh(0, NULL, 0);
	fs_field_row f;
	fs_err e = {0, ""};
	seen s = {0};
	char id[32];
	int i;

	CHECK(b != NULL);
	CHECK(ops->begin(b, FS_TXN_WRITE, &e) == 0);
	for (i = 0; i < 600; i++) {
		snprintf(id, sizeof(id), "c%04d", i);
		CHECK(ops->contact_insert(b, id, i < 300 ? "north" : "south", &e) == 0);
		f = frow(id, "a", "1", 1, "k", 2 * i + 1);
		CHECK(ops->field_put(b, &f, &e) == 0);
		f = frow(id, "b", "2", 1, "k", 2 * i + 2);
		CHECK(ops->field_put(b, &f, &e) == 0);
	}
	CHECK(ops->commit(b, &e) == 0);
	CHECK(ops->contact_each(b, NULL, NULL, on_contact, &s, &e) == 0 && s.n == 1200);
	CHECK_STR(s.key[1199], "c0599@south:b=2");
	for (i = 1; i < 1200; i++)
		CHECK(strcmp(s.key[i - 1], s.key[i]) < 0);
	memset(&s, 0, sizeof(s));
	CHECK(ops->contact_each(b, NULL, "south", on_contact, &s, &e) == 0 && s.n == 600);
	CHECK_STR(s.key[0], "c0300@south:a=1");
	ops->close(b);
}

static void conflicts_replace_rule_and_order(void)
{
	fs_backend *b = fresh(0, NULL, 0);
	fs_conflict_row c;
	fs_err e = {0, ""};
	seen s = {0};
	int ins = -1, i;
	char id[32];

	CHECK(b != NULL);
	c = crow("x1", "north", 100, "k1", 1);
	CHECK(ops->conflict_insert(b, &c, 0, &ins, &e) == 0 && ins == 1);
	CHECK(ops->conflict_insert(b, &c, 0, &ins, &e) == 0 && ins == 0);
	/* replace 1: a row detected by the same site stays as it was. */
	c.seq = 2;
	c.winner_value = "\"same-site\"";
	CHECK(ops->conflict_insert(b, &c, 1, &ins, &e) == 0 && ins == 0);
	c.site = "hub";
	c.winner_value = "\"hub\"";
	CHECK(ops->conflict_insert(b, &c, 1, &ins, &e) == 0 && ins == 1);
	c = crow("x2", "north", 300, "k1", 3);
	CHECK(ops->conflict_insert(b, &c, 0, &ins, &e) == 0 && ins == 1);
	c = crow("x0", "north", 300, "k1", 4);
	CHECK(ops->conflict_insert(b, &c, 0, &ins, &e) == 0 && ins == 1);
	for (i = 0; i < 300; i++) {
		snprintf(id, sizeof(id), "y%03d", i);
		c = crow(id, "south", 50, "k1", 10 + i);
		CHECK(ops->conflict_insert(b, &c, 0, &ins, &e) == 0 && ins == 1);
	}
	/* Newest first, then id; at most limit. */
	CHECK(ops->conflict_each(b, 3, on_conflict, &s, &e) == 0);
	CHECK(s.n == 3);
	CHECK_STR(s.key[0], "x0");
	CHECK_STR(s.key[1], "x2");
	CHECK_STR(s.key[2], "x1");
	CHECK(s.seq[2] == 2); /* the replaced row */
	memset(&s, 0, sizeof(s));
	CHECK(ops->conflict_each(b, -1, on_conflict, &s, &e) == 0 && s.n == 303);
	CHECK_STR(s.key[3], "y000");
	CHECK_STR(s.key[302], "y299");
	memset(&s, 0, sizeof(s));
	CHECK(ops->conflict_each(b, 270, on_conflict, &s, &e) == 0 && s.n == 270);
	memset(&s, 0, sizeof(s));
	CHECK(ops->conflict_each(b, 0, on_conflict, &s, &e) == 0 && s.n == 0);
	ops->close(b);
}

static void quarantine_counts_peers(void)
{
	fs_backend *b = fresh(0, NULL, 0);
	fs_quarantine_row qr = {5, "k1", "responses", "r9", "answers invalid", "{\"x\":1}"};
	fs_questionnaire_row q = qrow("q1", 1, 1, "s", 1);
	fs_response_row r = rrow("r1", "k1", 2);
	fs_store_counts n;
	fs_err e = {0, ""};
	int64_t push = -1, pull = -1;
	int ins, ch;

	CHECK(b != NULL);
	CHECK(ops->counts(b, &n, &e) == 0);
	CHECK(n.questionnaires == 0 && n.responses == 0 && n.contacts == 0 && n.conflicts == 0 &&
	      n.quarantined == 0);
	CHECK(ops->quarantine_insert(b, &qr, &e) == 0);
	CHECK(ops->quarantine_insert(b, &qr, &e) == 0);
	CHECK(ops->questionnaire_insert(b, &q, &ins, &e) == 0);
	q = qrow("q2", 1, 1, "s", 3);
	CHECK(ops->questionnaire_insert(b, &q, &ins, &e) == 0);
	CHECK(ops->questionnaire_retire(b, "q2", 1, 2, "s", 4, &ch, &e) == 0);
	CHECK(ops->response_insert(b, &r, &ins, &e) == 0);
	r = rrow("r2", "k1", 5);
	CHECK(ops->response_insert(b, &r, &ins, &e) == 0);
	CHECK(ops->response_erase(b, "r2", 200, "k1", 6, &ch, &e) == 0);
	CHECK(ops->contact_insert(b, "c1", "north", &e) == 0);
	CHECK(ops->counts(b, &n, &e) == 0);
	CHECK(n.questionnaires == 1 && n.responses == 1 && n.contacts == 1 && n.conflicts == 0 &&
	      n.quarantined == 2);
	/* Peer cursors: 0 when unknown, only forward. */
	CHECK(ops->peer_get(b, "hub", &push, &pull, &e) == 0 && push == 0 && pull == 0);
	CHECK(ops->peer_set_push(b, "hub", 10, &e) == 0);
	CHECK(ops->peer_set_pull(b, "hub", 7, &e) == 0);
	CHECK(ops->peer_set_push(b, "hub", 4, &e) == 0);
	CHECK(ops->peer_set_pull(b, "hub", 3, &e) == 0);
	CHECK(ops->peer_get(b, "hub", &push, &pull, &e) == 0 && push == 10 && pull == 7);
	CHECK(ops->peer_set_pull(b, "hub", 9, &e) == 0);
	CHECK(ops->peer_get(b, "hub", &push, &pull, &e) == 0 && push == 10 && pull == 9);
	ops->close(b);
}

/* Rows of all four tables with interleaved seqs (more than a page). */
static int fill_changes(fs_backend *b, int n, fs_err *e)
{
	char id[32];
	int i, ins, rc = ops->begin(b, FS_TXN_WRITE, e);

	if (rc == 0)
		rc = ops->contact_insert(b, "cn", "north", e);
	if (rc == 0)
		rc = ops->contact_insert(b, "cs", "south", e);
	for (i = 1; rc == 0 && i <= n; i++) {
		const char *site = i % 5 == 0 ? "k5" : "k1";

		snprintf(id, sizeof(id), "%05d", i);
		switch (i % 4) {
		case 0: {
			fs_questionnaire_row q = qrow(id, 1, (fs_hlc)i, site, i);

			rc = ops->questionnaire_insert(b, &q, &ins, e);
			break;
		}
		case 1: {
			fs_response_row r = rrow(id, site, i);

			rc = ops->response_insert(b, &r, &ins, e);
			break;
		}
		case 2: {
			fs_field_row f =
			    frow(i % 8 == 2 ? "cn" : "cs", id, "1", (fs_hlc)i, site, i);

			rc = ops->field_put(b, &f, e);
			break;
		}
		case 3: {
			fs_conflict_row c =
			    crow(id, i % 8 == 3 ? "north" : "south", (fs_hlc)i, site, i);

			rc = ops->conflict_insert(b, &c, 0, &ins, e);
			break;
		}
		}
	}
	if (rc == 0)
		rc = ops->commit(b, e);
	else
		ops->rollback(b);
	return rc;
}

static void changes_scan_order_filters_limit(void)
{
	fs_backend *b = fresh(0, NULL, 0);
	fs_changes_filter f;
	fs_err e = {0, ""};
	seen s = {0};
	int i, ok;

	struct timespec t0, t1, t2;

	CHECK(b != NULL);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	CHECK(fill_changes(b, 1200, &e) == 0);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	memset(&f, 0, sizeof(f));
	CHECK(ops->begin(b, FS_TXN_READ, &e) == 0);
	CHECK(ops->changes_scan(b, 100, &f, 5000, on_row, &s, &e) == 0);
	CHECK(ops->commit(b, &e) == 0);
	clock_gettime(CLOCK_MONOTONIC, &t2);
	printf("     1,200 rows of 4 tables written in one transaction in %.0f ms; "
	       "1,100 read by changes_scan in %.0f ms\n",
	       (double)(t1.tv_sec - t0.tv_sec) * 1e3 + (double)(t1.tv_nsec - t0.tv_nsec) / 1e6,
	       (double)(t2.tv_sec - t1.tv_sec) * 1e3 + (double)(t2.tv_nsec - t1.tv_nsec) / 1e6);
	CHECK(s.n == 1100);
	for (i = 0, ok = 1; i < s.n; i++)
		ok &= s.seq[i] == 101 + i && s.table[i] == (int[]){1, 2, 4, 8}[(101 + i) % 4];
	CHECK(ok);
	CHECK_STR(s.key[0], "r:00101");
	CHECK_STR(s.key[1], "f:cs/00102@south");
	CHECK_STR(s.key[2], "c:00103");
	CHECK_STR(s.key[3], "q:00104");
	/* limit, and outside a transaction (one of its own). */
	memset(&s, 0, sizeof(s));
	CHECK(ops->changes_scan(b, 0, &f, 300, on_row, &s, &e) == 0);
	CHECK(s.n == 300 && s.seq[299] == 300);
	memset(&s, 0, sizeof(s));
	CHECK(ops->changes_scan(b, 0, &f, 0, on_row, &s, &e) == 0 && s.n == 0);
	/* Early stop (a byte budget) and an abort. */
	memset(&s, 0, sizeof(s));
	s.stop_after = 7;
	CHECK(ops->changes_scan(b, 0, &f, 1000, on_row, &s, &e) == 0 && s.n == 7);
	memset(&s, 0, sizeof(s));
	s.fail_after = 700;
	CHECK(ops->changes_scan(b, 0, &f, 1000, on_row, &s, &e) == FS_EINVAL && s.n == 700);
	/* Tables. */
	f.tables = FS_TABLE_RESPONSES | FS_TABLE_CONFLICTS;
	memset(&s, 0, sizeof(s));
	CHECK(ops->changes_scan(b, 0, &f, 5000, on_row, &s, &e) == 0 && s.n == 600);
	for (i = 0, ok = 1; i < s.n; i++)
		ok &= s.table[i] == FS_TABLE_RESPONSES || s.table[i] == FS_TABLE_CONFLICTS;
	CHECK(ok);
	/* Sites. */
	f.tables = 0;
	f.only_site = "k5";
	memset(&s, 0, sizeof(s));
	CHECK(ops->changes_scan(b, 0, &f, 5000, on_row, &s, &e) == 0 && s.n == 240);
	CHECK(s.seq[0] == 5 && s.seq[1] == 10);
	f.only_site = NULL;
	f.exclude_site = "k5";
	memset(&s, 0, sizeof(s));
	CHECK(ops->changes_scan(b, 0, &f, 5000, on_row, &s, &e) == 0 && s.n == 960);
	/* Region: contacts and conflicts of that region, everything else. */
	f.exclude_site = NULL;
	f.region = "north";
	memset(&s, 0, sizeof(s));
	CHECK(ops->changes_scan(b, 0, &f, 5000, on_row, &s, &e) == 0);
	CHECK(s.n == 600 + 150 + 150);
	for (i = 0, ok = 1; i < s.n; i++)
		ok &= strstr(s.key[i], "@south") == NULL;
	CHECK(ok);
	ops->close(b);
}

static long peak_rss_kib(void)
{
	struct rusage ru;

	getrusage(RUSAGE_SELF, &ru);
	return ru.ru_maxrss;
}

static int count_row(void *ctx, const fs_row *row)
{
	(void)row;
	++*(long *)ctx;
	return 0;
}

/* changes_scan holds the rows in flight, not all it returns: 48 MB of
 * responses read through it raise the peak memory by far less. */
static void changes_scan_memory_is_bounded(void)
{
	enum { ROWS = 2000, ANSWER = 24 * 1024 };
	fs_backend *b = fresh(0, NULL, 0);
	char *answers = malloc(ANSWER + 16), id[32];
	fs_err e = {0, ""};
	long before, grew, n = 0;
	int i, ins;

	CHECK(b != NULL && answers != NULL);
	snprintf(answers, 8, "{\"a\":\"");
	memset(answers + 6, 'x', ANSWER);
	snprintf(answers + 6 + ANSWER, 8, "\"}");
	CHECK(ops->begin(b, FS_TXN_WRITE, &e) == 0);
	for (i = 0; i < ROWS; i++) {
		fs_response_row r;

		snprintf(id, sizeof(id), "big%05d", i);
		r = rrow(id, "k1", i + 1);
		r.answers = answers;
		CHECK(ops->response_insert(b, &r, &ins, &e) == 0 && ins == 1);
	}
	CHECK(ops->commit(b, &e) == 0);
	free(answers);
	before = peak_rss_kib();
	CHECK(ops->begin(b, FS_TXN_READ, &e) == 0);
	CHECK(ops->changes_scan(b, 0, NULL, ROWS + 10, count_row, &n, &e) == 0);
	CHECK(ops->commit(b, &e) == 0);
	grew = peak_rss_kib() - before;
	CHECK(n == ROWS);
	printf("     changes_scan of %d rows (%d MB): peak memory grew %ld KiB\n", ROWS,
	       ROWS * ANSWER / (1024 * 1024), grew);
#ifndef __SANITIZE_ADDRESS__ /* ASan's quarantine keeps freed memory */
	CHECK_MSG(grew < 30 * 1024, "%ld KiB", grew);
#endif
	ops->close(b);
}

typedef struct stamper {
	fs_hlc hlc;
	int64_t seq;
} stamper;

static void next_stamp(void *ctx, fs_hlc *hlc, int64_t *seq)
{
	stamper *st = ctx;

	*hlc = ++st->hlc;
	*seq = ++st->seq;
}

static void clock_max_hlc_and_restamp_own(void)
{
	fs_backend *b = fresh(0, NULL, 0);
	fs_questionnaire_row q;
	fs_response_row r;
	fs_field_row f;
	fs_conflict_row c;
	fs_hlc max = 1;
	stamper st = {500, 1000};
	fs_err e = {0, ""};
	long n = -1;
	int ins;

	CHECK(b != NULL);
	CHECK(ops->max_hlc(b, 1000, &max, &e) == 0 && max == 0);
	CHECK(ops->begin(b, FS_TXN_WRITE, &e) == 0);
	q = qrow("q1", 1, 900, "me", 1);
	CHECK(ops->questionnaire_insert(b, &q, &ins, &e) == 0);
	r = rrow("r1", "me", 2);
	r.hlc = 800;
	CHECK(ops->response_insert(b, &r, &ins, &e) == 0);
	r = rrow("r2", "other", 3);
	r.hlc = 950;
	CHECK(ops->response_insert(b, &r, &ins, &e) == 0);
	CHECK(ops->contact_insert(b, "c1", "north", &e) == 0);
	f = frow("c1", "phone", "1", 400, "me", 4);
	CHECK(ops->field_put(b, &f, &e) == 0);
	f = frow("c1", "email", "1", 700, "me", 5);
	CHECK(ops->field_put(b, &f, &e) == 0);
	c = crow("x1", "north", 600, "me", 6);
	CHECK(ops->conflict_insert(b, &c, 0, &ins, &e) == 0);
	CHECK(ops->max_hlc(b, 10000, &max, &e) == 0 && max == 950);
	CHECK(ops->max_hlc(b, 899, &max, &e) == 0 && max == 800);
	CHECK(ops->max_hlc(b, 100, &max, &e) == 0 && max == 0);
	/* Own rows above 500: conflict 600, field 700, response 800, q 900, in
	 * that (hlc) order; r2 (other) and the field at 400 are left alone. */
	CHECK(ops->restamp_own(b, "me", 500, next_stamp, &st, &n, &e) == 0);
	CHECK(n == 4);
	CHECK(ops->commit(b, &e) == 0);
	{
		fs_conflict_row dummy;
		fs_questionnaire_row gq;
		fs_response_row gr;
		fs_field_row gf;
		seen s = {0};

		(void)dummy;
		CHECK(ops->conflict_each(b, -1, on_conflict, &s, &e) == 0 && s.seq[0] == 1001);
		CHECK(ops->field_get(b, "c1", "email", &gf, &e) == 0);
		CHECK(gf.hlc == 502 && gf.seq == 1002);
		CHECK(ops->field_get(b, "c1", "phone", &gf, &e) == 0);
		CHECK(gf.hlc == 400 && gf.seq == 4);
		CHECK(ops->response_get(b, "r1", &gr, &e) == 0);
		CHECK(gr.hlc == 503 && gr.seq == 1003);
		CHECK(ops->questionnaire_get(b, "q1", 1, &gq, &e) == 0);
		CHECK(gq.hlc == 504 && gq.seq == 1004);
		CHECK(ops->response_get(b, "r2", &gr, &e) == 0);
		CHECK(gr.hlc == 950 && gr.seq == 3);
	}
	ops->close(b);
}

static void transactions_rollback_and_snapshot(void)
{
	char loc[512], out[32];
	fs_backend *a = fresh(0, loc, sizeof(loc)), *b2 = open_at(loc, 0);
	fs_err e = {0, ""};
	int64_t size = 0;
	int v = 0;

	CHECK(a != NULL && b2 != NULL);
	CHECK(ops->begin(a, FS_TXN_WRITE, &e) == 0);
	CHECK(ops->meta_put(a, "k", "1", &e) == 0);
	ops->rollback(a);
	CHECK(ops->meta_get(a, "k", out, sizeof(out), &e) == FS_ENOTFOUND);
	ops->rollback(a); /* none open: harmless */
	/* A read transaction keeps its snapshot. */
	CHECK(ops->meta_put(a, "k", "1", &e) == 0);
	CHECK(ops->begin(b2, FS_TXN_READ, &e) == 0);
	CHECK(ops->meta_get(b2, "k", out, sizeof(out), &e) == 0);
	CHECK(ops->begin(a, FS_TXN_WRITE, &e) == 0);
	CHECK(ops->meta_put(a, "k", "2", &e) == 0);
	CHECK(ops->commit(a, &e) == 0);
	CHECK(ops->meta_get(b2, "k", out, sizeof(out), &e) == 0);
	CHECK_STR(out, "1");
	CHECK(ops->commit(b2, &e) == 0);
	CHECK(ops->meta_get(b2, "k", out, sizeof(out), &e) == 0);
	CHECK_STR(out, "2");
	CHECK(ops->check_durable(a, &e) == 0);
	CHECK(ops->check_integrity(a, &e) == 0);
	CHECK(ops->schema_version(a, &v, &e) == 0 && v >= 1);
	/* The size a metric reports: some pages at least (docs/metrics.md). */
	CHECK(ops->size_bytes != NULL && ops->size_bytes(a, &size, &e) == 0 && size >= 4096);
	ops->close(a);
	ops->close(b2);
}

/* PostgreSQL's check_integrity sees a change sequence number held twice
 * (SQLite's is PRAGMA integrity_check, of pages and indexes). */
static void pg_integrity_check_sees_duplicate_seq(void)
{
	fs_backend *b = fresh(0, NULL, 0);
	fs_questionnaire_row q = qrow("q1", 1, 1, "s", 1);
	fs_response_row r = rrow("r1", "k1", 1);
	fs_err e = {0, ""};
	int ins;

	CHECK(b != NULL);
	CHECK(ops->begin(b, FS_TXN_WRITE, &e) == 0);
	CHECK(ops->meta_put(b, "seq", "1", &e) == 0);
	CHECK(ops->questionnaire_insert(b, &q, &ins, &e) == 0);
	CHECK(ops->commit(b, &e) == 0);
	CHECK(ops->check_integrity(b, &e) == 0);
	CHECK(ops->response_insert(b, &r, &ins, &e) == 0);
	CHECK(ops->check_integrity(b, &e) == FS_EGENERIC);
	CHECK(strstr(e.msg, "sequence") != NULL);
	ops->close(b);
}

static void registry_codes_failures_devices(void)
{
	char loc[512];
	fs_backend *b = fresh(1, loc, sizeof(loc)), *b2 = open_at(loc, 1), *kiosk = NULL;
	unsigned char h1[FS_REGISTRY_HASH_LEN], h2[FS_REGISTRY_HASH_LEN];
	char region[FS_NAME_MAX + 1];
	uint64_t expires = 0;
	fs_device_row d, got;
	fs_err e = {0, ""};
	seen s = {0};
	long count = -1;
	int used = -1, won = -1;

	CHECK(b != NULL && b2 != NULL);
	memset(h1, 0xab, sizeof(h1));
	memset(h2, 0x00, sizeof(h2)); /* NUL bytes: binary-safe */
	h2[31] = 1;
	CHECK(reg->code_get(b, h1, region, &expires, &used, &e) == FS_ENOTFOUND);
	CHECK(reg->code_insert(b, h1, "north", 1000, 5000, &e) == 0);
	CHECK(reg->code_insert(b, h2, "south", 1000, 6000, &e) == 0);
	CHECK(reg->code_get(b, h1, region, &expires, &used, &e) == 0);
	CHECK_STR(region, "north");
	CHECK(expires == 5000 && used == 0);
	CHECK(reg->code_get(b, h2, region, &expires, &used, &e) == 0);
	CHECK_STR(region, "south");
	CHECK(reg->code_use(b, h1, "k-1", &won, &e) == 0 && won == 1);
	CHECK(reg->code_use(b2, h1, "k-2", &won, &e) == 0 && won == 0);
	CHECK(reg->code_get(b2, h1, region, &expires, &used, &e) == 0 && used == 1);
	CHECK(reg->code_get(b2, h2, region, &expires, &used, &e) == 0 && used == 0);
	/* Failures: shared, counted from since, older ones dropped. */
	CHECK(reg->failure_add(b, 100, &e) == 0);
	CHECK(reg->failure_add(b2, 200, &e) == 0);
	CHECK(reg->failure_add(b, 300, &e) == 0);
	CHECK(reg->failure_count(b2, 200, &count, &e) == 0 && count == 2);
	CHECK(reg->failure_count(b2, 0, &count, &e) == 0 && count == 2); /* 100 was dropped */
	/* Devices. */
	memset(&d, 0, sizeof(d));
	d.site = "k-2";
	d.name = "library";
	d.region = "north";
	d.token_hash = h2;
	d.enrolled_ms = 1234;
	CHECK(reg->device_get(b, "k-2", &got, &e) == FS_ENOTFOUND);
	CHECK(reg->device_insert(b, &d, &e) == 0);
	CHECK(reg->device_insert(b2, &d, &e) == FS_ECONFLICT);
	d.site = "k-1";
	d.token_hash = h1;
	CHECK(reg->device_insert(b, &d, &e) == 0);
	CHECK(reg->device_get(b2, "k-2", &got, &e) == 0);
	CHECK_STR(got.name, "library");
	CHECK_STR(got.region, "north");
	CHECK(memcmp(got.token_hash, h2, sizeof(h2)) == 0);
	CHECK(got.enrolled_ms == 1234 && got.last_sync_ms == 0 && got.last_error == NULL &&
	      got.revoked == 0);
	CHECK(reg->device_note(b, "k-2", "push refused", 0, &e) == 0);
	CHECK(reg->device_get(b, "k-2", &got, &e) == 0);
	CHECK_STR(got.last_error, "push refused");
	CHECK(got.last_sync_ms == 0);
	CHECK(reg->device_note(b, "k-2", NULL, 99999, &e) == 0);
	CHECK(reg->device_note(b, "unknown", NULL, 99999, &e) == 0);
	CHECK(reg->device_get(b, "k-2", &got, &e) == 0);
	CHECK(got.last_error == NULL && got.last_sync_ms == 99999);
	CHECK(reg->device_revoke(b, "k-1", &e) == 0);
	CHECK(reg->device_revoke(b, "nobody", &e) == FS_ENOTFOUND);
	CHECK(reg->device_each(b, on_device, &s, &e) == 0 && s.n == 2);
	CHECK_STR(s.key[0], "k-1");
	CHECK(s.table[0] == 1); /* revoked */
	CHECK_STR(s.key[1], "k-2");
	CHECK(s.seq[1] == 99999);
	ops->close(b);
	ops->close(b2);
	/* A store opened otherwise has no registry. */
	if (is_pg) {
		kiosk = fresh(0, loc, sizeof(loc));
		CHECK(kiosk != NULL);
		CHECK(reg->device_get(kiosk, "k-1", &got, &e) == FS_EINVAL);
		CHECK_STR(pg_value(loc,
		                   "SELECT count(*) FROM pg_tables WHERE tablename = 'devices' AND "
		                   "schemaname = current_schema()"),
		          "0");
		ops->close(kiosk);
		/* ... until a hub opens it. */
		kiosk = open_at(loc, 1);
		CHECK(kiosk != NULL);
		CHECK(reg->device_get(kiosk, "k-1", &got, &e) == FS_ENOTFOUND);
		ops->close(kiosk);
	}
}

/* Many processes use one code at once: exactly one wins. */
static void registry_code_used_exactly_once(void)
{
	char loc[512];
	fs_backend *b = fresh(1, loc, sizeof(loc));
	unsigned char h[FS_REGISTRY_HASH_LEN];
	fs_err e = {0, ""};
	int i, status, winners = 0, failed = 0;
	pid_t pid[6];

	CHECK(b != NULL);
	memset(h, 7, sizeof(h));
	CHECK(reg->code_insert(b, h, "north", 1, 2, &e) == 0);
	for (i = 0; i < 6; i++) {
		pid[i] = fork();
		if (pid[i] == 0) {
			fs_backend *c = open_at(loc, 1);
			char site[16];
			int won = 0;

			snprintf(site, sizeof(site), "k-%d", i);
			if (c == NULL || reg->code_use(c, h, site, &won, NULL) != 0)
				_exit(2);
			ops->close(c);
			_exit(won ? 0 : 1);
		}
	}
	for (i = 0; i < 6; i++) {
		if (waitpid(pid[i], &status, 0) != pid[i] || !WIFEXITED(status))
			failed++;
		else if (WEXITSTATUS(status) == 0)
			winners++;
		else if (WEXITSTATUS(status) != 1)
			failed++;
	}
	CHECK(failed == 0);
	CHECK(winners == 1);
	ops->close(b);
}

/* The race of issue 9: writers in several processes each take the change
 * counter (meta "seq") inside FS_TXN_WRITE and insert a row with the next
 * number, while a reader pulls "after cursor C" over and over, moving C to
 * the last seq it saw. Were numbers handed out in another order than
 * commits, a row with a smaller number would commit after the reader had
 * moved past it, and the reader would never see it. */
#define RACE_WRITERS 2
#define RACE_TXNS    300

static int race_writer(const char *loc, int w)
{
	fs_backend *b = open_at(loc, 0);
	fs_err e = {0, ""};
	char text[32], id[48];
	int i, tries = 0;

	if (b == NULL)
		return 2;
	for (i = 0; i < RACE_TXNS;) {
		fs_response_row r;
		long long seq;
		int ins = 0, rc;

		memset(&e, 0, sizeof(e));
		rc = ops->begin(b, FS_TXN_WRITE, &e);
		if (rc == 0)
			rc = ops->meta_get(b, "seq", text, sizeof(text), &e);
		if (rc == FS_ENOTFOUND) {
			snprintf(text, sizeof(text), "0");
			rc = 0;
		}
		seq = strtoll(text, NULL, 10) + 1;
		snprintf(id, sizeof(id), "w%d-%04d", w, i);
		r = rrow(id, "k1", seq);
		snprintf(text, sizeof(text), "%lld", seq);
		if (rc == 0)
			rc = ops->meta_put(b, "seq", text, &e);
		/* A little time inside the transaction widens the window. */
		if (rc == 0 && i % 7 == 0)
			usleep(200);
		if (rc == 0)
			rc = ops->response_insert(b, &r, &ins, &e);
		if (rc == 0)
			rc = ops->commit(b, &e);
		if (rc == FS_EBUSY && ++tries < 100) {
			ops->rollback(b);
			continue;
		}
		if (rc != 0) {
			fprintf(stderr, "writer %d: %s\n", w, e.msg);
			ops->close(b);
			return 1;
		}
		i++;
	}
	ops->close(b);
	return 0;
}

typedef struct race_reader {
	int64_t cursor;
	int n;
	int64_t seqs[RACE_WRITERS * RACE_TXNS + 16];
	int bad;
} race_reader;

static int race_on_row(void *ctx, const fs_row *row)
{
	race_reader *rr = ctx;

	if (row->seq <= rr->cursor)
		rr->bad = 1;
	if (rr->n < (int)(sizeof(rr->seqs) / sizeof(rr->seqs[0])))
		rr->seqs[rr->n++] = row->seq;
	rr->cursor = row->seq;
	return 0;
}

static int on_erasure(void *ctx, const fs_erasure_row *r)
{
	char k[96];

	snprintf(k, sizeof(k), "%s/%s:%s", r->request, r->id, r->region ? r->region : "*");
	return seen_add(ctx, k, r->seq, FS_TABLE_ERASURES);
}

/* Replicated erasure: the erasure rows, the scan that sends them to a
 * region, and the purge that removes everything of one record, and only
 * of that record (k10 shares k1's prefix). */
static void erasure_ops_and_purge(void)
{
	fs_backend *b = fresh(0, NULL, 0);
	fs_err e = {0, ""};
	fs_erasure_row er = {"k1", "contacts", "north", NULL, "req-1", "admin", 500, "hub", 50};
	fs_erasure_row everywhere = {"r1", "responses", NULL, "a", "req-2", "admin", 501, "hub", 51};
	fs_erasure_row got;
	fs_field_row f1 = frow("k1", "notes", "\"secret\"", 10, "a", 1);
	fs_field_row f2 = frow("k1", "phone", "\"1\"", 11, "a", 2);
	fs_field_row f3 = frow("k10", "notes", "\"keep\"", 12, "a", 3);
	fs_conflict_row c1 = crow("k1/phone/0000000000000009/b", "north", 20, "hub", 4);
	fs_response_row r1 = rrow("r1", "a", 5);
	fs_quarantine_row q[] = {{30, "a", "contacts", "k1", "r", "\"secret\""},
	                         {31, "a", "conflicts", "k1/notes/x/a", "r", "{}"},
	                         {32, "a", "contacts", "k10", "r", "\"keep\""},
	                         {33, "a", "conflicts", "k10/notes/x/a", "r", "{}"},
	                         {34, "a", "responses", "r1", "r", "{}"}};
	fs_changes_filter north = {FS_TABLE_ERASURES, NULL, NULL, "north"};
	fs_changes_filter south = {FS_TABLE_ERASURES, NULL, NULL, "south"};
	fs_store_counts n;
	char region[FS_NAME_MAX + 1];
	long removed = -1;
	int ins = 0, held = -1, i;
	seen s;

	CHECK(b != NULL);
	CHECK(ops->begin(b, FS_TXN_WRITE, &e) == 0);
	CHECK(ops->contact_insert(b, "k1", "north", &e) == 0);
	CHECK(ops->contact_insert(b, "k10", "north", &e) == 0);
	CHECK(ops->field_put(b, &f1, &e) == 0 && ops->field_put(b, &f2, &e) == 0 &&
	      ops->field_put(b, &f3, &e) == 0);
	c1.record_id = "k1";
	CHECK(ops->conflict_insert(b, &c1, 0, &ins, &e) == 0 && ins == 1);
	for (i = 0; i < 5; i++)
		CHECK(ops->quarantine_insert(b, &q[i], &e) == 0);
	CHECK(ops->field_version_add(b, "k1", 5, &e) == 0);
	CHECK(ops->field_version_add(b, "k10", 6, &e) == 0);
	CHECK(ops->response_insert(b, &r1, &ins, &e) == 0 && ins == 1);
	CHECK(ops->claim_add(b, "r1", "b", 7, &e) == 0);
	CHECK(ops->erasure_get(b, "k1", &got, &e) == FS_ENOTFOUND);
	CHECK(ops->erasure_insert(b, &er, &ins, &e) == 0 && ins == 1);
	CHECK(ops->erasure_insert(b, &er, &ins, &e) == 0 && ins == 0);
	CHECK(ops->erasure_insert(b, &everywhere, &ins, &e) == 0 && ins == 1);
	CHECK(ops->erasure_get(b, "k1", &got, &e) == 0);
	CHECK_STR(got.region, "north");
	CHECK_STR(got.request, "req-1");
	CHECK_STR(got.kind, "admin");
	CHECK(got.holder == NULL && got.seq == 50 && got.hlc == 500);
	CHECK(ops->record_purge(b, "contacts", "k1", &removed, &e) == 0);
	/* contact, 2 fields, 1 conflict, 2 quarantined, 1 version key */
	CHECK_MSG(removed == 7, "removed %ld", removed);
	CHECK(ops->record_purge(b, "responses", "r1", &removed, &e) == 0 && removed == 3);
	CHECK(ops->record_purge(b, "contacts", "k1", &removed, &e) == 0 && removed == 0);
	CHECK(ops->record_purge(b, "questionnaires", "q1", &removed, &e) == FS_EINVAL);
	CHECK(ops->scrub(b, &e) == FS_EINVAL); /* inside a transaction */
	CHECK(ops->commit(b, &e) == 0);

	CHECK(ops->contact_region(b, "k1", region, &e) == FS_ENOTFOUND);
	CHECK(ops->contact_region(b, "k10", region, &e) == 0);
	CHECK(ops->field_get(b, "k1", "notes", &f1, &e) == FS_ENOTFOUND);
	CHECK(ops->field_get(b, "k10", "notes", &f1, &e) == 0);
	CHECK(ops->field_version_held(b, "k1", 5, &held, &e) == 0 && held == 0);
	CHECK(ops->field_version_held(b, "k10", 6, &held, &e) == 0 && held == 1);
	CHECK(ops->response_get(b, "r1", &r1, &e) == FS_ENOTFOUND);
	CHECK(ops->counts(b, &n, &e) == 0 && n.quarantined == 2 && n.conflicts == 0 &&
	      n.contacts == 1);
	memset(&s, 0, sizeof(s));
	CHECK(ops->claims(b, "r1", on_claim, &s, &e) == 0 && s.n == 0);

	/* The scan: a region's erasures and those of every region. */
	memset(&s, 0, sizeof(s));
	CHECK(ops->changes_scan(b, 0, &north, 100, on_row, &s, &e) == 0 && s.n == 2);
	CHECK_STR(s.key[0], "e:k1@north");
	CHECK_STR(s.key[1], "e:r1@*");
	memset(&s, 0, sizeof(s));
	CHECK(ops->changes_scan(b, 0, &south, 100, on_row, &s, &e) == 0 && s.n == 1);
	CHECK_STR(s.key[0], "e:r1@*");
	memset(&s, 0, sizeof(s));
	CHECK(ops->changes_scan(b, 50, NULL, 100, on_row, &s, &e) == 0 && s.n == 1 &&
	      s.seq[0] == 51);
	memset(&s, 0, sizeof(s));
	CHECK(ops->erasure_each(b, NULL, on_erasure, &s, &e) == 0 && s.n == 2);
	CHECK_STR(s.key[0], "req-1/k1:north");
	CHECK_STR(s.key[1], "req-2/r1:*");
	memset(&s, 0, sizeof(s));
	CHECK(ops->erasure_each(b, "req-2", on_erasure, &s, &e) == 0 && s.n == 1);
	CHECK(ops->scrub(b, &e) == 0);
	ops->close(b);
}

#define WORKERS fs_table_desc_of(FS_TABLE_WORKERS)
#define OFFERS  fs_table_desc_of(FS_TABLE_OFFERS)

static fs_record_row wrow(const char *region, const char *name, const char *hash, int deleted,
                          fs_hlc hlc, const char *site, int64_t seq)
{
	fs_record_row r = {{{region, 0}, {name, 0}, {hash, 0}}, deleted, hlc, site, seq};

	return r;
}

static fs_record_row orow(const char *questionnaire, const char *target, int offered,
                          int retired, fs_hlc hlc, const char *site, int64_t seq)
{
	fs_record_row r = {{{questionnaire, 0}, {target, 0}, {NULL, offered}, {NULL, retired}},
	                   0, hlc, site, seq};

	return r;
}

static int on_worker(void *ctx, const fs_record_row *w)
{
	char k[96];

	snprintf(k, sizeof(k), "%s/%s:%s", w->col[FS_WORKER_REGION].text,
	         w->col[FS_WORKER_NAME].text, w->deleted ? "-" : w->col[FS_WORKER_PIN_HASH].text);
	return seen_add(ctx, k, w->seq, (int)w->hlc);
}

/* Outreach workers: last-writer-wins on (hlc, site) per (region, name), a
 * tombstone without its hash, every region's rows or one's, and the scan
 * sending a region only its own. */
static void worker_ops_last_writer_wins_and_scan(void)
{
	fs_backend *b = fresh(0, NULL, 0);
	fs_err e = {0, ""};
	fs_record_row w1 = wrow("north", "sam", "h1", 0, 100, "hub", 60);
	fs_record_row older = wrow("north", "sam", "h0", 0, 99, "hub", 61);
	fs_record_row tie_lower = wrow("north", "sam", "h9", 0, 100, "aaa", 62);
	fs_record_row gone = wrow("north", "sam", "ignored", 1, 200, "hub", 63);
	fs_record_row south = wrow("south", "ola", "h2", 0, 150, "hub", 64);
	fs_record_row north_sam = wrow("north", "sam", NULL, 0, 0, NULL, 0);
	fs_record_row south_sam = wrow("south", "sam", NULL, 0, 0, NULL, 0);
	fs_changes_filter north = {FS_TABLE_WORKERS, NULL, NULL, "north"};
	fs_record_row got;
	int changed = -1;
	seen s;

	CHECK(b != NULL);
	CHECK(ops->record_get(b, WORKERS, &north_sam, &got, &e) == FS_ENOTFOUND);
	CHECK(ops->begin(b, FS_TXN_WRITE, &e) == 0);
	CHECK(ops->record_put(b, WORKERS, &w1, &changed, &e) == 0 && changed == 1);
	CHECK(ops->record_put(b, WORKERS, &older, &changed, &e) == 0 && changed == 0);
	CHECK(ops->record_put(b, WORKERS, &tie_lower, &changed, &e) == 0 && changed == 0);
	CHECK(ops->record_put(b, WORKERS, &south, &changed, &e) == 0 && changed == 1);
	CHECK(ops->commit(b, &e) == 0);
	CHECK(ops->record_get(b, WORKERS, &north_sam, &got, &e) == 0);
	CHECK_STR(got.col[FS_WORKER_PIN_HASH].text, "h1");
	CHECK(got.hlc == 100 && got.seq == 60 && !got.deleted);
	CHECK(ops->record_put(b, WORKERS, &gone, &changed, &e) == 0 && changed == 1);
	CHECK(ops->record_get(b, WORKERS, &north_sam, &got, &e) == 0);
	CHECK(got.deleted && got.col[FS_WORKER_PIN_HASH].text == NULL && got.seq == 63);
	CHECK(ops->record_get(b, WORKERS, &south_sam, &got, &e) == FS_ENOTFOUND);
	memset(&s, 0, sizeof(s));
	CHECK(ops->record_each(b, WORKERS, NULL, on_worker, &s, &e) == 0 && s.n == 2);
	CHECK_STR(s.key[0], "north/sam:-");
	CHECK_STR(s.key[1], "south/ola:h2");
	memset(&s, 0, sizeof(s));
	CHECK(ops->record_each(b, WORKERS, "south", on_worker, &s, &e) == 0 && s.n == 1);
	memset(&s, 0, sizeof(s));
	CHECK(ops->changes_scan(b, 0, &north, 100, on_row, &s, &e) == 0 && s.n == 1);
	CHECK_STR(s.key[0], "w:sam@north-");
	memset(&s, 0, sizeof(s));
	CHECK(ops->changes_scan(b, 0, NULL, 100, on_row, &s, &e) == 0 && s.n == 2);
	CHECK(s.seq[0] == 63 && s.seq[1] == 64);
	ops->close(b);
}

static int on_offer(void *ctx, const fs_record_row *r)
{
	char k[96];

	snprintf(k, sizeof(k), "%.40s@%.40s=%d%d", r->col[FS_OFFER_QUESTIONNAIRE].text,
	         r->col[FS_OFFER_TARGET].text, (int)r->col[FS_OFFER_OFFERED].num,
	         (int)r->col[FS_OFFER_RETIRED].num);
	return seen_add(ctx, k, r->seq, FS_TABLE_OFFERS);
}

static int on_count(void *ctx, const char *questionnaire, int64_t version, int64_t count)
{
	char k[96];

	snprintf(k, sizeof(k), "%.40s/%lld:%lld", questionnaire, (long long)version,
	         (long long)count);
	return seen_add(ctx, k, 0, 0);
}

/* Questionnaire offers: last-writer-wins per (questionnaire, target), the
 * scan that sends "*" rows to every region and a region's to it only,
 * each in key order, and the live responses counted per version. */
static void offer_ops_and_scan(void)
{
	fs_backend *b = fresh(0, NULL, 0);
	fs_err e = {0, ""};
	fs_record_row all = orow("q1", "*", 0, 0, 100, "hub", 10);
	fs_record_row north = orow("q1", "north", 1, 0, 101, "hub", 11);
	fs_record_row south = orow("q2", "south", 1, 0, 102, "hub", 12);
	fs_record_row got, older;
	fs_changes_filter fn = {FS_TABLE_OFFERS, NULL, NULL, "north"};
	fs_changes_filter fs = {FS_TABLE_OFFERS, NULL, NULL, "south"};
	fs_response_row r;
	int ch = -1, ins = 0;
	seen s;

	CHECK(b != NULL);
	CHECK(ops->record_get(b, OFFERS, &all, &got, &e) == FS_ENOTFOUND);
	CHECK(ops->record_put(b, OFFERS, &all, &ch, &e) == 0 && ch == 1);
	CHECK(ops->record_put(b, OFFERS, &north, &ch, &e) == 0 && ch == 1);
	CHECK(ops->record_put(b, OFFERS, &south, &ch, &e) == 0 && ch == 1);
	/* An older or equal stamp changes nothing; a greater one replaces. */
	older = north;
	older.col[FS_OFFER_OFFERED].num = 0;
	older.hlc = 90;
	older.seq = 13;
	CHECK(ops->record_put(b, OFFERS, &older, &ch, &e) == 0 && ch == 0);
	older.hlc = 101;
	CHECK(ops->record_put(b, OFFERS, &older, &ch, &e) == 0 && ch == 0);
	CHECK(ops->record_get(b, OFFERS, &north, &got, &e) == 0);
	CHECK(got.col[FS_OFFER_OFFERED].num == 1 && got.hlc == 101 && got.seq == 11);
	all.col[FS_OFFER_RETIRED].num = 1;
	all.hlc = 200;
	all.seq = 14;
	CHECK(ops->record_put(b, OFFERS, &all, &ch, &e) == 0 && ch == 1);
	CHECK(ops->record_get(b, OFFERS, &all, &got, &e) == 0);
	CHECK(got.col[FS_OFFER_RETIRED].num == 1 && got.col[FS_OFFER_OFFERED].num == 0 &&
	      got.seq == 14);
	CHECK_STR(got.site, "hub");

	memset(&s, 0, sizeof(s));
	CHECK(ops->record_each(b, OFFERS, NULL, on_offer, &s, &e) == 0 && s.n == 3);
	CHECK_STR(s.key[0], "q1@*=01");
	CHECK_STR(s.key[1], "q1@north=10");
	CHECK_STR(s.key[2], "q2@south=10");
	memset(&s, 0, sizeof(s));
	CHECK(ops->record_each(b, OFFERS, "q2", on_offer, &s, &e) == 0 && s.n == 1);

	/* North's kiosks get the "*" row and north's; south's the "*" row and
	 * south's; no filter: every row, by seq. */
	memset(&s, 0, sizeof(s));
	CHECK(ops->changes_scan(b, 0, &fn, 100, on_row, &s, &e) == 0 && s.n == 2);
	CHECK_STR(s.key[0], "o:q1@north");
	CHECK_STR(s.key[1], "o:q1@*");
	memset(&s, 0, sizeof(s));
	CHECK(ops->changes_scan(b, 0, &fs, 100, on_row, &s, &e) == 0 && s.n == 2);
	CHECK_STR(s.key[0], "o:q2@south");
	CHECK_STR(s.key[1], "o:q1@*");
	memset(&s, 0, sizeof(s));
	CHECK(ops->changes_scan(b, 11, NULL, 100, on_row, &s, &e) == 0 && s.n == 2 &&
	      s.seq[0] == 12 && s.seq[1] == 14);

	/* Responses counted per version, tombstones left out. */
	r = rrow("r1", "a", 20);
	CHECK(ops->response_insert(b, &r, &ins, &e) == 0 && ins == 1);
	r = rrow("r2", "a", 21);
	CHECK(ops->response_insert(b, &r, &ins, &e) == 0 && ins == 1);
	r = rrow("r3", "a", 22);
	r.version = 2;
	CHECK(ops->response_insert(b, &r, &ins, &e) == 0 && ins == 1);
	CHECK(ops->response_erase(b, "r2", 999, "a", 23, &ch, &e) == 0 && ch == 1);
	memset(&s, 0, sizeof(s));
	CHECK(ops->response_counts(b, on_count, &s, &e) == 0 && s.n == 2);
	CHECK_STR(s.key[0], "q1/1:1");
	CHECK_STR(s.key[1], "q1/2:1");
	ops->close(b);
}

static void seq_follows_commit_order(void)
{
	char loc[512];
	fs_backend *b = fresh(0, loc, sizeof(loc));
	static race_reader rr;
	fs_err e = {0, ""};
	pid_t pid[RACE_WRITERS];
	int i, status, running, failed = 0, dup = 0, passes = 0;
	const int total = RACE_WRITERS * RACE_TXNS;
	struct timespec t0, t1;
	double secs;

	CHECK(b != NULL);
	memset(&rr, 0, sizeof(rr));
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (i = 0; i < RACE_WRITERS; i++) {
		pid[i] = fork();
		if (pid[i] == 0)
			_exit(race_writer(loc, i));
	}
	for (running = RACE_WRITERS;;) {
		/* One more pass once the writers are done. */
		int final = running == 0;

		CHECK(ops->begin(b, FS_TXN_READ, &e) == 0);
		CHECK(ops->changes_scan(b, rr.cursor, NULL, 1000, race_on_row, &rr, &e) == 0);
		CHECK(ops->commit(b, &e) == 0);
		passes++;
		for (i = 0; i < RACE_WRITERS && !final; i++)
			if (pid[i] > 0 && waitpid(pid[i], &status, WNOHANG) == pid[i]) {
				if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
					failed++;
				pid[i] = 0;
				running--;
			}
		if (final)
			break;
	}
	CHECK(failed == 0);
	CHECK(rr.bad == 0);
	/* Every number from 1 to total once, in order: none skipped. */
	for (i = 0; i < rr.n; i++)
		if (rr.seqs[i] != i + 1)
			dup++;
	CHECK_MSG(rr.n == total && dup == 0, "reader saw %d of %d rows, %d out of place", rr.n,
	          total, dup);
	{
		fs_store_counts n;

		CHECK(ops->counts(b, &n, &e) == 0);
		CHECK_MSG(n.responses == total, "%ld rows committed, reader saw %d", n.responses,
		          rr.n);
	}
	clock_gettime(CLOCK_MONOTONIC, &t1);
	secs = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
	printf("     race: %d write transactions by %d processes in %.2f s (%.0f/s), %d reader "
	       "passes\n",
	       total, RACE_WRITERS, secs, total / secs, passes);
	ops->close(b);
}

/* ---- PostgreSQL only ---- */

/* Another writer holds the write lock longer than lock_timeout: FS_EBUSY,
 * and the connection string's own lock_timeout is the one used. */
static void pg_write_lock_times_out_busy(void)
{
	char loc[512], slow[600];
	fs_backend *a = fresh(0, loc, sizeof(loc)), *b2 = NULL;
	fs_err e = {0, ""};
	struct timespec t0, t1;
	long ms;

	CHECK(a != NULL);
	pg_location(slow, sizeof(slow), pg_schema, "%20-clock_timeout%3D300");
	b2 = open_at(slow, 0);
	CHECK(b2 != NULL);
	CHECK(ops->begin(a, FS_TXN_WRITE, &e) == 0);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	CHECK(ops->begin(b2, FS_TXN_WRITE, &e) == FS_EBUSY);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	ms = (t1.tv_sec - t0.tv_sec) * 1000 + (t1.tv_nsec - t0.tv_nsec) / 1000000;
	CHECK_MSG(ms >= 250 && ms < 5000, "%ld ms", ms);
	CHECK(strstr(e.msg, "try again") != NULL);
	/* Readers are not held up by the writer. */
	memset(&e, 0, sizeof(e));
	CHECK(ops->begin(b2, FS_TXN_READ, &e) == 0);
	CHECK(ops->commit(b2, &e) == 0);
	ops->rollback(a);
	CHECK(ops->begin(b2, FS_TXN_WRITE, &e) == 0);
	CHECK(ops->commit(b2, &e) == 0);
	ops->close(a);
	ops->close(b2);
}

/* A setting of fieldsync's handle's session (white box: its connection). */
static const char *session_setting(fs_backend *b, const char *name)
{
	static char out[64];
	char sql[96];
	PGresult *r;

	snprintf(sql, sizeof(sql), "SHOW %s", name);
	r = PQexec(b->conn, sql);
	snprintf(out, sizeof(out), "%s",
	         PQresultStatus(r) == PGRES_TUPLES_OK ? PQgetvalue(r, 0, 0) : "?");
	PQclear(r);
	return out;
}

/* The session: commits flushed even where the database says otherwise,
 * fieldsync's limits unless the connection string (or role, database,
 * server) sets its own. */
static void pg_session_settings(void)
{
	char loc[512], own[600];
	fs_backend *b = NULL;

	new_location(loc, sizeof(loc));
	pg_location(own, sizeof(own), pg_schema, "%20-csynchronous_commit%3Doff");
	b = open_at(own, 0);
	CHECK(b != NULL);
	CHECK_STR(session_setting(b, "synchronous_commit"), "on");
	CHECK_STR(session_setting(b, "lock_timeout"), "10s");
	CHECK_STR(session_setting(b, "statement_timeout"), "1min");
	CHECK_STR(session_setting(b, "idle_in_transaction_session_timeout"), "1min");
	CHECK_STR(session_setting(b, "bytea_output"), "hex");
	ops->close(b);
	pg_location(own, sizeof(own), pg_schema,
	            "%20-clock_timeout%3D2500%20-cstatement_timeout%3D0");
	b = open_at(own, 0);
	CHECK(b != NULL);
	CHECK_STR(session_setting(b, "lock_timeout"), "2500ms");
	CHECK_STR(session_setting(b, "statement_timeout"), "0");
	CHECK_STR(session_setting(b, "idle_in_transaction_session_timeout"), "1min");
	ops->close(b);
}

/* fsync=off on the server set for a moment (the throwaway server is ours):
 * until it is reset, stores there are refused, since no commit would be
 * durable. */
static void set_fsync(const char *value)
{
	char sql[96];
	int i;

	snprintf(sql, sizeof(sql), "ALTER SYSTEM SET fsync = %s", value);
	if (pg_sql(base, sql) != 0 || pg_sql(base, "SELECT pg_reload_conf()") != 0)
		return;
	for (i = 0; i < 100 && strcmp(pg_value(base, "SHOW fsync"), value) != 0; i++)
		usleep(50 * 1000);
}

static void pg_refuses_server_without_fsync(void)
{
	char loc[512];
	fs_backend_options o = {1, 0, 0};
	fs_backend *b = NULL;
	fs_err e = {0, ""};
	int rc;

	new_location(loc, sizeof(loc));
	set_fsync("off");
	rc = ops->open(&b, loc, &o, &e);
	set_fsync("on");
	CHECK_MSG(rc == FS_EGENERIC && b == NULL, "%d %s", rc, e.msg);
	CHECK(strstr(e.msg, "fsync=off") != NULL);
	b = open_at(loc, 0);
	CHECK(b != NULL);
	ops->close(b);
}

/* A statement that failed inside a transaction makes commit fail: the
 * caller is never told a rolled-back transaction was saved. */
static void pg_commit_after_failure_is_an_error(void)
{
	fs_backend *b = fresh(0, NULL, 0);
	fs_field_row f = frow("no-such-contact", "phone", "1", 1, "k", 1);
	fs_err e = {0, ""};
	char out[8];

	CHECK(b != NULL);
	CHECK(ops->begin(b, FS_TXN_WRITE, &e) == 0);
	CHECK(ops->meta_put(b, "x", "1", &e) == 0);
	CHECK(ops->field_put(b, &f, &e) == FS_EGENERIC);
	memset(&e, 0, sizeof(e));
	CHECK(ops->commit(b, &e) != 0);
	CHECK(strstr(e.msg, "rolled back") != NULL || strstr(e.msg, "failed") != NULL);
	CHECK(ops->meta_get(b, "x", out, sizeof(out), &e) == FS_ENOTFOUND);
	ops->close(b);
}

/* Text that is not UTF-8 is refused as such, without quoting it. */
static void pg_invalid_utf8_is_einval(void)
{
	fs_backend *b = fresh(0, NULL, 0);
	fs_err e = {0, ""};

	CHECK(b != NULL);
	CHECK(ops->meta_put(b, "k", "secret\xff\xfe", &e) == FS_EINVAL);
	CHECK(strstr(e.msg, "UTF-8") != NULL);
	CHECK(strstr(e.msg, "0xff") == NULL && strstr(e.msg, "secret") == NULL);
	ops->close(b);
}

/* A refused login names the server, never the password. */
static void pg_connect_error_hides_password(void)
{
	char bad[600], pw[64] = "";
	const char *at = strrchr(base, '@'), *colon;
	fs_backend_options o = {1, 0, 0};
	fs_backend *b = NULL;
	fs_err e = {0, ""};

	CHECK(at != NULL);
	colon = memchr(base + 13, ':', (size_t)(at - base - 13));
	CHECK(colon != NULL);
	/* The real password in a URI that names a database that is not there,
	 * then a wrong password. */
	snprintf(pw, sizeof(pw), "%.*s", (int)(at - colon - 1), colon + 1);
	CHECK(strlen(pw) >= 8);
	pg_uri_with_db(bad, sizeof(bad), "no_such_db");
	CHECK(ops->open(&b, bad, &o, &e) == FS_EGENERIC && b == NULL);
	CHECK(strstr(e.msg, pw) == NULL);
	CHECK(strstr(e.msg, "no_such_db") != NULL);
	snprintf(bad, sizeof(bad), "%.*sWRONGpw%s", (int)(colon + 1 - base), base, at);
	memset(&e, 0, sizeof(e));
	CHECK(ops->open(&b, bad, &o, &e) == FS_EGENERIC && b == NULL);
	CHECK(strstr(e.msg, "WRONGpw") == NULL);
	CHECK(strstr(e.msg, pw) == NULL);
	CHECK(strstr(e.msg, "127.0.0.1") != NULL);
	CHECK(fs_pg_location("postgresql://x/y") && fs_pg_location("postgres://x") &&
	      !fs_pg_location("/var/lib/fieldsync/hub.db") && !fs_pg_location(NULL));
}

/* After the server ends the session (a restart, a failover), the next
 * operation outside a transaction connects again. */
static void pg_reconnects_after_session_loss(void)
{
	char loc[512], sql[160], out[16];
	fs_backend *b = fresh(0, loc, sizeof(loc));
	fs_err e = {0, ""};

	CHECK(b != NULL);
	CHECK(ops->meta_put(b, "k", "v", &e) == 0);
	snprintf(sql, sizeof(sql), "SELECT pg_terminate_backend(%d)", PQbackendPID(b->conn));
	CHECK_STR(pg_value(base, sql), "t");
	usleep(100 * 1000);
	CHECK(ops->meta_get(b, "k", out, sizeof(out), &e) != 0); /* that one is lost */
	CHECK(strstr(e.msg, "connection") != NULL);
	memset(&e, 0, sizeof(e));
	CHECK_MSG(ops->meta_get(b, "k", out, sizeof(out), &e) == 0, "%s", e.msg);
	CHECK_STR(out, "v");
	ops->close(b);
}

/* ---- a whole-store copy: the rows no other operation visits ---- */

static int on_meta(void *ctx, const char *key, const char *value)
{
	char k[96];

	snprintf(k, sizeof(k), "%s=%s", key, value);
	return seen_add(ctx, k, 0, 0);
}

static int on_peer(void *ctx, const char *site, int64_t push, int64_t pull)
{
	char k[96];

	snprintf(k, sizeof(k), "%s:%lld:%lld", site, (long long)push, (long long)pull);
	return seen_add(ctx, k, 0, 0);
}

static int on_quarantine(void *ctx, int64_t id, const fs_quarantine_row *q)
{
	char k[96];

	snprintf(k, sizeof(k), "%lld:%llu:%s:%s:%s:%s:%s", (long long)id,
	         (unsigned long long)q->received_hlc, q->from_site, q->record_table, q->record_id,
	         q->reason, q->change);
	return seen_add(ctx, k, id, 0);
}

static int on_claim_row(void *ctx, const char *id, const char *site, fs_hlc hlc)
{
	char k[96];

	snprintf(k, sizeof(k), "%s/%s", id, site);
	return seen_add(ctx, k, (int64_t)hlc, 0);
}

static int on_key(void *ctx, const char *contact_id, int64_t key)
{
	return seen_add(ctx, contact_id, key, 0);
}

static int on_code(void *ctx, const fs_code_row *c)
{
	char k[96];

	snprintf(k, sizeof(k), "%02x%02x:%s:%llu:%llu:%s", c->hash[0], c->hash[31], c->region,
	         (unsigned long long)c->created_ms, (unsigned long long)c->expires_ms,
	         c->used_by ? c->used_by : "-");
	return seen_add(ctx, k, 0, 0);
}

static int on_failure(void *ctx, uint64_t at_ms)
{
	return seen_add(ctx, "", (int64_t)at_ms, 0);
}

/* Every row of meta, peers, quarantine (with ids), claims, field versions,
 * codes and failures is visited in key order, over more than a page. */
static void copy_ops_visit_every_row(void)
{
	fs_quarantine_row qr = {7, "k1", "responses", "r9", "answers invalid", "{\"x\":1}"};
	fs_backend *b = fresh(1, NULL, 0);
	unsigned char h[FS_REGISTRY_HASH_LEN];
	fs_err e = {0, ""};
	seen s;
	char id[32];
	int i, ok = 1;

	CHECK(b != NULL);
	CHECK(ops->begin(b, FS_TXN_WRITE, &e) == 0);
	CHECK(ops->meta_put(b, "site", "hub", &e) == 0);
	CHECK(ops->meta_put(b, "hlc", "123", &e) == 0);
	for (i = 0; i < 300; i++) {
		snprintf(id, sizeof(id), "k%03d", i);
		ok = ok && ops->peer_set_push(b, id, i, &e) == 0 &&
		     ops->peer_set_pull(b, id, 2 * i, &e) == 0;
		/* Claims of two sites per id, field versions of any 64-bit key
		 * (both ends too), failures sharing times. */
		ok = ok && ops->claim_add(b, id, "s2", (fs_hlc)i, &e) == 0 &&
		     ops->claim_add(b, id, "s1", (fs_hlc)i + 1, &e) == 0;
		ok = ok && ops->field_version_add(b, "c", (int64_t)(i - 150) * 1000003, &e) == 0;
		ok = ok && reg->failure_add(b, (uint64_t)(i / 2), &e) == 0;
	}
	CHECK_MSG(ok, "%s", e.msg);
	CHECK(ops->field_version_add(b, "c", INT64_MIN, &e) == 0);
	CHECK(ops->field_version_add(b, "c", INT64_MAX, &e) == 0);
	/* Quarantine: kept ids, then new rows numbered above them. */
	CHECK(ops->quarantine_insert(b, &qr, &e) == 0);
	CHECK(ops->quarantine_put(b, 40, &qr, &e) == 0);
	CHECK(ops->quarantine_put(b, 40, &qr, &e) == FS_ECONFLICT);
	CHECK(ops->quarantine_put(b, 0, &qr, &e) == FS_EINVAL);
	qr.reason = "again";
	CHECK(ops->quarantine_insert(b, &qr, &e) == 0);
	for (i = 0; i < 300; i++) {
		memset(h, 0, sizeof(h));
		h[0] = (unsigned char)(i >> 8);
		h[1] = (unsigned char)i;
		h[31] = (unsigned char)(255 - i % 256);
		CHECK(reg->code_insert(b, h, i % 2 ? "north" : "south", 1000 + i, 5000 + i, &e) ==
		      0);
		if (i % 3 == 0) {
			int won = 0;

			CHECK(reg->code_use(b, h, "k-used", &won, &e) == 0 && won == 1);
		}
	}
	CHECK(ops->commit(b, &e) == 0);

	memset(&s, 0, sizeof(s));
	CHECK(ops->meta_each(b, on_meta, &s, &e) == 0);
	CHECK(s.n >= 3);
	for (i = 1; i < s.n; i++)
		CHECK(strcmp(s.key[i - 1], s.key[i]) < 0);
	ok = 0;
	for (i = 0; i < s.n; i++)
		ok += strcmp(s.key[i], "site=hub") == 0 || strcmp(s.key[i], "hlc=123") == 0;
	CHECK(ok == 2);

	memset(&s, 0, sizeof(s));
	CHECK(ops->peer_each(b, on_peer, &s, &e) == 0 && s.n == 300);
	CHECK_STR(s.key[0], "k000:0:0");
	CHECK_STR(s.key[299], "k299:299:598");

	memset(&s, 0, sizeof(s));
	CHECK(ops->quarantine_each(b, on_quarantine, &s, &e) == 0 && s.n == 3);
	CHECK(s.seq[0] < 40 && s.seq[1] == 40 && s.seq[2] > 40);
	CHECK_STR(s.key[1], "40:7:k1:responses:r9:answers invalid:{\"x\":1}");

	memset(&s, 0, sizeof(s));
	CHECK(ops->claim_each(b, on_claim_row, &s, &e) == 0 && s.n == 600);
	CHECK_STR(s.key[0], "k000/s1");
	CHECK(s.seq[0] == 1);
	CHECK_STR(s.key[1], "k000/s2");
	CHECK_STR(s.key[599], "k299/s2");
	CHECK(s.seq[599] == 299);

	memset(&s, 0, sizeof(s));
	CHECK(ops->field_version_each(b, on_key, &s, &e) == 0 && s.n == 302);
	CHECK(s.seq[0] == INT64_MIN && s.seq[1] == -150 * 1000003 && s.seq[301] == INT64_MAX);
	for (i = 1; i < s.n; i++)
		CHECK(s.seq[i - 1] < s.seq[i]);

	memset(&s, 0, sizeof(s));
	CHECK(reg->code_each(b, on_code, &s, &e) == 0 && s.n == 300);
	CHECK_STR(s.key[0], "00ff:south:1000:5000:k-used");
	CHECK_STR(s.key[1], "00fe:north:1001:5001:-");
	CHECK_STR(s.key[299], "01d4:north:1299:5299:-");

	memset(&s, 0, sizeof(s));
	CHECK(reg->failure_each(b, on_failure, &s, &e) == 0 && s.n == 300);
	CHECK(s.seq[0] == 0 && s.seq[1] == 0 && s.seq[2] == 1 && s.seq[299] == 149);

	/* A callback stops early (0) or aborts (its error). */
	memset(&s, 0, sizeof(s));
	s.stop_after = 10;
	CHECK(ops->claim_each(b, on_claim_row, &s, &e) == 0 && s.n == 10);
	memset(&s, 0, sizeof(s));
	s.fail_after = 270;
	CHECK(reg->failure_each(b, on_failure, &s, &e) == FS_EINVAL && s.n == 270);
	ops->close(b);
}

int main(int argc, char **argv)
{
	if (argc != 3) {
		fprintf(stderr, "usage: backend_test sqlite DIR | postgresql URI\n");
		return 2;
	}
	base = argv[2];
	if (strcmp(argv[1], "postgresql") == 0) {
		ops = &fs_pg_backend;
		reg = &fs_pg_registry;
		is_pg = 1;
	} else if (strcmp(argv[1], "sqlite") == 0) {
#ifdef FS_TEST_SQLITE
		ops = &fs_sqlite_backend;
		reg = &fs_sqlite_registry;
#else
		fprintf(stderr, "backend_test: this build has no SQLite backend\n");
		return 77;
#endif
	} else {
		fprintf(stderr, "backend_test: unknown backend %s\n", argv[1]);
		return 2;
	}
	RUN(open_refuses_foreign_and_newer);
	RUN(concurrent_open_migrates_once);
	RUN(meta_get_put);
	RUN(questionnaires_insert_retire_each);
	RUN(responses_insert_replace_erase_redate);
	RUN(responses_each_filters);
	RUN(claims_keep_greatest_per_site);
	RUN(contacts_and_fields_last_writer_wins);
	RUN(contacts_each_pages);
	RUN(conflicts_replace_rule_and_order);
	RUN(quarantine_counts_peers);
	RUN(changes_scan_order_filters_limit);
	RUN(changes_scan_memory_is_bounded);
	RUN(clock_max_hlc_and_restamp_own);
	RUN(transactions_rollback_and_snapshot);
	RUN(registry_codes_failures_devices);
	RUN(registry_code_used_exactly_once);
	RUN(copy_ops_visit_every_row);
	RUN(seq_follows_commit_order);
	RUN(erasure_ops_and_purge);
	RUN(offer_ops_and_scan);
	RUN(worker_ops_last_writer_wins_and_scan);
	if (is_pg) {
		RUN(pg_integrity_check_sees_duplicate_seq);
		RUN(pg_session_settings);
		RUN(pg_write_lock_times_out_busy);
		RUN(pg_commit_after_failure_is_an_error);
		RUN(pg_invalid_utf8_is_einval);
		RUN(pg_connect_error_hides_password);
		RUN(pg_reconnects_after_session_loss);
		RUN(pg_refuses_server_without_fsync);
	}
	return TEST_DONE();
}
