#include "metrics.h"

#include <errno.h>
#include <fcntl.h>
#include <sodium.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "http_listen.h"
#include "http_metrics.h"
#include "http_server.h"
#include "status.h"

/* Upper bounds of the sync latency buckets, ms (then +Inf). */
static const unsigned latency_ms[] = {5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10000};
#define LATENCY_BUCKETS (sizeof(latency_ms) / sizeof(latency_ms[0]))

/* The results of POST /v1/sync: 2xx, 4xx, 5xx, and no reply sent (the
 * connection ended first). */
enum { SYNC_OK, SYNC_REFUSED, SYNC_FAILED, SYNC_INCOMPLETE, SYNC_RESULTS };
static const char *const sync_results[SYNC_RESULTS] = {"ok", "refused", "failed", "incomplete"};

/* fs_merge_result's counts, in this order. */
enum { OUT_APPLIED, OUT_UNCHANGED, OUT_CONFLICTS, OUT_QUARANTINED, OUT_ERASED_DROPPED, OUTCOMES };
static const char *const outcomes[OUTCOMES] = {"applied", "unchanged", "conflict", "quarantined",
                                               "erased_dropped"};

/* fs_table is one bit per table. */
#define TABLES 8

typedef atomic_ullong counter;

struct hub_metrics {
	uint64_t start_s; /* wall clock */
	int has_token;
	unsigned char token_hash[crypto_generichash_BYTES];
	struct fs_http_server *http;
	counter syncs[SYNC_RESULTS];
	counter refusals[HUB_ERROR_COUNT + 1]; /* the last: a code not in the list */
	counter tables[TABLES];
	counter outcomes[OUTCOMES];
	counter latency[LATENCY_BUCKETS + 1]; /* per bucket, not cumulative; last +Inf */
	counter latency_count, latency_sum_ms;
};

static void bump(counter *c, uint64_t n)
{
	atomic_fetch_add_explicit(c, n, memory_order_relaxed);
}

static uint64_t get(counter *c)
{
	return atomic_load_explicit(c, memory_order_relaxed);
}

hub_metrics *hub_metrics_new(void)
{
	hub_metrics *m = calloc(1, sizeof(*m));

	if (m == NULL)
		return NULL;
	m->start_s = (uint64_t)time(NULL);
	return m;
}

void hub_metrics_free(hub_metrics *m)
{
	if (m == NULL)
		return;
	sodium_memzero(m->token_hash, sizeof(m->token_hash));
	free(m);
}

static int token_valid(const char *t)
{
	size_t n = strlen(t), i;

	if (n < HUB_METRICS_TOKEN_MIN || n > HUB_TOKEN_MAX)
		return 0;
	for (i = 0; i < n; i++)
		if (t[i] <= 0x20 || t[i] >= 0x7f)
			return 0;
	return 1;
}

int hub_metrics_set_token(hub_metrics *m, const char *token, fs_err *err)
{
	if (token == NULL) {
		m->has_token = 0;
		return 0;
	}
	if (!token_valid(token))
		return fs_err_set(err, FS_EINVAL,
		                  "the metrics token must be %d to %d printable characters without "
		                  "spaces",
		                  HUB_METRICS_TOKEN_MIN, HUB_TOKEN_MAX);
	crypto_generichash(m->token_hash, sizeof(m->token_hash), (const unsigned char *)token,
	                   strlen(token), NULL, 0);
	m->has_token = 1;
	return 0;
}

