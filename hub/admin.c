/* fieldsync-hub enroll | devices | revoke | publish | audit: the admin
 * commands over the hub store (they may run while `serve` runs: the store
 * serializes the writes). Each change is audited (audit.h). */
#include <getopt.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "audit.h"
#include "cli.h"
#include "commands.h"
#include "registry.h"
#include "fieldsync/questionnaire.h"
#include "fieldsync/records.h"

#define QUESTIONNAIRE_FILE_MAX (16u << 20)

static const char enroll_usage[] =
    "usage: fieldsync-hub enroll [--data DIR | --db URI] --region NAME [--expires 24h]\n"
    "\n"
    "Create a one-time enrollment code for a kiosk of region NAME and print it\n"
    "(nothing else on standard output). A kiosk exchanges it once for its identity\n"
    "(POST /v1/enroll), before it expires:\n"
    "  fieldsync-agent init --data DIR --hub URL-OF-THIS-HUB --code CODE --name NAME\n"
    "When standard error is a terminal, that command is printed there too.\n"
    "\n"
    "  --data DIR        data directory (default: $FIELDSYNC_DATA)\n"
    "  --db URI          PostgreSQL store, postgresql://USER@HOST/DB (default:\n"
    "                    $FIELDSYNC_DB); the data directory is then not used\n"
    "  --region NAME     the kiosk's region, [a-z0-9][a-z0-9-]{0,63}\n"
    "  --expires TIME    validity: a number with s, m, h or d (default 24h, at most 30d)\n"
    "  -h, --help        show this help\n";

static const char devices_usage[] =
    "usage: fieldsync-hub devices [--data DIR | --db URI] [--json]\n"
    "\n"
    "List the enrolled kiosks: site, name, region, enrolled, last sync, last error\n"
    "(an error code), and whether revoked. Times are UTC.\n"
    "\n"
    "  --data DIR        data directory (default: $FIELDSYNC_DATA)\n"
    "  --db URI          PostgreSQL store, postgresql://USER@HOST/DB (default:\n"
    "                    $FIELDSYNC_DB); the data directory is then not used\n"
    "  --json            print a JSON array instead of a table\n"
    "  -h, --help        show this help\n";

static const char revoke_usage[] =
    "usage: fieldsync-hub revoke [--data DIR | --db URI] SITE\n"
    "\n"
    "Revoke the kiosk SITE: its token stops working at its next request (403),\n"
    "and its next sync is answered with a wipe order signed by this hub: the kiosk\n"
    "erases its data directory (docs/kiosk.md).\n"
    "\n"
    "  --data DIR        data directory (default: $FIELDSYNC_DATA)\n"
    "  --db URI          PostgreSQL store, postgresql://USER@HOST/DB (default:\n"
    "                    $FIELDSYNC_DB); the data directory is then not used\n"
    "  -h, --help        show this help\n";

static const char publish_usage[] =
    "usage: fieldsync-hub publish [--data DIR | --db URI] FILE.json\n"
    "\n"
    "Validate a questionnaire (docs/questionnaire-format.md) and publish it; every\n"
    "kiosk receives it at its next sync. Publishing the same id and version again\n"
    "is a no-op when the content is identical and refused otherwise.\n"
    "\n"
    "  --data DIR        data directory (default: $FIELDSYNC_DATA)\n"
    "  --db URI          PostgreSQL store, postgresql://USER@HOST/DB (default:\n"
    "                    $FIELDSYNC_DB); the data directory is then not used\n"
    "  -h, --help        show this help\n";

