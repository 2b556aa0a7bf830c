/* The store's files: what fs_store_open refuses, how a new store appears,
 * and that a commit into files removed under the store is not reported as
 * saved. */
#include <dirent.h>
#include <sqlite3.h>
#include <stdlib.h>
#include <sys/stat.h>

#include "fieldsync/backend.h"
#include "fieldsync/store.h"
#include "test.h"
#include "testutil.h"

static char dir[64];

static void make_path(char *out, size_t len, const char *name)
{
	snprintf(out, len, "%s/%s", dir, name);
}

static long file_size(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0 ? (long)st.st_size : -1;
}

static void store_open_refuses_empty_file(void)
{
	char path[128];
	fs_store *s = NULL;
	fs_err e = {0, ""};
	FILE *f;

	make_path(path, sizeof(path), "empty.db");
	f = fopen(path, "w");
	CHECK(f != NULL);
	fclose(f);
	chmod(path, 0600);
	CHECK(fs_store_open(&s, path, &e) == FS_EINVAL);
	CHECK(s == NULL);
	CHECK(strstr(e.msg, "empty") != NULL);
	CHECK(strstr(e.msg, "empty.db") != NULL);
	CHECK(file_size(path) == 0); /* left as it was */
}

static void store_open_refuses_foreign_sqlite_database(void)
{
	char path[128];
	sqlite3 *db = NULL;
	fs_store *s = NULL;
	fs_err e = {0, ""};

	make_path(path, sizeof(path), "other.db");
	CHECK(sqlite3_open(path, &db) == SQLITE_OK);
	CHECK(sqlite3_exec(db, "CREATE TABLE notes(x); INSERT INTO notes VALUES (1);", NULL, NULL,
			   NULL) == SQLITE_OK);
	sqlite3_close(db);
	chmod(path, 0600);
	CHECK(fs_store_open(&s, path, &e) == FS_EINVAL);
	CHECK(strstr(e.msg, "not a fieldsync store") != NULL);
	/* Untouched: still no fieldsync schema. */
	CHECK(sqlite3_open(path, &db) == SQLITE_OK);
	CHECK(sqlite3_exec(db, "SELECT * FROM meta", NULL, NULL, NULL) != SQLITE_OK);
	sqlite3_close(db);
}

static void store_open_refuses_text_file(void)
{
	char path[128];
	fs_store *s = NULL;
	fs_err e = {0, ""};
	FILE *f;

	make_path(path, sizeof(path), "text.db");
	f = fopen(path, "w");
	CHECK(f != NULL);
	fputs("this is not a database, just some text that is long enough to matter....", f);
	fclose(f);
	chmod(path, 0600);
	CHECK(fs_store_open(&s, path, &e) == FS_EINVAL);
	CHECK(strstr(e.msg, "not a fieldsync store") != NULL);
}

static void store_open_refuses_file_others_may_read(void)
{
	char path[128];
	fs_store *s = NULL;
	fs_err e = {0, ""};

	make_path(path, sizeof(path), "open.db");
	CHECK(fs_store_open(&s, path, &e) == 0);
	fs_store_close(s);
	s = NULL;
	chmod(path, 0644);
	CHECK(fs_store_open(&s, path, &e) == FS_EFORBIDDEN);
	CHECK(strstr(e.msg, "chmod 600") != NULL);
	fs_err_clear(&e);
	chmod(path, 0640);
	CHECK(fs_store_open(&s, path, &e) == FS_EFORBIDDEN);
	fs_err_clear(&e);
	setenv("FIELDSYNC_ALLOW_OPEN_PERMISSIONS", "1", 1);
	CHECK(fs_store_permissions_overridden());
	CHECK(fs_store_open(&s, path, &e) == 0);
	fs_store_close(s);
	unsetenv("FIELDSYNC_ALLOW_OPEN_PERMISSIONS");
}

