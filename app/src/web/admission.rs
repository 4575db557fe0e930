//! A bound on the requests one server works on at once.
//!
//! A server that falls behind (more CSRs than its cores can answer, or a
//! flood) would otherwise hold every request that arrives: each waits for a
//! database connection while it keeps its page's memory, so memory and
//! latency grow with the backlog (the soak in docs/benchmarks.md grew by
//! 80 MB that way). Beyond `PAYDESK_MAX_IN_FLIGHT` a request is answered at
//! once with 503 and `Retry-After`, which a load balancer and a retrying
//! client understand; the requests already admitted finish at their usual
//! speed.
//!
//! The bound sits inside `limits::limit`: a client sending its form slowly
//! holds only its connection, not one of these places, so a few slow
//! senders can't lock everyone out. A page's place is held until its body
//! has gone out (Leptos streams the rest of a page after the headers).
//! Health probes and the hashed static files are never refused: they are
//! cheap, and a load balancer must not take a busy server for a dead one.

use crate::error::AppError;
use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::{Html, IntoResponse, Response};
use http_body_util::BodyExt;
use leptos::server_fn::error::FromServerFnError;
use std::sync::Arc;
use tokio::sync::Semaphore;

/// The places for requests at once; cloned into the router's layer.
#[derive(Clone, Debug)]
pub struct Admission(Arc<Semaphore>);

impl Admission {
    pub fn new(max_in_flight: usize) -> Admission {
        Admission(Arc::new(Semaphore::new(max_in_flight)))
    }

    /// Places free now (for tests and the metrics' gauge).
    pub fn available(&self) -> usize {
        self.0.available_permits()
    }

    /// Takes one place, as a request would, for as long as the result lives
    /// (tests hold the server "full" this way).
    pub fn hold(&self) -> Option<tokio::sync::OwnedSemaphorePermit> {
        self.0.clone().try_acquire_owned().ok()
    }
}

/// How long a refused client is asked to wait before trying again.
pub const RETRY_AFTER_SECS: u32 = 1;

/// Requests that are always admitted.
fn exempt(path: &str) -> bool {
    matches!(path, "/healthz" | "/readyz") || path.starts_with("/pkg/")
}

pub async fn admit(State(places): State<Admission>, req: Request, next: Next) -> Response {
    if exempt(req.uri().path()) {
        return next.run(req).await;
    }
    let Some(place) = places.hold() else {
        metrics::counter!(crate::services::telemetry::HTTP_REFUSED_BUSY).increment(1);
        return busy(wants_json(&req));
    };
    let (parts, body) = next.run(req).await.into_parts();
    // The place goes with the body and is given back when the body is
    // dropped: sent in full, or cut off by a client that hung up.
    let body = body.map_frame(move |frame| {
        let _held = &place;
        frame
    });
    Response::from_parts(parts, Body::new(body))
}

/// The console's own server-function calls ask for JSON; a browser without
/// JavaScript (a page, a form post) asks for HTML.
fn wants_json(req: &Request) -> bool {
    req.headers()
        .get(header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.contains("application/json"))
}

