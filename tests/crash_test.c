/* Crash test: a child process writes to a store as fast as it can and is
 * killed with SIGKILL at a random moment (1 to 50 ms after it starts); the
 * parent reopens the store and checks what SQLite's recovery left.
 *
 * The child runs three kinds of transaction, each tagged with a unique
 * operation id written into every record it touches (the marker "op-N"):
 *  - contact: fs_contact_put of six fields of one of a few fixed contacts;
 *  - response: fs_response_add whose comment is the marker;
 *  - merge: fs_merge_apply of a change set read (fs_changes_read) from a
 *    second store, holding 2 to 4 new contacts and a response.
 * Into a log in shared memory it writes each id before the call (intent)
 * and again after the call returned 0 (committed). After the kill:
 *  - the store opens and passes PRAGMA integrity_check;
 *  - every committed transaction is fully present, and every transaction,
 *    including the one cut short, is all or nothing: a contact's six
 *    fields carry one marker, a merged set is all its contacts (each with
 *    every field) and its response or none of them, a response is there
 *    once or not at all; no marker of a transaction never started appears;
 *  - the persisted change counter and clock are not behind the data, and no
 *    two rows share a change sequence number;
 *  - the store accepts writes again.
 * The same store lives on through all the rounds of a phase, so recovery
 * after recovery is tested too. Half the rounds run on a real disk under
 * /tmp (fsync for real), half on /dev/shm.
 * FIELDSYNC_CRASH_ROUNDS sets the number of rounds (default 100),
 * FIELDSYNC_CRASH_SEED the seed of the random choices. */
#include <errno.h>
#include <inttypes.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/vfs.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <sqlite3.h>

#include "fieldsync/changes.h"
#include "fieldsync/merge.h"
#include "fieldsync/records.h"

#define DEFAULT_ROUNDS     100
#define LOG_MAX            200000
#define FIXED_CONTACTS     6
#define CONTACT_FIELDS     11 /* fields every contact here has */
#define ROUND_IDS          INT64_C(1000000)
#define TMPFS_MAGIC_NUMBER 0x01021994

static const char *const questionnaire_json =
    "{\"format\": \"fieldsync-questionnaire/1\", \"id\": \"visit-feedback\", \"version\": 1,"
    " \"languages\": [\"en\"], \"title\": {\"en\": \"Tell us about your visit\"},"
    " \"questions\": ["
    "  {\"id\": \"overall\", \"type\": \"scale\", \"min\": 1, \"max\": 5, \"required\": true,"
    "   \"label\": {\"en\": \"How was your visit?\"}},"
    "  {\"id\": \"comment\", \"type\": \"text\", \"label\": {\"en\": \"Anything else?\"}}]}";

/* Fields that carry the marker of the transaction that last wrote them. */
static const char *const marker_fields[] = {"notes",  "support", "person_ref",
                                            "worker", "topics",  "signposted"};
#define NMARKER 6

enum op_kind { OP_CONTACT, OP_RESPONSE, OP_MERGE };
enum op_state { OP_COMMITTED, OP_IN_FLIGHT, OP_ABSENT };

/* ---- seeded PRNG (splitmix64) ---- */

static uint64_t rng_next(uint64_t *state)
{
	uint64_t z = (*state += UINT64_C(0x9e3779b97f4a7c15));

	z = (z ^ (z >> 30)) * UINT64_C(0xbf58476d1ce4e5b9);
	z = (z ^ (z >> 27)) * UINT64_C(0x94d049bb133111eb);
	return z ^ (z >> 31);
}

static unsigned rng_below(uint64_t *state, unsigned n)
{
	return (unsigned)(rng_next(state) % n);
}

/* ---- the log the child leaves in shared memory ---- */

typedef struct log_entry {
	int64_t id;
	int kind;
	int contact; /* OP_CONTACT: index of the fixed contact */
} log_entry;

typedef struct shared_log {
	long intents;   /* entries written before their call */
	long committed; /* entries whose call returned 0 */
	char error[FS_ERR_MSG_MAX + 64];
	log_entry entry[LOG_MAX];
} shared_log;

/* ---- a phase: one store (and the store change sets come from) ---- */

