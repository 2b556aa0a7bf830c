-- fieldsync store, migration 3: what a receiver needs to verify claims made
-- by peers instead of trusting them (docs/design.md, "Conflicts" and
-- "Responses"). Neither table is replicated.

-- Every contact-field value this store held and then replaced: a peer's
-- conflict row may name a write that is no longer current here, and is only
-- believed when that write (hlc, site and value) was really held here. The
-- value is kept as a BLAKE2b-128 hash of its canonical JSON, not in clear:
-- old values are personal data and only need to be recognised.
CREATE TABLE contact_field_versions (
	contact_id TEXT    NOT NULL,
	field      TEXT    NOT NULL,
	hlc        INTEGER NOT NULL,
	site       TEXT    NOT NULL,
	value_hash BLOB    NOT NULL,
	PRIMARY KEY (contact_id, field, hlc, site)
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
