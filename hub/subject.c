/* fieldsync-hub subject: everything the hub holds about one person, for a
 * subject access request (UK GDPR article 15), as one JSON document.
 *
 * A person is known to fieldsync only by the person_ref of their contacts.
 * The contacts included are those fieldsync-hub erase --person-ref removes
 * (the same rule: core/src/erase.c, find_person): whose person_ref is
 * PERSON_REF now; whose person_ref had that value on either side of a
 * recorded conflict (it was changed, or lost to a concurrent write); and
 * those with a quarantined change of that value (a contact change is kept
 * as its value only, so any field's) or a quarantined conflict claim about
 * person_ref with it on one side. For each: every
 * field with its value and stamp (the hlc as text and as a UTC time, the
 * site that wrote it); then every recorded conflict and every quarantined
 * change about those contacts; then what is not included and why.
 *
 * Only the backend's operations are used (contact_each, conflict_each,
 * quarantine_each), all in one read snapshot, so it works alike on SQLite
 * and PostgreSQL. Memory: the ids of the person's contacts (at most
 * SUBJECT_CONTACTS_MAX) and one record at a time; the output is streamed.
 * Output goes to stdout, or to a new file created 0600 (never over an
 * existing one; removed again if the command fails). */
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli.h"
#include "commands.h"
#include "fieldsync/backend.h"
#include "fieldsync/records.h"

#define SUBJECT_CONTACTS_MAX 10000
#define SUBJECT_REF_MAX      64 /* the change-set rule's bound for person_ref */
#define SUBJECT_FORMAT       "fieldsync-subject/1"

/* Why a contact is included (its "matched" list). */
#define MATCH_CURRENT  1u /* person_ref is PERSON_REF now */
#define MATCH_CONFLICT 2u /* a conflict on person_ref had it on one side */
#define MATCH_QUARANTINE 4u /* a quarantined change about it had it */

static const char usage[] =
    "usage: fieldsync-hub subject [--data DIR | --db URI] PERSON_REF [--out FILE]\n"
    "\n"
    "Write, as one JSON document, everything this hub holds about the person\n"
    "known by PERSON_REF (a subject access request, docs/privacy.md): the\n"
    "contacts that erase --person-ref would remove (person_ref is PERSON_REF, or\n"
    "was on either side of a recorded conflict, or a quarantined change about the\n"
    "contact has that value), with each field's value, when it was written (hlc\n"
    "and UTC time) and by which site; the conflicts recorded on those contacts\n"
    "with both values; the changes about them held in quarantine; and a list of\n"
    "what is not included and why (responses carry no person_ref; replaced\n"
    "values are kept only as hashes). PERSON_REF is matched exactly, 1 to 64\n"
    "bytes of UTF-8 without control characters.\n"
    "\n"
    "  --data DIR    data directory (default: $FIELDSYNC_DATA)\n"
    "  --db URI      PostgreSQL store, postgresql://USER@HOST/DB (default:\n"
    "                $FIELDSYNC_DB); the data directory is then not used\n"
    "  --out FILE    write to FILE, created mode 0600; an existing FILE is never\n"
    "                overwritten (default: stdout)\n"
    "  -h, --help    show this help\n";

typedef struct subject_id {
	char id[FS_UUID_LEN + 1];
	unsigned matched;
} subject_id;

typedef struct subject_ctx {
	const char *ref;
	subject_id *ids;
	size_t n, cap;
	int too_many;
	FILE *out;
	json_t *cur;      /* the contact being written */
	long contacts, conflicts, quarantined;
	int first;        /* no item written yet in the current list */
	int write_failed; /* fputs/json_dumpf failed */
} subject_ctx;

/* ---- the argument ---- */

/* 1..SUBJECT_REF_MAX bytes, UTF-8 (json_string checks), no C0 or C1
 * control character or DEL. Never quoted back: it names a person. */
static int ref_is_valid(const char *ref)
{
	size_t n = strlen(ref), i;
	json_t *s;

	if (n == 0 || n > SUBJECT_REF_MAX)
		return 0;
	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)ref[i];

		if (c < 0x20 || c == 0x7f)
			return 0;
		/* U+0080..U+009F are C2 80..C2 9F in UTF-8. */
		if (c == 0xc2 && i + 1 < n && (unsigned char)ref[i + 1] >= 0x80 &&
		    (unsigned char)ref[i + 1] <= 0x9f)
			return 0;
	}
	s = json_string(ref);
	json_decref(s);
	return s != NULL;
}

