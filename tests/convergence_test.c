/* Convergence property test: random schedules of offline work at a hub and
 * three kiosks over a faulty network, checked against an oracle.
 *
 * A schedule (seeded; FIELDSYNC_SEED reruns one) runs a hub and kiosk-n1,
 * kiosk-n2 (region north) and kiosk-s1 (south), each store with its own wall
 * clock that drifts and sometimes jumps back. Kiosks add and delete
 * responses and create, edit and delete contacts; the hub publishes
 * questionnaires and sometimes corrects a contact; kiosks restart. Change
 * sets travel packed (gzip JSON) in batches of 1 to 7 changes over a network
 * that drops, duplicates and delays them (a delayed packet arrives later,
 * out of order, possibly after newer ones) and loses acknowledgements. A
 * quiescent phase on a reliable network follows, with every packet still in
 * flight delivered in the middle of it. Then:
 *  - every store passes PRAGMA integrity_check and quarantined nothing;
 *  - questionnaires are identical everywhere; contacts of north are
 *    identical at hub, n1 and n2, of south at hub and s1, and no kiosk holds
 *    another region's contacts (fs_store_digest, first differing row shown);
 *  - every response made reached the hub exactly as submitted (or as a
 *    tombstone when deleted), the hub has no other, and no kiosk holds
 *    another kiosk's response;
 *  - every conflict the oracle derives is at the hub, and each region's
 *    conflicts are the same at the hub and its kiosks.
 * A contact a kiosk deletes is erased at the hub when the hub merges its
 * deleted = true, and at each kiosk of its region when the erasure arrives
 * (erase.h); the oracle models that: from then on the replica holds nothing
 * of the contact, drops every change to it, expects no conflict about it
 * and no forged claim about it left in quarantine.
 *
 * The conflict oracle. Every contact-field write gets an id, its value, its
 * (hlc, site, prev) read back from the store file, and hist: the set of
 * writes its writer had seen (made or received) when it wrote. A replica
 * that merges a change set has from then on seen each write the set carries
 * and everything that write's writer had seen. Independently of the engine
 * the oracle applies last-writer-wins on (hlc, site) to its own model of
 * every replica, from the change sets actually delivered; it checks its
 * model against the stores. Two writes "meet" when one arrives at a replica
 * where the other is the current value. When writes from different sites
 * with different values meet and neither is in the other's hist, the loser
 * in (hlc, site) order must be recorded, and the hub must hold it: an entry
 * for that contact and field whose loser site, hlc and value are the loser
 * write's. A write its own site overwrote before it left meets nothing and
 * is no conflict. Conflicts the engine records beyond these are the false
 * positives its design allows (docs/design.md: prev names one write, not a
 * causal history); they are counted and printed, not failed. The oracle
 * also checks the prev rule of every local write.
 *
 * The same schedules run again (200 by default, FIELDSYNC_FORGE_SCHEDULES)
 * with a forger: after a step, now and then, kiosk-n1 or kiosk-n2 sends the
 * hub a conflict row under the id a real conflict about a write the hub
 * holds would get, with made-up values (its own generator, so the honest
 * steps are unchanged). The hub must quarantine each (the only quarantine
 * allowed) and every check above must still pass.
 *
 * Self-checks prove the checks can fail: a replica fed a change set with
 * lowered stamps through the wrong path, a response deleted at the hub
 * behind the engine's back and a conflict row removed there must each be
 * detected by the check meant for it. */
#include <dirent.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <sqlite3.h>

#include "fieldsync/changeset.h"
#include "fieldsync/records.h"
#include "fieldsync/sync.h"
#include "testutil.h"

#define DEFAULT_SCHEDULES 1000
#define DEFAULT_FORGE_SCHEDULES 200
#define SEED_BASE         UINT64_C(0x5eed00f1e1d5c000)
#define STEPS_MIN         60
#define STEPS_SPAN        61 /* 60..120 steps */

#define MAX_CONTACTS  48
#define MAX_WRITES    1024
#define WORDS         (MAX_WRITES / 64)
#define MAX_RESPONSES 160
#define MAX_DELAYED   24
#define FIELDS_MAX    16
#define WIRE_CAP      (64u << 20)
#define BATCH_BYTES   (256u << 10)
#define CANON         (JSON_COMPACT | JSON_SORT_KEYS | JSON_ENCODE_ANY)
#define START_MS      UINT64_C(1795770000000) /* 2026-11-27 */
#define SKEW_MAX      60000                   /* clocks stay within a minute */

/* ---- sites ---- */

enum { HUB, N1, N2, S1, NSITES };
static const char *const site_name[NSITES] = {"hub", "kiosk-n1", "kiosk-n2", "kiosk-s1"};
static const char *const site_region[NSITES] = {NULL, "north", "north", "south"};

static int site_index(const char *name)
{
	int i;

	for (i = 0; i < NSITES; i++)
		if (strcmp(site_name[i], name) == 0)
			return i;
	return -1;
}

/* ---- questionnaires ---- */

static const char *const questionnaire_v1 =
    "{\"format\": \"fieldsync-questionnaire/1\", \"id\": \"visit-feedback\", \"version\": 1,"
    " \"languages\": [\"en\", \"cy\"], \"title\": {\"en\": \"Tell us about your visit\"},"
    " \"questions\": ["
    "  {\"id\": \"overall\", \"type\": \"scale\", \"min\": 1, \"max\": 5, \"required\": true,"
    "   \"label\": {\"en\": \"How was your visit?\"}},"
    "  {\"id\": \"comment\", \"type\": \"text\", \"label\": {\"en\": \"Anything else?\"}}]}";

static const char *const questionnaire_v2 =
    "{\"format\": \"fieldsync-questionnaire/1\", \"id\": \"visit-feedback\", \"version\": 2,"
    " \"languages\": [\"en\", \"cy\"], \"title\": {\"en\": \"Tell us about your visit\"},"
    " \"questions\": ["
    "  {\"id\": \"overall\", \"type\": \"scale\", \"min\": 1, \"max\": 5, \"required\": true,"
    "   \"label\": {\"en\": \"How was your visit?\"}},"
    "  {\"id\": \"been_before\", \"type\": \"yes_no\", \"label\": {\"en\": \"Been before?\"}},"
    "  {\"id\": \"how_often\", \"type\": \"single_choice\","
    "   \"show_if\": {\"question\": \"been_before\", \"equals\": true},"
    "   \"options\": [{\"value\": \"weekly\", \"label\": {\"en\": \"Weekly\"}},"
    "                 {\"value\": \"monthly\", \"label\": {\"en\": \"Monthly\"}}],"
    "   \"label\": {\"en\": \"How often?\"}},"
    "  {\"id\": \"comment\", \"type\": \"text\", \"label\": {\"en\": \"Anything else?\"}}]}";

/* ---- contact field values: small sets, so equal concurrent values occur ---- */

typedef struct field_values {
	const char *field;
	const char *values[4]; /* JSON texts */
} field_values;

static const field_values edit_values[] = {
    {"notes", {"null", "\"called back\"", "\"left a message\"", "\"no answer\""}},
    {"status", {"\"open\"", "\"closed\""}},
    {"follow_up_done", {"true", "false"}},
    {"topics", {"null", "[\"housing\"]", "[\"housing\",\"money\"]", "[\"food\"]"}},
    {"duration_min", {"null", "10", "30", "45"}},
    {"channel", {"\"in_person\"", "\"phone\"", "\"video\""}},
    {"support", {"null", "\"listened\"", "\"gave a leaflet\""}},
    {"signposted", {"null", "[\"gp\"]", "[\"citizens-advice\",\"food-bank\"]"}},
    {"follow_up_date", {"null", "\"2026-12-04\"", "\"2026-12-11\""}},
    {"worker", {"\"w-amina\"", "\"w-brian\""}},
    {"contact_at", {"\"2026-11-27T10:30:00Z\"", "\"2026-11-28T09:00:00Z\""}},
};
#define NEDIT (sizeof(edit_values) / sizeof(edit_values[0]))

static int nfields; /* entries of fs_contact_fields */

/* FIELDSYNC_VERBOSE=1 explains every false positive; 2 also traces every
 * write and every merge of a contact field (use with FIELDSYNC_SEED). */
static int verbose;

static int field_index(const char *name)
{
	int i;

	for (i = 0; i < nfields; i++)
		if (strcmp(fs_contact_fields[i], name) == 0)
			return i;
	return -1;
}

/* ---- seeded PRNG (splitmix64) ---- */

typedef struct rng {
	uint64_t state;
} rng;

static uint64_t rng_next(rng *r)
{
	uint64_t z = (r->state += UINT64_C(0x9e3779b97f4a7c15));

	z = (z ^ (z >> 30)) * UINT64_C(0xbf58476d1ce4e5b9);
	z = (z ^ (z >> 27)) * UINT64_C(0x94d049bb133111eb);
	return z ^ (z >> 31);
}

static unsigned rng_below(rng *r, unsigned n)
{
	return (unsigned)(rng_next(r) % n);
}

static int rng_percent(rng *r, unsigned p)
{
	return rng_below(r, 100) < p;
}

/* ---- the world of one schedule ---- */

/* What a check found wrong; the self-checks assert which one fired. */
enum check_kind {
	CHECK_NONE,
	CHECK_ENGINE, /* an engine call failed */
	CHECK_INTEGRITY,
	CHECK_QUARANTINE,
	CHECK_QUESTIONNAIRES,
	CHECK_CONTACTS,
	CHECK_MODEL, /* the store disagrees with the oracle's model of it */
	CHECK_RESPONSES,
	CHECK_CONFLICTS
};

