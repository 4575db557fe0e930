//! The one error type every server function returns. It crosses the wire as
//! JSON (and, for forms posted without JavaScript, inside the redirect URL),
//! so the browser shows the same message the server decided on.

use leptos::server_fn::codec::JsonEncoding;
use leptos::server_fn::error::{FromServerFnError, ServerFnErrorErr};
use serde::{Deserialize, Serialize};

/// A message about one form field, shown next to that field.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FieldError {
    pub field: String,
    pub message: String,
}

/// Everything wrong with a submitted form, plus the harmless values that were
/// typed, so a page re-rendered without JavaScript loses nothing. Secrets
/// (passwords, card numbers, CVVs) are never echoed.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct FieldErrors {
    pub errors: Vec<FieldError>,
    pub values: Vec<(String, String)>,
}

impl FieldErrors {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn add(&mut self, field: &str, message: impl Into<String>) {
        self.errors.push(FieldError {
            field: field.into(),
            message: message.into(),
        });
    }

    /// Keeps what was typed in `field`, to show it again with the message.
    /// No field takes more than a few hundred characters, so past
    /// `KEEP_AT_MOST` it is cut: an error never echoes a huge request back.
    pub fn keep(mut self, field: &str, value: &str) -> Self {
        let cut = value
            .char_indices()
            .nth(KEEP_AT_MOST)
            .map_or(value, |(i, _)| &value[..i]);
        self.values.push((field.into(), cut.into()));
        self
    }

    pub fn is_empty(&self) -> bool {
        self.errors.is_empty()
    }

    pub fn message_for(&self, field: &str) -> Option<&str> {
        self.errors
            .iter()
            .find(|e| e.field == field)
            .map(|e| e.message.as_str())
    }

    pub fn value_for(&self, field: &str) -> Option<&str> {
        self.values
            .iter()
            .find(|(f, _)| f == field)
            .map(|(_, v)| v.as_str())
    }

    /// What `field` held when the server refused the form (`refused` is
    /// the refusal, if there was one): what the field starts with again,
    /// so nothing typed is lost.
    pub fn typed(refused: Option<&FieldErrors>, field: &str) -> Option<String> {
        refused.and_then(|e| e.value_for(field)).map(str::to_string)
    }

    /// [`FieldErrors::typed`], else `otherwise` (what is saved, or empty).
    pub fn typed_or(refused: Option<&FieldErrors>, field: &str, otherwise: &str) -> String {
        Self::typed(refused, field).unwrap_or_else(|| otherwise.to_string())
    }

    /// Whether checkbox `field` was ticked when the form was refused; a
    /// box the refusal does not name keeps `otherwise`.
    pub fn ticked_or(refused: Option<&FieldErrors>, field: &str, otherwise: bool) -> bool {
        refused
            .and_then(|e| e.value_for(field))
            .map_or(otherwise, |v| v == "on")
    }

    /// `Ok(())` when nothing was wrong, so validation can end with `?`.
    pub fn into_result(self) -> Result<(), AppError> {
        if self.is_empty() {
            Ok(())
        } else {
            Err(AppError::Invalid(self))
        }
    }
}

/// The most characters of a field kept to show again (see `FieldErrors::keep`).
pub const KEEP_AT_MOST: usize = 2_000;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
pub enum AppError {
    #[error("Your session has ended. Please sign in again.")]
    Unauthenticated,
    #[error("You don't have permission to do that.")]
    Forbidden,
    #[error("{0}")]
    NotFound(String),
    #[error("Please correct the highlighted fields.")]
    Invalid(FieldErrors),
    #[error("{0}")]
    Conflict(String),
    #[error("The request could not be understood: {0}")]
    BadRequest(String),
    #[error("Too many attempts. Please wait and try again.")]
    RateLimited,
    /// Too many password checks at once (see `services::passwords::HashGate`):
    /// answered at once with 503 and `Retry-After`, instead of queueing.
    #[error("The server is busy. Please try again in a few seconds.")]
    Busy,
    /// The processor refused the payment; the reason is the processor's.
    #[error("Payment declined: {0}")]
    Declined(String),
    /// The details stay in the server log under this incident id.
    #[error(
        "Something went wrong on our side (incident {0}). Nothing was changed; please try again."
    )]
    Internal(String),
}

