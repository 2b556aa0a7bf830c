#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli.h"
#include "fieldsync/backend.h"
#include "fieldsync/retention.h"

#define CONFIG_FILE "agent.json"
#define TOKEN_FILE  "token"
#define STATE_FILE  "state.json"
#define STORE_FILE  "kiosk.db"
#define LOCK_FILE   "sync.lock"

static int data_path(char out[PATH_MAX], const char *dir, const char *file, fs_err *err)
{
	int n = snprintf(out, PATH_MAX, "%s/%s", dir, file);

	if (n < 0 || n >= PATH_MAX)
		return fs_err_set(err, FS_EINVAL, "data directory path too long");
	return 0;
}

int agent_data_dir(char out[PATH_MAX], const char *opt, fs_err *err)
{
	const char *dir = opt ? opt : getenv("FIELDSYNC_DATA");
	size_t n;

	if (dir == NULL || dir[0] == '\0')
		return fs_err_set(err, FS_EINVAL,
		                  "no data directory: give --data DIR or set FIELDSYNC_DATA");
	n = strlen(dir);
	if (n >= PATH_MAX - 32)
		return fs_err_set(err, FS_EINVAL, "data directory path too long");
	memcpy(out, dir, n + 1);
	while (n > 1 && out[n - 1] == '/')
		out[--n] = '\0';
	return 0;
}

int agent_data_create(const char *dir, fs_err *err)
{
	struct stat st;

	if (mkdir(dir, 0700) == 0)
		return 0;
	if (errno != EEXIST)
		return fs_err_set(err, FS_EGENERIC, "cannot create %s: %s", dir, strerror(errno));
	if (stat(dir, &st) != 0 || !S_ISDIR(st.st_mode))
		return fs_err_set(err, FS_EINVAL, "%s is not a directory", dir);
	return 0;
}

int agent_data_initialised(const char *dir)
{
	char path[PATH_MAX];

	if (data_path(path, dir, CONFIG_FILE, NULL) != 0)
		return 0;
	return access(path, F_OK) == 0;
}

static int fsync_dir_of(const char *path)
{
	char copy[PATH_MAX];
	int fd, rc;

	snprintf(copy, sizeof(copy), "%s", path);
	fd = open(dirname(copy), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	rc = fsync(fd);
	close(fd);
	return rc;
}

int agent_file_write_atomic(const char *path, const void *data, size_t n, mode_t mode, fs_err *err)
{
	char tmp[PATH_MAX];
	const char *p = data;
	int fd, len;

	len = snprintf(tmp, sizeof(tmp), "%s.tmp.%ld", path, (long)getpid());
	if (len < 0 || len >= (int)sizeof(tmp))
		return fs_err_set(err, FS_EINVAL, "path too long: %s", path);
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, mode);
	if (fd < 0)
		return fs_err_set(err, FS_EGENERIC, "cannot write %s: %s", tmp, strerror(errno));
	if (fchmod(fd, mode) != 0)
		goto fail;
	while (n > 0) {
		ssize_t w = write(fd, p, n);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			goto fail;
		p += w;
		n -= (size_t)w;
	}
	if (fsync(fd) != 0)
		goto fail;
	if (close(fd) != 0) {
		fd = -1;
		goto fail;
	}
	fd = -1;
	if (rename(tmp, path) != 0)
		goto fail;
	fsync_dir_of(path);
	return 0;
fail:
	fs_err_set(err, FS_EGENERIC, "cannot write %s: %s", path, strerror(errno));
	if (fd >= 0)
		close(fd);
	unlink(tmp);
	return FS_EGENERIC;
}

static int write_json(const char *path, const json_t *v, fs_err *err)
{
	char *text = json_dumps(v, JSON_INDENT(2) | JSON_SORT_KEYS), *line;
	size_t n;
	int rc;

	if (text == NULL)
		return fs_err_set(err, FS_ENOMEM, "out of memory");
	n = strlen(text);
	line = realloc(text, n + 2);
	if (line == NULL) {
		free(text);
		return fs_err_set(err, FS_ENOMEM, "out of memory");
	}
	line[n] = '\n';
	line[n + 1] = '\0';
	rc = agent_file_write_atomic(path, line, n + 1, 0600, err);
	free(line);
	return rc;
}

