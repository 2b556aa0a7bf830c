/* Replicated erasure (erase.h): the requests an admin (or retention) makes
 * at the hub, and the step merge.c shares. Storage through the backend
 * (backend.h erasure_*, record_purge, scrub). */
#include "fieldsync/erase.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "erase_internal.h"
#include "fieldsync/receipt.h"
#include "fieldsync/tables.h"
#include "rows.h"

int fs_erasure_kind_is_valid(const char *kind)
{
	static const char *const kinds[] = {FS_ERASE_ADMIN, FS_ERASE_DELETE, FS_ERASE_RETENTION,
					    FS_ERASE_WITHDRAW, FS_ERASE_WITHDRAWN, NULL};
	size_t i;

	for (i = 0; kind != NULL && kinds[i] != NULL; i++)
		if (strcmp(kind, kinds[i]) == 0)
			return 1;
	return 0;
}

int fs_erase_any(fs_store *s, int *any, fs_err *err)
{
	char text[32];
	int rc = s->ops->meta_get(s->b, FS_ERASE_META_COUNT, text, sizeof(text), err);

	*any = 0;
	if (rc == FS_ENOTFOUND)
		return 0;
	if (rc != 0)
		return rc;
	*any = strtoll(text, NULL, 10) != 0;
	return 0;
}

/* The counter moves with every row recorded (a copy keeps it with meta). */
static int count_up(fs_store *s, fs_err *err)
{
	char text[32];
	long long n = 0;
	int rc = s->ops->meta_get(s->b, FS_ERASE_META_COUNT, text, sizeof(text), err);

	if (rc != 0 && rc != FS_ENOTFOUND)
		return rc;
	if (rc == 0)
		n = strtoll(text, NULL, 10);
	snprintf(text, sizeof(text), "%lld", n + 1);
	return s->ops->meta_put(s->b, FS_ERASE_META_COUNT, text, err);
}

int fs_erase_record(fs_store *s, fs_erasure_row *row, int *inserted, long *rows_removed,
		    fs_err *err)
{
	long removed = 0;
	int rc;

	*inserted = 0;
	if (rows_removed != NULL)
		*rows_removed = 0;
	row->seq = fs_txn_next_seq(s);
	rc = s->ops->erasure_insert(s->b, row, inserted, err);
	if (rc == 0 && *inserted)
		rc = count_up(s, err);
	/* Purged even when the row was there: nothing of it may stay. */
	if (rc == 0)
		rc = s->ops->record_purge(s->b, row->record_table, row->id, &removed, err);
	if (rc == 0 && rows_removed != NULL)
		*rows_removed = removed;
	return rc;
}

int fs_erase_request_id(fs_store *s, char out[FS_UUID_LEN + 1], fs_err *err)
{
	return fs_uuid_v7(out, fs_store_now_ms(s), err);
}

int fs_store_scrub(fs_store *s, fs_err *err)
{
	return s->ops->scrub(s->b, err);
}

/* One target of a request. */
typedef struct target {
	char id[FS_ID_MAX + 1];
	const char *table;
	char region[FS_NAME_MAX + 1]; /* "" : every region */
	char holder[FS_NAME_MAX + 1]; /* "" : unknown */
} target;

typedef struct target_list {
	target *v;
	size_t n, cap;
} target_list;

/* Add a target; dedupe: unless it is in the list already (a person's
 * search finds a contact more than once; a caller's list is taken as it is,
 * a repeated id then counts as already erased). */
static int targets_add(target_list *l, const char *table, const char *id, int dedupe,
		       fs_err *err)
{
	size_t i;

	for (i = 0; dedupe && i < l->n; i++)
		if (strcmp(l->v[i].id, id) == 0)
			return 0;
	if (l->n == l->cap) {
		size_t cap = l->cap ? l->cap * 2 : 16;
		target *p = realloc(l->v, cap * sizeof(*p));

		if (p == NULL)
			return fs_err_set(err, FS_ENOMEM, "erase: out of memory");
		l->v = p;
		l->cap = cap;
	}
	memset(&l->v[l->n], 0, sizeof(l->v[0]));
	snprintf(l->v[l->n].id, sizeof(l->v[0].id), "%s", id);
	l->v[l->n].table = table;
	l->n++;
	return 0;
}

