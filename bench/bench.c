/* fieldsync-bench: throughput of the hub's and the kiosk's hot paths on a
 * realistic store, each beside the bare-SQLite ceiling measured in the same
 * run. What every number means, and the results on the reference machine:
 * docs/performance.md. Run through scripts/bench.sh.
 *
 *   1. new responses merged into a hub already holding --base responses
 *   2. contact field edits from two kiosks of one region merged into it
 *   3. a kiosk sending --responses pending responses: its sync rounds
 *      (fs_sync_round) against a hub that takes every push; reading and
 *      packing are timed
 *
 * The prepared hub (base responses and contacts, written through the engine
 * as kiosks would have sent them) is built once and cached in --dir; every
 * run works on fresh copies of it, fsynced before anything is timed, so runs
 * are comparable. Workloads are generated and gzip-packed before the clock
 * starts; only fieldsync (or SQLite, for the ceiling) runs inside it.
 * Memory stays bounded by one change set of JSON values at a time, plus the
 * packed workload (a few hundred bytes per change). */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>
#include <sodium.h>
#include <sqlite3.h>
#include <zlib.h>

#include "fieldsync/backend.h"
#include "fieldsync/changes.h"
#include "fieldsync/changeset.h"
#include "fieldsync/gzip.h"
#include "fieldsync/pg.h"
#include "fieldsync/records.h"
#include "fieldsync/seal.h"
#include "fieldsync/sync.h"

#include "bench_common.h"

#define CACHE_VERSION    2     /* bump when the generated hub changes */
#define BUILD_BATCH      10000 /* changes per merge while building the hub */
#define SET_MIN          1000  /* changes per set in the timed workloads */
#define SET_MAX          10000
#define KIOSK_READ_MAX   10000 /* fs_changes_read caps at the kiosk */
#define KIOSK_READ_BYTES (8u << 20)
#define GZ_CAP           (64u << 20)
#define DAY_MS           (86400000ull)
#define CANON_FLAGS      (JSON_COMPACT | JSON_SORT_KEYS | JSON_ENCODE_ANY)

#define TARGET_RESPONSES   50000.0  /* responses/s */
#define TARGET_FIELDS      100000.0 /* contact field changes/s */
#define TARGET_CEILING_PCT 25.0
/* The hub's page cache per store handle, as hub/pool.c sets it; the
 * ceilings' connections get the same, so they compare like with like. */
#define HUB_CACHE_KIB (64 * 1024)

/* ---- plumbing ---- */

/* 1234567.8 -> "1,234,568" in buf (32 bytes). */
static const char *grouped(char *buf, double v)
{
	char digits[32];
	size_t n, i, o = 0;

	snprintf(digits, sizeof(digits), "%.0f", v < 0 ? 0 : v);
	n = strlen(digits);
	for (i = 0; i < n; i++) {
		if (i > 0 && (n - i) % 3 == 0)
			buf[o++] = ',';
		buf[o++] = digits[i];
	}
	buf[o] = '\0';
	return buf;
}

/* ---- files ---- */

/* Copy a closed store and fsync the copy, so no dirty page of the copy is
 * left for the first timed checkpoint to flush. */
static void copy_store(const char *from, const char *to)
{
	size_t cap = 4u << 20;
	char *buf = bench_need(malloc(cap));
	int in, out;
	ssize_t n;

	bench_remove_store(to);
	in = open(from, O_RDONLY | O_CLOEXEC);
	if (in < 0)
		bench_die("cannot read %s: %s", from, strerror(errno));
	out = open(to, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (out < 0)
		bench_die("cannot write %s: %s", to, strerror(errno));
	while ((n = read(in, buf, cap)) > 0) {
		ssize_t done = 0;

		while (done < n) {
			ssize_t w = write(out, buf + done, (size_t)(n - done));

			if (w < 0)
				bench_die("cannot write %s: %s", to, strerror(errno));
			done += w;
		}
	}
	if (n < 0)
		bench_die("cannot read %s: %s", from, strerror(errno));
	if (fsync(out) != 0)
		bench_die("cannot fsync %s: %s", to, strerror(errno));
	close(in);
	close(out);
	free(buf);
}

static double file_mb(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0 ? (double)st.st_size / 1e6 : 0;
}

/* ---- SQLite connection tap ----
 * fs_store keeps its connection private. An auto-extension sees every
 * connection as it opens, so the bench can read the store's own PRAGMA
 * synchronous and count its commits without reaching into core/. */

static sqlite3 *tapped_db;

static int tap_connection(sqlite3 *db, const char **errmsg, const void *api)
{
	(void)errmsg;
	(void)api;
	tapped_db = db;
	return SQLITE_OK;
}

static int count_commit(void *ctx)
{
	(*(long *)ctx)++;
	return 0; /* 0: let the commit go ahead */
}

static int db_int(sqlite3 *db, const char *sql)
{
	sqlite3_stmt *st = NULL;
	int v = -1;

	if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK)
		bench_die("%s: %s", sql, sqlite3_errmsg(db));
	if (sqlite3_step(st) == SQLITE_ROW)
		v = sqlite3_column_int(st, 0);
	sqlite3_finalize(st);
	return v;
}

static void db_exec(sqlite3 *db, const char *sql)
{
	char *msg = NULL;

	if (sqlite3_exec(db, sql, NULL, NULL, &msg) != SQLITE_OK)
		bench_die("%s: %s", sql, msg ? msg : sqlite3_errmsg(db));
}

/* ---- where a timed phase went ----
 * Wall time, CPU time in user space and in the kernel, and the I/O asked of
 * the kernel (/proc/self/io: bytes and calls of read and write, served from
 * the page cache or not). Sums over the timed stretches of a phase. */

typedef struct cost {
	double wall, user, sys;
	double stall; /* system-wide: time some runnable task waited for a CPU */
	long long rchar, wchar, syscr, syscw;
} cost;

static void cost_now(cost *c)
{
	struct rusage ru;
	char key[32];
	long long v;
	FILE *f;

	memset(c, 0, sizeof(*c));
	c->wall = bench_mono_s();
	getrusage(RUSAGE_SELF, &ru);
	c->user = (double)ru.ru_utime.tv_sec + (double)ru.ru_utime.tv_usec / 1e6;
	c->sys = (double)ru.ru_stime.tv_sec + (double)ru.ru_stime.tv_usec / 1e6;
	f = fopen("/proc/pressure/cpu", "r");
	if (f != NULL) {
		unsigned long long us;

		if (fscanf(f, "some avg10=%*f avg60=%*f avg300=%*f total=%llu", &us) == 1)
			c->stall = (double)us / 1e6;
		fclose(f);
	}
	f = fopen("/proc/self/io", "r");
	if (f == NULL)
		return;
	while (fscanf(f, "%31[^:]: %lld\n", key, &v) == 2) {
		if (strcmp(key, "rchar") == 0)
			c->rchar = v;
		else if (strcmp(key, "wchar") == 0)
			c->wchar = v;
		else if (strcmp(key, "syscr") == 0)
			c->syscr = v;
		else if (strcmp(key, "syscw") == 0)
			c->syscw = v;
	}
	fclose(f);
}

/* acc += to - from */
static void cost_add(cost *acc, const cost *from, const cost *to)
{
	acc->wall += to->wall - from->wall;
	acc->user += to->user - from->user;
	acc->sys += to->sys - from->sys;
	acc->stall += to->stall - from->stall;
	acc->rchar += to->rchar - from->rchar;
	acc->wchar += to->wchar - from->wchar;
	acc->syscr += to->syscr - from->syscr;
	acc->syscw += to->syscw - from->syscw;
}

/* ---- deterministic data ---- */

/* Index drawn with the given integer weights. */
static int rng_weighted(bench_rng *r, const int *w, int n)
{
	int total = 0, i;
	long x;

	for (i = 0; i < n; i++)
		total += w[i];
	x = bench_rng_range(r, 0, total - 1);
	for (i = 0; i < n - 1 && x >= w[i]; i++)
		x -= w[i];
	return i;
}

static const char *rng_pick(bench_rng *r, const char *const *list, size_t n)
{
	return list[bench_rng_range(r, 0, (long)n - 1)];
}

#define PICK(r, list) rng_pick((r), (list), sizeof(list) / sizeof((list)[0]))

/* A UUIDv7 for time ms (the layout fs_uuid_v7 writes), from r. */
static void make_uuid7(char out[FS_UUID_LEN + 1], bench_rng *r, uint64_t ms)
{
	uint64_t a = bench_rng_next(r), b = bench_rng_next(r);

	snprintf(out, FS_UUID_LEN + 1, "%08" PRIx32 "-%04x-7%03x-%04x-%012" PRIx64,
	         (uint32_t)(ms >> 16), (unsigned)(ms & 0xffff), (unsigned)(a & 0xfff),
	         (unsigned)(0x8000 | ((a >> 12) & 0x3fff)), (uint64_t)(b & 0xffffffffffffu));
}

/* Plausible free text of about len bytes (never more than cap - 1): what
 * people type into a comment box or a worker into case notes. */
static void make_text(char *out, size_t cap, bench_rng *r, size_t len)
{
	static const char *const words[] = {
	    "we",       "talked",   "about",    "the",     "rent",        "arrears",  "and",
	    "a",        "plan",     "to",       "call",    "housing",     "office",   "next",
	    "week",     "she",      "felt",     "better",  "after",       "group",    "session",
	    "money",    "worries",  "sleep",    "is",      "still",       "hard",     "food",
	    "bank",     "referral", "made",     "his",     "daughter",    "school",   "meeting",
	    "benefits", "form",     "helped",   "with",    "volunteer",   "will",     "follow",
	    "up",       "on",       "thursday", "anxious", "lonely",      "since",    "moving",
	    "here",     "garden",   "club",     "café",    "staff",       "were",     "kind",
	    "waiting",  "too",      "long",     "for",     "appointment", "bus",      "costs",
	    "it",       "would",    "help",     "if",      "opening",     "hours",    "were",
	    "longer",   "diolch",   "cymorth",  "grŵp",    "more",        "evenings", "quiet",
	    "space"};
	size_t n = 0, w;
	int start = 1;

	if (len + 1 > cap)
		len = cap - 1;
	while (n < len) {
		const char *word = PICK(r, words);

		w = strlen(word);
		if (n + w + 2 > len)
			break;
		if (n > 0)
			out[n++] = ' ';
		memcpy(out + n, word, w);
		if (start && word[0] >= 'a' && word[0] <= 'z')
			out[n] = (char)(word[0] - 32);
		n += w;
		start = bench_rng_chance(r, 0.12);
		if (start)
			out[n++] = '.';
	}
	if (n == 0)
		n = (size_t)snprintf(out, cap, "Ok");
	else if (out[n - 1] != '.')
		out[n++] = '.';
	out[n] = '\0';
}

