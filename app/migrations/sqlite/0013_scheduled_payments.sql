-- Keep in step with ../postgres/0013_scheduled_payments.sql.
-- A future-dated payment's date (YYYY-MM-DD, the biller's zone): Scheduled
-- until then. This once sat in 0004, edited after 0004 had shipped; it lives
-- here now. db/migrations.rs runs it straight after 0004 (0012 re-indexes
-- the column), and marks it applied on a database whose 0004 was the edited
-- one, which already has the column.
ALTER TABLE payments ADD COLUMN scheduled_for TEXT;
CREATE INDEX payments_scheduled ON payments (status, scheduled_for);
