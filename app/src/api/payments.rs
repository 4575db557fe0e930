use crate::domain::payment::PaymentForm;
use crate::domain::payment_view::{PayContext, PaymentDetail, ReviewView};
use crate::error::AppError;
use leptos::prelude::*;

/// The account at the top of Make Payment, the form's limits, and the
/// invoice when paying toward one bill.
#[server(endpoint = "load_pay_context")]
pub async fn load_pay_context(
    account: String,
    #[server(default)] bill: Option<i64>,
) -> Result<PayContext, AppError> {
    let (state, user, _) =
        super::context::require(crate::domain::entitlements::Entitlement::OnBehalfPayments)?;
    state.payments().context(&user, &account, bill).await
}

/// Confirm: checks the form on the server and moves on to the review.
#[server(endpoint = "confirm_payment")]
pub async fn confirm_payment(form: PaymentForm) -> Result<String, AppError> {
    let (state, user, _) =
        super::context::require(crate::domain::entitlements::Entitlement::OnBehalfPayments)?;
    let sealed = state.payments().review(&user, &form).await?;
    leptos_axum::redirect(&crate::routes::review(&form.account, &sealed));
    Ok(sealed)
}

/// The review page's content, from the sealed review.
#[server(endpoint = "review_payment")]
pub async fn review_payment(r: String) -> Result<ReviewView, AppError> {
    let (state, user, _) =
        super::context::require(crate::domain::entitlements::Entitlement::OnBehalfPayments)?;
    state.payments().show_review(&user, &r).await
}

/// Make Payment: takes the payment once, however often it is sent.
#[server(endpoint = "make_payment")]
pub async fn make_payment(r: String) -> Result<String, AppError> {
    let (state, user, session) =
        super::context::require(crate::domain::entitlements::Entitlement::OnBehalfPayments)?;
    let taken = state
        .finish_detached(|state| async move {
            let taken = state
                .payments()
                .submit(&user, &r, session.ip.as_deref())
                .await?;
            state.send_notices_soon(taken.payment_id);
            Ok(taken)
        })
        .await?;
    leptos_axum::redirect(&crate::routes::thanks(&taken.reference.to_string()));
    Ok(taken.reference.to_string())
}

#[server(endpoint = "load_payment_detail")]
pub async fn load_payment_detail(reference: String) -> Result<PaymentDetail, AppError> {
    let (state, user, _) = super::context::require_user()?;
    state.payments().detail(&reference, &user).await
}
