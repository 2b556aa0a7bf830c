/* fieldsync-hub console: exports (docs/console.md, "Exports" and "Read
 * API"), for analysts and admins, limited to the regions they are granted.
 *
 * GET /v1/admin/responses: the read API for analysts' tools, with a
 * personal API token (Authorization: Bearer fsu_...) or a session. JSON
 * pages of responses in id order (a keyset cursor: the last id of a page;
 * UUIDv7 ids are in time order), filtered by questionnaire, region and
 * submitted_at; at most READ_LIMIT_MAX responses and READ_PAGE_BYTES of
 * answers a page, so memory is bounded by the page.
 *
 * GET /api/export: a download of the export command's output (hub/export.h,
 * one path): CSV (with a byte-order mark unless bom=0) or XLSX, built in a
 * private temporary file and answered when it is at most DOWNLOAD_MAX
 * bytes.
 *
 * Both write an audit entry "export" (actor console:NAME) with the
 * filters and the number of rows, never answers, before anything is
 * answered: an export that cannot be audited is not made. */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "audit.h"
#include "console.h"
#include "export.h"
#include "fieldsync/backend.h"
#include "fieldsync/records.h"
#include "registry.h"
#include "routes.h"
#include "tz.h"

#define READ_LIMIT_DEFAULT 100
#define READ_LIMIT_MAX 1000
#define READ_PAGE_BYTES (8u << 20) /* answers text of a page */
#define DOWNLOAD_MAX (64u << 20)

/* ---- arguments ---- */

/* "YYYY-MM-DD" (its first second) or "YYYY-MM-DDTHH:MM:SSZ" into out (the
 * stored form, whose text orders as its time does). */
static int time_arg(char out[21], const char *text)
{
	int64_t t;

	if (text == NULL)
		return 0;
	if (strlen(text) == 10)
		snprintf(out, 21, "%sT00:00:00Z", text);
	else if (strlen(text) == 20)
		memcpy(out, text, 21);
	else
		return -1;
	return hub_tz_parse_utc(out, &t);
}

static int uuid_arg(const char *s)
{
	size_t i;

	if (strlen(s) != 36)
		return 0;
	for (i = 0; i < 36; i++) {
		if (i == 8 || i == 13 || i == 18 || i == 23) {
			if (s[i] != '-')
				return 0;
		} else if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f'))) {
			return 0;
		}
	}
	return 1;
}

/* region=NAME: valid and granted; 403 for any other (whether it exists
 * or not, so nothing is learnt of regions not granted). */
static int region_arg(console_call *c, console_answer *a, const char **out)
{
	const char *region = c->arg(c, "region");

	*out = NULL;
	if (region == NULL || *region == '\0')
		return 0;
	if (!fs_name_is_valid(region))
		return console_fail(a, 400, "invalid", "region must match [a-z0-9][a-z0-9-]{0,63}"), -1;
	if (!console_user_sees_region(c->user, region))
		return console_fail(a, 403, "forbidden", "region %s is not one you are granted",
		                    region),
		       -1;
	*out = region;
	return 0;
}

static const char *opt_arg(console_call *c, const char *key)
{
	const char *v = c->arg(c, key);

	return v != NULL && *v != '\0' ? v : NULL;
}

/* ---- GET /v1/admin/responses ---- */

typedef struct page_ctx {
	json_t *list;     /* the page's responses */
	json_t *by_site;  /* site -> region */
	long want;        /* the page size */
	size_t bytes;     /* answers text so far */
	int more;         /* a response past the page exists */
	char last[FS_UUID_LEN + 1];
	int rc;
} page_ctx;

static int page_row(void *ctx, const fs_response_row *row)
{
	page_ctx *p = ctx;
	json_t *j = NULL;
	size_t n = row->answers != NULL ? strlen(row->answers) : 0;

	if ((long)json_array_size(p->list) >= p->want ||
	    (json_array_size(p->list) > 0 && p->bytes + n > READ_PAGE_BYTES)) {
		p->more = 1;
		return 1; /* stop: the next page starts after p->last */
	}
	p->rc = fs_response_row_json(&j, row, NULL);
	if (p->rc != 0)
		return 1;
	json_object_set(j, "region", json_object_get(p->by_site, row->site));
	if (json_array_append_new(p->list, j) != 0) {
		p->rc = FS_ENOMEM;
		return 1;
	}
	p->bytes += n;
	snprintf(p->last, sizeof(p->last), "%s", row->id);
	return 0;
}

