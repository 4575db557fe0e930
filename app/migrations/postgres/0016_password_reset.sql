-- Self-service Forgot Password / Forgot Username (docs/security.md).
-- Keep in step with ../sqlite/0016_password_reset.sql.

-- One security code per staff user: a new request (or Resend Code) replaces
-- it. Only an argon2id hash of the code is kept; it is single-use
-- (used_at), expires (expires_at, 15 minutes) and dies after 5 wrong tries.
CREATE TABLE password_reset_codes (
    user_id    BIGINT NOT NULL PRIMARY KEY REFERENCES staff_users (id),
    code_hash  TEXT   NOT NULL,
    created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL,
    failures   BIGINT NOT NULL DEFAULT 0,
    used_at    BIGINT
);

-- Requests counted per bucket ('ip:…', 'reset-login:…', 'username-email:…')
-- in a fixed window: one row per bucket, reset when a new window starts, so
-- anonymous requests add at most a bounded row each (buckets are capped).
CREATE TABLE self_service_limits (
    bucket       TEXT   NOT NULL PRIMARY KEY,
    window_start BIGINT NOT NULL,
    hits         BIGINT NOT NULL
);
