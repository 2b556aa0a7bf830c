/* fieldsync-hub erase | erasures: replicated erasure (core/include/
 * fieldsync/erase.h) and which kiosks have confirmed it. A kiosk confirms
 * an erasure row once the pull cursor it sends with a sync (the hub's
 * changes it has committed) reaches the row's seq (sync.h
 * fs_sync_hub_receive_noted records it as the device's push cursor). */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "audit.h"
#include "cli.h"
#include "commands.h"
#include "erase.h"
#include "fieldsync/backend.h"
#include "fieldsync/erase.h"
#include "fieldsync/records.h"

static const char erase_usage[] =
    "usage: fieldsync-hub erase [--data DIR | --db URI]\n"
    "                           (--contact ID | --response ID | --person-ref REF)\n"
    "\n"
    "Erase a contact, a response, or every contact whose person_ref is or was REF\n"
    "(its current value, either side of a conflict about it or the value its\n"
    "resolution wrote, a quarantined change with that value). The content is\n"
    "removed physically from the hub's store (the record, its field values,\n"
    "conflicts and their resolutions, quarantined changes) and the store's\n"
    "files are scrubbed; an erasure record, which holds no personal data, goes to\n"
    "every kiosk that may hold the record (the contact's region; the region of the\n"
    "kiosk that made the response, or every region when unknown), which removes it\n"
    "at its next sync. A later change to an erased record, from a kiosk that was\n"
    "offline, is dropped. Erasing an id never seen still records the erasure, so\n"
    "the record is refused if it arrives later; erasing it again does nothing.\n"
    "Prints the request id and counts, never the person_ref; see 'fieldsync-hub\n"
    "erasures' for which kiosks have confirmed.\n"
    "\n"
    "  --data DIR          data directory (default: $FIELDSYNC_DATA)\n"
    "  --db URI            PostgreSQL store, postgresql://USER@HOST/DB (default:\n"
    "                      $FIELDSYNC_DB); the data directory is then not used\n"
    "  --contact ID        the contact's id (a UUID)\n"
    "  --response ID       the response's id (a UUID)\n"
    "  --person-ref REF    every contact of that person_ref\n"
    "  -h, --help          show this help\n";

static const char erasures_usage[] =
    "usage: fieldsync-hub erasures [--data DIR | --db URI] [--json]\n"
    "\n"
    "List each erasure request (id, kind, time UTC, records) with the kiosks that\n"
    "may hold its records (those of the records' regions; every kiosk for a\n"
    "response of unknown region) and for each (site and region; in JSON also its\n"
    "name): confirmed (it has committed the\n"
    "erasure), pending, never held it (enrolled after the request; never_held in\n"
    "JSON), or revoked.\n"
    "Kinds: admin (fieldsync-hub erase), delete (a worker deleted the contact),\n"
    "retention, withdraw.\n"
    "\n"
    "  --data DIR        data directory (default: $FIELDSYNC_DATA)\n"
    "  --db URI          PostgreSQL store, postgresql://USER@HOST/DB (default:\n"
    "                    $FIELDSYNC_DB); the data directory is then not used\n"
    "  --json            print a JSON array instead of a table\n"
    "  -h, --help        show this help\n";

typedef struct erase_args {
	const char *contact, *response, *person;
	hub_where where;
	int json;
} erase_args;

int hub_erase_target_check(fs_erase_target target, const char *what, fs_err *err)
{
	switch (target) {
	case FS_ERASE_CONTACT:
	case FS_ERASE_RESPONSE:
		if (what != NULL && fs_uuid_is_valid(what))
			return 0;
		return fs_err_set(err, FS_EINVAL, "the %s id must be a lowercase UUID",
		                  target == FS_ERASE_CONTACT ? "contact" : "response");
	case FS_ERASE_PERSON:
		if (what == NULL || what[0] == '\0')
			return fs_err_set(err, FS_EINVAL, "the person_ref must not be empty");
		if (strlen(what) > HUB_ERASE_PERSON_REF_MAX)
			return fs_err_set(err, FS_EINVAL, "the person_ref is over %d bytes",
			                  HUB_ERASE_PERSON_REF_MAX);
		return 0;
	}
	return fs_err_set(err, FS_EINVAL, "erase a contact, a response or a person_ref");
}

/* The audit entry of one erasure request: its id, what was named (the
 * record id, or "person_ref" without the value) and the counts. */
