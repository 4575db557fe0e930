//! Cancel/Reverse and settlement, as server functions.

use crate::domain::payment_view::CancelReverseForm;
use crate::domain::settlement_view::SettlementRun;
use crate::error::AppError;
use leptos::prelude::*;

/// Cancel, void, reverse or refund a payment. Exactly once per form key;
/// answers with what was done, in words.
#[server(endpoint = "cancel_reverse")]
pub async fn cancel_reverse(form: CancelReverseForm) -> Result<String, AppError> {
    let (state, user, session) = super::context::require_user()?;
    let done = state
        .finish_detached(|state| async move {
            let done = crate::services::lifecycle::cancel_reverse(&state.db, &state.processor, &user, &form, session.ip.as_deref()).await?;
            state.send_notices_soon(done.payment_id);
            Ok(done)
        })
        .await?;
    leptos_axum::redirect(&crate::routes::payment(&done.reference.to_string()));
    Ok(format!("{} done for payment {}.", done.kind.label(), done.reference))
}

/// The settlement runs, newest first (administrators).
#[server(endpoint = "load_settlements")]
pub async fn load_settlements() -> Result<Vec<SettlementRun>, AppError> {
    let (state, _user) = super::context::require_admin()?;
    crate::services::settlement::runs(&state.db, &state.config).await
}

/// "Run settlement now" (administrators).
#[server(endpoint = "run_settlement")]
pub async fn run_settlement() -> Result<String, AppError> {
    let (state, user) = super::context::require_admin()?;
    let out = state
        .finish_detached(|state| async move {
            crate::services::settlement::settle(&state.db, &state.config, &state.keys, crate::db::now_ms(), &user.login).await
        })
        .await?;
    let returned = out.returns.iter().filter(|r| matches!(r, crate::db::settlement::ReturnOutcome::Failed { .. })).count();
    leptos_axum::redirect(crate::routes::SETTLEMENTS);
    Ok(match out.run {
        None => "Nothing to settle.".to_string(),
        Some(r) => format!(
            "Settlement run {}: {} card payment(s) captured{}{}.",
            r.run_id,
            r.card_count,
            r.file.map(|f| format!(", ACH file {} with {} entries", f.file_name, f.entry_count)).unwrap_or_default(),
            if returned > 0 { format!(", {returned} ACH return(s)") } else { String::new() }
        ),
    })
}
