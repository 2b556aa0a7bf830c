/* fieldsync-agent: what every command shares: exit codes, one-line error
 * messages, reading JSON input from a file or stdin, printing JSON, time
 * in RFC 3339. */
#ifndef FIELDSYNC_AGENT_CLI_H
#define FIELDSYNC_AGENT_CLI_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "fieldsync/error.h"

#define AGENT_PROG    "fieldsync-agent"
#define AGENT_VERSION "0.1.0"

/* Exit codes, documented in --help and docs/agent.md. A sync outcome uses
 * the same numbers. */
enum agent_exit {
	AGENT_EXIT_OK = 0,          /* done; for sync: in sync with the hub */
	AGENT_EXIT_LOCAL = 1,       /* usage or local error (files, store, input) */
	AGENT_EXIT_UNREACHABLE = 3, /* no answer from the hub (connect, timeout, cut, TLS) */
	AGENT_EXIT_REFUSED = 4,     /* the hub answered with an error other than credentials */
	AGENT_EXIT_AUTH = 5         /* the hub rejected the credentials (401, 403 revoked) */
};

/* Largest JSON document read from a file or stdin. */
#define AGENT_INPUT_MAX (1u << 20)

/* Print "fieldsync-agent: <message>" on one line to stderr; returns code. */
int agent_fail(int code, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;

/* "fieldsync-agent: <what>: <err->msg>" to stderr; returns AGENT_EXIT_LOCAL. */
int agent_fail_err(const char *what, const fs_err *err);

/* A usage error for command cmd: the message, then a hint to --help. */
int agent_usage_error(const char *cmd, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;

/* Report a getopt_long failure for command cmd: c is what getopt_long
 * returned ('?' unknown option, ':' missing value; the option string must
 * start with ':' and opterr be 0), then optopt and optind. Returns
 * AGENT_EXIT_LOCAL. */
int agent_bad_option(const char *cmd, int c, int optopt_value, char **argv, int index);

/* Parse the options of a command that takes only --data DIR, --json (when
 * json is not NULL) and --help, and no arguments. Returns -1 to go on, or
 * the exit code to return now (help printed, or a usage error reported). */
int agent_parse_simple(int argc, char **argv, const char *cmd, void (*usage)(void),
                       const char **data, int *json);

/* Read a JSON value from path ("-" is stdin), at most AGENT_INPUT_MAX
 * bytes, duplicate keys refused. what names the input in messages, which
 * give the line and column but never quote the input (it may hold answers
 * or personal details). *out is a new reference. */
int agent_json_read(json_t **out, const char *path, const char *what, fs_err *err);

/* Print v to stdout: indented with sorted keys when pretty, else compact
 * on one line with sorted keys; then a newline. 0 or -1 on write error. */
int agent_json_print(const json_t *v, int pretty);

/* Wall clock in ms (the monotonic one: fs_monotonic_ms). */
uint64_t agent_wall_ms(void);

/* Parse a non-negative decimal integer (no sign, no trailing text) no
 * greater than max. 0 or -1. */
int agent_parse_uint(uint64_t *out, const char *text, uint64_t max);

#endif
