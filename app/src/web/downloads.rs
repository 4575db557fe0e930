//! File downloads that are not pages: a stored NACHA
//! file, and the Audit Report as CSV.

use super::AppState;
use super::session::RequestSession;
use crate::domain::entitlements::Entitlement;
use crate::error::AppError;
use axum::Extension;
use axum::extract::{Path, Query, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};

/// `GET /settlements/files/{id}`: a stored NACHA file, decrypted for an
/// entitled user and audited (`services::settlement::download_ach_file`).
pub async fn ach_file(
    State(state): State<AppState>,
    Extension(session): Extension<RequestSession>,
    Path(id): Path<String>,
) -> Response {
    let Some(user) = session.user else {
        return StatusCode::UNAUTHORIZED.into_response();
    };
    let Ok(id) = id.parse::<i64>() else {
        return (StatusCode::NOT_FOUND, "No such ACH file.").into_response();
    };
    match crate::services::settlement::download_ach_file(
        &state.db,
        &state.keys,
        &user,
        id,
        session.ip.as_deref(),
    )
    .await
    {
        Ok(file) => (
            [
                (
                    header::CONTENT_TYPE,
                    "text/plain; charset=us-ascii".to_string(),
                ),
                (
                    header::CONTENT_DISPOSITION,
                    format!("attachment; filename=\"{}\"", file.file_name),
                ),
                (header::CACHE_CONTROL, "no-store".to_string()),
            ],
            file.text,
        )
            .into_response(),
        Err(AppError::Forbidden) => (
            StatusCode::FORBIDDEN,
            "You don't have permission to download ACH files.",
        )
            .into_response(),
        Err(e) => (
            StatusCode::from_u16(e.status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR),
            e.to_string(),
        )
            .into_response(),
    }
}

/// `GET /reports/audit.csv?…`: every row matching the report's filters.
pub async fn audit_csv(
    State(state): State<AppState>,
    Extension(session): Extension<RequestSession>,
    Query(q): Query<crate::domain::audit_view::AuditQuery>,
) -> Response {
    let user = match session.user {
        None => return StatusCode::UNAUTHORIZED.into_response(),
        Some(u) if !u.can(Entitlement::AuditReport) => {
            return (
                StatusCode::FORBIDDEN,
                "You don't have permission to export the audit report.",
            )
                .into_response();
        }
        Some(u) => u,
    };
    match crate::services::audit_report::export_csv(
        &state.db,
        &state.config,
        &q,
        &user,
        session.ip.as_deref(),
    )
    .await
    {
        Ok(csv) => (
            [
                (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_string()),
                (
                    header::CONTENT_DISPOSITION,
                    "attachment; filename=\"audit-report.csv\"".to_string(),
                ),
                (header::CACHE_CONTROL, "no-store".to_string()),
            ],
            // Streamed as it is read; a database error part-way ends the
            // response early (the incident is logged), so a cut file
            // cannot pass for a whole one.
            axum::body::Body::from_stream(csv),
        )
            .into_response(),
        Err(e) => (
            StatusCode::from_u16(e.status()).unwrap_or(StatusCode::BAD_REQUEST),
            e.to_string(),
        )
            .into_response(),
    }
}

/// `GET /reports/<report>.<format>?…`: every row of a report matching its
/// query, streamed (`services::reports::export`).
pub async fn report_export(
    State(state): State<AppState>,
    Extension(session): Extension<RequestSession>,
    Query(params): Query<Vec<(String, String)>>,
    kind: crate::domain::report::ReportKind,
    format: crate::domain::report::ExportFormat,
) -> Response {
    let user = match session.user {
        None => return StatusCode::UNAUTHORIZED.into_response(),
        Some(u) if !u.can(Entitlement::Reports) => {
            return (
                StatusCode::FORBIDDEN,
                "You don't have permission to export reports.",
            )
                .into_response();
        }
        Some(u) => u,
    };
    let query = crate::domain::report::ReportQuery {
        kind: kind.code().to_string(),
        params: params.into_iter().collect(),
    };
    match crate::services::reports::export::export(
        &state.db,
        &state.config,
        &user,
        session.ip.as_deref(),
        &query,
        format,
    )
    .await
    {
        Ok(file) => (
            [
                (header::CONTENT_TYPE, file.content_type.to_string()),
                (
                    header::CONTENT_DISPOSITION,
                    format!("attachment; filename=\"{}\"", file.file_name),
                ),
                (header::CACHE_CONTROL, "no-store".to_string()),
            ],
            axum::body::Body::from_stream(file.body),
        )
            .into_response(),
        Err(e) => (
            StatusCode::from_u16(e.status()).unwrap_or(StatusCode::BAD_REQUEST),
            error_text(&e),
        )
            .into_response(),
    }
}

/// An error as plain text: each field's message for a refused query.
fn error_text(e: &AppError) -> String {
    match e {
        AppError::Invalid(f) => f
            .errors
            .iter()
            .map(|x| format!("{}: {}", x.field, x.message))
            .collect::<Vec<_>>()
            .join("\n"),
        other => other.to_string(),
    }
}
