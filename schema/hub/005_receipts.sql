-- fieldsync hub schema, migration 5: receipts (docs/reciprocity.md "Your
-- receipt"). When the hub erases a response because its person withdrew
-- it by receipt, the response is gone; this keeps, per receipt hash, only
-- what the person's status lookup shows: the questionnaire's id and the
-- day the response was submitted, and the region whose kiosks may ask.
-- Nothing else of the response (no id, no site, no answers). Purged with the receipt's withdrawal row after the
-- responses' retention period (hub/retention.c).
CREATE TABLE receipt_withdrawn (
	receipt       TEXT NOT NULL PRIMARY KEY, -- the receipt hash
	questionnaire TEXT NOT NULL,
	received_on   TEXT NOT NULL,             -- YYYY-MM-DD
	region        TEXT                       -- of the kiosk that made it; NULL: unknown
);
