//! Convenience Fees (administrators by default; the Convenience Fees
//! entitlement). The rules are in `services::fees` and `domain::fee`.

#[cfg(feature = "ssr")]
use crate::domain::entitlements::Entitlement;
use crate::domain::fee::{FeeSettings, FeeSettingsForm};
use crate::error::AppError;
use leptos::prelude::*;

#[server(endpoint = "load_fees")]
pub async fn load_fees() -> Result<FeeSettings, AppError> {
    let (state, _, _) = super::context::require(Entitlement::Fees)?;
    state.fees().load().await
}

/// Save Changes of the fees as they were at `version`.
#[server(endpoint = "save_fees")]
pub async fn save_fees(
    #[server(default)] version: i64,
    form: FeeSettingsForm,
) -> Result<(), AppError> {
    let (state, user, req) = super::context::require(Entitlement::Fees)?;
    state
        .fees()
        .save(&user, version, &form, req.ip.as_deref())
        .await?;
    leptos_axum::redirect(&format!("{}?saved=1", crate::routes::FEES));
    Ok(())
}
