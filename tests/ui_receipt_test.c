/* The kiosk's receipt API (agent/ui/ui_receipt.h), in process, with a
 * stand-in for the hub's lookup:
 *  - the hub's answer becomes the page's view: only known fields, checked
 *    and bounded; anything else reads as "cannot reach the hub";
 *  - a refused code says why in a word the page translates, and never
 *    holds the code in its message;
 *  - a status lookup never holds the screen: the first request answers
 *    202 at once while the hub is slow, the answer comes on a later one;
 *    a second code meanwhile is "busy", not queued behind it;
 *  - the guard: 5 malformed or unknown codes in a row lock the screen
 *    (429 with Retry-After) for every receipt request; a code the hub
 *    knows ends the run;
 *  - a withdrawal is durable on return; only one the hub just confirmed
 *    is not counted by the guard;
 *  - the QR code of a code is an SVG that a reader decodes to
 *    fieldsync-receipt:XXXX-XXXX-XXXX-C.
 * usage: ui_receipt_test */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "fieldsync/monotonic.h"
#include "fieldsync/receipt.h"
#include "test.h"
#include "ui_internal.h"
#include "ui_receipt.h"

static char dir[] = "/tmp/fieldsync-receipt-XXXXXX";

/* The stand-in hub: answers `answer` (status 200) after delay_ms. */
static const char *answer;
static unsigned delay_ms;
static int lookups;

static int fake_lookup(void *ctx, const char *hash, char **reply, long *status, fs_err *err)
{
	struct timespec ts = {delay_ms / 1000, (long)(delay_ms % 1000) * 1000000L};

	(void)ctx;
	(void)err;
	lookups++;
	nanosleep(&ts, NULL);
	if (answer == NULL || strlen(hash) != FS_RECEIPT_HASH_HEX)
		return FS_EGENERIC;
	*reply = strdup(answer);
	*status = 200;
	return 0;
}

static fs_ui *start(fs_ui_receipt_fn fn)
{
	fs_ui_opts o = {0};
	fs_ui *ui = NULL;
	fs_err e = {0, ""};

	o.listen = "127.0.0.1:0";
	o.data_dir = dir;
	o.receipt_lookup = fn;
	if (fs_ui_start(&ui, &o, &e) != 0)
		fprintf(stderr, "ui_receipt_test: %s\n", e.msg);
	return ui;
}

/* POST /api/receipt{rest} with {"code", "action"}: the reply's status;
 * *out (may be NULL) gets its JSON. */
static int post(fs_ui *ui, const char *rest, const char *code, const char *action, ui_reply *out)
{
	char path[64];
	json_t *body = json_pack("{s:s}", "code", code);
	ui_request rq = {"POST", path, NULL, body};

	snprintf(path, sizeof(path), "/api/receipt%s", rest);
	if (action != NULL)
		json_object_set_new(body, "action", json_string(action));
	memset(out, 0, sizeof(*out));
	ui_api_handle(ui, &rq, out);
	json_decref(body);
	return out->status;
}

static const char *field(const ui_reply *r, const char *name)
{
	return json_string_value(json_object_get(r->json, name));
}

/* Ask until the lookup is answered (the page polls the same way). */
static int status_of(fs_ui *ui, const char *code, ui_reply *r)
{
	int i, st = 0;

	for (i = 0; i < 200; i++) {
		st = post(ui, "", code, "status", r);
		if (st != 202)
			return st;
		json_decref(r->json);
		usleep(20000);
	}
	return st;
}

static void a_code(char shown[FS_RECEIPT_SHOWN_LEN + 1])
{
	fs_err e = {0, ""};

	fs_receipt_new(shown, &e);
}

