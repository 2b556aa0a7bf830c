/* fieldsync-hub retention | purge: the hub's retention periods (core/
 * include/fieldsync/retention.h), shown, set, and applied now. serve
 * applies them too (at start and hourly, serve.c). */
#include <jansson.h>
#include <stdio.h>
#include <string.h>

#include "audit.h"
#include "cli.h"
#include "commands.h"
#include "fieldsync/records.h"
#include "fieldsync/retention.h"
#include "receipts.h"

static const char retention_usage[] =
    "usage: fieldsync-hub retention [--data DIR | --db URI] [--set TABLE=DAYS ...]\n"
    "\n"
    "Show the hub's retention periods, or set them (--set, repeatable; all in one\n"
    "transaction, nothing stored when one is wrong). DAYS is a whole number from\n"
    "0 to 36500; 0 keeps that table forever. Periods are kept in the store, so\n"
    "every hub process of a shared store applies the same; 'serve' applies them\n"
    "at start and every hour, 'purge' now.\n"
    "\n"
    "tables (default period):\n"
    "  responses   730  removed by submitted_at; a device's response submitted\n"
    "                   before the horizon is refused at sync (counted, not stored)\n"
    "  contacts    365  after the contact was closed: erased (fieldsync-hub\n"
    "                   erasures, kind retention), so every kiosk drops its copy\n"
    "  conflicts    90  by the time the conflict was detected\n"
    "  quarantine   30  by the time the change was received\n"
    "  audit      2190  the audit log's entries\n"
    "  contact_requests\n"
    "               90  a person's request to be contacted that no worker took,\n"
    "                   from its release: erased (kind retention)\n"
    "  (a withdrawal by receipt whose response never came is kept for the\n"
    "   responses' period, then deleted)\n"
    "\n"
    "  --data DIR          data directory (default: $FIELDSYNC_DATA)\n"
    "  --db URI            PostgreSQL store, postgresql://USER@HOST/DB (default:\n"
    "                      $FIELDSYNC_DB); the data directory is then not used\n"
    "  --set TABLE=DAYS    set one period (repeatable)\n"
    "  -h, --help          show this help\n";

static const char purge_usage[] =
    "usage: fieldsync-hub purge [--data DIR | --db URI]\n"
    "\n"
    "Apply the retention periods now (see 'fieldsync-hub retention'): delete the\n"
    "responses, conflicts and quarantined changes older than their period, erase\n"
    "the contacts closed longer than theirs and the requests to be contacted\n"
    "that no worker took within theirs, then scrub the store's files. Safe to\n"
    "run at any time and from several hosts at once: each purge runs in a write\n"
    "transaction and a second finds nothing left. Prints the counts.\n"
    "\n"
    "  --data DIR          data directory (default: $FIELDSYNC_DATA)\n"
    "  --db URI            PostgreSQL store, postgresql://USER@HOST/DB (default:\n"
    "                      $FIELDSYNC_DB); the data directory is then not used\n"
    "  -h, --help          show this help\n";

typedef struct retention_args {
	hub_where where;
	fs_retention_table tables[FS_RETENTION_TABLES];
	long days[FS_RETENTION_TABLES];
	int n;
} retention_args;

/* One --set TABLE=DAYS; a table set twice keeps the last value. */
static int take_set(void *ctx, const char *cmd, const char *value)
{
	retention_args *a = ctx;
	fs_retention_table t;
	fs_err e = {0, ""};
	long d;
	int i;

	if (fs_retention_parse(value, &t, &d, &e) != 0)
		return hub_usage_fail(cmd, "--set: %s", e.msg);
	for (i = 0; i < a->n && a->tables[i] != t; i++)
		;
	a->tables[i] = t;
	a->days[i] = d;
	if (i == a->n)
		a->n++;
	return 0;
}

/* 0, -1 after --help, or an exit status. */
static int parse(retention_args *a, int argc, char **argv, const char *cmd, int allow_set,
                 const char *usage)
{
	const hub_opt opts[] = {{.name = "set", .each = take_set, .ctx = a}, {0}};

	memset(a, 0, sizeof(*a));
	return hub_args_parse(argc, argv, cmd, usage, allow_set ? opts : NULL, &a->where, NULL, 0,
			      NULL);
}

