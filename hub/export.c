/* Exports of merged records (export.h): the columns, the CSV and XLSX
 * writers, and the fieldsync-hub export command.
 *
 * Responses have the fixed columns below, then the question columns: the
 * questions of each version in order, newest version first, then those
 * only older versions had, then (sorted) any other answer keys the
 * exported responses hold, so no answer is ever left out. A multi_choice
 * question (or any answer key holding a list) spreads over one column per
 * option, QID__VALUE: its options in the document's order, then (sorted)
 * values the answers hold that no version lists; a cell is 1 when the
 * option was chosen, 0 when the question was answered without it, empty
 * when it was not answered. The columns come only from the documents and
 * the exported records, so an export of one region names nothing of
 * another's answers.
 *
 * A response's region is the region of the device that made it (the
 * devices table: fs_response_each's region filter, or the site's region for
 * a visible() limit).
 *
 * The answers are read in clear: a kiosk seals each response to the hub's
 * key and fs_sync_hub_receive opens it before the merge (docs/design.md,
 * "Sealed responses"), so the hub's store holds them opened. */
#include "export.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <xlsxwriter.h>

#include "audit.h"
#include "cli.h"
#include "commands.h"
#include "csv.h"
#include "fieldsync/buf.h"
#include "fieldsync/records.h"
#include "registry.h"

#define CELL_MAX (64u << 20)
#define XLSX_ROWS_MAX 1048576u
#define XLSX_COLS_MAX 16384u
#define XLSX_STRING_MAX 32767u
#define SHEET_NAME_MAX 31

/* What a column holds. */
enum { C_FIELD, C_ANSWER, C_OPTION };
/* How its values read (beyond their JSON type). */
enum { H_PLAIN, H_TIME, H_DATE, H_CHOICE };

typedef struct col {
	int kind, hint;
	char *key;    /* the record's field or the answer's question id */
	char *value;  /* C_OPTION: the option's value */
	char *header; /* as written */
} col;

/* One CSV output or one XLSX sheet. */
typedef struct table {
	col *cols;
	size_t n, cap;
	json_t *names;   /* headers used (a set) */
	json_t *docs;    /* questionnaire documents, newest version first */
	char *qid;       /* XLSX: the sheet's questionnaire and version */
	int64_t version;
	lxw_worksheet *ws;
	uint32_t row;
} table;

typedef struct sink {
	const hub_export_opts *o;
	FILE *out;  /* CSV and JSON Lines */
	lxw_workbook *wb;
	lxw_format *f_time, *f_date, *f_head;
	fs_buf cell;
	fs_err *err;
} sink;

static const struct {
	const char *key;
	int hint;
} response_fields[] = {
    {"id", H_PLAIN},       {"site", H_PLAIN},          {"questionnaire", H_PLAIN},
    {"version", H_PLAIN},  {"language", H_PLAIN},      {"mode", H_PLAIN},
    {"worker", H_PLAIN},   {"started_at", H_TIME},     {"submitted_at", H_TIME},
};

static const char *const conflict_columns[] = {
    "id",           "table",       "record",      "region",      "field",
    "winner_value", "winner_hlc",  "winner_site", "loser_value", "loser_hlc",
    "loser_site",   "detected_by", NULL};

static int oom(fs_err *err)
{
	return fs_err_set(err, FS_ENOMEM, "out of memory");
}

/* ---- values as text ---- */

static int append_number(fs_buf *b, double d)
{
	char text[40];
	int prec;

	for (prec = 1; prec <= 17; prec++) {
		snprintf(text, sizeof(text), "%.*g", prec, d);
		if (strtod(text, NULL) == d)
			break;
	}
	return fs_buf_puts(b, text);
}

/* v as text: a string as it is, a number as short as round-trips, true or
 * false, anything else (a list, an object) as compact JSON. */
static int append_value(fs_buf *b, const json_t *v)
{
	char text[32];
	char *dump;
	int rc;

	switch (json_typeof(v)) {
	case JSON_STRING:
		return fs_buf_append(b, json_string_value(v), json_string_length(v));
	case JSON_TRUE:
		return fs_buf_puts(b, "true");
	case JSON_FALSE:
		return fs_buf_puts(b, "false");
	case JSON_NULL:
		return 0;
	case JSON_INTEGER:
		snprintf(text, sizeof(text), "%" JSON_INTEGER_FORMAT, json_integer_value(v));
		return fs_buf_puts(b, text);
	case JSON_REAL:
		return append_number(b, json_real_value(v));
	default:
		break;
	}
	dump = json_dumps(v, JSON_COMPACT | JSON_SORT_KEYS | JSON_ENCODE_ANY);
	if (dump == NULL)
		return FS_ENOMEM;
	rc = fs_buf_puts(b, dump);
	free(dump);
	return rc;
}

/* The text of v in the buffer (never NULL). */
static const char *text_of(sink *k, const json_t *v, int *rc)
{
	fs_buf_reset(&k->cell);
	*rc = append_value(&k->cell, v);
	if (*rc == 0 && fs_buf_puts(&k->cell, "") != 0)
		*rc = FS_ENOMEM;
	return k->cell.data != NULL ? k->cell.data : "";
}

/* ---- the writers: one cell at a time ---- */

static int xlsx_fail(sink *k, lxw_error e, const table *t, size_t c)
{
	if (e == LXW_ERROR_MAX_STRING_LENGTH_EXCEEDED)
		return fs_err_set(k->err, FS_ETOOBIG,
		                  "row %u, column %s: a text of more than %u characters does not "
		                  "fit an XLSX cell (export as CSV)",
		                  t->row, t->cols[c].header, XLSX_STRING_MAX);
	return fs_err_set(k->err, FS_EGENERIC, "XLSX: %s", lxw_strerror(e));
}

static int put_empty(sink *k, const table *t, size_t c)
{
	(void)t;
	if (k->wb == NULL && c > 0)
		fputc(',', k->out);
	return 0;
}

static int put_text(sink *k, const table *t, size_t c, const char *s)
{
	lxw_error e;

	if (k->wb == NULL) {
		hub_csv_field(k->out, s, c == 0);
		return 0;
	}
	if (*s == '\0')
		return 0;
	/* A string cell: never a formula, whatever it starts with. */
	e = worksheet_write_string(t->ws, t->row, (lxw_col_t)c, s, NULL);
	return e == LXW_NO_ERROR ? 0 : xlsx_fail(k, e, t, c);
}

static int put_number(sink *k, const table *t, size_t c, const json_t *v, const char *text)
{
	lxw_error e;

	if (k->wb == NULL) {
		hub_csv_number(k->out, text, c == 0);
		return 0;
	}
	e = worksheet_write_number(t->ws, t->row, (lxw_col_t)c, json_number_value(v), NULL);
	return e == LXW_NO_ERROR ? 0 : xlsx_fail(k, e, t, c);
}

static int put_int(sink *k, const table *t, size_t c, int n)
{
	json_t *v = json_integer(n);
	int rc = v == NULL ? FS_ENOMEM : put_number(k, t, c, v, n ? "1" : "0");

	json_decref(v);
	return rc;
}

static int put_bool(sink *k, const table *t, size_t c, int b)
{
	lxw_error e;

	if (k->wb == NULL) {
		hub_csv_field(k->out, b ? "true" : "false", c == 0);
		return 0;
	}
	e = worksheet_write_boolean(t->ws, t->row, (lxw_col_t)c, b, NULL);
	return e == LXW_NO_ERROR ? 0 : xlsx_fail(k, e, t, c);
}

/* A stored UTC time "…Z": in o->tz when given (CSV "YYYY-MM-DD HH:MM:SS",
 * the zone in the header), as stored otherwise; XLSX a date-time cell. */