/* ---- the ids of the person's contacts ---- */

static subject_id *find_id(subject_ctx *x, const char *id)
{
	size_t i;

	/* The list is short (one person's contacts) and built once. */
	for (i = 0; i < x->n; i++)
		if (strcmp(x->ids[i].id, id) == 0)
			return &x->ids[i];
	return NULL;
}

static int add_id(subject_ctx *x, const char *id, unsigned matched)
{
	subject_id *have = find_id(x, id);

	if (have != NULL) {
		have->matched |= matched;
		return 0;
	}
	if (strlen(id) > FS_UUID_LEN)
		return 0; /* not a contact id this store could hold */
	if (x->n == SUBJECT_CONTACTS_MAX) {
		x->too_many = 1;
		return FS_ETOOBIG;
	}
	if (x->n == x->cap) {
		size_t cap = x->cap ? x->cap * 2 : 16;
		subject_id *ids = realloc(x->ids, cap * sizeof(*ids));

		if (ids == NULL)
			return FS_ENOMEM;
		x->ids = ids;
		x->cap = cap;
	}
	snprintf(x->ids[x->n].id, sizeof(x->ids[x->n].id), "%s", id);
	x->ids[x->n].matched = matched;
	x->n++;
	return 0;
}

static int cmp_id(const void *a, const void *b)
{
	return strcmp(((const subject_id *)a)->id, ((const subject_id *)b)->id);
}

/* Is JSON text the string ref? */
static int value_is_ref(const char *text, const char *ref)
{
	json_t *v;
	int same;

	if (text == NULL)
		return 0;
	v = json_loads(text, JSON_DECODE_ANY, NULL);
	same = json_is_string(v) && strcmp(json_string_value(v), ref) == 0 &&
	       json_string_length(v) == strlen(ref);
	json_decref(v);
	return same;
}

static int find_current(void *ctx, const char *id, const char *region, const fs_field_row *f)
{
	subject_ctx *x = ctx;

	(void)region;
	if (f == NULL || strcmp(f->field, "person_ref") != 0 || !value_is_ref(f->value, x->ref))
		return 0;
	return add_id(x, id, MATCH_CURRENT);
}

static int is_contact_conflict(const fs_conflict_row *r)
{
	return r->record_table != NULL && strcmp(r->record_table, "contacts") == 0 &&
	       r->record_id != NULL;
}

static int find_in_conflicts(void *ctx, const fs_conflict_row *r)
{
	subject_ctx *x = ctx;

	if (!is_contact_conflict(r) || r->field == NULL || strcmp(r->field, "person_ref") != 0)
		return 0;
	if (!value_is_ref(r->winner_value, x->ref) && !value_is_ref(r->loser_value, x->ref))
		return 0;
	return add_id(x, r->record_id, MATCH_CONFLICT);
}

/* The contact a quarantined row is about, when it is one of these: a
 * contact change (record_id), or a device's conflict claim (its "record").
 * *change (new reference, may be NULL) is the stored change parsed. */
static const char *quarantine_contact(const fs_quarantine_row *q, json_t **change)
{
	*change = NULL;
	if (q->record_table == NULL || q->change == NULL)
		return NULL;
	*change = json_loads(q->change, JSON_DECODE_ANY, NULL);
	if (strcmp(q->record_table, "contacts") == 0)
		return q->record_id;
	if (strcmp(q->record_table, "conflicts") == 0)
		return json_string_value(json_object_get(*change, "record"));
	return NULL;
}

static int side_is_ref(const json_t *side, const char *ref)
{
	const json_t *v = json_object_get(side, "value");

	return json_is_string(v) && strcmp(json_string_value(v), ref) == 0 &&
	       json_string_length(v) == strlen(ref);
}

