-- fieldsync store, migration 3: what a receiver needs to verify claims made
-- by peers instead of trusting them (docs/design.md, "Conflicts" and
-- "Responses"). Neither table is replicated.

-- Every contact-field value a hub held and then replaced: a device's
-- conflict row may name a write that is no longer current there, and is
-- only believed when that write (contact, field, hlc, site and value) was
-- really held. Only a 64-bit key is kept, the first 8 bytes of a BLAKE2b
-- hash of all five (one B-tree, about 20 bytes a row): old values are
-- personal data and only need to be recognised.
CREATE TABLE contact_field_versions (
	version_key INTEGER PRIMARY KEY
);

-- Tombstones of responses that arrived before the response itself. Only
-- the site that made a response may delete it, but before the response is
-- here nobody can tell whose it is: each such tombstone is kept per site
-- until the content arrives, then only its own site's counts.
CREATE TABLE response_tombstone_claims (
	id   TEXT    NOT NULL,
	site TEXT    NOT NULL,
	hlc  INTEGER NOT NULL,
	PRIMARY KEY (id, site)
);
