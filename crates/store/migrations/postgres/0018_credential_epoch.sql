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

CREATE FUNCTION credential_epoch_moves() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE credential_epoch SET epoch = epoch + 1 WHERE id = 1;
    RETURN NULL;
END;
$$;

CREATE TRIGGER api_tokens_revoked AFTER UPDATE OF revoked_at OR DELETE ON api_tokens
FOR EACH ROW EXECUTE FUNCTION credential_epoch_moves();
CREATE TRIGGER users_changed AFTER UPDATE OR DELETE ON users
FOR EACH ROW EXECUTE FUNCTION credential_epoch_moves();
CREATE TRIGGER web_sessions_deleted AFTER DELETE ON web_sessions
FOR EACH ROW EXECUTE FUNCTION credential_epoch_moves();
