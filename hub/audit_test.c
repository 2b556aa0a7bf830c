/* The audit trail's rules (hub/audit.c): append, the hash chain and its
 * check against rows changed, removed or reordered by hand, pruning, bad
 * entries refused, appends from several processes at once, and a whole-store
 * copy. On SQLite (no argument) or on PostgreSQL (argument: a server's URI,
 * tests/pg/pg_tmp.sh; each store a schema). */
#include <sys/wait.h>
#include <unistd.h>
#include "audit.h"
#include "fieldsync/backend.h"
#include "fieldsync/copy.h"
#include "test.h"
#include "test_stores.h"

static char dir[64];
static const char *pg_base; /* NULL: SQLite */

#define ACTOR "admin:tester@host"

/* Run sql on the store called name, behind the hub's back (a tamperer). */
static void store_sql(const char *name, const char *sql)
{
	test_store_sql(pg_base, dir, name, sql);
}

/* A hub store called name: dir/name.db, or schema name on PostgreSQL. */
static fs_store *hub_store(const char *name, test_clock *clk)
{
	return test_store_named(pg_base, dir, name, "hub", NULL, clk);
}

static void add(fs_store *s, const char *action, int n)
{
	json_t *d = json_pack("{s:i}", "n", n);
	fs_err e = {0, ""};

	CHECK_MSG(hub_audit_add(s, ACTOR, action, d, &e) == 0, "%s", e.msg);
	json_decref(d);
}

static int count_entry(void *ctx, const json_t *entry)
{
	(void)entry;
	++*(long *)ctx;
	return 0;
}

static long entries(fs_store *s, uint64_t since)
{
	long n = 0;
	fs_err e = {0, ""};

	if (hub_audit_each(s, since, count_entry, &n, &e) != 0) {
		fprintf(stderr, "audit each: %s\n", e.msg);
		return -1;
	}
	return n;
}

/* verify's verdict: 0, or the message of the first broken entry. */
static int verify(fs_store *s, long *n, fs_err *e)
{
	fs_err_clear(e);
	return hub_audit_verify(s, n, e);
}

static void audit_chain_appends_and_verifies(void)
{
	test_clock clk = {1795770000000ull};
	fs_store *s = hub_store("audit_a", &clk);
	fs_err e = {0, ""};
	char head[65];
	int64_t id = 0;
	long n = -1;

	CHECK(verify(s, &n, &e) == 0 && n == 0);
	add(s, "publish", 1);
	clk.ms += 1000;
	add(s, "enroll", 2);
	clk.ms += 1000;
	add(s, "revoke", 3);
	CHECK_MSG(verify(s, &n, &e) == 0, "%s", e.msg);
	CHECK(n == 3);
	CHECK(entries(s, 0) == 3);
	CHECK(entries(s, 1795770001000ull) == 2);
	CHECK(hub_audit_head(s, &id, head, &e) == 0 && id == 3 && strlen(head) == 64);
	fs_store_close(s);
}

static void audit_chain_names_a_changed_entry(void)
{
	fs_store *s = hub_store("audit_b", NULL);
	fs_err e = {0, ""};
	long n = 0;

	add(s, "publish", 1);
	add(s, "enroll", 2);
	add(s, "revoke", 3);
	store_sql("audit_b", "UPDATE audit_log SET detail = '{\"n\":9}' WHERE id = 2");
	CHECK(verify(s, &n, &e) == FS_EGENERIC);
	CHECK_MSG(strstr(e.msg, "audit entry 2:") != NULL, "%s", e.msg);
	CHECK(n == 1);
	fs_store_close(s);
	s = hub_store("audit_b2", NULL);
	add(s, "publish", 1);
	add(s, "enroll", 2);
	store_sql("audit_b2", "UPDATE audit_log SET actor = 'admin:someone@else' WHERE id = 1");
	CHECK(verify(s, &n, &e) == FS_EGENERIC);
	CHECK_MSG(strstr(e.msg, "audit entry 1:") != NULL, "%s", e.msg);
	fs_store_close(s);
}

