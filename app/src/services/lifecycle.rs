//! Cancel/Reverse: cancel a Scheduled payment, void a Pending ACH debit,
//! reverse or refund a card payment in full or in part, refund a Processed
//! ACH payment by ACH credit. Exactly once per idempotency key, issued with
//! the payment page; the rules live in `domain::lifecycle` and the
//! transaction in `db::lifecycle`.

use super::processor::SandboxProcessor;
use crate::db::approvals::{ApprovalRow, NewApproval};
use crate::db::audit::AuditEntry;
use crate::db::lifecycle::{ActionResult, NewAction};
use crate::db::payments::PaymentRow;
use crate::db::{Db, now_ms};
use crate::domain::audit_action::AuditAction;
use crate::domain::entitlements::Entitlement;
use crate::domain::lifecycle::{
    ActionError, ActionKind, ActionReason, CheckedAction, check_action_form, is_client_key,
    needs_second_person, plan,
};
use crate::domain::money::Money;
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

/// What happened, for the page to say.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ActionDone {
    pub payment_id: i64,
    pub reference: Reference,
    pub kind: ActionKind,
    /// True when this key had been used already (a double click, a retry).
    pub repeat: bool,
    /// A refund above the threshold: recorded, waiting for a second person.
    pub awaiting_approval: bool,
}