impl AppError {
    /// The HTTP status a client sees for this error.
    pub fn status(&self) -> u16 {
        match self {
            AppError::Unauthenticated => 401,
            AppError::Forbidden => 403,
            AppError::NotFound(_) => 404,
            AppError::Invalid(_) => 422,
            AppError::Conflict(_) => 409,
            AppError::BadRequest(_) => 400,
            AppError::RateLimited => 429,
            AppError::Busy => 503,
            AppError::Declined(_) => 402,
            AppError::Internal(_) => 500,
        }
    }

    /// A single-field validation error.
    pub fn field(field: &str, message: impl Into<String>) -> AppError {
        let mut errs = FieldErrors::new();
        errs.add(field, message);
        AppError::Invalid(errs)
    }

    pub fn field_errors(&self) -> Option<&FieldErrors> {
        match self {
            AppError::Invalid(f) => Some(f),
            _ => None,
        }
    }
}

impl FromServerFnError for AppError {
    type Encoder = JsonEncoding;

    fn from_server_fn_error(value: ServerFnErrorErr) -> Self {
        match value {
            // The request itself was malformed: that is the client's fault.
            ServerFnErrorErr::Args(m)
            | ServerFnErrorErr::MissingArg(m)
            | ServerFnErrorErr::Deserialization(m)
            | ServerFnErrorErr::UnsupportedRequestMethod(m) => AppError::BadRequest(m),
            ServerFnErrorErr::Registration(m) => AppError::NotFound(m),
            // Transport failures seen by the browser (server unreachable, …).
            ServerFnErrorErr::Request(m) => {
                AppError::Internal(format!("the server could not be reached ({m})"))
            }
            ServerFnErrorErr::ServerError(m)
            | ServerFnErrorErr::MiddlewareError(m)
            | ServerFnErrorErr::Serialization(m)
            | ServerFnErrorErr::Response(m) => AppError::Internal(m),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_refused_form_starts_with_what_was_typed_else_what_is_saved() {
        let mut refused = FieldErrors::default()
            .keep("email", "pat@")
            .keep("alerts", "on");
        refused.add("email", "Enter a whole email address.");
        let r = Some(&refused);
        assert_eq!(FieldErrors::typed_or(r, "email", "saved@x.org"), "pat@");
        assert_eq!(
            FieldErrors::typed_or(r, "name", "Pat"),
            "Pat",
            "not sent back"
        );
        assert_eq!(
            FieldErrors::typed_or(None, "email", "saved@x.org"),
            "saved@x.org"
        );
        assert_eq!(FieldErrors::typed(None, "email"), None);
        assert!(FieldErrors::ticked_or(r, "alerts", false));
        assert!(!FieldErrors::ticked_or(r, "other", false));
        assert!(FieldErrors::ticked_or(None, "alerts", true));
    }

    #[test]
    fn malformed_requests_are_client_errors() {
        let e =
            AppError::from_server_fn_error(ServerFnErrorErr::Args("missing field `login`".into()));
        assert_eq!(e.status(), 400);
        assert_eq!(AppError::field("login", "x").status(), 422);
    }

    #[test]
    fn kept_values_are_cut_short() {
        let f = FieldErrors::new().keep("q", &"é".repeat(KEEP_AT_MOST + 5));
        assert_eq!(
            f.value_for("q").map(|v| v.chars().count()),
            Some(KEEP_AT_MOST)
        );
    }

    #[test]
    fn field_errors_keep_values_and_find_messages() {
        let mut f = FieldErrors::new().keep("login", "jane");
        f.add("password", "Enter your password.");
        assert_eq!(f.message_for("password"), Some("Enter your password."));
        assert_eq!(f.value_for("login"), Some("jane"));
        assert!(f.clone().into_result().is_err());
        assert!(FieldErrors::new().into_result().is_ok());
    }
}
