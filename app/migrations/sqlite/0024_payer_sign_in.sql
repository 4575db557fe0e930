-- Enrolled payers sign in on the payer site (issue 15, docs/payer-site.md):
-- Register Now gives a payer a password, an email and two challenge
-- questions; a payer imported by the universal file (its user_id column)
-- has none until a CSR's Change Password gives one. Passwords and answers
-- are argon2id hashes. Four failed sign-ins in a row lock the payer for 30
-- minutes (locked_until); a CSR's Lock sets it far ahead, Unlock clears it.
-- Keep in step with ../postgres/0024_payer_sign_in.sql.
ALTER TABLE payers ADD COLUMN email TEXT;
ALTER TABLE payers ADD COLUMN password_hash TEXT;
ALTER TABLE payers ADD COLUMN must_change_password BOOLEAN NOT NULL DEFAULT FALSE;
ALTER TABLE payers ADD COLUMN password_changed_at BIGINT;
ALTER TABLE payers ADD COLUMN failed_attempts BIGINT NOT NULL DEFAULT 0;
ALTER TABLE payers ADD COLUMN locked_until BIGINT;
ALTER TABLE payers ADD COLUMN question1 TEXT;
ALTER TABLE payers ADD COLUMN answer1_hash TEXT;
ALTER TABLE payers ADD COLUMN question2 TEXT;
ALTER TABLE payers ADD COLUMN answer2_hash TEXT;
-- Enrolled by Register Now (not by a file): an accounts file never links
-- its rows to such a payer, so a User ID chosen on the payer site cannot
-- collect accounts a later file gives that User ID.
ALTER TABLE payers ADD COLUMN registered BOOLEAN NOT NULL DEFAULT FALSE;
-- Forgot Password: the SHA-256 of the one live reset link's secret (a new
-- request replaces it; used or expired, it opens nothing).
ALTER TABLE payers ADD COLUMN reset_hash TEXT;
ALTER TABLE payers ADD COLUMN reset_expires_at BIGINT;
CREATE UNIQUE INDEX payers_by_reset ON payers (reset_hash) WHERE reset_hash IS NOT NULL;

-- The payer site's sessions: apart from the staff's (their own cookie and
-- table), so neither kind opens anything of the other.
CREATE TABLE payer_sessions (
    token_hash   TEXT   PRIMARY KEY,
    payer_id     BIGINT NOT NULL REFERENCES payers (id),
    created_at   BIGINT NOT NULL,
    last_seen_at BIGINT NOT NULL,
    ip           TEXT
);
CREATE INDEX payer_sessions_by_payer ON payer_sessions (payer_id);

-- What a payer did and what staff did to their sign-in: Enrolled User
-- Information's Activity log. Never edited.
CREATE TABLE payer_activity (
    id       INTEGER PRIMARY KEY,
    payer_id BIGINT NOT NULL REFERENCES payers (id),
    at       BIGINT NOT NULL,
    event    TEXT   NOT NULL,
    staff_id BIGINT REFERENCES staff_users (id),
    ip       TEXT
);
CREATE INDEX payer_activity_by_payer ON payer_activity (payer_id, at);
CREATE TRIGGER payer_activity_no_update BEFORE UPDATE ON payer_activity
BEGIN SELECT RAISE(ABORT, 'payer activity is append-only'); END;
CREATE TRIGGER payer_activity_no_delete BEFORE DELETE ON payer_activity
BEGIN SELECT RAISE(ABORT, 'payer activity is append-only'); END;

-- Enrolled User Information's Alerts: a payer's plan notices, found by plan
-- (receipts and payment notices are found through their payment).
CREATE INDEX notices_by_plan ON notices (plan_id) WHERE plan_id IS NOT NULL;
