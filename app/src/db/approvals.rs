//! Refunds above the approval threshold, waiting for a second person.
//! Approving one goes through `apply_action` (with `approval_id`), so the
//! refund and the approval commit together.

use super::{Db, DbError, in_tx, on_pool, update_audited};
use crate::db::audit::{AuditEntry, write_audit};
use crate::domain::lifecycle::{ActionKind, ActionReason};
use crate::domain::money::Money;

#[derive(Debug, Clone)]
pub struct NewApproval<'a> {
    pub payment_id: i64,
    pub idempotency_key: &'a str,
    pub kind: ActionKind,
    pub amount: Money,
    pub reason: ActionReason,
    pub reason_text: Option<&'a str>,
    pub requested_by: i64,
    pub now: i64,
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct ApprovalRow {
    pub id: i64,
    pub payment_id: i64,
    pub reference: String,
    pub account_number: String,
    pub payment_amount_cents: i64,
    pub idempotency_key: String,
    pub kind: String,
    pub amount_cents: i64,
    pub reason_code: String,
    pub reason_text: Option<String>,
    pub requested_by: i64,
    pub requested_by_login: String,
    pub requested_at: i64,
    pub status: String,
    pub decided_by_login: Option<String>,
    /// The payment's convenience fee not yet given back.
    pub fee_left_cents: i64,
    /// The account's division (a limited approver sees only theirs).
    pub division_id: i64,
}

const SELECT: &str = "SELECT r.id, r.payment_id, p.reference, a.account_number, p.amount_cents AS payment_amount_cents, \
     r.idempotency_key, r.kind, r.amount_cents, r.reason_code, r.reason_text, r.requested_by, q.login AS requested_by_login, \
     r.requested_at, r.status, d.login AS decided_by_login, p.fee_cents - p.fee_refunded_cents AS fee_left_cents, \
     a.division_id FROM refund_approvals r JOIN payments p ON p.id = r.payment_id JOIN accounts a ON a.id = p.account_id \
     JOIN staff_users q ON q.id = r.requested_by LEFT JOIN staff_users d ON d.id = r.decided_by";

impl Db {
    /// Records a refund waiting for approval, audited. A second request for
    /// a payment that already has one waiting, or a reused key, comes back
    /// as a unique violation.
    pub async fn request_approval(
        &self,
        a: &NewApproval<'_>,
        entry: &AuditEntry<'_>,
    ) -> Result<i64, DbError> {
        // The payment's row lock orders this against a refund of the same
        // payment checking the threshold under the lock (`apply_action`),
        // so neither decides on a sum that misses the other.
        let lock = format!("SELECT id FROM payments WHERE id = $1{}", self.row_lock());
        let id = in_tx!(self, |tx| {
            let _: Option<i64> = sqlx::query_scalar(&lock)
                .bind(a.payment_id)
                .fetch_optional(&mut *tx)
                .await?;
            let id: i64 = sqlx::query_scalar(
                "INSERT INTO refund_approvals (payment_id, idempotency_key, kind, amount_cents, reason_code, reason_text, \
                 requested_by, requested_at, status) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, 'awaiting') RETURNING id",
            )
            .bind(a.payment_id)
            .bind(a.idempotency_key)
            .bind(a.kind.code())
            .bind(a.amount.cents())
            .bind(a.reason.code())
            .bind(a.reason_text)
            .bind(a.requested_by)
            .bind(a.now)
            .fetch_one(&mut *tx)
            .await?;
            write_audit!(&mut *tx, *entry)?;
            id
        });
        Ok(id)
    }

    pub async fn approval(&self, id: i64) -> Result<Option<ApprovalRow>, DbError> {
        let sql = format!("{SELECT} WHERE r.id = $1");
        let row = on_pool!(self, |pool| sqlx::query_as::<_, ApprovalRow>(&sql)
            .bind(id)
            .fetch_optional(pool)
            .await)?;
        Ok(row)
    }

    pub async fn approval_by_key(&self, key: &str) -> Result<Option<ApprovalRow>, DbError> {
        let sql = format!("{SELECT} WHERE r.idempotency_key = $1");
        let row = on_pool!(self, |pool| sqlx::query_as::<_, ApprovalRow>(&sql)
            .bind(key)
            .fetch_optional(pool)
            .await)?;
        Ok(row)
    }

    /// Requests still waiting, oldest first; or the one waiting for a payment.
    pub async fn awaiting_approvals(
        &self,
        payment_id: Option<i64>,
    ) -> Result<Vec<ApprovalRow>, DbError> {
        let sql = format!(
            "{SELECT} WHERE r.status = 'awaiting' AND ($1 IS NULL OR r.payment_id = $1) ORDER BY r.requested_at, r.id"
        );
        let rows = on_pool!(self, |pool| sqlx::query_as::<_, ApprovalRow>(&sql)
            .bind(payment_id)
            .fetch_all(pool)
            .await)?;
        Ok(rows)
    }

    /// Rejects a waiting request (never the requester's own); false if it
    /// was no longer waiting.
    pub async fn reject_approval(
        &self,
        id: i64,
        by: i64,
        entry: &AuditEntry<'_>,
    ) -> Result<bool, DbError> {
        update_audited!(
            self,
            entry,
            sqlx::query(
                "UPDATE refund_approvals SET status = 'rejected', decided_by = $2, decided_at = $3 \
                 WHERE id = $1 AND status = 'awaiting' AND requested_by <> $2",
            )
            .bind(id)
            .bind(by)
            .bind(entry.at)
        )
    }
}
