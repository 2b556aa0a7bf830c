/* The replicated tables' descriptors (tables.h): every entry well formed
 * (what docs/design.md "Adding a replicated table" asks of a new one), the
 * flows sync.h's table sets come from, the SQL made for the record tables
 * (the statements written by hand before there were descriptors), and
 * change <-> row for both record tables. */
#include <string.h>

#include "fieldsync/tables.h"
#include "test.h"

static const char *const change_keys[] = {
    "table",  "id",    "hlc",   "site", "version",  "doc",     "deleted",    "response",
    "region", "field", "value", "prev", "conflict", "erasure", "resolution", NULL};

static int is_change_key(const char *k)
{
	int i;

	for (i = 0; change_keys[i] != NULL; i++)
		if (strcmp(k, change_keys[i]) == 0)
			return 1;
	return 0;
}

static void every_entry_is_well_formed(void)
{
	unsigned bits = 0;
	int i, j, k, records = 0, ids, regions;

	CHECK(fs_table_count <= FS_TABLES_MAX);
	for (i = 0; i < fs_table_count; i++) {
		const fs_table_desc *t = &fs_tables[i];

		CHECK_MSG(t->table != 0 && (t->table & (t->table - 1)) == 0 && !(bits & t->table),
		          "%s: a bit of its own", t->name);
		bits |= t->table;
		CHECK(fs_table_desc_of(t->table) == t && fs_table_named(t->name) == t);
		CHECK_STR(fs_table_name(t->table), t->name);
		CHECK_MSG(t->flow != 0 && (t->flow & ~(unsigned)(FS_FLOW_UP | FS_FLOW_DOWN)) == 0,
		          "%s: a flow", t->name);
		CHECK(t->seq_table != NULL && t->census < FS_CENSUS_DEVICES);
		CHECK_STR(fs_census_name(t->census), t->name);
		for (j = 0; j < i; j++)
			CHECK_MSG(fs_tables[j].census != t->census &&
			              strcmp(fs_tables[j].name, t->name),
			          "%s: a census table and name of its own", t->name);
		if (t->ncols == 0) {
			CHECK_MSG(records == 0, "%s: record tables come last", t->name);
			continue;
		}
		/* A record table. */
		records++;
		CHECK(fs_record_index(t) == records - 1 && records <= FS_RECORDS_MAX);
		/* Keys only (withdrawals) is a record table too. */
		CHECK(t->nkeys >= 1 && t->nkeys <= t->ncols && t->ncols <= FS_RECORD_COLS);
		CHECK_MSG(t->body && !is_change_key(t->body), "%s: a body key of its own", t->name);
		CHECK(t->label != NULL);
		for (j = 0, ids = 0, regions = 0; j < t->ncols; j++) {
			const fs_column *c = &t->cols[j];

			CHECK(c->name != NULL && c->rule != NULL);
			CHECK_MSG(j >= t->nkeys || c->type == FS_COL_TEXT, "%s.%s: keys are text",
			          t->name, c->name);
			CHECK_MSG(c->at == FS_AT_BODY || j < t->nkeys,
			          "%s.%s: id and region are keys", t->name, c->name);
			CHECK(c->type == FS_COL_TEXT || c->valid == NULL);
			ids += c->at == FS_AT_ID;
			regions += c->at == FS_AT_REGION;
			for (k = 0; k < j; k++)
				CHECK(strcmp(t->cols[k].name, c->name) != 0);
		}
		CHECK_MSG(ids == 1 && regions <= 1, "%s: one id column, at most one region",
		          t->name);
		if (t->scoped)
			CHECK(t->region_col >= 0 && t->region_col < t->nkeys);
		for (j = 0; j < i; j++) {
			if (fs_tables[j].ncols == 0)
				continue;
			CHECK(strcmp(fs_tables[j].body, t->body) != 0);
			CHECK(!t->digest || !fs_tables[j].digest ||
			      strcmp(fs_tables[j].digest, t->digest) != 0);
		}
	}
	CHECK((bits & ~FS_TABLES_ALL) == 0);
}

