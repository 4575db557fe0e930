//! Enrolled payers: the payer site's Register Now, Sign In, Sign Out,
//! Change Password, dashboard and Pay Now (`p_*`: the payer's own session,
//! never the staff's), and the console's Enrolled User Information (a
//! staff session with On-behalf payments). The rules are in
//! `services::payer_accounts`.

use crate::domain::payer_account::{
    EnrolledUser, ForgotForm, NewPasswordForm, PayerHome, PayerPayments, PayerSignInForm,
    RegisterForm, ResetForm, ResetPage, TemporaryPassword,
};
use crate::error::AppError;
use leptos::prelude::*;

/// Sets (or, with `None`, clears) the payer site's cookie on the response.
#[cfg(feature = "ssr")]
fn set_payer_cookie(token: Option<&str>, https: bool) {
    super::context::set_cookie(&crate::web::session::payer_cookie(token, https));
}

/// Register Now: the payer is signed in, then optionally saves a payment
/// method, or Skip to Login (their dashboard).
#[server(endpoint = "p_register")]
pub async fn p_register(form: RegisterForm) -> Result<(), AppError> {
    let state = super::context::state()?;
    let req = super::context::session()?;
    let token = state
        .payer_accounts()
        .register(&form, req.ip.as_deref())
        .await?;
    set_payer_cookie(Some(&token), req.https);
    leptos_axum::redirect(crate::routes::PAYER_REGISTERED);
    Ok(())
}

/// Forgot Password: always the same answer; the link is emailed after it.
#[server(endpoint = "p_forgot")]
pub async fn p_forgot(form: ForgotForm) -> Result<(), AppError> {
    let state = super::context::state()?;
    let req = super::context::session()?;
    state
        .payer_accounts()
        .forgot(&form.user_id, req.ip.as_deref())
        .await?;
    leptos_axum::redirect(&format!("{}?sent=1", crate::routes::PAYER_FORGOT));
    Ok(())
}

/// The reset link's page.
#[server(endpoint = "p_reset_page")]
pub async fn p_reset_page(token: String) -> Result<ResetPage, AppError> {
    let state = super::context::state()?;
    let req = super::context::session()?;
    state
        .payer_accounts()
        .reset_page(&token, req.ip.as_deref())
        .await
}

/// Reset Password: then Sign In with the new password.
#[server(endpoint = "p_reset")]
pub async fn p_reset(form: ResetForm) -> Result<(), AppError> {
    let state = super::context::state()?;
    let req = super::context::session()?;
    state
        .payer_accounts()
        .reset(&form, req.ip.as_deref())
        .await?;
    leptos_axum::redirect(&format!("{}?reset=1", crate::routes::PAYER_SIGN_IN));
    Ok(())
}

/// Sign In on the payer site: its own cookie, then the dashboard (or
/// Change Password after a temporary password).
#[server(endpoint = "p_sign_in")]
pub async fn p_sign_in(form: PayerSignInForm) -> Result<(), AppError> {
    let state = super::context::state()?;
    let req = super::context::session()?;
    let (token, payer) = state
        .payer_accounts()
        .sign_in(&form.user_id, &form.password, req.ip.as_deref())
        .await?;
    set_payer_cookie(Some(&token), req.https);
    leptos_axum::redirect(if payer.must_change_password {
        crate::routes::PAYER_CHANGE_PASSWORD
    } else {
        crate::routes::PAYER_HOME
    });
    Ok(())
}

#[server(endpoint = "p_sign_out")]
pub async fn p_sign_out() -> Result<(), AppError> {
    let state = super::context::state()?;
    let req = super::context::session()?;
    if let Some(token) = &req.payer_token {
        state
            .payer_accounts()
            .sign_out(token, req.ip.as_deref())
            .await?;
    }
    set_payer_cookie(None, req.https);
    leptos_axum::redirect(&format!("{}?signed_out=1", crate::routes::PAYER_SIGN_IN));
    Ok(())
}

/// The payer's own Change Password (required after a temporary one).
#[server(endpoint = "p_change_password")]
pub async fn p_change_password(form: NewPasswordForm) -> Result<(), AppError> {
    let (state, payer, req) = super::context::require_payer_session()?;
    let token = state
        .payer_accounts()
        .change_password(
            &payer,
            &form.current,
            &form.new,
            &form.confirm,
            req.ip.as_deref(),
        )
        .await?;
    set_payer_cookie(Some(&token), req.https);
    leptos_axum::redirect(&format!("{}?password_changed=1", crate::routes::PAYER_HOME));
    Ok(())
}