static int find_in_quarantine(void *ctx, int64_t id, const fs_quarantine_row *q)
{
	subject_ctx *x = ctx;
	json_t *change = NULL;
	const char *contact;
	int hit = 0, rc = 0;

	(void)id;
	/* Most rows cannot hold the ref: skip them unparsed. */
	if (q->change == NULL || strstr(q->change, x->ref) == NULL)
		return 0;
	contact = quarantine_contact(q, &change);
	if (contact != NULL && strcmp(q->record_table, "contacts") == 0)
		hit = json_is_string(change) && strcmp(json_string_value(change), x->ref) == 0 &&
		      json_string_length(change) == strlen(x->ref);
	else if (contact != NULL)
		hit = json_is_string(json_object_get(change, "field")) &&
		      strcmp(json_string_value(json_object_get(change, "field")), "person_ref") == 0 &&
		      (side_is_ref(json_object_get(change, "winner"), x->ref) ||
		       side_is_ref(json_object_get(change, "loser"), x->ref));
	if (hit)
		rc = add_id(x, contact, MATCH_QUARANTINE);
	json_decref(change);
	return rc;
}

/* ---- writing ---- */

static void put(subject_ctx *x, const char *text)
{
	if (fputs(text, x->out) == EOF)
		x->write_failed = 1;
}

/* One item of the current list, compact on a line of its own; steals v. */
static int put_item(subject_ctx *x, json_t *v)
{
	if (v == NULL)
		return FS_ENOMEM;
	put(x, x->first ? "\n  " : ",\n  ");
	x->first = 0;
	if (json_dumpf(v, x->out, JSON_COMPACT | JSON_SORT_KEYS) != 0)
		x->write_failed = 1;
	json_decref(v);
	return x->write_failed ? FS_EGENERIC : 0;
}

static void list_begin(subject_ctx *x, const char *key)
{
	put(x, ",\n\"");
	put(x, key);
	put(x, "\": [");
	x->first = 1;
}

static void list_end(subject_ctx *x)
{
	put(x, x->first ? "]" : "\n]");
}

/* A stored JSON value (new reference); a text that does not parse is
 * given as a string, so nothing held is left out. */
static json_t *stored_value(const char *text)
{
	json_t *v;

	if (text == NULL)
		return json_null();
	v = json_loads(text, JSON_DECODE_ANY, NULL);
	return v != NULL ? v : json_string(text);
}

/* {"hlc", "at" (UTC time of the hlc), "site"}: when and where. */
static json_t *stamp(fs_hlc hlc, const char *site)
{
	char h[FS_HLC_TEXT_LEN + 1], at[FS_TIMESTAMP_LEN + 1];

	fs_hlc_format(h, hlc);
	fs_timestamp_format(at, fs_hlc_ms(hlc));
	return json_pack("{s:s, s:s, s:s}", "hlc", h, "at", at, "site", site ? site : "");
}

static json_t *side(const char *value, fs_hlc hlc, const char *site)
{
	json_t *s = stamp(hlc, site);

	if (s != NULL && json_object_set_new(s, "value", stored_value(value)) != 0) {
		json_decref(s);
		s = NULL;
	}
	return s;
}

static json_t *matched_list(unsigned m)
{
	json_t *a = json_array();

	if (a != NULL && (m & MATCH_CURRENT))
		json_array_append_new(a, json_string("person_ref"));
	if (a != NULL && (m & MATCH_CONFLICT))
		json_array_append_new(a, json_string("conflict"));
	if (a != NULL && (m & MATCH_QUARANTINE))
		json_array_append_new(a, json_string("quarantine"));
	return a;
}

/* contact_each for one id: its fields into x->cur. */
static int collect_fields(void *ctx, const char *id, const char *region, const fs_field_row *f)
{
	subject_ctx *x = ctx;
	json_t *fields, *s;

	if (x->cur == NULL) {
		x->cur = json_pack("{s:s, s:s, s:{}}", "id", id, "region", region ? region : "",
		                   "fields");
		if (x->cur == NULL)
			return FS_ENOMEM;
	}
	if (f == NULL)
		return 0;
	fields = json_object_get(x->cur, "fields");
	s = side(f->value, f->hlc, f->site);
	if (s == NULL || json_object_set_new(fields, f->field, s) != 0)
		return FS_ENOMEM;
	return 0;
}

static int write_conflict(void *ctx, const fs_conflict_row *r)
{
	subject_ctx *x = ctx;
	json_t *item;

	if (!is_contact_conflict(r) || find_id(x, r->record_id) == NULL)
		return 0;
	item = json_pack("{s:s, s:s, s:s, s:s, s:o, s:o, s:o}", "id", r->id, "contact",
	                 r->record_id, "region", r->region ? r->region : "", "field",
	                 r->field ? r->field : "", "winner",
	                 side(r->winner_value, r->winner_hlc, r->winner_site), "loser",
	                 side(r->loser_value, r->loser_hlc, r->loser_site), "detected",
	                 stamp(r->hlc, r->site));
	x->conflicts++;
	return put_item(x, item);
}

