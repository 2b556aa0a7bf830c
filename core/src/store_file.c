/* A SQLite store as a whole file (store_file.h): the online copy, the
 * rollback-journal mode of a copy, whether another process has a store
 * open, and the directory sync after a rename. */
#include "fieldsync/store_file.h"

#include <errno.h>
#include <fcntl.h>
#include <sqlite3.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "sqlite_backend.h"

/* The byte of the -shm file every connection holds a shared lock on while
 * open: WALINDEX_LOCK_OFFSET (120) + 8 (walformat.html, "the DMS lock"). */
#define SHM_DMS_BYTE 128

static int db_err(sqlite3 *db, int code, fs_err *err, const char *what, const char *path)
{
	int sc = db != NULL ? sqlite3_errcode(db) : SQLITE_NOMEM;

	if (sc == SQLITE_NOTADB || sc == SQLITE_CORRUPT)
		code = FS_EINVAL;
	return fs_err_set(err, code, "%s %s: %s", what, path,
	                  db != NULL ? sqlite3_errmsg(db) : "out of memory");
}

static int fsync_path(const char *path, fs_err *err)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC), rc;

	if (fd < 0)
		return fs_err_set(err, FS_EGENERIC, "cannot open %s: %s", path, strerror(errno));
	rc = fsync(fd);
	close(fd); /* no connection of this process is open on path now */
	if (rc != 0)
		return fs_err_set(err, FS_EGENERIC, "cannot sync %s: %s", path, strerror(errno));
	return 0;
}

int fs_store_file_copy(const char *src, const char *dst, fs_err *err)
{
	sqlite3 *from = NULL, *to = NULL;
	sqlite3_backup *bk = NULL;
	int rc = 0, step = SQLITE_OK;

	if (sqlite3_open_v2(src, &from, SQLITE_OPEN_READONLY | SQLITE_OPEN_NOMUTEX, NULL) !=
	    SQLITE_OK) {
		rc = db_err(from, FS_EGENERIC, err, "cannot open", src);
		goto done;
	}
	sqlite3_busy_timeout(from, FS_SQLITE_BUSY_TIMEOUT_MS);
	/* The snapshot: a read transaction of from's own, which every step
	 * then uses (the backup begins none while one is open). */
	if (sqlite3_exec(from, "BEGIN; SELECT count(*) FROM sqlite_master;", NULL, NULL, NULL) !=
	    SQLITE_OK) {
		rc = db_err(from, FS_EGENERIC, err, "cannot read", src);
		goto done;
	}
	if (sqlite3_open_v2(dst, &to, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX, NULL) !=
	    SQLITE_OK) {
		rc = db_err(to, FS_EGENERIC, err, "cannot open", dst);
		goto done;
	}
	bk = sqlite3_backup_init(to, "main", from, "main");
	if (bk == NULL) {
		rc = db_err(to, FS_EGENERIC, err, "cannot copy into", dst);
		goto done;
	}
	while (step == SQLITE_OK || step == SQLITE_BUSY || step == SQLITE_LOCKED) {
		step = sqlite3_backup_step(bk, FS_STORE_FILE_STEP_PAGES);
		if (step == SQLITE_BUSY || step == SQLITE_LOCKED)
			sqlite3_sleep(10);
	}
	/* finish reports the step's error on to; from's is in from. */
	if (sqlite3_backup_finish(bk) != SQLITE_OK || step != SQLITE_DONE) {
		int sc = sqlite3_errcode(from);

		if (sc != SQLITE_OK && sc != SQLITE_DONE && sc != SQLITE_ROW)
			rc = db_err(from, FS_EGENERIC, err, "cannot copy", src);
		else
			rc = fs_err_set(err, step == SQLITE_NOTADB || step == SQLITE_CORRUPT
			                         ? FS_EINVAL
			                         : FS_EGENERIC,
			                "cannot copy %s into %s: %s", src, dst, sqlite3_errstr(step));
	}
done:
	if (from != NULL)
		sqlite3_exec(from, "COMMIT", NULL, NULL, NULL);
	sqlite3_close(from);
	sqlite3_close(to);
	if (rc == 0)
		rc = fsync_path(dst, err);
	return rc;
}

int fs_store_file_standalone(const char *path, fs_err *err)
{
	sqlite3 *db = NULL;
	int rc = 0;

	if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX, NULL) !=
	        SQLITE_OK ||
	    sqlite3_exec(db, "PRAGMA journal_mode=DELETE; PRAGMA synchronous=FULL;", NULL, NULL,
	                 NULL) != SQLITE_OK)
		rc = db_err(db, FS_EGENERIC, err, "cannot set the journal mode of", path);
	sqlite3_close(db);
	if (rc == 0)
		rc = fsync_path(path, err);
	return rc;
}

int fs_store_file_in_use(const char *path, fs_err *err)
{
	char shm[4200];
	struct flock fl;
	int fd, rc;

	if ((size_t)snprintf(shm, sizeof(shm), "%s-shm", path) >= sizeof(shm))
		return fs_err_set(err, FS_EINVAL, "path too long: %s", path);
	fd = open(shm, O_RDONLY | O_CLOEXEC);
	if (fd < 0 && errno == ENOENT)
		return 0; /* nobody has it open in WAL mode */
	if (fd < 0)
		return fs_err_set(err, FS_EGENERIC, "cannot read %s: %s", shm, strerror(errno));
	memset(&fl, 0, sizeof(fl));
	fl.l_type = F_WRLCK;
	fl.l_whence = SEEK_SET;
	fl.l_start = SHM_DMS_BYTE;
	fl.l_len = 1;
	rc = fcntl(fd, F_GETLK, &fl);
	close(fd);
	if (rc != 0)
		return fs_err_set(err, FS_EGENERIC, "cannot read the locks of %s: %s", shm,
		                  strerror(errno));
	return fl.l_type != F_UNLCK;
}

int fs_store_file_sync_dir(const char *path, fs_err *err)
{
	char dir[4096];
	int fd, rc;

	fs_sqlite_dir_of(dir, sizeof(dir), path);
	fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return fs_err_set(err, FS_EGENERIC, "cannot open directory %s: %s", dir,
		                  strerror(errno));
	rc = fsync(fd);
	close(fd);
	if (rc != 0)
		return fs_err_set(err, FS_EGENERIC, "cannot sync directory %s: %s", dir,
		                  strerror(errno));
	return 0;
}
