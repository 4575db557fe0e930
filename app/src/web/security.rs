//! Refuses cross-site writes and adds the security headers to every answer.

use axum::extract::Request;
use axum::http::{HeaderValue, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

/// A state-changing request must come from this site: browsers say where a
/// request comes from in `Sec-Fetch-Site` and `Origin`, and a page on another
/// site cannot forge either. (Clients that send neither, such as scripts and
/// the CLI's tests, have no ambient cookies to abuse.)
pub async fn refuse_cross_site(req: Request, next: Next) -> Response {
    if matches!(*req.method(), Method::GET | Method::HEAD | Method::OPTIONS) {
        return next.run(req).await;
    }
    let headers = req.headers();
    let fetch_site = headers.get("sec-fetch-site").and_then(|v| v.to_str().ok());
    if fetch_site.is_some_and(|s| s != "same-origin" && s != "none") {
        return refused();
    }
    if let Some(origin) = headers.get(header::ORIGIN).and_then(|v| v.to_str().ok()) {
        let host = headers
            .get(header::HOST)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("");
        let origin_host = origin.split_once("://").map_or("", |(_, h)| h);
        if origin == "null" || !origin_host.eq_ignore_ascii_case(host) {
            return refused();
        }
    }
    next.run(req).await
}

fn refused() -> Response {
    (StatusCode::FORBIDDEN, "Cross-site request refused.").into_response()
}

/// Everything but scripts; shared by the page policy and the default one.
const CSP_REST: &str = "style-src 'self' 'unsafe-inline'; img-src 'self' data:; connect-src 'self'; \
    frame-ancestors 'none'; form-action 'self'; base-uri 'self'; object-src 'none'";

/// Answers that are not rendered pages carry no inline script at all.
fn default_csp() -> String {
    format!("default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; {CSP_REST}")
}

/// Called while a page renders: its inline scripts (hydration, resolved
/// resources) carry this response's nonce, and only scripts from this site
/// or with that nonce may run. No 'unsafe-inline'.
pub fn page_csp() {
    let (Some(nonce), Some(res)) = (
        leptos::nonce::use_nonce(),
        leptos::prelude::use_context::<leptos_axum::ResponseOptions>(),
    ) else {
        return;
    };
    let policy = format!(
        "default-src 'self'; script-src 'self' 'nonce-{}' 'wasm-unsafe-eval'; {CSP_REST}",
        nonce.as_inner()
    );
    if let Ok(v) = HeaderValue::from_str(&policy) {
        res.insert_header(header::CONTENT_SECURITY_POLICY, v);
    }
}

pub async fn headers(req: Request, next: Next) -> Response {
    let mut res = next.run(req).await;
    let h = res.headers_mut();
    if !h.contains_key(header::CONTENT_SECURITY_POLICY)
        && let Ok(v) = HeaderValue::from_str(&default_csp())
    {
        h.insert(header::CONTENT_SECURITY_POLICY, v);
    }
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    h.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    // same-origin, not no-referrer: forms posted without JavaScript are sent
    // back to their page by its Referer.
    h.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("same-origin"),
    );
    if !h.contains_key(header::CACHE_CONTROL) {
        h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
    res
}