/* ---- the questionnaire: a wellbeing survey of 10 questions using every
 * answerable type, in English and Welsh ---- */

#define QUESTIONNAIRE_ID "bench-wellbeing"

static const char *const questionnaire_json =
    "{\"format\": \"fieldsync-questionnaire/1\", \"id\": \"" QUESTIONNAIRE_ID "\","
    " \"version\": 1, \"languages\": [\"en\", \"cy\"],"
    " \"title\": {\"en\": \"How are you feeling?\", \"cy\": \"Sut ydych chi'n teimlo?\"},"
    " \"intro\": {\"en\": \"A few short questions. There are no right or wrong answers.\"},"
    " \"questions\": ["
    "  {\"id\": \"consent\", \"type\": \"consent\", \"required\": true,"
    "   \"label\": {\"en\": \"Your answers are anonymous and help us shape local services"
    " with you. Do you agree to take part?\", \"cy\": \"Mae eich atebion yn ddienw."
    " Ydych chi'n cytuno i gymryd rhan?\"}},"
    "  {\"id\": \"life_satisfaction\", \"type\": \"scale\", \"min\": 0, \"max\": 10,"
    "   \"required\": true, \"min_label\": {\"en\": \"Not at all\"},"
    "   \"max_label\": {\"en\": \"Completely\"},"
    "   \"label\": {\"en\": \"Overall, how satisfied are you with your life nowadays?\"}},"
    "  {\"id\": \"happy_yesterday\", \"type\": \"scale\", \"min\": 0, \"max\": 10,"
    "   \"required\": true, \"label\": {\"en\": \"Overall, how happy did you feel"
    " yesterday?\"}},"
    "  {\"id\": \"anxious_yesterday\", \"type\": \"scale\", \"min\": 0, \"max\": 10,"
    "   \"required\": true, \"label\": {\"en\": \"Overall, how anxious did you feel"
    " yesterday?\"}},"
    "  {\"id\": \"support_wanted\", \"type\": \"multi_choice\", \"max\": 3,"
    "   \"show_if\": {\"any\": [{\"question\": \"life_satisfaction\", \"lte\": 4},"
    "                          {\"question\": \"anxious_yesterday\", \"gte\": 6}]},"
    "   \"label\": {\"en\": \"Would any of these help you? Choose up to three.\"},"
    "   \"options\": ["
    "    {\"value\": \"peer_support\", \"label\": {\"en\": \"Talking with someone who has"
    " been there\"}},"
    "    {\"value\": \"activities\", \"label\": {\"en\": \"Local groups and activities\"}},"
    "    {\"value\": \"money_advice\", \"label\": {\"en\": \"Money or housing advice\"}},"
    "    {\"value\": \"gp\", \"label\": {\"en\": \"Seeing a GP or nurse\"}},"
    "    {\"value\": \"counselling\", \"label\": {\"en\": \"Counselling\"}}]},"
    "  {\"id\": \"visit_reason\", \"type\": \"single_choice\", \"required\": true,"
    "   \"label\": {\"en\": \"What brought you here today?\"},"
    "   \"options\": ["
    "    {\"value\": \"drop_in\", \"label\": {\"en\": \"The drop-in\"}},"
    "    {\"value\": \"appointment\", \"label\": {\"en\": \"An appointment\"}},"
    "    {\"value\": \"group\", \"label\": {\"en\": \"A group or activity\"}},"
    "    {\"value\": \"advice\", \"label\": {\"en\": \"Advice\"}},"
    "    {\"value\": \"other\", \"label\": {\"en\": \"Something else\"}}]},"
    "  {\"id\": \"age\", \"type\": \"number\", \"integer\": true, \"min\": 16, \"max\": 120,"
    "   \"label\": {\"en\": \"How old are you?\"}, \"hint\": {\"en\": \"You can skip"
    " this.\"}},"
    "  {\"id\": \"last_visit\", \"type\": \"date\", \"min\": \"2020-01-01\", \"max\":"
    " \"today\", \"label\": {\"en\": \"When did you last use one of our services?\"}},"
    "  {\"id\": \"come_again\", \"type\": \"yes_no\","
    "   \"label\": {\"en\": \"Would you come again?\"}},"
    "  {\"id\": \"comment\", \"type\": \"text\", \"multiline\": true, \"max_length\": 1000,"
    "   \"label\": {\"en\": \"Anything else you would like to tell us?\"}}]}";

static json_t *questionnaire_doc(void)
{
	json_error_t je;
	json_t *doc = json_loads(questionnaire_json, 0, &je);

	if (doc == NULL)
		bench_die("questionnaire: %s", je.text);
	return doc;
}

static void publish_questionnaire(fs_store *s)
{
	json_t *doc = questionnaire_doc();
	fs_err e = {0, ""};

	bench_check(fs_questionnaire_publish(s, doc, &e), &e, "publish questionnaire");
	json_decref(doc);
}

/* Answers as people give them: ONS-like score distributions, optional
 * questions often skipped, a comment from about one in four. */
static json_t *make_answers(bench_rng *r, uint64_t submitted_ms)
{
	static const int satisfied[11] = {1, 1, 2, 3, 5, 9, 12, 20, 24, 13, 10};
	static const int anxious[11] = {20, 12, 12, 10, 8, 10, 8, 7, 6, 4, 3};
	static const char *const support[] = {"peer_support", "activities", "money_advice", "gp",
	                                      "counselling"};
	static const char *const reasons[] = {"drop_in", "drop_in", "appointment",
	                                      "group",   "advice",  "other"};
	json_t *a = bench_need(json_object());
	char date[11], text[1001];
	int ls = rng_weighted(r, satisfied, 11), anx = rng_weighted(r, anxious, 11);

	json_object_set_new(a, "consent", json_true());
	json_object_set_new(a, "life_satisfaction", json_integer(ls));
	json_object_set_new(a, "happy_yesterday", json_integer(rng_weighted(r, satisfied, 11)));
	json_object_set_new(a, "anxious_yesterday", json_integer(anx));
	if ((ls <= 4 || anx >= 6) && bench_rng_chance(r, 0.6)) {
		json_t *arr = bench_need(json_array());
		long n = bench_rng_range(r, 1, 3), first = bench_rng_range(r, 0, 4), i;

		for (i = 0; i < n; i++) /* distinct: consecutive options mod 5 */
			json_array_append_new(arr, json_string(support[(first + i) % 5]));
		json_object_set_new(a, "support_wanted", arr);
	}
	json_object_set_new(a, "visit_reason", json_string(PICK(r, reasons)));
	if (bench_rng_chance(r, 0.75))
		json_object_set_new(a, "age", json_integer(bench_rng_range(r, 16, 90)));
	if (bench_rng_chance(r, 0.5)) {
		bench_date(date, submitted_ms - (uint64_t)bench_rng_range(r, 1, 180) * DAY_MS);
		json_object_set_new(a, "last_visit", json_string(date));
	}
	if (bench_rng_chance(r, 0.9))
		json_object_set_new(a, "come_again", json_boolean(bench_rng_chance(r, 0.85)));
	if (bench_rng_chance(r, 0.25)) {
		make_text(text, sizeof(text), r, (size_t)bench_rng_range(r, 15, 300));
		json_object_set_new(a, "comment", json_string(text));
	}
	return a;
}

static json_t *make_response(bench_rng *r, uint64_t submitted_ms)
{
	static const char *const workers[] = {"w-amina", "w-gareth", "w-priya", "w-tomasz",
	                                      "w-sian"};
	char started[21], submitted[21];
	int assisted = bench_rng_chance(r, 0.3);
	json_t *body;

	bench_rfc3339(submitted, submitted_ms);
	bench_rfc3339(started, submitted_ms - (uint64_t)bench_rng_range(r, 45, 900) * 1000);
	body =
	    bench_need(json_pack("{s:s, s:i, s:s, s:s, s:s, s:s, s:o}", "questionnaire", QUESTIONNAIRE_ID,
	                   "version", 1, "language", bench_rng_chance(r, 0.15) ? "cy" : "en", "mode",
	                   assisted ? "assisted" : "self", "started_at", started, "submitted_at",
	                   submitted, "answers", make_answers(r, submitted_ms)));
	if (assisted)
		json_object_set_new(body, "worker", json_string(PICK(r, workers)));
	return body;
}

/* A value for a contact field, as a worker would enter it at ms. */
static json_t *make_contact_value(bench_rng *r, const char *field, uint64_t ms)
{
	static const char *const channels[] = {"in_person", "in_person", "phone",
	                                       "video",     "text",      "group"};
	static const char *const topics[] = {"housing",        "money",      "loneliness",
	                                     "mental_health",  "employment", "family",
	                                     "physical_health"};
	static const char *const services[] = {
	    "Citizens Advice",  "Food bank, Mill Lane", "Talking Therapies self-referral",
	    "Shelter helpline", "Credit union",         "Men's shed, Station Road"};
	static const char *const workers[] = {"w-amina", "w-gareth", "w-priya", "w-tomasz",
	                                      "w-sian"};
	char text[4001], buf[32];

	if (strcmp(field, "person_ref") == 0) {
		snprintf(buf, sizeof(buf), "%c%c%04ld", (char)('A' + bench_rng_range(r, 0, 25)),
		         (char)('A' + bench_rng_range(r, 0, 25)), bench_rng_range(r, 0, 9999));
		return json_string(buf);
	}
	if (strcmp(field, "contact_at") == 0) {
		bench_rfc3339(buf, ms - (uint64_t)bench_rng_range(r, 0, 3600) * 1000);
		return json_string(buf);
	}
	if (strcmp(field, "channel") == 0)
		return json_string(PICK(r, channels));
	if (strcmp(field, "duration_min") == 0)
		return json_integer(bench_rng_range(r, 5, 90));
	if (strcmp(field, "topics") == 0 || strcmp(field, "signposted") == 0) {
		int is_topics = field[0] == 't';
		size_t n = is_topics ? sizeof(topics) / sizeof(topics[0])
		                     : sizeof(services) / sizeof(services[0]);
		long k = bench_rng_range(r, 1, is_topics ? 3 : 2), first = bench_rng_range(r, 0, (long)n - 1),
		     i;
		json_t *arr;

		if (!is_topics && bench_rng_chance(r, 0.4))
			return json_null();
		arr = bench_need(json_array());
		for (i = 0; i < k; i++)
			json_array_append_new(arr,
			                      json_string(is_topics ? topics[(first + i) % n]
			                                            : services[(first + i) % n]));
		return arr;
	}
	if (strcmp(field, "support") == 0 || strcmp(field, "notes") == 0) {
		if (field[0] == 'n' && bench_rng_chance(r, 0.3))
			return json_null();
		make_text(text, sizeof(text), r, (size_t)bench_rng_range(r, 40, 400));
		return json_string(text);
	}
	if (strcmp(field, "follow_up_date") == 0) {
		if (bench_rng_chance(r, 0.4))
			return json_null();
		bench_date(buf, ms + (uint64_t)bench_rng_range(r, 3, 28) * DAY_MS);
		return json_string(buf);
	}
	if (strcmp(field, "follow_up_done") == 0)
		return json_boolean(bench_rng_chance(r, 0.5));
	if (strcmp(field, "status") == 0)
		return json_string(bench_rng_chance(r, 0.6) ? "open" : "closed");
	if (strcmp(field, "worker") == 0)
		return json_string(PICK(r, workers));
	if (strcmp(field, "deleted") == 0)
		return json_false();
	bench_die("no generator for contact field %s", field);
}

