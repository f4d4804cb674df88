-- The campaign a record's person answered, beside the JSON it is part of (`person`), so that a
-- campaign's people waiting in review are found by an index, not by reading every record's JSON.
ALTER TABLE intake_records ADD COLUMN campaign_id BIGINT;
UPDATE intake_records SET campaign_id = json_extract(person, '$.response.campaign_id')
WHERE person IS NOT NULL;
CREATE INDEX intake_records_campaign_id ON intake_records (campaign_id) WHERE campaign_id IS NOT NULL;
