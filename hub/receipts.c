/* fieldsync-hub: a person's receipt at the hub (receipts.h). */
#include "receipts.h"

#include <stdio.h>
#include <string.h>

#include "audit.h"
#include "fieldsync/backend.h"
#include "fieldsync/records.h"
#include "fieldsync/retention.h"
#include "fieldsync/shared_results.h"
#include "fieldsync/updates.h"

/* Outcomes listed at most (the kiosk shows as many, ui_receipt.c). */
#define OUTCOMES_MAX 8

/* The region of the kiosk site, "" when it is not a device here. */
static int region_of(fs_store *s, const char *site, char out[FS_NAME_MAX + 1], fs_err *err)
{
	const fs_registry_ops *reg = fs_store_registry(s);
	fs_device_row d;
	int rc;

	out[0] = '\0';
	if (reg == NULL || site[0] == '\0')
		return 0;
	rc = reg->device_get(fs_store_backend(s), site, &d, err);
	if (rc == 0 && d.region != NULL)
		snprintf(out, FS_NAME_MAX + 1, "%s", d.region);
	return rc == FS_ENOTFOUND ? 0 : rc;
}

/* {"id", "title"}: the title of the questionnaire's highest version (the
 * one it is known by now); the id alone when it is no longer held. */
static json_t *questionnaire_json(fs_store *s, const char *id)
{
	json_t *doc = NULL, *o;

	o = json_pack("{s:s}", "id", id);
	if (o != NULL && fs_questionnaire_get(s, &doc, id, 0, NULL) == 0 &&
	    json_is_object(json_object_get(doc, "title")))
		json_object_set(o, "title", json_object_get(doc, "title"));
	json_decref(doc);
	return o;
}

/* What came of a response received on day `on` for questionnaire q at a
 * kiosk of region, appended to list: the region's shared results when
 * their latest release is of that day or later (its figures count it), and
 * the "you said, we did" updates linked to q for the region (or every
 * region) that start that day or later. Only titles and dates: nothing of
 * any answer. */
static int outcomes(fs_store *s, const char *q, const char *region, const char *on, json_t *list,
                    json_t *qtitle, fs_err *err)
{
	fs_update_filter f = {region, NULL, q, NULL, 0};
	json_t *ups = NULL, *res, *u;
	char *text = NULL;
	const char *released;
	size_t i;
	int rc;

	rc = fs_shared_results_get(s, q, region, &text, err);
	if (rc == FS_ENOTFOUND)
		rc = 0;
	else if (rc == 0 && (res = json_loads(text, 0, NULL)) != NULL) {
		released = json_string_value(json_object_get(res, "released"));
		if (released != NULL && strcmp(released, on) >= 0 &&
		    !json_is_null(json_object_get(res, "total")) && json_is_object(qtitle))
			json_array_append_new(list, json_pack("{s:s, s:s, s:O}", "kind",
			                                      "shared_results", "on", released,
			                                      "title", qtitle));
		json_decref(res);
	}
	free(text);
	if (rc == 0)
		rc = fs_update_list(s, &f, &ups, err);
	json_array_foreach(ups, i, u) {
		const char *starts = json_string_value(json_object_get(u, "starts"));

		if (json_array_size(list) >= OUTCOMES_MAX)
			break;
		if (starts != NULL && strcmp(starts, on) >= 0)
			json_array_append_new(list, json_pack("{s:s, s:s, s:O}", "kind", "update", "on",
			                                      starts, "title",
			                                      json_object_get(u, "title")));
	}
	json_decref(ups);
	return rc;
}

