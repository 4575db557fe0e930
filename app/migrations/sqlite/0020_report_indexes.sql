-- Reports at 1,000,000 accounts (issue 13, bench/reports.sh). Keep in step
-- with ../postgres/0020_report_indexes.sql.
-- Activity reads enrollments (payers) by the day they happened, newest
-- first: without this it joins every payer to find one month's.
CREATE INDEX payers_by_time ON payers (created_at);

-- Payment History's count and summary read only these
-- columns of a range of days: from this index alone, never a table row.
-- payments_by_time (0017) stays for the ordered first page.
CREATE INDEX payments_by_time_amounts ON payments (created_at, status, amount_cents, refunded_cents);
