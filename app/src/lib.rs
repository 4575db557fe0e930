//! Paydesk's shared crate: the domain (pure, compiles to WASM and server),
//! the UI, the server functions, and, under the `ssr` feature, the services,
//! repository and HTTP edge they run on. See docs/architecture.md.

// The pages and server functions exist only in the server and browser
// builds; without either (the parser fuzz targets, `fuzz/`) the crate is
// the domain alone, which keeps their instrumented build short.
#[cfg(any(feature = "ssr", feature = "hydrate"))]
pub mod api;
pub mod domain;
pub mod error;
pub mod routes;
#[cfg(any(feature = "ssr", feature = "hydrate"))]
pub mod ui;

#[cfg(feature = "ssr")]
pub mod config;
#[cfg(feature = "ssr")]
pub mod db;
#[cfg(feature = "ssr")]
pub mod services;
#[cfg(feature = "ssr")]
pub mod web;

#[cfg(any(feature = "ssr", feature = "hydrate"))]
pub use ui::{App, shell};
