-- Where each account field's value came from: entered by a person, imported from another system,
-- or enriched from a file; with the actor, import source or file name, and when. Enrichment reads
-- it to decide what it may overwrite; a field with no row counts as entered by a person.

CREATE TABLE account_field_sources (
    account_id BIGINT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    -- An account column's name: industry, employees, annual_revenue, country, state, city, parent_id.
    field      TEXT NOT NULL,
    kind       TEXT NOT NULL CHECK (kind IN ('entered', 'imported', 'enriched')),
    source     TEXT,
    at         TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (account_id, field)
);
