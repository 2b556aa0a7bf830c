/* The PostgreSQL backend: fs_backend_ops over libpq (backend.h has the
 * contract, pg_conn.c the connection and transactions, pg_schema.c the
 * migrations). Every statement is prepared once per connection; values go
 * as parameters, never into SQL text. Reads of many rows go in pages of
 * PG_PAGE_ROWS by key (keyset paging, in the caller's snapshot or one of
 * their own), so memory is bounded by a page whatever the tables hold, and
 * a callback may call other operations on the same handle. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fieldsync/pg.h"
#include "pg_internal.h"
#include "retention_backend.h"

#define Q_COLS "id, version, doc, deleted, hlc, site, seq"
#define R_COLS                                                                                     \
	"id, deleted, questionnaire_id, questionnaire_version, started_at, submitted_at, "         \
	"language, mode, worker, answers, hlc, site, seq, receipt"
#define F_COLS "c.id, c.region, f.field, f.value, f.hlc, f.site, f.prev_hlc, f.prev_site, f.seq"
#define C_COLS                                                                                     \
	"id, record_table, record_id, region, field, winner_value, winner_hlc, winner_site, "      \
	"loser_value, loser_hlc, loser_site, hlc, site, seq"
#define E_COLS "id, record_table, region, holder, request, kind, hlc, site, seq"
#define V_COLS "id, region, chosen, value, hlc, site, seq"
#define SITE_FILTER "($2::text IS NULL OR site = $2) AND ($3::text IS NULL OR site <> $3)"
#define F_SITE_FILTER "($2::text IS NULL OR f.site = $2) AND ($3::text IS NULL OR f.site <> $3)"
/* A scoped table's change scan: every row when no region is bound ($5),
 * else the rows matching REGION, each arm a range of its own index
 * (schema/pg/011_region_seq.sql), merged by seq. */
#define REGION_SCAN(COLS, TABLE, REGION)                                                           \
	"SELECT " COLS " FROM " TABLE " WHERE $5::text IS NULL AND seq > $1 AND " SITE_FILTER     \
	" UNION ALL SELECT " COLS " FROM " TABLE " WHERE " REGION " AND seq > $1 AND " SITE_FILTER \
	" ORDER BY seq LIMIT $4"
#define R_PAGE                                                                                     \
	"SELECT " R_COLS " FROM responses WHERE id > $1 AND "                                      \
	"($2::text IS NULL OR questionnaire_id = $2) AND ($3::text IS NULL OR site = $3) AND "     \
	"($4::text IS NULL OR submitted_at > $4) AND ($5::int = 1 OR deleted = 0) AND "            \
	"($6::int = 0 OR seq > (SELECT coalesce(max(push_cursor), 0) FROM peers)) "
#define CONTACT_PAGE(where)                                                                        \
	"SELECT " F_COLS " FROM (SELECT id, region FROM contacts WHERE id > $1 " where             \
	" ORDER BY id LIMIT $2) c LEFT JOIN contact_fields f ON f.contact_id = c.id "              \
	"ORDER BY c.id, f.field"

