//! The Audit Report, as a server function (the CSV export is a plain GET,
//! `web::downloads::audit_csv`).

use crate::domain::audit_view::{AuditPage, AuditQuery};
use crate::error::AppError;
use leptos::prelude::*;

/// One page of the Audit Report (administrators).
#[server(endpoint = "load_audit")]
pub async fn load_audit(q: AuditQuery) -> Result<AuditPage, AppError> {
    let (state, staff, _) =
        super::context::require(crate::domain::entitlements::Entitlement::AuditReport)?;
    crate::services::audit_report::search(&state.db, &state.config, &staff, &q).await
}
