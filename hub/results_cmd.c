/* fieldsync-hub results: the results of one questionnaire (results.h) for
 * a person (text) or a tool (--json), and the setting of the small-number
 * threshold k (--set-k, audited). */
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

typedef struct results_args {
	const char *regions[HUB_RESULTS_REGIONS_MAX];
	size_t nregions;
} results_args;

static int take_region(void *ctx, const char *cmd, const char *value)
{
	results_args *r = ctx;

	if (r->nregions == HUB_RESULTS_REGIONS_MAX)
		return hub_usage_fail(cmd, "--region: at most %d", HUB_RESULTS_REGIONS_MAX);
	r->regions[r->nregions++] = value;
	return 0;
}

/* A count option's text into *out (0 when not given); 0 or an exit status. */
static int count_arg(long *out, const char *text, const char *name, unsigned min, unsigned max)
{
	unsigned n;

	if (text == NULL)
		return 0;
	if (hub_uint_parse(&n, text, min, max) != 0)
		return hub_usage_fail("results", "--%s must be a whole number from %u to %u", name,
		                      min, max);
	*out = (long)n;
	return 0;
}

int hub_cmd_results(int argc, char **argv)
{
	const char *offset = NULL, *limit = NULL, *set_k = NULL;
	int suppress = 0, no_text = 0, as_json = 0, rc;
	results_args r = {{NULL}, 0};
	hub_results_filter f;
	hub_results_opts o;
	char actor[HUB_AUDIT_ACTOR_MAX + 1];
	hub_where where;
	fs_store *s = NULL;
	json_t *res = NULL;
	fs_err e = {0, ""};
	long k_new = 0, was;

	memset(&f, 0, sizeof(f));
	memset(&o, 0, sizeof(o));
	{
		const hub_opt opts[] = {
		    {.name = "questionnaire", .value = &f.questionnaire},
		    {.name = "region", .each = take_region, .ctx = &r},
		    {.name = "site", .value = &f.site},
		    {.name = "from", .value = &f.from},
		    {.name = "to", .value = &f.to},
		    {.name = "language", .value = &f.language},
		    {.name = "mode", .value = &f.mode},
		    {.name = "tz", .value = &o.tz},
		    {.name = "labels", .value = &o.language},
		    {.name = "suppress", .flag = &suppress},
		    {.name = "no-text", .flag = &no_text},
		    {.name = "text-question", .value = &o.text_question},
		    {.name = "text-offset", .value = &offset},
		    {.name = "text-limit", .value = &limit},
		    {.name = "json", .flag = &as_json},
		    {.name = "set-k", .value = &set_k},
		    {0},
		};

		rc = hub_args_parse(argc, argv, "results", usage, opts, &where, NULL, 0, NULL);
	}
	if (rc != 0)
		return rc < 0 ? HUB_EXIT_OK : rc;
	if ((rc = count_arg(&o.text_offset, offset, "text-offset", 0, HUB_RESULTS_TEXT_MAX)) != 0 ||
	    (rc = count_arg(&o.text_limit, limit, "text-limit", 0, HUB_RESULTS_TEXT_MAX)) != 0 ||
	    (rc = count_arg(&k_new, set_k, "set-k", HUB_RESULTS_K_MIN, HUB_RESULTS_K_MAX)) != 0)
		return rc;
	f.regions = r.regions;
	f.nregions = r.nregions;
	o.suppress = suppress;
	o.text = !no_text;
	if (set_k != NULL && f.questionnaire != NULL)
		return hub_usage_fail("results", "--set-k takes no --questionnaire: it sets k only");
	if (set_k == NULL && f.questionnaire == NULL)
		return hub_usage_fail("results", "say which questionnaire: --questionnaire ID");
	if (hub_store_open(&s, &where, &e) != 0)
		return hub_fail("%s", e.msg);
	hub_audit_actor_cli(actor, sizeof(actor));
	if (set_k != NULL) {
		rc = hub_results_k_get(s, &was, &e);
		if (rc == 0)
			rc = hub_results_k_set(s, k_new, actor, &e);
		if (rc == 0)
			printf("k is %ld (was %ld)\n", k_new, was);
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
