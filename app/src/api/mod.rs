//! Server functions: the browser's (and the no-JavaScript form's) way into
//! the services. Each is a thin adapter: who is asking, then one service call.
//! Endpoints are fixed (`/api/<name>`) so tests and logs can name them.

pub mod accounts;
pub mod audit;
pub mod auth;
pub mod biller_profile;
pub mod bills;
pub mod categories;
#[cfg(feature = "ssr")]
pub(crate) mod context;
pub mod divisions;
pub mod fees;
pub mod home;
pub mod lifecycle;
pub mod password_reset;
pub mod payer_accounts;
pub mod payer_profile;
pub mod payment_links;
pub mod payments;
pub mod plans;
pub mod reports;
pub mod uploads;
pub mod users;
