/* Several stateless fieldsync-hub processes on one store (issue 9 §3):
 * real `fieldsync-hub serve` processes on loopback (port 0), kiosks
 * simulated here, each with its own SQLite store, running the core's
 * round (fs_sync_round) over the agent's HTTP transport (agent/client.c)
 * to the processes in turn, one per request. An auditor thread pulls
 * "after cursor C" from the store during the run (docs/scaling.md).
 *
 *   multihub_test converge HUB STORE   3 processes, 12 kiosks in 3 regions
 *                                      writing responses and editing shared
 *                                      contacts concurrently; then checks
 *                                      convergence, the digest against a
 *                                      SQLite hub fed the same accepted
 *                                      change sets, each site's responses,
 *                                      every contact field's LWW winner,
 *                                      the cursors and the store's seq
 *   multihub_test kill HUB STORE       the same while a random process is
 *                                      SIGKILLed and restarted every
 *                                      0.5-1 s (10 times)
 *   multihub_test enroll HUB STORE     one code redeemed at once at all 3
 *                                      processes; the hub-wide failure
 *                                      bound shared through the store; the
 *                                      per-process limits (per source,
 *                                      per device)
 *
 * HUB is the fieldsync-hub program; STORE a postgresql:// URI (the
 * processes get it as FIELDSYNC_DB, so the password stays out of argv)
 * or a directory for one SQLite hub.db the processes share. Loopback only
 * (127.0.0.0/8). Prints "N passed, M failed"; exit 0 only when nothing
 * failed, 2 when the setup itself failed. */
#include <curl/curl.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <jansson.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "fieldsync/backend.h"
#include "fieldsync/buf.h"
#include "fieldsync/changes.h"
#include "fieldsync/pg.h"
#include "fieldsync/records.h"
#include "fieldsync/sync.h"
#include "testutil.h"

#include "client.h"    /* agent/: the kiosk's HTTP transport */
#include "registry.h"  /* hub/: enrollment codes */
#include "http_wire.h" /* http/: the wire's content types */

#define NHUBS 3
#define NKIOSKS 12
#define NREGIONS 3
#define NCONTACTS 3     /* shared contacts per region */
#define ROUNDS 20       /* write-then-sync steps per kiosk (converge) */
#define KILLS 10        /* processes killed (kill) */
#define DEADLINE_MS 50000u

static const char *hub_bin, *store_loc;
static int is_pg;
static char tmp[64];
static int passed, failed;
static uint64_t t_start;

static uint64_t mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

static void sleep_ms(unsigned ms)
{
	struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000L};

	nanosleep(&ts, NULL);
}

static void hubs_kill_all(void);

/* The setup failed: report, stop the processes, exit 2. */
static void die(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	fprintf(stderr, "multihub: setup failed: ");
	vfprintf(stderr, fmt, ap);
	fprintf(stderr, "\n");
	va_end(ap);
	hubs_kill_all();
	exit(2);
}

static void expect(int ok, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	printf(ok ? "ok   " : "FAIL ");
	vprintf(fmt, ap);
	printf("\n");
	va_end(ap);
	fflush(stdout);
	if (ok)
		passed++;
	else
		failed++;
}

static unsigned rnd(unsigned *state, unsigned n)
{
	*state = *state * 1103515245u + 12345u;
	return ((*state >> 16) & 0x7fff) % n;
}

/* ---- hub processes ---- */

typedef struct hubproc {
	pid_t pid;
	int gen;
	char url[64];
} hubproc;

static hubproc hubs[NHUBS];
static pthread_mutex_t hub_mu = PTHREAD_MUTEX_INITIALIZER;
static const char *serve_extra[8]; /* more serve arguments (NULL-ended) */

/* Start process i (again): port 0, log in tmp/hub-I-GEN.log, wait for the
 * "listening on" line. */
static void hub_start(int i)
{
	char log[128], line[512], url[64] = "";
	const char *argv[24];
	uint64_t end = mono_ms() + 20000;
	int n = 0, k;
	pid_t pid;

	snprintf(log, sizeof(log), "%s/hub-%d-%d.log", tmp, i, hubs[i].gen);
	argv[n++] = hub_bin;
	argv[n++] = "serve";
	if (!is_pg) {
		argv[n++] = "--data";
		argv[n++] = store_loc;
	}
	argv[n++] = "--listen";
	argv[n++] = "127.0.0.1:0";
	argv[n++] = "--console"; /* its default port is one for every hub */
	argv[n++] = "off";
	argv[n++] = "--grace";
	argv[n++] = "1";
	for (k = 0; serve_extra[k] != NULL; k++)
		argv[n++] = serve_extra[k];
	argv[n] = NULL;
	pid = fork();
	if (pid < 0)
		die("fork: %s", strerror(errno));
	if (pid == 0) {
		int fd = open(log, O_WRONLY | O_CREAT | O_APPEND, 0600);

		/* Never outlive the test, however it ends. */
		if (fd < 0 || prctl(PR_SET_PDEATHSIG, SIGKILL) != 0)
			_exit(127);
		dup2(fd, 1);
		dup2(fd, 2);
		close(fd);
		if (is_pg)
			setenv("FIELDSYNC_DB", store_loc, 1);
		execv(hub_bin, (char *const *)argv);
		_exit(127);
	}
	while (url[0] == '\0') {
		FILE *f = fopen(log, "r");
		int status;

		while (f != NULL && fgets(line, sizeof(line), f) != NULL) {
			const char *p = strstr(line, "listening on http://127.0.0.1:");
			int port;

			if (p != NULL && sscanf(p + strlen("listening on http://127.0.0.1:"), "%d",
			                        &port) == 1)
				snprintf(url, sizeof(url), "http://127.0.0.1:%d", port);
		}
		if (f != NULL)
			fclose(f);
		if (url[0] != '\0')
			break;
		if (waitpid(pid, &status, WNOHANG) == pid || mono_ms() > end) {
			char cmd[200];

			snprintf(cmd, sizeof(cmd), "cat %s >&2", log);
			if (system(cmd) != 0)
				fprintf(stderr, "(no log)\n");
			die("hub process %d did not start", i);
		}
		sleep_ms(20);
	}
	pthread_mutex_lock(&hub_mu);
	hubs[i].pid = pid;
	snprintf(hubs[i].url, sizeof(hubs[i].url), "%s", url);
	hubs[i].gen++;
	pthread_mutex_unlock(&hub_mu);
}

static void hub_url(int i, char out[64])
{
	pthread_mutex_lock(&hub_mu);
	memcpy(out, hubs[i].url, 64);
	pthread_mutex_unlock(&hub_mu);
}

