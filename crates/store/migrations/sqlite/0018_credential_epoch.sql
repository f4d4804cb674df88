-- Who sent a request is known from memory, not from the database (issue 20): each process keeps
-- the API tokens and web sessions it verified. This counter is what tells it to forget them: any
-- change that can end or alter a credential (a token revoked or deleted, a session ended, a user
-- changed or deleted) moves it on, and a process that reads a new value drops what it kept.
-- Triggers move it, so no write path (the API, the web UI, the CLI in another process) can forget.
CREATE TABLE credential_epoch (
    id    INTEGER PRIMARY KEY CHECK (id = 1),
    epoch BIGINT NOT NULL
);
INSERT INTO credential_epoch (id, epoch) VALUES (1, 0);

CREATE TRIGGER api_tokens_revoked AFTER UPDATE OF revoked_at ON api_tokens
BEGIN UPDATE credential_epoch SET epoch = epoch + 1 WHERE id = 1; END;
CREATE TRIGGER api_tokens_deleted AFTER DELETE ON api_tokens
BEGIN UPDATE credential_epoch SET epoch = epoch + 1 WHERE id = 1; END;
CREATE TRIGGER users_changed AFTER UPDATE ON users
BEGIN UPDATE credential_epoch SET epoch = epoch + 1 WHERE id = 1; END;
CREATE TRIGGER users_deleted AFTER DELETE ON users
BEGIN UPDATE credential_epoch SET epoch = epoch + 1 WHERE id = 1; END;
CREATE TRIGGER web_sessions_deleted AFTER DELETE ON web_sessions
BEGIN UPDATE credential_epoch SET epoch = epoch + 1 WHERE id = 1; END;
