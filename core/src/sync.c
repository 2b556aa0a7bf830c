#include "fieldsync/sync.h"

#include "db.h"

/* The bookkeeping of a sync, written in the merge's transaction (merge.h
 * fs_merge_hook) so it commits with the changes: one fsync a sync. */
typedef struct sync_note {
	const char *site; /* the device (hub) or the hub (kiosk) */
} sync_note;

/* At a hub: the device's last sync (devices.h). */
static int note_device_sync(void *ctx, fs_store *s, const fs_changeset *cs, fs_err *err)
{
	const sync_note *n = ctx;

	(void)cs;
	return fs_db_device_synced(s, n->site, fs_store_now_ms(s), err);
}

/* At a kiosk: the hub's changes are in up to cs->to. */
static int note_pull_cursor(void *ctx, fs_store *s, const fs_changeset *cs, fs_err *err)
{
	const sync_note *n = ctx;

	return fs_db_peer_set_pull(s, n->site, cs->to, err);
}

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
	/* A device may only send its own writes of the kiosk tables, for its
	 * region; its conflict rows are claims the hub verifies. */
	fs_authz authz = {device_site, FS_SYNC_KIOSK_TABLES, device_region};
	sync_note note = {device_site};
	fs_merge_opts o = {FS_SYNC_MAX_FUTURE_MS, device_site, &authz, note_device_sync, &note};

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
	/* The hub is trusted, but sends only the hub tables. */
	fs_authz authz = {NULL, FS_SYNC_HUB_TABLES, NULL};
	sync_note note = {hub_site};
	fs_merge_opts o = {0, NULL, &authz, note_pull_cursor, &note};

	return fs_merge_apply(kiosk, cs, &o, res, err);
}