static void view_keeps_known_fields(void)
{
	const char *good =
		"{\"status\":\"received\",\"questionnaire\":{\"id\":\"cafe\",\"title\":{\"en\":\"Our café\","
		"\"cy\":\"Ein caffi\",\"x<y\":\"bad tag\"}},\"received_on\":\"2026-12-01\",\"extra\":1,"
		"\"outcomes\":[{\"kind\":\"update\",\"on\":\"2026-12-02\",\"title\":{\"en\":\"Open till 7\"}},"
		"{\"kind\":\"raw_answers\",\"on\":\"2026-12-02\",\"title\":{\"en\":\"no\"}},"
		"{\"kind\":\"update\",\"on\":\"yesterday\",\"title\":{\"en\":\"no\"}}]}";
	json_t *v = ui_receipt_view(200, good, strlen(good));
	char *text = v ? json_dumps(v, JSON_SORT_KEYS) : NULL;

	CHECK(text != NULL);
	CHECK_STR(text, "{\"outcomes\": [{\"kind\": \"update\", \"on\": \"2026-12-02\", \"title\": "
			"{\"en\": \"Open till 7\"}}], \"received_on\": \"2026-12-01\", \"status\": "
			"\"received\", \"title\": {\"cy\": \"Ein caffi\", \"en\": \"Our café\"}}");
	free(text);
	json_decref(v);
	v = ui_receipt_view(200, "{\"status\":\"pending\",\"received_on\":\"2026-12-01\"}", 47);
	CHECK(v != NULL && json_object_size(v) == 1);
	CHECK_STR(json_string_value(json_object_get(v, "status")), "pending");
	json_decref(v);
	CHECK(ui_receipt_view(200, "{\"status\":\"deleted\"}", 20) == NULL);
	CHECK(ui_receipt_view(200, "{\"status\":", 10) == NULL);
	CHECK(ui_receipt_view(500, "{\"status\":\"unknown\"}", 20) == NULL);
	CHECK(ui_receipt_view(429, "{\"status\":\"unknown\"}", 20) == NULL);
	CHECK(ui_receipt_view(200, NULL, 0) == NULL);
}