typedef struct write_rec {
	int contact, field, site;
	fs_hlc hlc;
	char *value;          /* canonical JSON */
	int prev;             /* write it replaced at its writer per the prev rule, -1 */
	uint64_t hist[WORDS]; /* writes its writer had seen when writing */
	int next;             /* next write to the same contact field, -1 */
	int lost_to;          /* expected conflict: the concurrent write it lost to */
	int met_at;           /* replica of that meeting */
	int recorded;         /* the hub holds a conflict with this write as loser */
	int sent;             /* merged somewhere other than its own site */
} write_rec;

typedef struct contact_rec {
	char id[FS_UUID_LEN + 1];
	const char *region;
	int first_write[FIELDS_MAX];
} contact_rec;

typedef struct response_rec {
	char id[FS_UUID_LEN + 1];
	int site;
	json_t *body; /* as submitted */
	int deleted;
} response_rec;

typedef struct packet {
	int pull; /* hub to kiosk; else kiosk to hub */
	int kiosk;
	fs_buf gz;
} packet;

typedef struct stats {
	long schedules, steps, writes, responses, packets, dropped, duplicated, delayed, acks_lost,
	    restarts, expected_conflicts, recorded_conflicts, false_positives, sent_unmet, forged;
} stats;

typedef struct world {
	uint64_t seed;
	rng rng;
	char dir[64];
	int step;
	uint64_t now; /* the true time; store clocks are now + skew */
	test_clock clock[NSITES];
	int64_t skew[NSITES];
	fs_store *store[NSITES];
	sqlite3 *db[NSITES]; /* read-only connections for the oracle */
	sqlite3_stmt *rows[NSITES];
	int qversion; /* highest questionnaire version published */
	contact_rec contacts[MAX_CONTACTS];
	int ncontacts;
	write_rec writes[MAX_WRITES];
	int nwrites;
	response_rec responses[MAX_RESPONSES];
	int nresponses;
	uint64_t seen[NSITES][WORDS];
	int cur[NSITES][MAX_CONTACTS][FIELDS_MAX]; /* model: current write, -1 */
	unsigned char known[NSITES][MAX_CONTACTS];
	/* Erased at each replica (erase.h): a contact deleted by a worker is
	 * erased at the hub, and its erasure reaches the region's kiosks. */
	unsigned char erased[NSITES][MAX_CONTACTS];
	int forged_on[MAX_CONTACTS]; /* forged claims quarantined about each contact */
	packet delayed[MAX_DELAYED];
	int ndelayed;
	stats st;
	/* The forged-claims variant: its own generator, so the schedule's
	 * honest steps are the same as without it. */
	int forge;
	rng forge_rng;
	int failed; /* enum check_kind of the first failure */
	char why[4096];
} world;

static void failf(world *w, int kind, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 3, 4)))
#endif
    ;

static void failf(world *w, int kind, const char *fmt, ...)
{
	va_list ap;

	if (w->failed)
		return;
	w->failed = kind;
	va_start(ap, fmt);
	vsnprintf(w->why, sizeof(w->why), fmt, ap);
	va_end(ap);
}

/* An engine call that must succeed. */
static int api(world *w, int rc, const fs_err *e, const char *what, int site)
{
	if (rc != 0)
		failf(w, CHECK_ENGINE, "step %d: %s at %s: %s: %s", w->step, what, site_name[site],
		      fs_error_name(rc), e->msg);
	return rc;
}

static int bit_get(const uint64_t *set, int i)
{
	return (int)((set[i / 64] >> (i % 64)) & 1);
}

static void bit_set(uint64_t *set, int i)
{
	set[i / 64] |= UINT64_C(1) << (i % 64);
}

static char *canon(const json_t *v)
{
	char *t = json_dumps(v, CANON);

	if (t == NULL) {
		fprintf(stderr, "convergence: out of memory\n");
		exit(2);
	}
	return t;
}

/* ---- stores ---- */

static void store_path(const world *w, int i, char *out, size_t n)
{
	snprintf(out, n, "%s/%s.db", w->dir, site_name[i]);
}

static int store_open(world *w, int i)
{
	char path[128];
	fs_err e = {0, ""};
	int rc;

	store_path(w, i, path, sizeof(path));
	rc = fs_store_open(&w->store[i], path, &e);
	if (rc == 0)
		rc = fs_store_set_identity(w->store[i], site_name[i], site_region[i], &e);
	if (api(w, rc, &e, "open store", i) != 0)
		return rc;
	fs_store_set_wallclock(w->store[i], test_clock_read, &w->clock[i]);
	return 0;
}

static int oracle_db_open(world *w, int i)
{
	char path[128];

	store_path(w, i, path, sizeof(path));
	if (sqlite3_open_v2(path, &w->db[i], SQLITE_OPEN_READONLY, NULL) != SQLITE_OK ||
	    sqlite3_prepare_v2(w->db[i],
	                       "SELECT field, value, hlc, site, prev_hlc, prev_site FROM "
	                       "contact_fields WHERE contact_id = ?1",
	                       -1, &w->rows[i], NULL) != SQLITE_OK) {
		failf(w, CHECK_ENGINE, "cannot open %s read-only: %s", path,
		      sqlite3_errmsg(w->db[i]));
		return -1;
	}
	sqlite3_busy_timeout(w->db[i], 10000);
	return 0;
}

static void remove_dir(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *ent;
	char path[512];

	if (d == NULL)
		return;
	while ((ent = readdir(d)) != NULL) {
		if (strcmp(ent->d_name, ".") == 0 || strcmp(ent->d_name, "..") == 0)
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, ent->d_name);
		unlink(path);
	}
	closedir(d);
	rmdir(dir);
}

static world *world_new(uint64_t seed)
{
	world *w = calloc(1, sizeof(*w));
	int i;

	if (w == NULL) {
		fprintf(stderr, "convergence: out of memory\n");
		exit(2);
	}
	w->seed = seed;
	w->rng.state = seed;
	w->now = START_MS;
	memset(w->cur, 0xff, sizeof(w->cur));
	test_tmpdir(w->dir);
	for (i = 0; i < NSITES; i++) {
		w->clock[i].ms = w->now;
		if (store_open(w, i) != 0 || oracle_db_open(w, i) != 0)
			break;
	}
	return w;
}

/* Close everything; remove the stores unless the schedule failed. */
static void world_free(world *w, int keep_files)
{
	int i;

	for (i = 0; i < NSITES; i++) {
		sqlite3_finalize(w->rows[i]);
		sqlite3_close(w->db[i]);
		fs_store_close(w->store[i]);
	}
	for (i = 0; i < w->nwrites; i++)
		free(w->writes[i].value);
	for (i = 0; i < w->nresponses; i++)
		json_decref(w->responses[i].body);
	for (i = 0; i < w->ndelayed; i++)
		fs_buf_free(&w->delayed[i].gz);
	if (keep_files)
		fprintf(stderr, "convergence: stores kept in %s\n", w->dir);
	else
		remove_dir(w->dir);
	free(w);
}

/* The true time moves on; each store's clock drifts around it within a
 * minute and now and then jumps back by up to 15 s. */
static void clocks_advance(world *w)
{
	int i;

	w->now += rng_below(&w->rng, 3000);
	for (i = 0; i < NSITES; i++) {
		int64_t d = (int64_t)rng_below(&w->rng, 4001) - 2000;

		if (rng_percent(&w->rng, 4))
			d -= (int64_t)rng_below(&w->rng, 15000);
		w->skew[i] += d;
		if (w->skew[i] > SKEW_MAX)
			w->skew[i] = SKEW_MAX;
		if (w->skew[i] < -SKEW_MAX)
			w->skew[i] = -SKEW_MAX;
		w->clock[i].ms = (uint64_t)((int64_t)w->now + w->skew[i]);
	}
}

/* ---- the oracle ---- */

static int contact_index(const world *w, const char *id)
{
	int i;

	for (i = 0; i < w->ncontacts; i++)
		if (strcmp(w->contacts[i].id, id) == 0)
			return i;
	return -1;
}

static int find_write(const world *w, int ci, int fi, fs_hlc hlc, int site)
{
	int i;

	for (i = w->contacts[ci].first_write[fi]; i >= 0; i = w->writes[i].next)
		if (w->writes[i].hlc == hlc && w->writes[i].site == site)
			return i;
	return -1;
}

static int write_cmp(const world *w, int a, int b)
{
	const write_rec *x = &w->writes[a], *y = &w->writes[b];

	return fs_hlc_site_cmp(x->hlc, site_name[x->site], y->hlc, site_name[y->site]);
}

static void describe_write(const world *w, int i, char *out, size_t n)
{
	const write_rec *x = &w->writes[i];
	char h[FS_HLC_TEXT_LEN + 1];

	fs_hlc_format(h, x->hlc);
	snprintf(out, n, "write #%d %s=%s by %s at %s", i, fs_contact_fields[x->field], x->value,
	         site_name[x->site], h);
}

/* Write a arrives at replica r where write b is current. */
static void meet(world *w, int r, int a, int b)
{
	const write_rec *x = &w->writes[a], *y = &w->writes[b];
	int winner = write_cmp(w, a, b) > 0 ? a : b;
	int loser = winner == a ? b : a;

	if (x->site == y->site || strcmp(x->value, y->value) == 0 || bit_get(x->hist, b) ||
	    bit_get(y->hist, a))
		return;
	if (w->writes[loser].lost_to < 0) {
		w->writes[loser].lost_to = winner;
		w->writes[loser].met_at = r;
	}
}

/* Replica r received write wid: it has now seen it and every write to the
 * same field its writer had seen. Not writes to other fields: those values
 * did not travel with it. */