const char *const fs_pg_backend_sql[PG_STMT_COUNT] = {
    [PG_META_GET] = "SELECT value FROM meta WHERE key = $1",
    [PG_META_PUT] = "INSERT INTO meta (key, value) VALUES ($1, $2) "
                    "ON CONFLICT (key) DO UPDATE SET value = excluded.value",
    [PG_WRITE_LOCK] = "SELECT value FROM meta WHERE key = 'seq' FOR UPDATE",
    [PG_Q_GET] = "SELECT " Q_COLS " FROM questionnaires WHERE id = $1 AND version = $2",
    [PG_Q_INSERT] = "INSERT INTO questionnaires (" Q_COLS ") VALUES ($1, $2, $3, $4, $5, $6, $7) "
                    "ON CONFLICT (id, version) DO NOTHING",
    [PG_Q_RETIRE] = "UPDATE questionnaires SET doc = NULL, deleted = 1, hlc = $3, site = $4, "
                    "seq = $5 WHERE id = $1 AND version = $2 AND "
                    "(deleted = 0 OR ($3::bigint, $4::text) > (hlc, site))",
    [PG_Q_PAGE] = "SELECT " Q_COLS " FROM questionnaires WHERE (id, version) > "
                  "($1::text, $2::bigint) ORDER BY id, version LIMIT $3",
    [PG_R_GET] = "SELECT " R_COLS " FROM responses WHERE id = $1",
    [PG_R_BY_RECEIPT] = "SELECT " R_COLS " FROM responses WHERE receipt = $1 AND deleted = 0 "
                        "ORDER BY id LIMIT 1",
    [PG_R_INSERT] = "INSERT INTO responses (" R_COLS ") VALUES ($1, $2, $3, $4, $5, $6, $7, $8, "
                    "$9, $10, $11, $12, $13, $14) ON CONFLICT (id) DO NOTHING",
    [PG_R_REPLACE] = "UPDATE responses SET deleted = $2, questionnaire_id = $3, "
                     "questionnaire_version = $4, started_at = $5, submitted_at = $6, "
                     "language = $7, mode = $8, worker = $9, answers = $10, hlc = $11, "
                     "site = $12, seq = $13, receipt = $14 WHERE id = $1",
    [PG_R_ERASE] = "UPDATE responses SET questionnaire_id = NULL, questionnaire_version = NULL, "
                   "started_at = NULL, submitted_at = NULL, language = NULL, mode = NULL, "
                   "worker = NULL, answers = NULL, receipt = NULL, deleted = 1, hlc = $2, "
                   "site = $3, seq = $4 WHERE id = $1 AND (deleted = 0 OR ($2::bigint, $3::text) > (hlc, site))",
    [PG_R_REDATE] = "UPDATE responses SET started_at = $2, submitted_at = $3, seq = $4 "
                    "WHERE id = $1",
    [PG_R_PAGE] = R_PAGE "ORDER BY id LIMIT $7",
    [PG_R_PAGE_HUB] = R_PAGE "AND ($8::text IS NULL OR site IN "
                             "(SELECT site FROM devices WHERE region = $8)) ORDER BY id LIMIT $7",
    [PG_R_API_PAGE] = "SELECT " R_COLS " FROM responses WHERE deleted = 0 AND "
                      "($1::text IS NULL OR id > $1) AND ($2::text IS NULL OR questionnaire_id = $2) "
                      "AND ($3::text IS NULL OR submitted_at >= $3) AND ($4::text IS NULL OR "
                      "submitted_at < $4) AND ($5::jsonb IS NULL OR site IN (SELECT site FROM "
                      "devices WHERE region IN (SELECT jsonb_array_elements_text($5::jsonb)))) "
                      "ORDER BY id LIMIT $6",
    [PG_CLAIM_ADD] = "INSERT INTO response_tombstone_claims (id, site, hlc) VALUES ($1, $2, $3) "
                     "ON CONFLICT (id, site) DO UPDATE SET hlc = excluded.hlc "
                     "WHERE excluded.hlc > response_tombstone_claims.hlc",
    [PG_CLAIMS] = "SELECT site, hlc FROM response_tombstone_claims WHERE id = $1 ORDER BY site",
    [PG_CLAIMS_CLEAR] = "DELETE FROM response_tombstone_claims WHERE id = $1",
    [PG_CONTACT_REGION] = "SELECT region FROM contacts WHERE id = $1",
    [PG_CONTACT_INSERT] = "INSERT INTO contacts (id, region) VALUES ($1, $2) "
                          "ON CONFLICT (id) DO NOTHING",
    [PG_F_GET] = "SELECT " F_COLS " FROM contact_fields f JOIN contacts c ON c.id = "
                 "f.contact_id WHERE f.contact_id = $1 AND f.field = $2",
    [PG_F_PUT] = "INSERT INTO contact_fields (contact_id, field, value, hlc, site, prev_hlc, "
                 "prev_site, seq) VALUES ($1, $2, $3, $4, $5, $6, $7, $8) "
                 "ON CONFLICT (contact_id, field) DO UPDATE SET value = excluded.value, "
                 "hlc = excluded.hlc, site = excluded.site, prev_hlc = excluded.prev_hlc, "
                 "prev_site = excluded.prev_site, seq = excluded.seq "
                 "WHERE (excluded.hlc, excluded.site) > (contact_fields.hlc, contact_fields.site)",
    [PG_F_UPDATE] = "UPDATE contact_fields SET value = $3, hlc = $4, site = $5, prev_hlc = $6, "
                    "prev_site = $7, seq = $8 WHERE contact_id = $1 AND field = $2 AND "
                    "(hlc, site) < ($4::bigint, $5::text)",
    [PG_CONTACT_ONE] = "SELECT " F_COLS " FROM contacts c LEFT JOIN contact_fields f ON "
                       "f.contact_id = c.id WHERE c.id = $1 AND ($2::text IS NULL OR "
                       "c.region = $2) ORDER BY f.field",
    [PG_CONTACT_PAGE] = CONTACT_PAGE(""),
    [PG_CONTACT_PAGE_REGION] = CONTACT_PAGE("AND region = $3"),
    [PG_FV_ADD] = "INSERT INTO contact_field_versions (contact_id, version_key) VALUES ($1, $2) "
                  "ON CONFLICT (contact_id, version_key) DO NOTHING",
    /* '': a key from before keys were per contact (schema/pg/004_erasure.sql). */
    [PG_FV_HELD] = "SELECT 1 FROM contact_field_versions WHERE contact_id IN ($1, '') AND "
                   "version_key = $2",
    [PG_C_INSERT] = "INSERT INTO conflicts (" C_COLS ") VALUES ($1, $2, $3, $4, $5, $6, $7, $8, "
                    "$9, $10, $11, $12, $13, $14) ON CONFLICT (id) DO NOTHING",
    /* A row this store detects, or one its trusted upstream sends, takes
     * the place of a row of the same id detected elsewhere; a row detected
     * by the same site is kept as it was. */
    [PG_C_REPLACE] = "INSERT INTO conflicts (" C_COLS ") VALUES ($1, $2, $3, $4, $5, $6, $7, $8, "
                     "$9, $10, $11, $12, $13, $14) ON CONFLICT (id) DO UPDATE SET "
                     "record_table = excluded.record_table, record_id = excluded.record_id, "
                     "region = excluded.region, field = excluded.field, "
                     "winner_value = excluded.winner_value, winner_hlc = excluded.winner_hlc, "
                     "winner_site = excluded.winner_site, loser_value = excluded.loser_value, "
                     "loser_hlc = excluded.loser_hlc, loser_site = excluded.loser_site, "
                     "hlc = excluded.hlc, site = excluded.site, seq = excluded.seq "
                     "WHERE conflicts.site <> excluded.site",
    [PG_C_PAGE] = "SELECT " C_COLS " FROM conflicts WHERE hlc < $1 OR (hlc = $1 AND id > $2) "
                  "ORDER BY hlc DESC, id LIMIT $3",
    [PG_QUARANTINE_INSERT] = "INSERT INTO quarantine (received_hlc, from_site, record_table, "
                             "record_id, reason, change) VALUES ($1, $2, $3, $4, $5, $6)",
    [PG_COUNTS] = "SELECT (SELECT count(*) FROM questionnaires WHERE deleted = 0), "
                  "(SELECT count(*) FROM responses WHERE deleted = 0), "
                  "(SELECT count(*) FROM contacts), (SELECT count(*) FROM conflicts), "
                  "(SELECT count(*) FROM quarantine), (SELECT count(*) FROM conflicts k "
                  "WHERE NOT EXISTS (SELECT 1 FROM resolutions v WHERE v.id = k.id))",
    [PG_PEER_GET] = "SELECT push_cursor, pull_cursor FROM peers WHERE site = $1",
    [PG_PEER_PUSH] = "INSERT INTO peers (site, push_cursor) VALUES ($1, $2) ON CONFLICT (site) "
                     "DO UPDATE SET push_cursor = excluded.push_cursor "
                     "WHERE excluded.push_cursor > peers.push_cursor",
    [PG_PEER_PULL] = "INSERT INTO peers (site, pull_cursor) VALUES ($1, $2) ON CONFLICT (site) "
                     "DO UPDATE SET pull_cursor = excluded.pull_cursor "
                     "WHERE excluded.pull_cursor > peers.pull_cursor",
    [PG_PEER_RESET_PULL] = "UPDATE peers SET pull_cursor = $2 WHERE site = $1",
    /* changes_scan: rows changed after a cursor, one table each, by seq. */
    [PG_SCAN_Q] = "SELECT " Q_COLS " FROM questionnaires WHERE seq > $1 AND " SITE_FILTER
                  " ORDER BY seq LIMIT $4",
    [PG_SCAN_R] =
        "SELECT " R_COLS " FROM responses WHERE seq > $1 AND " SITE_FILTER " ORDER BY seq LIMIT $4",
    [PG_SCAN_F] = "SELECT " F_COLS " FROM contact_fields f JOIN contacts c ON c.id = "
                  "f.contact_id WHERE $5::text IS NULL AND f.seq > $1 AND " F_SITE_FILTER
                  " UNION ALL SELECT " F_COLS " FROM contacts c JOIN contact_fields f ON "
                  "f.contact_id = c.id WHERE c.region = $5 AND f.seq > $1 AND " F_SITE_FILTER
                  " ORDER BY 9 LIMIT $4",
    [PG_SCAN_C] = REGION_SCAN(C_COLS, "conflicts", "region = $5"),
    [PG_MAX_HLC] = "SELECT coalesce(greatest("
                   "(SELECT max(hlc) FROM questionnaires WHERE hlc <= $1), "
                   "(SELECT max(hlc) FROM responses WHERE hlc <= $1), "
                   "(SELECT max(hlc) FROM contact_fields WHERE hlc <= $1), "
                   "(SELECT max(hlc) FROM conflicts WHERE hlc <= $1), "
                   "(SELECT max(hlc) FROM withdrawals WHERE hlc <= $1), "
                   "(SELECT max(hlc) FROM resolutions WHERE hlc <= $1)), 0)",
    [PG_OWN_ROWS] = "SELECT 1, id, version, NULL::text, hlc FROM questionnaires "
                    "WHERE site = $1 AND hlc > $2 UNION ALL "
                    "SELECT 2, id, NULL::bigint, NULL::text, hlc FROM responses "
                    "WHERE site = $1 AND hlc > $2 UNION ALL "
                    "SELECT 4, contact_id, NULL::bigint, field, hlc FROM contact_fields "
                    "WHERE site = $1 AND hlc > $2 UNION ALL "
                    "SELECT 8, id, NULL::bigint, NULL::text, hlc FROM conflicts "
                    "WHERE site = $1 AND hlc > $2 UNION ALL "
                    "SELECT 1024, receipt, NULL::bigint, NULL::text, hlc FROM withdrawals "
                    "WHERE site = $1 AND hlc > $2 ORDER BY 5, 1, 2, 3, 4",
    [PG_RESTAMP_Q] = "UPDATE questionnaires SET hlc = $1, seq = $2 WHERE id = $3 AND "
                     "version = $4",
    [PG_RESTAMP_R] = "UPDATE responses SET hlc = $1, seq = $2 WHERE id = $3",
    [PG_RESTAMP_F] = "UPDATE contact_fields SET hlc = $1, seq = $2 WHERE contact_id = $3 AND "
                     "field = $4",
    [PG_RESTAMP_C] = "UPDATE conflicts SET hlc = $1, seq = $2 WHERE id = $3",
    [PG_RESTAMP_W] = "UPDATE withdrawals SET hlc = $1, seq = $2 WHERE receipt = $3",
    /* A whole-store copy (copy.h): keyset pages of the rows no other
     * operation visits, and a quarantined change kept with its id. */
    [PG_META_PAGE] = "SELECT key, value FROM meta WHERE key > $1 ORDER BY key LIMIT $2",
    [PG_PEER_PAGE] = "SELECT site, push_cursor, pull_cursor FROM peers WHERE site > $1 "
                     "ORDER BY site LIMIT $2",
    [PG_QUARANTINE_PAGE] = "SELECT id, received_hlc, from_site, record_table, record_id, "
                           "reason, change FROM quarantine WHERE id > $1 ORDER BY id LIMIT $2",
    [PG_QUARANTINE_PUT] = "INSERT INTO quarantine (id, received_hlc, from_site, record_table, "
                          "record_id, reason, change) OVERRIDING SYSTEM VALUE VALUES ($1, $2, "
                          "$3, $4, $5, $6, $7) ON CONFLICT (id) DO NOTHING",
    /* Later inserts are numbered above every id held (a sequence is not
     * transactional: after a rollback it may skip numbers, never reuse). */
    [PG_QUARANTINE_RENUMBER] = "SELECT setval(pg_get_serial_sequence('quarantine', 'id'), "
                               "greatest((SELECT max(id) FROM quarantine), $1::bigint))",
    [PG_CLAIM_PAGE] = "SELECT id, site, hlc FROM response_tombstone_claims WHERE (id, site) > "
                      "($1::text, $2::text) ORDER BY id, site LIMIT $3",
    [PG_FV_PAGE] = "SELECT contact_id, version_key FROM contact_field_versions WHERE "
                   "$1::int = 0 OR (contact_id, version_key) > ($2::text, $3::bigint) "
                   "ORDER BY contact_id, version_key LIMIT $4",
    /* Replicated erasure. */
    [PG_E_GET] = "SELECT " E_COLS " FROM erasures WHERE id = $1",
    [PG_E_INSERT] = "INSERT INTO erasures (" E_COLS ") VALUES ($1, $2, $3, $4, $5, $6, $7, $8, "
                    "$9) ON CONFLICT (id) DO NOTHING",
    [PG_E_PAGE] = "SELECT " E_COLS " FROM erasures WHERE ($1::text IS NULL OR request = $1) "
                  "AND (request, id) > ($2::text, $3::text) ORDER BY request, id LIMIT $4",
    /* Sent to the erased record's region, or to every region. */
    [PG_SCAN_E] = "SELECT " E_COLS " FROM erasures WHERE $5::text IS NOT NULL AND region IS "
                  "NULL AND seq > $1 AND " SITE_FILTER " UNION ALL "
                  REGION_SCAN(E_COLS, "erasures", "region = $5"),
    [PG_PURGE_FIELDS] = "DELETE FROM contact_fields WHERE contact_id = $1",
    [PG_PURGE_CONTACT] = "DELETE FROM contacts WHERE id = $1",
    [PG_PURGE_CONFLICTS] = "DELETE FROM conflicts WHERE record_id = $1",
    /* Conflict ids are "record/field/...": a prefix, not LIKE, so no
     * character of the id is a pattern. */
    [PG_PURGE_QUARANTINE_CONTACT] = "DELETE FROM quarantine WHERE record_id = $1 OR "
                                    "left(record_id, length($1) + 1) = $1 || '/'",
    [PG_PURGE_VERSIONS] = "DELETE FROM contact_field_versions WHERE contact_id = $1",
    [PG_PURGE_RESPONSE] = "DELETE FROM responses WHERE id = $1",
    [PG_PURGE_CLAIMS] = "DELETE FROM response_tombstone_claims WHERE id = $1",
    [PG_PURGE_QUARANTINE_RESPONSE] = "DELETE FROM quarantine WHERE record_id = $1",
    /* Conflict resolution. */
    [PG_C_GET] = "SELECT " C_COLS " FROM conflicts WHERE id = $1",
    [PG_V_GET] = "SELECT " V_COLS " FROM resolutions WHERE id = $1",
    [PG_V_INSERT] = "INSERT INTO resolutions (" V_COLS ") VALUES ($1, $2, $3, $4, $5, $6, $7) "
                    "ON CONFLICT (id) DO NOTHING",
    [PG_V_PAGE] = "SELECT " V_COLS " FROM resolutions WHERE id > $1 ORDER BY id LIMIT $2",
    [PG_SCAN_V] = REGION_SCAN(V_COLS, "resolutions", "region = $5"),
    /* The resolutions of a contact's conflicts ("record/field/..."). */
    [PG_PURGE_RESOLUTIONS] = "DELETE FROM resolutions WHERE left(id, length($1) + 1) = $1 || '/'",
};

/* Row readers: columns in the order of Q_COLS, R_COLS, F_COLS, C_COLS. */
static void read_q(fs_questionnaire_row *q, const PGresult *res, int r)
{
	q->id = pg_text(res, r, 0);
	q->version = pg_i64(res, r, 1);
	q->doc = pg_text(res, r, 2);
	q->deleted = (int)pg_i64(res, r, 3);
	q->hlc = (fs_hlc)pg_i64(res, r, 4);
	q->site = pg_text(res, r, 5);
	q->seq = pg_i64(res, r, 6);
}

