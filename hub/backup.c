/* fieldsync-hub backup | restore: a consistent copy of the hub store taken
 * while the hub runs, as one SQLite file, and putting such a file back
 * (docs/operations.md, "Backup and restore"). */
#include <errno.h>
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "audit.h"
#include "cli.h"
#include "commands.h"
#include "fieldsync/copy.h"
#include "fieldsync/store_file.h"

static const char backup_usage[] =
    "usage: fieldsync-hub backup [--data DIR | --db URI] --to FILE [--force]\n"
    "\n"
    "Write a consistent copy of the hub store to FILE while the hub runs (no\n"
    "restart; kiosks go on syncing): one SQLite file, mode 0600, that\n"
    "'fieldsync-hub restore' puts back. A SQLite store is copied with SQLite's\n"
    "online backup API, in steps, from one read snapshot (writers are not held\n"
    "up); a PostgreSQL store is copied row by row from one REPEATABLE READ\n"
    "snapshot, verified inside it (as migrate copies). The copy is made under a\n"
    "temporary name in FILE's directory, checked (integrity check, a hub\n"
    "store), synced and renamed to FILE. Prints 'backed up ... to FILE' and the\n"
    "lines 'fieldsync-hub digest' prints of the copy (digest, change counter,\n"
    "each table's rows and hash), then records the backup in the store's audit\n"
    "trail (after the copy, so the copy does not hold that entry).\n"
    "\n"
    "FILE holds everything the store holds, the hub's secret keys included:\n"
    "keep it as secret as the store. FILE's directory must exist, must not be\n"
    "listable or writable by others, and must not be the data directory.\n"
    "\n"
    "  --to FILE         the backup file\n"
    "  --force           replace FILE when it exists (refused otherwise)\n"
    "  --data DIR        data directory (default: $FIELDSYNC_DATA)\n"
    "  --db URI          PostgreSQL database (default: $FIELDSYNC_DB)\n"
    "  -h, --help        show this help\n";

static const char restore_usage[] =
    "usage: fieldsync-hub restore --from FILE [--digest HEX] [--raise-counter N]\n"
    "                             [--force] [--data DIR | --db URI]\n"
    "\n"
    "Put a backup ('fieldsync-hub backup', or 'migrate --to FILE') back as the\n"
    "hub store. FILE is only read: it is copied beside the store (into a\n"
    "private temporary directory for PostgreSQL), and the copy is checked (an\n"
    "SQLite database, a fieldsync hub store, a schema no newer than this\n"
    "program's, its integrity check; with --digest, the digest backup printed),\n"
    "brought to this program's schema (migrations) and given a 'restore' entry\n"
    "in its audit trail. Then:\n"
    "  data directory: the copy takes DIR/hub.db's place by a rename. Refused\n"
    "    while any process has DIR/hub.db open (stop the hub first); an existing\n"
    "    hub.db is refused unless --force, and is then kept as\n"
    "    DIR/hub.db.replaced-TIME (with its -wal and -shm), not deleted.\n"
    "  PostgreSQL: the copy goes into the database as migrate copies it (one\n"
    "    verified transaction); the database must be new and empty.\n"
    "Prints 'restored FILE to ...' and the lines 'fieldsync-hub digest' prints.\n"
    "A restored store is the hub as it was at the backup: kiosks, erasures and\n"
    "revocations since then need the steps of docs/operations.md. Kiosks have\n"
    "pulled changes numbered up to the lost hub's change counter: restoring an\n"
    "older backup, raise the counter past that with --raise-counter, or they\n"
    "skip the restored hub's new changes numbered below it.\n"
    "\n"
    "  --from FILE       the backup file (not changed)\n"
    "  --digest HEX      the digest the copy must have (16 hex digits)\n"
    "  --raise-counter N add N (1 to 1000000000) to the restored store's change\n"
    "                    counter\n"
    "  --force           replace an existing DIR/hub.db (kept beside it)\n"
    "  --data DIR        data directory (default: $FIELDSYNC_DATA)\n"
    "  --db URI          PostgreSQL database (default: $FIELDSYNC_DB)\n"
    "  -h, --help        show this help\n";

