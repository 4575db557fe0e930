use crate::domain::payer_support::SearchResults;
use crate::error::AppError;
use leptos::prelude::*;

/// Payer Support's search. `by` is a [`SearchBy`] code (`account`, `user`, `reference`).
#[server(endpoint = "search_accounts")]
pub async fn search_accounts(by: String, q: String) -> Result<SearchResults, AppError> {
    use crate::domain::payer_support::SearchBy;
    let (state, _user, _) = super::context::require_user()?;
    let by = SearchBy::from_code(&by).ok_or_else(|| AppError::field("by", "Choose what to search by."))?;
    crate::services::payer_support::search(&state.db, by, &q, &state.config.timezone).await
}

/// The current status of each payment (comma-separated Reference Numbers),
/// for the Pending refresh on Payer Support and the payment pages.
#[server(endpoint = "payment_statuses")]
pub async fn payment_statuses(refs: String) -> Result<Vec<(String, crate::domain::payment::PaymentStatus)>, AppError> {
    use crate::domain::payment::{PaymentStatus, Reference};
    let (state, _, _) = super::context::require_user()?;
    let parsed: Vec<Reference> = refs.split(',').filter_map(Reference::parse).take(200).collect();
    let stored: Vec<String> = parsed.iter().map(|r| r.as_str().to_string()).collect();
    let found = state.db.payment_statuses(&stored).await?;
    Ok(found
        .into_iter()
        .filter_map(|(r, s)| Some((Reference::parse(&r)?.to_string(), PaymentStatus::from_code(&s)?)))
        .collect())
}