int hub_retention_apply(fs_store *s, const char *actor, fs_retention_hub_result *res,
			long *audit_removed, fs_err *err)
{
	json_t *d;
	long withdrawals = 0;
	int rc = fs_retention_hub_purge(s, res, err);

	*audit_removed = 0;
	/* Withdrawals by receipt go with the responses' period: one whose
	 * response never came is kept that long, then forgotten. */
	if (rc == 0)
		rc = hub_receipts_purge(s, &withdrawals, err);
	if (rc != 0)
		return rc;
	if (res->responses + res->contacts + res->conflicts + res->quarantine +
		res->contact_requests + withdrawals > 0) {
		d = json_pack("{s:I, s:I, s:I, s:I, s:I, s:I}", "responses",
			      (json_int_t)res->responses, "contacts", (json_int_t)res->contacts,
			      "conflicts", (json_int_t)res->conflicts, "quarantine",
			      (json_int_t)res->quarantine, "contact_requests",
			      (json_int_t)res->contact_requests, "withdrawals",
			      (json_int_t)withdrawals);
		if (d == NULL)
			return fs_err_set(err, FS_ENOMEM, "audit entry: out of memory");
		rc = hub_audit_add(s, actor, "retention_purge", d, err);
		json_decref(d);
		if (rc != 0)
			return rc;
	}
	/* The audit log's own period: its oldest entries go, the chain stays
	 * verifiable from the anchor (audit.h). */
	if (res->audit_before_ms > 0)
		rc = hub_audit_prune(s, res->audit_before_ms, audit_removed, err);
	return rc;
}

/* The audit entry of a change of periods: each table set and its days. */
static int audit_set(fs_store *s, const retention_args *a, fs_err *err)
{
	char actor[HUB_AUDIT_ACTOR_MAX + 1];
	json_t *d = json_object();
	int i, rc;

	if (d == NULL)
		return fs_err_set(err, FS_ENOMEM, "audit entry: out of memory");
	for (i = 0; i < a->n; i++)
		json_object_set_new(d, fs_retention_table_name(a->tables[i]),
				    json_integer((json_int_t)a->days[i]));
	hub_audit_actor_cli(actor, sizeof(actor));
	rc = hub_audit_add(s, actor, "retention_set", d, err);
	json_decref(d);
	return rc;
}

int hub_cmd_retention(int argc, char **argv)
{
	retention_args a;
	fs_retention_settings set;
	fs_store *s = NULL;
	fs_err e = {0, ""};
	int rc = parse(&a, argc, argv, "retention", 1, retention_usage), t;

	if (rc != 0)
		return rc < 0 ? HUB_EXIT_OK : rc;
	if (hub_store_open(&s, &a.where, &e) != 0)
		return hub_fail("%s", e.msg);
	rc = a.n > 0 ? fs_retention_set(s, a.tables, a.days, a.n, &e) : 0;
	/* Audited once set (fs_retention_set's own transaction): a failure to
	 * log it is this command's failure. */
	if (rc == 0 && a.n > 0 && audit_set(s, &a, &e) != 0) {
		fs_store_close(s);
		return hub_fail("retention: the periods are set, but not in the audit trail: %s",
				e.msg);
	}
	if (rc == 0)
		rc = fs_retention_get(s, &set, &e);
	fs_store_close(s);
	if (rc != 0)
		return hub_fail("retention: %s", e.msg);
	for (t = 0; t < FS_RETENTION_TABLES; t++) {
		if (set.days[t] == 0)
			printf("%-11s forever\n", fs_retention_table_name((fs_retention_table)t));
		else
			printf("%-11s %ld days\n", fs_retention_table_name((fs_retention_table)t),
			       set.days[t]);
	}
	if (fflush(stdout) != 0 || ferror(stdout))
		return hub_fail("cannot write the output");
	return HUB_EXIT_OK;
}

int hub_cmd_purge(int argc, char **argv)
{
	retention_args a;
	fs_retention_hub_result res;
	fs_store *s = NULL;
	fs_err e = {0, ""};
	char actor[HUB_AUDIT_ACTOR_MAX + 1];
	long audit_removed = 0;
	int rc = parse(&a, argc, argv, "purge", 0, purge_usage);

	if (rc != 0)
		return rc < 0 ? HUB_EXIT_OK : rc;
	if (hub_store_open(&s, &a.where, &e) != 0)
		return hub_fail("%s", e.msg);
	hub_audit_actor_cli(actor, sizeof(actor));
	rc = hub_retention_apply(s, actor, &res, &audit_removed, &e);
	fs_store_close(s);
	if (rc != 0)
		return hub_fail("purge: %s", e.msg);
	printf("purged: %ld response(s), %ld contact(s) erased, %ld conflict(s), %ld quarantined "
	       "change(s), %ld audit entr%s, %ld contact request(s) erased\n",
	       res.responses, res.contacts, res.conflicts, res.quarantine, audit_removed,
	       audit_removed == 1 ? "y" : "ies", res.contact_requests);
	if (fflush(stdout) != 0 || ferror(stdout))
		return hub_fail("cannot write the output");
	return HUB_EXIT_OK;
}
