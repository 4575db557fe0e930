//! `/metrics` in the Prometheus text format, on a listener of its own
//! (`PAYDESK_METRICS_ADDR`), never on the site's: the public router has no
//! such route, so metrics cannot be exposed by accident. Off when the
//! variable is unset: no recorder is installed and nothing listens.
//!
//! The recorder is process-wide (the `metrics` crate has one global
//! recorder), installed once by [`handle`]. Counters and histograms are
//! recorded where things happen (`web::access_log`, `services::telemetry`);
//! gauges that describe the present (the pool, the email outbox) are read
//! when scraped, so they are never stale and cost nothing in between.

use crate::config::Config;
use crate::db::Db;
use crate::services::telemetry;
use axum::Router;
use axum::extract::State;
use axum::http::header;
use axum::response::IntoResponse;
use axum::routing::get;
use metrics_exporter_prometheus::{Matcher, PrometheusBuilder, PrometheusHandle};
use std::sync::OnceLock;
use std::time::Duration;
use tokio::net::TcpListener;

static HANDLE: OnceLock<PrometheusHandle> = OnceLock::new();

/// How often histogram samples are folded into their buckets between
/// scrapes, so an unscraped process does not keep every sample.
const UPKEEP_EVERY: Duration = Duration::from_secs(5);

/// Installs the process's recorder (once) and returns its handle.
pub fn handle() -> PrometheusHandle {
    HANDLE
        .get_or_init(|| {
            let builder = PrometheusBuilder::new()
                .set_buckets_for_metric(
                    Matcher::Full(telemetry::HTTP_DURATION.into()),
                    telemetry::HTTP_BUCKETS,
                )
                .and_then(|b| {
                    b.set_buckets_for_metric(
                        Matcher::Full(telemetry::SETTLEMENT_DURATION.into()),
                        telemetry::SETTLEMENT_BUCKETS,
                    )
                });
            // Only an empty bucket list is refused, and ours are constants.
            let recorder = match builder {
                Ok(b) => b.build_recorder(),
                Err(e) => {
                    tracing::error!(error = %e, "metric buckets refused; histograms become summaries");
                    PrometheusBuilder::new().build_recorder()
                }
            };
            let handle = recorder.handle();
            if let Err(e) = metrics::set_global_recorder(recorder) {
                tracing::error!(error = %e, "another metrics recorder is installed; /metrics will be empty");
            }
            telemetry::describe();
            // A thread, not a task: the recorder outlives any one runtime
            // (each test has its own).
            let upkeep = handle.clone();
            let _ = std::thread::Builder::new()
                .name("metrics-upkeep".into())
                .spawn(move || {
                    loop {
                        std::thread::sleep(UPKEEP_EVERY);
                        upkeep.run_upkeep();
                    }
                });
            handle
        })
        .clone()
}

/// True once metrics are on in this process: the access log then records
/// each request; until then it skips that work altogether.
pub fn enabled() -> bool {
    HANDLE.get().is_some()
}

/// The metrics listener, if `PAYDESK_METRICS_ADDR` is set: bound here so a
/// taken port stops start-up with a clear error instead of metrics silently
/// missing.
pub async fn bind(config: &Config) -> std::io::Result<Option<TcpListener>> {
    let Some(addr) = config.metrics_addr else {
        return Ok(None);
    };
    let listener = TcpListener::bind(addr).await.map_err(|e| {
        std::io::Error::new(
            e.kind(),
            format!("cannot listen on {addr} (PAYDESK_METRICS_ADDR): {e}"),
        )
    })?;
    if !addr.ip().is_loopback() {
        tracing::warn!(%addr, "metrics are served on a non-loopback address: keep it firewalled from the public");
    }
    // The recorder goes in now, before the site answers its first request:
    // installed later (when the spawned listener starts) it missed those.
    handle();
    Ok(Some(listener))
}

/// The metrics listener's whole router: `GET /metrics`, nothing else.
pub fn router(db: Db) -> Router {
    let state = (db, handle());
    Router::new()
        .route("/metrics", get(scrape))
        .with_state(state)
}

/// Serves [`router`] on `listener` until the process ends.
pub async fn serve(listener: TcpListener, db: Db) -> std::io::Result<()> {
    if let Ok(addr) = listener.local_addr() {
        tracing::info!("metrics at http://{addr}/metrics");
    }
    axum::serve(listener, router(db)).await
}

/// One scrape at a time: the gauges are global, so two scrapes interleaving
/// refresh and render could show a mix of two readings.
static SCRAPING: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

async fn scrape(State((db, handle)): State<(Db, PrometheusHandle)>) -> impl IntoResponse {
    let body = {
        let _one_at_a_time = SCRAPING.lock().await;
        refresh_gauges(&db).await;
        handle.render()
    };
    (
        [(
            header::CONTENT_TYPE,
            "text/plain; version=0.0.4; charset=utf-8",
        )],
        body,
    )
}

/// The gauges read at scrape time: the pool from the pool itself, the
/// outbox with one COUNT. A database that cannot answer leaves the outbox
/// gauges as they were (and the pool gauges show why).
async fn refresh_gauges(db: &Db) {
    let pool = db.pool_stats();
    metrics::gauge!(telemetry::POOL_SIZE).set(pool.size);
    metrics::gauge!(telemetry::POOL_IDLE).set(pool.idle);
    metrics::gauge!(telemetry::POOL_IN_USE).set(pool.in_use);
    metrics::gauge!(telemetry::POOL_MAX).set(pool.max);
    match db.outbox_depth().await {
        Ok(rows) => {
            for status in ["queued", "sending", "failed"] {
                let n = rows
                    .iter()
                    .find(|(s, _)| s == status)
                    .map_or(0, |(_, n)| *n);
                metrics::gauge!(telemetry::OUTBOX, "status" => status).set(n as f64);
            }
        }
        Err(e) => tracing::warn!(error = %e, "cannot count the email outbox for metrics"),
    }
}