static void audit_chain_detects_a_removed_entry(void)
{
	fs_store *s = hub_store("audit_c", NULL);
	fs_err e = {0, ""};
	long n = 0;

	add(s, "publish", 1);
	add(s, "enroll", 2);
	add(s, "revoke", 3);
	add(s, "export", 4);
	store_sql("audit_c", "DELETE FROM audit_log WHERE id = 2");
	CHECK(verify(s, &n, &e) == FS_EGENERIC);
	CHECK_MSG(strstr(e.msg, "audit entry 3:") != NULL, "%s", e.msg);
	fs_store_close(s);
	/* Renumbered to hide the gap: the previous hash gives it away. */
	s = hub_store("audit_c2", NULL);
	add(s, "publish", 1);
	add(s, "enroll", 2);
	add(s, "revoke", 3);
	store_sql("audit_c2", "DELETE FROM audit_log WHERE id = 2");
	store_sql("audit_c2", "UPDATE audit_log SET id = 2 WHERE id = 3");
	CHECK(verify(s, &n, &e) == FS_EGENERIC);
	CHECK_MSG(strstr(e.msg, "audit entry 2:") != NULL, "%s", e.msg);
	/* The first entry removed: the chain starts at 1. */
	fs_store_close(s);
	s = hub_store("audit_c3", NULL);
	add(s, "publish", 1);
	add(s, "enroll", 2);
	store_sql("audit_c3", "DELETE FROM audit_log WHERE id = 1");
	CHECK(verify(s, &n, &e) == FS_EGENERIC);
	CHECK_MSG(strstr(e.msg, "audit entry 2:") != NULL, "%s", e.msg);
	fs_store_close(s);
}

static void audit_prune_keeps_the_chain_verifiable(void)
{
	test_clock clk = {1795770000000ull};
	fs_store *s = hub_store("audit_d", &clk);
	fs_err e = {0, ""};
	long n = 0, removed = -1;
	int i;

	for (i = 0; i < 5; i++) {
		add(s, "publish", i);
		clk.ms += 1000;
	}
	/* Before the first: nothing to remove, nothing written. */
	CHECK(hub_audit_prune(s, 1795770000000ull, &removed, &e) == 0 && removed == 0);
	CHECK(entries(s, 0) == 5);
	CHECK(hub_audit_prune(s, 1795770002500ull, &removed, &e) == 0);
	CHECK(removed == 3);
	CHECK_MSG(verify(s, &n, &e) == 0, "%s", e.msg);
	CHECK(n == 3); /* entries 4, 5 and the prune's own */
	add(s, "enroll", 9);
	CHECK_MSG(verify(s, &n, &e) == 0 && n == 4, "%s", e.msg);
	/* The oldest entry left removed too: the anchor shows it. */
	store_sql("audit_d", "DELETE FROM audit_log WHERE id = 4");
	CHECK(verify(s, &n, &e) == FS_EGENERIC);
	CHECK_MSG(strstr(e.msg, "audit entry 5:") != NULL, "%s", e.msg);
	fs_store_close(s);
	/* Everything pruned: the prune's entry chains to the anchor. */
	clk.ms += 1000;
	s = hub_store("audit_d2", &clk);
	add(s, "publish", 1);
	add(s, "enroll", 2);
	clk.ms += 1000;
	CHECK(hub_audit_prune(s, clk.ms, &removed, &e) == 0 && removed == 2);
	CHECK_MSG(verify(s, &n, &e) == 0 && n == 1, "%s", e.msg);
	add(s, "revoke", 3);
	CHECK_MSG(verify(s, &n, &e) == 0 && n == 2, "%s", e.msg);
	fs_store_close(s);
}

static void audit_refuses_bad_entries(void)
{
	static const char *const actors[] = {"", "someone", "admin:", "admin:a b", "admin:\x01",
	                                     "root:x"};
	static const char *const actions[] = {"", "Publish", "a-b", "a b",
	                                      "abcdefghijklmnopqrstuvwxyzabcdefg"};
	fs_store *s = hub_store("audit_e", NULL);
	json_t *arr = json_array(), *big = json_object();
	char pad[HUB_AUDIT_DETAIL_MAX + 1];
	fs_err e = {0, ""};
	size_t i;
	long n = 0;

	for (i = 0; i < sizeof(actors) / sizeof(actors[0]); i++)
		CHECK(hub_audit_add(s, actors[i], "publish", NULL, &e) == FS_EINVAL);
	for (i = 0; i < sizeof(actions) / sizeof(actions[0]); i++)
		CHECK(hub_audit_add(s, ACTOR, actions[i], NULL, &e) == FS_EINVAL);
	CHECK(hub_audit_add(s, ACTOR, "publish", arr, &e) == FS_EINVAL);
	memset(pad, 'x', sizeof(pad) - 1);
	pad[sizeof(pad) - 1] = '\0';
	json_object_set_new(big, "x", json_string(pad));
	fs_err_clear(&e);
	CHECK(hub_audit_add(s, ACTOR, "publish", big, &e) == FS_EINVAL);
	CHECK_MSG(strstr(e.msg, "over") != NULL, "%s", e.msg);
	CHECK(entries(s, 0) == 0);
	CHECK(hub_audit_add(s, ACTOR, "publish", NULL, &e) == 0);
	CHECK(verify(s, &n, &e) == 0 && n == 1);
	json_decref(arr);
	json_decref(big);
	fs_store_close(s);
}

