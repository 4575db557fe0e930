//! Body size limits and time limits per request. Forms and server-function
//! calls are small and quick; a File Transfers upload (and its commit) may
//! be 100 MB and a million rows, so it gets its own, larger limits.

use super::AppState;
use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use std::time::Duration;

/// Forms and server-function calls.
pub const BODY_LIMIT: u64 = 1024 * 1024;
pub const REQUEST_TIMEOUT: Duration = Duration::from_secs(30);
/// An upload's preview and a commit read the whole file.
pub const FILE_TIMEOUT: Duration = Duration::from_secs(15 * 60);

/// The upload form's target.
pub const UPLOAD_PATH: &str = "/uploads";

/// The upload itself, and Commit (named by its server function, so a
/// renamed endpoint keeps its long timeout).
fn is_file_work(req: &Request) -> bool {
    use leptos::server_fn::ServerFn;
    let path = req.uri().path();
    req.method() == Method::POST
        && (path == UPLOAD_PATH || path == <crate::api::uploads::CommitUpload as ServerFn>::PATH)
}

pub async fn limit(State(state): State<AppState>, req: Request, next: Next) -> Response {
    let file_work = is_file_work(&req);
    let body_limit = if file_work && req.uri().path() == UPLOAD_PATH {
        // The multipart framing around the file.
        state.config.upload_max_bytes + 64 * 1024
    } else {
        BODY_LIMIT
    };
    let declared = req
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    if declared.is_some_and(|n| n > body_limit) {
        return too_large(&req, state.config.upload_max_bytes);
    }
    let uploading = req.uri().path() == UPLOAD_PATH;
    if has_nul(req.uri().path()) || req.uri().query().is_some_and(has_nul) {
        return nul_refused();
    }
    let timeout = if file_work {
        FILE_TIMEOUT
    } else {
        REQUEST_TIMEOUT
    };
    let run = async move {
        if uploading {
            // The file streams; the CSV reader refuses NUL in its rows.
            return next
                .run(req.map(|b| Body::new(http_body_util::Limited::new(b, body_limit as usize))))
                .await;
        }
        // Everything else is a small form: read it whole (within the limit),
        // and refuse a NUL anywhere in it before it can reach a handler.
        let (parts, body) = req.into_parts();
        let bytes = match http_body_util::BodyExt::collect(http_body_util::Limited::new(
            body,
            body_limit as usize,
        ))
        .await
        {
            Ok(c) => c.to_bytes(),
            Err(e) if e.is::<http_body_util::LengthLimitError>() => {
                return StatusCode::PAYLOAD_TOO_LARGE.into_response();
            }
            Err(_) => {
                return (StatusCode::BAD_REQUEST, "The request could not be read.").into_response();
            }
        };
        if bytes.contains(&0) || bytes.windows(3).any(|w| w == b"%00") {
            return nul_refused();
        }
        next.run(Request::from_parts(parts, Body::from(bytes)))
            .await
    };
    match tokio::time::timeout(timeout, run).await {
        Ok(res) => res,
        Err(_) if uploading => (
            StatusCode::SERVICE_UNAVAILABLE,
            "The upload took too long. Try again, or split the file.",
        )
            .into_response(),
        Err(_) => StatusCode::SERVICE_UNAVAILABLE.into_response(),
    }
}

/// A NUL character, URL-encoded. No field of ours takes one, PostgreSQL
/// refuses it in text (a 500 if it got that far), and in a log it hides
/// what follows.
fn has_nul(s: &str) -> bool {
    s.contains("%00")
}

fn nul_refused() -> Response {
    (
        StatusCode::BAD_REQUEST,
        "Text may not contain NUL characters.",
    )
        .into_response()
}

/// Past the limit: the upload form shows why next to its file field; other
/// requests get a bare 413.
fn too_large(req: &Request, max: u64) -> Response {
    if req.uri().path() == UPLOAD_PATH {
        return super::uploads::back_to_form(&crate::services::uploads::too_large_message(max));
    }
    StatusCode::PAYLOAD_TOO_LARGE.into_response()
}
