-- Global search (issue 21): accounts by name and domain, contacts by name, email and their
-- account's name, opportunities by name and their account's name. PostgreSQL's own trigram index,
-- pg_trgm, over one text per record (`search_accounts`, `search_contacts`,
-- `search_opportunities`, as SQLite's FTS5 tables): its GIN operator class serves
-- `doc ILIKE '%part%'` for any part of three letters or more, every word of a query in one index
-- scan. The triggers below keep each text current in the transaction of the write that changed
-- the record; renaming an account rewrites the texts of its people and deals.
--
-- The extension goes into `public` (a test's or a tenant's schema may be dropped; the extension
-- must outlive it), and two servers migrating at once may race to create it: the loser's error
-- is expected and ignored. Its operator class is named with the schema it is really in, which is
-- another one when an administrator installed it earlier somewhere else.

CREATE TABLE search_accounts (id BIGINT PRIMARY KEY, doc TEXT NOT NULL);
CREATE TABLE search_contacts (id BIGINT PRIMARY KEY, doc TEXT NOT NULL);
CREATE TABLE search_opportunities (id BIGINT PRIMARY KEY, doc TEXT NOT NULL);

DO $$
DECLARE
    trgm_schema text;
BEGIN
    BEGIN
        CREATE EXTENSION IF NOT EXISTS pg_trgm SCHEMA public;
    EXCEPTION WHEN unique_violation OR duplicate_object THEN
        NULL;
    END;
    SELECT n.nspname INTO trgm_schema
    FROM pg_extension e JOIN pg_namespace n ON n.oid = e.extnamespace
    WHERE e.extname = 'pg_trgm';
    EXECUTE format('CREATE INDEX search_accounts_doc ON search_accounts USING gin (doc %I.gin_trgm_ops)', trgm_schema);
    EXECUTE format('CREATE INDEX search_contacts_doc ON search_contacts USING gin (doc %I.gin_trgm_ops)', trgm_schema);
    EXECUTE format('CREATE INDEX search_opportunities_doc ON search_opportunities USING gin (doc %I.gin_trgm_ops)', trgm_schema);
END
$$;

-- The texts, written once here for the backfill and the triggers.
CREATE FUNCTION search_refresh_accounts(ids BIGINT[]) RETURNS void LANGUAGE sql AS $$
    INSERT INTO search_accounts (id, doc)
    SELECT a.id, a.name || ' ' || coalesce((SELECT string_agg(d.domain, ' ' ORDER BY d.position) FROM account_domains d WHERE d.account_id = a.id), '')
    FROM accounts a WHERE a.id = ANY (ids)
    ON CONFLICT (id) DO UPDATE SET doc = EXCLUDED.doc;
$$;
CREATE FUNCTION search_refresh_contacts(ids BIGINT[]) RETURNS void LANGUAGE sql AS $$
    INSERT INTO search_contacts (id, doc)
    SELECT c.id, coalesce(c.first_name, '') || ' ' || coalesce(c.last_name, '') || ' ' || coalesce(c.email, '') || ' ' || a.name
    FROM contacts c JOIN accounts a ON a.id = c.account_id WHERE c.id = ANY (ids)
    ON CONFLICT (id) DO UPDATE SET doc = EXCLUDED.doc;
$$;
CREATE FUNCTION search_refresh_opportunities(ids BIGINT[]) RETURNS void LANGUAGE sql AS $$
    INSERT INTO search_opportunities (id, doc)
    SELECT o.id, o.name || ' ' || a.name
    FROM opportunities o JOIN accounts a ON a.id = o.account_id WHERE o.id = ANY (ids)
    ON CONFLICT (id) DO UPDATE SET doc = EXCLUDED.doc;
$$;

SELECT search_refresh_accounts(ARRAY(SELECT id FROM accounts));
SELECT search_refresh_contacts(ARRAY(SELECT id FROM contacts));
SELECT search_refresh_opportunities(ARRAY(SELECT id FROM opportunities));

-- New rows, a statement at a time (a bulk load inserts thousands per statement).
CREATE FUNCTION search_accounts_inserted() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM search_refresh_accounts(ARRAY(SELECT id FROM new_rows));
    RETURN NULL;
END $$;
CREATE TRIGGER search_accounts_insert AFTER INSERT ON accounts
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION search_accounts_inserted();
CREATE FUNCTION search_contacts_inserted() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM search_refresh_contacts(ARRAY(SELECT id FROM new_rows));
    RETURN NULL;
END $$;
CREATE TRIGGER search_contacts_insert AFTER INSERT ON contacts
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION search_contacts_inserted();
CREATE FUNCTION search_opportunities_inserted() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM search_refresh_opportunities(ARRAY(SELECT id FROM new_rows));
    RETURN NULL;
END $$;
CREATE TRIGGER search_opportunities_insert AFTER INSERT ON opportunities
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION search_opportunities_inserted();

-- Changed rows (a column list allows no transition table, so a row at a time).
CREATE FUNCTION search_account_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM search_refresh_accounts(ARRAY[NEW.id]);
    IF NEW.name IS DISTINCT FROM OLD.name THEN
        PERFORM search_refresh_contacts(ARRAY(SELECT id FROM contacts WHERE account_id = NEW.id));
        PERFORM search_refresh_opportunities(ARRAY(SELECT id FROM opportunities WHERE account_id = NEW.id));
    END IF;
    RETURN NULL;
END $$;
CREATE TRIGGER search_accounts_update AFTER UPDATE OF name ON accounts
    FOR EACH ROW EXECUTE FUNCTION search_account_changed();
CREATE FUNCTION search_domain_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP <> 'INSERT' THEN
        PERFORM search_refresh_accounts(ARRAY[OLD.account_id]);
    END IF;
    IF TG_OP <> 'DELETE' THEN
        PERFORM search_refresh_accounts(ARRAY[NEW.account_id]);
    END IF;
    RETURN NULL;
END $$;
CREATE TRIGGER search_domains_change AFTER INSERT OR UPDATE OR DELETE ON account_domains
    FOR EACH ROW EXECUTE FUNCTION search_domain_changed();
CREATE FUNCTION search_contact_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM search_refresh_contacts(ARRAY[NEW.id]);
    RETURN NULL;
END $$;
CREATE TRIGGER search_contacts_update AFTER UPDATE OF first_name, last_name, email, account_id ON contacts
    FOR EACH ROW EXECUTE FUNCTION search_contact_changed();
CREATE FUNCTION search_opportunity_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM search_refresh_opportunities(ARRAY[NEW.id]);
    RETURN NULL;
END $$;
CREATE TRIGGER search_opportunities_update AFTER UPDATE OF name, account_id ON opportunities
    FOR EACH ROW EXECUTE FUNCTION search_opportunity_changed();

-- Deleted rows.
CREATE FUNCTION search_accounts_deleted() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    DELETE FROM search_accounts WHERE id IN (SELECT id FROM old_rows);
    RETURN NULL;
END $$;
CREATE TRIGGER search_accounts_delete AFTER DELETE ON accounts
    REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION search_accounts_deleted();
CREATE FUNCTION search_contacts_deleted() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    DELETE FROM search_contacts WHERE id IN (SELECT id FROM old_rows);
    RETURN NULL;
END $$;
CREATE TRIGGER search_contacts_delete AFTER DELETE ON contacts
    REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION search_contacts_deleted();
CREATE FUNCTION search_opportunities_deleted() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    DELETE FROM search_opportunities WHERE id IN (SELECT id FROM old_rows);
    RETURN NULL;
END $$;
CREATE TRIGGER search_opportunities_delete AFTER DELETE ON opportunities
    REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION search_opportunities_deleted();
