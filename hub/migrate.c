/* fieldsync-hub migrate | digest: moving a hub's store into PostgreSQL
 * (fs_store_copy, copy.h) and printing a store's verified digest and
 * census, for operators and tests (docs/hub.md, "Moving a hub to
 * PostgreSQL"). */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "audit.h"
#include "cli.h"
#include "commands.h"
#include "fieldsync/backend.h"
#include "fieldsync/copy.h"

static const char migrate_usage[] =
    "usage: fieldsync-hub migrate --from FILE --to LOCATION\n"
    "\n"
    "Copy the SQLite hub store FILE (DIR/hub.db) into LOCATION, a new, empty\n"
    "PostgreSQL database or schema (postgresql://USER:PASSWORD@HOST:PORT/DB), or\n"
    "a path where no file is yet (a SQLite copy). Every row of every table is\n"
    "copied as it is (change counter, clock, ids, the device registry), so\n"
    "enrolled kiosks go on syncing with their tokens and cursors against a hub\n"
    "started with --db LOCATION. The copy is one transaction, verified before\n"
    "it commits (each table's rows and hash, read back inside it, equal to\n"
    "FILE's): a failed copy leaves LOCATION empty; run it again. After the\n"
    "commit the digests of both are compared. A LOCATION that is not empty is\n"
    "refused. Stop the hub first: migrate holds FILE's write lock\n"
    "until the copy is verified, so nothing lands mid-copy (a hub still running\n"
    "waits, then answers busy), and whatever it writes afterwards is not copied.\n"
    "Prints each table's rows and hash, the change counter and the digest (as\n"
    "'fieldsync-hub digest' does).\n"
    "\n"
    "  --from FILE       the SQLite hub store (its rows are not changed)\n"
    "  --to LOCATION     postgresql:// or postgres:// URI, or a new file's path\n"
    "  -h, --help        show this help\n";

static const char digest_usage[] =
    "usage: fieldsync-hub digest [--data DIR | --db URI]\n"
    "\n"
    "Print the store's canonical digest (hex; the same for the same records on\n"
    "every backend), its change counter, and each table's rows and hash (every\n"
    "column, in key order). Two stores holding the same rows print the same\n"
    "lines. No row is written (an empty PostgreSQL database gets fieldsync's\n"
    "tables, as with every command); a SQLite store must exist.\n"
    "\n"
    "  --data DIR        data directory (default: $FIELDSYNC_DATA)\n"
    "  --db URI          PostgreSQL database (default: $FIELDSYNC_DB)\n"
    "  -h, --help        show this help\n";

int hub_location_open(fs_store **out, const char *location, int must_exist, fs_err *err)
{
	fs_store_options o = {NULL, NULL, 1, 0};
	struct stat st;

	*out = NULL;
	if (hub_location_is_pg(location)) {
		int rc = hub_location_backend(&o, location, err);

		if (rc != 0)
			return rc;
	} else if (must_exist && stat(location, &st) != 0) {
		return fs_err_set(err, errno == ENOENT ? FS_ENOTFOUND : FS_EGENERIC,
		                  "cannot read %s: %s", location, strerror(errno));
	} else if (!must_exist && stat(location, &st) == 0) {
		return fs_err_set(err, FS_ECONFLICT,
		                  "%s exists; a SQLite copy goes only to a path where no file is",
		                  location);
	}
	return fs_store_open_with(out, location, &o, err);
}

int hub_file_is_hub_store(const char *path, fs_err *err)
{
	struct stat st;
	fs_store *s = NULL;
	int rc;

	if (stat(path, &st) != 0)
		return fs_err_set(err, errno == ENOENT ? FS_ENOTFOUND : FS_EGENERIC,
		                  "cannot read %s: %s", path, strerror(errno));
	rc = fs_store_open(&s, path, err);
	if (rc == 0 && strcmp(fs_store_site(s), HUB_SITE) != 0)
		rc = fs_err_set(err, FS_EINVAL, "%s is %s%s, not a hub store", path,
		                fs_store_site(s)[0] ? "the store of site " : "a store of no site",
		                fs_store_site(s));
	fs_store_close(s);
	return rc;
}

void hub_census_print(const fs_census *c, uint64_t digest)
{
	int i;

	printf("digest %016" PRIx64 "\n", digest);
	printf("seq %" PRId64 "\n", c->seq);
	for (i = 0; i < FS_CENSUS_COUNT; i++) {
		if (i >= FS_CENSUS_DEVICES && !c->registry)
			break;
		printf("%-15s %10" PRId64 " %016" PRIx64 "\n", fs_census_name((fs_census_table)i),
		       c->rows[i], c->hash[i]);
	}
}

int hub_copy_progress(void *ctx, fs_census_table t, int64_t rows)
{
	(void)ctx;
	fprintf(stderr, "\r" HUB_PROG ": copying %s: %" PRId64 " rows\033[K", fs_census_name(t),
	        rows);
	return 0;
}

/* The copy's audit entry (action), in the copy (the hub's store from now
 * on), after it was verified: what was copied (counts), never a location
 * (a URI may carry a password). The copy is committed by then: a failure
 * here fails the command, saying so. */
