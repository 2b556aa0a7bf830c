/* Reading changes after a cursor: one index range scan per table, merged
 * by seq (seq is unique across tables), so a batch can be cut anywhere and
 * the next read resumes exactly after it. */
#include "fieldsync/changes.h"

#include <string.h>

#include "store_internal.h"

#define NSCAN 4

typedef struct scan {
	sqlite3_stmt *st;
	fs_table table;
	int has_row;
	long fetched;
} scan;

static const char *col_text(sqlite3_stmt *st, int i)
{
	const unsigned char *t = sqlite3_column_text(st, i);

	return t ? (const char *)t : "";
}

static json_t *col_json(sqlite3_stmt *st, int i)
{
	if (sqlite3_column_type(st, i) == SQLITE_NULL)
		return json_null();
	return json_loads(col_text(st, i), JSON_DECODE_ANY, NULL);
}

static void copy_name(char *out, size_t len, const char *in)
{
	snprintf(out, len, "%s", in);
}

static json_t *side_json(sqlite3_stmt *st, int col)
{
	char hlc[FS_HLC_TEXT_LEN + 1];

	fs_hlc_format(hlc, (fs_hlc)sqlite3_column_int64(st, col + 1));
	return json_pack("{s:o, s:s, s:s}", "value", col_json(st, col), "hlc", hlc, "site",
			 col_text(st, col + 2));
}

/* Turn the current row of sc into a change; *bytes gets a size estimate. */
static int row_to_change(fs_change *c, scan *sc, size_t *bytes, fs_err *err)
{
	sqlite3_stmt *st = sc->st;

	memset(c, 0, sizeof(*c));
	c->table = sc->table;
	copy_name(c->id, sizeof(c->id), col_text(st, 1));
	switch (sc->table) {
	case FS_TABLE_QUESTIONNAIRES:
		c->version = sqlite3_column_int64(st, 2);
		c->deleted = sqlite3_column_int(st, 4);
		c->hlc = (fs_hlc)sqlite3_column_int64(st, 5);
		copy_name(c->site, sizeof(c->site), col_text(st, 6));
		if (!c->deleted)
			c->value = col_json(st, 3);
		*bytes = 160 + (size_t)sqlite3_column_bytes(st, 3);
		break;
	case FS_TABLE_RESPONSES:
		c->deleted = sqlite3_column_int(st, 10);
		c->hlc = (fs_hlc)sqlite3_column_int64(st, 11);
		copy_name(c->site, sizeof(c->site), col_text(st, 12));
		if (!c->deleted) {
			c->value = json_pack(
				"{s:s, s:I, s:s, s:s, s:s, s:s, s:o}", "questionnaire",
				col_text(st, 2), "version", (json_int_t)sqlite3_column_int64(st, 3),
				"started_at", col_text(st, 4), "submitted_at", col_text(st, 5),
				"language", col_text(st, 6), "mode", col_text(st, 7), "answers",
				col_json(st, 9));
			if (c->value != NULL && sqlite3_column_type(st, 8) != SQLITE_NULL)
				json_object_set_new(c->value, "worker",
						    json_string(col_text(st, 8)));
		}
		*bytes = 320 + (size_t)sqlite3_column_bytes(st, 9);
		break;
	case FS_TABLE_CONTACTS:
		copy_name(c->region, sizeof(c->region), col_text(st, 2));
		copy_name(c->field, sizeof(c->field), col_text(st, 3));
		c->value = col_json(st, 4);
		c->hlc = (fs_hlc)sqlite3_column_int64(st, 5);
		copy_name(c->site, sizeof(c->site), col_text(st, 6));
		if (sqlite3_column_type(st, 8) != SQLITE_NULL) {
			c->prev_hlc = (fs_hlc)sqlite3_column_int64(st, 7);
			copy_name(c->prev_site, sizeof(c->prev_site), col_text(st, 8));
		}
		*bytes = 200 + (size_t)sqlite3_column_bytes(st, 4);
		break;
	case FS_TABLE_CONFLICTS:
		copy_name(c->region, sizeof(c->region), col_text(st, 2));
		c->hlc = (fs_hlc)sqlite3_column_int64(st, 12);
		copy_name(c->site, sizeof(c->site), col_text(st, 13));
		c->value = json_pack("{s:s, s:s, s:s, s:o, s:o}", "table", col_text(st, 3),
				     "record", col_text(st, 4), "field", col_text(st, 5), "winner",
				     side_json(st, 6), "loser", side_json(st, 9));
		*bytes = 400 + (size_t)sqlite3_column_bytes(st, 6) +
			 (size_t)sqlite3_column_bytes(st, 9);
		break;
	}
	if (c->value == NULL && !c->deleted)
		return fs_err_set(err, FS_ENOMEM, "changes: cannot read %s", c->id);
	return 0;
}

