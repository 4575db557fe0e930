//! Failed sign-ins counted per client IP and time window.

use super::{Db, DbError, on_pool};

impl Db {
    /// Failed sign-ins from `ip` in the window starting at `window_start`.
    pub async fn ip_failures(&self, ip: &str, window_start: i64) -> Result<i64, DbError> {
        let n = on_pool!(self, |pool| {
            sqlx::query_scalar::<_, i64>(
                "SELECT failures FROM sign_in_failures_by_ip WHERE ip = $1 AND window_start = $2",
            )
            .bind(ip)
            .bind(window_start)
            .fetch_optional(pool)
            .await
        })?;
        Ok(n.unwrap_or(0))
    }

    /// Counts one more failure from `ip`; one atomic upsert, so parallel
    /// attempts cannot undercount.
    pub async fn count_ip_failure(&self, ip: &str, window_start: i64) -> Result<i64, DbError> {
        let n = on_pool!(self, |pool| {
            sqlx::query_scalar::<_, i64>(
                "INSERT INTO sign_in_failures_by_ip (ip, window_start, failures) VALUES ($1, $2, 1) \
                 ON CONFLICT (ip, window_start) DO UPDATE SET failures = sign_in_failures_by_ip.failures + 1 RETURNING failures",
            )
            .bind(ip)
            .bind(window_start)
            .fetch_one(pool)
            .await
        })?;
        Ok(n)
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