/* Two processes appending at once on two handles: one unbroken chain. */
static void audit_appends_from_two_processes_chain(void)
{
	fs_store *s = hub_store("audit_f", NULL), *t;
	fs_err e = {0, ""};
	long n = 0;
	pid_t child;
	int i, status = 0;

	add(s, "publish", 0);
	fs_store_close(s);
	child = fork();
	if (child == 0) {
		t = hub_store("audit_f", NULL);
		for (i = 0; i < 40; i++)
			if (hub_audit_add(t, "admin:child@host", "enroll", NULL, &e) != 0)
				_exit(1);
		fs_store_close(t);
		_exit(0);
	}
	s = hub_store("audit_f", NULL);
	for (i = 0; i < 40; i++)
		CHECK_MSG(hub_audit_add(s, ACTOR, "revoke", NULL, &e) == 0, "%s", e.msg);
	CHECK(waitpid(child, &status, 0) == child && WIFEXITED(status) &&
	      WEXITSTATUS(status) == 0);
	CHECK_MSG(verify(s, &n, &e) == 0, "%s", e.msg);
	CHECK(n == 81);
	fs_store_close(s);
}

/* A whole-store copy (fieldsync-hub migrate) carries the trail verbatim:
 * the copy verifies, and the census counts it. */
static void audit_trail_is_copied_and_counted(void)
{
	fs_store_options opts = {NULL, NULL, 1, 0};
	fs_store *s, *to = NULL;
	fs_copy_result res;
	fs_census c;
	char path[256];
	fs_err e = {0, ""};
	long n = 0, removed = 0;

	if (pg_base != NULL)
		return; /* SQLite to SQLite here; tests/e2e/hub_migrate.sh copies into PostgreSQL */
	s = hub_store("audit_g", NULL);
	add(s, "publish", 1);
	add(s, "enroll", 2);
	CHECK(hub_audit_prune(s, fs_store_now_ms(s) + 1, &removed, &e) == 0 && removed == 2);
	add(s, "revoke", 3);
	CHECK(fs_store_census(s, &c, &e) == 0 && c.rows[FS_CENSUS_AUDIT] == 2);
	snprintf(path, sizeof(path), "%s/audit_g_copy.db", dir);
	CHECK_MSG(fs_store_open_with(&to, path, &opts, &e) == 0, "%s", e.msg);
	CHECK_MSG(fs_store_copy(s, to, NULL, NULL, &res, &e) == 0, "%s", e.msg);
	CHECK(res.census.rows[FS_CENSUS_AUDIT] == 2);
	CHECK_MSG(verify(to, &n, &e) == 0 && n == 2, "%s", e.msg);
	fs_store_close(to);
	fs_store_close(s);
}

/* hub_audit_list: filters, and pages newest first read backwards in
 * windows (more than one window here: 1,300 entries, a rare action). */
typedef struct ids {
	int64_t v[1400];
	size_t n;
} ids;

static int take_id(void *ctx, const json_t *entry)
{
	ids *l = ctx;

	if (l->n < sizeof(l->v) / sizeof(l->v[0]))
		l->v[l->n++] = json_integer_value(json_object_get(entry, "id"));
	return 0;
}

static int list(fs_store *s, const hub_audit_filter *f, size_t limit, int newest, ids *out,
                int *more)
{
	fs_err e = {0, ""};
	int rc;

	out->n = 0;
	rc = hub_audit_list(s, f, limit, newest, take_id, out, more, &e);
	if (rc != 0)
		fprintf(stderr, "audit list: %s\n", e.msg);
	return rc;
}