static const fs_digest_scope everything = {NULL, NULL, 1, 1, 1};

/* path + suffix into out; 0 or -1 when too long. */
static int path_join(char *out, size_t len, const char *path, const char *suffix)
{
	int n = snprintf(out, len, "%s%s", path, suffix);

	return n < 0 || (size_t)n >= len ? -1 : 0;
}

/* Remove a temporary SQLite file and the side files SQLite may leave. */
static void remove_temp(const char *tmp)
{
	static const char *const sides[] = {"-wal", "-shm", "-journal"};
	char side[4200];
	size_t i;

	if (tmp[0] == '\0')
		return;
	unlink(tmp);
	for (i = 0; i < sizeof(sides) / sizeof(sides[0]); i++)
		if (path_join(side, sizeof(side), tmp, sides[i]) == 0)
			unlink(side);
}

/* A new empty file beside path, 0600 (mkstemp), its name in out. */
static int make_temp(char *out, size_t len, const char *path, const char *suffix, fs_err *err)
{
	int fd;

	if (path_join(out, len, path, suffix) != 0)
		return fs_err_set(err, FS_EINVAL, "path too long: %s", path);
	fd = mkstemp(out);
	if (fd < 0) {
		int e = errno;

		out[0] = '\0';
		return fs_err_set(err, FS_EGENERIC, "cannot create a file beside %s: %s", path,
		                  strerror(e));
	}
	close(fd);
	return 0;
}

/* The directory of a backup holds the keys to every response: refused when
 * others may list or write it (as a store's, sqlite_store.c), and when it is
 * the data directory (data, or NULL), where a rename could replace the live
 * store or its log. */
static int check_backup_dir(const char *file, const char *data, fs_err *err)
{
	char dir[4096];
	const char *slash = strrchr(file, '/');
	struct stat st, ds;

	if (slash == NULL)
		snprintf(dir, sizeof(dir), ".");
	else if (slash == file)
		snprintf(dir, sizeof(dir), "/");
	else
		snprintf(dir, sizeof(dir), "%.*s", (int)(slash - file), file);
	if (stat(dir, &st) != 0 || !S_ISDIR(st.st_mode))
		return fs_err_set(err, FS_ENOTFOUND, "%s is not a directory", dir);
	if (data != NULL && stat(data, &ds) == 0 && ds.st_dev == st.st_dev && ds.st_ino == st.st_ino)
		return fs_err_set(err, FS_EINVAL,
		                  "%s is the data directory; a backup goes elsewhere (another "
		                  "disk, best)",
		                  dir);
	if (!fs_store_permissions_overridden() && (st.st_mode & (S_IROTH | S_IWOTH)) != 0)
		return fs_err_set(err, FS_EFORBIDDEN,
		                  "directory %s has mode %04o: anyone may list or write it, and a "
		                  "backup holds the hub's secret keys; use a directory of its own "
		                  "(chmod 700 '%s')",
		                  dir, (unsigned)(st.st_mode & 07777), dir);
	return 0;
}

/* Add raise to the change counter (meta "seq") of s, in one write
 * transaction: new changes are numbered after every number the kiosks may
 * have pulled from the store that was lost. */
static int raise_counter(fs_store *s, unsigned raise, fs_err *err)
{
	const fs_backend_ops *o = fs_store_ops(s);
	fs_backend *b = fs_store_backend(s);
	char text[32];
	long long seq = 0;
	int rc = o->begin(b, FS_TXN_WRITE, err);

	if (rc == 0) {
		rc = o->meta_get(b, "seq", text, sizeof(text), err);
		if (rc == FS_ENOTFOUND) {
			fs_err_clear(err);
			rc = 0;
		} else if (rc == 0) {
			seq = strtoll(text, NULL, 10);
		}
	}
	if (rc == 0 && (seq < 0 || seq > INT64_MAX / 2))
		rc = fs_err_set(err, FS_EINVAL, "its change counter %lld is out of range", seq);
	if (rc == 0) {
		snprintf(text, sizeof(text), "%lld", seq + (long long)raise);
		rc = o->meta_put(b, "seq", text, err);
	}
	if (rc == 0)
		return o->commit(b, err);
	o->rollback(b);
	return rc;
}

