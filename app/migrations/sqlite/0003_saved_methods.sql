-- Payment methods an enrolled payer saved. Keep in step with ../postgres/0003_saved_methods.sql.
CREATE TABLE saved_methods (
    id               INTEGER PRIMARY KEY,
    payer_id         BIGINT NOT NULL REFERENCES payers (id),
    method_kind      TEXT   NOT NULL CHECK (method_kind IN ('card', 'ach')),
    label            TEXT   NOT NULL,               -- "Visa •••• 4242"
    card_token       TEXT,
    card_brand       TEXT,
    card_last4       TEXT,
    card_expiry      TEXT,
    cardholder       TEXT,
    billing_zip      TEXT,
    bank_holder      TEXT,
    bank_routing     TEXT,
    bank_account_enc TEXT,                          -- AES-256-GCM, like payments.bank_account_enc
    bank_last4       TEXT,
    bank_kind        TEXT,
    created_at       BIGINT NOT NULL
);
CREATE INDEX saved_methods_by_payer ON saved_methods (payer_id);