/* ---- kiosks and change sets ---- */

typedef bench_sender kiosk; /* site, region, change counter (from/to) */

#define NKIOSKS  8
#define NREGIONS 4
static const char *const regions[NREGIONS] = {"north", "south", "east", "west"};

static void kiosks_init(kiosk k[NKIOSKS], int64_t first_seq)
{
	static const char *const sites[NKIOSKS] = {
	    "kiosk-north-1", "kiosk-north-2", "kiosk-south-1", "kiosk-south-2",
	    "kiosk-east-1",  "kiosk-east-2",  "kiosk-west-1",  "kiosk-west-2"};
	int i;

	for (i = 0; i < NKIOSKS; i++) {
		k[i].site = sites[i];
		k[i].region = regions[i / 2];
		k[i].seq = first_seq;
	}
}

/* --sealed: responses made from here on carry sealed answers (seal.h), as
 * an enrolled kiosk stores and sends them; "" when not sealing. */
static char g_seal_pin[FS_SEAL_PIN_MAX + 1];

/* Replace a response body's answers by their sealed form, as
 * fs_response_add does at an enrolled kiosk. */
static json_t *questionnaire_doc(void);

/* The sealed form of canonical answers text, as fs_response_add stores it. */
static char *seal_answers(const char *plain)
{
	static json_t *doc;
	char *sealed = NULL;
	fs_err e = {0, ""};

	if (doc == NULL)
		doc = questionnaire_doc();
	bench_check(fs_seal_answers_with(&sealed, g_seal_pin, doc, plain, &e), &e, "seal");
	return sealed;
}

static void seal_body(json_t *body)
{
	char *plain = json_dumps(json_object_get(body, "answers"),
	                         JSON_COMPACT | JSON_SORT_KEYS | JSON_ENCODE_ANY);
	char *sealed;

	if (plain == NULL)
		bench_die("seal: out of memory");
	sealed = seal_answers(plain);
	json_object_set_new(body, "answers", json_loads(sealed, 0, NULL));
	free(plain);
	free(sealed);
}

/* A seal key pair: its pin for the generators, its secret in hub's meta
 * (hub/keys.c's layout), so the hub's merge opens what they seal. */
static void seal_setup(fs_store *hub)
{
	unsigned char pk[crypto_box_PUBLICKEYBYTES], sk[crypto_box_SECRETKEYBYTES];
	char id[FS_SEAL_KEYID_LEN + 1], key[64], b64[64];
	fs_err e = {0, ""};

	if (sodium_init() < 0)
		bench_die("libsodium failed to initialise");
	crypto_box_keypair(pk, sk);
	fs_seal_key_id(id, pk);
	snprintf(g_seal_pin, sizeof(g_seal_pin), "%s:", id);
	sodium_bin2base64(g_seal_pin + strlen(g_seal_pin), sizeof(g_seal_pin) - strlen(g_seal_pin),
	                  pk, sizeof(pk), sodium_base64_VARIANT_ORIGINAL);
	if (hub == NULL)
		return;
	snprintf(key, sizeof(key), FS_SEAL_META_SECRET "%s", id);
	sodium_bin2base64(b64, sizeof(b64), sk, sizeof(sk), sodium_base64_VARIANT_ORIGINAL);
	bench_check(fs_store_ops(hub)->meta_put(fs_store_backend(hub), key, b64, &e), &e,
	            "hub seal key");
}

static void add_response(fs_changeset *cs, kiosk *k, bench_rng *r, uint64_t ms)
{
	fs_change c;

	memset(&c, 0, sizeof(c));
	c.table = FS_TABLE_RESPONSES;
	make_uuid7(c.id, r, ms);
	c.hlc = fs_hlc_make(ms, 0);
	snprintf(c.site, sizeof(c.site), "%s", k->site);
	c.value = make_response(r, ms);
	if (g_seal_pin[0] != '\0')
		seal_body(c.value);
	bench_set_add(cs, k, &c);
}

/* A change set as it arrives at the hub: gzip bytes, and who sent it. */
typedef struct packed {
	char *gz;
	size_t len;
	const kiosk *from;
	size_t changes;
} packed;

typedef struct workload {
	packed *sets;
	size_t count, alloc, changes, gz_bytes;
} workload;

static void workload_add(workload *w, const fs_changeset *cs, const kiosk *from)
{
	fs_err e = {0, ""};
	fs_buf gz;

	if (w->count == w->alloc) {
		w->alloc = w->alloc ? 2 * w->alloc : 64;
		w->sets = bench_need(realloc(w->sets, w->alloc * sizeof(*w->sets)));
	}
	fs_buf_init(&gz, GZ_CAP);
	bench_check(fs_changeset_pack(&gz, cs, &e), &e, "pack workload");
	w->sets[w->count].gz = gz.data; /* taken over from gz */
	w->sets[w->count].len = gz.len;
	w->sets[w->count].from = from;
	w->sets[w->count].changes = cs->count;
	w->count++;
	w->changes += cs->count;
	w->gz_bytes += gz.len;
}

static void workload_free(workload *w)
{
	size_t i;

	for (i = 0; i < w->count; i++)
		free(w->sets[i].gz);
	free(w->sets);
	memset(w, 0, sizeof(*w));
}

static void unpack(fs_changeset *cs, const packed *p)
{
	fs_codec_limits lim;
	fs_err e = {0, ""};

	/* The timed sets (up to SET_MAX changes, several MiB of JSON) are
	 * larger than a kiosk sends (2,000 / 512 KiB), so past the default
	 * inflation cap and decode budget: every other check is the same. */
	fs_codec_limits_default(&lim);
	lim.max_inflated = GZ_CAP;
	lim.max_decode_bytes = (size_t)1 << 30;
	bench_check(fs_changeset_unpack(cs, p->gz, p->len, &lim, &e), &e, "unpack");
}

/* ---- options and results ---- */

typedef struct options {
	long base, contacts, responses, edits;
	const char *dir;
	const char *db;     /* --db: the hub store in this PostgreSQL database */
	const char *only;   /* NULL, "responses", "contacts" or "encode" */
	const char *pragma; /* experiment: SQL run on the hub's and the ceiling's connection */
	int keep;
	int sealed; /* --sealed: new responses (1, 3) carry sealed answers */
} options;

typedef struct merge_run {
	cost unpack, merge;
	double pg_cpu_s; /* the PostgreSQL server's CPU over the phase, or -1 */
	long changes, sets, commits;
	fs_merge_result res;
} merge_run;

typedef struct ceiling_run {
	cost c;
	long rows;
} ceiling_run;

typedef struct encode_run {
	double read_s, pack_s, encode_s, gzip1_s;
	size_t gzip1_bytes; /* the same JSON at gzip level 1, for comparison */
	long changes, sets;
	size_t json_bytes, gz_bytes;
} encode_run;

typedef struct results {
	double fsync_ms;
	int synchronous;
	int cache_kib; /* hub store page cache, read on its connection */
	char hub_note[4400];
	double hub_mb;
	merge_run resp, edit;
	ceiling_run resp_ceil, edit_ceil;
	ceiling_run resp_ceil_sets, edit_ceil_sets; /* one commit per set */
	encode_run enc;
	long north_contacts;
	int kiosk_synchronous;
	double worst_contention; /* % */
	double kiosk_build_s;
	int pg;              /* --db: the hub store is in PostgreSQL; no ceilings */
	char pg_about[512];  /* its version and commit settings */
} results;

static int wants(const options *o, const char *part)
{
	return o->only == NULL || strcmp(o->only, part) == 0;
}

/* ---- the prepared hub ---- */

static void hub_receive(fs_store *hub, const fs_changeset *cs, const kiosk *k, fs_merge_result *res)
{
	fs_err e = {0, ""};

	bench_check(fs_sync_hub_receive(hub, cs, k->site, k->region, res, &e), &e, "hub merge");
	if (res->quarantined != 0)
		bench_die("hub merge of %s: %ld change(s) quarantined; the generator is wrong", k->site,
		    res->quarantined);
}

typedef struct north north;
static void north_add(north *n, const char *id, fs_hlc hlc);

/* Fill the hub store hub (empty, identity "hub"): base responses from all
 * kiosks, then contacts with every field, each created by the first kiosk
 * of its region, all merged through fs_sync_hub_receive in sets of
 * BUILD_BATCH changes, with timestamps in the 400 days before the run.
 * collect: NULL, or where region north's contacts are noted as they are
 * written (the store is not read back for them). */
static void build_hub_into(fs_store *hub, const options *o, uint64_t now, north *collect)
{
	char n1[32];
	uint64_t start = now - 400 * DAY_MS, span = 398 * DAY_MS;
	size_t nfields = 0;
	kiosk k[NKIOSKS];
	bench_rng r = {0x5eed};
	double t0 = bench_mono_s();
	long i, j, per;

	while (fs_contact_fields[nfields] != NULL)
		nfields++;
	kiosks_init(k, 0);
	publish_questionnaire(hub);
	for (i = 0; i < o->base; i += BUILD_BATCH) {
		long n = o->base - i < BUILD_BATCH ? o->base - i : BUILD_BATCH;
		kiosk *from = &k[(i / BUILD_BATCH) % NKIOSKS];
		fs_merge_result res;
		fs_changeset cs;

		bench_set_begin(&cs, from, now);
		for (j = 0; j < n; j++)
			add_response(
			    &cs, from, &r,
			    start + (uint64_t)((double)(i + j) / (double)o->base * (double)span));
		hub_receive(hub, &cs, from, &res);
		if (res.applied != n)
			bench_die("building hub: %ld of %ld responses applied", res.applied, n);
		fs_changeset_free(&cs);
		if ((i / BUILD_BATCH) % 10 == 9)
			fprintf(stderr, "  %s responses, %.0f s\n", grouped(n1, (double)(i + n)),
			        bench_mono_s() - t0);
	}
	per = BUILD_BATCH / (long)nfields;
	for (i = 0; i < o->contacts; i += per) {
		long n = o->contacts - i < per ? o->contacts - i : per;
		kiosk *from = &k[2 * ((i / per) % NREGIONS)];
		fs_merge_result res;
		fs_changeset cs;

		bench_set_begin(&cs, from, now);
		for (j = 0; j < n; j++) {
			uint64_t ms = start + (uint64_t)((double)(i + j) / (double)o->contacts *
			                                 (double)span);
			char id[FS_UUID_LEN + 1];
			size_t f;

			make_uuid7(id, &r, ms);
			if (collect != NULL && strcmp(from->region, "north") == 0)
				north_add(collect, id, fs_hlc_make(ms, 0));
			for (f = 0; f < nfields; f++)
				bench_add_contact_field(&cs, from, id, fs_contact_fields[f],
				                  make_contact_value(&r, fs_contact_fields[f], ms),
				                  fs_hlc_make(ms, 0), 0, NULL);
		}
		hub_receive(hub, &cs, from, &res);
		if (res.applied != n * (long)nfields)
			bench_die("building hub: %ld of %ld contact fields applied", res.applied,
			    n * (long)nfields);
		fs_changeset_free(&cs);
		if ((i / per) % 20 == 19)
			fprintf(stderr, "  %s contacts, %.0f s\n", grouped(n1, (double)(i + n)),
			        bench_mono_s() - t0);
	}
}

