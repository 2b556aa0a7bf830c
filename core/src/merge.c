/* The merge rules, in one place. Storage goes through the store's backend
 * (backend.h), with rows.c's conversions. */
#include "fieldsync/merge.h"

#include <stdlib.h>
#include <string.h>

#include "erase_internal.h"
#include "fieldsync/erase.h"
#include "fieldsync/questionnaire.h"
#include "fieldsync/records.h"
#include "rows.h"
#include "store_internal.h"

#define CANON_FLAGS FS_CANON_FLAGS
#define DOC_CACHE 8

/* State of one merge: the questionnaires already parsed, the last contact
 * row ensured, and the counts. */
typedef struct merge_ctx {
	fs_store *s;
	const fs_changeset *cs;
	const fs_merge_opts *opts;
	size_t index; /* of the change being merged, for messages */
	fs_merge_result res;
	struct {
		char id[FS_ID_MAX + 1];
		int64_t version;
		json_t *doc; /* NULL: not published here */
	} docs[DOC_CACHE];
	size_t ndocs, next_doc;
	char last_contact[FS_ID_MAX + 1];
	/* Erasures: whether the store holds any (else no lookup is made), the
	 * last record id looked up and whether it was erased, and the request
	 * of the erasures a hub makes for deleted contacts in this merge. */
	int erasures_any;
	char checked_id[FS_ID_MAX + 1];
	int checked_erased;
	char delete_request[FS_UUID_LEN + 1];
	char resolved_record[FS_UUID_LEN + 1]; /* record_of a resolution */
} merge_ctx;

static void ctx_free(merge_ctx *m)
{
	size_t i;

	for (i = 0; i < m->ndocs; i++)
		json_decref(m->docs[i].doc);
}

static int quarantine(merge_ctx *m, const fs_change *c, const char *reason, fs_err *err)
{
	char *text = c->value ? json_dumps(c->value, CANON_FLAGS) : NULL;
	int rc;

	rc = fs_rows_quarantine(m->s, m->cs->site, fs_table_name(c->table), c->id, reason,
			    text ? text : "null", err);
	free(text);
	if (rc == 0)
		m->res.quarantined++;
	return rc;
}

static int get_doc(merge_ctx *m, json_t **out, const char *id, int64_t version, fs_err *err)
{
	json_t *doc = NULL;
	size_t i, slot;
	int rc;

	for (i = 0; i < m->ndocs; i++)
		if (m->docs[i].version == version && strcmp(m->docs[i].id, id) == 0) {
			*out = m->docs[i].doc;
			return 0;
		}
	rc = fs_questionnaire_get(m->s, &doc, id, version, NULL);
	if (rc != 0 && rc != FS_ENOTFOUND)
		return fs_err_set(err, rc, "merge: cannot read questionnaire %s", id);
	if (m->ndocs < DOC_CACHE) {
		slot = m->ndocs++;
	} else {
		slot = m->next_doc;
		m->next_doc = (m->next_doc + 1) % DOC_CACHE;
		json_decref(m->docs[slot].doc);
	}
	snprintf(m->docs[slot].id, sizeof(m->docs[slot].id), "%s", id);
	m->docs[slot].version = version;
	m->docs[slot].doc = doc;
	*out = doc;
	return 0;
}

static int str_eq(const json_t *a, const json_t *b)
{
	const char *x = json_string_value(a), *y = json_string_value(b);

	if (x == NULL || y == NULL)
		return x == y;
	return strcmp(x, y) == 0;
}

/* Same response content? worker (or receipt) null and absent are the
 * same. */
static int response_same(const json_t *a, const json_t *b)
{
	static const char *const keys[] = {"questionnaire", "started_at", "submitted_at",
					   "language", "mode", "worker", "receipt", NULL};
	size_t i;

	for (i = 0; keys[i] != NULL; i++)
		if (!str_eq(json_object_get(a, keys[i]), json_object_get(b, keys[i])))
			return 0;
	return json_integer_value(json_object_get(a, "version")) ==
		       json_integer_value(json_object_get(b, "version")) &&
	       json_equal(json_object_get(a, "answers"), json_object_get(b, "answers"));
}

/* The clock rule for a response's own times, at a hub (max_future_ms
 * set): none before FS_RESPONSE_EPOCH_MS, when no fieldsync kiosk existed
 * (a Pi without a real-time clock that never learned the time dates from
 * 1970). Returns 1 with rerr set when one is, else 0. */
static int check_response_floor(const fs_change *c, fs_err *rerr)
{
	static const char *const keys[] = {"started_at", "submitted_at"};
	char when[FS_TIMESTAMP_LEN + 1];
	uint64_t t;
	size_t i;

	for (i = 0; i < 2; i++) {
		if (fs_timestamp_to_ms(json_string_value(json_object_get(c->value, keys[i])), &t) !=
			    0 ||
		    t >= FS_RESPONSE_EPOCH_MS)
			continue;
		fs_timestamp_format(when, FS_RESPONSE_EPOCH_MS);
		fs_err_set(rerr, FS_ECLOCK,
			   "response %s: %s is before %s, when no fieldsync kiosk existed; the "
			   "sending site's clock was wrong",
			   c->id, keys[i], when);
		return 1;
	}
	return 0;
}

