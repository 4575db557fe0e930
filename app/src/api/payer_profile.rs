//! The payer site's Profile and the payer's Cancel of an automatic
//! payment (`p_*`: the payer's own session, never the staff's). The rules
//! are in `services::payer_profile`; saved methods and plans go through
//! the console's own services (`services::plans`) with the payer as the
//! actor.

use crate::domain::payer_profile::{AlertsForm, EmailForm, PayerProfile, QuestionsForm};
use crate::domain::payment::PaymentForm;
use crate::domain::plan::MethodReview;
use crate::error::AppError;
#[cfg(feature = "ssr")]
use crate::services::actor::Actor;
use leptos::prelude::*;

/// Where a saved method's Add leads: back to Register Now's next step, or
/// to Profile.
#[cfg(feature = "ssr")]
fn after_method(next: Option<&str>, done: &str) -> String {
    let page = match next {
        Some("registered") => crate::routes::PAYER_REGISTERED,
        _ => crate::routes::PAYER_PROFILE,
    };
    format!("{page}?{done}=1")
}

/// The Profile page.
#[server(endpoint = "p_profile")]
pub async fn p_profile() -> Result<PayerProfile, AppError> {
    let (state, payer, _) = super::context::require_payer()?;
    state.payer_accounts().profile(&payer).await
}

/// Profile's Email (with the current password).
#[server(endpoint = "p_change_email")]
pub async fn p_change_email(form: EmailForm) -> Result<(), AppError> {
    let (state, payer, req) = super::context::require_payer()?;
    state
        .payer_accounts()
        .change_email(&payer, &form, req.ip.as_deref())
        .await?;
    leptos_axum::redirect(&format!("{}?email_changed=1", crate::routes::PAYER_PROFILE));
    Ok(())
}

/// Profile's Challenge Questions (with the current password).
#[server(endpoint = "p_change_questions")]
pub async fn p_change_questions(form: QuestionsForm) -> Result<(), AppError> {
    let (state, payer, req) = super::context::require_payer()?;
    state
        .payer_accounts()
        .change_questions(&payer, &form, req.ip.as_deref())
        .await?;
    leptos_axum::redirect(&format!(
        "{}?questions_changed=1",
        crate::routes::PAYER_PROFILE
    ));
    Ok(())
}

/// Profile's Alerts.
#[server(endpoint = "p_change_alerts")]
pub async fn p_change_alerts(form: AlertsForm) -> Result<(), AppError> {
    let (state, payer, req) = super::context::require_payer()?;
    state
        .payer_accounts()
        .change_alerts(&payer, &form, req.ip.as_deref())
        .await?;
    leptos_axum::redirect(&format!(
        "{}?alerts_changed=1",
        crate::routes::PAYER_PROFILE
    ));
    Ok(())
}

/// Add Credit Card / Add Bank Account: checks the method, then its review.
#[server(endpoint = "p_review_method")]
pub async fn p_review_method(form: PaymentForm, next: Option<String>) -> Result<String, AppError> {
    let (state, payer, _) = super::context::require_payer()?;
    let sealed = state
        .payments()
        .review_new_method(&Actor::Payer(&payer), &payer.user_id, &form)
        .await?;
    let mut to = crate::routes::payer_method_review(&sealed);
    if next.as_deref() == Some("registered") {
        to.push_str("&next=registered");
    }
    leptos_axum::redirect(&to);
    Ok(sealed)
}

/// The review of a method to add.
#[server(endpoint = "p_method_review")]
pub async fn p_method_review(r: String) -> Result<MethodReview, AppError> {
    let (state, payer, _) = super::context::require_payer()?;
    state.payments().show_new_method(&Actor::Payer(&payer), &r)
}

/// Add on the review: one method, however often it is sent.
#[server(endpoint = "p_add_method")]
pub async fn p_add_method(r: String, next: Option<String>) -> Result<(), AppError> {
    let (state, payer, req) = super::context::require_payer()?;
    state
        .payments()
        .add_method(&Actor::Payer(&payer), &r, req.ip.as_deref())
        .await?;
    leptos_axum::redirect(&after_method(next.as_deref(), "method_added"));
    Ok(())
}

/// Delete on a saved method (after a confirmation).
#[server(endpoint = "p_delete_method")]
pub async fn p_delete_method(method: i64) -> Result<(), AppError> {
    let (state, payer, req) = super::context::require_payer()?;
    state
        .payments()
        .delete_method(
            &Actor::Payer(&payer),
            &payer.user_id,
            method,
            req.ip.as_deref(),
        )
        .await?;
    leptos_axum::redirect(&after_method(None, "method_deleted"));
    Ok(())
}

/// Cancel on Automatic Payments: one of the payer's own plans.
#[server(endpoint = "p_cancel_plan")]
pub async fn p_cancel_plan(plan: i64) -> Result<bool, AppError> {
    let (state, payer, req) = super::context::require_payer()?;
    let ended = state
        .payments()
        .cancel_plan(&Actor::Payer(&payer), plan, req.ip.as_deref())
        .await?;
    leptos_axum::redirect(&format!(
        "{}?{}=1",
        crate::routes::PAYER_PLANS,
        if ended { "cancelled" } else { "ended_already" }
    ));
    Ok(ended)
}
