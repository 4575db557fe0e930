//! SQLite's online copy, for `services::backup`.

use super::{Db, DbError};

impl Db {
    /// `VACUUM INTO path`: a consistent copy of the whole database, taken
    /// in one read transaction while others keep writing (SQLite only; the
    /// caller refuses PostgreSQL).
    pub async fn vacuum_into(&self, path: &str) -> Result<(), DbError> {
        if let Db::Sqlite(pool) = self {
            sqlx::query("VACUUM INTO $1")
                .bind(path)
                .execute(pool)
                .await?;
        }
        Ok(())
    }
}
