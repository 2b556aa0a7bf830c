#include "cli.h"

#include "fieldsync/backend.h"
#ifdef FIELDSYNC_HAVE_POSTGRESQL
#include "fieldsync/pg.h"
#endif

#include <assert.h>
#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

int hub_fail(const char *fmt, ...)
{
	char msg[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	fprintf(stderr, HUB_PROG ": %s\n", msg);
	return HUB_EXIT_FAIL;
}

int hub_usage_fail(const char *cmd, const char *fmt, ...)
{
	char msg[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	fprintf(stderr, HUB_PROG ": %s (see '" HUB_PROG " %s --help')\n", msg, cmd);
	return HUB_EXIT_USAGE;
}

int hub_finish_output(void)
{
	if (fflush(stdout) != 0 || ferror(stdout))
		return hub_fail("cannot write the output");
	return HUB_EXIT_OK;
}

/* The value of option opt, else of environment variable env; NULL when
 * neither is set or either is "". */
static const char *opt_or_env(const char *opt, const char *env)
{
	const char *v;

	if (opt != NULL && opt[0] != '\0')
		return opt;
	v = getenv(env);
	return v != NULL && v[0] != '\0' ? v : NULL;
}

int hub_args_parse(int argc, char **argv, const char *cmd, const char *usage,
		   const hub_opt *opts, hub_where *where, const char **pos, int max_pos,
		   int *npos)
{
	enum { OPT_HELP = 'h', OPT_DATA = 1, OPT_DB = 2, OPT_FIRST = 256 };
	struct option longopts[HUB_OPTS_MAX + 4];
	const char *data = NULL, *db = NULL;
	size_t n = 0, i;
	int c, rc;

	for (i = 0; opts != NULL && opts[i].name != NULL; i++) {
		assert(n < HUB_OPTS_MAX);
		longopts[n].name = opts[i].name;
		longopts[n].has_arg = opts[i].flag != NULL ? no_argument : required_argument;
		longopts[n].flag = NULL;
		longopts[n].val = OPT_FIRST + (int)i;
		n++;
	}
	if (where != NULL) {
		longopts[n++] = (struct option){"data", required_argument, NULL, OPT_DATA};
		longopts[n++] = (struct option){"db", required_argument, NULL, OPT_DB};
	}
	longopts[n++] = (struct option){"help", no_argument, NULL, OPT_HELP};
	longopts[n] = (struct option){NULL, 0, NULL, 0};
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":h", longopts, NULL)) != -1) {
		if (c == OPT_HELP) {
			fputs(usage, stdout);
			return -1;
		}
		if (c == ':')
			return hub_usage_fail(cmd, "%s needs a value", argv[optind - 1]);
		if (c == OPT_DATA) {
			data = optarg;
		} else if (c == OPT_DB) {
			db = optarg;
		} else if (c >= OPT_FIRST) {
			const hub_opt *o = &opts[c - OPT_FIRST];

			if (o->flag != NULL) {
				*o->flag = 1;
			} else if (o->value != NULL) {
				*o->value = optarg;
			} else if (o->number != NULL) {
				if (hub_uint_parse(o->number, optarg, o->min, o->max) != 0)
					return hub_usage_fail(cmd, "--%s must be %u to %u%s%s", o->name,
							      o->min, o->max, o->unit ? " " : "",
							      o->unit ? o->unit : "");
			} else if ((rc = o->each(o->ctx, cmd, optarg)) != 0) {
				return rc;
			}
		} else {
			return hub_usage_fail(cmd, "unknown option %s", argv[optind - 1]);
		}
	}
	if (argc - optind > max_pos)
		return hub_usage_fail(cmd, "unexpected argument %s", argv[optind + max_pos]);
	for (c = 0; optind + c < argc; c++)
		pos[c] = argv[optind + c];
	if (npos != NULL)
		*npos = c;
	return where != NULL ? hub_where_resolve(where, cmd, data, db) : 0;
}