static int read_json(json_t **out, const char *path, const char *what, fs_err *err)
{
	json_error_t jerr;

	*out = json_load_file(path, JSON_REJECT_DUPLICATES, &jerr);
	if (*out != NULL)
		return 0;
	if (access(path, F_OK) != 0)
		return fs_err_set(err, FS_ENOTFOUND, "%s: %s missing", what, path);
	return fs_err_set(err, FS_EINVAL, "%s: %s is malformed (line %d)", what, path, jerr.line);
}

/* Copy a string member of o into out; FS_EINVAL when missing (unless
 * optional), not a string or too long. */
static int get_str(char *out, size_t len, const json_t *o, const char *key, int optional,
                   const char *path, fs_err *err)
{
	const json_t *v = json_object_get(o, key);

	out[0] = '\0';
	if (v == NULL || json_is_null(v)) {
		if (optional)
			return 0;
		return fs_err_set(err, FS_EINVAL, "%s: \"%s\" missing", path, key);
	}
	if (!json_is_string(v) || json_string_length(v) >= len)
		return fs_err_set(err, FS_EINVAL, "%s: \"%s\" must be a string under %zu bytes",
		                  path, key, len);
	memcpy(out, json_string_value(v), json_string_length(v) + 1);
	return 0;
}

/* The line of path on which "key" first appears (the file is small and
 * ours), or 0 when it cannot be told. */
static int key_line(const char *path, const char *key)
{
	char want[80];
	int line = 1, c;
	size_t matched = 0, n;
	FILE *f = fopen(path, "r");

	if (f == NULL)
		return 0;
	snprintf(want, sizeof(want), "\"%s\"", key);
	n = strlen(want);
	while ((c = fgetc(f)) != EOF) {
		if (c == '\n')
			line++;
		matched = (char)c == want[matched] ? matched + 1 : (char)c == want[0] ? 1 : 0;
		if (matched == n) {
			fclose(f);
			return line;
		}
	}
	fclose(f);
	return 0;
}

/* "person_ref_pattern": optional, a pattern (person_ref.h) that must read. */
static int get_person_ref_pattern(agent_config *out, const json_t *o, const char *path,
                                  fs_err *err)
{
	fs_err perr = {0, ""};
	int rc = get_str(out->person_ref_pattern, sizeof(out->person_ref_pattern), o,
	                 "person_ref_pattern", 1, path, err);

	if (rc != 0)
		return rc;
	if (out->person_ref_pattern[0] == '\0')
		snprintf(out->person_ref_pattern, sizeof(out->person_ref_pattern), "%s",
		         FS_PERSON_REF_PATTERN_DEFAULT);
	if (fs_person_ref_rule_parse(&out->person_ref_rule, out->person_ref_pattern, &perr) == 0)
		return 0;
	return fs_err_set(err, FS_EINVAL, "%s line %d: \"person_ref_pattern\": %s (docs/agent.md)",
	                  path, key_line(path, "person_ref_pattern"), perr.msg);
}

/* o[key]: a whole number of days (0..FS_RETENTION_DAYS_MAX), or def. */
static int get_days(long *out, const json_t *o, const char *key, long def, const char *path,
                    fs_err *err)
{
	const json_t *v = json_object_get(o, key);

	*out = def;
	if (v != NULL && (!json_is_integer(v) || json_integer_value(v) < 0 ||
	                  json_integer_value(v) > FS_RETENTION_DAYS_MAX))
		return fs_err_set(err, FS_EINVAL,
		                  "%s: \"%s\" must be a whole number of days from 0 to %d", path,
		                  key, FS_RETENTION_DAYS_MAX);
	if (v != NULL)
		*out = (long)json_integer_value(v);
	return 0;
}

/* "contact_request_delay_s": [MIN, MAX], whole seconds, 0 <= MIN <= MAX <=
 * AGENT_REQUEST_DELAY_MAX_S; absent: the defaults. */
static int get_delay(agent_config *out, const json_t *o, const char *path, fs_err *err)
{
	const json_t *v = json_object_get(o, "contact_request_delay_s"), *lo, *hi;

	out->request_delay_min_s = AGENT_REQUEST_DELAY_MIN_S;
	out->request_delay_max_s = AGENT_REQUEST_DELAY_MAX_DEFAULT_S;
	if (v == NULL)
		return 0;
	lo = json_array_get(v, 0);
	hi = json_array_get(v, 1);
	if (!json_is_array(v) || json_array_size(v) != 2 || !json_is_integer(lo) ||
	    !json_is_integer(hi) || json_integer_value(lo) < 0 ||
	    json_integer_value(lo) > json_integer_value(hi) ||
	    json_integer_value(hi) > AGENT_REQUEST_DELAY_MAX_S)
		return fs_err_set(err, FS_EINVAL,
		                  "%s: \"contact_request_delay_s\" must be [MIN, MAX], whole seconds "
		                  "with 0 <= MIN <= MAX <= %d",
		                  path, AGENT_REQUEST_DELAY_MAX_S);
	out->request_delay_min_s = (long)json_integer_value(lo);
	out->request_delay_max_s = (long)json_integer_value(hi);
	return 0;
}

