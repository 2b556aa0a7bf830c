/* Copying a whole store into an empty one, and the census that proves the
 * copy whole (copy.h). Everything goes through the backends' operations
 * (backend.h), so any backend copies into any other. */
#include <stdint.h>
#include <sodium.h>
#include <stdlib.h>
#include <string.h>

#include "fieldsync/copy.h"
#include "store_internal.h"

/* The tables that are no replicated table's (those are named as in tables.h). */
static const char *const census_names[FS_CENSUS_COUNT] = {
    [FS_CENSUS_META] = "meta",
    [FS_CENSUS_CONTACT_FIELDS] = "contact_fields",
    [FS_CENSUS_QUARANTINE] = "quarantine",
    [FS_CENSUS_CLAIMS] = "claims",
    [FS_CENSUS_FIELD_VERSIONS] = "field_versions",
    [FS_CENSUS_PEERS] = "peers",
    [FS_CENSUS_DEVICES] = "devices",
    [FS_CENSUS_CODES] = "codes",
    [FS_CENSUS_FAILURES] = "failures",
    [FS_CENSUS_AUDIT] = "audit",
    [FS_CENSUS_RECEIPT_NOTES] = "receipt_withdrawn",
};

const char *fs_census_name(fs_census_table t)
{
	int i;

	for (i = 0; i < fs_table_count; i++)
		if (fs_tables[i].census == t)
			return fs_tables[i].name;
	return (unsigned)t < FS_CENSUS_COUNT && census_names[t] ? census_names[t] : "?";
}

/* The backend's own bookkeeping: each backend keeps its own schema
 * version, so it is neither copied nor counted. */
static int own_meta(const char *key)
{
	return strcmp(key, "hub_schema") == 0;
}

/* The contact of the last contact_each row: contact_each gives a contact
 * once per field, and the census and the copy count (or write) it once. */
typedef struct last_contact {
	char *id;
	size_t cap;
} last_contact;

/* 1 when id is another contact than the last (now remembered), 0 when the
 * same, FS_ENOMEM. */
static int contact_is_new(last_contact *l, const char *id)
{
	size_t n = strlen(id) + 1;

	if (l->id != NULL && strcmp(l->id, id) == 0)
		return 0;
	if (n > l->cap) {
		char *grown = realloc(l->id, n);

		if (grown == NULL)
			return FS_ENOMEM;
		l->id = grown;
		l->cap = n;
	}
	memcpy(l->id, id, n);
	return 1;
}

/* ---- census ---- */

typedef struct census_run {
	fs_census *out;
	crypto_generichash_state h[FS_CENSUS_COUNT];
	last_contact contact;
	const fs_table_desc *record; /* the record table being counted */
} census_run;

/* A column: a NULL marker or its length, then its bytes; so ("ab","c") and
 * ("a","bc"), NULL and "" stay apart. */
static void put_text(census_run *c, fs_census_table t, const char *text)
{
	unsigned char len[9] = {0};
	size_t n = text ? strlen(text) : 0;
	int i;

	len[0] = text ? 1 : 0;
	for (i = 0; i < 8; i++)
		len[1 + i] = (unsigned char)((uint64_t)n >> (8 * i));
	crypto_generichash_update(&c->h[t], len, sizeof(len));
	if (n > 0)
		crypto_generichash_update(&c->h[t], (const unsigned char *)text, n);
}

static void put_i64(census_run *c, fs_census_table t, int64_t v)
{
	unsigned char b[8];
	int i;

	for (i = 0; i < 8; i++)
		b[i] = (unsigned char)((uint64_t)v >> (8 * i));
	crypto_generichash_update(&c->h[t], b, sizeof(b));
}

static void put_bytes(census_run *c, fs_census_table t, const unsigned char *p, size_t n)
{
	put_i64(c, t, (int64_t)n);
	crypto_generichash_update(&c->h[t], p, n);
}

static void row_done(census_run *c, fs_census_table t)
{
	c->out->rows[t]++;
}

static int census_meta(void *ctx, const char *key, const char *value)
{
	census_run *c = ctx;

	if (own_meta(key))
		return 0;
	if (strcmp(key, "seq") == 0) {
		/* Counted once below, whether stored or not (a new PostgreSQL
		 * store holds "0", a new SQLite store nothing). */
		c->out->seq = strtoll(value, NULL, 10);
		return 0;
	}
	put_text(c, FS_CENSUS_META, key);
	put_text(c, FS_CENSUS_META, value);
	row_done(c, FS_CENSUS_META);
	return 0;
}

