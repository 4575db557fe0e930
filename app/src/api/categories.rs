//! Manage Category (administrators by default; the Manage Category
//! entitlement). The rules are in `services::categories`.

use crate::domain::category::{Category, CategoryForm};
#[cfg(feature = "ssr")]
use crate::domain::entitlements::Entitlement;
use crate::error::AppError;
use leptos::prelude::*;

#[server(endpoint = "load_categories")]
pub async fn load_categories() -> Result<Vec<Category>, AppError> {
    let (state, user, _) = super::context::require(Entitlement::Categories)?;
    state.categories().list(&user.shown()).await
}

/// Save Category Item: a new line without `id`, else an edit of the line
/// as it was at `version`.
#[server(endpoint = "save_category")]
pub async fn save_category(
    #[server(default)] id: Option<i64>,
    #[server(default)] version: i64,
    form: CategoryForm,
) -> Result<i64, AppError> {
    let (state, user, req) = super::context::require(Entitlement::Categories)?;
    let id = state
        .categories()
        .save(&user, id, version, &form, req.ip.as_deref())
        .await?;
    leptos_axum::redirect(&crate::routes::categories_saved(id));
    Ok(id)
}

/// Delete, after the confirmation.
#[server(endpoint = "delete_category")]
pub async fn delete_category(id: i64, version: i64) -> Result<(), AppError> {
    let (state, user, req) = super::context::require(Entitlement::Categories)?;
    state
        .categories()
        .delete(&user, id, version, req.ip.as_deref())
        .await?;
    leptos_axum::redirect(&format!("{}?deleted=1", crate::routes::CATEGORIES));
    Ok(())
}
