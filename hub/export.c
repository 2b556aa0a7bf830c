/* fieldsync-hub export: every merged record of a kind to stdout, as CSV
 * (RFC 4180, a header row, UTF-8) or JSON Lines (one compact object per
 * line, keys sorted).
 *
 * Responses as CSV have the fixed columns below, then one column per
 * question of the questionnaire (required: --questionnaire): the questions
 * of its newest version in order, then those only older versions had, then
 * (sorted) any other answer keys found, so no answer is ever left out.
 * Answers print as text: multi_choice values joined with ";", booleans
 * true/false, numbers as short as round-trips, nothing when absent.
 * A response's region is the region of the device that made it.
 *
 * CSV is for spreadsheets: text cells are quoted and those that could be
 * read as a formula get a leading ' (csv.h, docs/hub.md); JSON numbers are
 * bare number cells. JSON Lines is data for programs and is written as
 * stored, unguarded. Both take each response as fs_response_each gives it
 * (core/src/response_json.c: "worker" only when there is one; its CSV cell
 * is empty otherwise). */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <jansson.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "audit.h"
#include "cli.h"
#include "commands.h"
#include "csv.h"
#include "fieldsync/records.h"

#define CELL_MAX (64u << 20)

static const char usage[] =
    "usage: fieldsync-hub export [--data DIR | --db URI] responses|contacts|conflicts\n"
    "                            [--questionnaire ID] [--region NAME] [--format csv|jsonl]\n"
    "                            [--output FILE]\n"
    "\n"
    "Write every merged record of that kind to stdout, or to a new FILE. Either\n"
    "is readable by its owner only (0600): a file standard output is redirected\n"
    "to is made so before anything is written. Each export is logged in the\n"
    "audit trail first (its filters and rows, not FILE's name).\n"
    "  responses   CSV needs --questionnaire: columns id, site, questionnaire,\n"
    "              version, language, mode, worker, started_at, submitted_at, then\n"
    "              one per question. --region keeps responses of that region's kiosks.\n"
    "  contacts    columns id, region, then the contact fields (deleted ones left out)\n"
    "  conflicts   recorded concurrent overwrites, newest first\n"
    "\n"
    "  --data DIR            data directory (default: $FIELDSYNC_DATA)\n"
    "  --db URI              PostgreSQL store, postgresql://USER@HOST/DB (default:\n"
    "                        $FIELDSYNC_DB); the data directory is then not used\n"
    "  --questionnaire ID    only responses to this questionnaire\n"
    "  --region NAME         only records of this region\n"
    "  --format csv|jsonl    CSV per RFC 4180 with a header (default), or JSON Lines.\n"
    "                        CSV quotes text cells and puts a ' before a text that\n"
    "                        starts with ' TAB CR LF, or with = + - @ (or their\n"
    "                        full-width forms) after any spaces, so that no cell\n"
    "                        opens as a formula; numbers stay bare. JSON Lines is\n"
    "                        written as stored (docs/hub.md).\n"
    "  --output FILE         write to FILE, created 0600; an existing FILE is\n"
    "                        refused, and a failed export leaves none\n"
    "  -h, --help            show this help\n";

static const char *const response_columns[] = {
    "id",   "site",   "questionnaire", "version",      "language",
    "mode", "worker", "started_at",    "submitted_at", NULL};

static const char *const conflict_columns[] = {
    "id",           "table",       "record",      "region",      "field",
    "winner_value", "winner_hlc",  "winner_site", "loser_value", "loser_hlc",
    "loser_site",   "detected_by", NULL};

typedef struct export_ctx {
	FILE *out;
	int jsonl;
	json_t *questions; /* array of column names after the fixed ones */
	json_t *known;     /* object: question ids already columns */
	long count;
	fs_buf cell;
} export_ctx;

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

