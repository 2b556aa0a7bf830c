-- fieldsync store, migration 2: the hub's device registry (not replicated).
-- Present in every store so there is one schema; only a hub writes here.

CREATE TABLE devices (
	site        TEXT PRIMARY KEY,
	name        TEXT NOT NULL,
	region      TEXT NOT NULL,
	token_hash  BLOB NOT NULL,     -- BLAKE2b-256 of the token's secret part
	enrolled_ms INTEGER NOT NULL,
	last_sync_ms INTEGER,
	last_error  TEXT,
	revoked     INTEGER NOT NULL DEFAULT 0
);

CREATE TABLE enroll_codes (
	code_hash  BLOB PRIMARY KEY,   -- BLAKE2b-256 of the normalized code
	region     TEXT NOT NULL,
	created_ms INTEGER NOT NULL,
	expires_ms INTEGER NOT NULL,
	used_by    TEXT                -- site that redeemed it, NULL while unused
);

-- Failed enrollment attempts, for rate limiting (pruned as they age).
CREATE TABLE enroll_failures (
	at_ms INTEGER NOT NULL
);
CREATE INDEX enroll_failures_at ON enroll_failures (at_ms);
