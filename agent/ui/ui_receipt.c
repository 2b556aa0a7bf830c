/* fieldsync kiosk UI: receipt codes (ui_receipt.h). */
#include "ui_receipt.h"

#include <pthread.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fieldsync/lockout.h"
#include "fieldsync/monotonic.h"
#include "fieldsync/receipt.h"
#include "qr.h"

/* What the QR code says: the code under a scheme of its own, so a phone's
 * scanner shows it as text rather than opening anything (no public
 * console URL is known to a kiosk). */
#define QR_SCHEME "fieldsync-receipt:"
/* Bounds on what the hub's answer may make the page show. */
#define VIEW_BODY_MAX (64u << 10)
#define VIEW_TITLES_MAX 40
#define VIEW_TITLE_MAX 500
#define VIEW_OUTCOMES_MAX 20

enum { LOOKUP_NONE, LOOKUP_RUNNING, LOOKUP_DONE };

/* One rule, one name: the screen (a kiosk has one). */
static const fs_lockout_rule guard_rule = {UI_RECEIPT_FREE_TRIES, UI_RECEIPT_LOCK_BASE_S,
                                           UI_RECEIPT_LOCK_MAX_S, 1, 1};
static const char guard_name[] = "screen";

struct ui_receipts {
	fs_ui_receipt_fn lookup;
	void *ctx;
	pthread_mutex_t mu;
	pthread_t thread;
	int joinable; /* a thread was started and not joined (UI thread only) */
	/* Under mu: the one lookup. */
	int busy;     /* its thread has not returned */
	int state;
	char hash[FS_RECEIPT_HASH_HEX + 1];
	uint64_t started_ms, done_ms;
	int rc;
	long http_status;
	char *body;
	/* UI thread only. */
	fs_lockout_name guard[1];
	unsigned guarded;
	char confirmed[FS_RECEIPT_HASH_HEX + 1]; /* the last hash the hub knew */
	uint64_t confirmed_ms;
};

int ui_receipts_new(ui_receipts **out, fs_ui_receipt_fn lookup, void *ctx, fs_err *err)
{
	ui_receipts *rs = calloc(1, sizeof(*rs));

	*out = NULL;
	if (rs == NULL)
		return fs_err_set(err, FS_ENOMEM, "out of memory");
	if (pthread_mutex_init(&rs->mu, NULL) != 0) {
		free(rs);
		return fs_err_set(err, FS_ENOMEM, "receipts: no mutex");
	}
	rs->lookup = lookup;
	rs->ctx = ctx;
	*out = rs;
	return 0;
}

/* Forget the lookup's hash and answer (under mu). */
static void lookup_clear(ui_receipts *rs)
{
	rs->state = LOOKUP_NONE;
	sodium_memzero(rs->hash, sizeof(rs->hash));
	free(rs->body);
	rs->body = NULL;
}

void ui_receipts_free(ui_receipts *rs)
{
	if (rs == NULL)
		return;
	if (rs->joinable)
		pthread_join(rs->thread, NULL);
	lookup_clear(rs);
	sodium_memzero(rs->confirmed, sizeof(rs->confirmed));
	pthread_mutex_destroy(&rs->mu);
	free(rs);
}

static void *lookup_main(void *arg)
{
	ui_receipts *rs = arg;
	char hash[FS_RECEIPT_HASH_HEX + 1], *body = NULL;
	long status = 0;
	fs_err e = {0, ""};
	int rc;

	pthread_mutex_lock(&rs->mu);
	memcpy(hash, rs->hash, sizeof(hash));
	pthread_mutex_unlock(&rs->mu);
	rc = rs->lookup(rs->ctx, hash, &body, &status, &e);
	pthread_mutex_lock(&rs->mu);
	/* The page may have given up on it (and asked for another code). */
	if (rs->state == LOOKUP_RUNNING && strcmp(rs->hash, hash) == 0) {
		rs->state = LOOKUP_DONE;
		rs->done_ms = fs_monotonic_ms();
		rs->rc = rc;
		rs->http_status = status;
		rs->body = rc == 0 ? body : NULL;
		body = rc == 0 ? NULL : body;
	}
	rs->busy = 0;
	pthread_mutex_unlock(&rs->mu);
	free(body);
	sodium_memzero(hash, sizeof(hash));
	return NULL;
}

/* ---- the hub's answer, as the page shows it ---- */

static int is_date(const char *s)
{
	int i;

	if (s == NULL || strlen(s) != 10)
		return 0;
	for (i = 0; i < 10; i++)
		if (i == 4 || i == 7 ? s[i] != '-' : (s[i] < '0' || s[i] > '9'))
			return 0;
	return 1;
}

