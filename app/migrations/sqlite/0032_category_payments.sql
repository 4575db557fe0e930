-- Category payments (issue 16, help center C2; docs/categories.md): the
-- lines a payment paid, copied from the categories as they were, and the
-- part of the payment that is category income rather than a move of the
-- balance. Keep in step with ../postgres/0032_category_payments.sql.

-- Each line as paid: its words and prices at the moment of the payment, so
-- a category edited or deleted later leaves this payment's lines as they
-- were (category_id is therefore not a foreign key).
CREATE TABLE payment_lines (
    id             INTEGER PRIMARY KEY,
    payment_id     BIGINT  NOT NULL REFERENCES payments (id),
    position       BIGINT  NOT NULL CHECK (position >= 0),
    category_id    BIGINT  NOT NULL,
    description    TEXT    NOT NULL,
    charge_code    TEXT    NOT NULL,
    unit_cents     BIGINT  NOT NULL CHECK (unit_cents > 0),
    quantity       BIGINT  NOT NULL CHECK (quantity >= 1),
    total_cents    BIGINT  NOT NULL CHECK (total_cents = unit_cents * quantity),
    impact_balance BOOLEAN NOT NULL,
    UNIQUE (payment_id, position)
);

-- Of amount_cents, the part paid on lines without Impact Balance: the
-- biller's category income, never a move of the balance. And what of it
-- went back (a refund gives back the balance's part first).
ALTER TABLE payments ADD COLUMN category_income_cents BIGINT NOT NULL DEFAULT 0
    CHECK (category_income_cents >= 0 AND category_income_cents <= amount_cents);
ALTER TABLE payments ADD COLUMN category_income_refunded_cents BIGINT NOT NULL DEFAULT 0
    CHECK (category_income_refunded_cents >= 0 AND category_income_refunded_cents <= category_income_cents);
-- Of an action's amount_cents, the category income it gave back.
ALTER TABLE payment_actions ADD COLUMN category_income_cents BIGINT NOT NULL DEFAULT 0
    CHECK (category_income_cents >= 0 AND category_income_cents <= amount_cents);
