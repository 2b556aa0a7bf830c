/* fieldsync-agent: the commands. Each takes the arguments after the
 * command name (argv[0] is the command) and the --data given before it
 * (NULL when none), prints its own --help, and returns an exit code
 * (enum agent_exit). */
#ifndef FIELDSYNC_AGENT_COMMANDS_H
#define FIELDSYNC_AGENT_COMMANDS_H

int agent_cmd_init(int argc, char **argv, const char *data);           /* cmd_init.c */
int agent_cmd_sync(int argc, char **argv, const char *data);           /* cmd_sync.c */
int agent_cmd_run(int argc, char **argv, const char *data);            /* cmd_sync.c */
int agent_cmd_status(int argc, char **argv, const char *data);         /* cmd_status.c */
int agent_cmd_questionnaires(int argc, char **argv, const char *data); /* cmd_respond.c */
int agent_cmd_respond(int argc, char **argv, const char *data);        /* cmd_respond.c */
int agent_cmd_responses(int argc, char **argv, const char *data);      /* cmd_respond.c */
int agent_cmd_contact(int argc, char **argv, const char *data);        /* cmd_contact.c */

#endif
