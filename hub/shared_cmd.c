/* fieldsync-hub share | release: marking a questionnaire's results as
 * shared with the kiosks of each region, and releasing them (shared.h
 * holds the one path serve and the console share). */
#include <jansson.h>
#include <stdio.h>
#include <string.h>

#include "audit.h"
#include "cli.h"
#include "commands.h"
#include "results.h"
#include "shared.h"

static const char share_usage[] =
    "usage: fieldsync-hub share [--data DIR | --db URI] QUESTIONNAIRE [--k N] [--off]\n"
    "       fieldsync-hub share [--data DIR | --db URI] --list [--json]\n"
    "\n"
    "Share a questionnaire's results with the kiosks of each region: counts per\n"
    "option and means, computed at the hub per region, sent down only as\n"
    "aggregates. No figure comes from fewer than k responses; counts are\n"
    "suppressed below k (with one more where a hidden one could be worked out\n"
    "from the total) and rounded to a multiple of 5; means only from at least k\n"
    "answers; free text is never shared. A region's figures are replaced only\n"
    "once k more responses arrived (docs/reciprocity.md \"Shared results\").\n"
    "Nothing reaches a kiosk before the next release ('fieldsync-hub release\n"
    "--now', or serve's hourly run). --off stops sharing: the kiosks drop the\n"
    "figures at their next sync. Audited (share, unshare).\n"
    "\n"
    "  --data DIR        data directory (default: $FIELDSYNC_DATA)\n"
    "  --db URI          PostgreSQL store, postgresql://USER@HOST/DB (default:\n"
    "                    $FIELDSYNC_DB); the data directory is then not used\n"
    "  --k N             the smallest number of responses a figure may come\n"
    "                    from: 5 to 100 (default 10)\n"
    "  --off             stop sharing it\n"
    "  --list            list the shared questionnaires and their k\n"
    "  --json            with --list: a JSON object {ID: k}\n"
    "  -h, --help        show this help\n";

static const char release_usage[] =
    "usage: fieldsync-hub release [--data DIR | --db URI] [--now] [--json]\n"
    "\n"
    "Release the shared results: for every shared questionnaire and every\n"
    "region with kiosks, compute the figures and, where due (at least k\n"
    "responses, and at least k new ones since the region's last release), write\n"
    "them for the region's kiosks, which receive them at their next sync.\n"
    "Without --now, only show what is due; nothing is written. serve does this\n"
    "every hour. Each release is audited (shared_release).\n"
    "\n"
    "  --data DIR        data directory (default: $FIELDSYNC_DATA)\n"
    "  --db URI          PostgreSQL store, postgresql://USER@HOST/DB (default:\n"
    "                    $FIELDSYNC_DB); the data directory is then not used\n"
    "  --now             release what is due now\n"
    "  --json            print the report as a JSON array\n"
    "  -h, --help        show this help\n";

