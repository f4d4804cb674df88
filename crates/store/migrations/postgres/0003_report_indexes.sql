-- Indexes for segments and reports at scale (1,000,000 contacts, 5,000,000 activities).

-- "Engaged in the last N days" probes a contact's newest activities.
CREATE INDEX activities_contact_id_occurred_at ON activities (contact_id, occurred_at);
DROP INDEX activities_contact_id;

-- Campaign touches in a time window (influence), read from the index alone.
CREATE INDEX activities_campaign_touches ON activities (occurred_at, campaign_id, account_id) WHERE campaign_id IS NOT NULL;
CREATE INDEX campaign_members_joined_at ON campaign_members (joined_at, campaign_id, account_id);

-- The first opportunity at an account after a day (nurture conversions).
CREATE INDEX opportunities_account_id_created_at ON opportunities (account_id, created_at);
DROP INDEX opportunities_account_id;