/* Refuse (when the policy says so: FS_EFORBIDDEN, whole set) or
 * quarantine a change about another site's response. */
static int foreign_response(merge_ctx *m, const fs_change *c, const char *owner, fs_err *err)
{
	fs_err rerr = {0, ""};
	int rc = fs_authorize_response(m->opts->authz, m->index, c, owner, err);

	if (rc != 0)
		return rc;
	fs_err_set(&rerr, FS_EFORBIDDEN, "response %s was made by site %s, not %s", c->id, owner,
		   c->site);
	return quarantine(m, c, rerr.msg, err);
}

/* The response's content arrived from owner: tombstones other sites sent
 * for it before it was here were not its site's and are discarded (kept in
 * quarantine for review); owner's own, if any, stands. *owner_hlc gets the
 * hlc of owner's tombstone, 0 when it has none. */
static int settle_claims(merge_ctx *m, const fs_change *c, const json_t *claims,
			 fs_hlc *owner_hlc, fs_err *err)
{
	size_t i;
	int rc = 0;

	*owner_hlc = 0;
	for (i = 0; i < json_array_size(claims) && rc == 0; i++) {
		const json_t *cl = json_array_get(claims, i);
		const char *site = json_string_value(json_array_get(cl, 0));
		fs_hlc h = (fs_hlc)json_integer_value(json_array_get(cl, 1));
		char hh[FS_HLC_TEXT_LEN + 1], reason[FS_ERR_MSG_MAX], *text;
		json_t *change;

		if (strcmp(site, c->site) == 0) {
			*owner_hlc = h;
			continue;
		}
		fs_hlc_format(hh, h);
		change = json_pack("{s:s, s:s, s:s, s:s, s:b}", "table", "responses", "id", c->id,
				   "hlc", hh, "site", site, "deleted", 1);
		text = change ? json_dumps(change, CANON_FLAGS) : NULL;
		json_decref(change);
		snprintf(reason, sizeof(reason),
			 "tombstone of response %s by site %s discarded: the response was made "
			 "by site %s, and only its own site may delete it",
			 c->id, site, c->site);
		rc = fs_rows_quarantine(m->s, site, "responses", c->id, reason, text ? text : "null",
				    err);
		free(text);
		if (rc == 0)
			m->res.quarantined++;
	}
	if (rc == 0)
		rc = m->s->ops->claims_clear(m->s->b, c->id, err);
	return rc;
}

/* A response tombstone from c->site. Only the site that made a response
 * may delete it: another site's tombstone for stored content is refused.
 * Before the content is here its site is unknown: the tombstone is kept as
 * that site's claim (response_tombstone_claims) and settled when the
 * content arrives (settle_claims). */
static int merge_response_tombstone(merge_ctx *m, const fs_change *c, fs_err *err)
{
	fs_store *s = m->s;
	json_t *have = NULL, *claims = NULL;
	char site[FS_NAME_MAX + 1];
	int inserted = 0, changed = 0, deleted = 0, rc;
	fs_hlc hlc;

	rc = fs_rows_response_have(s, c->id, &have, &deleted, &hlc, site, err);
	json_decref(have);
	if (rc == FS_ENOTFOUND) {
		rc = fs_rows_response_put(s, 0, &inserted, c->id, NULL, c->hlc, c->site, fs_txn_next_seq(s),
				  err);
		if (rc == 0)
			rc = s->ops->claim_add(s->b, c->id, c->site, c->hlc, err);
		if (rc == 0)
			m->res.applied++;
		return rc;
	}
	if (rc != 0)
		return rc;
	if (deleted) {
		size_t nclaims;

		rc = fs_rows_response_claims(s, &claims, c->id, err);
		if (rc != 0)
			return rc;
		nclaims = json_array_size(claims);
		json_decref(claims);
		/* Two sites' tombstones and no content: either may be the
		 * owner's (a store from before this rule may hold a forged one),
		 * and erased content has nothing left to protect, so both become
		 * claims, settled when the content comes. */
		if (nclaims == 0 && strcmp(site, c->site) != 0) {
			rc = s->ops->claim_add(s->b, c->id, site, hlc, err);
			nclaims = 1;
		}
		if (rc == 0 && nclaims > 0) {
			rc = s->ops->claim_add(s->b, c->id, c->site, c->hlc, err);
			snprintf(site, sizeof(site), "%s", c->site);
		}
		if (rc != 0)
			return rc;
	}
	if (strcmp(site, c->site) != 0)
		return foreign_response(m, c, site, err);
	rc = s->ops->response_erase(s->b, c->id, c->hlc, c->site, fs_txn_next_seq(s), &changed,
				    err);
	if (rc == 0) {
		if (changed)
			m->res.applied++;
		else
			m->res.unchanged++;
	}
	return rc;
}

