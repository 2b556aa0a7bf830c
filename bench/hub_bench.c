/* fieldsync-hub-bench: the sync path end to end, over HTTP, against a real
 * fieldsync-hub serve. A benchmark, not a test. Run through
 * scripts/bench-sync.sh; what every number means and the results on the
 * reference machine: docs/performance-sync.md.
 *
 *   load    --kiosks simulated kiosks (one thread and one libcurl easy
 *           handle each, devices created in the hub's store before it
 *           starts) each do --rounds sync round trips back to back, all at
 *           once: push a gzip change set of --responses new responses and
 *           --edits contact field writes, pull the reply (unpacked, cursor
 *           kept). Then --paced more syncs each on a fixed schedule at
 *           --pace-fraction of the rate reached (an open loop: latency
 *           counts from when a sync was due). Before all that one extra
 *           kiosk does --solo syncs alone, for the latency of an idle hub.
 *   agent   fieldsync-agent's resident memory and time for one `sync` of
 *           --pending N changes (responses written straight into its store),
 *           measured with /usr/bin/time -v.
 *
 * Change sets are built and packed with the core API before the clock
 * starts; inside it only HTTP, the hub and the client's unpacking run. The
 * simulated kiosks keep no store (200 SQLite stores would compete with the
 * hub for this machine's disk and cores): of the agent's round
 * (fs_sync_round) they run the reply half, fs_sync_answer_check and
 * fs_sync_reply_unpack. Plumbing shared with fieldsync-bench:
 * bench_common.c. */
#include <curl/curl.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <jansson.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/sysmacros.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "fieldsync/backend.h"
#include "fieldsync/changeset.h"
#include "registry.h"
#include "fieldsync/hlc.h"
#include "fieldsync/merge.h"
#include "fieldsync/pg.h"
#include "fieldsync/records.h"
#include "fieldsync/store.h"
#include "fieldsync/sync.h"
#include "fieldsync/uuid.h"

#include "bench_common.h"

#define PROG          "fieldsync-hub-bench"
#define HUB_SITE      "hub"        /* hub/cli.h */
#define HUB_STORE     "hub.db"     /* hub/cli.h */
#define QUESTIONNAIRE "friends-and-family"
#define GZ_CAP        (64u << 20)
#define REPLY_CAP     (64u << 20)
#define FILL_BATCH    10000        /* pending changes per fs_merge_apply */
#define MAX_PENDING   8
#define MAX_HUBS      16           /* --hub-processes */
#define CHANGESET_CT  "application/vnd.fieldsync.changeset+json"

/* ---- child processes ---- */

/* Start argv with stdout to out_path and stderr to err_path (NULL: ours;
 * the same path: one file, appended). */
static pid_t spawn(char *const argv[], const char *out_path, const char *err_path)
{
	pid_t pid = fork();

	if (pid < 0)
		bench_die("fork: %s", strerror(errno));
	if (pid == 0) {
		int fd;

		if (out_path != NULL) {
			fd = open(out_path, O_WRONLY | O_CREAT | O_APPEND, 0600);
			if (fd < 0 || dup2(fd, 1) < 0)
				_exit(126);
			close(fd);
		}
		if (err_path != NULL) {
			if (out_path != NULL && strcmp(out_path, err_path) == 0) {
				dup2(1, 2);
			} else {
				fd = open(err_path, O_WRONLY | O_CREAT | O_APPEND, 0600);
				if (fd < 0 || dup2(fd, 2) < 0)
					_exit(126);
				close(fd);
			}
		}
		execv(argv[0], argv);
		_exit(127);
	}
	return pid;
}

/* Run argv to the end; its exit status (-1 when killed). */
static int run(char *const argv[], const char *out_path, const char *err_path)
{
	int status;
	pid_t pid = spawn(argv, out_path, err_path);

	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			bench_die("waitpid: %s", strerror(errno));
	return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

static void run_or_die(char *const argv[], const char *out_path, const char *err_path)
{
	int rc = run(argv, out_path, err_path);

	if (rc != 0) {
		char *log = err_path ? bench_slurp(err_path, NULL) : NULL;

		bench_die("%s %s exited %d%s%s", argv[0], argv[1], rc, log ? ": " : "", log ? log : "");
	}
}

/* ---- /proc ---- */

typedef struct proc_sample {
	double cpu_user_s, cpu_sys_s;
	long vm_hwm_kb, vm_rss_kb, threads;
	long long write_bytes, syscw;
} proc_sample;

static void proc_read(pid_t pid, proc_sample *out)
{
	char path[64], *text, *p;
	long tick = sysconf(_SC_CLK_TCK);
	unsigned long ut = 0, st = 0;

	memset(out, 0, sizeof(*out));
	bench_path_printf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	text = bench_slurp(path, NULL);
	/* After the command name: state is field 3, utime 14, stime 15. */
	if (text != NULL && (p = strrchr(text, ')')) != NULL &&
	    sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %lu %lu", &ut, &st) == 2) {
		out->cpu_user_s = (double)ut / (double)tick;
		out->cpu_sys_s = (double)st / (double)tick;
	}
	free(text);
	bench_path_printf(path, sizeof(path), "/proc/%d/status", (int)pid);
	text = bench_slurp(path, NULL);
	if (text != NULL) {
		if ((p = strstr(text, "VmHWM:")) != NULL)
			out->vm_hwm_kb = strtol(p + 6, NULL, 10);
		if ((p = strstr(text, "VmRSS:")) != NULL)
			out->vm_rss_kb = strtol(p + 6, NULL, 10);
		if ((p = strstr(text, "Threads:")) != NULL)
			out->threads = strtol(p + 8, NULL, 10);
	}
	free(text);
	bench_path_printf(path, sizeof(path), "/proc/%d/io", (int)pid);
	text = bench_slurp(path, NULL);
	if (text != NULL) {
		if ((p = strstr(text, "\nwrite_bytes:")) != NULL)
			out->write_bytes = strtoll(p + 13, NULL, 10);
		if ((p = strstr(text, "syscw:")) != NULL)
			out->syscw = strtoll(p + 6, NULL, 10);
	}
	free(text);
}

/* The block device under a directory, as counted by /proc/diskstats. */
typedef struct disk_sample {
	int found;
	char name[64];
	long long writes, sectors_written, flushes, flush_ms;
} disk_sample;

static void disk_read(const char *dir, disk_sample *out)
{
	struct stat st;
	FILE *f;
	char line[512];

	memset(out, 0, sizeof(*out));
	if (stat(dir, &st) != 0 || major(st.st_dev) == 0)
		return; /* tmpfs and other devices without a disk */
	f = fopen("/proc/diskstats", "r");
	if (f == NULL)
		return;
	while (fgets(line, sizeof(line), f) != NULL) {
		unsigned ma, mi;
		char name[64];
		long long v[17] = {0};
		int n = sscanf(line,
		               " %u %u %63s %lld %lld %lld %lld %lld %lld %lld %lld %lld %lld %lld "
		               "%lld %lld %lld %lld %lld %lld",
		               &ma, &mi, name, &v[0], &v[1], &v[2], &v[3], &v[4], &v[5], &v[6],
		               &v[7], &v[8], &v[9], &v[10], &v[11], &v[12], &v[13], &v[14], &v[15],
		               &v[16]);

		if (n < 10 || ma != major(st.st_dev) || mi != minor(st.st_dev))
			continue;
		out->found = 1;
		snprintf(out->name, sizeof(out->name), "%s", name);
		out->writes = v[4];
		out->sectors_written = v[6];
		if (n >= 20) {
			out->flushes = v[15];
			out->flush_ms = v[16];
		}
		break;
	}
	fclose(f);
}

/* CPU seconds the whole machine spent busy (/proc/stat: user, nice,
 * system, irq, softirq, steal), or -1. */
static double machine_busy_s(void)
{
	char *text = bench_slurp("/proc/stat", NULL);
	unsigned long long v[8] = {0};
	double s = -1;

	if (text != NULL && sscanf(text, "cpu %llu %llu %llu %llu %llu %llu %llu %llu", &v[0],
	                           &v[1], &v[2], &v[3], &v[4], &v[5], &v[6], &v[7]) == 8)
		s = (double)(v[0] + v[1] + v[2] + v[5] + v[6] + v[7]) /
		    (double)sysconf(_SC_CLK_TCK);
	free(text);
	return s;
}

static const char *fs_type_name(const char *dir)
{
	struct statfs sf;

	if (statfs(dir, &sf) != 0)
		return "?";
	switch ((unsigned long)sf.f_type) {
	case 0xEF53: return "ext4";
	case 0x58465342: return "xfs";
	case 0x9123683E: return "btrfs";
	case 0x01021994: return "tmpfs";
	case 0x794C7630: return "overlayfs";
	case 0x2FC12FC1: return "zfs";
	case 0xF2F52010: return "f2fs";
	default: return "other";
	}
}

/* ---- options ---- */

typedef struct opts {
	const char *hub_bin, *agent_bin, *questionnaire, *dir, *hub_dir, *time_bin, *only, *row;
	const char *backend_row; /* --backend-row: one row of the backends table */
	const char *db;          /* --db or $FIELDSYNC_DB: a PostgreSQL hub store */
	int kiosks, regions, rounds, paced, responses, edits, solo, keep, keepalive;
	int hub_processes;
	int agent_daemon; /* --agent-run: measure `run`, not `sync` */
	double pace, pace_fraction;
	unsigned hub_threads, rate_limit, max_connections;
	long pending[MAX_PENDING];
	int npending;
} opts;

static const char usage[] =
    "usage: " PROG " --hub BIN --agent BIN --questionnaire FILE [options]\n"
    "\n"
    "  --hub BIN            fieldsync-hub\n"
    "  --agent BIN          fieldsync-agent\n"
    "  --questionnaire FILE schema/examples/friends-and-family.json\n"
    "  --dir DIR            working directory (default: a new one under /tmp);\n"
    "                       must be on the disk to be measured, not tmpfs\n"
    "  --hub-dir DIR        the hub's data directory (default DIR/hub)\n"
    "  --db URI             the hub store in PostgreSQL (postgresql://...; default\n"
    "                       $FIELDSYNC_DB, as the hub; unset: SQLite in the hub's\n"
    "                       data directory). The database must hold no responses\n"
    "  --hub-processes N    N fieldsync-hub serve processes on the --db database,\n"
    "                       each on its own port; each kiosk's syncs go to them in\n"
    "                       turn (1; above 1 needs --db)\n"
    "  --kiosks N           concurrent simulated kiosks (200)\n"
    "  --regions N          regions they are spread over (4)\n"
    "  --rounds N           syncs per kiosk, back to back, all kiosks at once (20)\n"
    "  --paced N            then N more syncs per kiosk at a fixed total rate\n"
    "                       (10; 0: skip)\n"
    "  --pace-fraction F    that rate as a fraction of the saturated one (0.5)\n"
    "  --pace SYNCS_PER_S   that rate, given\n"
    "  --responses N        new responses per push (10)\n"
    "  --edits N            contact field writes per push, 0 or 4..8 (5)\n"
    "  --solo N             syncs of one kiosk alone before the load (100)\n"
    "  --keepalive          reuse each kiosk's connection between its syncs\n"
    "                       (default: a new connection per sync, as kiosks that\n"
    "                       sync every minute have)\n"
    "  --hub-threads N      fieldsync-hub serve --threads (default: the hub's)\n"
    "  --rate-limit N       fieldsync-hub serve --rate-limit (default: the hub's)\n"
    "  --max-connections N  fieldsync-hub serve --max-connections (default: the\n"
    "                       hub's, 256; more kiosks than that at once need more)\n"
    "  --pending N[,N...]   agent part: pending changes per measured sync\n"
    "                       (0,10000,100000)\n"
    "  --agent-run          agent part: measure `fieldsync-agent run` (the daemon with\n"
    "                       its UI) from /proc/PID/smaps_rollup while it sends the\n"
    "                       pending changes and then idles, instead of `sync`\n"
    "  --time BIN           GNU time (/usr/bin/time)\n"
    "  --only load|agent    run one part\n"
    "  --row LABEL          print only one table row for the saturated load\n"
    "                       (variants; implies --only load)\n"
    "  --backend-row LABEL  the same for the storage backends table\n"
    "  --keep               keep DIR\n";

static void parse_pending(opts *o, const char *v)
{
	char *copy = bench_need(strdup(v)), *tok, *save = NULL;

	o->npending = 0;
	for (tok = strtok_r(copy, ",", &save); tok != NULL; tok = strtok_r(NULL, ",", &save)) {
		if (o->npending == MAX_PENDING)
			bench_die("--pending: at most %d sizes", MAX_PENDING);
		o->pending[o->npending++] = (int)bench_long_arg("--pending", tok, 0, 10000000);
	}
	free(copy);
}

static void parse_args(opts *o, int argc, char **argv)
{
	int i;

	memset(o, 0, sizeof(*o));
	o->kiosks = 200;
	o->regions = 4;
	o->rounds = 20;
	o->paced = 10;
	o->pace_fraction = 0.5;
	o->responses = 10;
	o->edits = 5;
	o->solo = 100;
	o->time_bin = "/usr/bin/time";
	o->hub_processes = 1;
	o->db = getenv("FIELDSYNC_DB");
	if (o->db != NULL && o->db[0] == '\0')
		o->db = NULL;
	parse_pending(o, "0,10000,100000");
	for (i = 1; i < argc; i++) {
		const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
		int takes = 1;

		if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
			fputs(usage, stdout);
			exit(0);
		} else if (strcmp(a, "--keep") == 0) {
			o->keep = 1;
			takes = 0;
		} else if (strcmp(a, "--keepalive") == 0) {
			o->keepalive = 1;
			takes = 0;
		} else if (strcmp(a, "--agent-run") == 0) {
			o->agent_daemon = 1;
			takes = 0;
		} else if (v == NULL) {
			bench_die("%s: unknown option or missing value (see --help)", a);
		} else if (strcmp(a, "--hub") == 0) {
			o->hub_bin = v;
		} else if (strcmp(a, "--agent") == 0) {
			o->agent_bin = v;
		} else if (strcmp(a, "--questionnaire") == 0) {
			o->questionnaire = v;
		} else if (strcmp(a, "--dir") == 0) {
			o->dir = v;
		} else if (strcmp(a, "--hub-dir") == 0) {
			o->hub_dir = v;
		} else if (strcmp(a, "--time") == 0) {
			o->time_bin = v;
		} else if (strcmp(a, "--only") == 0) {
			if (strcmp(v, "load") != 0 && strcmp(v, "agent") != 0)
				bench_die("--only load or --only agent");
			o->only = v;
		} else if (strcmp(a, "--kiosks") == 0) {
			o->kiosks = (int)bench_long_arg(a, v, 1, 10000);
		} else if (strcmp(a, "--regions") == 0) {
			o->regions = (int)bench_long_arg(a, v, 1, 1000);
		} else if (strcmp(a, "--rounds") == 0) {
			o->rounds = (int)bench_long_arg(a, v, 1, 100000);
		} else if (strcmp(a, "--paced") == 0) {
			o->paced = (int)bench_long_arg(a, v, 0, 100000);
		} else if (strcmp(a, "--pace") == 0) {
			o->pace = (int)bench_long_arg(a, v, 1, 1000000);
		} else if (strcmp(a, "--pace-fraction") == 0) {
			o->pace_fraction = strtod(v, NULL);
			if (!(o->pace_fraction > 0 && o->pace_fraction <= 10))
				bench_die("--pace-fraction must be above 0");
		} else if (strcmp(a, "--row") == 0) {
			o->row = v;
		} else if (strcmp(a, "--backend-row") == 0) {
			o->backend_row = v;
			o->row = v;
		} else if (strcmp(a, "--db") == 0) {
			o->db = v;
		} else if (strcmp(a, "--hub-processes") == 0) {
			o->hub_processes = (int)bench_long_arg(a, v, 1, MAX_HUBS);
		} else if (strcmp(a, "--max-connections") == 0) {
			o->max_connections = (unsigned)bench_long_arg(a, v, 1, 100000);
		} else if (strcmp(a, "--responses") == 0) {
			o->responses = (int)bench_long_arg(a, v, 0, 10000);
		} else if (strcmp(a, "--edits") == 0) {
			o->edits = (int)bench_long_arg(a, v, 0, 8);
		} else if (strcmp(a, "--solo") == 0) {
			o->solo = (int)bench_long_arg(a, v, 0, 100000);
		} else if (strcmp(a, "--hub-threads") == 0) {
			o->hub_threads = (unsigned)bench_long_arg(a, v, 1, 256);
		} else if (strcmp(a, "--rate-limit") == 0) {
			o->rate_limit = (unsigned)bench_long_arg(a, v, 1, 1000000);
		} else if (strcmp(a, "--pending") == 0) {
			parse_pending(o, v);
		} else {
			bench_die("%s: unknown option (see --help)", a);
		}
		i += takes;
	}
	if (o->hub_bin == NULL || o->agent_bin == NULL || o->questionnaire == NULL)
		bench_die("--hub, --agent and --questionnaire are required (see --help)");
	if (o->edits != 0 && o->edits < 4)
		bench_die("--edits must be 0 or 4..8 (a new contact needs 4 fields)");
	if (o->responses + o->edits == 0)
		bench_die("nothing to push: --responses and --edits are both 0");
	if (o->db != NULL && !fs_pg_location(o->db))
		bench_die("--db (or FIELDSYNC_DB) is not a postgresql:// or postgres:// URI");
	if (o->hub_processes > 1 && o->db == NULL)
		bench_die("--hub-processes above 1 needs --db: one SQLite file, one hub process");
}