static int census_questionnaire(void *ctx, const fs_questionnaire_row *r)
{
	census_run *c = ctx;
	fs_census_table t = FS_CENSUS_QUESTIONNAIRES;

	put_text(c, t, r->id);
	put_i64(c, t, r->version);
	put_text(c, t, r->deleted ? NULL : r->doc);
	put_i64(c, t, r->deleted ? 1 : 0);
	put_i64(c, t, (int64_t)r->hlc);
	put_text(c, t, r->site);
	put_i64(c, t, r->seq);
	row_done(c, t);
	return 0;
}

static int census_response(void *ctx, const fs_response_row *r)
{
	census_run *c = ctx;
	fs_census_table t = FS_CENSUS_RESPONSES;
	int live = !r->deleted;

	put_text(c, t, r->id);
	put_i64(c, t, live ? 0 : 1);
	put_text(c, t, live ? r->questionnaire : NULL);
	put_i64(c, t, live ? r->version : 0);
	put_text(c, t, live ? r->started_at : NULL);
	put_text(c, t, live ? r->submitted_at : NULL);
	put_text(c, t, live ? r->language : NULL);
	put_text(c, t, live ? r->mode : NULL);
	put_text(c, t, live ? r->worker : NULL);
	put_text(c, t, live ? r->answers : NULL);
	put_i64(c, t, (int64_t)r->hlc);
	put_text(c, t, r->site);
	put_i64(c, t, r->seq);
	put_text(c, t, live ? r->receipt : NULL);
	row_done(c, t);
	return 0;
}

static int census_contact(void *ctx, const char *id, const char *region, const fs_field_row *f)
{
	census_run *c = ctx;
	int is_new = contact_is_new(&c->contact, id);

	if (is_new < 0)
		return is_new;
	if (is_new) {
		put_text(c, FS_CENSUS_CONTACTS, id);
		put_text(c, FS_CENSUS_CONTACTS, region);
		row_done(c, FS_CENSUS_CONTACTS);
	}
	if (f == NULL)
		return 0;
	put_text(c, FS_CENSUS_CONTACT_FIELDS, id);
	put_text(c, FS_CENSUS_CONTACT_FIELDS, f->field);
	put_text(c, FS_CENSUS_CONTACT_FIELDS, f->value);
	put_i64(c, FS_CENSUS_CONTACT_FIELDS, (int64_t)f->hlc);
	put_text(c, FS_CENSUS_CONTACT_FIELDS, f->site);
	put_i64(c, FS_CENSUS_CONTACT_FIELDS, f->prev_site ? (int64_t)f->prev_hlc : 0);
	put_text(c, FS_CENSUS_CONTACT_FIELDS, f->prev_site);
	put_i64(c, FS_CENSUS_CONTACT_FIELDS, f->seq);
	row_done(c, FS_CENSUS_CONTACT_FIELDS);
	return 0;
}

static int census_conflict(void *ctx, const fs_conflict_row *r)
{
	census_run *c = ctx;
	fs_census_table t = FS_CENSUS_CONFLICTS;

	put_text(c, t, r->id);
	put_text(c, t, r->record_table);
	put_text(c, t, r->record_id);
	put_text(c, t, r->region);
	put_text(c, t, r->field);
	put_text(c, t, r->winner_value);
	put_i64(c, t, (int64_t)r->winner_hlc);
	put_text(c, t, r->winner_site);
	put_text(c, t, r->loser_value);
	put_i64(c, t, (int64_t)r->loser_hlc);
	put_text(c, t, r->loser_site);
	put_i64(c, t, (int64_t)r->hlc);
	put_text(c, t, r->site);
	put_i64(c, t, r->seq);
	row_done(c, t);
	return 0;
}

static int census_quarantine(void *ctx, int64_t id, const fs_quarantine_row *r)
{
	census_run *c = ctx;
	fs_census_table t = FS_CENSUS_QUARANTINE;

	put_i64(c, t, id);
	put_i64(c, t, (int64_t)r->received_hlc);
	put_text(c, t, r->from_site);
	put_text(c, t, r->record_table);
	put_text(c, t, r->record_id);
	put_text(c, t, r->reason);
	put_text(c, t, r->change);
	row_done(c, t);
	return 0;
}

