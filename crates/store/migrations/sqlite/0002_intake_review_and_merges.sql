-- Intake records keep the matcher's explanation, and how a person settled one in review.
ALTER TABLE intake_records ADD COLUMN explanation TEXT;
ALTER TABLE intake_records ADD COLUMN resolved_at TIMESTAMPTZ;
ALTER TABLE intake_records ADD COLUMN resolution TEXT;
CREATE INDEX intake_records_contact_id ON intake_records (contact_id);

-- A contact merge, with everything needed to undo it: the merged contact as it was, the
-- survivor before, and the rows that moved. The contacts are plain ids, not foreign keys: the
-- merged contact no longer exists, and the history outlives a later deletion of the survivor.
CREATE TABLE contact_merges (
    id          INTEGER PRIMARY KEY,
    survivor_id BIGINT NOT NULL,
    merged_id   BIGINT NOT NULL,
    at          TIMESTAMPTZ NOT NULL,
    actor       TEXT NOT NULL,
    snapshot    JSONB NOT NULL,
    undone_at   TIMESTAMPTZ
);
CREATE INDEX contact_merges_survivor_id ON contact_merges (survivor_id);
