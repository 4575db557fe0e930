-- One-time payment links (issue 15, docs/payment-links.md): sent by a CSR
-- to a payer who never enrolled, or issued by the payer site itself
-- (channel 'web') once One Time Payment's identifiers matched; paid on the
-- payer site (/p/link/...).
-- The link's secret is never stored: only its SHA-256, so a copy of the
-- database mints no working link. Keep in step with ../postgres/0023_payment_links.sql.
CREATE TABLE payment_links (
    id          INTEGER PRIMARY KEY,
    account_id  BIGINT NOT NULL REFERENCES accounts (id),
    secret_hash TEXT   NOT NULL,
    channel     TEXT   NOT NULL CHECK (channel IN ('email', 'text', 'web')),
    address     TEXT   NOT NULL,
    created_by  BIGINT REFERENCES staff_users (id),     -- NULL: the payer site's own ('web')
    created_at  BIGINT NOT NULL,
    expires_at  BIGINT NOT NULL,
    opened_at   BIGINT,
    revoked_at  BIGINT,
    revoked_by  BIGINT REFERENCES staff_users (id),
    -- The payment that used it: claimed in the payment's own transaction,
    -- and only while empty or naming a declined payment, so a link pays once.
    payment_id  BIGINT UNIQUE REFERENCES payments (id)
);
CREATE INDEX payment_links_by_account ON payment_links (account_id, created_at);

-- One Time Payment's lockout: identifiers that did not match, counted per
-- account number as typed (whether or not such an account exists, so the
-- answers never tell), and the lock after too many (services::payment_links).
CREATE TABLE one_time_lockouts (
    account_key  TEXT   PRIMARY KEY,
    failures     BIGINT NOT NULL,
    locked_until BIGINT,
    updated_at   BIGINT NOT NULL
);
