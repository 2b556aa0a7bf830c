/* fieldsync-hub results: the results of one questionnaire (results.h) for
 * a person (text) or a tool (--json), and the setting of the small-number
 * threshold k (--set-k, audited). */
#include <getopt.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "audit.h"
#include "cli.h"
#include "commands.h"
#include "results.h"

static const char usage[] =
    "usage: fieldsync-hub results [--data DIR | --db URI] --questionnaire ID\n"
    "                             [--region NAME ...] [--site SITE] [--from DATE]\n"
    "                             [--to DATE] [--language TAG] [--mode self|assisted]\n"
    "                             [--tz Europe/London|UTC] [--labels TAG] [--suppress]\n"
    "                             [--no-text] [--text-question Q] [--text-offset N]\n"
    "                             [--text-limit N] [--json]\n"
    "       fieldsync-hub results [--data DIR | --db URI] --set-k N\n"
    "\n"
    "The results of a questionnaire, every published version (a question is one\n"
    "id across versions): the responses, the responses per day, and per question\n"
    "the answers (options chosen, values with mean and median, months of dates,\n"
    "the newest free-text answers) and why it was not answered: skipped by its\n"
    "condition, left blank, or not in the response's version. Counts only are\n"
    "kept while the responses are read, so memory does not grow with them.\n"
    "Reading results is not an export and is not audited, except that listing\n"
    "free-text answers writes an audit entry results_text (filters, how many).\n"
    "\n"
    "  --data DIR            data directory (default: $FIELDSYNC_DATA)\n"
    "  --db URI              PostgreSQL store, postgresql://USER@HOST/DB (default:\n"
    "                        $FIELDSYNC_DB); the data directory is then not used\n"
    "  --questionnaire ID    the questionnaire\n"
    "  --region NAME         only responses made by kiosks of this region (repeat\n"
    "                        for several, at most 16)\n"
    "  --site SITE           only responses made by this kiosk\n"
    "  --from DATE           only responses submitted on or after DATE (YYYY-MM-DD,\n"
    "  --to DATE             in the time zone), or on or before DATE\n"
    "  --language TAG        only responses given in this language\n"
    "  --mode self|assisted  only responses of this mode\n"
    "  --tz ZONE             days in Europe/London (default; GMT or BST) or UTC\n"
    "  --labels TAG          question and option labels in this language where the\n"
    "                        questionnaire has it (default: its first language)\n"
    "  --suppress            what a viewer sees: a count from 1 to k-1 shows as\n"
    "                        \"fewer than k\" (null and \"suppressed\" in JSON), with\n"
    "                        a second count hidden where one could be worked out\n"
    "                        from the total, and no free text (docs/privacy.md)\n"
    "  --no-text             do not list free-text answers\n"
    "  --text-question Q     list the free-text answers of question Q only\n"
    "  --text-offset N       skip the N newest free-text answers of each question\n"
    "  --text-limit N        list at most N (default 20; offset + limit at most 200)\n"
    "  --json                one JSON object (docs/hub.md describes it)\n"
    "  --set-k N             set k, the smallest count shown in a suppressed view\n"
    "                        (2 to 100, default 5); audited as results_k\n"
    "  -h, --help            show this help\n";

enum {
	OPT_DATA = 'd',
	OPT_DB = 'b',
	OPT_Q = 'q',
	OPT_HELP = 'h',
	OPT_REGION = 256,
	OPT_SITE,
	OPT_FROM,
	OPT_TO,
	OPT_LANGUAGE,
	OPT_MODE,
	OPT_TZ,
	OPT_LABELS,
	OPT_SUPPRESS,
	OPT_NO_TEXT,
	OPT_TEXT_QUESTION,
	OPT_TEXT_OFFSET,
	OPT_TEXT_LIMIT,
	OPT_JSON,
	OPT_SET_K,
};

static const struct option longopts[] = {
    {"data", required_argument, NULL, OPT_DATA},
    {"db", required_argument, NULL, OPT_DB},
    {"questionnaire", required_argument, NULL, OPT_Q},
    {"region", required_argument, NULL, OPT_REGION},
    {"site", required_argument, NULL, OPT_SITE},
    {"from", required_argument, NULL, OPT_FROM},
    {"to", required_argument, NULL, OPT_TO},
    {"language", required_argument, NULL, OPT_LANGUAGE},
    {"mode", required_argument, NULL, OPT_MODE},
    {"tz", required_argument, NULL, OPT_TZ},
    {"labels", required_argument, NULL, OPT_LABELS},
    {"suppress", no_argument, NULL, OPT_SUPPRESS},
    {"no-text", no_argument, NULL, OPT_NO_TEXT},
    {"text-question", required_argument, NULL, OPT_TEXT_QUESTION},
    {"text-offset", required_argument, NULL, OPT_TEXT_OFFSET},
    {"text-limit", required_argument, NULL, OPT_TEXT_LIMIT},
    {"json", no_argument, NULL, OPT_JSON},
    {"set-k", required_argument, NULL, OPT_SET_K},
    {"help", no_argument, NULL, OPT_HELP},
    {NULL, 0, NULL, 0},
};