static void store_open_refuses_directory_anyone_may_list(void)
{
	char sub[128], path[160];
	fs_store *s = NULL;
	fs_err e = {0, ""};

	make_path(sub, sizeof(sub), "shared");
	CHECK(mkdir(sub, 0700) == 0);
	snprintf(path, sizeof(path), "%s/kiosk.db", sub);
	CHECK(fs_store_open(&s, path, &e) == 0);
	fs_store_close(s);
	s = NULL;
	chmod(sub, 0755);
	CHECK(fs_store_open(&s, path, &e) == FS_EFORBIDDEN);
	CHECK(strstr(e.msg, "chmod 700") != NULL);
	fs_err_clear(&e);
	chmod(sub, 0750); /* a group of its own is fine */
	CHECK(fs_store_open(&s, path, &e) == 0);
	fs_store_close(s);
}

static void store_new_appears_complete_without_leftovers(void)
{
	char sub[128], path[160];
	struct dirent *d;
	fs_store *s = NULL;
	fs_err e = {0, ""};
	DIR *dh;
	int others = 0;

	make_path(sub, sizeof(sub), "fresh");
	CHECK(mkdir(sub, 0700) == 0);
	snprintf(path, sizeof(path), "%s/kiosk.db", sub);
	CHECK(fs_store_open(&s, path, &e) == 0);
	CHECK(fs_store_schema_version() > 0);
	dh = opendir(sub);
	CHECK(dh != NULL);
	while (dh != NULL && (d = readdir(dh)) != NULL) {
		if (strcmp(d->d_name, ".") == 0 || strcmp(d->d_name, "..") == 0 ||
		    strcmp(d->d_name, "kiosk.db") == 0 || strcmp(d->d_name, "kiosk.db-wal") == 0 ||
		    strcmp(d->d_name, "kiosk.db-shm") == 0)
			continue;
		fprintf(stderr, "  leftover: %s\n", d->d_name);
		others++;
	}
	if (dh != NULL)
		closedir(dh);
	CHECK(others == 0);
	fs_store_close(s);
}

/* PRAGMA page_size of the store file at path, read with SQLite itself. */
static int page_size_of(const char *path)
{
	sqlite3 *db = NULL;
	sqlite3_stmt *st = NULL;
	int size = -1;

	if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL) == SQLITE_OK &&
	    sqlite3_prepare_v2(db, "PRAGMA page_size", -1, &st, NULL) == SQLITE_OK &&
	    sqlite3_step(st) == SQLITE_ROW)
		size = sqlite3_column_int(st, 0);
	sqlite3_finalize(st);
	sqlite3_close(db);
	return size;
}

/* A new kiosk store has 1 KiB pages (fewer bytes written per saved
 * response), a hub's 4 KiB; a store made with another page size keeps it
 * and works as before. */
static void store_page_sizes(void)
{
	char kiosk[128], hub[128];
	fs_store_options hub_opts = {NULL, NULL, 1, 0};
	fs_store *s = NULL;
	sqlite3 *db = NULL;
	fs_err e = {0, ""};

	make_path(kiosk, sizeof(kiosk), "pages-kiosk.db");
	make_path(hub, sizeof(hub), "pages-hub.db");
	CHECK(fs_store_open(&s, kiosk, &e) == 0);
	CHECK(fs_store_peer_ack(s, "hub", 1, &e) == 0);
	fs_store_close(s);
	CHECK(page_size_of(kiosk) == 1024);
	CHECK(fs_store_open_with(&s, hub, &hub_opts, &e) == 0);
	fs_store_close(s);
	CHECK(page_size_of(hub) == 4096);
	/* A store of an earlier version (4 KiB pages): opened and written as
	 * before, its page size unchanged. */
	CHECK(sqlite3_open(kiosk, &db) == SQLITE_OK);
	CHECK(sqlite3_exec(db,
			   "PRAGMA journal_mode=DELETE; PRAGMA page_size=4096; VACUUM; "
			   "PRAGMA journal_mode=WAL;",
			   NULL, NULL, NULL) == SQLITE_OK);
	sqlite3_close(db);
	CHECK(page_size_of(kiosk) == 4096);
	CHECK(fs_store_open(&s, kiosk, &e) == 0);
	CHECK(fs_store_peer_ack(s, "hub", 2, &e) == 0);
	fs_store_close(s);
	CHECK(page_size_of(kiosk) == 4096);
	CHECK(fs_store_open(&s, kiosk, &e) == 0);
	CHECK(fs_store_check_integrity(s, &e) == 0);
	fs_store_close(s);
}