/* ---- the hub process ---- */

typedef struct hub {
	pid_t pid;
	char url[128];
	char log[4096];
	char data[4096];
} hub;

/* Start one hub process. With --db the store's URI reaches it as
 * FIELDSYNC_DB (set by main), not on its command line, where ps would show
 * the password. */
static void hub_start(hub *h, const opts *o)
{
	char threads[16], rate[16], conns[16], *argv[20];
	int n = 0, i;
	unsigned port = 0;

	argv[n++] = (char *)o->hub_bin;
	argv[n++] = "serve";
	if (o->db == NULL) {
		argv[n++] = "--data";
		argv[n++] = h->data;
	}
	argv[n++] = "--listen";
	argv[n++] = "127.0.0.1:0";
	argv[n++] = "--console"; /* its default port is one for every hub */
	argv[n++] = "off";
	/* Every simulated kiosk connects from 127.0.0.1, as kiosks behind one
	 * NAT, and reconnects at once after each sync while the hub may not
	 * have reaped its last connection yet: lift the per-source limit. */
	argv[n++] = "--max-per-source";
	argv[n++] = "100000";
	if (o->hub_threads) {
		snprintf(threads, sizeof(threads), "%u", o->hub_threads);
		argv[n++] = "--threads";
		argv[n++] = threads;
	}
	if (o->rate_limit) {
		snprintf(rate, sizeof(rate), "%u", o->rate_limit);
		argv[n++] = "--rate-limit";
		argv[n++] = rate;
	}
	if (o->max_connections) {
		snprintf(conns, sizeof(conns), "%u", o->max_connections);
		argv[n++] = "--max-connections";
		argv[n++] = conns;
	}
	argv[n] = NULL;
	h->pid = spawn(argv, h->log, h->log);
	for (i = 0; i < 400 && port == 0; i++) {
		char *text = bench_slurp(h->log, NULL), *p;

		if (text != NULL && (p = strstr(text, "listening on http://127.0.0.1:")) != NULL)
			port = (unsigned)strtoul(p + strlen("listening on http://127.0.0.1:"), NULL, 10);
		free(text);
		if (port == 0) {
			if (waitpid(h->pid, NULL, WNOHANG) == h->pid)
				bench_die("the hub exited at start; see %s", h->log);
			usleep(25000);
		}
	}
	if (port == 0)
		bench_die("the hub did not say where it listens; see %s", h->log);
	snprintf(h->url, sizeof(h->url), "http://127.0.0.1:%u", port);
}

