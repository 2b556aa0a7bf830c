/* fieldsync-hub: results of one questionnaire (results.h). Three parts:
 * the tally (one pass over the responses, counts only), the rendering as
 * JSON (where suppression is applied, by the one rule
 * hub_results_suppress), and the text a person reads. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "audit.h"
#include "fieldsync/backend.h"
#include "fieldsync/questionnaire.h"
#include "fieldsync/records.h"
#include "results.h"

#define QUESTIONS_MAX 2000 /* distinct question ids over every version */

/* ---- the one suppression rule ---- */

int hub_results_suppress(unsigned char *hidden, const int64_t *cells, size_t n, int64_t k)
{
	int64_t total = 0;
	size_t i, nhidden = 0, pick = n;

	for (i = 0; i < n; i++) {
		hidden[i] = 0;
		total += cells[i];
	}
	if (k < 2)
		return 0;
	if (total > 0 && total < k) {
		memset(hidden, 1, n);
		return 1;
	}
	for (i = 0; i < n; i++)
		if (cells[i] > 0 && cells[i] < k) {
			hidden[i] = 1;
			nhidden++;
		}
	if (nhidden != 1)
		return 0;
	/* One hidden cell is the total minus the others: hide the smallest
	 * other non-zero cell too (there is one: the total is at least k). */
	for (i = 0; i < n; i++)
		if (!hidden[i] && cells[i] > 0 && (pick == n || cells[i] < cells[pick]))
			pick = i;
	if (pick < n)
		hidden[pick] = 1;
	return 0;
}

int hub_shared_publish(int64_t *out, const int64_t *cells, size_t n, int64_t k)
{
	unsigned char hidden[HUB_RESULTS_OPTIONS_MAX];
	size_t i;

	if (k < HUB_SHARED_K_MIN)
		k = HUB_SHARED_K_MIN;
	if (n > HUB_RESULTS_OPTIONS_MAX) {
		for (i = 0; i < n; i++)
			out[i] = -1;
		return 1;
	}
	if (hub_results_suppress(hidden, cells, n, k)) {
		for (i = 0; i < n; i++)
			out[i] = -1;
		return 1;
	}
	for (i = 0; i < n; i++) {
		int64_t r = (cells[i] + 2) / 5 * 5;

		out[i] = hidden[i] ? -1 : (cells[i] > 0 && r == 0 ? 5 : r);
	}
	return 0;
}

int hub_shared_release_due(int have_row, int64_t before, int64_t now, int64_t k)
{
	if (k < HUB_SHARED_K_MIN)
		k = HUB_SHARED_K_MIN;
	if (now < k)
		return 0;
	return !have_row || now - before >= k;
}

/* ---- calendar ---- */

/* A day number (fs_days_from_civil's) as its date: H. Hinnant's
 * civil_from_days. */
static void civil_from_days(int64_t z, int *y, unsigned *m, unsigned *d)
{
	int64_t era;
	unsigned doe, yoe, doy, mp;

	z += 719468;
	era = (z >= 0 ? z : z - 146096) / 146097;
	doe = (unsigned)(z - era * 146097);
	yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	mp = (5 * doy + 2) / 153;
	*d = doy - (153 * mp + 2) / 5 + 1;
	*m = mp < 10 ? mp + 3 : mp - 9;
	*y = (int)(yoe + era * 400 + (*m <= 2));
}

static void day_text(char out[16], int64_t day)
{
	int y;
	unsigned m, d;

	civil_from_days(day, &y, &m, &d);
	snprintf(out, 16, "%04d-%02u-%02u", y % 10000, m % 13, d % 32);
}

/* 1 when s is a real date YYYY-MM-DD, with its day number. */
static int date_day(int64_t *out, const char *s)
{
	int y, m, d;

	if (s == NULL || !fs_date_is_valid(s) || sscanf(s, "%4d-%2d-%2d", &y, &m, &d) != 3)
		return 0;
	*out = fs_days_from_civil(y, (unsigned)m, (unsigned)d);
	return 1;
}

/* The last Sunday of month m of year y, as a day number. */
static int64_t last_sunday(int y, unsigned m, unsigned days_in_month)
{
	int64_t day = fs_days_from_civil(y, m, days_in_month);
	int64_t wd = ((day % 7) + 7 + 4) % 7; /* 1970-01-01 was a Thursday; 0 is Sunday */

	return day - wd;
}

int hub_results_local_day(int64_t *out, const char *ts, const char *tz)
{
	int y, mo, d, h, mi, se;
	int64_t secs, start, end;

	if (ts == NULL || !fs_timestamp_is_valid(ts) ||
	    sscanf(ts, "%4d-%2d-%2dT%2d:%2d:%2dZ", &y, &mo, &d, &h, &mi, &se) != 6)
		return FS_EINVAL;
	secs = fs_days_from_civil(y, (unsigned)mo, (unsigned)d) * 86400 + h * 3600 + mi * 60 + se;
	if (tz != NULL && strcmp(tz, "Europe/London") == 0) {
		start = last_sunday(y, 3, 31) * 86400 + 3600;
		end = last_sunday(y, 10, 31) * 86400 + 3600;
		if (secs >= start && secs < end)
			secs += 3600;
	}
	*out = secs >= 0 ? secs / 86400 : -((-secs + 86399) / 86400);
	return 0;
}

/* ---- a table of counts by a number key, sorted, bounded ---- */

typedef struct ctab {
	double *key;
	int64_t *n;
	size_t len, cap, max;
	int64_t dropped; /* counts of keys past max */
} ctab;