/* Check the SQLite hub store at path (a copy of this command's own) and
 * take its census and digest. With want (not NULL) its digest must be
 * *want. With raise, its change counter is raised by that much (after the
 * digest check). With action, the copy gets an audit entry of it (after the
 * digest: an audit entry is not in the digest, but is in the census). */
static int check_copy(const char *path, const uint64_t *want, unsigned raise,
                      const char *action, fs_census *census, uint64_t *digest, fs_err *err)
{
	char actor[HUB_AUDIT_ACTOR_MAX + 1];
	fs_store *s = NULL;
	json_t *d;
	int rc = hub_file_is_hub_store(path, err);

	if (rc == 0)
		rc = hub_location_open(&s, path, 1, err);
	if (rc == 0)
		rc = fs_store_check_integrity(s, err);
	if (rc == 0)
		rc = fs_store_digest(s, &everything, digest, err);
	if (rc == 0 && want != NULL && *digest != *want)
		rc = fs_err_set(err, FS_ECONFLICT,
		                "its digest is %016" PRIx64 ", not %016" PRIx64
		                " as given: another backup, or a damaged one",
		                *digest, *want);
	if (rc == 0 && raise > 0)
		rc = raise_counter(s, raise, err);
	if (rc == 0 && action != NULL) {
		char hex[17];

		snprintf(hex, sizeof(hex), "%016" PRIx64, *digest);
		d = json_pack("{s:s, s:I}", "digest", hex, "counter_raised_by", (json_int_t)raise);
		hub_audit_actor_cli(actor, sizeof(actor));
		rc = d != NULL ? hub_audit_add(s, actor, action, d, err)
		               : fs_err_set(err, FS_ENOMEM, "out of memory");
		json_decref(d);
	}
	if (rc == 0)
		rc = fs_store_census(s, census, err);
	fs_store_close(s);
	return rc;
}

/* A message about the temporary copy names the file it is a copy of: tmp
 * means nothing to the reader. */
static void name_source(fs_err *err, const char *tmp, const char *source)
{
	char msg[sizeof(err->msg)], *at;
	size_t n = strlen(tmp);

	if (err == NULL || n == 0 || (at = strstr(err->msg, tmp)) == NULL)
		return;
	snprintf(msg, sizeof(msg), "%.*s%s%s", (int)(at - err->msg), err->msg, source, at + n);
	snprintf(err->msg, sizeof(err->msg), "%s", msg);
}

/* The backup's entry in the live store, after the copy. */
static int audit_backup(const hub_where *w, uint64_t digest, int64_t seq, fs_err *err)
{
	char actor[HUB_AUDIT_ACTOR_MAX + 1], hex[17];
	fs_store *s = NULL;
	json_t *d;
	int rc;

	snprintf(hex, sizeof(hex), "%016" PRIx64, digest);
	d = json_pack("{s:s, s:s, s:I}", "from", w->db != NULL ? "postgresql" : "sqlite", "digest",
	              hex, "seq", (json_int_t)seq);
	if (d == NULL)
		return fs_err_set(err, FS_ENOMEM, "out of memory");
	rc = hub_store_open(&s, w, err);
	hub_audit_actor_cli(actor, sizeof(actor));
	if (rc == 0)
		rc = hub_audit_add(s, actor, "backup", d, err);
	fs_store_close(s);
	json_decref(d);
	return rc;
}

/* A PostgreSQL store's snapshot into the new SQLite file tmp (mkstemp's,
 * removed first: the store makes its file itself). */
static int copy_pg(const char *uri, const char *tmp, fs_err *err)
{
	fs_store *from = NULL, *to = NULL;
	fs_copy_result res;
	int rc;

	unlink(tmp);
	rc = hub_location_open(&from, uri, 1, err);
	if (rc == 0)
		rc = hub_location_open(&to, tmp, 0, err);
	if (rc == 0)
		rc = fs_store_copy_snapshot(from, to, isatty(STDERR_FILENO) ? hub_copy_progress : NULL,
		                            NULL, &res, err);
	if (isatty(STDERR_FILENO))
		fputs("\r\033[K", stderr);
	fs_store_close(to);
	fs_store_close(from);
	return rc;
}

