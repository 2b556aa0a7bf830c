-- fieldsync store, migration 2: none. The hub's device registry was created
-- here for every store; it is now the hub's own schema (schema/hub/), applied
-- only to a hub's store. This number stays so that the versions of stores
-- made before keep their meaning (their migration 3 is this file's next).
-- Older stores keep the tables this migration made, and a hub keeps using
-- them.
SELECT 1;