static int census_claim(void *ctx, const char *id, const char *site, fs_hlc hlc)
{
	census_run *c = ctx;

	put_text(c, FS_CENSUS_CLAIMS, id);
	put_text(c, FS_CENSUS_CLAIMS, site);
	put_i64(c, FS_CENSUS_CLAIMS, (int64_t)hlc);
	row_done(c, FS_CENSUS_CLAIMS);
	return 0;
}

static int census_field_version(void *ctx, const char *contact_id, int64_t key)
{
	census_run *c = ctx;

	put_text(c, FS_CENSUS_FIELD_VERSIONS, contact_id);
	put_i64(c, FS_CENSUS_FIELD_VERSIONS, key);
	row_done(c, FS_CENSUS_FIELD_VERSIONS);
	return 0;
}

static int census_peer(void *ctx, const char *site, int64_t push, int64_t pull)
{
	census_run *c = ctx;

	put_text(c, FS_CENSUS_PEERS, site);
	put_i64(c, FS_CENSUS_PEERS, push);
	put_i64(c, FS_CENSUS_PEERS, pull);
	row_done(c, FS_CENSUS_PEERS);
	return 0;
}

static int census_erasure(void *ctx, const fs_erasure_row *r)
{
	census_run *c = ctx;
	fs_census_table t = FS_CENSUS_ERASURES;

	put_text(c, t, r->id);
	put_text(c, t, r->record_table);
	put_text(c, t, r->region);
	put_text(c, t, r->holder);
	put_text(c, t, r->request);
	put_text(c, t, r->kind);
	put_i64(c, t, (int64_t)r->hlc);
	put_text(c, t, r->site);
	put_i64(c, t, r->seq);
	row_done(c, t);
	return 0;
}

static int census_resolution(void *ctx, const fs_resolution_row *r)
{
	census_run *c = ctx;
	fs_census_table t = FS_CENSUS_RESOLUTIONS;

	put_text(c, t, r->id);
	put_text(c, t, r->region);
	put_text(c, t, r->chosen);
	put_text(c, t, r->value);
	put_i64(c, t, (int64_t)r->hlc);
	put_text(c, t, r->site);
	put_i64(c, t, r->seq);
	row_done(c, t);
	return 0;
}

/* A record table's row (tables.h): its columns, the tombstone mark, the
 * stamp and seq. */
static int census_record(void *ctx, const fs_record_row *r)
{
	census_run *c = ctx;
	const fs_table_desc *d = c->record;
	fs_census_table t = d->census;
	int i;

	for (i = 0; i < d->ncols; i++)
		if (d->cols[i].type == FS_COL_TEXT)
			put_text(c, t, r->col[i].text);
		else
			put_i64(c, t, r->col[i].num);
	if (d->tombstones)
		put_i64(c, t, r->deleted);
	put_i64(c, t, (int64_t)r->hlc);
	put_text(c, t, r->site);
	put_i64(c, t, r->seq);
	row_done(c, t);
	return 0;
}

static int census_device(void *ctx, const fs_device_row *r)
{
	census_run *c = ctx;
	fs_census_table t = FS_CENSUS_DEVICES;

	put_text(c, t, r->site);
	put_text(c, t, r->name);
	put_text(c, t, r->region);
	put_bytes(c, t, r->token_hash, FS_REGISTRY_HASH_LEN);
	put_i64(c, t, (int64_t)r->enrolled_ms);
	put_i64(c, t, (int64_t)r->last_sync_ms);
	put_text(c, t, r->last_error);
	put_i64(c, t, r->revoked ? 1 : 0);
	put_text(c, t, r->agent_version);
	put_i64(c, t, r->pending);
	put_i64(c, t, r->has_clock_offset ? r->clock_offset_ms : INT64_MIN);
	put_text(c, t, r->moved_from);
	put_i64(c, t, (int64_t)r->moved_ms);
	row_done(c, t);
	return 0;
}

static int census_code(void *ctx, const fs_code_row *r)
{
	census_run *c = ctx;
	fs_census_table t = FS_CENSUS_CODES;

	put_bytes(c, t, r->hash, FS_REGISTRY_HASH_LEN);
	put_text(c, t, r->region);
	put_i64(c, t, (int64_t)r->created_ms);
	put_i64(c, t, (int64_t)r->expires_ms);
	put_text(c, t, r->used_by);
	row_done(c, t);
	return 0;
}

