/* The SQLite backend's store file: creating it (complete before it appears
 * at its path), refusing files that are not stores or that others may read,
 * the connection settings (WAL, synchronous=FULL, foreign keys, busy
 * timeout), migrations (PRAGMA user_version; the hub's schema in meta
 * "hub_schema"), transactions, meta, and the check that the files
 * committed to are still the files at the path. */
#include "sqlite_backend.h"

#include "fieldsync/store_file.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

extern const char *const fs_schema_migrations[];
extern const int fs_schema_migration_count;
extern const char *const fs_schema_hub_migrations[];
extern const int fs_schema_hub_migration_count;

/* The largest page cache a handle may ask for: 16 GiB. */
#define CACHE_KIB_MAX ((int64_t)16 * 1024 * 1024)

int fs_store_schema_version(void)
{
	return fs_schema_migration_count;
}

int fs_sqlite_err(fs_backend *b, fs_err *err, const char *what)
{
	int code = sqlite3_errcode(b->db);
	int rc = FS_EGENERIC;

	if (code == SQLITE_BUSY || code == SQLITE_LOCKED)
		rc = FS_EBUSY;
	else if (code == SQLITE_NOMEM)
		rc = FS_ENOMEM;
	return fs_err_set(err, rc, "store: %s: %s", what, sqlite3_errmsg(b->db));
}

int fs_sqlite_exec(fs_backend *b, const char *sql, fs_err *err)
{
	char *msg = NULL;
	int rc;

	rc = sqlite3_exec(b->db, sql, NULL, NULL, &msg);
	if (rc != SQLITE_OK) {
		int code = (rc == SQLITE_BUSY || rc == SQLITE_LOCKED) ? FS_EBUSY : FS_EGENERIC;

		fs_err_set(err, code, "store: %s", msg ? msg : sqlite3_errstr(rc));
		sqlite3_free(msg);
		return code;
	}
	return 0;
}

sqlite3_stmt *fs_sqlite_stmt(fs_backend *b, enum fs_sql_id id, fs_err *err)
{
	sqlite3_stmt *st = b->stmt[id];

	if (st == NULL) {
		if (sqlite3_prepare_v3(b->db, fs_sqlite_sql[id], -1, SQLITE_PREPARE_PERSISTENT, &st,
		                       NULL) != SQLITE_OK) {
			fs_sqlite_err(b, err, "prepare");
			return NULL;
		}
		b->stmt[id] = st;
	} else {
		sqlite3_reset(st);
		sqlite3_clear_bindings(st);
	}
	return st;
}

int fs_sqlite_step_done(fs_backend *b, sqlite3_stmt *st, const char *what, fs_err *err)
{
	int rc = sqlite3_step(st);

	sqlite3_reset(st);
	if (rc != SQLITE_DONE)
		return fs_sqlite_err(b, err, what);
	return 0;
}

void fs_sqlite_bind_text(sqlite3_stmt *st, int i, const char *text)
{
	if (text != NULL)
		sqlite3_bind_text(st, i, text, -1, SQLITE_STATIC);
	else
		sqlite3_bind_null(st, i);
}

void fs_sqlite_scratch_reset(fs_backend *b)
{
	b->scratch_used = 0;
}

int fs_sqlite_keep_row(fs_backend *b, sqlite3_stmt *st, fs_err *err)
{
	size_t need = 0;
	int i, n = sqlite3_column_count(st);

	for (i = 0; i < n; i++)
		if (sqlite3_column_type(st, i) == SQLITE_TEXT)
			need += (size_t)sqlite3_column_bytes(st, i) + 1;
	b->scratch_used = 0;
	if (need > b->scratch_cap) {
		size_t cap = need < 4096 ? 4096 : need * 2;
		char *grown = realloc(b->scratch, cap);

		if (grown == NULL)
			return fs_err_set(err, FS_ENOMEM, "store: out of memory");
		b->scratch = grown;
		b->scratch_cap = cap;
	}
	return 0;
}

