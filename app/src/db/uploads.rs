//! File Transfers: the uploads, their counts and their refused rows.

use super::{Db, DbError, in_tx, on_pool, update_audited};
use crate::db::accounts::ImportOutcome;
use crate::db::audit::{AuditEntry, write_audit};
use crate::domain::division::DivisionScope;

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct UploadRow {
    pub id: i64,
    pub kind: String,
    pub file_name: String,
    pub size_bytes: i64,
    pub sha256: String,
    pub uploaded_by_login: String,
    pub uploaded_at: i64,
    pub status: String,
    pub rows_read: i64,
    pub created: i64,
    pub updated: i64,
    pub rejected: i64,
    /// The division it is for (docs/divisions.md#uploads); `None`: every
    /// division.
    pub division_id: Option<i64>,
    pub division_name: Option<String>,
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct UploadErrorRow {
    pub line: i64,
    pub column_name: String,
    pub reason: String,
}

#[derive(Debug, Clone)]
pub struct NewUpload<'a> {
    pub kind: &'a str,
    pub file_name: &'a str,
    pub size_bytes: i64,
    pub sha256: &'a str,
    pub uploaded_by: i64,
    pub now: i64,
    pub division: Option<i64>,
}

const SELECT: &str = "SELECT x.id, x.kind, x.file_name, x.size_bytes, x.sha256, u.login AS uploaded_by_login, x.uploaded_at, \
     x.status, x.rows_read, x.created, x.updated, x.rejected, x.division_id, d.name AS division_name \
     FROM uploads x JOIN staff_users u ON u.id = x.uploaded_by LEFT JOIN divisions d ON d.id = x.division_id";

/// Stores what a preview or commit found: the counts and the refused rows.
macro_rules! record_outcome {
    ($tx:expr, $id:expr, $status:expr, $out:expr) => {
        async {
            let out: &ImportOutcome = $out;
            sqlx::query("UPDATE uploads SET status = $2, rows_read = $3, created = $4, updated = $5, rejected = $6 WHERE id = $1")
                .bind($id)
                .bind($status)
                .bind(out.rows as i64)
                .bind(out.created as i64)
                .bind(out.updated as i64)
                .bind(out.rejected as i64)
                .execute(&mut *$tx)
                .await?;
            sqlx::query("DELETE FROM upload_errors WHERE upload_id = $1").bind($id).execute(&mut *$tx).await?;
            for (seq, e) in out.errors.iter().enumerate() {
                sqlx::query("INSERT INTO upload_errors (upload_id, seq, line, column_name, reason) VALUES ($1, $2, $3, $4, $5)")
                    .bind($id)
                    .bind(seq as i64)
                    .bind(e.line as i64)
                    .bind(&e.column)
                    .bind(&e.reason)
                    .execute(&mut *$tx)
                    .await?;
            }
            Ok::<(), sqlx::Error>(())
        }
        .await
    };
}
pub(crate) use record_outcome;

impl Db {
    /// Records an upload and its preview, audited.
    pub async fn insert_upload(
        &self,
        u: &NewUpload<'_>,
        status: &str,
        preview: &ImportOutcome,
        entry: &AuditEntry<'_>,
    ) -> Result<i64, DbError> {
        let id = in_tx!(self, |tx| {
            let id: i64 = sqlx::query_scalar(
                "INSERT INTO uploads (kind, file_name, size_bytes, sha256, uploaded_by, uploaded_at, status, division_id) \
                 VALUES ($1, $2, $3, $4, $5, $6, 'previewed', $7) RETURNING id",
            )
            .bind(u.kind)
            .bind(u.file_name)
            .bind(u.size_bytes)
            .bind(u.sha256)
            .bind(u.uploaded_by)
            .bind(u.now)
            .bind(u.division)
            .fetch_one(&mut *tx)
            .await?;
            record_outcome!(tx, id, status, preview)?;
            write_audit!(
                &mut *tx,
                AuditEntry {
                    object: Some(&format!("upload {id}")),
                    ..*entry
                }
            )?;
            id
        });
        Ok(id)
    }

    pub async fn upload(&self, id: i64) -> Result<Option<UploadRow>, DbError> {
        let sql = format!("{SELECT} WHERE x.id = $1");
        let row = on_pool!(self, |pool| sqlx::query_as::<_, UploadRow>(&sql)
            .bind(id)
            .fetch_optional(pool)
            .await)?;
        Ok(row)
    }

    /// The newest uploads of the divisions `shown` (every upload when all
    /// are; an upload for every division shows only then).
    pub async fn recent_uploads(
        &self,
        limit: i64,
        shown: &DivisionScope,
    ) -> Result<Vec<UploadRow>, DbError> {
        let sql = format!(
            "{SELECT} WHERE 1 = 1{} ORDER BY x.id DESC LIMIT $1",
            shown.sql_filter("x.division_id")
        );
        let rows = on_pool!(self, |pool| sqlx::query_as::<_, UploadRow>(&sql)
            .bind(limit)
            .fetch_all(pool)
            .await)?;
        Ok(rows)
    }

    /// An earlier upload with the same content, applied or waiting.
    pub async fn same_content(
        &self,
        sha256: &str,
        except: i64,
    ) -> Result<Option<UploadRow>, DbError> {
        let sql = format!(
            "{SELECT} WHERE x.sha256 = $1 AND x.id <> $2 AND x.status IN ('previewed', 'committing', 'success', 'limited_errors') \
             ORDER BY x.id DESC LIMIT 1"
        );
        let row = on_pool!(self, |pool| sqlx::query_as::<_, UploadRow>(&sql)
            .bind(sha256)
            .bind(except)
            .fetch_optional(pool)
            .await)?;
        Ok(row)
    }

    pub async fn upload_errors(&self, id: i64) -> Result<Vec<UploadErrorRow>, DbError> {
        let rows = on_pool!(self, |pool| {
            sqlx::query_as::<_, UploadErrorRow>("SELECT line, column_name, reason FROM upload_errors WHERE upload_id = $1 ORDER BY seq")
                .bind(id)
                .fetch_all(pool)
                .await
        })?;
        Ok(rows)
    }

    /// Moves a previewed upload on (to `committing` or `abandoned`); false if
    /// it was not waiting any more (a double click, a second tab).
    pub async fn claim_upload(
        &self,
        id: i64,
        to: &str,
        by: i64,
        entry: &AuditEntry<'_>,
    ) -> Result<bool, DbError> {
        update_audited!(
            self,
            entry,
            sqlx::query("UPDATE uploads SET status = $2, decided_by = $3, decided_at = $4 WHERE id = $1 AND status = 'previewed'")
                .bind(id)
                .bind(to)
                .bind(by)
                .bind(entry.at)
        )
    }

    /// A commit that could not run (its file is gone): back to previewed,
    /// so it can be abandoned or uploaded again.
    pub async fn release_upload(&self, id: i64) -> Result<(), DbError> {
        on_pool!(self, |pool| {
            sqlx::query("UPDATE uploads SET status = 'previewed', decided_by = NULL, decided_at = NULL WHERE id = $1 AND status = 'committing'")
                .bind(id)
                .execute(pool)
                .await
                .map(|r| r.rows_affected())
        })?;
        Ok(())
    }
}
