/* fieldsync: the replicated tables, each described once (tables.c).
 *
 * Every table a change set carries has one entry in fs_tables: its name
 * (on the wire and in SQL), its bit, its census table, which way it flows
 * and whether a kiosk gets only its region's rows. The entry of a record
 * table (fs_table_desc.ncols > 0: rows that are whole-row last-writer-wins
 * on (hlc, site), like workers and offers) also lists its columns, and is
 * all the engine needs of it: the codec, change reading, merge, census,
 * copy, digest and both backends' SQL are driven by it. docs/design.md,
 * "Adding a replicated table", says what to write for a new one. */
#ifndef FIELDSYNC_TABLES_H
#define FIELDSYNC_TABLES_H

#include <stdint.h>

#include "fieldsync/changeset.h"
#include "fieldsync/copy.h"

/* Which way a table's changes flow (fs_table_desc.flow). */
#define FS_FLOW_UP   1 /* a kiosk sends its own rows to the hub */
#define FS_FLOW_DOWN 2 /* the hub sends rows to the kiosks */

/* The tables whose flow includes flow, as FS_TABLE_* bits. */
unsigned fs_tables_flowing(unsigned flow);

typedef enum fs_col_type {
	FS_COL_TEXT, /* TEXT */
	FS_COL_BOOL  /* INTEGER (SQLite) / SMALLINT (PostgreSQL), 0 or 1; JSON true/false */
} fs_col_type;

/* Where a change carries a column: in its body object (the value columns
 * always), as its "id", or as its "region". */
typedef enum fs_col_at { FS_AT_BODY, FS_AT_ID, FS_AT_REGION } fs_col_at;

typedef struct fs_column {
	const char *name; /* the SQL column, and its key in the change's body */
	fs_col_type type;
	fs_col_at at;
	/* Text: 1 when text is a valid value; NULL: a name (fs_name_is_valid).
	 * A key column's value must fit FS_ID_MAX (FS_NAME_MAX as the region). */
	int (*valid)(const char *text);
	const char *rule; /* what a bad value breaks, in the decoder's message */
} fs_column;

#define FS_RECORD_COLS 8                    /* columns of a record table, keys included */
#define FS_RECORDS_MAX 8                    /* record tables (each has backend statement slots) */
#define FS_TABLES_MAX  (6 + FS_RECORDS_MAX) /* six of their own kind, then records */

/* One column of a record row: text (NULL: SQL NULL) or a number. */
typedef struct fs_cell {
	const char *text;
	int64_t num;
} fs_cell;

/* A row of a record table: the descriptor's columns, keys first, then the
 * tombstone mark (tables with tombstones), the stamp and the change
 * sequence number. In SQL the columns come in that order too. */
typedef struct fs_record_row {
	fs_cell col[FS_RECORD_COLS];
	int deleted; /* a tombstone: value columns NULL (text) or 0 */
	fs_hlc hlc;
	const char *site;
	int64_t seq;
} fs_record_row;

typedef struct fs_table_desc {
	fs_table table;         /* its bit */
	const char *name;       /* on the wire and in SQL */
	const char *seq_table;  /* the SQL table whose rows carry its seq */
	fs_census_table census; /* its census table (the first, for contacts) */
	unsigned flow;          /* FS_FLOW_* */
	int scoped;             /* changes go to the kiosks of the row's region only */

	/* ---- record tables only (ncols > 0) ---- */
	const char *body;   /* the change's key holding the body columns */
	const char *label;  /* a row in messages: "{1}" is key column 1's value */
	const char *digest; /* its rows' tag in fs_store_digest; NULL: not digested */
	int nkeys, ncols;   /* cols[0..nkeys): the primary key, all text */
	fs_column cols[FS_RECORD_COLS];
	int tombstones;           /* "deleted": true changes (a "deleted" column) */
	int region_col;           /* scoped: the column naming the row's region */
	const char *every_region; /* a value of it meaning every region ("*") */
	int secret;               /* the body never goes into quarantine (a PIN hash) */
	/* A rule across columns: the column whose rule r breaks, or -1. */
	int (*check)(const fs_record_row *r);
} fs_table_desc;

/* The columns of the record tables' rows, in their entries' order. */
enum { FS_WORKER_REGION, FS_WORKER_NAME, FS_WORKER_PIN_HASH };
enum { FS_OFFER_QUESTIONNAIRE, FS_OFFER_TARGET, FS_OFFER_OFFERED, FS_OFFER_RETIRED };
enum { FS_WITHDRAWAL_RECEIPT };

extern const fs_table_desc fs_tables[];
extern const int fs_table_count;

/* The entry of t (NULL for no table); of the wire name (NULL: none). */
const fs_table_desc *fs_table_desc_of(fs_table t);
const fs_table_desc *fs_table_named(const char *name);
/* The record table after after (NULL: the first), in fs_tables order;
 * NULL after the last. Its index among them (0 <= i < FS_RECORDS_MAX). */
const fs_table_desc *fs_record_next(const fs_table_desc *after);
int fs_record_index(const fs_table_desc *t);

/* Is row r (of record table t) one of region's? A NULL region: every row. */
int fs_record_in_region(const fs_table_desc *t, const fs_record_row *r, const char *region);
/* A row for messages, after t->label: "worker sam of region north". */
void fs_record_label(char *out, size_t len, const fs_table_desc *t, const fs_record_row *r);

/* Change <-> row. A change's strings are borrowed by the row; the change's
 * value is a new reference (fs_record_to_change: FS_ENOMEM). The change
 * must have passed the decoder's checks. */
void fs_record_from_change(const fs_table_desc *t, const fs_change *c, fs_record_row *out);
int fs_record_to_change(const fs_table_desc *t, const fs_record_row *r, fs_change *out);

/* The SQL of a record table's statements (sqlite: ?N parameters, else
 * PostgreSQL's $N):
 *   GET   the row of key ($1..$nkeys)
 *   PUT   insert, or replace the row when ($hlc, $site) is greater; every
 *         column bound in order, then hlc, site, seq
 *   SCAN  the rows changed after a cursor: seq > $1, site filters $2 $3,
 *         limit $4, region $5 (scoped tables), by seq
 *   EACH  every row (SQLite; $1 NULL or the first key's value), by key
 *   PAGE  a keyset page (PostgreSQL): $1 as EACH, after the key in
 *         $2..$nkeys+1, limit $nkeys+2 */
typedef enum fs_record_sql_kind {
	FS_RSQL_GET,
	FS_RSQL_PUT,
	FS_RSQL_SCAN,
	FS_RSQL_EACH,
	FS_RSQL_KINDS
} fs_record_sql_kind;
#define FS_RSQL_PAGE      FS_RSQL_EACH /* PostgreSQL's form of EACH */
#define FS_RECORD_SQL_MAX 2048
void fs_record_sql(char out[FS_RECORD_SQL_MAX], const fs_table_desc *t, fs_record_sql_kind kind,
                   int sqlite);

/* "SELECT <each> FROM t1 UNION ALL ..." over every table's seq_table
 * (an integrity check: each is "seq" or "max(seq)"). */
#define FS_SEQ_UNION_MAX 1024
void fs_tables_seq_union(char out[FS_SEQ_UNION_MAX], const char *each);

#endif
