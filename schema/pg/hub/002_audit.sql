-- fieldsync hub schema on PostgreSQL, migration 2: the audit trail
-- (schema/hub/002_audit.sql for SQLite; hub/audit.c holds the rules). One
-- row per admin action and per worker event, id 1, 2, ... in append order,
-- hash-chained: appended under the store's write lock, so the chain is one
-- line whichever hub process appends.

CREATE TABLE audit_log (
	id        BIGINT PRIMARY KEY CHECK (id > 0),
	at_ms     BIGINT NOT NULL,
	actor     TEXT COLLATE "C" NOT NULL,
	action    TEXT COLLATE "C" NOT NULL,
	detail    TEXT NOT NULL,
	prev_hash BYTEA NOT NULL CHECK (length(prev_hash) = 32),
	hash      BYTEA NOT NULL CHECK (length(hash) = 32)
);
CREATE INDEX audit_log_at ON audit_log (at_ms);