int hub_cmd_results(int argc, char **argv)
{
	const char *data = NULL, *db = NULL, *regions[HUB_RESULTS_REGIONS_MAX];
	hub_results_filter f;
	hub_results_opts o;
	char actor[HUB_AUDIT_ACTOR_MAX + 1];
	unsigned k_new = 0, n;
	int as_json = 0, set_k = 0, c, rc;
	hub_where where;
	fs_store *s = NULL;
	json_t *res = NULL;
	fs_err e = {0, ""};
	long was;

	memset(&f, 0, sizeof(f));
	memset(&o, 0, sizeof(o));
	o.text = 1;
	f.regions = regions;
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":h", longopts, NULL)) != -1) {
		switch (c) {
		case OPT_DATA:
			data = optarg;
			break;
		case OPT_DB:
			db = optarg;
			break;
		case OPT_Q:
			f.questionnaire = optarg;
			break;
		case OPT_REGION:
			if (f.nregions == HUB_RESULTS_REGIONS_MAX)
				return hub_usage_fail("results", "--region: at most %d",
				                      HUB_RESULTS_REGIONS_MAX);
			regions[f.nregions++] = optarg;
			break;
		case OPT_SITE:
			f.site = optarg;
			break;
		case OPT_FROM:
			f.from = optarg;
			break;
		case OPT_TO:
			f.to = optarg;
			break;
		case OPT_LANGUAGE:
			f.language = optarg;
			break;
		case OPT_MODE:
			f.mode = optarg;
			break;
		case OPT_TZ:
			o.tz = optarg;
			break;
		case OPT_LABELS:
			o.language = optarg;
			break;
		case OPT_SUPPRESS:
			o.suppress = 1;
			break;
		case OPT_NO_TEXT:
			o.text = 0;
			break;
		case OPT_TEXT_QUESTION:
			o.text_question = optarg;
			break;
		case OPT_TEXT_OFFSET:
		case OPT_TEXT_LIMIT:
			if (hub_uint_parse(&n, optarg, 0, HUB_RESULTS_TEXT_MAX) != 0)
				return hub_usage_fail("results", "%s must be a whole number from 0 to %d",
				                      argv[optind - 1], HUB_RESULTS_TEXT_MAX);
			if (c == OPT_TEXT_OFFSET)
				o.text_offset = (long)n;
			else
				o.text_limit = (long)n;
			break;
		case OPT_JSON:
			as_json = 1;
			break;
		case OPT_SET_K:
			if (hub_uint_parse(&k_new, optarg, HUB_RESULTS_K_MIN, HUB_RESULTS_K_MAX) != 0)
				return hub_usage_fail("results", "--set-k must be a whole number from %d to %d",
				                      HUB_RESULTS_K_MIN, HUB_RESULTS_K_MAX);
			set_k = 1;
			break;
		case OPT_HELP:
			fputs(usage, stdout);
			return HUB_EXIT_OK;
		case ':':
			return hub_usage_fail("results", "%s needs a value", argv[optind - 1]);
		default:
			return hub_usage_fail("results", "unknown option %s", argv[optind - 1]);
		}
	}
	if (optind < argc)
		return hub_usage_fail("results", "unexpected argument %s", argv[optind]);
	if (set_k && f.questionnaire != NULL)
		return hub_usage_fail("results", "--set-k takes no --questionnaire: it sets k only");
	if (!set_k && f.questionnaire == NULL)
		return hub_usage_fail("results", "say which questionnaire: --questionnaire ID");
	rc = hub_where_resolve(&where, "results", data, db);
	if (rc != 0)
		return rc;
	if (hub_store_open(&s, &where, &e) != 0)
		return hub_fail("%s", e.msg);
	hub_audit_actor_cli(actor, sizeof(actor));
	if (set_k) {
		rc = hub_results_k_get(s, &was, &e);
		if (rc == 0)
			rc = hub_results_k_set(s, (long)k_new, actor, &e);
		if (rc == 0)
			printf("k is %u (was %ld)\n", k_new, was);
		goto done;
	}
	rc = hub_results_k_get(s, &o.k, &e);
	if (rc == 0)
		rc = hub_results_compute(&res, s, &f, &o, &e);
	/* Audited before a free-text answer is shown. */
	if (rc == 0)
		rc = hub_results_audit_text(s, actor, res, &e);
	if (rc == 0 && as_json) {
		char *text = json_dumps(res, JSON_INDENT(2) | JSON_PRESERVE_ORDER);

		if (text == NULL)
			rc = fs_err_set(&e, FS_ENOMEM, "out of memory");
		else
			printf("%s\n", text);
		free(text);
	} else if (rc == 0) {
		hub_results_print(stdout, res);
	}
done:
	json_decref(res);
	fs_store_close(s);
	if (rc != 0)
		return hub_fail("results: %s", e.msg);
	if (fflush(stdout) != 0 || ferror(stdout))
		return hub_fail("results: cannot write the output");
	return HUB_EXIT_OK;
}
