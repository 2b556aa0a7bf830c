#include "store_internal.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "db.h"
#include "fieldsync/records.h"

extern const char *const fs_schema_migrations[];
extern const int fs_schema_migration_count;

#define BUSY_TIMEOUT_MS 10000

int fs_store_schema_version(void)
{
	return fs_schema_migration_count;
}

static uint64_t system_wallclock(void *ctx)
{
	struct timespec ts;

	(void)ctx;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000u + (uint64_t)(ts.tv_nsec / 1000000);
}

int fs_store_sqlite_err(fs_store *s, fs_err *err, const char *what)
{
	int code = sqlite3_errcode(s->db);
	int rc = FS_EGENERIC;

	if (code == SQLITE_BUSY || code == SQLITE_LOCKED)
		rc = FS_EBUSY;
	else if (code == SQLITE_NOMEM)
		rc = FS_ENOMEM;
	return fs_err_set(err, rc, "store: %s: %s", what, sqlite3_errmsg(s->db));
}

int fs_store_exec(fs_store *s, const char *sql, fs_err *err)
{
	char *msg = NULL;
	int rc;

	rc = sqlite3_exec(s->db, sql, NULL, NULL, &msg);
	if (rc != SQLITE_OK) {
		int code = (rc == SQLITE_BUSY || rc == SQLITE_LOCKED) ? FS_EBUSY : FS_EGENERIC;

		fs_err_set(err, code, "store: %s", msg ? msg : sqlite3_errstr(rc));
		sqlite3_free(msg);
		return code;
	}
	return 0;
}

sqlite3_stmt *fs_store_stmt(fs_store *s, enum fs_stmt_id id, fs_err *err)
{
	sqlite3_stmt *st = s->stmt[id];

	if (st == NULL) {
		if (sqlite3_prepare_v3(s->db, fs_db_sql[id], -1, SQLITE_PREPARE_PERSISTENT, &st,
				       NULL) != SQLITE_OK) {
			fs_store_sqlite_err(s, err, "prepare");
			return NULL;
		}
		s->stmt[id] = st;
	} else {
		sqlite3_reset(st);
		sqlite3_clear_bindings(st);
	}
	return st;
}

int fs_meta_get(fs_store *s, const char *key, char *out, size_t len, fs_err *err)
{
	sqlite3_stmt *st = fs_store_stmt(s, FS_STMT_META_GET, err);
	int rc;

	if (st == NULL)
		return FS_EGENERIC;
	sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		snprintf(out, len, "%s", (const char *)sqlite3_column_text(st, 0));
		sqlite3_reset(st);
		return 0;
	}
	sqlite3_reset(st);
	if (rc == SQLITE_DONE)
		return FS_ENOTFOUND;
	return fs_store_sqlite_err(s, err, "read meta");
}

int fs_meta_put(fs_store *s, const char *key, const char *value, fs_err *err)
{
	sqlite3_stmt *st = fs_store_stmt(s, FS_STMT_META_PUT, err);
	int rc;

	if (st == NULL)
		return FS_EGENERIC;
	sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, value, -1, SQLITE_STATIC);
	rc = sqlite3_step(st);
	sqlite3_reset(st);
	if (rc != SQLITE_DONE)
		return fs_store_sqlite_err(s, err, "write meta");
	return 0;
}

static int meta_get_i64(fs_store *s, const char *key, int64_t *out, fs_err *err)
{
	char text[32];
	int rc = fs_meta_get(s, key, text, sizeof(text), err);

	if (rc == FS_ENOTFOUND) {
		*out = 0;
		return 0;
	}
	if (rc != 0)
		return rc;
	*out = strtoll(text, NULL, 10);
	return 0;
}

static int meta_put_i64(fs_store *s, const char *key, int64_t v, fs_err *err)
{
	char text[32];

	snprintf(text, sizeof(text), "%" PRId64, v);
	return fs_meta_put(s, key, text, err);
}