static void see(world *w, int r, int wid)
{
	const write_rec *x = &w->writes[wid];
	int j;

	for (j = w->contacts[x->contact].first_write[x->field]; j >= 0; j = w->writes[j].next)
		if (bit_get(x->hist, j))
			bit_set(w->seen[r], j);
	bit_set(w->seen[r], wid);
}

/* Contact ci is erased at replica r: nothing of it stays there, and later
 * changes to it are dropped. */
static void erase_model(world *w, int r, int ci)
{
	int fi;

	w->erased[r][ci] = 1;
	w->known[r][ci] = 0;
	for (fi = 0; fi < FIELDS_MAX; fi++)
		w->cur[r][ci][fi] = -1;
}

/* Replica r merged cs (committed). */
static void oracle_merge(world *w, int r, const fs_changeset *cs)
{
	size_t i;

	for (i = 0; i < cs->count && !w->failed; i++) {
		const fs_change *c = &cs->changes[i];
		int ci, fi, si, wid, cur;
		char *text;

		if (c->table == FS_TABLE_RESPONSES && r != HUB) {
			failf(w, CHECK_RESPONSES, "step %d: %s received response %s of %s", w->step,
			      site_name[r], c->id, c->site);
			return;
		}
		if (c->table == FS_TABLE_ERASURES) {
			ci = contact_index(w, c->id);
			if (ci < 0 || r == HUB || !w->erased[HUB][ci])
				failf(w, CHECK_CONTACTS,
				      "step %d: %s received an erasure of %s the hub never made",
				      w->step, site_name[r], c->id);
			else
				erase_model(w, r, ci);
			continue;
		}
		if (c->table != FS_TABLE_CONTACTS)
			continue;
		ci = contact_index(w, c->id);
		if (ci >= 0 && w->erased[r][ci])
			continue; /* dropped */
		if (r != HUB && strcmp(c->region, site_region[r]) != 0) {
			failf(w, CHECK_CONTACTS, "step %d: %s received contact %s of region %s",
			      w->step, site_name[r], c->id, c->region);
			return;
		}
		ci = contact_index(w, c->id);
		fi = field_index(c->field);
		si = site_index(c->site);
		wid = ci >= 0 && fi >= 0 && si >= 0 ? find_write(w, ci, fi, c->hlc, si) : -1;
		if (wid < 0) {
			failf(w, CHECK_MODEL,
			      "step %d: a change set to %s carries contact %s field %s by %s at "
			      "%016" PRIx64 ", a write nobody made",
			      w->step, site_name[r], c->id, c->field, c->site, c->hlc);
			return;
		}
		text = canon(c->value);
		if (strcmp(text, w->writes[wid].value) != 0)
			failf(w, CHECK_MODEL,
			      "step %d: a change set to %s carries contact %s field %s with value "
			      "%s, but that write wrote %s",
			      w->step, site_name[r], c->id, c->field, text, w->writes[wid].value);
		free(text);
		w->known[r][ci] = 1;
		w->writes[wid].sent |= r != si;
		see(w, r, wid);
		cur = w->cur[r][ci][fi];
		if (verbose >= 2)
			printf("    step %d: %s merges #%d (current #%d)\n", w->step, site_name[r],
			       wid, cur);
		if (cur < 0) {
			w->cur[r][ci][fi] = wid;
		} else if (cur != wid) {
			meet(w, r, wid, cur);
			if (write_cmp(w, wid, cur) > 0)
				w->cur[r][ci][fi] = wid;
		}
		/* A hub erases a contact a worker deleted. */
		cur = w->cur[r][ci][fi];
		if (r == HUB && strcmp(c->field, "deleted") == 0 && json_is_true(c->value) &&
		    cur >= 0 && strcmp(w->writes[cur].value, "true") == 0)
			erase_model(w, HUB, ci);
	}
}

static int new_write(world *w, int s, int ci, int fi, fs_hlc hlc, const char *value, int prev)
{
	write_rec *x;
	int id;

	if (w->nwrites == MAX_WRITES) {
		failf(w, CHECK_ENGINE, "test limit: more than %d writes", MAX_WRITES);
		return -1;
	}
	id = w->nwrites++;
	x = &w->writes[id];
	x->contact = ci;
	x->field = fi;
	x->site = s;
	x->hlc = hlc;
	x->value = strdup(value);
	x->prev = prev;
	memcpy(x->hist, w->seen[s], sizeof(x->hist));
	x->lost_to = -1;
	x->met_at = -1;
	x->recorded = 0;
	x->sent = 0;
	x->next = w->contacts[ci].first_write[fi];
	w->contacts[ci].first_write[fi] = id;
	bit_set(w->seen[s], id);
	w->cur[s][ci][fi] = id;
	w->st.writes++;
	if (verbose >= 2) {
		char d[256];

		describe_write(w, id, d, sizeof(d));
		printf("    step %d: %s, contact %d, prev #%d\n", w->step, d, ci, prev);
	}
	return id;
}

/* Site s made a local write to contact ci (creating it or putting the
 * fields of `requested`): read the contact's rows back from the store file,
 * register each row that changed as a new write and check the prev rule
 * (records.c): the replaced write, or, when replacing its own, that one's
 * prev. */
static void oracle_local(world *w, int s, int ci, const json_t *requested)
{
	sqlite3_stmt *st = w->rows[s];
	const char *key;
	json_t *value;
	int rc, fi;

	sqlite3_bind_text(st, 1, w->contacts[ci].id, -1, SQLITE_STATIC);
	while (!w->failed && (rc = sqlite3_step(st)) == SQLITE_ROW) {
		const char *field = (const char *)sqlite3_column_text(st, 0);
		const char *text = (const char *)sqlite3_column_text(st, 1);
		fs_hlc hlc = (fs_hlc)sqlite3_column_int64(st, 2);
		int si = site_index((const char *)sqlite3_column_text(st, 3));
		int has_prev = sqlite3_column_type(st, 5) != SQLITE_NULL;
		fs_hlc prev_hlc = (fs_hlc)sqlite3_column_int64(st, 4);
		int prev_si = has_prev ? site_index((const char *)sqlite3_column_text(st, 5)) : -1;
		int cur, want_prev;

		fi = field_index(field);
		cur = fi >= 0 ? w->cur[s][ci][fi] : -1;
		if (fi < 0) {
			failf(w, CHECK_MODEL, "%s: unknown field %s", site_name[s], field);
			break;
		}
		if (cur >= 0 && w->writes[cur].hlc == hlc && w->writes[cur].site == si)
			continue; /* unchanged */
		if (si != s || (cur >= 0 && fs_hlc_site_cmp(hlc, site_name[s], w->writes[cur].hlc,
		                                            site_name[w->writes[cur].site]) <= 0)) {
			failf(w, CHECK_MODEL,
			      "step %d: after a local write at %s, contact %s field %s holds a "
			      "write by %s at %016" PRIx64 " that is not a new local write",
			      w->step, site_name[s], w->contacts[ci].id, field,
			      si >= 0 ? site_name[si] : "?", hlc);
			break;
		}
		want_prev = cur < 0 ? -1 : w->writes[cur].site != s ? cur : w->writes[cur].prev;
		if ((want_prev < 0) != !has_prev ||
		    (want_prev >= 0 && (w->writes[want_prev].hlc != prev_hlc ||
		                        w->writes[want_prev].site != prev_si))) {
			char d[256];

			if (want_prev >= 0)
				describe_write(w, want_prev, d, sizeof(d));
			failf(w, CHECK_MODEL,
			      "step %d: %s wrote contact %s field %s with prev %s %016" PRIx64
			      ", expected %s",
			      w->step, site_name[s], w->contacts[ci].id, field,
			      has_prev && prev_si >= 0 ? site_name[prev_si] : "(none)", prev_hlc,
			      want_prev >= 0 ? d : "none");
			break;
		}
		new_write(w, s, ci, fi, hlc, text, want_prev);
	}
	sqlite3_reset(st);
	sqlite3_clear_bindings(st);
	if (w->failed)
		return;
	json_object_foreach ((json_t *)requested, key, value) {
		char *want = canon(value);
		int cur;

		fi = field_index(key);
		cur = w->cur[s][ci][fi];
		if (cur < 0 || strcmp(w->writes[cur].value, want) != 0)
			failf(w, CHECK_MODEL,
			      "step %d: %s put contact %s field %s = %s, but the store holds %s",
			      w->step, site_name[s], w->contacts[ci].id, key, want,
			      cur < 0 ? "nothing" : w->writes[cur].value);
		free(want);
	}
}

/* ---- local work ---- */

static void publish(world *w, int version)
{
	fs_err e = {0, ""};
	json_t *doc = json_loads(version == 1 ? questionnaire_v1 : questionnaire_v2, 0, NULL);

	if (api(w, fs_questionnaire_publish(w->store[HUB], doc, &e), &e, "publish", HUB) == 0)
		w->qversion = version;
	json_decref(doc);
}

/* Dated by kiosk k's clock, as a kiosk does: submitted now, started up to
 * a minute before (not drawn from the schedule's generator, so schedules
 * stay as they were). */
