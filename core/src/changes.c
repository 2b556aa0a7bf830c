/* Reading changes after a cursor: the backend's scan of every table in seq
 * order (seq is unique across tables), so a batch can be cut anywhere and
 * the next read resumes exactly after it. Rows become changes here. */
#include "fieldsync/changes.h"

#include <string.h>

#include "rows.h"
#include "store_internal.h"

static void copy_name(char *out, size_t len, const char *in)
{
	snprintf(out, len, "%s", in ? in : "");
}

static size_t text_len(const char *t)
{
	return t ? strlen(t) : 0;
}

/* A row as a change; *bytes gets a size estimate of its JSON. */
static int row_to_change(fs_change *c, const fs_row *row, size_t *bytes, fs_err *err)
{
	memset(c, 0, sizeof(*c));
	c->table = row->table;
	switch (row->table) {
	case FS_TABLE_QUESTIONNAIRES: {
		const fs_questionnaire_row *q = &row->u.q;

		copy_name(c->id, sizeof(c->id), q->id);
		c->version = q->version;
		c->deleted = q->deleted;
		c->hlc = q->hlc;
		copy_name(c->site, sizeof(c->site), q->site);
		if (!c->deleted)
			c->value = json_loads(q->doc ? q->doc : "", JSON_DECODE_ANY, NULL);
		*bytes = 160 + text_len(q->doc);
		break;
	}
	case FS_TABLE_RESPONSES: {
		const fs_response_row *r = &row->u.r;

		copy_name(c->id, sizeof(c->id), r->id);
		c->deleted = r->deleted;
		c->hlc = r->hlc;
		copy_name(c->site, sizeof(c->site), r->site);
		if (!c->deleted)
			fs_response_row_body(&c->value, r, NULL);
		*bytes = 320 + text_len(r->answers);
		break;
	}
	case FS_TABLE_CONTACTS: {
		const fs_field_row *f = &row->u.f;

		copy_name(c->id, sizeof(c->id), f->contact_id);
		copy_name(c->region, sizeof(c->region), f->region);
		copy_name(c->field, sizeof(c->field), f->field);
		c->value = json_loads(f->value ? f->value : "", JSON_DECODE_ANY, NULL);
		c->hlc = f->hlc;
		copy_name(c->site, sizeof(c->site), f->site);
		if (f->prev_site != NULL) {
			c->prev_hlc = f->prev_hlc;
			copy_name(c->prev_site, sizeof(c->prev_site), f->prev_site);
		}
		*bytes = 200 + text_len(f->value);
		break;
	}
	case FS_TABLE_CONFLICTS: {
		const fs_conflict_row *k = &row->u.c;

		copy_name(c->id, sizeof(c->id), k->id);
		copy_name(c->region, sizeof(c->region), k->region);
		c->hlc = k->hlc;
		copy_name(c->site, sizeof(c->site), k->site);
		c->value = fs_rows_conflict_body(k);
		*bytes = 400 + text_len(k->winner_value) + text_len(k->loser_value);
		break;
	}
	case FS_TABLE_ERASURES: {
		const fs_erasure_row *e = &row->u.e;

		copy_name(c->id, sizeof(c->id), e->id);
		copy_name(c->region, sizeof(c->region), e->region);
		c->hlc = e->hlc;
		copy_name(c->site, sizeof(c->site), e->site);
		c->value = fs_rows_erasure_body(e);
		*bytes = 320;
		break;
	}
	case FS_TABLE_RESOLUTIONS: {
		const fs_resolution_row *v = &row->u.res;

		copy_name(c->id, sizeof(c->id), v->id);
		copy_name(c->region, sizeof(c->region), v->region);
		c->hlc = v->hlc;
		copy_name(c->site, sizeof(c->site), v->site);
		c->value = fs_rows_resolution_body(v);
		*bytes = 320 + text_len(v->value);
		break;
	}
	default: {
		const fs_table_desc *t = fs_table_desc_of(row->table);
		int i;

		if (fs_record_to_change(t, &row->u.rec, c) != 0) {
			json_decref(c->value);
			c->value = NULL;
			c->deleted = 0;
		}
		/* Its JSON: the envelope, then each column's key and value. */
		*bytes = 100;
		for (i = 0; i < t->ncols; i++)
			*bytes += strlen(t->cols[i].name) + 6 + text_len(row->u.rec.col[i].text);
		break;
	}
	}
	if (c->value == NULL && !c->deleted)
		return fs_err_set(err, FS_ENOMEM, "changes: cannot read %s", c->id);
	return 0;
}

typedef struct read_ctx {
	fs_changeset *out;
	size_t max_changes, max_bytes, bytes;
	int64_t last;
	int cut;
	fs_err *err;
} read_ctx;

static int take(void *ctx, const fs_row *row)
{
	read_ctx *r = ctx;
	fs_change c;
	size_t est = 0;
	int rc;

	/* A row past the batch: more remain. */
	if (r->out->count >= r->max_changes || (r->out->count > 0 && r->bytes >= r->max_bytes)) {
		r->cut = 1;
		return 1;
	}
	rc = row_to_change(&c, row, &est, r->err);
	if (rc == 0)
		rc = fs_changeset_add(r->out, &c, r->err);
	if (rc != 0) {
		json_decref(c.value);
		return rc;
	}
	r->bytes += est;
	r->last = row->seq;
	return 0;
}

int fs_changes_read(fs_store *s, fs_changeset *out, int64_t cursor, const fs_changes_filter *filter,
		    size_t max_changes, size_t max_bytes, fs_err *err)
{
	read_ctx r;
	int64_t store_seq = 0;
	int rc;

	fs_changeset_init(out);
	if (max_changes == 0)
		max_changes = 1;
	memset(&r, 0, sizeof(r));
	r.out = out;
	r.max_changes = max_changes;
	r.max_bytes = max_bytes;
	r.last = cursor;
	r.err = err;
	rc = fs_txn_read_begin(s, err);
	if (rc != 0)
		return rc;
	/* One row beyond the batch tells whether more remain. */
	rc = s->ops->changes_scan(s->b, cursor, filter, max_changes + 1, take, &r, err);
	if (rc == 0 && !r.cut)
		rc = fs_store_seq(s, &store_seq, err);
	fs_txn_read_end(s);
	if (rc != 0) {
		fs_changeset_free(out);
		return rc;
	}
	out->from = cursor;
	/* Nothing cut: every change up to the store's counter was considered,
	 * including those the filter left out, so the cursor can move past them. */
	out->to = r.cut ? r.last : (store_seq > cursor ? store_seq : cursor);
	out->more = r.cut;
	out->time_ms = fs_store_now_ms(s);
	snprintf(out->site, sizeof(out->site), "%s", s->site);
	return 0;
}
