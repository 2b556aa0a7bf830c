/* fieldsync kiosk UI: the local JSON API the page uses (docs/kiosk.md).
 *
 * Service users (no session):
 *   GET  /api/kiosk                  questionnaires offered, timeouts,
 *                                    the person_ref pattern
 *   GET  /api/questionnaires/ID      one document and today's date
 *   GET  /api/updates                the current updates (ui_updates.c)
 *   POST /api/responses              store a response (mode self); the
 *                                    201 gives its receipt code, once
 *   GET  /api/results[/ID]           shared results (ui_results.c)
 *   POST /api/contact-requests       a request to be contacted, queued
 *                                    for release (contact_requests.h)
 *   POST /api/receipt[/qr]           a receipt code's QR code, status and
 *                                    withdrawal (ui_receipt.h)
 *   GET  /api/worker/names           the names to tap on the PIN screen
 * Worker mode (the fs_worker cookie from POST /api/worker/login):
 *   GET  /api/worker/me, POST /api/worker/logout, POST /api/worker/pin
 *   GET  /api/worker/contacts[/ID], POST /api/worker/contacts,
 *   PUT  /api/worker/contacts/ID
 *   GET  /api/worker/followups       due today or overdue, region-wide
 *   GET  /api/worker/questionnaires, PUT /api/worker/offered
 *   GET  /api/worker/status, POST /api/worker/sync
 *   POST /api/responses with "assisted": true (mode assisted, worker set)
 *
 * Every rule on answers and contacts is core's (fs_response_add,
 * fs_contact_put); this file only maps HTTP to those calls. No handler
 * logs anything a person entered. */
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "fieldsync/monotonic.h"
#include "audit_queue.h"
#include "contact_requests.h"
#include "ui_updates.h"

#include "fieldsync/offers.h"
#include "fieldsync/questionnaire.h"
#include "fieldsync/receipt.h"
#include "fieldsync/records.h"
#include "fieldsync/sync.h"
#include "http_metrics.h"
#include "ui_file.h"
#include "ui_internal.h"
#include "ui_receipt.h"

#define UI_FILE "ui.json"
#define STATE_FILE "state.json"
#define EXIT_UNREACHABLE 3         /* agent_exit: no answer from the hub */
#define MAX_ELAPSED_MS (24u * 3600u * 1000u)

/* ---- helpers ---- */

/* The kiosk's local date (follow-ups are due by the local calendar). */
static void local_date(char out[11], uint64_t ms)
{
	time_t t = (time_t)(ms / 1000);
	struct tm tm;

	localtime_r(&t, &tm);
	strftime(out, 11, "%Y-%m-%d", &tm);
}

static int store_fail(ui_reply *r, int code, const fs_err *err, const char *invalid)
{
	switch (code) {
	case FS_EINVAL:
		return ui_fail(r, 422, invalid, "%s", err->msg);
	case FS_ENOTFOUND:
		return ui_fail(r, 404, "not_found", "%s", err->msg);
	case FS_EBUSY:
		r->retry_after = 1;
		return ui_fail(r, 503, "busy", "%s", err->msg);
	default:
		return ui_fail(r, 500, "internal", "%s", err->msg);
	}
}

static void reply_json(ui_reply *r, int status, json_t *v)
{
	r->status = status;
	r->json = v;
	if (v == NULL)
		ui_fail(r, 500, "internal", "out of memory");
}

/* path matches prefix; *rest gets what follows it. */
static int route(const char *path, const char *prefix, const char **rest)
{
	size_t n = strlen(prefix);

	if (strncmp(path, prefix, n) != 0)
		return 0;
	*rest = path + n;
	return 1;
}

/* ---- offered questionnaires ---- */

/* The ids chosen by a worker (new array), or NULL when none were chosen,
 * which offers every published questionnaire. */
static json_t *offered_ids(fs_ui *ui)
{
	json_t *doc = NULL, *ids;
	fs_err err = {0, ""};

	if (ui_file_read(&doc, ui->dir, UI_FILE, &err) != 0 || doc == NULL)
		return NULL;
	ids = json_object_get(doc, "offered");
	ids = json_is_array(ids) ? json_incref(ids) : NULL;
	json_decref(doc);
	return ids;
}

static int id_in(const json_t *ids, const char *id)
{
	size_t i;

	for (i = 0; i < json_array_size(ids); i++)
		if (json_is_string(json_array_get(ids, i)) &&
		    strcmp(json_string_value(json_array_get(ids, i)), id) == 0)
			return 1;
	return 0;
}

static int is_offered(fs_ui *ui, const char *id)
{
	json_t *ids = offered_ids(ui);
	int yes = ids == NULL || id_in(ids, id);

	json_decref(ids);
	return yes;
}

/* Published questionnaires (highest versions) as {id, version, title,
 * languages, offered}; only offered ones unless all. */