static json_t *response_body(world *w, int version, int k)
{
	static const char *const comments[] = {"Friendly staff", "Too long a wait", "Fine"};
	rng *r = &w->rng;
	int assisted = rng_percent(r, 40);
	json_t *answers = json_pack("{s:i}", "overall", 1 + (int)rng_below(r, 5));
	uint64_t now = fs_store_now_ms(w->store[k]);
	char started[FS_TIMESTAMP_LEN + 1], submitted[FS_TIMESTAMP_LEN + 1];

	fs_timestamp_format(submitted, now);
	fs_timestamp_format(started, now - (uint64_t)(w->nresponses * 7919 % 60) * 1000u);

	if (version >= 2 && rng_percent(r, 70)) {
		int before = rng_percent(r, 50);

		json_object_set_new(answers, "been_before", json_boolean(before));
		if (before && rng_percent(r, 80))
			json_object_set_new(answers, "how_often",
			                    json_string(rng_percent(r, 50) ? "weekly" : "monthly"));
	}
	if (rng_percent(r, 50))
		json_object_set_new(answers, "comment", json_string(comments[rng_below(r, 3)]));
	return json_pack(
	    "{s:s, s:i, s:s, s:s, s:s, s:s, s:o, s:s*}", "questionnaire", "visit-feedback",
	    "version", version, "language", rng_percent(r, 70) ? "en" : "cy", "mode",
	    assisted ? "assisted" : "self", "started_at", started, "submitted_at", submitted,
	    "answers", answers, "worker", assisted ? "w-amina" : NULL);
}

static void add_response(world *w, int k)
{
	fs_err e = {0, ""};
	json_t *doc = NULL, *body;
	response_rec *rec;
	int v;

	if (w->nresponses == MAX_RESPONSES)
		return;
	/* The newest version this kiosk has received. */
	for (v = w->qversion; v >= 1; v--) {
		if (fs_questionnaire_get(w->store[k], &doc, "visit-feedback", v, &e) == 0)
			break;
		fs_err_clear(&e);
	}
	json_decref(doc);
	if (v < 1)
		return;
	body = response_body(w, v, k);
	rec = &w->responses[w->nresponses];
	if (api(w, fs_response_add(w->store[k], rec->id, body, &e), &e, "add response", k) != 0) {
		json_decref(body);
		return;
	}
	rec->site = k;
	rec->body = body;
	rec->deleted = 0;
	w->nresponses++;
	w->st.responses++;
}

static void delete_response(world *w, int k)
{
	int cand[MAX_RESPONSES], n = 0, i;
	fs_err e = {0, ""};

	for (i = 0; i < w->nresponses; i++)
		if (w->responses[i].site == k && !w->responses[i].deleted)
			cand[n++] = i;
	if (n == 0)
		return;
	i = cand[rng_below(&w->rng, (unsigned)n)];
	if (api(w, fs_response_delete(w->store[k], w->responses[i].id, &e), &e, "delete response",
	        k) == 0)
		w->responses[i].deleted = 1;
}

static json_t *json_text(const char *t)
{
	json_t *v = json_loads(t, JSON_DECODE_ANY, NULL);

	if (v == NULL) {
		fprintf(stderr, "convergence: bad JSON in the test: %s\n", t);
		exit(2);
	}
	return v;
}

static const char *pick_value(world *w, const field_values *fv)
{
	unsigned n = 0;

	while (n < 4 && fv->values[n] != NULL)
		n++;
	return fv->values[rng_below(&w->rng, n)];
}

/* Create a contact at kiosk k (or in region at the hub) with fields. */
static int create_contact(world *w, int s, const char *region, json_t *fields)
{
	contact_rec *c;
	fs_err e = {0, ""};
	int ci, i;

	if (w->ncontacts == MAX_CONTACTS)
		return -1;
	ci = w->ncontacts;
	c = &w->contacts[ci];
	if (api(w, fs_contact_put(w->store[s], c->id, NULL, region, fields, &e), &e,
	        "create contact", s) != 0)
		return -1;
	c->region = region ? region : site_region[s];
	for (i = 0; i < FIELDS_MAX; i++)
		c->first_write[i] = -1;
	w->ncontacts++;
	w->known[s][ci] = 1;
	oracle_local(w, s, ci, fields);
	return ci;
}

static void create_random_contact(world *w, int k)
{
	static const char *const channels[] = {"in_person", "phone", "video"};
	char ref[32];
	json_t *f;

	if (w->ncontacts == MAX_CONTACTS || w->nwrites > MAX_WRITES - 64)
		return;
	snprintf(ref, sizeof(ref), "P-%04d", w->ncontacts);
	f = json_pack("{s:s, s:s, s:s, s:s}", "person_ref", ref, "contact_at",
	              "2026-11-27T10:30:00Z", "channel", channels[rng_below(&w->rng, 3)], "worker",
	              rng_percent(&w->rng, 50) ? "w-amina" : "w-brian");
	if (rng_percent(&w->rng, 50))
		json_object_set_new(f, "topics", json_text("[\"housing\"]"));
	create_contact(w, k, NULL, f);
	json_decref(f);
}

static void put_fields(world *w, int s, int ci, json_t *fields)
{
	char out[FS_UUID_LEN + 1];
	fs_err e = {0, ""};

	if (api(w, fs_contact_put(w->store[s], out, w->contacts[ci].id, NULL, fields, &e), &e,
	        "edit contact", s) == 0)
		oracle_local(w, s, ci, fields);
}

/* A random contact that site s knows, of its region; -1 when none. */
static int pick_contact(world *w, int s)
{
	int cand[MAX_CONTACTS], n = 0, i;

	for (i = 0; i < w->ncontacts; i++)
		if (w->known[s][i] &&
		    (s == HUB || strcmp(w->contacts[i].region, site_region[s]) == 0))
			cand[n++] = i;
	return n ? cand[rng_below(&w->rng, (unsigned)n)] : -1;
}

static void edit_random_contact(world *w, int s)
{
	int ci = pick_contact(w, s), nf, i;
	json_t *f;

	if (ci < 0 || w->nwrites > MAX_WRITES - 16)
		return;
	f = json_object();
	nf = 1 + (int)rng_below(&w->rng, 3);
	for (i = 0; i < nf; i++) {
		/* Half the edits go to three hot fields, so kiosks often collide. */
		const field_values *fv =
		    &edit_values[rng_below(&w->rng, rng_percent(&w->rng, 50) ? 3 : NEDIT)];

		json_object_set_new(f, fv->field, json_text(pick_value(w, fv)));
	}
	put_fields(w, s, ci, f);
	json_decref(f);
}

static void delete_random_contact(world *w, int k)
{
	int ci = pick_contact(w, k);
	fs_err e = {0, ""};
	json_t *f;

	if (ci < 0 || w->nwrites > MAX_WRITES - 16)
		return;
	f = json_pack("{s:b}", "deleted", 1);
	if (api(w, fs_contact_delete(w->store[k], w->contacts[ci].id, &e), &e, "delete contact",
	        k) == 0)
		oracle_local(w, k, ci, f);
	json_decref(f);
}

/* A kiosk program restarts: the store is closed and opened again. */
static void restart(world *w, int k)
{
	fs_store_close(w->store[k]);
	w->store[k] = NULL;
	store_open(w, k);
	w->st.restarts++;
}

/* ---- the network ---- */

/* Deliver one packet; the hub's acknowledgement of a push reaches the
 * kiosk unless lossy says it is lost. */
static void deliver(world *w, const packet *p, int lossy)
{
	fs_codec_limits lim;
	fs_changeset cs;
	fs_merge_result res;
	fs_err e = {0, ""};
	int k = p->kiosk, rc;

	fs_codec_limits_default(&lim);
	rc = fs_changeset_unpack(&cs, p->gz.data, p->gz.len, &lim, &e);
	if (api(w, rc, &e, p->pull ? "unpack hub change set" : "unpack kiosk change set",
	        p->pull ? k : HUB) != 0)
		return;
	if (!p->pull) {
		rc =
		    fs_sync_hub_receive(w->store[HUB], &cs, site_name[k], site_region[k], &res, &e);
		if (api(w, rc, &e, "hub merge", HUB) == 0) {
			oracle_merge(w, HUB, &cs);
			if (lossy && rng_percent(&w->rng, 25)) {
				w->st.acks_lost++;
			} else {
				rc = fs_store_peer_ack(w->store[k], "hub", cs.to, &e);
				api(w, rc, &e, "ack", k);
			}
		}
	} else {
		rc = fs_sync_kiosk_receive(w->store[k], &cs, "hub", &res, &e);
		if (api(w, rc, &e, "kiosk merge", k) == 0)
			oracle_merge(w, k, &cs);
	}
	fs_changeset_free(&cs);
}

static void deliver_delayed(world *w, int i)
{
	packet p = w->delayed[i];

	memmove(&w->delayed[i], &w->delayed[i + 1],
	        (size_t)(w->ndelayed - i - 1) * sizeof(w->delayed[0]));
	w->ndelayed--;
	deliver(w, &p, 1);
	fs_buf_free(&p.gz);
}

static void delay(world *w, const packet *p)
{
	if (w->ndelayed == MAX_DELAYED)
		deliver_delayed(w, 0);
	w->delayed[w->ndelayed++] = *p;
	w->st.delayed++;
}

/* Pack cs and send it over the faulty network (lossy) or a reliable one. */
static void send(world *w, int pull, int k, const fs_changeset *cs, int lossy)
{
	fs_err e = {0, ""};
	packet p;
	unsigned fate = lossy ? rng_below(&w->rng, 100) : 99;

	p.pull = pull;
	p.kiosk = k;
	fs_buf_init(&p.gz, WIRE_CAP);
	if (api(w, fs_changeset_pack(&p.gz, cs, &e), &e, "pack", pull ? HUB : k) != 0) {
		fs_buf_free(&p.gz);
		return;
	}
	w->st.packets++;
	if (fate < 12) {
		w->st.dropped++;
		fs_buf_free(&p.gz);
	} else if (fate < 24) {
		delay(w, &p);
	} else if (fate < 32) {
		packet copy = p;

		w->st.duplicated++;
		deliver(w, &p, lossy);
		if (rng_percent(&w->rng, 50)) {
			fs_buf_init(&copy.gz, WIRE_CAP);
			fs_buf_append(&copy.gz, p.gz.data, p.gz.len);
			delay(w, &copy);
		} else {
			deliver(w, &p, lossy);
		}
		fs_buf_free(&p.gz);
	} else {
		deliver(w, &p, lossy);
		fs_buf_free(&p.gz);
	}
}

