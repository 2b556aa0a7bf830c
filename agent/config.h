/* fieldsync-agent: the DATA directory (mode 0700) and the files in it.
 *
 *   kiosk.db    the store (core/, fs_store)
 *   agent.json  hub URL, site, region, name, CA file, insecure_http,
 *               person_ref_pattern, closed_contact_days,
 *               contact_request_days, contact_request_delay_s (0600); its
 *               presence means "initialised"
 *   token       the bearer token (0600), never printed or logged
 *   state.json  last successful sync and last error (0600), agent-owned
 *   sync.lock   flock()ed while a sync runs, so a `sync` command and the
 *               daemon never push the same batch at once
 *
 * Every file is written atomically: a temporary file, fsync, rename, fsync
 * of the directory, so a power cut leaves the old or the new content. */
#ifndef FIELDSYNC_AGENT_CONFIG_H
#define FIELDSYNC_AGENT_CONFIG_H

#include <limits.h>
#include <signal.h>
#include <stdint.h>
#include <sys/types.h>

#include "fieldsync/error.h"
#include "fieldsync/person_ref.h"
#include "fieldsync/store.h"

#define AGENT_URL_MAX   1024
#define AGENT_TOKEN_MAX 512
#define AGENT_ERROR_MAX 300
/* Page cache of each handle on the kiosk store (the daemon's and the UI's),
 * in KiB, instead of SQLite's 2,000: a kiosk store is a few MiB that the
 * kernel's page cache holds anyway, and a Pi has little memory
 * (docs/performance.md, "The agent on a Pi"). */
#define AGENT_STORE_CACHE_KIB 256

typedef struct agent_config {
	char hub[AGENT_URL_MAX]; /* base URL, no trailing slash */
	char site[FS_NAME_MAX + 1];
	char region[FS_NAME_MAX + 1];
	char name[FS_NAME_MAX + 1]; /* "" when none was given */
	char ca_file[PATH_MAX];     /* "" for the system trust store */
	int insecure_http;          /* init --insecure-http: plain http:// to another host */
	/* The deployment's rule for person_ref (person_ref.h): the pattern as
	 * written (FS_PERSON_REF_PATTERN_DEFAULT when agent.json has none)
	 * and the rule read from it at load. */
	char person_ref_pattern[FS_PERSON_REF_PATTERN_MAX + 1];
	fs_person_ref_rule person_ref_rule;
	/* How long a closed (or deleted) contact stays on this kiosk, in days
	 * (0..FS_RETENTION_DAYS_MAX; "closed_contact_days", written only when
	 * not the default FS_RETENTION_CLOSED_DAYS_DEFAULT; retention.h). */
	long closed_contact_days;
	/* How long this kiosk keeps its copy of a request to be contacted that
	 * no worker took ("contact_request_days", default
	 * FS_RETENTION_REQUEST_DAYS_DEFAULT), and the window a request waits
	 * before it is released as a contact, drawn uniformly from
	 * [min, max] seconds ("contact_request_delay_s"; docs/reciprocity.md). */
	long contact_request_days;
	long request_delay_min_s, request_delay_max_s;
} agent_config;

/* The release delay's defaults (10 to 60 minutes) and its bound (a day). */
#define AGENT_REQUEST_DELAY_MIN_S 600
#define AGENT_REQUEST_DELAY_MAX_DEFAULT_S 3600
#define AGENT_REQUEST_DELAY_MAX_S 86400

/* Sync history kept for `status`; times in ms since 1970, 0 for never. */
typedef struct agent_state {
	uint64_t last_sync;               /* last sync that ended in sync */
	uint64_t last_attempt;            /* last sync attempt, whatever the outcome */
	uint64_t last_error_at;           /* 0: no error recorded */
	int last_error_exit;              /* outcome class (enum agent_exit) */
	char last_error[AGENT_ERROR_MAX]; /* one line, never personal data */
	long last_sent, last_received;    /* changes in the last successful sync */
} agent_state;

/* The DATA directory: opt (--data) or else $FIELDSYNC_DATA. FS_EINVAL
 * when neither is set. out is an absolute or relative path as given. */
int agent_data_dir(char out[PATH_MAX], const char *opt, fs_err *err);

/* Create the directory (0700) when missing; FS_EINVAL if it is not a
 * directory. An existing directory's mode is left alone. */
int agent_data_create(const char *dir, fs_err *err);

/* Is the directory initialised (agent.json present)? 1 or 0. */
int agent_data_initialised(const char *dir);

/* Load agent.json. FS_ENOTFOUND (with a hint to run init) when the
 * directory is not initialised; FS_EINVAL when the file is malformed or a
 * value breaks its rule (a bad person_ref_pattern: the message names the
 * file, the line and the fault). */
int agent_config_load(agent_config *out, const char *dir, fs_err *err);
int agent_config_save(const agent_config *cfg, const char *dir, fs_err *err);

/* The token file. Load fails with FS_EINVAL when the file is readable by
 * group or others. */
int agent_token_load(char out[AGENT_TOKEN_MAX + 1], const char *dir, fs_err *err);
int agent_token_save(const char *token, const char *dir, fs_err *err);

/* state.json; a missing file loads as all zero. */
int agent_state_load(agent_state *out, const char *dir, fs_err *err);
int agent_state_save(const agent_state *st, const char *dir, fs_err *err);

/* Open DATA/kiosk.db (created 0600 when missing). */
int agent_store_open(fs_store **out, const char *dir, fs_err *err);

/* Take the sync lock, waiting for another sync of this DATA directory to
 * finish (FS_EBUSY when a signal interrupts the wait and *stop is set;
 * stop may be NULL). *out_fd is released with agent_sync_unlock. */
int agent_sync_lock(int *out_fd, const char *dir, const volatile sig_atomic_t *stop, fs_err *err);
void agent_sync_unlock(int fd);

/* An initialised kiosk: its directory, configuration and open store. */
typedef struct agent_kiosk {
	char dir[PATH_MAX];
	agent_config cfg;
	fs_store *store;
} agent_kiosk;

/* Resolve the directory (data_opt or $FIELDSYNC_DATA), load agent.json and
 * open the store, checking that it belongs to the configured site; the
 * store is given the configured person_ref rule.
 * Release with agent_kiosk_close (safe on a zeroed or failed one). */
int agent_kiosk_open(agent_kiosk *out, const char *data_opt, fs_err *err);
void agent_kiosk_close(agent_kiosk *k);

/* Write n bytes to path atomically with the given mode. */
int agent_file_write_atomic(const char *path, const void *data, size_t n, mode_t mode, fs_err *err);

#endif
