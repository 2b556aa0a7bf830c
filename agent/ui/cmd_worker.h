/* fieldsync-agent worker add|remove|list: the outreach workers who may
 * enter worker mode on this kiosk (workers.h). Same shape as the commands
 * of agent/commands.h: argv[0] is "worker", data is the --data given before
 * the command (NULL: --data after it, else $FIELDSYNC_DATA); returns an
 * exit code (0 done, 1 usage or local error). */
#ifndef FIELDSYNC_UI_CMD_WORKER_H
#define FIELDSYNC_UI_CMD_WORKER_H

int agent_cmd_worker(int argc, char **argv, const char *data);

#endif
