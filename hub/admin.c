/* fieldsync-hub enroll | devices | revoke | publish | audit: the admin
 * commands over the hub store (they may run while `serve` runs: the store
 * serializes the writes). Each change is audited (audit.h). */
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "audit.h"
#include "cli.h"
#include "commands.h"
#include "questionnaires.h"
#include "qr.h"
#include "registry.h"
#include "fieldsync/questionnaire.h"
#include "fieldsync/records.h"

#define QUESTIONNAIRE_FILE_MAX (16u << 20)

static const char enroll_usage[] =
    "usage: fieldsync-hub enroll [--data DIR | --db URI] --region NAME [--expires 24h]\n"
    "                            [--qr FILE.svg [--hub-url URL]]\n"
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
    "  --qr FILE.svg     also write the code as a QR code (SVG, created 0600; - for\n"
    "                    standard output, then the code is not printed) of\n"
    "                    fieldsync-enroll:CODE?hub=URL, which\n"
    "                    `fieldsync-agent init --enroll URI` takes (docs/protocol.md)\n"
    "  --hub-url URL     the hub's URL as kiosks reach it, for the QR code (without\n"
    "                    it the code alone: the kiosk is given --hub)\n"
    "  -h, --help        show this help\n";

static const char devices_usage[] =
    "usage: fieldsync-hub devices [--data DIR | --db URI] [--json]\n"
    "\n"
    "List the enrolled kiosks: site, name, region, last sync (local time), and\n"
    "what each reported at its last sync (for display only; a kiosk may lie\n"
    "about itself): its changes not yet sent, its clock's offset from the hub's\n"
    "(+ ahead, - behind), its agent version; then its last error (an error code)\n"
    "and status (active, revoked, or moving from REGION until a moved kiosk has\n"
    "taken in its move). --json adds enrolled, last_sync (RFC 3339 UTC),\n"
    "last_sync_ms, clock_offset_ms, moved_from and moved.\n"
    "\n"
    "  --data DIR        data directory (default: $FIELDSYNC_DATA)\n"
    "  --db URI          PostgreSQL store, postgresql://USER@HOST/DB (default:\n"
    "                    $FIELDSYNC_DB); the data directory is then not used\n"
    "  --json            print a JSON array instead of a table\n"
    "  -h, --help        show this help\n";

static const char rename_usage[] =
    "usage: fieldsync-hub rename [--data DIR | --db URI] SITE NAME\n"
    "\n"
    "Give the kiosk SITE a new name, its label in devices and the console,\n"
    "[a-z0-9][a-z0-9-]{0,63}. Audited (rename).\n"
    "\n"
    "  --data DIR        data directory (default: $FIELDSYNC_DATA)\n"
    "  --db URI          PostgreSQL store, postgresql://USER@HOST/DB (default:\n"
    "                    $FIELDSYNC_DB); the data directory is then not used\n"
    "  -h, --help        show this help\n";

static const char move_usage[] =
    "usage: fieldsync-hub move [--data DIR | --db URI] SITE REGION\n"
    "\n"
    "Move the kiosk SITE to REGION. From now on the hub authorizes its writes\n"
    "and chooses what it is sent by REGION. At its next sync the kiosk learns\n"
    "the move: it pushes what it has not sent yet, removes the old region's\n"
    "contacts and conflicts from its store and pulls REGION's from the start.\n"
    "Its edits of the old region's contacts made before it learnt of the move\n"
    "are still taken until it reports the new region (at most 30 days), so none\n"
    "is lost. devices shows \"moving from OLD\" until then. Audited (move).\n"
    "(docs/protocol.md \"Moving a kiosk\")\n"
    "\n"
    "  --data DIR        data directory (default: $FIELDSYNC_DATA)\n"
    "  --db URI          PostgreSQL store, postgresql://USER@HOST/DB (default:\n"
    "                    $FIELDSYNC_DB); the data directory is then not used\n"
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
    "kiosk receives it at its next sync and lists it where it is offered\n"
    "(fieldsync-hub offer; everywhere until an offer names a region). Publishing\n"
    "the same id and version again is a no-op when the content is identical and\n"
    "refused otherwise. Audited (publish).\n"
    "\n"
    "  --data DIR        data directory (default: $FIELDSYNC_DATA)\n"
    "  --db URI          PostgreSQL store, postgresql://USER@HOST/DB (default:\n"
    "                    $FIELDSYNC_DB); the data directory is then not used\n"
    "  -h, --help        show this help\n";

