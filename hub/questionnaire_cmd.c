/* fieldsync-hub offer | retire | questionnaires: which regions' kiosks
 * offer a questionnaire, retiring one, and the list (questionnaires.h
 * holds the one path the console shares). */
#include <jansson.h>
#include <stdio.h>
#include <string.h>

#include "audit.h"
#include "cli.h"
#include "commands.h"
#include "questionnaires.h"

static const char offer_usage[] =
    "usage: fieldsync-hub offer [--data DIR | --db URI] ID (--region NAME | --all)\n"
    "                           [--withdraw]\n"
    "\n"
    "Choose which regions' kiosks list questionnaire ID (every version; a kiosk\n"
    "shows the highest) on their welcome screen; each kiosk learns it at its\n"
    "next sync. A questionnaire no offer was ever made for is offered everywhere.\n"
    "The first offer to one region narrows that to the regions offered; the first\n"
    "withdrawal from one region makes it everywhere but there. Withdrawing never\n"
    "refuses a response: a person half way through still submits it\n"
    "(docs/hub.md). Audited (offer, withdraw).\n"
    "\n"
    "  --data DIR        data directory (default: $FIELDSYNC_DATA)\n"
    "  --db URI          PostgreSQL store, postgresql://USER@HOST/DB (default:\n"
    "                    $FIELDSYNC_DB); the data directory is then not used\n"
    "  --region NAME     the region, [a-z0-9][a-z0-9-]{0,63}\n"
    "  --all             every region (also those that had an offer of their own)\n"
    "  --withdraw        withdraw instead of offering\n"
    "  -h, --help        show this help\n";

static const char retire_usage[] =
    "usage: fieldsync-hub retire [--data DIR | --db URI] ID [--undo]\n"
    "\n"
    "Retire questionnaire ID, every version of it: no kiosk lists it any more\n"
    "(at its next sync). Its documents stay at the hub and the kiosks, so\n"
    "responses already made or begun are still stored and merged, and results\n"
    "and exports keep its questions. --undo brings it back with its offers as\n"
    "they were. Audited (retire, unretire).\n"
    "\n"
    "  --data DIR        data directory (default: $FIELDSYNC_DATA)\n"
    "  --db URI          PostgreSQL store, postgresql://USER@HOST/DB (default:\n"
    "                    $FIELDSYNC_DB); the data directory is then not used\n"
    "  --undo            bring a retired questionnaire back\n"
    "  -h, --help        show this help\n";

static const char list_usage[] =
    "usage: fieldsync-hub questionnaires [--data DIR | --db URI] [--json]\n"
    "\n"
    "List the published questionnaires: id, versions, the latest version's\n"
    "languages, where it is offered, whether retired, and the responses held.\n"
    "\n"
    "  --data DIR        data directory (default: $FIELDSYNC_DATA)\n"
    "  --db URI          PostgreSQL store, postgresql://USER@HOST/DB (default:\n"
    "                    $FIELDSYNC_DB); the data directory is then not used\n"
    "  --json            print a JSON array instead of a table\n"
    "  -h, --help        show this help\n";

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

static int id_arg(const char *cmd, const char *id)
{
	if (id == NULL)
		return hub_usage_fail(cmd, "name the questionnaire: %s ID", cmd);
	if (!fs_name_is_valid(id))
		return hub_usage_fail(cmd, "questionnaire id must match [a-z0-9][a-z0-9-]{0,63}");
	return 0;
}

int hub_cmd_offer(int argc, char **argv)
{
	const char *region = NULL, *id = NULL;
	int all = 0, withdraw = 0, n = 0, changed = 0, rc;
	const hub_opt opts[] = {{.name = "region", .value = &region},
	                        {.name = "all", .flag = &all},
	                        {.name = "withdraw", .flag = &withdraw},
	                        {0}};
	char actor[HUB_AUDIT_ACTOR_MAX + 1];
	hub_where where;
	fs_store *s = NULL;
	fs_err e = {0, ""};

	rc = hub_args_parse(argc, argv, "offer", offer_usage, opts, &where, &id, 1, &n);
	if (rc != 0)
		return rc < 0 ? HUB_EXIT_OK : rc;
	if ((rc = id_arg("offer", id)) != 0)
		return rc;
	if ((region == NULL) == !all)
		return hub_usage_fail("offer", "give one of --region NAME or --all");
	if (region != NULL && !fs_name_is_valid(region))
		return hub_usage_fail("offer", "region must match [a-z0-9][a-z0-9-]{0,63}");
	if (open_store(&s, &where) != 0)
		return HUB_EXIT_FAIL;
	hub_audit_actor_cli(actor, sizeof(actor));
	rc = hub_questionnaire_offer(s, actor, id, region, !withdraw, &changed, &e);
	fs_store_close(s);
	if (rc != 0)
		return hub_fail("%s", e.msg);
	printf("%s%s %s %s%s\n", changed ? "" : "already ", withdraw ? "withdrawn" : "offered", id,
	       region != NULL ? "in region " : "everywhere", region != NULL ? region : "");
	return finish_output();
}