static int put_time(sink *k, const table *t, size_t c, const char *s)
{
	lxw_datetime dt;
	hub_civil lc;
	int64_t at;
	char text[32];
	lxw_error e;

	if (hub_tz_parse_utc(s, &at) != 0 || (k->wb == NULL && k->o->tz == NULL))
		return put_text(k, t, c, s);
	hub_tz_local(k->o->tz, at, &lc);
	if (k->wb == NULL) {
		snprintf(text, sizeof(text), "%04d-%02d-%02d %02d:%02d:%02d", lc.year, lc.month,
		         lc.day, lc.hour, lc.min, lc.sec);
		return put_text(k, t, c, text);
	}
	if (lc.year < 1900 || lc.year > 9999)
		return put_text(k, t, c, s);
	dt = (lxw_datetime){lc.year, lc.month, lc.day, lc.hour, lc.min, lc.sec};
	e = worksheet_write_datetime(t->ws, t->row, (lxw_col_t)c, &dt, k->f_time);
	return e == LXW_NO_ERROR ? 0 : xlsx_fail(k, e, t, c);
}

/* "YYYY-MM-DD": XLSX a date cell (years 1900 to 9999; others text). */
static int put_date(sink *k, const table *t, size_t c, const char *s)
{
	lxw_datetime dt = {0, 0, 0, 0, 0, 0};
	char extra;
	lxw_error e;

	if (k->wb == NULL || strlen(s) != 10 ||
	    sscanf(s, "%4d-%2d-%2d%c", &dt.year, &dt.month, &dt.day, &extra) != 3 ||
	    dt.year < 1900 || dt.month < 1 || dt.month > 12 || dt.day < 1 || dt.day > 31)
		return put_text(k, t, c, s);
	e = worksheet_write_datetime(t->ws, t->row, (lxw_col_t)c, &dt, k->f_date);
	return e == LXW_NO_ERROR ? 0 : xlsx_fail(k, e, t, c);
}

static int end_row(sink *k, table *t)
{
	if (k->wb == NULL)
		hub_csv_end(k->out);
	t->row++;
	return 0;
}

/* A JSON Lines record: compact, keys sorted, written as stored. */
static int jsonl_line(sink *k, const json_t *v)
{
	char *text = json_dumps(v, JSON_COMPACT | JSON_SORT_KEYS);

	if (text == NULL)
		return oom(k->err);
	fputs(text, k->out);
	fputc('\n', k->out);
	free(text);
	return 0;
}

/* ---- columns ---- */

static int col_add(table *t, int kind, int hint, const char *key, const char *value,
                   fs_err *err)
{
	fs_buf h;
	col *c;

	fs_buf_init(&h, CELL_MAX);
	if (fs_buf_puts(&h, key) != 0 ||
	    (value != NULL && (fs_buf_puts(&h, "__") != 0 || fs_buf_puts(&h, value) != 0)))
		goto nomem;
	if (kind != C_FIELD && json_object_get(t->names, h.data) != NULL) {
		fs_buf_free(&h);
		return 0;
	}
	if (t->n == t->cap) {
		size_t cap = t->cap ? t->cap * 2 : 32;
		col *cols = realloc(t->cols, cap * sizeof(*cols));

		if (cols == NULL)
			goto nomem;
		t->cols = cols;
		t->cap = cap;
	}
	c = &t->cols[t->n];
	memset(c, 0, sizeof(*c));
	c->kind = kind;
	c->hint = hint;
	c->key = strdup(key);
	c->value = value != NULL ? strdup(value) : NULL;
	c->header = h.data;
	h.data = NULL;
	t->n++;
	if (c->key == NULL || (value != NULL && c->value == NULL) ||
	    json_object_set_new(t->names, c->header, json_true()) != 0)
		goto nomem;
	return 0;
nomem:
	fs_buf_free(&h);
	return oom(err);
}

static void table_free(table *t)
{
	size_t i;

	for (i = 0; i < t->n; i++) {
		free(t->cols[i].key);
		free(t->cols[i].value);
		free(t->cols[i].header);
	}
	free(t->cols);
	json_decref(t->names);
	json_decref(t->docs);
	free(t->qid);
	memset(t, 0, sizeof(*t));
}

static int table_init(table *t, fs_err *err)
{
	memset(t, 0, sizeof(*t));
	t->names = json_object();
	t->docs = json_array();
	return t->names == NULL || t->docs == NULL ? oom(err) : 0;
}

/* Statistics of what the exported records hold, per field or answer key:
 * {"l": true when a list was seen, "s": when anything else was, "v":
 * {value: true} every list element's text}. */