static void commit_fails_after_wal_is_deleted(void)
{
	char path[128], wal[140];
	fs_store *s = NULL, *late = NULL;
	fs_err e = {0, ""};

	make_path(path, sizeof(path), "wal.db");
	snprintf(wal, sizeof(wal), "%s-wal", path);
	CHECK(fs_store_open(&s, path, &e) == 0);
	CHECK(fs_store_peer_ack(s, "hub", 1, &e) == 0);
	CHECK(fs_store_check_files(s, &e) == 0);
	CHECK(unlink(wal) == 0);
	CHECK(fs_store_peer_ack(s, "hub", 2, &e) == FS_EIO);
	CHECK(strstr(e.msg, "write-ahead log") != NULL);
	fs_err_clear(&e);
	/* Lasting, and a handle opened after the deletion cannot commit either
	 * (SQLite itself may refuse first, with an I/O error). */
	CHECK(fs_store_peer_ack(s, "hub", 3, &e) == FS_EIO);
	fs_err_clear(&e);
	CHECK(fs_store_open(&late, path, &e) == 0);
	CHECK(fs_store_peer_ack(late, "hub", 4, &e) != 0);
	fs_store_close(late);
	fs_store_close(s);
	/* Once every handle is closed the next open starts afresh. */
	fs_err_clear(&e);
	CHECK(fs_store_open(&s, path, &e) == 0);
	CHECK(fs_store_peer_ack(s, "hub", 5, &e) == 0);
	fs_store_close(s);
}

static void commit_fails_after_database_is_replaced(void)
{
	char path[128], copy[140];
	fs_store *s = NULL, *other = NULL;
	fs_err e = {0, ""};

	make_path(path, sizeof(path), "replaced.db");
	make_path(copy, sizeof(copy), "replacement.db");
	CHECK(fs_store_open(&other, copy, &e) == 0);
	fs_store_close(other);
	CHECK(fs_store_open(&s, path, &e) == 0);
	CHECK(fs_store_peer_ack(s, "hub", 1, &e) == 0);
	CHECK(rename(copy, path) == 0);
	CHECK(fs_store_peer_ack(s, "hub", 2, &e) == FS_EIO);
	fs_store_close(s);
}

static void reopening_after_close_keeps_working(void)
{
	char path[128];
	fs_store *a = NULL, *b = NULL;
	fs_err e = {0, ""};
	int i;

	make_path(path, sizeof(path), "reopen.db");
	for (i = 0; i < 3; i++) {
		CHECK(fs_store_open(&a, path, &e) == 0);
		CHECK(fs_store_open(&b, path, &e) == 0);
		CHECK(fs_store_peer_ack(a, "hub", 10 * i + 1, &e) == 0);
		CHECK(fs_store_peer_ack(b, "hub", 10 * i + 2, &e) == 0);
		fs_store_close(a);
		CHECK(fs_store_peer_ack(b, "hub", 10 * i + 3, &e) == 0);
		fs_store_close(b);
	}
}

int main(void)
{
	test_tmpdir(dir);
	unsetenv("FIELDSYNC_ALLOW_OPEN_PERMISSIONS");
	RUN(store_open_refuses_empty_file);
	RUN(store_open_refuses_foreign_sqlite_database);
	RUN(store_open_refuses_text_file);
	RUN(store_open_refuses_file_others_may_read);
	RUN(store_open_refuses_directory_anyone_may_list);
	RUN(store_new_appears_complete_without_leftovers);
	RUN(store_page_sizes);
	RUN(commit_fails_after_wal_is_deleted);
	RUN(commit_fails_after_database_is_replaced);
	RUN(reopening_after_close_keeps_working);
	test_rmdir(dir);
	return TEST_DONE();
}
