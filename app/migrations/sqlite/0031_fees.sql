-- Convenience fees (issue 16, help center A11's Fee Amount; docs/fees.md):
-- the biller's rule per method, the fee each payment was charged and how
-- much of it went back, and a journal book for the biller's fee income.
-- Keep in step with ../postgres/0031_fees.sql.

-- One row once an administrator saved the rules; no row, no fees. A rule
-- is a flat amount and/or a percentage (basis points), with an optional
-- minimum and maximum (domain::fee::FeeRule). `version` is bumped by every
-- save, so a save made on an older copy is refused, not merged.
CREATE TABLE fee_settings (
    id                         INTEGER PRIMARY KEY CHECK (id = 1),
    card_flat_cents            BIGINT  NOT NULL CHECK (card_flat_cents >= 0),
    card_rate_bp               BIGINT  NOT NULL CHECK (card_rate_bp BETWEEN 0 AND 10000),
    card_min_cents             BIGINT  CHECK (card_min_cents > 0),
    card_max_cents             BIGINT  CHECK (card_max_cents >= 0),
    ach_flat_cents             BIGINT  NOT NULL CHECK (ach_flat_cents >= 0),
    ach_rate_bp                BIGINT  NOT NULL CHECK (ach_rate_bp BETWEEN 0 AND 10000),
    ach_min_cents              BIGINT  CHECK (ach_min_cents > 0),
    ach_max_cents              BIGINT  CHECK (ach_max_cents >= 0),
    partial_refund_returns_fee BOOLEAN NOT NULL,
    version                    BIGINT  NOT NULL,
    updated_at                 BIGINT  NOT NULL
);

-- What the payer was charged on top of the amount (read from the rule when
-- the review was sealed), and what of it was given back. The balance moves
-- by amount_cents alone; the fee is the biller's income.
ALTER TABLE payments ADD COLUMN fee_cents BIGINT NOT NULL DEFAULT 0 CHECK (fee_cents >= 0);
ALTER TABLE payments ADD COLUMN fee_refunded_cents BIGINT NOT NULL DEFAULT 0
    CHECK (fee_refunded_cents >= 0 AND fee_refunded_cents <= fee_cents);
-- The fee an action gave back (a Void, a Full Reversal, a partial refund
-- when the biller's setting says so).
ALTER TABLE payment_actions ADD COLUMN fee_cents BIGINT NOT NULL DEFAULT 0 CHECK (fee_cents >= 0);

-- The journal gains the 'fee_income' book, and 'category_income', which
-- category payments (help center C2, docs/categories.md) will post for
-- lines that do not reduce the balance: allowed now so that the journal
-- is rebuilt once, not twice. SQLite cannot change a CHECK in place, so
-- the table is rebuilt: same columns, rows, indexes and
-- immutability triggers (nothing references journal's rows). This copies
-- every entry once; on a large installation, expect it to take as long as
-- a backup of the journal.
CREATE TABLE journal_new (
    id                INTEGER PRIMARY KEY,
    kind              TEXT   NOT NULL,
    debit_book        TEXT   NOT NULL CHECK (debit_book IN ('receivable', 'billing', 'card_clearing', 'ach_clearing', 'bank', 'fee_income', 'category_income')),
    debit_account_id  BIGINT REFERENCES accounts (id),
    credit_book       TEXT   NOT NULL CHECK (credit_book IN ('receivable', 'billing', 'card_clearing', 'ach_clearing', 'bank', 'fee_income', 'category_income')),
    credit_account_id BIGINT REFERENCES accounts (id),
    amount_cents      BIGINT NOT NULL CHECK (amount_cents > 0),
    payment_id        BIGINT REFERENCES payments (id),
    once_key          TEXT   UNIQUE,
    memo              TEXT,
    created_by        BIGINT REFERENCES staff_users (id),
    created_at        BIGINT NOT NULL,
    CHECK ((debit_book = 'receivable') = (debit_account_id IS NOT NULL)),
    CHECK ((credit_book = 'receivable') = (credit_account_id IS NOT NULL)),
    CHECK (debit_book <> credit_book OR debit_account_id IS NOT credit_account_id)
);
INSERT INTO journal_new (id, kind, debit_book, debit_account_id, credit_book, credit_account_id, amount_cents,
                         payment_id, once_key, memo, created_by, created_at)
SELECT id, kind, debit_book, debit_account_id, credit_book, credit_account_id, amount_cents,
       payment_id, once_key, memo, created_by, created_at
FROM journal ORDER BY id;
DROP TABLE journal;
ALTER TABLE journal_new RENAME TO journal;
CREATE INDEX journal_by_debit_account ON journal (debit_account_id) WHERE debit_account_id IS NOT NULL;
CREATE INDEX journal_by_credit_account ON journal (credit_account_id) WHERE credit_account_id IS NOT NULL;
CREATE INDEX journal_by_payment ON journal (payment_id) WHERE payment_id IS NOT NULL;
CREATE INDEX journal_bank_by_time ON journal (created_at) WHERE debit_book = 'bank' OR credit_book = 'bank';
CREATE TRIGGER journal_no_update BEFORE UPDATE ON journal
BEGIN SELECT RAISE(ABORT, 'journal entries are immutable'); END;
CREATE TRIGGER journal_no_delete BEFORE DELETE ON journal
BEGIN SELECT RAISE(ABORT, 'journal entries are immutable'); END;

-- Administrators get the new Convenience Fees entitlement, as the role
-- defaults say (domain::entitlements).
INSERT INTO role_entitlements (role, entitlement) VALUES ('admin', 'fees')
ON CONFLICT DO NOTHING;