static int merge_response(merge_ctx *m, const fs_change *c, fs_err *err)
{
	fs_store *s = m->s;
	fs_err rerr = {0, ""};
	json_t *doc = NULL, *have = NULL, *claims = NULL;
	char site[FS_NAME_MAX + 1];
	int inserted = 0, deleted = 0, rc;
	fs_hlc hlc, owner_hlc = 0;

	if (c->deleted)
		return merge_response_tombstone(m, c, err);
	rc = get_doc(m, &doc, json_string_value(json_object_get(c->value, "questionnaire")),
		     json_integer_value(json_object_get(c->value, "version")), err);
	if (rc != 0)
		return rc;
	if (doc == NULL) {
		fs_err_set(&rerr, FS_ENOTFOUND, "questionnaire %s version %lld is not known here",
			   json_string_value(json_object_get(c->value, "questionnaire")),
			   (long long)json_integer_value(json_object_get(c->value, "version")));
		return quarantine(m, c, rerr.msg, err);
	}
	if (m->opts->max_future_ms && check_response_floor(c, &rerr) != 0)
		return quarantine(m, c, rerr.msg, err);
	if (fs_response_validate(doc, c->value, NULL, &rerr) != 0)
		return quarantine(m, c, rerr.msg, err);
	rc = fs_rows_response_put(s, 0, &inserted, c->id, c->value, c->hlc, c->site, fs_txn_next_seq(s),
			  err);
	if (rc != 0)
		return rc;
	if (inserted) {
		m->res.applied++;
		return 0;
	}
	rc = fs_rows_response_have(s, c->id, &have, &deleted, &hlc, site, err);
	if (rc != 0)
		return rc;
	if (deleted) {
		/* A tombstone stands only when it is this response's own site's. */
		rc = fs_rows_response_claims(s, &claims, c->id, err);
		if (rc == 0 && json_array_size(claims) > 0)
			rc = settle_claims(m, c, claims, &owner_hlc, err);
		else if (rc == 0 && strcmp(site, c->site) == 0)
			owner_hlc = hlc;
		json_decref(claims);
		if (rc != 0)
			return rc;
		if (owner_hlc != 0 && (owner_hlc != hlc || strcmp(site, c->site) != 0))
			rc = fs_rows_response_put(s, 1, NULL, c->id, NULL, owner_hlc, c->site,
					  fs_txn_next_seq(s), err);
		else if (owner_hlc == 0)
			rc = fs_rows_response_put(s, 1, NULL, c->id, c->value, c->hlc, c->site,
					  fs_txn_next_seq(s), err);
		if (rc == 0) {
			if (owner_hlc == 0)
				m->res.applied++;
			else
				m->res.unchanged++;
		}
		return rc;
	}
	if (strcmp(site, c->site) != 0) {
		/* Another site's response id: a forgery, not a retry. */
		json_decref(have);
		return foreign_response(m, c, site, err);
	}
	if (response_same(have, c->value)) {
		m->res.unchanged++;
	} else {
		fs_err_set(&rerr, FS_ECONFLICT,
			   "response %s is already stored with other content; an immutable "
			   "record is never overwritten",
			   c->id);
		rc = quarantine(m, c, rerr.msg, err);
	}
	json_decref(have);
	return rc;
}

static int merge_questionnaire(merge_ctx *m, const fs_change *c, fs_err *err)
{
	fs_store *s = m->s;
	fs_questionnaire_row row = {c->id, c->version, NULL, 1, c->hlc, c->site, 0}, have;
	char *text = NULL;
	int inserted = 0, changed = 0, rc;

	if (c->deleted) {
		row.seq = fs_txn_next_seq(s);
		rc = s->ops->questionnaire_insert(s->b, &row, &inserted, err);
		if (rc == 0 && !inserted)
			rc = s->ops->questionnaire_retire(s->b, c->id, c->version, c->hlc, c->site,
							  fs_txn_next_seq(s), &changed, err);
		if (rc == 0) {
			if (inserted || changed)
				m->res.applied++;
			else
				m->res.unchanged++;
		}
		return rc;
	}
	text = json_dumps(c->value, CANON_FLAGS);
	if (text == NULL)
		return fs_err_set(err, FS_ENOMEM, "out of memory");
	row.doc = text;
	row.deleted = 0;
	row.seq = fs_txn_next_seq(s);
	rc = s->ops->questionnaire_insert(s->b, &row, &inserted, err);
	if (rc == 0 && inserted)
		m->res.applied++;
	if (rc == 0 && !inserted)
		rc = s->ops->questionnaire_get(s->b, c->id, c->version, &have, err);
	if (rc == 0 && !inserted) {
		if (have.deleted || (have.doc != NULL && strcmp(have.doc, text) == 0)) {
			m->res.unchanged++;
		} else {
			fs_err rerr = {0, ""};

			fs_err_set(&rerr, FS_ECONFLICT,
				   "questionnaire %s version %lld is already published with "
				   "other content",
				   c->id, (long long)c->version);
			rc = quarantine(m, c, rerr.msg, err);
		}
	}
	free(text);
	return rc;
}

