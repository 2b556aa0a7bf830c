-- fieldsync hub schema, migration 2: the audit trail (hub/audit.c; not
-- replicated, a hub's only). One row per admin action and per worker event
-- a kiosk reported, in append order (id 1, 2, ...). Each row's hash is
-- BLAKE2b-256 over the previous row's hash and this row's other columns
-- (hub/audit.c holds the encoding), so a removed, reordered or changed row
-- breaks the chain. detail is a small JSON object of ids, counts and
-- filters, never answers, notes or anything a person typed.
-- After a prune the first row's prev_hash is meta "audit_anchor"'s.

CREATE TABLE IF NOT EXISTS audit_log (
	id        INTEGER PRIMARY KEY,   -- 1, 2, ... in append order
	at_ms     INTEGER NOT NULL,      -- the hub's wall clock
	actor     TEXT NOT NULL,         -- admin:USER@HOST, device:SITE, worker:ID@SITE
	action    TEXT NOT NULL,
	detail    TEXT NOT NULL,         -- a JSON object
	prev_hash BLOB NOT NULL,         -- 32 bytes
	hash      BLOB NOT NULL          -- 32 bytes
);
CREATE INDEX IF NOT EXISTS audit_log_at ON audit_log (at_ms);