const char *fs_sqlite_keep(fs_backend *b, sqlite3_stmt *st, int col)
{
	const unsigned char *t;
	size_t n;
	char *out;

	if (sqlite3_column_type(st, col) == SQLITE_NULL)
		return NULL;
	t = sqlite3_column_text(st, col);
	n = (size_t)sqlite3_column_bytes(st, col);
	if (t == NULL || b->scratch_used + n + 1 > b->scratch_cap)
		return NULL; /* only when fs_sqlite_keep_row was not called first */
	out = b->scratch + b->scratch_used;
	memcpy(out, t, n);
	out[n] = '\0';
	b->scratch_used += n + 1;
	return out;
}

int fs_sqlite_get_text(fs_backend *b, sqlite3_stmt *st, char *out, size_t len, const char *what,
                       fs_err *err)
{
	int rc = sqlite3_step(st);

	if (rc == SQLITE_ROW) {
		const unsigned char *v = sqlite3_column_text(st, 0);

		snprintf(out, len, "%s", v ? (const char *)v : "");
		sqlite3_reset(st);
		return 0;
	}
	sqlite3_reset(st);
	if (rc == SQLITE_DONE)
		return FS_ENOTFOUND;
	return fs_sqlite_err(b, err, what);
}

int fs_sqlite_meta_get(fs_backend *b, const char *key, char *out, size_t len, fs_err *err)
{
	sqlite3_stmt *st = fs_sqlite_stmt(b, FS_SQL_META_GET, err);

	fs_sqlite_scratch_reset(b);
	out[0] = '\0';
	if (st == NULL)
		return FS_EGENERIC;
	sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC);
	return fs_sqlite_get_text(b, st, out, len, "read meta", err);
}

int fs_sqlite_meta_put(fs_backend *b, const char *key, const char *value, fs_err *err)
{
	sqlite3_stmt *st = fs_sqlite_stmt(b, FS_SQL_META_PUT, err);

	if (st == NULL)
		return FS_EGENERIC;
	sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, value, -1, SQLITE_STATIC);
	return fs_sqlite_step_done(b, st, "write meta", err);
}

static int user_version(fs_backend *b, int *out, fs_err *err)
{
	sqlite3_stmt *st = NULL;

	*out = 0;
	if (sqlite3_prepare_v2(b->db, "PRAGMA user_version", -1, &st, NULL) != SQLITE_OK)
		return fs_sqlite_err(b, err, "read schema version");
	if (sqlite3_step(st) == SQLITE_ROW)
		*out = sqlite3_column_int(st, 0);
	sqlite3_finalize(st);
	return 0;
}

int fs_sqlite_schema_version(fs_backend *b, int *out, fs_err *err)
{
	return user_version(b, out, err);
}

/* Apply migrations from version on, each in one transaction (a crash
 * leaves the previous version); set_version records the new one. */
static int apply(fs_backend *b, const char *const *migrations, int count, int version,
                 int (*get_version)(fs_backend *b, int *v, fs_err *err),
                 int (*set_version)(fs_backend *b, int v, fs_err *err), fs_err *err)
{
	int rc, now = 0;

	while (version < count) {
		rc = fs_sqlite_exec(b, "BEGIN IMMEDIATE", err);
		if (rc != 0)
			return rc;
		/* Another process opening the store at the same time may have
		 * applied it since the version was read: a migration that is not
		 * idempotent (ALTER TABLE ADD COLUMN) must run once. */
		rc = get_version(b, &now, err);
		if (rc == 0 && now > version) {
			rc = fs_sqlite_exec(b, "COMMIT", err);
			if (rc != 0) {
				sqlite3_exec(b->db, "ROLLBACK", NULL, NULL, NULL);
				return rc;
			}
			version = now;
			continue;
		}
		if (rc == 0)
			rc = fs_sqlite_exec(b, migrations[version], err);
		if (rc == 0)
			rc = set_version(b, version + 1, err);
		if (rc == 0)
			rc = fs_sqlite_exec(b, "COMMIT", err);
		if (rc != 0) {
			sqlite3_exec(b->db, "ROLLBACK", NULL, NULL, NULL);
			return rc;
		}
		version++;
	}
	return 0;
}

