-- Campaign influence starts from each opportunity and reads the campaign touches of its
-- accounts in the window before it: by account first, then time, from the index alone.
DROP INDEX activities_campaign_touches;
CREATE INDEX activities_campaign_touches ON activities (account_id, occurred_at, campaign_id) WHERE campaign_id IS NOT NULL;
DROP INDEX campaign_members_joined_at;
CREATE INDEX campaign_members_account_joined_at ON campaign_members (account_id, joined_at, campaign_id);