/* Signal process i and wait for it: its wait status (-1: none was up). */
static int hub_kill(int i, int sig)
{
	int status = -1;
	pid_t pid;

	pthread_mutex_lock(&hub_mu);
	pid = hubs[i].pid;
	hubs[i].pid = 0;
	pthread_mutex_unlock(&hub_mu);
	if (pid > 0) {
		kill(pid, sig);
		waitpid(pid, &status, 0);
	}
	return status;
}

static void hubs_kill_all(void)
{
	int i;

	for (i = 0; i < NHUBS; i++)
		if (hubs[i].pid > 0)
			kill(hubs[i].pid, SIGKILL);
}

/* SIGTERM: each process finishes, closes its store and exits 0 (a
 * sanitizer's report would make it fail). */
static void hubs_stop(void)
{
	int i, clean = 0;

	for (i = 0; i < NHUBS; i++) {
		int st = hub_kill(i, SIGTERM);

		clean += st >= 0 && WIFEXITED(st) && WEXITSTATUS(st) == 0;
	}
	expect(clean == NHUBS, "the %d processes stopped on SIGTERM with status 0 (%d did)", NHUBS,
	       clean);
}

/* The store as the processes share it, opened here directly. */
static fs_store *store_open(void)
{
	fs_store_options opts = {NULL, NULL, 1, 0};
	char path[256];
	fs_store *s = NULL;
	fs_err e = {0, ""};

	if (is_pg) {
		opts.backend = &fs_pg_backend;
		opts.registry = &fs_pg_registry;
		snprintf(path, sizeof(path), "%s", store_loc);
	} else {
		snprintf(path, sizeof(path), "%s/hub.db", store_loc);
	}
	if (fs_store_open_with(&s, path, &opts, &e) != 0 ||
	    fs_store_set_identity(s, FS_SYNC_HUB_PEER, NULL, &e) != 0)
		die("open the hub's store: %s", e.msg);
	return s;
}

/* ---- HTTP ---- */

/* The kiosks' syncs go through the agent's own transport (agent/client.c);
 * enrollment attempts here, from chosen source addresses. */
typedef struct http_reply {
	long status;
	fs_buf body;
} http_reply;

static size_t on_body(char *data, size_t size, size_t nmemb, void *ctx)
{
	http_reply *r = ctx;

	return fs_buf_append(&r->body, data, size * nmemb) == 0 ? size * nmemb : 0;
}

/* POST a JSON body to url; 0 when an answer came (any status), -1 when
 * none. src: the source address to bind (NULL: any). */
static int http_post(CURL *c, const char *url, const char *src, const void *body, size_t n,
                     http_reply *r)
{
	struct curl_slist *h = NULL;
	char line[200];
	CURLcode cc;

	r->status = 0;
	fs_buf_reset(&r->body);
	h = curl_slist_append(h, "Content-Type: application/json");
	curl_easy_reset(c);
	curl_easy_setopt(c, CURLOPT_URL, url);
	curl_easy_setopt(c, CURLOPT_POST, 1L);
	curl_easy_setopt(c, CURLOPT_POSTFIELDS, body);
	curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)n);
	curl_easy_setopt(c, CURLOPT_HTTPHEADER, h);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_body);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, r);
	curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT, 5L);
	curl_easy_setopt(c, CURLOPT_TIMEOUT, 20L);
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(c, CURLOPT_FORBID_REUSE, 1L);
	if (src != NULL) {
		snprintf(line, sizeof(line), "host!%s", src);
		curl_easy_setopt(c, CURLOPT_INTERFACE, line);
	}
	cc = curl_easy_perform(c);
	curl_slist_free_all(h);
	if (cc != CURLE_OK)
		return -1;
	curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &r->status);
	return 0;
}

/* Redeem code at process i from src: the status (0: no answer); site and
 * token filled on 200. */
static long enroll_at(CURL *c, int i, const char *src, const char *code, char site[FS_NAME_MAX + 1],
                      char token[HUB_TOKEN_MAX + 1], char region[FS_NAME_MAX + 1])
{
	char url[64], full[96], body[96];
	http_reply r;
	long st = 0;

	fs_buf_init(&r.body, 1 << 16);
	hub_url(i, url);
	snprintf(full, sizeof(full), "%s/v1/enroll", url);
	snprintf(body, sizeof(body), "{\"code\":\"%s\"}", code);
	if (http_post(c, full, src, body, strlen(body), &r) == 0) {
		st = r.status;
		if (st == 200 && site != NULL) {
			json_t *j = json_loadb((const char *)r.body.data, r.body.len, 0, NULL);
			const char *s = json_string_value(json_object_get(j, "site"));
			const char *t = json_string_value(json_object_get(j, "token"));
			const char *g = json_string_value(json_object_get(j, "region"));

			if (s == NULL || t == NULL || g == NULL)
				st = -200;
			else {
				snprintf(site, FS_NAME_MAX + 1, "%s", s);
				snprintf(token, HUB_TOKEN_MAX + 1, "%s", t);
				snprintf(region, FS_NAME_MAX + 1, "%s", g);
			}
			json_decref(j);
		}
	}
	fs_buf_free(&r.body);
	return st;
}

/* ---- the LWW oracle: every contact field's greatest write ---- */

typedef struct lww {
	char contact[FS_UUID_LEN + 1], field[FS_CONTACT_FIELD_MAX];
	fs_hlc hlc;
	char site[FS_NAME_MAX + 1];
	char *value; /* JSON text */
} lww;

#define LWW_MAX (NREGIONS * NCONTACTS * 16)
static lww oracle[LWW_MAX];
static size_t noracle;
static pthread_mutex_t oracle_mu = PTHREAD_MUTEX_INITIALIZER;

static int stamp_greater(fs_hlc h1, const char *s1, fs_hlc h2, const char *s2)
{
	return h1 != h2 ? h1 > h2 : strcmp(s1, s2) > 0;
}

