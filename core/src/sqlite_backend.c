/* The SQLite backend's data operations (backend.h): every SQL statement on
 * the replicated tables. The WHERE clauses repeat last-writer-wins only as
 * a safety net; the rules themselves are the engine's (merge.c, records.c). */
#include "sqlite_backend.h"
#include "retention_backend.h"

#include <stdlib.h>
#include <string.h>

#define SITE_FILTER "(?2 IS NULL OR site = ?2) AND (?3 IS NULL OR site <> ?3)"
#define F_SITE_FILTER "(?2 IS NULL OR f.site = ?2) AND (?3 IS NULL OR f.site <> ?3)"
/* A scoped table's change scan: every row when no region is bound (?5),
 * else the rows matching REGION, each arm a range of its own index. */
#define REGION_SCAN(COLS, TABLE, REGION)                                                           \
	"SELECT " COLS " FROM " TABLE " WHERE ?5 IS NULL AND seq > ?1 AND " SITE_FILTER           \
	" UNION ALL SELECT " COLS " FROM " TABLE " WHERE " REGION " AND seq > ?1 AND " SITE_FILTER \
	" ORDER BY seq LIMIT ?4"

/* Column lists, in the order the row readers below expect. */
#define Q_COLS "id, version, doc, deleted, hlc, site, seq"
#define R_COLS                                                                                     \
	"id, questionnaire_id, questionnaire_version, started_at, submitted_at, language, mode, "  \
	"worker, answers, deleted, hlc, site, seq, receipt"
#define F_COLS                                                                                     \
	"f.contact_id, c.region, f.field, f.value, f.hlc, f.site, f.prev_hlc, f.prev_site, f.seq"
#define C_COLS                                                                                     \
	"id, record_table, record_id, region, field, winner_value, winner_hlc, winner_site, "      \
	"loser_value, loser_hlc, loser_site, hlc, site, seq"
#define C_VALUES "(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14)"
#define E_COLS "id, record_table, region, holder, request, kind, hlc, site, seq"
#define V_COLS "id, region, chosen, value, hlc, site, seq"

const char *const fs_sqlite_sql[FS_SQL_COUNT] = {
    [FS_SQL_META_GET] = "SELECT value FROM meta WHERE key = ?1",
    [FS_SQL_META_PUT] = "INSERT INTO meta (key, value) VALUES (?1, ?2) "
                        "ON CONFLICT (key) DO UPDATE SET value = excluded.value",
    [FS_SQL_FIELD_GET] = "SELECT " F_COLS " FROM contact_fields f JOIN contacts c ON "
                         "c.id = f.contact_id WHERE f.contact_id = ?1 AND f.field = ?2",
    [FS_SQL_FIELD_PUT] =
        "INSERT INTO contact_fields (contact_id, field, value, hlc, site, prev_hlc, "
        "prev_site, seq) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8) "
        "ON CONFLICT (contact_id, field) DO UPDATE SET value = excluded.value, "
        "hlc = excluded.hlc, site = excluded.site, prev_hlc = excluded.prev_hlc, "
        "prev_site = excluded.prev_site, seq = excluded.seq "
        "WHERE (excluded.hlc, excluded.site) > (contact_fields.hlc, contact_fields.site)",
    [FS_SQL_FIELD_UPDATE] =
        "UPDATE contact_fields SET value = ?3, hlc = ?4, site = ?5, prev_hlc = ?6, "
        "prev_site = ?7, seq = ?8 "
        "WHERE contact_id = ?1 AND field = ?2 AND (hlc, site) < (?4, ?5)",
    [FS_SQL_CONTACT_INSERT] = "INSERT INTO contacts (id, region) VALUES (?1, ?2) "
                              "ON CONFLICT (id) DO NOTHING",
    [FS_SQL_CONTACT_REGION] = "SELECT region FROM contacts WHERE id = ?1",
    [FS_SQL_RESPONSE_INSERT] = "INSERT INTO responses (" R_COLS ") "
                               "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, "
                               "?14) ON CONFLICT (id) DO NOTHING",
    [FS_SQL_RESPONSE_GET] = "SELECT " R_COLS " FROM responses WHERE id = ?1",
    [FS_SQL_RESPONSE_BY_RECEIPT] = "SELECT " R_COLS " FROM responses WHERE receipt = ?1 AND "
                                   "deleted = 0 ORDER BY id LIMIT 1",
    [FS_SQL_RESPONSE_ERASE] =
        "UPDATE responses SET questionnaire_id = NULL, questionnaire_version = NULL, "
        "started_at = NULL, submitted_at = NULL, language = NULL, mode = NULL, "
        "worker = NULL, answers = NULL, receipt = NULL, deleted = 1, hlc = ?2, site = ?3, "
        "seq = ?4 WHERE id = ?1 AND (deleted = 0 OR (?2, ?3) > (hlc, site))",
    [FS_SQL_RESPONSE_REPLACE] =
        "UPDATE responses SET questionnaire_id = ?2, questionnaire_version = ?3, "
        "started_at = ?4, submitted_at = ?5, language = ?6, mode = ?7, worker = ?8, "
        "answers = ?9, deleted = ?10, hlc = ?11, site = ?12, seq = ?13, receipt = ?14 "
        "WHERE id = ?1",
    [FS_SQL_QUESTIONNAIRE_INSERT] =
        "INSERT INTO questionnaires (" Q_COLS ") VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7) "
        "ON CONFLICT (id, version) DO NOTHING",
    [FS_SQL_QUESTIONNAIRE_GET] =
        "SELECT " Q_COLS " FROM questionnaires WHERE id = ?1 AND version = ?2",
    [FS_SQL_QUESTIONNAIRE_RETIRE] =
        "UPDATE questionnaires SET doc = NULL, deleted = 1, hlc = ?3, site = ?4, seq = ?5 "
        "WHERE id = ?1 AND version = ?2 AND (deleted = 0 OR (?3, ?4) > (hlc, site))",
    [FS_SQL_CONFLICT_INSERT] =
        "INSERT INTO conflicts (" C_COLS ") VALUES " C_VALUES " ON CONFLICT (id) DO NOTHING",
    /* A row this store detects, or one its trusted upstream sends, takes
     * the place of a row of the same id detected elsewhere; a row detected
     * by the same site is kept as it was. */
    [FS_SQL_CONFLICT_REPLACE] =
        "INSERT INTO conflicts (" C_COLS ") VALUES " C_VALUES
        " ON CONFLICT (id) DO UPDATE SET record_table = excluded.record_table, "
        "record_id = excluded.record_id, region = excluded.region, field = excluded.field, "
        "winner_value = excluded.winner_value, winner_hlc = excluded.winner_hlc, "
        "winner_site = excluded.winner_site, loser_value = excluded.loser_value, "
        "loser_hlc = excluded.loser_hlc, loser_site = excluded.loser_site, "
        "hlc = excluded.hlc, site = excluded.site, seq = excluded.seq "
        "WHERE conflicts.site <> excluded.site",
    [FS_SQL_FIELD_VERSION_ADD] = "INSERT INTO contact_field_versions (contact_id, version_key) "
                                 "VALUES (?1, ?2) ON CONFLICT (contact_id, version_key) DO NOTHING",
    /* '': a key from before keys were per contact (schema/004_erasure.sql). */
    [FS_SQL_FIELD_VERSION_GET] = "SELECT 1 FROM contact_field_versions WHERE contact_id IN "
                                 "(?1, '') AND version_key = ?2",
    [FS_SQL_QUARANTINE_INSERT] =
        "INSERT INTO quarantine (received_hlc, from_site, record_table, record_id, reason, "
        "change) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
    [FS_SQL_PEER_GET] = "SELECT push_cursor, pull_cursor FROM peers WHERE site = ?1",
    [FS_SQL_PEER_SET_PUSH] = "INSERT INTO peers (site, push_cursor) VALUES (?1, ?2) "
                             "ON CONFLICT (site) DO UPDATE SET push_cursor = excluded.push_cursor "
                             "WHERE excluded.push_cursor > peers.push_cursor",
    [FS_SQL_PEER_SET_PULL] = "INSERT INTO peers (site, pull_cursor) VALUES (?1, ?2) "
                             "ON CONFLICT (site) DO UPDATE SET pull_cursor = excluded.pull_cursor "
                             "WHERE excluded.pull_cursor > peers.pull_cursor",
    [FS_SQL_CLAIM_ADD] = "INSERT INTO response_tombstone_claims (id, site, hlc) "
                         "VALUES (?1, ?2, ?3) ON CONFLICT (id, site) DO UPDATE SET "
                         "hlc = excluded.hlc WHERE excluded.hlc > response_tombstone_claims.hlc",
    [FS_SQL_CLAIMS] = "SELECT site, hlc FROM response_tombstone_claims WHERE id = ?1 "
                      "ORDER BY site",
    [FS_SQL_CLAIMS_CLEAR] = "DELETE FROM response_tombstone_claims WHERE id = ?1",
    /* changes_scan: rows changed after a cursor, one table each, by seq. */
    [FS_SQL_SCAN_QUESTIONNAIRES] =
        "SELECT " Q_COLS " FROM questionnaires WHERE seq > ?1 AND " SITE_FILTER
        " ORDER BY seq LIMIT ?4",
    [FS_SQL_SCAN_RESPONSES] =
        "SELECT " R_COLS " FROM responses WHERE seq > ?1 AND " SITE_FILTER " ORDER BY seq LIMIT ?4",
    /* A region's scan (?5) reads that region's rows only, through an index
     * on (region, seq) (schema/011_region_seq.sql): one arm per case, the
     * arms merged by seq, so its cost does not grow with other regions. */
    [FS_SQL_SCAN_CONTACTS] =
        "SELECT " F_COLS " FROM contact_fields f JOIN contacts c ON c.id = f.contact_id "
        "WHERE ?5 IS NULL AND f.seq > ?1 AND " F_SITE_FILTER " UNION ALL SELECT " F_COLS
        " FROM contacts c JOIN contact_fields f ON f.contact_id = c.id WHERE c.region = ?5 "
        "AND f.seq > ?1 AND " F_SITE_FILTER " ORDER BY 9 LIMIT ?4",
    [FS_SQL_SCAN_CONFLICTS] = REGION_SCAN(C_COLS, "conflicts", "region = ?5"),
    [FS_SQL_DEVICE_GET] = "SELECT site, name, region, token_hash, enrolled_ms, last_sync_ms, "
                          "last_error, revoked, agent_version, pending, clock_offset_ms, "
                          "moved_from, moved_ms FROM devices WHERE site = ?1",
    [FS_SQL_DEVICE_SYNCED] =
        "UPDATE devices SET last_sync_ms = ?2, last_error = NULL WHERE site = ?1",
    [FS_SQL_ERASURE_GET] = "SELECT " E_COLS " FROM erasures WHERE id = ?1",
    [FS_SQL_ERASURE_INSERT] = "INSERT INTO erasures (" E_COLS ") VALUES (?1, ?2, ?3, ?4, ?5, "
                              "?6, ?7, ?8, ?9) ON CONFLICT (id) DO NOTHING",
    /* Sent to the erased record's region, or to every region. */
    [FS_SQL_SCAN_ERASURES] =
        "SELECT " E_COLS " FROM erasures WHERE ?5 IS NOT NULL AND region IS NULL AND seq > ?1 "
        "AND " SITE_FILTER " UNION ALL " REGION_SCAN(E_COLS, "erasures", "region = ?5"),
    /* Conflict resolution. */
    [FS_SQL_CONFLICT_GET] = "SELECT " C_COLS " FROM conflicts WHERE id = ?1",
    [FS_SQL_RESOLUTION_GET] = "SELECT " V_COLS " FROM resolutions WHERE id = ?1",
    [FS_SQL_RESOLUTION_INSERT] = "INSERT INTO resolutions (" V_COLS ") VALUES (?1, ?2, ?3, ?4, "
                                 "?5, ?6, ?7) ON CONFLICT (id) DO NOTHING",
    [FS_SQL_SCAN_RESOLUTIONS] = REGION_SCAN(V_COLS, "resolutions", "region = ?5"),
};