static void read_r(fs_response_row *x, const PGresult *res, int r)
{
	x->id = pg_text(res, r, 0);
	x->deleted = (int)pg_i64(res, r, 1);
	x->questionnaire = pg_text(res, r, 2);
	x->version = pg_i64(res, r, 3);
	x->started_at = pg_text(res, r, 4);
	x->submitted_at = pg_text(res, r, 5);
	x->language = pg_text(res, r, 6);
	x->mode = pg_text(res, r, 7);
	x->worker = pg_text(res, r, 8);
	x->answers = pg_text(res, r, 9);
	x->hlc = (fs_hlc)pg_i64(res, r, 10);
	x->site = pg_text(res, r, 11);
	x->seq = pg_i64(res, r, 12);
	x->receipt = pg_text(res, r, 13);
}

static void read_f(fs_field_row *f, const PGresult *res, int r)
{
	f->contact_id = pg_text(res, r, 0);
	f->region = pg_text(res, r, 1);
	f->field = pg_text(res, r, 2);
	f->value = pg_text(res, r, 3);
	f->hlc = (fs_hlc)pg_i64(res, r, 4);
	f->site = pg_text(res, r, 5);
	f->prev_hlc = (fs_hlc)pg_i64(res, r, 6);
	f->prev_site = pg_text(res, r, 7);
	f->seq = pg_i64(res, r, 8);
}

static void read_c(fs_conflict_row *c, const PGresult *res, int r)
{
	c->id = pg_text(res, r, 0);
	c->record_table = pg_text(res, r, 1);
	c->record_id = pg_text(res, r, 2);
	c->region = pg_text(res, r, 3);
	c->field = pg_text(res, r, 4);
	c->winner_value = pg_text(res, r, 5);
	c->winner_hlc = (fs_hlc)pg_i64(res, r, 6);
	c->winner_site = pg_text(res, r, 7);
	c->loser_value = pg_text(res, r, 8);
	c->loser_hlc = (fs_hlc)pg_i64(res, r, 9);
	c->loser_site = pg_text(res, r, 10);
	c->hlc = (fs_hlc)pg_i64(res, r, 11);
	c->site = pg_text(res, r, 12);
	c->seq = pg_i64(res, r, 13);
}

static void read_e(fs_erasure_row *e, const PGresult *res, int r)
{
	e->id = pg_text(res, r, 0);
	e->record_table = pg_text(res, r, 1);
	e->region = pg_text(res, r, 2);
	e->holder = pg_text(res, r, 3);
	e->request = pg_text(res, r, 4);
	e->kind = pg_text(res, r, 5);
	e->hlc = (fs_hlc)pg_i64(res, r, 6);
	e->site = pg_text(res, r, 7);
	e->seq = pg_i64(res, r, 8);
}

static void read_v(fs_resolution_row *v, const PGresult *res, int r)
{
	v->id = pg_text(res, r, 0);
	v->region = pg_text(res, r, 1);
	v->chosen = pg_text(res, r, 2);
	v->value = pg_text(res, r, 3);
	v->hlc = (fs_hlc)pg_i64(res, r, 4);
	v->site = pg_text(res, r, 5);
	v->seq = pg_i64(res, r, 6);
}

/* A record table's row (tables.h): its columns, then deleted (tables
 * with tombstones), hlc, site, seq. */
static void read_record(const fs_table_desc *t, fs_record_row *out, const PGresult *res, int r)
{
	int i;

	memset(out, 0, sizeof(*out));
	for (i = 0; i < t->ncols; i++)
		if (t->cols[i].type == FS_COL_TEXT)
			out->col[i].text = pg_text(res, r, i);
		else
			out->col[i].num = pg_i64(res, r, i);
	if (t->tombstones)
		out->deleted = (int)pg_i64(res, r, i++);
	out->hlc = (fs_hlc)pg_i64(res, r, i);
	out->site = pg_text(res, r, i + 1);
	out->seq = pg_i64(res, r, i + 2);
}

static enum pg_stmt_id record_stmt(const fs_table_desc *t, fs_record_sql_kind kind)
{
	return (enum pg_stmt_id)(PG_RECORDS + fs_record_index(t) * FS_RSQL_KINDS + kind);
}

/* A statement expected to return at most one row: FS_ENOTFOUND when none;
 * otherwise *out holds it (pg_hold it when its strings are lent out). */
static int get_one(fs_backend *b, enum pg_stmt_id id, const pg_params *p, PGresult **out,
                   const char *what, fs_err *err)
{
	int rc = pg_run(b, id, p, out, what, err);

	if (rc == 0 && PQntuples(*out) == 0) {
		PQclear(*out);
		*out = NULL;
		return FS_ENOTFOUND;
	}
	return rc;
}

/* A callback's verdict: go on (0), stop with 0 (positive), abort (negative). */
static int verdict(int v, int *stop)
{
	if (v > 0) {
		*stop = 1;
		return 0;
	}
	*stop = v < 0;
	return v;
}

static int pg_open(fs_backend **out, const char *location, const fs_backend_options *opts,
                   fs_err *err)
{
	static const fs_backend_options defaults;
	fs_backend *b = NULL;
	int rc;

	*out = NULL;
	if (opts == NULL)
		opts = &defaults;
	/* opts->cache_kib: the page cache is the server's (shared_buffers),
	 * not a connection's; only its range is checked, as for every backend. */
	if (opts->cache_kib < 0 || opts->cache_kib > (int64_t)16 * 1024 * 1024)
		return fs_err_set(err, FS_EINVAL, "store: cache size %lld KiB is out of range",
		                  (long long)opts->cache_kib);
	rc = pg_connect(&b, location, err);
	if (rc != 0)
		return rc;
	rc = pg_schema_migrate(b, opts->create, opts->hub, err);
	if (rc != 0) {
		pg_disconnect(b);
		return rc;
	}
	b->hub = opts->hub != 0;
	*out = b;
	return 0;
}

static void pg_close(fs_backend *b)
{
	if (b != NULL && b->txn != 0)
		pg_rollback(b);
	pg_disconnect(b);
}

static int pg_version(fs_backend *b, int *out, fs_err *err)
{
	return pg_schema_version(b, out, err);
}

/* Durability of what is committed is the server's (WAL, fsync checked on
 * at connect, synchronous_commit not off): a commit that returned 0 was
 * flushed there, and nothing on this side can lose it afterwards. */
static int pg_check_durable(fs_backend *b, fs_err *err)
{
	(void)b;
	(void)err;
	return 0;
}

static int pg_size_bytes(fs_backend *b, int64_t *out, fs_err *err)
{
	PGresult *res = PQexec(b->conn, "SELECT pg_database_size(current_database())");
	int rc = 0;

	*out = 0;
	if (PQresultStatus(res) != PGRES_TUPLES_OK || PQntuples(res) != 1)
		rc = pg_error(b, res, "store size", err);
	else
		*out = pg_i64(res, 0, 0);
	PQclear(res);
	return rc;
}

/* What PostgreSQL's own checks (page checksums, constraints) do not see:
 * the change sequence. Every seq is held by one row and none is above the
 * counter, or "changes after cursor C" would skip or repeat rows. */
static int pg_check_integrity(fs_backend *b, fs_err *err)
{
	char every[FS_SEQ_UNION_MAX], dup_sql[FS_SEQ_UNION_MAX + 160],
	    max_sql[FS_SEQ_UNION_MAX + 160];
	PGresult *res = NULL;
	int own, rc = pg_own_begin(b, &own, err);

	if (rc != 0)
		return rc;
	/* Reads every row: no statement limit in a transaction of its own. */
	if (own)
		rc = pg_exec(b, "SET LOCAL statement_timeout = 0", "integrity check", err);
	if (rc != 0)
		return pg_own_end(b, own, rc, err);
	fs_tables_seq_union(every, "seq");
	snprintf(dup_sql, sizeof(dup_sql),
	         "SELECT s.seq FROM (%s) s GROUP BY s.seq HAVING count(*) > 1 LIMIT 1", every);
	fs_tables_seq_union(every, "max(seq) AS seq");
	snprintf(max_sql, sizeof(max_sql),
	         "SELECT coalesce((SELECT max(s.seq) FROM (%s) s), 0), (SELECT value FROM meta "
	         "WHERE key = 'seq')",
	         every);
	res = PQexec(b->conn, dup_sql);
	if (PQresultStatus(res) != PGRES_TUPLES_OK)
		rc = pg_error(b, res, "integrity check", err);
	else if (PQntuples(res) > 0)
		rc = fs_err_set(err, FS_EGENERIC,
		                "store: integrity check: change sequence number %s is held by more "
		                "than one row",
		                PQgetvalue(res, 0, 0));
	PQclear(res);
	res = NULL;
	if (rc == 0) {
		res = PQexec(b->conn, max_sql);
		if (PQresultStatus(res) != PGRES_TUPLES_OK || PQntuples(res) != 1)
			rc = pg_error(b, res, "integrity check", err);
		else if (pg_text(res, 0, 1) == NULL ||
		         pg_i64(res, 0, 0) > strtoll(PQgetvalue(res, 0, 1), NULL, 10))
			rc = fs_err_set(
			    err, FS_EGENERIC,
			    "store: integrity check: a row's change sequence number %s is "
			    "above the counter (meta seq %s)",
			    PQgetvalue(res, 0, 0),
			    pg_text(res, 0, 1) ? pg_text(res, 0, 1) : "missing");
		PQclear(res);
	}
	return pg_own_end(b, own, rc, err);
}

static int pg_meta_get(fs_backend *b, const char *key, char *out, size_t len, fs_err *err)
{
	pg_params p = {0};
	PGresult *res = NULL;
	int rc;

	pg_p_text(&p, key);
	rc = get_one(b, PG_META_GET, &p, &res, "read meta", err);
	if (rc == 0)
		snprintf(out, len, "%s", PQgetvalue(res, 0, 0));
	PQclear(res);
	return rc;
}

static int pg_meta_put(fs_backend *b, const char *key, const char *value, fs_err *err)
{
	pg_params p = {0};

	pg_p_text(&p, key);
	pg_p_text(&p, value);
	return pg_write(b, PG_META_PUT, &p, NULL, "write meta", err);
}

static int pg_q_get(fs_backend *b, const char *id, int64_t version, fs_questionnaire_row *out,
                    fs_err *err)
{
	pg_params p = {0};
	PGresult *res = NULL;
	int rc;

	memset(out, 0, sizeof(*out));
	pg_p_text(&p, id);
	pg_p_i64(&p, version);
	rc = get_one(b, PG_Q_GET, &p, &res, "read questionnaire", err);
	if (rc == 0) {
		read_q(out, res, 0);
		pg_hold(b, res);
	}
	return rc;
}