static int ctab_add(ctab *t, double key)
{
	size_t lo = 0, hi = t->len, mid;

	while (lo < hi) {
		mid = (lo + hi) / 2;
		if (t->key[mid] < key)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo < t->len && t->key[lo] == key) {
		t->n[lo]++;
		return 0;
	}
	if (t->len == t->max) {
		t->dropped++;
		return 0;
	}
	if (t->len == t->cap) {
		size_t cap = t->cap ? t->cap * 2 : 16;
		double *k2;
		int64_t *n2;

		if (cap > t->max)
			cap = t->max;
		k2 = realloc(t->key, cap * sizeof(*k2));
		if (k2 == NULL)
			return FS_ENOMEM;
		t->key = k2;
		n2 = realloc(t->n, cap * sizeof(*n2));
		if (n2 == NULL)
			return FS_ENOMEM;
		t->n = n2;
		t->cap = cap;
	}
	memmove(t->key + lo + 1, t->key + lo, (t->len - lo) * sizeof(*t->key));
	memmove(t->n + lo + 1, t->n + lo, (t->len - lo) * sizeof(*t->n));
	t->key[lo] = key;
	t->n[lo] = 1;
	t->len++;
	return 0;
}

static void ctab_free(ctab *t)
{
	free(t->key);
	free(t->n);
}

/* ---- the tally ---- */

enum kind { K_CHOICE, K_MULTI, K_BOOL, K_SCALE, K_NUMBER, K_DATE, K_TEXT };
enum state { S_ANSWERED, S_SKIPPED, S_BLANK, S_NOT_ASKED, S_OTHER, S_COUNT };
static const char *const state_names[S_COUNT] = {"answered", "skipped", "blank", "not_asked",
                                                 "other"};

typedef struct opt {
	char value[72];
	const json_t *label; /* a text object (borrowed from a document); NULL: the value */
	int64_t n;
} opt;

typedef struct text_ref {
	char at[FS_TIMESTAMP_LEN + 1];
	char id[FS_UUID_LEN + 1];
} text_ref;

typedef struct rq {
	const char *id, *type; /* borrowed from the document that named it first */
	const json_t *label;
	const json_t *doc; /* that document (its default language) */
	enum kind kind;
	int64_t st[S_COUNT];
	opt *opts;
	size_t nopts;
	ctab vals;   /* scale, number: answers by value */
	double sum, min, max;
	double *res; /* reservoir (number, scale) */
	size_t nres;
	int64_t seen;
	uint64_t rng;
	ctab months; /* date: yyyy * 12 + mm - 1 */
	text_ref *texts;
	size_t ntexts;
} rq;

typedef struct ver {
	int64_t version;
	json_t *doc;
	int *map; /* per rq: the question's index in doc, or -1 */
} ver;

typedef struct tally {
	const hub_results_filter *f;
	const hub_results_opts *o;
	const char *tz;
	int64_t from, to; /* day numbers; INT64_MIN/MAX when open */
	size_t text_keep;
	ver *vers; /* ascending by version */
	size_t nvers;
	rq *qs;
	size_t nq;
	json_t *index; /* question id -> rq index */
	int64_t total;
	ctab days;
} tally;

static const char *text_in(const json_t *text, const char *lang, const json_t *doc)
{
	const char *s = lang != NULL ? json_string_value(json_object_get(text, lang)) : NULL;

	if (s == NULL)
		s = json_string_value(json_object_get(
		    text, json_string_value(json_array_get(json_object_get(doc, "languages"), 0))));
	return s != NULL ? s : "";
}

static enum kind kind_of(const char *type)
{
	static const struct {
		const char *type;
		enum kind kind;
	} kinds[] = {{"single_choice", K_CHOICE}, {"multi_choice", K_MULTI}, {"yes_no", K_BOOL},
	             {"consent", K_BOOL},         {"scale", K_SCALE},        {"number", K_NUMBER},
	             {"date", K_DATE},            {"text", K_TEXT}};
	size_t i;

	for (i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++)
		if (strcmp(type, kinds[i].type) == 0)
			return kinds[i].kind;
	return K_TEXT;
}

static opt *opt_find(rq *q, const char *value)
{
	size_t i;

	for (i = 0; i < q->nopts; i++)
		if (strcmp(q->opts[i].value, value) == 0)
			return &q->opts[i];
	return NULL;
}

/* Add option value (label may be NULL); NULL past the cap. */
static opt *opt_add(rq *q, const char *value, const json_t *label)
{
	opt *o = opt_find(q, value);

	if (o != NULL || q->nopts == HUB_RESULTS_OPTIONS_MAX || strlen(value) >= sizeof(o->value))
		return o;
	o = &q->opts[q->nopts++];
	snprintf(o->value, sizeof(o->value), "%s", value);
	o->label = label;
	o->n = 0;
	return o;
}

static int question_add(tally *t, const json_t *doc, const json_t *qj, size_t *out)
{
	const char *id = json_string_value(json_object_get(qj, "id"));
	const char *type = json_string_value(json_object_get(qj, "type"));
	json_t *have;
	rq *q;

	if (id == NULL || type == NULL || strcmp(type, "info") == 0)
		return 1;
	have = json_object_get(t->index, id);
	if (have != NULL) {
		*out = (size_t)json_integer_value(have);
		return 0;
	}
	if (t->nq == QUESTIONS_MAX)
		return FS_ETOOBIG;
	q = &t->qs[t->nq];
	memset(q, 0, sizeof(*q));
	q->id = id;
	q->type = type;
	q->label = json_object_get(qj, "label");
	q->doc = doc;
	q->kind = kind_of(type);
	q->vals.max = HUB_RESULTS_VALUES_MAX;
	q->months.max = HUB_RESULTS_MONTHS_MAX;
	q->min = INFINITY;
	q->max = -INFINITY;
	q->rng = 0x9e3779b97f4a7c15u;
	if (json_object_set_new(t->index, id, json_integer((json_int_t)t->nq)) != 0)
		return FS_ENOMEM;
	if (q->kind == K_CHOICE || q->kind == K_MULTI || q->kind == K_BOOL) {
		q->opts = calloc(HUB_RESULTS_OPTIONS_MAX, sizeof(*q->opts));
		if (q->opts == NULL)
			return FS_ENOMEM;
	}
	if (q->kind == K_BOOL) {
		opt_add(q, "true", NULL);
		opt_add(q, "false", NULL);
	}
	if (q->kind == K_TEXT && t->text_keep > 0 &&
	    (t->o->text_question == NULL || strcmp(t->o->text_question, id) == 0)) {
		q->texts = calloc(t->text_keep, sizeof(*q->texts));
		if (q->texts == NULL)
			return FS_ENOMEM;
	}
	*out = t->nq++;
	return 0;
}

