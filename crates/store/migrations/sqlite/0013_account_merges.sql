-- An account merge, with everything needed to undo it: the merged account as it was, the
-- survivor before and after, and the keys of every row that moved (contacts, opportunities,
-- activities, assets, subsidiaries, memberships, roles, intake records, scores, external ids),
-- its domains, stage history and field provenance. The accounts are plain ids, not foreign
-- keys: the merged account no longer exists, and the history outlives a later deletion of
-- the survivor.
CREATE TABLE account_merges (
    id          INTEGER PRIMARY KEY,
    survivor_id BIGINT NOT NULL,
    merged_id   BIGINT NOT NULL,
    at          TIMESTAMPTZ NOT NULL,
    actor       TEXT NOT NULL,
    snapshot    JSONB NOT NULL,
    undone_at   TIMESTAMPTZ
);
CREATE INDEX account_merges_survivor_id ON account_merges (survivor_id);