static int read_responses(console_call *c, console_answer *a)
{
	const char *qid = opt_arg(c, "questionnaire"), *after = opt_arg(c, "after");
	const char *limit_text = opt_arg(c, "limit"), *region = NULL;
	char since[21] = "", until[21] = "";
	json_t *regions = NULL, *devices = NULL, *d, *detail = NULL;
	fs_response_page q;
	page_ctx p;
	char *regions_text = NULL, *end = NULL;
	fs_err err = {0, ""};
	long limit = READ_LIMIT_DEFAULT;
	size_t i;
	int rc;

	memset(&p, 0, sizeof(p));
	if (qid != NULL && !fs_name_is_valid(qid))
		return console_fail(a, 400, "invalid",
		                    "questionnaire must match [a-z0-9][a-z0-9-]{0,63}");
	if (after != NULL && !uuid_arg(after))
		return console_fail(a, 400, "invalid", "after must be a response id (a lowercase UUID)");
	if (time_arg(since, opt_arg(c, "since")) != 0 || time_arg(until, opt_arg(c, "until")) != 0)
		return console_fail(a, 400, "invalid",
		                    "since and until must be YYYY-MM-DD or YYYY-MM-DDTHH:MM:SSZ (UTC)");
	if (limit_text != NULL) {
		limit = strtol(limit_text, &end, 10);
		if (*end != '\0' || limit < 1 || limit > READ_LIMIT_MAX)
			return console_fail(a, 400, "invalid", "limit must be from 1 to %d",
			                    READ_LIMIT_MAX);
	}
	if (region_arg(c, a, &region) != 0)
		return 0;
	/* The regions the page may hold: the one asked for, or every one
	 * granted (NULL: a user of every region). */
	if (region != NULL || c->user->nregions > 0) {
		regions = json_array();
		if (region != NULL)
			json_array_append_new(regions, json_string(region));
		for (i = 0; region == NULL && i < c->user->nregions; i++)
			json_array_append_new(regions, json_string(c->user->regions[i]));
		regions_text = json_dumps(regions, JSON_COMPACT);
		json_decref(regions);
		if (regions_text == NULL)
			return console_fail(a, 500, "internal", "out of memory");
	}
	p.list = json_array();
	p.by_site = json_object();
	p.want = limit;
	rc = p.list == NULL || p.by_site == NULL ? fs_err_set(&err, FS_ENOMEM, "out of memory")
	                                         : hub_device_list(c->store, &devices, &err);
	json_array_foreach (devices, i, d)
		json_object_set(p.by_site, json_string_value(json_object_get(d, "site")),
		                json_object_get(d, "region"));
	json_decref(devices);
	q.questionnaire = qid;
	q.regions_json = regions_text;
	q.after = after;
	q.since = since[0] ? since : NULL;
	q.until = until[0] ? until : NULL;
	q.limit = limit + 1; /* one more: is there a next page? */
	if (rc == 0)
		rc = fs_store_ops(c->store)->response_page(fs_store_backend(c->store), &q, page_row,
		                                           &p, &err);
	if (rc == 0 && p.rc != 0)
		rc = fs_err_set(&err, p.rc, "read responses: %s",
		                p.rc == FS_ENOMEM ? "out of memory" : "a stored response is not JSON");
	/* The audit entry before the answer: filters and rows, no answers. */
	if (rc == 0) {
		detail = json_pack("{s:s, s:s, s:s*, s:s*, s:s*, s:s*, s:s*, s:I, s:I}", "table",
		                   "responses", "format", "api", "questionnaire", qid, "region",
		                   region, "since", q.since, "until", q.until, "after", after,
		                   "limit", (json_int_t)limit, "rows",
		                   (json_int_t)json_array_size(p.list));
		rc = detail == NULL ? fs_err_set(&err, FS_ENOMEM, "out of memory")
		                    : hub_audit_add(c->store, c->actor, "export", detail, &err);
		json_decref(detail);
	}
	free(regions_text);
	json_decref(p.by_site);
	if (rc != 0) {
		json_decref(p.list);
		return console_fail_err(a, rc, &err);
	}
	a->json = json_pack("{s:o, s:s?, s:I}", "responses", p.list, "next",
	                    p.more ? p.last : NULL, "limit", (json_int_t)limit);
	return a->json == NULL ? console_fail(a, 500, "internal", "out of memory") : 0;
}

/* ---- GET /api/export ---- */

static int sees(void *ctx, const char *region)
{
	return console_user_sees_region(ctx, region);
}

