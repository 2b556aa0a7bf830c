/* fieldsync: a SQLite store as a whole file, for fieldsync-hub backup and
 * restore (docs/operations.md): an online copy of a store in use, the
 * check of a copy, whether a store is open in another process, and the
 * directory sync after a rename. */
#ifndef FIELDSYNC_STORE_FILE_H
#define FIELDSYNC_STORE_FILE_H

#include "fieldsync/error.h"

/* Pages copied per step of fs_store_file_copy (4 MiB of 4 KiB pages). */
#define FS_STORE_FILE_STEP_PAGES 1024

/* Copy the SQLite database at src into dst, an empty file (mkstemp's, so
 * 0600), with SQLite's online backup API, then fsync dst. src is opened
 * read only and read in one snapshot (a read transaction held from the
 * first step to the last): every step copies the same state, so a hub
 * writing meanwhile neither restarts the copy nor is held up (in WAL mode a
 * reader does not block writers; only the log's checkpoint waits for the
 * copy's end). The copy is the state of src's last commit before the
 * snapshot, as a database of its own (without a -wal file). Nothing is
 * checked about what it holds (fs_store_open, fs_store_check_integrity).
 * FS_EINVAL when src is not an SQLite database or is damaged; FS_EGENERIC
 * otherwise; dst is left as it is then (the caller removes it). */
int fs_store_file_copy(const char *src, const char *dst, fs_err *err);

/* Leave the SQLite file at path (not in use) in rollback-journal mode:
 * one self-contained file, readable without -wal or -shm (a backup on
 * read-only media), then fsync it. fs_store_open turns WAL on again. */
int fs_store_file_standalone(const char *path, fs_err *err);

/* Is the SQLite store at path open in another process? Every connection
 * to a database in WAL mode holds a shared lock on the "DMS" byte of its
 * -shm file while it is open (www.sqlite.org/walformat.html); this asks
 * for that byte's lock without taking it. 1 yes, 0 no (also when there is
 * no -shm file), FS_EGENERIC when the -shm cannot be read. Connections of
 * this process are not seen (none should be open on path). */
int fs_store_file_in_use(const char *path, fs_err *err);

/* fsync the directory holding path (after a rename into it). */
int fs_store_file_sync_dir(const char *path, fs_err *err);

#endif
