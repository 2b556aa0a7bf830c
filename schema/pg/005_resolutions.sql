-- fieldsync store on PostgreSQL, migration 5: conflict resolutions (the same
-- table and meaning as schema/005_resolutions.sql; docs/design.md,
-- "Conflicts", "Resolving a conflict").

-- One row per resolved conflict, made only at a hub, replicated to the
-- kiosks of the conflict's region.
CREATE TABLE resolutions (
	id      TEXT COLLATE "C" PRIMARY KEY,
	region  TEXT COLLATE "C" NOT NULL,
	chosen  TEXT COLLATE "C" NOT NULL,
	value   TEXT NOT NULL,
	hlc     BIGINT NOT NULL,
	site    TEXT COLLATE "C" NOT NULL,
	seq     BIGINT NOT NULL
);
CREATE INDEX resolutions_seq ON resolutions (seq);
