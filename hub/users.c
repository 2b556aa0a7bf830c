/* fieldsync-hub user: the console's accounts from the command line (the
 * first admin, and whatever the console can do), through the calls the
 * console's Users page makes (console/accounts.h), audited with the Unix
 * user as actor. Passwords come from standard input (echo off on a
 * terminal, asked twice there), never from arguments. */
#include <jansson.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "audit.h"
#include "cli.h"
#include "commands.h"
#include "console/accounts.h"
#include "fieldsync/secret.h"

static const char usage[] =
    "usage: fieldsync-hub user add NAME --role ROLE [--region REGION]... [--data DIR | --db URI]\n"
    "       fieldsync-hub user change NAME --role ROLE [--region REGION]... [--all-regions]\n"
    "       fieldsync-hub user passwd NAME\n"
    "       fieldsync-hub user disable NAME | enable NAME | remove NAME\n"
    "       fieldsync-hub user token NAME [--revoke ID]\n"
    "       fieldsync-hub user list [--json]\n"
    "\n"
    "Accounts of the hub's web console (docs/console.md). ROLE is viewer\n"
    "(summaries, small numbers suppressed), analyst (results and exports) or\n"
    "admin (everything, users included). --region limits the account to\n"
    "that region's data (repeatable, at most 16); without it every region.\n"
    "NAME is 1 to 64 of a-z, 0-9, '.', '_', '-'.\n"
    "\n"
    "add and passwd read the password (12 to 256 bytes) from standard input:\n"
    "on a terminal it is asked twice, without echo. passwd, disable and\n"
    "remove end the account's console sessions at once. The last enabled\n"
    "admin cannot be removed, disabled or made another role.\n"
    "token creates a personal API token (fsu_...) for the account's tools,\n"
    "printed once and stored only as a hash; --revoke ID revokes one (list\n"
    "shows the ids). Every change is written to the audit trail.\n"
    "\n"
    "  --data DIR          data directory (default: $FIELDSYNC_DATA)\n"
    "  --db URI            PostgreSQL store (default: $FIELDSYNC_DB)\n"
    "  --role ROLE         viewer, analyst or admin\n"
    "  --region REGION     a region the account may see (repeatable)\n"
    "  --all-regions       change: every region\n"
    "  --revoke ID         token: revoke the token with this id\n"
    "  --json              list: JSON instead of a table\n"
    "  -h, --help          show this help\n";

typedef struct user_args {
	const char *data, *db, *verb, *name, *role, *revoke;
	hub_where where;
	json_t *regions; /* NULL: none given */
	int all_regions, json;
} user_args;

static int add_region(void *ctx, const char *cmd, const char *value)
{
	user_args *a = ctx;

	(void)cmd;
	if (a->regions == NULL)
		a->regions = json_array();
	if (a->regions == NULL || json_array_append_new(a->regions, json_string(value)))
		return hub_fail("out of memory");
	return 0;
}

/* 0, -1 after --help, or an exit status. */
static int parse(user_args *a, int argc, char **argv)
{
	/* --data and --db as plain options: the store is resolved after the
	 * verb is checked, so a missing verb is what a bare `user` says. */
	const hub_opt opts[] = {
	    {.name = "data", .value = &a->data},
	    {.name = "db", .value = &a->db},
	    {.name = "role", .value = &a->role},
	    {.name = "region", .each = add_region, .ctx = a},
	    {.name = "all-regions", .flag = &a->all_regions},
	    {.name = "revoke", .value = &a->revoke},
	    {.name = "json", .flag = &a->json},
	    {0},
	};
	const char *pos[2] = {NULL, NULL};
	int npos = 0, rc;

	rc = hub_args_parse(argc, argv, "user", usage, opts, NULL, pos, 2, &npos);
	if (rc != 0)
		return rc;
	a->verb = pos[0];
	a->name = pos[1];
	if (a->verb == NULL)
		return hub_usage_fail("user", "say what to do: add, change, passwd, disable, enable, "
		                              "remove, token or list");
	if (strcmp(a->verb, "list") != 0 && a->name == NULL)
		return hub_usage_fail("user", "user %s needs the account's NAME", a->verb);
	if (strcmp(a->verb, "list") == 0 && a->name != NULL)
		return hub_usage_fail("user", "unexpected argument %s", a->name);
	if ((a->role != NULL || a->regions != NULL) && strcmp(a->verb, "add") != 0 &&
	    strcmp(a->verb, "change") != 0)
		return hub_usage_fail("user", "--role and --region go with add and change");
	if ((strcmp(a->verb, "add") == 0 || strcmp(a->verb, "change") == 0) && a->role == NULL)
		return hub_usage_fail("user", "user %s needs --role viewer|analyst|admin", a->verb);
	if (a->all_regions && (strcmp(a->verb, "change") != 0 || a->regions != NULL))
		return hub_usage_fail("user", "--all-regions goes with change, without --region");
	if (a->revoke != NULL && strcmp(a->verb, "token") != 0)
		return hub_usage_fail("user", "--revoke goes with token");
	if (a->json && strcmp(a->verb, "list") != 0)
		return hub_usage_fail("user", "--json goes with list");
	return hub_where_resolve(&a->where, "user", a->data, a->db);
}

/* The new password (asked twice on a terminal): 0 or an exit status. */
static int read_password(char out[CONSOLE_PASSWORD_MAX + 2])
{
	fs_err e = {0, ""};

	if (fs_secret_read(out, CONSOLE_PASSWORD_MAX + 2, "password", 1, &e) != 0)
		return hub_fail("%s", e.msg);
	return 0;
}

