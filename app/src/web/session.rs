//! Resolves the session cookie once per request and guards the pages.

use super::AppState;
use crate::config::SecureCookies;
use crate::domain::staff::StaffUser;
use crate::services::auth::{self, SessionCheck};
use axum::extract::{ConnectInfo, Request, State};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Redirect, Response};
use std::net::SocketAddr;

pub const COOKIE: &str = "paydesk_session";

/// Who is asking, as resolved for this request. Stored in the request's
/// extensions; server functions read it through `crate::api::context`.
#[derive(Debug, Clone, Default)]
pub struct RequestSession {
    pub user: Option<StaffUser>,
    pub token: Option<String>,
    pub expired: bool,
    pub ip: Option<String>,
    pub https: bool,
}

fn cookie_token(headers: &HeaderMap) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(name, _)| *name == COOKIE)
        .map(|(_, value)| value.to_string())
        .filter(|v| !v.is_empty() && v.len() <= 128)
}

/// The `Set-Cookie` value for a new session, or (with `None`) one that
/// deletes it.
pub fn cookie(token: Option<&str>, secure: bool) -> String {
    let secure = if secure { "; Secure" } else { "" };
    match token {
        Some(t) => format!("{COOKIE}={t}; Path=/; HttpOnly; SameSite=Strict{secure}"),
        None => format!("{COOKIE}=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0{secure}"),
    }
}

pub fn wants_secure(mode: SecureCookies, headers: &HeaderMap) -> bool {
    match mode {
        SecureCookies::Always => true,
        SecureCookies::Never => false,
        SecureCookies::Auto => headers
            .get("x-forwarded-proto")
            .and_then(|v| v.to_str().ok())
            .is_some_and(|p| p.eq_ignore_ascii_case("https")),
    }
}

pub async fn resolve(State(state): State<AppState>, mut req: Request, next: Next) -> Response {
    // Assets and probes need no session: no database work for them, and a
    // stray asset request can never be the one that ends an idle session.
    if is_asset(req.uri().path()) {
        req.extensions_mut().insert(RequestSession::default());
        return next.run(req).await;
    }
    let token = cookie_token(req.headers());
    let ip = client_ip(&req, state.config.trust_proxy);
    let https = wants_secure(state.config.secure_cookies, req.headers());
    let check = match &token {
        Some(t) => match auth::check_session(
            &state.db,
            t,
            state.config.session_idle_ms(),
            state.config.password_max_age_ms(),
            ip.as_deref(),
        )
        .await
        {
            Ok(c) => c,
            Err(e) => {
                tracing::error!(error = %e, "session lookup failed");
                return (
                    StatusCode::SERVICE_UNAVAILABLE,
                    "The database is unavailable. Please try again shortly.",
                )
                    .into_response();
            }
        },
        None => SessionCheck::Missing,
    };
    let stale_cookie = token.is_some() && !matches!(check, SessionCheck::Valid(_));
    let session = RequestSession {
        expired: check == SessionCheck::Expired,
        user: match check {
            SessionCheck::Valid(u) => Some(u),
            _ => None,
        },
        token,
        ip,
        https,
    };
    req.extensions_mut().insert(session);
    let mut res = next.run(req).await;
    // Drop a dead cookie, unless this very response set a fresh one.
    if stale_cookie && !res.headers().contains_key(header::SET_COOKIE) {
        if let Ok(v) = HeaderValue::from_str(&cookie(None, https)) {
            res.headers_mut().append(header::SET_COOKIE, v);
        }
    }
    res
}

