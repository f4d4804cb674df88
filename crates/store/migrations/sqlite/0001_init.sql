-- abcrm schema, SQLite. Keep in step with ../postgres/0001_init.sql: a test checks they agree.

CREATE TABLE users (
    id            INTEGER PRIMARY KEY,
    email         TEXT NOT NULL UNIQUE,
    name          TEXT NOT NULL,
    role          TEXT NOT NULL CHECK (role IN ('admin', 'sales', 'marketing', 'read_only')),
    password_hash TEXT,
    created_at    TIMESTAMPTZ NOT NULL
);

CREATE TABLE api_tokens (
    id           INTEGER PRIMARY KEY,
    user_id      BIGINT NOT NULL REFERENCES users (id),
    name         TEXT NOT NULL,
    prefix       TEXT NOT NULL,
    token_hash   TEXT NOT NULL UNIQUE,
    created_at   TIMESTAMPTZ NOT NULL,
    last_used_at TIMESTAMPTZ,
    revoked_at   TIMESTAMPTZ
);

CREATE TABLE accounts (
    id             INTEGER PRIMARY KEY,
    name           TEXT NOT NULL,
    duns           TEXT UNIQUE,
    parent_id      BIGINT REFERENCES accounts (id),
    industry       TEXT,
    employees      BIGINT,
    annual_revenue BIGINT,
    country        TEXT,
    state          TEXT,
    city           TEXT,
    relationship   TEXT NOT NULL CHECK (relationship IN ('prospect', 'customer', 'partner', 'competitor', 'former_customer')),
    stage          TEXT NOT NULL CHECK (stage IN ('target', 'engaged', 'qualified', 'opportunity', 'customer', 'former_customer')),
    owner_id       BIGINT REFERENCES users (id),
    target_tier    INTEGER,
    created_at     TIMESTAMPTZ NOT NULL,
    updated_at     TIMESTAMPTZ NOT NULL
);
CREATE INDEX accounts_parent_id ON accounts (parent_id);
CREATE INDEX accounts_lower_name ON accounts (lower(name));

CREATE TABLE account_domains (
    domain     TEXT PRIMARY KEY,
    account_id BIGINT NOT NULL REFERENCES accounts (id),
    position   INTEGER NOT NULL
);
CREATE INDEX account_domains_account_id ON account_domains (account_id);

CREATE TABLE contacts (
    id          INTEGER PRIMARY KEY,
    account_id  BIGINT NOT NULL REFERENCES accounts (id),
    first_name  TEXT,
    last_name   TEXT,
    email       TEXT UNIQUE,
    phone       TEXT,
    title       TEXT,
    seniority   TEXT CHECK (seniority IN ('c_level', 'vp', 'director', 'manager', 'individual_contributor')),
    department  TEXT CHECK (department IN ('executive', 'engineering', 'it', 'product', 'marketing', 'sales', 'finance', 'operations', 'human_resources', 'legal', 'support', 'procurement', 'other')),
    buying_role TEXT CHECK (buying_role IN ('economic_buyer', 'champion', 'influencer', 'evaluator', 'user', 'blocker')),
    status      TEXT NOT NULL CHECK (status IN ('active', 'nurture', 'unsubscribed', 'left_company')),
    owner_id    BIGINT REFERENCES users (id),
    source      TEXT,
    created_at  TIMESTAMPTZ NOT NULL,
    updated_at  TIMESTAMPTZ NOT NULL
);
CREATE INDEX contacts_account_id ON contacts (account_id);

CREATE TABLE campaigns (
    id         INTEGER PRIMARY KEY,
    name       TEXT NOT NULL UNIQUE,
    kind       TEXT NOT NULL CHECK (kind IN ('email', 'webinar', 'event', 'content', 'paid', 'other')),
    starts_on  DATE,
    ends_on    DATE,
    budget     REAL,
    created_at TIMESTAMPTZ NOT NULL,
    updated_at TIMESTAMPTZ NOT NULL
);

CREATE TABLE campaign_members (
    campaign_id BIGINT NOT NULL REFERENCES campaigns (id),
    contact_id  BIGINT NOT NULL REFERENCES contacts (id),
    account_id  BIGINT NOT NULL REFERENCES accounts (id),
    status      TEXT NOT NULL CHECK (status IN ('sent', 'registered', 'attended', 'responded')),
    joined_at   TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (campaign_id, contact_id)
);
CREATE INDEX campaign_members_contact_id ON campaign_members (contact_id);
CREATE INDEX campaign_members_account_id ON campaign_members (account_id);