static int pg_q_insert(fs_backend *b, const fs_questionnaire_row *row, int *inserted, fs_err *err)
{
	pg_params p = {0};

	pg_p_text(&p, row->id);
	pg_p_i64(&p, row->version);
	pg_p_text(&p, row->doc);
	pg_p_i64(&p, row->deleted ? 1 : 0);
	pg_p_i64(&p, (int64_t)row->hlc);
	pg_p_text(&p, row->site);
	pg_p_i64(&p, row->seq);
	return pg_write(b, PG_Q_INSERT, &p, inserted, "write questionnaire", err);
}

static int pg_q_retire(fs_backend *b, const char *id, int64_t version, fs_hlc hlc, const char *site,
                       int64_t seq, int *changed, fs_err *err)
{
	pg_params p = {0};

	pg_p_text(&p, id);
	pg_p_i64(&p, version);
	pg_p_i64(&p, (int64_t)hlc);
	pg_p_text(&p, site);
	pg_p_i64(&p, seq);
	return pg_write(b, PG_Q_RETIRE, &p, changed, "retire questionnaire", err);
}

static int pg_q_each(fs_backend *b, fs_questionnaire_fn fn, void *ctx, fs_err *err)
{
	PGresult *prev = NULL; /* the last page: the next one starts after its last row */
	int own, stop = 0, rc = pg_own_begin(b, &own, err);

	while (rc == 0 && !stop) {
		pg_params p = {0};
		PGresult *res = NULL;
		fs_questionnaire_row q;
		int r, n, last = prev ? PQntuples(prev) - 1 : -1;

		pg_p_text(&p, last >= 0 ? PQgetvalue(prev, last, 0) : "");
		if (last >= 0)
			pg_p_text(&p, PQgetvalue(prev, last, 1));
		else
			pg_p_i64(&p, INT64_MIN);
		pg_p_i64(&p, PG_PAGE_ROWS);
		rc = pg_run(b, PG_Q_PAGE, &p, &res, "read questionnaires", err);
		PQclear(prev);
		prev = res;
		if (rc != 0)
			break;
		n = PQntuples(res);
		for (r = 0; r < n && !stop; r++) {
			read_q(&q, res, r);
			rc = verdict(fn(ctx, &q), &stop);
		}
		if (n < PG_PAGE_ROWS)
			break;
	}
	PQclear(prev);
	return pg_own_end(b, own, rc, err);
}

static int pg_r_get(fs_backend *b, const char *id, fs_response_row *out, fs_err *err)
{
	pg_params p = {0};
	PGresult *res = NULL;
	int rc;

	memset(out, 0, sizeof(*out));
	pg_p_text(&p, id);
	rc = get_one(b, PG_R_GET, &p, &res, "read response", err);
	if (rc == 0) {
		read_r(out, res, 0);
		pg_hold(b, res);
	}
	return rc;
}

static int pg_r_by_receipt(fs_backend *b, const char *receipt, fs_response_row *out, fs_err *err)
{
	pg_params p = {0};
	PGresult *res = NULL;
	int rc;

	memset(out, 0, sizeof(*out));
	pg_p_text(&p, receipt);
	rc = get_one(b, PG_R_BY_RECEIPT, &p, &res, "read response", err);
	if (rc == 0) {
		read_r(out, res, 0);
		pg_hold(b, res);
	}
	return rc;
}

/* The 14 columns of R_COLS from row, in order. A tombstone's version is
 * NULL like its other content. */
static void response_params(pg_params *p, const fs_response_row *row)
{
	pg_p_text(p, row->id);
	pg_p_i64(p, row->deleted ? 1 : 0);
	pg_p_text(p, row->questionnaire);
	if (row->deleted)
		pg_p_text(p, NULL);
	else
		pg_p_i64(p, row->version);
	pg_p_text(p, row->started_at);
	pg_p_text(p, row->submitted_at);
	pg_p_text(p, row->language);
	pg_p_text(p, row->mode);
	pg_p_text(p, row->worker);
	pg_p_text(p, row->answers);
	pg_p_i64(p, (int64_t)row->hlc);
	pg_p_text(p, row->site);
	pg_p_i64(p, row->seq);
	pg_p_text(p, row->deleted ? NULL : row->receipt);
}

static int pg_r_insert(fs_backend *b, const fs_response_row *row, int *inserted, fs_err *err)
{
	pg_params p = {0};

	response_params(&p, row);
	return pg_write(b, PG_R_INSERT, &p, inserted, "write response", err);
}

static int pg_r_replace(fs_backend *b, const fs_response_row *row, fs_err *err)
{
	pg_params p = {0};

	response_params(&p, row);
	return pg_write(b, PG_R_REPLACE, &p, NULL, "replace response", err);
}

static int pg_r_erase(fs_backend *b, const char *id, fs_hlc hlc, const char *site, int64_t seq,
                      int *changed, fs_err *err)
{
	pg_params p = {0};

	pg_p_text(&p, id);
	pg_p_i64(&p, (int64_t)hlc);
	pg_p_text(&p, site);
	pg_p_i64(&p, seq);
	return pg_write(b, PG_R_ERASE, &p, changed, "delete response", err);
}

static int pg_r_redate(fs_backend *b, const char *id, const char *started_at,
                       const char *submitted_at, int64_t seq, fs_err *err)
{
	pg_params p = {0};

	pg_p_text(&p, id);
	pg_p_text(&p, started_at);
	pg_p_text(&p, submitted_at);
	pg_p_i64(&p, seq);
	return pg_write(b, PG_R_REDATE, &p, NULL, "re-date response", err);
}

static int pg_r_each(fs_backend *b, const fs_response_filter *filter, fs_response_row_fn fn,
                     void *ctx, fs_err *err)
{
	static const fs_response_filter none;
	PGresult *prev = NULL; /* the last page: the next one starts after its last row */
	int own, stop = 0, rc;

	if (filter == NULL)
		filter = &none;
	/* "written by a device of this region" needs the device registry. */
	if (filter->region != NULL && !b->hub)
		return fs_err_set(err, FS_EINVAL,
		                  "store: responses by region need the hub's device registry (not "
		                  "opened as a hub)");
	rc = pg_own_begin(b, &own, err);
	while (rc == 0 && !stop) {
		pg_params p = {0};
		PGresult *res = NULL;
		fs_response_row x;
		int r, n;

		pg_p_text(&p, prev ? PQgetvalue(prev, PQntuples(prev) - 1, 0) : "");
		pg_p_text(&p, filter->questionnaire);
		pg_p_text(&p, filter->site);
		pg_p_text(&p, filter->submitted_after);
		pg_p_i64(&p, filter->include_deleted ? 1 : 0);
		pg_p_i64(&p, filter->unacknowledged ? 1 : 0);
		pg_p_i64(&p, PG_PAGE_ROWS);
		if (b->hub)
			pg_p_text(&p, filter->region);
		rc = pg_run(b, b->hub ? PG_R_PAGE_HUB : PG_R_PAGE, &p, &res, "read responses", err);
		PQclear(prev);
		prev = res;
		if (rc != 0)
			break;
		n = PQntuples(res);
		for (r = 0; r < n && !stop; r++) {
			read_r(&x, res, r);
			rc = verdict(fn(ctx, &x), &stop);
		}
		if (n < PG_PAGE_ROWS)
			break;
	}
	PQclear(prev);
	return pg_own_end(b, own, rc, err);
}

static int pg_r_page(fs_backend *b, const fs_response_page *q, fs_response_row_fn fn, void *ctx,
                     fs_err *err)
{
	pg_params p = {0};
	PGresult *res = NULL;
	fs_response_row x;
	int r, n, stop = 0, rc;

	if (!b->hub)
		return fs_err_set(err, FS_EINVAL,
		                  "store: responses by region need the hub's device registry (not "
		                  "opened as a hub)");
	pg_p_text(&p, q->after);
	pg_p_text(&p, q->questionnaire);
	pg_p_text(&p, q->since);
	pg_p_text(&p, q->until);
	pg_p_text(&p, q->regions_json);
	pg_p_i64(&p, q->limit);
	rc = pg_run(b, PG_R_API_PAGE, &p, &res, "read responses", err);
	n = rc == 0 ? PQntuples(res) : 0;
	for (r = 0; r < n && !stop && rc == 0; r++) {
		read_r(&x, res, r);
		rc = verdict(fn(ctx, &x), &stop);
	}
	PQclear(res);
	return rc;
}

static int pg_claim_add(fs_backend *b, const char *id, const char *site, fs_hlc hlc, fs_err *err)
{
	pg_params p = {0};

	pg_p_text(&p, id);
	pg_p_text(&p, site);
	pg_p_i64(&p, (int64_t)hlc);
	return pg_write(b, PG_CLAIM_ADD, &p, NULL, "write tombstone claim", err);
}

static int pg_claims(fs_backend *b, const char *id, fs_claim_fn fn, void *ctx, fs_err *err)
{
	pg_params p = {0};
	PGresult *res = NULL;
	int rc, r, stop = 0;

	pg_p_text(&p, id);
	/* One row per site that sent a tombstone: bounded by the devices. */
	rc = pg_run(b, PG_CLAIMS, &p, &res, "read tombstone claims", err);
	for (r = 0; rc == 0 && r < PQntuples(res) && !stop; r++)
		rc = verdict(fn(ctx, PQgetvalue(res, r, 0), (fs_hlc)pg_i64(res, r, 1)), &stop);
	PQclear(res);
	return rc;
}

static int pg_claims_clear(fs_backend *b, const char *id, fs_err *err)
{
	pg_params p = {0};

	pg_p_text(&p, id);
	return pg_write(b, PG_CLAIMS_CLEAR, &p, NULL, "clear tombstone claims", err);
}

static int pg_contact_region(fs_backend *b, const char *id, char out[FS_NAME_MAX + 1], fs_err *err)
{
	pg_params p = {0};
	PGresult *res = NULL;
	int rc;

	pg_p_text(&p, id);
	rc = get_one(b, PG_CONTACT_REGION, &p, &res, "read contact", err);
	if (rc == 0)
		snprintf(out, FS_NAME_MAX + 1, "%s", PQgetvalue(res, 0, 0));
	PQclear(res);
	return rc;
}