/* The SQLite hub, built once into path.tmp and renamed when done. */
static void build_hub(const options *o, const char *path, uint64_t now)
{
	char tmp[4200], n1[32], n2[32];
	fs_store_options as_hub = {NULL, NULL, 1, 0}; /* made as a hub's: its page size */
	fs_store *hub = NULL;
	fs_err e = {0, ""};
	double t0 = bench_mono_s();

	bench_path_printf(tmp, sizeof(tmp), "%s.tmp", path);
	bench_remove_store(tmp);
	bench_check(fs_store_open_with(&hub, tmp, &as_hub, &e), &e, "open hub");
	bench_check(fs_store_set_identity(hub, "hub", NULL, &e), &e, "hub identity");
	fprintf(stderr, "building hub: %s responses, %s contacts (once; cached in %s)\n",
	        grouped(n1, (double)o->base), grouped(n2, (double)o->contacts), path);
	build_hub_into(hub, o, now, NULL);
	fs_store_close(hub); /* checkpoints and removes the WAL */
	if (rename(tmp, path) != 0)
		bench_die("cannot rename %s: %s", tmp, strerror(errno));
	fprintf(stderr, "hub built in %.0f s\n", bench_mono_s() - t0);
}

/* ---- 1. new responses at the hub ---- */

/* Responses submitted over the last day at all kiosks, in sets of
 * SET_MIN..SET_MAX changes, each set from one kiosk chosen at random. */
static void make_response_workload(workload *w, kiosk k[NKIOSKS], long total, uint64_t now)
{
	uint64_t start = now - DAY_MS, span = DAY_MS - 60000;
	bench_rng r = {0xfeed};
	long done = 0, j;

	while (done < total) {
		long n = bench_rng_range(&r, SET_MIN, SET_MAX);
		kiosk *from = &k[bench_rng_range(&r, 0, NKIOSKS - 1)];
		fs_changeset cs;

		if (n > total - done)
			n = total - done;
		bench_set_begin(&cs, from, now);
		for (j = 0; j < n; j++)
			add_response(
			    &cs, from, &r,
			    start + (uint64_t)((double)(done + j) / (double)total * (double)span));
		workload_add(w, &cs, from);
		fs_changeset_free(&cs);
		done += n;
	}
}

/* Unpack and merge every set of w at the hub, timing the two apart. */
static pid_t g_postmaster; /* --db: the PostgreSQL server's, or 0 */

static void run_merges(merge_run *out, fs_store *hub, const workload *w, long *commit_counter)
{
	long commits0 = *commit_counter;
	/* Read once around the phase, not per set: a scan of /proc inside the
	 * timed stretches would count against the merge. The server only
	 * works during the merges, so all of it is the merge's. */
	double pg0 = bench_pg_cpu_s(g_postmaster), pg1;
	size_t i;

	memset(out, 0, sizeof(*out));
	for (i = 0; i < w->count; i++) {
		fs_merge_result res;
		fs_changeset cs;
		cost t0, t1, t2;

		cost_now(&t0);
		unpack(&cs, &w->sets[i]);
		cost_now(&t1);
		hub_receive(hub, &cs, w->sets[i].from, &res);
		cost_now(&t2);
		cost_add(&out->unpack, &t0, &t1);
		cost_add(&out->merge, &t1, &t2);
		out->changes += (long)cs.count;
		out->res.applied += res.applied;
		out->res.unchanged += res.unchanged;
		out->res.conflicts += res.conflicts;
		out->res.quarantined += res.quarantined;
		fs_changeset_free(&cs);
	}
	out->sets = (long)w->count;
	out->commits = *commit_counter - commits0;
	pg1 = bench_pg_cpu_s(g_postmaster);
	out->pg_cpu_s = pg0 >= 0 && pg1 >= 0 ? pg1 - pg0 : -1;
}

static sqlite3 *ceiling_open(const char *path, const char *pragma)
{
	sqlite3 *db = NULL;

	if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX, NULL) !=
	    SQLITE_OK)
		bench_die("cannot open %s", path);
	/* The hub store's own settings (store.h, hub/pool.c). */
	db_exec(db, "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL; PRAGMA foreign_keys=ON;");
	{
		char sql[64];

		snprintf(sql, sizeof(sql), "PRAGMA cache_size=-%d", HUB_CACHE_KIB);
		db_exec(db, sql);
	}
	if (pragma != NULL)
		db_exec(db, pragma);
	return db;
}

static int64_t ceiling_seq(sqlite3 *db)
{
	return db_int(db, "SELECT CAST(value AS INTEGER) FROM meta WHERE key = 'seq'");
}

static void timed_exec(cost *acc, sqlite3 *db, const char *sql)
{
	cost t0, t1;

	cost_now(&t0);
	db_exec(db, sql);
	cost_now(&t1);
	cost_add(acc, &t0, &t1);
}

/* The ceiling for 1: the same rows, the same columns, one prepared INSERT
 * each, in one transaction (per_set: one per change set, as the engine
 * commits), into a copy of the same hub. Unpacking the sets and
 * serializing answers happen outside the clock. */
static void run_response_ceiling(ceiling_run *out, sqlite3 *db, const workload *w, int per_set)
{
	sqlite3_stmt *st = NULL;
	int64_t seq = ceiling_seq(db);
	char **answers = NULL;
	size_t i, j;
	cost t0, t1;

	memset(out, 0, sizeof(*out));
	if (sqlite3_prepare_v2(
	        db,
	        "INSERT INTO responses (id, questionnaire_id, questionnaire_version, "
	        "started_at, submitted_at, language, mode, worker, answers, "
	        "deleted, hlc, site, seq) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, "
	        "?9, ?10, ?11, ?12, ?13)",
	        -1, &st, NULL) != SQLITE_OK)
		bench_die("ceiling: %s", sqlite3_errmsg(db));
	answers = bench_need(calloc(SET_MAX, sizeof(*answers)));
	if (!per_set)
		timed_exec(&out->c, db, "BEGIN IMMEDIATE");
	for (i = 0; i < w->count; i++) {
		fs_changeset cs;

		unpack(&cs, &w->sets[i]);
		for (j = 0; j < cs.count; j++)
			answers[j] = bench_need(json_dumps(
			    json_object_get(cs.changes[j].value, "answers"), CANON_FLAGS));
		cost_now(&t0);
		if (per_set)
			db_exec(db, "BEGIN IMMEDIATE");
		for (j = 0; j < cs.count; j++) {
			const fs_change *c = &cs.changes[j];
			const json_t *b = c->value, *worker = json_object_get(b, "worker");

#define TEXT(i, key)                                                                               \
	sqlite3_bind_text(st, i, json_string_value(json_object_get(b, key)), -1, SQLITE_STATIC)
			sqlite3_bind_text(st, 1, c->id, -1, SQLITE_STATIC);
			TEXT(2, "questionnaire");
			sqlite3_bind_int64(st, 3,
			                   json_integer_value(json_object_get(b, "version")));
			TEXT(4, "started_at");
			TEXT(5, "submitted_at");
			TEXT(6, "language");
			TEXT(7, "mode");
			if (json_is_string(worker))
				sqlite3_bind_text(st, 8, json_string_value(worker), -1,
				                  SQLITE_STATIC);
			else
				sqlite3_bind_null(st, 8);
			sqlite3_bind_text(st, 9, answers[j], -1, SQLITE_STATIC);
			sqlite3_bind_int(st, 10, 0);
			sqlite3_bind_int64(st, 11, (sqlite3_int64)c->hlc);
			sqlite3_bind_text(st, 12, c->site, -1, SQLITE_STATIC);
			sqlite3_bind_int64(st, 13, ++seq);
#undef TEXT
			if (sqlite3_step(st) != SQLITE_DONE)
				bench_die("ceiling insert: %s", sqlite3_errmsg(db));
			sqlite3_reset(st);
		}
		if (per_set)
			db_exec(db, "COMMIT");
		cost_now(&t1);
		cost_add(&out->c, &t0, &t1);
		out->rows += (long)cs.count;
		for (j = 0; j < cs.count; j++)
			free(answers[j]);
		fs_changeset_free(&cs);
	}
	if (!per_set)
		timed_exec(&out->c, db, "COMMIT");
	sqlite3_finalize(st);
	free(answers);
}

/* ---- 2. contact field edits at the hub ---- */

/* What the hub holds for one (contact, field): its winning write and the
 * write that one replaced. Sites are 1 (kiosk-north-1) and 2
 * (kiosk-north-2); 0 is none. */
typedef struct field_state {
	fs_hlc hlc, prev_hlc;
	uint8_t site, prev_site;
} field_state;

typedef struct edit {
	uint32_t pair; /* contact index * nfields + field index */
} edit;

struct north {
	char (*ids)[FS_UUID_LEN + 1];
	long count;
	size_t nfields;
	field_state *state; /* count * nfields */
	uint32_t *stamp[2]; /* round + 1 in which kiosk k last edited a pair */
	long cap;
};

static void north_init(north *n)
{
	memset(n, 0, sizeof(*n));
	while (fs_contact_fields[n->nfields] != NULL)
		n->nfields++;
	n->cap = 1024;
	n->ids = bench_need(malloc((size_t)n->cap * sizeof(*n->ids)));
	n->state = bench_need(malloc((size_t)n->cap * n->nfields * sizeof(*n->state)));
}