static int set_user_version(fs_backend *b, int v, fs_err *err)
{
	char sql[64];

	snprintf(sql, sizeof(sql), "PRAGMA user_version = %d", v);
	return fs_sqlite_exec(b, sql, err);
}

static int get_hub_version(fs_backend *b, int *v, fs_err *err)
{
	char text[16];
	int rc = fs_sqlite_meta_get(b, "hub_schema", text, sizeof(text), err);

	*v = rc == 0 ? atoi(text) : 0;
	return rc == FS_ENOTFOUND ? 0 : rc;
}

static int set_hub_version(fs_backend *b, int v, fs_err *err)
{
	char text[16];

	snprintf(text, sizeof(text), "%d", v);
	return fs_sqlite_meta_put(b, "hub_schema", text, err);
}

static int migrate(fs_backend *b, fs_err *err)
{
	int version = 0, rc;

	rc = user_version(b, &version, err);
	if (rc != 0)
		return rc;
	if (version > fs_schema_migration_count)
		return fs_err_set(err, FS_EVERSION,
		                  "store: schema version %d was written by a newer fieldsync "
		                  "(this one knows up to %d); not touching it",
		                  version, fs_schema_migration_count);
	if (version == 0 && b->path != NULL) {
		/* Only create_store migrates from nothing (b->path unset there). */
		return fs_err_set(err, FS_EINVAL,
		                  "store: an SQLite database, but not a fieldsync store (no "
		                  "schema version); move it away and run again");
	}
	return apply(b, fs_schema_migrations, fs_schema_migration_count, version, user_version,
	             set_user_version, err);
}

/* The hub's schema (the device registry, schema/hub/), versioned on its
 * own in meta "hub_schema": a kiosk store never carries it. */
static int migrate_hub(fs_backend *b, fs_err *err)
{
	char text[16];
	int version = 0, rc = fs_sqlite_meta_get(b, "hub_schema", text, sizeof(text), err);

	if (rc == 0)
		version = atoi(text);
	else if (rc != FS_ENOTFOUND)
		return rc;
	if (version > fs_schema_hub_migration_count)
		return fs_err_set(err, FS_EVERSION,
		                  "store: hub schema version %d was written by a newer fieldsync "
		                  "(this one knows up to %d); not touching it",
		                  version, fs_schema_hub_migration_count);
	return apply(b, fs_schema_hub_migrations, fs_schema_hub_migration_count, version,
	             get_hub_version, set_hub_version, err);
}

/* Who may read a store: its owner only. The environment variable lets a
 * deployment that knows better (a shared group, an encrypted volume) open a
 * store anyway; the programs warn when it is set. */
#define PERMISSIONS_OVERRIDE "FIELDSYNC_ALLOW_OPEN_PERMISSIONS"

int fs_store_permissions_overridden(void)
{
	const char *v = getenv(PERMISSIONS_OVERRIDE);

	return v != NULL && strcmp(v, "1") == 0;
}

void fs_sqlite_dir_of(char *out, size_t len, const char *path)
{
	const char *slash = strrchr(path, '/');
	size_t n = slash == NULL ? 0 : (size_t)(slash - path);

	if (slash == path)
		n = 1;
	if (slash == NULL || n >= len)
		snprintf(out, len, ".");
	else
		snprintf(out, len, "%.*s", (int)n, path);
}

/* Refuse a store file others may open, or a data directory anyone else may
 * list or write: the file holds health and social care data. */