/* How a row reader gets a text column: borrowed from the statement (rows
 * passed to callbacks) or copied to the scratch space (rows returned). */
typedef const char *(*text_fn)(fs_backend *b, sqlite3_stmt *st, int col);

static const char *borrow(fs_backend *b, sqlite3_stmt *st, int col)
{
	(void)b;
	return (const char *)sqlite3_column_text(st, col);
}

static fs_hlc col_hlc(sqlite3_stmt *st, int col)
{
	return (fs_hlc)sqlite3_column_int64(st, col);
}

static void read_questionnaire(fs_backend *b, sqlite3_stmt *st, text_fn text,
                               fs_questionnaire_row *r)
{
	r->id = text(b, st, 0);
	r->version = sqlite3_column_int64(st, 1);
	r->doc = text(b, st, 2);
	r->deleted = sqlite3_column_int(st, 3);
	r->hlc = col_hlc(st, 4);
	r->site = text(b, st, 5);
	r->seq = sqlite3_column_int64(st, 6);
}

static void read_response(fs_backend *b, sqlite3_stmt *st, text_fn text, fs_response_row *r)
{
	r->id = text(b, st, 0);
	r->questionnaire = text(b, st, 1);
	r->version = sqlite3_column_int64(st, 2);
	r->started_at = text(b, st, 3);
	r->submitted_at = text(b, st, 4);
	r->language = text(b, st, 5);
	r->mode = text(b, st, 6);
	r->worker = text(b, st, 7);
	r->answers = text(b, st, 8);
	r->deleted = sqlite3_column_int(st, 9);
	r->hlc = col_hlc(st, 10);
	r->site = text(b, st, 11);
	r->seq = sqlite3_column_int64(st, 12);
	r->receipt = text(b, st, 13);
}

/* From column first on: contact_id, region, field, value, hlc, site,
 * prev_hlc, prev_site, seq. */
static void read_field(fs_backend *b, sqlite3_stmt *st, text_fn text, int first, fs_field_row *r)
{
	r->contact_id = text(b, st, first);
	r->region = text(b, st, first + 1);
	r->field = text(b, st, first + 2);
	r->value = text(b, st, first + 3);
	r->hlc = col_hlc(st, first + 4);
	r->site = text(b, st, first + 5);
	r->prev_site = text(b, st, first + 7);
	r->prev_hlc = r->prev_site != NULL ? col_hlc(st, first + 6) : 0;
	r->seq = sqlite3_column_int64(st, first + 8);
}

static void read_erasure(fs_backend *b, sqlite3_stmt *st, text_fn text, fs_erasure_row *r)
{
	r->id = text(b, st, 0);
	r->record_table = text(b, st, 1);
	r->region = text(b, st, 2);
	r->holder = text(b, st, 3);
	r->request = text(b, st, 4);
	r->kind = text(b, st, 5);
	r->hlc = col_hlc(st, 6);
	r->site = text(b, st, 7);
	r->seq = sqlite3_column_int64(st, 8);
}

static void read_resolution(fs_backend *b, sqlite3_stmt *st, text_fn text,
                            fs_resolution_row *r)
{
	r->id = text(b, st, 0);
	r->region = text(b, st, 1);
	r->chosen = text(b, st, 2);
	r->value = text(b, st, 3);
	r->hlc = col_hlc(st, 4);
	r->site = text(b, st, 5);
	r->seq = sqlite3_column_int64(st, 6);
}

/* A record table's row (tables.h): its columns, then deleted (tables
 * with tombstones), hlc, site, seq. */
static void read_record(fs_backend *b, sqlite3_stmt *st, text_fn text, const fs_table_desc *t,
                        fs_record_row *r)
{
	int i;

	memset(r, 0, sizeof(*r));
	for (i = 0; i < t->ncols; i++)
		if (t->cols[i].type == FS_COL_TEXT)
			r->col[i].text = text(b, st, i);
		else
			r->col[i].num = sqlite3_column_int64(st, i);
	if (t->tombstones)
		r->deleted = sqlite3_column_int(st, i++);
	r->hlc = col_hlc(st, i);
	r->site = text(b, st, i + 1);
	r->seq = sqlite3_column_int64(st, i + 2);
}

/* Its columns before seq. */
static int record_seq_col(const fs_table_desc *t)
{
	return t->ncols + (t->tombstones ? 1 : 0) + 2;
}

/* A record table's cached statement, its SQL made from the entry. */
static sqlite3_stmt *record_stmt(fs_backend *b, const fs_table_desc *t, fs_record_sql_kind kind,
                                 fs_err *err)
{
	enum fs_sql_id id =
	    (enum fs_sql_id)(FS_SQL_RECORDS + fs_record_index(t) * FS_RSQL_KINDS + kind);
	char sql[FS_RECORD_SQL_MAX];

	if (b->stmt[id] != NULL)
		return fs_sqlite_stmt(b, id, err);
	fs_record_sql(sql, t, kind, 1);
	if (sqlite3_prepare_v3(b->db, sql, -1, SQLITE_PREPARE_PERSISTENT, &b->stmt[id], NULL) !=
	    SQLITE_OK) {
		fs_sqlite_err(b, err, "prepare");
		return NULL;
	}
	return b->stmt[id];
}

static void read_conflict(fs_backend *b, sqlite3_stmt *st, text_fn text, fs_conflict_row *r)
{
	r->id = text(b, st, 0);
	r->record_table = text(b, st, 1);
	r->record_id = text(b, st, 2);
	r->region = text(b, st, 3);
	r->field = text(b, st, 4);
	r->winner_value = text(b, st, 5);
	r->winner_hlc = col_hlc(st, 6);
	r->winner_site = text(b, st, 7);
	r->loser_value = text(b, st, 8);
	r->loser_hlc = col_hlc(st, 9);
	r->loser_site = text(b, st, 10);
	r->hlc = col_hlc(st, 11);
	r->site = text(b, st, 12);
	r->seq = sqlite3_column_int64(st, 13);
}

/* Step a get statement: 0 with its row current and the scratch space sized
 * for it (the caller copies it out with fs_sqlite_keep, then resets the
 * statement, so no read stays open), FS_ENOTFOUND, or the error (reset). */
static int get_row(fs_backend *b, sqlite3_stmt *st, const char *what, fs_err *err)
{
	int rc = sqlite3_step(st);

	if (rc == SQLITE_ROW) {
		rc = fs_sqlite_keep_row(b, st, err);
		if (rc != 0)
			sqlite3_reset(st);
		return rc;
	}
	sqlite3_reset(st);
	if (rc == SQLITE_DONE)
		return FS_ENOTFOUND;
	return fs_sqlite_err(b, err, what);
}

/* Run fn(ctx, st) for each row of st, then reset it: fn's result stops
 * (positive: 0 returned) or aborts (negative) the walk. */
static int each_row(fs_backend *b, sqlite3_stmt *st, const char *what,
                    int (*fn)(fs_backend *b, sqlite3_stmt *st, void *ctx), void *ctx, fs_err *err)
{
	int rc, stop = 0;

	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		stop = fn(b, st, ctx);
		if (stop != 0)
			break;
	}
	if (stop == 0 && rc != SQLITE_DONE)
		stop = fs_sqlite_err(b, err, what);
	sqlite3_reset(st);
	return stop < 0 ? stop : 0;
}

/* ---- questionnaires ---- */

static int questionnaire_get(fs_backend *b, const char *id, int64_t version,
                             fs_questionnaire_row *out, fs_err *err)
{
	sqlite3_stmt *st = fs_sqlite_stmt(b, FS_SQL_QUESTIONNAIRE_GET, err);
	int rc;

	fs_sqlite_scratch_reset(b);
	memset(out, 0, sizeof(*out));
	if (st == NULL)
		return FS_EGENERIC;
	sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, version);
	rc = get_row(b, st, "read questionnaire", err);
	if (rc == 0) {
		read_questionnaire(b, st, fs_sqlite_keep, out);
		sqlite3_reset(st);
	}
	return rc;
}

