//! Home's figures, as a server function (Reports).

use crate::domain::home_view::HomeView;
use crate::error::AppError;
use leptos::prelude::*;

/// Home: today's and this week's payments, the last 30 days, Pending ACH,
/// returns and bills coming due.
#[server(endpoint = "load_home")]
pub async fn load_home() -> Result<HomeView, AppError> {
    let (state, user, _) =
        super::context::require(crate::domain::entitlements::Entitlement::Reports)?;
    let now = crate::db::now_ms();
    crate::services::home::load(&state.db, &state.config.timezone, now, &user.shown()).await
}
