-- Region-scoped change reading (issue 14): a kiosk's pull reads its own
-- region's rows after its cursor as one range of (region, seq), so its cost
-- does not grow with the number of other regions. Contact fields carry no
-- region: their scan goes from the region's contacts to each contact's
-- fields after the cursor.
CREATE INDEX conflicts_region_seq ON conflicts (region, seq);
CREATE INDEX erasures_region_seq ON erasures (region, seq);
CREATE INDEX resolutions_region_seq ON resolutions (region, seq);
CREATE INDEX workers_region_seq ON workers (region, seq);
CREATE INDEX questionnaire_offers_target_seq ON questionnaire_offers (target, seq);
-- contacts_region (region, id) exists since 001_init.sql.
CREATE INDEX contact_fields_contact_seq ON contact_fields (contact_id, seq);