static int questionnaire_insert(fs_backend *b, const fs_questionnaire_row *row, int *inserted,
                                fs_err *err)
{
	sqlite3_stmt *st = fs_sqlite_stmt(b, FS_SQL_QUESTIONNAIRE_INSERT, err);
	int rc;

	fs_sqlite_scratch_reset(b);
	*inserted = 0;
	if (st == NULL)
		return FS_EGENERIC;
	sqlite3_bind_text(st, 1, row->id, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, row->version);
	fs_sqlite_bind_text(st, 3, row->deleted ? NULL : row->doc);
	sqlite3_bind_int(st, 4, row->deleted ? 1 : 0);
	sqlite3_bind_int64(st, 5, (sqlite3_int64)row->hlc);
	sqlite3_bind_text(st, 6, row->site, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 7, row->seq);
	rc = fs_sqlite_step_done(b, st, "write questionnaire", err);
	if (rc == 0)
		*inserted = sqlite3_changes(b->db) == 1;
	return rc;
}

static int questionnaire_retire(fs_backend *b, const char *id, int64_t version, fs_hlc hlc,
                                const char *site, int64_t seq, int *changed, fs_err *err)
{
	sqlite3_stmt *st = fs_sqlite_stmt(b, FS_SQL_QUESTIONNAIRE_RETIRE, err);
	int rc;

	fs_sqlite_scratch_reset(b);
	*changed = 0;
	if (st == NULL)
		return FS_EGENERIC;
	sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, version);
	sqlite3_bind_int64(st, 3, (sqlite3_int64)hlc);
	sqlite3_bind_text(st, 4, site, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 5, seq);
	rc = fs_sqlite_step_done(b, st, "retire questionnaire", err);
	if (rc == 0)
		*changed = sqlite3_changes(b->db) == 1;
	return rc;
}

typedef struct walk {
	void *fn;
	void *ctx;
} walk;

static int questionnaire_visit(fs_backend *b, sqlite3_stmt *st, void *ctx)
{
	walk *w = ctx;
	fs_questionnaire_row r;

	read_questionnaire(b, st, borrow, &r);
	return ((fs_questionnaire_fn)w->fn)(w->ctx, &r);
}

static int questionnaire_each(fs_backend *b, fs_questionnaire_fn fn, void *ctx, fs_err *err)
{
	sqlite3_stmt *st = NULL;
	walk w = {(void *)fn, ctx};
	int rc;

	fs_sqlite_scratch_reset(b);
	if (sqlite3_prepare_v2(b->db, "SELECT " Q_COLS " FROM questionnaires ORDER BY id, version",
	                       -1, &st, NULL) != SQLITE_OK)
		return fs_sqlite_err(b, err, "read questionnaires");
	rc = each_row(b, st, "read questionnaires", questionnaire_visit, &w, err);
	sqlite3_finalize(st);
	return rc;
}

/* ---- responses ---- */

/* Every parameter of the insert and replace statements: the content
 * columns (NULL for a tombstone), deleted, the stamp, seq and receipt. */
static void bind_response(sqlite3_stmt *st, const fs_response_row *row)
{
	int live = !row->deleted;

	sqlite3_bind_text(st, 1, row->id, -1, SQLITE_STATIC);
	fs_sqlite_bind_text(st, 2, live ? row->questionnaire : NULL);
	if (live)
		sqlite3_bind_int64(st, 3, row->version);
	else
		sqlite3_bind_null(st, 3);
	fs_sqlite_bind_text(st, 4, live ? row->started_at : NULL);
	fs_sqlite_bind_text(st, 5, live ? row->submitted_at : NULL);
	fs_sqlite_bind_text(st, 6, live ? row->language : NULL);
	fs_sqlite_bind_text(st, 7, live ? row->mode : NULL);
	fs_sqlite_bind_text(st, 8, live ? row->worker : NULL);
	fs_sqlite_bind_text(st, 9, live ? row->answers : NULL);
	sqlite3_bind_int(st, 10, live ? 0 : 1);
	sqlite3_bind_int64(st, 11, (sqlite3_int64)row->hlc);
	sqlite3_bind_text(st, 12, row->site, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 13, row->seq);
	fs_sqlite_bind_text(st, 14, live ? row->receipt : NULL);
}

static int response_get(fs_backend *b, const char *id, fs_response_row *out, fs_err *err)
{
	sqlite3_stmt *st = fs_sqlite_stmt(b, FS_SQL_RESPONSE_GET, err);
	int rc;

	fs_sqlite_scratch_reset(b);
	memset(out, 0, sizeof(*out));
	if (st == NULL)
		return FS_EGENERIC;
	sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
	rc = get_row(b, st, "read response", err);
	if (rc == 0) {
		read_response(b, st, fs_sqlite_keep, out);
		sqlite3_reset(st);
	}
	return rc;
}

static int response_by_receipt(fs_backend *b, const char *receipt, fs_response_row *out,
                               fs_err *err)
{
	sqlite3_stmt *st = fs_sqlite_stmt(b, FS_SQL_RESPONSE_BY_RECEIPT, err);
	int rc;

	fs_sqlite_scratch_reset(b);
	memset(out, 0, sizeof(*out));
	if (st == NULL)
		return FS_EGENERIC;
	sqlite3_bind_text(st, 1, receipt, -1, SQLITE_STATIC);
	rc = get_row(b, st, "read response", err);
	if (rc == 0) {
		read_response(b, st, fs_sqlite_keep, out);
		sqlite3_reset(st);
	}
	return rc;
}

static int response_insert(fs_backend *b, const fs_response_row *row, int *inserted, fs_err *err)
{
	sqlite3_stmt *st = fs_sqlite_stmt(b, FS_SQL_RESPONSE_INSERT, err);
	int rc;

	fs_sqlite_scratch_reset(b);
	*inserted = 0;
	if (st == NULL)
		return FS_EGENERIC;
	bind_response(st, row);
	rc = fs_sqlite_step_done(b, st, "write response", err);
	if (rc == 0)
		*inserted = sqlite3_changes(b->db) == 1;
	return rc;
}

static int response_replace(fs_backend *b, const fs_response_row *row, fs_err *err)
{
	sqlite3_stmt *st = fs_sqlite_stmt(b, FS_SQL_RESPONSE_REPLACE, err);

	fs_sqlite_scratch_reset(b);
	if (st == NULL)
		return FS_EGENERIC;
	bind_response(st, row);
	return fs_sqlite_step_done(b, st, "replace response", err);
}

static int response_erase(fs_backend *b, const char *id, fs_hlc hlc, const char *site, int64_t seq,
                          int *changed, fs_err *err)
{
	sqlite3_stmt *st = fs_sqlite_stmt(b, FS_SQL_RESPONSE_ERASE, err);
	int rc;

	fs_sqlite_scratch_reset(b);
	*changed = 0;
	if (st == NULL)
		return FS_EGENERIC;
	sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, (sqlite3_int64)hlc);
	sqlite3_bind_text(st, 3, site, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 4, seq);
	rc = fs_sqlite_step_done(b, st, "delete response", err);
	if (rc == 0)
		*changed = sqlite3_changes(b->db) == 1;
	return rc;
}

static int response_redate(fs_backend *b, const char *id, const char *started_at,
                           const char *submitted_at, int64_t seq, fs_err *err)
{
	sqlite3_stmt *st = NULL;
	int rc;

	fs_sqlite_scratch_reset(b);
	if (sqlite3_prepare_v2(b->db,
	                       "UPDATE responses SET started_at = ?1, submitted_at = ?2, seq = ?3 "
	                       "WHERE id = ?4",
	                       -1, &st, NULL) != SQLITE_OK)
		return fs_sqlite_err(b, err, "re-date responses");
	sqlite3_bind_text(st, 1, started_at, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, submitted_at, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 3, seq);
	sqlite3_bind_text(st, 4, id, -1, SQLITE_STATIC);
	rc = sqlite3_step(st) == SQLITE_DONE ? 0 : fs_sqlite_err(b, err, "re-date responses");
	sqlite3_finalize(st);
	return rc;
}

static int response_visit(fs_backend *b, sqlite3_stmt *st, void *ctx)
{
	walk *w = ctx;
	fs_response_row r;

	read_response(b, st, borrow, &r);
	return ((fs_response_row_fn)w->fn)(w->ctx, &r);
}

static int response_each(fs_backend *b, const fs_response_filter *filter, fs_response_row_fn fn,
                         void *ctx, fs_err *err)
{
	static const fs_response_filter all = {NULL, NULL, NULL, NULL, 0, 0};
	sqlite3_stmt *st = NULL;
	walk w = {(void *)fn, ctx};
	int rc;

	fs_sqlite_scratch_reset(b);
	if (filter == NULL)
		filter = &all;
	if (filter->region != NULL && !b->hub)
		return fs_err_set(err, FS_EINVAL,
		                  "store: responses by region need the hub's device registry");
	/* The devices table is only named when asked for: a kiosk store has
	 * none. */
	if (sqlite3_prepare_v2(
	        b->db,
	        filter->region != NULL
	            ? "SELECT " R_COLS " FROM responses WHERE "
	              "(?1 IS NULL OR questionnaire_id = ?1) AND (?2 IS NULL OR site = ?2) "
	              "AND site IN (SELECT site FROM devices WHERE region = ?3) "
	              "AND (?4 IS NULL OR submitted_at > ?4) AND (?5 OR deleted = 0) "
	              "AND (NOT ?6 OR seq > (SELECT coalesce(max(push_cursor), 0) FROM "
	              "peers)) ORDER BY id"
	            : "SELECT " R_COLS " FROM responses WHERE "
	              "(?1 IS NULL OR questionnaire_id = ?1) AND (?2 IS NULL OR site = ?2) "
	              "AND (?4 IS NULL OR submitted_at > ?4) AND (?5 OR deleted = 0) "
	              "AND (NOT ?6 OR seq > (SELECT coalesce(max(push_cursor), 0) FROM "
	              "peers)) ORDER BY id",
	        -1, &st, NULL) != SQLITE_OK)
		return fs_sqlite_err(b, err, "read responses");
	fs_sqlite_bind_text(st, 1, filter->questionnaire);
	fs_sqlite_bind_text(st, 2, filter->site);
	if (filter->region != NULL)
		sqlite3_bind_text(st, 3, filter->region, -1, SQLITE_STATIC);
	fs_sqlite_bind_text(st, 4, filter->submitted_after);
	sqlite3_bind_int(st, 5, filter->include_deleted ? 1 : 0);
	sqlite3_bind_int(st, 6, filter->unacknowledged ? 1 : 0);
	rc = each_row(b, st, "read responses", response_visit, &w, err);
	sqlite3_finalize(st);
	return rc;
}

