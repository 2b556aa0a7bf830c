-- fieldsync store on PostgreSQL, migration 13: shared results (the same
-- table and meaning as schema/013_shared_results.sql).
CREATE TABLE shared_results (
	questionnaire TEXT COLLATE "C" NOT NULL,
	region        TEXT COLLATE "C" NOT NULL,
	results       TEXT COLLATE "C",
	deleted       SMALLINT NOT NULL DEFAULT 0,
	hlc           BIGINT  NOT NULL,
	site          TEXT COLLATE "C" NOT NULL,
	seq           BIGINT  NOT NULL,
	PRIMARY KEY (questionnaire, region)
);
CREATE INDEX shared_results_seq ON shared_results (seq);
CREATE INDEX shared_results_region_seq ON shared_results (region, seq);
