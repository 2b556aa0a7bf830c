-- fieldsync store, migration 5: conflict resolutions (docs/design.md,
-- "Conflicts", "Resolving a conflict").

-- One row per resolved conflict, made only at a hub (fieldsync-hub resolve or
-- the console) and replicated hub -> the kiosks of the conflict's region, so
-- the conflict is closed at every store. The value chosen is also written as
-- an ordinary contact-field write with the same stamp (hlc, site); the row
-- keeps it so every store can say what was kept. Deleted with its conflict
-- (retention) and with its contact (erasure, record_purge: id starts with
-- the contact's id and '/'). The conflicts.resolved column of migration 1
-- is not used: a conflict is resolved when this table holds its id.
CREATE TABLE resolutions (
	id      TEXT PRIMARY KEY,  -- the conflict's id: record/field/loser_hlc/loser_site
	region  TEXT    NOT NULL,  -- the conflict's region (where it is sent)
	chosen  TEXT    NOT NULL,  -- winner | loser | new
	value   TEXT    NOT NULL,  -- the value written (canonical JSON text)
	hlc     INTEGER NOT NULL,  -- the stamp of the resolution and of its field write
	site    TEXT    NOT NULL,  -- the hub that resolved it
	seq     INTEGER NOT NULL
);
CREATE INDEX resolutions_seq ON resolutions (seq);