static int scan_step(fs_store *s, scan *sc, fs_err *err)
{
	int rc = sqlite3_step(sc->st);

	if (rc == SQLITE_ROW) {
		sc->has_row = 1;
		sc->fetched++;
		return 0;
	}
	sc->has_row = 0;
	if (rc == SQLITE_DONE)
		return 0;
	return fs_store_sqlite_err(s, err, "read changes");
}

int fs_changes_read(fs_store *s, fs_changeset *out, int64_t cursor, const fs_changes_filter *filter,
		    size_t max_changes, size_t max_bytes, fs_err *err)
{
	static const fs_table tables[NSCAN] = {FS_TABLE_QUESTIONNAIRES, FS_TABLE_RESPONSES,
					       FS_TABLE_CONTACTS, FS_TABLE_CONFLICTS};
	fs_changes_filter none = {0, NULL, NULL, NULL};
	scan sc[NSCAN];
	unsigned mask;
	size_t bytes = 0;
	int64_t last = cursor, store_seq = 0;
	int rc = 0, i, cut = 0;

	fs_changeset_init(out);
	if (filter == NULL)
		filter = &none;
	if (max_changes == 0)
		max_changes = 1;
	mask = filter->tables ? filter->tables : FS_TABLES_ALL;
	memset(sc, 0, sizeof(sc));
	rc = fs_store_exec(s, "BEGIN", err);
	if (rc != 0)
		return rc;
	for (i = 0; i < NSCAN && rc == 0; i++) {
		sc[i].table = tables[i];
		if (!(mask & tables[i]))
			continue;
		sc[i].st = fs_store_stmt(s, FS_STMT_SCAN_QUESTIONNAIRES + i, err);
		if (sc[i].st == NULL) {
			rc = FS_EGENERIC;
			break;
		}
		sqlite3_bind_int64(sc[i].st, 1, cursor);
		if (filter->only_site)
			sqlite3_bind_text(sc[i].st, 2, filter->only_site, -1, SQLITE_STATIC);
		if (filter->exclude_site)
			sqlite3_bind_text(sc[i].st, 3, filter->exclude_site, -1, SQLITE_STATIC);
		/* One extra row tells whether more remain past the batch. */
		sqlite3_bind_int64(sc[i].st, 4, (sqlite3_int64)max_changes + 1);
		if (filter->region && sqlite3_bind_parameter_count(sc[i].st) >= 5)
			sqlite3_bind_text(sc[i].st, 5, filter->region, -1, SQLITE_STATIC);
		rc = scan_step(s, &sc[i], err);
	}
	while (rc == 0) {
		int best = -1;
		fs_change c;
		size_t est = 0;

		for (i = 0; i < NSCAN; i++)
			if (sc[i].has_row &&
			    (best < 0 || sqlite3_column_int64(sc[i].st, 0) <
						 sqlite3_column_int64(sc[best].st, 0)))
				best = i;
		if (best < 0)
			break;
		if (out->count >= max_changes || (out->count > 0 && bytes >= max_bytes)) {
			cut = 1;
			break;
		}
		rc = row_to_change(&c, &sc[best], &est, err);
		if (rc == 0)
			rc = fs_changeset_add(out, &c, err);
		if (rc != 0) {
			json_decref(c.value);
			break;
		}
		bytes += est;
		last = sqlite3_column_int64(sc[best].st, 0);
		rc = scan_step(s, &sc[best], err);
	}
	/* A table whose scan returned its full LIMIT may hold more rows. */
	for (i = 0; i < NSCAN; i++)
		if (sc[i].st != NULL && !sc[i].has_row && sc[i].fetched > (long)max_changes)
			cut = 1;
	if (rc == 0 && !cut)
		rc = fs_store_seq(s, &store_seq, err);
	/* Cached statements: reset so the read transaction can end. */
	for (i = 0; i < NSCAN; i++)
		if (sc[i].st != NULL)
			sqlite3_reset(sc[i].st);
	sqlite3_exec(s->db, "COMMIT", NULL, NULL, NULL);
	if (rc != 0) {
		fs_changeset_free(out);
		return rc;
	}
	out->from = cursor;
	/* Nothing cut: every change up to the store's counter was considered,
	 * including those the filter left out, so the cursor can move past them. */
	out->to = cut ? last : (store_seq > cursor ? store_seq : cursor);
	out->more = cut;
	out->time_ms = fs_store_now_ms(s);
	snprintf(out->site, sizeof(out->site), "%s", s->site);
	return 0;
}
