use crate::domain::payer_support::SearchResults;
use crate::error::AppError;
use leptos::prelude::*;

/// Payer Support's search. `by` is a [`SearchBy`] code (`account`, `user`).
#[server(endpoint = "search_accounts")]
pub async fn search_accounts(by: String, q: String) -> Result<SearchResults, AppError> {
    use crate::domain::payer_support::SearchBy;
    let (state, _user, _) = super::context::require_user()?;
    let by = SearchBy::from_code(&by).ok_or_else(|| AppError::field("by", "Choose what to search by."))?;
    crate::services::payer_support::search(&state.db, by, &q).await
}
