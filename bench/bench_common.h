/* What the two benchmarks (bench.c: the engine; hub_bench.c: the hub over
 * HTTP) share: failing, timing, files, deterministic data, percentiles,
 * the machine's description, option values and building a kiosk's change
 * sets. Benchmarks, not tests: every failure is fatal (bench_die). */
#ifndef FIELDSYNC_BENCH_COMMON_H
#define FIELDSYNC_BENCH_COMMON_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "fieldsync/buf.h"
#include "fieldsync/changeset.h"
#include "fieldsync/error.h"

#if defined(__GNUC__)
#define BENCH_PRINTF(f, a) __attribute__((format(printf, f, a)))
#define BENCH_NORETURN     __attribute__((noreturn))
#else
#define BENCH_PRINTF(f, a)
#define BENCH_NORETURN
#endif

/* The program's name, for messages; set by main. */
extern const char *bench_prog;

/* Print "PROG: message" on stderr and exit 1. */
BENCH_NORETURN void bench_die(const char *fmt, ...) BENCH_PRINTF(1, 2);
/* Print "PROG: message" on stderr. */
void bench_note(const char *fmt, ...) BENCH_PRINTF(1, 2);
/* rc != 0: die naming what failed, core's message and code. */
void bench_check(int rc, const fs_err *e, const char *what);
/* p, or die out of memory. */
void *bench_need(void *p);

/* ---- time ---- */
double bench_mono_s(void);       /* monotonic clock, s */
uint64_t bench_wall_ms(void);    /* wall clock, ms since 1970 */
double bench_thread_cpu_s(void); /* this thread's CPU time */
double bench_self_cpu_s(void);   /* this process's CPU time, user + system */

/* "2026-11-27T09:00:00Z" and "2026-11-27" for ms. */
void bench_rfc3339(char out[21], uint64_t ms);
void bench_date(char out[11], uint64_t ms);

/* ---- files ---- */
/* printf into a path buffer; a path too long for it is fatal. */
void bench_path_printf(char *out, size_t len, const char *fmt, ...) BENCH_PRINTF(3, 4);
void bench_mkdir_p(const char *dir);
/* The whole of a small file (NUL-terminated, *len its length), or NULL. */
char *bench_slurp(const char *path, size_t *len);
/* Remove a store file and its WAL, shared-memory and journal files. */
void bench_remove_store(const char *path);

/* ---- deterministic data: fixed seeds, so two runs send the same ---- */
typedef struct bench_rng {
	uint64_t s;
} bench_rng;

uint64_t bench_rng_next(bench_rng *r);                /* splitmix64 */
long bench_rng_range(bench_rng *r, long lo, long hi); /* uniform in lo..hi */
int bench_rng_chance(bench_rng *r, double p);         /* 1 with probability p */

/* ---- statistics ---- */
/* Sort v ascending; then the p-th percentile (0..100) by nearest rank. */
void bench_sort(double *v, size_t n);
double bench_pct(const double *sorted, size_t n, double p);

/* ---- the machine ---- */
void bench_cpu_model(char *out, size_t len); /* "unknown CPU" when not found */
double bench_ram_gib(void);
const char *bench_compiler(void);

/* n times write(4 KiB) + fdatasync in dir: what a commit's WAL fsync costs
 * at least. */
typedef struct bench_fsync {
	double mean_ms, median_ms, p99_ms;
} bench_fsync;
void bench_fsync_probe(const char *dir, int n, bench_fsync *out);

/* ---- a PostgreSQL server on this machine (both benchmarks' --db) ---- */
/* The pid of the postmaster of the server at uri: one connection is
 * opened, its backend's pid read (pg_backend_pid) and that process's parent
 * taken from /proc; the connection is closed. 0 when the server's processes
 * are not visible here (another machine or container). about gets the
 * server's version and the settings that decide a commit's cost
 * (synchronous_commit, fsync, wal_sync_method, shared_buffers,
 * max_connections). A connection that fails is fatal. */
pid_t bench_pg_postmaster(const char *uri, char *about, size_t about_len);
/* CPU seconds (user + system) used so far by the server: the postmaster,
 * the children it has reaped (cutime, cstime) and every living child
 * (backends, WAL writer, checkpointer...); a backend that ends between two
 * readings is counted once, in its parent's reaped total. -1 when
 * postmaster is 0 or gone. */
double bench_pg_cpu_s(pid_t postmaster);

/* What the server's backends of the database at uri are doing, sampled
 * every interval_ms on a connection of its own from a thread, until
 * bench_pg_waits_stop: for each sample, each backend other than the
 * sampler's that is not idle counts under one key: "running" (active, no
 * wait event: on a CPU or waiting for one), "TYPE:EVENT" (active, waiting:
 * Lock:transactionid is a writer waiting for the write lock, IO:WALSync a
 * commit's flush), or "idle in transaction" (between statements of an open
 * transaction: the client, here a hub process, is working, or its reply is
 * on the way). */
typedef struct bench_pg_waits bench_pg_waits;
bench_pg_waits *bench_pg_waits_start(const char *uri, int interval_ms);
/* Stop sampling; out gets "N samples; backends per sample: KEY x.xx, ..."
 * (the keys by count, largest first), and the sampler is freed. */
void bench_pg_waits_stop(bench_pg_waits *w, char *out, size_t len);

/* ---- options ---- */
/* The decimal integer v of option name, in lo..hi, or die. */
long bench_long_arg(const char *name, const char *v, long lo, long hi);

/* ---- a kiosk's change sets ---- */
/* Who sends: a site of a region and its change counter (from/to). */
typedef struct bench_sender {
	const char *site, *region;
	int64_t seq;
} bench_sender;

/* An empty set of k's starting after k->seq, encoded at time_ms. */
void bench_set_begin(fs_changeset *cs, const bench_sender *k, uint64_t time_ms);
/* Append c (its value is stolen) as k's next change. */
void bench_set_add(fs_changeset *cs, bench_sender *k, fs_change *c);
/* Append k's write of a contact field (prev_site NULL: it replaces no
 * write). value is stolen. */
void bench_add_contact_field(fs_changeset *cs, bench_sender *k, const char *id, const char *field,
                             json_t *value, fs_hlc hlc, fs_hlc prev_hlc, const char *prev_site);
/* Pack cs into out (initialised here, capped at cap). */
void bench_pack(fs_buf *out, const fs_changeset *cs, size_t cap);

#endif
