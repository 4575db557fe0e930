//! Convenience Fees (administrators by default; the Convenience Fees
//! entitlement). The rules are in `services::fees` and `domain::fee`.

#[cfg(feature = "ssr")]
use crate::domain::entitlements::Entitlement;
use crate::domain::fee::{DivisionFees, FeeSettings, FeeSettingsForm};
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

/// One division's fees: its own, or the biller's it charges.
#[server(endpoint = "load_division_fees")]
pub async fn load_division_fees(division: i64) -> Result<DivisionFees, AppError> {
    let (state, _, _) = super::context::require(Entitlement::Fees)?;
    state.fees().load_division(division).await
}

/// Save Changes on a division's page: fees of its own, as they were at
/// `version` (0: it had none).
#[server(endpoint = "save_division_fees")]
pub async fn save_division_fees(
    division: i64,
    #[server(default)] version: i64,
    form: FeeSettingsForm,
) -> Result<(), AppError> {
    let (state, user, req) = super::context::require(Entitlement::Fees)?;
    state
        .fees()
        .save_division(&user, division, version, &form, req.ip.as_deref())
        .await?;
    leptos_axum::redirect(&format!(
        "{}&saved=1",
        crate::routes::division_fees(division)
    ));
    Ok(())
}

/// Use the Biller's Fees: the division stops charging fees of its own.
#[server(endpoint = "clear_division_fees")]
pub async fn clear_division_fees(division: i64, version: i64) -> Result<(), AppError> {
    let (state, user, req) = super::context::require(Entitlement::Fees)?;
    state
        .fees()
        .clear_division(&user, division, version, req.ip.as_deref())
        .await?;
    leptos_axum::redirect(&format!(
        "{}&saved=1",
        crate::routes::division_fees(division)
    ));
    Ok(())
}
