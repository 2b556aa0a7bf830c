-- fieldsync store, migration 10: receipts (docs/reciprocity.md "Your
-- receipt"). A response may carry the hash of the receipt code the kiosk
-- showed its person once (BLAKE2b-256, 64 lowercase hex; never the code).
-- With that code the person may withdraw the response at any kiosk: the
-- kiosk writes a row of withdrawals (key: the hash, nothing else) that
-- flows up to the hub, which erases the response holding that receipt on
-- every replica (erasure kind 'withdrawn'). Rows are whole-row
-- last-writer-wins on (hlc, site), like workers.
ALTER TABLE responses ADD COLUMN receipt TEXT;
CREATE INDEX responses_receipt ON responses (receipt) WHERE receipt IS NOT NULL;
CREATE TABLE withdrawals (
	receipt TEXT   NOT NULL, -- the receipt hash
	hlc     BIGINT NOT NULL,
	site    TEXT   NOT NULL,
	seq     BIGINT NOT NULL,
	PRIMARY KEY (receipt)
);
CREATE INDEX withdrawals_seq ON withdrawals (seq);
