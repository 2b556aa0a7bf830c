/* fieldsync-hub worker add|remove|list: the regions' outreach workers
 * (core's worker.h, docs/hub.md "Outreach workers"), and the audited
 * paths the console shares (worker.h). */
#include "worker.h"

#include <jansson.h>
#include <sodium.h>
#include <stdio.h>
#include <string.h>

#include "audit.h"
#include "cli.h"
#include "commands.h"
#include "fieldsync/secret.h"
#include "fieldsync/worker.h"

static const char worker_usage[] =
    "usage: fieldsync-hub worker add NAME --region REGION [--data DIR | --db URI]\n"
    "       fieldsync-hub worker remove NAME --region REGION [--data DIR | --db URI]\n"
    "       fieldsync-hub worker list [--region REGION] [--json] [--data DIR | --db URI]\n"
    "\n"
    "The outreach workers of a region, who may enter worker mode on every kiosk\n"
    "of that region. A worker added here reaches the region's kiosks at their next\n"
    "sync (never another region's); removed, the kiosks refuse the PIN after\n"
    "their next sync and end the worker's open session. 'add' on an existing NAME\n"
    "sets a new PIN (resets it). The PIN, 6 to 12 digits, is read from standard\n"
    "input (asked twice, without echo, on a terminal), never from the command\n"
    "line; only its Argon2id hash is stored and sent. NAME is 1 to 64 letters,\n"
    "digits, dots, dashes or underscores. Each add and remove is in the audit\n"
    "trail (worker_add, worker_pin_reset, worker_remove).\n"
    "\n"
    "  --region REGION   the region ([a-z0-9][a-z0-9-]{0,63}); list: only this one\n"
    "  --json            list: a JSON array of {region, name, updated_at}\n"
    "  --data DIR        data directory (default: $FIELDSYNC_DATA)\n"
    "  --db URI          PostgreSQL store, postgresql://USER@HOST/DB (default:\n"
    "                    $FIELDSYNC_DB); the data directory is then not used\n"
    "  -h, --help        show this help\n";

static int audit(fs_store *hub, const char *actor, const char *action, const char *region,
		 const char *name, fs_err *err)
{
	json_t *d = json_pack("{s:s, s:s}", "region", region, "name", name);
	int rc;

	if (d == NULL)
		return fs_err_set(err, FS_ENOMEM, "audit entry: out of memory");
	rc = hub_audit_add(hub, actor, action, d, err);
	json_decref(d);
	return rc;
}

int hub_worker_set(fs_store *hub, const char *actor, const char *region, const char *name,
		   const char *pin, int *existed, fs_err *err)
{
	char hash[FS_WORKER_HASH_MAX + 1];
	int live = 0, rc = fs_worker_pin_hash(hash, pin, err);

	if (existed != NULL)
		*existed = 0;
	if (rc == 0)
		rc = fs_worker_set(hub, region, name, hash, &live, err);
	sodium_memzero(hash, sizeof(hash));
	if (rc == 0)
		rc = audit(hub, actor, live ? "worker_pin_reset" : "worker_add", region, name, err);
	if (rc == 0 && existed != NULL)
		*existed = live;
	return rc;
}

int hub_worker_remove(fs_store *hub, const char *actor, const char *region, const char *name,
		      fs_err *err)
{
	int rc = fs_worker_remove(hub, region, name, err);

	if (rc == 0)
		rc = audit(hub, actor, "worker_remove", region, name, err);
	return rc;
}

