-- fieldsync store on PostgreSQL, migration 4: replicated erasure (the same
-- tables and meaning as schema/004_erasure.sql; docs/design.md, "Erasure").

-- One row per erased record, replicated, holding no personal data.
CREATE TABLE erasures (
	id           TEXT COLLATE "C" PRIMARY KEY,
	record_table TEXT COLLATE "C" NOT NULL,
	region       TEXT COLLATE "C",
	holder       TEXT COLLATE "C",
	request      TEXT COLLATE "C" NOT NULL,
	kind         TEXT COLLATE "C" NOT NULL,
	hlc          BIGINT NOT NULL,
	site         TEXT COLLATE "C" NOT NULL,
	seq          BIGINT NOT NULL
);
CREATE INDEX erasures_seq ON erasures (seq);
CREATE INDEX erasures_request ON erasures (request, id);

-- Replaced contact-field values, now per contact (keys from before this
-- migration move under contact_id '').
CREATE TABLE contact_field_versions_004 (
	contact_id  TEXT COLLATE "C" NOT NULL,
	version_key BIGINT NOT NULL,
	PRIMARY KEY (contact_id, version_key)
);
INSERT INTO contact_field_versions_004 (contact_id, version_key)
	SELECT '', version_key FROM contact_field_versions;
DROP TABLE contact_field_versions;
ALTER TABLE contact_field_versions_004 RENAME TO contact_field_versions;
