-- Home (docs/home.md): its figures are index ranges, never a scan of all
-- payments. Keep in step with ../sqlite/0019_home_indexes.sql.

-- Payments entered in a window (today, this week, the 30-day chart), added
-- up by status and method. Covering, so the sums read the index alone.
-- 0012 dropped the status indexes that settlement had to keep up to date;
-- this one changes with a payment's status too, and is the price of Home.
-- Payment History reads payments by the day entered through it as well.
-- Payment History's count and summary read refunded_cents from it as well.
CREATE INDEX payments_by_created ON payments (created_at, status, method_kind, amount_cents, refunded_cents);

-- Returns read in the last 30 days: ach_returns_by_time (0018).

-- Unpaid, active bills by due date (bills coming due), with their amount:
-- covering, so the sums read the index alone. Not partial: SQLite does not
-- count a partial index's WHERE columns as covered and would read every
-- bill in the window from the table.
CREATE INDEX bills_due ON bills (status, due_date, amount_due_cents, active);
