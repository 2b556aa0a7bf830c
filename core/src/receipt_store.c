/* A person's withdrawal by receipt (fieldsync/receipt.h): one row of the
 * replicated table withdrawals, flowing up to the hub (tables.c,
 * schema/010_receipts.sql). What the hub does with it is hub/receipts.c's. */
#include "fieldsync/receipt.h"

#include <stdio.h>
#include <string.h>

#include "fieldsync/backend.h"
#include "fieldsync/tables.h"
#include "erase_internal.h"
#include "fieldsync/erase.h"
#include "store_internal.h"

#define WITHDRAWALS fs_table_desc_of(FS_TABLE_WITHDRAWALS)

int fs_receipt_withdraw(fs_store *s, const char *hash_hex, fs_err *err)
{
	fs_record_row key = {{{hash_hex, 0}}, 0, 0, NULL, 0}, row;
	long erased = 0;
	int changed = 0, rc;

	if (hash_hex == NULL || !fs_receipt_hash_valid(hash_hex, strlen(hash_hex)))
		return fs_err_set(err, FS_EINVAL,
		                  "receipt: a withdrawal needs a receipt hash (64 lowercase hex)");
	if (fs_store_site(s)[0] == '\0')
		return fs_err_set(err, FS_EINVAL, "store has no site identity yet");
	rc = fs_txn_begin(s, err);
	if (rc != 0)
		return rc;
	rc = s->ops->record_get(s->b, WITHDRAWALS, &key, &row, err);
	if (rc == FS_ENOTFOUND) { /* once: the same withdrawal again writes nothing */
		row = key;
		row.hlc = fs_txn_tick(s);
		row.site = fs_store_site(s);
		row.seq = fs_txn_next_seq(s);
		rc = s->ops->record_put(s->b, WITHDRAWALS, &row, &changed, err);
	}
	/* At a hub (the console, the CLI) the response goes at once. */
	if (rc == 0 && s->reg != NULL)
		rc = fs_erase_withdrawn_hash(s, hash_hex, &erased, err);
	if (rc == 0)
		rc = fs_txn_commit(s, err);
	else
		fs_txn_rollback(s);
	if (rc == 0 && erased > 0)
		rc = fs_store_scrub(s, err);
	return rc;
}

/* site (may be NULL) gets the withdrawal's site. */
static int withdrawal_site(fs_store *s, const char *hash_hex, int *withdrawn, char *site,
                           fs_err *err)
{
	fs_record_row key = {{{hash_hex, 0}}, 0, 0, NULL, 0}, row;
	int rc;

	*withdrawn = 0;
	if (site != NULL)
		site[0] = '\0';
	if (hash_hex == NULL || !fs_receipt_hash_valid(hash_hex, strlen(hash_hex)))
		return fs_err_set(err, FS_EINVAL, "receipt: not a receipt hash (64 lowercase hex)");
	rc = s->ops->record_get(s->b, WITHDRAWALS, &key, &row, err);
	if (rc == FS_ENOTFOUND)
		return 0;
	if (rc == 0) {
		*withdrawn = 1;
		if (site != NULL)
			snprintf(site, FS_NAME_MAX + 1, "%s", row.site ? row.site : "");
	}
	return rc;
}

int fs_receipt_withdrawn(fs_store *s, const char *hash_hex, int *withdrawn, fs_err *err)
{
	return withdrawal_site(s, hash_hex, withdrawn, NULL, err);
}

const char *fs_receipt_status_name(fs_receipt_status st)
{
	switch (st) {
	case FS_RECEIPT_RECEIVED:
		return "received";
	case FS_RECEIPT_WITHDRAWN:
		return "withdrawn";
	case FS_RECEIPT_PENDING:
		return "pending";
	default:
		return "unknown";
	}
}

/* Every path reads the withdrawal, the note and the response alike, so
 * an unknown hash costs what a known one does. */
static int state_read(fs_store *s, const char *hash, fs_receipt_state *out, fs_err *err)
{
	fs_response_row r;
	int withdrawn = 0, noted, rc = withdrawal_site(s, hash, &withdrawn, out->site, err);

	if (rc != 0)
		return rc;
	rc = s->reg->receipt_note_get(s->b, hash, out->questionnaire, out->on, out->region, err);
	if (rc != 0 && rc != FS_ENOTFOUND)
		return rc;
	noted = rc == 0;
	rc = s->ops->response_by_receipt(s->b, hash, &r, err);
	if (rc != 0 && rc != FS_ENOTFOUND)
		return rc;
	if (rc == 0 && !withdrawn) {
		out->status = FS_RECEIPT_RECEIVED;
		snprintf(out->questionnaire, sizeof(out->questionnaire), "%s",
		         r.questionnaire ? r.questionnaire : "");
		out->version = (long long)r.version;
		snprintf(out->site, sizeof(out->site), "%s", r.site ? r.site : "");
		snprintf(out->on, sizeof(out->on), "%.10s", r.submitted_at ? r.submitted_at : "");
	} else if (withdrawn && noted) {
		out->status = FS_RECEIPT_WITHDRAWN;
	} else {
		out->status = withdrawn ? FS_RECEIPT_PENDING : FS_RECEIPT_UNKNOWN;
		out->questionnaire[0] = out->on[0] = out->region[0] = '\0';
	}
	return 0;
}

int fs_receipt_state_get(fs_store *hub, const char *hash_hex, fs_receipt_state *out,
                         fs_err *err)
{
	int rc;

	memset(out, 0, sizeof(*out));
	if (hash_hex == NULL || !fs_receipt_hash_valid(hash_hex, strlen(hash_hex)))
		return fs_err_set(err, FS_EINVAL, "receipt: not a receipt hash (64 lowercase hex)");
	if (hub->reg == NULL)
		return fs_err_set(err, FS_EINVAL, "receipt: status is the hub's to give");
	rc = fs_txn_read_begin(hub, err);
	if (rc != 0)
		return rc;
	rc = state_read(hub, hash_hex, out, err);
	fs_txn_read_end(hub);
	if (rc != 0)
		memset(out, 0, sizeof(*out));
	return rc;
}