int hub_receipt_status_json(fs_store *s, const char *hash_hex, const char *region, json_t **out,
                            fs_err *err)
{
	char holder[FS_NAME_MAX + 1];
	fs_receipt_state st;
	json_t *o;
	int rc;

	*out = NULL;
	rc = fs_receipt_state_get(s, hash_hex, &st, err);
	if (rc == 0 && region != NULL && st.status != FS_RECEIPT_UNKNOWN) {
		if (st.status == FS_RECEIPT_WITHDRAWN)
			snprintf(holder, sizeof(holder), "%s", st.region);
		else
			rc = region_of(s, st.site, holder, err);
		/* Another region's receipt is no business of this kiosk's. */
		if (rc == 0 && strcmp(holder, region) != 0)
			memset(&st, 0, sizeof(st));
	}
	if (rc != 0)
		return rc;
	o = json_pack("{s:s, s:[]}", "status", fs_receipt_status_name(st.status), "outcomes");
	if (o != NULL && st.questionnaire[0] != '\0' &&
	    (json_object_set_new(o, "questionnaire", questionnaire_json(s, st.questionnaire)) != 0 ||
	     json_object_set_new(o, "received_on", json_string(st.on)) != 0)) {
		json_decref(o);
		o = NULL;
	}
	if (o == NULL)
		return fs_err_set(err, FS_ENOMEM, "receipt: out of memory");
	/* A withdrawn response counts in nothing released after. */
	if (st.status == FS_RECEIPT_RECEIVED) {
		rc = region != NULL ? 0 : region_of(s, st.site, holder, err);
		if (rc == 0)
			rc = outcomes(s, st.questionnaire, region != NULL ? region : holder, st.on,
			              json_object_get(o, "outcomes"),
			              json_object_get(json_object_get(o, "questionnaire"), "title"), err);
		if (rc != 0) {
			json_decref(o);
			return rc;
		}
	}
	*out = o;
	return 0;
}

int hub_receipt_withdraw(fs_store *s, const char *actor, const char *hash_hex,
                         fs_receipt_status *status, fs_err *err)
{
	fs_receipt_state st;
	json_t *d;
	int rc = fs_receipt_withdraw(s, hash_hex, err);

	*status = FS_RECEIPT_UNKNOWN;
	if (rc == 0)
		rc = fs_receipt_state_get(s, hash_hex, &st, err);
	if (rc != 0)
		return rc;
	*status = st.status;
	/* Audited without the hash: who, and what became of it. */
	d = json_pack("{s:s}", "status", fs_receipt_status_name(st.status));
	if (d == NULL)
		return fs_err_set(err, FS_ENOMEM, "audit entry: out of memory");
	rc = hub_audit_add(s, actor, "receipt_withdraw", d, err);
	json_decref(d);
	return rc;
}

int hub_receipts_purge(fs_store *s, long *removed, fs_err *err)
{
	const fs_registry_ops *reg = fs_store_registry(s);
	fs_retention_settings set;
	uint64_t days, now = fs_store_now_ms(s);
	int rc;

	*removed = 0;
	if (reg == NULL)
		return 0;
	rc = fs_retention_get(s, &set, err);
	if (rc != 0)
		return rc;
	days = (uint64_t)set.days[FS_RETENTION_RESPONSES];
	if (days == 0 || days * 86400000u > now)
		return 0;
	return reg->receipt_purge(fs_store_backend(s), fs_hlc_make(now - days * 86400000u, 0),
	                          removed, err);
}

int hub_receipts_audit_set(fs_store *s, const char *site, const fs_changeset *cs, fs_err *err)
{
	char actor[HUB_AUDIT_ACTOR_MAX + 1];
	json_int_t n = 0;
	json_t *d;
	size_t i;
	int rc;

	for (i = 0; i < cs->count; i++)
		n += cs->changes[i].table == FS_TABLE_WITHDRAWALS;
	if (n == 0)
		return 0;
	snprintf(actor, sizeof(actor), "device:%s", site);
	d = json_pack("{s:I}", "withdrawals", n);
	if (d == NULL)
		return fs_err_set(err, FS_ENOMEM, "audit entry: out of memory");
	rc = hub_audit_add_in(s, actor, "receipt_withdrawals", d, err);
	json_decref(d);
	return rc;
}