static const char audit_usage[] =
    "usage: fieldsync-hub audit [--data DIR | --db URI] [--since TIME] [--json] [--verify]\n"
    "\n"
    "Print the hub's audit trail, oldest first: one line per entry with its id,\n"
    "time (UTC), actor, action and detail. Admin commands are logged as\n"
    "admin:USER@HOST, enrollments as device:SITE, kiosk workers' events as\n"
    "worker:ID@SITE, the web console's users as console:NAME. The detail\n"
    "holds ids, counts and filters, never answers,\n"
    "notes or names (docs/hub.md).\n"
    "\n"
    "  --data DIR        data directory (default: $FIELDSYNC_DATA)\n"
    "  --db URI          PostgreSQL store, postgresql://USER@HOST/DB (default:\n"
    "                    $FIELDSYNC_DB); the data directory is then not used\n"
    "  --since TIME      only entries at or after TIME: RFC 3339 UTC\n"
    "                    (2026-01-31T09:00:00Z) or milliseconds since 1970\n"
    "  --json            one JSON object per line (JSON Lines) instead of text\n"
    "  --verify          check the whole hash chain instead; print the number of\n"
    "                    entries and the head hash (keep it elsewhere: a later\n"
    "                    check against it shows a rewritten trail), or fail\n"
    "                    (exit 1) naming the first entry removed or changed\n"
    "  -h, --help        show this help\n";

enum {
	OPT_DATA = 'd',
	OPT_DB = 'b',
	OPT_REGION = 'r',
	OPT_EXPIRES = 'e',
	OPT_JSON = 'j',
	OPT_SINCE = 's',
	OPT_VERIFY = 'v',
	OPT_HELP = 'h'
};

static const struct option admin_options[] = {
    {"since", required_argument, NULL, OPT_SINCE},
    {"verify", no_argument, NULL, OPT_VERIFY},
    {"data", required_argument, NULL, OPT_DATA},
    {"db", required_argument, NULL, OPT_DB},
    {"region", required_argument, NULL, OPT_REGION},
    {"expires", required_argument, NULL, OPT_EXPIRES},
    {"json", no_argument, NULL, OPT_JSON},
    {"help", no_argument, NULL, OPT_HELP},
    {NULL, 0, NULL, 0},
};

typedef struct admin_args {
	const char *data, *db, *region, *expires, *since;
	hub_where where;
	int json, verify;
	const char *positional; /* the one positional argument, if any */
} admin_args;

/* Parse the options a command accepts (allowed: a string of OPT_ letters)
 * and at most `npos` positional arguments. Returns 0, -1 after --help, or
 * an exit status. */
static int parse_admin(admin_args *a, int argc, char **argv, const char *cmd, const char *allowed,
                       int npos, const char *usage)
{
	int c;

	memset(a, 0, sizeof(*a));
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":h", admin_options, NULL)) != -1) {
		if (c == OPT_HELP) {
			fputs(usage, stdout);
			return -1;
		}
		if (c == ':')
			return hub_usage_fail(cmd, "%s needs a value", argv[optind - 1]);
		if (c == '?' || strchr(allowed, c) == NULL)
			return hub_usage_fail(cmd, "unknown option %s", argv[optind - 1]);
		switch (c) {
		case OPT_DATA:
			a->data = optarg;
			break;
		case OPT_DB:
			a->db = optarg;
			break;
		case OPT_REGION:
			a->region = optarg;
			break;
		case OPT_EXPIRES:
			a->expires = optarg;
			break;
		case OPT_JSON:
			a->json = 1;
			break;
		case OPT_SINCE:
			a->since = optarg;
			break;
		case OPT_VERIFY:
			a->verify = 1;
			break;
		}
	}
	if (argc - optind > npos)
		return hub_usage_fail(cmd, "unexpected argument %s", argv[optind + npos]);
	if (npos > 0 && optind < argc)
		a->positional = argv[optind];
	return hub_where_resolve(&a->where, cmd, a->data, a->db);
}

static int open_store(fs_store **out, const hub_where *where)
{
	fs_err e = {0, ""};

	if (hub_store_open(out, where, &e) != 0)
		return hub_fail("%s", e.msg);
	return 0;
}

static int finish_output(void)
{
	if (fflush(stdout) != 0 || ferror(stdout))
		return hub_fail("cannot write the output");
	return HUB_EXIT_OK;
}

