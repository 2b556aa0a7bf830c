/* Canonical digest of a store's replicated content, for comparing replicas
 * (tests, admins): computed from the backend's typed rows, so the same
 * content gives the same digest whatever the backend. */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "store_internal.h"

#define FNV_OFFSET UINT64_C(14695981039346656037)
#define FNV_PRIME UINT64_C(1099511628211)

static void fnv(uint64_t *h, const void *data, size_t n)
{
	const unsigned char *p = data;
	size_t i;

	for (i = 0; i < n; i++) {
		*h ^= p[i];
		*h *= FNV_PRIME;
	}
}

/* One column: its text then a 0x1f separator; a NULL is a 0x1e marker, so
 * ("ab","c"), ("a","bc") and (NULL) vs ("") stay apart. */
static void col_text(uint64_t *h, const char *t)
{
	if (t == NULL)
		fnv(h, "\x1e", 1);
	else
		fnv(h, t, strlen(t));
	fnv(h, "\x1f", 1);
}

static void col_int(uint64_t *h, int64_t v)
{
	char text[24];

	snprintf(text, sizeof(text), "%" PRId64, v);
	col_text(h, text);
}

static void row_end(uint64_t *h)
{
	fnv(h, "\n", 1);
}

static int hash_questionnaire(void *ctx, const fs_questionnaire_row *r)
{
	uint64_t *h = ctx;

	col_text(h, "q");
	col_text(h, r->id);
	col_int(h, r->version);
	col_text(h, r->deleted ? NULL : r->doc);
	col_int(h, r->deleted ? 1 : 0);
	col_int(h, (int64_t)r->hlc);
	col_text(h, r->site);
	row_end(h);
	return 0;
}

static int hash_response(void *ctx, const fs_response_row *r)
{
	uint64_t *h = ctx;
	int live = !r->deleted;

	col_text(h, "r");
	col_text(h, r->id);
	col_text(h, live ? r->questionnaire : NULL);
	if (live)
		col_int(h, r->version);
	else
		col_text(h, NULL);
	col_text(h, live ? r->started_at : NULL);
	col_text(h, live ? r->submitted_at : NULL);
	col_text(h, live ? r->language : NULL);
	col_text(h, live ? r->mode : NULL);
	col_text(h, live ? r->worker : NULL);
	col_text(h, live ? r->answers : NULL);
	col_int(h, live ? 0 : 1);
	col_int(h, (int64_t)r->hlc);
	col_text(h, r->site);
	/* Only when there is one, so a store without receipts keeps the
	 * digest it had before the column existed (tests/vectors). */
	if (live && r->receipt != NULL)
		col_text(h, r->receipt);
	row_end(h);
	return 0;
}

static int hash_contact(void *ctx, const char *id, const char *region, const fs_field_row *f)
{
	uint64_t *h = ctx;

	if (f == NULL) /* a contact without fields holds nothing to compare */
		return 0;
	col_text(h, "c");
	col_text(h, id);
	col_text(h, region);
	col_text(h, f->field);
	col_text(h, f->value);
	col_int(h, (int64_t)f->hlc);
	col_text(h, f->site);
	if (f->prev_site != NULL)
		col_int(h, (int64_t)f->prev_hlc);
	else
		col_text(h, NULL);
	col_text(h, f->prev_site);
	row_end(h);
	return 0;
}

/* Erasures go with contacts: those of the region in scope and those sent
 * to every region (what a kiosk of the region receives). */
typedef struct erasure_scope {
	uint64_t *h;
	const char *region;
	const fs_table_desc *t; /* the record table (hash_record) */
} erasure_scope;

static int hash_erasure(void *ctx, const fs_erasure_row *r)
{
	erasure_scope *e = ctx;

	if (e->region != NULL && r->region != NULL && strcmp(r->region, e->region) != 0)
		return 0;
	col_text(e->h, "e");
	col_text(e->h, r->id);
	col_text(e->h, r->record_table);
	col_text(e->h, r->region);
	col_text(e->h, r->holder);
	col_text(e->h, r->request);
	col_text(e->h, r->kind);
	col_int(e->h, (int64_t)r->hlc);
	col_text(e->h, r->site);
	row_end(e->h);
	return 0;
}

/* Resolutions go with contacts too, those of the region in scope. */
static int hash_resolution(void *ctx, const fs_resolution_row *r)
{
	erasure_scope *e = ctx;

	if (e->region != NULL && strcmp(r->region, e->region) != 0)
		return 0;
	col_text(e->h, "v");
	col_text(e->h, r->id);
	col_text(e->h, r->region);
	col_text(e->h, r->chosen);
	col_text(e->h, r->value);
	col_int(e->h, (int64_t)r->hlc);
	col_text(e->h, r->site);
	row_end(e->h);
	return 0;
}

/* Record tables go with contacts too: the rows of the region in scope
 * (what a kiosk of the region receives), or every region's. */
static int hash_record(void *ctx, const fs_record_row *r)
{
	erasure_scope *e = ctx;
	int i;

	if (!fs_record_in_region(e->t, r, e->region))
		return 0;
	col_text(e->h, e->t->digest);
	for (i = 0; i < e->t->ncols; i++)
		if (e->t->cols[i].type == FS_COL_TEXT)
			col_text(e->h, r->col[i].text);
		else
			col_int(e->h, r->col[i].num);
	if (e->t->tombstones)
		col_int(e->h, r->deleted);
	col_int(e->h, (int64_t)r->hlc);
	col_text(e->h, r->site);
	row_end(e->h);
	return 0;
}

int fs_store_digest(fs_store *s, const fs_digest_scope *scope, uint64_t *out, fs_err *err)
{
	fs_response_filter f = {NULL, scope->responses_site, NULL, NULL, 1, 0};
	uint64_t h = FNV_OFFSET;
	erasure_scope es = {&h, scope->contacts_region, NULL};
	int rc = fs_txn_read_begin(s, err);

	if (rc != 0)
		return rc;
	if (scope->include_questionnaires)
		rc = s->ops->questionnaire_each(s->b, hash_questionnaire, &h, err);
	if (rc == 0 && scope->include_responses)
		rc = s->ops->response_each(s->b, &f, hash_response, &h, err);
	if (rc == 0 && scope->include_contacts)
		rc = s->ops->contact_each(s->b, NULL, scope->contacts_region, hash_contact, &h, err);
	if (rc == 0 && scope->include_contacts)
		rc = s->ops->erasure_each(s->b, NULL, hash_erasure, &es, err);
	if (rc == 0 && scope->include_contacts)
		rc = s->ops->resolution_each(s->b, hash_resolution, &es, err);
	for (es.t = fs_record_next(NULL); rc == 0 && scope->include_contacts && es.t;
	     es.t = fs_record_next(es.t))
		if (es.t->digest != NULL)
			rc = s->ops->record_each(s->b, es.t, NULL, hash_record, &es, err);
	fs_txn_read_end(s);
	if (rc == 0)
		*out = h;
	return rc;
}