int hub_cmd_share(int argc, char **argv)
{
	const char *id = NULL;
	unsigned kn = 0;
	int off = 0, list = 0, json = 0, n = 0, withdrawn = 0, rc;
	const hub_opt opts[] = {{.name = "k", .number = &kn, .min = HUB_SHARED_K_MIN,
	                         .max = HUB_RESULTS_K_MAX},
	                        {.name = "off", .flag = &off},
	                        {.name = "list", .flag = &list},
	                        {.name = "json", .flag = &json},
	                        {0}};
	char actor[HUB_AUDIT_ACTOR_MAX + 1];
	hub_where where;
	fs_store *s = NULL;
	fs_err e = {0, ""};
	long k;

	rc = hub_args_parse(argc, argv, "share", share_usage, opts, &where, &id, 1, &n);
	if (rc != 0)
		return rc < 0 ? HUB_EXIT_OK : rc;
	k = (long)kn;
	if (list && (id != NULL || off || kn != 0))
		return hub_usage_fail("share", "--list takes no questionnaire, --k or --off");
	if (!list && json)
		return hub_usage_fail("share", "--json goes with --list");
	if (!list && id == NULL)
		return hub_usage_fail("share", "name the questionnaire: share ID");
	if (id != NULL && !fs_name_is_valid(id))
		return hub_usage_fail("share", "questionnaire id must match [a-z0-9][a-z0-9-]{0,63}");
	if (kn != 0 && off)
		return hub_usage_fail("share", "--k and --off do not go together");
	if (hub_store_open(&s, &where, &e) != 0)
		return hub_fail("%s", e.msg);
	hub_audit_actor_cli(actor, sizeof(actor));
	if (list) {
		json_t *all = NULL, *v;
		const char *q;

		rc = hub_shared_list(s, &all, &e);
		fs_store_close(s);
		if (rc != 0)
			return hub_fail("%s", e.msg);
		if (json) {
			json_dumpf(all, stdout, JSON_SORT_KEYS);
			putchar('\n');
		} else {
			json_object_foreach (all, q, v)
				printf("%s\tk=%lld\n", q, (long long)json_integer_value(v));
		}
		json_decref(all);
		return hub_finish_output();
	}
	rc = off ? hub_shared_unset(s, actor, id, &withdrawn, &e)
	         : hub_shared_set(s, actor, id, k, &e);
	if (rc == 0 && !off)
		rc = hub_shared_k(s, id, &k, &e);
	fs_store_close(s);
	if (rc != 0)
		return hub_fail("%s", e.msg);
	if (off)
		printf("%s is no longer shared; %d region(s) withdrawn from their kiosks at their "
		       "next sync\n",
		       id, withdrawn);
	else
		printf("%s is shared with k=%ld; the next release sends the figures "
		       "('fieldsync-hub release --now')\n",
		       id, k);
	return hub_finish_output();
}

int hub_cmd_release(int argc, char **argv)
{
	int now = 0, json = 0, n = 0, rc;
	const hub_opt opts[] = {{.name = "now", .flag = &now}, {.name = "json", .flag = &json}, {0}};
	char actor[HUB_AUDIT_ACTOR_MAX + 1];
	const char *pos = NULL;
	json_t *report = NULL, *item;
	hub_where where;
	fs_store *s = NULL;
	fs_err e = {0, ""};
	size_t i;

	rc = hub_args_parse(argc, argv, "release", release_usage, opts, &where, &pos, 0, &n);
	if (rc != 0)
		return rc < 0 ? HUB_EXIT_OK : rc;
	if (hub_store_open(&s, &where, &e) != 0)
		return hub_fail("%s", e.msg);
	hub_audit_actor_cli(actor, sizeof(actor));
	rc = hub_shared_release(s, actor, now, &report, &e);
	fs_store_close(s);
	if (report == NULL)
		return hub_fail("%s", e.msg);
	if (json) {
		json_dumpf(report, stdout, 0);
		putchar('\n');
	}
	json_array_foreach (report, i, item) {
		const json_t *since = json_object_get(item, "since");
		const char *error = json_string_value(json_object_get(item, "error"));

		if (json)
			break;
		printf("%s\t%s\t%lld response(s)", json_string_value(json_object_get(item, "questionnaire")),
		       json_string_value(json_object_get(item, "region")),
		       (long long)json_integer_value(json_object_get(item, "responses")));
		if (json_is_integer(since))
			printf(", %lld at the last release", (long long)json_integer_value(since));
		printf("\t%s\n", error != NULL ? error
		                 : json_string_value(json_object_get(item, "reason")) != NULL
		                     ? json_string_value(json_object_get(item, "reason"))
		                     : "");
	}
	if (!json && json_array_size(report) == 0)
		printf("no questionnaire is shared ('fieldsync-hub share ID')\n");
	if (!json && !now)
		printf("(nothing written: --now releases what is due)\n");
	json_decref(report);
	if (rc != 0)
		return hub_fail("%s", e.msg);
	return hub_finish_output();
}