typedef struct op {
	int64_t id;
	int kind, contact, state;
	int responses, contacts; /* markers found by the current check */
} op;

typedef struct phase {
	const char *name;
	char dir[256];     /* the store under test */
	char src_dir[128]; /* the second store, on tmpfs */
	char path[300], src_path[200];
	char contact_id[FIXED_CONTACTS][FS_UUID_LEN + 1];
	int64_t marker[FIXED_CONTACTS]; /* last transaction seen on each */
	op *ops;
	size_t nops, alloc;
	long rounds, committed, in_flight_kept, in_flight_lost, merges, killed_early;
} phase;

static char failure[2048];

static int fail(const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 1, 2)))
#endif
    ;

static int fail(const char *fmt, ...)
{
	va_list ap;

	if (failure[0] == '\0') {
		va_start(ap, fmt);
		vsnprintf(failure, sizeof(failure), fmt, ap);
		va_end(ap);
	}
	return -1;
}

static int64_t merge_contacts(int64_t id)
{
	return 2 + id % 3;
}

static void marker_text(char *out, size_t n, int64_t id)
{
	snprintf(out, n, "op-%" PRId64, id);
}

/* The marker in a stored JSON value ("op-N", ["op-N"]); -1 if none. */
static int64_t marker_of(const char *text)
{
	const char *p = text ? strstr(text, "op-") : NULL;
	char *end;
	long long v;

	if (p == NULL)
		return -1;
	v = strtoll(p + 3, &end, 10);
	if (end == p + 3 || (*end != '"' && *end != '\0'))
		return -1;
	return (int64_t)v;
}

/* ---- the transactions ---- */

static json_t *marked_fields(int64_t id, int creating)
{
	char m[32];
	json_t *f;

	marker_text(m, sizeof(m), id);
	f = json_pack("{s:s, s:s, s:s, s:s, s:[s], s:[s]}", "notes", m, "support", m, "person_ref",
	              m, "worker", m, "topics", m, "signposted", m);
	if (creating) {
		json_object_set_new(f, "contact_at", json_string("2026-11-27T10:30:00Z"));
		json_object_set_new(f, "channel", json_string("phone"));
	}
	return f;
}

static int contact_op(fs_store *s, const char *contact_id, int64_t id, fs_err *e)
{
	char out[FS_UUID_LEN + 1];
	json_t *f = marked_fields(id, 0);
	int rc = fs_contact_put(s, out, contact_id, NULL, f, e);

	json_decref(f);
	return rc;
}

static int response_op(fs_store *s, int64_t id, fs_err *e)
{
	char m[32], out[FS_UUID_LEN + 1];
	json_t *body;
	int rc;

	marker_text(m, sizeof(m), id);
	body = json_pack("{s:s, s:i, s:s, s:s, s:s, s:s, s:{s:i, s:s}}", "questionnaire",
	                 "visit-feedback", "version", 1, "language", "en", "mode", "self",
	                 "started_at", "2026-11-27T10:00:00Z", "submitted_at",
	                 "2026-11-27T10:04:00Z", "answers", "overall", 3, "comment", m);
	rc = fs_response_add(s, out, body, e);
	json_decref(body);
	return rc;
}

/* Write merge transaction id's records at the source store and read them
 * back as one change set after *cursor. */
static int merge_prepare(fs_store *src, int64_t *cursor, int64_t id, fs_changeset *cs, fs_err *e)
{
	fs_changes_filter f = {FS_TABLE_CONTACTS | FS_TABLE_RESPONSES, NULL, NULL, NULL};
	char out[FS_UUID_LEN + 1];
	int64_t i;
	int rc = 0;

	fs_changeset_init(cs);
	for (i = 0; i < merge_contacts(id) && rc == 0; i++) {
		json_t *fields = marked_fields(id, 1);

		rc = fs_contact_put(src, out, NULL, NULL, fields, e);
		json_decref(fields);
	}
	if (rc == 0)
		rc = response_op(src, id, e);
	if (rc == 0)
		rc = fs_changes_read(src, cs, *cursor, &f, 100000, 64u << 20, e);
	if (rc == 0)
		*cursor = cs->to;
	return rc;
}

/* ---- the child ---- */