/* Record that loser was overwritten by winner without either writer having
 * seen the other's value. */
static int record_conflict(merge_ctx *m, const fs_change *c, const char *win_value,
			   fs_hlc win_hlc, const char *win_site, const char *lose_value,
			   fs_hlc lose_hlc, const char *lose_site, fs_err *err)
{
	char id[FS_ID_MAX + 1];
	fs_conflict_row row;
	int inserted = 0, rc;

	fs_conflict_id(id, c->id, c->field, lose_hlc, lose_site);
	memset(&row, 0, sizeof(row));
	row.id = id;
	row.record_table = "contacts";
	row.record_id = c->id;
	row.region = c->region;
	row.field = c->field;
	row.winner_value = win_value;
	row.winner_hlc = win_hlc;
	row.winner_site = win_site;
	row.loser_value = lose_value;
	row.loser_hlc = lose_hlc;
	row.loser_site = lose_site;
	row.hlc = fs_txn_tick(m->s);
	row.site = m->s->site;
	row.seq = fs_txn_next_seq(m->s);
	/* At a hub (merging a device's set) what it derives itself takes the
	 * place of a claim a device sent under the same id. */
	rc = m->s->ops->conflict_insert(m->s->b, &row, m->opts->device != NULL, &inserted,
					err);
	if (rc == 0 && inserted)
		m->res.conflicts++;
	return rc;
}

static int merge_contact(merge_ctx *m, const fs_change *c, fs_err *err)
{
	fs_store *s = m->s;
	fs_field_copy cur;
	fs_field_row row;
	char *text = NULL;
	int rc, cmp, concurrent;

	if (strcmp(m->last_contact, c->id) != 0) {
		fs_err rerr = {0, ""};

		rc = fs_rows_contact_ensure(s, c->id, c->region, &rerr);
		if (rc == FS_ECONFLICT)
			rc = fs_authorize_contact(m->opts->authz, m->index, c, c->id, NULL, err);
		if (rc == 0 && rerr.code == FS_ECONFLICT)
			return quarantine(m, c, rerr.msg, err);
		if (rc != 0)
			return fs_err_set(err, rc, "%s", rerr.msg);
		snprintf(m->last_contact, sizeof(m->last_contact), "%s", c->id);
	}
	text = json_dumps(c->value, CANON_FLAGS);
	if (text == NULL)
		return fs_err_set(err, FS_ENOMEM, "out of memory");
	rc = fs_rows_field_get(s, &cur, c->id, c->field, err);
	if (rc != 0)
		goto cleanup;
	memset(&row, 0, sizeof(row));
	row.contact_id = c->id;
	row.field = c->field;
	row.value = text;
	row.hlc = c->hlc;
	row.site = c->site;
	row.prev_hlc = c->prev_hlc;
	row.prev_site = c->prev_site[0] != '\0' ? c->prev_site : NULL;
	if (!cur.found) {
		row.seq = fs_txn_next_seq(s);
		rc = s->ops->field_put(s->b, &row, err);
		if (rc == 0)
			m->res.applied++;
		goto cleanup;
	}
	cmp = fs_hlc_site_cmp(c->hlc, c->site, cur.hlc, cur.site);
	if (cmp == 0) {
		if (strcmp(text, cur.value) == 0) {
			m->res.unchanged++;
		} else {
			fs_err rerr = {0, ""};

			fs_err_set(&rerr, FS_ECONFLICT,
				   "contact %s field %s: another value with the same timestamp "
				   "and site is stored",
				   c->id, c->field);
			rc = quarantine(m, c, rerr.msg, err);
		}
		goto cleanup;
	}
	/* Concurrent: different writers, and neither write replaced the other.
	 * A site's own writes are ordered by its clock; equal values lose
	 * nothing, so they are not worth an admin's time. */
	concurrent = strcmp(c->site, cur.site) != 0 &&
		     !(c->prev_hlc == cur.hlc && strcmp(c->prev_site, cur.site) == 0) &&
		     !(cur.prev_hlc == c->hlc && strcmp(cur.prev_site, c->site) == 0) &&
		     strcmp(text, cur.value) != 0;
	if (cmp > 0) {
		if (concurrent)
			rc = record_conflict(m, c, text, c->hlc, c->site, cur.value, cur.hlc,
					     cur.site, err);
		/* A hub keeps the replaced value recognisable for verifying
		 * conflict claims. */
		if (rc == 0 && s->region[0] == '\0')
			rc = s->ops->field_version_add(
				s->b, c->id,
				fs_rows_field_version_key(c->id, c->field, cur.value, cur.hlc,
							  cur.site),
				err);
		if (rc == 0) {
			row.seq = fs_txn_next_seq(s);
			rc = s->ops->field_update(s->b, &row, err);
		}
		if (rc == 0)
			m->res.applied++;
	} else {
		if (concurrent)
			rc = record_conflict(m, c, cur.value, cur.hlc, cur.site, text, c->hlc,
					     c->site, err);
		if (rc == 0)
			m->res.unchanged++;
	}
cleanup:
	fs_rows_field_clear(&cur);
	free(text);
	return rc;
}

