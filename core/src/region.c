/* A kiosk moved to another region (region.h). */
#include "fieldsync/region.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fieldsync/backend.h"
#include "store_internal.h"

#define NEXT_KEY "region_next"

/* Contacts of other regions than the new one, in id order as visited:
 * ids (owned) and whether this kiosk wrote something of each that its hub
 * has not acknowledged. */
typedef struct foreign_list {
	const char *region, *site;
	int64_t push;
	char **ids;
	unsigned char *held;
	size_t n, cap;
	int oom;
} foreign_list;

static long find(const foreign_list *f, const char *id)
{
	size_t i;

	/* contact_each visits in id order: the last one is the likely hit. */
	for (i = f->n; i > 0; i--)
		if (strcmp(f->ids[i - 1], id) == 0)
			return (long)(i - 1);
	return -1;
}

static int add(foreign_list *f, const char *id, int held)
{
	long at = find(f, id);

	if (at < 0) {
		if (f->n == f->cap) {
			size_t cap = f->cap ? f->cap * 2 : 64;
			char **ids = realloc(f->ids, cap * sizeof(*ids));
			unsigned char *h;

			if (ids == NULL)
				return FS_ENOMEM;
			f->ids = ids;
			h = realloc(f->held, cap);
			if (h == NULL)
				return FS_ENOMEM;
			f->held = h;
			f->cap = cap;
		}
		if ((f->ids[f->n] = strdup(id)) == NULL)
			return FS_ENOMEM;
		f->held[f->n] = 0;
		at = (long)f->n++;
	}
	if (held)
		f->held[at] = 1;
	return 0;
}

static int own_unacked(const foreign_list *f, const char *site, int64_t seq)
{
	return site != NULL && strcmp(site, f->site) == 0 && seq > f->push;
}

static int visit_contact(void *ctx, const char *id, const char *region, const fs_field_row *field)
{
	foreign_list *f = ctx;

	if (region != NULL && strcmp(region, f->region) == 0)
		return 0;
	return add(f, id, field != NULL && own_unacked(f, field->site, field->seq));
}

static int visit_conflict(void *ctx, const fs_conflict_row *c)
{
	foreign_list *f = ctx;

	if (c->record_table == NULL || strcmp(c->record_table, "contacts") != 0 ||
	    (c->region != NULL && strcmp(c->region, f->region) == 0))
		return 0;
	return add(f, c->record_id, own_unacked(f, c->site, c->seq));
}

static void foreign_free(foreign_list *f)
{
	size_t i;

	for (i = 0; i < f->n; i++)
		free(f->ids[i]);
	free(f->ids);
	free(f->held);
}

int fs_region_adopt(fs_store *s, const char *peer, const char *region, fs_region_result *res,
		    fs_err *err)
{
	char next[FS_NAME_MAX + 1] = "";
	foreign_list f;
	int64_t pull = 0;
	size_t i;
	int rc;

	memset(res, 0, sizeof(*res));
	memset(&f, 0, sizeof(f));
	if (!fs_name_is_valid(region))
		return fs_err_set(err, FS_EINVAL, "region: must match [a-z0-9][a-z0-9-]{0,63}");
	if (s->region[0] == '\0')
		return fs_err_set(err, FS_EINVAL, "region: this store has no region (not a kiosk's)");
	rc = fs_txn_begin(s, err);
	if (rc != 0)
		return rc;
	rc = s->ops->meta_get(s->b, NEXT_KEY, next, sizeof(next), err);
	if (rc == FS_ENOTFOUND) {
		next[0] = '\0';
		rc = 0;
	}
	if (rc == 0 && strcmp(s->region, region) == 0 && next[0] == '\0') {
		fs_txn_rollback(s);
		res->done = 1;
		return 0;
	}
	/* The first step of this move: pull the new region from the start
	 * (the hub sends only it from now on; what came of it after the old
	 * cursor is merged again, harmlessly). */
	if (rc == 0 && strcmp(next, region) != 0) {
		rc = s->ops->peer_reset_pull(s->b, peer, 0, err);
		if (rc == 0)
			rc = s->ops->meta_put(s->b, NEXT_KEY, region, err);
		res->reset = rc == 0;
	}
	f.region = region;
	f.site = s->site;
	if (rc == 0)
		rc = s->ops->peer_get(s->b, peer, &f.push, &pull, err);
	if (rc == 0)
		rc = s->ops->contact_each(s->b, NULL, NULL, visit_contact, &f, err);
	if (rc == 0)
		rc = s->ops->conflict_each(s->b, -1, visit_conflict, &f, err);
	if (rc == FS_ENOMEM)
		rc = fs_err_set(err, FS_ENOMEM, "region: out of memory listing contacts");
	for (i = 0; rc == 0 && i < f.n; i++) {
		if (f.held[i]) {
			res->kept++;
			continue;
		}
		rc = s->ops->record_purge(s->b, "contacts", f.ids[i], NULL, err);
		if (rc == 0)
			res->purged++;
	}
	/* Nothing of another region left: the store is of the new region. */
	if (rc == 0 && res->kept == 0) {
		rc = s->ops->meta_put(s->b, "region", region, err);
		if (rc == 0)
			rc = s->ops->meta_put(s->b, NEXT_KEY, "", err);
	}
	foreign_free(&f);
	if (rc != 0) {
		fs_txn_rollback(s);
		memset(res, 0, sizeof(*res));
		return rc;
	}
	rc = fs_txn_commit(s, err);
	if (rc != 0) {
		memset(res, 0, sizeof(*res));
		return rc;
	}
	if (res->kept == 0) {
		snprintf(s->region, sizeof(s->region), "%s", region);
		res->done = 1;
	}
	return 0;
}
