-- fieldsync store, migration 4: replicated erasure (docs/design.md, "Erasure").

-- One row per erased record: a contact or a response whose content was
-- physically removed here, kept so that the erasure replicates (hub to the
-- kiosks that may hold the record) and so that a later change to that record,
-- a stale edit from an offline kiosk say, is dropped instead of bringing it
-- back. It holds no personal data: ids, a region, sites and stamps only.
CREATE TABLE erasures (
	id           TEXT PRIMARY KEY, -- the erased record's id (a UUID)
	record_table TEXT NOT NULL,    -- contacts | responses
	region       TEXT,             -- the region it is sent to; NULL: every region
	holder       TEXT,             -- a response: the site that made it; NULL: unknown
	request      TEXT NOT NULL,    -- UUIDv7 of the erasure request (one command)
	kind         TEXT NOT NULL,    -- admin | delete | retention | withdraw
	hlc          INTEGER NOT NULL,
	site         TEXT    NOT NULL,
	seq          INTEGER NOT NULL
);
CREATE INDEX erasures_seq ON erasures (seq);
CREATE INDEX erasures_request ON erasures (request, id);

-- Replaced contact-field values are now kept per contact, so that erasing a
-- contact removes them too. Keys from before this migration cannot be told
-- apart by contact: they move under contact_id '' (a held-check also accepts
-- them) and stay until the store is rebuilt. WITHOUT ROWID: one B-tree keyed
-- by both columns, as the single-column table was (a rowid table would add
-- an index of the key beside it, twice the writes on the hub's merge path).
CREATE TABLE contact_field_versions_004 (
	contact_id  TEXT    NOT NULL,
	version_key INTEGER NOT NULL,
	PRIMARY KEY (contact_id, version_key)
) WITHOUT ROWID;
INSERT INTO contact_field_versions_004 (contact_id, version_key)
	SELECT '', version_key FROM contact_field_versions;
DROP TABLE contact_field_versions;
ALTER TABLE contact_field_versions_004 RENAME TO contact_field_versions;
