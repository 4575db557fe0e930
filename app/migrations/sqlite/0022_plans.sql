-- Automatic payments (issue 14, docs/automatic-payments.md): recurring and
-- bill-triggered plans, the occurrences the scheduler made of them, and
-- payer notices that belong to a plan rather than to one payment. Keep in
-- step with ../postgres/0022_plans.sql.

-- A deleted saved method keeps its row (cancelled plans still name it) but
-- loses its processor token and encrypted account number.
ALTER TABLE saved_methods ADD COLUMN deleted_at BIGINT;

CREATE TABLE plans (
    id              INTEGER PRIMARY KEY,
    kind            TEXT   NOT NULL CHECK (kind IN ('recurring', 'bill_triggered')),
    payer_id        BIGINT NOT NULL REFERENCES payers (id),
    account_id      BIGINT NOT NULL REFERENCES accounts (id),
    saved_method_id BIGINT NOT NULL REFERENCES saved_methods (id),
    email           TEXT   NOT NULL,                -- receipts and notices
    -- Recurring: what each occurrence pays, how often, from when to when.
    amount_rule     TEXT   CHECK (amount_rule IN ('fixed', 'balance')),
    amount_cents    BIGINT CHECK (amount_cents > 0),
    frequency       TEXT,
    first_date      TEXT,
    end_date        TEXT,
    -- The scheduler's cursor: the index of the next occurrence to make.
    next_seq        BIGINT NOT NULL DEFAULT 0,
    -- Bill-triggered: when before the due date, how much, and the cap.
    days_before     BIGINT CHECK (days_before >= 0),
    bill_amount     TEXT   CHECK (bill_amount IN ('full', 'minimum')),
    max_cents       BIGINT CHECK (max_cents > 0),
    status          TEXT   NOT NULL CHECK (status IN ('active', 'cancelled', 'ended')),
    end_reason      TEXT,
    -- Issued with the review: Confirm twice makes one plan.
    idempotency_key TEXT   NOT NULL UNIQUE,
    created_by      BIGINT REFERENCES staff_users (id),
    created_at      BIGINT NOT NULL,
    updated_at      BIGINT NOT NULL,
    CHECK ((kind = 'recurring' AND amount_rule IS NOT NULL AND frequency IS NOT NULL AND first_date IS NOT NULL)
        OR (kind = 'bill_triggered' AND days_before IS NOT NULL AND bill_amount IS NOT NULL))
);
CREATE INDEX plans_by_payer ON plans (payer_id);
CREATE INDEX plans_by_account ON plans (account_id, status);
CREATE INDEX plans_by_method ON plans (saved_method_id, status);
CREATE INDEX plans_active ON plans (status, kind);

-- One row per occurrence a plan made: the database's guarantee that a plan
-- pays a date (or a bill) once, whatever runs at the same time.
CREATE TABLE plan_occurrences (
    id             INTEGER PRIMARY KEY,
    plan_id        BIGINT NOT NULL REFERENCES plans (id),
    -- "2026-12-15" (a recurring plan's date) or "invoice:INV-7" (a bill).
    occurrence_key TEXT   NOT NULL,
    due_date       TEXT   NOT NULL,
    run_date       TEXT   NOT NULL,
    bill_id        BIGINT REFERENCES bills (id),
    payment_id     BIGINT UNIQUE REFERENCES payments (id),
    -- Why no payment was made for it (over the cap, nothing owed, ...).
    skipped_reason TEXT,
    created_at     BIGINT NOT NULL,
    UNIQUE (plan_id, occurrence_key)
);

-- The plan a payment comes from, and whether it ran after its date.
ALTER TABLE payments ADD COLUMN plan_id BIGINT REFERENCES plans (id);
ALTER TABLE payments ADD COLUMN ran_late BOOLEAN NOT NULL DEFAULT FALSE;
CREATE INDEX payments_by_plan ON payments (plan_id) WHERE plan_id IS NOT NULL;

-- Notices about a plan (a bill over the cap, a card that will have expired,
-- a plan stopped) have no payment: the queue takes a plan instead, with the
-- text written when it is queued. SQLite cannot relax NOT NULL or a CHECK
-- in place, so the table is rebuilt.
CREATE TABLE notices_new (
    id              INTEGER PRIMARY KEY,
    payment_id      BIGINT REFERENCES payments (id),
    plan_id         BIGINT REFERENCES plans (id),
    kind            TEXT   NOT NULL CHECK (kind IN ('receipt', 'cancelled', 'refund', 'returned', 'plan')),
    action_id       BIGINT REFERENCES payment_actions (id),
    once_key        TEXT   NOT NULL UNIQUE,
    to_email        TEXT   NOT NULL,
    subject         TEXT,
    body            TEXT,
    status          TEXT   NOT NULL CHECK (status IN ('queued', 'sending', 'sent', 'failed')),
    attempts        BIGINT NOT NULL DEFAULT 0,
    next_attempt_at BIGINT NOT NULL,
    last_error      TEXT,
    sent_at         BIGINT,
    CHECK (payment_id IS NOT NULL OR (kind = 'plan' AND plan_id IS NOT NULL AND subject IS NOT NULL AND body IS NOT NULL))
);
INSERT INTO notices_new (id, payment_id, kind, action_id, once_key, to_email, status, attempts, next_attempt_at, last_error, sent_at)
SELECT id, payment_id, kind, action_id, once_key, to_email, status, attempts, next_attempt_at, last_error, sent_at FROM notices;
DROP TABLE notices;
ALTER TABLE notices_new RENAME TO notices;
CREATE INDEX notices_due ON notices (status, next_attempt_at);
CREATE INDEX notices_by_payment ON notices (payment_id);

-- Add Credit Card / Add Bank Account carry a key issued with the review,
-- so the same review confirmed twice saves one method.
ALTER TABLE saved_methods ADD COLUMN idempotency_key TEXT;
CREATE UNIQUE INDEX saved_methods_once ON saved_methods (idempotency_key);