/* Fill in where a target's erasure goes, from what this store holds. */
static int target_locate(fs_store *s, target *t, fs_err *err)
{
	int rc;

	if (strcmp(t->table, "contacts") == 0) {
		rc = s->ops->contact_region(s->b, t->id, t->region, err);
		if (rc == FS_ENOTFOUND) {
			t->region[0] = '\0';
			rc = 0;
		}
		return rc;
	}
	{
		/* A response held here names its maker; the caller's holder
		 * stands only for one that is not. */
		fs_response_row r;

		rc = s->ops->response_get(s->b, t->id, &r, err);
		if (rc == 0 && r.site != NULL)
			snprintf(t->holder, sizeof(t->holder), "%s", r.site);
		if (rc != 0 && rc != FS_ENOTFOUND)
			return rc;
	}
	if (t->region[0] == '\0' && t->holder[0] != '\0' && s->reg != NULL) {
		fs_device_row d;

		rc = s->reg->device_get(s->b, t->holder, &d, err);
		if (rc == 0 && d.region != NULL)
			snprintf(t->region, sizeof(t->region), "%s", d.region);
		if (rc != 0 && rc != FS_ENOTFOUND)
			return rc;
	}
	return 0;
}

/* The caller's check of every located target before anything is written
 * (erase.h fs_erase_checked): an erased one by its erasure row's region. */
typedef struct erase_check {
	fs_erase_check_fn fn;
	void *ctx;
} erase_check;

static int targets_check(fs_store *s, const target_list *l, const erase_check *check,
			 fs_err *err)
{
	size_t i;
	int rc = 0;

	for (i = 0; check != NULL && check->fn != NULL && i < l->n && rc == 0; i++) {
		const target *t = &l->v[i];
		fs_erasure_row have;

		rc = s->ops->erasure_get(s->b, t->id, &have, err);
		if (rc == 0)
			rc = check->fn(check->ctx, t->table, t->id, have.region, 1, err);
		else if (rc == FS_ENOTFOUND)
			rc = check->fn(check->ctx, t->table, t->id,
				       t->region[0] != '\0' ? t->region : NULL, 0, err);
	}
	return rc;
}

/* Erase every target in one write transaction with one request id, then
 * scrub. The targets are located, and checked, inside the transaction. */
static int erase_targets(fs_store *s, target_list *l, const char *kind,
			 const erase_check *check, fs_erase_result *out, fs_err *err)
{
	char request[FS_UUID_LEN + 1];
	size_t i;
	int rc;

	rc = fs_erase_request_id(s, request, err);
	if (rc != 0)
		return rc;
	for (i = 0; i < l->n && rc == 0; i++)
		rc = target_locate(s, &l->v[i], err);
	if (rc == 0)
		rc = targets_check(s, l, check, err);
	for (i = 0; i < l->n && rc == 0; i++) {
		fs_erasure_row have, row;
		int inserted = 0;
		long removed = 0;

		rc = s->ops->erasure_get(s->b, l->v[i].id, &have, err);
		if (rc == 0) {
			out->already++;
			continue;
		}
		if (rc != FS_ENOTFOUND)
			break;
		memset(&row, 0, sizeof(row));
		row.id = l->v[i].id;
		row.record_table = l->v[i].table;
		row.region = l->v[i].region[0] != '\0' ? l->v[i].region : NULL;
		row.holder = l->v[i].holder[0] != '\0' ? l->v[i].holder : NULL;
		row.request = request;
		row.kind = kind;
		row.hlc = fs_txn_tick(s);
		row.site = s->site;
		rc = fs_erase_record(s, &row, &inserted, &removed, err);
		if (rc == 0 && inserted)
			out->records++;
		out->rows_removed += removed;
	}
	if (rc != 0)
		return rc;
	if (out->records > 0)
		snprintf(out->request, sizeof(out->request), "%s", request);
	return 0;
}