/* The questions of every version (newest first, in document order, then
 * those only older versions have), each version's map to them, and the
 * option values of choice questions (labels from the newest version). */
static int questions_build(tally *t)
{
	size_t v, i, n;
	int rc;

	t->qs = calloc(QUESTIONS_MAX, sizeof(*t->qs));
	t->index = json_object();
	if (t->qs == NULL || t->index == NULL)
		return FS_ENOMEM;
	for (v = t->nvers; v-- > 0;) {
		const json_t *qs = json_object_get(t->vers[v].doc, "questions");

		n = json_array_size(qs);
		for (i = 0; i < n; i++) {
			const json_t *qj = json_array_get(qs, i), *o;
			size_t at, k;

			rc = question_add(t, t->vers[v].doc, qj, &at);
			if (rc == 1)
				continue;
			if (rc != 0)
				return rc;
			if (t->qs[at].kind != K_CHOICE && t->qs[at].kind != K_MULTI)
				continue;
			if (strcmp(json_string_value(json_object_get(qj, "type")), t->qs[at].type) != 0)
				continue;
			json_array_foreach (json_object_get(qj, "options"), k, o) {
				const char *value = json_string_value(json_object_get(o, "value"));

				if (value != NULL && opt_find(&t->qs[at], value) == NULL)
					opt_add(&t->qs[at], value, json_object_get(o, "label"));
			}
		}
	}
	for (v = 0; v < t->nvers; v++) {
		const json_t *qs = json_object_get(t->vers[v].doc, "questions");

		t->vers[v].map = malloc((t->nq ? t->nq : 1) * sizeof(int));
		if (t->vers[v].map == NULL)
			return FS_ENOMEM;
		for (i = 0; i < t->nq; i++)
			t->vers[v].map[i] = -1;
		for (i = 0; i < json_array_size(qs); i++) {
			const json_t *at = json_object_get(
			    t->index, json_string_value(json_object_get(json_array_get(qs, i), "id")));

			if (at != NULL)
				t->vers[v].map[json_integer_value(at)] = (int)i;
		}
	}
	return 0;
}

static uint64_t next_rand(uint64_t *s)
{
	/* xorshift64*: a fixed seed, so the same responses give the same
	 * median estimate every time. */
	*s ^= *s >> 12;
	*s ^= *s << 25;
	*s ^= *s >> 27;
	return *s * 2685821657736338717u;
}

static int tally_number(rq *q, double v)
{
	int rc = ctab_add(&q->vals, v);

	if (rc != 0)
		return rc;
	q->sum += v;
	if (v < q->min)
		q->min = v;
	if (v > q->max)
		q->max = v;
	q->seen++;
	if (q->res == NULL) {
		q->res = malloc(HUB_RESULTS_RESERVOIR * sizeof(*q->res));
		if (q->res == NULL)
			return FS_ENOMEM;
	}
	if (q->nres < HUB_RESULTS_RESERVOIR) {
		q->res[q->nres++] = v;
	} else {
		uint64_t j = next_rand(&q->rng) % (uint64_t)q->seen;

		if (j < HUB_RESULTS_RESERVOIR)
			q->res[j] = v;
	}
	return 0;
}

static int text_cmp(const text_ref *a, const char *at, const char *id)
{
	int c = strcmp(a->at, at);

	return c != 0 ? c : strcmp(a->id, id);
}

/* Keep the newest text_keep (time, id) pairs, newest first. */
static void tally_text(tally *t, rq *q, const json_t *r)
{
	const char *at = json_string_value(json_object_get(r, "submitted_at"));
	const char *id = json_string_value(json_object_get(r, "id"));
	size_t pos;

	if (q->texts == NULL || at == NULL || id == NULL || strlen(at) > FS_TIMESTAMP_LEN ||
	    strlen(id) > FS_UUID_LEN)
		return;
	for (pos = q->ntexts; pos > 0 && text_cmp(&q->texts[pos - 1], at, id) < 0; pos--)
		;
	if (pos >= t->text_keep)
		return;
	if (q->ntexts < t->text_keep)
		q->ntexts++;
	memmove(&q->texts[pos + 1], &q->texts[pos], (q->ntexts - 1 - pos) * sizeof(*q->texts));
	snprintf(q->texts[pos].at, sizeof(q->texts[pos].at), "%s", at);
	snprintf(q->texts[pos].id, sizeof(q->texts[pos].id), "%s", id);
}

/* Count one answer v (present) to q: its state and distribution. */
static int tally_answer(tally *t, rq *q, const json_t *v, const json_t *r)
{
	opt *o;
	size_t i;
	int y, m;

	switch (q->kind) {
	case K_CHOICE:
		if (!json_is_string(v) || (o = opt_add(q, json_string_value(v), NULL)) == NULL)
			break;
		o->n++;
		q->st[S_ANSWERED]++;
		return 0;
	case K_MULTI:
		if (!json_is_array(v) || json_array_size(v) == 0)
			break;
		for (i = 0; i < json_array_size(v); i++)
			if (!json_is_string(json_array_get(v, i)))
				break;
		if (i < json_array_size(v))
			break;
		for (i = 0; i < json_array_size(v); i++) {
			o = opt_add(q, json_string_value(json_array_get(v, i)), NULL);
			if (o != NULL)
				o->n++;
		}
		q->st[S_ANSWERED]++;
		return 0;
	case K_BOOL:
		if (!json_is_boolean(v))
			break;
		q->opts[json_is_true(v) ? 0 : 1].n++;
		q->st[S_ANSWERED]++;
		return 0;
	case K_SCALE:
	case K_NUMBER:
		if (!json_is_number(v) || !isfinite(json_number_value(v)))
			break;
		q->st[S_ANSWERED]++;
		return tally_number(q, json_number_value(v));
	case K_DATE:
		if (!json_is_string(v) || !fs_date_is_valid(json_string_value(v)) ||
		    sscanf(json_string_value(v), "%4d-%2d", &y, &m) != 2)
			break;
		q->st[S_ANSWERED]++;
		return ctab_add(&q->months, (double)y * 12 + m - 1);
	case K_TEXT:
		if (!json_is_string(v))
			break;
		q->st[S_ANSWERED]++;
		tally_text(t, q, r);
		return 0;
	}
	q->st[S_OTHER]++;
	return 0;
}

