/* The replicated tables, each described once (tables.h), and what the
 * engine derives from a record table's entry: rows from changes and back,
 * messages, and its SQL for both backends. */
#include "fieldsync/tables.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "fieldsync/receipt.h"
#include "fieldsync/worker.h"

#define NAME_RULE "must match [a-z0-9][a-z0-9-]{0,63}"

static int offer_target_ok(const char *s)
{
	return strcmp(s, "*") == 0 || fs_name_is_valid(s);
}

/* Only a "*" row may say retired. */
static int offer_check(const fs_record_row *r)
{
	return r->col[FS_OFFER_RETIRED].num && strcmp(r->col[FS_OFFER_TARGET].text, "*") != 0
	           ? FS_OFFER_RETIRED
	           : -1;
}

static int receipt_hash_ok(const char *s)
{
	return fs_receipt_hash_valid(s, strlen(s));
}

const fs_table_desc fs_tables[] = {
    {FS_TABLE_QUESTIONNAIRES, "questionnaires", "questionnaires", FS_CENSUS_QUESTIONNAIRES,
     FS_FLOW_DOWN, 0},
    {FS_TABLE_RESPONSES, "responses", "responses", FS_CENSUS_RESPONSES, FS_FLOW_UP, 0},
    {FS_TABLE_CONTACTS, "contacts", "contact_fields", FS_CENSUS_CONTACTS, FS_FLOW_UP | FS_FLOW_DOWN,
     1},
    {FS_TABLE_CONFLICTS, "conflicts", "conflicts", FS_CENSUS_CONFLICTS, FS_FLOW_UP | FS_FLOW_DOWN,
     1},
    {FS_TABLE_ERASURES, "erasures", "erasures", FS_CENSUS_ERASURES, FS_FLOW_DOWN, 1},
    {FS_TABLE_RESOLUTIONS, "resolutions", "resolutions", FS_CENSUS_RESOLUTIONS, FS_FLOW_DOWN, 1},
    /* worker.h, schema/006_workers.sql */
    {.table = FS_TABLE_WORKERS,
     .name = "workers",
     .seq_table = "workers",
     .census = FS_CENSUS_WORKERS,
     .flow = FS_FLOW_DOWN,
     .scoped = 1,
     .body = "worker",
     .label = "worker {1} of region {0}",
     .digest = "w",
     .nkeys = 2,
     .ncols = 3,
     .cols = {{"region", FS_COL_TEXT, FS_AT_REGION, NULL, NAME_RULE},
              {"name", FS_COL_TEXT, FS_AT_ID, fs_worker_name_is_valid,
               "must be a worker name: 1 to 64 letters, digits, dots, dashes or underscores"},
              {"pin_hash", FS_COL_TEXT, FS_AT_BODY, fs_worker_hash_is_valid,
               "must be an Argon2id string (crypto_pwhash_str) of the interactive limits"}},
     .tombstones = 1,
     .region_col = 0,
     .secret = 1},
    /* offers.h, schema/007_offers.sql */
    {.table = FS_TABLE_OFFERS,
     .name = "questionnaire_offers",
     .seq_table = "questionnaire_offers",
     .census = FS_CENSUS_OFFERS,
     .flow = FS_FLOW_DOWN,
     .scoped = 1,
     .body = "offer",
     .label = "offer of questionnaire {0} to {1}",
     .nkeys = 2,
     .ncols = 4,
     .cols = {{"questionnaire", FS_COL_TEXT, FS_AT_ID, NULL, NAME_RULE},
              {"target", FS_COL_TEXT, FS_AT_BODY, offer_target_ok, "\"*\" or " NAME_RULE},
              {"offered", FS_COL_BOOL, FS_AT_BODY, NULL, "must be true or false"},
              {"retired", FS_COL_BOOL, FS_AT_BODY, NULL,
               "must be true or false, and false unless the target is \"*\""}},
     .region_col = 1,
     .every_region = "*",
     .check = offer_check},
    /* receipt.h, schema/010_receipts.sql: a person's withdrawal by receipt,
     * written at a kiosk; the hub erases the response holding the hash. */
    {.table = FS_TABLE_WITHDRAWALS,
     .name = "withdrawals",
     .seq_table = "withdrawals",
     .census = FS_CENSUS_WITHDRAWALS,
     .flow = FS_FLOW_UP,
     .body = "withdrawal",
     .label = "withdrawal of a receipt",
     .nkeys = 1,
     .ncols = 1,
     .cols = {{"receipt", FS_COL_TEXT, FS_AT_ID, receipt_hash_ok,
               "must be a receipt hash: 64 lowercase hex digits"}}},
};

const int fs_table_count = (int)(sizeof(fs_tables) / sizeof(fs_tables[0]));
_Static_assert(sizeof(fs_tables) / sizeof(fs_tables[0]) <= FS_TABLES_MAX,
               "more record tables than FS_RECORDS_MAX");

const fs_table_desc *fs_table_desc_of(fs_table t)
{
	int i;

	for (i = 0; i < fs_table_count; i++)
		if (fs_tables[i].table == t)
			return &fs_tables[i];
	return NULL;
}

