/* Retention (retention.h): the rules. The backends only find and delete
 * the rows these functions describe (backend.h "Retention"). */
#include "fieldsync/retention.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fieldsync/changeset.h"
#include "fieldsync/erase.h"
#include "fieldsync/records.h"
#include "store_internal.h"

/* Contacts handled per statement: bounds the memory of a purge. */
#define BATCH 256

/* meta: responses this kiosk sent and then deleted (fs_store_count adds
 * them); responses a hub refused as older than its horizon. */
#define META_SENT "responses_sent"
#define META_REFUSED "retention_responses_refused"

static const char *const table_names[FS_RETENTION_TABLES] = {
    "responses", "contacts", "conflicts", "quarantine", "audit", "contact_requests"};

/* Two years of responses (enough for a yearly report and its follow-up
 * questions), a year after a contact is closed (a returning person's
 * history), 90 days of conflicts (a review cycle), 30 days of quarantine
 * (an admin's look), six years of audit (UK limitation period), 90 days for
 * a request to be contacted nobody took (docs/reciprocity.md): docs/design.md. */
static const long default_days[FS_RETENTION_TABLES] = {730,  365, 90, 30,
						       2190, FS_RETENTION_REQUEST_DAYS_DEFAULT};

const char *fs_retention_table_name(fs_retention_table t)
{
	return (unsigned)t < FS_RETENTION_TABLES ? table_names[t] : NULL;
}

int fs_retention_table_parse(const char *name)
{
	int t;

	for (t = 0; t < FS_RETENTION_TABLES; t++)
		if (strcmp(name, table_names[t]) == 0)
			return t;
	return -1;
}

void fs_retention_defaults(fs_retention_settings *out)
{
	memcpy(out->days, default_days, sizeof(out->days));
}

/* A whole number of days: digits only, 0..FS_RETENTION_DAYS_MAX. */
static int parse_days(const char *text, long *out, const char *what, fs_err *err)
{
	const char *p;
	long v = 0;

	if (text[0] == '-')
		return fs_err_set(err, FS_EINVAL, "%s: %s days: must not be negative (0 keeps forever)",
				  what, text);
	if (text[0] == '\0')
		return fs_err_set(err, FS_EINVAL, "%s: no number of days", what);
	for (p = text; *p != '\0'; p++) {
		if (*p < '0' || *p > '9')
			return fs_err_set(err, FS_EINVAL, "%s: \"%.32s\" is not a whole number of days",
					  what, text);
		v = v * 10 + (*p - '0');
		if (v > FS_RETENTION_DAYS_MAX)
			return fs_err_set(err, FS_EINVAL, "%s: more than %d days", what,
					  FS_RETENTION_DAYS_MAX);
	}
	*out = v;
	return 0;
}

int fs_retention_parse(const char *arg, fs_retention_table *table, long *days, fs_err *err)
{
	const char *eq = strchr(arg, '=');
	char name[32];
	size_t n;
	int t;

	if (eq == NULL)
		return fs_err_set(err, FS_EINVAL,
				  "retention setting \"%.40s\": expected TABLE=DAYS (tables: responses, "
				  "contacts, conflicts, quarantine, audit, contact_requests)",
				  arg);
	n = (size_t)(eq - arg);
	if (n >= sizeof(name))
		n = sizeof(name) - 1;
	memcpy(name, arg, n);
	name[n] = '\0';
	t = fs_retention_table_parse(name);
	if (t < 0)
		return fs_err_set(err, FS_EINVAL,
				  "retention setting: unknown table \"%s\" (tables: responses, contacts, "
				  "conflicts, quarantine, audit, contact_requests)",
				  name);
	*table = (fs_retention_table)t;
	return parse_days(eq + 1, days, table_names[t], err);
}

static void meta_key(char out[48], int t)
{
	snprintf(out, 48, "retention_%s_days", table_names[t]);
}

/* One table's period: stored, or the default. */
static int get_days(fs_store *hub, int t, long *out, fs_err *err)
{
	char key[48], value[32], what[64];
	int rc;

	meta_key(key, t);
	*out = default_days[t];
	rc = hub->ops->meta_get(hub->b, key, value, sizeof(value), err);
	if (rc == FS_ENOTFOUND) {
		fs_err_clear(err);
		return 0;
	}
	if (rc != 0)
		return rc;
	snprintf(what, sizeof(what), "store meta %s", key);
	return parse_days(value, out, what, err);
}

int fs_retention_get(fs_store *hub, fs_retention_settings *out, fs_err *err)
{
	int t, rc = 0;

	for (t = 0; t < FS_RETENTION_TABLES && rc == 0; t++)
		rc = get_days(hub, t, &out->days[t], err);
	return rc;
}