/* One side of a conflict row as sent: hlc, site and canonical value. */
typedef struct claim_side {
	fs_hlc hlc;
	const char *site;
	char *value;
} claim_side;

static int side_read(claim_side *out, const json_t *side)
{
	out->hlc = 0;
	fs_hlc_parse(&out->hlc, json_string_value(json_object_get(side, "hlc")), NULL);
	out->site = json_string_value(json_object_get(side, "site"));
	out->value = json_dumps(json_object_get(side, "value"), CANON_FLAGS);
	return out->value != NULL && out->site != NULL ? 0 : FS_ENOMEM;
}

/* Is the side a write the sender made, or one this store holds or held
 * (same hlc, site and value)? */
static int side_known(merge_ctx *m, const char *record, const char *field, const claim_side *sd,
		      int *known, fs_err *err)
{
	fs_field_copy cur;
	int rc;

	*known = strcmp(sd->site, m->opts->device) == 0;
	if (*known)
		return 0;
	rc = fs_rows_field_get(m->s, &cur, record, field, err);
	if (rc != 0)
		return rc;
	*known = cur.found && cur.hlc == sd->hlc && strcmp(cur.site, sd->site) == 0 &&
		 strcmp(cur.value, sd->value) == 0;
	fs_rows_field_clear(&cur);
	if (*known)
		return 0;
	return m->s->ops->field_version_held(
		m->s->b, record,
		fs_rows_field_version_key(record, field, sd->value, sd->hlc, sd->site), known, err);
}

/* A device's conflict row is a claim about writes, and is believed only
 * when it could have been derived from writes this hub holds: the contact
 * is here (in the sender's region, else FS_EFORBIDDEN), the two sides come
 * from different sites with different values, the winner is the greater
 * (hlc, site), and each side is either the sender's own write (a value of
 * its own that lost there may never have reached the hub) or a write this
 * hub holds or held, with that value. Returns 0 when believed, 1 with rerr
 * set when not, or an error. */
static int verify_claim(merge_ctx *m, const fs_change *c, fs_err *rerr, fs_err *err)
{
	const char *record = json_string_value(json_object_get(c->value, "record"));
	const char *field = json_string_value(json_object_get(c->value, "field"));
	static const char *const names[2] = {"winner", "loser"};
	claim_side sd[2] = {{0, NULL, NULL}, {0, NULL, NULL}};
	char region[FS_NAME_MAX + 1];
	int rc, i, known = 0;

	rc = m->s->ops->contact_region(m->s->b, record, region, err);
	if (rc == FS_ENOTFOUND) {
		fs_err_set(rerr, FS_ENOTFOUND, "conflict %s: contact %s is not known here", c->id,
			   record);
		return 1;
	}
	if (rc == 0)
		rc = fs_authorize_contact(m->opts->authz, m->index, c, record, region, err);
	if (rc != 0)
		return rc;
	for (i = 0; i < 2; i++)
		if (side_read(&sd[i], json_object_get(c->value, names[i])) != 0) {
			rc = fs_err_set(err, FS_ENOMEM, "out of memory");
			goto cleanup;
		}
	if (strcmp(sd[0].site, sd[1].site) == 0) {
		fs_err_set(rerr, FS_EINVAL, "conflict %s: winner and loser are writes of one site",
			   c->id);
		rc = 1;
	} else if (strcmp(sd[0].value, sd[1].value) == 0) {
		fs_err_set(rerr, FS_EINVAL, "conflict %s: winner and loser have the same value",
			   c->id);
		rc = 1;
	} else if (fs_hlc_site_cmp(sd[0].hlc, sd[0].site, sd[1].hlc, sd[1].site) <= 0) {
		fs_err_set(rerr, FS_EINVAL, "conflict %s: the winner is not the later write",
			   c->id);
		rc = 1;
	}
	for (i = 0; i < 2 && rc == 0; i++) {
		rc = side_known(m, record, field, &sd[i], &known, err);
		if (rc == 0 && !known) {
			fs_err_set(rerr, FS_ENOTFOUND,
				   "conflict %s: its %s is not the sender's write and not a write "
				   "this hub holds or held (site %s, that time, that value)",
				   c->id, names[i], sd[i].site);
			rc = 1;
		}
	}
cleanup:
	for (i = 0; i < 2; i++)
		free(sd[i].value);
	return rc;
}