static int census_failure(void *ctx, uint64_t at_ms)
{
	census_run *c = ctx;

	put_i64(c, FS_CENSUS_FAILURES, (int64_t)at_ms);
	row_done(c, FS_CENSUS_FAILURES);
	return 0;
}

/* ---- the audit trail: census and copy (hub/audit.c) ---- */

static int census_audit(void *ctx, const fs_audit_row *r)
{
	census_run *c = ctx;
	fs_census_table t = FS_CENSUS_AUDIT;

	put_i64(c, t, r->id);
	put_i64(c, t, (int64_t)r->at_ms);
	put_text(c, t, r->actor);
	put_text(c, t, r->action);
	put_text(c, t, r->detail);
	put_bytes(c, t, r->prev_hash, FS_REGISTRY_HASH_LEN);
	put_bytes(c, t, r->hash, FS_REGISTRY_HASH_LEN);
	row_done(c, t);
	return 0;
}

static int census_receipt_note(void *ctx, const char *receipt, const char *questionnaire,
                               const char *on, const char *region)
{
	census_run *c = ctx;
	fs_census_table t = FS_CENSUS_RECEIPT_NOTES;

	put_text(c, t, receipt);
	put_text(c, t, questionnaire);
	put_text(c, t, on);
	put_text(c, t, region);
	row_done(c, t);
	return 0;
}

/* Census of s in the transaction open on it (a snapshot or the copy's
 * write transaction). */
static int census_of(fs_store *s, fs_census *out, fs_err *err)
{
	static const fs_response_filter every = {NULL, NULL, NULL, NULL, 1, 0};
	const fs_backend_ops *o = s->ops;
	census_run c;
	int rc, i;

	memset(out, 0, sizeof(*out));
	memset(&c, 0, sizeof(c));
	c.out = out;
	for (i = 0; i < FS_CENSUS_COUNT; i++)
		crypto_generichash_init(&c.h[i], NULL, 0, sizeof(uint64_t));
	rc = o->meta_each(s->b, census_meta, &c, err);
	if (rc == 0) {
		put_text(&c, FS_CENSUS_META, "seq");
		put_i64(&c, FS_CENSUS_META, out->seq);
		row_done(&c, FS_CENSUS_META);
		rc = o->questionnaire_each(s->b, census_questionnaire, &c, err);
	}
	if (rc == 0)
		rc = o->response_each(s->b, &every, census_response, &c, err);
	if (rc == 0)
		rc = o->contact_each(s->b, NULL, NULL, census_contact, &c, err);
	if (rc == FS_ENOMEM)
		rc = fs_err_set(err, FS_ENOMEM, "census: out of memory");
	if (rc == 0)
		rc = o->conflict_each(s->b, -1, census_conflict, &c, err);
	if (rc == 0)
		rc = o->quarantine_each(s->b, census_quarantine, &c, err);
	if (rc == 0)
		rc = o->claim_each(s->b, census_claim, &c, err);
	if (rc == 0)
		rc = o->field_version_each(s->b, census_field_version, &c, err);
	if (rc == 0)
		rc = o->peer_each(s->b, census_peer, &c, err);
	if (rc == 0)
		rc = o->erasure_each(s->b, NULL, census_erasure, &c, err);
	if (rc == 0)
		rc = o->resolution_each(s->b, census_resolution, &c, err);
	for (c.record = fs_record_next(NULL); rc == 0 && c.record;
	     c.record = fs_record_next(c.record))
		rc = o->record_each(s->b, c.record, NULL, census_record, &c, err);
	if (rc == 0 && s->reg != NULL) {
		out->registry = 1;
		rc = s->reg->device_each(s->b, census_device, &c, err);
		if (rc == 0)
			rc = s->reg->code_each(s->b, census_code, &c, err);
		if (rc == 0)
			rc = s->reg->failure_each(s->b, census_failure, &c, err);
		if (rc == 0)
			rc = s->reg->audit_each(s->b, 0, 0, census_audit, &c, err);
		if (rc == 0)
			rc = s->reg->receipt_note_each(s->b, census_receipt_note, &c, err);
	}
	for (i = 0; i < FS_CENSUS_COUNT; i++) {
		unsigned char h[sizeof(uint64_t)];
		int j;

		crypto_generichash_final(&c.h[i], h, sizeof(h));
		out->hash[i] = 0;
		for (j = 0; j < (int)sizeof(h); j++)
			out->hash[i] = out->hash[i] << 8 | h[j];
	}
	free(c.contact.id);
	return rc;
}