static void child_fail(shared_log *log, const char *what, const fs_err *e)
{
	snprintf(log->error, sizeof(log->error), "%s: %s: %s", what, fs_error_name(e->code),
	         e->msg);
	_exit(3);
}

/* Write as fast as possible until killed; never returns. */
static void child_run(const phase *ph, shared_log *log, int64_t first_id, uint64_t seed)
{
	fs_store *s = NULL, *src = NULL;
	fs_err e = {0, ""};
	int64_t cursor = 0;
	long n;

	if (fs_store_open(&s, ph->path, &e) != 0)
		child_fail(log, "open store", &e);
	if (fs_store_open(&src, ph->src_path, &e) != 0 || fs_store_seq(src, &cursor, &e) != 0)
		child_fail(log, "open source store", &e);
	for (n = 0; n < LOG_MAX; n++) {
		log_entry *le = &log->entry[n];
		unsigned x = rng_below(&seed, 10);
		fs_changeset cs;
		int rc;

		le->id = first_id + n;
		le->kind = x < 4 ? OP_CONTACT : x < 7 ? OP_RESPONSE : OP_MERGE;
		le->contact = (int)rng_below(&seed, FIXED_CONTACTS);
		if (le->kind == OP_MERGE && merge_prepare(src, &cursor, le->id, &cs, &e) != 0)
			child_fail(log, "prepare change set", &e);
		__atomic_store_n(&log->intents, n + 1, __ATOMIC_SEQ_CST);
		switch (le->kind) {
		case OP_CONTACT:
			rc = contact_op(s, ph->contact_id[le->contact], le->id, &e);
			break;
		case OP_RESPONSE:
			rc = response_op(s, le->id, &e);
			break;
		default:
			rc = fs_merge_apply(s, &cs, NULL, NULL, &e);
			fs_changeset_free(&cs);
		}
		if (rc != 0)
			child_fail(log, "write", &e);
		__atomic_store_n(&log->committed, n + 1, __ATOMIC_SEQ_CST);
	}
	for (;;)
		pause();
}

/* ---- the parent ---- */

static op *op_add(phase *ph, int64_t id, int kind, int contact, int state)
{
	op *o;

	if (ph->nops == ph->alloc) {
		ph->alloc = ph->alloc ? ph->alloc * 2 : 1024;
		ph->ops = realloc(ph->ops, ph->alloc * sizeof(*ph->ops));
		if (ph->ops == NULL) {
			fprintf(stderr, "crash: out of memory\n");
			exit(2);
		}
	}
	o = &ph->ops[ph->nops++];
	memset(o, 0, sizeof(*o));
	o->id = id;
	o->kind = kind;
	o->contact = contact;
	o->state = state;
	return o;
}

/* The operation with this id (ids grow with the table), or NULL. */
static op *op_find(phase *ph, int64_t id)
{
	size_t lo = 0, hi = ph->nops;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (ph->ops[mid].id == id)
			return &ph->ops[mid];
		if (ph->ops[mid].id < id)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

static int store_open_checked(fs_store **s, const char *path)
{
	fs_err e = {0, ""};

	if (fs_store_open(s, path, &e) != 0)
		return fail("the store does not open after the crash: %s", e.msg);
	if (fs_store_check_integrity(*s, &e) != 0)
		return fail("%s", e.msg);
	return 0;
}

static int64_t query_i64(sqlite3 *db, const char *sql)
{
	sqlite3_stmt *st = NULL;
	int64_t v = -1;

	if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) == SQLITE_OK &&
	    sqlite3_step(st) == SQLITE_ROW)
		v = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return v;
}

