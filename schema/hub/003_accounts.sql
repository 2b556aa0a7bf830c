-- fieldsync hub schema, migration 3: the console's accounts, sessions and
-- personal API tokens (hub/console/; not replicated, a hub's only).
-- Passwords are stored as Argon2id strings (libsodium crypto_pwhash_str);
-- sessions and tokens only as BLAKE2b-256 hashes of their secrets, so a
-- copy of the store lets nobody sign in.

CREATE TABLE IF NOT EXISTS admin_users (
	name         TEXT PRIMARY KEY,       -- [a-z0-9._-]{1,64}
	hash         TEXT NOT NULL,          -- Argon2id string
	role         INTEGER NOT NULL CHECK (role BETWEEN 1 AND 3), -- viewer, analyst, admin
	regions      TEXT NOT NULL DEFAULT '[]', -- JSON array of region names; [] every region
	created_ms   INTEGER NOT NULL,
	disabled     INTEGER NOT NULL DEFAULT 0,
	password_changed_ms INTEGER NOT NULL
);

CREATE TABLE IF NOT EXISTS admin_sessions (
	hash         BLOB PRIMARY KEY,       -- BLAKE2b-256 of the session id
	username     TEXT NOT NULL,
	created_ms   INTEGER NOT NULL,
	last_seen_ms INTEGER NOT NULL,
	expires_ms   INTEGER NOT NULL        -- the absolute end
);
CREATE INDEX IF NOT EXISTS admin_sessions_user ON admin_sessions (username);

CREATE TABLE IF NOT EXISTS admin_tokens (
	hash         BLOB PRIMARY KEY,       -- BLAKE2b-256 of the token
	id           TEXT NOT NULL UNIQUE,   -- public, to list and revoke it
	username     TEXT NOT NULL,
	created_ms   INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS admin_tokens_user ON admin_tokens (username);