static int merge_conflict(merge_ctx *m, const fs_change *c, fs_err *err)
{
	fs_conflict_row row;
	char *winner = NULL, *loser = NULL;
	int inserted = 0, rc;

	if (m->opts->device != NULL) {
		fs_err rerr = {0, ""};

		rc = verify_claim(m, c, &rerr, err);
		if (rc < 0)
			return rc;
		if (rc > 0)
			return quarantine(m, c, rerr.msg, err);
	} else if (m->opts->authz != NULL) {
		char region[FS_NAME_MAX + 1];
		const char *record = json_string_value(json_object_get(c->value, "record"));

		/* The conflict's own region was checked; its record must agree. */
		rc = m->s->ops->contact_region(m->s->b, record, region, err);
		if (rc == 0)
			rc = fs_authorize_contact(m->opts->authz, m->index, c, record, region, err);
		if (rc != 0 && rc != FS_ENOTFOUND)
			return rc;
	}
	/* A device's claim never replaces a stored row; a trusted upstream's
	 * row (the hub's, at a kiosk) replaces one detected elsewhere, so the
	 * region ends up with the hub's version of each conflict. */
	memset(&row, 0, sizeof(row));
	rc = fs_rows_conflict_from_body(&row, c->value, &winner, &loser, err);
	if (rc != 0)
		return rc;
	row.id = c->id;
	row.region = c->region;
	row.hlc = c->hlc;
	row.site = c->site;
	row.seq = fs_txn_next_seq(m->s);
	rc = m->s->ops->conflict_insert(m->s->b, &row, m->opts->device == NULL, &inserted,
					err);
	free(winner);
	free(loser);
	if (rc == 0) {
		if (inserted)
			m->res.applied++;
		else
			m->res.unchanged++;
	}
	return rc;
}

/* ---- erasure ---- */

/* The record a change is about: a conflict's (and its resolution's) is
 * its contact's. */
static const char *record_of(merge_ctx *m, const fs_change *c)
{
	char field[FS_CONTACT_FIELD_MAX], site[FS_NAME_MAX + 1];
	fs_hlc hlc;

	if (c->table == FS_TABLE_CONFLICTS)
		return json_string_value(json_object_get(c->value, "record"));
	if (c->table == FS_TABLE_RESOLUTIONS)
		return fs_conflict_id_parse(c->id, m->resolved_record, field, &hlc, site) == 0
		           ? m->resolved_record
		           : NULL;
	return c->id;
}

/* Is record id erased here? One lookup per run of changes to one record,
 * none while the store holds no erasure. */
static int is_erased(merge_ctx *m, const char *id, int *erased, fs_err *err)
{
	fs_erasure_row row;
	int rc;

	*erased = 0;
	if (!m->erasures_any || id == NULL)
		return 0;
	if (strcmp(m->checked_id, id) == 0) {
		*erased = m->checked_erased;
		return 0;
	}
	rc = m->s->ops->erasure_get(m->s->b, id, &row, err);
	if (rc != 0 && rc != FS_ENOTFOUND)
		return rc;
	*erased = rc == 0;
	snprintf(m->checked_id, sizeof(m->checked_id), "%s", id);
	m->checked_erased = *erased;
	return 0;
}

/* A record was erased in this merge: forget what was looked up of it. */
static void erased_now(merge_ctx *m)
{
	m->erasures_any = 1;
	m->checked_id[0] = '\0';
	m->last_contact[0] = '\0';
	m->res.erased++;
}

/* An erasure from a trusted upstream (the hub's, at a kiosk): record it
 * with its own stamp and purge the record, unsent local edits included. */
static int merge_erasure(merge_ctx *m, const fs_change *c, fs_err *err)
{
	const json_t *v = c->value;
	fs_erasure_row have, row;
	int inserted = 0, rc;

	rc = m->s->ops->erasure_get(m->s->b, c->id, &have, err);
	if (rc == 0) {
		m->res.unchanged++;
		return 0;
	}
	if (rc != FS_ENOTFOUND)
		return rc;
	memset(&row, 0, sizeof(row));
	row.id = c->id;
	row.record_table = json_string_value(json_object_get(v, "table"));
	row.region = json_string_value(json_object_get(v, "region")); /* NULL for null */
	row.holder = json_string_value(json_object_get(v, "holder"));
	row.request = json_string_value(json_object_get(v, "request"));
	row.kind = json_string_value(json_object_get(v, "kind"));
	row.hlc = c->hlc;
	row.site = c->site;
	rc = fs_erase_record(m->s, &row, &inserted, NULL, err);
	if (rc == 0) {
		m->res.applied++;
		erased_now(m);
	}
	return rc;
}

/* A resolution from a trusted upstream (the hub's, at a kiosk): kept as
 * sent, the first one of a conflict standing (a hub makes one only). The
 * value it chose arrives as the contact-field write it made, in the same
 * reply. A device never sends one (authorize.h: not of its tables). */
