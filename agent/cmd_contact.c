/* `contact add|update|delete|show|list`: peer-support contacts of this
 * kiosk's region, JSON in and out. The field rules are core's
 * (fs_contact_put, docs/changeset.md). */
#include <getopt.h>
#include <jansson.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "commands.h"
#include "config.h"
#include "fieldsync/records.h"

static void usage(void)
{
	printf("usage: " AGENT_PROG " contact add FILE|-          --data DIR\n"
	       "       " AGENT_PROG " contact update ID FILE|-    --data DIR\n"
	       "       " AGENT_PROG " contact delete ID           --data DIR\n"
	       "       " AGENT_PROG " contact show ID             --data DIR\n"
	       "       " AGENT_PROG " contact list [--all] [--jsonl] --data DIR\n"
	       "\n"
	       "Peer-support contacts of this kiosk's region. FILE (- for stdin) holds a\n"
	       "JSON object of contact fields: add needs person_ref, contact_at, channel and\n"
	       "worker and prints the new id; update changes only the fields given (null\n"
	       "clears one). show prints one contact as JSON; list prints the region's\n"
	       "contacts as a JSON array by id (--all includes deleted ones, --jsonl prints\n"
	       "one compact object per line instead). Fields: person_ref, contact_at,\n"
	       "channel, duration_min, topics, support, signposted, follow_up_date,\n"
	       "follow_up_done, status, worker, notes (see docs/changeset.md). A person_ref\n"
	       "written (a new one, or a changed one) must follow agent.json's\n"
	       "person_ref_pattern (default: 1 to 16 letters or digits; docs/agent.md);\n"
	       "nothing is stored otherwise.\n");
}

static int need_args(const char *sub, int have, int want, const char *what)
{
	if (have < want)
		return agent_usage_error("contact", "%s needs %s", sub, what);
	if (have > want)
		return agent_usage_error("contact", "%s: too many arguments", sub);
	return 0;
}

static int put(agent_kiosk *k, const char *id, const char *file)
{
	char out[FS_UUID_LEN + 1];
	json_t *fields = NULL;
	fs_err e = {0, ""};
	int exit = AGENT_EXIT_OK;

	if (agent_json_read(&fields, file, "contact fields", &e) != 0)
		return agent_fail_err("contact", &e);
	if (!json_is_object(fields))
		exit = agent_fail(AGENT_EXIT_LOCAL, "contact: the input must be a JSON object of "
		                                    "fields");
	else if (fs_contact_put(k->store, out, id, NULL, fields, &e) != 0)
		exit = agent_fail(AGENT_EXIT_LOCAL, "contact: not stored: %s", e.msg);
	else
		printf("%s\n", out);
	json_decref(fields);
	return exit;
}

static int show(agent_kiosk *k, const char *id)
{
	json_t *c = NULL;
	fs_err e = {0, ""};
	int exit = AGENT_EXIT_OK;

	if (fs_contact_get(k->store, &c, id, &e) != 0)
		return agent_fail_err("contact", &e);
	if (agent_json_print(c, 1) != 0)
		exit = agent_fail(AGENT_EXIT_LOCAL, "contact: cannot print");
	json_decref(c);
	return exit;
}

static int list(agent_kiosk *k, int all, int jsonl)
{
	json_t *arr = NULL;
	fs_err e = {0, ""};
	int exit = AGENT_EXIT_OK;
	size_t i;

	if (fs_contact_list(k->store, &arr, fs_store_region(k->store), all, &e) != 0)
		return agent_fail_err("contact", &e);
	if (!jsonl) {
		if (agent_json_print(arr, 1) != 0)
			exit = agent_fail(AGENT_EXIT_LOCAL, "contact: cannot print");
	} else {
		for (i = 0; i < json_array_size(arr) && exit == AGENT_EXIT_OK; i++)
			if (agent_json_print(json_array_get(arr, i), 0) != 0)
				exit = agent_fail(AGENT_EXIT_LOCAL, "contact: cannot print");
	}
	json_decref(arr);
	return exit;
}

int agent_cmd_contact(int argc, char **argv, const char *data)
{
	static const struct option longopts[] = {{"data", required_argument, NULL, 'd'},
	                                         {"all", no_argument, NULL, 'a'},
	                                         {"jsonl", no_argument, NULL, 'l'},
	                                         {"help", no_argument, NULL, 'h'},
	                                         {NULL, 0, NULL, 0}};
	agent_kiosk k;
	fs_err e = {0, ""};
	const char *sub;
	char **args;
	int ch, nargs, all = 0, jsonl = 0, exit;

	optind = 0;
	opterr = 0;
	while ((ch = getopt_long(argc, argv, ":h", longopts, NULL)) != -1) {
		switch (ch) {
		case 'd':
			data = optarg;
			break;
		case 'a':
			all = 1;
			break;
		case 'l':
			jsonl = 1;
			break;
		case 'h':
			usage();
			return AGENT_EXIT_OK;
		default:
			return agent_bad_option("contact", ch, optopt, argv, optind);
		}
	}
	if (optind >= argc)
		return agent_usage_error("contact", "add, update, delete, show or list?");
	sub = argv[optind];
	args = argv + optind + 1;
	nargs = argc - optind - 1;
	if (strcmp(sub, "add") == 0)
		exit = need_args(sub, nargs, 1, "FILE or -");
	else if (strcmp(sub, "update") == 0)
		exit = need_args(sub, nargs, 2, "ID and FILE or -");
	else if (strcmp(sub, "delete") == 0 || strcmp(sub, "show") == 0)
		exit = need_args(sub, nargs, 1, "an ID");
	else if (strcmp(sub, "list") == 0)
		exit = need_args(sub, nargs, 0, "nothing");
	else
		return agent_usage_error("contact", "unknown subcommand %s", sub);
	if (exit != AGENT_EXIT_OK)
		return exit;
	if ((all || jsonl) && strcmp(sub, "list") != 0)
		return agent_usage_error("contact", "--all and --jsonl go with list");
	if (agent_kiosk_open(&k, data, &e) != 0)
		return agent_fail_err("contact", &e);
	if (strcmp(sub, "add") == 0) {
		exit = put(&k, NULL, args[0]);
	} else if (strcmp(sub, "update") == 0) {
		exit = put(&k, args[0], args[1]);
	} else if (strcmp(sub, "delete") == 0) {
		if (fs_contact_delete(k.store, args[0], &e) != 0)
			exit = agent_fail_err("contact", &e);
	} else if (strcmp(sub, "show") == 0) {
		exit = show(&k, args[0]);
	} else {
		exit = list(&k, all, jsonl);
	}
	agent_kiosk_close(&k);
	return exit;
}