/* The sets sync.h had spelled out. */
static void flows_are_the_sync_table_sets(void)
{
	CHECK(fs_tables_flowing(FS_FLOW_UP) ==
	      (FS_TABLE_RESPONSES | FS_TABLE_CONTACTS | FS_TABLE_CONFLICTS | FS_TABLE_WITHDRAWALS));
	CHECK(fs_tables_flowing(FS_FLOW_DOWN) ==
	      (FS_TABLE_QUESTIONNAIRES | FS_TABLE_CONTACTS | FS_TABLE_CONFLICTS |
	       FS_TABLE_ERASURES | FS_TABLE_RESOLUTIONS | FS_TABLE_WORKERS | FS_TABLE_OFFERS));
}

#define W_COLS "region, name, pin_hash, deleted, hlc, site, seq"
#define O_COLS "questionnaire, target, offered, retired, hlc, site, seq"

static void sql(const fs_table_desc *t, fs_record_sql_kind kind, int sqlite, const char *want)
{
	char got[FS_RECORD_SQL_MAX];

	fs_record_sql(got, t, kind, sqlite);
	CHECK_STR(got, want);
}

/* The statements both backends had by hand for workers and offers. */
static void record_sql_is_the_hand_written(void)
{
	const fs_table_desc *w = fs_table_desc_of(FS_TABLE_WORKERS);
	const fs_table_desc *o = fs_table_desc_of(FS_TABLE_OFFERS);

	sql(w, FS_RSQL_GET, 1, "SELECT " W_COLS " FROM workers WHERE region = ?1 AND name = ?2");
	sql(w, FS_RSQL_PUT, 1,
	    "INSERT INTO workers (" W_COLS ") VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7) "
	    "ON CONFLICT (region, name) DO UPDATE SET pin_hash = excluded.pin_hash, "
	    "deleted = excluded.deleted, hlc = excluded.hlc, site = excluded.site, "
	    "seq = excluded.seq WHERE (excluded.hlc, excluded.site) > (workers.hlc, workers.site)");
	sql(w, FS_RSQL_SCAN, 1,
	    "SELECT " W_COLS " FROM workers WHERE ?5 IS NULL AND seq > ?1 AND (?2 IS NULL OR "
	    "site = ?2) AND (?3 IS NULL OR site <> ?3) UNION ALL SELECT " W_COLS " FROM workers "
	    "WHERE region = ?5 AND seq > ?1 AND (?2 IS NULL OR site = ?2) AND (?3 IS NULL OR "
	    "site <> ?3) ORDER BY seq LIMIT ?4");
	sql(w, FS_RSQL_EACH, 1,
	    "SELECT " W_COLS
	    " FROM workers WHERE (?1 IS NULL OR region = ?1) ORDER BY region, name");
	sql(w, FS_RSQL_PAGE, 0,
	    "SELECT " W_COLS " FROM workers WHERE ($1::text IS NULL OR region = $1) "
	    "AND (region, name) > ($2::text, $3::text) ORDER BY region, name LIMIT $4");
	sql(w, FS_RSQL_SCAN, 0,
	    "SELECT " W_COLS " FROM workers WHERE $5::text IS NULL AND seq > $1 AND ($2::text IS "
	    "NULL OR site = $2) AND ($3::text IS NULL OR site <> $3) UNION ALL SELECT " W_COLS
	    " FROM workers WHERE region = $5 AND seq > $1 AND ($2::text IS NULL OR site = $2) AND "
	    "($3::text IS NULL OR site <> $3) ORDER BY seq LIMIT $4");
	sql(o, FS_RSQL_PUT, 0,
	    "INSERT INTO questionnaire_offers (" O_COLS ") VALUES ($1, $2, $3, $4, $5, $6, "
	    "$7) ON CONFLICT (questionnaire, target) DO UPDATE SET offered = "
	    "excluded.offered, retired = excluded.retired, hlc = excluded.hlc, site = "
	    "excluded.site, seq = excluded.seq WHERE (excluded.hlc, excluded.site) > "
	    "(questionnaire_offers.hlc, questionnaire_offers.site)");
	sql(o, FS_RSQL_SCAN, 1,
	    "SELECT " O_COLS " FROM questionnaire_offers WHERE ?5 IS NULL AND seq > ?1 AND (?2 IS "
	    "NULL OR site = ?2) AND (?3 IS NULL OR site <> ?3) UNION ALL SELECT " O_COLS
	    " FROM questionnaire_offers WHERE target = ?5 AND seq > ?1 AND (?2 IS NULL OR site = "
	    "?2) AND (?3 IS NULL OR site <> ?3) UNION ALL SELECT " O_COLS " FROM "
	    "questionnaire_offers WHERE ?5 IS NOT NULL AND ?5 <> '*' AND target = '*' AND seq > "
	    "?1 AND (?2 IS NULL OR site = ?2) AND (?3 IS NULL OR site <> ?3) ORDER BY seq LIMIT "
	    "?4");
	sql(o, FS_RSQL_GET, 0,
	    "SELECT " O_COLS " FROM questionnaire_offers WHERE questionnaire = $1 AND target = $2");
	/* Keys only: nothing but the stamp to set. */
	sql(fs_table_desc_of(FS_TABLE_WITHDRAWALS), FS_RSQL_PUT, 1,
	    "INSERT INTO withdrawals (receipt, hlc, site, seq) VALUES (?1, ?2, ?3, ?4) ON "
	    "CONFLICT (receipt) DO UPDATE SET hlc = excluded.hlc, site = excluded.site, seq = "
	    "excluded.seq WHERE (excluded.hlc, excluded.site) > (withdrawals.hlc, "
	    "withdrawals.site)");
}