static int migrate(fs_store *s, fs_err *err)
{
	sqlite3_stmt *st = NULL;
	int version = 0, rc;

	if (sqlite3_prepare_v2(s->db, "PRAGMA user_version", -1, &st, NULL) != SQLITE_OK)
		return fs_store_sqlite_err(s, err, "read schema version");
	if (sqlite3_step(st) == SQLITE_ROW)
		version = sqlite3_column_int(st, 0);
	sqlite3_finalize(st);
	if (version > fs_schema_migration_count)
		return fs_err_set(err, FS_EVERSION,
				  "store: schema version %d was written by a newer fieldsync "
				  "(this one knows up to %d); not touching it",
				  version, fs_schema_migration_count);
	if (version == 0 && s->path != NULL) {
		/* Only create_store migrates from nothing (s->path unset there). */
		return fs_err_set(err, FS_EINVAL,
				  "store: an SQLite database, but not a fieldsync store (no "
				  "schema version); move it away and run again");
	}
	while (version < fs_schema_migration_count) {
		char sql[64];

		/* One transaction per migration: a crash leaves the previous version. */
		rc = fs_store_exec(s, "BEGIN IMMEDIATE", err);
		if (rc != 0)
			return rc;
		rc = fs_store_exec(s, fs_schema_migrations[version], err);
		if (rc == 0) {
			snprintf(sql, sizeof(sql), "PRAGMA user_version = %d", version + 1);
			rc = fs_store_exec(s, sql, err);
		}
		if (rc == 0)
			rc = fs_store_exec(s, "COMMIT", err);
		if (rc != 0) {
			sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
			return rc;
		}
		version++;
	}
	return 0;
}

/* The clock state: offset and the anchor it was learned at. */
static int clock_load(fs_store *s, fs_err *err)
{
	char text[96];
	long long wall;
	unsigned long long boot, id;
	int rc = meta_get_i64(s, "clock_offset_ms", &s->offset_ms, err);

	if (rc != 0)
		return rc;
	s->has_anchor = 0;
	rc = fs_meta_get(s, "clock_anchor", text, sizeof(text), err);
	if (rc == FS_ENOTFOUND)
		return 0;
	if (rc != 0)
		return rc;
	if (sscanf(text, "%lld %llu %llx", &wall, &boot, &id) == 3) {
		s->has_anchor = 1;
		s->anchor_wall_ms = wall;
		s->anchor_boot_ms = boot;
		s->anchor_boot_id = id;
	}
	return 0;
}

/* CLOCK_BOOTTIME and a hash of the kernel's boot id (read once per handle:
 * it only changes with a reboot, which also ends this process). */
static int system_boottime(fs_store *s, uint64_t *since_boot_ms, uint64_t *boot_id)
{
	struct timespec ts;

#ifdef CLOCK_BOOTTIME
	if (clock_gettime(CLOCK_BOOTTIME, &ts) != 0)
#endif
		if (clock_gettime(CLOCK_MONOTONIC, &ts) != 0)
			return -1;
	*since_boot_ms = (uint64_t)ts.tv_sec * 1000u + (uint64_t)(ts.tv_nsec / 1000000);
	if (!s->have_boot_id) {
		FILE *f = fopen("/proc/sys/kernel/random/boot_id", "re");
		uint64_t h = UINT64_C(14695981039346656037);
		int c;

		if (f != NULL) {
			while ((c = fgetc(f)) != EOF && c != '\n')
				h = (h ^ (uint64_t)(unsigned char)c) * UINT64_C(1099511628211);
			fclose(f);
		}
		s->boot_id = h;
		s->have_boot_id = 1;
	}
	*boot_id = s->boot_id;
	return 0;
}

static int read_boottime(fs_store *s, uint64_t *since_boot_ms, uint64_t *boot_id)
{
	switch (s->boottime_mode) {
	case 0: return system_boottime(s, since_boot_ms, boot_id);
	case 1: return s->boottime(s->boottime_ctx, since_boot_ms, boot_id);
	default: return -1;
	}
}

/* The offset to apply to wall now: the persisted one while the wall clock
 * still runs with the boot clock it was learned against; 0 after a reboot
 * or a jump of the wall clock (someone set it: whatever the offset
 * corrected may be gone, and an old offset would misdate everything). */
