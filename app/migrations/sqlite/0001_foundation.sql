-- Foundation schema. Timestamps are BIGINT milliseconds since the Unix epoch
-- (UTC); money is BIGINT cents. Keep in step with ../postgres/0001_foundation.sql.

CREATE TABLE staff_users (
    id                  INTEGER PRIMARY KEY,
    login               TEXT    NOT NULL UNIQUE,            -- lower case
    email               TEXT    NOT NULL,
    role                TEXT    NOT NULL CHECK (role IN ('admin', 'csr')),
    password_hash       TEXT    NOT NULL,                   -- argon2id PHC string
    active              BOOLEAN NOT NULL DEFAULT TRUE,
    failed_attempts     BIGINT  NOT NULL DEFAULT 0,
    locked_until        BIGINT,
    password_changed_at BIGINT  NOT NULL,
    created_at          BIGINT  NOT NULL
);

-- The cookie holds a random token; only its SHA-256 is stored here.
CREATE TABLE sessions (
    token_hash   TEXT   PRIMARY KEY,
    user_id      BIGINT NOT NULL REFERENCES staff_users (id),
    created_at   BIGINT NOT NULL,
    last_seen_at BIGINT NOT NULL,
    ip           TEXT
);
CREATE INDEX sessions_by_user ON sessions (user_id);

CREATE TABLE audit_log (
    id          INTEGER PRIMARY KEY,
    at          BIGINT NOT NULL,
    actor_id    BIGINT REFERENCES staff_users (id),
    actor_login TEXT,
    action      TEXT   NOT NULL,
    object      TEXT,
    before_json TEXT,
    after_json  TEXT,
    ip          TEXT
);
CREATE INDEX audit_log_by_time ON audit_log (at);
CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
BEGIN SELECT RAISE(ABORT, 'audit_log rows are append-only'); END;
CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
BEGIN SELECT RAISE(ABORT, 'audit_log rows are append-only'); END;

-- Enrolled payers, known by the user ID they sign in to the payer site with.
CREATE TABLE payers (
    id         INTEGER PRIMARY KEY,
    user_id    TEXT   NOT NULL UNIQUE,
    created_at BIGINT NOT NULL
);

CREATE TABLE accounts (
    id             INTEGER PRIMARY KEY,
    account_number TEXT   NOT NULL UNIQUE,
    account_type   TEXT   NOT NULL CHECK (account_type IN ('I', 'B')),
    first_name     TEXT,
    last_name      TEXT,
    company_name   TEXT,
    email          TEXT,
    balance_cents  BIGINT NOT NULL DEFAULT 0,
    status         TEXT   NOT NULL CHECK (status IN ('active', 'inactive')),
    created_at     BIGINT NOT NULL,
    updated_at     BIGINT NOT NULL
);

CREATE TABLE account_payers (
    account_id BIGINT NOT NULL REFERENCES accounts (id),
    payer_id   BIGINT NOT NULL REFERENCES payers (id),
    PRIMARY KEY (account_id, payer_id)
);
CREATE INDEX account_payers_by_payer ON account_payers (payer_id);

-- Every change to a balance, never edited: accounts.balance_cents is always
-- the sum of an account's entries (checked by `paydesk check`).
CREATE TABLE ledger_entries (
    id           INTEGER PRIMARY KEY,
    account_id   BIGINT NOT NULL REFERENCES accounts (id),
    amount_cents BIGINT NOT NULL,
    kind         TEXT   NOT NULL,
    memo         TEXT,
    created_by   BIGINT REFERENCES staff_users (id),
    created_at   BIGINT NOT NULL
);
CREATE INDEX ledger_entries_by_account ON ledger_entries (account_id);
CREATE TRIGGER ledger_entries_no_update BEFORE UPDATE ON ledger_entries
BEGIN SELECT RAISE(ABORT, 'ledger entries are immutable'); END;
CREATE TRIGGER ledger_entries_no_delete BEFORE DELETE ON ledger_entries
BEGIN SELECT RAISE(ABORT, 'ledger entries are immutable'); END;
