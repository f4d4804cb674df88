-- What was said: a note's text, a call's or meeting's minutes, an email's body (issue 21). The
-- subject stays the one line a timeline shows; the body is read on the record.
ALTER TABLE activities ADD COLUMN body TEXT;

-- An opportunity's page lists the activities logged on it.
CREATE INDEX activities_opportunity_id ON activities (opportunity_id) WHERE opportunity_id IS NOT NULL;
