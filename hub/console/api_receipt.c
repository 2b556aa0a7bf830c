/* fieldsync-hub console: the public receipt page's calls
 * (public_receipt.h). */
#include "public_receipt.h"

#include <pthread.h>
#include <sodium.h>
#include <stdio.h>
#include <string.h>

#include "fieldsync/monotonic.h"
#include "ratelimit.h"
#include "receipts.h"

/* A form token is BLAKE2b(key, 10-minute bucket) for a key this process
 * draws at start: only this console's page gets one (same-origin GET),
 * it proves nothing about a person, and it lapses after 10 to 20 minutes.
 * With the Origin check every console POST has, a form on another site
 * cannot post here. */
#define TOKEN_BUCKET_MS (10u * 60u * 1000u)

static pthread_once_t once = PTHREAD_ONCE_INIT;
static unsigned char key[crypto_generichash_KEYBYTES];
static hub_ratelimit *per_minute, *per_day, *hub_wide;

static void setup(void)
{
	if (sodium_init() >= 0)
		randombytes_buf(key, sizeof(key));
	per_minute = hub_ratelimit_new(CONSOLE_RECEIPT_PER_MINUTE, 65536);
	per_day = hub_ratelimit_new_window(CONSOLE_RECEIPT_PER_DAY, 86400000u, 65536);
	hub_wide = hub_ratelimit_new(CONSOLE_RECEIPT_HUB_PER_MINUTE, 1);
}

static void token_of(char out[65], uint64_t bucket)
{
	unsigned char h[32], b[8];
	int i;

	for (i = 0; i < 8; i++)
		b[i] = (unsigned char)(bucket >> (8 * i));
	crypto_generichash(h, sizeof(h), b, sizeof(b), key, sizeof(key));
	sodium_bin2hex(out, 65, h, sizeof(h));
}

static int token_ok(const char *token)
{
	uint64_t now = fs_monotonic_ms() / TOKEN_BUCKET_MS;
	char want[65];
	int k;

	if (token == NULL || strlen(token) != 64)
		return 0;
	for (k = 0; k < 2; k++) {
		token_of(want, now - (uint64_t)k);
		if (sodium_memcmp(want, token, 64) == 0)
			return 1;
	}
	return 0;
}

/* 1 (with a 429 in a) when over a limit. */
static int limited(const char *peer, console_answer *a)
{
	char source[64];
	uint64_t now = fs_monotonic_ms();
	unsigned wait;

	hub_ratelimit_source(source, sizeof(source), peer);
	if (per_minute == NULL || per_day == NULL || hub_wide == NULL) {
		console_fail(a, 503, "busy", "the hub is out of memory; try again shortly");
		a->retry_after = 5;
		return 1;
	}
	wait = hub_ratelimit_hit(hub_wide, "*", now);
	if (wait == 0)
		wait = hub_ratelimit_hit(per_minute, source, now);
	if (wait == 0)
		wait = hub_ratelimit_hit(per_day, source, now);
	if (wait == 0)
		return 0;
	console_fail(a, 429, "too_many_requests",
	             "too many receipt lookups from here; try again in %u minute(s)",
	             (wait + 59) / 60);
	a->retry_after = wait;
	return 1;
}

void console_receipt_token(const char *peer, console_answer *a)
{
	char t[65];

	(void)peer;
	pthread_once(&once, setup);
	token_of(t, fs_monotonic_ms() / TOKEN_BUCKET_MS);
	a->json = json_pack("{s:s}", "token", t);
}

void console_receipt_call(fs_store *s, const char *peer, const char *token, const char *body,
                          size_t len, console_answer *a)
{
	char data[FS_RECEIPT_DATA_LEN + 1], hash[FS_RECEIPT_HASH_HEX + 1];
	fs_receipt_status after;
	json_t *b = NULL, *st = NULL;
	const char *code, *action;
	fs_err e = {0, ""};
	int rc;

	pthread_once(&once, setup);
	if (!token_ok(token)) {
		console_fail(a, 403, "csrf", "this form has expired: reload the page and try again");
		return;
	}
	if (limited(peer, a))
		return;
	b = json_loadb(body, len, JSON_REJECT_DUPLICATES, NULL);
	code = json_string_value(json_object_get(b, "code"));
	action = json_string_value(json_object_get(b, "action"));
	if (!json_is_object(b) || code == NULL || action == NULL ||
	    (strcmp(action, "status") != 0 && strcmp(action, "withdraw") != 0)) {
		console_fail(a, 400, "invalid",
		             "send {\"code\": \"XXXX-XXXX-XXXX-X\", \"action\": \"status\" or "
		             "\"withdraw\"}");
		goto cleanup;
	}
	rc = fs_receipt_parse(code, data, &e);
	if (rc == 0)
		rc = fs_receipt_hash(data, hash, &e);
	sodium_memzero(data, sizeof(data));
	if (rc != 0) {
		/* fs_receipt_parse's words are for a person and never repeat it. */
		console_fail(a, 400, "invalid_code", "%s", e.msg);
		goto cleanup;
	}
	rc = strcmp(action, "withdraw") == 0
	         ? hub_receipt_withdraw(s, "console:public", hash, &after, &e)
	         : 0;
	if (rc == 0)
		rc = hub_receipt_status_json(s, hash, NULL, &st, &e);
	sodium_memzero(hash, sizeof(hash));
	if (rc != 0) {
		console_fail_err(a, rc, &e);
		goto cleanup;
	}
	a->json = st;
	st = NULL;
cleanup:
	if (b != NULL && code != NULL)
		sodium_memzero((char *)code, strlen(code));
	json_decref(b);
	json_decref(st);
}