/* Contact id, all of whose fields kiosk-north-1 wrote at hlc. */
static void north_add(north *n, const char *id, fs_hlc hlc)
{
	size_t f;

	if (n->count == n->cap) {
		n->cap *= 2;
		n->ids = bench_need(realloc(n->ids, (size_t)n->cap * sizeof(*n->ids)));
		n->state = bench_need(realloc(n->state, (size_t)n->cap * n->nfields * sizeof(*n->state)));
	}
	snprintf(n->ids[n->count], FS_UUID_LEN + 1, "%s", id);
	for (f = 0; f < n->nfields; f++) {
		field_state *s = &n->state[(size_t)n->count * n->nfields + f];

		s->hlc = hlc;
		s->site = 1;
		s->prev_hlc = 0;
		s->prev_site = 0;
	}
	n->count++;
}

static void north_finish(north *n)
{
	int i;

	if (n->count == 0)
		bench_die("the hub holds no contacts of region north");
	for (i = 0; i < 2; i++)
		n->stamp[i] = bench_need(calloc((size_t)n->count * n->nfields, sizeof(uint32_t)));
}

/* The contacts of region north as the hub holds them: all their fields
 * were written together by kiosk-north-1 when the hub was built. */
static void north_load(north *n, sqlite3 *db)
{
	sqlite3_stmt *st = NULL;

	north_init(n);
	if (sqlite3_prepare_v2(db,
	                       "SELECT c.id, f.hlc, f.site FROM contacts c JOIN contact_fields f "
	                       "ON f.contact_id = c.id AND f.field = 'person_ref' "
	                       "WHERE c.region = 'north' ORDER BY c.id",
	                       -1, &st, NULL) != SQLITE_OK)
		bench_die("north contacts: %s", sqlite3_errmsg(db));
	while (sqlite3_step(st) == SQLITE_ROW) {
		if (strcmp((const char *)sqlite3_column_text(st, 2), "kiosk-north-1") != 0)
			bench_die("north contacts: unexpected creator; rebuild the cached hub");
		north_add(n, (const char *)sqlite3_column_text(st, 0),
		          (fs_hlc)sqlite3_column_int64(st, 1));
	}
	sqlite3_finalize(st);
	north_finish(n);
}

static void north_free(north *n)
{
	free(n->ids);
	free(n->state);
	free(n->stamp[0]);
	free(n->stamp[1]);
}

static size_t field_index(const char *name)
{
	size_t f;

	for (f = 0; fs_contact_fields[f] != NULL; f++)
		if (strcmp(fs_contact_fields[f], name) == 0)
			return f;
	bench_die("unknown contact field %s", name);
}

/* One kiosk's edits for a round: follow-up sessions, each editing a few
 * fields of one contact (notes most often). With probability p_same a
 * session picks a contact edited in this round by the other kiosk (other),
 * so the two edits are concurrent. Returns the edit count, 1..target. */
static size_t plan_edits(edit *out, size_t target, north *n, int kk, uint32_t round, bench_rng *r,
                         const edit *other, size_t nother, double p_same)
{
	static const struct {
		const char *name;
		double p;
	} fields[] = {{"notes", 0.7},          {"status", 0.3},       {"follow_up_done", 0.4},
	              {"follow_up_date", 0.3}, {"duration_min", 0.3}, {"support", 0.3},
	              {"signposted", 0.15},    {"topics", 0.15}};
	const size_t nf = sizeof(fields) / sizeof(fields[0]);
	size_t count = 0, f;

	while (count + nf <= target || count == 0) {
		size_t before = count;
		long c;

		if (nother > 0 && bench_rng_chance(r, p_same))
			c = (long)(other[bench_rng_range(r, 0, (long)nother - 1)].pair / n->nfields);
		else
			c = bench_rng_range(r, 0, n->count - 1);
		for (f = 0; f < nf && count < target; f++) {
			uint32_t pair;

			/* A session edits at least one field. */
			if (!bench_rng_chance(r, fields[f].p) && !(f + 1 == nf && count == before))
				continue;
			pair = (uint32_t)((size_t)c * n->nfields + field_index(fields[f].name));
			if (n->stamp[kk][pair] == round + 1)
				continue; /* edited twice before a sync: sent once */
			n->stamp[kk][pair] = round + 1;
			out[count++].pair = pair;
		}
	}
	return count;
}

/* The change set of kiosk kk (site kk + 1) for its planned edits, with
 * prev as fs_contact_put would record it at a kiosk holding the hub's state
 * of the round's start, and timestamps spread over the round. */
static void pack_edits(workload *w, kiosk *from, int kk, const edit *e, size_t count,
                       const north *n, uint64_t round_ms, uint64_t now, bench_rng *r)
{
	static const char *const site_names[3] = {NULL, "kiosk-north-1", "kiosk-north-2"};
	uint8_t me = (uint8_t)(kk + 1);
	fs_changeset cs;
	size_t i;

	bench_set_begin(&cs, from, now);
	for (i = 0; i < count; i++) {
		const field_state *s = &n->state[e[i].pair];
		size_t c = e[i].pair / n->nfields, f = e[i].pair % n->nfields;
		uint64_t ms = round_ms + (uint64_t)kk * 3 + i * (100000 / count);
		fs_hlc prev_hlc = s->hlc;
		uint8_t prev_site = s->site;

		if (s->site == me) { /* our own write: coalesced, keep what it replaced */
			prev_hlc = s->prev_hlc;
			prev_site = s->prev_site;
		}
		bench_add_contact_field(&cs, from, n->ids[c], fs_contact_fields[f],
		                  make_contact_value(r, fs_contact_fields[f], ms),
		                  fs_hlc_make(ms, 0), prev_hlc, site_names[prev_site]);
	}
	workload_add(w, &cs, from);
	fs_changeset_free(&cs);
}

/* The hub's state after merging kiosk kk's edits (last writer wins). */
static void apply_edits(north *n, int kk, const edit *e, size_t count, uint64_t round_ms)
{
	uint8_t me = (uint8_t)(kk + 1);
	size_t i;

	for (i = 0; i < count; i++) {
		field_state *s = &n->state[e[i].pair];
		uint64_t ms = round_ms + (uint64_t)kk * 3 + i * (100000 / count);
		fs_hlc h = fs_hlc_make(ms, 0);
		fs_hlc prev_hlc = s->hlc;
		uint8_t prev_site = s->site;

		if (s->site == me) {
			prev_hlc = s->prev_hlc;
			prev_site = s->prev_site;
		}
		if (h > s->hlc || (h == s->hlc && me > s->site)) {
			s->hlc = h;
			s->site = me;
			s->prev_hlc = prev_hlc;
			s->prev_site = prev_site;
		}
	}
}

/* Rounds of offline work by kiosk-north-1 and kiosk-north-2: each makes
 * SET_MIN..SET_MAX edits from what it last pulled, then both sync, first
 * kiosk 1 then kiosk 2. Rounds are two minutes apart, all of them hours
 * before the run (so no stamp is ahead of the hub's clock). 5 % of kiosk 2's
 * sessions touch a contact kiosk 1 edited in the same round: concurrent
 * writes, conflicts at the hub. */
static void make_edit_workload(workload *w, kiosk k[NKIOSKS], north *n, long total, uint64_t now)
{
	edit *plan[2];
	size_t count[2];
	long done = 0, rounds = total / SET_MIN + 2;
	uint64_t first = now - (uint64_t)rounds * 120000 - 60000;
	uint32_t round = 0;
	bench_rng r = {0xed17};
	int kk;

	plan[0] = bench_need(malloc(SET_MAX * sizeof(edit)));
	plan[1] = bench_need(malloc(SET_MAX * sizeof(edit)));
	while (done < total) {
		uint64_t round_ms = first + (uint64_t)round * 120000;

		count[0] = count[1] = 0;
		for (kk = 0; kk < 2 && done < total; kk++) {
			long target = bench_rng_range(&r, SET_MIN, SET_MAX);

			if (target > total - done)
				target = total - done;
			count[kk] =
			    plan_edits(plan[kk], (size_t)target, n, kk, round, &r,
			               kk == 1 ? plan[0] : NULL, kk == 1 ? count[0] : 0, 0.05);
			pack_edits(w, &k[kk], kk, plan[kk], count[kk], n, round_ms, now, &r);
			done += (long)count[kk];
		}
		apply_edits(n, 0, plan[0], count[0], round_ms);
		apply_edits(n, 1, plan[1], count[1], round_ms);
		round++;
	}
	free(plan[0]);
	free(plan[1]);
}

/* The ceiling for 2: the same (contact_id, field) rows upserted with one
 * prepared statement each, in one transaction (per_set: one per change
 * set), into a copy of the hub. */
static void run_edit_ceiling(ceiling_run *out, sqlite3 *db, const workload *w, int per_set)
{
	sqlite3_stmt *st = NULL;
	int64_t seq = ceiling_seq(db);
	char **values = NULL;
	size_t i, j;
	cost t0, t1;

	memset(out, 0, sizeof(*out));
	if (sqlite3_prepare_v2(db,
	                       "INSERT INTO contact_fields (contact_id, field, value, hlc, site, "
	                       "prev_hlc, prev_site, seq) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8) "
	                       "ON CONFLICT (contact_id, field) DO UPDATE SET value = "
	                       "excluded.value, hlc = excluded.hlc, site = excluded.site, "
	                       "prev_hlc = excluded.prev_hlc, prev_site = excluded.prev_site, "
	                       "seq = excluded.seq",
	                       -1, &st, NULL) != SQLITE_OK)
		bench_die("ceiling: %s", sqlite3_errmsg(db));
	values = bench_need(calloc(SET_MAX, sizeof(*values)));
	if (!per_set)
		timed_exec(&out->c, db, "BEGIN IMMEDIATE");
	for (i = 0; i < w->count; i++) {
		fs_changeset cs;

		unpack(&cs, &w->sets[i]);
		for (j = 0; j < cs.count; j++)
			values[j] = bench_need(json_dumps(cs.changes[j].value, CANON_FLAGS));
		cost_now(&t0);
		if (per_set)
			db_exec(db, "BEGIN IMMEDIATE");
		for (j = 0; j < cs.count; j++) {
			const fs_change *c = &cs.changes[j];

			sqlite3_bind_text(st, 1, c->id, -1, SQLITE_STATIC);
			sqlite3_bind_text(st, 2, c->field, -1, SQLITE_STATIC);
			sqlite3_bind_text(st, 3, values[j], -1, SQLITE_STATIC);
			sqlite3_bind_int64(st, 4, (sqlite3_int64)c->hlc);
			sqlite3_bind_text(st, 5, c->site, -1, SQLITE_STATIC);
			if (c->prev_site[0] != '\0') {
				sqlite3_bind_int64(st, 6, (sqlite3_int64)c->prev_hlc);
				sqlite3_bind_text(st, 7, c->prev_site, -1, SQLITE_STATIC);
			} else {
				sqlite3_bind_null(st, 6);
				sqlite3_bind_null(st, 7);
			}
			sqlite3_bind_int64(st, 8, ++seq);
			if (sqlite3_step(st) != SQLITE_DONE)
				bench_die("ceiling upsert: %s", sqlite3_errmsg(db));
			sqlite3_reset(st);
		}
		if (per_set)
			db_exec(db, "COMMIT");
		cost_now(&t1);
		cost_add(&out->c, &t0, &t1);
		out->rows += (long)cs.count;
		for (j = 0; j < cs.count; j++)
			free(values[j]);
		fs_changeset_free(&cs);
	}
	if (!per_set)
		timed_exec(&out->c, db, "COMMIT");
	sqlite3_finalize(st);
	free(values);
}