static int pg_contact_insert(fs_backend *b, const char *id, const char *region, fs_err *err)
{
	pg_params p = {0};
	int added = 0, rc;

	pg_p_text(&p, id);
	pg_p_text(&p, region);
	rc = pg_write(b, PG_CONTACT_INSERT, &p, &added, "write contact", err);
	if (rc == 0 && !added)
		return fs_err_set(err, FS_ECONFLICT, "store: contact %s exists", id);
	return rc;
}

static int pg_f_get(fs_backend *b, const char *contact_id, const char *field, fs_field_row *out,
                    fs_err *err)
{
	pg_params p = {0};
	PGresult *res = NULL;
	int rc;

	memset(out, 0, sizeof(*out));
	pg_p_text(&p, contact_id);
	pg_p_text(&p, field);
	rc = get_one(b, PG_F_GET, &p, &res, "read contact field", err);
	if (rc == 0) {
		read_f(out, res, 0);
		pg_hold(b, res);
	}
	return rc;
}

static int field_write(fs_backend *b, enum pg_stmt_id id, const fs_field_row *row, fs_err *err)
{
	int has_prev = row->prev_site != NULL && row->prev_site[0] != '\0';
	pg_params p = {0};

	pg_p_text(&p, row->contact_id);
	pg_p_text(&p, row->field);
	pg_p_text(&p, row->value);
	pg_p_i64(&p, (int64_t)row->hlc);
	pg_p_text(&p, row->site);
	if (has_prev)
		pg_p_i64(&p, (int64_t)row->prev_hlc);
	else
		pg_p_text(&p, NULL);
	pg_p_text(&p, has_prev ? row->prev_site : NULL);
	pg_p_i64(&p, row->seq);
	return pg_write(b, id, &p, NULL, "write contact field", err);
}

static int pg_f_put(fs_backend *b, const fs_field_row *row, fs_err *err)
{
	return field_write(b, PG_F_PUT, row, err);
}

static int pg_f_update(fs_backend *b, const fs_field_row *row, fs_err *err)
{
	return field_write(b, PG_F_UPDATE, row, err);
}

/* Rows of a contacts page (F_COLS from contacts LEFT JOIN fields) to fn. */
static int contact_rows(const PGresult *res, fs_contact_fn fn, void *ctx, int *stop)
{
	fs_field_row f;
	int r, rc = 0;

	for (r = 0; r < PQntuples(res) && !*stop && rc == 0; r++) {
		const char *id = PQgetvalue(res, r, 0), *region = PQgetvalue(res, r, 1);

		read_f(&f, res, r);
		f.contact_id = id;
		rc = verdict(fn(ctx, id, region, f.field ? &f : NULL), stop);
	}
	return rc;
}

static int pg_contact_each(fs_backend *b, const char *id, const char *region, fs_contact_fn fn,
                           void *ctx, fs_err *err)
{
	PGresult *prev = NULL; /* the last page: the next one starts after its last row */
	int own, stop = 0, rc = pg_own_begin(b, &own, err);

	if (rc == 0 && id != NULL) {
		pg_params p = {0};
		PGresult *res = NULL;

		/* One contact: its fields are few (a contact form's). */
		pg_p_text(&p, id);
		pg_p_text(&p, region);
		rc = pg_run(b, PG_CONTACT_ONE, &p, &res, "read contacts", err);
		if (rc == 0)
			rc = contact_rows(res, fn, ctx, &stop);
		PQclear(res);
		return pg_own_end(b, own, rc, err);
	}
	/* Pages of PG_PAGE_ROWS contacts, each with its fields. */
	while (rc == 0 && !stop) {
		pg_params p = {0};
		PGresult *res = NULL;
		int r, n, contacts = 0;

		pg_p_text(&p, prev ? PQgetvalue(prev, PQntuples(prev) - 1, 0) : "");
		pg_p_i64(&p, PG_PAGE_ROWS);
		if (region != NULL)
			pg_p_text(&p, region);
		rc = pg_run(b, region ? PG_CONTACT_PAGE_REGION : PG_CONTACT_PAGE, &p, &res,
		            "read contacts", err);
		PQclear(prev);
		prev = res;
		if (rc != 0)
			break;
		n = PQntuples(res);
		rc = contact_rows(res, fn, ctx, &stop);
		/* A page holds PG_PAGE_ROWS contacts (rows count their fields):
		 * fewer, and it was the last. */
		for (r = 0; r < n; r++)
			if (r == 0 || strcmp(PQgetvalue(res, r, 0), PQgetvalue(res, r - 1, 0)) != 0)
				contacts++;
		if (contacts < PG_PAGE_ROWS)
			break;
	}
	PQclear(prev);
	return pg_own_end(b, own, rc, err);
}

static int pg_fv_add(fs_backend *b, const char *contact_id, int64_t key, fs_err *err)
{
	pg_params p = {0};

	pg_p_text(&p, contact_id);
	pg_p_i64(&p, key);
	return pg_write(b, PG_FV_ADD, &p, NULL, "write field version", err);
}

static int pg_fv_held(fs_backend *b, const char *contact_id, int64_t key, int *held,
                      fs_err *err)
{
	pg_params p = {0};
	PGresult *res = NULL;
	int rc;

	*held = 0;
	pg_p_text(&p, contact_id);
	pg_p_i64(&p, key);
	rc = pg_run(b, PG_FV_HELD, &p, &res, "read field version", err);
	if (rc == 0)
		*held = PQntuples(res) > 0;
	PQclear(res);
	return rc;
}

static int pg_c_insert(fs_backend *b, const fs_conflict_row *row, int replace, int *inserted,
                       fs_err *err)
{
	pg_params p = {0};

	pg_p_text(&p, row->id);
	pg_p_text(&p, row->record_table);
	pg_p_text(&p, row->record_id);
	pg_p_text(&p, row->region);
	pg_p_text(&p, row->field);
	pg_p_text(&p, row->winner_value);
	pg_p_i64(&p, (int64_t)row->winner_hlc);
	pg_p_text(&p, row->winner_site);
	pg_p_text(&p, row->loser_value);
	pg_p_i64(&p, (int64_t)row->loser_hlc);
	pg_p_text(&p, row->loser_site);
	pg_p_i64(&p, (int64_t)row->hlc);
	pg_p_text(&p, row->site);
	pg_p_i64(&p, row->seq);
	return pg_write(b, replace ? PG_C_REPLACE : PG_C_INSERT, &p, inserted, "write conflict",
	                err);
}

static int pg_c_each(fs_backend *b, long limit, fs_conflict_fn fn, void *ctx, fs_err *err)
{
	PGresult *prev = NULL; /* the last page: the next one starts after its last row */
	long left = limit;
	int own, stop = 0, rc = pg_own_begin(b, &own, err);

	while (rc == 0 && !stop && left != 0) {
		long want = left < 0 || left > PG_PAGE_ROWS ? PG_PAGE_ROWS : left;
		pg_params p = {0};
		PGresult *res = NULL;
		fs_conflict_row c;
		int r, n, last = prev ? PQntuples(prev) - 1 : -1;

		/* Newest first: the first page starts above every hlc (ids are
		 * never empty, so (INT64_MAX, "") is before any row). */
		if (last >= 0)
			pg_p_text(&p, PQgetvalue(prev, last, 11));
		else
			pg_p_i64(&p, INT64_MAX);
		pg_p_text(&p, last >= 0 ? PQgetvalue(prev, last, 0) : "");
		pg_p_i64(&p, want);
		rc = pg_run(b, PG_C_PAGE, &p, &res, "read conflicts", err);
		PQclear(prev);
		prev = res;
		if (rc != 0)
			break;
		n = PQntuples(res);
		for (r = 0; r < n && !stop; r++) {
			read_c(&c, res, r);
			rc = verdict(fn(ctx, &c), &stop);
		}
		if (left > 0)
			left -= n;
		if (n < want)
			break;
	}
	PQclear(prev);
	return pg_own_end(b, own, rc, err);
}

static int pg_quarantine_insert(fs_backend *b, const fs_quarantine_row *row, fs_err *err)
{
	pg_params p = {0};

	pg_p_i64(&p, (int64_t)row->received_hlc);
	pg_p_text(&p, row->from_site);
	pg_p_text(&p, row->record_table);
	pg_p_text(&p, row->record_id);
	pg_p_text(&p, row->reason);
	pg_p_text(&p, row->change);
	return pg_write(b, PG_QUARANTINE_INSERT, &p, NULL, "write quarantine", err);
}

static int pg_counts(fs_backend *b, fs_store_counts *out, fs_err *err)
{
	PGresult *res = NULL;
	int rc;

	memset(out, 0, sizeof(*out));
	rc = pg_run(b, PG_COUNTS, NULL, &res, "count", err);
	if (rc == 0) {
		out->questionnaires = (long)pg_i64(res, 0, 0);
		out->responses = (long)pg_i64(res, 0, 1);
		out->contacts = (long)pg_i64(res, 0, 2);
		out->conflicts = (long)pg_i64(res, 0, 3);
		out->quarantined = (long)pg_i64(res, 0, 4);
		out->conflicts_open = (long)pg_i64(res, 0, 5);
	}
	PQclear(res);
	return rc;
}

static int pg_peer_get(fs_backend *b, const char *peer, int64_t *push, int64_t *pull, fs_err *err)
{
	pg_params p = {0};
	PGresult *res = NULL;
	int rc;

	*push = 0;
	*pull = 0;
	pg_p_text(&p, peer);
	rc = pg_run(b, PG_PEER_GET, &p, &res, "read peer", err);
	if (rc == 0 && PQntuples(res) == 1) {
		*push = pg_i64(res, 0, 0);
		*pull = pg_i64(res, 0, 1);
	}
	PQclear(res);
	return rc;
}

static int peer_set(fs_backend *b, enum pg_stmt_id id, const char *peer, int64_t seq, fs_err *err)
{
	pg_params p = {0};

	pg_p_text(&p, peer);
	pg_p_i64(&p, seq);
	return pg_write(b, id, &p, NULL, "write peer", err);
}

static int pg_peer_set_push(fs_backend *b, const char *peer, int64_t seq, fs_err *err)
{
	return peer_set(b, PG_PEER_PUSH, peer, seq, err);
}

static int pg_peer_set_pull(fs_backend *b, const char *peer, int64_t seq, fs_err *err)
{
	return peer_set(b, PG_PEER_PULL, peer, seq, err);
}