static int response_page(fs_backend *b, const fs_response_page *q, fs_response_row_fn fn,
                         void *ctx, fs_err *err)
{
	sqlite3_stmt *st = NULL;
	walk w = {(void *)fn, ctx};
	int rc;

	fs_sqlite_scratch_reset(b);
	if (!b->hub)
		return fs_err_set(err, FS_EINVAL,
		                  "store: responses by region need the hub's device registry");
	if (sqlite3_prepare_v2(
	        b->db,
	        "SELECT " R_COLS " FROM responses WHERE deleted = 0 AND (?1 IS NULL OR id > ?1) "
	        "AND (?2 IS NULL OR questionnaire_id = ?2) AND (?3 IS NULL OR submitted_at >= ?3) "
	        "AND (?4 IS NULL OR submitted_at < ?4) AND (?5 IS NULL OR site IN (SELECT site "
	        "FROM devices WHERE region IN (SELECT value FROM json_each(?5)))) "
	        "ORDER BY id LIMIT ?6",
	        -1, &st, NULL) != SQLITE_OK)
		return fs_sqlite_err(b, err, "read responses");
	fs_sqlite_bind_text(st, 1, q->after);
	fs_sqlite_bind_text(st, 2, q->questionnaire);
	fs_sqlite_bind_text(st, 3, q->since);
	fs_sqlite_bind_text(st, 4, q->until);
	fs_sqlite_bind_text(st, 5, q->regions_json);
	sqlite3_bind_int64(st, 6, q->limit);
	rc = each_row(b, st, "read responses", response_visit, &w, err);
	sqlite3_finalize(st);
	return rc;
}

static int claim_add(fs_backend *b, const char *id, const char *site, fs_hlc hlc, fs_err *err)
{
	sqlite3_stmt *st = fs_sqlite_stmt(b, FS_SQL_CLAIM_ADD, err);

	fs_sqlite_scratch_reset(b);
	if (st == NULL)
		return FS_EGENERIC;
	sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, site, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 3, (sqlite3_int64)hlc);
	return fs_sqlite_step_done(b, st, "write tombstone claim", err);
}

static int claim_visit(fs_backend *b, sqlite3_stmt *st, void *ctx)
{
	walk *w = ctx;

	return ((fs_claim_fn)w->fn)(w->ctx, borrow(b, st, 0), col_hlc(st, 1));
}

static int claims(fs_backend *b, const char *id, fs_claim_fn fn, void *ctx, fs_err *err)
{
	sqlite3_stmt *st = fs_sqlite_stmt(b, FS_SQL_CLAIMS, err);
	walk w = {(void *)fn, ctx};

	fs_sqlite_scratch_reset(b);
	if (st == NULL)
		return FS_EGENERIC;
	sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
	return each_row(b, st, "read tombstone claims", claim_visit, &w, err);
}

static int claims_clear(fs_backend *b, const char *id, fs_err *err)
{
	sqlite3_stmt *st = fs_sqlite_stmt(b, FS_SQL_CLAIMS_CLEAR, err);

	fs_sqlite_scratch_reset(b);
	if (st == NULL)
		return FS_EGENERIC;
	sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
	return fs_sqlite_step_done(b, st, "clear tombstone claims", err);
}

/* ---- contacts ---- */

static int contact_region(fs_backend *b, const char *id, char out[FS_NAME_MAX + 1], fs_err *err)
{
	sqlite3_stmt *st = fs_sqlite_stmt(b, FS_SQL_CONTACT_REGION, err);

	fs_sqlite_scratch_reset(b);
	out[0] = '\0';
	if (st == NULL)
		return FS_EGENERIC;
	sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
	return fs_sqlite_get_text(b, st, out, FS_NAME_MAX + 1, "read contact", err);
}

static int contact_insert(fs_backend *b, const char *id, const char *region, fs_err *err)
{
	sqlite3_stmt *st = fs_sqlite_stmt(b, FS_SQL_CONTACT_INSERT, err);
	int rc;

	fs_sqlite_scratch_reset(b);
	if (st == NULL)
		return FS_EGENERIC;
	sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, region, -1, SQLITE_STATIC);
	rc = fs_sqlite_step_done(b, st, "write contact", err);
	if (rc == 0 && sqlite3_changes(b->db) != 1)
		return fs_err_set(err, FS_ECONFLICT, "store: contact %s exists", id);
	return rc;
}

static int field_get(fs_backend *b, const char *contact_id, const char *field, fs_field_row *out,
                     fs_err *err)
{
	sqlite3_stmt *st = fs_sqlite_stmt(b, FS_SQL_FIELD_GET, err);
	int rc;

	fs_sqlite_scratch_reset(b);
	memset(out, 0, sizeof(*out));
	if (st == NULL)
		return FS_EGENERIC;
	sqlite3_bind_text(st, 1, contact_id, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, field, -1, SQLITE_STATIC);
	rc = get_row(b, st, "read contact field", err);
	if (rc == 0) {
		read_field(b, st, fs_sqlite_keep, 0, out);
		sqlite3_reset(st);
	}
	return rc;
}

static int field_write(fs_backend *b, enum fs_sql_id id, const fs_field_row *row, fs_err *err)
{
	sqlite3_stmt *st = fs_sqlite_stmt(b, id, err);

	fs_sqlite_scratch_reset(b);
	if (st == NULL)
		return FS_EGENERIC;
	sqlite3_bind_text(st, 1, row->contact_id, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, row->field, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, row->value, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 4, (sqlite3_int64)row->hlc);
	sqlite3_bind_text(st, 5, row->site, -1, SQLITE_STATIC);
	if (row->prev_site != NULL && row->prev_site[0] != '\0') {
		sqlite3_bind_int64(st, 6, (sqlite3_int64)row->prev_hlc);
		sqlite3_bind_text(st, 7, row->prev_site, -1, SQLITE_STATIC);
	}
	sqlite3_bind_int64(st, 8, row->seq);
	return fs_sqlite_step_done(b, st, "write contact field", err);
}

static int field_put(fs_backend *b, const fs_field_row *row, fs_err *err)
{
	return field_write(b, FS_SQL_FIELD_PUT, row, err);
}

static int field_update(fs_backend *b, const fs_field_row *row, fs_err *err)
{
	return field_write(b, FS_SQL_FIELD_UPDATE, row, err);
}

static int contact_visit(fs_backend *b, sqlite3_stmt *st, void *ctx)
{
	walk *w = ctx;
	fs_field_row f;
	const char *id = borrow(b, st, 0), *region = borrow(b, st, 1);

	if (sqlite3_column_type(st, 2) == SQLITE_NULL)
		return ((fs_contact_fn)w->fn)(w->ctx, id, region, NULL);
	read_field(b, st, borrow, 0, &f);
	return ((fs_contact_fn)w->fn)(w->ctx, id, region, &f);
}

static int contact_each(fs_backend *b, const char *id, const char *region, fs_contact_fn fn,
                        void *ctx, fs_err *err)
{
	sqlite3_stmt *st = NULL;
	walk w = {(void *)fn, ctx};
	int rc;

	fs_sqlite_scratch_reset(b);
	if (sqlite3_prepare_v2(
	        b->db,
	        "SELECT c.id, c.region, f.field, f.value, f.hlc, f.site, f.prev_hlc, "
	        "f.prev_site, f.seq FROM contacts c "
	        "LEFT JOIN contact_fields f ON f.contact_id = c.id "
	        "WHERE (?1 IS NULL OR c.id = ?1) AND (?2 IS NULL OR c.region = ?2) "
	        "ORDER BY c.id, f.field",
	        -1, &st, NULL) != SQLITE_OK)
		return fs_sqlite_err(b, err, "read contacts");
	fs_sqlite_bind_text(st, 1, id);
	fs_sqlite_bind_text(st, 2, region);
	rc = each_row(b, st, "read contacts", contact_visit, &w, err);
	sqlite3_finalize(st);
	return rc;
}

static int field_version_add(fs_backend *b, const char *contact_id, int64_t key, fs_err *err)
{
	sqlite3_stmt *st = fs_sqlite_stmt(b, FS_SQL_FIELD_VERSION_ADD, err);

	fs_sqlite_scratch_reset(b);
	if (st == NULL)
		return FS_EGENERIC;
	sqlite3_bind_text(st, 1, contact_id, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, key);
	return fs_sqlite_step_done(b, st, "write field version", err);
}

static int field_version_held(fs_backend *b, const char *contact_id, int64_t key, int *held,
                              fs_err *err)
{
	sqlite3_stmt *st = fs_sqlite_stmt(b, FS_SQL_FIELD_VERSION_GET, err);
	int rc;

	fs_sqlite_scratch_reset(b);
	*held = 0;
	if (st == NULL)
		return FS_EGENERIC;
	sqlite3_bind_text(st, 1, contact_id, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, key);
	rc = sqlite3_step(st);
	*held = rc == SQLITE_ROW;
	sqlite3_reset(st);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return fs_sqlite_err(b, err, "read field version");
	return 0;
}

/* ---- conflicts, quarantine, counts ---- */