static int stats_add(json_t *stats, const char *key, const json_t *v, sink *k)
{
	json_t *st = json_object_get(stats, key), *vals;
	size_t i;
	int rc = 0;

	if (v == NULL || json_is_null(v))
		return 0;
	if (st == NULL) {
		st = json_object();
		if (st == NULL || json_object_set_new(stats, key, st) != 0)
			return FS_ENOMEM;
	}
	if (!json_is_array(v))
		return json_object_set_new(st, "s", json_true()) != 0 ? FS_ENOMEM : 0;
	if (json_object_set_new(st, "l", json_true()) != 0)
		return FS_ENOMEM;
	vals = json_object_get(st, "v");
	if (vals == NULL) {
		vals = json_object();
		if (vals == NULL || json_object_set_new(st, "v", vals) != 0)
			return FS_ENOMEM;
	}
	for (i = 0; i < json_array_size(v) && rc == 0; i++) {
		const char *text = text_of(k, json_array_get(v, i), &rc);

		if (rc == 0 && json_object_get(vals, text) == NULL) {
			if (json_object_size(vals) >= HUB_EXPORT_OPTIONS_MAX)
				return fs_err_set(k->err, FS_ETOOBIG,
				                  "%s holds more than %d distinct values, one column "
				                  "each: export it with its lists as JSON (--multi "
				                  "json)",
				                  key, HUB_EXPORT_OPTIONS_MAX);
			rc = json_object_set_new(vals, text, json_true()) != 0 ? FS_ENOMEM : 0;
		}
	}
	return rc;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* The keys of obj, sorted (NULL-terminated; free the array only). */
static const char **sorted_keys(const json_t *obj)
{
	const char **keys = calloc(json_object_size(obj) + 1, sizeof(*keys));
	const char *key;
	json_t *v;
	size_t n = 0;

	if (keys == NULL)
		return NULL;
	json_object_foreach ((json_t *)obj, key, v) {
		(void)v;
		keys[n++] = key;
	}
	qsort(keys, n, sizeof(*keys), cmp_str);
	return keys;
}

/* The columns of a list field key: one per option the documents give
 * (options, may be NULL) and per value seen, or one cell of JSON. */
static int list_columns(table *t, const hub_export_opts *o, int kind, const char *key,
                        const json_t *options, const json_t *st, fs_err *err)
{
	const json_t *seen = json_object_get(st, "v"), *opt;
	const char **vals;
	size_t i, n0 = t->n;
	int rc = 0;

	if (o->multi_json || json_object_get(st, "s") != NULL)
		rc = col_add(t, kind, H_PLAIN, key, NULL, err);
	if (o->multi_json || rc != 0)
		return rc;
	json_array_foreach ((json_t *)options, i, opt) {
		const char *v = json_string_value(json_object_get(opt, "value"));

		if (rc == 0 && v != NULL)
			rc = col_add(t, C_OPTION, H_PLAIN, key, v, err);
	}
	if (rc != 0 || seen == NULL)
		goto done;
	if ((vals = sorted_keys(seen)) == NULL)
		return oom(err);
	for (i = 0; vals[i] != NULL && rc == 0; i++)
		rc = col_add(t, C_OPTION, H_PLAIN, key, vals[i], err);
	free(vals);
done:
	/* Nothing to spread (no options, no value): still a column. */
	if (rc == 0 && t->n == n0)
		rc = col_add(t, kind, H_PLAIN, key, NULL, err);
	return rc;
}

/* The options of question qid in every document of t, newest first
 * (a new array of option objects, borrowed from the documents). */
static json_t *all_options(const table *t, const char *qid)
{
	json_t *all = json_array(), *doc, *q, *opt;
	size_t i, j, k;

	json_array_foreach (t->docs, i, doc)
		json_array_foreach (json_object_get(doc, "questions"), j, q) {
			if (strcmp(json_string_value(json_object_get(q, "id")), qid) != 0)
				continue;
			json_array_foreach (json_object_get(q, "options"), k, opt)
				json_array_append(all, opt);
		}
	return all;
}

static int hint_of(const char *type)
{
	if (type == NULL)
		return H_PLAIN;
	if (strcmp(type, "date") == 0)
		return H_DATE;
	if (strcmp(type, "single_choice") == 0)
		return H_CHOICE;
	return H_PLAIN;
}

/* The response columns of t from its documents and the statistics of the
 * responses it will hold. */
static int response_columns(table *t, const hub_export_opts *o, const json_t *stats,
                            fs_err *err)
{
	json_t *doc, *q, *done = json_object();
	const char **rest = NULL;
	size_t i, j;
	int rc = done == NULL ? oom(err) : 0;

	for (i = 0; rc == 0 && i < sizeof(response_fields) / sizeof(response_fields[0]); i++)
		rc = col_add(t, C_FIELD, response_fields[i].hint, response_fields[i].key, NULL, err);
	json_array_foreach (t->docs, i, doc)
		json_array_foreach (json_object_get(doc, "questions"), j, q) {
			const char *type = json_string_value(json_object_get(q, "type"));
			const char *id = json_string_value(json_object_get(q, "id"));
			json_t *opts;

			if (rc != 0 || id == NULL || strcmp(type, "info") == 0 ||
			    json_object_get(done, id) != NULL)
				continue;
			if (json_object_set_new(done, id, json_true()) != 0) {
				rc = oom(err);
				continue;
			}
			if (strcmp(type, "multi_choice") != 0 &&
			    json_object_get(json_object_get(stats, id), "l") == NULL) {
				rc = col_add(t, C_ANSWER, hint_of(type), id, NULL, err);
				continue;
			}
			opts = all_options(t, id);
			rc = opts == NULL ? oom(err)
			                  : list_columns(t, o, C_ANSWER, id, opts,
			                                 json_object_get(stats, id), err);
			json_decref(opts);
		}
	if (rc == 0 && (rest = sorted_keys(stats)) == NULL)
		rc = oom(err);
	for (i = 0; rc == 0 && rest[i] != NULL; i++) {
		const json_t *st = json_object_get(stats, rest[i]);

		if (json_object_get(done, rest[i]) != NULL)
			continue;
		if (json_object_get(st, "l") != NULL)
			rc = list_columns(t, o, C_ANSWER, rest[i], NULL, st, err);
		else
			rc = col_add(t, C_ANSWER, H_PLAIN, rest[i], NULL, err);
	}
	free(rest);
	json_decref(done);
	if (rc == 0 && t->n > XLSX_COLS_MAX && o->format[0] == 'x')
		rc = fs_err_set(err, FS_ETOOBIG,
		                "%zu columns do not fit an XLSX sheet (at most %u): export as "
		                "CSV, or with --multi json",
		                t->n, XLSX_COLS_MAX);
	return rc;
}

/* ---- one cell ---- */

/* The label of option value of question qid, in the document of version
 * (or the newest that lists it), in o->language or the document's
 * default language. NULL: no label known. */
static const char *option_label(const table *t, const hub_export_opts *o, const char *qid,
                                const char *value, int64_t version)
{
	json_t *doc, *q, *opt;
	size_t pass, i, j, k;

	for (pass = 0; pass < 2; pass++)
		json_array_foreach (t->docs, i, doc) {
			if (pass == 0 && json_integer_value(json_object_get(doc, "version")) != version)
				continue;
			json_array_foreach (json_object_get(doc, "questions"), j, q) {
				if (strcmp(json_string_value(json_object_get(q, "id")), qid) != 0)
					continue;
				json_array_foreach (json_object_get(q, "options"), k, opt) {
					const json_t *label = json_object_get(opt, "label");
					const char *l = NULL;

					if (strcmp(json_string_value(json_object_get(opt, "value")),
					           value) != 0)
						continue;
					if (o->language != NULL)
						l = json_string_value(json_object_get(label, o->language));
					if (l == NULL)
						l = json_string_value(json_object_get(
						    label, json_string_value(json_array_get(
						               json_object_get(doc, "languages"), 0))));
					if (l != NULL)
						return l;
				}
			}
		}
	return NULL;
}

static int put_value(sink *k, table *t, size_t c, const json_t *v, int hint, int64_t version)
{
	const char *text, *label;
	int rc = 0;

	if (v == NULL || json_is_null(v))
		return put_empty(k, t, c);
	if (json_is_number(v)) {
		text = text_of(k, v, &rc);
		return rc != 0 ? rc : put_number(k, t, c, v, text);
	}
	if (json_is_boolean(v))
		return put_bool(k, t, c, json_is_true(v));
	if (json_is_string(v)) {
		text = json_string_value(v);
		if (hint == H_TIME)
			return put_time(k, t, c, text);
		if (hint == H_DATE)
			return put_date(k, t, c, text);
		if (hint == H_CHOICE && k->o->labels &&
		    (label = option_label(t, k->o, t->cols[c].key, text, version)) != NULL)
			return put_text(k, t, c, label);
		return put_text(k, t, c, text);
	}
	text = text_of(k, v, &rc); /* a list or an object: its JSON */
	return rc != 0 ? rc : put_text(k, t, c, text);
}

/* 1 when the list v holds the element whose text is value. */
static int list_has(sink *k, const json_t *v, const char *value, int *rc)
{
	size_t i;

	for (i = 0; i < json_array_size(v); i++)
		if (strcmp(text_of(k, json_array_get(v, i), rc), value) == 0 && *rc == 0)
			return 1;
	return 0;
}

/* One record: fields from rec, answers (C_ANSWER, C_OPTION) from answers. */
static int put_row(sink *k, table *t, const json_t *rec, const json_t *answers)
{
	int64_t version = json_integer_value(json_object_get(rec, "version"));
	size_t c;
	int rc = 0;

	for (c = 0; c < t->n && rc == 0; c++) {
		const col *cl = &t->cols[c];
		const json_t *v =
		    json_object_get(cl->kind == C_FIELD ? rec : answers, cl->key);

		if (cl->kind != C_OPTION) {
			rc = put_value(k, t, c, v, cl->hint, version);
			continue;
		}
		if (!json_is_array(v)) {
			rc = put_empty(k, t, c);
			continue;
		}
		{
			int has = list_has(k, v, cl->value, &rc);

			if (rc == 0)
				rc = put_int(k, t, c, has);
		}
	}
	if (rc == FS_ENOMEM)
		return oom(k->err);
	return rc != 0 ? rc : end_row(k, t);
}

static int put_header(sink *k, table *t)
{
	size_t c;
	int rc = 0;

	for (c = 0; c < t->n && rc == 0; c++) {
		const col *cl = &t->cols[c];
		char *h = NULL;

		/* A time column names its zone when it is not as stored. */
		if (cl->hint == H_TIME && (k->wb != NULL || k->o->tz != NULL)) {
			const char *zone = k->o->tz != NULL ? hub_tz_name(k->o->tz) : "UTC";

			h = malloc(strlen(cl->header) + strlen(zone) + 4);
			if (h == NULL)
				return oom(k->err);
			sprintf(h, "%s (%s)", cl->header, zone);
		}
		if (k->wb == NULL) {
			hub_csv_field(k->out, h != NULL ? h : cl->header, c == 0);
		} else {
			lxw_error e = worksheet_write_string(t->ws, 0, (lxw_col_t)c,
			                                     h != NULL ? h : cl->header, k->f_head);

			if (e != LXW_NO_ERROR)
				rc = xlsx_fail(k, e, t, c);
		}
		free(h);
	}
	if (rc == 0)
		rc = end_row(k, t);
	if (rc == 0 && k->wb != NULL)
		worksheet_freeze_panes(t->ws, 1, 0);
	return rc;
}

/* ---- which records ---- */

/* The visible() limit needs each response's region: its device's. */
typedef struct regions {
	json_t *by_site; /* site -> region; NULL without a limit */
} regions;

static int regions_load(regions *r, fs_store *s, const hub_export_opts *o, fs_err *err)
{
	json_t *list = NULL, *d;
	size_t i;
	int rc;

	r->by_site = NULL;
	if (o->visible == NULL)
		return 0;
	rc = hub_device_list(s, &list, err);
	if (rc != 0)
		return rc;
	r->by_site = json_object();
	if (r->by_site == NULL)
		rc = oom(err);
	json_array_foreach (list, i, d)
		if (rc == 0 && json_object_set(r->by_site,
		                               json_string_value(json_object_get(d, "site")),
		                               json_object_get(d, "region")) != 0)
			rc = oom(err);
	json_decref(list);
	return rc;
}

/* 1 when the record of region may be exported; a response (site given)
 * is of its site's region, o->region already applied by the store. */
static int region_ok(const regions *r, const hub_export_opts *o, const char *region,
                     const char *site)
{
	if (site != NULL) {
		if (o->visible == NULL)
			return 1;
		region = json_string_value(json_object_get(r->by_site, site));
	} else if (o->region != NULL && (region == NULL || strcmp(region, o->region) != 0)) {
		return 0;
	}
	if (o->visible == NULL)
		return 1;
	return region != NULL && o->visible(o->visible_ctx, region);
}

/* ---- responses ---- */

typedef struct resp_ctx {
	sink *k;
	const regions *reg;
	json_t *stats;  /* pass 1: table key -> {answer key -> stats} */
	json_t *tables; /* pass 2: table key -> index in tab */
	table *tab;
	long rows;
	int xlsx;
} resp_ctx;

/* The table of a response: "" for CSV, "QID\tVERSION" for XLSX sheets. */
static const char *table_key(char *buf, size_t size, int xlsx, const char *qid,
                             int64_t version)
{
	if (!xlsx)
		return "";
	snprintf(buf, size, "%s\t%lld", qid, (long long)version);
	return buf;
}

static int resp_visible(resp_ctx *x, const json_t *r)
{
	return region_ok(x->reg, x->k->o, NULL, json_string_value(json_object_get(r, "site")));
}

static int resp_collect(void *ctx, const json_t *r)
{
	resp_ctx *x = ctx;
	char buf[128];
	const char *tk, *key;
	json_t *st, *v;
	int rc = 0;

	if (!resp_visible(x, r))
		return 0;
	x->rows++;
	if (x->stats == NULL)
		return 0;
	tk = table_key(buf, sizeof(buf), x->xlsx, json_string_value(json_object_get(r, "questionnaire")),
	               json_integer_value(json_object_get(r, "version")));
	st = json_object_get(x->stats, tk);
	if (st == NULL) {
		st = json_object();
		if (st == NULL || json_object_set_new(x->stats, tk, st) != 0)
			return FS_ENOMEM;
	}
	json_object_foreach ((json_t *)json_object_get(r, "answers"), key, v)
		if (rc == 0)
			rc = stats_add(st, key, v, x->k);
	return rc;
}

static int resp_write(void *ctx, const json_t *r)
{
	resp_ctx *x = ctx;
	char buf[128];
	const json_t *i;

	if (!resp_visible(x, r))
		return 0;
	x->rows++;
	if (x->tables == NULL)
		return 0;
	if (x->k->out == NULL) /* counting */
		return 0;
	if (x->k->o->format[0] == 'j')
		return jsonl_line(x->k, r);
	i = json_object_get(x->tables,
	                    table_key(buf, sizeof(buf), x->xlsx,
	                              json_string_value(json_object_get(r, "questionnaire")),
	                              json_integer_value(json_object_get(r, "version"))));
	if (i == NULL) /* a response merged between the passes */
		return 0;
	if (x->xlsx && x->tab[json_integer_value(i)].row >= XLSX_ROWS_MAX)
		return fs_err_set(x->k->err, FS_ETOOBIG,
		                  "more than %u responses to one version do not fit an XLSX "
		                  "sheet: export as CSV",
		                  XLSX_ROWS_MAX - 1);
	return put_row(x->k, &x->tab[json_integer_value(i)], r, json_object_get(r, "answers"));
}

/* The responses of o (pass 1): x->rows, and x->stats when wanted. */
static int resp_scan(resp_ctx *x, fs_store *s, fs_response_fn fn, fs_err *err)
{
	int rc = fs_response_each(s, x->k->o->questionnaire, x->k->o->region, fn, x, err);

	if (rc == FS_ENOMEM)
		return oom(err);
	return rc;
}

/* The published documents (filtered by qid when given), by id then version. */
static int published_docs(fs_store *s, const char *qid, json_t **out, fs_err *err)
{
	json_t *list = NULL, *item, *docs = json_array();
	size_t i;
	int rc = docs == NULL ? oom(err) : fs_questionnaire_list(s, &list, err);

	json_array_foreach (list, i, item) {
		const char *id = json_string_value(json_object_get(item, "id"));
		json_t *doc = NULL;

		if (rc != 0 || (qid != NULL && strcmp(id, qid) != 0))
			continue;
		rc = fs_questionnaire_get(s, &doc, id,
		                          json_integer_value(json_object_get(item, "version")), err);
		if (rc == 0 && json_array_append_new(docs, doc) != 0)
			rc = oom(err);
	}
	json_decref(list);
	if (rc != 0) {
		json_decref(docs);
		docs = NULL;
	}
	*out = docs;
	return rc;
}

/* An XLSX sheet's name: "QID vN", at most 31 characters, unique in the
 * workbook (names already used in the set names, case-folded as Excel
 * compares them), none of []:*?/\ (a questionnaire id has none). */
static int sheet_name(char out[SHEET_NAME_MAX + 1], json_t *names, const char *qid,
                      int64_t version)
{
	char suffix[40], lower[SHEET_NAME_MAX + 1];
	int n;
	size_t i;

	for (n = 0; n < 1000; n++) {
		size_t room;

		if (n == 0)
			snprintf(suffix, sizeof(suffix), " v%lld", (long long)version);
		else
			snprintf(suffix, sizeof(suffix), " v%lld~%d", (long long)version, n);
		/* The suffix is at most 26 characters (" v" 19 digits "~999"). */
		room = SHEET_NAME_MAX - strlen(suffix);
		if (room > strlen(qid))
			room = strlen(qid);
		memcpy(out, qid, room);
		memcpy(out + room, suffix, strlen(suffix) + 1);
		for (i = 0; out[i] != '\0'; i++) {
			lower[i] = (char)(out[i] >= 'A' && out[i] <= 'Z' ? out[i] + 32 : out[i]);
			if (strchr("[]:*?/\\", out[i]) != NULL)
				out[i] = lower[i] = '_';
		}
		lower[i] = '\0';
		if (json_object_get(names, lower) == NULL)
			return json_object_set_new(names, lower, json_true()) != 0 ? FS_ENOMEM : 0;
	}
	return FS_EGENERIC;
}

typedef struct sheet_ref {
	const char *qid;
	int64_t version;
} sheet_ref;

/* Sheets by questionnaire id, then version. */
static int sheet_order(const void *a, const void *b)
{
	const table *x = a, *y = b;
	int c = strcmp(x->qid, y->qid);

	return c != 0 ? c : (x->version > y->version) - (x->version < y->version);
}

/* The Codebook sheet: a row per question and one per option of every
 * document the export holds. */
static int codebook(sink *k, table *tabs, size_t ntabs, fs_err *err)
{
	static const char *const heads[] = {"questionnaire", "version", "question", "type",
	                                    "text",          "value",   "label",    "column"};
	table cb;
	size_t i, j, m, c;
	int rc = table_init(&cb, err);

	if (rc != 0)
		return rc;
	cb.ws = workbook_add_worksheet(k->wb, "Codebook");
	for (c = 0; rc == 0 && c < 8; c++)
		rc = col_add(&cb, C_FIELD, H_PLAIN, heads[c], NULL, err);
	if (rc == 0 && cb.ws == NULL)
		rc = fs_err_set(err, FS_EGENERIC, "XLSX: cannot add the Codebook sheet");
	if (rc == 0)
		rc = put_header(k, &cb);
	for (i = 0; rc == 0 && i < ntabs; i++) {
		const json_t *doc = json_array_get(tabs[i].docs, 0), *q;
		const char *lang = json_string_value(json_array_get(json_object_get(doc, "languages"), 0));

		json_array_foreach (json_object_get(doc, "questions"), j, q) {
			const char *id = json_string_value(json_object_get(q, "id"));
			const char *type = json_string_value(json_object_get(q, "type"));
			const json_t *label = json_object_get(q, "label"), *opt, *text;
			int multi = strcmp(type, "multi_choice") == 0;

			if (rc != 0)
				break;
			text = k->o->language != NULL ? json_object_get(label, k->o->language) : NULL;
			if (text == NULL)
				text = json_object_get(label, lang);
			rc = put_text(k, &cb, 0, tabs[i].qid);
			if (rc == 0)
				rc = put_number(k, &cb, 1, json_object_get(doc, "version"), "");
			if (rc == 0)
				rc = put_text(k, &cb, 2, id);
			if (rc == 0)
				rc = put_text(k, &cb, 3, type);
			if (rc == 0 && json_is_string(text))
				rc = put_text(k, &cb, 4, json_string_value(text));
			if (rc == 0 && strcmp(type, "info") != 0 && (!multi || k->o->multi_json))
				rc = put_text(k, &cb, 7, id);
			if (rc == 0)
				rc = end_row(k, &cb);
			json_array_foreach (json_object_get(q, "options"), m, opt) {
				const char *v = json_string_value(json_object_get(opt, "value"));
				const json_t *ol = json_object_get(opt, "label"), *lt = NULL;

				if (rc != 0)
					break;
				if (k->o->language != NULL)
					lt = json_object_get(ol, k->o->language);
				if (lt == NULL)
					lt = json_object_get(ol, lang);
				rc = put_text(k, &cb, 0, tabs[i].qid);
				if (rc == 0)
					rc = put_number(k, &cb, 1, json_object_get(doc, "version"), "");
				if (rc == 0)
					rc = put_text(k, &cb, 2, id);
				if (rc == 0)
					rc = put_text(k, &cb, 5, v);
				if (rc == 0 && json_is_string(lt))
					rc = put_text(k, &cb, 6, json_string_value(lt));
				if (rc == 0 && multi && !k->o->multi_json) {
					char *h = malloc(strlen(id) + strlen(v) + 3);

					if (h == NULL) {
						rc = oom(err);
						break;
					}
					sprintf(h, "%s__%s", id, v);
					rc = put_text(k, &cb, 7, h);
					free(h);
				}
				if (rc == 0)
					rc = end_row(k, &cb);
			}
		}
	}
	table_free(&cb);
	return rc;
}

static int export_responses(sink *k, fs_store *s, const regions *reg, long *rows, fs_err *err)
{
	const hub_export_opts *o = k->o;
	resp_ctx x;
	json_t *docs = NULL, *doc, *seen, *names = NULL;
	sheet_ref *refs = NULL;
	size_t nrefs = 0, i;
	const char *tk;
	json_t *st;
	int rc;

	memset(&x, 0, sizeof(x));
	x.k = k;
	x.reg = reg;
	x.xlsx = o->format[0] == 'x';
	if (o->format[0] == 'j') {
		x.tables = json_object(); /* non-NULL: write */
		rc = x.tables == NULL ? oom(err) : resp_scan(&x, s, resp_write, err);
		json_decref(x.tables);
		*rows = x.rows;
		return rc;
	}
	x.stats = json_object();
	x.tables = json_object();
	names = json_object();
	if (x.stats == NULL || x.tables == NULL || names == NULL) {
		rc = oom(err);
		goto cleanup;
	}
	rc = resp_scan(&x, s, resp_collect, err);
	if (rc == 0)
		rc = published_docs(s, o->questionnaire, &docs, err);
	if (rc != 0)
		goto cleanup;
	if (o->questionnaire != NULL && x.rows == 0 && json_array_size(docs) == 0) {
		rc = fs_err_set(err, FS_ENOTFOUND,
		                "questionnaire %s is not published here and has no responses%s",
		                o->questionnaire, o->region != NULL || o->visible ? " to export" : "");
		goto cleanup;
	}
	/* The tables: for CSV one, for XLSX one per version published or
	 * answered, by questionnaire id then version. */
	seen = json_object();
	if (seen == NULL) {
		rc = oom(err);
		goto cleanup;
	}
	refs = calloc(json_array_size(docs) + json_object_size(x.stats) + 1, sizeof(*refs));
	if (refs == NULL)
		rc = oom(err);
	json_array_foreach (docs, i, doc) {
		char buf[128];

		if (rc != 0 || !x.xlsx)
			break;
		refs[nrefs].qid = json_string_value(json_object_get(doc, "id"));
		refs[nrefs].version = json_integer_value(json_object_get(doc, "version"));
		tk = table_key(buf, sizeof(buf), 1, refs[nrefs].qid, refs[nrefs].version);
		if (json_object_set_new(seen, tk, json_true()) != 0)
			rc = oom(err);
		nrefs++;
	}
	json_object_foreach (x.stats, tk, st) {
		const char *tab = strchr(tk, '\t');

		(void)st;
		if (rc != 0 || !x.xlsx || json_object_get(seen, tk) != NULL)
			continue;
		refs[nrefs].qid = tk; /* "QID\tVERSION": compared up to the tab below */
		refs[nrefs].version = tab != NULL ? strtoll(tab + 1, NULL, 10) : 0;
		nrefs++;
	}
	json_decref(seen);
	if (!x.xlsx)
		nrefs = 1;
	if (rc == 0 && (x.tab = calloc(nrefs + 1, sizeof(*x.tab))) == NULL)
		rc = oom(err);
	for (i = 0; rc == 0 && i < nrefs; i++) {
		table *t = &x.tab[i];
		const char *tab;

		if ((rc = table_init(t, err)) != 0)
			break;
		if (!x.xlsx) {
			/* Newest version first. */
			size_t d = json_array_size(docs);

			while (rc == 0 && d-- > 0)
				if (json_array_append(t->docs, json_array_get(docs, d)) != 0)
					rc = oom(err);
			t->qid = strdup(o->questionnaire);
			continue;
		}
		tab = strchr(refs[i].qid, '\t');
		t->qid = tab != NULL ? strndup(refs[i].qid, (size_t)(tab - refs[i].qid))
		                     : strdup(refs[i].qid);
		t->version = refs[i].version;
	}
	if (rc == 0 && x.xlsx) {
		/* Documents to their sheets, then the sheets in order. */
		for (i = 0; i < nrefs; i++) {
			size_t d;

			json_array_foreach (docs, d, doc)
				if (strcmp(json_string_value(json_object_get(doc, "id")), x.tab[i].qid) ==
				        0 &&
				    json_integer_value(json_object_get(doc, "version")) == x.tab[i].version &&
				    json_array_append(x.tab[i].docs, doc) != 0)
					rc = oom(err);
		}
		qsort(x.tab, nrefs, sizeof(*x.tab), sheet_order);
	}
	for (i = 0; rc == 0 && i < nrefs; i++) {
		table *t = &x.tab[i];
		char buf[128], name[SHEET_NAME_MAX + 1];

		tk = table_key(buf, sizeof(buf), x.xlsx, t->qid, t->version);
		st = json_object_get(x.stats, tk); /* NULL: no responses */
		rc = response_columns(t, o, st, err);
		if (rc == 0 && json_object_set_new(x.tables, tk, json_integer((json_int_t)i)) != 0)
			rc = oom(err);
		if (rc != 0 || !x.xlsx)
			continue;
		if (sheet_name(name, names, t->qid, t->version) != 0 ||
		    (t->ws = workbook_add_worksheet(k->wb, name)) == NULL)
			rc = fs_err_set(err, FS_EGENERIC, "XLSX: cannot add the sheet of %s version %lld",
			                t->qid, (long long)t->version);
	}
	for (i = 0; rc == 0 && i < nrefs; i++)
		rc = put_header(k, &x.tab[i]);
	if (rc == 0 && x.xlsx) {
		/* The Codebook: the versions that have a document. */
		table *with = calloc(nrefs + 1, sizeof(*with));
		size_t n = 0;

		if (with == NULL)
			rc = oom(err);
		for (i = 0; rc == 0 && i < nrefs; i++)
			if (json_array_size(x.tab[i].docs) > 0)
				with[n++] = x.tab[i]; /* borrowed: not freed here */
		if (rc == 0)
			rc = codebook(k, with, n, err);
		free(with);
	}
	x.rows = 0;
	if (rc == 0)
		rc = resp_scan(&x, s, resp_write, err);
	*rows = x.rows;
cleanup:
	for (i = 0; x.tab != NULL && i < nrefs; i++)
		table_free(&x.tab[i]);
	free(x.tab);
	free(refs);
	json_decref(docs);
	json_decref(names);
	json_decref(x.stats);
	json_decref(x.tables);
	return rc;
}

/* ---- contacts and conflicts ---- */

static int contact_hint(const char *field)
{
	if (strcmp(field, "contact_at") == 0)
		return H_TIME;
	if (strcmp(field, "follow_up_date") == 0)
		return H_DATE;
	return H_PLAIN;
}

static int export_contacts(sink *k, fs_store *s, const regions *reg, long *rows, fs_err *err)
{
	const hub_export_opts *o = k->o;
	json_t *list = NULL, *c, *stats = json_object();
	table t;
	size_t i, f;
	int rc = table_init(&t, err);

	*rows = 0;
	if (rc == 0 && stats == NULL)
		rc = oom(err);
	if (rc == 0)
		rc = fs_contact_list(s, &list, o->region, 0, err);
	if (rc == 0 && o->format[0] != 'j') {
		json_array_foreach (list, i, c) {
			if (rc != 0)
				break;
			if (!region_ok(reg, o, json_string_value(json_object_get(c, "region")), NULL))
				continue;
			for (f = 0; rc == 0 && fs_contact_fields[f] != NULL; f++)
				rc = stats_add(stats, fs_contact_fields[f],
				               json_object_get(c, fs_contact_fields[f]), k);
		}
		if (rc == FS_ENOMEM)
			rc = oom(err);
		if (rc == 0)
			rc = col_add(&t, C_FIELD, H_PLAIN, "id", NULL, err);
		if (rc == 0)
			rc = col_add(&t, C_FIELD, H_PLAIN, "region", NULL, err);
		for (f = 0; rc == 0 && fs_contact_fields[f] != NULL; f++) {
			const char *field = fs_contact_fields[f];
			const json_t *st = json_object_get(stats, field);

			if (strcmp(field, "deleted") == 0)
				continue;
			if (json_object_get(st, "l") != NULL || strcmp(field, "topics") == 0 ||
			    strcmp(field, "signposted") == 0)
				rc = list_columns(&t, o, C_ANSWER, field, NULL, st, err);
			else
				rc = col_add(&t, C_ANSWER, contact_hint(field), field, NULL, err);
		}
		if (rc == 0 && k->wb != NULL &&
		    (t.ws = workbook_add_worksheet(k->wb, "Contacts")) == NULL)
			rc = fs_err_set(err, FS_EGENERIC, "XLSX: cannot add the Contacts sheet");
		if (rc == 0)
			rc = put_header(k, &t);
	}
	json_array_foreach (list, i, c) {
		if (rc != 0)
			break;
		if (!region_ok(reg, o, json_string_value(json_object_get(c, "region")), NULL))
			continue;
		++*rows;
		if (k->out == NULL) /* counting */
			continue;
		if (o->format[0] == 'j') {
			rc = jsonl_line(k, c);
			continue;
		}
		if (k->wb != NULL && t.row >= XLSX_ROWS_MAX)
			rc = fs_err_set(err, FS_ETOOBIG, "contacts do not fit an XLSX sheet: export as CSV");
		else
			rc = put_row(k, &t, c, c);
	}
	json_decref(list);
	json_decref(stats);
	table_free(&t);
	return rc;
}

static const json_t *conflict_cell(const json_t *c, const char *column)
{
	static const struct {
		const char *column, *side, *key;
	} sides[] = {
	    {"winner_value", "winner", "value"}, {"winner_hlc", "winner", "hlc"},
	    {"winner_site", "winner", "site"},   {"loser_value", "loser", "value"},
	    {"loser_hlc", "loser", "hlc"},       {"loser_site", "loser", "site"},
	};
	size_t i;

	for (i = 0; i < sizeof(sides) / sizeof(sides[0]); i++)
		if (strcmp(column, sides[i].column) == 0)
			return json_object_get(json_object_get(c, sides[i].side), sides[i].key);
	return json_object_get(c, column);
}

static int export_conflicts(sink *k, fs_store *s, const regions *reg, long *rows, fs_err *err)
{
	const hub_export_opts *o = k->o;
	json_t *list = NULL, *c;
	table t;
	size_t i, n;
	int rc = table_init(&t, err);

	*rows = 0;
	if (rc == 0)
		rc = fs_conflict_list(s, &list, LONG_MAX, err);
	for (n = 0; rc == 0 && conflict_columns[n] != NULL; n++)
		rc = col_add(&t, C_FIELD, H_PLAIN, conflict_columns[n], NULL, err);
	if (rc == 0 && k->wb != NULL && (t.ws = workbook_add_worksheet(k->wb, "Conflicts")) == NULL)
		rc = fs_err_set(err, FS_EGENERIC, "XLSX: cannot add the Conflicts sheet");
	if (rc == 0 && o->format[0] != 'j')
		rc = put_header(k, &t);
	json_array_foreach (list, i, c) {
		if (rc != 0)
			break;
		if (!region_ok(reg, o, json_string_value(json_object_get(c, "region")), NULL))
			continue;
		++*rows;
		if (k->out == NULL) /* counting */
			continue;
		if (o->format[0] == 'j') {
			rc = jsonl_line(k, c);
			continue;
		}
		for (n = 0; rc == 0 && n < t.n; n++)
			rc = put_value(k, &t, n, conflict_cell(c, t.cols[n].key), H_PLAIN, 0);
		if (rc == FS_ENOMEM)
			rc = oom(err);
		if (rc == 0)
			rc = end_row(k, &t);
	}
	json_decref(list);
	table_free(&t);
	return rc;
}

/* ---- the export ---- */

int hub_export_check(const hub_export_opts *o, fs_err *err)
{
	int jsonl;

	if (strcmp(o->what, "responses") != 0 && strcmp(o->what, "contacts") != 0 &&
	    strcmp(o->what, "conflicts") != 0)
		return fs_err_set(err, FS_EINVAL,
		                  "cannot export \"%s\": use responses, contacts or conflicts",
		                  o->what);
	if (strcmp(o->format, "csv") != 0 && strcmp(o->format, "jsonl") != 0 &&
	    strcmp(o->format, "xlsx") != 0)
		return fs_err_set(err, FS_EINVAL, "format must be csv, jsonl or xlsx");
	jsonl = strcmp(o->format, "jsonl") == 0;
	if (o->questionnaire != NULL && strcmp(o->what, "responses") != 0)
		return fs_err_set(err, FS_EINVAL, "a questionnaire applies to responses only");
	if (o->questionnaire != NULL && !fs_name_is_valid(o->questionnaire))
		return fs_err_set(err, FS_EINVAL,
		                  "questionnaire id must match [a-z0-9][a-z0-9-]{0,63}");
	if (o->region != NULL && !fs_name_is_valid(o->region))
		return fs_err_set(err, FS_EINVAL, "region must match [a-z0-9][a-z0-9-]{0,63}");
	if (strcmp(o->what, "responses") == 0 && strcmp(o->format, "csv") == 0 &&
	    o->questionnaire == NULL)
		return fs_err_set(err, FS_EINVAL,
		                  "responses as CSV need a questionnaire (its questions are the "
		                  "columns); XLSX and JSON Lines take every questionnaire");
	if (o->language != NULL &&
	    (strlen(o->language) == 0 || strlen(o->language) > 35 ||
	     strspn(o->language, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-") !=
	         strlen(o->language)))
		return fs_err_set(err, FS_EINVAL,
		                  "language must be a language tag such as en, cy or pa-Guru");
	if (o->language != NULL && !o->labels)
		return fs_err_set(err, FS_EINVAL, "a language is for labels: add labels");
	if (o->bom && strcmp(o->format, "csv") != 0)
		return fs_err_set(err, FS_EINVAL, "a byte-order mark is for CSV only");
	if (jsonl && (o->labels || o->multi_json || o->tz != NULL))
		return fs_err_set(err, FS_EINVAL,
		                  "JSON Lines is written as stored: labels, lists and time zones "
		                  "are for CSV and XLSX");
	if (o->labels && strcmp(o->what, "responses") != 0)
		return fs_err_set(err, FS_EINVAL, "labels apply to responses only");
	return 0;
}

static int run(fs_store *s, const hub_export_opts *o, sink *k, long *rows, fs_err *err)
{
	regions reg = {NULL};
	int rc = regions_load(&reg, s, o, err);

	if (rc != 0)
		return rc;
	if (strcmp(o->what, "responses") == 0)
		rc = export_responses(k, s, &reg, rows, err);
	else if (strcmp(o->what, "contacts") == 0)
		rc = export_contacts(k, s, &reg, rows, err);
	else
		rc = export_conflicts(k, s, &reg, rows, err);
	json_decref(reg.by_site);
	return rc;
}

int hub_export_count(fs_store *s, const hub_export_opts *o, long *rows, fs_err *err)
{
	hub_export_opts count = *o;
	sink k;
	int rc;

	*rows = 0;
	rc = hub_export_check(o, err);
	if (rc != 0)
		return rc;
	/* The records of a JSON Lines export, written nowhere (out NULL). */
	count.format = "jsonl";
	count.labels = count.multi_json = count.bom = 0;
	count.tz = NULL;
	memset(&k, 0, sizeof(k));
	k.o = &count;
	k.err = err;
	fs_buf_init(&k.cell, CELL_MAX);
	rc = run(s, &count, &k, rows, err);
	fs_buf_free(&k.cell);
	return rc;
}

/* Remove dir and whatever libxlsxwriter left in it. */
static void remove_dir(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *de;
	char path[PATH_MAX];

	while (d != NULL && (de = readdir(d)) != NULL) {
		if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
			continue;
		if ((size_t)snprintf(path, sizeof(path), "%s/%s", dir, de->d_name) < sizeof(path))
			unlink(path);
	}
	if (d != NULL)
		closedir(d);
	rmdir(dir);
}

static int copy_file(const char *path, FILE *out, fs_err *err)
{
	char buf[65536];
	size_t n;
	FILE *in = fopen(path, "rb");
	int rc = 0;

	if (in == NULL)
		return fs_err_set(err, FS_EGENERIC, "XLSX: cannot read the workbook: %s",
		                  strerror(errno));
	while ((n = fread(buf, 1, sizeof(buf), in)) > 0)
		if (fwrite(buf, 1, n, out) != n) {
			rc = fs_err_set(err, FS_EGENERIC, "cannot write the output: %s", strerror(errno));
			break;
		}
	if (rc == 0 && ferror(in))
		rc = fs_err_set(err, FS_EGENERIC, "XLSX: cannot read the workbook");
	fclose(in);
	return rc;
}

/* libxlsxwriter calls gmtime() (a static buffer) while it writes a
 * workbook: the console's worker threads build one workbook at a time. */
static pthread_mutex_t xlsx_lock = PTHREAD_MUTEX_INITIALIZER;

static int write_xlsx(fs_store *s, const hub_export_opts *o, sink *k, FILE *out, long *rows,
                      fs_err *err)
{
	const char *tmp = getenv("TMPDIR");
	char dir[PATH_MAX], path[PATH_MAX + 16];
	lxw_workbook_options wo;
	lxw_error e;
	int rc;

	if (tmp == NULL || tmp[0] != '/' || strlen(tmp) > PATH_MAX - 64)
		tmp = "/tmp";
	snprintf(dir, sizeof(dir), "%s/fieldsync-export.XXXXXX", tmp);
	/* mkdtemp makes it 0700: the workbook and libxlsxwriter's own
	 * temporary files (the sheets' rows) are nobody else's to read. */
	if (mkdtemp(dir) == NULL)
		return fs_err_set(err, FS_EGENERIC, "XLSX: cannot make a temporary directory in %s: %s",
		                  tmp, strerror(errno));
	snprintf(path, sizeof(path), "%s/export.xlsx", dir);
	memset(&wo, 0, sizeof(wo));
	wo.constant_memory = LXW_TRUE; /* rows go to disk as written, in order */
	wo.tmpdir = dir;
	k->wb = workbook_new_opt(path, &wo);
	if (k->wb == NULL) {
		remove_dir(dir);
		return fs_err_set(err, FS_EGENERIC, "XLSX: cannot start the workbook");
	}
	k->f_head = workbook_add_format(k->wb);
	k->f_time = workbook_add_format(k->wb);
	k->f_date = workbook_add_format(k->wb);
	format_set_bold(k->f_head);
	format_set_num_format(k->f_time, "yyyy-mm-dd hh:mm:ss");
	format_set_num_format(k->f_date, "yyyy-mm-dd");
	rc = run(s, o, k, rows, err);
	/* Closed on every path: it frees the workbook (and writes the file,
	 * which a failure then removes). */
	e = workbook_close(k->wb);
	k->wb = NULL;
	if (rc == 0 && e != LXW_NO_ERROR)
		rc = fs_err_set(err, FS_EGENERIC, "XLSX: %s", lxw_strerror(e));
	if (rc == 0)
		rc = copy_file(path, out, err);
	unlink(path);
	remove_dir(dir);
	return rc;
}

int hub_export_write(fs_store *s, const hub_export_opts *o, FILE *out, long *rows, fs_err *err)
{
	sink k;
	int rc;

	*rows = 0;
	rc = hub_export_check(o, err);
	if (rc != 0)
		return rc;
	memset(&k, 0, sizeof(k));
	k.o = o;
	k.out = out;
	k.err = err;
	fs_buf_init(&k.cell, CELL_MAX);
	if (strcmp(o->format, "xlsx") == 0) {
		pthread_mutex_lock(&xlsx_lock);
		rc = write_xlsx(s, o, &k, out, rows, err);
		pthread_mutex_unlock(&xlsx_lock);
	} else {
		if (o->bom)
			fputs("\xef\xbb\xbf", out);
		rc = run(s, o, &k, rows, err);
	}
	fs_buf_free(&k.cell);
	if (rc == FS_ENOMEM)
		fs_err_set(err, rc, "out of memory");
	return rc;
}

json_t *hub_export_audit_detail(const hub_export_opts *o, long rows)
{
	/* The options only when given: a plain export's entry is as before. */
	json_t *d = json_pack("{s:s, s:s, s:s*, s:s*, s:I}", "table", o->what, "format", o->format,
	                      "questionnaire", o->questionnaire, "region", o->region, "rows",
	                      (json_int_t)rows);
	int rc = d == NULL;

	if (rc == 0 && o->bom)
		rc = json_object_set_new(d, "bom", json_true());
	if (rc == 0 && o->labels)
		rc = json_object_set_new(d, "labels", json_true());
	if (rc == 0 && o->language != NULL)
		rc = json_object_set_new(d, "language", json_string(o->language));
	if (rc == 0 && o->multi_json)
		rc = json_object_set_new(d, "lists", json_string("json"));
	if (rc == 0 && o->tz != NULL)
		rc = json_object_set_new(d, "tz", json_string(hub_tz_name(o->tz)));
	if (rc != 0) {
		json_decref(d);
		return NULL;
	}
	return d;
}

/* ---- the command ---- */

static const char usage[] =
    "usage: fieldsync-hub export [--data DIR | --db URI] responses|contacts|conflicts\n"
    "                            [--questionnaire ID] [--region NAME]\n"
    "                            [--format csv|xlsx|jsonl] [--output FILE] [--bom]\n"
    "                            [--labels [--language TAG]] [--multi columns|json]\n"
    "                            [--tz ZONE]\n"
    "\n"
    "Write every merged record of that kind to stdout, or to a new FILE. Either\n"
    "is readable by its owner only (0600): a file standard output is redirected\n"
    "to is made so before anything is written. Each export is logged in the\n"
    "audit trail first (its filters, options and rows, not FILE's name).\n"
    "  responses   columns id, site, questionnaire, version, language, mode,\n"
    "              worker, started_at, submitted_at, then one per question (a\n"
    "              multi_choice question one per option: QID__VALUE, 1 chosen, 0\n"
    "              not, empty unanswered). CSV needs --questionnaire. --region\n"
    "              keeps responses of that region's kiosks.\n"
    "  contacts    columns id, region, then the contact fields (deleted ones left\n"
    "              out); topics and signposted one column per value (topics__VALUE)\n"
    "  conflicts   recorded concurrent overwrites, newest first\n"
    "\n"
    "  --data DIR            data directory (default: $FIELDSYNC_DATA)\n"
    "  --db URI              PostgreSQL store, postgresql://USER@HOST/DB (default:\n"
    "                        $FIELDSYNC_DB); the data directory is then not used\n"
    "  --questionnaire ID    only responses to this questionnaire\n"
    "  --region NAME         only records of this region\n"
    "  --format FORMAT       csv: RFC 4180 with a header (default); text cells are\n"
    "                        quoted, and one that starts with ' TAB CR LF, or with\n"
    "                        = + - @ (or their full-width forms) after any spaces,\n"
    "                        gets a ' before it so that no cell opens as a formula;\n"
    "                        numbers stay bare.\n"
    "                        xlsx: typed cells (numbers, dates, true/false, text that\n"
    "                        is never a formula), one sheet per questionnaire version\n"
    "                        (every questionnaire without --questionnaire) and a\n"
    "                        Codebook sheet; needs --output or a standard output\n"
    "                        that is not a terminal.\n"
    "                        jsonl: JSON Lines, written as stored (docs/hub.md).\n"
    "  --output FILE         write to FILE, created 0600; an existing FILE is\n"
    "                        refused, and a failed export leaves none\n"
    "  --bom                 CSV: start with a UTF-8 byte-order mark (for Excel)\n"
    "  --labels              single_choice answers as their option labels, not values\n"
    "  --language TAG        the labels' language (default: each questionnaire's\n"
    "                        default; a label missing in TAG falls back to it)\n"
    "  --multi columns|json  lists (multi_choice, topics, signposted): one 0/1\n"
    "                        column per option (default), or one cell holding the\n"
    "                        list as JSON, e.g. [\"food;fuel\",\"debt\"]\n"
    "  --tz ZONE             times (started_at, submitted_at, contact_at) in ZONE,\n"
    "                        e.g. Europe/London, the header saying so: CSV\n"
    "                        \"YYYY-MM-DD HH:MM:SS\" (without --tz: as stored, UTC\n"
    "                        \"...Z\"); XLSX date-times (default UTC)\n"
    "  -h, --help            show this help\n";

/* The export's audit entry, made before anything is written. */
static int audit_export(fs_store *s, const hub_export_opts *o, int to_file, long rows,
                        fs_err *err)
{
	char actor[HUB_AUDIT_ACTOR_MAX + 1];
	json_t *d = hub_export_audit_detail(o, rows);
	int rc;

	if (d == NULL || json_object_set_new(d, "output", json_string(to_file ? "file" : "stdout")) != 0) {
		json_decref(d);
		return fs_err_set(err, FS_ENOMEM, "out of memory");
	}
	hub_audit_actor_cli(actor, sizeof(actor));
	rc = hub_audit_add(s, actor, "export", d, err);
	json_decref(d);
	return rc;
}

/* --output FILE: a new file, 0600 whatever the umask; an existing one is
 * refused (nothing overwritten). */
static int open_output(FILE **out, const char *path, fs_err *err)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);

	*out = NULL;
	if (fd < 0)
		return fs_err_set(err, FS_EGENERIC, "cannot create %s: %s%s", path, strerror(errno),
		                  errno == EEXIST ? " (an export never overwrites a file)" : "");
	/* O_CREAT's mode is cut by the umask, never widened: state it. */
	if (fchmod(fd, 0600) != 0 || (*out = fdopen(fd, "w")) == NULL) {
		fs_err_set(err, FS_EGENERIC, "cannot write %s: %s", path, strerror(errno));
		close(fd);
		unlink(path);
		return FS_EGENERIC;
	}
	return 0;
}

