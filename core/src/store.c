/* The store: the engine's generic rules over a backend (backend.h):
 * identity, the clock (offset, anchor, boot clock), transactions that
 * persist the change counter and clock, the clock repair. Storage itself,
 * files and SQL are the backend's (core/src/sqlite_*.c). */
#include "store_internal.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "fieldsync/records.h"
#include "fieldsync/retention.h"

static uint64_t system_wallclock(void *ctx)
{
	struct timespec ts;

	(void)ctx;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000u + (uint64_t)(ts.tv_nsec / 1000000);
}

static int meta_get(fs_store *s, const char *key, char *out, size_t len, fs_err *err)
{
	return s->ops->meta_get(s->b, key, out, len, err);
}

static int meta_put(fs_store *s, const char *key, const char *value, fs_err *err)
{
	return s->ops->meta_put(s->b, key, value, err);
}

static int meta_get_i64(fs_store *s, const char *key, int64_t *out, fs_err *err)
{
	char text[32];
	int rc = meta_get(s, key, text, sizeof(text), err);

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
	return meta_put(s, key, text, err);
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
	rc = meta_get(s, "clock_anchor", text, sizeof(text), err);
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

	rc = meta_get(s, "site", s->site, sizeof(s->site), err);
	if (rc == FS_ENOTFOUND)
		s->site[0] = '\0';
	else if (rc != 0)
		return rc;
	rc = meta_get(s, "region", s->region, sizeof(s->region), err);
	if (rc == FS_ENOTFOUND)
		s->region[0] = '\0';
	else if (rc != 0)
		return rc;
	return clock_load(s, err);
}

int fs_store_open_with(fs_store **out, const char *location, const fs_store_options *opts,
		       fs_err *err)
{
	static const fs_store_options defaults = {NULL, NULL, 0, 0};
	fs_backend_options bo;
	fs_store *s;
	int rc;

	*out = NULL;
	if (opts == NULL)
		opts = &defaults;
	s = calloc(1, sizeof(*s));
	if (s == NULL)
		return fs_err_set(err, FS_ENOMEM, "store: out of memory");
	s->ops = opts->backend ? opts->backend : &fs_sqlite_backend;
	if (opts->hub) {
		s->reg = opts->registry;
		if (s->reg == NULL && s->ops == &fs_sqlite_backend)
			s->reg = &fs_sqlite_registry;
		if (s->reg == NULL) {
			rc = fs_err_set(err, FS_EINVAL,
					"store: the %s backend was given no device registry",
					s->ops->name);
			free(s);
			return rc;
		}
	}
	s->wallclock = system_wallclock;
	memset(&bo, 0, sizeof(bo));
	bo.create = 1;
	bo.hub = opts->hub;
	bo.cache_kib = opts->cache_kib;
	rc = s->ops->open(&s->b, location, &bo, err);
	if (rc == 0)
		rc = load_identity(s, err);
	if (rc != 0) {
		fs_store_close(s);
		return rc;
	}
	*out = s;
	return 0;
}

int fs_store_open(fs_store **out, const char *path, fs_err *err)
{
	return fs_store_open_with(out, path, NULL, err);
}

int fs_store_check_files(fs_store *s, fs_err *err)
{
	return s->ops->check_durable(s->b, err);
}

int fs_store_size_bytes(fs_store *s, int64_t *out, fs_err *err)
{
	*out = 0;
	if (s->ops->size_bytes == NULL)
		return fs_err_set(err, FS_EGENERIC, "store: the %s backend has no size",
		                  s->ops->name);
	return s->ops->size_bytes(s->b, out, err);
}

int fs_store_check_integrity(fs_store *s, fs_err *err)
{
	return s->ops->check_integrity(s->b, err);
}

int fs_store_count(fs_store *s, fs_store_counts *out, fs_err *err)
{
	int rc = s->ops->counts(s->b, out, err);

	/* A kiosk deletes the responses the hub acknowledged (retention.h):
	 * they still count. */
	if (rc == 0)
		out->responses += fs_retention_responses_sent(s);
	return rc;
}

void fs_store_close(fs_store *s)
{
	if (s == NULL)
		return;
	if (s->b != NULL) {
		if (s->in_txn)
			fs_txn_rollback(s);
		s->ops->close(s->b);
	}
	free(s);
}

const fs_backend_ops *fs_store_ops(const fs_store *s)
{
	return s->ops;
}

fs_backend *fs_store_backend(const fs_store *s)
{
	return s->b;
}

