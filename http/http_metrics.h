/* fieldsync: the Prometheus text exposition format, version 0.0.4, of the
 * hub's and the kiosk UI's GET /metrics (docs/metrics.md): one writer of
 * the lines for both.
 *
 * A family is its "# HELP" and "# TYPE" lines, then its samples,
 * "name{labels} value". Label values are always the code's own names
 * (a result, a reason, a table), never text from a request: no label
 * carries a site id, a kiosk name, a region or anything personal, so the
 * series are few and fixed. */
#ifndef FIELDSYNC_HTTP_METRICS_H
#define FIELDSYNC_HTTP_METRICS_H

#include <stddef.h>
#include <stdint.h>

#include "fieldsync/buf.h"

#define FS_METRICS_CONTENT_TYPE "text/plain; version=0.0.4; charset=utf-8"
/* A reply of either program stays far below this. */
#define FS_METRICS_MAX (256u << 10)

/* "# HELP name help" and "# TYPE name type" (counter, gauge, histogram).
 * Each returns 0 or the fs_buf error (FS_ETOOBIG, FS_ENOMEM). */
int fs_metrics_family(fs_buf *b, const char *name, const char *type, const char *help);

/* A sample: "name value" or, with labels (`k="v",k2="v2"`, the caller's
 * own constant names; NULL or "" for none), "name{labels} value". */
int fs_metrics_u64(fs_buf *b, const char *name, const char *labels, uint64_t v);
int fs_metrics_i64(fs_buf *b, const char *name, const char *labels, int64_t v);
/* The value with up to 6 decimals ("0.125"), for seconds. */
int fs_metrics_f64(fs_buf *b, const char *name, const char *labels, double v);

/* A family of one sample: its HELP and TYPE lines, then name{labels} v. */
int fs_metrics_one(fs_buf *b, const char *name, const char *type, const char *help,
                   const char *labels, int64_t v);

/* One counter sample per label value: name{label="names[i]"} counts[i]
 * for i < n. */
int fs_metrics_by_label(fs_buf *b, const char *name, const char *label, const char *const *names,
                        const uint64_t *counts, size_t n);

#endif