static int merge_resolution(merge_ctx *m, const fs_change *c, fs_err *err)
{
	fs_resolution_row row;
	char *value;
	int inserted = 0, rc;

	if (m->opts->device != NULL)
		return fs_err_set(err, FS_EFORBIDDEN,
		                  "changes[%zu]: a conflict is resolved at the hub only", m->index);
	value = json_dumps(json_object_get(c->value, "value"), CANON_FLAGS);
	if (value == NULL)
		return fs_err_set(err, FS_ENOMEM, "out of memory");
	memset(&row, 0, sizeof(row));
	row.id = c->id;
	row.region = c->region;
	row.chosen = json_string_value(json_object_get(c->value, "chosen"));
	row.value = value;
	row.hlc = c->hlc;
	row.site = c->site;
	row.seq = fs_txn_next_seq(m->s);
	rc = m->s->ops->resolution_insert(m->s->b, &row, &inserted, err);
	free(value);
	if (rc == 0) {
		if (inserted)
			m->res.applied++;
		else
			m->res.unchanged++;
	}
	return rc;
}

/* At a hub merging a device's set: a contact whose "deleted" field is now
 * true (a worker deleted it) is erased here, in this transaction, and the
 * erasure goes back to the region's kiosks. */
static int erase_if_deleted(merge_ctx *m, const fs_change *c, fs_err *err)
{
	fs_store *s = m->s;
	char region[FS_NAME_MAX + 1];
	fs_field_copy cur;
	fs_erasure_row row;
	int deleted, inserted = 0, rc;

	rc = fs_rows_field_get(s, &cur, c->id, "deleted", err);
	if (rc != 0)
		return rc;
	deleted = cur.found && strcmp(cur.value, "true") == 0;
	fs_rows_field_clear(&cur);
	if (!deleted)
		return 0;
	rc = s->ops->contact_region(s->b, c->id, region, err);
	if (rc == 0 && m->delete_request[0] == '\0')
		rc = fs_erase_request_id(s, m->delete_request, err);
	if (rc != 0)
		return rc;
	memset(&row, 0, sizeof(row));
	row.id = c->id;
	row.record_table = "contacts";
	row.region = region;
	row.request = m->delete_request;
	row.kind = FS_ERASE_DELETE;
	row.hlc = fs_txn_tick(s);
	row.site = s->site;
	rc = fs_erase_record(s, &row, &inserted, NULL, err);
	if (rc == 0)
		erased_now(m);
	return rc;
}

/* ---- record tables (tables.h: workers, questionnaire offers, ...) ---- */

/* A row from the hub: last-writer-wins on (hlc, site), the tombstone an
 * ordinary write (a worker removed and added again comes back). Equal
 * stamps with other content cannot come from one hub; such a row is
 * quarantined rather than picked by value. A kiosk keeps only its own
 * region's rows (and those of every region): another region's, which a
 * hub never sends, is quarantined. A secret body (a PIN hash) stays out
 * of quarantine. */
static int merge_record(merge_ctx *m, const fs_table_desc *t, const fs_change *c, fs_err *err)
{
	fs_store *s = m->s;
	fs_record_row have, row;
	fs_change bare = *c;
	char label[FS_ERR_MSG_MAX / 2];
	fs_err rerr = {0, ""};
	int changed = 0, rc, cmp, i, same;

	if (t->secret)
		bare.value = NULL;
	fs_record_from_change(t, c, &row);
	fs_record_label(label, sizeof(label), t, &row);
	if (s->region[0] != '\0' && !fs_record_in_region(t, &row, s->region)) {
		fs_err_set(&rerr, FS_EFORBIDDEN,
			   "%s: this kiosk is of region %s, and a kiosk keeps only its own "
			   "region's %s",
			   label, s->region, t->name);
		return quarantine(m, &bare, rerr.msg, err);
	}
	rc = s->ops->record_get(s->b, t, &row, &have, err);
	if (rc == 0) {
		cmp = fs_hlc_site_cmp(c->hlc, c->site, have.hlc, have.site);
		same = have.deleted == row.deleted;
		for (i = t->nkeys; same && !row.deleted && i < t->ncols; i++)
			same = t->cols[i].type == FS_COL_TEXT
				       ? strcmp(have.col[i].text ? have.col[i].text : "",
						row.col[i].text) == 0
				       : have.col[i].num == row.col[i].num;
		if (cmp < 0 || (cmp == 0 && same)) {
			m->res.unchanged++;
			return 0;
		}
		if (cmp == 0) {
			fs_err_set(&rerr, FS_ECONFLICT,
				   "%s: another write with the same timestamp and site is stored",
				   label);
			return quarantine(m, &bare, rerr.msg, err);
		}
	} else if (rc != FS_ENOTFOUND) {
		return rc;
	}
	row.seq = fs_txn_next_seq(s);
	rc = s->ops->record_put(s->b, t, &row, &changed, err);
	if (rc == 0) {
		if (changed)
			m->res.applied++;
		else
			m->res.unchanged++;
	}
	return rc;
}

