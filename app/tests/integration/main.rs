//! Every integration test of the app crate, in one test binary: one link
//! instead of five, and a fraction of the disk (see docs/testing.md).
#![allow(dead_code)]

#[macro_use]
mod support;

mod accounts_api;
mod assets_api;
mod auth_hardening;
mod biller_profile_api;
mod business_rules_api;
mod categories_api;
mod category_file_api;
mod category_payments_api;
mod divisions_api;
mod fees_api;
mod files_at_rest;
mod home_api;
mod http_api;
mod lifecycle_api;
mod lifecycle_props;
mod metrics_api;
mod password_reset_api;
mod payer_accounts_api;
mod payer_profile_api;
mod payment_links_api;
mod payments_api;
mod pg_tls;
mod plans_api;
mod reconciliation_props;
mod reports_api;
mod repository;
mod schema;
mod staff_admin_api;
mod uploads_api;
