-- Intake keeps the marketing signal with each record (issue 19): the status, owner, source and
-- creation date a contact made from it takes, and the campaign the person answered. A record
-- waiting in review keeps them until a person places it, and then becomes the contact it would
-- have become at once. Empty for records taken before.
ALTER TABLE intake_records ADD COLUMN person JSONB;
