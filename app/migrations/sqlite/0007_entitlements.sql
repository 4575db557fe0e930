-- Entitlements: what each role may use, per-user overrides of that, and
-- refunds above the approval threshold waiting for a second person.
-- Keep in step with ../postgres/0007_entitlements.sql.
CREATE TABLE role_entitlements (
    role        TEXT NOT NULL CHECK (role IN ('admin', 'csr')),
    entitlement TEXT NOT NULL,
    PRIMARY KEY (role, entitlement)
);
-- The defaults (domain::entitlements::Entitlement::default_for; a test
-- keeps the two in step).
INSERT INTO role_entitlements (role, entitlement) VALUES
    ('admin', 'payments.on_behalf'), ('admin', 'payments.cancel_void'), ('admin', 'payments.refund'),
    ('admin', 'payments.refund_approve'), ('admin', 'uploads'), ('admin', 'reports'), ('admin', 'users'),
    ('admin', 'entitlements'), ('admin', 'settlement'), ('admin', 'balances'),
    ('csr', 'payments.on_behalf'), ('csr', 'payments.cancel_void'), ('csr', 'payments.refund');

-- Only where a user differs from their role: granted TRUE adds, FALSE takes away.
CREATE TABLE user_entitlements (
    user_id     BIGINT  NOT NULL REFERENCES staff_users (id),
    entitlement TEXT    NOT NULL,
    granted     BOOLEAN NOT NULL,
    PRIMARY KEY (user_id, entitlement)
);

-- A refund above PAYDESK_REFUND_APPROVAL_THRESHOLD waits here; approving it
-- applies the action under the request's own idempotency key (so twice is
-- once). The database refuses a requester approving their own.
CREATE TABLE refund_approvals (
    id              INTEGER PRIMARY KEY,
    payment_id      BIGINT NOT NULL REFERENCES payments (id),
    idempotency_key TEXT   NOT NULL UNIQUE,
    kind            TEXT   NOT NULL CHECK (kind IN ('full_reversal', 'partial_refund', 'ach_refund')),
    amount_cents    BIGINT NOT NULL CHECK (amount_cents > 0),
    reason_code     TEXT   NOT NULL,
    reason_text     TEXT,
    requested_by    BIGINT NOT NULL REFERENCES staff_users (id),
    requested_at    BIGINT NOT NULL,
    status          TEXT   NOT NULL CHECK (status IN ('awaiting', 'approved', 'rejected')),
    decided_by      BIGINT REFERENCES staff_users (id),
    decided_at      BIGINT,
    CHECK (decided_by IS NULL OR decided_by <> requested_by),
    CHECK ((status = 'awaiting') = (decided_by IS NULL))
);
-- One request waiting per payment: a second would be decided against a
-- balance the first may change.
CREATE UNIQUE INDEX refund_approvals_one_awaiting ON refund_approvals (payment_id) WHERE status = 'awaiting';
CREATE INDEX refund_approvals_by_status ON refund_approvals (status, requested_at);