static void reasons(void)
{
	char big[100];

	CHECK_STR(ui_receipt_reason("ABCD-EFGH"), "short");
	CHECK_STR(ui_receipt_reason("ABCD-EFGH-JKMN-P-Q"), "long");
	CHECK_STR(ui_receipt_reason("abcd efgh jkmn p"), "mistyped");
	memset(big, ' ', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	CHECK_STR(ui_receipt_reason(big), "long");
}

/* A code with its check character changed: well-formed, does not check. */
static void wrong_check(char code[FS_RECEIPT_SHOWN_LEN + 1])
{
	a_code(code);
	code[FS_RECEIPT_SHOWN_LEN - 1] = code[FS_RECEIPT_SHOWN_LEN - 1] == '0' ? '1' : '0';
}

static void refused_codes_say_why(void)
{
	fs_ui *ui = start(NULL);
	char code[FS_RECEIPT_SHOWN_LEN + 1];
	ui_reply r;

	CHECK(ui != NULL);
	wrong_check(code);
	CHECK(post(ui, "", code, "status", &r) == 422);
	CHECK_STR(r.error, "bad_code");
	CHECK_STR(field(&r, "reason"), "mistyped");
	CHECK(strstr(r.message, code) == NULL && strstr(r.message, "check") != NULL);
	json_decref(r.json);
	CHECK(post(ui, "", "ABC", "status", &r) == 422);
	CHECK_STR(field(&r, "reason"), "short");
	json_decref(r.json);
	/* No hub: "offline", so the page offers to withdraw anyway. */
	a_code(code);
	CHECK(post(ui, "", code, "status", &r) == 200);
	CHECK_STR(field(&r, "status"), "offline");
	json_decref(r.json);
	CHECK(post(ui, "", code, "lookup", &r) == 400);
	json_decref(r.json);
	fs_ui_stop(ui);
}

static void lookup_does_not_hold_the_screen(void)
{
	fs_ui *ui;
	char code[FS_RECEIPT_SHOWN_LEN + 1], other[FS_RECEIPT_SHOWN_LEN + 1];
	ui_reply r;
	uint64_t t0;

	answer = "{\"status\":\"received\",\"questionnaire\":{\"id\":\"q\",\"title\":{\"en\":\"Q\"}},"
		 "\"received_on\":\"2026-12-01\",\"outcomes\":[]}";
	delay_ms = 600;
	lookups = 0;
	ui = start(fake_lookup);
	CHECK(ui != NULL);
	a_code(code);
	a_code(other);
	t0 = fs_monotonic_ms();
	CHECK(post(ui, "", code, "status", &r) == 202);
	CHECK(fs_monotonic_ms() - t0 < 200);
	CHECK_STR(field(&r, "status"), "looking");
	json_decref(r.json);
	/* Another code while the hub is slow: refused at once, not queued. */
	CHECK(post(ui, "", other, "status", &r) == 503 && r.retry_after == 1);
	json_decref(r.json);
	CHECK(fs_monotonic_ms() - t0 < 300);
	CHECK(status_of(ui, code, &r) == 200);
	CHECK_STR(field(&r, "status"), "received");
	CHECK_STR(field(&r, "received_on"), "2026-12-01");
	json_decref(r.json);
	CHECK(lookups == 1);
	/* The hub unreachable: "offline". */
	answer = NULL;
	delay_ms = 0;
	CHECK(status_of(ui, other, &r) == 200);
	CHECK_STR(field(&r, "status"), "offline");
	json_decref(r.json);
	fs_ui_stop(ui);
}

static void guard_locks_after_five(void)
{
	fs_ui *ui;
	char code[FS_RECEIPT_SHOWN_LEN + 1];
	ui_reply r;
	int i;

	answer = "{\"status\":\"unknown\"}";
	delay_ms = 0;
	ui = start(fake_lookup);
	CHECK(ui != NULL);
	/* Four wrong ones, then a code the hub knows: the run ends. */
	for (i = 0; i < 4; i++) {
		wrong_check(code);
		CHECK(post(ui, "", code, "status", &r) == 422);
		json_decref(r.json);
	}
	answer = "{\"status\":\"withdrawn\",\"received_on\":\"2026-12-01\"}";
	a_code(code);
	CHECK(status_of(ui, code, &r) == 200);
	CHECK_STR(field(&r, "status"), "withdrawn");
	json_decref(r.json);
	/* Now five failures: codes the hub does not know count as wrong ones. */
	answer = "{\"status\":\"unknown\"}";
	for (i = 0; i < 3; i++) {
		a_code(code);
		CHECK(status_of(ui, code, &r) == 200);
		CHECK_STR(field(&r, "status"), "unknown");
		json_decref(r.json);
	}
	for (i = 0; i < 2; i++) {
		wrong_check(code);
		CHECK(post(ui, "", code, "status", &r) == 422);
		json_decref(r.json);
	}
	a_code(code);
	CHECK(post(ui, "", code, "status", &r) == 429);
	CHECK(r.retry_after >= UI_RECEIPT_LOCK_BASE_S - 1 && r.retry_after <= UI_RECEIPT_LOCK_BASE_S);
	CHECK_STR(r.error, "too_many_tries");
	json_decref(r.json);
	CHECK(post(ui, "", code, "withdraw", &r) == 429);
	json_decref(r.json);
	fs_ui_stop(ui);
}

/* A withdrawal is durable on return; one the hub has not just confirmed
 * counts toward the guard, one it has does not. */
static void withdraw_is_durable_and_guarded(void)
{
	fs_ui *ui;
	char code[FS_RECEIPT_SHOWN_LEN + 1], data[FS_RECEIPT_DATA_LEN + 1];
	char hash[FS_RECEIPT_HASH_HEX + 1];
	fs_err e = {0, ""};
	ui_reply r;
	int i, withdrawn = 0;

	answer = "{\"status\":\"received\",\"received_on\":\"2026-12-01\"}";
	delay_ms = 0;
	ui = start(fake_lookup);
	CHECK(ui != NULL);
	CHECK(fs_store_set_identity(ui->store, "k-test", "north", &e) == 0);
	a_code(code);
	CHECK(status_of(ui, code, &r) == 200);
	json_decref(r.json);
	/* Confirmed: withdrawing it again and again is not guessing. */
	for (i = 0; i < UI_RECEIPT_FREE_TRIES + 1; i++) {
		CHECK(post(ui, "", code, "withdraw", &r) == 200);
		CHECK(json_is_true(json_object_get(r.json, "withdrawn")));
		json_decref(r.json);
	}
	CHECK(fs_receipt_parse(code, data, &e) == 0 && fs_receipt_hash(data, hash, &e) == 0);
	CHECK(fs_receipt_withdrawn(ui->store, hash, &withdrawn, &e) == 0 && withdrawn == 1);
	/* Codes the hub never confirmed: the fifth locks the screen. */
	for (i = 0; i < UI_RECEIPT_FREE_TRIES; i++) {
		a_code(code);
		CHECK(post(ui, "", code, "withdraw", &r) == 200);
		json_decref(r.json);
	}
	a_code(code);
	CHECK(post(ui, "", code, "withdraw", &r) == 429);
	json_decref(r.json);
	fs_ui_stop(ui);
}

static void qr_decodes_to_the_code(void)
{
	fs_ui *ui = start(NULL);
	char code[FS_RECEIPT_SHOWN_LEN + 1], cmd[600], got[200], want[200], svgpath[100];
	ui_reply r;
	FILE *f;
	size_t n;

	CHECK(ui != NULL);
	a_code(code);
	CHECK(post(ui, "/qr", code, NULL, &r) == 200);
	CHECK(field(&r, "svg") != NULL && strncmp(field(&r, "svg"), "<svg ", 5) == 0);
	snprintf(svgpath, sizeof(svgpath), "%s/qr.svg", dir);
	f = fopen(svgpath, "w");
	CHECK(f != NULL && fputs(field(&r, "svg"), f) >= 0 && fclose(f) == 0);
	json_decref(r.json);
	snprintf(cmd, sizeof(cmd),
		 "rsvg-convert -w 300 -h 300 %s | zbarimg --quiet --raw -Sdisable -Sqrcode.enable - "
		 "2>/dev/null", svgpath);
	f = popen(cmd, "r");
	CHECK(f != NULL);
	n = fread(got, 1, sizeof(got) - 1, f);
	got[n] = '\0';
	CHECK_MSG(pclose(f) == 0, "no QR code read from %s", svgpath);
	while (n > 0 && got[n - 1] == '\n')
		got[--n] = '\0';
	snprintf(want, sizeof(want), "fieldsync-receipt:%s", code);
	CHECK_STR(got, want);
	wrong_check(code);
	CHECK(post(ui, "/qr", code, NULL, &r) == 422);
	json_decref(r.json);
	{
		ui_request rq = {"GET", "/api/receipt/qr", NULL, NULL};

		memset(&r, 0, sizeof(r));
		ui_api_handle(ui, &rq, &r);
		CHECK(r.status == 405);
		json_decref(r.json);
	}
	fs_ui_stop(ui);
}

int main(void)
{
	char cmd[100];

	if (mkdtemp(dir) == NULL)
		return 2;
	RUN(view_keeps_known_fields);
	RUN(reasons);
	RUN(refused_codes_say_why);
	RUN(lookup_does_not_hold_the_screen);
	RUN(guard_locks_after_five);
	RUN(withdraw_is_durable_and_guarded);
	RUN(qr_decodes_to_the_code);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	if (system(cmd) != 0)
		fprintf(stderr, "ui_receipt_test: could not remove %s\n", dir);
	return TEST_DONE();
}
