-- The division selector (issue 16; docs/divisions.md): the division a
-- staff user chose to work in narrows their searches, Home and reports
-- until they choose another or sign out. NULL: every division they may
-- use. Kept per session, so a second sign-in elsewhere starts unnarrowed.
-- No REFERENCES, as accounts.division_id (0034): divisions are never
-- deleted, and the server checks the user may use it when it is chosen
-- and again on every request.
-- Keep in step with ../postgres/0035_session_division.sql.
ALTER TABLE sessions ADD COLUMN division_id BIGINT;

-- What the selector narrows reads a division's accounts (Home's figures,
-- the reports' summaries): by this index, not by a pass over every
-- account.
CREATE INDEX accounts_by_division ON accounts (division_id);
