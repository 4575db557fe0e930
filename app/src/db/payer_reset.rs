//! The payer site's Forgot Password as stored: one live reset link per
//! payer (`payers.reset_hash`, the SHA-256 of its secret, and when it
//! expires). Rules in `services::payer_reset`.

use super::payer_accounts::Activity;
use super::{Db, DbError, in_tx, on_pool};

/// The payer a live reset link belongs to, with what the reset checks.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct ResetRow {
    pub id: i64,
    pub user_id: String,
    pub question1: Option<String>,
    pub answer1_hash: Option<String>,
    pub question2: Option<String>,
    pub answer2_hash: Option<String>,
    pub locked_until: Option<i64>,
}

impl Db {
    /// Stores a new reset link's hash, replacing any earlier one.
    /// When the payer's live reset link (if any) expires.
    pub async fn payer_reset_expiry(&self, payer_id: i64) -> Result<Option<i64>, DbError> {
        let at: Option<Option<i64>> = on_pool!(self, |pool| sqlx::query_scalar(
            "SELECT reset_expires_at FROM payers WHERE id = $1"
        )
        .bind(payer_id)
        .fetch_optional(pool)
        .await)?;
        Ok(at.flatten())
    }

    pub async fn set_payer_reset(
        &self,
        payer_id: i64,
        hash: &str,
        expires_at: i64,
        activity: &Activity<'_>,
    ) -> Result<(), DbError> {
        in_tx!(self, |tx| {
            sqlx::query("UPDATE payers SET reset_hash = $1, reset_expires_at = $2 WHERE id = $3")
                .bind(hash)
                .bind(expires_at)
                .bind(payer_id)
                .execute(&mut *tx)
                .await?;
            super::payer_accounts::write_activity!(&mut *tx, payer_id, *activity)?;
        });
        Ok(())
    }

    /// The payer whose live (unexpired, unused) reset link hashes to `hash`.
    pub async fn payer_by_reset(&self, hash: &str, now: i64) -> Result<Option<ResetRow>, DbError> {
        let row = on_pool!(self, |pool| {
            sqlx::query_as::<_, ResetRow>(
            "SELECT id, user_id, question1, answer1_hash, question2, answer2_hash, locked_until FROM payers \
             WHERE reset_hash = $1 AND reset_expires_at > $2"
        )
        .bind(hash)
        .bind(now)
        .fetch_optional(pool)
        .await
        })?;
        Ok(row)
    }

    /// Sets the password chosen through a reset link, only while that link
    /// is still the live one (so it works once), ends every session of the
    /// payer and ends a lockout by failed sign-ins (never a staff Lock,
    /// `staff_lock` and later), with the Activity line, in one transaction.
    pub async fn finish_payer_reset(
        &self,
        payer_id: i64,
        hash: &str,
        new_hash: &str,
        staff_lock: i64,
        activity: &Activity<'_>,
    ) -> Result<bool, DbError> {
        let done = in_tx!(self, |tx| {
            let n = sqlx::query(
                "UPDATE payers SET password_hash = $1, must_change_password = FALSE, password_changed_at = $2, \
                 failed_attempts = 0, reset_hash = NULL, reset_expires_at = NULL, \
                 locked_until = CASE WHEN locked_until >= $5 THEN locked_until ELSE NULL END \
                 WHERE id = $3 AND reset_hash = $4 AND reset_expires_at > $2",
            )
            .bind(new_hash)
            .bind(activity.at)
            .bind(payer_id)
            .bind(hash)
            .bind(staff_lock)
            .execute(&mut *tx)
            .await?
            .rows_affected();
            if n == 1 {
                super::payer_accounts::end_payer_sessions_in!(&mut *tx, payer_id)?;
                super::payer_accounts::write_activity!(&mut *tx, payer_id, *activity)?;
            }
            n == 1
        });
        Ok(done)
    }
}
