//! The reports under `/reports/…`, as a server function (exports are plain
//! GETs, `web::downloads::report_export`).

use crate::domain::report::{ReportPage, ReportQuery};
use crate::error::AppError;
use leptos::prelude::*;

/// One page of a report, with its summaries.
#[server(endpoint = "load_report")]
pub async fn load_report(q: ReportQuery) -> Result<ReportPage, AppError> {
    let (state, user, _) =
        super::context::require(crate::domain::entitlements::Entitlement::Reports)?;
    crate::services::reports::page(&state.db, &state.config, &user.shown(), &q).await
}
