-- Categories for one payer (issue 16, help center D4; docs/category-file.md):
-- a category file on File Transfers gives an account lines of its own. A
-- line with an account is that payer's only; one without is for all payers,
-- as before. A payer's line with the charge code of an all-payers line
-- takes its place for that payer. Charge codes are therefore unique among
-- the all-payers lines, and among each account's own lines.
-- Keep in step with ../sqlite/0033_payer_categories.sql.
ALTER TABLE categories DROP CONSTRAINT categories_charge_code_key;
ALTER TABLE categories ADD COLUMN account_id BIGINT REFERENCES accounts (id);
CREATE UNIQUE INDEX categories_all_payers ON categories (charge_code) WHERE account_id IS NULL;
CREATE UNIQUE INDEX categories_one_payer ON categories (account_id, charge_code) WHERE account_id IS NOT NULL;

-- File Transfers takes category files.
ALTER TABLE uploads DROP CONSTRAINT uploads_kind_check;
ALTER TABLE uploads ADD CONSTRAINT uploads_kind_check CHECK (kind IN ('accounts', 'bills', 'categories'));
