/* fieldsync-hub: the hub server and its admin commands. This file only
 * dispatches to the subcommands (commands.h). */
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "commands.h"
#include "fieldsync/store.h"

#ifndef FIELDSYNC_VERSION
#define FIELDSYNC_VERSION "0"
#endif

static const char usage[] =
    "usage: fieldsync-hub COMMAND [--data DIR | --db URI] [options]\n"
    "\n"
    "The fieldsync hub: kiosks of every region sync with it over HTTP.\n"
    "\n"
    "commands:\n"
    "  serve      run the HTTP(S) server (GET /health, POST /v1/enroll, /v1/sync, /v1/audit)\n"
    "             and the web console (docs/console.md)\n"
    "  enroll     create a one-time enrollment code for a kiosk of a region\n"
    "  devices    list enrolled kiosks\n"
    "  revoke     revoke a kiosk\n"
    "  rename     give a kiosk a new name\n"
    "  move       move a kiosk to another region\n"
    "  publish    validate and publish a questionnaire\n"
    "  offer      choose which regions' kiosks offer a questionnaire\n"
    "  retire     retire a questionnaire (responses to it are still taken)\n"
    "  questionnaires  list questionnaires: versions, offers, responses\n"
    "  export     write responses, contacts or conflicts as CSV or JSON Lines\n"
    "  migrate    copy a SQLite hub store into PostgreSQL, verified\n"
    "  digest     print the store's digest and each table's rows and hash\n"
    "  backup     write a consistent copy of the store to a file while the hub runs\n"
    "  restore    put a backup back as the hub store\n"
    "  erase      erase a contact, a response or a person_ref everywhere\n"
    "  erasures   list erasure requests and which kiosks have confirmed them\n"
    "  seal-key   show or rotate the key kiosks seal responses to\n"
    "  subject    write everything held about one person_ref as JSON (access)\n"
    "  audit      print or verify the audit trail of admin and worker actions\n"
    "  retention  show or set how long each table is kept\n"
    "  purge      apply the retention periods now\n"
    "  conflicts  list conflicts (two kiosks changed one field) in plain words\n"
    "  resolve    resolve a conflict: keep one value or write a new one\n"
    "  results    a questionnaire's results: counts per day and per question\n"
    "  user       add, change or remove accounts of the web console (and API tokens)\n"
    "  worker     add, remove or list a region's outreach workers (their PINs)\n"
    "  receipt    a person's receipt code: what happened to their response; withdraw it\n"
    "\n"
    "Every command but migrate takes --data DIR (default: $FIELDSYNC_DATA); the\n"
    "store is DIR/hub.db, created on first use; DIR must not be listable by\n"
    "others and hub.db must be readable by its owner only\n"
    "(FIELDSYNC_ALLOW_OPEN_PERMISSIONS=1 overrides that, with a warning). Or\n"
    "--db URI (default: $FIELDSYNC_DB): the store is that PostgreSQL database,\n"
    "postgresql://USER@HOST:PORT/DB, and no data directory is used (docs/hub.md).\n"
    "'fieldsync-hub COMMAND --help' for details.\n"
    "Exit status: 0 success, 1 failure (one line on stderr), 2 bad arguments.\n";

static const struct {
	const char *name;
	int (*run)(int argc, char **argv);
} commands[] = {
    {"serve", hub_cmd_serve},   {"enroll", hub_cmd_enroll},   {"devices", hub_cmd_devices},
    {"revoke", hub_cmd_revoke}, {"publish", hub_cmd_publish}, {"export", hub_cmd_export},
    {"offer", hub_cmd_offer}, {"retire", hub_cmd_retire}, {"questionnaires", hub_cmd_questionnaires},
    {"migrate", hub_cmd_migrate}, {"digest", hub_cmd_digest},   {"audit", hub_cmd_audit},
    {"backup", hub_cmd_backup},   {"restore", hub_cmd_restore},
    {"erase", hub_cmd_erase},     {"erasures", hub_cmd_erasures},
    {"seal-key", hub_cmd_seal_key},
    {"subject", hub_cmd_subject},
    {"retention", hub_cmd_retention}, {"purge", hub_cmd_purge},
    {"offer", hub_cmd_offer}, {"retire", hub_cmd_retire}, {"questionnaires", hub_cmd_questionnaires},
    {"conflicts", hub_cmd_conflicts}, {"resolve", hub_cmd_resolve},
    {"results", hub_cmd_results},
    {"user", hub_cmd_user},
    {"worker", hub_cmd_worker},
    {"rename", hub_cmd_rename}, {"move", hub_cmd_move},
    {"receipt", hub_cmd_receipt},
};

int main(int argc, char **argv)
{
	size_t i;

	if (argc < 2) {
		fputs(usage, stderr);
		return HUB_EXIT_USAGE;
	}
	if (strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "--help") == 0 ||
	    strcmp(argv[1], "help") == 0) {
		fputs(usage, stdout);
		return HUB_EXIT_OK;
	}
	if (strcmp(argv[1], "--version") == 0) {
		printf("fieldsync-hub %s\n", FIELDSYNC_VERSION);
		return HUB_EXIT_OK;
	}
	if (fs_store_permissions_overridden())
		fprintf(stderr, HUB_PROG ": warning: FIELDSYNC_ALLOW_OPEN_PERMISSIONS=1: stores "
		                "and data directories others may read are accepted\n");
	for (i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		if (strcmp(argv[1], commands[i].name) == 0)
			return commands[i].run(argc - 1, argv + 1);
	fprintf(stderr, HUB_PROG ": unknown command \"%s\" (see '" HUB_PROG " --help')\n", argv[1]);
	return HUB_EXIT_USAGE;
}