/// The payer's dashboard.
#[server(endpoint = "p_home")]
pub async fn p_home() -> Result<PayerHome, AppError> {
    let (state, payer, _) = super::context::require_payer()?;
    state.payer_accounts().home(&payer).await
}

/// Pay Now on one of the payer's accounts: on to its payment page.
#[server(endpoint = "p_pay_now")]
pub async fn p_pay_now(account: String) -> Result<String, AppError> {
    let (state, payer, req) = super::context::require_payer()?;
    let token = state
        .payer_accounts()
        .pay_now(&payer, &account, req.ip.as_deref())
        .await?;
    leptos_axum::redirect(&crate::routes::payer_link(&token));
    Ok(token)
}

/// Payment Activity: the payments on the payer's accounts.
#[server(endpoint = "p_payments")]
pub async fn p_payments() -> Result<PayerPayments, AppError> {
    let (state, payer, _) = super::context::require_payer()?;
    state.payer_accounts().payments(&payer).await
}

/// Cancel Payment (Payment Activity): a Scheduled payment, once per key.
#[server(endpoint = "p_cancel_payment")]
pub async fn p_cancel_payment(reference: String, key: String) -> Result<String, AppError> {
    let (state, payer, req) = super::context::require_payer()?;
    let done = state
        .payer_accounts()
        .cancel(&payer, &reference, &key, req.ip.as_deref())
        .await?;
    leptos_axum::redirect(&format!(
        "{}?cancelled={}",
        crate::routes::PAYER_ACTIVITY,
        crate::routes::encode_component(&done)
    ));
    Ok(done)
}

/// Automatic Payments: the payer's plans and saved methods.
#[server(endpoint = "p_plans")]
pub async fn p_plans() -> Result<crate::domain::plan::PayerView, AppError> {
    let (state, payer, _) = super::context::require_payer()?;
    // A payer sees every account they pay, whatever its division.
    let all = &crate::domain::division::ALL_DIVISIONS;
    state.payments().payer_view(all, &payer.user_id).await
}

/// Enrolled User Information (console).
#[server(endpoint = "load_enrolled_user")]
pub async fn load_enrolled_user(user_id: String) -> Result<EnrolledUser, AppError> {
    let (state, user, _) =
        super::context::require(crate::domain::entitlements::Entitlement::OnBehalfPayments)?;
    state.payer_accounts().enrolled_user(&user, &user_id).await
}

/// The Unlock/Lock toggle.
#[server(endpoint = "set_payer_locked")]
pub async fn set_payer_locked(user_id: String, locked: bool) -> Result<(), AppError> {
    let (state, user, req) =
        super::context::require(crate::domain::entitlements::Entitlement::OnBehalfPayments)?;
    state
        .payer_accounts()
        .set_locked(&user, &user_id, locked, req.ip.as_deref())
        .await?;
    leptos_axum::redirect(&crate::routes::payer(&user_id));
    Ok(())
}

/// The payer's email, edited from Enrolled User Information.
#[server(endpoint = "set_payer_email")]
pub async fn set_payer_email(user_id: String, email: String) -> Result<(), AppError> {
    let (state, user, req) =
        super::context::require(crate::domain::entitlements::Entitlement::OnBehalfPayments)?;
    state
        .payer_accounts()
        .set_email(&user, &user_id, &email, req.ip.as_deref())
        .await?;
    leptos_axum::redirect(&crate::routes::payer(&user_id));
    Ok(())
}

/// Change Password (console): a temporary password, emailed to the
/// address on record. With JavaScript the page shows it for a few seconds;
/// without, the page says where it was emailed (it is never put in an
/// address, where history and logs would keep it).
#[server(endpoint = "reset_payer_password")]
pub async fn reset_payer_password(user_id: String) -> Result<TemporaryPassword, AppError> {
    let (state, user, req) =
        super::context::require(crate::domain::entitlements::Entitlement::OnBehalfPayments)?;
    let done = state
        .payer_accounts()
        .reset_password(&user, &user_id, req.ip.as_deref())
        .await?;
    leptos_axum::redirect(&crate::routes::payer_reset(
        &user_id,
        done.emailed_to.as_deref(),
    ));
    Ok(done)
}