/* One push batch from kiosk k; returns the number of changes, *more. */
static size_t push(world *w, int k, size_t max_changes, int lossy, int *more)
{
	fs_changeset cs;
	fs_err e = {0, ""};
	size_t n;

	*more = 0;
	if (api(w, fs_sync_kiosk_outgoing(w->store[k], &cs, "hub", max_changes, BATCH_BYTES, &e),
	        &e, "read outgoing", k) != 0)
		return 0;
	send(w, 0, k, &cs, lossy);
	n = cs.count;
	*more = cs.more;
	fs_changeset_free(&cs);
	return n;
}

/* One pull batch for kiosk k from its pull cursor. */
static size_t pull(world *w, int k, size_t max_changes, int lossy, int *more)
{
	fs_changeset cs;
	fs_err e = {0, ""};
	int64_t push_cursor = 0, pull_cursor = 0;
	size_t n;

	*more = 0;
	if (api(w, fs_store_peer_cursors(w->store[k], "hub", &push_cursor, &pull_cursor, &e), &e,
	        "read cursors", k) != 0)
		return 0;
	if (api(w,
	        fs_sync_hub_outgoing(w->store[HUB], &cs, site_name[k], site_region[k], pull_cursor,
	                             max_changes, BATCH_BYTES, &e),
	        &e, "read hub outgoing", HUB) != 0)
		return 0;
	send(w, 1, k, &cs, lossy);
	n = cs.count;
	*more = cs.more;
	fs_changeset_free(&cs);
	return n;
}

/* A sync step over the faulty network: a few batches each way. */
static void sync_faulty(world *w, int k)
{
	int i, more = 1, n = 1 + (int)rng_below(&w->rng, 3);

	for (i = 0; i < n && more && !w->failed; i++)
		push(w, k, 1 + rng_below(&w->rng, 7), 1, &more);
	more = 1;
	for (i = 0; i < n && more && !w->failed; i++)
		pull(w, k, 1 + rng_below(&w->rng, 7), 1, &more);
}

/* Sync kiosk k until nothing is left either way; the changes moved. */
static long sync_reliable(world *w, int k)
{
	long moved = 0;
	int more = 1, more_up, more_down;

	while (more && !w->failed) {
		moved += (long)push(w, k, 1 + rng_below(&w->rng, 20), 0, &more_up);
		moved += (long)pull(w, k, 1 + rng_below(&w->rng, 20), 0, &more_down);
		more = more_up || more_down;
	}
	return moved;
}

/* Everyone syncs until two rounds over all kiosks move nothing. */
static void quiesce(world *w)
{
	int quiet = 0, rounds = 0, k;

	while (quiet < 2 && !w->failed) {
		long moved = 0;

		for (k = N1; k < NSITES; k++)
			moved += sync_reliable(w, k);
		quiet = moved == 0 ? quiet + 1 : 0;
		if (++rounds > 50)
			failf(w, CHECK_ENGINE, "sync does not quiesce after %d rounds", rounds);
	}
}

/* ---- forged conflict claims ---- */

/* A north kiosk sends the hub, outside the network model, a conflict row
 * under the id a real conflict about a write the hub holds now would get
 * (record, field, that write's hlc and site: all visible to the region),
 * with a made-up loser value and a made-up winner of its own. The hub must
 * not believe it (quarantine) and every real conflict must still be found
 * with its true values (check_conflicts). */
static void forge_claim(world *w)
{
	rng *r = &w->forge_rng;
	int forger = rng_percent(r, 50) ? N1 : N2, ci, fi, wid, tries;
	const field_values *fv = &edit_values[rng_below(r, NEDIT)];
	const write_rec *x;
	char hl[FS_HLC_TEXT_LEN + 1], hw[FS_HLC_TEXT_LEN + 1];
	const char *lose_v = NULL, *win_v = NULL;
	fs_codec_limits lim;
	fs_changeset cs, rx;
	fs_merge_result res;
	fs_change c;
	fs_buf gz;
	fs_err e = {0, ""};
	int i, rc;

	fi = field_index(fv->field);
	for (tries = 0, wid = -1; tries < 8 && wid < 0; tries++) {
		ci = w->ncontacts ? (int)rng_below(r, (unsigned)w->ncontacts) : -1;
		if (ci >= 0 && strcmp(w->contacts[ci].region, "north") == 0)
			wid = w->cur[HUB][ci][fi];
		if (wid >= 0 && w->writes[wid].site == forger)
			wid = -1; /* a kiosk may say what it likes about its own writes */
	}
	if (wid < 0)
		return;
	x = &w->writes[wid];
	for (i = 0; i < 4 && fv->values[i] != NULL; i++) {
		if (strcmp(fv->values[i], x->value) == 0)
			continue;
		if (lose_v == NULL)
			lose_v = fv->values[i];
		else if (win_v == NULL)
			win_v = fv->values[i];
	}
	if (lose_v == NULL)
		return;
	if (win_v == NULL)
		win_v = x->value;
	memset(&c, 0, sizeof(c));
	c.table = FS_TABLE_CONFLICTS;
	fs_conflict_id(c.id, w->contacts[x->contact].id, fv->field, x->hlc, site_name[x->site]);
	snprintf(c.region, sizeof(c.region), "north");
	snprintf(c.site, sizeof(c.site), "%s", site_name[forger]);
	c.hlc = fs_hlc_make(w->clock[forger].ms, 0);
	fs_hlc_format(hl, x->hlc);
	fs_hlc_format(hw, x->hlc + 1);
	c.value = json_pack("{s:s, s:s, s:s, s:{s:o, s:s, s:s}, s:{s:o, s:s, s:s}}", "table",
	                    "contacts", "record", w->contacts[x->contact].id, "field", fv->field,
	                    "winner", "value", json_text(win_v), "hlc", hw, "site",
	                    site_name[forger], "loser", "value", json_text(lose_v), "hlc", hl,
	                    "site", site_name[x->site]);
	fs_changeset_init(&cs);
	fs_changeset_init(&rx);
	snprintf(cs.site, sizeof(cs.site), "%s", site_name[forger]);
	cs.time_ms = w->clock[forger].ms;
	fs_codec_limits_default(&lim);
	fs_buf_init(&gz, WIRE_CAP);
	rc = fs_changeset_add(&cs, &c, &e);
	if (rc == 0)
		rc = fs_changeset_pack(&gz, &cs, &e);
	if (rc == 0)
		rc = fs_changeset_unpack(&rx, gz.data, gz.len, &lim, &e);
	if (rc == 0)
		rc = fs_sync_hub_receive(w->store[HUB], &rx, site_name[forger], "north", &res, &e);
	if (api(w, rc, &e, "forged claim", HUB) == 0) {
		w->st.forged++;
		w->forged_on[x->contact]++;
		if (res.quarantined != 1 || res.applied != 0)
			failf(w, CHECK_CONFLICTS,
			      "step %d: the hub believed a forged conflict row %s from %s "
			      "(applied %ld, quarantined %ld)",
			      w->step, c.id, site_name[forger], res.applied, res.quarantined);
	}
	fs_buf_free(&gz);
	fs_changeset_free(&cs);
	fs_changeset_free(&rx);
}

/* ---- a schedule ---- */

static void schedule_run(world *w, int nsteps)
{
	int publish_v2_at =
	    rng_percent(&w->rng, 50) ? (int)rng_below(&w->rng, (unsigned)nsteps) : -1;

	publish(w, 1);
	for (w->step = 0; w->step < nsteps && !w->failed; w->step++) {
		unsigned x = rng_below(&w->rng, 100);
		int k = N1 + (int)rng_below(&w->rng, 3);

		clocks_advance(w);
		if (w->step == publish_v2_at)
			publish(w, 2);
		if (x < 28)
			sync_faulty(w, k);
		else if (x < 42)
			add_response(w, k);
		else if (x < 52)
			create_random_contact(w, k);
		else if (x < 78)
			edit_random_contact(w, rng_percent(&w->rng, 10) ? HUB : k);
		else if (x < 82)
			delete_random_contact(w, k);
		else if (x < 86)
			delete_response(w, k);
		else if (x < 97) {
			if (w->ndelayed > 0)
				deliver_delayed(w, (int)rng_below(&w->rng, (unsigned)w->ndelayed));
		} else
			restart(w, k);
		if (w->forge && !w->failed && rng_percent(&w->forge_rng, 15))
			forge_claim(w);
	}
	w->st.steps += nsteps;
	/* Quiescence, then the packets still in flight arrive stale, in random
	 * order, then quiescence again. */
	quiesce(w);
	while (w->ndelayed > 0 && !w->failed)
		deliver_delayed(w, (int)rng_below(&w->rng, (unsigned)w->ndelayed));
	quiesce(w);
}

/* ---- checks ---- */

#define NO_DIFFERENCE "(no differing row found)"

static void row_text(sqlite3_stmt *st, char *out, size_t n)
{
	int i, cols = sqlite3_column_count(st);
	size_t len = 0;

	out[0] = '\0';
	for (i = 0; i < cols && len < n; i++) {
		const unsigned char *t = sqlite3_column_text(st, i);

		len += (size_t)snprintf(out + len, n - len, "%s%s", i ? " | " : "",
		                        t ? (const char *)t : "NULL");
	}
}

/* The first row where the results of sql (bound to param) differ between
 * replicas a and b, into out. */