static int offer_field(void *ctx, const char *id, const char *region, const fs_field_row *f)
{
	const char *site = ctx;
	size_t i;

	(void)region;
	if (f == NULL || strcmp(f->site, site) != 0)
		return 0; /* only the kiosk's own writes are offered */
	pthread_mutex_lock(&oracle_mu);
	for (i = 0; i < noracle; i++)
		if (strcmp(oracle[i].contact, id) == 0 && strcmp(oracle[i].field, f->field) == 0)
			break;
	if (i == noracle && noracle < LWW_MAX) {
		memset(&oracle[i], 0, sizeof(oracle[i]));
		snprintf(oracle[i].contact, sizeof(oracle[i].contact), "%s", id);
		snprintf(oracle[i].field, sizeof(oracle[i].field), "%s", f->field);
		noracle++;
	}
	if (i < noracle && (oracle[i].value == NULL ||
	                    stamp_greater(f->hlc, f->site, oracle[i].hlc, oracle[i].site))) {
		free(oracle[i].value);
		oracle[i].value = strdup(f->value ? f->value : "null");
		oracle[i].hlc = f->hlc;
		snprintf(oracle[i].site, sizeof(oracle[i].site), "%s", f->site);
	}
	pthread_mutex_unlock(&oracle_mu);
	return 0;
}

/* ---- kiosks ---- */

typedef struct kiosk {
	int idx;
	char site[FS_NAME_MAX + 1], region[FS_NAME_MAX + 1], token[HUB_TOKEN_MAX + 1];
	fs_store *s;
	agent_reply rep;
	unsigned rng;
	fs_buf *sets; /* every push a hub process acknowledged, in order */
	size_t nsets, asets;
	long written; /* responses written here */
	long rounds, failed_rounds, refused, sends;
	long cut, busy; /* no answer (a process killed, or not up yet); 503 or 429 */
	long per_hub[NHUBS];
	char contacts[NCONTACTS][FS_UUID_LEN + 1];
	int ncontacts;
	char last_error[200];
} kiosk;

static kiosk kiosks[NKIOSKS];
static atomic_int kill_mode, stop_writing, kiosk_error;

/* fs_sync_transport: POST to a process picked at random. */
static int kiosk_send(void *ctx, int64_t pull, const void *body, size_t len, fs_sync_answer *answer,
                      fs_err *err)
{
	kiosk *k = ctx;
	char url[64], path[64];
	agent_client *c = NULL;
	int rc;
	/* In turn, so that a kiosk's rounds, and the pushes and pulls of one
	 * round's continuation, go to different processes. */
	int i = (int)((unsigned)(k->idx + k->sends++) % NHUBS);

	hub_url(i, url);
	snprintf(path, sizeof(path), "/v1/sync?cursor=%" PRId64, pull);
	rc = agent_client_new(&c, url, k->token, NULL, 0, err);
	if (rc == 0)
		rc = agent_client_post(c, &k->rep, path, FS_WIRE_CHANGESET_TYPE, 1, body, len, err);
	agent_client_free(c);
	if (rc != 0) {
		k->cut++;
		return rc;
	}
	if (k->rep.status != 200) {
		if (k->rep.status != 503 && k->rep.status != 429)
			k->refused++;
		else
			k->busy++;
		return fs_err_set(err, FS_EGENERIC, "process %d answered %ld %s: %s", i,
		                  k->rep.status, k->rep.error, k->rep.message);
	}
	if (!k->rep.gzip)
		return fs_err_set(err, FS_EINVAL, "process %d: the reply is not gzip-encoded", i);
	k->per_hub[i]++;
	if (k->rep.has_ack) {
		fs_buf copy;

		if (k->nsets == k->asets) {
			k->asets = k->asets ? 2 * k->asets : 64;
			k->sets = realloc(k->sets, k->asets * sizeof(*k->sets));
			if (k->sets == NULL)
				die("out of memory");
		}
		fs_buf_init(&copy, len + 1);
		if (fs_buf_append(&copy, body, len) != 0)
			die("out of memory");
		k->sets[k->nsets++] = copy;
	}
	answer->has_ack = k->rep.has_ack;
	answer->ack = k->rep.ack;
	answer->body = k->rep.body.data;
	answer->len = k->rep.body.len;
	return 0;
}

/* Rounds until neither side has more (failed rounds are repeated, until
 * the deadline). *moved: a change went either way. */
static int kiosk_sync(kiosk *k, int *moved)
{
	fs_sync_limits lim;
	fs_sync_result res;
	fs_err e = {0, ""};
	int rc;

	fs_sync_limits_default(&lim);
	lim.up_changes = 20; /* several pushes per kiosk and step */
	for (;;) {
		if (mono_ms() - t_start > DEADLINE_MS)
			return -1;
		fs_err_clear(&e);
		rc = fs_sync_round(k->s, FS_SYNC_HUB_PEER, kiosk_send, k, &lim, &res, &e);
		k->rounds++;
		if (rc != 0) {
			k->failed_rounds++;
			snprintf(k->last_error, sizeof(k->last_error), "%s", e.msg);
			if (k->refused > 0)
				return -1;
			sleep_ms(10 + rnd(&k->rng, 40));
			continue;
		}
		if (moved != NULL && (res.pushed > 0 || res.received > 0))
			*moved = 1;
		if (!res.more)
			return 0;
	}
}

static void kiosk_open(kiosk *k)
{
	char path[128];
	fs_err e = {0, ""};

	snprintf(path, sizeof(path), "%s/kiosk-%d.db", tmp, k->idx);
	if (fs_store_open(&k->s, path, &e) != 0 ||
	    fs_store_set_identity(k->s, k->site, k->region, &e) != 0)
		die("kiosk %d store: %s", k->idx, e.msg);
	agent_reply_init(&k->rep, 8u << 20);
	k->rng = 7919u * (unsigned)(k->idx + 1);
}

static void kiosk_offer_contact(kiosk *k, const char *id)
{
	fs_err e = {0, ""};

	if (fs_store_ops(k->s)->contact_each(fs_store_backend(k->s), id, NULL, offer_field, k->site,
	                                     &e) != 0)
		die("kiosk %d reads contact: %s", k->idx, e.msg);
}

/* One response and one or two contact edits. */
static int kiosk_write(kiosk *k, int step)
{
	char id[FS_UUID_LEN + 1], out[FS_UUID_LEN + 1], notes[128];
	json_t *doc = NULL, *body, *answers, *f;
	uint64_t now = fs_store_now_ms(k->s);
	fs_err e = {0, ""};
	int c, rc;

	rc = fs_questionnaire_get(k->s, &doc, "visit", 1, &e);
	if (rc != 0)
		goto fail;
	answers = json_pack("{s:b, s:i, s:s+}", "consent", 1, "overall", 1 + (step + k->idx) % 5,
	                    "comment", "step ", k->site);
	body = fs_response_body_new(doc, "en", NULL, now - 60000, now, answers);
	json_decref(answers);
	rc = fs_response_add(k->s, id, body, &e);
	json_decref(body);
	json_decref(doc);
	if (rc != 0)
		goto fail;
	k->written++;
	if (k->ncontacts == 0)
		return 0;
	c = (int)rnd(&k->rng, (unsigned)k->ncontacts);
	snprintf(notes, sizeof(notes), "from %s, step %d", k->site, step);
	f = json_pack("{s:s, s:i}", "notes", notes, "duration_min", (int)rnd(&k->rng, 1440));
	if (rnd(&k->rng, 2))
		json_object_del(f, "duration_min");
	rc = fs_contact_put(k->s, out, k->contacts[c], NULL, f, &e);
	json_decref(f);
	if (rc != 0)
		goto fail;
	kiosk_offer_contact(k, k->contacts[c]);
	return 0;
fail:
	snprintf(k->last_error, sizeof(k->last_error), "write: %s", e.msg);
	return -1;
}

