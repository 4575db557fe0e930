//! Bill Details, as server functions.

use crate::domain::bill_view::{BillForm, BillSummary};
use crate::error::AppError;
use leptos::prelude::*;

#[server(endpoint = "load_bill")]
pub async fn load_bill(id: i64) -> Result<BillSummary, AppError> {
    let (state, user, _) = super::context::require_user()?;
    crate::services::bills::detail(&state.db, &user, id).await
}

/// Submit on Bill Details: State, Status, Do Not Call.
#[server(endpoint = "update_bill")]
pub async fn update_bill(form: BillForm) -> Result<String, AppError> {
    let (state, user, session) = super::context::require_user()?;
    let today = crate::services::clock::today(&state.config.timezone);
    crate::services::bills::update(&state.db, &user, &form, session.ip.as_deref(), today).await?;
    leptos_axum::redirect(&crate::routes::bill(form.id));
    Ok("The bill was saved.".into())
}