int fs_store_census(fs_store *s, fs_census *out, fs_err *err)
{
	int rc = fs_txn_read_begin(s, err);

	if (rc != 0) {
		memset(out, 0, sizeof(*out));
		return rc;
	}
	rc = census_of(s, out, err);
	fs_txn_read_end(s);
	return rc;
}

int fs_census_equal(const fs_census *a, const fs_census *b, fs_census_table *first)
{
	int i, n = a->registry && b->registry ? FS_CENSUS_COUNT : FS_CENSUS_DEVICES;

	for (i = 0; i < n; i++)
		if (a->rows[i] != b->rows[i] || a->hash[i] != b->hash[i]) {
			if (first != NULL)
				*first = (fs_census_table)i;
			return 0;
		}
	return 1;
}

/* An empty store: meta holds only the counter, at 0; no other row. The
 * first table holding something, or -1. */
static int first_held(const fs_census *c)
{
	int i;

	if (c->rows[FS_CENSUS_META] != 1 || c->seq != 0)
		return FS_CENSUS_META;
	for (i = FS_CENSUS_META + 1; i < FS_CENSUS_COUNT; i++)
		if (c->rows[i] != 0)
			return i;
	return -1;
}

/* ---- copy ---- */

typedef struct copy_run {
	fs_store *to;
	const fs_backend_ops *o; /* to's */
	fs_err *err;
	fs_copy_progress_fn progress;
	void *progress_ctx;
	fs_census_table table;       /* being copied */
	int64_t rows;                /* of it so far */
	const fs_table_desc *record; /* the record table being copied */
	last_contact contact;
} copy_run;

/* One more row of the current table copied: progress every batch. */
static int copied(copy_run *c)
{
	c->rows++;
	if (c->progress != NULL && c->rows % FS_COPY_BATCH == 0)
		return c->progress(c->progress_ctx, c->table, c->rows);
	return 0;
}

static int table_start(copy_run *c, fs_census_table t)
{
	c->table = t;
	c->rows = 0;
	return 0;
}

static int table_end(copy_run *c)
{
	return c->progress != NULL ? c->progress(c->progress_ctx, c->table, c->rows) : 0;
}

/* A row the empty target already had: only when the source breaks its own
 * keys, or the target was not empty after all. */
static int twice(copy_run *c, const char *what, const char *id)
{
	return fs_err_set(c->err, FS_ECONFLICT, "copy: %s %s is in the target already", what, id);
}

static int copy_meta(void *ctx, const char *key, const char *value)
{
	copy_run *c = ctx;
	int rc;

	if (own_meta(key))
		return 0;
	rc = c->o->meta_put(c->to->b, key, value, c->err);
	return rc != 0 ? rc : copied(c);
}

static int copy_questionnaire(void *ctx, const fs_questionnaire_row *r)
{
	copy_run *c = ctx;
	int inserted = 0, rc = c->o->questionnaire_insert(c->to->b, r, &inserted, c->err);

	if (rc == 0 && !inserted)
		rc = twice(c, "questionnaire", r->id);
	return rc != 0 ? rc : copied(c);
}

static int copy_response(void *ctx, const fs_response_row *r)
{
	copy_run *c = ctx;
	int inserted = 0, rc = c->o->response_insert(c->to->b, r, &inserted, c->err);

	if (rc == 0 && !inserted)
		rc = twice(c, "response", r->id);
	return rc != 0 ? rc : copied(c);
}

static int copy_contact(void *ctx, const char *id, const char *region, const fs_field_row *f)
{
	copy_run *c = ctx;
	int rc = contact_is_new(&c->contact, id);

	if (rc == FS_ENOMEM)
		return fs_err_set(c->err, rc, "copy: out of memory");
	if (rc == 1) {
		rc = c->o->contact_insert(c->to->b, id, region, c->err);
		if (rc == 0)
			rc = copied(c);
	}
	if (rc == 0 && f != NULL)
		rc = c->o->field_put(c->to->b, f, c->err);
	return rc;
}

static int copy_conflict(void *ctx, const fs_conflict_row *r)
{
	copy_run *c = ctx;
	int inserted = 0, rc = c->o->conflict_insert(c->to->b, r, 0, &inserted, c->err);

	if (rc == 0 && !inserted)
		rc = twice(c, "conflict", r->id);
	return rc != 0 ? rc : copied(c);
}

