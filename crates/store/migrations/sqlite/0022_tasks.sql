-- Tasks (issue 21): something someone has to do about an account, a contact or an opportunity,
-- by a day. A task always carries its record's account, as activities do, so it follows the
-- record through moves and merges and an account's page lists all of them.
CREATE TABLE tasks (
    id             INTEGER PRIMARY KEY,
    title          TEXT NOT NULL,
    notes          TEXT,
    due_on         DATE,
    assignee_id    BIGINT REFERENCES users (id),
    account_id     BIGINT NOT NULL REFERENCES accounts (id),
    contact_id     BIGINT REFERENCES contacts (id),
    opportunity_id BIGINT REFERENCES opportunities (id),
    done_at        TIMESTAMPTZ,
    created_at     TIMESTAMPTZ NOT NULL,
    updated_at     TIMESTAMPTZ NOT NULL
);
CREATE INDEX tasks_account_id ON tasks (account_id);
CREATE INDEX tasks_contact_id ON tasks (contact_id);
CREATE INDEX tasks_opportunity_id ON tasks (opportunity_id);
-- "My work": a person's open tasks by day.
CREATE INDEX tasks_assignee_open ON tasks (assignee_id, due_on) WHERE done_at IS NULL;
