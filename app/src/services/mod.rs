//! Business operations. Server functions and the CLI call these; they own the
//! rules, and the repository (`crate::db`) owns the SQL.

pub mod accounts;
pub mod accounts_import;
pub mod actor;
pub mod audit_report;
pub mod auth;
pub mod backup;
pub mod biller_profile;
pub mod bills;
pub mod categories;
pub mod clock;
pub mod csv_out;
pub mod demo;
pub mod divisions;
pub mod fees;
pub mod home;
pub mod key_rotation;
pub mod keyring;
pub mod lifecycle;
pub mod notices;
pub mod password_reset;
pub mod passwords;
pub mod payer_accounts;
pub mod payer_payments;
pub mod payer_profile;
pub mod payer_reset;
pub mod payer_support;
pub mod payment_links;
pub mod payments;
pub mod plans;
pub mod private_files;
pub mod processor;
pub mod progress;
pub mod reconciliation;
pub mod reports;
pub mod request_id;
pub mod scheduled;
pub mod scheduler;
pub mod settlement;
pub mod telemetry;
pub mod texts;
pub mod uploads;
pub mod user_admin;

use crate::db::DbError;
use crate::error::AppError;

/// A database failure becomes an incident: the details go to the log under a
/// short id, and the person sees only that id.
impl From<crate::domain::UnknownCode> for AppError {
    fn from(e: crate::domain::UnknownCode) -> Self {
        DbError::from(e).into()
    }
}

impl From<DbError> for AppError {
    fn from(e: DbError) -> Self {
        // Text PostgreSQL cannot store (a NUL): the request's fault. The web
        // layer refuses NUL first; this covers any other way in.
        if e.sql_state().as_deref() == Some("22021") {
            return AppError::BadRequest("Text may not contain NUL characters.".into());
        }
        let incident = incident_id();
        tracing::error!(incident = %incident, error = %e, "database error");
        AppError::Internal(incident)
    }
}

/// The current request's id when there is one (see [`request_id`]).
pub use request_id::incident_id;