static const ver *ver_find(const tally *t, int64_t version)
{
	size_t lo = 0, hi = t->nvers, mid;

	while (lo < hi) {
		mid = (lo + hi) / 2;
		if (t->vers[mid].version < version)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < t->nvers && t->vers[lo].version == version ? &t->vers[lo] : NULL;
}

static int str_is(const json_t *v, const char *want)
{
	const char *s = json_string_value(v);

	return s != NULL && strcmp(s, want) == 0;
}

static int tally_response(void *ctx, const json_t *r)
{
	tally *t = ctx;
	const hub_results_filter *f = t->f;
	const json_t *answers = json_object_get(r, "answers");
	const ver *v;
	int64_t day;
	size_t i;
	int rc;

	if ((f->site != NULL && !str_is(json_object_get(r, "site"), f->site)) ||
	    (f->language != NULL && !str_is(json_object_get(r, "language"), f->language)) ||
	    (f->mode != NULL && !str_is(json_object_get(r, "mode"), f->mode)))
		return 0;
	if (hub_results_local_day(&day, json_string_value(json_object_get(r, "submitted_at")),
	                          t->tz) != 0)
		return 0; /* a damaged row: not a response anyone can date */
	if (day < t->from || day > t->to)
		return 0;
	t->total++;
	rc = ctab_add(&t->days, (double)day);
	if (rc != 0)
		return rc;
	v = ver_find(t, json_integer_value(json_object_get(r, "version")));
	for (i = 0; i < t->nq; i++) {
		rq *q = &t->qs[i];
		const json_t *a = json_object_get(answers, q->id);

		if (a != NULL && !json_is_null(a))
			rc = tally_answer(t, q, a, r);
		else if (v == NULL || v->map[i] < 0)
			q->st[S_NOT_ASKED]++;
		else if (fs_question_is_shown(v->doc, (size_t)v->map[i], answers))
			q->st[S_BLANK]++;
		else
			q->st[S_SKIPPED]++;
		if (rc != 0)
			return rc;
	}
	return 0;
}

/* ---- loading the versions ---- */

static int versions_load(tally *t, fs_store *s, fs_err *err)
{
	json_t *list = NULL, *item;
	size_t i, n = 0;
	int rc = fs_questionnaire_list(s, &list, err);

	if (rc != 0)
		return rc;
	json_array_foreach (list, i, item)
		if (str_is(json_object_get(item, "id"), t->f->questionnaire))
			n++;
	if (n > HUB_RESULTS_VERSIONS_MAX) {
		json_decref(list);
		return fs_err_set(err, FS_ETOOBIG,
		                  "questionnaire %s has %zu versions; results read at most %d",
		                  t->f->questionnaire, n, HUB_RESULTS_VERSIONS_MAX);
	}
	t->vers = calloc(n ? n : 1, sizeof(*t->vers));
	if (t->vers == NULL) {
		json_decref(list);
		return fs_err_set(err, FS_ENOMEM, "results: out of memory");
	}
	/* fs_questionnaire_list is by id then version: ascending. */
	json_array_foreach (list, i, item) {
		int64_t version = json_integer_value(json_object_get(item, "version"));

		if (!str_is(json_object_get(item, "id"), t->f->questionnaire))
			continue;
		rc = fs_questionnaire_get(s, &t->vers[t->nvers].doc, t->f->questionnaire, version,
		                          err);
		if (rc == FS_ENOTFOUND) /* retired since the list was read */
			continue;
		if (rc != 0)
			break;
		t->vers[t->nvers++].version = version;
	}
	json_decref(list);
	return rc;
}

static void tally_free(tally *t)
{
	size_t i;

	for (i = 0; i < t->nvers; i++) {
		json_decref(t->vers[i].doc);
		free(t->vers[i].map);
	}
	free(t->vers);
	for (i = 0; t->qs != NULL && i < t->nq; i++) {
		free(t->qs[i].opts);
		ctab_free(&t->qs[i].vals);
		ctab_free(&t->qs[i].months);
		free(t->qs[i].res);
		free(t->qs[i].texts);
	}
	free(t->qs);
	json_decref(t->index);
	ctab_free(&t->days);
}

/* ---- rendering, with suppression ---- */

typedef struct view {
	int suppress;
	int64_t k;
	const char *lang;
	long texts_listed;
} view;

/* A cell: {"count": n}, or {"count": null, "suppressed": true}. */
static json_t *cell(int64_t n, int hidden)
{
	if (hidden)
		return json_pack("{s:n, s:b}", "count", "suppressed", 1);
	return json_pack("{s:I}", "count", (json_int_t)n);
}

/* Set key of o to a new cell; FS_ENOMEM. */
static int put_cell(json_t *o, const char *key, int64_t n, int hidden)
{
	return json_object_set_new(o, key, cell(n, hidden)) == 0 ? 0 : FS_ENOMEM;
}

/* hidden[] for cells under view: all 0 when not suppressing; all 1 when
 * force (the distribution's total is itself hidden). */
static void hide(unsigned char *hidden, const int64_t *cells, size_t n, const view *w, int force)
{
	if (force) {
		memset(hidden, 1, n);
		return;
	}
	if (!w->suppress) {
		memset(hidden, 0, n);
		return;
	}
	hub_results_suppress(hidden, cells, n, w->k);
}

static double number_median(const rq *q, int *exact)
{
	int64_t count = q->st[S_ANSWERED], lo_i = (count - 1) / 2, hi_i = count / 2, seen = 0;
	double lo = 0, hi = 0;
	size_t i;

	*exact = 1;
	if (q->vals.dropped == 0) {
		for (i = 0; i < q->vals.len; i++) {
			if (seen <= lo_i && lo_i < seen + q->vals.n[i])
				lo = q->vals.key[i];
			if (seen <= hi_i && hi_i < seen + q->vals.n[i])
				hi = q->vals.key[i];
			seen += q->vals.n[i];
		}
		return (lo + hi) / 2;
	}
	/* More distinct values than the table holds: the reservoir's median,
	 * exact only when it holds every value. */
	{
		double *tmp = malloc(q->nres * sizeof(*tmp));
		size_t a, b, n = q->nres;

		*exact = (int64_t)q->nres == q->seen;
		if (tmp == NULL || n == 0) {
			free(tmp);
			return NAN;
		}
		memcpy(tmp, q->res, n * sizeof(*tmp));
		/* insertion sort of at most HUB_RESULTS_RESERVOIR values */
		for (a = 1; a < n; a++) {
			double x = tmp[a];

			for (b = a; b > 0 && tmp[b - 1] > x; b--)
				tmp[b] = tmp[b - 1];
			tmp[b] = x;
		}
		lo = tmp[(n - 1) / 2];
		hi = tmp[n / 2];
		free(tmp);
		return (lo + hi) / 2;
	}
}

static json_t *number_json(double d)
{
	if (d == floor(d) && fabs(d) < 9007199254740992.0)
		return json_integer((json_int_t)d);
	return json_real(d);
}

/* Append n rows (made by make) of cells, hidden where hidden[i]. */
static int render_rows(json_t *arr, const int64_t *cells, const unsigned char *hidden, size_t n,
                       json_t *(*make)(const void *src, size_t i), const void *src)
{
	size_t i;

	for (i = 0; i < n; i++) {
		json_t *o = make(src, i);

		if (o == NULL)
			return FS_ENOMEM;
		if (hidden[i]) {
			json_object_set_new(o, "count", json_null());
			json_object_set_new(o, "suppressed", json_true());
		} else {
			json_object_set_new(o, "count", json_integer((json_int_t)cells[i]));
		}
		if (json_array_append_new(arr, o) != 0)
			return FS_ENOMEM;
	}
	return 0;
}

/* One distribution of n cells under view (hide), appended as rows. */
static int render_cells(json_t *arr, const int64_t *cells, size_t n, const view *w, int force,
                        json_t *(*make)(const void *src, size_t i), const void *src)
{
	unsigned char *hidden = malloc(n ? n : 1);
	int rc;

	if (hidden == NULL)
		return FS_ENOMEM;
	hide(hidden, cells, n, w, force);
	rc = render_rows(arr, cells, hidden, n, make, src);
	free(hidden);
	return rc;
}

typedef struct opt_src {
	const rq *q;
	const view *w;
} opt_src;

static json_t *make_option(const void *src, size_t i)
{
	const opt_src *s = src;
	const opt *o = &s->q->opts[i];
	const char *label;

	if (s->q->kind == K_BOOL)
		label = i == 0 ? "Yes" : "No";
	else
		label = o->label != NULL ? text_in(o->label, s->w->lang, s->q->doc) : o->value;
	return json_pack("{s:s, s:s}", "value", o->value, "label", label);
}

static json_t *make_value(const void *src, size_t i)
{
	return json_pack("{s:o}", "value", number_json(((const ctab *)src)->key[i]));
}

static json_t *make_month(const void *src, size_t i)
{
	const ctab *t = src;
	char text[16];
	int64_t key = (int64_t)t->key[i];

	snprintf(text, sizeof(text), "%04d-%02d", (int)(key / 12), (int)(key % 12) + 1);
	return json_pack("{s:s}", "month", text);
}

static json_t *make_day(const void *src, size_t i)
{
	char text[16];

	day_text(text, (int64_t)((const ctab *)src)->key[i]);
	return json_pack("{s:s}", "day", text);
}

static int render_multi(json_t *arr, const rq *q, const view *w, int force)
{
	opt_src src = {q, w};
	size_t i;

	for (i = 0; i < q->nopts; i++) {
		/* Each option is chosen or not by each who answered: a
		 * distribution of two cells, of which the first is shown. */
		int64_t two[2] = {q->opts[i].n, q->st[S_ANSWERED] - q->opts[i].n};
		unsigned char hidden[2];
		json_t *o = make_option(&src, i);

		hide(hidden, two, 2, w, force);
		if (o == NULL)
			return FS_ENOMEM;
		if (hidden[0] || hidden[1]) {
			json_object_set_new(o, "count", json_null());
			json_object_set_new(o, "suppressed", json_true());
		} else {
			json_object_set_new(o, "count", json_integer((json_int_t)two[0]));
		}
		if (json_array_append_new(arr, o) != 0)
			return FS_ENOMEM;
	}
	return 0;
}

static int fetch_texts(json_t *arr, fs_store *s, const rq *q, const tally *t, view *w)
{
	size_t i;
	int rc = 0;

	for (i = (size_t)t->o->text_offset; i < q->ntexts && rc == 0; i++) {
		json_t *r = NULL;
		const json_t *a;
		fs_err e = {0, ""};

		if (fs_response_get(s, &r, q->texts[i].id, &e) != 0) {
			json_decref(r);
			continue; /* erased since it was counted */
		}
		a = json_object_get(json_object_get(r, "answers"), q->id);
		if (json_is_string(a)) {
			json_t *item = json_pack("{s:O, s:s, s:O}", "answer", a, "submitted_at",
			                         q->texts[i].at, "language",
			                         json_object_get(r, "language"));

			if (item == NULL || json_array_append_new(arr, item) != 0)
				rc = FS_ENOMEM;
			else
				w->texts_listed++;
		}
		json_decref(r);
	}
	return rc;
}

/* The rows of a question's answers that add up to "answered" (options of
 * a single choice or yes/no, values of a scale or number, months of a
 * date), in cells[0..n); 0 rows for the other kinds. */
static size_t detail_cells(int64_t *cells, const rq *q)
{
	size_t i;

	switch (q->kind) {
	case K_CHOICE:
	case K_BOOL:
		for (i = 0; i < q->nopts; i++)
			cells[i] = q->opts[i].n;
		return q->nopts;
	case K_SCALE:
	case K_NUMBER:
		if (q->vals.dropped > 0)
			return 0;
		if (q->vals.len > 0)
			memcpy(cells, q->vals.n, q->vals.len * sizeof(*cells));
		return q->vals.len;
	case K_DATE:
		if (q->months.len > 0)
			memcpy(cells, q->months.n, q->months.len * sizeof(*cells));
		cells[q->months.len] = q->months.dropped;
		return q->months.len + 1;
	default:
		return 0;
	}
}

static int render_stats(json_t *o, const rq *q, const view *w, int answered_hidden)
{
	int exact = 1;
	double median;
	json_t *stats;

	/* At least k answers and their count shown, or none. */
	if (q->st[S_ANSWERED] == 0 ||
	    (w->suppress && (answered_hidden || q->st[S_ANSWERED] < w->k)))
		return json_object_set_new(o, "stats", json_null()) == 0 ? 0 : FS_ENOMEM;
	median = number_median(q, &exact);
	stats = json_pack("{s:I, s:f, s:o, s:b}", "count", (json_int_t)q->st[S_ANSWERED], "mean",
	                  q->sum / (double)q->st[S_ANSWERED], "median",
	                  isnan(median) ? json_null() : number_json(median), "median_exact", exact);
	/* min and max are one person's answer each: never in a suppressed
	 * view. */
	if (stats != NULL && !w->suppress) {
		json_object_set_new(stats, "min", number_json(q->min));
		json_object_set_new(stats, "max", number_json(q->max));
	}
	return stats != NULL && json_object_set_new(o, "stats", stats) == 0 ? 0 : FS_ENOMEM;
}

/* A question under view. Where its answers add up to "answered", they and
 * the states other than answered are one distribution adding up to the
 * total (so a hidden cell cannot be had from the others, whichever side it
 * is on), and "answered" itself is hidden when exactly one cell of either
 * side is (it would give that one away). Otherwise the five states are one
 * distribution. force: the total is hidden, so is everything. */
static int render_question(json_t **out, fs_store *s, const rq *q, const tally *t, view *w,
                           int force)
{
	size_t nd, n, i, hd = 0, hs = 0;
	unsigned char *hidden = NULL, st_hidden[S_COUNT];
	int64_t *cells = NULL;
	opt_src src = {q, w};
	json_t *o, *arr = NULL;
	int rc = 0;

	*out = o = json_pack("{s:s, s:s, s:s}", "id", q->id, "type", q->type, "label",
	                     text_in(q->label, w->lang, q->doc));
	n = q->nopts + q->vals.len + q->months.len + 1 + S_COUNT;
	cells = malloc(n * sizeof(*cells));
	hidden = malloc(n);
	arr = json_array();
	if (o == NULL || cells == NULL || hidden == NULL || arr == NULL) {
		rc = FS_ENOMEM;
		goto cleanup;
	}
	nd = detail_cells(cells, q);
	if (nd > 0) {
		for (i = S_SKIPPED; i < S_COUNT; i++)
			cells[nd + i - 1] = q->st[i];
		hide(hidden, cells, nd + S_COUNT - 1, w, force);
		for (i = 0; i < nd; i++)
			hd += hidden[i];
		for (i = S_SKIPPED; i < S_COUNT; i++) {
			st_hidden[i] = hidden[nd + i - 1];
			hs += st_hidden[i];
		}
		st_hidden[S_ANSWERED] = force || (w->suppress && (hd == 1 || hs == 1));
	} else {
		hide(st_hidden, q->st, S_COUNT, w, force);
	}
	for (i = 0; i < S_COUNT && rc == 0; i++)
		rc = put_cell(o, state_names[i], q->st[i], st_hidden[i]);
	if (rc == 0 && force && json_object_set_new(o, "suppressed", json_true()) != 0)
		rc = FS_ENOMEM;
	if (rc != 0)
		goto cleanup;
	switch (q->kind) {
	case K_CHOICE:
	case K_BOOL:
		rc = render_rows(arr, cells, hidden, nd, make_option, &src);
		if (rc == 0)
			rc = json_object_set(o, "options", arr) == 0 ? 0 : FS_ENOMEM;
		break;
	case K_MULTI:
		rc = render_multi(arr, q, w, force);
		if (rc == 0)
			rc = json_object_set(o, "options", arr) == 0 ? 0 : FS_ENOMEM;
		break;
	case K_SCALE:
	case K_NUMBER:
		if (q->vals.dropped == 0) {
			rc = render_rows(arr, cells, hidden, nd, make_value, &q->vals);
			if (rc == 0)
				rc = json_object_set(o, "values", arr) == 0 ? 0 : FS_ENOMEM;
		} else {
			rc = json_object_set_new(o, "values", json_null()) == 0 ? 0 : FS_ENOMEM;
		}
		if (rc == 0)
			rc = render_stats(o, q, w, st_hidden[S_ANSWERED]);
		break;
	case K_DATE:
		rc = render_rows(arr, cells, hidden, nd - 1, make_month, &q->months);
		if (rc == 0)
			rc = json_object_set(o, "months", arr) == 0 ? 0 : FS_ENOMEM;
		if (rc == 0 && q->months.dropped > 0)
			rc = put_cell(o, "months_dropped", q->months.dropped, hidden[nd - 1]);
		break;
	case K_TEXT:
		if (q->texts == NULL)
			break;
		rc = fetch_texts(arr, s, q, t, w);
		if (rc == 0)
			rc = json_object_set_new(
			    o, "texts",
			    json_pack("{s:O, s:I, s:I, s:b}", "items", arr, "offset",
			              (json_int_t)t->o->text_offset, "limit",
			              (json_int_t)(t->text_keep - (size_t)t->o->text_offset), "more",
			              q->st[S_ANSWERED] > (int64_t)t->text_keep)) == 0
			         ? 0
			         : FS_ENOMEM;
		break;
	}
cleanup:
	free(cells);
	free(hidden);
	json_decref(arr);
	return rc;
}

static json_t *filters_json(const hub_results_filter *f)
{
	json_t *o = json_object(), *regions = json_array();
	size_t i;

	if (o == NULL || regions == NULL) {
		json_decref(o);
		json_decref(regions);
		return NULL;
	}
	for (i = 0; i < f->nregions; i++)
		json_array_append_new(regions, json_string(f->regions[i]));
	json_object_set_new(o, "regions", regions);
	json_object_set_new(o, "site", f->site ? json_string(f->site) : json_null());
	json_object_set_new(o, "from", f->from ? json_string(f->from) : json_null());
	json_object_set_new(o, "to", f->to ? json_string(f->to) : json_null());
	json_object_set_new(o, "language", f->language ? json_string(f->language) : json_null());
	json_object_set_new(o, "mode", f->mode ? json_string(f->mode) : json_null());
	return o;
}

static int render(json_t **out, fs_store *s, tally *t, view *w)
{
	const json_t *newest = t->nvers ? t->vers[t->nvers - 1].doc : NULL;
	json_t *o, *versions, *days, *qs, *q;
	int64_t one[1] = {t->total};
	unsigned char total_hidden[1];
	int whole, rc = 0;
	size_t i;

	hide(total_hidden, one, 1, w, 0);
	whole = total_hidden[0];
	o = json_pack("{s:s, s:s, s:s, s:s, s:o, s:{s:b, s:I}}", "questionnaire",
	              t->f->questionnaire, "title",
	              newest ? text_in(json_object_get(newest, "title"), w->lang, newest) : "",
	              "language",
	              w->lang ? w->lang
	                      : (newest ? json_string_value(json_array_get(
	                                      json_object_get(newest, "languages"), 0))
	                                : ""),
	              "time_zone", t->tz, "filters", filters_json(t->f), "suppression",
	              "applied", w->suppress, "k", (json_int_t)w->k);
	versions = json_array();
	days = json_array();
	qs = json_array();
	if (o == NULL || versions == NULL || days == NULL || qs == NULL) {
		rc = FS_ENOMEM;
		goto cleanup;
	}
	for (i = 0; i < t->nvers; i++)
		json_array_append_new(versions, json_integer((json_int_t)t->vers[i].version));
	if (json_object_set(o, "versions", versions) != 0 ||
	    put_cell(o, "total", t->total, whole) != 0) {
		rc = FS_ENOMEM;
		goto cleanup;
	}
	rc = render_cells(days, t->days.n, t->days.len, w, whole, make_day, &t->days);
	if (rc == 0 && json_object_set(o, "days", days) != 0)
		rc = FS_ENOMEM;
	if (rc == 0 && t->days.dropped > 0)
		rc = put_cell(o, "days_dropped", t->days.dropped, w->suppress);
	for (i = 0; i < t->nq && rc == 0; i++) {
		rc = render_question(&q, s, &t->qs[i], t, w, whole);
		if (json_array_append_new(qs, q) != 0 && rc == 0)
			rc = FS_ENOMEM;
	}
	if (rc == 0 && json_object_set(o, "questions", qs) != 0)
		rc = FS_ENOMEM;
	if (rc == 0 && json_object_set_new(o, "texts_listed",
	                                   json_integer((json_int_t)w->texts_listed)) != 0)
		rc = FS_ENOMEM;
cleanup:
	json_decref(versions);
	json_decref(days);
	json_decref(qs);
	if (rc != 0) {
		json_decref(o);
		return rc;
	}
	*out = o;
	return 0;
}

/* ---- the entry point ---- */

static int check_filter(const hub_results_filter *f, const hub_results_opts *o, tally *t,
                        fs_err *err)
{
	size_t i;

	if (f->questionnaire == NULL || !fs_name_is_valid(f->questionnaire))
		return fs_err_set(err, FS_EINVAL,
		                  "questionnaire: an id matching [a-z0-9][a-z0-9-]{0,63} is needed");
	if (f->nregions > HUB_RESULTS_REGIONS_MAX)
		return fs_err_set(err, FS_EINVAL, "regions: at most %d", HUB_RESULTS_REGIONS_MAX);
	for (i = 0; i < f->nregions; i++)
		if (f->regions[i] == NULL || !fs_name_is_valid(f->regions[i]))
			return fs_err_set(err, FS_EINVAL,
			                  "region: must match [a-z0-9][a-z0-9-]{0,63}");
	if (f->site != NULL && !fs_name_is_valid(f->site))
		return fs_err_set(err, FS_EINVAL, "site: must match [a-z0-9][a-z0-9-]{0,63}");
	t->from = INT64_MIN;
	t->to = INT64_MAX;
	if (f->from != NULL && !date_day(&t->from, f->from))
		return fs_err_set(err, FS_EINVAL, "from: must be a real date written YYYY-MM-DD");
	if (f->to != NULL && !date_day(&t->to, f->to))
		return fs_err_set(err, FS_EINVAL, "to: must be a real date written YYYY-MM-DD");
	if (t->from > t->to)
		return fs_err_set(err, FS_EINVAL, "from: must not be later than to");
	if (f->language != NULL && !fs_language_tag_is_valid(f->language, strlen(f->language)))
		return fs_err_set(err, FS_EINVAL, "language: must be a language tag such as en or cy");
	if (f->mode != NULL && strcmp(f->mode, "self") != 0 && strcmp(f->mode, "assisted") != 0)
		return fs_err_set(err, FS_EINVAL, "mode: must be self or assisted");
	t->tz = o->tz != NULL ? o->tz : "Europe/London";
	if (strcmp(t->tz, "Europe/London") != 0 && strcmp(t->tz, "UTC") != 0)
		return fs_err_set(err, FS_EINVAL, "time zone: must be Europe/London or UTC");
	if (o->language != NULL && !fs_language_tag_is_valid(o->language, strlen(o->language)))
		return fs_err_set(err, FS_EINVAL,
		                  "label language: must be a language tag such as en or cy");
	if (o->k != 0 && (o->k < HUB_RESULTS_K_MIN || o->k > HUB_RESULTS_K_MAX))
		return fs_err_set(err, FS_EINVAL, "k: must be from %d to %d", HUB_RESULTS_K_MIN,
		                  HUB_RESULTS_K_MAX);
	if (o->text_offset < 0 || o->text_limit < 0 ||
	    o->text_offset + o->text_limit > HUB_RESULTS_TEXT_MAX ||
	    o->text_offset >= HUB_RESULTS_TEXT_MAX)
		return fs_err_set(err, FS_EINVAL,
		                  "text offset and limit: from 0, together at most %d",
		                  HUB_RESULTS_TEXT_MAX);
	if (o->text && !o->suppress) {
		long limit = o->text_limit ? o->text_limit : HUB_RESULTS_TEXT_DEFAULT;

		if (o->text_offset + limit > HUB_RESULTS_TEXT_MAX)
			limit = HUB_RESULTS_TEXT_MAX - o->text_offset;
		t->text_keep = (size_t)(o->text_offset + limit);
	}
	return 0;
}

int hub_results_compute(json_t **out, fs_store *s, const hub_results_filter *f,
                        const hub_results_opts *o, fs_err *err)
{
	tally t;
	view w;
	size_t i, j;
	int rc;

	*out = NULL;
	memset(&t, 0, sizeof(t));
	t.f = f;
	t.o = o;
	t.days.max = HUB_RESULTS_DAYS_MAX;
	rc = check_filter(f, o, &t, err);
	if (rc == 0)
		rc = versions_load(&t, s, err);
	if (rc == 0) {
		rc = questions_build(&t);
		if (rc == FS_ETOOBIG)
			fs_err_set(err, rc, "questionnaire %s: more than %d distinct questions",
			           f->questionnaire, QUESTIONS_MAX);
		else if (rc != 0)
			fs_err_set(err, rc, "results: out of memory");
	}
	if (rc == 0 && f->nregions == 0)
		rc = fs_response_each(s, f->questionnaire, NULL, tally_response, &t, err);
	for (i = 0; rc == 0 && i < f->nregions; i++) {
		for (j = 0; j < i && strcmp(f->regions[j], f->regions[i]) != 0; j++)
			;
		if (j == i) /* a region named twice counts once */
			rc = fs_response_each(s, f->questionnaire, f->regions[i], tally_response, &t,
			                      err);
	}
	if (rc == FS_ENOMEM)
		fs_err_set(err, rc, "results: out of memory");
	if (rc == 0 && t.nvers == 0 && t.total == 0)
		rc = fs_err_set(err, FS_ENOTFOUND,
		                "questionnaire %s is not published here and has no responses",
		                f->questionnaire);
	if (rc == 0) {
		memset(&w, 0, sizeof(w));
		w.suppress = o->suppress;
		w.k = o->k ? o->k : HUB_RESULTS_K_DEFAULT;
		w.lang = o->language;
		rc = render(out, s, &t, &w);
		if (rc != 0)
			fs_err_set(err, rc, "results: out of memory");
	}
	tally_free(&t);
	return rc;
}

/* ---- k, and the audit of free text ---- */

int hub_results_k_get(fs_store *s, long *k, fs_err *err)
{
	char text[32], *end;
	long v;
	int rc = fs_store_ops(s)->meta_get(fs_store_backend(s), HUB_RESULTS_K_META, text,
	                                   sizeof(text), err);

	*k = HUB_RESULTS_K_DEFAULT;
	if (rc == FS_ENOTFOUND)
		return 0;
	if (rc != 0)
		return rc;
	v = strtol(text, &end, 10);
	if (*end != '\0' || v < HUB_RESULTS_K_MIN || v > HUB_RESULTS_K_MAX)
		return fs_err_set(err, FS_EGENERIC, "store meta %s is damaged", HUB_RESULTS_K_META);
	*k = v;
	return 0;
}

int hub_results_k_set(fs_store *s, long k, const char *actor, fs_err *err)
{
	const fs_backend_ops *ops = fs_store_ops(s);
	fs_backend *b = fs_store_backend(s);
	char text[32];
	json_t *d = NULL;
	long was = 0;
	int rc;

	if (k < HUB_RESULTS_K_MIN || k > HUB_RESULTS_K_MAX)
		return fs_err_set(err, FS_EINVAL, "k must be a whole number from %d to %d",
		                  HUB_RESULTS_K_MIN, HUB_RESULTS_K_MAX);
	rc = ops->begin(b, FS_TXN_WRITE, err);
	if (rc != 0)
		return rc;
	rc = hub_results_k_get(s, &was, err);
	snprintf(text, sizeof(text), "%ld", k);
	if (rc == 0)
		rc = ops->meta_put(b, HUB_RESULTS_K_META, text, err);
	if (rc == 0) {
		d = json_pack("{s:i, s:i}", "k", (int)k, "was", (int)was);
		rc = d != NULL ? hub_audit_add_in(s, actor, "results_k", d, err)
		               : fs_err_set(err, FS_ENOMEM, "out of memory");
	}
	json_decref(d);
	if (rc == 0)
		return ops->commit(b, err);
	ops->rollback(b);
	return rc;
}

int hub_results_audit_text(fs_store *s, const char *actor, const json_t *results, fs_err *err)
{
	json_int_t listed = json_integer_value(json_object_get(results, "texts_listed"));
	json_t *d;
	int rc;

	if (listed <= 0)
		return 0;
	d = json_pack("{s:O, s:O, s:I}", "questionnaire", json_object_get(results, "questionnaire"),
	              "filters", json_object_get(results, "filters"), "texts", listed);
	if (d == NULL)
		return fs_err_set(err, FS_ENOMEM, "out of memory");
	rc = hub_audit_add(s, actor, "results_text", d, err);
	json_decref(d);
	return rc;
}