static int check_permissions(const char *path, const struct stat *file, fs_err *err)
{
	char dir[4096];
	struct stat st;

	if (fs_store_permissions_overridden())
		return 0;
	if ((file->st_mode & (S_IRWXG | S_IRWXO)) != 0)
		return fs_err_set(
		    err, FS_EFORBIDDEN,
		    "store: %s has mode %04o: others may read it; a store must be "
		    "readable by its owner only (chmod 600 '%s'), or set " PERMISSIONS_OVERRIDE
		    "=1 to accept it",
		    path, (unsigned)(file->st_mode & 07777), path);
	fs_sqlite_dir_of(dir, sizeof(dir), path);
	if (stat(dir, &st) != 0)
		return fs_err_set(err, FS_EGENERIC, "store: cannot read directory %s: %s", dir,
		                  strerror(errno));
	if ((st.st_mode & (S_IROTH | S_IWOTH)) != 0)
		return fs_err_set(err, FS_EFORBIDDEN,
		                  "store: its directory %s has mode %04o: anyone may list or write "
		                  "it; use a data directory of its own (chmod 700 '%s'), or "
		                  "set " PERMISSIONS_OVERRIDE "=1 to accept it",
		                  dir, (unsigned)(st.st_mode & 07777), dir);
	return 0;
}

static void file_id_read(fs_file_id *out, const char *path)
{
	struct stat st;

	memset(out, 0, sizeof(*out));
	if (stat(path, &st) == 0) {
		out->dev = st.st_dev;
		out->ino = st.st_ino;
		out->known = 1;
	}
}

static int file_id_same(const fs_file_id *a, const fs_file_id *b)
{
	return a->known && b->known && a->dev == b->dev && a->ino == b->ino;
}

/* The write-ahead log of each database open in this process, held open
 * from when its first handle opened it: a log deleted meanwhile then shows
 * as a link count of 0 (and its inode cannot be reused by the new log that
 * SQLite makes at the path). SQLite locks the database and -shm files, never
 * the log, so this descriptor is safe to close. An entry lives while
 * handles of its database are open here; when the last closes, SQLite may
 * delete the log and the next open rightly holds a new one. */
#define OPEN_DBS_MAX 64
static struct open_db {
	fs_file_id db;
	int wal_fd;
	unsigned handles;
} open_dbs[OPEN_DBS_MAX];
static pthread_mutex_t open_dbs_lock = PTHREAD_MUTEX_INITIALIZER;

/* Count b in the entry of its database, making one if need be. Leaves
 * b->slot -1 when the log does not exist yet (checked again later). */
static void open_dbs_join(fs_backend *b, const char *wal_path)
{
	int i, free_slot = -1, fd;

	if (b->slot >= 0 || !b->db_file.known)
		return;
	pthread_mutex_lock(&open_dbs_lock);
	for (i = 0; i < OPEN_DBS_MAX; i++) {
		if (open_dbs[i].handles == 0) {
			if (free_slot < 0)
				free_slot = i;
		} else if (file_id_same(&open_dbs[i].db, &b->db_file)) {
			open_dbs[i].handles++;
			b->slot = i;
			break;
		}
	}
	if (b->slot < 0 && free_slot >= 0) {
		fd = open(wal_path, O_RDONLY | O_CLOEXEC);
		if (fd >= 0) {
			open_dbs[free_slot].db = b->db_file;
			open_dbs[free_slot].wal_fd = fd;
			open_dbs[free_slot].handles = 1;
			b->slot = free_slot;
		}
	}
	pthread_mutex_unlock(&open_dbs_lock);
}

static void open_dbs_leave(fs_backend *b)
{
	if (b->slot < 0)
		return;
	pthread_mutex_lock(&open_dbs_lock);
	if (--open_dbs[b->slot].handles == 0) {
		close(open_dbs[b->slot].wal_fd);
		open_dbs[b->slot].wal_fd = -1;
	}
	pthread_mutex_unlock(&open_dbs_lock);
	b->slot = -1;
}

