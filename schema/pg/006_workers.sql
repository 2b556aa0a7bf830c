-- fieldsync store on PostgreSQL, migration 6: the region's outreach workers
-- (the same table and meaning as schema/006_workers.sql; docs/design.md,
-- "Outreach workers").
CREATE TABLE workers (
	region   TEXT COLLATE "C" NOT NULL,
	name     TEXT COLLATE "C" NOT NULL,
	pin_hash TEXT COLLATE "C",
	deleted  SMALLINT NOT NULL DEFAULT 0,
	hlc      BIGINT  NOT NULL,
	site     TEXT COLLATE "C" NOT NULL,
	seq      BIGINT  NOT NULL,
	PRIMARY KEY (region, name)
);
CREATE INDEX workers_seq ON workers (seq);