int hub_metrics_token_load(char *out, const char *path, fs_err *err)
{
	char buf[HUB_TOKEN_MAX + 3];
	struct stat st;
	ssize_t n;
	int fd;

	out[0] = '\0';
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0)
		return fs_err_set(err, errno == ENOENT ? FS_ENOTFOUND : FS_EGENERIC,
		                  "cannot read the metrics token file %s: %s", path,
		                  strerror(errno));
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) || (st.st_mode & 077) != 0) {
		close(fd);
		return fs_err_set(
		    err, FS_EINVAL,
		    "metrics token file %s is not a regular file of mode 0600 (others "
		    "may read it); chmod 600 it",
		    path);
	}
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n < 0)
		return fs_err_set(err, FS_EGENERIC, "cannot read the metrics token file %s: %s",
		                  path, strerror(errno));
	buf[n] = '\0';
	if (n > 0 && buf[n - 1] == '\n')
		buf[--n] = '\0';
	if (n > 0 && buf[n - 1] == '\r')
		buf[--n] = '\0';
	if (!token_valid(buf)) {
		sodium_memzero(buf, sizeof(buf));
		return fs_err_set(err, FS_EINVAL,
		                  "metrics token file %s must hold one token of %d to %d printable "
		                  "characters without spaces",
		                  path, HUB_METRICS_TOKEN_MIN, HUB_TOKEN_MAX);
	}
	memcpy(out, buf, (size_t)n + 1);
	sodium_memzero(buf, sizeof(buf));
	return 0;
}

void hub_metrics_set_server(hub_metrics *m, struct fs_http_server *http)
{
	m->http = http;
}

hub_metrics_access hub_metrics_check(const hub_metrics *m, const struct sockaddr *peer,
                                     const char *bearer)
{
	unsigned char h[crypto_generichash_BYTES];
	int same;

	if (!m->has_token)
		return fs_http_is_loopback(peer) ? HUB_METRICS_ALLOW : HUB_METRICS_HIDDEN;
	if (bearer == NULL)
		return HUB_METRICS_UNAUTHORIZED;
	/* Hashes of equal length, compared in constant time: neither the
	 * token's bytes nor its length leak through timing. */
	crypto_generichash(h, sizeof(h), (const unsigned char *)bearer, strlen(bearer), NULL, 0);
	same = sodium_memcmp(h, m->token_hash, sizeof(h)) == 0;
	sodium_memzero(h, sizeof(h));
	return same ? HUB_METRICS_ALLOW : HUB_METRICS_UNAUTHORIZED;
}

void hub_metrics_request(hub_metrics *m, int sync, int status, const char *error, uint64_t ms)
{
	size_t i;

	if (status >= 400)
		bump(&m->refusals[hub_error_index(error)], 1);
	if (!sync)
		return;
	if (status == 0) {
		bump(&m->syncs[SYNC_INCOMPLETE], 1);
		return;
	}
	bump(&m->syncs[status < 400 ? SYNC_OK : status < 500 ? SYNC_REFUSED : SYNC_FAILED], 1);
	for (i = 0; i < LATENCY_BUCKETS && ms > latency_ms[i]; i++)
		;
	bump(&m->latency[i], 1);
	bump(&m->latency_count, 1);
	bump(&m->latency_sum_ms, ms);
}

void hub_metrics_merged(hub_metrics *m, const fs_changeset *cs, const fs_merge_result *res)
{
	uint64_t by[TABLES] = {0};
	size_t i;
	int t;

	for (i = 0; i < cs->count; i++)
		for (t = 0; t < TABLES; t++)
			if ((unsigned)cs->changes[i].table == 1u << t)
				by[t]++;
	for (t = 0; t < TABLES; t++)
		if (by[t] != 0)
			bump(&m->tables[t], by[t]);
	bump(&m->outcomes[OUT_APPLIED], (uint64_t)res->applied);
	bump(&m->outcomes[OUT_UNCHANGED], (uint64_t)res->unchanged);
	bump(&m->outcomes[OUT_CONFLICTS], (uint64_t)res->conflicts);
	bump(&m->outcomes[OUT_QUARANTINED], (uint64_t)res->quarantined);
	bump(&m->outcomes[OUT_ERASED_DROPPED], (uint64_t)res->erased_dropped);
}

#define P "fieldsync_hub_"

static int render_counts(fs_buf *out, const char *name, const char *help, const char *label,
                         const char *const *names, counter *c, size_t n)
{
	uint64_t v[32];
	size_t i;
	int rc = fs_metrics_family(out, name, "counter", help);

	if (n > sizeof(v) / sizeof(v[0]))
		return FS_ETOOBIG;
	for (i = 0; i < n; i++)
		v[i] = get(&c[i]);
	return rc != 0 ? rc : fs_metrics_by_label(out, name, label, names, v, n);
}

