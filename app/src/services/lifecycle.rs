//! Cancel/Reverse: cancel a Scheduled payment, void a Pending ACH debit,
//! reverse or refund a card payment in full or in part, refund a Processed
//! ACH payment by ACH credit. Exactly once per idempotency key, issued with
//! the payment page; the rules live in `domain::lifecycle` and the
//! transaction in `db::lifecycle`.

use super::processor::SandboxProcessor;
use crate::db::lifecycle::{ActionResult, NewAction};
use crate::db::{now_ms, Db};
use crate::domain::lifecycle::{check_action_form, ActionError, ActionKind};
use crate::domain::payment::{MethodKind, Reference};
use crate::domain::payment_view::CancelReverseForm;
use crate::domain::staff::StaffUser;
use crate::error::AppError;
use rand::RngCore;

/// A fresh idempotency key for one Cancel/Reverse form.
pub fn new_key() -> String {
    let mut bytes = [0u8; 16];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    hex::encode(bytes)
}

fn key_ok(key: &str) -> bool {
    (16..=64).contains(&key.len()) && key.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

/// What happened, for the page to say.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ActionDone {
    pub payment_id: i64,
    pub reference: Reference,
    pub kind: ActionKind,
    /// True when this key had been used already (a double click, a retry).
    pub repeat: bool,
}

pub async fn cancel_reverse(
    db: &Db,
    processor: &SandboxProcessor,
    staff: &StaffUser,
    form: &CancelReverseForm,
    ip: Option<&str>,
) -> Result<ActionDone, AppError> {
    let not_found = || AppError::NotFound(format!("There is no payment with Reference Number {}.", form.reference.trim()));
    let reference = Reference::parse(&form.reference).ok_or_else(not_found)?;
    let row = db.payment_by_reference(reference.as_str()).await?.ok_or_else(not_found)?;
    if !key_ok(&form.key) {
        return Err(AppError::BadRequest("This form is missing its key. Reload the payment and try again.".into()));
    }
    let done = |kind: &str, repeat| ActionDone {
        payment_id: row.id,
        reference: reference.clone(),
        kind: ActionKind::from_code(kind).unwrap_or(ActionKind::Cancel),
        repeat,
    };
    let repeat_of = |existing: crate::db::lifecycle::ActionRow| {
        if existing.payment_id == row.id {
            Ok(done(&existing.kind, true))
        } else {
            Err(AppError::Conflict("This form was already used for another payment. Reload and try again.".into()))
        }
    };
    if let Some(existing) = db.action_by_key(&form.key).await? {
        return repeat_of(existing);
    }
    let checked = check_action_form(form, &row.state()).map_err(AppError::Invalid)?;
    let processor_ref = (row.state().method == MethodKind::Card && checked.kind != ActionKind::Cancel)
        .then(|| processor.reverse_card(&form.key));
    let request = NewAction {
        payment_id: row.id,
        idempotency_key: &form.key,
        kind: checked.kind,
        amount: checked.amount,
        reason: checked.reason,
        reason_text: checked.reason_text.as_deref(),
        processor_ref,
        actor_id: Some(staff.id),
        actor_login: &staff.login,
        ip,
        now: now_ms(),
    };
    match db.apply_action(&request).await {
        Ok(ActionResult::Applied(a)) => Ok(done(&a.kind, false)),
        Ok(ActionResult::Repeat(a)) => repeat_of(a),
        Ok(ActionResult::Refused(ActionError::Amount(m))) => Err(AppError::field("amount", m)),
        Ok(ActionResult::Refused(e)) => Err(AppError::Conflict(e.to_string())),
        Ok(ActionResult::Lost) => Err(AppError::Conflict(
            "This payment changed while you were looking at it (settled, refunded or cancelled). Check it again.".into(),
        )),
        // Two submissions of one key at once: the other one won.
        Err(e) if e.is_unique_violation() => match db.action_by_key(&form.key).await? {
            Some(existing) => repeat_of(existing),
            None => Err(e.into()),
        },
        Err(e) => Err(e.into()),
    }
}
