//! File Transfers over plain HTTP: the upload form posts the file here
//! (multipart, so it works without JavaScript), and an upload's refused rows
//! download as CSV. Commit and Abandon are server functions (`api::uploads`).

use super::AppState;
use super::session::RequestSession;
use crate::domain::entitlements::Entitlement;
use crate::error::AppError;
use crate::services::accounts_import::FileKind;
use crate::services::progress;
use crate::services::uploads::{self, Incoming};
use axum::Extension;
use axum::extract::{Multipart, Path, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};

/// Back to File Transfers with a message for the file field.
pub fn back_to_form(message: &str) -> Response {
    let encoded = crate::routes::encode_component(message);
    Redirect::to(&format!("{}?error={encoded}", crate::routes::UPLOADS)).into_response()
}

fn refused(session: &RequestSession) -> Option<Response> {
    match &session.user {
        None => Some(StatusCode::UNAUTHORIZED.into_response()),
        Some(u) if u.must_change_password || !u.can(Entitlement::Uploads) => Some(
            (
                StatusCode::FORBIDDEN,
                "You don't have permission to do that.",
            )
                .into_response(),
        ),
        Some(_) => None,
    }
}

/// `POST /uploads`: `kind` (`accounts` or `bills`) and `file`. Previews it and shows
/// the upload's page.
pub async fn receive(
    State(state): State<AppState>,
    Extension(session): Extension<RequestSession>,
    mut form: Multipart,
) -> Response {
    if let Some(r) = refused(&session) {
        return r;
    }
    let Some(user) = session.user.clone() else {
        return StatusCode::UNAUTHORIZED.into_response();
    };
    let mut kind = Some(FileKind::Accounts);
    // The page's name for this upload's progress, sent before the file.
    let mut tracked = None;
    let mut received: Option<(String, Incoming)> = None;
    loop {
        let mut field = match form.next_field().await {
            Ok(Some(f)) => f,
            Ok(None) => break,
            Err(e) if e.status() == StatusCode::PAYLOAD_TOO_LARGE => {
                return back_to_form(&uploads::too_large_message(state.config.upload_max_bytes));
            }
            Err(e) => {
                return (
                    StatusCode::BAD_REQUEST,
                    format!("The upload could not be read: {e}"),
                )
                    .into_response();
            }
        };
        match field.name() {
            Some("kind") => {
                kind = field
                    .text()
                    .await
                    .ok()
                    .as_deref()
                    .and_then(FileKind::from_code)
            }
            Some("progress") => {
                let token = field.text().await.unwrap_or_default();
                tracked =
                    progress::valid_token(&token).then(|| state.progress.track(user.id, &token));
            }
            Some("file") => {
                let name = field.file_name().unwrap_or_default().to_string();
                let mut incoming = match Incoming::start(&state.config).await {
                    Ok(i) => i,
                    Err(e) => {
                        return (StatusCode::INTERNAL_SERVER_ERROR, e.to_string()).into_response();
                    }
                };
                loop {
                    match field.chunk().await {
                        Ok(Some(chunk)) => {
                            if let Err(e) = incoming.write(&chunk).await {
                                return error_response(e);
                            }
                        }
                        Ok(None) => break,
                        Err(e) => {
                            incoming.discard().await;
                            return if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
                                back_to_form(&uploads::too_large_message(
                                    state.config.upload_max_bytes,
                                ))
                            } else {
                                (
                                    StatusCode::BAD_REQUEST,
                                    format!("The upload could not be read: {e}"),
                                )
                                    .into_response()
                            };
                        }
                    }
                }
                received = Some((name, incoming));
            }
            _ => {}
        }
    }
    let Some((name, incoming)) = received.filter(|(name, _)| !name.is_empty()) else {
        return back_to_form("Choose a file to upload.");
    };
    let Some(kind) = kind else {
        incoming.discard().await;
        return back_to_form("Choose the file type.");
    };
    let ip = session.ip.clone();
    let done = state
        .finish_detached(|state| async move {
            let progress = tracked.as_ref().map(|t| t.progress.clone());
            uploads::receive(
                &state.db,
                &state.config,
                &user,
                kind,
                &name,
                incoming,
                ip.as_deref(),
                progress,
            )
            .await
        })
        .await;
    match done {
        Ok(id) => Redirect::to(&crate::routes::upload(id)).into_response(),
        Err(e) => error_response(e),
    }
}

fn error_response(e: AppError) -> Response {
    match &e {
        AppError::Invalid(f) => {
            back_to_form(f.message_for("file").unwrap_or("The upload was refused."))
        }
        _ => (
            StatusCode::from_u16(e.status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR),
            e.to_string(),
        )
            .into_response(),
    }
}

/// `GET /uploads/{id}/errors.csv`: the refused rows.
pub async fn errors_csv(
    State(state): State<AppState>,
    Extension(session): Extension<RequestSession>,
    Path(id): Path<String>,
) -> Response {
    if let Some(r) = refused(&session) {
        return r;
    }
    let Ok(id) = id.parse::<i64>() else {
        return (StatusCode::NOT_FOUND, "There is no such upload.").into_response();
    };
    match uploads::errors_csv(&state.db, id).await {
        Ok(csv) => (
            [
                (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_string()),
                (
                    header::CONTENT_DISPOSITION,
                    format!("attachment; filename=\"upload-{id}-errors.csv\""),
                ),
                (header::CACHE_CONTROL, "no-store".to_string()),
            ],
            csv,
        )
            .into_response(),
        Err(e) => (
            StatusCode::from_u16(e.status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR),
            e.to_string(),
        )
            .into_response(),
    }
}