static int run(fs_store *s, target_list *l, const char *kind, const erase_check *check,
	       fs_erase_result *out,
	       int (*find)(fs_store *s, target_list *l, const void *arg, fs_err *err),
	       const void *arg, fs_err *err)
{
	fs_erase_result none;
	int rc;

	if (out == NULL)
		out = &none;
	memset(out, 0, sizeof(*out));
	if (!fs_erasure_kind_is_valid(kind))
		return fs_err_set(err, FS_EINVAL,
				  "erase: kind must be admin, delete, retention, withdraw or "
				  "withdrawn");
	if (s->site[0] == '\0')
		return fs_err_set(err, FS_EINVAL, "erase: store has no site identity yet");
	rc = fs_txn_begin(s, err);
	if (rc != 0)
		return rc;
	if (find != NULL)
		rc = find(s, l, arg, err);
	if (rc == 0)
		rc = erase_targets(s, l, kind, check, out, err);
	if (rc == 0)
		rc = fs_txn_commit(s, err);
	else
		fs_txn_rollback(s);
	if (rc != 0) {
		memset(out, 0, sizeof(*out));
		return rc;
	}
	/* Committed: only the scrub may be left to repeat. */
	if (out->rows_removed > 0 || out->records > 0) {
		rc = fs_store_scrub(s, err);
		out->scrubbed = rc == 0;
	}
	return rc;
}

static int erase_contacts(fs_store *hub, const char *const *ids, size_t n, const char *kind,
			  const erase_check *check, fs_erase_result *out, fs_err *err)
{
	target_list l = {NULL, 0, 0};
	size_t i;
	int rc = 0;

	if (out != NULL)
		memset(out, 0, sizeof(*out));
	if (n == 0)
		return fs_err_set(err, FS_EINVAL, "erase: no contact named");
	for (i = 0; i < n && rc == 0; i++) {
		if (ids[i] == NULL || !fs_uuid_is_valid(ids[i]))
			rc = fs_err_set(err, FS_EINVAL,
					"erase: contact id %zu must be a lowercase UUID", i + 1);
		else
			rc = targets_add(&l, "contacts", ids[i], 0, err);
	}
	if (rc == 0)
		rc = run(hub, &l, kind, check, out, NULL, NULL, err);
	free(l.v);
	return rc;
}

int fs_erase_contacts(fs_store *hub, const char *const *ids, size_t n, const char *kind,
		      fs_erase_result *out, fs_err *err)
{
	return erase_contacts(hub, ids, n, kind, NULL, out, err);
}

int fs_erase_contact(fs_store *hub, const char *contact_id, const char *kind,
		     fs_erase_result *out, fs_err *err)
{
	return erase_contacts(hub, &contact_id, 1, kind, NULL, out, err);
}

static int erase_response(fs_store *hub, const char *response_id, const char *region,
			  const char *holder, const char *kind, const erase_check *check,
			  fs_erase_result *out, fs_err *err)
{
	target_list l = {NULL, 0, 0};
	int rc;

	if (out != NULL)
		memset(out, 0, sizeof(*out));
	if (response_id == NULL || !fs_uuid_is_valid(response_id))
		return fs_err_set(err, FS_EINVAL, "erase: response id must be a lowercase UUID");
	if ((region != NULL && !fs_name_is_valid(region)) ||
	    (holder != NULL && !fs_name_is_valid(holder)))
		return fs_err_set(err, FS_EINVAL,
				  "erase: region and holder must match [a-z0-9][a-z0-9-]{0,63}");
	rc = targets_add(&l, "responses", response_id, 0, err);
	if (rc == 0) {
		snprintf(l.v[0].region, sizeof(l.v[0].region), "%s", region ? region : "");
		snprintf(l.v[0].holder, sizeof(l.v[0].holder), "%s", holder ? holder : "");
		rc = run(hub, &l, kind, check, out, NULL, NULL, err);
	}
	free(l.v);
	return rc;
}

