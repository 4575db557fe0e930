//! Payment links: Send Payment Link and Revoke in the console (staff who
//! take payments on behalf), and the payer site's calls (`p_link_*`), which
//! a link's token authorizes: they never read the staff session, so a
//! staff sign-in gives them no extra power.

use crate::domain::payment::PaymentForm;
use crate::domain::payment_link::{LinkPage, LinkReceipt, LinkView, OneTimeForm, SendLinkForm};
use crate::domain::payment_view::ReviewView;
use crate::error::AppError;
use leptos::prelude::*;

/// Send Link: stores and sends the link, then back to the account page.
#[server(endpoint = "send_payment_link")]
pub async fn send_payment_link(form: SendLinkForm) -> Result<String, AppError> {
    let (state, user, session) =
        super::context::require(crate::domain::entitlements::Entitlement::OnBehalfPayments)?;
    let sent = state
        .payment_links()
        .send(&user, &form, session.ip.as_deref())
        .await?;
    leptos_axum::redirect(&crate::routes::account_link_sent(&form.account, sent.id));
    Ok(format!(
        "Payment link sent by {} to {}.",
        sent.channel.label().to_lowercase(),
        sent.address
    ))
}

/// An account's payment links, newest first.
#[server(endpoint = "load_payment_links")]
pub async fn load_payment_links(account: String) -> Result<Vec<LinkView>, AppError> {
    let (state, user, _) =
        super::context::require(crate::domain::entitlements::Entitlement::OnBehalfPayments)?;
    state.payment_links().for_account(&user, &account).await
}

/// Revoke a link that has not been used.
#[server(endpoint = "revoke_payment_link")]
pub async fn revoke_payment_link(account: String, link: i64) -> Result<(), AppError> {
    let (state, user, session) =
        super::context::require(crate::domain::entitlements::Entitlement::OnBehalfPayments)?;
    state
        .payment_links()
        .revoke(&user, &account, link, session.ip.as_deref())
        .await?;
    leptos_axum::redirect(&crate::routes::account_link_revoked(&account, link));
    Ok(())
}

/// Unlock Account (Accounts Found): ends One Time Payment's lock.
#[server(endpoint = "unlock_one_time")]
pub async fn unlock_one_time(account: String) -> Result<(), AppError> {
    let (state, user, session) =
        super::context::require(crate::domain::entitlements::Entitlement::OnBehalfPayments)?;
    state
        .payment_links()
        .unlock_one_time(&user, &account, session.ip.as_deref())
        .await?;
    leptos_axum::redirect(&crate::routes::payer_support_account(&account));
    Ok(())
}

/// The payer's address, for the payer site's rate limit.
#[cfg(feature = "ssr")]
fn payer_ip() -> Result<Option<String>, AppError> {
    Ok(super::context::session()?.ip)
}

/// One Time Payment: the identifiers, then the account's payment page.
#[server(endpoint = "p_one_time")]
pub async fn p_one_time(form: OneTimeForm) -> Result<String, AppError> {
    let state = super::context::state()?;
    let token = state
        .payment_links()
        .one_time(&form, payer_ip()?.as_deref())
        .await?;
    leptos_axum::redirect(&crate::routes::payer_link(&token));
    Ok(token)
}

#[server(endpoint = "p_link_page")]
pub async fn p_link_page(token: String) -> Result<LinkPage, AppError> {
    let state = super::context::state()?;
    state
        .payment_links()
        .page(&token, payer_ip()?.as_deref())
        .await
}

/// Confirm on a link's One Time Payment: on to the review.
#[server(endpoint = "p_link_confirm")]
pub async fn p_link_confirm(token: String, form: PaymentForm) -> Result<String, AppError> {
    let state = super::context::state()?;
    let sealed = state
        .payment_links()
        .confirm(&token, &form, payer_ip()?.as_deref())
        .await?;
    leptos_axum::redirect(&crate::routes::payer_link_review(&token, &sealed));
    Ok(sealed)
}

#[server(endpoint = "p_link_review")]
pub async fn p_link_review(token: String, r: String) -> Result<ReviewView, AppError> {
    let state = super::context::state()?;
    state.payment_links().review(&token, &r).await
}

/// Pay: once, however often it is pressed; then the receipt.
#[server(endpoint = "p_link_pay")]
pub async fn p_link_pay(token: String, r: String) -> Result<String, AppError> {
    let state = super::context::state()?;
    let ip = payer_ip()?;
    let receipt_for = token.clone();
    let taken = state
        .finish_detached(|state| async move {
            let taken = state.payment_links().pay(&token, &r, ip.as_deref()).await?;
            state.send_notices_soon(taken.payment_id);
            Ok(taken)
        })
        .await?;
    leptos_axum::redirect(&crate::routes::payer_link_receipt(&receipt_for));
    Ok(taken.reference.to_string())
}

#[server(endpoint = "p_link_receipt")]
pub async fn p_link_receipt(token: String) -> Result<LinkReceipt, AppError> {
    let state = super::context::state()?;
    state
        .payment_links()
        .receipt(&token, payer_ip()?.as_deref())
        .await
}
