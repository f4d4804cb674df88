-- Contact status history (issue 19): the nurture report asks who entered nurture, when, and
-- whether their account's first sales cycle followed. A contact row holds only the status it
-- has now, so every change is kept here: from, to, when and why.
--
-- Triggers write the history, so no path that writes a contact (the API, intake, import,
-- migration, merge) can forget it. A writer says why through `contacts.status_reason`; a
-- change whose writer gave no new reason is recorded without one rather than with a stale one.
ALTER TABLE contacts ADD COLUMN status_reason TEXT;

CREATE TABLE contact_status_changes (
    id          INTEGER PRIMARY KEY,
    contact_id  BIGINT NOT NULL REFERENCES contacts (id) ON DELETE CASCADE,
    from_status TEXT,
    to_status   TEXT NOT NULL,
    changed_at  TIMESTAMPTZ NOT NULL,
    reason      TEXT
);
CREATE INDEX contact_status_changes_contact ON contact_status_changes (contact_id, changed_at);
CREATE INDEX contact_status_changes_entries ON contact_status_changes (to_status, contact_id, changed_at);

-- History begins with the status each contact has now, dated when the contact was created.
INSERT INTO contact_status_changes (contact_id, from_status, to_status, changed_at, reason)
SELECT id, NULL, status, created_at, 'status when history began' FROM contacts;

CREATE TRIGGER contacts_status_created AFTER INSERT ON contacts
BEGIN
    INSERT INTO contact_status_changes (contact_id, from_status, to_status, changed_at, reason)
    VALUES (NEW.id, NULL, NEW.status, NEW.created_at,
            COALESCE(NEW.status_reason, 'created' || COALESCE(' from ' || NEW.source, '')));
END;

CREATE TRIGGER contacts_status_changed AFTER UPDATE OF status ON contacts
WHEN OLD.status IS NOT NEW.status
BEGIN
    INSERT INTO contact_status_changes (contact_id, from_status, to_status, changed_at, reason)
    VALUES (NEW.id, OLD.status, NEW.status, NEW.updated_at,
            CASE WHEN NEW.status_reason IS NOT OLD.status_reason THEN NEW.status_reason END);
END;