void hub_opts_pick(hub_opt out[HUB_OPTS_MAX + 1], const hub_opt *all, size_t n,
		   const char *names)
{
	size_t i, k = 0, len;
	const char *p;

	for (i = 0; i < n; i++) {
		len = strlen(all[i].name);
		for (p = strstr(names, all[i].name); p != NULL; p = strstr(p + 1, all[i].name))
			if ((p == names || p[-1] == ' ') && (p[len] == '\0' || p[len] == ' '))
				break;
		if (p != NULL) {
			assert(k < HUB_OPTS_MAX);
			out[k++] = all[i];
		}
	}
	out[k] = (hub_opt){0};
}

int hub_where_resolve(hub_where *w, const char *cmd, const char *data_opt, const char *db_opt)
{
	w->db = opt_or_env(db_opt, "FIELDSYNC_DB");
	w->data = NULL;
	if (w->db != NULL) {
#ifndef FIELDSYNC_HAVE_POSTGRESQL
		return hub_usage_fail(cmd, "this fieldsync-hub was built without PostgreSQL "
		                           "(FIELDSYNC_POSTGRESQL=OFF, as cross builds are): "
		                           "use --data");
#else
		if (!hub_location_is_pg(w->db))
			return hub_usage_fail(cmd, "%s must be a postgresql:// or postgres:// URI",
			                      db_opt != NULL && db_opt[0] != '\0' ? "--db"
			                                                          : "FIELDSYNC_DB");
		return 0;
#endif
	}
	w->data = opt_or_env(data_opt, "FIELDSYNC_DATA");
	if (w->data == NULL)
		return hub_usage_fail(cmd, "no data directory: pass --data DIR or set "
		                           "FIELDSYNC_DATA (or --db URI for PostgreSQL)");
	return 0;
}

int hub_location_is_pg(const char *location)
{
	return location != NULL && (strncmp(location, "postgresql://", 13) == 0 ||
	                            strncmp(location, "postgres://", 11) == 0);
}

int hub_location_backend(fs_store_options *o, const char *location, fs_err *err)
{
	if (!hub_location_is_pg(location))
		return 0;
#ifdef FIELDSYNC_HAVE_POSTGRESQL
	(void)err;
	o->backend = &fs_pg_backend;
	o->registry = &fs_pg_registry;
	return 0;
#else
	(void)o;
	return fs_err_set(err, FS_EINVAL,
	                  "this fieldsync-hub was built without PostgreSQL (FIELDSYNC_POSTGRESQL=OFF)");
#endif
}

void hub_where_describe(const hub_where *w, char *out, size_t len)
{
	if (w->db == NULL) {
		snprintf(out, len, "data %s", w->data);
		return;
	}
#ifdef FIELDSYNC_HAVE_POSTGRESQL
	fs_pg_location_describe(w->db, out, len);
#else
	snprintf(out, len, "database (not supported by this build)");
#endif
}

int hub_make_dirs(const char *dir, fs_err *err)
{
	char path[4096];
	size_t i, n = strlen(dir);

	if (n == 0 || n >= sizeof(path))
		return fs_err_set(err, FS_EINVAL, "data directory name is empty or too long");
	memcpy(path, dir, n + 1);
	for (i = 1; i <= n; i++) {
		if (path[i] != '/' && path[i] != '\0')
			continue;
		path[i] = '\0';
		if (mkdir(path, 0700) != 0 && errno != EEXIST)
			return fs_err_set(err, FS_EGENERIC, "cannot create directory %s: %s", path,
			                  strerror(errno));
		path[i] = i == n ? '\0' : '/';
	}
	return 0;
}

int hub_store_open(fs_store **out, const hub_where *w, fs_err *err)
{
	return hub_store_open_cached(out, w, 0, err);
}

