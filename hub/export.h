/* fieldsync-hub: exports of merged records (responses, contacts,
 * conflicts) as CSV, JSON Lines or XLSX, for the export command and the
 * console's downloads alike (one path: hub/export.c).
 *
 * What the files hold is docs/hub.md ("export"); the rules in short:
 * - CSV: RFC 4180, UTF-8 (optionally with a byte-order mark), every text
 *   cell quoted and guarded against formulas by csv.h.
 * - XLSX (libxlsxwriter, constant memory): typed cells, one sheet per
 *   questionnaire version, a Codebook sheet; strings are string cells,
 *   never formulas.
 * - multi_choice answers and list contact fields (topics, signposted) are
 *   one 0/1 column per option, QID__VALUE, unless multi_json: then one cell
 *   holding the list as JSON text.
 * - times (started_at, submitted_at, contact_at) in tz when given.
 * - JSON Lines is written as stored (the options above do not apply). */
#ifndef HUB_EXPORT_H
#define HUB_EXPORT_H

#include <jansson.h>
#include <stdio.h>

#include "fieldsync/error.h"
#include "fieldsync/store.h"
#include "tz.h"

/* Columns one list field may spread over (distinct values); beyond it the
 * export is refused (FS_ETOOBIG) and names the field: use multi_json. */
#define HUB_EXPORT_OPTIONS_MAX 1000

typedef struct hub_export_opts {
	const char *what;          /* "responses" | "contacts" | "conflicts" */
	const char *format;        /* "csv" | "jsonl" | "xlsx" */
	const char *questionnaire; /* NULL: every one (not for responses as CSV) */
	const char *region;        /* NULL: every region visible allows */
	int bom;                   /* CSV: start with a UTF-8 byte-order mark */
	int labels;                /* single_choice cells as option labels */
	const char *language;      /* labels' language; NULL: each document's default */
	int multi_json;            /* lists as one JSON cell, not 0/1 columns */
	const hub_tz *tz;          /* times in this zone; NULL: as stored (UTC "…Z"), and
	                            * XLSX in UTC */
	/* NULL: every region; else only records of regions it returns 1 for
	 * (the console's region limits; a response's region is its device's). */
	int (*visible)(void *ctx, const char *region);
	void *visible_ctx;
} hub_export_opts;

/* Check o's combination (formats, what needs a questionnaire, options that
 * JSON Lines does not take): 0, or FS_EINVAL with a message for the user. */
int hub_export_check(const hub_export_opts *o, fs_err *err);

/* The number of records the export of o would hold now, without writing
 * anything (for the audit entry made before the export). */
int hub_export_count(fs_store *s, const hub_export_opts *o, long *rows, fs_err *err);

/* Write the export of o to out (*rows: records written). XLSX is built in a
 * private (0700) temporary directory under $TMPDIR (or /tmp), then copied
 * to out; the directory and everything in it are removed on every path;
 * one workbook at a time per process (libxlsxwriter is not thread-safe).
 * On failure out holds a partial export: the caller discards it. */
int hub_export_write(fs_store *s, const hub_export_opts *o, FILE *out, long *rows, fs_err *err);

/* The audit detail of an export (its filters and options, rows; never
 * answers or file names): a new object, NULL when out of memory. */
json_t *hub_export_audit_detail(const hub_export_opts *o, long rows);

#endif