static int questionnaire_summaries(fs_ui *ui, json_t **out, int all, fs_err *err)
{
	json_t *list = NULL, *ids = offered_ids(ui), *res = json_array(), *e;
	size_t i;
	int rc;

	*out = NULL;
	rc = fs_questionnaire_list(ui->store, &list, err);
	for (i = 0; rc == 0 && i < json_array_size(list); i++) {
		const char *id = json_string_value(json_object_get(json_array_get(list, i), "id"));
		json_t *doc = NULL;
		int offered = ids == NULL || id_in(ids, id), hub_offered = 1;

		/* The list holds every version; keep the last (highest) of each id. */
		e = json_array_get(list, i + 1);
		if (e != NULL && strcmp(json_string_value(json_object_get(e, "id")), id) == 0)
			continue;
		if (!offered && !all)
			continue;
		/* The hub's offers to this kiosk's region come first (offers.h);
		 * they only hide a questionnaire, never refuse its responses. */
		rc = fs_offer_listed(ui->store, id, fs_store_region(ui->store), &hub_offered, err);
		if (rc != 0)
			break;
		if (!hub_offered)
			continue;
		rc = fs_questionnaire_get(ui->store, &doc, id, 0, err);
		if (rc != 0)
			break;
		json_array_append_new(res, json_pack("{s:s, s:O, s:O, s:O, s:b}", "id", id,
						     "version", json_object_get(doc, "version"),
						     "title", json_object_get(doc, "title"),
						     "languages", json_object_get(doc, "languages"),
						     "offered", offered));
		json_decref(doc);
	}
	json_decref(list);
	json_decref(ids);
	if (rc != 0) {
		json_decref(res);
		return rc;
	}
	*out = res;
	return 0;
}

/* ---- the audit trail's worker events (audit_queue.h) ---- */

/* Queue a worker event at the store's clock; 0, or the reply set (503)
 * and the error returned: the action must not be reported done. */
static int audit_event(fs_ui *ui, const char *action, const char *worker, const char *contact,
                       ui_reply *r)
{
	fs_err err = {0, ""};
	int rc = fs_audit_queue_add(ui->dir, action, worker, contact,
	                            fs_store_now_ms(ui->store), &err);

	if (rc != 0 && r != NULL)
		ui_fail(r, 503, "audit_unavailable", "%s", err.msg);
	return rc;
}

/* Is name one of this kiosk's workers (a failed PIN names the worker only
 * then: anything else typed at the name prompt is never recorded)? */
static int is_worker(fs_ui *ui, const char *name)
{
	fs_worker_found f;

	return fs_workers_find(&f, ui->store, ui->dir, name, NULL) == 0 &&
	       f.source != FS_WORKER_NONE;
}

/* ---- worker session ---- */

/* Is the session's worker still who opened it: the same source, and for
 * the hub's workers the same row (removed or given a new PIN at the hub,
 * synced since: no)? An unreadable store or file counts as no. */
static int session_worker_current(fs_ui *ui)
{
	const ui_session *s = &ui->session;
	fs_worker_found now;

	if (fs_workers_find(&now, ui->store, ui->dir, s->worker, NULL) != 0)
		return 0;
	return now.source == s->who.source &&
	       (now.source != FS_WORKER_CENTRAL || now.hlc == s->who.hlc);
}

static int session_valid(fs_ui *ui, const ui_request *rq)
{
	ui_session *s = &ui->session;

	if (s->token[0] == '\0' || rq->cookie == NULL || strlen(rq->cookie) != UI_TOKEN_HEX ||
	    sodium_memcmp(s->token, rq->cookie, UI_TOKEN_HEX) != 0)
		return 0;
	if (fs_monotonic_ms() - s->last_seen_ms > (uint64_t)ui->worker_idle_s * 1000u) {
		memset(s, 0, sizeof(*s)); /* locked by idleness */
		return 0;
	}
	if (!session_worker_current(ui)) {
		/* Removed (or a new PIN) since the login: the session ends here. */
		audit_event(ui, "worker_logout", s->worker, NULL, NULL);
		memset(s, 0, sizeof(*s));
		return 0;
	}
	s->last_seen_ms = fs_monotonic_ms();
	return 1;
}

static void clear_cookie(ui_reply *r)
{
	snprintf(r->set_cookie, sizeof(r->set_cookie),
		 "fs_worker=; Path=/api/; Max-Age=0; HttpOnly; SameSite=Strict");
}

/* A refused or failed PIN entry as its reply. */
static void pin_refused(const fs_pin_result *res, ui_reply *r)
{
	r->retry_after = res->wait_s;
	if (res->outcome == FS_PIN_THROTTLED)
		ui_fail(r, 429, "too_many_requests",
			"too many wrong PINs on this kiosk: try again in %u seconds", res->wait_s);
	else if (res->outcome == FS_PIN_LOCKED)
		ui_fail(r, 429, "too_many_requests",
			"too many wrong PINs for this name: try again in %u seconds", res->wait_s);
	else if (res->wait_s > 0)
		ui_fail(r, 429, "too_many_requests",
			"wrong worker name or PIN; entry for this name is locked for %u seconds",
			res->wait_s);
	else
		ui_fail(r, 401, "unauthorized", "wrong worker name or PIN");
}

