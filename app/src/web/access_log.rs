//! One INFO line per request (target `paydesk::access`), its id in
//! `X-Request-Id`, and the request metrics when they are on.
//!
//! The line names the matched route template (`/accounts/{number}`), or the
//! path when no route matched, and never the query string: addresses can
//! carry account numbers and names. The request id is made here, at random;
//! one sent by the client is ignored (see `services::request_id`). It is the
//! incident id of any internal error the request meets, so the error page's
//! id finds both lines.
//!
//! Per request this costs a random number, two clocks, the header value and
//! the log line; with metrics on, also the labels' strings.

use super::prometheus;
use crate::services::request_id::RequestId;
use crate::services::telemetry;
use axum::extract::{MatchedPath, Request};
use axum::http::{HeaderName, HeaderValue, Method};
use axum::middleware::Next;
use axum::response::Response;
use std::time::Instant;

pub const REQUEST_ID_HEADER: HeaderName = HeaderName::from_static("x-request-id");

/// The route's label when no route matched (the fallback: files, 404s), so
/// unknown addresses cannot grow the number of series.
const OTHER_ROUTE: &str = "other";

pub async fn log(req: Request, next: Next) -> Response {
    let started = Instant::now();
    let id = RequestId::random();
    let method = req.method().clone();
    let route = req.extensions().get::<MatchedPath>().cloned();
    // Cheap: a Uri shares its bytes. Only its path is ever logged.
    let uri = req.uri().clone();
    let mut res = id.scope(next.run(req)).await;
    let took = started.elapsed();
    if let Ok(v) = HeaderValue::from_bytes(&id.hex()) {
        res.headers_mut().insert(REQUEST_ID_HEADER, v);
    }
    let status = res.status();
    let shown = route.as_ref().map_or(uri.path(), MatchedPath::as_str);
    tracing::info!(
        target: "paydesk::access",
        method = %method,
        route = %shown,
        status = status.as_u16(),
        ms = took.as_micros() as f64 / 1000.0,
        request_id = %id,
        "request"
    );
    if prometheus::enabled() {
        let route = route
            .as_ref()
            .map_or_else(|| OTHER_ROUTE.to_string(), |r| r.as_str().to_string());
        let method = method_label(&method);
        metrics::counter!(
            telemetry::HTTP_REQUESTS,
            "method" => method,
            "route" => route.clone(),
            "status" => status.as_str().to_string(),
        )
        .increment(1);
        metrics::histogram!(telemetry::HTTP_DURATION, "method" => method, "route" => route)
            .record(took.as_secs_f64());
    }
    res
}

/// The method as a label: any method outside the standard ones is OTHER, so a
/// client cannot add series by inventing methods.
fn method_label(m: &Method) -> &'static str {
    match m.as_str() {
        "GET" => "GET",
        "HEAD" => "HEAD",
        "POST" => "POST",
        "PUT" => "PUT",
        "DELETE" => "DELETE",
        "PATCH" => "PATCH",
        "OPTIONS" => "OPTIONS",
        _ => "OTHER",
    }
}