/* The persisted counter and clock cover every row; seqs are unique. */
static int check_counters(sqlite3 *db)
{
	static const char *const all_rows =
	    "(SELECT seq, hlc FROM questionnaires UNION ALL SELECT seq, hlc FROM responses "
	    "UNION ALL SELECT seq, hlc FROM contact_fields UNION ALL SELECT seq, hlc FROM "
	    "conflicts)";
	char sql[512];
	int64_t meta_seq =
	    query_i64(db, "SELECT CAST(value AS INTEGER) FROM meta WHERE key = 'seq'");
	int64_t meta_hlc =
	    query_i64(db, "SELECT CAST(value AS INTEGER) FROM meta WHERE key = 'hlc'");
	int64_t max_seq, max_hlc, rows, distinct;

	snprintf(sql, sizeof(sql), "SELECT max(seq) FROM %s", all_rows);
	max_seq = query_i64(db, sql);
	snprintf(sql, sizeof(sql), "SELECT max(hlc) FROM %s", all_rows);
	max_hlc = query_i64(db, sql);
	snprintf(sql, sizeof(sql), "SELECT count(*) FROM %s", all_rows);
	rows = query_i64(db, sql);
	snprintf(sql, sizeof(sql), "SELECT count(DISTINCT seq) FROM %s", all_rows);
	distinct = query_i64(db, sql);
	if (meta_seq < max_seq)
		return fail("the change counter (%" PRId64 ") is behind a row's seq (%" PRId64 ")",
		            meta_seq, max_seq);
	if (meta_hlc < max_hlc)
		return fail("the clock (%" PRId64 ") is behind a row's hlc (%" PRId64 ")", meta_hlc,
		            max_hlc);
	if (rows != distinct)
		return fail("%" PRId64 " rows share %" PRId64 " change sequence numbers", rows,
		            distinct);
	return 0;
}

/* Count markers of responses into ops; a response with an unknown
 * marker is a phantom. */
static int scan_responses(phase *ph, sqlite3 *db)
{
	sqlite3_stmt *st = NULL;
	int rc = 0;

	if (sqlite3_prepare_v2(db, "SELECT id, answers FROM responses", -1, &st, NULL) != SQLITE_OK)
		return fail("read responses: %s", sqlite3_errmsg(db));
	while (rc == 0 && sqlite3_step(st) == SQLITE_ROW) {
		const char *answers = (const char *)sqlite3_column_text(st, 1);
		op *o = op_find(ph, marker_of(answers));

		if (o == NULL || (o->kind != OP_RESPONSE && o->kind != OP_MERGE))
			rc = fail("response %s carries %s, no transaction that was started",
			          sqlite3_column_text(st, 0), answers ? answers : "NULL");
		else
			o->responses++;
	}
	sqlite3_finalize(st);
	return rc;
}

/* One contact's rows as they are read. */
typedef struct contact_acc {
	char id[FS_UUID_LEN + 1];
	int fields, markers, torn;
	int64_t marker;
	const char *torn_field;
} contact_acc;

static void acc_row(contact_acc *a, const char *field, const char *value)
{
	int i;

	a->fields++;
	for (i = 0; i < NMARKER; i++) {
		int64_t v;

		if (strcmp(field, marker_fields[i]) != 0)
			continue;
		v = marker_of(value);
		if (a->markers > 0 && v != a->marker && !a->torn) {
			a->torn = 1;
			a->torn_field = marker_fields[i];
		}
		a->marker = v;
		a->markers++;
	}
}

/* A contact read whole: every field there, all markers of one
 * transaction; note whose it is. */
static int acc_done(phase *ph, const contact_acc *a, int64_t observed[FIXED_CONTACTS])
{
	op *o;
	int i;

	if (a->torn)
		return fail("contact %s is torn: field %s and another carry different markers",
		            a->id, a->torn_field);
	if (a->fields != CONTACT_FIELDS || a->markers != NMARKER)
		return fail("contact %s is torn: %d of %d fields, %d of %d markers", a->id,
		            a->fields, CONTACT_FIELDS, a->markers, NMARKER);
	for (i = 0; i < FIXED_CONTACTS; i++)
		if (strcmp(ph->contact_id[i], a->id) == 0) {
			observed[i] = a->marker;
			return 0;
		}
	o = op_find(ph, a->marker);
	if (o == NULL || o->kind != OP_MERGE)
		return fail("contact %s carries op-%" PRId64 ", no merge that was started", a->id,
		            a->marker);
	o->contacts++;
	return 0;
}

