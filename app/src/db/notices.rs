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

/// What an enrolled payer chose on Profile's Alerts.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct AlertPreferences {
    pub alert_email: bool,
    pub alert_text: bool,
    pub mobile: Option<String>,
}

/// An enrolled payer's preferences as they bear on one notice.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct NoticePayer {
    #[sqlx(flatten)]
    pub prefs: AlertPreferences,
    /// The payer's own email.
    pub email: Option<String>,
    /// The notice is about one of the payer's plans (its own notice, or a
    /// payment the plan made): the payer's, wherever it is addressed.
    pub by_plan: bool,
}

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
    /// "email" or "text"; `to_email` is the address either way.
    pub channel: String,
    pub to_email: String,
    pub status: String,
    pub attempts: i64,
    pub next_attempt_at: i64,
    pub last_error: Option<String>,
    pub sent_at: Option<i64>,
}

const NOTICE_SELECT: &str = "SELECT id, payment_id, plan_id, subject, body, kind, action_id, channel, to_email, status, attempts, next_attempt_at, last_error, sent_at FROM notices";

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

    /// The enrolled payer a notice is about, with their alert preferences:
    /// the plan's payer for a plan's notice or a plan's payment, else the
    /// account's enrolled payer (one who registered before one a file
    /// linked). None when no payer is enrolled.
    pub async fn notice_payer(&self, notice: &NoticeRow) -> Result<Option<NoticePayer>, DbError> {
        let row = on_pool!(self, |pool| {
            sqlx::query_as::<_, NoticePayer>(
                "WITH by_plan AS ( \
                   SELECT pl.payer_id FROM plans pl WHERE pl.id = $1 \
                   UNION ALL \
                   SELECT pl.payer_id FROM payments p JOIN plans pl ON pl.id = p.plan_id WHERE p.id = $2) \
                 SELECT py.alert_email, py.alert_text, py.mobile, py.email, \
                        EXISTS (SELECT 1 FROM by_plan) AS by_plan \
                 FROM payers py WHERE py.id = COALESCE( \
                   (SELECT payer_id FROM by_plan LIMIT 1), \
                   (SELECT x.id FROM payments p JOIN account_payers ap ON ap.account_id = p.account_id \
                    JOIN payers x ON x.id = ap.payer_id WHERE p.id = $2 \
                    ORDER BY x.registered DESC, x.id LIMIT 1))",
            )
            .bind(notice.plan_id.filter(|_| notice.payment_id.is_none()))
            .bind(notice.payment_id)
            .fetch_optional(pool)
            .await
        })?;
        Ok(row)
    }

    /// Queues the text twin of an email notice (the payer wants text
    /// alerts): the same event, to `mobile`. Its key is the email's plus
    /// ":text", so a notice retried after a crash still texts once.
    /// Returns the twin's id when this call queued it.
    pub async fn queue_text_twin(
        &self,
        notice_id: i64,
        mobile: &str,
        now: i64,
    ) -> Result<Option<i64>, DbError> {
        let id = on_pool!(self, |pool| {
            sqlx::query_scalar::<_, i64>(
                "INSERT INTO notices (payment_id, plan_id, kind, action_id, once_key, channel, to_email, \
                 subject, body, status, next_attempt_at) \
                 SELECT payment_id, plan_id, kind, action_id, once_key || ':text', 'text', $2, subject, body, \
                 'queued', $3 FROM notices WHERE id = $1 AND channel = 'email' \
                 ON CONFLICT (once_key) DO NOTHING RETURNING id",
            )
            .bind(notice_id)
            .bind(mobile)
            .bind(now)
            .fetch_optional(pool)
            .await
        })?;
        Ok(id)
    }

    /// A claimed notice the payer turned off: kept, not sent, with why.
    pub async fn notice_skipped(&self, id: i64, why: &str) -> Result<(), DbError> {
        on_pool!(self, |pool| {
            sqlx::query("UPDATE notices SET status = 'skipped', last_error = $2 WHERE id = $1 AND status = 'sending'")
                .bind(id)
                .bind(why)
                .execute(pool)
                .await
                .map(|r| r.rows_affected())
        })?;
        Ok(())
    }
}
