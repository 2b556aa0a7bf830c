/* fieldsync-hub console: sessions, CSRF tokens and the login throttle
 * (docs/console.md, "Sessions" and "Logging in").
 *
 * A session id is 32 random bytes, sent to the browser as 43 characters
 * of base64url in the fs_console cookie; the store keeps only its BLAKE2b
 * hash (admin_sessions), so a copy of the store resumes no session. A
 * session ends CONSOLE_SESSION_IDLE_MS after its last request or
 * CONSOLE_SESSION_MAX_MS after it began, whichever comes first (both may
 * be set shorter with serve's options); last_seen is written at most once
 * per CONSOLE_SESSION_TOUCH_MS. The CSRF token of a session is
 * BLAKE2b keyed with the session id over a fixed label: only who holds the
 * cookie can compute it, and nothing more is stored.
 *
 * The throttle, in memory per hub process (a restart forgets it):
 *  - per account name: after CONSOLE_LOGIN_FREE_TRIES wrong passwords in a
 *    row the name is locked for CONSOLE_LOGIN_LOCK_BASE_S, doubling with
 *    each further failure up to CONSOLE_LOGIN_LOCK_MAX_S; a locked name is
 *    not checked at all. A right password resets the count. Names that are
 *    no account are counted alike (the answers do not tell which exist).
 *    CONSOLE_THROTTLE_NAMES names are tracked, at most
 *    CONSOLE_THROTTLE_UNKNOWN of them no account; past that the one whose
 *    last failure is oldest is forgotten (unknown names first, so a flood
 *    of made-up names never frees a real account's lock);
 *  - per source (IPv4 address, IPv6 /64: hub/ratelimit.h): at most
 *    CONSOLE_LOGIN_PER_SOURCE login attempts a minute that are not right
 *    (a right one is given back), CONSOLE_THROTTLE_SOURCES sources held. */
#ifndef HUB_CONSOLE_AUTH_H
#define HUB_CONSOLE_AUTH_H

#include <stdint.h>

#include "fieldsync/backend.h"
#include "fieldsync/error.h"
#include "fieldsync/store.h"

#define CONSOLE_SESSION_IDLE_MS (30u * 60u * 1000u)
#define CONSOLE_SESSION_MAX_MS (12u * 3600u * 1000u)
#define CONSOLE_SESSION_TOUCH_MS 60000u
#define CONSOLE_SESSION_ID_LEN 43 /* base64url of 32 bytes */
#define CONSOLE_CSRF_LEN 64       /* hex of 32 bytes */
#define CONSOLE_COOKIE "fs_console"

#define CONSOLE_LOGIN_FREE_TRIES 5
#define CONSOLE_LOGIN_LOCK_BASE_S 30
#define CONSOLE_LOGIN_LOCK_MAX_S 900
#define CONSOLE_THROTTLE_NAMES 1024
#define CONSOLE_THROTTLE_UNKNOWN 256
#define CONSOLE_LOGIN_PER_SOURCE 20
#define CONSOLE_THROTTLE_SOURCES 65536

/* Start a session for user lasting at most max_ms: its id (for the
 * cookie) and CSRF token. Also ends the sessions past their time. */
int console_session_start(fs_store *s, const char *user, uint64_t max_ms,
                          char id[CONSOLE_SESSION_ID_LEN + 1], char csrf[CONSOLE_CSRF_LEN + 1],
                          fs_err *err);

/* The session of a cookie value: FS_ENOTFOUND when malformed, unknown or
 * past its time (idle_ms since its last request; then it is deleted).
 * *touch 1 when its last_seen should be written now (console_session_touch,
 * under the writer lock). csrf gets its CSRF token. */
int console_session_find(fs_store *s, const char *cookie, uint64_t idle_ms, fs_session_row *out,
                         char csrf[CONSOLE_CSRF_LEN + 1], int *touch, fs_err *err);
int console_session_touch(fs_store *s, const fs_session_row *row, fs_err *err);

/* Delete the session of a cookie value (no-op when there is none). */
int console_session_end(fs_store *s, const char *cookie, fs_err *err);

/* Constant-time comparison of a sent CSRF token with the session's. */
int console_csrf_equal(const char *sent, const char *want);

typedef struct console_throttle console_throttle;

console_throttle *console_throttle_new(void); /* NULL: out of memory */
void console_throttle_free(console_throttle *t);

enum console_login_gate {
	CONSOLE_LOGIN_GO,        /* check the password, then console_throttle_done */
	CONSOLE_LOGIN_LOCKED,    /* the name is locked: not checked */
	CONSOLE_LOGIN_THROTTLED  /* the source has spent its attempts: not checked */
};

/* May name be tried from source (hub_ratelimit_source key) at now_ms
 * (monotonic)? *wait_s: seconds until it may, when not. A GO counts one
 * attempt against the source. */
enum console_login_gate console_throttle_admit(console_throttle *t, const char *name,
                                               const char *source, uint64_t now_ms,
                                               unsigned *wait_s);

/* The outcome of an admitted attempt: right (the count of name reset, the
 * source's attempt given back), or not (counted; *lock_s the lock it
 * started, 0 for none). known: name is an account. not_checked: the
 * attempt did not happen after all (busy): given back, nothing counted. */
void console_throttle_done(console_throttle *t, const char *name, const char *source, int known,
                           int right, int not_checked, uint64_t now_ms, unsigned *lock_s);

/* Names tracked now (for tests). */
unsigned console_throttle_names(console_throttle *t);

#endif
