-- fieldsync hub schema on PostgreSQL, migration 1: the hub's device registry
-- (not replicated; schema/hub/001_registry.sql for SQLite). Applied only to a
-- store opened as a hub's, its version kept in meta "hub_schema": a store
-- opened otherwise carries none of it until a hub opens it.

CREATE TABLE devices (
	site         TEXT COLLATE "C" PRIMARY KEY CHECK (site <> ''),
	name         TEXT NOT NULL,
	region       TEXT COLLATE "C" NOT NULL,
	token_hash   BYTEA NOT NULL CHECK (length(token_hash) = 32), -- BLAKE2b-256
	enrolled_ms  BIGINT NOT NULL,
	last_sync_ms BIGINT,
	last_error   TEXT,
	revoked      SMALLINT NOT NULL DEFAULT 0
);
CREATE INDEX devices_region ON devices (region, site);

CREATE TABLE enroll_codes (
	code_hash  BYTEA PRIMARY KEY CHECK (length(code_hash) = 32), -- BLAKE2b-256 of the code
	region     TEXT COLLATE "C" NOT NULL,
	created_ms BIGINT NOT NULL,
	expires_ms BIGINT NOT NULL,
	used_by    TEXT COLLATE "C"   -- site that redeemed it, NULL while unused
);

-- Failed enrollment attempts, for rate limiting across every hub process
-- (pruned as they age).
CREATE TABLE enroll_failures (
	at_ms BIGINT NOT NULL
);
CREATE INDEX enroll_failures_at ON enroll_failures (at_ms);