/* A kiosk moved to another region (region.h): back to seq. */
static int pg_peer_reset_pull(fs_backend *b, const char *peer, int64_t seq, fs_err *err)
{
	return peer_set(b, PG_PEER_RESET_PULL, peer, seq, err);
}

/* changes_scan: one keyset page per table, merged by seq (unique across
 * tables). A table's next page is read when its page runs out. */
typedef struct scan_table {
	const fs_table_desc *desc;
	enum pg_stmt_id stmt;
	int seq_col;
	PGresult *page;
	int row, rows;
	int64_t after; /* the last seq read from this table */
	int done;      /* no more rows */
} scan_table;

/* The table's scan statement (tables.h, FS_RSQL_SCAN), and its seq column. */
static void scan_stmt(scan_table *t)
{
	static const struct {
		fs_table table;
		enum pg_stmt_id stmt;
		int seq_col;
	} own[] = {{FS_TABLE_QUESTIONNAIRES, PG_SCAN_Q, 6}, {FS_TABLE_RESPONSES, PG_SCAN_R, 12},
	           {FS_TABLE_CONTACTS, PG_SCAN_F, 8},       {FS_TABLE_CONFLICTS, PG_SCAN_C, 13},
	           {FS_TABLE_ERASURES, PG_SCAN_E, 8},       {FS_TABLE_RESOLUTIONS, PG_SCAN_V, 6}};
	size_t i;

	for (i = 0; i < sizeof(own) / sizeof(own[0]); i++)
		if (own[i].table == t->desc->table) {
			t->stmt = own[i].stmt;
			t->seq_col = own[i].seq_col;
			return;
		}
	t->stmt = record_stmt(t->desc, FS_RSQL_SCAN);
	t->seq_col = t->desc->ncols + (t->desc->tombstones ? 1 : 0) + 2;
}

static int scan_fill(fs_backend *b, scan_table *t, const fs_changes_filter *filter, size_t want,
                     fs_err *err)
{
	pg_params p = {0};
	int rc;

	PQclear(t->page);
	t->page = NULL;
	t->row = t->rows = 0;
	if (want > PG_PAGE_ROWS)
		want = PG_PAGE_ROWS;
	pg_p_i64(&p, t->after);
	pg_p_text(&p, filter->only_site);
	pg_p_text(&p, filter->exclude_site);
	pg_p_i64(&p, (int64_t)want);
	if (t->desc->scoped)
		pg_p_text(&p, filter->region);
	rc = pg_run(b, t->stmt, &p, &t->page, "read changes", err);
	if (rc != 0)
		return rc;
	t->rows = PQntuples(t->page);
	if ((size_t)t->rows < want)
		t->done = 1;
	if (t->rows > 0)
		t->after = pg_i64(t->page, t->rows - 1, t->seq_col);
	return 0;
}

static int pg_changes_scan(fs_backend *b, int64_t cursor, const fs_changes_filter *filter,
                           size_t limit, fs_row_fn fn, void *ctx, fs_err *err)
{
	static const fs_changes_filter none;
	scan_table t[FS_TABLES_MAX];
	unsigned mask;
	size_t sent = 0;
	int own, i, stop = 0, rc;

	if (filter == NULL)
		filter = &none;
	mask = filter->tables ? filter->tables : FS_TABLES_ALL;
	memset(t, 0, sizeof(t));
	rc = pg_own_begin(b, &own, err);
	for (i = 0; i < fs_table_count && rc == 0; i++) {
		t[i].desc = &fs_tables[i];
		scan_stmt(&t[i]);
		t[i].after = cursor;
		t[i].done = !(mask & t[i].desc->table) || limit == 0;
		if (!t[i].done)
			rc = scan_fill(b, &t[i], filter, limit, err);
	}
	while (rc == 0 && !stop && sent < limit) {
		int best = -1;
		fs_row row;

		for (i = 0; i < fs_table_count && rc == 0; i++) {
			if (t[i].row == t[i].rows && !t[i].done)
				rc = scan_fill(b, &t[i], filter, limit - sent, err);
			if (t[i].row < t[i].rows &&
			    (best < 0 || pg_i64(t[i].page, t[i].row, t[i].seq_col) <
			                     pg_i64(t[best].page, t[best].row, t[best].seq_col)))
				best = i;
		}
		if (rc != 0 || best < 0)
			break;
		memset(&row, 0, sizeof(row));
		row.table = t[best].desc->table;
		row.seq = pg_i64(t[best].page, t[best].row, t[best].seq_col);
		switch (row.table) {
		case FS_TABLE_QUESTIONNAIRES:
			read_q(&row.u.q, t[best].page, t[best].row);
			break;
		case FS_TABLE_RESPONSES:
			read_r(&row.u.r, t[best].page, t[best].row);
			break;
		case FS_TABLE_CONTACTS:
			read_f(&row.u.f, t[best].page, t[best].row);
			break;
		case FS_TABLE_CONFLICTS:
			read_c(&row.u.c, t[best].page, t[best].row);
			break;
		case FS_TABLE_ERASURES:
			read_e(&row.u.e, t[best].page, t[best].row);
			break;
		case FS_TABLE_RESOLUTIONS:
			read_v(&row.u.res, t[best].page, t[best].row);
			break;
		default:
			read_record(t[best].desc, &row.u.rec, t[best].page, t[best].row);
			break;
		}
		t[best].row++;
		sent++;
		rc = verdict(fn(ctx, &row), &stop);
	}
	for (i = 0; i < fs_table_count; i++)
		PQclear(t[i].page);
	return pg_own_end(b, own, rc, err);
}

static int pg_max_hlc(fs_backend *b, fs_hlc limit, fs_hlc *out, fs_err *err)
{
	pg_params p = {0};
	PGresult *res = NULL;
	int rc;

	*out = 0;
	pg_p_i64(&p, (int64_t)limit);
	rc = pg_run(b, PG_MAX_HLC, &p, &res, "read clock", err);
	if (rc == 0)
		*out = (fs_hlc)pg_i64(res, 0, 0);
	PQclear(res);
	return rc;
}

/* The rows to re-stamp are read first (keys only: this site's own
 * unacknowledged writes beyond the clock limit), then updated in hlc order. */
static int pg_restamp_own(fs_backend *b, const char *site, fs_hlc limit, fs_stamp_fn fn, void *ctx,
                          long *count, fs_err *err)
{
	pg_params p = {0};
	PGresult *res = NULL;
	int rc, r;

	*count = 0;
	pg_p_text(&p, site);
	pg_p_i64(&p, (int64_t)limit);
	rc = pg_run(b, PG_OWN_ROWS, &p, &res, "restamp", err);
	for (r = 0; rc == 0 && r < PQntuples(res); r++) {
		fs_table table = (fs_table)pg_i64(res, r, 0);
		enum pg_stmt_id id = table == FS_TABLE_QUESTIONNAIRES ? PG_RESTAMP_Q
		                     : table == FS_TABLE_RESPONSES    ? PG_RESTAMP_R
		                     : table == FS_TABLE_CONTACTS     ? PG_RESTAMP_F
		                     : table == FS_TABLE_WITHDRAWALS  ? PG_RESTAMP_W
		                                                      : PG_RESTAMP_C;
		pg_params u = {0};
		fs_hlc hlc = 0;
		int64_t seq = 0;

		fn(ctx, &hlc, &seq);
		pg_p_i64(&u, (int64_t)hlc);
		pg_p_i64(&u, seq);
		pg_p_text(&u, PQgetvalue(res, r, 1));
		if (table == FS_TABLE_QUESTIONNAIRES)
			pg_p_text(&u, PQgetvalue(res, r, 2));
		else if (table == FS_TABLE_CONTACTS)
			pg_p_text(&u, PQgetvalue(res, r, 3));
		rc = pg_write(b, id, &u, NULL, "restamp", err);
		if (rc == 0)
			(*count)++;
	}
	PQclear(res);
	return rc;
}

/* ---- a whole-store copy (copy.h): the rows no other operation visits ---- */

int pg_page_each(fs_backend *b, enum pg_stmt_id id, pg_page_params_fn params, pg_page_row_fn row,
                 void *ctx, const char *what, fs_err *err)
{
	PGresult *prev = NULL; /* the last page: the next one starts after its last row */
	int own, stop = 0, rc = pg_own_begin(b, &own, err);

	while (rc == 0 && !stop) {
		pg_params p = {0};
		PGresult *res = NULL;
		int r, n;

		params(&p, prev, prev ? PQntuples(prev) - 1 : -1);
		pg_p_i64(&p, PG_PAGE_ROWS);
		rc = pg_run(b, id, &p, &res, what, err);
		PQclear(prev);
		prev = res;
		if (rc != 0)
			break;
		n = PQntuples(res);
		for (r = 0; r < n && !stop && rc == 0; r++)
			rc = row(res, r, ctx, &stop, err);
		if (n < PG_PAGE_ROWS)
			break;
	}
	PQclear(prev);
	return pg_own_end(b, own, rc, err);
}

/* The first column of the last row as the key ("" before the first page). */
static void after_text(pg_params *p, const PGresult *prev, int last)
{
	pg_p_text(p, last >= 0 ? PQgetvalue(prev, last, 0) : "");
}

/* The same for a non-negative integer key (0 before the first page). */
static void after_count(pg_params *p, const PGresult *prev, int last)
{
	pg_p_i64(p, last >= 0 ? pg_i64(prev, last, 0) : 0);
}

typedef struct copy_walk {
	void *fn;
	void *ctx;
} copy_walk;

static int meta_row(const PGresult *res, int r, void *ctx, int *stop, fs_err *err)
{
	copy_walk *w = ctx;

	(void)err;
	return verdict(((fs_meta_fn)w->fn)(w->ctx, PQgetvalue(res, r, 0), PQgetvalue(res, r, 1)),
	               stop);
}

static int pg_meta_each(fs_backend *b, fs_meta_fn fn, void *ctx, fs_err *err)
{
	copy_walk w = {(void *)fn, ctx};

	return pg_page_each(b, PG_META_PAGE, after_text, meta_row, &w, "read meta", err);
}

static int peer_row(const PGresult *res, int r, void *ctx, int *stop, fs_err *err)
{
	copy_walk *w = ctx;

	(void)err;
	return verdict(((fs_peer_fn)w->fn)(w->ctx, PQgetvalue(res, r, 0), pg_i64(res, r, 1),
	                                   pg_i64(res, r, 2)),
	               stop);
}