/* Standard output redirected to a file (export ... > FILE): the shell made
 * it with the umask's mode, often 0644; it holds personal data, so it is
 * made 0600 before anything is written, or the export is refused. */
static int guard_stdout(fs_err *err)
{
	struct stat st;

	if (fstat(STDOUT_FILENO, &st) != 0 || !S_ISREG(st.st_mode) || (st.st_mode & 077) == 0)
		return 0;
	if (fchmod(STDOUT_FILENO, st.st_mode & 0600) != 0)
		return fs_err_set(err, FS_EFORBIDDEN,
		                  "standard output is a file others may read, and its mode cannot "
		                  "be made 0600 (%s): use --output FILE",
		                  strerror(errno));
	return 0;
}

int hub_cmd_export(int argc, char **argv)
{
	const char *data = NULL, *db = NULL, *output = NULL, *zone = NULL, *multi = NULL;
	const char *what = NULL;
	hub_export_opts o;
	hub_tz *tz = NULL;
	FILE *out = stdout;
	long rows = 0;
	hub_where where;
	fs_store *s = NULL;
	fs_err e = {0, ""};
	int rc, npos = 0;

	memset(&o, 0, sizeof(o));
	o.format = "csv";
	{
		/* --data and --db as plain options: the store is resolved once
		 * the rest is checked. */
		const hub_opt opts[] = {
		    {.name = "data", .value = &data},
		    {.name = "db", .value = &db},
		    {.name = "questionnaire", .value = &o.questionnaire},
		    {.name = "region", .value = &o.region},
		    {.name = "format", .value = &o.format},
		    {.name = "output", .value = &output},
		    {.name = "bom", .flag = &o.bom},
		    {.name = "labels", .flag = &o.labels},
		    {.name = "language", .value = &o.language},
		    {.name = "multi", .value = &multi},
		    {.name = "tz", .value = &zone},
		    {0},
		};

		rc = hub_args_parse(argc, argv, "export", usage, opts, NULL, &what, 1, &npos);
		if (rc != 0)
			return rc < 0 ? HUB_EXIT_OK : rc;
	}
	if (multi != NULL && strcmp(multi, "columns") != 0 && strcmp(multi, "json") != 0)
		return hub_usage_fail("export", "--multi must be columns or json");
	o.multi_json = multi != NULL && strcmp(multi, "json") == 0;
	if (what == NULL)
		return hub_usage_fail("export",
		                      "say what to export: responses, contacts or conflicts");
	o.what = what;
	if (zone != NULL && hub_tz_load(&tz, zone, &e) != 0)
		return hub_usage_fail("export", "--tz: %s", e.msg);
	o.tz = tz;
	if (hub_export_check(&o, &e) != 0) {
		hub_tz_free(tz);
		return hub_usage_fail("export", "%s", e.msg);
	}
	/* An XLSX is a zip archive: not for a terminal. */
	if (strcmp(o.format, "xlsx") == 0 && output == NULL && isatty(STDOUT_FILENO)) {
		hub_tz_free(tz);
		return hub_usage_fail("export",
		                      "an XLSX file cannot go to a terminal: use --output FILE or "
		                      "redirect standard output");
	}
	rc = hub_where_resolve(&where, "export", data, db);
	if (rc != 0) {
		hub_tz_free(tz);
		return rc;
	}
	if (output != NULL && open_output(&out, output, &e) != 0) {
		hub_tz_free(tz);
		return hub_fail("%s", e.msg);
	}
	if (output == NULL && guard_stdout(&e) != 0) {
		hub_tz_free(tz);
		return hub_fail("%s", e.msg);
	}
	if (hub_store_open(&s, &where, &e) != 0) {
		rc = hub_fail("%s", e.msg);
		goto cleanup;
	}
	/* Audited before a byte is written, with the rows it will hold. */
	rc = hub_export_count(s, &o, &rows, &e);
	if (rc == 0)
		rc = audit_export(s, &o, output != NULL, rows, &e);
	if (rc == 0)
		rc = hub_export_write(s, &o, out, &rows, &e);
	fs_store_close(s);
	if (rc != 0) {
		rc = hub_fail("export %s: %s", o.what, e.msg[0] ? e.msg : "failed");
		goto cleanup;
	}
	if (fflush(out) != 0 || ferror(out) || (output != NULL && fsync(fileno(out)) != 0)) {
		rc = hub_fail("cannot write the output");
		goto cleanup;
	}
	rc = HUB_EXIT_OK;
cleanup:
	hub_tz_free(tz);
	if (output != NULL && out != NULL && fclose(out) != 0 && rc == HUB_EXIT_OK)
		rc = hub_fail("cannot write %s", output);
	/* A failed export leaves no partial file. */
	if (output != NULL && out != NULL && rc != HUB_EXIT_OK)
		unlink(output);
	return rc;
}
