//! The payer email queue: receipts and lifecycle notices (cancelled,
//! refunded, returned). A notice is queued in the same transaction as what it
//! reports, sent after that commits, and retried with backoff until it goes
//! out or gives up.

use super::{Db, DbError, on_pool};

/// Queues one notice on `$conn`. `$once_key` ("receipt:12", "action:7",
/// "return:12") keeps a retried event from mailing the payer twice.
macro_rules! queue_notice {
    ($conn:expr, $payment_id:expr, $kind:expr, $action_id:expr, $once_key:expr, $to:expr, $now:expr) => {
        sqlx::query(
            "INSERT INTO notices (payment_id, kind, action_id, once_key, to_email, status, next_attempt_at) \
             VALUES ($1, $2, $3, $4, $5, 'queued', $6)",
        )
        .bind($payment_id)
        .bind($kind)
        .bind($action_id)
        .bind($once_key)
        .bind($to)
        .bind($now)
        .execute($conn)
        .await
    };
}
pub(crate) use queue_notice;

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct NoticeRow {
    pub id: i64,
    /// None for a notice about a plan, which carries its own text.
    pub payment_id: Option<i64>,
    pub plan_id: Option<i64>,
    pub subject: Option<String>,
    pub body: Option<String>,
    pub kind: String,
    pub action_id: Option<i64>,
    pub to_email: String,
    pub status: String,
    pub attempts: i64,
    pub next_attempt_at: i64,
    pub last_error: Option<String>,
    pub sent_at: Option<i64>,
}

const NOTICE_SELECT: &str = "SELECT id, payment_id, plan_id, subject, body, kind, action_id, to_email, status, attempts, next_attempt_at, last_error, sent_at FROM notices";

impl Db {
    pub async fn notice(&self, id: i64) -> Result<Option<NoticeRow>, DbError> {
        let sql = format!("{NOTICE_SELECT} WHERE id = $1");
        let row = on_pool!(self, |pool| sqlx::query_as::<_, NoticeRow>(&sql)
            .bind(id)
            .fetch_optional(pool)
            .await)?;
        Ok(row)
    }

    /// A payment's notices, oldest first (the receipt is the first).
    /// A plan's notices, oldest first.
    pub async fn notices_for_plan(&self, plan_id: i64) -> Result<Vec<NoticeRow>, DbError> {
        let sql = format!("{NOTICE_SELECT} WHERE plan_id = $1 AND payment_id IS NULL ORDER BY id");
        let rows = on_pool!(self, |pool| sqlx::query_as::<_, NoticeRow>(&sql)
            .bind(plan_id)
            .fetch_all(pool)
            .await)?;
        Ok(rows)
    }

    pub async fn notices_for_payment(&self, payment_id: i64) -> Result<Vec<NoticeRow>, DbError> {
        let sql = format!("{NOTICE_SELECT} WHERE payment_id = $1 ORDER BY id");
        let rows = on_pool!(self, |pool| sqlx::query_as::<_, NoticeRow>(&sql)
            .bind(payment_id)
            .fetch_all(pool)
            .await)?;
        Ok(rows)
    }

    /// How many notices wait in each unsent status (queued, sending,
    /// failed), for the metrics; a status with none is absent. One COUNT
    /// over the `notices_due` index, whose first column is the status.
    pub async fn outbox_depth(&self) -> Result<Vec<(String, i64)>, DbError> {
        let rows = on_pool!(self, |pool| {
            sqlx::query_as::<_, (String, i64)>(
                "SELECT status, CAST(COUNT(*) AS BIGINT) FROM notices \
                 WHERE status IN ('queued', 'sending', 'failed') GROUP BY status",
            )
            .fetch_all(pool)
            .await
        })?;
        Ok(rows)
    }

    /// Notices due now, oldest first.
    pub async fn due_notices(&self, now: i64, limit: i64) -> Result<Vec<i64>, DbError> {
        let ids = on_pool!(self, |pool| {
            sqlx::query_scalar::<_, i64>(
                "SELECT id FROM notices WHERE status = 'queued' AND next_attempt_at <= $1 ORDER BY next_attempt_at, id LIMIT $2",
            )
            .bind(now)
            .bind(limit)
            .fetch_all(pool)
            .await
        })?;
        Ok(ids)
    }

    /// Notices queued for a payment and not yet claimed (sent right after
    /// the request that queued them).
    pub async fn queued_notices_for_payment(&self, payment_id: i64) -> Result<Vec<i64>, DbError> {
        let ids = on_pool!(self, |pool| {
            sqlx::query_scalar::<_, i64>(
                "SELECT id FROM notices WHERE payment_id = $1 AND status = 'queued' ORDER BY id",
            )
            .bind(payment_id)
            .fetch_all(pool)
            .await
        })?;
        Ok(ids)
    }

    /// Takes a due notice for sending; false if another worker has it. A
    /// claim older than `stale_before` is taken over (its worker died).
    pub async fn claim_notice(
        &self,
        id: i64,
        now: i64,
        stale_before: i64,
    ) -> Result<bool, DbError> {
        let n = on_pool!(self, |pool| {
            sqlx::query(
                "UPDATE notices SET status = 'sending', next_attempt_at = $2 \
                 WHERE id = $1 AND (status = 'queued' OR (status = 'sending' AND next_attempt_at < $3))",
            )
            .bind(id)
            .bind(now)
            .bind(stale_before)
            .execute(pool)
            .await
            .map(|r| r.rows_affected())
        })?;
        Ok(n == 1)
    }

    pub async fn notice_sent(&self, id: i64, now: i64) -> Result<(), DbError> {
        on_pool!(self, |pool| {
            sqlx::query("UPDATE notices SET status = 'sent', sent_at = $2, attempts = attempts + 1, last_error = NULL WHERE id = $1")
                .bind(id)
                .bind(now)
                .execute(pool)
                .await
                .map(|r| r.rows_affected())
        })?;
        Ok(())
    }

    /// Records a failed attempt: back in the queue for `retry_at`, or
    /// `failed` for good when `retry_at` is `None`.
    pub async fn notice_failed(
        &self,
        id: i64,
        error: &str,
        retry_at: Option<i64>,
    ) -> Result<(), DbError> {
        on_pool!(self, |pool| {
            sqlx::query(
                "UPDATE notices SET status = $2, attempts = attempts + 1, last_error = $3, \
                 next_attempt_at = COALESCE($4, next_attempt_at) WHERE id = $1",
            )
            .bind(id)
            .bind(if retry_at.is_some() {
                "queued"
            } else {
                "failed"
            })
            .bind(error)
            .bind(retry_at)
            .execute(pool)
            .await
            .map(|r| r.rows_affected())
        })?;
        Ok(())
    }

    /// Releases every `sending` claim older than `stale_before` (a worker died mid-send).
    pub async fn requeue_stale_notices(&self, stale_before: i64) -> Result<u64, DbError> {
        let n = on_pool!(self, |pool| {
            sqlx::query("UPDATE notices SET status = 'queued' WHERE status = 'sending' AND next_attempt_at < $1")
                .bind(stale_before)
                .execute(pool)
                .await
                .map(|r| r.rows_affected())
        })?;
        Ok(n)
    }
}