static void api_login(fs_ui *ui, const ui_request *rq, ui_reply *r)
{
	const char *name = json_string_value(json_object_get(rq->body, "name"));
	const char *pin = json_string_value(json_object_get(rq->body, "pin"));
	unsigned char raw[UI_TOKEN_HEX / 2];
	fs_err err = {0, ""};
	fs_pin_result res;
	int rc;

	if (name == NULL || pin == NULL) {
		ui_fail(r, 400, "bad_request", "give \"name\" and \"pin\" as strings");
		return;
	}
	rc = fs_pin_guard_check(&ui->guard, ui->store, ui->dir, name, pin, fs_pin_clock_ms(), &res,
				&err);
	if (rc != 0) {
		store_fail(r, rc, &err, "bad_request");
		return;
	}
	if (res.outcome != FS_PIN_RIGHT) {
		/* A throttled entry was not checked: only a wrong PIN is an event. */
		if (res.outcome == FS_PIN_WRONG)
			audit_event(ui, "worker_pin_failed", is_worker(ui, name) ? name : NULL, NULL,
			            NULL);
		pin_refused(&res, r);
		return;
	}
	if (audit_event(ui, "worker_login", name, NULL, r) != 0)
		return;
	randombytes_buf(raw, sizeof(raw));
	sodium_bin2hex(ui->session.token, sizeof(ui->session.token), raw, sizeof(raw));
	snprintf(ui->session.worker, sizeof(ui->session.worker), "%s", name);
	ui->session.who = res.who;
	ui->session.last_seen_ms = fs_monotonic_ms();
	ui->session.pin_short = res.short_pin;
	snprintf(r->set_cookie, sizeof(r->set_cookie),
		 "fs_worker=%s; Path=/api/; HttpOnly; SameSite=Strict", ui->session.token);
	reply_json(r, 200, json_pack("{s:s, s:I, s:b, s:i}", "worker", name, "idle_s",
				     (json_int_t)ui->worker_idle_s, "pin_change_required",
				     res.short_pin, "pin_min_digits", FS_PIN_NEW_MIN));
}

/* POST /api/worker/pin {current, new}: the session's worker sets a new PIN.
 * The current PIN goes through the guard like a login (a session left open
 * is no way round the lockout). */
static void api_change_pin(fs_ui *ui, const ui_request *rq, ui_reply *r)
{
	const char *cur = json_string_value(json_object_get(rq->body, "current"));
	const char *pin = json_string_value(json_object_get(rq->body, "new"));
	fs_err err = {0, ""};
	fs_pin_result res;
	int rc;

	if (cur == NULL || pin == NULL) {
		ui_fail(r, 400, "bad_request", "give \"current\" and \"new\" PINs as strings");
		return;
	}
	if (ui->session.who.source == FS_WORKER_CENTRAL) {
		/* The hub's hash: a kiosk never writes the region's workers. */
		ui_fail(r, 409, "pin_managed_by_hub",
			"your PIN is set at the hub for every kiosk of the region: ask an admin "
			"to reset it there");
		return;
	}
	if (!fs_worker_new_pin_is_valid(pin)) {
		ui_fail(r, 422, "invalid_pin", "a new PIN must be %d to %d digits", FS_PIN_NEW_MIN,
			FS_PIN_MAX);
		return;
	}
	rc = fs_pin_guard_check(&ui->guard, ui->store, ui->dir, ui->session.worker, cur,
				fs_pin_clock_ms(), &res, &err);
	if (rc != 0) {
		store_fail(r, rc, &err, "bad_request");
		return;
	}
	if (res.outcome != FS_PIN_RIGHT) {
		pin_refused(&res, r);
		/* Not 401: that would mean the session is gone. */
		if (r->status == 401)
			ui_fail(r, 403, "wrong_pin", "the current PIN is wrong");
		return;
	}
	rc = fs_workers_add(ui->dir, ui->session.worker, pin, &err);
	if (rc != 0) {
		store_fail(r, rc, &err, "invalid_pin");
		return;
	}
	ui->session.pin_short = 0;
	reply_json(r, 200, json_pack("{s:b}", "changed", 1));
}

int ui_person_ref_rule(fs_ui *ui, const char *pattern, fs_err *err)
{
	fs_person_ref_rule rule;
	int rc;

	if (pattern == NULL)
		pattern = FS_PERSON_REF_PATTERN_DEFAULT;
	rc = fs_person_ref_rule_parse(&rule, pattern, err);
	if (rc != 0)
		return rc;
	fs_store_set_person_ref_rule(ui->store, &rule);
	snprintf(ui->person_ref_pattern, sizeof(ui->person_ref_pattern), "%s", pattern);
	return 0;
}

/* ---- service users ---- */

static void api_kiosk(fs_ui *ui, ui_reply *r)
{
	fs_err err = {0, ""};
	json_t *list = NULL;
	int rc = questionnaire_summaries(ui, &list, 0, &err);

	if (rc != 0) {
		store_fail(r, rc, &err, "internal");
		return;
	}
	reply_json(r, 200, json_pack("{s:o, s:I, s:I, s:s, s:s, s:s, s:I}", "questionnaires", list,
				     "idle_timeout_s", (json_int_t)ui->idle_timeout_s,
				     "worker_idle_s", (json_int_t)ui->worker_idle_s, "site",
				     fs_store_site(ui->store), "region", fs_store_region(ui->store),
				     "person_ref_pattern", ui->person_ref_pattern,
				     "contact_request_days", (json_int_t)ui->contact_request_days));
}