static int audit_erase(fs_store *s, const char *actor, fs_erase_target target, const char *what,
                       const fs_erase_result *res, fs_err *err)
{
	json_t *d = json_pack("{s:s, s:I, s:I}", "request", res->request, "records",
	                      (json_int_t)res->records, "already", (json_int_t)res->already);
	int rc;

	if (d == NULL)
		return fs_err_set(err, FS_ENOMEM, "audit entry: out of memory");
	if (target == FS_ERASE_CONTACT)
		json_object_set_new(d, "contact", json_string(what));
	else if (target == FS_ERASE_RESPONSE)
		json_object_set_new(d, "response", json_string(what));
	else
		json_object_set_new(d, "by", json_string("person_ref"));
	rc = hub_audit_add(s, actor, "erase", d, err);
	json_decref(d);
	return rc;
}

int hub_erase_start(fs_store *s, const char *actor, fs_erase_target target, const char *what,
                    fs_erase_check_fn check, void *ctx, fs_erase_result *res, fs_err *err)
{
	fs_err ae = {0, ""};
	int rc, audit_rc = 0;

	memset(res, 0, sizeof(*res));
	rc = hub_erase_target_check(target, what, err);
	if (rc != 0)
		return rc;
	rc = fs_erase_checked(s, target, what, FS_ERASE_ADMIN, check, ctx, res, err);
	/* Audited after the erasure committed (the engine's transaction knows
	 * no audit trail): an erasure is never held back for want of a log
	 * line, and a failure to log it is the caller's failure. The detail
	 * names the record ids the erasure rows hold anyway, never the
	 * person_ref. */
	if (res->request[0] != '\0')
		audit_rc = audit_erase(s, actor, target, what, res, &ae);
	if (rc != 0 && res->request[0] != '\0') {
		char why[sizeof(err->msg)];

		snprintf(why, sizeof(why), "%s", err->msg);
		return fs_err_set(err, rc, "the erasure is recorded, but %s; start it again to scrub",
		                  why);
	}
	if (rc != 0)
		return rc;
	if (audit_rc != 0)
		return fs_err_set(err, audit_rc,
		                  "the erasure is recorded, but not in the audit trail: %s", ae.msg);
	return 0;
}

int hub_cmd_erase(int argc, char **argv)
{
	erase_args a;
	fs_erase_result res;
	fs_store *s = NULL;
	fs_err e = {0, ""};
	char actor[HUB_AUDIT_ACTOR_MAX + 1];
	const hub_opt opts[] = {{.name = "contact", .value = &a.contact},
				{.name = "response", .value = &a.response},
				{.name = "person-ref", .value = &a.person},
				{0}};
	fs_erase_target target;
	const char *what;
	int rc;

	memset(&a, 0, sizeof(a));
	rc = hub_args_parse(argc, argv, "erase", erase_usage, opts, &a.where, NULL, 0, NULL);
	if (rc != 0)
		return rc < 0 ? HUB_EXIT_OK : rc;
	if ((a.contact != NULL) + (a.response != NULL) + (a.person != NULL) != 1)
		return hub_usage_fail("erase",
		                      "name one target: --contact ID, --response ID or --person-ref REF");
	target = a.contact != NULL    ? FS_ERASE_CONTACT
	         : a.response != NULL ? FS_ERASE_RESPONSE
	                              : FS_ERASE_PERSON;
	what = a.contact != NULL ? a.contact : a.response != NULL ? a.response : a.person;
	if (hub_erase_target_check(target, what, &e) != 0)
		return hub_usage_fail("erase", "%s", e.msg);
	if (hub_store_open(&s, &a.where, &e) != 0)
		return hub_fail("%s", e.msg);
	hub_audit_actor_cli(actor, sizeof(actor));
	rc = hub_erase_start(s, actor, target, what, NULL, NULL, &res, &e);
	fs_store_close(s);
	if (rc != 0 && res.request[0] == '\0')
		return hub_fail("erase: %s", e.msg);
	if (res.request[0] != '\0')
		printf("erasure request %s: %ld record(s) erased, %ld already erased, %ld row(s) "
		       "removed\n",
		       res.request, res.records, res.already, res.rows_removed);
	else if (res.already > 0)
		printf("already erased: %ld record(s); nothing to do\n", res.already);
	else
		printf("no contact holds or held that person_ref; nothing erased\n");
	if (rc != 0)
		return hub_fail("erase: %s", e.msg);
	return hub_finish_output();
}

/* ---- erasures ---- */

typedef struct device {
	char site[FS_NAME_MAX + 1], name[FS_NAME_MAX + 1], region[FS_NAME_MAX + 1];
	uint64_t enrolled_ms;
	int revoked;
	int64_t confirmed; /* its recorded cursor at the hub */
} device;

typedef struct device_list {
	device *v;
	size_t n, cap;
} device_list;