static int list(fs_store *s, const char *region, int as_json)
{
	json_t *rows = NULL, *v;
	fs_err e = {0, ""};
	size_t i;

	if (fs_worker_list(s, &rows, region, 0, &e) != 0)
		return hub_fail("%s", e.msg);
	if (as_json) {
		json_array_foreach(rows, i, v)
			json_object_del(v, "removed");
		json_dumpf(rows, stdout, JSON_INDENT(2));
		fputc('\n', stdout);
	} else {
		printf("%-20s %-24s %s\n", "REGION", "NAME", "UPDATED");
		json_array_foreach(rows, i, v)
			printf("%-20s %-24s %s\n", json_string_value(json_object_get(v, "region")),
			       json_string_value(json_object_get(v, "name")),
			       json_string_value(json_object_get(v, "updated_at")));
	}
	json_decref(rows);
	if (fflush(stdout) != 0 || ferror(stdout))
		return hub_fail("cannot write the output");
	return HUB_EXIT_OK;
}

int hub_cmd_worker(int argc, char **argv)
{
	const char *region = NULL, *pos[2] = {NULL, NULL}, *verb, *name;
	char actor[HUB_AUDIT_ACTOR_MAX + 1], pin[64] = "";
	hub_where where;
	fs_store *s = NULL;
	fs_err e = {0, ""};
	int rc, as_json = 0, existed = 0;
	const hub_opt opts[] = {{.name = "region", .value = &region}, {.name = "json", .flag = &as_json},
				{0}};

	rc = hub_args_parse(argc, argv, "worker", worker_usage, opts, &where, pos, 2, NULL);
	if (rc != 0)
		return rc < 0 ? HUB_EXIT_OK : rc;
	verb = pos[0];
	name = pos[1];
	if (verb == NULL)
		return hub_usage_fail("worker", "add, remove or list?");
	if (strcmp(verb, "list") == 0) {
		if (name != NULL)
			return hub_usage_fail("worker", "list takes no NAME");
	} else if (strcmp(verb, "add") == 0 || strcmp(verb, "remove") == 0) {
		if (name == NULL || region == NULL)
			return hub_usage_fail("worker", "%s needs NAME and --region REGION", verb);
		if (as_json)
			return hub_usage_fail("worker", "--json is for list");
	} else {
		return hub_usage_fail("worker", "unknown subcommand %s (add, remove or list)", verb);
	}
	if (region != NULL && !fs_name_is_valid(region))
		return hub_usage_fail("worker", "region must match [a-z0-9][a-z0-9-]{0,63}");
	if (name != NULL && !fs_worker_name_is_valid(name))
		return hub_usage_fail("worker", "NAME must be 1 to %d letters, digits, dots, "
				      "dashes or underscores", FS_WORKER_NAME_MAX);
	/* The PIN before the store: a PIN typed wrong changes nothing. */
	if (strcmp(verb, "add") == 0) {
		if (fs_secret_read(pin, sizeof(pin), "PIN", 1, &e) != 0)
			return hub_fail("%s", e.msg);
		if (!fs_worker_new_pin_is_valid(pin)) {
			sodium_memzero(pin, sizeof(pin));
			return hub_fail("a PIN must be %d to %d digits", FS_PIN_NEW_MIN, FS_PIN_MAX);
		}
	}
	if (hub_store_open(&s, &where, &e) != 0) {
		sodium_memzero(pin, sizeof(pin));
		return hub_fail("%s", e.msg);
	}
	hub_audit_actor_cli(actor, sizeof(actor));
	if (strcmp(verb, "list") == 0) {
		rc = list(s, region, as_json);
		fs_store_close(s);
		return rc;
	}
	if (strcmp(verb, "add") == 0)
		rc = hub_worker_set(s, actor, region, name, pin, &existed, &e);
	else
		rc = hub_worker_remove(s, actor, region, name, &e);
	sodium_memzero(pin, sizeof(pin));
	fs_store_close(s);
	if (rc != 0)
		return hub_fail("%s", e.msg);
	if (strcmp(verb, "remove") == 0)
		printf("worker %s removed from region %s: the region's kiosks refuse the PIN "
		       "after their next sync\n",
		       name, region);
	else if (existed)
		printf("worker %s of region %s: PIN reset\n", name, region);
	else
		printf("worker %s added to region %s: they can enter worker mode on the "
		       "region's kiosks after their next sync\n",
		       name, region);
	return HUB_EXIT_OK;
}
