use crate::domain::staff::StaffUser;
use crate::error::AppError;
use leptos::prelude::*;

/// Signs a staff user in and sends them on to `next` (or their home page).
#[server(endpoint = "sign_in")]
pub async fn sign_in(
    login: String,
    password: String,
    next: Option<String>,
) -> Result<(), AppError> {
    use super::context;
    use crate::web::session;
    let state = context::state()?;
    let req = context::session()?;
    let signed = crate::services::auth::sign_in(
        &state.db,
        &state.hash_gate,
        &login,
        &password,
        req.ip.as_deref(),
        state.config.sign_in_ip_limit,
    )
    .await?;
    context::set_cookie(&session::cookie(Some(&signed.token), req.https));
    let home = crate::routes::home_for(&signed.user);
    leptos_axum::redirect(&session::safe_next(next.as_deref(), home));
    Ok(())
}

/// Ends the session on the server, then shows the sign-in page.
#[server(endpoint = "sign_out")]
pub async fn sign_out() -> Result<(), AppError> {
    use super::context;
    use crate::web::session;
    let req = context::session()?;
    if let (Some(user), Some(token)) = (&req.user, &req.token) {
        let state = context::state()?;
        crate::services::auth::sign_out(&state.db, token, user, req.ip.as_deref()).await?;
    }
    context::set_cookie(&session::cookie(None, req.https));
    leptos_axum::redirect("/sign-in?signed_out=1");
    Ok(())
}

/// The signed-in staff user, for the header.
#[server(endpoint = "current_user")]
pub async fn current_user() -> Result<StaffUser, AppError> {
    let (_, user, _) = super::context::require_session()?;
    Ok(user)
}

/// "Stay signed in": keeps the session (like any request the user makes)
/// and says how many minutes it may sit idle, so that the page can warn
/// before it ends (WCAG 2.2.1, ui/session_watch.rs).
#[server(endpoint = "stay_signed_in")]
pub async fn stay_signed_in() -> Result<i64, AppError> {
    let (state, _, _) = super::context::require_session()?;
    Ok(state.config.session_idle_minutes)
}

/// Change Password: the user's own, with the current one.
#[server(endpoint = "change_password")]
pub async fn change_password(
    current: String,
    new: String,
    confirm: String,
) -> Result<(), AppError> {
    use crate::web::session;
    let (state, user, req) = super::context::require_session()?;
    let token = crate::services::auth::change_password(
        &state.db,
        &state.hash_gate,
        &user,
        &current,
        &new,
        &confirm,
        req.ip.as_deref(),
    )
    .await?;
    // The session id rotated with the password: the browser gets the new one.
    super::context::set_cookie(&session::cookie(Some(&token), req.https));
    leptos_axum::redirect(&format!(
        "{}?password_changed=1",
        crate::routes::home_for(&user)
    ));
    Ok(())
}
