//! Cancel/Reverse in the database: one transaction claims the action's
//! idempotency key, re-reads the payment under a lock, moves it with a
//! guarded UPDATE, posts the journal entries, records the history, queues
//! the payer's notice and audits it. Either all of that happens or none.

use super::audit::{AuditEntry, write_audit};
use super::bills::move_bill_paid;
use super::journal::post;
use super::notices::queue_notice;
use super::payments::{payment_state, record_status};
use super::{Backend, Db, DbError, in_tx, on_pool};
use crate::domain::audit_action::AuditAction;
use crate::domain::lifecycle::{
    ActionError, ActionKind, ActionReason, PaymentState, action_note, event_line_key,
    needs_second_person, notice_kind, plan,
};
use crate::domain::money::Money;
use crate::domain::payment::PaymentStatus;

/// A Cancel/Reverse request, checked by the service.
#[derive(Debug, Clone)]
pub struct NewAction<'a> {
    pub payment_id: i64,
    pub idempotency_key: &'a str,
    pub kind: ActionKind,
    /// Read for refunds of part of a payment.
    pub amount: Option<Money>,
    pub reason: ActionReason,
    pub reason_text: Option<&'a str>,
    pub processor_ref: Option<String>,
    pub actor_id: Option<i64>,
    pub actor_login: &'a str,
    pub ip: Option<&'a str>,
    pub now: i64,
    /// Set when a second person approves a waiting refund: the approval is
    /// marked in the same transaction, and only if it is still waiting.
    pub approval_id: Option<i64>,
    /// The biller's setting: a partial refund gives the fee back too.
    pub partial_returns_fee: bool,
    /// The two-person threshold, checked again under the payment's lock
    /// (with what was refunded and what waits for approval by then);
    /// `None` when a second person is approving this very refund.
    pub approval_threshold: Option<Money>,
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct ActionRow {
    pub id: i64,
    pub payment_id: i64,
    pub idempotency_key: String,
    pub kind: String,
    pub amount_cents: i64,
    pub fee_cents: i64,
    pub reason_code: String,
    pub reason_text: Option<String>,
    pub created_by_login: Option<String>,
    pub created_at: i64,
    /// For an ACH refund: the file its credit went out in, once it has.
    pub file_name: Option<String>,
}

const ACTION_SELECT: &str = "SELECT x.id, x.payment_id, x.idempotency_key, x.kind, x.amount_cents, x.fee_cents, x.reason_code, \
    x.reason_text, u.login AS created_by_login, x.created_at, f.file_name \
    FROM payment_actions x LEFT JOIN staff_users u ON u.id = x.created_by \
    LEFT JOIN ach_entries e ON e.action_id = x.id LEFT JOIN ach_files f ON f.id = e.file_id";

#[derive(Debug)]
pub enum ActionResult {
    Applied(ActionRow),
    /// The key was used before: the first result, and nothing changed.
    Repeat(ActionRow),
    Refused(ActionError),
    /// The payment changed between the check and the write (a settlement
    /// won the race); nothing was done.
    Lost,
    /// Under the lock, this refund (with what was refunded and what waits
    /// for approval) is above the threshold: nothing was done, and it must
    /// wait for a second person. Carries the planned amount.
    NeedsApproval(Money),
}

#[derive(sqlx::FromRow)]
struct Locked {
    account_id: i64,
    status: String,
    method_kind: String,
    amount_cents: i64,
    refunded_cents: i64,
    fee_cents: i64,
    fee_refunded_cents: i64,
    category_income_cents: i64,
    category_income_refunded_cents: i64,
    receipt_email: String,
}

