/* Who may send what (authorize.h); the merge rules are in merge.c. */
#include "fieldsync/authorize.h"

#include <string.h>

#include "fieldsync/tables.h"

/* Is region one the policy allows? */
static int region_ok(const fs_authz *a, const char *region)
{
	return region != NULL && (strcmp(region, a->region) == 0 ||
				  (a->also_region != NULL && strcmp(region, a->also_region) == 0));
}

int fs_authorize_set(const fs_authz *a, const fs_changeset *cs, fs_err *err)
{
	if (a == NULL || a->site == NULL || strcmp(cs->site, a->site) == 0)
		return 0;
	return fs_err_set(err, FS_EFORBIDDEN,
			  "site: the change set is from %s, but these credentials are %s's",
			  cs->site, a->site);
}

int fs_authorize_change(const fs_authz *a, size_t index, const fs_change *c, fs_err *err)
{
	const fs_table_desc *d;

	if (a == NULL)
		return 0;
	if (a->site != NULL && strcmp(c->site, a->site) != 0)
		return fs_err_set(err, FS_EFORBIDDEN,
				  "changes[%zu]: made by site %s, but the sender is %s; a site may "
				  "only send its own writes",
				  index, c->site, a->site);
	if (a->tables != 0 && !(a->tables & c->table))
		return fs_err_set(err, FS_EFORBIDDEN, "changes[%zu]: this sender may not write %s",
				  index, fs_table_name(c->table));
	/* A kiosk's own rows of a table kept per region (tables.h): its region's. */
	if (a->region != NULL && (d = fs_table_desc_of(c->table)) != NULL && d->scoped &&
	    (d->flow & FS_FLOW_UP) && !region_ok(a, c->region))
		return fs_err_set(err, FS_EFORBIDDEN,
				  "changes[%zu]: region %s is not the sender's region %s", index,
				  c->region, a->region);
	return 0;
}

int fs_authorize_response(const fs_authz *a, size_t index, const fs_change *c, const char *owner,
			  fs_err *err)
{
	if (a == NULL || a->site == NULL || strcmp(owner, a->site) == 0)
		return 0;
	return fs_err_set(err, FS_EFORBIDDEN,
			  "changes[%zu]: response %s was made by another site; a site may only "
			  "send or delete its own responses",
			  index, c->id);
}

int fs_authorize_contact(const fs_authz *a, size_t index, const fs_change *c, const char *contact,
			 const char *stored_region, fs_err *err)
{
	if (a == NULL || a->region == NULL || region_ok(a, stored_region))
		return 0;
	if (c->table == FS_TABLE_CONFLICTS)
		return fs_err_set(err, FS_EFORBIDDEN,
				  "changes[%zu]: conflict about contact %s of another region than "
				  "the sender's region %s",
				  index, contact, a->region);
	return fs_err_set(err, FS_EFORBIDDEN,
			  "changes[%zu]: contact %s belongs to another region than the sender's "
			  "region %s",
			  index, contact, a->region);
}