/* A language tag as questionnaires use them: letters, digits, hyphens. */
static int is_tag(const char *s)
{
	size_t n = strlen(s);

	return n >= 2 && n <= 35 &&
	       strspn(s, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-") == n;
}

/* {tag: text} with only well-formed entries, or NULL when none is. */
static json_t *titles_copy(const json_t *in)
{
	const char *tag;
	json_t *v, *out;

	if (!json_is_object(in) || json_object_size(in) > VIEW_TITLES_MAX)
		return NULL;
	out = json_object();
	json_object_foreach((json_t *)in, tag, v) {
		if (is_tag(tag) && json_is_string(v) && json_string_length(v) > 0 &&
		    json_string_length(v) <= VIEW_TITLE_MAX)
			json_object_set(out, tag, v);
	}
	if (out != NULL && json_object_size(out) == 0) {
		json_decref(out);
		out = NULL;
	}
	return out;
}

json_t *ui_receipt_view(long http_status, const char *body, size_t n)
{
	static const char *const statuses[] = {"received", "withdrawn", "pending", "unknown"};
	const json_t *q, *o;
	json_t *in, *out = NULL, *list, *t;
	const char *status, *on;
	size_t i, k;

	if (http_status != 200 || body == NULL || n > VIEW_BODY_MAX)
		return NULL;
	in = json_loadb(body, n, JSON_REJECT_DUPLICATES, NULL);
	status = json_string_value(json_object_get(in, "status"));
	for (i = 0; status != NULL && i < sizeof(statuses) / sizeof(statuses[0]); i++)
		if (strcmp(status, statuses[i]) == 0)
			out = json_pack("{s:s}", "status", statuses[i]);
	if (out == NULL || (strcmp(status, "received") != 0 && strcmp(status, "withdrawn") != 0))
		goto done;
	q = json_object_get(in, "questionnaire");
	if ((t = titles_copy(json_object_get(q, "title"))) != NULL)
		json_object_set_new(out, "title", t);
	on = json_string_value(json_object_get(in, "received_on"));
	if (is_date(on))
		json_object_set_new(out, "received_on", json_string(on));
	list = json_array();
	json_array_foreach(json_object_get(in, "outcomes"), k, o) {
		const char *kind = json_string_value(json_object_get(o, "kind"));

		if (k >= VIEW_OUTCOMES_MAX || list == NULL)
			break;
		on = json_string_value(json_object_get(o, "on"));
		if (kind == NULL || (strcmp(kind, "shared_results") != 0 && strcmp(kind, "update") != 0) ||
		    !is_date(on) || (t = titles_copy(json_object_get(o, "title"))) == NULL)
			continue;
		json_array_append_new(list, json_pack("{s:s, s:s, s:o}", "kind", kind, "on", on,
		                                      "title", t));
	}
	json_object_set_new(out, "outcomes", list != NULL ? list : json_array());
done:
	json_decref(in);
	return out;
}

const char *ui_receipt_reason(const char *typed)
{
	size_t i, n = 0;

	for (i = 0; typed != NULL && typed[i] != '\0'; i++) {
		if (i >= FS_RECEIPT_INPUT_MAX)
			return "long";
		if (typed[i] != ' ' && typed[i] != '-' && typed[i] != '\t')
			n++;
	}
	return n < FS_RECEIPT_DATA_LEN + 1 ? "short" : n > FS_RECEIPT_DATA_LEN + 1 ? "long" : "mistyped";
}

/* ---- the guard against guessing (UI thread) ---- */

/* Seconds the screen is still locked, 0 when it is not. */
static unsigned guard_locked(ui_receipts *rs, uint64_t now)
{
	fs_lockout_name *e = fs_lockout_find(rs->guard, rs->guarded, guard_name);

	if (e == NULL || e->locked_until <= now)
		return 0;
	return (unsigned)((e->locked_until - now + 999) / 1000);
}

static void guard_fail(ui_receipts *rs, uint64_t now)
{
	fs_lockout_name *e = fs_lockout_find(rs->guard, rs->guarded, guard_name);

	if (e == NULL)
		e = fs_lockout_add(rs->guard, &rs->guarded, &guard_rule, guard_name, 1);
	fs_lockout_fail(e, &guard_rule, 1, now);
}

static void guard_pass(ui_receipts *rs, const char *hash, uint64_t now)
{
	fs_lockout_name *e = fs_lockout_find(rs->guard, rs->guarded, guard_name);

	if (e != NULL)
		fs_lockout_drop(rs->guard, &rs->guarded, e);
	memcpy(rs->confirmed, hash, sizeof(rs->confirmed));
	rs->confirmed_ms = now;
}

static int refuse_locked(ui_reply *r, unsigned seconds)
{
	ui_fail(r, 429, "too_many_tries",
	        "too many receipt codes were tried on this screen: wait %u seconds", seconds);
	r->retry_after = seconds;
	r->json = json_pack("{s:I}", "retry_after", (json_int_t)seconds);
	return 0;
}

/* The code of the request as its 12 data characters and its hash; 422 for
 * the page when it is malformed (a failure for the guard when guarded). */
static int read_code(ui_receipts *rs, const ui_request *rq, int guarded, uint64_t now,
                     char data[FS_RECEIPT_DATA_LEN + 1], char hash[FS_RECEIPT_HASH_HEX + 1],
                     ui_reply *r)
{
	const char *typed = json_string_value(json_object_get(rq->body, "code"));
	fs_err err = {0, ""};

	if (typed == NULL) {
		ui_fail(r, 400, "bad_request", "give \"code\"");
		return -1;
	}
	if (fs_receipt_parse(typed, data, &err) != 0) {
		if (guarded)
			guard_fail(rs, now);
		ui_fail(r, 422, "bad_code", "%s", err.msg);
		r->json = json_pack("{s:s}", "reason", ui_receipt_reason(typed));
		return -1;
	}
	if (fs_receipt_hash(data, hash, &err) != 0) {
		sodium_memzero(data, FS_RECEIPT_DATA_LEN + 1);
		ui_fail(r, 500, "internal", "%s", err.msg);
		return -1;
	}
	return 0;
}

/* ---- the handlers ---- */

static void api_qr(const ui_request *rq, ui_reply *r)
{
	char data[FS_RECEIPT_DATA_LEN + 1], hash[FS_RECEIPT_HASH_HEX + 1];
	char shown[FS_RECEIPT_SHOWN_LEN + 1], text[sizeof(QR_SCHEME) + FS_RECEIPT_SHOWN_LEN];
	char *svg = NULL;
	size_t len = 0;
	fs_err err = {0, ""};

	/* Not guarded: drawing a code tells nothing about any response. */
	if (read_code(NULL, rq, 0, 0, data, hash, r) != 0)
		return;
	fs_receipt_show(data, shown, &err);
	snprintf(text, sizeof(text), "%s%s", QR_SCHEME, shown);
	if (fs_qr_svg(text, "QR code of the receipt code", &svg, &len, &err) != 0) {
		ui_fail(r, 500, "internal", "%s", err.msg);
	} else {
		r->status = 200;
		r->json = json_pack("{s:s%}", "svg", svg, len);
		if (r->json == NULL)
			ui_fail(r, 500, "internal", "out of memory");
	}
	if (svg != NULL)
		sodium_memzero(svg, len);
	free(svg);
	sodium_memzero(text, sizeof(text));
	sodium_memzero(shown, sizeof(shown));
	sodium_memzero(data, sizeof(data));
	sodium_memzero(hash, sizeof(hash));
}

/* Hand the page the answer of a finished lookup (rs->mu not held). */
static void status_answer(ui_receipts *rs, const char *hash, int rc, long http_status,
                          const char *body, uint64_t now, ui_reply *r)
{
	json_t *view = rc == 0 ? ui_receipt_view(http_status, body, body ? strlen(body) : 0) : NULL;
	const char *status = json_string_value(json_object_get(view, "status"));

	if (rc == 0 && http_status == 429) {
		/* The hub's own limit on lookups: not this person's guess. */
		ui_fail(r, 429, "hub_busy", "the hub is answering too many lookups: try again later");
		r->retry_after = 60;
		r->json = json_pack("{s:I}", "retry_after", (json_int_t)60);
		return;
	}
	if (view == NULL) {
		r->status = 200;
		r->json = json_pack("{s:s}", "status", "offline");
		return;
	}
	if (strcmp(status, "unknown") == 0)
		guard_fail(rs, now);
	else
		guard_pass(rs, hash, now);
	r->status = 200;
	r->json = view;
}

static void api_status(fs_ui *ui, const ui_request *rq, uint64_t now, ui_reply *r)
{
	ui_receipts *rs = ui->receipts;
	char data[FS_RECEIPT_DATA_LEN + 1], hash[FS_RECEIPT_HASH_HEX + 1], *body = NULL;
	int rc = 0, answer = 0, offline = 0;
	long http_status = 0;

	if (read_code(rs, rq, 1, now, data, hash, r) != 0)
		return;
	sodium_memzero(data, sizeof(data));
	if (rs->lookup == NULL) {
		r->status = 200;
		r->json = json_pack("{s:s}", "status", "offline");
		return;
	}
	pthread_mutex_lock(&rs->mu);
	if (rs->state == LOOKUP_DONE && now - rs->done_ms > UI_RECEIPT_KEEP_MS)
		lookup_clear(rs);
	if (rs->state != LOOKUP_NONE && strcmp(rs->hash, hash) == 0) {
		if (rs->state == LOOKUP_DONE) {
			answer = 1;
			rc = rs->rc;
			http_status = rs->http_status;
			body = rs->body;
			rs->body = NULL;
			lookup_clear(rs);
		} else if (now - rs->started_ms > UI_RECEIPT_WAIT_MS) {
			offline = 1; /* its thread's answer, if it comes, is dropped */
			lookup_clear(rs);
		}
	} else if (rs->busy) {
		pthread_mutex_unlock(&rs->mu);
		ui_fail(r, 503, "busy", "another receipt code is being looked up: try again");
		r->retry_after = 1;
		goto out;
	} else {
		if (rs->joinable)
			pthread_join(rs->thread, NULL);
		rs->joinable = 0;
		lookup_clear(rs);
		memcpy(rs->hash, hash, sizeof(hash));
		rs->state = LOOKUP_RUNNING;
		rs->started_ms = now;
		rs->busy = 1;
		if (pthread_create(&rs->thread, NULL, lookup_main, rs) != 0) {
			rs->busy = 0;
			lookup_clear(rs);
			offline = 1;
		} else {
			rs->joinable = 1;
		}
	}
	pthread_mutex_unlock(&rs->mu);
	if (answer) {
		status_answer(rs, hash, rc, http_status, body, now, r);
	} else if (offline) {
		r->status = 200;
		r->json = json_pack("{s:s}", "status", "offline");
	} else {
		r->status = 202;
		r->json = json_pack("{s:s}", "status", "looking");
	}
out:
	if (body != NULL)
		sodium_memzero(body, strlen(body));
	free(body);
	sodium_memzero(hash, sizeof(hash));
	if (r->status < 400 && r->json == NULL)
		ui_fail(r, 500, "internal", "out of memory");
}

/* Withdrawal: fs_receipt_withdraw, durable before the page is told. Not a
 * lookup, yet a guess could be made with it: it counts as a failure
 * unless the hub just confirmed this code on this screen. */
static void api_withdraw(fs_ui *ui, const ui_request *rq, uint64_t now, ui_reply *r)
{
	ui_receipts *rs = ui->receipts;
	char data[FS_RECEIPT_DATA_LEN + 1], hash[FS_RECEIPT_HASH_HEX + 1];
	fs_err err = {0, ""};
	int rc;

	if (read_code(rs, rq, 1, now, data, hash, r) != 0)
		return;
	sodium_memzero(data, sizeof(data));
	rc = fs_receipt_withdraw(ui->store, hash, &err);
	if (rc == FS_EBUSY) {
		r->retry_after = 1;
		ui_fail(r, 503, "busy", "%s", err.msg);
	} else if (rc != 0) {
		ui_fail(r, 500, "internal", "%s", err.msg);
	} else {
		if (strcmp(rs->confirmed, hash) != 0 || now - rs->confirmed_ms > UI_RECEIPT_CONFIRMED_MS)
			guard_fail(rs, now);
		r->status = 200;
		r->json = json_pack("{s:b}", "withdrawn", 1);
		if (r->json == NULL)
			ui_fail(r, 500, "internal", "out of memory");
	}
	sodium_memzero(hash, sizeof(hash));
}

void ui_receipt_api(fs_ui *ui, const ui_request *rq, const char *rest, ui_reply *r)
{
	const char *action = json_string_value(json_object_get(rq->body, "action"));
	uint64_t now = fs_monotonic_ms();
	unsigned locked;

	if (strcmp(rq->method, "POST") != 0) {
		/* A code is never put in a URL. */
		ui_fail(r, 405, "method_not_allowed", "receipt codes are sent with POST");
		return;
	}
	if (strcmp(rest, "/qr") == 0) {
		api_qr(rq, r);
		return;
	}
	if (rest[0] != '\0') {
		ui_fail(r, 404, "not_found", "no such API path");
		return;
	}
	if (ui->receipts == NULL) {
		ui_fail(r, 503, "unavailable", "receipts are not available on this kiosk");
		return;
	}
	locked = guard_locked(ui->receipts, now);
	if (locked > 0) {
		refuse_locked(r, locked);
		return;
	}
	if (action != NULL && strcmp(action, "status") == 0)
		api_status(ui, rq, now, r);
	else if (action != NULL && strcmp(action, "withdraw") == 0)
		api_withdraw(ui, rq, now, r);
	else
		ui_fail(r, 400, "bad_request", "\"action\" must be \"status\" or \"withdraw\"");
}