const fs_table_desc *fs_table_named(const char *name)
{
	int i;

	for (i = 0; name != NULL && i < fs_table_count; i++)
		if (strcmp(fs_tables[i].name, name) == 0)
			return &fs_tables[i];
	return NULL;
}

const char *fs_table_name(fs_table t)
{
	const fs_table_desc *d = fs_table_desc_of(t);

	return d ? d->name : NULL;
}

unsigned fs_tables_flowing(unsigned flow)
{
	unsigned bits = 0;
	int i;

	for (i = 0; i < fs_table_count; i++)
		if (fs_tables[i].flow & flow)
			bits |= (unsigned)fs_tables[i].table;
	return bits;
}

const fs_table_desc *fs_record_next(const fs_table_desc *after)
{
	const fs_table_desc *t = after ? after + 1 : fs_tables;

	for (; t < fs_tables + fs_table_count; t++)
		if (t->ncols > 0)
			return t;
	return NULL;
}

int fs_record_index(const fs_table_desc *t)
{
	const fs_table_desc *r;
	int i = 0;

	for (r = fs_record_next(NULL); r != NULL && r != t; r = fs_record_next(r))
		i++;
	return i;
}

int fs_record_in_region(const fs_table_desc *t, const fs_record_row *r, const char *region)
{
	const char *v;

	if (region == NULL || !t->scoped)
		return 1;
	v = r->col[t->region_col].text;
	return strcmp(v, region) == 0 || (t->every_region && strcmp(v, t->every_region) == 0);
}

void fs_record_label(char *out, size_t len, const fs_table_desc *t, const fs_record_row *r)
{
	const char *p = t->label;
	size_t n = 0;

	out[0] = '\0';
	while (*p != '\0' && n + 1 < len) {
		if (p[0] == '{' && p[1] >= '0' && p[1] < '0' + t->nkeys && p[2] == '}') {
			snprintf(out + n, len - n, "%s", r->col[p[1] - '0'].text);
			n += strlen(out + n);
			p += 3;
		} else {
			out[n++] = *p++;
			out[n] = '\0';
		}
	}
}

void fs_record_from_change(const fs_table_desc *t, const fs_change *c, fs_record_row *out)
{
	int i;

	memset(out, 0, sizeof(*out));
	for (i = 0; i < t->ncols; i++) {
		const fs_column *col = &t->cols[i];
		const json_t *v;

		if (col->at == FS_AT_ID) {
			out->col[i].text = c->id;
		} else if (col->at == FS_AT_REGION) {
			out->col[i].text = c->region;
		} else if (!c->deleted) {
			v = json_object_get(c->value, col->name);
			if (col->type == FS_COL_TEXT)
				out->col[i].text = json_string_value(v);
			else
				out->col[i].num = json_is_true(v);
		}
	}
	out->deleted = c->deleted;
	out->hlc = c->hlc;
	out->site = c->site;
}

static void copy_text(char *out, size_t len, const char *in)
{
	snprintf(out, len, "%s", in ? in : "");
}

int fs_record_to_change(const fs_table_desc *t, const fs_record_row *r, fs_change *out)
{
	int i;

	memset(out, 0, sizeof(*out));
	out->table = t->table;
	out->deleted = t->tombstones && r->deleted;
	out->hlc = r->hlc;
	copy_text(out->site, sizeof(out->site), r->site);
	if (!out->deleted && (out->value = json_object()) == NULL)
		return FS_ENOMEM;
	for (i = 0; i < t->ncols; i++) {
		const fs_column *col = &t->cols[i];
		const char *text = r->col[i].text;

		if (col->at == FS_AT_ID)
			copy_text(out->id, sizeof(out->id), text);
		else if (col->at == FS_AT_REGION)
			copy_text(out->region, sizeof(out->region), text);
		else if (!out->deleted &&
		         json_object_set_new(out->value, col->name,
		                             col->type == FS_COL_TEXT
		                                 ? json_string(text ? text : "")
		                                 : json_boolean(r->col[i].num)) != 0)
			return FS_ENOMEM;
		if (t->scoped && i == t->region_col && col->at != FS_AT_REGION)
			copy_text(out->region, sizeof(out->region),
			          t->every_region && strcmp(text, t->every_region) == 0 ? ""
			                                                                : text);
	}
	return 0;
}

/* ---- SQL ---- */

typedef struct sql_out {
	char *p;
	size_t n;
} sql_out;

