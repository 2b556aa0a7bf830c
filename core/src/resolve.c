/* Resolving a conflict at the hub, and listing conflicts with their state
 * (resolve.h; docs/design.md, "Resolving a conflict"). Storage goes
 * through the store's backend (backend.h); the field write is the one a
 * local edit makes (rows.h fs_rows_local_field_put). */
#include "fieldsync/resolve.h"

#include <stdlib.h>
#include <string.h>

#include "fieldsync/person_ref.h"
#include "fieldsync/records.h"
#include "rows.h"
#include "store_internal.h"

static const char *const choice_names[] = {NULL, "winner", "loser", "new"};

const char *fs_resolve_choice_name(fs_resolve_choice c)
{
	return c >= FS_RESOLVE_WINNER && c <= FS_RESOLVE_NEW ? choice_names[c] : NULL;
}

int fs_resolve_choice_parse(const char *text, fs_resolve_choice *out)
{
	int c;

	for (c = FS_RESOLVE_WINNER; text != NULL && c <= FS_RESOLVE_NEW; c++)
		if (strcmp(text, choice_names[c]) == 0) {
			*out = (fs_resolve_choice)c;
			return 0;
		}
	return FS_EINVAL;
}

/* The value's checks before any transaction: a worker's edit's rules. */
static int check_value(fs_store *s, const char *field, fs_resolve_choice choice,
		       const json_t *value, fs_err *err)
{
	fs_err inner = {0, ""};

	if (choice == FS_RESOLVE_NEW && value == NULL)
		return fs_err_set(err, FS_EINVAL, "resolve: a new value is needed to write one");
	if (choice != FS_RESOLVE_NEW && value != NULL)
		return fs_err_set(err, FS_EINVAL,
				  "resolve: a value is given only with a new value, not to keep "
				  "the %s",
				  fs_resolve_choice_name(choice));
	if (value == NULL)
		return 0;
	if (fs_contact_field_check(field, value, &inner) != 0)
		return fs_err_set(err, FS_EINVAL, "resolve: the new value: %s", inner.msg);
	if (strcmp(field, "person_ref") == 0 && s->has_person_ref_rule)
		return fs_person_ref_check(&s->person_ref_rule, json_string_value(value),
					   json_string_length(value), err);
	return 0;
}

/* Why conflict id is not here: its contact was erased (when the caller may
 * see its region), or it never was. */
static int not_found(fs_store *s, const char *id, const char *contact, const fs_resolve_hooks *h,
		     fs_err *err)
{
	fs_erasure_row e;
	char region[FS_NAME_MAX + 1];
	int rc = s->ops->erasure_get(s->b, contact, &e, err);

	if (rc == 0 && h->allow != NULL) {
		snprintf(region, sizeof(region), "%s", e.region ? e.region : "");
		rc = h->allow(h->ctx, region, err);
		if (rc != 0)
			return rc;
	}
	if (rc == 0)
		return fs_err_set(err, FS_ENOTFOUND,
				  "resolve: contact %s was erased, and its conflicts with it; "
				  "nothing to resolve",
				  contact);
	if (rc != FS_ENOTFOUND)
		return rc;
	return fs_err_set(err, FS_ENOTFOUND, "resolve: no conflict %s here", id);
}

