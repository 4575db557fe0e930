//! Resolves the session cookie once per request and guards the pages.

use super::AppState;
use crate::config::SecureCookies;
use crate::domain::staff::StaffUser;
use crate::services::auth::{self, SessionCheck, SessionPolicy};
use axum::extract::{ConnectInfo, Request, State};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Redirect, Response};
use percent_encoding::{AsciiSet, percent_decode_str, utf8_percent_encode};
use std::net::SocketAddr;

/// The session cookie over plain http (development, or TLS ended at a
/// proxy that does not say so).
pub const COOKIE: &str = "paydesk_session";
/// The name when the cookie is `Secure`: a browser accepts a `__Host-`
/// cookie only from https, with `Path=/` and no `Domain`, so neither plain
/// http nor a sibling sub-domain can plant or overwrite it.
pub const SECURE_COOKIE: &str = "__Host-paydesk_session";
/// The payer site's session cookie: another name, read only for the payer
/// site's pages and functions, so neither kind of session opens the other side.
pub const PAYER_COOKIE: &str = "paydesk_payer";
pub const SECURE_PAYER_COOKIE: &str = "__Host-paydesk_payer";

/// What browsers are told about https (one year), when the request came
/// over https.
const HSTS: &str = "max-age=31536000";

/// Who is asking, as resolved for this request. Stored in the request's
/// extensions; server functions read it through `crate::api::context`.
#[derive(Debug, Clone, Default)]
pub struct RequestSession {
    pub user: Option<StaffUser>,
    pub token: Option<String>,
    pub expired: bool,
    pub ip: Option<String>,
    pub https: bool,
    /// The signed-in payer, on the payer site only.
    pub payer: Option<crate::services::payer_accounts::PayerSession>,
    pub payer_token: Option<String>,
}

/// The session token: the `__Host-` cookie, or over plain http the plain
/// one. (Over https the plain name is not read: anyone who can set cookies
/// for a parent domain could set it.)
fn cookie_token(headers: &HeaderMap, https: bool) -> Option<String> {
    token_in(headers, https, SECURE_COOKIE, COOKIE)
}

fn token_in(headers: &HeaderMap, https: bool, secure: &str, plain: &str) -> Option<String> {
    cookie_named(headers, secure, 128).or_else(|| {
        if https {
            None
        } else {
            cookie_named(headers, plain, 128)
        }
    })
}

/// The non-empty value of cookie `name`, if it is at most `max_len` long.
pub(super) fn cookie_named(headers: &HeaderMap, name: &str, max_len: usize) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(n, _)| *n == name)
        .map(|(_, value)| value.to_string())
        .filter(|v| !v.is_empty() && v.len() <= max_len)
}

/// The `Set-Cookie` value for a new session, or (with `None`) one that
/// deletes it. A `Secure` cookie is named with the `__Host-` prefix.
pub fn cookie(token: Option<&str>, secure: bool) -> String {
    cookie_as(SECURE_COOKIE, COOKIE, token, secure)
}

/// The payer site's `Set-Cookie`, as [`cookie`] is the staff's.
pub fn payer_cookie(token: Option<&str>, secure: bool) -> String {
    cookie_as(SECURE_PAYER_COOKIE, PAYER_COOKIE, token, secure)
}

