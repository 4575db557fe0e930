//! The biller's Profile page (administrators, the Biller profile
//! entitlement) and the payer site's Customer Service (anyone). The rules
//! are in `services::biller_profile`.

use crate::domain::biller_profile::{BillerProfile, BillerProfileForm};
use crate::error::AppError;
use leptos::prelude::*;

#[server(endpoint = "load_biller_profile")]
pub async fn load_biller_profile() -> Result<BillerProfile, AppError> {
    let (state, _, _) =
        super::context::require(crate::domain::entitlements::Entitlement::BillerProfile)?;
    state.biller_profiles().load().await
}

/// Save Changes.
#[server(endpoint = "save_biller_profile")]
pub async fn save_biller_profile(form: BillerProfileForm) -> Result<(), AppError> {
    let (state, user, req) =
        super::context::require(crate::domain::entitlements::Entitlement::BillerProfile)?;
    state
        .biller_profiles()
        .save(&user, &form, req.ip.as_deref())
        .await?;
    leptos_axum::redirect(&format!("{}?saved=1", crate::routes::BILLER_PROFILE));
    Ok(())
}

/// What the payer site shows under Customer Service.
#[server(endpoint = "p_customer_service")]
pub async fn p_customer_service() -> Result<Vec<String>, AppError> {
    let state = super::context::state()?;
    Ok(state.biller_profiles().load().await?.customer_service())
}
