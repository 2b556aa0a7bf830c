-- fieldsync hub schema on PostgreSQL, migration 3: the console's accounts,
-- sessions and personal API tokens (schema/hub/003_accounts.sql for SQLite;
-- hub/console/ holds the rules). Shared by every hub process on the
-- database, so a session begun on one is valid on all.

CREATE TABLE admin_users (
	name         TEXT COLLATE "C" PRIMARY KEY CHECK (name <> ''),
	hash         TEXT NOT NULL,
	role         SMALLINT NOT NULL CHECK (role BETWEEN 1 AND 3),
	regions      TEXT NOT NULL DEFAULT '[]',
	created_ms   BIGINT NOT NULL,
	disabled     SMALLINT NOT NULL DEFAULT 0,
	password_changed_ms BIGINT NOT NULL
);

CREATE TABLE admin_sessions (
	hash         BYTEA PRIMARY KEY CHECK (length(hash) = 32),
	username     TEXT COLLATE "C" NOT NULL,
	created_ms   BIGINT NOT NULL,
	last_seen_ms BIGINT NOT NULL,
	expires_ms   BIGINT NOT NULL
);
CREATE INDEX admin_sessions_user ON admin_sessions (username);

CREATE TABLE admin_tokens (
	hash         BYTEA PRIMARY KEY CHECK (length(hash) = 32),
	id           TEXT COLLATE "C" NOT NULL UNIQUE,
	username     TEXT COLLATE "C" NOT NULL,
	created_ms   BIGINT NOT NULL
);
CREATE INDEX admin_tokens_user ON admin_tokens (username);