int agent_config_load(agent_config *out, const char *dir, fs_err *err)
{
	char path[PATH_MAX];
	json_t *o = NULL;
	int rc;

	memset(out, 0, sizeof(*out));
	rc = data_path(path, dir, CONFIG_FILE, err);
	if (rc != 0)
		return rc;
	if (access(path, F_OK) != 0)
		return fs_err_set(err, FS_ENOTFOUND,
		                  "%s is not initialised (run " AGENT_PROG " init first)", dir);
	rc = read_json(&o, path, "configuration", err);
	if (rc != 0)
		return rc;
	if (!json_is_object(o))
		rc = fs_err_set(err, FS_EINVAL, "%s: not a JSON object", path);
	if (rc == 0)
		rc = get_str(out->hub, sizeof(out->hub), o, "hub", 0, path, err);
	if (rc == 0)
		rc = get_str(out->site, sizeof(out->site), o, "site", 0, path, err);
	if (rc == 0)
		rc = get_str(out->region, sizeof(out->region), o, "region", 0, path, err);
	if (rc == 0)
		rc = get_str(out->name, sizeof(out->name), o, "name", 1, path, err);
	if (rc == 0)
		rc = get_str(out->ca_file, sizeof(out->ca_file), o, "ca_file", 1, path, err);
	if (rc == 0) {
		const json_t *v = json_object_get(o, "insecure_http");

		if (v != NULL && !json_is_boolean(v))
			rc = fs_err_set(err, FS_EINVAL,
			                "%s: \"insecure_http\" must be true or false", path);
		out->insecure_http = json_is_true(v);
	}
	if (rc == 0)
		rc = get_person_ref_pattern(out, o, path, err);
	if (rc == 0)
		rc = get_days(&out->closed_contact_days, o, "closed_contact_days",
		              FS_RETENTION_CLOSED_DAYS_DEFAULT, path, err);
	if (rc == 0)
		rc = get_days(&out->contact_request_days, o, "contact_request_days",
		              FS_RETENTION_REQUEST_DAYS_DEFAULT, path, err);
	if (rc == 0)
		rc = get_delay(out, o, path, err);
	json_decref(o);
	return rc;
}

int agent_config_save(const agent_config *cfg, const char *dir, fs_err *err)
{
	char path[PATH_MAX];
	json_t *o;
	int rc;

	rc = data_path(path, dir, CONFIG_FILE, err);
	if (rc != 0)
		return rc;
	o = json_pack("{s:s, s:s, s:s, s:s?, s:s?}", "hub", cfg->hub, "site", cfg->site, "region",
	              cfg->region, "name", cfg->name[0] ? cfg->name : NULL, "ca_file",
	              cfg->ca_file[0] ? cfg->ca_file : NULL);
	/* Written only when set, so a config without the choice reads as no. */
	if (o != NULL && cfg->insecure_http &&
	    json_object_set_new(o, "insecure_http", json_true()) != 0) {
		json_decref(o);
		o = NULL;
	}
	/* The pattern is kept when it is not the default. */
	if (o != NULL && cfg->person_ref_pattern[0] != '\0' &&
	    strcmp(cfg->person_ref_pattern, FS_PERSON_REF_PATTERN_DEFAULT) != 0 &&
	    json_object_set_new(o, "person_ref_pattern", json_string(cfg->person_ref_pattern)) != 0) {
		json_decref(o);
		o = NULL;
	}
	if (o != NULL && cfg->closed_contact_days != FS_RETENTION_CLOSED_DAYS_DEFAULT &&
	    cfg->closed_contact_days >= 0 &&
	    json_object_set_new(o, "closed_contact_days",
	                        json_integer((json_int_t)cfg->closed_contact_days)) != 0) {
		json_decref(o);
		o = NULL;
	}
	if (o != NULL && cfg->contact_request_days != FS_RETENTION_REQUEST_DAYS_DEFAULT &&
	    cfg->contact_request_days >= 0 &&
	    json_object_set_new(o, "contact_request_days",
	                        json_integer((json_int_t)cfg->contact_request_days)) != 0) {
		json_decref(o);
		o = NULL;
	}
	if (o != NULL &&
	    (cfg->request_delay_min_s != AGENT_REQUEST_DELAY_MIN_S ||
	     cfg->request_delay_max_s != AGENT_REQUEST_DELAY_MAX_DEFAULT_S) &&
	    json_object_set_new(o, "contact_request_delay_s",
	                        json_pack("[I, I]", (json_int_t)cfg->request_delay_min_s,
	                                  (json_int_t)cfg->request_delay_max_s)) != 0) {
		json_decref(o);
		o = NULL;
	}
	if (o == NULL)
		return fs_err_set(err, FS_ENOMEM, "out of memory");
	rc = write_json(path, o, err);
	json_decref(o);
	return rc;
}