static void api_questionnaire(fs_ui *ui, const ui_request *rq, const char *id, ui_reply *r)
{
	char now[FS_TIMESTAMP_LEN + 1], today[11];
	fs_err err = {0, ""};
	json_t *doc = NULL;
	int rc;

	if (!is_offered(ui, id) && !session_valid(ui, rq)) {
		ui_fail(r, 404, "not_found", "this kiosk does not offer that questionnaire");
		return;
	}
	rc = fs_questionnaire_get(ui->store, &doc, id, 0, &err);
	if (rc != 0) {
		store_fail(r, rc, &err, "internal");
		return;
	}
	/* The page's "today" is the one core will judge the response by. */
	fs_timestamp_format(now, fs_store_now_ms(ui->store));
	fs_response_today(today, now);
	reply_json(r, 200, json_pack("{s:o, s:s}", "questionnaire", doc, "today", today));
}

static void api_respond(fs_ui *ui, const ui_request *rq, ui_reply *r)
{
	const json_t *b = rq->body;
	const char *id = json_string_value(json_object_get(b, "questionnaire"));
	const char *lang = json_string_value(json_object_get(b, "language"));
	const json_t *answers = json_object_get(b, "answers");
	json_int_t version = json_integer_value(json_object_get(b, "version"));
	json_int_t elapsed = json_integer_value(json_object_get(b, "elapsed_ms"));
	int assisted = json_is_true(json_object_get(b, "assisted"));
	char rid[FS_UUID_LEN + 1];
	char code[FS_RECEIPT_SHOWN_LEN + 1] = "", data[FS_RECEIPT_DATA_LEN + 1] = "";
	char hash[FS_RECEIPT_HASH_HEX + 1];
	fs_answer_fault fault;
	fs_err err = {0, ""};
	json_t *doc = NULL, *body = NULL;
	uint64_t now;
	int rc;

	if (id == NULL || lang == NULL || !json_is_integer(json_object_get(b, "version")) ||
	    !json_is_object(answers)) {
		ui_fail(r, 400, "bad_request", "give \"questionnaire\", \"version\", \"language\" "
			"and \"answers\"");
		return;
	}
	if (assisted && !session_valid(ui, rq)) {
		ui_fail(r, 401, "unauthorized", "an assisted response needs worker mode");
		return;
	}
	if (!assisted && !is_offered(ui, id)) {
		ui_fail(r, 404, "not_found", "this kiosk does not offer that questionnaire");
		return;
	}
	rc = fs_questionnaire_get(ui->store, &doc, id, version, &err);
	if (rc != 0) {
		store_fail(r, rc, &err, "bad_request");
		goto cleanup;
	}
	now = fs_store_now_ms(ui->store);
	if (elapsed < 0 || elapsed > (json_int_t)MAX_ELAPSED_MS || (uint64_t)elapsed > now)
		elapsed = 0;
	body = fs_response_body_new(doc, lang, assisted ? ui->session.worker : NULL,
				    now - (uint64_t)elapsed, now, answers);
	if (body == NULL) {
		ui_fail(r, 500, "internal", "out of memory");
		goto cleanup;
	}
	/* Core's check, which fs_response_add runs again; this first pass only
	 * gives the page the question and rule next to the message. */
	if (fs_response_validate(doc, body, &fault, &err) != 0) {
		ui_fail(r, 422, "invalid_answers", "%s", err.msg);
		r->json = json_pack("{s:s, s:s}", "question", fault.question, "rule", fault.rule);
		goto cleanup;
	}
	/* Every response gets a receipt; the person sees its code only if they
	 * ask (receipt.js). Only the hash is stored; the code goes back once,
	 * in this reply, and nowhere else (docs/reciprocity.md "Your
	 * receipt"). */
	if (fs_receipt_new(code, &err) != 0 || fs_receipt_parse(code, data, &err) != 0 ||
	    fs_receipt_hash(data, hash, &err) != 0 ||
	    json_object_set_new(body, "receipt", json_string(hash)) != 0) {
		ui_fail(r, 500, "internal", "%s", err.msg[0] ? err.msg : "out of memory");
		goto cleanup;
	}
	rc = fs_response_add(ui->store, rid, body, &err);
	if (rc != 0) {
		store_fail(r, rc, &err, "invalid_answers");
		goto cleanup;
	}
	/* The page keeps nothing: no id, no echo of the answers. */
	reply_json(r, 201, json_pack("{s:b, s:s}", "stored", 1, "receipt", code));
cleanup:
	sodium_memzero(code, sizeof(code));
	sodium_memzero(data, sizeof(data));
	json_decref(doc);
	json_decref(body);
}

/* The label of topic value in the document's contact_request, in English
 * when it has one (worker mode is in English), else its default language;
 * NULL when the document offers no such topic. */
static const char *topic_label(const json_t *doc, const char *value)
{
	const json_t *topics = json_object_get(json_object_get(doc, "contact_request"), "topics");
	const json_t *t, *label;
	size_t i;

	json_array_foreach(topics, i, t) {
		if (!json_is_string(json_object_get(t, "value")) ||
		    strcmp(json_string_value(json_object_get(t, "value")), value) != 0)
			continue;
		label = json_object_get(t, "label");
		if (json_object_get(label, "en") != NULL)
			return json_string_value(json_object_get(label, "en"));
		return json_string_value(json_object_get(
		    label, json_string_value(json_array_get(json_object_get(doc, "languages"), 0))));
	}
	return NULL;
}

