-- The payment lifecycle (docs/lifecycle.md): a double-entry journal in place
-- of ledger_entries, Cancel/Reverse actions, settlement runs with their NACHA
-- files, ACH returns, and one queue for every email to a payer.
-- Keep in step with ../postgres/0004_lifecycle.sql.

-- Payments gain what happens after Pending. refunded_cents is a cache of the
-- payment's refund actions (checked by `paydesk check`), capped by the amount.
ALTER TABLE payments ADD COLUMN refunded_cents BIGINT NOT NULL DEFAULT 0
    CHECK (refunded_cents >= 0 AND refunded_cents <= amount_cents);
ALTER TABLE payments ADD COLUMN return_code TEXT;
ALTER TABLE payments ADD COLUMN return_reason TEXT;

-- Every money movement. One row is one journal entry that debits one book
-- and credits another by the same amount, so each entry balances by
-- construction. The 'receivable' book is kept per payer account: an
-- account's balance is its receivable debits minus its receivable credits.
CREATE TABLE journal (
    id                INTEGER PRIMARY KEY,
    kind              TEXT   NOT NULL,
    debit_book        TEXT   NOT NULL CHECK (debit_book IN ('receivable', 'billing', 'card_clearing', 'ach_clearing', 'bank')),
    debit_account_id  BIGINT REFERENCES accounts (id),
    credit_book       TEXT   NOT NULL CHECK (credit_book IN ('receivable', 'billing', 'card_clearing', 'ach_clearing', 'bank')),
    credit_account_id BIGINT REFERENCES accounts (id),
    amount_cents      BIGINT NOT NULL CHECK (amount_cents > 0),
    payment_id        BIGINT REFERENCES payments (id),
    -- Names the one business event this entry records ("pay:12",
    -- "capture:12", "action:7", "return:12"); a retry cannot post it twice.
    once_key          TEXT   UNIQUE,
    memo              TEXT,
    created_by        BIGINT REFERENCES staff_users (id),
    created_at        BIGINT NOT NULL,
    CHECK ((debit_book = 'receivable') = (debit_account_id IS NOT NULL)),
    CHECK ((credit_book = 'receivable') = (credit_account_id IS NOT NULL)),
    CHECK (debit_book <> credit_book OR debit_account_id IS NOT credit_account_id)
);
CREATE INDEX journal_by_debit_account ON journal (debit_account_id);
CREATE INDEX journal_by_credit_account ON journal (credit_account_id);
CREATE INDEX journal_by_payment ON journal (payment_id);
CREATE TRIGGER journal_no_update BEFORE UPDATE ON journal
BEGIN SELECT RAISE(ABORT, 'journal entries are immutable'); END;
CREATE TRIGGER journal_no_delete BEFORE DELETE ON journal
BEGIN SELECT RAISE(ABORT, 'journal entries are immutable'); END;

-- The old single-entry rows become journal entries.
INSERT INTO journal (kind, debit_book, debit_account_id, credit_book, credit_account_id, amount_cents, payment_id,
                     once_key, memo, created_by, created_at)
SELECT l.kind,
       CASE WHEN l.amount_cents > 0 THEN 'receivable'
            WHEN p.method_kind = 'ach' THEN 'ach_clearing'
            WHEN p.method_kind = 'card' THEN 'card_clearing'
            ELSE 'billing' END,
       CASE WHEN l.amount_cents > 0 THEN l.account_id END,
       CASE WHEN l.amount_cents > 0 THEN 'billing' ELSE 'receivable' END,
       CASE WHEN l.amount_cents > 0 THEN NULL ELSE l.account_id END,
       ABS(l.amount_cents), l.payment_id,
       CASE WHEN l.payment_id IS NOT NULL THEN 'pay:' || l.payment_id END,
       l.memo, l.created_by, l.created_at
FROM ledger_entries l LEFT JOIN payments p ON p.id = l.payment_id
WHERE l.amount_cents <> 0
ORDER BY l.id;
-- Card payments already settled were captured: clearing moves to the bank.
INSERT INTO journal (kind, debit_book, credit_book, amount_cents, payment_id, once_key, created_at)
SELECT 'capture', 'bank', 'card_clearing', amount_cents, id, 'capture:' || id, COALESCE(settled_at, updated_at)
FROM payments WHERE status = 'processed' AND method_kind = 'card';
DROP TABLE ledger_entries;

-- Settlement runs: the daily cutoff, `paydesk settle`, or an administrator.
CREATE TABLE settlement_runs (
    id                 INTEGER PRIMARY KEY,
    actor              TEXT   NOT NULL,
    cutoff_at          BIGINT NOT NULL,
    card_count         BIGINT NOT NULL,
    card_total_cents   BIGINT NOT NULL,
    returns_count      BIGINT NOT NULL DEFAULT 0,
    created_at         BIGINT NOT NULL
);