int hub_cmd_enroll(int argc, char **argv)
{
	char code[HUB_ENROLL_CODE_LEN + 1];
	uint64_t ttl_ms = 24ull * 3600 * 1000;
	admin_args a;
	fs_store *s = NULL;
	fs_err e = {0, ""};
	int rc = parse_admin(&a, argc, argv, "enroll", "dbre", 0, enroll_usage);

	if (rc != 0)
		return rc < 0 ? HUB_EXIT_OK : rc;
	if (a.region == NULL)
		return hub_usage_fail("enroll", "--region NAME is required");
	if (!fs_name_is_valid(a.region))
		return hub_usage_fail("enroll", "region must match [a-z0-9][a-z0-9-]{0,63}");
	if (a.expires != NULL && hub_duration_parse(&ttl_ms, a.expires) != 0)
		return hub_usage_fail("enroll",
		                      "--expires must be a number with s, m, h or d, such as 24h");
	if (open_store(&s, &a.where) != 0)
		return HUB_EXIT_FAIL;
	rc = hub_enroll_code_create(s, code, a.region, ttl_ms, &e);
	fs_store_close(s);
	if (rc != 0)
		return hub_fail("%s", e.msg);
	printf("%s\n", code);
	rc = finish_output();
	/* For a person at a terminal, the kiosk's side (scripts read stdout). */
	if (rc == HUB_EXIT_OK && isatty(STDERR_FILENO))
		fprintf(stderr,
		        "fieldsync-hub: on the kiosk, within %s (one use):\n"
		        "  fieldsync-agent init --data DIR --hub URL-OF-THIS-HUB --code %s --name "
		        "NAME\n",
		        a.expires != NULL ? a.expires : "24h", code);
	return rc;
}

/* A JSON string or null as table text. */
static const char *cell(const json_t *v)
{
	const char *s = json_string_value(v);

	return s != NULL && s[0] != '\0' ? s : "-";
}

static void print_device_table(const json_t *list)
{
	static const char *const heads[] = {"SITE",      "NAME",       "REGION", "ENROLLED",
	                                    "LAST SYNC", "LAST ERROR", "STATUS"};
	static const char *const keys[] = {"site",     "name",      "region",
	                                   "enrolled", "last_sync", "last_error"};
	int width[7], i;
	size_t k;
	json_t *d;

	for (i = 0; i < 7; i++)
		width[i] = (int)strlen(heads[i]);
	json_array_foreach (list, k, d) {
		for (i = 0; i < 6; i++) {
			int n = (int)strlen(cell(json_object_get(d, keys[i])));

			if (n > width[i])
				width[i] = n;
		}
	}
	for (i = 0; i < 6; i++)
		printf("%-*s  ", width[i], heads[i]);
	printf("%s\n", heads[6]);
	json_array_foreach (list, k, d) {
		for (i = 0; i < 6; i++)
			printf("%-*s  ", width[i], cell(json_object_get(d, keys[i])));
		printf("%s\n", json_is_true(json_object_get(d, "revoked")) ? "revoked" : "active");
	}
}

int hub_cmd_devices(int argc, char **argv)
{
	admin_args a;
	fs_store *s = NULL;
	json_t *list = NULL;
	fs_err e = {0, ""};
	int rc = parse_admin(&a, argc, argv, "devices", "dbj", 0, devices_usage);

	if (rc != 0)
		return rc < 0 ? HUB_EXIT_OK : rc;
	if (open_store(&s, &a.where) != 0)
		return HUB_EXIT_FAIL;
	rc = hub_device_list(s, &list, &e);
	fs_store_close(s);
	if (rc != 0)
		return hub_fail("%s", e.msg);
	if (a.json) {
		json_dumpf(list, stdout, JSON_INDENT(2));
		fputc('\n', stdout);
	} else {
		print_device_table(list);
	}
	json_decref(list);
	return finish_output();
}

int hub_cmd_revoke(int argc, char **argv)
{
	admin_args a;
	fs_store *s = NULL;
	fs_err e = {0, ""};
	int rc = parse_admin(&a, argc, argv, "revoke", "db", 1, revoke_usage);

	if (rc != 0)
		return rc < 0 ? HUB_EXIT_OK : rc;
	if (a.positional == NULL)
		return hub_usage_fail("revoke", "name the device: revoke SITE");
	if (!fs_name_is_valid(a.positional))
		return hub_usage_fail("revoke", "site id must match [a-z0-9][a-z0-9-]{0,63}");
	if (open_store(&s, &a.where) != 0)
		return HUB_EXIT_FAIL;
	rc = hub_device_revoke(s, a.positional, &e);
	fs_store_close(s);
	if (rc != 0)
		return hub_fail("%s", e.msg);
	printf("revoked %s\n", a.positional);
	return finish_output();
}

