/* Questionnaire offers and retirement (offers.h): the hub's writes and the
 * rule a kiosk lists by. Storage through the backend (backend.h); the
 * merge of rows from the hub is merge.c's (merge_record, tables.h). */
#include "fieldsync/offers.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fieldsync/backend.h"
#include "fieldsync/records.h"
#include "store_internal.h"

#define OFFERS fs_table_desc_of(FS_TABLE_OFFERS)

/* A row as read, copied (a backend lends its strings only until the next
 * operation). */
typedef struct offer_state {
	int found, offered, retired;
} offer_state;

static int read_state(fs_store *s, const char *id, const char *target, offer_state *out,
                      fs_err *err)
{
	fs_record_row key = {{{id, 0}, {target, 0}}, 0, 0, NULL, 0}, row;
	int rc = s->ops->record_get(s->b, OFFERS, &key, &row, err);

	memset(out, 0, sizeof(*out));
	if (rc == FS_ENOTFOUND)
		return 0;
	if (rc != 0)
		return rc;
	out->found = 1;
	out->offered = (int)row.col[FS_OFFER_OFFERED].num;
	out->retired = (int)row.col[FS_OFFER_RETIRED].num;
	return 0;
}

/* Write (id, target) as offered/retired with a new stamp unless it already
 * says so; *wrote counts the rows written. */
static int write_state(fs_store *s, const char *id, const char *target, int offered,
                       int retired, int *wrote, fs_err *err)
{
	offer_state have;
	fs_record_row row = {
	    {{id, 0}, {target, 0}, {NULL, offered}, {NULL, retired}}, 0, 0, NULL, 0};
	int changed = 0, rc = read_state(s, id, target, &have, err);

	if (rc != 0 || (have.found && have.offered == offered && have.retired == retired))
		return rc;
	row.hlc = fs_txn_tick(s);
	row.site = fs_store_site(s);
	row.seq = fs_txn_next_seq(s);
	rc = s->ops->record_put(s->b, OFFERS, &row, &changed, err);
	if (rc == 0 && changed)
		(*wrote)++;
	return rc;
}

/* The published questionnaire id must exist (any live version). */
static int need_published(fs_store *s, const char *id, fs_err *err)
{
	json_t *doc = NULL;
	int rc;

	if (id == NULL || !fs_name_is_valid(id))
		return fs_err_set(err, FS_EINVAL,
		                  "questionnaire id must match [a-z0-9][a-z0-9-]{0,63}");
	if (fs_store_site(s)[0] == '\0')
		return fs_err_set(err, FS_EINVAL, "store has no site identity yet");
	rc = fs_questionnaire_get(s, &doc, id, 0, err);
	json_decref(doc);
	return rc;
}

/* Region names of id's rows other than "*", collected first: the writes
 * below may not run inside the backend's walk. */
typedef struct names {
	char (*v)[FS_NAME_MAX + 1];
	size_t n, alloc;
	int failed;
} names;

static int collect_region(void *ctx, const fs_record_row *r)
{
	names *l = ctx;
	const char *target = r->col[FS_OFFER_TARGET].text;

	if (strcmp(target, FS_OFFER_EVERYWHERE) == 0)
		return 0;
	if (l->n == l->alloc) {
		size_t alloc = l->alloc ? l->alloc * 2 : 16;
		void *v = realloc(l->v, alloc * sizeof(*l->v));

		if (v == NULL) {
			l->failed = 1;
			return FS_ENOMEM;
		}
		l->v = v;
		l->alloc = alloc;
	}
	snprintf(l->v[l->n++], FS_NAME_MAX + 1, "%s", target);
	return 0;
}

int fs_offer_set(fs_store *s, const char *id, const char *region, int offered, int *changed,
                 fs_err *err)
{
	offer_state all;
	names regions = {NULL, 0, 0, 0};
	int wrote = 0, rc;
	size_t i;

	if (changed != NULL)
		*changed = 0;
	offered = offered ? 1 : 0;
	if (region != NULL && !fs_name_is_valid(region))
		return fs_err_set(err, FS_EINVAL, "region must match [a-z0-9][a-z0-9-]{0,63}");
	rc = need_published(s, id, err);
	if (rc != 0)
		return rc;
	rc = fs_txn_begin(s, err);
	if (rc != 0)
		return rc;
	rc = read_state(s, id, FS_OFFER_EVERYWHERE, &all, err);
	if (rc == 0 && all.retired)
		rc = fs_err_set(err, FS_ECONFLICT,
		                "questionnaire %s is retired; bring it back first (retire --undo)",
		                id);
	if (rc == 0 && region == NULL) {
		rc = s->ops->record_each(s->b, OFFERS, id, collect_region, &regions, err);
		if (regions.failed)
			rc = fs_err_set(err, FS_ENOMEM, "offer: out of memory");
		if (rc == 0)
			rc = write_state(s, id, FS_OFFER_EVERYWHERE, offered, 0, &wrote, err);
		for (i = 0; rc == 0 && i < regions.n; i++)
			rc = write_state(s, id, regions.v[i], offered, 0, &wrote, err);
	} else if (rc == 0) {
		/* The "*" row first (the lower seq): a batch cut between the two
		 * rows leaves the other regions' kiosks right already. */
		if (!all.found)
			rc = write_state(s, id, FS_OFFER_EVERYWHERE, !offered, 0, &wrote, err);
		if (rc == 0)
			rc = write_state(s, id, region, offered, 0, &wrote, err);
	}
	free(regions.v);
	if (rc == 0 && wrote > 0)
		rc = fs_txn_commit(s, err);
	else
		fs_txn_rollback(s);
	if (rc == 0 && changed != NULL)
		*changed = wrote > 0;
	return rc;
}

