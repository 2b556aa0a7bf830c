/* fieldsync kiosk UI: JSON files in the DATA directory (ui_file.h). */
#include "ui_file.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static int file_path(char out[PATH_MAX], const char *dir, const char *name, fs_err *err)
{
	int n = snprintf(out, PATH_MAX, "%s/%s", dir, name);

	if (n < 0 || n >= PATH_MAX)
		return fs_err_set(err, FS_EINVAL, "data directory path too long");
	return 0;
}

int ui_file_read(json_t **out, const char *dir, const char *name, fs_err *err)
{
	char path[PATH_MAX];
	json_error_t jerr;
	json_t *v;
	struct stat st;
	int rc;

	*out = NULL;
	if ((rc = file_path(path, dir, name, err)) != 0)
		return rc;
	if (stat(path, &st) != 0) {
		if (errno == ENOENT)
			return 0;
		return fs_err_set(err, FS_EGENERIC, "%s: %s", name, strerror(errno));
	}
	if (st.st_size > (off_t)UI_FILE_MAX)
		return fs_err_set(err, FS_ETOOBIG, "%s: larger than %u bytes", name, UI_FILE_MAX);
	v = json_load_file(path, JSON_REJECT_DUPLICATES, &jerr);
	if (v == NULL || !json_is_object(v)) {
		json_decref(v);
		return fs_err_set(err, FS_EINVAL, "%s: not a JSON object (line %d)", name,
				  jerr.line);
	}
	*out = v;
	return 0;
}

int ui_file_write(const char *dir, const char *name, const json_t *v, fs_err *err)
{
	char path[PATH_MAX], tmp[PATH_MAX + 8];
	char *text = NULL;
	size_t n, done = 0;
	int fd = -1, dfd = -1, rc = 0;

	if ((rc = file_path(path, dir, name, err)) != 0)
		return rc;
	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	text = json_dumps(v, JSON_INDENT(2) | JSON_SORT_KEYS);
	if (text == NULL)
		return fs_err_set(err, FS_ENOMEM, "out of memory");
	n = strlen(text);
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0) {
		rc = fs_err_set(err, FS_EGENERIC, "%s: %s", name, strerror(errno));
		goto cleanup;
	}
	while (done < n) {
		ssize_t w = write(fd, text + done, n - done);

		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0) {
			rc = fs_err_set(err, FS_EGENERIC, "%s: %s", name, strerror(errno));
			goto cleanup;
		}
		done += (size_t)w;
	}
	if (write(fd, "\n", 1) != 1 || fsync(fd) != 0) {
		rc = fs_err_set(err, FS_EGENERIC, "%s: %s", name, strerror(errno));
		goto cleanup;
	}
	close(fd);
	fd = -1;
	if (rename(tmp, path) != 0) {
		rc = fs_err_set(err, FS_EGENERIC, "%s: %s", name, strerror(errno));
		goto cleanup;
	}
	dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd >= 0)
		(void)fsync(dfd);
cleanup:
	if (fd >= 0) {
		close(fd);
		unlink(tmp);
	}
	if (dfd >= 0)
		close(dfd);
	free(text);
	return rc;
}
