-- The payer site's Profile (issue 15, docs/payer-site.md): which alerts a
-- payer wants, by email and by text, and the mobile number texts go to.
-- Keep in step with ../sqlite/0025_payer_profile.sql.
ALTER TABLE payers ADD COLUMN alert_email BOOLEAN NOT NULL DEFAULT TRUE;
ALTER TABLE payers ADD COLUMN alert_text BOOLEAN NOT NULL DEFAULT FALSE;
ALTER TABLE payers ADD COLUMN mobile TEXT;

-- A notice now goes by email or by text (`channel`; `to_email` holds the
-- address either way), and one the payer turned off is kept as `skipped`
-- so Alerts shows it was not sent and why.
ALTER TABLE notices ADD COLUMN channel TEXT NOT NULL DEFAULT 'email'
    CHECK (channel IN ('email', 'text'));
ALTER TABLE notices DROP CONSTRAINT notices_status_check;
ALTER TABLE notices ADD CONSTRAINT notices_status_check
    CHECK (status IN ('queued', 'sending', 'sent', 'failed', 'skipped'));
