/* `questionnaires`, `respond` and `responses`: what the kiosk can ask,
 * storing an answer to it, and reading back what is stored. Validation is
 * core's (fs_response_add); this builds the response body around the
 * answers. */
#include <getopt.h>
#include <jansson.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "commands.h"
#include "config.h"
#include "fieldsync/records.h"
#include "fieldsync/seal.h"

static void questionnaires_usage(void)
{
	printf("usage: " AGENT_PROG " questionnaires --data DIR [--json]\n"
	       "\n"
	       "The published questionnaires held on this kiosk (received from the hub by\n"
	       "sync): one line each with id, version and title, or a JSON array of\n"
	       "{\"id\", \"version\", \"title\"} with --json.\n");
}

static void respond_usage(void)
{
	printf("usage: " AGENT_PROG " respond --data DIR --questionnaire ID --answers FILE|-\n"
	       "             [--version N] [--language TAG] [--mode self|assisted --worker W]\n"
	       "\n"
	       "Validate answers against the questionnaire and store the response; prints\n"
	       "its id. Nothing is stored when validation fails (exit 1, the message names\n"
	       "the question and the rule).\n"
	       "\n"
	       "  --answers FILE|-   a JSON object of answers keyed by question id (- reads\n"
	       "                     stdin)\n"
	       "  --version N        the questionnaire version (default: the highest held)\n"
	       "  --language TAG     the language the questions were shown in, one of the\n"
	       "                     questionnaire's languages as it lists them (default: its\n"
	       "                     first)\n"
	       "  --mode MODE        self (default) or assisted; assisted needs --worker\n"
	       "  --worker W         the worker who assisted\n"
	       "\n"
	       "started_at and submitted_at are now, from the kiosk's hub-corrected clock.\n");
}

/* The title in English if there is one, else in the first language. */
static const char *title_text(const json_t *title)
{
	const char *key;
	json_t *v;

	if (json_is_string(json_object_get(title, "en")))
		return json_string_value(json_object_get(title, "en"));
	json_object_foreach ((json_t *)title, key, v) {
		if (json_is_string(v))
			return json_string_value(v);
	}
	return "";
}

int agent_cmd_questionnaires(int argc, char **argv, const char *data)
{
	agent_kiosk k;
	json_t *list = NULL;
	fs_err e = {0, ""};
	int as_json = 0, exit;
	size_t i;

	exit = agent_parse_simple(argc, argv, "questionnaires", questionnaires_usage, &data,
	                          &as_json);
	if (exit >= 0)
		return exit;
	exit = AGENT_EXIT_OK;
	if (agent_kiosk_open(&k, data, &e) != 0)
		return agent_fail_err("questionnaires", &e);
	if (fs_questionnaire_list(k.store, &list, &e) != 0) {
		exit = agent_fail_err("questionnaires", &e);
	} else if (as_json) {
		if (agent_json_print(list, 1) != 0)
			exit = agent_fail(AGENT_EXIT_LOCAL, "questionnaires: cannot print");
	} else {
		for (i = 0; i < json_array_size(list); i++) {
			json_t *q = json_array_get(list, i);

			printf("%s\t%lld\t%s\n", json_string_value(json_object_get(q, "id")),
			       (long long)json_integer_value(json_object_get(q, "version")),
			       title_text(json_object_get(q, "title")));
		}
	}
	json_decref(list);
	agent_kiosk_close(&k);
	return exit;
}

static void responses_usage(void)
{
	printf("usage: " AGENT_PROG " responses --data DIR [--questionnaire ID]\n"
	       "\n"
	       "The responses stored on this kiosk (deleted ones left out), by id, as JSON\n"
	       "Lines: one compact object per line with sorted keys, the body as stored\n"
	       "plus \"id\" and \"site\", \"worker\" only when assisted (the same lines as\n"
	       "`fieldsync-hub export responses --format jsonl`). A kiosk deletes its\n"
	       "responses once the hub has acknowledged them, so these are the ones not\n"
	       "yet sent; `status` counts them all.\n"

	       "On an enrolled kiosk the answers are sealed to the hub's key when saved:\n"
	       "they show as \"answers\": \"sealed\", and only the hub can read them.\n");
}

static int print_response(void *ctx, const json_t *response)
{
	json_t *shown = NULL;
	int rc;

	(void)ctx;
	/* This kiosk cannot open sealed answers: say so, not the ciphertext. */
	if (fs_seal_answers_text(json_object_get(response, "answers")) != NULL) {
		shown = json_copy((json_t *)response);
		if (shown == NULL || json_object_set_new(shown, "answers", json_string("sealed")) != 0) {
			json_decref(shown);
			return FS_ENOMEM;
		}
		response = shown;
	}
	rc = agent_json_print(response, 0) == 0 ? 0 : FS_EGENERIC;
	json_decref(shown);
	return rc;
}

