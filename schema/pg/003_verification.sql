-- fieldsync store on PostgreSQL, migration 3: what a receiver needs to
-- verify claims made by peers instead of trusting them (docs/design.md,
-- "Conflicts" and "Responses"; schema/003_verification.sql). Neither table
-- is replicated.

-- Every contact-field value a store held and then replaced, as a 64-bit key
-- (the engine hashes contact, field, hlc, site and value): old values are
-- personal data and only need to be recognised.
CREATE TABLE contact_field_versions (
	version_key BIGINT PRIMARY KEY
);

-- Tombstones of responses that arrived before the response itself, one per
-- (response, site), until the content arrives.
CREATE TABLE response_tombstone_claims (
	id   TEXT COLLATE "C" NOT NULL,
	site TEXT COLLATE "C" NOT NULL,
	hlc  BIGINT NOT NULL,
	PRIMARY KEY (id, site)
);
