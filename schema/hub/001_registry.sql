-- fieldsync hub schema, migration 1: the hub's device registry (not
-- replicated). Applied only to a store opened as a hub's (fs_store_open_with,
-- hub 1), its version kept in meta "hub_schema": a kiosk store carries none
-- of it. Hub stores made before the registry had its own schema got these
-- tables from the store's migration 2; IF NOT EXISTS keeps them and their
-- rows as they are.

CREATE TABLE IF NOT EXISTS devices (
	site        TEXT PRIMARY KEY,
	name        TEXT NOT NULL,
	region      TEXT NOT NULL,
	token_hash  BLOB NOT NULL,     -- BLAKE2b-256 of the token's secret part
	enrolled_ms INTEGER NOT NULL,
	last_sync_ms INTEGER,
	last_error  TEXT,
	revoked     INTEGER NOT NULL DEFAULT 0
);

CREATE TABLE IF NOT EXISTS enroll_codes (
	code_hash  BLOB PRIMARY KEY,   -- BLAKE2b-256 of the normalized code
	region     TEXT NOT NULL,
	created_ms INTEGER NOT NULL,
	expires_ms INTEGER NOT NULL,
	used_by    TEXT                -- site that redeemed it, NULL while unused
);

-- Failed enrollment attempts, for rate limiting (pruned as they age).
CREATE TABLE IF NOT EXISTS enroll_failures (
	at_ms INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS enroll_failures_at ON enroll_failures (at_ms);