static const char audit_usage[] =
    "usage: fieldsync-hub audit [--data DIR | --db URI] [--since TIME] [--until TIME]\n"
    "                           [--action NAME] [--actor TEXT] [--last N] [--json]\n"
    "       fieldsync-hub audit [--data DIR | --db URI] --verify\n"
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
    "  --until TIME      only entries before TIME (the same forms)\n"
    "  --action NAME     only entries of that action (erase, publish, ...)\n"
    "  --actor TEXT      only entries whose actor holds TEXT (console:, alice)\n"
    "  --last N          only the newest N (1 to 1000) of those entries\n"
    "  --json            one JSON object per line (JSON Lines) instead of text\n"
    "  --verify          check the whole hash chain instead; print the number of\n"
    "                    entries and the head hash (keep it elsewhere: a later\n"
    "                    check against it shows a rewritten trail), or fail\n"
    "                    (exit 1) naming the first entry removed or changed\n"
    "  -h, --help        show this help\n";

typedef struct admin_args {
	const char *region, *expires, *since, *qr, *hub_url, *until, *action, *actor, *last;
	hub_where where;
	int json, verify;
	const char *pos[2];     /* the positional arguments given, NULL past npos */
	int npos;
	const char *positional; /* pos[0] */
} admin_args;

/* Parse the options a command accepts (allowed: their names, separated by
 * spaces; --data and --db every command takes) and at most `npos`
 * positional arguments. Returns 0, -1 after --help, or an exit status. */