int fs_retention_set(fs_store *hub, const fs_retention_table *tables, const long *days, int n,
		     fs_err *err)
{
	char key[48], value[32];
	int i, rc;

	for (i = 0; i < n; i++) {
		if ((unsigned)tables[i] >= FS_RETENTION_TABLES)
			return fs_err_set(err, FS_EINVAL, "retention: no table %d", (int)tables[i]);
		if (days[i] < 0 || days[i] > FS_RETENTION_DAYS_MAX)
			return fs_err_set(err, FS_EINVAL, "%s: %ld days: must be 0..%d",
					  table_names[tables[i]], days[i], FS_RETENTION_DAYS_MAX);
	}
	rc = fs_txn_begin(hub, err);
	for (i = 0; i < n && rc == 0; i++) {
		meta_key(key, tables[i]);
		snprintf(value, sizeof(value), "%ld", days[i]);
		rc = hub->ops->meta_put(hub->b, key, value, err);
	}
	if (rc == 0)
		return fs_txn_commit(hub, err);
	fs_txn_rollback(hub);
	return rc;
}

/* now - days, by the store's clock; 0 when days is 0 or reaches past 1970. */
static uint64_t horizon_of(fs_store *s, long days)
{
	uint64_t now = fs_store_now_ms(s), span = (uint64_t)days * FS_MS_PER_DAY;

	if (days <= 0)
		return 0;
	return now > span ? now - span : 0;
}

int fs_retention_horizon(fs_store *hub, fs_retention_table table, uint64_t *before_ms,
			 fs_err *err)
{
	long days = 0;
	int rc;

	*before_ms = 0;
	if ((unsigned)table >= FS_RETENTION_TABLES)
		return fs_err_set(err, FS_EINVAL, "retention: no table %d", (int)table);
	rc = get_days(hub, (int)table, &days, err);
	if (rc == 0)
		*before_ms = horizon_of(hub, days);
	return rc;
}

/* ---- contacts past a horizon, in batches ---- */

typedef struct id_batch {
	char (*ids)[FS_ID_MAX + 1];
	size_t n;
} id_batch;

static int collect_id(void *ctx, const char *id)
{
	id_batch *l = ctx;

	if (l->n >= BATCH)
		return 1;
	snprintf(l->ids[l->n++], FS_ID_MAX + 1, "%s", id);
	return 0;
}

static int counter_add(fs_store *s, const char *key, long n, fs_err *err)
{
	char value[32];
	long long v = 0;
	int rc;

	if (n <= 0)
		return 0;
	rc = s->ops->meta_get(s->b, key, value, sizeof(value), err);
	if (rc == FS_ENOTFOUND) {
		fs_err_clear(err);
	} else if (rc != 0) {
		return rc;
	} else {
		char *end;

		errno = 0;
		v = strtoll(value, &end, 10);
		if (errno != 0 || *end != '\0' || v < 0)
			v = 0; /* a damaged counter starts again rather than stop purges */
	}
	snprintf(value, sizeof(value), "%lld", v + n);
	return s->ops->meta_put(s->b, key, value, err);
}

long fs_retention_responses_sent(fs_store *s)
{
	char value[32];
	fs_err e = {0, ""};

	if (s->ops->meta_get(s->b, META_SENT, value, sizeof(value), &e) != 0)
		return 0;
	return strtol(value, NULL, 10) > 0 ? strtol(value, NULL, 10) : 0;
}

/* The kiosk's copies of contacts past before (requested: still
 * "requested"; else closed or deleted), none of them holding a write of
 * its own not yet acknowledged (seq > push), purged; *n += how many. */
static int kiosk_purge_contacts(fs_store *kiosk, int requested, fs_hlc before, int64_t push,
				id_batch *l, long *n, fs_err *err)
{
	char after[FS_ID_MAX + 1] = "";
	size_t i;
	int rc = 0;

	while (rc == 0) {
		l->n = 0;
		rc = kiosk->ops->retention_closed_contacts(kiosk->b, requested, before, kiosk->site,
							   push, after, BATCH, collect_id, l, err);
		for (i = 0; i < l->n && rc == 0; i++) {
			rc = kiosk->ops->record_purge(kiosk->b, "contacts", l->ids[i], NULL, err);
			*n += rc == 0;
		}
		if (l->n < BATCH)
			break;
		snprintf(after, sizeof(after), "%s", l->ids[l->n - 1]);
	}
	return rc;
}

