//! Upload steps' progress shared between servers (PostgreSQL; see
//! `services::progress`).

use super::{Db, DbError, on_pool};

/// A count older than this is not shown (its server stopped writing it).
const FRESH_MS: i64 = 30_000;
/// A row older than this is one a crash left: deleted.
const ABANDONED_MS: i64 = 3_600_000;

impl Db {
    /// Writes step `token`'s count.
    pub async fn publish_progress(
        &self,
        staff_id: i64,
        token: &str,
        read: i64,
        total: i64,
        now: i64,
    ) -> Result<(), DbError> {
        on_pool!(self, |pool| sqlx::query(
            "INSERT INTO upload_progress (staff_id, token, read_bytes, total_bytes, updated_at) \
             VALUES ($1, $2, $3, $4, $5) ON CONFLICT (staff_id, token) DO UPDATE SET \
             read_bytes = excluded.read_bytes, total_bytes = excluded.total_bytes, \
             updated_at = excluded.updated_at",
        )
        .bind(staff_id)
        .bind(token)
        .bind(read)
        .bind(total)
        .bind(now)
        .execute(pool)
        .await
        .map(|_| ()))?;
        Ok(())
    }

    /// `(read, total)` of `staff_id`'s step, if a server wrote it lately.
    pub async fn progress_of(
        &self,
        staff_id: i64,
        token: &str,
        now: i64,
    ) -> Result<Option<(i64, i64)>, DbError> {
        Ok(on_pool!(self, |pool| sqlx::query_as::<_, (i64, i64)>(
            "SELECT read_bytes, total_bytes FROM upload_progress \
             WHERE staff_id = $1 AND token = $2 AND updated_at >= $3"
        )
        .bind(staff_id)
        .bind(token)
        .bind(now - FRESH_MS)
        .fetch_optional(pool)
        .await)?)
    }

    /// The step ended: its row goes, and with it any row a crash left
    /// (once per step, not at every write).
    pub async fn end_progress(&self, staff_id: i64, token: &str, now: i64) -> Result<(), DbError> {
        on_pool!(self, |pool| sqlx::query(
            "DELETE FROM upload_progress WHERE (staff_id = $1 AND token = $2) OR updated_at < $3"
        )
        .bind(staff_id)
        .bind(token)
        .bind(now - ABANDONED_MS)
        .execute(pool)
        .await
        .map(|_| ()))?;
        Ok(())
    }
}
