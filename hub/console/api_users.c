/* fieldsync-hub console: the Users page's API (admins only): accounts and
 * their API tokens, through the same calls as `fieldsync-hub user`
 * (accounts.h), each audited there with the console user as actor. */
#include <jansson.h>
#include <sodium.h>
#include <string.h>

#include "accounts.h"
#include "console.h"
#include "routes.h"

#define USERS_BODY_MAX 4096u

/* The "name" of o, or NULL with a 400 in a. */
static const char *name_of(const json_t *o, console_answer *a)
{
	const char *name = json_string_value(json_object_get(o, "name"));

	if (name == NULL)
		console_fail(a, 400, "invalid", "send the user's \"name\"");
	return name;
}

/* The "role" of o: 0, or a 400 in a. */
static int role_of(const json_t *o, console_role *out, console_answer *a)
{
	if (console_role_parse(out, json_string_value(json_object_get(o, "role"))) != 0) {
		console_fail(a, 400, "invalid", "role must be viewer, analyst or admin");
		return -1;
	}
	return 0;
}

/* Answer {"ok": true} or the error of rc. */
static int done(console_answer *a, int rc, const fs_err *err)
{
	if (rc != 0)
		return console_fail_err(a, rc, err);
	a->json = json_pack("{s:b}", "ok", 1);
	return 0;
}

/* GET /api/users: every account with its tokens' ids. */
static int list_users(console_call *c, console_answer *a)
{
	json_t *users = NULL;
	fs_err err = {0, ""};
	int rc = console_account_list(c->store, &users, &err);

	if (rc != 0)
		return console_fail_err(a, rc, &err);
	a->json = json_pack("{s:o}", "users", users);
	return 0;
}

/* POST /api/users/add {"name", "role", "regions", "password"} */
static int add_user(console_call *c, console_answer *a)
{
	json_t *o = console_body_object(c, a);
	const char *name = o != NULL ? name_of(o, a) : NULL;
	const char *password = json_string_value(json_object_get(o, "password"));
	console_role role;
	fs_err err = {0, ""};

	if (name == NULL || role_of(o, &role, a) != 0)
		goto cleanup;
	if (password == NULL) {
		console_fail(a, 400, "invalid", "send a \"password\" (%d to %d bytes)",
		             CONSOLE_PASSWORD_MIN, CONSOLE_PASSWORD_MAX);
		goto cleanup;
	}
	done(a,
	     console_account_add(c->store, c->actor, name, role, json_object_get(o, "regions"),
	                         password, &err),
	     &err);
cleanup:
	if (password != NULL)
		sodium_memzero((char *)password, strlen(password));
	json_decref(o);
	return 0;
}

/* POST /api/users/change {"name", "role", "regions"?} */
static int change_user(console_call *c, console_answer *a)
{
	json_t *o = console_body_object(c, a);
	const char *name = o != NULL ? name_of(o, a) : NULL;
	console_role role;
	fs_err err = {0, ""};

	if (name != NULL && role_of(o, &role, a) == 0)
		done(a,
		     console_account_change(c->store, c->actor, name, role,
		                            json_object_get(o, "regions"), &err),
		     &err);
	json_decref(o);
	return 0;
}

/* POST /api/users/disable {"name", "disabled": true|false} */
static int disable_user(console_call *c, console_answer *a)
{
	json_t *o = console_body_object(c, a);
	const char *name = o != NULL ? name_of(o, a) : NULL;
	json_t *flag = json_object_get(o, "disabled");
	fs_err err = {0, ""};

	if (name != NULL && !json_is_boolean(flag))
		console_fail(a, 400, "invalid", "send \"disabled\": true or false");
	else if (name != NULL)
		done(a, console_account_disable(c->store, c->actor, name, json_is_true(flag), &err),
		     &err);
	json_decref(o);
	return 0;
}

/* POST /api/users/remove {"name"} */
static int remove_user(console_call *c, console_answer *a)
{
	json_t *o = console_body_object(c, a);
	const char *name = o != NULL ? name_of(o, a) : NULL;
	fs_err err = {0, ""};

	if (name != NULL)
		done(a, console_account_remove(c->store, c->actor, name, &err), &err);
	json_decref(o);
	return 0;
}

/* POST /api/users/password {"name", "password"}: reset another's password
 * (their sessions end). */
static int reset_password(console_call *c, console_answer *a)
{
	json_t *o = console_body_object(c, a);
	const char *name = o != NULL ? name_of(o, a) : NULL;
	const char *password = json_string_value(json_object_get(o, "password"));
	fs_err err = {0, ""};

	if (name != NULL && password == NULL)
		console_fail(a, 400, "invalid", "send the new \"password\"");
	else if (name != NULL)
		done(a, console_account_passwd(c->store, c->actor, name, password, &err), &err);
	if (password != NULL)
		sodium_memzero((char *)password, strlen(password));
	json_decref(o);
	return 0;
}

/* POST /api/users/token {"name"}: a new API token for name, shown once. */
static int create_token(console_call *c, console_answer *a)
{
	json_t *o = console_body_object(c, a);
	const char *name = o != NULL ? name_of(o, a) : NULL;
	char token[CONSOLE_TOKEN_LEN + 1], id[FS_ACCOUNT_TOKEN_ID_MAX + 1];
	fs_err err = {0, ""};
	int rc;

	if (name != NULL) {
		rc = console_token_create(c->store, c->actor, name, token, id, &err);
		if (rc != 0)
			console_fail_err(a, rc, &err);
		else
			a->json = json_pack("{s:s, s:s}", "token", token, "id", id);
		sodium_memzero(token, sizeof(token));
	}
	json_decref(o);
	return 0;
}

/* POST /api/users/token/revoke {"name", "id"} */
static int revoke_token(console_call *c, console_answer *a)
{
	json_t *o = console_body_object(c, a);
	const char *name = o != NULL ? name_of(o, a) : NULL;
	const char *id = json_string_value(json_object_get(o, "id"));
	fs_err err = {0, ""};

	if (name != NULL && id == NULL)
		console_fail(a, 400, "invalid", "send the token's \"id\"");
	else if (name != NULL)
		done(a, console_token_revoke(c->store, c->actor, name, id, &err), &err);
	json_decref(o);
	return 0;
}

const console_route console_routes_users[] = {
    {"GET", "/api/users", CONSOLE_ADMIN, list_users, 0, 0},
    {"POST", "/api/users/add", CONSOLE_ADMIN, add_user, USERS_BODY_MAX, 0},
    {"POST", "/api/users/change", CONSOLE_ADMIN, change_user, USERS_BODY_MAX, 0},
    {"POST", "/api/users/disable", CONSOLE_ADMIN, disable_user, USERS_BODY_MAX, 0},
    {"POST", "/api/users/remove", CONSOLE_ADMIN, remove_user, USERS_BODY_MAX, 0},
    {"POST", "/api/users/password", CONSOLE_ADMIN, reset_password, USERS_BODY_MAX, 0},
    {"POST", "/api/users/token", CONSOLE_ADMIN, create_token, USERS_BODY_MAX, 0},
    {"POST", "/api/users/token/revoke", CONSOLE_ADMIN, revoke_token, USERS_BODY_MAX, 0},
    {0},
};