static int copy_quarantine(void *ctx, int64_t id, const fs_quarantine_row *r)
{
	copy_run *c = ctx;
	int rc = c->o->quarantine_put(c->to->b, id, r, c->err);

	return rc != 0 ? rc : copied(c);
}

static int copy_claim(void *ctx, const char *id, const char *site, fs_hlc hlc)
{
	copy_run *c = ctx;
	int rc = c->o->claim_add(c->to->b, id, site, hlc, c->err);

	return rc != 0 ? rc : copied(c);
}

static int copy_field_version(void *ctx, const char *contact_id, int64_t key)
{
	copy_run *c = ctx;
	int rc = c->o->field_version_add(c->to->b, contact_id, key, c->err);

	return rc != 0 ? rc : copied(c);
}

static int copy_peer(void *ctx, const char *site, int64_t push, int64_t pull)
{
	copy_run *c = ctx;
	/* Into an empty table the first makes the row, with push as is. */
	int rc = c->o->peer_set_push(c->to->b, site, push, c->err);

	if (rc == 0)
		rc = c->o->peer_set_pull(c->to->b, site, pull, c->err);
	return rc != 0 ? rc : copied(c);
}

static int copy_erasure(void *ctx, const fs_erasure_row *r)
{
	copy_run *c = ctx;
	int inserted = 0, rc = c->o->erasure_insert(c->to->b, r, &inserted, c->err);

	if (rc == 0 && !inserted)
		rc = twice(c, "erasure of record", r->id);
	return rc != 0 ? rc : copied(c);
}

static int copy_resolution(void *ctx, const fs_resolution_row *r)
{
	copy_run *c = ctx;
	int inserted = 0, rc = c->o->resolution_insert(c->to->b, r, &inserted, c->err);

	if (rc == 0 && !inserted)
		rc = twice(c, "resolution of conflict", r->id);
	return rc != 0 ? rc : copied(c);
}

static int copy_record(void *ctx, const fs_record_row *r)
{
	copy_run *c = ctx;
	int changed = 0, rc = c->o->record_put(c->to->b, c->record, r, &changed, c->err);
	char label[FS_ERR_MSG_MAX / 2];

	if (rc == 0 && !changed) {
		fs_record_label(label, sizeof(label), c->record, r);
		rc = fs_err_set(c->err, FS_ECONFLICT, "copy: %s is in the target already", label);
	}
	return rc != 0 ? rc : copied(c);
}

static int copy_device(void *ctx, const fs_device_row *r)
{
	copy_run *c = ctx;
	int rc = c->to->reg->device_insert(c->to->b, r, c->err);

	return rc != 0 ? rc : copied(c);
}

static int copy_code(void *ctx, const fs_code_row *r)
{
	copy_run *c = ctx;
	int won = 1, rc = c->to->reg->code_insert(c->to->b, r->hash, r->region, r->created_ms,
	                                          r->expires_ms, c->err);

	if (rc == 0 && r->used_by != NULL)
		rc = c->to->reg->code_use(c->to->b, r->hash, r->used_by, &won, c->err);
	if (rc == 0 && !won)
		rc = twice(c, "enrollment code of region", r->region);
	return rc != 0 ? rc : copied(c);
}

static int copy_failure(void *ctx, uint64_t at_ms)
{
	copy_run *c = ctx;
	int rc = c->to->reg->failure_add(c->to->b, at_ms, c->err);

	return rc != 0 ? rc : copied(c);
}

static int copy_receipt_note(void *ctx, const char *receipt, const char *questionnaire,
                             const char *on, const char *region)
{
	copy_run *c = ctx;
	int rc = c->to->reg->receipt_note(c->to->b, receipt, questionnaire, on, region, c->err);

	return rc != 0 ? rc : copied(c);
}

/* Verbatim, ids and hashes kept: the copy's chain verifies as the source's. */
static int copy_audit(void *ctx, const fs_audit_row *r)
{
	copy_run *c = ctx;
	int rc = c->to->reg->audit_append(c->to->b, r, c->err);

	return rc != 0 ? rc : copied(c);
}

