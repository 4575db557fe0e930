-- Convenience fees per division (issue 16; docs/fees.md, docs/divisions.md):
-- a division may charge fees of its own, a rule per method as the biller's
-- (fee_settings, 0031). No row: the division's payers pay the biller's
-- fees. Whether a partial refund gives the fee back stays the biller's
-- one setting. `version` guards Save Changes as it does the biller's.
-- Keep in step with ../postgres/0038_division_fees.sql.
CREATE TABLE division_fees (
    division_id     BIGINT NOT NULL PRIMARY KEY REFERENCES divisions (id),
    card_flat_cents BIGINT NOT NULL CHECK (card_flat_cents >= 0),
    card_rate_bp    BIGINT NOT NULL CHECK (card_rate_bp BETWEEN 0 AND 10000),
    card_min_cents  BIGINT CHECK (card_min_cents > 0),
    card_max_cents  BIGINT CHECK (card_max_cents >= 0),
    ach_flat_cents  BIGINT NOT NULL CHECK (ach_flat_cents >= 0),
    ach_rate_bp     BIGINT NOT NULL CHECK (ach_rate_bp BETWEEN 0 AND 10000),
    ach_min_cents   BIGINT CHECK (ach_min_cents > 0),
    ach_max_cents   BIGINT CHECK (ach_max_cents >= 0),
    version         BIGINT NOT NULL,
    updated_at      BIGINT NOT NULL
);
