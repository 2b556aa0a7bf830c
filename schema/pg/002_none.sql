-- fieldsync store on PostgreSQL, migration 2: none. SQLite stores had the
-- hub's device registry here (schema/002_hub.sql); it is now the hub's own
-- schema (schema/pg/hub/). This number stays so that a schema version means
-- the same on both backends.
SELECT 1;
