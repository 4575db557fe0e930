-- The biller's Profile (issue 16, docs/biller-profile.md): one row, made by
-- the first Save Changes; until then the configuration's biller name is the
-- first-run default (services::biller_profile::first_run). Administrators
-- get the new Biller profile entitlement, as the role defaults say
-- (domain::entitlements::Entitlement::default_for; a test keeps both in
-- step). Keep in step with ../sqlite/0026_biller_profile.sql.
CREATE TABLE biller_profile (
    id              BIGINT PRIMARY KEY CHECK (id = 1),
    biller_key      TEXT   NOT NULL,
    biller_name     TEXT   NOT NULL,
    payer_login_url TEXT   NOT NULL,
    biller_dnis     TEXT   NOT NULL,
    contact_info    TEXT   NOT NULL,
    support_email   TEXT   NOT NULL,
    support_phone   TEXT   NOT NULL,
    address         TEXT   NOT NULL,
    updated_at      BIGINT NOT NULL
);
INSERT INTO role_entitlements (role, entitlement) VALUES ('admin', 'profile')
ON CONFLICT DO NOTHING;
