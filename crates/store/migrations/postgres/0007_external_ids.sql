-- What each record of an outside system became: a migration records the source id of every
-- account, campaign, opportunity and activity it writes in the same transaction as the record,
-- so a run killed halfway resumes without duplicates, and a second run changes nothing. (People
-- are intake records, keyed the same way by intake_records (source, source_key).)
CREATE TABLE external_ids (
    source      TEXT NOT NULL,
    object      TEXT NOT NULL,
    external_id TEXT NOT NULL,
    entity_id   BIGINT NOT NULL,
    PRIMARY KEY (source, object, external_id)
);