int agent_token_load(char out[AGENT_TOKEN_MAX + 1], const char *dir, fs_err *err)
{
	char path[PATH_MAX];
	struct stat st;
	ssize_t n;
	int fd, rc;

	out[0] = '\0';
	rc = data_path(path, dir, TOKEN_FILE, err);
	if (rc != 0)
		return rc;
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0)
		return fs_err_set(err, errno == ENOENT ? FS_ENOTFOUND : FS_EGENERIC,
		                  "cannot read the token file %s: %s", path, strerror(errno));
	if (fstat(fd, &st) != 0 || (st.st_mode & 077) != 0) {
		close(fd);
		return fs_err_set(err, FS_EINVAL,
		                  "token file %s may be read by others; make it mode 0600", path);
	}
	n = read(fd, out, AGENT_TOKEN_MAX + 1);
	close(fd);
	if (n < 0 || n > AGENT_TOKEN_MAX)
		return fs_err_set(err, FS_EINVAL, "token file %s is unreadable or too long", path);
	out[n] = '\0';
	while (n > 0 && (out[n - 1] == '\n' || out[n - 1] == '\r' || out[n - 1] == ' '))
		out[--n] = '\0';
	if (n == 0 || strcspn(out, " \t\r\n") != (size_t)n)
		return fs_err_set(err, FS_EINVAL, "token file %s is malformed", path);
	return 0;
}

int agent_token_save(const char *token, const char *dir, fs_err *err)
{
	char path[PATH_MAX];
	char line[AGENT_TOKEN_MAX + 2];
	size_t n = strlen(token);
	int rc;

	if (n == 0 || n > AGENT_TOKEN_MAX)
		return fs_err_set(err, FS_EINVAL, "token has a bad length");
	rc = data_path(path, dir, TOKEN_FILE, err);
	if (rc != 0)
		return rc;
	memcpy(line, token, n);
	line[n] = '\n';
	rc = agent_file_write_atomic(path, line, n + 1, 0600, err);
	memset(line, 0, sizeof(line));
	return rc;
}

static uint64_t get_u64(const json_t *o, const char *key)
{
	json_int_t v = json_integer_value(json_object_get(o, key));

	return v > 0 ? (uint64_t)v : 0;
}

int agent_state_load(agent_state *out, const char *dir, fs_err *err)
{
	char path[PATH_MAX];
	json_t *o = NULL, *e;
	int rc;

	memset(out, 0, sizeof(*out));
	rc = data_path(path, dir, STATE_FILE, err);
	if (rc != 0)
		return rc;
	if (access(path, F_OK) != 0)
		return 0;
	rc = read_json(&o, path, "sync state", err);
	if (rc != 0)
		return rc;
	out->last_sync = get_u64(o, "last_sync_ms");
	out->last_attempt = get_u64(o, "last_attempt_ms");
	out->last_sent = (long)get_u64(o, "last_sent");
	out->last_received = (long)get_u64(o, "last_received");
	e = json_object_get(o, "last_error");
	if (json_is_object(e)) {
		out->last_error_at = get_u64(e, "at_ms");
		out->last_error_exit = (int)get_u64(e, "exit");
		snprintf(out->last_error, sizeof(out->last_error), "%s",
		         json_string_value(json_object_get(e, "message"))
		             ? json_string_value(json_object_get(e, "message"))
		             : "");
	}
	json_decref(o);
	return 0;
}