pub async fn cancel_reverse(
    db: &Db,
    processor: &SandboxProcessor,
    threshold: Money,
    staff: &StaffUser,
    form: &CancelReverseForm,
    ip: Option<&str>,
) -> Result<ActionDone, AppError> {
    let not_found = || {
        AppError::NotFound(format!(
            "There is no payment with Reference Number {}.",
            form.reference.trim()
        ))
    };
    let reference = Reference::parse(&form.reference).ok_or_else(not_found)?;
    let row = db
        .payment_by_reference(reference.as_str())
        .await?
        .filter(|p| staff.divisions.allows(p.division_id))
        .ok_or_else(not_found)?;
    if !is_client_key(&form.key) {
        return Err(AppError::BadRequest(
            "This form is missing its key. Reload the payment and try again.".into(),
        ));
    }
    let done = |kind: &str, repeat| -> Result<ActionDone, AppError> {
        Ok(ActionDone {
            payment_id: row.id,
            reference: reference.clone(),
            kind: ActionKind::decode(kind)?,
            repeat,
            awaiting_approval: false,
        })
    };
    let repeat_of = |existing: crate::db::lifecycle::ActionRow| {
        if existing.payment_id == row.id {
            done(&existing.kind, true)
        } else {
            Err(AppError::Conflict(
                "This form was already used for another payment. Reload and try again.".into(),
            ))
        }
    };
    if let Some(existing) = db.action_by_key(&form.key).await? {
        return repeat_of(existing);
    }
    if let Some(waiting) = db.approval_by_key(&form.key).await? {
        return approval_repeat(waiting, row.id, reference);
    }
    let state = row.state()?;
    let checked = check_action_form(form, &state).map_err(AppError::Invalid)?;
    if !staff.can(Entitlement::for_action(checked.kind)) {
        return Err(AppError::Forbidden);
    }
    if Entitlement::for_action(checked.kind) == Entitlement::Refunds
        && !db.awaiting_approvals(Some(row.id)).await?.is_empty()
    {
        return Err(AppError::Conflict(
            "A refund of this payment is already awaiting approval. It must be approved or rejected first.".into(),
        ));
    }
    let partial_returns_fee = super::fees::current(db).await?.partial_refund_returns_fee;
    let planned = plan(&state, checked.kind, checked.amount, partial_returns_fee)
        .map_err(|e| AppError::Conflict(e.to_string()))?;
    let amount = planned.amount;
    // A first look, on the payment as last read, so a refund that waits for
    // approval never reaches the processor; `apply_action` decides again
    // under the payment's lock, with what was refunded by then. The fee
    // counts: what went back of it, and what this gives back.
    let already = Money::from_cents(state.refunded.cents() + state.fee_refunded.cents());
    if needs_second_person(checked.kind, already, planned.total(), threshold) {
        return ask_for_approval(db, staff, &row, reference, &form.key, &checked, amount, ip).await;
    }
    let processor_ref = (state.method == MethodKind::Card && checked.kind != ActionKind::Cancel)
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
        approval_id: None,
        partial_returns_fee,
        approval_threshold: Some(threshold),
    };
    match db.apply_action(&request).await {
        Ok(ActionResult::Applied(a)) => done(&a.kind, false),
        // Other refunds of this payment committed first and this one now
        // takes the total above the threshold.
        Ok(ActionResult::NeedsApproval(amount)) => {
            ask_for_approval(db, staff, &row, reference, &form.key, &checked, amount, ip).await
        }
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

/// Records a refund as waiting for a second person, audited.
#[allow(clippy::too_many_arguments)]
async fn ask_for_approval(
    db: &Db,
    staff: &StaffUser,
    payment: &PaymentRow,
    reference: Reference,
    key: &str,
    checked: &CheckedAction,
    amount: Money,
    ip: Option<&str>,
) -> Result<ActionDone, AppError> {
    let payment_id = payment.id;
    let request = NewApproval {
        payment_id,
        idempotency_key: key,
        kind: checked.kind,
        amount,
        reason: checked.reason,
        reason_text: checked.reason_text.as_deref(),
        requested_by: staff.id,
        now: now_ms(),
    };
    let object = format!("payment {payment_id}");
    let after =
        serde_json::json!({ "action": checked.kind.code(), "amount_cents": amount.cents() })
            .to_string();
    let entry = AuditEntry {
        actor_id: Some(staff.id),
        actor_login: Some(&staff.login),
        object: Some(&object),
        after: Some(&after),
        ip,
        account: Some(payment.account_id),
        ..AuditEntry::new(request.now, AuditAction::RefundRequested)
    };
    match db.request_approval(&request, &entry).await {
        Ok(_) => Ok(ActionDone {
            payment_id,
            reference,
            kind: checked.kind,
            repeat: false,
            awaiting_approval: true,
        }),
        Err(e) if e.is_unique_violation() => match db.approval_by_key(key).await? {
            Some(waiting) => approval_repeat(waiting, payment_id, reference),
            None => Err(AppError::Conflict(
                "A refund of this payment is already awaiting approval. It must be approved or rejected first.".into(),
            )),
        },
        Err(e) => Err(e.into()),
    }
}

/// The same approval form sent again: what it did the first time.
fn approval_repeat(
    waiting: ApprovalRow,
    payment_id: i64,
    reference: Reference,
) -> Result<ActionDone, AppError> {
    if waiting.payment_id != payment_id {
        return Err(AppError::Conflict(
            "This form was already used for another payment. Reload and try again.".into(),
        ));
    }
    Ok(ActionDone {
        payment_id,
        reference,
        kind: ActionKind::decode(&waiting.kind)?,
        repeat: true,
        awaiting_approval: waiting.status == "awaiting",
    })
}

/// Approve a waiting refund: a second person (never the requester) with
/// the approval entitlement. The refund is applied under the request's own
/// key, and the approval is marked in the same transaction, so a double
/// click or two approvers at once refund once.
pub async fn approve_refund(
    db: &Db,
    processor: &SandboxProcessor,
    staff: &StaffUser,
    approval_id: i64,
    ip: Option<&str>,
) -> Result<ActionDone, AppError> {
    let a = db
        .approval(approval_id)
        .await?
        .filter(|a| staff.divisions.allows(a.division_id))
        .ok_or_else(|| AppError::NotFound("There is no such refund request.".into()))?;
    let reference =
        Reference::parse(&a.reference).ok_or_else(|| AppError::Internal(super::incident_id()))?;
    let kind =
        ActionKind::from_code(&a.kind).ok_or_else(|| AppError::Internal(super::incident_id()))?;
    let done = |repeat| ActionDone {
        payment_id: a.payment_id,
        reference: reference.clone(),
        kind,
        repeat,
        awaiting_approval: false,
    };
    match a.status.as_str() {
        "approved" => return Ok(done(true)),
        "rejected" => {
            return Err(AppError::Conflict(
                "This refund request was rejected.".into(),
            ));
        }
        _ => {}
    }
    if a.requested_by == staff.id {
        return Err(AppError::Conflict(
            "You asked for this refund, so someone else must approve it.".into(),
        ));
    }
    let row = db
        .payment_by_id(a.payment_id)
        .await?
        .ok_or_else(|| AppError::Internal(super::incident_id()))?;
    let processor_ref = (row.state()?.method == MethodKind::Card)
        .then(|| processor.reverse_card(&a.idempotency_key));
    let reason = ActionReason::decode(&a.reason_code)?;
    let request = NewAction {
        payment_id: a.payment_id,
        idempotency_key: &a.idempotency_key,
        kind,
        amount: Some(Money::from_cents(a.amount_cents)),
        reason,
        reason_text: a.reason_text.as_deref(),
        processor_ref,
        actor_id: Some(staff.id),
        actor_login: &staff.login,
        ip,
        now: now_ms(),
        approval_id: Some(a.id),
        // The setting as it is when the refund is approved and made.
        partial_returns_fee: super::fees::current(db).await?.partial_refund_returns_fee,
        approval_threshold: None,
    };
    match db.apply_action(&request).await {
        Ok(ActionResult::Applied(_)) => Ok(done(false)),
        Ok(ActionResult::Repeat(_)) => Ok(done(true)),
        Ok(ActionResult::Refused(e)) => Err(AppError::Conflict(format!(
            "{e} Reject this request and ask for a new one."
        ))),
        // Only a request without a threshold is approved, so this is not
        // reached; answered like a change meanwhile all the same.
        Ok(ActionResult::Lost | ActionResult::NeedsApproval(_)) => Err(AppError::Conflict(
            "This request or its payment changed while you were looking at it. Check it again."
                .into(),
        )),
        Err(e) if e.is_unique_violation() => Ok(done(true)),
        Err(e) => Err(e.into()),
    }
}

/// Reject a waiting refund (never the requester's own). Nothing moves.
pub async fn reject_refund(
    db: &Db,
    staff: &StaffUser,
    approval_id: i64,
    ip: Option<&str>,
) -> Result<ActionDone, AppError> {
    let a = db
        .approval(approval_id)
        .await?
        .filter(|a| staff.divisions.allows(a.division_id))
        .ok_or_else(|| AppError::NotFound("There is no such refund request.".into()))?;
    let reference =
        Reference::parse(&a.reference).ok_or_else(|| AppError::Internal(super::incident_id()))?;
    let kind =
        ActionKind::from_code(&a.kind).ok_or_else(|| AppError::Internal(super::incident_id()))?;
    if a.requested_by == staff.id {
        return Err(AppError::Conflict(
            "You asked for this refund, so someone else must decide on it.".into(),
        ));
    }
    let object = format!("payment {}", a.payment_id);
    let entry = AuditEntry {
        at: now_ms(),
        actor_id: Some(staff.id),
        actor_login: Some(&staff.login),
        action: AuditAction::RefundRejected,
        object: Some(&object),
        before: Some("awaiting"),
        after: Some("rejected"),
        ip,
        division: Some(a.division_id),
        account: None,
    };
    let repeat = match a.status.as_str() {
        "awaiting" => !db.reject_approval(a.id, staff.id, &entry).await?,
        "rejected" => true,
        _ => {
            return Err(AppError::Conflict(
                "This refund was already approved.".into(),
            ));
        }
    };
    Ok(ActionDone {
        payment_id: a.payment_id,
        reference,
        kind,
        repeat,
        awaiting_approval: false,
    })
}

/// Refunds awaiting approval, oldest first, as `viewer` may decide them.
pub async fn awaiting_approvals(
    db: &Db,
    viewer: &StaffUser,
    tz: &str,
) -> Result<Vec<crate::domain::payment_view::ApprovalView>, AppError> {
    let mut waiting = db.awaiting_approvals(None).await?;
    // The division chosen in the selector narrows the queue too.
    let shown = viewer.shown();
    waiting.retain(|a| shown.allows(a.division_id));
    // The refund setting is read only when there is a refund to say it of.
    let partial_returns_fee = if waiting.is_empty() {
        false
    } else {
        super::fees::current(db).await?.partial_refund_returns_fee
    };
    Ok(waiting
        .into_iter()
        .map(|a| super::payments::approval_view(a, viewer, tz, partial_returns_fee))
        .collect::<Result<_, _>>()?)
}