static int pg_peer_each(fs_backend *b, fs_peer_fn fn, void *ctx, fs_err *err)
{
	copy_walk w = {(void *)fn, ctx};

	return pg_page_each(b, PG_PEER_PAGE, after_text, peer_row, &w, "read peers", err);
}

static int quarantine_row(const PGresult *res, int r, void *ctx, int *stop, fs_err *err)
{
	copy_walk *w = ctx;
	fs_quarantine_row q;

	(void)err;
	q.received_hlc = (fs_hlc)pg_i64(res, r, 1);
	q.from_site = pg_text(res, r, 2);
	q.record_table = pg_text(res, r, 3);
	q.record_id = pg_text(res, r, 4);
	q.reason = pg_text(res, r, 5);
	q.change = pg_text(res, r, 6);
	return verdict(((fs_quarantine_fn)w->fn)(w->ctx, pg_i64(res, r, 0), &q), stop);
}

static int pg_quarantine_each(fs_backend *b, fs_quarantine_fn fn, void *ctx, fs_err *err)
{
	copy_walk w = {(void *)fn, ctx};

	return pg_page_each(b, PG_QUARANTINE_PAGE, after_count, quarantine_row, &w,
	                    "read quarantine", err);
}

static int pg_quarantine_put(fs_backend *b, int64_t id, const fs_quarantine_row *row, fs_err *err)
{
	pg_params p = {0}, n = {0};
	int added = 0, rc;

	if (id <= 0)
		return fs_err_set(err, FS_EINVAL,
		                  "store: write quarantine: id %lld is not positive",
		                  (long long)id);
	pg_p_i64(&p, id);
	pg_p_i64(&p, (int64_t)row->received_hlc);
	pg_p_text(&p, row->from_site);
	pg_p_text(&p, row->record_table);
	pg_p_text(&p, row->record_id);
	pg_p_text(&p, row->reason);
	pg_p_text(&p, row->change);
	rc = pg_write(b, PG_QUARANTINE_PUT, &p, &added, "write quarantine", err);
	if (rc == 0 && !added)
		return fs_err_set(err, FS_ECONFLICT, "store: quarantined change %lld exists",
		                  (long long)id);
	pg_p_i64(&n, id);
	if (rc == 0)
		rc = pg_run(b, PG_QUARANTINE_RENUMBER, &n, NULL, "write quarantine", err);
	return rc;
}

static void after_claim(pg_params *p, const PGresult *prev, int last)
{
	pg_p_text(p, last >= 0 ? PQgetvalue(prev, last, 0) : "");
	pg_p_text(p, last >= 0 ? PQgetvalue(prev, last, 1) : "");
}

static int claim_row(const PGresult *res, int r, void *ctx, int *stop, fs_err *err)
{
	copy_walk *w = ctx;

	(void)err;
	return verdict(((fs_claim_row_fn)w->fn)(w->ctx, PQgetvalue(res, r, 0),
	                                        PQgetvalue(res, r, 1), (fs_hlc)pg_i64(res, r, 2)),
	               stop);
}

static int pg_claim_each(fs_backend *b, fs_claim_row_fn fn, void *ctx, fs_err *err)
{
	copy_walk w = {(void *)fn, ctx};

	return pg_page_each(b, PG_CLAIM_PAGE, after_claim, claim_row, &w, "read tombstone claims",
	                    err);
}

/* Keys may be any 64-bit value: the first page has no lower bound. */
static void after_key(pg_params *p, const PGresult *prev, int last)
{
	pg_p_i64(p, last >= 0 ? 1 : 0);
	pg_p_text(p, last >= 0 ? PQgetvalue(prev, last, 0) : "");
	pg_p_i64(p, last >= 0 ? pg_i64(prev, last, 1) : 0);
}

static int key_row(const PGresult *res, int r, void *ctx, int *stop, fs_err *err)
{
	copy_walk *w = ctx;

	(void)err;
	return verdict(((fs_key_fn)w->fn)(w->ctx, PQgetvalue(res, r, 0), pg_i64(res, r, 1)), stop);
}

static int pg_fv_each(fs_backend *b, fs_key_fn fn, void *ctx, fs_err *err)
{
	copy_walk w = {(void *)fn, ctx};

	return pg_page_each(b, PG_FV_PAGE, after_key, key_row, &w, "read field versions", err);
}

/* ---- replicated erasure ---- */

static int pg_e_get(fs_backend *b, const char *id, fs_erasure_row *out, fs_err *err)
{
	pg_params p = {0};
	PGresult *res = NULL;
	int rc;

	memset(out, 0, sizeof(*out));
	pg_p_text(&p, id);
	rc = get_one(b, PG_E_GET, &p, &res, "read erasure", err);
	if (rc != 0)
		return rc;
	read_e(out, res, 0);
	pg_hold(b, res);
	return 0;
}

static int pg_e_insert(fs_backend *b, const fs_erasure_row *row, int *inserted, fs_err *err)
{
	pg_params p = {0};

	pg_p_text(&p, row->id);
	pg_p_text(&p, row->record_table);
	pg_p_text(&p, row->region);
	pg_p_text(&p, row->holder);
	pg_p_text(&p, row->request);
	pg_p_text(&p, row->kind);
	pg_p_i64(&p, (int64_t)row->hlc);
	pg_p_text(&p, row->site);
	pg_p_i64(&p, row->seq);
	return pg_write(b, PG_E_INSERT, &p, inserted, "write erasure", err);
}

/* Keyset pages by (request, id), in the caller's snapshot or one of its own. */
static int pg_e_each(fs_backend *b, const char *request, fs_erasure_fn fn, void *ctx,
                     fs_err *err)
{
	char after_request[FS_ID_MAX + 1] = "", after_id[FS_ID_MAX + 1] = "";
	int own, stop = 0, rc = pg_own_begin(b, &own, err);

	while (rc == 0 && !stop) {
		pg_params p = {0};
		PGresult *res = NULL;
		int r, n;

		pg_p_text(&p, request);
		pg_p_text(&p, after_request);
		pg_p_text(&p, after_id);
		pg_p_i64(&p, PG_PAGE_ROWS);
		rc = pg_run(b, PG_E_PAGE, &p, &res, "read erasures", err);
		if (rc != 0)
			break;
		n = PQntuples(res);
		for (r = 0; r < n && !stop && rc == 0; r++) {
			fs_erasure_row e;

			read_e(&e, res, r);
			rc = verdict(fn(ctx, &e), &stop);
		}
		if (n > 0) {
			snprintf(after_request, sizeof(after_request), "%s", PQgetvalue(res, n - 1, 4));
			snprintf(after_id, sizeof(after_id), "%s", PQgetvalue(res, n - 1, 0));
		}
		PQclear(res);
		if (n < PG_PAGE_ROWS)
			break;
	}
	return pg_own_end(b, own, rc, err);
}

static int pg_record_purge(fs_backend *b, const char *table, const char *id, long *rows_removed,
                           fs_err *err)
{
	/* contact_fields before contacts (its foreign key). */
	static const enum pg_stmt_id contact[] = {PG_PURGE_FIELDS,     PG_PURGE_CONTACT,
	                                          PG_PURGE_CONFLICTS,  PG_PURGE_RESOLUTIONS,
	                                          PG_PURGE_QUARANTINE_CONTACT, PG_PURGE_VERSIONS};
	static const enum pg_stmt_id response[] = {PG_PURGE_RESPONSE, PG_PURGE_CLAIMS,
	                                           PG_PURGE_QUARANTINE_RESPONSE};
	const enum pg_stmt_id *ids;
	size_t n, i;
	long removed = 0;
	int rc = 0;

	if (rows_removed != NULL)
		*rows_removed = 0;
	if (strcmp(table, "contacts") == 0) {
		ids = contact;
		n = sizeof(contact) / sizeof(contact[0]);
	} else if (strcmp(table, "responses") == 0) {
		ids = response;
		n = sizeof(response) / sizeof(response[0]);
	} else {
		return fs_err_set(err, FS_EINVAL, "store: erase record: no table %s", table);
	}
	for (i = 0; i < n && rc == 0; i++) {
		pg_params p = {0};
		PGresult *res = NULL;

		pg_p_text(&p, id);
		rc = pg_run(b, ids[i], &p, &res, "erase record", err);
		if (rc == 0)
			removed += pg_changed(res);
		PQclear(res);
	}
	if (rc == 0 && rows_removed != NULL)
		*rows_removed = removed;
	return rc;
}

/* Dead tuples keep erased bytes in the tables' files until their pages are
 * rewritten: VACUUM (FULL) writes each table anew (an ACCESS EXCLUSIVE lock
 * for the while, so other hub processes wait) and drops the old files. The
 * WAL keeps the deleted rows until its segments are recycled; CHECKPOINT
 * lets that happen sooner, and needs pg_checkpoint (PostgreSQL 15) or a
 * superuser: without it, it is skipped (docs/design.md, "Erasure"). */
static int pg_scrub(fs_backend *b, fs_err *err)
{
	char saved[64] = "0";
	const char *param[1] = {saved};
	PGresult *res;
	int rc = 0;

	if (b->txn != 0)
		return fs_err_set(err, FS_EINVAL, "store: scrub: called inside a transaction");
	/* The session's statement limit does not fit a rewrite of the tables;
	 * it is put back afterwards. */
	res = PQexec(b->conn, "SHOW statement_timeout");
	if (PQresultStatus(res) == PGRES_TUPLES_OK && PQntuples(res) == 1)
		snprintf(saved, sizeof(saved), "%s", PQgetvalue(res, 0, 0));
	else
		rc = pg_error(b, res, "scrub", err);
	PQclear(res);
	if (rc == 0)
		rc = pg_exec(b, "SET statement_timeout = 0", "scrub", err);
	if (rc == 0)
		rc = pg_exec(b,
		             "VACUUM (FULL) contacts, contact_fields, conflicts, quarantine, responses, "
		             "contact_field_versions, response_tombstone_claims, resolutions",
		             "scrub", err);
	if (rc == 0) {
		res = PQexec(b->conn, "CHECKPOINT");
		/* 42501: insufficient privilege; anything else is an error. */
		if (PQresultStatus(res) != PGRES_COMMAND_OK) {
			const char *state = PQresultErrorField(res, PG_DIAG_SQLSTATE);

			if (state == NULL || strcmp(state, "42501") != 0)
				rc = pg_error(b, res, "scrub", err);
		}
		PQclear(res);
	}
	res = PQexecParams(b->conn, "SELECT set_config('statement_timeout', $1, false)", 1, NULL,
	                   param, NULL, NULL, 0);
	if (PQresultStatus(res) != PGRES_TUPLES_OK && rc == 0)
		rc = pg_error(b, res, "scrub", err);
	PQclear(res);
	return rc;
}