static void print_list(const json_t *users, int as_json)
{
	const json_t *u, *t, *r;
	size_t i, j;

	if (as_json) {
		char *text = json_dumps(users, JSON_INDENT(2));

		if (text != NULL)
			printf("%s\n", text);
		free(text);
		return;
	}
	if (json_array_size(users) == 0) {
		printf("no console users (add the first admin: fieldsync-hub user add NAME "
		       "--role admin)\n");
		return;
	}
	printf("%-24s %-8s %-9s %-20s %s\n", "NAME", "ROLE", "STATE", "CREATED", "REGIONS / TOKENS");
	json_array_foreach(users, i, u) {
		printf("%-24s %-8s %-9s %-20s ", json_string_value(json_object_get(u, "name")),
		       json_string_value(json_object_get(u, "role")),
		       json_is_true(json_object_get(u, "disabled")) ? "disabled" : "enabled",
		       json_string_value(json_object_get(u, "created")));
		if (json_array_size(json_object_get(u, "regions")) == 0)
			printf("all regions");
		json_array_foreach(json_object_get(u, "regions"), j, r)
			printf("%s%s", j ? "," : "", json_string_value(r));
		json_array_foreach(json_object_get(u, "tokens"), j, t)
			printf("%stoken %s", j ? ", " : "; ", json_string_value(json_object_get(t, "id")));
		printf("\n");
	}
}

int hub_cmd_user(int argc, char **argv)
{
	user_args a;
	char actor[HUB_AUDIT_ACTOR_MAX + 1], password[CONSOLE_PASSWORD_MAX + 2] = "";
	char token[CONSOLE_TOKEN_LEN + 1], id[FS_ACCOUNT_TOKEN_ID_MAX + 1];
	console_role role = CONSOLE_VIEWER;
	json_t *users = NULL;
	fs_store *s = NULL;
	fs_err e = {0, ""};
	int rc, status = HUB_EXIT_FAIL;

	memset(&a, 0, sizeof(a));
	rc = parse(&a, argc, argv);
	if (rc != 0) {
		json_decref(a.regions);
		return rc < 0 ? HUB_EXIT_OK : rc;
	}
	if (a.role != NULL && console_role_parse(&role, a.role) != 0) {
		json_decref(a.regions);
		return hub_usage_fail("user", "--role must be viewer, analyst or admin");
	}
	hub_audit_actor_cli(actor, sizeof(actor));
	if (strcmp(a.verb, "add") == 0 || strcmp(a.verb, "passwd") == 0) {
		if (read_password(password) != 0)
			goto cleanup;
	} else if (strcmp(a.verb, "change") != 0 && strcmp(a.verb, "disable") != 0 &&
	           strcmp(a.verb, "enable") != 0 && strcmp(a.verb, "remove") != 0 &&
	           strcmp(a.verb, "token") != 0 && strcmp(a.verb, "list") != 0) {
		status = hub_usage_fail("user", "unknown action %s", a.verb);
		goto cleanup;
	}
	if (hub_store_open(&s, &a.where, &e) != 0) {
		hub_fail("%s", e.msg);
		goto cleanup;
	}
	if (strcmp(a.verb, "add") == 0) {
		rc = console_account_add(s, actor, a.name, role, a.regions, password, &e);
		if (rc == 0)
			printf("console user %s added (%s, %s); they can log in to the console\n",
			       a.name, console_role_name(role),
			       a.regions != NULL ? "the regions given" : "every region");
	} else if (strcmp(a.verb, "change") == 0) {
		json_t *none = a.all_regions ? json_array() : NULL;

		rc = console_account_change(s, actor, a.name, role, none ? none : a.regions, &e);
		json_decref(none);
		if (rc == 0)
			printf("console user %s is now %s\n", a.name, console_role_name(role));
	} else if (strcmp(a.verb, "passwd") == 0) {
		rc = console_account_passwd(s, actor, a.name, password, &e);
		if (rc == 0)
			printf("console user %s: password changed; their sessions ended\n", a.name);
	} else if (strcmp(a.verb, "disable") == 0 || strcmp(a.verb, "enable") == 0) {
		rc = console_account_disable(s, actor, a.name, a.verb[0] == 'd', &e);
		if (rc == 0)
			printf("console user %s %sd\n", a.name, a.verb);
	} else if (strcmp(a.verb, "remove") == 0) {
		rc = console_account_remove(s, actor, a.name, &e);
		if (rc == 0)
			printf("console user %s removed\n", a.name);
	} else if (strcmp(a.verb, "token") == 0 && a.revoke != NULL) {
		rc = console_token_revoke(s, actor, a.name, a.revoke, &e);
		if (rc == 0)
			printf("API token %s of %s revoked\n", a.revoke, a.name);
	} else if (strcmp(a.verb, "token") == 0) {
		rc = console_token_create(s, actor, a.name, token, id, &e);
		if (rc == 0) {
			/* The token alone on stdout, for a script; how to use it on stderr. */
			printf("%s\n", token);
			fprintf(stderr,
			        HUB_PROG ": API token %s for %s (shown once; send it as "
			        "'Authorization: Bearer TOKEN')\n",
			        id, a.name);
		}
		sodium_memzero(token, sizeof(token));
	} else {
		rc = console_account_list(s, &users, &e);
		if (rc == 0)
			print_list(users, a.json);
	}
	if (rc != 0) {
		hub_fail("%s", e.msg);
		goto cleanup;
	}
	status = HUB_EXIT_OK;
cleanup:
	sodium_memzero(password, sizeof(password));
	json_decref(users);
	json_decref(a.regions);
	fs_store_close(s);
	return status;
}