/* POST /api/contact-requests {questionnaire, version, name, how, by,
 * topic, consent}: the questionnaire only says which topics it offers;
 * nothing of it, or of any response, is kept with the request. 201 once
 * the request is durable (contact_requests.h); the reply echoes nothing. */
static void api_contact_request(fs_ui *ui, const ui_request *rq, ui_reply *r)
{
	const json_t *b = rq->body;
	const char *id = json_string_value(json_object_get(b, "questionnaire"));
	json_int_t version = json_integer_value(json_object_get(b, "version"));
	fs_contact_request req = {json_string_value(json_object_get(b, "name")),
	                          json_string_value(json_object_get(b, "how")),
	                          json_string_value(json_object_get(b, "by")),
	                          json_string_value(json_object_get(b, "topic")), NULL};
	fs_err err = {0, ""};
	json_t *doc = NULL;
	char label[201];
	int rc;

	if (id == NULL || !json_is_integer(json_object_get(b, "version")) || req.topic == NULL) {
		ui_fail(r, 400, "bad_request", "give \"questionnaire\", \"version\" and \"topic\"");
		return;
	}
	if (!json_is_true(json_object_get(b, "consent"))) {
		ui_fail(r, 422, "consent_required",
			"a request to be contacted needs the person's consent (\"consent\": true)");
		return;
	}
	if (!is_offered(ui, id) && !session_valid(ui, rq)) {
		ui_fail(r, 404, "not_found", "this kiosk does not offer that questionnaire");
		return;
	}
	rc = fs_questionnaire_get(ui->store, &doc, id, version, &err);
	if (rc != 0) {
		store_fail(r, rc, &err, "bad_request");
		return;
	}
	if (topic_label(doc, req.topic) == NULL) {
		ui_fail(r, 422, "invalid_request",
			"contact request: \"topic\" must be a topic of the questionnaire's "
			"contact_request");
		json_decref(doc);
		return;
	}
	{
		/* One line of at most 200 bytes, cut at a character boundary. */
		const char *src = topic_label(doc, req.topic);
		size_t n = strlen(src), i;

		if (n > sizeof(label) - 1) {
			n = sizeof(label) - 1;
			while (n > 0 && ((unsigned char)src[n] & 0xc0) == 0x80)
				n--;
		}
		for (i = 0; i < n; i++)
			label[i] = (unsigned char)src[i] < 0x20 ? ' ' : src[i];
		label[n] = '\0';
	}
	req.topic_label = label;
	rc = fs_contact_request_add(ui->dir, &req,
	                            fs_contact_request_release_at(fs_store_now_ms(ui->store),
	                                                          ui->request_delay_min_s,
	                                                          ui->request_delay_max_s),
	                            &err);
	json_decref(doc);
	if (rc == FS_ELIMIT)
		ui_fail(r, 503, "unavailable", "%s", err.msg);
	else if (rc != 0)
		store_fail(r, rc, &err, "invalid_request");
	else
		reply_json(r, 201, json_pack("{s:b}", "sent", 1));
}

/* ---- worker mode ---- */

/* Each contact of list marked with where its follow-up stands today
 * ("follow_up": records.h fs_contact_follow_up, the hub console's rule
 * too), so the page judges none itself. */
static void mark_follow_ups(json_t *list, const char *today)
{
	json_t *c;
	size_t i;

	json_array_foreach(list, i, c)
		json_object_set_new(c, "follow_up",
				    json_string(fs_follow_up_name(fs_contact_follow_up(c, today))));
}

/* The region's contacts, and today (the kiosk's local date, as for
 * follow-ups), each marked as due today, overdue or not. */
static void api_contacts_list(fs_ui *ui, ui_reply *r)
{
	char today[11];
	fs_err err = {0, ""};
	json_t *list = NULL;
	int rc = fs_contact_list(ui->store, &list, fs_store_region(ui->store), 0, &err);

	local_date(today, fs_store_now_ms(ui->store));
	mark_follow_ups(list, today);
	if (rc != 0)
		store_fail(r, rc, &err, "internal");
	else
		reply_json(r, 200, json_pack("{s:o, s:s}", "contacts", list, "today", today));
}

/* The audit action of a contact write: closing it, creating it, or an edit. */
static const char *contact_action(const char *id, const json_t *fields)
{
	const char *status = json_string_value(json_object_get(fields, "status"));

	if (status != NULL && strcmp(status, "closed") == 0)
		return "contact_close";
	return id == NULL ? "contact_create" : "contact_edit";
}

/* A "worker" sent with a contact must be the one it will get: the
 * session's for a new contact, the stored one for an update (the page
 * sends none). FS_EINVAL otherwise. */
static int contact_worker(fs_ui *ui, const char *id, const json_t *sent, fs_err *err)
{
	json_t *have = NULL;
	const char *want = ui->session.worker;
	int rc = 0;

	if (sent == NULL)
		return 0;
	if (id != NULL) {
		rc = fs_contact_get(ui->store, &have, id, err);
		if (rc != 0)
			return rc;
		want = json_string_value(json_object_get(have, "worker"));
	}
	if (!json_is_string(sent) || want == NULL || strcmp(json_string_value(sent), want) != 0)
		rc = fs_err_set(err, FS_EINVAL,
				"worker: a contact's worker is the one logged in when it was "
				"recorded, and cannot be set or changed here");
	json_decref(have);
	return rc;
}

