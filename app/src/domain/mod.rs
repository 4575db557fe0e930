//! Pure domain types: no I/O, no framework. Everything here compiles to both
//! the WASM client and the server, so the browser and the server validate
//! input with the very same code.

/// The plumbing every validated string type shares: `as_str`, `Display`,
/// and serde that goes through `parse` (so a bad value cannot be deserialized
/// into existence).
macro_rules! string_newtype {
    ($name:ident, $error:ty) => {
        impl $name {
            pub fn as_str(&self) -> &str {
                &self.0
            }
        }

        impl TryFrom<String> for $name {
            type Error = $error;
            fn try_from(s: String) -> Result<Self, Self::Error> {
                $name::parse(&s)
            }
        }

        impl From<$name> for String {
            fn from(v: $name) -> String {
                v.0
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(&self.0)
            }
        }
    };
}
pub(crate) use string_newtype;

pub mod account;
pub mod account_edit;
pub mod ach_batching;
pub mod audit_action;
pub mod audit_view;
pub mod bank;
pub mod bill_file;
pub mod bill_view;
pub mod biller_profile;
pub mod calendar;
pub mod card;
pub mod category;
pub mod category_file;
pub mod category_payment;
pub mod charts;
pub mod division;
pub mod email;
pub mod entitlements;
pub mod fee;
#[cfg(feature = "files")]
pub mod file_rows;
pub mod home_view;
pub mod lifecycle;
pub mod money;
pub mod nacha;
pub mod payer_account;
pub mod payer_profile;
pub mod payer_support;
pub mod payment;
pub mod payment_link;
pub mod payment_view;
pub mod plan;
pub mod reconciliation;
pub mod report;
pub mod settlement_view;
pub mod staff;
pub mod time;
pub mod universal_file;
pub mod upload_view;
pub mod user_admin_view;

/// A stored code (a status, a kind, a role) that this build does not know:
/// a row written by a newer build, or by hand. Reading it is an error, so an
/// unknown status is never shown as some other one.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown {kind} code {code:?} in the database")]
pub struct UnknownCode {
    pub kind: &'static str,
    pub code: String,
}