/* Every contact: all fields there, all markers of one transaction. */
static int scan_contacts(phase *ph, sqlite3 *db, int64_t observed[FIXED_CONTACTS])
{
	sqlite3_stmt *st = NULL;
	contact_acc a;
	int rc = 0;

	memset(&a, 0, sizeof(a));
	if (sqlite3_prepare_v2(db,
	                       "SELECT c.id, f.field, f.value FROM contacts c LEFT JOIN "
	                       "contact_fields f ON f.contact_id = c.id ORDER BY c.id",
	                       -1, &st, NULL) != SQLITE_OK)
		return fail("read contacts: %s", sqlite3_errmsg(db));
	while (rc == 0 && sqlite3_step(st) == SQLITE_ROW) {
		const char *id = (const char *)sqlite3_column_text(st, 0);

		if (strcmp(id, a.id) != 0) {
			if (a.id[0] != '\0')
				rc = acc_done(ph, &a, observed);
			memset(&a, 0, sizeof(a));
			snprintf(a.id, sizeof(a.id), "%s", id);
		}
		if (sqlite3_column_type(st, 1) != SQLITE_NULL)
			acc_row(&a, (const char *)sqlite3_column_text(st, 1),
			        (const char *)sqlite3_column_text(st, 2));
	}
	if (rc == 0 && a.id[0] != '\0')
		rc = acc_done(ph, &a, observed);
	sqlite3_finalize(st);
	return rc;
}

/* Check the store against the operations of the phase after a crash in
 * which first..nops were this round's; resolve the one in flight. */
