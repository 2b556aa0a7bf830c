/* A person's withdrawal by receipt (fieldsync/receipt.h): one row of the
 * replicated table withdrawals, flowing up to the hub (tables.c,
 * schema/010_receipts.sql). What the hub does with it is hub/receipts.c's. */
#include "fieldsync/receipt.h"

#include <string.h>

#include "fieldsync/backend.h"
#include "fieldsync/tables.h"
#include "store_internal.h"

#define WITHDRAWALS fs_table_desc_of(FS_TABLE_WITHDRAWALS)

int fs_receipt_withdraw(fs_store *s, const char *hash_hex, fs_err *err)
{
	fs_record_row key = {{{hash_hex, 0}}, 0, 0, NULL, 0}, row;
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
	if (rc == 0)
		rc = fs_txn_commit(s, err);
	else
		fs_txn_rollback(s);
	return rc;
}

int fs_receipt_withdrawn(fs_store *s, const char *hash_hex, int *withdrawn, fs_err *err)
{
	fs_record_row key = {{{hash_hex, 0}}, 0, 0, NULL, 0}, row;
	int rc;

	*withdrawn = 0;
	if (hash_hex == NULL || !fs_receipt_hash_valid(hash_hex, strlen(hash_hex)))
		return fs_err_set(err, FS_EINVAL, "receipt: not a receipt hash (64 lowercase hex)");
	rc = s->ops->record_get(s->b, WITHDRAWALS, &key, &row, err);
	if (rc == FS_ENOTFOUND)
		return 0;
	if (rc == 0)
		*withdrawn = 1;
	return rc;
}
