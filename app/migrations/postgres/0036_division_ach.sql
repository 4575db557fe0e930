-- One ACH batch per division (issue 16; docs/divisions.md): a division may
-- have its own ACH company, the Company Name and Company Identification
-- of its batches in the NACHA file. NULL (both): the Profile's company.
-- Each batch of a file records the division it is for; batches written
-- before divisions were all Main's (1).
-- Keep in step with ../sqlite/0036_division_ach.sql.
ALTER TABLE divisions ADD COLUMN ach_company_name TEXT;
ALTER TABLE divisions ADD COLUMN ach_company_id TEXT;
ALTER TABLE ach_batches ADD COLUMN division_id BIGINT NOT NULL DEFAULT 1;
