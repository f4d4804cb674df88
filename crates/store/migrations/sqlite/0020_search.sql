-- Global search (issue 21): accounts by name and domain, contacts by name, email and their
-- account's name, opportunities by name and their account's name. SQLite's own full-text index,
-- FTS5 with the trigram tokenizer: any part of a word of three letters or more is found, case and
-- accents aside. Each index row has its record's id as rowid and is kept current by the triggers
-- below, in the transaction of the write that changed the record. A contact's and an
-- opportunity's row holds their account's name, so "jane acme" is one lookup; renaming an account
-- rewrites the rows of its people and deals.

CREATE VIRTUAL TABLE search_accounts USING fts5 (name, domains, tokenize = 'trigram remove_diacritics 1');
CREATE VIRTUAL TABLE search_contacts USING fts5 (name, email, company, tokenize = 'trigram remove_diacritics 1');
CREATE VIRTUAL TABLE search_opportunities USING fts5 (name, company, tokenize = 'trigram remove_diacritics 1');

INSERT INTO search_accounts (rowid, name, domains)
SELECT a.id, a.name,
       coalesce((SELECT group_concat(d.domain, ' ') FROM account_domains d WHERE d.account_id = a.id), '')
FROM accounts a;
INSERT INTO search_contacts (rowid, name, email, company)
SELECT c.id, trim(coalesce(c.first_name, '') || ' ' || coalesce(c.last_name, '')), coalesce(c.email, ''), a.name
FROM contacts c JOIN accounts a ON a.id = c.account_id;
INSERT INTO search_opportunities (rowid, name, company)
SELECT o.id, o.name, a.name FROM opportunities o JOIN accounts a ON a.id = o.account_id;

CREATE TRIGGER search_accounts_insert AFTER INSERT ON accounts BEGIN
    INSERT INTO search_accounts (rowid, name, domains) VALUES (new.id, new.name, '');
END;
CREATE TRIGGER search_accounts_rename AFTER UPDATE OF name ON accounts BEGIN
    UPDATE search_accounts SET name = new.name WHERE rowid = new.id;
    UPDATE search_contacts SET company = new.name
    WHERE rowid IN (SELECT id FROM contacts WHERE account_id = new.id);
    UPDATE search_opportunities SET company = new.name
    WHERE rowid IN (SELECT id FROM opportunities WHERE account_id = new.id);
END;
CREATE TRIGGER search_accounts_delete AFTER DELETE ON accounts BEGIN
    DELETE FROM search_accounts WHERE rowid = old.id;
END;

CREATE TRIGGER search_domains_insert AFTER INSERT ON account_domains BEGIN
    UPDATE search_accounts
    SET domains = coalesce((SELECT group_concat(domain, ' ') FROM account_domains WHERE account_id = new.account_id), '')
    WHERE rowid = new.account_id;
END;
CREATE TRIGGER search_domains_delete AFTER DELETE ON account_domains BEGIN
    UPDATE search_accounts
    SET domains = coalesce((SELECT group_concat(domain, ' ') FROM account_domains WHERE account_id = old.account_id), '')
    WHERE rowid = old.account_id;
END;
CREATE TRIGGER search_domains_update AFTER UPDATE ON account_domains BEGIN
    UPDATE search_accounts
    SET domains = coalesce((SELECT group_concat(domain, ' ') FROM account_domains WHERE account_id = old.account_id), '')
    WHERE rowid = old.account_id;
    UPDATE search_accounts
    SET domains = coalesce((SELECT group_concat(domain, ' ') FROM account_domains WHERE account_id = new.account_id), '')
    WHERE rowid = new.account_id;
END;

CREATE TRIGGER search_contacts_insert AFTER INSERT ON contacts BEGIN
    INSERT INTO search_contacts (rowid, name, email, company)
    VALUES (new.id, trim(coalesce(new.first_name, '') || ' ' || coalesce(new.last_name, '')), coalesce(new.email, ''),
            (SELECT name FROM accounts WHERE id = new.account_id));
END;
CREATE TRIGGER search_contacts_update AFTER UPDATE OF first_name, last_name, email, account_id ON contacts BEGIN
    UPDATE search_contacts
    SET name = trim(coalesce(new.first_name, '') || ' ' || coalesce(new.last_name, '')), email = coalesce(new.email, ''),
        company = (SELECT name FROM accounts WHERE id = new.account_id)
    WHERE rowid = new.id;
END;
CREATE TRIGGER search_contacts_delete AFTER DELETE ON contacts BEGIN
    DELETE FROM search_contacts WHERE rowid = old.id;
END;

CREATE TRIGGER search_opportunities_insert AFTER INSERT ON opportunities BEGIN
    INSERT INTO search_opportunities (rowid, name, company)
    VALUES (new.id, new.name, (SELECT name FROM accounts WHERE id = new.account_id));
END;
CREATE TRIGGER search_opportunities_update AFTER UPDATE OF name, account_id ON opportunities BEGIN
    UPDATE search_opportunities SET name = new.name, company = (SELECT name FROM accounts WHERE id = new.account_id)
    WHERE rowid = new.id;
END;
CREATE TRIGGER search_opportunities_delete AFTER DELETE ON opportunities BEGIN
    DELETE FROM search_opportunities WHERE rowid = old.id;
END;