-- One NACHA file per run that had ACH entries; the text is kept here (the
-- copy under PAYDESK_DATA_DIR/ach/ is written from it).
CREATE TABLE ach_files (
    id                 INTEGER PRIMARY KEY,
    run_id             BIGINT NOT NULL UNIQUE REFERENCES settlement_runs (id),
    file_name          TEXT   NOT NULL UNIQUE,
    content            TEXT   NOT NULL,
    entry_count        BIGINT NOT NULL,
    debit_total_cents  BIGINT NOT NULL,
    credit_total_cents BIGINT NOT NULL,
    created_at         BIGINT NOT NULL
);

CREATE TABLE ach_batches (
    id                 INTEGER PRIMARY KEY,
    file_id            BIGINT NOT NULL REFERENCES ach_files (id),
    batch_number       BIGINT NOT NULL,
    sec_code           TEXT   NOT NULL CHECK (sec_code IN ('PPD', 'CCD')),
    description        TEXT   NOT NULL,
    entry_count        BIGINT NOT NULL,
    debit_total_cents  BIGINT NOT NULL,
    credit_total_cents BIGINT NOT NULL,
    UNIQUE (file_id, batch_number)
);

-- Cancel/Reverse: cancel, void, full reversal, partial refund, ACH refund.
-- The idempotency key is issued with the form; a repeat finds this row.
CREATE TABLE payment_actions (
    id              INTEGER PRIMARY KEY,
    payment_id      BIGINT NOT NULL REFERENCES payments (id),
    idempotency_key TEXT   NOT NULL UNIQUE,
    kind            TEXT   NOT NULL CHECK (kind IN ('cancel', 'void', 'full_reversal', 'partial_refund', 'ach_refund')),
    amount_cents    BIGINT NOT NULL CHECK (amount_cents >= 0),
    reason_code     TEXT   NOT NULL,
    reason_text     TEXT,
    processor_ref   TEXT,
    created_by      BIGINT REFERENCES staff_users (id),
    created_at      BIGINT NOT NULL
);
CREATE INDEX payment_actions_by_payment ON payment_actions (payment_id);

-- Each entry of each NACHA file: a payment's debit or an ACH refund's
-- credit. The trace number is the ODFI's 8 digits and this id.
CREATE TABLE ach_entries (
    id               INTEGER PRIMARY KEY,
    file_id          BIGINT NOT NULL REFERENCES ach_files (id),
    batch_number     BIGINT NOT NULL,
    payment_id       BIGINT NOT NULL REFERENCES payments (id),
    action_id        BIGINT UNIQUE REFERENCES payment_actions (id),
    transaction_code TEXT   NOT NULL,
    amount_cents     BIGINT NOT NULL,
    trace_number     TEXT   NOT NULL UNIQUE
);
-- A payment's debit goes into one file only.
CREATE UNIQUE INDEX ach_entries_one_debit ON ach_entries (payment_id) WHERE action_id IS NULL;

-- Returns read from return files (or made by the sandbox bank). Reading the
-- same file twice changes nothing; a return that matches no payment is kept
-- and reported.
CREATE TABLE ach_returns (
    id             INTEGER PRIMARY KEY,
    trace_number   TEXT   NOT NULL,
    return_code    TEXT   NOT NULL,
    payment_id     BIGINT REFERENCES payments (id),
    outcome        TEXT   NOT NULL CHECK (outcome IN ('failed', 'unmatched', 'not_returnable')),
    source         TEXT   NOT NULL,
    created_at     BIGINT NOT NULL,
    UNIQUE (trace_number, return_code)
);

-- Every email to a payer: receipts and lifecycle notices, one queue.
CREATE TABLE notices (
    id              INTEGER PRIMARY KEY,
    payment_id      BIGINT NOT NULL REFERENCES payments (id),
    kind            TEXT   NOT NULL CHECK (kind IN ('receipt', 'cancelled', 'refund', 'returned')),
    action_id       BIGINT REFERENCES payment_actions (id),
    once_key        TEXT   NOT NULL UNIQUE,
    to_email        TEXT   NOT NULL,
    status          TEXT   NOT NULL CHECK (status IN ('queued', 'sending', 'sent', 'failed')),
    attempts        BIGINT NOT NULL DEFAULT 0,
    next_attempt_at BIGINT NOT NULL,
    last_error      TEXT,
    sent_at         BIGINT
);
CREATE INDEX notices_due ON notices (status, next_attempt_at);
CREATE INDEX notices_by_payment ON notices (payment_id);
INSERT INTO notices (payment_id, kind, once_key, to_email, status, attempts, next_attempt_at, last_error, sent_at)
SELECT payment_id, 'receipt', 'receipt:' || payment_id, to_email, status, attempts, next_attempt_at, last_error, sent_at
FROM receipts ORDER BY payment_id;
DROP TABLE receipts;