static int parse_admin(admin_args *a, int argc, char **argv, const char *cmd, const char *allowed,
                       int npos, const char *usage)
{
	const hub_opt all[] = {
	    {.name = "region", .value = &a->region},   {.name = "expires", .value = &a->expires},
	    {.name = "json", .flag = &a->json},        {.name = "since", .value = &a->since},
	    {.name = "verify", .flag = &a->verify},    {.name = "qr", .value = &a->qr},
	    {.name = "hub-url", .value = &a->hub_url}, {.name = "until", .value = &a->until},
	    {.name = "action", .value = &a->action},   {.name = "actor", .value = &a->actor},
	    {.name = "last", .value = &a->last},
	};
	hub_opt opts[HUB_OPTS_MAX + 1];
	int rc;

	memset(a, 0, sizeof(*a));
	hub_opts_pick(opts, all, sizeof(all) / sizeof(all[0]), allowed);
	rc = hub_args_parse(argc, argv, cmd, usage, opts, &a->where, a->pos, npos, &a->npos);
	a->positional = a->pos[0];
	return rc;
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

/* The code's QR code (qr.h) to path (0600, not replacing a file) or
 * standard output ("-"). 0, or 1 after saying why. */
static int write_qr(const char *path, const char *code, const char *hub_url)
{
	char uri[FS_QR_TEXT_MAX], *svg = NULL;
	size_t len = 0;
	fs_err e = {0, ""};
	FILE *f;
	int fd, rc = 0;

	if (fs_qr_enroll_uri(uri, sizeof(uri), code, hub_url, &e) != 0 ||
	    fs_qr_svg(uri, "QR code of the enrollment code", &svg, &len, &e) != 0) {
		hub_fail("QR code: %s", e.msg);
		return 1;
	}
	if (strcmp(path, "-") == 0) {
		rc = fwrite(svg, 1, len, stdout) == len ? 0 : 1;
		free(svg);
		return rc;
	}
	fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	f = fd >= 0 ? fdopen(fd, "w") : NULL;
	if (f == NULL) {
		hub_fail("cannot create %s: %s (an existing file is not replaced)", path,
		         strerror(errno));
		if (fd >= 0)
			close(fd);
		free(svg);
		return 1;
	}
	if (fwrite(svg, 1, len, f) != len || fflush(f) != 0 || fsync(fileno(f)) != 0)
		rc = 1;
	if (fclose(f) != 0)
		rc = 1;
	free(svg);
	if (rc != 0) {
		unlink(path);
		hub_fail("cannot write %s", path);
	}
	return rc;
}

int hub_cmd_enroll(int argc, char **argv)
{
	char code[HUB_ENROLL_CODE_LEN + 1];
	uint64_t ttl_ms = 24ull * 3600 * 1000;
	admin_args a;
	fs_store *s = NULL;
	fs_err e = {0, ""};
	char uri[FS_QR_TEXT_MAX];
	int rc = parse_admin(&a, argc, argv, "enroll", "region expires qr hub-url", 0, enroll_usage);

	if (rc != 0)
		return rc < 0 ? HUB_EXIT_OK : rc;
	if (a.region == NULL)
		return hub_usage_fail("enroll", "--region NAME is required");
	if (!fs_name_is_valid(a.region))
		return hub_usage_fail("enroll", "region must match [a-z0-9][a-z0-9-]{0,63}");
	if (a.expires != NULL && hub_duration_parse(&ttl_ms, a.expires) != 0)
		return hub_usage_fail("enroll",
		                      "--expires must be a number with s, m, h or d, such as 24h");
	if (a.hub_url != NULL && a.qr == NULL)
		return hub_usage_fail("enroll", "--hub-url is for the QR code: give --qr FILE.svg too");
	/* Checked before a code is made, so a bad URL costs no code. */
	if (a.qr != NULL && fs_qr_enroll_uri(uri, sizeof(uri), "ABCDE-FGHJK-MN", a.hub_url, &e) != 0)
		return hub_usage_fail("enroll", "--hub-url: %s", e.msg);
	if (a.qr != NULL && strcmp(a.qr, "-") != 0 && access(a.qr, F_OK) == 0)
		return hub_fail("%s exists; an existing file is not replaced", a.qr);
	if (open_store(&s, &a.where) != 0)
		return HUB_EXIT_FAIL;
	rc = hub_enroll_code_create(s, code, a.region, ttl_ms, &e);
	fs_store_close(s);
	if (rc != 0)
		return hub_fail("%s", e.msg);
	if (a.qr != NULL && write_qr(a.qr, code, a.hub_url) != 0)
		return HUB_EXIT_FAIL;
	if (a.qr == NULL || strcmp(a.qr, "-") != 0)
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

/* ms since 1970 as local time, "2026-12-02 09:15 GMT"; "-" for null. */
static void local_time(char *out, size_t len, const json_t *ms)
{
	time_t t;
	struct tm tm;

	if (!json_is_integer(ms)) {
		snprintf(out, len, "-");
		return;
	}
	t = (time_t)(json_integer_value(ms) / 1000);
	if (localtime_r(&t, &tm) == NULL || strftime(out, len, "%Y-%m-%d %H:%M %Z", &tm) == 0)
		snprintf(out, len, "-");
}

/* A clock offset for people: "0s" within a second, else signed and
 * rounded in the largest unit that fits ("+3s", "-12m", "+5h", "-1095d"). */
static void offset_text(char *out, size_t len, const json_t *ms)
{
	json_int_t v = json_integer_value(ms), a = v < 0 ? -v : v;
	const char *sign = v < 0 ? "-" : "+";

	if (!json_is_integer(ms))
		snprintf(out, len, "-");
	else if (a < 1000)
		snprintf(out, len, "0s");
	else if (a < 60000)
		snprintf(out, len, "%s%llds", sign, (long long)((a + 500) / 1000));
	else if (a < 3600000)
		snprintf(out, len, "%s%lldm", sign, (long long)((a + 30000) / 60000));
	else if (a < 86400000)
		snprintf(out, len, "%s%lldh", sign, (long long)((a + 1800000) / 3600000));
	else
		snprintf(out, len, "%s%lldd", sign, (long long)((a + 43200000) / 86400000));
}

#define DEVICE_COLUMNS 9

/* The cells of one device row, in the table's order. */
static void device_cells(const json_t *d, char cells[DEVICE_COLUMNS][96])
{
	const json_t *pending = json_object_get(d, "pending");

	snprintf(cells[0], 96, "%s", cell(json_object_get(d, "site")));
	snprintf(cells[1], 96, "%s", cell(json_object_get(d, "name")));
	snprintf(cells[2], 96, "%s", cell(json_object_get(d, "region")));
	local_time(cells[3], 96, json_object_get(d, "last_sync_ms"));
	if (json_is_integer(pending))
		snprintf(cells[4], 96, "%lld", (long long)json_integer_value(pending));
	else
		snprintf(cells[4], 96, "-");
	offset_text(cells[5], 96, json_object_get(d, "clock_offset_ms"));
	snprintf(cells[6], 96, "%s", cell(json_object_get(d, "agent_version")));
	snprintf(cells[7], 96, "%s", cell(json_object_get(d, "last_error")));
	if (json_is_true(json_object_get(d, "revoked")))
		snprintf(cells[8], 96, "revoked");
	else if (json_is_string(json_object_get(d, "moved_from")))
		snprintf(cells[8], 96, "moving from %s", cell(json_object_get(d, "moved_from")));
	else
		snprintf(cells[8], 96, "active");
}

static void print_device_table(const json_t *list)
{
	static const char *const heads[DEVICE_COLUMNS] = {
	    "SITE", "NAME", "REGION", "LAST SYNC", "PENDING", "CLOCK", "VERSION", "LAST ERROR",
	    "STATUS"};
	char cells[DEVICE_COLUMNS][96];
	int width[DEVICE_COLUMNS], i;
	size_t k;
	json_t *d;

	for (i = 0; i < DEVICE_COLUMNS; i++)
		width[i] = (int)strlen(heads[i]);
	json_array_foreach (list, k, d) {
		device_cells(d, cells);
		for (i = 0; i < DEVICE_COLUMNS; i++)
			if ((int)strlen(cells[i]) > width[i])
				width[i] = (int)strlen(cells[i]);
	}
	for (i = 0; i < DEVICE_COLUMNS - 1; i++)
		printf("%-*s  ", width[i], heads[i]);
	printf("%s\n", heads[DEVICE_COLUMNS - 1]);
	json_array_foreach (list, k, d) {
		device_cells(d, cells);
		for (i = 0; i < DEVICE_COLUMNS - 1; i++)
			printf("%-*s  ", width[i], cells[i]);
		printf("%s\n", cells[DEVICE_COLUMNS - 1]);
	}
}

int hub_cmd_devices(int argc, char **argv)
{
	admin_args a;
	fs_store *s = NULL;
	json_t *list = NULL;
	fs_err e = {0, ""};
	int rc = parse_admin(&a, argc, argv, "devices", "json", 0, devices_usage);

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
	int rc = parse_admin(&a, argc, argv, "revoke", "", 1, revoke_usage);

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

/* The two positional arguments of rename and move. */
static int two_args(int argc, char **argv, const char *cmd, const char *usage, admin_args *a,
                    const char **second, const char *what)
{
	int rc = parse_admin(a, argc, argv, cmd, "", 2, usage);

	if (rc != 0)
		return rc < 0 ? -1 : rc;
	if (a->npos < 2)
		return hub_usage_fail(cmd, "name the device and the %s: %s SITE %s", what, cmd,
		                      strcmp(what, "name") == 0 ? "NAME" : "REGION");
	*second = a->pos[1];
	if (!fs_name_is_valid(a->positional))
		return hub_usage_fail(cmd, "site id must match [a-z0-9][a-z0-9-]{0,63}");
	if (!fs_name_is_valid(*second))
		return hub_usage_fail(cmd, "%s must match [a-z0-9][a-z0-9-]{0,63}", what);
	return 0;
}

int hub_cmd_rename(int argc, char **argv)
{
	admin_args a;
	fs_store *s = NULL;
	fs_err e = {0, ""};
	const char *name = NULL;
	int rc = two_args(argc, argv, "rename", rename_usage, &a, &name, "name");

	if (rc != 0)
		return rc < 0 ? HUB_EXIT_OK : rc;
	if (open_store(&s, &a.where) != 0)
		return HUB_EXIT_FAIL;
	rc = hub_device_rename(s, NULL, a.positional, name, &e);
	fs_store_close(s);
	if (rc != 0)
		return hub_fail("%s", e.msg);
	printf("renamed %s to %s\n", a.positional, name);
	return finish_output();
}

int hub_cmd_move(int argc, char **argv)
{
	admin_args a;
	fs_store *s = NULL;
	fs_err e = {0, ""};
	const char *region = NULL;
	int moved = 0, rc = two_args(argc, argv, "move", move_usage, &a, &region, "region");

	if (rc != 0)
		return rc < 0 ? HUB_EXIT_OK : rc;
	if (open_store(&s, &a.where) != 0)
		return HUB_EXIT_FAIL;
	rc = hub_device_move(s, NULL, a.positional, region, &moved, &e);
	fs_store_close(s);
	if (rc != 0)
		return hub_fail("%s", e.msg);
	if (moved)
		printf("moved %s to region %s; it takes the move in at its next sync\n",
		       a.positional, region);
	else
		printf("%s is already in region %s\n", a.positional, region);
	return finish_output();
}

int hub_cmd_publish(int argc, char **argv)
{
	admin_args a;
	fs_buf text;
	char actor[HUB_AUDIT_ACTOR_MAX + 1];
	fs_store *s = NULL;
	json_t *doc = NULL;
	json_error_t je;
	fs_err e = {0, ""};
	const char *id;
	json_int_t version;
	int rc = parse_admin(&a, argc, argv, "publish", "", 1, publish_usage), existed, status;

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
	hub_audit_actor_cli(actor, sizeof(actor));
	rc = hub_questionnaire_publish(s, actor, doc, &existed, &e);
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
	hub_audit_filter f = {0, 0, NULL, NULL, 0};
	unsigned last = 0;
	int rc = parse_admin(&a, argc, argv, "audit", "json since verify until action actor last", 0, audit_usage);

	if (rc != 0)
		return rc < 0 ? HUB_EXIT_OK : rc;
	if ((a.since != NULL && since_parse(&f.since_ms, a.since) != 0) ||
	    (a.until != NULL && since_parse(&f.until_ms, a.until) != 0))
		return hub_usage_fail("audit",
		                      "--since and --until must be RFC 3339 UTC "
		                      "(2026-01-31T09:00:00Z) or milliseconds since 1970");
	if (a.last != NULL && hub_uint_parse(&last, a.last, 1, HUB_AUDIT_PAGE_MAX) != 0)
		return hub_usage_fail("audit", "--last must be a number from 1 to 1000");
	if (a.action != NULL && !hub_audit_action_is_valid(a.action))
		return hub_usage_fail("audit", "--action must be an action name, [a-z_]");
	if (a.verify && (a.since != NULL || a.until != NULL || a.action != NULL ||
	                 a.actor != NULL || a.last != NULL || a.json))
		return hub_usage_fail("audit", "--verify checks the whole trail: no other option");
	f.action = a.action;
	f.actor = a.actor;
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
	rc = hub_audit_list(s, &f, last, 0, print_entry, &a.json, NULL, &e);
	fs_store_close(s);
	if (rc != 0)
		return hub_fail("audit: %s", e.msg[0] ? e.msg : "cannot write the output");
	return finish_output();
}