int fs_retention_kiosk_purge(fs_store *kiosk, const char *hub_peer, long closed_days,
			     long request_days, fs_retention_kiosk_result *out, fs_err *err)
{
	id_batch l = {NULL, 0};
	int64_t push = 0, pull = 0;
	long removed = 0, live = 0;
	uint64_t now, span;
	fs_hlc before;
	int rc;

	memset(out, 0, sizeof(*out));
	if (closed_days < 0 || closed_days > FS_RETENTION_DAYS_MAX)
		return fs_err_set(err, FS_EINVAL, "closed_contact_days %ld: must be 0..%d",
				  closed_days, FS_RETENTION_DAYS_MAX);
	if (request_days < 0 || request_days > FS_RETENTION_DAYS_MAX)
		return fs_err_set(err, FS_EINVAL, "contact_request_days %ld: must be 0..%d",
				  request_days, FS_RETENTION_DAYS_MAX);
	l.ids = malloc(BATCH * sizeof(*l.ids));
	if (l.ids == NULL)
		return fs_err_set(err, FS_ENOMEM, "retention: out of memory");
	now = fs_store_now_ms(kiosk);
	span = (uint64_t)closed_days * FS_MS_PER_DAY;
	before = now > span ? fs_hlc_make(now - span, 0) : 0;
	rc = fs_txn_begin(kiosk, err);
	if (rc != 0)
		goto cleanup;
	rc = kiosk->ops->peer_get(kiosk->b, hub_peer, &push, &pull, err);
	/* Acknowledged: the hub committed them (sync.c moves the push cursor
	 * only after the hub's acknowledgement). */
	if (rc == 0 && push > 0)
		rc = kiosk->ops->retention_own_responses(kiosk->b, kiosk->site, push, &removed, &live,
							 err);
	if (rc == 0) {
		out->responses = removed;
		rc = counter_add(kiosk, META_SENT, live, err);
	}
	if (rc == 0)
		rc = kiosk_purge_contacts(kiosk, 0, before, push, &l, &out->contacts, err);
	/* Requests nobody took: by their own period, 0 keeping them (the
	 * hub's erasure removes them then). */
	span = (uint64_t)request_days * FS_MS_PER_DAY;
	if (rc == 0 && request_days > 0 && now > span)
		rc = kiosk_purge_contacts(kiosk, 1, fs_hlc_make(now - span, 0), push, &l,
					  &out->contacts, err);
	if (rc != 0) {
		fs_txn_rollback(kiosk);
		memset(out, 0, sizeof(*out));
		goto cleanup;
	}
	rc = fs_txn_commit(kiosk, err);
	if (rc != 0) {
		memset(out, 0, sizeof(*out));
		goto cleanup;
	}
	if (out->responses + out->contacts > 0) {
		rc = fs_store_scrub(kiosk, err);
		out->scrubbed = rc == 0;
	}
cleanup:
	free(l.ids);
	return rc;
}

/* ---- the hub ---- */

/* Delete the rows of one table past its horizon, in the caller's
 * transaction. */
static int purge_table(fs_store *hub, const fs_retention_settings *set, fs_retention_table t,
		       long *removed, fs_err *err)
{
	char text[FS_TIMESTAMP_LEN + 1];
	uint64_t before = horizon_of(hub, set->days[t]);

	*removed = 0;
	if (before == 0)
		return 0;
	fs_timestamp_format(text, before);
	return hub->ops->retention_delete_before(hub->b, table_names[t], text, fs_hlc_make(before, 0),
						 removed, err);
}

/* Contacts closed (requested: still "requested") before the horizon:
 * erased (a record that replicates), a batch a request. */
static int purge_contacts(fs_store *hub, int requested, uint64_t before, long *erased,
			  fs_err *err)
{
	id_batch l = {NULL, 0};
	char after[FS_ID_MAX + 1] = "";
	const char *ptr[BATCH];
	fs_erase_result r;
	size_t i;
	int rc = 0;

	*erased = 0;
	if (before == 0)
		return 0;
	l.ids = malloc(BATCH * sizeof(*l.ids));
	if (l.ids == NULL)
		return fs_err_set(err, FS_ENOMEM, "retention: out of memory");
	while (rc == 0) {
		l.n = 0;
		rc = fs_txn_read_begin(hub, err);
		if (rc != 0)
			break;
		rc = hub->ops->retention_closed_contacts(hub->b, requested, fs_hlc_make(before, 0),
							 NULL, 0, after, BATCH, collect_id, &l, err);
		fs_txn_read_end(hub);
		if (rc != 0 || l.n == 0)
			break;
		for (i = 0; i < l.n; i++)
			ptr[i] = l.ids[i];
		rc = fs_erase_contacts(hub, ptr, l.n, FS_ERASE_RETENTION, &r, err);
		if (rc == 0)
			*erased += r.records;
		if (l.n < BATCH)
			break;
		snprintf(after, sizeof(after), "%s", l.ids[l.n - 1]);
	}
	free(l.ids);
	return rc;
}