/* ---- conflict resolution ---- */

static int pg_c_get(fs_backend *b, const char *id, fs_conflict_row *out, fs_err *err)
{
	pg_params p = {0};
	PGresult *res = NULL;
	int rc;

	memset(out, 0, sizeof(*out));
	pg_p_text(&p, id);
	rc = get_one(b, PG_C_GET, &p, &res, "read conflict", err);
	if (rc != 0)
		return rc;
	read_c(out, res, 0);
	pg_hold(b, res);
	return 0;
}

static int pg_v_get(fs_backend *b, const char *id, fs_resolution_row *out, fs_err *err)
{
	pg_params p = {0};
	PGresult *res = NULL;
	int rc;

	memset(out, 0, sizeof(*out));
	pg_p_text(&p, id);
	rc = get_one(b, PG_V_GET, &p, &res, "read resolution", err);
	if (rc != 0)
		return rc;
	read_v(out, res, 0);
	pg_hold(b, res);
	return 0;
}

static int pg_v_insert(fs_backend *b, const fs_resolution_row *row, int *inserted, fs_err *err)
{
	pg_params p = {0};

	pg_p_text(&p, row->id);
	pg_p_text(&p, row->region);
	pg_p_text(&p, row->chosen);
	pg_p_text(&p, row->value);
	pg_p_i64(&p, (int64_t)row->hlc);
	pg_p_text(&p, row->site);
	pg_p_i64(&p, row->seq);
	return pg_write(b, PG_V_INSERT, &p, inserted, "write resolution", err);
}

/* Keyset pages by id, in the caller's snapshot or one of its own. */
static int pg_v_each(fs_backend *b, fs_resolution_fn fn, void *ctx, fs_err *err)
{
	char after[FS_ID_MAX + 1] = "";
	int own, stop = 0, rc = pg_own_begin(b, &own, err);

	while (rc == 0 && !stop) {
		pg_params p = {0};
		PGresult *res = NULL;
		int r, n;

		pg_p_text(&p, after);
		pg_p_i64(&p, PG_PAGE_ROWS);
		rc = pg_run(b, PG_V_PAGE, &p, &res, "read resolutions", err);
		if (rc != 0)
			break;
		n = PQntuples(res);
		for (r = 0; r < n && !stop && rc == 0; r++) {
			fs_resolution_row v;

			read_v(&v, res, r);
			rc = verdict(fn(ctx, &v), &stop);
		}
		if (n > 0)
			snprintf(after, sizeof(after), "%s", PQgetvalue(res, n - 1, 0));
		PQclear(res);
		if (n < PG_PAGE_ROWS)
			break;
	}
	return pg_own_end(b, own, rc, err);
}

int fs_pg_location(const char *location)
{
	return location != NULL && (strncmp(location, "postgresql://", 13) == 0 ||
	                            strncmp(location, "postgres://", 11) == 0);
}

/* ---- record tables (tables.h) ---- */

static int pg_record_get(fs_backend *b, const fs_table_desc *t, const fs_record_row *key,
                         fs_record_row *out, fs_err *err)
{
	pg_params p = {0};
	PGresult *res = NULL;
	char what[64];
	int rc, i;

	memset(out, 0, sizeof(*out));
	for (i = 0; i < t->nkeys; i++)
		pg_p_text(&p, key->col[i].text);
	snprintf(what, sizeof(what), "read %s", t->name);
	rc = get_one(b, record_stmt(t, FS_RSQL_GET), &p, &res, what, err);
	if (rc != 0)
		return rc;
	read_record(t, out, res, 0);
	pg_hold(b, res);
	return 0;
}

/* A tombstone's value columns are NULL (text) or 0. */
static int pg_record_put(fs_backend *b, const fs_table_desc *t, const fs_record_row *row,
                         int *changed, fs_err *err)
{
	pg_params p = {0};
	char what[64];
	int i, gone = t->tombstones && row->deleted;

	for (i = 0; i < t->ncols; i++)
		if (t->cols[i].type == FS_COL_TEXT)
			pg_p_text(&p, gone && i >= t->nkeys ? NULL : row->col[i].text);
		else
			pg_p_i64(&p, gone ? 0 : row->col[i].num != 0);
	if (t->tombstones)
		pg_p_i64(&p, gone);
	pg_p_i64(&p, (int64_t)row->hlc);
	pg_p_text(&p, row->site);
	pg_p_i64(&p, row->seq);
	snprintf(what, sizeof(what), "write %s", t->name);
	return pg_write(b, record_stmt(t, FS_RSQL_PUT), &p, changed, what, err);
}

/* Keyset pages by key, in the caller's snapshot or one of its own. */
static int pg_record_each(fs_backend *b, const fs_table_desc *t, const char *first,
                          fs_record_fn fn, void *ctx, fs_err *err)
{
	char after[FS_RECORD_COLS][FS_ID_MAX + 1], what[64];
	int own, stop = 0, i, rc = pg_own_begin(b, &own, err);

	memset(after, 0, sizeof(after));
	snprintf(what, sizeof(what), "read %s", t->name);
	while (rc == 0 && !stop) {
		pg_params p = {0};
		PGresult *res = NULL;
		int r, n;

		pg_p_text(&p, first);
		for (i = 0; i < t->nkeys; i++)
			pg_p_text(&p, after[i]);
		pg_p_i64(&p, PG_PAGE_ROWS);
		rc = pg_run(b, record_stmt(t, FS_RSQL_PAGE), &p, &res, what, err);
		if (rc != 0)
			break;
		n = PQntuples(res);
		for (r = 0; r < n && !stop && rc == 0; r++) {
			fs_record_row row;

			read_record(t, &row, res, r);
			rc = verdict(fn(ctx, &row), &stop);
		}
		for (i = 0; n > 0 && i < t->nkeys; i++)
			snprintf(after[i], sizeof(after[i]), "%s", PQgetvalue(res, n - 1, i));
		PQclear(res);
		if (n < PG_PAGE_ROWS)
			break;
	}
	return pg_own_end(b, own, rc, err);
}

static int pg_response_counts(fs_backend *b,
                              int (*fn)(void *ctx, const char *questionnaire, int64_t version,
                                        int64_t count),
                              void *ctx, fs_err *err)
{
	PGresult *res = NULL;
	int own, r, n, stop = 0, rc = pg_own_begin(b, &own, err);

	if (rc != 0)
		return rc;
	/* One row per questionnaire version: few, whatever the responses. */
	res = PQexec(b->conn, "SELECT questionnaire_id, questionnaire_version, count(*) FROM "
	                      "responses WHERE deleted = 0 GROUP BY questionnaire_id, "
	                      "questionnaire_version ORDER BY questionnaire_id, "
	                      "questionnaire_version");
	if (PQresultStatus(res) != PGRES_TUPLES_OK) {
		rc = pg_error(b, res, "count responses", err);
	} else {
		n = PQntuples(res);
		for (r = 0; r < n && !stop && rc == 0; r++)
			rc = verdict(fn(ctx, PQgetvalue(res, r, 0), pg_i64(res, r, 1),
			                pg_i64(res, r, 2)),
			             &stop);
	}
	PQclear(res);
	return pg_own_end(b, own, rc, err);
}

const fs_backend_ops fs_pg_backend = {
    .name = "postgresql",
    .open = pg_open,
    .close = pg_close,
    .schema_version = pg_version,
    .check_durable = pg_check_durable,
    .size_bytes = pg_size_bytes,
    .check_integrity = pg_check_integrity,
    .begin = pg_begin,
    .commit = pg_commit,
    .rollback = pg_rollback,
    .meta_get = pg_meta_get,
    .meta_put = pg_meta_put,
    .questionnaire_get = pg_q_get,
    .questionnaire_insert = pg_q_insert,
    .questionnaire_retire = pg_q_retire,
    .questionnaire_each = pg_q_each,
    .response_get = pg_r_get,
    .response_by_receipt = pg_r_by_receipt,
    .response_insert = pg_r_insert,
    .response_replace = pg_r_replace,
    .response_erase = pg_r_erase,
    .response_redate = pg_r_redate,
    .response_each = pg_r_each,
    .claim_add = pg_claim_add,
    .claims = pg_claims,
    .claims_clear = pg_claims_clear,
    .contact_region = pg_contact_region,
    .contact_insert = pg_contact_insert,
    .field_get = pg_f_get,
    .field_put = pg_f_put,
    .field_update = pg_f_update,
    .contact_each = pg_contact_each,
    .field_version_add = pg_fv_add,
    .field_version_held = pg_fv_held,
    .conflict_insert = pg_c_insert,
    .conflict_each = pg_c_each,
    .quarantine_insert = pg_quarantine_insert,
    .counts = pg_counts,
    .peer_get = pg_peer_get,
    .peer_set_push = pg_peer_set_push,
    .peer_set_pull = pg_peer_set_pull,
    .changes_scan = pg_changes_scan,
    .max_hlc = pg_max_hlc,
    .restamp_own = pg_restamp_own,
    .meta_each = pg_meta_each,
    .peer_each = pg_peer_each,
    .quarantine_each = pg_quarantine_each,
    .quarantine_put = pg_quarantine_put,
    .claim_each = pg_claim_each,
    .field_version_each = pg_fv_each,
    /* replicated erasure */
    .erasure_get = pg_e_get,
    .erasure_insert = pg_e_insert,
    .erasure_each = pg_e_each,
    .record_purge = pg_record_purge,
    .scrub = pg_scrub,
    /* retention (sqlite_retention.c / pg_retention.c) */
    .retention_own_responses = fs_pg_retention_own_responses,
    .retention_closed_contacts = fs_pg_retention_closed_contacts,
    .retention_delete_before = fs_pg_retention_delete_before,
    /* record tables: workers, questionnaire offers, ... */
    .record_get = pg_record_get,
    .record_put = pg_record_put,
    .record_each = pg_record_each,
    .response_counts = pg_response_counts,
    /* conflict resolution */
    .conflict_get = pg_c_get,
    .resolution_get = pg_v_get,
    .resolution_insert = pg_v_insert,
    .resolution_each = pg_v_each,
    /* the read API's pages (exports) */
    .response_page = pg_r_page,
    /* a kiosk moved to another region (region.h) */
    .peer_reset_pull = pg_peer_reset_pull,
};