static int64_t effective_offset(fs_store *s, uint64_t wall)
{
	uint64_t boot = 0, id = 0;
	int64_t expect, drift;

	if (s->offset_ms == 0 || !s->has_anchor || read_boottime(s, &boot, &id) != 0)
		return s->offset_ms;
	if (id != s->anchor_boot_id || boot < s->anchor_boot_ms)
		return 0;
	expect = s->anchor_wall_ms + (int64_t)(boot - s->anchor_boot_ms);
	drift = (int64_t)wall - expect;
	if (drift > FS_CLOCK_JUMP_MS || drift < -FS_CLOCK_JUMP_MS)
		return 0;
	return s->offset_ms;
}

static int load_identity(fs_store *s, fs_err *err)
{
	int rc;

	rc = fs_meta_get(s, "site", s->site, sizeof(s->site), err);
	if (rc == FS_ENOTFOUND)
		s->site[0] = '\0';
	else if (rc != 0)
		return rc;
	rc = fs_meta_get(s, "region", s->region, sizeof(s->region), err);
	if (rc == FS_ENOTFOUND)
		s->region[0] = '\0';
	else if (rc != 0)
		return rc;
	return clock_load(s, err);
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

/* The directory part of path ("." when there is none). */
static void dir_of(char *out, size_t len, const char *path)
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
		return fs_err_set(err, FS_EFORBIDDEN,
				  "store: %s has mode %04o: others may read it; a store must be "
				  "readable by its owner only (chmod 600 '%s'), or set "
				  PERMISSIONS_OVERRIDE "=1 to accept it",
				  path, (unsigned)(file->st_mode & 07777), path);
	dir_of(dir, sizeof(dir), path);
	if (stat(dir, &st) != 0)
		return fs_err_set(err, FS_EGENERIC, "store: cannot read directory %s: %s", dir,
				  strerror(errno));
	if ((st.st_mode & (S_IROTH | S_IWOTH)) != 0)
		return fs_err_set(err, FS_EFORBIDDEN,
				  "store: its directory %s has mode %04o: anyone may list or write "
				  "it; use a data directory of its own (chmod 700 '%s'), or set "
				  PERMISSIONS_OVERRIDE "=1 to accept it",
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

/* Count s in the entry of its database, making one if need be. Leaves
 * s->slot -1 when the log does not exist yet (checked again later). */
static void open_dbs_join(fs_store *s, const char *wal_path)
{
	int i, free_slot = -1, fd;

	if (s->slot >= 0 || !s->db_file.known)
		return;
	pthread_mutex_lock(&open_dbs_lock);
	for (i = 0; i < OPEN_DBS_MAX; i++) {
		if (open_dbs[i].handles == 0) {
			if (free_slot < 0)
				free_slot = i;
		} else if (file_id_same(&open_dbs[i].db, &s->db_file)) {
			open_dbs[i].handles++;
			s->slot = i;
			break;
		}
	}
	if (s->slot < 0 && free_slot >= 0) {
		fd = open(wal_path, O_RDONLY | O_CLOEXEC);
		if (fd >= 0) {
			open_dbs[free_slot].db = s->db_file;
			open_dbs[free_slot].wal_fd = fd;
			open_dbs[free_slot].handles = 1;
			s->slot = free_slot;
		}
	}
	pthread_mutex_unlock(&open_dbs_lock);
}

static void open_dbs_leave(fs_store *s)
{
	if (s->slot < 0)
		return;
	pthread_mutex_lock(&open_dbs_lock);
	if (--open_dbs[s->slot].handles == 0) {
		close(open_dbs[s->slot].wal_fd);
		open_dbs[s->slot].wal_fd = -1;
	}
	pthread_mutex_unlock(&open_dbs_lock);
	s->slot = -1;
}

/* Is the log held for s's database still the file at wal_path? */
static int open_dbs_wal_in_place(const fs_store *s, const char *wal_path)
{
	struct stat held, now;
	int ok;

	pthread_mutex_lock(&open_dbs_lock);
	ok = fstat(open_dbs[s->slot].wal_fd, &held) == 0 && held.st_nlink > 0 &&
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

/* Open the SQLite connection of s on file and apply the connection
 * settings. */
static int connect(fs_store *s, const char *file, fs_err *err)
{
	if (sqlite3_open_v2(file, &s->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX, NULL) !=
	    SQLITE_OK)
		return fs_err_set(err, FS_EGENERIC, "store: cannot open %s: %s", file,
				  s->db ? sqlite3_errmsg(s->db) : "out of memory");
	sqlite3_busy_timeout(s->db, BUSY_TIMEOUT_MS);
	sqlite3_extended_result_codes(s->db, 0);
	if (fs_store_exec(s,
			  "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL; "
			  "PRAGMA foreign_keys=ON;",
			  NULL) != 0) {
		if (sqlite3_errcode(s->db) == SQLITE_NOTADB)
			return fs_err_set(err, FS_EINVAL,
					  "store: %s is not a fieldsync store (not an SQLite "
					  "database); move it away and run again",
					  file);
		return fs_store_sqlite_err(s, err, "open");
	}
	return 0;
}

static int fsync_dir(const char *dir)
{
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC), rc;

	if (fd < 0)
		return -1;
	rc = fsync(fd);
	close(fd);
	return rc;
}

/* Create a new store at path: built and migrated under a temporary name,
 * then linked into place, so that a file at path is always a complete
 * store (a crash mid-way leaves only the temporary file) and an existing
 * file is never replaced (link fails; another process won the race). */
static int create_store(const char *path, fs_err *err)
{
	char tmp[4096], side[4200], dir[4096];
	fs_store s;
	int fd, rc;

	memset(&s, 0, sizeof(s));
	rc = path_with(tmp, sizeof(tmp), path, ".new-XXXXXX", err);
	if (rc != 0)
		return rc;
	fd = mkstemp(tmp); /* 0600, never an existing file */
	if (fd < 0)
		return fs_err_set(err, FS_EGENERIC, "store: cannot create %s: %s", path,
				  strerror(errno));
	close(fd); /* a new file: no lock of this process is on it */
	rc = connect(&s, tmp, err);
	if (rc == 0)
		rc = migrate(&s, err);
	sqlite3_close(s.db); /* checkpoints; removes tmp-wal and tmp-shm */
	if (rc == 0 && link(tmp, path) != 0 && errno != EEXIST)
		rc = fs_err_set(err, FS_EGENERIC, "store: cannot create %s: %s", path,
				strerror(errno));
	unlink(tmp);
	if (path_with(side, sizeof(side), tmp, "-wal", NULL) == 0)
		unlink(side);
	if (path_with(side, sizeof(side), tmp, "-shm", NULL) == 0)
		unlink(side);
	dir_of(dir, sizeof(dir), path);
	if (rc == 0 && fsync_dir(dir) != 0)
		rc = fs_err_set(err, FS_EGENERIC, "store: cannot sync directory %s: %s", dir,
				strerror(errno));
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

int fs_store_open(fs_store **out, const char *path, fs_err *err)
{
	char wal[4200];
	fs_store *s = NULL;
	struct stat st;
	int rc;

	*out = NULL;
	/* Never open and close an existing file here: closing any descriptor
	 * of a file drops every POSIX lock this process holds on it, including
	 * those of SQLite connections already open here. */
	rc = path_with(wal, sizeof(wal), path, "-wal", err);
	if (rc != 0)
		return rc;
	if (stat(path, &st) != 0) {
		if (errno != ENOENT)
			return fs_err_set(err, FS_EGENERIC, "store: cannot read %s: %s", path,
					  strerror(errno));
		rc = create_store(path, err);
		if (rc == 0 && stat(path, &st) != 0)
			rc = fs_err_set(err, FS_EGENERIC, "store: cannot read %s: %s", path,
					strerror(errno));
		if (rc != 0)
			return rc;
	}
	rc = check_existing(path, &st, err);
	if (rc != 0)
		return rc;
	s = calloc(1, sizeof(*s));
	if (s == NULL || (s->path = strdup(path)) == NULL) {
		free(s);
		return fs_err_set(err, FS_ENOMEM, "store: out of memory");
	}
	s->wallclock = system_wallclock;
	s->slot = -1;
	rc = connect(s, path, err);
	if (rc == 0)
		rc = migrate(s, err);
	if (rc == 0)
		rc = load_identity(s, err);
	if (rc != 0)
		goto fail;
	/* Reading the store opened its write-ahead log (creating it if need
	 * be): these two files must stay for a commit to be durable. */
	file_id_read(&s->db_file, path);
	open_dbs_join(s, wal);
	*out = s;
	return 0;
fail:
	if (err != NULL && err->code != 0 && strstr(err->msg, path) == NULL) {
		size_t used = strlen(err->msg);

		snprintf(err->msg + used, sizeof(err->msg) - used, " (%s)", path);
	}
	fs_store_close(s);
	return rc;
}

static int file_is(const fs_file_id *id, const char *path)
{
	fs_file_id now;

	file_id_read(&now, path);
	return file_id_same(&now, id);
}

int fs_store_check_files(fs_store *s, fs_err *err)
{
	char wal[4200];

	if (path_with(wal, sizeof(wal), s->path, "-wal", err) != 0)
		return FS_EINVAL;
	open_dbs_join(s, wal); /* when the log was not there at open */
	if (!file_is(&s->db_file, s->path) || s->slot < 0 || !open_dbs_wal_in_place(s, wal))
		return fs_err_set(err, FS_EIO,
				  "store: %s or its write-ahead log was removed or replaced while "
				  "open, so writes are no longer durable; stop fieldsync and check "
				  "the data directory",
				  s->path);
	return 0;
}

void fs_store_close(fs_store *s)
{
	int i;

	if (s == NULL)
		return;
	if (s->in_txn)
		fs_txn_rollback(s);
	for (i = 0; i < FS_STMT_COUNT; i++)
		sqlite3_finalize(s->stmt[i]);
	sqlite3_close(s->db);
	open_dbs_leave(s);
	free(s->path);
	free(s);
}

int fs_store_set_cache(fs_store *s, int64_t kib, fs_err *err)
{
	char sql[64];

	if (kib < 1 || kib > (int64_t)16 * 1024 * 1024)
		return fs_err_set(err, FS_EINVAL, "store: cache size %lld KiB is out of range",
				  (long long)kib);
	snprintf(sql, sizeof(sql), "PRAGMA cache_size = -%lld", (long long)kib);
	return fs_store_exec(s, sql, err);
}

int fs_name_is_valid(const char *name)
{
	size_t i;

	if (name == NULL || name[0] == '\0')
		return 0;
	for (i = 0; name[i] != '\0'; i++) {
		char c = name[i];

		if (i >= FS_NAME_MAX)
			return 0;
		if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || (c == '-' && i > 0)))
			return 0;
	}
	return 1;
}

int fs_store_set_identity(fs_store *s, const char *site, const char *region, fs_err *err)
{
	int rc;

	if (!fs_name_is_valid(site))
		return fs_err_set(err, FS_EINVAL,
				  "site id must match [a-z0-9][a-z0-9-]{0,63}");
	if (region != NULL && !fs_name_is_valid(region))
		return fs_err_set(err, FS_EINVAL,
				  "region must match [a-z0-9][a-z0-9-]{0,63}");
	if (s->site[0] != '\0') {
		if (strcmp(s->site, site) == 0 && strcmp(s->region, region ? region : "") == 0)
			return 0;
		return fs_err_set(err, FS_ECONFLICT,
				  "store already belongs to site %s; its identity cannot change",
				  s->site);
	}
	rc = fs_txn_begin(s, err);
	if (rc != 0)
		return rc;
	rc = fs_meta_put(s, "site", site, err);
	if (rc == 0 && region != NULL)
		rc = fs_meta_put(s, "region", region, err);
	if (rc == 0)
		rc = fs_txn_commit(s, err);
	else
		fs_txn_rollback(s);
	if (rc == 0) {
		snprintf(s->site, sizeof(s->site), "%s", site);
		snprintf(s->region, sizeof(s->region), "%s", region ? region : "");
	}
	return rc;
}

const char *fs_store_site(const fs_store *s)
{
	return s->site;
}

const char *fs_store_region(const fs_store *s)
{
	return s->region;
}

void fs_store_set_wallclock(fs_store *s, fs_wallclock_fn fn, void *ctx)
{
	s->wallclock = fn ? fn : system_wallclock;
	s->wallclock_ctx = ctx;
	s->boottime_mode = fn ? 2 : 0;
}

void fs_store_set_boottime(fs_store *s, fs_boottime_fn fn, void *ctx)
{
	s->boottime_mode = fn ? 1 : 0;
	s->boottime = fn;
	s->boottime_ctx = ctx;
}

uint64_t fs_store_now_ms(fs_store *s)
{
	uint64_t wall;
	int64_t t;

	/* Another handle (the daemon's) may have corrected the offset since;
	 * inside a transaction it was just loaded. */
	if (!s->in_txn)
		clock_load(s, NULL);
	wall = s->wallclock(s->wallclock_ctx);
	t = (int64_t)wall + effective_offset(s, wall);

	return t < 0 ? 0 : (uint64_t)t;
}

int64_t fs_store_clock_offset(const fs_store *s)
{
	/* Only the boot id cache changes; the handle is the caller's. */
	fs_store *m = (fs_store *)s;

	return effective_offset(m, m->wallclock(m->wallclock_ctx));
}

int fs_txn_begin(fs_store *s, fs_err *err)
{
	int64_t v;
	int rc;

	if (s->in_txn)
		return fs_err_set(err, FS_EGENERIC, "store: transaction already open");
	rc = fs_store_exec(s, "BEGIN IMMEDIATE", err);
	if (rc != 0)
		return rc;
	s->in_txn = 1;
	rc = meta_get_i64(s, "seq", &s->txn_seq, err);
	if (rc == 0)
		rc = meta_get_i64(s, "hlc", &v, err);
	if (rc == 0)
		rc = clock_load(s, err);
	if (rc != 0) {
		fs_txn_rollback(s);
		return rc;
	}
	s->txn_hlc = (fs_hlc)v;
	s->txn_seq_start = s->txn_seq;
	s->txn_hlc_start = s->txn_hlc;
	return 0;
}

int fs_txn_commit(fs_store *s, fs_err *err)
{
	int rc = 0;

	if (s->txn_seq != s->txn_seq_start)
		rc = meta_put_i64(s, "seq", s->txn_seq, err);
	if (rc == 0 && s->txn_hlc != s->txn_hlc_start)
		rc = meta_put_i64(s, "hlc", (int64_t)s->txn_hlc, err);
	if (rc == 0)
		rc = fs_store_exec(s, "COMMIT", err);
	if (rc != 0) {
		fs_txn_rollback(s);
		return rc;
	}
	s->in_txn = 0;
	/* Committed into files still in place, or the caller must not report
	 * the write as saved (the commit may be in a deleted log). */
	return fs_store_check_files(s, err);
}

void fs_txn_rollback(fs_store *s)
{
	int i;

	/* Reset statements first: an active one would keep the rollback from
	 * releasing the lock. */
	for (i = 0; i < FS_STMT_COUNT; i++)
		if (s->stmt[i] != NULL)
			sqlite3_reset(s->stmt[i]);
	if (!sqlite3_get_autocommit(s->db))
		sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
	s->in_txn = 0;
}

int64_t fs_txn_next_seq(fs_store *s)
{
	return ++s->txn_seq;
}

fs_hlc fs_txn_tick(fs_store *s)
{
	s->txn_hlc = fs_hlc_tick(s->txn_hlc, fs_store_now_ms(s));
	return s->txn_hlc;
}

void fs_txn_observe(fs_store *s, fs_hlc h)
{
	if (h > s->txn_hlc)
		s->txn_hlc = h;
}

int fs_store_clock_last(fs_store *s, fs_hlc *out, fs_err *err)
{
	int64_t v;
	int rc = meta_get_i64(s, "hlc", &v, err);

	if (rc == 0)
		*out = (fs_hlc)v;
	return rc;
}

int fs_store_seq(fs_store *s, int64_t *out, fs_err *err)
{
	return meta_get_i64(s, "seq", out, err);
}

int fs_store_clock_adjust(fs_store *s, uint64_t trusted_ms, uint64_t max_future_ms, long *restamped,
			  fs_err *err)
{
	fs_hlc limit;
	uint64_t wall, boot = 0, id = 0;
	int64_t before;
	char anchor[96], limit_text[FS_TIMESTAMP_LEN + 1];
	long n = 0, redated = 0; /* re-dated responses are re-stamped too */
	int rc;

	if (restamped)
		*restamped = 0;
	if (trusted_ms > FS_HLC_MS_MAX || max_future_ms > FS_HLC_MS_MAX - trusted_ms)
		return fs_err_set(err, FS_EINVAL, "clock: trusted time out of range");
	/* Re-stamp beyond half the allowance, so that the new stamps (just
	 * above what is kept) are still well inside what the hub accepts. */
	limit = fs_hlc_make(trusted_ms + max_future_ms / 2, 0xffff);
	fs_timestamp_format(limit_text, trusted_ms + max_future_ms / 2);
	rc = fs_txn_begin(s, err);
	if (rc != 0)
		return rc;
	wall = s->wallclock(s->wallclock_ctx);
	before = (int64_t)wall + effective_offset(s, wall);
	s->offset_ms = (int64_t)trusted_ms - (int64_t)wall;
	rc = meta_put_i64(s, "clock_offset_ms", s->offset_ms, err);
	/* Note both clocks now, so a later jump of the wall clock is seen. */
	anchor[0] = '\0';
	if (read_boottime(s, &boot, &id) == 0)
		snprintf(anchor, sizeof(anchor), "%lld %llu %llx", (long long)wall,
			 (unsigned long long)boot, (unsigned long long)id);
	if (rc == 0)
		rc = fs_meta_put(s, "clock_anchor", anchor, err);
	if (rc == 0)
		rc = clock_load(s, err);
	/* Responses dated by the wrong clock and not yet taken by anyone say
	 * when they really happened: shifted by the correction (and never
	 * after the trusted time). */
	if (rc == 0)
		rc = fs_db_redate_own_responses(s, limit_text, (int64_t)trusted_ms - before,
						trusted_ms, &redated, err);
	if (rc == 0 && s->txn_hlc > limit) {
		/* Everything we hold is at or below limit except our own
		 * unacknowledged writes, which are re-stamped above it. */
		rc = fs_db_max_hlc(s, limit, &s->txn_hlc, err);
		if (rc == 0)
			rc = fs_db_restamp_own(s, limit, &n, err);
	}
	if (rc == 0)
		rc = fs_txn_commit(s, err);
	else
		fs_txn_rollback(s);
	if (rc == 0 && restamped)
		*restamped = n;
	return rc;
}

int fs_store_peer_cursors(fs_store *s, const char *peer, int64_t *push_cursor, int64_t *pull_cursor,
			  fs_err *err)
{
	return fs_db_peer_get(s, peer, push_cursor, pull_cursor, err);
}

int fs_store_peer_ack(fs_store *s, const char *peer, int64_t seq, fs_err *err)
{
	int rc = fs_txn_begin(s, err);

	if (rc != 0)
		return rc;
	rc = fs_db_peer_set_push(s, peer, seq, err);
	if (rc == 0)
		return fs_txn_commit(s, err);
	fs_txn_rollback(s);
	return rc;
}

int fs_store_check_integrity(fs_store *s, fs_err *err)
{
	sqlite3_stmt *st = NULL;
	int rc = 0;

	if (sqlite3_prepare_v2(s->db, "PRAGMA integrity_check", -1, &st, NULL) != SQLITE_OK)
		return fs_store_sqlite_err(s, err, "integrity check");
	if (sqlite3_step(st) != SQLITE_ROW) {
		rc = fs_store_sqlite_err(s, err, "integrity check");
	} else {
		const char *r = (const char *)sqlite3_column_text(st, 0);

		if (r == NULL || strcmp(r, "ok") != 0)
			rc = fs_err_set(err, FS_EGENERIC, "store: integrity check: %s",
					r ? r : "(no result)");
	}
	sqlite3_finalize(st);
	return rc;
}
