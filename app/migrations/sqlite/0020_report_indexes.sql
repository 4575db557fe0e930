-- Reports at 1,000,000 accounts (issue 13, bench/reports.sh,
-- docs/benchmarks.md). Keep in step with ../postgres/0020_report_indexes.sql.

-- Activity reads enrollments (payers) by the day they happened, newest
-- first: without this it joins every payer to find one month's.
CREATE INDEX payers_by_time ON payers (created_at);
