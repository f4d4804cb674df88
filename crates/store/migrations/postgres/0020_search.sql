-- Global search (issue 21): accounts by name and domain, contacts by name and email (and by their
-- account's name), opportunities by name. PostgreSQL's own trigram index, pg_trgm: its GIN
-- operator class serves `ILIKE '%part%'` for any part of three letters or more, and the indexes
-- are kept current by PostgreSQL itself on every write.
--
-- The extension goes into `public` (a test's or a tenant's schema may be dropped; the extension
-- must outlive it), and two servers migrating at once may race to create it: the loser's error
-- is expected and ignored. Its operator class is named with the schema it is really in, which is
-- another one when an administrator installed it earlier somewhere else.
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
    EXECUTE format('CREATE INDEX accounts_name_trgm ON accounts USING gin (name %I.gin_trgm_ops)', trgm_schema);
    EXECUTE format('CREATE INDEX account_domains_domain_trgm ON account_domains USING gin (domain %I.gin_trgm_ops)', trgm_schema);
    EXECUTE format(
        'CREATE INDEX contacts_search_trgm ON contacts USING gin ('
        '(coalesce(first_name, '''') || '' '' || coalesce(last_name, '''') || '' '' || coalesce(email, '''')) %I.gin_trgm_ops)',
        trgm_schema);
    EXECUTE format('CREATE INDEX opportunities_name_trgm ON opportunities USING gin (name %I.gin_trgm_ops)', trgm_schema);
END
$$;
