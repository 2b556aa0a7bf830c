-- fieldsync store on PostgreSQL, migration 2 (hub only): the hub's device
-- registry (not replicated). Applied only when the store is opened as a hub
-- (a file named NNN_hub*.sql is hub-only); a store first opened otherwise
-- gets it when a hub first opens it.

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