/* ---- 3. encoding at a kiosk ---- */

/* A kiosk store holding `total` of its own responses not yet acknowledged
 * by the hub, written through fs_merge_apply in sets of BUILD_BATCH (the
 * rows are those fs_response_add writes, without one fsync per response). */
/* SQL function fs_seal(answers): the stored form of sealed answers, the
 * canonical {"$sealed": "fs1:..."} that fs_response_add writes. */
static void sql_seal(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
	const char *plain = (const char *)sqlite3_value_text(argv[0]);

	(void)argc;
	sqlite3_result_text(ctx, seal_answers(plain), -1, free);
}

/* --sealed: the kiosk's rows as an enrolled kiosk stores them. The rows
 * are merged in clear (a kiosk's merge validates answers, which sealed ones
 * are not), then each row's answers are sealed in place. */
static void seal_kiosk_rows(const char *path)
{
	sqlite3 *db = NULL;

	if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READWRITE, NULL) != SQLITE_OK ||
	    sqlite3_create_function(db, "fs_seal", 1, SQLITE_UTF8, NULL, sql_seal, NULL, NULL) !=
	        SQLITE_OK)
		bench_die("seal the kiosk's rows: %s", sqlite3_errmsg(db));
	db_exec(db, "UPDATE responses SET answers = fs_seal(answers) WHERE deleted = 0");
	sqlite3_close(db);
}

static void build_kiosk(const char *path, long total, uint64_t now)
{
	uint64_t start = now - 30 * DAY_MS, span = 30 * DAY_MS - 60000;
	char pin[sizeof(g_seal_pin)];
	kiosk k[NKIOSKS];
	fs_store *s = NULL;
	fs_err e = {0, ""};
	bench_rng r = {0xc105};
	long i, j;

	bench_remove_store(path);
	kiosks_init(k, 0);
	bench_check(fs_store_open(&s, path, &e), &e, "open kiosk");
	bench_check(fs_store_set_identity(s, k[0].site, k[0].region, &e), &e, "kiosk identity");
	publish_questionnaire(s);
	memcpy(pin, g_seal_pin, sizeof(pin));
	g_seal_pin[0] = '\0'; /* merged in clear, sealed after (seal_kiosk_rows) */
	for (i = 0; i < total; i += BUILD_BATCH) {
		long n = total - i < BUILD_BATCH ? total - i : BUILD_BATCH;
		fs_merge_result res;
		fs_changeset cs;

		bench_set_begin(&cs, &k[0], now);
		for (j = 0; j < n; j++)
			add_response(
			    &cs, &k[0], &r,
			    start + (uint64_t)((double)(i + j) / (double)total * (double)span));
		bench_check(fs_merge_apply(s, &cs, NULL, &res, &e), &e, "kiosk merge");
		if (res.applied != n)
			bench_die("building kiosk: %ld of %ld responses stored", res.applied, n);
		fs_changeset_free(&cs);
	}
	fs_store_close(s);
	memcpy(g_seal_pin, pin, sizeof(pin));
	if (g_seal_pin[0] != '\0')
		seal_kiosk_rows(path);
}

/* A hub that takes every push: the transport of the kiosk's round
 * acknowledges it and answers an empty reply. It is called once the round
 * has read and packed (the headline); outside that, the set is unpacked
 * again to time packing alone (which splits read from pack), encoding
 * alone, and the same JSON at gzip level 1 for comparison. */
typedef struct encode_hub {
	encode_run *out;
	double round_start;
	fs_buf json, scratch, reply;
} encode_hub;

static int encode_hub_send(void *ctx, int64_t pull, const void *body, size_t len,
                           fs_sync_answer *answer, fs_err *err)
{
	encode_hub *h = ctx;
	encode_run *out = h->out;
	double sent = bench_mono_s(), t0, t1, t2;
	fs_changeset cs, empty;
	packed p = {(char *)body, len, NULL, 0};

	unpack(&cs, &p);
	t0 = bench_mono_s();
	fs_buf_reset(&h->scratch);
	bench_check(fs_changeset_pack(&h->scratch, &cs, err), err, "pack");
	t1 = bench_mono_s();
	fs_buf_reset(&h->json);
	bench_check(fs_changeset_encode(&h->json, &cs, err), err, "encode");
	t2 = bench_mono_s();
	fs_buf_reset(&h->scratch);
	bench_check(fs_gzip_compress(&h->scratch, h->json.data, h->json.len, 1, err), err,
	            "gzip level 1");
	out->gzip1_s += bench_mono_s() - t2;
	out->gzip1_bytes += h->scratch.len;
	out->pack_s += t1 - t0;
	out->read_s += (sent - h->round_start) - (t1 - t0);
	out->encode_s += t2 - t1;
	out->json_bytes += h->json.len;
	out->gz_bytes += len;
	out->changes += (long)cs.count;
	out->sets++;
	fs_changeset_init(&empty);
	snprintf(empty.site, sizeof(empty.site), "hub");
	empty.from = empty.to = pull;
	fs_buf_reset(&h->reply);
	bench_check(fs_changeset_pack(&h->reply, &empty, err), err, "pack the reply");
	answer->has_ack = 1;
	answer->ack = cs.to;
	answer->body = h->reply.data;
	answer->len = h->reply.len;
	fs_changeset_free(&cs);
	return 0;
}

/* What a kiosk does to send: its sync round (fs_sync_round, as the agent
 * runs it) until nothing is pending, against encode_hub. Timed: reading
 * its own writes after the hub's cursor and packing them; not timed:
 * recording each acknowledgement (one commit a set). */
static void run_encode(encode_run *out, const char *path, int *synchronous)
{
	fs_sync_limits lim;
	fs_sync_result res;
	encode_hub h;
	fs_store *s = NULL;
	fs_err e = {0, ""};

	memset(out, 0, sizeof(*out));
	memset(&h, 0, sizeof(h));
	h.out = out;
	fs_buf_init(&h.json, SIZE_MAX / 2);
	fs_buf_init(&h.scratch, GZ_CAP);
	fs_buf_init(&h.reply, GZ_CAP);
	fs_sync_limits_default(&lim);
	lim.up_changes = KIOSK_READ_MAX;
	lim.up_bytes = KIOSK_READ_BYTES;
	lim.up_gzip_max = GZ_CAP;
	tapped_db = NULL;
	bench_check(fs_store_open(&s, path, &e), &e, "open kiosk");
	if (tapped_db != NULL)
		*synchronous = db_int(tapped_db, "PRAGMA synchronous");
	do {
		h.round_start = bench_mono_s();
		bench_check(fs_sync_round(s, "hub", encode_hub_send, &h, &lim, &res, &e), &e,
		            "kiosk sync round");
	} while (res.more && res.pushed > 0);
	fs_buf_free(&h.json);
	fs_buf_free(&h.scratch);
	fs_buf_free(&h.reply);
	fs_store_close(s);
}

/* ---- report ---- */

static void print_machine(double fsync_latency)
{
	char cpu[256];
	struct utsname u;

	bench_cpu_model(cpu, sizeof(cpu));
	uname(&u);
	printf("machine   %s, %ld cores online, %.1f GiB RAM, Linux %s %s\n", cpu,
	       sysconf(_SC_NPROCESSORS_ONLN), bench_ram_gib(), u.release, u.machine);
	printf("software  SQLite %s, Jansson %s, zlib %s, %s, %s\n", sqlite3_libversion(),
	       JANSSON_VERSION, zlibVersion(), bench_compiler(),
#if defined(__OPTIMIZE__) && defined(NDEBUG)
	       "optimized build (NDEBUG)"
#elif defined(__OPTIMIZE__)
	       "optimized build with asserts"
#else
	       "UNOPTIMIZED build: numbers are not representative"
#endif
	);
	printf("disk      write 4 KiB + fdatasync: %.3f ms (the least one commit costs)\n",
	       fsync_latency);
}

static double rate(double n, double s)
{
	return s > 0 ? n / s : 0;
}

/* "PASS", or "MISS" with by how much. */
static const char *verdict(char *out, size_t len, double r, double target, double pct)
{
	int ok_rate = r >= target, ok_pct = pct >= TARGET_CEILING_PCT;

	if (ok_rate && ok_pct)
		snprintf(out, len, "PASS");
	else if (!ok_rate && !ok_pct)
		snprintf(out, len, "MISS (rate %.0f %% below target; %.1f %% < %.0f %% of ceiling)",
		         100 * (1 - r / target), pct, TARGET_CEILING_PCT);
	else if (!ok_rate)
		snprintf(out, len, "MISS (rate %.0f %% below target)", 100 * (1 - r / target));
	else
		snprintf(out, len, "MISS (%.1f %% < %.0f %% of ceiling)", pct, TARGET_CEILING_PCT);
	return out;
}

/* c and sets NULL: no ceiling (the hub store is not SQLite). */
static void print_merge_rows(const char *num, const char *what, const char *unit,
                             const merge_run *m, const ceiling_run *c, const ceiling_run *sets,
                             double target)
{
	char a[32], b[32], t[32], v[160];

	if (c == NULL) {
		double full = rate((double)m->changes, m->unpack.wall + m->merge.wall);

		printf("%-2s %-35s %10s %-8s %10s %12s %8s  %s\n", num, what, grouped(a, full), unit,
		       grouped(t, target), "—", "—",
		       full >= target ? "rate met (no ceiling: SQLite only)"
		                      : "rate missed (no ceiling: SQLite only)");
		printf("%-2s %-35s %10s %-8s\n", "", "  merge only (unpack excluded)",
		       grouped(a, rate((double)m->changes, m->merge.wall)), unit);
		return;
	}
	{
	double ceil_rate = rate((double)c->rows, c->c.wall);
	double full = rate((double)m->changes, m->unpack.wall + m->merge.wall);
	double merge = rate((double)m->changes, m->merge.wall);
	double pfull = ceil_rate > 0 ? 100 * full / ceil_rate : 0;
	double pmerge = ceil_rate > 0 ? 100 * merge / ceil_rate : 0;

	printf("%-2s %-35s %10s %-8s %10s %12s %6.1f %%  %s\n", num, what, grouped(a, full), unit,
	       grouped(t, target), grouped(b, ceil_rate), pfull,
	       verdict(v, sizeof(v), full, target, pfull));
	printf("%-2s %-35s %10s %-8s %10s %12s %6.1f %%  %s\n", "",
	       "  merge only (unpack excluded)", grouped(a, merge), unit, "", "", pmerge,
	       "(for information)");
	printf("%-2s %-35s %10s %-8s %10s %12s %8s  %s\n", "", "  SQLite alone, one commit per set",
	       grouped(a, rate((double)sets->rows, sets->c.wall)), unit, "", "", "",
	       "(for information)");
	}
}

