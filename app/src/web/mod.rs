//! The HTTP edge (server only): the axum router, session resolution, the
//! sign-in guard, cross-site refusal, security headers, health probes, the
//! access log and the metrics listener.

pub mod access_log;
pub mod admission;
pub mod assets;
pub mod downloads;
pub mod error_redirects;
pub mod health;
pub mod limits;
pub mod prometheus;
pub mod router;
pub mod security;
pub mod server_fn_status;
pub mod session;
pub mod state;
pub mod uploads;

pub use router::router;
pub use state::AppState;
