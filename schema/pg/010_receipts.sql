-- fieldsync store on PostgreSQL, migration 10: receipts (the same columns
-- and meaning as schema/010_receipts.sql; docs/reciprocity.md "Your
-- receipt").
ALTER TABLE responses ADD COLUMN receipt TEXT COLLATE "C";
CREATE INDEX responses_receipt ON responses (receipt) WHERE receipt IS NOT NULL;
CREATE TABLE withdrawals (
	receipt TEXT COLLATE "C" NOT NULL,
	hlc     BIGINT NOT NULL,
	site    TEXT COLLATE "C" NOT NULL,
	seq     BIGINT NOT NULL,
	PRIMARY KEY (receipt)
);
CREATE INDEX withdrawals_seq ON withdrawals (seq);