int hub_cmd_backup(int argc, char **argv)
{
	char src[4096], tmp[4200] = "", where[512];
	struct {
		const char *to;
		int force;
	} a = {NULL, 0};
	const hub_opt opts[] = {
	    {.name = "to", .value = &a.to}, {.name = "force", .flag = &a.force}, {0}};
	hub_where w;
	fs_census c;
	uint64_t d = 0;
	fs_err e = {0, ""};
	struct stat st;
	int rc = hub_args_parse(argc, argv, "backup", backup_usage, opts, &w, NULL, 0, NULL);

	if (rc != 0)
		return rc < 0 ? HUB_EXIT_OK : rc;
	if (a.to == NULL || a.to[0] == '\0')
		return hub_usage_fail("backup", "--to FILE is needed");
	if (hub_location_is_pg(a.to))
		return hub_usage_fail("backup", "--to is a file (a backup is one SQLite file)");
	hub_where_describe(&w, where, sizeof(where));
	if (lstat(a.to, &st) == 0 && !S_ISREG(st.st_mode))
		return hub_fail("backup to %s: it exists and is not a regular file", a.to);
	if (lstat(a.to, &st) == 0 && !a.force)
		return hub_fail("backup to %s: the file exists; pass --force to replace it", a.to);
	if (w.db == NULL) {
		if ((size_t)snprintf(src, sizeof(src), "%s/%s", w.data, HUB_STORE_FILE) >=
		    sizeof(src))
			return hub_fail("data directory name is too long");
		if (stat(src, &st) != 0)
			return hub_fail("backup of %s: no hub store there (%s: %s)", where, src,
			                strerror(errno));
	}
	rc = check_backup_dir(a.to, w.data, &e);
	if (rc == 0)
		rc = make_temp(tmp, sizeof(tmp), a.to, ".tmp-XXXXXX", &e);
	if (rc == 0)
		rc = w.db != NULL ? copy_pg(w.db, tmp, &e) : fs_store_file_copy(src, tmp, &e);
	if (rc == 0)
		rc = check_copy(tmp, NULL, 0, NULL, &c, &d, &e);
	if (rc == 0)
		rc = fs_store_file_standalone(tmp, &e);
	if (rc == 0 && rename(tmp, a.to) != 0)
		rc = fs_err_set(&e, FS_EGENERIC, "cannot rename %s to %s: %s", tmp, a.to,
		                strerror(errno));
	if (rc == 0) {
		tmp[0] = '\0';
		rc = fs_store_file_sync_dir(a.to, &e);
	}
	remove_temp(tmp);
	if (rc != 0)
		return hub_fail("backup of %s to %s: %s", where, a.to, e.msg);
	if (audit_backup(&w, d, c.seq, &e) != 0)
		return hub_fail("backup of %s to %s: the backup was written and checked, but is "
		                "not in the audit trail: %s",
		                where, a.to, e.msg);
	printf("backed up %s to %s: integrity ok\n", where, a.to);
	hub_census_print(&c, d);
	return hub_finish_output();
}

/* "hub.db.replaced-20261202T061500Z": where --force keeps the store it
 * replaces. */
static int aside_name(char *out, size_t len, const char *store, fs_err *err)
{
	char stamp[32];
	time_t now = time(NULL);
	struct tm tm;

	gmtime_r(&now, &tm);
	strftime(stamp, sizeof(stamp), ".replaced-%Y%m%dT%H%M%SZ", &tm);
	if (path_join(out, len, store, stamp) != 0)
		return fs_err_set(err, FS_EINVAL, "path too long: %s", store);
	return 0;
}

/* Does the store at path, or one of its side files, exist? */
static int store_files_exist(const char *path)
{
	char side[4200];
	struct stat st;

	if (lstat(path, &st) == 0)
		return 1;
	if (path_join(side, sizeof(side), path, "-wal") == 0 && lstat(side, &st) == 0)
		return 1;
	return path_join(side, sizeof(side), path, "-shm") == 0 && lstat(side, &st) == 0;
}

/* Move the store at path with its side files to aside: the log first, so a
 * file at path never meets another store's log. */
