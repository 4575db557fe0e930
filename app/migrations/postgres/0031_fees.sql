-- Convenience fees (issue 16, help center A11's Fee Amount; docs/fees.md):
-- the biller's rule per method, the fee each payment was charged and how
-- much of it went back, and a journal book for the biller's fee income.
-- Keep in step with ../sqlite/0031_fees.sql.

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
ALTER TABLE payments ADD COLUMN fee_refunded_cents BIGINT NOT NULL DEFAULT 0;
ALTER TABLE payments ADD CONSTRAINT payments_fee_refunds_within_fee
    CHECK (fee_refunded_cents >= 0 AND fee_refunded_cents <= fee_cents);
-- The fee an action gave back (a Void, a Full Reversal, a partial refund
-- when the biller's setting says so).
ALTER TABLE payment_actions ADD COLUMN fee_cents BIGINT NOT NULL DEFAULT 0 CHECK (fee_cents >= 0);

-- The journal gains the 'fee_income' book, and 'category_income' for
-- category payments (as in ../sqlite/0031_fees.sql, which must rebuild the
-- table for it). Its CHECKs carry PostgreSQL's default names from 0004.
ALTER TABLE journal DROP CONSTRAINT journal_debit_book_check;
ALTER TABLE journal DROP CONSTRAINT journal_credit_book_check;
ALTER TABLE journal ADD CONSTRAINT journal_debit_book_check
    CHECK (debit_book IN ('receivable', 'billing', 'card_clearing', 'ach_clearing', 'bank', 'fee_income', 'category_income'));
ALTER TABLE journal ADD CONSTRAINT journal_credit_book_check
    CHECK (credit_book IN ('receivable', 'billing', 'card_clearing', 'ach_clearing', 'bank', 'fee_income', 'category_income'));

-- Administrators get the new Convenience Fees entitlement, as the role
-- defaults say (domain::entitlements).
INSERT INTO role_entitlements (role, entitlement) VALUES ('admin', 'fees')
ON CONFLICT DO NOTHING;
