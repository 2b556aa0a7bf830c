#include "cli.h"

#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "fieldsync/buf.h"

int agent_fail(int code, const char *fmt, ...)
{
	va_list ap;

	fputs(AGENT_PROG ": ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	return code;
}

int agent_fail_err(const char *what, const fs_err *err)
{
	return agent_fail(AGENT_EXIT_LOCAL, "%s: %s", what,
	                  err->msg[0] ? err->msg : fs_error_name(err->code));
}

int agent_usage_error(const char *cmd, const char *fmt, ...)
{
	va_list ap;

	fputs(AGENT_PROG ": ", stderr);
	if (cmd != NULL)
		fprintf(stderr, "%s: ", cmd);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, " (see " AGENT_PROG "%s%s --help)\n", cmd ? " " : "", cmd ? cmd : "");
	return AGENT_EXIT_LOCAL;
}

static const char *json_fault_name(const json_error_t *e)
{
	switch (json_error_code(e)) {
	case json_error_premature_end_of_input:
		return "unexpected end of input";
	case json_error_end_of_input_expected:
		return "text after the JSON value";
	case json_error_invalid_utf8:
		return "invalid UTF-8";
	case json_error_null_character:
		return "NUL character";
	case json_error_null_byte_in_key:
		return "NUL character in a key";
	case json_error_duplicate_key:
		return "duplicate key";
	case json_error_numeric_overflow:
		return "number out of range";
	case json_error_item_not_found:
		return "item not found";
	case json_error_index_out_of_range:
		return "index out of range";
	default:
		return "invalid JSON";
	}
}

int agent_bad_option(const char *cmd, int c, int optopt_value, char **argv, int index)
{
	const char *arg = argv[index - 1];

	if (c == ':')
		return agent_usage_error(cmd, "option %s needs a value", arg);
	if (optopt_value != 0 && strncmp(arg, "--", 2) != 0)
		return agent_usage_error(cmd, "unknown option -%c", optopt_value);
	return agent_usage_error(cmd, "unknown option %s", arg);
}

int agent_json_read(json_t **out, const char *path, const char *what, fs_err *err)
{
	FILE *f = NULL;
	fs_buf b;
	json_error_t jerr;
	char chunk[8192];
	int rc = 0;

	*out = NULL;
	fs_buf_init(&b, AGENT_INPUT_MAX);
	if (strcmp(path, "-") == 0) {
		f = stdin;
	} else {
		f = fopen(path, "rb");
		if (f == NULL)
			return fs_err_set(err, FS_ENOTFOUND, "%s: cannot open %s: %s", what, path,
			                  strerror(errno));
	}
	for (;;) {
		size_t n = fread(chunk, 1, sizeof(chunk), f);

		if (n > 0 && fs_buf_append(&b, chunk, n) != 0) {
			rc = fs_err_set(err, FS_ETOOBIG, "%s: larger than %u bytes", what,
			                AGENT_INPUT_MAX);
			goto cleanup;
		}
		if (n < sizeof(chunk))
			break;
	}
	if (ferror(f)) {
		rc = fs_err_set(err, FS_EGENERIC, "%s: read error", what);
		goto cleanup;
	}
	*out = json_loadb(b.data ? b.data : "", b.len, JSON_REJECT_DUPLICATES | JSON_DECODE_ANY,
	                  &jerr);
	if (*out == NULL)
		rc = fs_err_set(err, FS_EINVAL, "%s: %s at line %d column %d", what,
		                json_fault_name(&jerr), jerr.line, jerr.column);
cleanup:
	if (f != NULL && f != stdin)
		fclose(f);
	fs_buf_free(&b);
	return rc;
}

int agent_json_print(const json_t *v, int pretty)
{
	size_t flags = JSON_SORT_KEYS | JSON_ENCODE_ANY;

	flags |= pretty ? JSON_INDENT(2) : JSON_COMPACT;
	if (json_dumpf(v, stdout, flags) != 0 || fputc('\n', stdout) == EOF)
		return -1;
	return fflush(stdout) == 0 ? 0 : -1;
}

uint64_t agent_wall_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000u + (uint64_t)(ts.tv_nsec / 1000000);
}

int agent_parse_uint(uint64_t *out, const char *text, uint64_t max)
{
	uint64_t v = 0;
	const char *p;

	if (text == NULL || *text == '\0')
		return -1;
	for (p = text; *p; p++) {
		uint64_t d = (uint64_t)(*p - '0');

		if (*p < '0' || *p > '9' || d > max || v > (max - d) / 10)
			return -1;
		v = v * 10 + d;
	}
	*out = v;
	return 0;
}

int agent_parse_simple(int argc, char **argv, const char *cmd, void (*usage)(void),
                       const char **data, int *json)
{
	static const struct option with_json[] = {{"data", required_argument, NULL, 'd'},
	                                          {"json", no_argument, NULL, 'j'},
	                                          {"help", no_argument, NULL, 'h'},
	                                          {NULL, 0, NULL, 0}};
	/* Without --json: the same table, cut before it. */
	static const struct option without_json[] = {{"data", required_argument, NULL, 'd'},
	                                             {"help", no_argument, NULL, 'h'},
	                                             {NULL, 0, NULL, 0}};
	int ch;

	optind = 0;
	opterr = 0;
	while ((ch = getopt_long(argc, argv, ":h", json ? with_json : without_json, NULL)) != -1) {
		switch (ch) {
		case 'd':
			*data = optarg;
			break;
		case 'j':
			*json = 1;
			break;
		case 'h':
			usage();
			return AGENT_EXIT_OK;
		default:
			return agent_bad_option(cmd, ch, optopt, argv, optind);
		}
	}
	if (optind < argc)
		return agent_usage_error(cmd, "unexpected argument %s", argv[optind]);
	return -1;
}