/* The audit entry of a publish (id and version; never the document), in a
 * transaction of its own before the engine's (records.h). A valid new
 * document only: a refused one changes nothing. error: the fs_error of a
 * publish that failed after its entry, 0 otherwise. */
static int audit_publish(fs_store *s, const json_t *doc, const char *action, int error,
                         fs_err *err)
{
	char actor[HUB_AUDIT_ACTOR_MAX + 1];
	json_t *detail;
	int rc;

	if (error == 0 && fs_questionnaire_validate(doc, NULL) != 0)
		return 0;
	detail = json_pack("{s:O, s:O}", "questionnaire", json_object_get(doc, "id"), "version",
	                   json_object_get(doc, "version"));
	if (detail != NULL && error != 0)
		json_object_set_new(detail, "error", json_integer(error));
	if (detail == NULL)
		return fs_err_set(err, FS_ENOMEM, "out of memory");
	hub_audit_actor_cli(actor, sizeof(actor));
	rc = hub_audit_add(s, actor, action, detail, err);
	json_decref(detail);
	return rc;
}

int hub_cmd_publish(int argc, char **argv)
{
	admin_args a;
	fs_buf text;
	fs_store *s = NULL;
	json_t *doc = NULL, *have = NULL;
	json_error_t je;
	fs_err e = {0, ""};
	const char *id;
	json_int_t version;
	int rc = parse_admin(&a, argc, argv, "publish", "db", 1, publish_usage), existed, status;

	if (rc != 0)
		return rc < 0 ? HUB_EXIT_OK : rc;
	if (a.positional == NULL)
		return hub_usage_fail("publish", "name the questionnaire file: publish FILE.json");
	if (hub_file_read(&text, a.positional, QUESTIONNAIRE_FILE_MAX, &e) != 0) {
		fs_buf_free(&text);
		return hub_fail("%s", e.msg);
	}
	doc = json_loadb(text.data, text.len, JSON_REJECT_DUPLICATES, &je);
	fs_buf_free(&text);
	if (doc == NULL)
		return hub_fail("%s:%d:%d: not valid JSON: %s", a.positional, je.line, je.column,
		                je.text);
	if (open_store(&s, &a.where) != 0) {
		json_decref(doc);
		return HUB_EXIT_FAIL;
	}
	id = json_string_value(json_object_get(doc, "id"));
	version = json_integer_value(json_object_get(doc, "version"));
	existed = id != NULL && version > 0 &&
	          fs_questionnaire_get(s, &have, id, (int64_t)version, NULL) == 0;
	json_decref(have);
	rc = existed ? 0 : audit_publish(s, doc, "publish", 0, &e);
	if (rc == 0)
		rc = fs_questionnaire_publish(s, doc, &e);
	/* Logged before it was made, a publish that then failed says so. */
	if (rc != 0 && !existed && strncmp(e.msg, "audit:", 6) != 0)
		audit_publish(s, doc, "publish_failed", rc, NULL);
	fs_store_close(s);
	if (rc == FS_EINVAL)
		status = hub_fail("%s: %s", a.positional, e.msg);
	else if (rc == FS_ECONFLICT)
		status = hub_fail("%s: refused: %s", a.positional, e.msg);
	else if (rc != 0)
		status = hub_fail("%s", e.msg);
	else {
		printf("%s %s version %lld\n", existed ? "already published" : "published", id,
		       (long long)version);
		status = finish_output();
	}
	json_decref(doc);
	return status;
}

/* ---- fieldsync-hub audit ---- */

/* --since: RFC 3339 UTC ("2026-01-31T09:00:00Z", optional .fff) or
 * milliseconds since 1970. 0 or -1. */
