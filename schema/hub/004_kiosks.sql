-- fieldsync hub schema, migration 4: kiosk management (hub/registry.c).
-- What a kiosk reported at its last successful sync, for display only (a
-- kiosk can only lie about itself; the hub bounds each value and never
-- trusts it for anything else): its agent version (short printable ASCII),
-- its changes not yet sent after that sync, and its wall clock's offset
-- from the hub's when the sync arrived.
-- A move to another region: moved_from is the region the kiosk still holds
-- until it reports the new one (docs/protocol.md "Moving a kiosk"); while it
-- is set, and for at most 30 days after moved_ms, the kiosk's edits of that
-- region's contacts are still accepted, so an edit made before the kiosk
-- learnt of the move is not lost.
ALTER TABLE devices ADD COLUMN agent_version TEXT;
ALTER TABLE devices ADD COLUMN pending INTEGER;          -- NULL: not reported
ALTER TABLE devices ADD COLUMN clock_offset_ms INTEGER;  -- kiosk minus hub; NULL: not reported
ALTER TABLE devices ADD COLUMN moved_from TEXT;
ALTER TABLE devices ADD COLUMN moved_ms INTEGER;
