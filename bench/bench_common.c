#include "bench_common.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <libpq-fe.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

const char *bench_prog = "fieldsync-bench";

BENCH_PRINTF(1, 0) static void vnote(const char *fmt, va_list ap);
static void vnote(const char *fmt, va_list ap)
{
	fprintf(stderr, "%s: ", bench_prog);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
}

void bench_die(const char *fmt, ...)
{
	va_list ap;

	fflush(stdout);
	va_start(ap, fmt);
	vnote(fmt, ap);
	va_end(ap);
	exit(1);
}

void bench_note(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vnote(fmt, ap);
	va_end(ap);
}

void bench_check(int rc, const fs_err *e, const char *what)
{
	if (rc != 0)
		bench_die("%s: %s (%s)", what, e->msg, fs_error_name(rc));
}

void *bench_need(void *p)
{
	if (p == NULL)
		bench_die("out of memory");
	return p;
}

/* ---- time ---- */

static double seconds_of(clockid_t id)
{
	struct timespec ts;

	clock_gettime(id, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

double bench_mono_s(void)
{
	return seconds_of(CLOCK_MONOTONIC);
}

double bench_thread_cpu_s(void)
{
	return seconds_of(CLOCK_THREAD_CPUTIME_ID);
}

uint64_t bench_wall_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000u + (uint64_t)(ts.tv_nsec / 1000000);
}

double bench_self_cpu_s(void)
{
	struct rusage ru;

	getrusage(RUSAGE_SELF, &ru);
	return (double)ru.ru_utime.tv_sec + (double)ru.ru_utime.tv_usec / 1e6 +
	       (double)ru.ru_stime.tv_sec + (double)ru.ru_stime.tv_usec / 1e6;
}

static void utc_tm(struct tm *tm, uint64_t ms)
{
	time_t t = (time_t)(ms / 1000);

	gmtime_r(&t, tm);
}

void bench_rfc3339(char out[21], uint64_t ms)
{
	struct tm tm;

	utc_tm(&tm, ms);
	strftime(out, 21, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

void bench_date(char out[11], uint64_t ms)
{
	struct tm tm;

	utc_tm(&tm, ms);
	strftime(out, 11, "%Y-%m-%d", &tm);
}

/* ---- files ---- */

void bench_path_printf(char *out, size_t len, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(out, len, fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= len)
		bench_die("path too long: %s...", out);
}

void bench_mkdir_p(const char *dir)
{
	char path[4096];
	size_t i;

	bench_path_printf(path, sizeof(path), "%s", dir);
	for (i = 1; path[i] != '\0'; i++) {
		if (path[i] != '/')
			continue;
		path[i] = '\0';
		if (mkdir(path, 0700) != 0 && errno != EEXIST)
			bench_die("cannot create %s: %s", path, strerror(errno));
		path[i] = '/';
	}
	if (mkdir(path, 0700) != 0 && errno != EEXIST)
		bench_die("cannot create %s: %s", path, strerror(errno));
}

char *bench_slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	char *buf = NULL;
	size_t n = 0, alloc = 0, got;

	if (f == NULL)
		return NULL;
	do {
		if (alloc - n < 4096) {
			alloc = alloc ? alloc * 2 : 65536;
			buf = bench_need(realloc(buf, alloc + 1));
		}
		got = fread(buf + n, 1, alloc - n, f);
		n += got;
	} while (got > 0);
	fclose(f);
	buf[n] = '\0';
	if (len != NULL)
		*len = n;
	return buf;
}

void bench_remove_store(const char *path)
{
	static const char *const suffix[] = {"", "-wal", "-shm", "-journal"};
	char p[4200];
	size_t i;

	for (i = 0; i < sizeof(suffix) / sizeof(suffix[0]); i++) {
		bench_path_printf(p, sizeof(p), "%s%s", path, suffix[i]);
		if (unlink(p) != 0 && errno != ENOENT)
			bench_die("cannot remove %s: %s", p, strerror(errno));
	}
}

/* ---- deterministic data ---- */

uint64_t bench_rng_next(bench_rng *r)
{
	uint64_t z = (r->s += 0x9e3779b97f4a7c15ull);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

long bench_rng_range(bench_rng *r, long lo, long hi)
{
	return lo + (long)(bench_rng_next(r) % (uint64_t)(hi - lo + 1));
}

int bench_rng_chance(bench_rng *r, double p)
{
	return (double)(bench_rng_next(r) >> 11) * (1.0 / 9007199254740992.0) < p;
}

/* ---- statistics ---- */

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

void bench_sort(double *v, size_t n)
{
	if (n > 1)
		qsort(v, n, sizeof(double), cmp_double);
}

double bench_pct(const double *v, size_t n, double p)
{
	size_t i;

	if (n == 0)
		return 0;
	i = (size_t)(p / 100.0 * (double)n);
	if ((double)i < p / 100.0 * (double)n)
		i++;
	if (i == 0)
		i = 1;
	return v[i > n ? n - 1 : i - 1];
}

/* ---- the machine ---- */

void bench_cpu_model(char *out, size_t len)
{
	FILE *f = fopen("/proc/cpuinfo", "r");
	char line[512];

	snprintf(out, len, "unknown CPU");
	if (f == NULL)
		return;
	while (fgets(line, sizeof(line), f) != NULL) {
		char *colon = strchr(line, ':');

		if (strncmp(line, "model name", 10) != 0 || colon == NULL)
			continue;
		colon += 2;
		colon[strcspn(colon, "\n")] = '\0';
		snprintf(out, len, "%s", colon);
		break;
	}
	fclose(f);
}

double bench_ram_gib(void)
{
	return (double)sysconf(_SC_PHYS_PAGES) * (double)sysconf(_SC_PAGESIZE) / 1073741824.0;
}

const char *bench_compiler(void)
{
#if defined(__clang__)
	return "clang " __clang_version__;
#elif defined(__GNUC__)
	return "gcc " __VERSION__;
#else
	return "unknown compiler";
#endif
}

void bench_fsync_probe(const char *dir, int n, bench_fsync *out)
{
	char path[4200], block[4096];
	double *t = bench_need(calloc((size_t)n, sizeof(double))), sum = 0;
	int fd, i;

	memset(block, 'x', sizeof(block));
	bench_path_printf(path, sizeof(path), "%s/fsync-probe.tmp", dir);
	fd = open(path, O_CREAT | O_WRONLY | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0)
		bench_die("cannot create %s: %s", path, strerror(errno));
	for (i = 0; i < n; i++) {
		double t0 = bench_mono_s();

		if (write(fd, block, sizeof(block)) != (ssize_t)sizeof(block) || fdatasync(fd) != 0)
			bench_die("fsync probe in %s: %s", dir, strerror(errno));
		t[i] = (bench_mono_s() - t0) * 1e3;
		sum += t[i];
	}
	close(fd);
	unlink(path);
	bench_sort(t, (size_t)n);
	out->mean_ms = n > 0 ? sum / n : 0;
	out->median_ms = bench_pct(t, (size_t)n, 50);
	out->p99_ms = bench_pct(t, (size_t)n, 99);
	free(t);
}

/* ---- options ---- */

long bench_long_arg(const char *name, const char *v, long lo, long hi)
{
	char *end = NULL;
	long n;

	errno = 0;
	n = strtol(v != NULL ? v : "", &end, 10);
	if (v == NULL || errno != 0 || end == v || *end != '\0' || n < lo || n > hi)
		bench_die("%s must be an integer from %ld to %ld", name, lo, hi);
	return n;
}

/* ---- a kiosk's change sets ---- */

void bench_set_begin(fs_changeset *cs, const bench_sender *k, uint64_t time_ms)
{
	fs_changeset_init(cs);
	snprintf(cs->site, sizeof(cs->site), "%s", k->site);
	cs->from = cs->to = k->seq;
	cs->time_ms = time_ms;
}

void bench_set_add(fs_changeset *cs, bench_sender *k, fs_change *c)
{
	fs_err e = {0, ""};

	bench_check(fs_changeset_add(cs, c, &e), &e, "changeset add");
	cs->to = ++k->seq;
}

void bench_add_contact_field(fs_changeset *cs, bench_sender *k, const char *id, const char *field,
                             json_t *value, fs_hlc hlc, fs_hlc prev_hlc, const char *prev_site)
{
	fs_change c;

	memset(&c, 0, sizeof(c));
	c.table = FS_TABLE_CONTACTS;
	snprintf(c.id, sizeof(c.id), "%s", id);
	snprintf(c.region, sizeof(c.region), "%s", k->region);
	snprintf(c.field, sizeof(c.field), "%s", field);
	c.hlc = hlc;
	snprintf(c.site, sizeof(c.site), "%s", k->site);
	if (prev_site != NULL) {
		c.prev_hlc = prev_hlc;
		snprintf(c.prev_site, sizeof(c.prev_site), "%s", prev_site);
	}
	c.value = bench_need(value);
	bench_set_add(cs, k, &c);
}

void bench_pack(fs_buf *out, const fs_changeset *cs, size_t cap)
{
	fs_err e = {0, ""};

	fs_buf_init(out, cap);
	bench_check(fs_changeset_pack(out, cs, &e), &e, "changeset pack");
}

/* ---- a PostgreSQL server on this machine ---- */

/* Fields of /proc/PID/stat after the command name: ppid (4), utime (14),
 * stime (15), cutime (16), cstime (17), in clock ticks. 0 or -1. */
static int proc_stat_times(long pid, long *ppid, double *own_s, double *reaped_s)
{
	char path[64], *text, *p;
	unsigned long ut = 0, st = 0;
	long cut = 0, cst = 0, pp = 0;
	double tick = (double)sysconf(_SC_CLK_TCK);
	int ok;

	snprintf(path, sizeof(path), "/proc/%ld/stat", pid);
	text = bench_slurp(path, NULL);
	if (text == NULL)
		return -1;
	p = strrchr(text, ')');
	ok = p != NULL && sscanf(p + 2, "%*c %ld %*d %*d %*d %*d %*u %*u %*u %*u %*u %lu %lu %ld %ld",
	                         &pp, &ut, &st, &cut, &cst) == 5;
	free(text);
	if (!ok)
		return -1;
	*ppid = pp;
	*own_s = (double)(ut + st) / tick;
	*reaped_s = (double)(cut + cst) / tick;
	return 0;
}

pid_t bench_pg_postmaster(const char *uri, char *about, size_t about_len)
{
	PGconn *c = PQconnectdb(uri);
	PGresult *r;
	long backend = 0, ppid = 0;
	double own, reaped;

	if (PQstatus(c) != CONNECTION_OK)
		bench_die("PostgreSQL: cannot connect: %s", PQerrorMessage(c));
	r = PQexec(c, "SELECT pg_backend_pid(), current_setting('server_version'), "
	              "current_setting('synchronous_commit'), "
	              "current_setting('fsync'), current_setting('wal_sync_method'), "
	              "current_setting('shared_buffers'), current_setting('max_connections')");
	if (PQresultStatus(r) != PGRES_TUPLES_OK)
		bench_die("PostgreSQL: %s", PQerrorMessage(c));
	backend = strtol(PQgetvalue(r, 0, 0), NULL, 10);
	snprintf(about, about_len,
	         "PostgreSQL %.40s; synchronous_commit %s, fsync %s, wal_sync_method %s, shared_buffers %s, "
	         "max_connections %s",
	         PQgetvalue(r, 0, 1), PQgetvalue(r, 0, 2), PQgetvalue(r, 0, 3), PQgetvalue(r, 0, 4),
	         PQgetvalue(r, 0, 5), PQgetvalue(r, 0, 6));
	PQclear(r);
	if (proc_stat_times(backend, &ppid, &own, &reaped) != 0)
		ppid = 0;
	PQfinish(c);
	return (pid_t)ppid;
}

double bench_pg_cpu_s(pid_t postmaster)
{
	DIR *d;
	struct dirent *de;
	long ppid;
	double own, reaped, total;

	if (postmaster <= 0 || proc_stat_times((long)postmaster, &ppid, &own, &reaped) != 0)
		return -1;
	total = own + reaped;
	d = opendir("/proc");
	if (d == NULL)
		return -1;
	while ((de = readdir(d)) != NULL) {
		char *end;
		long pid = strtol(de->d_name, &end, 10);

		if (*end != '\0' || pid <= 0 || pid == (long)postmaster)
			continue;
		if (proc_stat_times(pid, &ppid, &own, &reaped) == 0 && ppid == (long)postmaster)
			total += own;
	}
	closedir(d);
	return total;
}

#define WAIT_KEYS 24

struct bench_pg_waits {
	PGconn *conn;
	pthread_t thread;
	int interval_ms;
	volatile int stop;
	long samples;
	char key[WAIT_KEYS][64];
	long count[WAIT_KEYS];
	int nkeys;
};

static void waits_add(bench_pg_waits *w, const char *key, long n)
{
	int i;

	for (i = 0; i < w->nkeys; i++)
		if (strcmp(w->key[i], key) == 0)
			break;
	if (i == w->nkeys) {
		if (w->nkeys == WAIT_KEYS)
			i = WAIT_KEYS - 1; /* the last key collects the rest */
		else
			snprintf(w->key[w->nkeys++], sizeof(w->key[0]), "%s", key);
	}
	w->count[i] += n;
}

static void *waits_main(void *arg)
{
	bench_pg_waits *w = arg;
	struct timespec ts = {0, (long)w->interval_ms * 1000000L};

	while (!w->stop) {
		PGresult *r = PQexec(
		    w->conn,
		    "SELECT CASE WHEN state = 'active' THEN coalesce(wait_event_type || ':' || "
		    "wait_event, 'running') ELSE state END, count(*) FROM pg_stat_activity "
		    "WHERE datname = current_database() AND pid <> pg_backend_pid() "
		    "AND backend_type = 'client backend' AND state <> 'idle' GROUP BY 1");
		int i;

		if (PQresultStatus(r) == PGRES_TUPLES_OK) {
			w->samples++;
			for (i = 0; i < PQntuples(r); i++)
				waits_add(w, PQgetvalue(r, i, 0), strtol(PQgetvalue(r, i, 1), NULL, 10));
		}
		PQclear(r);
		nanosleep(&ts, NULL);
	}
	return NULL;
}

bench_pg_waits *bench_pg_waits_start(const char *uri, int interval_ms)
{
	bench_pg_waits *w = bench_need(calloc(1, sizeof(*w)));

	w->conn = PQconnectdb(uri);
	if (PQstatus(w->conn) != CONNECTION_OK)
		bench_die("PostgreSQL: cannot connect: %s", PQerrorMessage(w->conn));
	w->interval_ms = interval_ms;
	if (pthread_create(&w->thread, NULL, waits_main, w) != 0)
		bench_die("pthread_create failed");
	return w;
}

void bench_pg_waits_stop(bench_pg_waits *w, char *out, size_t len)
{
	size_t used;
	int i, j;

	w->stop = 1;
	pthread_join(w->thread, NULL);
	PQfinish(w->conn);
	/* Largest first (a few keys: insertion sort). */
	for (i = 1; i < w->nkeys; i++)
		for (j = i; j > 0 && w->count[j] > w->count[j - 1]; j--) {
			char k[64];
			long c = w->count[j];

			memcpy(k, w->key[j], sizeof(k));
			memcpy(w->key[j], w->key[j - 1], sizeof(k));
			memcpy(w->key[j - 1], k, sizeof(k));
			w->count[j] = w->count[j - 1];
			w->count[j - 1] = c;
		}
	used = (size_t)snprintf(out, len, "%ld samples; backends per sample:", w->samples);
	for (i = 0; i < w->nkeys && used < len; i++)
		used += (size_t)snprintf(out + used, len - used, "%s %s %.2f", i ? "," : "",
		                         w->key[i],
		                         w->samples ? (double)w->count[i] / (double)w->samples : 0.0);
	if (w->nkeys == 0 && used < len)
		snprintf(out + used, len - used, " none busy");
	free(w);
}