/* The contacts of k's region, as k holds them. */
static int collect_contact(void *ctx, const char *id, const char *region, const fs_field_row *f)
{
	kiosk *k = ctx;
	int i;

	(void)region;
	(void)f;
	for (i = 0; i < k->ncontacts; i++)
		if (strcmp(k->contacts[i], id) == 0)
			return 0;
	if (k->ncontacts < NCONTACTS)
		snprintf(k->contacts[k->ncontacts++], FS_UUID_LEN + 1, "%s", id);
	return 0;
}

/* ROUNDS steps, or (kill) steps until told to stop, a pause between. */
static void *kiosk_main(void *arg)
{
	kiosk *k = arg;
	int step;

	for (step = 0; kill_mode ? !stop_writing : step < ROUNDS; step++) {
		if (kiosk_write(k, step) != 0 || kiosk_sync(k, NULL) != 0) {
			kiosk_error = 1;
			return NULL;
		}
		if (kill_mode)
			sleep_ms(50 + rnd(&k->rng, 100));
	}
	return NULL;
}

/* ---- setup ---- */

static void publish_questionnaire(fs_store *hub)
{
	json_t *doc = json_loads(test_questionnaire, 0, NULL);
	fs_err e = {0, ""};

	if (fs_questionnaire_publish(hub, doc, &e) != 0)
		die("publish: %s", e.msg);
	json_decref(doc);
}

static void enroll_kiosks(fs_store *hub)
{
	CURL *c = curl_easy_init();
	int i;

	for (i = 0; i < NKIOSKS; i++) {
		kiosk *k = &kiosks[i];
		char code[HUB_ENROLL_CODE_LEN + 1], region[16];
		fs_err e = {0, ""};
		long st;

		k->idx = i;
		snprintf(region, sizeof(region), "region-%d", i % NREGIONS);
		if (hub_enroll_code_create(hub, code, region, 3600000, &e) != 0)
			die("enrollment code: %s", e.msg);
		st = enroll_at(c, i % NHUBS, NULL, code, k->site, k->token, k->region);
		if (st != 200 || strcmp(k->region, region) != 0)
			die("enroll kiosk %d at process %d: %ld", i, i % NHUBS, st);
		kiosk_open(k);
	}
	curl_easy_cleanup(c);
}

/* The first kiosk of each region makes the shared contacts; then every
 * kiosk pulls them (and the questionnaire). */
static void seed_contacts(void)
{
	static const char *const channels[] = {"in_person", "phone", "video"};
	int r, i;

	for (r = 0; r < NREGIONS; r++) {
		kiosk *k = &kiosks[r];

		if (kiosk_sync(k, NULL) != 0)
			die("kiosk %d first sync: %s", r, k->last_error);
		for (i = 0; i < NCONTACTS; i++) {
			char ref[32], out[FS_UUID_LEN + 1];
			json_t *f;
			fs_err e = {0, ""};

			snprintf(ref, sizeof(ref), "P-%d-%d", r, i);
			f = json_pack("{s:s, s:s, s:s, s:s}", "person_ref", ref, "contact_at",
			              "2026-11-27T10:30:00Z", "channel", channels[i % 3], "worker",
			              "w-amina");
			if (fs_contact_put(k->s, out, NULL, NULL, f, &e) != 0)
				die("contact: %s", e.msg);
			json_decref(f);
			kiosk_offer_contact(k, out);
		}
	}
	for (i = 0; i < NKIOSKS; i++) {
		kiosk *k = &kiosks[i];
		fs_err e = {0, ""};

		if (kiosk_sync(k, NULL) != 0)
			die("kiosk %d sync: %s", i, k->last_error);
		if (fs_store_ops(k->s)->contact_each(fs_store_backend(k->s), NULL, k->region,
		                                     collect_contact, k, &e) != 0)
			die("kiosk %d contacts: %s", i, e.msg);
	}
	for (i = 0; i < NKIOSKS; i++)
		if (kiosks[i].ncontacts != NCONTACTS)
			die("kiosk %d holds %d of its region's %d contacts after syncing", i,
			    kiosks[i].ncontacts, NCONTACTS);
}

/* ---- checks ---- */

static uint64_t digest(fs_store *s, const char *site, const char *region, int resp, int contacts,
                       int quest)
{
	fs_digest_scope scope = {site, region, resp, contacts, quest};
	uint64_t d = 0;
	fs_err e = {0, ""};

	if (fs_store_digest(s, &scope, &d, &e) != 0)
		die("digest: %s", e.msg);
	return d;
}

static int count_row(void *ctx, const fs_response_row *row)
{
	(void)row;
	(*(long *)ctx)++;
	return 0;
}

static long responses_of(fs_store *s, const char *site)
{
	fs_response_filter f = {NULL, site, NULL, NULL, 1, 0};
	fs_err e = {0, ""};
	long n = 0;

	if (fs_store_ops(s)->response_each(fs_store_backend(s), &f, count_row, &n, &e) != 0)
		die("count responses: %s", e.msg);
	return n;
}

/* Sync every kiosk until one whole pass moves nothing either way. */
static int converge(void)
{
	int pass, i;

	for (pass = 0; pass < 8; pass++) {
		int moved = 0;

		for (i = 0; i < NKIOSKS; i++)
			if (kiosk_sync(&kiosks[i], &moved) != 0)
				return -1;
		if (!moved)
			return pass + 1;
	}
	return -1;
}

/* A fresh SQLite hub fed every accepted push, kiosk by kiosk in the order
 * the hub acknowledged them (after the questionnaire from the hub). */