/* Every table of from into to's open write transaction, in census order. */
static int copy_tables(fs_store *from, copy_run *c)
{
	static const fs_response_filter every = {NULL, NULL, NULL, NULL, 1, 0};
	const fs_backend_ops *o = from->ops;
	fs_err *err = c->err;
	int rc;

	if ((rc = table_start(c, FS_CENSUS_META)) == 0 &&
	    (rc = o->meta_each(from->b, copy_meta, c, err)) == 0)
		rc = table_end(c);
	if (rc == 0 && (rc = table_start(c, FS_CENSUS_QUESTIONNAIRES)) == 0 &&
	    (rc = o->questionnaire_each(from->b, copy_questionnaire, c, err)) == 0)
		rc = table_end(c);
	if (rc == 0 && (rc = table_start(c, FS_CENSUS_RESPONSES)) == 0 &&
	    (rc = o->response_each(from->b, &every, copy_response, c, err)) == 0)
		rc = table_end(c);
	if (rc == 0 && (rc = table_start(c, FS_CENSUS_CONTACTS)) == 0 &&
	    (rc = o->contact_each(from->b, NULL, NULL, copy_contact, c, err)) == 0)
		rc = table_end(c);
	if (rc == 0 && (rc = table_start(c, FS_CENSUS_CONFLICTS)) == 0 &&
	    (rc = o->conflict_each(from->b, -1, copy_conflict, c, err)) == 0)
		rc = table_end(c);
	if (rc == 0 && (rc = table_start(c, FS_CENSUS_QUARANTINE)) == 0 &&
	    (rc = o->quarantine_each(from->b, copy_quarantine, c, err)) == 0)
		rc = table_end(c);
	if (rc == 0 && (rc = table_start(c, FS_CENSUS_CLAIMS)) == 0 &&
	    (rc = o->claim_each(from->b, copy_claim, c, err)) == 0)
		rc = table_end(c);
	if (rc == 0 && (rc = table_start(c, FS_CENSUS_FIELD_VERSIONS)) == 0 &&
	    (rc = o->field_version_each(from->b, copy_field_version, c, err)) == 0)
		rc = table_end(c);
	if (rc == 0 && (rc = table_start(c, FS_CENSUS_PEERS)) == 0 &&
	    (rc = o->peer_each(from->b, copy_peer, c, err)) == 0)
		rc = table_end(c);
	if (rc == 0 && (rc = table_start(c, FS_CENSUS_ERASURES)) == 0 &&
	    (rc = o->erasure_each(from->b, NULL, copy_erasure, c, err)) == 0)
		rc = table_end(c);
	if (rc == 0 && (rc = table_start(c, FS_CENSUS_RESOLUTIONS)) == 0 &&
	    (rc = o->resolution_each(from->b, copy_resolution, c, err)) == 0)
		rc = table_end(c);
	for (c->record = fs_record_next(NULL); rc == 0 && c->record;
	     c->record = fs_record_next(c->record))
		if ((rc = table_start(c, c->record->census)) == 0 &&
		    (rc = o->record_each(from->b, c->record, NULL, copy_record, c, err)) == 0)
			rc = table_end(c);
	if (rc != 0 || from->reg == NULL)
		return rc;
	if ((rc = table_start(c, FS_CENSUS_DEVICES)) == 0 &&
	    (rc = from->reg->device_each(from->b, copy_device, c, err)) == 0)
		rc = table_end(c);
	if (rc == 0 && (rc = table_start(c, FS_CENSUS_CODES)) == 0 &&
	    (rc = from->reg->code_each(from->b, copy_code, c, err)) == 0)
		rc = table_end(c);
	if (rc == 0 && (rc = table_start(c, FS_CENSUS_FAILURES)) == 0 &&
	    (rc = from->reg->failure_each(from->b, copy_failure, c, err)) == 0)
		rc = table_end(c);
	if (rc == 0 && (rc = table_start(c, FS_CENSUS_AUDIT)) == 0 &&
	    (rc = from->reg->audit_each(from->b, 0, 0, copy_audit, c, err)) == 0)
		rc = table_end(c);
	if (rc == 0 && (rc = table_start(c, FS_CENSUS_RECEIPT_NOTES)) == 0 &&
	    (rc = from->reg->receipt_note_each(from->b, copy_receipt_note, c, err)) == 0)
		rc = table_end(c);
	return rc;
}