static int append_value(fs_buf *b, const json_t *v, int top)
{
	char text[32];
	char *dump;
	size_t i;
	int rc = 0;

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
	case JSON_ARRAY:
		if (top) {
			for (i = 0; i < json_array_size(v) && rc == 0; i++) {
				if (i > 0)
					rc = fs_buf_puts(b, ";");
				if (rc == 0)
					rc = append_value(b, json_array_get(v, i), 0);
			}
			return rc;
		}
		break;
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

/* Write v (NULL: absent) as one CSV field: a JSON number as a number
 * cell, everything else (a number inside a multi_choice list too) as a
 * text cell, which csv.c guards against formulas. */
static int csv_value(export_ctx *x, const json_t *v, int first)
{
	int rc = 0;

	fs_buf_reset(&x->cell);
	if (v != NULL)
		rc = append_value(&x->cell, v, 1);
	if (rc != 0)
		return rc;
	if (json_is_number(v))
		hub_csv_number(x->out, x->cell.data, first);
	else
		hub_csv_field(x->out, x->cell.data, first);
	return 0;
}

static void csv_header(FILE *out, const char *const *fixed, const json_t *more)
{
	size_t i;

	for (i = 0; fixed[i] != NULL; i++)
		hub_csv_field(out, fixed[i], i == 0);
	for (i = 0; more != NULL && i < json_array_size(more); i++)
		hub_csv_field(out, json_string_value(json_array_get(more, i)), 0);
	hub_csv_end(out);
}

static int jsonl_line(FILE *out, const json_t *v)
{
	char *text = json_dumps(v, JSON_COMPACT | JSON_SORT_KEYS);

	if (text == NULL)
		return FS_ENOMEM;
	fputs(text, out);
	fputc('\n', out);
	free(text);
	return 0;
}

/* ---- responses ---- */

static int add_column(export_ctx *x, const char *id)
{
	if (json_object_get(x->known, id) != NULL)
		return 0;
	if (json_object_set_new(x->known, id, json_true()) != 0 ||
	    json_array_append_new(x->questions, json_string(id)) != 0)
		return FS_ENOMEM;
	return 0;
}

/* The answerable questions of every published version, newest first. */
static int question_columns(export_ctx *x, fs_store *s, const char *qid, fs_err *err)
{
	json_t *list = NULL;
	size_t i;
	int rc = fs_questionnaire_list(s, &list, err);

	for (i = json_array_size(list); rc == 0 && i-- > 0;) {
		const json_t *item = json_array_get(list, i), *q;
		json_t *doc = NULL;
		size_t k;

		if (strcmp(json_string_value(json_object_get(item, "id")), qid) != 0)
			continue;
		rc = fs_questionnaire_get(
		    s, &doc, qid, json_integer_value(json_object_get(item, "version")), err);
		json_array_foreach (json_object_get(doc, "questions"), k, q) {
			const char *type = json_string_value(json_object_get(q, "type"));
			const char *id = json_string_value(json_object_get(q, "id"));

			if (rc == 0 && id != NULL && (type == NULL || strcmp(type, "info") != 0))
				rc = add_column(x, id);
		}
		json_decref(doc);
	}
	json_decref(list);
	if (rc == FS_ENOMEM)
		fs_err_set(err, rc, "out of memory");
	return rc;
}

/* First pass: answer keys no published version names (retired versions). */
typedef struct extra_keys {
	json_t *keys; /* object used as a set */
	long responses;
} extra_keys;

static int collect_extra(void *ctx, const json_t *response)
{
	extra_keys *ek = ctx;
	const char *key;
	json_t *v;

	ek->responses++;
	json_object_foreach ((json_t *)json_object_get(response, "answers"), key, v) {
		(void)v;
		if (json_object_set_new(ek->keys, key, json_true()) != 0)
			return FS_ENOMEM;
	}
	return 0;
}

static int write_response(void *ctx, const json_t *response)
{
	export_ctx *x = ctx;
	const json_t *answers = json_object_get(response, "answers");
	size_t i;
	int rc = 0;

	x->count++;
	if (x->jsonl)
		return jsonl_line(x->out, response);
	for (i = 0; response_columns[i] != NULL && rc == 0; i++)
		rc = csv_value(x, json_object_get(response, response_columns[i]), i == 0);
	for (i = 0; i < json_array_size(x->questions) && rc == 0; i++)
		rc = csv_value(
		    x, json_object_get(answers, json_string_value(json_array_get(x->questions, i))),
		    0);
	hub_csv_end(x->out);
	return rc;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* Append the extra answer keys as columns, sorted so that two exports of
 * the same data have the same columns. */
static int add_extra_columns(export_ctx *x, json_t *extra, fs_err *err)
{
	const char **keys = calloc(json_object_size(extra) + 1, sizeof(*keys));
	const char *key;
	json_t *v;
	size_t n = 0, i;
	int rc = 0;

	if (keys == NULL)
		return fs_err_set(err, FS_ENOMEM, "out of memory");
	json_object_foreach (extra, key, v) {
		(void)v;
		if (json_object_get(x->known, key) == NULL)
			keys[n++] = key;
	}
	qsort(keys, n, sizeof(*keys), cmp_str);
	for (i = 0; rc == 0 && i < n; i++)
		if (add_column(x, keys[i]) != 0)
			rc = fs_err_set(err, FS_ENOMEM, "out of memory");
	free(keys);
	return rc;
}

static int export_responses(export_ctx *x, fs_store *s, const char *qid, const char *region,
                            fs_err *err)
{
	extra_keys ek = {NULL, 0};
	json_t *have = NULL;
	int rc, published;

	if (x->jsonl)
		return fs_response_each(s, qid, region, write_response, x, err);
	rc = question_columns(x, s, qid, err);
	if (rc != 0)
		return rc;
	ek.keys = json_object();
	if (ek.keys == NULL)
		return fs_err_set(err, FS_ENOMEM, "out of memory");
	rc = fs_response_each(s, qid, NULL, collect_extra, &ek, err);
	if (rc == FS_ENOMEM)
		fs_err_set(err, rc, "out of memory");
	if (rc == 0)
		rc = add_extra_columns(x, ek.keys, err);
	json_decref(ek.keys);
	if (rc != 0)
		return rc;
	/* Neither published here nor answered: most likely a typo. */
	published = fs_questionnaire_get(s, &have, qid, 0, NULL) == 0;
	json_decref(have);
	if (!published && ek.responses == 0 && json_array_size(x->questions) == 0)
		return fs_err_set(err, FS_ENOTFOUND,
		                  "questionnaire %s is not published here and has no responses",
		                  qid);
	csv_header(x->out, response_columns, x->questions);
	return fs_response_each(s, qid, region, write_response, x, err);
}

/* ---- contacts and conflicts ---- */

static int export_contacts(export_ctx *x, fs_store *s, const char *region, fs_err *err)
{
	json_t *list = NULL, *c;
	size_t i, k;
	int rc = fs_contact_list(s, &list, region, 0, err);

	if (rc != 0)
		return rc;
	if (!x->jsonl) {
		hub_csv_field(x->out, "id", 1);
		hub_csv_field(x->out, "region", 0);
		for (k = 0; fs_contact_fields[k] != NULL; k++)
			if (strcmp(fs_contact_fields[k], "deleted") != 0)
				hub_csv_field(x->out, fs_contact_fields[k], 0);
		hub_csv_end(x->out);
	}
	json_array_foreach (list, i, c) {
		if (rc != 0)
			break;
		x->count++;
		if (x->jsonl) {
			rc = jsonl_line(x->out, c);
			continue;
		}
		rc = csv_value(x, json_object_get(c, "id"), 1);
		if (rc == 0)
			rc = csv_value(x, json_object_get(c, "region"), 0);
		for (k = 0; rc == 0 && fs_contact_fields[k] != NULL; k++)
			if (strcmp(fs_contact_fields[k], "deleted") != 0)
				rc = csv_value(x, json_object_get(c, fs_contact_fields[k]), 0);
		hub_csv_end(x->out);
	}
	json_decref(list);
	if (rc != 0)
		return fs_err_set(err, rc, "out of memory");
	return 0;
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

static int export_conflicts(export_ctx *x, fs_store *s, const char *region, fs_err *err)
{
	json_t *list = NULL, *c;
	size_t i, k;
	int rc = fs_conflict_list(s, &list, LONG_MAX, err);

	if (rc != 0)
		return rc;
	if (!x->jsonl)
		csv_header(x->out, conflict_columns, NULL);
	json_array_foreach (list, i, c) {
		if (rc != 0)
			break;
		if (region != NULL &&
		    strcmp(json_string_value(json_object_get(c, "region")), region) != 0)
			continue;
		x->count++;
		if (x->jsonl) {
			rc = jsonl_line(x->out, c);
			continue;
		}
		for (k = 0; rc == 0 && conflict_columns[k] != NULL; k++)
			rc = csv_value(x, conflict_cell(c, conflict_columns[k]), k == 0);
		hub_csv_end(x->out);
	}
	json_decref(list);
	if (rc != 0)
		return fs_err_set(err, rc, "out of memory");
	return 0;
}

/* ---- the command ---- */

/* One export of what into out: *rows the records written. */
static int export_run(long *rows, FILE *out, fs_store *s, const char *what, const char *qid,
                      const char *region, const char *format, fs_err *err)
{
	export_ctx x;
	int rc;

	memset(&x, 0, sizeof(x));
	x.out = out;
	x.jsonl = strcmp(format, "jsonl") == 0;
	x.questions = json_array();
	x.known = json_object();
	fs_buf_init(&x.cell, CELL_MAX);
	if (x.questions == NULL || x.known == NULL)
		rc = fs_err_set(err, FS_ENOMEM, "out of memory");
	else if (strcmp(what, "responses") == 0)
		rc = export_responses(&x, s, qid, region, err);
	else if (strcmp(what, "contacts") == 0)
		rc = export_contacts(&x, s, region, err);
	else
		rc = export_conflicts(&x, s, region, err);
	fs_buf_free(&x.cell);
	json_decref(x.questions);
	json_decref(x.known);
	*rows = x.count;
	return rc;
}

/* The export's audit entry: its filters and rows, never the output's path
 * (an admin may name a file after a person). */
static int audit_export(fs_store *s, const char *what, const char *qid, const char *region,
                        const char *format, int to_file, long rows, fs_err *err)
{
	char actor[HUB_AUDIT_ACTOR_MAX + 1];
	json_t *d = json_pack("{s:s, s:s, s:s*, s:s*, s:I, s:s}", "table", what, "format", format,
	                      "questionnaire", qid, "region", region, "rows", (json_int_t)rows,
	                      "output", to_file ? "file" : "stdout");
	int rc;

	if (d == NULL)
		return fs_err_set(err, FS_ENOMEM, "out of memory");
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
	static const struct option longopts[] = {
	    {"data", required_argument, NULL, 'd'},
	    {"db", required_argument, NULL, 'b'},
	    {"questionnaire", required_argument, NULL, 'q'},
	    {"region", required_argument, NULL, 'r'},
	    {"format", required_argument, NULL, 'f'},
	    {"output", required_argument, NULL, 'o'},
	    {"help", no_argument, NULL, 'h'},
	    {NULL, 0, NULL, 0},
	};
	const char *data = NULL, *db = NULL, *what, *qid = NULL, *region = NULL, *format = "csv";
	const char *output = NULL;
	FILE *out = stdout, *sink = NULL;
	long rows = 0;
	hub_where where;
	fs_store *s = NULL;
	fs_err e = {0, ""};
	int c, rc;

	opterr = 0;
	while ((c = getopt_long(argc, argv, ":h", longopts, NULL)) != -1) {
		switch (c) {
		case 'd':
			data = optarg;
			break;
		case 'b':
			db = optarg;
			break;
		case 'q':
			qid = optarg;
			break;
		case 'r':
			region = optarg;
			break;
		case 'f':
			format = optarg;
			break;
		case 'o':
			output = optarg;
			break;
		case 'h':
			fputs(usage, stdout);
			return HUB_EXIT_OK;
		case ':':
			return hub_usage_fail("export", "%s needs a value", argv[optind - 1]);
		default:
			return hub_usage_fail("export", "unknown option %s", argv[optind - 1]);
		}
	}
	if (optind >= argc)
		return hub_usage_fail("export",
		                      "say what to export: responses, contacts or conflicts");
	if (argc - optind > 1)
		return hub_usage_fail("export", "unexpected argument %s", argv[optind + 1]);
	what = argv[optind];
	if (strcmp(what, "responses") != 0 && strcmp(what, "contacts") != 0 &&
	    strcmp(what, "conflicts") != 0)
		return hub_usage_fail("export",
		                      "cannot export \"%s\": use responses, contacts or "
		                      "conflicts",
		                      what);
	if (strcmp(format, "csv") != 0 && strcmp(format, "jsonl") != 0)
		return hub_usage_fail("export", "--format must be csv or jsonl");
	if (qid != NULL && strcmp(what, "responses") != 0)
		return hub_usage_fail("export", "--questionnaire applies to responses only");
	if (qid != NULL && !fs_name_is_valid(qid))
		return hub_usage_fail("export",
		                      "questionnaire id must match [a-z0-9][a-z0-9-]{0,63}");
	if (region != NULL && !fs_name_is_valid(region))
		return hub_usage_fail("export", "region must match [a-z0-9][a-z0-9-]{0,63}");
	if (strcmp(what, "responses") == 0 && strcmp(format, "csv") == 0 && qid == NULL)
		return hub_usage_fail("export",
		                      "responses as CSV need --questionnaire ID (its "
		                      "questions are the columns), or use --format jsonl");
	rc = hub_where_resolve(&where, "export", data, db);
	if (rc != 0)
		return rc;
	if (output != NULL && open_output(&out, output, &e) != 0)
		return hub_fail("%s", e.msg);
	if (output == NULL && guard_stdout(&e) != 0)
		return hub_fail("%s", e.msg);
	if (hub_store_open(&s, &where, &e) != 0) {
		rc = hub_fail("%s", e.msg);
		goto cleanup;
	}
	/* Audited before a byte is written, with the rows it will hold: a
	 * first pass counts them into nothing. */
	sink = fopen("/dev/null", "w");
	if (sink == NULL)
		rc = fs_err_set(&e, FS_EGENERIC, "export: cannot open /dev/null");
	else
		rc = export_run(&rows, sink, s, what, qid, region, format, &e);
	if (rc == 0)
		rc = audit_export(s, what, qid, region, format, output != NULL, rows, &e);
	if (rc == 0)
		rc = export_run(&rows, out, s, what, qid, region, format, &e);
	fs_store_close(s);
	if (rc != 0) {
		rc = hub_fail("export %s: %s", what, e.msg[0] ? e.msg : "failed");
		goto cleanup;
	}
	if (fflush(out) != 0 || ferror(out) || (output != NULL && fsync(fileno(out)) != 0)) {
		rc = hub_fail("cannot write the output");
		goto cleanup;
	}
	rc = HUB_EXIT_OK;
cleanup:
	if (sink != NULL)
		fclose(sink);
	if (output != NULL && out != NULL && fclose(out) != 0 && rc == HUB_EXIT_OK)
		rc = hub_fail("cannot write %s", output);
	/* A failed export leaves no partial file. */
	if (output != NULL && out != NULL && rc != HUB_EXIT_OK)
		unlink(output);
	return rc;
}