impl Db {
    /// `FOR UPDATE` where the engine has row locks; SQLite's `BEGIN
    /// IMMEDIATE` already serializes every writer.
    pub(crate) fn row_lock(&self) -> &'static str {
        match self.backend() {
            Backend::Postgres => " FOR UPDATE",
            Backend::Sqlite => "",
        }
    }

    pub async fn apply_action(&self, a: &NewAction<'_>) -> Result<ActionResult, DbError> {
        let by_key = format!("{ACTION_SELECT} WHERE x.idempotency_key = $1");
        let lock_sql = format!(
            "SELECT account_id, status, method_kind, amount_cents, refunded_cents, fee_cents, fee_refunded_cents, \
             category_income_cents, category_income_refunded_cents, receipt_email FROM payments WHERE id = $1{}",
            self.row_lock()
        );
        let result = in_tx!(self, |tx| {
            if let Some(row) = sqlx::query_as::<_, ActionRow>(&by_key)
                .bind(a.idempotency_key)
                .fetch_optional(&mut *tx)
                .await?
            {
                return Ok(ActionResult::Repeat(row));
            }
            let Some(p) = sqlx::query_as::<_, Locked>(&lock_sql)
                .bind(a.payment_id)
                .fetch_optional(&mut *tx)
                .await?
            else {
                return Ok(ActionResult::Lost);
            };
            // Again under the lock: on PostgreSQL a request with the same key
            // may have committed while this one waited for the row, and it
            // must be answered as a repeat, not re-planned against the
            // balance that request already changed.
            if let Some(row) = sqlx::query_as::<_, ActionRow>(&by_key)
                .bind(a.idempotency_key)
                .fetch_optional(&mut *tx)
                .await?
            {
                return Ok(ActionResult::Repeat(row));
            }
            let state = payment_state(
                &p.status,
                &p.method_kind,
                [
                    p.amount_cents,
                    p.refunded_cents,
                    p.fee_cents,
                    p.fee_refunded_cents,
                    p.category_income_cents,
                    p.category_income_refunded_cents,
                ],
            )?;
            let planned = match plan(&state, a.kind, a.amount, a.partial_returns_fee) {
                Ok(planned) => planned,
                Err(e) => return Ok(ActionResult::Refused(e)),
            };
            if let Some(threshold) = a.approval_threshold {
                let waiting: i64 = sqlx::query_scalar(
                    "SELECT CAST(COALESCE(SUM(amount_cents), 0) AS BIGINT) FROM refund_approvals \
                     WHERE payment_id = $1 AND status = 'awaiting'",
                )
                .bind(a.payment_id)
                .fetch_one(&mut *tx)
                .await?;
                let already = Money::from_cents(
                    p.refunded_cents
                        .saturating_add(p.fee_refunded_cents)
                        .saturating_add(waiting),
                );
                if needs_second_person(a.kind, already, planned.total(), threshold) {
                    return Ok(ActionResult::NeedsApproval(planned.amount));
                }
            }
            // A refund adds its amount to refunded_cents and one to
            // refund_count, in this transaction (paydesk check compares
            // both with payment_actions).
            // Of it, category income adds to category_income_refunded_cents.
            let (refund, refunds, income_refund) = match a.kind {
                ActionKind::FullReversal | ActionKind::PartialRefund | ActionKind::AchRefund => {
                    (planned.amount.cents(), 1_i64, planned.income.cents())
                }
                ActionKind::Cancel | ActionKind::Void => (0, 0, 0),
            };
            let action_id: i64 = sqlx::query_scalar(
                "INSERT INTO payment_actions (payment_id, idempotency_key, kind, amount_cents, reason_code, reason_text, \
                 processor_ref, created_by, created_at, after_settlement, fee_cents, category_income_cents) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12) RETURNING id",
            )
            .bind(a.payment_id)
            .bind(a.idempotency_key)
            .bind(a.kind.code())
            .bind(planned.amount.cents())
            .bind(a.reason.code())
            .bind(a.reason_text)
            .bind(&a.processor_ref)
            .bind(a.actor_id)
            .bind(a.now)
            // Read under the payment's lock, so a settlement racing this
            // action is on the right side of it (reconciliation reads it).
            .bind(state.status == PaymentStatus::Processed)
            .bind(planned.fee.cents())
            .bind(planned.income.cents())
            .fetch_one(&mut *tx)
            .await?;
            // Guarded: if anything moved the payment since the read above,
            // this touches no row and the whole action rolls back.
            let moved = sqlx::query(
                "UPDATE payments SET status = $2, refunded_cents = refunded_cents + $3, updated_at = $4, \
                 refund_count = refund_count + $7, fee_refunded_cents = fee_refunded_cents + $8, \
                 category_income_refunded_cents = category_income_refunded_cents + $9 \
                 WHERE id = $1 AND status = $5 AND refunded_cents = $6",
            )
            .bind(a.payment_id)
            .bind(planned.to.code())
            .bind(refund)
            .bind(a.now)
            .bind(&p.status)
            .bind(p.refunded_cents)
            .bind(refunds)
            .bind(planned.fee.cents())
            .bind(income_refund)
            .execute(&mut *tx)
            .await?
            .rows_affected();
            if moved != 1 {
                return Ok(ActionResult::Lost);
            }
            let after = PaymentState {
                status: planned.to,
                refunded: Money::from_cents(p.refunded_cents + refund),
                fee_refunded: Money::from_cents(p.fee_refunded_cents + planned.fee.cents()),
                income_refunded: Money::from_cents(
                    p.category_income_refunded_cents + income_refund,
                ),
                ..state
            };
            move_bill_paid!(
                &mut *tx,
                a.payment_id,
                after.paid_toward_bill().cents() - state.paid_toward_bill().cents()
            )?;
            if let Some(approval) = a.approval_id {
                let decided = sqlx::query(
                    "UPDATE refund_approvals SET status = 'approved', decided_by = $2, decided_at = $3 \
                     WHERE id = $1 AND status = 'awaiting' AND requested_by <> $2",
                )
                .bind(approval)
                .bind(a.actor_id)
                .bind(a.now)
                .execute(&mut *tx)
                .await?
                .rows_affected();
                if decided != 1 {
                    return Ok(ActionResult::Lost);
                }
            }
            for (i, posting) in planned.postings.iter().enumerate() {
                let once = event_line_key(&format!("action:{action_id}"), i, posting.debit);
                post!(
                    tx,
                    *posting,
                    account = p.account_id,
                    payment = Some(a.payment_id),
                    once = Some(once),
                    by = a.actor_id,
                    at = a.now
                )?;
            }
            let reason = action_note(a.kind, &planned, a.reason, a.reason_text);
            record_status!(
                &mut *tx,
                a.payment_id,
                a.now,
                &p.status,
                planned.to.code(),
                a.actor_login,
                Some(&reason)
            )?;
            let notice = notice_kind(planned.to, Money::from_cents(refund));
            queue_notice!(
                &mut *tx,
                a.payment_id,
                notice,
                Some(action_id),
                format!("action:{action_id}"),
                &p.receipt_email,
                a.now
            )?;
            let object = format!("payment {}", a.payment_id);
            let after = serde_json::json!({
                "action": a.kind.code(), "amount_cents": planned.amount.cents(), "fee_cents": planned.fee.cents(),
                "status": planned.to.code(), "reason": reason,
            })
            .to_string();
            write_audit!(
                &mut *tx,
                AuditEntry {
                    at: a.now,
                    actor_id: a.actor_id,
                    actor_login: Some(a.actor_login),
                    action: if a.approval_id.is_some() {
                        AuditAction::RefundApproved
                    } else {
                        AuditAction::PaymentCancelReverse
                    },
                    object: Some(&object),
                    before: Some(&p.status),
                    after: Some(&after),
                    ip: a.ip,
                    division: None,
                    account: Some(p.account_id),
                }
            )?;
            let row = sqlx::query_as::<_, ActionRow>(&by_key)
                .bind(a.idempotency_key)
                .fetch_one(&mut *tx)
                .await?;
            debug_assert_eq!(row.id, action_id);
            ActionResult::Applied(row)
        });
        Ok(result)
    }

    pub async fn payment_action(&self, id: i64) -> Result<Option<ActionRow>, DbError> {
        let sql = format!("{ACTION_SELECT} WHERE x.id = $1");
        let row = on_pool!(self, |pool| sqlx::query_as::<_, ActionRow>(&sql)
            .bind(id)
            .fetch_optional(pool)
            .await)?;
        Ok(row)
    }

    pub async fn action_by_key(&self, key: &str) -> Result<Option<ActionRow>, DbError> {
        let sql = format!("{ACTION_SELECT} WHERE x.idempotency_key = $1");
        let row = on_pool!(self, |pool| sqlx::query_as::<_, ActionRow>(&sql)
            .bind(key)
            .fetch_optional(pool)
            .await)?;
        Ok(row)
    }

    pub async fn actions_for_payment(&self, payment_id: i64) -> Result<Vec<ActionRow>, DbError> {
        let sql = format!("{ACTION_SELECT} WHERE x.payment_id = $1 ORDER BY x.id");
        let rows = on_pool!(self, |pool| sqlx::query_as::<_, ActionRow>(&sql)
            .bind(payment_id)
            .fetch_all(pool)
            .await)?;
        Ok(rows)
    }
}