/* Is the log held for b's database still the file at wal_path? */
static int open_dbs_wal_in_place(const fs_backend *b, const char *wal_path)
{
	struct stat held, now;
	int ok;

	pthread_mutex_lock(&open_dbs_lock);
	ok = fstat(open_dbs[b->slot].wal_fd, &held) == 0 && held.st_nlink > 0 &&
	     stat(wal_path, &now) == 0 && now.st_dev == held.st_dev && now.st_ino == held.st_ino;
	pthread_mutex_unlock(&open_dbs_lock);
	return ok;
}

/* path with a suffix, in out (FS_EINVAL when too long). */
static int path_with(char *out, size_t len, const char *path, const char *suffix, fs_err *err)
{
	int n = snprintf(out, len, "%s%s", path, suffix);

	if (n < 0 || (size_t)n >= len)
		return fs_err_set(err, FS_EINVAL, "store: path too long: %s", path);
	return 0;
}

/* The page size of a new kiosk store. A saved response and the sync after
 * it each touch a handful of pages (the row, its indexes, meta, the
 * cursors), and every page touched is written whole to the log and again by
 * the checkpoint: smaller pages write less to the kiosk's SD card
 * (docs/performance.md "SD card wear"). A hub's store keeps SQLite's
 * default (4096), better for its large tables. Set before anything is
 * written (journal_mode=WAL writes the header); an existing store keeps the
 * page size it was made with. */
#define KIOSK_PAGE_SIZE 1024

/* Open the SQLite connection of b on file and apply the connection
 * settings; page_size (0: SQLite's default) applies to a new file only. */
static int connect(fs_backend *b, const char *file, int page_size, fs_err *err)
{
	char sql[64];

	if (sqlite3_open_v2(file, &b->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX, NULL) !=
	    SQLITE_OK)
		return fs_err_set(err, FS_EGENERIC, "store: cannot open %s: %s", file,
		                  b->db ? sqlite3_errmsg(b->db) : "out of memory");
	sqlite3_busy_timeout(b->db, FS_SQLITE_BUSY_TIMEOUT_MS);
	sqlite3_extended_result_codes(b->db, 0);
	snprintf(sql, sizeof(sql), "PRAGMA page_size=%d;", page_size);
	if ((page_size > 0 && fs_sqlite_exec(b, sql, NULL) != 0) ||
	    fs_sqlite_exec(b,
	                   "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL; "
	                   "PRAGMA foreign_keys=ON; PRAGMA secure_delete=ON;",
	                   NULL) != 0) {
		if (sqlite3_errcode(b->db) == SQLITE_NOTADB)
			return fs_err_set(err, FS_EINVAL,
			                  "store: %s is not a fieldsync store (not an SQLite "
			                  "database); move it away and run again",
			                  file);
		return fs_sqlite_err(b, err, "open");
	}
	return 0;
}

/* Create a new store at path: built and migrated under a temporary name,
 * then linked into place, so that a file at path is always a complete
 * store (a crash mid-way leaves only the temporary file) and an existing
 * file is never replaced (link fails; another process won the race). */
static int create_store(const char *path, int page_size, fs_err *err)
{
	char tmp[4096], side[4200];
	fs_backend b;
	int fd, rc;

	memset(&b, 0, sizeof(b));
	rc = path_with(tmp, sizeof(tmp), path, ".new-XXXXXX", err);
	if (rc != 0)
		return rc;
	fd = mkstemp(tmp); /* 0600, never an existing file */
	if (fd < 0)
		return fs_err_set(err, FS_EGENERIC, "store: cannot create %s: %s", path,
		                  strerror(errno));
	close(fd); /* a new file: no lock of this process is on it */
	rc = connect(&b, tmp, page_size, err);
	if (rc == 0)
		rc = migrate(&b, err);
	sqlite3_close(b.db); /* checkpoints; removes tmp-wal and tmp-shm */
	if (rc == 0 && link(tmp, path) != 0 && errno != EEXIST)
		rc = fs_err_set(err, FS_EGENERIC, "store: cannot create %s: %s", path,
		                strerror(errno));
	unlink(tmp);
	if (path_with(side, sizeof(side), tmp, "-wal", NULL) == 0)
		unlink(side);
	if (path_with(side, sizeof(side), tmp, "-shm", NULL) == 0)
		unlink(side);
	if (rc == 0)
		rc = fs_store_file_sync_dir(path, err);
	return rc;
}