/* SIGTERM and wait; its exit status. */
static int hub_stop(hub *h)
{
	int status = 0;

	if (h->pid <= 0)
		return 0;
	kill(h->pid, SIGTERM);
	while (waitpid(h->pid, &status, 0) < 0)
		if (errno != EINTR)
			break;
	h->pid = 0;
	return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

static hub *g_hubs; /* killed if we die */
static int g_nhubs;

static void kill_hub_at_exit(void)
{
	int i;

	for (i = 0; g_hubs != NULL && i < g_nhubs; i++)
		if (g_hubs[i].pid > 0)
			kill(g_hubs[i].pid, SIGKILL);
}

/* The hub's store, as the hub opens it (hub/cli.c): the PostgreSQL
 * database db, or DIR/hub.db. */
static fs_store *hub_store_open(const char *data, const char *db)
{
	fs_store_options hub_opts = {NULL, NULL, 1, 0};
	char path[4200];
	fs_store *s = NULL;
	fs_err e = {0, ""};

	if (db != NULL) {
		hub_opts.backend = &fs_pg_backend;
		hub_opts.registry = &fs_pg_registry;
		snprintf(path, sizeof(path), "%s", db);
	} else {
		bench_path_printf(path, sizeof(path), "%s/%s", data, HUB_STORE);
	}
	bench_check(fs_store_open_with(&s, path, &hub_opts, &e), &e, "open the hub store");
	bench_check(fs_store_set_identity(s, HUB_SITE, NULL, &e), &e, "hub identity");
	return s;
}

/* ---- simulated kiosks ---- */

/* Contact fields written by the kiosks: the first four make a contact. */
static const char *const create_fields[] = {"person_ref", "contact_at", "channel", "worker",
                                            "status",     "notes",      "duration_min", "topics"};
static const char *const edit_fields[] = {"notes",  "duration_min",   "follow_up_date", "support",
                                          "topics", "follow_up_done", "status",         "signposted"};
#define NFIELDS_ALL 12
static const char *const all_fields[NFIELDS_ALL] = {
    "person_ref", "contact_at", "channel",        "worker",  "status",         "notes",
    "duration_min", "topics",   "follow_up_date", "support", "follow_up_done", "signposted"};

static const char *const words[] = {
    "the",     "visit",    "was",     "helpful", "staff",    "listened", "and",      "we",
    "talked",  "about",    "housing", "support", "benefits", "forms",    "waiting",  "time",
    "too",     "long",     "but",     "friendly","welcome",  "next",     "week",     "phone",
    "call",    "arranged", "with",    "advice",  "service",  "food",     "bank",     "referral",
    "needs",   "help",     "getting", "to",      "appointments", "bus",  "card",     "a",
    "quiet",   "room",     "would",   "be",      "better",   "thanks",   "for",      "everything"};
#define NWORDS (sizeof(words) / sizeof(words[0]))

/* Words up to about len bytes, trimmed. */
static json_t *text_value(bench_rng *r, long len)
{
	char buf[1100];
	size_t n = 0;

	if (len > 1000)
		len = 1000;
	while ((long)n < len) {
		const char *w = words[bench_rng_next(r) % NWORDS];
		size_t wl = strlen(w);

		if (n + wl + 2 >= sizeof(buf))
			break;
		if (n > 0)
			buf[n++] = ' ';
		memcpy(buf + n, w, wl);
		n += wl;
	}
	buf[n] = '\0';
	return bench_need(json_string(buf));
}

static json_t *pick_list(bench_rng *r, const char *const *items, size_t n, int most)
{
	json_t *a = bench_need(json_array());
	size_t start = bench_rng_next(r) % n;
	int k = (int)bench_rng_range(r, 1, most), i;

	for (i = 0; i < k; i++)
		json_array_append_new(a, json_string(items[(start + (size_t)i) % n]));
	return a;
}

static json_t *field_value(const char *field, bench_rng *r, int kiosk, uint64_t ms)
{
	static const char *const channels[] = {"in_person", "phone", "video", "text", "group"};
	static const char *const topics[] = {"housing", "benefits", "mental-health", "isolation",
	                                     "employment", "debt"};
	static const char *const services[] = {"Citizens Advice", "Community food bank",
	                                       "Talking therapies", "Job centre", "Credit union"};
	char buf[32];

	if (strcmp(field, "person_ref") == 0) {
		snprintf(buf, sizeof(buf), "LD-%04d", kiosk);
		return json_string(buf);
	}
	if (strcmp(field, "contact_at") == 0) {
		bench_rfc3339(buf, ms - (uint64_t)bench_rng_range(r, 3600, 86400) * 1000u);
		return json_string(buf);
	}
	if (strcmp(field, "channel") == 0)
		return json_string(channels[bench_rng_next(r) % 5]);
	if (strcmp(field, "worker") == 0) {
		snprintf(buf, sizeof(buf), "w-%03d", (int)bench_rng_range(r, 1, 40));
		return json_string(buf);
	}
	if (strcmp(field, "status") == 0)
		return json_string(bench_rng_next(r) % 4 ? "open" : "closed");
	if (strcmp(field, "notes") == 0)
		return text_value(r, bench_rng_range(r, 40, 300));
	if (strcmp(field, "support") == 0)
		return text_value(r, bench_rng_range(r, 20, 200));
	if (strcmp(field, "duration_min") == 0)
		return json_integer(bench_rng_range(r, 5, 120));
	if (strcmp(field, "topics") == 0)
		return pick_list(r, topics, 6, 3);
	if (strcmp(field, "signposted") == 0)
		return pick_list(r, services, 5, 2);
	if (strcmp(field, "follow_up_date") == 0) {
		time_t t = (time_t)(ms / 1000) + (time_t)bench_rng_range(r, 7, 30) * 86400;
		struct tm tm;

		gmtime_r(&t, &tm);
		strftime(buf, sizeof(buf), "%Y-%m-%d", &tm);
		return json_string(buf);
	}
	if (strcmp(field, "follow_up_done") == 0)
		return json_boolean(bench_rng_next(r) % 2);
	bench_die("no value for field %s", field);
}

/* A valid response to friends-and-family, submitted just now. */
static json_t *response_body(bench_rng *r, uint64_t ms)
{
	static const char *const overall[] = {"very_good", "good", "neither",
	                                      "poor",      "very_poor", "dont_know"};
	char started[24], submitted[24], worker[16];
	const char *o = overall[bench_rng_next(r) % 6];
	json_t *answers = bench_need(json_pack("{s:s}", "overall", o)), *body;
	int assisted = bench_rng_next(r) % 10 < 3;

	if (bench_rng_next(r) % 2)
		json_object_set_new(answers, "why", text_value(r, bench_rng_range(r, 15, 300)));
	if ((strcmp(o, "poor") == 0 || strcmp(o, "very_poor") == 0) && bench_rng_next(r) % 2)
		json_object_set_new(answers, "follow_up", json_boolean(bench_rng_next(r) % 2));
	bench_rfc3339(submitted, ms - (uint64_t)bench_rng_range(r, 0, 30000));
	bench_rfc3339(started, ms - (uint64_t)bench_rng_range(r, 60000, 600000));
	body = bench_need(json_pack("{s:s, s:i, s:s, s:s, s:s, s:s, s:o}", "questionnaire", QUESTIONNAIRE,
	                      "version", 1, "language", bench_rng_next(r) % 7 ? "en" : "cy", "mode",
	                      assisted ? "assisted" : "self", "started_at", started,
	                      "submitted_at", submitted, "answers", answers));
	if (assisted) {
		snprintf(worker, sizeof(worker), "w-%03d", (int)bench_rng_range(r, 1, 40));
		json_object_set_new(body, "worker", json_string(worker));
	}
	return body;
}

typedef struct push {
	fs_buf gz;               /* the packed change set */
	int64_t to;              /* what the hub must acknowledge */
	size_t changes;
	size_t responses_only_gz; /* the same responses packed without the edits */
} push;

typedef struct sim {
	int index;
	char site[FS_NAME_MAX + 1];
	char region[FS_NAME_MAX + 1];
	char auth[32 + HUB_TOKEN_MAX];
	char contact[FS_UUID_LEN + 1];
	int64_t seq;            /* the kiosk's change counter */
	fs_hlc clock;           /* its last stamp */
	fs_hlc field_hlc[NFIELDS_ALL];
	bench_rng rng;
	push *pushes;
	int npushes;
	/* the run: pushes [first, first + count), every interval_s from
	 * *t0 + offset_s when paced, else back to back; push i goes to hub
	 * process (index + i) % nurls, so every kiosk reaches every process */
	const char *const *urls;
	int nurls;
	int keepalive;
	int first, count;
	double interval_s, offset_s;
	const double *t0;
	pthread_barrier_t *start;
	double *lat_ms; /* per push */
	int64_t cursor;
	long ok, errors, received, more;
	long long up_body, down_body, req_headers, resp_headers;
	double unpack_cpu_s;
	char error[256];
} sim;

static fs_hlc sim_tick(sim *k)
{
	k->clock = fs_hlc_tick(k->clock, bench_wall_ms());
	return k->clock;
}

static int field_index(const char *field)
{
	int i;

	for (i = 0; i < NFIELDS_ALL; i++)
		if (strcmp(all_fields[i], field) == 0)
			return i;
	bench_die("unknown field %s", field);
}

/* Build push number round: responses new responses and edits writes to the
 * kiosk's own contact (created in round 0), stamped now. */
static void build_push(sim *k, int round, int responses, int edits, push *p)
{
	bench_sender me = {k->site, k->region, k->seq};
	fs_changeset cs, only;
	fs_buf tmp;
	uint64_t ms = bench_wall_ms();
	fs_err e = {0, ""};
	int i;

	bench_set_begin(&cs, &me, ms);
	bench_set_begin(&only, &me, ms);
	for (i = 0; i < responses; i++) {
		fs_change c;

		memset(&c, 0, sizeof(c));
		c.table = FS_TABLE_RESPONSES;
		bench_check(fs_uuid_v7(c.id, ms, &e), &e, "uuid");
		c.hlc = sim_tick(k);
		snprintf(c.site, sizeof(c.site), "%s", k->site);
		c.value = response_body(&k->rng, ms);
		json_incref(c.value);
		bench_check(fs_changeset_add(&only, &c, &e), &e, "changeset add");
		bench_set_add(&cs, &me, &c);
	}
	only.to = cs.to;
	if (edits > 0 && round == 0)
		bench_check(fs_uuid_v7(k->contact, ms, &e), &e, "uuid");
	for (i = 0; i < edits; i++) {
		const char *field = round == 0 ? create_fields[i] : edit_fields[(round * edits + i) % 8];
		int fi = field_index(field);
		fs_hlc prev = k->field_hlc[fi]; /* the write this one replaces */

		k->field_hlc[fi] = sim_tick(k);
		bench_add_contact_field(&cs, &me, k->contact, field,
		                        field_value(field, &k->rng, k->index, ms), k->field_hlc[fi],
		                        prev, prev != 0 ? k->site : NULL);
	}
	k->seq = me.seq;
	bench_pack(&p->gz, &cs, GZ_CAP);
	p->to = cs.to;
	p->changes = cs.count;
	p->responses_only_gz = 0;
	if (responses > 0) {
		bench_pack(&tmp, &only, GZ_CAP);
		p->responses_only_gz = tmp.len;
		fs_buf_free(&tmp);
	}
	fs_changeset_free(&cs);
	fs_changeset_free(&only);
}

/* ---- one sync over HTTP ---- */

typedef struct transfer {
	fs_buf body;
	int64_t ack;
	int has_ack;
} transfer;

static size_t on_body(char *data, size_t size, size_t n, void *ctx)
{
	transfer *t = ctx;

	return fs_buf_append(&t->body, data, size * n) == 0 ? size * n : 0;
}

static size_t on_header(char *data, size_t size, size_t n, void *ctx)
{
	transfer *t = ctx;
	size_t len = size * n;
	static const char name[] = "fieldsync-ack:";

	if (len > sizeof(name) && strncasecmp(data, name, sizeof(name) - 1) == 0) {
		char num[32];
		size_t k = len - (sizeof(name) - 1);

		if (k >= sizeof(num))
			k = sizeof(num) - 1;
		memcpy(num, data + sizeof(name) - 1, k);
		num[k] = '\0';
		t->ack = strtoll(num, NULL, 10);
		t->has_ack = 1;
	}
	return len;
}

static void sim_error(sim *k, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void sim_error(sim *k, const char *fmt, ...)
{
	va_list ap;

	k->errors++;
	if (k->error[0] != '\0')
		return;
	va_start(ap, fmt);
	vsnprintf(k->error, sizeof(k->error), fmt, ap);
	va_end(ap);
}

/* Push k->pushes[i], pull the reply; latency into k->lat_ms[i], counted
 * from due (the time it was scheduled, when paced) or from the send. */
static void sim_sync(sim *k, CURL *cu, struct curl_slist *headers, int i, double due)
{
	const push *p = &k->pushes[i];
	transfer t;
	char url[256];
	long status = 0, hdr = 0, req = 0;
	curl_off_t up = 0, down = 0;
	CURLcode code;
	double t0, t1;

	memset(&t, 0, sizeof(t));
	fs_buf_init(&t.body, REPLY_CAP);
	snprintf(url, sizeof(url), "%s/v1/sync?cursor=%" PRId64,
	         k->urls[(k->index + i) % k->nurls], k->cursor);
	curl_easy_setopt(cu, CURLOPT_URL, url);
	curl_easy_setopt(cu, CURLOPT_HTTPHEADER, headers);
	curl_easy_setopt(cu, CURLOPT_POST, 1L);
	curl_easy_setopt(cu, CURLOPT_POSTFIELDS, p->gz.data);
	curl_easy_setopt(cu, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)p->gz.len);
	curl_easy_setopt(cu, CURLOPT_WRITEFUNCTION, on_body);
	curl_easy_setopt(cu, CURLOPT_WRITEDATA, &t);
	curl_easy_setopt(cu, CURLOPT_HEADERFUNCTION, on_header);
	curl_easy_setopt(cu, CURLOPT_HEADERDATA, &t);
	t0 = bench_mono_s();
	code = curl_easy_perform(cu);
	t1 = bench_mono_s();
	k->lat_ms[i] = (t1 - (due > 0 && due < t0 ? due : t0)) * 1e3;
	curl_easy_getinfo(cu, CURLINFO_RESPONSE_CODE, &status);
	curl_easy_getinfo(cu, CURLINFO_SIZE_UPLOAD_T, &up);
	curl_easy_getinfo(cu, CURLINFO_SIZE_DOWNLOAD_T, &down);
	curl_easy_getinfo(cu, CURLINFO_HEADER_SIZE, &hdr);
	curl_easy_getinfo(cu, CURLINFO_REQUEST_SIZE, &req);
	k->up_body += up;
	k->down_body += down;
	k->resp_headers += hdr;
	/* REQUEST_SIZE counts a small POST body sent with the headers too. */
	k->req_headers += req > up ? req - up : req;
	if (code != CURLE_OK) {
		sim_error(k, "sync %d: %s", i, curl_easy_strerror(code));
	} else if (status != 200) {
		sim_error(k, "sync %d: HTTP %ld: %.160s", i, status, t.body.data ? t.body.data : "");
	} else {
		/* The reply half of the agent's round (fs_sync_round); these
		 * kiosks keep no store, so nothing is recorded or merged. */
		fs_sync_answer a = {t.has_ack, t.ack, t.body.data, t.body.len};
		fs_codec_limits lim;
		fs_changeset down_cs;
		fs_err e = {0, ""};
		double u0 = bench_thread_cpu_s();
		int rc;

		fs_codec_limits_default(&lim);
		fs_changeset_init(&down_cs);
		rc = fs_sync_answer_check(&a, p->to, &e);
		if (rc == 0)
			rc = fs_sync_reply_unpack(&down_cs, &a, k->cursor, &lim, &e);
		k->unpack_cpu_s += bench_thread_cpu_s() - u0;
		if (rc != 0) {
			sim_error(k, "sync %d: reply: %s", i, e.msg);
		} else if (strcmp(down_cs.site, HUB_SITE) != 0) {
			sim_error(k, "sync %d: reply from %s, not the hub", i, down_cs.site);
		} else {
			k->ok++;
			k->received += (long)down_cs.count;
			k->more += down_cs.more != 0;
			k->cursor = down_cs.to;
		}
		fs_changeset_free(&down_cs);
	}
	fs_buf_free(&t.body);
}

static void *sim_main(void *arg)
{
	sim *k = arg;
	CURL *cu = curl_easy_init();
	struct curl_slist *h = NULL;
	int i;

	if (cu == NULL)
		bench_die("curl_easy_init failed");
	/* The agent's headers (agent/client.c). */
	h = curl_slist_append(h, "Content-Type: " CHANGESET_CT);
	h = curl_slist_append(h, "Content-Encoding: gzip");
	h = curl_slist_append(h, "Accept-Encoding: gzip");
	h = curl_slist_append(h, "Expect:");
	h = curl_slist_append(h, k->auth);
	curl_easy_setopt(cu, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(cu, CURLOPT_USERAGENT, "fieldsync-agent/0.1.0");
	curl_easy_setopt(cu, CURLOPT_CONNECTTIMEOUT, 10L);
	curl_easy_setopt(cu, CURLOPT_TIMEOUT, 120L);
	curl_easy_setopt(cu, CURLOPT_TCP_KEEPALIVE, 1L);
	if (!k->keepalive) {
		curl_easy_setopt(cu, CURLOPT_FRESH_CONNECT, 1L);
		curl_easy_setopt(cu, CURLOPT_FORBID_REUSE, 1L);
	}
	pthread_barrier_wait(k->start);
	for (i = k->first; i < k->first + k->count; i++) {
		double due = 0;

		if (k->interval_s > 0) {
			double now = bench_mono_s();

			due = *k->t0 + k->offset_s + (i - k->first) * k->interval_s;
			if (due > now) {
				struct timespec ts;

				ts.tv_sec = (time_t)(due - now);
				ts.tv_nsec = (long)((due - now - (double)ts.tv_sec) * 1e9);
				nanosleep(&ts, NULL);
			}
		}
		sim_sync(k, cu, h, i, due);
	}
	curl_slist_free_all(h);
	curl_easy_cleanup(cu);
	return NULL;
}

/* ---- load ---- */

typedef struct load_result {
	int kiosks, rounds;
	double pace; /* target syncs/s, 0: back to back */
	long syncs, ok, errors, pushed_changes, pushed_responses, received, more;
	double wall_s, p50, p90, p99, max, mean;
	double srv_p50, srv_p90, srv_p99; /* from the hub's log, ms */
	long srv_n;
	long long up_body, down_body, req_headers, resp_headers, responses_only_gz;
	double client_cpu_s, unpack_cpu_s, hub_user_s, hub_sys_s;
	long long hub_write_bytes, hub_syscw;
	disk_sample d0, d1;
	double others_s; /* CPU used by other processes meanwhile, or -1 */
	double pg_cpu_s; /* the PostgreSQL server's processes, or -1 */
	double load1;    /* the 1-minute load average when the run started */
	int nhubs;
	char pg_waits[1024]; /* what the server's backends did (bench_pg_waits) */
	char first_error[384];
} load_result;

/* Milliseconds of the hubs' 200 sync lines in their logs after offset[i]. */
static void server_latency(const hub *h, int nh, const size_t *offset, load_result *r)
{
	size_t n = 0, alloc = 0;
	double *v = NULL;
	int i;

	for (i = 0; i < nh; i++) {
		size_t len = 0;
		char *text = bench_slurp(h[i].log, &len), *line, *save = NULL;

		if (text == NULL || offset[i] > len) {
			free(text);
			continue;
		}
		for (line = strtok_r(text + offset[i], "\n", &save); line != NULL;
		     line = strtok_r(NULL, "\n", &save)) {
			char *p = strstr(line, " POST /v1/sync"), *ms;

			if (p == NULL || strstr(p, " 200 in=") == NULL ||
			    (ms = strrchr(p, ' ')) == NULL)
				continue;
			if (n == alloc) {
				alloc = alloc ? alloc * 2 : 4096;
				v = bench_need(realloc(v, alloc * sizeof(*v)));
			}
			v[n++] = strtod(ms + 1, NULL);
		}
		free(text);
	}
	if (n > 0) {
		bench_sort(v, n);
		r->srv_p50 = bench_pct(v, n, 50);
		r->srv_p90 = bench_pct(v, n, 90);
		r->srv_p99 = bench_pct(v, n, 99);
	}
	r->srv_n = (long)n;
	free(v);
}

static void sim_setup_run(sim *k, const char *const *urls, int nurls, int keepalive)
{
	k->urls = urls;
	k->nurls = nurls;
	k->keepalive = keepalive;
	k->lat_ms = bench_need(calloc((size_t)k->npushes, sizeof(double)));
}

/* Pushes [first, first + count) of sims [0, n) at once: back to back when
 * pace is 0, else each kiosk every n / pace seconds, the kiosks' schedules
 * spread evenly over the interval (an open loop: latency counts from when a
 * sync was due). Summarised into r. */
static double load_average(void)
{
	char *text = bench_slurp("/proc/loadavg", NULL);
	double v = text != NULL ? strtod(text, NULL) : -1;

	free(text);
	return v;
}

/* The hub processes together: CPU, write bytes and calls summed. */
static void hubs_read(const hub *h, int nh, proc_sample *out)
{
	proc_sample one;
	int i;

	memset(out, 0, sizeof(*out));
	for (i = 0; i < nh; i++) {
		proc_read(h[i].pid, &one);
		out->cpu_user_s += one.cpu_user_s;
		out->cpu_sys_s += one.cpu_sys_s;
		out->write_bytes += one.write_bytes;
		out->syscw += one.syscw;
		out->vm_hwm_kb = one.vm_hwm_kb > out->vm_hwm_kb ? one.vm_hwm_kb : out->vm_hwm_kb;
		out->vm_rss_kb += one.vm_rss_kb;
		out->threads += one.threads;
	}
}

static pid_t g_postmaster; /* the PostgreSQL server's, or 0 */
static const char *g_db;   /* --db */

static void run_load(sim *sims, int n, int first, int count, double pace, hub *h, int nh,
                     load_result *r)
{
	pthread_t *th = bench_need(calloc((size_t)n, sizeof(*th)));
	pthread_barrier_t start;
	pthread_attr_t attr;
	proc_sample p0, p1;
	double t0, cpu0, busy0, pg0;
	size_t log_off[MAX_HUBS] = {0}, total = 0, j;
	struct stat st;
	double *all;
	bench_pg_waits *waits;
	int i;

	memset(r, 0, sizeof(*r));
	r->nhubs = nh;
	r->load1 = load_average();
	r->kiosks = n;
	r->rounds = count;
	r->pace = pace;
	pthread_barrier_init(&start, NULL, (unsigned)n + 1);
	pthread_attr_init(&attr);
	pthread_attr_setstacksize(&attr, 1u << 20);
	for (i = 0; i < n; i++) {
		sim *k = &sims[i];

		k->start = &start;
		k->first = first;
		k->count = count;
		k->interval_s = pace > 0 ? (double)n / pace : 0;
		k->offset_s = pace > 0 ? k->interval_s * i / n : 0;
		k->t0 = &t0;
		k->ok = k->errors = k->received = k->more = 0;
		k->up_body = k->down_body = k->req_headers = k->resp_headers = 0;
		k->unpack_cpu_s = 0;
		k->error[0] = '\0';
		if (pthread_create(&th[i], &attr, sim_main, k) != 0)
			bench_die("pthread_create: %s", strerror(errno));
	}
	for (i = 0; i < nh; i++)
		if (stat(h[i].log, &st) == 0)
			log_off[i] = (size_t)st.st_size;
	hubs_read(h, nh, &p0);
	pg0 = bench_pg_cpu_s(g_postmaster);
	waits = g_db != NULL ? bench_pg_waits_start(g_db, 20) : NULL;
	disk_read(h->data, &r->d0);
	busy0 = machine_busy_s();
	cpu0 = bench_self_cpu_s();
	t0 = bench_mono_s() + 0.01; /* the paced schedules start here */
	pthread_barrier_wait(&start);
	for (i = 0; i < n; i++)
		pthread_join(th[i], NULL);
	r->wall_s = bench_mono_s() - t0;
	r->client_cpu_s = bench_self_cpu_s() - cpu0;
	r->others_s = machine_busy_s();
	if (waits != NULL)
		bench_pg_waits_stop(waits, r->pg_waits, sizeof(r->pg_waits));
	r->pg_cpu_s = bench_pg_cpu_s(g_postmaster);
	disk_read(h->data, &r->d1);
	hubs_read(h, nh, &p1);
	r->hub_user_s = p1.cpu_user_s - p0.cpu_user_s;
	r->hub_sys_s = p1.cpu_sys_s - p0.cpu_sys_s;
	r->pg_cpu_s = pg0 >= 0 && r->pg_cpu_s >= 0 ? r->pg_cpu_s - pg0 : -1;
	if (busy0 >= 0 && r->others_s >= 0) {
		r->others_s -= busy0 + r->client_cpu_s + r->hub_user_s + r->hub_sys_s +
		               (r->pg_cpu_s > 0 ? r->pg_cpu_s : 0);
		if (r->others_s < 0)
			r->others_s = 0;
	}
	r->hub_write_bytes = p1.write_bytes - p0.write_bytes;
	r->hub_syscw = p1.syscw - p0.syscw;
	pthread_barrier_destroy(&start);
	pthread_attr_destroy(&attr);
	free(th);

	all = bench_need(calloc((size_t)n * (size_t)count, sizeof(double)));
	for (i = 0; i < n; i++) {
		sim *k = &sims[i];
		int q;

		for (q = first; q < first + count; q++) {
			all[total++] = k->lat_ms[q];
			r->pushed_changes += (long)k->pushes[q].changes;
			r->responses_only_gz += (long long)k->pushes[q].responses_only_gz;
		}
		r->syncs += count;
		r->ok += k->ok;
		r->errors += k->errors;
		r->received += k->received;
		r->more += k->more;
		r->up_body += k->up_body;
		r->down_body += k->down_body;
		r->req_headers += k->req_headers;
		r->resp_headers += k->resp_headers;
		r->unpack_cpu_s += k->unpack_cpu_s;
		if (k->error[0] != '\0' && r->first_error[0] == '\0')
			snprintf(r->first_error, sizeof(r->first_error), "%s: %s", k->site, k->error);
	}
	bench_sort(all, total);
	r->p50 = bench_pct(all, total, 50);
	r->p90 = bench_pct(all, total, 90);
	r->p99 = bench_pct(all, total, 99);
	r->max = total ? all[total - 1] : 0;
	for (j = 0; j < total; j++)
		r->mean += all[j] / (double)total;
	free(all);
	server_latency(h, nh, log_off, r);
}

/* Devices straight into the hub's store (the hub is not running yet):
 * an enrollment code made and redeemed for each, as POST /v1/enroll does. */
static void create_devices(const char *data, const char *db, sim *sims, int n, int regions,
                           double *secs)
{
	fs_store *s = hub_store_open(data, db);
	double t0 = bench_mono_s();
	fs_store_counts before;
	fs_err e0 = {0, ""};
	int i;

	/* The final check counts every response in the store. */
	bench_check(fs_store_count(s, &before, &e0), &e0, "count");
	if (before.responses != 0)
		bench_die("the hub store already holds %ld responses: give an empty database",
		          before.responses);

	for (i = 0; i < n; i++) {
		char code[HUB_ENROLL_CODE_LEN + 1], token[HUB_TOKEN_MAX + 1], name[32], region[32];
		hub_device dev;
		fs_err e = {0, ""};

		snprintf(region, sizeof(region), "region-%d", i % regions);
		snprintf(name, sizeof(name), "bench-kiosk-%d", i);
		bench_check(hub_enroll_code_create(s, code, region, 3600 * 1000u, &e), &e, "enroll code");
		bench_check(hub_enroll_redeem(s, &dev, token, code, name, &e), &e, "enroll redeem");
		snprintf(sims[i].site, sizeof(sims[i].site), "%s", dev.site);
		snprintf(sims[i].region, sizeof(sims[i].region), "%s", dev.region);
		snprintf(sims[i].auth, sizeof(sims[i].auth), "Authorization: Bearer %s", token);
		sims[i].index = i;
		sims[i].rng.s = UINT64_C(0x9e3779b97f4a7c15) ^ (uint64_t)(i + 1) * UINT64_C(0x100000001b3);
	}
	*secs = bench_mono_s() - t0;
	fs_store_close(s);
}

static void build_pushes(sim *k, int rounds, const opts *o)
{
	int r;

	k->npushes = rounds;
	k->pushes = bench_need(calloc((size_t)rounds, sizeof(push)));
	for (r = 0; r < rounds; r++)
		build_push(k, r, o->responses, o->edits, &k->pushes[r]);
}

static void free_sim(sim *k)
{
	int r;

	for (r = 0; r < k->npushes; r++)
		fs_buf_free(&k->pushes[r].gz);
	free(k->pushes);
	free(k->lat_ms);
}

/* ---- agent ---- */

typedef struct agent_result {
	long pending, sent, received, rounds;
	int exit_code;
	double fill_s, wall_s, user_s, sys_s;
	long max_rss_kb;
	/* --agent-run: smaps_rollup at the largest Rss seen while sending, and
	 * after IDLE_S idle (kB) */
	long peak_rss_kb, peak_anon_kb, idle_rss_kb, idle_anon_kb, idle_hwm_kb;
	long long hub_write_bytes;
	double hub_cpu_s;
	char error[256];
} agent_result;

/* Trimmed first line of a file. */
static void first_line(char *out, size_t n, const char *path)
{
	char *text = bench_slurp(path, NULL);
	size_t len;

	out[0] = '\0';
	if (text == NULL)
		return;
	len = strcspn(text, "\r\n");
	if (len >= n)
		len = n - 1;
	memcpy(out, text, len);
	out[len] = '\0';
	free(text);
}

/* n own responses written straight into the kiosk's store, FILL_BATCH per
 * transaction (fs_merge_apply writes the rows fs_response_add would, with
 * one fsync per batch instead of one per response). */
static void fill_pending(const char *kdir, long n, double *secs)
{
	char path[4200];
	fs_store *s = NULL;
	fs_err e = {0, ""};
	bench_rng r = {UINT64_C(0x5eed5eed5eed5eed) ^ (uint64_t)n};
	uint64_t base;
	double t0 = bench_mono_s();
	long done = 0;
	fs_hlc clock = 0;

	bench_path_printf(path, sizeof(path), "%s/kiosk.db", kdir);
	bench_check(fs_store_open(&s, path, &e), &e, "open the kiosk store");
	base = bench_wall_ms() - 120000; /* stamps over the last two minutes */
	while (done < n) {
		fs_changeset cs;
		fs_merge_result res;
		long batch = n - done < FILL_BATCH ? n - done : FILL_BATCH, i;

		fs_changeset_init(&cs);
		snprintf(cs.site, sizeof(cs.site), "%s", fs_store_site(s));
		cs.time_ms = bench_wall_ms();
		for (i = 0; i < batch; i++) {
			uint64_t ms = base + (uint64_t)((done + i) * 100000 / (n > 0 ? n : 1));
			fs_change c;

			memset(&c, 0, sizeof(c));
			c.table = FS_TABLE_RESPONSES;
			bench_check(fs_uuid_v7(c.id, ms, &e), &e, "uuid");
			clock = fs_hlc_tick(clock, ms);
			c.hlc = clock;
			snprintf(c.site, sizeof(c.site), "%s", fs_store_site(s));
			c.value = response_body(&r, ms);
			bench_check(fs_changeset_add(&cs, &c, &e), &e, "changeset add");
		}
		bench_check(fs_merge_apply(s, &cs, NULL, &res, &e), &e, "fill the kiosk store");
		if (res.applied != batch || res.quarantined != 0)
			bench_die("fill: %ld applied, %ld quarantined of %ld", res.applied, res.quarantined,
			    batch);
		fs_changeset_free(&cs);
		done += batch;
	}
	fs_store_close(s);
	*secs = bench_mono_s() - t0;
}

static double elapsed_field(const char *text)
{
	/* "Elapsed (wall clock) time (h:mm:ss or m:ss): 0:01.23" */
	const char *p = strstr(text, "Elapsed (wall clock) time");
	double parts[3] = {0, 0, 0}, v = 0;
	int n = 0;

	if (p == NULL || (p = strstr(p, "): ")) == NULL)
		return 0;
	p += 3;
	while (n < 3) {
		char *end;

		parts[n++] = strtod(p, &end);
		if (*end != ':')
			break;
		p = end + 1;
	}
	for (int i = 0; i < n; i++)
		v = v * 60 + parts[i];
	return v;
}

static double num_after(const char *text, const char *label)
{
	const char *p = strstr(text, label);

	return p ? strtod(p + strlen(label), NULL) : -1;
}

/* Rss and Anonymous (kB) from /proc/PID/smaps_rollup; 0 when gone. */
static void rollup_read(pid_t pid, long *rss_kb, long *anon_kb)
{
	char path[64], *text;

	*rss_kb = *anon_kb = 0;
	bench_path_printf(path, sizeof(path), "/proc/%d/smaps_rollup", (int)pid);
	if ((text = bench_slurp(path, NULL)) == NULL)
		return;
	*rss_kb = (long)num_after(text, "\nRss:");
	*anon_kb = (long)num_after(text, "\nAnonymous:");
	free(text);
}

#define AGENT_IDLE_S 5 /* --agent-run: idle time measured after the sync */

/* --agent-run: `fieldsync-agent run` with its UI; its first sync sends the
 * pending changes. smaps_rollup is sampled every 20 ms until the log says
 * the sync is done, then after AGENT_IDLE_S s of idling; VmHWM at the end
 * is the peak of the whole run. */
static void agent_daemon_measure(const opts *o, const char *kdir, const char *err,
                                 agent_result *r)
{
	char *argv[] = {(char *)o->agent_bin, "run", "--data", (char *)kdir, "--ui-listen",
	                "127.0.0.1:0", "--sync-interval", "3600", NULL};
	char path[64], *text, *line;
	double t0 = bench_mono_s(), done_at = 0;
	unsigned long long ms = 0;
	pid_t pid;
	int status;

	unlink(err);
	pid = spawn(argv, NULL, err);
	for (;;) {
		struct timespec ts = {0, 20 * 1000 * 1000};
		long rss, anon;

		/* Until exec, the child is a copy of this benchmark. */
		bench_path_printf(path, sizeof(path), "/proc/%d/comm", (int)pid);
		text = bench_slurp(path, NULL);
		rss = anon = 0;
		if (text != NULL && strncmp(text, "fieldsync-agent", 15) == 0)
			rollup_read(pid, &rss, &anon);
		free(text);
		if (rss > r->peak_rss_kb) {
			r->peak_rss_kb = rss;
			r->peak_anon_kb = anon;
		}
		if (done_at == 0 && (text = bench_slurp(err, NULL)) != NULL) {
			if ((line = strstr(text, "sync ok: sent ")) != NULL &&
			    sscanf(line, "sync ok: sent %ld, received %ld change(s) in %ld round(s), %llu ms",
			           &r->sent, &r->received, &r->rounds, &ms) == 4) {
				done_at = bench_mono_s();
				r->wall_s = (double)ms / 1e3;
			} else if ((line = strstr(text, "sync failed")) != NULL) {
				snprintf(r->error, sizeof(r->error), "%.200s", line);
			}
			free(text);
		}
		if (r->error[0] != '\0' || waitpid(pid, &status, WNOHANG) == pid) {
			if (r->error[0] == '\0')
				snprintf(r->error, sizeof(r->error), "the agent exited early");
			break;
		}
		if (done_at > 0 && bench_mono_s() - done_at >= AGENT_IDLE_S)
			break;
		if (bench_mono_s() - t0 > 900) {
			snprintf(r->error, sizeof(r->error), "no sync done in 900 s");
			break;
		}
		nanosleep(&ts, NULL);
	}
	rollup_read(pid, &r->idle_rss_kb, &r->idle_anon_kb);
	bench_path_printf(path, sizeof(path), "/proc/%d/status", (int)pid);
	if ((text = bench_slurp(path, NULL)) != NULL) {
		r->idle_hwm_kb = (long)num_after(text, "VmHWM:");
		free(text);
	}
	r->max_rss_kb = r->idle_hwm_kb;
	kill(pid, SIGTERM);
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	r->exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

static void agent_run(const opts *o, hub *h, const char *work, long pending, agent_result *r)
{
	char kdir[4200], out[4300], err[4300], tout[4300], code[64], name[32], tmp[4300];
	char *text;
	proc_sample p0, p1;
	int use_time = access(o->time_bin, X_OK) == 0;

	memset(r, 0, sizeof(*r));
	r->pending = pending;
	bench_path_printf(kdir, sizeof(kdir), "%s/kiosk-pending-%ld", work, pending);
	bench_path_printf(out, sizeof(out), "%s.out", kdir);
	bench_path_printf(err, sizeof(err), "%s.err", kdir);
	bench_path_printf(tout, sizeof(tout), "%s.time", kdir);
	bench_path_printf(tmp, sizeof(tmp), "%s.code", kdir);
	snprintf(name, sizeof(name), "pending-%ld", pending);
	{
		char *argv[] = {(char *)o->hub_bin, "enroll", "--data", h->data, "--region",
		                "region-0", NULL};

		run_or_die(argv, tmp, err);
		first_line(code, sizeof(code), tmp);
	}
	{
		char *argv[] = {(char *)o->agent_bin, "init", "--data", kdir, "--hub", h->url,
		                "--code", code, "--name", name, NULL};

		run_or_die(argv, out, err);
	}
	{
		/* The questionnaire and region-0's contacts come down first. */
		char *argv[] = {(char *)o->agent_bin, "sync", "--data", kdir, NULL};

		run_or_die(argv, out, err);
	}
	fill_pending(kdir, pending, &r->fill_s);
	unlink(out);
	proc_read(h->pid, &p0);
	if (o->agent_daemon)
		agent_daemon_measure(o, kdir, err, r);
	else {
		char *targv[] = {(char *)o->time_bin, "-v", "-o", tout, (char *)o->agent_bin,
		                 "sync",             "--data", kdir, NULL};
		char *aargv[] = {(char *)o->agent_bin, "sync", "--data", kdir, NULL};
		struct rusage ru;
		int status;
		double t0 = bench_mono_s();
		pid_t pid = spawn(use_time ? targv : aargv, out, err);

		while (wait4(pid, &status, 0, &ru) < 0)
			if (errno != EINTR)
				bench_die("wait4: %s", strerror(errno));
		r->wall_s = bench_mono_s() - t0;
		r->exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
		r->user_s = (double)ru.ru_utime.tv_sec + (double)ru.ru_utime.tv_usec / 1e6;
		r->sys_s = (double)ru.ru_stime.tv_sec + (double)ru.ru_stime.tv_usec / 1e6;
		r->max_rss_kb = ru.ru_maxrss;
	}
	proc_read(h->pid, &p1);
	r->hub_write_bytes = p1.write_bytes - p0.write_bytes;
	r->hub_cpu_s = p1.cpu_user_s + p1.cpu_sys_s - p0.cpu_user_s - p0.cpu_sys_s;
	if (r->hub_cpu_s < 0)
		r->hub_cpu_s = 0;
	if (o->agent_daemon) {
		if (r->error[0] == '\0' && (r->exit_code != 0 || r->sent != pending))
			snprintf(r->error, sizeof(r->error), "exit %d, sent %ld of %ld", r->exit_code,
			         r->sent, pending);
		return;
	}
	if (use_time && (text = bench_slurp(tout, NULL)) != NULL) {
		double v = num_after(text, "Maximum resident set size (kbytes): ");

		if (v >= 0)
			r->max_rss_kb = (long)v;
		if ((v = elapsed_field(text)) > 0)
			r->wall_s = v;
		if ((v = num_after(text, "User time (seconds): ")) >= 0)
			r->user_s = v;
		if ((v = num_after(text, "System time (seconds): ")) >= 0)
			r->sys_s = v;
		free(text);
	}
	text = bench_slurp(out, NULL);
	if (text == NULL || sscanf(text, "in sync: sent %ld, received %ld change(s) in %ld round(s)",
	                           &r->sent, &r->received, &r->rounds) != 3)
		r->sent = r->received = r->rounds = -1;
	free(text);
	if (r->exit_code != 0 || r->sent != pending) {
		text = bench_slurp(err, NULL);
		snprintf(r->error, sizeof(r->error), "exit %d, sent %ld of %ld: %.160s", r->exit_code,
		         r->sent, pending, text ? text : "");
		free(text);
	}
}

/* ---- report ---- */

static void print_machine(const opts *o, const char *hub_data, const bench_fsync *fp,
                          const char *pg_about)
{
	struct utsname u;
	char *cpu = bench_slurp("/proc/cpuinfo", NULL), *p, model[128] = "?";
	long mem_kb = 0;
	char *mi = bench_slurp("/proc/meminfo", NULL);
	disk_sample d;

	if (cpu != NULL && (p = strstr(cpu, "model name")) != NULL && (p = strchr(p, ':')) != NULL)
		sscanf(p + 1, " %127[^\n]", model);
	if (mi != NULL && (p = strstr(mi, "MemTotal:")) != NULL)
		mem_kb = strtol(p + 9, NULL, 10);
	uname(&u);
	disk_read(hub_data, &d);
	printf("- machine: %s, %ld online CPUs shared by the hub%s, the load generator%s, "
	       "%.1f GiB RAM, Linux %s\n",
	       model, sysconf(_SC_NPROCESSORS_ONLN), o->hub_processes > 1 ? " processes" : "",
	       o->db != NULL ? " and PostgreSQL" : "", (double)mem_kb / 1048576.0, u.release);
	if (o->db != NULL)
		printf("- hub store: PostgreSQL (%s), %d hub process(es) on it; write(4 KiB) + "
		       "fdatasync in %s (%s): median %.2f ms, p99 %.2f ms\n",
		       pg_about, o->hub_processes, hub_data, fs_type_name(hub_data), fp->median_ms,
		       fp->p99_ms);
	else
		printf("- hub store: %s/" HUB_STORE " on %s%s%s; write(4 KiB) + fdatasync there: "
		       "median %.2f ms, p99 %.2f ms\n",
		       hub_data, fs_type_name(hub_data), d.found ? ", device " : "",
		       d.found ? d.name : "", fp->median_ms, fp->p99_ms);
	printf("- libcurl %s; hub --threads %s, --rate-limit %s, --max-connections %s; %s\n",
	       curl_version_info(CURLVERSION_NOW)->version,
	       o->hub_threads ? "set" : "default (4)",
	       o->rate_limit ? "set" : "default (120 per device per minute)",
	       o->max_connections ? "set" : "default (256)",
	       o->keepalive ? "each kiosk reuses its connection"
	                    : "a new TCP connection per sync");
	printf("- each push: %d new responses + %d contact field writes (%d changes)\n\n",
	       o->responses, o->edits, o->responses + o->edits);
	free(cpu);
	free(mi);
}

#define NCOL 3
#define CELL 128

typedef void (*cell_fn)(char out[CELL], const load_result *r);

static int g_responses; /* per push, for the per-response rows */

static double syncs_of(const load_result *r) { return (double)r->syncs; }
static double resp_of(const load_result *r) { return (double)r->syncs * g_responses; }

static void c_syncs(char o[CELL], const load_result *r)
{
	snprintf(o, CELL, "%ld (%ld / **%ld**)", r->syncs, r->ok, r->errors);
}
static void c_wall(char o[CELL], const load_result *r)
{
	snprintf(o, CELL, "%.2f", r->wall_s);
}
static void c_rate(char o[CELL], const load_result *r)
{
	snprintf(o, CELL, "**%.0f**", syncs_of(r) / r->wall_s);
}
static void c_merged(char o[CELL], const load_result *r)
{
	snprintf(o, CELL, "**%.0f** (%.0f)", (double)r->pushed_changes / r->wall_s,
	         resp_of(r) / r->wall_s);
}
static void c_pulled(char o[CELL], const load_result *r)
{
	snprintf(o, CELL, "%.0f (%.1f)", (double)r->received / r->wall_s,
	         (double)r->received / syncs_of(r));
}
static void c_lat(char o[CELL], const load_result *r)
{
	snprintf(o, CELL, "**%.1f / %.1f / %.1f** / %.1f", r->p50, r->p90, r->p99, r->max);
}
static void c_srv(char o[CELL], const load_result *r)
{
	snprintf(o, CELL, "%.0f / %.0f / %.0f", r->srv_p50, r->srv_p90, r->srv_p99);
}
static void c_body(char o[CELL], const load_result *r)
{
	snprintf(o, CELL, "%.0f, %.0f", (double)r->up_body / syncs_of(r),
	         (double)r->up_body / (double)r->pushed_changes);
}
static void c_per_resp(char o[CELL], const load_result *r)
{
	double wire = (double)(r->up_body + r->down_body + r->req_headers + r->resp_headers);

	snprintf(o, CELL, "**%.0f**; %.0f; %.0f", (double)r->up_body / resp_of(r),
	         (double)r->responses_only_gz / resp_of(r), wire / resp_of(r));
}
static void c_down(char o[CELL], const load_result *r)
{
	snprintf(o, CELL, "%.0f / %.0f / %.0f", (double)r->down_body / syncs_of(r),
	         (double)r->req_headers / syncs_of(r), (double)r->resp_headers / syncs_of(r));
}
static void c_hub_cpu(char o[CELL], const load_result *r)
{
	double cpu = r->hub_user_s + r->hub_sys_s;

	snprintf(o, CELL, "%.2f (%.0f %%), %.0f %%", 1e3 * cpu / syncs_of(r),
	         cpu > 0 ? 100.0 * r->hub_sys_s / cpu : 0.0, 100.0 * cpu / r->wall_s);
}
static void c_client(char o[CELL], const load_result *r)
{
	snprintf(o, CELL, "%.0f %% (%.2f)", 100.0 * r->client_cpu_s / r->wall_s,
	         1e3 * r->unpack_cpu_s / syncs_of(r));
}
static void c_pg(char o[CELL], const load_result *r)
{
	if (r->pg_cpu_s < 0)
		snprintf(o, CELL, "n/a");
	else
		snprintf(o, CELL, "%.2f, %.0f %%", 1e3 * r->pg_cpu_s / syncs_of(r),
		         100.0 * r->pg_cpu_s / r->wall_s);
}
static void c_waits(char o[CELL], const load_result *r)
{
	snprintf(o, CELL, "%.*s", CELL - 1, r->pg_waits);
}
static void c_others(char o[CELL], const load_result *r)
{
	if (r->others_s < 0 || r->wall_s < 1)
		snprintf(o, CELL, "n/a (too short to tell)");
	else
		snprintf(o, CELL, "%.0f %%%s", 100.0 * r->others_s / r->wall_s,
		         r->others_s / r->wall_s > 0.05 ? " **(not quiet)**" : "");
}
static void c_io(char o[CELL], const load_result *r)
{
	snprintf(o, CELL, "%.1f, %.1f", (double)r->hub_write_bytes / 1024.0 / syncs_of(r),
	         (double)r->hub_syscw / syncs_of(r));
}
static void c_flush(char o[CELL], const load_result *r)
{
	long long fl = r->d1.flushes - r->d0.flushes;

	if (!r->d0.found) {
		snprintf(o, CELL, "n/a (no block device)");
		return;
	}
	snprintf(o, CELL, "%.2f (%.2f), %.2f", (double)fl / syncs_of(r),
	         fl > 0 ? (double)(r->d1.flush_ms - r->d0.flush_ms) / (double)fl : 0.0,
	         (double)(r->d1.writes - r->d0.writes) / syncs_of(r));
}

static void row(const char *label, const load_result *const *rs, int n, cell_fn f)
{
	char cell[CELL];
	int i;

	printf("| %s |", label);
	for (i = 0; i < n; i++) {
		f(cell, rs[i]);
		printf(" %s |", cell);
	}
	printf("\n");
}

static void print_loads(const load_result *const *rs, const char *const *titles, int n)
{
	int i;

	printf("| |");
	for (i = 0; i < n; i++)
		printf(" %s |", titles[i]);
	printf("\n|---|");
	for (i = 0; i < n; i++)
		printf("---|");
	printf("\n| kiosks x syncs each |");
	for (i = 0; i < n; i++)
		printf(" %d x %d |", rs[i]->kiosks, rs[i]->rounds);
	printf("\n| offered load |");
	for (i = 0; i < n; i++) {
		if (rs[i]->pace > 0)
			printf(" paced: %.0f syncs/s |", rs[i]->pace);
		else if (rs[i]->kiosks == 1)
			printf(" one sync after another |");
		else
			printf(" closed loop: each kiosk syncs again at once |");
	}
	printf("\n");
	row("syncs (ok / **errors**)", rs, n, c_syncs);
	row("wall time (s)", rs, n, c_wall);
	row("**syncs/s**", rs, n, c_rate);
	row("**merged changes/s** (of which responses/s)", rs, n, c_merged);
	row("pulled changes/s (changes per reply)", rs, n, c_pulled);
	row("**sync latency p50 / p90 / p99** / max (ms, client)", rs, n, c_lat);
	row("time inside the hub p50 / p90 / p99 (ms, its log)", rs, n, c_srv);
	row("request body (gzip change set): B/sync, B/change", rs, n, c_body);
	if (g_responses > 0)
		row("**bytes per response**: request body / responses; a responses-only set; "
		    "everything (both bodies and all headers) / responses",
		    rs, n, c_per_resp);
	row("reply body / request headers / reply headers (B/sync)", rs, n, c_down);
	row("hub CPU: ms/sync (kernel share), cores busy", rs, n, c_hub_cpu);
	if (rs[0]->pg_cpu_s >= 0)
		row("PostgreSQL server CPU: ms/sync, cores busy", rs, n, c_pg);
	if (rs[0]->pg_waits[0] != '\0')
		row("PostgreSQL hub backends, sampled every 20 ms", rs, n, c_waits);
	row("load generator CPU: cores busy (reply unpacking ms/sync)", rs, n, c_client);
	row("other processes and the kernel's own work: cores busy", rs, n, c_others);
	row("hub writes (/proc/PID/io): KiB/sync, write calls/sync", rs, n, c_io);
	row("disk (whole device): flushes/sync (ms each), writes/sync", rs, n, c_flush);
	printf("\n");
	for (i = 0; i < n; i++)
		if (rs[i]->first_error[0] != '\0')
			printf("ERROR (%s): %s\n\n", titles[i], rs[i]->first_error);
}

static void print_row(const char *label, const load_result *r)
{
	double cpu = r->hub_user_s + r->hub_sys_s;
	char others[CELL];

	c_others(others, r);

	printf("| %s | %.0f | %.0f | %.1f / %.1f / %.1f | %.2f | %.0f %% | %.0f %% | %s | %.2f "
	       "| %.1f | %ld |\n",
	       label, (double)r->syncs / r->wall_s, (double)r->pushed_changes / r->wall_s, r->p50,
	       r->p90, r->p99, 1e3 * cpu / (double)r->syncs, 100.0 * cpu / r->wall_s,
	       100.0 * r->client_cpu_s / r->wall_s, others,
	       r->d0.found ? (double)(r->d1.flushes - r->d0.flushes) / (double)r->syncs : 0.0,
	       (double)r->hub_write_bytes / 1024.0 / (double)r->syncs, r->errors);
}

/* A row of the storage backends table (scripts/bench-pg.sh prints its
 * header): the saturated run. */
static void print_backend_row(const char *label, const opts *o, const load_result *r)
{
	double hub_cpu = r->hub_user_s + r->hub_sys_s;
	char pg[CELL], others[CELL];

	if (r->pg_cpu_s < 0)
		snprintf(pg, CELL, "—");
	else
		snprintf(pg, CELL, "%.0f %% (%.2f)", 100.0 * r->pg_cpu_s / r->wall_s,
		         1e3 * r->pg_cpu_s / (double)r->syncs);
	c_others(others, r);
	printf("| %s | %d | %d x %d | **%.0f** | %.0f | **%.1f / %.1f** / %.1f | %ld | %.0f %% (%.2f) "
	       "| %s | %.0f %% | %s | %.2f |\n",
	       label, o->hub_processes, r->kiosks, r->rounds, (double)r->syncs / r->wall_s,
	       (double)r->pushed_changes / r->wall_s, r->p50, r->p99, r->max, r->errors,
	       100.0 * hub_cpu / r->wall_s, 1e3 * hub_cpu / (double)r->syncs, pg,
	       100.0 * r->client_cpu_s / r->wall_s, others, r->load1);
}

static void print_agents(const agent_result *a, int n)
{
	int i;

	if (n > 0 && a[0].peak_rss_kb > 0) {
		printf("`fieldsync-agent run` (with its UI), /proc/PID/smaps_rollup sampled every "
		       "20 ms, then %d s idle:\n\n", AGENT_IDLE_S);
		printf("| pending changes | rounds | sent | sync time | hub CPU | peak Rss (of it "
		       "anonymous) | **VmHWM** | idle Rss (of it anonymous) |\n");
		printf("|---:|---:|---:|---:|---:|---:|---:|---:|\n");
		for (i = 0; i < n; i++)
			printf("| %ld | %ld | %ld | %.2f s | %.2f s | %.1f (%.1f) MiB | **%.1f MiB** | "
			       "%.1f (%.1f) MiB |\n",
			       a[i].pending, a[i].rounds, a[i].sent, a[i].wall_s, a[i].hub_cpu_s,
			       a[i].peak_rss_kb / 1024.0, a[i].peak_anon_kb / 1024.0,
			       a[i].idle_hwm_kb / 1024.0, a[i].idle_rss_kb / 1024.0,
			       a[i].idle_anon_kb / 1024.0);
		printf("\n");
		for (i = 0; i < n; i++)
			if (a[i].error[0] != '\0')
				printf("ERROR (pending %ld): %s\n\n", a[i].pending, a[i].error);
		return;
	}

	printf("| pending changes | rounds | sent | wall | user + sys | **max RSS** | hub CPU | "
	       "time to write them |\n");
	printf("|---:|---:|---:|---:|---:|---:|---:|---:|\n");
	for (i = 0; i < n; i++)
		printf("| %ld | %ld | %ld | %.2f s | %.2f + %.2f s | **%.1f MiB** | %.2f s | %.1f s |\n",
		       a[i].pending, a[i].rounds, a[i].sent, a[i].wall_s, a[i].user_s, a[i].sys_s,
		       (double)a[i].max_rss_kb / 1024.0, a[i].hub_cpu_s, a[i].fill_s);
	printf("\n");
	for (i = 0; i < n; i++)
		if (a[i].error[0] != '\0')
			printf("ERROR (pending %ld): %s\n\n", a[i].pending, a[i].error);
}

/* ---- main ---- */

/* Each simulated kiosk holds one socket at a time (a new connection per
 * sync): raise the soft limit on open files to the hard one when it is short
 * of kiosks + 64, and stop when even that is not enough. */
static void raise_open_files(int kiosks)
{
	rlim_t need = (rlim_t)kiosks + 64;
	struct rlimit rl;

	if (getrlimit(RLIMIT_NOFILE, &rl) != 0 || rl.rlim_cur >= need)
		return;
	rl.rlim_cur = rl.rlim_max == RLIM_INFINITY || rl.rlim_max > need ? need : rl.rlim_max;
	if (setrlimit(RLIMIT_NOFILE, &rl) != 0 || rl.rlim_cur < need)
		bench_die("%d kiosks need %llu open files; the limit is %llu (ulimit -n)", kiosks,
		          (unsigned long long)need, (unsigned long long)rl.rlim_cur);
}

int main(int argc, char **argv)
{
	opts o;
	hub hubs[MAX_HUBS], h0; /* h0: what every process shares */
	char work[4096], tmpl[] = "/tmp/fieldsync-hub-bench.XXXXXX";
	sim *sims, *solo;
	load_result solo_r, sat_r, paced_r;
	const load_result *rs[NCOL];
	const char *titles[NCOL];
	agent_result agents[MAX_PENDING];
	proc_sample after_load, end;
	fs_store_counts counts;
	bench_fsync fp;
	double dev_s = 0, build_s, t_all = bench_mono_s();
	int do_load, do_agent, i, failed = 0, hub_exit, nres = 0, total_rounds;
	const char *urls[MAX_HUBS];
	char pg_about[512] = "";
	long expect_responses = 0;
	FILE *report = stdout;

	bench_prog = PROG;
	parse_args(&o, argc, argv);
	do_load = o.only == NULL || strcmp(o.only, "load") == 0;
	do_agent = o.only == NULL || strcmp(o.only, "agent") == 0;
	g_responses = o.responses;
	if (o.row != NULL) {
		/* One table row on stdout; everything else to stderr. */
		report = stderr;
		do_agent = 0;
		do_load = 1;
	}
	if (o.dir != NULL) {
		snprintf(work, sizeof(work), "%s", o.dir);
		if (mkdir(work, 0700) != 0 && errno != EEXIST)
			bench_die("cannot create %s: %s", work, strerror(errno));
	} else {
		if (mkdtemp(tmpl) == NULL)
			bench_die("mkdtemp: %s", strerror(errno));
		snprintf(work, sizeof(work), "%s", tmpl);
	}
	memset(hubs, 0, sizeof(hubs));
	memset(&h0, 0, sizeof(h0));
	if (o.hub_dir != NULL)
		snprintf(h0.data, sizeof(h0.data), "%s", o.hub_dir);
	else
		bench_path_printf(h0.data, sizeof(h0.data), "%s/hub", work);
	if (mkdir(h0.data, 0700) != 0)
		bench_die("cannot create %s: %s (it must not exist yet)", h0.data, strerror(errno));
	for (i = 0; i < o.hub_processes; i++) {
		snprintf(hubs[i].data, sizeof(hubs[i].data), "%s", h0.data);
		if (i == 0)
			bench_path_printf(hubs[i].log, sizeof(hubs[i].log), "%s/hub.log", work);
		else
			bench_path_printf(hubs[i].log, sizeof(hubs[i].log), "%s/hub-%d.log", work, i + 1);
	}
	if (o.db != NULL) {
		/* Every hub command this program runs finds the store here. */
		if (setenv("FIELDSYNC_DB", o.db, 1) != 0)
			bench_die("setenv: %s", strerror(errno));
		g_postmaster = bench_pg_postmaster(o.db, pg_about, sizeof(pg_about));
		g_db = o.db;
		if (g_postmaster == 0)
			bench_note("the PostgreSQL server's processes are not visible here: its CPU is "
			           "not measured");
	} else {
		unsetenv("FIELDSYNC_DB");
	}
	raise_open_files(o.kiosks);
	if (curl_global_init(CURL_GLOBAL_DEFAULT) != 0)
		bench_die("curl_global_init failed");
	g_hubs = hubs;
	g_nhubs = o.hub_processes;
	atexit(kill_hub_at_exit);
	bench_note("working in %s", work);

	/* Devices (load kiosks and the solo one) and the questionnaire. */
	sims = bench_need(calloc((size_t)o.kiosks + 1, sizeof(*sims)));
	solo = &sims[o.kiosks];
	if (do_load)
		create_devices(h0.data, o.db, sims, o.kiosks + 1, o.regions, &dev_s);
	{
		char *argv_pub[] = {(char *)o.hub_bin, "publish", "--data", h0.data,
		                    (char *)o.questionnaire, NULL};
		char plog[4200];

		bench_path_printf(plog, sizeof(plog), "%s/publish.log", work);
		run_or_die(argv_pub, plog, plog);
	}
	bench_fsync_probe(h0.data, 200, &fp);
	for (i = 0; i < o.hub_processes; i++) {
		hub_start(&hubs[i], &o);
		urls[i] = hubs[i].url;
		bench_note("hub at %s (pid %d), log %s", hubs[i].url, (int)hubs[i].pid, hubs[i].log);
	}
	if (o.row == NULL)
		print_machine(&o, h0.data, &fp, pg_about);
	else
		bench_note("hub store %s, fdatasync median %.2f ms in %s (%s)",
		           o.db != NULL ? "in PostgreSQL" : "SQLite", fp.median_ms, h0.data,
		           fs_type_name(h0.data));

	if (do_load) {
		double t0 = bench_mono_s();

		total_rounds = o.rounds + o.paced;
		for (i = 0; i < o.kiosks; i++)
			build_pushes(&sims[i], total_rounds, &o);
		if (o.solo > 0)
			build_pushes(solo, o.solo, &o);
		build_s = bench_mono_s() - t0;
		bench_note("%d devices created in the store in %.1f s; %ld change sets packed in %.1f s",
		     o.kiosks + 1, dev_s, (long)o.kiosks * total_rounds + o.solo, build_s);
		for (i = 0; i <= o.kiosks; i++)
			if (i < o.kiosks || o.solo > 0)
				sim_setup_run(&sims[i], urls, o.hub_processes, o.keepalive);
		if (o.solo > 0) {
			bench_note("idle: 1 kiosk, %d syncs one after another", o.solo);
			run_load(solo, 1, 0, o.solo, 0, hubs, o.hub_processes, &solo_r);
			failed |= solo_r.errors != 0 || solo_r.ok != solo_r.syncs;
			expect_responses += (long)o.solo * o.responses;
			rs[nres] = &solo_r;
			titles[nres++] = "idle hub: one kiosk";
		}
		bench_note("saturation: %d kiosks x %d syncs, all at once, back to back", o.kiosks,
		     o.rounds);
		run_load(sims, o.kiosks, 0, o.rounds, 0, hubs, o.hub_processes, &sat_r);
		failed |= sat_r.errors != 0 || sat_r.ok != sat_r.syncs;
		expect_responses += (long)o.kiosks * o.rounds * o.responses;
		rs[nres] = &sat_r;
		titles[nres++] = "saturated: all kiosks at once";
		if (o.paced > 0) {
			double pace = o.pace > 0 ? o.pace
			                         : o.pace_fraction * (double)sat_r.syncs / sat_r.wall_s;

			bench_note("paced: %d kiosks x %d syncs at %.0f syncs/s", o.kiosks, o.paced, pace);
			run_load(sims, o.kiosks, o.rounds, o.paced, pace, hubs, o.hub_processes,
			         &paced_r);
			failed |= paced_r.errors != 0 || paced_r.ok != paced_r.syncs;
			expect_responses += (long)o.kiosks * o.paced * o.responses;
			rs[nres] = &paced_r;
			titles[nres++] = o.pace > 0 ? "paced" : "paced at half the saturated rate";
		}
		hubs_read(hubs, o.hub_processes, &after_load);
		if (o.backend_row != NULL) {
			print_backend_row(o.backend_row, &o, &sat_r);
			if (sat_r.pg_waits[0] != '\0')
				printf("waits: %s\n", sat_r.pg_waits);
			if (sat_r.first_error[0] != '\0')
				bench_note("first error: %s", sat_r.first_error);
		} else if (o.row != NULL) {
			print_row(o.row, &sat_r);
			if (sat_r.first_error[0] != '\0')
				bench_note("first error: %s", sat_r.first_error);
		} else {
			print_loads(rs, titles, nres);
			printf("Hub resident memory after the load: peak (VmHWM) **%.1f MiB**, now "
			       "(VmRSS) %.1f MiB, %ld threads.\n\n",
			       (double)after_load.vm_hwm_kb / 1024.0,
			       (double)after_load.vm_rss_kb / 1024.0, after_load.threads);
		}
		fflush(stdout);
		for (i = 0; i <= o.kiosks; i++)
			free_sim(&sims[i]);
	}
	free(sims);

	if (do_agent) {
		for (i = 0; i < o.npending; i++) {
			bench_note("agent: sync of %ld pending change(s)", o.pending[i]);
			agent_run(&o, &hubs[0], work, o.pending[i], &agents[i]);
			failed |= agents[i].error[0] != '\0';
			expect_responses += o.pending[i];
		}
		if (access(o.time_bin, X_OK) != 0)
			printf("(%s not found: max RSS from wait4's rusage instead)\n\n", o.time_bin);
		print_agents(agents, o.npending);
	}

	hubs_read(hubs, o.hub_processes, &end);
	fprintf(report, "Hub peak resident memory over the whole run (VmHWM at the end%s): "
	                "**%.1f MiB**.\n\n",
	        o.hub_processes > 1 ? ", the largest process" : "", (double)end.vm_hwm_kb / 1024.0);
	for (i = 0; i < o.hub_processes; i++) {
		hub_exit = hub_stop(&hubs[i]);
		if (hub_exit != 0) {
			fprintf(report, "ERROR: hub process %d exited %d on SIGTERM\n", i + 1, hub_exit);
			failed = 1;
		}
	}
	{
		fs_store *s = hub_store_open(h0.data, o.db);
		fs_err e = {0, ""};

		bench_check(fs_store_count(s, &counts, &e), &e, "count");
		fs_store_close(s);
	}
	{
		char db[4200], wal[4200];
		struct stat a, b;

		bench_path_printf(db, sizeof(db), "%s/" HUB_STORE, h0.data);
		bench_path_printf(wal, sizeof(wal), "%s/" HUB_STORE "-wal", h0.data);
		if (o.db == NULL && stat(db, &a) == 0)
			fprintf(report, "Hub store at the end: %.1f MiB (WAL %.1f MiB).\n\n",
			        (double)a.st_size / 1048576.0,
			        stat(wal, &b) == 0 ? (double)b.st_size / 1048576.0 : 0.0);
	}
	fprintf(report,
	        "Check: the hub holds %ld responses (expected %ld), %ld contacts, %ld conflicts, "
	        "%ld quarantined: %s. Benchmark time %.0f s.\n",
	        counts.responses, expect_responses, counts.contacts, counts.conflicts,
	        counts.quarantined,
	        counts.responses == expect_responses && counts.quarantined == 0 ? "ok" : "MISMATCH",
	        bench_mono_s() - t_all);
	failed |= counts.responses != expect_responses || counts.quarantined != 0;
	curl_global_cleanup();
	if (!o.keep && !failed) {
		char *argv_rm[] = {"/bin/rm", "-rf", work, NULL};
		char *argv_rm2[] = {"/bin/rm", "-rf", h0.data, NULL};

		if (o.hub_dir != NULL)
			run(argv_rm2, NULL, NULL);
		run(argv_rm, NULL, NULL);
	} else {
		bench_note("kept %s", work);
	}
	return failed ? 1 : 0;
}
