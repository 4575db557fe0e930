//! Payment methods enrolled payers saved, offered on Make Payment.

use super::audit::{AuditEntry, write_audit};
use super::payer_accounts::{Activity, write_activity};
use super::payments::{METHOD_COLUMNS, MethodColumns, bind_method};
use super::{Db, DbError, in_tx, on_pool};

#[derive(Debug, Clone, Default, sqlx::FromRow)]
pub struct SavedMethodRow {
    pub id: i64,
    pub payer_id: i64,
    pub method_kind: String,
    pub label: String,
    #[sqlx(flatten)]
    pub method: MethodColumns,
}

impl Db {
    /// The saved methods of every enrolled payer who pays this account.
    pub async fn saved_methods_for_account(
        &self,
        account_id: i64,
    ) -> Result<Vec<SavedMethodRow>, DbError> {
        let sql = format!(
            "SELECT m.id, m.payer_id, m.method_kind, m.label, {METHOD_COLUMNS} FROM saved_methods m \
             JOIN account_payers ap ON ap.payer_id = m.payer_id WHERE ap.account_id = $1 AND m.deleted_at IS NULL ORDER BY m.id"
        );
        let rows = on_pool!(self, |pool| sqlx::query_as::<_, SavedMethodRow>(&sql)
            .bind(account_id)
            .fetch_all(pool)
            .await)?;
        Ok(rows)
    }

    /// A payer's saved methods (not deleted), oldest first.
    pub async fn saved_methods_of_payer(
        &self,
        payer_id: i64,
    ) -> Result<Vec<SavedMethodRow>, DbError> {
        let sql = format!(
            "SELECT m.id, m.payer_id, m.method_kind, m.label, {METHOD_COLUMNS} FROM saved_methods m \
             WHERE m.payer_id = $1 AND m.deleted_at IS NULL ORDER BY m.id"
        );
        let rows = on_pool!(self, |pool| sqlx::query_as::<_, SavedMethodRow>(&sql)
            .bind(payer_id)
            .fetch_all(pool)
            .await)?;
        Ok(rows)
    }

    /// Adds a saved method (Add Credit Card, Add Bank Account), audited in
    /// the same transaction.
    ///
    /// `key` comes with the review: a repeat of it finds the method saved
    /// the first time (`Ok(None)` from the UNIQUE index, looked up by the
    /// caller).
    pub async fn add_saved_method(
        &self,
        m: &SavedMethodRow,
        key: &str,
        audit: &AuditEntry<'_>,
        activity: Option<&Activity<'_>>,
    ) -> Result<i64, DbError> {
        if let Some(id) = self.saved_method_by_key(key).await? {
            return Ok(id);
        }
        let sql = format!(
            "INSERT INTO saved_methods (payer_id, method_kind, label, created_at, idempotency_key, {METHOD_COLUMNS}) \
             VALUES ($1, $2, $3, $4, $16, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15) RETURNING id"
        );
        let added = self
            .insert_method_audited(&sql, m, key, audit, activity)
            .await;
        match added {
            Err(e) if e.is_unique_violation() => self.saved_method_by_key(key).await?.ok_or(e),
            other => other,
        }
    }

    async fn saved_method_by_key(&self, key: &str) -> Result<Option<i64>, DbError> {
        let id = on_pool!(self, |pool| sqlx::query_scalar::<_, i64>(
            "SELECT id FROM saved_methods WHERE idempotency_key = $1"
        )
        .bind(key)
        .fetch_optional(pool)
        .await)?;
        Ok(id)
    }

    async fn insert_method_audited(
        &self,
        sql: &str,
        m: &SavedMethodRow,
        key: &str,
        audit: &AuditEntry<'_>,
        activity: Option<&Activity<'_>>,
    ) -> Result<i64, DbError> {
        let id = in_tx!(self, |tx| {
            let query = sqlx::query_scalar::<_, i64>(sql)
                .bind(m.payer_id)
                .bind(&m.method_kind)
                .bind(&m.label)
                .bind(audit.at);
            let id = bind_method!(query, m.method)
                .bind(key)
                .fetch_one(&mut *tx)
                .await?;
            let object = format!("saved method {id}");
            write_audit!(
                &mut *tx,
                AuditEntry {
                    object: Some(&object),
                    ..*audit
                }
            )?;
            if let Some(a) = activity {
                write_activity!(&mut *tx, m.payer_id, *a)?;
            }
            id
        });
        Ok(id)
    }

    /// The enrolled payers of an account, by User ID.
    pub async fn payers_of_account(&self, account_id: i64) -> Result<Vec<(i64, String)>, DbError> {
        let rows = on_pool!(self, |pool| sqlx::query_as::<_, (i64, String)>(
            "SELECT p.id, p.user_id FROM payers p JOIN account_payers ap ON ap.payer_id = p.id \
             WHERE ap.account_id = $1 ORDER BY p.user_id"
        )
        .bind(account_id)
        .fetch_all(pool)
        .await)?;
        Ok(rows)
    }

    pub async fn insert_saved_method(&self, m: &SavedMethodRow, now: i64) -> Result<i64, DbError> {
        let sql = format!(
            "INSERT INTO saved_methods (payer_id, method_kind, label, created_at, {METHOD_COLUMNS}) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15) RETURNING id"
        );
        let id = on_pool!(self, |pool| {
            let query = sqlx::query_scalar::<_, i64>(&sql)
                .bind(m.payer_id)
                .bind(&m.method_kind)
                .bind(&m.label)
                .bind(now);
            bind_method!(query, m.method).fetch_one(pool).await
        })?;
        Ok(id)
    }

    pub async fn payer_id(&self, user_id: &str) -> Result<Option<i64>, DbError> {
        let id = on_pool!(self, |pool| {
            sqlx::query_scalar::<_, i64>("SELECT id FROM payers WHERE user_id = $1")
                .bind(user_id)
                .fetch_optional(pool)
                .await
        })?;
        Ok(id)
    }
}
