//! Paydesk's shared crate: the domain (pure, compiles to WASM and server),
//! the UI, the server functions, and, under the `ssr` feature, the services,
//! repository and HTTP edge they run on. See docs/architecture.md.

pub mod api;
pub mod domain;
pub mod error;
pub mod routes;
pub mod ui;

#[cfg(feature = "ssr")]
pub mod config;
#[cfg(feature = "ssr")]
pub mod db;
#[cfg(feature = "ssr")]
pub mod services;
#[cfg(feature = "ssr")]
pub mod web;

pub use ui::{App, shell};