/* A file at path that is not a store is refused, never reused: an empty
 * file, say, is more likely a damaged disk or a mistake than a new store. */
static int check_existing(const char *path, const struct stat *st, fs_err *err)
{
	if (!S_ISREG(st->st_mode))
		return fs_err_set(err, FS_EINVAL, "store: %s is not a regular file", path);
	if (st->st_size == 0)
		return fs_err_set(err, FS_EINVAL,
		                  "store: %s exists but is empty (0 bytes), so it is not a "
		                  "fieldsync store; move it away and run again (a new store is "
		                  "made where no file is)",
		                  path);
	return check_permissions(path, st, err);
}

int fs_sqlite_open(fs_backend **out, const char *path, const fs_backend_options *opts, fs_err *err)
{
	fs_backend_options none = {1, 0, 0};
	char wal[4200], sql[64];
	fs_backend *b = NULL;
	struct stat st;
	int rc;

	*out = NULL;
	if (opts == NULL)
		opts = &none;
	if (opts->cache_kib < 0 || opts->cache_kib > CACHE_KIB_MAX)
		return fs_err_set(err, FS_EINVAL, "store: cache size %lld KiB is out of range",
		                  (long long)opts->cache_kib);
	/* Never open and close an existing file here: closing any descriptor
	 * of a file drops every POSIX lock this process holds on it, including
	 * those of SQLite connections already open here. */
	rc = path_with(wal, sizeof(wal), path, "-wal", err);
	if (rc != 0)
		return rc;
	if (stat(path, &st) != 0) {
		if (errno != ENOENT || !opts->create)
			return fs_err_set(err, FS_EGENERIC, "store: cannot read %s: %s", path,
			                  strerror(errno));
		rc = create_store(path, opts->hub ? 0 : KIOSK_PAGE_SIZE, err);
		if (rc == 0 && stat(path, &st) != 0)
			rc = fs_err_set(err, FS_EGENERIC, "store: cannot read %s: %s", path,
			                strerror(errno));
		if (rc != 0)
			return rc;
	}
	rc = check_existing(path, &st, err);
	if (rc != 0)
		return rc;
	b = calloc(1, sizeof(*b));
	if (b == NULL || (b->path = strdup(path)) == NULL) {
		free(b);
		return fs_err_set(err, FS_ENOMEM, "store: out of memory");
	}
	b->slot = -1;
	b->hub = opts->hub;
	rc = connect(b, path, 0, err);
	if (rc == 0)
		rc = migrate(b, err);
	if (rc == 0 && opts->hub)
		rc = migrate_hub(b, err);
	if (rc == 0 && opts->cache_kib > 0) {
		/* Memory is taken as pages are read, up to the limit, for as long
		 * as the handle is open. */
		snprintf(sql, sizeof(sql), "PRAGMA cache_size = -%lld", (long long)opts->cache_kib);
		rc = fs_sqlite_exec(b, sql, err);
	}
	if (rc != 0)
		goto fail;
	/* Reading the store opened its write-ahead log (creating it if need
	 * be): these two files must stay for a commit to be durable. */
	file_id_read(&b->db_file, path);
	open_dbs_join(b, wal);
	*out = b;
	return 0;
fail:
	if (err != NULL && err->code != 0 && strstr(err->msg, path) == NULL) {
		size_t used = strlen(err->msg);

		snprintf(err->msg + used, sizeof(err->msg) - used, " (%s)", path);
	}
	fs_sqlite_close(b);
	return rc;
}

static int file_is(const fs_file_id *id, const char *path)
{
	fs_file_id now;

	file_id_read(&now, path);
	return file_id_same(&now, id);
}

