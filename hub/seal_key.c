/* fieldsync-hub seal-key show | rotate: the key kiosks seal responses to
 * (keys.h, docs/hub.md "Sealed responses"). */
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "commands.h"
#include "keys.h"

static const char seal_key_usage[] =
    "usage: fieldsync-hub seal-key show|rotate [--data DIR | --db URI]\n"
    "\n"
    "Kiosks seal each response to this hub's public key, pinned at enrollment;\n"
    "only this hub store's secret keys open them. The keys are made on first use.\n"
    "\n"
    "  show       print the current key's id and public key, KEYID:BASE64\n"
    "  rotate     make a new current key and print its id; every earlier secret key\n"
    "             is kept, so what was sealed to it still opens. Kiosks adopt the\n"
    "             new key, signed by this hub, at their next sync\n"
    "\n"
    "  --data DIR        data directory (default: $FIELDSYNC_DATA)\n"
    "  --db URI          PostgreSQL store, postgresql://USER@HOST/DB (default:\n"
    "                    $FIELDSYNC_DB); the data directory is then not used\n"
    "  -h, --help        show this help\n"
    "\n"
    "The secret keys live only in the hub store (a backup of it holds them):\n"
    "responses sealed to a lost key can never be opened (docs/hub.md).\n";

int hub_cmd_seal_key(int argc, char **argv)
{
	const char *action = NULL;
	char keyid[FS_SEAL_KEYID_LEN + 1];
	hub_keys_public pub;
	hub_where where;
	fs_store *s = NULL;
	fs_err e = {0, ""};
	int n = 0, rc;

	rc = hub_args_parse(argc, argv, "seal-key", seal_key_usage, NULL, &where, &action, 1, &n);
	if (rc != 0)
		return rc < 0 ? HUB_EXIT_OK : rc;
	if (n != 1)
		return hub_usage_fail("seal-key", "name one action: show or rotate");
	if (strcmp(action, "show") != 0 && strcmp(action, "rotate") != 0)
		return hub_usage_fail("seal-key", "unknown action \"%.40s\": show or rotate",
		                      action);
	if (hub_store_open(&s, &where, &e) != 0)
		return hub_fail("%s", e.msg);
	if (strcmp(action, "rotate") == 0)
		rc = hub_keys_rotate(s, keyid, &e);
	else
		rc = hub_keys_public_get(s, &pub, &e);
	fs_store_close(s);
	if (rc != 0)
		return hub_fail("seal-key %s: %s", action, e.msg);
	if (strcmp(action, "rotate") == 0)
		printf("%s\n", keyid);
	else
		printf("%s\n", pub.seal);
	if (fflush(stdout) != 0 || ferror(stdout))
		return hub_fail("cannot write to standard output");
	return HUB_EXIT_OK;
}