/* Only a kiosk's release makes a contact "requested" (contact_requests.h):
 * a worker may keep that status on a request (saving its form) or take it
 * (open) or close it, never give it. FS_EINVAL otherwise. */
static int contact_status(fs_ui *ui, const char *id, const json_t *sent, fs_err *err)
{
	json_t *have = NULL;
	const char *st;
	int rc = 0;

	if (!json_is_string(sent) || strcmp(json_string_value(sent), "requested") != 0)
		return 0;
	if (id != NULL)
		rc = fs_contact_get(ui->store, &have, id, err);
	st = json_string_value(json_object_get(have, "status"));
	if (rc == 0 && (st == NULL || strcmp(st, "requested") != 0))
		rc = fs_err_set(err, FS_EINVAL,
				"status: \"requested\" is given only by the kiosk to a person's "
				"request to be contacted");
	json_decref(have);
	return rc;
}

static void api_contact_put(fs_ui *ui, const ui_request *rq, const char *id, ui_reply *r)
{
	char out_id[FS_UUID_LEN + 1];
	fs_err err = {0, ""};
	json_t *fields = NULL, *contact = NULL;
	int rc;

	if (!json_is_object(rq->body)) {
		ui_fail(r, 400, "bad_request", "send the contact's fields as a JSON object");
		return;
	}
	fields = json_deep_copy(rq->body);
	if (fields == NULL) {
		ui_fail(r, 500, "internal", "out of memory");
		return;
	}
	json_object_del(fields, "id");
	json_object_del(fields, "region");
	json_object_del(fields, "deleted");
	/* The worker on a contact is the one logged in when it was recorded,
	 * never what a page sends: a new contact gets the session's worker; an
	 * update keeps the contact's. */
	rc = contact_worker(ui, id, json_object_get(fields, "worker"), &err);
	if (rc == 0)
		rc = contact_status(ui, id, json_object_get(fields, "status"), &err);
	if (rc != 0) {
		json_decref(fields);
		store_fail(r, rc, &err, "invalid_contact");
		return;
	}
	if (id == NULL)
		json_object_set_new(fields, "worker", json_string(ui->session.worker));
	else
		json_object_del(fields, "worker");
	rc = fs_contact_put(ui->store, out_id, id, NULL, fields, &err);
	if (rc == 0)
		rc = fs_contact_get(ui->store, &contact, out_id, &err);
	if (rc != 0)
		store_fail(r, rc, &err, "invalid_contact");
	else if (audit_event(ui, contact_action(id, fields), ui->session.worker, out_id, r) != 0)
		json_decref(contact); /* saved, but not reported done unaudited */
	else
		reply_json(r, id == NULL ? 201 : 200, json_pack("{s:o}", "contact", contact));
	json_decref(fields);
}

static int by_follow_up(const void *a, const void *b)
{
	const json_t *x = *(json_t *const *)a, *y = *(json_t *const *)b;
	int c = strcmp(json_string_value(json_object_get(x, "follow_up_date")),
		       json_string_value(json_object_get(y, "follow_up_date")));

	return c != 0 ? c : strcmp(json_string_value(json_object_get(x, "id")),
				   json_string_value(json_object_get(y, "id")));
}

/* Open contacts of the region whose follow-up is due today or overdue and
 * not done (records.h fs_contact_follow_up, the hub's rule too), oldest
 * first. Contacts recorded on the region's other kiosks are here once
 * synced. */
static void api_followups(fs_ui *ui, ui_reply *r)
{
	char today[11];
	fs_err err = {0, ""};
	json_t *list = NULL, *due = NULL, *c, **items = NULL;
	size_t i, n = 0;
	int rc;

	local_date(today, fs_store_now_ms(ui->store));
	rc = fs_contact_list(ui->store, &list, fs_store_region(ui->store), 0, &err);
	if (rc != 0) {
		store_fail(r, rc, &err, "internal");
		return;
	}
	items = calloc(json_array_size(list) + 1, sizeof(*items));
	due = json_array();
	if (items == NULL || due == NULL) {
		ui_fail(r, 500, "internal", "out of memory");
		goto cleanup;
	}
	json_array_foreach(list, i, c) {
		fs_follow_up f = fs_contact_follow_up(c, today);

		if (f == FS_FOLLOW_UP_TODAY || f == FS_FOLLOW_UP_OVERDUE)
			items[n++] = c;
	}
	qsort(items, n, sizeof(*items), by_follow_up);
	for (i = 0; i < n; i++) {
		json_t *e = json_copy(items[i]);

		json_object_set_new(e, "overdue",
				    json_boolean(fs_contact_follow_up(e, today) == FS_FOLLOW_UP_OVERDUE));
		json_object_set_new(e, "requested",
				    json_boolean(json_is_string(json_object_get(e, "status")) &&
						 strcmp(json_string_value(json_object_get(e, "status")),
							"requested") == 0));
		json_array_append_new(due, e);
	}
	mark_follow_ups(due, today);
	reply_json(r, 200, json_pack("{s:s, s:O}", "today", today, "due", due));
cleanup:
	free(items);
	json_decref(due);
	json_decref(list);
}

