//! Without JavaScript, a server function's error comes back as a redirect to
//! the page with the error in its address (`?__path=…&__err=…`, leptos's
//! form redirects), and the page shows it. Anyone can write such an address,
//! so a link could put an attacker's words on a real page ("call this
//! number"). Only errors this server issued to this browser are shown:
//!
//! - when the server redirects with an error, it also sets a short-lived
//!   cookie holding a sealed digest of that error (AES-GCM with the server's
//!   key, its own purpose), bound to the exact `__path` and `__err`;
//! - a page request that carries `__path`/`__err` without a cookie that
//!   opens to their digest is redirected to the same address without them,
//!   so neither the server's render nor the browser's hydration sees them.

use super::AppState;
use super::session::wants_secure;
use axum::extract::{Query, Request, State};
use axum::http::{HeaderValue, Method, Uri, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Redirect, Response};
use sha2::{Digest, Sha256};

const COOKIE: &str = "paydesk_form_error";
/// The keyring purpose of the cookie: a blob sealed for anything else
/// never opens as one.
const PURPOSE: &str = "form-error-redirect";
/// Long enough to follow the redirect (and reload once), short enough that
/// an old error does not come back.
const MAX_AGE_SECS: u32 = 300;
const ERR: &str = "__err";
const PATH: &str = "__path";

/// The error carried by an address: exactly one `__path` and one `__err`
/// (decoded with the same form-urlencoded rules leptos reads them by, so an
/// encoded name like `%5F%5Ferr` counts too), or `None` if there is none.
/// `Some(None)` when they are there but not exactly once each, which the
/// server never sends.
fn carried(uri: &Uri) -> Option<Option<(String, String)>> {
    let pairs = Query::<Vec<(String, String)>>::try_from_uri(uri)
        .map(|q| q.0)
        .unwrap_or_default();
    let of = |name: &str| -> Vec<&String> {
        pairs
            .iter()
            .filter(|(k, _)| k == name)
            .map(|(_, v)| v)
            .collect()
    };
    let (paths, errs) = (of(PATH), of(ERR));
    match (paths.as_slice(), errs.as_slice()) {
        ([], []) => None,
        ([path], [err]) => Some(Some(((*path).clone(), (*err).clone()))),
        _ => Some(None),
    }
}

fn digest(path: &str, err: &str) -> Vec<u8> {
    let mut h = Sha256::new();
    h.update(path.as_bytes());
    h.update([0]);
    h.update(err.as_bytes());
    h.finalize().to_vec()
}

fn cookie_value(req: &Request) -> Option<String> {
    super::session::cookie_named(req.headers(), COOKIE, 256)
}

/// The same address without `__path` and `__err` (every other parameter
/// kept as it was sent).
fn without_error(uri: &Uri) -> String {
    let kept: Vec<&str> = uri
        .query()
        .unwrap_or_default()
        .split('&')
        .filter(|pair| !pair.is_empty())
        .filter(|pair| {
            let probe = format!("/?{pair}").parse::<Uri>().ok();
            match probe.and_then(|u| Query::<Vec<(String, String)>>::try_from_uri(&u).ok()) {
                Some(Query(p)) => !p.iter().any(|(k, _)| k == ERR || k == PATH),
                // Not parseable: drop it rather than pass it on.
                None => false,
            }
        })
        .collect();
    if kept.is_empty() {
        uri.path().to_string()
    } else {
        format!("{}?{}", uri.path(), kept.join("&"))
    }
}

/// The last `__path` and `__err` of an address: the ones the server just
/// appended to it.
fn latest_error(uri: &Uri) -> Option<(String, String)> {
    let pairs = Query::<Vec<(String, String)>>::try_from_uri(uri)
        .map(|q| q.0)
        .unwrap_or_default();
    let last = |name: &str| {
        pairs
            .iter()
            .rev()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.clone())
    };
    Some((last(PATH)?, last(ERR)?))
}

/// The address with exactly this one error in it.
fn with_error(uri: &Uri, path: &str, err: &str) -> String {
    use percent_encoding::{NON_ALPHANUMERIC, utf8_percent_encode};
    let base = without_error(uri);
    let sep = if base.contains('?') { '&' } else { '?' };
    // Keep an absolute address absolute (leptos answers with the Referer).
    let origin = match (uri.scheme_str(), uri.authority()) {
        (Some(scheme), Some(host)) => format!("{scheme}://{host}"),
        _ => String::new(),
    };
    format!(
        "{origin}{base}{sep}{PATH}={}&{ERR}={}",
        utf8_percent_encode(path, NON_ALPHANUMERIC),
        utf8_percent_encode(err, NON_ALPHANUMERIC)
    )
}

pub async fn guard(State(state): State<AppState>, req: Request, next: Next) -> Response {
    if req.method() == Method::GET || req.method() == Method::HEAD {
        if let Some(found) = carried(req.uri()) {
            let issued = match (found, cookie_value(&req)) {
                (Some((path, err)), Some(cookie)) => state
                    .keys
                    .open(PURPOSE, &cookie)
                    .is_some_and(|d| d == digest(&path, &err)),
                _ => false,
            };
            if !issued {
                return Redirect::to(&without_error(req.uri())).into_response();
            }
        }
        return next.run(req).await;
    }
    let secure = wants_secure(state.config.secure_cookies, req.headers());
    let mut res = next.run(req).await;
    if res.status().is_redirection() {
        let location = res
            .headers()
            .get(header::LOCATION)
            .and_then(|l| l.to_str().ok())
            .and_then(|l| l.parse::<Uri>().ok());
        let found = location.as_ref().and_then(latest_error);
        if let (Some(uri), Some((path, err))) = (&location, found) {
            // leptos appends the new error to the page's address, which
            // still carries the previous one after a second failed submit:
            // the answer names only the error just issued.
            let one = with_error(uri, &path, &err);
            if let Ok(v) = HeaderValue::from_str(&one) {
                res.headers_mut().insert(header::LOCATION, v);
            }
            let sealed = state.keys.seal(PURPOSE, &digest(&path, &err));
            let secure = if secure { "; Secure" } else { "" };
            let cookie = format!(
                "{COOKIE}={sealed}; Path=/; HttpOnly; SameSite=Lax; Max-Age={MAX_AGE_SECS}{secure}"
            );
            if let Ok(v) = HeaderValue::from_str(&cookie) {
                res.headers_mut().append(header::SET_COOKIE, v);
            }
        }
    }
    res
}