int fs_retention_hub_purge(fs_store *hub, fs_retention_hub_result *out, fs_err *err)
{
	fs_retention_settings set;
	int rc;

	memset(out, 0, sizeof(*out));
	rc = fs_retention_get(hub, &set, err);
	if (rc != 0)
		return rc;
	out->audit_before_ms = horizon_of(hub, set.days[FS_RETENTION_AUDIT]);
	rc = fs_txn_begin(hub, err);
	if (rc != 0)
		return rc;
	rc = purge_table(hub, &set, FS_RETENTION_RESPONSES, &out->responses, err);
	if (rc == 0)
		rc = purge_table(hub, &set, FS_RETENTION_CONFLICTS, &out->conflicts, err);
	if (rc == 0)
		rc = purge_table(hub, &set, FS_RETENTION_QUARANTINE, &out->quarantine, err);
	if (rc != 0) {
		fs_txn_rollback(hub);
		memset(out, 0, sizeof(*out));
		return rc;
	}
	rc = fs_txn_commit(hub, err);
	if (rc != 0) {
		memset(out, 0, sizeof(*out));
		return rc;
	}
	/* On SQLite every run scrubs (a checkpoint that truncates the log,
	 * cheap), so the bytes of a worker's delete, purged in a sync's merge
	 * without a scrub (merge.h), leave the files within the hour; on
	 * PostgreSQL (VACUUM FULL locks each table while rewriting it) only a
	 * run that removed rows does. */
	if (out->responses + out->conflicts + out->quarantine > 0 ||
	    strcmp(hub->ops->name, "sqlite") == 0) {
		rc = fs_store_scrub(hub, err);
		if (rc != 0)
			return rc;
	}
	/* fs_erase_contacts scrubs after each request itself. */
	rc = purge_contacts(hub, 0, horizon_of(hub, set.days[FS_RETENTION_CONTACTS]),
			    &out->contacts, err);
	if (rc == 0)
		rc = purge_contacts(hub, 1,
				    horizon_of(hub, set.days[FS_RETENTION_CONTACT_REQUESTS]),
				    &out->contact_requests, err);
	out->scrubbed = rc == 0;
	return rc;
}

/* ---- the hub's merge: a response older than the horizon stays out ---- */

int fs_retention_filter_responses(fs_store *hub, const fs_changeset *cs, fs_changeset *view,
				  long *dropped, fs_err *err)
{
	char text[FS_TIMESTAMP_LEN + 1];
	uint64_t before = 0;
	size_t i, n = 0;
	int rc;

	*view = *cs;
	view->alloc = 0; /* borrowed: fs_retention_view_free leaves it */
	*dropped = 0;
	for (i = 0; i < cs->count && n == 0; i++)
		n += cs->changes[i].table == FS_TABLE_RESPONSES && !cs->changes[i].deleted;
	if (n == 0)
		return 0;
	rc = fs_retention_horizon(hub, FS_RETENTION_RESPONSES, &before, err);
	if (rc != 0 || before == 0)
		return rc;
	fs_timestamp_format(text, before);
	view->changes = NULL;
	view->count = 0;
	for (i = 0; i < cs->count; i++) {
		const fs_change *c = &cs->changes[i];
		const char *at = c->table == FS_TABLE_RESPONSES && !c->deleted
				     ? json_string_value(json_object_get(c->value, "submitted_at"))
				     : NULL;

		/* Both dates before the horizon: a response retention removed, or
		 * would have. A recent stamp with an old date is the clock
		 * rule's to judge (merge.c quarantines it), not retention's. */
		if (at != NULL && strcmp(at, text) < 0 && fs_hlc_ms(c->hlc) < before) {
			(*dropped)++;
			continue;
		}
		if (view->changes == NULL) {
			view->changes = malloc(cs->count * sizeof(*view->changes));
			if (view->changes == NULL) {
				*view = *cs;
				view->alloc = 0;
				return fs_err_set(err, FS_ENOMEM, "retention: out of memory");
			}
			view->alloc = cs->count;
		}
		view->changes[view->count++] = *c;
	}
	if (*dropped == 0) {
		free(view->changes);
		*view = *cs;
		view->alloc = 0;
	}
	return 0;
}

void fs_retention_view_free(fs_changeset *view)
{
	if (view->alloc != 0)
		free(view->changes);
	view->changes = NULL;
	view->count = view->alloc = 0;
}

int fs_retention_note_refused(fs_store *hub, long n, fs_err *err)
{
	return counter_add(hub, META_REFUSED, n, err);
}
