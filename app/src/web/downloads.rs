//! File downloads that are not pages: a stored NACHA file, for administrators.

use super::session::RequestSession;
use super::AppState;
use crate::domain::staff::Role;
use axum::extract::{Path, State};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Extension;

pub async fn ach_file(State(state): State<AppState>, Extension(session): Extension<RequestSession>, Path(id): Path<String>) -> Response {
    match session.user {
        None => return StatusCode::UNAUTHORIZED.into_response(),
        Some(u) if u.role != Role::Admin => return (StatusCode::FORBIDDEN, "Only administrators can download ACH files.").into_response(),
        Some(_) => {}
    }
    let Ok(id) = id.parse::<i64>() else {
        return (StatusCode::NOT_FOUND, "No such ACH file.").into_response();
    };
    match state.db.ach_file(id).await {
        Ok(Some((name, content))) => (
            [
                (header::CONTENT_TYPE, "text/plain; charset=us-ascii".to_string()),
                (header::CONTENT_DISPOSITION, format!("attachment; filename=\"{name}\"")),
                (header::CACHE_CONTROL, "no-store".to_string()),
            ],
            content,
        )
            .into_response(),
        Ok(None) => (StatusCode::NOT_FOUND, "No such ACH file.").into_response(),
        Err(e) => {
            let err = crate::error::AppError::from(e);
            (StatusCode::INTERNAL_SERVER_ERROR, err.to_string()).into_response()
        }
    }
}