static int render_latency(hub_metrics *m, fs_buf *out)
{
	char le[32];
	uint64_t sum = 0;
	size_t i;
	int rc = fs_metrics_family(out, P "sync_duration_seconds", "histogram",
	                           "Time from a sync request's head to its end (reply sent), "
	                           "seconds.");

	for (i = 0; i <= LATENCY_BUCKETS && rc == 0; i++) {
		sum += get(&m->latency[i]);
		if (i < LATENCY_BUCKETS)
			snprintf(le, sizeof(le), "le=\"%g\"", latency_ms[i] / 1000.0);
		else
			snprintf(le, sizeof(le), "le=\"+Inf\"");
		rc = fs_metrics_u64(out, P "sync_duration_seconds_bucket", le, sum);
	}
	if (rc == 0)
		rc = fs_metrics_f64(out, P "sync_duration_seconds_sum", NULL,
		                    (double)get(&m->latency_sum_ms) / 1000.0);
	/* The count is the +Inf bucket's, read once: they must agree. */
	if (rc == 0)
		rc = fs_metrics_u64(out, P "sync_duration_seconds_count", NULL, sum);
	return rc;
}

int hub_metrics_render(hub_metrics *m, fs_buf *out, int64_t store_bytes, const char *version)
{
	const char *reasons[HUB_ERROR_COUNT + 1], *tables[TABLES];
	char labels[96];
	fs_http_stats hs = {0, 0};
	size_t i;
	int rc;

	for (i = 0; i < HUB_ERROR_COUNT; i++)
		reasons[i] = hub_error_codes[i];
	reasons[HUB_ERROR_COUNT] = "other";
	for (i = 0; i < TABLES; i++)
		tables[i] = fs_table_name((fs_table)(1u << i));
	if (m->http != NULL)
		fs_http_server_stats(m->http, &hs);
	snprintf(labels, sizeof(labels), "version=\"%s\"", version);
	rc = fs_metrics_one(out, P "build_info", "gauge",
	                    "Always 1; the version of this fieldsync-hub in its label.", labels, 1);
	if (rc == 0)
		rc = fs_metrics_one(out, P "start_time_seconds", "gauge",
		                    "When this hub process started, seconds since 1970 (UTC).",
		                    NULL, (int64_t)m->start_s);
	if (rc == 0)
		rc =
		    render_counts(out, P "syncs_total",
		                  "Sync requests (POST /v1/sync) this process ended, by result: ok "
		                  "(2xx), refused (4xx), failed (5xx), incomplete (no reply sent).",
		                  "result", sync_results, m->syncs, SYNC_RESULTS);
	if (rc == 0)
		rc = render_latency(m, out);
	if (rc == 0)
		rc = render_counts(out, P "merged_changes_total",
		                   "Changes in pushes this process committed, by table.", "table",
		                   tables, m->tables, TABLES);
	if (rc == 0)
		rc = render_counts(
		    out, P "merge_outcomes_total",
		    "What the committed pushes' changes did to the store, by outcome.", "outcome",
		    outcomes, m->outcomes, OUTCOMES);
	if (rc == 0)
		rc = render_counts(out, P "refusals_total",
		                   "Requests to the sync listener answered with an error, by its "
		                   "error code (docs/protocol.md); other: a code not in the list.",
		                   "reason", reasons, m->refusals, HUB_ERROR_COUNT + 1);
	if (rc == 0)
		rc = fs_metrics_one(out, P "open_connections", "gauge",
		                    "Connections open to the sync listener now.", NULL, hs.open);
	if (rc == 0)
		rc =
		    fs_metrics_one(out, P "connections_busy_total", "counter",
		                   "Requests answered 503 busy because more than --max-connections "
		                   "connections were open.",
		                   NULL, (int64_t)hs.busy_refused);
	if (rc == 0 && store_bytes >= 0)
		rc = fs_metrics_one(
		    out, P "store_size_bytes", "gauge",
		    "Bytes the store takes: the SQLite file and its write-ahead log, "
		    "or the PostgreSQL database (shared by every hub process on it).",
		    NULL, store_bytes);
	return rc;
}