/// The client's address: the connection's peer, or behind a trusted proxy
/// the last `X-Forwarded-For` entry (earlier ones are the client's to forge).
pub fn client_ip(req: &Request, trust_proxy: bool) -> Option<String> {
    let forwarded = || {
        let last = req
            .headers()
            .get_all("x-forwarded-for")
            .iter()
            .filter_map(|v| v.to_str().ok())
            .last()?;
        let ip = last.rsplit(',').next()?.trim();
        ip.parse::<std::net::IpAddr>().ok().map(|ip| ip.to_string())
    };
    if trust_proxy {
        if let Some(ip) = forwarded() {
            return Some(ip);
        }
    }
    req.extensions()
        .get::<ConnectInfo<SocketAddr>>()
        .map(|c| c.0.ip().to_string())
}

/// The client bundle, static assets and the probes.
fn is_asset(path: &str) -> bool {
    path.starts_with("/pkg/")
        || path.starts_with("/assets/")
        || matches!(
            path,
            "/favicon.ico" | "/favicon.svg" | "/healthz" | "/readyz"
        )
}

/// Paths anyone may load: the sign-in page, assets and probes, and server
/// functions (which check the session themselves).
fn is_public(path: &str) -> bool {
    crate::routes::public_page(path) || path.starts_with("/api/") || is_asset(path)
}

/// Every page but sign-in needs a signed-in staff user; this answers before
/// any page renders, so it holds with or without JavaScript.
pub async fn require_sign_in(req: Request, next: Next) -> Response {
    let path = req.uri().path();
    if !matches!(*req.method(), Method::GET | Method::HEAD) || is_public(path) {
        return next.run(req).await;
    }
    let session = req
        .extensions()
        .get::<RequestSession>()
        .cloned()
        .unwrap_or_default();
    if let Some(user) = &session.user {
        // A temporary or expired password: Change Password first.
        if user.must_change_password && path != crate::routes::CHANGE_PASSWORD {
            return Redirect::to(&format!("{}?required=1", crate::routes::CHANGE_PASSWORD))
                .into_response();
        }
        // A page the user may not use: it renders (its data calls are
        // refused, so it says "You don't have permission"), answered 403.
        let refused = crate::routes::page_entitlement(path).is_some_and(|e| !user.can(e));
        let mut res = next.run(req).await;
        if refused {
            *res.status_mut() = StatusCode::FORBIDDEN;
        }
        return res;
    }
    let target = req.uri().path_and_query().map_or("/", |p| p.as_str());
    let mut to = format!("/sign-in?next={}", urlencode(target));
    if session.expired {
        to.push_str("&expired=1");
    }
    Redirect::to(&to).into_response()
}

fn urlencode(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'/' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// A `next` target is followed only within this site.
pub fn safe_next(next: Option<&str>) -> &str {
    match next {
        Some(n)
            if n.starts_with('/')
                && !n.starts_with("//")
                && !n.contains('\\')
                && !n.starts_with("/sign-in") =>
        {
            n
        }
        _ => "/payer-support",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_only_our_cookie() {
        let mut h = HeaderMap::new();
        h.insert(
            header::COOKIE,
            HeaderValue::from_static("a=1; paydesk_session=tok123; b=2"),
        );
        assert_eq!(cookie_token(&h).as_deref(), Some("tok123"));
        h.insert(header::COOKIE, HeaderValue::from_static("paydesk_session="));
        assert_eq!(cookie_token(&h), None);
    }

    #[test]
    fn cookies_are_strict_and_http_only() {
        let c = cookie(Some("t"), true);
        assert!(c.contains("HttpOnly") && c.contains("SameSite=Strict") && c.ends_with("; Secure"));
        assert!(cookie(None, false).contains("Max-Age=0"));
    }

    #[test]
    fn next_never_leaves_the_site() {
        assert_eq!(
            safe_next(Some("/payer-support?by=account&q=1")),
            "/payer-support?by=account&q=1"
        );
        assert_eq!(safe_next(Some("//evil.example")), "/payer-support");
        assert_eq!(safe_next(Some("https://evil.example")), "/payer-support");
        assert_eq!(safe_next(Some("/\\evil")), "/payer-support");
        assert_eq!(safe_next(None), "/payer-support");
    }
}
