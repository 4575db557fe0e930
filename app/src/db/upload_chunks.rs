//! A previewed upload's file in the database, in pieces, for the other
//! servers of a biller on PostgreSQL (`services::uploads`).

use super::{Db, DbError, on_pool};

impl Db {
    /// Piece `seq` of upload `id`'s file. Writing one twice (a retry) is
    /// refused by the primary key.
    pub async fn put_upload_chunk(&self, id: i64, seq: i64, bytes: &[u8]) -> Result<(), DbError> {
        on_pool!(self, |pool| sqlx::query(
            "INSERT INTO upload_chunks (upload_id, seq, bytes) VALUES ($1, $2, $3)"
        )
        .bind(id)
        .bind(seq)
        .bind(bytes)
        .execute(pool)
        .await
        .map(|_| ()))?;
        Ok(())
    }

    /// Piece `seq`, or None past the last: one piece in memory at a time.
    pub async fn upload_chunk(&self, id: i64, seq: i64) -> Result<Option<Vec<u8>>, DbError> {
        Ok(on_pool!(self, |pool| sqlx::query_scalar::<_, Vec<u8>>(
            "SELECT bytes FROM upload_chunks WHERE upload_id = $1 AND seq = $2"
        )
        .bind(id)
        .bind(seq)
        .fetch_optional(pool)
        .await)?)
    }

    /// The file is no longer needed (committed or abandoned).
    pub async fn drop_upload_chunks(&self, id: i64) -> Result<(), DbError> {
        on_pool!(self, |pool| sqlx::query(
            "DELETE FROM upload_chunks WHERE upload_id = $1"
        )
        .bind(id)
        .execute(pool)
        .await
        .map(|_| ()))?;
        Ok(())
    }

    /// Uploads that are neither previewed nor being committed, among `ids`:
    /// their files on this server's disk can go.
    pub async fn finished_uploads(&self, ids: &[i64]) -> Result<Vec<i64>, DbError> {
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        let (cond, list) = self.in_ids("id", 1, ids);
        let sql = format!(
            "SELECT id FROM uploads WHERE {cond} AND status NOT IN ('previewed', 'committing')"
        );
        Ok(on_pool!(self, |pool| sqlx::query_scalar::<_, i64>(&sql)
            .bind(&list)
            .fetch_all(pool)
            .await)?)
    }
}
