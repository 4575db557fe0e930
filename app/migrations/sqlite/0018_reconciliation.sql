-- Reconciliation (docs/reports.md): what a run took, and whether an action
-- moved money that had already reached the bank, recorded where they happen.
-- Keep in step with ../postgres/0018_reconciliation.sql.

-- What settlement captured (a card) or debited (an ACH payment): the amount
-- less what was refunded before the run. Refunds after it change
-- refunded_cents, never this. NULL until settled.
ALTER TABLE payments ADD COLUMN captured_cents BIGINT;
-- TRUE when the payment was already settled when the action was applied: a
-- card refund then leaves the bank at once, an ACH refund goes out as a
-- credit in the next file. A run and a refund racing are ordered by the row
-- lock, not by their clocks, so this cannot be derived from timestamps.
ALTER TABLE payment_actions ADD COLUMN after_settlement BOOLEAN NOT NULL DEFAULT FALSE;

-- Rows from before this migration, from the journal, which records both.
UPDATE payments SET captured_cents = COALESCE(
    (SELECT j.amount_cents FROM journal j WHERE j.once_key = 'capture:' || payments.id), 0)
WHERE settled_at IS NOT NULL;
UPDATE payment_actions SET after_settlement = TRUE
WHERE kind = 'ach_refund'
   OR EXISTS (SELECT 1 FROM journal j
              WHERE j.once_key = 'action:' || payment_actions.id || ':0' AND j.credit_book = 'bank');

-- A cycle is the runs of a day; its figures are read by time window.
CREATE INDEX settlement_runs_by_time ON settlement_runs (created_at);
CREATE INDEX payments_by_settled ON payments (settled_at) WHERE settled_at IS NOT NULL;
CREATE INDEX payment_actions_by_time ON payment_actions (created_at);
CREATE INDEX ach_entries_by_file ON ach_entries (file_id);
CREATE INDEX ach_returns_by_time ON ach_returns (created_at);
CREATE INDEX journal_bank_by_time ON journal (created_at) WHERE debit_book = 'bank' OR credit_book = 'bank';
