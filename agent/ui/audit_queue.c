/* The kiosk's queue of worker events for the hub's audit trail
 * (audit_queue.h). */
#include "audit_queue.h"

#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fieldsync/uuid.h"

/* Past the cap by at most one line: what a read accepts. */
#define READ_MAX (FS_AUDIT_QUEUE_MAX_BYTES + (64u << 10))

static int queue_path(char out[PATH_MAX], const char *dir, const char *suffix, fs_err *err)
{
	if ((size_t)snprintf(out, PATH_MAX, "%s/%s%s", dir, FS_AUDIT_QUEUE_FILE, suffix) >=
	    PATH_MAX)
		return fs_err_set(err, FS_EINVAL, "audit queue: the data directory's name is too long");
	return 0;
}

static int io_fail(fs_err *err, const char *what, const char *path)
{
	return fs_err_set(err, FS_EGENERIC, "audit queue: %s %s: %s", what, path, strerror(errno));
}

/* The queue file, open and locked (flock, exclusive), the file now at its
 * path (a drop may have replaced it while this waited for the lock).
 * create 0: *fd -1 when there is none. */
static int open_locked(int *fd, const char *path, int create, fs_err *err)
{
	int tries;

	*fd = -1;
	for (tries = 0; tries < 20; tries++) {
		struct stat a, b;
		int f = open(path, O_RDWR | O_APPEND | O_CLOEXEC | (create ? O_CREAT : 0), 0600);

		if (f < 0 && errno == ENOENT && !create)
			return 0;
		if (f < 0)
			return io_fail(err, "cannot open", path);
		if (flock(f, LOCK_EX) != 0) {
			close(f);
			return io_fail(err, "cannot lock", path);
		}
		if (fstat(f, &a) == 0 && stat(path, &b) == 0 && a.st_ino == b.st_ino &&
		    a.st_dev == b.st_dev) {
			*fd = f;
			return 0;
		}
		close(f); /* replaced meanwhile: open the new one */
	}
	return fs_err_set(err, FS_EGENERIC, "audit queue: %s keeps being replaced", path);
}

/* The whole locked file into buf (NUL-terminated). */
static int read_all(int fd, fs_buf *buf, const char *path, fs_err *err)
{
	char chunk[8192];
	ssize_t n;

	if (lseek(fd, 0, SEEK_SET) < 0)
		return io_fail(err, "cannot read", path);
	while ((n = read(fd, chunk, sizeof(chunk))) > 0)
		if (fs_buf_append(buf, chunk, (size_t)n) != 0)
			return fs_err_set(err, FS_ETOOBIG, "audit queue: %s is over %u bytes", path,
			                  READ_MAX);
	if (n < 0)
		return io_fail(err, "cannot read", path);
	if (fs_buf_append(buf, "", 1) != 0)
		return fs_err_set(err, FS_ETOOBIG, "audit queue: %s is too large", path);
	buf->len--;
	return 0;
}

int fs_audit_queue_add(const char *dir, const char *action, const char *worker,
                       const char *contact, uint64_t at_ms, fs_err *err)
{
	char path[PATH_MAX], id[FS_UUID_LEN + 1];
	char *line = NULL;
	json_t *ev = NULL;
	struct stat st;
	size_t n;
	int fd = -1, rc = queue_path(path, dir, "", err);

	if (rc == 0)
		rc = fs_uuid_v7(id, at_ms, err);
	if (rc != 0)
		return rc;
	ev = json_pack("{s:s, s:s, s:s*, s:I, s:s*}", "id", id, "action", action, "worker", worker,
	               "at", (json_int_t)at_ms, "contact", contact);
	line = ev ? json_dumps(ev, JSON_COMPACT) : NULL;
	json_decref(ev);
	if (line == NULL)
		return fs_err_set(err, FS_ENOMEM, "audit queue: out of memory");
	n = strlen(line);
	line[n++] = '\n'; /* json_dumps's NUL becomes the newline */
	rc = open_locked(&fd, path, 1, err);
	if (rc == 0 && fstat(fd, &st) == 0 && (uint64_t)st.st_size + n > FS_AUDIT_QUEUE_MAX_BYTES)
		rc = fs_err_set(err, FS_ELIMIT,
		                "audit queue: full (%u bytes of worker events the hub has not "
		                "received yet); sync with the hub",
		                FS_AUDIT_QUEUE_MAX_BYTES);
	/* One write of the whole line (O_APPEND), then fsync: durable. */
	if (rc == 0 && (write(fd, line, n) != (ssize_t)n || fsync(fd) != 0))
		rc = io_fail(err, "cannot write", path);
	if (fd >= 0)
		close(fd);
	free(line);
	return rc;
}

