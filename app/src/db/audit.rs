//! The append-only audit trail. Rows are written in the same transaction as
//! the action they describe, through [`write_audit!`].

use super::{on_pool, Db, DbError};

/// One audit row, borrowed from the caller.
#[derive(Debug, Clone, Default)]
pub struct AuditEntry<'a> {
    pub at: i64,
    pub actor_id: Option<i64>,
    pub actor_login: Option<&'a str>,
    pub action: &'a str,
    pub object: Option<&'a str>,
    pub before: Option<&'a str>,
    pub after: Option<&'a str>,
    pub ip: Option<&'a str>,
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct AuditRow {
    pub id: i64,
    pub at: i64,
    pub actor_login: Option<String>,
    pub action: String,
    pub object: Option<String>,
    pub ip: Option<String>,
}

pub(crate) const INSERT_AUDIT: &str = "INSERT INTO audit_log \
    (at, actor_id, actor_login, action, object, before_json, after_json, ip) \
    VALUES ($1, $2, $3, $4, $5, $6, $7, $8)";

/// Appends `$entry` using `$conn` (a transaction or a pool), so the row
/// commits or rolls back with the change it records.
macro_rules! write_audit {
    ($conn:expr, $entry:expr) => {{
        let e: &$crate::db::audit::AuditEntry<'_> = &$entry;
        sqlx::query($crate::db::audit::INSERT_AUDIT)
            .bind(e.at)
            .bind(e.actor_id)
            .bind(e.actor_login)
            .bind(e.action)
            .bind(e.object)
            .bind(e.before)
            .bind(e.after)
            .bind(e.ip)
            .execute($conn)
            .await
            .map(|r| r.rows_affected())
    }};
}
pub(crate) use write_audit;

impl Db {
    /// Records an event that changes nothing else (a failed sign-in, say).
    pub async fn audit(&self, entry: &AuditEntry<'_>) -> Result<(), DbError> {
        on_pool!(self, |pool| write_audit!(pool, *entry))?;
        Ok(())
    }

    pub async fn recent_audit(&self, limit: i64) -> Result<Vec<AuditRow>, DbError> {
        let rows = on_pool!(self, |pool| {
            sqlx::query_as::<_, AuditRow>(
                "SELECT id, at, actor_login, action, object, ip FROM audit_log ORDER BY id DESC LIMIT $1",
            )
            .bind(limit)
            .fetch_all(pool)
            .await
        })?;
        Ok(rows)
    }
}