static int move_aside(const char *path, const char *aside, fs_err *err)
{
	static const char *const sides[] = {"-wal", "-shm", ""};
	char from[4200], to[4300];
	size_t i;

	for (i = 0; i < sizeof(sides) / sizeof(sides[0]); i++) {
		if (path_join(from, sizeof(from), path, sides[i]) != 0 ||
		    path_join(to, sizeof(to), aside, sides[i]) != 0)
			return fs_err_set(err, FS_EINVAL, "path too long: %s", path);
		if (rename(from, to) != 0 && errno != ENOENT)
			return fs_err_set(err, FS_EGENERIC, "cannot move %s to %s: %s", from, to,
			                  strerror(errno));
	}
	return 0;
}

/* Is the store at path open in another process? Then refused. */
static int check_not_in_use(const char *path, fs_err *err)
{
	int rc = fs_store_file_in_use(path, err);

	if (rc > 0)
		return fs_err_set(err, FS_EBUSY,
		                  "%s is open in another process (is the hub running? stop it "
		                  "first: systemctl stop fieldsync-hub)",
		                  path);
	return rc;
}

static int parse_digest(uint64_t *out, const char *text)
{
	char *end = NULL;
	size_t i;

	if (strlen(text) != 16)
		return -1;
	for (i = 0; i < 16; i++)
		if (!((text[i] >= '0' && text[i] <= '9') || (text[i] >= 'a' && text[i] <= 'f') ||
		      (text[i] >= 'A' && text[i] <= 'F')))
			return -1;
	errno = 0;
	*out = (uint64_t)strtoull(text, &end, 16);
	return errno != 0 || end == NULL || *end != '\0' ? -1 : 0;
}

/* Restore into a data directory: the copy beside DIR/hub.db, then renamed
 * into its place. */
static int restore_sqlite(const char *from, const char *data, const uint64_t *want,
                          unsigned raise, int force, char *aside, size_t aside_len,
                          fs_census *c, uint64_t *d, fs_err *err)
{
	char store[4096], tmp[4200] = "";
	int rc = 0, replace;

	aside[0] = '\0';
	if ((size_t)snprintf(store, sizeof(store), "%s/%s", data, HUB_STORE_FILE) >= sizeof(store))
		return fs_err_set(err, FS_EINVAL, "data directory name is too long");
	rc = hub_make_dirs(data, err);
	if (rc == 0)
		rc = check_not_in_use(store, err);
	replace = store_files_exist(store);
	if (rc == 0 && replace && !force)
		rc = fs_err_set(err, FS_ECONFLICT,
		                "%s exists; pass --force to replace it (it is then kept beside "
		                "it as %s.replaced-TIME)",
		                store, HUB_STORE_FILE);
	if (rc == 0)
		rc = make_temp(tmp, sizeof(tmp), store, ".restore-XXXXXX", err);
	if (rc == 0)
		rc = fs_store_file_copy(from, tmp, err);
	if (rc == 0 && (rc = check_copy(tmp, want, raise, "restore", c, d, err)) != 0)
		name_source(err, tmp, from);
	/* Again, just before the rename: a hub may have started meanwhile. */
	if (rc == 0)
		rc = check_not_in_use(store, err);
	if (rc == 0 && replace && (rc = aside_name(aside, aside_len, store, err)) == 0)
		rc = move_aside(store, aside, err);
	if (rc == 0 && rename(tmp, store) != 0)
		rc = fs_err_set(err, FS_EGENERIC, "cannot rename %s to %s: %s", tmp, store,
		                strerror(errno));
	if (rc == 0) {
		tmp[0] = '\0';
		rc = fs_store_file_sync_dir(store, err);
	}
	remove_temp(tmp);
	return rc;
}

/* Restore into PostgreSQL: the copy in a private temporary directory,
 * checked, then migrate's copy into the (empty) database. */
