-- Running totals the reports read instead of adding up other tables on
-- every page (issue 13, docs/benchmarks.md), each kept by the transaction
-- that changes what it sums and checked by `paydesk check`. Keep in step
-- with ../sqlite/0021_running_totals.sql.

-- What payments toward each bill have paid: Pending or Processed, net of
-- refunds (PaymentState::paid_toward_bill). Moved by the transaction that
-- approves, cancels, voids, refunds or returns a payment toward the bill;
-- `paydesk check` compares it with the payments. Aging read it by adding
-- up every payment toward a bill on every page view (8 s at 1,000,000).
ALTER TABLE bills ADD COLUMN paid_cents BIGINT NOT NULL DEFAULT 0;

UPDATE bills b SET paid_cents = t.paid
FROM (SELECT bill_id, SUM(amount_cents - refunded_cents) AS paid FROM payments
      WHERE bill_id IS NOT NULL AND status IN ('pending', 'processed') GROUP BY bill_id) t
WHERE t.bill_id = b.id;

-- The bills Aging shows: unpaid, active, with something still due, by due
-- date (its default order, oldest first), covering for an index-only scan.
CREATE INDEX bills_still_due ON bills (status, active, due_date, invoice_date, amount_due_cents, paid_cents)
    WHERE status = 'unpaid' AND active = TRUE AND amount_due_cents > paid_cents;

-- Home's bills coming due now count what is still due, from the index
-- above; bills_due (0019) has no reader left.
DROP INDEX bills_due;

-- How many refunds (full reversals, partial refunds, ACH refunds) a payment
-- has had, beside refunded_cents (their total): Settlement's Credits are a
-- count and a total of those, for payments entered in a timeframe, and
-- joining payment_actions to a month of payments took most of a page
-- (1.1 s at 1,000,000 accounts on SQLite). Moved with refunded_cents by
-- the refund's own transaction (db::lifecycle).
ALTER TABLE payments ADD COLUMN refund_count BIGINT NOT NULL DEFAULT 0;

UPDATE payments p SET refund_count = t.n
FROM (SELECT payment_id, COUNT(*) AS n FROM payment_actions
      WHERE kind IN ('full_reversal', 'partial_refund', 'ach_refund') GROUP BY payment_id) t
WHERE t.payment_id = p.id;

-- payments_by_created (0019) holds the refund count too, so Settlement's
-- figures, like Payment History's and Home's, read the index alone.
DROP INDEX payments_by_created;
CREATE INDEX payments_by_created ON payments (created_at, status, method_kind, amount_cents, refunded_cents, refund_count);
