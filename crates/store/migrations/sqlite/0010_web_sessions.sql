-- Sign-in sessions of the web UI. The cookie holds a random secret; only its SHA-256 is kept
-- here, with the CSRF token the session's forms carry. Expired rows are deleted on sign-in.
CREATE TABLE web_sessions (
    id         INTEGER PRIMARY KEY,
    token_hash TEXT NOT NULL UNIQUE,
    user_id    BIGINT NOT NULL REFERENCES users (id),
    csrf_token TEXT NOT NULL,
    created_at TIMESTAMPTZ NOT NULL,
    expires_at TIMESTAMPTZ NOT NULL
);
CREATE INDEX web_sessions_expires_at ON web_sessions (expires_at);