int fs_offer_retire(fs_store *s, const char *id, int retired, int *changed, fs_err *err)
{
	offer_state all;
	int wrote = 0, rc;

	if (changed != NULL)
		*changed = 0;
	rc = need_published(s, id, err);
	if (rc != 0)
		return rc;
	rc = fs_txn_begin(s, err);
	if (rc != 0)
		return rc;
	rc = read_state(s, id, FS_OFFER_EVERYWHERE, &all, err);
	/* No "*" row yet: it was offered everywhere, and is again once back. */
	if (rc == 0)
		rc = write_state(s, id, FS_OFFER_EVERYWHERE, all.found ? all.offered : 1,
		                 retired ? 1 : 0, &wrote, err);
	if (rc == 0 && wrote > 0)
		rc = fs_txn_commit(s, err);
	else
		fs_txn_rollback(s);
	if (rc == 0 && changed != NULL)
		*changed = wrote > 0;
	return rc;
}

int fs_offer_listed(fs_store *s, const char *id, const char *region, int *listed, fs_err *err)
{
	offer_state all, own;
	int rc;

	*listed = 0;
	rc = read_state(s, id, FS_OFFER_EVERYWHERE, &all, err);
	if (rc == 0 && region != NULL && region[0] != '\0')
		rc = read_state(s, id, region, &own, err);
	else
		memset(&own, 0, sizeof(own));
	if (rc != 0)
		return rc;
	if (all.retired)
		*listed = 0;
	else if (own.found)
		*listed = own.offered;
	else
		*listed = all.found ? all.offered : 1;
	return 0;
}

typedef struct describe {
	json_t *out, *regions, *withdrawn;
} describe;

static int describe_row(void *ctx, const fs_record_row *r)
{
	describe *d = ctx;
	const char *target = r->col[FS_OFFER_TARGET].text;
	int offered = (int)r->col[FS_OFFER_OFFERED].num;

	if (strcmp(target, FS_OFFER_EVERYWHERE) == 0) {
		json_object_set_new(d->out, "everywhere", json_boolean(offered));
		json_object_set_new(d->out, "retired", json_boolean(r->col[FS_OFFER_RETIRED].num));
		return 0;
	}
	return json_array_append_new(offered ? d->regions : d->withdrawn, json_string(target)) == 0
	           ? 0
	           : FS_ENOMEM;
}

int fs_offer_describe(fs_store *s, const char *id, json_t **out, fs_err *err)
{
	describe d;
	int rc;

	*out = NULL;
	d.regions = json_array();
	d.withdrawn = json_array();
	d.out = json_pack("{s:b, s:b, s:o, s:o}", "everywhere", 1, "retired", 0, "regions",
	                  d.regions, "withdrawn", d.withdrawn);
	if (d.out == NULL)
		return fs_err_set(err, FS_ENOMEM, "offers: out of memory");
	rc = s->ops->record_each(s->b, OFFERS, id, describe_row, &d, err);
	if (rc == FS_ENOMEM)
		rc = fs_err_set(err, FS_ENOMEM, "offers: out of memory");
	if (rc != 0) {
		json_decref(d.out);
		return rc;
	}
	*out = d.out;
	return 0;
}

static int count_row(void *ctx, const char *questionnaire, int64_t version, int64_t count)
{
	json_t *out = ctx, *per = json_object_get(out, questionnaire);
	char key[24];

	if (per == NULL) {
		per = json_object();
		if (per == NULL || json_object_set_new(out, questionnaire, per) != 0)
			return FS_ENOMEM;
	}
	snprintf(key, sizeof(key), "%lld", (long long)version);
	return json_object_set_new(per, key, json_integer((json_int_t)count)) == 0 ? 0 : FS_ENOMEM;
}

int fs_offer_response_counts(fs_store *s, json_t **out, fs_err *err)
{
	json_t *counts = json_object();
	int rc;

	*out = NULL;
	if (counts == NULL)
		return fs_err_set(err, FS_ENOMEM, "count responses: out of memory");
	rc = s->ops->response_counts(s->b, count_row, counts, err);
	if (rc == FS_ENOMEM)
		rc = fs_err_set(err, FS_ENOMEM, "count responses: out of memory");
	if (rc != 0) {
		json_decref(counts);
		return rc;
	}
	*out = counts;
	return 0;
}