static int device_take(void *ctx, const fs_device_row *r)
{
	device_list *l = ctx;

	if (l->n == l->cap) {
		size_t cap = l->cap ? 2 * l->cap : 32;
		device *p = realloc(l->v, cap * sizeof(*p));

		if (p == NULL)
			return FS_ENOMEM;
		l->v = p;
		l->cap = cap;
	}
	memset(&l->v[l->n], 0, sizeof(l->v[0]));
	snprintf(l->v[l->n].site, sizeof(l->v[0].site), "%s", r->site);
	snprintf(l->v[l->n].name, sizeof(l->v[0].name), "%s", r->name ? r->name : r->site);
	snprintf(l->v[l->n].region, sizeof(l->v[0].region), "%s", r->region ? r->region : "");
	l->v[l->n].enrolled_ms = r->enrolled_ms;
	l->v[l->n].revoked = r->revoked;
	l->n++;
	return 0;
}

/* Regions of one request: the greatest seq of its rows for each, and of
 * its rows sent to every region. */
#define REGIONS_MAX 64

typedef struct request_acc {
	char id[FS_UUID_LEN + 1];
	char kind[16];
	uint64_t time_ms; /* its first row's stamp */
	long records, contacts, responses;
	int64_t all_seq; /* rows for every region: greatest seq, 0 when none */
	struct {
		char name[FS_NAME_MAX + 1];
		int64_t seq;
	} region[REGIONS_MAX];
	int nregions, regions_cut;
} request_acc;

typedef struct list_run {
	const device_list *devices;
	request_acc cur;
	hub_region_fn sees;
	void *ctx;
	size_t limit;
	int more;
	json_t *out; /* JSON array */
	fs_err *err;
} list_run;

/* Does the caller see every region the request's records went to? */
static int request_seen(const list_run *r)
{
	const request_acc *q = &r->cur;
	int i;

	if (r->sees == NULL)
		return 1;
	if (q->all_seq > 0 || q->regions_cut)
		return r->sees(r->ctx, NULL);
	for (i = 0; i < q->nregions; i++)
		if (!r->sees(r->ctx, q->region[i].name))
			return 0;
	return 1;
}

/* The seq a device must have confirmed for this request, 0 when none of
 * its records concern the device's region. */
static int64_t needed(const request_acc *q, const device *d)
{
	int64_t seq = q->all_seq;
	int i;

	for (i = 0; i < q->nregions; i++)
		if (strcmp(q->region[i].name, d->region) == 0 && q->region[i].seq > seq)
			seq = q->region[i].seq;
	return seq;
}

static int request_done(list_run *r)
{
	const request_acc *q = &r->cur;
	char when[FS_TIMESTAMP_LEN + 1];
	json_t *obj, *devs;
	size_t i;

	if (q->id[0] == '\0' || !request_seen(r))
		return 0;
	fs_timestamp_format(when, q->time_ms);
	devs = json_array();
	obj = json_pack("{s:s, s:s, s:s, s:I, s:I, s:I, s:o}", "request", q->id, "kind", q->kind,
	                "time", when, "records", (json_int_t)q->records, "contacts",
	                (json_int_t)q->contacts, "responses", (json_int_t)q->responses, "devices",
	                devs);
	if (obj == NULL)
		return FS_ENOMEM;
	for (i = 0; i < r->devices->n; i++) {
		const device *d = &r->devices->v[i];
		int64_t seq = needed(q, d);
		const char *state;

		if (seq == 0 && !q->regions_cut)
			continue;
		if (d->revoked)
			state = "revoked";
		else if (d->enrolled_ms > q->time_ms)
			state = "never_held";
		else if (d->confirmed >= seq && seq > 0)
			state = "confirmed";
		else
			state = "pending";
		if (json_array_append_new(devs, json_pack("{s:s, s:s, s:s, s:s}", "site", d->site,
		                                          "region", d->region, "state", state,
		                                          "name", d->name)) != 0) {
			json_decref(obj);
			return FS_ENOMEM;
		}
	}
	if (json_array_append_new(r->out, obj) != 0)
		return FS_ENOMEM;
	/* The newest limit kept: requests come oldest first (UUIDv7 order). */
	if (r->limit > 0 && json_array_size(r->out) > r->limit) {
		json_array_remove(r->out, 0);
		r->more = 1;
	}
	return 0;
}

