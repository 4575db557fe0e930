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

/// A page's script nonce, made for each request before anything renders:
/// the page's inline scripts (hydration, resolved resources) carry it
/// (`shell` hands it to Leptos) and `headers` names it in the page's
/// CSP, so only scripts from this site or with that nonce run; no
/// 'unsafe-inline'. The policy used to be set from inside the render,
/// through the response options, and a page was now and then served with
/// the default policy instead: its scripts blocked, it never hydrated.
#[derive(Clone)]
pub struct PageNonce(pub std::sync::Arc<str>);

/// Hands the request's nonce to Leptos, for the page's inline scripts.
/// Called by `shell`, so that every rendered page (a 404's too) has it.
pub fn provide_page_nonce() {
    use leptos::prelude::{provide_context, use_context};
    if let Some(n) = use_context::<axum::http::request::Parts>()
        .and_then(|p| p.extensions.get::<PageNonce>().cloned())
    {
        provide_context(leptos::nonce::Nonce::from_value(n.0));
    }
}

fn page_csp(nonce: &str) -> String {
    format!("default-src 'self'; script-src 'self' 'nonce-{nonce}' 'wasm-unsafe-eval'; {CSP_REST}")
}

pub async fn headers(mut req: Request, next: Next) -> Response {
    let nonce = leptos::nonce::Nonce::new().as_inner().clone();
    req.extensions_mut().insert(PageNonce(nonce.clone()));
    let mut res = next.run(req).await;
    let h = res.headers_mut();
    // A rendered page (HTML) gets its nonce; any other answer carries no
    // inline script at all.
    let page = h
        .get(header::CONTENT_TYPE)
        .is_some_and(|v| v.as_bytes().starts_with(b"text/html"));
    let policy = if page {
        page_csp(&nonce)
    } else {
        default_csp()
    };
    if let Ok(v) = HeaderValue::from_str(&policy) {
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