static int restore_pg(const char *from, const char *uri, const uint64_t *want, unsigned raise,
                      fs_census *c, uint64_t *d, fs_err *err)
{
	const char *base = getenv("TMPDIR");
	char dir[4096], tmp[4200] = "";
	fs_copy_result res;
	FILE *f;
	int rc = 0;

	if (base == NULL || base[0] == '\0')
		base = "/tmp";
	if (path_join(dir, sizeof(dir), base, "/fieldsync-restore-XXXXXX") != 0)
		return fs_err_set(err, FS_EINVAL, "TMPDIR is too long");
	if (mkdtemp(dir) == NULL)
		return fs_err_set(err, FS_EGENERIC, "cannot create a directory in %s: %s", base,
		                  strerror(errno));
	if (path_join(tmp, sizeof(tmp), dir, "/" HUB_STORE_FILE) != 0)
		rc = fs_err_set(err, FS_EINVAL, "TMPDIR is too long");
	/* 0600: the directory is 0700 and the umask is not trusted. */
	if (rc == 0 && ((f = fopen(tmp, "wx")) == NULL || fclose(f) != 0 || chmod(tmp, 0600) != 0))
		rc = fs_err_set(err, FS_EGENERIC, "cannot create %s: %s", tmp, strerror(errno));
	if (rc == 0)
		rc = fs_store_file_copy(from, tmp, err);
	if (rc == 0 && (rc = check_copy(tmp, want, raise, NULL, c, d, err)) != 0)
		name_source(err, tmp, from);
	if (rc == 0) {
		json_t *extra = json_pack("{s:I}", "counter_raised_by", (json_int_t)raise);

		rc = extra != NULL ? hub_copy_verified(tmp, uri, "restore", extra, &res, err)
		                   : fs_err_set(err, FS_ENOMEM, "out of memory");
		json_decref(extra);
	}
	if (rc == 0)
		*c = res.census;
	remove_temp(tmp);
	rmdir(dir);
	return rc;
}

int hub_cmd_restore(int argc, char **argv)
{
	char where[512], aside[4300] = "";
	struct {
		const char *from, *digest, *raise;
		int force;
	} a = {NULL, NULL, NULL, 0};
	const hub_opt opts[] = {{.name = "from", .value = &a.from},
	                        {.name = "digest", .value = &a.digest},
	                        {.name = "raise-counter", .value = &a.raise},
	                        {.name = "force", .flag = &a.force},
	                        {0}};
	hub_where w;
	fs_census c;
	uint64_t want = 0, d = 0;
	unsigned raise = 0;
	fs_err e = {0, ""};
	struct stat st;
	int rc = hub_args_parse(argc, argv, "restore", restore_usage, opts, &w, NULL, 0, NULL);

	if (rc != 0)
		return rc < 0 ? HUB_EXIT_OK : rc;
	if (a.from == NULL || a.from[0] == '\0')
		return hub_usage_fail("restore", "--from FILE is needed");
	if (a.digest != NULL && parse_digest(&want, a.digest) != 0)
		return hub_usage_fail("restore", "--digest is 16 hex digits, as backup prints it");
	if (a.raise != NULL && hub_uint_parse(&raise, a.raise, 1, 1000000000) != 0)
		return hub_usage_fail("restore", "--raise-counter must be 1 to 1000000000");
	if (a.force && w.db != NULL)
		return hub_usage_fail("restore", "--force is for a data directory; a PostgreSQL "
		                                 "database must be new and empty");
	hub_where_describe(&w, where, sizeof(where));
	if (stat(a.from, &st) != 0)
		return hub_fail("restore of %s: %s", a.from, strerror(errno));
	if (!S_ISREG(st.st_mode))
		return hub_fail("restore of %s: not a regular file", a.from);
	if (w.db != NULL)
		rc = restore_pg(a.from, w.db, a.digest != NULL ? &want : NULL, raise, &c, &d, &e);
	else
		rc = restore_sqlite(a.from, w.data, a.digest != NULL ? &want : NULL, raise, a.force,
		                    aside, sizeof(aside), &c, &d, &e);
	if (rc != 0)
		return hub_fail("restore of %s to %s: %s", a.from, where, e.msg);
	printf("restored %s to %s: integrity ok\n", a.from, where);
	if (aside[0] != '\0')
		printf("the store it replaced is kept as %s\n", aside);
	hub_census_print(&c, d);
	return hub_finish_output();
}
