//! The receipt queue: one row per approved payment, sent after the payment
//! commits and retried with backoff until it goes out or gives up.

use super::{on_pool, Db, DbError};

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct ReceiptRow {
    pub payment_id: i64,
    pub to_email: String,
    pub status: String,
    pub attempts: i64,
    pub next_attempt_at: i64,
    pub last_error: Option<String>,
    pub sent_at: Option<i64>,
}

impl Db {
    pub async fn receipt(&self, payment_id: i64) -> Result<Option<ReceiptRow>, DbError> {
        let row = on_pool!(self, |pool| {
            sqlx::query_as::<_, ReceiptRow>(
                "SELECT payment_id, to_email, status, attempts, next_attempt_at, last_error, sent_at FROM receipts WHERE payment_id = $1",
            )
            .bind(payment_id)
            .fetch_optional(pool)
            .await
        })?;
        Ok(row)
    }

    /// Receipts due now, oldest first.
    pub async fn due_receipts(&self, now: i64, limit: i64) -> Result<Vec<i64>, DbError> {
        let ids = on_pool!(self, |pool| {
            sqlx::query_scalar::<_, i64>(
                "SELECT payment_id FROM receipts WHERE status = 'queued' AND next_attempt_at <= $1 ORDER BY next_attempt_at LIMIT $2",
            )
            .bind(now)
            .bind(limit)
            .fetch_all(pool)
            .await
        })?;
        Ok(ids)
    }

    /// Takes a due receipt for sending; false if another worker has it. A
    /// claim older than `stale_before` is taken over (its worker died).
    pub async fn claim_receipt(&self, payment_id: i64, now: i64, stale_before: i64) -> Result<bool, DbError> {
        let n = on_pool!(self, |pool| {
            sqlx::query(
                "UPDATE receipts SET status = 'sending', next_attempt_at = $2 \
                 WHERE payment_id = $1 AND (status = 'queued' OR (status = 'sending' AND next_attempt_at < $3))",
            )
            .bind(payment_id)
            .bind(now)
            .bind(stale_before)
            .execute(pool)
            .await
            .map(|r| r.rows_affected())
        })?;
        Ok(n == 1)
    }

    pub async fn receipt_sent(&self, payment_id: i64, now: i64) -> Result<(), DbError> {
        on_pool!(self, |pool| {
            sqlx::query("UPDATE receipts SET status = 'sent', sent_at = $2, attempts = attempts + 1, last_error = NULL WHERE payment_id = $1")
                .bind(payment_id)
                .bind(now)
                .execute(pool)
                .await
                .map(|r| r.rows_affected())
        })?;
        Ok(())
    }

    /// Records a failed attempt: back in the queue for `retry_at`, or
    /// `failed` for good when `retry_at` is `None`.
    pub async fn receipt_failed(&self, payment_id: i64, error: &str, retry_at: Option<i64>) -> Result<(), DbError> {
        on_pool!(self, |pool| {
            sqlx::query(
                "UPDATE receipts SET status = $2, attempts = attempts + 1, last_error = $3, \
                 next_attempt_at = COALESCE($4, next_attempt_at) WHERE payment_id = $1",
            )
            .bind(payment_id)
            .bind(if retry_at.is_some() { "queued" } else { "failed" })
            .bind(error)
            .bind(retry_at)
            .execute(pool)
            .await
            .map(|r| r.rows_affected())
        })?;
        Ok(())
    }

    /// Releases every `sending` claim older than `stale_before` (a worker died mid-send).
    pub async fn requeue_stale_receipts(&self, stale_before: i64) -> Result<u64, DbError> {
        let n = on_pool!(self, |pool| {
            sqlx::query("UPDATE receipts SET status = 'queued' WHERE status = 'sending' AND next_attempt_at < $1")
                .bind(stale_before)
                .execute(pool)
                .await
                .map(|r| r.rows_affected())
        })?;
        Ok(n)
    }
}
