-- The ACH originator settings on the biller's Profile (issue 16,
-- docs/biller-profile.md). NULL until a Save Changes writes them: until
-- then the PAYDESK_ACH_* configuration is the first-run default
-- (services::biller_profile::current), so an installation that upgrades
-- keeps sending the files it sent. Keep in step with
-- ../postgres/0027_biller_ach.sql.
ALTER TABLE biller_profile ADD COLUMN ach_company_name TEXT;
ALTER TABLE biller_profile ADD COLUMN ach_company_id TEXT;
ALTER TABLE biller_profile ADD COLUMN ach_odfi_routing TEXT;
ALTER TABLE biller_profile ADD COLUMN ach_destination TEXT;
ALTER TABLE biller_profile ADD COLUMN ach_destination_name TEXT;
ALTER TABLE biller_profile ADD COLUMN ach_origin TEXT;
ALTER TABLE biller_profile ADD COLUMN ach_origin_name TEXT;
