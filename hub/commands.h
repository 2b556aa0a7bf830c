/* fieldsync-hub: the subcommands. Each takes the arguments after the
 * program name (argv[0] is the subcommand), prints its own --help and
 * returns the exit status (HUB_EXIT_* in cli.h). */
#ifndef HUB_COMMANDS_H
#define HUB_COMMANDS_H

#include <jansson.h>

#include "fieldsync/copy.h"
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
int hub_cmd_backup(int argc, char **argv);  /* backup.c */
int hub_cmd_restore(int argc, char **argv); /* backup.c */
int hub_cmd_erase(int argc, char **argv);    /* erase.c */
int hub_cmd_erasures(int argc, char **argv); /* erase.c */
int hub_cmd_seal_key(int argc, char **argv); /* seal_key.c */
int hub_cmd_subject(int argc, char **argv); /* subject.c */
int hub_cmd_retention(int argc, char **argv); /* retention.c */
int hub_cmd_purge(int argc, char **argv);     /* retention.c */
int hub_cmd_offer(int argc, char **argv);          /* questionnaire_cmd.c */
int hub_cmd_retire(int argc, char **argv);         /* questionnaire_cmd.c */
int hub_cmd_questionnaires(int argc, char **argv); /* questionnaire_cmd.c */
int hub_cmd_conflicts(int argc, char **argv); /* conflicts.c */
int hub_cmd_resolve(int argc, char **argv);   /* conflicts.c */
int hub_cmd_results(int argc, char **argv);   /* results_cmd.c */
int hub_cmd_user(int argc, char **argv);      /* users.c */
int hub_cmd_worker(int argc, char **argv);    /* worker.c */
int hub_cmd_rename(int argc, char **argv);    /* admin.c (kiosk management) */
int hub_cmd_move(int argc, char **argv);      /* admin.c (kiosk management) */
int hub_cmd_receipt(int argc, char **argv);   /* receipt_cmd.c */

/* Apply the retention periods now (fs_retention_hub_purge), record what
 * went in the audit trail as actor (an entry only when something did),
 * then prune the audit trail past its own period (hub_audit_prune,
 * *audit_removed entries). The one path of `purge` and of serve's hourly
 * run. */
int hub_retention_apply(fs_store *s, const char *actor, fs_retention_hub_result *res,
			long *audit_removed, fs_err *err);

/* migrate.c, shared with backup.c. */
/* Open the store at location as a hub's, without setting its identity
 * (a copy's target must stay empty). must_exist: a SQLite file is not
 * created; without it, a SQLite file must not exist yet. */
int hub_location_open(fs_store **out, const char *location, int must_exist, fs_err *err);
/* Is the SQLite file at path a hub's store (site "hub")? Read without the
 * hub's schema, so a kiosk's store named by mistake gets none of it. */
int hub_file_is_hub_store(const char *path, fs_err *err);
/* Progress of a copy on a terminal: one line per table, rewritten. */
int hub_copy_progress(void *ctx, fs_census_table t, int64_t rows);
/* The lines of `digest`: the digest, the counter, each table's rows and
 * hash. */
void hub_census_print(const fs_census *c, uint64_t digest);
/* migrate's copy: the SQLite hub store from_file (its write lock held
 * throughout) into to, an empty PostgreSQL store or a path where no file
 * is, verified (fs_store_copy), then an audit entry of action in the
 * copy, its detail the counts and extra's keys (borrowed; may be NULL). */
int hub_copy_verified(const char *from_file, const char *to, const char *action,
                      const json_t *extra, fs_copy_result *res, fs_err *err);

#endif