static int check_store(phase *ph, size_t first)
{
	sqlite3 *db = NULL;
	int64_t observed[FIXED_CONTACTS];
	size_t i;
	int rc, c;

	for (c = 0; c < FIXED_CONTACTS; c++)
		observed[c] = -1;
	for (i = 0; i < ph->nops; i++)
		ph->ops[i].responses = ph->ops[i].contacts = 0;
	if (sqlite3_open_v2(ph->path, &db, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK) {
		sqlite3_close(db);
		return fail("cannot open %s read-only", ph->path);
	}
	rc = check_counters(db);
	if (rc == 0)
		rc = scan_responses(ph, db);
	if (rc == 0)
		rc = scan_contacts(ph, db, observed);
	sqlite3_close(db);
	if (rc != 0)
		return rc;
	/* The fixed contacts: the last committed transaction on each, or the
	 * one in flight. */
	for (c = 0; c < FIXED_CONTACTS; c++) {
		int64_t want = ph->marker[c], maybe = -1;

		for (i = first; i < ph->nops; i++) {
			const op *o = &ph->ops[i];

			if (o->kind != OP_CONTACT || o->contact != c)
				continue;
			if (o->state == OP_COMMITTED)
				want = o->id;
			else
				maybe = o->id;
		}
		if (observed[c] != want && observed[c] != maybe)
			return fail(
			    "fixed contact %d holds op-%" PRId64 ", expected op-%" PRId64 "%s", c,
			    observed[c], want, maybe >= 0 ? " or the one in flight" : "");
		ph->marker[c] = observed[c];
	}
	for (i = 0; i < ph->nops; i++) {
		op *o = &ph->ops[i];
		int want_resp = o->kind == OP_CONTACT ? 0 : 1;
		int want_contacts = o->kind == OP_MERGE ? (int)merge_contacts(o->id) : 0;
		int whole = o->responses == want_resp && o->contacts == want_contacts;
		int none = o->responses == 0 && o->contacts == 0;

		if (o->kind == OP_CONTACT) {
			if (o->state == OP_IN_FLIGHT) {
				int kept = ph->marker[o->contact] == o->id;

				o->state = kept ? OP_COMMITTED : OP_ABSENT;
				*(kept ? &ph->in_flight_kept : &ph->in_flight_lost) += 1;
			}
			continue;
		}
		if (o->state == OP_COMMITTED && !whole)
			return fail("committed op-%" PRId64 " (%s) is not fully present: %d "
			            "response(s), %d contact(s)",
			            o->id, o->kind == OP_MERGE ? "merge" : "response", o->responses,
			            o->contacts);
		if (o->state == OP_ABSENT && !none)
			return fail("op-%" PRId64 ", lost in an earlier crash, came back", o->id);
		if (o->state == OP_IN_FLIGHT) {
			if (!whole && !none)
				return fail("op-%" PRId64 " (%s), cut by the kill, is torn: %d "
				            "response(s), %d contact(s)",
				            o->id, o->kind == OP_MERGE ? "merge" : "response",
				            o->responses, o->contacts);
			o->state = whole ? OP_COMMITTED : OP_ABSENT;
			*(whole ? &ph->in_flight_kept : &ph->in_flight_lost) += 1;
		}
	}
	return 0;
}

/* The store still takes writes: one of each local kind, recorded as
 * committed transactions of this round. */
static int write_after(phase *ph, fs_store *s, int64_t round_base)
{
	fs_err e = {0, ""};
	int64_t id = round_base + ROUND_IDS - 2;
	int c = (int)(round_base / ROUND_IDS) % FIXED_CONTACTS;

	if (contact_op(s, ph->contact_id[c], id, &e) != 0 || response_op(s, id + 1, &e) != 0)
		return fail("the store refuses writes after the crash: %s", e.msg);
	op_add(ph, id, OP_CONTACT, c, OP_COMMITTED);
	op_add(ph, id + 1, OP_RESPONSE, 0, OP_COMMITTED);
	ph->marker[c] = id;
	return 0;
}

static void sleep_ms(unsigned ms)
{
	struct timespec ts = {(time_t)(ms / 1000), (long)(ms % 1000) * 1000000L};

	while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
		;
}

/* One round: fork a writer, kill it, check, write. */
static int crash_round(phase *ph, shared_log *log, long round, uint64_t *seed)
{
	int64_t base = (int64_t)round * ROUND_IDS;
	unsigned delay_ms = 1 + rng_below(seed, 50);
	uint64_t child_seed = rng_next(seed);
	size_t first = ph->nops;
	fs_store *s = NULL;
	long i, intents, committed;
	int status = 0, rc;
	pid_t pid;

	memset(log, 0, offsetof(shared_log, entry));
	fflush(stdout);
	pid = fork();
	if (pid < 0)
		return fail("fork: %s", strerror(errno));
	if (pid == 0)
		child_run(ph, log, base + 1, child_seed);
	sleep_ms(delay_ms);
	kill(pid, SIGKILL);
	if (waitpid(pid, &status, 0) != pid)
		return fail("waitpid: %s", strerror(errno));
	if (!WIFSIGNALED(status) || WTERMSIG(status) != SIGKILL)
		return fail("the writer stopped before the kill: %s",
		            log->error[0] ? log->error : "(no message)");
	intents = __atomic_load_n(&log->intents, __ATOMIC_SEQ_CST);
	committed = __atomic_load_n(&log->committed, __ATOMIC_SEQ_CST);
	if (committed > intents || intents > committed + 1)
		return fail("log: %ld intents, %ld committed", intents, committed);
	if (intents == 0)
		ph->killed_early++;
	for (i = 0; i < intents; i++) {
		const log_entry *le = &log->entry[i];

		op_add(ph, le->id, le->kind, le->contact,
		       i < committed ? OP_COMMITTED : OP_IN_FLIGHT);
		ph->merges += le->kind == OP_MERGE && i < committed;
	}
	ph->committed += committed;
	ph->rounds++;
	rc = store_open_checked(&s, ph->path);
	if (rc == 0)
		rc = check_store(ph, first);
	if (rc == 0)
		rc = write_after(ph, s, base);
	fs_store_close(s);
	if (rc != 0)
		fprintf(stderr,
		        "crash: %s round %ld (killed after %u ms, %ld committed, %ld in "
		        "flight): %s\n",
		        ph->name, round, delay_ms, committed, intents - committed, failure);
	return rc;
}

/* Create the store under test with its fixed contacts, and the source. */
static int phase_setup(phase *ph, const char *base)
{
	fs_store *s = NULL, *src = NULL;
	fs_err e = {0, ""};
	json_t *doc = json_loads(questionnaire_json, 0, NULL);
	int rc, i;

	snprintf(ph->dir, sizeof(ph->dir), "%s/fscrash-XXXXXX", base);
	snprintf(ph->src_dir, sizeof(ph->src_dir), "%s/fscrash-src-XXXXXX",
	         access("/dev/shm", W_OK) == 0 ? "/dev/shm" : "/tmp");
	if (mkdtemp(ph->dir) == NULL || mkdtemp(ph->src_dir) == NULL) {
		json_decref(doc);
		return fail("mkdtemp: %s", strerror(errno));
	}
	snprintf(ph->path, sizeof(ph->path), "%s/kiosk.db", ph->dir);
	snprintf(ph->src_path, sizeof(ph->src_path), "%s/source.db", ph->src_dir);
	rc = fs_store_open(&s, ph->path, &e);
	if (rc == 0)
		rc = fs_store_set_identity(s, "kiosk-c1", "north", &e);
	if (rc == 0)
		rc = fs_questionnaire_publish(s, doc, &e);
	for (i = 0; i < FIXED_CONTACTS && rc == 0; i++) {
		json_t *f = marked_fields(0, 1);

		rc = fs_contact_put(s, ph->contact_id[i], NULL, NULL, f, &e);
		json_decref(f);
		ph->marker[i] = 0;
	}
	if (rc == 0)
		rc = fs_store_open(&src, ph->src_path, &e);
	if (rc == 0)
		rc = fs_store_set_identity(src, "kiosk-src", "north", &e);
	if (rc == 0)
		rc = fs_questionnaire_publish(src, doc, &e);
	fs_store_close(s);
	fs_store_close(src);
	json_decref(doc);
	if (rc != 0)
		return fail("setup: %s", e.msg);
	return 0;
}

static void remove_tree(const char *dir)
{
	char cmd[300];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	if (system(cmd) != 0)
		fprintf(stderr, "crash: could not remove %s\n", dir);
}

static int passed, failed_tests;

static void run_phase(const char *name, const char *base, long rounds, shared_log *log,
                      uint64_t *seed)
{
	struct statfs fs;
	phase ph;
	long r;
	int rc;

	memset(&ph, 0, sizeof(ph));
	ph.name = name;
	failure[0] = '\0';
	rc = phase_setup(&ph, base);
	for (r = 1; r <= rounds && rc == 0; r++)
		rc = crash_round(&ph, log, r, seed);
	printf("  %s (%s, %s): %ld kill(s), %ld transaction(s) committed (%ld merges); cut "
	       "by the kill: %ld kept, %ld rolled back; %ld killed before a first write\n",
	       name, ph.dir,
	       statfs(ph.dir, &fs) == 0 && fs.f_type == TMPFS_MAGIC_NUMBER ? "tmpfs" : "disk",
	       ph.rounds, ph.committed, ph.merges, ph.in_flight_kept, ph.in_flight_lost,
	       ph.killed_early);
	if (rc == 0) {
		printf("ok   %s\n", name);
		passed++;
		remove_tree(ph.dir);
	} else {
		printf("FAIL %s: %s\n  store kept in %s\n", name, failure, ph.dir);
		failed_tests++;
	}
	remove_tree(ph.src_dir);
	free(ph.ops);
	fflush(stdout);
}

/* A directory on a real disk: /tmp unless it is tmpfs, else the current
 * directory (the build tree). */
static const char *disk_base(void)
{
	struct statfs fs;

	if (statfs("/tmp", &fs) == 0 && fs.f_type != TMPFS_MAGIC_NUMBER)
		return "/tmp";
	return ".";
}

int main(void)
{
	const char *r = getenv("FIELDSYNC_CRASH_ROUNDS"), *sd = getenv("FIELDSYNC_CRASH_SEED");
	long rounds = r ? strtol(r, NULL, 0) : DEFAULT_ROUNDS;
	uint64_t seed = sd ? strtoull(sd, NULL, 0) : (uint64_t)time(NULL) ^ (uint64_t)getpid();
	shared_log *log;

	log = mmap(NULL, sizeof(*log), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (log == MAP_FAILED) {
		perror("crash: mmap");
		return 2;
	}
	printf("crash test: %ld rounds, FIELDSYNC_CRASH_SEED=0x%016" PRIx64 "\n", rounds, seed);
	run_phase("crash_recovery_on_disk", disk_base(), (rounds + 1) / 2, log, &seed);
	run_phase("crash_recovery_on_tmpfs", access("/dev/shm", W_OK) == 0 ? "/dev/shm" : "/tmp",
	          rounds / 2, log, &seed);
	munmap(log, sizeof(*log));
	printf("%d passed, %d failed\n", passed, failed_tests);
	return failed_tests ? EXIT_FAILURE : EXIT_SUCCESS;
}