/* The whole resolution, in the caller's write transaction. */
static int resolve_in(fs_store *s, const char *id, const char *contact, const char *field,
		      fs_resolve_choice choice, const json_t *value, const fs_resolve_hooks *h,
		      fs_resolution *r, fs_err *err)
{
	fs_conflict_row c;
	fs_resolution_row have, row;
	fs_field_copy cur = {0, NULL, 0, "", 0, ""};
	char *text = NULL, *winner = NULL, *loser = NULL, at[FS_TIMESTAMP_LEN + 1];
	json_t *chosen = NULL;
	int inserted = 0, rc;

	rc = s->ops->conflict_get(s->b, id, &c, err);
	if (rc == FS_ENOTFOUND)
		return not_found(s, id, contact, h, err);
	if (rc != 0)
		return rc;
	/* The row's strings are the backend's until its next operation. */
	winner = strdup(c.winner_value);
	loser = strdup(c.loser_value);
	snprintf(r->region, sizeof(r->region), "%s", c.region);
	if (winner == NULL || loser == NULL) {
		rc = fs_err_set(err, FS_ENOMEM, "out of memory");
		goto cleanup;
	}
	if (h->allow != NULL && (rc = h->allow(h->ctx, r->region, err)) != 0)
		goto cleanup;
	rc = s->ops->resolution_get(s->b, id, &have, err);
	if (rc == 0) {
		fs_timestamp_format(at, fs_hlc_ms(have.hlc));
		rc = fs_err_set(err, FS_ECONFLICT,
				"resolve: conflict %s is already resolved (%s%s, at %s by %s)", id,
				strcmp(have.chosen, "new") == 0 ? "a new value written" : "kept the ",
				strcmp(have.chosen, "new") == 0 ? "" : have.chosen, at, have.site);
		goto cleanup;
	}
	if (rc != FS_ENOTFOUND)
		goto cleanup;
	/* A newer stamp than either side even if the clock had not seen one. */
	{
		fs_hlc wh = c.winner_hlc, lh = c.loser_hlc;
		char ws[FS_NAME_MAX + 1], ls[FS_NAME_MAX + 1];

		fs_txn_observe(s, wh > lh ? wh : lh);
		snprintf(ws, sizeof(ws), "%s", c.winner_site);
		snprintf(ls, sizeof(ls), "%s", c.loser_site);
		rc = fs_rows_field_get(s, &cur, contact, field, err);
		if (rc != 0)
			goto cleanup;
		if (rc == 0 && !cur.found) {
			rc = fs_err_set(err, FS_ENOTFOUND,
					"resolve: contact %s holds no field %s here", contact,
					field);
			goto cleanup;
		}
		if (choice != FS_RESOLVE_NEW &&
		    !(cur.hlc == wh && strcmp(cur.site, ws) == 0) &&
		    !(cur.hlc == lh && strcmp(cur.site, ls) == 0)) {
			rc = fs_err_set(err, FS_ECONFLICT,
					"resolve: field %s of contact %s was changed after the "
					"conflict (by %s); keeping a side would overwrite that "
					"newer value: write a new value instead",
					field, contact, cur.site);
			goto cleanup;
		}
	}
	if (choice == FS_RESOLVE_NEW)
		chosen = json_incref((json_t *)value);
	else
		chosen = json_loads(choice == FS_RESOLVE_WINNER ? winner : loser, JSON_DECODE_ANY,
				    NULL);
	if (chosen == NULL) {
		rc = fs_err_set(err, FS_ENOMEM, "out of memory");
		goto cleanup;
	}
	if (strcmp(field, "deleted") == 0 && json_is_true(chosen)) {
		rc = fs_err_set(err, FS_EINVAL,
				"resolve: to delete contact %s, erase it (fieldsync-hub erase "
				"--contact %s)",
				contact, contact);
		goto cleanup;
	}
	text = json_dumps(chosen, FS_CANON_FLAGS);
	if (text == NULL) {
		rc = fs_err_set(err, FS_ENOMEM, "out of memory");
		goto cleanup;
	}
	r->hlc = fs_txn_tick(s);
	snprintf(r->site, sizeof(r->site), "%s", s->site);
	/* Always written, the same value too: its newer stamp is what makes
	 * it win over edits made before the resolution. */
	rc = fs_rows_local_field_put(s, contact, field, chosen, r->hlc, 1, err);
	if (rc != 0)
		goto cleanup;
	memset(&row, 0, sizeof(row));
	row.id = id;
	row.region = r->region;
	row.chosen = fs_resolve_choice_name(choice);
	row.value = text;
	row.hlc = r->hlc;
	row.site = s->site;
	row.seq = fs_txn_next_seq(s);
	rc = s->ops->resolution_insert(s->b, &row, &inserted, err);
	if (rc == 0 && !inserted)
		rc = fs_err_set(err, FS_ECONFLICT, "resolve: conflict %s is already resolved", id);
cleanup:
	fs_rows_field_clear(&cur);
	json_decref(chosen);
	free(text);
	free(winner);
	free(loser);
	return rc;
}

int fs_conflict_resolve(fs_store *hub, const char *conflict_id, fs_resolve_choice choice,
			const json_t *value, const fs_resolve_hooks *hooks, fs_resolution *out,
			fs_err *err)
{
	static const fs_resolve_hooks none = {NULL, NULL, NULL};
	fs_resolution r;
	fs_hlc loser_hlc;
	char loser_site[FS_NAME_MAX + 1];
	int rc;

	memset(&r, 0, sizeof(r));
	if (out != NULL)
		memset(out, 0, sizeof(*out));
	if (hooks == NULL)
		hooks = &none;
	if (hub->site[0] == '\0' || hub->region[0] != '\0')
		return fs_err_set(err, FS_EINVAL,
				  "resolve: conflicts are resolved at the hub only, not at a kiosk");
	if (fs_resolve_choice_name(choice) == NULL)
		return fs_err_set(err, FS_EINVAL, "resolve: choose winner, loser or new");
	if (conflict_id == NULL ||
	    fs_conflict_id_parse(conflict_id, r.contact, r.field, &loser_hlc, loser_site) != 0)
		return fs_err_set(err, FS_EINVAL,
				  "resolve: not a conflict id (CONTACT/FIELD/HLC/SITE, as "
				  "fieldsync-hub conflicts lists them)");
	snprintf(r.conflict, sizeof(r.conflict), "%s", conflict_id);
	r.chosen = choice;
	rc = check_value(hub, r.field, choice, value, err);
	if (rc != 0)
		return rc;
	rc = fs_txn_begin(hub, err);
	if (rc != 0)
		return rc;
	rc = resolve_in(hub, r.conflict, r.contact, r.field, choice, value, hooks, &r, err);
	if (rc == 0 && hooks->before_commit != NULL)
		rc = hooks->before_commit(hooks->ctx, hub, &r, err);
	if (rc == 0)
		rc = fs_txn_commit(hub, err);
	else
		fs_txn_rollback(hub);
	if (rc == 0 && out != NULL)
		*out = r;
	return rc;
}