int hub_cmd_retire(int argc, char **argv)
{
	const char *id = NULL;
	int undo = 0, n = 0, changed = 0, rc;
	const hub_opt opts[] = {{.name = "undo", .flag = &undo}, {0}};
	char actor[HUB_AUDIT_ACTOR_MAX + 1];
	hub_where where;
	fs_store *s = NULL;
	fs_err e = {0, ""};

	rc = hub_args_parse(argc, argv, "retire", retire_usage, opts, &where, &id, 1, &n);
	if (rc != 0)
		return rc < 0 ? HUB_EXIT_OK : rc;
	if ((rc = id_arg("retire", id)) != 0)
		return rc;
	if (open_store(&s, &where) != 0)
		return HUB_EXIT_FAIL;
	hub_audit_actor_cli(actor, sizeof(actor));
	rc = hub_questionnaire_retire(s, actor, id, !undo, &changed, &e);
	fs_store_close(s);
	if (rc != 0)
		return hub_fail("%s", e.msg);
	printf("%s%s %s\n", changed ? "" : "already ", undo ? "brought back" : "retired", id);
	return finish_output();
}

static void print_table(const json_t *list)
{
	static const char *const heads[] = {"ID",      "VERSIONS", "LANGUAGES",
	                                    "OFFERED", "RETIRED",  "RESPONSES"};
	char cells[6][256];
	int width[6], pass, i;
	size_t k, j;
	json_t *q, *v;

	for (i = 0; i < 6; i++)
		width[i] = (int)strlen(heads[i]);
	/* Pass 0 measures, pass 1 prints. */
	for (pass = 0; pass < 2; pass++) {
		if (pass == 1) {
			for (i = 0; i < 5; i++)
				printf("%-*s  ", width[i], heads[i]);
			printf("%s\n", heads[5]);
		}
		json_array_foreach (list, k, q) {
			snprintf(cells[0], sizeof(cells[0]), "%s",
			         json_string_value(json_object_get(q, "id")));
			cells[1][0] = cells[2][0] = '\0';
			json_array_foreach (json_object_get(q, "versions"), j, v) {
				size_t used = strlen(cells[1]);

				snprintf(cells[1] + used, sizeof(cells[1]) - used, "%s%lld",
				         j > 0 ? "," : "",
				         (long long)json_integer_value(json_object_get(v, "version")));
			}
			json_array_foreach (json_object_get(q, "languages"), j, v) {
				size_t used = strlen(cells[2]);

				snprintf(cells[2] + used, sizeof(cells[2]) - used, "%s%s",
				         j > 0 ? "," : "", json_string_value(v));
			}
			hub_questionnaire_offer_text(q, cells[3], sizeof(cells[3]));
			snprintf(cells[4], sizeof(cells[4]), "%s",
			         json_is_true(json_object_get(q, "retired")) ? "yes" : "no");
			snprintf(cells[5], sizeof(cells[5]), "%lld",
			         (long long)json_integer_value(json_object_get(q, "responses")));
			for (i = 0; i < 6; i++) {
				if (pass == 0 && (int)strlen(cells[i]) > width[i])
					width[i] = (int)strlen(cells[i]);
				if (pass == 1 && i < 5)
					printf("%-*s  ", width[i], cells[i]);
			}
			if (pass == 1)
				printf("%s\n", cells[5]);
		}
	}
}

int hub_cmd_questionnaires(int argc, char **argv)
{
	int json = 0, rc;
	const hub_opt opts[] = {{.name = "json", .flag = &json}, {0}};
	hub_where where;
	fs_store *s = NULL;
	json_t *list = NULL;
	fs_err e = {0, ""};

	rc = hub_args_parse(argc, argv, "questionnaires", list_usage, opts, &where, NULL, 0, NULL);
	if (rc != 0)
		return rc < 0 ? HUB_EXIT_OK : rc;
	if (open_store(&s, &where) != 0)
		return HUB_EXIT_FAIL;
	rc = hub_questionnaire_list(s, &list, &e);
	fs_store_close(s);
	if (rc != 0)
		return hub_fail("%s", e.msg);
	if (json) {
		json_dumpf(list, stdout, JSON_INDENT(2));
		fputc('\n', stdout);
	} else {
		print_table(list);
	}
	json_decref(list);
	return finish_output();
}
