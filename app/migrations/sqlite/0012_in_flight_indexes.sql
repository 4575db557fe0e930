-- Keep in step with ../postgres/0012_in_flight_indexes.sql.
-- Payments are found by status only while in flight: authorizing (recovery
-- after a crash), scheduled (due today) and pending (settlement). Settled
-- ones, nearly all of them, need no entry, so these indexes are partial, and
-- settling a payment no longer adds it to two status indexes.
DROP INDEX payments_by_status;
DROP INDEX payments_scheduled;
CREATE INDEX payments_pending ON payments (method_kind, created_at) WHERE status = 'pending';
CREATE INDEX payments_authorizing ON payments (created_at) WHERE status = 'authorizing';
CREATE INDEX payments_scheduled ON payments (scheduled_for) WHERE status = 'scheduled';

-- Journal entries name a payer account on one side at most, and a payment
-- only when one moved; the empty sides need no index entry.
DROP INDEX journal_by_debit_account;
DROP INDEX journal_by_credit_account;
DROP INDEX journal_by_payment;
CREATE INDEX journal_by_debit_account ON journal (debit_account_id) WHERE debit_account_id IS NOT NULL;
CREATE INDEX journal_by_credit_account ON journal (credit_account_id) WHERE credit_account_id IS NOT NULL;
CREATE INDEX journal_by_payment ON journal (payment_id) WHERE payment_id IS NOT NULL;