static void seq_union_names_every_table(void)
{
	char got[FS_SEQ_UNION_MAX];

	fs_tables_seq_union(got, "seq");
	CHECK_STR(got, "SELECT seq FROM questionnaires UNION ALL SELECT seq FROM responses UNION "
	               "ALL SELECT seq FROM contact_fields UNION ALL SELECT seq FROM conflicts "
	               "UNION ALL SELECT seq FROM erasures UNION ALL SELECT seq FROM resolutions "
	               "UNION ALL SELECT seq FROM workers UNION ALL SELECT seq FROM "
	               "questionnaire_offers UNION ALL SELECT seq FROM withdrawals");
}

/* A row becomes the change the codec sends, and back; "*" is every region. */
static void change_and_row_round_trip(void)
{
	const fs_table_desc *o = fs_table_desc_of(FS_TABLE_OFFERS);
	const fs_table_desc *w = fs_table_desc_of(FS_TABLE_WORKERS);
	fs_record_row r = {{{"visit", 0}, {"*", 0}, {NULL, 1}, {NULL, 1}}, 0, 5, "hub", 9}, back;
	fs_record_row gone = {{{"north", 0}, {"sam", 0}, {"ignored", 0}}, 1, 6, "hub", 10};
	char label[96], *text;
	fs_change c;

	CHECK(fs_record_to_change(o, &r, &c) == 0);
	CHECK(c.table == FS_TABLE_OFFERS && c.hlc == 5 && !c.deleted);
	CHECK_STR(c.id, "visit");
	CHECK_STR(c.region, "");
	text = json_dumps(c.value, JSON_COMPACT);
	CHECK_STR(text, "{\"target\":\"*\",\"offered\":true,\"retired\":true}");
	free(text);
	fs_record_from_change(o, &c, &back);
	CHECK_STR(back.col[FS_OFFER_TARGET].text, "*");
	CHECK(back.col[FS_OFFER_RETIRED].num == 1 && back.hlc == 5);
	CHECK(fs_record_in_region(o, &back, "north") && fs_record_in_region(o, &back, NULL));
	CHECK(o->check(&back) == -1);
	back.col[FS_OFFER_TARGET].text = "north";
	CHECK(o->check(&back) == FS_OFFER_RETIRED && !fs_record_in_region(o, &back, "south"));
	fs_record_label(label, sizeof(label), o, &back);
	CHECK_STR(label, "offer of questionnaire visit to north");
	json_decref(c.value);

	CHECK(fs_record_to_change(w, &gone, &c) == 0);
	CHECK(c.deleted && c.value == NULL);
	CHECK_STR(c.id, "sam");
	CHECK_STR(c.region, "north");
	fs_record_from_change(w, &c, &back);
	CHECK(back.deleted && back.col[FS_WORKER_PIN_HASH].text == NULL);
	fs_record_label(label, sizeof(label), w, &back);
	CHECK_STR(label, "worker sam of region north");
}

int main(void)
{
	RUN(every_entry_is_well_formed);
	RUN(flows_are_the_sync_table_sets);
	RUN(record_sql_is_the_hand_written);
	RUN(seq_union_names_every_table);
	RUN(change_and_row_round_trip);
	return TEST_DONE();
}
