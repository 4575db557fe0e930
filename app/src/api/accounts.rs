use crate::domain::payer_support::SearchResults;
use crate::error::AppError;
use leptos::prelude::*;

/// Payer Support's search. `by` is a [`SearchBy`] code (`account`, `user`,
/// `reference`, `name`, `email`).
#[server(endpoint = "search_accounts")]
pub async fn search_accounts(by: String, q: String) -> Result<SearchResults, AppError> {
    use crate::domain::payer_support::SearchBy;
    let (state, user, _) = super::context::require_user()?;
    let by = SearchBy::from_code(&by)
        .ok_or_else(|| AppError::field("by", "Choose what to search by."))?;
    crate::services::payer_support::search(&state.db, &user.shown(), by, &q, &state.config.timezone)
        .await
}

/// Accounts to suggest while a name or email is typed on Payer Support.
#[server(endpoint = "suggest_accounts")]
pub async fn suggest_accounts(
    by: String,
    q: String,
) -> Result<Vec<crate::domain::payer_support::Suggestion>, AppError> {
    use crate::domain::payer_support::SearchBy;
    let (state, user, _) = super::context::require_user()?;
    let by = SearchBy::from_code(&by)
        .ok_or_else(|| AppError::field("by", "Choose what to search by."))?;
    crate::services::payer_support::suggest(&state.db, &user.shown(), by, &q).await
}

/// The current status of each payment (comma-separated Reference Numbers),
/// for the Pending refresh on Payer Support and the payment pages.
#[server(endpoint = "payment_statuses")]
pub async fn payment_statuses(
    refs: String,
) -> Result<Vec<(String, crate::domain::payment::PaymentStatus)>, AppError> {
    let (state, user, _) = super::context::require_user()?;
    crate::services::payer_support::payment_statuses(&state.db, &user.divisions, &refs).await
}

/// Create Account (from a Payer Support search that found nothing).
#[server(endpoint = "create_account")]
pub async fn create_account(
    form: crate::domain::account_edit::AccountForm,
) -> Result<String, AppError> {
    let (state, user, session) = super::context::require_user()?;
    let number =
        crate::services::accounts::create(&state.db, &user, &form, session.ip.as_deref()).await?;
    leptos_axum::redirect(&crate::routes::payer_support_account(&number));
    Ok(format!("Account {number} was created."))
}

/// The account page: details, balance, history.
#[server(endpoint = "load_account")]
pub async fn load_account(
    number: String,
) -> Result<crate::domain::account_edit::AccountDetail, AppError> {
    let (state, user, _) = super::context::require_user()?;
    crate::services::accounts::detail(&state.db, &state.config.timezone, &user, &number).await
}

/// Save the account page (type, names, email, status, division).
#[server(endpoint = "update_account")]
pub async fn update_account(
    form: crate::domain::account_edit::AccountForm,
) -> Result<String, AppError> {
    let (state, user, session) = super::context::require_user()?;
    let cancelled =
        crate::services::accounts::update(&state.db, &user, &form, session.ip.as_deref()).await?;
    leptos_axum::redirect(&crate::routes::account(form.account_number.trim()));
    Ok(match cancelled {
        0 => "The account was saved.".to_string(),
        n => format!("The account was saved; {n} scheduled payment(s) were cancelled."),
    })
}

/// Adjust Balance (balance adjustments entitlement).
#[server(endpoint = "adjust_balance")]
pub async fn adjust_balance(
    form: crate::domain::account_edit::AdjustForm,
) -> Result<String, AppError> {
    let (state, user, session) =
        super::context::require(crate::domain::entitlements::Entitlement::BalanceAdjustments)?;
    let change =
        crate::services::accounts::adjust(&state.db, &user, &form, session.ip.as_deref()).await?;
    leptos_axum::redirect(&crate::routes::account(form.account_number.trim()));
    Ok(format!("The balance was adjusted by {change}."))
}
