-- fieldsync store on PostgreSQL, migration 7: questionnaire offers and
-- retirement (the same table and meaning as schema/007_offers.sql;
-- docs/design.md, "Questionnaire offers").
CREATE TABLE questionnaire_offers (
	questionnaire TEXT COLLATE "C" NOT NULL,
	target        TEXT COLLATE "C" NOT NULL,
	offered       SMALLINT NOT NULL,
	retired       SMALLINT NOT NULL DEFAULT 0,
	hlc           BIGINT  NOT NULL,
	site          TEXT COLLATE "C" NOT NULL,
	seq           BIGINT  NOT NULL,
	PRIMARY KEY (questionnaire, target)
);
CREATE INDEX questionnaire_offers_seq ON questionnaire_offers (seq);