int agent_state_save(const agent_state *st, const char *dir, fs_err *err)
{
	char path[PATH_MAX];
	json_t *o, *e = NULL;
	int rc;

	rc = data_path(path, dir, STATE_FILE, err);
	if (rc != 0)
		return rc;
	if (st->last_error_at != 0)
		e = json_pack("{s:I, s:i, s:s}", "at_ms", (json_int_t)st->last_error_at, "exit",
		              st->last_error_exit, "message", st->last_error);
	o = json_pack("{s:I, s:I, s:I, s:I, s:o}", "last_sync_ms", (json_int_t)st->last_sync,
	              "last_attempt_ms", (json_int_t)st->last_attempt, "last_sent",
	              (json_int_t)st->last_sent, "last_received", (json_int_t)st->last_received,
	              "last_error", e ? e : json_null());
	if (o == NULL)
		return fs_err_set(err, FS_ENOMEM, "out of memory");
	rc = write_json(path, o, err);
	json_decref(o);
	return rc;
}

/* Test hook: FIELDSYNC_TEST_CLOCK_SKEW_MS (signed) moves this process's
 * wall clock, so end-to-end tests can play a kiosk whose clock is wrong.
 * Read once per process; never set in production. */
static int64_t test_skew_ms;

static uint64_t skewed_wallclock(void *ctx)
{
	int64_t t = (int64_t)agent_wall_ms() + *(const int64_t *)ctx;

	return t < 0 ? 0 : (uint64_t)t;
}

int agent_store_open(fs_store **out, const char *dir, fs_err *err)
{
	char path[PATH_MAX];
	const char *skew = getenv("FIELDSYNC_TEST_CLOCK_SKEW_MS");
	fs_store_options o = {NULL, NULL, 0, AGENT_STORE_CACHE_KIB};
	int rc = data_path(path, dir, STORE_FILE, err);

	*out = NULL;
	if (rc == 0)
		rc = fs_store_open_with(out, path, &o, err);
	if (rc == 0 && skew != NULL && skew[0] != '\0') {
		test_skew_ms = strtoll(skew, NULL, 10);
		fs_store_set_wallclock(*out, skewed_wallclock, &test_skew_ms);
		/* A constant skew keeps step with the boot clock: keep it. */
		fs_store_set_boottime(*out, NULL, NULL);
	}
	return rc;
}

int agent_sync_lock(int *out_fd, const char *dir, const volatile sig_atomic_t *stop, fs_err *err)
{
	char path[PATH_MAX];
	int fd, rc;

	*out_fd = -1;
	rc = data_path(path, dir, LOCK_FILE, err);
	if (rc != 0)
		return rc;
	fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	if (fd < 0)
		return fs_err_set(err, FS_EGENERIC, "cannot open %s: %s", path, strerror(errno));
	while (flock(fd, LOCK_EX) != 0) {
		int e = errno;

		if (e == EINTR && (stop == NULL || !*stop))
			continue;
		close(fd);
		if (e == EINTR)
			return fs_err_set(err, FS_EBUSY, "stopped while waiting for another sync");
		return fs_err_set(err, FS_EGENERIC, "cannot lock %s: %s", path, strerror(e));
	}
	*out_fd = fd;
	return 0;
}

void agent_sync_unlock(int fd)
{
	if (fd >= 0)
		close(fd);
}

int agent_kiosk_open(agent_kiosk *out, const char *data_opt, fs_err *err)
{
	int rc;

	memset(out, 0, sizeof(*out));
	rc = agent_data_dir(out->dir, data_opt, err);
	if (rc == 0)
		rc = agent_config_load(&out->cfg, out->dir, err);
	if (rc == 0)
		rc = agent_store_open(&out->store, out->dir, err);
	if (rc == 0 && strcmp(fs_store_site(out->store), out->cfg.site) != 0)
		rc = fs_err_set(err, FS_EINVAL,
		                "%s/" STORE_FILE " belongs to site \"%s\", agent.json names \"%s\"",
		                out->dir, fs_store_site(out->store), out->cfg.site);
	if (rc == 0)
		fs_store_set_person_ref_rule(out->store, &out->cfg.person_ref_rule);
	if (rc != 0)
		agent_kiosk_close(out);
	return rc;
}

void agent_kiosk_close(agent_kiosk *k)
{
	fs_store_close(k->store);
	k->store = NULL;
}
