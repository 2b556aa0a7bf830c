-- fieldsync store, migration 7: which regions offer a questionnaire, and
-- its retirement (docs/design.md, "Questionnaire offers"). Written only by
-- a hub, sent to every kiosk of the row's region (target '*': to every
-- kiosk); a kiosk may never send a row (403). One row per (questionnaire,
-- target), last-writer-wins on (hlc, site). No row at all for a
-- questionnaire: it is offered everywhere (as before this table).
CREATE TABLE questionnaire_offers (
	questionnaire TEXT    NOT NULL, -- the questionnaire id (every version)
	target        TEXT    NOT NULL, -- '*' (every region) or a region name
	offered       INTEGER NOT NULL, -- 1 offered, 0 withdrawn
	retired       INTEGER NOT NULL DEFAULT 0, -- '*' rows only: 1 retired
	hlc           BIGINT  NOT NULL,
	site          TEXT    NOT NULL,
	seq           BIGINT  NOT NULL,
	PRIMARY KEY (questionnaire, target)
);
CREATE INDEX questionnaire_offers_seq ON questionnaire_offers (seq);
