-- Payments taken on a payer's behalf. Keep in step with ../postgres/0002_payments.sql.

CREATE TABLE payments (
    id               INTEGER PRIMARY KEY,
    reference        TEXT   NOT NULL UNIQUE,
    -- Issued by the server with the review; a repeat of the same review
    -- finds this row instead of creating a second payment.
    idempotency_key  TEXT   NOT NULL UNIQUE,
    account_id       BIGINT NOT NULL REFERENCES accounts (id),
    amount_cents     BIGINT NOT NULL CHECK (amount_cents > 0),
    method_kind      TEXT   NOT NULL CHECK (method_kind IN ('card', 'ach')),
    method_label     TEXT   NOT NULL,               -- "Visa •••• 4242"
    card_token       TEXT,                          -- the processor's token, never the number
    card_brand       TEXT,
    card_last4       TEXT,
    card_expiry      TEXT,
    cardholder       TEXT,
    billing_zip      TEXT,
    bank_holder      TEXT,
    bank_routing     TEXT,
    bank_account_enc TEXT,                          -- AES-256-GCM, key in PAYDESK_DATA_DIR
    bank_last4       TEXT,
    bank_kind        TEXT,
    receipt_email    TEXT   NOT NULL,
    status           TEXT   NOT NULL CHECK (status IN
                         ('authorizing', 'scheduled', 'pending', 'processed', 'cancelled', 'declined', 'failed')),
    decline_reason   TEXT,
    processor_ref    TEXT   UNIQUE,
    channel          TEXT   NOT NULL DEFAULT 'csr',
    entered_by       BIGINT REFERENCES staff_users (id),
    created_at       BIGINT NOT NULL,
    updated_at       BIGINT NOT NULL,
    settled_at       BIGINT
);
CREATE INDEX payments_by_account ON payments (account_id, created_at);
CREATE INDEX payments_by_status ON payments (status, method_kind, created_at);

CREATE TABLE payment_status_history (
    id          INTEGER PRIMARY KEY,
    payment_id  BIGINT NOT NULL REFERENCES payments (id),
    at          BIGINT NOT NULL,
    from_status TEXT,
    to_status   TEXT   NOT NULL,
    actor       TEXT   NOT NULL,                    -- a login ID, or a job such as 'settlement'
    reason      TEXT
);
CREATE INDEX payment_status_history_by_payment ON payment_status_history (payment_id);

CREATE TABLE receipts (
    payment_id      BIGINT PRIMARY KEY REFERENCES payments (id),
    to_email        TEXT   NOT NULL,
    status          TEXT   NOT NULL CHECK (status IN ('queued', 'sending', 'sent', 'failed')),
    attempts        BIGINT NOT NULL DEFAULT 0,
    next_attempt_at BIGINT NOT NULL,
    last_error      TEXT,
    sent_at         BIGINT
);
CREATE INDEX receipts_due ON receipts (status, next_attempt_at);

ALTER TABLE ledger_entries ADD COLUMN payment_id BIGINT REFERENCES payments (id);
-- One entry of each kind per payment, whatever retries happen.
CREATE UNIQUE INDEX ledger_entries_once_per_payment ON ledger_entries (payment_id, kind);