static uint64_t replay_digest(fs_store *hub, long *sets, long *refused)
{
	fs_store_options opts = {NULL, NULL, 1, 0};
	fs_changes_filter qf = {FS_TABLE_QUESTIONNAIRES, NULL, NULL, NULL};
	fs_codec_limits lim;
	fs_changeset cs;
	char path[128];
	fs_store *r = NULL;
	fs_err e = {0, ""};
	uint64_t d;
	size_t i, j;

	fs_codec_limits_default(&lim);
	snprintf(path, sizeof(path), "%s/replay.db", tmp);
	if (fs_store_open_with(&r, path, &opts, &e) != 0 ||
	    fs_store_set_identity(r, FS_SYNC_HUB_PEER, NULL, &e) != 0)
		die("replay store: %s", e.msg);
	if (fs_changes_read(hub, &cs, 0, &qf, 1000, 1 << 20, &e) != 0 ||
	    fs_merge_apply(r, &cs, NULL, NULL, &e) != 0)
		die("questionnaires into the replay: %s", e.msg);
	fs_changeset_free(&cs);
	*sets = *refused = 0;
	for (i = 0; i < NKIOSKS; i++) {
		kiosk *k = &kiosks[i];

		for (j = 0; j < k->nsets; j++) {
			fs_merge_result res;

			if (fs_changeset_unpack(&cs, k->sets[j].data, k->sets[j].len, &lim, &e) != 0)
				die("replay: unpack: %s", e.msg);
			if (fs_sync_hub_receive(r, &cs, k->site, k->region, &res, &e) != 0) {
				fprintf(stderr, "replay of %s set %zu: %s\n", k->site, j, e.msg);
				(*refused)++;
			}
			fs_changeset_free(&cs);
			(*sets)++;
		}
	}
	d = digest(r, NULL, NULL, 1, 1, 1);
	fs_store_close(r);
	return d;
}

static int field_matches(fs_store *hub, const lww *w)
{
	fs_field_row row;
	fs_err e = {0, ""};
	json_t *a, *b;
	int ok;

	if (fs_store_ops(hub)->field_get(fs_store_backend(hub), w->contact, w->field, &row, &e) != 0)
		return 0;
	if (row.hlc != w->hlc || strcmp(row.site, w->site) != 0)
		return 0;
	a = json_loads(row.value ? row.value : "null", JSON_DECODE_ANY, NULL);
	b = json_loads(w->value, JSON_DECODE_ANY, NULL);
	ok = a != NULL && b != NULL && json_equal(a, b);
	json_decref(a);
	json_decref(b);
	return ok;
}

/* The greatest `to` of the sets the hub acknowledged to k. */
static int64_t last_ack(const kiosk *k)
{
	fs_codec_limits lim;
	fs_changeset cs;
	fs_err e = {0, ""};
	int64_t to = 0;
	size_t j;

	fs_codec_limits_default(&lim);
	for (j = 0; j < k->nsets; j++) {
		if (fs_changeset_unpack(&cs, k->sets[j].data, k->sets[j].len, &lim, &e) != 0)
			die("unpack: %s", e.msg);
		if (cs.to > to)
			to = cs.to;
		fs_changeset_free(&cs);
	}
	return to;
}

/* Does the hub hold anything for k after cursor (read here directly)? */
static int hub_has_after(fs_store *hub, const kiosk *k, int64_t cursor)
{
	fs_changeset cs;
	fs_err e = {0, ""};
	int any;

	if (fs_sync_hub_outgoing(hub, &cs, k->site, k->region, cursor, 100, 1 << 20, &e) != 0)
		die("hub outgoing: %s", e.msg);
	any = cs.count > 0;
	fs_changeset_free(&cs);
	return any;
}

static void check_all(fs_store *hub, const char *what)
{
	long written = 0, sets, refused, bad_sites = 0, bad_regions = 0, bad_fields = 0;
	long bad_cursors = 0, pending_left = 0, bad_counts = 0;
	int64_t hub_seq = 0;
	fs_err e = {0, ""};
	uint64_t dh, dr;
	size_t i;
	int passes;

	passes = converge();
	expect(passes > 0, "%s: every kiosk converged (%d passes to a quiet one)", what, passes);
	if (fs_store_seq(hub, &hub_seq, &e) != 0)
		die("seq: %s", e.msg);
	for (i = 0; i < NKIOSKS; i++) {
		kiosk *k = &kiosks[i];
		int64_t push = 0, pull = 0, own = 0;
		long pending = -1;

		written += k->written;
		if (responses_of(hub, k->site) != k->written || responses_of(k->s, k->site) !=
		                                                      k->written)
			bad_counts++;
		if (digest(hub, k->site, NULL, 1, 0, 0) != digest(k->s, k->site, NULL, 1, 0, 0))
			bad_sites++;
		if (digest(hub, NULL, k->region, 0, 1, 1) != digest(k->s, NULL, k->region, 0, 1, 1))
			bad_regions++;
		if (fs_sync_kiosk_pending(k->s, FS_SYNC_HUB_PEER, &pending, &e) != 0 || pending != 0)
			pending_left++;
		if (fs_store_peer_cursors(k->s, FS_SYNC_HUB_PEER, &push, &pull, &e) != 0 ||
		    fs_store_seq(k->s, &own, &e) != 0)
			die("cursors: %s", e.msg);
		/* The push cursor is the last acknowledged set's `to`, within the
		 * kiosk's own numbers; the pull cursor is a number the hub handed
		 * out, after which the hub has nothing for this kiosk. */
		if (push > own || push != last_ack(k) || pull > hub_seq || pull <= 0 ||
		    hub_has_after(hub, k, pull))
			bad_cursors++;
	}
	expect(pending_left == 0, "%s: no kiosk has anything left to send (%ld have)", what,
	       pending_left);
	expect(bad_counts == 0, "%s: the hub holds each kiosk's responses, as many as it wrote (%ld "
	       "responses; %ld sites differ)", what, written, bad_counts);
	expect(bad_sites == 0, "%s: each site's responses at the hub have the kiosk's digest (%ld "
	       "differ)", what, bad_sites);
	expect(bad_regions == 0,
	       "%s: every kiosk holds its region's contacts and questionnaires as the hub does "
	       "(digest; %ld differ: a pull skipped a change)", what, bad_regions);
	pthread_mutex_lock(&oracle_mu);
	for (i = 0; i < noracle; i++)
		if (!field_matches(hub, &oracle[i]))
			bad_fields++;
	expect(bad_fields == 0 && noracle > 0,
	       "%s: every contact field at the hub is its last writer's (LWW) value (%zu fields, "
	       "%ld differ)", what, noracle, bad_fields);
	pthread_mutex_unlock(&oracle_mu);
	expect(bad_cursors == 0, "%s: kiosks' cursors consistent (push = the last acknowledged set's "
	       "to, 0 < pull <= hub seq %" PRId64 ", nothing at the hub after pull; %ld not)", what,
	       hub_seq, bad_cursors);
	if (fs_store_check_integrity(hub, &e) != 0)
		expect(0, "%s: the hub store's change sequence: %s", what, e.msg);
	else
		expect(1, "%s: the hub store's change sequence: every seq held by one row", what);
	{
		fs_store_counts n;

		if (fs_store_count(hub, &n, &e) != 0)
			die("counts: %s", e.msg);
		expect(n.conflicts > 0, "%s: concurrent edits of shared contacts made conflicts "
		       "(%ld recorded at the hub, %ld quarantined)", what, n.conflicts,
		       n.quarantined);
	}
	dh = digest(hub, NULL, NULL, 1, 1, 1);
	dr = replay_digest(hub, &sets, &refused);
	expect(dh == dr && refused == 0,
	       "%s: the hub's digest %016" PRIx64 " equals a SQLite hub's fed the same %ld "
	       "accepted change sets (%016" PRIx64 ", %ld refused)", what, dh, sets, dr, refused);
}

