#include "fieldsync/sync.h"

#include <stdint.h>

/* Changes read per batch when counting what is pending. */
#define PENDING_BATCH 5000

int fs_sync_kiosk_outgoing(fs_store *kiosk, fs_changeset *out, const char *hub_site,
			   size_t max_changes, size_t max_bytes, fs_err *err)
{
	fs_changes_filter f = {FS_SYNC_KIOSK_TABLES, fs_store_site(kiosk), NULL, NULL};
	int64_t push = 0, pull = 0;
	int rc = fs_store_peer_cursors(kiosk, hub_site, &push, &pull, err);

	if (rc != 0) {
		fs_changeset_init(out);
		return rc;
	}
	return fs_changes_read(kiosk, out, push, &f, max_changes, max_bytes, err);
}

int fs_sync_hub_receive(fs_store *hub, const fs_changeset *cs, const char *device_site,
			const char *device_region, fs_merge_result *res, fs_err *err)
{
	fs_merge_opts o = {FS_SYNC_MAX_FUTURE_MS, device_site, FS_SYNC_KIOSK_TABLES, device_region,
			   device_site};

	return fs_merge_apply(hub, cs, &o, res, err);
}

int fs_sync_hub_outgoing(fs_store *hub, fs_changeset *out, const char *device_site,
			 const char *device_region, int64_t cursor, size_t max_changes,
			 size_t max_bytes, fs_err *err)
{
	fs_changes_filter f = {FS_SYNC_HUB_TABLES, NULL, device_site, device_region};

	return fs_changes_read(hub, out, cursor, &f, max_changes, max_bytes, err);
}

int fs_sync_kiosk_receive(fs_store *kiosk, const fs_changeset *cs, const char *hub_site,
			  fs_merge_result *res, fs_err *err)
{
	fs_merge_opts o = {0, NULL, FS_SYNC_HUB_TABLES, NULL, hub_site};

	return fs_merge_apply(kiosk, cs, &o, res, err);
}

int fs_sync_kiosk_pending(fs_store *kiosk, const char *hub_site, long *out, fs_err *err)
{
	fs_changes_filter f = {FS_SYNC_KIOSK_TABLES, fs_store_site(kiosk), NULL, NULL};
	int64_t push = 0, pull = 0, cursor;
	int rc, more = 1;

	*out = 0;
	rc = fs_store_peer_cursors(kiosk, hub_site, &push, &pull, err);
	cursor = push;
	while (rc == 0 && more) {
		fs_changeset cs;

		rc = fs_changes_read(kiosk, &cs, cursor, &f, PENDING_BATCH, SIZE_MAX, err);
		if (rc != 0)
			break;
		*out += (long)cs.count;
		more = cs.more;
		cursor = cs.to;
		fs_changeset_free(&cs);
	}
	return rc;
}
