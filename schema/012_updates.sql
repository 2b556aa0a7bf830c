-- fieldsync store, migration 12: "you said, we did" updates
-- (docs/reciprocity.md; core/include/fieldsync/updates.h). Written only by
-- a hub, sent to every kiosk of the row's target region (target '*': to
-- every kiosk); a kiosk may never send a row (403). One row per id (the
-- hub never writes a second target for an id; the target is in the key
-- because a row's region never changes), last-writer-wins on (hlc, site). A removed update keeps its row (id and
-- target, so the removal reaches the same kiosks) with its content gone.
CREATE TABLE updates (
	id            TEXT    NOT NULL, -- [a-z0-9][a-z0-9-]{0,63}
	target        TEXT    NOT NULL, -- '*' (every region) or a region name
	questionnaire TEXT    NOT NULL, -- the linked questionnaire's id, '' for none
	title         TEXT    NOT NULL, -- JSON object text: language tag -> title
	text          TEXT    NOT NULL, -- JSON object text: language tag -> text
	starts        TEXT    NOT NULL, -- YYYY-MM-DD, shown from this day
	ends          TEXT    NOT NULL, -- YYYY-MM-DD, to this day (inclusive)
	image         TEXT    NOT NULL, -- base64 of a cleaned PNG/JPEG, '' for none
	removed       INTEGER NOT NULL, -- 1: removed (content cleared)
	hlc           BIGINT  NOT NULL,
	site          TEXT    NOT NULL,
	seq           BIGINT  NOT NULL,
	PRIMARY KEY (id, target)
);
CREATE INDEX updates_seq ON updates (seq);
-- A kiosk's pull reads its region's rows as one range (schema 11).
CREATE INDEX updates_target_seq ON updates (target, seq);
