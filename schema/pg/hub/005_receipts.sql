-- fieldsync hub schema on PostgreSQL, migration 5: receipts (the same
-- table and meaning as schema/hub/005_receipts.sql).
CREATE TABLE receipt_withdrawn (
	receipt       TEXT COLLATE "C" NOT NULL PRIMARY KEY,
	questionnaire TEXT COLLATE "C" NOT NULL,
	received_on   TEXT COLLATE "C" NOT NULL,
	region        TEXT COLLATE "C"
);