static void audit_list_pages_newest_first(void)
{
	test_clock clk = {1795770000000ull};
	fs_store *s = hub_store("audit_h", &clk);
	hub_audit_filter f = {0, 0, NULL, NULL, 0};
	static ids got, all;
	fs_err e = {0, ""};
	int i, more = -1, ok = 1;
	uint64_t at1000 = 0;
	size_t k;

	CHECK(list(s, NULL, 5, 1, &got, &more) == 0 && got.n == 0 && more == 0);
	CHECK(fs_store_ops(s)->begin(fs_store_backend(s), FS_TXN_WRITE, &e) == 0);
	for (i = 1; i <= 1300 && ok; i++) {
		json_t *d = json_pack("{s:i}", "n", i);

		if (i == 1000)
			at1000 = clk.ms;
		ok = hub_audit_add_in(s, i % 3 == 0 ? "console:x" : ACTOR,
		                      i % 600 == 1 ? "rare" : "common", d, &e) == 0;
		json_decref(d);
		clk.ms += 1000;
	}
	CHECK_MSG(ok, "%s", e.msg);
	CHECK(fs_store_ops(s)->commit(fs_store_backend(s), &e) == 0);

	f.action = "rare";
	CHECK(list(s, &f, 2, 1, &got, &more) == 0 && got.n == 2 && more == 1);
	CHECK(got.v[0] == 1201 && got.v[1] == 601);
	f.before_id = 601;
	CHECK(list(s, &f, 2, 1, &got, &more) == 0 && got.n == 1 && got.v[0] == 1 && more == 0);
	f.action = NULL;
	f.before_id = 0;
	CHECK(list(s, &f, 5, 1, &got, &more) == 0 && got.n == 5 && more == 1);
	CHECK(got.v[0] == 1300 && got.v[4] == 1296);
	CHECK(list(s, &f, 3, 0, &got, &more) == 0 && got.n == 3);
	CHECK(got.v[0] == 1298 && got.v[2] == 1300);
	/* The newest console:x before entry 1000: 999, 996, ... 3, as the
	 * stream (oldest first) has them. */
	f.actor = "console:";
	f.until_ms = at1000;
	CHECK(list(s, &f, 0, 0, &all, NULL) == 0 && all.n == 333);
	CHECK(list(s, &f, 1000, 1, &got, &more) == 0 && got.n == 333 && more == 0);
	for (k = 0; k < got.n; k++)
		ok = ok && got.v[k] == all.v[all.n - 1 - k];
	CHECK(ok && got.v[0] == 999);
	/* Every entry, 7 a page: the whole trail, newest first, once. */
	memset(&f, 0, sizeof(f));
	all.n = 0;
	do {
		CHECK(list(s, &f, 7, 1, &got, &more) == 0 && got.n > 0);
		for (k = 0; k < got.n && all.n < 1400; k++)
			all.v[all.n++] = got.v[k];
		f.before_id = got.v[got.n - 1];
	} while (more == 1 && got.n > 0);
	CHECK(all.n == 1300);
	for (k = 0; k < all.n; k++)
		ok = ok && all.v[k] == 1300 - (int64_t)k;
	CHECK(ok);
	f.action = "Not Valid";
	CHECK(hub_audit_list(s, &f, 5, 1, take_id, &got, NULL, &e) == FS_EINVAL);
	f.action = NULL;
	CHECK(hub_audit_list(s, &f, 0, 1, take_id, &got, NULL, &e) == FS_EINVAL);
	CHECK(hub_audit_list(s, &f, HUB_AUDIT_PAGE_MAX + 1, 1, take_id, &got, NULL, &e) == FS_EINVAL);
	fs_store_close(s);
}

int main(int argc, char **argv)
{
	if (argc > 1)
		pg_base = argv[1];
	test_tmpdir(dir);
	RUN(audit_chain_appends_and_verifies);
	RUN(audit_chain_names_a_changed_entry);
	RUN(audit_chain_detects_a_removed_entry);
	RUN(audit_prune_keeps_the_chain_verifiable);
	RUN(audit_refuses_bad_entries);
	RUN(audit_appends_from_two_processes_chain);
	RUN(audit_trail_is_copied_and_counted);
	RUN(audit_list_pages_newest_first);
	test_rmdir(dir);
	return TEST_DONE();
}
