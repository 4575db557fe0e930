//! Forgot Password's security codes and the self-service request limits.
//! The rules (what a code may do, what the limits are) live in
//! `services::password_reset`; this only stores and guards.

use super::{Db, DbError, in_tx, on_pool};
use crate::db::audit::{AuditEntry, write_audit};

/// A user's security code, as stored: never the code itself.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct ResetCodeRow {
    pub user_id: i64,
    pub code_hash: String,
    pub created_at: i64,
    pub expires_at: i64,
    pub failures: i64,
    pub used_at: Option<i64>,
}

/// An active staff user found by email address (Forgot Your Username?).
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct LoginByEmail {
    pub id: i64,
    pub login: String,
    pub email: String,
}

/// What a new password replaces, and the code that allows it.
pub struct ResetWrite<'a> {
    pub user_id: i64,
    /// The stored hash of the code the user typed: the write happens only
    /// while that very code is still live.
    pub code_hash: &'a str,
    pub old_password_hash: &'a str,
    pub new_password_hash: &'a str,
    pub max_failures: i64,
}

impl Db {
    /// Counts one request in `bucket` for the window starting at
    /// `window_start` and returns the count so far, in one atomic upsert:
    /// parallel requests cannot undercount, and the caller decides on the
    /// value this request claimed. A new window restarts the count on the
    /// same row, so a bucket never holds more than one row.
    pub async fn claim_self_service(
        &self,
        bucket: &str,
        window_start: i64,
    ) -> Result<i64, DbError> {
        let n = on_pool!(self, |pool| {
            sqlx::query_scalar::<_, i64>(
                "INSERT INTO self_service_limits (bucket, window_start, hits) VALUES ($1, $2, 1) \
                 ON CONFLICT (bucket) DO UPDATE SET \
                 hits = CASE WHEN self_service_limits.window_start = $2 THEN self_service_limits.hits + 1 ELSE 1 END, \
                 window_start = $2 RETURNING hits",
            )
            .bind(bucket)
            .bind(window_start)
            .fetch_one(pool)
            .await
        })?;
        Ok(n)
    }

    /// Drops buckets whose window started before `before`.
    pub async fn purge_self_service_limits(&self, before: i64) -> Result<u64, DbError> {
        let n = on_pool!(self, |pool| {
            sqlx::query("DELETE FROM self_service_limits WHERE window_start < $1")
                .bind(before)
                .execute(pool)
                .await
                .map(|r| r.rows_affected())
        })?;
        Ok(n)
    }