static int write_quarantined(void *ctx, int64_t id, const fs_quarantine_row *q)
{
	subject_ctx *x = ctx;
	json_t *item, *change = NULL;
	const char *contact = quarantine_contact(q, &change);

	if (contact == NULL || find_id(x, contact) == NULL) {
		json_decref(change);
		return 0;
	}
	item = json_pack("{s:I, s:s, s:s, s:s, s:o, s:s, s:o}", "id", (json_int_t)id, "contact",
	                 contact, "table", q->record_table, "from_site",
	                 q->from_site ? q->from_site : "", "received", stamp(q->received_hlc, NULL),
	                 "reason", q->reason ? q->reason : "", "value", stored_value(q->change));
	json_decref(change);
	if (item != NULL)
		json_object_del(json_object_get(item, "received"), "site");
	x->quarantined++;
	return put_item(x, item);
}

static const char *const not_included[][2] = {
    {"responses",
     "Questionnaire responses are anonymous: they carry no person_ref and are not linked to "
     "a contact, so none can be found for a person."},
    {"replaced contact values",
     "The hub keeps a value it replaced only as a 64-bit hash (contact_field_versions), to "
     "check conflict reports; it cannot be read back. Earlier values appear here only "
     "where a conflict recorded them."},
    {"kiosk copies",
     "Each kiosk of a contact's region holds a copy of its contacts (the same fields as "
     "here, as of its last sync) until its retention removes them."},
    {"logs", "Hub and kiosk logs never contain a person_ref, notes or answers."},
};

/* The whole document, in the caller's read snapshot. */
static int write_subject(subject_ctx *x, fs_store *s, fs_err *err)
{
	const fs_backend_ops *ops = fs_store_ops(s);
	fs_backend *b = fs_store_backend(s);
	char now[FS_TIMESTAMP_LEN + 1];
	json_t *head;
	size_t i;
	int rc;

	rc = ops->contact_each(b, NULL, NULL, find_current, x, err);
	if (rc == 0)
		rc = ops->conflict_each(b, -1, find_in_conflicts, x, err);
	if (rc == 0)
		rc = ops->quarantine_each(b, find_in_quarantine, x, err);
	if (x->too_many)
		return fs_err_set(err, FS_ETOOBIG,
		                  "more than %d contacts hold this person_ref: refusing to "
		                  "guess (docs/privacy.md)",
		                  SUBJECT_CONTACTS_MAX);
	if (rc != 0)
		return rc == FS_ENOMEM ? fs_err_set(err, rc, "out of memory") : rc;
	if (x->n > 1)
		qsort(x->ids, x->n, sizeof(*x->ids), cmp_id);

	fs_timestamp_format(now, fs_store_now_ms(s));
	head = json_pack("{s:s, s:s, s:s, s:s}", "format", SUBJECT_FORMAT, "person_ref", x->ref,
	                 "hub", fs_store_site(s), "generated_at", now);
	if (head == NULL)
		return fs_err_set(err, FS_ENOMEM, "out of memory");
	/* The head's keys, then the lists, one item a line. */
	{
		char *text = json_dumps(head, JSON_COMPACT | JSON_SORT_KEYS);

		json_decref(head);
		if (text == NULL)
			return fs_err_set(err, FS_ENOMEM, "out of memory");
		text[strlen(text) - 1] = '\0'; /* the closing brace comes last */
		put(x, text);
		free(text);
	}
	list_begin(x, "contacts");
	for (i = 0; i < x->n && rc == 0; i++) {
		x->cur = NULL;
		rc = ops->contact_each(b, x->ids[i].id, NULL, collect_fields, x, err);
		if (rc == 0 && x->cur != NULL) {
			json_object_set_new(x->cur, "matched", matched_list(x->ids[i].matched));
			x->contacts++;
			rc = put_item(x, x->cur);
		} else {
			json_decref(x->cur);
		}
		x->cur = NULL;
	}
	list_end(x);
	if (rc == 0) {
		list_begin(x, "conflicts");
		rc = ops->conflict_each(b, -1, write_conflict, x, err);
		list_end(x);
	}
	if (rc == 0) {
		list_begin(x, "quarantined");
		rc = ops->quarantine_each(b, write_quarantined, x, err);
		list_end(x);
	}
	if (rc == 0) {
		list_begin(x, "not_included");
		for (i = 0; i < sizeof(not_included) / sizeof(not_included[0]) && rc == 0; i++)
			rc = put_item(x, json_pack("{s:s, s:s}", "what", not_included[i][0], "why",
			                           not_included[i][1]));
		list_end(x);
		put(x, "\n}\n");
	}
	if (rc == FS_ENOMEM)
		return fs_err_set(err, rc, "out of memory");
	if (rc == 0 && (x->write_failed || fflush(x->out) != 0 || ferror(x->out)))
		return fs_err_set(err, FS_EGENERIC, "cannot write the output: %s", strerror(errno));
	return rc;
}

