-- Reports at 1,000,000 accounts (issue 13, bench/reports.sh,
-- docs/benchmarks.md). Keep in step with ../postgres/0020_report_indexes.sql.

-- Activity reads enrollments (payers) by the day they happened, newest
-- first: without this it joins every payer to find one month's.
CREATE INDEX payers_by_time ON payers (created_at);

-- Payment History's count and summary split Processed payments by whether
-- any was refunded: with refunded_cents in Home's covering index (0019)
-- they read the index alone too, never a table row. Same name, one index
-- to keep up to date, as before.
DROP INDEX payments_by_created;
CREATE INDEX payments_by_created ON payments (created_at, status, method_kind, amount_cents, refunded_cents);