static void api_set_offered(fs_ui *ui, const ui_request *rq, ui_reply *r)
{
	const json_t *ids = json_object_get(rq->body, "offered");
	fs_err err = {0, ""};
	json_t *doc;
	size_t i;
	int rc;

	if (!json_is_array(ids) || json_array_size(ids) > 200) {
		ui_fail(r, 400, "bad_request", "give \"offered\": a list of questionnaire ids");
		return;
	}
	for (i = 0; i < json_array_size(ids); i++) {
		const char *id = json_string_value(json_array_get(ids, i));
		json_t *q = NULL;

		if (id == NULL || fs_questionnaire_get(ui->store, &q, id, 0, &err) != 0) {
			ui_fail(r, 422, "invalid_offer", "offered[%zu]: not a questionnaire held here",
				i);
			return;
		}
		json_decref(q);
	}
	doc = json_pack("{s:O}", "offered", ids);
	rc = ui_file_write(ui->dir, UI_FILE, doc, &err);
	json_decref(doc);
	if (rc != 0)
		store_fail(r, rc, &err, "internal");
	else
		reply_json(r, 200, json_pack("{s:O}", "offered", ids));
}

static json_t *time_or_null(json_int_t ms)
{
	char t[21];

	if (ms <= 0)
		return json_null();
	fs_timestamp_format(t, (uint64_t)ms);
	return json_string(t);
}

/* Sync status from the daemon's DATA/state.json and the store. */
static void api_status(fs_ui *ui, ui_reply *r)
{
	fs_err err = {0, ""};
	json_t *state = NULL, *e, *reachable;
	json_int_t last_sync, last_attempt, err_at = 0;
	long pending = 0;
	int rc;

	rc = fs_sync_kiosk_pending(ui->store, FS_SYNC_HUB_PEER, &pending, &err);
	if (rc == 0)
		rc = ui_file_read(&state, ui->dir, STATE_FILE, &err);
	if (rc != 0) {
		store_fail(r, rc, &err, "internal");
		return;
	}
	last_sync = json_integer_value(json_object_get(state, "last_sync_ms"));
	last_attempt = json_integer_value(json_object_get(state, "last_attempt_ms"));
	e = json_object_get(state, "last_error");
	if (json_is_object(e))
		err_at = json_integer_value(json_object_get(e, "at_ms"));
	if (last_attempt == 0)
		reachable = json_null(); /* not tried yet */
	else if (err_at > last_sync && err_at >= last_attempt)
		reachable = json_boolean(json_integer_value(json_object_get(e, "exit")) !=
					 EXIT_UNREACHABLE);
	else
		reachable = json_true();
	reply_json(r, 200,
		   json_pack("{s:I, s:o, s:o, s:o, s:s?, s:o, s:b}", "pending", (json_int_t)pending,
			     "last_sync", time_or_null(last_sync), "last_attempt",
			     time_or_null(last_attempt), "last_error_at", time_or_null(err_at),
			     "last_error",
			     json_is_object(e) ? json_string_value(json_object_get(e, "message"))
					       : NULL,
			     "hub_reachable", reachable, "sync_available", ui->sync_now != NULL));
	json_decref(state);
}

#define M "fieldsync_agent_"

/* The sync state of api_status as numbers: no answer, name or site. */
int ui_metrics_text(fs_ui *ui, fs_buf *out, fs_err *err)
{
	json_t *state = NULL;
	int64_t last_sync, last_attempt, now = (int64_t)time(NULL);
	int64_t size = 0;
	long pending = 0;
	int rc;

	rc = fs_sync_kiosk_pending(ui->store, FS_SYNC_HUB_PEER, &pending, err);
	if (rc == 0)
		rc = fs_store_size_bytes(ui->store, &size, err);
	if (rc == 0)
		rc = ui_file_read(&state, ui->dir, STATE_FILE, err);
	if (rc != 0)
		return rc;
	last_sync = json_integer_value(json_object_get(state, "last_sync_ms")) / 1000;
	last_attempt = json_integer_value(json_object_get(state, "last_attempt_ms")) / 1000;
	json_decref(state);
	rc = fs_metrics_one(out, M "pending_changes", "gauge",
	                    "This kiosk's changes the hub has not acknowledged yet.", NULL, pending);
	if (rc == 0)
		rc = fs_metrics_one(out, M "last_sync_timestamp_seconds", "gauge",
		                    "When the last successful sync ended, seconds since 1970 (UTC); "
		                    "0: never.",
		                    NULL, last_sync);
	/* Left out before the first sync: an age of "now" would read as fresh. */
	if (rc == 0 && last_sync > 0)
		rc = fs_metrics_one(out, M "last_sync_age_seconds", "gauge",
		                    "Seconds since the last successful sync ended (absent before the "
		                    "first).",
		                    NULL, now > last_sync ? now - last_sync : 0);
	if (rc == 0)
		rc = fs_metrics_one(out, M "last_attempt_timestamp_seconds", "gauge",
		                    "When the last sync attempt ended, whatever its outcome, seconds "
		                    "since 1970 (UTC); 0: never.",
		                    NULL, last_attempt);
	if (rc == 0)
		rc = fs_metrics_one(out, M "store_size_bytes", "gauge",
		                    "Bytes of this kiosk's store: the SQLite file and its write-ahead "
		                    "log.",
		                    NULL, size);
	if (rc == 0 && ui->metrics != NULL)
		rc = ui->metrics(ui->metrics_ctx, out);
	if (rc != 0)
		return fs_err_set(err, rc, "the metrics could not be written");
	return 0;
}