/* One line on where a phase's time went, per change. */
static void print_cost(const char *label, const cost *c, long n)
{
	printf("     %-8s %5.2f s wall: user %5.2f, sys %5.2f, off CPU %5.2f, contended %3.0f %%; "
	       "write %4.0f MB in %6lld calls (%.1f KB/change), read %4.0f MB in %6lld calls\n",
	       label, c->wall, c->user, c->sys,
	       c->wall > c->user + c->sys ? c->wall - c->user - c->sys : 0,
	       c->wall > 0 ? 100 * c->stall / c->wall : 0, (double)c->wchar / 1e6, c->syscw,
	       n ? (double)c->wchar / 1e3 / (double)n : 0, (double)c->rchar / 1e6, c->syscr);
}

/* The PostgreSQL server's share of a merge phase (--db only). */
static void print_pg_cost(const merge_run *m)
{
	if (m->pg_cpu_s < 0)
		return;
	printf("     %-8s %5.2f s CPU in the PostgreSQL server's processes during the merge "
	       "(%.1f us/change; %.0f %% of a core over the merge's wall time)\n",
	       "server", m->pg_cpu_s, m->changes ? 1e6 * m->pg_cpu_s / (double)m->changes : 0,
	       m->merge.wall > 0 ? 100 * m->pg_cpu_s / m->merge.wall : 0);
}

static void print_report(const options *o, const results *r)
{
	char a[32], b[32], c[32], d[32];

	printf("\n");
	printf("%-38s %10s %-8s %10s %12s %8s  %s\n", "   measure", "rate", "", "target",
	       "SQLite ceil.", "of ceil.", "verdict");
	if (wants(o, "responses"))
		print_merge_rows("1", "new responses, unpack+merge", "resp/s", &r->resp,
		                 r->pg ? NULL : &r->resp_ceil, r->pg ? NULL : &r->resp_ceil_sets,
		                 TARGET_RESPONSES);
	if (wants(o, "contacts"))
		print_merge_rows("2", "contact field edits, unpack+merge", "fields/s", &r->edit,
		                 r->pg ? NULL : &r->edit_ceil, r->pg ? NULL : &r->edit_ceil_sets,
		                 TARGET_FIELDS);
	if (wants(o, "encode") && !r->pg) {
		const encode_run *e = &r->enc;
		double t = e->read_s + e->pack_s;

		printf("%-2s %-35s %10s %-8s\n", "3", "kiosk read+pack (encode+gzip)",
		       grouped(a, rate((double)e->changes, t)), "resp/s");
		printf("%-2s %-35s %10.1f %-8s\n", "", "  JSON encoded and compressed",
		       rate((double)e->json_bytes, t) / 1e6, "MB/s");
		printf("%-2s %-35s %10.1f %-8s\n", "", "  compression ratio (JSON/gzip)",
		       e->gz_bytes ? (double)e->json_bytes / (double)e->gz_bytes : 0, "x");
		printf("%-2s %-35s %10.0f %-8s\n", "", "  on the wire per response",
		       e->changes ? (double)e->gz_bytes / (double)e->changes : 0, "bytes");
	}
	printf("\nnotes\n");
	if (o->pragma != NULL)
		printf("  EXPERIMENT: \"%s\" run on the hub store's and the ceiling's connections; "
		       "these are not the store's own settings\n",
		       o->pragma);
	if (r->synchronous != 0)
		printf("  hub store: WAL, PRAGMA synchronous = %d (%s), read on the store's own "
		       "connection: the WAL is fsynced at every commit, the database file at "
		       "every checkpoint\n",
		       r->synchronous, r->synchronous == 2 ? "FULL" : "NOT FULL");
	if (r->cache_kib != 0)
		printf("  hub store and ceilings: page cache %d KiB per connection "
		       "(fs_store_options.cache_kib, as the hub server sets it)\n",
		       r->cache_kib);
	if (r->kiosk_synchronous != 0)
		printf("  kiosk store: WAL, PRAGMA synchronous = %d (%s)\n", r->kiosk_synchronous,
		       r->kiosk_synchronous == 2 ? "FULL" : "NOT FULL");
	if (r->pg)
		printf("  hub store: PostgreSQL (%s), one connection; the ceilings are SQLite's own "
		       "(bare prepared statements on an SQLite file) and are not measured here; "
		       "3 is the kiosk's (always SQLite) and is not run\n",
		       r->pg_about);
	if (r->hub_note[0] != '\0')
		printf("  hub: %s\n", r->hub_note);
	if (wants(o, "responses")) {
		const merge_run *m = &r->resp;

		if (r->pg)
			printf("  1: %s new responses in %ld sets from %d kiosks (%s..%s changes a "
			       "set), one write transaction per set; applied %ld, quarantined %ld\n",
			       grouped(a, (double)m->changes), m->sets, NKIOSKS, grouped(b, SET_MIN),
			       grouped(c, SET_MAX), m->res.applied, m->res.quarantined);
		else
			printf("  1: %s new responses in %ld sets from %d kiosks (%s..%s changes a "
			       "set); %ld commits, %s responses per commit; applied %ld, quarantined "
			       "%ld\n",
			       grouped(a, (double)m->changes), m->sets, NKIOSKS, grouped(b, SET_MIN),
			       grouped(c, SET_MAX), m->commits,
			       grouped(d, m->commits ? (double)m->changes / (double)m->commits : 0),
			       m->res.applied, m->res.quarantined);
		print_cost("unpack", &m->unpack, m->changes);
		print_cost("merge", &m->merge, m->changes);
		print_pg_cost(m);
		if (!r->pg) {
			print_cost("ceiling", &r->resp_ceil.c, r->resp_ceil.rows);
			print_cost("ceil/set", &r->resp_ceil_sets.c, r->resp_ceil_sets.rows);
		}
	}
	if (wants(o, "contacts")) {
		const merge_run *m = &r->edit;

		if (r->pg)
			printf("  2: %s field edits of %s north contacts by 2 kiosks in %ld sets, one "
			       "write transaction per set; applied %ld, lost to a newer write %ld, "
			       "conflicts recorded %ld\n",
			       grouped(a, (double)m->changes), grouped(b, (double)r->north_contacts),
			       m->sets, m->res.applied, m->res.unchanged, m->res.conflicts);
		else
			printf("  2: %s field edits of %s north contacts by 2 kiosks in %ld sets; %ld "
			       "commits, %s changes per commit; applied %ld, lost to a newer write "
			       "%ld, conflicts recorded %ld\n",
			       grouped(a, (double)m->changes), grouped(b, (double)r->north_contacts),
			       m->sets, m->commits,
			       grouped(c, m->commits ? (double)m->changes / (double)m->commits : 0),
			       m->res.applied, m->res.unchanged, m->res.conflicts);
		print_cost("unpack", &m->unpack, m->changes);
		print_cost("merge", &m->merge, m->changes);
		print_pg_cost(m);
		if (!r->pg) {
			print_cost("ceiling", &r->edit_ceil.c, r->edit_ceil.rows);
			print_cost("ceil/set", &r->edit_ceil_sets.c, r->edit_ceil_sets.rows);
		}
	}
	if (wants(o, "encode") && !r->pg) {
		const encode_run *e = &r->enc;

		printf("  3: %s pending responses read in %ld sets of up to %s; read %.2f s, pack "
		       "%.2f s (encode alone %.2f s, so gzip about %.2f s); %.1f MB JSON -> %.1f "
		       "MB gzip\n",
		       grouped(a, (double)e->changes), e->sets, grouped(b, KIOSK_READ_MAX),
		       e->read_s, e->pack_s, e->encode_s, e->pack_s - e->encode_s,
		       (double)e->json_bytes / 1e6, (double)e->gz_bytes / 1e6);
		printf("     for comparison, gzip level 1 instead of the codec's level: %.2f s, "
		       "ratio %.1f x, %.0f bytes per response\n",
		       e->gzip1_s,
		       e->gzip1_bytes ? (double)e->json_bytes / (double)e->gzip1_bytes : 0,
		       e->changes ? (double)e->gzip1_bytes / (double)e->changes : 0);
	}
	printf("  targets: >= %s responses/s and >= %s contact field changes/s end to end "
	       "(unpack+merge), each >= %.0f %% of its ceiling\n",
	       grouped(a, TARGET_RESPONSES), grouped(b, TARGET_FIELDS), TARGET_CEILING_PCT);
	if (r->worst_contention > 10)
		printf("  WARNING: other processes competed for the CPUs during a timed phase "
		       "(up to %.0f %% of its time); rerun on a quiet machine\n",
		       r->worst_contention);
}

/* The largest share of a timed phase during which some task waited for a
 * CPU (see cost). */
static double worst_contention(const results *r)
{
	const cost *all[] = {&r->resp.unpack,      &r->resp.merge,      &r->resp_ceil.c,
	                     &r->resp_ceil_sets.c, &r->edit.unpack,     &r->edit.merge,
	                     &r->edit_ceil.c,      &r->edit_ceil_sets.c};
	double worst = 0;
	size_t i;

	for (i = 0; i < sizeof(all) / sizeof(all[0]); i++)
		if (all[i]->wall > 0 && 100 * all[i]->stall / all[i]->wall > worst)
			worst = 100 * all[i]->stall / all[i]->wall;
	return worst;
}

/* ---- main ---- */

static void usage(void)
{
	printf("usage: fieldsync-bench [--base N] [--responses N] [--contacts N] [--edits N]\n"
	       "                       [--quick] [--dir DIR] [--only responses|contacts|encode]\n"
	       "                       [--keep] [--pragma SQL] [--db URI] [--sealed]\n"
	       "  --base N       responses the hub holds before the run (1,000,000)\n"
	       "  --responses N  new responses merged (1), pending at the kiosk (3) (100,000)\n"
	       "  --contacts N   contacts the hub holds, every field set (100,000)\n"
	       "  --edits N      contact field edits merged (2) (200,000)\n"
	       "  --quick        small sizes for a smoke run\n"
	       "  --dir DIR      cached hub and working copies (build/bench-data)\n"
	       "  --only PART    run one part (for profiling)\n"
	       "  --keep         keep the working copies\n"
	       "  --pragma SQL   experiment: run SQL (e.g. \"PRAGMA cache_size=-65536\") on the\n"
	       "                 hub store's and the ceiling's connections after opening\n"
	       "  --db URI       the hub store in this PostgreSQL database (postgresql://...,\n"
	       "                 empty: built afresh each run, not cached); parts 1 and 2\n"
	       "                 only, without the ceilings (they are SQLite's)\n"
	       "  --sealed       the new responses of 1 and 3 carry sealed answers, as an\n"
	       "                 enrolled kiosk's do (the hub's merge opens them)\n"
	       "See docs/performance.md.\n");
}