static void report_spread(const char *what)
{
	long rounds = 0, failed_rounds = 0, per[NHUBS] = {0}, spread = 0, cut = 0, busy = 0;
	int i, j;

	for (i = 0; i < NKIOSKS; i++) {
		int used = 0;

		rounds += kiosks[i].rounds;
		failed_rounds += kiosks[i].failed_rounds;
		cut += kiosks[i].cut;
		busy += kiosks[i].busy;
		for (j = 0; j < NHUBS; j++) {
			per[j] += kiosks[i].per_hub[j];
			used += kiosks[i].per_hub[j] > 0;
		}
		spread += used == NHUBS;
	}
	printf("     %s: %ld rounds, %ld failed and repeated (%ld without an answer, %ld busy); "
	       "200 from process 0/1/2: %ld/%ld/%ld\n",
	       what, rounds, failed_rounds, cut, busy, per[0], per[1], per[2]);
	expect(spread == NKIOSKS, "%s: every kiosk synced with all %d processes (%ld did)", what,
	       NHUBS, spread);
}


/* ---- the auditor: a reader pulling "after cursor C" from the store ----
 *
 * It pulls every change of every table after its cursor in a loop while
 * the kiosks sync, and keeps each row version it received. At the end
 * every row the store holds must be a version it received: a row that
 * commits after the auditor's cursor has passed its number (a seq not in
 * commit order) is never sent to it, and is reported as skipped. */

#define SEEN_BITS 20
static uint64_t *seen; /* open addressing, 0 = empty */
static long nseen, audit_pulls, audit_backwards;
static int64_t audit_cursor;
static atomic_int audit_stop;

static uint64_t change_key(const fs_change *c)
{
	uint64_t h = UINT64_C(14695981039346656037);
	char text[FS_ID_MAX + 3 * FS_NAME_MAX + 96];
	size_t i, n;

	n = (size_t)snprintf(text, sizeof(text), "%d|%s|%" PRId64 "|%s|%" PRIu64 "|%s|%d",
	                     (int)c->table, c->id, c->version, c->field, (uint64_t)c->hlc,
	                     c->site, c->deleted);
	for (i = 0; i < n && i < sizeof(text); i++) {
		h ^= (unsigned char)text[i];
		h *= UINT64_C(1099511628211);
	}
	return h ? h : 1;
}

/* Add (add 1) or look up key; 1 when it was there. */
static int seen_has(uint64_t key, int add)
{
	size_t mask = ((size_t)1 << SEEN_BITS) - 1, i = (size_t)key & mask;

	while (seen[i] != 0) {
		if (seen[i] == key)
			return 1;
		i = (i + 1) & mask;
	}
	if (add && nseen < (long)(mask / 2)) {
		seen[i] = key;
		nseen++;
	}
	return 0;
}

/* One pull after the cursor; 1 when more remain. */
static int audit_pull(fs_store *s)
{
	fs_changeset cs;
	fs_err e = {0, ""};
	size_t i;

	if (fs_changes_read(s, &cs, audit_cursor, NULL, 2000, 1 << 20, &e) != 0)
		die("auditor: %s", e.msg);
	audit_pulls++;
	if (cs.from != audit_cursor || cs.to < audit_cursor)
		audit_backwards++;
	for (i = 0; i < cs.count; i++)
		seen_has(change_key(&cs.changes[i]), 1);
	if (cs.to > audit_cursor)
		audit_cursor = cs.to;
	i = (size_t)cs.more;
	fs_changeset_free(&cs);
	return (int)i;
}

static void *audit_main(void *arg)
{
	fs_store *s = arg;

	while (!audit_stop) {
		if (!audit_pull(s))
			sleep_ms(2);
	}
	return NULL;
}

/* After the run: pull to the end, then every row held must have been
 * received. *rows: rows held; returns how many were never received. */
static long audit_missing(fs_store *s, long *rows)
{
	fs_changeset cs;
	fs_err e = {0, ""};
	int64_t cursor = 0;
	long missing = 0;
	size_t i;

	while (audit_pull(s))
		;
	*rows = 0;
	for (;;) {
		if (fs_changes_read(s, &cs, cursor, NULL, 2000, 1 << 20, &e) != 0)
			die("auditor: %s", e.msg);
		for (i = 0; i < cs.count; i++) {
			(*rows)++;
			if (!seen_has(change_key(&cs.changes[i]), 0))
				missing++;
		}
		cursor = cs.to;
		i = (size_t)cs.more;
		fs_changeset_free(&cs);
		if (!i)
			break;
	}
	return missing;
}

/* ---- the modes ---- */

static void run_kiosks(int kill_loop)
{
	pthread_t th[NKIOSKS];
	unsigned rng = 12345u;
	int i, kills = 0;

	kill_mode = kill_loop;
	for (i = 0; i < NKIOSKS; i++)
		if (pthread_create(&th[i], NULL, kiosk_main, &kiosks[i]) != 0)
			die("thread");
	if (kill_loop) {
		uint64_t t0 = mono_ms();

		for (kills = 0; kills < KILLS && !kiosk_error; kills++) {
			int v = (int)rnd(&rng, NHUBS);

			sleep_ms(500 + rnd(&rng, 500));
			hub_kill(v, SIGKILL);
			hub_start(v);
		}
		printf("     kill: %d processes SIGKILLed and restarted in %.1f s\n", kills,
		       (double)(mono_ms() - t0) / 1000.0);
		stop_writing = 1;
	}
	for (i = 0; i < NKIOSKS; i++)
		pthread_join(th[i], NULL);
	if (kiosk_error)
		for (i = 0; i < NKIOSKS; i++)
			if (kiosks[i].last_error[0])
				fprintf(stderr, "kiosk %d: %s\n", i, kiosks[i].last_error);
	expect(!kiosk_error, "%s: kiosks wrote and synced concurrently without a refusal",
	       kill_loop ? "kill" : "converge");
	if (kill_loop)
		expect(kills == KILLS, "kill: %d of %d kills", kills, KILLS);
}

