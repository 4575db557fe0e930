//! Pure domain types: no I/O, no framework. Everything here compiles to both
//! the WASM client and the server, so the browser and the server validate
//! input with the very same code.

pub mod account;
pub mod bank;
pub mod card;
pub mod email;
pub mod money;
pub mod payer_support;
pub mod payment;
pub mod payment_view;
pub mod staff;
pub mod universal_file;
