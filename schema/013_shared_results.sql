-- fieldsync store, migration 13: shared results (docs/reciprocity.md "Shared
-- results", core/include/fieldsync/shared_results.h). Written only by a hub,
-- sent only to the kiosks of the row's region; a kiosk may never send a row
-- (403). One row per (questionnaire, region), last-writer-wins on (hlc,
-- site): the released aggregates as JSON text (suppressed and rounded at the
-- hub; never a response, never free text). Unsharing leaves a tombstone
-- (deleted 1, results NULL) so the figures leave the kiosks too.
CREATE TABLE shared_results (
	questionnaire TEXT    NOT NULL,
	region        TEXT    NOT NULL,
	results       TEXT,
	deleted       INTEGER NOT NULL DEFAULT 0,
	hlc           BIGINT  NOT NULL,
	site          TEXT    NOT NULL,
	seq           BIGINT  NOT NULL,
	PRIMARY KEY (questionnaire, region)
);
CREATE INDEX shared_results_seq ON shared_results (seq);
CREATE INDEX shared_results_region_seq ON shared_results (region, seq);