int fs_audit_queue_batch(const char *dir, fs_buf *out, size_t *lines, fs_err *err)
{
	char path[PATH_MAX];
	fs_buf all;
	size_t events = 0, off = 0;
	int fd = -1, rc = queue_path(path, dir, "", err);

	*lines = 0;
	fs_buf_init(out, FS_AUDIT_BATCH_BYTES + 64);
	fs_buf_init(&all, READ_MAX);
	if (rc == 0)
		rc = open_locked(&fd, path, 0, err);
	if (rc == 0 && fd >= 0)
		rc = read_all(fd, &all, path, err);
	if (fd >= 0)
		close(fd);
	if (rc == 0 && fs_buf_append(out, "{\"events\":[", 11) != 0)
		rc = FS_ENOMEM;
	while (rc == 0 && off < all.len && events < FS_AUDIT_BATCH_EVENTS) {
		char *line = all.data + off, *nl = memchr(line, '\n', all.len - off);
		size_t len;
		json_t *ev;

		if (nl == NULL)
			break; /* a torn last line: still being written, or cut by a crash */
		len = (size_t)(nl - line);
		if (out->len + len + 3 > FS_AUDIT_BATCH_BYTES)
			break;
		ev = json_loadb(line, len, JSON_REJECT_DUPLICATES, NULL);
		if (json_is_object(ev)) {
			if ((events > 0 && fs_buf_append(out, ",", 1) != 0) ||
			    fs_buf_append(out, line, len) != 0)
				rc = FS_ENOMEM;
			events++;
		}
		json_decref(ev);
		off += len + 1;
		++*lines;
	}
	if (rc == 0 && fs_buf_append(out, "]}", 2) != 0)
		rc = FS_ENOMEM;
	if (rc == FS_ENOMEM)
		fs_err_set(err, rc, "audit queue: a batch is over its cap");
	fs_buf_free(&all);
	if (rc != 0)
		*lines = 0;
	return rc;
}

int fs_audit_queue_drop(const char *dir, size_t lines, fs_err *err)
{
	char path[PATH_MAX], tmp[PATH_MAX];
	fs_buf all;
	size_t off = 0, i;
	int fd = -1, out = -1, dfd, rc = queue_path(path, dir, "", err);

	if (rc == 0)
		rc = queue_path(tmp, dir, ".tmp", err);
	if (rc != 0 || lines == 0)
		return rc;
	fs_buf_init(&all, READ_MAX);
	rc = open_locked(&fd, path, 0, err);
	if (rc == 0 && fd >= 0)
		rc = read_all(fd, &all, path, err);
	for (i = 0; rc == 0 && i < lines && off < all.len; i++) {
		char *nl = memchr(all.data + off, '\n', all.len - off);

		off = nl ? (size_t)(nl - all.data) + 1 : all.len;
	}
	/* The rest into a new file that replaces the queue whole. */
	if (rc == 0 && fd >= 0) {
		out = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
		if (out < 0 ||
		    (all.len > off && write(out, all.data + off, all.len - off) != (ssize_t)(all.len - off)) ||
		    fsync(out) != 0 || rename(tmp, path) != 0)
			rc = io_fail(err, "cannot rewrite", path);
		if (out >= 0)
			close(out);
		if (rc != 0)
			unlink(tmp);
	}
	if (rc == 0 && fd >= 0 && (dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) >= 0) {
		fsync(dfd);
		close(dfd);
	}
	if (fd >= 0)
		close(fd);
	fs_buf_free(&all);
	return rc;
}