    /// Stores a new code for the user, replacing any earlier one (Resend
    /// Code), with its audit rows, in one transaction.
    pub async fn replace_reset_code(
        &self,
        user_id: i64,
        code_hash: &str,
        expires_at: i64,
        entries: &[AuditEntry<'_>],
    ) -> Result<(), DbError> {
        let now = entries.first().map_or(0, |e| e.at);
        in_tx!(self, |tx| {
            sqlx::query(
                "INSERT INTO password_reset_codes (user_id, code_hash, created_at, expires_at, failures, used_at) \
                 VALUES ($1, $2, $3, $4, 0, NULL) \
                 ON CONFLICT (user_id) DO UPDATE SET code_hash = $2, created_at = $3, expires_at = $4, failures = 0, used_at = NULL",
            )
            .bind(user_id)
            .bind(code_hash)
            .bind(now)
            .bind(expires_at)
            .execute(&mut *tx)
            .await?;
            for entry in entries {
                write_audit!(&mut *tx, *entry)?;
            }
        });
        Ok(())
    }

    pub async fn reset_code(&self, user_id: i64) -> Result<Option<ResetCodeRow>, DbError> {
        let row = on_pool!(self, |pool| {
            sqlx::query_as::<_, ResetCodeRow>(
                "SELECT user_id, code_hash, created_at, expires_at, failures, used_at \
                 FROM password_reset_codes WHERE user_id = $1",
            )
            .bind(user_id)
            .fetch_optional(pool)
            .await
        })?;
        Ok(row)
    }

    /// Claims one try at the user's live code before it is checked (one
    /// guarded UPDATE): parallel guesses cannot get more than `max_failures`
    /// codes checked. False when the code is used, expired or worn out.
    pub async fn claim_reset_try(
        &self,
        user_id: i64,
        code_hash: &str,
        now: i64,
        max_failures: i64,
    ) -> Result<bool, DbError> {
        let n = on_pool!(self, |pool| {
            sqlx::query(
                "UPDATE password_reset_codes SET failures = failures + 1 \
                 WHERE user_id = $1 AND code_hash = $2 AND used_at IS NULL AND expires_at > $3 AND failures < $4",
            )
            .bind(user_id)
            .bind(code_hash)
            .bind(now)
            .bind(max_failures)
            .execute(pool)
            .await
            .map(|r| r.rows_affected())
        })?;
        Ok(n == 1)
    }

    /// Gives back a try claimed by the right code (it was not a wrong one).
    pub async fn refund_reset_try(&self, user_id: i64, code_hash: &str) -> Result<(), DbError> {
        on_pool!(self, |pool| {
            sqlx::query(
                "UPDATE password_reset_codes SET failures = failures - 1 \
                 WHERE user_id = $1 AND code_hash = $2 AND failures > 0",
            )
            .bind(user_id)
            .bind(code_hash)
            .execute(pool)
            .await
            .map(|r| r.rows_affected())
        })?;
        Ok(())
    }

    /// Uses the code and sets the new password, in one transaction: the
    /// code is claimed first by a guarded UPDATE (still unused, unexpired,
    /// not worn out by wrong tries, and the same code), so two requests with
    /// one code cannot both succeed. The old password goes to the history;
    /// the must-change flag and any lockout are cleared and every session of
    /// the user ends. False when the code was no longer live.
    pub async fn reset_password_with_code(
        &self,
        w: &ResetWrite<'_>,
        entry: &AuditEntry<'_>,
    ) -> Result<bool, DbError> {
        let now = entry.at;
        let done = in_tx!(self, |tx| {
            let claimed = sqlx::query(
                "UPDATE password_reset_codes SET used_at = $3 \
                 WHERE user_id = $1 AND code_hash = $2 AND used_at IS NULL AND expires_at > $3 AND failures < $4",
            )
            .bind(w.user_id)
            .bind(w.code_hash)
            .bind(now)
            .bind(w.max_failures)
            .execute(&mut *tx)
            .await?
            .rows_affected();
            if claimed == 1 {
                sqlx::query("INSERT INTO password_history (user_id, password_hash, created_at) VALUES ($1, $2, $3)")
                    .bind(w.user_id)
                    .bind(w.old_password_hash)
                    .bind(now)
                    .execute(&mut *tx)
                    .await?;
                sqlx::query(
                    "UPDATE staff_users SET password_hash = $2, password_changed_at = $3, must_change_password = FALSE, \
                     failed_attempts = 0, locked_until = NULL WHERE id = $1",
                )
                .bind(w.user_id)
                .bind(w.new_password_hash)
                .bind(now)
                .execute(&mut *tx)
                .await?;
                sqlx::query("DELETE FROM sessions WHERE user_id = $1")
                    .bind(w.user_id)
                    .execute(&mut *tx)
                    .await?;
                write_audit!(&mut *tx, *entry)?;
            }
            claimed == 1
        });
        Ok(done)
    }

    /// Active staff users with this email address (compared without case;
    /// an address may belong to more than one user).
    pub async fn active_logins_by_email(&self, email: &str) -> Result<Vec<LoginByEmail>, DbError> {
        let rows = on_pool!(self, |pool| {
            sqlx::query_as::<_, LoginByEmail>(
                "SELECT id, login, email FROM staff_users WHERE LOWER(email) = LOWER($1) AND active ORDER BY login",
            )
            .bind(email)
            .fetch_all(pool)
            .await
        })?;
        Ok(rows)
    }
}