static int conflict_insert(fs_backend *b, const fs_conflict_row *row, int replace, int *inserted,
                           fs_err *err)
{
	sqlite3_stmt *st =
	    fs_sqlite_stmt(b, replace ? FS_SQL_CONFLICT_REPLACE : FS_SQL_CONFLICT_INSERT, err);
	int rc;

	fs_sqlite_scratch_reset(b);
	*inserted = 0;
	if (st == NULL)
		return FS_EGENERIC;
	sqlite3_bind_text(st, 1, row->id, -1, SQLITE_STATIC);
	fs_sqlite_bind_text(st, 2, row->record_table);
	fs_sqlite_bind_text(st, 3, row->record_id);
	fs_sqlite_bind_text(st, 4, row->region);
	fs_sqlite_bind_text(st, 5, row->field);
	fs_sqlite_bind_text(st, 6, row->winner_value);
	sqlite3_bind_int64(st, 7, (sqlite3_int64)row->winner_hlc);
	fs_sqlite_bind_text(st, 8, row->winner_site);
	fs_sqlite_bind_text(st, 9, row->loser_value);
	sqlite3_bind_int64(st, 10, (sqlite3_int64)row->loser_hlc);
	fs_sqlite_bind_text(st, 11, row->loser_site);
	sqlite3_bind_int64(st, 12, (sqlite3_int64)row->hlc);
	sqlite3_bind_text(st, 13, row->site, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 14, row->seq);
	rc = fs_sqlite_step_done(b, st, "write conflict", err);
	if (rc == 0)
		*inserted = sqlite3_changes(b->db) == 1;
	return rc;
}

static int conflict_visit(fs_backend *b, sqlite3_stmt *st, void *ctx)
{
	walk *w = ctx;
	fs_conflict_row r;

	read_conflict(b, st, borrow, &r);
	return ((fs_conflict_fn)w->fn)(w->ctx, &r);
}

static int conflict_each(fs_backend *b, long limit, fs_conflict_fn fn, void *ctx, fs_err *err)
{
	sqlite3_stmt *st = NULL;
	walk w = {(void *)fn, ctx};
	int rc;

	fs_sqlite_scratch_reset(b);
	if (sqlite3_prepare_v2(b->db,
	                       "SELECT " C_COLS " FROM conflicts ORDER BY hlc DESC, id LIMIT ?1",
	                       -1, &st, NULL) != SQLITE_OK)
		return fs_sqlite_err(b, err, "read conflicts");
	sqlite3_bind_int64(st, 1, limit < 0 ? -1 : (sqlite3_int64)limit);
	rc = each_row(b, st, "read conflicts", conflict_visit, &w, err);
	sqlite3_finalize(st);
	return rc;
}

static int quarantine_insert(fs_backend *b, const fs_quarantine_row *row, fs_err *err)
{
	sqlite3_stmt *st = fs_sqlite_stmt(b, FS_SQL_QUARANTINE_INSERT, err);

	fs_sqlite_scratch_reset(b);
	if (st == NULL)
		return FS_EGENERIC;
	sqlite3_bind_int64(st, 1, (sqlite3_int64)row->received_hlc);
	sqlite3_bind_text(st, 2, row->from_site, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, row->record_table, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 4, row->record_id, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 5, row->reason, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 6, row->change, -1, SQLITE_STATIC);
	return fs_sqlite_step_done(b, st, "write quarantine", err);
}

static int counts(fs_backend *b, fs_store_counts *out, fs_err *err)
{
	sqlite3_stmt *st = NULL;
	int rc = 0;

	fs_sqlite_scratch_reset(b);
	memset(out, 0, sizeof(*out));
	if (sqlite3_prepare_v2(b->db,
	                       "SELECT (SELECT count(*) FROM questionnaires WHERE deleted = 0), "
	                       "(SELECT count(*) FROM responses WHERE deleted = 0), "
	                       "(SELECT count(*) FROM contacts), (SELECT count(*) FROM conflicts), "
	                       "(SELECT count(*) FROM quarantine), (SELECT count(*) FROM conflicts "
	                       "k WHERE NOT EXISTS (SELECT 1 FROM resolutions v WHERE v.id = k.id))",
	                       -1, &st, NULL) != SQLITE_OK)
		return fs_sqlite_err(b, err, "count");
	if (sqlite3_step(st) == SQLITE_ROW) {
		out->questionnaires = (long)sqlite3_column_int64(st, 0);
		out->responses = (long)sqlite3_column_int64(st, 1);
		out->contacts = (long)sqlite3_column_int64(st, 2);
		out->conflicts = (long)sqlite3_column_int64(st, 3);
		out->quarantined = (long)sqlite3_column_int64(st, 4);
		out->conflicts_open = (long)sqlite3_column_int64(st, 5);
	} else {
		rc = fs_sqlite_err(b, err, "count");
	}
	sqlite3_finalize(st);
	return rc;
}

/* ---- sync cursors ---- */

static int peer_get(fs_backend *b, const char *peer, int64_t *push, int64_t *pull, fs_err *err)
{
	sqlite3_stmt *st = fs_sqlite_stmt(b, FS_SQL_PEER_GET, err);
	int rc;

	fs_sqlite_scratch_reset(b);
	*push = 0;
	*pull = 0;
	if (st == NULL)
		return FS_EGENERIC;
	sqlite3_bind_text(st, 1, peer, -1, SQLITE_STATIC);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		*push = sqlite3_column_int64(st, 0);
		*pull = sqlite3_column_int64(st, 1);
	}
	sqlite3_reset(st);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return fs_sqlite_err(b, err, "read peer");
	return 0;
}

static int peer_set(fs_backend *b, enum fs_sql_id id, const char *peer, int64_t seq, fs_err *err)
{
	sqlite3_stmt *st = fs_sqlite_stmt(b, id, err);

	fs_sqlite_scratch_reset(b);
	if (st == NULL)
		return FS_EGENERIC;
	sqlite3_bind_text(st, 1, peer, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, seq);
	return fs_sqlite_step_done(b, st, "write peer", err);
}

static int peer_set_push(fs_backend *b, const char *peer, int64_t seq, fs_err *err)
{
	return peer_set(b, FS_SQL_PEER_SET_PUSH, peer, seq, err);
}

static int peer_set_pull(fs_backend *b, const char *peer, int64_t seq, fs_err *err)
{
	return peer_set(b, FS_SQL_PEER_SET_PULL, peer, seq, err);
}

/* A kiosk moved to another region (region.h): back to seq. */
static int peer_reset_pull(fs_backend *b, const char *peer, int64_t seq, fs_err *err)
{
	sqlite3_stmt *st = NULL;

	fs_sqlite_scratch_reset(b);
	if (sqlite3_prepare_v2(b->db, "UPDATE peers SET pull_cursor = ?2 WHERE site = ?1", -1, &st,
	                       NULL) != SQLITE_OK)
		return fs_sqlite_err(b, err, "reset pull cursor");
	sqlite3_bind_text(st, 1, peer, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, seq);
	if (sqlite3_step(st) != SQLITE_DONE) {
		int rc = fs_sqlite_err(b, err, "reset pull cursor");

		sqlite3_finalize(st);
		return rc;
	}
	sqlite3_finalize(st);
	return 0;
}

/* ---- changes ---- */

#define NSCAN (FS_TABLES_MAX)

typedef struct scan {
	sqlite3_stmt *st;
	const fs_table_desc *t;
	int seq_col;
	int has_row;
} scan;

static int scan_step(fs_backend *b, scan *sc, fs_err *err)
{
	int rc = sqlite3_step(sc->st);

	sc->has_row = rc == SQLITE_ROW;
	if (rc == SQLITE_ROW || rc == SQLITE_DONE)
		return 0;
	return fs_sqlite_err(b, err, "read changes");
}

/* The table's scan statement (tables.h, FS_RSQL_SCAN), and its seq column. */
static sqlite3_stmt *scan_stmt(fs_backend *b, scan *sc, fs_err *err)
{
	static const struct {
		fs_table table;
		enum fs_sql_id stmt;
		int seq_col;
	} own[] = {{FS_TABLE_QUESTIONNAIRES, FS_SQL_SCAN_QUESTIONNAIRES, 6},
	           {FS_TABLE_RESPONSES, FS_SQL_SCAN_RESPONSES, 12},
	           {FS_TABLE_CONTACTS, FS_SQL_SCAN_CONTACTS, 8},
	           {FS_TABLE_CONFLICTS, FS_SQL_SCAN_CONFLICTS, 13},
	           {FS_TABLE_ERASURES, FS_SQL_SCAN_ERASURES, 8},
	           {FS_TABLE_RESOLUTIONS, FS_SQL_SCAN_RESOLUTIONS, 6}};
	size_t i;

	for (i = 0; i < sizeof(own) / sizeof(own[0]); i++)
		if (own[i].table == sc->t->table) {
			sc->seq_col = own[i].seq_col;
			return fs_sqlite_stmt(b, own[i].stmt, err);
		}
	sc->seq_col = record_seq_col(sc->t);
	return record_stmt(b, sc->t, FS_RSQL_SCAN, err);
}

static void scan_row(fs_backend *b, const scan *sc, fs_row *row)
{
	memset(row, 0, sizeof(*row));
	row->table = sc->t->table;
	row->seq = sqlite3_column_int64(sc->st, sc->seq_col);
	switch (sc->t->table) {
	case FS_TABLE_QUESTIONNAIRES:
		read_questionnaire(b, sc->st, borrow, &row->u.q);
		break;
	case FS_TABLE_RESPONSES:
		read_response(b, sc->st, borrow, &row->u.r);
		break;
	case FS_TABLE_CONTACTS:
		read_field(b, sc->st, borrow, 0, &row->u.f);
		break;
	case FS_TABLE_CONFLICTS:
		read_conflict(b, sc->st, borrow, &row->u.c);
		break;
	case FS_TABLE_ERASURES:
		read_erasure(b, sc->st, borrow, &row->u.e);
		break;
	case FS_TABLE_RESOLUTIONS:
		read_resolution(b, sc->st, borrow, &row->u.res);
		break;
	default:
		read_record(b, sc->st, borrow, sc->t, &row->u.rec);
		break;
	}
}

/* One index range scan per table, each at most limit rows, merged by seq
 * (unique across tables): the first limit rows of the merge are among the
 * first limit of their table. */
