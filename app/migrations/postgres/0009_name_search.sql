-- Payer Support's name and email searches match the start of what is typed
-- (lower-cased). Keep in step with ../sqlite/0009_name_search.sql.
CREATE INDEX accounts_by_last_name ON accounts ((lower(last_name)) COLLATE "C");
CREATE INDEX accounts_by_first_name ON accounts ((lower(first_name)) COLLATE "C");
CREATE INDEX accounts_by_company ON accounts ((lower(company_name)) COLLATE "C");
CREATE INDEX accounts_by_email ON accounts ((lower(email)) COLLATE "C");