static int download(console_call *c, console_answer *a)
{
	const char *kind = opt_arg(c, "kind"), *format = opt_arg(c, "format");
	const char *zone = opt_arg(c, "tz"), *bom = opt_arg(c, "bom"), *multi = opt_arg(c, "multi");
	const char *labels = opt_arg(c, "labels");
	hub_export_opts o;
	hub_tz *tz = NULL;
	json_t *detail = NULL;
	FILE *f = NULL;
	fs_err err = {0, ""};
	long rows = 0, size = 0;
	int rc;

	memset(&o, 0, sizeof(o));
	o.what = kind != NULL ? kind : "responses";
	o.format = format != NULL ? format : "csv";
	o.questionnaire = opt_arg(c, "questionnaire");
	o.language = opt_arg(c, "language");
	o.labels = labels != NULL && strcmp(labels, "1") == 0;
	o.multi_json = multi != NULL && strcmp(multi, "json") == 0;
	/* The byte-order mark is on for a download: Excel and LibreOffice
	 * misread UTF-8 without it. */
	o.bom = strcmp(o.format, "csv") == 0 && (bom == NULL || strcmp(bom, "0") != 0);
	if (multi != NULL && strcmp(multi, "json") != 0 && strcmp(multi, "columns") != 0)
		return console_fail(a, 400, "invalid", "multi must be columns or json");
	if (strcmp(o.format, "csv") != 0 && strcmp(o.format, "xlsx") != 0)
		return console_fail(a, 400, "invalid", "format must be csv or xlsx");
	if (region_arg(c, a, &o.region) != 0)
		return 0;
	if (c->user->nregions > 0) {
		o.visible = sees;
		o.visible_ctx = (void *)c->user;
	}
	if (zone != NULL && hub_tz_load(&tz, zone, &err) != 0)
		return console_fail_err(a, err.code, &err);
	o.tz = tz;
	rc = hub_export_check(&o, &err);
	if (rc == 0)
		rc = hub_export_count(c->store, &o, &rows, &err);
	if (rc == 0) {
		detail = hub_export_audit_detail(&o, rows);
		if (detail == NULL || json_object_set_new(detail, "output", json_string("download")) != 0)
			rc = fs_err_set(&err, FS_ENOMEM, "out of memory");
		else
			rc = hub_audit_add(c->store, c->actor, "export", detail, &err);
		json_decref(detail);
	}
	/* tmpfile: 0600, unlinked at once, gone when closed. */
	if (rc == 0 && (f = tmpfile()) == NULL)
		rc = fs_err_set(&err, FS_EGENERIC, "export: cannot make a temporary file");
	if (rc == 0)
		rc = hub_export_write(c->store, &o, f, &rows, &err);
	if (rc == 0 && (fflush(f) != 0 || ferror(f) || (size = ftell(f)) < 0))
		rc = fs_err_set(&err, FS_EGENERIC, "export: cannot write the temporary file");
	if (rc == 0 && (unsigned long)size > DOWNLOAD_MAX)
		rc = fs_err_set(&err, FS_ETOOBIG,
		                "this export is %ld MiB, more than a download takes (%u MiB): use "
		                "fieldsync-hub export or the read API",
		                size >> 20, DOWNLOAD_MAX >> 20);
	if (rc == 0 && (a->body = malloc((size_t)size + 1)) == NULL)
		rc = fs_err_set(&err, FS_ENOMEM, "out of memory");
	if (rc == 0) {
		rewind(f);
		if (fread(a->body, 1, (size_t)size, f) != (size_t)size)
			rc = fs_err_set(&err, FS_EGENERIC, "export: cannot read the temporary file");
		a->len = (size_t)size;
	}
	if (f != NULL)
		fclose(f);
	hub_tz_free(tz);
	if (rc != 0) {
		free(a->body);
		a->body = NULL;
		a->len = 0;
		return console_fail_err(a, rc, &err);
	}
	if (strcmp(o.format, "xlsx") == 0)
		a->content_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";
	else
		a->content_type = "text/csv; charset=utf-8";
	snprintf(a->filename, sizeof(a->filename), "%s%s%s.%s", o.what, o.questionnaire ? "-" : "",
	         o.questionnaire ? o.questionnaire : "", o.format);
	return 0;
}

/* GET /api/export/questionnaires: for the page's choice, each published
 * questionnaire once (its newest version): id, title in its default
 * language, languages. */
static int questionnaires(console_call *c, console_answer *a)
{
	json_t *list = NULL, *out = json_array(), *item;
	fs_err err = {0, ""};
	size_t i;
	int rc = out == NULL ? fs_err_set(&err, FS_ENOMEM, "out of memory")
	                     : fs_questionnaire_list(c->store, &list, &err);

	json_array_foreach (list, i, item) {
		const char *id = json_string_value(json_object_get(item, "id"));
		const json_t *next = json_array_get(list, i + 1);
		json_t *doc = NULL, *langs;

		if (rc != 0)
			break;
		/* By id then version: the last of an id is its newest. */
		if (next != NULL && strcmp(json_string_value(json_object_get(next, "id")), id) == 0)
			continue;
		if (fs_questionnaire_get(c->store, &doc, id, 0, NULL) != 0)
			continue;
		langs = json_object_get(doc, "languages");
		if (json_array_append_new(
		        out, json_pack("{s:s, s:O, s:O?, s:O}", "id", id, "version",
		                       json_object_get(doc, "version"), "title",
		                       json_object_get(json_object_get(doc, "title"),
		                                       json_string_value(json_array_get(langs, 0))),
		                       "languages", langs)) != 0)
			rc = fs_err_set(&err, FS_ENOMEM, "out of memory");
		json_decref(doc);
	}
	json_decref(list);
	if (rc != 0) {
		json_decref(out);
		return console_fail_err(a, rc, &err);
	}
	a->json = json_pack("{s:o}", "questionnaires", out);
	return 0;
}

const console_route console_routes_exports[] = {
    {"GET", "/api/export/questionnaires", CONSOLE_ANALYST, questionnaires, 0, 0},
    {"GET", "/v1/admin/responses", CONSOLE_ANALYST, read_responses, 0, 1},
    {"GET", "/api/export", CONSOLE_ANALYST, download, 0, 0},
    {0},
};
