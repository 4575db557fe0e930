-- The password policy: a password that must be changed (temporary, or past
-- PAYDESK_PASSWORD_MAX_AGE_DAYS), and the previous ones, so the last four
-- are not used again. Keep in step with ../postgres/0006_passwords.sql.
ALTER TABLE staff_users ADD COLUMN must_change_password BOOLEAN NOT NULL DEFAULT FALSE;

CREATE TABLE password_history (
    id            INTEGER PRIMARY KEY,
    user_id       BIGINT NOT NULL REFERENCES staff_users (id),
    password_hash TEXT   NOT NULL,
    created_at    BIGINT NOT NULL
);
CREATE INDEX password_history_by_user ON password_history (user_id, id);
