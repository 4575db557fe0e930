//! Forgot Your Password? and Forgot Your Username?, from the sign-in page.
//! Anyone may call these (they are how a signed-out user gets back in); the
//! service answers the same whatever is typed and limits how often.

use crate::error::AppError;
use leptos::prelude::*;

#[cfg(feature = "ssr")]
fn self_service(state: &crate::web::AppState) -> crate::services::password_reset::SelfService<'_> {
    crate::services::password_reset::SelfService {
        gate: &state.hash_gate,
        db: &state.db,
        mailer: &state.mailer,
        config: &state.config,
    }
}

/// Step 1: emails a security code for this login ID, then shows "Security
/// Code Sent!" (the same for any login ID).
#[server(endpoint = "request_password_reset")]
pub async fn request_password_reset(login: String) -> Result<(), AppError> {
    use crate::services::password_reset::CodeRequest;
    let (state, req) = (super::context::state()?, super::context::session()?);
    self_service(&state)
        .request_code(&login, CodeRequest::First, req.ip.as_deref())
        .await?;
    leptos_axum::redirect(&crate::routes::forgot_password_code(&login, false));
    Ok(())
}

/// Resend Code: a new code replaces the one sent before.
#[server(endpoint = "resend_password_reset_code")]
pub async fn resend_password_reset_code(login: String) -> Result<(), AppError> {
    use crate::services::password_reset::CodeRequest;
    let (state, req) = (super::context::state()?, super::context::session()?);
    self_service(&state)
        .request_code(&login, CodeRequest::Resend, req.ip.as_deref())
        .await?;
    leptos_axum::redirect(&crate::routes::forgot_password_code(&login, true));
    Ok(())
}

/// Create New Password, with the code from the email; then sign in.
#[server(endpoint = "reset_password")]
pub async fn reset_password(
    login: String,
    code: String,
    new: String,
    confirm: String,
) -> Result<(), AppError> {
    let (state, req) = (super::context::state()?, super::context::session()?);
    self_service(&state)
        .reset_password(&login, &code, &new, &confirm, req.ip.as_deref())
        .await?;
    leptos_axum::redirect("/sign-in?password_reset=1");
    Ok(())
}

/// Forgot Your Username?: the login ID goes to the address, if a user has it.
#[server(endpoint = "forgot_username")]
pub async fn forgot_username(email: String) -> Result<(), AppError> {
    let (state, req) = (super::context::state()?, super::context::session()?);
    self_service(&state)
        .send_login_id(&email, req.ip.as_deref())
        .await?;
    leptos_axum::redirect(&format!("{}?sent=1", crate::routes::FORGOT_USERNAME));
    Ok(())
}
