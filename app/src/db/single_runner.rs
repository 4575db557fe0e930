//! One server at a time for a periodic job (the automatic payments' pass)
//! on PostgreSQL: a transaction-level advisory lock, held by a transaction
//! kept open for the job's length. Its end, however it comes (the job
//! done, a panic, the process killed and its connection gone), releases
//! the lock. The job's own writes stay safe twice over (unique keys and
//! guarded updates); the lock only spares the second server the work.

use super::{Db, DbError};

/// The automatic payments' pass (`services::scheduler::spawn`).
pub const SCHEDULER_LOCK: i64 = 0x5041_5944_4553_4b32;

/// Held while this process runs the job; dropped, it lets another.
pub enum RunnerGuard {
    /// One server on SQLite: nobody to keep out.
    Alone,
    Postgres(sqlx::Transaction<'static, sqlx::Postgres>),
}

impl RunnerGuard {
    /// The job is done: the lock goes now, not when the pool gets round
    /// to the dropped transaction.
    pub async fn release(self) -> Result<(), DbError> {
        if let RunnerGuard::Postgres(tx) = self {
            tx.commit().await?;
        }
        Ok(())
    }
}

impl Db {
    /// The guard of job `lock`, or None while another process holds it.
    pub async fn try_single_runner(&self, lock: i64) -> Result<Option<RunnerGuard>, DbError> {
        match self {
            Db::Sqlite(_) => Ok(Some(RunnerGuard::Alone)),
            Db::Postgres(pool) => {
                let mut tx = pool.begin().await?;
                let got: bool = sqlx::query_scalar("SELECT pg_try_advisory_xact_lock($1)")
                    .bind(lock)
                    .fetch_one(&mut *tx)
                    .await?;
                Ok(got.then_some(RunnerGuard::Postgres(tx)))
            }
        }
    }
}
