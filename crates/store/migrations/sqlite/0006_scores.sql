-- Scores, in thousandths of a point (exact sums: an explanation adds up to its score). The store
-- keeps them after every activity and opportunity write; `abcrm score recompute` rebuilds them.

CREATE TABLE contact_scores (
    contact_id  BIGINT PRIMARY KEY,
    account_id  BIGINT NOT NULL,
    fit         BIGINT NOT NULL,
    engagement  BIGINT NOT NULL,
    score       BIGINT NOT NULL,
    computed_at TIMESTAMPTZ NOT NULL
);
CREATE INDEX contact_scores_account_id ON contact_scores (account_id);

CREATE TABLE account_scores (
    account_id  BIGINT PRIMARY KEY,
    fit         BIGINT NOT NULL,
    engagement  BIGINT NOT NULL,
    people      BIGINT NOT NULL,
    breadth     BIGINT NOT NULL,
    own         BIGINT NOT NULL,
    -- After the hierarchy roll-up: what stage rules and rankings use.
    score       BIGINT NOT NULL,
    -- The scoring_models row, or 0 for the shipped default.
    model_id    BIGINT NOT NULL,
    computed_at TIMESTAMPTZ NOT NULL
);
CREATE INDEX account_scores_score ON account_scores (score);
