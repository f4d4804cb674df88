-- A record that went to review as the same person as a record already waiting there points at
-- that record (the first of the person): the queue lists each person once, and resolving the
-- first record places its duplicates with it.
ALTER TABLE intake_records ADD COLUMN duplicate_of BIGINT REFERENCES intake_records (id);
CREATE INDEX intake_records_duplicate_of ON intake_records (duplicate_of);
