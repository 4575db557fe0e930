//! The HTTP edge (server only): the axum router, session resolution, the
//! sign-in guard, cross-site refusal, security headers and health probes.

pub mod assets;
pub mod downloads;
pub mod error_redirects;
pub mod health;
pub mod limits;
pub mod router;
pub mod security;
pub mod server_fn_status;
pub mod session;
pub mod state;
pub mod uploads;

pub use router::router;
pub use state::AppState;