static void mode_sync(int kill_loop)
{
	static const char *const extra[] = {"--rate-limit", "1000000", NULL};
	const char *what = kill_loop ? "kill" : "converge";
	fs_store *hub, *auditor;
	pthread_t audit;
	long rows, missing;
	int i;

	memcpy(serve_extra, extra, sizeof(extra));
	for (i = 0; i < NHUBS; i++)
		hub_start(i);
	hub = store_open();
	auditor = store_open();
	seen = calloc((size_t)1 << SEEN_BITS, sizeof(*seen));
	if (seen == NULL)
		die("out of memory");
	publish_questionnaire(hub);
	enroll_kiosks(hub);
	seed_contacts();
	if (pthread_create(&audit, NULL, audit_main, auditor) != 0)
		die("thread");
	run_kiosks(kill_loop);
	audit_stop = 1;
	pthread_join(audit, NULL);
	report_spread(what);
	check_all(hub, what);
	missing = audit_missing(auditor, &rows);
	expect(missing == 0 && audit_backwards == 0,
	       "%s: a reader pulling after its cursor during the run (%ld pulls) received every "
	       "row the store holds (%ld rows, %ld skipped, %ld replies not from its cursor)",
	       what, audit_pulls, rows, missing, audit_backwards);
	free(seen);
	fs_store_close(auditor);
	fs_store_close(hub);
}

/* ---- enrollment across processes ---- */

typedef struct enroll_try {
	int hub;
	char src[32];
	const char *code;
	pthread_barrier_t *go;
	long status;
	char site[FS_NAME_MAX + 1];
} enroll_try;

static void *enroll_thread(void *arg)
{
	enroll_try *t = arg;
	char token[HUB_TOKEN_MAX + 1], region[FS_NAME_MAX + 1];
	CURL *c = curl_easy_init();

	pthread_barrier_wait(t->go);
	t->status = enroll_at(c, t->hub, t->src, t->code, t->site, token, region);
	curl_easy_cleanup(c);
	return NULL;
}

static int count_device(void *ctx, const fs_device_row *row)
{
	(void)row;
	(*(long *)ctx)++;
	return 0;
}

static long devices_count(fs_store *s)
{
	fs_err e = {0, ""};
	long n = 0;

	if (fs_store_registry(s)->device_each(fs_store_backend(s), count_device, &n, &e) != 0)
		die("devices: %s", e.msg);
	return n;
}