static void add(sql_out *o, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;

static void add(sql_out *o, const char *fmt, ...)
{
	va_list ap;
	size_t used = strlen(o->p);

	va_start(ap, fmt);
	vsnprintf(o->p + used, o->n - used, fmt, ap);
	va_end(ap);
}

/* The names of columns from..to-1, comma-separated; set: "c = excluded.c". */
static void names(sql_out *o, const fs_table_desc *t, int from, int to, int set)
{
	int i;

	for (i = from; i < to; i++) {
		add(o, "%s%s", i > from ? ", " : "", t->cols[i].name);
		if (set)
			add(o, " = excluded.%s", t->cols[i].name);
	}
}

/* PostgreSQL's spelling of SQLite's: $N for ?N, and a type for a
 * parameter only compared with NULL. */
static void to_pg(char *sql)
{
	char out[FS_RECORD_SQL_MAX], *p = sql, *q = out;

	while (*p != '\0' && q < out + sizeof(out) - 8) {
		if (*p != '?') {
			*q++ = *p++;
			continue;
		}
		*q++ = '$';
		for (p++; *p >= '0' && *p <= '9'; p++)
			*q++ = *p;
		if (strncmp(p, " IS NULL", 8) == 0) {
			memcpy(q, "::text", 6);
			q += 6;
		}
	}
	*q = '\0';
	memcpy(sql, out, (size_t)(q - out) + 1);
}

void fs_record_sql(char out[FS_RECORD_SQL_MAX], const fs_table_desc *t, fs_record_sql_kind kind,
                   int sqlite)
{
	sql_out o = {out, FS_RECORD_SQL_MAX};
	int i, n = t->ncols + (t->tombstones ? 1 : 0) + 3;
	const char *rc = t->scoped ? t->cols[t->region_col].name : NULL;

	out[0] = '\0';
	add(&o, kind == FS_RSQL_PUT ? "INSERT INTO %s (" : "SELECT ", t->name);
	names(&o, t, 0, t->ncols, 0);
	add(&o, "%s, hlc, site, seq", t->tombstones ? ", deleted" : "");
	if (kind == FS_RSQL_GET) {
		add(&o, " FROM %s WHERE ", t->name);
		for (i = 0; i < t->nkeys; i++)
			add(&o, "%s%s = ?%d", i ? " AND " : "", t->cols[i].name, i + 1);
	} else if (kind == FS_RSQL_PUT) {
		add(&o, ") VALUES (");
		for (i = 0; i < n; i++)
			add(&o, "%s?%d", i ? ", " : "", i + 1);
		add(&o, ") ON CONFLICT (");
		names(&o, t, 0, t->nkeys, 0);
		add(&o, ") DO UPDATE SET ");
		names(&o, t, t->nkeys, t->ncols, 1);
		/* A table of keys only (withdrawals) has no value to set first. */
		add(&o,
		    "%s%shlc = excluded.hlc, site = excluded.site, seq = excluded.seq WHERE "
		    "(excluded.hlc, excluded.site) > (%s.hlc, %s.site)",
		    t->tombstones ? ", deleted = excluded.deleted" : "",
		    t->nkeys < t->ncols || t->tombstones ? ", " : "", t->name, t->name);
	} else if (kind == FS_RSQL_SCAN) {
		/* Scoped: one arm for no region (?5), one for the region's rows
		 * and one for the every-region rows, each a range of (region, seq)
		 * (schema/011_region_seq.sql), merged by seq. */
		static const char site_seq[] =
		    "seq > ?1 AND (?2 IS NULL OR site = ?2) AND (?3 IS NULL OR site <> ?3)";

		add(&o, " FROM %s WHERE %s%s", t->name, rc != NULL ? "?5 IS NULL AND " : "",
		    site_seq);
		if (rc != NULL) {
			add(&o, " UNION ALL SELECT ");
			names(&o, t, 0, t->ncols, 0);
			add(&o, "%s, hlc, site, seq FROM %s WHERE %s = ?5 AND %s",
			    t->tombstones ? ", deleted" : "", t->name, rc, site_seq);
		}
		if (rc != NULL && t->every_region != NULL) {
			add(&o, " UNION ALL SELECT ");
			names(&o, t, 0, t->ncols, 0);
			add(&o,
			    "%s, hlc, site, seq FROM %s WHERE ?5 IS NOT NULL AND ?5 <> '%s' AND "
			    "%s = '%s' AND %s",
			    t->tombstones ? ", deleted" : "", t->name, t->every_region, rc,
			    t->every_region, site_seq);
		}
		add(&o, " ORDER BY seq LIMIT ?4");
	} else {
		add(&o, " FROM %s WHERE (?1 IS NULL OR %s = ?1)", t->name, t->cols[0].name);
		if (!sqlite) { /* a keyset page */
			add(&o, " AND (");
			names(&o, t, 0, t->nkeys, 0);
			add(&o, ") > (");
			for (i = 0; i < t->nkeys; i++)
				add(&o, "%s?%d::text", i ? ", " : "", i + 2);
			add(&o, ")");
		}
		add(&o, " ORDER BY ");
		names(&o, t, 0, t->nkeys, 0);
		if (!sqlite)
			add(&o, " LIMIT ?%d", t->nkeys + 2);
	}
	if (!sqlite)
		to_pg(out);
}

void fs_tables_seq_union(char out[FS_SEQ_UNION_MAX], const char *each)
{
	sql_out o = {out, FS_SEQ_UNION_MAX};
	int i;

	out[0] = '\0';
	for (i = 0; i < fs_table_count; i++)
		add(&o, "%sSELECT %s FROM %s", i ? " UNION ALL " : "", each,
		    fs_tables[i].seq_table);
}