const fs_registry_ops *fs_store_registry(const fs_store *s)
{
	return s->reg;
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
	rc = meta_put(s, "site", site, err);
	if (rc == 0 && region != NULL)
		rc = meta_put(s, "region", region, err);
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

/* A kiosk store's region as committed (meta "region"); a hub's has none. */
static int region_reload(fs_store *s, fs_err *err)
{
	char region[FS_NAME_MAX + 1];
	int rc;

	if (s->region[0] == '\0')
		return 0;
	rc = meta_get(s, "region", region, sizeof(region), err);
	if (rc == 0 && fs_name_is_valid(region))
		memcpy(s->region, region, sizeof(region));
	return rc == FS_ENOTFOUND ? 0 : rc;
}

const char *fs_store_region(const fs_store *s)
{
	/* Read again outside a transaction (inside one, its begin did): a
	 * move taken in through another handle shows at once. The cache is
	 * the handle's own, not a value the caller handed in. */
	if (s->region[0] != '\0' && !s->in_txn)
		region_reload((fs_store *)s, NULL);
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
	if (s->group) {
		/* The counter and clock are the group's, held in memory. */
		rc = s->ops->savepoint(s->b, FS_SAVEPOINT_BEGIN, err);
		if (rc != 0)
			return rc;
		s->in_txn = FS_TXN_WRITE;
		s->txn_seq_start = s->txn_seq;
		s->txn_hlc_start = s->txn_hlc;
		return 0;
	}
	rc = s->ops->begin(s->b, FS_TXN_WRITE, err);
	if (rc != 0)
		return rc;
	s->in_txn = FS_TXN_WRITE;
	/* Read inside the write lock: the latest, and ours until commit. */
	rc = meta_get_i64(s, "seq", &s->txn_seq, err);
	if (rc == 0)
		rc = meta_get_i64(s, "hlc", &v, err);
	if (rc == 0)
		rc = clock_load(s, err);
	/* A kiosk's region changes when its hub moves it (region.h), maybe
	 * through another handle (the sync's, while the UI's writes here). */
	if (rc == 0)
		rc = region_reload(s, err);
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

	if (s->group) {
		/* Kept; durable only with the group's commit. */
		rc = s->ops->savepoint(s->b, FS_SAVEPOINT_RELEASE, err);
		if (rc != 0) {
			fs_txn_rollback(s);
			return rc;
		}
		s->in_txn = 0;
		return 0;
	}
	if (s->txn_seq != s->txn_seq_start)
		rc = meta_put_i64(s, "seq", s->txn_seq, err);
	if (rc == 0 && s->txn_hlc != s->txn_hlc_start)
		rc = meta_put_i64(s, "hlc", (int64_t)s->txn_hlc, err);
	if (rc != 0) {
		fs_txn_rollback(s);
		return rc;
	}
	s->in_txn = 0;
	/* 0 only once durable (the backend rolls back what did not commit). */
	return s->ops->commit(s->b, err);
}

void fs_txn_rollback(fs_store *s)
{
	if (s->group) {
		/* Only the part: the group's other parts stand. */
		if (!s->in_txn)
			return;
		if (s->ops->savepoint(s->b, FS_SAVEPOINT_ROLLBACK, NULL) != 0)
			s->group = 2; /* the backend's transaction is lost: the group fails */
		s->txn_seq = s->txn_seq_start;
		s->txn_hlc = s->txn_hlc_start;
		s->in_txn = 0;
		return;
	}
	s->ops->rollback(s->b);
	s->in_txn = 0;
}

int fs_store_group_begin(fs_store *s, fs_err *err)
{
	int rc;

	if (s->group || s->in_txn)
		return fs_err_set(err, FS_EGENERIC, "store: transaction already open");
	rc = fs_txn_begin(s, err);
	if (rc != 0)
		return rc;
	s->group = 1;
	s->in_txn = 0;
	s->group_seq_start = s->txn_seq_start;
	s->group_hlc_start = s->txn_hlc_start;
	return 0;
}

int fs_store_group_commit(fs_store *s, fs_err *err)
{
	int failed = s->group == 2;

	if (!s->group || s->in_txn) {
		fs_store_group_rollback(s);
		return fs_err_set(err, FS_EGENERIC, "store: group commit with %s",
		                  s->group ? "a part still open" : "no group open");
	}
	s->group = 0;
	s->in_txn = FS_TXN_WRITE;
	if (failed) {
		fs_txn_rollback(s);
		return fs_err_set(err, FS_EGENERIC,
		                  "store: a part of the group could not be undone, so none is saved");
	}
	s->txn_seq_start = s->group_seq_start;
	s->txn_hlc_start = s->group_hlc_start;
	return fs_txn_commit(s, err);
}

void fs_store_group_rollback(fs_store *s)
{
	s->group = 0;
	s->in_txn = FS_TXN_WRITE;
	fs_txn_rollback(s);
}

int fs_txn_read_begin(fs_store *s, fs_err *err)
{
	int rc;

	if (s->in_txn)
		return fs_err_set(err, FS_EGENERIC, "store: transaction already open");
	rc = s->ops->begin(s->b, FS_TXN_READ, err);
	if (rc == 0)
		s->in_txn = FS_TXN_READ;
	return rc;
}

void fs_txn_read_end(fs_store *s)
{
	/* Nothing was written: ending the snapshot cannot lose anything. */
	if (s->ops->commit(s->b, NULL) != 0)
		s->ops->rollback(s->b);
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

/* A response's times moved by delta_ms; when even then submitted would be
 * after latest_ms (the clock had been set right before the correction, so
 * the offset does not explain the date), submitted becomes latest_ms: it
 * happened no later than that. The time between start and submission is
 * kept. 0 or FS_EINVAL. */
static int redate(char started[FS_TIMESTAMP_LEN + 1], char submitted[FS_TIMESTAMP_LEN + 1],
		  const char *old_started, const char *old_submitted, int64_t delta_ms,
		  uint64_t latest_ms)
{
	uint64_t a, b;
	int64_t sub, took;

	if (old_started == NULL || old_submitted == NULL ||
	    fs_timestamp_to_ms(old_started, &a) != 0 ||
	    fs_timestamp_to_ms(old_submitted, &b) != 0)
		return FS_EINVAL;
	took = b >= a ? (int64_t)(b - a) : 0;
	sub = (int64_t)b + delta_ms;
	if (sub > (int64_t)latest_ms)
		sub = (int64_t)latest_ms;
	if (sub < took)
		sub = took;
	fs_timestamp_format(submitted, (uint64_t)sub);
	fs_timestamp_format(started, (uint64_t)(sub - took));
	return 0;
}

/* The responses to re-date, collected first: the backend is not written
 * while it walks. */
typedef struct redate_list {
	struct redate_row {
		char id[FS_ID_MAX + 1];
		char started[FS_TIMESTAMP_LEN + 1], submitted[FS_TIMESTAMP_LEN + 1];
	} *rows;
	size_t n, cap;
	int64_t delta_ms;
	uint64_t latest_ms;
} redate_list;

static int redate_collect(void *ctx, const fs_response_row *r)
{
	redate_list *l = ctx;
	struct redate_row *grown;

	if (l->n == l->cap) {
		size_t cap = l->cap ? 2 * l->cap : 64;

		grown = realloc(l->rows, cap * sizeof(*l->rows));
		if (grown == NULL)
			return FS_ENOMEM;
		l->rows = grown;
		l->cap = cap;
	}
	snprintf(l->rows[l->n].id, sizeof(l->rows[l->n].id), "%s", r->id);
	if (redate(l->rows[l->n].started, l->rows[l->n].submitted, r->started_at,
		   r->submitted_at, l->delta_ms, l->latest_ms) == 0)
		l->n++;
	return 0;
}

/* Shift started_at and submitted_at by delta_ms (whole seconds), but
 * submitted to no later than latest_ms (keeping the time taken), for this
 * site's own responses submitted after the timestamp after and beyond
 * every peer's push cursor (acknowledged by nobody); new seq each. */
static int redate_own_responses(fs_store *s, const char *after, int64_t delta_ms,
				uint64_t latest_ms, long *count, fs_err *err)
{
	fs_response_filter f = {NULL, s->site, NULL, after, 0, 1};
	redate_list l;
	size_t i;
	int rc;

	*count = 0;
	memset(&l, 0, sizeof(l));
	l.delta_ms = delta_ms;
	l.latest_ms = latest_ms;
	rc = s->ops->response_each(s->b, &f, redate_collect, &l, err);
	if (rc == FS_ENOMEM)
		rc = fs_err_set(err, FS_ENOMEM, "re-date responses: out of memory");
	for (i = 0; i < l.n && rc == 0; i++) {
		rc = s->ops->response_redate(s->b, l.rows[i].id, l.rows[i].started,
					     l.rows[i].submitted, fs_txn_next_seq(s), err);
		if (rc == 0)
			(*count)++;
	}
	free(l.rows);
	return rc;
}

/* restamp_own's stamps: this store's clock and counter. */
static void restamp_next(void *ctx, fs_hlc *hlc, int64_t *seq)
{
	fs_store *s = ctx;

	*hlc = fs_txn_tick(s);
	*seq = fs_txn_next_seq(s);
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
		rc = meta_put(s, "clock_anchor", anchor, err);
	if (rc == 0)
		rc = clock_load(s, err);
	/* Responses dated by the wrong clock and not yet taken by anyone say
	 * when they really happened: shifted by the correction (and never
	 * after the trusted time). */
	if (rc == 0)
		rc = redate_own_responses(s, limit_text, (int64_t)trusted_ms - before, trusted_ms,
					  &redated, err);
	if (rc == 0 && s->txn_hlc > limit) {
		/* Everything we hold is at or below limit except our own
		 * unacknowledged writes, which are re-stamped above it. */
		rc = s->ops->max_hlc(s->b, limit, &s->txn_hlc, err);
		if (rc == 0)
			rc = s->ops->restamp_own(s->b, s->site, limit, restamp_next, s, &n, err);
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
	return s->ops->peer_get(s->b, peer, push_cursor, pull_cursor, err);
}

int fs_store_peer_ack(fs_store *s, const char *peer, int64_t seq, fs_err *err)
{
	int rc = fs_txn_begin(s, err);

	if (rc != 0)
		return rc;
	rc = s->ops->peer_set_push(s->b, peer, seq, err);
	if (rc == 0)
		return fs_txn_commit(s, err);
	fs_txn_rollback(s);
	return rc;
}