static long failures_count(fs_store *s)
{
	struct timespec ts;
	fs_err e = {0, ""};
	uint64_t now;
	long n = 0;

	clock_gettime(CLOCK_REALTIME, &ts);
	now = (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
	if (fs_store_registry(s)->failure_count(fs_store_backend(s), now - 60000, &n, &e) != 0)
		die("failures: %s", e.msg);
	return n;
}

#define RACE_CODES 5
#define RACE_TRIES 24 /* at once per code, a third at each process */
#define BOUND_THREADS 24

typedef struct bound_thread {
	int hub, idx;
	long s401, s429, other;
	const char *code;
} bound_thread;

/* Well-formed unknown codes until the hub answers 429 three times; a new
 * source every 5 attempts, so that no source reaches its own limit. */
static void *bound_main(void *arg)
{
	bound_thread *b = arg;
	CURL *c = curl_easy_init();
	int n, consecutive = 0;

	for (n = 0; n < 200 && consecutive < 3; n++) {
		char src[32];
		long st;

		snprintf(src, sizeof(src), "127.0.%d.%d", 10 + b->idx, 1 + n / 5);
		st = enroll_at(c, b->hub, src, b->code, NULL, NULL, NULL);
		if (st == 401) {
			b->s401++;
			consecutive = 0;
		} else if (st == 429) {
			b->s429++;
			consecutive++;
		} else {
			b->other++;
		}
	}
	curl_easy_cleanup(c);
	return NULL;
}

static void mode_enroll(void)
{
	static const char *const extra[] = {"--rate-limit", "5", "--threads", "8", NULL};
	char site[FS_NAME_MAX + 1], token[HUB_TOKEN_MAX + 1], region[FS_NAME_MAX + 1];
	char code[HUB_ENROLL_CODE_LEN + 1], url[64];
	CURL *c = curl_easy_init();
	fs_store *hub;
	fs_err e = {0, ""};
	long dev0, fails0, st, statuses[NHUBS][3];
	int i, j, ok;

	memcpy(serve_extra, extra, sizeof(extra));
	for (i = 0; i < NHUBS; i++)
		hub_start(i);
	hub = store_open();

	/* 1. Exactly once: each code tried RACE_TRIES times at once, spread
	 * over the processes, each try from a source of its own. */
	for (j = 0; j < RACE_CODES; j++) {
		pthread_t th[RACE_TRIES];
		enroll_try tries[RACE_TRIES];
		pthread_barrier_t go;
		long n200 = 0, n403 = 0, other = 0, dev_before, dev_after;

		if (hub_enroll_code_create(hub, code, "region-0", 3600000, &e) != 0)
			die("code: %s", e.msg);
		dev_before = devices_count(hub);
		pthread_barrier_init(&go, NULL, RACE_TRIES);
		for (i = 0; i < RACE_TRIES; i++) {
			memset(&tries[i], 0, sizeof(tries[i]));
			tries[i].hub = i % NHUBS;
			snprintf(tries[i].src, sizeof(tries[i].src), "127.0.%d.%d", 2 + j, 1 + i);
			tries[i].code = code;
			tries[i].go = &go;
			pthread_create(&th[i], NULL, enroll_thread, &tries[i]);
		}
		for (i = 0; i < RACE_TRIES; i++) {
			pthread_join(th[i], NULL);
			if (tries[i].status == 200)
				n200++;
			else if (tries[i].status == 403)
				n403++;
			else
				other++;
		}
		pthread_barrier_destroy(&go);
		dev_after = devices_count(hub);
		expect(n200 == 1 && n403 == RACE_TRIES - 1 && other == 0 && dev_after == dev_before + 1,
		       "enroll: one code tried %d times at once at %d processes: %ld x 200, %ld x 403, "
		       "%ld other; devices +%ld",
		       RACE_TRIES, NHUBS, n200, n403, other, dev_after - dev_before);
	}

	/* 2. Per process: a source's failed attempts (10 a minute) are
	 * counted by each process in its memory. */
	for (i = 0; i < 10; i++)
		enroll_at(c, 0, "127.0.9.1", "ZZZZZ-ZZZZZ-ZZ", NULL, NULL, NULL);
	st = enroll_at(c, 0, "127.0.9.1", "ZZZZZ-ZZZZZ-ZZ", NULL, NULL, NULL);
	expect(st == 429, "enroll: a source's 11th failed attempt in a minute at process 0 is 429 "
	       "(got %ld)", st);
	st = enroll_at(c, 1, "127.0.9.1", "ZZZZZ-ZZZZZ-ZZ", NULL, NULL, NULL);
	expect(st == 401, "enroll: the same source at process 1 is not limited yet (per process: got "
	       "%ld)", st);

	/* 3. Per process: a device's sync rate (--rate-limit 5 here). */
	if (hub_enroll_code_create(hub, code, "region-0", 3600000, &e) != 0)
		die("code: %s", e.msg);
	if (enroll_at(c, 0, NULL, code, site, token, region) != 200)
		die("enroll a device");
	{
		fs_changeset cs;
		fs_buf gz;
		agent_reply r;
		long codes[7];

		fs_changeset_init(&cs);
		snprintf(cs.site, sizeof(cs.site), "%s", site);
		fs_buf_init(&gz, 1 << 16);
		if (fs_changeset_pack(&gz, &cs, &e) != 0)
			die("pack: %s", e.msg);
		agent_reply_init(&r, 1 << 20);
		for (i = 0; i < 7; i++) {
			agent_client *a = NULL;

			hub_url(i < 6 ? 0 : 1, url);
			codes[i] = 0;
			if (agent_client_new(&a, url, token, NULL, 0, &e) == 0 &&
			    agent_client_post(a, &r, "/v1/sync?cursor=0", FS_WIRE_CHANGESET_TYPE, 1,
			                      gz.data, gz.len, &e) == 0)
				codes[i] = r.status;
			agent_client_free(a);
		}
		expect(codes[4] == 200 && codes[5] == 429 && codes[6] == 200,
		       "enroll: --rate-limit 5 per device: 6th sync at process 0 is %ld, the 7th, at "
		       "process 1, %ld (per process)", codes[5], codes[6]);
		agent_reply_free(&r);
		fs_buf_free(&gz);
		fs_changeset_free(&cs);
	}

	/* 4. The hub-wide bound (HUB_ENROLL_FAILS_PER_MINUTE in any 60 s) is
	 * in the store: failures at processes 0 and 1 close enrollment at
	 * process 2 too, which saw none. */
	dev0 = devices_count(hub);
	fails0 = failures_count(hub);
	{
		pthread_t th[BOUND_THREADS];
		bound_thread b[BOUND_THREADS];
		long n401 = 0, n429 = 0, other = 0, fails;

		for (i = 0; i < BOUND_THREADS; i++) {
			memset(&b[i], 0, sizeof(b[i]));
			b[i].hub = i % 2;
			b[i].idx = i;
			b[i].code = "YYYYY-YYYYY-YY";
			pthread_create(&th[i], NULL, bound_main, &b[i]);
		}
		for (i = 0; i < BOUND_THREADS; i++) {
			pthread_join(th[i], NULL);
			n401 += b[i].s401;
			n429 += b[i].s429;
			other += b[i].other;
		}
		fails = failures_count(hub);
		printf("     enroll: %ld failures before; %ld threads at processes 0 and 1 got %ld x "
		       "401, %ld x 429, %ld other; %ld failures in the store's last minute\n",
		       fails0, (long)BOUND_THREADS, n401, n429, other, fails);
		expect(other == 0 && fails0 + n401 == fails,
		       "enroll: every 401 was counted in the store (%ld + %ld = %ld)", fails0, n401,
		       fails);
		expect(fails >= HUB_ENROLL_FAILS_PER_MINUTE && fails <= HUB_ENROLL_FAILS_PER_MINUTE,
		       "enroll: the hub-wide bound held across processes: %ld failed attempts "
		       "checked in the minute, bound %d (overshoot %ld)", fails,
		       HUB_ENROLL_FAILS_PER_MINUTE, fails - HUB_ENROLL_FAILS_PER_MINUTE);
	}
	if (hub_enroll_code_create(hub, code, "region-0", 3600000, &e) != 0)
		die("code: %s", e.msg);
	memset(statuses, 0, sizeof(statuses));
	ok = 1;
	for (i = 0; i < NHUBS; i++) {
		st = enroll_at(c, i, "127.0.9.9", code, site, token, region);
		ok = ok && st == 429;
		statuses[i][0] = st;
	}
	expect(ok && devices_count(hub) == dev0,
	       "enroll: past the bound a valid code is 429 at every process, process 2 included "
	       "(%ld %ld %ld), and enrolls nothing", statuses[0][0], statuses[1][0],
	       statuses[2][0]);
	curl_easy_cleanup(c);
	fs_store_close(hub);
}

int main(int argc, char **argv)
{
	const char *mode;

	if (argc != 4) {
		fprintf(stderr, "usage: multihub_test converge|kill|enroll HUB STORE\n");
		return 2;
	}
	mode = argv[1];
	hub_bin = argv[2];
	store_loc = argv[3];
	is_pg = fs_pg_location(store_loc);
	t_start = mono_ms();
	signal(SIGPIPE, SIG_IGN);
	test_tmpdir(tmp);
	json_object_seed(0);
	if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK)
		die("libcurl");
	if (strcmp(mode, "converge") == 0)
		mode_sync(0);
	else if (strcmp(mode, "kill") == 0)
		mode_sync(1);
	else if (strcmp(mode, "enroll") == 0)
		mode_enroll();
	else
		die("unknown mode %s", mode);
	hubs_stop();
	printf("%d passed, %d failed (%.1f s)\n", passed, failed,
	       (double)(mono_ms() - t_start) / 1000.0);
	if (failed == 0 || getenv("MULTIHUB_KEEP") == NULL)
		test_rmdir(tmp);
	else
		printf("kept %s\n", tmp);
	curl_global_cleanup();
	return failed == 0 ? 0 : 1;
}