/* A new file at path, mode 0600, never an existing one. */
static int open_out(FILE **out, const char *path, fs_err *err)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);

	*out = NULL;
	if (fd < 0 && errno == EEXIST)
		return fs_err_set(err, FS_ECONFLICT, "%s exists: not overwritten (give a new file)",
		                  path);
	if (fd < 0)
		return fs_err_set(err, FS_EGENERIC, "cannot create %s: %s", path, strerror(errno));
	/* The umask may take bits away, never add them; be exact anyway. */
	if (fchmod(fd, 0600) != 0 || (*out = fdopen(fd, "w")) == NULL) {
		int e = errno;

		close(fd);
		unlink(path);
		return fs_err_set(err, FS_EGENERIC, "cannot write %s: %s", path, strerror(e));
	}
	return 0;
}

int hub_cmd_subject(int argc, char **argv)
{
	const char *out_path = NULL, *ref = NULL;
	const hub_opt opts[] = {{.name = "out", .value = &out_path}, {0}};
	const fs_backend_ops *ops;
	subject_ctx x;
	hub_where where;
	fs_store *s = NULL;
	fs_err e = {0, ""};
	int n = 0, rc, in_txn = 0;

	rc = hub_args_parse(argc, argv, "subject", usage, opts, &where, &ref, 1, &n);
	if (rc != 0)
		return rc < 0 ? HUB_EXIT_OK : rc;
	if (n == 0)
		return hub_usage_fail("subject", "give the PERSON_REF to look for");
	if (!ref_is_valid(ref))
		return hub_usage_fail("subject",
		                      "PERSON_REF must be 1 to %d bytes of UTF-8 without control "
		                      "characters",
		                      SUBJECT_REF_MAX);
	if (out_path != NULL && out_path[0] == '\0')
		return hub_usage_fail("subject", "--out needs a file name");
	memset(&x, 0, sizeof(x));
	x.ref = ref;
	x.out = stdout;
	if (hub_store_open(&s, &where, &e) != 0)
		return hub_fail("%s", e.msg);
	if (out_path != NULL && open_out(&x.out, out_path, &e) != 0) {
		fs_store_close(s);
		return hub_fail("subject: %s", e.msg);
	}
	ops = fs_store_ops(s);
	/* One snapshot: the ids found and the records written agree. */
	rc = ops->begin(fs_store_backend(s), FS_TXN_READ, &e);
	in_txn = rc == 0;
	if (rc == 0)
		rc = write_subject(&x, s, &e);
	if (in_txn)
		ops->rollback(fs_store_backend(s)); /* nothing was written */
	if (out_path != NULL) {
		if (rc == 0 && fsync(fileno(x.out)) != 0)
			rc = fs_err_set(&e, FS_EGENERIC, "cannot write %s: %s", out_path,
			                strerror(errno));
		if (fclose(x.out) != 0 && rc == 0)
			rc = fs_err_set(&e, FS_EGENERIC, "cannot write %s: %s", out_path,
			                strerror(errno));
		if (rc != 0)
			unlink(out_path); /* ours (O_EXCL): no half a document left */
	}
	free(x.ids);
	fs_store_close(s);
	if (rc != 0)
		return hub_fail("subject: %s", e.msg);
	if (out_path != NULL)
		fprintf(stderr,
		        HUB_PROG ": subject: %ld contacts, %ld conflicts, %ld quarantined changes "
		                 "written to %s (mode 0600)\n",
		        x.contacts, x.conflicts, x.quarantined, out_path);
	return HUB_EXIT_OK;
}
