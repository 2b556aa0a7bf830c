/* fieldsync-hub: results of one questionnaire (co-evaluation), computed
 * at the hub, where responses are whole: the responses counted, per day,
 * and for every question its distribution; with filters and small-number
 * suppression. `fieldsync-hub results` (results_cmd.c) and the console's
 * Results page (GET /api/results) both call hub_results_compute, so both
 * show the same figures. docs/hub.md "results", docs/privacy.md
 * "Small numbers".
 *
 * Streaming: responses are visited one at a time (fs_response_each) and
 * only counts are kept, so memory is bounded by the questionnaire (its
 * published versions and questions), never by the responses: per question
 * at most HUB_RESULTS_OPTIONS_MAX option counts, HUB_RESULTS_VALUES_MAX
 * distinct values, HUB_RESULTS_RESERVOIR numbers for the median,
 * HUB_RESULTS_MONTHS_MAX months, and for a free-text question the
 * (time, id) of the newest text_offset + text_limit answers; for the
 * series at most HUB_RESULTS_DAYS_MAX days. */
#ifndef HUB_RESULTS_H
#define HUB_RESULTS_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "fieldsync/error.h"
#include "fieldsync/store.h"

/* Small-number suppression's k: the default, and the range --set-k takes. */
#define HUB_RESULTS_K_DEFAULT 5
#define HUB_RESULTS_K_MIN     2
#define HUB_RESULTS_K_MAX     100
/* The store meta key holding k. */
#define HUB_RESULTS_K_META "results_k"

#define HUB_RESULTS_REGIONS_MAX 16    /* regions in one filter */
#define HUB_RESULTS_OPTIONS_MAX 400   /* option values per question (all versions) */
#define HUB_RESULTS_VALUES_MAX  1000  /* distinct scale or number values per question */
#define HUB_RESULTS_RESERVOIR   1001  /* numbers kept for a median (exact up to this many) */
#define HUB_RESULTS_MONTHS_MAX  1200  /* months of date answers per question */
#define HUB_RESULTS_DAYS_MAX    20000 /* days in the series (about 55 years) */
#define HUB_RESULTS_TEXT_MAX    200   /* text_offset + text_limit */
#define HUB_RESULTS_TEXT_DEFAULT 20   /* text_limit when 0 */
#define HUB_RESULTS_VERSIONS_MAX 1000 /* published versions read */

/* Which responses count. NULL (0) fields do not filter. */
typedef struct hub_results_filter {
	const char *questionnaire;           /* required: [a-z0-9][a-z0-9-]{0,63} */
	const char *const *regions;          /* made by a device of one of these */
	size_t nregions;                     /* 0: every region */
	const char *site;                    /* made by this device */
	const char *from, *to;               /* YYYY-MM-DD, inclusive, in the time zone */
	const char *language;                /* the response's language, as listed */
	const char *mode;                    /* "self" or "assisted" */
} hub_results_filter;

/* How they are shown. */
typedef struct hub_results_opts {
	const char *tz;       /* "Europe/London" (NULL: this) or "UTC" */
	const char *language; /* labels in this language where a text has it;
	                       * NULL: each document's first language */
	int suppress;         /* a viewer's view: counts 1..k-1 hidden, no free text */
	long k;               /* 0: HUB_RESULTS_K_DEFAULT */
	int text;             /* list free-text answers (ignored when suppress) */
	long text_offset;     /* skip this many newest answers per question */
	long text_limit;      /* then list at most this many (0: the default) */
	const char *text_question; /* list only this question's (NULL: every one's) */
} hub_results_opts;

/* The results of f's questionnaire (all its published versions; a question
 * is one id across versions) as a new JSON object (docs/hub.md shows its
 * shape): "total", "days" (per day in the time zone, days with responses
 * only), and per question its states ("answered", "skipped" by show_if,
 * "blank" where shown and not answered, "not_asked" where the response's
 * version has no such question or is not published here, "other" for an
 * answer of another type), then by type "options", "values" and "stats",
 * "months", or "texts". Every count is a cell {"count": N}, or {"count":
 * null, "suppressed": true} in a suppressed view (hub_results_suppress).
 * FS_EINVAL for a bad filter or option (the message names it);
 * FS_ENOTFOUND when the questionnaire is neither published here nor
 * answered; FS_ETOOBIG past HUB_RESULTS_VERSIONS_MAX; store errors. */
int hub_results_compute(json_t **out, fs_store *s, const hub_results_filter *f,
                        const hub_results_opts *o, fs_err *err);

/* The one suppression rule. cells: n counts of one distribution (summing
 * to its total). Sets hidden[i] to 1 for each cell to show as "fewer than
 * k", 0 for the others, and returns 1 when the whole distribution is to be
 * hidden (its total is 1 to k-1: every cell hidden), else 0:
 *   - a cell of 1 to k-1 is hidden (primary);
 *   - when exactly one cell is hidden, the smallest other non-zero cell is
 *     hidden too (the first of equals), so that neither can be had as the
 *     total minus the cells shown (secondary).
 * 0 is shown as 0. k < 2 hides nothing. */
int hub_results_suppress(unsigned char *hidden, const int64_t *cells, size_t n, int64_t k);

/* Shared results (docs/reciprocity.md "Shared results"): figures sent to
 * kiosks. k there is at least HUB_SHARED_K_MIN, HUB_SHARED_K_DEFAULT unset. */
#define HUB_SHARED_K_DEFAULT 10
#define HUB_SHARED_K_MIN     5

/* The one rule for a shared distribution: hub_results_suppress with k
 * (primary and secondary), then every shown count rounded to base 5 (half
 * up; a count is never rounded to 0 unless it is 0). out[i] is -1 for "fewer
 * than k". Returns 1 when the whole distribution is hidden (total under k:
 * every out[i] -1), else 0. k below HUB_SHARED_K_MIN counts as it. */
int hub_shared_publish(int64_t *out, const int64_t *cells, size_t n, int64_t k);

/* Whether a new release may replace the figures released when the region
 * had `before` responses, now that it has `now`: only when at least k new
 * ones arrived (the minimum change), so the difference of two releases
 * covers at least k people. The first release (no row yet) is due when
 * now >= k. */
int hub_shared_release_due(int have_row, int64_t before, int64_t now, int64_t k);

/* k as stored (meta HUB_RESULTS_K_META), or HUB_RESULTS_K_DEFAULT when
 * never set. */
int hub_results_k_get(fs_store *s, long *k, fs_err *err);

/* Store k (HUB_RESULTS_K_MIN..HUB_RESULTS_K_MAX, else FS_EINVAL) and its
 * audit entry "results_k" ({"k", "was"}) by actor, in one transaction. */
int hub_results_k_set(fs_store *s, long k, const char *actor, fs_err *err);

/* The audit entry of a results read that listed free-text answers
 * ("results_text": the questionnaire, the filters and how many answers
 * were listed; never an answer). Reading aggregates alone is not audited:
 * it holds no record of a person. A no-op when results lists none. */
int hub_results_audit_text(fs_store *s, const char *actor, const json_t *results, fs_err *err);

/* Write results (as hub_results_compute made it) for a person to read. */
void hub_results_print(FILE *out, const json_t *results);

/* The local date of an RFC 3339 UTC timestamp in tz ("UTC" or
 * "Europe/London": GMT, and BST from 01:00 UTC on the last Sunday of March
 * to 01:00 UTC on the last Sunday of October, the rule in force since
 * 1996), as days since 1970-01-01. 0, or FS_EINVAL for a bad timestamp. */
int hub_results_local_day(int64_t *out, const char *timestamp, const char *tz);

#endif