static int since_parse(uint64_t *out, const char *text)
{
	struct tm tm;
	unsigned ms = 0;
	int n = 0, frac = 0;
	time_t t;

	*out = 0;
	if (text[0] != '\0' && strspn(text, "0123456789") == strlen(text) && strlen(text) <= 15) {
		*out = strtoull(text, NULL, 10);
		return 0;
	}
	memset(&tm, 0, sizeof(tm));
	if (sscanf(text, "%4d-%2d-%2dT%2d:%2d:%2d%n", &tm.tm_year, &tm.tm_mon, &tm.tm_mday,
	           &tm.tm_hour, &tm.tm_min, &tm.tm_sec, &n) != 6 || n != 19)
		return -1;
	if (text[n] == '.') {
		for (n++; text[n] >= '0' && text[n] <= '9'; n++, frac++)
			if (frac < 3)
				ms = ms * 10 + (unsigned)(text[n] - '0');
		if (frac == 0)
			return -1;
		for (; frac < 3; frac++)
			ms *= 10;
	}
	if (strcmp(text + n, "Z") != 0 || tm.tm_year < 1970 || tm.tm_mon < 1 || tm.tm_mon > 12 ||
	    tm.tm_mday < 1 || tm.tm_mday > 31 || tm.tm_hour > 23 || tm.tm_min > 59 ||
	    tm.tm_sec > 60)
		return -1;
	tm.tm_year -= 1900;
	tm.tm_mon -= 1;
	t = timegm(&tm);
	if (t == (time_t)-1)
		return -1;
	*out = (uint64_t)t * 1000 + ms;
	return 0;
}

static int print_entry(void *ctx, const json_t *entry)
{
	const int *json = ctx;
	char *detail;

	if (*json) {
		if (json_dumpf(entry, stdout, JSON_COMPACT | JSON_SORT_KEYS) != 0)
			return FS_EGENERIC;
		fputc('\n', stdout);
		return 0;
	}
	detail = json_dumps(json_object_get(entry, "detail"),
	                    JSON_COMPACT | JSON_SORT_KEYS | JSON_ENCODE_ANY);
	printf("%-6lld %s  %s  %s  %s\n", (long long)json_integer_value(json_object_get(entry, "id")),
	       json_string_value(json_object_get(entry, "at")),
	       json_string_value(json_object_get(entry, "actor")),
	       json_string_value(json_object_get(entry, "action")), detail ? detail : "{}");
	free(detail);
	return 0;
}

int hub_cmd_audit(int argc, char **argv)
{
	admin_args a;
	fs_store *s = NULL;
	fs_err e = {0, ""};
	uint64_t since = 0;
	int rc = parse_admin(&a, argc, argv, "audit", "dbjsv", 0, audit_usage);

	if (rc != 0)
		return rc < 0 ? HUB_EXIT_OK : rc;
	if (a.since != NULL && since_parse(&since, a.since) != 0)
		return hub_usage_fail("audit",
		                      "--since must be RFC 3339 UTC (2026-01-31T09:00:00Z) or "
		                      "milliseconds since 1970");
	if (a.verify && (a.since != NULL || a.json))
		return hub_usage_fail("audit", "--verify checks the whole trail: no --since or --json");
	if (open_store(&s, &a.where) != 0)
		return HUB_EXIT_FAIL;
	if (a.verify) {
		char head[65];
		int64_t id = 0;
		long entries = 0;

		rc = hub_audit_verify(s, &entries, &e);
		if (rc == 0)
			rc = hub_audit_head(s, &id, head, &e);
		fs_store_close(s);
		if (rc != 0)
			return hub_fail("audit trail broken: %s", e.msg);
		printf("audit trail verified: %ld entries, head %lld %s\n", entries, (long long)id,
		       head);
		return finish_output();
	}
	rc = hub_audit_each(s, since, print_entry, &a.json, &e);
	fs_store_close(s);
	if (rc != 0)
		return hub_fail("audit: %s", e.msg[0] ? e.msg : "cannot write the output");
	return finish_output();
}
