/* fieldsync-hub receipt: a person's receipt status, and a withdrawal, for
 * an admin helping someone by phone (docs/hub.md, docs/reciprocity.md
 * "Your receipt"). The code is read, hashed and forgotten; only the hash
 * is looked up, and neither is printed, logged or audited. */
#include <sodium.h>
#include <stdio.h>
#include <string.h>

#include "audit.h"
#include "cli.h"
#include "commands.h"
#include "receipts.h"

static const char receipt_usage[] =
    "usage: fieldsync-hub receipt [--data DIR | --db URI] [--withdraw] [CODE]\n"
    "\n"
    "Show what happened to the response of a person's receipt code (received,\n"
    "withdrawn, pending: withdrawn before its response arrived, or unknown),\n"
    "with its questionnaire and day; with --withdraw, withdraw it: the response\n"
    "is erased here and on every kiosk (erasure kind withdrawn), or as soon as\n"
    "it arrives. Without CODE the code is read from standard input, which keeps\n"
    "it out of the shell's history. Case, dashes and spaces do not matter; O is\n"
    "read as 0, I and L as 1. A lost code cannot be found again: there is no\n"
    "way from a response to its code. The withdrawal is audited (receipt_withdraw,\n"
    "without the code); a lookup is not recorded.\n"
    "\n"
    "  --withdraw          withdraw the response (asks nothing more: confirm with\n"
    "                      the person first)\n"
    "  --data DIR          data directory (default: $FIELDSYNC_DATA)\n"
    "  --db URI            PostgreSQL store, postgresql://USER@HOST/DB (default:\n"
    "                      $FIELDSYNC_DB); the data directory is then not used\n"
    "  -h, --help          show this help\n";

/* The status in a line for the admin. */
static void print_status(const json_t *st)
{
	const json_t *q = json_object_get(st, "questionnaire");
	const char *title = json_string_value(json_object_get(json_object_get(q, "title"), "en"));

	printf("%s", json_string_value(json_object_get(st, "status")));
	if (q != NULL)
		printf(": questionnaire %s%s%s%s, submitted %s",
		       json_string_value(json_object_get(q, "id")), title ? " (" : "",
		       title ? title : "", title ? ")" : "",
		       json_string_value(json_object_get(st, "received_on")));
	printf("\n");
}

int hub_cmd_receipt(int argc, char **argv)
{
	char typed[FS_RECEIPT_INPUT_MAX + 2] = "", data[FS_RECEIPT_DATA_LEN + 1];
	char hash[FS_RECEIPT_HASH_HEX + 1], actor[HUB_AUDIT_ACTOR_MAX + 1];
	const char *pos[1] = {NULL};
	hub_where where;
	int withdraw = 0, npos = 0, rc, exit = HUB_EXIT_OK;
	const hub_opt opts[] = {{.name = "withdraw", .flag = &withdraw}, {0}};
	fs_receipt_status after;
	fs_store *s = NULL;
	json_t *st = NULL;
	fs_err e = {0, ""};

	memset(&where, 0, sizeof(where));
	rc = hub_args_parse(argc, argv, "receipt", receipt_usage, opts, &where, pos, 1, &npos);
	if (rc != 0)
		return rc < 0 ? HUB_EXIT_OK : rc;
	if (npos == 1)
		snprintf(typed, sizeof(typed), "%s", pos[0]);
	else if (fgets(typed, sizeof(typed), stdin) == NULL)
		return hub_usage_fail("receipt", "give the code, or type it on standard input");
	typed[strcspn(typed, "\r\n")] = '\0';
	rc = fs_receipt_parse(typed, data, &e);
	if (rc == 0)
		rc = fs_receipt_hash(data, hash, &e);
	sodium_memzero(typed, sizeof(typed));
	sodium_memzero(data, sizeof(data));
	if (rc != 0)
		return hub_usage_fail("receipt", "%s", e.msg);
	if (hub_store_open(&s, &where, &e) != 0)
		return hub_fail("%s", e.msg);
	if (withdraw) {
		hub_audit_actor_cli(actor, sizeof(actor));
		rc = hub_receipt_withdraw(s, actor, hash, &after, &e);
	}
	if (rc == 0)
		rc = hub_receipt_status_json(s, hash, NULL, &st, &e);
	fs_store_close(s);
	sodium_memzero(hash, sizeof(hash));
	if (rc != 0) {
		exit = hub_fail("receipt: %s", e.msg);
	} else {
		if (withdraw)
			printf("withdrawn: %s\n", after == FS_RECEIPT_PENDING
			                             ? "its response has not reached the hub; it is "
			                               "erased when it arrives"
			                             : "the response is erased here and goes from every "
			                               "kiosk at its next sync");
		print_status(st);
		exit = hub_finish_output();
	}
	json_decref(st);
	return exit;
}
