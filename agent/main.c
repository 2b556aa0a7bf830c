/* fieldsync-agent: the kiosk program. Parses the command line and hands
 * over to one command; everything else lives in the modules named in
 * commands.h and in core/. */
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "client.h"
#include "cmd_worker.h"
#include "commands.h"
#include "fieldsync/store.h"

static const struct {
	const char *name;
	int (*run)(int argc, char **argv, const char *data);
} commands[] = {
    {"init", agent_cmd_init},
    {"sync", agent_cmd_sync},
    {"run", agent_cmd_run},
    {"status", agent_cmd_status},
    {"questionnaires", agent_cmd_questionnaires},
    {"respond", agent_cmd_respond},
    {"responses", agent_cmd_responses},
    {"contact", agent_cmd_contact},
    {"worker", agent_cmd_worker},
};

static void usage(FILE *f)
{
	fprintf(f, "usage: " AGENT_PROG " [--data DIR] COMMAND [OPTIONS]\n"
	           "\n"
	           "The fieldsync kiosk agent: keeps the kiosk's store in DIR and syncs it with\n"
	           "the hub. DIR defaults to $FIELDSYNC_DATA.\n"
	           "\n"
	           "commands:\n"
	           "  init --hub URL --code CODE [--name NAME] [--ca-file FILE]\n"
	           "                      enroll this kiosk with the hub (the only step that\n"
	           "                      needs the network)\n"
	           "  sync                push and pull until in sync with the hub\n"
	           "  run [--sync-interval SECONDS] [--ui-listen HOST:PORT | --no-ui]\n"
	           "                      the kiosk daemon: serves the kiosk's web UI, syncs\n"
	           "                      periodically and soon after new local data; keeps\n"
	           "                      working offline\n"
	           "  status [--json]     identity, hub, pending changes, last sync and error,\n"
	           "                      clock offset\n"
	           "  questionnaires [--json]\n"
	           "                      the published questionnaires held here\n"
	           "  respond --questionnaire ID --answers FILE|- [...]\n"
	           "                      validate and store a response; prints its id\n"
	           "  responses [--questionnaire ID]\n"
	           "                      the responses stored here, as JSON Lines\n"
	           "  contact add|update|delete|show|list\n"
	           "                      peer-support contacts, JSON in and out\n"
	           "  worker add|remove|list [NAME]\n"
	           "                      outreach workers who may use worker mode on the\n"
	           "                      kiosk's screen (PIN read from stdin)\n"
	           "\n"
	           "Every command takes --data DIR and --help.\n"
	           "\n"
	           "exit codes:\n"
	           "  0  done (sync: in sync with the hub)\n"
	           "  1  usage or local error\n"
	           "  3  hub unreachable (connection refused or cut, timeout, TLS failure)\n"
	           "  4  refused by the hub (any error reply other than credentials)\n"
	           "  5  credentials rejected by the hub (unknown token, device revoked)\n");
}

int main(int argc, char **argv)
{
	const char *data = NULL;
	fs_err err = {0, ""};
	int i = 1, rc;
	size_t k;

	while (i < argc && argv[i][0] == '-') {
		if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
			usage(stdout);
			return AGENT_EXIT_OK;
		} else if (strcmp(argv[i], "--version") == 0) {
			printf(AGENT_PROG " " AGENT_VERSION "\n");
			return AGENT_EXIT_OK;
		} else if (strcmp(argv[i], "--data") == 0 && i + 1 < argc) {
			data = argv[i + 1];
			i += 2;
		} else if (strncmp(argv[i], "--data=", 7) == 0) {
			data = argv[i] + 7;
			i++;
		} else if (strcmp(argv[i], "--data") == 0) {
			return agent_usage_error(NULL, "option --data needs a value");
		} else {
			return agent_usage_error(NULL, "unknown option %s", argv[i]);
		}
	}
	if (i >= argc)
		return agent_usage_error(NULL, "no command given");
	for (k = 0; k < sizeof(commands) / sizeof(commands[0]); k++) {
		if (strcmp(argv[i], commands[k].name) != 0)
			continue;
		if (agent_client_global_init(&err) != 0)
			return agent_fail_err("startup", &err);
		if (fs_store_permissions_overridden())
			fprintf(stderr, AGENT_PROG ": warning: FIELDSYNC_ALLOW_OPEN_PERMISSIONS=1: "
			                "stores and data directories others may read are "
			                "accepted\n");
		rc = commands[k].run(argc - i, argv + i, data);
		agent_client_global_cleanup();
		return rc;
	}
	return agent_usage_error(NULL, "unknown command %s", argv[i]);
}
