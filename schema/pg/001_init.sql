-- fieldsync store on PostgreSQL, migration 1: the replicated data model
-- (the same tables and meaning as schema/001_init.sql for SQLite).
-- Every replicated row carries hlc (hybrid logical clock of its last write),
-- site (the site that made that write) and seq (this store's change sequence
-- number when the row last changed here; "changes after cursor C" reads by it).
-- hlc, seq and times in ms are BIGINT (64-bit); text is COLLATE "C" so that
-- key order is byte order, as in SQLite (digests and keyset pages rely on it).
-- Applied by core/src/pg_schema.c in one transaction, under an advisory lock.

-- Which migrations this database has had (schema/pg/NNN_*.sql numbers).
CREATE TABLE fieldsync_schema (
	version    INTEGER PRIMARY KEY,
	applied_at TIMESTAMPTZ NOT NULL DEFAULT now()
);

CREATE TABLE meta (
	key   TEXT COLLATE "C" PRIMARY KEY,
	value TEXT NOT NULL
);
-- The change counter. Every write transaction locks this row first
-- (SELECT ... FOR UPDATE), so writers take turns across hub processes and
-- the sequence follows commit order (docs/scaling.md).
INSERT INTO meta (key, value) VALUES ('seq', '0');

-- Published questionnaire definitions, immutable per (id, version).
CREATE TABLE questionnaires (
	id      TEXT COLLATE "C" NOT NULL CHECK (id <> ''),
	version BIGINT   NOT NULL,
	doc     TEXT,               -- canonical JSON; NULL once retired (tombstone)
	deleted SMALLINT NOT NULL DEFAULT 0,
	hlc     BIGINT   NOT NULL,
	site    TEXT COLLATE "C" NOT NULL,
	seq     BIGINT   NOT NULL,
	PRIMARY KEY (id, version)
);
CREATE INDEX questionnaires_seq ON questionnaires (seq);

-- Responses, immutable once stored; a delete erases the content and keeps
-- a tombstone so the delete replicates.
CREATE TABLE responses (
	id                    TEXT COLLATE "C" PRIMARY KEY CHECK (id <> ''),
	questionnaire_id      TEXT COLLATE "C",
	questionnaire_version BIGINT,
	started_at            TEXT COLLATE "C",
	submitted_at          TEXT COLLATE "C",
	language              TEXT,
	mode                  TEXT,              -- self | assisted
	worker                TEXT,
	answers               TEXT,              -- canonical JSON object
	deleted               SMALLINT NOT NULL DEFAULT 0,
	hlc                   BIGINT   NOT NULL,
	site                  TEXT COLLATE "C" NOT NULL,
	seq                   BIGINT   NOT NULL
);
CREATE INDEX responses_seq ON responses (seq);

-- Peer-support contacts: one row per contact, its fields in contact_fields
-- so that each field has its own clock (per-field last-writer-wins).
CREATE TABLE contacts (
	id     TEXT COLLATE "C" PRIMARY KEY CHECK (id <> ''),
	region TEXT COLLATE "C" NOT NULL
);
CREATE INDEX contacts_region ON contacts (region, id);

CREATE TABLE contact_fields (
	contact_id TEXT COLLATE "C" NOT NULL REFERENCES contacts (id),
	field      TEXT COLLATE "C" NOT NULL CHECK (field <> ''),
	value      TEXT   NOT NULL,  -- JSON value
	hlc        BIGINT NOT NULL,
	site       TEXT COLLATE "C" NOT NULL,
	prev_hlc   BIGINT,           -- the write this one replaced at its writer
	prev_site  TEXT COLLATE "C",
	seq        BIGINT NOT NULL,
	PRIMARY KEY (contact_id, field)
);
CREATE INDEX contact_fields_seq ON contact_fields (seq);

-- Concurrent overwrites: the losing value with both sides, for review.
-- Replicated upward (kiosk to hub) like an immutable record.
CREATE TABLE conflicts (
	id           TEXT COLLATE "C" PRIMARY KEY CHECK (id <> ''), -- record/field/loser_hlc/loser_site
	record_table TEXT NOT NULL,
	record_id    TEXT COLLATE "C" NOT NULL,
	region       TEXT COLLATE "C" NOT NULL,
	field        TEXT NOT NULL,
	winner_value TEXT NOT NULL,
	winner_hlc   BIGINT NOT NULL,
	winner_site  TEXT COLLATE "C" NOT NULL,
	loser_value  TEXT NOT NULL,
	loser_hlc    BIGINT NOT NULL,
	loser_site   TEXT COLLATE "C" NOT NULL,
	resolved     SMALLINT NOT NULL DEFAULT 0,
	hlc          BIGINT NOT NULL,  -- when it was detected
	site         TEXT COLLATE "C" NOT NULL,  -- where it was detected
	seq          BIGINT NOT NULL
);
CREATE INDEX conflicts_seq ON conflicts (seq);
CREATE INDEX conflicts_record ON conflicts (record_id);
CREATE INDEX conflicts_newest ON conflicts (hlc DESC, id);

-- Incoming records that could not be merged: kept, never merged, never
-- replicated, for an admin to look at.
CREATE TABLE quarantine (
	id           BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	received_hlc BIGINT NOT NULL,
	from_site    TEXT NOT NULL,
	record_table TEXT NOT NULL,
	record_id    TEXT NOT NULL,
	reason       TEXT NOT NULL,
	change       TEXT NOT NULL   -- the change as received (JSON)
);

-- Sync cursors per peer: push_cursor is the last of our seq the peer
-- acknowledged; pull_cursor the last of the peer's seq we committed.
CREATE TABLE peers (
	site        TEXT COLLATE "C" PRIMARY KEY,
	push_cursor BIGINT NOT NULL DEFAULT 0,
	pull_cursor BIGINT NOT NULL DEFAULT 0
);
