//! Server functions report every error as HTTP 500. This gives each error its
//! real status (400 for a malformed request, 401, 403, 409, 422, …), so
//! clients, logs and monitoring can tell our faults from theirs.

use crate::error::AppError;
use axum::body::{Body, to_bytes};
use axum::extract::Request;
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::Response;
use leptos::server_fn::error::FromServerFnError;

/// Errors echo at most a few kept fields (`FieldErrors::keep` cuts each),
/// far below this; past it the body is dropped rather than held in memory.
const MAX_ERROR_BODY: usize = 1024 * 1024;

pub async fn map(req: Request, next: Next) -> Response {
    let res = next.run(req).await;
    // server_fn marks its error responses with this header.
    let is_server_fn_error = res.headers().contains_key("serverfnerror");
    let is_json = res
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|c| c.starts_with("application/json"));
    if res.status() != StatusCode::INTERNAL_SERVER_ERROR || !is_server_fn_error || !is_json {
        return res;
    }
    let (mut parts, body) = res.into_parts();
    let bytes = match to_bytes(body, MAX_ERROR_BODY).await {
        Ok(b) => b,
        Err(_) => return Response::from_parts(parts, Body::empty()),
    };
    let err = AppError::de(bytes.clone());
    if let AppError::Internal(detail) = &err {
        tracing::error!(detail = %detail, "server function failed");
    }
    parts.status = StatusCode::from_u16(err.status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    // Busy and throttled answers say when to come back, so clients (and
    // proxies) retry later instead of at once.
    let retry_after = match err {
        AppError::Busy => Some(crate::services::passwords::HashGate::RETRY_AFTER_SECS),
        AppError::RateLimited => Some(60),
        _ => None,
    };
    if let Some(secs) = retry_after {
        parts
            .headers
            .insert(header::RETRY_AFTER, HeaderValue::from(secs));
    }
    Response::from_parts(parts, Body::from(bytes))
}
