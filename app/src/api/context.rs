//! How a server function learns who is asking and reaches the app's state.

use crate::domain::entitlements::Entitlement;
use crate::domain::staff::StaffUser;
use crate::error::AppError;
use crate::web::AppState;
use crate::web::session::RequestSession;
use leptos::prelude::use_context;

pub fn state() -> Result<AppState, AppError> {
    use_context::<AppState>().ok_or_else(|| missing("AppState"))
}

pub fn session() -> Result<RequestSession, AppError> {
    let parts = use_context::<http::request::Parts>().ok_or_else(|| missing("request parts"))?;
    Ok(parts
        .extensions
        .get::<RequestSession>()
        .cloned()
        .unwrap_or_default())
}

/// The signed-in staff user, or 401; 403 while their password must be
/// changed (only Change Password works then).
pub fn require_user() -> Result<(AppState, StaffUser, RequestSession), AppError> {
    let (state, user, session) = require_session()?;
    if user.must_change_password {
        return Err(AppError::Forbidden);
    }
    Ok((state, user, session))
}

/// The signed-in staff user, even one who must change their password.
pub fn require_session() -> Result<(AppState, StaffUser, RequestSession), AppError> {
    let session = session()?;
    let user = session.user.clone().ok_or(AppError::Unauthenticated)?;
    Ok((state()?, user, session))
}

/// The signed-in staff user holding `entitlement`, or 401/403.
pub fn require(
    entitlement: Entitlement,
) -> Result<(AppState, StaffUser, RequestSession), AppError> {
    let (state, user, session) = require_user()?;
    if !user.can(entitlement) {
        return Err(AppError::Forbidden);
    }
    Ok((state, user, session))
}

/// The signed-in payer (payer site), or 401; 403 while a temporary
/// password must be changed (only Change Password works then). A staff
/// session is never read here.
pub fn require_payer() -> Result<
    (
        AppState,
        crate::services::payer_accounts::PayerSession,
        RequestSession,
    ),
    AppError,
> {
    let (state, payer, session) = require_payer_session()?;
    if payer.must_change_password {
        return Err(AppError::Forbidden);
    }
    Ok((state, payer, session))
}

/// The signed-in payer, even one who must change their password.
pub fn require_payer_session() -> Result<
    (
        AppState,
        crate::services::payer_accounts::PayerSession,
        RequestSession,
    ),
    AppError,
> {
    let session = session()?;
    let payer = session.payer.clone().ok_or(AppError::Unauthenticated)?;
    Ok((state()?, payer, session))
}

/// Adds a `Set-Cookie` header (a session cookie made by `web::session`)
/// to the server function's response.
pub fn set_cookie(value: &str) {
    if let (Some(res), Ok(v)) = (
        use_context::<leptos_axum::ResponseOptions>(),
        http::HeaderValue::from_str(value),
    ) {
        res.append_header(http::header::SET_COOKIE, v);
    }
}

fn missing(what: &str) -> AppError {
    let incident = crate::services::incident_id();
    tracing::error!(incident = %incident, "{what} missing from server function context");
    AppError::Internal(incident)
}
