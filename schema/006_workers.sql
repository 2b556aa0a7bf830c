-- fieldsync store, migration 6: the region's outreach workers, managed at the
-- hub (docs/design.md, "Outreach workers"). Written only by a hub, sent only
-- to the kiosks of the worker's region; a kiosk may never send a row (403).
-- One row per (region, name), last-writer-wins on (hlc, site); a removed
-- worker is a tombstone (deleted 1, pin_hash NULL) so the removal replicates.
-- The PIN itself is never stored: pin_hash is an Argon2id string
-- (libsodium crypto_pwhash_str, interactive limits) made at the hub.
CREATE TABLE workers (
	region   TEXT    NOT NULL,
	name     TEXT    NOT NULL,
	pin_hash TEXT,
	deleted  INTEGER NOT NULL DEFAULT 0,
	hlc      BIGINT  NOT NULL,
	site     TEXT    NOT NULL,
	seq      BIGINT  NOT NULL,
	PRIMARY KEY (region, name)
);
CREATE INDEX workers_seq ON workers (seq);
