//! Sign-in attempts, claimed before any password is checked: per client
//! address (in time windows) and per staff user (the lockout).
//!
//! Each claim is one guarded statement that counts the attempt and says
//! whether it may go ahead, so parallel attempts cannot all read the same
//! old count and slip past the limit together.

use super::{Db, DbError, on_pool};

/// Whose sign-ins a lockout counts: the staff's or the payer site's
/// (the same columns, `failed_attempts` and `locked_until`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum SignIns {
    Staff,
    Payers,
}

impl SignIns {
    fn table(self) -> &'static str {
        match self {
            SignIns::Staff => "staff_users",
            SignIns::Payers => "payers",
        }
    }
}

/// An allowed attempt on a staff user's account.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct UserClaim {
    /// This attempt's number in the current run of failures (1 = first).
    pub attempt: i64,
    /// The lock this very claim set (the last attempt allowed), if any.
    pub lock: Option<i64>,
}

impl Db {
    /// Counts one attempt from `key` in the window starting at
    /// `window_start`, if fewer than `limit` were counted; `None` when the
    /// address is over the limit (nothing is counted then).
    pub async fn claim_ip_attempt(
        &self,
        key: &str,
        window_start: i64,
        limit: i64,
    ) -> Result<Option<i64>, DbError> {
        let n = on_pool!(self, |pool| {
            sqlx::query_scalar::<_, i64>(
                "INSERT INTO sign_in_failures_by_ip (ip, window_start, failures) VALUES ($1, $2, 1) \
                 ON CONFLICT (ip, window_start) DO UPDATE SET failures = sign_in_failures_by_ip.failures + 1 \
                 WHERE sign_in_failures_by_ip.failures < $3 RETURNING failures",
            )
            .bind(key)
            .bind(window_start)
            .bind(limit)
            .fetch_optional(pool)
            .await
        })?;
        Ok(n)
    }

    /// Gives back a claimed attempt that turned out not to be a failure (a
    /// successful sign-in, or one the server was too busy to check).
    pub async fn release_ip_attempt(&self, key: &str, window_start: i64) -> Result<(), DbError> {
        on_pool!(self, |pool| {
            sqlx::query(
                "UPDATE sign_in_failures_by_ip SET failures = failures - 1 \
                 WHERE ip = $1 AND window_start = $2 AND failures > 0",
            )
            .bind(key)
            .bind(window_start)
            .execute(pool)
            .await
            .map(|r| r.rows_affected())
        })?;
        Ok(())
    }

    /// Counts one attempt on a user's password, unless the user is locked
    /// (`None` then). The attempt that reaches `lock_after` locks the user
    /// until `lock_until` at once, so no later attempt is allowed while the
    /// earlier ones are still being checked. A lock that has passed starts
    /// a new run. A correct password resets the count
    /// ([`Db::open_session`], [`Db::clear_attempts`]).
    pub async fn claim_user_attempt(
        &self,
        user_id: i64,
        now: i64,
        lock_after: i64,
        lock_until: i64,
    ) -> Result<Option<UserClaim>, DbError> {
        self.claim_attempt(SignIns::Staff, user_id, now, lock_after, lock_until)
            .await
    }

    /// [`Db::claim_user_attempt`] for `table`'s sign-ins.
    pub(crate) async fn claim_attempt(
        &self,
        table: SignIns,
        id: i64,
        now: i64,
        lock_after: i64,
        lock_until: i64,
    ) -> Result<Option<UserClaim>, DbError> {
        let sql = format!(
            "UPDATE {} SET \
             failed_attempts = CASE WHEN locked_until IS NOT NULL AND locked_until <= $2 THEN 1 ELSE failed_attempts + 1 END, \
             locked_until = CASE WHEN (CASE WHEN locked_until IS NOT NULL AND locked_until <= $2 THEN 1 ELSE failed_attempts + 1 END) >= $3 \
             THEN CAST($4 AS BIGINT) ELSE NULL END \
             WHERE id = $1 AND (locked_until IS NULL OR locked_until <= $2) \
             RETURNING failed_attempts, locked_until",
            table.table()
        );
        // Both engines evaluate every SET expression against the old row.
        let row = on_pool!(self, |pool| {
            sqlx::query_as::<_, (i64, Option<i64>)>(&sql)
                .bind(id)
                .bind(now)
                .bind(lock_after)
                .bind(lock_until)
                .fetch_optional(pool)
                .await
        })?;
        Ok(row.map(|(attempt, lock)| UserClaim { attempt, lock }))
    }

    /// A correct password outside sign-in (Change Password): the run of
    /// failures ends, under the same guard as [`Db::open_session`].
    pub async fn clear_attempts(
        &self,
        user_id: i64,
        claim: UserClaim,
        now: i64,
    ) -> Result<bool, DbError> {
        self.clear_attempts_of(SignIns::Staff, user_id, claim, now)
            .await
    }

    /// [`Db::clear_attempts`] for `table`'s sign-ins.
    pub(crate) async fn clear_attempts_of(
        &self,
        table: SignIns,
        id: i64,
        claim: UserClaim,
        now: i64,
    ) -> Result<bool, DbError> {
        let sql = format!(
            "UPDATE {} SET failed_attempts = 0, locked_until = NULL WHERE id = $1 AND {NOT_LOCKED}",
            table.table()
        );
        let n = on_pool!(self, |pool| {
            sqlx::query(&sql)
                .bind(id)
                .bind(now)
                .bind(claim.attempt)
                .bind(claim.lock)
                .execute(pool)
                .await
                .map(|r| r.rows_affected())
        })?;
        Ok(n == 1)
    }

    /// Drops windows that ended before `before`.
    pub async fn purge_ip_failures(&self, before: i64) -> Result<u64, DbError> {
        let n = on_pool!(self, |pool| {
            sqlx::query("DELETE FROM sign_in_failures_by_ip WHERE window_start < $1")
                .bind(before)
                .execute(pool)
                .await
                .map(|r| r.rows_affected())
        })?;
        Ok(n)
    }
}

/// The user is not locked, or the only lock is the one this attempt's own
/// claim set (it was the last attempt allowed, and nothing was counted
/// since). Binds: `$2` now, `$3` the claim's attempt, `$4` its lock.
pub(crate) const NOT_LOCKED: &str = "(locked_until IS NULL OR locked_until <= $2 \
    OR (failed_attempts = $3 AND locked_until = $4))";