/* Checks that refuse the whole set before anything is written. */
static int precheck(fs_store *s, const fs_changeset *cs, const fs_merge_opts *o, fs_err *err)
{
	uint64_t now = fs_store_now_ms(s);
	size_t i;
	int rc = 0;

	for (i = 0; i < cs->count; i++) {
		const fs_change *c = &cs->changes[i];

		rc = fs_authorize_change(o->authz, i, c, err);
		if (rc != 0)
			return rc;
		if (o->max_future_ms && c->table == FS_TABLE_RESPONSES && !c->deleted) {
			/* A response's own times follow the clock rule of stamps. */
			static const char *const keys[] = {"started_at", "submitted_at"};
			uint64_t t = 0;
			int k;

			for (k = 0; k < 2; k++)
				if (fs_timestamp_to_ms(json_string_value(json_object_get(
							       c->value, keys[k])),
						       &t) == 0 &&
				    t > now + o->max_future_ms)
					return fs_err_set(
						err, FS_ECLOCK,
						"changes[%zu].response.%s: %llu ms ahead of this "
						"store's clock (at most %llu allowed); the sending "
						"site's clock is wrong",
						i, keys[k], (unsigned long long)(t - now),
						(unsigned long long)o->max_future_ms);
		}
		if (o->max_future_ms && fs_hlc_ms(c->hlc) > now + o->max_future_ms)
			return fs_err_set(err, FS_ECLOCK,
					  "changes[%zu].hlc: %llu ms ahead of this store's clock "
					  "(at most %llu allowed); the sending site's clock is wrong",
					  i, (unsigned long long)(fs_hlc_ms(c->hlc) - now),
					  (unsigned long long)o->max_future_ms);
	}
	/* An empty set from another site, too (it would move a cursor). */
	return fs_authorize_set(o->authz, cs, err);
}

int fs_merge_apply(fs_store *s, const fs_changeset *cs, const fs_merge_opts *opts,
		   fs_merge_result *out, fs_err *err)
{
	fs_merge_opts none = {0, NULL, NULL, NULL, NULL};
	merge_ctx m;
	size_t i;
	int rc;

	if (out != NULL)
		memset(out, 0, sizeof(*out));
	if (opts == NULL)
		opts = &none;
	if (s->site[0] == '\0')
		return fs_err_set(err, FS_EINVAL, "merge: store has no site identity yet");
	rc = precheck(s, cs, opts, err);
	if (rc != 0)
		return rc;
	memset(&m, 0, sizeof(m));
	m.s = s;
	m.cs = cs;
	m.opts = opts;
	rc = fs_txn_begin(s, err);
	if (rc != 0)
		return rc;
	rc = fs_erase_any(s, &m.erasures_any, err);
	for (i = 0; i < cs->count && rc == 0; i++) {
		const fs_change *c = &cs->changes[i];
		const fs_table_desc *t = fs_table_desc_of(c->table);
		int gone = 0;

		m.index = i;
		fs_txn_observe(s, c->hlc);
		if (t->ncols > 0) {
			rc = merge_record(&m, t, c, err);
			continue;
		}
		if (c->table != FS_TABLE_QUESTIONNAIRES && c->table != FS_TABLE_ERASURES) {
			rc = is_erased(&m, record_of(&m, c), &gone, err);
			if (rc != 0)
				break;
			if (gone) {
				m.res.erased_dropped++;
				continue;
			}
		}
		switch (c->table) {
		case FS_TABLE_QUESTIONNAIRES: rc = merge_questionnaire(&m, c, err); break;
		case FS_TABLE_RESPONSES: rc = merge_response(&m, c, err); break;
		case FS_TABLE_CONTACTS:
			rc = merge_contact(&m, c, err);
			if (rc == 0 && opts->device != NULL && strcmp(c->field, "deleted") == 0 &&
			    json_is_true(c->value))
				rc = erase_if_deleted(&m, c, err);
			break;
		case FS_TABLE_CONFLICTS: rc = merge_conflict(&m, c, err); break;
		case FS_TABLE_ERASURES: rc = merge_erasure(&m, c, err); break;
		case FS_TABLE_RESOLUTIONS: rc = merge_resolution(&m, c, err); break;
		default: break; /* the record tables, above */
		}
	}
	if (rc == 0 && opts->on_commit != NULL)
		rc = opts->on_commit(opts->on_commit_ctx, s, cs, err);
	if (rc == 0)
		rc = fs_txn_commit(s, err);
	else
		fs_txn_rollback(s);
	ctx_free(&m);
	/* A kiosk that purged records scrubs its files; the merge stands
	 * whether or not the scrub could run (a hub scrubs with its erase and
	 * retention commands instead: docs/design.md, "Erasure"). */
	if (rc == 0 && m.res.erased > 0 && opts->device == NULL) {
		fs_err serr = {0, ""};

		m.res.scrub_failed = fs_store_scrub(s, &serr) != 0;
	}
	if (rc == 0 && out != NULL)
		*out = m.res;
	return rc;
}
