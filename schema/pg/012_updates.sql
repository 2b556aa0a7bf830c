-- fieldsync store on PostgreSQL, migration 12: "you said, we did" updates
-- (the same table and meaning as schema/012_updates.sql).
CREATE TABLE updates (
	id            TEXT COLLATE "C" NOT NULL,
	target        TEXT COLLATE "C" NOT NULL,
	questionnaire TEXT COLLATE "C" NOT NULL,
	title         TEXT COLLATE "C" NOT NULL,
	text          TEXT COLLATE "C" NOT NULL,
	starts        TEXT COLLATE "C" NOT NULL,
	ends          TEXT COLLATE "C" NOT NULL,
	image         TEXT COLLATE "C" NOT NULL,
	removed       SMALLINT NOT NULL,
	hlc           BIGINT  NOT NULL,
	site          TEXT COLLATE "C" NOT NULL,
	seq           BIGINT  NOT NULL,
	PRIMARY KEY (id, target)
);
CREATE INDEX updates_seq ON updates (seq);
CREATE INDEX updates_target_seq ON updates (target, seq);
