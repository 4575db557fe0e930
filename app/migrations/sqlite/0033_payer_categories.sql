-- Categories for one payer (issue 16, help center D4; docs/category-file.md):
-- a category file on File Transfers gives an account lines of its own. A
-- line with an account is that payer's only; one without is for all payers,
-- as before. A payer's line with the charge code of an all-payers line
-- takes its place for that payer. Charge codes are therefore unique among
-- the all-payers lines, and among each account's own lines.
-- Keep in step with ../postgres/0033_payer_categories.sql.
--
-- SQLite cannot drop the inline UNIQUE of 0028 nor change a CHECK in
-- place, so categories is rebuilt (nothing refers to it: payments copy
-- their lines), and so are uploads and the two tables that refer to it,
-- as 0014 did (foreign keys cannot be turned off inside the migration's
-- transaction, so the rows that refer to an upload are set aside first).
CREATE TABLE categories_new (
    id              INTEGER PRIMARY KEY,
    description     TEXT    NOT NULL,
    charge_code     TEXT    NOT NULL,
    amount_cents    BIGINT  NOT NULL CHECK (amount_cents >= 0),
    quantity        BIGINT  NOT NULL CHECK (quantity BETWEEN 1 AND 999),
    impact_balance  BOOLEAN NOT NULL,
    amount_editable BOOLEAN NOT NULL,
    show_quantity   BOOLEAN NOT NULL,
    required        BOOLEAN NOT NULL,
    version         BIGINT  NOT NULL DEFAULT 1,
    created_at      BIGINT  NOT NULL,
    updated_at      BIGINT  NOT NULL,
    account_id      BIGINT  REFERENCES accounts (id)
);
INSERT INTO categories_new (id, description, charge_code, amount_cents, quantity, impact_balance,
    amount_editable, show_quantity, required, version, created_at, updated_at)
SELECT id, description, charge_code, amount_cents, quantity, impact_balance,
    amount_editable, show_quantity, required, version, created_at, updated_at FROM categories;
DROP TABLE categories;
ALTER TABLE categories_new RENAME TO categories;
CREATE UNIQUE INDEX categories_all_payers ON categories (charge_code) WHERE account_id IS NULL;
CREATE UNIQUE INDEX categories_one_payer ON categories (account_id, charge_code) WHERE account_id IS NOT NULL;

-- File Transfers takes category files.
CREATE TABLE uploads_copy AS SELECT * FROM uploads;
CREATE TABLE upload_errors_copy AS SELECT * FROM upload_errors;
CREATE TABLE upload_chunks_copy AS SELECT * FROM upload_chunks;
DROP TABLE upload_chunks;
DROP TABLE upload_errors;
DROP TABLE uploads;

CREATE TABLE uploads (
    id           INTEGER PRIMARY KEY,
    kind         TEXT   NOT NULL CHECK (kind IN ('accounts', 'bills', 'categories')),
    file_name    TEXT   NOT NULL,
    size_bytes   BIGINT NOT NULL,
    sha256       TEXT   NOT NULL,
    uploaded_by  BIGINT NOT NULL REFERENCES staff_users (id),
    uploaded_at  BIGINT NOT NULL,
    status       TEXT   NOT NULL CHECK (status IN ('previewed', 'committing', 'success', 'limited_errors', 'unprocessed', 'abandoned')),
    rows_read    BIGINT NOT NULL DEFAULT 0,
    created      BIGINT NOT NULL DEFAULT 0,
    updated      BIGINT NOT NULL DEFAULT 0,
    rejected     BIGINT NOT NULL DEFAULT 0,
    decided_by   BIGINT REFERENCES staff_users (id),
    decided_at   BIGINT
);
CREATE INDEX uploads_recent ON uploads (uploaded_at);
CREATE INDEX uploads_by_content ON uploads (sha256);

CREATE TABLE upload_errors (
    upload_id   BIGINT NOT NULL REFERENCES uploads (id),
    seq         BIGINT NOT NULL,
    line        BIGINT NOT NULL,
    column_name TEXT   NOT NULL,
    reason      TEXT   NOT NULL,
    PRIMARY KEY (upload_id, seq)
);

CREATE TABLE upload_chunks (
    upload_id BIGINT NOT NULL REFERENCES uploads (id),
    seq       BIGINT NOT NULL,
    bytes     BLOB  NOT NULL,
    PRIMARY KEY (upload_id, seq)
);

INSERT INTO uploads SELECT * FROM uploads_copy;
INSERT INTO upload_errors SELECT * FROM upload_errors_copy;
INSERT INTO upload_chunks SELECT * FROM upload_chunks_copy;
DROP TABLE upload_chunks_copy;
DROP TABLE upload_errors_copy;
DROP TABLE uploads_copy;
