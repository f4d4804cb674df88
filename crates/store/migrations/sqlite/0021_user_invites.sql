-- Invitations (issue 21): an admin adds a person and hands them a link; following it once, before
-- it expires, they choose their own password and are signed in. Only the SHA-256 of the link's
-- secret is kept, as for sessions and tokens.
CREATE TABLE user_invites (
    id         INTEGER PRIMARY KEY,
    token_hash TEXT NOT NULL UNIQUE,
    user_id    BIGINT NOT NULL REFERENCES users (id),
    created_at TIMESTAMPTZ NOT NULL,
    expires_at TIMESTAMPTZ NOT NULL,
    used_at    TIMESTAMPTZ
);
CREATE INDEX user_invites_user_id ON user_invites (user_id);
