#include "http_metrics.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

int fs_metrics_family(fs_buf *b, const char *name, const char *type, const char *help)
{
	char line[512];
	int n =
	    snprintf(line, sizeof(line), "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);

	if (n < 0 || (size_t)n >= sizeof(line))
		return FS_ETOOBIG;
	return fs_buf_append(b, line, (size_t)n);
}

static int sample(fs_buf *b, const char *name, const char *labels, const char *value)
{
	char line[512];
	int have = labels != NULL && labels[0] != '\0';
	int n = snprintf(line, sizeof(line), "%s%s%s%s %s\n", name, have ? "{" : "",
	                 have ? labels : "", have ? "}" : "", value);

	if (n < 0 || (size_t)n >= sizeof(line))
		return FS_ETOOBIG;
	return fs_buf_append(b, line, (size_t)n);
}

int fs_metrics_u64(fs_buf *b, const char *name, const char *labels, uint64_t v)
{
	char num[24];

	snprintf(num, sizeof(num), "%" PRIu64, v);
	return sample(b, name, labels, num);
}

int fs_metrics_i64(fs_buf *b, const char *name, const char *labels, int64_t v)
{
	char num[24];

	snprintf(num, sizeof(num), "%" PRId64, v);
	return sample(b, name, labels, num);
}

int fs_metrics_f64(fs_buf *b, const char *name, const char *labels, double v)
{
	char num[48];
	size_t n;

	snprintf(num, sizeof(num), "%.6f", v);
	/* "0.125000" reads "0.125"; "3.000000" reads "3". */
	n = strlen(num);
	while (n > 1 && num[n - 1] == '0')
		num[--n] = '\0';
	if (n > 1 && num[n - 1] == '.')
		num[--n] = '\0';
	return sample(b, name, labels, num);
}

int fs_metrics_one(fs_buf *b, const char *name, const char *type, const char *help,
                   const char *labels, int64_t v)
{
	int rc = fs_metrics_family(b, name, type, help);

	return rc != 0 ? rc : fs_metrics_i64(b, name, labels, v);
}

int fs_metrics_by_label(fs_buf *b, const char *name, const char *label, const char *const *names,
                        const uint64_t *counts, size_t n)
{
	char labels[128];
	size_t i;
	int rc = 0;

	for (i = 0; i < n && rc == 0; i++) {
		snprintf(labels, sizeof(labels), "%s=\"%s\"", label, names[i]);
		rc = fs_metrics_u64(b, name, labels, counts[i]);
	}
	return rc;
}
