-- Audit rows belong to the division of what they are about (issue 16;
-- docs/divisions.md#the-audit-report): an account's, its payments', bills',
-- plans' and links' rows to the account's division when written; an
-- upload's, a category's, a fee schedule's or a division's own rows to
-- that division. NULL is the whole biller's (sign-ins, staff, the profile,
-- settlement runs, and every row written before this migration). The
-- Audit Report of one division lists only its rows.
-- Keep in step with ../postgres/0040_division_audit.sql.
ALTER TABLE audit_log ADD COLUMN division_id BIGINT REFERENCES divisions (id);
CREATE INDEX audit_log_by_division ON audit_log (division_id, at);