static int changes_scan(fs_backend *b, int64_t cursor, const fs_changes_filter *filter,
                        size_t limit, fs_row_fn fn, void *ctx, fs_err *err)
{
	fs_changes_filter none = {0, NULL, NULL, NULL};
	scan sc[NSCAN];
	unsigned mask;
	size_t sent = 0;
	int rc = 0, i;

	fs_sqlite_scratch_reset(b);
	if (filter == NULL)
		filter = &none;
	mask = filter->tables ? filter->tables : FS_TABLES_ALL;
	memset(sc, 0, sizeof(sc));
	for (i = 0; i < fs_table_count && rc == 0; i++) {
		sc[i].t = &fs_tables[i];
		if (!(mask & sc[i].t->table))
			continue;
		sc[i].st = scan_stmt(b, &sc[i], err);
		if (sc[i].st == NULL) {
			rc = FS_EGENERIC;
			break;
		}
		sqlite3_bind_int64(sc[i].st, 1, cursor);
		if (filter->only_site)
			sqlite3_bind_text(sc[i].st, 2, filter->only_site, -1, SQLITE_STATIC);
		if (filter->exclude_site)
			sqlite3_bind_text(sc[i].st, 3, filter->exclude_site, -1, SQLITE_STATIC);
		sqlite3_bind_int64(sc[i].st, 4,
		                   limit > (size_t)INT64_MAX ? -1 : (sqlite3_int64)limit);
		if (filter->region && sc[i].t->scoped)
			sqlite3_bind_text(sc[i].st, 5, filter->region, -1, SQLITE_STATIC);
		rc = scan_step(b, &sc[i], err);
	}
	while (rc == 0 && sent < limit) {
		int best = -1;
		fs_row row;

		for (i = 0; i < fs_table_count; i++)
			if (sc[i].has_row &&
			    (best < 0 || sqlite3_column_int64(sc[i].st, sc[i].seq_col) <
			                     sqlite3_column_int64(sc[best].st, sc[best].seq_col)))
				best = i;
		if (best < 0)
			break;
		scan_row(b, &sc[best], &row);
		rc = fn(ctx, &row);
		if (rc != 0)
			break;
		sent++;
		rc = scan_step(b, &sc[best], err);
	}
	/* Cached statements: reset so the read transaction can end. */
	for (i = 0; i < fs_table_count; i++)
		if (sc[i].st != NULL)
			sqlite3_reset(sc[i].st);
	return rc < 0 ? rc : 0;
}

/* ---- the clock rule ---- */

/* restamp_own's UNION numbers the first five (the tables a kiosk writes);
 * resolutions are a hub's, never a kiosk's own, and only max_hlc reads
 * them. */
static const char *const hlc_tables[] = {"questionnaires", "responses", "contact_fields",
                                         "conflicts",      "withdrawals", "resolutions"};
#define NHLC_TABLES (sizeof(hlc_tables) / sizeof(hlc_tables[0]))

static int max_hlc(fs_backend *b, fs_hlc limit, fs_hlc *out, fs_err *err)
{
	size_t i;

	fs_sqlite_scratch_reset(b);
	*out = 0;
	for (i = 0; i < NHLC_TABLES; i++) {
		char sql[128];
		sqlite3_stmt *st = NULL;
		int rc;

		snprintf(sql, sizeof(sql), "SELECT max(hlc) FROM %s WHERE hlc <= ?1",
		         hlc_tables[i]);
		if (sqlite3_prepare_v2(b->db, sql, -1, &st, NULL) != SQLITE_OK)
			return fs_sqlite_err(b, err, "read clock");
		sqlite3_bind_int64(st, 1, (sqlite3_int64)limit);
		rc = sqlite3_step(st);
		if (rc == SQLITE_ROW && col_hlc(st, 0) > *out)
			*out = col_hlc(st, 0);
		sqlite3_finalize(st);
		if (rc != SQLITE_ROW && rc != SQLITE_DONE)
			return fs_sqlite_err(b, err, "read clock");
	}
	return 0;
}

typedef struct restamp_row {
	int table;
	sqlite3_int64 rowid;
} restamp_row;

static int restamp_own(fs_backend *b, const char *site, fs_hlc limit, fs_stamp_fn fn, void *ctx,
                       long *count, fs_err *err)
{
	sqlite3_stmt *sel = NULL, *upd[NHLC_TABLES] = {NULL};
	restamp_row *list = NULL, *grown;
	size_t n = 0, cap = 0, i;
	int rc = 0;

	fs_sqlite_scratch_reset(b);
	*count = 0;
	/* Every table's own rows above limit, in hlc order across tables (rowid
	 * exists on each), read first: the update moves rows in the index the
	 * scan would use. */
	if (sqlite3_prepare_v2(
	        b->db,
	        "SELECT 0, rowid, hlc FROM questionnaires WHERE site = ?1 AND hlc > ?2 "
	        "UNION ALL SELECT 1, rowid, hlc FROM responses WHERE site = ?1 AND "
	        "hlc > ?2 UNION ALL SELECT 2, rowid, hlc FROM contact_fields WHERE "
	        "site = ?1 AND hlc > ?2 UNION ALL SELECT 3, rowid, hlc FROM conflicts "
	        "WHERE site = ?1 AND hlc > ?2 UNION ALL SELECT 4, rowid, hlc FROM withdrawals "
	        "WHERE site = ?1 AND hlc > ?2 ORDER BY 3, 1",
	        -1, &sel, NULL) != SQLITE_OK)
		return fs_sqlite_err(b, err, "restamp");
	sqlite3_bind_text(sel, 1, site, -1, SQLITE_STATIC);
	sqlite3_bind_int64(sel, 2, (sqlite3_int64)limit);
	while ((rc = sqlite3_step(sel)) == SQLITE_ROW) {
		if (n == cap) {
			cap = cap ? 2 * cap : 64;
			grown = realloc(list, cap * sizeof(*list));
			if (grown == NULL) {
				rc = fs_err_set(err, FS_ENOMEM, "store: restamp: out of memory");
				goto cleanup;
			}
			list = grown;
		}
		list[n].table = sqlite3_column_int(sel, 0);
		list[n].rowid = sqlite3_column_int64(sel, 1);
		n++;
	}
	if (rc != SQLITE_DONE) {
		rc = fs_sqlite_err(b, err, "restamp");
		goto cleanup;
	}
	rc = 0;
	for (i = 0; i < n && rc == 0; i++) {
		int t = list[i].table;
		fs_hlc hlc = 0;
		int64_t seq = 0;

		if (upd[t] == NULL) {
			char sql[128];

			snprintf(sql, sizeof(sql),
			         "UPDATE %s SET hlc = ?1, seq = ?2 WHERE rowid = ?3",
			         hlc_tables[t]);
			if (sqlite3_prepare_v2(b->db, sql, -1, &upd[t], NULL) != SQLITE_OK) {
				rc = fs_sqlite_err(b, err, "restamp");
				break;
			}
		}
		fn(ctx, &hlc, &seq);
		sqlite3_bind_int64(upd[t], 1, (sqlite3_int64)hlc);
		sqlite3_bind_int64(upd[t], 2, seq);
		sqlite3_bind_int64(upd[t], 3, list[i].rowid);
		if (sqlite3_step(upd[t]) != SQLITE_DONE)
			rc = fs_sqlite_err(b, err, "restamp");
		sqlite3_reset(upd[t]);
		if (rc == 0)
			(*count)++;
	}
cleanup:
	free(list);
	sqlite3_finalize(sel);
	for (i = 0; i < NHLC_TABLES; i++)
		sqlite3_finalize(upd[i]);
	return rc;
}

/* ---- a whole-store copy (copy.h): the rows no other operation visits ---- */

/* Prepare sql, visit its rows with fn, finalize. */
static int each_sql(fs_backend *b, const char *sql, const char *what,
                    int (*fn)(fs_backend *b, sqlite3_stmt *st, void *ctx), void *ctx, fs_err *err)
{
	sqlite3_stmt *st = NULL;
	int rc;

	fs_sqlite_scratch_reset(b);
	if (sqlite3_prepare_v2(b->db, sql, -1, &st, NULL) != SQLITE_OK)
		return fs_sqlite_err(b, err, what);
	rc = each_row(b, st, what, fn, ctx, err);
	sqlite3_finalize(st);
	return rc;
}

static int meta_visit(fs_backend *b, sqlite3_stmt *st, void *ctx)
{
	walk *w = ctx;

	return ((fs_meta_fn)w->fn)(w->ctx, borrow(b, st, 0), borrow(b, st, 1));
}

static int meta_each(fs_backend *b, fs_meta_fn fn, void *ctx, fs_err *err)
{
	walk w = {(void *)fn, ctx};

	return each_sql(b, "SELECT key, value FROM meta ORDER BY key", "read meta", meta_visit, &w,
	                err);
}

static int peer_visit(fs_backend *b, sqlite3_stmt *st, void *ctx)
{
	walk *w = ctx;

	return ((fs_peer_fn)w->fn)(w->ctx, borrow(b, st, 0), sqlite3_column_int64(st, 1),
	                           sqlite3_column_int64(st, 2));
}

static int peer_each(fs_backend *b, fs_peer_fn fn, void *ctx, fs_err *err)
{
	walk w = {(void *)fn, ctx};

	return each_sql(b, "SELECT site, push_cursor, pull_cursor FROM peers ORDER BY site",
	                "read peers", peer_visit, &w, err);
}

static int quarantine_visit(fs_backend *b, sqlite3_stmt *st, void *ctx)
{
	walk *w = ctx;
	fs_quarantine_row r;

	r.received_hlc = col_hlc(st, 1);
	r.from_site = borrow(b, st, 2);
	r.record_table = borrow(b, st, 3);
	r.record_id = borrow(b, st, 4);
	r.reason = borrow(b, st, 5);
	r.change = borrow(b, st, 6);
	return ((fs_quarantine_fn)w->fn)(w->ctx, sqlite3_column_int64(st, 0), &r);
}