int hub_store_open_cached(fs_store **out, const hub_where *w, int64_t cache_kib, fs_err *err)
{
	fs_store_options opts = {NULL, NULL, 1, cache_kib};
	char path[4096];
	const char *location = path;
	fs_store *s = NULL;
	fs_err inner = {0, ""};
	struct stat st;
	int rc;

	*out = NULL;
	if (w->db != NULL) {
		rc = hub_location_backend(&opts, w->db, err);
		if (rc != 0)
			return rc;
		location = w->db;
		hub_where_describe(w, path, sizeof(path));
	} else {
		rc = hub_make_dirs(w->data, err);
		if (rc != 0)
			return rc;
		if (stat(w->data, &st) != 0 || !S_ISDIR(st.st_mode))
			return fs_err_set(err, FS_EINVAL, "%s is not a directory", w->data);
		if ((size_t)snprintf(path, sizeof(path), "%s/%s", w->data, HUB_STORE_FILE) >=
		    sizeof(path))
			return fs_err_set(err, FS_EINVAL, "data directory name is too long");
	}
	rc = fs_store_open_with(&s, location, &opts, err);
	if (rc != 0)
		return rc;
	/* path names the store in messages: the file, or the database
	 * without its password. */
	rc = fs_store_set_identity(s, HUB_SITE, NULL, &inner);
	if (rc == FS_ECONFLICT) {
		rc = fs_err_set(err, rc, "%s is the store of site %s, not a hub store", path,
		                fs_store_site(s));
	} else if (rc != 0) {
		rc = fs_err_set(err, rc, "%s", inner.msg);
	}
	if (rc != 0) {
		fs_store_close(s);
		return rc;
	}
	*out = s;
	return 0;
}

int hub_duration_parse(uint64_t *out_ms, const char *text)
{
	unsigned long long n = 0, unit = 1000;
	const char *p = text;

	*out_ms = 0;
	if (*p < '0' || *p > '9')
		return -1;
	for (; *p >= '0' && *p <= '9'; p++) {
		n = n * 10 + (unsigned long long)(*p - '0');
		if (n > 10ull * 366 * 24 * 3600)
			return -1;
	}
	switch (*p) {
	case '\0':
		break;
	case 's':
		unit = 1000;
		p++;
		break;
	case 'm':
		unit = 60ull * 1000;
		p++;
		break;
	case 'h':
		unit = 3600ull * 1000;
		p++;
		break;
	case 'd':
		unit = 24ull * 3600 * 1000;
		p++;
		break;
	default:
		return -1;
	}
	if (*p != '\0' || n == 0 || n * unit > 10ull * 366 * 24 * 3600 * 1000)
		return -1;
	*out_ms = n * unit;
	return 0;
}

int hub_uint_parse(unsigned *out, const char *text, unsigned min, unsigned max)
{
	unsigned long long n = 0;
	const char *p = text;

	if (*p == '\0')
		return -1;
	for (; *p >= '0' && *p <= '9'; p++) {
		n = n * 10 + (unsigned long long)(*p - '0');
		if (n > max)
			return -1;
	}
	if (*p != '\0' || n < min)
		return -1;
	*out = (unsigned)n;
	return 0;
}

int hub_file_read(fs_buf *out, const char *path, size_t cap, fs_err *err)
{
	char chunk[16384];
	FILE *f;
	size_t n;
	int rc = 0;

	fs_buf_init(out, cap);
	f = fopen(path, "rb");
	if (f == NULL)
		return fs_err_set(err, errno == ENOENT ? FS_ENOTFOUND : FS_EGENERIC,
		                  "cannot read %s: %s", path, strerror(errno));
	while (rc == 0 && (n = fread(chunk, 1, sizeof(chunk), f)) > 0) {
		rc = fs_buf_append(out, chunk, n);
		if (rc == FS_ETOOBIG)
			fs_err_set(err, rc, "%s is larger than %zu bytes", path, cap);
		else if (rc != 0)
			fs_err_set(err, rc, "cannot read %s: out of memory", path);
	}
	if (rc == 0 && ferror(f))
		rc = fs_err_set(err, FS_EGENERIC, "cannot read %s: %s", path, strerror(errno));
	fclose(f);
	if (rc == 0 && out->data == NULL)
		rc = fs_buf_append(out, "", 0); /* an empty file is "" not NULL */
	return rc;
}