/* to's identity as copied (the handle read it when opened). */
static int reload_identity(fs_store *to, fs_err *err)
{
	int rc = to->ops->meta_get(to->b, "site", to->site, sizeof(to->site), err);

	if (rc == FS_ENOTFOUND)
		to->site[0] = '\0';
	else if (rc != 0)
		return rc;
	rc = to->ops->meta_get(to->b, "region", to->region, sizeof(to->region), err);
	if (rc == FS_ENOTFOUND)
		to->region[0] = '\0';
	else if (rc != 0)
		return rc;
	return 0;
}

/* fs_store_copy, or with snapshot fs_store_copy_snapshot: from's digest is
 * not compared after the commit (it may have moved on). */
static int copy_store(fs_store *from, fs_store *to, fs_copy_progress_fn progress, void *ctx,
                      int snapshot, fs_copy_result *out, fs_err *err)
{
	static const fs_digest_scope everything = {NULL, NULL, 1, 1, 1};
	fs_census source, target;
	fs_census_table differs = FS_CENSUS_META;
	copy_run c;
	uint64_t d_from = 0, d_to = 0;
	int rc, held;

	memset(out, 0, sizeof(*out));
	if (from == to)
		return fs_err_set(err, FS_EINVAL, "copy: source and target are the same handle");
	if ((from->reg == NULL) != (to->reg == NULL))
		return fs_err_set(err, FS_EINVAL,
		                  "copy: source and target must both be opened as a hub's, or "
		                  "neither");
	rc = fs_store_census(to, &target, err);
	if (rc != 0)
		return rc;
	held = first_held(&target);
	if (held >= 0)
		return fs_err_set(
		    err, FS_ECONFLICT,
		    "copy: the target is not empty (its %s table holds %lld rows%s); a "
		    "copy goes only into a new, empty store",
		    fs_census_name((fs_census_table)held), (long long)target.rows[held],
		    held == FS_CENSUS_META && target.seq != 0 ? ", change counter not 0" : "");
	/* One snapshot of from for its census and every row copied. */
	rc = fs_txn_read_begin(from, err);
	if (rc != 0)
		return rc;
	rc = census_of(from, &source, err);
	if (rc != 0) {
		fs_txn_read_end(from);
		return rc;
	}
	memset(&c, 0, sizeof(c));
	c.to = to;
	c.o = to->ops;
	c.err = err;
	c.progress = progress;
	c.progress_ctx = ctx;
	/* One write transaction of to: all or nothing. */
	rc = to->ops->begin(to->b, FS_TXN_WRITE, err);
	if (rc != 0) {
		fs_txn_read_end(from);
		return rc;
	}
	to->in_txn = FS_TXN_WRITE;
	rc = copy_tables(from, &c);
	fs_txn_read_end(from);
	free(c.contact.id);
	if (rc == 0)
		rc = census_of(to, &target, err);
	if (rc == 0 && !fs_census_equal(&source, &target, &differs))
		rc =
		    fs_err_set(err, FS_EGENERIC,
		               "copy: verification failed: the %s table differs (source %lld rows, "
		               "copy %lld); nothing was committed",
		               fs_census_name(differs), (long long)source.rows[differs],
		               (long long)target.rows[differs]);
	if (rc != 0) {
		fs_txn_rollback(to);
		return rc;
	}
	to->in_txn = 0;
	rc = to->ops->commit(to->b, err); /* rolls back what did not commit */
	if (rc != 0)
		return rc;
	rc = reload_identity(to, err);
	if (rc == 0 && !snapshot)
		rc = fs_store_digest(from, &everything, &d_from, err);
	if (rc == 0)
		rc = fs_store_digest(to, &everything, &d_to, err);
	if (rc == 0 && !snapshot && d_from != d_to)
		rc = fs_err_set(err, FS_EGENERIC,
		                "copy: the source changed after it was copied (digest %016llx, the "
		                "copy's %016llx): the target holds the older state; stop every "
		                "writer of the source and copy again into a new, empty store",
		                (unsigned long long)d_from, (unsigned long long)d_to);
	if (rc != 0)
		return rc;
	out->census = source;
	out->digest = d_to;
	return 0;
}

int fs_store_copy(fs_store *from, fs_store *to, fs_copy_progress_fn progress, void *ctx,
                  fs_copy_result *out, fs_err *err)
{
	return copy_store(from, to, progress, ctx, 0, out, err);
}

int fs_store_copy_snapshot(fs_store *from, fs_store *to, fs_copy_progress_fn progress,
                           void *ctx, fs_copy_result *out, fs_err *err)
{
	return copy_store(from, to, progress, ctx, 1, out, err);
}
