/* fieldsync-hub console: what a signed-in user does to their own account
 * (GET /api/session, /api/login and /api/logout are the framework's, in
 * server.c): change the password, create and revoke personal API tokens. */
#include <jansson.h>
#include <sodium.h>
#include <string.h>

#include "accounts.h"
#include "console.h"
#include "routes.h"

#define SESSION_BODY_MAX 2048u

/* POST /api/session/password {"current", "new"}: the current password is
 * checked first (a session left open is not enough to take the account);
 * every session of the account ends, this one included. */
static int change_password(console_call *c, console_answer *a)
{
	json_t *o = console_body_object(c, a);
	const char *current = json_string_value(json_object_get(o, "current"));
	const char *next = json_string_value(json_object_get(o, "new"));
	fs_account_row row;
	fs_err err = {0, ""};
	int rc, right;

	if (o == NULL)
		return 0;
	if (current == NULL || next == NULL) {
		console_fail(a, 400, "invalid", "send {\"current\": ..., \"new\": ...}");
		goto cleanup;
	}
	rc = console_account_get(c->store, c->user->name, &row, &err);
	if (rc == 0)
		rc = console_hash_begin(&err);
	if (rc != 0) {
		console_fail_err(a, rc, &err);
		goto cleanup;
	}
	right = console_password_verify(row.hash, current);
	console_hash_end();
	sodium_memzero(row.hash, sizeof(row.hash));
	if (!right) {
		console_fail(a, 403, "wrong_password", "the current password is wrong");
		goto cleanup;
	}
	rc = console_account_passwd(c->store, c->actor, c->user->name, next, &err);
	if (rc != 0)
		console_fail_err(a, rc, &err);
	else
		a->json = json_pack("{s:b}", "changed", 1);
cleanup:
	if (current != NULL)
		sodium_memzero((char *)current, strlen(current));
	if (next != NULL)
		sodium_memzero((char *)next, strlen(next));
	json_decref(o);
	return 0;
}

/* POST /api/session/token {}: a new personal API token, shown once. */
static int create_token(console_call *c, console_answer *a)
{
	char token[CONSOLE_TOKEN_LEN + 1], id[FS_ACCOUNT_TOKEN_ID_MAX + 1];
	fs_err err = {0, ""};
	int rc = console_token_create(c->store, c->actor, c->user->name, token, id, &err);

	if (rc != 0)
		return console_fail_err(a, rc, &err);
	a->json = json_pack("{s:s, s:s}", "token", token, "id", id);
	sodium_memzero(token, sizeof(token));
	return 0;
}

/* POST /api/session/token/revoke {"id"}: revoke one of one's own tokens. */
static int revoke_token(console_call *c, console_answer *a)
{
	json_t *o = console_body_object(c, a);
	const char *id = json_string_value(json_object_get(o, "id"));
	fs_err err = {0, ""};
	int rc;

	if (o == NULL)
		return 0;
	if (id == NULL) {
		json_decref(o);
		return console_fail(a, 400, "invalid", "send {\"id\": ...}");
	}
	rc = console_token_revoke(c->store, c->actor, c->user->name, id, &err);
	if (rc != 0)
		console_fail_err(a, rc, &err);
	else
		a->json = json_pack("{s:b}", "revoked", 1);
	json_decref(o);
	return 0;
}

/* GET /api/session/tokens: one's own API tokens [{"id", "created"}]. */
static int list_tokens(console_call *c, console_answer *a)
{
	json_t *users = NULL, *u;
	fs_err err = {0, ""};
	size_t i;
	int rc = console_account_list(c->store, &users, &err);

	if (rc != 0)
		return console_fail_err(a, rc, &err);
	json_array_foreach(users, i, u) {
		if (strcmp(json_string_value(json_object_get(u, "name")), c->user->name) == 0) {
			a->json = json_pack("{s:O}", "tokens", json_object_get(u, "tokens"));
			break;
		}
	}
	json_decref(users);
	if (a->json == NULL)
		return console_fail(a, 404, "not_found", "no such user");
	return 0;
}

const console_route console_routes_session[] = {
    {"GET", "/api/session/tokens", CONSOLE_VIEWER, list_tokens, 0, 0},
    {"POST", "/api/session/password", CONSOLE_VIEWER, change_password, SESSION_BODY_MAX, 0},
    {"POST", "/api/session/token", CONSOLE_VIEWER, create_token, SESSION_BODY_MAX, 0},
    {"POST", "/api/session/token/revoke", CONSOLE_VIEWER, revoke_token, SESSION_BODY_MAX, 0},
    {0},
};
