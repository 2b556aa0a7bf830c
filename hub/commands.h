/* fieldsync-hub: the subcommands. Each takes the arguments after the
 * program name (argv[0] is the subcommand), prints its own --help and
 * returns the exit status (HUB_EXIT_* in cli.h). */
#ifndef HUB_COMMANDS_H
#define HUB_COMMANDS_H

#include "fieldsync/retention.h"

int hub_cmd_serve(int argc, char **argv);   /* serve.c */
int hub_cmd_enroll(int argc, char **argv);  /* admin.c */
int hub_cmd_devices(int argc, char **argv); /* admin.c */
int hub_cmd_revoke(int argc, char **argv);  /* admin.c */
int hub_cmd_publish(int argc, char **argv); /* admin.c */
int hub_cmd_audit(int argc, char **argv);   /* admin.c */
int hub_cmd_export(int argc, char **argv);  /* export.c */
int hub_cmd_migrate(int argc, char **argv); /* migrate.c */
int hub_cmd_digest(int argc, char **argv);  /* migrate.c */
int hub_cmd_erase(int argc, char **argv);    /* erase.c */
int hub_cmd_erasures(int argc, char **argv); /* erase.c */
int hub_cmd_seal_key(int argc, char **argv); /* seal_key.c */
int hub_cmd_subject(int argc, char **argv); /* subject.c */
int hub_cmd_retention(int argc, char **argv); /* retention.c */
int hub_cmd_purge(int argc, char **argv);     /* retention.c */
int hub_cmd_user(int argc, char **argv);      /* users.c */
int hub_cmd_worker(int argc, char **argv);    /* worker.c */

/* Apply the retention periods now (fs_retention_hub_purge), record what
 * went in the audit trail as actor (an entry only when something did),
 * then prune the audit trail past its own period (hub_audit_prune,
 * *audit_removed entries). The one path of `purge` and of serve's hourly
 * run. */
int hub_retention_apply(fs_store *s, const char *actor, fs_retention_hub_result *res,
			long *audit_removed, fs_err *err);

#endif