static int quarantine_each(fs_backend *b, fs_quarantine_fn fn, void *ctx, fs_err *err)
{
	walk w = {(void *)fn, ctx};

	return each_sql(b,
	                "SELECT id, received_hlc, from_site, record_table, record_id, reason, "
	                "change FROM quarantine ORDER BY id",
	                "read quarantine", quarantine_visit, &w, err);
}

static int quarantine_put(fs_backend *b, int64_t id, const fs_quarantine_row *row, fs_err *err)
{
	sqlite3_stmt *st = NULL;
	int rc;

	fs_sqlite_scratch_reset(b);
	if (id <= 0)
		return fs_err_set(err, FS_EINVAL,
		                  "store: write quarantine: id %lld is not positive",
		                  (long long)id);
	/* INTEGER PRIMARY KEY: later inserts are numbered above the greatest. */
	if (sqlite3_prepare_v2(b->db,
	                       "INSERT INTO quarantine (id, received_hlc, from_site, record_table, "
	                       "record_id, reason, change) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7) "
	                       "ON CONFLICT (id) DO NOTHING",
	                       -1, &st, NULL) != SQLITE_OK)
		return fs_sqlite_err(b, err, "write quarantine");
	sqlite3_bind_int64(st, 1, id);
	sqlite3_bind_int64(st, 2, (sqlite3_int64)row->received_hlc);
	sqlite3_bind_text(st, 3, row->from_site, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 4, row->record_table, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 5, row->record_id, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 6, row->reason, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 7, row->change, -1, SQLITE_STATIC);
	rc = sqlite3_step(st) == SQLITE_DONE ? 0 : fs_sqlite_err(b, err, "write quarantine");
	if (rc == 0 && sqlite3_changes(b->db) != 1)
		rc = fs_err_set(err, FS_ECONFLICT, "store: quarantined change %lld exists",
		                (long long)id);
	sqlite3_finalize(st);
	return rc;
}

static int claim_row_visit(fs_backend *b, sqlite3_stmt *st, void *ctx)
{
	walk *w = ctx;

	return ((fs_claim_row_fn)w->fn)(w->ctx, borrow(b, st, 0), borrow(b, st, 1), col_hlc(st, 2));
}

static int claim_each(fs_backend *b, fs_claim_row_fn fn, void *ctx, fs_err *err)
{
	walk w = {(void *)fn, ctx};

	return each_sql(b, "SELECT id, site, hlc FROM response_tombstone_claims ORDER BY id, site",
	                "read tombstone claims", claim_row_visit, &w, err);
}

static int key_visit(fs_backend *b, sqlite3_stmt *st, void *ctx)
{
	walk *w = ctx;

	return ((fs_key_fn)w->fn)(w->ctx, borrow(b, st, 0), sqlite3_column_int64(st, 1));
}

static int field_version_each(fs_backend *b, fs_key_fn fn, void *ctx, fs_err *err)
{
	walk w = {(void *)fn, ctx};

	return each_sql(b,
	                "SELECT contact_id, version_key FROM contact_field_versions ORDER BY "
	                "contact_id, version_key",
	                "read field versions", key_visit, &w, err);
}

/* ---- replicated erasure ---- */

static int erasure_get(fs_backend *b, const char *id, fs_erasure_row *out, fs_err *err)
{
	sqlite3_stmt *st = fs_sqlite_stmt(b, FS_SQL_ERASURE_GET, err);
	int rc;

	fs_sqlite_scratch_reset(b);
	memset(out, 0, sizeof(*out));
	if (st == NULL)
		return FS_EGENERIC;
	sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
	rc = get_row(b, st, "read erasure", err);
	if (rc != 0)
		return rc;
	read_erasure(b, st, fs_sqlite_keep, out);
	sqlite3_reset(st);
	return 0;
}

static int erasure_insert(fs_backend *b, const fs_erasure_row *row, int *inserted, fs_err *err)
{
	sqlite3_stmt *st = fs_sqlite_stmt(b, FS_SQL_ERASURE_INSERT, err);
	int rc;

	fs_sqlite_scratch_reset(b);
	*inserted = 0;
	if (st == NULL)
		return FS_EGENERIC;
	fs_sqlite_bind_text(st, 1, row->id);
	fs_sqlite_bind_text(st, 2, row->record_table);
	fs_sqlite_bind_text(st, 3, row->region);
	fs_sqlite_bind_text(st, 4, row->holder);
	fs_sqlite_bind_text(st, 5, row->request);
	fs_sqlite_bind_text(st, 6, row->kind);
	sqlite3_bind_int64(st, 7, (sqlite3_int64)row->hlc);
	fs_sqlite_bind_text(st, 8, row->site);
	sqlite3_bind_int64(st, 9, row->seq);
	rc = fs_sqlite_step_done(b, st, "write erasure", err);
	if (rc == 0)
		*inserted = sqlite3_changes(b->db) == 1;
	return rc;
}

static int erasure_visit(fs_backend *b, sqlite3_stmt *st, void *ctx)
{
	walk *w = ctx;
	fs_erasure_row r;

	read_erasure(b, st, borrow, &r);
	return ((fs_erasure_fn)w->fn)(w->ctx, &r);
}

static int erasure_each(fs_backend *b, const char *request, fs_erasure_fn fn, void *ctx,
                        fs_err *err)
{
	walk w = {(void *)fn, ctx};
	sqlite3_stmt *st = NULL;
	int rc;

	fs_sqlite_scratch_reset(b);
	if (sqlite3_prepare_v2(b->db,
	                       "SELECT " E_COLS " FROM erasures WHERE ?1 IS NULL OR request = ?1 "
	                       "ORDER BY request, id",
	                       -1, &st, NULL) != SQLITE_OK)
		return fs_sqlite_err(b, err, "read erasures");
	fs_sqlite_bind_text(st, 1, request);
	rc = each_row(b, st, "read erasures", erasure_visit, &w, err);
	sqlite3_finalize(st);
	return rc;
}

/* Run one purge statement with ?1 = id; add the rows it deleted. */
static int purge_sql(fs_backend *b, const char *sql, const char *id, long *removed, fs_err *err)
{
	sqlite3_stmt *st = NULL;
	int rc;

	if (sqlite3_prepare_v2(b->db, sql, -1, &st, NULL) != SQLITE_OK)
		return fs_sqlite_err(b, err, "erase record");
	sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
	rc = sqlite3_step(st) == SQLITE_DONE ? 0 : fs_sqlite_err(b, err, "erase record");
	if (rc == 0)
		*removed += sqlite3_changes(b->db);
	sqlite3_finalize(st);
	return rc;
}

static int record_purge(fs_backend *b, const char *table, const char *id, long *rows_removed,
                        fs_err *err)
{
	/* contact_fields before contacts (its foreign key). Conflict ids are
	 * "record/field/...": substr, not LIKE, so no character of id is a
	 * pattern. */
	static const char *const contact_sql[] = {
	    "DELETE FROM contact_fields WHERE contact_id = ?1",
	    "DELETE FROM contacts WHERE id = ?1",
	    "DELETE FROM conflicts WHERE record_id = ?1",
	    "DELETE FROM resolutions WHERE substr(id, 1, length(?1) + 1) = ?1 || '/'",
	    "DELETE FROM quarantine WHERE record_id = ?1 OR "
	    "substr(record_id, 1, length(?1) + 1) = ?1 || '/'",
	    "DELETE FROM contact_field_versions WHERE contact_id = ?1", NULL};
	static const char *const response_sql[] = {
	    "DELETE FROM responses WHERE id = ?1",
	    "DELETE FROM response_tombstone_claims WHERE id = ?1",
	    "DELETE FROM quarantine WHERE record_id = ?1", NULL};
	const char *const *sql;
	long removed = 0;
	int rc = 0;

	fs_sqlite_scratch_reset(b);
	if (rows_removed != NULL)
		*rows_removed = 0;
	if (strcmp(table, "contacts") == 0)
		sql = contact_sql;
	else if (strcmp(table, "responses") == 0)
		sql = response_sql;
	else
		return fs_err_set(err, FS_EINVAL, "store: erase record: no table %s", table);
	for (; *sql != NULL && rc == 0; sql++)
		rc = purge_sql(b, *sql, id, &removed, err);
	if (rc == 0 && rows_removed != NULL)
		*rows_removed = removed;
	return rc;
}

/* secure_delete (sqlite_store.c) zeroes what is deleted in the pages; the
 * log still holds the earlier page images until it is checkpointed and
 * truncated. A reader holding an old snapshot blocks the truncation: the
 * checkpoint waits for it (the busy handler) up to SCRUB_WAIT_MS. */
#define SCRUB_WAIT_MS 5000

static int scrub(fs_backend *b, fs_err *err)
{
	int log = -1, done = -1, rc;

	fs_sqlite_scratch_reset(b);
	if (b->txn != 0)
		return fs_err_set(err, FS_EINVAL, "store: scrub: called inside a transaction");
	sqlite3_busy_timeout(b->db, SCRUB_WAIT_MS);
	rc = sqlite3_wal_checkpoint_v2(b->db, NULL, SQLITE_CHECKPOINT_TRUNCATE, &log, &done);
	sqlite3_busy_timeout(b->db, FS_SQLITE_BUSY_TIMEOUT_MS);
	if (rc == SQLITE_OK)
		return 0;
	if (rc == SQLITE_BUSY || rc == SQLITE_LOCKED)
		return fs_err_set(err, FS_EBUSY,
		                  "store: scrub: readers or a writer kept the write-ahead log of %s "
		                  "from being truncated for %d s; erased bytes may remain in it "
		                  "until the scrub is repeated",
		                  b->path, SCRUB_WAIT_MS / 1000);
	return fs_sqlite_err(b, err, "scrub");
}

/* ---- conflict resolution ---- */