int fs_erase_response(fs_store *hub, const char *response_id, const char *region,
		      const char *holder, const char *kind, fs_erase_result *out, fs_err *err)
{
	return erase_response(hub, response_id, region, holder, kind, NULL, out, err);
}

/* ---- every contact of a person_ref ---- */

typedef struct person_find {
	target_list *l;
	const char *text; /* the ref as canonical JSON text */
	const char *ref;
	fs_err *err;
} person_find;

static int person_contact(void *ctx, const char *contact_id, const char *region,
			  const fs_field_row *field)
{
	person_find *p = ctx;

	(void)region;
	if (field == NULL || strcmp(field->field, "person_ref") != 0 || field->value == NULL ||
	    strcmp(field->value, p->text) != 0)
		return 0;
	return targets_add(p->l, "contacts", contact_id, 1, p->err);
}

static int person_conflict(void *ctx, const fs_conflict_row *row)
{
	person_find *p = ctx;

	if (row->field == NULL || strcmp(row->field, "person_ref") != 0 ||
	    row->record_id == NULL ||
	    !((row->winner_value && strcmp(row->winner_value, p->text) == 0) ||
	      (row->loser_value && strcmp(row->loser_value, p->text) == 0)))
		return 0;
	return targets_add(p->l, "contacts", row->record_id, 1, p->err);
}

static int side_is(const json_t *side, const char *ref)
{
	const char *v = json_string_value(json_object_get(side, "value"));

	return v != NULL && strcmp(v, ref) == 0;
}

/* A quarantined contact change of person_ref with the ref as its value,
 * or a quarantined conflict about person_ref with the ref on a side. */
static int person_quarantine(void *ctx, int64_t id, const fs_quarantine_row *row)
{
	person_find *p = ctx;
	const char *record = NULL;
	json_t *change;

	(void)id;
	if (row->change == NULL || row->record_table == NULL || strstr(row->change, p->ref) == NULL)
		return 0;
	change = json_loads(row->change, JSON_DECODE_ANY, NULL);
	if (change == NULL)
		return 0;
	if (strcmp(row->record_table, "contacts") == 0) {
		/* A quarantined contact change is kept as its value only (merge.c):
		 * the ref as the value of any field counts. */
		if (json_is_string(change) && strcmp(json_string_value(change), p->ref) == 0)
			record = row->record_id;
	} else if (strcmp(row->record_table, "conflicts") == 0) {
		const char *field = json_string_value(json_object_get(change, "field"));

		if (field != NULL && strcmp(field, "person_ref") == 0 &&
		    (side_is(json_object_get(change, "winner"), p->ref) ||
		     side_is(json_object_get(change, "loser"), p->ref)))
			record = json_string_value(json_object_get(change, "record"));
	}
	if (record != NULL && fs_uuid_is_valid(record)) {
		int rc = targets_add(p->l, "contacts", record, 1, p->err);

		json_decref(change);
		return rc;
	}
	json_decref(change);
	return 0;
}

/* A resolution of a person_ref conflict that wrote the ref (resolve.h):
 * the field may hold another value since. */
static int person_resolution(void *ctx, const fs_resolution_row *row)
{
	person_find *p = ctx;
	char record[FS_UUID_LEN + 1], field[FS_CONTACT_FIELD_MAX], site[FS_NAME_MAX + 1];
	fs_hlc hlc;

	if (fs_conflict_id_parse(row->id, record, field, &hlc, site) != 0 ||
	    strcmp(field, "person_ref") != 0 || row->value == NULL ||
	    strcmp(row->value, p->text) != 0)
		return 0;
	return targets_add(p->l, "contacts", record, 1, p->err);
}

