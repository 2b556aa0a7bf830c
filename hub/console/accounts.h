/* fieldsync-hub console: accounts and personal API tokens, the one place
 * their rules live; `fieldsync-hub user` (hub/users.c) and the console's
 * Users page (api_users.c) both call these (docs/console.md, "Accounts").
 *
 * An account: name [a-z0-9._-]{1,64}, role viewer|analyst|admin, regions
 * (at most CONSOLE_USER_REGIONS_MAX; none: every region), created,
 * disabled, password_changed. Passwords are 12 to 256 bytes, stored as
 * Argon2id strings (libsodium crypto_pwhash_str, OPSLIMIT_INTERACTIVE,
 * MEMLIMIT_INTERACTIVE: about 0.1 s and 64 MiB each); at most
 * CONSOLE_HASHES_AT_ONCE hashes run at once in a process, a call past
 * that gets FS_EBUSY (the console answers 503), so a flood of logins
 * cannot exhaust memory. The last enabled admin cannot be removed,
 * disabled or demoted (FS_EFORBIDDEN). A password change, a disable or a
 * removal ends every session of the account at once.
 *
 * Every change runs in one write transaction with its audit entry (actor
 * given: hub_audit_actor_cli or "console:NAME"): user_add, user_remove,
 * user_change (role, regions), user_disable, user_enable, user_passwd,
 * token_create, token_revoke; details hold names, roles, regions and
 * token ids, never a password or a token. */
#ifndef HUB_CONSOLE_ACCOUNTS_H
#define HUB_CONSOLE_ACCOUNTS_H

#include <jansson.h>
#include <stdint.h>

#include "console.h"
#include "fieldsync/backend.h"
#include "fieldsync/error.h"
#include "fieldsync/store.h"

#define CONSOLE_PASSWORD_MIN 12
#define CONSOLE_PASSWORD_MAX 256
#define CONSOLE_USERS_MAX 1000       /* accounts per hub */
#define CONSOLE_TOKENS_PER_USER 10   /* live API tokens per account */
#define CONSOLE_HASHES_AT_ONCE 2     /* Argon2id computations at once per process */
/* "fsu_" and 43 characters of base64url (32 random bytes). */
#define CONSOLE_TOKEN_PREFIX "fsu_"
#define CONSOLE_TOKEN_LEN (4 + 43)

int console_name_is_valid(const char *name);

/* Take one of the CONSOLE_HASHES_AT_ONCE slots: 0, or FS_EBUSY when all
 * are taken. Release it with console_hash_end. */
int console_hash_begin(fs_err *err);
void console_hash_end(void);

/* Hash password (its length checked: FS_EINVAL) into out, taking a slot
 * (FS_EBUSY) for the time it takes. */
int console_password_hash(char out[FS_ACCOUNT_HASH_MAX + 1], const char *password, fs_err *err);

/* 1 when password matches hash; for hash NULL (an unknown name) the
 * password is checked against a dummy hash of the same cost and 0 is
 * returned, so the time taken tells nothing. The caller holds a slot. */
int console_password_verify(const char *hash, const char *password);

/* Regions as given (JSON array of names): every one a valid region name
 * (fs_name_is_valid), no duplicates, at most CONSOLE_USER_REGIONS_MAX.
 * NULL: none (every region). FS_EINVAL naming the bad one. */
int console_regions_check(const json_t *regions, fs_err *err);

/* Add an account (regions borrowed; NULL or [] for every region). FS_EINVAL
 * (name, password, regions), FS_ECONFLICT (exists), FS_ELIMIT
 * (CONSOLE_USERS_MAX), FS_EBUSY (no hash slot). */
int console_account_add(fs_store *s, const char *actor, const char *name, console_role role,
                        const json_t *regions, const char *password, fs_err *err);

/* Remove an account with its sessions and tokens. FS_ENOTFOUND,
 * FS_EFORBIDDEN (the last enabled admin). */
int console_account_remove(fs_store *s, const char *actor, const char *name, fs_err *err);

/* Change an account's role and regions (regions NULL: keep them).
 * FS_ENOTFOUND, FS_EINVAL, FS_EFORBIDDEN (demoting the last enabled
 * admin). Takes effect at the account's next request. */
int console_account_change(fs_store *s, const char *actor, const char *name, console_role role,
                           const json_t *regions, fs_err *err);

/* Disable (1) or enable (0) an account; disabling ends its sessions and
 * stops its tokens. FS_ENOTFOUND, FS_EFORBIDDEN (the last enabled admin). */
int console_account_disable(fs_store *s, const char *actor, const char *name, int disabled,
                            fs_err *err);

/* Set a new password; ends every session of the account. FS_ENOTFOUND,
 * FS_EINVAL, FS_EBUSY. */
int console_account_passwd(fs_store *s, const char *actor, const char *name,
                           const char *password, fs_err *err);

/* Every account as [{"name", "role", "regions", "created", "disabled",
 * "password_changed", "tokens": [{"id", "created"}]}] (times RFC 3339
 * UTC), by name. *out new. */
int console_account_list(fs_store *s, json_t **out, fs_err *err);

/* The account as a console_user (for a request). FS_ENOTFOUND; *disabled. */
int console_account_user(fs_store *s, const char *name, console_user *out, int *disabled,
                         fs_err *err);

/* The stored row (the password hash included) of name: FS_ENOTFOUND. */
int console_account_get(fs_store *s, const char *name, fs_account_row *out, fs_err *err);

/* Create a personal API token for name: out the token (shown once, never
 * stored), id its public id. FS_ENOTFOUND, FS_ELIMIT
 * (CONSOLE_TOKENS_PER_USER), FS_EFORBIDDEN (a disabled account). */
int console_token_create(fs_store *s, const char *actor, const char *name,
                         char out[CONSOLE_TOKEN_LEN + 1], char id[FS_ACCOUNT_TOKEN_ID_MAX + 1],
                         fs_err *err);

/* Revoke name's token id. FS_ENOTFOUND. */
int console_token_revoke(fs_store *s, const char *actor, const char *name, const char *id,
                         fs_err *err);

/* Whose token is this? The account's name into user. FS_ENOTFOUND for a
 * malformed or unknown token (alike). */
int console_token_owner(fs_store *s, const char *token, char user[FS_ACCOUNT_NAME_MAX + 1],
                        fs_err *err);

/* The store's wall clock in ms (UTC). */
uint64_t console_now_ms(void);

/* An RFC 3339 UTC text of ms into out (at least 32 bytes); 0: JSON null
 * (returns NULL). */
json_t *console_time_json(uint64_t ms);

#endif
