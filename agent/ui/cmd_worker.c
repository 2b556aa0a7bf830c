/* fieldsync-agent worker add|remove|list (cmd_worker.h).
 *
 * The PIN is read from standard input (asked twice, without echo, on a
 * terminal), never from the command line where `ps` would show it. */
#include "cmd_worker.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sodium.h>

#include "fieldsync/secret.h"
#include "workers.h"

#define PROG "fieldsync-agent"

static void usage(FILE *f)
{
	fprintf(f, "usage: " PROG " worker add NAME [--data DIR]      (PIN read from stdin)\n"
		   "       " PROG " worker remove NAME [--data DIR]\n"
		   "       " PROG " worker list [--data DIR]\n"
		   "\n"
		   "Outreach workers who may enter worker mode on this kiosk's screen.\n"
		   "NAME is 1 to 64 letters, digits, dots, dashes or underscores; a PIN is\n"
		   "6 to 12 digits, stored only as an Argon2id hash in DIR/workers.json.\n"
		   "`add` on an existing NAME sets a new PIN. Workers given a 4- or 5-digit\n"
		   "PIN by an older version can still enter it and are asked to change it\n"
		   "(with `add`, or \"Change PIN\" in worker mode).\n"
		   "\n"
		   "These are this kiosk's own workers. The region's workers are managed at\n"
		   "the hub (fieldsync-hub worker) and arrive with every sync; the hub wins:\n"
		   "a name the hub holds for this region, live or removed, is decided by the\n"
		   "hub alone and an entry here of that name is ignored.\n");
}

static int fail(const char *fmt, ...)
#if defined(__GNUC__)
	__attribute__((format(printf, 1, 2)))
#endif
	;

static int fail(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, PROG ": worker: ");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	return 1;
}

/* Is name among the workers of dir? 1, 0, or -1 when the list is unreadable
 * (fs_workers_add then reports why). */
static int worker_exists(const char *dir, const char *name)
{
	json_t *names = NULL, *v;
	size_t k;
	int found = 0;

	if (fs_workers_list(&names, dir, NULL) != 0)
		return -1;
	json_array_foreach(names, k, v)
		if (strcmp(json_string_value(v), name) == 0)
			found = 1;
	json_decref(names);
	return found;
}

static int cmd_add(const char *dir, const char *name)
{
	char pin[64] = "";
	fs_err err = {0, ""};
	int rc, existed;

	if (fs_secret_read(pin, sizeof(pin), "PIN", 1, &err) != 0)
		return fail("%s", err.msg);
	existed = worker_exists(dir, name);
	rc = fs_workers_add(dir, name, pin, &err);
	sodium_memzero(pin, sizeof(pin));
	if (rc != 0)
		return fail("%s", err.msg);
	if (existed == 1)
		printf("worker %s: PIN changed\n", name);
	else
		printf("worker %s added: they can enter worker mode on this kiosk's screen with "
		       "their PIN\n",
		       name);
	return 0;
}

int agent_cmd_worker(int argc, char **argv, const char *data)
{
	const char *dir = data, *verb = NULL, *name = NULL;
	fs_err err = {0, ""};
	struct stat st;
	int i;

	for (i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
			usage(stdout);
			return 0;
		} else if (strcmp(argv[i], "--data") == 0 && i + 1 < argc) {
			dir = argv[++i];
		} else if (strncmp(argv[i], "--data=", 7) == 0) {
			dir = argv[i] + 7;
		} else if (argv[i][0] == '-') {
			usage(stderr);
			return fail("unknown option %s", argv[i]);
		} else if (verb == NULL) {
			verb = argv[i];
		} else if (name == NULL) {
			name = argv[i];
		} else {
			return fail("unexpected argument %s (see --help)", argv[i]);
		}
	}
	if (dir == NULL)
		dir = getenv("FIELDSYNC_DATA");
	if (dir == NULL || dir[0] == '\0')
		return fail("%s", "no data directory: give --data DIR or set FIELDSYNC_DATA");
	if (stat(dir, &st) != 0 || !S_ISDIR(st.st_mode))
		return fail("data directory %s does not exist (run init first)", dir);
	if (verb == NULL) {
		usage(stderr);
		return fail("%s", "add, remove or list?");
	}
	if (strcmp(verb, "list") == 0 && name == NULL) {
		json_t *names = NULL, *v;
		size_t k;

		if (fs_workers_list(&names, dir, &err) != 0)
			return fail("%s", err.msg);
		json_array_foreach(names, k, v)
			printf("%s\n", json_string_value(v));
		json_decref(names);
		return 0;
	}
	if (name == NULL)
		return fail("%s needs a worker NAME (see --help)", verb);
	if (strcmp(verb, "add") == 0)
		return cmd_add(dir, name);
	if (strcmp(verb, "remove") == 0) {
		if (fs_workers_remove(dir, name, &err) != 0)
			return fail("%s", err.msg);
		printf("worker %s removed from this kiosk\n", name);
		return 0;
	}
	return fail("unknown subcommand %s (add, remove or list)", verb);
}