static int conflict_get(fs_backend *b, const char *id, fs_conflict_row *out, fs_err *err)
{
	sqlite3_stmt *st = fs_sqlite_stmt(b, FS_SQL_CONFLICT_GET, err);
	int rc;

	fs_sqlite_scratch_reset(b);
	memset(out, 0, sizeof(*out));
	if (st == NULL)
		return FS_EGENERIC;
	sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
	rc = get_row(b, st, "read conflict", err);
	if (rc != 0)
		return rc;
	read_conflict(b, st, fs_sqlite_keep, out);
	sqlite3_reset(st);
	return 0;
}

static int resolution_get(fs_backend *b, const char *id, fs_resolution_row *out, fs_err *err)
{
	sqlite3_stmt *st = fs_sqlite_stmt(b, FS_SQL_RESOLUTION_GET, err);
	int rc;

	fs_sqlite_scratch_reset(b);
	memset(out, 0, sizeof(*out));
	if (st == NULL)
		return FS_EGENERIC;
	sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
	rc = get_row(b, st, "read resolution", err);
	if (rc != 0)
		return rc;
	read_resolution(b, st, fs_sqlite_keep, out);
	sqlite3_reset(st);
	return 0;
}

static int resolution_insert(fs_backend *b, const fs_resolution_row *row, int *inserted,
                             fs_err *err)
{
	sqlite3_stmt *st = fs_sqlite_stmt(b, FS_SQL_RESOLUTION_INSERT, err);
	int rc;

	fs_sqlite_scratch_reset(b);
	*inserted = 0;
	if (st == NULL)
		return FS_EGENERIC;
	fs_sqlite_bind_text(st, 1, row->id);
	fs_sqlite_bind_text(st, 2, row->region);
	fs_sqlite_bind_text(st, 3, row->chosen);
	fs_sqlite_bind_text(st, 4, row->value);
	sqlite3_bind_int64(st, 5, (sqlite3_int64)row->hlc);
	fs_sqlite_bind_text(st, 6, row->site);
	sqlite3_bind_int64(st, 7, row->seq);
	rc = fs_sqlite_step_done(b, st, "write resolution", err);
	if (rc == 0)
		*inserted = sqlite3_changes(b->db) == 1;
	return rc;
}

static int resolution_visit(fs_backend *b, sqlite3_stmt *st, void *ctx)
{
	walk *w = ctx;
	fs_resolution_row r;

	read_resolution(b, st, borrow, &r);
	return ((fs_resolution_fn)w->fn)(w->ctx, &r);
}

static int resolution_each(fs_backend *b, fs_resolution_fn fn, void *ctx, fs_err *err)
{
	walk w = {(void *)fn, ctx};

	return each_sql(b, "SELECT " V_COLS " FROM resolutions ORDER BY id", "read resolutions",
	                resolution_visit, &w, err);
}

/* ---- record tables (tables.h) ---- */

static int record_get(fs_backend *b, const fs_table_desc *t, const fs_record_row *key,
                      fs_record_row *out, fs_err *err)
{
	sqlite3_stmt *st = record_stmt(b, t, FS_RSQL_GET, err);
	char what[64];
	int rc, i;

	fs_sqlite_scratch_reset(b);
	memset(out, 0, sizeof(*out));
	if (st == NULL)
		return FS_EGENERIC;
	for (i = 0; i < t->nkeys; i++)
		sqlite3_bind_text(st, i + 1, key->col[i].text, -1, SQLITE_STATIC);
	snprintf(what, sizeof(what), "read %s", t->name);
	rc = get_row(b, st, what, err);
	if (rc != 0)
		return rc;
	read_record(b, st, fs_sqlite_keep, t, out);
	sqlite3_reset(st);
	return 0;
}

/* A tombstone's value columns are NULL (text) or 0. */
static int record_put(fs_backend *b, const fs_table_desc *t, const fs_record_row *row,
                      int *changed, fs_err *err)
{
	sqlite3_stmt *st = record_stmt(b, t, FS_RSQL_PUT, err);
	char what[64];
	int rc, i, gone = t->tombstones && row->deleted;

	fs_sqlite_scratch_reset(b);
	*changed = 0;
	if (st == NULL)
		return FS_EGENERIC;
	for (i = 0; i < t->ncols; i++)
		if (t->cols[i].type == FS_COL_TEXT)
			fs_sqlite_bind_text(st, i + 1, gone && i >= t->nkeys ? NULL : row->col[i].text);
		else
			sqlite3_bind_int64(st, i + 1, gone ? 0 : row->col[i].num != 0);
	if (t->tombstones)
		sqlite3_bind_int(st, ++i, gone);
	sqlite3_bind_int64(st, i + 1, (sqlite3_int64)row->hlc);
	fs_sqlite_bind_text(st, i + 2, row->site);
	sqlite3_bind_int64(st, i + 3, row->seq);
	snprintf(what, sizeof(what), "write %s", t->name);
	rc = fs_sqlite_step_done(b, st, what, err);
	if (rc == 0)
		*changed = sqlite3_changes(b->db) == 1;
	return rc;
}

typedef struct record_walk {
	const fs_table_desc *t;
	fs_record_fn fn;
	void *ctx;
} record_walk;

static int record_visit(fs_backend *b, sqlite3_stmt *st, void *ctx)
{
	record_walk *w = ctx;
	fs_record_row r;

	read_record(b, st, borrow, w->t, &r);
	return w->fn(w->ctx, &r);
}

static int record_each(fs_backend *b, const fs_table_desc *t, const char *first, fs_record_fn fn,
                       void *ctx, fs_err *err)
{
	record_walk w = {t, fn, ctx};
	char sql[FS_RECORD_SQL_MAX], what[64];
	sqlite3_stmt *st = NULL;
	int rc;

	fs_sqlite_scratch_reset(b);
	snprintf(what, sizeof(what), "read %s", t->name);
	fs_record_sql(sql, t, FS_RSQL_EACH, 1);
	if (sqlite3_prepare_v2(b->db, sql, -1, &st, NULL) != SQLITE_OK)
		return fs_sqlite_err(b, err, what);
	fs_sqlite_bind_text(st, 1, first);
	rc = each_row(b, st, what, record_visit, &w, err);
	sqlite3_finalize(st);
	return rc;
}

static int response_counts(fs_backend *b,
                           int (*fn)(void *ctx, const char *questionnaire, int64_t version,
                                     int64_t count),
                           void *ctx, fs_err *err)
{
	sqlite3_stmt *st = NULL;
	int rc, stop = 0;

	fs_sqlite_scratch_reset(b);
	if (sqlite3_prepare_v2(b->db,
	                       "SELECT questionnaire_id, questionnaire_version, count(*) FROM "
	                       "responses WHERE deleted = 0 GROUP BY questionnaire_id, "
	                       "questionnaire_version ORDER BY questionnaire_id, "
	                       "questionnaire_version",
	                       -1, &st, NULL) != SQLITE_OK)
		return fs_sqlite_err(b, err, "count responses");
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		stop = fn(ctx, (const char *)sqlite3_column_text(st, 0), sqlite3_column_int64(st, 1),
		          sqlite3_column_int64(st, 2));
		if (stop != 0)
			break;
	}
	if (stop == 0 && rc != SQLITE_DONE)
		stop = fs_sqlite_err(b, err, "count responses");
	sqlite3_finalize(st);
	return stop < 0 ? stop : 0;
}

const fs_backend_ops fs_sqlite_backend = {
    .name = "sqlite",
    .open = fs_sqlite_open,
    .close = fs_sqlite_close,
    .schema_version = fs_sqlite_schema_version,
    .check_durable = fs_sqlite_check_durable,
    .size_bytes = fs_sqlite_size_bytes,
    .check_integrity = fs_sqlite_check_integrity,
    .begin = fs_sqlite_begin,
    .commit = fs_sqlite_commit,
    .rollback = fs_sqlite_rollback,
    .meta_get = fs_sqlite_meta_get,
    .meta_put = fs_sqlite_meta_put,
    .questionnaire_get = questionnaire_get,
    .questionnaire_insert = questionnaire_insert,
    .questionnaire_retire = questionnaire_retire,
    .questionnaire_each = questionnaire_each,
    .response_get = response_get,
    .response_by_receipt = response_by_receipt,
    .response_insert = response_insert,
    .response_replace = response_replace,
    .response_erase = response_erase,
    .response_redate = response_redate,
    .response_each = response_each,
    .claim_add = claim_add,
    .claims = claims,
    .claims_clear = claims_clear,
    .contact_region = contact_region,
    .contact_insert = contact_insert,
    .field_get = field_get,
    .field_put = field_put,
    .field_update = field_update,
    .contact_each = contact_each,
    .field_version_add = field_version_add,
    .field_version_held = field_version_held,
    .conflict_insert = conflict_insert,
    .conflict_each = conflict_each,
    .quarantine_insert = quarantine_insert,
    .counts = counts,
    .peer_get = peer_get,
    .peer_set_push = peer_set_push,
    .peer_set_pull = peer_set_pull,
    .changes_scan = changes_scan,
    .max_hlc = max_hlc,
    .restamp_own = restamp_own,
    .meta_each = meta_each,
    .peer_each = peer_each,
    .quarantine_each = quarantine_each,
    .quarantine_put = quarantine_put,
    .claim_each = claim_each,
    .field_version_each = field_version_each,
    /* replicated erasure */
    .erasure_get = erasure_get,
    .erasure_insert = erasure_insert,
    .erasure_each = erasure_each,
    .record_purge = record_purge,
    .scrub = scrub,
    /* retention (sqlite_retention.c / pg_retention.c) */
    .retention_own_responses = fs_sqlite_retention_own_responses,
    .retention_closed_contacts = fs_sqlite_retention_closed_contacts,
    .retention_delete_before = fs_sqlite_retention_delete_before,
    /* record tables: workers, questionnaire offers, ... */
    .record_get = record_get,
    .record_put = record_put,
    .record_each = record_each,
    .response_counts = response_counts,
    /* conflict resolution */
    .conflict_get = conflict_get,
    .resolution_get = resolution_get,
    .resolution_insert = resolution_insert,
    .resolution_each = resolution_each,
    /* the read API's pages (exports) */
    .response_page = response_page,
    /* a kiosk moved to another region (region.h) */
    .peer_reset_pull = peer_reset_pull,
};