int agent_cmd_responses(int argc, char **argv, const char *data)
{
	static const struct option longopts[] = {{"data", required_argument, NULL, 'd'},
	                                         {"questionnaire", required_argument, NULL, 'q'},
	                                         {"help", no_argument, NULL, 'h'},
	                                         {NULL, 0, NULL, 0}};
	const char *qid = NULL;
	agent_kiosk k;
	fs_err e = {0, ""};
	int ch, rc, exit = AGENT_EXIT_OK;

	optind = 0;
	opterr = 0;
	while ((ch = getopt_long(argc, argv, ":h", longopts, NULL)) != -1) {
		switch (ch) {
		case 'd':
			data = optarg;
			break;
		case 'q':
			qid = optarg;
			break;
		case 'h':
			responses_usage();
			return AGENT_EXIT_OK;
		default:
			return agent_bad_option("responses", ch, optopt, argv, optind);
		}
	}
	if (optind < argc)
		return agent_usage_error("responses", "unexpected argument %s", argv[optind]);
	if (agent_kiosk_open(&k, data, &e) != 0)
		return agent_fail_err("responses", &e);
	rc = fs_response_each(k.store, qid, NULL, print_response, NULL, &e);
	if (rc == FS_EGENERIC && e.code == 0)
		exit = agent_fail(AGENT_EXIT_LOCAL, "responses: cannot print");
	else if (rc != 0)
		exit = agent_fail_err("responses", &e);
	agent_kiosk_close(&k);
	return exit;
}

typedef struct respond_args {
	const char *questionnaire, *answers, *language, *mode, *worker;
	int64_t version;
} respond_args;

static int parse_respond(respond_args *a, const char **data, int argc, char **argv)
{
	static const struct option longopts[] = {{"data", required_argument, NULL, 'd'},
	                                         {"questionnaire", required_argument, NULL, 'q'},
	                                         {"version", required_argument, NULL, 'v'},
	                                         {"answers", required_argument, NULL, 'a'},
	                                         {"language", required_argument, NULL, 'l'},
	                                         {"mode", required_argument, NULL, 'm'},
	                                         {"worker", required_argument, NULL, 'w'},
	                                         {"help", no_argument, NULL, 'h'},
	                                         {NULL, 0, NULL, 0}};
	uint64_t v;
	int ch;

	memset(a, 0, sizeof(*a));
	a->mode = "self";
	optind = 0;
	opterr = 0;
	while ((ch = getopt_long(argc, argv, ":h", longopts, NULL)) != -1) {
		switch (ch) {
		case 'd':
			*data = optarg;
			break;
		case 'q':
			a->questionnaire = optarg;
			break;
		case 'a':
			a->answers = optarg;
			break;
		case 'l':
			a->language = optarg;
			break;
		case 'm':
			a->mode = optarg;
			break;
		case 'w':
			a->worker = optarg;
			break;
		case 'v':
			if (agent_parse_uint(&v, optarg, INT32_MAX) != 0 || v == 0)
				return agent_usage_error("respond",
				                         "--version must be a positive integer");
			a->version = (int64_t)v;
			break;
		case 'h':
			respond_usage();
			return -1;
		default:
			return agent_bad_option("respond", ch, optopt, argv, optind);
		}
	}
	if (optind < argc)
		return agent_usage_error("respond", "unexpected argument %s", argv[optind]);
	if (a->questionnaire == NULL || a->answers == NULL)
		return agent_usage_error("respond", "--questionnaire and --answers are required");
	if (strcmp(a->mode, "self") != 0 && strcmp(a->mode, "assisted") != 0)
		return agent_usage_error("respond", "--mode must be self or assisted");
	if (strcmp(a->mode, "assisted") == 0 && a->worker == NULL)
		return agent_usage_error("respond", "--mode assisted needs --worker");
	if (strcmp(a->mode, "self") == 0 && a->worker != NULL)
		return agent_usage_error("respond", "--worker goes with --mode assisted");
	return 0;
}

int agent_cmd_respond(int argc, char **argv, const char *data)
{
	respond_args a;
	agent_kiosk k;
	json_t *doc = NULL, *answers = NULL, *body = NULL;
	char id[FS_UUID_LEN + 1];
	fs_err e = {0, ""};
	uint64_t now;
	int rc, exit = AGENT_EXIT_OK;

	rc = parse_respond(&a, &data, argc, argv);
	if (rc != 0)
		return rc < 0 ? AGENT_EXIT_OK : rc;
	if (agent_kiosk_open(&k, data, &e) != 0)
		return agent_fail_err("respond", &e);
	rc = fs_questionnaire_get(k.store, &doc, a.questionnaire, a.version, &e);
	if (rc == FS_ENOTFOUND) {
		exit = agent_fail(AGENT_EXIT_LOCAL,
		                  "respond: questionnaire %s%s is not held here (run sync?)",
		                  a.questionnaire, a.version ? " at that version" : "");
		goto cleanup;
	}
	if (rc != 0 || agent_json_read(&answers, a.answers, "answers", &e) != 0) {
		exit = agent_fail_err("respond", &e);
		goto cleanup;
	}
	now = fs_store_now_ms(k.store);
	body = fs_response_body_new(doc, a.language, a.worker, now, now, answers);
	if (body == NULL) {
		exit = agent_fail(AGENT_EXIT_LOCAL, "respond: out of memory");
		goto cleanup;
	}
	if (fs_response_add(k.store, id, body, &e) != 0) {
		exit = agent_fail(AGENT_EXIT_LOCAL, "respond: not stored: %s", e.msg);
		goto cleanup;
	}
	printf("%s\n", id);
cleanup:
	json_decref(answers);
	json_decref(body);
	json_decref(doc);
	agent_kiosk_close(&k);
	return exit;
}