/* ---- listing ---- */

typedef struct select_ctx {
	json_t *arr;
	const char *region;
} select_ctx;

static int select_visit(void *ctx, const fs_conflict_row *r)
{
	select_ctx *x = ctx;
	char h[FS_HLC_TEXT_LEN + 1];
	json_t *item;

	if (x->region != NULL && (r->region == NULL || strcmp(r->region, x->region) != 0))
		return 0;
	fs_hlc_format(h, r->hlc);
	item = fs_rows_conflict_item(r);
	if (item == NULL || json_object_set_new(item, "detected", json_string(h)) != 0 ||
	    json_array_append(x->arr, item) != 0) {
		json_decref(item);
		return FS_ENOMEM;
	}
	json_decref(item);
	return 0;
}

/* The resolution and current value of one listed conflict. */
static int annotate(fs_store *s, json_t *item, fs_err *err)
{
	const char *id = json_string_value(json_object_get(item, "id"));
	const char *record = json_string_value(json_object_get(item, "record"));
	const char *field = json_string_value(json_object_get(item, "field"));
	fs_resolution_row v;
	fs_field_copy cur;
	char h[FS_HLC_TEXT_LEN + 1];
	json_t *res = NULL, *now = NULL, *value;
	int rc = s->ops->resolution_get(s->b, id, &v, err);

	if (rc == 0) {
		value = json_loads(v.value, JSON_DECODE_ANY, NULL);
		fs_hlc_format(h, v.hlc);
		res = value ? json_pack("{s:s, s:o, s:s, s:s}", "chosen", v.chosen, "value", value,
					"hlc", h, "site", v.site)
			    : NULL;
		if (res == NULL)
			return FS_ENOMEM;
	} else if (rc == FS_ENOTFOUND) {
		res = json_null();
	} else {
		return rc;
	}
	json_object_set_new(item, "resolution", res);
	rc = fs_rows_field_get(s, &cur, record, field, err);
	if (rc != 0)
		return rc;
	now = cur.found ? fs_rows_conflict_side(cur.value, cur.hlc, cur.site) : json_null();
	fs_rows_field_clear(&cur);
	if (now == NULL || json_object_set_new(item, "current", now) != 0)
		return FS_ENOMEM;
	return 0;
}

int fs_conflict_select(fs_store *s, const fs_conflict_filter *filter, json_t **out,
		       fs_err *err)
{
	static const fs_conflict_filter all = {0, NULL, -1};
	select_ctx x;
	json_t *kept = NULL, *item;
	size_t i;
	int rc;

	*out = NULL;
	if (filter == NULL)
		filter = &all;
	x.arr = json_array();
	x.region = filter->region;
	kept = json_array();
	if (x.arr == NULL || kept == NULL) {
		rc = FS_ENOMEM;
		goto cleanup;
	}
	rc = fs_txn_read_begin(s, err);
	if (rc != 0)
		goto cleanup;
	rc = s->ops->conflict_each(s->b, -1, select_visit, &x, err);
	/* Looked up after the walk: a row's strings are the backend's only
	 * until its next operation. */
	json_array_foreach (x.arr, i, item) {
		if (rc != 0)
			break;
		if (filter->limit >= 0 && json_array_size(kept) >= (size_t)filter->limit)
			break;
		rc = annotate(s, item, err);
		if (rc == 0 && (!filter->open_only ||
				json_is_null(json_object_get(item, "resolution"))))
			rc = json_array_append(kept, item) != 0 ? FS_ENOMEM : 0;
	}
	fs_txn_read_end(s);
cleanup:
	json_decref(x.arr);
	if (rc == FS_ENOMEM)
		rc = fs_err_set(err, FS_ENOMEM, "read conflicts: out of memory");
	if (rc != 0) {
		json_decref(kept);
		return rc;
	}
	*out = kept;
	return 0;
}