static void first_difference(world *w, int a, int b, const char *sql, const char *param, char *out,
                             size_t n)
{
	sqlite3_stmt *x = NULL, *y = NULL;
	char rx[1024], ry[1024];

	snprintf(out, n, "%s", NO_DIFFERENCE);
	if (sqlite3_prepare_v2(w->db[a], sql, -1, &x, NULL) != SQLITE_OK ||
	    sqlite3_prepare_v2(w->db[b], sql, -1, &y, NULL) != SQLITE_OK) {
		snprintf(out, n, "(cannot query: %s)", sqlite3_errmsg(w->db[a]));
		goto cleanup;
	}
	if (param != NULL) {
		sqlite3_bind_text(x, 1, param, -1, SQLITE_STATIC);
		sqlite3_bind_text(y, 1, param, -1, SQLITE_STATIC);
	}
	for (;;) {
		int hx = sqlite3_step(x) == SQLITE_ROW, hy = sqlite3_step(y) == SQLITE_ROW;

		if (!hx && !hy)
			break;
		if (hx)
			row_text(x, rx, sizeof(rx));
		if (hy)
			row_text(y, ry, sizeof(ry));
		if (hx != hy || strcmp(rx, ry) != 0) {
			snprintf(out, n, "%s has [%s], %s has [%s]", site_name[a],
			         hx ? rx : "no more rows", site_name[b], hy ? ry : "no more rows");
			break;
		}
	}
cleanup:
	sqlite3_finalize(x);
	sqlite3_finalize(y);
}

static long count_rows(world *w, int i, const char *sql, const char *param)
{
	sqlite3_stmt *st = NULL;
	long n = -1;

	if (sqlite3_prepare_v2(w->db[i], sql, -1, &st, NULL) == SQLITE_OK) {
		if (param != NULL)
			sqlite3_bind_text(st, 1, param, -1, SQLITE_STATIC);
		if (sqlite3_step(st) == SQLITE_ROW)
			n = (long)sqlite3_column_int64(st, 0);
	}
	sqlite3_finalize(st);
	if (n < 0)
		failf(w, CHECK_ENGINE, "cannot count at %s: %s", site_name[i],
		      sqlite3_errmsg(w->db[i]));
	return n;
}

static const char *const contacts_sql =
    "SELECT c.id, f.field, f.value, f.hlc, f.site, f.prev_hlc, f.prev_site FROM contacts c "
    "JOIN contact_fields f ON f.contact_id = c.id WHERE c.region = ?1 ORDER BY c.id, f.field";
static const char *const questionnaires_sql =
    "SELECT id, version, doc, deleted, hlc, site FROM questionnaires ORDER BY id, version";
static const char *const conflict_ids_sql =
    "SELECT id FROM conflicts WHERE region = ?1 ORDER BY id";

static void check_same_digest(world *w, int a, int b, int kind, const fs_digest_scope *scope,
                              const char *what, const char *sql, const char *param)
{
	uint64_t da = 0, db = 0;
	fs_err e = {0, ""};
	char diff[2200];

	if (api(w, fs_store_digest(w->store[a], scope, &da, &e), &e, "digest", a) != 0 ||
	    api(w, fs_store_digest(w->store[b], scope, &db, &e), &e, "digest", b) != 0 || da == db)
		return;
	first_difference(w, a, b, sql, param, diff, sizeof(diff));
	failf(w, kind,
	      "%s differ: digest %016" PRIx64 " at %s, %016" PRIx64 " at %s; first difference: %s",
	      what, da, site_name[a], db, site_name[b], diff);
}

static void check_stores(world *w)
{
	fs_store_counts n;
	fs_err e = {0, ""};
	long forged = 0;
	int i;

	/* Erasing a contact removes the quarantined claims about it too. */
	for (i = 0; i < w->ncontacts; i++)
		forged += w->erased[HUB][i] ? 0 : w->forged_on[i];

	for (i = 0; i < NSITES && !w->failed; i++) {
		int rc = fs_store_check_integrity(w->store[i], &e);

		if (rc != 0)
			failf(w, CHECK_INTEGRITY, "%s: %s", site_name[i], e.msg);
		else if (api(w, fs_store_count(w->store[i], &n, &e), &e, "count", i) == 0 &&
		         n.quarantined != (i == HUB ? forged : 0))
			failf(w, CHECK_QUARANTINE, "%s quarantined %ld record(s)%s", site_name[i],
			      n.quarantined, i == HUB && w->st.forged ? " beside the forged" : "");
	}
}

static void check_replicas(world *w)
{
	fs_digest_scope q = {NULL, NULL, 0, 0, 1};
	fs_digest_scope north = {NULL, "north", 0, 1, 0};
	fs_digest_scope south = {NULL, "south", 0, 1, 0};
	int k;

	for (k = N1; k < NSITES; k++)
		check_same_digest(w, HUB, k, CHECK_QUESTIONNAIRES, &q, "questionnaires",
		                  questionnaires_sql, NULL);
	if (!w->failed &&
	    count_rows(w, HUB, "SELECT count(*) FROM questionnaires", NULL) != w->qversion)
		failf(w, CHECK_QUESTIONNAIRES, "the hub holds other than %d questionnaire(s)",
		      w->qversion);
	check_same_digest(w, HUB, N1, CHECK_CONTACTS, &north, "contacts of north", contacts_sql,
	                  "north");
	check_same_digest(w, HUB, N2, CHECK_CONTACTS, &north, "contacts of north", contacts_sql,
	                  "north");
	check_same_digest(w, HUB, S1, CHECK_CONTACTS, &south, "contacts of south", contacts_sql,
	                  "south");
	/* A kiosk's digest of the other region is that of a region nobody has. */
	for (k = N1; k < NSITES && !w->failed; k++) {
		fs_digest_scope other = {NULL, k == S1 ? "north" : "south", 0, 1, 0};
		fs_digest_scope nowhere = {NULL, "nowhere", 0, 1, 0};
		uint64_t d_other = 0, d_none = 1;
		fs_err e = {0, ""};
		long n = count_rows(w, k, "SELECT count(*) FROM contacts WHERE region <> ?1",
		                    site_region[k]);

		if (api(w, fs_store_digest(w->store[k], &other, &d_other, &e), &e, "digest", k) ||
		    api(w, fs_store_digest(w->store[k], &nowhere, &d_none, &e), &e, "digest", k))
			break;
		if (n != 0 || d_other != d_none)
			failf(w, CHECK_CONTACTS, "%s holds %ld contact(s) of region %s",
			      site_name[k], n, other.contacts_region);
	}
}

/* The oracle's model of every replica against its store. */
static void check_model(world *w)
{
	int r, ci, fi;

	for (r = 0; r < NSITES && !w->failed; r++) {
		long known = 0;

		for (ci = 0; ci < w->ncontacts && !w->failed; ci++) {
			sqlite3_stmt *st = w->rows[r];
			int rows = 0, modelled = 0;

			if (!w->known[r][ci])
				continue;
			known++;
			sqlite3_bind_text(st, 1, w->contacts[ci].id, -1, SQLITE_STATIC);
			while (sqlite3_step(st) == SQLITE_ROW && !w->failed) {
				int cur;

				fi = field_index((const char *)sqlite3_column_text(st, 0));
				cur = fi >= 0 ? w->cur[r][ci][fi] : -1;
				rows++;
				if (cur < 0 ||
				    w->writes[cur].hlc != (fs_hlc)sqlite3_column_int64(st, 2) ||
				    w->writes[cur].site !=
				        site_index((const char *)sqlite3_column_text(st, 3))) {
					char d[256] = "nothing";

					if (cur >= 0)
						describe_write(w, cur, d, sizeof(d));
					failf(
					    w, CHECK_MODEL,
					    "%s contact %s field %s: the store holds the write by "
					    "%s at %016" PRIx64 ", the oracle expected %s",
					    site_name[r], w->contacts[ci].id,
					    sqlite3_column_text(st, 0), sqlite3_column_text(st, 3),
					    (fs_hlc)sqlite3_column_int64(st, 2), d);
				}
			}
			sqlite3_reset(st);
			sqlite3_clear_bindings(st);
			for (fi = 0; fi < nfields; fi++)
				modelled += w->cur[r][ci][fi] >= 0;
			if (!w->failed && rows != modelled)
				failf(
				    w, CHECK_MODEL,
				    "%s contact %s: %d field row(s) stored, the oracle expected %d",
				    site_name[r], w->contacts[ci].id, rows, modelled);
		}
		if (!w->failed && count_rows(w, r, "SELECT count(*) FROM contacts", NULL) != known)
			failf(w, CHECK_MODEL, "%s holds other than the %ld contact(s) it received",
			      site_name[r], known);
	}
}

static void check_responses(world *w)
{
	fs_err e = {0, ""};
	int i, k;

	for (i = 0; i < w->nresponses && !w->failed; i++) {
		const response_rec *rec = &w->responses[i];
		json_t *want, *got = NULL;
		int places[2] = {HUB, rec->site}, j, rc;

		if (rec->deleted)
			want = json_pack("{s:b}", "deleted", 1);
		else
			want = json_deep_copy(rec->body);
		json_object_set_new(want, "id", json_string(rec->id));
		json_object_set_new(want, "site", json_string(site_name[rec->site]));
		for (j = 0; j < 2 && !w->failed; j++) {
			rc = fs_response_get(w->store[places[j]], &got, rec->id, &e);
			if (rc != 0) {
				failf(w, CHECK_RESPONSES,
				      "response %s made at %s is missing at %s: %s", rec->id,
				      site_name[rec->site], site_name[places[j]], e.msg);
			} else if (!json_equal(want, got)) {
				char *a = canon(want), *b = canon(got);

				failf(w, CHECK_RESPONSES,
				      "response %s at %s is %s, but was made as %s", rec->id,
				      site_name[places[j]], b, a);
				free(a);
				free(b);
			}
			json_decref(got);
			got = NULL;
		}
		json_decref(want);
	}
	if (!w->failed &&
	    count_rows(w, HUB, "SELECT count(*) FROM responses", NULL) != w->nresponses)
		failf(w, CHECK_RESPONSES, "the hub holds responses the test never made");
	for (k = N1; k < NSITES && !w->failed; k++) {
		long other = count_rows(w, k, "SELECT count(*) FROM responses WHERE site <> ?1",
		                        site_name[k]);

		if (other != 0)
			failf(w, CHECK_RESPONSES, "%s holds %ld response(s) of another site",
			      site_name[k], other);
	}
}

