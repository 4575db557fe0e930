//! Scheduled payments on an inactive account: they are cancelled, never
//! charged. Making an account inactive on its page cancels them at once (for
//! a user who may cancel payments); a universal file that makes accounts
//! inactive cancels theirs after it is applied; and the scheduler cancels
//! any it finds on its date instead of starting it, whatever path made the
//! account inactive. Each cancellation is an ordinary Cancel/Reverse action
//! (history, audit, the payer's notice), under a key only the server uses.

use crate::db::lifecycle::{ActionResult, NewAction};
use crate::db::{Db, DbError, now_ms};
use crate::domain::lifecycle::{ActionKind, ActionReason, inactive_account_key};

/// Who cancels, and why, for the payment's history.
pub struct Canceller<'a> {
    pub actor_id: Option<i64>,
    pub actor_login: &'a str,
    pub ip: Option<&'a str>,
    pub why: &'a str,
}

pub const MADE_INACTIVE: &str = "The account was made inactive";
pub const FILE_MADE_INACTIVE: &str = "The account was made inactive by a universal file";
pub const INACTIVE_ON_ITS_DATE: &str = "The account is inactive, so it was not charged";

/// Cancels one scheduled payment of an inactive account; false if it was
/// no longer scheduled (started, cancelled meanwhile, or a repeat).
pub async fn cancel(db: &Db, payment_id: i64, by: &Canceller<'_>) -> Result<bool, DbError> {
    // One key per payment for this cancellation, whichever path gets there
    // first; the others find it done. Client keys can never take this form
    // (see `inactive_account_key`).
    let key = inactive_account_key(payment_id);
    let cancel = NewAction {
        payment_id,
        idempotency_key: &key,
        kind: ActionKind::Cancel,
        amount: None,
        reason: ActionReason::Other,
        reason_text: Some(by.why),
        processor_ref: None,
        actor_id: by.actor_id,
        actor_login: by.actor_login,
        ip: by.ip,
        now: now_ms(),
        approval_id: None,
        partial_returns_fee: false,
        approval_threshold: None,
    };
    match db.apply_action(&cancel).await {
        Ok(ActionResult::Applied(_)) => Ok(true),
        // Started, settled or cancelled meanwhile: nothing left to cancel.
        Ok(_) => Ok(false),
        Err(e) if e.is_unique_violation() => Ok(false),
        Err(e) => Err(e),
    }
}

/// Cancels every scheduled payment on an inactive account (after a file
/// made accounts inactive). Returns how many.
pub async fn cancel_on_inactive_accounts(db: &Db, by: &Canceller<'_>) -> Result<usize, DbError> {
    let mut cancelled = 0;
    for payment_id in db.scheduled_on_inactive_accounts().await? {
        cancelled += usize::from(cancel(db, payment_id, by).await?);
    }
    Ok(cancelled)
}
