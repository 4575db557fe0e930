//! What Paydesk counts for the people who run it, as Prometheus metrics
//! (`web/prometheus.rs` serves them on `PAYDESK_METRICS_ADDR`). The names
//! live here, once; the `metrics` macros record into whatever recorder is
//! installed, and into nothing (at the cost of an atomic load) when metrics
//! are off.
//!
//! Every label takes a handful of fixed values, so the number of series stays
//! bounded whatever the traffic: routes are templates, never raw paths.

use std::time::Duration;

pub const HTTP_REQUESTS: &str = "paydesk_http_requests_total";
pub const HTTP_DURATION: &str = "paydesk_http_request_duration_seconds";
pub const HTTP_REFUSED_BUSY: &str = "paydesk_http_refused_busy_total";
pub const PAYMENTS: &str = "paydesk_payments_total";
pub const SETTLEMENT_RUNS: &str = "paydesk_settlement_runs_total";
pub const SETTLEMENT_DURATION: &str = "paydesk_settlement_run_duration_seconds";
pub const OUTBOX: &str = "paydesk_outbox_notices";
pub const POOL_SIZE: &str = "paydesk_db_pool_connections";
pub const POOL_IDLE: &str = "paydesk_db_pool_idle_connections";
pub const POOL_IN_USE: &str = "paydesk_db_pool_in_use_connections";
pub const POOL_MAX: &str = "paydesk_db_pool_max_connections";

/// Request latency buckets (seconds): most pages answer in milliseconds; a
/// sign-in's argon2 hash takes a good part of a second, an upload longer.
pub const HTTP_BUCKETS: &[f64] = &[
    0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0,
];

/// Settlement run buckets (seconds): an empty run takes milliseconds,
/// 100,000 payments about ten seconds on SQLite and more on PostgreSQL.
pub const SETTLEMENT_BUCKETS: &[f64] = &[
    0.01, 0.05, 0.1, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0, 120.0, 300.0, 600.0,
];

/// Gives every metric its help text (the `# HELP` lines).
pub fn describe() {
    use metrics::{Unit, describe_counter, describe_gauge, describe_histogram};
    describe_counter!(
        HTTP_REQUESTS,
        "HTTP requests answered, by method, route template and status"
    );
    describe_histogram!(
        HTTP_DURATION,
        Unit::Seconds,
        "Time to the response's headers, by method and route template"
    );
    describe_counter!(
        HTTP_REFUSED_BUSY,
        "Requests answered 503 at once because PAYDESK_MAX_IN_FLIGHT were already being worked on"
    );
    describe_counter!(
        PAYMENTS,
        "Payments whose outcome was decided: approved (Pending), declined, scheduled, failed (processor error)"
    );
    describe_counter!(
        SETTLEMENT_RUNS,
        "Settlement runs: settled (a run was recorded), nothing (nothing to settle), failed"
    );
    describe_histogram!(
        SETTLEMENT_DURATION,
        Unit::Seconds,
        "How long settlement runs took, failed ones included"
    );
    describe_gauge!(
        OUTBOX,
        "Payer notices not yet sent, by status (queued, sending, failed), read at scrape time"
    );
    describe_gauge!(POOL_SIZE, "Database connections open, read at scrape time");
    describe_gauge!(POOL_IDLE, "Database connections open and idle");
    describe_gauge!(POOL_IN_USE, "Database connections open and in use");
    describe_gauge!(POOL_MAX, "The most database connections the pool opens");
}

/// How a payment ended up, as counted once where it is decided.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PaymentOutcome {
    /// The processor approved it: Pending, settled later.
    Approved,
    Declined,
    /// Taken for a later date: the processor is asked then.
    Scheduled,
    /// The processor could not answer; the request got an incident id.
    Failed,
}

impl PaymentOutcome {
    pub fn label(self) -> &'static str {
        match self {
            PaymentOutcome::Approved => "approved",
            PaymentOutcome::Declined => "declined",
            PaymentOutcome::Scheduled => "scheduled",
            PaymentOutcome::Failed => "failed",
        }
    }
}

pub fn payment(outcome: PaymentOutcome) {
    metrics::counter!(PAYMENTS, "outcome" => outcome.label()).increment(1);
}

/// A settlement run ended: `Some(true)` settled something, `Some(false)`
/// found nothing to settle, `None` failed.
pub fn settlement_run(settled: Option<bool>, took: Duration) {
    let outcome = match settled {
        Some(true) => "settled",
        Some(false) => "nothing",
        None => "failed",
    };
    metrics::counter!(SETTLEMENT_RUNS, "outcome" => outcome).increment(1);
    metrics::histogram!(SETTLEMENT_DURATION).record(took.as_secs_f64());
}