int fs_sqlite_check_durable(fs_backend *b, fs_err *err)
{
	char wal[4200];

	if (path_with(wal, sizeof(wal), b->path, "-wal", err) != 0)
		return FS_EINVAL;
	open_dbs_join(b, wal); /* when the log was not there at open */
	if (!file_is(&b->db_file, b->path) || b->slot < 0 || !open_dbs_wal_in_place(b, wal))
		return fs_err_set(err, FS_EIO,
		                  "store: %s or its write-ahead log was removed or replaced while "
		                  "open, so writes are no longer durable; stop fieldsync and check "
		                  "the data directory",
		                  b->path);
	return 0;
}

int fs_sqlite_size_bytes(fs_backend *b, int64_t *out, fs_err *err)
{
	char wal[4200];
	struct stat st;

	*out = 0;
	if (path_with(wal, sizeof(wal), b->path, "-wal", err) != 0)
		return FS_EINVAL;
	if (stat(b->path, &st) != 0)
		return fs_err_set(err, FS_EGENERIC, "store: cannot read the size of %s: %s", b->path,
		                  strerror(errno));
	*out = (int64_t)st.st_size;
	/* The log may be absent between checkpoints. */
	if (stat(wal, &st) == 0)
		*out += (int64_t)st.st_size;
	return 0;
}

void fs_sqlite_close(fs_backend *b)
{
	int i;

	if (b == NULL)
		return;
	fs_sqlite_rollback(b);
	for (i = 0; i < FS_SQL_COUNT; i++)
		sqlite3_finalize(b->stmt[i]);
	sqlite3_close(b->db);
	open_dbs_leave(b);
	free(b->scratch);
	free(b->path);
	free(b);
}

int fs_sqlite_begin(fs_backend *b, fs_txn_kind kind, fs_err *err)
{
	int rc;

	if (b->txn != 0)
		return fs_err_set(err, FS_EGENERIC, "store: transaction already open");
	fs_sqlite_scratch_reset(b);
	/* A write takes the write lock at once (BEGIN IMMEDIATE), so the
	 * counters read next are the latest and stay so until commit. */
	rc = fs_sqlite_exec(b, kind == FS_TXN_WRITE ? "BEGIN IMMEDIATE" : "BEGIN", err);
	if (rc == 0)
		b->txn = kind;
	return rc;
}

/* Reset every cached statement: an active one would keep a commit or a
 * rollback from releasing the lock. */
static void reset_all(fs_backend *b)
{
	int i;

	for (i = 0; i < FS_SQL_COUNT; i++)
		if (b->stmt[i] != NULL)
			sqlite3_reset(b->stmt[i]);
}

int fs_sqlite_commit(fs_backend *b, fs_err *err)
{
	int kind = b->txn, rc;

	reset_all(b);
	rc = fs_sqlite_exec(b, "COMMIT", err);
	if (rc != 0) {
		fs_sqlite_rollback(b);
		return rc;
	}
	b->txn = 0;
	/* Committed into files still in place, or the caller must not report
	 * the write as saved (the commit may be in a deleted log). */
	if (kind == FS_TXN_WRITE)
		return fs_sqlite_check_durable(b, err);
	return 0;
}

int fs_sqlite_savepoint(fs_backend *b, fs_savepoint_op op, fs_err *err)
{
	if (b->txn != FS_TXN_WRITE)
		return fs_err_set(err, FS_EGENERIC, "store: savepoint outside a write transaction");
	reset_all(b);
	switch (op) {
	case FS_SAVEPOINT_BEGIN: return fs_sqlite_exec(b, "SAVEPOINT fs_part", err);
	case FS_SAVEPOINT_RELEASE: return fs_sqlite_exec(b, "RELEASE fs_part", err);
	default: break;
	}
	/* ROLLBACK TO leaves the savepoint open: release it too. */
	if (fs_sqlite_exec(b, "ROLLBACK TO fs_part", err) != 0)
		return FS_EGENERIC;
	return fs_sqlite_exec(b, "RELEASE fs_part", err);
}

