-- The payer site's Profile (issue 15, docs/payer-site.md): which alerts a
-- payer wants, by email and by text, and the mobile number texts go to.
-- Keep in step with ../postgres/0025_payer_profile.sql.
ALTER TABLE payers ADD COLUMN alert_email BOOLEAN NOT NULL DEFAULT TRUE;
ALTER TABLE payers ADD COLUMN alert_text BOOLEAN NOT NULL DEFAULT FALSE;
ALTER TABLE payers ADD COLUMN mobile TEXT;

-- A notice now goes by email or by text (`channel`; `to_email` holds the
-- address either way), and one the payer turned off is kept as `skipped`
-- so Alerts shows it was not sent and why. SQLite cannot change a CHECK in
-- place, so the table is rebuilt (as 0022 did).
CREATE TABLE notices_new (
    id              INTEGER PRIMARY KEY,
    payment_id      BIGINT REFERENCES payments (id),
    plan_id         BIGINT REFERENCES plans (id),
    kind            TEXT   NOT NULL CHECK (kind IN ('receipt', 'cancelled', 'refund', 'returned', 'plan')),
    action_id       BIGINT REFERENCES payment_actions (id),
    once_key        TEXT   NOT NULL UNIQUE,
    channel         TEXT   NOT NULL DEFAULT 'email' CHECK (channel IN ('email', 'text')),
    to_email        TEXT   NOT NULL,
    subject         TEXT,
    body            TEXT,
    status          TEXT   NOT NULL CHECK (status IN ('queued', 'sending', 'sent', 'failed', 'skipped')),
    attempts        BIGINT NOT NULL DEFAULT 0,
    next_attempt_at BIGINT NOT NULL,
    last_error      TEXT,
    sent_at         BIGINT,
    CHECK (payment_id IS NOT NULL OR (kind = 'plan' AND plan_id IS NOT NULL AND subject IS NOT NULL AND body IS NOT NULL))
);
INSERT INTO notices_new (id, payment_id, plan_id, kind, action_id, once_key, to_email, subject, body, status, attempts, next_attempt_at, last_error, sent_at)
SELECT id, payment_id, plan_id, kind, action_id, once_key, to_email, subject, body, status, attempts, next_attempt_at, last_error, sent_at FROM notices;
DROP TABLE notices;
ALTER TABLE notices_new RENAME TO notices;
CREATE INDEX notices_due ON notices (status, next_attempt_at);
CREATE INDEX notices_by_payment ON notices (payment_id);
CREATE INDEX notices_by_plan ON notices (plan_id) WHERE plan_id IS NOT NULL;
