-- Bills (invoices): loaded from bill files, shown in Bills Found, edited on
-- Bill Details. A re-uploaded invoice number updates its bill unless the
-- bill has payments; then a new version is added and the older one becomes
-- Inactive. Keep in step with ../postgres/0010_bills.sql.
CREATE TABLE bills (
    id                INTEGER PRIMARY KEY,
    account_id        BIGINT  NOT NULL REFERENCES accounts (id),
    invoice_number    TEXT    NOT NULL,
    version           BIGINT  NOT NULL DEFAULT 1,
    invoice_date      TEXT    NOT NULL,
    due_date          TEXT    NOT NULL,
    amount_due_cents  BIGINT  NOT NULL CHECK (amount_due_cents >= 0),
    minimum_due_cents BIGINT  NOT NULL CHECK (minimum_due_cents >= 0 AND minimum_due_cents <= amount_due_cents),
    description       TEXT,
    status            TEXT    NOT NULL DEFAULT 'unpaid' CHECK (status IN ('unpaid', 'inactive', 'externally_paid', 'in_mail')),
    active            BOOLEAN NOT NULL DEFAULT TRUE,
    do_not_call       BOOLEAN NOT NULL DEFAULT FALSE,
    created_at        BIGINT  NOT NULL,
    updated_at        BIGINT  NOT NULL,
    UNIQUE (account_id, invoice_number, version)
);
CREATE INDEX bills_by_invoice_number ON bills (invoice_number);

-- A payment toward one bill (Make Payment on a bill).
ALTER TABLE payments ADD COLUMN bill_id BIGINT REFERENCES bills (id);
CREATE INDEX payments_by_bill ON payments (bill_id);
