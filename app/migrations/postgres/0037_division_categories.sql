-- Categories of one division (issue 16, help center D2; docs/categories.md,
-- docs/divisions.md): a Manage Category line with a division is offered
-- only to that division's payers; NULL, to every division's, as before.
-- Charge codes stay unique among Manage Category's lines, whatever their
-- division (categories_all_payers, 0033): a charge code is the biller's
-- books' code, one meaning everywhere.
-- Keep in step with ../sqlite/0037_division_categories.sql.
ALTER TABLE categories ADD COLUMN division_id BIGINT;