fn cookie_as(secure_name: &str, plain: &str, token: Option<&str>, secure: bool) -> String {
    let (name, secure) = if secure {
        (secure_name, "; Secure")
    } else {
        (plain, "")
    };
    match token {
        Some(t) => format!("{name}={t}; Path=/; HttpOnly; SameSite=Strict{secure}"),
        None => format!("{name}=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0{secure}"),
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

/// Server functions that pages call on a timer (a Pending payment's
/// status, an upload's progress). They are not the user doing anything,
/// so they never keep a session from going idle.
fn is_passive(req: &Request) -> bool {
    use crate::api::{accounts::PaymentStatuses, uploads::UploadProgress};
    use leptos::server_fn::ServerFn;
    let path = req.uri().path();
    path == <PaymentStatuses as ServerFn>::PATH || path == <UploadProgress as ServerFn>::PATH
}

pub async fn resolve(State(state): State<AppState>, mut req: Request, next: Next) -> Response {
    let https = wants_secure(state.config.secure_cookies, req.headers());
    // Decided on the path exactly as the router sees it: a `..`, `//` or
    // encoded slash could otherwise make a page look like an asset here
    // (`/pkg/../admin/users`) and skip the sign-in guard.
    if !is_normal_path(req.uri().path()) {
        return with_hsts(
            (StatusCode::BAD_REQUEST, "That address is not valid.").into_response(),
            https,
        );
    }
    // Assets and probes need no session: no database work for them, and a
    // stray asset request can never be the one that ends an idle session.
    if is_asset(req.uri().path()) {
        req.extensions_mut().insert(RequestSession::default());
        return with_hsts(next.run(req).await, https);
    }
    let ip = client_ip(&req, state.config.trust_proxy);
    if crate::routes::payer_side(req.uri().path()) {
        return with_hsts(resolve_payer(&state, req, next, ip, https).await, https);
    }
    let token = cookie_token(req.headers(), https);
    let policy = SessionPolicy {
        idle_ms: state.config.session_idle_ms(),
        lifetime_ms: state.config.session_max_ms(),
        password_max_age_ms: state.config.password_max_age_ms(),
    };
    let check = match &token {
        Some(t) => {
            match auth::check_session(&state.db, t, &policy, !is_passive(&req), ip.as_deref()).await
            {
                Ok(c) => c,
                Err(e) => return lookup_failed("session", &e),
            }
        }
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
        ..RequestSession::default()
    };
    req.extensions_mut().insert(session);
    let res = next.run(req).await;
    with_hsts(drop_stale(res, stale_cookie, &cookie(None, https)), https)
}

/// The payer site's requests: only the payer's cookie is read (a staff
/// session is neither looked at nor kept alive by them).
async fn resolve_payer(
    state: &AppState,
    mut req: Request,
    next: Next,
    ip: Option<String>,
    https: bool,
) -> Response {
    let token = token_in(req.headers(), https, SECURE_PAYER_COOKIE, PAYER_COOKIE);
    let payer = match &token {
        Some(t) => match state.payer_accounts().check_session(t).await {
            Ok(p) => p,
            Err(e) => return lookup_failed("payer session", &e),
        },
        None => None,
    };
    let stale_cookie = token.is_some() && payer.is_none();
    req.extensions_mut().insert(RequestSession {
        expired: stale_cookie,
        payer,
        payer_token: token,
        ip,
        https,
        ..RequestSession::default()
    });
    let res = next.run(req).await;
    drop_stale(res, stale_cookie, &payer_cookie(None, https))
}

/// The answer when the session table cannot be read.
fn lookup_failed(what: &str, e: &crate::db::DbError) -> Response {
    tracing::error!(error = %e, "{what} lookup failed");
    (
        StatusCode::SERVICE_UNAVAILABLE,
        "The database is unavailable. Please try again shortly.",
    )
        .into_response()
}

/// Drops a dead cookie (`deletion`, a cookie made by `cookie` or
/// `payer_cookie` with no token), unless this very response set a fresh one.
fn drop_stale(mut res: Response, stale: bool, deletion: &str) -> Response {
    if stale
        && !res.headers().contains_key(header::SET_COOKIE)
        && let Ok(v) = HeaderValue::from_str(deletion)
    {
        res.headers_mut().append(header::SET_COOKIE, v);
    }
    res
}

/// Over https, browsers are told to use nothing else for this site.
fn with_hsts(mut res: Response, https: bool) -> Response {
    if https {
        res.headers_mut().insert(
            header::STRICT_TRANSPORT_SECURITY,
            HeaderValue::from_static(HSTS),
        );
    }
    res
}

/// The client's address: the connection's peer, or behind a trusted proxy
/// the last `X-Forwarded-For` entry (earlier ones are the client's to forge).
/// Always a parsed address, so at most 45 characters reach storage.
pub fn client_ip(req: &Request, trust_proxy: bool) -> Option<String> {
    let forwarded = || {
        let last = req
            .headers()
            .get_all("x-forwarded-for")
            .iter()
            .filter_map(|v| v.to_str().ok())
            .next_back()?;
        let ip = last.rsplit(',').next()?.trim();
        ip.parse::<std::net::IpAddr>().ok().map(|ip| ip.to_string())
    };
    if trust_proxy && let Some(ip) = forwarded() {
        return Some(ip);
    }
    req.extensions()
        .get::<ConnectInfo<SocketAddr>>()
        .map(|c| c.0.ip().to_string())
}

/// A path with nothing in it that a file server, a proxy or a later
/// decoding could read as another path: no `.` or `..` segment (plain or
/// percent-encoded), no empty segment (`//`; a single trailing `/` is
/// fine), no encoded slash, no backslash and no control character.
fn is_normal_path(path: &str) -> bool {
    let Some(rest) = path.strip_prefix('/') else {
        return false;
    };
    if rest.is_empty() {
        return true;
    }
    let segments: Vec<&str> = rest.split('/').collect();
    let last = segments.len() - 1;
    segments.iter().enumerate().all(|(i, seg)| {
        if seg.is_empty() {
            return i == last;
        }
        let decoded = percent_decode_str(seg).decode_utf8_lossy();
        decoded != "."
            && decoded != ".."
            && !decoded.contains(['/', '\\'])
            && !decoded.chars().any(char::is_control)
    })
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
    if matches!(*req.method(), Method::GET | Method::HEAD)
        && crate::routes::payer_private_page(path)
    {
        return require_payer(req, next).await;
    }
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
    let mut to = format!(
        "/sign-in?next={}",
        utf8_percent_encode(target, NEXT_IN_QUERY)
    );
    if session.expired {
        to.push_str("&expired=1");
    }
    Redirect::to(&to).into_response()
}

/// The payer site's signed-in pages: Sign In first (saying the session
/// ended, when it did), and Change Password first after a temporary one.
async fn require_payer(req: Request, next: Next) -> Response {
    use crate::routes::{PAYER_CHANGE_PASSWORD, PAYER_SIGN_IN};
    let session = req
        .extensions()
        .get::<RequestSession>()
        .cloned()
        .unwrap_or_default();
    match &session.payer {
        None if session.expired => {
            Redirect::to(&format!("{PAYER_SIGN_IN}?expired=1")).into_response()
        }
        None => Redirect::to(PAYER_SIGN_IN).into_response(),
        Some(p) if p.must_change_password && req.uri().path() != PAYER_CHANGE_PASSWORD => {
            Redirect::to(PAYER_CHANGE_PASSWORD).into_response()
        }
        Some(_) => next.run(req).await,
    }
}

/// A page address as a query value: slashes stay readable.
const NEXT_IN_QUERY: &AsciiSet = &crate::routes::UNRESERVED.remove(b'/');

/// The longest `next` followed; past it, the default page.
const NEXT_MAX: usize = 2048;

/// Where to go after signing in: `next` when it is a page of this site,
/// else `home`. The answer is rebuilt from `next`'s decoded and checked
/// segments and query, never the raw string, so whatever a browser would
/// make of it (a tab or backslash dropped, `%2F` decoded, CR/LF in a
/// header), it stays a path on this site.
pub fn safe_next(next: Option<&str>, home: &str) -> String {
    next.and_then(local_path)
        .filter(|p| p != "/" && p != "/sign-in" && !p.starts_with("/sign-in?"))
        .unwrap_or_else(|| home.to_string())
}

/// `raw` rebuilt as a same-site path with an optional query, or `None`
/// when it is anything else. A fragment is dropped.
fn local_path(raw: &str) -> Option<String> {
    if raw.len() > NEXT_MAX {
        return None;
    }
    let raw = raw.split_once('#').map_or(raw, |(before, _)| before);
    let (path, query) = match raw.split_once('?') {
        Some((p, q)) => (p, Some(q)),
        None => (raw, None),
    };
    let rest = path.strip_prefix('/')?;
    let mut out = String::new();
    if rest.is_empty() {
        out.push('/');
    } else {
        for seg in rest.split('/') {
            let decoded = percent_decode_str(seg).decode_utf8().ok()?;
            if decoded.is_empty()
                || decoded == "."
                || decoded == ".."
                || decoded.contains(['/', '\\'])
                || decoded.chars().any(char::is_control)
            {
                return None;
            }
            out.push('/');
            out.extend(utf8_percent_encode(&decoded, crate::routes::UNRESERVED));
        }
    }
    let mut pairs = Vec::new();
    for pair in query.unwrap_or("").split('&').filter(|p| !p.is_empty()) {
        let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
        let (k, v) = (query_part(k)?, query_part(v)?);
        if k.is_empty() {
            return None;
        }
        pairs.push(format!(
            "{}={}",
            crate::routes::encode_component(&k),
            crate::routes::encode_component(&v)
        ));
    }
    if !pairs.is_empty() {
        out.push('?');
        out.push_str(&pairs.join("&"));
    }
    Some(out)
}

/// A query key or value, decoded (`+` is a space) and free of control
/// characters.
fn query_part(s: &str) -> Option<String> {
    let spaced = s.replace('+', " ");
    let decoded = percent_decode_str(&spaced).decode_utf8().ok()?;
    (!decoded.chars().any(char::is_control)).then(|| decoded.into_owned())
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
        assert_eq!(cookie_token(&h, false).as_deref(), Some("tok123"));
        h.insert(header::COOKIE, HeaderValue::from_static("paydesk_session="));
        assert_eq!(cookie_token(&h, false), None);
    }

    #[test]
    fn secure_cookies_use_the_host_prefix_and_both_names_are_read() {
        let c = cookie(Some("t"), true);
        assert!(c.starts_with("__Host-paydesk_session=t; Path=/;"), "{c}");
        assert!(!c.contains("Domain"), "a __Host- cookie has no Domain");
        assert!(cookie(None, true).starts_with("__Host-paydesk_session=;"));
        assert!(cookie(Some("t"), false).starts_with("paydesk_session=t;"));
        let mut h = HeaderMap::new();
        h.insert(
            header::COOKIE,
            HeaderValue::from_static("paydesk_session=plain; __Host-paydesk_session=host"),
        );
        assert_eq!(cookie_token(&h, true).as_deref(), Some("host"));
        assert_eq!(cookie_token(&h, false).as_deref(), Some("host"));
        h.insert(
            header::COOKIE,
            HeaderValue::from_static("paydesk_session=plain"),
        );
        assert_eq!(cookie_token(&h, false).as_deref(), Some("plain"));
        assert_eq!(
            cookie_token(&h, true),
            None,
            "over https only the __Host- cookie counts"
        );
    }

    #[test]
    fn cookies_are_strict_and_http_only() {
        let c = cookie(Some("t"), true);
        assert!(c.contains("HttpOnly") && c.contains("SameSite=Strict") && c.ends_with("; Secure"));
        assert!(cookie(None, false).contains("Max-Age=0"));
    }

    const HOME: &str = "/payer-support";

    #[test]
    fn next_never_leaves_the_site() {
        assert_eq!(
            safe_next(Some("/payer-support?by=account&q=1"), HOME),
            "/payer-support?by=account&q=1"
        );
        assert_eq!(
            safe_next(Some("/payer-support?by=name&q=Ann+Lee%20Jr"), HOME),
            "/payer-support?by=name&q=Ann%20Lee%20Jr"
        );
        assert_eq!(safe_next(Some("/accounts/A-1#x"), HOME), "/accounts/A-1");
        for nasty in [
            "//evil.example",
            "https://evil.example",
            "/\\evil",
            "/%09/evil.example",
            "/\t/evil.example",
            "/%5Cevil.example",
            "/%2F%2Fevil.example",
            "/%2f/evil.example",
            "/payer-support/../..//evil.example",
            "/%2e%2e/evil",
            "/./x",
            "/a//b",
            "/payer-support\r\nSet-Cookie: x=1",
            "/payer-support%0d%0aSet-Cookie:%20x=1",
            "/payer-support?q=%0d%0a",
            "/payer-support?q=\u{7f}",
            "/%FF",
            "evil.example",
            "",
            "/sign-in",
            "/sign-in?next=//evil.example",
            "/",
        ] {
            assert_eq!(safe_next(Some(nasty), HOME), HOME, "{nasty:?}");
        }
        assert_eq!(
            safe_next(Some(&format!("/{}", "a".repeat(3000))), HOME),
            HOME
        );
        assert_eq!(safe_next(None, HOME), HOME);
        // What comes out is always a valid header value.
        for odd in ["/a b?c=d e&f=ü", "/x?%3Cscript%3E=1"] {
            let out = safe_next(Some(odd), HOME);
            assert!(
                HeaderValue::from_str(&out).is_ok() && out.is_ascii(),
                "{out}"
            );
        }
        assert_eq!(safe_next(Some("/a b"), HOME), "/a%20b");
        assert_eq!(
            safe_next(Some("/x?q=%2F%2Fevil"), HOME),
            "/x?q=%2F%2Fevil",
            "a slash inside a query value is only data"
        );
    }

    #[test]
    fn only_normal_paths_pass() {
        for ok in [
            "/",
            "/payer-support",
            "/pkg/paydesk.css",
            "/accounts/A-1",
            "/admin/users/",
            "/api/sign_in",
        ] {
            assert!(is_normal_path(ok), "{ok}");
        }
        for bad in [
            "/pkg/../payer-support",
            "/pkg/%2e%2e/admin/users",
            "/pkg/%2E%2E/admin/users",
            "/assets/..",
            "/assets/./x",
            "//payer-support",
            "/pkg//x",
            "/pkg/..%2Fadmin",
            "/pkg%2F..%2Fadmin",
            "/pkg/%5C..",
            "/pkg/a\\b",
            "/x%09",
            "payer-support",
        ] {
            assert!(!is_normal_path(bad), "{bad}");
        }
    }
}
