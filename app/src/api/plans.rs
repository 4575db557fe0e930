//! Automatic payments: the payer's page (saved methods, plans), Set Up and
//! its review, Cancel, Add and Delete of saved methods. Each checks, on the
//! server, who asks and what they may do; the rules are in
//! `services::plans`.

use crate::domain::payment::PaymentForm;
use crate::domain::plan::{PayerView, PlanForm, PlanReview, SetUpContext};
use crate::error::AppError;
use leptos::prelude::*;

/// An enrolled payer's page: accounts, saved methods, plans.
#[server(endpoint = "load_payer")]
pub async fn load_payer(user_id: String) -> Result<PayerView, AppError> {
    let (state, user, _) = super::context::require_user()?;
    state.payments().payer_view(&user.divisions, &user_id).await
}

/// The Set Up page's account, payers and their saved methods.
#[server(endpoint = "load_setup")]
pub async fn load_setup(account: String) -> Result<SetUpContext, AppError> {
    let (state, user, _) =
        super::context::require(crate::domain::entitlements::Entitlement::OnBehalfPayments)?;
    state.payments().setup_context(&user, &account).await
}

/// Setup Recurring Payment / Setup Bill-Triggered Payment: checks the form
/// and moves on to the confirmation page.
#[server(endpoint = "setup_plan")]
pub async fn setup_plan(form: PlanForm) -> Result<String, AppError> {
    let (state, user, _) =
        super::context::require(crate::domain::entitlements::Entitlement::OnBehalfPayments)?;
    let sealed = state.payments().review_plan(&user, &form).await?;
    leptos_axum::redirect(&crate::routes::setup_review(&form.account, &sealed));
    Ok(sealed)
}

/// The confirmation page's content.
#[server(endpoint = "review_plan")]
pub async fn review_plan(r: String) -> Result<PlanReview, AppError> {
    let (state, user, _) =
        super::context::require(crate::domain::entitlements::Entitlement::OnBehalfPayments)?;
    state.payments().show_plan_review(&user, &r).await
}

/// Confirm Recurring Payment / Confirm Bill-Triggered Payment: one plan,
/// however often it is sent.
#[server(endpoint = "confirm_plan")]
pub async fn confirm_plan(r: String, payer: String) -> Result<i64, AppError> {
    let (state, user, session) =
        super::context::require(crate::domain::entitlements::Entitlement::OnBehalfPayments)?;
    let id = state
        .payments()
        .confirm_plan(&user, &r, session.ip.as_deref())
        .await?;
    leptos_axum::redirect(&crate::routes::payer_plan(&payer, id));
    Ok(id)
}

/// Cancel Recurring Payment / Cancel Bill-Triggered Payment.
#[server(endpoint = "cancel_plan")]
pub async fn cancel_plan(plan: i64, payer: String) -> Result<String, AppError> {
    let (state, user, session) =
        super::context::require(crate::domain::entitlements::Entitlement::CancelVoid)?;
    let ended = state
        .payments()
        .cancel_plan(
            &crate::services::actor::Actor::Staff(&user),
            plan,
            session.ip.as_deref(),
        )
        .await?;
    leptos_axum::redirect(&crate::routes::payer(&payer));
    Ok(if ended {
        format!("Plan {plan} was cancelled.")
    } else {
        format!("Plan {plan} had already ended.")
    })
}

/// Add Credit Card / Add Bank Account: checks the method and moves on to
/// its review. `stay`: the pop-up's form, which shows the review itself
/// (the page's form goes to the review page).
#[server(endpoint = "review_saved_method")]
pub async fn review_saved_method(
    payer: String,
    form: PaymentForm,
    stay: Option<bool>,
) -> Result<String, AppError> {
    let (state, user, _) =
        super::context::require(crate::domain::entitlements::Entitlement::OnBehalfPayments)?;
    let sealed = state
        .payments()
        .review_new_method(&crate::services::actor::Actor::Staff(&user), &payer, &form)
        .await?;
    if stay != Some(true) {
        leptos_axum::redirect(&crate::routes::method_review(&payer, &sealed));
    }
    Ok(sealed)
}

/// The review of a method to add.
#[server(endpoint = "load_saved_method_review")]
pub async fn load_saved_method_review(
    r: String,
) -> Result<crate::domain::plan::MethodReview, AppError> {
    let (state, user, _) =
        super::context::require(crate::domain::entitlements::Entitlement::OnBehalfPayments)?;
    state
        .payments()
        .show_new_method(&crate::services::actor::Actor::Staff(&user), &r)
}

/// Add Credit Card / Add Bank Account on the review: one method, however
/// often it is sent. `stay`: sent from the pop-up, which closes and shows
/// the payer again.
#[server(endpoint = "add_saved_method")]
pub async fn add_saved_method(r: String, stay: Option<bool>) -> Result<String, AppError> {
    let (state, user, session) =
        super::context::require(crate::domain::entitlements::Entitlement::OnBehalfPayments)?;
    let payer = state
        .payments()
        .add_method(
            &crate::services::actor::Actor::Staff(&user),
            &r,
            session.ip.as_deref(),
        )
        .await?;
    if stay != Some(true) {
        leptos_axum::redirect(&crate::routes::payer(&payer));
    }
    Ok(payer)
}

/// Delete (trash icon) on a saved method.
#[server(endpoint = "delete_saved_method")]
pub async fn delete_saved_method(payer: String, method: i64) -> Result<String, AppError> {
    let (state, user, session) =
        super::context::require(crate::domain::entitlements::Entitlement::OnBehalfPayments)?;
    state
        .payments()
        .delete_method(
            &crate::services::actor::Actor::Staff(&user),
            &payer,
            method,
            session.ip.as_deref(),
        )
        .await?;
    leptos_axum::redirect(&crate::routes::payer(&payer));
    Ok("The payment method was deleted.".into())
}