void fs_sqlite_rollback(fs_backend *b)
{
	if (b->db == NULL)
		return;
	reset_all(b);
	if (!sqlite3_get_autocommit(b->db))
		sqlite3_exec(b->db, "ROLLBACK", NULL, NULL, NULL);
	b->txn = 0;
}

/* What SQLite's own check does not see: the change sequence. Every seq is
 * held by one row and none is above the counter, or "changes after cursor
 * C" would skip or repeat rows. */
static int check_sequence(fs_backend *b, fs_err *err)
{
	char every[FS_SEQ_UNION_MAX], sql[FS_SEQ_UNION_MAX + 160];
	sqlite3_stmt *st = NULL;
	int rc = 0, step;

	fs_tables_seq_union(every, "seq");
	snprintf(sql, sizeof(sql),
	         "SELECT seq FROM (%s) GROUP BY seq HAVING count(*) > 1 LIMIT 1", every);
	if (sqlite3_prepare_v2(b->db, sql, -1, &st, NULL) != SQLITE_OK)
		return fs_sqlite_err(b, err, "integrity check");
	step = sqlite3_step(st);
	if (step == SQLITE_ROW)
		rc = fs_err_set(err, FS_EGENERIC,
		                "store: integrity check: change sequence number %lld is held by "
		                "more than one row",
		                (long long)sqlite3_column_int64(st, 0));
	else if (step != SQLITE_DONE)
		rc = fs_sqlite_err(b, err, "integrity check");
	sqlite3_finalize(st);
	if (rc != 0)
		return rc;
	fs_tables_seq_union(every, "max(seq) AS seq");
	snprintf(sql, sizeof(sql),
	         "SELECT coalesce((SELECT max(seq) FROM (%s)), 0), coalesce((SELECT "
	         "CAST(value AS INTEGER) FROM meta WHERE key = 'seq'), 0)",
	         every);
	if (sqlite3_prepare_v2(b->db, sql, -1, &st, NULL) != SQLITE_OK)
		return fs_sqlite_err(b, err, "integrity check");
	step = sqlite3_step(st);
	if (step == SQLITE_ROW && sqlite3_column_int64(st, 0) > sqlite3_column_int64(st, 1))
		rc = fs_err_set(err, FS_EGENERIC,
		                "store: integrity check: a row's change sequence number %lld is "
		                "above the counter (meta seq %lld)",
		                (long long)sqlite3_column_int64(st, 0),
		                (long long)sqlite3_column_int64(st, 1));
	else if (step != SQLITE_ROW)
		rc = fs_sqlite_err(b, err, "integrity check");
	sqlite3_finalize(st);
	return rc;
}

int fs_sqlite_check_integrity(fs_backend *b, fs_err *err)
{
	sqlite3_stmt *st = NULL;
	int rc = 0, own = b->txn == 0;

	/* One snapshot for both checks. */
	if (own && (rc = fs_sqlite_begin(b, FS_TXN_READ, err)) != 0)
		return rc;
	if (sqlite3_prepare_v2(b->db, "PRAGMA integrity_check", -1, &st, NULL) != SQLITE_OK) {
		rc = fs_sqlite_err(b, err, "integrity check");
	} else if (sqlite3_step(st) != SQLITE_ROW) {
		rc = fs_sqlite_err(b, err, "integrity check");
	} else {
		const char *r = (const char *)sqlite3_column_text(st, 0);

		if (r == NULL || strcmp(r, "ok") != 0)
			rc = fs_err_set(err, FS_EGENERIC, "store: integrity check: %s",
			                r ? r : "(no result)");
	}
	sqlite3_finalize(st);
	if (rc == 0)
		rc = check_sequence(b, err);
	if (own) {
		if (rc == 0)
			rc = fs_sqlite_commit(b, err);
		else
			fs_sqlite_rollback(b);
	}
	return rc;
}
