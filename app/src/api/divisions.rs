//! Divisions (administrators by default; the Divisions entitlement). The
//! rules are in `services::divisions` and `domain::division`.

use crate::domain::division::{AchCompanyForm, Division, DivisionForm};
#[cfg(feature = "ssr")]
use crate::domain::entitlements::Entitlement;
use crate::error::AppError;
use leptos::prelude::*;

/// The Divisions page: every division with its number of accounts.
#[server(endpoint = "load_divisions")]
pub async fn load_divisions() -> Result<Vec<Division>, AppError> {
    let (state, _, _) = super::context::require(Entitlement::Divisions)?;
    state.divisions().list().await
}

/// The divisions the signed-in user may use, for the pages that let them
/// pick one (Create Account). One division means there is nothing to pick.
#[server(endpoint = "my_divisions")]
pub async fn my_divisions() -> Result<Vec<Division>, AppError> {
    let (state, user, _) = super::context::require_user()?;
    state.divisions().usable_by(&user).await
}

/// Add Division (no `id`) or Rename.
#[server(endpoint = "save_division")]
pub async fn save_division(
    #[server(default)] id: Option<i64>,
    form: DivisionForm,
) -> Result<i64, AppError> {
    let (state, user, req) = super::context::require(Entitlement::Divisions)?;
    let id = state
        .divisions()
        .save(&user, id, &form.name, req.ip.as_deref())
        .await?;
    leptos_axum::redirect(&format!("{}?saved={id}", crate::routes::DIVISIONS));
    Ok(id)
}

/// ACH Company of division `id` (both fields empty: the Profile's).
#[server(endpoint = "save_division_ach")]
pub async fn save_division_ach(id: i64, form: AchCompanyForm) -> Result<i64, AppError> {
    let (state, user, req) = super::context::require(Entitlement::Divisions)?;
    state
        .divisions()
        .save_ach(&user, id, &form, req.ip.as_deref())
        .await?;
    leptos_axum::redirect(&format!("{}?saved={id}", crate::routes::DIVISIONS));
    Ok(id)
}

/// The division selector above the menu: narrows this session's searches,
/// Home and reports to one division (`division` empty: every division),
/// then shows `back` (the page it was on) again. A plain form post, so it
/// works the same with and without JavaScript.
#[server(endpoint = "choose_division")]
pub async fn choose_division(
    division: String,
    #[server(default)] back: String,
) -> Result<(), AppError> {
    let (state, user, req) = super::context::require_user()?;
    let token = req.token.as_deref().ok_or(AppError::Unauthenticated)?;
    state.divisions().choose(&user, token, &division).await?;
    let home = crate::routes::home_for(&user);
    leptos_axum::redirect(&crate::web::session::safe_next(Some(&back), home));
    Ok(())
}
