//! Cancel/Reverse and settlement, as server functions.

use crate::domain::payment_view::{ApprovalView, CancelReverseForm};
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
            let threshold = state.config.refund_approval_threshold;
            let done = crate::services::lifecycle::cancel_reverse(
                &state.db,
                &state.processor,
                threshold,
                &user,
                &form,
                session.ip.as_deref(),
            )
            .await?;
            state.send_notices_soon(done.payment_id);
            Ok(done)
        })
        .await?;
    leptos_axum::redirect(&crate::routes::payment(&done.reference.to_string()));
    Ok(if done.awaiting_approval {
        format!(
            "{} of payment {} is awaiting approval by a second person.",
            done.kind.label(),
            done.reference
        )
    } else {
        format!("{} done for payment {}.", done.kind.label(), done.reference)
    })
}

/// Approve or reject a refund awaiting approval (`decision` is `approve`
/// or `reject`); never the requester's own.
#[server(endpoint = "decide_refund")]
pub async fn decide_refund(approval: i64, decision: String) -> Result<String, AppError> {
    use crate::services::lifecycle::{approve_refund, reject_refund};
    let (state, user, session) =
        super::context::require(crate::domain::entitlements::Entitlement::ApproveRefunds)?;
    let approve = match decision.as_str() {
        "approve" => true,
        "reject" => false,
        _ => {
            return Err(AppError::BadRequest(
                "decision must be approve or reject".into(),
            ));
        }
    };
    let done = state
        .finish_detached(|state| async move {
            let ip = session.ip.as_deref();
            let done = if approve {
                approve_refund(&state.db, &state.processor, &user, approval, ip).await?
            } else {
                reject_refund(&state.db, &user, approval, ip).await?
            };
            state.send_notices_soon(done.payment_id);
            Ok(done)
        })
        .await?;
    leptos_axum::redirect(&crate::routes::payment(&done.reference.to_string()));
    let what = if approve { "approved" } else { "rejected" };
    Ok(format!(
        "{} of payment {} {what}.",
        done.kind.label(),
        done.reference
    ))
}

/// Refunds awaiting approval, oldest first.
#[server(endpoint = "load_approvals")]
pub async fn load_approvals() -> Result<Vec<ApprovalView>, AppError> {
    let (state, user, _) =
        super::context::require(crate::domain::entitlements::Entitlement::ApproveRefunds)?;
    crate::services::lifecycle::awaiting_approvals(&state.db, &user, &state.config.timezone).await
}

/// The settlement runs, newest first (administrators).
#[server(endpoint = "load_settlements")]
pub async fn load_settlements() -> Result<Vec<SettlementRun>, AppError> {
    let (state, _, _) =
        super::context::require(crate::domain::entitlements::Entitlement::Settlement)?;
    crate::services::settlement::runs(&state.db, &state.config).await
}

/// "Run settlement now" (administrators).
#[server(endpoint = "run_settlement")]
pub async fn run_settlement() -> Result<String, AppError> {
    let (state, user, _) =
        super::context::require(crate::domain::entitlements::Entitlement::Settlement)?;
    let out = state
        .finish_detached(|state| async move {
            crate::services::settlement::settle(
                &state.db,
                &state.config,
                &state.keys,
                crate::db::now_ms(),
                &user.login,
            )
            .await
        })
        .await?;
    let returned = out
        .returns
        .iter()
        .filter(|r| matches!(r, crate::db::settlement::ReturnOutcome::Failed { .. }))
        .count();
    leptos_axum::redirect(crate::routes::SETTLEMENTS);
    Ok(match out.run {
        None => "Nothing to settle.".to_string(),
        Some(r) => format!(
            "Settlement run {}: {} card payment(s) captured{}{}.",
            r.run_id,
            r.card_count,
            r.file
                .map(|f| format!(", ACH file {} with {} entries", f.file_name, f.entry_count))
                .unwrap_or_default(),
            if returned > 0 {
                format!(", {returned} ACH return(s)")
            } else {
                String::new()
            }
        ),
    })
}