/* One conflict entry at the hub (from fs_conflict_list): the write it names
 * as loser, or -1 with the failure recorded. */
static int conflict_loser(world *w, const json_t *c)
{
	const json_t *loser = json_object_get(c, "loser");
	const char *record = json_string_value(json_object_get(c, "record"));
	const char *field = json_string_value(json_object_get(c, "field"));
	const char *site = json_string_value(json_object_get(loser, "site"));
	const char *hlc = json_string_value(json_object_get(loser, "hlc"));
	int ci = record ? contact_index(w, record) : -1, fi = field ? field_index(field) : -1;
	int si = site ? site_index(site) : -1, wid = -1;
	fs_hlc h = 0;

	if (ci >= 0 && fi >= 0 && si >= 0 && hlc && fs_hlc_parse(&h, hlc, NULL) == 0)
		wid = find_write(w, ci, fi, h, si);
	if (wid < 0) {
		char *t = canon(c);

		failf(w, CHECK_CONFLICTS,
		      "the hub holds a conflict whose loser was never written: %s", t);
		free(t);
		return -1;
	}
	{
		char *v = canon(json_object_get(loser, "value"));

		if (strcmp(v, w->writes[wid].value) != 0)
			failf(w, CHECK_CONFLICTS,
			      "conflict on contact %s field %s: loser value %s, but that write "
			      "wrote %s",
			      record, field, v, w->writes[wid].value);
		free(v);
	}
	return wid;
}

/* Why the oracle does not count a recorded conflict: loser wid. */
static void explain_false_positive(world *w, const json_t *c, int wid)
{
	const json_t *win = json_object_get(c, "winner");
	int si = site_index(json_string_value(json_object_get(win, "site")));
	fs_hlc h = 0;
	int other = -1;
	char a[256], b[256] = "an unknown write";

	if (si >= 0 && fs_hlc_parse(&h, json_string_value(json_object_get(win, "hlc")), NULL) == 0)
		other = find_write(w, w->writes[wid].contact, w->writes[wid].field, h, si);
	describe_write(w, wid, a, sizeof(a));
	if (other >= 0)
		describe_write(w, other, b, sizeof(b));
	printf("  seed 0x%016" PRIx64 ": false positive at %s: %s lost to %s;%s%s%s\n", w->seed,
	       json_string_value(json_object_get(c, "detected_by")), a, b,
	       other >= 0 && bit_get(w->writes[other].hist, wid)
	           ? " the winner's writer had seen the loser"
	           : "",
	       other >= 0 && bit_get(w->writes[wid].hist, other)
	           ? " the loser's writer had seen the winner"
	           : "",
	       other >= 0 && w->writes[other].value &&
	               strcmp(w->writes[other].value, w->writes[wid].value) == 0
	           ? " equal values"
	           : "");
}

/* Pairs of concurrent writes with different values that both left their
 * site, whose loser never met a concurrent write: each was replaced, before
 * the other arrived, by its own site or by a write that had seen it, so it
 * was not lost to the other. Counted to show where "both were sent" and
 * "they met" differ; not conflicts. */
static long count_sent_unmet(const world *w)
{
	long n = 0;
	int ci, fi, a, b;

	for (ci = 0; ci < w->ncontacts; ci++)
		for (fi = 0; fi < nfields; fi++)
			for (a = w->contacts[ci].first_write[fi]; a >= 0; a = w->writes[a].next)
				for (b = w->writes[a].next; b >= 0; b = w->writes[b].next) {
					const write_rec *x = &w->writes[a], *y = &w->writes[b];
					int loser = write_cmp(w, a, b) < 0 ? a : b;

					if (x->site == y->site || !x->sent || !y->sent ||
					    strcmp(x->value, y->value) == 0 ||
					    bit_get(x->hist, b) || bit_get(y->hist, a) ||
					    w->writes[loser].lost_to >= 0 ||
					    w->writes[loser].recorded)
						continue;
					n++;
					if (verbose)
						printf("  seed 0x%016" PRIx64
						       ": #%d and #%d were both "
						       "sent and never met\n",
						       w->seed, a, b);
				}
	return n;
}

static void check_conflicts(world *w, long *expected, long *false_positives, long *sent_unmet)
{
	fs_err e = {0, ""};
	json_t *list = NULL;
	size_t i;
	int k;

	*expected = *false_positives = *sent_unmet = 0;
	if (api(w, fs_conflict_list(w->store[HUB], &list, 1000000, &e), &e, "list conflicts",
	        HUB) != 0)
		return;
	for (i = 0; i < (size_t)w->nwrites; i++)
		w->writes[i].recorded = 0;
	for (i = 0; i < json_array_size(list) && !w->failed; i++) {
		int wid = conflict_loser(w, json_array_get(list, i));

		if (wid < 0)
			continue;
		w->writes[wid].recorded = 1;
		if (verbose && w->writes[wid].lost_to < 0)
			explain_false_positive(w, json_array_get(list, i), wid);
	}
	json_decref(list);
	for (i = 0; i < (size_t)w->nwrites && !w->failed; i++) {
		const write_rec *x = &w->writes[i];

		/* An erased contact's conflicts went with it. */
		if (w->erased[HUB][x->contact])
			continue;
		if (x->lost_to >= 0 && !x->recorded) {
			char a[256], b[256];

			describe_write(w, (int)i, a, sizeof(a));
			describe_write(w, x->lost_to, b, sizeof(b));
			failf(w, CHECK_CONFLICTS,
			      "missing conflict on contact %s: %s lost to %s at %s; neither writer "
			      "had seen the other's write, yet the hub has no conflict for it",
			      w->contacts[x->contact].id, a, b, site_name[x->met_at]);
		}
		*expected += x->lost_to >= 0;
		*false_positives += x->recorded && x->lost_to < 0;
	}
	*sent_unmet = count_sent_unmet(w);
	for (k = N1; k < NSITES && !w->failed; k++) {
		const char *region = site_region[k];
		long other =
		    count_rows(w, k, "SELECT count(*) FROM conflicts WHERE region <> ?1", region);
		char diff[2200];

		first_difference(w, HUB, k, conflict_ids_sql, region, diff, sizeof(diff));
		if (other != 0)
			failf(w, CHECK_CONFLICTS, "%s holds %ld conflict(s) of another region",
			      site_name[k], other);
		else if (strcmp(diff, NO_DIFFERENCE) != 0)
			failf(w, CHECK_CONFLICTS, "conflicts of %s differ: %s", region, diff);
	}
}

/* Every check of a quiescent world; 0 or the enum check_kind that failed
 * (w->why says what). */
static int check_world(world *w)
{
	long expected = 0, false_positives = 0, sent_unmet = 0;

	if (w->failed)
		return w->failed;
	check_stores(w);
	if (!w->failed)
		check_replicas(w);
	if (!w->failed)
		check_model(w);
	if (!w->failed)
		check_responses(w);
	if (!w->failed)
		check_conflicts(w, &expected, &false_positives, &sent_unmet);
	if (!w->failed) {
		w->st.expected_conflicts += expected;
		w->st.false_positives += false_positives;
		w->st.recorded_conflicts += expected + false_positives;
		w->st.sent_unmet += sent_unmet;
	}
	return w->failed;
}

/* ---- tests ---- */

static int passed, failed_tests;

static void report(const char *name, int ok)
{
	if (ok) {
		printf("ok   %s\n", name);
		passed++;
	} else {
		printf("FAIL %s\n", name);
		failed_tests++;
	}
	fflush(stdout);
}

static void stats_add(stats *to, const stats *from)
{
	to->schedules += from->schedules;
	to->steps += from->steps;
	to->writes += from->writes;
	to->responses += from->responses;
	to->packets += from->packets;
	to->dropped += from->dropped;
	to->duplicated += from->duplicated;
	to->delayed += from->delayed;
	to->acks_lost += from->acks_lost;
	to->restarts += from->restarts;
	to->expected_conflicts += from->expected_conflicts;
	to->recorded_conflicts += from->recorded_conflicts;
	to->false_positives += from->false_positives;
	to->sent_unmet += from->sent_unmet;
	to->forged += from->forged;
}

/* Run one schedule (with forged conflict rows when forge); 0 when every
 * check passed. */
static int run_schedule(uint64_t seed, int forge, stats *total)
{
	world *w = world_new(seed);
	int nsteps, rc;

	w->forge = forge;
	w->forge_rng.state = seed ^ UINT64_C(0xf0f9ed);

	nsteps = STEPS_MIN + (int)rng_below(&w->rng, STEPS_SPAN);
	if (!w->failed)
		schedule_run(w, nsteps);
	rc = check_world(w);
	w->st.schedules = 1;
	stats_add(total, &w->st);
	if (rc != 0)
		printf("convergence: schedule%s failed, seed=0x%016" PRIx64
		       "; rerun with FIELDSYNC_SEED=0x%016" PRIx64 "%s\n  %s\n",
		       forge ? " with forged claims" : "", seed, seed,
		       forge ? " FIELDSYNC_FORGE=1" : "", w->why);
	world_free(w, rc != 0);
	return rc;
}

