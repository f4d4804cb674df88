-- A note: what someone on our side wrote about an account, a person or a deal (issue 21). It is
-- not a touch from the person, so scoring, "engaged" and the activity trend leave it out; the
-- kind only has to be allowed.
ALTER TABLE activities DROP CONSTRAINT activities_kind_check;
ALTER TABLE activities ADD CONSTRAINT activities_kind_check
    CHECK (kind IN ('email', 'web_visit', 'form', 'webinar', 'event', 'meeting', 'call', 'note'));
