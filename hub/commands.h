/* fieldsync-hub: the subcommands. Each takes the arguments after the
 * program name (argv[0] is the subcommand), prints its own --help and
 * returns the exit status (HUB_EXIT_* in cli.h). */
#ifndef HUB_COMMANDS_H
#define HUB_COMMANDS_H

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

#endif