static int find_person(fs_store *s, target_list *l, const void *arg, fs_err *err)
{
	const char *ref = arg;
	json_t *v = json_string(ref);
	char *text = v ? json_dumps(v, FS_CANON_FLAGS) : NULL;
	person_find p = {l, text, ref, err};
	int rc;

	json_decref(v);
	if (text == NULL)
		return fs_err_set(err, FS_ENOMEM, "erase: out of memory");
	rc = s->ops->contact_each(s->b, NULL, NULL, person_contact, &p, err);
	if (rc == 0)
		rc = s->ops->conflict_each(s->b, -1, person_conflict, &p, err);
	if (rc == 0)
		rc = s->ops->quarantine_each(s->b, person_quarantine, &p, err);
	if (rc == 0)
		rc = s->ops->resolution_each(s->b, person_resolution, &p, err);
	free(text);
	return rc;
}

static int erase_person(fs_store *hub, const char *person_ref, const char *kind,
			const erase_check *check, fs_erase_result *out, fs_err *err)
{
	target_list l = {NULL, 0, 0};
	int rc;

	if (out != NULL)
		memset(out, 0, sizeof(*out));
	if (person_ref == NULL || person_ref[0] == '\0')
		return fs_err_set(err, FS_EINVAL, "erase: person_ref is empty");
	rc = run(hub, &l, kind, check, out, find_person, person_ref, err);
	free(l.v);
	return rc;
}

int fs_erase_person(fs_store *hub, const char *person_ref, const char *kind,
		    fs_erase_result *out, fs_err *err)
{
	return erase_person(hub, person_ref, kind, NULL, out, err);
}

int fs_erase_checked(fs_store *hub, fs_erase_target by, const char *what, const char *kind,
		     fs_erase_check_fn check, void *ctx, fs_erase_result *out, fs_err *err)
{
	const erase_check c = {check, ctx};

	switch (by) {
	case FS_ERASE_CONTACT:
		return erase_contacts(hub, &what, 1, kind, &c, out, err);
	case FS_ERASE_RESPONSE:
		return erase_response(hub, what, NULL, NULL, kind, &c, out, err);
	case FS_ERASE_PERSON:
		return erase_person(hub, what, kind, &c, out, err);
	}
	if (out != NULL)
		memset(out, 0, sizeof(*out));
	return fs_err_set(err, FS_EINVAL, "erase: no such target");
}

/* ---- withdrawals by receipt (receipt.h), at a hub's merge ---- */

/* Bounds the responses one hash may erase: a kiosk could have put one
 * hash on many of its own responses; each is erased, up to this many. */
#define WITHDRAWN_PER_HASH 64

typedef struct withdrawn_run {
	char request[FS_UUID_LEN + 1];
	long erased;
} withdrawn_run;

/* Record the erasure of response id (held by holder, when known) as kind
 * withdrawn in run's request; note hash's questionnaire and day. */
static int withdraw_response(fs_store *s, withdrawn_run *run, const char *hash, const char *id,
			     const char *holder, const char *questionnaire, const char *day,
			     fs_err *err)
{
	target t;
	fs_erasure_row row;
	int inserted = 0, rc;

	memset(&t, 0, sizeof(t));
	snprintf(t.id, sizeof(t.id), "%s", id);
	t.table = "responses";
	snprintf(t.holder, sizeof(t.holder), "%s", holder ? holder : "");
	rc = target_locate(s, &t, err);
	if (rc == 0 && run->request[0] == '\0')
		rc = fs_erase_request_id(s, run->request, err);
	if (rc == 0 && questionnaire != NULL && day != NULL && s->reg != NULL)
		rc = s->reg->receipt_note(s->b, hash, questionnaire, day,
					  t.region[0] != '\0' ? t.region : NULL, err);
	if (rc != 0)
		return rc;
	memset(&row, 0, sizeof(row));
	row.id = t.id;
	row.record_table = "responses";
	row.region = t.region[0] != '\0' ? t.region : NULL;
	row.holder = t.holder[0] != '\0' ? t.holder : NULL;
	row.request = run->request;
	row.kind = FS_ERASE_WITHDRAWN;
	row.hlc = fs_txn_tick(s);
	row.site = s->site;
	rc = fs_erase_record(s, &row, &inserted, NULL, err);
	if (rc == 0 && inserted)
		run->erased++;
	return rc;
}

