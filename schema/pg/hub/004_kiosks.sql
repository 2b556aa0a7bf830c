-- fieldsync hub schema on PostgreSQL, migration 4: kiosk management
-- (schema/hub/004_kiosks.sql for SQLite, which says what the columns mean).
ALTER TABLE devices ADD COLUMN agent_version TEXT;
ALTER TABLE devices ADD COLUMN pending BIGINT;
ALTER TABLE devices ADD COLUMN clock_offset_ms BIGINT;
ALTER TABLE devices ADD COLUMN moved_from TEXT COLLATE "C";
ALTER TABLE devices ADD COLUMN moved_ms BIGINT;