static uint64_t schedule_seed(long i)
{
	rng r = {SEED_BASE + (uint64_t)i};

	return rng_next(&r);
}

/* Run n schedules (or the one of FIELDSYNC_SEED), with forged conflict
 * rows when forge, and report them as name. */
static void run_schedules(const char *name, int forge, long n)
{
	const char *one = getenv("FIELDSYNC_SEED"), *forge_one = getenv("FIELDSYNC_FORGE");
	long i, bad = 0;
	stats total;
	struct timespec t0, t1;
	double secs;

	memset(&total, 0, sizeof(total));
	clock_gettime(CLOCK_MONOTONIC, &t0);
	if (one != NULL) {
		if ((forge_one != NULL && atoi(forge_one) != 0) != forge)
			return;
		bad = run_schedule(strtoull(one, NULL, 0), forge, &total) != 0;
	} else {
		for (i = 0; i < n && !bad; i++)
			bad = run_schedule(schedule_seed(i), forge, &total) != 0;
	}
	clock_gettime(CLOCK_MONOTONIC, &t1);
	secs = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
	printf("  %ld schedule(s) in %.1f s: %ld steps, %ld contact-field writes, %ld responses, "
	       "%ld restarts\n"
	       "  network: %ld packets, %ld dropped, %ld duplicated, %ld delayed, %ld acks lost\n"
	       "  conflicts: %ld derived by the oracle%s; %ld more recorded by the engine (false "
	       "positives, allowed); %ld concurrent pairs both sent never met (not conflicts)\n",
	       total.schedules, secs, total.steps, total.writes, total.responses, total.restarts,
	       total.packets, total.dropped, total.duplicated, total.delayed, total.acks_lost,
	       total.expected_conflicts, bad ? "" : ", all found at the hub", total.false_positives,
	       total.sent_unmet);
	if (forge)
		printf("  forged conflict rows: %ld sent, %s\n", total.forged,
		       bad ? "see above" : "none believed");
	report(name, !bad);
}

static void convergence_random_schedules(void)
{
	const char *count = getenv("FIELDSYNC_SCHEDULES");

	run_schedules(__func__, 0, count ? strtol(count, NULL, 0) : DEFAULT_SCHEDULES);
}

/* The same schedules with a forger among the kiosks. */
static void convergence_with_forged_conflict_claims(void)
{
	const char *count = getenv("FIELDSYNC_FORGE_SCHEDULES");

	run_schedules(__func__, 1, count ? strtol(count, NULL, 0) : DEFAULT_FORGE_SCHEDULES);
}

/* Scripted time: every clock exact, 5 s later. */
static void scripted_tick(world *w)
{
	int i;

	w->now += 5000;
	for (i = 0; i < NSITES; i++) {
		w->skew[i] = 0;
		w->clock[i].ms = w->now;
	}
}

/* A small scripted world that passes every check and holds at least one
 * conflict: two north kiosks set the same field of one contact offline. */
static world *scripted_world(void)
{
	world *w = world_new(UINT64_C(0x5c819ed));
	json_t *f;
	int ci;

	w->step = -1;
	publish(w, 1);
	quiesce(w);
	add_response(w, N1);
	add_response(w, N2);
	add_response(w, S1);
	f = json_pack("{s:s, s:s, s:s, s:s}", "person_ref", "P-0001", "contact_at",
	              "2026-11-27T10:30:00Z", "channel", "phone", "worker", "w-amina");
	ci = create_contact(w, N1, NULL, f);
	create_contact(w, S1, NULL, f);
	json_decref(f);
	quiesce(w);
	scripted_tick(w);
	f = json_pack("{s:s}", "notes", "left a message");
	if (ci >= 0)
		put_fields(w, N1, ci, f);
	json_decref(f);
	scripted_tick(w);
	f = json_pack("{s:s, s:b}", "notes", "no answer", "follow_up_done", 1);
	if (ci >= 0)
		put_fields(w, N2, ci, f);
	json_decref(f);
	quiesce(w);
	scripted_tick(w);
	return w;
}

static int expect_detected(world *w, int kind, const char *what)
{
	int rc = check_world(w);

	if (rc == kind) {
		printf("  detected %s: %s\n", what, w->why);
		return 1;
	}
	printf("  %s was not detected by the right check (got %d, wanted %d): %s\n", what, rc, kind,
	       rc ? w->why : "every check passed");
	return 0;
}

/* The scripted world must pass before it is broken. */
static world *intact_world(const char *name)
{
	world *w = scripted_world();
	long expected = 0;
	int i;

	if (check_world(w) != 0) {
		printf("  %s: the intact world fails: %s\n", name, w->why);
		world_free(w, 1);
		return NULL;
	}
	for (i = 0; i < w->nwrites; i++)
		expected += w->writes[i].lost_to >= 0;
	if (expected == 0) {
		printf("  %s: the scripted world has no conflict\n", name);
		world_free(w, 1);
		return NULL;
	}
	return w;
}

/* kiosk-n2 applies a change set reversed and with lowered stamps, outside
 * the sync path: its contacts must no longer match the hub's. */
static void check_detects_diverged_replica(void)
{
	world *w = intact_world(__func__);
	fs_changeset cs;
	fs_merge_result res;
	fs_err e = {0, ""};
	int64_t push_cursor = 0, pull_cursor = 0;
	json_t *f;
	size_t i;
	int ok = 0;

	if (w == NULL) {
		report(__func__, 0);
		return;
	}
	f = json_pack("{s:s}", "notes", "called back");
	put_fields(w, N1, 0, f);
	json_decref(f);
	sync_reliable(w, N1);
	if (fs_store_peer_cursors(w->store[N2], "hub", &push_cursor, &pull_cursor, &e) == 0 &&
	    fs_sync_hub_outgoing(w->store[HUB], &cs, "kiosk-n2", "north", pull_cursor, 1000,
	                         BATCH_BYTES, &e) == 0) {
		for (i = 0; i < cs.count / 2; i++) {
			fs_change t = cs.changes[i];

			cs.changes[i] = cs.changes[cs.count - 1 - i];
			cs.changes[cs.count - 1 - i] = t;
		}
		for (i = 0; i < cs.count; i++)
			if (cs.changes[i].table == FS_TABLE_CONTACTS)
				cs.changes[i].hlc -= 1;
		if (fs_sync_kiosk_receive(w->store[N2], &cs, "hub", &res, &e) == 0 &&
		    res.applied > 0)
			ok = 1;
		fs_changeset_free(&cs);
	}
	if (!ok)
		printf("  could not feed kiosk-n2 the altered change set: %s\n", e.msg);
	quiesce(w);
	ok = ok && expect_detected(w, CHECK_CONTACTS, "a replica that merged lowered stamps");
	report(__func__, ok);
	world_free(w, 0);
}

/* Run sql on the store file of site i behind the engine's back. */
static int tamper(world *w, int i, const char *sql, const char *param)
{
	char path[128];
	sqlite3 *db = NULL;
	sqlite3_stmt *st = NULL;
	int changed = 0;

	store_path(w, i, path, sizeof(path));
	if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READWRITE, NULL) == SQLITE_OK &&
	    sqlite3_prepare_v2(db, sql, -1, &st, NULL) == SQLITE_OK) {
		sqlite3_bind_text(st, 1, param, -1, SQLITE_STATIC);
		if (sqlite3_step(st) == SQLITE_DONE)
			changed = sqlite3_changes(db);
	}
	sqlite3_finalize(st);
	sqlite3_close(db);
	return changed;
}

static void check_detects_lost_response(void)
{
	world *w = intact_world(__func__);
	int ok;

	if (w == NULL) {
		report(__func__, 0);
		return;
	}
	ok = tamper(w, HUB, "DELETE FROM responses WHERE id = ?1", w->responses[0].id) == 1 &&
	     expect_detected(w, CHECK_RESPONSES, "a response lost at the hub");
	report(__func__, ok);
	world_free(w, 0);
}

static void check_detects_missing_conflict(void)
{
	world *w = intact_world(__func__);
	char id[FS_ID_MAX + 1];
	int i, ok = 0;

	if (w == NULL) {
		report(__func__, 0);
		return;
	}
	for (i = 0; i < w->nwrites; i++) {
		const write_rec *x = &w->writes[i];

		if (x->lost_to < 0)
			continue;
		fs_conflict_id(id, w->contacts[x->contact].id, fs_contact_fields[x->field], x->hlc,
		               site_name[x->site]);
		ok = tamper(w, HUB, "DELETE FROM conflicts WHERE id = ?1", id) == 1;
		break;
	}
	if (!ok)
		printf("  no conflict row to remove at the hub\n");
	ok = ok && expect_detected(w, CHECK_CONFLICTS, "a conflict missing at the hub");
	report(__func__, ok);
	world_free(w, 0);
}

int main(void)
{
	verbose = getenv("FIELDSYNC_VERBOSE") ? atoi(getenv("FIELDSYNC_VERBOSE")) : 0;
	while (fs_contact_fields[nfields] != NULL)
		nfields++;
	if (nfields > FIELDS_MAX) {
		fprintf(stderr, "convergence: more contact fields than FIELDS_MAX\n");
		return 2;
	}
	check_detects_diverged_replica();
	check_detects_lost_response();
	check_detects_missing_conflict();
	convergence_random_schedules();
	convergence_with_forged_conflict_claims();
	printf("%d passed, %d failed\n", passed, failed_tests);
	return failed_tests ? EXIT_FAILURE : EXIT_SUCCESS;
}
