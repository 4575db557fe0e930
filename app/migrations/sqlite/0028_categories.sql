-- Payment categories for all payers (issue 16, help center D2, "Manage
-- Category"; docs/categories.md): the line items a biller offers besides
-- the balance. A charge code names one line. `version` is bumped by every
-- save, so an edit made on an older copy is refused, not merged. Deleting
-- removes the row: a payment keeps copies of its lines, never a reference.
-- Administrators get the new Manage Category entitlement, as the role
-- defaults say (domain::entitlements). Keep in step with
-- ../postgres/0028_categories.sql.
CREATE TABLE categories (
    id              INTEGER PRIMARY KEY,
    description     TEXT    NOT NULL,
    charge_code     TEXT    NOT NULL UNIQUE,
    amount_cents    BIGINT  NOT NULL CHECK (amount_cents >= 0),
    quantity        BIGINT  NOT NULL CHECK (quantity BETWEEN 1 AND 999),
    impact_balance  BOOLEAN NOT NULL,
    amount_editable BOOLEAN NOT NULL,
    show_quantity   BOOLEAN NOT NULL,
    required        BOOLEAN NOT NULL,
    version         BIGINT  NOT NULL DEFAULT 1,
    created_at      BIGINT  NOT NULL,
    updated_at      BIGINT  NOT NULL
);
INSERT INTO role_entitlements (role, entitlement) VALUES ('admin', 'categories')
ON CONFLICT DO NOTHING;