static void api_worker(fs_ui *ui, const ui_request *rq, const char *rest, ui_reply *r)
{
	const char *m = rq->method, *id;
	int get = strcmp(m, "GET") == 0, post = strcmp(m, "POST") == 0,
	    put = strcmp(m, "PUT") == 0;

	if (strcmp(rest, "login") == 0 && post) {
		api_login(ui, rq, r);
		return;
	}
	if (strcmp(rest, "names") == 0 && get) {
		/* For the name list to tap: anyone at the screen may read them
		 * (docs/kiosk.md, "Outreach workers"). */
		fs_err err = {0, ""};
		json_t *names = NULL;
		int rc = fs_workers_names(&names, ui->store, ui->dir, &err);

		if (rc != 0)
			store_fail(r, rc, &err, "internal");
		else
			reply_json(r, 200, json_pack("{s:o}", "names", names));
		return;
	}
	/* Everything below, logout included, needs the session: nobody else
	 * can end a worker's session. */
	if (!session_valid(ui, rq)) {
		clear_cookie(r);
		ui_fail(r, 401, "unauthorized", "worker mode is locked: enter your PIN");
		return;
	}
	if (strcmp(rest, "logout") == 0 && post) {
		/* Ended whatever: the event is best effort (a lock must not fail). */
		audit_event(ui, "worker_logout", ui->session.worker, NULL, NULL);
		memset(&ui->session, 0, sizeof(ui->session));
		clear_cookie(r);
		reply_json(r, 200, json_pack("{s:b}", "locked", 1));
	} else if (strcmp(rest, "pin") == 0 && post) {
		api_change_pin(ui, rq, r);
	} else if (strcmp(rest, "me") == 0 && get) {
		reply_json(r, 200, json_pack("{s:s, s:I, s:b}", "worker", ui->session.worker,
					     "idle_s", (json_int_t)ui->worker_idle_s,
					     "pin_change_required", ui->session.pin_short));
	} else if (strcmp(rest, "contacts") == 0 && get) {
		api_contacts_list(ui, r);
	} else if (strcmp(rest, "contacts") == 0 && post) {
		api_contact_put(ui, rq, NULL, r);
	} else if (route(rest, "contacts/", &id) && (get || put) && id[0] != '\0') {
		if (put) {
			api_contact_put(ui, rq, id, r);
		} else {
			fs_err err = {0, ""};
			json_t *c = NULL;
			int rc = fs_contact_get(ui->store, &c, id, &err);

			if (rc != 0)
				store_fail(r, rc, &err, "internal");
			else
				reply_json(r, 200, json_pack("{s:o}", "contact", c));
		}
	} else if (strcmp(rest, "followups") == 0 && get) {
		api_followups(ui, r);
	} else if (strcmp(rest, "questionnaires") == 0 && get) {
		fs_err err = {0, ""};
		json_t *list = NULL;
		int rc = questionnaire_summaries(ui, &list, 1, &err);

		if (rc != 0)
			store_fail(r, rc, &err, "internal");
		else
			reply_json(r, 200, json_pack("{s:o}", "questionnaires", list));
	} else if (strcmp(rest, "offered") == 0 && put) {
		api_set_offered(ui, rq, r);
	} else if (strcmp(rest, "status") == 0 && get) {
		api_status(ui, r);
	} else if (strcmp(rest, "sync") == 0 && post) {
		if (ui->sync_now == NULL) {
			ui_fail(r, 503, "unavailable", "no sync service in this process");
			return;
		}
		ui->sync_now(ui->sync_ctx);
		reply_json(r, 202, json_pack("{s:b}", "requested", 1));
	} else {
		ui_fail(r, 404, "not_found", "no such API path");
	}
}

void ui_api_handle(fs_ui *ui, const ui_request *rq, ui_reply *r)
{
	const char *rest;
	int get = strcmp(rq->method, "GET") == 0;

	if (strcmp(rq->path, "/api/kiosk") == 0 && get)
		api_kiosk(ui, r);
	else if (route(rq->path, "/api/questionnaires/", &rest) && get && rest[0] != '\0')
		api_questionnaire(ui, rq, rest, r);
	else if (strcmp(rq->path, "/api/responses") == 0 && strcmp(rq->method, "POST") == 0)
		api_respond(ui, rq, r);
	else if (strcmp(rq->path, "/api/contact-requests") == 0 && strcmp(rq->method, "POST") == 0)
		api_contact_request(ui, rq, r);
	else if (strcmp(rq->path, "/api/updates") == 0 && get)
		ui_updates_list(ui, r); /* ui_updates.c */
	else if (route(rq->path, "/api/worker/", &rest))
		api_worker(ui, rq, rest, r);
	else if (route(rq->path, "/api/results", &rest) && get)
		ui_api_results(ui, rest, r);
	else if (route(rq->path, "/api/receipt", &rest))
		ui_receipt_api(ui, rq, rest, r); /* ui_receipt.h */
	else
		ui_fail(r, 404, "not_found", "no such API path");
}