static int audit_copy(fs_store *to, const char *action, const json_t *extra, int to_pg,
                      const fs_copy_result *res, fs_err *err)
{
	char actor[HUB_AUDIT_ACTOR_MAX + 1];
	json_t *rows = json_object(), *d = NULL;
	int i, rc;

	for (i = 0; rows != NULL && i < FS_CENSUS_COUNT; i++)
		json_object_set_new(rows, fs_census_name((fs_census_table)i),
		                    json_integer((json_int_t)res->census.rows[i]));
	if (rows != NULL)
		d = json_pack("{s:s, s:s, s:I, s:o}", "from", "sqlite", "to",
		              to_pg ? "postgresql" : "sqlite", "seq", (json_int_t)res->census.seq,
		              "rows", rows);
	if (d != NULL && extra != NULL && json_object_update(d, (json_t *)extra) != 0) {
		json_decref(d);
		d = NULL;
	}
	if (d == NULL)
		return fs_err_set(err, FS_ENOMEM, "out of memory");
	hub_audit_actor_cli(actor, sizeof(actor));
	rc = hub_audit_add(to, actor, action, d, err);
	json_decref(d);
	if (rc != 0 && err != NULL) {
		size_t used = strlen(err->msg);

		snprintf(err->msg + used, sizeof(err->msg) - used,
		         " (the copy was made and verified, but is not in its audit trail)");
	}
	return rc;
}

int hub_copy_verified(const char *from_file, const char *to, const char *action,
                      const json_t *extra, fs_copy_result *res, fs_err *err)
{
	fs_store *from = NULL, *lock = NULL, *target = NULL;
	const fs_backend_ops *lock_ops = NULL;
	int rc, locked = 0;

	/* Two handles on the source: one holds its write lock for the whole
	 * copy and its verification, the other reads (WAL readers are not
	 * held up by a writer). */
	rc = hub_file_is_hub_store(from_file, err);
	if (rc == 0)
		rc = hub_location_open(&from, from_file, 1, err);
	if (rc == 0)
		rc = hub_location_open(&lock, from_file, 1, err);
	if (rc == 0) {
		lock_ops = fs_store_ops(lock);
		rc = lock_ops->begin(fs_store_backend(lock), FS_TXN_WRITE, err);
		if (rc == FS_EBUSY) {
			fs_err_clear(err);
			rc = fs_err_set(err, rc,
			                "%s is being written by another process (is the hub "
			                "still running? stop it first)",
			                from_file);
		}
		locked = rc == 0;
	}
	if (rc == 0)
		rc = hub_location_open(&target, to, 0, err);
	if (rc == 0)
		rc = fs_store_copy(from, target, isatty(STDERR_FILENO) ? hub_copy_progress : NULL, NULL, res,
		                   err);
	if (rc == 0)
		rc = audit_copy(target, action, extra, hub_location_is_pg(to), res, err);
	if (isatty(STDERR_FILENO))
		fputs("\r\033[K", stderr);
	if (locked)
		lock_ops->rollback(fs_store_backend(lock)); /* nothing was written with it */
	fs_store_close(target);
	fs_store_close(lock);
	fs_store_close(from);
	return rc;
}

int hub_cmd_migrate(int argc, char **argv)
{
	char where[512];
	hub_where w = {NULL, NULL};
	fs_copy_result res;
	fs_err e = {0, ""};
	struct {
		const char *from, *to;
	} a = {NULL, NULL};
	const hub_opt opts[] = {{.name = "from", .value = &a.from}, {.name = "to", .value = &a.to}, {0}};
	int rc = hub_args_parse(argc, argv, "migrate", migrate_usage, opts, NULL, NULL, 0, NULL);

	if (rc != 0)
		return rc < 0 ? HUB_EXIT_OK : rc;
	if (a.from == NULL || a.to == NULL)
		return hub_usage_fail("migrate", "--from FILE and --to LOCATION are both needed");
	if (hub_location_is_pg(a.from))
		return hub_usage_fail("migrate", "--from is a SQLite hub store file (DIR/hub.db)");
	w.db = hub_location_is_pg(a.to) ? a.to : NULL;
	w.data = a.to;
	hub_where_describe(&w, where, sizeof(where));
	if (w.db == NULL)
		snprintf(where, sizeof(where), "%s", a.to);
	rc = hub_copy_verified(a.from, a.to, "migrate", NULL, &res, &e);
	if (rc != 0)
		return hub_fail("migrate %s to %s: %s", a.from, where, e.msg);
	printf("migrated %s to %s: verified\n", a.from, where);
	hub_census_print(&res.census, res.digest);
	return fflush(stdout) == 0 ? HUB_EXIT_OK : hub_fail("cannot write the output");
}

int hub_cmd_digest(int argc, char **argv)
{
	static const fs_digest_scope everything = {NULL, NULL, 1, 1, 1};
	char path[4096];
	const char *location = path;
	fs_store *s = NULL;
	hub_where w;
	fs_census c;
	uint64_t d = 0;
	fs_err e = {0, ""};
	int rc = hub_args_parse(argc, argv, "digest", digest_usage, NULL, &w, NULL, 0, NULL);

	if (rc != 0)
		return rc < 0 ? HUB_EXIT_OK : rc;
	if (w.db != NULL)
		location = w.db;
	else if ((size_t)snprintf(path, sizeof(path), "%s/%s", w.data, HUB_STORE_FILE) >=
	         sizeof(path))
		return hub_fail("data directory name is too long");
	rc = hub_location_open(&s, location, 1, &e);
	if (rc == 0)
		rc = fs_store_census(s, &c, &e);
	if (rc == 0)
		rc = fs_store_digest(s, &everything, &d, &e);
	fs_store_close(s);
	if (rc != 0) {
		hub_where_describe(&w, path, sizeof(path));
		return hub_fail("digest of %s: %s", path, e.msg);
	}
	hub_census_print(&c, d);
	return fflush(stdout) == 0 ? HUB_EXIT_OK : hub_fail("cannot write the output");
}