static void parse_options(options *o, int argc, char **argv)
{
	int i;

	o->base = 1000000;
	o->responses = 100000;
	o->contacts = 100000;
	o->edits = 200000;
	o->dir = "build/bench-data";
	o->only = NULL;
	o->pragma = NULL;
	o->db = NULL;
	o->keep = 0;
	o->sealed = 0;
	for (i = 1; i < argc; i++) {
		const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;

		if (strcmp(a, "--quick") == 0) {
			o->base = 20000;
			o->responses = 5000;
			o->contacts = 2000;
			o->edits = 5000;
		} else if (strcmp(a, "--keep") == 0) {
			o->keep = 1;
		} else if (strcmp(a, "--sealed") == 0) {
			o->sealed = 1;
		} else if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
			usage();
			exit(0);
		} else if (v == NULL) {
			bench_die("unknown option or missing value: %s (try --help)", a);
		} else if (strcmp(a, "--base") == 0) {
			o->base = bench_long_arg(a, v, 1, LONG_MAX), i++;
		} else if (strcmp(a, "--responses") == 0) {
			o->responses = bench_long_arg(a, v, 1, LONG_MAX), i++;
		} else if (strcmp(a, "--contacts") == 0) {
			o->contacts = bench_long_arg(a, v, 1, LONG_MAX), i++;
		} else if (strcmp(a, "--edits") == 0) {
			o->edits = bench_long_arg(a, v, 1, LONG_MAX), i++;
		} else if (strcmp(a, "--pragma") == 0) {
			o->pragma = v, i++;
		} else if (strcmp(a, "--db") == 0) {
			if (!fs_pg_location(v))
				bench_die("--db takes a postgresql:// or postgres:// URI");
			o->db = v, i++;
		} else if (strcmp(a, "--dir") == 0) {
			o->dir = v, i++;
		} else if (strcmp(a, "--only") == 0) {
			if (strcmp(v, "responses") != 0 && strcmp(v, "contacts") != 0 &&
			    strcmp(v, "encode") != 0)
				bench_die("--only takes responses, contacts or encode");
			o->only = v, i++;
		} else {
			bench_die("unknown option %s (try --help)", a);
		}
	}
	if (o->contacts < NREGIONS)
		bench_die("--contacts must be at least %d", NREGIONS);
	if (o->db != NULL && o->pragma != NULL)
		bench_die("--pragma is SQLite's: not with --db");
	if (o->db != NULL && o->only != NULL && strcmp(o->only, "encode") == 0)
		bench_die("--only encode is the kiosk's (SQLite): not with --db");
}

int main(int argc, char **argv)
{
	char hub_path[4200], engine_path[4200], ceil_path[4200], sets_path[4200], kiosk_path[4200],
	    n1[32], n2[32];
	options o;
	results r;
	kiosk k[NKIOSKS];
	uint64_t now = bench_wall_ms();
	fs_store *hub = NULL;
	fs_store_options hub_opts = {NULL, NULL, 1, HUB_CACHE_KIB};
	sqlite3 *ceil = NULL, *ceil_sets = NULL;
	fs_err e = {0, ""};
	long commits = 0;
	double t0;
	north pg_north; /* --db: region north's contacts, noted while building */

	bench_prog = "fieldsync-bench";
	parse_options(&o, argc, argv);
	memset(&r, 0, sizeof(r));
	bench_mkdir_p(o.dir);
	setvbuf(stdout, NULL, _IOLBF, 0);
	printf("fieldsync-bench (docs/performance.md)\n");
	{
		bench_fsync f;

		bench_fsync_probe(o.dir, 100, &f);
		r.fsync_ms = f.mean_ms;
	}
	print_machine(r.fsync_ms);
	if (sqlite3_auto_extension((void (*)(void))tap_connection) != SQLITE_OK)
		bench_die("cannot register the SQLite connection tap");

	bench_path_printf(hub_path, sizeof(hub_path), "%s/bench-hub-r%ld-c%ld-s%d-v%d.db", o.dir, o.base,
	            o.contacts, fs_store_schema_version(), CACHE_VERSION);
	bench_path_printf(engine_path, sizeof(engine_path), "%s/bench-run-engine.db", o.dir);
	bench_path_printf(ceil_path, sizeof(ceil_path), "%s/bench-run-ceiling.db", o.dir);
	bench_path_printf(sets_path, sizeof(sets_path), "%s/bench-run-ceiling-sets.db", o.dir);
	bench_path_printf(kiosk_path, sizeof(kiosk_path), "%s/bench-run-kiosk.db", o.dir);

	if (o.db != NULL && (wants(&o, "responses") || wants(&o, "contacts"))) {
		fs_store_options pg_opts = {&fs_pg_backend, &fs_pg_registry, 1, HUB_CACHE_KIB};
		fs_store_counts before;

		r.pg = 1;
		g_postmaster = bench_pg_postmaster(o.db, r.pg_about, sizeof(r.pg_about));
		bench_check(fs_store_open_with(&hub, o.db, &pg_opts, &e), &e, "open the PostgreSQL hub");
		bench_check(fs_store_set_identity(hub, "hub", NULL, &e), &e, "hub identity");
		bench_check(fs_store_count(hub, &before, &e), &e, "count");
		if (before.responses != 0 || before.contacts != 0)
			bench_die("the PostgreSQL hub store is not empty: give an empty database");
		north_init(&pg_north);
		fprintf(stderr, "building the PostgreSQL hub: %s responses, %s contacts\n",
		        grouped(n1, (double)o.base), grouped(n2, (double)o.contacts));
		t0 = bench_mono_s();
		build_hub_into(hub, &o, now, &pg_north);
		north_finish(&pg_north);
		snprintf(r.hub_note, sizeof(r.hub_note),
		         "%s responses + %s contacts, built through the engine in %.0f s (not cached: "
		         "a fresh database per run)",
		         grouped(n1, (double)o.base), grouped(n2, (double)o.contacts),
		         bench_mono_s() - t0);
	} else if (wants(&o, "responses") || wants(&o, "contacts")) {
		if (access(hub_path, R_OK) == 0) {
			snprintf(r.hub_note, sizeof(r.hub_note),
			         "%s responses + %s contacts, "
			         "cached file reused",
			         grouped(n1, (double)o.base), grouped(n2, (double)o.contacts));
		} else {
			t0 = bench_mono_s();
			build_hub(&o, hub_path, now);
			snprintf(r.hub_note, sizeof(r.hub_note),
			         "%s responses + %s contacts, "
			         "built in %.0f s",
			         grouped(n1, (double)o.base), grouped(n2, (double)o.contacts),
			         bench_mono_s() - t0);
		}
		r.hub_mb = file_mb(hub_path);
		snprintf(r.hub_note + strlen(r.hub_note), sizeof(r.hub_note) - strlen(r.hub_note),
		         " (%.0f MB, %s); fresh fsynced copies per run", r.hub_mb, hub_path);
		copy_store(hub_path, engine_path);
		copy_store(hub_path, ceil_path);
		copy_store(hub_path, sets_path);
		tapped_db = NULL;
		bench_check(fs_store_open_with(&hub, engine_path, &hub_opts, &e), &e, "open hub copy");
		if (tapped_db == NULL)
			bench_die("the SQLite connection tap saw no connection");
		r.synchronous = db_int(tapped_db, "PRAGMA synchronous");
		r.cache_kib = -db_int(tapped_db, "PRAGMA cache_size");
		sqlite3_commit_hook(tapped_db, count_commit, &commits);
		if (o.pragma != NULL)
			db_exec(tapped_db, o.pragma);
		ceil = ceiling_open(ceil_path, o.pragma);
		ceil_sets = ceiling_open(sets_path, o.pragma);
	}
	/* Kiosk change counters well past anything the cached hub saw. */
	kiosks_init(k, (int64_t)1 << 32);
	/* After the cached hub is built: only the measured responses seal. */
	if (o.sealed)
		seal_setup(hub);

	if (wants(&o, "responses")) {
		workload w = {0};

		fprintf(stderr, "1: generating %s responses...\n",
		        grouped(n1, (double)o.responses));
		make_response_workload(&w, k, o.responses, now);
		fprintf(stderr, "1: merging...\n");
		run_merges(&r.resp, hub, &w, &commits);
		if (!r.pg) {
			fprintf(stderr, "1: ceiling...\n");
			run_response_ceiling(&r.resp_ceil, ceil, &w, 0);
			run_response_ceiling(&r.resp_ceil_sets, ceil_sets, &w, 1);
		}
		workload_free(&w);
	}
	if (wants(&o, "contacts")) {
		workload w = {0};
		north n;

		fprintf(stderr, "2: generating %s contact field edits...\n",
		        grouped(n1, (double)o.edits));
		if (r.pg)
			n = pg_north; /* taken over, freed below */
		else
			north_load(&n, ceil);
		r.north_contacts = n.count;
		make_edit_workload(&w, k, &n, o.edits, now);
		north_free(&n);
		fprintf(stderr, "2: merging...\n");
		run_merges(&r.edit, hub, &w, &commits);
		if (!r.pg) {
			fprintf(stderr, "2: ceiling...\n");
			run_edit_ceiling(&r.edit_ceil, ceil, &w, 0);
			run_edit_ceiling(&r.edit_ceil_sets, ceil_sets, &w, 1);
		}
		workload_free(&w);
	}
	fs_store_close(hub);
	sqlite3_close(ceil);
	sqlite3_close(ceil_sets);
	if (r.pg && !wants(&o, "contacts"))
		north_free(&pg_north);
	if (!o.keep && !r.pg) {
		bench_remove_store(engine_path);
		bench_remove_store(ceil_path);
		bench_remove_store(sets_path);
	}
	if (wants(&o, "encode") && o.db == NULL) {
		fprintf(stderr, "3: building a kiosk with %s pending responses...\n",
		        grouped(n1, (double)o.responses));
		t0 = bench_mono_s();
		build_kiosk(kiosk_path, o.responses, now);
		r.kiosk_build_s = bench_mono_s() - t0;
		fprintf(stderr, "3: reading and packing...\n");
		run_encode(&r.enc, kiosk_path, &r.kiosk_synchronous);
		if (r.enc.changes != o.responses)
			bench_die("kiosk read %ld of %ld pending responses", r.enc.changes, o.responses);
		if (!o.keep)
			bench_remove_store(kiosk_path);
	}
	r.worst_contention = worst_contention(&r);
	print_report(&o, &r);
	return 0;
}