static int erasure_take(void *ctx, const fs_erasure_row *row)
{
	list_run *r = ctx;
	request_acc *q = &r->cur;
	int i, rc;

	if (strcmp(q->id, row->request) != 0) {
		rc = request_done(r);
		if (rc != 0)
			return rc;
		memset(q, 0, sizeof(*q));
		snprintf(q->id, sizeof(q->id), "%s", row->request);
		snprintf(q->kind, sizeof(q->kind), "%s", row->kind);
		q->time_ms = fs_hlc_ms(row->hlc);
	}
	q->records++;
	if (strcmp(row->record_table, "contacts") == 0)
		q->contacts++;
	else
		q->responses++;
	if (fs_hlc_ms(row->hlc) < q->time_ms)
		q->time_ms = fs_hlc_ms(row->hlc);
	if (row->region == NULL) {
		if (row->seq > q->all_seq)
			q->all_seq = row->seq;
		return 0;
	}
	for (i = 0; i < q->nregions; i++)
		if (strcmp(q->region[i].name, row->region) == 0)
			break;
	if (i == q->nregions) {
		if (q->nregions == REGIONS_MAX) {
			/* More regions than kept: every device is listed, judged
			 * against the request's greatest seq. */
			q->regions_cut = 1;
			if (row->seq > q->all_seq)
				q->all_seq = row->seq;
			return 0;
		}
		snprintf(q->region[i].name, sizeof(q->region[i].name), "%s", row->region);
		q->nregions++;
	}
	if (row->seq > q->region[i].seq)
		q->region[i].seq = row->seq;
	return 0;
}

static void print_table(const json_t *list)
{
	size_t i, j;

	printf("%-36s  %-9s  %-20s  %s\n", "request", "kind", "time", "records");
	for (i = 0; i < json_array_size(list); i++) {
		const json_t *q = json_array_get(list, i), *devs = json_object_get(q, "devices");

		printf("%-36s  %-9s  %-20s  %lld\n", json_string_value(json_object_get(q, "request")),
		       json_string_value(json_object_get(q, "kind")),
		       json_string_value(json_object_get(q, "time")),
		       (long long)json_integer_value(json_object_get(q, "records")));
		for (j = 0; j < json_array_size(devs); j++) {
			const json_t *d = json_array_get(devs, j);

			const char *state = json_string_value(json_object_get(d, "state"));

			printf("  %s (%s): %s\n", json_string_value(json_object_get(d, "site")),
			       json_string_value(json_object_get(d, "region")),
			       strcmp(state, "never_held") == 0 ? "never held it" : state);
		}
	}
}

int hub_erasures_list(fs_store *s, hub_region_fn sees, void *ctx, size_t limit, json_t **out,
                      int *more, fs_err *err)
{
	device_list devices = {NULL, 0, 0};
	list_run run;
	size_t i;
	int rc;

	*out = NULL;
	if (more != NULL)
		*more = 0;
	memset(&run, 0, sizeof(run));
	run.devices = &devices;
	run.sees = sees;
	run.ctx = ctx;
	run.limit = limit;
	run.err = err;
	run.out = json_array();
	rc = run.out != NULL ? 0 : FS_ENOMEM;
	if (rc == 0)
		rc = fs_store_registry(s)->device_each(fs_store_backend(s), device_take, &devices, err);
	for (i = 0; i < devices.n && rc == 0; i++) {
		int64_t pull = 0;

		rc = fs_store_ops(s)->peer_get(fs_store_backend(s), devices.v[i].site,
		                               &devices.v[i].confirmed, &pull, err);
	}
	if (rc == 0)
		rc = fs_store_ops(s)->erasure_each(fs_store_backend(s), NULL, erasure_take, &run, err);
	if (rc == 0)
		rc = request_done(&run);
	free(devices.v);
	if (rc != 0) {
		json_decref(run.out);
		return rc == FS_ENOMEM ? fs_err_set(err, FS_ENOMEM, "erasures: out of memory") : rc;
	}
	if (more != NULL)
		*more = run.more;
	*out = run.out;
	return 0;
}

int hub_cmd_erasures(int argc, char **argv)
{
	erase_args a;
	json_t *list = NULL;
	fs_store *s = NULL;
	fs_err e = {0, ""};
	const hub_opt opts[] = {{.name = "json", .flag = &a.json}, {0}};
	int rc, status;

	memset(&a, 0, sizeof(a));
	rc = hub_args_parse(argc, argv, "erasures", erasures_usage, opts, &a.where, NULL, 0, NULL);
	if (rc != 0)
		return rc < 0 ? HUB_EXIT_OK : rc;
	if (hub_store_open(&s, &a.where, &e) != 0)
		return hub_fail("%s", e.msg);
	rc = hub_erasures_list(s, NULL, NULL, 0, &list, NULL, &e);
	fs_store_close(s);
	if (rc != 0)
		return hub_fail("erasures: %s", e.msg);
	if (a.json) {
		json_dumpf(list, stdout, JSON_INDENT(2));
		fputc('\n', stdout);
	} else {
		print_table(list);
	}
	status = hub_finish_output();
	json_decref(list);
	return status;
}