CREATE TABLE opportunities (
    id                 INTEGER PRIMARY KEY,
    account_id         BIGINT NOT NULL REFERENCES accounts (id),
    name               TEXT NOT NULL,
    stage              TEXT NOT NULL CHECK (stage IN ('prospecting', 'qualification', 'proposal', 'negotiation', 'closed_won', 'closed_lost')),
    amount             REAL,
    close_date         DATE,
    source_campaign_id BIGINT REFERENCES campaigns (id),
    owner_id           BIGINT REFERENCES users (id),
    created_at         TIMESTAMPTZ NOT NULL,
    updated_at         TIMESTAMPTZ NOT NULL
);
CREATE INDEX opportunities_account_id ON opportunities (account_id);
CREATE INDEX opportunities_created_at ON opportunities (created_at);

CREATE TABLE opportunity_contact_roles (
    opportunity_id BIGINT NOT NULL REFERENCES opportunities (id),
    contact_id     BIGINT NOT NULL REFERENCES contacts (id),
    account_id     BIGINT NOT NULL REFERENCES accounts (id),
    role           TEXT NOT NULL CHECK (role IN ('economic_buyer', 'champion', 'influencer', 'evaluator', 'user', 'blocker')),
    is_primary     BOOLEAN NOT NULL,
    PRIMARY KEY (opportunity_id, contact_id)
);
CREATE INDEX opportunity_contact_roles_contact_id ON opportunity_contact_roles (contact_id);

CREATE TABLE activities (
    id             INTEGER PRIMARY KEY,
    account_id     BIGINT NOT NULL REFERENCES accounts (id),
    contact_id     BIGINT REFERENCES contacts (id),
    kind           TEXT NOT NULL CHECK (kind IN ('email', 'web_visit', 'form', 'webinar', 'event', 'meeting', 'call')),
    subject        TEXT,
    occurred_at    TIMESTAMPTZ NOT NULL,
    campaign_id    BIGINT REFERENCES campaigns (id),
    opportunity_id BIGINT REFERENCES opportunities (id),
    created_at     TIMESTAMPTZ NOT NULL
);
CREATE INDEX activities_account_id_occurred_at ON activities (account_id, occurred_at);
CREATE INDEX activities_contact_id ON activities (contact_id);

CREATE TABLE account_stage_history (
    id         INTEGER PRIMARY KEY,
    account_id BIGINT NOT NULL REFERENCES accounts (id),
    from_stage TEXT,
    to_stage   TEXT NOT NULL,
    reason     TEXT NOT NULL,
    changed_at TIMESTAMPTZ NOT NULL
);
CREATE INDEX account_stage_history_account_id ON account_stage_history (account_id, changed_at);

CREATE TABLE assets (
    id           INTEGER PRIMARY KEY,
    account_id   BIGINT NOT NULL REFERENCES accounts (id),
    product      TEXT NOT NULL,
    quantity     BIGINT NOT NULL,
    annual_value REAL,
    purchased_on DATE,
    renews_on    DATE,
    created_at   TIMESTAMPTZ NOT NULL
);
CREATE INDEX assets_account_id ON assets (account_id);

-- Every raw person record as it arrived, with what matching decided. Never updated but for the
-- outcome of a review.
CREATE TABLE intake_records (
    id           INTEGER PRIMARY KEY,
    source       TEXT NOT NULL,
    source_key   TEXT,
    received_at  TIMESTAMPTZ NOT NULL,
    payload      JSONB NOT NULL,
    observations JSONB,
    outcome      TEXT NOT NULL CHECK (outcome IN ('matched', 'created', 'needs_review', 'rejected')),
    rule         TEXT,
    confidence   REAL,
    candidates   JSONB,
    account_id   BIGINT REFERENCES accounts (id),
    contact_id   BIGINT REFERENCES contacts (id),
    UNIQUE (source, source_key)
);
CREATE INDEX intake_records_outcome ON intake_records (outcome);
CREATE INDEX intake_records_account_id ON intake_records (account_id);

CREATE TABLE audit_log (
    id        INTEGER PRIMARY KEY,
    at        TIMESTAMPTZ NOT NULL,
    actor     TEXT NOT NULL,
    user_id   BIGINT REFERENCES users (id),
    entity    TEXT NOT NULL,
    entity_id BIGINT NOT NULL,
    action    TEXT NOT NULL,
    before    JSONB,
    after     JSONB
);
CREATE INDEX audit_log_entity ON audit_log (entity, entity_id);

CREATE TABLE segments (
    id         INTEGER PRIMARY KEY,
    name       TEXT NOT NULL UNIQUE,
    target     TEXT NOT NULL CHECK (target IN ('contact', 'account')),
    expression TEXT NOT NULL,
    created_by BIGINT REFERENCES users (id),
    created_at TIMESTAMPTZ NOT NULL,
    updated_at TIMESTAMPTZ NOT NULL
);

CREATE TABLE scoring_models (
    id         INTEGER PRIMARY KEY,
    name       TEXT NOT NULL,
    version    INTEGER NOT NULL,
    body       TEXT NOT NULL,
    active     BOOLEAN NOT NULL,
    created_at TIMESTAMPTZ NOT NULL,
    UNIQUE (name, version)
);