/* Erase every live response holding hash, if hash is withdrawn here. */
static int withdraw_hash(fs_store *s, withdrawn_run *run, const char *hash, fs_err *err)
{
	char id[FS_UUID_LEN + 1], site[FS_NAME_MAX + 1], q[FS_NAME_MAX + 1], day[11];
	fs_response_row r;
	int withdrawn = 0, n, rc = fs_receipt_withdrawn(s, hash, &withdrawn, err);

	for (n = 0; rc == 0 && withdrawn && n < WITHDRAWN_PER_HASH; n++) {
		rc = s->ops->response_by_receipt(s->b, hash, &r, err);
		if (rc == FS_ENOTFOUND)
			return 0;
		if (rc != 0)
			break;
		/* The backend lends r's strings only until its next operation. */
		snprintf(id, sizeof(id), "%s", r.id);
		snprintf(site, sizeof(site), "%s", r.site ? r.site : "");
		snprintf(q, sizeof(q), "%s", r.questionnaire ? r.questionnaire : "");
		snprintf(day, sizeof(day), "%.10s", r.submitted_at ? r.submitted_at : "");
		rc = withdraw_response(s, run, hash, id, site, q, day, err);
	}
	return rc;
}

int fs_erase_withdrawn(fs_store *s, const fs_changeset *cs, long *erased, fs_err *err)
{
	withdrawn_run run = {"", 0};
	size_t i;
	int rc = 0;

	*erased = 0;
	for (i = 0; i < cs->count && rc == 0; i++) {
		const fs_change *c = &cs->changes[i];
		const char *hash;
		fs_erasure_row have;
		int withdrawn = 0;

		if (c->table == FS_TABLE_WITHDRAWALS) {
			rc = withdraw_hash(s, &run, c->id, err);
			continue;
		}
		if (c->table != FS_TABLE_RESPONSES || c->deleted)
			continue;
		/* A response quarantined for its shape may hold anything here. */
		hash = json_string_value(json_object_get(c->value, "receipt"));
		if (hash == NULL || !fs_receipt_hash_valid(hash, strlen(hash)))
			continue;
		rc = withdraw_hash(s, &run, hash, err);
		/* Not stored (quarantined): erased by its id all the same, so
		 * nothing of it stays and it is refused if it comes again. */
		if (rc == 0)
			rc = fs_receipt_withdrawn(s, hash, &withdrawn, err);
		if (rc == 0 && withdrawn) {
			rc = s->ops->erasure_get(s->b, c->id, &have, err);
			if (rc == FS_ENOTFOUND) {
				const char *q = json_string_value(
				    json_object_get(c->value, "questionnaire"));
				const char *at = json_string_value(
				    json_object_get(c->value, "submitted_at"));
				char day[11];

				snprintf(day, sizeof(day), "%.10s", at ? at : "");
				rc = withdraw_response(s, &run, hash, c->id, c->site,
						       q && fs_name_is_valid(q) ? q : NULL,
						       strlen(day) == 10 ? day : NULL, err);
			}
		}
	}
	*erased = run.erased;
	return rc;
}

int fs_erase_withdrawn_hash(fs_store *s, const char *hash, long *erased, fs_err *err)
{
	withdrawn_run run = {"", 0};
	int rc = withdraw_hash(s, &run, hash, err);

	*erased = run.erased;
	return rc;
}
