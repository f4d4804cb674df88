-- When each contact last had an activity: what "engaged in the last N days" reads, kept by the
-- store on every activity write (as a CRM's last-activity date), so coverage never has to scan
-- millions of activities.
ALTER TABLE contacts ADD COLUMN last_activity_at TIMESTAMPTZ;
UPDATE contacts SET last_activity_at = (SELECT MAX(x.occurred_at) FROM activities x WHERE x.contact_id = contacts.id);

-- Buying-center coverage reads an account's contacts from this index alone.
CREATE INDEX contacts_coverage ON contacts (account_id, status, buying_role, seniority, last_activity_at);

-- Segments by state (the seed segment: managers or directors at California software companies)
-- start from the few matching accounts, not from every contact. Filters compare text in lower case.
CREATE INDEX accounts_lower_state ON accounts (lower(state));
