-- fieldsync store, migration 1: the replicated data model.
-- Every replicated row carries hlc (hybrid logical clock of its last write),
-- site (the site that made that write) and seq (this store's change sequence
-- number when the row last changed here; "changes after cursor C" reads by it).
-- Only SQL that SQLite and PostgreSQL both speak, so a second backend is an
-- adapter (see docs/design.md).

CREATE TABLE meta (
	key   TEXT PRIMARY KEY,
	value TEXT NOT NULL
);

-- Published questionnaire definitions, immutable per (id, version).
CREATE TABLE questionnaires (
	id      TEXT    NOT NULL,
	version INTEGER NOT NULL,
	doc     TEXT,               -- canonical JSON; NULL once retired (tombstone)
	deleted INTEGER NOT NULL DEFAULT 0,
	hlc     INTEGER NOT NULL,
	site    TEXT    NOT NULL,
	seq     INTEGER NOT NULL,
	PRIMARY KEY (id, version)
);
CREATE INDEX questionnaires_seq ON questionnaires (seq);

-- Responses, immutable once stored; a delete erases the content and keeps
-- a tombstone so the delete replicates.
CREATE TABLE responses (
	id                    TEXT PRIMARY KEY,  -- UUIDv7, time-ordered
	questionnaire_id      TEXT,
	questionnaire_version INTEGER,
	started_at            TEXT,
	submitted_at          TEXT,
	language              TEXT,
	mode                  TEXT,              -- self | assisted
	worker                TEXT,
	answers               TEXT,              -- canonical JSON object
	deleted               INTEGER NOT NULL DEFAULT 0,
	hlc                   INTEGER NOT NULL,
	site                  TEXT    NOT NULL,
	seq                   INTEGER NOT NULL
);
CREATE INDEX responses_seq ON responses (seq);

-- Peer-support contacts: one row per contact, its fields in contact_fields
-- so that each field has its own clock (per-field last-writer-wins).
CREATE TABLE contacts (
	id     TEXT PRIMARY KEY,
	region TEXT NOT NULL
);

CREATE TABLE contact_fields (
	contact_id TEXT    NOT NULL REFERENCES contacts (id),
	field      TEXT    NOT NULL,
	value      TEXT    NOT NULL,  -- JSON value
	hlc        INTEGER NOT NULL,
	site       TEXT    NOT NULL,
	prev_hlc   INTEGER,           -- the write this one replaced at its writer
	prev_site  TEXT,
	seq        INTEGER NOT NULL,
	PRIMARY KEY (contact_id, field)
);
CREATE INDEX contact_fields_seq ON contact_fields (seq);

-- Concurrent overwrites: the losing value with both sides, for review.
-- Replicated upward (kiosk to hub) like an immutable record.
CREATE TABLE conflicts (
	id          TEXT PRIMARY KEY,  -- record/field/loser_hlc/loser_site
	record_table TEXT NOT NULL,
	record_id   TEXT    NOT NULL,
	region      TEXT    NOT NULL,
	field       TEXT    NOT NULL,
	winner_value TEXT   NOT NULL,
	winner_hlc  INTEGER NOT NULL,
	winner_site TEXT    NOT NULL,
	loser_value TEXT    NOT NULL,
	loser_hlc   INTEGER NOT NULL,
	loser_site  TEXT    NOT NULL,
	resolved    INTEGER NOT NULL DEFAULT 0,
	hlc         INTEGER NOT NULL,  -- when it was detected
	site        TEXT    NOT NULL,  -- where it was detected
	seq         INTEGER NOT NULL
);
CREATE INDEX conflicts_seq ON conflicts (seq);
CREATE INDEX conflicts_record ON conflicts (record_id);

-- Incoming records that could not be merged (an immutable record arriving
-- again with other content, answers that fail validation): kept, never
-- merged, never replicated, for an admin to look at.
CREATE TABLE quarantine (
	id          INTEGER PRIMARY KEY,
	received_hlc INTEGER NOT NULL,
	from_site   TEXT NOT NULL,
	record_table TEXT NOT NULL,
	record_id   TEXT NOT NULL,
	reason      TEXT NOT NULL,
	change      TEXT NOT NULL   -- the change as received (JSON)
);

-- Sync cursors per peer: push_cursor is the last of our seq the peer
-- acknowledged; pull_cursor the last of the peer's seq we committed.
CREATE TABLE peers (
	site        TEXT PRIMARY KEY,
	push_cursor INTEGER NOT NULL DEFAULT 0,
	pull_cursor INTEGER NOT NULL DEFAULT 0
);