/// The same words a CSR sees when sign-ins are busy (`AppError::Busy`): as
/// the error the console's calls decode, or as a small page.
fn busy(json: bool) -> Response {
    let message = AppError::Busy.to_string();
    let mut res = if json {
        (
            StatusCode::SERVICE_UNAVAILABLE,
            [(header::CONTENT_TYPE, "application/json")],
            AppError::Busy.ser(),
        )
            .into_response()
    } else {
        (
            StatusCode::SERVICE_UNAVAILABLE,
            Html(format!(
                "<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\">\
                 <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
                 <title>Busy · Paydesk</title></head><body><main><h1>Paydesk is busy</h1>\
                 <p>{message}</p></main></body></html>"
            )),
        )
            .into_response()
    };
    let headers = res.headers_mut();
    headers.insert(header::RETRY_AFTER, HeaderValue::from(RETRY_AFTER_SECS));
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    res
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::Router;
    use axum::routing::get;
    use std::convert::Infallible;
    use tokio::sync::mpsc;
    use tower::ServiceExt;

    /// `/page` answers its headers at once and streams its body from the
    /// channel the test feeds; `/healthz` answers at once.
    fn app(places: &Admission, rx: mpsc::Receiver<&'static str>) -> Router {
        let rx = Arc::new(tokio::sync::Mutex::new(Some(rx)));
        Router::new()
            .route(
                "/page",
                get(move || {
                    let rx = rx.clone();
                    async move {
                        let rx = rx.lock().await.take();
                        let stream = futures::stream::unfold(rx, |rx| async move {
                            let mut rx = rx?;
                            let chunk = rx.recv().await?;
                            Some((Ok::<_, Infallible>(chunk), Some(rx)))
                        });
                        Body::from_stream(stream)
                    }
                }),
            )
            .route("/healthz", get(|| async { "ok" }))
            .layer(axum::middleware::from_fn_with_state(places.clone(), admit))
    }

    fn get_req(path: &str) -> Request {
        Request::get(path).body(Body::empty()).unwrap()
    }

    #[tokio::test]
    async fn beyond_the_bound_a_request_is_refused_until_a_page_has_gone_out() {
        let places = Admission::new(1);
        let (tx, rx) = mpsc::channel(4);
        let app = app(&places, rx);

        // The first page has its headers, its body still streaming: it keeps
        // its place.
        let first = app.clone().oneshot(get_req("/page")).await.unwrap();
        assert_eq!(first.status(), StatusCode::OK);
        assert_eq!(places.available(), 0);

        let refused = app.clone().oneshot(get_req("/page")).await.unwrap();
        assert_eq!(refused.status(), StatusCode::SERVICE_UNAVAILABLE);
        assert_eq!(refused.headers()[header::RETRY_AFTER], "1");
        assert_eq!(refused.headers()[header::CACHE_CONTROL], "no-store");
        let page = refused.into_body().collect().await.unwrap().to_bytes();
        let page = String::from_utf8(page.to_vec()).unwrap();
        assert!(page.contains("<h1>Paydesk is busy</h1>"), "{page}");
        assert!(page.contains(&AppError::Busy.to_string()), "{page}");

        // The console's own calls get the error they decode.
        let call = Request::post("/page")
            .header(header::ACCEPT, "application/json")
            .body(Body::empty())
            .unwrap();
        let refused = app.clone().oneshot(call).await.unwrap();
        assert_eq!(refused.status(), StatusCode::SERVICE_UNAVAILABLE);
        let body = refused.into_body().collect().await.unwrap().to_bytes();
        assert_eq!(AppError::de(body), AppError::Busy);

        // Probes still answer: a busy server is not a dead one.
        let probe = app.clone().oneshot(get_req("/healthz")).await.unwrap();
        assert_eq!(probe.status(), StatusCode::OK);

        // The first page's body goes out in full; its place comes back.
        tx.send("<p>done</p>").await.unwrap();
        drop(tx);
        let body = first.into_body().collect().await.unwrap().to_bytes();
        assert_eq!(&body[..], b"<p>done</p>");
        assert_eq!(places.available(), 1);
        // (The handler's channel is spent; the next page is admitted and its
        // body is empty.)
        let next = app.clone().oneshot(get_req("/page")).await.unwrap();
        assert_eq!(next.status(), StatusCode::OK);
    }

    #[tokio::test]
    async fn a_client_that_hangs_up_gives_its_place_back() {
        let places = Admission::new(1);
        let (_tx, rx) = mpsc::channel(4);
        let app = app(&places, rx);
        let first = app.clone().oneshot(get_req("/page")).await.unwrap();
        assert_eq!(places.available(), 0);
        // The connection closed mid-body: hyper drops the body.
        drop(first);
        assert_eq!(places.available(), 1);
        let again = app.oneshot(get_req("/page")).await.unwrap();
        assert_eq!(again.status(), StatusCode::OK);
    }

    #[test]
    fn only_probes_and_static_files_skip_the_bound() {
        assert!(exempt("/healthz") && exempt("/readyz"));
        assert!(exempt("/pkg/paydesk.0a1b.wasm"));
        for path in [
            "/",
            "/payer-support",
            "/api/search_accounts",
            "/pkgs",
            "/healthz/x",
        ] {
            assert!(!exempt(path), "{path}");
        }
    }
}
